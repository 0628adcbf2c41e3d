"""`qbdkit audit log|verify`: tampering with audit rows in the database is caught and named.

The rows are changed with raw SQL after the append-only triggers are dropped, as
someone with full database rights could do; ``verify`` must exit 3 with one line
naming the first bad entry, on SQLite and PostgreSQL.
"""

import pytest
from sqlalchemy import text

from qbdkit.store.chain import canonical_json, entry_hash
from qbdkit.store.db import get_engine
from qbdkit.store.schema import utcnow


@pytest.fixture
def trail(cli, db_url):
    """Six chained entries: store creation, three users, a project, a record."""
    for name, role in (("alice", "scientist"), ("bob", "viewer"), ("carol", "qa")):
        assert cli("user", "add", name, "--role", role, "--reason", "onboarding").code == 0
    from qbdkit.services.projects import create_project
    from qbdkit.services.records import save_record

    create_project("mAb-1", user="alice", reason="new programme")
    save_record("mAb-1", "fmea", "bioreactor", {"rpn": 120}, user="alice", reason="first")
    engine = get_engine(db_url)
    with engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            for table in ("audit_entries", "records"):
                conn.execute(text(f"DROP TRIGGER {table}_no_update"))
                conn.execute(text(f"DROP TRIGGER {table}_no_delete"))
        else:
            for table in ("audit_entries", "records"):
                conn.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER {table}_append_only"))
    return engine


def sql(engine, statement, **params):
    with engine.begin() as conn:
        conn.execute(text(statement), params)


def test_intact_trail_verifies_and_logs(cli, trail):
    r = cli("audit", "verify")
    assert r.code == 0, r.err
    assert r.out.startswith("audit trail intact: 6 entries; head entry 6")
    r = cli("audit", "verify", "--json")
    assert r.code == 0 and r.json()["intact"] is True and r.json()["entries"] == 6
    r = cli("audit", "log", "--json")
    entries = r.json()["entries"]
    assert [e["action"] for e in entries] == [
        "user.add", "user.add", "user.add", "user.add", "project.create", "record.save"]
    assert entries[1]["user"] == "admin" and entries[1]["reason"] == "onboarding"
    assert all(e["at"].endswith("Z") for e in entries)
    r = cli("audit", "log", "--project", "mAb-1")
    assert r.code == 0
    assert "record:fmea/bioreactor" in r.out and "user:alice" not in r.out
    assert "∅ → v1 rpn=120" in r.out


def check_tampered(cli, entry_id, words):
    r = cli("audit", "verify")
    assert r.code == 3, (r.out, r.err)
    assert r.err.count("\n") == 1 and "Traceback" not in r.err
    assert f"entry {entry_id}:" in r.err and words in r.err, r.err
    r = cli("audit", "verify", "--json")
    assert r.code == 3 and r.json()["intact"] is False
    assert r.json()["first_bad"]["entry_id"] == entry_id


def test_altered_row(cli, trail):
    sql(trail, "UPDATE audit_entries SET reason = 'nothing to see' WHERE id = 3")
    check_tampered(cli, 3, "row altered")


def test_altered_user_of_a_later_row(cli, trail):
    sql(trail, "UPDATE audit_entries SET \"user\" = 'admin' WHERE id = 6")
    check_tampered(cli, 6, "row altered")


def test_deleted_row_in_the_middle(cli, trail):
    sql(trail, "DELETE FROM audit_entries WHERE id = 3")
    check_tampered(cli, 4, "row deleted: entry 3 before it is missing")


def test_deleted_last_row(cli, trail):
    sql(trail, "DELETE FROM audit_entries WHERE id = 6")
    check_tampered(cli, 6, "row deleted")


def _forged(id_, prev_hash, reason="backdated"):
    row = {"id": id_, "at": utcnow(), "user": "mallory", "action": "record.save",
           "project": "mAb-1", "entity": "record:fmea/bioreactor", "old": None,
           "new": canonical_json({"rpn": 1}), "reason": reason, "prev_hash": prev_hash}
    row["hash"] = entry_hash(row)
    return row


INSERT = ('INSERT INTO audit_entries (id, at, "user", action, project, entity, old, new, reason, '
          "prev_hash, hash) VALUES (:id, :at, :user, :action, :project, :entity, :old, :new, "
          ":reason, :prev_hash, :hash)")


def test_inserted_row_at_the_end(cli, trail):
    with trail.connect() as conn:
        last_hash = conn.execute(text("SELECT hash FROM audit_entries WHERE id = 6")).scalar()
    row = _forged(7, last_hash)
    if trail.dialect.name == "sqlite":
        row["at"] = row["at"].replace(tzinfo=None).isoformat(sep=" ")
    sql(trail, INSERT, **row)  # perfectly linked and hashed, but past the chain head
    check_tampered(cli, 7, "row inserted")


def test_row_replaced_in_the_middle(cli, trail):
    with trail.connect() as conn:
        prev = conn.execute(text("SELECT hash FROM audit_entries WHERE id = 2")).scalar()
    sql(trail, "DELETE FROM audit_entries WHERE id = 3")
    row = _forged(3, prev)
    if trail.dialect.name == "sqlite":
        row["at"] = row["at"].replace(tzinfo=None).isoformat(sep=" ")
    sql(trail, INSERT, **row)  # consistent in itself; the next entry's link is not
    check_tampered(cli, 4, "chain broken")


def test_altered_record_content(cli, trail):
    sql(trail, "UPDATE records SET content = :c", c='{"rpn":12}')
    r = cli("audit", "verify")
    assert r.code == 3
    assert "record mAb-1/fmea/bioreactor v1: content does not match its hash" in r.err


def test_timestamp_overwritten(cli, trail):
    value = "yesterday" if trail.dialect.name == "sqlite" else "2020-01-01 00:00:00+00"
    sql(trail, "UPDATE audit_entries SET at = :v WHERE id = 2", v=value)
    check_tampered(cli, 2, "row altered")


def test_altered_project_file(cli, trail, tmp_path):
    from qbdkit.model import Process, Product, Project, save_project
    from qbdkit.services.projects import import_project

    d = tmp_path / "p"
    save_project(Project(name="p2", product=Product(name="x", modality="mab"),
                         process=Process()), d)
    (d / "risk").mkdir()
    (d / "risk" / "fmea.csv").write_bytes(b"a,b\n1,2\n")
    import_project(d, user="admin")
    assert cli("audit", "verify").code == 0
    with trail.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.execute(text("DROP TRIGGER project_files_no_update"))
        else:
            conn.execute(text("ALTER TABLE project_files DISABLE TRIGGER "
                              "project_files_append_only"))
        conn.execute(text("UPDATE project_files SET content = :c"), {"c": b"a,b\n9,9\n"})
    r = cli("audit", "verify")
    assert r.code == 3
    assert "project p2 v1 file risk/fmea.csv: content does not match its hash" in r.err


def test_role_escalation_in_the_users_table(cli, trail):
    sql(trail, "UPDATE users SET role = 'admin' WHERE name = 'bob'")
    r = cli("audit", "verify")
    assert r.code == 3
    assert "user bob: role admin differs from the audited role viewer (altered)" in r.err


def test_user_inserted_without_audit(cli, trail):
    sql(trail, "INSERT INTO users (name, role, created_at, created_by) "
               "VALUES ('mallory', 'admin', :at, 'admin')",
        at=utcnow() if trail.dialect.name != "sqlite" else "2026-01-01 00:00:00.000000")
    r = cli("audit", "verify")
    assert r.code == 3 and "user mallory: no audit entry records it (inserted)" in r.err


def test_anchor_catches_a_consistently_rewritten_trail(cli, trail):
    head = cli("audit", "verify", "--json").json()["head_hash"]
    assert cli("audit", "verify", "--anchor", head).code == 0
    # rewrite entry 6 and re-hash it, then fix the head: the chain is consistent again …
    with trail.connect() as conn:
        row = dict(conn.execute(text("SELECT * FROM audit_entries WHERE id = 6")).mappings().one())
    from qbdkit.store.trail import read_at

    row["at"], row["reason"] = read_at(row["at"]), "rewritten"
    new_hash = entry_hash(row)
    with trail.begin() as conn:
        conn.execute(text("UPDATE audit_entries SET reason = 'rewritten', hash = :h WHERE id = 6"),
                     {"h": new_hash})
        conn.execute(text("UPDATE audit_head SET last_hash = :h"), {"h": new_hash})
    assert cli("audit", "verify").code == 0  # … so only an outside anchor can tell
    r = cli("audit", "verify", "--anchor", head)
    assert r.code == 3 and f"anchor {head} is no longer in the chain" in r.err


def test_log_table_aligns_chinese_names():
    from qbdkit.services.audit import left_table

    out = left_table(["id", "user", "reason"], [[1, "王伟", "复核"], [12, "admin", "ok"]])
    lines = out.splitlines()
    assert lines[2] == " 1  王伟   复核"
    assert lines[3] == "12  admin  ok"
