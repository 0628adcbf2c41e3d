"""Tolerance factors and intervals against published tables (tests/data/tolerance/README.md)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from qbdkit.core.stats.tolerance import (
    nonparametric_confidence,
    nonparametric_coverage,
    nonparametric_interval,
    nonparametric_rank,
    nonparametric_sample_size,
    normal_factor,
    normal_interval,
    tolerance_factor,
)
from qbdkit.errors import QbdInputError

DATA = __import__("pathlib").Path(__file__).parents[2] / "data" / "tolerance"


def test_iso_16269_6_annex_f_two_sided_all_cells():
    """ISO prints k rounded up at the 4th decimal: ceil(k·1e4)/1e4 must equal every cell."""
    d = pd.read_csv(DATA / "iso16269_6_annex_f.csv")
    k = normal_factor(d.n.to_numpy(), d.coverage.to_numpy(), d.confidence.to_numpy(),
                      df=(d.m * (d.n - 1)).to_numpy())
    ceiled = np.ceil(np.round(k * 1e4, 6)) / 1e4
    wrong = d[np.abs(ceiled - d.k.to_numpy()) > 1e-9]
    assert wrong.empty, wrong.assign(ours=k[wrong.index])
    assert np.all(k <= d.k.to_numpy() + 1e-12) and np.all(k > d.k.to_numpy() - 1e-4)


def test_meeker_hahn_escobar_j5_two_sided_three_decimals():
    d = pd.read_csv(DATA / "meeker_hahn_escobar_2017_j5.csv")
    k = normal_factor(d.n.to_numpy(), d.coverage.to_numpy(), d.confidence.to_numpy())
    wrong = d[np.abs(np.round(k, 3) - d.k.to_numpy()) > 1e-9]
    assert wrong.empty, wrong.assign(ours=k[wrong.index])


def test_montgomery_runger_table_xii_one_sided_three_decimals():
    d = pd.read_csv(DATA / "montgomery_runger_table_xii_one_sided.csv")
    k = normal_factor(d.n.to_numpy(), d.coverage.to_numpy(), d.confidence.to_numpy(), sides=1)
    wrong = d[np.abs(np.round(k, 3) - d.k.to_numpy()) > 1e-9]
    assert wrong.empty, wrong.assign(ours=k[wrong.index])


def test_nist_howe_example():
    d = pd.read_csv(DATA / "nist_examples.csv")
    row = d[d.section == "7.2.6.3"].iloc[0]
    k = normal_factor(int(row.n), row.coverage, row.confidence, method="howe")
    assert round(k, 4) == row.value  # 2.2173
    # the exact factor differs from Howe's in the 3rd decimal here; both are reported
    exact = normal_factor(int(row.n), row.coverage, row.confidence)
    assert exact != pytest.approx(k, abs=1e-4)


def test_nist_minimum_maximum_confidence_n25():
    d = pd.read_csv(DATA / "nist_examples.csv")
    rows = d[d.section == "7.2.6.4"]
    conf = nonparametric_confidence(25, rows.coverage.to_numpy())
    assert np.allclose(np.round(conf, 3), rows.value.to_numpy(), atol=1e-9)
    # the closed form quoted there: 1 − N p^(N−1) + (N − 1) p^N
    p = rows.coverage.to_numpy()
    assert np.allclose(conf, 1 - 25 * p ** 24 + 24 * p ** 25, rtol=1e-12, atol=1e-15)


def test_meeker_hahn_escobar_j11_nonparametric_ranks():
    d = pd.read_csv(DATA / "meeker_hahn_escobar_2017_j11_rank.csv")
    for t in d.itertuples():
        expected = None if math.isnan(t.rank) else int(t.rank)
        assert nonparametric_rank(t.n, t.coverage, t.confidence, sides=1) == expected, t


def test_wilks_sample_sizes():
    assert nonparametric_sample_size(0.95, 0.95, sides=1) == 59
    assert nonparametric_sample_size(0.95, 0.95, sides=2) == 93
    # the n found is the smallest: one value fewer does not reach the confidence
    for sides, n in ((1, 59), (2, 93)):
        assert nonparametric_confidence(n - 1, 0.95, sides=sides) < 0.95
        assert nonparametric_confidence(n, 0.95, sides=sides) >= 0.95


def test_nonparametric_coverage_inverts_confidence():
    for n, g, sides in ((10, 0.9, 2), (93, 0.95, 2), (59, 0.95, 1), (300, 0.99, 1)):
        p = nonparametric_coverage(n, g, sides=sides)
        assert nonparametric_confidence(n, p, sides=sides) == pytest.approx(g, abs=1e-12)


def test_nonparametric_interval_uses_ranks():
    x = np.arange(1.0, 301.0)[::-1]  # unsorted input
    ti = nonparametric_interval(x, 0.90, 0.95, sides=2)
    r = nonparametric_rank(300, 0.90, 0.95, sides=2)
    assert ti.ranks == [r, 301 - r] and ti.lower == r and ti.upper == 301 - r
    assert ti.meets_confidence and ti.achieved_confidence >= 0.95
    # a larger r would no longer reach 95 %
    assert nonparametric_confidence(300, 0.90, removed=2 * (r + 1)) < 0.95
    small = nonparametric_interval([3.0, 1.0, 2.0], 0.99, 0.95)
    assert not small.meets_confidence and (small.lower, small.upper) == (1.0, 3.0)
    assert small.n_required == 473


def test_howe_close_to_exact_and_one_sided_below_two_sided():
    n = np.array([5, 10, 30, 100])
    exact = normal_factor(n, 0.95, 0.95)
    howe = normal_factor(n, 0.95, 0.95, method="howe")
    assert np.all(np.abs(howe / exact - 1) < 0.01)
    assert np.all(normal_factor(n, 0.95, 0.95, sides=1) < exact)


def test_vectorised_equals_scalar():
    n = np.array([2, 3, 7, 40, 400])
    ks = normal_factor(n, 0.99, 0.95)
    assert ks.shape == (5,)
    for ni, ki in zip(n, ks, strict=True):
        assert normal_factor(int(ni), 0.99, 0.95) == pytest.approx(ki, rel=1e-12)
    assert isinstance(normal_factor(10, 0.9, 0.9), float)


def test_normal_interval_fields():
    x = [9.8, 10.1, 10.0, 10.3, 9.9, 10.2]
    ti = normal_interval(x, 0.99, 0.95)
    k = normal_factor(6, 0.99, 0.95)
    assert ti.k == pytest.approx(k) and ti.method == "exact" and ti.n == 6
    assert ti.lower == pytest.approx(np.mean(x) - k * np.std(x, ddof=1))
    assert ti.upper == pytest.approx(np.mean(x) + k * np.std(x, ddof=1))
    one = normal_interval(x, 0.99, 0.95, sides=1)
    assert one.method == "noncentral-t" and one.upper < ti.upper
    d = ti.to_dict()
    assert {"n", "mean", "sd", "k", "lower", "upper", "method"} <= set(d)
    assert tolerance_factor(6, 0.99, 0.95).k == pytest.approx(k)


@pytest.mark.parametrize(("kwargs", "column"), [
    ({"values": [1.0]}, "values"),
    ({"values": [1.0, 2.0], "coverage": 1.0}, "coverage"),
    ({"values": [1.0, 2.0], "confidence": 0.0}, "confidence"),
    ({"values": [1.0, 2.0], "coverage": -0.5}, "coverage"),
    ({"values": [1.0, 2.0], "sides": 3}, "sides"),
    ({"values": [1.0, float("nan")]}, "values"),
])
def test_bad_input(kwargs, column):
    with pytest.raises(QbdInputError) as err:
        normal_interval(**kwargs)
    assert err.value.first.column == column


def test_bad_factor_input():
    with pytest.raises(QbdInputError) as err:
        normal_factor(1, 0.9, 0.9)
    assert err.value.first.column == "n"
    with pytest.raises(QbdInputError):
        normal_factor(np.array([5, 6]), np.array([0.9, 1.2]), 0.9)
    with pytest.raises(QbdInputError):
        normal_factor(5, 0.9, 0.9, method="wald")
