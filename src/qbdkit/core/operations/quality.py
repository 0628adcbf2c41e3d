"""Deviations and CAPA (corrective and preventive action): impact on CQAs through the control
strategy, CAPA due dates and effectiveness checks, and when a deviation may be closed.

Sources: ICH Q10 §3.2.2 (CAPA system: investigation, root cause, effectiveness of actions),
§3.2.3 (change management); seed 001 §2.2 (exception handling in pilot runs), seed 002 §3(2)
(deviations and changes communicated across sites), seed 004 §10 (change classes minor /
moderate / major with comparability). The classification rule below is qbdkit's default — a
quality system may set its own:

* a deviation that touches a CPP / WC-CPP (critical process parameter, well-controlled CPP)
  or is linked to a CQA (critical quality attribute) is at least **major**;
* one that touches only KPP / GPP (key / general process parameters) with no linked CQA is
  at least **minor**; the user's class wins when it is higher.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from qbdkit.core.result import Result, format_table
from qbdkit.errors import QbdInputError

DEVIATION_CLASSES: tuple[str, ...] = ("minor", "major", "critical")
CHANGE_CLASSES: tuple[str, ...] = ("minor", "moderate", "major")  # seed 004 §10


@dataclass(frozen=True)
class DeviationImpact(Result):
    deviation: str
    parameters: list[str] = field(default_factory=list)
    critical_parameters: list[str] = field(default_factory=list)
    impacted_cqas: list[str] = field(default_factory=list)
    minimum_class: str = "minor"
    assigned_class: str | None = None
    final_class: str = "minor"
    reasons: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (f"deviation {self.deviation}: class {self.final_class} (minimum "
                f"{self.minimum_class}); CQAs possibly affected: "
                f"{', '.join(self.impacted_cqas) or 'none'}\n"
                + "\n".join(f"  - {r}" for r in self.reasons))


def deviation_impact(deviation: str, parameters: Sequence[str], *,
                     parameter_classes: Mapping[str, str],
                     links: Mapping[str, Sequence[str]],
                     assigned_class: str | None = None,
                     attributes: Sequence[str] = ()) -> DeviationImpact:
    """CQAs a deviation may affect and its minimum class.

    ``parameter_classes``: {parameter: CPP / WC-CPP / KPP / GPP} (the control strategy);
    ``links``: {parameter: [CQAs]} (cause-and-effect / risk assessment); ``attributes``:
    quality attributes the deviation touches directly (e.g. an out-of-limit result).
    """
    if assigned_class is not None and assigned_class not in DEVIATION_CLASSES:
        raise QbdInputError("unknown deviation class", column="class",
                            expected=" | ".join(DEVIATION_CLASSES), found=assigned_class)
    critical = [p for p in parameters if parameter_classes.get(p) in ("CPP", "WC-CPP")]
    cqas = sorted({c for p in parameters for c in links.get(p, ())} | set(attributes))
    reasons = [f"{p} is a {parameter_classes[p]}" for p in critical]
    reasons += [f"CQA {c} possibly affected" for c in cqas]
    unknown = [p for p in parameters if p not in parameter_classes]
    reasons += [f"{p} has no class in the control strategy: assess it" for p in unknown]
    minimum = "major" if critical or cqas else "minor"
    order = {c: i for i, c in enumerate(DEVIATION_CLASSES)}
    final = minimum if assigned_class is None or order[assigned_class] < order[minimum] \
        else assigned_class
    if assigned_class is not None and order[assigned_class] < order[minimum]:
        reasons.append(f"assigned class {assigned_class} raised to {minimum}")
    return DeviationImpact(deviation, list(parameters), critical, cqas, minimum, assigned_class,
                           final, reasons)


@dataclass(frozen=True)
class CapaState(Result):
    capa: str
    owner: str
    due: str
    status: str
    overdue: bool
    effectiveness_due: str | None = None


@dataclass(frozen=True)
class CapaReport(Result):
    as_of: str
    capas: list[CapaState] = field(default_factory=list)
    overdue: list[str] = field(default_factory=list)

    def summary(self) -> str:
        rows = [[c.capa, c.owner, c.due, c.status, c.effectiveness_due] for c in self.capas]
        return (f"CAPA as of {self.as_of}: {len(self.overdue)} overdue\n"
                + format_table(["CAPA", "owner", "due", "status", "effectiveness due"], rows))


def _day(value: Any, column: str) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        raise QbdInputError("not a date", column=column, expected="YYYY-MM-DD",
                            found=str(value)) from None


def capa_status(capas: Sequence[Mapping[str, Any]], as_of: dt.date) -> CapaReport:
    """Status of each CAPA (``{id, owner, due, completed?, effectiveness_due?,
    effectiveness_checked?, effective?}``): open / overdue / awaiting effectiveness check /
    effective / not effective. An owner and a due date are required."""
    out: list[CapaState] = []
    for c in capas:
        cid = str(c.get("id") or "")
        if not str(c.get("owner") or "").strip():
            raise QbdInputError("CAPA without an owner", column=f"{cid}.owner",
                                expected="the person responsible")
        due = _day(c.get("due"), f"{cid}.due")
        if due is None:
            raise QbdInputError("CAPA without a due date", column=f"{cid}.due",
                                expected="YYYY-MM-DD")
        done = _day(c.get("completed"), f"{cid}.completed")
        eff_due = _day(c.get("effectiveness_due"), f"{cid}.effectiveness_due")
        checked = _day(c.get("effectiveness_checked"), f"{cid}.effectiveness_checked")
        if done is None:
            status = "overdue" if as_of > due else "open"
        elif checked is None:
            status = ("effectiveness check overdue" if eff_due is not None and as_of > eff_due
                      else "awaiting effectiveness check")
        else:
            status = "effective" if c.get("effective") else "not effective"
        out.append(CapaState(cid, str(c["owner"]), due.isoformat(), status,
                             "overdue" in status, None if eff_due is None else eff_due.isoformat()))
    return CapaReport(as_of.isoformat(), out, [c.capa for c in out if c.overdue])


def closure_blockers(deviation: Mapping[str, Any], capas: Sequence[Mapping[str, Any]],
                     changes: Mapping[str, str] | None = None) -> list[str]:
    """Why a deviation cannot be closed yet (empty = it can): investigation and root cause
    recorded, every CAPA completed and checked effective, every linked change closed
    (``changes``: {change id: status})."""
    out = []
    if not str(deviation.get("investigation") or "").strip():
        out.append("investigation not recorded")
    if not str(deviation.get("root_cause") or "").strip():
        out.append("root cause not recorded")
    for c in capas:
        cid = c.get("id")
        if not c.get("completed"):
            out.append(f"CAPA {cid} not completed")
        elif not c.get("effectiveness_checked"):
            out.append(f"CAPA {cid} effectiveness not checked")
        elif not c.get("effective"):
            out.append(f"CAPA {cid} not effective: a new action is needed")
        change = c.get("change")
        if change and (changes or {}).get(str(change)) != "closed":
            out.append(f"change {change} linked to CAPA {cid} not closed")
    return out
