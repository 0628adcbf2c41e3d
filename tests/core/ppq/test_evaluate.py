"""PPQ evaluation: checks, variance components, Ppk, CPV limits."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from qbdkit.core.ppq import bissell_interval, evaluate_ppq
from qbdkit.errors import QbdInputError

LOOM = pd.read_csv(Path(__file__).parents[2] / "data" / "ppq" / "montgomery_loom.csv")
CRIT = [{"item": "strength", "kind": "cqa", "lower": 88.0, "upper": 102.0,
         "criterion": "88 – 102", "unit_operation": "release"},
        {"item": "pH", "kind": "cpp", "lower": 6.8, "upper": 7.2, "criterion": "6.8 – 7.2",
         "unit_operation": "Bioreactor"}]


def _results(ph=(7.0, 7.1, 6.9, 7.05)):
    r = pd.DataFrame({"batch": LOOM.loom.map(lambda x: f"L{x}"), "item": "strength",
                      "value": LOOM.strength.astype(float)})
    p = pd.DataFrame({"batch": [f"L{i}" for i in range(1, 5)], "item": "pH", "value": ph})
    return pd.concat([r, p], ignore_index=True)


def test_loom_variance_components_and_ppk():
    ev = evaluate_ppq(_results(), CRIT, batches=["L1", "L2", "L3", "L4"])
    s = next(i for i in ev.items if i["item"] == "strength")
    # Montgomery Example 3.11: σ̂²_τ = 6.96, σ̂² = 1.90
    assert round(s["sd_between"] ** 2, 2) == 6.96 and round(s["sd_within"] ** 2, 2) == 1.90
    assert s["passed"] and s["batches_passed"] == 4 and ev.passed
    values = LOOM.strength.to_numpy(float)
    sd = values.std(ddof=1)
    expected = min(values.mean() - 88, 102 - values.mean()) / (3 * sd)
    assert s["ppk"] == pytest.approx(expected)
    assert (s["ppk_lower"], s["ppk_upper"]) == pytest.approx(bissell_interval(expected, 16))
    ph = next(i for i in ev.items if i["item"] == "pH")
    assert ph["ppk"] is None and ph["sd_within"] is None  # 4 values < 10; one per batch
    lim = next(c for c in ev.cpv_limits if c["item"] == "strength")
    assert lim["preliminary"] and lim["ucl"] == pytest.approx(values.mean() + 3 * s["sd_total"])
    assert ev.conclusion_text("en")[0].startswith("All 4 batches meet")
    assert "全部 4 个批次" in ev.conclusion_text("zh")[0]


def test_failing_batch_and_missing_item():
    ev = evaluate_ppq(_results(ph=(7.0, 7.3, 6.9, 7.05)), [*CRIT, {"item": "HCP", "kind": "cqa", "lower": None, "upper": 100, "criterion": "≤ 100"}])
    ph = next(i for i in ev.items if i["item"] == "pH")
    assert not ph["passed"] and ph["batches_passed"] == 3 and not ev.passed
    assert next(i for i in ev.items if i["item"] == "HCP")["result"] == "not tested"
    text = " ".join(ev.conclusion_text("en"))
    assert "L2" in text and "HCP: no PPQ results" in text
    bad = [c for c in ev.checks if not c["passed"]]
    assert [(c["batch"], c["item"], c["n_outside"]) for c in bad] == [("L2", "pH", 1)]


def test_unknown_batch_and_item_name_rows():
    r = _results()
    r["_row"] = np.arange(2, len(r) + 2)
    r.loc[3, "batch"] = "X9"
    r.loc[5, "item"] = "colour"
    with pytest.raises(QbdInputError) as err:
        evaluate_ppq(r, CRIT, batches=["L1", "L2", "L3", "L4"], file="res.csv")
    got = {(p.row, p.column) for p in err.value.problems}
    assert got == {(5, "batch"), (7, "item")}
    assert all(p.file == "res.csv" for p in err.value.problems)
