"""More published references: prediction intervals (R), VIF (R), Box–Cox (Box & Cox 1964).

Sources and transcriptions are listed in tests/data/doe/README.md.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from qbdkit.core.doe.analysis import fit_response, predict

DATA = Path(__file__).parents[3] / "data"


def test_prediction_intervals_match_r_faithful():
    # R: predict(lm(eruptions ~ waiting, faithful), data.frame(waiting = 80), interval = ...)
    # r-tutor.com prints 4 decimals: fit 4.1762, confidence 4.1048–4.2476, prediction 3.1961–5.1564
    df = pd.read_csv(DATA / "doe" / "faithful.csv")
    for coding in ("actual", "coded"):  # the coding must not change a prediction
        fit = fit_response(df, None, "eruptions ~ waiting", coding=coding)
        row = predict([fit], {"waiting": 80}).rows[0]
        assert row["mean"] == pytest.approx(4.1762, abs=5e-5)
        assert row["ci_lower"] == pytest.approx(4.1048, abs=5e-5)
        assert row["ci_upper"] == pytest.approx(4.2476, abs=5e-5)
        assert row["pi_lower"] == pytest.approx(3.1961, abs=5e-5)
        assert row["pi_upper"] == pytest.approx(5.1564, abs=5e-5)


def test_vif_longley_matches_r():
    df = pd.read_csv(DATA / "nist" / "Longley.csv")
    fit = fit_response(df, None, "y ~ x1 + x2 + x3 + x4 + x5 + x6", coding="actual")
    vif = dict(zip(fit.terms, fit.vif, strict=True))
    # x1 GNP deflator, x2 GNP, x3 unemployed, x4 armed forces, x5 population, x6 year (NIST)
    printed = {"x1": "135.53", "x2": "1788.51", "x3": "33.619", "x4": "3.589", "x5": "399.15",
               "x6": "758.98"}
    for k, text in printed.items():
        half_unit = 0.5 * 10.0 ** -len(text.split(".")[1])  # agreement to the printed rounding
        assert abs(vif[k] - float(text)) <= half_unit, (k, vif[k], text)
    assert np.isnan(vif["Intercept"])


def test_boxcox_poison_data():
    df = pd.read_csv(DATA / "doe" / "poisons.csv")
    fit = fit_response(df, None, "time ~ C(poison) + C(treat)")
    b = fit.boxcox
    assert b.lambda_hat == pytest.approx(-0.75, abs=0.005)  # Box & Cox (1964): λ̂ ≈ −0.75
    assert b.lower < -1 < b.upper  # the reciprocal is acceptable
    assert not (b.lower <= 1 <= b.upper)  # no transform is rejected
    assert b.suggested == -1.0 and b.name == "inverse"
    # categorical factors given as numbers are categorical inside C(), not coded
    assert "C(poison)[T.2]" in fit.terms


def test_boxcox_intercept_only_agrees_with_scipy():
    # With no regressors the profile likelihood is scipy's boxcox_llf (an independent implementation)
    df = pd.read_csv(DATA / "doe" / "poisons.csv")
    fit = fit_response(df, None, "time ~ 1")
    assert fit.boxcox.lambda_hat == pytest.approx(stats.boxcox_normmax(df["time"].to_numpy(), method="mle"),
                                                  abs=1e-5)


def test_transformed_fit_back_transforms_predictions():
    df = pd.read_csv(DATA / "doe" / "poisons.csv")
    fit = fit_response(df, None, "time ~ C(poison) + C(treat)", transform="inverse")
    # the reciprocal model of Box & Cox: cell means of 1/time are additive
    pr = fit.predict(pd.DataFrame({"poison": [1], "treat": ["A"]}), "prediction")
    inv = fit_response(df.assign(rate=1 / df["time"]), "rate", "~ C(poison) + C(treat)")
    pr_rate = inv.predict(pd.DataFrame({"poison": [1], "treat": ["A"]}), "prediction")
    assert pr["mean"].iloc[0] == pytest.approx(1 / pr_rate["mean"].iloc[0], rel=1e-12)
    assert pr["lower"].iloc[0] == pytest.approx(1 / pr_rate["upper"].iloc[0], rel=1e-12)
    assert pr["upper"].iloc[0] == pytest.approx(1 / pr_rate["lower"].iloc[0], rel=1e-12)
