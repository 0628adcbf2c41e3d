"""HTML for operations records: KPI dashboard (table + chart), Gantt chart of a timeline,
chain-of-identity table, cleaning-limit (MACO) table, due date and containment band.

``render(result, lang)`` picks the renderer by the result's type, so the project report and
the web pages can show any stored operations record. Fixed text comes from the
``operations`` message catalogue (zh-CN).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from qbdkit.core.operations.calendar import DueResult
from qbdkit.core.operations.cell_therapy import HandoverCheck
from qbdkit.core.operations.cleaning import CarryoverResult, ContainmentResult
from qbdkit.core.operations.kpi import KPI_BY_NAME, KpiReport, YearlyEvaluation
from qbdkit.core.operations.timeline import TimelineResult
from qbdkit.i18n import t
from qbdkit.report.html import esc, figure_svg, fmt, new_figure, table
from qbdkit.report.sections import register_renderer

DOMAIN = "operations"


def _t(msgid: str, lang: str, **kw: Any) -> str:
    return t(msgid, lang, domain=DOMAIN, **kw)


def _pct(x: float | None) -> str:
    return "" if x is None else f"{100 * x:.1f} %"


# ---- due date ---------------------------------------------------------------------------

def due_html(r: DueResult, lang: str = "en") -> str:
    rows = [[_t("Start", lang), r.start], [_t("Working days", lang), r.working_days],
            [_t("Due", lang), r.due], [_t("Calendar", lang), r.calendar],
            [_t("Non-working days skipped", lang), ", ".join(r.skipped)]]
    return table([_t("Item", lang), _t("Value", lang)], rows)


# ---- KPI dashboard ------------------------------------------------------------------------

def kpi_table(report: KpiReport, lang: str = "en") -> str:
    heads = [_t("Period", lang), _t("Received", lang), _t("Completed", lang),
             _t("On-time completion rate", lang), _t("Intake ≤ 5 working days", lang),
             _t("Protocol ≤ 10 working days", lang), _t("Acceptance ≤ 10 working days", lang),
             _t("Scale-up success rate", lang), _t("Exceptions per project", lang),
             _t("Median cycle (working days)", lang)]
    rows = [[r.period, r.received, r.completed, _pct(r.on_time_rate), _pct(r.intake_rate),
             _pct(r.protocol_rate), _pct(r.acceptance_rate), _pct(r.scale_up_success_rate),
             r.exceptions_per_request, r.median_cycle_working_days] for r in report.rows]
    return table(heads, rows, caption=_t("KPIs per {period}", lang, period=_t(report.period, lang)))


def kpi_figure(report: KpiReport, lang: str = "en") -> str:
    """On-time completion and scale-up success rates per period (line chart, %)."""
    fig, ax = new_figure(7.0, 3.2)
    periods = [r.period for r in report.rows]
    x = list(range(len(periods)))
    for name, style in (("on_time_rate", "o-"), ("scale_up_success_rate", "s--")):
        ys = [getattr(r, name) for r in report.rows]
        pts = [(i, 100 * y) for i, y in zip(x, ys, strict=True) if y is not None]
        if pts:
            ax.plot([p[0] for p in pts], [p[1] for p in pts], style,
                    label=KPI_BY_NAME[name].label_zh if lang == "zh"
                    else KPI_BY_NAME[name].label_en)
    ax.set_xticks(x, periods, rotation=45, ha="right")
    ax.set_ylim(0, 105)
    ax.set_ylabel("%")
    if ax.get_lines():
        ax.legend(loc="lower left", fontsize=8)
    fig.tight_layout()
    return figure_svg(fig)


def evaluation_html(ev: YearlyEvaluation, lang: str = "en") -> str:
    rows = [[KPI_BY_NAME[c.kpi].label_zh if lang == "zh" else KPI_BY_NAME[c.kpi].label_en,
             _t(c.dimension, lang), c.value, c.target,
             "" if c.met is None else _t("met" if c.met else "not met", lang)]
            for c in ev.checks]
    return table([_t("KPI", lang), _t("Dimension", lang), _t("Value", lang), _t("Target", lang),
                  _t("Result", lang)], rows,
                 caption=_t("Yearly evaluation {year}", lang, year=ev.year),
                 row_classes=["" if c.met is not False else "bad" for c in ev.checks])


def kpi_dashboard(result: Any, lang: str = "en") -> str:
    """KPI table and chart; overdue requests; the yearly evaluation when present.
    ``result`` is a :class:`KpiReport` or the service's ``KpiDashboard``."""
    report = getattr(result, "report", result)
    parts = [kpi_table(report, lang)]
    if report.rows:
        parts.append(kpi_figure(report, lang))
    schedules = getattr(result, "schedules", [])
    if schedules:
        rows = [[s.request, s.received, s.next_due, _t("yes", lang) if s.overdue else "",
                 "" if s.completed_on_time is None else _t("yes" if s.completed_on_time else "no",
                                                            lang)] for s in schedules]
        parts.append(table([_t("Request", lang), _t("Received", lang), _t("Next due", lang),
                            _t("Overdue", lang), _t("Completed on time", lang)], rows,
                           row_classes=["bad" if s.overdue else "" for s in schedules]))
    ev = getattr(result, "evaluation", None)
    if ev is not None:
        parts.append(evaluation_html(ev, lang))
    return "\n".join(parts)


# ---- Gantt ----------------------------------------------------------------------------------

def gantt_figure(tl: TimelineResult, lang: str = "en") -> str:
    """Bars from each task's start to finish date (milestones as diamonds)."""
    import matplotlib.dates as mdates

    n = len(tl.tasks)
    fig, ax = new_figure(9.0, max(2.5, 0.32 * n + 1.2))
    phases = sorted({task.phase for task in tl.tasks})
    colours = {p: f"C{i % 10}" for i, p in enumerate(phases)}
    for i, task in enumerate(tl.tasks):
        start = dt.date.fromisoformat(task.start)
        finish = dt.date.fromisoformat(task.finish)
        y = n - 1 - i
        if task.duration == 0:
            ax.plot([mdates.date2num(finish)], [y], marker="D", color="black")
        else:
            ax.barh(y, (finish - start).days + 1, left=mdates.date2num(start), height=0.6,
                    color=colours[task.phase])
    ax.set_yticks(range(n), [(tk.label_zh if lang == "zh" else tk.label_en)
                             for tk in reversed(tl.tasks)], fontsize=8)
    ax.xaxis_date()
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m"))
    ax.set_title(tl.title_zh if lang == "zh" and tl.title_zh else tl.title_en or tl.name,
                 fontsize=10)
    fig.autofmt_xdate()
    fig.tight_layout()
    return figure_svg(fig)


def gantt(tl: TimelineResult, lang: str = "en") -> str:
    rows = [[tk.label_zh if lang == "zh" else tk.label_en, tk.phase, tk.start, tk.finish,
             tk.duration] for tk in tl.tasks]
    head = (f"<p>{esc(_t('From {start} to {finish}: {days} working days', lang, start=tl.start, finish=tl.finish, days=tl.working_days))}"
            f"{' — ' + esc(tl.source) if tl.source else ''}</p>")
    return "\n".join([head, gantt_figure(tl, lang), table(
        [_t("Task", lang), _t("Phase", lang), _t("Start", lang), _t("Finish", lang),
         _t("Working days", lang)], rows)])


# ---- chain of identity ----------------------------------------------------------------------

def chain_table(chain: Mapping[str, Any], checks: Sequence[HandoverCheck | Mapping[str, Any]],
                lang: str = "en") -> str:
    """The chain's identifiers, then every hand-over with what was scanned and the decision
    (refusals in red)."""
    products = chain.get("product_ids") or []
    ids = [[_t("Donor", lang), chain.get("donor_id")],
           [_t("Collection", lang), chain.get("collection_id")],
           [_t("Batch", lang), chain.get("batch_id")],
           [_t("Product", lang), ", ".join(map(str, products))],
           [_t("Patient", lang), chain.get("patient_id")]]
    parts = [table([_t("Link", lang), _t("Identifier", lang)], ids,
                   caption=_t("Chain of identity {id}", lang, id=chain.get("id", "")))]
    rows, classes = [], []
    for c in checks:
        d = c.to_dict() if hasattr(c, "to_dict") else dict(c)
        scanned = "; ".join(f"{k} {v}" for k, v in (d.get("scanned") or {}).items())
        rows.append([d.get("at", ""), _t(d["step"], lang), scanned,
                     _t("accepted", lang) if d["accepted"] else _t("refused", lang),
                     d.get("refusal") or ""])
        classes.append("" if d["accepted"] else "bad")
    if rows:
        parts.append(table([_t("When", lang), _t("Hand-over", lang), _t("Scanned", lang),
                            _t("Decision", lang), _t("Reason", lang)], rows, row_classes=classes))
    return "\n".join(parts)


# ---- cleaning limits, containment -------------------------------------------------------------

def maco_table(r: CarryoverResult, lang: str = "en") -> str:
    rows = [[_t(c.criterion, lang) if not c.criterion.endswith("ppm") else c.criterion, c.basis,
             c.acceptable_daily_mg, c.maco_mg, c.surface_limit_ug_cm2, c.swab_limit_mg,
             c.measured_swab_limit_mg, c.solution_limit_ug_ml] for c in r.criteria]
    classes = ["good" if c.criterion == r.governing else "" for c in r.criteria]
    html = table([_t("Criterion", lang), _t("Basis", lang), _t("Acceptable daily (mg)", lang),
                  "MACO (mg)", _t("Surface limit (µg/cm²)", lang),
                  _t("Swab limit (mg per {area} cm²)", lang, area=fmt(r.swab_area_cm2)),
                  _t("Measured limit (mg)", lang), _t("Solution limit (µg/mL)", lang)], rows,
                 caption=_t("Carry-over limits: {residue}", lang, residue=r.residue or "—"),
                 row_classes=classes)
    notes = "".join(f"<li>{esc(n)}</li>" for n in r.notes)
    return html + (f"<ul>{notes}</ul>" if notes else "")


def containment_html(r: ContainmentResult, lang: str = "en") -> str:
    items = "".join(f"<li>{esc(m)}</li>" for m in r.measures)
    return (f"<p>{esc(_t('OEL {oel} µg/m³ → band {band}', lang, oel=fmt(r.oel_ug_m3), band=r.band))}"
            f" ({esc(r.scheme)}, {esc(r.range_ug_m3)})</p>" + (f"<ul>{items}</ul>" if items else ""))


def render(result: Any, lang: str = "en") -> str:
    """An HTML fragment for any operations result."""
    if isinstance(result, DueResult):
        return due_html(result, lang)
    if isinstance(result, KpiReport) or hasattr(result, "report"):
        return kpi_dashboard(result, lang)
    if isinstance(result, TimelineResult):
        return gantt(result, lang)
    if isinstance(result, CarryoverResult):
        return maco_table(result, lang)
    if isinstance(result, ContainmentResult):
        return containment_html(result, lang)
    if isinstance(result, YearlyEvaluation):
        return evaluation_html(result, lang)
    return f"<pre>{esc(result.summary() if hasattr(result, 'summary') else result)}</pre>"


for _kind in ("operations.due", "operations.kpi", "operations.maco", "operations.containment",
              "operations.timeline"):
    register_renderer(_kind, render)
