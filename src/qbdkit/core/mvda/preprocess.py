"""Centring and scaling of a data matrix for PCA/PLS, with missing values (NaN).

Scaling (Eriksson et al., Multi- and Megavariate Data Analysis, 2006, ch. 3):

* ``"uv"`` unit variance: divide each centred column by its SD (ddof = 1);
* ``"pareto"``: divide by the square root of the SD;
* ``"none"``: centre only.

Per-variable ``weights`` multiply the scaled columns (SIMCA's "block weights" /
modifier; 1 by default). Column statistics ignore missing values. Columns with
no value, a single value, or zero spread are not usable and are reported so the
caller can drop them with a warning.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from qbdkit.errors import Problem, QbdInputError

SCALES = ("uv", "pareto", "none")


def as_matrix(X: Any, what: str = "X") -> tuple[np.ndarray, list[str]]:
    """``X`` (array or DataFrame) as a float64 2-D array and its column names.

    Non-numeric cells raise one :class:`QbdInputError` naming every bad cell
    (row counted from 1 among the data rows, column by name).
    """
    if isinstance(X, pd.DataFrame) and all(
            pd.api.types.is_numeric_dtype(t) and not pd.api.types.is_bool_dtype(t)
            for t in X.dtypes):
        # fast path: already numeric columns need no cell-by-cell check
        names = [str(c) for c in X.columns]
        arr = X.to_numpy(dtype=float, na_value=np.nan)
    elif isinstance(X, pd.DataFrame):
        names = [str(c) for c in X.columns]
        problems: list[Problem] = []
        cols = []
        for c in X.columns:
            s = X[c]
            num = pd.to_numeric(s, errors="coerce")
            bad = num.isna() & s.notna() & (s.astype(str).str.strip() != "")
            for i in np.flatnonzero(bad.to_numpy())[:20]:
                problems.append(Problem("not a number", row=int(i) + 1, column=str(c),
                                        expected="a number", found=str(s.iloc[i])))
            cols.append(num.to_numpy(dtype=float, na_value=np.nan))
        if problems:
            raise QbdInputError(problems=problems)
        arr = np.column_stack(cols) if cols else np.empty((len(X), 0))
    else:
        try:
            arr = np.asarray(X, dtype=float)  # no copy for float64 input; never written to
        except (TypeError, ValueError):
            raise QbdInputError(f"{what} is not numeric", column=what,
                                expected="numbers or blanks") from None
        if arr.ndim == 1:
            arr = arr[:, None]
        if arr.ndim != 2:
            raise QbdInputError(f"{what} must be a table", column=what,
                                expected="2 dimensions", found=arr.ndim)
        names = [f"x{j + 1}" for j in range(arr.shape[1])]
    if np.isinf(arr.min(initial=0.0)) or np.isinf(arr.max(initial=0.0)):  # NaN-transparent
        arr = np.where(np.isinf(arr), np.nan, arr)
    return np.ascontiguousarray(arr, dtype=np.float64), names


def scaled_complete(X: np.ndarray, scale: str, weights: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[int, str]]:
    """Fast path of :func:`column_scaling` + scaling for data without missing values.

    Returns ``(X_s, mean, divisor, unusable)`` with ``X_s = (X − mean)·w/divisor`` computed
    in one centring pass, one sum-of-squares pass and one in-place multiplication.
    """
    if scale not in SCALES:
        raise QbdInputError("unknown scaling", column="scale", expected=" | ".join(SCALES),
                            found=scale)
    n = X.shape[0]
    mean = X.mean(axis=0)
    Xc = X - mean
    ss = np.einsum("ij,ij->j", Xc, Xc)
    sd = np.sqrt(ss / (n - 1)) if n > 1 else np.zeros_like(ss)
    unusable: dict[int, str] = {}
    for j in np.flatnonzero(~(sd > 1e-12 * np.maximum(1.0, np.abs(mean)))):
        unusable[int(j)] = "one value" if n == 1 else "constant"
    div = sd.copy() if scale == "uv" else (np.sqrt(sd) if scale == "pareto" else np.ones_like(sd))
    for j in unusable:
        div[j] = 1.0
    Xc *= weights / div
    return Xc, mean, div, unusable


def column_scaling(X: np.ndarray, scale: str) -> tuple[np.ndarray, np.ndarray, dict[int, str]]:
    """``(mean, divisor, unusable)`` for each column of ``X`` (NaN = missing).

    ``unusable`` maps the column index to ``"all missing"``, ``"one value"`` or
    ``"constant"``; its divisor is set to 1 so it can still be carried.
    """
    if scale not in SCALES:
        raise QbdInputError("unknown scaling", column="scale", expected=" | ".join(SCALES),
                            found=scale)
    present = ~np.isnan(X)
    count = present.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(count > 0, np.nansum(X, axis=0) / np.maximum(count, 1), 0.0)
        dev = np.where(present, X - mean, 0.0)
        var = np.where(count > 1, (dev * dev).sum(axis=0) / np.maximum(count - 1, 1), 0.0)
    sd = np.sqrt(var)
    unusable: dict[int, str] = {}
    for j in range(X.shape[1]):
        if count[j] == 0:
            unusable[j] = "all missing"
        elif count[j] == 1:
            unusable[j] = "one value"
        elif not sd[j] > 1e-12 * max(1.0, abs(mean[j])):
            unusable[j] = "constant"
    if scale == "uv":
        div = sd.copy()
    elif scale == "pareto":
        div = np.sqrt(sd)
    else:
        div = np.ones_like(sd)
    for j in unusable:
        div[j] = 1.0
    return mean, div, unusable


def resolve_weights(weights: Any, names: Sequence[str]) -> np.ndarray:
    """Per-variable weights as an array aligned with ``names`` (dict by name or sequence)."""
    k = len(names)
    if weights is None:
        return np.ones(k)
    if isinstance(weights, dict):
        unknown = [w for w in weights if w not in names]
        if unknown:
            raise QbdInputError("weight for an unknown variable", column="weights",
                                expected="one of " + ", ".join(names), found=", ".join(unknown))
        return np.array([float(weights.get(n, 1.0)) for n in names])
    w = np.asarray(weights, dtype=float).ravel()
    if w.size != k:
        raise QbdInputError("one weight per variable needed", column="weights",
                            expected=str(k), found=w.size)
    if np.any(~np.isfinite(w)) or np.any(w < 0):
        raise QbdInputError("weights must be finite and ≥ 0", column="weights")
    return w


def requested_components(value: Any, n: int, k: int) -> int:
    """A user-given number of components, checked against ``min(n − 1, k)``
    (``n`` observations, ``k`` variables); raises :class:`QbdInputError` otherwise."""
    cap = min(n - 1, k)
    try:
        a = int(value)
    except (TypeError, ValueError):
        raise QbdInputError("number of components", column="components",
                            expected="a whole number or auto", found=value) from None
    if a < 1:
        raise QbdInputError("number of components", column="components",
                            expected="at least 1", found=a)
    if a > cap:
        raise QbdInputError(
            "fewer observations or variables than components", column="components",
            expected=f"at most min(observations − 1, variables) = {cap} "
                     f"({n} observations, {k} variables)", found=a)
    return a


def usable_columns(names: list[str], unusable: dict[int, str], what: str = "variable") -> np.ndarray:
    """Indices of the columns not in ``unusable`` (constant or all missing); raises
    :class:`QbdInputError` when none is left."""
    keep = np.array([j for j in range(len(names)) if j not in unusable], dtype=int)
    if keep.size == 0:
        raise QbdInputError(f"no usable {what} (all constant or missing)", column="X",
                            expected="at least one variable that varies")
    return keep
