"""Multivariate data analysis (mvda) use cases: PCA, PLS, OPLS and batch models from
CSV/XLSX files, with new observations projected onto the model (``--predict FILE``).

One function per use case — :func:`pca`, :func:`pls`, :func:`opls`, :func:`batch` — each
reads its files (:func:`qbdkit.io.read_table`), pairs the columns, fits the core model
(:mod:`qbdkit.core.mvda`) and returns a result that carries everything the report draws
(score plot with the ellipse of the limit the points are judged by, contributions of the
flagged observations, the variable a plot is coloured by), so a stored record renders
without refitting. Registered as record kinds ``mvda.pca``, ``mvda.pls``, ``mvda.opls`` and
``mvda.batch``.

Spelling (one meaning each across the CLI): ``--project P`` is a project in the store;
new observations projected onto a model are ``--predict FILE``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import Field

from qbdkit.core.mvda.batch import BatchAnalysis
from qbdkit.core.mvda.summary import PCASummary, PLSSummary
from qbdkit.core.numbers import parse_number
from qbdkit.errors import Problem, QbdInputError
from qbdkit.io import Table, read_table
from qbdkit.io.tables import is_blank
from qbdkit.services.base import Context, Request, input_file
from qbdkit.services.kinds import Kind, register

MAX_PROBLEMS = 20
#: observations whose contributions are kept for the report when none are asked for
MAX_AUTO_CONTRIBUTIONS = 3


# ---- reading --------------------------------------------------------------------------------


def _read(path: Path, sheet: str | None, header_row: str | None) -> Table:
    return read_table(path, sheet=sheet if sheet is not None else 0, header_row=header_row)


def find_column(table: Table, name: str, what: str) -> str:
    """The table's header ``name`` (exact, else case/space-insensitive) or an input error."""
    cols = table.columns
    if name in cols:
        return name
    low = {c.strip().lower(): c for c in cols}
    if name.strip().lower() in low:
        return low[name.strip().lower()]
    raise QbdInputError(f"{what} column not found", file=table.file, column=name,
                        expected="one of: " + ", ".join(cols))


def numeric_frame(table: Table, columns: list[str]) -> pd.DataFrame:
    """The given columns as float (blank or N/A → NaN); every other non-numeric cell is an
    error naming file, row and column."""
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


def located(exc: QbdInputError, table: Table) -> QbdInputError:
    """Attach the file (and file row numbers) to problems raised by the core."""
    probs = []
    for p in exc.problems:
        row = p.row
        if p.file is None and row is not None and 1 <= row <= len(table.frame):
            row = table.row_of(row - 1)
        probs.append(Problem(p.message, p.file or table.file, row, p.column, p.expected, p.found))
    return QbdInputError(problems=probs)


def _ids(table: Table, idc: str | None) -> list[str]:
    if idc:
        return [str(v) for v in table.frame[idc].tolist()]
    return [str(r) for r in (table.rows or range(2, len(table.frame) + 2))]


def read_observations(table: Table, id_col: str | None, exclude: tuple[str, ...] = (),
                      only: list[str] | None = None) -> tuple[pd.DataFrame, list[str]]:
    """One row per observation: ``(numeric X, observation ids)``."""
    if len(table.frame) == 0:
        raise QbdInputError("no data rows", file=table.file, expected="one row per observation")
    idc = find_column(table, id_col, "--id") if id_col else None
    if only:
        cols = [find_column(table, c, "--x") for c in only]
    else:
        cols = [c for c in table.columns if c != idc and c not in exclude]
    if not cols:
        raise QbdInputError("no variable columns", file=table.file,
                            expected="numeric columns besides the id")
    return numeric_frame(table, cols), _ids(table, idc)


def read_new(table: Table, id_col: str | None, model: Any, notes: list[str],
             ignore: tuple[str, ...] = ()) -> tuple[pd.DataFrame, list[str]]:
    """New observations for ``model`` (every model variable needed; others ignored, noted)."""
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
            idc = find_column(table, id_col, "--id")
        except QbdInputError:
            idc = None
    extra = [c for c in table.columns
             if c not in model.feature_names_in_ and c != idc and c not in ignore]
    if extra:
        notes.append(f"{Path(table.file).name}: not in the model, ignored: {', '.join(extra)}")
    frame = numeric_frame(table, list(model.variables_))
    empty = np.flatnonzero(frame.isna().all(axis=1).to_numpy())
    if empty.size:
        raise QbdInputError(problems=[
            table.problem(int(i), None, "observation without any value of the model's variables",
                          expected="at least one of: " + ", ".join(model.variables_))
            for i in empty[:MAX_PROBLEMS]])
    return frame, _ids(table, idc)


def parse_components(value: str | int) -> int | str:
    text = str(value).strip().lower()
    if text == "auto":
        return "auto"
    try:
        k = int(text)
    except ValueError:
        raise QbdInputError("number of components", column="--components",
                            expected="a whole number or auto", found=value) from None
    if k < 1:
        raise QbdInputError("number of components", column="--components",
                            expected="at least 1", found=k)
    return k


def _check(value: str, allowed: tuple[str, ...], column: str, what: str) -> str:
    if value not in allowed:
        raise QbdInputError(f"unknown {what}", column=column, expected=" | ".join(allowed),
                            found=value)
    return value


# ---- requests -------------------------------------------------------------------------------


class _Model(Request):
    """What every latent-variable model request has."""

    file: Path = input_file(description="one row per observation (CSV/XLSX)")
    id_column: str | None = None
    x: list[str] | None = None
    """Variables of the model (default: every column but the id, the responses and
    ``color_by``)."""
    components: str = "auto"
    scale: str = "uv"
    predict: Path | None = input_file(None, description="new observations to project")
    spe_method: str = "box"
    t2_convention: str = "tym"
    contributions: list[str] = Field(default_factory=list)
    """Observations (ids) whose contributions to T² and SPE are shown; by default those
    outside a 95 % limit."""
    color_by: str | None = None
    """A column (of the model file, and of the predict file if it has it) to colour the
    score plot by: numbers on a colour scale, text as groups."""
    sheet: str | None = None
    header_row: str | None = None


class PcaRequest(_Model):
    """``qbdkit mvda pca`` — see :class:`qbdkit.core.mvda.PCA`."""


class PlsRequest(_Model):
    """``qbdkit mvda pls`` — see :class:`qbdkit.core.mvda.PLS`."""

    y: list[str]


class OplsRequest(_Model):
    """``qbdkit mvda opls`` — see :class:`qbdkit.core.mvda.opls.OPLS`; ``components`` is the
    number of orthogonal components (or ``auto``)."""

    y: str


# ---- results --------------------------------------------------------------------------------


def _extras_text(notes: list[str], contributions: list[dict]) -> list[str]:
    out = [f"note: {n}" for n in notes]
    if contributions:
        out.append("contributions kept for the report: "
                   + ", ".join(f"{c['observation']} ({c['set']})" for c in contributions))
    return out


@dataclass(frozen=True, eq=False)
class PcaResult(PCASummary):
    """:class:`~qbdkit.core.mvda.PCASummary` with the report's material: the file names,
    ``score_var`` (variance of each training score, for the ellipse and the ± limits of a
    one-component plot), ``color_by`` (``{"variable", "values", "new_values"}``),
    ``observation_contributions`` (one ``{"observation", "set", "t2", "spe"}`` per
    observation, by variable) and input ``notes``."""

    file: str = ""
    predict_file: str | None = None
    score_var: list[float] = field(default_factory=list)
    color_by: dict[str, Any] | None = None
    observation_contributions: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return "\n".join([super().summary(),
                          *_extras_text(self.notes, self.observation_contributions)])


@dataclass(frozen=True, eq=False)
class PlsResult(PLSSummary):
    """:class:`~qbdkit.core.mvda.PLSSummary` with the report's material (as
    :class:`PcaResult`) and ``observed`` (the training responses)."""

    file: str = ""
    predict_file: str | None = None
    score_var: list[float] = field(default_factory=list)
    observed: dict[str, list[float]] = field(default_factory=dict)
    color_by: dict[str, Any] | None = None
    observation_contributions: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return "\n".join([super().summary(),
                          *_extras_text(self.notes, self.observation_contributions)])


def _fields(obj: Any) -> dict[str, Any]:
    return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}


def _color_values(table: Table, column: str | None, n: int) -> list[Any] | None:
    if column is None or column not in table.columns:
        return None
    out: list[Any] = []
    for _i, v in enumerate(table.frame[column].tolist()):
        if is_blank(v):
            out.append(None)
            continue
        try:
            out.append(float(parse_number(v)))
        except (TypeError, ValueError):
            out.append(str(v).strip())
    return out[:n]


def _contributions(model: Any, summary: Any, ids: list[str], new: Any, new_ids: list[str] | None,
                   asked: list[str]) -> list[dict[str, Any]]:
    """Contributions of the asked observations, else of those outside a 95 % limit (the
    worst first, at most :data:`MAX_AUTO_CONTRIBUTIONS`)."""
    from qbdkit.core.mvda.summary import contributions_of

    wanted = list(dict.fromkeys(asked))
    if not wanted:
        ranked: list[tuple[float, str]] = []
        t2_lim, spe_lim = summary.t2_limit["0.95"], summary.spe_limit["0.95"]
        for i, name in enumerate(ids):
            worst = max(summary.t2[i] / t2_lim, summary.spe[i] / spe_lim)
            if worst > 1:
                ranked.append((float(worst), name))
        p = summary.projected
        if p is not None:
            for i, name in enumerate(p.observations):
                worst = max(p.t2[i] / p.t2_limit["0.95"], p.spe[i] / p.spe_limit["0.95"])
                if worst > 1:
                    ranked.append((float(worst), name))
        wanted = [n for _w, n in sorted(ranked, key=lambda x: -x[0])][:MAX_AUTO_CONTRIBUTIONS]
    return [contributions_of(model, name, ids, new, new_ids) for name in wanted]


def _fit_latent(req: _Model, kind: str) -> Any:
    """Read, fit and summarise a PCA or PLS model (``kind``) for :func:`pca` / :func:`pls`."""
    from qbdkit.core.mvda import PCA, PLS
    from qbdkit.core.mvda._base import check_t2_convention
    from qbdkit.core.mvda.summary import pca_summary, pls_summary

    n_comp = parse_components(req.components)
    scale = _check(req.scale, ("uv", "pareto", "none"), "--scale", "scaling")
    spe = _check(req.spe_method, ("box", "jackson-mudholkar"), "--spe-method",
                 "SPE limit method")
    conv = check_t2_convention(req.t2_convention)
    table = _read(req.file, req.sheet, req.header_row)
    notes = [f"{Path(table.file).name}: {n}" for n in [*table.notes, *table.missing_notes()]]
    ycols: list[str] = []
    if kind == "pls":
        ycols = [find_column(table, c.strip(), "--y") for v in req.y for c in v.split(",")
                 if c.strip()]
        if not ycols:
            raise QbdInputError("no response given", column="--y",
                                expected="one or more column names")
    color = find_column(table, req.color_by, "--color-by") if req.color_by else None
    exclude = tuple(ycols) + ((color,) if color and not (req.x and color in req.x) else ())
    only = [c.strip() for v in (req.x or []) for c in v.split(",") if c.strip()] or None
    X, ids = read_observations(table, req.id_column, exclude=exclude, only=only)
    Y = numeric_frame(table, ycols) if ycols else None
    try:
        if kind == "pls":
            model = PLS(n_comp, scale=scale, spe_method=spe, t2_convention=conv).fit(X, Y)
        else:
            model = PCA(n_comp, scale=scale, spe_method=spe, t2_convention=conv).fit(X)
    except QbdInputError as exc:
        raise located(exc, table) from None
    for name, why in model.dropped_.items():
        notes.append(f"{Path(table.file).name}: {name}: dropped ({why})")
    new = new_ids = new_table = None
    if req.predict is not None:
        new_table = _read(req.predict, req.sheet, req.header_row)
        notes += [f"{Path(new_table.file).name}: {n}" for n in new_table.missing_notes()]
        new, new_ids = read_new(new_table, req.id_column, model, notes,
                                ignore=tuple(ycols) + ((color,) if color else ()))
    first = req.contributions[0] if req.contributions else None
    try:
        if kind == "pls":
            summary = pls_summary(model, X, ids, new, new_ids, first)
        else:
            summary = pca_summary(model, ids, new, new_ids, first)
        contributions = _contributions(model, summary, ids, new, new_ids, req.contributions)
    except QbdInputError as exc:
        raise (located(exc, new_table) if new_table is not None else exc) from None
    color_by = None
    if color:
        color_by = {"variable": color, "values": _color_values(table, color, len(ids)),
                    "new_values": None if new_table is None else
                    _color_values(new_table, color, len(new_ids or []))}
    extras = {"file": Path(table.file).name,
              "predict_file": None if new_table is None else Path(new_table.file).name,
              "score_var": [float(v) for v in model.score_var_], "color_by": color_by,
              "observation_contributions": contributions, "notes": notes}
    if kind == "pls":
        assert Y is not None
        observed = {c: [float(v) for v in Y[c].to_numpy()] for c in Y.columns}
        return PlsResult(**_fields(summary), observed=observed, **extras)
    return PcaResult(**_fields(summary), **extras)


def pca(req: PcaRequest, ctx: Context | None = None) -> PcaResult:
    """Principal component analysis with T², SPE and DModX limits; new observations projected."""
    return _fit_latent(req, "pca")


def pls(req: PlsRequest, ctx: Context | None = None) -> PlsResult:
    """PLS regression (NIPALS) with VIP, coefficients, Q²/RMSECV, T²/SPE/DModX limits."""
    return _fit_latent(req, "pls")


def opls(req: OplsRequest, ctx: Context | None = None) -> Any:
    """OPLS: one predictive and orthogonal components (Trygg & Wold 2002), R²X, R²Y, Q² as
    SIMCA reports them; new observations predicted and projected."""
    import dataclasses as dc

    from qbdkit.core.mvda._base import check_t2_convention
    from qbdkit.core.mvda.opls import OPLS, opls_contributions

    comps = str(req.components).strip().lower()
    if comps != "auto":
        try:
            n_orth: int | str = int(comps)
        except ValueError:
            raise QbdInputError("number of orthogonal components", column="--components",
                                expected="a whole number ≥ 0 or auto",
                                found=req.components) from None
    else:
        n_orth = "auto"
    scale = _check(req.scale, ("uv", "pareto", "none"), "--scale", "scaling")
    conv = check_t2_convention(req.t2_convention)
    table = _read(req.file, req.sheet, req.header_row)
    notes = [f"{Path(table.file).name}: {n}" for n in [*table.notes, *table.missing_notes()]]
    ycol = find_column(table, req.y.strip(), "--y")
    color = find_column(table, req.color_by, "--color-by") if req.color_by else None
    exclude = (ycol,) + ((color,) if color and not (req.x and color in req.x) else ())
    only = [c.strip() for v in (req.x or []) for c in v.split(",") if c.strip()] or None
    X, ids = read_observations(table, req.id_column, exclude=exclude, only=only)
    yv = numeric_frame(table, [ycol])[ycol]
    from qbdkit.core.mvda.summary import check_unique_ids

    check_unique_ids(ids, column=req.id_column, rows=table.rows, file=table.file)
    try:
        model = OPLS(n_orth, scale=scale, t2_convention=conv).fit(X, yv)
    except QbdInputError as exc:
        raise located(exc, table) from None
    for name, why in model.dropped_.items():
        notes.append(f"{Path(table.file).name}: {name}: dropped ({why})")
    new = new_ids = new_table = None
    if req.predict is not None:
        new_table = _read(req.predict, req.sheet, req.header_row)
        new, new_ids = read_new(new_table, req.id_column, model, notes,
                                ignore=(ycol,) + ((color,) if color else ()))
        check_unique_ids(new_ids, column=req.id_column, rows=new_table.rows,
                         file=new_table.file, what="projected observation")
    try:
        result = model.result(ids, new, new_ids, observed=yv.to_numpy(), response=ycol)
        wanted = list(dict.fromkeys(req.contributions))
        if not wanted:
            lim = result.t2_limit["0.95"]
            ranked = [(float(result.t2[i] / lim), o) for i, o in enumerate(ids)
                      if result.t2[i] > lim]
            if result.projected:
                pl = result.projected["t2_limit"]["0.95"]
                ranked += [(float(v / pl), o) for v, o in zip(
                    result.projected["t2"], result.projected["observations"], strict=True)
                    if v > pl]
            wanted = [o for _w, o in sorted(ranked, key=lambda x: -x[0])][
                :MAX_AUTO_CONTRIBUTIONS]
        contributions = [opls_contributions(model, o, ids, new, new_ids) for o in wanted]
    except QbdInputError as exc:
        raise (located(exc, new_table) if new_table is not None else exc) from None
    color_by = None
    if color:
        color_by = {"variable": color, "values": _color_values(table, color, len(ids)),
                    "new_values": None if new_table is None else
                    _color_values(new_table, color, len(new_ids or []))}
    return dc.replace(result, observation_contributions=contributions,
                      contributions=contributions[0] if req.contributions else None,
                      color_by=color_by, notes=notes, file=Path(table.file).name,
                      predict_file=None if new_table is None else Path(new_table.file).name)


# ---- batch models ---------------------------------------------------------------------------


class BatchRequest(Request):
    """``qbdkit mvda batch`` — see :func:`qbdkit.core.mvda.analyze_batches`."""

    file: Path = input_file(description="long-format batch data: batch, time, variables")
    batch: str
    time: str
    indicator: str | None = None
    predict: Path | None = input_file(None, description="new batches (same columns)")
    components: str = "2"
    level_components: str = "2"
    k: float = 3.0
    n_points: int | None = None
    final: Path | None = input_file(None, description="final quality attributes per batch")
    evolution: str = "pca"
    sheet: str | None = None
    header_row: str | None = None


#: training trajectories are kept for the variables plot up to this many numbers
MAX_TRAJECTORY_VALUES = 200_000


@dataclass(frozen=True)
class BatchResult(BatchAnalysis):
    """:class:`~qbdkit.core.mvda.BatchAnalysis` with the report's material: the level
    model's score-plot ellipse (``level_ellipse``, at the limit of the points it judges) and
    score variances, the aligned trajectories (``trajectories``: ``{"variables",
    "train": {batch: J × V}, "new": {batch: J × V}}``; training ones only when small) and
    input ``notes``."""

    file: str = ""
    predict_file: str | None = None
    level_ellipse: dict[str, Any] | None = None
    level_score_var: list[float] = field(default_factory=list)
    trajectories: dict[str, Any] | None = None
    input_notes: list[str] = field(default_factory=list)


def _read_batches(path: Path, req: BatchRequest, notes: list[str], grid: Any = None) -> Any:
    from qbdkit.core.mvda.batch import align_batches

    table = _read(path, req.sheet, req.header_row)
    aligned = align_batches(table.frame, batch=req.batch, time=req.time,
                            indicator=req.indicator, grid=grid,
                            n_points=None if grid is not None else req.n_points,
                            file=table.file, rows=table.rows)
    name = Path(table.file).name
    notes += [f"{name}: {n}" for n in [*table.notes, *aligned.notes, *table.missing_notes()]]
    return aligned


def _read_final(path: Path, req: BatchRequest, batches: list[str], notes: list[str]) -> Any:
    from qbdkit.core.sdm import numeric_attributes

    table = _read(path, req.sheet, req.header_row)
    if req.batch not in table.frame.columns:
        raise QbdInputError("missing column", file=table.file, row=1, column=req.batch,
                            expected=f"a header {req.batch!r}", found=", ".join(table.columns))
    frame, ids, more = numeric_attributes(table.frame, file=table.file, rows=table.rows,
                                          id_column=req.batch)
    notes += [f"{Path(table.file).name}: {n}" for n in more]
    frame.index = ids
    missing = [b for b in batches if b not in frame.index]
    if missing:
        raise QbdInputError("final quality attributes missing for batches", file=table.file,
                            column=req.batch, expected="one row per batch of the batch data",
                            found=", ".join(missing))
    return frame


def batch(req: BatchRequest, ctx: Context | None = None) -> BatchResult:
    """Batch evolution model (scores ± k SD per time point) and batch level model; new
    batches projected onto both."""
    from qbdkit.core.mvda.batch import analyze_batches

    if not req.k > 0:
        raise QbdInputError("k out of range", column="--k", expected="a positive number",
                            found=req.k)
    _check(req.evolution, ("pca", "pls"), "--evolution", "evolution model")
    comps, level = parse_components(req.components), parse_components(req.level_components)
    notes: list[str] = []
    train = _read_batches(req.file, req, notes)
    final = None if req.final is None else _read_final(req.final, req, train.batches, notes)
    new = None
    if req.predict is not None:
        new = _read_batches(req.predict, req, notes, grid=train.grid)
        missing = [v for v in train.variables if v not in new.variables]
        if missing:
            raise QbdInputError("variables of the model missing from the new batches",
                                file=str(req.predict), row=1, column=", ".join(missing),
                                expected="the training file's variables: "
                                         + ", ".join(train.variables),
                                found=", ".join(new.variables))
    result, bem, blm = analyze_batches(train, new, n_components=comps, level_components=level,
                                       k=req.k, final=final, evolution_method=req.evolution)
    for v, why in bem.dropped_.items():
        notes.append(f"{Path(req.file).name}: variable {v} left out of the evolution model "
                     f"({why})")
    q = blm.pca_
    ellipse = None
    if q.n_components_ >= 2:
        e = q.score_ellipse((1, 2), 0.95, new=new is not None)
        ellipse = {"components": list(e.components), "radii": list(e.radii), "limit": e.limit,
                   "alpha": e.alpha, "judges": e.judges, "convention": e.convention,
                   "exact": e.exact, "label": e.label}
    traj: dict[str, Any] = {"variables": list(train.variables), "train": None, "new": None}
    if train.data.size <= MAX_TRAJECTORY_VALUES:
        traj["train"] = {b: train.data[i] for i, b in enumerate(train.batches)}
    if new is not None:
        traj["new"] = {b: new.data[i][:, [new.variables.index(v) for v in train.variables]]
                       for i, b in enumerate(new.batches)}
    return BatchResult(**_fields(result), file=Path(req.file).name,
                       predict_file=None if req.predict is None else Path(req.predict).name,
                       level_ellipse=ellipse,
                       level_score_var=[float(v) for v in q.score_var_],
                       trajectories=traj, input_notes=notes)


# ---- examples and kinds ---------------------------------------------------------------------


def _observations(n: int, k: int, seed: int, prefix: str) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2)) @ rng.normal(size=(2, k)) + 0.3 * rng.normal(size=(n, k))
    names = ["titer", "viability", "lactate", "ammonium", "aggregate", "afucosylation"][:k]
    df = pd.DataFrame(np.round(X * 2 + 50, 3), columns=names)
    df.insert(0, "batch", [f"{prefix}{i + 1:02d}" for i in range(n)])
    return df


def _pca_example(folder: Path) -> PcaRequest:
    """20 at-scale batches × 6 end points and 4 small-scale runs to project (synthetic)."""
    train = Path(folder) / "at_scale.csv"
    new = Path(folder) / "small_scale.csv"
    _observations(20, 6, 11, "L").to_csv(train, index=False)
    _observations(4, 6, 12, "S").to_csv(new, index=False)
    return PcaRequest(file=train, id_column="batch", components="2", predict=new)


def _pls_example(folder: Path) -> PlsRequest:
    """25 runs, 5 process variables and a titer response (synthetic)."""
    df = _observations(25, 5, 13, "R")
    rng = np.random.default_rng(14)
    df["yield"] = np.round(0.4 * df["titer"] - 0.2 * df["lactate"] + rng.normal(0, 0.3, 25), 3)
    path = Path(folder) / "runs.csv"
    df.to_csv(path, index=False)
    return PlsRequest(file=path, id_column="batch", y=["yield"], components="2")


def _batch_example(folder: Path) -> BatchRequest:
    """Six reference batches and one drifting new batch, 8 days, 3 variables (synthetic)."""
    def frame(n: int, seed: int, prefix: str, drift: bool = False) -> pd.DataFrame:
        rng = np.random.default_rng(seed)
        rows = []
        for b in range(n):
            for d in range(8):
                lac = 2 * np.exp(-((d - 3) / 2.5) ** 2) + rng.normal(0, 0.05)
                lac += 1.5 if drift and d >= 5 else 0.0
                rows.append({"batch": f"{prefix}{b + 1}", "day": d,
                             "vcd": round(12 / (1 + np.exp(-(d - 3))) + rng.normal(0, 0.3), 3),
                             "lactate": round(lac, 3),
                             "pH": round(7.0 - 0.05 * lac + rng.normal(0, 0.01), 3)})
        return pd.DataFrame(rows)

    train = Path(folder) / "reference.csv"
    new = Path(folder) / "new.csv"
    frame(6, 21, "L").to_csv(train, index=False)
    frame(1, 22, "S", drift=True).to_csv(new, index=False)
    return BatchRequest(file=train, batch="batch", time="day", predict=new)


register(Kind("mvda.pca", PcaRequest, pca, PcaResult,
              title={"en": "Principal component analysis (PCA)", "zh": "主成分分析（PCA）"},
              stage="mvda", example=_pca_example))
register(Kind("mvda.pls", PlsRequest, pls, PlsResult,
              title={"en": "Partial least squares (PLS)", "zh": "偏最小二乘（PLS）"},
              stage="mvda", example=_pls_example))
def _opls_result_class() -> type:
    from qbdkit.core.mvda.opls import OplsResult

    return OplsResult


def _opls_example(folder: Path) -> OplsRequest:
    """30 runs, 6 process variables with strong variation unrelated to the yield (synthetic)."""
    rng = np.random.default_rng(15)
    t = rng.normal(size=30)
    o = rng.normal(size=(30, 2)) * [3.0, 1.5]
    X = np.outer(t, rng.normal(size=6)) + o @ rng.normal(size=(2, 6)) + 0.2 * rng.normal(
        size=(30, 6))
    df = pd.DataFrame(np.round(X + 20, 3), columns=["temp", "ph", "do", "feed", "osmo", "pco2"])
    df.insert(0, "run", [f"R{i + 1:02d}" for i in range(30)])
    df["yield"] = np.round(1.5 * t + 0.15 * rng.normal(size=30) + 10, 3)
    path = Path(folder) / "runs.csv"
    df.to_csv(path, index=False)
    return OplsRequest(file=path, id_column="run", y="yield", components="auto")


register(Kind("mvda.opls", OplsRequest, opls, _opls_result_class(),
              title={"en": "Orthogonal PLS (OPLS)", "zh": "正交偏最小二乘（OPLS）"},
              stage="mvda", example=_opls_example))
register(Kind("mvda.batch", BatchRequest, batch, BatchResult,
              title={"en": "Batch evolution and batch level models", "zh": "批次演变与批次水平模型"},
              stage="mvda", example=_batch_example))
