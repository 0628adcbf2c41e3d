"""Stability use cases: ICH Q1E shelf life, the out-of-trend check of a new result, and the
stability study as a record.

Input: a table (CSV/XLSX), one row per result, with a batch column, a time column and a
value column (names chosen by the user; Chinese headers such as 批次/月/含量 work as
written). Record kinds: ``stability.shelf_life``, ``stability.trend`` and
``stability.study`` (:class:`StudyRequest` is the study document of
:mod:`qbdkit.model.stability` — condition, batches, time points, pulls, excursions — with
its results file; the result is the study's state: out-of-trend and out-of-specification
flags of every result, late pulls, excursion hours). Records link by name: a shelf-life or
trend record names its study (``study``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import Field

from qbdkit.core.result import Result, format_table
from qbdkit.core.stability import ShelfLifeResult, TrendCheck, out_of_trend, shelf_life
from qbdkit.errors import QbdInputError
from qbdkit.i18n import both
from qbdkit.model.stability import StabilityStudy
from qbdkit.services.base import Context, Request, input_file
from qbdkit.services.kinds import Kind, register

__all__ = ["ShelfLifeRequest", "StudyRequest", "StudyState", "TrendRequest", "run_shelf_life",
           "run_study", "run_trend"]


class ShelfLifeRequest(Request):
    """Everything ``qbdkit stability shelf-life`` takes."""

    file: Path = input_file(description="stability results (CSV/XLSX), one row per result")
    batch: str = "batch"
    time: str = "time"
    value: str = "value"
    lower: float | None = None
    upper: float | None = None
    alpha: float = Field(0.05, gt=0, lt=0.5)
    alpha_pool: float = Field(0.25, gt=0, lt=1)
    transform: Literal["none", "log"] = "none"
    random_batch: bool = False
    pooled_error: bool = False
    search_limit: float | None = Field(None, gt=0)
    storage: Literal["room", "refrigerated", "frozen", "below-20"] | None = "room"
    accelerated_change: bool = False
    intermediate_change: bool | None = None
    little_change: bool = False
    biologic: bool = False
    sheet: str | None = None
    study: str | None = None
    """Name of the ``stability.study`` record the data come from (a link, not read)."""


class TrendRequest(Request):
    """A new result checked against the prediction interval of the earlier results."""

    file: Path = input_file(description="earlier stability results (CSV/XLSX)")
    batch: str = "batch"
    time: str = "time"
    value: str = "value"
    new_batch: str
    new_time: float
    new_value: float
    alpha: float = Field(0.05, gt=0, lt=0.5)
    sheet: str | None = None
    study: str | None = None
    """Name of the ``stability.study`` record the result belongs to (a link, not read)."""


def _columns(path: Path, sheet: str | None, names: tuple[str, str, str]):
    from qbdkit.errors import Problem
    from qbdkit.io import read_table

    table = read_table(path, sheet=sheet if sheet is not None else 0)
    missing = [n for n in names if n not in table.frame.columns]
    if missing:
        raise QbdInputError(problems=[
            Problem("missing column", table.file, 1, n, f"a header {n!r}",
                    ", ".join(table.columns)) for n in missing])
    return table


def run_shelf_life(req: ShelfLifeRequest, ctx: Context | None = None) -> ShelfLifeResult:
    """Read the table and estimate the shelf life (:func:`qbdkit.core.stability.shelf_life`)."""
    names = (req.batch, req.time, req.value)
    table = _columns(req.file, req.sheet, names)
    if ctx is not None:
        ctx.report(0.2, "fitting")
    f = table.frame
    return shelf_life(
        f[req.batch].tolist(), f[req.time].tolist(), f[req.value].tolist(), lower=req.lower,
        upper=req.upper, alpha=req.alpha, alpha_pool=req.alpha_pool, transform=req.transform,
        random_batch=req.random_batch, pooled_error=req.pooled_error,
        search_limit=req.search_limit, storage=req.storage,
        accelerated_change=req.accelerated_change, intermediate_change=req.intermediate_change,
        little_change=req.little_change, biologic=req.biologic, file=table.file,
        rows=table.rows, columns=names)


def run_trend(req: TrendRequest, ctx: Context | None = None) -> TrendCheck:
    """Check a new result against the earlier ones (:func:`qbdkit.core.stability.out_of_trend`)."""
    from qbdkit.core.stability import check_stability_data

    names = (req.batch, req.time, req.value)
    table = _columns(req.file, req.sheet, names)
    f = table.frame
    frame = check_stability_data(f[req.batch].tolist(), f[req.time].tolist(),
                                 f[req.value].tolist(), file=table.file, rows=table.rows,
                                 columns=names)
    return out_of_trend(frame["batch"], frame["time"], frame["value"], new_batch=req.new_batch,
                        new_time=req.new_time, new_value=req.new_value, alpha=req.alpha)


# ---- the stability study as a record ------------------------------------------------------


class StudyRequest(Request, StabilityStudy):
    """A stability study (:class:`~qbdkit.model.stability.StabilityStudy`: condition,
    storage, batches, time points, pulls, excursions) with its results.

    ``results_file``: CSV/XLSX, one row per pulled sample, with ``batch_column`` and
    ``time_column`` and either a long layout (``attribute`` and ``value`` columns) or a wide
    one (one numeric column per attribute, e.g. ``Aggregate (%)``). Results given inline
    (``results``) are added. ``specification``: attribute → ``[lower, upper]`` (either may be
    None) for the out-of-specification flag.
    """

    results_file: Path | None = input_file(None, description="stability results (CSV/XLSX)")
    batch_column: str = "batch"
    time_column: str = "time"
    specification: dict[str, tuple[float | None, float | None]] = Field(default_factory=dict)
    alpha: float = Field(0.05, gt=0, lt=0.5)
    sheet: str | None = None


@dataclass(frozen=True)
class ResultFlag(Result):
    """One result with its out-of-trend check (None: too few earlier results) and
    out-of-specification flag (None: no limit for the attribute)."""

    batch: str
    time: float
    attribute: str
    value: float
    predicted: float | None = None
    lower: float | None = None
    upper: float | None = None
    method: str = ""
    oot: bool | None = None
    oos: bool | None = None


@dataclass(frozen=True)
class PullState(Result):
    batch: str
    time: float
    planned: str | None
    actual: str | None
    days_late: int | None
    samples: int | None = None


@dataclass(frozen=True)
class ExcursionState(Result):
    batch: str
    start: str
    end: str
    hours: float
    extreme: str = ""
    cause: str = ""
    impact: str = ""
    deviation: str | None = None


@dataclass(frozen=True)
class StudyState(Result):
    """A study's state: every result flagged, pulls, excursions, missing time points."""

    study: str
    material: str
    condition: str
    storage: str
    time_unit: str
    batches: list[str]
    time_points: list[float]
    attributes: list[str]
    results: list[ResultFlag] = field(default_factory=list)
    pulls: list[PullState] = field(default_factory=list)
    excursions: list[ExcursionState] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    out_of_trend: list[str] = field(default_factory=list)
    out_of_specification: list[str] = field(default_factory=list)
    alpha: float = 0.05
    protocol: str = ""

    def summary(self) -> str:
        head = (f"stability study {self.study}: {self.material or 'material'} at "
                f"{self.condition}" + (f" ({self.storage})" if self.storage else "")
                + f"; batches {', '.join(self.batches)}; {len(self.results)} results")
        lines = [head]
        lines.append("out of trend: " + (", ".join(self.out_of_trend) or "none"))
        lines.append("out of specification: " + (", ".join(self.out_of_specification)
                                                 or "none"))
        late = [p for p in self.pulls if p.days_late]
        if late:
            lines.append("late pulls: " + ", ".join(f"{p.batch} @ {p.time:g} ({p.days_late} d)"
                                                     for p in late))
        if self.excursions:
            lines.append(format_table(["batch", "from", "to", "hours", "extreme", "deviation"],
                                      [[e.batch, e.start, e.end, e.hours, e.extreme,
                                        e.deviation or ""] for e in self.excursions]))
        if self.missing:
            lines.append("time points without results: " + ", ".join(self.missing))
        return "\n".join(lines)


def _study_results(req: StudyRequest) -> list[dict]:
    """Inline results plus the results file's, as ``{batch, time, attribute, value}``."""
    import math

    rows = [{"batch": r.batch, "time": float(r.time), "attribute": r.attribute,
             "value": float(r.value)} for r in req.results if r.value is not None]
    if req.results_file is None:
        return rows
    from qbdkit.io import read_table
    from qbdkit.io.tables import is_blank

    table = read_table(req.results_file, sheet=req.sheet if req.sheet is not None else 0)
    cols = list(table.frame.columns)
    missing = [c for c in (req.batch_column, req.time_column) if c not in cols]
    if missing:
        from qbdkit.errors import Problem

        raise QbdInputError(problems=[Problem("missing column", table.file, 1, c, repr(c),
                                              ", ".join(table.columns)) for c in missing])
    long = "attribute" in cols and "value" in cols
    attrs = ["value"] if long else [c for c in cols if c not in (req.batch_column,
                                                                 req.time_column)]
    known = set(req.batches)
    for i in range(len(table.frame)):
        batch = table.text(i, req.batch_column, allow_blank=False)
        if known and batch not in known:
            raise table.error(i, req.batch_column, "batch is not on the study",
                              expected=" | ".join(req.batches), found=batch)
        t = table.number(i, req.time_column)
        if t is None or t < 0 or not math.isfinite(t):
            raise table.error(i, req.time_column, "time must be ≥ 0", found=t)
        for a in attrs:
            if is_blank(table.cell(i, a)):
                continue
            v = table.number(i, a)
            name = table.text(i, "attribute", allow_blank=False) if long else a
            rows.append({"batch": batch, "time": float(t), "attribute": name, "value": v})
    return rows


#: earlier time points of a batch needed before its new results are checked for trend
#: (4: the residual SD of the batch's line has at least 2 degrees of freedom)
MIN_EARLIER = 4


def _flag(rows: list[dict], r: dict, alpha: float, spec: tuple | None) -> ResultFlag:
    """Check ``r`` against the earlier results of its own batch (regression-control-chart
    method) once the batch has :data:`MIN_EARLIER` earlier time points (else ``oot`` None).
    Other batches' lines are not used: with batch-to-batch differences in intercept (common in
    biologics) a pooled line's prediction interval ignores them and flags good early results;
    and with 3 points the residual SD has one degree of freedom, too unstable to flag on."""
    history = [x for x in rows if x["attribute"] == r["attribute"]
               and x["batch"] == r["batch"] and x["time"] < r["time"]]
    oos = None
    if spec is not None:
        lo, hi = spec
        oos = bool((lo is not None and r["value"] < lo) or (hi is not None and r["value"] > hi))
    if len({x["time"] for x in history}) < MIN_EARLIER:
        return ResultFlag(r["batch"], r["time"], r["attribute"], r["value"], oos=oos)
    c = out_of_trend([x["batch"] for x in history], [x["time"] for x in history],
                     [x["value"] for x in history], new_batch=r["batch"], new_time=r["time"],
                     new_value=r["value"], alpha=alpha)
    return ResultFlag(r["batch"], r["time"], r["attribute"], r["value"], c.predicted, c.lower,
                      c.upper, c.method, c.out_of_trend, oos)


def run_study(req: StudyRequest, ctx: Context | None = None) -> StudyState:
    """The study's state: every result checked for trend (PhRMA regression-control-chart
    method, :func:`qbdkit.core.stability.out_of_trend`) and specification, pulls late
    against plan, excursions in hours, scheduled time points without results."""
    rows = _study_results(req)
    unknown = [a for a in req.specification if a not in {r["attribute"] for r in rows}]
    if unknown and rows:
        raise QbdInputError("specification for an attribute without results",
                            column="specification", expected=", ".join(
                                dict.fromkeys(r["attribute"] for r in rows)), found=unknown[0])
    rows.sort(key=lambda r: (r["attribute"], r["batch"], r["time"]))
    flags = [_flag(rows, r, req.alpha, req.specification.get(r["attribute"])) for r in rows]
    unit = {"month": "m", "week": "w", "day": "d", "hour": "h", "cycle": " cycles"}[req.time_unit]
    oot = [f"{f.attribute} {f.batch} @ {f.time:g}{unit}" for f in flags if f.oot]
    oos = [f"{f.attribute} {f.batch} @ {f.time:g}{unit}" for f in flags if f.oos]
    batches = list(req.batches) or list(dict.fromkeys(r["batch"] for r in rows))
    times = sorted({tp.time for tp in req.time_points})
    have = {(r["batch"], r["time"]) for r in rows}
    latest = max((r["time"] for r in rows), default=-1.0)
    missing = [f"{b} @ {t:g}{unit}" for b in batches for t in times
               if t <= latest and (b, t) not in have]
    pulls = [PullState(p.batch, p.time, None if p.planned is None else p.planned.isoformat(),
                       None if p.actual is None else p.actual.isoformat(), p.days_late,
                       p.samples) for p in req.pulls]
    excursions = [ExcursionState(e.batch or "all", e.start.isoformat(), e.end.isoformat(),
                                 round(e.hours, 4), e.extreme, e.cause, e.impact, e.deviation)
                  for e in req.excursions]
    return StudyState(
        study=req.name, material=req.material, condition=req.condition, storage=req.storage,
        time_unit=req.time_unit, batches=batches, time_points=times,
        attributes=list(dict.fromkeys(r["attribute"] for r in rows)), results=flags,
        pulls=pulls, excursions=excursions, missing=missing, out_of_trend=oot,
        out_of_specification=oos, alpha=req.alpha, protocol=req.protocol)


def load_study(path: Path, **overrides: object) -> StudyRequest:
    """A :class:`StudyRequest` from a YAML/JSON study file (a relative ``results_file`` is
    resolved against the file's folder), with ``overrides`` (None values ignored)."""
    from qbdkit.services.documents import load_request

    return load_request(StudyRequest, path, **overrides)


# ---- examples (kind contract) ---------------------------------------------------------------

#: a small plausible long-term data set: % monomer (SEC) of three drug-substance lots at
#: 5 °C, decreasing ~0.08 %/month (synthetic, written for the example)
_EXAMPLE_ROWS = (
    ("A1", 0, 99.12), ("A1", 3, 98.93), ("A1", 6, 98.61), ("A1", 9, 98.44), ("A1", 12, 98.21),
    ("A1", 18, 97.72), ("A2", 0, 99.30), ("A2", 3, 99.02), ("A2", 6, 98.86), ("A2", 9, 98.49),
    ("A2", 12, 98.30), ("A2", 18, 97.90), ("A3", 0, 99.05), ("A3", 3, 98.88), ("A3", 6, 98.52),
    ("A3", 9, 98.35), ("A3", 12, 98.02), ("A3", 18, 97.61),
)


def _write_example(folder: Path) -> Path:
    path = Path(folder) / "monomer_5C.csv"
    path.write_text("batch,month,monomer\n" + "".join(f"{b},{t},{v}\n"
                                                      for b, t, v in _EXAMPLE_ROWS),
                    encoding="utf-8")
    return path


def _shelf_life_example(folder: Path) -> ShelfLifeRequest:
    return ShelfLifeRequest(file=_write_example(folder), time="month", value="monomer",
                            lower=95.0, storage="refrigerated", biologic=True,
                            study="LT-5C")


def _trend_example(folder: Path) -> TrendRequest:
    return TrendRequest(file=_write_example(folder), time="month", value="monomer",
                        new_batch="A1", new_time=24, new_value=96.9, study="LT-5C")


def _study_example(folder: Path) -> StudyRequest:
    import datetime as dt

    from qbdkit.model.stability import Excursion, Pull, TimePoint

    start = dt.date(2025, 1, 6)
    pulls = [Pull(batch=b, time=t, planned=start + dt.timedelta(days=round(30.4375 * t)),
                  actual=start + dt.timedelta(days=round(30.4375 * t) + (3 if (b, t) == (
                      "A2", 9) else 0)), samples=4)
             for b in ("A1", "A2", "A3") for t in (0, 3, 6, 9, 12, 18)]
    return StudyRequest(
        name="LT-5C", material="drug substance", condition="long-term", storage="5 °C ± 3 °C",
        batches=["A1", "A2", "A3"], protocol="STB-DS-001",
        time_points=[TimePoint(time=t, tests=["SEC"]) for t in (0, 3, 6, 9, 12, 18, 24)],
        pulls=pulls,
        excursions=[Excursion(start=dt.datetime(2025, 8, 2, 22, 10),
                              end=dt.datetime(2025, 8, 3, 1, 40), extreme="11.2 °C",
                              cause="chamber compressor trip", impact="none expected (< 4 h)",
                              deviation="DEV-2025-044")],
        results_file=_write_example(folder), time_column="month",
        specification={"monomer": (95.0, None)})


register(Kind("stability.shelf_life", ShelfLifeRequest, run_shelf_life, ShelfLifeResult,
              title=both("Shelf life (ICH Q1E)", "stability"), stage="stability",
              example=_shelf_life_example))
register(Kind("stability.trend", TrendRequest, run_trend, TrendCheck,
              title=both("Out-of-trend check", "stability"), stage="stability",
              example=_trend_example))
register(Kind("stability.study", StudyRequest, run_study, StudyState,
              title=both("Stability study", "stability"), stage="stability",
              example=_study_example))
