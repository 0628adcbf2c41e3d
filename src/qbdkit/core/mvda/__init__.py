"""Multivariate data analysis (mvda): PCA and PLS with missing values, Hotelling T²,
SPE (squared prediction error, Q residual), DModX (SIMCA distance to model),
their limits and contributions; batch evolution and batch level models (``batch``).

``from qbdkit.core.mvda import PCA, PLS`` — scikit-learn-style estimators;
``mvda.pca(df)`` / ``mvda.pls(df, y)`` — fit and return the result object in one call.

``qbdkit.core.mvda.pca`` and ``.pls`` stay modules (``from qbdkit.core.mvda.pca import
PCA`` keeps working) and are also callable: calling the module calls :func:`pca` /
:func:`pls` (a module subclass with ``__call__``; ``module.__class__`` assignment is
supported by Python since 3.5).
"""

import sys as _sys
import types as _types
from collections.abc import Sequence as _Sequence
from typing import Any as _Any

from qbdkit.core.mvda._base import Diagnostics, LatentModel, NotFittedError, ScoreEllipse
from qbdkit.core.mvda.batch import (
    AlignedBatches,
    BatchAnalysis,
    BatchEvolutionModel,
    BatchEvolutionProjection,
    BatchLevelModel,
    BatchLevelProjection,
    align_batches,
    analyze_batches,
    unfold_batchwise,
)
from qbdkit.core.mvda.limits import (
    dmodx_limit,
    spe_limit_box,
    spe_limit_jackson_mudholkar,
    t2_limit_new,
    t2_limit_simca,
    t2_limit_training,
)
from qbdkit.core.mvda.pca import PCA
from qbdkit.core.mvda.pls import PLS
from qbdkit.core.mvda.summary import (
    PCASummary,
    PLSSummary,
    ProjectionSummary,
    check_unique_ids,
    identifier_column,
)


def _split(data: _Any, id_column: str | None, ids: _Sequence[_Any] | None,
           what: str = "observation") -> tuple[_Any, list[str] | None]:
    import pandas as pd

    if not isinstance(data, pd.DataFrame) or ids is not None:
        return data, None if ids is None else [str(i) for i in ids]
    col = identifier_column(data, id_column, what=what)
    if col is None:
        return data, None
    ids_out = [str(v) for v in data[col].tolist()]
    check_unique_ids(ids_out, column=col, rows=[i + 1 for i in range(len(ids_out))], what=what)
    return data.drop(columns=[col]), ids_out


def pca(data: _Any, n_components: int | str = "auto", *, id_column: str | None = None,
        ids: _Sequence[_Any] | None = None, new: _Any = None, new_ids: _Sequence[_Any] | None = None,
        contributions: str | None = None, **params: _Any) -> PCASummary:
    """Fit :class:`PCA` to ``data`` and return its :class:`PCASummary`.

    A data frame's one text column is taken as the observation ids (or name it with
    ``id_column``); ids must be unique. ``new`` observations are projected (same id rule).
    ``params`` go to :class:`PCA` (``scale``, ``t2_convention``, …).
    """
    X, found = _split(data, id_column, ids)
    Xn, nids = (None, None) if new is None else _split(new, id_column, new_ids,
                                                           "projected observation")
    model = PCA(n_components, **params).fit(X)
    return model.result(found, Xn, nids, contributions)


def pls(data: _Any, y: _Any, n_components: int | str = "auto", *, id_column: str | None = None,
        ids: _Sequence[_Any] | None = None, new: _Any = None, new_ids: _Sequence[_Any] | None = None,
        contributions: str | None = None, **params: _Any) -> PLSSummary:
    """Fit :class:`PLS` and return its :class:`PLSSummary`. ``y``: response column name(s)
    of ``data`` or an array/frame of responses; ids as for :func:`pca`."""
    import pandas as pd

    if isinstance(y, str | list | tuple) and isinstance(data, pd.DataFrame) and all(
            isinstance(c, str) and c in data.columns for c in ([y] if isinstance(y, str) else y)):
        cols = [y] if isinstance(y, str) else list(y)
        Y = data[cols]
        data = data.drop(columns=cols)
    else:
        Y = y
    X, found = _split(data, id_column, ids)
    Xn, nids = (None, None) if new is None else _split(new, id_column, new_ids,
                                                           "projected observation")
    model = PLS(n_components, **params).fit(X, Y)
    return model.result(found, Xn, nids, contributions)


class _CallableModule(_types.ModuleType):
    """A module that can be called: ``mvda.pca(df)`` → :func:`pca`."""

    def __call__(self, *args: _Any, **kwargs: _Any) -> _Any:
        return self.__fit__(*args, **kwargs)


for _name, _fn in (("pca", pca), ("pls", pls)):
    _mod = _sys.modules[f"{__name__}.{_name}"]
    _mod.__class__ = _CallableModule
    _mod.__fit__ = _fn  # type: ignore[attr-defined]
    globals()[_name] = _mod

__all__ = [
    "PCA",
    "PLS",
    "AlignedBatches",
    "BatchAnalysis",
    "BatchEvolutionModel",
    "BatchEvolutionProjection",
    "BatchLevelModel",
    "BatchLevelProjection",
    "Diagnostics",
    "LatentModel",
    "NotFittedError",
    "PCASummary",
    "PLSSummary",
    "ProjectionSummary",
    "ScoreEllipse",
    "align_batches",
    "analyze_batches",
    "check_unique_ids",
    "dmodx_limit",
    "identifier_column",
    "pca",
    "pls",
    "spe_limit_box",
    "spe_limit_jackson_mudholkar",
    "t2_limit_new",
    "t2_limit_simca",
    "t2_limit_training",
    "unfold_batchwise",
]
