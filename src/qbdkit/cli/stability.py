"""`qbdkit stability …` commands: ICH Q1E shelf life and out-of-trend checks.

``qbdkit stability shelf-life FILE --batch COL --time COL --value COL [--lower X]
[--upper X] [--alpha 0.05] [--alpha-pool 0.25] [--transform none|log] [--random-batch]
[--study NAME] [--project P --as NAME [--reason TEXT]] [--json] [--out FILE.html]`` — see
:mod:`qbdkit.core.stability.shelf_life`; ``qbdkit stability oot FILE --new-batch B --new-time T
--new-value V``; ``qbdkit stability study STUDY.yaml [--results FILE]`` (a stability study
record: condition, batches, time points, pulls, excursions, results; out-of-trend flags).
With ``--project P --as NAME`` the result is stored as a record of the project.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from qbdkit.cli._store import run_or_store, write_page
from qbdkit.cli.common import AS_OPTION, JSON_OPTION, PROJECT_OPTION, REASON_OPTION, emit, info
from qbdkit.errors import Problem, QbdInputError

app = typer.Typer(no_args_is_help=True)

LANG_OPTION = typer.Option("en", "--lang", help="Language of the HTML report: en | zh.")


def build(cls: type, **fields: Any) -> Any:
    """A service request from CLI options; pydantic errors become one input error."""
    from pydantic import ValidationError

    try:
        return cls(**fields)
    except ValidationError as exc:
        problems = []
        for e in exc.errors():
            name = "--" + str(e["loc"][0]).replace("_", "-") if e["loc"] else None
            problems.append(Problem("invalid option", column=name, expected=e["msg"],
                                    found=e.get("input")))
        raise QbdInputError(problems=problems) from None


def write_html(out: Path, title: str, body: str, subtitle: str, lang: str) -> None:
    from qbdkit.report.html import page

    Path(out).write_text(page(title, [body], subtitle=subtitle, lang=lang), encoding="utf-8")
    info(f"wrote {out}")


@app.command("shelf-life")
def shelf_life_cmd(
    file: Path = typer.Argument(..., help="Stability results: CSV/XLSX, one row per result."),
    batch: str = typer.Option("batch", "--batch", help="Batch column."),
    time: str = typer.Option("time", "--time", help="Time column (e.g. months)."),
    value: str = typer.Option("value", "--value", help="Result column."),
    lower: float = typer.Option(None, "--lower", help="Lower acceptance limit."),
    upper: float = typer.Option(None, "--upper", help="Upper acceptance limit."),
    alpha: float = typer.Option(0.05, "--alpha", help="1 − confidence of the limit (0.05 → 95 %)."),
    alpha_pool: float = typer.Option(0.25, "--alpha-pool", help="Poolability level (ICH Q1E: 0.25)."),
    transform: str = typer.Option("none", "--transform", help="none | log."),
    random_batch: bool = typer.Option(False, "--random-batch", help="Batches as a random factor (mixed model)."),
    pooled_error: bool = typer.Option(False, "--pooled-error", help="Separate lines with the pooled MSE."),
    storage: str = typer.Option("room", "--storage", help="room | refrigerated | frozen | below-20 (Q1E Appendix A)."),
    accelerated_change: bool = typer.Option(False, "--accelerated-change", help="Significant change at accelerated."),
    intermediate_change: bool = typer.Option(None, "--intermediate-change/--no-intermediate-change", help="Significant change at intermediate."),
    little_change: bool = typer.Option(False, "--little-change", help="Little or no change and variability (Q1E §2.4.1.1)."),
    biologic: bool = typer.Option(False, "--biologic", help="Biotechnological product: no extrapolation (ICH Q5C)."),
    search_limit: float = typer.Option(None, "--search-limit", help="Longest time searched (default 5 × data)."),
    sheet: str = typer.Option(None, "--sheet", help="XLSX sheet name."),
    study: str = typer.Option(None, "--study", help="Name of the stability study record (link)."),
    out: Path = typer.Option(None, "--out", help="Write an HTML report here."),
    lang: str = LANG_OPTION,
    project: str = PROJECT_OPTION,
    name: str = AS_OPTION,
    reason: str = REASON_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Shelf life by ICH Q1E: per-batch regression, poolability, confidence limit, extrapolation."""
    from qbdkit.services.stability import ShelfLifeRequest

    req = build(ShelfLifeRequest, file=file, batch=batch, time=time, value=value, lower=lower,
                upper=upper, alpha=alpha, alpha_pool=alpha_pool, transform=transform,
                random_batch=random_batch, pooled_error=pooled_error, storage=storage,
                accelerated_change=accelerated_change, intermediate_change=intermediate_change,
                little_change=little_change, biologic=biologic, search_limit=search_limit,
                sheet=sheet, study=study)
    result = run_or_store("stability.shelf_life", req, project, name, reason)
    if out is not None:
        from qbdkit.i18n import t
        from qbdkit.report.stability import render

        write_html(out, t("Shelf life (ICH Q1E)", lang, domain="stability"), render(result, lang),
                   str(file), lang)
    emit(result, as_json)


@app.command("oot")
def oot_cmd(
    file: Path = typer.Argument(..., help="Earlier stability results: CSV/XLSX."),
    new_batch: str = typer.Option(..., "--new-batch", help="Batch of the new result."),
    new_time: float = typer.Option(..., "--new-time", help="Time of the new result."),
    new_value: float = typer.Option(..., "--new-value", help="The new result."),
    batch: str = typer.Option("batch", "--batch", help="Batch column."),
    time: str = typer.Option("time", "--time", help="Time column."),
    value: str = typer.Option("value", "--value", help="Result column."),
    alpha: float = typer.Option(0.05, "--alpha", help="1 − level of the prediction interval."),
    sheet: str = typer.Option(None, "--sheet", help="XLSX sheet name."),
    study: str = typer.Option(None, "--study", help="Name of the stability study record (link)."),
    project: str = PROJECT_OPTION,
    name: str = AS_OPTION,
    reason: str = REASON_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Out-of-trend check of a new result against the regression's prediction interval."""
    from qbdkit.services.stability import TrendRequest

    req = build(TrendRequest, file=file, batch=batch, time=time, value=value,
                new_batch=new_batch, new_time=new_time, new_value=new_value, alpha=alpha,
                sheet=sheet, study=study)
    emit(run_or_store("stability.trend", req, project, name, reason), as_json)


@app.command("study")
def study_cmd(
    file: Path = typer.Argument(..., help="The study (YAML/JSON): name, material, condition, "
                                          "storage, batches, time_points, pulls, excursions …"),
    results: Path = typer.Option(None, "--results", help="Results (CSV/XLSX): batch, time and "
                                                         "one column per attribute, or attribute, value."),
    time: str = typer.Option(None, "--time", help="Time column of the results (default time)."),
    batch: str = typer.Option(None, "--batch", help="Batch column of the results (default batch)."),
    alpha: float = typer.Option(None, "--alpha", help="1 − level of the prediction interval (OOT)."),
    out: Path = typer.Option(None, "--out", help="Write an HTML report here."),
    lang: str = LANG_OPTION,
    project: str = PROJECT_OPTION,
    name: str = AS_OPTION,
    reason: str = REASON_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """A stability study record: conditions, pulls, excursions, results with OOT/OOS flags."""
    from qbdkit.services.stability import load_study

    req = load_study(file, results_file=results, time_column=time, batch_column=batch,
                     alpha=alpha)
    result = run_or_store("stability.study", req, project, name, reason)
    write_page(out, "stability.study", result, lang, str(file))
    emit(result, as_json)
