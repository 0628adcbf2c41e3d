"""CPP re-assessment from DoE models (item 5): effect size against specifications, significance,
and the parameter class (CPP / WC-CPP / KPP / GPP) through the risk area's decision tree.

CPP critical process parameter; WC-CPP well-controlled CPP; KPP key process parameter;
GPP general process parameter; CQA critical quality attribute.

For each parameter (factor) and each response with a specification:

* **effect** — range (max − min) of the predicted mean response while the
  parameter moves across its studied range [low, high] (41 points), the other
  factors held at the set point (default: the centre of the design);
* **% of specification** — effect / (U − L) × 100 for a two-sided
  specification; for a one-sided one the reference width is the margin between
  the prediction at the set point and the limit (|limit − ŷ(set point)|), so
  100 % means the parameter alone can use up the whole margin;
* **significance** — joint partial F test of every model term involving the
  parameter (:meth:`FitResult.factor_test`), significant when p < α;
* **crosses** — the predicted curve leaves the specification inside the studied
  range.

Classification (seed 000 fig. 6, via :func:`qbdkit.core.risk.classify_parameter`):
a parameter *affects* an attribute when its effect is significant and at least
``relevant`` % (default 10 %) of the specification; the risk is ``"high"`` when
any such effect is ≥ ``high_risk`` % (default 25 %) or crosses a limit, else
``"low"``. The thresholds are a documented convention (practical significance
relative to the specification, as in ICH Q8/Q9 criticality assessments) and
can be changed by the caller.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from qbdkit.core.doe.analysis.fit import FactorSpec, FitResult
from qbdkit.core.result import Result, format_table, to_jsonable
from qbdkit.errors import QbdInputError


@dataclass(frozen=True)
class Specification(Result):
    """Acceptance limits of one response; ``kind`` "cqa" or "performance"."""

    response: str
    lower: float | None = None
    upper: float | None = None
    kind: str = "cqa"

    def __post_init__(self) -> None:
        if self.lower is None and self.upper is None:
            raise QbdInputError("specification without limits", column=self.response,
                                expected="a lower and/or an upper limit", found="none")
        if self.lower is not None and self.upper is not None and self.lower >= self.upper:
            raise QbdInputError("contradictory specification", column=self.response,
                                expected="lower limit < upper limit",
                                found=f"{self.lower:g} … {self.upper:g}")
        if self.kind not in ("cqa", "performance"):
            raise QbdInputError("unknown specification kind", column=self.response,
                                expected="cqa or performance", found=self.kind)


_SPEC = re.compile(r"^\s*(?:(?P<lo>[-+0-9.eE]+)\s*<=?\s*)?(?P<name>.+?)\s*(?P<op><=|>=|<|>|=)\s*(?P<val>[-+0-9.eE]+(?:\s*\.\.\s*[-+0-9.eE]+)?)\s*$")


def parse_specification(text: str, kind: str = "cqa") -> Specification:
    """``"Y>=90"``, ``"Y<=5"``, ``"5<=Y<=11"`` or ``"Y=5..11"`` → :class:`Specification`."""
    m = _SPEC.match(text)
    if not m:
        raise QbdInputError("cannot read specification", column="spec",
                            expected="'NAME>=a', 'NAME<=b', 'a<=NAME<=b' or 'NAME=a..b'", found=text)
    name, op, val, lo = m.group("name").strip(), m.group("op"), m.group("val"), m.group("lo")
    bad = QbdInputError("cannot read specification", column="spec",
                        expected="'NAME>=a', 'NAME<=b', 'a<=NAME<=b' or 'NAME=a..b'", found=text)
    try:
        nums = [float(v) for v in val.split("..")] if ".." in val else [float(val)]
        low = float(lo) if lo is not None else None
    except ValueError:
        raise bad from None
    if len(nums) == 2 and op == "=" and low is None:
        return Specification(name, nums[0], nums[1], kind)
    if len(nums) != 1:
        raise bad
    if low is not None:
        if op not in ("<=", "<"):
            raise bad
        return Specification(name, low, nums[0], kind)
    if op in (">=", ">"):
        return Specification(name, nums[0], None, kind)
    if op in ("<=", "<"):
        return Specification(name, None, nums[0], kind)
    raise bad


@dataclass(frozen=True)
class ParameterEffect(Result):
    parameter: str
    response: str
    kind: str
    low: float
    high: float
    effect: float
    percent_of_spec: float | None
    f: float | None
    p: float | None
    significant: bool
    crosses_limit: bool
    affects: bool


@dataclass(frozen=True, eq=False)
class CppAssessment(Result):
    effects: tuple[ParameterEffect, ...]
    classes: tuple[Any, ...]
    alpha: float
    relevant: float
    high_risk: float
    setpoint: dict
    parameters: dict = field(default_factory=dict)
    """Factor → project parameter (``unit_operation/parameter``), when the run sheet says."""
    notes: tuple[str, ...] = ()
    coding: tuple[dict, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable({
            "alpha": self.alpha, "relevant_percent": self.relevant, "high_risk_percent": self.high_risk,
            "setpoint": self.setpoint,
            "effects": [e.to_dict() for e in self.effects],
            "classes": [c.to_dict() for c in self.classes],
            "parameters": dict(self.parameters),
            "notes": list(self.notes),
            "coding": list(self.coding),
        })

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> CppAssessment:
        from qbdkit.core.risk.classify import ParameterClassification

        return cls(tuple(ParameterEffect.from_dict(e) for e in d["effects"]),
                   tuple(ParameterClassification.from_dict(c) for c in d["classes"]),
                   float(d["alpha"]), float(d["relevant_percent"]), float(d["high_risk_percent"]),
                   dict(d.get("setpoint") or {}), dict(d.get("parameters") or {}),
                   tuple(d.get("notes") or ()), tuple(d.get("coding") or ()))

    def summary(self) -> str:
        eff = format_table(["parameter", "response", "effect", "% of spec", "p", "affects"],
                           [[e.parameter, e.response, e.effect, e.percent_of_spec, e.p,
                             "yes" if e.affects else "no"] for e in self.effects])
        cls = format_table(["parameter", "class", "rationale"],
                           [[c.name, c.cls, c.rationale_en] for c in self.classes])
        tail = [f"{k} studies the project parameter {v}" for k, v in self.parameters.items()]
        tail += [f"note: {n}" for n in self.notes]
        return eff + "\n\n" + cls + ("\n" + "\n".join(tail) if tail else "")


def reassess_parameters(
    fits: Sequence[FitResult],
    specs: Sequence[Specification],
    *,
    setpoint: Mapping[str, float] | None = None,
    factors: Sequence[FactorSpec] | None = None,
    alpha: float = 0.05,
    relevant: float = 10.0,
    high_risk: float = 25.0,
) -> CppAssessment:
    """Effects of every factor on every specified response, and each factor's class.

    ``factors``: every studied factor (e.g. :attr:`Analysis.factors`), so that a factor
    dropped from every reduced model is still assessed (effect 0 → not significant).
    """
    from qbdkit.core.risk import classify_parameter

    by_resp = {f.response: f for f in fits}
    unknown = [s.response for s in specs if s.response not in by_resp]
    if unknown:
        raise QbdInputError("specification on a response that was not analysed", column=unknown[0],
                            expected="one of " + ", ".join(by_resp), found=unknown[0])
    studied: dict[str, Any] = {f.name: f for f in factors or ()}
    for f in fits:
        for spec in f.factors:
            studied.setdefault(spec.name, spec)
    sp = dict(setpoint or {})
    base: dict[str, Any] = {}
    for name, spec in studied.items():
        if spec.type == "categorical":
            base[name] = sp.get(name, spec.levels[0] if spec.levels else "")
        else:
            base[name] = float(sp.get(name, spec.center))
    effects: list[ParameterEffect] = []
    for name, spec in studied.items():
        for s in specs:
            fit = by_resp[s.response]
            if name not in {fs.name for fs in fit.factors}:
                lo, hi = (float("nan"), float("nan")) if spec.type == "categorical" else (
                    float(spec.low), float(spec.high))
                effects.append(ParameterEffect(name, s.response, s.kind, lo, hi, 0.0, 0.0, None, None,
                                               False, False, False))
                continue
            if spec.type == "categorical":
                grid = pd.DataFrame([{**base, name: lv} for lv in spec.levels])
                lo, hi = float("nan"), float("nan")
            else:
                xs = np.linspace(spec.low, spec.high, 41)
                grid = pd.DataFrame([{**base, name: x} for x in xs])
                lo, hi = float(spec.low), float(spec.high)
            pred = fit.predict(grid)["mean"].to_numpy()
            effect = float(np.nanmax(pred) - np.nanmin(pred))
            at_sp = float(fit.predict(pd.DataFrame([base]))["mean"].iloc[0])
            if s.lower is not None and s.upper is not None:
                width = s.upper - s.lower
            else:
                limit = s.lower if s.lower is not None else s.upper
                width = abs(limit - at_sp)  # type: ignore[operator]
            pct = 100 * effect / width if width > 0 else None
            crosses = bool((s.lower is not None and np.nanmin(pred) < s.lower)
                           or (s.upper is not None and np.nanmax(pred) > s.upper))
            f, _df, p = fit.factor_test(name)
            sig = p is not None and p < alpha
            affects = bool(sig and ((pct is not None and pct >= relevant) or crosses))
            effects.append(ParameterEffect(name, s.response, s.kind, lo, hi, effect, pct, f, p, sig,
                                           crosses, affects))
    classes = []
    for name in studied:
        mine = [e for e in effects if e.parameter == name]
        cqa = [e for e in mine if e.kind == "cqa" and e.affects]
        perf = [e for e in mine if e.kind == "performance" and e.affects]

        def risk(items: list[ParameterEffect]) -> str | None:
            if not items:
                return None
            big = any(e.crosses_limit or (e.percent_of_spec or 0) >= high_risk for e in items)
            return "high" if big else "low"

        evidence = "; ".join(
            f"{e.response}: not in the model" if e.f is None and e.effect == 0 else
            f"{e.response}: effect {e.effect:.3g} over {e.low:g}–{e.high:g} = "
            f"{'–' if e.percent_of_spec is None else format(e.percent_of_spec, '.3g')} % of spec, "
            f"p = {'–' if e.p is None else format(e.p, '.2g')}"
            + (", crosses a limit" if e.crosses_limit else "")
            for e in mine)
        classes.append(classify_parameter(name, affects_cqa=bool(cqa), cqa_risk=risk(cqa),
                                          affects_performance=bool(perf), performance_risk=risk(perf),
                                          evidence=evidence))
    return CppAssessment(tuple(effects), tuple(classes), alpha, relevant, high_risk, base)
