"""Comparability after a change (ICH Q5E): change classification by rules kept as data,
the comparability protocol per class, and the tiered analysis of pre- and post-change lots
(TOST, quality range, graphical), stability-slope and multivariate comparability.
"""

from qbdkit.core.comparability.change import (
    CLASSES,
    FIELDS,
    ChangeClassification,
    classify_change,
    default_rules,
)
from qbdkit.core.comparability.tiers import (
    MIN_REFERENCE,
    AttributeTier,
    MultivariateComparability,
    SlopeComparison,
    TieredComparability,
    compare_slopes,
    multivariate_comparability,
    tier_attribute,
    tiered_comparability,
)

__all__ = [
    "CLASSES",
    "FIELDS",
    "MIN_REFERENCE",
    "AttributeTier",
    "ChangeClassification",
    "MultivariateComparability",
    "SlopeComparison",
    "TieredComparability",
    "classify_change",
    "compare_slopes",
    "default_rules",
    "multivariate_comparability",
    "tier_attribute",
    "tiered_comparability",
]
