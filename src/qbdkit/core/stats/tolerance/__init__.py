"""Statistical tolerance intervals: an interval that covers at least a proportion P
(``coverage``) of the population with confidence γ (``confidence``).

* :mod:`~qbdkit.core.stats.tolerance.normal` — normal factors ``k`` for ``x̄ ± k s``:
  two-sided exact (numerical integration) or Howe's approximation, one-sided exact
  (non-central t); :func:`normal_interval` from a sample.
* :mod:`~qbdkit.core.stats.tolerance.nonparametric` — order-statistic intervals: the
  confidence or coverage reached by n values, the n needed.
* :mod:`~qbdkit.core.stats.tolerance.random_effects` — values grouped by batch
  (Hoffman–Kringle 2005; Satterthwaite/Mee-type effective sample size).
"""

from qbdkit.core.stats.tolerance.nonparametric import (
    nonparametric_confidence,
    nonparametric_coverage,
    nonparametric_interval,
    nonparametric_rank,
    nonparametric_sample_size,
)
from qbdkit.core.stats.tolerance.normal import (
    ToleranceFactor,
    ToleranceInterval,
    check_level,
    normal_factor,
    normal_interval,
    tolerance_factor,
)
from qbdkit.core.stats.tolerance.random_effects import (
    RandomEffectsInterval,
    random_effects_interval,
)

__all__ = [
    "RandomEffectsInterval",
    "ToleranceFactor",
    "ToleranceInterval",
    "check_level",
    "nonparametric_confidence",
    "nonparametric_coverage",
    "nonparametric_interval",
    "nonparametric_rank",
    "nonparametric_sample_size",
    "normal_factor",
    "normal_interval",
    "random_effects_interval",
    "tolerance_factor",
]
