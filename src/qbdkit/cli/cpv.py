"""``qbdkit cpv …``: continued process verification (cpv) — control charts, capability and
Hotelling T² from a CSV/XLSX file. Thin: options → request → :mod:`qbdkit.services.spc`.
"""

from __future__ import annotations

from pathlib import Path

import typer

from qbdkit.cli.common import (
    AS_OPTION,
    JSON_OPTION,
    PROJECT_OPTION,
    REASON_OPTION,
    context,
    emit,
    info,
)
from qbdkit.errors import QbdInputError

app = typer.Typer(no_args_is_help=True)


def _ints(text: str | None, option: str) -> list[int]:
    if not text:
        return []
    try:
        return [int(t) for t in text.replace(";", ",").split(",") if t.strip()]
    except ValueError:
        raise QbdInputError("not a list of point numbers", column=option,
                            expected="0-based point indices like 14,22", found=text) from None


def _write(out: Path | None, html_body: str, title: str, subtitle: str) -> None:
    if out is None:
        return
    from qbdkit.report.html import page

    Path(out).write_text(page(title, [html_body], subtitle=subtitle), encoding="utf-8")
    info(f"wrote {out}")


@app.command("chart")
def chart_cmd(
    file: Path = typer.Argument(..., help="Results: CSV/XLSX, one row per observation."),
    value: str = typer.Option(..., "--value", help="Column with the values (counts for p/np/c/u)."),
    subgroup: str = typer.Option(None, "--subgroup", help="Column of subgroup labels (X̄-R, X̄-S)."),
    batch: str = typer.Option(None, "--batch", help="Column of batch labels for the points."),
    chart_type: str = typer.Option("imr", "--type",
                                   help="imr | xbar-r | xbar-s | ewma | cusum | p | np | c | u"),
    size: str = typer.Option(None, "--size", help="Column of subgroup sizes (p, np, u)."),
    phase: str = typer.Option(None, "--phase", help="Column of phase labels (own limits each)."),
    baseline: int = typer.Option(None, "--baseline", help="Points per phase for the limits (Phase I)."),
    exclude: str = typer.Option(None, "--exclude",
                                help="0-based points with assignable causes, left out of the limits."),
    rules: str = typer.Option("nelson", "--rules", help="we | nelson | none | a list like 1,2,5."),
    center: float = typer.Option(None, "--center", help="Known or target centre."),
    sigma: float = typer.Option(None, "--sigma", help="Known σ of one observation."),
    lam: float = typer.Option(0.2, "--lambda", help="EWMA weight λ."),
    k: float = typer.Option(0.5, "--k", help="CUSUM reference value k (in σ)."),
    h: float = typer.Option(5.0, "--h", help="CUSUM decision interval h (in σ)."),
    nsigmas: float = typer.Option(3.0, "--nsigmas", help="σ to the control limits."),
    out: Path = typer.Option(None, "--out", help="Write an HTML page with the chart here."),
    project: str = PROJECT_OPTION,
    name: str = AS_OPTION,
    reason: str = REASON_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Control chart with Phase I limits, phases and run rules."""
    from qbdkit.cli.control import run_kind
    from qbdkit.services.spc import ChartRequest

    req = ChartRequest(file=file, value=value, subgroup=subgroup, batch=batch, type=chart_type,
                       size=size, phase=phase, baseline=baseline,
                       exclude=_ints(exclude, "--exclude"), rules=rules, center=center,
                       sigma=sigma, lam=lam, k=k, h=h, nsigmas=nsigmas)
    result = run_kind("cpv.chart", req, project, name, reason or "control chart")
    for note in result.notes:
        info(f"note: {note}")
    if out is not None:
        from qbdkit.report.spc import render

        _write(out, render(result), "Control chart", str(file))
    emit(result, as_json)


@app.command("capability")
def capability_cmd(
    file: Path = typer.Argument(..., help="Results: CSV/XLSX."),
    value: str = typer.Option(..., "--value", help="Column with the values."),
    subgroup: str = typer.Option(None, "--subgroup", help="Column of subgroup labels (within σ R̄/d₂)."),
    lsl: float = typer.Option(None, "--lsl", help="Lower specification limit."),
    usl: float = typer.Option(None, "--usl", help="Upper specification limit."),
    target: float = typer.Option(None, "--target", help="Target (default: middle of the specification)."),
    confidence: float = typer.Option(0.95, "--confidence", help="Confidence of the intervals."),
    method: str = typer.Option("normal", "--method", help="normal | boxcox | percentile"),
    out: Path = typer.Option(None, "--out", help="Write an HTML page here."),
    project: str = PROJECT_OPTION,
    name: str = AS_OPTION,
    reason: str = REASON_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Process capability: Cp, Cpk, Cpm, Pp, Ppk with intervals and expected ppm."""
    from qbdkit.cli.control import run_kind
    from qbdkit.services.spc import CapabilityRequest

    result = run_kind("cpv.capability",
                      CapabilityRequest(file=file, value=value, subgroup=subgroup, lsl=lsl,
                                        usl=usl, target=target, confidence=confidence,
                                        method=method), project, name,
                      reason or "process capability")
    for note in result.notes:
        info(f"note: {note}")
    if out is not None:
        from qbdkit.report.spc import render

        _write(out, render(result), "Process capability", str(file))
    emit(result, as_json)


@app.command("t2")
def t2_cmd(
    file: Path = typer.Argument(..., help="One row per observation: CSV/XLSX."),
    vars_: str = typer.Option(..., "--vars", help="Comma-separated variable columns."),
    subgroup: str = typer.Option(None, "--subgroup", help="Column of subgroup labels."),
    baseline: int = typer.Option(None, "--baseline", help="Phase I points (default all)."),
    confidence: float = typer.Option(None, "--confidence",
                                     help="Limit confidence (default (1 − 0.0027)^p)."),
    method: str = typer.Option("hotelling", "--method", help="hotelling | pca"),
    components: int = typer.Option(None, "--components", help="PCA components (default by CV)."),
    out: Path = typer.Option(None, "--out", help="Write an HTML page here."),
    project: str = PROJECT_OPTION,
    name: str = AS_OPTION,
    reason: str = REASON_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Hotelling T² (individuals or subgroups; Phase I beta/F, Phase II F) or PCA T²/SPE."""
    from qbdkit.cli.control import run_kind
    from qbdkit.services.spc import T2Request

    names = [v.strip() for v in vars_.split(",") if v.strip()]
    result = run_kind("cpv.t2",
                      T2Request(file=file, vars=names, subgroup=subgroup, baseline=baseline,
                                confidence=confidence, method=method, n_components=components),
                      project, name, reason or "Hotelling T²")
    for note in result.notes:
        info(f"note: {note}")
    if out is not None:
        from qbdkit.report.spc import render

        _write(out, render(result), "Hotelling T²", str(file))
    emit(result, as_json)


@app.command("review")
def review_cmd(
    project: str = typer.Argument(..., help="Project in the store."),
    since: str = typer.Option(None, "--since", help="Signals after this batch id or date are "
                              "new (default: the last batch of the previous review)."),
    until: str = typer.Option(None, "--until", help="Only batches made on or before this date."),
    kinds: str = typer.Option(None, "--kinds", help="Batch kinds reviewed (default: PPQ and "
                              "at-scale batches from the first PPQ batch on)."),
    strategy: str = typer.Option(None, "--strategy", help="Control strategy record name "
                                 "(default: the approved one saved last, else the newest)."),
    limits: str = typer.Option("auto", "--limits", help="auto | ppq (initial limits handed "
                               "over by the PPQ evaluation) | baseline (estimated)."),
    baseline: int = typer.Option(None, "--baseline", help="Batches behind estimated limits "
                                 "(default 20, or all when fewer)."),
    rules: str = typer.Option("nelson", "--rules", help="we | nelson | none | a list like 1,2,5."),
    name: str = typer.Option(None, "--as", help="Record name (default review-<last batch date>)."),
    reason: str = REASON_OPTION,
    dry_run: bool = typer.Option(False, "--dry-run", help="Compute and show; store nothing."),
    out: Path = typer.Option(None, "--out", help="Write review.xlsx (for the review meeting) "
                             "or review.html."),
    lang: str = typer.Option("en", "--lang", help="Language of --out: en | zh."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Periodic CPV review of the project: charts, capability, signals, batch disposition."""
    from qbdkit.cli.control import kinds_option, write_out
    from qbdkit.report.spc import render, write_review_xlsx
    from qbdkit.services.spc import review_for_project

    result, stored = review_for_project(
        project, context(lang=lang), name=name, reason=reason or "CPV review",
        store=not dry_run, strategy=strategy, since=since, until=until,
        kinds=kinds_option(kinds), limits=limits, baseline=baseline, rules=rules)
    if stored is not None:
        info(stored.summary())
    for note in result.notes:
        info(f"note: {note}")
    from qbdkit.i18n import t

    write_out(out, result, title=t("Continued process verification review", lang, "spc"),
              subtitle=project, lang=lang, html=render, xlsx=write_review_xlsx)
    emit(result, as_json)
