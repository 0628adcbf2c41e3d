"""Degenerate fits and messages (issue 17, defects 2 and 7).

NIST StRD Wampler1 (tests/data/nist): certified residual SD 0 and R² 1 — an exact fit, so
F and p are undefined (NIST certifies no finite F). Montgomery Example 6.2 (2⁴ filtration,
tests/data/doe) gives the two-level data.
"""

import itertools
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from qbdkit.core.doe.analysis import fit_response, reduce_model
from qbdkit.errors import QbdInputError

DATA = Path(__file__).parents[3] / "data"


def _two_level(k: int = 3) -> pd.DataFrame:
    return pd.DataFrame(list(itertools.product([-1, 1], repeat=k)), columns=list("ABC")[:k])


def test_constant_response_is_refused():
    d = _two_level().assign(y=5.0)
    with pytest.raises(QbdInputError, match="the response is constant"):
        fit_response(d, "y", "linear")


def test_exact_fit_has_undefined_statistics_not_infinite_t():
    d = _two_level().assign(y=lambda f: 10 + 2 * f["A"] - 3 * f["B"])  # C has a zero effect
    fit = fit_response(d, "y", "linear")
    assert fit.exact_fit and any("exact fit" in n for n in fit.notes)
    assert np.all(np.isnan(fit.pvalues)) and np.all(np.isnan(fit.tvalues))
    assert fit.sigma == 0.0 and np.all(fit.bse == 0)
    model_rows = [r for r in fit.anova if r.source not in ("Residual", "Total")]
    assert all(r.f is None and r.p is None for r in model_rows)
    assert fit.to_dict()["terms"][3]["p"] is None  # C: never "significant"
    assert fit.factor_test("C") == (None, 1, None)


def test_reduce_on_an_exact_fit_drops_the_zero_effects():
    d = _two_level().assign(y=lambda f: 10 + 2 * f["A"] - 3 * f["B"])
    red = reduce_model(fit_response(d, "y", "interaction"), d)
    assert set(red.terms) == {"Intercept", "A", "B"}


def test_nist_wampler1_exact_fit_note_and_no_f():
    w = pd.read_csv(DATA / "nist" / "Wampler1.csv")
    fit = fit_response(w, "y", "y ~ x + I(x**2) + I(x**3) + I(x**4) + I(x**5)", coding="actual")
    assert fit.exact_fit and fit.r2 == pytest.approx(1.0, abs=1e-12)
    np.testing.assert_allclose(fit.params, np.ones(6), rtol=1e-9)  # certified: all 1
    assert fit.anova[0].source == "Model" and fit.anova[0].f is None


def test_quadratic_on_two_levels_says_squares_cannot_be_estimated():
    d = _two_level().assign(y=np.arange(8.0) ** 1.5)
    with pytest.raises(QbdInputError, match="squares cannot be estimated from two levels"):
        fit_response(d, "y", "quadratic")


def test_screening_fit_with_few_residual_df_warns():
    d = _two_level().assign(y=[1.0, 4.2, 2.1, 7.9, 1.2, 4.0, 2.3, 8.4])
    fit = fit_response(d, "y", "y ~ A + B + C + A:B")  # 3 residual df
    assert fit.df_resid == 3
    assert any("only 3 residual df" in n for n in fit.notes)


def test_boxcox_caveat_with_few_residual_df():
    d = _two_level().assign(y=[1.0, 4.2, 2.1, 7.9, 1.2, 4.0, 2.3, 8.4])
    fit = fit_response(d, "y", "linear")
    assert fit.boxcox is not None and "only 4 residual df" in fit.boxcox.caveat
    assert "Box–Cox" in fit.summary() and "flat" in fit.summary()


def test_thousands_separator_far_from_the_column_is_noted():
    d = _two_level().assign(y=[1.0, 4.2, 2.1, 7.9, 1.2, 4.0, 2.3, 8.4])
    d["pH"] = ["7.0", "7.1", "6.9", "1,234", "7.0", "7.2", "7.1", "6.8"]
    fit = fit_response(d, "y", "y ~ A + pH", coding="actual")
    assert any("pH, row 5: '1,234' was read as 1234" in n and "write 1.234" in n
               for n in fit.notes)
    d["pH"] = ["7,000", "7,100", "6,900", "7,000", "7,000", "7,200", "7,100", "6,800"]
    assert not any("pH" in n for n in fit_response(d, "y", "y ~ A + pH", coding="actual").notes)


def test_ordinary_fit_has_no_notes():
    rng = np.random.default_rng(2)
    d = pd.concat([_two_level()] * 3, ignore_index=True)
    d["y"] = 3 + d["A"] + rng.normal(size=24)
    fit = fit_response(d, "y", "linear")
    assert not fit.exact_fit and fit.notes == () and math.isfinite(fit.pvalues[1])


def test_duplicate_run_ids_are_refused_by_analyze():
    from qbdkit.core.doe.analysis import analyze

    d = pd.concat([_two_level()] * 2, ignore_index=True)
    d["y"] = np.arange(16.0) ** 1.2
    d.insert(0, "Run", [*range(1, 16), 3])
    with pytest.raises(QbdInputError, match=r"duplicate run id \(also on row 4\)"):
        analyze(d, ["y"], "linear")
    d["Run"] = range(1, 17)  # true replicates: same settings, own ids — accepted
    assert analyze(d, ["y"], "linear").responses[0].lack_of_fit is not None
