"""TOST, its exact power and sample size, checked against published/R values.

References (tests/data/sdm/README.md):
- R ``equivalence::tost`` on the "clinic" data, as quoted in statsmodels' test_tost.py;
- statsmodels ``ttost_ind`` (p-values to 1e-10);
- PowerTOST ``power.TOST(CV=0.3, n=40)`` = 0.8158453, ``sampleN.TOST(CV=0.3)`` = 40
  (power 0.815845) and the parallel-group example ``sampleN.TOST(logscale=FALSE,
  theta1=-0.2, theta0=-0.05, CV=0.2, design="parallel")`` = 48 (power 0.815435).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.weightstats import ttost_ind

from qbdkit.core.stats.equivalence import tost_ind, tost_power, tost_sample_size

DATA = Path(__file__).parents[2] / "data" / "sdm"


@pytest.fixture(scope="module")
def clinic() -> pd.DataFrame:
    return pd.read_csv(DATA / "clinic.csv")


def groups(clinic, var):
    g1 = clinic.loc[clinic["group"] == 1, var].to_numpy(float)
    g2 = clinic.loc[clinic["group"] == 2, var].to_numpy(float)
    return g1, g2


# R equivalence::tost output (copied from statsmodels/stats/tests/test_tost.py)
R_TOST = [
    # var, var.equal, mean_diff, se_diff, df, ci_lo, ci_hi, p_value
    ("var1", False, 0.1646666666666667, 0.2531625991083627, 26.7484787582315,
     -0.2666862980722534, 0.596019631405587, 0.04853083976236974),
    ("var1", True, 0.1646666666666667, 0.2531625991083628, 28,
     -0.2659960620757337, 0.595329395409067, 0.04827315100761467),
    ("var2", False, 0.562666666666666, 0.2149871904637392, 24.11000151062728,
     0.194916250699966, 0.930417082633366, 0.4317936812594803),
    ("var2", True, 0.562666666666666, 0.2149871904637392, 28,
     0.1969453064978777, 0.928388026835454, 0.43169347692374),
]


@pytest.mark.parametrize(("var", "equal", "diff", "se", "df", "lo", "hi", "p"), R_TOST)
def test_tost_matches_r_equivalence(clinic, var, equal, diff, se, df, lo, hi, p):
    g1, g2 = groups(clinic, var)
    r = tost_ind(g1, g2, -0.6, 0.6, alpha=0.05, equal_var=equal)
    assert r.diff == pytest.approx(diff, abs=1e-12)
    assert r.se == pytest.approx(se, rel=1e-12)
    assert r.df == pytest.approx(df, rel=1e-10)
    assert r.ci[0] == pytest.approx(lo, abs=1e-10)
    assert r.ci[1] == pytest.approx(hi, abs=1e-10)
    assert r.p_value == pytest.approx(p, abs=1e-10)
    assert r.equivalent == (p < 0.05)
    assert r.method == ("pooled" if equal else "welch")


@pytest.mark.parametrize("var", ["var1", "var2", "var3", "var4", "var5"])
@pytest.mark.parametrize("equal", [False, True])
@pytest.mark.parametrize(("low", "upp"), [(-0.6, 0.6), (-0.2, 0.9), (-1.0, 0.3)])
def test_tost_matches_statsmodels(clinic, var, equal, low, upp):
    g1, g2 = groups(clinic, var)
    p, (t1, p1, _), (t2, p2, _) = ttost_ind(g1, g2, low, upp, usevar="pooled" if equal else "unequal")
    r = tost_ind(g1, g2, low, upp, equal_var=equal)
    assert r.p_value == pytest.approx(p, abs=1e-10)
    assert r.p_lower == pytest.approx(p1, abs=1e-10)
    assert r.p_upper == pytest.approx(p2, abs=1e-10)
    assert r.t_lower == pytest.approx(t1, abs=1e-10)
    # statsmodels' upper statistic is (diff − upp)/se; ours is (upp − diff)/se
    assert r.t_upper == pytest.approx(-t2, abs=1e-10)


def test_power_matches_powertost():
    # PowerTOST power.TOST(CV = 0.3, n = 40): 2x2 crossover, se factor sqrt(2/n)·σw... see README
    sigma = math.sqrt(math.log(1 + 0.3**2))
    p = tost_power(math.log(0.95), math.log(0.8), math.log(1.25), sigma,
                   se_factor=math.sqrt(2 / 40), df=38)
    assert p == pytest.approx(0.8158453, abs=5e-8)


def test_sample_size_parallel_matches_powertost_example():
    # PowerTOST manual, sampleN.TOST example: parallel groups, original scale, limits ±0.2,
    # theta0 = −0.05, CV (= SD) 0.2: "should give n=48 (total) power=0.815435"
    ss = tost_sample_size(0.2, -0.2, 0.2, delta=-0.05, power=0.8)
    assert (ss.n_test, ss.n_ref) == (24, 24)
    assert ss.power == pytest.approx(0.815435, abs=5e-7)


def test_sample_size_matches_powertost_boundary():
    # sampleN.TOST(CV = 0.30) → n = 40 (balanced 2x2: n even): n = 38 is short of 80 %
    sigma = math.sqrt(math.log(1 + 0.3**2))
    args = (math.log(0.95), math.log(0.8), math.log(1.25), sigma)
    assert tost_power(*args, se_factor=math.sqrt(2 / 38), df=36) < 0.8
    assert tost_power(*args, se_factor=math.sqrt(2 / 40), df=38) >= 0.8


def test_power_by_simulation_parallel():
    # Monte Carlo check of the exact integral for two parallel groups (pooled TOST)
    rng = np.random.default_rng(7)
    n1, n2, sigma, delta = 8, 10, 1.0, 0.3
    reps = 20000
    x = rng.normal(delta, sigma, size=(reps, n1))
    y = rng.normal(0.0, sigma, size=(reps, n2))
    d = x.mean(1) - y.mean(1)
    sp = np.sqrt(((n1 - 1) * x.var(1, ddof=1) + (n2 - 1) * y.var(1, ddof=1)) / (n1 + n2 - 2))
    from scipy import stats

    t = stats.t.ppf(0.95, n1 + n2 - 2)
    se = sp * math.sqrt(1 / n1 + 1 / n2)
    sim = np.mean((d - t * se > -1.5) & (d + t * se < 1.5))
    exact = tost_power(delta, -1.5, 1.5, sigma, n_test=n1, n_ref=n2)
    # 4 binomial SEs
    assert abs(sim - exact) < 4 * math.sqrt(exact * (1 - exact) / reps)


def test_sample_size_is_smallest_reaching_target():
    ss = tost_sample_size(1.0, -1.0, 1.0, power=0.8)
    assert ss.power >= 0.8
    assert tost_power(0.0, -1.0, 1.0, 1.0, n_test=ss.n_test - 1, n_ref=ss.n_test - 1) < 0.8
    # the large-sample formula (Chow, Shao & Wang 2008 §3.2) is a lower bound here
    from scipy import stats

    approx = (stats.norm.ppf(0.95) + stats.norm.ppf(0.9)) ** 2 * 2
    assert ss.n_test >= math.ceil(approx)
    assert ss.n_test - math.ceil(approx) <= 2


def test_sample_size_with_reference_fixed_and_unreachable():
    ss = tost_sample_size(1.0, -1.5, 1.5, n_ref=10, power=0.9)
    assert ss.n_ref == 10 and ss.power >= 0.9
    assert tost_power(0.0, -1.5, 1.5, 1.0, n_test=ss.n_test - 1, n_ref=10) < 0.9
    # with 3 reference values and a tight margin the target is out of reach
    assert tost_sample_size(1.0, -0.5, 0.5, n_ref=3, power=0.9, n_max=500).n_test is None
    # a true difference outside the interval: never
    assert tost_sample_size(1.0, -0.5, 0.5, delta=0.7).n_test is None


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(-50, 50, allow_nan=False), min_size=2, max_size=12),
    st.lists(st.floats(-50, 50, allow_nan=False), min_size=2, max_size=12),
    st.floats(0.01, 30),
    st.booleans(),
)
def test_tost_decision_is_ci_inclusion(x, y, margin, equal):
    x, y = np.array(x), np.array(y)
    if x.std() == 0 and y.std() == 0:
        return
    r = tost_ind(x, y, -margin, margin, equal_var=equal)
    assert r.p_value == max(r.p_lower, r.p_upper)
    inside = -margin < r.ci[0] and r.ci[1] < margin
    # identical decisions except on the exact boundary
    if abs(r.p_value - 0.05) > 1e-9:
        assert r.equivalent == inside


@settings(max_examples=25, deadline=None)
@given(st.integers(3, 40), st.floats(0.8, 3.0), st.floats(-0.5, 0.5))
def test_power_increases_with_n(n, margin, delta):
    # Not true for margins ≲ 0.6 σ at n ≤ 5, where TOST power is tiny and falls with n
    # (rejection then relies on underestimating σ; a known property of TOST power).
    p1 = tost_power(delta, -margin, margin, 1.0, n_test=n, n_ref=n)
    p2 = tost_power(delta, -margin, margin, 1.0, n_test=n + 1, n_ref=n + 1)
    assert 0.0 <= p1 <= p2 + 1e-9 <= 1.0 + 1e-9
