"""Partial least squares regression (PLS, projection to latent structures) by NIPALS,
PLS1 (one response) and PLS2 (several), with missing values in X and Y.

Why hand-written: scikit-learn's ``PLSRegression`` has no missing values, no
cross-validated Q², VIP, T²/SPE limits or contributions.

Algorithm (Wold, Sjöström & Eriksson 2001, Chemometr. Intell. Lab. Syst.
58:109-130; Geladi & Kowalski 1986), one component at a time on the centred and
scaled residual matrices X, Y; every sum runs over observed elements only:

* ``u`` = a start (PLS1: y; PLS2: ``Y c`` from the leading left singular vector
  of ``XᵀY``, which is the complete-data answer, so few passes are needed); repeat
  ``w = Xᵀu/Σu²``, ``w ← w/‖w‖``, ``t = Xw/Σw²``, ``c = Yᵀt/Σt²``,
  ``u = Yc/Σc²`` until ``‖Δt‖ ≤ tol·‖t‖`` (one pass for PLS1);
* ``p = Xᵀt/Σt²``; deflate ``X ← X − tpᵀ``, ``Y ← Y − tcᵀ``.

``W* = W(PᵀW)⁻¹`` gives the scores of new complete data ``T = X W*``;
observations with missing values are scored component by component from their
observed elements (``t_a = Σ x_j w_ja / Σ w_ja²``, then ``x ← x − t_a p_a``),
as in the training algorithm. Coefficients in scaled units ``B = W*Cᵀ``; in
original units ``coef_ = diag(w_x/s_x) B diag(s_y)``, ``intercept_ = ȳ − x̄ coef_``.

VIP (Wold; Eriksson et al., Multi- and Megavariate Data Analysis, 2006, app. I):
``VIP_j = sqrt(K Σ_a SSY_a (w_ja/‖w_a‖)² / Σ_a SSY_a)`` with ``SSY_a`` the Y sum of
squares explained by component a; ``Σ_j VIP_j² = K``.

R²X_a, R²Y_a: fractions of the total sums of squares explained by component a.
Q²: row-wise cross-validation in ``cv_groups`` groups (observation i in group
i mod 7, SIMCA's default); each group is predicted by a model fitted to the
others (centring and scaling re-estimated). ``Q²_a = 1 − PRESS_a/RSS_{a−1}``
(scaled Y units, all responses together; SIMCA's definition), ``Q²cum`` the
product form as for PCA. ``rmsecv_`` (per response, original units)
``= sqrt(PRESS/n)`` for the chosen number of components. ``"auto"`` adds
components while ``Q²_a > q2_limit`` (0), at least one.

T², SPE (of X), DModX (of X), limits and contributions as for PCA
(:mod:`qbdkit.core.mvda._base`), with the score rotation ``R = W*``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from qbdkit.core.mvda._base import LatentModel, check_t2_convention, flip_signs
from qbdkit.core.mvda.preprocess import (
    as_matrix,
    column_scaling,
    requested_components,
    resolve_weights,
    usable_columns,
)
from qbdkit.errors import QbdInputError

MAX_AUTO_COMPONENTS = 20


def nipals_pls(Xs: np.ndarray, Ys: np.ndarray, n_components: int, *, tol: float = 1e-12,
               max_iter: int = 5000) -> dict[str, np.ndarray]:
    """NIPALS PLS on scaled matrices with NaN for missing; returns T, U, W, P, C and SS paths."""
    n, k = Xs.shape
    m = Ys.shape[1]
    Mx, My = ~np.isnan(Xs), ~np.isnan(Ys)
    mx_any, my_any = not Mx.all(), not My.all()
    Mxf, Myf = Mx.astype(float), My.astype(float)
    X = np.where(Mx, Xs, 0.0)
    Y = np.where(My, Ys, 0.0)
    T = np.zeros((n, n_components))
    U = np.zeros((n, n_components))
    W = np.zeros((k, n_components))
    P = np.zeros((k, n_components))
    C = np.zeros((m, n_components))
    ssx = [float(np.sum(X * X))]
    ssy = [float(np.sum(Y * Y))]
    tol2 = tol * tol

    def _div(num: np.ndarray, den: np.ndarray) -> np.ndarray:
        return np.divide(num, den, out=np.zeros_like(num), where=den > 0)

    for a in range(n_components):
        if m == 1:
            u = Y[:, 0].copy()
        else:  # warm start: w of complete-data PLS = leading left singular vector of XᵀY
            w0 = np.linalg.svd(X.T @ Y, full_matrices=False)[0][:, 0]
            t0 = X @ w0
            c0 = Y.T @ t0
            u = Y @ c0 / max(float(c0 @ c0), 1e-300)
            if not np.any(u):
                u = Y[:, int(np.argmax(np.sum(Y * Y, axis=0)))].copy()
        t = np.zeros(n)
        w = np.zeros(k)
        c = np.zeros(m)
        for _ in range(max_iter):
            w = _div(X.T @ u, Mxf.T @ (u * u)) if mx_any else X.T @ u / (u @ u)
            nrm = np.linalg.norm(w)
            if nrm == 0:
                break
            w /= nrm
            t_new = _div(X @ w, Mxf @ (w * w)) if mx_any else X @ w
            c = _div(Y.T @ t_new, Myf.T @ (t_new * t_new)) if my_any else Y.T @ t_new / (t_new @ t_new)
            u = _div(Y @ c, Myf @ (c * c)) if my_any else Y @ c / (c @ c)
            d = t_new - t
            t = t_new
            if m == 1 or d @ d <= tol2 * (t @ t):
                break
        p = _div(X.T @ t, Mxf.T @ (t * t)) if mx_any else X.T @ t / (t @ t)
        X -= np.outer(t, p) * Mxf if mx_any else np.outer(t, p)
        Y -= np.outer(t, c) * Myf if my_any else np.outer(t, c)
        T[:, a], U[:, a], W[:, a], P[:, a], C[:, a] = t, u, w, p, c
        ssx.append(float(np.sum(X * X)))
        ssy.append(float(np.sum(Y * Y)))
    flip_signs(W, T, U, P, C)
    return {"T": T, "U": U, "W": W, "P": P, "C": C, "ssx": np.array(ssx), "ssy": np.array(ssy)}


def w_star(W: np.ndarray, P: np.ndarray) -> np.ndarray:
    """``W* = W (PᵀW)⁻¹``."""
    return W @ np.linalg.inv(P.T @ W)


def sequential_scores(Xs: np.ndarray, W: np.ndarray, P: np.ndarray, Wstar: np.ndarray) -> np.ndarray:
    """Scores of new observations: ``X W*`` for complete rows, component-wise on observed elements otherwise."""
    n = Xs.shape[0]
    a_n = W.shape[1]
    T = np.empty((n, a_n))
    miss = np.isnan(Xs).any(axis=1)
    if (~miss).any():
        T[~miss] = Xs[~miss] @ Wstar
    if miss.any():
        Xm = Xs[miss]
        M = ~np.isnan(Xm)
        R = np.where(M, Xm, 0.0)
        Mf = M.astype(float)
        for a in range(a_n):
            den = Mf @ (W[:, a] ** 2)
            t = np.divide(R @ W[:, a], den, out=np.zeros(R.shape[0]), where=den > 0)
            R -= np.outer(t, P[:, a]) * Mf
            T[miss, a] = t
    return T


class PLS(LatentModel):
    """PLS regression (PLS1/PLS2) with missing values, Q², RMSECV, VIP, T², SPE, DModX.

    Parameters are as for :class:`~qbdkit.core.mvda.pca.PCA`, plus ``scale_y``
    (default: same as ``scale``). Learned attributes: ``x_weights_`` (W),
    ``loadings_`` (P), ``y_loadings_`` (C), ``w_star_``, ``scores_`` (T),
    ``y_scores_`` (U), ``coef_`` (K × M, original units), ``intercept_``,
    ``coef_scaled_``, ``vip_``, ``explained_r2x_``, ``r2x_cum_``, ``explained_r2y_``,
    ``r2y_cum_``, ``q2_``, ``q2_cum_``, ``press_``, ``rmsecv_``, ``rmsecv_all_``,
    ``y_variables_``, ``y_mean_``, ``y_scale_``, plus the X-side attributes of PCA.
    """

    def __init__(self, n_components: int | str = "auto", *, scale: str = "uv",
                 scale_y: str | None = None, weights: Any = None, cross_validate: bool = True,
                 cv_groups: int = 7, q2_limit: float = 0.0, max_components: int | None = None,
                 spe_method: str = "box", tol: float = 1e-12, max_iter: int = 5000,
                 t2_convention: str = "tym") -> None:
        self.n_components = n_components
        self.scale = scale
        self.scale_y = scale_y
        self.weights = weights
        self.cross_validate = cross_validate
        self.cv_groups = cv_groups
        self.q2_limit = q2_limit
        self.max_components = max_components
        self.spe_method = spe_method
        self.tol = tol
        self.max_iter = max_iter
        self.t2_convention = t2_convention

    def result(self, ids: Any = None, new: Any = None, new_ids: Any = None,
               contributions: str | None = None) -> Any:
        """The fitted model as a :class:`~qbdkit.core.mvda.summary.PLSSummary`."""
        from qbdkit.core.mvda.summary import pls_summary

        self._check_fitted()
        return pls_summary(self, None, ids, new, new_ids, contributions)

    def _fit_scaled(self, Xk: np.ndarray, Yk: np.ndarray, a: int, w: np.ndarray):
        mx, sx, _ = column_scaling(Xk, self.scale)
        my, sy, _ = column_scaling(Yk, self.scale_y or self.scale)
        Xs = (Xk - mx) * (w / sx)
        Ys = (Yk - my) / sy
        res = nipals_pls(Xs, Ys, a, tol=self.tol, max_iter=self.max_iter)
        return res, (mx, sx, my, sy)

    def fit(self, X: Any, Y: Any) -> PLS:
        """Fit to ``X`` (n × K) and ``Y`` (n or n × M); NaN = missing."""
        check_t2_convention(self.t2_convention)
        arr, names = as_matrix(X)
        yarr, ynames = as_matrix(Y, "Y")
        n, k0 = arr.shape
        if yarr.shape[0] != n:
            raise QbdInputError("X and Y have different numbers of observations", column="Y",
                                expected=str(n), found=yarr.shape[0])
        weights_all = resolve_weights(self.weights, names)
        mean, div, unusable = column_scaling(arr, self.scale)
        ymean, ydiv, yunusable = column_scaling(yarr, self.scale_y or self.scale)
        if yunusable:
            j, why = next(iter(yunusable.items()))
            raise QbdInputError(f"response is {why}", column=ynames[j],
                                expected="a response that varies")
        self.feature_names_in_ = names
        self.n_features_in_ = k0
        self.dropped_ = {names[j]: why for j, why in unusable.items()}
        keep = usable_columns(names, unusable, 'X variable')
        self.keep_ = keep
        self.variables_ = [names[j] for j in keep]
        self.y_variables_ = ynames
        self.mean_, self.scale_, self.weights_ = mean[keep], div[keep], weights_all[keep]
        self.y_mean_, self.y_scale_ = ymean, ydiv
        Xk = arr[:, keep]
        Xs = self._scale(Xk)
        Ys = (yarr - ymean) / ydiv
        empty = np.flatnonzero(np.isnan(Xs).all(axis=1))
        if empty.size:
            raise QbdInputError("observation without any X value", row=int(empty[0]) + 1,
                                expected="at least one observed variable")
        k = keep.size
        if self.n_components == "auto":
            n_train_min = n - int(np.ceil(n / max(2, min(self.cv_groups, n))))
            a_fit = min(k, n_train_min - 1, self.max_components or MAX_AUTO_COMPONENTS)
            if a_fit < 1:
                raise QbdInputError("too few observations to choose components by "
                                    "cross-validation", column="components",
                                    expected="at least 3 observations", found=n)
        else:
            a_fit = requested_components(self.n_components, n, k)
        res = nipals_pls(Xs, Ys, a_fit, tol=self.tol, max_iter=self.max_iter)
        do_cv = self.cross_validate or self.n_components == "auto"
        press = np.full(a_fit, np.nan)
        press_y = np.full((a_fit, yarr.shape[1]), np.nan)
        if do_cv and n >= 3:
            press, press_y = self._cv(Xk, yarr, weights_all[keep], a_fit)
        ssy = res["ssy"]
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = press / ssy[:-1]
            q2 = 1.0 - ratio
            q2_cum = 1.0 - np.cumprod(ratio)
        if self.n_components == "auto":
            a = 0
            while a < a_fit and np.isfinite(q2[a]) and q2[a] > self.q2_limit:
                a += 1
            a = max(a, 1)
        else:
            a = a_fit
        T, U, W, P, C = (np.ascontiguousarray(res[key][:, :a]) for key in "TUWPC")
        self.n_samples_ = n
        self.n_components_ = a
        self.scores_, self.y_scores_ = T, U
        self.x_weights_, self.loadings_, self.y_loadings_ = W, P, C
        self.w_star_ = w_star(W, P)
        self.rotation_ = self.w_star_
        self.coef_scaled_ = self.w_star_ @ C.T
        self.coef_ = (self.weights_ / self.scale_)[:, None] * self.coef_scaled_ * self.y_scale_[None, :]
        self.intercept_ = self.y_mean_ - self.mean_ @ self.coef_
        ssx = res["ssx"]
        self.total_ss_ = float(ssx[0])
        self.explained_r2x_ = (ssx[:-1] - ssx[1:])[:a] / ssx[0]
        self.r2x_cum_ = np.cumsum(self.explained_r2x_)
        ssy_expl = (ssy[:-1] - ssy[1:])[:a]
        self.explained_r2y_ = ssy_expl / ssy[0]
        self.r2y_cum_ = np.cumsum(self.explained_r2y_)
        wn = W / np.linalg.norm(W, axis=0)
        self.vip_ = np.sqrt(k * (wn * wn) @ ssy_expl / ssy_expl.sum())
        self.press_, self.q2_, self.q2_cum_, self.q2_all_ = press[:a], q2[:a], q2_cum[:a], q2
        n_obs_y = np.sum(~np.isnan(yarr), axis=0)
        self.rmsecv_all_ = np.sqrt(press_y / n_obs_y)
        self.rmsecv_ = self.rmsecv_all_[a - 1]
        self.score_var_ = np.sum(T * T, axis=0) / (n - 1)
        E = Xs - T @ P.T
        self._Xs, self._residuals = None, E
        self._sse_total = float(np.nansum(E * E))
        E0 = np.where(np.isnan(E), 0.0, E)
        gram = E0.T @ E0 if n >= k else E0 @ E0.T
        self.residual_eigenvalues_ = np.clip(np.linalg.eigvalsh(gram)[::-1], 0, None) / (n - 1)
        self.t2_ = self._t2(T)
        self.spe_ = self._spe(E)
        self.dmodx_ = self._dmodx(E, training=True)
        return self

    def _cv(self, Xk: np.ndarray, Yk: np.ndarray, w: np.ndarray, a_fit: int):
        n, m = Yk.shape
        groups = min(self.cv_groups, n)
        gid = np.arange(n) % groups
        press_y = np.zeros((a_fit, m))  # original units
        for g in range(groups):
            test, train = gid == g, gid != g
            a_here = min(a_fit, int(train.sum()) - 1, Xk.shape[1])
            if a_here < 1:
                return np.full(a_fit, np.nan), np.full((a_fit, m), np.nan)
            res, (mx, sx, my, sy) = self._fit_scaled(Xk[train], Yk[train], a_here, w)
            Xte = (Xk[test] - mx) * (w / sx)
            Wst = w_star(res["W"], res["P"])
            T = sequential_scores(Xte, res["W"], res["P"], Wst)
            for a in range(1, a_fit + 1):
                if a > a_here:
                    press_y[a - 1] = np.nan
                    continue
                yhat = (T[:, :a] @ res["C"][:, :a].T) * sy + my
                e = Yk[test] - yhat
                press_y[a - 1] += np.nansum(e * e, axis=0)
        press = np.sum(press_y / self.y_scale_**2, axis=1)
        return press, press_y

    # ----------------------------------------------------------------- apply
    def _scores_scaled(self, Xs: np.ndarray) -> np.ndarray:
        return sequential_scores(Xs, self.x_weights_, self.loadings_, self.w_star_)

    def predict(self, X: Any) -> np.ndarray:
        """Predicted responses (n × M, original units); missing X values allowed."""
        T = self.transform(X)
        return (T @ self.y_loadings_.T) * self.y_scale_ + self.y_mean_

    def fit_transform(self, X: Any, Y: Any) -> np.ndarray:
        return self.fit(X, Y).scores_


__all__ = ["PLS", "nipals_pls", "sequential_scores", "w_star"]
