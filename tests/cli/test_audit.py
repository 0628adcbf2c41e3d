"""`qbdkit audit log|verify|anchor`: tampering with the store is caught and named.

Rows are changed with raw SQL after the append-only triggers are dropped, as someone with
full database rights (but not the audit key, which lives outside the database) could do;
``verify`` must exit 3 with one line naming the first bad entry or row, on SQLite and
PostgreSQL. Each test is one kind of tampering (issue 11 lists them).
"""

import json
import shutil

import pytest
from sqlalchemy import text

from qbdkit.store.chain import canonical_json, entry_hash
from qbdkit.store.db import dispose, get_engine
from qbdkit.store.schema import utcnow
from qbdkit.store.trail import read_at

TABLES = ("audit_entries", "records", "project_versions", "project_files", "audit_macs",
          "signatures", "blobs", "record_inputs")


def unlock_triggers(engine):
    with engine.begin() as conn:
        for table in TABLES:
            if conn.dialect.name == "sqlite":
                conn.execute(text(f"DROP TRIGGER IF EXISTS {table}_no_update"))
                conn.execute(text(f"DROP TRIGGER IF EXISTS {table}_no_delete"))
            else:
                conn.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER {table}_append_only"))


@pytest.fixture
def trail(cli, db_url, team, tmp_path):
    """A multi-user store: users of every role, a project with a version and an area file, a
    record; the CLI signed in as qa."""
    from qbdkit.model import Process, Product, Project, save_project
    from qbdkit.services.projects import create_project, import_project
    from qbdkit.services.records import save_record

    create_project("mAb-1", user="sci", reason="new programme")
    save_record("mAb-1", "fmea", "bioreactor", {"rpn": 120}, user="sci", reason="first")
    d = tmp_path / "p2"
    save_project(Project(name="p2", product=Product(name="x", modality="mab"),
                         process=Process()), d)
    (d / "risk").mkdir()
    (d / "risk" / "fmea.csv").write_bytes(b"a,b\n1,2\n")
    import_project(d, user="sci")
    assert cli("login", "qa", "--password-stdin", input=team["qa"]).code == 0
    engine = get_engine(db_url)
    unlock_triggers(engine)
    return engine


def sql(engine, statement, **params):
    with engine.begin() as conn:
        conn.execute(text(statement), params)


def scalar(engine, statement, **params):
    with engine.connect() as conn:
        return conn.execute(text(statement), params).scalar()


def entry_id(engine, action, entity=None):
    q = "SELECT max(id) FROM audit_entries WHERE action = :a"
    if entity:
        q += " AND entity = :e"
    return scalar(engine, q, a=action, e=entity)


def last_id(engine):
    return scalar(engine, "SELECT max(id) FROM audit_entries")


def check_tampered(cli, entry, words):
    r = cli("audit", "verify")
    assert r.code == 3, (r.out, r.err)
    assert "Traceback" not in r.err
    if entry is not None:
        assert r.err.count("\n") == 1
        assert f"entry {entry}:" in r.err, r.err
    assert words in r.err, r.err
    r = cli("audit", "verify", "--json")
    assert r.code == 3 and r.json()["intact"] is False
    if entry is not None:
        assert r.json()["first_bad"]["entry_id"] == entry


def test_intact_trail_verifies_and_logs(cli, trail):
    n = last_id(trail)
    r = cli("audit", "verify")
    assert r.code == 0, r.err
    assert r.out.startswith(f"audit trail intact: {n} entries; head entry {n}")
    r = cli("audit", "log", "--json")
    entries = r.json()["entries"]
    assert [e["action"] for e in entries][:4] == ["user.add", "store.keys", "user.password",
                                                  "store.secure"]
    assert all(e["at"].endswith("Z") for e in entries)
    r = cli("audit", "log", "--project", "mAb-1")
    assert r.code == 0
    assert "record:fmea/bioreactor" in r.out and "user:sci" not in r.out


# --- the chain --------------------------------------------------------------------------------

def test_altered_row(cli, trail):
    sql(trail, "UPDATE audit_entries SET reason = 'nothing to see' WHERE id = 3")
    check_tampered(cli, 3, "row altered")


def test_altered_user_of_a_later_row(cli, trail):
    eid = entry_id(trail, "project.create")
    sql(trail, "UPDATE audit_entries SET \"user\" = 'admin' WHERE id = :i", i=eid)
    check_tampered(cli, eid, "row altered")


def test_deleted_row_in_the_middle(cli, trail):
    sql(trail, "DELETE FROM audit_entries WHERE id = 3")
    check_tampered(cli, 4, "row deleted: entry 3 before it is missing")


def test_deleted_last_row(cli, trail):
    sql(trail, "DELETE FROM audit_entries WHERE id = :i", i=last_id(trail))
    check_tampered(cli, last_id(trail) + 1, "row deleted")


def test_truncated_with_the_head_moved_back(cli, trail):
    n = last_id(trail)
    prev_hash = scalar(trail, "SELECT hash FROM audit_entries WHERE id = :i", i=n - 2)
    sql(trail, "DELETE FROM audit_entries WHERE id > :i", i=n - 2)
    sql(trail, "UPDATE audit_head SET last_id = :i, last_hash = :h", i=n - 2, h=prev_hash)
    check_tampered(cli, n - 2, "head's MAC does not verify")


def test_truncated_with_an_old_head_row_replayed(cli, trail):
    """The attacker kept a copy of an older, genuinely MAC'd head row: only an anchor —
    this machine's, moved by every write — tells."""
    from qbdkit.services.records import save_record

    with trail.connect() as conn:
        old_head = dict(conn.execute(text("SELECT * FROM audit_head")).mappings().one())
    save_record("mAb-1", "fmea", "bioreactor", {"rpn": 80}, user="sci", reason="second")
    sql(trail, "DELETE FROM audit_entries WHERE id > :i", i=old_head["last_id"])
    sql(trail, "DELETE FROM records WHERE version = 2")
    sql(trail, "UPDATE audit_head SET last_id = :i, last_hash = :h, mac = :m",
        i=old_head["last_id"], h=old_head["last_hash"], m=old_head["mac"])
    check_tampered(cli, None, f"anchor entry {old_head['last_id'] + 1} is missing")


def _forged(id_, prev_hash, reason="backdated"):
    row = {"id": id_, "at": utcnow(), "user": "mallory", "action": "record.save",
           "project": "mAb-1", "entity": "record:fmea/bioreactor", "old": None,
           "new": canonical_json({"rpn": 1}), "reason": reason, "prev_hash": prev_hash}
    row["hash"] = entry_hash(row)
    return row


INSERT = ('INSERT INTO audit_entries (id, at, "user", action, project, entity, old, new, reason, '
          "prev_hash, hash) VALUES (:id, :at, :user, :action, :project, :entity, :old, :new, "
          ":reason, :prev_hash, :hash)")


def _insert(engine, row):
    if engine.dialect.name == "sqlite":
        row = {**row, "at": row["at"].replace(tzinfo=None).isoformat(sep=" ")}
    sql(engine, INSERT, **row)


def test_inserted_row_past_the_head(cli, trail):
    n = last_id(trail)
    _insert(trail, _forged(n + 1, scalar(trail, "SELECT hash FROM audit_entries WHERE id = :i",
                                         i=n)))
    check_tampered(cli, n + 1, "row inserted")


def test_forged_append_with_the_head_moved(cli, trail):
    """Perfectly hashed, linked and headed — but written without the audit key."""
    n = last_id(trail)
    row = _forged(n + 1, scalar(trail, "SELECT hash FROM audit_entries WHERE id = :i", i=n))
    _insert(trail, row)
    sql(trail, "UPDATE audit_head SET last_id = :i, last_hash = :h", i=n + 1, h=row["hash"])
    check_tampered(cli, n + 1, "no MAC")


def test_forged_append_with_a_made_up_mac(cli, trail):
    n = last_id(trail)
    row = _forged(n + 1, scalar(trail, "SELECT hash FROM audit_entries WHERE id = :i", i=n))
    _insert(trail, row)
    key_id = scalar(trail, "SELECT key_id FROM audit_macs WHERE entry_id = 1")
    sql(trail, "INSERT INTO audit_macs (entry_id, key_id, mac) VALUES (:i, :k, :m)",
        i=n + 1, k=key_id, m="0" * 64)
    sql(trail, "UPDATE audit_head SET last_id = :i, last_hash = :h", i=n + 1, h=row["hash"])
    check_tampered(cli, n + 1, "MAC does not verify")


def test_row_replaced_in_the_middle(cli, trail):
    prev = scalar(trail, "SELECT hash FROM audit_entries WHERE id = 2")
    sql(trail, "DELETE FROM audit_entries WHERE id = 3")
    _insert(trail, _forged(3, prev))
    check_tampered(cli, 3, "MAC does not verify")


def _rechain(engine, start, edit):
    """Edit entry ``start`` with ``edit(row)`` and re-hash every later entry and the head."""
    with engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(text(
            "SELECT * FROM audit_entries WHERE id >= :i ORDER BY id"), {"i": start}).mappings()]
        prev = conn.execute(text("SELECT hash FROM audit_entries WHERE id = :i"),
                            {"i": start - 1}).scalar()
    with engine.begin() as conn:
        for row in rows:
            row["at"] = read_at(row["at"])
            if row["id"] == start:
                edit(row)
            row["prev_hash"] = prev
            row["hash"] = entry_hash(row)
            prev = row["hash"]
            conn.execute(text('UPDATE audit_entries SET "user" = :user, reason = :reason, '
                              "prev_hash = :p, hash = :h WHERE id = :id"),
                         {"user": row["user"], "reason": row["reason"], "p": row["prev_hash"],
                          "h": row["hash"], "id": row["id"]})
        conn.execute(text("UPDATE audit_head SET last_hash = :h"), {"h": prev})


def test_edit_and_rechain(cli, trail):
    eid = entry_id(trail, "project.create")
    _rechain(trail, eid, lambda r: r.update(reason="rewritten"))
    check_tampered(cli, eid, "MAC does not verify")


def test_reordered_entries(cli, trail):
    """Two entries' who/why swapped and the chain re-hashed from there."""
    with trail.connect() as conn:
        _a, b = (dict(r) for r in conn.execute(text(
            'SELECT id, "user", reason FROM audit_entries WHERE id IN (6, 7) ORDER BY id'))
            .mappings())

    def swap(row):
        row["user"], row["reason"] = b["user"], b["reason"]

    _rechain(trail, 6, swap)
    check_tampered(cli, 6, "MAC does not verify")


def test_deleted_mac(cli, trail):
    sql(trail, "DELETE FROM audit_macs WHERE entry_id = 5")
    check_tampered(cli, 5, "no MAC")


def test_timestamp_overwritten(cli, trail):
    value = "yesterday" if trail.dialect.name == "sqlite" else "2020-01-01 00:00:00+00"
    sql(trail, "UPDATE audit_entries SET at = :v WHERE id = 2", v=value)
    check_tampered(cli, 2, "row altered")


# --- what the trail vouches for -------------------------------------------------------------

def test_altered_record_content(cli, trail):
    sql(trail, "UPDATE records SET content = :c", c='{"rpn":12}')
    check_tampered(cli, None, "record mAb-1/fmea/bioreactor v1: content does not match its hash")


def test_deleted_record_version(cli, trail):
    sql(trail, "DELETE FROM records")
    check_tampered(cli, None, "record mAb-1/fmea/bioreactor v1: recorded in the trail but "
                              "missing (deleted)")


def test_inserted_record_version(cli, trail):
    from qbdkit.store.chain import sha256_text

    pid = scalar(trail, "SELECT id FROM projects WHERE name = 'mAb-1'")
    sql(trail, 'INSERT INTO records (project_id, kind, "key", version, content, sha256, at, '
               '"user", reason) VALUES (:p, \'fmea\', \'bioreactor\', 2, \'{}\', :s, :at, '
               "'sci', 'x')", p=pid, s=sha256_text("{}"),
        at=utcnow() if trail.dialect.name != "sqlite" else "2026-01-01 00:00:00.000000")
    check_tampered(cli, None, "record mAb-1/fmea/bioreactor v2: no audit entry records it")


def test_deleted_project_version_and_files(cli, trail):
    vid = scalar(trail, "SELECT max(id) FROM project_versions")
    sql(trail, "DELETE FROM project_files WHERE version_id = :v", v=vid)
    sql(trail, "DELETE FROM project_versions WHERE id = :v", v=vid)
    r = cli("audit", "verify")
    assert r.code == 3
    assert "project p2 v1: recorded in the trail but missing (deleted)" in r.err
    assert "project p2 v1 file risk/fmea.csv: recorded in the trail but missing" in r.err


def test_altered_project_file(cli, trail):
    sql(trail, "UPDATE project_files SET content = :c", c=b"a,b\n9,9\n")
    check_tampered(cli, None, "project p2 v1 file risk/fmea.csv: content does not match its hash")


def test_role_escalation_in_the_users_table(cli, trail):
    sql(trail, "UPDATE users SET role = 'admin' WHERE name = 'view'")
    check_tampered(cli, None, "user view: role differs from the audited 'viewer' (altered)")


def test_forged_password_hash(cli, trail):
    from qbdkit.services.auth import hash_password

    sql(trail, "UPDATE users SET password_hash = :h WHERE name = 'qa'",
        h=hash_password("attacker-knows-this"))
    check_tampered(cli, None, "user qa: password hash differs from the audited value")


def test_disabled_user_re_enabled_in_the_database(cli, trail, db_url):
    from qbdkit.services.users import set_disabled

    set_disabled("view", True, user="admin", reason="left the company", url=db_url)
    sql(trail, "UPDATE users SET disabled = :f WHERE name = 'view'", f=False)
    check_tampered(cli, None, "user view: disabled differs from the audited True")


def test_user_inserted_without_audit(cli, trail):
    sql(trail, "INSERT INTO users (name, role, created_at, created_by) "
               "VALUES ('mallory', 'admin', :at, 'admin')",
        at=utcnow() if trail.dialect.name != "sqlite" else "2026-01-01 00:00:00.000000")
    check_tampered(cli, None, "user mallory: no audit entry records it (inserted)")


def test_user_deleted(cli, trail):
    sql(trail, "DELETE FROM sessions WHERE user_id = (SELECT id FROM users WHERE name='view')")
    sql(trail, "DELETE FROM password_history WHERE user_id = "
               "(SELECT id FROM users WHERE name='view')")
    sql(trail, "DELETE FROM users WHERE name = 'view'")
    check_tampered(cli, None, "user view: recorded in the trail but missing (deleted)")


def test_store_made_single_user_again(cli, trail):
    if trail.dialect.name != "sqlite":
        pytest.skip("PostgreSQL stores are always multi-user")
    sql(trail, "UPDATE store_meta SET value = 'single-user' WHERE key = 'mode'")
    r = cli("audit", "verify")  # as the OS user now, since the store looks single-user
    assert r.code == 3 and "store mode is single-user but the trail last set multi-user" in r.err


def test_audit_key_re_created(cli, trail, team):
    """Deleting the store id makes qbdkit create a new key on next use: the entries made
    under the old key then no longer verify, and the second key creation is named."""
    sql(trail, "DELETE FROM store_meta WHERE key = 'store_id'")
    dispose()
    assert cli("login", "qa", "--password-stdin", input=team["qa"]).code == 0
    r = cli("audit", "verify")
    assert r.code == 3 and "entry 1: entry authenticated with an unknown key" in r.err


# --- anchors -----------------------------------------------------------------------------------

def test_anchor_file_and_rolled_back_store(cli, trail, db_url, tmp_path):
    if trail.dialect.name != "sqlite":
        pytest.skip("a file copy of the store is an SQLite roll-back")
    from qbdkit.services.records import save_record

    path = db_url.removeprefix("sqlite:///")
    dispose(db_url)
    shutil.copy(path, tmp_path / "old.sqlite")
    save_record("mAb-1", "fmea", "bioreactor", {"rpn": 80}, user="sci", reason="second",
                url=db_url)
    r = cli("audit", "anchor", "--out", tmp_path / "anchor.json")
    assert r.code == 0, r.err
    assert cli("audit", "verify", "--anchor", tmp_path / "anchor.json").code == 0
    dispose(db_url)
    shutil.copy(tmp_path / "old.sqlite", path)  # the store rolled back to the copy
    r = cli("audit", "verify")
    assert r.code == 3 and "truncated or the store rolled back" in r.err
    # another machine without the local anchor still catches it with the anchor file
    (tmp_path / "anchors-elsewhere").mkdir()
    from qbdkit.store import keys

    keys.anchors_path().unlink()
    r = cli("audit", "verify", "--anchor", tmp_path / "anchor.json")
    assert r.code == 3 and "truncated or the store rolled back" in r.err


def test_forged_anchor_file_is_refused(cli, trail, tmp_path):
    r = cli("audit", "anchor", "--out", tmp_path / "a.json")
    assert r.code == 0
    statement = json.loads((tmp_path / "a.json").read_text())
    statement["entry"] += 1000
    (tmp_path / "a.json").write_text(json.dumps(statement))
    r = cli("audit", "verify", "--anchor", tmp_path / "a.json")
    assert r.code == 3 and "anchor's MAC does not verify" in r.err


def test_a_noted_head_hash_still_works_as_anchor(cli, trail):
    head = cli("audit", "verify", "--json").json()["head_hash"]
    assert cli("audit", "verify", "--anchor", head).code == 0
    assert cli("audit", "verify", "--anchor", "0" * 64).code == 3


def test_missing_key_file_is_a_clear_error(cli, trail, tmp_path, monkeypatch):
    monkeypatch.setenv("QBDKIT_KEY_FILE", str(tmp_path / "nowhere.json"))
    r = cli("audit", "verify")
    assert r.code == 2 and "audit key of this store" in r.err and "Traceback" not in r.err


def test_log_table_aligns_chinese_names():
    from qbdkit.services.audit import left_table

    out = left_table(["id", "user", "reason"], [[1, "王伟", "复核"], [12, "admin", "ok"]])
    lines = out.splitlines()
    assert lines[2] == " 1  王伟   复核"
    assert lines[3] == "12  admin  ok"
