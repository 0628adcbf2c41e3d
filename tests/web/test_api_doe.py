"""The DoE and jobs API against a real server (SQLite and PostgreSQL): the profiler answers
every reader and moves with the settings, bad input is a 422 naming the field, uploads are
limited in type and size, a design-space job runs to a stored record, jobs are private."""

from __future__ import annotations

import time

PROFILE = "/api/projects/demo-mab/doe/analyses/response-surface/profile"


def _wait_job(client, job: str, seconds: float = 240) -> dict:
    deadline = time.monotonic() + seconds
    while True:
        st = client.get(f"/api/jobs/{job}").json()
        if st["state"] in ("done", "failed") or time.monotonic() > deadline:
            return st
        time.sleep(0.5)


def test_profiler_for_every_reader_and_401_without_sign_in(api_client):
    assert api_client(None).post(PROFILE, json={}).status_code in (401, 403)
    viewer = api_client("view")
    r = viewer.post(PROFILE, json={"settings": {"pH": 6.9}, "points": 5})
    assert r.status_code == 200, r.text
    body = r.json()
    prof = body["profile"]
    assert [p["factor"] for p in prof["panels"]] == ["Temperature (°C)", "pH", "DO (%)",
                                                      "Feed (%)"]
    assert prof["settings"]["pH"] == 6.9
    assert body["figure"]["data"] and body["figure"]["layout"]["shapes"]
    moved = viewer.post(PROFILE, json={"settings": {"pH": 7.1}, "points": 5}).json()["profile"]
    titer = prof["responses"][0]
    assert moved["current"][titer]["mean"] != prof["current"][titer]["mean"]


def test_profiler_goals_give_desirability(api_client):
    r = api_client("view").post(PROFILE, json={"goals": ["Titer (g/L):max=4.0,5.2"],
                                               "points": 3})
    assert r.status_code == 200, r.text
    prof = r.json()["profile"]
    assert 0 <= prof["desirability"] <= 1
    assert all(p["desirability"] is not None for p in prof["panels"])


def test_bad_profiler_input_is_422_naming_the_field(api_client):
    viewer = api_client("view")
    r = viewer.post(PROFILE, json={"settings": {"Nope": 1}})
    assert r.status_code == 422
    assert r.json()["problems"][0]["column"] == "settings"
    r = viewer.post(PROFILE, json={"points": 1})
    assert r.status_code == 422 and "points" in r.json()["problems"][0]["column"]
    r = viewer.post("/api/projects/demo-mab/doe/analyses/nope/profile", json={})
    assert r.status_code == 404


def test_contour_and_space_figure(api_client):
    viewer = api_client("view")
    r = viewer.get("/api/projects/demo-mab/doe/analyses/response-surface/contour",
                   params={"response": "Titer (g/L)", "x": "pH", "y": "DO (%)", "points": 7})
    assert r.status_code == 200, r.text
    assert len(r.json()["contour"]["z"]) == 7
    r = viewer.get("/api/projects/demo-mab/doe/spaces/bioreactor/figure")
    assert r.status_code == 200 and r.json()["data"][0]["type"] == "heatmap"


def test_upload_type_and_size_limits(api_client, web_server):
    sci = api_client("sci")
    url = "/projects/demo-mab/doe/designs/response-surface/results"
    r = sci.post(url, files={"file": ("runs.exe", b"MZ\x00\x00", "application/octet-stream")},
                 data={"model": "quadratic"})
    assert r.status_code == 422 and "runs.exe" in r.text and "csv or .xlsx" in r.text
    r = sci.post(url, files={"file": ("runs.xlsx", b"not a zip", "application/octet-stream")})
    assert r.status_code == 422 and "not an Excel workbook" in r.text
    big = b"a,b\n" + b"1,2\n" * (6 * 1024 * 1024 // 4)
    r = sci.post(url, files={"file": ("runs.csv", big, "text/csv")})
    assert r.status_code in (413, 422)
    viewer = api_client("view")
    r = viewer.post(url, files={"file": ("runs.csv", b"a,b\n1,2\n", "text/csv")})
    assert r.status_code == 403


def test_design_space_job_via_api_and_jobs_are_private(api_client, web_server):
    sci = api_client("sci")
    name = web_server.unique("space")
    r = sci.post("/api/projects/demo-mab/doe/analyses/response-surface/design-space",
                 json={"specs": ["Aggregate (%) <= 2.2"], "name": name, "draws": 300, "grid": 5,
                       "reason": "api test"})
    assert r.status_code == 202, r.text
    job = r.json()["job"]
    assert r.json()["status_url"] == f"/api/jobs/{job}"
    assert api_client("rev").get(f"/api/jobs/{job}").status_code == 404
    st = _wait_job(sci, job)
    assert st["state"] == "done", st
    assert st["record"]["kind"] == "doe.design_space" and st["record"]["key"] == name
    page = sci.get(f"/projects/demo-mab/doe/spaces/{name}")
    assert page.status_code == 200 and "proposal-table" in page.text
    r = api_client("view").post(
        "/api/projects/demo-mab/doe/analyses/response-surface/design-space", json={})
    assert r.status_code == 403


ROLES = ["anon", "admin", "sci", "rev", "qa", "view"]
READ = {"anon": 401, "admin": 200, "sci": 200, "rev": 200, "qa": 200, "view": 200}
AUTHOR = {"anon": 401, "admin": 403, "sci": 202, "rev": 403, "qa": 403, "view": 403}
UNKNOWN_JOB = {"anon": 401, "admin": 404, "sci": 404, "rev": 404, "qa": 404, "view": 404}
A = "/api/projects/demo-mab/doe/analyses/response-surface"
#: role × endpoint for every DoE and jobs route (tests/web/test_api_roles.py lists these as
#: covered here: their paths name an analysis, a design space or a job, not a user)
DOE_TABLE = [
    ("POST", f"{A}/profile", {"json": {"points": 3}}, READ),
    ("GET", f"{A}/contour", {"params": {"response": "Titer (g/L)", "x": "pH", "y": "DO (%)",
                                        "points": 3}}, READ),
    ("GET", "/api/projects/demo-mab/doe/spaces/bioreactor/figure", {}, READ),
    ("POST", f"{A}/design-space", {"json": {"draws": 100, "grid": 3, "name": "roles",
                                            "reason": "role table"}}, AUTHOR),
    ("GET", "/api/jobs", {}, READ),
    ("GET", "/api/jobs/" + "0" * 32, {}, UNKNOWN_JOB),
    ("GET", "/api/jobs/" + "0" * 32 + "/file", {}, UNKNOWN_JOB),
]


def test_role_table_of_the_doe_and_jobs_api(api_client):
    failures = []
    for role in ROLES:
        client = api_client(None if role == "anon" else role)
        for method, path, kwargs, expected in DOE_TABLE:
            r = client.request(method, path, **kwargs)
            if r.status_code != expected[role]:
                failures.append(f"{role} {method} {path}: {r.status_code} "
                                f"(expected {expected[role]}) {r.text[:120]}")
    assert failures == []
