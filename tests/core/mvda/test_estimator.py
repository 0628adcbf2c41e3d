"""PCA/PLS as scikit-learn estimators and result objects (issue 17, item 3 and defects 1, 4, 5)."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.base import clone

from qbdkit.core import mvda
from qbdkit.core.mvda import PCA, PLS, NotFittedError, PCASummary, PLSSummary
from qbdkit.errors import QbdInputError


def _data(seed: int = 0, n: int = 20) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    t = rng.normal(size=(n, 2))
    X = t @ rng.normal(size=(2, 5)) + 0.2 * rng.normal(size=(n, 5))
    return pd.DataFrame(X, columns=list("abcde"))


def test_clone_from_get_params_gives_the_same_model():
    m = PCA(2, scale="pareto", t2_convention="simca")
    c = clone(m)
    assert c.get_params() == m.get_params()
    X = _data()
    np.testing.assert_allclose(c.fit(X).scores_, m.fit(X).scores_)
    assert clone(PLS(1, scale_y="none")).get_params()["scale_y"] == "none"


def test_short_repr_and_not_fitted_error():
    assert repr(PCA(2, scale="pareto")) == "PCA(n_components=2, scale='pareto')"
    with pytest.raises(NotFittedError, match="not fitted"):
        PCA(2).transform(_data())
    with pytest.raises(QbdInputError):  # still an input error for the CLI (exit 2)
        PCA(2).summary()


def test_fitted_model_has_summary_to_dict_and_html():
    m = PCA(2).fit(_data())
    assert m.summary().startswith("PCA: 20 observations × 5 variables, 2 component(s)")
    d = m.to_dict()
    assert d["n_components"] == 2 and d["t2_convention"] == "tym"
    assert "<pre>" in m._repr_html_()
    frame = m.result().to_frame()
    assert list(frame["component"]) == ["PC1", "PC2"]


def test_pca_and_pls_modules_are_callable_and_still_modules():
    import qbdkit.core.mvda.pca as pca_module
    from qbdkit.core.mvda.pls import PLS as PLS2

    assert pca_module.PCA is PCA and PLS2 is PLS
    df = _data().assign(batch=[f"B{i}" for i in range(20)])
    res = mvda.pca(df, 2)
    assert isinstance(res, PCASummary) and res.observations[0] == "B0"
    assert "batch" not in res.variables
    res2 = mvda.pls(df, "e", 1)
    assert isinstance(res2, PLSSummary) and res2.responses == ["e"]
    assert repr(res).startswith("PCASummary(n_components=2")


def test_duplicate_observation_ids_are_refused_with_rows():
    df = _data().assign(batch=[f"B{i}" for i in range(19)] + ["B3"])
    with pytest.raises(QbdInputError, match=r"duplicate observation id \(also on row 4\)"):
        mvda.pca(df, 2)
    with pytest.raises(QbdInputError, match="duplicate"):
        PCA(2).fit(_data()).result(ids=["x"] * 20)


def test_two_text_columns_ask_which_is_the_id():
    df = _data().assign(batch=[f"B{i}" for i in range(20)], site=["A"] * 20)
    with pytest.raises(QbdInputError, match="several text columns"):
        mvda.pca(df, 2)
    assert mvda.pca(df.drop(columns="site"), 2, id_column="batch").observations[1] == "B1"


def test_autofit_refuses_a_component_that_does_not_improve_q2():
    # seed 6: the earlier rule (first PRESS minimum) kept component 2 with Q² = −1.28
    rng = np.random.default_rng(6)
    t = rng.normal(size=(12, 1))
    X = t @ rng.normal(size=(1, 6)) + rng.normal(size=(12, 6)) * 0.4
    m = PCA("auto").fit(X)
    assert m.n_components_ == 1
    assert all(q > 0.05 for q in m.q2_)
    steps = m.autofit_
    assert steps[0]["kept"] and "significant" in steps[0]["reason"]
    assert not steps[1]["kept"] and steps[1]["q2"] < 0 and "not significant" in steps[1]["reason"]
    assert "component 2: not kept" in m.summary()


def test_simca_t2_convention_and_ellipse_label():
    X = _data()
    tym = PCA(2).fit(X)
    simca = PCA(2, t2_convention="simca").fit(X)
    n = 20
    f = stats.f.ppf(0.95, 2, n - 2)
    assert simca.t2_limit(0.95) == pytest.approx(2 * (n - 1) / (n - 2) * f, rel=1e-12)
    assert simca.t2_limit(0.95, new=False) == simca.t2_limit(0.95, new=True)
    # SIMCA's limit is the prediction limit without the (n + 1)/n factor
    assert tym.t2_limit(0.95, new=True) == pytest.approx(simca.t2_limit(0.95) * (n + 1) / n)
    res = simca.result(new=X.iloc[:3])
    assert res.t2_ellipse["judges"] == "new" and res.t2_ellipse["exact"]
    assert res.t2_ellipse["limit"] == pytest.approx(res.projected.t2_limit["0.95"])
    assert "SIMCA" in res.summary()
    # the ellipse of a plot of projected runs is the limit they are judged by
    res_tym = tym.result(new=X.iloc[:3])
    assert res_tym.t2_ellipse["limit"] == pytest.approx(res_tym.projected.t2_limit["0.95"])
    assert tym.result().t2_ellipse["limit"] == pytest.approx(tym.result().t2_limit["0.95"])
    with pytest.raises(QbdInputError, match="convention"):
        PCA(2, t2_convention="jmp").fit(X)


def test_summary_round_trips_through_from_dict():
    res = PCA(2).fit(_data()).result(new=_data(1).iloc[:4])
    back = PCASummary.from_dict(res.to_dict())
    assert back.to_dict() == res.to_dict()
    assert isinstance(back.scores, np.ndarray) and back.scores.shape == (20, 2)
