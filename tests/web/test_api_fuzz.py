"""Schemathesis against /api/openapi.json, in-process (ASGI): generated requests for every
operation, signed in with the CSRF header, must never get a 5xx. Bounded: a few examples
per operation (the whole run stays within seconds per operation)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings


@pytest.fixture
def fuzz_app(team, db_url):
    """The application on a team store with one project (no demo: fast)."""
    from qbdkit.services.base import Context
    from qbdkit.web.app import create_app
    from qbdkit.web.pages.projects import create_from_template

    create_from_template("fuzzed", "mab", "en", "fuzz", Context(user="sci", url=db_url))
    return create_app(db_url)


def _session(url: str, role: str, n: int) -> dict:
    """A fresh user of ``role`` per operation (a fuzzed password change or reset cannot lock
    the others out), signed in: cookie and CSRF header."""
    from qbdkit.services.auth import login
    from qbdkit.services.users import add_user
    from qbdkit.web.deps import SESSION_COOKIE, csrf_from

    name = f"fuzz{n}"
    add_user(name, role, user="admin", password="initial-Pass-phrase-77", reason="fuzz",
             url=url)
    token = login(name, "initial-Pass-phrase-77", new_password="Fuzz-pass-phrase-2026",
                  url=url).token
    return {"cookies": {SESSION_COOKIE: token}, "headers": {"X-CSRF-Token": csrf_from(token)}}


def test_no_server_error_on_generated_requests(fuzz_app, db_url):
    import schemathesis

    schema = schemathesis.openapi.from_asgi("/api/openapi.json", fuzz_app)
    operations = [r.ok() for r in schema.get_all_operations()]
    assert len(operations) >= 15
    errors: list[str] = []
    statuses: list[int] = []
    def runner(op, auth: dict):
        @settings(max_examples=6, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        @given(case=op.as_strategy())
        def run(case):
            response = case.call(headers=auth["headers"], cookies=auth["cookies"])
            statuses.append(response.status_code)
            if response.status_code >= 500:
                errors.append(f"{case.method} {case.formatted_path}: {response.status_code} "
                              f"{response.text[:200]}")

        return run

    for n, op in enumerate(operations):
        role = "admin" if op.path.startswith("/api/users") else "scientist"
        runner(op, _session(db_url, role, n))()
    assert errors == []
    # the run really reached the services: signed-in successes and refused inputs alike
    assert sum(200 <= s < 300 for s in statuses) >= 10, sorted(set(statuses))
    assert any(s == 422 for s in statuses) and len(statuses) >= 3 * len(operations)
