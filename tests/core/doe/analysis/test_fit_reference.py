"""Fitting checked against published references.

- Montgomery, Design and Analysis of Experiments (8th ed.), Example 6.2: effects and sums of
  squares (Table 6.12), Lenth's PSE/ME/SME (§6.5), the reduced model's JMP output (Table 6.15).
  Tolerances: the book prints 4–6 significant figures; we compare to that rounding.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from qbdkit.core.doe.analysis import fit_response, reduce_model

DATA = Path(__file__).parents[3] / "data" / "doe"
ANS = json.loads((DATA / "montgomery_ex6_2_answers.json").read_text())["montgomery_ex6_2_filtration_2x4"]
COLS = {"A": "A_temperature", "B": "B_pressure", "C": "C_formaldehyde_conc", "D": "D_stirring_rate"}


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return pd.read_csv(DATA / "montgomery_ex6_2_filtration_2x4.csv")


def _term(label: str) -> str:
    return ":".join(COLS[ch] for ch in label)


def test_effects_sums_of_squares_and_lenth(frame):
    fit = fit_response(frame, None, "filtration_rate ~ A_temperature*B_pressure*C_formaldehyde_conc*D_stirring_rate")
    eff = dict(zip(fit.effects.terms, fit.effects.effects, strict=True))
    ss = dict(zip(fit.effects.terms, fit.effects.sum_of_squares, strict=True))
    pc = dict(zip(fit.effects.terms, fit.effects.percent_contribution, strict=True))
    for label, value in ANS["Table_6_12_effects"].items():
        assert eff[_term(label)] == pytest.approx(value, abs=1e-9)
    for label, value in ANS["Table_6_12_sum_of_squares"].items():
        assert ss[_term(label)] == pytest.approx(value, rel=5e-6)  # book rounds to 6 figures
    for label, value in ANS["Table_6_12_percent_contribution"].items():
        assert pc[_term(label)] == pytest.approx(value, rel=5e-5)
    lenth = ANS["Lenth_method_effect_scale"]
    assert fit.effects.s0 == pytest.approx(lenth["s0"], abs=1e-12)
    assert fit.effects.pse == pytest.approx(lenth["PSE"], abs=1e-12)
    assert fit.effects.me == pytest.approx(lenth["ME"], abs=0.005)  # book: 2.571 × 2.625 = 6.75
    assert fit.effects.sme == pytest.approx(lenth["SME"], abs=0.05)  # book prints 13.7
    big = {h["term"] for h in fit.effects.half_normal if h["significant"]}
    assert big == {_term(x) for x in ("A", "C", "D", "AC", "AD")}
    # the half-normal quantiles increase with |effect|
    q = [h["quantile"] for h in fit.effects.half_normal]
    assert q == sorted(q)
    assert fit.anova[-1].ss == pytest.approx(ANS["SS_total"], rel=1e-12)


def test_reduced_model_matches_jmp_table_6_15(frame):
    full = fit_response(frame, "filtration_rate",
                        "~ A_temperature*C_formaldehyde_conc*D_stirring_rate")
    # Table 6.13: projected 2^3 in A, C, D with two replicates
    proj = ANS["Table_6_13_ANOVA_projected_2x3_in_A_C_D_two_replicates"]
    rows = {r.source: r for r in full.anova}
    for label in ("A", "C", "D", "AC", "AD", "CD", "ACD"):
        assert rows[_term(label)].ss == pytest.approx(proj[label]["SS"], abs=0.006)
    assert rows["Residual"].ss == pytest.approx(179.5, abs=1e-9)  # exact pure error (note in answers)
    red = reduce_model(full, frame, alpha=0.05)
    ref = ANS["reduced_model_A_C_D_AC_AD_JMP_Table_6_15"]
    coef = dict(zip(red.terms, red.params, strict=True))
    names = {"Intercept": "Intercept", "A_Temperature": "A_temperature", "D_StirringRate": "D_stirring_rate",
             "C_Concentration": "C_formaldehyde_conc", "AD": _term("AD"), "AC": _term("AC")}
    assert set(coef) == set(names.values())
    for k, v in ref["coefficients_coded"].items():
        assert coef[names[k]] == pytest.approx(v, abs=1e-10)
    for se in red.bse:
        assert se == pytest.approx(ref["coef_std_error"], rel=1e-6)
    assert red.r2 == pytest.approx(ref["RSquare"], abs=1e-6)
    assert red.r2_adj == pytest.approx(ref["RSquare_Adj"], abs=1e-6)
    assert red.rmse == pytest.approx(ref["RMSE"], rel=1e-6)
    model = next(r for r in red.anova if r.source == "Model")
    assert model.ss == pytest.approx(ref["ANOVA"]["Model"]["SS"], rel=1e-12)
    assert model.f == pytest.approx(ref["ANOVA"]["Model"]["F"], rel=1e-5)
    assert red.df_resid == ref["ANOVA"]["Error"]["df"]
    lof = ref["Lack_of_fit"]
    assert red.lack_of_fit.df_lack_of_fit == lof["LOF"]["df"]
    assert red.lack_of_fit.ss_lack_of_fit == pytest.approx(lof["LOF"]["SS"], rel=1e-10)
    assert red.lack_of_fit.ss_pure_error == pytest.approx(lof["Pure_error"]["SS"], rel=1e-10)
    assert red.lack_of_fit.f == pytest.approx(lof["LOF"]["F"], abs=5e-5)
    assert red.lack_of_fit.p == pytest.approx(lof["LOF"]["p"], abs=5e-5)
    fitted = red.fitted
    for a, b in zip(fitted, ref["fitted_values_std_order"], strict=True):
        assert a == pytest.approx(b, abs=0.006)
