"""Response-surface model rows for the design space and the optimizer.

A :class:`SurfaceModel` turns factor settings in ACTUAL units (N×k) into model
rows (N×p) in CODED units ``c = (x − centre)/half_range`` (−1 … +1 over the
studied range), with the usual polynomial families:

* ``linear``:      1, c_i
* ``interaction``: 1, c_i, c_i c_j (i < j)
* ``quadratic``:   1, c_i, c_i c_j (i < j), c_i²

Coding does not change predictions, only the conditioning of XᵀX. Hand-written
(a few lines) because the design space evaluates millions of rows and a formula
engine (patsy) per chunk would dominate the run time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qbdkit.errors import QbdInputError

MODEL_KINDS = ("linear", "interaction", "quadratic")


@dataclass(frozen=True)
class SurfaceModel:
    """Polynomial model in coded factors; ``low``/``high`` define the coding."""

    factors: tuple[str, ...]
    low: tuple[float, ...]
    high: tuple[float, ...]
    kind: str = "quadratic"

    def __post_init__(self) -> None:
        if self.kind not in MODEL_KINDS:
            raise QbdInputError("unknown model", column="--model",
                                expected=" | ".join(MODEL_KINDS), found=self.kind)
        for f, lo, hi in zip(self.factors, self.low, self.high, strict=True):
            if not hi > lo:
                raise QbdInputError("factor has no range", column=f,
                                    expected="high > low", found=f"low={lo}, high={hi}")

    @property
    def k(self) -> int:
        return len(self.factors)

    @property
    def terms(self) -> tuple[str, ...]:
        f = self.factors
        names = ["Intercept", *f]
        if self.kind in ("interaction", "quadratic"):
            names += [f"{f[i]}:{f[j]}" for i in range(self.k) for j in range(i + 1, self.k)]
        if self.kind == "quadratic":
            names += [f"{a}^2" for a in f]
        return tuple(names)

    @property
    def p(self) -> int:
        return len(self.terms)

    def code(self, x: np.ndarray) -> np.ndarray:
        """Actual → coded units (−1 … +1 over [low, high])."""
        lo = np.asarray(self.low)
        hi = np.asarray(self.high)
        return (np.asarray(x, dtype=float) - (hi + lo) / 2.0) / ((hi - lo) / 2.0)

    def decode(self, c: np.ndarray) -> np.ndarray:
        lo = np.asarray(self.low)
        hi = np.asarray(self.high)
        return np.asarray(c, dtype=float) * (hi - lo) / 2.0 + (hi + lo) / 2.0

    def rows(self, x: np.ndarray) -> np.ndarray:
        """Model rows for settings ``x`` (…×k, actual units) → …×p (written in place)."""
        c = self.code(x)
        k = self.k
        out = np.empty((*c.shape[:-1], self.p))
        out[..., 0] = 1.0
        out[..., 1:k + 1] = c
        col = k + 1
        if self.kind in ("interaction", "quadratic"):
            for i in range(k):
                for j in range(i + 1, k):
                    np.multiply(c[..., i], c[..., j], out=out[..., col])
                    col += 1
        if self.kind == "quadratic":
            np.multiply(c, c, out=out[..., col:col + k])
        return out
