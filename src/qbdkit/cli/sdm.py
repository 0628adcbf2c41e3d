"""`qbdkit sdm …` commands: scale-down model (sdm) qualification.

``qbdkit sdm compare --at-scale A.csv --small-scale B.csv [--margin 1.5sd|VALUE|NAME=…]
[--alpha 0.05] [--k 3] [--pooled] [--exclude RUN] [--project P --as NAME] [--json]``: one
row per batch in each file (an id column ``batch``/``run``/``批次`` … and one column per
attribute); every attribute present in both files is compared
(:func:`qbdkit.services.sdm.compare`, record kind ``sdm.compare``).
"""

from __future__ import annotations

from pathlib import Path

import typer

from qbdkit.cli.common import AS_OPTION, JSON_OPTION, PROJECT_OPTION, REASON_OPTION, emit, info
from qbdkit.cli.storing import HEADER_ROW_OPTION, SHEET_OPTION, run_kind

app = typer.Typer(no_args_is_help=True)


@app.command("compare")
def compare(
    at_scale: Path = typer.Option(..., "--at-scale", help="At-scale batches: CSV/XLSX, one row per batch."),
    small_scale: Path = typer.Option(..., "--small-scale", help="Small-scale runs: CSV/XLSX, one row per run."),
    margin: list[str] = typer.Option(
        None, "--margin",
        help="Equivalence margin: k×at-scale SD ('1.5sd', default) or a number in the "
             "attribute's unit; 'NAME=…' for one attribute. Repeatable."),
    alpha: float = typer.Option(0.05, "--alpha", help="TOST level; the CI is 1−2α (90 %)."),
    k: float = typer.Option(3.0, "--k", help="Range = at-scale mean ± k SD."),
    pooled: bool = typer.Option(False, "--pooled", help="Pooled-variance TOST (default Welch)."),
    id_column: str = typer.Option(None, "--id", help="Id column (default: batch/run/id/批次 …)."),
    exclude: list[str] = typer.Option(
        None, "--exclude", help="Small-scale run set aside (e.g. under investigation). Repeatable."),
    sheet: str = SHEET_OPTION,
    header_row: str = HEADER_ROW_OPTION,
    project: str = PROJECT_OPTION,
    name: str = AS_OPTION,
    reason: str = REASON_OPTION,
    out: Path = typer.Option(None, "--out", help="Write an HTML report here."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Compare small-scale runs with at-scale batches per attribute: ± k SD range, TOST, sample size."""
    from qbdkit.services.sdm import CompareRequest

    req = CompareRequest(at_scale=at_scale, small_scale=small_scale, margin=margin or [],
                         alpha=alpha, k=k, pooled=pooled, id_column=id_column,
                         exclude=exclude or [], sheet=sheet, header_row=header_row)
    result = run_kind("sdm.compare", req, project=project, name=name, reason=reason)
    for note in result.notes:
        info(f"warning: {note}")
    for d in result.dropped:
        info(f"warning: left out {d}")
    if out is not None:
        from qbdkit.report.html import page
        from qbdkit.report.sdm import render_comparison

        html = page("Scale-down model comparability", [render_comparison(result)],
                    subtitle=f"at scale: {at_scale}; small scale: {small_scale}")
        Path(out).write_text(html, encoding="utf-8")
        info(f"wrote {out}")
    emit(result, as_json)
