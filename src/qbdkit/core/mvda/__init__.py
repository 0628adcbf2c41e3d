"""Multivariate data analysis (mvda): PCA and PLS with missing values, Hotelling T²,
SPE (squared prediction error, Q residual), DModX (SIMCA distance to model),
their limits and contributions; batch models (``batch``, when present).

``from qbdkit.core.mvda import PCA, PLS`` — scikit-learn-style estimators.
"""

from importlib.util import find_spec

from qbdkit.core.mvda._base import Diagnostics, LatentModel
from qbdkit.core.mvda.limits import (
    dmodx_limit,
    spe_limit_box,
    spe_limit_jackson_mudholkar,
    t2_limit_new,
    t2_limit_training,
)
from qbdkit.core.mvda.pca import PCA
from qbdkit.core.mvda.pls import PLS

__all__ = [
    "PCA",
    "PLS",
    "Diagnostics",
    "LatentModel",
    "dmodx_limit",
    "spe_limit_box",
    "spe_limit_jackson_mudholkar",
    "t2_limit_new",
    "t2_limit_training",
]

if find_spec("qbdkit.core.mvda.batch") is not None:  # owned by the batch-model area
    from qbdkit.core.mvda import batch as _batch

    for _name in getattr(_batch, "__all__", []):
        globals()[_name] = getattr(_batch, _name)
        __all__.append(_name)
