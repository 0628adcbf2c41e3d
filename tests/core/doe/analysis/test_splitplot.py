"""Split-plot REML analysis against Montgomery DAE 8th ed. Table 14.16/14.17 (paper strength;
tests/data/doe/README.md gives the published sums of squares and the derived REML figures)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from qbdkit.core.doe.analysis.splitplot import analyze_split_plot
from qbdkit.core.doe.design import make_space
from qbdkit.core.doe.design.splitplot import split_plot_design
from qbdkit.errors import QbdInputError

DATA = Path(__file__).parents[3] / "data" / "doe" / "montgomery_ex14_paper_splitplot.csv"
#: Montgomery Table 14.17 (two decimals)
SS = {"rep": 77.55, "A": 128.39, "repA": 36.28, "B": 434.08, "repB": 20.67, "AB": 75.17,
      "repAB": 50.83}


def _fit():
    frame = pd.read_csv(DATA)
    res = analyze_split_plot(frame, ["Strength"], "WholePlot",
                             model="Strength ~ C(Rep) + C(Pulp) * C(Temperature)", file=DATA.name)
    return res.fits[0]


def test_paper_strength_variance_components_and_f_tests():
    fit = _fit()
    s2 = (SS["repB"] + SS["repAB"]) / 18
    s2_wp = (SS["repA"] / 4 - s2) / 4
    assert fit.var_residual == pytest.approx(s2, abs=5e-3)        # 3.972, 2-decimal SS
    assert fit.var_whole_plot == pytest.approx(s2_wp, abs=5e-3)   # 1.274
    assert (fit.df_whole_plot, fit.df_subplot) == (4, 18)
    tests = {t.term: t for t in fit.tests}
    assert tests["Pulp"].stratum == "whole plot" and tests["Pulp"].df_den == 4
    assert tests["Pulp"].f == pytest.approx((SS["A"] / 2) / (SS["repA"] / 4), abs=5e-3)
    assert tests["Temperature"].stratum == "subplot" and tests["Temperature"].df_den == 18
    assert tests["Temperature"].f == pytest.approx((SS["B"] / 3) / s2, abs=0.02)
    assert tests["Pulp:Temperature"].f == pytest.approx((SS["AB"] / 6) / s2, abs=5e-3)
    assert tests["Rep"].stratum == "whole plot"
    assert round(tests["Pulp"].f, 2) == 7.08 and round(tests["Temperature"].f, 2) == 36.43
    assert round(tests["Pulp:Temperature"].f, 2) == 3.15


def test_whole_plot_column_and_response_checked():
    frame = pd.read_csv(DATA)
    with pytest.raises(QbdInputError, match="whole-plot column"):
        analyze_split_plot(frame, ["Strength"], "Batch", model="Strength ~ C(Pulp)")
    frame["Each"] = range(len(frame))
    with pytest.raises(QbdInputError, match="its own whole plot"):
        analyze_split_plot(frame, ["Strength"], "Each", model="Strength ~ C(Pulp)")


def test_split_plot_design_restricts_randomisation():
    space = make_space([{"name": "Temperature", "low": 35, "high": 37},
                        {"name": "pH", "low": 6.8, "high": 7.2},
                        {"name": "Feed", "low": 2, "high": 4}, {"name": "DO", "low": 30, "high": 50}])
    d = split_plot_design(space, ["Temperature", "pH"], replicates=2, seed=3)
    assert d.n_whole_plots == 8 and d.n_runs == 32
    frame = pd.DataFrame(d.runs).assign(wp=d.block)
    # one setting of the hard-to-change factors per whole plot, runs of a whole plot contiguous
    assert (frame.groupby("wp")[["Temperature", "pH"]].nunique() == 1).all().all()
    assert all(np.diff(d.block) >= 0)
    # every whole plot holds the full 2² factorial of the subplot factors
    assert (frame.groupby("wp")[["Feed", "DO"]].apply(lambda g: len(g.drop_duplicates())) == 4).all()
    # each whole-plot treatment twice
    assert (frame.groupby(["Temperature", "pH"])["wp"].nunique() == 2).all()
    # randomised within whole plots (seeded): not all in standard order
    assert d.std_order != sorted(d.std_order)
    again = split_plot_design(space, ["Temperature", "pH"], replicates=2, seed=3)
    assert again.to_dict() == d.to_dict()


def test_named_model_on_a_generated_design():
    space = make_space([{"name": "Temperature", "low": 35, "high": 37},
                        {"name": "Feed", "low": 2, "high": 4}])
    d = split_plot_design(space, ["Temperature"], replicates=3, seed=1)
    frame = pd.DataFrame(d.coded, columns=["Temperature", "Feed"]).assign(wp=d.block)
    rng = np.random.default_rng(0)
    wp_effect = rng.normal(0, 1.0, d.n_whole_plots + 1)
    frame["Titer"] = (5 + 1.5 * frame.Temperature + 0.8 * frame.Feed + wp_effect[frame.wp]
                      + rng.normal(0, 0.3, len(frame)))
    fit = analyze_split_plot(frame, ["Titer"], "wp", model="interaction",
                             factors=[("Temperature", True), ("Feed", True)]).fits[0]
    tests = {t.term: t for t in fit.tests}
    assert tests["Temperature"].stratum == "whole plot" and tests["Temperature"].df_den == 4
    assert tests["Feed"].stratum == "subplot" and tests["Temperature:Feed"].stratum == "subplot"
    assert fit.df_subplot == 12 - 6 - 2


def test_quadratic_on_two_levels_drops_squares_and_singular_model_is_refused():
    space = make_space([{"name": "Temperature", "low": 35, "high": 37},
                        {"name": "Feed", "low": 2, "high": 4}])
    d = split_plot_design(space, ["Temperature"], replicates=3, seed=1)
    frame = pd.DataFrame(d.coded, columns=["Temperature", "Feed"]).assign(wp=d.block)
    frame["Titer"] = 5 + frame.Temperature + 0.1 * np.arange(len(frame)) % 0.7
    res = analyze_split_plot(frame, ["Titer"], "wp", model="quadratic",
                             factors=[("Temperature", True), ("Feed", True)])
    assert "I(" not in res.fits[0].formula and "two levels" in res.notes[0]
    with pytest.raises(QbdInputError, match="not estimable"):
        analyze_split_plot(frame, ["Titer"], "wp", model="Titer ~ Temperature*Feed + I(Feed**2)")
