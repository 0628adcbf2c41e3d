"""Batch modelling: alignment to a maturity grid, batch evolution and batch level models.

Terms: a *batch* is one run of a unit operation (e.g. a 14-day fed-batch culture);
*maturity* is how far a batch has progressed — culture time, or an indicator variable
that increases monotonically within every batch (cumulative feed, consumed glucose…);
a *trajectory* is a variable (or a score) as a function of maturity.

Data come in long format: one row per batch and sampling point (``batch``, ``time``,
variables…). Everything is computed on a common maturity grid:

* **Alignment** (:func:`align_batches`): within each batch and variable, linear
  interpolation (``numpy.interp``) of the observed values on the maturity at the grid
  points; grid points outside a variable's observed range in that batch are missing
  (never extrapolated). Default grid: the sampling points themselves when every batch
  has the same ones (e.g. day 0…14), else ``n_points`` equally spaced points (median
  number of samples per batch) over the range covered by *every* batch
  ``[max_i start_i, min_i end_i]``; batches that do not overlap are an input error.
* **Batch evolution model (BEM)** (:class:`BatchEvolutionModel`; Wold, Kettaneh,
  Fridén & Holmberg 1998, *Chemometr. Intell. Lab. Syst.* 44:331–340, SIMCA's
  "observation level"): the I × J × K cube is unfolded observation-wise to (I·J) × K,
  auto-scaled over all observations and modelled by PCA (:class:`~qbdkit.core.mvda.PCA`).
  Control limits per maturity point j: ``mean_i t_ija ± k·SD_i t_ija`` (k = 3, SD with
  ddof = 1, over the I training batches) for each score a (seed 000 fig. 9), and the
  same for each raw variable. The T²/DModX of each observation use the PCA limits.
* **Batch level model (BLM)** (:class:`BatchLevelModel`; Nomikos & MacGregor 1994,
  *AIChE J.* 40:1361–1375 batch-wise unfolding): each batch becomes one row of J·K
  columns ``variable@maturity`` (optionally followed by final quality attributes),
  auto-scaled per column and modelled by PCA; new batches are inside when their T² is
  below the 95 % limit (the Hotelling ellipse) and their SPE/DModX below theirs.
  Columns with no spread (e.g. identical day-0 set points) are left out by the PCA
  and listed in ``dropped_``.
* **Projection** (:meth:`BatchEvolutionModel.project`, :meth:`BatchLevelModel.project`):
  new (small-scale) batches are aligned on the training grid, scaled with the training
  statistics and projected (missing values by projection to the model plane); the
  result lists every maturity point where a score or variable leaves its ± k SD band.

Hand-written because no maintained Python library offers batch evolution models
(SIMCA, a commercial product, is the reference implementation); the decomposition is
the project's PCA.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import linalg

from qbdkit.core.mvda.limits import spe_limit_box
from qbdkit.core.mvda.pca import PCA
from qbdkit.core.mvda.preprocess import column_scaling
from qbdkit.core.result import Result, format_table
from qbdkit.errors import Problem, QbdInputError

__all__ = [
    "AlignedBatches",
    "BatchAnalysis",
    "BatchEvolutionModel",
    "BatchEvolutionProjection",
    "BatchLevelModel",
    "BatchLevelProjection",
    "align_batches",
    "analyze_batches",
    "unfold_batchwise",
]


# ------------------------------------------------------------------ alignment
@dataclass(frozen=True)
class AlignedBatches:
    """Batches on a common maturity grid: ``data[i, j, k]`` = variable k of batch i at ``grid[j]``."""

    batches: list[str]
    grid: np.ndarray
    variables: list[str]
    data: np.ndarray
    maturity: str
    notes: list[str] = field(default_factory=list)

    def unfold_observationwise(self) -> np.ndarray:
        """(I·J) × K, batch-major (rows of batch 0 first)."""
        i, j, k = self.data.shape
        return self.data.reshape(i * j, k)

    def frame(self) -> pd.DataFrame:
        """Long frame ``batch, <maturity>, variables…`` of the aligned data."""
        i, j, _ = self.data.shape
        out = pd.DataFrame(self.unfold_observationwise(), columns=self.variables)
        out.insert(0, self.maturity, np.tile(self.grid, i))
        out.insert(0, "batch", np.repeat(self.batches, j))
        return out


def _numeric(frame: pd.DataFrame, col: str, file: str | None, rows: Sequence[int]) -> np.ndarray:
    s = frame[col]
    if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
        return s.to_numpy(dtype=float, na_value=np.nan)
    num = pd.to_numeric(s, errors="coerce")
    bad = num.isna() & s.notna() & (s.astype(str).str.strip() != "")
    if bad.any():
        raise QbdInputError(problems=[
            Problem("not a number", file, rows[i], str(col), "a number", s.iloc[i])
            for i in np.flatnonzero(bad.to_numpy())[:20]])
    return num.to_numpy(dtype=float, na_value=np.nan)


def align_batches(
    frame: pd.DataFrame,
    *,
    batch: str,
    time: str,
    variables: Sequence[str] | None = None,
    indicator: str | None = None,
    grid: Sequence[float] | np.ndarray | None = None,
    n_points: int | None = None,
    file: str | None = None,
    rows: Sequence[int] | None = None,
) -> AlignedBatches:
    """Align long-format batch data on a maturity grid (see the module docstring).

    ``indicator``: align on this variable instead of ``time`` (it must increase within
    each batch, ordered by time). ``grid``: use these maturity points (e.g. a model's
    grid when projecting new batches); points outside a batch's range are missing.
    Variables default to every column except batch, time and indicator; columns with
    no number at all are left out with a note, all-missing ones too.
    """
    rows = list(rows) if rows is not None else [i + 2 for i in range(len(frame))]
    for col in (batch, time) + ((indicator,) if indicator else ()):
        if col not in frame.columns:
            raise QbdInputError("missing column", file=file, row=1, column=col,
                                expected=f"a header {col!r}", found=", ".join(map(str, frame.columns)))
    if len(frame) == 0:
        raise QbdInputError("no data rows", file=file, expected="one row per batch and time point")
    maturity_col = indicator or time
    notes: list[str] = []
    if variables is None:
        variables = [str(c) for c in frame.columns if c not in (batch, time, indicator)]
    else:
        missing = [v for v in variables if v not in frame.columns]
        if missing:
            raise QbdInputError(problems=[Problem("missing column", file, 1, v,
                                                  "a variable column", ", ".join(map(str, frame.columns)))
                                          for v in missing])
    ids = frame[batch]
    blank_id = ids.isna() | ids.astype(str).str.strip().eq("")
    if blank_id.any():
        i = int(np.flatnonzero(blank_id.to_numpy())[0])
        raise QbdInputError("blank batch id", file=file, row=rows[i], column=batch,
                            expected="a batch id", found="")
    ids = ids.astype(str).str.strip().to_numpy()
    mat = _numeric(frame, maturity_col, file, rows)
    if np.isnan(mat).any():
        i = int(np.flatnonzero(np.isnan(mat))[0])
        raise QbdInputError("blank maturity", file=file, row=rows[i], column=maturity_col,
                            expected="a number", found="")
    order_key = _numeric(frame, time, file, rows) if indicator else mat
    vals: list[np.ndarray] = []
    kept: list[str] = []
    for v in variables:
        s = frame[v]
        if s.isna().all():
            notes.append(f"{v}: all missing, left out")
            continue
        if not pd.api.types.is_numeric_dtype(s.dtype) and pd.to_numeric(
                s, errors="coerce").notna().sum() == 0:
            nonblank = s.notna() & (s.astype(str).str.strip() != "")
            notes.append(f"{v}: {'no numeric values' if nonblank.any() else 'all missing'}, left out")
            continue
        vals.append(_numeric(frame, v, file, rows))
        kept.append(str(v))
    if not kept:
        raise QbdInputError("no numeric variable columns", file=file, row=1,
                            expected="one column per process variable",
                            found=", ".join(map(str, frame.columns)))
    X = np.column_stack(vals)
    codes, uniques = pd.factorize(ids)  # batches in order of first appearance
    batch_names = [str(u) for u in uniques]
    order = np.lexsort((order_key, codes))  # by batch, then time (stable)
    bounds = np.searchsorted(codes[order], np.arange(len(batch_names) + 1))
    per_batch: list[tuple[np.ndarray, np.ndarray]] = []
    problems: list[Problem] = []
    for bi, b in enumerate(batch_names):
        idx = order[bounds[bi]:bounds[bi + 1]]
        m = mat[idx]
        if indicator and np.any(np.diff(m) <= 0):
            bad = idx[1:][np.diff(m) <= 0][0]
            problems.append(Problem("maturity indicator does not increase within the batch", file,
                                    rows[bad], indicator, f"values increasing with {time} in batch {b}",
                                    mat[bad]))
            continue
        dup = np.flatnonzero(np.diff(m) == 0)
        if dup.size:
            problems.append(Problem("repeated maturity value within a batch", file,
                                    rows[idx[dup[0] + 1]], maturity_col,
                                    f"one row per batch and {maturity_col}", f"{b} @ {m[dup[0]]:g}"))
            continue
        if m.size < 2 and grid is None:
            problems.append(Problem("a batch needs at least 2 time points", file, rows[idx[0]], batch,
                                    "2 or more rows", b))
            continue
        per_batch.append((m, X[idx]))
    if problems:
        raise QbdInputError(problems=problems)
    if grid is None:
        grid_arr = _default_grid(batch_names, per_batch, n_points, file, maturity_col)
    else:
        grid_arr = np.asarray(grid, dtype=float)
    nj, nk = grid_arr.size, len(kept)
    cube = np.full((len(batch_names), nj, nk), np.nan)
    for i, (m, Xb) in enumerate(per_batch):
        if m.size == grid_arr.size and np.array_equal(m, grid_arr):
            cube[i] = Xb
            continue
        if grid is not None and (m[-1] < grid_arr[0] or m[0] > grid_arr[-1]):
            raise QbdInputError("batch does not overlap the model's maturity grid", file=file,
                                column=maturity_col,
                                expected=f"{maturity_col} within [{grid_arr[0]:g}, {grid_arr[-1]:g}]",
                                found=f"{batch_names[i]}: [{m[0]:g}, {m[-1]:g}]")
        for k in range(nk):
            ok = ~np.isnan(Xb[:, k])
            if ok.sum() == 0:
                continue
            mk, xk = m[ok], Xb[ok, k]
            inside = (grid_arr >= mk[0]) & (grid_arr <= mk[-1])
            cube[i, inside, k] = np.interp(grid_arr[inside], mk, xk)
    return AlignedBatches(batches=batch_names, grid=grid_arr, variables=kept, data=cube,
                          maturity=maturity_col, notes=notes)


def _default_grid(names: list[str], per_batch: list[tuple[np.ndarray, np.ndarray]],
                  n_points: int | None, file: str | None, maturity: str) -> np.ndarray:
    first = per_batch[0][0]
    if n_points is None and all(m.size == first.size and np.array_equal(m, first)
                                for m, _ in per_batch):
        return first.copy()
    starts = np.array([m[0] for m, _ in per_batch])
    ends = np.array([m[-1] for m, _ in per_batch])
    lo, hi = float(starts.max()), float(ends.min())
    if not lo < hi:
        late = names[int(np.argmax(starts))]
        early = names[int(np.argmin(ends))]
        raise QbdInputError(
            "batches without overlap on the maturity grid", file=file, column=maturity,
            expected="every batch covering a common maturity range",
            found=f"batch {late} starts at {lo:g}, batch {early} ends at {hi:g}")
    if n_points is None:
        n_points = int(np.median([m.size for m, _ in per_batch]))
    return np.linspace(lo, hi, max(int(n_points), 2))


def _fit_named(pca: Any, X: np.ndarray, names: Sequence[str], y: np.ndarray | None = None) -> Any:
    """Fit on a float array (no per-cell parsing of a wide frame), then name the variables.

    The result is the model a DataFrame with these column names would give.
    """
    if y is None:
        pca.fit(X)
    else:
        pca.fit(X, y)
    names = [str(n) for n in names]
    pca.feature_names_in_ = names
    pca.variables_ = [names[j] for j in pca.keep_]
    pca.dropped_ = {names[int(k[1:]) - 1]: why for k, why in pca.dropped_.items()}
    return pca


# ------------------------------------------------------------ evolution model
def _band_outside(values: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return ~np.isnan(values) & ((values < lo) | (values > hi))


@dataclass(frozen=True)
class BatchEvolutionProjection(Result):
    """New batches on a batch evolution model: score trajectories and excursions."""

    batches: list[str]
    grid: list[float]
    scores: np.ndarray
    """I × J × A scores."""
    t2: np.ndarray
    """I × J Hotelling T² of each observation."""
    dmodx: np.ndarray
    outside: list[dict[str, Any]]
    """One entry per excursion: batch, maturity, what (``t1``… or a variable), value, lower, upper."""
    first_outside: dict[str, float | None]
    """Per batch, the first maturity point with any score outside its ± k SD band."""
    predicted_maturity: np.ndarray | None = None
    """I × J maturity predicted by a PLS evolution model (None for PCA)."""
    t2_limit: float | None = None
    """95 % T² limit for new observations (F form); per-observation T² of an evolution model
    is dominated by the trajectory itself (start and end points are far from the centre), so
    excursions are judged on the ± k SD score bands, not on this limit."""
    dmodx_limit: float | None = None
    """95 % DModX limit (SIMCA F form); about 5 % of in-control points exceed it."""

    def summary(self) -> str:
        rows = []
        for b in self.batches:
            exc = [o for o in self.outside if o["batch"] == b]
            sc = sorted({o["maturity"] for o in exc if o["kind"] == "score"})
            var = sorted({o["what"] for o in exc if o["kind"] == "variable"})
            rows.append([b, len(sc), ", ".join(f"{t:g}" for t in sc[:8]) + (" …" if len(sc) > 8 else ""),
                         ", ".join(var)])
        return "Batch evolution model — projected batches\n" + format_table(
            ["batch", "points out (scores)", "maturity", "variables out"], rows)



def check_new_batches(model: Any, aligned: AlignedBatches) -> None:
    """A fitted batch model (``pca_``, ``variables_``, ``grid_``, ``maturity_``) can take
    ``aligned``: same variables and the same maturity grid; else :class:`QbdInputError`."""
    if not hasattr(model, "pca_"):
        raise QbdInputError("the model is not fitted yet; call fit first")
    missing = [v for v in model.variables_ if v not in aligned.variables]
    if missing:
        raise QbdInputError(
            "variables of the model missing from the new batches", column=", ".join(missing),
            expected="the model's variables: " + ", ".join(model.variables_),
            found=", ".join(aligned.variables))
    if aligned.grid.size != model.grid_.size or not np.allclose(aligned.grid, model.grid_):
        raise QbdInputError("new batches are not on the model's maturity grid",
                            column=model.maturity_, expected="align with grid=model.grid_")

class BatchEvolutionModel:
    """Observation-wise unfolded PCA (or PLS on maturity) with mean ± k SD trajectories.

    ``method="pca"`` (default) or ``"pls"``: SIMCA's batch evolution model regresses the
    maturity on the process variables (PLS, y = maturity of each observation), so the
    first score follows the batch's progress; ``predicted_maturity`` of new batches is
    then reported too. See the module docstring.

    Learned attributes: ``pca_``, ``grid_``, ``variables_``, ``batches_``, ``maturity_``,
    ``scores_`` (I × J × A), ``score_mean_``/``score_sd_`` (J × A),
    ``score_lower_``/``score_upper_`` (J × A), ``variable_mean_``/``variable_sd_``,
    ``variable_lower_``/``variable_upper_`` (J × K), ``t2_``/``dmodx_`` (I × J) and their
    95 % limits ``t2_limit_``/``dmodx_limit_``.
    """

    def __init__(self, n_components: int | str = 2, *, scale: str = "uv", k: float = 3.0,
                 method: str = "pca") -> None:
        self.n_components = n_components
        self.scale = scale
        self.k = k
        self.method = method

    def fit(self, aligned: AlignedBatches) -> BatchEvolutionModel:
        nb, nj, _ = aligned.data.shape
        if nb < 3:
            raise QbdInputError("too few batches for a batch evolution model", column="batch",
                                expected="at least 3 batches", found=nb)
        X = aligned.unfold_observationwise()
        n_comp = self.n_components
        if n_comp != "auto":
            n_comp = min(int(n_comp), len(aligned.variables) - 1) or 1
        if self.method == "pca":
            pca = _fit_named(PCA(n_comp, scale=self.scale, cross_validate=False), X,
                             aligned.variables)
        elif self.method == "pls":
            from qbdkit.core.mvda.pls import PLS

            y = np.tile(aligned.grid, nb)[:, None]
            pca = _fit_named(PLS(n_comp, scale=self.scale, cross_validate=False), X,
                             aligned.variables, y)
        else:
            raise QbdInputError("unknown batch evolution method", column="method",
                                expected="pca | pls", found=self.method)
        self.pca_ = pca
        self.grid_ = aligned.grid.copy()
        self.variables_ = list(aligned.variables)
        self.batches_ = list(aligned.batches)
        self.maturity_ = aligned.maturity
        A = pca.n_components_
        self.scores_ = pca.scores_.reshape(nb, nj, A)
        self.score_mean_ = np.nanmean(self.scores_, axis=0)
        self.score_sd_ = np.nanstd(self.scores_, axis=0, ddof=1)
        self.score_lower_ = self.score_mean_ - self.k * self.score_sd_
        self.score_upper_ = self.score_mean_ + self.k * self.score_sd_
        with np.errstate(invalid="ignore", divide="ignore"), _quiet():
            self.variable_mean_ = np.nanmean(aligned.data, axis=0)
            self.variable_sd_ = np.nanstd(aligned.data, axis=0, ddof=1)
        self.variable_lower_ = self.variable_mean_ - self.k * self.variable_sd_
        self.variable_upper_ = self.variable_mean_ + self.k * self.variable_sd_
        self.t2_ = pca.t2_.reshape(nb, nj)
        self.dmodx_ = pca.dmodx_.reshape(nb, nj)
        self.t2_limit_ = pca.t2_limit(0.95, new=False)
        self.dmodx_limit_ = pca.dmodx_limit(0.95)
        self.dropped_ = dict(pca.dropped_)
        return self

    def _check_new(self, aligned: AlignedBatches) -> None:
        check_new_batches(self, aligned)

    def project(self, aligned: AlignedBatches) -> BatchEvolutionProjection:
        """Scores of new batches (aligned on ``grid_``) and every excursion from the bands."""
        self._check_new(aligned)
        idx = [aligned.variables.index(v) for v in self.variables_]
        cube = aligned.data[:, :, idx]
        nb, nj, nk = cube.shape
        X = cube.reshape(nb * nj, nk)
        # grid points a batch lacks (e.g. an unfinished batch) have no scores
        empty = np.isnan(X[:, self.pca_.keep_]).all(axis=1)
        ok = ~empty
        A = self.pca_.n_components_
        T = np.full((nb * nj, A), np.nan)
        t2 = np.full(nb * nj, np.nan)
        dm = np.full(nb * nj, np.nan)
        pred = None
        if ok.any():
            d = self.pca_.diagnose(X[ok])
            T[ok], t2[ok], dm[ok] = d.scores, d.t2, d.dmodx
        if self.method == "pls":
            pred = np.full(nb * nj, np.nan)
            if ok.any():
                pred[ok] = self.pca_.predict(X[ok])[:, 0]
            pred = pred.reshape(nb, nj)
        scores = T.reshape(nb, nj, A)
        t2 = t2.reshape(nb, nj)
        dm = dm.reshape(nb, nj)
        outside: list[dict[str, Any]] = []
        first: dict[str, float | None] = {}
        sc_out = _band_outside(scores, self.score_lower_[None], self.score_upper_[None])
        var_out = _band_outside(cube, self.variable_lower_[None], self.variable_upper_[None])
        for i, b in enumerate(aligned.batches):
            first[b] = None
            for j in range(nj):
                for a in np.flatnonzero(sc_out[i, j]):
                    if first[b] is None:
                        first[b] = float(self.grid_[j])
                    outside.append({"batch": b, "maturity": float(self.grid_[j]), "kind": "score",
                                    "what": f"t{a + 1}", "value": float(scores[i, j, a]),
                                    "lower": float(self.score_lower_[j, a]),
                                    "upper": float(self.score_upper_[j, a])})
                for kk in np.flatnonzero(var_out[i, j]):
                    outside.append({"batch": b, "maturity": float(self.grid_[j]), "kind": "variable",
                                    "what": self.variables_[kk], "value": float(cube[i, j, kk]),
                                    "lower": float(self.variable_lower_[j, kk]),
                                    "upper": float(self.variable_upper_[j, kk])})
        return BatchEvolutionProjection(batches=list(aligned.batches), grid=self.grid_.tolist(),
                                        scores=scores, t2=t2, dmodx=dm, outside=outside,
                                        first_outside=first, predicted_maturity=pred,
                                        t2_limit=float(self.pca_.t2_limit(0.95, new=True)),
                                        dmodx_limit=float(self.pca_.dmodx_limit(0.95)))


class _quiet:
    """Silence numpy's "mean of empty slice" warnings for all-missing grid points."""

    def __enter__(self):
        import warnings

        self._w = warnings.catch_warnings()
        self._w.__enter__()
        warnings.simplefilter("ignore", category=RuntimeWarning)
        return self

    def __exit__(self, *exc):
        return self._w.__exit__(*exc)


# ---------------------------------------------------------------- level model
def unfold_batchwise(aligned: AlignedBatches, variables: Sequence[str] | None = None) -> pd.DataFrame:
    """I × (J·K) frame with columns ``variable@maturity`` (maturity-major), index = batch."""
    variables = list(variables) if variables is not None else aligned.variables
    idx = [aligned.variables.index(v) for v in variables]
    cube = aligned.data[:, :, idx]
    nb, nj, nk = cube.shape
    cols = [f"{v}@{t:g}" for t in aligned.grid for v in variables]
    return pd.DataFrame(cube.reshape(nb, nj * nk), columns=cols, index=list(aligned.batches))


@dataclass(frozen=True)
class BatchLevelProjection(Result):
    """New batches on a batch level model: scores, T², SPE, DModX against the 95 % limits."""

    batches: list[str]
    scores: np.ndarray
    t2: np.ndarray
    t2_limit: dict[str, float]
    spe: np.ndarray
    spe_limit: dict[str, float]
    dmodx: np.ndarray
    dmodx_limit: dict[str, float]
    inside_ellipse: list[bool]
    below_spe_limit: list[bool]

    def summary(self) -> str:
        rows = [[b, self.t2[i], "yes" if self.inside_ellipse[i] else "NO", self.spe[i],
                 "yes" if self.below_spe_limit[i] else "NO"] for i, b in enumerate(self.batches)]
        return (f"Batch level model — projected batches (T² 95 % limit {self.t2_limit['0.95']:.4g}, "
                f"SPE 95 % limit {self.spe_limit['0.95']:.4g})\n"
                + format_table(["batch", "T²", "inside ellipse", "SPE", "below SPE limit"], rows))


class BatchLevelModel:
    """Batch-wise unfolded PCA, optionally with final quality attributes (module docstring).

    Learned attributes: ``pca_``, ``columns_``, ``batches_``, ``grid_``, ``variables_``,
    ``final_`` (names of the final attributes), ``scores_``, ``t2_``, ``spe_``, ``dmodx_``
    and 95/99 % limits ``t2_limit_``, ``spe_limit_``, ``dmodx_limit_`` (training batches),
    ``spe_cv_`` and ``spe_limit_new_`` (cross-validated SPE and its limit, used for new
    batches; ``cv_groups=0`` skips the cross-validation and uses the training limit),
    ``dropped_``.
    """

    def __init__(self, n_components: int | str = 2, *, scale: str = "uv", cv_groups: int = 7) -> None:
        self.n_components = n_components
        self.scale = scale
        self.cv_groups = cv_groups

    def _matrix(self, aligned: AlignedBatches, final: pd.DataFrame | None) -> pd.DataFrame:
        X = unfold_batchwise(aligned, getattr(self, "variables_", None))
        if final is not None and len(final.columns):
            missing = [b for b in aligned.batches if b not in final.index]
            if missing:
                raise QbdInputError("final quality attributes missing for batches", column="batch",
                                    expected="one row per batch", found=", ".join(missing))
            F = final.loc[list(aligned.batches)]
            F.columns = [f"final:{c}" for c in F.columns]
            X = pd.concat([X, F.astype(float)], axis=1)
        return X

    def fit(self, aligned: AlignedBatches, final: pd.DataFrame | None = None) -> BatchLevelModel:
        nb = len(aligned.batches)
        if nb < 3:
            raise QbdInputError("too few batches for a batch level model", column="batch",
                                expected="at least 3 batches", found=nb)
        if hasattr(self, "variables_"):
            del self.variables_
        X = self._matrix(aligned, final)
        n_comp = self.n_components
        if n_comp != "auto":
            n_comp = max(1, min(int(n_comp), nb - 2))
        pca = _fit_named(PCA(n_comp, scale=self.scale, cross_validate=n_comp == "auto"),
                         X.to_numpy(dtype=float), [str(c) for c in X.columns])
        self.pca_ = pca
        self.variables_ = list(aligned.variables)
        self.grid_ = aligned.grid.copy()
        self.maturity_ = aligned.maturity
        self.batches_ = list(aligned.batches)
        self.final_ = [] if final is None else [str(c) for c in final.columns]
        self.columns_ = list(pca.variables_)
        self.dropped_ = dict(pca.dropped_)
        self.scores_ = pca.scores_
        self.t2_ = pca.t2_
        self.spe_ = pca.spe_
        self.dmodx_ = pca.dmodx_
        self.t2_limit_ = {str(a): pca.t2_limit(a, new=False) for a in (0.95, 0.99)}
        self.spe_limit_ = {str(a): pca.spe_limit(a) for a in (0.95, 0.99)}
        self.dmodx_limit_ = {str(a): pca.dmodx_limit(a) for a in (0.95, 0.99)}
        if self.cv_groups and self.cv_groups >= 2:
            self.spe_cv_ = self._cross_validated_spe(X, pca.n_components_)
            self.spe_limit_new_ = {str(a): spe_limit_box(self.spe_cv_, a) for a in (0.95, 0.99)}
        else:  # cv_groups=0: the training SPE limit (optimistic for new batches)
            self.spe_cv_ = None
            self.spe_limit_new_ = dict(self.spe_limit_)
        return self

    def _cross_validated_spe(self, X: pd.DataFrame, a: int) -> np.ndarray:
        """SPE of each training batch under a model fitted without its group (7 groups).

        With few batches and many columns, training residuals are much smaller than those
        of any new batch, so a limit from training SPE flags every new batch; the SPE of
        left-out batches has the distribution of a new batch's SPE (leave-group-out
        version of the jackknife residuals; Nomikos & MacGregor 1995, *Technometrics*
        37:41–59, §4). Its Box g·χ²_h limit is ``spe_limit_new_``.
        """
        arr = X.to_numpy(dtype=float)
        n = arr.shape[0]
        groups = min(self.cv_groups, n)
        gid = np.arange(n) % groups
        out = np.full(n, np.nan)
        for g in range(groups):
            test = gid == g
            a_here = max(1, min(a, int((~test).sum()) - 1))
            out[test] = _fold_spe(arr[~test], arr[test], a_here, self.scale)
        return out

    def new_matrix(self, aligned: AlignedBatches, final: pd.DataFrame | None = None) -> pd.DataFrame:
        """The batch-wise unfolded matrix of new batches, as the model's ``pca_`` expects it."""
        check_new_batches(self, aligned)
        if self.final_ and final is None:
            final = pd.DataFrame(np.nan, index=list(aligned.batches), columns=self.final_)
        return self._matrix(aligned, final[self.final_] if self.final_ else None)

    def project(self, aligned: AlignedBatches, final: pd.DataFrame | None = None) -> BatchLevelProjection:
        """Scores, T², SPE, DModX of new batches and whether they are inside the 95 % limits."""
        X = self.new_matrix(aligned, final)
        d = self.pca_.diagnose(X.to_numpy(dtype=float))
        return BatchLevelProjection(
            batches=list(aligned.batches), scores=d.scores, t2=d.t2, t2_limit=d.t2_limit,
            spe=d.spe, spe_limit=self.spe_limit_new_, dmodx=d.dmodx, dmodx_limit=d.dmodx_limit,
            inside_ellipse=[bool(x) for x in d.inside_ellipse],
            below_spe_limit=[bool(x) for x in d.spe <= self.spe_limit_new_["0.95"]])


def _fold_spe(train: np.ndarray, test: np.ndarray, a: int, scale: str) -> np.ndarray:
    """SPE of ``test`` rows under an a-component PCA of ``train`` (scaled as the PCA does).

    Complete data: the top-a eigenvectors of the smaller cross-product matrix
    (``scipy.linalg.eigh`` with ``subset_by_index``, exact, much cheaper than the full
    decomposition the PCA class makes for its residual eigenvalues); with missing values
    the project's PCA (NIPALS, projection to the model plane) is used.
    """
    if np.isnan(train).any() or np.isnan(test).any():
        m = PCA(a, scale=scale, cross_validate=False).fit(train)
        return m.diagnose(test).spe
    mean, div, unusable = column_scaling(train, scale)
    keep = np.array([j for j in range(train.shape[1]) if j not in unusable], dtype=int)
    Xs = (train[:, keep] - mean[keep]) / div[keep]
    Xt = (test[:, keep] - mean[keep]) / div[keep]
    n, k = Xs.shape
    a = min(a, n - 1, k)
    if n <= k:
        w, U = linalg.eigh(Xs @ Xs.T, subset_by_index=[n - a, n - 1])
        P = Xs.T @ (U / np.sqrt(np.clip(w, 1e-300, None)))
    else:
        _, P = linalg.eigh(Xs.T @ Xs, subset_by_index=[k - a, k - 1])
    E = Xt - (Xt @ P) @ P.T
    return np.einsum("ij,ij->i", E, E)


# ------------------------------------------------------------------ one call
@dataclass(frozen=True)
class BatchAnalysis(Result):
    """Both batch models of a training set (and the projection of new batches), for the CLI/report."""

    maturity: str
    grid: list[float]
    batches: list[str]
    variables: list[str]
    evolution: dict[str, Any]
    level: dict[str, Any]
    projected: dict[str, Any] | None
    notes: list[str]

    def summary(self) -> str:
        ev, lv = self.evolution, self.level
        lines = [
            f"Batch models: {len(self.batches)} batches × {len(self.grid)} {self.maturity} points × "
            f"{len(self.variables)} variables",
            f"  evolution model (observation-wise {ev['method'].upper()}): "
            f"{ev['n_components']} components, "
            f"R²X cum {ev['r2x_cum'][-1]:.3f}; limits mean ± {ev['k']:g} SD per {self.maturity}",
            f"  level model (batch-wise PCA): {lv['n_components']} components, R²X cum "
            f"{lv['r2x_cum'][-1]:.3f}; T² 95 % limit {lv['t2_limit']['0.95']:.4g}",
        ]
        if self.projected:
            pe, pl = self.projected["evolution"], self.projected["level"]
            rows = []
            for i, b in enumerate(self.projected["batches"]):
                pts = sorted({o["maturity"] for o in pe["outside"] if o["batch"] == b
                              and o["kind"] == "score"})
                rows.append([b, "yes" if pl["inside_ellipse"][i] else "NO",
                             "yes" if pl["below_spe_limit"][i] else "NO",
                             ", ".join(f"{t:g}" for t in pts) or "—"])
            lines.append(format_table(["projected batch", "level: inside ellipse",
                                       "level: SPE ok", f"evolution: {self.maturity} out of ± SD"],
                                      rows))
        for n in self.notes:
            lines.append(f"note: {n}")
        return "\n".join(lines)


def analyze_batches(
    train: AlignedBatches,
    new: AlignedBatches | None = None,
    *,
    n_components: int | str = 2,
    level_components: int | str = 2,
    k: float = 3.0,
    final: pd.DataFrame | None = None,
    final_new: pd.DataFrame | None = None,
    evolution_method: str = "pca",
) -> tuple[BatchAnalysis, BatchEvolutionModel, BatchLevelModel]:
    """Fit both models on ``train`` and project ``new`` (aligned on ``train.grid``).

    ``final``: final quality attributes of the training batches (index = batch id) added
    to the batch level model; ``evolution_method``: ``"pca"`` or ``"pls"`` (on maturity).
    """
    bem = BatchEvolutionModel(n_components, k=k, method=evolution_method).fit(train)
    blm = BatchLevelModel(level_components).fit(train, final)
    p = bem.pca_
    evolution = {
        "method": bem.method, "n_components": p.n_components_, "r2x": p.explained_r2x_, "r2x_cum": p.r2x_cum_,
        "k": k, "loadings": {v: p.loadings_[i] for i, v in enumerate(p.variables_)},
        "scores": {b: bem.scores_[i] for i, b in enumerate(bem.batches_)},
        "score_mean": bem.score_mean_, "score_lower": bem.score_lower_,
        "score_upper": bem.score_upper_,
        "variables": {v: {"mean": bem.variable_mean_[:, i], "lower": bem.variable_lower_[:, i],
                          "upper": bem.variable_upper_[:, i]} for i, v in enumerate(bem.variables_)},
        "t2_limit": bem.t2_limit_, "dmodx_limit": bem.dmodx_limit_, "dropped": bem.dropped_,
    }
    q = blm.pca_
    level = {
        "n_components": q.n_components_, "r2x": q.explained_r2x_, "r2x_cum": q.r2x_cum_,
        "scores": {b: blm.scores_[i] for i, b in enumerate(blm.batches_)},
        "t2": blm.t2_, "t2_limit": blm.t2_limit_, "spe": blm.spe_, "spe_limit": blm.spe_limit_,
        "spe_limit_new": blm.spe_limit_new_,
        "dmodx": blm.dmodx_, "dmodx_limit": blm.dmodx_limit_, "final": blm.final_,
        "n_dropped_columns": len(blm.dropped_),
    }
    projected = None
    if new is not None:
        pe = bem.project(new)
        pl = blm.project(new, final_new)
        projected = {
            "batches": list(new.batches),
            "evolution": {"scores": {b: pe.scores[i] for i, b in enumerate(pe.batches)},
                          "outside": pe.outside, "first_outside": pe.first_outside,
                          "dmodx": {b: pe.dmodx[i] for i, b in enumerate(pe.batches)},
                          "dmodx_limit": pe.dmodx_limit,
                          "predicted_maturity": None if pe.predicted_maturity is None else {
                              b: pe.predicted_maturity[i] for i, b in enumerate(pe.batches)}},
            "level": {"scores": {b: pl.scores[i] for i, b in enumerate(pl.batches)},
                      "t2": pl.t2, "spe": pl.spe, "dmodx": pl.dmodx,
                      "inside_ellipse": pl.inside_ellipse, "below_spe_limit": pl.below_spe_limit},
        }
    notes = list(train.notes) + ([f"evolution model left out {v} ({why})"
                                  for v, why in bem.dropped_.items()])
    result = BatchAnalysis(maturity=train.maturity, grid=train.grid.tolist(),
                           batches=list(train.batches), variables=list(train.variables),
                           evolution=evolution, level=level, projected=projected, notes=notes)
    return result, bem, blm
