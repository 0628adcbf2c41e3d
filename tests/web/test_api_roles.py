"""The JSON API against a running ``qbdkit serve`` (SQLite and PostgreSQL): a role × endpoint
table covering every route of the OpenAPI document, CSRF, security headers and cookies,
login throttling (lockout), upload limits."""

from __future__ import annotations

import io
import zipfile

import httpx
import pytest

ROLES = ["anon", "admin", "sci", "rev", "qa", "view"]
EVERYONE = {"anon": 401, "admin": 200, "sci": 200, "rev": 200, "qa": 200, "view": 200}


def only(allowed: set[str], ok: int = 200) -> dict[str, int]:
    return {r: 401 if r == "anon" else (ok if r in allowed else 403) for r in ROLES}


def _target(server, api_client) -> str:
    """A fresh user that the admin endpoints act on."""
    name = server.unique("target")
    r = api_client("admin").post("/api/users", json={
        "name": name, "role": "viewer", "password": "initial-Pass-phrase-77", "reason": "t"})
    assert r.status_code == 201, r.text
    return name


def _project_zip(top: str = "proj") -> bytes:
    """A project folder made by `qbdkit init` (the templates service), zipped."""
    import tempfile
    from pathlib import Path

    from qbdkit.templates import init_project

    with tempfile.TemporaryDirectory() as tmp:
        init_project(Path(tmp) / top, "mab", name="uploaded")
        return _zip({f"{top}/{p.relative_to(Path(tmp) / top).as_posix()}": p.read_bytes()
                     for p in sorted((Path(tmp) / top).rglob("*")) if p.is_file()})


#: (method, path template, body(server, role) or None, expected status per role)
TABLE = [
    ("GET", "/api/me", None, EVERYONE),
    ("POST", "/api/me/lang", lambda s, r: {"json": {"lang": "en"}}, EVERYONE),
    ("POST", "/api/me/password",  # policy refuses the new one: nothing changes, no lockout
     lambda s, r: {"json": {"old_password": s.passwords.get(r, "x"),
                            "new_password": "short"}},
     {**only(set(), 422), "admin": 422, "sci": 422, "rev": 422, "qa": 422, "view": 422}),
    ("GET", "/api/projects", None, EVERYONE),
    ("GET", "/api/templates", None, EVERYONE),
    ("POST", "/api/projects",
     lambda s, r: {"json": {"name": s.unique(f"api-{r}"), "modality": "adc"}},
     only({"sci"}, 201)),
    ("POST", "/api/projects/import",
     lambda s, r: {"files": {"file": ("project.zip", _project_zip(), "application/zip")},
                   "data": {"reason": "role table"}},
     only({"sci"}, 201)),
    ("GET", "/api/projects/demo-mab", None, EVERYONE),
    ("GET", "/api/projects/demo-adc/report", None, EVERYONE),
    ("GET", "/api/users", None, EVERYONE),
    ("POST", "/api/users",
     lambda s, r: {"json": {"name": s.unique(f"new-{r}"), "role": "viewer",
                            "password": "initial-Pass-phrase-77", "reason": "t"}},
     only({"admin"}, 201)),
    ("POST", "/api/users/{target}/role", lambda s, r: {"json": {"role": "reviewer",
                                                                "reason": "t"}},
     only({"admin"})),
    ("POST", "/api/users/{target}/disable", lambda s, r: {"json": {"reason": "t"}},
     only({"admin"})),
    ("POST", "/api/users/{target}/enable", lambda s, r: {"json": {"reason": "t"}},
     only({"admin"})),
    ("POST", "/api/users/{target}/unlock", lambda s, r: {"json": {"reason": "t"}},
     only({"admin"})),
    ("POST", "/api/users/{target}/reset-password",
     lambda s, r: {"json": {"password": "another-Pass-phrase-88", "reason": "t"}},
     only({"admin"})),
    ("GET", "/api/audit?limit=5", None, EVERYONE),
    ("GET", "/api/audit/export?format=csv", None, only({"admin", "rev", "qa"})),
    ("POST", "/api/audit/verify", None, EVERYONE),
    ("POST", "/api/auth/logout", None, {**EVERYONE, **{r: 204 for r in ROLES[1:]}}),
]
#: POST /api/auth/login is exercised by the api_client fixture and the tests below.
COVERED_ELSEWHERE = {("POST", "/api/auth/login")}
#: risk, scale-down and records: their role × endpoint table is
#: tests/web/test_api_risk_records.py::test_role_by_endpoint_table (writes, signing, uploads
#: in the tests beside it)
COVERED_ELSEWHERE |= {
    ("GET", "/api/projects/{project}/risk"),
    ("GET", "/api/projects/{project}/risk/fmea/{key}/preview"),
    ("POST", "/api/projects/{project}/risk/fmea/{key}"),
    ("GET", "/api/projects/{project}/sdm"),
    ("POST", "/api/projects/{project}/sdm"),
    ("GET", "/api/projects/{project}/records"),
    ("GET", "/api/projects/{project}/records/{kind}/{key}"),
    ("GET", "/api/projects/{project}/records/{kind}/{key}/diff"),
    ("POST", "/api/projects/{project}/records/{kind}/{key}/sign"),
    ("POST", "/api/projects/{project}/records/{kind}/{key}/rerun"),
}


def test_the_table_covers_every_api_route(web_server):
    paths = httpx.get(web_server.url + "/api/openapi.json").json()["paths"]
    routes = {(m.upper(), p) for p, ops in paths.items() for m in ops}
    table = {(m, p.split("?")[0].replace("{target}", "{name}").replace(
        "/demo-mab", "/{project}").replace("/demo-adc", "/{project}")) for m, p, _b, _e in TABLE}
    assert routes - table - COVERED_ELSEWHERE == set()
    assert table - routes == set()


@pytest.mark.parametrize("role", ROLES)
def test_role_by_endpoint(web_server, api_client, role):
    target = _target(web_server, api_client)
    client = api_client(None if role == "anon" else role)
    failures = []
    for method, path, body, expected in TABLE:
        kwargs = body(web_server, role) if body else {}
        r = client.request(method, path.replace("{target}", target), **kwargs)
        if r.status_code != expected[role]:
            failures.append(f"{method} {path}: {r.status_code} (expected {expected[role]}) "
                            f"{r.text[:160]}")
    assert failures == []


def test_unsafe_requests_need_the_csrf_token(web_server, api_client):
    client = api_client("sci")
    token = client.headers.pop("X-CSRF-Token")
    body = {"name": web_server.unique("csrf"), "modality": "mab"}
    r = client.post("/api/projects", json=body)
    assert r.status_code == 403 and r.json()["error"] == "CsrfFailed"
    r = client.post("/api/projects", json=body, headers={"X-CSRF-Token": "0" * 64})
    assert r.status_code == 403
    r = client.post("/lang", data={"lang": "zh", "next": "/projects"})  # a form without it
    assert r.status_code == 403
    r = client.post("/api/projects", json=body, headers={"X-CSRF-Token": token})
    assert r.status_code == 201
    # sign-in from a cross-site form (not JSON) is refused
    anon = api_client(None)
    r = anon.post("/api/auth/login", data={"username": "sci", "password": web_server.passwords["sci"]})
    assert r.status_code == 403


def test_security_headers_and_cookie_flags(web_server, api_client):
    r = httpx.get(web_server.url + "/login")
    csp = r.headers["content-security-policy"]
    script = next(d for d in csp.split(";") if d.strip().startswith("script-src"))
    assert script.split() == ["script-src", "'self'"]
    assert "frame-ancestors 'none'" in csp
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "same-origin"
    assert r.headers["cache-control"] == "no-store"
    assert "<script>" not in r.text and " on" + "click=" not in r.text
    login = httpx.post(web_server.url + "/api/auth/login",
                       json={"username": "view", "password": web_server.passwords["view"]})
    cookie = login.headers["set-cookie"].lower()
    assert "qbdkit_session=" in cookie and "httponly" in cookie and "samesite=lax" in cookie
    assert httpx.get(web_server.url + "/healthz").status_code == 200


def test_lockout_after_five_wrong_passwords(web_server, api_client):
    admin = api_client("admin")
    name = web_server.unique("lock")
    assert admin.post("/api/users", json={"name": name, "role": "viewer",
                                          "password": "initial-Pass-phrase-77",
                                          "reason": "t"}).status_code == 201
    anon = api_client(None)
    r = anon.post("/api/auth/login", json={"username": name,
                                           "password": "initial-Pass-phrase-77"})
    assert r.status_code == 403 and r.json()["error"] == "PasswordChangeRequired"
    r = anon.post("/api/auth/login", json={"username": name,
                                           "password": "initial-Pass-phrase-77",
                                           "new_password": "Own-pass-phrase-2026"})
    assert r.status_code == 200
    anon.cookies.clear()  # signed in now: a new sign-in without the session, as a new browser
    codes = [anon.post("/api/auth/login", json={"username": name, "password": "wrong"}
                       ).status_code for _ in range(5)]
    assert codes == [401, 401, 401, 401, 403]
    r = anon.post("/api/auth/login", json={"username": name,
                                           "password": "Own-pass-phrase-2026"})
    assert r.status_code == 403 and "locked" in r.json()["message"]
    assert admin.post(f"/api/users/{name}/unlock", json={"reason": "t"}).status_code == 200
    anon.cookies.clear()
    r = anon.post("/api/auth/login", json={"username": name,
                                           "password": "Own-pass-phrase-2026"})
    assert r.status_code == 200


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


def test_upload_type_and_size_limits(web_server, api_client):
    client = api_client("sci")

    def upload(name: str, content: bytes, **kw):
        return client.post("/api/projects/import", files={"file": (name, content)}, **kw)

    r = upload("tool.exe", b"MZ\x90\x00")
    assert r.status_code == 422 and "file type not accepted" in r.json()["message"]
    r = upload("fake.zip", b"not a zip at all")
    assert r.status_code == 422 and "not a zip archive" in r.json()["message"]
    r = upload("slip.zip", _zip({"../../evil.yaml": b"x: 1"}))
    assert r.status_code == 422 and "leaves the folder" in r.json()["message"]
    r = upload("project.yaml", b"name: x")
    assert r.status_code == 422 and "file type not accepted" in r.json()["message"]
    limit = int(web_server.env["QBDKIT_WEB_MAX_UPLOAD_MB"]) * 1024 * 1024
    r = upload("big.zip", b"PK\x03\x04" + b"\x00" * limit)
    assert r.status_code == 413

    def chunks():  # no Content-Length: counted while streaming
        for _ in range(limit // 65536 + 2):
            yield b"x" * 65536

    r = client.post("/api/projects", content=chunks(),
                    headers={"content-type": "application/json"})
    assert r.status_code == 413
    # the project a good upload makes is there
    r = upload("proj.zip", _project_zip(), data={"reason": "upload test"})
    assert r.status_code == 201, r.text
    assert r.json()["project"] == "uploaded"


def test_user_text_is_escaped_on_the_pages(web_server, api_client):
    admin = api_client("admin")
    name = web_server.unique("xss")
    evil = '<img src=x onerror="alert(1)"><script>alert(2)</script>'
    r = admin.post("/api/users", json={"name": name, "role": "viewer", "full_name": evil,
                                       "password": "initial-Pass-phrase-77",
                                       "reason": evil})
    assert r.status_code == 201
    for path in ("/admin/users", "/audit?user=admin&action=user"):
        page = admin.get(path).text
        assert "&lt;img src=x onerror=" in page and "&lt;script&gt;alert(2)" in page
        assert "<img src=x" not in page and "<script>alert(2)" not in page
    # an open redirect after sign-in is refused: only local paths
    anon = api_client(None)
    login_page = anon.get("/login")
    token = login_page.text.split('name="csrf_token" value="')[1].split('"')[0]
    r = anon.post("/login", data={"username": "view", "password": web_server.passwords["view"],
                                  "next": "//evil.example/x", "csrf_token": token})
    assert r.status_code == 303 and r.headers["location"] == "/projects"
