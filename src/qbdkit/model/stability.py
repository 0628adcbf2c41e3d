"""The stability programme as data (pydantic v2): studies, time points, pulls, results,
excursions.

Vocabulary (ICH Q1A(R2), Q5C; seeds 004 §8 and 003 §9): a *study* puts batches of one
material (drug substance, drug product, intermediate, starting cells …) on a *condition*
— ``long-term``, ``accelerated``, ``intermediate``, ``stress`` (forced degradation),
``transport`` (shipping simulation: route, vehicle, vibration, out-of-cold-chain time;
seed 004 §8(二)), ``in-use`` (after thaw, dilution, mixing, in the syringe or infusion
line; seed 004 §8(三)), ``freeze-thaw`` (repeated cycles; seed 004 §8(一)) and
``photostability``; a *time point* is a scheduled age; a *pull* is the removal of samples
at a time point (planned vs actual date); a *result* is one test value on a pulled sample;
an *excursion* is a period outside the study's storage condition (chamber failure,
transport deviation), recorded with its duration and the extremes reached.

:func:`results_table` turns the results of one attribute on one condition into the long
table ``(batch, time, value)`` that :func:`qbdkit.core.stability.shelf_life` takes.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "CONDITIONS",
    "Excursion",
    "Pull",
    "StabilityResult",
    "StabilityStudy",
    "TimePoint",
    "results_table",
]

Condition = Literal["long-term", "intermediate", "accelerated", "stress", "transport",
                    "in-use", "freeze-thaw", "photostability"]
CONDITIONS: tuple[str, ...] = ("long-term", "intermediate", "accelerated", "stress",
                               "transport", "in-use", "freeze-thaw", "photostability")
TimeUnit = Literal["month", "week", "day", "hour", "cycle"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class TimePoint(_Model):
    """A scheduled age (``time`` in the study's unit) and the tests due then."""

    time: float = Field(ge=0)
    tests: list[str] = Field(default_factory=list)


class Pull(_Model):
    """Samples removed from storage at a time point (planned vs actual date)."""

    batch: str = Field(min_length=1)
    time: float = Field(ge=0)
    planned: dt.date | None = None
    actual: dt.date | None = None
    samples: int | None = Field(default=None, ge=0)
    note: str = ""

    @property
    def days_late(self) -> int | None:
        if self.planned is None or self.actual is None:
            return None
        return (self.actual - self.planned).days


class StabilityResult(_Model):
    """One test result on a pulled sample. ``value`` None with ``text`` for qualitative
    results (e.g. sterility "complies")."""

    batch: str = Field(min_length=1)
    time: float = Field(ge=0)
    attribute: str = Field(min_length=1)
    value: float | None = None
    text: str = ""
    unit: str = ""
    tested: dt.date | None = None
    oot: bool | None = None
    """Out-of-trend flag (:func:`qbdkit.core.stability.out_of_trend`), once checked."""
    oos: bool | None = None
    """Out of specification."""


class Excursion(_Model):
    """A period outside the storage condition."""

    batch: str | None = None
    """None: the whole chamber/shipment (every batch of the study)."""
    start: dt.datetime
    end: dt.datetime
    extreme: str = ""
    """Worst value reached, e.g. ``"12 °C"``, ``"-65 °C"``."""
    cause: str = ""
    impact: str = ""
    deviation: str | None = None
    """Deviation record number, if any."""

    @model_validator(mode="after")
    def _ordered(self) -> Excursion:
        if self.end < self.start:
            raise ValueError("excursion ends before it starts")
        return self

    @property
    def hours(self) -> float:
        return (self.end - self.start).total_seconds() / 3600.0


class StabilityStudy(_Model):
    """A study: one material on one condition, its batches, schedule and records."""

    name: str = Field(min_length=1)
    material: str = ""
    """e.g. drug substance, drug product, intermediate, starting cells."""
    condition: Condition
    storage: str = ""
    """e.g. ``"5 °C ± 3 °C"``, ``"25 °C / 60 % RH"``, ``"≤ −150 °C vapour-phase LN2"``."""
    time_unit: TimeUnit = "month"
    batches: list[str] = Field(default_factory=list)
    time_points: list[TimePoint] = Field(default_factory=list)
    pulls: list[Pull] = Field(default_factory=list)
    results: list[StabilityResult] = Field(default_factory=list)
    excursions: list[Excursion] = Field(default_factory=list)
    protocol: str = ""
    """Protocol number / reference."""

    @model_validator(mode="after")
    def _known_batches(self) -> StabilityStudy:
        if self.batches:
            known = set(self.batches)
            for item in [*self.pulls, *self.results]:
                if item.batch not in known:
                    raise ValueError(f"batch {item.batch!r} is not on study {self.name!r}")
        return self

    def attributes(self) -> list[str]:
        return list(dict.fromkeys(r.attribute for r in self.results))


def results_table(study: StabilityStudy, attribute: str) -> dict[str, list]:
    """``{"batch": […], "time": […], "value": […]}`` of one numeric attribute."""
    rows = [r for r in study.results if r.attribute == attribute and r.value is not None]
    return {"batch": [r.batch for r in rows], "time": [r.time for r in rows],
            "value": [r.value for r in rows]}
