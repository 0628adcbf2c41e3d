"""Parameter classification: CPP, WC-CPP, KPP, GPP (seed 000 fig. 6; A-Mab 2009 fig. 6.3).

The decision tree (reference/risk.md §4)::

    Does the parameter's variability significantly affect a CQA?
      yes → risk (severity of impact; ability to control within the design space)
            high → CPP            low → WC-CPP (well-controlled CPP)
      no  → does it significantly affect process performance or consistency?
            yes → risk (severity; ability to control within the acceptable range)
                  high → KPP      low → GPP
            no  → GPP

CPP critical process parameter; WC-CPP well-controlled CPP; KPP key process parameter;
GPP general process parameter; CQA critical quality attribute.

When a parameter affects a CQA (or performance) but its risk is not rated, the
conservative branch is taken (CPP, resp. KPP) and the rationale says so. Evidence is a
free text today (risk scores); the DoE-analysis area passes its significant effects.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from qbdkit.core.result import Result, format_table, to_jsonable
from qbdkit.core.risk._input import (
    CLASSIFY_ALIASES,
    HIGH,
    LOW,
    NO,
    YES,
    Collector,
    as_table,
    canonical,
    check_unique,
    passthrough,
    word,
)
from qbdkit.errors import QbdInputError
from qbdkit.io.tables import Table, is_blank

CLASSES = ("CPP", "WC-CPP", "KPP", "GPP")


@dataclass(frozen=True)
class ParameterClassification(Result):
    """One parameter's class (contract B): ``cls`` in {"CPP","WC-CPP","KPP","GPP"}."""

    name: str
    cls: str
    rationale_en: str
    rationale_zh: str
    evidence: str = ""

    def summary(self) -> str:
        return f"{self.name}: {self.cls} — {self.rationale_en}"


def _risk(value: str | None, field: str) -> str | None:
    if value is None:
        return None
    v = str(value).strip().lower()
    if v in HIGH:
        return "high"
    if v in LOW:
        return "low"
    raise QbdInputError("not a risk level", column=field, expected="high or low (高/低)",
                        found=value)


def classify_parameter(name: str, *, affects_cqa: bool, cqa_risk: str | None = None,
                       affects_performance: bool = False, performance_risk: str | None = None,
                       evidence: str = "") -> ParameterClassification:
    """Classify one process parameter with the seed 000 fig. 6 tree (module docstring).

    ``cqa_risk`` / ``performance_risk``: "high" or "low" (高/低 accepted): severity of the
    impact combined with the ability to control the parameter within the design space
    (CQA branch) or the acceptable range (performance branch).
    """
    cr = _risk(cqa_risk, "cqa_risk")
    pr = _risk(performance_risk, "performance_risk")
    if affects_cqa:
        if cr == "low":
            cls = "WC-CPP"
            en = ("affects a CQA; low risk (impact severity and ability to control within the "
                  "design space) → WC-CPP (well-controlled CPP)")
            zh = "显著影响CQA；风险低（影响严重程度与在设计空间内的控制能力）→ 受控关键工艺参数（WC-CPP）"
        else:
            cls = "CPP"
            how = "high risk" if cr == "high" else "risk not rated, taken as high"
            how_zh = "风险高" if cr == "high" else "风险未评级，按高风险处理"
            en = (f"affects a CQA; {how} (impact severity and ability to control within the "
                  "design space) → CPP")
            zh = f"显著影响CQA；{how_zh}（影响严重程度与在设计空间内的控制能力）→ 关键工艺参数（CPP）"
    elif affects_performance:
        if pr == "low":
            cls = "GPP"
            en = ("no significant effect on a CQA; affects process performance with low risk "
                  "(severity and ability to control within the acceptable range) → GPP")
            zh = "不显著影响CQA；影响工艺性能但风险低（严重程度与在可接受范围内的控制能力）→ 一般工艺参数（GPP）"
        else:
            cls = "KPP"
            how = "high risk" if pr == "high" else "risk not rated, taken as high"
            how_zh = "风险高" if pr == "high" else "风险未评级，按高风险处理"
            en = (f"no significant effect on a CQA; affects process performance with {how} "
                  "(severity and ability to control within the acceptable range) → KPP")
            zh = f"不显著影响CQA；影响工艺性能，{how_zh}（严重程度与在可接受范围内的控制能力）→ 关键性能参数（KPP）"
    else:
        cls = "GPP"
        en = "no significant effect on a CQA or on process performance/consistency → GPP"
        zh = "不显著影响CQA，也不显著影响工艺性能或稳定性 → 一般工艺参数（GPP）"
    if evidence:
        en += f" (evidence: {evidence})"
        zh += f"（依据：{evidence}）"
    return ParameterClassification(name=str(name), cls=cls, rationale_en=en, rationale_zh=zh,
                                   evidence=evidence)


@dataclass(frozen=True)
class ClassificationResult(Result):
    """``parameters``: classifications in input order (+ passed-through columns)."""

    parameters: list[ParameterClassification]
    extras: list[dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        rows = []
        for p, extra in zip(self.parameters, self.extras, strict=True):
            rows.append({**extra, "name": p.name, "class": p.cls, "rationale": p.rationale_en,
                         "rationale_zh": p.rationale_zh, "evidence": p.evidence})
        return {"parameters": to_jsonable(rows)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ClassificationResult:
        """Inverse of :meth:`to_dict`."""
        own = ("name", "class", "rationale", "rationale_zh", "evidence")
        params, extras = [], []
        for r in d["parameters"]:
            params.append(ParameterClassification(r["name"], r["class"], r["rationale"],
                                                  r["rationale_zh"], r.get("evidence") or ""))
            extras.append({k: v for k, v in r.items() if k not in own})
        return cls(parameters=params, extras=extras)

    def counts(self) -> dict[str, int]:
        return {c: sum(1 for p in self.parameters if p.cls == c) for c in CLASSES}

    def summary(self) -> str:
        counts = ", ".join(f"{k} {v}" for k, v in self.counts().items())
        rows = [[p.name, p.cls, p.rationale_en] for p in self.parameters]
        return f"Parameter classes: {counts}\n" + format_table(["name", "class", "rationale"], rows)


def classify_parameters(data: pd.DataFrame | Table) -> ClassificationResult:
    """Classify every parameter of a table.

    Columns: ``name`` (参数), ``affects_cqa`` (影响CQA: yes/no, 是/否), ``cqa_risk`` (CQA风险:
    high/low, 高/低; required when affects_cqa is yes), optional ``affects_performance``
    (影响工艺性能), ``performance_risk`` (性能风险), ``evidence`` (依据); others pass through.
    """
    table = canonical(as_table(data), ["name", "affects_cqa"], CLASSIFY_ALIASES,
                      ["cqa_risk", "affects_performance", "performance_risk", "evidence", "step"])
    cols = table.columns
    n = len(table.frame)
    out = Collector(table)
    names = [table.text(i, "name") for i in range(n)]
    check_unique(table, "name", names, out)
    yes_no = {"yes": YES, "no": NO}
    high_low = {"high": HIGH, "low": LOW}
    results: list[ParameterClassification | None] = []
    extras = []
    for i in range(n):
        a = out.run(lambda i=i: word(table, i, "affects_cqa", yes_no), None)
        cr = pf = pr = None
        if a == "yes":
            if "cqa_risk" not in cols:
                out.add(table.problem(i, "cqa_risk", "missing column", expected="high or low"))
            else:
                cr = out.run(lambda i=i: word(table, i, "cqa_risk", high_low), None)
        elif a == "no":
            if "affects_performance" in cols:
                pf = out.run(lambda i=i: word(table, i, "affects_performance", yes_no), None)
            if pf == "yes":
                if "performance_risk" not in cols:
                    out.add(table.problem(i, "performance_risk", "missing column",
                                          expected="high or low"))
                else:
                    pr = out.run(lambda i=i: word(table, i, "performance_risk", high_low), None)
        evidence = ""
        if "evidence" in cols and not is_blank(table.cell(i, "evidence")):
            evidence = table.text(i, "evidence")
        if a is None or (a == "yes" and cr is None) or (pf == "yes" and pr is None):
            results.append(None)
        else:
            results.append(classify_parameter(names[i], affects_cqa=a == "yes", cqa_risk=cr,
                                              affects_performance=pf == "yes",
                                              performance_risk=pr, evidence=evidence))
        extras.append(passthrough(table, i, ["name", "evidence", "step"]))
    out.raise_if_any()
    return ClassificationResult(parameters=[r for r in results if r is not None], extras=extras)
