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


def test_portfolio_with_given_centre_and_sigma_equals_single_charts():
    # known/handed-over limits: the same as control_chart(center=, sigma=), whose known-value
    # limits are checked against the published examples in test_charts.py; NaN = estimate
    rng = np.random.default_rng(11)
    X = rng.normal(10, 1, (6, 40))
    centre = np.array([10.0, np.nan, 9.5, 10.2, np.nan, 10.0])
    sigma = np.array([1.1, np.nan, 0.8, 1.0, np.nan, 0.9])
    pc = imr_portfolio(X, baseline=20, center=centre, sigma=sigma)
    for i in range(6):
        known = not np.isnan(centre[i])
        c = control_chart(X[i], chart="imr", baseline=20,
                          center=centre[i] if known else None,
                          sigma=sigma[i] if known else None)
        assert pc.center[i] == pytest.approx(c.center)
        assert pc.sigma[i] == pytest.approx(c.sigma)
        assert pc.ucl[i] == pytest.approx(c.ucl[0]) and pc.lcl[i] == pytest.approx(c.lcl[0])
        flagged = sorted({p for s in c.signals if s.chart != "dispersion" for p in s.points})
        ours = sorted({int(j) for r, f in pc.flags.items() if r != "mr"
                       for j in np.flatnonzero(f[i])})
        assert ours == flagged


def test_review_with_given_limits_and_initial_limits():
    lim = _limits().assign(center=[5.0, np.nan], sigma=[0.05, np.nan],
                           initial_lcl=[4.8, 36.9], initial_ucl=[5.2, 37.1])
    r = cpv_review(_data(), lim, baseline=20)
    titer = next(i for i in r.items if i.item == "titer")
    temp = next(i for i in r.items if i.item == "temp")
    assert (titer.limits, titer.center, titer.sigma) == ("given", 5.0, 0.05)
    assert titer.ucl == pytest.approx(5.15) and titer.lcl == pytest.approx(4.85)
    assert temp.limits == "estimated" and temp.initial == [36.9, 37.1]
    assert any("given limits" in n for n in r.notes)
    row = next(s for s in r.summary_rows if s["item"] == "titer")
    assert (row["limits"], row["initial_lcl"], row["initial_ucl"]) == ("given", 4.8, 5.2)
    with pytest.raises(QbdInputError, match="sigma"):
        cpv_review(_data(), _limits().assign(center=[5.0, 1.0], sigma=[0.0, 1.0]))
