"""Confidence limits for latent-variable (PCA/PLS) monitoring statistics.

Terms: T² = Hotelling's T² of the scores; SPE = squared prediction error
(Q residual, the sum of squared residuals of one observation); DModX = SIMCA's
normalised distance to the model. ``A`` is the number of components, ``n`` the
number of training observations, ``K`` the number of variables, ``alpha`` the
coverage (0.95 means a 95 % limit).

Formulas and sources
--------------------
* T², training observations (Tracy, Young & Mason 1992, J. Quality Technology
  24(2):88-95): ``T²_lim = (n-1)²/n · B(alpha; A/2, (n-A-1)/2)`` with ``B`` the
  beta quantile. Same form in the JMP and SAS MVPMONITOR documentation.
* T², new observations (Tracy, Young & Mason 1992; Jackson 1991 §1.7):
  ``T²_lim = A(n²-1)/(n(n-A)) · F(alpha; A, n-A)``.
* T², SIMCA's convention (Eriksson et al., Multi- and Megavariate Data Analysis,
  2006, app. I; the Hotelling T² line of SIMCA): ``T²_lim = A(n-1)/(n-A) · F(alpha; A, n-A)``
  for every observation (no ``(n+1)/n`` factor).
* SPE, Box (1954) / Nomikos & MacGregor (1995, Technometrics 37:41-59): SPE ≈
  g·χ²_h with ``g = v/(2m)``, ``h = 2m²/v`` where ``m``, ``v`` are the mean and
  variance of the training SPE values; limit ``g·χ²(alpha; h)``.
* SPE, Jackson & Mudholkar (1979, Technometrics 21:341-349):
  ``θ_k = Σ_{j>A} λ_j^k`` (λ the eigenvalues of the covariance of X left out of
  the model), ``h0 = 1 - 2θ1θ3/(3θ2²)``,
  ``Q_lim = θ1 [z·sqrt(2θ2h0²)/θ1 + 1 + θ2h0(h0-1)/θ1²]^(1/h0)``.
* DModX (SIMCA; Eriksson et al., Multi- and Megavariate Data Analysis, 2006,
  appendix; same in pcaMethods' ``DModX`` and JMP's documentation): observation
  residual SD ``s_i = sqrt(SSE_i/(K-A))``, pooled ``s0 = sqrt(SSE/((n-A-A0)(K-A)))``
  (A0 = 1 when centred), normalised ``DModX_i = s_i/s0``; training observations
  are multiplied by ``sqrt(n/(n-A-A0))``. Limit ``sqrt(F(alpha; K-A, (n-A-A0)(K-A)))``.

All functions return NaN when the degrees of freedom do not allow a limit.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats


def t2_limit_training(n_components: int, n_samples: int, alpha: float = 0.95) -> float:
    """Tracy–Young–Mason beta limit for T² of the training observations."""
    a, n = n_components, n_samples
    b = (n - a - 1) / 2.0
    if a < 1 or b <= 0:
        return math.nan
    return float((n - 1) ** 2 / n * stats.beta.ppf(alpha, a / 2.0, b))


def t2_limit_new(n_components: int, n_samples: int, alpha: float = 0.95) -> float:
    """F limit for T² of new observations: ``A(n²-1)/(n(n-A))·F(alpha; A, n-A)``."""
    a, n = n_components, n_samples
    if a < 1 or n - a <= 0:
        return math.nan
    return float(a * (n * n - 1) / (n * (n - a)) * stats.f.ppf(alpha, a, n - a))


def t2_limit_simca(n_components: int, n_samples: int, alpha: float = 0.95) -> float:
    """SIMCA's T² limit ``A(n-1)/(n-A)·F(alpha; A, n-A)`` (training and new alike)."""
    a, n = n_components, n_samples
    if a < 1 or n - a <= 0:
        return math.nan
    return float(a * (n - 1) / (n - a) * stats.f.ppf(alpha, a, n - a))


def spe_limit_box(spe: np.ndarray, alpha: float = 0.95) -> float:
    """Box / Nomikos–MacGregor ``g·χ²_h`` limit from the training SPE values."""
    spe = np.asarray(spe, dtype=float)
    spe = spe[np.isfinite(spe)]
    if spe.size < 2:
        return math.nan
    m = float(spe.mean())
    v = float(spe.var(ddof=1))
    if m <= 0 or v <= 0:
        return math.nan
    g = v / (2.0 * m)
    h = 2.0 * m * m / v
    return float(g * stats.chi2.ppf(alpha, h))


def spe_limit_jackson_mudholkar(residual_eigenvalues: np.ndarray, alpha: float = 0.95) -> float:
    """Jackson–Mudholkar limit from the eigenvalues left out of the model."""
    lam = np.asarray(residual_eigenvalues, dtype=float)
    lam = lam[lam > 0]
    if lam.size == 0:
        return math.nan
    t1, t2, t3 = (float(np.sum(lam**k)) for k in (1, 2, 3))
    h0 = 1.0 - 2.0 * t1 * t3 / (3.0 * t2 * t2)
    z = float(stats.norm.ppf(alpha))
    base = z * math.sqrt(2.0 * t2 * h0 * h0) / t1 + 1.0 + t2 * h0 * (h0 - 1.0) / (t1 * t1)
    if base <= 0 or h0 == 0:
        return math.nan
    return float(t1 * base ** (1.0 / h0))


def dmodx_limit(n_components: int, n_samples: int, n_variables: int, alpha: float = 0.95,
                centred: bool = True) -> float:
    """SIMCA critical normalised DModX: ``sqrt(F(alpha; K-A, (n-A-A0)(K-A)))``."""
    a0 = 1 if centred else 0
    df1 = n_variables - n_components
    df2 = (n_samples - n_components - a0) * df1
    if df1 <= 0 or df2 <= 0:
        return math.nan
    return float(math.sqrt(stats.f.ppf(alpha, df1, df2)))
