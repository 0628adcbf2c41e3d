"""Change classification (minor / moderate / major) by rules kept as data, and the
comparability protocol scaled to the class (ICH Q5E; seeds 003 §1.3 and 004 §10).

The rules live in ``change_rules.yaml`` beside this module (each with its reason in en/zh
and the seed passage it comes from); a site may pass its own rule set with the same shape.
A rule applies when every field of its ``when`` matches the change record; the class is the
highest class among the rules that apply (``none < minor < moderate < major``); a rule with
``stop: true`` (movement inside the design space) decides alone; with no rule applying the
``default`` class holds. The reasoning (every rule that applied, with its source) is part of
the result so a reviewer sees why.

Hand-written because it is a small rule table, not a computation a library offers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from qbdkit.core.result import Result, format_table
from qbdkit.errors import QbdInputError

__all__ = ["CLASSES", "ChangeClassification", "classify_change", "default_rules"]

CLASSES: tuple[str, ...] = ("none", "minor", "moderate", "major")
FIELDS: tuple[str, ...] = ("description", "change_type", "affected_steps", "materials", "sites",
                           "phase", "within_design_space", "cqa_impact", "impact_predictable")


@cache
def _packaged_rules() -> dict[str, Any]:
    import yaml

    text = resources.files("qbdkit.core.comparability").joinpath("change_rules.yaml").read_text(
        encoding="utf-8")
    return yaml.safe_load(text)


def default_rules() -> dict[str, Any]:
    """The packaged rule set (a fresh copy)."""
    import copy

    return copy.deepcopy(_packaged_rules())


@dataclass(frozen=True)
class ChangeClassification(Result):
    """The class of a change, the rules that decided it, and the protocol for the class."""

    change_class: str
    reasons: list[dict[str, Any]]
    """Every rule that applied: ``{rule, class, reason_en, reason_zh, source}``."""
    protocol: dict[str, Any]
    """``release_tests``, ``extended_characterisation``, ``stability``, ``bridging``,
    ``lots``, ``method_bridging``, ``sources``."""
    bridging: bool
    """Nonclinical/clinical bridging to be considered."""
    change: dict[str, Any]
    rules_id: str
    rules_version: str
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        rows = [[r["rule"], r["class"], r["reason_en"], r["source"]] for r in self.reasons]
        p = self.protocol
        lines = [f"Change class: {self.change_class.upper()}"
                 + (f" — {self.change.get('description')}" if self.change.get("description")
                    else ""),
                 format_table(["rule", "class", "reason", "source"], rows),
                 "Comparability protocol:",
                 f"  lots: {p['lots']}",
                 f"  release tests: {p['release_tests']}",
                 f"  extended characterisation: {'yes' if p['extended_characterisation'] else 'no'}",
                 f"  stability: {p['stability']}",
                 f"  bridging: {p['bridging']}"]
        if p.get("method_bridging"):
            lines.append("  analytical method bridging: old vs new method on the same samples")
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)


def _matches(expected: Any, actual: Any) -> bool:
    options = expected if isinstance(expected, list) else [expected]
    if isinstance(actual, (list, tuple, set)):
        return any(a in options for a in actual)
    return actual in options


def _check_record(change: Mapping[str, Any], rules: Mapping[str, Any]) -> dict[str, Any]:
    unknown = [k for k in change if k not in FIELDS]
    if unknown:
        raise QbdInputError("unknown field in change record", column=unknown[0],
                            expected="one of " + ", ".join(FIELDS), found=unknown[0])
    vocab = rules.get("vocabulary") or {}
    record = dict(change)
    for name, allowed in vocab.items():
        v = record.get(name)
        if v is None or v == "":
            continue
        if str(v) not in [str(a) for a in allowed]:
            raise QbdInputError(f"unknown {name}", column=name, expected=" | ".join(allowed),
                                found=v)
    return record


def classify_change(change: Mapping[str, Any], rules: Mapping[str, Any] | None = None
                    ) -> ChangeClassification:
    """Class a change record (fields: :data:`FIELDS`) with ``rules`` (default: packaged)."""
    rules = rules if rules is not None else _packaged_rules()
    record = _check_record(change, rules)
    order = list(rules.get("classes") or CLASSES)
    reasons: list[dict[str, Any]] = []
    bridging = False
    method_bridging = False
    final: str | None = None
    for rule in rules.get("rules") or []:
        when = rule.get("when") or {}
        if not when or not all(k in record and record[k] is not None
                                and _matches(v, record[k]) for k, v in when.items()):
            continue
        reason = rule.get("reason") or {}
        reasons.append({"rule": rule["id"], "class": rule["class"], "reason_en": reason.get("en", ""),
                        "reason_zh": reason.get("zh", ""), "source": rule.get("source", "")})
        bridging = bridging or bool(rule.get("bridging"))
        method_bridging = method_bridging or bool(rule.get("method_bridging"))
        if rule.get("stop"):
            final = rule["class"]
            reasons = reasons[-1:]
            bridging = method_bridging = False
            break
    notes: list[str] = []
    if final is None:
        if reasons:
            final = max((r["class"] for r in reasons), key=order.index)
        else:
            d = rules.get("default") or {"class": "minor"}
            final = d["class"]
            reason = d.get("reason") or {}
            reasons.append({"rule": "default", "class": final, "reason_en": reason.get("en", ""),
                            "reason_zh": reason.get("zh", ""), "source": d.get("source", "")})
    protocol = dict((rules.get("protocols") or {}).get(final) or {})
    protocol.setdefault("release_tests", "")
    protocol.setdefault("extended_characterisation", False)
    protocol.setdefault("stability", "")
    protocol.setdefault("bridging", "")
    protocol.setdefault("lots", "")
    protocol["method_bridging"] = method_bridging
    protocol["sources"] = list(rules.get("protocol_sources") or [])
    if record.get("phase") == "early-clinical" and final in ("moderate", "major"):
        notes.append("early clinical phase: a comparability study on fewer lots may be "
                     "justified, with attention to safety, purity, impurities, structure and "
                     "content (003 l.1382–1386)")
    if bridging and final == "major":
        protocol["bridging"] = protocol.get("bridging") or "nonclinical and/or clinical bridging"
    return ChangeClassification(
        change_class=final, reasons=reasons, protocol=protocol, bridging=bool(bridging),
        change=record, rules_id=str(rules.get("id", "")), rules_version=str(rules.get("version", "")),
        notes=notes)
