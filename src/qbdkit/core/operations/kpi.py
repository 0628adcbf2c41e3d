"""Key performance indicators (KPI) of a pilot platform, per month / quarter / year.

Seed 001 §2.5 asks for internal evaluation at least once a year with the key indicators
monitored monthly or quarterly, over five dimensions — service level, technical capability,
results output, operating quality, management efficiency — naming two indicators: the
on-time completion rate of pilot projects (中试项目按时完成率) and the process scale-up
success rate (工艺放大成功率). qbdkit computes one or more indicators per dimension
(:data:`KPIS`); those not named by the seed are qbdkit's choice, marked ``named=False``.

A request counts in the period in which it was *completed* (acceptance complete), except
``received`` (period of receipt) and the stage-deadline rates (period in which the stage
completed). Rates are ``numerator / denominator``; an empty denominator gives None (shown
blank), never 0.

Definitions (per period):

* ``on_time_rate`` = requests completed on time / requests completed (see
  :mod:`qbdkit.core.operations.requests` for "on time");
* ``intake_rate``, ``protocol_rate``, ``acceptance_rate`` = stages completed within their
  working-day limit (5 / 10 / 10) / stages completed;
* ``scale_up_success_rate`` = completed requests with a successful scale-up / completed
  requests that included a scale-up;
* ``completed`` = requests completed (results output);
* ``exceptions_per_request`` = exceptions recorded on completed requests / requests
  completed; ``exceptions_open`` = exceptions still open on them;
* ``median_cycle_working_days`` = median working days from receipt to acceptance.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from qbdkit.core.result import Result, format_table
from qbdkit.errors import QbdInputError

PERIODS: tuple[str, ...] = ("month", "quarter", "year")


@dataclass(frozen=True)
class KpiDefinition:
    name: str
    dimension: str
    label_en: str
    label_zh: str
    named: bool
    higher_is_better: bool = True


KPIS: tuple[KpiDefinition, ...] = (
    KpiDefinition("on_time_rate", "service level", "On-time completion rate",
                  "中试项目按时完成率", True),
    KpiDefinition("intake_rate", "service level", "Intake and assessment within 5 working days",
                  "需求对接与评估 5 个工作日内完成率", False),
    KpiDefinition("protocol_rate", "service level", "Protocol within 10 working days",
                  "方案 10 个工作日内编制率", False),
    KpiDefinition("acceptance_rate", "service level", "Acceptance within 10 working days",
                  "验收 10 个工作日内完成率", False),
    KpiDefinition("scale_up_success_rate", "technical capability", "Scale-up success rate",
                  "工艺放大成功率", True),
    KpiDefinition("completed", "results output", "Projects completed", "完成项目数", False),
    KpiDefinition("exceptions_per_request", "operating quality", "Exceptions per project",
                  "每项目异常数", False, higher_is_better=False),
    KpiDefinition("exceptions_open", "operating quality", "Open exceptions", "未关闭异常数",
                  False, higher_is_better=False),
    KpiDefinition("median_cycle_working_days", "management efficiency",
                  "Median cycle time (working days)", "中位周期（工作日）", False,
                  higher_is_better=False),
)
KPI_BY_NAME: dict[str, KpiDefinition] = {k.name: k for k in KPIS}

#: columns :func:`kpi_report` expects (one row per request)
COLUMNS: tuple[str, ...] = (
    "request", "received", "intake_done", "intake_on_time", "protocol_done", "protocol_on_time",
    "acceptance_done", "acceptance_on_time", "on_time", "scale_up", "scale_up_success",
    "exceptions", "exceptions_open", "cycle_working_days")


def period_label(day: dt.date, period: str) -> str:
    """``2025-03``, ``2025-Q1`` or ``2025``."""
    if period == "month":
        return f"{day.year}-{day.month:02d}"
    if period == "quarter":
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    return str(day.year)


@dataclass(frozen=True)
class KpiRow(Result):
    """The indicators of one period; counts are kept beside each rate."""

    period: str
    received: int
    completed: int
    completed_on_time: int
    on_time_rate: float | None
    intake_rate: float | None
    protocol_rate: float | None
    acceptance_rate: float | None
    scale_ups: int
    scale_up_successes: int
    scale_up_success_rate: float | None
    exceptions_per_request: float | None
    exceptions_open: int
    median_cycle_working_days: float | None


@dataclass(frozen=True)
class KpiReport(Result):
    """KPIs per ``period`` (``month`` / ``quarter`` / ``year``), oldest first."""

    period: str
    rows: list[KpiRow] = field(default_factory=list)
    requests: int = 0
    open_requests: int = 0
    overdue_requests: list[str] = field(default_factory=list)
    as_of: str | None = None

    def row(self, period: str) -> KpiRow:
        return next(r for r in self.rows if r.period == period)

    def summary(self) -> str:
        def pct(x: float | None) -> str:
            return "" if x is None else f"{100 * x:.1f} %"

        rows = [[r.period, r.received, r.completed, pct(r.on_time_rate), pct(r.intake_rate),
                 pct(r.protocol_rate), pct(r.acceptance_rate), pct(r.scale_up_success_rate),
                 r.exceptions_per_request, r.median_cycle_working_days] for r in self.rows]
        head = (f"KPIs per {self.period}: {self.requests} requests, {self.open_requests} open"
                + (f", overdue: {', '.join(self.overdue_requests)}" if self.overdue_requests
                   else ""))
        return head + "\n" + format_table(
            ["period", "received", "completed", "on time", "intake ≤5", "protocol ≤10",
             "acceptance ≤10", "scale-up success", "exceptions/req", "median cycle (wd)"], rows)


def _rate(num: int, den: int) -> float | None:
    return None if den == 0 else num / den


def _dates(frame: pd.DataFrame, column: str) -> pd.Series:
    return frame[column].map(lambda v: v if isinstance(v, dt.date) else None)


def kpi_report(frame: pd.DataFrame, period: str = "month", *, as_of: dt.date | None = None,
               overdue: Sequence[str] = ()) -> KpiReport:
    """KPIs per ``period`` from one row per request (columns :data:`COLUMNS`).

    Date columns hold ``datetime.date`` or None; ``*_on_time`` and ``on_time`` are bools
    (None when the stage is not complete); ``scale_up`` bool, ``scale_up_success`` bool or
    None; ``exceptions`` / ``exceptions_open`` integers; ``cycle_working_days`` a number or
    None. ``overdue`` lists the requests overdue as of ``as_of`` (reported, not rated).
    """
    if period not in PERIODS:
        raise QbdInputError("unknown period", column="period", expected=" | ".join(PERIODS),
                            found=period)
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise QbdInputError("missing KPI column", column=missing[0],
                            expected=", ".join(COLUMNS), found=", ".join(map(str, frame.columns)))
    groups: dict[str, dict[str, Any]] = {}

    def bucket(day: dt.date | None) -> dict[str, Any] | None:
        if day is None:
            return None
        key = period_label(day, period)
        return groups.setdefault(key, {"received": 0, "completed": [], "stages": {
            s: [0, 0] for s in ("intake", "protocol", "acceptance")}})

    for rec in frame.to_dict(orient="records"):
        b = bucket(rec["received"] if isinstance(rec["received"], dt.date) else None)
        if b is not None:
            b["received"] += 1
        for stage in ("intake", "protocol", "acceptance"):
            done = rec[f"{stage}_done"]
            sb = bucket(done if isinstance(done, dt.date) else None)
            if sb is not None:
                sb["stages"][stage][1] += 1
                sb["stages"][stage][0] += bool(rec[f"{stage}_on_time"])
        accepted = rec["acceptance_done"]
        ab = bucket(accepted if isinstance(accepted, dt.date) else None)
        if ab is not None:
            ab["completed"].append(rec)
    rows: list[KpiRow] = []
    for key in sorted(groups):
        g = groups[key]
        done = g["completed"]
        n = len(done)
        on_time = sum(bool(r["on_time"]) for r in done)
        ups = [r for r in done if bool(r["scale_up"])]
        ok = sum(bool(r["scale_up_success"]) for r in ups)
        cycles = [float(r["cycle_working_days"]) for r in done
                  if r["cycle_working_days"] is not None and not pd.isna(r["cycle_working_days"])]
        st = g["stages"]
        rows.append(KpiRow(
            period=key, received=g["received"], completed=n, completed_on_time=on_time,
            on_time_rate=_rate(on_time, n), intake_rate=_rate(*st["intake"]),
            protocol_rate=_rate(*st["protocol"]), acceptance_rate=_rate(*st["acceptance"]),
            scale_ups=len(ups), scale_up_successes=ok, scale_up_success_rate=_rate(ok, len(ups)),
            exceptions_per_request=None if n == 0 else sum(int(r["exceptions"]) for r in done) / n,
            exceptions_open=sum(int(r["exceptions_open"]) for r in done),
            median_cycle_working_days=None if not cycles else float(pd.Series(cycles).median())))
    open_requests = int(sum(not isinstance(v, dt.date) for v in frame["acceptance_done"]))
    return KpiReport(period=period, rows=rows, requests=len(frame), open_requests=open_requests,
                     overdue_requests=list(overdue),
                     as_of=None if as_of is None else as_of.isoformat())


@dataclass(frozen=True)
class KpiCheck(Result):
    kpi: str
    dimension: str
    value: float | None
    target: float
    met: bool | None


@dataclass(frozen=True)
class YearlyEvaluation(Result):
    """The yearly evaluation (seed 001 §2.5): each KPI of the year against its target;
    ``shortfalls`` are the KPIs that need an improvement action with owner and due date."""

    year: str
    checks: list[KpiCheck] = field(default_factory=list)
    shortfalls: list[str] = field(default_factory=list)

    def summary(self) -> str:
        rows = [[c.kpi, c.dimension, c.value, c.target,
                 "" if c.met is None else ("met" if c.met else "NOT met")] for c in self.checks]
        return (f"yearly evaluation {self.year}: {len(self.shortfalls)} shortfall(s)\n"
                + format_table(["KPI", "dimension", "value", "target", "result"], rows))


def yearly_evaluation(report: KpiReport, year: int | str,
                      targets: Mapping[str, float]) -> YearlyEvaluation:
    """Compare the year's KPIs (``report`` per year) with ``targets`` ({kpi: target}).

    A rate target is a fraction (0.9 = 90 %). A KPI with no value that year (empty
    denominator) is not judged (``met`` None).
    """
    if report.period != "year":
        raise QbdInputError("the yearly evaluation needs KPIs per year", column="period",
                            expected="year", found=report.period)
    unknown = [k for k in targets if k not in KPI_BY_NAME]
    if unknown:
        raise QbdInputError("unknown KPI", column="targets",
                            expected=" | ".join(KPI_BY_NAME), found=unknown[0])
    row = next((r for r in report.rows if r.period == str(year)), None)
    checks: list[KpiCheck] = []
    for name, target in targets.items():
        d = KPI_BY_NAME[name]
        value = None if row is None else getattr(row, name)
        met = None if value is None else (value >= target if d.higher_is_better
                                          else value <= target)
        checks.append(KpiCheck(name, d.dimension, value, float(target), met))
    return YearlyEvaluation(year=str(year), checks=checks,
                            shortfalls=[c.kpi for c in checks if c.met is False])


def row_from_schedule(schedule: Any, *, scale_up: bool = False,
                      scale_up_success: bool | None = None, exceptions: int = 0,
                      exceptions_open: int = 0) -> dict[str, Any]:
    """One :func:`kpi_report` input row from a
    :class:`~qbdkit.core.operations.requests.RequestSchedule` and the request's outcomes."""

    def day(text: str | None) -> dt.date | None:
        return None if text is None else dt.date.fromisoformat(text)

    out: dict[str, Any] = {"request": schedule.request, "received": day(schedule.received)}
    for stage in ("intake", "protocol", "acceptance"):
        s = schedule.stage(stage)
        out[f"{stage}_done"] = day(s.completed)
        out[f"{stage}_on_time"] = None if s.completed is None else s.status == "on time"
    used = [schedule.stage(s).working_days_used for s in
            ("intake", "protocol", "execution", "acceptance")]
    out.update(on_time=schedule.completed_on_time, scale_up=bool(scale_up),
               scale_up_success=scale_up_success, exceptions=int(exceptions),
               exceptions_open=int(exceptions_open),
               cycle_working_days=None if any(u is None for u in used) else sum(used))
    return out
