"""Editing a stored FMEA in place: preview of RPN/AP, validation naming row and field,
a new re-runnable version, optimistic locking (the second stale save is a Conflict).

Expected action priorities are read from the AIAG & VDA FMEA Handbook, 1st ed. (2019),
Action Priority table (transcribed in tests/core/risk/test_action_priority.py):
S 7–8 × O 6–7 × D 7–10 → H; S 7–8 × O 4–5 × D 5–6 → M; S 4–6 × O 2–3 × any D → L.
"""

from pathlib import Path

import pytest

from qbdkit.errors import Conflict, QbdInputError
from qbdkit.services.base import Context
from qbdkit.services.projects import create_project
from qbdkit.services.records import get_record, record_history, rerun, run_and_store
from qbdkit.services.risk import FmeaRequest
from qbdkit.services.risk_edit import edit_fmea, fmea_preview, risk_overview

DEMO_RISK = Path(__file__).parents[2] / "src" / "qbdkit" / "demo" / "mab" / "risk"


@pytest.fixture
def db_url(db_url, make_team):
    make_team(db_url)
    return db_url


@pytest.fixture
def project(db_url):
    create_project("mAb-1", user="sci", reason="new programme")
    run_and_store("risk.fmea", FmeaRequest(file=DEMO_RISK / "fmea.csv"),
                  Context(user="sci", url=db_url), project="mAb-1", name="fmea", reason="first")
    return "mAb-1"


def _row(record, row_id):
    return next(r for r in record["content"]["result"]["rows"] if r["id"] == row_id)


def test_preview_uses_the_published_ap_table(project, db_url):
    p = fmea_preview(project, "fmea", "B04", "8", "6", "7", user="view", url=db_url)
    assert (p.rpn, p.ap, p.scale) == (8 * 6 * 7, "H", "aiag-vda")
    assert fmea_preview(project, "fmea", "B04", 7, 4, 5, url=db_url).ap == "M"
    assert fmea_preview(project, "fmea", "B04", 5, 3, 3, url=db_url).ap == "L"


def test_preview_names_row_and_field(project, db_url):
    with pytest.raises(QbdInputError) as err:
        fmea_preview(project, "fmea", "B04", "11", "x", "3", url=db_url)
    problems = err.value.problems
    assert [p.column for p in problems] == ["B04.severity", "B04.occurrence"]
    assert problems[0].row == 5 and problems[0].found == "11"  # B04 is worksheet row 5
    assert "risk.fmea/fmea v1:5: B04.severity: rating not on the scale" in str(err.value)
    assert "1/2/3/4/5/6/7/8/9/10" in str(err.value)
    with pytest.raises(QbdInputError, match="no such FMEA row"):
        fmea_preview(project, "fmea", "Z99", 5, 5, 5, url=db_url)
    with pytest.raises(QbdInputError, match=r"B04\.detection"):
        fmea_preview(project, "fmea", "B04", 5, 5, "7.5", url=db_url)


def test_edit_stores_a_new_rerunnable_version(project, db_url):
    ctx = Context(user="sci", url=db_url)
    out = edit_fmea(project, "fmea", [{"id": "B04", "values": {
        "severity": "8", "occurrence": 6, "detection": "7", "action": "冗余溶氧探头"}}],
        expected_version=1, reason="new DO data", ctx=ctx)
    assert out.version == 2
    assert {(c["field"], c["old"], c["new"]) for c in out.changed} == {
        ("severity", 5, 8), ("occurrence", 3, 6), ("detection", 3, 7),
        ("action", None, "冗余溶氧探头")}
    rec = get_record(project, "risk.fmea", "fmea", url=db_url)
    row = _row(rec, "B04")
    assert (row["severity"], row["occurrence"], row["detection"], row["rpn"], row["ap"]) == (
        8, 6, 7, 336, "H")
    assert row["action"] == "冗余溶氧探头"
    old = get_record(project, "risk.fmea", "fmea", 1, url=db_url)
    assert _row(old, "B04")["ap"] == "L" and old["state"] == "superseded"
    # every other row unchanged; the worksheet keeps its Chinese headers
    for a, b in zip(old["content"]["result"]["rows"], rec["content"]["result"]["rows"],
                    strict=True):
        if a["id"] != "B04":
            assert {k: v for k, v in a.items() if k != "rank"} == \
                   {k: v for k, v in b.items() if k != "rank"}
    assert rec["content"]["result"]["headers"]["severity"] == "严重度"
    assert rec["inputs"][0]["filename"] == "fmea.csv"
    assert rec["inputs"][0]["sha256"] != old["inputs"][0]["sha256"]
    assert rerun(project, "risk.fmea", "fmea", ctx=ctx).identical


def test_stale_save_is_a_conflict_and_nothing_is_lost(project, db_url):
    ctx = Context(user="sci", url=db_url)
    edit_fmea(project, "fmea", [{"id": "B01", "values": {"occurrence": 4}}],
              expected_version=1, reason="first editor", ctx=ctx)
    with pytest.raises(Conflict) as err:
        edit_fmea(project, "fmea", [{"id": "B02", "values": {"detection": 2}}],
                  expected_version=1, reason="second editor", ctx=ctx)
    assert "someone saved this record meanwhile" in str(err.value)
    history = record_history(project, "risk.fmea", "fmea", url=db_url)
    assert [h["version"] for h in history] == [1, 2]
    assert _row(history[-1], "B01")["occurrence"] == 4
    assert _row(history[-1], "B02")["detection"] == 5  # the stale edit was not applied
    # the second editor reloads (version 2) and applies the change again
    again = edit_fmea(project, "fmea", [{"id": "B02", "values": {"detection": 2}}],
                      expected_version=2, reason="second editor", ctx=ctx)
    rec = get_record(project, "risk.fmea", "fmea", url=db_url)
    assert again.version == 3
    assert (_row(rec, "B01")["occurrence"], _row(rec, "B02")["detection"]) == (4, 2)


def test_edit_rejects_bad_values_all_at_once_and_stores_nothing(project, db_url):
    ctx = Context(user="sci", url=db_url)
    with pytest.raises(QbdInputError) as err:
        edit_fmea(project, "fmea", [{"id": "B01", "values": {"severity": 0, "rpn": 5}},
                                    {"id": "B02", "values": {"detection": "high"}},
                                    {"id": "NOPE", "values": {"severity": 5}}],
                  expected_version=1, reason="x", ctx=ctx)
    cols = [p.column for p in err.value.problems]
    assert cols == ["B01.severity", "B01.rpn", "B02.detection", "id"]
    with pytest.raises(QbdInputError, match="reason"):
        edit_fmea(project, "fmea", [{"id": "B01", "values": {"severity": 9}}],
                  expected_version=1, reason=" ", ctx=ctx)
    with pytest.raises(QbdInputError, match="nothing changed"):
        edit_fmea(project, "fmea", [{"id": "B01", "values": {"severity": 8}}],
                  expected_version=1, reason="x", ctx=ctx)
    assert len(record_history(project, "risk.fmea", "fmea", url=db_url)) == 1


def test_viewer_and_reviewer_cannot_edit(project, db_url):
    from qbdkit.errors import PermissionDenied

    for who in ("view", "rev"):
        with pytest.raises(PermissionDenied):
            edit_fmea(project, "fmea", [{"id": "B01", "values": {"severity": 9}}],
                      expected_version=1, reason="x", ctx=Context(user=who, url=db_url))
    assert len(record_history(project, "risk.fmea", "fmea", url=db_url)) == 1


def test_risk_overview_rebuilds_each_assessment(project, db_url):
    from qbdkit.services.risk import store_folder

    store_folder(project, DEMO_RISK, user="sci", reason="demo worksheets", url=db_url)
    ov = risk_overview(project, user="view", url=db_url)
    assert [r["key"] for r in ov["fmea"]] == ["fmea"] and ov["fmea"][0]["version"] == 2
    ce = ov["ce"][0]["result"]
    assert type(ce).__name__ == "CeResult" and ce.inputs[0]["name"] == "Temperature (°C)"
    assert type(ov["classify"][0]["result"]).__name__ == "ClassificationResult"
    assert type(ov["cqa"][0]["result"]).__name__ == "CqaResult"


def test_pending_changes_of_a_stale_edit(project, db_url):
    from qbdkit.services.risk_edit import pending_changes

    edits = [{"id": "B02", "values": {"detection": "2", "cause": "pH 电极漂移"}}]
    assert pending_changes(project, "fmea", edits, version=1, url=db_url) == [
        {"id": "B02", "field": "detection", "old": 5, "new": 2}]
