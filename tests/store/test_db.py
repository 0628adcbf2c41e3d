"""Store plumbing: migrations shipped and run once, UTC timestamps, append-only tables."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from qbdkit.store import db
from qbdkit.store.chain import utc_text
from qbdkit.store.schema import AuditEntry, User


def test_schema_revision_is_the_migrations_head():
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(db.MIGRATIONS))
    assert ScriptDirectory.from_config(config).get_current_head() == db.SCHEMA_REVISION


def test_migration_files_are_package_data():
    # setuptools ships *.py of packages and *.mako via package-data (pyproject).
    assert (db.MIGRATIONS / "__init__.py").exists()
    assert (db.MIGRATIONS / "versions" / "__init__.py").exists()
    assert (db.MIGRATIONS / "script.py.mako").exists()


def test_default_url(monkeypatch):
    monkeypatch.delenv("QBDKIT_DATABASE_URL", raising=False)
    assert db.resolve_url() == "sqlite:///qbdkit.sqlite"
    monkeypatch.setenv("QBDKIT_DATABASE_URL", "sqlite:///x.db")
    assert db.resolve_url() == "sqlite:///x.db"
    assert db.resolve_url("sqlite:///y.db") == "sqlite:///y.db"


def test_first_use_creates_admin_and_first_audit_entry(db_url):
    with db.transaction(db_url, write=False) as s:
        users = [(u.name, u.role) for u in s.query(User)]
        entries = s.query(AuditEntry).all()
    assert users == [("admin", "admin")]
    assert [(e.id, e.action, e.entity) for e in entries][:1] == [(1, "user.add", "user:admin")]
    # the store's audit key is made with it, and the key's creation is the second entry
    assert [(e.id, e.action) for e in entries[1:]] == [(2, "store.keys")]


def test_known_revision_skips_alembic(db_url, monkeypatch):
    db.get_engine(db_url)
    db.dispose(db_url)

    def boom(*a, **k):
        raise AssertionError("upgrade ran although the schema is current")

    monkeypatch.setattr(db, "upgrade", boom)
    db.get_engine(db_url)  # one cheap SELECT of alembic_version, no Alembic


def test_timestamps_are_aware_utc_and_round_trip_exactly(db_url):
    from qbdkit.store.schema import AuditHead
    from qbdkit.store.trail import append_entry

    with db.transaction(db_url) as s:
        e = append_entry(s, user="admin", action="test", entity="x", reason="r")
        at_written, eid = e.at, e.id
    db.dispose(db_url)  # new connection: nothing cached
    with db.transaction(db_url, write=False) as s:
        back = s.get(AuditEntry, eid)
        assert back.at.tzinfo is not None and back.at.utcoffset() == timedelta(0)
        assert back.at == at_written
        assert utc_text(back.at) == utc_text(at_written)
        assert s.get(AuditHead, 1).last_id == eid


def test_naive_timestamps_are_refused(db_url):
    from qbdkit.store.schema import UTCDateTime

    with pytest.raises(ValueError, match="naive"):
        UTCDateTime().process_bind_param(datetime(2026, 1, 1), None)
    shanghai = timezone(timedelta(hours=8))
    value = UTCDateTime().process_result_value(datetime(2026, 1, 1, 8, tzinfo=shanghai), None)
    assert value == datetime(2026, 1, 1, 0, tzinfo=UTC) and value.tzinfo == UTC


def test_upgrade_from_the_first_revision_keeps_data(db_url):
    from sqlalchemy import create_engine

    from qbdkit.services.records import latest_record, save_record

    db.dispose(db_url)
    engine = create_engine(db_url)
    db.upgrade(engine, "0001")  # a store made by the first release
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0001"
        tables = set(sa_inspect(conn).get_table_names())
    assert "project_files" not in tables and "audit_entries" in tables
    engine.dispose()
    from qbdkit.services.auth import secure_store
    from qbdkit.services.projects import create_project
    from qbdkit.services.users import add_user

    # first use: migrated to the newest revision (the audit key made, the data kept)
    secure_store("admin", "Tulip-anchor-1979")
    add_user("sci", "scientist", user="admin", password="Initial-pass-1234")
    create_project("p", user="sci", reason="r")
    save_record("p", "fmea", "k", {"x": 1}, user="sci", reason="r")
    with db.get_engine(db_url).connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")
                            ).scalar() == db.SCHEMA_REVISION
        assert "project_files" in sa_inspect(conn).get_table_names()
    assert latest_record("p", "fmea", "k")["content"] == {"x": 1}


@pytest.mark.parametrize("table", ["audit_entries", "records", "project_versions",
                                   "project_files", "blobs", "record_inputs", "audit_macs"])
def test_append_only_tables_refuse_update_and_delete(db_url, table, tmp_path, make_team):
    from qbdkit.services.projects import create_project
    from qbdkit.services.records import save_record

    make_team(db_url)
    create_project("p", user="sci", reason="r", document={"a": 1})
    save_record("p", "fmea", "k", {"x": 1}, user="sci", reason="r",
                inputs={"file": ("a.csv", b"a,b\n1,2\n")})
    engine = db.get_engine(db_url)
    from qbdkit.model import Process, Product, Project, save_project
    from qbdkit.services.projects import import_project

    save_project(Project(name="q", product=Product(name="x", modality="mab"),
                         process=Process()), tmp_path / "q")
    (tmp_path / "q" / "notes.txt").write_bytes(b"n")
    import_project(tmp_path / "q", user="sci")
    column = {"audit_entries": "reason", "records": "reason", "project_versions": "reason",
              "project_files": "path", "blobs": "sha256", "record_inputs": "filename",
              "audit_macs": "mac"}[table]
    for sql in (f"UPDATE {table} SET {column} = 'forged'", f"DELETE FROM {table}"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(sql))
    with engine.connect() as conn:
        assert conn.execute(text(f"SELECT count(*) FROM {table} WHERE {column} = 'forged'")
                            ).scalar() == 0


def test_unreachable_database_is_an_input_error():
    from qbdkit.errors import QbdInputError

    url = "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1"
    with pytest.raises(QbdInputError, match="cannot open the database"):
        db.get_engine(url)
    db.dispose(url)


@pytest.mark.parametrize("url", ["not a url", "foo://bar", "sqlite:////no/such/dir/x.sqlite"])
def test_bad_urls_are_input_errors(url):
    from qbdkit.errors import QbdInputError

    with pytest.raises(QbdInputError) as err:
        db.get_engine(url)
    assert err.value.first.column == "QBDKIT_DATABASE_URL"
    db.dispose(url)


def test_an_entry_hashes_identically_on_every_backend(db_url):
    """The same entry read back from SQLite or PostgreSQL gives the same SHA-256."""
    from qbdkit.store.chain import canonical_json, entry_hash
    from qbdkit.store.trail import chain_rows

    shanghai = timezone(timedelta(hours=8))
    fields = {"id": 1000, "at": datetime(2026, 1, 2, 11, 4, 5, 678901, tzinfo=shanghai),
              "user": "张伟", "action": "record.save", "project": "单抗-1",
              "entity": "record:fmea/生产反应器", "old": None,
              "new": canonical_json({"rpn": 1.5, "说明": "温度"}), "reason": "复核 review",
              "prev_hash": "a" * 64}
    expected = entry_hash(fields)  # computed from the Python values, before storage
    fields["hash"] = expected
    with db.transaction(db_url) as s:
        s.add(AuditEntry(**fields))
    db.dispose(db_url)
    with db.transaction(db_url, write=False) as s:
        stored = s.get(AuditEntry, 1000)
        raw = next(r for r in chain_rows(s) if r["id"] == 1000)
    assert utc_text(stored.at) == "2026-01-02T03:04:05.678901Z"
    assert entry_hash(raw) == expected
    assert entry_hash({**raw, "at": stored.at}) == expected


def test_a_read_only_sqlite_copy_can_be_read_and_verified(tmp_path):
    from qbdkit.services.audit import audit_log, verify_audit
    from qbdkit.services.projects import create_project

    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    create_project("p", user="admin", reason="r", url=url)
    db.dispose(url)
    read_only = f"sqlite:///file:{tmp_path / 'store.sqlite'}?mode=ro&uri=true"
    try:
        assert verify_audit(url=read_only).intact
        assert [e["action"] for e in audit_log(url=read_only).entries] == [
            "user.add", "store.keys", "project.create"]
    finally:
        db.dispose(read_only)


def test_sqlite_readers_do_not_take_the_write_lock(tmp_path):
    import sqlite3

    from qbdkit.store.schema import AuditHead

    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    db.get_engine(url)
    other = sqlite3.connect(tmp_path / "store.sqlite", timeout=0, isolation_level=None)
    try:
        with db.transaction(url, write=False) as s:
            assert s.get(AuditHead, 1).last_id == 2
            other.execute("BEGIN IMMEDIATE")  # a writer may start while we read
            other.execute("ROLLBACK")
        with db.transaction(url) as s, pytest.raises(sqlite3.OperationalError, match="locked"):
            s.get(AuditHead, 1)
            other.execute("BEGIN IMMEDIATE")  # but not while we write
    finally:
        other.close()
        db.dispose(url)


def test_relative_sqlite_path_follows_the_working_directory(tmp_path, monkeypatch):
    from qbdkit.services.users import list_users

    monkeypatch.delenv("QBDKIT_DATABASE_URL", raising=False)
    for sub in ("a", "b"):
        (tmp_path / sub).mkdir()
        monkeypatch.chdir(tmp_path / sub)
        assert [u["name"] for u in list_users().users] == ["admin"]  # migrated in each folder
        assert (tmp_path / sub / "qbdkit.sqlite").exists()
    for sub in ("a", "b"):
        db.dispose(f"sqlite:///{tmp_path / sub / 'qbdkit.sqlite'}")
