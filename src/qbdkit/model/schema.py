"""The QbD project schema (pydantic v2).

Abbreviations used in field names, spelled out once:
QTPP — quality target product profile; QA — quality attribute; CQA — critical
quality attribute; CPP — critical process parameter; WC-CPP — well-controlled
CPP; KPP — key process parameter; GPP — general (non-key) process parameter;
NOR — normal operating range; PAR — proven acceptable range; PPQ — process
performance qualification; CPV — continued process verification; SDM —
scale-down model; DoE — design of experiments; DS / DP — drug substance / drug
product.

Shape (ICH Q8(R2) vocabulary; seed 000 §2 for the PC/PV workflow)::

    Project ─ Product (name, modality, dosage form, route, dose)
            ─ qtpp: [QTPPElement]            → related quality attributes
            ─ quality_attributes: [QualityAttribute] (category, acceptance criteria
              with units, analytical method, criticality, rationale)
            ─ process: Process ─ unit_operations (in order) ─ parameters
              (unit, numeric/categorical, set point, NOR, PAR, studied range, scale)
            ─ materials: [Material] ─ attributes: [MaterialAttribute]
            ─ studies: [Study] (risk, sdm, doe, ppq, stability, cpv)
            ─ batches: [Batch] (scale, site, date, kind) and
              measurements: [Measurement] in long form (batch, unit operation,
              parameter or attribute, time, value, unit)

Every user-visible entity has a stable ``name`` (what other files refer to) and
a bilingual ``label: {en, zh}``. The models check *types and vocabulary* only;
consistency rules (units agree, set point inside NOR inside PAR inside studied
range, references resolve, names unique) live in :mod:`qbdkit.model.checks` so
that a project with problems can still be loaded, shown and fixed, and every
problem can be reported at once. Units are normalised to the canonical symbol
of :mod:`qbdkit.model.units` (``degC`` → ``°C``); unknown units are kept as
written so the checks can report them.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterator
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from qbdkit.model.units import normalize_unit

MODALITIES: tuple[str, ...] = ("mab", "adc", "car-t", "aav", "adenovirus", "lentivirus", "mrna-lnp",
                                "other")
STUDY_KINDS: tuple[str, ...] = ("risk", "sdm", "doe", "ppq", "stability", "cpv")
BATCH_KINDS: tuple[str, ...] = ("at-scale", "small-scale", "clinical", "PPQ")
PARAMETER_CLASSES: tuple[str, ...] = ("CPP", "WC-CPP", "KPP", "GPP")

Modality = Literal["mab", "adc", "car-t", "aav", "adenovirus", "lentivirus", "mrna-lnp", "other"]
StudyKind = Literal["risk", "sdm", "doe", "ppq", "stability", "cpv"]
BatchKind = Literal["at-scale", "small-scale", "clinical", "PPQ"]
ParameterClass = Literal["CPP", "WC-CPP", "KPP", "GPP"]

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_THOUSANDS = re.compile(r"^[-+]?\d{1,3}(,\d{3})+(\.\d*)?$")

_BATCH_KIND_ALIASES = {
    "at-scale": "at-scale", "at scale": "at-scale", "atscale": "at-scale", "commercial": "at-scale",
    "full-scale": "at-scale", "full scale": "at-scale", "gmp": "at-scale", "规模化": "at-scale",
    "商业化": "at-scale", "商业规模": "at-scale", "生产规模": "at-scale",
    "small-scale": "small-scale", "small scale": "small-scale", "scale-down": "small-scale",
    "scale down": "small-scale", "sdm": "small-scale", "lab": "small-scale", "小规模": "small-scale",
    "小试": "small-scale", "缩小模型": "small-scale", "缩小规模": "small-scale",
    "clinical": "clinical", "临床": "clinical", "临床批": "clinical",
    "ppq": "PPQ", "pv": "PPQ", "工艺验证": "PPQ", "工艺验证批": "PPQ", "ppq批": "PPQ",
}
_MODALITY_ALIASES = {
    "mab": "mab", "monoclonal antibody": "mab", "antibody": "mab", "单抗": "mab", "单克隆抗体": "mab",
    "adc": "adc", "抗体偶联药物": "adc", "car-t": "car-t", "cart": "car-t", "car t": "car-t",
    "immune cell": "car-t", "aav": "aav", "adenovirus": "adenovirus", "adv": "adenovirus",
    "ad5": "adenovirus", "腺病毒": "adenovirus", "lentivirus": "lentivirus", "lv": "lentivirus",
    "lentiviral vector": "lentivirus", "慢病毒": "lentivirus", "mrna-lnp": "mrna-lnp",
    "mrna": "mrna-lnp", "mrna lnp": "mrna-lnp", "other": "other",
}


class Model(BaseModel):
    """Base: unknown fields are errors (catches typos); strings are stripped; numbers are
    finite (``inf``, ``nan``, ``1e999`` are refused)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, validate_assignment=False,
                              allow_inf_nan=False)


def _blank_to_none(v: Any) -> Any:
    if isinstance(v, str) and not v.strip():
        return None
    return v


class Label(Model):
    """A label a user sees, in English and Chinese. A bare string is taken as the
    Chinese label if it contains CJK characters, else as the English one."""

    en: str | None = None
    zh: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, v: Any) -> Any:
        if v is None:
            return {}
        if isinstance(v, str):
            return {"zh": v} if _CJK.search(v) else {"en": v}
        return v

    def text(self, lang: str = "en", default: str = "") -> str:
        """The label in ``lang``, falling back to the other language, then ``default``."""
        first, second = (self.zh, self.en) if lang == "zh" else (self.en, self.zh)
        return first or second or default


class Named(Model):
    name: str = Field(min_length=1)
    label: Label = Field(default_factory=Label)

    @model_validator(mode="before")
    @classmethod
    def _name_text(cls, v: Any) -> Any:
        # YAML may give `name: 1` or `name: 2.5`; names are text
        if isinstance(v, dict) and isinstance(v.get("name"), int | float) and not isinstance(
            v.get("name"), bool
        ):
            v = {**v, "name": str(v["name"])}
        return v

    def display(self, lang: str = "en") -> str:
        return self.label.text(lang, self.name)

    def spellings(self) -> set[str]:
        """Every text a reference to this entity may use: its name and both labels."""
        return {s for s in (self.name, self.label.en, self.label.zh) if s}


class Range(Model):
    """A closed interval ``[low, high]``; either end may be open (``None``).

    ``unit`` defaults to the owner's unit; when given it must agree with it.
    A two-item list ``[low, high]`` (or three with a unit) is accepted.
    """

    low: float | None = None
    high: float | None = None
    unit: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_list(cls, v: Any) -> Any:
        if isinstance(v, list | tuple):
            if len(v) not in (2, 3):
                raise ValueError("[low, high] or [low, high, unit]")
            out: dict[str, Any] = {"low": v[0], "high": v[1]}
            if len(v) == 3:
                out["unit"] = v[2]
            return out
        return v

    @field_validator("unit", mode="before")
    @classmethod
    def _unit(cls, v: Any) -> Any:
        return normalize_unit(v) if isinstance(v, str) else v

    @field_validator("low", "high")
    @classmethod
    def _finite(cls, v: float | None) -> float | None:
        if v is not None and not math.isfinite(v):
            raise ValueError("a finite number")
        return v

    def contains(self, x: float) -> bool:
        return (self.low is None or x >= self.low) and (self.high is None or x <= self.high)

    def within(self, other: Range) -> bool:
        """True if this interval lies inside ``other`` (open ends count as infinite)."""
        lo_ok = other.low is None or (self.low is not None and self.low >= other.low)
        hi_ok = other.high is None or (self.high is not None and self.high <= other.high)
        return lo_ok and hi_ok

    def text(self, unit: str | None = None) -> str:
        u = self.unit or unit
        lo = "−∞" if self.low is None else f"{self.low:g}"
        hi = "+∞" if self.high is None else f"{self.high:g}"
        return f"[{lo}, {hi}]" + (f" {u}" if u else "")


class Sourced(Model):
    """Where a number comes from; ``typical`` marks an unverified industry value
    (a default to confirm, never an enforced limit)."""

    source: str | None = None
    typical: bool = False


class Criterion(Sourced):
    """One acceptance criterion: a numeric interval and/or a text requirement,
    for one stage (``DS``, ``DP``, ``release``, ``in-process``, ``stability``…)."""

    stage: str | None = None
    low: float | None = None
    high: float | None = None
    unit: str | None = None
    text: str | None = None

    _unit = field_validator("unit", mode="before")(Range._unit.__func__)  # type: ignore[attr-defined]

    def range(self) -> Range:
        return Range(low=self.low, high=self.high, unit=self.unit)


class Criticality(Model):
    """CQA assessment fields (A-Mab tool 1: score = impact × uncertainty; see
    /work/shared/reference/risk.md §2). ``critical`` is the decision."""

    impact: int | None = None
    uncertainty: int | None = None
    score: float | None = None
    critical: bool | None = None
    tool: str | None = None


class QTPPElement(Named, Sourced):
    """One QTPP element (e.g. dosage form, purity, shelf life) and the quality
    attributes that follow from it."""

    target: str | None = None
    justification: str | None = None
    attributes: list[str] = Field(default_factory=list)


class QualityAttribute(Named, Sourced):
    """A quality attribute (becomes a CQA when ``criticality.critical``)."""

    category: str | None = None
    unit: str | None = None
    method: str | None = None
    acceptance: list[Criterion] = Field(default_factory=list)
    criticality: Criticality | None = None
    rationale: str | None = None

    _unit = field_validator("unit", mode="before")(Range._unit.__func__)  # type: ignore[attr-defined]


class Parameter(Named, Sourced):
    """A process parameter of one unit operation.

    Expected nesting (ICH Q8(R2)): set point ∈ NOR ⊆ PAR ⊆ studied range.
    Categorical parameters list their ``levels``; the set point is a level.
    ``classification`` is CPP / WC-CPP / KPP / GPP (seed 000 fig. 6).
    """

    type: Literal["numeric", "categorical"] = "numeric"
    unit: str | None = None
    set_point: float | str | None = None
    nor: Range | None = None
    par: Range | None = None
    studied: Range | None = None
    levels: list[str] = Field(default_factory=list)
    scale: str | None = None
    classification: ParameterClass | None = None
    notes: str | None = None

    _unit = field_validator("unit", mode="before")(Range._unit.__func__)  # type: ignore[attr-defined]

    @field_validator("set_point", mode="before")
    @classmethod
    def _set_point(cls, v: Any) -> Any:
        if isinstance(v, bool):
            return str(v).lower()
        if isinstance(v, int):
            return _int_to_float(v)
        if isinstance(v, float) and not math.isfinite(v):
            raise ValueError("a finite number")
        return v

    @field_validator("levels", mode="before")
    @classmethod
    def _levels(cls, v: Any) -> Any:
        if isinstance(v, str):
            return [s.strip() for s in v.split(";") if s.strip()]
        if isinstance(v, list):
            return [str(x) if isinstance(x, int | float) and not isinstance(x, bool) else x
                    for x in v]
        return v


class UnitOperation(Named):
    """One step of the process, in process order."""

    stage: str | None = None
    scale: str | None = None
    description: str | None = None
    parameters: list[Parameter] = Field(default_factory=list)


class Process(Named):
    name: str = "process"
    description: str | None = None
    scale: str | None = None
    unit_operations: list[UnitOperation] = Field(default_factory=list)

    def parameters(self) -> Iterator[tuple[UnitOperation, Parameter]]:
        for uo in self.unit_operations:
            for p in uo.parameters:
                yield uo, p


class MaterialAttribute(Named, Sourced):
    unit: str | None = None
    range: Range | None = None
    method: str | None = None
    critical: bool | None = None

    _unit = field_validator("unit", mode="before")(Range._unit.__func__)  # type: ignore[attr-defined]


class Material(Named):
    """A raw material, consumable, resin, filter, cell bank, plasmid, vector…"""

    type: str | None = None
    supplier: str | None = None
    grade: str | None = None
    used_in: list[str] = Field(default_factory=list)
    attributes: list[MaterialAttribute] = Field(default_factory=list)


class Study(Named):
    """A study and what it covers; ``folder`` is its data subfolder (e.g. ``doe/``)."""

    kind: StudyKind
    description: str | None = None
    folder: str | None = None
    unit_operations: list[str] = Field(default_factory=list)
    parameters: list[str] = Field(default_factory=list)
    attributes: list[str] = Field(default_factory=list)

    @field_validator("kind", mode="before")
    @classmethod
    def _kind(cls, v: Any) -> Any:
        return v.strip().lower() if isinstance(v, str) else v


class Product(Named):
    modality: Modality
    dosage_form: str | None = None
    route: str | None = None
    dose: str | None = None
    description: str | None = None

    @field_validator("modality", mode="before")
    @classmethod
    def _modality(cls, v: Any) -> Any:
        if isinstance(v, str):
            return _MODALITY_ALIASES.get(v.strip().lower(), v.strip())
        return v


_UNIT_SUFFIX = re.compile(r"\s*[(（][^()（）]*[)）]\s*$")


def loose_key(text: str) -> str:
    """``'Temperature (°C)'`` → ``'temperature'``; ``'feed_volume'`` → ``'feed volume'``."""
    s = _UNIT_SUFFIX.sub("", str(text)).casefold()
    return " ".join(re.sub(r"[_\-]+", " ", s).split())


def _int_to_float(v: int) -> float:
    """``float(v)``; an integer beyond float range (``10**400`` written in YAML) is a
    ``ValueError`` (reported as a validation problem), not an ``OverflowError``."""
    try:
        return float(v)
    except OverflowError:
        raise ValueError("a finite number (this integer is beyond float range)") from None


def _text_or_none(v: Any) -> Any:
    v = _blank_to_none(v)
    if isinstance(v, int | float) and not isinstance(v, bool):
        return format_number(_int_to_float(v) if isinstance(v, int) else v)
    return v


def format_number(x: float) -> str:
    """Shortest text that reads back as the same float (``36.0`` → ``36``)."""
    if x == int(x) and abs(x) < 1e15:
        return str(int(x))
    return repr(x)



def _clean_row(v: Any, text_keys: tuple[str, ...]) -> Any:
    """A data-file row before validation: blank cells → None, ``extra`` as str → str
    without blanks, ``text_keys`` as stripped text (or None)."""
    if isinstance(v, dict):
        v = {k: _blank_to_none(x) for k, x in v.items()}
        if isinstance(v.get("extra"), dict):
            v["extra"] = {str(k): str(x) for k, x in v["extra"].items()
                          if _blank_to_none(x) is not None}
        for key in text_keys:
            v[key] = _text_or_none(v.get(key))
    return v

class Batch(Model):
    """A batch (lot): its kind, scale, site and date. Extra columns of the batch
    table are kept in ``extra`` (text) so nothing a user wrote is lost."""

    id: str = Field(min_length=1)
    kind: BatchKind
    scale: float | None = None
    scale_unit: str | None = None
    site: str | None = None
    date: dt.date | None = None
    study: str | None = None
    notes: str | None = None
    extra: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _blanks(cls, v: Any) -> Any:
        return _clean_row(v, ("id", "site", "study", "notes"))

    @field_validator("date", mode="before")
    @classmethod
    def _date(cls, v: Any) -> Any:
        if isinstance(v, dt.datetime):
            return v.date() if v.time() == dt.time() else v
        if isinstance(v, str) and len(v) > 10 and v[10:].strip() in ("00:00:00", "T00:00:00"):
            return v[:10]
        return v

    @field_validator("kind", mode="before")
    @classmethod
    def _kind(cls, v: Any) -> Any:
        if isinstance(v, str):
            return _BATCH_KIND_ALIASES.get(v.strip().lower(), v.strip())
        return v

    @field_validator("scale_unit", mode="before")
    @classmethod
    def _unit(cls, v: Any) -> Any:
        return normalize_unit(v) if isinstance(v, str) else v

    @field_validator("scale")
    @classmethod
    def _finite(cls, v: float | None) -> float | None:
        if v is not None and not math.isfinite(v):
            raise ValueError("a finite number")
        return v


class Measurement(Model):
    """One value in long form: batch × unit operation × parameter-or-attribute × time.

    ``value`` is a number when the text reads as one, else text (``conforms``).
    """

    batch: str = Field(min_length=1)
    unit_operation: str | None = None
    name: str = Field(min_length=1)
    time: float | dt.datetime | None = None
    time_unit: str | None = None
    value: float | str | None = None
    unit: str | None = None
    extra: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _blanks(cls, v: Any) -> Any:
        return _clean_row(v, ("batch", "unit_operation", "name"))

    @field_validator("time", mode="before")
    @classmethod
    def _time(cls, v: Any) -> Any:
        """Elapsed time (a number, with ``time_unit``) or a timestamp (ISO 8601 text)."""
        if isinstance(v, bool):
            return v
        if isinstance(v, int):
            return _int_to_float(v)
        if isinstance(v, dt.date) and not isinstance(v, dt.datetime):
            return dt.datetime.combine(v, dt.time())
        if isinstance(v, str):
            s = v.strip()
            try:
                return float(s)
            except ValueError:
                pass
            try:
                return dt.datetime.fromisoformat(s)
            except ValueError:
                return s
        return v

    @field_validator("time")
    @classmethod
    def _finite_time(cls, v: Any) -> Any:
        if isinstance(v, float) and not math.isfinite(v):
            raise ValueError("a finite number")
        return v

    @field_validator("value", mode="before")
    @classmethod
    def _value(cls, v: Any) -> Any:
        if isinstance(v, bool):
            return str(v).lower()
        if isinstance(v, int):
            return _int_to_float(v)
        if isinstance(v, str):
            s = v.strip()
            if _THOUSANDS.match(s):
                s = s.replace(",", "")
            try:
                f = float(s) if s else None
            except ValueError:
                return s
            return f if f is not None and math.isfinite(f) else s
        return v

    @field_validator("value")
    @classmethod
    def _finite(cls, v: Any) -> Any:
        if isinstance(v, float) and not math.isfinite(v):
            raise ValueError("a finite number")
        return v

    @field_validator("unit", "time_unit", mode="before")
    @classmethod
    def _unit(cls, v: Any) -> Any:
        return normalize_unit(v) if isinstance(v, str) else v


class Project(Named):
    """A QbD project: product, QTPP, quality attributes, process, materials,
    studies, batches and measurements. ``language`` picks the labels shown."""

    schema_version: int = 1
    description: str | None = None
    language: Literal["en", "zh"] = "en"
    template: str | None = None
    product: Product
    qtpp: list[QTPPElement] = Field(default_factory=list)
    quality_attributes: list[QualityAttribute] = Field(default_factory=list)
    process: Process = Field(default_factory=Process)
    materials: list[Material] = Field(default_factory=list)
    studies: list[Study] = Field(default_factory=list)
    batches: list[Batch] = Field(default_factory=list)
    measurements: list[Measurement] = Field(default_factory=list)

    # ---- lookups -------------------------------------------------------------
    def unit_operation(self, name: str) -> UnitOperation | None:
        return next((u for u in self.process.unit_operations if name in u.spellings()), None)

    def parameter(self, name: str, unit_operation: str | None = None) -> Parameter | None:
        """A parameter by name or label, optionally within one unit operation."""
        for uo, p in self.process.parameters():
            if unit_operation is not None and unit_operation not in uo.spellings():
                continue
            if name in p.spellings():
                return p
        return None

    def attribute(self, name: str) -> QualityAttribute | None:
        return next((a for a in self.quality_attributes if name in a.spellings()), None)

    def find_parameter(self, text: str, unit_operation: str | None = None) -> Parameter | None:
        """A parameter by a loosely written name, e.g. a DoE column ``Temperature (°C)``:
        exact name/label first, then ignoring case, a trailing ``(unit)``, spaces,
        underscores and hyphens."""
        hit = self.parameter(text, unit_operation)
        if hit is not None:
            return hit
        key = loose_key(text)
        for uo, p in self.process.parameters():
            if unit_operation is not None and unit_operation not in uo.spellings():
                continue
            if key in {loose_key(s) for s in p.spellings()}:
                return p
        return None

    def find_attribute(self, text: str) -> QualityAttribute | None:
        """A quality attribute by a loosely written name (see :meth:`find_parameter`)."""
        hit = self.attribute(text)
        if hit is not None:
            return hit
        key = loose_key(text)
        return next((a for a in self.quality_attributes
                     if key in {loose_key(s) for s in a.spellings()}), None)

    def cqas(self) -> list[QualityAttribute]:
        return [a for a in self.quality_attributes if a.criticality and a.criticality.critical]

    def batch(self, batch_id: str) -> Batch | None:
        return next((b for b in self.batches if b.id == batch_id), None)
