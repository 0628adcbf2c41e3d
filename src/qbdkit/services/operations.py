"""Operations use cases: due dates in Chinese working days, the KPI report of service
requests, cleaning limits (MACO), containment band, project timelines.

One function per use case, each registered as a record kind (stage ``operations``):

* :func:`due_date` — ``operations.due`` — ``{"due": "YYYY-MM-DD", …}``;
* :func:`kpi` — ``operations.kpi`` — reads a requests table (one row per request; columns
  :data:`REQUEST_COLUMNS`, English or Chinese headers), schedules every request in working
  days and reports KPIs per month / quarter / year (+ the yearly evaluation when targets
  are given);
* :func:`maco` — ``operations.maco`` — carry-over limits of one residue;
* :func:`containment` — ``operations.containment`` — band from the OEL;
* :func:`timeline` — ``operations.timeline`` — a plan template or file scheduled from a date.

A user calendar file (``calendar``) adds or corrects years of holidays and adjusted working
days: CSV/XLSX with columns ``date, type[, name]`` (type 放假/holiday or 上班/workday), or YAML
``{holidays: [dates or "A..B" ranges], workdays: [...]}``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError

from qbdkit.core.operations.calendar import (
    DueResult,
    WorkingCalendar,
    calendar_rows,
    default_calendar,
    due,
)
from qbdkit.core.operations.cleaning import (
    CarryoverResult,
    ContainmentResult,
    carryover_limits,
    containment_band,
)
from qbdkit.core.operations.kpi import (
    KpiReport,
    YearlyEvaluation,
    kpi_report,
    row_from_schedule,
    yearly_evaluation,
)
from qbdkit.core.operations.requests import RequestSchedule
from qbdkit.core.operations.timeline import TimelineResult, schedule
from qbdkit.core.result import Result, format_table
from qbdkit.errors import Problem, QbdInputError
from qbdkit.i18n import both
from qbdkit.model.operations import ImprovementAction
from qbdkit.services.base import Context, Request, input_file
from qbdkit.services.kinds import Kind, register

DOMAIN = "operations"

#: canonical request-table columns and accepted headers
REQUEST_COLUMNS: dict[str, tuple[str, ...]] = {
    "request": ("id", "request id", "编号", "需求编号", "项目编号"),
    "client": ("客户", "委托方", "customer"),
    "cooperation_mode": ("mode", "合作模式", "服务模式"),
    "scope": ("服务范围", "service scope"),
    "confidentiality": ("保密", "保密级别"),
    "received": ("received on", "收到日期", "受理日期", "需求日期"),
    "intake_done": ("intake", "评估完成", "需求评估完成"),
    "protocol_done": ("protocol", "方案完成", "方案制定完成"),
    "execution_due": ("约定完成日期", "实施约定完成"),
    "execution_done": ("execution", "实施完成"),
    "acceptance_done": ("acceptance", "验收完成"),
    "closed": ("closure", "结题", "关闭"),
    "scale_up": ("工艺放大",),
    "scale_up_success": ("放大成功",),
    "exceptions": ("异常数", "exceptions recorded"),
    "exceptions_open": ("未关闭异常", "open exceptions"),
    "ip_owner": ("成果归属", "results owner", "ownership"),
}
_DATE_FIELDS = ("received", "intake_done", "protocol_done", "execution_due", "execution_done",
                "acceptance_done", "closed")
_YES = {"yes", "y", "true", "1", "是", "成功", "success"}
_NO = {"no", "n", "false", "0", "否", "失败", "failure", "fail"}


# ---- calendar ---------------------------------------------------------------------------------

def _expand(value: Any, file: str, key: str) -> list[dt.date]:
    text = str(value).strip()
    try:
        if ".." in text:
            a, b = (dt.date.fromisoformat(x.strip()) for x in text.split("..", 1))
            if b < a:
                raise ValueError
            return [a + dt.timedelta(days=i) for i in range((b - a).days + 1)]
        if isinstance(value, dt.date):
            return [value]
        return [dt.date.fromisoformat(text)]
    except ValueError:
        raise QbdInputError("not a date or range", file=file, column=key,
                            expected="YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD", found=text) from None


def load_calendar(path: Path | None) -> WorkingCalendar:
    """The package calendar, plus the user's file when given."""
    if path is None:
        return default_calendar()
    p = Path(path)
    if p.suffix.lower() in (".yaml", ".yml"):
        import yaml

        if not p.is_file():
            raise QbdInputError("file not found", file=str(path))
        try:
            doc = yaml.safe_load(p.read_text(encoding="utf-8-sig")) or {}
        except yaml.YAMLError:
            raise QbdInputError("not valid YAML", file=str(path)) from None
        if not isinstance(doc, dict):
            raise QbdInputError("not a calendar", file=str(path),
                                expected="holidays: [...] and workdays: [...]")
        rows = [{"date": d, "type": kind} for key, kind in (("holidays", "holiday"),
                                                            ("workdays", "workday"))
                for item in (doc.get(key) or []) for d in _expand(item, str(path), key)]
        return calendar_rows(rows, file=str(path), years=doc.get("years") or ())
    from qbdkit.io import read_table
    from qbdkit.io.tables import require_columns

    table = require_columns(read_table(path, dtype_str=True), ["date", "type"],
                            {"date": ("日期",), "type": ("类型", "安排")}, optional=["name"])
    rows = table.frame.to_dict(orient="records")
    return calendar_rows(rows, file=table.file, row_numbers=[table.row_of(i)
                                                            for i in range(len(rows))])


# ---- due date -----------------------------------------------------------------------------

class DueRequest(Request):
    start: dt.date
    working_days: int = Field(ge=0, le=100_000)
    calendar: Path | None = input_file(None, description="holidays / working days (CSV/XLSX/YAML)")


def due_date(req: DueRequest, ctx: Context | None = None) -> DueResult:
    """The ``working_days``-th Chinese working day after ``start``."""
    return due(req.start, req.working_days, load_calendar(req.calendar))


# ---- KPI report ---------------------------------------------------------------------------

class KpiRequest(Request):
    """``as_of`` dates the overdue flags; leave it None only for a one-off look (today is
    used, so a stored record would not re-run identically — the CLI always fills it)."""

    requests: Path = input_file(description="service requests, one row each (CSV/XLSX)")
    period: Literal["month", "quarter", "year"] = "month"
    as_of: dt.date | None = None
    targets: dict[str, float] = Field(default_factory=dict)
    year: int | None = None
    calendar: Path | None = input_file(None, description="holidays / working days")
    actions: list[ImprovementAction] = Field(default_factory=list)
    """Improvement actions of the yearly evaluation (owner and due date each; seed 001 §2.5)."""
    management_review: dt.date | None = None
    reviewed_by: str | None = None
    external_evaluation: str | None = None


@dataclass(frozen=True)
class KpiDashboard(Result):
    """KPIs per period, every request's schedule, and (with targets) the yearly evaluation."""

    report: KpiReport
    schedules: list[RequestSchedule] = field(default_factory=list)
    evaluation: YearlyEvaluation | None = None
    as_of: str = ""
    actions: list[dict[str, Any]] = field(default_factory=list)
    """Improvement actions with ``status`` (open / overdue / done / effective / not
    effective) as of ``as_of``."""
    shortfalls_without_action: list[str] = field(default_factory=list)
    management_review: str | None = None
    reviewed_by: str | None = None
    external_evaluation: str | None = None

    def summary(self) -> str:
        parts = [self.report.summary()]
        rows = [[s.request, s.received, s.next_due, "yes" if s.overdue else "",
                 "" if s.completed_on_time is None else ("yes" if s.completed_on_time else "no")]
                for s in self.schedules]
        parts.append(format_table(["request", "received", "next due", "overdue", "on time"], rows))
        if self.evaluation is not None:
            parts.append(self.evaluation.summary())
        if self.actions:
            parts.append(format_table(["KPI", "action", "owner", "due", "status"],
                                      [[a["kpi"], a["description"], a["owner"], a["due"],
                                        a["status"]] for a in self.actions]))
        if self.shortfalls_without_action:
            parts.append("shortfalls without an improvement action: "
                         + ", ".join(self.shortfalls_without_action))
        if self.evaluation is not None:
            parts.append(f"management review: {self.management_review or 'pending'}"
                         + (f" ({self.reviewed_by})" if self.reviewed_by else ""))
        return "\n\n".join(parts)


def _cell_date(table: Any, i: int, column: str) -> dt.date | None:
    from qbdkit.io.tables import is_blank

    if column not in table.frame.columns:
        return None
    v = table.cell(i, column)
    if is_blank(v):
        return None
    if isinstance(v, dt.datetime):
        return v.date()
    try:
        return dt.date.fromisoformat(str(v).strip()[:10].replace("/", "-"))
    except ValueError:
        raise table.error(i, column, "not a date", expected="YYYY-MM-DD", found=v) from None


def _cell_bool(table: Any, i: int, column: str) -> bool | None:
    if column not in table.frame.columns:
        return None
    text = table.text(i, column).lower()
    if not text:
        return None
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise table.error(i, column, "not yes/no", expected="yes | no (是 | 否)", found=text)


def read_requests(path: Path, calendar: WorkingCalendar, as_of: dt.date
                  ) -> tuple[list[RequestSchedule], list[dict[str, Any]]]:
    """Schedules and KPI input rows of every request in the table (problems collected)."""
    from qbdkit.io import read_table
    from qbdkit.io.tables import require_columns
    from qbdkit.model.operations import ServiceRequest

    table = require_columns(read_table(path, dtype_str=True),
                            ["request", "client", "cooperation_mode", "scope", "received"],
                            REQUEST_COLUMNS, optional=list(REQUEST_COLUMNS))
    problems: list[Problem] = []
    schedules: list[RequestSchedule] = []
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    for i in range(len(table.frame)):
        try:
            data: dict[str, Any] = {f: _cell_date(table, i, f) for f in _DATE_FIELDS}
            rid = table.text(i, "request")
            if rid in seen:
                raise table.error(i, "request", "request listed twice", expected="unique ids",
                                  found=rid)
            seen.add(rid)
            owner = table.text(i, "ip_owner") if "ip_owner" in table.frame.columns else ""
            data.update(id=rid, client=table.text(i, "client"),
                        cooperation_mode=table.text(i, "cooperation_mode"),
                        scope=table.text(i, "scope"),
                        scale_up=bool(_cell_bool(table, i, "scale_up")),
                        scale_up_success=_cell_bool(table, i, "scale_up_success"))
            if "confidentiality" in table.frame.columns and table.text(i, "confidentiality"):
                data["confidentiality"] = table.text(i, "confidentiality")
            if owner:
                data["results"] = {"ownership": owner if owner in (
                    "client", "shared", "platform") else "per agreement",
                    "agreement": None if owner in ("client", "shared", "platform") else owner}
            try:
                req = ServiceRequest(**data)
            except ValidationError as exc:
                err = exc.errors()[0]
                col = str(err["loc"][0]) if err["loc"] else None
                raise table.error(i, col, err["msg"], found=err.get("input")) from None
            s = req.schedule(as_of, calendar)
            exceptions = 0 if "exceptions" not in table.frame.columns or not table.text(
                i, "exceptions") else table.integer(i, "exceptions")
            still_open = 0 if "exceptions_open" not in table.frame.columns or not table.text(
                i, "exceptions_open") else table.integer(i, "exceptions_open")
            schedules.append(s)
            rows.append(row_from_schedule(s, scale_up=req.scale_up,
                                          scale_up_success=req.scale_up_success,
                                          exceptions=exceptions, exceptions_open=still_open))
        except QbdInputError as exc:
            for p in exc.problems:
                problems.append(p if p.file else Problem(p.message, table.file, table.row_of(i),
                                                         p.column, p.expected, p.found))
    if problems:
        raise QbdInputError(problems=problems)
    if not rows:
        raise QbdInputError("no requests", file=table.file, expected="one row per request")
    return schedules, rows


def kpi(req: KpiRequest, ctx: Context | None = None) -> KpiDashboard:
    """KPIs of the service requests in ``req.requests`` (seed 001 §2.5)."""
    import pandas as pd

    cal = load_calendar(req.calendar)
    as_of = req.as_of or dt.date.today()
    schedules, rows = read_requests(req.requests, cal, as_of)
    overdue = [s.request for s in schedules if s.overdue]
    report = kpi_report(pd.DataFrame(rows), req.period, as_of=as_of, overdue=overdue)
    evaluation = None
    if req.targets:
        yearly = report if req.period == "year" else kpi_report(pd.DataFrame(rows), "year")
        year = req.year or (int(yearly.rows[-1].period) if yearly.rows else as_of.year)
        evaluation = yearly_evaluation(yearly, year, req.targets)
    covered = {a.kpi for a in req.actions}
    missing = [k for k in (evaluation.shortfalls if evaluation else []) if k not in covered]
    return KpiDashboard(report=report, schedules=schedules, evaluation=evaluation,
                        as_of=as_of.isoformat(),
                        actions=[_action_state(a, as_of) for a in req.actions],
                        shortfalls_without_action=missing,
                        management_review=None if req.management_review is None
                        else req.management_review.isoformat(),
                        reviewed_by=req.reviewed_by,
                        external_evaluation=req.external_evaluation)


def _action_state(a: Any, as_of: dt.date) -> dict[str, Any]:
    if a.done is None:
        status = "overdue" if as_of > a.due else "open"
    else:
        status = ("done" if a.effective is None else
                  "effective" if a.effective else "not effective")
    return {"kpi": a.kpi, "description": a.description, "owner": a.owner,
            "due": a.due.isoformat(), "done": None if a.done is None else a.done.isoformat(),
            "status": status}


# ---- cleaning limits, containment -----------------------------------------------------------

class MacoRequest(Request):
    residue: str = ""
    pde_mg_per_day: float | None = None
    therapeutic_dose_mg_per_day: float | None = None
    safety_factor: float = 1000.0
    ld50_mg_per_kg: float | None = None
    body_weight_kg: float = 70.0
    next_batch_size: float
    next_max_daily_dose: float
    next_batch_kg: float | None = None
    ppm: float | None = 10.0
    shared_area_cm2: float | None = None
    equipment: Path | None = input_file(
        None, description="shared equipment train (CSV/XLSX: item, area_cm2) — the shared "
                          "area is its sum")
    swab_area_cm2: float = 25.0
    recovery: float = 1.0
    extraction_volume_ml: float | None = None
    visual_limit_ug_cm2: float | None = None


#: accepted headers of an equipment-train table
EQUIPMENT_COLUMNS: dict[str, tuple[str, ...]] = {
    "item": ("equipment", "设备", "设备名称", "名称"),
    "area_cm2": ("area", "surface (cm2)", "surface area (cm²)", "area (cm²)", "面积",
                 "接触面积", "表面积 (cm²)", "产品接触面积"),
}


def read_equipment(path: Path) -> dict[str, float]:
    """``{item: product-contact surface cm²}`` of a shared equipment train."""
    import math

    from qbdkit.io import read_table
    from qbdkit.io.tables import require_columns

    table = require_columns(read_table(path), ["item", "area_cm2"], EQUIPMENT_COLUMNS)
    out: dict[str, float] = {}
    for i in range(len(table.frame)):
        item = table.text(i, "item", allow_blank=False)
        if item in out:
            raise table.error(i, "item", "equipment item listed twice", found=item)
        area = table.number(i, "area_cm2")
        if area is None or not math.isfinite(area) or area <= 0:
            raise table.error(i, "area_cm2", "surface must be positive", expected="cm² > 0",
                              found=area)
        out[item] = float(area)
    if not out:
        raise QbdInputError("no equipment", file=table.file, expected="one row per item")
    return out


def maco(req: MacoRequest, ctx: Context | None = None) -> CarryoverResult:
    """Carry-over limits of one residue (protein or payload) by every criterion given; the
    shared area is ``shared_area_cm2`` or the sum of the ``equipment`` train."""
    from dataclasses import replace

    equipment: dict[str, float] = {}
    area = req.shared_area_cm2
    if req.equipment is not None:
        if area is not None:
            raise QbdInputError("give the shared area or an equipment train, not both",
                                column="shared_area_cm2", expected="one of them", found=area)
        equipment = read_equipment(req.equipment)
        area = sum(equipment.values())
    if area is None:
        raise QbdInputError("no shared surface area", column="shared_area_cm2",
                            expected="cm² shared by both products, or an equipment train file")
    result = _limits(req, area)
    return replace(result, equipment=equipment) if equipment else result


def _limits(req: MacoRequest, area: float) -> CarryoverResult:
    return carryover_limits(
        hbel_mg_per_day=req.pde_mg_per_day,
        therapeutic_dose_mg_per_day=req.therapeutic_dose_mg_per_day,
        safety_factor=req.safety_factor, ld50_mg_per_kg=req.ld50_mg_per_kg,
        body_weight_kg=req.body_weight_kg, next_batch_size=req.next_batch_size,
        next_max_daily_dose=req.next_max_daily_dose, next_batch_kg=req.next_batch_kg,
        ppm=req.ppm, shared_area_cm2=area, swab_area_cm2=req.swab_area_cm2,
        recovery=req.recovery, extraction_volume_ml=req.extraction_volume_ml,
        visual_limit_ug_cm2=req.visual_limit_ug_cm2, residue=req.residue)


class ContainmentRequest(Request):
    oel_ug_m3: float
    scheme: Literal["oeb", "niosh"] = "oeb"
    cytotoxic: bool = False
    bands: Path | None = input_file(
        None, description="the company's banding scheme (CSV/XLSX: band, low, high µg/m³; "
                          "blank = open end) instead of a built-in scheme")


def read_bands(path: Path) -> list[Any]:
    """Bands of a company banding scheme: rows ``band, low, high`` (µg/m³, (low, high])."""
    from qbdkit.core.operations.cleaning import Band
    from qbdkit.io import read_table
    from qbdkit.io.tables import require_columns

    table = require_columns(read_table(path), ["band", "low", "high"],
                            {"band": ("oeb", "等级", "分级"), "low": ("下限",),
                             "high": ("上限",)})
    bands = []
    for i in range(len(table.frame)):
        low = table.number(i, "low", allow_blank=True)
        high = table.number(i, "high", allow_blank=True)
        if low is not None and high is not None and not low < high:
            raise table.error(i, "high", "band upper limit not above its lower limit",
                              expected=f"> {low:g}", found=high)
        bands.append(Band(table.text(i, "band", allow_blank=False), low, high))
    if not bands:
        raise QbdInputError("no bands", file=table.file, expected="one row per band")
    return bands


def containment(req: ContainmentRequest, ctx: Context | None = None) -> ContainmentResult:
    """The band of the OEL (a built-in scheme, or the company's file)."""
    from dataclasses import replace

    if req.bands is None:
        return containment_band(req.oel_ug_m3, scheme=req.scheme, cytotoxic=req.cytotoxic)
    result = containment_band(req.oel_ug_m3, bands=read_bands(req.bands),
                              cytotoxic=req.cytotoxic)
    return replace(result, scheme=Path(req.bands).name)


# ---- timeline ------------------------------------------------------------------------------

class TimelineRequest(Request):
    template: str | None = "pcpv-17"
    file: Path | None = input_file(None, description="a timeline YAML (instead of a template)")
    start: dt.date
    calendar: Path | None = input_file(None, description="holidays / working days")


def timeline(req: TimelineRequest, ctx: Context | None = None) -> TimelineResult:
    """A plan (template or file) scheduled in working days from ``start``."""
    from qbdkit.templates.timeline import load_timeline

    doc = load_timeline(req.template if req.file is None else None, req.file)
    title = doc.get("title") or {}
    if not isinstance(title, dict):
        title = {"en": str(title)}
    return schedule(doc["tasks"], req.start, name=str(doc.get("name") or ""),
                    title_en=str(title.get("en") or ""), title_zh=str(title.get("zh") or ""),
                    source=str(doc.get("source") or ""), calendar=load_calendar(req.calendar),
                    file=doc.get("_file"))


# ---- examples (kind contract) ---------------------------------------------------------------

#: a site calendar for a year beyond the package's data (illustrative dates, to be replaced
#: by the State Council's notice for the year when it is published)
EXAMPLE_CALENDAR_2027 = """\
# Site working-day calendar 2027 — PROVISIONAL (illustrative: fixed-date holidays and an
# assumed Spring Festival break; replace with the State Council notice for 2027)
years: [2027]
holidays: ["2027-01-01", "2027-02-08..2027-02-12", "2027-04-05", "2027-05-03..2027-05-05",
           "2027-06-09", "2027-09-15", "2027-10-01..2027-10-07"]
workdays: ["2027-02-20", "2027-10-09"]
"""


def write_example_calendar(folder: Path) -> Path:
    path = Path(folder) / "site_calendar_2027.yaml"
    path.write_text(EXAMPLE_CALENDAR_2027, encoding="utf-8")
    return path


def _due_example(folder: Path) -> DueRequest:
    return DueRequest(start=dt.date(2027, 2, 5), working_days=5,
                      calendar=write_example_calendar(folder))


EXAMPLE_REQUESTS = """\
request,client,mode,scope,confidentiality,received,intake_done,protocol_done,execution_due,\
execution_done,acceptance_done,closed,scale_up,scale_up_success,exceptions,exceptions_open,ip_owner
R1,Client A,commissioned,scale-up,confidential,2025-01-02,2025-01-08,2025-01-20,,2025-02-14,\
2025-02-26,2025-02-28,yes,yes,1,0,client
R2,Client B,co-development,scale-up,confidential,2025-01-20,2025-02-05,2025-02-18,,2025-03-14,\
2025-03-31,2025-04-02,yes,no,2,1,shared
R3,Client A,commissioned,testing,standard,2025-02-10,2025-02-12,2025-02-20,2025-03-14,\
2025-03-20,2025-03-25,2025-03-27,no,,0,0,client
R4,Client C,commissioned,scale-up,confidential,2025-03-03,2025-03-07,2025-03-19,,2025-04-30,\
2025-05-09,,yes,yes,0,0,client
R5,Client D,commissioned,pilot-verification,confidential,2025-04-14,2025-04-25,,,,,,no,,0,0,
""".replace("\\\n", "")


def _kpi_example(folder: Path) -> KpiRequest:
    path = Path(folder) / "service_requests.csv"
    path.write_text(EXAMPLE_REQUESTS, encoding="utf-8")
    return KpiRequest(requests=path, period="quarter", as_of=dt.date(2025, 5, 31),
                      targets={"on_time_rate": 0.9, "scale_up_success_rate": 0.8}, year=2025,
                      actions=[ImprovementAction(
                          kpi="on_time_rate", description="weekly deadline review of open "
                          "requests", owner="platform manager", due=dt.date(2025, 6, 30))])


def _maco_example(folder: Path) -> MacoRequest:
    """A payload (cytotoxic small molecule) residue on a shared conjugation train; PDE and
    batch figures are illustrative."""
    path = Path(folder) / "conjugation_train.csv"
    path.write_text("item,area_cm2\nConjugation vessel 200 L,28500\nUF/DF skid,9400\n"
                    "Transfer lines,3100\nBulk fill manifold,1600\n", encoding="utf-8")
    return MacoRequest(residue="payload (MMAE-type)", pde_mg_per_day=0.0005,
                       next_batch_size=6.0e5, next_max_daily_dose=600.0, next_batch_kg=40.0,
                       equipment=path, swab_area_cm2=25.0, recovery=0.8,
                       extraction_volume_ml=10.0, visual_limit_ug_cm2=4.0)


def _containment_example(folder: Path) -> ContainmentRequest:
    path = Path(folder) / "ehs_banding.csv"
    path.write_text("band,low,high\nOEB 1,1000,\nOEB 2,100,1000\nOEB 3,10,100\n"
                    "OEB 4,1,10\nOEB 5,0.1,1\nOEB 6,,0.1\n", encoding="utf-8")
    return ContainmentRequest(oel_ug_m3=0.05, cytotoxic=True, bands=path)


def _timeline_example(folder: Path) -> TimelineRequest:
    path = Path(folder) / "tech_transfer_plan.yaml"
    path.write_text(
        "name: tech-transfer\n"
        "title: {en: Technology transfer to the pilot plant, zh: 向中试车间的技术转移}\n"
        "source: example plan\n"
        "tasks:\n"
        "  - {name: gap, label: {en: Gap assessment, zh: 差距评估}, phase: planning, "
        "duration: 10}\n"
        "  - {name: eng, label: {en: Engineering run, zh: 工程批}, phase: execution, "
        "duration: 15, after: [gap]}\n"
        "  - {name: report, label: {en: Transfer report, zh: 转移报告}, phase: reporting, "
        "duration: 5, after: [eng]}\n"
        "  - {name: done, label: {en: Transfer complete, zh: 转移完成}, phase: milestone, "
        "duration: 0, after: [report]}\n", encoding="utf-8")
    return TimelineRequest(template=None, file=path, start=dt.date(2027, 1, 11),
                           calendar=write_example_calendar(folder))


# ---- record kinds -----------------------------------------------------------------------

register(Kind("operations.due", DueRequest, due_date, DueResult,
              title=both("Due date (working days)", DOMAIN), stage="operations",
              example=_due_example))
register(Kind("operations.kpi", KpiRequest, kpi, KpiDashboard,
              title=both("Service KPIs", DOMAIN), stage="operations",
              example=_kpi_example))
register(Kind("operations.maco", MacoRequest, maco, CarryoverResult,
              title=both("Cleaning limits (MACO)", DOMAIN), stage="operations",
              example=_maco_example))
register(Kind("operations.containment", ContainmentRequest, containment, ContainmentResult,
              title=both("Containment band", DOMAIN), stage="operations",
              example=_containment_example))
register(Kind("operations.timeline", TimelineRequest, timeline, TimelineResult,
              title=both("Project timeline", DOMAIN), stage="operations",
              example=_timeline_example))
