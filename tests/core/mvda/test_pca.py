"""PCA against published numbers and independent implementations.

Sources:
* Wold, Esbensen & Geladi (1987), Chemometr. Intell. Lab. Syst. 2:37-52, pp. 40, 43
  (``tests/data/multivariate/wold1987_pca``; the first test observation's t1 is
  ±0.2705, the stored −0.2075 is a transcription typo, see its ``answers.json``).
* scikit-learn ``PCA`` on complete data (scores and loadings equal up to sign).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.decomposition import PCA as SkPCA

from qbdkit.core.mvda import PCA
from qbdkit.errors import QbdInputError

WOLD = Path(__file__).parents[2] / "data" / "multivariate" / "wold1987_pca"


def _published():
    return json.loads((WOLD / "answers.json").read_text())["wold1987_pca"]["published"]


def _latent(n=60, k=12, r=3, noise=0.3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, r)) @ rng.normal(size=(r, k)) + noise * rng.normal(size=(n, k))


def test_wold_1987_published_values():
    pub = _published()
    X = pd.read_csv(WOLD / "X.csv")
    m = PCA(2, scale="uv").fit(X)
    np.testing.assert_allclose(m.mean_, pub["column_means"], atol=1e-12)
    np.testing.assert_allclose(1.0 / m.scale_, pub["scaling_multipliers_1_over_sd"], atol=1e-12)
    # published to 4 significant decimals: tolerance half a unit in the last digit
    np.testing.assert_allclose(m.loadings_[:, 0], pub["loadings_p1"], atol=6e-4)
    np.testing.assert_allclose(m.loadings_[:, 1], pub["loadings_p2"], atol=6e-4)
    np.testing.assert_allclose(m.scores_[:, 0], pub["scores_t1"], atol=6e-4)
    np.testing.assert_allclose(m.scores_[:, 1], pub["scores_t2"], atol=6e-4)
    np.testing.assert_allclose(m.explained_r2x_, pub["R2_per_component"], atol=6e-4)
    m1 = PCA(1).fit(X)
    np.testing.assert_allclose(np.sum(m1.residuals_**2, axis=0),
                               pub["residual_SS_per_variable_after_1_PC"], atol=6e-4)
    Xt = pd.read_csv(WOLD / "X_test.csv")
    np.testing.assert_allclose(m.preprocess(Xt), pub["X_test_preprocessed"], atol=1e-12)
    expected = np.array(pub["X_test_scores_as_transcribed"])
    expected[0, 0] = -0.2705  # the flagged typo (-0.2075)
    np.testing.assert_allclose(m.transform(Xt), expected, atol=6e-4)


def test_wold_rank_two_third_component_explains_nothing():
    X = pd.read_csv(WOLD / "X.csv")
    m = PCA(2, cross_validate=False).fit(X)
    assert m.r2x_cum_[-1] == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("shape", [(80, 10), (400, 12), (15, 60)])  # svd, tall eigh, wide eigh
@pytest.mark.parametrize("scale", ["uv", "none"])
def test_matches_scikit_learn_up_to_sign(shape, scale):
    n, k = shape
    X = _latent(n, k, r=4)
    m = PCA(4, scale=scale, cross_validate=False).fit(X)
    Xs = (X - X.mean(0)) / (X.std(0, ddof=1) if scale == "uv" else 1.0)
    sk = SkPCA(4, svd_solver="full").fit(Xs)
    T = sk.transform(Xs)
    sign = np.sign(np.sum(T * m.scores_, axis=0))
    np.testing.assert_allclose(m.scores_, T * sign, atol=1e-8 * np.abs(T).max())
    np.testing.assert_allclose(m.loadings_, sk.components_.T * sign, atol=1e-8)
    np.testing.assert_allclose(m.score_var_, sk.explained_variance_, rtol=1e-9)
    np.testing.assert_allclose(m.explained_r2x_, sk.explained_variance_ratio_, rtol=1e-9)


def test_nipals_converges_to_svd_without_missing_values():
    X = _latent(70, 9, r=3)
    s = PCA(3, method="svd", cross_validate=False).fit(X)
    nip = PCA(3, method="nipals", cross_validate=False).fit(X)
    np.testing.assert_allclose(nip.scores_, s.scores_, atol=1e-8)
    np.testing.assert_allclose(nip.loadings_, s.loadings_, atol=1e-9)
    np.testing.assert_allclose(nip.explained_r2x_, s.explained_r2x_, atol=1e-12)
    np.testing.assert_allclose(nip.spe_, s.spe_, atol=1e-8)


def test_nipals_with_few_missing_values_stays_close_to_complete_model():
    X = _latent(200, 10, r=2, noise=0.05)
    Xm = X.copy()
    rng = np.random.default_rng(3)
    Xm[rng.random(X.shape) < 0.03] = np.nan
    full = PCA(2, cross_validate=False).fit(X)
    miss = PCA(2, cross_validate=False).fit(Xm)
    assert miss.method_ == "nipals"
    # loadings of a well-determined 2-component model barely move with 3 % missing
    assert np.abs(np.abs(miss.loadings_) - np.abs(full.loadings_)).max() < 0.02
    assert abs(miss.r2x_cum_[-1] - full.r2x_cum_[-1]) < 0.01


def test_missing_value_scores_projection_to_model_plane():
    """PMP (Nelson, Taylor & MacGregor 1996): an observation lying exactly in the model
    plane is recovered exactly from any subset of ≥ A observed variables."""
    X = _latent(50, 8, r=2)
    m = PCA(2, cross_validate=False).fit(X)
    t = np.array([[1.5, -0.7]])
    x = m.inverse_transform(t)
    x[0, [0, 3, 5]] = np.nan
    np.testing.assert_allclose(m.transform(x), t, atol=1e-10)


def test_auto_components_finds_true_rank():
    X = _latent(60, 12, r=3, noise=0.2)
    m = PCA("auto").fit(X)
    assert m.n_components_ == 3
    assert np.all(m.q2_ > 0)
    assert np.all(np.diff(m.q2_cum_) > 0)
    assert m.q2_all_[3] < 0  # fourth (noise) component does not predict


def test_q2_below_r2():
    X = _latent(40, 8, r=2)
    m = PCA(3).fit(X)
    assert np.all(m.q2_cum_ <= m.r2x_cum_ + 1e-12)


def test_drops_constant_and_all_missing_columns():
    X = pd.DataFrame(_latent(20, 4, r=2), columns=list("abcd"))
    X["const"] = 5.0
    X["empty"] = np.nan
    m = PCA(2).fit(X)
    assert m.dropped_ == {"const": "constant", "empty": "all missing"}
    assert m.variables_ == list("abcd")
    assert m.transform(X).shape == (20, 2)  # the dropped columns are ignored
    assert m.transform(X.to_numpy()).shape == (20, 2)


def test_fewer_observations_than_components():
    with pytest.raises(QbdInputError, match="fewer observations"):
        PCA(5).fit(_latent(4, 10))


def test_mismatched_variables():
    X = pd.DataFrame(_latent(20, 4), columns=list("abcd"))
    m = PCA(2).fit(X)
    with pytest.raises(QbdInputError, match="missing from the new data") as e:
        m.transform(X.drop(columns=["c"]))
    assert e.value.first.column == "c"


def test_non_numeric_cell():
    X = pd.DataFrame({"a": ["1", "2", "x", "4"], "b": [1.0, 2.0, 3.0, 5.0]})
    with pytest.raises(QbdInputError) as e:
        PCA(1).fit(X)
    assert (e.value.first.row, e.value.first.column, e.value.first.found) == (3, "a", "x")


def test_svd_refuses_missing():
    X = _latent(20, 4)
    X[0, 0] = np.nan
    with pytest.raises(QbdInputError, match="SVD needs complete data"):
        PCA(2, method="svd").fit(X)


def test_pareto_and_weights():
    X = _latent(30, 5)
    m = PCA(2, scale="pareto", weights=[1, 2, 1, 1, 0.5], cross_validate=False).fit(X)
    np.testing.assert_allclose(m.scale_, np.sqrt(X.std(0, ddof=1)))
    Xs = (X - X.mean(0)) / np.sqrt(X.std(0, ddof=1)) * np.array([1, 2, 1, 1, 0.5])
    np.testing.assert_allclose(m.preprocess(X), Xs)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), a=st.integers(1, 4))
def test_contributions_add_up(seed, a):
    X = _latent(25, 6, r=3, seed=seed)
    m = PCA(a, cross_validate=False).fit(X)
    d = m.diagnose()
    np.testing.assert_allclose(m.contributions_t2().sum(1), d.t2, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(m.contributions_spe().sum(1), d.spe, rtol=1e-8, atol=1e-10)
    new = X[:5] * 1.3
    dn = m.diagnose(new)
    np.testing.assert_allclose(m.contributions_t2(new).sum(1), dn.t2, rtol=1e-8, atol=1e-10)
    # T² of the training scores averages A(n-1)/n (identity of the score variances)
    assert d.t2.mean() == pytest.approx(a * 24 / 25, rel=1e-9)


def test_training_diagnostics_equal_projection_of_training_data():
    X = _latent(30, 6)
    m = PCA(2, cross_validate=False).fit(X)
    d0, d1 = m.diagnose(), m.diagnose(X)
    np.testing.assert_allclose(d0.scores, d1.scores, atol=1e-10)
    np.testing.assert_allclose(d0.spe, d1.spe, atol=1e-10)
    assert d0.t2_limit["0.95"] < d1.t2_limit["0.95"]  # beta (training) < F (new)
    assert set(d0.t2_limit) == {"0.95", "0.99"}


def test_dmodx_definition():
    """SIMCA DModX (pcaMethods ``DModX`` documents the same formula)."""
    X = _latent(30, 6)
    n, k, a = 30, 6, 2
    m = PCA(a, cross_validate=False).fit(X)
    E = m.residuals_
    s0 = np.sqrt(np.sum(E**2) / ((n - a - 1) * (k - a)))
    si = np.sqrt(np.sum(E**2, axis=1) / (k - a))
    np.testing.assert_allclose(m.dmodx_, si / s0 * np.sqrt(n / (n - a - 1)))


def test_accelerated_nipals_has_the_plain_nipals_fixed_point():
    """Anderson acceleration changes the path, not the answer (10 % missing, close eigenvalues)."""
    from qbdkit.core.mvda.pca import nipals_pca

    rng = np.random.default_rng(5)
    X = rng.normal(size=(300, 6)) * np.linspace(2.0, 1.6, 6) @ np.linalg.qr(
        rng.normal(size=(15, 6)))[0].T + 0.3 * rng.normal(size=(300, 15))
    X[rng.random(X.shape) < 0.10] = np.nan
    Xs = (X - np.nanmean(X, 0)) / np.nanstd(X, 0, ddof=1)
    T1, P1, it1 = nipals_pca(Xs, 4, tol=1e-13)
    T0, P0, it0 = nipals_pca(Xs, 4, tol=1e-13, memory=0)
    np.testing.assert_allclose(P1, P0, atol=1e-9)
    np.testing.assert_allclose(T1, T0, atol=1e-8)
    assert it1.sum() < it0.sum()


@pytest.mark.parametrize("peer,tol_p,tol_t", [("process_improve", 1e-9, 1e-8), ("pyphi", 1e-6, 1e-5)])
def test_nipals_with_missing_values_matches_independent_implementations(peer, tol_p, tol_t):
    """NIPALS on 10 % missing data vs pyphi-mvda and process-improve (stored outputs,
    tests/data/multivariate/nipals_missing). Tolerances follow each peer's convergence
    rule (process-improve tol 1e-12 on t; pyphi 1e-10 on the change of ‖t‖, i.e. ~1e-5
    on the direction)."""
    folder = WOLD.parent / "nipals_missing"
    ref = json.loads((folder / "reference.json").read_text())[peer]
    X = pd.read_csv(folder / "X.csv")
    assert X.isna().to_numpy().mean() > 0.05
    m = PCA(3, cross_validate=False).fit(X)
    assert m.method_ == "nipals"
    P, T = np.array(ref["P"]), np.array(ref["T"])
    sign = np.sign(np.sum(P * m.loadings_, axis=0))
    np.testing.assert_allclose(m.loadings_, P * sign, atol=tol_p)
    np.testing.assert_allclose(m.scores_, T * sign, atol=tol_t)
    np.testing.assert_allclose(m.explained_r2x_, ref["r2x"], atol=tol_p)


def test_limits_match_process_improve():
    """Box/Nomikos–MacGregor SPE limit and the F-form T² limit vs process-improve 2.2.0
    (stored; it reports SPE on the square-root scale, so its limit is squared here)."""
    folder = WOLD.parent / "nipals_missing"
    ref = json.loads((folder / "reference.json").read_text())["process_improve"]
    m = PCA(3, cross_validate=False).fit(pd.read_csv(folder / "X.csv"))
    for c in ("0.95", "0.99"):
        assert m.spe_limit(float(c)) == pytest.approx(ref["spe_limit_sqrt_scale"][c] ** 2, rel=1e-8)
        assert m.t2_limit(float(c), new=True) == pytest.approx(
            ref["hotellings_t2_limit_A3_n60"][c], rel=1e-12)


def test_ekf_press_equals_brute_force_element_wise_prediction():
    """The closed form (x_j − x̂_j)/(1 − h_j) equals predicting each left-out element
    from the other observed elements of its row by least squares on the fold model's
    loadings (Bro et al. 2008, ekf), computed here element by element."""
    X = _latent(28, 6, r=2, seed=8)
    X[3, 2] = np.nan
    X[10, 0] = np.nan
    m = PCA(2, method="nipals", cv_groups=7).fit(X)
    n = len(X)
    gid = np.arange(n) % 7
    press = np.zeros(2)
    for g in range(7):
        tr, te = gid != g, gid == g
        mu = np.nanmean(X[tr], axis=0)
        sd = np.nanstd(X[tr], axis=0, ddof=1)
        fold = PCA(2, method="nipals", cross_validate=False).fit(X[tr])
        for x in (X[te] - mu) / sd:
            for a in (1, 2):
                P = fold.loadings_[:, :a]
                for j in np.flatnonzero(~np.isnan(x)):
                    others = ~np.isnan(x)
                    others[j] = False
                    t = np.linalg.lstsq(P[others], x[others], rcond=None)[0]
                    press[a - 1] += (x[j] - P[j] @ t) ** 2
    np.testing.assert_allclose(m.press_, press, rtol=1e-9)
