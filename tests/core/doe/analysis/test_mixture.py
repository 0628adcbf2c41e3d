"""Scheffé mixture fits against Cornell's yarn-elongation example (tests/data/doe/README.md)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from qbdkit.core.doe.analysis.mixture import analyze_mixture
from qbdkit.errors import QbdInputError

DATA = Path(__file__).parents[3] / "data" / "doe" / "cornell_yarn_elongation.csv"
COMPONENTS = ["Polyethylene", "Polystyrene", "Polypropylene"]
#: Cornell (2002) §2.7 / Montgomery DAE Example 11.5: published Scheffé quadratic, one decimal
PUBLISHED = {"Polyethylene": 11.7, "Polystyrene": 9.4, "Polypropylene": 16.4,
             "Polyethylene*Polystyrene": 19.0, "Polyethylene*Polypropylene": 11.4,
             "Polystyrene*Polypropylene": -9.6}


def test_yarn_elongation_quadratic_reproduces_cornell():
    frame = pd.read_csv(DATA)
    res = analyze_mixture(frame, COMPONENTS, ["Elongation"], "scheffe-quadratic", file=DATA.name)
    fit = res.fits[0]
    got = {c.term: c.coef for c in fit.coefficients}
    assert set(got) == set(PUBLISHED)
    for term, value in PUBLISHED.items():
        assert round(got[term], 1) == pytest.approx(value, abs=1e-9), term
    anova = {a.source: a for a in fit.anova}
    # no-intercept mixture degrees of freedom: model p − 1 = 5, residual n − p = 9, total n − 1 = 14
    assert (anova["model"].df, anova["residual"].df, anova["total"].df) == (5, 9, 14)
    # saturated in the six blends: residual = pure error of the replicates (6.56, hand arithmetic)
    assert anova["residual"].ss == pytest.approx(6.56, abs=1e-9)
    y = frame["Elongation"].to_numpy()
    sst = float(((y - y.mean()) ** 2).sum())
    assert anova["total"].ss == pytest.approx(sst)
    assert fit.r2 == pytest.approx(1 - 6.56 / sst)
    assert fit.r2_adj == pytest.approx(1 - (6.56 / 9) / (sst / 14))
    assert anova["model"].f == pytest.approx(((sst - 6.56) / 5) / (6.56 / 9))


def test_linear_model_has_lack_of_fit_row():
    frame = pd.read_csv(DATA)
    fit = analyze_mixture(frame, COMPONENTS, ["Elongation"], "linear").fits[0]
    anova = {a.source: a for a in fit.anova}
    assert anova["lack of fit"].df == 3 and anova["pure error"].df == 9
    assert anova["pure error"].ss == pytest.approx(6.56)
    assert anova["lack of fit"].ss + anova["pure error"].ss == pytest.approx(anova["residual"].ss)


def test_percent_total_gives_the_same_coefficients():
    frame = pd.read_csv(DATA)
    pct = frame.copy()
    pct[COMPONENTS] = pct[COMPONENTS] * 100
    a = analyze_mixture(frame, COMPONENTS, ["Elongation"]).fits[0]
    b = analyze_mixture(pct, COMPONENTS, ["Elongation"], total=100).fits[0]
    assert np.allclose([c.coef for c in a.coefficients], [c.coef for c in b.coefficients])


def test_row_not_adding_to_total_is_named():
    frame = pd.read_csv(DATA)
    frame.loc[4, "Polystyrene"] = 0.6
    with pytest.raises(QbdInputError) as err:
        analyze_mixture(frame, COMPONENTS, ["Elongation"], file="yarn.csv", rows=list(range(2, 17)))
    p = err.value.problems[0]
    assert p.row == 6 and "add to 1" in p.message and p.found == "1.1"


def test_too_small_design_refused():
    frame = pd.read_csv(DATA).iloc[:6]
    with pytest.raises(QbdInputError, match="cannot be estimated"):
        analyze_mixture(frame, COMPONENTS, ["Elongation"], "special-cubic")


@pytest.mark.parametrize(("design", "model"), [("lattice33", "cubic"), ("centroid", "special-cubic")])
def test_cubic_models_recover_known_coefficients(design, model):
    """The {3, 3} lattice supports the full cubic and the simplex centroid the special cubic
    (Cornell §2.5, §2.10): a response made from known coefficients (plus replicated noise-free
    centre) is fitted back exactly."""
    from qbdkit.core.doe.analysis.mixture import fit_scheffe
    from qbdkit.core.doe.design.mixture import scheffe_matrix, simplex_centroid, simplex_lattice

    x = simplex_lattice(3, 3) if design == "lattice33" else simplex_centroid(3)
    x = np.vstack([x, x[:3]])                      # replicate three blends for residual df
    beta = np.arange(1.0, scheffe_matrix(x[:1], model).shape[1] + 1)
    y = scheffe_matrix(x, model) @ beta + np.r_[np.zeros(len(x) - 3), [0.01, -0.01, 0.02]]
    fit = fit_scheffe(x, y, ["A", "B", "C"], model)
    assert [c.coef for c in fit.coefficients] == pytest.approx(list(beta), abs=0.2)
    assert fit.anova[0].df == len(beta) - 1
