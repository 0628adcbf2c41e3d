"""A project at a glance: QTPP (quality target product profile), CQAs (critical quality
attributes) with acceptance criteria, parameters with set point / NOR (normal operating
range) / PAR (proven acceptable range) / studied range, batches by kind.

One :class:`ProjectOverview` result feeds the CLI summary and the demo report (tables
of plain rows, labels in the project's language).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from qbdkit.core.result import Result, format_table
from qbdkit.model.schema import Criterion, Project, Range


def _rng(r: Range | None) -> str:
    if r is None:
        return ""
    lo = "" if r.low is None else f"{r.low:g}"
    hi = "" if r.high is None else f"{r.high:g}"
    return f"{lo}–{hi}"


def criterion_text(c: Criterion, unit: str | None) -> str:
    """``≤ 3 %``, ``2–13 %``, ``≥ 70 %`` or the text requirement."""
    u = f" {c.unit or unit}" if (c.unit or unit) and (c.low is not None or c.high is not None) else ""
    if c.low is not None and c.high is not None:
        s = f"{c.low:g}–{c.high:g}{u}"
    elif c.high is not None:
        s = f"≤ {c.high:g}{u}"
    elif c.low is not None:
        s = f"≥ {c.low:g}{u}"
    else:
        s = c.text or ""
    if c.typical:
        s += " (typical, confirm)"
    return s


@dataclass(frozen=True)
class ProjectOverview(Result):
    name: str
    title: str
    product: dict[str, Any]
    qtpp: list[list[str]]
    attributes: list[list[Any]]
    parameters: list[list[Any]]
    batches: dict[str, int]
    counts: dict[str, int]
    lang: str = "en"

    QTPP_HEADERS = ("element", "target", "related attributes")
    ATTRIBUTE_HEADERS = ("attribute", "category", "method", "acceptance", "CQA", "score")
    PARAMETER_HEADERS = ("unit operation", "parameter", "unit", "set point", "NOR", "PAR",
                         "studied", "class")

    def summary(self) -> str:
        out = [f"{self.title} — {self.product.get('name')} ({self.product.get('modality')})", ""]
        out.append(format_table(list(self.QTPP_HEADERS), self.qtpp))
        out.append("")
        out.append(format_table(list(self.ATTRIBUTE_HEADERS), self.attributes))
        out.append("")
        rows = [r for r in self.parameters if r[3] != "" or r[4] != ""]
        out.append(format_table(list(self.PARAMETER_HEADERS), rows))
        out.append("")
        out.append("batches: " + ", ".join(f"{k} {v}" for k, v in self.batches.items()))
        return "\n".join(out)


def project_overview(project: Project, lang: str | None = None) -> ProjectOverview:
    """Tables describing ``project`` in ``lang`` (default: the project's language)."""
    lang = lang or project.language
    qtpp = [[q.display(lang), q.target or "",
             ", ".join((project.attribute(a).display(lang) if project.attribute(a) else a)
                       for a in q.attributes)] for q in project.qtpp]
    attrs = []
    for a in project.quality_attributes:
        crit = a.criticality
        attrs.append([
            a.display(lang), a.category or "", a.method or "",
            "; ".join(f"{c.stage}: {criterion_text(c, a.unit)}" if c.stage else
                      criterion_text(c, a.unit) for c in a.acceptance),
            "" if crit is None or crit.critical is None else ("yes" if crit.critical else "no"),
            None if crit is None else crit.score,
        ])
    params = []
    for uo, p in project.process.parameters():
        sp = p.set_point
        params.append([uo.display(lang), p.display(lang), p.unit or "",
                       "" if sp is None else (f"{sp:g}" if isinstance(sp, float) else str(sp)),
                       _rng(p.nor), _rng(p.par), _rng(p.studied), p.classification or ""])
    kinds = Counter(b.kind for b in project.batches)
    counts = {
        "quality attributes": len(project.quality_attributes),
        "CQAs": len(project.cqas()),
        "unit operations": len(project.process.unit_operations),
        "parameters": len(params),
        "batches": len(project.batches),
        "measurements": len(project.measurements),
    }
    return ProjectOverview(
        name=project.name, title=project.display(lang),
        product={"name": project.product.display(lang), "modality": project.product.modality,
                 "dosage_form": project.product.dosage_form, "route": project.product.route,
                 "dose": project.product.dose},
        qtpp=qtpp, attributes=attrs, parameters=params, batches=dict(kinds), counts=counts,
        lang=lang)
