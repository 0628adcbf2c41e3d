"""`qbdkit spec …` commands: specifications (spec).

``qbdkit spec tolerance FILE --column C [--batch B] [--coverage 0.99] [--confidence 0.95]
[--sides 1|2] [--method normal|nonparametric|random-effects] [--factor exact|howe]
[--json] [--out FILE.html]`` — a tolerance interval from a column of values (with
``--batch``: the batch random-effect interval); ``qbdkit spec tolerance --n N --coverage P
--confidence G --sides 1|2 [--json]`` — the factor k alone.
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

app = typer.Typer(no_args_is_help=True)


def write_html(out: Path, title: str, body: str, lang: str) -> None:
    """Write one report page (``--out``)."""
    from qbdkit.report.html import page

    Path(out).write_text(page(title, [body], lang="zh-CN" if lang == "zh" else "en"),
                         encoding="utf-8")
    info(f"wrote {out}")


@app.command("tolerance")
def tolerance(
    file: Path = typer.Argument(None, help="Values (CSV/XLSX); omit with --n for the factor alone."),
    column: str = typer.Option(None, "--column", help="Column of values (default: the only numeric column)."),
    batch: str = typer.Option(None, "--batch", help="Batch column: interval with a batch random effect."),
    n: float = typer.Option(None, "--n", help="Sample size for the factor alone (no FILE)."),
    coverage: float = typer.Option(0.99, "--coverage", help="Proportion of the population covered (0–1)."),
    confidence: float = typer.Option(0.95, "--confidence", help="Confidence level (0–1)."),
    sides: int = typer.Option(2, "--sides", help="2: interval; 1: one-sided bounds."),
    method: str = typer.Option("normal", "--method", help="normal | nonparametric | random-effects."),
    factor: str = typer.Option("exact", "--factor", help="Two-sided normal factor: exact | howe."),
    out: Path = typer.Option(None, "--out", help="Write an HTML page here."),
    lang: str = typer.Option("en", "--lang", help="Language of --out: en | zh."),
    project: str = PROJECT_OPTION,
    name: str = AS_OPTION,
    reason: str = REASON_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Statistical tolerance interval (normal exact/Howe, nonparametric, batch random effect) or the factor k."""
    from qbdkit.cli.control import run_kind
    from qbdkit.services.ppq import ToleranceRequest

    result = run_kind("spec.tolerance",
                      ToleranceRequest(file=file, column=column, batch_column=batch, n=n,
                                       coverage=coverage, confidence=confidence, sides=sides,
                                       method=method, factor=factor),
                      project, name, reason or "tolerance interval")
    if out is not None:
        from qbdkit.i18n import t
        from qbdkit.report.ppq import render

        write_html(out, t("Tolerance interval", lang, "spec"), render(result, lang), lang)
    emit(result, as_json)


@app.command("propose")
def propose(
    project: str = typer.Argument(..., help="Project in the store."),
    attribute: str = typer.Option(..., "--attribute", help="Quality attribute (name or label)."),
    kinds: str = typer.Option(None, "--kinds", help="Batch kinds whose release results count "
                              "(default at-scale,clinical,PPQ)."),
    until: str = typer.Option(None, "--until", help="Only batches made on or before this date."),
    step: str = typer.Option(None, "--step", help="Only results measured in this unit "
                             "operation (e.g. ufdf for drug substance)."),
    direction: str = typer.Option(None, "--direction", help="two-sided | upper | lower "
                                  "(default: as the guidance limit)."),
    coverage: float = typer.Option(0.99, "--coverage", help="Proportion covered (0–1)."),
    confidence: float = typer.Option(0.95, "--confidence", help="Confidence level (0–1)."),
    method: str = typer.Option("auto", "--method",
                               help="auto | normal | nonparametric | random-effects."),
    decimals: int = typer.Option(None, "--decimals", help="Round proposed limits outward."),
    stability: Path = typer.Option(None, "--stability", help="Stability results (CSV/XLSX)."),
    stability_column: str = typer.Option(None, "--stability-column",
                                         help="Column of --stability with the values."),
    name: str = typer.Option(None, "--as", help="Record name (default: the attribute)."),
    reason: str = REASON_OPTION,
    dry_run: bool = typer.Option(False, "--dry-run", help="Compute and show; store nothing."),
    out: Path = typer.Option(None, "--out", help="Write an HTML page here."),
    lang: str = typer.Option("en", "--lang", help="Language of --out: en | zh."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Specification proposal from the project's release data, clinical lots and guidance limit."""
    from qbdkit.cli.control import kinds_option, write_out
    from qbdkit.i18n import t
    from qbdkit.report.ppq import render
    from qbdkit.services.ppq import spec_proposal_for_project

    result, stored = spec_proposal_for_project(
        project, attribute, context(lang=lang), name=name, reason=reason or
        "specification proposal", store=not dry_run, kinds=kinds_option(kinds), until=until,
        direction=direction, coverage=coverage, confidence=confidence, method=method,
        decimals=decimals, stability=stability, stability_column=stability_column,
        unit_operation=step)
    if stored is not None:
        info(stored.summary())
    write_out(out, result, title=t("Specification proposal", lang, "spec"), subtitle=project,
              lang=lang, html=render)
    emit(result, as_json)
