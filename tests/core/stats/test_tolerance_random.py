"""Tolerance intervals with a batch random effect.

No published worked example of the Hoffman–Kringle interval was available (see the module
docstring), so: the ingredients are checked against Montgomery's loom example, and the
confidence actually reached is checked by simulation (a property test that fails if the
formula is wrong: e.g. dropping √(1 + 1/n_E) or using the lower χ² tail breaks it).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import special

from qbdkit.core.stats.tolerance import random_effects_interval
from qbdkit.core.stats.variance import variance_components
from qbdkit.errors import QbdInputError

LOOM = pd.read_csv(Path(__file__).parents[2] / "data" / "ppq" / "montgomery_loom.csv")


def test_loom_ingredients_match_anova_components():
    ti = random_effects_interval(LOOM.strength, LOOM.loom, 0.95, 0.95)
    vc = variance_components(LOOM.strength, LOOM.loom)
    # balanced: S²_L = MS_between / J, S²_E = MS_within, σ̂²_B = (MSB − MSE)/J
    assert ti.var_batch_means == pytest.approx(vc.ms_between / 4)
    assert ti.var_within == pytest.approx(vc.ms_within)
    assert round(ti.var_between, 2) == 6.96  # Montgomery's σ̂²_τ
    assert ti.var_total == pytest.approx(vc.var_total)
    assert ti.mean == pytest.approx(95.4375) and ti.n_batches == 4 and ti.n == 16
    assert ti.n_effective == pytest.approx(vc.var_total / (vc.ms_between / 16))
    assert ti.lower < LOOM.strength.min() and ti.upper > LOOM.strength.max()
    assert ti.var_total_upper > ti.var_total


def _confidence(method, sides, n_batches, per_batch, sd_b, sd_w, p=0.95, g=0.95, reps=500,
                seed=11):
    rng = np.random.default_rng(seed)
    batches = np.repeat(np.arange(n_batches), per_batch)
    sd_t = np.hypot(sd_b, sd_w)
    hits = 0
    for _ in range(reps):
        y = rng.normal(size=n_batches)[batches] * sd_b + rng.normal(size=batches.size) * sd_w
        ti = random_effects_interval(y, batches, p, g, sides=sides, method=method)
        if sides == 2:
            cover = special.ndtr(ti.upper / sd_t) - special.ndtr(ti.lower / sd_t)
        else:
            cover = special.ndtr(ti.upper / sd_t)
        hits += cover >= p
    return hits / reps


@pytest.mark.parametrize(("n_batches", "per_batch", "sd_b", "sd_w"),
                         [(6, 3, 1.0, 1.0), (10, 2, 2.0, 1.0), (4, 5, 0.3, 1.0)])
def test_hoffman_kringle_reaches_nominal_confidence(n_batches, per_batch, sd_b, sd_w):
    # 500 replicates: standard error ≈ 0.01 around 0.95
    assert _confidence("hoffman-kringle", 2, n_batches, per_batch, sd_b, sd_w) >= 0.93
    assert _confidence("hoffman-kringle", 1, n_batches, per_batch, sd_b, sd_w) >= 0.94


def test_ignoring_the_batch_effect_undercovers():
    """The reason the model exists: the plain normal interval on all values falls short."""
    from qbdkit.core.stats.tolerance import normal_interval

    rng = np.random.default_rng(5)
    batches = np.repeat(np.arange(4), 5)
    hits = 0
    for _ in range(400):
        y = rng.normal(size=4)[batches] * 2.0 + rng.normal(size=20) * 0.5
        ti = normal_interval(y, 0.95, 0.95)
        sd_t = np.hypot(2.0, 0.5)
        hits += special.ndtr(ti.upper / sd_t) - special.ndtr(ti.lower / sd_t) >= 0.95
    assert hits / 400 < 0.85


def test_satterthwaite_runs_both_sides():
    two = random_effects_interval(LOOM.strength, LOOM.loom, 0.95, 0.95, method="satterthwaite")
    one = random_effects_interval(LOOM.strength, LOOM.loom, 0.95, 0.95, sides=1,
                                  method="satterthwaite")
    assert one.df_total == pytest.approx(two.df_total) and one.upper < two.upper
    assert two.lower < two.mean < two.upper


@pytest.mark.parametrize(("values", "batches", "column"), [
    ([1.0, 2.0, 3.0], ["a", "a", "a"], "batch"),
    ([1.0, 2.0], ["a", "b"], "batch"),
    ([1.0], ["a"], "values"),
    ([2.0, 2.0, 2.0, 2.0], ["a", "a", "b", "b"], "values"),
])
def test_bad_input(values, batches, column):
    with pytest.raises(QbdInputError) as err:
        random_effects_interval(values, batches)
    assert err.value.first.column == column
