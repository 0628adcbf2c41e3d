"""Shipments between sites: temperature log against the transport conditions, receipt check.

Seed 002 §3 (segmented, multi-site ADC production) asks for: (1) storage and transport of
small molecule, drug substance and intermediates with conditions confirmed (temperature,
humidity, vibration, light, time); (2) deviations and changes communicated between sites;
(3) acceptance at the receiving site — label matches contents, container integrity,
certificate of analysis, release certificate, transport monitoring; (4) cross-site process
validation and continued verification. Seed 004 §8(二) asks the same of cell products in
the cold chain (temperature monitors, time out of the cold chain).

:func:`temperature_check` reads a log of (time, °C) readings against the allowed range: an
excursion is a run of consecutive readings outside the range; its duration runs from the
first reading outside to the first reading back inside (or the last reading). A shipment
without a temperature record is refused (:class:`QbdInputError` on ``temperature_log``).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from qbdkit.core.result import Result, format_table
from qbdkit.errors import QbdInputError

#: receipt acceptance checklist, seed 002 §3 (2)–(3)
RECEIPT_CHECKLIST: tuple[tuple[str, str, str], ...] = (
    ("label_matches_contents", "Label matches contents", "标签与内容物一致"),
    ("container_intact", "Container integrity", "包装容器完整"),
    ("certificate_of_analysis", "Certificate of analysis received", "检验报告"),
    ("release_certificate", "Release certificate received", "出厂放行单"),
    ("transport_monitoring", "Transport monitoring within conditions", "运输过程监控情况符合"),
    ("deviations_changes_communicated", "Open deviations and changes communicated",
     "偏差、变更已沟通衔接"),
)


@dataclass(frozen=True)
class Excursion(Result):
    start: str
    end: str
    minutes: float
    extreme_c: float


@dataclass(frozen=True)
class TemperatureCheck(Result):
    """The log against ``low``…``high`` °C; ``passed`` when no excursion is longer than
    ``allowed_minutes`` in total (0 = none allowed)."""

    readings: int
    first: str
    last: str
    low_c: float | None
    high_c: float | None
    min_c: float
    max_c: float
    minutes_outside: float
    allowed_minutes: float
    passed: bool
    excursions: list[Excursion] = field(default_factory=list)

    def summary(self) -> str:
        head = (f"{self.readings} readings {self.first} → {self.last}: min {self.min_c:g} °C, "
                f"max {self.max_c:g} °C, range [{self.low_c}, {self.high_c}] °C, "
                f"{self.minutes_outside:g} min outside → {'PASS' if self.passed else 'FAIL'}")
        if not self.excursions:
            return head
        return head + "\n" + format_table(["from", "to", "minutes", "extreme °C"], [
            [e.start, e.end, e.minutes, e.extreme_c] for e in self.excursions])


def temperature_check(times: Sequence[dt.datetime], temperatures: Sequence[float], *,
                      low_c: float | None, high_c: float | None,
                      allowed_minutes: float = 0.0) -> TemperatureCheck:
    """Excursions of a temperature log outside [``low_c``, ``high_c``] (°C)."""
    if len(times) == 0:
        raise QbdInputError("shipment without a temperature record", column="temperature_log",
                            expected="time-stamped temperature readings for the whole transport",
                            found="no readings")
    if len(times) != len(temperatures):
        raise QbdInputError("times and temperatures differ in length", column="temperature_log",
                            expected=f"{len(times)} temperatures", found=len(temperatures))
    if low_c is None and high_c is None:
        raise QbdInputError("transport conditions without a temperature range",
                            column="conditions.temperature", expected="a low and/or high °C")
    pairs = sorted(zip(times, temperatures, strict=True), key=lambda p: p[0])
    for t, v in pairs:
        if not isinstance(v, int | float) or isinstance(v, bool) or not math.isfinite(v):
            raise QbdInputError("temperature is not a number", column="temperature_log",
                                expected="°C", found=f"{t}: {v}")

    def outside(v: float) -> bool:
        return (low_c is not None and v < low_c) or (high_c is not None and v > high_c)

    excursions: list[Excursion] = []
    i = 0
    while i < len(pairs):
        if not outside(pairs[i][1]):
            i += 1
            continue
        j = i
        while j < len(pairs) and outside(pairs[j][1]):
            j += 1
        end = pairs[j][0] if j < len(pairs) else pairs[j - 1][0]
        values = [v for _, v in pairs[i:j]]
        extreme = max(values, key=lambda v: max((low_c - v) if low_c is not None else -math.inf,
                                                (v - high_c) if high_c is not None else -math.inf))
        excursions.append(Excursion(pairs[i][0].isoformat(), end.isoformat(),
                                    (end - pairs[i][0]).total_seconds() / 60.0, float(extreme)))
        i = j
    total = float(sum(e.minutes for e in excursions))
    passed = not excursions if allowed_minutes <= 0 else total <= allowed_minutes
    values = [v for _, v in pairs]
    return TemperatureCheck(
        readings=len(pairs), first=pairs[0][0].isoformat(), last=pairs[-1][0].isoformat(),
        low_c=low_c, high_c=high_c, min_c=float(min(values)), max_c=float(max(values)),
        minutes_outside=total, allowed_minutes=float(allowed_minutes), passed=passed,
        excursions=excursions)


@dataclass(frozen=True)
class ReceiptResult(Result):
    """Receipt acceptance at the receiving site: ``accepted`` only when every checklist item
    is confirmed; otherwise the material stays in quarantine with the ``failures`` /
    ``unanswered`` items."""

    shipment: str
    accepted: bool
    decision: str
    items: dict[str, bool | None] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    unanswered: list[str] = field(default_factory=list)

    def summary(self) -> str:
        rows = [[k, "" if v is None else ("yes" if v else "NO")] for k, v in self.items.items()]
        return f"shipment {self.shipment}: {self.decision}\n" + format_table(
            ["check", "confirmed"], rows)


def receipt_acceptance(shipment: str, answers: Mapping[str, bool | None],
                       temperature: TemperatureCheck) -> ReceiptResult:
    """Apply the receipt checklist (:data:`RECEIPT_CHECKLIST`); ``transport_monitoring``
    comes from the temperature check, not from the answers."""
    unknown = [k for k in answers if k not in {c for c, _, _ in RECEIPT_CHECKLIST}]
    if unknown:
        raise QbdInputError("unknown receipt check", column=unknown[0],
                            expected=" | ".join(c for c, _, _ in RECEIPT_CHECKLIST),
                            found=unknown[0])
    items: dict[str, bool | None] = {}
    for key, _, _ in RECEIPT_CHECKLIST:
        items[key] = temperature.passed if key == "transport_monitoring" else answers.get(key)
    failures = [k for k, v in items.items() if v is False]
    unanswered = [k for k, v in items.items() if v is None]
    accepted = not failures and not unanswered
    decision = ("accepted" if accepted else
                "rejected: quarantine and open a deviation" if failures else
                "on hold: quarantine until every check is confirmed")
    return ReceiptResult(shipment, accepted, decision, items, failures, unanswered)
