"""Curvature test from centre points of a two-level design (Montgomery, *Design and Analysis
of Experiments*, 8th ed., §6.8, Eq. 6.30).

With ``n_F`` factorial runs (every coded factor at ±1) and ``n_C ≥ 2`` centre runs (every
coded factor at 0), the single-degree-of-freedom sum of squares for pure quadratic curvature is

    SS_curvature = n_F n_C (ȳ_F − ȳ_C)² / (n_F + n_C),

tested against the pure-error mean square of the centre points,
``σ̂² = Σ (y_C − ȳ_C)² / (n_C − 1)``: ``F = SS_curvature / σ̂²`` with (1, n_C − 1) degrees of
freedom. A significant F says that at least one factor has a square effect the two-level runs
cannot estimate (augment with axial runs); it cannot say which. Hand-written: two means and a
variance (no library offers this test).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from qbdkit.core.result import Result

#: |coded value| within this of 1 (factorial) or 0 (centre)
TOLERANCE = 1e-6


@dataclass(frozen=True)
class CurvatureTest(Result):
    """Montgomery §6.8: factorial vs centre means, SS (1 df), pure error from the centre runs."""

    response: str
    n_factorial: int
    n_center: int
    mean_factorial: float
    mean_center: float
    ss_curvature: float
    df_pure_error: int
    ms_pure_error: float
    f: float | None
    p: float | None
    alpha: float = 0.05
    significant: bool = False

    def summary(self) -> str:
        f = "–" if self.f is None else f"{self.f:.4g}"
        p = "–" if self.p is None else f"{self.p:.4g}"
        verdict = ("curvature: at least one factor has a square effect (add axial runs)"
                   if self.significant else "no evidence of curvature")
        return (f"Curvature test for {self.response} (Montgomery §6.8): ȳ factorial = "
                f"{self.mean_factorial:.6g} (n = {self.n_factorial}), ȳ centre = "
                f"{self.mean_center:.6g} (n = {self.n_center}); SS = {self.ss_curvature:.4g} "
                f"(1 df), pure error MS = {self.ms_pure_error:.4g} ({self.df_pure_error} df); "
                f"F = {f}, p = {p} — {verdict}")


def curvature_test(coded: np.ndarray, y: np.ndarray, response: str = "y", *,
                   alpha: float = 0.05) -> CurvatureTest | None:
    """The test of the module docstring for runs ``coded`` (n×k, −1/0/+1) and responses ``y``.

    None when the design is not two-level with centre points (some run neither factorial nor
    centre, fewer than two centre runs or two factorial runs, or no numeric factor).
    """
    x = np.asarray(coded, dtype=float)
    yy = np.asarray(y, dtype=float)
    if x.ndim != 2 or x.shape[1] == 0 or x.shape[0] != yy.size:
        return None
    ok = np.isfinite(yy) & np.isfinite(x).all(axis=1)
    x, yy = x[ok], yy[ok]
    factorial = np.all(np.abs(np.abs(x) - 1) <= TOLERANCE, axis=1)
    center = np.all(np.abs(x) <= TOLERANCE, axis=1)
    if not np.all(factorial | center) or center.sum() < 2 or factorial.sum() < 2:
        return None
    yf, yc = yy[factorial], yy[center]
    nf, nc = int(yf.size), int(yc.size)
    ss = nf * nc * (float(yf.mean()) - float(yc.mean())) ** 2 / (nf + nc)
    ms = float(np.var(yc, ddof=1))
    if ms > 0:
        f = ss / ms
        p = float(stats.f.sf(f, 1, nc - 1))
    else:
        f = p = None
    return CurvatureTest(response, nf, nc, float(yf.mean()), float(yc.mean()), float(ss), nc - 1,
                         ms, None if f is None else float(f), p, float(alpha),
                         bool(p is not None and p < alpha))


__all__ = ["CurvatureTest", "curvature_test"]
