"""Shelf life from stability data (ICH Q1E, *Evaluation of Stability Data*, 2003).

Vocabulary: *batch* = a lot on stability; *time* = age at test (months by convention);
*value* = the attribute (assay, purity, potency …); the *acceptance criterion* is a lower
and/or an upper limit.

Steps (ICH Q1E §2 and Appendix B):

1. **Per-batch regression** ``y = a_i + b_i·t`` (ordinary least squares, statsmodels).
2. **Poolability by ANCOVA** at ``alpha_pool`` (0.25, Q1E Appendix B.2.1): first the
   equality of slopes, then (slopes equal) the equality of intercepts. Both F tests use the
   residual mean square of the full model (separate intercepts and slopes), as the FDA
   stability programme, JMP's "Stability Test" and LeBlond, Griffith & Aubuchon (2011,
   *J. Valid. Technol.* 17(3):47–68) do::

       F_slopes     = [(RSS_common-slope − RSS_separate) / (k − 1)] / MSE_separate
       F_intercepts = [(RSS_common − RSS_common-slope) / (k − 1)] / MSE_separate

   giving the model ``common`` (one line), ``common-slope`` (one slope, an intercept per
   batch) or ``separate`` (a line per batch). Minitab's variant tests intercepts with the
   common-slope model's own MSE; the difference is small and documented here only.
3. **Shelf life** = the earliest time at which the one-sided (1 − α) confidence limit of
   the mean (α = 0.05: 95 %) meets the acceptance criterion; with both a lower and an upper
   limit the two-sided (1 − α) limits are used (Q1E §2.3 and Appendix B.1). The limit of
   the mean at time t is ``ŷ(t) ∓ t_{1−α', ν}·se(ŷ(t))`` with ``se² = x₀ᵀ (XᵀX)⁻¹ x₀ · s²``
   from the fitted model (``statsmodels`` ``get_prediction``); the crossing is found by
   a grid scan then ``scipy.optimize.brentq``. With ``common-slope`` every batch has its
   line and the earliest crossing wins (the worst-case batch); with ``separate`` each
   batch's own regression is used (as JMP and ``expirest`` do; ``pooled_error=True`` uses
   the full model's pooled MSE as Minitab and LeBlond 2011 Table IX) and the minimum over
   batches is the shelf life (Q1E Appendix B.2.2: "the minimum time a batch can be expected
   to remain within acceptance criteria").
4. **Log transform** (``transform="log"``) for attributes that change exponentially
   (Q1E Appendix B.1): values and limits are analysed as natural logarithms.
5. **Random batches** (``random_batch=True``): a linear mixed model (``statsmodels``
   ``MixedLM``, REML) with a random intercept and a random slope per batch, as Minitab's
   "batch is a random factor". The random slope is kept when a likelihood-ratio test of
   the two REML fits (same fixed effects) gives p < ``alpha_pool`` (Minitab's rule),
   otherwise the random-intercept model is used. The shelf life is where the one-sided
   (1 − α) confidence limit of the population mean line (fixed effects, ``t_{1−α, k−1}``
   with k batches) meets the criterion; it applies to batches of the process, not only the
   batches tested (Chow 2007, *Statistical Design and Analysis of Stability Studies*, ch. 7).

Validated in ``tests/core/stability`` against the published single-batch worked example of
Ovais (2007) and against R 4.2 ``lm``/``anova``/``predict``/``nlme::lme`` (script and output
in ``tests/data/stability``).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from qbdkit.core.result import Result, format_table
from qbdkit.core.stability.extrapolation import Extrapolation, extrapolation_limit
from qbdkit.errors import Problem, QbdInputError

__all__ = [
    "BatchFit",
    "ShelfLifeResult",
    "check_stability_data",
    "shelf_life",
]

MODELS = ("common", "common-slope", "separate", "random")
TRANSFORMS = ("none", "log")
MIN_TIME_POINTS = 3


@dataclass(frozen=True)
class BatchFit(Result):
    """Ordinary least-squares line of one batch, and the batch's line in the chosen model."""

    batch: str
    n: int
    n_times: int
    intercept: float
    slope: float
    se_intercept: float
    se_slope: float
    r2: float
    rmse: float
    shelf_life_own: float | None
    """Where this batch's own regression meets the criterion (None: not within the search)."""
    model_intercept: float
    model_slope: float
    shelf_life: float | None
    """Where this batch's line in the chosen model meets the criterion."""


@dataclass(frozen=True)
class ShelfLifeResult(Result):
    """ICH Q1E shelf life: model, poolability, shelf life, worst batch, per-batch fits."""

    model: str
    poolability: dict[str, float | None]
    """``slopes_p``, ``intercepts_p``, ``slopes_f``, ``intercepts_f``, ``df_error``,
    ``random_slope_p`` (random model only)."""
    shelf_life: float | None
    """Earliest crossing (time units of the data); None when no crossing within
    ``search_limit`` (the data support at least that long)."""
    worst_batch: str | None
    per_batch: dict[str, BatchFit]
    lower: float | None
    upper: float | None
    alpha: float
    alpha_pool: float
    sides: str
    """``lower`` / ``upper`` (one-sided) or ``two-sided``."""
    transform: str
    crossing: str | None
    """Which limit is met first: ``lower`` / ``upper`` / ``initial`` (already at time 0)."""
    data_time: float
    """Longest time covered by the data (X of ICH Q1E Appendix A)."""
    search_limit: float
    residual_sd: float
    df_error: float
    common_intercept: float | None
    common_slope: float | None
    extrapolation: Extrapolation | None
    supported_shelf_life: float | None
    """min(statistical shelf life, extrapolation limit): what may be proposed."""
    curves: dict[str, dict[str, list[float]]]
    """Per line (batch name, or ``all`` for one line): ``time``, ``fit``, ``lower``,
    ``upper`` (confidence limits of the mean, back-transformed) for the plot."""
    data: list[dict[str, Any]]
    """The observations ``{batch, time, value}`` (original scale)."""
    random: dict[str, Any] | None = None
    """Random-batch model only: fixed effects ``intercept``, ``slope`` with ``se_intercept``,
    ``se_slope``; ``sd_intercept``/``sd_slope`` (batch-to-batch SDs), ``residual_sd``,
    ``random_slope`` (bool)."""
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        crit = []
        if self.lower is not None:
            crit.append(f"≥ {self.lower:g}")
        if self.upper is not None:
            crit.append(f"≤ {self.upper:g}")
        conf = round(100 * (1 - self.alpha), 6)
        sl = "beyond " + f"{self.search_limit:g}" if self.shelf_life is None else (
            f"{self.shelf_life:.4g}")
        lines = [
            f"Shelf life (ICH Q1E): {sl}  [{self.model} model, {conf:g} % {self.sides} "
            f"confidence limit of the mean, criterion {' and '.join(crit)}"
            + (", log scale" if self.transform == "log" else "") + "]",
        ]
        p = self.poolability
        if p.get("slopes_p") is not None:
            ip = p.get("intercepts_p")
            lines.append(f"poolability (α = {self.alpha_pool:g}): slopes p = {p['slopes_p']:.4g}"
                         + ("" if ip is None else f", intercepts p = {ip:.4g}"))
        if self.worst_batch:
            lines.append(f"worst-case batch: {self.worst_batch}")
        if self.extrapolation is not None:
            lines.append(self.extrapolation.statement)
        rows = [[b.batch, b.n, b.intercept, b.slope, b.se_slope, b.r2,
                 b.shelf_life_own, b.shelf_life] for b in self.per_batch.values()]
        lines.append(format_table(["batch", "n", "intercept", "slope", "SE slope", "R²",
                                   "own fit", "in model"], rows))
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)


# ----------------------------------------------------------------------------- input checks
def check_stability_data(
    batch: Sequence[Any],
    time: Sequence[Any],
    value: Sequence[Any],
    *,
    file: str | None = None,
    rows: Sequence[int] | None = None,
    columns: tuple[str, str, str] = ("batch", "time", "value"),
    transform: str = "none",
) -> pd.DataFrame:
    """Check a long table of stability results; return ``DataFrame(batch, time, value)``.

    Raises one :class:`QbdInputError` naming file, row and column for: a time or value that
    is not a number, a negative time, a batch with one value, a batch with fewer than 3
    distinct time points, a batch without a time-zero result, and (log transform) a value
    ≤ 0. ``rows`` are the file rows of the entries (default: 2, 3, …).
    """
    bcol, tcol, vcol = columns
    n = len(batch)
    rows = list(rows) if rows is not None else [i + 2 for i in range(n)]
    problems: list[Problem] = []
    t = pd.to_numeric(pd.Series(list(time), dtype=object), errors="coerce").to_numpy(float)
    v = pd.to_numeric(pd.Series(list(value), dtype=object), errors="coerce").to_numpy(float)
    b = ["" if (x is None or (isinstance(x, float) and math.isnan(x))) else str(x).strip()
         for x in batch]
    for i in range(n):
        if not b[i]:
            problems.append(Problem("blank batch", file, rows[i], bcol, "a batch name", ""))
        if not np.isfinite(t[i]):
            problems.append(Problem("time not numeric", file, rows[i], tcol, "a number",
                                    "" if time[i] is None else str(time[i])))
        elif t[i] < 0:
            problems.append(Problem("negative time", file, rows[i], tcol, "time ≥ 0", t[i]))
        if not np.isfinite(v[i]):
            problems.append(Problem("value not numeric", file, rows[i], vcol, "a number",
                                    "" if value[i] is None else str(value[i])))
        elif transform == "log" and v[i] <= 0:
            problems.append(Problem("value not positive (log transform)", file, rows[i], vcol,
                                    "a value > 0", v[i]))
    if problems:
        raise QbdInputError(problems=problems)
    frame = pd.DataFrame({"batch": b, "time": t, "value": v, "row": rows})
    for name, g in frame.groupby("batch", sort=False):
        first = int(g["row"].iloc[0])
        if len(g) == 1:
            problems.append(Problem(f"batch {name} has one value", file, first, vcol,
                                    f"at least {MIN_TIME_POINTS} time points per batch", 1))
            continue
        times = np.unique(g["time"].to_numpy())
        if times.size < MIN_TIME_POINTS:
            problems.append(Problem(f"batch {name} has fewer than {MIN_TIME_POINTS} time points",
                                    file, first, tcol,
                                    f"at least {MIN_TIME_POINTS} distinct times",
                                    ", ".join(f"{x:g}" for x in times)))
        if not np.any(times == 0):
            problems.append(Problem(f"batch {name} has no time zero", file, first, tcol,
                                    "a result at time 0 (release/initial)",
                                    f"first time {times.min():g}"))
    if problems:
        raise QbdInputError(problems=problems)
    return frame[["batch", "time", "value"]]


# ------------------------------------------------------------------------------ the models
def _design(frame: pd.DataFrame, batches: list[str], model: str) -> np.ndarray:
    """Design matrix (cell-means coding): common [1, t]; common-slope [D, t]; separate
    [D, D·t]; D = batch indicator columns."""
    t = frame["time"].to_numpy(float)
    if model == "common":
        return np.column_stack([np.ones_like(t), t])
    d = np.column_stack([(frame["batch"] == b).to_numpy(float) for b in batches])
    if model == "common-slope":
        return np.column_stack([d, t])
    return np.column_stack([d, d * t[:, None]])


def _row(batches: list[str], model: str, batch: str | None, t: np.ndarray) -> np.ndarray:
    """Design rows of ``batch``'s line at times ``t`` (same coding as :func:`_design`)."""
    t = np.atleast_1d(np.asarray(t, float))
    if model == "common":
        return np.column_stack([np.ones_like(t), t])
    d = np.zeros((t.size, len(batches)))
    d[:, batches.index(batch)] = 1.0
    if model == "common-slope":
        return np.column_stack([d, t])
    return np.column_stack([d, d * t[:, None]])


@dataclass(frozen=True)
class _Line:
    """A fitted line with the covariance of its two coefficients (intercept, slope)."""

    intercept: float
    slope: float
    cov: np.ndarray  # 2 × 2
    df: float
    sigma: float

    def mean_and_se(self, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x = np.column_stack([np.ones_like(t), t])
        mean = self.intercept + self.slope * t
        se = np.sqrt(np.einsum("ij,jk,ik->i", x, self.cov, x))
        return mean, se


def _ols(y: np.ndarray, x: np.ndarray):
    import statsmodels.api as sm

    return sm.OLS(y, x).fit()


def _line_from_fit(fit: Any, batches: list[str], model: str, batch: str | None) -> _Line:
    """Intercept/slope of one batch's line in a cell-means fit, with their covariance."""
    a = _row(batches, model, batch, np.array([0.0, 1.0]))
    params = np.asarray(fit.params)
    cov = np.asarray(fit.cov_params())
    # rows: value at t=0 and t=1 → intercept = r0·β, slope = (r1 − r0)·β
    m = np.vstack([a[0], a[1] - a[0]])
    coef = m @ params
    return _Line(float(coef[0]), float(coef[1]), m @ cov @ m.T, float(fit.df_resid),
                 float(np.sqrt(fit.scale)))


def _crossing(line: _Line, lower: float | None, upper: float | None, tcrit: float,
              limit: float) -> tuple[float | None, str | None]:
    """Earliest t in [0, limit] where a confidence limit of the mean meets a criterion."""
    from scipy.optimize import brentq

    def g_lower(t: float) -> float:
        m, s = line.mean_and_se(np.array([t]))
        return float(m[0] - tcrit * s[0] - lower)

    def g_upper(t: float) -> float:
        m, s = line.mean_and_se(np.array([t]))
        return float(upper - (m[0] + tcrit * s[0]))

    best: tuple[float | None, str | None] = (None, None)
    grid = np.linspace(0.0, limit, 2001)
    for side, g, lim in (("lower", g_lower, lower), ("upper", g_upper, upper)):
        if lim is None:
            continue
        m, s = line.mean_and_se(grid)
        vals = (m - tcrit * s - lim) if side == "lower" else (lim - (m + tcrit * s))
        if vals[0] <= 0:
            return 0.0, "initial"
        neg = np.flatnonzero(vals <= 0)
        if neg.size == 0:
            continue
        j = int(neg[0])
        root = float(brentq(g, grid[j - 1], grid[j], xtol=1e-12, rtol=1e-14, maxiter=200))
        if best[0] is None or root < best[0]:
            best = (root, side)
    return best


def _one_batch_fit(g: pd.DataFrame) -> Any:
    t = g["time"].to_numpy(float)
    return _ols(g["y"].to_numpy(float), np.column_stack([np.ones_like(t), t]))


def _curves(lines: dict[str, _Line], tcrit: float, t_end: float, back: Any
            ) -> dict[str, dict[str, list[float]]]:
    grid = np.linspace(0.0, t_end, 61)
    out = {}
    for name, line in lines.items():
        m, s = line.mean_and_se(grid)
        out[name] = {"time": grid.tolist(), "fit": back(m).tolist(),
                     "lower": back(m - tcrit * s).tolist(), "upper": back(m + tcrit * s).tolist()}
    return out


def _random_lines(frame: pd.DataFrame, alpha_pool: float, notes: list[str]
                  ) -> tuple[_Line, float | None, dict[str, tuple[float, float]], dict[str, Any]]:
    """Population line of a MixedLM (REML) with random intercept (+ slope if the LRT says so)."""
    import statsmodels.formula.api as smf
    from scipy import stats

    k = frame["batch"].nunique()
    fits = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, re in (("slope", "~time"), ("intercept", "~1")):
            try:
                fits[name] = smf.mixedlm("y ~ time", frame, groups=frame["batch"],
                                         re_formula=re).fit(reml=True, method=["lbfgs", "powell"])
            except (np.linalg.LinAlgError, ValueError) as exc:  # pragma: no cover - rare
                notes.append(f"random {name} model not fitted: {exc}")
    if "intercept" not in fits:  # pragma: no cover
        raise QbdInputError("mixed model could not be fitted", column="random_batch",
                            expected="batches with enough data for a random-batch model")
    p_slope = None
    chosen = fits["intercept"]
    if "slope" in fits:
        lr = 2 * (fits["slope"].llf - fits["intercept"].llf)
        p_slope = float(stats.chi2.sf(max(lr, 0.0), 2))
        if p_slope < alpha_pool:
            chosen = fits["slope"]
    fe = np.asarray(chosen.fe_params)
    cov = np.asarray(chosen.cov_params())[:2, :2]
    line = _Line(float(fe[0]), float(fe[1]), cov, float(k - 1), float(np.sqrt(chosen.scale)))
    per = {}
    for b, eff in chosen.random_effects.items():
        e = np.asarray(eff)
        per[str(b)] = (float(fe[0] + e[0]), float(fe[1] + (e[1] if e.size > 1 else 0.0)))
    cov_re = np.asarray(chosen.cov_re)
    info = {"intercept": float(fe[0]), "slope": float(fe[1]),
            "se_intercept": float(np.sqrt(cov[0, 0])), "se_slope": float(np.sqrt(cov[1, 1])),
            "sd_intercept": float(np.sqrt(cov_re[0, 0])),
            "sd_slope": float(np.sqrt(cov_re[1, 1])) if cov_re.shape[0] > 1 else 0.0,
            "residual_sd": float(np.sqrt(chosen.scale)),
            "random_slope": chosen is not fits["intercept"]}
    if chosen is fits["intercept"]:
        notes.append("random-batch model: random intercept only (random slope not needed at "
                     f"α = {alpha_pool:g})")
    else:
        notes.append("random-batch model: random intercept and random slope")
    return line, p_slope, per, info


# ------------------------------------------------------------------------------ main entry
def shelf_life(
    batch: Sequence[Any],
    time: Sequence[Any],
    value: Sequence[Any],
    *,
    lower: float | None = None,
    upper: float | None = None,
    alpha: float = 0.05,
    alpha_pool: float = 0.25,
    transform: str = "none",
    random_batch: bool = False,
    pooled_error: bool = False,
    search_limit: float | None = None,
    storage: str | None = "room",
    accelerated_change: bool | None = False,
    intermediate_change: bool | None = None,
    little_change: bool = False,
    biologic: bool = False,
    file: str | None = None,
    rows: Sequence[int] | None = None,
    columns: tuple[str, str, str] = ("batch", "time", "value"),
) -> ShelfLifeResult:
    """Estimate the shelf life of one attribute (see the module docstring).

    ``lower``/``upper``: acceptance criterion (at least one). ``alpha``: 0.05 → 95 %
    confidence. ``search_limit``: longest time searched (default 5 × the longest time in
    the data). ``storage``, ``accelerated_change``, ``intermediate_change``,
    ``little_change``, ``biologic``: inputs of the ICH Q1E Appendix A extrapolation rule
    (:func:`~qbdkit.core.stability.extrapolation.extrapolation_limit`); ``storage=None``
    skips it. ``file``/``rows``/``columns`` name the source in error messages.
    """
    if lower is None and upper is None:
        raise QbdInputError("no acceptance criterion", file=file, column="lower/upper",
                            expected="a lower and/or an upper limit", found="neither")
    if lower is not None and upper is not None and not lower < upper:
        raise QbdInputError("limits out of order", column="lower/upper",
                            expected="lower < upper", found=f"{lower} / {upper}")
    if transform not in TRANSFORMS:
        raise QbdInputError("unknown transform", column="transform",
                            expected=" | ".join(TRANSFORMS), found=transform)
    if not 0 < alpha < 0.5:
        raise QbdInputError("alpha out of range", column="alpha", expected="0 < alpha < 0.5",
                            found=alpha)
    if not 0 < alpha_pool < 1:
        raise QbdInputError("alpha_pool out of range", column="alpha_pool",
                            expected="0 < alpha_pool < 1", found=alpha_pool)
    if transform == "log":
        for name, lim in (("lower", lower), ("upper", upper)):
            if lim is not None and lim <= 0:
                raise QbdInputError("limit not positive (log transform)", column=name,
                                    expected="a limit > 0", found=lim)
    from scipy import stats

    frame = check_stability_data(batch, time, value, file=file, rows=rows, columns=columns,
                                 transform=transform)
    fwd = np.log if transform == "log" else (lambda x: np.asarray(x, float))
    back = np.exp if transform == "log" else (lambda x: np.asarray(x, float))
    frame = frame.assign(y=fwd(frame["value"].to_numpy(float)))
    lo = None if lower is None else float(fwd(lower))
    hi = None if upper is None else float(fwd(upper))
    sides = "two-sided" if (lower is not None and upper is not None) else (
        "lower" if lower is not None else "upper")
    a_side = alpha / 2 if sides == "two-sided" else alpha
    batches = list(dict.fromkeys(frame["batch"]))
    k = len(batches)
    data_time = float(frame["time"].max())
    limit = float(search_limit) if search_limit else 5.0 * data_time
    notes: list[str] = []

    # per-batch ordinary least squares
    own: dict[str, _Line] = {}
    own_fit: dict[str, Any] = {}
    for b in batches:
        g = frame[frame["batch"] == b]
        f = _one_batch_fit(g)
        own_fit[b] = f
        own[b] = _line_from_fit(f, [b], "common", None)

    def tq(df: float) -> float:
        return float(stats.t.ppf(1 - a_side, df))

    # poolability (ANCOVA)
    y = frame["y"].to_numpy(float)
    pool: dict[str, float | None] = {"slopes_p": None, "intercepts_p": None, "slopes_f": None,
                                     "intercepts_f": None, "df_error": None}
    fits = {m: _ols(y, _design(frame, batches, m)) for m in ("common", "common-slope", "separate")}
    full = fits["separate"]
    if k >= 2 and full.df_resid > 0:
        mse = float(full.ssr / full.df_resid)
        f_s = ((fits["common-slope"].ssr - full.ssr) / (k - 1)) / mse
        f_i = ((fits["common"].ssr - fits["common-slope"].ssr) / (k - 1)) / mse
        p_s = float(stats.f.sf(f_s, k - 1, full.df_resid))
        p_i = float(stats.f.sf(f_i, k - 1, full.df_resid))
        pool.update(slopes_p=p_s, slopes_f=float(f_s), df_error=float(full.df_resid))
        if p_s >= alpha_pool:
            pool.update(intercepts_p=p_i, intercepts_f=float(f_i))
            model = "common" if p_i >= alpha_pool else "common-slope"
        else:
            model = "separate"
    else:
        model = "common"
        if k == 1:
            notes.append("one batch: no poolability test")

    random_p = None
    per_random: dict[str, tuple[float, float]] = {}
    random_info = None
    if random_batch:
        if k < 3:
            raise QbdInputError("too few batches for a random-batch model", file=file,
                                column=columns[0], expected="at least 3 batches", found=k)
        pop, random_p, per_random, random_info = _random_lines(frame, alpha_pool, notes)
        pool["random_slope_p"] = random_p
        model = "random"

    # lines of the chosen model
    lines: dict[str, _Line] = {}
    if model == "random":
        lines["all"] = pop
    elif model == "common":
        lines["all"] = _line_from_fit(fits["common"], batches, "common", None)
    elif model == "common-slope":
        lines = {b: _line_from_fit(fits["common-slope"], batches, "common-slope", b)
                 for b in batches}
    elif pooled_error:
        lines = {b: _line_from_fit(full, batches, "separate", b) for b in batches}
    else:
        lines = dict(own)

    crossings = {name: _crossing(line, lo, hi, tq(line.df), limit)
                 for name, line in lines.items()}
    worst = None
    found = [(v[0], name) for name, v in crossings.items() if v[0] is not None]
    if found:
        sl, worst = min(found)
        crossing = crossings[worst][1]
    else:
        sl, crossing = None, None
        notes.append(f"no crossing up to {limit:g}: the data support at least that long")
    if model in ("common", "random") or k == 1:
        worst = None

    per_batch: dict[str, BatchFit] = {}
    for b in batches:
        f = own_fit[b]
        line = lines.get(b) or lines["all"]
        if model == "random" and b in per_random:
            mi, ms = per_random[b]
        else:
            mi, ms = line.intercept, line.slope
        own_cross = _crossing(own[b], lo, hi, tq(own[b].df), limit)[0]
        per_batch[b] = BatchFit(
            batch=b, n=int(f.nobs), n_times=int(frame.loc[frame["batch"] == b, "time"].nunique()),
            intercept=own[b].intercept, slope=own[b].slope,
            se_intercept=float(np.sqrt(own[b].cov[0, 0])), se_slope=float(np.sqrt(own[b].cov[1, 1])),
            r2=float(f.rsquared), rmse=own[b].sigma, shelf_life_own=own_cross,
            model_intercept=mi, model_slope=ms,
            shelf_life=crossings[b][0] if b in crossings else crossings["all"][0])

    ref = lines.get("all")
    chosen_fit = {"common": fits["common"], "common-slope": fits["common-slope"]}.get(model, full)
    resid_sd = ref.sigma if model == "random" else float(np.sqrt(chosen_fit.scale))
    df_err = ref.df if model == "random" else float(chosen_fit.df_resid)
    if model == "separate" and not pooled_error:
        df_err = float(sum(own[b].df for b in batches))

    extrap = None
    supported = sl
    if storage is not None:
        extrap = extrapolation_limit(data_time, storage=storage,
                                     accelerated_change=accelerated_change,
                                     intermediate_change=intermediate_change,
                                     little_change=little_change, statistics=True,
                                     biologic=biologic)
        cap = extrap.limit
        supported = cap if sl is None else min(sl, cap)
    t_end = max(data_time, min(sl if sl is not None else data_time, limit)) * 1.1
    curves = _curves(lines, tq(next(iter(lines.values())).df), t_end, back)
    if model == "common-slope":
        common_slope = lines[batches[0]].slope
    elif model in ("common", "random"):
        common_slope = lines["all"].slope
    else:
        common_slope = None
    return ShelfLifeResult(
        model=model, poolability=pool, shelf_life=None if sl is None else float(sl),
        worst_batch=worst, per_batch=per_batch, lower=lower, upper=upper, alpha=float(alpha),
        alpha_pool=float(alpha_pool), sides=sides, transform=transform, crossing=crossing,
        data_time=data_time, search_limit=limit, residual_sd=resid_sd, df_error=df_err,
        common_intercept=None if ref is None else ref.intercept, common_slope=common_slope,
        extrapolation=extrap, supported_shelf_life=supported, curves=curves,
        data=[{"batch": r.batch, "time": float(r.time), "value": float(r.value)}
              for r in frame.itertuples()],
        random=random_info, notes=notes,
    )
