"""PLS (NIPALS, PLS1/PLS2) against scikit-learn's PLSRegression on complete data, and
the defining identities of VIP, W*, coefficients and Q².

Reference: scikit-learn ``PLSRegression(scale=True)`` (Wold's NIPALS, the same
algorithm; tol tightened to 1e-14 so both converge to machine precision).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.cross_decomposition import PLSRegression

from qbdkit.core.mvda import PLS
from qbdkit.errors import QbdInputError


def _data(n=40, k=8, m=2, seed=1):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3)) @ rng.normal(size=(3, k)) + 0.2 * rng.normal(size=(n, k))
    B = rng.normal(size=(k, m))
    Y = X @ B * 0.3 + 0.2 * rng.normal(size=(n, m))
    return X, Y


@pytest.mark.parametrize("m", [1, 3])
def test_matches_scikit_learn(m):
    X, Y = _data(m=m)
    ours = PLS(3, cross_validate=False).fit(X, Y)
    sk = PLSRegression(3, scale=True, tol=1e-14, max_iter=5000).fit(X, Y)
    sign = np.sign(np.sum(sk.x_scores_ * ours.scores_, axis=0))
    np.testing.assert_allclose(ours.scores_, sk.x_scores_ * sign, atol=1e-7)
    np.testing.assert_allclose(ours.x_weights_, sk.x_weights_ * sign, atol=1e-7)
    np.testing.assert_allclose(ours.loadings_, sk.x_loadings_ * sign, atol=1e-7)
    np.testing.assert_allclose(ours.y_loadings_, sk.y_loadings_ * sign, atol=1e-7)
    np.testing.assert_allclose(ours.w_star_, sk.x_rotations_ * sign, atol=1e-7)
    np.testing.assert_allclose(ours.coef_, sk.coef_.T, atol=1e-7)
    np.testing.assert_allclose(ours.predict(X), sk.predict(X).reshape(len(X), -1), atol=1e-7)
    np.testing.assert_allclose(ours.transform(X), sk.transform(X) * sign, atol=1e-7)


def test_vip_squares_sum_to_number_of_variables():
    X, Y = _data(m=2)
    m = PLS(3, cross_validate=False).fit(X, Y)
    assert np.sum(m.vip_**2) == pytest.approx(X.shape[1], rel=1e-12)


def test_vip_one_component_pls1_is_scaled_weight():
    """With one component VIP_j = sqrt(K)·|w_j| (w of unit length)."""
    X, Y = _data(m=1)
    m = PLS(1, cross_validate=False).fit(X, Y)
    np.testing.assert_allclose(m.vip_, np.sqrt(X.shape[1]) * np.abs(m.x_weights_[:, 0]))


def test_r2y_and_predictions_consistent():
    X, Y = _data(m=2)
    m = PLS(3, cross_validate=False).fit(X, Y)
    Ys = (Y - Y.mean(0)) / Y.std(0, ddof=1)
    R = (Y - m.predict(X)) / Y.std(0, ddof=1)
    assert m.r2y_cum_[-1] == pytest.approx(1 - np.sum(R**2) / np.sum(Ys**2), rel=1e-10)
    np.testing.assert_allclose(m.predict(X), X @ m.coef_ + m.intercept_, atol=1e-10)


def test_cross_validation_by_hand():
    """Q² and RMSECV from an explicit 7-group loop over scikit-learn fits."""
    X, Y = _data(n=35, m=1, seed=4)
    m = PLS(2).fit(X, Y)
    n = len(X)
    gid = np.arange(n) % 7
    press = np.zeros(2)
    for a in (1, 2):
        for g in range(7):
            te = gid == g
            sk = PLSRegression(a, scale=True, tol=1e-14, max_iter=5000).fit(X[~te], Y[~te])
            press[a - 1] += np.sum((Y[te] - sk.predict(X[te]).reshape(-1, 1)) ** 2)
    np.testing.assert_allclose(m.rmsecv_all_[:, 0], np.sqrt(press / n), rtol=1e-8)
    sy2 = Y.var(ddof=1)
    rss0 = np.sum((Y - Y.mean()) ** 2) / sy2
    rss1 = np.sum((Y - PLSRegression(1, tol=1e-14).fit(X, Y).predict(X).reshape(-1, 1)) ** 2) / sy2
    np.testing.assert_allclose(m.q2_, [1 - press[0] / sy2 / rss0, 1 - press[1] / sy2 / rss1],
                               rtol=1e-7)


def test_missing_values_close_to_complete_fit():
    X, Y = _data(n=120, m=2, seed=7)
    rng = np.random.default_rng(0)
    Xm, Ym = X.copy(), Y.copy()
    Xm[rng.random(X.shape) < 0.03] = np.nan
    Ym[rng.random(Y.shape) < 0.03] = np.nan
    full = PLS(3, cross_validate=False).fit(X, Y)
    miss = PLS(3, cross_validate=False).fit(Xm, Ym)
    # the fitted response surfaces agree to a few % of the response SD
    diff = (miss.predict(X) - full.predict(X)) / Y.std(0, ddof=1)
    assert np.sqrt(np.mean(diff**2)) < 0.05
    assert abs(miss.r2y_cum_[-1] - full.r2y_cum_[-1]) < 0.02
    assert np.all(np.isfinite(miss.predict(Xm)))


def test_missing_new_observation_in_model_plane_recovered():
    X, Y = _data(m=1)
    m = PLS(2, cross_validate=False).fit(X, Y)
    t = np.array([0.8, -0.4])
    xs = t @ m.loadings_.T
    x = xs * m.scale_ / m.weights_ + m.mean_
    full = m.transform(x[None, :])
    np.testing.assert_allclose(full[0], t, atol=1e-10)


def test_auto_and_errors():
    X, Y = _data(n=40, m=1)
    assert 1 <= PLS("auto").fit(X, Y).n_components_ <= 8
    with pytest.raises(QbdInputError, match="fewer observations"):
        PLS(6).fit(X[:5], Y[:5])
    with pytest.raises(QbdInputError, match="different numbers"):
        PLS(2).fit(X, Y[:10])
    with pytest.raises(QbdInputError, match="response is constant"):
        PLS(2).fit(X, np.ones(len(X)))


def test_dataframe_names_and_dropped():
    X, Y = _data(m=1)
    df = pd.DataFrame(X, columns=[f"v{i}" for i in range(8)])
    df["flat"] = 1.0
    m = PLS(2, cross_validate=False).fit(df, pd.DataFrame({"titer": Y[:, 0]}))
    assert m.dropped_ == {"flat": "constant"}
    assert m.y_variables_ == ["titer"]
    assert m.predict(df).shape == (40, 1)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000), a=st.integers(1, 3))
def test_t2_contributions_add_up(seed, a):
    X, Y = _data(n=25, m=2, seed=seed)
    m = PLS(a, cross_validate=False).fit(X, Y)
    np.testing.assert_allclose(m.contributions_t2().sum(1), m.diagnose().t2, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(m.contributions_spe().sum(1), m.spe_, rtol=1e-8, atol=1e-10)


def test_pls2_with_missing_x_matches_process_improve():
    """NIPALS PLS2 with 8 % missing X vs process-improve 2.2.0 (stored output,
    tests/data/multivariate/pls_missing; its tolerance 1e-12)."""
    import json
    from pathlib import Path

    folder = Path(__file__).parents[2] / "data" / "multivariate" / "pls_missing"
    ref = json.loads((folder / "reference.json").read_text())["process_improve"]
    X, Y = pd.read_csv(folder / "X.csv"), pd.read_csv(folder / "Y.csv")
    assert X.isna().to_numpy().any()
    m = PLS(2, cross_validate=False).fit(X, Y)
    W = np.array(ref["W"])
    sign = np.sign(np.sum(W * m.x_weights_, axis=0))
    np.testing.assert_allclose(m.x_weights_, W * sign, atol=1e-9)
    np.testing.assert_allclose(m.scores_, np.array(ref["T"]) * sign, atol=1e-8)
    np.testing.assert_allclose(m.y_loadings_, np.array(ref["C"]) * sign, atol=1e-9)
    np.testing.assert_allclose(m.vip_, ref["vip"], atol=1e-9)
