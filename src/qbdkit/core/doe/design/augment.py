"""Augmenting an existing design: fold-over, axial and centre points, optimal augmentation.

- Full fold-over (Montgomery 9th ed. §8.6): append the design with every two-level factor's
  sign reversed; a resolution III fraction becomes resolution IV. Single-factor fold-over
  (``factor=…``) reverses one factor only, de-aliasing its main effect and its 2FIs.
- Axial (star) points at ±α on each numeric factor plus centre points turn a two-level
  factorial into a central composite design (Box & Wilson 1951); they form a second block.
- Optimal augmentation: the existing runs are held fixed inside X'X while coordinate exchange
  chooses the new runs for the (usually larger) model — D- or I-optimal augmentation (Goos &
  Jones 2011, §6; :func:`~qbdkit.core.doe.design.optimal.coordinate_exchange` with ``fixed``).

Every function returns ``(coded runs, block labels)`` for old + new runs; the old runs keep
their order and are block 1, the added runs block 2.
"""

from __future__ import annotations

import numpy as np

from qbdkit.core.doe.design.classical import DesignError
from qbdkit.core.doe.design.factors import FactorSpace
from qbdkit.core.doe.design.model import Model, build_model
from qbdkit.core.doe.design.optimal import coordinate_exchange

AUGMENT_METHODS = ("foldover", "axial", "center", "optimal")


def foldover(space: FactorSpace, coded: np.ndarray, factor: str | None = None) -> np.ndarray:
    """The fold-over runs (only the new ones)."""
    coded = np.asarray(coded, dtype=float)
    new = coded.copy()
    cols = range(space.k) if factor is None else [space.index(factor)]
    for j in cols:
        f = space.factors[j]
        if f.is_numeric:
            new[:, j] = -new[:, j]
        elif f.n_levels == 2:
            new[:, j] = 1 - new[:, j]
        elif factor is not None:
            raise DesignError(f"cannot fold {f.name}: it has {f.n_levels} levels")
    return new


def axial_runs(space: FactorSpace, alpha: float = 1.0, center: int = 2) -> np.ndarray:
    if not space.all_numeric:
        raise DesignError("axial points need numeric factors")
    k = space.k
    ax = np.zeros((2 * k + center, k))
    for j in range(k):
        ax[2 * j, j] = -alpha
        ax[2 * j + 1, j] = alpha
    return ax


def augment(space: FactorSpace, coded: np.ndarray, method: str, *, runs: int | None = None,
            model: str | Model = "quadratic", criterion: str = "D", seed: int = 1, starts: int | None = None,
            alpha: float = 1.0, center: int = 2, factor: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Old + new runs and block labels (1 = existing, 2 = added)."""
    coded = np.asarray(coded, dtype=float)
    method = method.lower()
    if method == "foldover":
        new = foldover(space, coded, factor)
    elif method == "axial":
        new = axial_runs(space, alpha, center)
    elif method == "center":
        if center < 1:
            raise DesignError("--center must be at least 1 to add centre points")
        new = np.zeros((center, space.k))
        for j, f in enumerate(space.factors):
            if not f.is_numeric:
                new[:, j] = np.arange(center) % f.n_levels
    elif method == "optimal":
        try:
            mdl = build_model(space, model)
        except ValueError as exc:
            raise DesignError(f"model: {exc}") from None
        n_old = len(coded)
        need = mdl.p - n_old
        if runs is None:
            runs = max(need + 4, 4)
        if runs < 1 or n_old + runs < mdl.p:
            raise DesignError(f"too few runs: the {mdl.text} model has {mdl.p} parameters and the design has "
                              f"{n_old} runs; add at least {max(need, 1)} runs")
        try:
            res = coordinate_exchange(space, mdl, runs, criterion=criterion, seed=seed, starts=starts, fixed=coded)
        except ValueError as exc:
            raise DesignError(str(exc)) from None
        new = res.coded
    else:
        raise DesignError(f"unknown augmentation {method!r}: use one of {', '.join(AUGMENT_METHODS)}")
    out = np.vstack([coded, new])
    blocks = np.array([1] * len(coded) + [2] * len(new))
    return out, blocks
