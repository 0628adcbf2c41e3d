"""DoE analysis: model fitting, prediction, optimization, probabilistic design space.

Fitting (:mod:`.fit`, API note in its docstring): :func:`fit_response` →
:class:`FitResult` (coefficients, ANOVA, R²/Q², diagnostics, Lenth effects,
Box–Cox, ``design_matrix``/``predict``); :func:`reduce_model` (hierarchical
backward elimination). The extended-precision solver is :mod:`.lstsq`.
Run sheets (read by :mod:`qbdkit.services.doe`): :func:`analyze` → :class:`Analysis`;
curvature test from centre points: :func:`curvature_test`.
Prediction intervals: :func:`predict`. CPP re-assessment: :func:`reassess_parameters`
with :func:`parse_specification` specifications. Optimization (:mod:`.optimize`) and the
probabilistic design space (:mod:`.space`, :mod:`.space_fit`, :mod:`.posterior`) are
re-exported here too, so everything is importable from ``qbdkit.core.doe``.
"""

from qbdkit.core.doe.analysis.analyze import Analysis, analyze
from qbdkit.core.doe.analysis.compare import (
    ModelComparison,
    StepwiseResult,
    compare_models,
    stepwise,
)
from qbdkit.core.doe.analysis.cpp import (
    CppAssessment,
    ParameterEffect,
    Specification,
    parse_specification,
    reassess_parameters,
)
from qbdkit.core.doe.analysis.curvature import CurvatureTest, curvature_test
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
from qbdkit.core.doe.analysis.mixture import (
    MixtureAnalysis,
    MixtureFit,
    analyze_mixture,
    fit_scheffe,
)
from qbdkit.core.doe.analysis.optimize import (
    Goal,
    OptimizationResult,
    optimize_desirability,
    overall_desirability,
    parse_constraint,
    parse_goal,
)
from qbdkit.core.doe.analysis.posterior import MultiResponsePosterior, fit_posterior
from qbdkit.core.doe.analysis.predict import Prediction, predict
from qbdkit.core.doe.analysis.rsm import (
    CanonicalAnalysis,
    Path,
    canonical_analysis,
    ridge_analysis,
    steepest_ascent,
)
from qbdkit.core.doe.analysis.space import (
    DesignSpaceResult,
    ProbabilityEngine,
    Spec,
    combine_specs,
    design_space,
    largest_box,
    mc_standard_error,
    parse_space_spec,
)
from qbdkit.core.doe.analysis.space_fit import MultiResponseModel, multiresponse_model
from qbdkit.core.doe.analysis.splitplot import (
    SplitPlotAnalysis,
    SplitPlotFit,
    analyze_split_plot,
    fit_split_plot,
)

# optimize.LinearConstraint is not re-exported: qbdkit.core.doe.design has its own.
__all__: list[str] = [
    "Analysis",
    "AnovaRow",
    "BoxCox",
    "CanonicalAnalysis",
    "CppAssessment",
    "CurvatureTest",
    "DesignSpaceResult",
    "Effects",
    "FactorSpec",
    "FitResult",
    "Goal",
    "LackOfFit",
    "LeastSquares",
    "MixtureAnalysis",
    "MixtureFit",
    "ModelComparison",
    "MultiResponseModel",
    "MultiResponsePosterior",
    "OptimizationResult",
    "ParameterEffect",
    "Path",
    "Prediction",
    "ProbabilityEngine",
    "Spec",
    "Specification",
    "SplitPlotAnalysis",
    "SplitPlotFit",
    "StepwiseResult",
    "analyze",
    "analyze_mixture",
    "analyze_split_plot",
    "boxcox_suggestion",
    "canonical_analysis",
    "combine_specs",
    "compare_models",
    "curvature_test",
    "design_space",
    "fit_posterior",
    "fit_response",
    "fit_scheffe",
    "fit_split_plot",
    "largest_box",
    "least_squares",
    "lenth_effects",
    "mc_standard_error",
    "model_formula",
    "multiresponse_model",
    "optimize_desirability",
    "overall_desirability",
    "parse_constraint",
    "parse_goal",
    "parse_space_spec",
    "parse_specification",
    "predict",
    "reassess_parameters",
    "reduce_model",
    "ridge_analysis",
    "steepest_ascent",
    "stepwise",
]
