"""Property: any single altered, deleted or inserted audit row in a real store is caught.

SQLite only (a file copy per example keeps it fast); the same kinds of tampering
are shown on PostgreSQL by ``tests/cli/test_audit.py``.
"""

import shutil
import sqlite3

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qbdkit.services.audit import verify_audit
from qbdkit.services.projects import create_project
from qbdkit.services.records import save_record
from qbdkit.services.users import add_user
from qbdkit.store import dispose

N_ENTRIES = 10
FIELDS = ["at", "user", "action", "project", "entity", "old", "new", "reason", "prev_hash",
          "hash"]


@pytest.fixture(scope="module")
def config_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("config")


@pytest.fixture(autouse=True)
def _private_config(config_dir, monkeypatch):
    """One config folder (the audit key of the store and its copies) for the whole module."""
    monkeypatch.setenv("QBDKIT_CONFIG_DIR", str(config_dir))


@pytest.fixture(scope="module")
def store(tmp_path_factory, config_dir):
    path = tmp_path_factory.mktemp("tamper") / "store.sqlite"
    url = f"sqlite:///{path}"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("QBDKIT_CONFIG_DIR", str(config_dir))
        _fill(url)
    dispose(url)
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM audit_entries").fetchone()[0] == N_ENTRIES
        conn.execute("DROP TRIGGER audit_entries_no_update")
        conn.execute("DROP TRIGGER audit_entries_no_delete")
    return path


def _fill(url):
    add_user("alice", "scientist", user="admin", url=url)
    create_project("p", user="alice", reason="r", url=url)
    for i in range(6):
        save_record("p", "fmea", f"k{i % 2}", {"i": i}, user="alice", reason=f"r{i}", url=url)


def tampered_copy(store, tmp_path, n):
    path = tmp_path / f"copy{n}.sqlite"
    shutil.copy(store, path)
    return path


_counter = iter(range(10**9))


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(["alter", "delete", "insert"]), entry=st.integers(1, N_ENTRIES),
       field=st.sampled_from(FIELDS), text=st.text(min_size=1, max_size=5))
def test_single_tampering_is_caught_at_the_right_entry(store, tmp_path, kind, entry, field,
                                                       text):
    path = tampered_copy(store, tmp_path, next(_counter))
    with sqlite3.connect(path) as conn:
        if kind == "alter":
            old = conn.execute(f'SELECT "{field}" FROM audit_entries WHERE id = ?',
                               (entry,)).fetchone()[0]
            new = "2001-01-01 00:00:00.000000" if field == "at" else f"{old}{text}"
            conn.execute(f'UPDATE audit_entries SET "{field}" = ? WHERE id = ?', (new, entry))
            expected = entry
        elif kind == "delete":
            conn.execute("DELETE FROM audit_entries WHERE id = ?", (entry,))
            expected = entry + 1 if entry < N_ENTRIES else entry
        else:  # a copy of a real row under a new id after the last
            conn.execute("INSERT INTO audit_entries SELECT ? , at, \"user\", action, project, "
                         "entity, old, new, reason || ?, hash, hash FROM audit_entries "
                         "WHERE id = ?", (N_ENTRIES + 1, text, N_ENTRIES))
            expected = N_ENTRIES + 1
    url = f"sqlite:///{path}"
    try:
        report = verify_audit(url=url)
    finally:
        dispose(url)
    assert not report.intact
    assert report.first_bad is not None, report.summary()
    assert report.first_bad.entry_id == expected, report.summary()
