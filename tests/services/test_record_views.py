"""Record views for the web pages: filtered list, history, field diffs, signatures checked,
and the meanings a user may sign with now (the same rules as signing itself)."""

from pathlib import Path

import pytest

from qbdkit.errors import QbdInputError
from qbdkit.services.base import Context
from qbdkit.services.projects import create_project
from qbdkit.services.record_views import filter_records, record_diff, record_view
from qbdkit.services.records import run_and_store, save_record
from qbdkit.services.risk import FmeaRequest
from qbdkit.services.risk_edit import edit_fmea
from qbdkit.services.signatures import sign, signable_meanings

DEMO_RISK = Path(__file__).parents[2] / "src" / "qbdkit" / "demo" / "mab" / "risk"


@pytest.fixture
def project(team, db_url):
    create_project("mAb-1", user="sci", reason="new programme")
    run_and_store("risk.fmea", FmeaRequest(file=DEMO_RISK / "fmea.csv"),
                  Context(user="sci", url=db_url), project="mAb-1", name="fmea", reason="first")
    save_record("mAb-1", "note.memo", "kickoff", {"text": "start"}, user="sci", reason="x")
    return "mAb-1"


def test_filter_records(project, db_url):
    assert [r["kind"] for r in filter_records(project, url=db_url)] == ["risk.fmea", "note.memo"]
    fmea = filter_records(project, kind="risk", user="view", url=db_url)
    assert [r["key"] for r in fmea] == ["fmea"] and fmea[0]["title"]["zh"].startswith("失效")
    assert filter_records(project, kind="risk.ce", url=db_url) == []
    assert [r["key"] for r in filter_records(project, text="KICK", url=db_url)] == ["kickoff"]
    assert filter_records(project, state="approved", url=db_url) == []
    assert [r["key"] for r in filter_records(project, stage="risk", url=db_url)] == ["fmea"]
    assert len(filter_records(project, state="draft", author="sci", url=db_url)) == 2
    with pytest.raises(QbdInputError, match="unknown state"):
        filter_records(project, state="done", url=db_url)


def test_signable_meanings_follow_the_signing_rules(project, team, db_url):
    def may(who):
        return signable_meanings(project, "risk.fmea", "fmea", user=who, url=db_url)

    assert [may(u) for u in ("sci", "rev", "qa", "view", "admin")] == [
        ["authored"], [], [], [], []]
    sign(project, "risk.fmea", "fmea", meaning="authored", password=team["sci"], user="sci")
    assert [may(u) for u in ("sci", "rev", "qa", "view")] == [
        [], ["reviewed", "rejected"], ["rejected"], []]  # QA approves only after a review
    sign(project, "risk.fmea", "fmea", meaning="reviewed", password=team["rev"], user="rev")
    assert may("qa") == ["approved", "rejected"] and may("rev") == ["rejected"]
    sign(project, "risk.fmea", "fmea", meaning="approved", password=team["qa"], user="qa")
    assert [may(u) for u in ("sci", "rev", "qa")] == [[], [], []]


def test_record_view_history_diff_signatures(project, team, db_url):
    sign(project, "risk.fmea", "fmea", meaning="authored", password=team["sci"], user="sci")
    edit_fmea(project, "fmea", [{"id": "B04", "values": {"severity": 8, "occurrence": 6,
                                                         "detection": 7}}],
              expected_version=1, reason="new DO data", ctx=Context(user="sci", url=db_url))
    view = record_view(project, "risk.fmea", "fmea", user="rev", url=db_url)
    assert view["record"]["version"] == 2 and view["latest"] == 2
    assert [(h["version"], h["state"], h["signatures"]) for h in view["history"]] == [
        (1, "superseded", 1), (2, "draft", 0)]
    paths = {c["path"]: (c["old"], c["new"]) for c in view["changes"]}
    assert paths["result.rows[B04].severity"] == (5, 8)
    assert paths["result.rows[B04].ap"] == ("L", "H")
    assert paths["result.rows[B04].rpn"] == (45, 336)
    assert any(p.startswith("inputs.file.sha256") for p in paths)
    assert view["signatures"] == [] and view["signable"] == []  # v2 is a draft again
    old = record_view(project, "risk.fmea", "fmea", 1, user="view", url=db_url)
    assert [(s["meaning"], s["user"], s["valid"]) for s in old["signatures"]] == [
        ("authored", "sci", True)]
    assert old["signable"] == [] and old["changes"] == []
    assert record_view(project, "risk.fmea", "fmea", user="sci", url=db_url)["signable"] == [
        "authored"]
    assert record_diff(project, "risk.fmea", "fmea", 2, 1, url=db_url)[0]["path"]
