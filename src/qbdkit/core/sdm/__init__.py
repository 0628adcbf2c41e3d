"""sdm = scale-down model qualification: at-scale vs small-scale comparability.

Univariate comparability (± k SD range, TOST, sample size) lives in
:mod:`qbdkit.core.sdm.comparability`; the multivariate side (PCA of at-scale batches,
batch evolution and batch level models) in :mod:`qbdkit.core.mvda`.
"""

from qbdkit.core.sdm.comparability import (
    AttributeComparison,
    ComparabilityResult,
    Margin,
    compare_attribute,
    compare_scales,
    numeric_attributes,
    parse_margin,
)

__all__ = [
    "AttributeComparison",
    "ComparabilityResult",
    "Margin",
    "compare_attribute",
    "compare_scales",
    "numeric_attributes",
    "parse_margin",
]
