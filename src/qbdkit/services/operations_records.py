"""Operational documents as stored, audited, signable records.

Each kind's request *is* the document — a model of :mod:`qbdkit.model.operations` (seed 001,
002, 004) with the few options its state needs (the date it is evaluated on, a calendar) and
its input files — and its result is the document's computed state:

=========================== =========================== ======================================
kind                        document                    state (result)
=========================== =========================== ======================================
``operations.request``      service request (seed 001)  stage due dates in Chinese working
                                                        days, overdue flags, open exceptions,
                                                        results / IP ownership
``operations.deviation``    deviation with CAPA         minimum class from the control
                                                        strategy, CQAs possibly affected, CAPA
                                                        status, closure blockers, linked
                                                        changes
``operations.donor``        donor with screening        eligibility (seed 004 §5(一)1.1)
``operations.chain``        chain of identity with      every hand-over re-checked, next step,
                            hand-overs                  transport temperature, pre-administration
                                                        check
``operations.shipment``     shipment between sites      temperature log against the transport
                                                        conditions, receipt acceptance
``operations.release``      release record (cell        release (before all results) and the
                            therapy)                    follow-up of late results
=========================== =========================== ======================================

A record is updated by storing a new version under the same name (``--reason``); the
lifecycle and signatures are the generic ones. Records link by name: a CAPA names the
change record it needs (``capas[].change.id``), a shipment its open deviations and changes.

A hand-over whose identifiers do not match the chain, or that scans an identifier twice, is
**refused and recorded**: :func:`record_handover` (and :func:`store_chain`) write one audit
entry ``handover.refused`` naming the chain record, the step, the scans and the refusal, and
nothing else; the caller gets a :class:`HandoverRefused` (an input error: exit 2 on the CLI).
"""

from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError

from qbdkit.core.operations.cell_therapy import (
    CHAIN_FIELDS,
    HANDOVERS,
    EligibilityResult,
    HandoverCheck,
    LateFailure,
    PreAdministrationResult,
    ReleaseDecision,
    chain_identifiers,
    check_handover,
    identifier_conflicts,
    late_result,
    pre_administration_check,
)
from qbdkit.core.operations.quality import (
    CapaReport,
    DeviationImpact,
    capa_status,
    closure_blockers,
    deviation_impact,
)
from qbdkit.core.operations.requests import RequestSchedule
from qbdkit.core.operations.shipment import ReceiptResult, TemperatureCheck, temperature_check
from qbdkit.core.result import Result, format_table
from qbdkit.errors import QbdInputError
from qbdkit.i18n import both
from qbdkit.model.operations import (
    ChainOfIdentity,
    Deviation,
    Donor,
    Handover,
    PreAdministration,
    ReleaseRecord,
    ReleaseTest,
    ServiceRequest,
    Shipment,
    TemperatureReading,
)
from qbdkit.services.base import Context, Request, input_file
from qbdkit.services.kinds import Kind, register
from qbdkit.services.operations import load_calendar

DOMAIN = "operations"
ATTACHMENTS = "supporting documents kept with the record (signed forms, reports …)"


class HandoverRefused(QbdInputError):
    """A hand-over refused: identifiers mismatch, missing, scanned twice, or out of order."""


# ---- service requests (seed 001) --------------------------------------------------------------

class ServiceRequestRecord(Request, ServiceRequest):
    """A client's service request (:class:`~qbdkit.model.operations.ServiceRequest`), evaluated
    on ``as_of`` (stored, so the record re-runs identically)."""

    as_of: dt.date
    calendar: Path | None = input_file(None, description="holidays / working days")
    attachments: list[Path] = input_file([], description=ATTACHMENTS)


@dataclass(frozen=True)
class ServiceRequestState(Result):
    request: str
    client: str
    cooperation_mode: str
    scope: list[str]
    confidentiality: str
    stage: str
    """The stage in progress (``closed`` when closure is recorded)."""
    schedule: RequestSchedule
    overdue: bool
    next_due: str | None
    exceptions: list[dict[str, Any]] = field(default_factory=list)
    open_exceptions: list[str] = field(default_factory=list)
    results_ownership: str | None = None
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        head = (f"service request {self.request} ({self.client}, {self.cooperation_mode}; "
                f"{', '.join(self.scope)}): stage {self.stage}"
                + (f", next due {self.next_due}" if self.next_due else "")
                + ("; OVERDUE" if self.overdue else ""))
        lines = [head, self.schedule.summary()]
        if self.open_exceptions:
            lines.append("open exceptions: " + ", ".join(self.open_exceptions))
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)


#: notes of a request's state (English msgids of the ``operations`` catalogue)
REQUEST_NOTES: tuple[str, ...] = (
    "results and IP ownership to be agreed before closure (seed 001 §2.4: agreement first; "
    "commissioned work's results go to the client, co-development results are shared)",
    "project data de-identified before any internal reuse (seed 001 §2.4)",
)


def run_request(req: ServiceRequestRecord, ctx: Context | None = None) -> ServiceRequestState:
    """Stage due dates (≤ 5 / 10 / 10 working days, seed 001 §2.3), overdue flags, open
    exceptions and the results ownership rule of the cooperation mode."""
    schedule = req.schedule(req.as_of, load_calendar(req.calendar))
    stage = "closed" if schedule.closed else next(
        (s.stage for s in schedule.stages if s.status in ("open", "overdue")), "closure")
    notes = []
    owner = req.results.ownership
    if owner is None:
        notes.append(REQUEST_NOTES[0])
    if req.confidentiality != "standard" and not req.results.data_deidentified_for_internal_use:
        notes.append(REQUEST_NOTES[1])
    exceptions = [e.model_dump(mode="json") for e in req.exceptions]
    return ServiceRequestState(
        request=req.id, client=req.client, cooperation_mode=req.cooperation_mode,
        scope=list(req.scope), confidentiality=req.confidentiality, stage=stage,
        schedule=schedule, overdue=schedule.overdue, next_due=schedule.next_due,
        exceptions=exceptions, open_exceptions=req.open_exceptions(), results_ownership=owner,
        notes=notes)


# ---- deviations and CAPA ------------------------------------------------------------------

class DeviationRecord(Request, Deviation):
    """A deviation with its CAPA (:class:`~qbdkit.model.operations.Deviation`), evaluated on
    ``as_of``; its impact is read through the control strategy: ``control_strategy`` (CSV/
    XLSX: parameter, class CPP/WC-CPP/KPP/GPP, cqas separated by ``;``) and/or the inline
    ``parameter_classes`` / ``cqa_links``."""

    as_of: dt.date
    control_strategy: Path | None = input_file(
        None, description="parameter classes and CQA links (CSV/XLSX: parameter, class, cqas)")
    parameter_classes: dict[str, str] = Field(default_factory=dict)
    cqa_links: dict[str, list[str]] = Field(default_factory=dict)
    attachments: list[Path] = input_file([], description=ATTACHMENTS)


@dataclass(frozen=True)
class DeviationState(Result):
    deviation: str
    occurred: str
    description: str
    site: str | None
    batches: list[str]
    impact: DeviationImpact
    capa: CapaReport
    closure_blockers: list[str] = field(default_factory=list)
    closed: str | None = None
    changes: list[dict[str, Any]] = field(default_factory=list)
    root_cause: str | None = None
    sites_informed: list[str] = field(default_factory=list)

    def summary(self) -> str:
        state = (f"closed {self.closed}" if self.closed else
                 "open" + (": " + "; ".join(self.closure_blockers)
                           if self.closure_blockers else ": ready to close"))
        lines = [f"deviation {self.deviation} ({self.occurred}): {self.description} — {state}",
                 self.impact.summary(), self.capa.summary()]
        if self.changes:
            lines.append("changes: " + ", ".join(f"{c['id']} ({c['change_class']}, "
                                                 f"{c['status']})" for c in self.changes))
        return "\n".join(lines)


CONTROL_STRATEGY_COLUMNS: dict[str, tuple[str, ...]] = {
    "parameter": ("参数", "name", "工艺参数"),
    "class": ("classification", "分类", "参数分类"),
    "cqas": ("cqa", "linked cqas", "关联 cqa", "关联CQA", "关键质量属性"),
}
PARAMETER_CLASSES = ("CPP", "WC-CPP", "KPP", "GPP")


def read_control_strategy(path: Path) -> tuple[dict[str, str], dict[str, list[str]]]:
    """``({parameter: class}, {parameter: [CQAs]})`` of a control-strategy table."""
    from qbdkit.io import read_table
    from qbdkit.io.tables import require_columns

    table = require_columns(read_table(path, dtype_str=True), ["parameter", "class"],
                            CONTROL_STRATEGY_COLUMNS, optional=["cqas"])
    classes: dict[str, str] = {}
    links: dict[str, list[str]] = {}
    for i in range(len(table.frame)):
        name = table.text(i, "parameter", allow_blank=False)
        cls = table.text(i, "class", allow_blank=False).upper()
        if cls not in PARAMETER_CLASSES:
            raise table.error(i, "class", "unknown parameter class",
                              expected=" | ".join(PARAMETER_CLASSES), found=cls)
        if name in classes:
            raise table.error(i, "parameter", "parameter listed twice", found=name)
        classes[name] = cls
        if "cqas" in table.frame.columns:
            text = table.text(i, "cqas").replace("；", ";")
            links[name] = [c.strip() for c in text.split(";") if c.strip()]
    return classes, links


def run_deviation(req: DeviationRecord, ctx: Context | None = None) -> DeviationState:
    """Impact through the control strategy, CAPA status on ``as_of``, closure blockers."""
    classes: dict[str, str] = {}
    links: dict[str, list[str]] = {}
    if req.control_strategy is not None:
        classes, links = read_control_strategy(req.control_strategy)
    classes.update(req.parameter_classes)
    links.update(req.cqa_links)
    impact = deviation_impact(req.id, req.parameters, parameter_classes=classes, links=links,
                              assigned_class=req.deviation_class, attributes=req.attributes)
    capas = [c.model_dump() for c in req.capas]
    report = capa_status(capas, req.as_of)
    changes = {c.change.id: c.change.status for c in req.capas if c.change}
    blockers = [] if req.closed else closure_blockers(
        req.model_dump(), [c | {"change": c["change"]["id"] if c["change"] else None}
                           for c in capas], changes)
    return DeviationState(
        deviation=req.id, occurred=req.occurred.isoformat(), description=req.description,
        site=req.site, batches=list(req.batches), impact=impact, capa=report,
        closure_blockers=blockers, closed=None if req.closed is None else req.closed.isoformat(),
        changes=[c.change.model_dump() | {"capa": c.id} for c in req.capas if c.change],
        root_cause=req.root_cause, sites_informed=list(req.sites_informed))


# ---- donors (seed 004) ------------------------------------------------------------------------

class DonorRecord(Request, Donor):
    """A donor with screening results (inline ``screening`` and/or the laboratory's report:
    CSV/XLSX with ``marker, result`` columns)."""

    screening_report: Path | None = input_file(
        None, description="screening results (CSV/XLSX: marker, result[, kit, date])")
    attachments: list[Path] = input_file([], description=ATTACHMENTS)


def read_screening(path: Path) -> dict[str, str]:
    from qbdkit.io import read_table
    from qbdkit.io.tables import require_columns

    table = require_columns(read_table(path, dtype_str=True), ["marker", "result"],
                            {"marker": ("test", "检测项目", "项目", "标志物"),
                             "result": ("结果", "检测结果")}, optional=["kit", "date"])
    out: dict[str, str] = {}
    for i in range(len(table.frame)):
        marker = table.text(i, "marker", allow_blank=False)
        if marker.lower() in {m.lower() for m in out}:
            raise table.error(i, "marker", "marker listed twice", found=marker)
        out[marker] = table.text(i, "result")
    return out


def run_donor(req: DonorRecord, ctx: Context | None = None) -> EligibilityResult:
    """Eligibility from every screening result (seed 004 §5(一)1.1)."""
    results = dict(req.screening)
    if req.screening_report is not None:
        inline = {k.lower(): v for k, v in results.items()}
        for marker, value in read_screening(req.screening_report).items():
            given = inline.get(marker.lower())
            if given is None:
                results[marker] = value
            elif given.strip().lower() != value.strip().lower():
                raise QbdInputError("screening result differs from the laboratory report",
                                    file=str(req.screening_report), column=marker,
                                    expected=given, found=value)
    doc = Donor(**(req.model_dump(include=set(Donor.model_fields)) | {"screening": results}))
    return doc.eligibility()


# ---- chain of identity (seed 004) ------------------------------------------------------------

STEPS: tuple[str, ...] = tuple(HANDOVERS)


class ChainRecord(Request, ChainOfIdentity):
    """A chain of identity donor → collection → batch → product(s) → patient with its accepted
    hand-overs in order, the transport temperature log of the product to the clinical site,
    and the pre-administration check."""

    handovers: list[Handover] = Field(default_factory=list)
    transport_log: Path | None = input_file(
        None, description="temperature log of the product's transport (CSV/XLSX: time, °C)")
    transport_low_c: float | None = None
    transport_high_c: float | None = -150.0
    """Default: cryopreserved cells in the vapour phase of liquid nitrogen (≤ −150 °C)."""
    allowed_excursion_minutes: float = Field(0.0, ge=0)
    pre_administration: PreAdministration | None = None
    attachments: list[Path] = input_file([], description=ATTACHMENTS)


@dataclass(frozen=True)
class ChainStep(Result):
    step: str
    at: str
    by: str
    accepted: bool
    scanned: dict[str, str] = field(default_factory=dict)
    refusal: str | None = None
    note: str = ""


@dataclass(frozen=True)
class ChainState(Result):
    chain: str
    autologous: bool
    identifiers: dict[str, list[str]]
    handovers: list[ChainStep] = field(default_factory=list)
    next_step: str | None = None
    complete: bool = False
    transport: TemperatureCheck | None = None
    pre_administration: PreAdministrationResult | None = None

    def summary(self) -> str:
        ids = ", ".join(f"{k} {'/'.join(v)}" for k, v in self.identifiers.items() if v)
        rows = [[s.at, s.step, s.by, "; ".join(f"{k} {v}" for k, v in s.scanned.items()),
                 "accepted" if s.accepted else "REFUSED"] for s in self.handovers]
        lines = [f"chain of identity {self.chain}: {ids}",
                 format_table(["when", "hand-over", "by", "scanned", "decision"], rows)
                 if rows else "no hand-over yet",
                 "complete: administered" if self.complete else f"next: {self.next_step}"]
        if self.transport is not None:
            lines.append("transport: " + self.transport.summary().splitlines()[0])
        if self.pre_administration is not None:
            lines.append(self.pre_administration.summary())
        return "\n".join(lines)


def read_temperature_log(path: Path, column: str = "temperature_log") -> list[TemperatureReading]:
    """Readings of a logger export (CSV/XLSX: ``time`` and ``celsius`` columns; Chinese
    headers 时间 / 温度)."""
    from qbdkit.io import read_table
    from qbdkit.io.tables import require_columns

    table = require_columns(read_table(path, dtype_str=True), ["time", "celsius"],
                            {"time": ("at", "timestamp", "datetime", "时间", "记录时间"),
                             "celsius": ("temperature", "°c", "temp", "温度", "温度(°c)",
                                         "temperature (°c)")})
    out = []
    for i in range(len(table.frame)):
        text = table.text(i, "time", allow_blank=False)
        try:
            at = dt.datetime.fromisoformat(text.replace("/", "-"))
        except ValueError:
            raise table.error(i, "time", "not a date and time", expected="YYYY-MM-DD HH:MM",
                              found=text) from None
        out.append(TemperatureReading(at=at, celsius=table.number(i, "celsius")))
    if not out:
        raise QbdInputError("shipment without a temperature record", file=table.file,
                            column=column, expected="time-stamped temperature readings",
                            found="no readings")
    return out


def _refused(message: str, step: str, scans: Any) -> HandoverRefused:
    return HandoverRefused(message, column="scan", expected=f"identifiers of the chain at {step}",
                           found="; ".join(f"{f}={v}" for f, v in scans))


def check_chain(req: ChainRecord) -> list[ChainStep]:
    """Re-check every hand-over in order; the first refused one raises
    :class:`HandoverRefused` (a chain record holds accepted hand-overs only)."""
    chain = req.model_dump(include=set(ChainOfIdentity.model_fields))
    history: list[tuple[str, str, str]] = []
    done: list[str] = []
    steps: list[ChainStep] = []
    for h in req.handovers:
        if h.step not in HANDOVERS:
            raise QbdInputError("unknown hand-over", column="step", expected=" | ".join(STEPS),
                                found=h.step)
        unknown = [f for f, _ in h.scans if f not in CHAIN_FIELDS]
        if unknown:
            raise QbdInputError("unknown identifier field", column="scan",
                                expected=" | ".join(CHAIN_FIELDS), found=unknown[0])
        index = STEPS.index(h.step)
        if done and STEPS.index(done[-1]) > index:
            raise _refused(f"hand-over out of order: {h.step} after {done[-1]}", h.step, h.scans)
        if index > 0 and STEPS[index - 1] not in done and h.step not in done:
            raise _refused(f"hand-over out of order: {h.step} before {STEPS[index - 1]}",
                           h.step, h.scans)
        if h.step == "administration":
            pre = _pre_administration(req, chain)
            if pre is None or not pre.passed:
                raise _refused("pre-administration check not passed"
                               + ("" if pre is None else ": " + ", ".join(pre.failures())),
                               h.step, h.scans)
        check: HandoverCheck = check_handover(chain, h.step, h.scans, history=history)
        if not check.accepted:
            raise _refused(check.refusal or "refused", h.step, h.scans)
        history += [(h.step, f, v) for f, v in check.scanned.items()]
        done.append(h.step)
        steps.append(ChainStep(h.step, h.at.isoformat(), h.by, True, check.scanned, None,
                               h.note))
    return steps


def _transport(req: ChainRecord) -> TemperatureCheck | None:
    if req.transport_log is None:
        return None
    log = read_temperature_log(req.transport_log, "transport_log")
    return temperature_check([r.at for r in log], [r.celsius for r in log],
                             low_c=req.transport_low_c, high_c=req.transport_high_c,
                             allowed_minutes=req.allowed_excursion_minutes)


def _pre_administration(req: ChainRecord, chain: dict) -> PreAdministrationResult | None:
    p = req.pre_administration
    if p is None:
        return None
    return pre_administration_check(
        chain, product_id=p.product_id, patient_id=p.patient_id, at=p.at, expiry=p.expiry,
        appearance_ok=p.appearance_ok, transport=_transport(req),
        label_and_procedure_checked=p.label_and_procedure_checked,
        viability_pct=p.viability_pct, viability_min_pct=p.viability_min_pct,
        rapid_sterility_ok=p.rapid_sterility_ok)


def run_chain(req: ChainRecord, ctx: Context | None = None) -> ChainState:
    """Every hand-over re-checked against the chain's identifiers, in order; the transport
    log and the pre-administration check (seed 004 §4, §6(二), §7(二)5)."""
    steps = check_chain(req)
    chain = req.model_dump(include=set(ChainOfIdentity.model_fields))
    done = {s.step for s in steps}
    complete = "administration" in done
    next_step = None if complete else next((s for s in STEPS if s not in done), None)
    return ChainState(chain=req.id, autologous=req.autologous,
                      identifiers=chain_identifiers(chain), handovers=steps,
                      next_step=next_step, complete=complete, transport=_transport(req),
                      pre_administration=_pre_administration(req, chain))


def _audit_refusal(ctx: Context, project: str, name: str, step: str, scans: Any,
                   refusal: str) -> None:
    """One audit entry naming the refused hand-over (nothing else is written)."""
    from qbdkit.services.records import find_project
    from qbdkit.services.users import require
    from qbdkit.store import transaction
    from qbdkit.store.trail import append_entry

    with transaction(ctx.url) as session:
        require(session, ctx.user, "author")
        find_project(session, project)
        append_entry(session, user=ctx.user, action="handover.refused", project=project,
                     entity=f"record:operations.chain/{name}", old=None,
                     new={"chain": name, "step": step,
                          "scans": [[f, v] for f, v in scans], "refusal": refusal},
                     reason=refusal)


def _chain_conflicts(ctx: Context, project: str, name: str, req: ChainRecord) -> list[str]:
    """Identifiers of ``req`` that belong to another chain record of the project."""
    from qbdkit.services.records import latest_record, list_records

    registered: dict[str, str] = {}
    for r in list_records(project, kind="operations.chain", url=ctx.url).records:
        if r["key"] == name:
            continue
        other = latest_record(project, "operations.chain", r["key"], url=ctx.url)
        request = (other or {}).get("content", {}).get("request", {})
        for values in chain_identifiers(request).values():
            for v in values:
                registered[v] = str(request.get("id") or r["key"])
    mine = req.model_dump(include=set(ChainOfIdentity.model_fields))
    if req.autologous:  # donor and patient share one identifier by design
        mine = {**mine, "patient_id": None}
    return identifier_conflicts(mine, registered)


def store_chain(req: ChainRecord, ctx: Context, *, project: str, name: str,
                reason: str = "") -> tuple[ChainState, Any]:
    """Store a chain record; a refused hand-over or an identifier of another chain is audited
    (``handover.refused``) and raised, and nothing else is written."""
    from qbdkit.services.records import run_and_store

    conflicts = _chain_conflicts(ctx, project, name, req)
    if conflicts:
        refusal = "identifier of another chain: " + "; ".join(conflicts)
        _audit_refusal(ctx, project, name, "registration", [], refusal)
        raise HandoverRefused(refusal, column="chain", expected="identifiers unique to one chain",
                              found=conflicts[0])
    try:
        return run_and_store("operations.chain", req, ctx, project=project, name=name,
                             reason=reason)
    except HandoverRefused as exc:
        last = req.handovers[-1] if req.handovers else None
        _audit_refusal(ctx, project, name, last.step if last else "", last.scans if last else [],
                       exc.first.message)
        raise


def record_handover(project: str, name: str, step: str, scans: list[tuple[str, str]], *,
                    ctx: Context, at: dt.datetime | None = None, note: str = "",
                    reason: str = "") -> tuple[ChainState, Any]:
    """Add one hand-over to the stored chain ``name``: accepted → the chain's next version;
    refused (mismatch, missing or twice-scanned identifier, out of order) → one audit entry
    ``handover.refused`` and :class:`HandoverRefused`, nothing else written."""
    from qbdkit.services.records import get_record, record_inputs, store_result

    record = get_record(project, "operations.chain", name, user=ctx.user, url=ctx.url)
    files = record_inputs(project, "operations.chain", name, record["version"], url=ctx.url)
    when = at or dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    try:
        event = Handover(step=step, at=when, by=ctx.user or "", scans=scans, note=note)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise QbdInputError(err["msg"], column=str(err["loc"][0]) if err["loc"] else "scan",
                            found=err.get("input")) from None
    with tempfile.TemporaryDirectory(prefix="qbdkit-chain-") as tmp:
        paths = {}
        for field_name, (filename, data) in files.items():
            folder = Path(tmp) / field_name.replace("[", "_").replace("]", "")
            folder.mkdir(parents=True)
            (folder / Path(filename).name).write_bytes(data)
            paths[field_name] = folder / Path(filename).name
        stored = ChainRecord.model_validate(record["content"]["request"]).with_inputs(paths)
        req = stored.model_copy(update={"handovers": [*stored.handovers, event]})
        try:
            result = run_chain(req, ctx)
        except HandoverRefused as exc:
            _audit_refusal(ctx, project, name, step, scans, exc.first.message)
            raise
        saved = store_result("operations.chain", req, result, ctx, project=project, name=name,
                             reason=reason or f"hand-over {step}",
                             expected_version=record["version"])
    return result, saved


# ---- shipments between sites (seed 002 §3) ---------------------------------------------------

class ShipmentRecord(Request, Shipment):
    """A shipment (:class:`~qbdkit.model.operations.Shipment`) whose temperature record is
    inline (``temperature_log``) and/or the logger's export (``logger_file``); one of them is
    required."""

    temperature_log: list[TemperatureReading] = Field(default_factory=list)
    logger_file: Path | None = input_file(
        None, description="temperature logger export (CSV/XLSX: time, °C)")
    attachments: list[Path] = input_file([], description=ATTACHMENTS)


@dataclass(frozen=True)
class ShipmentState(Result):
    shipment: str
    material: str
    lot: str
    from_site: str
    to_site: str
    shipped: str
    received: str | None
    conditions: dict[str, Any]
    temperature: TemperatureCheck
    receipt: ReceiptResult
    open_deviations: list[str] = field(default_factory=list)
    open_changes: list[str] = field(default_factory=list)
    duration_h: float | None = None
    duration_ok: bool | None = None

    def summary(self) -> str:
        lines = [f"shipment {self.shipment}: {self.material} lot {self.lot}, {self.from_site} → "
                 f"{self.to_site}, shipped {self.shipped}"
                 + (f", received {self.received}" if self.received else ""),
                 self.temperature.summary(), self.receipt.summary()]
        if self.open_deviations or self.open_changes:
            lines.append("handed over: deviations " + (", ".join(self.open_deviations) or "—")
                         + "; changes " + (", ".join(self.open_changes) or "—"))
        return "\n".join(lines)


def run_shipment(req: ShipmentRecord, ctx: Context | None = None) -> ShipmentState:
    """Temperature log against the transport conditions, transport time, and the receipt
    acceptance checklist (seed 002 §3(1)–(3))."""
    log = list(req.temperature_log)
    if req.logger_file is not None:
        log += read_temperature_log(req.logger_file)
    if not log:
        raise QbdInputError("shipment without a temperature record", column="temperature_log",
                            expected="time-stamped readings (inline or a logger file)",
                            found="no readings")
    doc = Shipment(**(req.model_dump(include=set(Shipment.model_fields))
                      | {"temperature_log": [r.model_dump() for r in log]}))
    temp = doc.temperature()
    receipt = doc.receipt()
    hours = None if req.received is None else round(
        (req.received - req.shipped).total_seconds() / 3600.0, 4)
    if hours is not None and hours < 0:
        raise QbdInputError("received before it was shipped", column="received",
                            expected=f"after {req.shipped.isoformat()}",
                            found=req.received.isoformat())
    limit = req.conditions.max_duration_h
    return ShipmentState(
        shipment=req.id, material=req.material, lot=req.lot, from_site=req.from_site,
        to_site=req.to_site, shipped=req.shipped.isoformat(),
        received=None if req.received is None else req.received.isoformat(),
        conditions=req.conditions.model_dump(), temperature=temp, receipt=receipt,
        open_deviations=list(req.open_deviations), open_changes=list(req.open_changes),
        duration_h=hours, duration_ok=None if hours is None or limit is None else hours <= limit)


# ---- release before all results (seed 004 §7(二)4) --------------------------------------------

class ReleaseDocument(Request, ReleaseRecord):
    """A cell-therapy batch release (:class:`~qbdkit.model.operations.ReleaseRecord`): tests
    inline and/or from the laboratory's export; ``late_results`` are results of tests that
    were pending at release (test → pass/fail); ``chains`` the chains of identity the batch
    reached (their identifiers, for the follow-up)."""

    tests: list[ReleaseTest] = Field(default_factory=list)
    tests_file: Path | None = input_file(
        None, description="release results (CSV/XLSX: test, status[, required_for_release])")
    late_results: dict[str, str] = Field(default_factory=dict)
    products: list[str] = Field(default_factory=list)
    patients: list[str] = Field(default_factory=list)
    attachments: list[Path] = input_file([], description=ATTACHMENTS)


@dataclass(frozen=True)
class ReleaseState(Result):
    decision: ReleaseDecision
    late: list[LateFailure] = field(default_factory=list)
    released_by: str | None = None
    released_at: str | None = None

    def summary(self) -> str:
        return "\n".join([self.decision.summary(), *[x.summary() for x in self.late]])


def read_release_tests(path: Path) -> list[ReleaseTest]:
    from qbdkit.io import read_table
    from qbdkit.io.tables import require_columns

    table = require_columns(read_table(path, dtype_str=True), ["test", "status"],
                            {"test": ("name", "检测项目", "项目"), "status": ("结果", "结论")},
                            optional=["required_for_release"])
    out = []
    for i in range(len(table.frame)):
        required = True
        if "required_for_release" in table.frame.columns and table.text(
                i, "required_for_release"):
            word = table.text(i, "required_for_release").lower()
            if word not in ("yes", "no", "是", "否", "true", "false"):
                raise table.error(i, "required_for_release", "not yes/no",
                                  expected="yes | no", found=word)
            required = word in ("yes", "是", "true")
        try:
            out.append(ReleaseTest(name=table.text(i, "test", allow_blank=False),
                                   status=table.text(i, "status").lower() or "pending",
                                   required_for_release=required))
        except ValidationError:
            raise table.error(i, "status", "unknown test status",
                              expected="pass | fail | pending",
                              found=table.text(i, "status")) from None
    return out


def run_release(req: ReleaseDocument, ctx: Context | None = None) -> ReleaseState:
    """Release with or before all results, and what each late result requires."""
    tests = list(req.tests)
    if req.tests_file is not None:
        tests += read_release_tests(req.tests_file)
    if not tests:
        raise QbdInputError("release without test results", column="tests",
                            expected="the release tests and their status")
    names = [t.name for t in tests]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise QbdInputError("test listed twice", column="tests", expected="each test once",
                            found=twice[0])
    doc = ReleaseRecord(batch=req.batch, tests=tests, retained_samples=req.retained_samples)
    decision = doc.decision()
    chain = [{"batch_id": req.batch, "product_ids": req.products, "patient_id": p}
             for p in req.patients] or [{"batch_id": req.batch, "product_ids": req.products}]
    late = [late_result(decision, test, status, chain)
            for test, status in req.late_results.items()]
    return ReleaseState(decision, late, req.released_by,
                        None if req.released_at is None else req.released_at.isoformat())


# ---- documents from files (CLI, web uploads) ------------------------------------------------

DOCUMENT_KINDS: dict[str, type] = {
    "operations.request": ServiceRequestRecord,
    "operations.deviation": DeviationRecord,
    "operations.donor": DonorRecord,
    "operations.chain": ChainRecord,
    "operations.shipment": ShipmentRecord,
    "operations.release": ReleaseDocument,
}


def load_document(kind: str, path: Path | None, **overrides: Any) -> Request:
    """The request of document kind ``kind`` from a YAML/JSON file, with ``overrides``
    (:func:`qbdkit.services.documents.load_request`)."""
    from qbdkit.services.documents import load_request

    return load_request(DOCUMENT_KINDS[kind], path, **overrides)


# ---- examples (kind contract) ---------------------------------------------------------------

def _request_example(folder: Path) -> ServiceRequestRecord:
    from qbdkit.services.operations import write_example_calendar

    protocol = Path(folder) / "protocol_R-2026-031.txt"
    protocol.write_text("Pilot verification protocol R-2026-031 (signed 2027-01-08)\n",
                        encoding="utf-8")
    return ServiceRequestRecord(
        id="R-2026-031", client="Client A (CAR-T developer)", cooperation_mode="commissioned",
        scope=["pilot-verification", "scale-up"], received=dt.date(2026, 12, 21),
        intake_done=dt.date(2026, 12, 25), protocol_done=dt.date(2027, 1, 8),
        execution_due=dt.date(2027, 3, 5), scale_up=True,
        exceptions=[{"id": "EX-1", "occurred": "2027-01-20",
                     "description": "transduction efficiency below the pilot target",
                     "handling": "repeat with fresh vector lot", "deviation": "DEV-2027-002"}],
        as_of=dt.date(2027, 2, 1), calendar=write_example_calendar(folder),
        attachments=[protocol])


def write_example_control_strategy(folder: Path) -> Path:
    path = Path(folder) / "control_strategy.csv"
    path.write_text("parameter,class,cqas\n"
                    "Temperature (°C),CPP,Aggregates;Afucosylation\n"
                    "pH,CPP,Charge variants\n"
                    "Feed (%),CPP,Aggregates;HCP\n"
                    "DO (%),KPP,\n"
                    "Agitation (rpm),GPP,\n", encoding="utf-8")
    return path


def _deviation_example(folder: Path) -> DeviationRecord:
    return DeviationRecord(
        id="DEV-2026-031", occurred=dt.date(2026, 10, 14), deviation_class="minor",
        description="pH above the NOR for 3 h on day 6 (probe drift)", site="Site A",
        batches=["L11"], unit_operation="production bioreactor", parameters=["pH"],
        investigation="offline pH confirmed drift of +0.12; within PAR",
        root_cause="pH probe drift between calibrations", root_cause_category="equipment",
        capas=[{"id": "CAPA-2026-017", "kind": "corrective", "action": "recalibrate and "
                "replace the probe", "owner": "upstream lead", "due": "2026-10-31",
                "completed": "2026-10-20", "effectiveness_due": "2026-12-31"},
               {"id": "CAPA-2026-018", "kind": "preventive", "action": "redundant pH probe "
                "with automatic alarm", "owner": "automation engineer", "due": "2027-01-29",
                "change": {"id": "CC-2026-009", "change_class": "minor"}}],
        as_of=dt.date(2026, 12, 1), control_strategy=write_example_control_strategy(folder))


def _donor_example(folder: Path) -> DonorRecord:
    path = Path(folder) / "screening_D-0117.csv"
    path.write_text("marker,result,kit,date\nHIV,negative,HIV Ag/Ab combo,2026-11-02\n"
                    "HBV,negative,HBsAg + anti-HBc,2026-11-02\nHCV,negative,anti-HCV,2026-11-02\n"
                    "HTLV,negative,anti-HTLV-I/II,2026-11-02\nEBV,negative,EBV VCA IgM,2026-11-02\n"
                    "syphilis,negative,TPPA,2026-11-02\n", encoding="utf-8")
    return DonorRecord(id="D-0117", allogeneic=True, screening_report=path,
                       history="no travel to endemic areas")


def write_example_transport_log(folder: Path, start: dt.datetime, hours: int = 30,
                                name: str = "transport_log.csv") -> Path:
    path = Path(folder) / name
    lines = ["time,celsius"]
    for i in range(hours * 2 + 1):
        at = start + dt.timedelta(minutes=30 * i)
        lines.append(f"{at.isoformat(sep=' ', timespec='minutes')},{-182.5 + (i % 5) * 0.6:.1f}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _chain_example(folder: Path) -> ChainRecord:
    t0 = dt.datetime(2026, 11, 3, 8, 30)
    return ChainRecord(
        id="COI-0117", donor_id="PT-0117", collection_id="AP-0117", batch_id="B-0117",
        product_ids=["B-0117-01"], patient_id="PT-0117", autologous=True,
        handovers=[
            {"step": "collection", "at": t0, "by": "apheresis nurse",
             "scans": [["donor_id", "PT-0117"], ["collection_id", "AP-0117"]]},
            {"step": "receipt", "at": t0 + dt.timedelta(hours=20), "by": "QC receipt",
             "scans": [["donor_id", "PT-0117"], ["collection_id", "AP-0117"]]},
            {"step": "manufacture", "at": t0 + dt.timedelta(days=1), "by": "operator",
             "scans": [["collection_id", "AP-0117"], ["batch_id", "B-0117"]]},
            {"step": "fill", "at": t0 + dt.timedelta(days=9), "by": "operator",
             "scans": [["batch_id", "B-0117"], ["product_id", "B-0117-01"]]}],
        transport_log=write_example_transport_log(folder, t0 + dt.timedelta(days=16)))


def _shipment_example(folder: Path) -> ShipmentRecord:
    path = Path(folder) / "logger_SH-2026-044.csv"
    start = dt.datetime(2026, 11, 10, 6, 0)
    rows = ["time,celsius"] + [
        f"{(start + dt.timedelta(minutes=15 * i)).isoformat(sep=' ', timespec='minutes')},"
        f"{(-21.0 + 0.4 * (i % 4)) if i not in (40, 41) else -14.2:.1f}" for i in range(97)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return ShipmentRecord(
        id="SH-2026-044", material="ADC drug substance", lot="ADC-DS-2611", from_site="Site B "
        "(conjugation)", to_site="Site C (fill-finish)", shipped=start,
        received=start + dt.timedelta(hours=24, minutes=20),
        conditions={"temperature_low_c": -25.0, "temperature_high_c": -15.0,
                    "protect_from_light": True, "max_duration_h": 36,
                    "allowed_excursion_minutes": 60},
        logger_file=path, open_deviations=["DEV-B-2026-052"],
        receipt_checks={"label_matches_contents": True, "container_intact": True,
                        "certificate_of_analysis": True, "release_certificate": True,
                        "deviations_changes_communicated": True})


def _release_example(folder: Path) -> ReleaseDocument:
    path = Path(folder) / "release_B-0117.csv"
    path.write_text("test,status,required_for_release\nidentity (CAR+ CD3+),pass,yes\n"
                    "viability,pass,yes\nendotoxin,pass,yes\nmycoplasma (PCR),pass,yes\n"
                    "sterility (14 d),pending,no\nRCL,pending,no\n", encoding="utf-8")
    return ReleaseDocument(batch="B-0117", tests_file=path,
                           retained_samples=["sterility (14 d)", "RCL"],
                           released_by="QP Li", released_at=dt.datetime(2026, 11, 13, 16, 0),
                           late_results={"sterility (14 d)": "pass"},
                           products=["B-0117-01"], patients=["PT-0117"])


register(Kind("operations.request", ServiceRequestRecord, run_request, ServiceRequestState,
              title=both("Service request", DOMAIN), stage="operations",
              example=_request_example))
register(Kind("operations.deviation", DeviationRecord, run_deviation, DeviationState,
              title=both("Deviation and CAPA", DOMAIN), stage="operations",
              example=_deviation_example))
register(Kind("operations.donor", DonorRecord, run_donor, EligibilityResult,
              title=both("Donor eligibility", DOMAIN), stage="operations",
              example=_donor_example))
register(Kind("operations.chain", ChainRecord, run_chain, ChainState,
              title=both("Chain of identity", DOMAIN), stage="operations",
              example=_chain_example))
register(Kind("operations.shipment", ShipmentRecord, run_shipment, ShipmentState,
              title=both("Shipment and receipt", DOMAIN), stage="operations",
              example=_shipment_example))
register(Kind("operations.release", ReleaseDocument, run_release, ReleaseState,
              title=both("Batch release (cell therapy)", DOMAIN), stage="operations",
              example=_release_example))
