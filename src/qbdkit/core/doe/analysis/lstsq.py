"""Numerically careful linear least squares (extended-precision Householder QR).

Why hand-written: statsmodels' OLS solves with ``pinv`` (SVD with a relative
cut-off) or double-precision QR, and LAPACK offers no extended precision. On the
ill-conditioned NIST StRD polynomial sets that loses digits — statsmodels loses
Filip entirely, R's ``lm`` drops a Filip term as singular, and double-precision
QR reaches only about 6 digits on Wampler5 and 8 on Wampler4. Here:

1. the model matrix is built in ``numpy.longdouble`` (x87 80-bit extended
   precision on x86-64: 64-bit significand, machine epsilon 1.08e-19) — powers
   such as ``x**10`` are themselves formed in extended precision;
2. columns are scaled to unit Euclidean norm (equilibration; Golub & Van Loan,
   *Matrix Computations*, 4th ed., §5.3.6 and §3.5.2);
3. the scaled matrix is factored by Householder QR without pivoting (so the
   column order — and with it the sequential sums of squares — is the order of
   the model terms) (Golub & Van Loan §5.2.1, Algorithm 5.2.1);
4. the solution is improved by iterative refinement on the residual computed in
   the same extended precision (Björck, *Numerical Methods for Least Squares
   Problems*, 1996, §2.9).

Then ``(XᵀX)⁻¹ = R⁻¹R⁻ᵀ`` (with the scaling undone), the effects vector ``Qᵀy``
(whose squared entries are the sequential, type I, sums of squares) and the
leverages ``hᵢᵢ = ‖(X R⁻¹)ᵢ‖²`` follow from the same factorization. Results are
returned in float64. On the NIST StRD linear sets this gives ≥ 10 correct
significant digits on every set including Filip (see tests/core/doe/analysis).

Platform note: ``numpy.longdouble`` is 80-bit extended on Linux/x86-64 (this
project's reference platform) and IEEE quad on Linux/aarch64, but plain double on
Windows and macOS/arm64; there the solve is an ordinary (still equilibrated, still
refined) double-precision QR and the hardest StRD sets (Filip, Wampler4/5) lose
digits — the NIST tests would say so.

A column whose scaled diagonal ``|R_kk|`` is below ``ALIAS_TOL`` times the
largest is linearly dependent on the columns before it: :func:`least_squares`
reports it (``aliased``) rather than produce meaningless numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

LD = np.longdouble
#: |R_kk| / max |R_jj| (unit-norm columns) below this → column k is aliased.
#: Filip, the worst certified set, has a smallest ratio of 5.2e-8 (R's ``lm``
#: pivots at 1e-7 and so drops a Filip term); exact dependencies give ~1e-19 in
#: extended precision and ~1e-16 when the data were rounded to double.
ALIAS_TOL = 1e-11


@dataclass(frozen=True, eq=False)
class LeastSquares:
    """Solution of ``min ‖y − Xb‖``.

    ``params`` b; ``resid`` y − Xb; ``normalized_cov`` (XᵀX)⁻¹; ``effects``
    the first p entries of Qᵀy (their squares are the sequential sums of
    squares of the columns in order); ``leverage`` the diagonal of the hat
    matrix; ``sse`` Σ resid² (extended-precision sum); ``aliased`` indices of
    linearly dependent columns (empty when the solve succeeded).
    """

    params: np.ndarray
    resid: np.ndarray
    normalized_cov: np.ndarray
    effects: np.ndarray
    leverage: np.ndarray
    sse: float
    aliased: tuple[int, ...]
    dependence: dict[int, tuple[int, ...]]


def _householder(a: np.ndarray) -> tuple[list[tuple[np.ndarray, LD] | None], np.ndarray]:
    """Householder QR of ``a`` (n×p, longdouble): reflectors and the p×p R."""
    r = a.copy()
    n, p = r.shape
    vs: list[tuple[np.ndarray, LD] | None] = []
    for k in range(min(n, p)):
        x = r[k:, k]
        nx = np.sqrt(np.sum(x * x))
        if nx == 0:
            vs.append(None)
            continue
        alpha = -nx if x[0] >= 0 else nx
        v = x.copy()
        v[0] -= alpha
        vn = np.sum(v * v)
        if vn == 0:
            vs.append(None)
            continue
        r[k:, k:] -= np.outer(v, (2 / vn) * (v @ r[k:, k:]))
        vs.append((v, vn))
    return vs, np.triu(r[:p, :p])


def _apply_qt(vs: list[tuple[np.ndarray, LD] | None], b: np.ndarray) -> np.ndarray:
    out = np.array(b, dtype=LD)
    for k, vv in enumerate(vs):
        if vv is None:
            continue
        v, vn = vv
        out[k:] -= v * (2 * (v @ out[k:]) / vn)
    return out


def _back(r: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Solve upper-triangular ``r z = c`` (c may be a matrix)."""
    p = r.shape[0]
    z = np.zeros_like(c, dtype=LD)
    for i in range(p - 1, -1, -1):
        z[i] = (c[i] - r[i, i + 1:] @ z[i + 1:]) / r[i, i]
    return z


def least_squares(x: np.ndarray, y: np.ndarray, *, refine: int = 3) -> LeastSquares:
    """Least-squares fit of ``y`` on the columns of ``x`` (see module docstring).

    ``x`` and ``y`` may be float64 or longdouble; pass longdouble when the
    columns were built in extended precision.
    """
    xl = np.asarray(x, dtype=LD)
    yl = np.asarray(y, dtype=LD).reshape(-1)
    n, p = xl.shape
    scale = np.sqrt(np.sum(xl * xl, axis=0))
    scale[scale == 0] = 1
    xs = xl / scale
    vs, r = _householder(xs)
    diag = np.abs(np.diag(r)) if p else np.zeros(0, dtype=LD)
    dmax = diag.max() if p else LD(1)
    aliased = tuple(int(k) for k in range(p) if k >= n or diag[k] <= ALIAS_TOL * dmax)
    if aliased:
        dependence: dict[int, tuple[int, ...]] = {}
        for k in aliased:
            # which earlier (non-aliased) columns reproduce column k
            keep = [j for j in range(k) if j not in aliased]
            if not keep:
                dependence[k] = ()
                continue
            sub = least_squares_plain(np.asarray(xs[:, keep], dtype=float), np.asarray(xs[:, k], dtype=float))
            dependence[k] = tuple(keep[i] for i in range(len(keep)) if abs(sub[i]) > 1e-8)
        nan = np.full(p, np.nan)
        return LeastSquares(nan, np.full(n, np.nan), np.full((p, p), np.nan), nan, np.full(n, np.nan),
                            float("nan"), aliased, dependence)

    def solve(rhs: np.ndarray) -> np.ndarray:
        return _back(r, _apply_qt(vs, rhs)[:p])

    z = solve(yl)
    for _ in range(refine):
        z = z + solve(yl - xs @ z)
    resid = yl - xs @ z
    eye = np.eye(p, dtype=LD)
    rinv = _back(r, eye)
    cov = (rinv @ rinv.T) / np.outer(scale, scale)
    q1 = xs @ rinv
    leverage = np.sum(q1 * q1, axis=1)
    effects = _apply_qt(vs, yl)[:p]
    return LeastSquares(
        params=np.asarray(z / scale, dtype=float),
        resid=np.asarray(resid, dtype=float),
        normalized_cov=np.asarray(cov, dtype=float),
        effects=np.asarray(effects, dtype=float),
        leverage=np.asarray(leverage, dtype=float),
        sse=float(np.sum(resid * resid)),
        aliased=(),
        dependence={},
    )


def least_squares_plain(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Double-precision least squares (numpy ``lstsq``) for auxiliary uses."""
    return np.linalg.lstsq(x, y, rcond=None)[0]
