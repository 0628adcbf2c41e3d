"""Process performance qualification (ppq): stage 2 of process validation.

* :mod:`~qbdkit.core.ppq.batches` — how many PPQ batches and why (≥ 3; PDA TR 60 coverage,
  Ppk-based numbers).
* :mod:`~qbdkit.core.ppq.protocol` — protocol content: acceptance criteria, sampling plan
  per unit operation, supporting-study checklist (seed 000 fig. 15, tables 1–2).
* :mod:`~qbdkit.core.ppq.evaluate` — batch × item checks, variance components, Ppk, the
  conclusion and initial continued-process-verification (cpv) limits.
* :mod:`~qbdkit.core.ppq.capability` — Ppk with Bissell's confidence interval.
* :mod:`~qbdkit.core.ppq.clearance` — viral clearance: LRV per step, cumulative LRV of
  orthogonal steps, safety margin (ICH Q5A).

Vocabulary: cqa — critical quality attribute; ipc — in-process control; cpp / wc-cpp /
kpp / gpp — critical / well-controlled critical / key / general process parameter;
par — proven acceptable range; nor — normal operating range; lrv — log reduction value.
"""

from qbdkit.core.ppq.batches import BatchCount, expected_range_coverage, ppq_batch_count
from qbdkit.core.ppq.capability import Capability, bissell_interval, ppk
from qbdkit.core.ppq.clearance import (
    ClearanceResult,
    SafetyMargin,
    log_reduction,
    safety_margin,
    viral_clearance,
)
from qbdkit.core.ppq.evaluate import PPQEvaluation, evaluate_ppq
from qbdkit.core.ppq.protocol import STUDIES, PPQProtocol, criterion_text, ppq_protocol

__all__ = [
    "STUDIES",
    "BatchCount",
    "Capability",
    "ClearanceResult",
    "PPQEvaluation",
    "PPQProtocol",
    "SafetyMargin",
    "bissell_interval",
    "criterion_text",
    "evaluate_ppq",
    "expected_range_coverage",
    "log_reduction",
    "ppk",
    "ppq_batch_count",
    "ppq_protocol",
    "safety_margin",
    "viral_clearance",
]
