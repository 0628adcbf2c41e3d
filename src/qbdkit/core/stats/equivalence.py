"""Equivalence of two means: two one-sided tests (TOST), its exact power and sample size.

Vocabulary: *test* = the group being qualified (e.g. small-scale runs), *reference*
= the group it must match (e.g. at-scale batches); ``diff = mean(test) − mean(reference)``;
the equivalence interval is ``(lower, upper)`` (usually ``(−margin, +margin)``).

TOST (Schuirmann 1987, *J. Pharmacokin. Biopharm.* 15:657–680): reject
non-equivalence at level α when both

    t_L = (diff − lower) / se > t_{1−α, ν}   and   t_U = (upper − diff) / se > t_{1−α, ν},

equivalently when the (1 − 2α) confidence interval ``diff ± t_{1−α,ν}·se`` lies inside
``(lower, upper)``; the TOST p-value is ``max(p_L, p_U)``.

Two variance models (``equal_var``):

* Welch (default, ``equal_var=False``): ``se² = s_T²/n_T + s_R²/n_R`` with the
  Welch–Satterthwaite ν. Used by default because small-scale and at-scale
  variabilities are not expected to be equal.
* pooled (``equal_var=True``): ``se² = s_p²(1/n_T + 1/n_R)``, ν = n_T + n_R − 2.

Both agree with statsmodels ``ttost_ind`` (``usevar="unequal"``/``"pooled"``) and with
R ``equivalence::tost`` (tests/core/stats/test_equivalence.py).

Power (:func:`tost_power`) is exact for the pooled-variance test: with the estimate
``D ~ N(δ, σ²c²)`` and ``S² ~ σ² χ²_ν / ν`` independent (c² = 1/n_T + 1/n_R for two
parallel groups), conditional on S = s the test rejects iff
``lower + t·s·c < D < upper − t·s·c``, so

    power = ∫ [Φ((upper − t s c − δ)/(σc)) − Φ((lower + t s c − δ)/(σc))]⁺ f_S(s) ds,

a one-dimensional integral evaluated with ``scipy.integrate.quad`` over the χ²_ν
density. This is the quantity that Owen's Q function gives in closed form (Owen 1965,
*Biometrika* 52:437–446; Phillips 1990, *J. Pharmacokin. Biopharm.* 18:137–144; the
"exact" method of R PowerTOST); it is checked against PowerTOST's published value.
Hand-written because neither scipy nor statsmodels offers TOST power (statsmodels'
power classes cover one-sided and two-sided tests of a point null only).

Sample size (:func:`tost_sample_size`): the smallest n per group (equal groups, or
with the reference group size fixed) whose exact power reaches the target, found by
a direct search starting from the large-sample formula of Chow, Shao & Wang (2008,
*Sample Size Calculations in Clinical Research*, 2nd ed., §3.2):
``n = (z_{1−α} + z_{1−β/2})² · 2σ² / (margin − |δ|)²`` (δ = 0) or
``(z_{1−α} + z_{1−β})² · 2σ² / (margin − |δ|)²`` (δ ≠ 0).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy import integrate, special, stats

from qbdkit.core.result import Result, format_table

__all__ = [
    "SampleSize",
    "TostResult",
    "tost_from_stats",
    "tost_ind",
    "tost_power",
    "tost_sample_size",
]


@dataclass(frozen=True)
class TostResult(Result):
    """Two one-sided tests of ``lower < mean(test) − mean(reference) < upper``."""

    diff: float
    se: float
    df: float
    lower: float
    upper: float
    alpha: float
    t_lower: float
    p_lower: float
    t_upper: float
    p_upper: float
    p_value: float
    ci: tuple[float, float]
    """(1 − 2α) confidence interval of the difference (90 % for α = 0.05)."""
    equivalent: bool
    method: str
    """``"welch"`` or ``"pooled"``."""

    def summary(self) -> str:
        conf = round(100 * (1 - 2 * self.alpha), 6)
        rows = [
            ["difference", self.diff],
            ["standard error", self.se],
            ["df", self.df],
            [f"{conf:g} % CI", f"[{self.ci[0]:.4g}, {self.ci[1]:.4g}]"],
            ["equivalence interval", f"({self.lower:.4g}, {self.upper:.4g})"],
            ["t lower / p", f"{self.t_lower:.4g} / {self.p_lower:.4g}"],
            ["t upper / p", f"{self.t_upper:.4g} / {self.p_upper:.4g}"],
            ["TOST p-value", self.p_value],
            ["equivalent", "yes" if self.equivalent else "no"],
        ]
        return f"TOST ({self.method})\n" + format_table(["", "value"], rows)


def _check_interval(lower: float, upper: float) -> None:
    if not (math.isfinite(lower) and math.isfinite(upper)) or not lower < upper:
        raise ValueError(f"equivalence interval must satisfy lower < upper, got ({lower}, {upper})")


def tost_from_stats(
    mean_test: float,
    sd_test: float,
    n_test: int,
    mean_ref: float,
    sd_ref: float,
    n_ref: int,
    lower: float,
    upper: float,
    *,
    alpha: float = 0.05,
    equal_var: bool = False,
) -> TostResult:
    """TOST from summary statistics (sample SDs with ddof = 1). See the module docstring."""
    _check_interval(lower, upper)
    if not 0 < alpha < 0.5:
        raise ValueError(f"alpha must be in (0, 0.5), got {alpha}")
    if n_test < 2 or n_ref < 2:
        raise ValueError("each group needs at least 2 values")
    vt, vr = sd_test**2, sd_ref**2
    if equal_var:
        df = float(n_test + n_ref - 2)
        sp2 = ((n_test - 1) * vt + (n_ref - 1) * vr) / df
        se = math.sqrt(sp2 * (1 / n_test + 1 / n_ref))
        method = "pooled"
    else:
        at, ar = vt / n_test, vr / n_ref
        se = math.sqrt(at + ar)
        denom = at**2 / (n_test - 1) + ar**2 / (n_ref - 1)
        df = (at + ar) ** 2 / denom if denom > 0 else float(n_test + n_ref - 2)
        method = "welch"
    diff = float(mean_test - mean_ref)
    tcrit = float(stats.t.ppf(1 - alpha, df))
    if se == 0:
        inside = lower < diff < upper
        t_l = math.inf if diff > lower else -math.inf
        t_u = math.inf if diff < upper else -math.inf
        p_l = 0.0 if diff > lower else 1.0
        p_u = 0.0 if diff < upper else 1.0
        return TostResult(diff, 0.0, df, lower, upper, alpha, t_l, p_l, t_u, p_u, max(p_l, p_u),
                          (diff, diff), inside, method)
    t_l = (diff - lower) / se
    t_u = (upper - diff) / se
    p_l = float(stats.t.sf(t_l, df))
    p_u = float(stats.t.sf(t_u, df))
    p = max(p_l, p_u)
    ci = (diff - tcrit * se, diff + tcrit * se)
    return TostResult(
        diff=diff, se=se, df=df, lower=float(lower), upper=float(upper), alpha=float(alpha),
        t_lower=float(t_l), p_lower=p_l, t_upper=float(t_u), p_upper=p_u, p_value=p,
        ci=(float(ci[0]), float(ci[1])), equivalent=bool(p < alpha), method=method,
    )


def tost_ind(
    test: np.ndarray,
    reference: np.ndarray,
    lower: float,
    upper: float,
    *,
    alpha: float = 0.05,
    equal_var: bool = False,
) -> TostResult:
    """TOST for two independent samples; NaNs are ignored. ``diff = mean(test) − mean(reference)``."""
    x = np.asarray(test, dtype=float)
    y = np.asarray(reference, dtype=float)
    x = x[~np.isnan(x)]
    y = y[~np.isnan(y)]
    return tost_from_stats(
        float(x.mean()), float(x.std(ddof=1)) if x.size > 1 else math.nan, int(x.size),
        float(y.mean()), float(y.std(ddof=1)) if y.size > 1 else math.nan, int(y.size),
        lower, upper, alpha=alpha, equal_var=equal_var,
    )


def tost_power(
    delta: float,
    lower: float,
    upper: float,
    sigma: float,
    *,
    n_test: int | None = None,
    n_ref: int | None = None,
    se_factor: float | None = None,
    df: float | None = None,
    alpha: float = 0.05,
) -> float:
    """Exact power of the TOST (pooled variance), see the module docstring.

    Either give the two group sizes (parallel groups: ``c = √(1/n_T + 1/n_R)``,
    ν = n_T + n_R − 2) or, for other designs, ``se_factor`` c and ``df`` ν directly
    (e.g. a 2×2 crossover with n subjects: c = √(2/n), ν = n − 2, as in PowerTOST).
    ``delta`` is the true difference, ``sigma`` the true SD.
    """
    _check_interval(lower, upper)
    if se_factor is None or df is None:
        if n_test is None or n_ref is None:
            raise ValueError("give n_test and n_ref, or se_factor and df")
        se_factor = math.sqrt(1 / n_test + 1 / n_ref)
        df = float(n_test + n_ref - 2)
    if sigma <= 0:
        return 1.0 if lower < delta < upper else 0.0
    # power is scale-free: work in units of sigma (and cache repeated evaluations)
    return _power_unit(round(delta / sigma, 14), round(lower / sigma, 14), round(upper / sigma, 14),
                       float(se_factor), float(df), float(alpha))


@lru_cache(maxsize=4096)
def _power_unit(delta: float, lower: float, upper: float, c: float, nu: float,
                alpha: float) -> float:
    """:func:`tost_power` with σ = 1 (scipy.special kernels: fast scalar calls inside quad)."""
    t = float(special.stdtrit(nu, 1 - alpha))
    s_max = (upper - lower) / (2 * t * c)
    v_max = nu * s_max**2  # V = ν S²/σ² ~ χ²_ν
    log_norm = -special.gammaln(nu / 2) - (nu / 2) * math.log(2.0)
    ndtr = special.ndtr

    def integrand(v: float) -> float:
        if v <= 0.0:
            return 0.0
        s = math.sqrt(v / nu)
        p = ndtr((upper - t * s * c - delta) / c) - ndtr((lower + t * s * c - delta) / c)
        if p <= 0.0:
            return 0.0
        return p * math.exp(log_norm + (nu / 2 - 1) * math.log(v) - v / 2)

    # split at the χ² mode so quad sees the peak
    mode = max(nu - 2.0, 0.0)
    points = [p for p in (mode,) if 0 < p < v_max]
    val, _ = integrate.quad(integrand, 0.0, v_max, points=points or None, limit=200,
                            epsabs=1e-13, epsrel=1e-11)
    return float(min(max(val, 0.0), 1.0))


@dataclass(frozen=True)
class SampleSize(Result):
    """Smallest group size(s) reaching ``target_power`` for a TOST."""

    n_test: int | None
    n_ref: int | None
    power: float | None
    target_power: float
    delta: float
    sigma: float
    lower: float
    upper: float
    alpha: float

    def summary(self) -> str:
        if self.n_test is None:
            return f"target power {self.target_power:g} not reachable"
        return (f"n_test = {self.n_test}, n_ref = {self.n_ref}, power = {self.power:.4f} "
                f"(target {self.target_power:g})")


def tost_sample_size(
    sigma: float,
    lower: float,
    upper: float,
    *,
    delta: float = 0.0,
    power: float = 0.8,
    alpha: float = 0.05,
    n_ref: int | None = None,
    n_max: int = 10_000,
) -> SampleSize:
    """Smallest n reaching ``power`` with the exact TOST power (pooled variance).

    With ``n_ref=None`` both groups have n (the classical "n per group"); with ``n_ref``
    fixed (e.g. the at-scale batches already made) the test group size is searched.
    Returns ``n_test=None`` when the target cannot be reached up to ``n_max`` (e.g. a
    true difference outside the interval, or too few reference values).
    """
    _check_interval(lower, upper)
    if not lower < delta < upper:
        return SampleSize(None, n_ref, None, power, delta, sigma, lower, upper, alpha)

    def pw(n: int) -> float:
        return tost_power(delta, lower, upper, sigma, n_test=n, n_ref=n if n_ref is None else n_ref,
                          alpha=alpha)

    if n_ref is not None and pw(n_max) < power:
        return SampleSize(None, n_ref, None, power, delta, sigma, lower, upper, alpha)
    # large-sample start (Chow, Shao & Wang 2008 §3.2), then walk to the exact boundary
    margin = min(upper - delta, delta - lower)
    if sigma <= 0:
        return SampleSize(2, 2 if n_ref is None else n_ref, 1.0, power, delta, sigma, lower, upper,
                          alpha)
    beta = 1 - power
    zb = stats.norm.ppf(1 - beta / 2) if math.isclose(delta, (lower + upper) / 2) else stats.norm.ppf(
        1 - beta)
    n0 = math.ceil((stats.norm.ppf(1 - alpha) + zb) ** 2 * 2 * sigma**2 / margin**2)
    n = int(min(max(n0, 2), n_max))
    if pw(n) >= power:
        while n > 2 and pw(n - 1) >= power:
            n -= 1
    else:
        # exponential then binary search upwards
        lo, hi = n, n
        while pw(hi) < power:
            lo = hi
            hi = min(hi * 2, n_max)
            if hi == n_max and pw(hi) < power:
                return SampleSize(None, n_ref, None, power, delta, sigma, lower, upper, alpha)
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if pw(mid) >= power:
                hi = mid
            else:
                lo = mid
        n = hi
    return SampleSize(n, n if n_ref is None else n_ref, pw(n), power, delta, sigma, lower, upper,
                      alpha)
