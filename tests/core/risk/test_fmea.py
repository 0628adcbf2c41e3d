"""FMEA worksheet: scoring, ranking (AP then RPN), revised ratings, bad input, A-Mab rules.

A-Mab drug-product rule and control-strategy bands: A-Mab case study (CMC Biotech Working
Group 2009), as transcribed in ../shared/reference/risk.md §4–5. Exact agreement.
"""

import pandas as pd
import pytest

from qbdkit.core.risk import dp_fmea_decision, fmea
from qbdkit.errors import QbdInputError


def sheet(rows, **extra):
    base = {"id": [], "step": [], "failure_mode": [], "effect": [], "cause": [],
            "severity": [], "occurrence": [], "detection": []}
    for r in rows:
        fid, s, o, d = r
        base["id"].append(fid)
        base["step"].append("bioreactor")
        base["failure_mode"].append(f"mode {fid}")
        base["effect"].append("effect")
        base["cause"].append("cause")
        base["severity"].append(s)
        base["occurrence"].append(o)
        base["detection"].append(d)
    base.update(extra)
    return pd.DataFrame(base)


def test_rpn_ap_and_rank_order():
    # AP: F1 (9,2,5) M rpn 90; F2 (5,4,7) M rpn 140; F3 (10,10,10) H; F4 (2,2,2) L; F5 (4,8,4) M 128
    r = fmea(sheet([("F1", 9, 2, 5), ("F2", 5, 4, 7), ("F3", 10, 10, 10), ("F4", 2, 2, 2),
                    ("F5", 4, 8, 4)]))
    by_id = {row["id"]: row for row in r.rows}
    assert [row["id"] for row in r.rows] == ["F1", "F2", "F3", "F4", "F5"]  # input order
    assert {k: (v["rpn"], v["ap"]) for k, v in by_id.items()} == {
        "F1": (90, "M"), "F2": (140, "M"), "F3": (1000, "H"), "F4": (8, "L"), "F5": (128, "M")}
    # ranked by AP (H > M > L) then RPN descending
    assert [row["id"] for row in r.ranked()] == ["F3", "F2", "F5", "F1", "F4"]
    assert r.to_dict()["summary"] == {"H": 1, "M": 3, "L": 1}


def test_classic_ranks_by_rpn_first():
    r = fmea(sheet([("A", 9, 2, 5), ("B", 5, 4, 7)]), scale="classic")
    assert [row["id"] for row in r.ranked()] == ["B", "A"]
    r2 = fmea(sheet([("A", 9, 2, 5), ("B", 5, 4, 7)]))
    assert [row["id"] for row in r2.ranked()] == ["B", "A"]  # both M, then RPN


def test_ties_broken_by_severity_then_input_order():
    r = fmea(sheet([("A", 4, 5, 5), ("B", 5, 4, 5), ("C", 5, 5, 4)]))
    assert {row["rpn"] for row in r.rows} == {100}
    assert [row["id"] for row in r.ranked()] == ["B", "C", "A"]


def test_revised_ratings_give_revised_rpn_and_ap():
    df = sheet([("F1", 8, 4, 5), ("F2", 4, 3, 4)], revised_severity=[8, None],
               revised_occurrence=[2, None], revised_detection=[3, None])
    r = fmea(df)
    f1, f2 = r.rows
    assert (f1["revised_rpn"], f1["revised_ap"]) == (48, "L")
    assert f2["revised_rpn"] is None and f2["revised_ap"] is None


def test_incomplete_revised_ratings_rejected():
    df = sheet([("F1", 8, 4, 5)], revised_severity=[8], revised_occurrence=[None],
               revised_detection=[3])
    with pytest.raises(QbdInputError) as exc:
        fmea(df)
    assert exc.value.first.column == "revised_occurrence"
    assert exc.value.first.row == 2


def test_chinese_headers_and_pass_through():
    df = pd.DataFrame({"编号": ["F1"], "工序": ["生物反应器"], "失效模式": ["pH 漂移"],
                       "失效影响": ["电荷异构体"], "失效原因": ["电极漂移"], "严重度": [8],
                       "频度": [4], "探测度": [5], "备注": ["见偏差 DV-01"]})
    row = fmea(df).rows[0]
    assert row["id"] == "F1" and row["step"] == "生物反应器"
    assert row["备注"] == "见偏差 DV-01"
    assert (row["rpn"], row["ap"], row["rank"]) == (160, "M", 1)


def test_all_bad_cells_reported_together():
    df = sheet([("F1", 11, 4, 5), ("F2", 4.5, 3, 4), ("F1", 4, None, 4), ("F4", 4, 3, "x")])
    with pytest.raises(QbdInputError) as exc:
        fmea(df)
    found = {(p.row, p.column) for p in exc.value.problems}
    assert found == {(2, "severity"), (3, "severity"), (4, "id"), (4, "occurrence"),
                     (5, "detection")}
    msgs = {(p.row, p.column): p.message for p in exc.value.problems}
    assert msgs[(2, "severity")] == "not on the scale"
    assert msgs[(3, "severity")] == "not a whole number"
    assert msgs[(4, "occurrence")] == "blank cell"
    assert "duplicate id" in msgs[(4, "id")]


def test_missing_columns_named():
    df = sheet([("F1", 8, 4, 5)]).drop(columns=["detection", "cause"])
    with pytest.raises(QbdInputError) as exc:
        fmea(df)
    assert {p.column for p in exc.value.problems} == {"detection", "cause"}


def test_empty_sheet_rejected():
    with pytest.raises(QbdInputError):
        fmea(sheet([]))


def test_heatmap_and_pareto():
    r = fmea(sheet([("A", 9, 2, 7), ("B", 9, 2, 1), ("C", 1, 1, 1)]))
    hm = r.heatmap()
    i, j = hm["severity"].index(9), hm["occurrence"].index(2)
    assert hm["count"][i][j] == 2
    assert hm["ap"][i][j] == "H"  # worst of H (9,2,7) and L (9,2,1)
    assert sum(map(sum, hm["count"])) == 3
    pareto = r.pareto()
    assert [p["id"] for p in pareto] == ["A", "B", "C"]
    assert pareto[-1]["cumulative_pct"] == pytest.approx(100.0)
    assert pareto[0]["cumulative_pct"] == pytest.approx(100 * 126 / (126 + 18 + 1))


# A-Mab drug-product rule: CPP if S >= 8 or RPN > 72; further if 48 < RPN <= 72 and S < 8;
# not a CPP if RPN <= 48 and S < 8 (risk.md §4).
@pytest.mark.parametrize(("s", "o", "d", "decision"), [
    (8, 2, 2, "CPP"),            # S >= 8 alone
    (10, 2, 2, "CPP"),
    (6, 4, 2, "not CPP"),        # RPN 48 (boundary, inclusive)
    (2, 2, 2, "not CPP"),
    (6, 6, 2, "analyse further"),  # RPN 72 (boundary, inclusive)
    (4, 4, 4, "analyse further"),  # RPN 64
    (6, 2, 6, "analyse further"),  # RPN 72
    (6, 4, 4, "CPP"),            # RPN 96 > 72
    (2, 10, 4, "CPP"),           # RPN 80 > 72 with low severity
    (6, 10, 2, "CPP"),           # RPN 120
])
def test_amab_dp_rule(s, o, d, decision):
    assert dp_fmea_decision(s, o, d) == decision
    r = fmea(sheet([("X", s, o, d)]), scale="amab-dp")
    assert r.rows[0]["decision"] == decision


def test_amab_dp_rejects_odd_ratings():
    with pytest.raises(QbdInputError):
        dp_fmea_decision(5, 2, 2)
    with pytest.raises(QbdInputError) as exc:
        fmea(sheet([("X", 5, 2, 2)]), scale="amab-dp")
    assert exc.value.first.expected == "one of 2/4/6/8/10"


# Control-strategy FMEA (A-Mab ch. 6): RPN >= 100 high, 31–90 medium, <= 30 low (risk.md §5)
@pytest.mark.parametrize(("s", "o", "d", "level"), [
    (10, 10, 1, "H"), (10, 10, 10, "H"), (10, 3, 3, "M"), (10, 3, 1, "L"), (3, 3, 3, "L"),
    (1, 1, 1, "L"), (3, 10, 3, "M"), (10, 1, 10, "H"),
])
def test_control_strategy_bands(s, o, d, level):
    assert fmea(sheet([("X", s, o, d)]), scale="control-strategy").rows[0]["ap"] == level


def test_merged_cells_take_the_value_above():
    # a step and a failure mode merged over the rows of their causes read as blanks below
    df = sheet([("F1", 8, 4, 5), ("F2", 8, 3, 5), ("F3", 5, 3, 4)])
    df["step"] = ["生产生物反应器", None, "Protein A"]
    df["failure_mode"] = ["pH 偏高", "", "穿透"]
    rows = fmea(df).rows
    assert [r["step"] for r in rows] == ["生产生物反应器", "生产生物反应器", "Protein A"]
    assert [r["failure_mode"] for r in rows] == ["pH 偏高", "pH 偏高", "穿透"]


def test_blank_description_cells_rejected():
    df = sheet([("F1", 8, 4, 5), ("F2", 8, 3, 5)])
    df["cause"] = ["probe drift", None]  # causes are never merged
    df.loc[0, "step"] = None  # nothing above the first row to fill from
    with pytest.raises(QbdInputError) as exc:
        fmea(df)
    assert {(p.row, p.column) for p in exc.value.problems} == {(2, "step"), (3, "cause")}
