"""Model comparison and stepwise selection. AICc/BIC cross-checked with statsmodels' OLS
log-likelihood (AIC = −2 log L + 2p there, σ not counted; JMP counts it: k = p + 1)."""

import itertools

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from qbdkit.core.doe.analysis.compare import _contains, compare_models, stepwise


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(4)
    d = pd.DataFrame(list(itertools.product([-1, 0, 1], repeat=3)), columns=list("ABC"))
    d["y"] = (10 + 2 * d.A - 1.5 * d.B + 1.2 * d.A * d.B - 2 * d.A ** 2
              + rng.normal(scale=0.4, size=len(d)))
    return d


def test_information_criteria_agree_with_statsmodels(data):
    res = compare_models(data, "y", ["linear", "quadratic"])
    for row, f in zip(res.rows, ["y ~ A + B + C", "y ~ (A + B + C)**2 + I(A**2) + I(B**2) + "
                                 "I(C**2)"], strict=True):
        sm = smf.ols(f, data).fit()
        n, k = len(data), sm.df_model + 2
        assert row.aicc == pytest.approx(sm.aic + 2 + 2 * k * (k + 1) / (n - k - 1), rel=1e-10)
        assert row.bic == pytest.approx(sm.bic + np.log(n), rel=1e-10)
        assert row.r2_adj == pytest.approx(sm.rsquared_adj, rel=1e-10)
    assert res.best_aicc == "quadratic"
    assert list(res.to_frame()["model"]) == ["linear", "quadratic"]


@pytest.mark.parametrize("direction", ["forward", "backward", "mixed"])
@pytest.mark.parametrize("criterion", ["p", "aicc"])
def test_stepwise_keeps_hierarchy_and_the_real_terms(data, direction, criterion):
    res = stepwise(data, "y", direction=direction, criterion=criterion)
    for t in res.terms:
        assert all(s in res.terms for s in ("A", "B", "C") if f"`{s}`" != t and s in t), t
    assert {"A", "B", "A:B", "I(A**2)"} <= set(res.terms)
    assert res.steps and res.final is not None


def test_containment_rule():
    assert _contains("`A`:`B`", "`A`") and _contains("I(`A`**2)", "`A`")
    assert not _contains("`A`", "`A`") and not _contains("`A`:`B`", "`C`")
