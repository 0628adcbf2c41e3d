"""Process performance index Ppk with its confidence interval.

Ppk uses the overall standard deviation ``s`` of all values (Pp/Ppk: overall σ; Cp/Cpk:
within-subgroup σ — AIAG SPC manual; Montgomery, *Introduction to Statistical Quality
Control*, §8.3)::

    Ppu = (USL − x̄) / 3s,   Ppl = (x̄ − LSL) / 3s,   Ppk = min(Ppu, Ppl)

(one-sided specifications give Ppu or Ppl alone). Approximate two-sided confidence
interval of Bissell (1990, *Applied Statistics* 39:331–340), quoted by Rodriguez (1992,
*J. Quality Technology* 24:176–187)::

    Ppk ± z_{(1+γ)/2} √( 1/(9n) + Ppk² / (2(n − 1)) )

Checked against the worked example in Quality Digest (May 2000, "The last word":
n = 45, Cpk = 1.15 → 95 % interval 0.89 to 1.41); ``tests/core/ppq/test_capability.py``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import special

from qbdkit.core.result import Result
from qbdkit.errors import QbdInputError

__all__ = ["Capability", "bissell_interval", "ppk"]


@dataclass(frozen=True)
class Capability(Result):
    """Ppk of one attribute; ``ppl``/``ppu`` None when that limit is absent."""

    n: int
    mean: float
    sd: float
    lower_limit: float | None
    upper_limit: float | None
    ppl: float | None
    ppu: float | None
    ppk: float
    confidence: float
    ppk_lower: float
    ppk_upper: float

    def summary(self) -> str:
        return (f"Ppk = {self.ppk:.3g} ({100 * self.confidence:g} % CI {self.ppk_lower:.3g} "
                f"to {self.ppk_upper:.3g}), n = {self.n}, mean {self.mean:.6g}, "
                f"SD {self.sd:.4g}")


def bissell_interval(index: float, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Bissell's approximate two-sided interval of a Cpk/Ppk estimate from n values."""
    z = special.ndtri(0.5 + 0.5 * confidence)
    half = z * math.sqrt(1.0 / (9.0 * n) + index ** 2 / (2.0 * (n - 1)))
    return index - half, index + half


def ppk(values, lower: float | None = None, upper: float | None = None, *,
        confidence: float = 0.95) -> Capability:
    """Ppk of ``values`` against ``lower``/``upper`` (at least one) with Bissell's interval."""
    x = np.asarray(values, dtype=float).ravel()
    if lower is None and upper is None:
        raise QbdInputError("no specification limit", column="lower/upper",
                            expected="a lower or an upper limit for Ppk", found="none")
    if x.size < 2:
        raise QbdInputError("fewer than 2 values", column="values",
                            expected="at least 2 values for Ppk", found=x.size)
    mean, sd = float(x.mean()), float(x.std(ddof=1))
    if not sd > 0:
        raise QbdInputError("all values are equal", column="values",
                            expected="values that vary (SD > 0)", found=f"SD {sd}")
    ppl = None if lower is None else (mean - lower) / (3 * sd)
    ppu = None if upper is None else (upper - mean) / (3 * sd)
    index = min(v for v in (ppl, ppu) if v is not None)
    lo, hi = bissell_interval(index, x.size, confidence)
    return Capability(n=int(x.size), mean=mean, sd=sd, lower_limit=lower, upper_limit=upper,
                      ppl=ppl, ppu=ppu, ppk=index, confidence=confidence, ppk_lower=lo,
                      ppk_upper=hi)
