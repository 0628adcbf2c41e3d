"""Bayesian posterior of a multi-response normal regression (Peterson 2004).

Model: ``Y = X B + E`` with ``Y`` n×r (responses), ``X`` n×p (the same model
matrix for every response), ``B`` p×r and the rows of ``E`` independent
``N_r(0, Σ)``. With the non-informative prior ``p(B, Σ) ∝ |Σ|^{-(r+1)/2}``
(Box & Tiao 1973 §8.4; Peterson 2004, J. Quality Technology 36(2) 139–153):

* ``Σ | Y ~ inverse-Wishart(S, ν)`` with ``S = (Y − X B̂)ᵀ(Y − X B̂)`` and
  ``ν = n − p`` (scipy's ``invwishart(df=ν, scale=S)``, mean ``S/(ν − r − 1)``);
* ``B | Σ, Y ~ matrix normal(B̂, (XᵀX)⁻¹, Σ)``, i.e.
  ``vec(B) ~ N(vec(B̂), Σ ⊗ (XᵀX)⁻¹)``;
* a new response vector at model row ``z = z(x)`` is ``y = Bᵀz + e``,
  ``e ~ N_r(0, Σ)``, so ``y | Σ ~ N_r(B̂ᵀz, (1 + h) Σ)`` with
  ``h = zᵀ(XᵀX)⁻¹z``, and integrating Σ out gives the posterior predictive
  multivariate t with ``ν − r + 1 = n − p − r + 1`` degrees of freedom,
  location ``B̂ᵀz`` and shape ``(1 + h) S / (n − p − r + 1)`` (Peterson 2004 eq. 4).

:meth:`MultiResponsePosterior.sample_standard_t` exploits the last form: the
predictive at every ``x`` is ``B̂ᵀz(x) + √(1 + h(x))·T`` with one common
``T = L_Σ u`` (Σ drawn from the inverse Wishart, ``u ~ N(0, I)``), so a single
set of draws serves the whole grid (B is integrated out analytically, which is
exact). :meth:`sample_parameters` draws (Σ, B) explicitly for simulations whose
``x`` itself is random (set-point noise).

The fit uses a column-pivoted QR decomposition of X with equilibrated columns
(numerically stable; no normal equations).
Hand-written because no maintained Python library offers this posterior
(statsmodels fits each response separately; PyMC would need MCMC where the
posterior is available in closed form).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import linalg, stats

from qbdkit.core.result import Result, format_table
from qbdkit.errors import Problem, QbdInputError


@dataclass(frozen=True)
class MultiResponsePosterior(Result):
    """The fitted multi-response regression and its posterior (see module docstring).

    Fields: ``coefficients`` (B̂, p×r), ``residual_sscp`` (S, r×r),
    ``xtx_inv_chol`` (lower-triangular C with ``C Cᵀ = (XᵀX)⁻¹``), ``n``,
    ``terms`` (model-matrix column names) and ``responses``.
    """

    coefficients: np.ndarray
    residual_sscp: np.ndarray
    xtx_inv_chol: np.ndarray
    n: int
    terms: tuple[str, ...]
    responses: tuple[str, ...]

    @property
    def p(self) -> int:
        return int(self.coefficients.shape[0])

    @property
    def r(self) -> int:
        return int(self.coefficients.shape[1])

    @property
    def df_sigma(self) -> int:
        """Inverse-Wishart degrees of freedom ν = n − p."""
        return self.n - self.p

    @property
    def df_t(self) -> int:
        """Degrees of freedom of the predictive multivariate t, n − p − r + 1."""
        return self.n - self.p - self.r + 1

    @property
    def residual_covariance(self) -> np.ndarray:
        """Unbiased residual covariance S / (n − p)."""
        return self.residual_sscp / self.df_sigma

    # -- prediction ---------------------------------------------------------
    def mean(self, z: np.ndarray) -> np.ndarray:
        """Posterior predictive mean B̂ᵀz for model rows ``z`` (N×p) → N×r."""
        return np.asarray(z, dtype=float) @ self.coefficients

    def leverage(self, z: np.ndarray) -> np.ndarray:
        """h(x) = zᵀ(XᵀX)⁻¹z for model rows ``z`` (N×p) → N."""
        w = np.asarray(z, dtype=float) @ self.xtx_inv_chol
        return np.einsum("ij,ij->i", w, w)

    def predictive(self, z: np.ndarray) -> stats._multivariate.multivariate_t_frozen:
        """scipy's frozen multivariate t predictive at one model row ``z`` (p,)."""
        z = np.asarray(z, dtype=float).reshape(1, -1)
        h = float(self.leverage(z)[0])
        shape = (1.0 + h) * self.residual_sscp / self.df_t
        return stats.multivariate_t(loc=self.mean(z)[0], shape=shape, df=self.df_t)

    # -- simulation ---------------------------------------------------------
    def sample_sigma(self, draws: int, rng: np.random.Generator) -> np.ndarray:
        """Σ draws from the inverse Wishart posterior → (draws, r, r)."""
        sig = stats.invwishart(df=self.df_sigma, scale=self.residual_sscp).rvs(
            size=draws, random_state=rng
        )
        return np.asarray(sig, dtype=float).reshape(draws, self.r, self.r)

    def sample_standard_t(self, draws: int, rng: np.random.Generator) -> np.ndarray:
        """Draws of T = L_Σ u (draws×r): the predictive at x is B̂ᵀz(x) + √(1+h(x))·T."""
        sig = self.sample_sigma(draws, rng)
        chol = np.linalg.cholesky(sig)
        u = rng.standard_normal((draws, self.r, 1))
        return (chol @ u)[:, :, 0]

    def sample_parameters(self, draws: int, rng: np.random.Generator
                          ) -> tuple[np.ndarray, np.ndarray]:
        """Explicit posterior draws: (B (draws, p, r), chol Σ (draws, r, r)).

        ``B = B̂ + C Z L_Σᵀ`` with ``Z`` p×r standard normal gives the matrix
        normal ``MN(B̂, C Cᵀ, Σ)``.
        """
        sig = self.sample_sigma(draws, rng)
        chol = np.linalg.cholesky(sig)
        z = rng.standard_normal((draws, self.p, self.r))
        b = self.coefficients[None, :, :] + (self.xtx_inv_chol[None, :, :] @ z) @ np.swapaxes(
            chol, 1, 2
        )
        return b, chol

    def summary(self) -> str:
        rows = [[t, *self.coefficients[i]] for i, t in enumerate(self.terms)]
        head = (
            f"Multi-response regression posterior: n={self.n}, p={self.p}, r={self.r}, "
            f"predictive multivariate t df={self.df_t}\n"
        )
        return head + format_table(["term", *self.responses], rows)


def fit_posterior(x: np.ndarray, y: np.ndarray, *, terms: tuple[str, ...] | list[str] | None = None,
                  responses: tuple[str, ...] | list[str] | None = None,
                  file: str | None = None) -> MultiResponsePosterior:
    """Fit ``Y = X B + E`` by QR and return the posterior (module docstring).

    Raises :class:`QbdInputError` for a rank-deficient model matrix (naming the
    aliased terms) or too few runs (needs n − p ≥ r so the inverse Wishart is
    proper and the predictive t has ≥ 1 degree of freedom).
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if y.ndim == 1:
        y = y[:, None]
    n, p = x.shape
    r = y.shape[1]
    terms = tuple(terms) if terms is not None else tuple(f"x{i}" for i in range(p))
    responses = tuple(responses) if responses is not None else tuple(f"y{j}" for j in range(r))
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise QbdInputError("missing or non-finite values in the model matrix or responses",
                            file=file, expected="complete numeric rows")
    if n - p < r:
        raise QbdInputError(
            "too few runs for the model", file=file,
            expected=f"at least p + r = {p + r} complete runs ({p} model terms, {r} responses)",
            found=n,
        )
    # equilibrate the columns first (e.g. I(x**2) in actual units next to the intercept), so the
    # rank decision and the solve do not depend on the units
    norms = np.linalg.norm(x, axis=0)
    norms[norms == 0] = 1.0
    q, rr, piv = linalg.qr(x / norms, mode="economic", pivoting=True)
    diag = np.abs(np.diag(rr))
    tol = diag.max() * max(n, p) * np.finfo(float).eps if diag.size else 0.0
    rank = int((diag > tol).sum())
    if rank < p:
        aliased = [terms[i] for i in sorted(piv[rank:])]
        raise QbdInputError(
            problems=[Problem("singular design: these model terms are aliased with others "
                              "and cannot be estimated", file=file, column=", ".join(aliased),
                              expected=f"{p} estimable terms", found=f"rank {rank}")]
        )
    b_piv = linalg.solve_triangular(rr, q.T @ y)
    b = np.empty_like(b_piv)
    b[piv] = b_piv
    b /= norms[:, None]
    resid = y - x @ b
    sscp = resid.T @ resid
    sscp = (sscp + sscp.T) / 2.0
    if np.linalg.matrix_rank(sscp) < r:
        raise QbdInputError("the residuals of the responses are exactly collinear (a response is "
                            "a linear function of the others, or a perfect fit)", file=file,
                            expected="residual variation in every response")
    # (XᵀX)⁻¹ = P R⁻¹ R⁻ᵀ Pᵀ ; its Cholesky factor via the inverse of R
    rinv = linalg.solve_triangular(rr, np.eye(p))
    xtx_inv = np.empty((p, p))
    full = rinv @ rinv.T
    xtx_inv[np.ix_(piv, piv)] = full
    xtx_inv = xtx_inv / np.outer(norms, norms)
    xtx_inv = (xtx_inv + xtx_inv.T) / 2.0
    chol = np.linalg.cholesky(xtx_inv)
    return MultiResponsePosterior(
        coefficients=b, residual_sscp=sscp, xtx_inv_chol=chol, n=n, terms=terms,
        responses=responses,
    )
