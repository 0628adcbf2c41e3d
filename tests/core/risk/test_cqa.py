"""CQA assessment with A-Mab tools 1–3.

Source: A-Mab: a Case Study in Bioprocess Development, CMC Biotech Working Group (2009),
§2 (quality attributes), as summarised in ../shared/reference/risk.md §2:
tool 1 impact 2/4/12/16/20 × uncertainty 1/2/3/5/7; A-Mab's own CQAs start at 36 and host
cell protein scores exactly 36; afucosylation was re-scored from 10 to 60 when ADCC
entered the mechanism of action. Exact integer agreement.
"""

import itertools

import pandas as pd
import pytest

from qbdkit.core.risk import cqa_assessment, impurity_safety_factor
from qbdkit.errors import QbdInputError

IMPACT = [2, 4, 12, 16, 20]
UNCERTAINTY = [1, 2, 3, 5, 7]


def pairs(score):
    return [(i, u) for i, u in itertools.product(IMPACT, UNCERTAINTY) if i * u == score]


def test_tool1_range_is_2_to_140():
    scores = {i * u for i, u in itertools.product(IMPACT, UNCERTAINTY)}
    assert min(scores) == 2 and max(scores) == 140


def test_hcp_36_has_one_reading_and_is_a_cqa_at_the_default_threshold():
    # 36 = impact 12 (moderate) × uncertainty 3 (moderate) is the only pair on the scales
    assert pairs(36) == [(12, 3)]
    r = cqa_assessment(pd.DataFrame({"name": ["host cell protein"], "impact": [12],
                                     "uncertainty": [3]}))
    hcp = r.attributes[0]
    assert hcp["score"] == 36 and hcp["cqa"] is True
    assert r.threshold == 36


def test_afucosylation_rescored_from_10_to_60():
    # before ADCC was in the mechanism of action: only 10 = impact 2 (none) × uncertainty 5
    # (high: literature only); after: 60 = impact 20 (very high, efficacy via ADCC) ×
    # uncertainty 3 (moderate: in-vitro data with the molecule). 12 × 5 also gives 60; the
    # case study's reason for the change is the impact, so 20 × 3 is the reading used.
    assert pairs(10) == [(2, 5)]
    assert set(pairs(60)) == {(12, 5), (20, 3)}
    before = cqa_assessment(pd.DataFrame({"name": ["afucosylation"], "impact": [2],
                                          "uncertainty": [5]})).attributes[0]
    after = cqa_assessment(pd.DataFrame({"name": ["afucosylation"], "impact": [20],
                                         "uncertainty": [3]})).attributes[0]
    assert (before["score"], before["cqa"]) == (10, False)
    assert (after["score"], after["cqa"]) == (60, True)


def test_threshold_is_inclusive_and_configurable():
    df = pd.DataFrame({"name": ["a", "b"], "impact": [12, 16], "uncertainty": [3, 2]})
    assert [a["cqa"] for a in cqa_assessment(df).attributes] == [True, False]  # 36, 32
    assert [a["cqa"] for a in cqa_assessment(df, threshold=32).attributes] == [True, True]
    assert [a["cqa"] for a in cqa_assessment(df, threshold=37).attributes] == [False, False]


def test_tool2_severity_likelihood():
    df = pd.DataFrame({"质量属性": ["聚体", "颜色"], "严重性": [9, 1], "可能性": [5, 3],
                       "理由": ["免疫原性", ""]})
    r = cqa_assessment(df, tool="amab-2")
    a, b = r.attributes
    assert (a["name"], a["severity"], a["likelihood"], a["score"], a["cqa"]) == (
        "聚体", 9, 5, 45, True)
    assert (b["score"], b["cqa"]) == (3, False)
    assert a["rationale"] == "免疫原性"


def test_off_scale_and_duplicates():
    df = pd.DataFrame({"name": ["HCP", "HCP", "DNA"], "impact": [12, 10, 4],
                       "uncertainty": [3, 3, None]})
    with pytest.raises(QbdInputError) as exc:
        cqa_assessment(df)
    found = {(p.row, p.column) for p in exc.value.problems}
    assert found == {(3, "name"), (3, "impact"), (4, "uncertainty")}
    off = next(p for p in exc.value.problems if p.column == "impact")
    assert off.expected == "one of 2/4/12/16/20" and off.found == 10


def test_tool1_file_for_tool2_names_missing_columns():
    df = pd.DataFrame({"name": ["HCP"], "impact": [12], "uncertainty": [3]})
    with pytest.raises(QbdInputError) as exc:
        cqa_assessment(df, tool="amab-2")
    assert {p.column for p in exc.value.problems} == {"severity", "likelihood"}


def test_impurity_safety_factor():
    # ISF = LD50 / max impurity per dose; >= 1000 minimal risk (A-Mab tool 3)
    r = impurity_safety_factor(50.0, 0.05)
    assert r.isf == pytest.approx(1000.0) and r.minimal_risk
    assert not impurity_safety_factor(50.0, 0.051).minimal_risk
    with pytest.raises(QbdInputError):
        impurity_safety_factor(50.0, 0.0)
