"""Issue 10: who did it — sign-in, roles and separation of duties, signatures, lifecycle.

Every test runs on SQLite (secured) and PostgreSQL (always multi-user).
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from qbdkit.errors import (
    AuthenticationRequired,
    Conflict,
    NotFound,
    PermissionDenied,
    QbdInputError,
)
from qbdkit.services import auth
from qbdkit.services.audit import verify_audit
from qbdkit.services.projects import create_project, import_project
from qbdkit.services.records import get_record, save_record
from qbdkit.services.signatures import sign, verify_signatures
from qbdkit.services.users import add_user, set_disabled, set_role, unlock
from qbdkit.store.db import dump_tables, get_engine


@pytest.fixture
def project(team, db_url):
    create_project("mAb-1", user="sci", reason="new programme")
    save_record("mAb-1", "doe.analysis", "titer", {"r2": 0.93}, user="sci", reason="first")
    return "mAb-1"


# --- the role table ----------------------------------------------------------------------------

def _import(user, tmp_path):
    from qbdkit.model import Process, Product, Project, save_project

    d = tmp_path / f"p-{user}"
    save_project(Project(name=f"p-{user}", product=Product(name="x", modality="mab"),
                         process=Process()), d)
    return import_project(d, user=user)


WRITES = {
    "import project": lambda u, p, t: _import(u, t),
    "create project": lambda u, p, t: create_project(f"new-{u}", user=u, reason="r"),
    "save record": lambda u, p, t: save_record(p, "fmea", "k", {"a": 1}, user=u, reason="r"),
    "add user": lambda u, p, t: add_user(f"x-{u}", "viewer", user=u,
                                         password="Initial-pass-1234", reason="r"),
    "change role": lambda u, p, t: set_role("view", "viewer", user=u, reason="r"),
    "disable user": lambda u, p, t: set_disabled("view", True, user=u, reason="r"),
    "unlock user": lambda u, p, t: unlock("view", user=u, reason="r"),
    "reset password": lambda u, p, t: auth.reset_password("view", "Temporary-pass-77",
                                                          user=u, reason="r"),
    "rotate audit key": lambda u, p, t: __import__(
        "qbdkit.services.audit", fromlist=["rotate_key"]).rotate_key(user=u, reason="r"),
}
ALLOWED = {
    "import project": {"sci"}, "create project": {"sci"}, "save record": {"sci"},
    "add user": {"admin"}, "change role": {"admin"}, "disable user": {"admin"},
    "unlock user": {"admin"}, "reset password": {"admin"}, "rotate audit key": {"admin"},
}


@pytest.mark.parametrize("action", sorted(WRITES))
def test_role_table_of_writing_services(action, project, tmp_path):
    """Each role × each writing use case: allowed, or refused with the reason and nothing
    written."""
    for user in ("admin", "sci", "rev", "qa", "view"):
        if user in ALLOWED[action]:
            continue
        before = dump_tables()
        with pytest.raises(PermissionDenied, match="may not"):
            WRITES[action](user, project, tmp_path)
        after = dump_tables()
        assert after == before, f"{action} by {user} wrote something"
    for user in sorted(ALLOWED[action]):
        WRITES[action](user, project, tmp_path)
    assert verify_audit().intact


SIGNING = [  # (meaning, signer, allowed in state "in review")
    ("reviewed", "rev", True), ("reviewed", "qa", False), ("reviewed", "admin", False),
    ("reviewed", "view", False), ("approved", "qa", True), ("approved", "rev", False),
    ("approved", "admin", False), ("rejected", "rev", True), ("rejected", "qa", True),
    ("rejected", "admin", False), ("rejected", "view", False),
]


@pytest.mark.parametrize(("meaning", "signer", "allowed"), SIGNING)
def test_role_table_of_signing(meaning, signer, allowed, project, team):
    sign(project, "doe.analysis", "titer", meaning="authored", password=team["sci"],
         user="sci")
    if meaning == "approved":
        sign(project, "doe.analysis", "titer", meaning="reviewed", password=team["rev"],
             user="rev")
    if allowed:
        s = sign(project, "doe.analysis", "titer", meaning=meaning, password=team[signer],
                 user=signer, reason="checked")
        assert s.meaning == meaning
    else:
        with pytest.raises(PermissionDenied):
            sign(project, "doe.analysis", "titer", meaning=meaning, password=team[signer],
                 user=signer, reason="checked")


# --- the lifecycle ---------------------------------------------------------------------------

def test_author_review_approve_and_supersede(project, team):
    rec = get_record(project, "doe.analysis", "titer")
    assert rec["state"] == "draft" and rec["signatures"] == []
    with pytest.raises(Conflict, match="in review"):
        sign(project, "doe.analysis", "titer", meaning="reviewed", password=team["rev"],
             user="rev")
    with pytest.raises(PermissionDenied, match="may not author"):
        sign(project, "doe.analysis", "titer", meaning="authored", password=team["rev"],
             user="rev")
    s = sign(project, "doe.analysis", "titer", meaning="authored", password=team["sci"],
             user="sci")
    assert s.state == "in review" and s.full_name == "Sam Scientist"
    with pytest.raises(Conflict, match="not been reviewed"):
        sign(project, "doe.analysis", "titer", meaning="approved", password=team["qa"],
             user="qa")
    sign(project, "doe.analysis", "titer", meaning="reviewed", password=team["rev"], user="rev")
    with pytest.raises(Conflict, match="reviewed this version already"):
        sign(project, "doe.analysis", "titer", meaning="reviewed", password=team["rev"],
             user="rev")
    s = sign(project, "doe.analysis", "titer", meaning="approved", password=team["qa"],
             user="qa", reason="release")
    assert s.state == "approved"
    rec = get_record(project, "doe.analysis", "titer")
    assert [(x["meaning"], x["full_name"]) for x in rec["signatures"]] == [
        ("authored", "Sam Scientist"), ("reviewed", "Rita Reviewer"), ("approved", "Quinn QA")]
    assert all(x["content_sha256"] == rec["sha256"] for x in rec["signatures"])
    # changing an approved record makes a new draft; signatures do not carry over
    save_record(project, "doe.analysis", "titer", {"r2": 0.95}, user="sci", reason="more runs")
    new = get_record(project, "doe.analysis", "titer")
    assert (new["version"], new["state"], new["signatures"]) == (2, "draft", [])
    assert get_record(project, "doe.analysis", "titer", 1)["state"] == "superseded"
    with pytest.raises(Conflict, match="newest version"):
        sign(project, "doe.analysis", "titer", meaning="authored", password=team["sci"],
             user="sci", version=1)
    assert verify_audit().intact and verify_signatures(project).valid


def test_nobody_approves_their_own_record(project, team, db_url):
    """A QA member who authored a record (as a scientist earlier) may not approve it."""
    save_record(project, "doe.analysis", "own", {"x": 1}, user="sci", reason="r")
    sign(project, "doe.analysis", "own", meaning="authored", password=team["sci"], user="sci")
    sign(project, "doe.analysis", "own", meaning="reviewed", password=team["rev"], user="rev")
    set_role("sci", "qa", user="admin", reason="moved to QA")
    with pytest.raises(PermissionDenied, match="nobody reviews or approves their own"):
        sign(project, "doe.analysis", "own", meaning="approved", password=team["sci"],
             user="sci")


def test_reject_needs_a_reason(project, team):
    sign(project, "doe.analysis", "titer", meaning="authored", password=team["sci"], user="sci")
    with pytest.raises(QbdInputError, match="reason is required"):
        sign(project, "doe.analysis", "titer", meaning="rejected", password=team["qa"],
             user="qa")
    s = sign(project, "doe.analysis", "titer", meaning="rejected", password=team["qa"],
             user="qa", reason="wrong model")
    assert s.state == "rejected"


def test_signing_asks_for_the_password_and_counts_failures(project, team):
    sign(project, "doe.analysis", "titer", meaning="authored", password=team["sci"], user="sci")
    before = get_record(project, "doe.analysis", "titer")["signatures"]
    for _ in range(4):
        with pytest.raises(AuthenticationRequired):
            sign(project, "doe.analysis", "titer", meaning="reviewed", password="guess-guess-1",
                 user="rev")
    with pytest.raises(PermissionDenied, match="now locked"):
        sign(project, "doe.analysis", "titer", meaning="reviewed", password="guess-guess-1",
             user="rev")
    assert get_record(project, "doe.analysis", "titer")["signatures"] == before
    with pytest.raises(PermissionDenied, match="locked"):
        sign(project, "doe.analysis", "titer", meaning="reviewed", password=team["rev"],
             user="rev")
    unlock("rev", user="admin", reason="called the help desk")
    sign(project, "doe.analysis", "titer", meaning="reviewed", password=team["rev"], user="rev")


def test_a_signature_stops_verifying_once_its_record_is_altered(project, team, db_url):
    sign(project, "doe.analysis", "titer", meaning="authored", password=team["sci"], user="sci")
    assert verify_signatures(project).valid
    engine = get_engine(db_url)
    with engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.execute(text("DROP TRIGGER records_no_update"))
        else:
            conn.execute(text("ALTER TABLE records DISABLE TRIGGER records_append_only"))
        conn.execute(text("UPDATE records SET content = :c"), {"c": '{"r2":0.99}'})
    check = verify_signatures(project)
    assert not check.valid and "NO — content changed" in check.summary()


def test_bad_signing_input(project, team):
    with pytest.raises(QbdInputError, match="unknown signature meaning"):
        sign(project, "doe.analysis", "titer", meaning="blessed", password=team["sci"],
             user="sci")
    with pytest.raises(NotFound, match="unknown user"):
        sign(project, "doe.analysis", "titer", meaning="authored", password="x", user="ghost")
    with pytest.raises(QbdInputError, match="no such record"):
        sign(project, "doe.analysis", "nothing", meaning="authored", password=team["sci"],
             user="sci")


# --- sign-in -----------------------------------------------------------------------------------

def test_login_sessions_expiry_and_forgery(team, db_url):
    s = auth.login("sci", team["sci"])
    assert auth.authenticate(s.token) == "sci"
    with pytest.raises(AuthenticationRequired, match="not a session"):
        auth.authenticate(s.token[:-2] + "xx")
    with pytest.raises(AuthenticationRequired, match="not signed in"):
        auth.authenticate(None)
    engine = get_engine(db_url)
    with engine.begin() as conn:  # 16 minutes without use
        conn.execute(text("UPDATE sessions SET last_seen = :t"),
                     {"t": "2020-01-01 00:00:00.000000" if conn.dialect.name == "sqlite"
                      else "2020-01-01 00:00:00+00"})
    with pytest.raises(AuthenticationRequired, match="expired"):
        auth.authenticate(s.token)
    s2 = auth.login("sci", team["sci"])
    assert auth.logout(s2.token) == "sci"
    with pytest.raises(AuthenticationRequired, match="signed out"):
        auth.authenticate(s2.token)


def test_lockout_admin_unlock_and_disable(team):
    for _ in range(4):
        with pytest.raises(AuthenticationRequired):
            auth.login("view", "wrong-password-1")
    with pytest.raises(PermissionDenied, match="now locked"):
        auth.login("view", "wrong-password-1")
    with pytest.raises(PermissionDenied, match="locked"):
        auth.login("view", team["view"])
    unlock("view", user="admin", reason="identity checked")
    token = auth.login("view", team["view"]).token
    set_disabled("view", True, user="admin", reason="left")
    with pytest.raises(AuthenticationRequired, match="disabled"):
        auth.authenticate(token)
    with pytest.raises(PermissionDenied, match="disabled"):
        auth.login("view", team["view"])
    assert verify_audit().intact


def test_password_policy_reuse_and_forced_change(team):
    with pytest.raises(QbdInputError, match="too short"):
        auth.change_password("sci", team["sci"], "short")
    with pytest.raises(QbdInputError, match="user name"):
        auth.change_password("sci", team["sci"], "my-name-is-sci-ok")
    history = [team["sci"]]
    for i in range(5):
        new = f"Rotating-pass-{i}-xyz"
        auth.change_password("sci", history[-1], new)
        history.append(new)
    for old in history[-5:]:
        with pytest.raises(QbdInputError, match="used recently"):
            auth.change_password("sci", history[-1], old)
    auth.change_password("sci", history[-1], history[0])  # six back: allowed again
    auth.reset_password("sci", "Temporary-pass-77", user="admin", reason="forgot it")
    with pytest.raises(auth.PasswordChangeRequired):
        auth.login("sci", "Temporary-pass-77")
    assert auth.login("sci", "Temporary-pass-77", new_password="Fresh-start-pass-1").user == "sci"


def test_multi_user_store_refuses_unknown_and_wrong_password_and_writes_the_failure(team):
    from qbdkit.services.audit import audit_log

    with pytest.raises(AuthenticationRequired, match="unknown user or wrong password"):
        auth.login("mallory", "whatever-pass-1")
    with pytest.raises(AuthenticationRequired):
        auth.login("qa", "wrong-password-1")
    actions = [(e["user"], e["action"]) for e in audit_log().entries[-2:]]
    assert actions == [("mallory", "auth.failed"), ("qa", "auth.failed")]


def test_store_secure_only_once(team):
    with pytest.raises(Conflict, match="already has a signed-in administrator"):
        auth.secure_store("eve", "Eve-takes-over-1")
