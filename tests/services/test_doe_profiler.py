"""The prediction profiler against a hand-checkable published fit.

Reference: Montgomery, *Design and Analysis of Experiments*, 8th ed., Example 11.1 (Table 11.1,
first-order design for the method of steepest ascent): time 30–40 min, temperature 150–160 °F,
a 2² factorial with five centre points. The book's fit in coded units is
ŷ = 40.44 + 0.775 x₁ + 0.325 x₂ with residual SS 0.1772 on 6 df (its ANOVA table: model
2.8250, pure error 0.1720 on 4 df, total 3.0022). For this orthogonal design
(XᵀX)⁻¹ = diag(1/9, 1/4, 1/4) in coded units, so along x₁ with x₂ = 0 the confidence
interval is ŷ ∓ t(0.975; 6)·√(MSE·(1/9 + x₁²/4)) with t(0.975; 6) = 2.447 (t table).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from qbdkit.errors import QbdInputError
from qbdkit.services.doe import AnalysisRequest, analysis
from qbdkit.services.doe_profiler import ProfilerRequest, contour, profile

RUNS = [(30, 150, 39.3), (30, 160, 40.0), (40, 150, 40.9), (40, 160, 41.5),
        (35, 155, 40.3), (35, 155, 40.5), (35, 155, 40.7), (35, 155, 40.2), (35, 155, 40.6)]
MSE = 0.1772 / 6
T_975_6 = 2.447


@pytest.fixture
def fitted(tmp_path):
    runs = tmp_path / "ex11_1.csv"
    runs.write_text("run,Time,Temperature,Yield\n" + "".join(
        f"{i + 1},{a},{b},{y}\n" for i, (a, b, y) in enumerate(RUNS)), encoding="utf-8")
    side = tmp_path / "ex11_1.factors.yaml"
    side.write_text("factors:\n- {name: Time, low: 30, high: 40, unit: min}\n"
                    "- {name: Temperature, low: 150, high: 160, unit: °F}\n", encoding="utf-8")
    return analysis(AnalysisRequest(file=runs, factors_file=side, model="linear",
                                    responses=["Yield"]))


def test_trace_is_the_textbook_line_and_interval(fitted):
    prof = profile(fitted, ProfilerRequest(points=5))
    time_panel = prof.panels[0]
    assert time_panel.factor == "Time" and time_panel.x == [30, 32.5, 35, 37.5, 40]
    tr = time_panel.responses["Yield"]
    coded = np.array([-1, -0.5, 0, 0.5, 1])
    # ŷ = 40.44 + 0.775 x1 (x2 = 0); the book prints b0 = 40.44 (mean 364/9 = 40.444…)
    assert np.allclose(tr.mean, 40.44 + 0.775 * coded, atol=0.005)
    half = T_975_6 * np.sqrt(MSE * (1 / 9 + coded ** 2 / 4))
    assert np.allclose(np.array(tr.upper) - np.array(tr.mean), half, rtol=2e-3)
    assert np.allclose(np.array(tr.mean) - np.array(tr.lower), half, rtol=2e-3)
    # a straight line: constant slope 0.775 per coded unit = 0.155 per minute
    assert np.allclose(np.diff(tr.mean) / np.diff(time_panel.x), 0.155, atol=1e-9)


def test_moving_a_setting_moves_the_other_panel(fitted):
    base = profile(fitted, ProfilerRequest(points=3))
    moved = profile(fitted, ProfilerRequest(points=3, settings={"Time": 40}))
    temp_base = base.panels[1].responses["Yield"].mean
    temp_moved = moved.panels[1].responses["Yield"].mean
    assert np.allclose(np.array(temp_moved) - np.array(temp_base), 0.775, atol=1e-9)
    assert moved.current["Yield"].mean == pytest.approx(40.4444 + 0.775, abs=1e-3)
    # the prediction interval is wider by s²: half-width t·√(MSE·(1 + 1/9 + 1/4))
    pi = profile(fitted, ProfilerRequest(points=3, settings={"Time": 40}, interval="prediction"))
    c = pi.current["Yield"]
    assert (c.upper - c.mean) == pytest.approx(T_975_6 * math.sqrt(MSE * (1 + 1 / 9 + 1 / 4)),
                                               rel=2e-3)


def test_current_setting_between_grid_points_is_on_the_trace(fitted):
    prof = profile(fitted, ProfilerRequest(points=3, settings={"Temperature": 151}))
    assert 151.0 in prof.panels[1].x


def test_desirability_trace_is_derringer_suich(fitted):
    # maximize Yield: d = 0 below 40, (ŷ − 40)/1.5 up to 41.5, 1 above (Derringer & Suich 1980)
    prof = profile(fitted, ProfilerRequest(points=5, goals=["Yield:max=40,41.5"]))
    panel = prof.panels[0]
    mean = np.array(panel.responses["Yield"].mean)
    expect = np.clip((mean - 40) / 1.5, 0, 1)
    assert np.allclose(panel.desirability, expect)
    assert prof.desirability == pytest.approx((40.4444 - 40) / 1.5, abs=1e-3)
    assert prof.current["Yield"].desirability == pytest.approx(prof.desirability)


def test_bad_settings_name_the_factor(fitted):
    with pytest.raises(QbdInputError) as err:
        profile(fitted, ProfilerRequest(settings={"pH": 7}))
    assert err.value.first.column == "settings" and "Time" in err.value.first.expected
    with pytest.raises(QbdInputError) as err:
        profile(fitted, ProfilerRequest(settings={"Time": "abc"}))
    assert err.value.first.column == "Time"
    with pytest.raises(QbdInputError) as err:
        profile(fitted, ProfilerRequest(goals=["Titer:max=1,2"]))
    assert err.value.first.column == "--goal"


def test_contour_is_the_fitted_plane(fitted):
    c = contour(fitted, "Yield", "Time", "Temperature", points=3)
    z = np.array(c["z"])
    coded = np.array([-1, 0, 1])
    expect = 40.4444 + 0.775 * coded[None, :] + 0.325 * coded[:, None]
    assert np.allclose(z, expect, atol=1e-3)
    with pytest.raises(QbdInputError):
        contour(fitted, "Yield", "Time", "Time")


def test_profile_of_a_stored_record_refits_from_its_stored_inputs(db_url, make_team, tmp_path):
    from qbdkit.services.base import Context
    from qbdkit.services.doe import _analysis_example
    from qbdkit.services.doe_profiler import profile_record
    from qbdkit.services.projects import create_project
    from qbdkit.services.records import run_and_store

    make_team(db_url)
    create_project("mAb-1", user="sci", reason="new programme")
    (tmp_path / "in").mkdir()
    req = _analysis_example(tmp_path / "in")
    run_and_store("doe.analysis", req, Context(user="sci", url=db_url), project="mAb-1",
                  name="ccd", reason="r")
    for f in (tmp_path / "in").iterdir():
        f.unlink()  # the profile must come from the stored bytes
    prof = profile_record("mAb-1", "ccd", ProfilerRequest(points=3),
                          ctx=Context(user="view", url=db_url))
    assert [p.factor for p in prof.panels] == ["Time (min)", "Temperature (°F)"]
    # Montgomery Example 11.2: the fitted yield at the centre is 79.94 (ŷ = 79.94 + …)
    assert prof.current["Yield (%)"].mean == pytest.approx(79.94, abs=0.005)
    from qbdkit.errors import NotFound, PermissionDenied

    with pytest.raises(NotFound):
        profile_record("mAb-1", "nope", ProfilerRequest(), ctx=Context(user="view", url=db_url))
    with pytest.raises(NotFound):
        profile_record("mAb-1", "ccd", ProfilerRequest(), version=9,
                       ctx=Context(user="view", url=db_url))
    with pytest.raises((PermissionDenied, QbdInputError)):
        profile_record("mAb-1", "ccd", ProfilerRequest(), ctx=Context(user="nobody", url=db_url))


def test_concurrent_profiles_of_one_record_fit_it_once(db_url, make_team, tmp_path, monkeypatch):
    """Requests arriving while a record is being fitted wait for that fit (under 50 users the
    profiler re-fitted the same analysis in every waiting request and never filled its cache)."""
    import threading
    import time

    from qbdkit.services import doe as doe_services
    from qbdkit.services import doe_profiler
    from qbdkit.services.base import Context
    from qbdkit.services.projects import create_project
    from qbdkit.services.records import run_and_store

    make_team(db_url)
    create_project("mAb-1", user="sci", reason="new programme")
    (tmp_path / "in").mkdir()
    req = doe_services._analysis_example(tmp_path / "in")
    run_and_store("doe.analysis", req, Context(user="sci", url=db_url), project="mAb-1",
                  name="ccd", reason="r")
    monkeypatch.setattr(doe_profiler, "_cache", type(doe_profiler._cache)())
    real = doe_services.analysis
    fits = []

    def slow_analysis(r, ctx=None):
        fits.append(1)
        time.sleep(0.5)
        return real(r, ctx)

    monkeypatch.setattr(doe_services, "analysis", slow_analysis)
    errors: list[BaseException] = []

    def one() -> None:
        try:
            doe_profiler.fitted_analysis("mAb-1", "ccd", ctx=Context(user="view", url=db_url))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=one) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert len(fits) == 1
