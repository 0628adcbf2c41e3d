"""ICH Q1E shelf life against the published Ovais (2007) example and R (tests/data/stability)."""

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from qbdkit.core.stability import extrapolation_limit, out_of_trend, shelf_life
from qbdkit.errors import QbdInputError

DATA = Path(__file__).parents[2] / "data" / "stability"


def r_values() -> dict[str, list[str]]:
    """Lines of R's reference_output.txt keyed by their leading words."""
    out = {}
    for line in (DATA / "reference_output.txt").read_text().splitlines():
        out[line] = line.split()
    return out


def r_line(*start: str) -> list[float]:
    for words in r_values().values():
        if words[: len(start)] == list(start):
            return [float(w) for w in words if re.fullmatch(r"-?\d+\.\d+", w)]
    raise KeyError(start)


def load(name: str) -> pd.DataFrame:
    return pd.read_csv(DATA / f"{name}.csv")


def test_ovais_2007_single_batch_published_values():
    d = pd.read_csv(DATA / "ovais2007.csv")
    r = shelf_life(["123"] * len(d), d.month, d.assay, lower=90, storage=None)
    b = r.per_batch["123"]
    assert r.model == "common" and r.worst_batch is None
    assert round(b.intercept, 3) == 102.273 and round(b.se_intercept, 3) == 0.872
    assert round(b.slope, 3) == -0.139 and round(b.se_slope, 3) == 0.034
    assert round(b.r2, 4) == 0.6712 and round(b.rmse, 4) == 1.9892
    assert round(r.shelf_life, 3) == 64.770
    assert r.crossing == "lower"


@pytest.mark.parametrize("name,model", [("common", "common"), ("common_slope", "common-slope"),
                                        ("separate", "separate")])
def test_poolability_f_tests_match_r(name, model):
    d = load(name)
    r = shelf_life(d.batch, d.month, d.potency, lower=95)
    f_s, p_s, f_i, p_i = r_line(name, "slopes_F")
    assert r.model == model
    assert r.poolability["slopes_f"] == pytest.approx(f_s, abs=1e-8)
    assert r.poolability["slopes_p"] == pytest.approx(p_s, abs=1e-8)
    if model != "separate":
        assert r.poolability["intercepts_f"] == pytest.approx(f_i, abs=1e-8)
        assert r.poolability["intercepts_p"] == pytest.approx(p_i, abs=1e-8)
    else:  # slopes differ: intercepts are not tested
        assert r.poolability["intercepts_p"] is None


def test_common_model_shelf_life_matches_r():
    d = load("common")
    r = shelf_life(d.batch, d.month, d.potency, lower=95)
    icpt, slope = r_line("common", "cics")[:2]
    assert r.common_intercept == pytest.approx(icpt, abs=1e-8)
    assert r.common_slope == pytest.approx(slope, abs=1e-8)
    assert r.shelf_life == pytest.approx(r_line("common", "cics_poi")[0], abs=1e-6)


def test_common_slope_model_worst_batch_matches_r():
    d = load("common_slope")
    r = shelf_life(d.batch, d.month, d.potency, lower=95)
    expected = {b: r_line("common_slope", "batch", b)[3] for b in "ABCD"}  # poi_sics
    for b, v in expected.items():
        assert r.per_batch[b].shelf_life == pytest.approx(v, abs=1e-6)
    assert r.worst_batch == "C"
    assert r.shelf_life == pytest.approx(min(expected.values()), abs=1e-6)


def test_separate_model_per_batch_and_pooled_error_match_r():
    d = load("separate")
    r = shelf_life(d.batch, d.month, d.potency, lower=95)
    for b in "ABC":
        icpt, slope, own, _, _ = r_line("separate", "batch", b)
        assert r.per_batch[b].intercept == pytest.approx(icpt, abs=1e-8)
        assert r.per_batch[b].slope == pytest.approx(slope, abs=1e-8)
        assert r.per_batch[b].shelf_life_own == pytest.approx(own, abs=1e-6)
    assert r.worst_batch == "C"
    assert r.shelf_life == pytest.approx(r_line("separate", "batch", "C")[2], abs=1e-6)
    pooled = shelf_life(d.batch, d.month, d.potency, lower=95, pooled_error=True)
    assert pooled.shelf_life == pytest.approx(r_line("separate", "batch", "C")[4], abs=1e-6)


def test_two_limits_use_two_sided_band_and_log_transform_matches_r():
    d = load("common")
    two = shelf_life(d.batch, d.month, d.potency, lower=95, upper=105)
    assert two.sides == "two-sided"
    assert two.shelf_life == pytest.approx(r_line("common", "two-sided")[0], abs=1e-6)
    lg = shelf_life(d.batch, d.month, d.potency, lower=95, transform="log")
    icpt, slope, poi = r_line("common", "log")
    assert lg.common_intercept == pytest.approx(icpt, abs=1e-8)
    assert lg.common_slope == pytest.approx(slope, abs=1e-9)
    assert lg.shelf_life == pytest.approx(poi, abs=1e-6)
    # the plotted curves are on the original scale
    assert lg.curves["all"]["fit"][0] == pytest.approx(np.exp(icpt), rel=1e-9)


def test_random_batch_fixed_effects_match_nlme():
    d = load("separate")
    r = shelf_life(d.batch, d.month, d.potency, lower=95, random_batch=True)
    icpt, slope, se_i, se_s = r_line("lme", "slope")
    assert r.model == "random"
    assert r.poolability["random_slope_p"] < 0.25  # random slope kept
    assert r.common_intercept == pytest.approx(icpt, rel=1e-6)
    assert r.common_slope == pytest.approx(slope, rel=1e-6)
    assert r.random["se_intercept"] == pytest.approx(se_i, rel=1e-4)
    assert r.random["se_slope"] == pytest.approx(se_s, rel=1e-4)
    assert r.random["random_slope"]
    # the population line is wider than the fixed-batch common line: shorter shelf life
    fixed_common = r_line("separate", "cics_poi")[0]
    assert r.shelf_life < fixed_common


def test_upper_limit_for_increasing_attribute():
    d = load("common")
    # a degradant rising the way potency falls: mirror the data
    r = shelf_life(d.batch, d.month, 200 - d.potency, upper=105)
    assert r.crossing == "upper"
    assert r.shelf_life == pytest.approx(r_line("common", "cics_poi")[0], abs=1e-6)


def test_out_of_trend_prediction_interval_matches_r():
    d = load("common")
    a = d[(d.batch == "A") & (d.month < 24)]
    fit, lo, hi = r_line("oot", "A24")
    ok = out_of_trend(a.batch, a.month, a.potency, new_batch="A", new_time=24, new_value=95.0)
    assert ok.predicted == pytest.approx(fit, abs=1e-8)
    assert (ok.lower, ok.upper) == (pytest.approx(lo, abs=1e-8), pytest.approx(hi, abs=1e-8))
    assert not ok.out_of_trend and ok.method == "batch"
    bad = out_of_trend(a.batch, a.month, a.potency, new_batch="A", new_time=24, new_value=92.5)
    assert bad.out_of_trend
    new = out_of_trend(d.batch, d.month, d.potency, new_batch="Z", new_time=3, new_value=99.9)
    assert new.method == "common"


@pytest.mark.parametrize("kwargs,clause,limit", [
    ({}, "§2.4.1.2", 24.0),
    ({"little_change": True}, "§2.4.1.1", 24.0),
    ({"accelerated_change": True, "intermediate_change": False}, "§2.4.2.1", 18.0),
    ({"accelerated_change": True, "intermediate_change": True}, "§2.4.2.2", 12.0),
    ({"storage": "refrigerated"}, "§2.5.1", 18.0),
    ({"storage": "refrigerated", "accelerated_change": True}, "§2.5.2", 12.0),
    ({"storage": "frozen"}, "§2.6", 12.0),
    ({"biologic": True}, "Q5C", 12.0),
])
def test_extrapolation_rule_q1e_appendix_a(kwargs, clause, limit):
    e = extrapolation_limit(12.0, **kwargs)
    assert clause in e.clause
    # X = 12: 2X = 24 = X + 12; 1.5X = 18 = X + 6
    assert e.limit == limit


def test_extrapolation_takes_the_smaller_of_multiple_and_months_beyond():
    assert extrapolation_limit(18.0).limit == 30.0  # min(36, 18 + 12)
    assert extrapolation_limit(6.0).limit == 12.0  # min(12, 18)
    assert extrapolation_limit(18.0, storage="refrigerated").limit == 24.0  # min(27, 24)


def test_extrapolation_caps_the_supported_shelf_life():
    d = load("common")
    short = d[d.month <= 12]
    r = shelf_life(short.batch, short.month, short.potency, lower=95)
    assert r.extrapolation.limit == 24.0
    assert r.supported_shelf_life == min(r.shelf_life, 24.0)
    assert r.extrapolation.limit < r.shelf_life  # the data alone would claim more


def test_no_crossing_reports_none_and_a_note():
    d = load("common")
    r = shelf_life(d.batch, d.month, d.potency, lower=50, search_limit=60)
    assert r.shelf_life is None and r.crossing is None
    assert any("no crossing" in n for n in r.notes)


@pytest.mark.parametrize("change,message,column", [
    (lambda d: d[~((d.batch == "A") & (d.month > 3))], "fewer than 3", "month"),
    (lambda d: d[~((d.batch == "B") & (d.month == 0))], "no time zero", "month"),
    (lambda d: d[~((d.batch == "C") & (d.month > 0))], "one value", "potency"),
    (lambda d: d.assign(month=d.month.astype(object).where(d.index != 4, "three")),
     "time not numeric", "month"),
])
def test_bad_input_names_file_row_and_field(change, message, column):
    d = change(load("common")).reset_index(drop=True)
    with pytest.raises(QbdInputError) as err:
        shelf_life(d.batch, d.month, d.potency, lower=95, file="s.csv",
                   rows=[i + 2 for i in range(len(d))], columns=("batch", "month", "potency"))
    text = str(err.value)
    assert message in text and f": {column}: " in text and text.startswith("s.csv:")


def test_both_limits_missing_is_an_input_error():
    d = load("common")
    with pytest.raises(QbdInputError, match="no acceptance criterion"):
        shelf_life(d.batch, d.month, d.potency)


def test_result_round_trips_to_json():
    d = load("common_slope")
    r = shelf_life(d.batch, d.month, d.potency, lower=95)
    j = r.to_dict()
    assert j["model"] == "common-slope" and set(j["poolability"]) >= {"slopes_p", "intercepts_p"}
    assert j["worst_batch"] == "C" and set(j["per_batch"]) == {"A", "B", "C", "D"}
    assert "Shelf life" in r.summary()
