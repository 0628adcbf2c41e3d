"""OPLS — orthogonal projections to latent structures (Trygg & Wold 2002, J. Chemometrics
16:119–128) for one response: one predictive component and ``A_o`` components orthogonal
to y, with R²X, R²Y and Q² as SIMCA reports them.

Algorithm (Trygg & Wold 2002, §2.3, single y; X and y centred and scaled), for each
orthogonal component:

1. ``w = Xᵀy / ‖Xᵀy‖``; ``t = X w``; ``p = Xᵀt / (tᵀt)``;
2. ``w_o = p − (wᵀp) w``, normalised; ``t_o = X w_o``; ``p_o = Xᵀt_o / (t_oᵀt_o)``;
3. ``X ← X − t_o p_oᵀ`` (the y-orthogonal variation is removed).

Then the predictive component of the filtered X: ``w``, ``t = X w``, ``p``, ``c = tᵀy/(tᵀt)``.
New observations: ``t_o = x w_o`` and ``x ← x − t_o p_oᵀ`` for each orthogonal component,
then ``t = x w`` and ``ŷ = t c``. The model predicts as PLS with ``1 + A_o`` components
(Trygg & Wold 2002, §3: OPLS rotates the PLS solution), which the tests check.

As SIMCA reports them (Eriksson et al., Multi- and Megavariate Data Analysis, 2006,
ch. 11): ``R²X`` of each component = ``‖t pᵀ‖² / ‖X‖²`` (predictive "P1") and
``‖t_o p_oᵀ‖² / ‖X‖²`` (orthogonal "O1", "O2" …) with ``R²X(cum)`` their sum; ``R²Y(cum) =
1 − ‖y − t c‖² / ‖y‖²``; ``Q²(cum) = 1 − PRESS / ‖y‖²`` from row-wise cross-validation in
``cv_groups`` groups (observation i in group i mod G, as :class:`~qbdkit.core.mvda.PLS`),
each fold scaled on its own training part. ``n_orthogonal="auto"`` adds orthogonal
components while each improves Q² significantly (SIMCA's autofit rule 1: the component's
``Q²_j = 1 − PRESS_j / RSS_{j−1}`` — the cross-validated error of the model with j
components over the fitted error of the model with j − 1, ``RSS_0 = ‖y‖²`` — above 0.05
with ≤ 100 observations, else 0), and says why each was kept or not (``autofit_``).
``Q²(cum) = 1 − Π_j PRESS_j / RSS_{j−1}`` (SIMCA's product form, as for PLS), so an OPLS
model reports the R²Y and Q² of the PLS model with the same number of components.

Distances: ``T² = Σ_a t_a² / s_a²`` over the predictive and orthogonal scores, limits by
``t2_convention`` (:mod:`qbdkit.core.mvda._base`); SPE = squared residual of X after both
parts; its Box limit. VIP (predictive) ``= √K · |w_j|`` for the one predictive component.
Missing values are not supported (a cell left blank is an input error naming it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from qbdkit.core.mvda import limits
from qbdkit.core.mvda._base import T2_CONVENTION_TEXT, NotFittedError, check_t2_convention
from qbdkit.core.mvda.pca import q2_significance_limit
from qbdkit.core.mvda.preprocess import as_matrix, column_scaling, usable_columns
from qbdkit.core.result import Result, format_table
from qbdkit.errors import Problem, QbdInputError


def opls_components(Xs: np.ndarray, ys: np.ndarray, n_orthogonal: int) -> dict[str, np.ndarray]:
    """The OPLS components of scaled ``Xs`` (n × K) and ``ys`` (n) (module docstring)."""
    X = Xs.copy()
    Wo, Po, To = [], [], []
    for _ in range(n_orthogonal):
        w = X.T @ ys
        w /= np.linalg.norm(w)
        t = X @ w
        p = X.T @ t / (t @ t)
        wo = p - (w @ p) * w
        norm = np.linalg.norm(wo)
        if not norm > 1e-12:
            break
        wo /= norm
        to = X @ wo
        po = X.T @ to / (to @ to)
        X = X - np.outer(to, po)
        Wo.append(wo)
        Po.append(po)
        To.append(to)
    w = X.T @ ys
    w /= np.linalg.norm(w)
    t = X @ w
    p = X.T @ t / (t @ t)
    c = float(t @ ys / (t @ t))
    k = Xs.shape[1]
    return {"w": w, "t": t, "p": p, "c": np.array(c),
            "Wo": np.array(Wo).T.reshape(k, -1), "Po": np.array(Po).T.reshape(k, -1),
            "To": np.array(To).T.reshape(Xs.shape[0], -1), "E": X - np.outer(t, p)}


def opls_scores(xs: np.ndarray, model: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray,
                                                                          np.ndarray]:
    """``(t, T_o, residual)`` of scaled new observations ``xs`` (rows) under ``model``."""
    x = np.array(xs, dtype=float, copy=True)
    tos = []
    for a in range(model["Wo"].shape[1]):
        to = x @ model["Wo"][:, a]
        x = x - np.outer(to, model["Po"][:, a])
        tos.append(to)
    t = x @ model["w"]
    To = np.array(tos).T.reshape(x.shape[0], -1)
    return t, To, x - np.outer(t, model["p"])


def _scale(X: np.ndarray, scale: str) -> tuple[np.ndarray, np.ndarray]:
    mean, div, _ = column_scaling(X, scale)
    return mean, div


def _cv_press(X: np.ndarray, y: np.ndarray, scale: str, groups: int, a_max: int) -> np.ndarray:
    """PRESS of y for 0…a_max orthogonal components (row-wise groups, i mod G)."""
    n = X.shape[0]
    gid = np.arange(n) % groups
    press = np.zeros(a_max + 1)
    for g in range(groups):
        test = gid == g
        tr = ~test
        mx, dx = _scale(X[tr], scale)
        dx = np.where(dx > 0, dx, 1.0)
        my = float(y[tr].mean())
        sy = float(y[tr].std(ddof=1)) if scale == "uv" else (
            float(np.sqrt(y[tr].std(ddof=1))) if scale == "pareto" else 1.0)
        sy = sy if sy > 0 else 1.0
        Xtr = (X[tr] - mx) / dx
        ytr = (y[tr] - my) / sy
        Xte = (X[test] - mx) / dx
        Xd, Xt = Xtr.copy(), Xte.copy()
        for a in range(a_max + 1):
            w = Xd.T @ ytr
            w /= np.linalg.norm(w)
            t = Xd @ w
            c = float(t @ ytr / (t @ t))
            pred = (Xt @ w) * c * sy + my
            press[a] += float(np.sum((y[test] - pred) ** 2))
            if a == a_max:
                break
            p = Xd.T @ t / (t @ t)
            wo = p - (w @ p) * w
            norm = np.linalg.norm(wo)
            if not norm > 1e-12:
                press[a + 1:] = np.nan
                break
            wo /= norm
            to = Xd @ wo
            po = Xd.T @ to / (to @ to)
            Xd = Xd - np.outer(to, po)
            tt = Xt @ wo
            Xt = Xt - np.outer(tt, po)
    return press


def fitted_rss(Xs: np.ndarray, ys: np.ndarray, a_max: int) -> np.ndarray:
    """Residual sum of squares of scaled y of the models with 0…a_max orthogonal components
    (each the predictive component of X filtered by the first a orthogonal ones)."""
    out = np.full(a_max + 1, np.nan)
    X = Xs.copy()
    for a in range(a_max + 1):
        w = X.T @ ys
        w /= np.linalg.norm(w)
        t = X @ w
        c = float(t @ ys / (t @ t))
        out[a] = float(np.sum((ys - t * c) ** 2))
        if a == a_max:
            break
        p = X.T @ t / (t @ t)
        wo = p - (w @ p) * w
        norm = np.linalg.norm(wo)
        if not norm > 1e-12:
            break
        wo /= norm
        to = X @ wo
        X = X - np.outer(to, X.T @ to / (to @ to))
    return out


def component_q2(press: np.ndarray, rss: np.ndarray, ss_y: float) -> np.ndarray:
    """SIMCA's Q² of each component in model order (P1, O1, O2 …): ``1 − PRESS_j /
    RSS_{j−1}`` with ``RSS_0 = ‖y‖²`` (all in the same y units)."""
    denom = np.concatenate([[ss_y], rss[:-1]])
    return 1 - press / denom


def autofit_orthogonal(press: np.ndarray, ss_y: float, n: int, k: int, a_max: int,
                       rss: np.ndarray | None = None) -> tuple[int, list[dict[str, Any]]]:
    """Orthogonal components by SIMCA's rule 1 (module docstring), with the reason for each.
    ``press``, ``rss`` (residual SS of the fitted models) and ``ss_y`` in the same units."""
    limit = q2_significance_limit(n)
    q2 = component_q2(press, rss if rss is not None else press, ss_y)
    q2_pred = q2[0]
    steps: list[dict[str, Any]] = [{
        "component": "P1", "q2": float(q2_pred), "limit": limit, "kept": True,
        "reason": (f"predictive component: Q² = {q2_pred:.3g}"
                   + ("" if q2_pred > limit else f" ≤ {limit:g} — the model predicts y poorly"))}]
    a = 0
    for j in range(1, a_max + 1):
        name = f"O{j}"
        if (n - j - 2) * (k - j - 1) <= 0:
            steps.append({"component": name, "q2": float("nan"), "limit": limit, "kept": False,
                          "reason": "no degrees of freedom left: (n − A − 1)(K − A) ≤ 0"})
            break
        if not np.isfinite(press[j]):
            steps.append({"component": name, "q2": float("nan"), "limit": limit, "kept": False,
                          "reason": "no variation orthogonal to y left"})
            break
        qa = q2[j]
        if qa > limit:
            a = j
            steps.append({"component": name, "q2": float(qa), "limit": limit, "kept": True,
                          "reason": f"significant: Q² = {qa:.3g} > {limit:g} (rule 1)"})
            continue
        steps.append({"component": name, "q2": float(qa), "limit": limit, "kept": False,
                      "reason": f"not significant: Q² = {qa:.3g} ≤ {limit:g} (rule 1); "
                                "fitting stops"})
        break
    return a, steps


class OPLS(BaseEstimator):
    """OPLS for one response (module docstring).

    Parameters: ``n_orthogonal`` (int ≥ 0 or ``"auto"``), ``scale`` (``uv`` | ``pareto`` |
    ``none``, X and y alike), ``cv_groups`` (7), ``max_orthogonal`` (auto: at most
    ``min(n − 3, K − 1, 10)``), ``t2_convention`` (``tym`` | ``simca``).

    Learned: ``variables_``, ``dropped_``, ``n_samples_``, ``n_orthogonal_``, ``x_mean_``,
    ``x_scale_``, ``y_mean_``, ``y_scale_``, ``w_``, ``p_``, ``c_``, ``t_``, ``W_o_``,
    ``P_o_``, ``T_o_``, ``r2x_`` (P1, O1 …), ``r2x_cum_``, ``r2y_cum_``, ``q2_cum_``,
    ``press_``, ``autofit_``, ``coef_`` and ``intercept_`` (original units), ``vip_``,
    ``fitted_``, ``score_var_``, ``t2_``, ``spe_``.
    """

    def __init__(self, n_orthogonal: int | str = "auto", *, scale: str = "uv",
                 cv_groups: int = 7, max_orthogonal: int | None = None,
                 t2_convention: str = "tym") -> None:
        self.n_orthogonal = n_orthogonal
        self.scale = scale
        self.cv_groups = cv_groups
        self.max_orthogonal = max_orthogonal
        self.t2_convention = t2_convention

    # ------------------------------------------------------------------ fit
    def fit(self, X: Any, y: Any) -> OPLS:
        check_t2_convention(self.t2_convention)
        arr, names = as_matrix(X)
        yv = np.asarray(y.to_numpy() if isinstance(y, pd.Series | pd.DataFrame) else y,
                        dtype=float).ravel()
        if yv.size != arr.shape[0]:
            raise QbdInputError("one response value per observation", column="y",
                                expected=str(arr.shape[0]), found=yv.size)
        problems = [Problem("missing value (OPLS needs complete data)", row=int(i) + 1,
                            column=names[j], expected="a number")
                    for i, j in zip(*np.nonzero(np.isnan(arr)), strict=True)][:20]
        problems += [Problem("missing response value", row=int(i) + 1, column="y",
                             expected="a number") for i in np.flatnonzero(np.isnan(yv))][:20]
        if problems:
            raise QbdInputError(problems=problems)
        n = arr.shape[0]
        if n < 4:
            raise QbdInputError("fewer observations than OPLS needs", column="X",
                                expected="at least 4 observations", found=n)
        mean, div, unusable = column_scaling(arr, self.scale)
        keep = usable_columns(names, unusable)
        self.dropped_ = {names[j]: why for j, why in unusable.items()}
        arr = arr[:, keep]
        self.variables_ = [names[j] for j in keep]
        self.feature_names_in_ = np.array(names, dtype=object)
        self.x_mean_, self.x_scale_ = mean[keep], div[keep]
        sd_y = float(yv.std(ddof=1))
        if not sd_y > 0:
            raise QbdInputError("constant response", column="y",
                                expected="a response that varies", found=f"all {yv[0]:g}")
        self.y_mean_ = float(yv.mean())
        self.y_scale_ = {"uv": sd_y, "pareto": float(np.sqrt(sd_y)), "none": 1.0}[self.scale]
        Xs = (arr - self.x_mean_) / self.x_scale_
        ys = (yv - self.y_mean_) / self.y_scale_
        k = Xs.shape[1]
        cap = max(0, min(n - 3, k - 1))
        groups = max(2, min(self.cv_groups, n))
        ss_y = float(np.sum((yv - yv.mean()) ** 2))
        y2 = self.y_scale_ ** 2
        if self.n_orthogonal == "auto":
            a_max = min(cap, 10 if self.max_orthogonal is None else int(self.max_orthogonal))
            self.press_ = _cv_press(arr, yv, self.scale, groups, a_max)
            self.rss_ = fitted_rss(Xs, ys, a_max) * y2
            self.n_orthogonal_, self.autofit_ = autofit_orthogonal(
                self.press_, ss_y, n, k, a_max, self.rss_)
        else:
            try:
                a = int(self.n_orthogonal)
            except (TypeError, ValueError):
                raise QbdInputError("number of orthogonal components", column="n_orthogonal",
                                    expected="a whole number ≥ 0 or auto",
                                    found=self.n_orthogonal) from None
            if not 0 <= a <= cap:
                raise QbdInputError("number of orthogonal components", column="n_orthogonal",
                                    expected=f"0…{cap} (n − 3 and K − 1 with {n} observations, "
                                             f"{k} variables)", found=a)
            self.n_orthogonal_ = a
            self.press_ = _cv_press(arr, yv, self.scale, groups, a)
            self.rss_ = fitted_rss(Xs, ys, a) * y2
            self.autofit_ = []
        m = opls_components(Xs, ys, self.n_orthogonal_)
        self.n_orthogonal_ = m["Wo"].shape[1]
        self._model = m
        self.w_, self.p_, self.c_, self.t_ = m["w"], m["p"], float(m["c"]), m["t"]
        self.W_o_, self.P_o_, self.T_o_ = m["Wo"], m["Po"], m["To"]
        ss_x = float(np.sum(Xs ** 2))
        r2x = [float(np.sum(np.outer(self.t_, self.p_) ** 2)) / ss_x]
        r2x += [float(np.sum(np.outer(self.T_o_[:, a], self.P_o_[:, a]) ** 2)) / ss_x
                for a in range(self.n_orthogonal_)]
        self.r2x_ = np.array(r2x)
        self.r2x_cum_ = float(self.r2x_.sum())
        fitted_s = self.t_ * self.c_
        self.r2y_cum_ = 1 - float(np.sum((ys - fitted_s) ** 2) / np.sum(ys ** 2))
        a_fit = self.n_orthogonal_
        self.q2_ = component_q2(self.press_[: a_fit + 1], self.rss_[: a_fit + 1], ss_y)
        self.q2_cum_ = 1 - float(np.prod(1 - self.q2_))
        self.rmsecv_ = float(np.sqrt(self.press_[self.n_orthogonal_] / n))
        self.fitted_ = fitted_s * self.y_scale_ + self.y_mean_
        eye = np.eye(k)
        t_eye, _, _ = opls_scores(eye, m)
        coef_s = t_eye * self.c_
        self.coef_ = coef_s * self.y_scale_ / self.x_scale_
        self.intercept_ = float(self.y_mean_ - self.x_mean_ @ self.coef_)
        self.vip_ = np.sqrt(k) * np.abs(self.w_)
        scores = self._scores_matrix(self.t_, self.T_o_)
        self.score_var_ = scores.var(axis=0, ddof=1)
        self.n_samples_ = n
        self.t2_ = np.sum(scores ** 2 / self.score_var_, axis=1)
        self.residuals_ = m["E"]
        self.spe_ = np.sum(m["E"] ** 2, axis=1)
        self._Xs = Xs
        return self

    @staticmethod
    def _scores_matrix(t: np.ndarray, To: np.ndarray) -> np.ndarray:
        return np.column_stack([t, To]) if To.size else t.reshape(-1, 1)

    def _check_fitted(self) -> None:
        if not hasattr(self, "w_"):
            raise NotFittedError("the OPLS model is not fitted", column="model",
                                 expected="fit(X, y) first")

    # ------------------------------------------------------------ new data
    def _prepare(self, X: Any) -> np.ndarray:
        if isinstance(X, pd.DataFrame):
            missing = [v for v in self.variables_ if v not in X.columns]
            if missing:
                raise QbdInputError("variables of the model missing", column=", ".join(missing),
                                    expected="every model variable: "
                                             + ", ".join(self.variables_))
            arr, _ = as_matrix(X[self.variables_])
        else:
            arr, _ = as_matrix(X)
            if arr.shape[1] != len(self.variables_):
                raise QbdInputError("wrong number of variables", column="X",
                                    expected=str(len(self.variables_)), found=arr.shape[1])
        bad = [Problem("missing value (OPLS needs complete data)", row=int(i) + 1,
                       column=self.variables_[j], expected="a number")
               for i, j in zip(*np.nonzero(np.isnan(arr)), strict=True)][:20]
        if bad:
            raise QbdInputError(problems=bad)
        return (arr - self.x_mean_) / self.x_scale_

    def transform(self, X: Any) -> np.ndarray:
        """Scores ``[t, t_o1, …]`` of new observations."""
        self._check_fitted()
        t, To, _ = opls_scores(self._prepare(X), self._model)
        return self._scores_matrix(t, To)

    def predict(self, X: Any) -> np.ndarray:
        self._check_fitted()
        t, _, _ = opls_scores(self._prepare(X), self._model)
        return t * self.c_ * self.y_scale_ + self.y_mean_

    def t2_limit(self, alpha: float = 0.95, *, new: bool = False,
                 n_components: int | None = None) -> float:
        a = 1 + self.n_orthogonal_ if n_components is None else n_components
        if self.t2_convention == "simca":
            return limits.t2_limit_simca(a, self.n_samples_, alpha)
        if new:
            return limits.t2_limit_new(a, self.n_samples_, alpha)
        return limits.t2_limit_training(a, self.n_samples_, alpha)

    def contributions(self, X: Any = None) -> tuple[np.ndarray, np.ndarray]:
        """``(T² contributions, SPE contributions)`` per observation and variable:
        ``x_ij Σ_a r_ja t_ia / s_a²`` with ``T = X R`` (R from the model applied to the unit
        vectors; Westerhuis et al. 2000) and the squared residuals; they add up to T², SPE."""
        self._check_fitted()
        Xs = self._Xs if X is None else self._prepare(X)
        t, To, E = opls_scores(Xs, self._model)
        T = self._scores_matrix(t, To)
        te, Toe, _ = opls_scores(np.eye(Xs.shape[1]), self._model)
        R = self._scores_matrix(te, Toe)
        c_t2 = Xs * ((T / self.score_var_) @ R.T)
        return c_t2, E ** 2

    def result(self, ids: Sequence[Any] | None = None, new: Any = None,
               new_ids: Sequence[Any] | None = None, *, observed: Sequence[float] | None = None,
               response: str = "y") -> OplsResult:
        """The fitted model as an :class:`OplsResult` (``new`` observations projected)."""
        return opls_result(self, ids, new, new_ids, observed=observed, response=response)


@dataclass(frozen=True, eq=False)
class OplsResult(Result):
    """A fitted OPLS model (module :mod:`qbdkit.core.mvda.opls`): ``components`` one row per
    component (``P1``, ``O1`` …: ``r2x``, ``r2y``, ``q2``), the cumulative R²X, R²Y, Q² as
    SIMCA reports them, scores, loadings, coefficients in original units, VIP, T² and SPE
    with their limits, the score-plot ellipse (``t2_ellipse``), the autofit reasons and the
    projected observations (``projected``: ``observations``, ``predictive_scores``,
    ``orthogonal_scores``, ``predicted``, ``t2``, ``t2_limit``)."""

    n_orthogonal: int
    observations: list[str]
    variables: list[str]
    response: str
    scale: str
    dropped: dict[str, str]
    components: list[dict[str, Any]]
    r2x_cum: float
    r2y_cum: float
    q2_cum: float
    rmsecv: float
    predictive_scores: np.ndarray
    orthogonal_scores: np.ndarray
    weights: dict[str, float]
    predictive_loadings: dict[str, float]
    orthogonal_loadings: dict[str, list[float]]
    coefficients: dict[str, float]
    intercept: float
    vip: dict[str, float]
    observed: list[float]
    fitted: list[float]
    t2: np.ndarray
    t2_limit: dict[str, float]
    spe: np.ndarray
    spe_limit: dict[str, float]
    t2_convention: str = "tym"
    t2_ellipse: dict[str, Any] | None = None
    autofit: list[dict[str, Any]] = field(default_factory=list)
    projected: dict[str, Any] | None = None
    observation_contributions: list[dict[str, Any]] = field(default_factory=list)
    contributions: dict[str, Any] | None = None
    color_by: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)
    file: str = ""
    predict_file: str | None = None

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.components)

    def summary(self) -> str:
        lines = [f"OPLS: {len(self.observations)} observations, {len(self.variables)} X "
                 f"variables, response {self.response}; 1 predictive + {self.n_orthogonal} "
                 f"orthogonal component(s), scaling {self.scale}"]
        if self.dropped:
            lines.append("dropped: " + ", ".join(f"{k} ({v})" for k, v in self.dropped.items()))
        lines.append(format_table(["component", "R²X", "R²Y", "Q²"],
                                  [[c["component"], c["r2x"], c.get("r2y"), c.get("q2")]
                                   for c in self.components]))
        lines.append(f"R²X(cum) {self.r2x_cum:.4g}, R²Y(cum) {self.r2y_cum:.4g}, "
                     f"Q²(cum) {self.q2_cum:.4g}, RMSECV {self.rmsecv:.4g}")
        if self.autofit:
            lines.append("orthogonal components chosen by cross-validation (SIMCA autofit):")
            lines += [f"  {s['component']}: {'kept' if s['kept'] else 'not kept'} — "
                      f"{s['reason']}" for s in self.autofit]
        vip = sorted(self.vip.items(), key=lambda kv: -kv[1])
        lines.append(format_table(["variable", "VIP (predictive)", "coefficient"],
                                  [[v, s, self.coefficients[v]] for v, s in vip]))
        out = [self.observations[i] for i in np.flatnonzero(self.t2 > self.t2_limit["0.95"])]
        lines.append(f"T² above its 95 % limit ({self.t2_limit['0.95']:.4g}): "
                     + (", ".join(out) if out else "none"))
        lines.append(T2_CONVENTION_TEXT.get(self.t2_convention, self.t2_convention))
        if self.t2_ellipse:
            lines.append("score plot: " + self.t2_ellipse["label"])
        p = self.projected
        if p:
            rows = [[o, p["predicted"][i], p["predictive_scores"][i], p["t2"][i],
                     "inside" if p["t2"][i] <= p["t2_limit"]["0.95"] else "outside T² 95 %"]
                    for i, o in enumerate(p["observations"])]
            lines.append("Projected observations\n" + format_table(
                ["observation", f"predicted {self.response}", "t[1]", "T²", "verdict"], rows))
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)


def _ids(ids: Sequence[Any] | None, n: int) -> list[str]:
    return [str(i) for i in ids] if ids is not None else [str(i + 1) for i in range(n)]


def _ellipse(model: OPLS, new: bool) -> dict[str, Any] | None:
    """The t[1]/t_o[1] ellipse at the limit of the points judged (as
    :meth:`qbdkit.core.mvda.LatentModel.score_ellipse`)."""
    if model.n_orthogonal_ < 1:
        return None
    lim = model.t2_limit(0.95, new=new, n_components=2)
    radii = [float(np.sqrt(lim * model.score_var_[0])), float(np.sqrt(lim * model.score_var_[1]))]
    exact = model.n_orthogonal_ == 1
    who = "projected observations" if new else "model (training) observations"
    if model.t2_convention == "simca":
        how = "A(n−1)/(n−A)·F (SIMCA)"
    else:
        how = "A(n²−1)/(n(n−A))·F" if new else "Tracy–Young–Mason beta"
    label = (f"Hotelling T² 95 % ellipse, limit {lim:.4g} for {who}, {how}"
             + ("" if exact else f"; a 2-D view of the {1 + model.n_orthogonal_}-component T²"))
    return {"components": [1, 2], "radii": radii, "limit": float(lim), "alpha": 0.95,
            "judges": "new" if new else "training", "convention": model.t2_convention,
            "exact": exact, "label": label}


def opls_result(model: OPLS, ids: Sequence[Any] | None = None, new: Any = None,
                new_ids: Sequence[Any] | None = None, *, observed: Sequence[float] | None = None,
                response: str = "y") -> OplsResult:
    """:class:`OplsResult` of a fitted :class:`OPLS` (see :meth:`OPLS.result`)."""
    model._check_fitted()
    names = model.variables_
    comps = [{"component": "P1", "r2x": float(model.r2x_[0]), "r2y": model.r2y_cum_,
              "q2": float(model.q2_[0])}]
    comps += [{"component": f"O{a + 1}", "r2x": float(model.r2x_[a + 1]), "r2y": None,
               "q2": float(model.q2_[a + 1])} for a in range(model.n_orthogonal_)]
    projected = None
    if new is not None:
        T = model.transform(new)
        t2 = np.sum(T ** 2 / model.score_var_, axis=1)
        projected = {"observations": _ids(new_ids, T.shape[0]),
                     "predictive_scores": T[:, 0], "orthogonal_scores": T[:, 1:],
                     "predicted": model.predict(new), "t2": t2,
                     "t2_limit": {str(a): model.t2_limit(a, new=True) for a in (0.95, 0.99)}}
    return OplsResult(
        n_orthogonal=model.n_orthogonal_, observations=_ids(ids, model.n_samples_),
        variables=list(names), response=response, scale=model.scale,
        dropped=dict(model.dropped_), components=comps, r2x_cum=model.r2x_cum_,
        r2y_cum=model.r2y_cum_, q2_cum=model.q2_cum_, rmsecv=model.rmsecv_,
        predictive_scores=model.t_, orthogonal_scores=model.T_o_,
        weights={v: float(model.w_[j]) for j, v in enumerate(names)},
        predictive_loadings={v: float(model.p_[j]) for j, v in enumerate(names)},
        orthogonal_loadings={v: [float(x) for x in model.P_o_[j]] for j, v in enumerate(names)},
        coefficients={v: float(model.coef_[j]) for j, v in enumerate(names)},
        intercept=model.intercept_, vip={v: float(model.vip_[j]) for j, v in enumerate(names)},
        observed=[float(v) for v in observed] if observed is not None else [],
        fitted=[float(v) for v in model.fitted_], t2=model.t2_,
        t2_limit={str(a): model.t2_limit(a, new=False) for a in (0.95, 0.99)},
        spe=model.spe_, spe_limit={str(a): limits.spe_limit_box(model.spe_, a)
                                   for a in (0.95, 0.99)},
        t2_convention=model.t2_convention, t2_ellipse=_ellipse(model, projected is not None),
        autofit=list(model.autofit_), projected=projected)


def opls_contributions(model: OPLS, observation: str, ids: Sequence[Any] | None = None,
                       new: Any = None, new_ids: Sequence[Any] | None = None) -> dict[str, Any]:
    """Contributions of each variable to one observation's T² and SPE (training first)."""
    train = _ids(ids, model.n_samples_)
    if observation in train:
        i, X, where = train.index(observation), None, "model"
    else:
        nids = _ids(new_ids, 0 if new is None else len(new))
        if new is None or observation not in nids:
            raise QbdInputError("unknown observation", column="--contributions",
                                expected="an observation id of the model or projected data",
                                found=observation)
        i, X, where = nids.index(observation), new, "projected"
    c_t2, c_spe = model.contributions(X)
    names = model.variables_
    return {"observation": observation, "set": where,
            "t2": {v: float(c_t2[i, j]) for j, v in enumerate(names)},
            "spe": {v: float(c_spe[i, j]) for j, v in enumerate(names)}}


__all__ = ["OPLS", "OplsResult", "autofit_orthogonal", "opls_components", "opls_contributions",
           "opls_result", "opls_scores"]
