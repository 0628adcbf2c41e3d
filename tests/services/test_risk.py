"""Risk assessments stored as versioned project records (contract A) with rating history."""

from pathlib import Path

import pandas as pd
import pytest

from qbdkit.core.risk import cause_and_effect, classify_parameters, fmea
from qbdkit.errors import QbdInputError
from qbdkit.services.projects import create_project
from qbdkit.services.records import record_history
from qbdkit.services.risk import risk_history, store_assessment
from qbdkit.services.users import add_user


@pytest.fixture
def db_url(db_url, make_team):
    """Every store of these tests is multi-user with one user per role (sci authors)."""
    make_team(db_url)
    return db_url


@pytest.fixture
def project(db_url):
    create_project("mAb-1", user="sci", reason="new programme")
    return "mAb-1"


def sheet(s, o, d):
    return pd.DataFrame({"id": ["F1", "F2"], "step": ["bioreactor"] * 2,
                         "failure_mode": ["pH high", "DO low"], "effect": ["aggregates", "titer"],
                         "cause": ["probe", "sparger"], "severity": [s, 5], "occurrence": [o, 3],
                         "detection": [d, 4]})


def test_fmea_versions_and_rating_changes(project, db_url):
    assert store_assessment(project, "fmea", "bioreactor", fmea(sheet(8, 4, 5)), user="sci",
                            reason="initial", source={"file": "fmea.csv"}) == 1
    assert store_assessment(project, "fmea", "bioreactor", fmea(sheet(8, 2, 3)), user="sci",
                            reason="redundant probe installed") == 2
    h = risk_history(project)
    assert [(v["version"], v["reason"]) for v in h.versions] == [
        (1, "initial"), (2, "redundant probe installed")]
    changes = {(c["item"], c["field"]): (c["old"], c["new"]) for c in h.versions[1]["changes"]}
    assert changes == {("F1", "occurrence"): (4, 2), ("F1", "detection"): (5, 3),
                       ("F1", "rpn"): (160, 48), ("F1", "ap"): ("M", "L")}
    # both versions are kept in the store, the first superseded not deleted
    stored = record_history(project, "risk.fmea", "bioreactor")
    assert [r["content"]["result"]["rows"][0]["rpn"] for r in stored] == [160, 48]
    assert stored[0]["content"]["source"] == {"file": "fmea.csv"}
    assert "F1 occurrence: 4 → 2" in h.summary()


def test_ce_changes_include_correlations_and_weights(project):
    m1 = pd.DataFrame({"input": ["weight", "pH", "T"], "titer": [7, 9, 3], "agg": [10, 3, 3]})
    m2 = pd.DataFrame({"input": ["weight", "pH", "T"], "titer": [9, 9, 3], "agg": [10, 3, 9]})
    store_assessment(project, "ce", "usp", cause_and_effect(m1), user="sci", reason="a")
    store_assessment(project, "ce", "usp", cause_and_effect(m2), user="sci", reason="b")
    v2 = risk_history(project, assessment="ce").versions[1]
    changes = {(c["item"], c["field"]): (c["old"], c["new"]) for c in v2["changes"]}
    assert changes[("T", "correlation:agg")] == (3, 9)
    assert changes[("weight", "titer")] == (7, 9)
    assert changes[("pH", "score")] == (93, 111)


def test_classification_change_and_filters(project):
    df = pd.DataFrame({"name": ["pH"], "affects_cqa": ["yes"], "cqa_risk": ["high"]})
    store_assessment(project, "classify", "usp", classify_parameters(df), user="sci", reason="a")
    df2 = df.assign(cqa_risk=["low"])
    store_assessment(project, "classify", "usp", classify_parameters(df2), user="sci",
                     reason="DoE showed small effect")
    store_assessment(project, "classify", "dsp", classify_parameters(df), user="sci", reason="a")
    h = risk_history(project, assessment="classify", key="usp")
    assert [v["key"] for v in h.versions] == ["usp", "usp"]
    assert h.versions[1]["changes"] == [{"item": "pH", "field": "class", "old": "CPP",
                                         "new": "WC-CPP"}]


def test_viewer_may_not_store_and_nothing_is_written(project):
    add_user("vera", "viewer", user="admin", password="Initial-pass-1234", reason="read only")
    df = pd.DataFrame({"name": ["pH"], "affects_cqa": ["no"]})
    with pytest.raises(QbdInputError):
        store_assessment(project, "classify", "usp", classify_parameters(df), user="vera",
                         reason="x")
    assert risk_history(project).versions == []


def test_unknown_assessment_kind(project):
    with pytest.raises(QbdInputError):
        risk_history(project, assessment="hazop")


def test_store_folder_of_the_demo(project):
    import qbdkit
    from qbdkit.services.risk import store_folder

    folder = Path(qbdkit.__file__).parent / "demo" / "mab" / "risk"
    v = store_folder(project, folder, user="sci", reason="demo risk assessment")
    assert v == {"risk.fmea/fmea": 1, "risk.cqa/cqa": 1, "risk.ce/ce": 1,
                 "risk.classify/classify": 1, "risk.study/study": 1}
    v = store_folder(project, folder, user="sci", reason="demo run again")
    assert set(v.values()) == {2}
    h = risk_history(project)
    assert len(h.versions) == 10
    assert all(ver["changes"] == [] for ver in h.versions if ver["version"] == 2)
