"""Plotly figure specifications: the numbers are the services', arranged per Plotly's schema."""

from __future__ import annotations

import json

import numpy as np
import pytest

from qbdkit.services.doe import _design_space_example, design_space
from qbdkit.services.doe_figures import contour_figure, design_space_figure, profiler_figure
from qbdkit.services.doe_profiler import ProfilerRequest, contour, profile


@pytest.fixture
def fitted(tmp_path):
    from qbdkit.services.doe import _analysis_example, analysis

    return analysis(_analysis_example(tmp_path))


def test_profiler_figure_has_a_panel_per_factor_and_the_current_line(fitted):
    prof = profile(fitted, ProfilerRequest(points=7, settings={"Time (min)": 88},
                                           goals=["Yield (%):max=78,81"]))
    fig = profiler_figure(prof, "zh")
    json.dumps(fig)  # plain JSON
    lines = [d for d in fig["data"] if d.get("fill") is None and d["mode"] == "lines"]
    # 2 factors × (1 response + desirability)
    assert len(lines) == 4
    assert lines[0]["y"] == prof.panels[0].responses["Yield (%)"].mean
    assert fig["layout"]["shapes"][0]["x0"] == 88
    assert fig["layout"]["yaxis3"]["range"][0] < 0 < 1 < fig["layout"]["yaxis3"]["range"][1]
    # the band is the interval: upper then lower reversed
    band = fig["data"][0]
    tr = prof.panels[0].responses["Yield (%)"]
    assert band["y"] == tr.upper + tr.lower[::-1]


def test_contour_figure_carries_the_grid(fitted):
    c = contour(fitted, "Yield (%)", "Time (min)", "Temperature (°F)", points=5)
    fig = contour_figure(c)
    assert fig["data"][0]["z"] == c["z"] and fig["data"][0]["type"] == "contour"


def test_design_space_figure_draws_par_and_the_section_through_the_set_point(tmp_path):
    res = design_space(_design_space_example(tmp_path)).to_dict()
    fig = design_space_figure(res, "en")
    heat = fig["data"][0]
    z = np.array(heat["z"])
    prob = np.array(res["probability"])
    assert z.shape == (len(res["axes"]["Temperature (°F)"]), len(res["axes"]["Time (min)"]))
    assert np.allclose(z, prob.T)  # rows follow the y factor
    par = [d for d in fig["data"] if d.get("name") == "PAR"]
    assert res["par"] == {"Time (min)": [81.0, 90.0], "Temperature (°F)": [170.0, 180.0]}
    sp = res["setpoint"]
    assert (par[0]["x"], par[0]["y"]) == ([81, 90], [sp["Temperature (°F)"]] * 2)
    assert (par[1]["x"], par[1]["y"]) == ([sp["Time (min)"]] * 2, [170, 180])
    nor = [s for s in fig["layout"]["shapes"] if s["line"]["dash"] == "dash"]
    assert (nor[0]["x0"], nor[0]["x1"]) == tuple(res["nor"]["ranges"]["Time (min)"])
