"""Contract A: versioned records, roles, one audit entry per change in the same transaction."""

import threading
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qbdkit.errors import QbdInputError
from qbdkit.services.audit import audit_log, verify_audit
from qbdkit.services.projects import create_project
from qbdkit.services.records import latest_record, record_history, save_record
from qbdkit.services.users import add_user, list_users
from qbdkit.store.db import dump_tables


@pytest.fixture
def db_url(db_url, make_team):
    """Every store of these tests is multi-user with one user per role (sci authors)."""
    make_team(db_url)
    return db_url


@pytest.fixture
def project(db_url):
    create_project("mAb-1", user="sci", reason="new programme")
    return "mAb-1"


def test_save_supersedes_and_keeps_every_version(project, db_url):
    assert save_record(project, "fmea", "bioreactor", {"rpn": 120, "items": [1]},
                       user="sci", reason="first") == 1
    assert save_record(project, "fmea", "bioreactor", {"rpn": 80, "items": [1]},
                       user="sci", reason="mitigated", url=db_url) == 2
    assert save_record(project, "fmea", "harvest", {"rpn": 10}, user="sci", reason="x") == 1
    latest = latest_record(project, "fmea", "bioreactor")
    assert {k: latest[k] for k in ("kind", "key", "version", "content", "user", "reason")} == {
        "kind": "fmea", "key": "bioreactor", "version": 2, "content": {"rpn": 80, "items": [1]},
        "user": "sci", "reason": "mitigated"}
    assert latest["at"].endswith("Z")
    history = record_history(project, "fmea", "bioreactor")
    assert [h["version"] for h in history] == [1, 2]
    assert history[0]["content"] == {"rpn": 120, "items": [1]}  # superseded, not deleted
    assert [h["key"] for h in record_history(project)] == ["bioreactor", "bioreactor", "harvest"]
    assert [h["key"] for h in record_history(project, key="harvest")] == ["harvest"]
    assert latest_record(project, "fmea", "nothing") is None


def test_each_save_writes_one_audit_entry_with_old_and_new(project):
    before = len(audit_log().entries)
    save_record(project, "cqa", "HCP", {"score": 3, "zh": "宿主细胞蛋白"}, user="sci", reason="a")
    save_record(project, "cqa", "HCP", {"score": 5, "zh": "宿主细胞蛋白"}, user="sci",
                reason="new data")
    entries = audit_log(project).entries[-2:]
    assert len(audit_log().entries) == before + 2
    last = entries[-1]
    assert (last["user"], last["action"], last["entity"], last["reason"]) == (
        "sci", "record.save", "record:cqa/HCP", "new data")
    assert '"changed":{"score":3}' in last["old"] and '"version":1' in last["old"]
    assert '"changed":{"score":5}' in last["new"] and '"version":2' in last["new"]
    assert verify_audit().intact


def test_unknown_project_tells_how_to_import(db_url):
    with pytest.raises(QbdInputError) as err:
        save_record("nope", "fmea", "k", {}, user="sci", reason="r")
    assert "qbdkit import DIR" in str(err.value)
    assert err.value.first.column == "project" and err.value.first.found == "nope"


def test_roles_unknown_user_and_viewer(project):
    add_user("li.wei", "viewer", user="admin", password="Initial-pass-1234")
    before = dump_tables()
    with pytest.raises(QbdInputError, match="unknown user"):
        save_record(project, "fmea", "k", {"a": 1}, user="ghost", reason="r")
    with pytest.raises(QbdInputError, match="role viewer, which may not author records"):
        save_record(project, "fmea", "k", {"a": 1}, user="li.wei", reason="r")
    with pytest.raises(QbdInputError, match="may not manage users"):
        add_user("x", "qa", user="sci")
    assert dump_tables() == before
    assert save_record(project, "fmea", "k", {"a": 1}, user="sci", reason="r") == 1
    assert [(u["name"], u["role"]) for u in list_users().users] == [
        ("admin", "admin"), ("sci", "scientist"), ("rev", "reviewer"), ("qa", "qa"),
        ("view", "viewer"), ("li.wei", "viewer")]
    # separation of duties: an admin manages users but never authors
    with pytest.raises(QbdInputError, match="role admin, which may not author"):
        save_record(project, "fmea", "k", {"a": 2}, user="admin", reason="r")


def test_bad_role_duplicate_user(db_url):
    with pytest.raises(QbdInputError, match="unknown role"):
        add_user("a", "boss", user="admin", password="Initial-pass-1234")
    add_user("b", "QA", user="admin", password="Initial-pass-1234")
    with pytest.raises(QbdInputError, match="already exists"):
        add_user("b", "qa", user="admin", password="Initial-pass-1234")


def test_reason_required_to_supersede_and_bad_content(project):
    save_record(project, "fmea", "k", {"a": 1}, user="sci", reason="")
    before = dump_tables()
    with pytest.raises(QbdInputError, match="reason is required"):
        save_record(project, "fmea", "k", {"a": 2}, user="sci", reason="  ")
    with pytest.raises(QbdInputError, match="not storable as JSON"):
        save_record(project, "fmea", "k2", {"a": float("nan")}, user="sci", reason="r")
    with pytest.raises(QbdInputError, match="not storable as JSON"):
        save_record(project, "fmea", "k2", {"a": object()}, user="sci", reason="r")
    for kind, key in (("", "k"), ("fmea", " "), ("fmea", "a\x00b")):
        with pytest.raises(QbdInputError, match="bad record"):
            save_record(project, kind, key, {"a": 1}, user="sci", reason="r")
    assert dump_tables() == before


def test_failure_inside_the_transaction_leaves_nothing(project, monkeypatch):
    import qbdkit.services.records as records

    before = dump_tables()

    def broken(*a, **k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(records, "append_entry", broken)
    with pytest.raises(RuntimeError):
        save_record(project, "fmea", "k", {"a": 1}, user="sci", reason="r")
    assert dump_tables() == before  # the record row was rolled back with the audit entry


def test_concurrent_writers_keep_one_chain(project, db_url):
    errors = []

    def work(i):
        try:
            for j in range(4):
                save_record(project, "fmea", f"k{i % 2}", {"i": i, "j": j}, user="sci",
                            reason=f"w{i}.{j}", url=db_url)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    for key in ("k0", "k1"):
        assert [h["version"] for h in record_history(project, "fmea", key)] == list(range(1, 9))
    report = verify_audit()
    assert report.intact, report.summary()


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6)
    | st.floats(allow_nan=False, allow_infinity=False, width=64) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=8)


@settings(max_examples=10, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(saves=st.lists(st.tuples(st.sampled_from(["a", "b", "风险"]),
                                st.dictionaries(st.text(max_size=5), json_values, max_size=4)),
                      min_size=1, max_size=6))
def test_history_is_exactly_what_was_saved(saves, db_url):
    """Any sequence of saves: each key's history is its saves in order, latest is the last,
    content comes back equal (JSON round trip) and the chain stays intact."""
    project = f"p-{uuid.uuid4().hex[:8]}"
    create_project(project, user="sci", reason="r")
    for key, content in saves:
        save_record(project, "kind", key, content, user="sci", reason="update")
    for key in {k for k, _ in saves}:
        expected = [c for k, c in saves if k == key]
        history = record_history(project, "kind", key)
        assert [h["content"] for h in history] == expected
        assert [h["version"] for h in history] == list(range(1, len(expected) + 1))
        assert latest_record(project, "kind", key)["content"] == expected[-1]
    assert verify_audit().intact
