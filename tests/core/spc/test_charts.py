"""Control charts against published numbers (sources in tests/data/spc/README.md).

Tolerances: qcc prints 7 significant digits; our d₂/d₃ are integrated to ~1e-10 while qcc's
R-chart factor and its individuals-chart d₂ = 1.128 are rounded, so those comparisons state
their own tolerance.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from qbdkit.core.spc import control_chart, parse_rules
from qbdkit.core.spc.constants import c4, d2, d3
from qbdkit.errors import QbdInputError

DATA = Path(__file__).parents[2] / "data" / "spc"


def _piston():
    return pd.read_csv(DATA / "pistonrings.csv")


def test_constants_match_the_printed_table():
    # Montgomery Appendix Table VI (4 dp)
    table = {2: (1.128, 0.853, 0.7979), 3: (1.693, 0.888, 0.8862), 5: (2.326, 0.864, 0.9400),
             10: (3.078, 0.797, 0.9727), 25: (3.931, 0.708, 0.9896)}
    for n, (t2, t3, t4) in table.items():
        assert d2(n) == pytest.approx(t2, abs=6e-4)
        assert d3(n) == pytest.approx(t3, abs=6e-4)
        assert c4(n) == pytest.approx(t4, abs=6e-5)


def test_xbar_r_pistonrings_phase1_and_phase2():
    p = _piston()
    r = control_chart(p.diameter, chart="xbar-r", subgroups=p["sample"], baseline=25)
    ph = r.phases[0]
    # qcc: centre 74.00118, σ 0.009785039, LCL 73.98805, UCL 74.0143 (7 significant digits)
    assert ph.center == pytest.approx(74.00118, abs=5e-6)
    # qcc divides by the table value d2(5) = 2.326, we by 2.325929…: σ agrees to 3e-5
    assert ph.sigma == pytest.approx(0.009785039, rel=5e-5)
    assert ph.sigma * d2(5) == pytest.approx(0.009785039 * 2.326, rel=1e-6)  # R̄ itself
    assert ph.lcl == pytest.approx(73.98805, abs=5e-6)
    assert ph.ucl == pytest.approx(74.0143, abs=5e-5)
    assert ph.sigma_method == "R̄/d₂"
    assert ph.baseline == list(range(25))
    # R chart: centre 0.02276 exactly; UCL 0.04812533 (qcc's tabulated d3; agreement 2e-5 rel)
    assert r.dispersion.center_line[0] == pytest.approx(0.02276, abs=1e-12)
    assert r.dispersion.ucl[0] == pytest.approx(0.04812533, rel=2e-5)
    # Montgomery: samples 37, 38, 39 (1-based) plot above the Phase I UCL
    rule1 = next(s for s in r.signals if s.rule == "nelson1" and s.chart == "location")
    assert rule1.points == [36, 37, 38]
    assert all(p_ >= 25 for s in r.signals for p_ in s.points)


def test_xbar_s_pistonrings():
    p = _piston().iloc[:125]
    r = control_chart(p.diameter, chart="xbar-s", subgroups=p["sample"])
    # qcc: S chart centre 0.009240037, σ 0.009829977, UCL 0.01930242
    assert r.sigma == pytest.approx(0.009829977, rel=1e-6)
    assert r.sigma_method == "S̄/c₄"
    assert r.dispersion.center_line[0] == pytest.approx(0.009240037, rel=1e-6)
    assert r.dispersion.ucl[0] == pytest.approx(0.01930242, rel=1e-6)


def test_xbar_with_unequal_subgroups_gets_per_point_limits():
    p = _piston()
    out = [9, 10, 30, 35, 45, 64, 65, 74, 75, 85, 99, 100]  # qcc vignette, 1-based rows
    q = p.drop(index=[i - 1 for i in out]).iloc[: 125 - 12]
    q = q[q["sample"] <= 25]
    r = control_chart(q.diameter, chart="xbar-r", subgroups=q["sample"])
    # qcc: σ 0.009856701 (UWAVE-R), centre 74.00075; n = 5: 73.98753/74.01398; n = 3: 73.98368/74.01782
    # qcc uses the 3-decimal d2 table (d2(3) = 1.693 vs 1.69257): agreement 1e-4 relative
    assert r.sigma == pytest.approx(0.009856701, rel=1e-4)
    assert sorted(np.bincount(np.array(r.sizes))[3:]) == [4, 4, 17]
    assert r.center == pytest.approx(74.00075, abs=5e-6)
    n = np.array(r.sizes)
    i5, i3 = int(np.flatnonzero(n == 5)[0]), int(np.flatnonzero(n == 3)[0])
    assert (r.lcl[i5], r.ucl[i5]) == pytest.approx((73.98753, 74.01398), abs=2e-5)
    assert (r.lcl[i3], r.ucl[i3]) == pytest.approx((73.98368, 74.01782), abs=2e-5)
    assert r.phases[0].lcl is None  # limits vary within the phase


def test_p_and_np_orangejuice_with_assignable_causes_removed():
    oj = pd.read_csv(DATA / "orangejuice.csv")
    trial = oj.iloc[:30]
    r = control_chart(trial.D, chart="p", sizes=trial["size"])
    assert r.center == pytest.approx(0.2313333, abs=5e-8)
    assert (r.lcl[0], r.ucl[0]) == pytest.approx((0.05242755, 0.4102391), abs=5e-8)
    # Montgomery: samples 15 and 23 beyond the trial UCL
    assert next(s for s in r.signals if s.rule == "nelson1").points == [14, 22]
    r2 = control_chart(oj.D, chart="p", sizes=oj["size"], baseline=30, exclude=[14, 22])
    assert r2.phases[0].excluded == [14, 22]
    assert r2.center == pytest.approx(0.215, abs=1e-12)
    assert (r2.lcl[40], r2.ucl[40]) == pytest.approx((0.04070284, 0.3892972), abs=5e-8)
    r3 = control_chart(trial.D, chart="np", sizes=trial["size"])
    assert r3.center == pytest.approx(11.56667, abs=5e-6)
    assert (r3.lcl[0], r3.ucl[0]) == pytest.approx((2.621377, 20.51196), abs=5e-6)


def test_c_and_u_charts():
    c = pd.read_csv(DATA / "circuit.csv")
    r = control_chart(c.x.iloc[:26], chart="c")
    assert (r.center, r.lcl[0], r.ucl[0]) == pytest.approx((19.84615, 6.481447, 33.21086),
                                                            abs=5e-6)
    r = control_chart(c.x, chart="c", baseline=26, exclude=[5, 19])
    assert (r.center, r.lcl[30], r.ucl[30]) == pytest.approx((19.66667, 6.362532, 32.9708),
                                                              abs=5e-6)
    r = control_chart(c.x, chart="u", sizes=c["size"], baseline=26, exclude=[5, 19])
    assert (r.center, r.lcl[0], r.ucl[0]) == pytest.approx((0.1966667, 0.06362532, 0.329708),
                                                            abs=1e-7)
    pc = pd.read_csv(DATA / "pcmanufact.csv")
    r = control_chart(pc.x, chart="u", sizes=pc["size"])
    assert (r.center, r.lcl[0], r.ucl[0]) == pytest.approx((1.93, 0.06613305, 3.793867), rel=2e-7,
                                                            abs=1e-7)


def test_u_chart_with_varying_sizes_has_per_point_limits():
    r = control_chart([3, 10, 4], chart="u", sizes=[2, 10, 4])
    ubar = 17 / 16
    assert r.ucl == pytest.approx([ubar + 3 * np.sqrt(ubar / n) for n in (2, 10, 4)])


def test_individuals_viscosity():
    v = pd.read_csv(DATA / "viscosity.csv")
    r = control_chart(v.viscosity.iloc[:20], chart="imr")
    assert r.center == pytest.approx(34.088, abs=1e-9)
    # qcc divides MR̄ by d2 = 1.128 (rounded), we by 1.128379…: compare MR̄ itself (exact)
    assert r.sigma * d2(2) == pytest.approx(0.5076521 * 1.128, rel=1e-6)
    assert r.sigma_method == "MR̄/d₂"
    assert (r.lcl[0], r.ucl[0]) == pytest.approx((32.56504, 35.61096), abs=6e-4)
    r = control_chart(v.viscosity, chart="imr", baseline=20, exclude=[3])
    assert r.center == pytest.approx(33.98947, abs=5e-6)
    assert r.sigma * d2(2) == pytest.approx(0.4117415 * 1.128, rel=1e-6)
    assert r.dispersion.type == "mr"
    assert np.isnan(r.dispersion.statistic[0])


def test_ewma_nist_handbook_example():
    x = pd.read_csv(DATA / "nist_ewma.csv").x
    r = control_chart(x, chart="ewma", center=50, sigma=2.0539, lam=0.3)
    nist = [50.60, 49.52, 50.56, 50.18, 50.16, 49.21, 49.75, 49.85, 50.26, 50.33, 50.11, 49.36,
            49.52, 50.05, 49.38, 49.92, 50.73, 51.23, 51.94, 51.99]
    assert np.round(r.statistic, 2).tolist() == nist
    # steady-state limits 52.5884 / 47.4115 (the page rounds the factor to 0.4201)
    assert r.ucl[-1] == pytest.approx(52.5884, abs=1e-3)
    assert r.lcl[-1] == pytest.approx(47.4115, abs=1e-3)
    assert r.signals == []
    assert r.phases[0].known


def test_ewma_qcc_pistonrings_and_viscosity():
    p = _piston()
    r = control_chart(p.diameter.iloc[:125], chart="ewma", subgroups=p["sample"].iloc[:125],
                      lam=0.2)
    for i, lo, hi in ((0, 73.99855, 74.00380), (1, 73.99781, 74.00454), (24, 73.99680, 74.00555)):
        assert (r.lcl[i], r.ucl[i]) == pytest.approx((lo, hi), abs=6e-6)
    r = control_chart(p.diameter, chart="ewma", subgroups=p["sample"], baseline=25, lam=0.2,
                      nsigmas=2.7)
    for i, lo, hi in ((0, 73.99881, 74.00354), (1, 73.99815, 74.00420), (39, 73.99724, 74.00511)):
        assert (r.lcl[i], r.ucl[i]) == pytest.approx((lo, hi), abs=6e-6)
    v = pd.read_csv(DATA / "viscosity.csv")
    r = control_chart(v.viscosity, chart="ewma", baseline=20, lam=0.2, nsigmas=2.7)
    # qcc's σ uses d2 = 1.128: agreement 2e-4 in the limits
    for i, lo, hi in ((0, 33.81387, 34.36213), (1, 33.73694, 34.43906), (34, 33.63111, 34.54489)):
        assert (r.lcl[i], r.ucl[i]) == pytest.approx((lo, hi), abs=2e-4)


def test_cusum_montgomery_table_9_2():
    x = pd.read_csv(DATA / "montgomery_table9_1.csv").x
    r = control_chart(x, chart="cusum", center=10, sigma=1, k=0.5, h=5)
    published = [0.0, 0.0, 0.0, 1.16, 2.82, 2.50, 0.04, 1.00, 0.0, 0.0, 0.0, 0.97, 0.98, 0.0,
                 0.0, 0.0, 0.12, 0.0, 0.0, 0.34, 0.74, 0.0, 1.79, 2.79, 2.89, 3.47, 3.35, 4.47,
                 5.28, 5.30]
    assert np.round(r.statistic, 2).tolist() == published
    up = next(s for s in r.signals if s.rule == "cusum_upper")
    assert up.points == [28, 29]  # period 29 first (C⁺ = 5.28 > H = 5)
    assert all(v <= 0 for v in r.statistic_lower)
    assert r.ucl[0] == 5 and r.lcl[0] == -5
    # N⁺ = 7: the upper sum has been positive since period 23 (the shift began after 22)
    pos = np.array(r.statistic) > 0
    assert pos[22:29].all() and not pos[21]


def test_several_phases_have_their_own_limits():
    rng = np.random.default_rng(3)
    x = np.r_[rng.normal(10, 1, 30), rng.normal(20, 2, 30)]
    ph = ["before"] * 30 + ["after change"] * 30
    r = control_chart(x, chart="imr", phases=ph, baseline=20)
    assert [p.name for p in r.phases] == ["before", "after change"]
    assert r.phases[0].baseline == list(range(20))
    assert r.phases[1].baseline == list(range(30, 50))
    assert r.phases[0].center == pytest.approx(np.mean(x[:20]))
    assert r.phases[1].center == pytest.approx(np.mean(x[30:50]))
    assert r.center == r.phases[1].center
    assert np.isnan(r.dispersion.statistic[30])  # no moving range across the change
    assert r.center_line[29] != r.center_line[30]


def test_known_center_and_sigma_replace_the_estimates():
    x = [1.0, 2.0, 3.0, 2.0, 1.0]
    r = control_chart(x, chart="imr", center=2.5, sigma=0.5)
    assert (r.center, r.sigma, r.lcl[0], r.ucl[0]) == (2.5, 0.5, 1.0, 4.0)
    assert r.sigma_method == "known σ"


# ---------------------------------------------------------------- run rules
def _flags(x, rules, center=0.0, sigma=1.0):
    r = control_chart(np.asarray(x, float), chart="imr", center=center, sigma=sigma, rules=rules)
    return {s.rule: s.points for s in r.signals if s.chart == "location"}


@pytest.mark.parametrize(("rule", "series", "points"), [
    ("nelson1", [0, 0, 3.5, 0, -3.2], [2, 4]),
    ("nelson2", [0.5] * 9 + [-0.5], [8]),
    ("nelson3", [-2, -1.5, -1, -0.5, 0, 0.5, 0.4], [5]),
    ("nelson4", [0.5, -0.5] * 7 + [0.5, 0.6], [13, 14]),
    ("nelson5", [0, 2.5, 0, 2.4, 0, -2.1, -2.2], [3, 6]),
    ("nelson6", [1.5, 1.2, 0, 1.1, 1.3, 0], [4]),
    ("nelson7", [0.5, -0.5] * 7 + [0.1, 2], [14]),
    ("nelson8", [1.5, -1.5] * 4 + [0], [7]),
    ("we4", [0.5] * 8, [7]),
])
def test_each_rule_flags_the_completing_point(rule, series, points):
    assert _flags(series, [rule]).get(rule, []) == points


def test_runs_stop_at_a_missing_pattern():
    assert _flags([0.5] * 8 + [-0.5] + [0.5] * 8, ["nelson2"]) == {}
    assert _flags([0.5, -0.5] * 6 + [0.5, 0.5], ["nelson4"]) == {}


def test_rule_selection():
    assert parse_rules("we") == ["we1", "we2", "we3", "we4"]
    assert parse_rules("1,2, 5") == ["nelson1", "nelson2", "nelson5"]
    assert len(parse_rules("nelson")) == 8
    with pytest.raises(QbdInputError, match="unknown run rule"):
        parse_rules("9")


# ---------------------------------------------------------------- bad input
def test_bad_input_names_row_and_field():
    with pytest.raises(QbdInputError, match="np chart needs equal subgroup sizes") as e:
        control_chart([1, 2, 3], chart="np", sizes=[10, 10, 12], file="a.csv", rows=[2, 3, 4],
                      names={"size": "n"})
    assert (e.value.first.file, e.value.first.row, e.value.first.column) == ("a.csv", 4, "n")
    with pytest.raises(QbdInputError, match="not a count"):
        control_chart([1, -2, 3], chart="c")
    with pytest.raises(QbdInputError, match="not a subgroup size"):
        control_chart([1, 2, 3], chart="p", sizes=[10, 0, 10])
    with pytest.raises(QbdInputError, match="too few points"):
        control_chart([1.0], chart="imr")
    with pytest.raises(QbdInputError, match="baseline shorter"):
        control_chart([1.0, 2, 3, 4], chart="imr", baseline=1)
    with pytest.raises(QbdInputError, match="baseline shorter"):
        control_chart([1.0, 2, 3, 4], chart="imr", baseline=2, exclude=[0])
    with pytest.raises(QbdInputError, match="one value per subgroup"):
        control_chart([1.0, 2, 3], chart="imr", subgroups=["a", "a", "b"])
    with pytest.raises(QbdInputError, match="subgroup of one"):
        control_chart([1.0, 2, 3], chart="xbar-r", subgroups=["a", "a", "b"])
    with pytest.raises(QbdInputError, match="phase starts again"):
        control_chart([1.0, 2, 3, 4], chart="imr", phases=["a", "b", "a", "a"])
    with pytest.raises(QbdInputError, match="unknown chart type"):
        control_chart([1.0, 2], chart="pareto")


def test_result_round_trips_to_json():
    r = control_chart([1.0, 2, 3, 2, 1, 5], chart="imr")
    d = r.to_dict()
    assert set(d) >= {"type", "center", "lcl", "ucl", "statistic", "signals", "phases"}
    assert d["dispersion"]["statistic"][0] is None
    assert "I" in r.summary() or "imr" in r.summary()
