"""Model comparison and stepwise selection for one response.

:func:`compare_models` fits candidate models side by side: number of coefficients,
R², adjusted R², Q² and PRESS, RMSE, AICc, BIC and the lack-of-fit p-value (when there
is pure error). :func:`stepwise` selects terms forward, backward or mixed, by p-value
or by AICc, keeping the model hierarchical (a term enters only with every term it
contains, and leaves only when no remaining term contains it; Peixoto 1987).

Information criteria (as JMP, *Fitting Linear Models*, "Likelihood, AICc, and BIC"),
with ``k = p + 1`` estimated parameters (p coefficients and σ) and the Gaussian
log-likelihood at the maximum ``log L = −n/2·(ln(2π·SSE/n) + 1)``:
``AICc = −2 log L + 2k + 2k(k + 1)/(n − k − 1)`` and ``BIC = −2 log L + k ln n``
(Hurvich & Tsai 1989, Biometrika 76:297; Schwarz 1978). Smaller is better.

Stepwise by p: a term enters when its p-value in the larger model is below
``alpha_enter`` (the smallest first) and leaves when its p-value is above
``alpha_remove`` (the largest first); by AICc: the step that lowers AICc most, while one
does. ``mixed`` alternates a forward step with backward steps (Efroymson 1960).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from qbdkit.core.doe.analysis.fit import KEYWORD_MODELS, FactorSpec, FitResult, fit_response
from qbdkit.core.result import Result, format_table
from qbdkit.errors import QbdInputError


def information_criteria(sse: float, n: int, p: int) -> tuple[float, float]:
    """``(AICc, BIC)`` of a least-squares fit with ``p`` coefficients (module docstring);
    NaN where undefined (exact fit, or n − k − 1 ≤ 0 for AICc)."""
    k = p + 1
    if sse <= 0 or n <= 0:
        return math.nan, math.nan
    m2ll = n * (math.log(2 * math.pi * sse / n) + 1)
    aicc = m2ll + 2 * k + 2 * k * (k + 1) / (n - k - 1) if n - k - 1 > 0 else math.nan
    return aicc, m2ll + k * math.log(n)


@dataclass(frozen=True)
class ModelRow(Result):
    """One candidate model's fit statistics."""

    model: str
    formula: str
    n_coefficients: int
    n: int
    df_resid: int
    r2: float
    r2_adj: float | None
    q2: float | None
    press: float | None
    rmse: float
    aicc: float
    bic: float
    lack_of_fit_p: float | None


@dataclass(frozen=True)
class ModelComparison(Result):
    """Candidate models side by side; ``best_aicc`` names the one with the smallest AICc."""

    _frame_field = "rows"

    response: str
    rows: list[ModelRow]
    best_aicc: str | None

    def summary(self) -> str:
        return f"Model comparison for {self.response}\n" + format_table(
            ["model", "p", "R²", "R²adj", "Q²", "PRESS", "RMSE", "AICc", "BIC", "LOF p"],
            [[r.model, r.n_coefficients, r.r2, r.r2_adj, r.q2, r.press, r.rmse, r.aicc, r.bic,
              r.lack_of_fit_p] for r in self.rows]) + (
            f"\nsmallest AICc: {self.best_aicc}" if self.best_aicc else "")


def model_row(fit: FitResult, label: str | None = None) -> ModelRow:
    sse = float(sum(float(v) ** 2 for v in fit.resid))
    aicc, bic = information_criteria(sse, fit.nobs, len(fit.terms))
    return ModelRow(model=label or fit.model, formula=fit.formula, n_coefficients=len(fit.terms),
                    n=fit.nobs, df_resid=fit.df_resid, r2=fit.r2, r2_adj=fit.r2_adj, q2=fit.q2,
                    press=fit.press, rmse=fit.rmse, aicc=aicc, bic=bic,
                    lack_of_fit_p=None if fit.lack_of_fit is None else fit.lack_of_fit.p)


def compare_models(data: pd.DataFrame, response: str, models: Sequence[str], *,
                   factors: Sequence[FactorSpec | str] | None = None, coding: str = "coded",
                   block: str | None = None, file: str | None = None) -> ModelComparison:
    """Fit each of ``models`` (keywords or formulas, as :func:`fit_response`) and tabulate."""
    if not models:
        raise QbdInputError("no models to compare", column="models",
                            expected="two or more models (linear, interaction, quadratic, formulas)")
    rows = [model_row(fit_response(data, response, m, coding=coding, factors=factors, block=block,
                                   file=file), m) for m in models]
    finite = [r for r in rows if not math.isnan(r.aicc)]
    best = min(finite, key=lambda r: r.aicc).model if finite else None
    return ModelComparison(response=response, rows=rows, best_aicc=best)


# ----------------------------------------------------------------------------- stepwise
_NAME = re.compile(r"`([^`]*)`")


def _mono(term: str) -> dict[str, int]:
    names = _NAME.findall(term)
    power = 2 if "**2" in term.replace(" ", "") else 1
    out: dict[str, int] = {}
    for v in names:
        out[v] = out.get(v, 0) + power
    return out


def _contains(big: str, small: str) -> bool:
    b, s = _mono(big), _mono(small)
    return b != s and all(b.get(v, 0) >= k for v, k in s.items())


@dataclass(frozen=True)
class StepwiseResult(Result):
    """The selected model and each step taken (``{"action", "term", "p", "aicc"}``)."""

    response: str
    direction: str
    criterion: str
    terms: list[str]
    formula: str
    steps: list[dict[str, Any]] = field(default_factory=list)
    final: ModelRow | None = None

    _frame_field = "steps"

    def summary(self) -> str:
        lines = [f"Stepwise ({self.direction}, by {self.criterion}) for {self.response}: "
                 f"{self.formula}"]
        lines += [f"  {s['action']} {s['term']} (p = {s['p']:.4g}, AICc = {s['aicc']:.5g})"
                  for s in self.steps]
        return "\n".join(lines)


def stepwise(data: pd.DataFrame, response: str, *, scope: str = "quadratic",
             factors: Sequence[FactorSpec | str] | None = None, direction: str = "backward",
             criterion: str = "p", alpha_enter: float = 0.05, alpha_remove: float = 0.10,
             coding: str = "coded", max_steps: int = 200) -> StepwiseResult:
    """Hierarchical stepwise selection within the keyword model ``scope`` (module docstring)."""
    if direction not in ("forward", "backward", "mixed"):
        raise QbdInputError("unknown direction", column="direction",
                            expected="forward, backward or mixed", found=direction)
    if criterion not in ("p", "aicc"):
        raise QbdInputError("unknown criterion", column="criterion", expected="p or aicc",
                            found=criterion)
    if scope not in KEYWORD_MODELS:
        raise QbdInputError("unknown scope", column="scope", expected=", ".join(KEYWORD_MODELS),
                            found=scope)
    full = fit_response(data, response, scope, coding=coding, factors=factors)
    specs = list(full.factors)
    all_terms = [t.strip() for t in full.quoted_rhs().split("+")]

    def fit_of(terms: list[str]) -> FitResult:
        rhs = " + ".join(terms) if terms else "1"
        return fit_response(data, response, "~ " + rhs, coding=coding, factors=specs)

    def score(fit: FitResult) -> float:
        return model_row(fit).aicc

    def p_of(fit: FitResult, term: str) -> float:
        label = term.replace("`", "").replace("**", " ** ")
        for r in fit.anova:
            if r.source == label:
                return math.nan if r.p is None else r.p
        return math.nan

    current = list(all_terms) if direction == "backward" else []
    fit = fit_of(current)
    steps: list[dict[str, Any]] = []

    def forward() -> bool:
        nonlocal fit, current
        cands = [t for t in all_terms if t not in current
                 and all(s in current for s in all_terms if _contains(t, s))]
        best = None
        for t in cands:
            try:
                f = fit_of([*current, t])
            except QbdInputError:
                continue
            val = p_of(f, t) if criterion == "p" else score(f)
            if best is None or val < best[0]:
                best = (val, t, f)
        if best is None:
            return False
        val, t, f = best
        ok = val < alpha_enter if criterion == "p" else val < score(fit)
        if not ok:
            return False
        current, fit = [*current, t], f
        steps.append({"action": "enter", "term": t.replace("`", ""), "p": p_of(f, t),
                      "aicc": score(f)})
        return True

    def backward() -> bool:
        nonlocal fit, current
        cands = [t for t in current if not any(_contains(u, t) for u in current)]
        best = None
        for t in cands:
            if criterion == "p":
                val = p_of(fit, t)
                if best is None or val > best[0]:
                    best = (val, t, None)
            else:
                f = fit_of([u for u in current if u != t])
                val = score(f)
                if best is None or val < best[0]:
                    best = (val, t, f)
        if best is None:
            return False
        val, t, f = best
        ok = val > alpha_remove if criterion == "p" else val < score(fit)
        if not ok:
            return False
        p_before = p_of(fit, t)
        current = [u for u in current if u != t]
        fit = f if f is not None else fit_of(current)
        steps.append({"action": "remove", "term": t.replace("`", ""), "p": p_before,
                      "aicc": score(fit)})
        return True

    for _ in range(max_steps):
        if direction == "backward":
            if not backward():
                break
        elif direction == "forward":
            if not forward():
                break
        else:
            moved = forward()
            while backward():
                moved = True
            if not moved:
                break
    return StepwiseResult(response=response, direction=direction, criterion=criterion,
                          terms=[t.replace("`", "") for t in current], formula=fit.formula,
                          steps=steps, final=model_row(fit, "selected"))


@dataclass(frozen=True)
class ModelSelection(Result):
    """``qbdkit doe compare``: the candidate models side by side and/or a stepwise selection."""

    response: str
    comparison: ModelComparison | None = None
    stepwise: StepwiseResult | None = None
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        parts = [x.summary() for x in (self.comparison, self.stepwise) if x is not None]
        if self.stepwise is not None and self.stepwise.final is not None:
            f = self.stepwise.final
            parts.append(f"selected model: R² = {f.r2:.4g}, R²adj = {_g(f.r2_adj)}, "
                         f"Q² = {_g(f.q2)}, AICc = {_g(f.aicc)}, BIC = {_g(f.bic)}")
        parts += [f"note: {n}" for n in self.notes]
        return "\n\n".join(parts)


def _g(v: float | None) -> str:
    return "–" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.4g}"


__all__ = ["ModelComparison", "ModelRow", "ModelSelection", "StepwiseResult", "compare_models",
           "information_criteria", "model_row", "stepwise"]
