"""Canonical analysis, ridge analysis and steepest ascent against R rsm's ChemReact example
(Lenth 2009, J. Stat. Softw. 32(7); data and values in tests/data/doe/README.md)."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from qbdkit.core.doe.analysis import FactorSpec, fit_response
from qbdkit.core.doe.analysis.rsm import canonical_analysis, ridge_analysis, steepest_ascent
from qbdkit.errors import QbdInputError

DATA = Path(__file__).parents[3] / "data" / "doe"
FACTORS = [FactorSpec("Time", low=80, high=90), FactorSpec("Temp", low=170, high=180)]


@pytest.fixture(scope="module")
def fit():
    d = pd.read_csv(DATA / "chemreact.csv")
    return fit_response(d, "Yield", "quadratic", factors=FACTORS, block="Block")


def test_canonical_analysis_matches_rsm(fit):
    c = canonical_analysis(fit)
    assert c.kind == "maximum" and c.inside_region
    assert c.stationary_point_coded["Time"] == pytest.approx(0.3722954, abs=5e-7)
    assert c.stationary_point_coded["Temp"] == pytest.approx(0.3343802, abs=5e-7)
    assert c.stationary_point["Time"] == pytest.approx(86.86148, abs=5e-5)
    assert c.stationary_point["Temp"] == pytest.approx(176.67190, abs=5e-5)
    assert all(v < 0 for v in c.eigenvalues) and c.eigenvalues == sorted(c.eigenvalues)[::-1]
    d = c.to_dict()
    assert set(d["stationary_point"]) == {"Time", "Temp"} and len(d["eigenvalues"]) == 2
    # B w = λ w for each eigenvector (columns)
    W = np.array(c.eigenvectors)
    np.testing.assert_allclose(np.array(c.B) @ W, W * np.array(c.eigenvalues), atol=1e-12)


def test_ridge_path_is_the_best_point_on_each_circle(fit):
    path = ridge_analysis(fit, [0.5, 1.0, 1.5])
    ang = np.linspace(0, 2 * np.pi, 20001)
    c = canonical_analysis(fit)
    b, B = np.array(c.b), np.array(c.B)
    for r, y in zip(path.distance, path.predicted, strict=True):
        X = r * np.column_stack([np.cos(ang), np.sin(ang)])
        best = np.max(X @ b + np.einsum("ij,jk,ik->i", X, B, X))
        assert y - fit.params[0] == pytest.approx(best, abs=1e-6)
    # inside the stationary radius the ridge goes to the stationary point
    small = ridge_analysis(fit, [0.5])
    xs = np.array(list(c.stationary_point_coded.values()))
    assert np.linalg.norm(xs) < 0.51
    assert small.predicted[0] <= c.predicted + 1e-9


def test_steepest_ascent_follows_the_first_order_coefficients():
    import itertools

    d = pd.DataFrame(list(itertools.product([20, 40], [1, 3])), columns=["A", "B"])
    d["y"] = [10.0, 14.1, 12.0, 16.1]  # A effect 1.0, B effect 2.05 (coded)
    fit = fit_response(d, "y", "linear", factors=[FactorSpec("A", low=20, high=40),
                                                  FactorSpec("B", low=1, high=3)])
    path = steepest_ascent(fit, steps=3, step=1.0)
    x = path.coded[1]
    assert x["B"] / x["A"] == pytest.approx(2.05 / 1.0)  # ratio of the coefficients
    assert path.actual[0] == {"A": 30.0, "B": 2.0}
    assert path.predicted == sorted(path.predicted)
    with pytest.raises(QbdInputError, match="square or interaction"):
        canonical_analysis(fit)
