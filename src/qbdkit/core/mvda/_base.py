"""Shared machinery of the latent-variable models (PCA, PLS): preprocessing of new
data, scores of observations with missing values, Hotelling T², SPE, DModX, their
limits and contributions.

Definitions (A components, s_a² the variance of training score a, ddof = 1):

* ``T²_i = Σ_a t_ia² / s_a²`` (Hotelling 1947; Jackson 1991 §1.6).
* ``SPE_i = Σ_j e_ij²`` over the observed elements, ``E = X_s − T Pᵀ`` the
  residual in scaled units (Jackson 1991; Nomikos & MacGregor 1995).
* DModX: see :mod:`qbdkit.core.mvda.limits`.
* T² contributions ``c_ij = x_ij Σ_a r_ja t_ia / s_a²`` where ``T = X R`` is the
  score rotation (PCA: ``R = P(PᵀP)⁻¹``; PLS: ``R = W*``); they add up to T²
  (Westerhuis, Gurden & Smilde 2000, Chemometr. Intell. Lab. Syst. 51:95-114).
  SPE contributions are the squared residuals ``e_ij²`` (they add up to SPE).

Scores of observations with missing values use the "projection to the model
plane" (PMP) of Nelson, Taylor & MacGregor (1996, Chemometr. Intell. Lab. Syst.
35:45-65): ``t = (P*ᵀP*)⁻¹ P*ᵀ x*`` with ``*`` the observed variables; for a
complete observation this is ``x R``.

T² limit conventions (``t2_convention``; stated in every summary):

* ``"tym"`` (default): training observations against the Tracy–Young–Mason beta
  limit, new observations against ``A(n²−1)/(n(n−A))·F(A, n−A)`` (JMP, SAS).
* ``"simca"``: every observation against ``A(n−1)/(n−A)·F(A, n−A)``, without the
  ``(n+1)/n`` factor of a new observation (SIMCA's Hotelling T² line; Eriksson et al.,
  Multi- and Megavariate Data Analysis, 2006, app. I), so SIMCA users get their numbers.

The score plot's ellipse (:meth:`LatentModel.score_ellipse`) is drawn at the limit
the plotted points are judged by, and says which one it is.

Estimators derive scikit-learn's ``BaseEstimator`` (``get_params``/``set_params``,
``sklearn.base.clone``, its short ``repr``); an unfitted model raises
:class:`NotFittedError` (a :class:`~qbdkit.errors.QbdInputError` and scikit-learn's
``NotFittedError``).
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.exceptions import NotFittedError as _SklearnNotFitted

from qbdkit.core.mvda import limits
from qbdkit.core.mvda.preprocess import as_matrix
from qbdkit.errors import QbdInputError

ALPHAS = (0.95, 0.99)
T2_CONVENTIONS = ("tym", "simca")
#: what each convention means, for summaries and reports
T2_CONVENTION_TEXT = {
    "tym": "T² limits: training observations Tracy–Young–Mason beta, new observations "
           "A(n²−1)/(n(n−A))·F(A, n−A)",
    "simca": "T² limits (SIMCA convention): A(n−1)/(n−A)·F(A, n−A) for every observation",
}


class NotFittedError(QbdInputError, _SklearnNotFitted):
    """The model is used before ``fit`` (as scikit-learn's ``NotFittedError``)."""


def check_t2_convention(value: str) -> str:
    if value not in T2_CONVENTIONS:
        raise QbdInputError("unknown T² limit convention", column="t2_convention",
                            expected=" | ".join(T2_CONVENTIONS), found=value)
    return value


@dataclass(frozen=True)
class ScoreEllipse:
    """The Hotelling T² ellipse of a two-component score plot.

    Semi-axes ``radius_a = sqrt(limit · s_a²)`` for the two plotted components;
    ``limit`` is the T² limit with A = 2 if the model has two components — then the
    ellipse is exactly the region the points are judged by — otherwise the limit for the
    two plotted components alone (``exact`` False: a point's verdict uses all A
    components). ``judges`` names the observations the limit applies to
    (``"training"`` or ``"new"``) and ``label`` says it in words.
    """

    components: tuple[int, int]
    radii: tuple[float, float]
    limit: float
    alpha: float
    judges: str
    convention: str
    exact: bool
    label: str


@dataclass(frozen=True)
class Diagnostics:
    """Scores and distances of a set of observations under a fitted model.

    ``scores`` (n × A), ``t2``, ``spe``, ``dmodx`` (n), ``residuals`` (n × K,
    scaled units, NaN where missing), and the flags against the 95 % limits
    (``t2_out``, ``spe_out``, ``dmodx_out``). ``training`` tells which limits
    apply (training: Tracy–Young–Mason beta; new: F).
    """

    scores: np.ndarray
    t2: np.ndarray
    spe: np.ndarray
    dmodx: np.ndarray
    residuals: np.ndarray
    t2_limit: dict[str, float]
    spe_limit: dict[str, float]
    dmodx_limit: dict[str, float]
    training: bool
    t2_convention: str = "tym"

    @property
    def t2_out(self) -> np.ndarray:
        return self.t2 > self.t2_limit["0.95"]

    @property
    def spe_out(self) -> np.ndarray:
        return self.spe > self.spe_limit["0.95"]

    @property
    def dmodx_out(self) -> np.ndarray:
        return self.dmodx > self.dmodx_limit["0.95"]

    @property
    def inside_ellipse(self) -> np.ndarray:
        """Inside the 95 % Hotelling T² region of the A-component model."""
        return ~self.t2_out


def flip_signs(P: np.ndarray, *others: np.ndarray) -> None:
    """Sign convention, in place: in each component the loading of largest |value| is positive."""
    if P.size == 0:
        return
    idx = np.argmax(np.abs(P), axis=0)
    s = np.sign(P[idx, np.arange(P.shape[1])])
    s[s == 0] = 1.0
    P *= s
    for M in others:
        M *= s


def pmp_scores(Xs: np.ndarray, P: np.ndarray, R: np.ndarray) -> np.ndarray:
    """Scores by projection to the model plane; complete rows use ``X R``."""
    n = Xs.shape[0]
    a = P.shape[1]
    T = np.empty((n, a))
    miss = np.isnan(Xs)
    rows_missing = miss.any(axis=1)
    full = ~rows_missing
    if full.any():
        T[full] = Xs[full] @ R
    if rows_missing.any():
        Xm = Xs[rows_missing]
        M = (~np.isnan(Xm)).astype(float)
        X0 = np.where(M > 0, Xm, 0.0)
        G = np.einsum("ij,ja,jb->iab", M, P, P, optimize=True)
        b = X0 @ P
        T[rows_missing] = _solve_batched(G, b)
    return T


def _solve_batched(G: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Solve ``G_i t_i = b_i`` for each i; pseudo-inverse where ``G_i`` is singular."""
    try:
        return np.linalg.solve(G, b[..., None])[..., 0]
    except np.linalg.LinAlgError:
        return np.einsum("iab,ib->ia", np.linalg.pinv(G), b)


class LatentModel(BaseEstimator):
    """Base of :class:`~qbdkit.core.mvda.pca.PCA` and :class:`~qbdkit.core.mvda.pls.PLS`.

    Subclasses set, in ``fit``: ``feature_names_in_``, ``n_features_in_``,
    ``variables_``, ``keep_`` (indices of the used columns), ``dropped_``,
    ``mean_``, ``scale_``, ``weights_``, ``loadings_`` (P), ``rotation_`` (R),
    ``score_var_``, ``n_samples_``, ``n_components_``, ``spe_``, ``t2_``,
    ``dmodx_``, ``residual_eigenvalues_`` and ``spe_method``.
    """

    spe_method: str = "box"
    t2_convention: str = "tym"

    # ------------------------------------------------------------ estimator
    def _check_fitted(self) -> None:
        if not hasattr(self, "loadings_"):
            raise NotFittedError(f"this {type(self).__name__} is not fitted yet; call fit first")

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "loadings_")

    def result(self, ids: Any = None, new: Any = None, new_ids: Any = None,
               contributions: str | None = None) -> Any:
        """The fitted model as a frozen result (``PCASummary`` / ``PLSSummary``)."""
        raise NotImplementedError

    def summary(self) -> str:
        """Readable text of the fitted model (its :meth:`result`)."""
        return self.result().summary()

    def to_dict(self) -> dict[str, Any]:
        """JSON-able dict of the fitted model (its :meth:`result`)."""
        return self.result().to_dict()

    def _repr_html_(self) -> str:  # Jupyter: the summary once fitted, else the parameters
        text = self.summary() if self.__sklearn_is_fitted__() else repr(self)
        return f"<pre>{html.escape(text)}</pre>"

    def _select(self, X: Any) -> np.ndarray:
        """New data as the model's variables (raw units), in the model's column order."""
        self._check_fitted()
        if isinstance(X, pd.DataFrame):
            cols = [str(c) for c in X.columns]
            missing = [v for v in self.variables_ if v not in cols]
            if missing:
                raise QbdInputError(
                    "variables of the model missing from the new data", column=", ".join(missing),
                    expected="the model's variables: " + ", ".join(self.variables_),
                    found=", ".join(cols))
            X = X.loc[:, [c for c in X.columns if str(c) in self.variables_]]
            X.columns = [str(c) for c in X.columns]
            X = X[self.variables_]
            arr, _ = as_matrix(X)
            return arr
        arr, _ = as_matrix(X)
        if arr.shape[1] == self.n_features_in_:
            return arr[:, self.keep_]
        if arr.shape[1] == len(self.variables_):
            return arr
        raise QbdInputError("wrong number of variables in the new data", column="X",
                            expected=f"{len(self.variables_)} (or {self.n_features_in_})",
                            found=arr.shape[1])

    def _scale(self, Xk: np.ndarray) -> np.ndarray:
        return (Xk - self.mean_) * (self.weights_ / self.scale_)

    def preprocess(self, X: Any) -> np.ndarray:
        """New data centred, scaled and weighted as the training data (NaN kept).

        Rows without any observed model variable cannot be scored; callers that may
        pass such rows (e.g. unfinished batches) must leave them out.
        """
        return self._scale(self._select(X))

    # ---------------------------------------------------------------- scores
    def _scores_scaled(self, Xs: np.ndarray) -> np.ndarray:
        return pmp_scores(Xs, self.loadings_, self.rotation_)

    def transform(self, X: Any) -> np.ndarray:
        """Scores (n × A) of new observations (missing values allowed)."""
        return self._scores_scaled(self.preprocess(X))

    @property
    def residuals_(self) -> np.ndarray:
        """Training residuals ``X_s − T Pᵀ`` (scaled units, NaN where missing)."""
        self._check_fitted()
        if getattr(self, "_residuals", None) is None:
            self._residuals = self._Xs - self.scores_ @ self.loadings_.T
        return self._residuals

    # ---------------------------------------------------------------- limits
    def t2_limit(self, alpha: float = 0.95, *, new: bool = True,
                 n_components: int | None = None) -> float:
        """T² limit by ``t2_convention`` (module docstring): ``"tym"`` — F form for new
        observations, Tracy–Young–Mason beta for training; ``"simca"`` — ``A(n−1)/(n−A)·F``
        for both. ``n_components`` overrides A (e.g. 2 for a score-plot ellipse)."""
        a = self.n_components_ if n_components is None else n_components
        if check_t2_convention(self.t2_convention) == "simca":
            return limits.t2_limit_simca(a, self.n_samples_, alpha)
        if new:
            return limits.t2_limit_new(a, self.n_samples_, alpha)
        return limits.t2_limit_training(a, self.n_samples_, alpha)

    def score_ellipse(self, components: tuple[int, int] = (1, 2), alpha: float = 0.95, *,
                      new: bool = False) -> ScoreEllipse:
        """The T² ellipse of a score plot of ``components`` (1-based), at the limit of
        training observations (``new=False``) or of projected ones (``new=True``) — draw the
        one whose points the plot judges (see :class:`ScoreEllipse`)."""
        self._check_fitted()
        a, b = components
        if not (1 <= a <= self.n_components_ and 1 <= b <= self.n_components_ and a != b):
            raise QbdInputError("score plot components", column="components",
                                expected=f"two different components among 1…{self.n_components_}",
                                found=f"{a}, {b}")
        exact = self.n_components_ == 2
        lim = self.t2_limit(alpha, new=new, n_components=2)
        radii = (float(np.sqrt(lim * self.score_var_[a - 1])),
                 float(np.sqrt(lim * self.score_var_[b - 1])))
        judges = "new" if new else "training"
        conv = self.t2_convention
        who = "projected observations" if new else "model (training) observations"
        if conv == "simca":
            how = "A(n−1)/(n−A)·F (SIMCA)"
        else:
            how = "A(n²−1)/(n(n−A))·F" if new else "Tracy–Young–Mason beta"
        label = (f"Hotelling T² {100 * alpha:g} % ellipse, limit {lim:.4g} for {who}, {how}"
                 + ("" if exact else f"; a 2-D view of the {self.n_components_}-component T²"))
        return ScoreEllipse((a, b), radii, float(lim), alpha, judges, conv, exact, label)

    def spe_limit(self, alpha: float = 0.95, *, method: str | None = None) -> float:
        """SPE limit; ``method`` ``"box"`` (g·χ²_h, default) or ``"jackson-mudholkar"``."""
        method = method or self.spe_method
        if method == "box":
            return limits.spe_limit_box(self.spe_, alpha)
        if method in ("jackson-mudholkar", "jm"):
            return limits.spe_limit_jackson_mudholkar(self.residual_eigenvalues_, alpha)
        raise QbdInputError("unknown SPE limit method", column="spe_method",
                            expected="box | jackson-mudholkar", found=method)

    def dmodx_limit(self, alpha: float = 0.95) -> float:
        return limits.dmodx_limit(self.n_components_, self.n_samples_, len(self.variables_), alpha,
                                  centred=True)

    # ------------------------------------------------------------- distances
    def _residual(self, Xs: np.ndarray, T: np.ndarray) -> np.ndarray:
        return Xs - T @ self.loadings_.T

    def _t2(self, T: np.ndarray) -> np.ndarray:
        return np.sum(T * T / self.score_var_, axis=1)

    @staticmethod
    def _spe(E: np.ndarray) -> np.ndarray:
        sq = np.einsum("ij,ij->i", E, E)
        bad = np.isnan(sq)  # rows with a missing element
        if bad.any():
            Eb = E[bad]
            sq[bad] = np.sum(np.where(np.isnan(Eb), 0.0, Eb * Eb), axis=1)
        return sq

    def _s0(self) -> float:
        k = len(self.variables_)
        a = self.n_components_
        df = (self.n_samples_ - a - 1) * (k - a)
        if df <= 0:
            return math.nan
        return math.sqrt(self._sse_total / df)

    def _dmodx(self, E: np.ndarray | None, training: bool, spe: np.ndarray | None = None,
               complete: bool = False) -> np.ndarray:
        """SIMCA normalised DModX; observed elements only (K_i = number observed)."""
        a = self.n_components_
        spe = self._spe(E) if spe is None else spe
        k_i = np.full(spe.shape[0], float(len(self.variables_)))
        if not complete and E is not None and E.shape[1]:
            rows = np.flatnonzero(np.isnan(np.einsum("ij->i", E)))  # rows with a missing element
            if rows.size:
                k_i[rows] = np.sum(~np.isnan(E[rows]), axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            s_i = np.sqrt(spe / (k_i - a))
            s_i = np.where(k_i - a > 0, s_i, np.nan)
            d = s_i / self._s0()
            if training:
                n = self.n_samples_
                d = d * math.sqrt(n / (n - a - 1)) if n - a - 1 > 0 else d * np.nan
        return d

    def _limits(self, training: bool) -> tuple[dict[str, float], dict[str, float], dict[str, float]]:
        t2 = {str(al): self.t2_limit(al, new=not training) for al in ALPHAS}
        spe = {str(al): self.spe_limit(al) for al in ALPHAS}
        dm = {str(al): self.dmodx_limit(al) for al in ALPHAS}
        return t2, spe, dm

    def diagnose(self, X: Any = None) -> Diagnostics:
        """Scores, T², SPE, DModX (and limits) of the training data (``X=None``) or of new data."""
        self._check_fitted()
        if X is None:
            T = self.scores_
            E = self.residuals_
            training = True
        else:
            Xs = self.preprocess(X)
            T = self._scores_scaled(Xs)
            E = self._residual(Xs, T)
            training = False
        t2l, spel, dml = self._limits(training)
        spe = self._spe(E)
        return Diagnostics(scores=T, t2=self._t2(T), spe=spe, dmodx=self._dmodx(E, training, spe),
                           residuals=E, t2_limit=t2l, spe_limit=spel, dmodx_limit=dml,
                           training=training, t2_convention=self.t2_convention)

    # --------------------------------------------------------- contributions
    def contributions_t2(self, X: Any = None) -> np.ndarray:
        """Contribution of each variable to each observation's T² (n × K; rows sum to T²).

        Complete observations: ``c_ij = x_ij Σ_a r_ja t_ia / s_a²``. Missing
        elements contribute 0 (the row then sums to T² only approximately).
        """
        Xs = self.residuals_ + self.scores_ @ self.loadings_.T if X is None else self.preprocess(X)
        T = self._scores_scaled(Xs)
        X0 = np.where(np.isnan(Xs), 0.0, Xs)
        return X0 * ((T / self.score_var_) @ self.rotation_.T)

    def contributions_spe(self, X: Any = None, *, signed: bool = False) -> np.ndarray:
        """Contribution of each variable to SPE: ``e_ij²`` (rows sum to SPE), or ``e_ij`` if ``signed``."""
        E = self.diagnose(X).residuals
        E = np.where(np.isnan(E), 0.0, E)
        return E if signed else E * E
