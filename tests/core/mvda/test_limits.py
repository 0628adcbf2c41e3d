"""Limit formulas against printed statistical tables and exact distributions.

Table values (4 significant figures as printed in Montgomery, *Introduction to
Statistical Quality Control*, appendix tables of the F and χ² distributions;
the same values in any F/χ² table): F(0.95; 2, 13) = 3.81, F(0.95; 2, 12) = 3.89,
F(0.95; 4, 120) = 2.45, χ²(0.95; 1) = 3.841, χ²(0.95; 10) = 18.307.
Tolerances follow the printed precision.
"""

from __future__ import annotations

import numpy as np
import pytest

from qbdkit.core.mvda import (
    PCA,
    dmodx_limit,
    spe_limit_box,
    spe_limit_jackson_mudholkar,
    t2_limit_new,
    t2_limit_training,
)


def test_t2_new_observation_f_form():
    # A(n²-1)/(n(n-A)) F(A, n-A) with A=2, n=15 (Tracy, Young & Mason 1992)
    expected = 2 * (15**2 - 1) / (15 * 13) * 3.81
    assert t2_limit_new(2, 15, 0.95) == pytest.approx(expected, rel=0.005 / 3.81)


def test_t2_training_beta_form_equals_f_form():
    # (n-1)²/n · B(A/2, (n-A-1)/2) = (n-1)²/n · A·F/(n-A-1+A·F), F = F(A, n-A-1)
    f = 3.89
    expected = 14**2 / 15 * 2 * f / (12 + 2 * f)
    assert t2_limit_training(2, 15, 0.95) == pytest.approx(expected, rel=0.003)


def test_spe_box_moments():
    # m = 2, v = 8 → g = 2, h = 1 → 2·χ²(0.95; 1) = 7.682
    assert spe_limit_box(np.array([0.0, 4.0]), 0.95) == pytest.approx(2 * 3.841, rel=2e-4)


def test_spe_jackson_mudholkar_equal_eigenvalues_is_chi_square():
    # 10 residual eigenvalues of 1: SPE ~ χ²(10); JM reduces to the Wilson–Hilferty approximation
    assert spe_limit_jackson_mudholkar(np.ones(10), 0.95) == pytest.approx(18.307, rel=0.003)


def test_spe_jackson_mudholkar_against_exact_weighted_chi_square():
    """Unequal eigenvalues: JM vs the quantile of Σλ_j χ²_1 (Monte Carlo, 2·10⁵ seeded
    draws, quantile SE < 0.4 %). JM is an approximation: with 20 geometrically decaying
    eigenvalues it is within 1.5 %; it degrades when a few eigenvalues dominate (then the
    default Box limit is preferred)."""
    lam = 0.9 ** np.arange(20)
    rng = np.random.default_rng(1)
    q = np.sum(lam * rng.chisquare(1, size=(200_000, lam.size)), axis=1)
    exact = np.quantile(q, [0.95, 0.99])
    jm = [spe_limit_jackson_mudholkar(lam, a) for a in (0.95, 0.99)]
    np.testing.assert_allclose(jm, exact, rtol=0.015)


def test_dmodx_limit():
    # sqrt(F(0.95; K-A, (n-A-1)(K-A))) with K=6, A=2, n=33 → sqrt(F(4, 120)) = sqrt(2.45)
    assert dmodx_limit(2, 33, 6, 0.95) == pytest.approx(np.sqrt(2.45), rel=0.003)


def test_limits_undefined_without_degrees_of_freedom():
    assert np.isnan(t2_limit_training(2, 3))
    assert np.isnan(t2_limit_new(3, 3))
    assert np.isnan(dmodx_limit(4, 10, 4))


def test_new_observation_t2_coverage_full_rank():
    """With A = K the T² of a new normal observation follows the F form exactly:
    95 % of new observations fall inside (Monte Carlo, 1500 seeded repetitions,
    binomial SE 0.56 %; tolerance 2 %, 3.5 SE)."""
    rng = np.random.default_rng(11)
    n, k = 20, 3
    cov = np.array([[1.0, 0.6, 0.2], [0.6, 1.0, 0.3], [0.2, 0.3, 1.0]])
    L = np.linalg.cholesky(cov)
    inside = 0
    reps = 1500
    for _ in range(reps):
        X = rng.normal(size=(n + 1, k)) @ L.T
        m = PCA(k, scale="none", cross_validate=False).fit(X[:n])
        d = m.diagnose(X[n:])
        inside += int(d.t2[0] <= d.t2_limit["0.95"])
    assert inside / reps == pytest.approx(0.95, abs=0.02)
