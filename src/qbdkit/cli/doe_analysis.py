"""`qbdkit doe analyze | predict | reassess | compare`: fit DoE results, predict, re-assess
parameter classes, compare and select models.

Thin: parse options into a request of :mod:`qbdkit.services.doe` and run it (stored as a
``doe.analysis`` / ``doe.reassess`` / ``doe.compare`` record with ``--project P --as NAME``),
render. Input is the filled run sheet of ``qbdkit doe design`` (contract C; its factor
definitions: the XLSX factors sheet or the CSV's ``runs.factors.yaml`` sidecar) or any CSV/XLSX.
"""

from __future__ import annotations

from pathlib import Path

import typer

from qbdkit.cli.common import AS_OPTION, JSON_OPTION, PROJECT_OPTION, REASON_OPTION, emit
from qbdkit.cli.doe_common import (
    FACTORS_FILE_OPTION,
    names,
    notes,
    numbers,
    pairs,
    run,
    with_sidecar,
    write_page,
)
from qbdkit.errors import QbdInputError

RESPONSE_OPTION = typer.Option(
    [], "--response", "-r", help="Response column (repeat for several); default: the formula's "
    "left side, else the responses the run sheet was made with.")
MODEL_OPTION = typer.Option(
    "quadratic", "--model", "-m",
    help='linear | interaction | quadratic | a formula such as "Y ~ A + B + A:B + I(A**2)".')
CODING_OPTION = typer.Option("coded", "--coding", help="coded (−1…+1 factors) or actual units.")
FACTORS_OPTION = typer.Option(
    None, "--factors", help="Comma-separated factor columns (default: the run sheet's factor "
                            "definitions, else designed-looking columns).")
ALPHA_OPTION = typer.Option(0.05, "--alpha",
                            help="Significance level (reduction, intervals, CPP tests).")
REDUCE_OPTION = typer.Option(False, "--reduce", help="Hierarchical backward elimination at --alpha.")
TRANSFORM_OPTION = typer.Option(
    [], "--transform", help='Response transform "Y=log" (log, sqrt, inverse or a power λ); '
                            'repeatable.')
ANOVA_OPTION = typer.Option("III", "--anova-type",
                            help="Sums of squares: I (sequential), II or III (partial).")


def _transforms(items: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for it in items:
        if "=" not in it:
            raise QbdInputError("cannot read --transform", column="transform",
                                expected="NAME=log|sqrt|inverse|λ", found=it)
        name, val = it.rsplit("=", 1)
        out[name.strip()] = val.strip()
    return out


def analyze(
    file: Path = typer.Argument(..., help="Filled run sheet or any CSV/XLSX."),
    response: list[str] = RESPONSE_OPTION,
    model: str = MODEL_OPTION,
    coding: str = CODING_OPTION,
    factors: str | None = FACTORS_OPTION,
    factors_file: Path | None = FACTORS_FILE_OPTION,
    reduce: bool = REDUCE_OPTION,
    alpha: float = ALPHA_OPTION,
    anova_type: str = ANOVA_OPTION,
    transform: list[str] = TRANSFORM_OPTION,
    canonical: bool = typer.Option(False, "--canonical", help="Canonical analysis of each "
                                   "second-order model: stationary point, its kind, eigenvalues."),
    ridge: bool = typer.Option(False, "--ridge", help="Ridge analysis (maximum response on "
                                                      "spheres of growing radius)."),
    steepest: bool = typer.Option(False, "--steepest", help="Path of steepest ascent from the "
                                                            "design centre."),
    total: float | None = typer.Option(None, "--total", help="Mixtures (--model scheffe-…): "
                                       "what the components add to (default 1 or 100 from the rows)."),
    pseudo: bool = typer.Option(False, "--pseudo", help="Mixtures: fit in L-pseudocomponents."),
    whole_plot: str | None = typer.Option(None, "--whole-plot", help="Split-plot: the column "
                                          "naming each run's whole plot (REML, whole plot random)."),
    out: Path | None = typer.Option(None, "--out", help="Write an HTML report here."),
    project: str | None = PROJECT_OPTION,
    as_: str | None = AS_OPTION,
    reason: str = REASON_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Fit a model per response: coefficients (SE, t, p, VIF), ANOVA, R², Q², lack of fit,
    diagnostics, curvature; optionally canonical / ridge / steepest-ascent analysis. Mixtures:
    --model scheffe-linear|scheffe-quadratic|scheffe-special-cubic|scheffe-cubic; split-plot
    experiments: --whole-plot COLUMN."""
    from qbdkit.services.doe import AnalysisRequest

    if model.strip().lower().startswith(("scheffe", "scheffé")):
        from qbdkit.services.doe_designs import MixtureAnalysisRequest

        mreq = MixtureAnalysisRequest(file=file, factors_file=with_sidecar(file, factors_file),
                                      responses=list(response), model=model,
                                      factors=names(factors), total=total, pseudo=pseudo)
        mres = run("doe.mixture_analysis", mreq, project=project, name=as_, reason=reason)
        notes(mres, as_json)
        if out is not None:
            from qbdkit.report.doe_designs import mixture_analysis_page

            write_page(out, mixture_analysis_page(mres))
        emit(mres, as_json)
        return
    if whole_plot is not None:
        from qbdkit.services.doe_designs import SplitPlotAnalysisRequest

        sreq = SplitPlotAnalysisRequest(file=file, factors_file=with_sidecar(file, factors_file),
                                        responses=list(response), model=model,
                                        factors=names(factors), whole_plot=whole_plot)
        sres = run("doe.split_plot_analysis", sreq, project=project, name=as_, reason=reason)
        notes(sres, as_json)
        if out is not None:
            from qbdkit.report.doe_designs import split_plot_page

            write_page(out, split_plot_page(sres))
        emit(sres, as_json)
        return

    req = AnalysisRequest(file=file, factors_file=with_sidecar(file, factors_file),
                          responses=list(response), model=model, coding=coding,
                          factors=names(factors), reduce=reduce, alpha=alpha,
                          anova_type=anova_type, transforms=_transforms(transform),
                          canonical=canonical, ridge=ridge, steepest=steepest)
    result = run("doe.analysis", req, project=project, name=as_, reason=reason)
    notes(result, as_json)
    if out is not None:
        from qbdkit.report.doe_analysis import analysis_page

        write_page(out, analysis_page(result))
    emit(result, as_json)


def _settings(at: list[str]) -> list[dict]:
    if not at:
        return []
    row: dict[str, float | str] = {}
    for key, val in pairs(at, "--at").items():
        try:
            row[key] = float(val)
        except ValueError:
            row[key] = val  # a categorical level
    return [row]


def predict(
    file: Path = typer.Argument(..., help="Filled run sheet or any CSV/XLSX."),
    response: list[str] = RESPONSE_OPTION,
    model: str = MODEL_OPTION,
    coding: str = CODING_OPTION,
    factors: str | None = FACTORS_OPTION,
    factors_file: Path | None = FACTORS_FILE_OPTION,
    reduce: bool = REDUCE_OPTION,
    alpha: float = ALPHA_OPTION,
    transform: list[str] = TRANSFORM_OPTION,
    at: list[str] = typer.Option([], "--at", help='A factor setting "FACTOR=value" (repeat; '
                                                  'actual units).'),
    points: Path | None = typer.Option(None, "--points", help="CSV/XLSX of settings, one per row."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Predicted mean with confidence and prediction intervals at any setting."""
    from qbdkit.services.doe import PredictRequest
    from qbdkit.services.doe import predict as predict_service

    req = PredictRequest(file=file, factors_file=with_sidecar(file, factors_file),
                         responses=list(response), model=model, coding=coding,
                         factors=names(factors), reduce=reduce, alpha=alpha,
                         transforms=_transforms(transform), settings=_settings(at), points=points)
    emit(predict_service(req), as_json)


def reassess(
    file: Path = typer.Argument(..., help="Filled run sheet or any CSV/XLSX."),
    spec: list[str] = typer.Option([], "--spec", help='CQA specification "Y<=3", "Y>=90", '
                                   '"5<=Y<=11" (repeat); default: the acceptance criteria the '
                                   'run sheet\'s responses carry.'),
    performance: list[str] = typer.Option([], "--performance",
                                          help='Process-performance limit "Titer>=4" (repeat).'),
    model: str = MODEL_OPTION,
    coding: str = CODING_OPTION,
    factors: str | None = FACTORS_OPTION,
    factors_file: Path | None = FACTORS_FILE_OPTION,
    reduce: bool = REDUCE_OPTION,
    alpha: float = ALPHA_OPTION,
    setpoint: str | None = typer.Option(None, "--setpoint",
                                        help='"A=1,B=2" (default: design centre).'),
    relevant: float = typer.Option(10.0, "--relevant", help="Effect ≥ this % of the spec counts."),
    high_risk: float = typer.Option(25.0, "--high-risk",
                                    help="Effect ≥ this % of the spec is high risk."),
    out: Path | None = typer.Option(None, "--out", help="Write an HTML report here."),
    project: str | None = PROJECT_OPTION,
    as_: str | None = AS_OPTION,
    reason: str = REASON_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """CPP re-assessment: each parameter's effect as % of each spec, significance,
    CPP/WC-CPP/KPP/GPP (accept the classes into the project with `qbdkit project accept`)."""
    from qbdkit.services.doe import ReassessRequest

    req = ReassessRequest(file=file, factors_file=with_sidecar(file, factors_file),
                          specs=list(spec), performance=list(performance), model=model,
                          coding=coding, factors=names(factors), reduce=reduce, alpha=alpha,
                          setpoint=numbers(setpoint, "--setpoint"), relevant=relevant,
                          high_risk=high_risk)
    result = run("doe.reassess", req, project=project, name=as_, reason=reason)
    notes(result, as_json)
    if out is not None:
        from qbdkit.report.doe_analysis import reassessment_page

        write_page(out, reassessment_page(result))
    emit(result, as_json)


def compare(
    file: Path = typer.Argument(..., help="Filled run sheet or any CSV/XLSX."),
    more_models: list[str] = typer.Argument(None, metavar="[MODEL…]", show_default=False,
                                            help="Further candidate models (after --models)."),
    response: str = typer.Option(..., "--response", "-r", help="The response column."),
    models: list[str] = typer.Option([], "--models", "-m", help="Candidate models: linear, "
                                     "interaction, quadratic or formulas (--models M1 M2 …)."),
    stepwise: str | None = typer.Option(None, "--stepwise",
                                        help="Also select terms: forward | backward | mixed."),
    criterion: str = typer.Option("p", "--criterion", help="Stepwise by p (p-value) or aicc."),
    scope: str | None = typer.Option(None, "--scope", help="Stepwise scope (default the largest "
                                     "keyword model given, else quadratic)."),
    alpha_enter: float = typer.Option(0.05, "--alpha-enter", help="Stepwise: p to enter."),
    alpha_remove: float = typer.Option(0.10, "--alpha-remove", help="Stepwise: p to remove."),
    coding: str = CODING_OPTION,
    factors: str | None = FACTORS_OPTION,
    factors_file: Path | None = FACTORS_FILE_OPTION,
    out: Path | None = typer.Option(None, "--out", help="Write an HTML report here."),
    project: str | None = PROJECT_OPTION,
    as_: str | None = AS_OPTION,
    reason: str = REASON_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Compare candidate models side by side (R², R²adj, Q²/PRESS, RMSE, AICc, BIC, lack of
    fit); with --stepwise, select terms keeping the model hierarchical."""
    from qbdkit.services.doe import CompareRequest

    req = CompareRequest(file=file, factors_file=with_sidecar(file, factors_file),
                         response=response, models=[*models, *(more_models or [])],
                         stepwise=stepwise, criterion=criterion, scope=scope,
                         alpha_enter=alpha_enter, alpha_remove=alpha_remove, coding=coding,
                         factors=names(factors))
    result = run("doe.compare", req, project=project, name=as_, reason=reason)
    notes(result, as_json)
    if out is not None:
        from qbdkit.report.doe_analysis import comparison_page

        write_page(out, comparison_page(result))
    emit(result, as_json)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the ``qbdkit doe`` app."""
    app.command("analyze")(analyze)
    app.command("predict")(predict)
    app.command("reassess")(reassess)
    app.command("compare")(compare)
