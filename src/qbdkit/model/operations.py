"""Operational records (pydantic v2): service requests, yearly evaluations, deviations and
CAPA, donors and chains of identity, release records, shipments between sites.

Each model is one record the services store, audit and sign; the decisions are computed by
the pure functions of :mod:`qbdkit.core.operations` through the methods here. Abbreviations:
KPI key performance indicator; CAPA corrective and preventive action; CQA critical quality
attribute; COI chain of identity; IP intellectual property; CoA certificate of analysis.

Sources: seed 001 §2.3–2.5 (service workflow, cooperation modes, results and IP, data
de-identification, KPIs and yearly evaluation); seed 002 §3 (shipments, receipt, deviation
and change hand-over between sites); seed 004 §3, §5, §6, §7 (risk class, donors,
traceability, release before all results, pre-administration check); ICH Q10 (CAPA).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from qbdkit.core.operations.calendar import WorkingCalendar
from qbdkit.core.operations.cell_therapy import (
    SCREENING_MARKERS,
    EligibilityResult,
    HandoverCheck,
    ReleaseDecision,
    check_handover,
    donor_eligibility,
    release_decision,
)
from qbdkit.core.operations.quality import closure_blockers
from qbdkit.core.operations.requests import RequestSchedule, request_schedule
from qbdkit.core.operations.shipment import (
    ReceiptResult,
    TemperatureCheck,
    receipt_acceptance,
    temperature_check,
)

CooperationMode = Literal["commissioned", "co-development"]
Scope = Literal["pilot-verification", "scale-up", "pilot-production", "testing", "consulting"]
Confidentiality = Literal["standard", "confidential", "strictly-confidential"]

_MODE_ALIASES = {"委托": "commissioned", "委托服务": "commissioned", "commissioned": "commissioned",
                 "contract": "commissioned", "合作开发": "co-development",
                 "合作开发服务": "co-development", "co-development": "co-development",
                 "codevelopment": "co-development", "joint development": "co-development"}


class Record(BaseModel):
    """Base: unknown fields are errors; strings stripped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# ---- service requests (seed 001) ------------------------------------------------------------

class ExceptionRecord(Record):
    """An exception (异常) during a pilot run and how it was handled (seed 001 §2.2)."""

    id: str = Field(min_length=1)
    occurred: dt.date
    description: str = Field(min_length=1)
    handling: str | None = None
    deviation: str | None = None
    closed: dt.date | None = None


class ResultsRecord(Record):
    """Results and IP (seed 001 §2.4): ownership agreed first ("约定优先"), the law otherwise;
    commissioned work's results go to the client, co-development results are shared."""

    ownership: Literal["client", "shared", "platform", "per agreement"] | None = None
    agreement: str | None = None
    ip_review_before_publication: bool = False
    data_deidentified_for_internal_use: bool = False
    delivered: dt.date | None = None


class ServiceRequest(Record):
    """A client's request through intake, protocol, execution, acceptance and closure."""

    id: str = Field(min_length=1)
    client: str = Field(min_length=1)
    cooperation_mode: CooperationMode
    scope: list[Scope] = Field(min_length=1)
    confidentiality: Confidentiality = "confidential"
    received: dt.date
    intake_done: dt.date | None = None
    protocol_done: dt.date | None = None
    execution_due: dt.date | None = None
    execution_done: dt.date | None = None
    acceptance_done: dt.date | None = None
    closed: dt.date | None = None
    scale_up: bool = False
    scale_up_success: bool | None = None
    exceptions: list[ExceptionRecord] = Field(default_factory=list)
    results: ResultsRecord = Field(default_factory=ResultsRecord)

    @field_validator("cooperation_mode", mode="before")
    @classmethod
    def _mode(cls, v: Any) -> Any:
        return _MODE_ALIASES.get(str(v).strip().lower(), v) if isinstance(v, str) else v

    @field_validator("scope", mode="before")
    @classmethod
    def _scope(cls, v: Any) -> Any:
        return [s.strip() for s in v.split(";") if s.strip()] if isinstance(v, str) else v

    @model_validator(mode="after")
    def _results_rules(self) -> ServiceRequest:
        if self.closed is not None and self.results.ownership is None:
            raise ValueError("a closed request records who owns the results (results.ownership)")
        if (self.cooperation_mode == "commissioned" and self.results.ownership == "shared"
                and not self.results.agreement):
            raise ValueError("commissioned results belong to the client unless an agreement "
                             "says otherwise (results.agreement)")
        if self.scale_up_success is not None and not self.scale_up:
            raise ValueError("scale_up_success given for a request without scale-up")
        return self

    def completed(self) -> dict[str, dt.date | None]:
        return {"intake": self.intake_done, "protocol": self.protocol_done,
                "execution": self.execution_done, "acceptance": self.acceptance_done,
                "closure": self.closed}

    def schedule(self, as_of: dt.date, calendar: WorkingCalendar | None = None) -> RequestSchedule:
        """Due dates, statuses and overdue flags in working days (seed 001 §2.3)."""
        return request_schedule(self.id, self.received, self.completed(), as_of=as_of,
                                execution_due=self.execution_due, calendar=calendar)

    def open_exceptions(self) -> list[str]:
        return [e.id for e in self.exceptions if e.closed is None]


class ImprovementAction(Record):
    """An improvement action of the yearly evaluation: owner and due date required
    (seed 001 §2.5 "明确责任与时限的改进措施")."""

    kpi: str | None = None
    description: str = Field(min_length=1)
    owner: str = Field(min_length=1)
    due: dt.date
    done: dt.date | None = None
    effective: bool | None = None


class YearlyEvaluationRecord(Record):
    """The yearly evaluation: KPIs against targets, shortfalls each with an action, and the
    management review by top management (seed 001 §2.5)."""

    year: int
    targets: dict[str, float] = Field(default_factory=dict)
    shortfalls: list[str] = Field(default_factory=list)
    actions: list[ImprovementAction] = Field(default_factory=list)
    external_evaluation: str | None = None
    management_review: dt.date | None = None
    reviewed_by: str | None = None

    @model_validator(mode="after")
    def _every_shortfall_has_an_action(self) -> YearlyEvaluationRecord:
        covered = {a.kpi for a in self.actions}
        missing = [k for k in self.shortfalls if k not in covered]
        if missing:
            raise ValueError(f"no improvement action for KPI shortfall: {', '.join(missing)}")
        return self


# ---- deviations, CAPA, change (ICH Q10) ---------------------------------------------------

class ChangeLink(Record):
    """A change a CAPA needs (change control): class per seed 004 §10, and the studies the
    change calls for."""

    id: str = Field(min_length=1)
    change_class: Literal["minor", "moderate", "major"]
    stability_study: bool = False
    comparability_study: bool = False
    status: Literal["open", "approved", "implemented", "closed"] = "open"


class Capa(Record):
    id: str = Field(min_length=1)
    kind: Literal["corrective", "preventive"]
    action: str = Field(min_length=1)
    owner: str = Field(min_length=1)
    due: dt.date
    completed: dt.date | None = None
    effectiveness_due: dt.date | None = None
    effectiveness_checked: dt.date | None = None
    effective: bool | None = None
    effectiveness_evidence: str | None = None
    change: ChangeLink | None = None

    @model_validator(mode="after")
    def _effectiveness(self) -> Capa:
        if self.effective is not None and self.effectiveness_checked is None:
            raise ValueError("an effectiveness result needs the date it was checked")
        return self


class Deviation(Record):
    """A deviation: class, what it touched, impact on CQAs, investigation, root cause, CAPA;
    ``sites_informed`` for hand-over between sites (seed 002 §3(2))."""

    id: str = Field(min_length=1)
    occurred: dt.date
    description: str = Field(min_length=1)
    deviation_class: Literal["minor", "major", "critical"]
    site: str | None = None
    batches: list[str] = Field(default_factory=list)
    unit_operation: str | None = None
    parameters: list[str] = Field(default_factory=list)
    attributes: list[str] = Field(default_factory=list)
    impacted_cqas: list[str] = Field(default_factory=list)
    impact_assessment: str | None = None
    investigation: str | None = None
    root_cause: str | None = None
    root_cause_category: Literal["personnel", "equipment", "material", "method",
                                 "measurement", "environment", "unknown"] | None = None
    capas: list[Capa] = Field(default_factory=list)
    sites_informed: list[str] = Field(default_factory=list)
    closed: dt.date | None = None

    @model_validator(mode="after")
    def _closure(self) -> Deviation:
        if self.closed is not None:
            blockers = closure_blockers(
                self.model_dump(), [c.model_dump() | {"change": c.change.id if c.change else None}
                                    for c in self.capas],
                {c.change.id: c.change.status for c in self.capas if c.change})
            if blockers:
                raise ValueError("cannot close: " + "; ".join(blockers))
        return self


# ---- cell therapy (seed 004) -------------------------------------------------------------

class Donor(Record):
    id: str = Field(min_length=1)
    allogeneic: bool
    screening: dict[str, str] = Field(default_factory=dict)
    extra_markers: list[str] = Field(default_factory=list)
    hla: str | None = None
    history: str | None = None

    def eligibility(self) -> EligibilityResult:
        return donor_eligibility(self.id, self.screening, allogeneic=self.allogeneic,
                                 markers=(*SCREENING_MARKERS, *self.extra_markers))


class ChainOfIdentity(Record):
    """donor → collection → batch → product(s) → patient, each with a unique identifier."""

    id: str = Field(min_length=1)
    donor_id: str = Field(min_length=1)
    collection_id: str = Field(min_length=1)
    batch_id: str | None = None
    product_ids: list[str] = Field(default_factory=list)
    patient_id: str = Field(min_length=1)
    autologous: bool = True

    @model_validator(mode="after")
    def _unique(self) -> ChainOfIdentity:
        if len(set(self.product_ids)) != len(self.product_ids):
            raise ValueError("a product identifier appears twice in the chain")
        if self.autologous and self.donor_id != self.patient_id:
            raise ValueError("an autologous chain has the same donor and patient identifier")
        return self

    def check(self, step: str, scans: list[tuple[str, str]],
              history: list[tuple[str, str, str]] | None = None) -> HandoverCheck:
        return check_handover(self.model_dump(), step, scans, history=history or [])


class HandoverEvent(Record):
    """One scan event at a hand-over, accepted or refused (a refusal is kept and audited)."""

    chain: str
    step: str
    at: dt.datetime
    by: str
    scans: list[tuple[str, str]]
    accepted: bool
    refusal: str | None = None


class Handover(Record):
    """One accepted hand-over of a chain of identity: the step (collection, receipt,
    manufacture, fill, release, shipment, administration), when, who scanned, and the
    identifiers scanned as ``(field, value)`` pairs (donor_id, collection_id, batch_id,
    product_id, patient_id). Refused hand-overs are not part of the chain: they are kept in
    the audit trail."""

    step: str = Field(min_length=1)
    at: dt.datetime
    by: str = Field(min_length=1)
    scans: list[tuple[str, str]] = Field(min_length=1)
    note: str = ""


class PreAdministration(Record):
    """The bedside check before administration (seed 004 §7(二)5): identity scanned, appearance,
    expiry, label and procedure; viability and rapid sterility when tested. The transport
    temperature record is the chain record's transport log."""

    at: dt.datetime
    product_id: str = Field(min_length=1)
    patient_id: str = Field(min_length=1)
    expiry: dt.datetime
    appearance_ok: bool | None = None
    label_and_procedure_checked: bool | None = None
    viability_pct: float | None = Field(default=None, ge=0, le=100)
    viability_min_pct: float | None = Field(default=None, ge=0, le=100)
    rapid_sterility_ok: bool | None = None


class ReleaseTest(Record):
    name: str = Field(min_length=1)
    status: Literal["pass", "fail", "pending"]
    required_for_release: bool = True


class ReleaseRecord(Record):
    batch: str = Field(min_length=1)
    tests: list[ReleaseTest] = Field(min_length=1)
    retained_samples: list[str] = Field(default_factory=list)
    released_by: str | None = None
    released_at: dt.datetime | None = None

    def decision(self) -> ReleaseDecision:
        return release_decision(self.batch, [t.model_dump() for t in self.tests],
                                self.retained_samples)


# ---- shipments between sites (seed 002 §3; seed 004 §8(二)) ---------------------------------

class TransportConditions(Record):
    temperature_low_c: float | None = None
    temperature_high_c: float | None = None
    humidity_max_pct: float | None = None
    protect_from_light: bool = False
    max_shock_g: float | None = None
    max_duration_h: float | None = None
    allowed_excursion_minutes: float = 0.0

    @model_validator(mode="after")
    def _range(self) -> TransportConditions:
        if self.temperature_low_c is None and self.temperature_high_c is None:
            raise ValueError("transport conditions need a temperature range")
        return self


class TemperatureReading(Record):
    at: dt.datetime
    celsius: float


class Shipment(Record):
    """A shipment of drug substance, intermediate or small molecule between sites. A
    shipment without a temperature record is refused (validation error on
    ``temperature_log``)."""

    id: str = Field(min_length=1)
    material: str = Field(min_length=1)
    lot: str = Field(min_length=1)
    from_site: str = Field(min_length=1)
    to_site: str = Field(min_length=1)
    shipped: dt.datetime
    received: dt.datetime | None = None
    conditions: TransportConditions
    temperature_log: list[TemperatureReading] = Field(min_length=1)
    open_deviations: list[str] = Field(default_factory=list)
    open_changes: list[str] = Field(default_factory=list)
    receipt_checks: dict[str, bool | None] = Field(default_factory=dict)

    def temperature(self) -> TemperatureCheck:
        c = self.conditions
        return temperature_check([r.at for r in self.temperature_log],
                                 [r.celsius for r in self.temperature_log],
                                 low_c=c.temperature_low_c, high_c=c.temperature_high_c,
                                 allowed_minutes=c.allowed_excursion_minutes)

    def receipt(self) -> ReceiptResult:
        return receipt_acceptance(self.id, self.receipt_checks, self.temperature())
