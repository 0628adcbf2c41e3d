"""Out-of-trend (OOT) flag of a new stability result: the regression-control-chart method.

A new result ``y₀`` of batch *b* at time ``t₀`` is out of trend when it lies outside the
(1 − α) prediction interval of a single new observation from the regression of the
earlier results on time (PhRMA CMC Statistics and Stability Expert Teams, "Identification
of out-of-trend stability results", *Pharm. Technol.* 2003, regression-control-chart
approach)::

    ŷ(t₀) ± t_{1−α/2, n−2} · s · √(1 + 1/n + (t₀ − t̄)² / Sₜₜ)

The regression is the batch's own when it has at least 3 earlier time points, otherwise
the common line of all historical batches (``method`` says which). statsmodels'
``get_prediction(...).summary_frame(alpha)`` gives the interval (``obs_ci_*``); the
tests compare it with R ``predict(lm, interval = "prediction")``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from qbdkit.core.result import Result
from qbdkit.errors import QbdInputError

__all__ = ["TrendCheck", "out_of_trend"]


@dataclass(frozen=True)
class TrendCheck(Result):
    """A new result against the prediction interval of the earlier results."""

    batch: str
    time: float
    value: float
    predicted: float
    lower: float
    upper: float
    alpha: float
    out_of_trend: bool
    method: str
    """``batch`` (the batch's own regression) or ``common`` (all historical batches)."""
    n: int

    def summary(self) -> str:
        flag = "OUT OF TREND" if self.out_of_trend else "in trend"
        conf = round(100 * (1 - self.alpha), 6)
        return (f"{self.batch} at {self.time:g}: {self.value:g} — predicted {self.predicted:.4g}, "
                f"{conf:g} % prediction interval [{self.lower:.4g}, {self.upper:.4g}] "
                f"({self.method} regression, n = {self.n}): {flag}")


def out_of_trend(batch: Sequence[Any], time: Sequence[float], value: Sequence[float], *,
                 new_batch: str, new_time: float, new_value: float,
                 alpha: float = 0.05) -> TrendCheck:
    """Check ``new_value`` of ``new_batch`` at ``new_time`` (see the module docstring)."""
    import statsmodels.api as sm

    if not 0 < alpha < 0.5:
        raise QbdInputError("alpha out of range", column="alpha", expected="0 < alpha < 0.5",
                            found=alpha)
    b = np.asarray([str(x) for x in batch])
    t = np.asarray(time, dtype=float)
    y = np.asarray(value, dtype=float)
    own = b == str(new_batch)
    if np.unique(t[own]).size >= 3:
        tt, yy, method = t[own], y[own], "batch"
    else:
        tt, yy, method = t, y, "common"
    if np.unique(tt).size < 3:
        raise QbdInputError("too few earlier results for a trend", column="time",
                            expected="at least 3 time points", found=int(np.unique(tt).size))
    fit = sm.OLS(yy, sm.add_constant(tt)).fit()
    frame = fit.get_prediction(np.array([[1.0, float(new_time)]])).summary_frame(alpha=alpha)
    lo = float(frame["obs_ci_lower"].iloc[0])
    hi = float(frame["obs_ci_upper"].iloc[0])
    return TrendCheck(batch=str(new_batch), time=float(new_time), value=float(new_value),
                      predicted=float(frame["mean"].iloc[0]), lower=lo, upper=hi,
                      alpha=float(alpha), out_of_trend=bool(not lo <= new_value <= hi),
                      method=method, n=int(tt.size))
