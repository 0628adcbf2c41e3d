"""Control-chart constants d₂, d₃, c₄ for a subgroup of size n (normal data).

* ``d2(n) = E[W]/σ`` and ``d3(n) = SD[W]/σ`` of the relative range ``W`` of n normal
  observations (Tippett 1925): ``E[W] = ∫ 1 − Φ(x)ⁿ − (1 − Φ(x))ⁿ dx`` and
  ``E[W²] = 2 ∫∫_{x<y} 1 − Φ(y)ⁿ − (1 − Φ(x))ⁿ + (Φ(y) − Φ(x))ⁿ dx dy``; computed by
  numerical integration (``scipy.integrate``), so any n works, not only a printed table
  (Montgomery, Introduction to Statistical Quality Control, Appendix Table VI;
  ASTM E2587). The tests compare with the printed table.
* ``c4(n) = sqrt(2/(n−1)) Γ(n/2)/Γ((n−1)/2)`` (exact; ``E[s] = c4 σ``).

Hand-written because neither scipy nor statsmodels exposes these constants.
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np
from scipy import integrate, special

_LIM = 9.0  # |x| beyond which Φ is 0/1 to double precision


@cache
def d2(n: int) -> float:
    """Mean of the range of n standard normal observations (n ≥ 2)."""
    n = int(n)
    if n < 2:
        return math.nan
    f = lambda x: 1.0 - special.ndtr(x) ** n - special.ndtr(-x) ** n  # noqa: E731
    val, _ = integrate.quad(f, -_LIM, _LIM, limit=200, epsabs=1e-13, epsrel=1e-12)
    return float(val)


@cache
def d3(n: int) -> float:
    """Standard deviation of the range of n standard normal observations (n ≥ 2)."""
    n = int(n)
    if n < 2:
        return math.nan

    def inner(y: float, x: float) -> float:
        fy, fx = special.ndtr(y), special.ndtr(x)
        return 1.0 - fy**n - (1.0 - fx) ** n + (fy - fx) ** n

    ew2, _ = integrate.dblquad(inner, -_LIM, _LIM, lambda x: x, lambda x: _LIM,
                               epsabs=1e-11, epsrel=1e-10)
    return float(math.sqrt(max(2.0 * ew2 - d2(n) ** 2, 0.0)))


def c4(n: int | float | np.ndarray) -> float | np.ndarray:
    """Bias factor of the sample standard deviation: ``E[s] = c4(n)·σ`` (n ≥ 2)."""
    n_arr = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore"):
        out = np.sqrt(2.0 / (n_arr - 1.0)) * np.exp(
            special.gammaln(n_arr / 2.0) - special.gammaln((n_arr - 1.0) / 2.0))
    out = np.where(n_arr >= 2, out, np.nan)
    return float(out) if out.ndim == 0 else out


def d2_array(sizes: np.ndarray) -> np.ndarray:
    """``d2`` for each subgroup size (cached per distinct size)."""
    sizes = np.asarray(sizes, dtype=int)
    table = {int(s): d2(int(s)) for s in np.unique(sizes)}
    return np.array([table[int(s)] for s in sizes], dtype=float)


def d3_array(sizes: np.ndarray) -> np.ndarray:
    sizes = np.asarray(sizes, dtype=int)
    table = {int(s): d3(int(s)) for s in np.unique(sizes)}
    return np.array([table[int(s)] for s in sizes], dtype=float)
