"""Immune cell therapy records: donor eligibility, chain of identity, release before all
results, late-failure follow-up, pre-administration check, product risk class.

Source: seed 004 (NMPA CDE technical guideline on CMC of immune cell therapy products):

* §3 risk classes — medium-low: autologous cells, minimal in vitro processing (culture,
  expansion, induction), function similar to the endogenous one, not combined with other
  medicines or device components; high: allogeneic cells, genetically manipulated cells,
  cells with a risk of malignant transformation, products combined with non-cell components,
  products implanted surgically into key tissues or organs;
* §5(一)1.1 donor screening — allogeneic donors at least to the blood-donor standard,
  screened for HIV, HBV, HCV, HTLV, EBV and Treponema pallidum (syphilis), with approved
  kits; more tests by history or residence;
* §4 and §6(二)(1),(3) — no mix-up between donors or batches; traceability from donor to
  recipient over collection, production, transport and clinical use;
* §7(二)4 — release before all tests are complete, with retained samples tested in full; a
  disagreement between release and retained-sample results needs its risk considered;
* §7(二)5 — quality check before use: morphology, viable count and viability, colour and
  foreign matter, rapid sterility where applicable, label and procedure check.

The functions return decisions (accepted / refused with reasons) rather than raising, so the
service can record a refusal in the audit trail; only malformed input raises
:class:`QbdInputError`. Who is notified after a late failure, and the identifiers checked at
each hand-over, are qbdkit's reading (the seed requires traceability and risk consideration
without naming them).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from qbdkit.core.operations.shipment import TemperatureCheck
from qbdkit.core.result import Result, format_table
from qbdkit.errors import QbdInputError

#: donor screening markers, seed 004 §5(一)1.1
SCREENING_MARKERS: tuple[str, ...] = ("HIV", "HBV", "HCV", "HTLV", "EBV", "syphilis")
_RESULT_WORDS = {
    "negative": "negative", "neg": "negative", "-": "negative", "阴性": "negative",
    "non-reactive": "negative", "nonreactive": "negative",
    "reactive": "reactive", "positive": "reactive", "pos": "reactive", "+": "reactive",
    "阳性": "reactive",
    "pending": "pending", "待检": "pending", "待定": "pending", "": "pending",
    "indeterminate": "indeterminate", "equivocal": "indeterminate", "不确定": "indeterminate",
}


@dataclass(frozen=True)
class EligibilityResult(Result):
    donor: str
    allogeneic: bool
    eligible: bool
    results: dict[str, str] = field(default_factory=dict)
    reactive: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    def summary(self) -> str:
        verdict = "eligible" if self.eligible else "NOT eligible"
        return (f"donor {self.donor} ({'allogeneic' if self.allogeneic else 'autologous'}): "
                f"{verdict}\n" + "\n".join(f"  - {r}" for r in self.reasons))


def normalise_result(value: Any, marker: str) -> str:
    text = "" if value is None else str(value).strip().lower()
    try:
        return _RESULT_WORDS[text]
    except KeyError:
        raise QbdInputError("unknown screening result", column=marker,
                            expected="negative | reactive | pending | indeterminate",
                            found=str(value)) from None


def donor_eligibility(donor: str, results: Mapping[str, Any], *, allogeneic: bool,
                      markers: Sequence[str] = SCREENING_MARKERS) -> EligibilityResult:
    """Eligibility from screening results ({marker: negative/reactive/pending/…}).

    Allogeneic donors are eligible only when every marker in ``markers`` (the seed's six plus
    any added by history) is negative. For autologous material the seed sets no exclusion;
    qbdkit records the results, keeps the donor eligible for their own product, and lists
    reactive markers so the material is handled segregated.
    """
    lookup = {k.strip().lower(): k for k in results}
    normalised: dict[str, str] = {}
    for m in markers:
        key = lookup.get(m.lower())
        normalised[m] = "pending" if key is None else normalise_result(results[key], m)
    for k, v in results.items():
        if k.strip().lower() not in {m.lower() for m in markers}:
            normalised[k] = normalise_result(v, k)
    reactive = [m for m, v in normalised.items() if v == "reactive"]
    missing = [m for m in markers if normalised[m] in ("pending", "indeterminate")]
    reasons: list[str] = []
    if allogeneic:
        eligible = not reactive and not missing
        reasons += [f"{m} reactive" for m in reactive]
        reasons += [f"{m} result {normalised[m]}" for m in missing]
        if eligible:
            reasons.append("all screening markers negative (blood-donor standard, seed 004)")
    else:
        eligible = True
        reasons.append("autologous: cells return to the donor")
        reasons += [f"{m} reactive: handle and store segregated" for m in reactive]
        reasons += [f"{m} result {normalised[m]}: complete before release" for m in missing]
    return EligibilityResult(donor, allogeneic, eligible, normalised, reactive, missing, reasons)


# ---- chain of identity -------------------------------------------------------------------

#: identifier fields of a chain, in the order donor → collection → batch → product → patient
CHAIN_FIELDS: tuple[str, ...] = ("donor_id", "collection_id", "batch_id", "product_id",
                                 "patient_id")
#: the identifiers scanned at each hand-over
HANDOVERS: dict[str, tuple[str, ...]] = {
    "collection": ("donor_id", "collection_id"),
    "receipt": ("donor_id", "collection_id"),
    "manufacture": ("collection_id", "batch_id"),
    "fill": ("batch_id", "product_id"),
    "release": ("batch_id", "product_id", "patient_id"),
    "shipment": ("product_id", "patient_id"),
    "administration": ("product_id", "patient_id"),
}
#: the identifier each hand-over handles once: scanning it again at the same step is refused
UNIT_OF_STEP: dict[str, str] = {
    "collection": "collection_id", "receipt": "collection_id", "manufacture": "collection_id",
    "fill": "product_id", "release": "product_id", "shipment": "product_id",
    "administration": "product_id",
}


@dataclass(frozen=True)
class Mismatch(Result):
    field: str
    expected: str
    found: str | None


@dataclass(frozen=True)
class HandoverCheck(Result):
    """One hand-over: ``accepted``, or refused with ``refusal`` (the reason recorded)."""

    chain: str
    step: str
    accepted: bool
    refusal: str | None = None
    mismatches: list[Mismatch] = field(default_factory=list)
    scanned: dict[str, str] = field(default_factory=dict)

    def summary(self) -> str:
        if self.accepted:
            return f"chain {self.chain}, {self.step}: accepted"
        rows = [[m.field, m.expected, m.found] for m in self.mismatches]
        return (f"chain {self.chain}, {self.step}: REFUSED — {self.refusal}"
                + ("\n" + format_table(["identifier", "expected", "scanned"], rows)
                   if rows else ""))


def chain_identifiers(chain: Mapping[str, Any]) -> dict[str, list[str]]:
    """``{field: [values]}`` of a chain (``product_id`` may hold several bags)."""
    out: dict[str, list[str]] = {}
    for f in CHAIN_FIELDS:
        v = chain.get(f) if f != "product_id" else chain.get("product_ids", chain.get(f))
        values = v if isinstance(v, list | tuple) else ([] if v in (None, "") else [v])
        out[f] = [str(x).strip() for x in values if str(x).strip()]
    return out


def check_handover(chain: Mapping[str, Any], step: str, scans: Sequence[tuple[str, str]], *,
                   history: Sequence[tuple[str, str, str]] = ()) -> HandoverCheck:
    """Compare the identifiers scanned at ``step`` with the chain's.

    ``scans``: ``(field, value)`` pairs as scanned; ``history``: ``(step, field, value)``
    of scans already accepted on this chain. Refused when a required identifier is not
    scanned, differs from the chain's (a mismatch), is scanned twice in this hand-over, or
    was already accepted at this step (scanned twice).
    """
    if step not in HANDOVERS:
        raise QbdInputError("unknown hand-over", column="step", expected=" | ".join(HANDOVERS),
                            found=step)
    coi = str(chain.get("id") or chain.get("chain_id") or "")
    ids = chain_identifiers(chain)
    required = HANDOVERS[step]
    for f, _ in scans:
        if f not in CHAIN_FIELDS:
            raise QbdInputError("unknown identifier field", column=f,
                                expected=" | ".join(CHAIN_FIELDS), found=f)
    values = [(f, str(v).strip()) for f, v in scans]
    scanned = dict(values)
    seen: set[tuple[str, str]] = set()
    for f, v in values:
        if (f, v) in seen:
            return HandoverCheck(coi, step, False, f"identifier scanned twice: {f} {v}",
                                 scanned=scanned)
        seen.add((f, v))
    done = {(s, f, str(v)) for s, f, v in history}
    for f, v in values:
        if (step, f, v) in done and f == UNIT_OF_STEP[step]:
            return HandoverCheck(coi, step, False,
                                 f"identifier already scanned at {step}: {f} {v}",
                                 scanned=scanned)
    mismatches: list[Mismatch] = []
    by_field: dict[str, list[str]] = {}
    for f, v in values:
        by_field.setdefault(f, []).append(v)
    for f in required:
        expected = ids[f]
        got = by_field.get(f)
        if not got:
            mismatches.append(Mismatch(f, " | ".join(expected), None))
            continue
        for v in got:
            if v not in expected:
                mismatches.append(Mismatch(f, " | ".join(expected), v))
    for f, got in by_field.items():
        if f not in required:
            mismatches += [Mismatch(f, " | ".join(ids[f]), v) for v in got if v not in ids[f]]
    if mismatches:
        what = "; ".join(f"{m.field} expected {m.expected or '—'}, scanned {m.found or 'nothing'}"
                         for m in mismatches)
        kind = ("identifier missing" if all(m.found is None for m in mismatches)
                else "identifier mismatch")
        return HandoverCheck(coi, step, False, f"{kind}: {what}", mismatches, scanned)
    return HandoverCheck(coi, step, True, None, [], scanned)


def identifier_conflicts(chain: Mapping[str, Any],
                         registered: Mapping[str, str]) -> list[str]:
    """Identifiers of ``chain`` already registered to another chain (``{value: chain id}``).

    A unique identifier may belong to one chain only; for an autologous chain the donor and
    patient may share one identifier."""
    coi = str(chain.get("id") or chain.get("chain_id") or "")
    out = []
    for f, values in chain_identifiers(chain).items():
        out += [f"{f} {v} belongs to chain {registered[v]}" for v in values
                if v in registered and registered[v] != coi]
    return out


# ---- release before all results; late failure ----------------------------------------------

_TEST_STATUS = {"pass": "pass", "passed": "pass", "conforms": "pass", "符合": "pass",
                "合格": "pass", "fail": "fail", "failed": "fail", "oos": "fail",
                "不符合": "fail", "不合格": "fail", "pending": "pending", "待检": "pending",
                "": "pending"}


@dataclass(frozen=True)
class ReleaseDecision(Result):
    batch: str
    decision: str
    released: bool
    before_all_results: bool
    failed: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)
    pending_without_sample: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return f"batch {self.batch}: {self.decision}\n" + "\n".join(
            f"  - {r}" for r in self.reasons)


def release_decision(batch: str, tests: Sequence[Mapping[str, Any]],
                     retained_samples: Sequence[str] = ()) -> ReleaseDecision:
    """Release with or before all results (seed 004 §7(二)4).

    ``tests``: ``{name, status: pass/fail/pending, required_for_release: bool}``. Refused
    when a test failed, a release-required test is pending, or a pending test has no
    retained sample; released before all results when only non-required tests are pending
    and each has a retained sample.
    """
    failed, pending, blocking = [], [], []
    for t in tests:
        name = str(t.get("name") or "").strip()
        if not name:
            raise QbdInputError("test without a name", column="tests.name", expected="a name")
        status = _TEST_STATUS.get(str(t.get("status") or "").strip().lower())
        if status is None:
            raise QbdInputError("unknown test status", column=name,
                                expected="pass | fail | pending", found=t.get("status"))
        if status == "fail":
            failed.append(name)
        elif status == "pending":
            pending.append(name)
            if t.get("required_for_release", True):
                blocking.append(name)
    samples = {s.strip() for s in retained_samples}
    no_sample = [n for n in pending if n not in samples]
    reasons = [f"{n} failed" for n in failed]
    reasons += [f"{n} is required for release and still pending" for n in blocking]
    reasons += [f"{n} pending without a retained sample" for n in no_sample if n not in blocking]
    if failed or blocking or no_sample:
        return ReleaseDecision(batch, "refused", False, False, failed, pending, no_sample, reasons)
    if pending:
        reasons = [f"{n} pending; retained sample kept for full testing" for n in pending]
        return ReleaseDecision(batch, "released before all results", True, True, [], pending, [],
                               reasons)
    return ReleaseDecision(batch, "released", True, False, [], [], [], ["all results in"])


#: who is told when a late (retained-sample) result fails after release — qbdkit's reading
LATE_FAILURE_NOTIFY: tuple[str, ...] = (
    "quality assurance / qualified person of the manufacturer",
    "treating physician and the clinical site of each patient who received the product",
    "sponsor / marketing-authorisation holder (pharmacovigilance)",
    "regulator, where reporting rules require it",
)
LATE_FAILURE_RECORD: tuple[str, ...] = (
    "the failing test, its result, date and the retained-sample identity",
    "the release decision it contradicts and the release-test result",
    "the products and patients reached through the chain of identity",
    "the risk assessment of the disagreement (seed 004 §7(二)4)",
    "a deviation with investigation, root cause and CAPA",
    "patient follow-up actions agreed with the treating physician",
)


@dataclass(frozen=True)
class LateFailure(Result):
    batch: str
    test: str
    result: str
    follow_up_required: bool
    products: list[str] = field(default_factory=list)
    patients: list[str] = field(default_factory=list)
    notify: list[str] = field(default_factory=list)
    record: list[str] = field(default_factory=list)

    def summary(self) -> str:
        if not self.follow_up_required:
            return f"batch {self.batch}: {self.test} {self.result} — no follow-up needed"
        return "\n".join([f"batch {self.batch}: LATE FAILURE of {self.test} ({self.result})",
                          f"products: {', '.join(self.products)}; patients: "
                          f"{', '.join(self.patients)}", "notify:",
                          *[f"  - {n}" for n in self.notify], "record:",
                          *[f"  - {r}" for r in self.record]])


def late_result(decision: ReleaseDecision, test: str, status: str,
                chains: Sequence[Mapping[str, Any]] = ()) -> LateFailure:
    """Follow-up for a result that arrives after release (``test`` was pending)."""
    if test not in decision.pending:
        raise QbdInputError("test was not pending at release", column="test",
                            expected=" | ".join(decision.pending) or "a pending test",
                            found=test)
    norm = _TEST_STATUS.get(str(status).strip().lower())
    if norm is None or norm == "pending":
        raise QbdInputError("unknown late result", column=test, expected="pass | fail",
                            found=status)
    if norm == "pass":
        return LateFailure(decision.batch, test, "pass", False)
    ids = [chain_identifiers(c) for c in chains if decision.batch in chain_identifiers(c)["batch_id"]]
    products = sorted({p for c in ids for p in c["product_id"]})
    patients = sorted({p for c in ids for p in c["patient_id"]})
    return LateFailure(decision.batch, test, "fail", True, products, patients,
                       list(LATE_FAILURE_NOTIFY), list(LATE_FAILURE_RECORD))


# ---- pre-administration check --------------------------------------------------------------

@dataclass(frozen=True)
class CheckItem(Result):
    item: str
    passed: bool
    detail: str = ""


@dataclass(frozen=True)
class PreAdministrationResult(Result):
    chain: str
    passed: bool
    checks: list[CheckItem] = field(default_factory=list)

    def failures(self) -> list[str]:
        return [c.item for c in self.checks if not c.passed]

    def summary(self) -> str:
        rows = [[c.item, "pass" if c.passed else "FAIL", c.detail] for c in self.checks]
        return (f"pre-administration check, chain {self.chain}: "
                f"{'PASS — may be administered' if self.passed else 'FAIL — do not administer'}"
                "\n" + format_table(["check", "result", "detail"], rows))


def pre_administration_check(chain: Mapping[str, Any], *, product_id: str, patient_id: str,
                             at: dt.datetime, expiry: dt.datetime,
                             appearance_ok: bool | None,
                             transport: TemperatureCheck | None,
                             label_and_procedure_checked: bool | None,
                             viability_pct: float | None = None,
                             viability_min_pct: float | None = None,
                             rapid_sterility_ok: bool | None = None) -> PreAdministrationResult:
    """The check at the bedside (seed 004 §7(二)5, plus expiry and the transport record).

    Identity (product and patient scanned against the chain), appearance (morphology, colour,
    no foreign matter), expiry not passed, a transport temperature record within conditions
    (a missing record fails), label and procedure checked; viability and rapid sterility
    when given. Every check must pass.
    """
    handover = check_handover(chain, "administration",
                              [("product_id", product_id), ("patient_id", patient_id)])
    checks = [
        CheckItem("identity", handover.accepted, handover.refusal or "product and patient match"),
        CheckItem("appearance", appearance_ok is True,
                  {True: "morphology, colour, no foreign matter", False: "appearance not acceptable",
                   None: "not checked"}[appearance_ok]),
        CheckItem("expiry", at <= expiry, f"expires {expiry.isoformat()}"),
        CheckItem("transport temperature record", transport is not None and transport.passed,
                  "no transport temperature record" if transport is None else
                  f"{transport.readings} readings, {transport.minutes_outside:g} min outside"),
        CheckItem("label and procedure check", label_and_procedure_checked is True,
                  "checked" if label_and_procedure_checked else "not checked"),
    ]
    if viability_pct is not None:
        ok = viability_min_pct is None or viability_pct >= viability_min_pct
        checks.append(CheckItem("viable cells", ok, f"viability {viability_pct:g} %"
                                + ("" if viability_min_pct is None else
                                   f" (≥ {viability_min_pct:g} %)")))
    if rapid_sterility_ok is not None:
        checks.append(CheckItem("rapid sterility", rapid_sterility_ok,
                                "no organisms seen" if rapid_sterility_ok else "organisms seen"))
    coi = str(chain.get("id") or chain.get("chain_id") or "")
    return PreAdministrationResult(coi, all(c.passed for c in checks), checks)


# ---- product risk class --------------------------------------------------------------------

@dataclass(frozen=True)
class RiskClassResult(Result):
    risk_class: str
    reasons: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return f"risk class: {self.risk_class}\n" + "\n".join(f"  - {r}" for r in self.reasons)


def risk_class(*, autologous: bool, minimally_manipulated: bool, homologous_function: bool,
               combined_with_other_products: bool, genetically_modified: bool,
               malignant_transformation_risk: bool = False,
               surgically_implanted: bool = False) -> RiskClassResult:
    """Medium-low vs high risk class of an immune cell product (seed 004 §3).

    High when any high-risk feature is present; medium-low only when all four medium-low
    features hold; otherwise high, because the product does not meet the medium-low
    description (the seed's two classes are approximate: "大致分为").
    """
    high = []
    if not autologous:
        high.append("allogeneic cells")
    if genetically_modified:
        high.append("genetically manipulated cells")
    if malignant_transformation_risk:
        high.append("risk of malignant transformation")
    if combined_with_other_products:
        high.append("combined with non-cell components (other medicines or device parts)")
    if surgically_implanted:
        high.append("implanted surgically into key tissues or organs")
    low_features = {"autologous cells": autologous,
                    "minimal in vitro processing": minimally_manipulated,
                    "function similar to the endogenous one": homologous_function,
                    "not combined with other medicines or devices":
                        not combined_with_other_products}
    if high:
        return RiskClassResult("high", high)
    missing = [k for k, v in low_features.items() if not v]
    if missing:
        return RiskClassResult("high", [f"not {m}" for m in missing]
                               + ["does not meet the medium-low description"])
    return RiskClassResult("medium-low", list(low_features))
