"""The vectorised portfolio engine equals the single chart; the CPV review flags what its
limits say (disposition, new signals, bad limits)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from qbdkit.core.spc import control_chart, cpv_review, imr_portfolio
from qbdkit.errors import QbdInputError


def test_portfolio_equals_single_charts_with_missing_values():
    rng = np.random.default_rng(5)
    X = rng.normal(10, 1, (20, 120))
    X[:, 60:] += rng.normal(0, 1.5, (20, 1))
    X[rng.random(X.shape) < 0.05] = np.nan
    pc = imr_portfolio(X, baseline=40)
    for i in range(20):
        obs = np.flatnonzero(~np.isnan(X[i]))
        c = control_chart(X[i, obs], chart="imr", baseline=40)
        assert pc.center[i] == pytest.approx(c.center) and pc.sigma[i] == pytest.approx(c.sigma)
        for s in c.signals:
            key = "mr" if s.chart == "dispersion" else s.rule
            assert obs[s.points].tolist() == np.flatnonzero(pc.flags[key][i]).tolist()
        for rule in ("nelson2", "nelson5", "nelson6"):
            if rule not in {s.rule for s in c.signals}:
                assert not pc.flags[rule][i].any()


def _data():
    rows = []
    for b in range(25):
        rows.append({"batch": f"B{b:02d}", "item": "titer", "value": 5.0 + 0.1 * np.sin(b),
                     "time": f"2024-01-{b + 1:02d}"})
        rows.append({"batch": f"B{b:02d}", "item": "temp", "value": 37.0 + 0.05 * np.cos(b),
                     "time": f"2024-01-{b + 1:02d}"})
    rows[2 * 20]["value"] = 7.0  # titer of B20 far out
    rows[2 * 22 + 1]["value"] = 38.5  # temp of B22 outside PAR
    return pd.DataFrame(rows)


def _limits():
    return pd.DataFrame([
        {"item": "titer", "kind": "CQA", "lsl": 4.0, "usl": 6.0},
        {"item": "temp", "kind": "CPP", "par_low": 36.0, "par_high": 38.0, "nor_low": 36.5,
         "nor_high": 37.5},
    ])


def test_review_disposition_and_new_signals():
    r = cpv_review(_data(), _limits(), since="2024-01-15", baseline=20)
    disp = {d["batch"]: d for d in r.disposition}
    assert disp["B20"]["oos"] == ["titer"] and disp["B20"]["status"] == "OOS"
    assert "titer" in disp["B20"]["oot"]
    assert disp["B22"]["outside_par"] == ["temp"] and disp["B22"]["outside_nor"] == ["temp"]
    assert disp["B22"]["status"] == "PAR excursion"
    assert disp["B03"]["status"] == "ok"
    sig = [s for s in r.signals if s["item"] == "titer" and s["rule"] == "nelson1"]
    assert [s["batch"] for s in sig] == ["B20"] and sig[0]["new"]
    rows = {row["item"]: row for row in r.summary_rows}
    assert rows["titer"]["oos"] == 1 and rows["titer"]["status"] == "OOS"
    assert rows["temp"]["outside_par"] == 1 and rows["temp"]["cpk"] is None
    old = cpv_review(_data(), _limits(), since="B21", baseline=20)
    assert not [s for s in old.signals if s["batch"] == "B20" and s["new"]]
    assert "CPV review" in r.summary()


def test_review_bad_limits_and_since():
    bad = _limits()
    bad.loc[0, "usl"] = 3.0
    with pytest.raises(QbdInputError, match="wrong order") as e:
        cpv_review(_data(), bad, limits_file="lim.csv")
    assert (e.value.first.file, e.value.first.row) == ("lim.csv", 2)
    with pytest.raises(QbdInputError, match="unknown batch or date"):
        cpv_review(_data(), _limits(), since="yesterday")
    bad = _limits()
    bad.loc[1, "kind"] = "XYZ"
    with pytest.raises(QbdInputError, match="unknown item kind"):
        cpv_review(_data(), bad)
