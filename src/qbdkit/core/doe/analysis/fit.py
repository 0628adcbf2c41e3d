"""Response-surface model fitting for DoE results: coefficients, ANOVA, fit statistics, diagnostics.

API (for DESIGN SPACE, optimization and reports)
------------------------------------------------
``fit_response(data, response, model="quadratic", *, coding="coded", factors=None,
anova_type="III", transform=None, file=None, rows=None, block=None) -> FitResult``

* ``data``: a DataFrame with the user's column names (actual units).
* ``model``: ``"linear"`` | ``"interaction"`` | ``"quadratic"`` (built over
  ``factors``) or any patsy formula written with the user's names
  (``"yield ~ A + B + A:B + I(A**2)"``, ``"y ~ x - 1"``; a formula without a left
  side, ``"~ A + B"``, is applied to ``response``).
* ``coding``: ``"coded"`` maps each numeric factor to −1…+1 with
  ``(x − centre) / half-range`` from its :class:`FactorSpec` (or the column's
  min/max); ``"actual"`` uses the values as they are.
* ``factors``: ``list[FactorSpec]`` or names; required by the keyword models
  (default: every other column).

:class:`FitResult` (frozen) exposes ``response``, ``formula`` (user names),
``terms`` (coefficient names, user names, in column order), ``params``, ``bse``,
``tvalues``, ``pvalues``, ``vif``, ``cov_params`` (σ²(XᵀX)⁻¹),
``normalized_cov_params`` ((XᵀX)⁻¹), ``sigma``, ``df_resid``, ``nobs``,
``resid``, ``fitted``, ``r2``, ``r2_adj``, ``q2``, ``rmse``, ``press``,
``anova`` (rows), ``anova_type``, ``lack_of_fit``, ``diagnostics``,
``effects`` (Lenth, unreplicated two-level designs), ``boxcox`` (suggestion),
``transform`` (λ of the fitted power transform, ``None`` = none, 0 = log),
``factors`` (the :class:`FactorSpec` of every variable in the model, with the
coding used), ``dropped_rows``; and

* ``design_matrix(new) -> np.ndarray`` — model matrix (float64, coded as in the
  fit) for new settings given in ACTUAL units with the user's column names;
* ``predict(new, interval=None|"confidence"|"prediction", alpha=0.05,
  scale="response") -> DataFrame`` with ``mean``, ``se``, ``lower``, ``upper``
  (a transformed fit is back-transformed unless ``scale="model"``);
* ``factor_test(name) -> (F, df, p)`` joint test of every term with that factor;
  ``quoted_rhs()`` the model's right side, re-parseable; ``block_columns()``;
  ``to_statsmodels()`` an ``OLSResults`` around these estimates.

``reduce_model(fit, data, alpha=0.05) -> FitResult`` (hierarchical backward
elimination; Lenth selection first for saturated two-level fits).

Formulas and sources
--------------------
OLS estimates, ``se(b) = √(s²·diag (XᵀX)⁻¹)``, ``t = b/se``, two-sided p from
Student t with n − p df; R² = 1 − SSE/SST (SST about the mean; about zero for a
model without intercept, as NIST StRD certifies); R²adj = 1 − (1 − R²)(n − k)/(n − p)
with k = 1 with an intercept, else 0; PRESS = Σ (eᵢ/(1 − hᵢᵢ))², Q² = 1 − PRESS/SST
(Montgomery, *Design and Analysis of Experiments*, 8th ed., §10.7 / Myers,
Montgomery & Anderson-Cook, *Response Surface Methodology*, §2.7). VIF_j =
[(XᵀX)⁻¹]_jj · Σ (x_ij − x̄_j)² (the partitioned-inverse form of 1/(1 − R²_j)).
ANOVA: type I sums of squares are the squared entries of Qᵀy per term; type III
(default, as JMP's effect tests and Design-Expert) is SSE(without term) − SSE(full)
= b_Tᵀ[(XᵀX)⁻¹]_TT⁻¹b_T;
type II is SSE(without the term and terms containing it) − SSE(without terms
containing it) (Fox, *Applied Regression Analysis*, 3rd ed., §8.2.5), where — as in
response-surface practice and unlike R's car::Anova or statsmodels, which see
``I(A**2)`` as an unrelated variable — ``A:B`` and ``I(A**2)`` both contain ``A``. Lack of fit:
pure error from runs with identical settings of the model's variables,
F = (SS_LOF/df_LOF)/(SS_PE/df_PE) (Montgomery §10.7). Diagnostics
(Cook & Weisberg, *Residuals and Influence in Regression*, 1982): internally
studentized rᵢ = eᵢ/(s√(1−hᵢᵢ)); externally studentized tᵢ = rᵢ√((ν−1)/(ν−rᵢ²));
Cook's Dᵢ = rᵢ² hᵢᵢ / (p (1 − hᵢᵢ)); outlier when |tᵢ| exceeds the Bonferroni
t(1 − 0.05/(2n), ν − 1); high leverage when hᵢᵢ > 2p/n; influential when
Dᵢ > F(0.5; p, ν); DFFITSᵢ = tᵢ√(hᵢᵢ/(1 − hᵢᵢ)), large when > 2√(p/n) (Belsley, Kuh &
Welsch 1980); :func:`influence_table` lists the flagged runs. Normal-probability positions (i − 3/8)/(n + 1/4) (Blom).

Degenerate fits (issue 17): a constant response is refused (nothing to model). An
*exact fit* — residual SS ≤ 10⁻²⁰·SST, e.g. noise-free data or NIST Wampler1 — is
said in ``notes``; σ, standard errors, t, F and p are then undefined and given as NaN
(``None`` in JSON), never ±inf / 0, so no effect, least of all a zero one, is called
significant. ``notes`` also carries: squares asked of a factor with two levels (an
error: "squares cannot be estimated from two levels — use interaction"); a two-level
(screening) fit with ≤ 3 residual df (p-values rest on a poor error estimate: check the
half-normal plot); the Box–Cox caveat with < 10 residual df; numbers written with a
single thousands group (``1,234``) far above the rest of their column.

Why the solve is not statsmodels' own: see :mod:`.lstsq` (extended-precision
QR; statsmodels' pinv loses the NIST Filip and Wampler sets). Everything else
is the textbook formula on that one factorization, computed here so that each
number has one source.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import patsy
from scipy import stats

from qbdkit.core.doe.analysis.lstsq import LD, LeastSquares, least_squares
from qbdkit.core.doe.analysis.names import NameMap
from qbdkit.core.numbers import parse_number
from qbdkit.core.result import Result, format_table, to_jsonable
from qbdkit.errors import Problem, QbdInputError

KEYWORD_MODELS = ("linear", "interaction", "quadratic")
#: patsy must never drop rows on its own: blanks are checked (and reported) before it runs
_KEEP_ALL = patsy.NAAction(NA_types=[])
ANOVA_TYPES = ("I", "II", "III")
#: columns of a run sheet that are bookkeeping, never factors (contract C)
BOOKKEEPING = ("run", "std_order", "stdorder", "block", "run_order", "runorder", "treatment",
               "pattern", "blocks", "序号", "运行", "运行顺序", "标准序", "标准顺序", "试验号",
               "实验号", "编号", "区组")


@dataclass(frozen=True)
class FactorSpec(Result):
    """A factor: numeric (coded with ``low``/``high``) or categorical (``levels``)."""

    name: str
    type: str = "numeric"
    low: float | None = None
    high: float | None = None
    unit: str = ""
    levels: tuple[str, ...] = ()

    @property
    def center(self) -> float:
        return (float(self.low) + float(self.high)) / 2  # type: ignore[arg-type]

    @property
    def half_range(self) -> float:
        return (float(self.high) - float(self.low)) / 2  # type: ignore[arg-type]

    def code(self, x: Any) -> Any:
        """Actual → coded: (x − centre) / half-range."""
        return (x - self.center) / self.half_range

    def decode(self, c: Any) -> Any:
        """Coded → actual."""
        return c * self.half_range + self.center


@dataclass(frozen=True)
class AnovaRow(Result):
    source: str
    df: int
    ss: float
    ms: float | None
    f: float | None
    p: float | None


@dataclass(frozen=True)
class LackOfFit(Result):
    df_lack_of_fit: int
    ss_lack_of_fit: float
    df_pure_error: int
    ss_pure_error: float
    f: float | None
    p: float | None


@dataclass(frozen=True)
class Effects(Result):
    """Effects of an unreplicated two-level design (effect = 2 × coded coefficient).

    Lenth (1989), *Technometrics* 31:469–473: s0 = 1.5·median|cⱼ|; PSE =
    1.5·median{|cⱼ| : |cⱼ| < 2.5·s0}; margin of error ME = t(0.975; m/3)·PSE;
    simultaneous margin SME = t(γ; m/3)·PSE with γ = (1 + 0.95^{1/m})/2.
    Half-normal plot: |effects| sorted ascending against Φ⁻¹(0.5 + 0.5(i − 0.5)/m).
    """

    terms: tuple[str, ...]
    effects: tuple[float, ...]
    sum_of_squares: tuple[float, ...]
    percent_contribution: tuple[float, ...]
    s0: float
    pse: float
    me: float
    sme: float
    half_normal: tuple[dict, ...]


@dataclass(frozen=True)
class BoxCox(Result):
    """Box–Cox (1964) suggestion: profile likelihood L(λ) = −n/2·ln(SSE(λ)/n) of the
    model fitted to the scaled transform (y^λ − 1)/(λ ẏ^{λ−1}) (ẏ ln y at λ = 0,
    ẏ the geometric mean); 95 % interval {λ : 2(L(λ̂) − L(λ)) ≤ χ²₁(0.95)}
    (Montgomery §15.1.1). ``suggested`` is the one of −2, −1, −0.5, 0, 0.5,
    1, 2 inside the interval closest to λ̂ (1 inside → no transform)."""

    lambda_hat: float
    lower: float
    upper: float
    suggested: float
    name: str
    caveat: str = ""


@dataclass(frozen=True)
class _ModelSpec:
    """What is needed to rebuild the model matrix for new settings."""

    names: NameMap
    safe_rhs: str
    design_info: Any
    variables: tuple[str, ...]          # user names of the variables in the model
    numeric: dict[str, FactorSpec]      # coded/actual specs of numeric variables
    categorical: dict[str, tuple[str, ...]]
    coding: str
    response: str
    block: str | None = None


@dataclass(frozen=True, eq=False)
class FitResult(Result):
    """One fitted response model (see module docstring)."""

    response: str
    formula: str
    model: str
    coding: str
    terms: tuple[str, ...]
    params: np.ndarray
    bse: np.ndarray
    tvalues: np.ndarray
    pvalues: np.ndarray
    vif: np.ndarray
    cov_params: np.ndarray
    normalized_cov_params: np.ndarray
    sigma: float
    df_resid: int
    nobs: int
    resid: np.ndarray
    fitted: np.ndarray
    r2: float
    r2_adj: float | None
    q2: float | None
    press: float | None
    rmse: float
    has_intercept: bool
    anova: tuple[AnovaRow, ...]
    anova_type: str
    lack_of_fit: LackOfFit | None
    diagnostics: pd.DataFrame
    effects: Effects | None
    boxcox: BoxCox | None
    transform: float | None
    factors: tuple[FactorSpec, ...]
    model_terms: tuple[str, ...]
    dropped_rows: tuple[int, ...]
    _spec: _ModelSpec | None = field(repr=False)
    _x: np.ndarray = field(repr=False, default_factory=lambda: np.zeros((0, 0)))
    _y: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0))
    notes: tuple[str, ...] = ()
    exact_fit: bool = False

    def to_statsmodels(self) -> Any:
        """The fit as a statsmodels ``OLSResults`` built around OUR estimates (params,
        (XᵀX)⁻¹, σ²), for its summary/plots/tests; statsmodels' own solve is not used."""
        import statsmodels.api as sm
        from statsmodels.regression.linear_model import OLSResults, RegressionResultsWrapper

        exog = pd.DataFrame(np.asarray(self._x, dtype=float), columns=list(self.terms))
        model = sm.OLS(pd.Series(np.asarray(self._y, dtype=float), name=self.response), exog)
        res = OLSResults(model, np.asarray(self.params), normalized_cov_params=self.normalized_cov_params,
                         scale=self.sigma ** 2)
        # statsmodels would re-derive σ² from its own double-precision residuals; keep ours
        # (quantities it computes from those residuals — ssr, R² — may still lose digits on
        # ill-conditioned models such as NIST Filip)
        res._cache["scale"] = self.sigma ** 2
        return RegressionResultsWrapper(res)

    def quoted_rhs(self) -> str:
        """The right-hand side of the model with every column name back-quoted (re-parseable)."""
        users = self._spec.names.user
        return _SAFE_RE.sub(lambda m: f"`{users[m.group(0)]}`", self._spec.safe_rhs)

    def factor_test(self, name: str) -> tuple[float | None, int, float | None]:
        """Joint partial F test of every term involving factor ``name``: (F, df, p).

        F = ((SSE_without − SSE) / q) / MSE, q = number of columns dropped
        (the extra-sum-of-squares principle; Montgomery §10.3.2).
        """
        spec = self._spec
        cols: list[int] = []
        for t in spec.design_info.terms:
            if name in _monomial(t, spec.names):
                sl = spec.design_info.term_name_slices[t.name()]
                cols += list(range(sl.start, sl.stop))
        if not cols or self.df_resid <= 0 or self.exact_fit:
            return None, len(cols), None
        sse_full = float(np.sum(np.asarray(self.resid, dtype=float) ** 2))
        b = self.params[cols]
        ss = float(b @ np.linalg.solve(self.normalized_cov_params[np.ix_(cols, cols)], b))
        mse = sse_full / self.df_resid
        if mse <= 0:
            return float("inf"), len(cols), 0.0
        f = (max(ss, 0.0) / len(cols)) / mse
        return f, len(cols), float(stats.f.sf(f, len(cols), self.df_resid))

    # -- new settings ---------------------------------------------------------------------
    def _frame(self, new: pd.DataFrame | dict) -> dict[str, np.ndarray]:
        spec = self._spec
        if spec is None:
            raise QbdInputError("a stored fit cannot predict", column="model",
                                expected="the fit re-run from its data", found="a stored result")
        new = pd.DataFrame(new)
        if spec.block is not None and spec.block not in new.columns:
            # no block given: predict for the average block (its sum-to-zero columns set to 0 by
            # design_matrix); any level serves to build the row
            new = new.assign(**{spec.block: spec.categorical[spec.block][0]})
        missing = [v for v in spec.variables if v not in new.columns]
        if missing:
            raise QbdInputError(
                problems=[Problem("missing factor column", column=m,
                                  expected="a value for every factor in the model",
                                  found=", ".join(map(str, new.columns))) for m in missing])
        out: dict[str, np.ndarray] = {}
        for v in spec.variables:
            safe = spec.names.safe[v]
            if v in spec.categorical:
                labels = [_label(x) for x in new[v].tolist()]
                unknown = [x for x in labels if x not in spec.categorical[v]]
                if unknown:
                    raise QbdInputError("unknown level", column=v,
                                        expected="one of " + ", ".join(spec.categorical[v]),
                                        found=unknown[0])
                out[safe] = np.asarray(labels, dtype=object)
            else:
                num = pd.to_numeric(new[v], errors="coerce")
                bad = [i for i, ok in enumerate(np.isfinite(np.asarray(num, dtype=float))) if not ok]
                if bad:
                    raise QbdInputError("setting is not a number", row=bad[0] + 1, column=v,
                                        expected="a number (actual units)",
                                        found=str(new[v].iloc[bad[0]]))
                x = np.asarray(num, dtype=LD)
                out[safe] = spec.numeric[v].code(x) if spec.coding == "coded" else x
        return out if out else pd.DataFrame(index=range(len(new)))  # type: ignore[return-value]

    def design_matrix(self, new: pd.DataFrame | dict, *, extended: bool = False) -> np.ndarray:
        """Model matrix for settings ``new`` (actual units, user column names)."""
        dtype = LD if extended else np.float64
        spec = self._spec
        given = pd.DataFrame(new)
        with np.errstate(all="ignore"):
            (m,) = patsy.build_design_matrices([spec.design_info], self._frame(given), dtype=dtype,
                                               NA_action=_KEEP_ALL)
        out = np.array(m)
        if spec.block is not None and spec.block not in given.columns:
            out[:, self.block_columns()] = 0
        return out

    def block_columns(self) -> list[int]:
        """Model-matrix columns of the block term (sum-to-zero coded), empty when unblocked."""
        spec = self._spec
        if spec.block is None:
            return []
        cols: list[int] = []
        for t in spec.design_info.terms:
            if spec.block in _monomial(t, spec.names):
                sl = spec.design_info.term_name_slices[t.name()]
                cols += list(range(sl.start, sl.stop))
        return cols

    def predict(self, new: pd.DataFrame | dict, interval: str | None = None, alpha: float = 0.05,
                scale: str = "response") -> pd.DataFrame:
        """Predicted mean with its standard error and (optionally) an interval.

        ``se`` is √(x₀ᵀ Cov(b) x₀) (confidence) or √(s² + x₀ᵀ Cov(b) x₀)
        (prediction); limits are mean ∓ t(1 − α/2; ν)·se (Montgomery §10.6).
        """
        if interval not in (None, "confidence", "prediction"):
            raise QbdInputError("unknown interval", column="interval",
                                expected="confidence or prediction", found=interval)
        x = self.design_matrix(new)
        mean = x @ self.params
        var = np.einsum("ij,jk,ik->i", x, self.cov_params, x)
        if interval == "prediction":
            var = var + self.sigma ** 2
        se = np.sqrt(np.maximum(var, 0))
        out = pd.DataFrame({"mean": mean, "se": se})
        if interval is not None:
            tq = stats.t.ppf(1 - alpha / 2, self.df_resid) if self.df_resid > 0 else np.nan
            out["lower"] = mean - tq * se
            out["upper"] = mean + tq * se
        if self.transform is not None and scale == "response":
            for c in ("mean", "lower", "upper"):
                if c in out:
                    out[c] = inverse_power(out[c].to_numpy(), self.transform)
            if interval is not None:
                lo = np.minimum(out["lower"], out["upper"])
                hi = np.maximum(out["lower"], out["upper"])
                out["lower"], out["upper"] = lo, hi
        return out

    # -- rendering ------------------------------------------------------------------------
    def term_rows(self) -> list[dict]:
        return [
            {"term": t, "coef": self.params[i], "se": self.bse[i], "t": self.tvalues[i],
             "p": self.pvalues[i], "vif": self.vif[i]}
            for i, t in enumerate(self.terms)
        ]

    def to_dict(self) -> dict[str, Any]:
        d = self.diagnostics
        return to_jsonable({
            "name": self.response,
            "formula": self.formula,
            "model": self.model,
            "coding": self.coding,
            "transform": self.transform,
            "terms": self.term_rows(),
            "anova_type": self.anova_type,
            "anova": [r.to_dict() for r in self.anova],
            "r2": self.r2,
            "r2_adj": self.r2_adj,
            "q2": self.q2,
            "press": self.press,
            "rmse": self.rmse,
            "residual_df": self.df_resid,
            "n": self.nobs,
            "dropped_rows": list(self.dropped_rows),
            "lack_of_fit": None if self.lack_of_fit is None else {
                "f": self.lack_of_fit.f, "p": self.lack_of_fit.p,
                "df": self.lack_of_fit.df_lack_of_fit, "ss": self.lack_of_fit.ss_lack_of_fit,
                "pure_error_df": self.lack_of_fit.df_pure_error,
                "pure_error_ss": self.lack_of_fit.ss_pure_error},
            "factors": [f.to_dict() for f in self.factors],
            "effects": None if self.effects is None else self.effects.to_dict(),
            "boxcox": None if self.boxcox is None else self.boxcox.to_dict(),
            "diagnostics": d.to_dict(orient="list"),
            "exact_fit": self.exact_fit,
            "notes": list(self.notes),
        })

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> FitResult:
        """A stored fit rebuilt from :meth:`to_dict` — every reported number, but *detached*:
        no model matrix, so ``predict``/``design_matrix`` need a refit (they raise)."""
        terms = d["terms"]
        num = lambda key: np.array([np.nan if r[key] is None else r[key] for r in terms],  # noqa: E731
                                   dtype=float)
        diag = pd.DataFrame(d.get("diagnostics") or {})
        lof = d.get("lack_of_fit")
        p = len(terms)
        nan = lambda v: math.nan if v is None else v  # noqa: E731
        return cls(
            response=d["name"], formula=d["formula"], model=d["model"], coding=d["coding"],
            terms=tuple(r["term"] for r in terms), params=num("coef"), bse=num("se"),
            tvalues=num("t"), pvalues=num("p"), vif=num("vif"),
            cov_params=np.full((p, p), np.nan), normalized_cov_params=np.full((p, p), np.nan),
            sigma=nan(d["rmse"]), df_resid=int(d["residual_df"]), nobs=int(d["n"]),
            resid=diag["residual"].to_numpy(float) if "residual" in diag else np.zeros(0),
            fitted=diag["fitted"].to_numpy(float) if "fitted" in diag else np.zeros(0),
            r2=nan(d["r2"]), r2_adj=d["r2_adj"], q2=d["q2"], press=d["press"], rmse=nan(d["rmse"]),
            has_intercept=any(r["term"] == "Intercept" for r in terms),
            anova=tuple(AnovaRow.from_dict(r) for r in d["anova"]), anova_type=d["anova_type"],
            lack_of_fit=None if lof is None else LackOfFit(
                lof["df"], lof["ss"], lof["pure_error_df"], lof["pure_error_ss"], lof["f"], lof["p"]),
            diagnostics=diag,
            effects=None if d.get("effects") is None else Effects.from_dict(d["effects"]),
            boxcox=None if d.get("boxcox") is None else BoxCox.from_dict(d["boxcox"]),
            transform=d.get("transform"),
            factors=tuple(FactorSpec.from_dict(f) for f in d.get("factors", [])),
            model_terms=tuple(r["term"] for r in terms if r["term"] != "Intercept"),
            dropped_rows=tuple(d.get("dropped_rows", [])), _spec=None,
            notes=tuple(d.get("notes", [])), exact_fit=bool(d.get("exact_fit", False)))

    def summary(self) -> str:
        head = (f"{self.response}: {self.formula}  ({self.coding} units, n = {self.nobs}"
                + (f", {len(self.dropped_rows)} rows with no response dropped" if self.dropped_rows else "")
                + ")")
        coef = format_table(["term", "coef", "se", "t", "p", "VIF"],
                            [[r["term"], r["coef"], r["se"], r["t"], r["p"], r["vif"]]
                             for r in self.term_rows()])
        anova = format_table(["source", "df", "SS", "MS", "F", "p"],
                             [[r.source, r.df, r.ss, r.ms, r.f, r.p] for r in self.anova])
        stats_line = (f"R² = {_f(self.r2)}  R²adj = {_f(self.r2_adj)}  Q² = {_f(self.q2)}  "
                      f"RMSE = {_f(self.rmse)}  residual df = {self.df_resid}")
        lines = [head, coef, f"ANOVA (type {self.anova_type} sums of squares)", anova, stats_line]
        if self.lack_of_fit is not None:
            lines.append(f"lack of fit: F = {_f(self.lack_of_fit.f)}, p = {_f(self.lack_of_fit.p)}")
        if self.effects is not None:
            e = self.effects
            lines.append(f"Lenth: PSE = {_f(e.pse)}, ME = {_f(e.me)}, SME = {_f(e.sme)} (effect scale)")
        if self.boxcox is not None:
            b = self.boxcox
            lines.append(f"Box–Cox: λ̂ = {_f(b.lambda_hat)} [{_f(b.lower)}, {_f(b.upper)}] → {b.name}"
                         + (f" ({b.caveat})" if b.caveat else ""))
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)


def _f(v: float | None) -> str:
    return "–" if v is None or (isinstance(v, float) and math.isnan(v)) else format(v, ".4g")


# -------------------------------------------------------------------------------------------
# transforms
def power_transform(y: np.ndarray, lam: float) -> np.ndarray:
    """y^λ (λ ≠ 0) or ln y (λ = 0)."""
    y = np.asarray(y, dtype=LD)
    return np.log(y) if lam == 0 else y ** LD(lam)


def inverse_power(t: np.ndarray, lam: float) -> np.ndarray:
    t = np.asarray(t, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.exp(t) if lam == 0 else np.power(t, 1.0 / lam)


def parse_transform(text: str | float | None) -> float | None:
    """``None``/"none" → None; "log"/"ln" → 0; "sqrt" → 0.5; "inverse" → −1; a number → λ."""
    if text is None:
        return None
    if isinstance(text, (int, float)):
        return float(text)
    t = str(text).strip().lower()
    named = {"none": None, "": None, "log": 0.0, "ln": 0.0, "sqrt": 0.5, "inverse": -1.0,
             "reciprocal": -1.0}
    if t in named:
        return named[t]
    try:
        return float(t)
    except ValueError:
        raise QbdInputError("unknown transform", column="transform",
                            expected="none, log, sqrt, inverse or a number λ", found=text) from None


# -------------------------------------------------------------------------------------------
# model building
def model_formula(model: str, response: str, factors: Sequence[FactorSpec]) -> str:
    """The formula (user names, backtick-quoted) of a keyword model over ``factors``."""
    if model not in KEYWORD_MODELS:
        raise QbdInputError("unknown model", column="model",
                            expected="linear, interaction, quadratic or a formula 'Y ~ …'", found=model)

    def q(f: FactorSpec) -> str:
        return f"C(`{f.name}`)" if f.type == "categorical" else f"`{f.name}`"

    terms = [q(f) for f in factors]
    if model in ("interaction", "quadratic"):
        terms += [f"{q(a)}:{q(b)}" for i, a in enumerate(factors) for b in factors[i + 1:]]
    if model == "quadratic":
        terms += [f"I(`{f.name}`**2)" for f in factors if f.type != "categorical"]
    return f"`{response}` ~ " + (" + ".join(terms) if terms else "1")


def _monomial(term: Any, names: NameMap) -> dict[str, int]:
    """Variables (user names) of a patsy term with their powers (``I(x**2)`` → {x: 2})."""
    mono: dict[str, int] = {}
    for fac in term.factors:
        code = fac.name()
        m = re.fullmatch(r"I\((qv\d+_) \*\* (\d+)\)", code)
        if m:
            v = names.user[m.group(1)]
            mono[v] = mono.get(v, 0) + int(m.group(2))
            continue
        for s in re.findall(r"qv\d+_", code):
            v = names.user[s]
            mono[v] = mono.get(v, 0) + 1
    return mono


def contains(big: dict[str, int], small: dict[str, int]) -> bool:
    """Marginality: ``big`` contains ``small`` (every variable at ≥ power, and different)."""
    return big != small and bool(small) and all(big.get(v, 0) >= k for v, k in small.items())


def _numeric_column(data: pd.DataFrame, col: str, file: str | None, rows: Sequence[int] | None,
                    keep: np.ndarray, what: str) -> tuple[np.ndarray, list[Problem]]:
    raw = data[col]
    problems: list[Problem] = []
    vals = np.full(len(raw), np.nan)
    for i, v in enumerate(raw.tolist()):
        if not keep[i]:
            continue
        if v is None or (isinstance(v, float) and math.isnan(v)) or (isinstance(v, str) and not v.strip()):
            problems.append(Problem("blank cell", file, None if rows is None else rows[i], col,
                                    expected=f"a number ({what})", found=""))
            continue
        try:
            f = parse_number(v)
        except (TypeError, ValueError) as exc:
            reason = str(exc) if "comma" in str(exc) else "not a number"
            problems.append(Problem(reason, file, None if rows is None else rows[i], col,
                                    expected=f"a number ({what})", found=str(v)))
            continue
        if not math.isfinite(f):
            problems.append(Problem("not a finite number", file, None if rows is None else rows[i],
                                    col, expected="a number", found=str(v)))
            continue
        vals[i] = f
    return vals, problems


def _is_blank(v: Any) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)) or (
        isinstance(v, str) and not v.strip())


def _as_specs(factors: Sequence[FactorSpec | str] | None, data: pd.DataFrame) -> dict[str, FactorSpec]:
    out: dict[str, FactorSpec] = {}
    for f in factors or ():
        spec = f if isinstance(f, FactorSpec) else FactorSpec(str(f))
        out[spec.name] = spec
    return out


def fit_response(
    data: pd.DataFrame,
    response: str | None,
    model: str = "quadratic",
    *,
    coding: str = "coded",
    factors: Sequence[FactorSpec | str] | None = None,
    anova_type: str = "III",
    transform: float | str | None = None,
    file: str | None = None,
    rows: Sequence[int] | None = None,
    block: str | None = None,
) -> FitResult:
    """Fit one response by least squares (see module docstring for the API and formulas).

    ``file``/``rows`` (file row number of each data row) name the place of bad
    cells in errors. Rows whose response is blank are dropped (``dropped_rows``).
    ``block``: a blocking column; its fixed effect, sum-to-zero coded
    (``C(block, Sum)``), is added to the model (first, so type I sums of squares
    are adjusted for blocks), is never dropped by :func:`reduce_model`, is not a
    factor, and predictions without a block value are for the average block
    (Montgomery §7.3, §11.4).
    """
    if coding not in ("coded", "actual"):
        raise QbdInputError("unknown coding", column="coding", expected="coded or actual", found=coding)
    if anova_type not in ANOVA_TYPES:
        raise QbdInputError("unknown ANOVA type", column="anova_type", expected="I, II or III",
                            found=anova_type)
    lam = parse_transform(transform)
    data = data.reset_index(drop=True)
    columns = [str(c) for c in data.columns]
    names = NameMap.of(columns)
    specs = _as_specs(factors, data)

    # -- the formula ----------------------------------------------------------------------
    if model in KEYWORD_MODELS:
        if response is None:
            raise QbdInputError("no response given", column="response", expected="a response column")
        if not specs:
            specs = {c: FactorSpec(c) for c in columns
                     if c != response and c.strip().lower() not in BOOKKEEPING}
        for name in specs:
            if name not in columns:
                raise QbdInputError("factor column not found", file=file, row=1, column=name,
                                    expected="a column of the data", found=", ".join(columns))
        typed = [_typed_spec(specs[n], data[n]) for n in specs]
        user_formula = model_formula(model, response, typed)
        kind = model
    else:
        if "~" not in model:
            raise QbdInputError("unknown model", column="model",
                                expected="linear, interaction, quadratic or a formula 'Y ~ …'",
                                found=model)
        lhs, rhs = model.split("~", 1)
        if lhs.strip():
            lhs_safe, lhs_found = names.to_safe(lhs)
            if response is None:
                if len(lhs_found) != 1 or lhs_safe.strip() != names.safe[lhs_found[0]]:
                    raise QbdInputError("left side of the formula is not a column", column="model",
                                        expected="one response column name", found=lhs.strip())
                response = lhs_found[0]
        if response is None:
            raise QbdInputError("no response given", column="response", expected="a response column")
        rhs_user = rhs
        kind = "formula"
    if response not in columns:
        raise QbdInputError("response column not found", file=file, row=1, column=response,
                            expected="a column of the data", found=", ".join(columns))
    if kind in KEYWORD_MODELS:
        rhs_user = user_formula.split("~", 1)[1]
    if block is not None:
        if block not in columns:
            raise QbdInputError("block column not found", file=file, row=1, column=block,
                                expected="a column of the data", found=", ".join(columns))
        if block not in names.to_safe(rhs_user)[1]:
            rhs_user = f"C(`{block}`, Sum) + " + rhs_user.strip()
    safe_rhs, variables = names.to_safe(rhs_user)
    if response in variables:
        raise QbdInputError("the response is also a factor", column=response,
                            expected="a formula whose right side does not use the response",
                            found=model)
    display = names.to_user(safe_rhs)
    formula_text = f"{response} ~ {display.strip()}"

    # -- rows -----------------------------------------------------------------------------
    resp_blank = np.array([_is_blank(v) for v in data[response].tolist()])
    keep = ~resp_blank
    dropped = tuple(int(rows[i]) if rows is not None else i + 2 for i in np.flatnonzero(resp_blank))
    problems: list[Problem] = []
    yv, pr = _numeric_column(data, response, file, rows, keep, "response")
    problems += pr
    frame_ld: dict[str, np.ndarray] = {}
    numeric: dict[str, FactorSpec] = {}
    categorical: dict[str, tuple[str, ...]] = {}
    used_specs: list[FactorSpec] = []
    in_c = {m for m in re.findall(r"\bC\(\s*(qv\d+_)", safe_rhs)}
    for v in variables:
        spec = _typed_spec(specs.get(v, FactorSpec(v)), data[v])
        if names.safe[v] in in_c and spec.type != "categorical":
            spec = FactorSpec(v, "categorical", unit=spec.unit)
        if spec.type == "categorical":
            vals = data[v]
            blanks = [i for i in range(len(vals)) if keep[i] and _is_blank(vals.iloc[i])]
            problems += [Problem("blank cell", file, None if rows is None else rows[i], v,
                                 expected="a level", found="") for i in blanks]
            levels = tuple(sorted({_label(x) for x in vals[keep].tolist() if not _is_blank(x)}))
            categorical[v] = spec.levels or levels
            if len(levels) < 2:
                problems.append(Problem("categorical factor has fewer than two levels", file, None, v,
                                        expected="at least two levels among the runs",
                                        found=", ".join(levels) or "none"))
            frame_ld[names.safe[v]] = np.asarray([_label(x) for x in vals.tolist()], dtype=object)
            if v != block:
                used_specs.append(FactorSpec(v, "categorical", levels=categorical[v], unit=spec.unit))
            continue
        xv, pr = _numeric_column(data, v, file, rows, keep, "factor")
        problems += pr
        if spec.low is None or spec.high is None:
            # code from the column's min/max (contract C) over the rows with a response
            ok = xv[keep & np.isfinite(xv)]
            lo, hi = (float(ok.min()), float(ok.max())) if ok.size else (0.0, 1.0)
            spec = FactorSpec(v, "numeric", lo, hi, spec.unit)
        if coding == "coded" and spec.high == spec.low:
            problems.append(Problem("factor has a single level, so its effect cannot be estimated",
                                    file, None, v, expected="at least two distinct settings",
                                    found=spec.low))
        numeric[v] = spec
        used_specs.append(spec)
        x = np.asarray(xv, dtype=LD)
        frame_ld[names.safe[v]] = spec.code(x) if coding == "coded" and spec.high != spec.low else x
    if problems:
        raise QbdInputError(problems=problems)
    notes: list[str] = []
    for v in [response, *[u for u in variables if u not in categorical]]:
        notes += thousands_notes(data[v].tolist(), v, rows)
    idx = np.flatnonzero(keep)
    if idx.size == 0:
        raise QbdInputError("no rows with a response value", file=file, column=response,
                            expected="at least one number", found="all blank")
    if idx.size > 1 and float(np.ptp(yv[idx])) == 0.0:
        raise QbdInputError(
            "the response is constant: every run gives the same value, so there is nothing "
            "to model", file=file, column=response,
            expected="a response that varies between runs", found=f"{yv[idx][0]:g} in all "
                                                                   f"{idx.size} runs")
    data_fit = {k: v[idx] for k, v in frame_ld.items()}
    if lam is not None and np.any(yv[idx] <= 0):
        raise QbdInputError("a power/log transform needs positive responses", file=file, column=response,
                            expected="values > 0", found=float(np.min(yv[idx])))
    y_model = power_transform(yv[idx], lam) if lam is not None else np.asarray(yv[idx], dtype=LD)
    try:
        probe: Any = {k: (np.asarray(v, dtype=float) if v.dtype != object else v)
                      for k, v in data_fit.items()} or pd.DataFrame(index=range(idx.size))
        with np.errstate(all="ignore"):
            design_info = patsy.dmatrix(patsy.ModelDesc([], patsy.ModelDesc.from_formula(
                "_q_ ~ " + safe_rhs).rhs_termlist), probe, NA_action=_KEEP_ALL).design_info
    except patsy.PatsyError as exc:
        raise QbdInputError(f"cannot use the model formula: {names.to_user(str(exc).splitlines()[0])}",
                            column="model", expected="a formula over the data's columns",
                            found=formula_text) from None
    except NameError as exc:
        raise QbdInputError(f"unknown name in the formula: {exc}", column="model",
                            expected="column names of the data", found=formula_text) from None
    with np.errstate(all="ignore"):
        (xm,) = patsy.build_design_matrices(
            [design_info], data_fit or pd.DataFrame(index=range(idx.size)), dtype=LD,
            NA_action=_KEEP_ALL)
    x_ld = np.asarray(xm, dtype=LD)
    finite = np.isfinite(x_ld)
    if not finite.all():
        i, j = (int(v[0]) for v in np.nonzero(~finite))
        raise QbdInputError(
            "model term is not a finite number", file=file,
            row=int(rows[idx[i]]) if rows is not None else int(idx[i]) + 2,
            column=names.to_user(design_info.column_names[j]),
            expected=("finite values (coded factors run from −1 to +1: use --coding actual for "
                      "logs, roots or inverses of factors)" if coding == "coded" else "finite values"),
            found=str(float(x_ld[i, j])))
    spec_obj = _ModelSpec(names, safe_rhs, design_info, tuple(variables), numeric, categorical,
                          coding, response, block)
    return _finish(spec_obj, x_ld, y_model, kind=kind, formula=formula_text, anova_type=anova_type,
                   lam=lam, factors=tuple(used_specs), dropped=dropped, data_fit=data_fit, file=file,
                   notes=tuple(notes))


_AMBIGUOUS_COMMA = re.compile(r"^\s*[+-]?\d{1,3},\d{3}\s*$")


def thousands_notes(values: Sequence[Any], column: str, rows: Sequence[int] | None) -> list[str]:
    """Notes for cells such as ``1,234`` (read as 1234 by the thousands rule of
    :mod:`qbdkit.core.numbers`) whose value is over 100× the median size of the column's
    other numbers — likely a decimal comma (1.234), e.g. in a pH column."""
    hits = [i for i, v in enumerate(values) if isinstance(v, str) and _AMBIGUOUS_COMMA.match(v)]
    if not hits:
        return []
    others = []
    for i, v in enumerate(values):
        if i in hits or _is_blank(v):
            continue
        try:
            others.append(abs(parse_number(v)))
        except (TypeError, ValueError):
            continue
    if not others:
        return []
    typical = float(np.median(others))
    out = []
    for i in hits:
        val = parse_number(values[i])
        if abs(val) > 100 * typical:
            row = rows[i] if rows is not None else i + 2
            out.append(f"{column}, row {row}: {values[i]!r} was read as {val:g} (comma = thousands "
                       f"separator), far from the column's other values (median {typical:.4g}); "
                       f"if a decimal comma was meant, write {values[i].strip().replace(',', '.')}")
    return out


def _label(x: Any) -> str:
    """A categorical level as text: 1, 1.0 and "1" are the same level."""
    if isinstance(x, (float, np.floating)) and float(x).is_integer():
        return str(int(x))
    return str(x).strip()


def _typed_spec(spec: FactorSpec, col: pd.Series) -> FactorSpec:
    """Decide numeric/categorical: a given type wins; else numeric when every cell is a number."""
    if spec.type == "categorical" or spec.levels:
        return FactorSpec(spec.name, "categorical", levels=tuple(spec.levels), unit=spec.unit)
    if spec.low is not None and spec.high is not None:
        return spec
    vals = [v for v in col.tolist() if not _is_blank(v)]
    numeric = 0
    for v in vals:
        try:
            parse_number(v)
            numeric += 1
        except (TypeError, ValueError):
            pass
    if vals and numeric == 0:
        return FactorSpec(spec.name, "categorical", unit=spec.unit)
    return spec


def _finish(spec: _ModelSpec, x: np.ndarray, y: np.ndarray, *, kind: str, formula: str,
            anova_type: str, lam: float | None, factors: tuple[FactorSpec, ...],
            dropped: tuple[int, ...], data_fit: dict[str, np.ndarray], file: str | None,
            notes: tuple[str, ...] = ()) -> FitResult:
    names = spec.names
    di = spec.design_info
    n, p = x.shape
    columns = [names.to_user(c) for c in di.column_names]
    _check_squares(spec, di, data_fit, file)
    if n < p:
        raise QbdInputError(
            f"too few runs: {n} runs with a response for {p} model coefficients", file=file,
            column=spec.response, expected=f"at least {p + 1} runs, or a smaller model", found=n)
    ls = least_squares(x, y)
    if ls.aliased:
        msgs = []
        for k in ls.aliased:
            dep = ls.dependence.get(k, ())
            with_ = " + ".join(columns[j] for j in dep) if dep else "a constant / nothing"
            hint = "a design that can estimate every term (drop or confound it)"
            if re.fullmatch(r"I\(.* \*\* \d+\)", columns[k]):
                hint = ("a factor with three or more levels for a curvature term "
                        "(two-level designs: use --model interaction)")
            msgs.append(Problem(f"singular design: term {columns[k]!r} is aliased with {with_}",
                                file, None, spec.response, expected=hint, found=columns[k]))
        raise QbdInputError(problems=msgs)
    df_resid = n - p
    term_objs = [t for t in di.terms]
    has_intercept = any(len(t.factors) == 0 for t in term_objs)
    monos = {t.name(): _monomial(t, names) for t in term_objs}
    two_level = _two_level(spec, data_fit) and all(
        all(k == 1 for k in monos[t.name()].values()) for t in term_objs)
    block_cols = {j for t in term_objs if spec.block is not None and spec.block in monos[t.name()]
                  for j in range(di.term_name_slices[t.name()].start, di.term_name_slices[t.name()].stop)}
    if df_resid == 0 and not two_level:
        raise QbdInputError(
            "too few residual degrees of freedom: the model uses every run", file=file,
            column=spec.response,
            expected=f"more runs than the {p} coefficients, or a smaller model", found=f"{n} runs")
    yf = np.asarray(y, dtype=float)
    sse = ls.sse
    yl = np.asarray(y, dtype=LD)
    sst = float(np.sum((yl - yl.mean()) ** 2)) if has_intercept else float(np.sum(yl * yl))
    exact = df_resid > 0 and sse <= EXACT_FIT_RATIO * sst
    notes = list(notes)
    if exact:
        notes.append(f"exact fit: the model reproduces every run (residual SS {sse:.3g} against "
                     f"total SS {sst:.4g}); the error variance is zero, so standard errors are 0, t, "
                     "F and p are undefined (NaN) and no effect is called significant")
    # exact fit: σ = 0 and so se = 0 (as NIST certifies for Wampler1), but t = b/0 and
    # every F and p are undefined → NaN
    s2 = (0.0 if exact else sse / df_resid) if df_resid > 0 else float("nan")
    sigma = math.sqrt(s2) if df_resid > 0 else float("nan")
    cov = ls.normalized_cov * s2
    bse = np.sqrt(np.diag(ls.normalized_cov) * s2) if df_resid > 0 else np.full(p, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        tv = ls.params / bse if not exact else np.full(p, np.nan)
        pv = 2 * stats.t.sf(np.abs(tv), df_resid) if df_resid > 0 else np.full(p, np.nan)
    r2 = 1 - sse / sst if sst > 0 else float("nan")
    k0 = 1 if has_intercept else 0
    r2_adj = 1 - (1 - r2) * (n - k0) / df_resid if df_resid > 0 else None
    h = ls.leverage
    with np.errstate(divide="ignore", invalid="ignore"):
        press_terms = ls.resid / (1 - h)
    press = float(np.sum(press_terms ** 2)) if np.all(h < 1 - 1e-10) else None
    q2 = (1 - press / sst) if press is not None and sst > 0 else None
    # VIF from the partitioned inverse
    xf = np.asarray(x, dtype=float)
    vif = np.full(p, np.nan)
    if p - k0 >= 1:
        for j in range(p):
            if len(term_objs) and columns[j] == "Intercept":
                continue
            col = xf[:, j]
            ss = np.sum((col - col.mean()) ** 2) if has_intercept else np.sum(col * col)
            vif[j] = ls.normalized_cov[j, j] * ss
    anova = _anova(spec, x, y, ls, term_objs, monos, anova_type, df_resid, sse, sst, n, p,
                   has_intercept, data_fit, exact=exact)
    lof = _lack_of_fit(spec, data_fit, ls.resid, df_resid, sse)
    if lof is not None:
        anova = (*anova[:-1], AnovaRow("Lack of fit", lof.df_lack_of_fit, lof.ss_lack_of_fit,
                                       lof.ss_lack_of_fit / lof.df_lack_of_fit if lof.df_lack_of_fit else None,
                                       lof.f, lof.p),
                 AnovaRow("Pure error", lof.df_pure_error, lof.ss_pure_error,
                          lof.ss_pure_error / lof.df_pure_error, None, None), anova[-1])
    diag = _diagnostics(ls.resid, h, sigma, df_resid, p, n, yf - ls.resid)
    for v in spec.variables:  # each numeric factor's setting (in the fit's coding), for residual plots
        if v in spec.numeric and spec.names.safe[v] in data_fit and v != spec.block:
            diag[f"factor:{v}"] = np.asarray(data_fit[spec.names.safe[v]], dtype=float)
    effects = None
    if two_level and lof is None and spec.coding == "coded" and has_intercept and p > 2:
        keep = [j for j in range(p) if columns[j] != "Intercept" and j not in block_cols]
        effects = lenth_effects([columns[j] for j in keep], [ls.params[j] for j in keep], n, sst)
    box = None
    if lam is None and df_resid > 0 and np.all(yf > 0) and not exact:
        box = boxcox_suggestion(x, yf)
        if df_resid < BOXCOX_MIN_DF:
            box = BoxCox(box.lambda_hat, box.lower, box.upper, box.suggested, box.name,
                         caveat=f"only {df_resid} residual df: the likelihood of λ is flat and "
                                "the suggestion weak — transform only with a scientific reason")
    if two_level and 0 < df_resid <= SCREENING_MIN_DF and not exact:
        inter = [columns[j] for j in range(p) if ":" in columns[j] and pv[j] < 0.05]
        notes.append(f"screening fit with only {df_resid} residual df: p-values rest on a poor "
                     "estimate of error" + (f"; interactions called significant ({', '.join(inter)})"
                                            " may be spurious" if inter else "")
                     + " — check the half-normal plot (Lenth) or add runs")
    return FitResult(
        response=spec.response, formula=formula, model=kind, coding=spec.coding,
        terms=tuple(columns), params=ls.params, bse=bse, tvalues=tv, pvalues=pv, vif=vif,
        cov_params=cov, normalized_cov_params=ls.normalized_cov, sigma=sigma, df_resid=df_resid,
        nobs=n, resid=ls.resid, fitted=yf - ls.resid, r2=r2, r2_adj=r2_adj, q2=q2, press=press,
        rmse=sigma, has_intercept=has_intercept, anova=anova, anova_type=anova_type,
        lack_of_fit=lof, diagnostics=diag, effects=effects, boxcox=box, transform=lam,
        factors=factors, model_terms=tuple(names.to_user(t.name()) for t in term_objs),
        dropped_rows=dropped, _spec=spec, _x=x, _y=np.asarray(y, dtype=LD), notes=tuple(notes),
        exact_fit=bool(exact))


#: residual SS at most this fraction of the total SS is an exact fit (noise-free data)
EXACT_FIT_RATIO = 1e-20
#: Box–Cox suggestions with fewer residual df carry a caveat
BOXCOX_MIN_DF = 10
#: two-level fits with at most this many residual df carry a warning
SCREENING_MIN_DF = 3


def _check_squares(spec: _ModelSpec, di: Any, data_fit: dict[str, np.ndarray],
                   file: str | None) -> None:
    """Squared terms of a factor set at only two levels cannot be estimated: say so
    before any run count or aliasing message."""
    bad: list[str] = []
    for t in di.terms:
        for v, k in _monomial(t, spec.names).items():
            if k >= 2 and v in spec.numeric and v not in bad:
                vals = np.unique(np.asarray(data_fit[spec.names.safe[v]], dtype=float))
                if vals.size <= 2:
                    bad.append(v)
    if bad:
        raise QbdInputError(
            "squares cannot be estimated from two levels — use the interaction model",
            file=file, column=", ".join(bad),
            expected="three or more levels of a factor for its square (e.g. centre points or "
                     "axial runs), or --model interaction", found="two levels")


def _two_level(spec: _ModelSpec, data_fit: dict[str, np.ndarray]) -> bool:
    if any(v != spec.block for v in spec.categorical) or not spec.numeric:
        return False
    for v in spec.numeric:
        vals = np.unique(np.asarray(data_fit[spec.names.safe[v]], dtype=float))
        if vals.size != 2:
            return False
    return True


def _cols_of(di: Any, names_: Sequence[str]) -> list[int]:
    out: list[int] = []
    for t in names_:
        sl = di.term_name_slices[t]
        out += list(range(sl.start, sl.stop))
    return out


def _sse(x: np.ndarray, y: np.ndarray, cols: list[int]) -> float:
    if not cols:
        yl = np.asarray(y, dtype=LD)
        return float(np.sum(yl * yl))
    return least_squares(x[:, cols], y, refine=1).sse


def _anova(spec: _ModelSpec, x: np.ndarray, y: np.ndarray, ls: LeastSquares, terms: list[Any],
           monos: dict[str, dict[str, int]], anova_type: str, df_resid: int, sse: float, sst: float,
           n: int, p: int, has_intercept: bool, data_fit: dict,
           exact: bool = False) -> tuple[AnovaRow, ...]:
    di = spec.design_info
    mse = sse / df_resid if df_resid > 0 and not exact else float("nan")
    all_names = [t.name() for t in terms]
    rows: list[AnovaRow] = []
    model_df = p - (1 if has_intercept else 0)
    model_ss = sst - sse
    rows.append(_row("Model", model_df, model_ss, mse, df_resid))
    for t in terms:
        name = t.name()
        if len(t.factors) == 0:
            continue
        cols = _cols_of(di, [name])
        if anova_type == "I":
            ss = float(np.sum(ls.effects[cols] ** 2))
        elif anova_type == "III":
            # extra sum of squares of dropping the term, in closed form from the full fit:
            # SSE(without T) − SSE = b_Tᵀ [(XᵀX)⁻¹]_TT⁻¹ b_T (Searle, Linear Models, §5.5)
            b = ls.params[cols]
            ss = float(b @ np.linalg.solve(ls.normalized_cov[np.ix_(cols, cols)], b))
        else:
            higher = [u for u in all_names if contains(monos[u], monos[name])]
            base = [c for c in range(p) if c not in _cols_of(di, [*higher, name])]
            ss = _sse(x, y, base) - _sse(x, y, base + cols)
        rows.append(_row(spec.names.to_user(name), len(cols), max(ss, 0.0), mse, df_resid))
    rows.append(AnovaRow("Residual", df_resid, sse,
                         (0.0 if exact else mse) if df_resid > 0 else None, None, None))
    rows.append(AnovaRow("Total" if has_intercept else "Total (uncorrected)", n - (1 if has_intercept else 0),
                         sst, None, None, None))
    return tuple(rows)


def _row(source: str, df: int, ss: float, mse: float, df_resid: int) -> AnovaRow:
    ms = ss / df if df else float("nan")
    if math.isnan(mse):  # exact fit: no error variance, F undefined
        return AnovaRow(source, df, ss, ms, None, None)
    if df_resid > 0 and mse > 0:
        f = ms / mse
        pval = float(stats.f.sf(f, df, df_resid))
    elif df_resid > 0 and ss > 0:
        f, pval = float("inf"), 0.0
    else:
        f, pval = None, None
    return AnovaRow(source, df, ss, ms, f, pval)


def _lack_of_fit(spec: _ModelSpec, data_fit: dict[str, np.ndarray], resid: np.ndarray, df_resid: int,
                 sse: float) -> LackOfFit | None:
    """Pure error from runs with identical settings of the model's variables."""
    if not spec.variables:
        return None
    keys = [tuple(str(data_fit[spec.names.safe[v]][i]) for v in spec.variables)
            for i in range(len(resid))]
    groups: dict[tuple, list[int]] = {}
    for i, k in enumerate(keys):
        groups.setdefault(k, []).append(i)
    df_pe = len(resid) - len(groups)
    if df_pe <= 0:
        return None
    y_fit_plus = resid  # within a group all fitted values are equal, so SS_PE uses residuals
    ss_pe = float(sum(np.sum((y_fit_plus[g] - np.mean(y_fit_plus[g])) ** 2) for g in groups.values()))
    df_lof = df_resid - df_pe
    ss_lof = max(sse - ss_pe, 0.0)
    if df_lof <= 0:
        return None
    f = (ss_lof / df_lof) / (ss_pe / df_pe) if ss_pe > 0 else None
    p = float(stats.f.sf(f, df_lof, df_pe)) if f is not None else None
    return LackOfFit(df_lof, ss_lof, df_pe, ss_pe, f, p)


def _diagnostics(resid: np.ndarray, h: np.ndarray, sigma: float, df: int, p: int, n: int,
                 fitted: np.ndarray) -> pd.DataFrame:
    with np.errstate(divide="ignore", invalid="ignore"):
        r = resid / (sigma * np.sqrt(1 - h)) if df > 0 else np.full(n, np.nan)
        t = r * np.sqrt((df - 1) / (df - r ** 2)) if df > 1 else np.full(n, np.nan)
        cook = r ** 2 * h / (p * (1 - h))
    order = np.argsort(np.argsort(r)) if df > 0 else np.arange(n)
    nq = stats.norm.ppf((order + 1 - 0.375) / (n + 0.25))
    t_crit = stats.t.ppf(1 - 0.05 / (2 * n), df - 1) if df > 1 else np.nan
    f_crit = stats.f.ppf(0.5, p, df) if df > 0 else np.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        dffits = t * np.sqrt(h / (1 - h))
    return pd.DataFrame({
        "run": np.arange(1, n + 1),
        "fitted": fitted,
        "residual": resid,
        "leverage": h,
        "studentized": r,
        "externally_studentized": t,
        "cooks_d": cook,
        "dffits": dffits,
        "normal_quantile": nq,
        "outlier": np.abs(t) > t_crit if df > 1 else np.zeros(n, bool),
        "high_leverage": h > 2 * p / n,
        "influential": cook > f_crit if df > 0 else np.zeros(n, bool),
        "large_dffits": np.abs(dffits) > 2 * math.sqrt(p / n) if df > 1 else np.zeros(n, bool),
    })


def influence_table(fit: FitResult) -> pd.DataFrame:
    """Runs flagged as outlying or influential, with the statistics behind each flag:
    externally studentized residual (outlier: |tᵢ| > Bonferroni t(1 − 0.05/(2n), ν − 1)),
    leverage (hᵢᵢ > 2p/n), Cook's D (> F(0.5; p, ν)) and DFFITS
    (tᵢ·√(hᵢᵢ/(1 − hᵢᵢ)), large when > 2√(p/n); Belsley, Kuh & Welsch, *Regression
    Diagnostics*, 1980). ``flags`` names the rules a run breaks."""
    d = fit.diagnostics
    rules = (("outlier", "outlier"), ("high_leverage", "high leverage"),
             ("influential", "Cook's D"), ("large_dffits", "DFFITS"))
    flags = [", ".join(label for col, label in rules if col in d and bool(d[col].iloc[i]))
             for i in range(len(d))]
    out = d[["run", "residual", "externally_studentized", "leverage", "cooks_d", "dffits"]].copy()
    out["flags"] = flags
    return out[out["flags"] != ""].reset_index(drop=True)


def lenth_effects(terms: Sequence[str], coefs: Sequence[float], n: int, sst: float) -> Effects:
    """Effects (2 × coded coefficient), their sums of squares n·c², and Lenth's PSE (see :class:`Effects`)."""
    c = np.asarray(coefs, dtype=float)
    eff = 2 * c
    m = eff.size
    ss = n * c ** 2
    a = np.abs(eff)
    s0 = 1.5 * float(np.median(a))
    pse = 1.5 * float(np.median(a[a < 2.5 * s0])) if np.any(a < 2.5 * s0) else float("nan")
    d = m / 3
    me = float(stats.t.ppf(0.975, d)) * pse
    gamma = (1 + 0.95 ** (1 / m)) / 2
    sme = float(stats.t.ppf(gamma, d)) * pse
    order = np.argsort(a)
    hn = tuple({"term": terms[j], "abs_effect": float(a[j]),
                "quantile": float(stats.norm.ppf(0.5 + 0.5 * (i + 0.5) / m)),
                "significant": bool(a[j] > me)} for i, j in enumerate(order))
    return Effects(tuple(terms), tuple(float(e) for e in eff), tuple(float(s) for s in ss),
                   tuple(float(100 * s / sst) if sst > 0 else float("nan") for s in ss),
                   s0, pse, me, sme, hn)


def boxcox_suggestion(x: np.ndarray, y: np.ndarray) -> BoxCox:
    """Profile-likelihood Box–Cox λ for the model matrix ``x`` (see :class:`BoxCox`)."""
    y = np.asarray(y, dtype=float)
    n = y.size
    gm = math.exp(float(np.mean(np.log(y))))
    q, _ = np.linalg.qr(np.asarray(x, dtype=float))  # SSE(λ) = ‖z − QQᵀz‖², one factorization

    def llf(lam: float) -> float:
        z = gm * np.log(y) if abs(lam) < 1e-12 else (y ** lam - 1) / (lam * gm ** (lam - 1))
        r = z - q @ (q.T @ z)
        sse = float(r @ r)
        return -n / 2 * math.log(max(sse, 1e-300) / n)

    grid = np.linspace(-3, 3, 121)
    ll = np.array([llf(v) for v in grid])
    i = int(np.argmax(ll))
    from scipy.optimize import minimize_scalar

    lo_b, hi_b = grid[max(i - 1, 0)], grid[min(i + 1, grid.size - 1)]
    res = minimize_scalar(lambda v: -llf(v), bounds=(lo_b, hi_b), method="bounded",
                          options={"xatol": 1e-6})
    lam_hat = float(res.x)
    lmax = -float(res.fun)
    cut = lmax - stats.chi2.ppf(0.95, 1) / 2
    inside = grid[ll >= cut]
    lower = float(inside.min()) if inside.size else lam_hat
    upper = float(inside.max()) if inside.size else lam_hat
    from scipy.optimize import brentq

    g = lambda v: llf(v) - cut  # noqa: E731
    if lower > grid[0] and g(lower - 0.05) < 0 < g(lower):
        lower = float(brentq(g, lower - 0.05, lower, xtol=1e-6))
    if upper < grid[-1] and g(upper + 0.05) < 0 < g(upper):
        upper = float(brentq(g, upper, upper + 0.05, xtol=1e-6))
    if lower <= 1 <= upper:
        sug = 1.0
    else:
        cands = sorted((v for v in (0.0, 0.5, -0.5, -1.0, 2.0, -2.0) if lower <= v <= upper),
                       key=lambda v: abs(v - lam_hat))
        sug = cands[0] if cands else float(round(lam_hat * 2) / 2)
    label = {1.0: "none", 0.0: "log", 0.5: "square root", -0.5: "inverse square root",
             -1.0: "inverse", 2.0: "square", -2.0: "inverse square"}.get(sug, f"power {sug:g}")
    return BoxCox(lam_hat, lower, upper, sug, label)


def reduce_model(fit: FitResult, data: pd.DataFrame, *, alpha: float = 0.05, file: str | None = None,
                 rows: Sequence[int] | None = None) -> FitResult:
    """Hierarchical backward elimination at ``alpha``.

    A saturated fit of an unreplicated two-level design (no residual df) is first
    reduced to the effects beyond Lenth's margin of error plus their hierarchy.

    Repeatedly drops, among terms not contained in another remaining term
    (marginality: ``A`` stays while ``A:B`` or ``I(A**2)`` does), the one with the
    largest type III p-value if it exceeds ``alpha``; refits each time. The
    intercept is never dropped (Montgomery §10.2; Peixoto 1987 on hierarchy).
    """
    current = fit
    if current.df_resid <= 0 and current.effects is not None:
        current = _lenth_selection(current, data, file=file, rows=rows)
    while True:
        spec = current._spec
        terms = [t for t in spec.design_info.terms if len(t.factors)]
        if not terms or current.df_resid <= 0:
            return current
        monos = {t.name(): _monomial(t, spec.names) for t in terms}
        pmap = {r.source: r.p for r in current.anova}
        if current.exact_fit:
            # no error variance, no p-values: a term whose coefficients are zero (to rounding)
            # is dropped as if p = 1; any other term stays
            pmap = _zero_terms(current, terms)
        removable = []
        for t in terms:
            name = t.name()
            if any(contains(monos[u.name()], monos[name]) for u in terms if u is not t):
                continue
            if spec.block is not None and spec.block in monos[name]:
                continue  # blocks stay in the model
            pval = pmap.get(spec.names.to_user(name))
            if pval is not None:
                removable.append((pval, name))
        if not removable:
            return current
        pmax, worst = max(removable)
        if pmax <= alpha:
            return current
        kept = [t.name() for t in terms if t.name() != worst]
        rhs = " + ".join(kept) if kept else "1"
        if not current.has_intercept:
            rhs += " - 1"
        users = spec.names.user
        quoted = _SAFE_RE.sub(lambda m, u=users: f"`{u[m.group(0)]}`", rhs)
        current = fit_response(
            data, spec.response, "~ " + quoted, coding=spec.coding,
            factors=list(current.factors), anova_type=current.anova_type, transform=current.transform,
            file=file, rows=rows, block=spec.block)


def _zero_terms(fit: FitResult, terms: list[Any]) -> dict[str, float | None]:
    """For an exact fit: p := 1 for terms whose coefficients are zero to rounding (their
    contribution ≤ 1e-9 × the response's spread), ``None`` (keep) for the others."""
    spec = fit._spec
    di = spec.design_info
    yl = np.asarray(fit._y, dtype=float)
    scale = float(np.ptp(yl)) or 1.0
    xmax = np.max(np.abs(np.asarray(fit._x, dtype=float)), axis=0)
    out: dict[str, float | None] = {}
    for t in terms:
        cols = _cols_of(di, [t.name()])
        size = float(np.max(np.abs(np.asarray(fit.params, dtype=float)[cols]) * xmax[cols]))
        out[spec.names.to_user(t.name())] = 1.0 if size <= 1e-9 * scale else None
    return out


def _lenth_selection(fit: FitResult, data: pd.DataFrame, *, file: str | None,
                     rows: Sequence[int] | None) -> FitResult:
    """Saturated unreplicated two-level fit: keep the effects beyond Lenth's margin of error
    (ME) and, for hierarchy, every term they contain; refit (Montgomery Example 6.2)."""
    spec = fit._spec
    e = fit.effects
    assert e is not None
    big = {t for t, v in zip(e.terms, e.effects, strict=True) if abs(v) > e.me}
    terms = [t for t in spec.design_info.terms if len(t.factors)]
    monos = {t.name(): _monomial(t, spec.names) for t in terms}
    chosen = [t.name() for t in terms if spec.names.to_user(t.name()) in big]
    if not chosen:
        return fit
    kept = [t.name() for t in terms
            if t.name() in chosen or any(contains(monos[c], monos[t.name()]) for c in chosen)
            or (spec.block is not None and spec.block in monos[t.name()])]
    users = spec.names.user
    quoted = _SAFE_RE.sub(lambda m: f"`{users[m.group(0)]}`", " + ".join(kept))
    return fit_response(data, spec.response, "~ " + quoted, coding=spec.coding,
                        factors=list(fit.factors), anova_type=fit.anova_type, transform=fit.transform,
                        file=file, rows=rows, block=spec.block)


_SAFE_RE = re.compile(r"qv\d+_")
