"""Univariate scale-down model comparability: ± 3 SD range, TOST, sample size."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from qbdkit.core.sdm import (
    Margin,
    compare_attribute,
    compare_scales,
    numeric_attributes,
    parse_margin,
)
from qbdkit.core.stats.equivalence import tost_ind, tost_sample_size
from qbdkit.errors import QbdInputError

AT = np.array([5.1, 5.4, 4.9, 5.0, 5.3, 5.2, 4.8, 5.1, 5.0, 5.2])  # titer g/L, 10 batches
SMALL = np.array([5.0, 5.3, 5.7, 4.9, 7.0])


def test_range_flags_each_small_scale_result():
    r = compare_attribute("titer", AT, SMALL, small_scale_ids=list("ABCDE"))
    m, sd = AT.mean(), AT.std(ddof=1)
    assert r.at_scale_mean == pytest.approx(m, rel=1e-15)
    assert r.at_scale_sd == pytest.approx(sd, rel=1e-15)
    assert r.range == pytest.approx((m - 3 * sd, m + 3 * sd), rel=1e-15)
    # by hand: mean 5.1, SD 0.18257 → range 4.552–5.648; C (5.7) and E (7.0) are outside
    assert r.outside_range == ["C", "E"]
    assert not r.passed


def test_tost_part_is_the_welch_tost_with_margin_k_sd():
    r = compare_attribute("titer", AT, SMALL, margin=Margin(sd_multiple=1.5))
    sd = AT.std(ddof=1)
    t = tost_ind(SMALL, AT, -1.5 * sd, 1.5 * sd)
    assert r.margin == pytest.approx(1.5 * sd)
    assert r.diff == pytest.approx(SMALL.mean() - AT.mean())
    assert r.ci90 == pytest.approx(t.ci)
    assert r.p_value == pytest.approx(t.p_value)
    assert r.equivalent == t.equivalent
    assert r.sample_size["0.8"] == tost_sample_size(sd, -1.5 * sd, 1.5 * sd, n_ref=10).n_test


def test_absolute_margin_and_pass():
    small = np.array([5.05, 5.2, 5.1, 5.0, 5.15, 5.1])
    r = compare_attribute("titer", AT, small, margin=0.3)
    assert r.margin == 0.3 and r.equivalent and r.outside_range == [] and r.passed


@pytest.mark.parametrize(("text", "value", "mult"), [
    ("1.5sd", None, 1.5), ("2 SD", None, 2.0), ("1.5σ", None, 1.5), ("0.25", 0.25, None)])
def test_parse_margin(text, value, mult):
    m = parse_margin(text)
    assert (m.value, m.sd_multiple) == (value, mult)


@pytest.mark.parametrize("text", ["abc", "-1", "0sd", "0"])
def test_parse_margin_rejects(text):
    with pytest.raises(ValueError):
        parse_margin(text)


def test_compare_scales_drops_constant_and_missing():
    a = pd.DataFrame({"titer": AT, "pH": [7.0] * 10, "empty": [np.nan] * 10})
    s = pd.DataFrame({"titer": SMALL, "pH": [7.0, 7.1, 7.0, 6.9, 7.0], "empty": [np.nan] * 5})
    r = compare_scales(a, s)
    assert [x.name for x in r.attributes] == ["titer"]
    assert any(d.startswith("pH: constant") for d in r.dropped)
    assert any(d.startswith("empty: all missing") for d in r.dropped)


def test_numeric_attributes_reports_every_bad_cell():
    f = pd.DataFrame({"batch": ["B1", "B2", "B3"], "titer": ["5.1", "abc", "<0.5"],
                      "notes": ["ok", "x", ""]})
    with pytest.raises(QbdInputError) as e:
        numeric_attributes(f, file="a.csv")
    rows = [(p.row, p.column, p.found) for p in e.value.problems]
    assert rows == [(3, "titer", "abc"), (4, "titer", "<0.5")]


def test_numeric_attributes_ids_and_text_columns():
    f = pd.DataFrame({"批次": ["B1", "B2"], "titer": [5.1, 5.2], "notes": ["ok", "x"]})
    frame, ids, notes = numeric_attributes(f, file="a.csv")
    assert list(frame.columns) == ["titer"] and ids == ["B1", "B2"]
    assert notes == ["notes: no numeric values, not an attribute"]
