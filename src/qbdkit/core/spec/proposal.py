"""A specification (acceptance criterion) proposal for one quality attribute.

Three sources side by side (ICH Q6B §2.4 and §4: acceptance criteria rest on the data of
lots used in clinical and nonclinical studies, on process consistency and on stability;
the modality template supplies regulatory or compendial guidance limits):

* the **tolerance interval** of the release data (process capability:
  :mod:`qbdkit.core.stats.tolerance` — normal, nonparametric, or with a batch random
  effect when batches have replicate values);
* the **clinical experience**: minimum–maximum of the clinical lots;
* the **guidance limit** passed in (e.g. from the modality template) with its source.

Rule, per limit the attribute has (``direction``: ``two-sided``, ``upper`` — not more
than, ``lower`` — not less than): the proposed limit is the tolerance limit, never
beyond the guidance limit (when the tolerance limit is beyond it, the guidance limit is
proposed and the incapability is flagged); a proposed limit beyond the clinical range is
flagged for justification; stability data (optional) give a second tolerance interval,
flagged when it reaches beyond the proposed limit (a shelf-life criterion may be needed).
``decimals`` rounds the proposed limits outward (lower down, upper up).

Each reason is stored as a sentence (:mod:`qbdkit.core.ppq.messages`, domain ``spec``);
:meth:`SpecProposal.rationale_text` renders it in English or Chinese.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from qbdkit.core.ppq.messages import message, render_all
from qbdkit.core.ppq.protocol import criterion_text
from qbdkit.core.result import Result, format_table
from qbdkit.core.stats.tolerance import (
    nonparametric_interval,
    normal_interval,
    random_effects_interval,
)
from qbdkit.errors import QbdInputError

__all__ = ["DIRECTIONS", "METHODS", "SpecProposal", "propose_specification",
           "release_interval"]

DIRECTIONS = ("two-sided", "upper", "lower")
METHODS = ("auto", "normal", "nonparametric", "random-effects")

MSG_RELEASE = ("Release data: {n} values from {batches} batches; {method} tolerance interval "
               "covering {coverage} % with {confidence} % confidence: {interval}.")
MSG_CLINICAL = "Clinical experience: {n} clinical lots, range {low} – {high}."
MSG_GUIDANCE = "Guidance limit ({source}): {criterion}."
MSG_PROPOSED = "Proposed acceptance criterion: {criterion}."
MSG_BEYOND_GUIDANCE = ("The {side} tolerance limit {ti} lies beyond the guidance limit {limit}: "
                       "the guidance limit is proposed, but the process does not meet it with "
                       "the stated coverage and confidence; improve the process or justify.")
MSG_BEYOND_CLINICAL = ("The proposed {side} limit {limit} lies beyond the clinical experience "
                       "({clinical}): justify it with clinical or nonclinical data (ICH Q6B).")
MSG_STABILITY = ("Stability data: {n} values from {batches} batches; tolerance interval "
                 "{interval}.")
MSG_STABILITY_BEYOND = ("The stability tolerance interval reaches beyond the proposed {side} "
                        "limit: consider a separate shelf-life acceptance criterion.")
MSG_NOT_CONFIDENT = ("Only {n} release values: the nonparametric interval (minimum–maximum) "
                     "reaches {achieved} % confidence; {required} values are needed for "
                     "{confidence} %.")
MESSAGES = (MSG_RELEASE, MSG_CLINICAL, MSG_GUIDANCE, MSG_PROPOSED, MSG_BEYOND_GUIDANCE,
            MSG_BEYOND_CLINICAL, MSG_STABILITY, MSG_STABILITY_BEYOND, MSG_NOT_CONFIDENT)
#: the words put into {side} and {method}
WORDS = ("upper", "lower", "normal", "nonparametric", "random-effects")


@dataclass(frozen=True)
class SpecProposal(Result):
    """The proposal: ``sources`` side by side (``source, lower, upper, n, note``),
    ``proposed_lower/upper`` with their ``basis_*`` (``tolerance interval`` /
    ``guidance limit``), ``flags`` (``beyond-guidance-lower/upper``,
    ``beyond-clinical-lower/upper``, ``stability-beyond-lower/upper``,
    ``not-confident``), the release (and stability) interval as dicts, the rationale."""

    attribute: str
    unit: str
    direction: str
    coverage: float
    confidence: float
    method: str
    release_interval: dict[str, Any]
    proposed_lower: float | None
    proposed_upper: float | None
    basis_lower: str | None
    basis_upper: str | None
    criterion: str
    sources: list[dict[str, Any]]
    flags: list[str] = field(default_factory=list)
    clinical: dict[str, Any] | None = None
    guidance: dict[str, Any] | None = None
    stability_interval: dict[str, Any] | None = None
    rationale: list[dict[str, Any]] = field(default_factory=list)
    built_from: list[str] = field(default_factory=list)

    def rationale_text(self, lang: str | None = "en") -> list[str]:
        return render_all(self.rationale, lang, "spec")

    def summary(self) -> str:
        rows = [[s["source"], s["lower"], s["upper"], s["n"], s["note"]] for s in self.sources]
        return "\n".join([f"Specification proposal for {self.attribute}: {self.criterion}",
                          format_table(["source", "lower", "upper", "n", "note"], rows,
                                       floatfmt=".6g"), "", *self.rationale_text("en")])


def release_interval(values, batches=None, *, coverage: float, confidence: float,
                     sides: int, method: str = "auto"):
    """The tolerance interval of release values for :func:`propose_specification`.

    ``auto``: with batches that carry replicate values, the random-effects interval
    (Hoffman–Kringle); otherwise the normal interval (exact factor).
    """
    if method not in METHODS:
        raise QbdInputError("unknown interval method", column="method",
                            expected=" | ".join(METHODS), found=method)
    x = np.asarray(values, dtype=float).ravel()
    replicated = (batches is not None and len(set(map(str, batches))) < x.size
                  and len(set(map(str, batches))) >= 2)
    if method == "auto":
        method = "random-effects" if replicated else "normal"
    if method == "random-effects":
        if batches is None:
            raise QbdInputError("no batch column", column="batch",
                                expected="a batch for each value (random-effects interval)",
                                found="none")
        return random_effects_interval(x, batches, coverage, confidence, sides=sides), method
    if method == "nonparametric":
        return nonparametric_interval(x, coverage, confidence, sides=sides), method
    return normal_interval(x, coverage, confidence, sides=sides), method


def _outward(value: float, decimals: int | None, up: bool) -> float:
    if decimals is None:
        return value
    f = 10.0 ** decimals
    return (math.ceil(value * f - 1e-9) if up else math.floor(value * f + 1e-9)) / f


def propose_specification(attribute: str, release_values, *, release_batches=None,
                          direction: str = "two-sided", coverage: float = 0.99,
                          confidence: float = 0.95, method: str = "auto",
                          clinical_values=None, clinical_lots: list[str] | None = None,
                          guidance_lower: float | None = None,
                          guidance_upper: float | None = None, guidance_source: str = "",
                          stability_values=None, stability_batches=None, unit: str = "",
                          decimals: int | None = None,
                          built_from: list[str] | None = None) -> SpecProposal:
    """Propose an acceptance criterion for ``attribute`` (see the module docstring)."""
    if direction not in DIRECTIONS:
        raise QbdInputError("unknown direction", column="direction",
                            expected=" | ".join(DIRECTIONS), found=direction)
    sides = 2 if direction == "two-sided" else 1
    ti, used = release_interval(release_values, release_batches, coverage=coverage,
                                confidence=confidence, sides=sides, method=method)
    want_lower = direction in ("two-sided", "lower")
    want_upper = direction in ("two-sided", "upper")
    n_batches = (len(set(map(str, release_batches))) if release_batches is not None
                 else ti.n)
    shown = criterion_text(ti.lower if want_lower else None, ti.upper if want_upper else None,
                           unit)
    rationale = [message(MSG_RELEASE, n=ti.n, batches=n_batches, method=used,
                         coverage=100 * ti.coverage, confidence=100 * ti.confidence,
                         interval=shown)]
    flags: list[str] = []
    if used == "nonparametric" and not ti.meets_confidence:
        flags.append("not-confident")
        rationale.append(message(MSG_NOT_CONFIDENT, n=ti.n,
                                 achieved=100 * (ti.achieved_confidence or 0.0),
                                 required=ti.n_required, confidence=100 * ti.confidence))
    sources = [{"source": "tolerance interval", "lower": ti.lower if want_lower else None,
                "upper": ti.upper if want_upper else None, "n": ti.n,
                "note": f"{used}, {100 * ti.coverage:g} % / {100 * ti.confidence:g} %"}]
    clinical = None
    if clinical_values is not None and len(clinical_values):
        c = np.asarray(clinical_values, dtype=float).ravel()
        if not np.all(np.isfinite(c)):
            raise QbdInputError("not a finite number", column="clinical",
                                expected="finite numbers", found="NaN or inf")
        clinical = {"n": int(c.size), "min": float(c.min()), "max": float(c.max()),
                    "lots": list(clinical_lots or [])}
        sources.append({"source": "clinical experience", "lower": clinical["min"],
                        "upper": clinical["max"], "n": clinical["n"], "note": "min – max"})
        rationale.append(message(MSG_CLINICAL, n=clinical["n"], low=clinical["min"],
                                 high=clinical["max"]))
    guidance = None
    if guidance_lower is not None or guidance_upper is not None:
        if (guidance_lower is not None and guidance_upper is not None
                and guidance_lower > guidance_upper):
            raise QbdInputError("guidance lower limit above upper", column="guidance_lower",
                                expected=f"≤ {guidance_upper:g}", found=guidance_lower)
        guidance = {"lower": guidance_lower, "upper": guidance_upper, "source": guidance_source}
        g_text = criterion_text(guidance_lower, guidance_upper, unit)
        sources.append({"source": "guidance limit", "lower": guidance_lower,
                        "upper": guidance_upper, "n": None, "note": guidance_source})
        rationale.append(message(MSG_GUIDANCE, source=guidance_source or "template",
                                 criterion=g_text))
    proposed: dict[str, float | None] = {"lower": None, "upper": None}
    basis: dict[str, str | None] = {"lower": None, "upper": None}
    for side, wanted, ti_val, g_val, beyond in (
            ("lower", want_lower, ti.lower, guidance_lower, lambda a, b: a < b),
            ("upper", want_upper, ti.upper, guidance_upper, lambda a, b: a > b)):
        if not wanted:
            continue
        value, why = _outward(ti_val, decimals, side == "upper"), "tolerance interval"
        if g_val is not None and beyond(value, g_val):
            flags.append(f"beyond-guidance-{side}")
            rationale.append(message(MSG_BEYOND_GUIDANCE, side=side, ti=ti_val, limit=g_val))
            value, why = g_val, "guidance limit"
        proposed[side], basis[side] = value, why
        if clinical is not None:
            edge = clinical["min"] if side == "lower" else clinical["max"]
            if beyond(value, edge):
                flags.append(f"beyond-clinical-{side}")
                rationale.append(message(MSG_BEYOND_CLINICAL, side=side, limit=value,
                                         clinical=f"{clinical['min']:.6g} – "
                                                  f"{clinical['max']:.6g}"))
    stab = None
    if stability_values is not None and len(stability_values):
        sti, _ = release_interval(stability_values, stability_batches, coverage=coverage,
                                  confidence=confidence, sides=sides, method="auto")
        stab = sti.to_dict()
        s_batches = (len(set(map(str, stability_batches))) if stability_batches is not None
                     else sti.n)
        rationale.append(message(
            MSG_STABILITY, n=sti.n, batches=s_batches,
            interval=criterion_text(sti.lower if want_lower else None,
                                    sti.upper if want_upper else None, unit)))
        sources.append({"source": "stability tolerance interval",
                        "lower": sti.lower if want_lower else None,
                        "upper": sti.upper if want_upper else None, "n": sti.n,
                        "note": "all time points"})
        for side in ("lower", "upper"):
            p = proposed[side]
            if p is None:
                continue
            if (side == "lower" and sti.lower < p) or (side == "upper" and sti.upper > p):
                flags.append(f"stability-beyond-{side}")
                rationale.append(message(MSG_STABILITY_BEYOND, side=side))
    crit = criterion_text(proposed["lower"], proposed["upper"], unit)
    rationale.append(message(MSG_PROPOSED, criterion=crit))
    return SpecProposal(
        attribute=attribute, unit=unit, direction=direction, coverage=ti.coverage,
        confidence=ti.confidence, method=used, release_interval=ti.to_dict(),
        proposed_lower=proposed["lower"], proposed_upper=proposed["upper"],
        basis_lower=basis["lower"], basis_upper=basis["upper"], criterion=crit,
        sources=sources, flags=flags, clinical=clinical, guidance=guidance,
        stability_interval=stab, rationale=rationale, built_from=list(built_from or []))
