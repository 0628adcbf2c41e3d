"""Response-surface analysis of a fitted second-order model: canonical analysis, ridge
analysis and the path of steepest ascent (as R's ``rsm`` package: ``canonical``,
``steepest``; Lenth 2009, J. Stat. Softw. 32(7)).

In coded units the fitted second-order model is ``ŷ = b0 + xᵀb + xᵀBx`` with ``B_ii``
the coefficient of ``x_i²`` and ``B_ij = B_ji`` half the coefficient of ``x_i x_j``.

* **Canonical analysis** (Myers, Montgomery & Anderson-Cook, *Response Surface
  Methodology*, §6.3): stationary point ``x_s = −½ B⁻¹ b``, ``ŷ_s = b0 + ½ x_sᵀ b``;
  eigen-decomposition ``B = M Λ Mᵀ``: all λ < 0 — a maximum, all λ > 0 — a minimum,
  mixed signs — a saddle; an eigenvalue near 0 (|λ| < 1e-3·max|λ|) — a ridge (the
  stationary point is poorly determined along that eigenvector). The stationary point is
  also given in actual units, with whether it lies inside the studied (coded ±1) region.
* **Ridge analysis** (Hoerl 1959; Myers et al. §6.4): for radius ``R`` the point on the
  sphere ``‖x‖ = R`` with the highest (``"max"``) or lowest predicted response is
  ``x(μ) = −½ (B − μI)⁻¹ b`` with ``μ > λ_max`` (``μ < λ_min`` for the minimum), μ
  found by root-finding so that ``‖x(μ)‖ = R``.
* **Steepest ascent** (Myers et al. §5.2) for a first-order model: points along ``b``,
  ``x(t) = t·b/‖b‖``, in steps of ``step`` coded units (descent: ``−b``).

Blocks (sum-to-zero coded) are left at their average; categorical factors are not
allowed. Hand-written because statsmodels has no response-surface analysis; the
algebra is numpy/scipy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import brentq

from qbdkit.core.doe.analysis.fit import FitResult, _monomial
from qbdkit.core.result import Result, format_table
from qbdkit.errors import QbdInputError


@dataclass(frozen=True)
class CanonicalAnalysis(Result):
    """Stationary point (coded and actual), its kind, eigenvalues and eigenvectors."""

    response: str
    factors: list[str]
    stationary_point_coded: dict[str, float]
    stationary_point: dict[str, float]
    """In actual units."""
    predicted: float
    kind: str
    """``"maximum"``, ``"minimum"``, ``"saddle"`` or ``"ridge"``."""
    eigenvalues: list[float]
    eigenvectors: list[list[float]]
    """Columns are eigenvectors (rows: ``factors``), as R's ``eigen``."""
    inside_region: bool
    b: list[float]
    B: list[list[float]]

    def summary(self) -> str:
        rows = [[f, self.stationary_point_coded[f], self.stationary_point[f]] for f in self.factors]
        lines = [f"Canonical analysis of {self.response}: stationary point is a {self.kind}"
                 + ("" if self.inside_region else " (outside the studied region)"),
                 format_table(["factor", "coded", "actual"], rows),
                 f"predicted response at the stationary point: {self.predicted:.6g}",
                 "eigenvalues: " + ", ".join(f"{v:.5g}" for v in self.eigenvalues)]
        vec = [[f, *[self.eigenvectors[i][j] for j in range(len(self.eigenvalues))]]
               for i, f in enumerate(self.factors)]
        lines.append(format_table(["factor", *[f"w{j + 1}" for j in range(len(self.eigenvalues))]],
                                  vec))
        return "\n".join(lines)


@dataclass(frozen=True)
class Path(Result):
    """Points of a ridge analysis or a path of steepest ascent (coded and actual units)."""

    response: str
    kind: str
    """``"ridge max"``, ``"ridge min"``, ``"steepest ascent"`` or ``"steepest descent"``."""
    factors: list[str]
    distance: list[float]
    coded: list[dict[str, float]]
    actual: list[dict[str, float]]
    predicted: list[float]

    def to_frame(self) -> Any:
        import pandas as pd

        rows = []
        for d, c, a, y in zip(self.distance, self.coded, self.actual, self.predicted, strict=True):
            rows.append({"distance": d, **{f"{k} (coded)": v for k, v in c.items()}, **a,
                         "predicted": y})
        return pd.DataFrame(rows)

    def summary(self) -> str:
        return f"{self.kind} of {self.response}\n" + self.to_frame().to_string(index=False)


def quadratic_parts(fit: FitResult) -> tuple[list[str], float, np.ndarray, np.ndarray]:
    """``(factors, b0, b, B)`` of a coded second-order (or first-order) fit; blocks at their
    average (their sum-to-zero columns contribute 0)."""
    spec = fit._spec
    if spec is None:
        raise QbdInputError("a stored fit cannot be analysed", column="model",
                            expected="the fit re-run from its data", found="a stored result")
    if fit.coding != "coded":
        raise QbdInputError("response-surface analysis needs a coded fit", column="coding",
                            expected="coded", found=fit.coding)
    cats = [v for v in spec.categorical if v != spec.block]
    if cats:
        raise QbdInputError("response-surface analysis needs numeric factors", column=cats[0],
                            expected="numeric factors only", found="categorical")
    factors = [v for v in spec.variables if v in spec.numeric]
    idx = {f: i for i, f in enumerate(factors)}
    k = len(factors)
    b0 = 0.0
    b = np.zeros(k)
    B = np.zeros((k, k))
    di = spec.design_info
    params = np.asarray(fit.params, dtype=float)
    for t in di.terms:
        sl = di.term_name_slices[t.name()]
        mono = _monomial(t, spec.names)
        if spec.block is not None and spec.block in mono:
            continue
        coef = float(params[sl.start])
        if not mono:
            b0 = coef
        elif len(mono) == 1 and next(iter(mono.values())) == 1:
            b[idx[next(iter(mono))]] = coef
        elif len(mono) == 1 and next(iter(mono.values())) == 2:
            i = idx[next(iter(mono))]
            B[i, i] = coef
        elif len(mono) == 2 and all(p == 1 for p in mono.values()):
            i, j = (idx[v] for v in mono)
            B[i, j] = B[j, i] = coef / 2
        else:
            raise QbdInputError("term beyond a second-order model", column="model",
                                expected="linear, interaction and square terms",
                                found=spec.names.to_user(t.name()))
    return factors, b0, b, B


def _actual(fit: FitResult, factors: list[str], x: np.ndarray) -> dict[str, float]:
    specs = fit._spec.numeric  # type: ignore[union-attr]
    return {f: float(specs[f].decode(x[i])) for i, f in enumerate(factors)}


def canonical_analysis(fit: FitResult) -> CanonicalAnalysis:
    """Canonical analysis of a coded second-order fit (module docstring)."""
    factors, b0, b, B = quadratic_parts(fit)
    if not np.any(B):
        raise QbdInputError("canonical analysis needs square or interaction terms",
                            column="model", expected="a second-order (quadratic) model",
                            found=fit.formula)
    lam, M = np.linalg.eigh(B)
    order = np.argsort(lam)[::-1]  # decreasing, as R's eigen()
    lam, M = lam[order], M[:, order]
    big = float(np.max(np.abs(lam)))
    if np.any(np.abs(lam) < 1e-3 * big):
        kind = "ridge"
        xs = -0.5 * np.linalg.pinv(B) @ b
    else:
        kind = "maximum" if np.all(lam < 0) else "minimum" if np.all(lam > 0) else "saddle"
        xs = -0.5 * np.linalg.solve(B, b)
    pred = float(b0 + 0.5 * xs @ b)
    return CanonicalAnalysis(
        response=fit.response, factors=factors,
        stationary_point_coded={f: float(xs[i]) for i, f in enumerate(factors)},
        stationary_point=_actual(fit, factors, xs), predicted=pred, kind=kind,
        eigenvalues=[float(v) for v in lam], eigenvectors=[[float(v) for v in r] for r in M],
        inside_region=bool(np.all(np.abs(xs) <= 1 + 1e-12)), b=[float(v) for v in b],
        B=[[float(v) for v in r] for r in B])


def ridge_analysis(fit: FitResult, radii: Any = None, *, goal: str = "max") -> Path:
    """Ridge analysis (module docstring) at ``radii`` (coded; default 0, 0.1, …, 2)."""
    if goal not in ("max", "min"):
        raise QbdInputError("unknown goal", column="goal", expected="max or min", found=goal)
    factors, b0, b, B = quadratic_parts(fit)
    radii = np.round(np.arange(0, 2.0001, 0.1), 10) if radii is None else np.asarray(radii, float)
    lam = np.linalg.eigvalsh(B)
    k = len(factors)
    sign = 1.0 if goal == "max" else -1.0
    pts = []
    for r in radii:
        if r == 0:
            pts.append(np.zeros(k))
            continue
        edge = lam.max() if goal == "max" else lam.min()

        def norm_gap(mu: float, r: float = float(r)) -> float:
            x = -0.5 * np.linalg.solve(B - mu * np.eye(k), b)
            return float(np.linalg.norm(x)) - r

        lo = edge + sign * 1e-9 * max(1.0, abs(edge))
        hi = edge + sign * max(1.0, abs(edge))
        while norm_gap(hi) > 0:
            hi = edge + sign * 2 * abs(hi - edge)
        if not np.any(b) or norm_gap(lo) < 0:
            # b has no component along the extreme eigenvector: the point is on that axis
            vec = np.linalg.eigh(B)[1][:, np.argmax(lam) if goal == "max" else np.argmin(lam)]
            pts.append(r * vec)
            continue
        mu = brentq(norm_gap, min(lo, hi), max(lo, hi), xtol=1e-14)
        pts.append(-0.5 * np.linalg.solve(B - mu * np.eye(k), b))
    return _path(fit, f"ridge {goal}", factors, b0, b, B, pts)


def steepest_ascent(fit: FitResult, steps: int = 5, step: float = 1.0, *,
                    descent: bool = False) -> Path:
    """Path of steepest ascent (or descent) from the design centre of a first-order fit,
    ``steps`` points ``step`` coded units apart (module docstring)."""
    factors, b0, b, B = quadratic_parts(fit)
    nb = float(np.linalg.norm(b))
    if nb == 0:
        raise QbdInputError("no first-order effect: no direction of steepest ascent",
                            column="model", expected="a model with linear terms", found=fit.formula)
    direction = (-b if descent else b) / nb
    pts = [direction * step * i for i in range(steps + 1)]
    return _path(fit, "steepest descent" if descent else "steepest ascent", factors, b0, b, B, pts)


def _path(fit: FitResult, kind: str, factors: list[str], b0: float, b: np.ndarray, B: np.ndarray,
          pts: list[np.ndarray]) -> Path:
    return Path(response=fit.response, kind=kind, factors=factors,
                distance=[float(math.sqrt(float(p @ p))) for p in pts],
                coded=[{f: float(p[i]) for i, f in enumerate(factors)} for p in pts],
                actual=[_actual(fit, factors, p) for p in pts],
                predicted=[float(b0 + p @ b + p @ B @ p) for p in pts])


__all__ = ["CanonicalAnalysis", "Path", "canonical_analysis", "quadratic_parts", "ridge_analysis",
           "steepest_ascent"]
