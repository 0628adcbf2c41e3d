"""Design evaluation.

References: JMP D-/A-efficiency definitions (100·|X'X|^(1/p)/n, 100·p/(n·tr(X'X)⁻¹)) equal 100
for orthogonal ±1 designs; Montgomery (9th ed.) §8.2: in the 2^(3-1) design with I = ABC the
estimate of A estimates A + BC (alias coefficient 1); VIFs checked against statsmodels'
``variance_inflation_factor`` (independent implementation); single-degree-of-freedom power
checked against the equivalent two-sided noncentral t test (scipy.stats.nct).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.outliers_influence import variance_inflation_factor

from qbdkit.core.doe.design import build_model, evaluate_design, make_design, make_space


def space(k):
    return make_space([{"name": n, "low": -1, "high": 1} for n in "ABCDEFGHJK"[:k]])


def test_orthogonal_designs_are_100_percent_efficient():
    d = make_design(space(3), "full", model="interaction", randomize=False)
    assert d.d_efficiency == pytest.approx(100)
    assert d.a_efficiency == pytest.approx(100)
    assert d.g_efficiency == pytest.approx(100)
    assert d.max_vif == pytest.approx(1)
    pb = make_design(make_space([{"name": f"X{i}", "low": 0, "high": 1} for i in range(11)]), "pb")
    assert pb.d_efficiency == pytest.approx(100)


def test_alias_of_half_fraction():
    sp = space(3)
    coded = np.array([[-1, -1, 1], [1, -1, -1], [-1, 1, -1], [1, 1, 1]], dtype=float)  # C = AB (I = ABC)
    ev = evaluate_design(sp, coded, "linear")
    assert ev.aliases["A"] == {"B:C": 1.0}
    assert ev.aliases["B"] == {"A:C": 1.0}
    assert ev.aliases["C"] == {"A:B": 1.0}
    assert ev.word_length_pattern == [1.0]
    assert ev.resolution == 3


def test_vif_matches_statsmodels():
    rng = np.random.default_rng(3)
    sp = space(3)
    coded = rng.uniform(-1, 1, (20, 3))
    ev = evaluate_design(sp, coded, "quadratic")
    x = build_model(sp, "quadratic").matrix(coded)
    for i, col in enumerate(build_model(sp, "quadratic").columns):
        if col == "Intercept":
            continue
        assert ev.vif[col] == pytest.approx(variance_inflation_factor(x, i), rel=1e-9)


def test_power_single_df_equals_noncentral_t():
    d = make_design(space(3), "full", model="linear", replicates=2, randomize=False)
    ev = evaluate_design(d.space, d.coded_array, "linear", effect_size=0.8, sigma=1.2, alpha=0.05)
    n, p = 16, 4
    ncp = 0.8 / (1.2 * np.sqrt(1 / n))  # c_jj = 1/n for an orthogonal ±1 design
    df = n - p
    t = stats.t.ppf(0.975, df)
    expected = stats.nct.sf(t, df, ncp) + stats.nct.cdf(-t, df, ncp)
    assert ev.power["A"] == pytest.approx(expected, rel=1e-8)


def test_power_increases_with_effect_and_runs():
    sp = space(3)
    small = make_design(sp, "full", model="linear")
    big = make_design(sp, "full", model="linear", replicates=3)
    assert big.evaluation.power["A"] > small.evaluation.power["A"]
    ev1 = evaluate_design(sp, big.coded_array, "linear", effect_size=0.5)
    ev2 = evaluate_design(sp, big.coded_array, "linear", effect_size=1.0)
    assert ev2.power["A"] > ev1.power["A"]


def test_fds_curve_bounds_for_two_by_two():
    """f'(X'X)⁻¹f = (1 + x1² + x2²)/4 for the 2² factorial, main-effects model: in [0.25, 0.75]."""
    sp = space(2)
    coded = np.array([[-1, -1], [1, -1], [-1, 1], [1, 1]], dtype=float)
    ev = evaluate_design(sp, coded, "linear")
    v = np.array(ev.fds_variance)
    assert np.all(np.diff(v) >= 0)
    assert v[0] >= 0.25 - 1e-12 and v[-1] <= 0.75 + 1e-12
    # median of (1 + U1² + U2²)/4, U uniform(−1, 1): Monte-Carlo reference, tolerance 0.01
    rng = np.random.default_rng(0)
    u = rng.uniform(-1, 1, (200000, 2))
    assert v[10] == pytest.approx(np.median((1 + (u**2).sum(1)) / 4), abs=0.01)


def test_not_estimable_is_reported():
    sp = space(4)
    d = make_design(sp, "fractional", runs=8, model="linear")
    ev = evaluate_design(sp, d.coded_array, "interaction")
    assert not ev.estimable
    assert ev.d_efficiency is None and ev.max_vif is None


def test_correlation_map_shape_and_symmetry():
    d = make_design(space(4), "fractional", runs=8)
    ev = d.evaluation
    r = np.array(ev.correlation, dtype=float)
    assert r.shape == (len(ev.correlation_labels),) * 2
    assert np.allclose(r, r.T, equal_nan=True)
    i, j = ev.correlation_labels.index("A:B"), ev.correlation_labels.index("C:D")
    assert r[i, j] == pytest.approx(1.0)  # AB = CD in the 2^(4-1) design with D = ABC
