"""Curvature test from centre points against Montgomery, DAE 8th ed., §6.8, Example 6.7
(tests/data/doe/README.md)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from qbdkit.core.doe.analysis import FactorSpec, analyze, curvature_test


def _data(data_dir):
    return pd.read_csv(data_dir / "doe" / "montgomery_ex6_7_curvature.csv")


def test_montgomery_example_6_7(data_dir):
    d = _data(data_dir)
    coded = np.column_stack([(d["Time (min)"] - 35) / 5, (d["Temperature (°F)"] - 155) / 5])
    res = curvature_test(coded, d["Yield"].to_numpy(), "Yield")
    assert res.n_factorial == 4 and res.n_center == 5
    assert res.mean_factorial == pytest.approx(40.425, abs=5e-4)
    assert res.mean_center == pytest.approx(40.46, abs=5e-3)
    assert res.ss_curvature == pytest.approx(0.0027, abs=5e-5)
    assert res.ms_pure_error == pytest.approx(0.0430, abs=5e-5)
    assert res.df_pure_error == 4
    assert res.f == pytest.approx(0.063, abs=5e-4)
    assert not res.significant and res.p > 0.5


def test_through_analyze_with_main_effects_ss(data_dir):
    d = _data(data_dir)
    specs = [FactorSpec("Time (min)", low=30, high=40), FactorSpec("Temperature (°F)", low=150,
                                                                      high=160)]
    res = analyze(d, ["Yield"], "interaction", factors=specs)
    assert res.curvature["Yield"].ss_curvature == pytest.approx(0.0027, abs=5e-5)
    anova = {r.source: r.ss for r in res.responses[0].anova}
    assert anova["Time (min)"] == pytest.approx(2.4025, abs=5e-5)
    assert anova["Temperature (°F)"] == pytest.approx(0.4225, abs=5e-5)
    assert anova["Time (min):Temperature (°F)"] == pytest.approx(0.0025, abs=5e-5)
    assert res.coding[0]["from"] == "factor definitions"


def test_not_a_two_level_design_with_centre_points():
    coded = np.array([[-1, -1], [1, -1], [-1, 1], [1, 1], [1.41, 0], [0, 0], [0, 0]])
    assert curvature_test(coded, np.arange(7.0)) is None          # an axial run
    assert curvature_test(coded[:5], np.arange(5.0)) is None      # no centre runs
    assert curvature_test(np.array([[-1], [1], [0]]), np.arange(3.0)) is None  # one centre run
