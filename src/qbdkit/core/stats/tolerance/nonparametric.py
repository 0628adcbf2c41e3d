"""Distribution-free (order-statistic) tolerance intervals.

For a continuous distribution the coverage ``F(X_(n+1−s)) − F(X_(r))`` of the interval
between the r-th smallest and the s-th largest of n values has the Beta(n − m + 1, m)
distribution with ``m = r + s`` (Wilks 1941, *Ann. Math. Statist.* 12:91–96; Hahn &
Meeker 1991, *Statistical Intervals*, §5); a one-sided bound ``X_(r)`` (or the r-th
largest) covers ``1 − F(X_(r)) ~ Beta(n − r + 1, r)``, i.e. the same law with ``m = r``.
Hence, for coverage P,

    confidence(n, P, m) = P(Beta(n − m + 1, m) ≥ P) = 1 − I_P(n − m + 1, m)

(``scipy.special.betaincc``; for the minimum–maximum, m = 2, this is NIST e-Handbook
§7.2.6.4's ``1 − n P^{n−1} + (n − 1) P^n``); the coverage reached with confidence γ is
``I⁻¹_{1−γ}(n − m + 1, m)`` (``betaincinv``) and the number of values needed is the
smallest n whose confidence reaches γ.

Checked against NIST e-Handbook §7.2.6.4 (confidence of min–max, n = 25), Meeker, Hahn &
Escobar 2017 Table J.11 (one-sided order-statistic ranks) and Wilks' sample sizes
(59 / 93 for 95 % / 95 % one-/two-sided); ``tests/data/tolerance/README.md``.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from qbdkit.core.stats.tolerance.normal import (
    ToleranceInterval,
    _check_sides,
    _sample,
    check_level,
)
from qbdkit.errors import QbdInputError

__all__ = [
    "nonparametric_confidence",
    "nonparametric_coverage",
    "nonparametric_interval",
    "nonparametric_rank",
    "nonparametric_sample_size",
]


def _removed(sides: int, removed: int | None) -> int:
    sides = _check_sides(sides)
    m = sides if removed is None else int(removed)
    if m < sides:
        raise QbdInputError("too few order statistics removed", column="removed",
                            expected=f"at least {sides} (one per bound)", found=m)
    return m


def nonparametric_confidence(n, coverage, *, sides: int = 2, removed: int | None = None):
    """Confidence that the order-statistic interval covers at least ``coverage``.

    ``removed`` = m (r + s for two-sided, r for one-sided); default the minimum and
    maximum (m = 2) or the extreme value (m = 1). Zero when ``n < m``.
    """
    m = _removed(sides, removed)
    n_arr = np.asarray(n, dtype=float)
    p = np.asarray(coverage, dtype=float)
    with np.errstate(invalid="ignore"):
        out = np.where(n_arr >= m, special.betaincc(np.maximum(n_arr - m + 1, 1), m, p), 0.0)
    return float(out) if out.ndim == 0 else out


def nonparametric_coverage(n, confidence, *, sides: int = 2, removed: int | None = None):
    """Coverage reached with ``confidence`` by the order-statistic interval of n values."""
    m = _removed(sides, removed)
    n_arr = np.asarray(n, dtype=float)
    g = np.asarray(confidence, dtype=float)
    with np.errstate(invalid="ignore"):
        out = np.where(n_arr >= m, special.betaincinv(np.maximum(n_arr - m + 1, 1), m, 1 - g),
                       0.0)
    return float(out) if out.ndim == 0 else out


def nonparametric_sample_size(coverage: float, confidence: float, *, sides: int = 2,
                              removed: int | None = None) -> int:
    """Smallest n whose order-statistic interval reaches ``coverage`` with ``confidence``."""
    p = check_level(coverage, "coverage")
    g = check_level(confidence, "confidence")
    m = _removed(sides, removed)

    def ok(n: int) -> bool:
        return special.betaincc(n - m + 1, m, p) >= g

    hi = max(m, 1)
    while not ok(hi):
        hi *= 2
        if hi > 10**9:  # pragma: no cover - needs coverage within ~1e-9 of 1
            raise QbdInputError("coverage too close to 1", column="coverage",
                                expected="a coverage that 10⁹ values can reach", found=p)
    lo = max(m, hi // 2)
    while lo < hi:
        mid = (lo + hi) // 2
        if ok(mid):
            hi = mid
        else:
            lo = mid + 1
    return int(hi)


def nonparametric_rank(n: int, coverage: float, confidence: float, *, sides: int = 1) -> int | None:
    """Largest r such that ``X_(r)`` (one-sided) or ``(X_(r), X_(n+1−r))`` (two-sided)
    reaches ``coverage`` with ``confidence``; None when even r = 1 does not."""
    p = check_level(coverage, "coverage")
    g = check_level(confidence, "confidence")
    sides = _check_sides(sides)
    r_max = n // 2 if sides == 2 else n
    rs = np.arange(1, r_max + 1)
    if rs.size == 0:
        return None
    conf = special.betaincc(n - sides * rs + 1, sides * rs, p)
    good = rs[conf >= g]
    return int(good.max()) if good.size else None


def nonparametric_interval(values, coverage: float = 0.99, confidence: float = 0.95, *,
                           sides: int = 2) -> ToleranceInterval:
    """Order-statistic interval: the widest-inward symmetric ranks that still reach
    ``coverage`` with ``confidence``; with too few values, the minimum and maximum with
    the confidence they do reach (``meets_confidence=False``, ``n_required``)."""
    x = np.sort(_sample(values))
    p = check_level(coverage, "coverage")
    g = check_level(confidence, "confidence")
    sides = _check_sides(sides)
    n = x.size
    r = nonparametric_rank(n, p, g, sides=sides)
    meets = r is not None
    r = r or 1
    achieved = float(special.betaincc(n - sides * r + 1, sides * r, p))
    return ToleranceInterval(
        n=n, mean=float(x.mean()), sd=float(x.std(ddof=1)), k=None, lower=float(x[r - 1]),
        upper=float(x[n - r]), method="nonparametric", sides=sides, coverage=p, confidence=g,
        ranks=[r, n + 1 - r], achieved_confidence=achieved,
        n_required=nonparametric_sample_size(p, g, sides=sides), meets_confidence=meets)
