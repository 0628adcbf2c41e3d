"""Variance components against Montgomery's loom example (tests/data/ppq/README.md)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from qbdkit.core.stats.variance import variance_components
from qbdkit.errors import QbdInputError

LOOM = pd.read_csv(Path(__file__).parents[2] / "data" / "ppq" / "montgomery_loom.csv")


@pytest.mark.parametrize("method", ["anova", "reml"])
def test_montgomery_loom(method):
    vc = variance_components(LOOM.strength, LOOM.loom, method=method)
    # Montgomery: MS_treatments = 29.73, MS_E = 1.90, σ̂²_τ = 6.96, σ̂² = 1.90
    assert round(vc.ms_between, 2) == 29.73
    assert round(vc.ms_within, 2) == 1.90
    assert round(vc.var_between, 2) == 6.96
    assert round(vc.var_within, 2) == 1.90
    assert vc.var_total == pytest.approx(vc.var_between + vc.var_within)
    assert vc.n0 == 4 and vc.df_between == 3 and vc.df_within == 12 and not vc.truncated
    assert vc.ms_between / vc.ms_within == pytest.approx(15.681, abs=5e-4)  # F₀ = 15.68


def test_unbalanced_n0_and_truncation():
    y = [1.0, 2.0, 3.0, 2.0, 1.5, 2.5, 2.0]
    g = ["a", "a", "a", "b", "b", "b", "c"]
    vc = variance_components(y, g)
    sizes = np.array([3, 3, 1])
    assert vc.n0 == pytest.approx((7 - np.sum(sizes ** 2) / 7) / 2)
    assert vc.truncated and vc.var_between == 0.0 and vc.var_total == vc.var_within


def test_bad_input():
    with pytest.raises(QbdInputError):
        variance_components([1.0, 2.0], ["a", "a"])
    with pytest.raises(QbdInputError):
        variance_components([1.0, 2.0], ["a", "b"])
    with pytest.raises(QbdInputError):
        variance_components([1.0, 2.0, 3.0], ["a", "b", "b"], method="ml")
