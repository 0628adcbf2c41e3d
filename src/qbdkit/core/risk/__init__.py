"""Risk assessment: CQA criticality, FMEA (RPN, AIAG-VDA action priority), cause-and-effect
matrix, characterization-study planning and parameter classification (CPP / WC-CPP / KPP / GPP).

Pure functions on data frames (or :class:`qbdkit.io.Table`) returning frozen results with
``to_dict()`` and ``summary()``; scales are data (:mod:`qbdkit.scales`). Abbreviations:
CQA critical quality attribute, FMEA failure mode and effects analysis, RPN risk priority
number, AP action priority, C&E cause and effect, CPP critical process parameter, WC-CPP
well-controlled CPP, KPP key process parameter, GPP general process parameter.
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

# fmea is imported at once: it is light (no pandas until a worksheet is scored) and its
# module name is also the name of its function ``fmea``, which must win.
from qbdkit.core.risk.fmea import (
    AP_RANK,
    ApResult,
    FmeaResult,
    action_priority,
    assess,
    dp_fmea_decision,
    fmea,
    priority,
    rating_changes,
    rpn,
)

if TYPE_CHECKING:
    from qbdkit.core.risk.ce import CeResult, cause_and_effect, ce_scores
    from qbdkit.core.risk.classify import (
        CLASSES,
        ClassificationResult,
        ParameterClassification,
        classify_parameter,
        classify_parameters,
    )
    from qbdkit.core.risk.cqa import (
        CqaResult,
        IsfResult,
        cqa_assessment,
        cqa_score,
        impurity_safety_factor,
    )
    from qbdkit.core.risk.study import StudyPlanResult, study_plan, study_severity

#: public name → submodule, imported on first use (PEP 562) so ``qbdkit risk ap`` does not
#: pay for pandas and the other assessments.
_LAZY: dict[str, str] = {
    "CeResult": "ce", "cause_and_effect": "ce", "ce_scores": "ce",
    "CLASSES": "classify", "ClassificationResult": "classify",
    "ParameterClassification": "classify", "classify_parameter": "classify",
    "classify_parameters": "classify",
    "CqaResult": "cqa", "IsfResult": "cqa", "cqa_assessment": "cqa", "cqa_score": "cqa",
    "impurity_safety_factor": "cqa",
    "StudyPlanResult": "study", "study_plan": "study", "study_severity": "study",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "AP_RANK",
    "CLASSES",
    "ApResult",
    "CeResult",
    "ClassificationResult",
    "CqaResult",
    "FmeaResult",
    "IsfResult",
    "ParameterClassification",
    "StudyPlanResult",
    "action_priority",
    "assess",
    "cause_and_effect",
    "ce_scores",
    "classify_parameter",
    "classify_parameters",
    "cqa_assessment",
    "cqa_score",
    "dp_fmea_decision",
    "fmea",
    "impurity_safety_factor",
    "priority",
    "rating_changes",
    "rpn",
    "study_plan",
    "study_severity",
]
