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
    actions = getattr(result, "actions", [])
    if actions:
        parts.append(table([_t("KPI", lang), _t("Improvement action", lang), _t("Owner", lang),
                            _t("Due", lang), _t("Status", lang)],
                           [[a["kpi"], a["description"], a["owner"], a["due"],
                             _t(a["status"], lang)] for a in actions],
                           caption=_t("Improvement actions", lang),
                           row_classes=["bad" if a["status"] in ("overdue", "not effective")
                                        else "" for a in actions]))
    missing = getattr(result, "shortfalls_without_action", [])
    if missing:
        parts.append(f'<p class="bad">{esc(_t("Shortfalls without an improvement action:", lang))} '
                     f'{esc(", ".join(missing))}</p>')
    if ev is not None:
        review = getattr(result, "management_review", None)
        who = getattr(result, "reviewed_by", None)
        parts.append(f"<p>{esc(_t('Management review', lang))}: "
                     f"{esc(review or _t('pending', lang))}"
                     f"{esc(f' ({who})' if who else '')}</p>")
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


def _d(result: Any) -> dict[str, Any]:
    return result.to_dict() if hasattr(result, "to_dict") else dict(result)


def _yes(value: bool | None, lang: str) -> str:
    return "" if value is None else _t("yes" if value else "no", lang)


def _items(values: Sequence[Any]) -> str:
    return "".join(f"<li>{esc(v)}</li>" for v in values)


# ---- service request --------------------------------------------------------------------

def schedule_table(s: Mapping[str, Any], lang: str = "en") -> str:
    rows = [[_t(x["stage"], lang), x["start"], x["due"], x["completed"], x["limit_working_days"],
             x["working_days_used"], _t(x["status"], lang)] for x in s["stages"]]
    return table([_t("Stage", lang), _t("Start", lang), _t("Due", lang), _t("Completed", lang),
                  _t("Limit (working days)", lang), _t("Used (working days)", lang),
                  _t("Status", lang)], rows,
                 caption=_t("Request {id}: stages as of {date}", lang, id=s["request"],
                            date=s["as_of"]),
                 row_classes=["bad" if x["status"] in ("overdue", "late") else
                              "good" if x["status"] == "on time" else "" for x in s["stages"]])


def request_html(result: Any, lang: str = "en") -> str:
    r = _d(result)
    head = [[_t("Client", lang), r["client"]],
            [_t("Cooperation mode", lang), _t(r["cooperation_mode"], lang)],
            [_t("Scope", lang), ", ".join(_t(x, lang) for x in r["scope"])],
            [_t("Confidentiality", lang), _t(r["confidentiality"], lang)],
            [_t("Current stage", lang), _t(r["stage"], lang)],
            [_t("Next due", lang), r["next_due"] or "—"],
            [_t("Overdue", lang), _yes(r["overdue"], lang)],
            [_t("Results ownership", lang), _t(r["results_ownership"], lang)
             if r["results_ownership"] else "—"]]
    parts = [table([_t("Item", lang), _t("Value", lang)], head,
                   row_classes=["bad" if row[0] == _t("Overdue", lang) and r["overdue"] else ""
                                for row in head]),
             schedule_table(r["schedule"], lang)]
    if r["exceptions"]:
        parts.append(table([_t("Exception", lang), _t("Occurred", lang), _t("Description", lang),
                            _t("Handling", lang), _t("Deviation", lang), _t("Closed", lang)],
                           [[e["id"], e["occurred"], e["description"], e.get("handling"),
                             e.get("deviation"), e.get("closed")] for e in r["exceptions"]],
                           caption=_t("Exceptions during the pilot run", lang),
                           row_classes=["warn" if not e.get("closed") else ""
                                        for e in r["exceptions"]]))
    if r["notes"]:
        parts.append(f'<ul class="note">{_items([_t(n, lang) for n in r["notes"]])}</ul>')
    return "\n".join(parts)


# ---- deviation and CAPA -------------------------------------------------------------------

def deviation_html(result: Any, lang: str = "en") -> str:
    r = _d(result)
    im = r["impact"]
    head = [[_t("Deviation", lang), r["deviation"]], [_t("Occurred", lang), r["occurred"]],
            [_t("Description", lang), r["description"]], [_t("Site", lang), r["site"] or "—"],
            [_t("Batches", lang), ", ".join(r["batches"]) or "—"],
            [_t("Class", lang), f'{_t(im["final_class"], lang)} ('
             + _t("minimum {cls}", lang, cls=_t(im["minimum_class"], lang)) + ")"],
            [_t("CQAs possibly affected", lang), ", ".join(im["impacted_cqas"]) or "—"],
            [_t("Root cause", lang), r["root_cause"] or "—"],
            [_t("Sites informed", lang), ", ".join(r["sites_informed"]) or "—"],
            [_t("Status", lang), (_t("closed {date}", lang, date=r["closed"]) if r["closed"]
                                  else _t("open", lang))]]
    parts = [table([_t("Item", lang), _t("Value", lang)], head),
             f'<ul class="note">{_items(im["reasons"])}</ul>' if im["reasons"] else ""]
    capas = r["capa"]["capas"]
    if capas:
        parts.append(table([_t("CAPA", lang), _t("Owner", lang), _t("Due", lang),
                            _t("Status", lang), _t("Effectiveness due", lang)],
                           [[c["capa"], c["owner"], c["due"], _t(c["status"], lang),
                             c["effectiveness_due"]] for c in capas],
                           caption=_t("CAPA as of {date}", lang, date=r["capa"]["as_of"]),
                           row_classes=["bad" if c["overdue"] else "" for c in capas]))
    if r["changes"]:
        parts.append(table([_t("Change", lang), _t("Class", lang), _t("Status", lang),
                            "CAPA"], [[c["id"], _t(c["change_class"], lang),
                                       _t(c["status"], lang), c["capa"]] for c in r["changes"]],
                           caption=_t("Changes needed by the CAPA", lang)))
    if r["closure_blockers"]:
        parts.append(f'<p>{esc(_t("Cannot close yet:", lang))}</p>'
                     f'<ul class="bad">{_items(r["closure_blockers"])}</ul>')
    return "\n".join(p for p in parts if p)


# ---- donor --------------------------------------------------------------------------------

def donor_html(result: Any, lang: str = "en") -> str:
    r = _d(result)
    rows = [[m, _t(v, lang)] for m, v in r["results"].items()]
    verdict = _t("eligible", lang) if r["eligible"] else _t("not eligible", lang)
    kind = _t("allogeneic", lang) if r["allogeneic"] else _t("autologous", lang)
    return "\n".join([
        f'<p><strong>{esc(_t("Donor {id}", lang, id=r["donor"]))} ({esc(kind)}): '
        f'{esc(verdict)}</strong></p>',
        table([_t("Marker", lang), _t("Result", lang)], rows,
              row_classes=["bad" if v == "reactive" else "warn" if v in (
                  "pending", "indeterminate") else "" for v in r["results"].values()]),
        f'<ul class="note">{_items(r["reasons"])}</ul>'])


# ---- chain of identity -------------------------------------------------------------------

def chain_html(result: Any, lang: str = "en") -> str:
    r = _d(result)
    ids = r["identifiers"]
    chain = {"id": r["chain"], "donor_id": ", ".join(ids.get("donor_id", [])),
             "collection_id": ", ".join(ids.get("collection_id", [])),
             "batch_id": ", ".join(ids.get("batch_id", [])),
             "product_ids": ids.get("product_id", []),
             "patient_id": ", ".join(ids.get("patient_id", []))}
    parts = [chain_table(chain, r["handovers"], lang)]
    parts.append(f'<p>{esc(_t("Administered: chain complete", lang) if r["complete"] else _t("Next hand-over: {step}", lang, step=_t(r["next_step"] or "", lang)))}</p>')
    if r.get("transport"):
        parts.append(temperature_html(r["transport"], lang,
                                      _t("Transport to the clinical site", lang)))
    pre = r.get("pre_administration")
    if pre:
        parts.append(table([_t("Check", lang), _t("Result", lang), _t("Detail", lang)],
                           [[_t(c["item"], lang), _t("pass" if c["passed"] else "fail", lang),
                             c["detail"]] for c in pre["checks"]],
                           caption=_t("Pre-administration check", lang),
                           row_classes=["" if c["passed"] else "bad" for c in pre["checks"]]))
    return "\n".join(parts)


# ---- shipment -----------------------------------------------------------------------------

def temperature_html(tc: Mapping[str, Any], lang: str = "en", caption: str = "") -> str:
    rows = [[_t("Readings", lang), tc["readings"]], [_t("From", lang), tc["first"]],
            [_t("To", lang), tc["last"]],
            [_t("Allowed range (°C)", lang), f'[{fmt(tc["low_c"])}, {fmt(tc["high_c"])}]'],
            [_t("Minimum / maximum (°C)", lang), f'{fmt(tc["min_c"])} / {fmt(tc["max_c"])}'],
            [_t("Minutes outside (allowed)", lang),
             f'{fmt(tc["minutes_outside"])} ({fmt(tc["allowed_minutes"])})'],
            [_t("Temperature record", lang), _t("pass" if tc["passed"] else "fail", lang)]]
    html = table([_t("Item", lang), _t("Value", lang)], rows, caption=caption or None,
                 row_classes=["" for _ in rows[:-1]] + ["good" if tc["passed"] else "bad"])
    if tc["excursions"]:
        html += table([_t("From", lang), _t("To", lang), _t("Minutes", lang),
                       _t("Extreme (°C)", lang)],
                      [[e["start"], e["end"], e["minutes"], e["extreme_c"]]
                       for e in tc["excursions"]], caption=_t("Excursions", lang))
    return html


def temperature_figure(log: Sequence[Mapping[str, Any]], tc: Mapping[str, Any]) -> str:
    import matplotlib.dates as mdates

    fig, ax = new_figure(7.0, 2.6)
    times = [dt.datetime.fromisoformat(str(x["at"])) for x in log]
    ax.plot(times, [x["celsius"] for x in log], "-", lw=1.0)
    for lim in (tc["low_c"], tc["high_c"]):
        if lim is not None:
            ax.axhline(lim, color="red", lw=1.0, ls="--")
    ax.set_ylabel("°C")
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%m-%d %H:%M"))
    fig.autofmt_xdate()
    fig.tight_layout()
    return figure_svg(fig)


def shipment_html(result: Any, lang: str = "en") -> str:
    r = _d(result)
    rec = r["receipt"]
    head = [[_t("Shipment", lang), r["shipment"]], [_t("Material", lang), r["material"]],
            [_t("Lot", lang), r["lot"]],
            [_t("From → to", lang), f'{r["from_site"]} → {r["to_site"]}'],
            [_t("Shipped", lang), r["shipped"]], [_t("Received", lang), r["received"] or "—"],
            [_t("Transport time (h)", lang), fmt(r["duration_h"]) + (
                "" if r["duration_ok"] is None else
                f' ({_t("within limit" if r["duration_ok"] else "over limit", lang)})')],
            [_t("Open deviations handed over", lang), ", ".join(r["open_deviations"]) or "—"],
            [_t("Open changes handed over", lang), ", ".join(r["open_changes"]) or "—"],
            [_t("Receipt", lang), _t(rec["decision"], lang)]]
    checks = [[_t(k, lang), _yes(v, lang) if v is not None else _t("not answered", lang)]
              for k, v in rec["items"].items()]
    return "\n".join([
        table([_t("Item", lang), _t("Value", lang)], head,
              row_classes=["" for _ in head[:-1]] + ["good" if rec["accepted"] else "bad"]),
        temperature_html(r["temperature"], lang, _t("Temperature record", lang)),
        table([_t("Receipt check", lang), _t("Confirmed", lang)], checks,
              caption=_t("Receipt acceptance at {site}", lang, site=r["to_site"]),
              row_classes=["bad" if v is False else "warn" if v is None else ""
                           for v in rec["items"].values()])])


# ---- release -----------------------------------------------------------------------------

def release_html(result: Any, lang: str = "en") -> str:
    r = _d(result)
    d = r["decision"]
    parts = [f'<p><strong>{esc(_t("Batch {batch}", lang, batch=d["batch"]))}: '
             f'{esc(_t(d["decision"], lang))}</strong>'
             + (f' — {esc(r["released_by"])} {esc(r["released_at"] or "")}'
                if r.get("released_by") else "") + "</p>",
             f'<ul class="note">{_items(d["reasons"])}</ul>']
    for x in r["late"]:
        if not x["follow_up_required"]:
            parts.append(f'<p>{esc(_t("Late result {test}: pass — no follow-up", lang, test=x["test"]))}</p>')
            continue
        parts.append(f'<p class="bad"><strong>{esc(_t("Late failure of {test}", lang, test=x["test"]))}</strong>: '
                     + esc(_t("products {products}; patients {patients}", lang,
                              products=", ".join(x["products"]) or "—",
                              patients=", ".join(x["patients"]) or "—")) + "</p>")
        parts.append(f'<p>{esc(_t("Notify:", lang))}</p><ul>{_items(x["notify"])}</ul>')
        parts.append(f'<p>{esc(_t("Record:", lang))}</p><ul>{_items(x["record"])}</ul>')
    return "\n".join(parts)


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


# ---- renderers by record kind ---------------------------------------------------------------

def _by_type(fn: Any, cls: type) -> Any:
    def draw(result: Any, lang: str = "en") -> str:
        obj = cls.from_dict(result) if isinstance(result, dict) else result
        return fn(obj, lang)
    return draw


register_renderer("operations.due", _by_type(due_html, DueResult))
register_renderer("operations.kpi", render)
register_renderer("operations.maco", _by_type(maco_table, CarryoverResult))
register_renderer("operations.containment", _by_type(containment_html, ContainmentResult))
register_renderer("operations.timeline", _by_type(gantt, TimelineResult))
register_renderer("operations.request", request_html)
register_renderer("operations.deviation", deviation_html)
register_renderer("operations.donor", donor_html)
register_renderer("operations.chain", chain_html)
register_renderer("operations.shipment", shipment_html)
register_renderer("operations.release", release_html)
