"""Tiered comparability, slope and PCA comparability against R (tests/data/comparability)."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from qbdkit.core.comparability import (
    compare_slopes,
    multivariate_comparability,
    tier_attribute,
    tiered_comparability,
)
from qbdkit.errors import QbdInputError

DATA = Path(__file__).parents[2] / "data" / "comparability"
PRE = pd.read_csv(DATA / "pre.csv")
POST = pd.read_csv(DATA / "post.csv")


def r_line(first: str) -> list[float]:
    for line in (DATA / "reference_output.txt").read_text().splitlines():
        words = line.split()
        if words[0] == first:
            return [float(w) for w in words[1:] if w.lstrip("-")[:1].isdigit()]
    raise KeyError(first)


@pytest.mark.parametrize("name", ["purity_sec", "hmw", "potency", "acidic_variants"])
def test_tier1_ci_and_margin_match_r(name):
    m_pre, sd_pre, m_post, lo, hi, margin, _, _ = r_line(name)
    a = tier_attribute(name, PRE[name], POST[name], 1)
    assert a.mean_pre == pytest.approx(m_pre, abs=1e-8)
    assert a.sd_pre == pytest.approx(sd_pre, abs=1e-8)
    assert a.mean_post == pytest.approx(m_post, abs=1e-8)
    assert a.ci == (pytest.approx(lo, abs=1e-8), pytest.approx(hi, abs=1e-8))
    assert a.margin == pytest.approx(margin, abs=1e-8)
    assert (a.conclusion == "comparable") == (-margin < lo and hi < margin)


@pytest.mark.parametrize("name", ["purity_sec", "potency", "acidic_variants"])
def test_tier2_quality_range_matches_r(name):
    *_, lo, hi = r_line(name)
    a = tier_attribute(name, PRE[name], POST[name], 2, post_ids=POST.lot)
    assert a.range == (pytest.approx(lo, abs=1e-8), pytest.approx(hi, abs=1e-8))
    inside = ((POST[name] >= lo) & (POST[name] <= hi)).mean()
    assert a.share_inside == pytest.approx(inside)
    assert (a.conclusion == "comparable") == (inside >= 0.9)


def test_tier2_share_below_90_percent_is_not_comparable():
    post = POST.copy()
    post.loc[0, "potency"] = 60.0  # one of 4 lots far outside → 75 % inside
    a = tier_attribute("potency", PRE.potency, post.potency, 2, post_ids=post.lot)
    assert a.share_inside == 0.75 and a.outside == ["N01"] and a.conclusion == "not comparable"


def test_tier3_is_graphical_and_lists_lots_outside_the_pre_range():
    a = tier_attribute("acidic_variants", PRE.acidic_variants, POST.acidic_variants, 3,
                       post_ids=POST.lot)
    hi = PRE.acidic_variants.max()
    assert a.conclusion == "graphical"
    assert a.outside == list(POST.lot[POST.acidic_variants > hi])


def test_slope_comparison_matches_r():
    s = pd.read_csv(DATA / "stability.csv")
    pre_slope, diff, se, p, lo, hi, df = r_line("slopes")
    c = compare_slopes(s.lot, s.month, s.purity_sec, s.group == "post")
    assert c.slope_pre == pytest.approx(pre_slope, abs=1e-10)
    assert c.diff == pytest.approx(diff, abs=1e-10)
    assert c.se == pytest.approx(se, abs=1e-10)
    assert c.p_value == pytest.approx(p, abs=1e-8)
    assert c.ci == (pytest.approx(lo, abs=1e-10), pytest.approx(hi, abs=1e-10))
    assert c.df == df and c.comparable  # p = 0.089 ≥ 0.05
    eq = compare_slopes(s.lot, s.month, s.purity_sec, s.group == "post", margin=0.02)
    assert not eq.comparable  # CI upper end −0.0005 but lower −0.0267 < −0.02


def test_multivariate_projection_flags_shifted_lots():
    cols = ["purity_sec", "hmw", "potency", "acidic_variants"]
    same = multivariate_comparability(PRE[cols], PRE[cols].iloc[:3], post_ids=["a", "b", "c"])
    assert same.n_components == 2 and len(same.lots) == 3
    far = PRE[cols].iloc[:1].copy()
    far["hmw"] = 5.0
    out = multivariate_comparability(PRE[cols], far, post_ids=["x"])
    assert not out.comparable and not out.lots[0]["inside"]
    assert out.lots[0]["spe"] > out.spe_limit or out.lots[0]["t2"] > out.t2_limit


def test_overall_conclusion_collects_reasons():
    s = pd.read_csv(DATA / "stability.csv")
    slopes = compare_slopes(s.lot, s.month, s.purity_sec, s.group == "post")
    r = tiered_comparability(PRE, POST, {"purity_sec": 1, "hmw": 1, "potency": 2,
                                         "acidic_variants": 3}, post_ids=POST.lot,
                             slopes=slopes, multivariate=True)
    assert r.conclusion == "not comparable"
    assert any("purity_sec" in x for x in r.reasons)
    ok = tiered_comparability(PRE, POST, {"hmw": 1, "potency": 2}, post_ids=POST.lot)
    assert ok.conclusion == "comparable" and ok.reasons == []
    assert "Overall" in r.summary() and r.to_dict()["attributes"][0]["tier"] == 1


def test_too_few_reference_lots_for_a_tier_names_file_and_attribute():
    with pytest.raises(QbdInputError) as err:
        tier_attribute("hmw", PRE.hmw[:4], POST.hmw, 1, file="pre.csv")
    assert str(err.value).startswith("pre.csv:1: hmw: too few pre-change lots for tier 1")
    with pytest.raises(QbdInputError, match="tier 2"):
        tier_attribute("hmw", PRE.hmw[:2], POST.hmw, 2)
    assert tier_attribute("hmw", PRE.hmw[:2], POST.hmw, 2,
                          min_reference={2: 2}).n_pre == 2
    with pytest.raises(QbdInputError, match="post-change"):
        tier_attribute("hmw", PRE.hmw, [np.nan, 1.2], 1)
