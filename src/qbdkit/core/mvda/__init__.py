"""Multivariate data analysis (mvda): PCA and PLS with missing values, Hotelling T²,
SPE (squared prediction error, Q residual), DModX (SIMCA distance to model),
their limits and contributions; batch evolution and batch level models (``batch``).

``from qbdkit.core.mvda import PCA, PLS`` — scikit-learn-style estimators.
"""

from qbdkit.core.mvda._base import Diagnostics, LatentModel
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
    t2_limit_training,
)
from qbdkit.core.mvda.pca import PCA
from qbdkit.core.mvda.pls import PLS

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
    "align_batches",
    "analyze_batches",
    "dmodx_limit",
    "spe_limit_box",
    "spe_limit_jackson_mudholkar",
    "t2_limit_new",
    "t2_limit_training",
    "unfold_batchwise",
]
