"""Normal tolerance factors and intervals: ``x̄ ± k·s`` covering a proportion *P* (coverage)
of the population with confidence *γ*.

Notation: ``n`` — size of the sample whose mean is used (``x̄ ~ N(μ, σ²/n)``); ``df`` —
degrees of freedom of ``s`` (``s² ~ σ² χ²_df / df``; ``n − 1`` for one sample, ``m(n − 1)``
when the variance is pooled from ``m`` samples of size ``n``); ``z_q = Φ⁻¹(q)``.

Two-sided, exact (``method="exact"``; Odeh 1978, *Commun. Statist. Simul. Comput.* B7:183–201;
Krishnamoorthy & Mathew 2009, *Statistical Tolerance Regions*, eq. 2.3.4): ``k`` solves

    γ = 2 ∫₀^∞ P( χ²_df > df · r(z)² / k² ) · √n φ(√n z) dz,

where ``r(z)`` is the half-width that makes ``Φ(z + r) − Φ(z − r) = P`` (``r² =
χ²_{1;P}(z²)``, the *P* quantile of the non-central χ² with 1 df and non-centrality z²).
With ``u = √n z`` the integral is the expectation of a smooth even function of a standard
normal ``u``; it is evaluated by Gauss–Hermite quadrature (``numpy.polynomial.hermite_e``;
64 nodes, 200 when ``n < 5`` or ``df < 5`` where the integrand varies faster — relative
error below 1e-9 against adaptive quadrature), ``r(u/√n)`` at the nodes by a bracketed
Newton iteration, and ``k`` by Newton's method in ``log k`` started from Howe's value.
The nodes do not depend on ``k``, so each Newton step costs one vectorised χ² survival
evaluation; many (n, P, γ) cells are solved at once. Hand-written because scipy has no
tolerance factor and the peers (``toleranceinterval``, R ``tolerance``) integrate
adaptively per factor (≈ 10× slower, see ``benchmarks/tolerance.py``).

Two-sided, Howe (``method="howe"``; Howe 1969, *JASA* 64:610–620; NIST/SEMATECH
e-Handbook §7.2.6.3)::

    k = √( df (1 + 1/n) z²_{(1+P)/2} / χ²_{df; 1−γ} )

One-sided (exact; Owen 1963; NIST e-Handbook §7.2.6.3; Krishnamoorthy & Mathew §2.2):
``k = t'_{df; γ}(δ = z_P √n) / √n`` with ``t'`` the non-central t quantile
(``scipy.special.nctdtrit``). The same ``k`` gives the lower bound ``x̄ − k s`` and the
upper bound ``x̄ + k s``, each with confidence γ on its own.

Checked against ISO 16269-6:2014 Annex F (two-sided, m = 1…10 samples, 4 decimals),
Meeker, Hahn & Escobar 2017 Tables J.5a/J.5b (two-sided, 3 decimals), Montgomery &
Runger Table XII (one-sided, 3 decimals) and the NIST e-Handbook example (Howe);
``tests/data/tolerance/README.md``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import numpy as np
from scipy import special

from qbdkit.core.result import Result, format_table
from qbdkit.errors import QbdInputError

__all__ = [
    "ToleranceFactor",
    "ToleranceInterval",
    "check_level",
    "normal_factor",
    "normal_interval",
    "tolerance_factor",
]

#: Gauss–Hermite node counts: (regular, small n or df)
_NODES = (64, 200)
_SMALL = 5


def check_level(value: float, name: str) -> float:
    """``value`` as float if 0 < value < 1, else :class:`QbdInputError` naming ``name``."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise QbdInputError("not a number", column=name, expected="a number between 0 and 1",
                            found=value) from None
    if not (0.0 < v < 1.0) or math.isnan(v):
        raise QbdInputError(f"{name} out of range", column=name,
                            expected="a proportion strictly between 0 and 1 (e.g. 0.95)",
                            found=value)
    return v


def _check_sides(sides: int) -> int:
    if sides not in (1, 2):
        raise QbdInputError("sides must be 1 or 2", column="sides", expected="1 | 2", found=sides)
    return int(sides)


@cache
def _hermite(nodes: int) -> tuple[np.ndarray, np.ndarray]:
    """Non-negative probabilists' Gauss–Hermite nodes with weights for E[f(|U|)], U ~ N(0, 1)."""
    u, w = np.polynomial.hermite_e.hermegauss(nodes)
    keep = u > 0  # even node count: symmetric pairs, no node at 0
    return u[keep], 2.0 * w[keep] / math.sqrt(2.0 * math.pi)


def _coverage_radius(z: np.ndarray, p: np.ndarray) -> np.ndarray:
    """``r ≥ 0`` with ``Φ(z + r) − Φ(z − r) = p`` for ``z ≥ 0`` (broadcast arrays).

    The miss ``h(r) = Φ(−z − r) + Φ(z − r) − (1 − p)`` decreases in r; the root lies in
    ``[max(0, z + z_p), z + z_{(1+p)/2}]``. Newton steps, replaced by bisection when they
    leave the bracket.
    """
    z, p = np.broadcast_arrays(z, p)
    q = 1.0 - p
    lo = np.maximum(z + special.ndtri(p), 0.0)
    hi = z + special.ndtri(0.5 + 0.5 * p)
    r = lo.copy()
    for _ in range(100):
        h = special.ndtr(-z - r) + special.ndtr(z - r) - q
        lo = np.where(h > 0, r, lo)
        hi = np.where(h > 0, hi, r)
        dh = -(np.exp(-0.5 * (z + r) ** 2) + np.exp(-0.5 * (z - r) ** 2)) / math.sqrt(2 * math.pi)
        with np.errstate(divide="ignore", invalid="ignore"):
            new = r - h / dh
        bad = ~np.isfinite(new) | (new < lo) | (new > hi)
        new = np.where(bad, 0.5 * (lo + hi), new)
        done = np.abs(new - r) <= 1e-15 * np.maximum(1.0, r)
        r = new
        if np.all(done):
            break
    return r


def _howe(n, df, p, g):
    z = special.ndtri(0.5 + 0.5 * p)
    return np.sqrt(df * (1.0 + 1.0 / n) * z * z / special.chdtri(df, g))


def _exact_two_sided(n: np.ndarray, df: np.ndarray, p: np.ndarray, g: np.ndarray) -> np.ndarray:
    out = np.empty(n.shape)
    small = (n < _SMALL) | (df < _SMALL)
    for mask, nodes in ((~small, _NODES[0]), (small, _NODES[1])):
        if mask.any():
            out[mask] = _solve_exact(n[mask], df[mask], p[mask], g[mask], nodes)
    return out


def _solve_exact(n, df, p, g, nodes):
    u, w = _hermite(nodes)
    r = _coverage_radius(u[None, :] / np.sqrt(n)[:, None], p[:, None])
    r2 = r * r
    d = df[:, None]
    log_norm = (d / 2.0) * math.log(2.0) + special.gammaln(d / 2.0)
    k = _howe(n, df, p, g)
    for _ in range(60):
        x = d * r2 / (k * k)[:, None]
        miss = special.chdtrc(d, x) @ w - g
        # d/d(log k) of P(χ²_df > df r²/k²) = 2 x f_df(x)
        dens = np.exp((d / 2.0 - 1.0) * np.log(x) - x / 2.0 - log_norm)
        slope = (2.0 * x * dens) @ w
        step = np.clip(miss / slope, -0.5, 0.5)
        k = k * np.exp(-step)
        if np.all(np.abs(step) < 1e-13):
            break
    return k


def normal_factor(n, coverage, confidence, *, sides: int = 2, method: str = "exact",
                  df=None):
    """Tolerance factor(s) ``k`` for ``x̄ ± k s`` (arrays broadcast; a float for scalars).

    ``sides=2``: ``method="exact"`` (numerical integration) or ``"howe"``; ``sides=1``:
    the exact non-central t factor (``method`` is ignored). ``df`` defaults to ``n − 1``.
    """
    sides = _check_sides(sides)
    if method not in ("exact", "howe"):
        raise QbdInputError("unknown tolerance-factor method", column="method",
                            expected="exact | howe", found=method)
    n_arr = np.asarray(n, dtype=float)
    p_arr = np.asarray(coverage, dtype=float)
    g_arr = np.asarray(confidence, dtype=float)
    d_arr = n_arr - 1.0 if df is None else np.asarray(df, dtype=float)
    if np.any(~np.isfinite(n_arr)) or np.any(n_arr <= 1):
        raise QbdInputError("sample size out of range", column="n",
                            expected="more than 1 (at least 2 values)",
                            found=_first(n_arr, (n_arr <= 1) | ~np.isfinite(n_arr)))
    if np.any(~np.isfinite(d_arr)) or np.any(d_arr <= 0):
        raise QbdInputError("degrees of freedom out of range", column="df",
                            expected="a positive number", found=_first(d_arr, d_arr <= 0))
    for arr, name in ((p_arr, "coverage"), (g_arr, "confidence")):
        bad = ~((arr > 0) & (arr < 1))
        if np.any(bad):
            check_level(_first(arr, bad), name)
    scalar = all(np.ndim(a) == 0 for a in (n_arr, p_arr, g_arr, d_arr))
    nb, pb, gb, db = (np.atleast_1d(a).astype(float).ravel() for a in
                      np.broadcast_arrays(n_arr, p_arr, g_arr, d_arr))
    shape = np.broadcast_shapes(n_arr.shape, p_arr.shape, g_arr.shape, d_arr.shape)
    if sides == 1:
        k = special.nctdtrit(db, special.ndtri(pb) * np.sqrt(nb), gb) / np.sqrt(nb)
    elif method == "howe":
        k = _howe(nb, db, pb, gb)
    else:
        k = _exact_two_sided(nb, db, pb, gb)
    return float(k[0]) if scalar else k.reshape(shape)


def _first(arr: np.ndarray, mask) -> float:
    flat = np.atleast_1d(arr)[np.atleast_1d(np.broadcast_to(mask, np.shape(arr)))]
    return float(flat[0]) if flat.size else float("nan")


def method_label(sides: int, method: str) -> str:
    """The factor's method as stored in results: ``exact``, ``howe`` or ``noncentral-t``."""
    return "noncentral-t" if sides == 1 else method


@dataclass(frozen=True)
class ToleranceFactor(Result):
    """One tolerance factor ``k`` and what it was computed for."""

    n: float
    df: float
    coverage: float
    confidence: float
    sides: int
    method: str
    k: float

    def summary(self) -> str:
        kind = "two-sided" if self.sides == 2 else "one-sided"
        return (f"{kind} normal tolerance factor ({self.method}): k = {self.k:.6g}\n"
                f"  n = {self.n:g}, df = {self.df:g}, coverage = {self.coverage:g}, "
                f"confidence = {self.confidence:g}")


def tolerance_factor(n: float, coverage: float, confidence: float, *, sides: int = 2,
                     method: str = "exact", df: float | None = None) -> ToleranceFactor:
    """:func:`normal_factor` for one cell, as a result object."""
    check_level(coverage, "coverage")
    check_level(confidence, "confidence")
    k = normal_factor(n, coverage, confidence, sides=sides, method=method, df=df)
    return ToleranceFactor(n=float(n), df=float(n - 1 if df is None else df),
                           coverage=float(coverage), confidence=float(confidence),
                           sides=int(sides), method=method_label(sides, method), k=float(k))


@dataclass(frozen=True)
class ToleranceInterval(Result):
    """A tolerance interval from one sample.

    ``method``: ``exact``/``howe`` (normal, two-sided), ``noncentral-t`` (normal,
    one-sided) or ``nonparametric`` (order statistics). For ``sides=1`` ``lower`` and
    ``upper`` are the two one-sided bounds, each with the stated confidence on its own.
    Nonparametric intervals fill ``ranks`` (the order statistics used, 1-based),
    ``achieved_confidence`` and ``n_required`` (values needed for the minimum/maximum to
    reach the confidence); ``k`` is None for them and ``mean``/``sd`` are descriptive.
    ``meets_confidence`` is False when too few values give less than the asked confidence.
    """

    n: int
    mean: float
    sd: float
    k: float | None
    lower: float
    upper: float
    method: str
    sides: int
    coverage: float
    confidence: float
    df: float | None = None
    ranks: list[int] | None = None
    achieved_confidence: float | None = None
    n_required: int | None = None
    meets_confidence: bool = True

    def summary(self) -> str:
        kind = "two-sided" if self.sides == 2 else "one-sided bounds"
        head = (f"Tolerance interval ({kind}, {self.method}): {100 * self.coverage:g} % "
                f"coverage, {100 * self.confidence:g} % confidence")
        rows = [["n", self.n], ["mean", self.mean], ["SD", self.sd]]
        if self.k is not None:
            rows.append(["k", self.k])
        if self.ranks is not None:
            rows.append(["order statistics", ", ".join(str(r) for r in self.ranks)])
            rows.append(["achieved confidence", self.achieved_confidence])
        rows += [["lower", self.lower], ["upper", self.upper]]
        text = head + "\n" + format_table(["", "value"], rows, floatfmt=".6g")
        if not self.meets_confidence:
            text += (f"\nnote: {self.n} values give only {100 * (self.achieved_confidence or 0):.1f} % "
                     f"confidence; {self.n_required} are needed")
        return text


def _sample(values, name: str = "values") -> np.ndarray:
    x = np.asarray(values, dtype=float).ravel()
    if x.size and not np.all(np.isfinite(x)):
        raise QbdInputError("not a finite number", column=name, expected="finite numbers",
                            found="NaN or inf")
    if x.size < 2:
        raise QbdInputError("fewer than 2 values", column=name,
                            expected="at least 2 values for a tolerance interval", found=x.size)
    return x


def normal_interval(values, coverage: float = 0.99, confidence: float = 0.95, *,
                    sides: int = 2, method: str = "exact") -> ToleranceInterval:
    """``x̄ ± k s`` from ``values`` (``s`` with ``n − 1`` df), factor by :func:`normal_factor`."""
    x = _sample(values)
    p = check_level(coverage, "coverage")
    g = check_level(confidence, "confidence")
    sides = _check_sides(sides)
    n = x.size
    mean, sd = float(x.mean()), float(x.std(ddof=1))
    k = float(normal_factor(n, p, g, sides=sides, method=method))
    return ToleranceInterval(n=n, mean=mean, sd=sd, k=k, lower=mean - k * sd,
                             upper=mean + k * sd, method=method_label(sides, method),
                             sides=sides, coverage=p, confidence=g, df=float(n - 1))
