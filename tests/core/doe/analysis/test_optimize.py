"""Derringer–Suich desirability optimization against published worked examples.

1. Myers & Montgomery (1995), Response Surface Methodology, chemical reaction example
   (conversion: maximize, A = 80, B = 97; thermal activity: target 57.5 in [55, 60]),
   as reproduced in the R package `desirability` vignette (M. Kuhn, "The desirability
   Package", section "Maximizing Desirability"): cuboidal region |x| ≤ 1.682 →
   D = 0.9425094 at (−0.5117132, 1.682, −0.5863863), conversion 95.1, activity 57.5;
   spherical region ‖x‖ ≤ 1.682 → D = 0.8581525 at (−0.5094851, 1.5034146, −0.5561415),
   conversion 92.52 (the vignette calls this a relative sub-optimum, so we require ≥).
2. Derringer & Suich (1980), J. Quality Technology 12, 214–219, tire-tread compound
   (PICO abrasion index max 120→170; 200 % modulus max 1000→1300; elongation target 500
   in [400, 600]; hardness target 67.5 in [60, 75]); published optimum x = (−0.05, 0.145,
   −0.868) with ŷ = (129.5, —, 465.7, 68.0), d = (0.189, 1, 0.656, 0.932), D = 0.583.
   The fitted equations are those printed in the paper (rounded coefficients).
Tolerances: 1e-4 on D and 1e-3 on coordinates for (1) (same equations, both optimizers
converge to the same point); 5e-4 on the published 3-digit D for (2).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from qbdkit.core.doe.analysis.optimize import (
    Goal,
    intervals,
    optimize_desirability,
    overall_desirability,
    parse_constraint,
    parse_goal,
)
from qbdkit.core.doe.analysis.posterior import fit_posterior
from qbdkit.errors import QbdInputError


def chemical(x: np.ndarray) -> np.ndarray:
    a, b, c = x.T
    conv = (81.09 + 1.0284 * a + 4.043 * b + 6.2037 * c - 1.8366 * a**2 + 2.9382 * b**2
            - 5.1915 * c**2 + 2.2150 * a * b + 11.375 * a * c - 3.875 * b * c)
    act = (59.85 + 3.583 * a + 0.2546 * b + 2.2298 * c + 0.83479 * a**2 + 0.07484 * b**2
           + 0.05716 * c**2 - 0.3875 * a * b - 0.375 * a * c + 0.3125 * b * c)
    return np.column_stack([conv, act])


CHEM_GOALS = [Goal("conversion", "max", 80, 97, 97), Goal("activity", "target", 55, 60, 57.5)]
F3 = ["time", "temperature", "catalyst"]


def test_myers_montgomery_cuboidal_region():
    res = optimize_desirability(chemical, CHEM_GOALS, factors=F3,
                                bounds=dict.fromkeys(F3, (-1.682, 1.682)), starts=12, seed=1)
    assert res.desirability == pytest.approx(0.9425094, abs=1e-4)
    x = [res.setting[f] for f in F3]
    assert x == pytest.approx([-0.5117132, 1.682, -0.5863863], abs=1e-3)
    assert res.responses[0].predicted == pytest.approx(95.1, abs=0.05)
    assert res.responses[1].predicted == pytest.approx(57.5, abs=0.05)


def test_myers_montgomery_spherical_region():
    res = optimize_desirability(chemical, CHEM_GOALS, factors=F3,
                                bounds=dict.fromkeys(F3, (-1.682, 1.682)), sphere_radius=1.682,
                                center=dict.fromkeys(F3, 0.0), half_range=dict.fromkeys(F3, 1.0),
                                starts=12, seed=1)
    assert res.desirability >= 0.8581525 - 1e-4
    x = np.array([res.setting[f] for f in F3])
    assert float(x @ x) <= 1.682**2 * (1 + 1e-6)
    assert x == pytest.approx([-0.5094851, 1.5034146, -0.5561415], abs=2e-3)
    assert res.responses[0].predicted == pytest.approx(92.52, abs=0.05)


def tire(x: np.ndarray) -> np.ndarray:
    x1, x2, x3 = x.T
    y1 = (139.12 + 16.49 * x1 + 17.88 * x2 + 10.91 * x3 - 4.01 * x1**2 - 3.45 * x2**2
          - 1.57 * x3**2 + 5.13 * x1 * x2 + 7.13 * x1 * x3 + 7.88 * x2 * x3)
    y2 = (1261.13 + 268.15 * x1 + 246.5 * x2 - 102.6 * x3 - 83.57 * x1**2 - 124.82 * x2**2
          + 199.2 * x3**2 + 69.38 * x1 * x2 - 104.38 * x1 * x3 - 94.13 * x2 * x3)
    y3 = (400.38 - 99.67 * x1 - 31.4 * x2 - 73.92 * x3 + 7.93 * x1**2 + 17.31 * x2**2
          + 0.43 * x3**2 + 8.75 * x1 * x2 + 6.25 * x1 * x3 + 1.25 * x2 * x3)
    y4 = (68.91 - 1.41 * x1 + 4.32 * x2 + 1.63 * x3 + 1.56 * x1**2 + 0.058 * x2**2
          - 0.32 * x3**2 - 1.63 * x1 * x2 + 0.13 * x1 * x3 - 0.25 * x2 * x3)
    return np.column_stack([y1, y2, y3, y4])


TIRE_GOALS = [Goal("PICO", "max", 120, 170, 170), Goal("modulus", "max", 1000, 1300, 1300),
              Goal("elongation", "target", 400, 600, 500), Goal("hardness", "target", 60, 75, 67.5)]


def test_derringer_suich_published_optimum_value():
    x = np.array([[-0.05, 0.145, -0.868]])
    y = tire(x)[0]
    assert y[0] == pytest.approx(129.5, abs=0.1)
    assert y[2] == pytest.approx(465.7, abs=0.1)
    assert y[3] == pytest.approx(68.0, abs=0.05)
    d = [g.desirability(y[i]) for i, g in enumerate(TIRE_GOALS)]
    assert d == pytest.approx([0.189, 1.0, 0.656, 0.932], abs=1.5e-3)
    assert overall_desirability(TIRE_GOALS, tire(x))[0] == pytest.approx(0.583, abs=5e-4)


def test_derringer_suich_optimizer_reaches_published_optimum():
    f = ["x1", "x2", "x3"]
    res = optimize_desirability(tire, TIRE_GOALS, factors=f, bounds=dict.fromkeys(f, (-1.633, 1.633)),
                                sphere_radius=1.633, center=dict.fromkeys(f, 0.0),
                                half_range=dict.fromkeys(f, 1.0), starts=10, seed=0)
    assert res.desirability >= 0.583 - 5e-4
    assert [res.setting[k] for k in f] == pytest.approx([-0.05, 0.145, -0.868], abs=0.1)


def test_desirability_shapes_hand_worked():
    # maximize L=10, T=20, s=2: ŷ=15 → ((15−10)/10)² = 0.25
    g = Goal("y", "max", 10, 20, 20, s=2)
    assert g.desirability(np.array([5, 15, 25])) == pytest.approx([0, 0.25, 1])
    # minimize T=1, U=5: ŷ=2 → (5−2)/4 = 0.75
    g = Goal("y", "min", 1, 5, 1)
    assert g.desirability(np.array([0, 2, 6])) == pytest.approx([1, 0.75, 0])
    # target 5 in [3, 7], s=1, t=0.5: ŷ=4 → 0.5; ŷ=6 → √0.5
    g = Goal("y", "target", 3, 7, 5, s=1, t=0.5)
    assert g.desirability(np.array([2, 4, 5, 6, 8])) == pytest.approx([0, 0.5, 1, math.sqrt(0.5), 0])
    # importance: D = (0.25^1 · 0.64^3)^(1/4) = 0.25^0.25 · 0.64^0.75
    goals = [Goal("a", "max", 0, 1, 1), Goal("b", "max", 0, 1, 1, importance=3)]
    assert overall_desirability(goals, np.array([[0.25, 0.64]]))[0] == pytest.approx(
        0.25**0.25 * 0.64**0.75)


@given(st.floats(-1e3, 1e3), st.floats(0.1, 5), st.floats(0.1, 5))
def test_desirability_in_unit_interval(y, s, t):
    for g in (Goal("y", "max", -10, 10, 10, s=s), Goal("y", "min", -10, 10, -10, s=s),
              Goal("y", "target", -10, 10, 2, s=s, t=t)):
        d = float(g.desirability(np.array([y]))[0])
        assert 0.0 <= d <= 1.0
        assert (d == 0.0) == (g.shortfall(np.array([y]))[0] > 0) or d == 0.0


def test_parse_goal_forms():
    names = ["Titer (g/L)", "Aggregate (%)", "收率"]
    g = parse_goal("Titer (g/L):max=3,6", names)
    assert (g.kind, g.low, g.high, g.target) == ("max", 3, 6, 6)
    g = parse_goal("Aggregate (%):min=1,2;weight=2;importance=4", names)
    assert (g.kind, g.low, g.high, g.target, g.s, g.importance) == ("min", 1, 2, 1, 2, 4)
    g = parse_goal("收率:target=90,80,95;weight=1,3", names)
    assert (g.target, g.low, g.high, g.s, g.t) == (90, 80, 95, 1, 3)
    g = parse_goal("Titer (g/L):max", names, observed={"Titer (g/L)": (2.0, 5.5)})
    assert (g.low, g.high) == (2.0, 5.5)


@pytest.mark.parametrize("text", ["Nope:max=1,2", "Titer:maxi=1,2", "Titer:max=1", "Titer:max",
                                  "Titer:target=5,6,7", "Titer:max=3,2", "Titer", "Titer:max=1,2;w=3",
                                  "Titer:max=1,2;weight=-1"])
def test_parse_goal_errors(text):
    with pytest.raises(QbdInputError):
        parse_goal(text, ["Titer"])


def test_linear_constraints_parse_and_bind():
    c = parse_constraint("pH + 0.1*温度 (°C) <= 10", ["pH", "温度 (°C)"])
    assert c.coef == pytest.approx({"pH": 1.0, "温度 (°C)": 0.1}) and c.high == 10
    c = parse_constraint("2 <= A - B <= 8", ["A", "B"])
    assert c.coef == {"A": 1.0, "B": -1.0} and (c.low, c.high) == (2, 8)
    c = parse_constraint("3 >= 2*(A + 1)", ["A"])
    assert c.coef == {"A": 2.0} and c.high == pytest.approx(1.0)
    for bad in ["A*B <= 1", "A <= B", "C <= 1", "8 <= A <= 2", "import os <= 1"]:
        with pytest.raises(QbdInputError):
            parse_constraint(bad, ["A", "B"])
    # maximize A + B with A + B ≤ 1 on [0, 1]²: the constraint binds
    goals = [Goal("s", "max", 0, 2, 2)]
    res = optimize_desirability(lambda x: x.sum(axis=1, keepdims=True), goals, factors=["A", "B"],
                                bounds={"A": (0, 1), "B": (0, 1)},
                                constraints=[parse_constraint("A + B <= 1", ["A", "B"])], starts=5)
    assert res.desirability == pytest.approx(0.5, abs=1e-6)
    assert res.setting["A"] + res.setting["B"] <= 1 + 1e-6


def test_intervals_match_textbook_formulas():
    """CI/PI at x₀: ŷ ± t s √h and ŷ ± t s √(1+h) (Montgomery DAE §10.5), simple line y = a + b x."""
    x = np.array([1.0, 2, 3, 4, 5, 6])
    y = np.array([[1.1, 1.9, 3.2, 3.8, 5.1, 6.2], [2.0, 2.1, 1.7, 1.9, 2.4, 2.2]]).T
    z = np.column_stack([np.ones(6), x])
    post = fit_posterior(z, y)
    mu, hci, hpi = intervals(post, np.array([[1.0, 3.5]]), 0.95)
    b = np.linalg.lstsq(z, y[:, 0], rcond=None)[0]
    s = math.sqrt(((y[:, 0] - z @ b) ** 2).sum() / 4)
    sxx = ((x - x.mean()) ** 2).sum()
    h = 1 / 6 + (3.5 - x.mean()) ** 2 / sxx
    t = 2.7764451051977987  # t_{0.975, 4}
    assert mu[0, 0] == pytest.approx(b[0] + 3.5 * b[1])
    assert hci[0, 0] == pytest.approx(t * s * math.sqrt(h))
    assert hpi[0, 0] == pytest.approx(t * s * math.sqrt(1 + h))


def test_infeasible_goals_give_d_zero_and_a_note():
    goals = [Goal("s", "max", 5, 6, 6)]
    res = optimize_desirability(lambda x: x.sum(axis=1, keepdims=True), goals, factors=["A"],
                                bounds={"A": (0, 1)}, starts=3)
    assert res.desirability == 0 and res.notes
    assert res.setting["A"] == pytest.approx(1.0, abs=1e-6)  # closest to acceptable
