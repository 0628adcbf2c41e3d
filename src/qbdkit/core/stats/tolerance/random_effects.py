"""Tolerance intervals for values grouped by batch (one-way random model).

Release data come several to a batch: ``y_ij = μ + b_i + e_ij`` with a batch effect
``b_i ~ N(0, σ²_B)`` and a within-batch error ``e_ij ~ N(0, σ²_W)``. A tolerance interval
for a future single value must cover ``N(μ, σ²_B + σ²_W)``; treating all values as one
sample understates the uncertainty when σ²_B dominates.

Statistics (I batches, ``J_i`` values in batch i, ``J_H`` = harmonic mean of the J_i;
Hoffman & Kringle 2005, *J. Biopharm. Stat.* 15:283–293; Montes, Burdick & LeBlond 2019,
*PDA J. Pharm. Sci. Technol.* 73:39–59)::

    ȳ*   = mean of the batch means (unweighted)
    S²_L = sample variance of the batch means (I − 1 df)
    S²_E = pooled within-batch variance (r = Σ J_i − I df)
    σ̂²_Y = S²_L + (1 − 1/J_H) S²_E            (total variance of one value)
    n_E  = σ̂²_Y / (S²_L / I)                   (effective sample size of ȳ*)

``method="hoffman-kringle"``: the modified-large-sample (MLS) upper confidence bound of
σ²_Y (Graybill & Wang 1980, *JASA* 75:869–873)::

    U = σ̂²_Y + √( (H₁ S²_L)² + (H₂ (1 − 1/J_H) S²_E)² ),
    H₁ = (I − 1)/χ²_{I−1; 1−γ} − 1,   H₂ = r/χ²_{r; 1−γ} − 1,

two-sided interval (Hoffman & Kringle 2005) ``ȳ* ± z_{(1+P)/2} √(1 + 1/n_E) √U``; one-sided
bounds ``ȳ* ± (z_P √U + z_γ √(S²_L/I))`` — the upper confidence bound of the mean plus
z_P times the MLS bound of σ_Y, a simple conservative combination (simulated confidence
0.97–0.99 for a nominal 0.95 with 3–10 batches), not Hoffman's (2010, *Technometrics*
52:303–312) refined one-sided limit.

``method="satterthwaite"`` (the effective-sample-size approach of Mee 1984,
*Technometrics* 26:251–254): σ̂²_Y with Satterthwaite's degrees of freedom
``ν = σ̂⁴_Y / (S⁴_L/(I − 1) + ((1 − 1/J_H) S²_E)²/r)`` and the normal factor
``k(n_E, P, γ; df = ν)`` of :func:`~qbdkit.core.stats.tolerance.normal.normal_factor`,
interval ``ȳ* ± k σ̂_Y``. Offered for comparison: with few batches it is anti-conservative
(simulated confidence 0.88 for a nominal 0.95 with 3 batches of 3, 0.92 with 6 of 3).

The ANOVA variance components (σ̂²_B = S²_L − S²_E/J_H, floored at 0) are reported beside.
Validation: the components against Montgomery's loom example and the factor against the
published normal tables; the intervals' confidence by simulation
(``tests/core/stats/test_tolerance_random.py``) — no published worked example of either
interval was available to check the end result digit by digit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import special

from qbdkit.core.result import Result, format_table
from qbdkit.core.stats.tolerance.normal import _check_sides, check_level, normal_factor
from qbdkit.core.stats.variance import group_arrays
from qbdkit.errors import QbdInputError

__all__ = ["RandomEffectsInterval", "random_effects_interval"]

METHODS = ("hoffman-kringle", "satterthwaite")


@dataclass(frozen=True)
class RandomEffectsInterval(Result):
    """Tolerance interval for one future value of a batch-structured attribute.

    ``sd`` = σ̂_Y (total); ``k`` is the multiplier of ``sd`` that gives the interval
    (for two-sided Hoffman–Kringle ``z √(1 + 1/n_E) √(U/σ̂²_Y)``). ``var_total_upper`` is U
    (Hoffman–Kringle) and ``df_total`` ν (Satterthwaite).
    """

    n: int
    n_batches: int
    batch_size_harmonic: float
    mean: float
    sd: float
    k: float
    lower: float
    upper: float
    method: str
    sides: int
    coverage: float
    confidence: float
    var_batch_means: float
    var_within: float
    var_between: float
    var_total: float
    n_effective: float
    var_total_upper: float | None = None
    df_total: float | None = None

    def summary(self) -> str:
        kind = "two-sided" if self.sides == 2 else "one-sided bounds"
        rows = [["values / batches", f"{self.n} / {self.n_batches}"],
                ["mean of batch means", self.mean],
                ["between-batch variance", self.var_between],
                ["within-batch variance", self.var_within],
                ["total SD", self.sd], ["effective n", self.n_effective], ["k", self.k],
                ["lower", self.lower], ["upper", self.upper]]
        return (f"Tolerance interval with a batch random effect ({kind}, {self.method}): "
                f"{100 * self.coverage:g} % coverage, {100 * self.confidence:g} % confidence\n"
                + format_table(["", "value"], rows, floatfmt=".6g"))


def random_effects_interval(values, batches, coverage: float = 0.99,
                            confidence: float = 0.95, *, sides: int = 2,
                            method: str = "hoffman-kringle") -> RandomEffectsInterval:
    """Tolerance interval for ``values`` grouped by ``batches`` (see module docstring)."""
    p = check_level(coverage, "coverage")
    g = check_level(confidence, "confidence")
    sides = _check_sides(sides)
    if method not in METHODS:
        raise QbdInputError("unknown random-effects method", column="method",
                            expected=" | ".join(METHODS), found=method)
    arrays, _ = group_arrays(values, batches)
    n_total = sum(len(a) for a in arrays)
    if n_total < 2:
        raise QbdInputError("fewer than 2 values", column="values",
                            expected="at least 2 values for a tolerance interval", found=n_total)
    n_b = len(arrays)
    sizes = np.array([len(a) for a in arrays], dtype=float)
    s_df, r_df = n_b - 1, int(sizes.sum()) - n_b
    if s_df < 1:
        raise QbdInputError("fewer than 2 batches", column="batch",
                            expected="values from at least 2 batches", found=n_b)
    if r_df < 1:
        raise QbdInputError("no batch has 2 or more values", column="batch",
                            expected="replicate values within at least one batch "
                                     "(else use the normal interval on the batch values)",
                            found=f"{n_total} values in {n_b} batches")
    j_h = float(n_b / np.sum(1.0 / sizes))
    means = np.array([a.mean() for a in arrays])
    ybar = float(means.mean())
    s2_l = float(means.var(ddof=1))
    s2_e = float(sum(np.sum((a - a.mean()) ** 2) for a in arrays) / r_df)
    within = (1.0 - 1.0 / j_h) * s2_e
    var_y = s2_l + within
    if not var_y > 0:
        raise QbdInputError("all values are equal", column="values",
                            expected="values that vary", found=f"{n_total} equal values")
    n_e = var_y / (s2_l / n_b) if s2_l > 0 else math.inf
    var_b = max(s2_l - s2_e / j_h, 0.0)
    upper_var = df_total = None
    if method == "hoffman-kringle":
        h1 = s_df / special.chdtri(s_df, g) - 1.0
        h2 = r_df / special.chdtri(r_df, g) - 1.0
        upper_var = var_y + math.sqrt((h1 * s2_l) ** 2 + (h2 * within) ** 2)
        if sides == 2:
            half = (special.ndtri(0.5 + 0.5 * p) * math.sqrt(1.0 + 1.0 / n_e)
                    * math.sqrt(upper_var))
        else:
            half = special.ndtri(p) * math.sqrt(upper_var) + special.ndtri(g) * math.sqrt(
                s2_l / n_b)
        k = half / math.sqrt(var_y)
    else:
        df_total = var_y ** 2 / (s2_l ** 2 / s_df + within ** 2 / r_df)
        k = float(normal_factor(min(n_e, 1e12), p, g, sides=sides, df=df_total))
        half = k * math.sqrt(var_y)
    return RandomEffectsInterval(
        n=n_total, n_batches=n_b, batch_size_harmonic=j_h, mean=ybar, sd=math.sqrt(var_y),
        k=float(k), lower=ybar - half, upper=ybar + half, method=method, sides=sides,
        coverage=p, confidence=g, var_batch_means=s2_l, var_within=s2_e, var_between=var_b,
        var_total=var_y, n_effective=float(n_e), var_total_upper=upper_var, df_total=df_total)
