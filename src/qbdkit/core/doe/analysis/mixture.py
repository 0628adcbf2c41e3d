"""Scheffé mixture models fitted by least squares (statsmodels OLS), with their ANOVA.

A Scheffé polynomial has no intercept: Σ xᵢ = 1 carries it (Cornell, *Experiments with
Mixtures*, 3rd ed., 2002, §2.3-2.10). Fitted with ``statsmodels.OLS(y, X, hasconst=True)`` so
that statsmodels treats the model as containing the constant implicitly: the ANOVA is then the
mixture ANOVA of Cornell §2.7 / Montgomery, *Design and Analysis of Experiments*, §11.6:

- regression (model) SS = Σ (ŷ − ȳ)² on p − 1 df (p = number of Scheffé terms),
- residual SS = Σ (y − ŷ)² on n − p df, split into lack of fit (m − p df, m distinct blends) and
  pure error (n − m df) when blends are replicated,
- total SS = Σ (y − ȳ)² on n − 1 df; R² = 1 − SSE/SST, adjusted R² = 1 − (SSE/(n−p))/(SST/(n−1)).

The t-tests of the linear blending coefficients βᵢ test βᵢ = 0, which is rarely of interest (the
pure-component response is not zero); the result says so. Blends are taken as fractions of the
total (``total`` = 1 or 100 …); a row whose components do not add to the total (within 0.5 %)
is refused with the row named.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from qbdkit.core.doe.design.mixture import (
    ROW_TOL,
    check_mixture_rows,
    normalise_model,
    scheffe_matrix,
    scheffe_terms,
    term_names,
)
from qbdkit.core.result import Result, format_table
from qbdkit.errors import Problem, QbdInputError


@dataclass(frozen=True)
class MixtureTerm(Result):
    term: str
    coef: float
    se: float | None
    t: float | None
    p: float | None


@dataclass(frozen=True)
class MixtureAnovaRow(Result):
    source: str
    df: int
    ss: float
    ms: float | None
    f: float | None
    p: float | None


@dataclass(frozen=True)
class MixtureFit(Result):
    """A Scheffé model fitted to one response."""

    response: str
    model: str
    components: list[str]
    total: float
    pseudo: bool
    nobs: int
    coefficients: list[MixtureTerm]
    anova: list[MixtureAnovaRow]
    r2: float | None
    r2_adj: float | None
    rmse: float | None
    df_resid: int
    fitted: list[float]
    residuals: list[float]
    equation: str
    notes: list[str] = field(default_factory=list)
    x_values: list[list[float]] = field(default_factory=list)
    """The blends fitted (proportions, or L-pseudocomponents), one row per run."""

    _frame_field = "coefficients"

    def summary(self) -> str:
        lines = [f"{self.response}: Scheffé {self.model} mixture model on {self.nobs} runs "
                 f"({'L-pseudocomponents' if self.pseudo else 'proportions of ' + format(self.total, 'g')})",
                 f"  {self.equation}",
                 f"  R² = {_f(self.r2)}  adjusted R² = {_f(self.r2_adj)}  RMSE = {_f(self.rmse)}  "
                 f"residual df = {self.df_resid}"]
        lines += [f"  note: {n}" for n in self.notes]
        lines.append(format_table(["term", "coefficient", "SE", "t", "p"],
                                  [[c.term, c.coef, c.se, c.t, c.p] for c in self.coefficients]))
        lines.append(format_table(["source", "df", "SS", "MS", "F", "p"],
                                  [[a.source, a.df, a.ss, a.ms, a.f, a.p] for a in self.anova]))
        return "\n".join(lines)


@dataclass(frozen=True)
class MixtureAnalysis(Result):
    """Scheffé fits of one or more responses from a run sheet."""

    file: str
    components: list[str]
    total: float
    model: str
    fits: list[MixtureFit]
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        lines = [f"Mixture analysis of {self.file}: components {', '.join(self.components)} "
                 f"(total {self.total:g}), Scheffé {self.model} model"]
        lines += [f"  note: {n}" for n in self.notes]
        for f in self.fits:
            lines.append(f.summary())
        return "\n".join(lines)


def _f(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.4g}"


def _num(v: float) -> float | None:
    v = float(v)
    return v if np.isfinite(v) else None


def fit_scheffe(x: np.ndarray, y: np.ndarray, names: Sequence[str], model: str = "quadratic", *,
                response: str = "y", total: float = 1.0, pseudo: bool = False) -> MixtureFit:
    """Fit a Scheffé model to proportions ``x`` (n × q, rows adding to 1) and response ``y``."""
    import statsmodels.api as sm
    from scipy import stats

    model = _model(model, None)
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    xm = scheffe_matrix(x, model)
    n, p = xm.shape
    labels = term_names(list(names), model)
    if n <= p or np.linalg.matrix_rank(xm) < p:
        raise QbdInputError(f"the Scheffé {model} model ({p} terms) cannot be estimated from these "
                            f"{n} runs", column=response,
                            expected=f"more than {p} runs on at least {p} distinct blends",
                            found=f"{n} runs, rank {np.linalg.matrix_rank(xm)}")
    if np.ptp(y) == 0:
        raise QbdInputError("the response is constant: nothing to model", column=response,
                            expected="varying values", found=f"{y[0]:g} in every run")
    res = sm.OLS(y, xm, hasconst=True).fit()
    sse, sst = float(res.ssr), float(res.centered_tss)
    df_res = n - p
    mse = sse / df_res
    notes = ["t-tests of the linear blending coefficients test βᵢ = 0, rarely of interest"]
    anova = [MixtureAnovaRow("model", p - 1, sst - sse, (sst - sse) / (p - 1), _num(res.fvalue),
                             _num(res.f_pvalue)),
             MixtureAnovaRow("residual", df_res, sse, mse, None, None)]
    # lack of fit against pure error from replicated blends
    keys = pd.Series([",".join(f"{v:.9f}" for v in r) for r in x])
    groups = pd.Series(y).groupby(keys)
    m = groups.ngroups
    if n - m > 0 and m - p > 0:
        pe = float(((pd.Series(y) - groups.transform("mean")) ** 2).sum())
        lof = sse - pe
        df_pe, df_lof = n - m, m - p
        f_lof = (lof / df_lof) / (pe / df_pe) if pe > 0 else None
        anova += [MixtureAnovaRow("lack of fit", df_lof, lof, lof / df_lof, f_lof,
                                  None if f_lof is None else float(stats.f.sf(f_lof, df_lof, df_pe))),
                  MixtureAnovaRow("pure error", df_pe, pe, pe / df_pe, None, None)]
    elif n - m > 0:
        notes.append(f"the model has as many terms as distinct blends ({m}): the residual is pure "
                     "error and lack of fit cannot be tested")
    anova.append(MixtureAnovaRow("total", n - 1, sst, None, None, None))
    coefs = [MixtureTerm(lab, float(b), _num(se), _num(t), _num(pv)) for lab, b, se, t, pv in
             zip(labels, res.params, res.bse, res.tvalues, res.pvalues, strict=True)]
    eq = f"{response} = " + " ".join(f"{'+' if c.coef >= 0 else '−'} {abs(c.coef):.4g}·{c.term}"
                                     for c in coefs).lstrip("+ ")
    return MixtureFit(response=response, model=model, components=list(names), total=float(total),
                      pseudo=pseudo, nobs=n, coefficients=coefs, anova=anova,
                      r2=_num(res.rsquared), r2_adj=_num(res.rsquared_adj), rmse=_num(np.sqrt(mse)),
                      df_resid=df_res, fitted=[float(v) for v in res.fittedvalues],
                      residuals=[float(v) for v in res.resid], equation=eq, notes=notes,
                      x_values=[[float(v) for v in r] for r in x])


def analyze_mixture(frame: pd.DataFrame, components: Sequence[str], responses: Sequence[str],
                    model: str = "quadratic", *, total: float = 1.0, low: Sequence[float] | None = None,
                    pseudo: bool = False, file: str | None = None,
                    rows: Sequence[int] | None = None) -> MixtureAnalysis:
    """Fit the Scheffé ``model`` to each response of a run-sheet frame.

    ``rows`` are the file's row numbers of the frame's rows (for messages); ``low`` the lower
    bounds (actual units) for L-pseudocomponents when ``pseudo``.
    """
    model = _model(model, file)
    comps = list(components)
    missing = [c for c in [*comps, *responses] if c not in frame.columns]
    if missing:
        raise QbdInputError("column not in the run sheet", file=file, column=missing[0],
                            expected=", ".join(map(str, frame.columns)), found=missing[0])
    if len(comps) < 2:
        raise QbdInputError("a mixture needs at least two components", file=file, column="--factors",
                            expected="two or more component columns", found=", ".join(comps))
    rows = list(rows) if rows is not None else list(range(2, len(frame) + 2))
    values = _numbers(frame, comps, file, rows)
    check_mixture_rows(values, comps, total, file=file, rows=rows)
    notes: list[str] = []
    sums = values.sum(axis=1)
    if np.any(np.abs(sums - total) > 1e-9 * total):
        notes.append(f"rows whose components add to within {ROW_TOL:.1%} of {total:g} were rescaled "
                     "to add to it exactly")
    x = values / sums[:, None]
    if pseudo:
        lo = np.zeros(len(comps)) if low is None else np.asarray(low, dtype=float) / total
        scale = 1 - lo.sum()
        x = (x - lo) / scale
        notes.append(f"fitted in L-pseudocomponents z = (x − L)/(1 − ΣL), 1 − ΣL = {scale:g}")
    fits = []
    for resp in responses:
        col = frame[resp]
        keep = ~col.map(lambda v: v is None or (isinstance(v, str) and not v.strip())
                        or (isinstance(v, float) and np.isnan(v))).to_numpy()
        y = _numbers(frame.loc[keep], [resp], file, [r for r, k in zip(rows, keep, strict=True) if k])[:, 0]
        fit = fit_scheffe(x[keep], y, comps, model, response=resp, total=total, pseudo=pseudo)
        if (~keep).any():
            dropped = [r for r, k in zip(rows, keep, strict=True) if not k]
            fit.notes.append(f"{len(dropped)} row(s) without a value dropped (rows "
                             f"{', '.join(map(str, dropped))})")
        fits.append(fit)
    return MixtureAnalysis(file=file or "", components=comps, total=float(total), model=model,
                           fits=fits, notes=notes)


def _model(model: str, file: str | None) -> str:
    from qbdkit.core.doe.design.classical import DesignError

    try:
        return normalise_model(model)
    except DesignError as exc:
        raise QbdInputError(str(exc), file=file, column="--model",
                            expected="scheffe-linear | scheffe-quadratic | scheffe-special-cubic | "
                                     "scheffe-cubic", found=str(model)) from None


def _numbers(frame: pd.DataFrame, cols: Sequence[str], file: str | None, rows: Sequence[int]) -> np.ndarray:
    out = np.empty((len(frame), len(cols)))
    problems = []
    for j, c in enumerate(cols):
        for i, v in enumerate(frame[c].tolist()):
            try:
                f = float(str(v).strip()) if isinstance(v, str) else float(v)
            except (TypeError, ValueError):
                f = float("nan")
            if not np.isfinite(f):
                problems.append(Problem("not a number", file=file, row=rows[i], column=c,
                                        expected="a number", found=str(v)))
            out[i, j] = f
    if problems:
        raise QbdInputError(problems=problems[:5])
    return out


__all__ = ["MixtureAnalysis", "MixtureFit", "analyze_mixture", "fit_scheffe", "scheffe_terms"]
