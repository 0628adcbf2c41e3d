"""`qbdkit mvda …` commands: PCA, PLS, OPLS and batch models (mvda = multivariate data analysis).

``qbdkit mvda pca FILE`` fits a PCA to one row per observation (numeric columns; ``--id``
names the observation column), optionally projects ``--predict NEW`` onto it (e.g.
small-scale runs onto an at-scale model) and prints the summary, ``--json`` the result
object, ``--out`` an HTML report; ``--project P --as NAME`` stores it as a record
(``mvda.pca``). ``qbdkit mvda pls FILE --y COLS`` and ``qbdkit mvda opls FILE --y COL`` do the
same for PLS and OPLS. Thin: the use cases are :mod:`qbdkit.services.mvda`. Constant or
all-missing columns are dropped with a warning on stderr; non-numeric cells, too few
observations and variables missing from the projected file are input errors (exit 2).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from qbdkit.cli.common import AS_OPTION, JSON_OPTION, PROJECT_OPTION, REASON_OPTION, emit, info
from qbdkit.cli.storing import HEADER_ROW_OPTION, SHEET_OPTION, run_kind

app = typer.Typer(no_args_is_help=True)

PREDICT_OPTION = typer.Option(
    None, "--predict", help="New observations (same columns) to project onto the model.")
ID_OPTION = typer.Option(None, "--id", help="Column naming the observations.")
COMPONENTS_OPTION = typer.Option("auto", "--components",
                                 help="Number of components or 'auto' (cross-validation).")
SCALE_OPTION = typer.Option("uv", "--scale", help="uv | pareto | none")
SPE_OPTION = typer.Option("box", "--spe-method",
                          help="SPE limit: box (g·χ²_h, Nomikos–MacGregor) | jackson-mudholkar")
T2_OPTION = typer.Option(
    "tym", "--t2-convention",
    help="T² limits: tym (training Tracy–Young–Mason, new A(n²−1)/(n(n−A))·F) | simca "
         "(A(n−1)/(n−A)·F for every observation, as SIMCA).")
CONTRIBUTIONS_OPTION = typer.Option(
    None, "--contributions",
    help="Observation id: each variable's contribution to its T² and SPE (repeatable; "
         "default in reports: the observations outside a 95 % limit).")
COLOR_OPTION = typer.Option(None, "--color-by",
                            help="Column to colour the score plot by (numbers or groups).")
X_OPTION = typer.Option(None, "--x", help="Predictor columns (comma-separated); default: all others.")
OUT_OPTION = typer.Option(None, "--out", help="Write an HTML report here.")


def _notes(result: Any) -> None:
    for note in getattr(result, "notes", None) or getattr(result, "input_notes", None) or []:
        info(f"warning: {note}")


def _write_html(out: Path, kind: str, title: str, result: Any) -> None:
    from qbdkit.report.html import page
    from qbdkit.report.sections import render_result

    text = page(title, [render_result(kind, result)], subtitle="qbdkit mvda")
    tmp = out.with_name(out.name + ".part")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(out)
    info(f"wrote {out}")


def _x(x: str | None) -> list[str] | None:
    return [c.strip() for c in x.split(",") if c.strip()] if x else None


@app.command("pca")
def pca_command(
    file: Path = typer.Argument(..., help="CSV/XLSX, one row per observation."),
    id_col: str = ID_OPTION,
    x: str = X_OPTION,
    components: str = COMPONENTS_OPTION,
    scale: str = SCALE_OPTION,
    predict: Path = PREDICT_OPTION,
    spe_method: str = SPE_OPTION,
    t2_convention: str = T2_OPTION,
    contributions: list[str] = CONTRIBUTIONS_OPTION,
    color_by: str = COLOR_OPTION,
    sheet: str = SHEET_OPTION,
    header_row: str = HEADER_ROW_OPTION,
    project: str = PROJECT_OPTION,
    name: str = AS_OPTION,
    reason: str = REASON_OPTION,
    as_json: bool = JSON_OPTION,
    out: Path = OUT_OPTION,
) -> None:
    """Principal component analysis with T², SPE and DModX limits; project new observations."""
    from qbdkit.services.mvda import PcaRequest

    req = PcaRequest(file=file, id_column=id_col, x=_x(x), components=components, scale=scale,
                     predict=predict, spe_method=spe_method, t2_convention=t2_convention,
                     contributions=contributions or [], color_by=color_by, sheet=sheet,
                     header_row=header_row)
    result = run_kind("mvda.pca", req, project=project, name=name, reason=reason)
    _notes(result)
    if out is not None:
        _write_html(out, "mvda.pca", f"PCA — {file.name}", result)
    emit(result, as_json)


@app.command("pls")
def pls_command(
    file: Path = typer.Argument(..., help="CSV/XLSX, one row per observation."),
    y: list[str] = typer.Option(..., "--y", help="Response column(s); comma-separated or repeated."),
    x: str = X_OPTION,
    id_col: str = ID_OPTION,
    components: str = COMPONENTS_OPTION,
    scale: str = SCALE_OPTION,
    predict: Path = PREDICT_OPTION,
    spe_method: str = SPE_OPTION,
    t2_convention: str = T2_OPTION,
    contributions: list[str] = CONTRIBUTIONS_OPTION,
    color_by: str = COLOR_OPTION,
    sheet: str = SHEET_OPTION,
    header_row: str = HEADER_ROW_OPTION,
    project: str = PROJECT_OPTION,
    name: str = AS_OPTION,
    reason: str = REASON_OPTION,
    as_json: bool = JSON_OPTION,
    out: Path = OUT_OPTION,
) -> None:
    """PLS regression (NIPALS) with VIP, coefficients, Q²/RMSECV and T²/SPE/DModX limits."""
    from qbdkit.services.mvda import PlsRequest

    req = PlsRequest(file=file, y=list(y), id_column=id_col, x=_x(x), components=components,
                     scale=scale, predict=predict, spe_method=spe_method,
                     t2_convention=t2_convention, contributions=contributions or [],
                     color_by=color_by, sheet=sheet, header_row=header_row)
    result = run_kind("mvda.pls", req, project=project, name=name, reason=reason)
    _notes(result)
    if out is not None:
        _write_html(out, "mvda.pls", f"PLS — {file.name}", result)
    emit(result, as_json)


@app.command("opls")
def opls_command(
    file: Path = typer.Argument(..., help="CSV/XLSX, one row per observation."),
    y: str = typer.Option(..., "--y", help="The response column (one)."),
    x: str = X_OPTION,
    id_col: str = ID_OPTION,
    components: str = typer.Option(
        "auto", "--components",
        help="Number of orthogonal components (0, 1, …) or 'auto' (cross-validation)."),
    scale: str = SCALE_OPTION,
    predict: Path = PREDICT_OPTION,
    t2_convention: str = T2_OPTION,
    contributions: list[str] = CONTRIBUTIONS_OPTION,
    color_by: str = COLOR_OPTION,
    sheet: str = SHEET_OPTION,
    header_row: str = HEADER_ROW_OPTION,
    project: str = PROJECT_OPTION,
    name: str = AS_OPTION,
    reason: str = REASON_OPTION,
    as_json: bool = JSON_OPTION,
    out: Path = OUT_OPTION,
) -> None:
    """OPLS: one predictive and orthogonal components, R²X / R²Y / Q² as SIMCA reports them."""
    from qbdkit.services.mvda import OplsRequest

    req = OplsRequest(file=file, y=y, id_column=id_col, x=_x(x), components=components,
                      scale=scale, predict=predict, t2_convention=t2_convention,
                      contributions=contributions or [], color_by=color_by, sheet=sheet,
                      header_row=header_row)
    result = run_kind("mvda.opls", req, project=project, name=name, reason=reason)
    _notes(result)
    if out is not None:
        _write_html(out, "mvda.opls", f"OPLS — {file.name}", result)
    emit(result, as_json)


from qbdkit.cli import mvda_batch as _mvda_batch  # noqa: E402  (batch models: their own module)

_mvda_batch.register(app)
