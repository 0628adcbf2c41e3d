"""Critical quality attribute (CQA) assessment (seed 000 fig. 5; A-Mab case study 2009 §2).

- Tool 1, risk ranking: score = impact × uncertainty; impact 2/4/12/16/20 (the highest
  category over efficacy, PK/PD, immunogenicity, safety), uncertainty 1/2/3/5/7; range
  2–140. A-Mab publishes no cut-off: its own CQAs start at 36 (host cell protein,
  12 × 3), which is the default threshold.
- Tool 2, preliminary hazard analysis: score = severity × likelihood, each 1/3/5/7/9.
- Tool 3, impurity safety factor: ISF = LD50 (or NOAEL) ÷ maximum impurity per dose;
  ISF ≥ 1000 → minimal safety risk.

An attribute is a CQA when score ≥ threshold. The criticality ``level`` is the
scale's band for the score (``levels`` in the scale file). Criticality can change over
the lifecycle (A-Mab re-scored afucosylation from 10 to 60 when ADCC entered the
mechanism of action): store each assessment as a new version (``qbdkit.services.risk``)
and the history keeps every score with who, when and why.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

from qbdkit.core.result import Result, format_table
from qbdkit.core.risk._input import (
    CQA_ALIASES,
    Collector,
    as_table,
    canonical,
    check_unique,
    passthrough,
)
from qbdkit.errors import QbdInputError
from qbdkit.io.tables import Table
from qbdkit.scales import Scale, load_scale

TOOLS = {"amab-1": "amab-1", "amab-2": "amab-2", "1": "amab-1", "2": "amab-2"}


def cqa_score(a: int, b: int) -> int:
    """Criticality score = impact × uncertainty (tool 1) or severity × likelihood (tool 2)."""
    return int(a) * int(b)


@dataclass(frozen=True)
class CqaResult(Result):
    """``attributes``: one dict per attribute (input order) with ``name``, the two ratings
    (``impact``/``uncertainty`` or ``severity``/``likelihood``), ``score``, ``level``,
    ``cqa`` and the passed-through columns (rationale, notes…)."""

    attributes: list[dict[str, Any]]
    tool: str
    threshold: float
    dimensions: list[str]

    def cqas(self) -> list[str]:
        return [a["name"] for a in self.attributes if a["cqa"]]

    def summary(self) -> str:
        d1, d2 = self.dimensions
        rows = [[a["name"], a[d1], a[d2], a["score"], a["level"], "yes" if a["cqa"] else "no"]
                for a in sorted(self.attributes, key=lambda a: -a["score"])]
        return (f"CQA assessment ({self.tool}; CQA when score >= {self.threshold:g}): "
                f"{len(self.cqas())} of {len(self.attributes)} attributes are CQAs\n"
                + format_table(["name", d1, d2, "score", "level", "cqa"], rows))


def cqa_assessment(data: pd.DataFrame | Table, *, tool: str | Scale = "amab-1",
                   threshold: float | None = None) -> CqaResult:
    """Score each quality attribute and decide CQA yes/no (score ≥ ``threshold``).

    ``data``: columns ``name, impact, uncertainty`` (tool 1) or ``name, severity,
    likelihood`` (tool 2); Chinese headers 质量属性, 影响, 不确定性, 严重性, 可能性 accepted;
    extra columns (rationale/理由, notes…) pass through. ``threshold`` defaults to the
    scale's (36 for A-Mab tool 1).
    """
    sc = load_scale(TOOLS.get(str(tool), tool) if not isinstance(tool, Scale) else tool,
                    kind="cqa")
    d1, d2 = sc.dimension_names
    aliases = {k: list(v) for k, v in CQA_ALIASES.items()}
    for dname in (d1, d2):
        dim = sc.dimension(dname)
        aliases.setdefault(dname, [])
        aliases[dname] = [*aliases[dname], dim.name_en, dim.name_zh]
    for other in ("impact", "uncertainty", "severity", "likelihood"):
        if other not in (d1, d2):
            aliases.pop(other, None)
    table = canonical(as_table(data), ["name", d1, d2], aliases,
                      [c for c in aliases if c not in ("name", d1, d2)])
    cut = sc.threshold if threshold is None else float(threshold)
    if cut is None or not math.isfinite(cut):
        raise QbdInputError("no CQA threshold", column="threshold",
                            expected="--threshold T or a threshold in the scale file",
                            found=cut)
    n = len(table.frame)
    out = Collector(table)
    names = [table.text(i, "name") for i in range(n)]
    check_unique(table, "name", names, out)
    a1 = sc.dimension(d1).scores
    a2 = sc.dimension(d2).scores
    vals = [(out.run(lambda i=i: table.integer(i, d1, allowed=a1), 0),
             out.run(lambda i=i: table.integer(i, d2, allowed=a2), 0)) for i in range(n)]
    out.raise_if_any()
    attributes = []
    for i in range(n):
        row = passthrough(table, i, ["name", "rationale", "category"])
        v1, v2 = vals[i]
        score = cqa_score(v1, v2)
        band = sc.band(score)
        row.update(name=names[i], **{d1: v1, d2: v2}, score=score,
                   level=None if band is None else band.code, cqa=bool(score >= cut))
        attributes.append(row)
    return CqaResult(attributes=attributes, tool=sc.id, threshold=cut, dimensions=[d1, d2])


@dataclass(frozen=True)
class IsfResult(Result):
    """Impurity safety factor: ``isf`` and whether it shows minimal safety risk."""

    isf: float
    threshold: float
    minimal_risk: bool

    def summary(self) -> str:
        verdict = "minimal safety risk" if self.minimal_risk else "safety risk to assess"
        return f"ISF = {self.isf:.4g} (>= {self.threshold:g} means minimal risk): {verdict}"


def impurity_safety_factor(toxic_dose: float, impurity_per_dose: float, *,
                           threshold: float | None = None) -> IsfResult:
    """A-Mab tool 3: ISF = LD50 (or NOAEL) ÷ maximum impurity amount per dose.

    Both in the same unit (e.g. mg/kg). Assumes no clearance unless measured; ISF ≥ 1000
    (the scale's threshold) → minimal safety risk.
    """
    for name, v in (("toxic_dose", toxic_dose), ("impurity_per_dose", impurity_per_dose)):
        if not isinstance(v, (int, float)) or not math.isfinite(v) or v <= 0:
            raise QbdInputError("not a positive number", column=name,
                                expected="a positive number", found=v)
    cut = load_scale("amab-3", kind="isf").threshold if threshold is None else threshold
    assert cut is not None
    isf = float(toxic_dose) / float(impurity_per_dose)
    return IsfResult(isf=isf, threshold=float(cut), minimal_risk=bool(isf >= cut))
