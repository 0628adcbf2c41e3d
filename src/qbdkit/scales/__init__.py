"""Risk scoring scales as data: levels, scores, anchor texts (zh and en), source, version.

Every scale a risk assessment uses is a YAML file, so a site can replace the
published defaults with the scales of its own SOP (``--scale-file PATH``). The
shipped defaults (``src/qbdkit/scales/data/``) are the published ones:

==================  ======  ==========================================================
id                  kind    what
==================  ======  ==========================================================
``aiag-vda``        fmea    S/O/D 1–10, AIAG-VDA (2019) Action Priority table; rank by AP
``classic``         fmea    S/O/D 1–10, rank by RPN = S × O × D (AP shown for reference)
``amab-dp``         fmea    A-Mab drug-product FMEA, S/O/D 2/4/6/8/10, CPP rule
``control-strategy`` fmea   A-Mab ch. 6 control-strategy FMEA, S/O/D 1/3/10, RPN bands
``amab-1``          cqa     A-Mab tool 1: impact (2/4/12/16/20) × uncertainty (1/2/3/5/7)
``amab-2``          cqa     A-Mab tool 2: severity × likelihood, each 1/3/5/7/9
``amab-3``          isf     A-Mab tool 3: impurity safety factor, ≥ 1000 minimal risk
``0-1-3-9``         ce      C&E correlation 0/1/3/9, weights 1–10, Pareto 80 % default
``1-5-7-10``        ce      A-Mab C&E, correlation and weights 1/5/7/10, select > 300
``study``           study   A-Mab study planning: main effect × interaction, 1/4/8
==================  ======  ==========================================================

Abbreviations: FMEA failure mode and effects analysis; S/O/D severity, occurrence,
detection; RPN risk priority number; AP action priority; CQA critical quality
attribute; C&E cause and effect; ISF impurity safety factor; CPP critical process
parameter.

The file format is validated with pydantic (:class:`Scale`); a bad file raises
:class:`~qbdkit.errors.QbdInputError` naming the file and the field.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from qbdkit.errors import Problem, QbdInputError

DATA_DIR = Path(__file__).parent / "data"

Kind = Literal["fmea", "cqa", "ce", "isf", "study"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Level(_Model):
    """One rating on a scale: its score and anchor texts."""

    score: int
    label_en: str
    label_zh: str
    anchor_en: str = ""
    anchor_zh: str = ""


class Dimension(_Model):
    """One rated dimension (e.g. severity) with its allowed scores."""

    name_en: str
    name_zh: str
    levels: list[Level] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> Dimension:
        scores = [lv.score for lv in self.levels]
        if len(set(scores)) != len(scores):
            raise ValueError(f"duplicate scores in levels: {scores}")
        return self

    @property
    def scores(self) -> list[int]:
        return sorted(lv.score for lv in self.levels)

    def level(self, score: int) -> Level | None:
        for lv in self.levels:
            if lv.score == score:
                return lv
        return None


class Band(_Model):
    """A band of a combined score: ``score >= min`` (the first band that matches, highest first)."""

    code: str
    min: float
    label_en: str
    label_zh: str


class PriorityLabel(_Model):
    label_en: str
    label_zh: str


class ActionPriorityTable(_Model):
    """A lookup table S band × O band × D band → H/M/L (AIAG-VDA 2019)."""

    severity_bands: list[tuple[int, int]]
    occurrence_bands: list[tuple[int, int]]
    detection_bands: list[tuple[int, int]]
    cells: list[list[str]]

    @model_validator(mode="after")
    def _shape(self) -> ActionPriorityTable:
        if len(self.cells) != len(self.severity_bands):
            raise ValueError("cells: one row per severity band expected")
        for row in self.cells:
            if len(row) != len(self.occurrence_bands):
                raise ValueError("cells: one entry per occurrence band expected in each row")
            for cell in row:
                if len(cell) != len(self.detection_bands) or set(cell) - {"H", "M", "L"}:
                    raise ValueError(
                        f"cells: each entry is one letter H/M/L per detection band, found {cell!r}"
                    )
        for name in ("severity_bands", "occurrence_bands", "detection_bands"):
            for lo, hi in getattr(self, name):
                if lo > hi:
                    raise ValueError(f"{name}: band [{lo}, {hi}] has low > high")
        return self

    @staticmethod
    def _band(bands: list[tuple[int, int]], value: int) -> int | None:
        for i, (lo, hi) in enumerate(bands):
            if lo <= value <= hi:
                return i
        return None

    def lookup(self, severity: int, occurrence: int, detection: int) -> str | None:
        i = self._band(self.severity_bands, severity)
        j = self._band(self.occurrence_bands, occurrence)
        k = self._band(self.detection_bands, detection)
        if i is None or j is None or k is None:
            return None
        return self.cells[i][j][k]


class CppRule(_Model):
    """A-Mab drug-product rule: CPP if S ≥ cpp_min_severity or RPN > further_max_rpn;
    analyse further if not_cpp_max_rpn < RPN ≤ further_max_rpn; else not a CPP."""

    cpp_min_severity: int
    not_cpp_max_rpn: int
    further_max_rpn: int


class Scale(_Model):
    """A scoring scale file (see the module docstring for the shipped ones)."""

    id: str
    kind: Kind
    title_en: str
    title_zh: str
    source: str
    version: str
    dimensions: dict[str, Dimension] = Field(default_factory=dict)
    action_priority: ActionPriorityTable | None = None
    rank_by: Literal["ap", "rpn"] = "ap"
    rpn_bands: list[Band] | None = None
    cpp_rule: CppRule | None = None
    priority_labels: dict[str, PriorityLabel] = Field(default_factory=dict)
    threshold: float | None = None
    threshold_note: str = ""
    pareto_percent: float | None = None
    levels: list[Band] | None = None
    path: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Scale:
        need = {
            "fmea": ("severity", "occurrence", "detection"),
            "ce": ("correlation",),
            "study": ("main_effect", "interaction"),
            "isf": (),
        }
        if self.kind == "cqa":
            if len(self.dimensions) != 2:
                raise ValueError("dimensions: a cqa scale rates exactly two dimensions "
                                 "(e.g. impact and uncertainty)")
        else:
            missing = [d for d in need[self.kind] if d not in self.dimensions]
            if missing:
                raise ValueError(f"dimensions: missing {', '.join(missing)} for kind {self.kind}")
        if self.kind == "fmea":
            methods = [m for m in (self.action_priority, self.rpn_bands, self.cpp_rule)
                       if m is not None]
            if not methods:
                raise ValueError("an fmea scale needs action_priority, rpn_bands or cpp_rule")
            if self.rank_by == "ap" and self.action_priority is None:
                raise ValueError("rank_by: ap needs an action_priority table")
            if self.action_priority is not None:
                for name, bands in (("severity", self.action_priority.severity_bands),
                                    ("occurrence", self.action_priority.occurrence_bands),
                                    ("detection", self.action_priority.detection_bands)):
                    for s in self.dimensions[name].scores:
                        if ActionPriorityTable._band(bands, s) is None:
                            raise ValueError(f"action_priority: {name} {s} is in no band")
        for bands_name in ("rpn_bands", "levels"):
            bands = getattr(self, bands_name)
            if bands is not None:
                if not bands:
                    raise ValueError(f"{bands_name}: at least one band expected")
                mins = [b.min for b in bands]
                if mins != sorted(mins, reverse=True):
                    raise ValueError(f"{bands_name}: list bands from the highest min to the lowest")
        return self

    # -- helpers -------------------------------------------------------------------------------
    def dimension(self, name: str) -> Dimension:
        return self.dimensions[name]

    @property
    def dimension_names(self) -> list[str]:
        return list(self.dimensions)

    def band(self, value: float, bands: list[Band] | None = None) -> Band | None:
        """The first band (highest ``min`` first) with ``value >= min``."""
        for b in bands if bands is not None else (self.levels or []):
            if value >= b.min:
                return b
        return None


def _problems_from(exc: ValidationError, file: str) -> list[Problem]:
    out = []
    for err in exc.errors():
        loc = ".".join(str(x) for x in err.get("loc", ())) or None
        msg = err.get("msg", "invalid").removeprefix("Value error, ")
        out.append(Problem(f"bad scale file: {msg}", file=file, column=loc))
    return out


def parse_scale(document: object, *, file: str = "<scale>") -> Scale:
    """Validate a scale given as parsed YAML (a mapping); QbdInputError on problems."""
    if not isinstance(document, dict):
        raise QbdInputError("bad scale file", file=file, expected="a YAML mapping",
                            found=type(document).__name__)
    try:
        return Scale.model_validate({**document, "path": file})
    except ValidationError as exc:
        raise QbdInputError(problems=_problems_from(exc, file)) from None


def load_scale_file(path: str | Path) -> Scale:
    """Load and validate a site's scale file (YAML)."""
    from qbdkit.io import read_text
    from qbdkit.io.yaml_safe import load_yaml

    p = Path(path)
    if not (p.exists() or p.is_symlink()):
        raise QbdInputError("scale file not found", file=str(path))
    text, _ = read_text(p)
    document = load_yaml(text, str(path))
    return parse_scale(document, file=str(path))


def builtin_scale_ids() -> list[str]:
    """Identifiers of the shipped scales (file stems under ``scales/data``)."""
    return sorted(p.stem for p in DATA_DIR.glob("*.yaml"))


@cache
def _builtin(scale_id: str) -> Scale:
    return load_scale_file(DATA_DIR / f"{scale_id}.yaml")


def load_scale(name: str | Path | Scale, *, kind: Kind | None = None) -> Scale:
    """A scale by shipped id (``"aiag-vda"``), by file path, or passed through.

    ``kind`` checks the scale is of the expected kind (an FMEA scale for an FMEA…).
    """
    if isinstance(name, Scale):
        scale = name
    else:
        text = str(name)
        if text in builtin_scale_ids():
            scale = _builtin(text)
        elif text.lower().endswith((".yaml", ".yml")) or Path(text).exists():
            scale = load_scale_file(text)
        else:
            ids = [s for s in builtin_scale_ids() if kind is None or _builtin(s).kind == kind]
            raise QbdInputError("unknown scale", column="scale",
                                expected=" | ".join(ids) + " or a .yaml file", found=text)
    if kind is not None and scale.kind != kind:
        raise QbdInputError("scale of the wrong kind", file=scale.path, column="kind",
                            expected=kind, found=scale.kind)
    return scale


__all__ = [
    "ActionPriorityTable",
    "Band",
    "CppRule",
    "Dimension",
    "Level",
    "Scale",
    "builtin_scale_ids",
    "load_scale",
    "load_scale_file",
    "parse_scale",
]
