"""CPP re-assessment: effect as % of specification, significance, class via the risk decision tree.

Hand-computable example: a 2³ factorial with 4 centre points in actual units A 30–40, B 1–3, C 5–7;
y = 12 + 2·a + 0.3·c (coded a, c) + a fixed ±0.05 pattern, z = 50 + 5·b (coded) + pattern.
Over A's range, y moves by 2·2 = 4 = 50 % of the spec width 8 (10 ≤ y ≤ 18) → CPP;
C moves y by 0.6 = 7.5 % (< 10 %) → not affecting the CQA; B moves the performance attribute
z by 10, and z ≥ 40 leaves a 10-unit margin at the set point (50), i.e. 100 % → KPP.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from qbdkit.core.doe.analysis import (
    Specification,
    analyze,
    parse_specification,
    reassess_parameters,
)
from qbdkit.errors import QbdInputError


def _data() -> pd.DataFrame:
    pts = np.array(list(itertools.product((-1, 1), repeat=3)) + [(0, 0, 0)] * 4, dtype=float)
    e = np.array([0.05, -0.05, -0.05, 0.05, -0.05, 0.05, 0.05, -0.05, 0.03, -0.03, 0.02, -0.02])
    a, b, c = pts.T
    return pd.DataFrame({"A": 35 + 5 * a, "B": 2 + b, "C": 6 + c, "y": 12 + 2 * a + 0.3 * c + e,
                         "z": 50 + 5 * b + e})


def test_effects_percentages_and_classes():
    res = analyze(_data(), ["y", "z"], "linear")
    specs = [parse_specification("10<=y<=18"), parse_specification("z>=40", "performance")]
    out = reassess_parameters(res.responses, specs, factors=res.factors)
    eff = {(e.parameter, e.response): e for e in out.effects}
    assert eff[("A", "y")].effect == pytest.approx(4.0, abs=1e-9)
    assert eff[("A", "y")].percent_of_spec == pytest.approx(50.0, abs=1e-7)
    assert eff[("C", "y")].percent_of_spec == pytest.approx(7.5, abs=1e-7)
    assert eff[("C", "y")].significant and not eff[("C", "y")].affects  # significant but small
    assert eff[("B", "z")].percent_of_spec == pytest.approx(100.0, abs=1e-7)
    classes = {c.name: c.cls for c in out.classes}
    assert classes == {"A": "CPP", "B": "KPP", "C": "GPP"}
    a = next(c for c in out.classes if c.name == "A")
    assert "50 % of spec" in a.evidence and a.rationale_zh


def test_low_risk_effect_gives_wc_cpp():
    res = analyze(_data(), ["y"], "linear")
    out = reassess_parameters(res.responses, [Specification("y", 0.0, 40.0)], factors=res.factors)
    classes = {c.name: c.cls for c in out.classes}
    assert classes["A"] == "WC-CPP"  # 4 / 40 = 10 %: relevant, below the 25 % high-risk line


def test_spec_parsing_and_errors():
    assert parse_specification("Titer (g/L) >= 4").lower == 4 and parse_specification("Titer (g/L) >= 4").upper is None
    s = parse_specification("Afucosylation (%)=5..11")
    assert (s.response, s.lower, s.upper) == ("Afucosylation (%)", 5, 11)
    with pytest.raises(QbdInputError, match="contradictory"):
        parse_specification("11<=y<=5")
    with pytest.raises(QbdInputError, match="cannot read"):
        parse_specification("y ~ 5")
    res = analyze(_data(), ["y"], "linear")
    with pytest.raises(QbdInputError, match="not analysed"):
        reassess_parameters(res.responses, [parse_specification("q<=1")])


def test_categorical_parameter_effect_is_the_range_of_level_means():
    from pathlib import Path

    from qbdkit.core.doe.analysis import FactorSpec

    df = pd.read_csv(Path(__file__).parents[3] / "data" / "doe" / "poisons.csv")
    res = analyze(df, ["time"], "linear", factors=[FactorSpec("poison", "categorical"),
                                                    FactorSpec("treat", "categorical")])
    out = reassess_parameters(res.responses, [parse_specification("time<=1.5")], factors=res.factors)
    eff = {e.parameter: e for e in out.effects}
    # balanced additive model: the predicted range over treatments is the range of treatment means
    means = df.groupby("treat")["time"].mean()
    assert eff["treat"].effect == pytest.approx(means.max() - means.min(), rel=1e-10)
    means_p = df.groupby("poison")["time"].mean()
    assert eff["poison"].effect == pytest.approx(means_p.max() - means_p.min(), rel=1e-10)
