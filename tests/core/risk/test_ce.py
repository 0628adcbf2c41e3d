"""Cause-and-effect matrix against a hand-worked example (arithmetic shown).

Rule (../shared/reference/risk.md §3): score(input) = Σ weight × correlation; rank with
Pareto cumulative %; A-Mab (CMC Biotech Working Group 2009) studies inputs scoring
> 300 with correlations and weights on 1/5/7/10. Exact agreement (integers) and 1e-12
relative on percentages.
"""

import pandas as pd
import pytest

from qbdkit.core.risk import cause_and_effect
from qbdkit.errors import QbdInputError

# outputs: titer (weight 7), aggregates (10), charge variants (5); correlations 0/1/3/9
MATRIX = pd.DataFrame({
    "input": ["weight", "pH", "temperature", "dissolved_oxygen", "agitation"],
    "titer": [7, 9, 3, 1, 0],
    "aggregates": [10, 3, 3, 0, 1],
    "charge_variants": [5, 9, 9, 1, 0],
    "notes": [None, "platform", None, None, None],
})
# hand-worked:
#   pH               7×9 + 10×3 + 5×9 = 63 + 30 + 45 = 138
#   temperature      7×3 + 10×3 + 5×9 = 21 + 30 + 45 =  96
#   dissolved_oxygen 7×1 + 10×0 + 5×1 =  7 +  0 +  5 =  12
#   agitation        7×0 + 10×1 + 5×0 =  0 + 10 +  0 =  10
#   total 256; cumulative 138/256 = 53.90625 %, 234/256 = 91.40625 %,
#   246/256 = 96.09375 %, 256/256 = 100 %
HAND = [("pH", 138, 53.90625), ("temperature", 96, 91.40625),
        ("dissolved_oxygen", 12, 96.09375), ("agitation", 10, 100.0)]


def test_hand_worked_scores_ranks_and_pareto():
    r = cause_and_effect(MATRIX)
    got = [(i["name"], i["score"], i["cumulative_pct"]) for i in r.inputs]
    assert [(n, s) for n, s, _ in got] == [(n, s) for n, s, _ in HAND]
    for (_, _, pct), (_, _, want) in zip(got, HAND, strict=True):
        assert pct == pytest.approx(want, rel=1e-12)
    assert [i["rank"] for i in r.inputs] == [1, 2, 3, 4]
    # default 0/1/3/9 rule: the inputs making up the first 80 % (pH: 0 % before, temperature:
    # 53.9 % before; dissolved oxygen starts at 91.4 %)
    assert r.potential_cpps() == ["pH", "temperature"]
    assert r.inputs[0]["correlations"] == {"titer": 9, "aggregates": 3, "charge_variants": 9}
    assert r.inputs[0]["notes"] == "platform"  # pass-through column (blank weight, no numbers)
    assert r.outputs == [{"name": "titer", "weight": 7}, {"name": "aggregates", "weight": 10},
                         {"name": "charge_variants", "weight": 5}]


def test_threshold_is_strictly_greater():
    r = cause_and_effect(MATRIX, threshold=96)
    assert r.potential_cpps() == ["pH"]
    r = cause_and_effect(MATRIX, threshold=95)
    assert r.potential_cpps() == ["pH", "temperature"]


def test_amab_1_5_7_10_selects_above_300():
    m = pd.DataFrame({"input": ["weight", "A", "B", "C"],
                      "o1": [10, 10, 10, 1], "o2": [10, 10, 10, 1],
                      "o3": [10, 5, 7, 1], "o4": [10, 5, 5, 1]})
    # A = 10×10 + 10×10 + 10×5 + 10×5 = 300 (not > 300); B = 100+100+70+50 = 320; C = 40
    r = cause_and_effect(m, scale="1-5-7-10")
    assert {i["name"]: i["score"] for i in r.inputs} == {"A": 300, "B": 320, "C": 40}
    assert r.potential_cpps() == ["B"]
    assert r.threshold == 300


def test_equal_scores_share_a_rank():
    m = pd.DataFrame({"input": ["weight", "a", "b", "c"], "y": [9, 3, 3, 1]})
    assert [(i["name"], i["rank"]) for i in cause_and_effect(m).inputs] == [
        ("a", 1), ("b", 1), ("c", 3)]


def test_weights_argument_and_index_for_notebooks():
    corr = pd.DataFrame({"titer": [9, 3], "aggregates": [3, 3]},
                        index=pd.Index(["pH", "temperature"], name="input"))
    r = cause_and_effect(corr, weights={"titer": 7, "aggregates": 10})
    assert [(i["name"], i["score"]) for i in r.inputs] == [("pH", 93), ("temperature", 51)]


def test_chinese_headers_and_weight_row():
    m = pd.DataFrame({"工艺参数": ["权重", "pH", "温度"], "滴度": [7, 9, 3]})
    r = cause_and_effect(m)
    assert [(i["name"], i["score"]) for i in r.inputs] == [("pH", 63), ("温度", 21)]


def test_bad_cells_reported_with_rows():
    m = pd.DataFrame({"input": ["weight", "pH", "pH", "T"], "y": [7, 2, 3, None],
                      "z": [11, 1, 1, 1]})
    with pytest.raises(QbdInputError) as exc:
        cause_and_effect(m)
    found = {(p.row, p.column) for p in exc.value.problems}
    assert found == {(2, "z"), (3, "y"), (4, "input"), (5, "y")}


def test_no_weight_row():
    m = pd.DataFrame({"input": ["pH"], "y": [9]})
    with pytest.raises(QbdInputError) as exc:
        cause_and_effect(m)
    assert exc.value.first.message == "no weight row"


def test_blank_weight_on_a_numeric_column():
    m = pd.DataFrame({"input": ["weight", "pH"], "y": [7, 9], "z": [None, 3]})
    with pytest.raises(QbdInputError) as exc:
        cause_and_effect(m)
    assert (exc.value.first.row, exc.value.first.column) == (2, "z")
