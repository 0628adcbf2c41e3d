"""Prediction at any setting: mean, confidence and prediction intervals (item 2).

For a setting x₀ (actual units): ŷ = x₀ᵀb; se_mean = √(x₀ᵀ Cov(b) x₀);
confidence interval ŷ ∓ t(1 − α/2; ν)·se_mean; prediction interval for one new
run ŷ ∓ t(1 − α/2; ν)·√(s² + se_mean²) (Montgomery, *Design and Analysis of
Experiments*, 8th ed., §10.6). Transformed fits are back-transformed (the
interval limits exactly, the mean as the back-transformed median).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from qbdkit.core.doe.analysis.fit import FitResult
from qbdkit.core.result import Result, format_table, to_jsonable
from qbdkit.errors import QbdInputError


@dataclass(frozen=True, eq=False)
class Prediction(Result):
    """Predictions of one or more responses at the given settings."""

    settings: pd.DataFrame
    alpha: float
    rows: tuple[dict, ...]

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable({"alpha": self.alpha, "predictions": list(self.rows)})

    def summary(self) -> str:
        level = f"{100 * (1 - self.alpha):g} %"
        return format_table(
            ["point", "response", "mean", f"CI {level} low", "CI high", f"PI {level} low", "PI high"],
            [[r["point"], r["response"], r["mean"], r["ci_lower"], r["ci_upper"], r["pi_lower"],
              r["pi_upper"]] for r in self.rows])


def predict(fits: Sequence[FitResult], settings: pd.DataFrame | dict, *, alpha: float = 0.05) -> Prediction:
    """Mean, confidence and prediction intervals of every fit at every row of ``settings``."""
    if not 0 < alpha < 1:
        raise QbdInputError("alpha out of range", column="alpha", expected="0 < alpha < 1", found=alpha)
    if isinstance(settings, pd.DataFrame):
        frame = settings
    elif all(not isinstance(v, (list, tuple)) for v in settings.values()):
        frame = pd.DataFrame([settings])
    else:
        frame = pd.DataFrame(settings)
    rows: list[dict] = []
    for fit in fits:
        ci = fit.predict(frame, "confidence", alpha)
        pi = fit.predict(frame, "prediction", alpha)
        for i in range(len(frame)):
            rows.append({
                "point": i + 1,
                "setting": {k: frame.iloc[i][k] for k in frame.columns},
                "response": fit.response,
                "mean": float(ci["mean"].iloc[i]),
                "se_mean": float(ci["se"].iloc[i]),
                "ci_lower": float(ci["lower"].iloc[i]),
                "ci_upper": float(ci["upper"].iloc[i]),
                "pi_lower": float(pi["lower"].iloc[i]),
                "pi_upper": float(pi["upper"].iloc[i]),
            })
    return Prediction(frame, alpha, tuple(rows))
