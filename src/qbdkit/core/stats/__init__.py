"""Generic statistics shared by the areas.

:mod:`qbdkit.core.stats.equivalence`: two one-sided tests (TOST) for two independent
means (Welch or pooled), exact TOST power and sample size.
"""

from qbdkit.core.stats.equivalence import (
    SampleSize,
    TostResult,
    tost_from_stats,
    tost_ind,
    tost_power,
    tost_sample_size,
)

__all__ = ["SampleSize", "TostResult", "tost_from_stats", "tost_ind", "tost_power",
           "tost_sample_size"]
