"""Synthetic filled DoE for the bundled mAb demo (``src/qbdkit/demo/mab/doe/results.csv``).

A face-centred central composite design (CCF: 2⁴ factorial + 8 axial points at
±1 + 4 centre points = 28 runs) on four CHO fed-batch production-bioreactor
parameters, with four responses drawn from documented quadratic models in coded
units plus correlated normal residuals (seeded, so :func:`generate_results` is
reproducible). The numbers are SYNTHETIC: plausible in size for a CHO mAb
process, not measurements. ``RESULTS.md`` next to the CSV restates the model.

Coded factor x = (actual − centre) / half-range. Responses (ε ~ N(0, Σ)):

=================  ======  ======  =====  =====  =====  =====  ======  =====  =====  =====  =====
response           const   T       pH     DO     feed   T·pH   T·feed  T²     pH²    DO²    feed²
=================  ======  ======  =====  =====  =====  =====  ======  =====  =====  =====  =====
Titer (g/L)        5.00    0.25    0.15   0.05   0.40   0.10   −0.20   −0.35  −0.25  −0.05  −0.20
Aggregate (%)      2.00    0.30    0.08   0.02   0.15   0.00   0.00    0.15   0.00   0.00   0.00
Afucosylation (%)  8.00    −0.60   0.30   −0.10  0.50   0.00   0.20    0.00   0.00   0.00   0.20
HCP (ng/mg)        60.0    8.0     −3.0   1.0    10.0   0.0    4.0     6.0    0.0    0.0    3.0
=================  ======  ======  =====  =====  =====  =====  ======  =====  =====  =====  =====

Residual SDs 0.12, 0.08, 0.25, 4.0; residual correlations: titer–aggregate 0.4,
titer–HCP 0.5, aggregate–afucosylation 0.3, aggregate–HCP 0.2, others 0.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd

#: (name, low, high, unit) of the demo factors, in actual units
DEMO_FACTORS: tuple[tuple[str, float, float, str], ...] = (
    ("Temperature (°C)", 35.0, 37.0, "°C"),
    ("pH", 6.8, 7.2, ""),
    ("DO (%)", 30.0, 50.0, "%"),
    ("Feed (%)", 2.0, 4.0, "%"),
)
#: set point of the demo process (actual units) — the same as the demo's design-space
#: inputs (``mab/doe_space/space.yaml``)
DEMO_SETPOINT: dict[str, float] = {"Temperature (°C)": 35.6, "pH": 7.0, "DO (%)": 40.0,
                                   "Feed (%)": 2.8}
#: demo specifications: response → (lower, upper, kind) with kind "cqa" or "performance";
#: the limits are those of ``mab/doe_space/space.yaml``
DEMO_SPECS: dict[str, tuple[float | None, float | None, str]] = {
    "Titer (g/L)": (4.0, None, "performance"),
    "Aggregate (%)": (None, 2.2, "cqa"),
    "Afucosylation (%)": (2.0, 13.0, "cqa"),
    "HCP (ng/mg)": (None, 100.0, "cqa"),
}
RESPONSES = ("Titer (g/L)", "Aggregate (%)", "Afucosylation (%)", "HCP (ng/mg)")
#: coefficient rows in the order of :data:`_TERMS` (coded units)
_TERMS = ("const", "T", "pH", "DO", "feed", "T·pH", "T·feed", "T²", "pH²", "DO²", "feed²")
_COEF = np.array([
    [5.00, 0.25, 0.15, 0.05, 0.40, 0.10, -0.20, -0.35, -0.25, -0.05, -0.20],
    [2.00, 0.30, 0.08, 0.02, 0.15, 0.00, 0.00, 0.15, 0.00, 0.00, 0.00],
    [8.00, -0.60, 0.30, -0.10, 0.50, 0.00, 0.20, 0.00, 0.00, 0.00, 0.20],
    [60.0, 8.0, -3.0, 1.0, 10.0, 0.0, 4.0, 6.0, 0.0, 0.0, 3.0],
])
_SD = np.array([0.12, 0.08, 0.25, 4.0])
_CORR = np.array([
    [1.0, 0.4, 0.0, 0.5],
    [0.4, 1.0, 0.3, 0.2],
    [0.0, 0.3, 1.0, 0.0],
    [0.5, 0.2, 0.0, 1.0],
])
SEED = 20261121


def ccf_design(k: int = 4, centre: int = 4) -> np.ndarray:
    """Face-centred CCD in coded units, standard order: 2^k factorial, 2k axial (±1), centre points."""
    fact = np.array(list(itertools.product((-1.0, 1.0), repeat=k)))[:, ::-1]  # first factor fastest
    axial = np.zeros((2 * k, k))
    for i in range(k):
        axial[2 * i, i] = -1.0
        axial[2 * i + 1, i] = 1.0
    return np.vstack([fact, axial, np.zeros((centre, k))])


def _model_terms(c: np.ndarray) -> np.ndarray:
    t, ph, do, feed = c.T
    return np.column_stack([np.ones(len(c)), t, ph, do, feed, t * ph, t * feed, t ** 2, ph ** 2,
                            do ** 2, feed ** 2])


def true_means(coded: np.ndarray) -> np.ndarray:
    """Noise-free responses (n × 4) at coded settings."""
    return _model_terms(np.asarray(coded, dtype=float)) @ _COEF.T


def residual_covariance() -> np.ndarray:
    return _CORR * np.outer(_SD, _SD)


def generate_results(seed: int = SEED) -> pd.DataFrame:
    """The filled run sheet (contract C columns: run, std_order, factors, responses)."""
    rng = np.random.default_rng(seed)
    coded = ccf_design()
    n = len(coded)
    eps = rng.multivariate_normal(np.zeros(4), residual_covariance(), size=n)
    y = true_means(coded) + eps
    order = rng.permutation(n)  # randomized run order
    frame = pd.DataFrame({"run": np.empty(n, dtype=int), "std_order": np.arange(1, n + 1)})
    for j, (name, lo, hi, _unit) in enumerate(DEMO_FACTORS):
        frame[name] = np.round(coded[:, j] * (hi - lo) / 2 + (hi + lo) / 2, 6)
    decimals = (2, 2, 2, 1)
    for j, name in enumerate(RESPONSES):
        frame[name] = np.round(y[:, j], decimals[j])
    frame["run"] = np.argsort(order) + 1
    return frame.sort_values("run").reset_index(drop=True)


def write_results(path: Path | None = None, seed: int = SEED) -> Path:
    """Write ``results.csv`` (UTF-8) — run once to regenerate the committed file."""
    target = path or Path(__file__).parent / "mab" / "doe" / "results.csv"
    target.parent.mkdir(parents=True, exist_ok=True)
    generate_results(seed).to_csv(target, index=False, encoding="utf-8")
    return target


if __name__ == "__main__":  # pragma: no cover
    print(write_results())
