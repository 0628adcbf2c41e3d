"""DoE analysis: model fitting, prediction, optimization, probabilistic design space.

Fitting (:mod:`.fit`, API note in its docstring): :func:`fit_response` →
:class:`FitResult` (coefficients, ANOVA, R²/Q², diagnostics, Lenth effects,
Box–Cox, ``design_matrix``/``predict``); :func:`reduce_model` (hierarchical
backward elimination). The extended-precision solver is :mod:`.lstsq`.
Run sheets: :func:`analyze_file` / :func:`analyze` → :class:`Analysis`.
Prediction intervals: :func:`predict`. CPP re-assessment: :func:`reassess_parameters`
with :func:`parse_specification` specifications.
"""

from qbdkit.core.doe.analysis.analyze import Analysis, analyze, analyze_file, read_factor_sheet
from qbdkit.core.doe.analysis.cpp import (
    CppAssessment,
    ParameterEffect,
    Specification,
    parse_specification,
    reassess_parameters,
)
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
from qbdkit.core.doe.analysis.predict import Prediction, predict

__all__: list[str] = [
    "Analysis",
    "AnovaRow",
    "BoxCox",
    "CppAssessment",
    "Effects",
    "FactorSpec",
    "FitResult",
    "LackOfFit",
    "LeastSquares",
    "ParameterEffect",
    "Prediction",
    "Specification",
    "analyze",
    "analyze_file",
    "boxcox_suggestion",
    "fit_response",
    "least_squares",
    "lenth_effects",
    "model_formula",
    "parse_specification",
    "predict",
    "read_factor_sheet",
    "reassess_parameters",
    "reduce_model",
]
