"""Stability: ICH Q1E shelf life (poolability, worst-case batch, random batches, log
transform), the ICH Q1E Appendix A extrapolation rule, and out-of-trend flags.

``from qbdkit.core.stability import shelf_life, out_of_trend, extrapolation_limit``.
"""

from qbdkit.core.stability.extrapolation import STORAGES, Extrapolation, extrapolation_limit
from qbdkit.core.stability.shelf_life import (
    MODELS,
    TRANSFORMS,
    BatchFit,
    ShelfLifeResult,
    check_stability_data,
    shelf_life,
)
from qbdkit.core.stability.trend import TrendCheck, out_of_trend

__all__ = [
    "MODELS",
    "STORAGES",
    "TRANSFORMS",
    "BatchFit",
    "Extrapolation",
    "ShelfLifeResult",
    "TrendCheck",
    "check_stability_data",
    "extrapolation_limit",
    "out_of_trend",
    "shelf_life",
]
