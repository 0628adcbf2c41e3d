"""`qbdkit doe analyze | predict | reassess`: fit DoE results, predict, re-assess parameter classes.

Thin: parse options, call :mod:`qbdkit.core.doe.analysis`, render. Input is the
filled run sheet of ``qbdkit doe design`` (contract C) or any CSV/XLSX.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import typer

from qbdkit.cli.common import JSON_OPTION, emit, info
from qbdkit.errors import QbdInputError

RESPONSE_OPTION = typer.Option([], "--response", "-r",
                               help="Response column (repeat for several); default: the formula's left side.")
MODEL_OPTION = typer.Option("quadratic", "--model", "-m",
                            help='linear | interaction | quadratic | a formula such as "Y ~ A + B + A:B + I(A**2)".')
CODING_OPTION = typer.Option("coded", "--coding", help="coded (−1…+1 factors) or actual units.")
FACTORS_OPTION = typer.Option(None, "--factors",
                              help="Comma-separated factor columns (default: the factors sheet, else designed-looking columns).")
ALPHA_OPTION = typer.Option(0.05, "--alpha", help="Significance level (reduction, intervals, CPP tests).")
REDUCE_OPTION = typer.Option(False, "--reduce", help="Hierarchical backward elimination at --alpha.")
TRANSFORM_OPTION = typer.Option([], "--transform",
                                help='Response transform "Y=log" (log, sqrt, inverse or a power λ); repeatable.')
ANOVA_OPTION = typer.Option("III", "--anova-type", help="Sums of squares: I (sequential), II or III (partial).")


def _factors(text: str | None) -> list[str] | None:
    if not text:
        return None
    return [f.strip() for f in text.split(",") if f.strip()]


def _transforms(items: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for it in items:
        if "=" not in it:
            raise QbdInputError("cannot read --transform", column="transform",
                                expected="NAME=log|sqrt|inverse|λ", found=it)
        name, val = it.rsplit("=", 1)
        out[name.strip()] = val.strip()
    return out


def _analysis(file: Path, response: list[str], model: str, coding: str, factors: str | None,
              reduce: bool, alpha: float, anova_type: str, transform: list[str]):
    from qbdkit.core.doe.analysis import analyze_file

    result = analyze_file(file, response, model, factors=_factors(factors), coding=coding,
                          reduce=reduce, alpha=alpha, anova_type=anova_type,
                          transforms=_transforms(transform))
    for fit in result.responses:
        if fit.dropped_rows:
            info(f"{fit.response}: {len(fit.dropped_rows)} row(s) without a response value dropped "
                 f"(rows {', '.join(map(str, fit.dropped_rows))}); fitted on {fit.nobs} runs")
    return result


def analyze(
    file: Path = typer.Argument(..., help="Filled run sheet or any CSV/XLSX."),
    response: list[str] = RESPONSE_OPTION,
    model: str = MODEL_OPTION,
    coding: str = CODING_OPTION,
    factors: str | None = FACTORS_OPTION,
    reduce: bool = REDUCE_OPTION,
    alpha: float = ALPHA_OPTION,
    anova_type: str = ANOVA_OPTION,
    transform: list[str] = TRANSFORM_OPTION,
    out: Path | None = typer.Option(None, "--out", help="Write an HTML report here."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Fit a model per response: coefficients (SE, t, p, VIF), ANOVA, R², Q², lack of fit, diagnostics."""
    result = _analysis(file, response, model, coding, factors, reduce, alpha, anova_type, transform)
    if out is not None:
        from qbdkit.report.doe_analysis import analysis_page

        out.write_text(analysis_page(result), encoding="utf-8")
        info(f"report written to {out}")
    emit(result, as_json)


def _settings(at: list[str], points: Path | None) -> pd.DataFrame:
    from qbdkit.io import read_table

    if points is not None:
        if at:
            raise QbdInputError("give either --at or --points, not both", column="at")
        return read_table(points).frame
    if not at:
        raise QbdInputError("no setting given", column="at",
                            expected='--at "FACTOR=value" for every factor, or --points FILE')
    row: dict[str, float] = {}
    for it in at:
        for part in it.split(";"):
            if not part.strip():
                continue
            if "=" not in part:
                raise QbdInputError("cannot read --at", column="at", expected="FACTOR=value", found=part)
            name, val = part.rsplit("=", 1)
            try:
                row[name.strip()] = float(val)
            except ValueError:
                row[name.strip()] = val.strip()  # a categorical level
    return pd.DataFrame([row])


def predict(
    file: Path = typer.Argument(..., help="Filled run sheet or any CSV/XLSX."),
    response: list[str] = RESPONSE_OPTION,
    model: str = MODEL_OPTION,
    coding: str = CODING_OPTION,
    factors: str | None = FACTORS_OPTION,
    reduce: bool = REDUCE_OPTION,
    alpha: float = ALPHA_OPTION,
    transform: list[str] = TRANSFORM_OPTION,
    at: list[str] = typer.Option([], "--at", help='A factor setting "FACTOR=value" (repeat; actual units).'),
    points: Path | None = typer.Option(None, "--points", help="CSV/XLSX of settings, one per row."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Predicted mean with confidence and prediction intervals at any setting."""
    from qbdkit.core.doe.analysis import predict as predict_core

    result = _analysis(file, response, model, coding, factors, reduce, alpha, "III", transform)
    emit(predict_core(result.responses, _settings(at, points), alpha=alpha), as_json)


def reassess(
    file: Path = typer.Argument(..., help="Filled run sheet or any CSV/XLSX."),
    spec: list[str] = typer.Option([], "--spec", help='CQA specification "Y<=3", "Y>=90", "5<=Y<=11" (repeat).'),
    performance: list[str] = typer.Option([], "--performance",
                                          help='Process-performance limit "Titer>=4" (repeat).'),
    model: str = MODEL_OPTION,
    coding: str = CODING_OPTION,
    factors: str | None = FACTORS_OPTION,
    reduce: bool = REDUCE_OPTION,
    alpha: float = ALPHA_OPTION,
    setpoint: str | None = typer.Option(None, "--setpoint", help='"A=1,B=2" (default: design centre).'),
    relevant: float = typer.Option(10.0, "--relevant", help="Effect ≥ this % of the spec counts."),
    high_risk: float = typer.Option(25.0, "--high-risk", help="Effect ≥ this % of the spec is high risk."),
    out: Path | None = typer.Option(None, "--out", help="Write an HTML report here."),
    as_json: bool = JSON_OPTION,
) -> None:
    """CPP re-assessment: each parameter's effect as % of each spec, significance, CPP/WC-CPP/KPP/GPP."""
    from qbdkit.core.doe.analysis import parse_specification, reassess_parameters

    specs = [parse_specification(s, "cqa") for s in spec] + [parse_specification(s, "performance") for s in performance]
    if not specs:
        raise QbdInputError("no specification given", column="spec",
                            expected='--spec "CQA<=limit" (and/or --performance)')
    responses = list(dict.fromkeys(s.response for s in specs))
    result = _analysis(file, responses, model, coding, factors, reduce, alpha, "III", [])
    sp: dict[str, float] = {}
    if setpoint:
        for part in setpoint.split(","):
            if "=" not in part:
                raise QbdInputError("cannot read --setpoint", column="setpoint", expected="A=1,B=2",
                                    found=part)
            k, v = part.rsplit("=", 1)
            try:
                sp[k.strip()] = float(v)
            except ValueError:
                raise QbdInputError("not a number", column="setpoint", expected="a number",
                                    found=v) from None
    # the response names as found in the file (matching ignores case and spaces)
    found = dict(zip(responses, (f.response for f in result.responses), strict=True))
    specs = [type(s)(found[s.response], s.lower, s.upper, s.kind) for s in specs]
    assessment = reassess_parameters(result.responses, specs, setpoint=sp, factors=result.factors,
                                     alpha=alpha, relevant=relevant, high_risk=high_risk)
    if out is not None:
        from qbdkit.report.doe_analysis import analysis_page

        out.write_text(analysis_page(result, assessment), encoding="utf-8")
        info(f"report written to {out}")
    emit(assessment, as_json)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the ``qbdkit doe`` app."""
    app.command("analyze")(analyze)
    app.command("predict")(predict)
    app.command("reassess")(reassess)
