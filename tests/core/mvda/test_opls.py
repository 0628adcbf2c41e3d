"""OPLS (Trygg & Wold 2002) against an independent implementation and the published
equivalence with PLS; R²/Q² as SIMCA reports them; autofit reasons; bad input.

References (tests/data/multivariate/README.md, ``opls/``): pyopls 20.3.post1 run once on
``data.csv`` (orthogonal scores and weights, fitted y, R²Y) — agreement to 1e-10; Trygg &
Wold 2002 §3 (OPLS with 1 + A_o components predicts as PLS with 1 + A_o) — agreement to
1e-10 for fitted y, coefficients, R²X(cum), R²Y(cum) and SIMCA's Q² per component and
Q²(cum) of :class:`qbdkit.core.mvda.PLS`.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from qbdkit.core.mvda import PLS
from qbdkit.core.mvda.opls import OPLS, OplsResult
from qbdkit.errors import QbdInputError

DATA = Path(__file__).parents[2] / "data" / "multivariate" / "opls"


@pytest.fixture(scope="module")
def data():
    df = pd.read_csv(DATA / "data.csv")
    return df.drop(columns="y"), df["y"], json.loads((DATA / "reference.json").read_text())


@pytest.mark.parametrize("a", [1, 2])
def test_against_pyopls(data, a):
    X, y, ref = data
    m = OPLS(a).fit(X, y)
    r = ref[str(a)]
    np.testing.assert_allclose(np.abs(m.T_o_), r["orthogonal_scores_abs"], atol=1e-10)
    np.testing.assert_allclose(np.abs(m.W_o_), r["orthogonal_weights_abs"], atol=1e-10)
    np.testing.assert_allclose(m.fitted_, r["fitted"], atol=1e-10)
    assert m.r2y_cum_ == pytest.approx(r["r2y"], abs=1e-12)


@pytest.mark.parametrize("a", [0, 1, 2, 3])
def test_predicts_as_pls_with_as_many_components(data, a):
    X, y, _ = data
    o = OPLS(a).fit(X, y)
    p = PLS(1 + a).fit(X, y.to_frame())
    np.testing.assert_allclose(o.fitted_, p.predict(X)[:, 0], atol=1e-10)
    np.testing.assert_allclose(o.coef_, p.coef_[:, 0], atol=1e-10)
    new = X.iloc[:5] * 1.1
    np.testing.assert_allclose(o.predict(new), p.predict(new)[:, 0], atol=1e-10)
    assert o.r2x_cum_ == pytest.approx(p.r2x_cum_[-1], abs=1e-10)
    assert o.r2y_cum_ == pytest.approx(p.r2y_cum_[-1], abs=1e-10)
    np.testing.assert_allclose(o.q2_, p.q2_, atol=1e-10)
    assert o.q2_cum_ == pytest.approx(p.q2_cum_[-1], abs=1e-10)


def test_orthogonality_and_r2x_parts(data):
    X, y, _ = data
    m = OPLS(2).fit(X, y)
    ys = (y.to_numpy() - y.mean()) / y.std(ddof=1)
    assert np.abs(m.T_o_.T @ ys).max() < 1e-10  # orthogonal scores carry nothing of y
    assert np.abs(m.W_o_.T @ m.w_).max() < 1e-10
    assert np.abs(m.T_o_.T @ m.t_).max() < 1e-8
    assert m.r2x_.sum() == pytest.approx(m.r2x_cum_)
    # the two strong y-orthogonal directions of the data dominate X: O1 explains more than P1
    assert m.r2x_[1] > m.r2x_[0]


def test_autofit_keeps_the_orthogonal_components_and_says_why(data):
    X, y, _ = data
    m = OPLS("auto").fit(X, y)
    steps = m.autofit_
    assert steps[0]["component"] == "P1" and steps[0]["kept"]
    assert [s["kept"] for s in steps[1:]] == [True] * m.n_orthogonal_ + [False]
    assert "rule 1" in steps[-1]["reason"] and m.n_orthogonal_ >= 1
    assert PLS("auto").fit(X, y.to_frame()).n_components_ == 1 + m.n_orthogonal_


def test_result_round_trip_contributions_and_limits(data):
    X, y, _ = data
    m = OPLS(2, t2_convention="simca").fit(X, y)
    res = m.result(new=X.iloc[:3] + 0.5, new_ids=["N1", "N2", "N3"], observed=y)
    again = OplsResult.from_dict(res.to_dict())
    assert again.to_dict() == res.to_dict()
    assert res.t2_ellipse["judges"] == "new" and "SIMCA" in res.t2_ellipse["label"]
    c_t2, c_spe = m.contributions()
    np.testing.assert_allclose(c_t2.sum(axis=1), m.t2_, rtol=1e-10)
    np.testing.assert_allclose(c_spe.sum(axis=1), m.spe_, rtol=1e-10)
    assert "R²X(cum)" in res.summary() and "O2" in res.summary()


def test_bad_input(data):
    X, y, _ = data
    with pytest.raises(QbdInputError, match="constant response"):
        OPLS(1).fit(X, np.ones(len(y)))
    Xm = X.copy()
    Xm.iloc[3, 2] = np.nan
    with pytest.raises(QbdInputError) as exc:
        OPLS(1).fit(Xm, y)
    assert exc.value.problems[0].row == 4 and exc.value.problems[0].column == "x3"
    with pytest.raises(QbdInputError):
        OPLS(50).fit(X, y)
