"""Contract over every Result in qbdkit.core (as scikit-learn's common tests):
``to_dict → from_dict → to_dict`` is identical, ``repr`` is short, ``summary`` and
``_repr_html_`` render, and ``to_frame`` gives a DataFrame where the result is tabular.

Every Result subclass must have a builder below or be listed in ``NOT_COVERED`` with a
reason, so a new result cannot slip past the contract unnoticed.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import qbdkit.core
from qbdkit.core.result import Result

DATA = Path(__file__).parents[1] / "data"


def _all_results() -> set[type]:
    for m in pkgutil.walk_packages(qbdkit.core.__path__, "qbdkit.core."):
        importlib.import_module(m.name)
    out: set[type] = set()
    todo = [Result]
    while todo:
        for s in todo.pop().__subclasses__():
            if s.__module__.startswith("qbdkit.core.") and s not in out:
                out.add(s)
                todo.append(s)
    return out


def _montgomery(reduce: bool = True):
    from qbdkit.core.doe.analysis import analyze

    d = pd.read_csv(DATA / "doe" / "montgomery_ex6_2_filtration_2x4.csv")
    return analyze(d, ["filtration_rate"], "interaction",
                   factors=["A_temperature", "B_pressure", "C_formaldehyde_conc", "D_stirring_rate"],
                   reduce=reduce)


def _replicated_fit():
    import itertools

    from qbdkit.core.doe.analysis import fit_response

    rng = np.random.default_rng(3)
    d = pd.DataFrame(list(itertools.product([-1, 0, 1], repeat=2)) * 2, columns=["A", "B"])
    d["y"] = 5 + d["A"] - 2 * d["B"] ** 2 + rng.normal(size=len(d))
    return fit_response(d, "y", "quadratic")


def _pca():
    from qbdkit.core.mvda import PCA

    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(15, 4)) @ rng.normal(size=(4, 4)), columns=list("abcd"))
    return PCA(2).fit(X).result(new=X.iloc[:3], contributions="1")


def _pls():
    from qbdkit.core.mvda import PLS

    rng = np.random.default_rng(1)
    X = pd.DataFrame(rng.normal(size=(15, 4)), columns=list("abcd"))
    return PLS(2).fit(X, X["a"] + X["b"] + 0.1 * rng.normal(size=15)).result()


def _opls():
    from qbdkit.core.mvda.opls import OPLS

    rng = np.random.default_rng(2)
    X = pd.DataFrame(rng.normal(size=(15, 4)) @ rng.normal(size=(4, 4)), columns=list("abcd"))
    y = X["a"] - X["c"] + 0.1 * rng.normal(size=15)
    return OPLS(1).fit(X, y).result(new=X.iloc[:3], observed=y)


def _sdm():
    from qbdkit.core.sdm import compare_scales

    a = pd.DataFrame({"lot": [f"L{i}" for i in range(8)],
                      "titer": [5.0, 5.2, 4.9, 5.1, 5.3, 4.8, 5.0, 5.1]})
    s = pd.DataFrame({"lot": ["S1", "S2", "S3"], "titer": [5.0, 5.2, 5.05]})
    return compare_scales(a, s)


def _design():
    from qbdkit.core.doe.design import make_design, make_space

    space = make_space([{"name": "T", "low": 30, "high": 37, "unit": "°C"},
                        {"name": "pH", "low": 6.8, "high": 7.2}], constraints=["T + pH <= 43"])
    return make_design(space, "ccd", seed=2)


def _chemreact():
    from qbdkit.core.doe.analysis import FactorSpec, fit_response

    d = pd.read_csv(DATA / "doe" / "chemreact.csv")
    return fit_response(d, "Yield", "quadratic", block="Block",
                        factors=[FactorSpec("Time", low=80, high=90),
                                 FactorSpec("Temp", low=170, high=180)])


def _compare():
    from qbdkit.core.doe.analysis.compare import compare_models

    d = pd.read_csv(DATA / "doe" / "chemreact.csv")
    return compare_models(d, "Yield", ["linear", "quadratic"], factors=["Time", "Temp"])


def _yarn():
    from qbdkit.core.doe.analysis.mixture import analyze_mixture

    d = pd.read_csv(DATA / "doe" / "cornell_yarn_elongation.csv")
    return analyze_mixture(d, ["Polyethylene", "Polystyrene", "Polypropylene"], ["Elongation"], "linear")


def _paper():
    from qbdkit.core.doe.analysis.splitplot import analyze_split_plot

    d = pd.read_csv(DATA / "doe" / "montgomery_ex14_paper_splitplot.csv")
    return analyze_split_plot(d, ["Strength"], "WholePlot", model="Strength ~ C(Pulp) * C(Temperature)")


def _mixture_design():
    from qbdkit.core.doe.design.mixture import make_mixture_design

    return make_mixture_design([{"name": "A", "low": 0.1}, {"name": "B"}, {"name": "C"}],
                               "extreme-vertices", constraints=["A + B <= 0.8"], seed=2)


def _split_plot_design():
    from qbdkit.core.doe.design import make_space, split_plot_design

    return split_plot_design(make_space([{"name": "T", "low": 35, "high": 37},
                                         {"name": "F", "low": 2, "high": 4}]), ["T"], replicates=2)


BUILDERS: dict[str, Callable[[], Result]] = {
    "MixtureAnalysis": _yarn,
    "MixtureFit": lambda: _yarn().fits[0],
    "MixtureTerm": lambda: _yarn().fits[0].coefficients[0],
    "MixtureAnovaRow": lambda: _yarn().fits[0].anova[0],
    "MixtureDesign": _mixture_design,
    "Component": lambda: importlib.import_module("qbdkit.core.doe.design.mixture").Component("A", 0.1, 0.9),
    "MixtureConstraint": lambda: importlib.import_module(
        "qbdkit.core.doe.design.mixture").make_region(
        [{"name": "A"}, {"name": "B"}], ["A <= 0.7"]).constraints[0],
    "SplitPlotDesign": _split_plot_design,
    "SplitPlotAnalysis": _paper,
    "SplitPlotFit": lambda: _paper().fits[0],
    "SplitPlotTerm": lambda: _paper().fits[0].tests[0],
    "SplitPlotCoef": lambda: _paper().fits[0].coefficients[0],
    "ModelComparison": _compare,
    "ModelRow": lambda: _compare().rows[0],
    "StepwiseResult": lambda: importlib.import_module("qbdkit.core.doe.analysis.compare").stepwise(
        pd.read_csv(DATA / "doe" / "chemreact.csv"), "Yield", factors=["Time", "Temp"]),
    "CanonicalAnalysis": lambda: importlib.import_module(
        "qbdkit.core.doe.analysis.rsm").canonical_analysis(_chemreact()),
    "Path": lambda: importlib.import_module(
        "qbdkit.core.doe.analysis.rsm").ridge_analysis(_chemreact(), [0, 0.5]),
    "Analysis": _montgomery,
    "FitResult": lambda: _montgomery().responses[0],
    "Effects": lambda: _montgomery(False).responses[0].effects or _fail("no effects"),
    "FactorSpec": lambda: _montgomery().factors[0],
    "AnovaRow": lambda: _montgomery().responses[0].anova[1],
    "LackOfFit": lambda: _replicated_fit().lack_of_fit,
    "BoxCox": lambda: _replicated_fit().boxcox if _replicated_fit().boxcox else _fail("no Box-Cox"),
    "PCASummary": _pca,
    "ProjectionSummary": lambda: _pca().projected,
    "PLSSummary": _pls,
    "OplsResult": _opls,
    "ComparabilityResult": _sdm,
    "AttributeComparison": lambda: _sdm().attributes[0],
    "TostResult": lambda: importlib.import_module("qbdkit.core.stats.equivalence").tost_ind(
        np.array([5.0, 5.2, 5.1]), np.array([5.0, 4.9, 5.3, 5.1]), -0.5, 0.5),
    "SampleSize": lambda: importlib.import_module("qbdkit.core.stats.equivalence").tost_sample_size(
        0.2, -0.3, 0.3),
    "Design": _design,
    "DesignEvaluation": lambda: _design().evaluation,
    "FactorSpace": lambda: _design().space,
    "Factor": lambda: _design().space.factors[0],
    "LinearConstraint": lambda: _design().space.constraints[0],
    "ApResult": lambda: importlib.import_module("qbdkit.core.risk.fmea").assess(8, 5, 6),
}

#: results not (yet) under the round-trip contract, with the reason (reported to the lead)
NOT_COVERED: dict[str, str] = {
    # results of registered record kinds: checked through each kind's example by
    # tests/services/test_kind_contract.py (nested ones inside their parent's round trip)
    **{name: "checked by the kind contract (tests/services/test_kind_contract.py)"
       for name in ("ChangeClassification", "AttributeTier", "MultivariateComparability",
                    "SlopeComparison", "TieredComparability", "BatchCount", "Capability",
                    "ClearanceResult", "SafetyMargin", "PPQEvaluation", "PPQProtocol",
                    "CapabilityResult", "ChartResult", "Panel", "Phase", "Signal", "T2Result",
                    "T2Signal", "CpvReview", "ItemReview", "SpecProposal", "Extrapolation",
                    "BatchFit", "ShelfLifeResult", "TrendCheck", "ToleranceFactor",
                    "ToleranceInterval", "RandomEffectsInterval", "VarianceComponents",
                    "CapaReport", "CapaState", "CarryoverCriterion", "CarryoverResult",
                    "CheckItem", "ContainmentResult", "DeviationImpact", "DueResult",
                    "EligibilityResult", "Excursion", "HandoverCheck", "KpiCheck", "KpiReport",
                    "KpiRow", "LateFailure", "Mismatch", "PreAdministrationResult",
                    "ReceiptResult", "ReleaseDecision", "RequestSchedule", "RiskClassResult",
                    "StageStatus", "TemperatureCheck", "TimelineResult", "TimelineTask",
                    "YearlyEvaluation")},
    "ControlStrategy": "checked by the kind contract (control.strategy) and "
                       "tests/core/control",
    "Change": "one line of a diff (qbdkit.core.diff); never stored on its own",
    "ModelSelection": "checked by the kind contract (doe.compare)",
    "CurvatureTest": "checked by the kind contract (inside doe.analysis)",
    "CppAssessment": "custom to_dict; classes are risk ParameterClassification objects",
    "Prediction": "custom to_dict drops the settings frame",
    "DesignSpaceResult": "custom to_dict (Monte Carlo grids); needs its own from_dict",
    "OptimizationResult": "holds plain (non-Result) dataclasses without from_dict support yet",
    "MultiResponsePosterior": "internal posterior, not stored as a record",
    "ParameterEffect": "built only inside CppAssessment",
    "Specification": "built only inside CppAssessment",
    "BatchAnalysis": "batch results hold nested model dicts; next stage",
    "BatchEvolutionProjection": "batch results; next stage",
    "BatchLevelProjection": "batch results; next stage",
    "CeResult": "risk area: custom to_dict (owned elsewhere)",
    "ClassificationResult": "risk area: custom to_dict (owned elsewhere)",
    "ParameterClassification": "risk area (owned elsewhere)",
    "CqaResult": "risk area (owned elsewhere)",
    "IsfResult": "risk area (owned elsewhere)",
    "FmeaResult": "risk area: custom to_dict (owned elsewhere)",
    "StudyPlanResult": "risk area (owned elsewhere)",
}


def _fail(why: str):
    raise AssertionError(why)


def test_every_result_is_covered_or_listed_with_a_reason():
    names = {c.__name__ for c in _all_results()}
    assert names - set(BUILDERS) - set(NOT_COVERED) == set()


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_round_trip_repr_summary_html(name):
    res = BUILDERS[name]()
    assert type(res).__name__ == name
    d = res.to_dict()
    back = type(res).from_dict(json.loads(json.dumps(d)))  # through JSON, as a stored record
    assert back.to_dict() == d
    r = repr(res)
    assert r.startswith(f"{name}(") and len(r) <= 100 and "\n" not in r
    assert isinstance(res.summary(), str) and res.summary()
    assert res._repr_html_().startswith("<pre>")


@pytest.mark.parametrize("name", ["ComparabilityResult", "PCASummary", "PLSSummary",
                                  "ProjectionSummary", "OplsResult"])
def test_tabular_results_give_a_frame(name):
    frame = BUILDERS[name]().to_frame()
    assert isinstance(frame, pd.DataFrame) and len(frame) > 0


def test_non_tabular_result_says_so():
    with pytest.raises(TypeError, match="not tabular"):
        BUILDERS["ApResult"]().to_frame()
