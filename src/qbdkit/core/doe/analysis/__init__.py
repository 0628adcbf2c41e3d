"""DoE analysis: model fitting, prediction, optimization, probabilistic design space.

Fitting (:mod:`.fit`, API note in its docstring): :func:`fit_response` →
:class:`FitResult` (coefficients, ANOVA, R²/Q², diagnostics, Lenth effects,
Box–Cox, ``design_matrix``/``predict``); :func:`reduce_model` (hierarchical
backward elimination). The extended-precision solver is :mod:`.lstsq`.
"""

from qbdkit.core.doe.analysis.fit import (
    AnovaRow,
    BoxCox,
    Effects,
    FactorSpec,
    FitResult,
    LackOfFit,
    boxcox_suggestion,
    fit_response,
    lenth_effects,
    model_formula,
    reduce_model,
)
from qbdkit.core.doe.analysis.lstsq import LeastSquares, least_squares

__all__: list[str] = [
    "AnovaRow",
    "BoxCox",
    "Effects",
    "FactorSpec",
    "FitResult",
    "LackOfFit",
    "LeastSquares",
    "boxcox_suggestion",
    "fit_response",
    "least_squares",
    "lenth_effects",
    "model_formula",
    "reduce_model",
]
