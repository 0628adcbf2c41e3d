"""Sign-in throttling per client address (in-process): failures count, successes do not,
and the address is refused with 429 once its failures are used up — for any account."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_failed_sign_ins_from_one_address_are_throttled(team, db_url, monkeypatch):
    from qbdkit.web.app import create_app

    monkeypatch.setenv("QBDKIT_WEB_SIGNIN_FAILURES", "3")
    app = create_app(db_url)
    client = TestClient(app)

    def attempt(user: str, password: str) -> int:
        client.cookies.clear()
        return client.post("/api/auth/login", json={"username": user,
                                                    "password": password}).status_code

    assert attempt("sci", team["sci"]) == 200  # a success does not count
    # password spraying: one wrong try each on several accounts (no account reaches its lockout)
    assert [attempt(u, "Spring-2026-pass") for u in ("sci", "rev", "ghost")] == [401] * 3
    r = client.post("/api/auth/login", json={"username": "qa", "password": team["qa"]})
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
    assert "too many failed sign-ins" in r.json()["message"]
    # the sign-in form is throttled alike (the page says so)
    page = client.get("/login")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    r = client.post("/login", data={"username": "qa", "password": team["qa"],
                                    "csrf_token": token})
    assert r.status_code == 429 and "Too many attempts" in r.text
    # another address is not affected
    other = TestClient(app, client=("10.9.8.7", 50000))
    assert other.post("/api/auth/login", json={"username": "qa",
                                               "password": team["qa"]}).status_code == 200
