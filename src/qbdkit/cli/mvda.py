"""`qbdkit mvda …` commands: PCA and PLS (mvda = multivariate data analysis).

``qbdkit mvda pca FILE`` fits a PCA to one row per observation (numeric columns;
``--id`` names the observation column), optionally projects ``--project NEW``
onto it (e.g. small-scale runs onto an at-scale model) and prints the summary,
``--json`` the result object, ``--out`` an HTML report. ``qbdkit mvda pls FILE
--y COLS`` does the same for PLS. Constant or all-missing columns are dropped with
a warning on stderr; non-numeric cells, too few observations and variables missing
from the projected file are input errors (exit 2).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import typer

from qbdkit.cli.common import JSON_OPTION, emit, info
from qbdkit.core.numbers import parse_number
from qbdkit.errors import Problem, QbdInputError
from qbdkit.io import Table, read_table
from qbdkit.io.tables import is_blank

app = typer.Typer(no_args_is_help=True)

MAX_PROBLEMS = 20


def _find_column(table: Table, name: str, what: str) -> str:
    cols = table.columns
    if name in cols:
        return name
    low = {c.strip().lower(): c for c in cols}
    if name.strip().lower() in low:
        return low[name.strip().lower()]
    raise QbdInputError(f"{what} column not found", file=table.file, column=name,
                        expected="one of: " + ", ".join(cols))


def numeric_frame(table: Table, columns: list[str]) -> pd.DataFrame:
    """The given columns as float (blank → NaN); every non-numeric cell is an error (file/row/column)."""
    problems: list[Problem] = []
    out = {}
    for col in columns:
        s = table.frame[col]
        if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
            out[col] = s.astype(float).to_numpy()
            continue
        vals = np.full(len(s), np.nan)
        for i, v in enumerate(s.tolist()):
            if is_blank(v):
                continue
            try:
                vals[i] = parse_number(v)
            except (TypeError, ValueError):
                if len(problems) < MAX_PROBLEMS:
                    problems.append(table.problem(i, col, "not a number",
                                                  expected="a number or a blank cell", found=v))
        out[col] = vals
    if problems:
        raise QbdInputError(problems=problems)
    return pd.DataFrame(out, columns=columns)


def _located(exc: QbdInputError, table: Table) -> QbdInputError:
    """Attach file (and file row numbers) to problems raised by the core."""
    probs = []
    for p in exc.problems:
        row = p.row
        if p.file is None and row is not None and 1 <= row <= len(table.frame):
            row = table.row_of(row - 1)
        probs.append(Problem(p.message, p.file or table.file, row, p.column, p.expected, p.found))
    return QbdInputError(problems=probs)


def read_observations(path: Path, id_col: str | None, exclude: tuple[str, ...] = (),
                      only: list[str] | None = None) -> tuple[Table, pd.DataFrame, list[str]]:
    """Read a one-row-per-observation file: ``(table, numeric X, observation ids)``."""
    table = read_table(path)
    if len(table.frame) == 0:
        raise QbdInputError("no data rows", file=table.file, expected="one row per observation")
    idc = _find_column(table, id_col, "--id") if id_col else None
    ids = ([str(v) for v in table.frame[idc].tolist()] if idc
           else [str(r) for r in (table.rows or range(2, len(table.frame) + 2))])
    if only is not None:
        cols = [_find_column(table, c, "--x") for c in only]
    else:
        cols = [c for c in table.columns if c != idc and c not in exclude]
    if not cols:
        raise QbdInputError("no variable columns", file=table.file,
                            expected="numeric columns besides the id")
    return table, numeric_frame(table, cols), ids


def _parse_components(value: str) -> int | str:
    if value.strip().lower() == "auto":
        return "auto"
    try:
        k = int(value)
    except ValueError:
        raise QbdInputError("number of components", column="--components",
                            expected="a whole number or auto", found=value) from None
    if k < 1:
        raise QbdInputError("number of components", column="--components", expected="at least 1",
                            found=k)
    return k


def _check_scale(scale: str) -> str:
    if scale not in ("uv", "pareto", "none"):
        raise QbdInputError("unknown scaling", column="--scale", expected="uv | pareto | none",
                            found=scale)
    return scale


def _check_spe(method: str) -> str:
    if method not in ("box", "jackson-mudholkar"):
        raise QbdInputError("unknown SPE limit method", column="--spe-method",
                            expected="box | jackson-mudholkar", found=method)
    return method


def _warn_dropped(model, file: str) -> None:
    for name, why in model.dropped_.items():
        info(f"warning: {file}: {name}: dropped ({why})")


def _read_new(path: Path, id_col: str | None, model) -> tuple[Table, pd.DataFrame, list[str]]:
    table = read_table(path)
    if len(table.frame) == 0:
        raise QbdInputError("no data rows", file=table.file, expected="observations to project")
    missing = [v for v in model.variables_ if v not in table.columns]
    if missing:
        raise QbdInputError("variables of the model missing from the projected data",
                            file=table.file, column=", ".join(missing),
                            expected="every model variable: " + ", ".join(model.variables_))
    idc = None
    if id_col:
        try:
            idc = _find_column(table, id_col, "--id")
        except QbdInputError:
            idc = None
    extra = [c for c in table.columns if c not in model.feature_names_in_ and c != idc]
    if extra:
        info(f"warning: {table.file}: not in the model, ignored: {', '.join(extra)}")
    ids = ([str(v) for v in table.frame[idc].tolist()] if idc
           else [str(r) for r in (table.rows or range(2, len(table.frame) + 2))])
    frame = numeric_frame(table, list(model.variables_))
    empty = np.flatnonzero(frame.isna().all(axis=1).to_numpy())
    if empty.size:
        raise QbdInputError(problems=[
            table.problem(int(i), None, "observation without any value of the model's variables",
                          expected="at least one of: " + ", ".join(model.variables_))
            for i in empty[:MAX_PROBLEMS]])
    return table, frame, ids


def _write_html(out: Path, title: str, body: str) -> None:
    from qbdkit.report.html import page

    text = page(title, [body], subtitle="qbdkit mvda")
    tmp = out.with_name(out.name + ".part")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(out)
    info(f"wrote {out}")


@app.command("pca")
def pca_command(
    file: Path = typer.Argument(..., help="CSV/XLSX, one row per observation."),
    id_col: str = typer.Option(None, "--id", help="Column naming the observations."),
    components: str = typer.Option("auto", "--components", help="Number of components or 'auto' (Q²)."),
    scale: str = typer.Option("uv", "--scale", help="uv | pareto | none"),
    project: Path = typer.Option(None, "--project", help="New observations to project onto the model."),
    spe_method: str = typer.Option("box", "--spe-method",
                                   help="SPE limit: box (g·χ²_h, Nomikos–MacGregor) | jackson-mudholkar"),
    contributions: str = typer.Option(None, "--contributions",
                                      help="Observation id: show each variable's contribution to its T² and SPE."),
    as_json: bool = JSON_OPTION,
    out: Path = typer.Option(None, "--out", help="Write an HTML report here."),
) -> None:
    """Principal component analysis with T², SPE and DModX limits; project new observations."""
    from qbdkit.core.mvda import PCA
    from qbdkit.core.mvda.summary import pca_summary

    n_comp = _parse_components(components)
    scale = _check_scale(scale)
    table, X, ids = read_observations(file, id_col)
    try:
        model = PCA(n_comp, scale=scale, spe_method=_check_spe(spe_method)).fit(X)
    except QbdInputError as exc:
        raise _located(exc, table) from None
    _warn_dropped(model, table.file)
    new = new_ids = new_table = None
    if project is not None:
        new_table, new, new_ids = _read_new(project, id_col, model)
    try:
        result = pca_summary(model, ids, new, new_ids, contributions)
    except QbdInputError as exc:
        raise (_located(exc, new_table) if new_table is not None else exc) from None
    if out is not None:
        from qbdkit.report.mvda import pca_section

        _write_html(out, f"PCA — {file.name}",
                    pca_section(model, ids=ids, new=new, new_ids=new_ids, title=f"PCA of {file.name}"))
    emit(result, as_json)


@app.command("pls")
def pls_command(
    file: Path = typer.Argument(..., help="CSV/XLSX, one row per observation."),
    y: list[str] = typer.Option(..., "--y", help="Response column(s); comma-separated or repeated."),
    x: str = typer.Option(None, "--x", help="Predictor columns (comma-separated); default: all others."),
    id_col: str = typer.Option(None, "--id", help="Column naming the observations."),
    components: str = typer.Option("auto", "--components", help="Number of components or 'auto' (Q²)."),
    scale: str = typer.Option("uv", "--scale", help="uv | pareto | none"),
    project: Path = typer.Option(None, "--project", help="New observations to predict and project."),
    spe_method: str = typer.Option("box", "--spe-method",
                                   help="SPE limit: box (g·χ²_h, Nomikos–MacGregor) | jackson-mudholkar"),
    contributions: str = typer.Option(None, "--contributions",
                                      help="Observation id: show each variable's contribution to its T² and SPE."),
    as_json: bool = JSON_OPTION,
    out: Path = typer.Option(None, "--out", help="Write an HTML report here."),
) -> None:
    """PLS regression (NIPALS) with VIP, coefficients, Q²/RMSECV and T²/SPE/DModX limits."""
    from qbdkit.core.mvda import PLS
    from qbdkit.core.mvda.summary import pls_summary

    n_comp = _parse_components(components)
    scale = _check_scale(scale)
    table = read_table(file)
    ycols = [_find_column(table, c.strip(), "--y") for v in y for c in v.split(",") if c.strip()]
    if not ycols:
        raise QbdInputError("no response given", column="--y", expected="one or more column names")
    only = [c.strip() for c in x.split(",") if c.strip()] if x else None
    table, X, ids = read_observations(file, id_col, exclude=tuple(ycols), only=only)
    Y = numeric_frame(table, ycols)
    try:
        model = PLS(n_comp, scale=scale, spe_method=_check_spe(spe_method)).fit(X, Y)
    except QbdInputError as exc:
        raise _located(exc, table) from None
    _warn_dropped(model, table.file)
    new = new_ids = new_table = None
    if project is not None:
        new_table, new, new_ids = _read_new(project, id_col, model)
    try:
        result = pls_summary(model, X, ids, new, new_ids, contributions)
    except QbdInputError as exc:
        raise (_located(exc, new_table) if new_table is not None else exc) from None
    if out is not None:
        from qbdkit.report.mvda import pls_section

        _write_html(out, f"PLS — {file.name}",
                    pls_section(model, X, Y, ids=ids, new=new, new_ids=new_ids,
                                title=f"PLS of {file.name}"))
    emit(result, as_json)


from qbdkit.cli import mvda_batch as _mvda_batch  # noqa: E402  (batch models: their own module)

_mvda_batch.register(app)
