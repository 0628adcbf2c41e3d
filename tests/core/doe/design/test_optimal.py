"""Optimal designs and augmentation (properties; optimality is checked against known designs).

Known optima: for the main-effects model in 2 factors and 4 runs the 2² factorial is
D-optimal (D-efficiency 100); for 3 factors, 15 runs and the quadratic model the D-optimal
design must do at least as well as the Box-Behnken design (it is in the candidate set).
"""

from __future__ import annotations

import numpy as np
import pytest

from qbdkit.core.doe.design import (
    DesignError,
    build_model,
    coordinate_exchange,
    evaluate_design,
    make_design,
    make_space,
)
from qbdkit.core.doe.design.augment import augment


def space(k, **kw):
    return make_space([{"name": f"X{i + 1}", "low": 0, "high": 10} for i in range(k)], **kw)


def test_linear_two_factor_is_factorial():
    d = make_design(space(2), "d-optimal", model="linear", runs=4)
    assert d.d_efficiency == pytest.approx(100)
    assert sorted(map(tuple, d.coded_array.tolist())) == [(-1, -1), (-1, 1), (1, -1), (1, 1)]


def test_d_optimal_beats_box_behnken_at_equal_runs():
    sp = space(3)
    bbd = make_design(sp, "bbd")
    opt = make_design(sp, "d-optimal", model="quadratic", runs=15, starts=20)
    assert opt.d_efficiency >= bbd.d_efficiency - 1e-9


def test_seed_reproducible_and_changes():
    sp = space(4)
    a = make_design(sp, "d-optimal", model="interaction", runs=16, seed=5)
    b = make_design(sp, "d-optimal", model="interaction", runs=16, seed=5)
    assert a.coded == b.coded and a.run_order == b.run_order


def test_i_optimal_has_lower_average_variance_than_d_optimal():
    sp = space(3)
    m = build_model(sp, "quadratic")
    di = coordinate_exchange(sp, m, 14, criterion="I", seed=2)
    dd = coordinate_exchange(sp, m, 14, criterion="D", seed=2)
    ev_i = evaluate_design(sp, di.coded, m)
    ev_d = evaluate_design(sp, dd.coded, m)
    avg = lambda ev: float(np.mean(ev.fds_variance))  # noqa: E731
    assert avg(ev_i) <= avg(ev_d) + 1e-9
    assert ev_d.d_efficiency >= ev_i.d_efficiency - 1e-9


def test_constraints_and_disallowed_respected():
    sp = space(3, constraints=["X1 + X2 <= 12"], disallowed=[{"X3": [8, 10], "X1": [8, 10]}])
    d = make_design(sp, "d-optimal", model="quadratic", runs=16)
    for r in d.runs:
        assert r["X1"] + r["X2"] <= 12 + 1e-9
        assert not (r["X3"] >= 8 and r["X1"] >= 8)


def test_categorical_factor_and_blocks():
    sp = make_space([{"name": "T", "low": 30, "high": 37},
                     {"name": "Resin", "type": "categorical", "levels": ["A", "B", "C"]}])
    d = make_design(sp, "d-optimal", model="interaction", runs=12, blocks=2)
    assert {r["Resin"] for r in d.runs} == {"A", "B", "C"}
    assert sorted(d.block) == [1] * 6 + [2] * 6
    assert d.d_efficiency is not None


def test_too_few_runs():
    with pytest.raises(DesignError, match=r"too few runs for the model.*21 parameters"):
        make_design(space(5), "d-optimal", model="quadratic", runs=12)


def test_custom_formula():
    d = make_design(space(3), "d-optimal", model="X1 + X2 + X3 + X1:X2 + I(X1**2)", runs=8)
    assert d.evaluation.columns == ["Intercept", "X1", "X2", "X3", "X1:X2", "X1^2"]


def test_foldover_raises_resolution():
    sp = space(7)
    d = make_design(sp, "fractional", resolution=3, randomize=False)
    new, blocks = augment(sp, d.coded_array, "foldover")
    ev = evaluate_design(sp, new, "linear")
    assert len(new) == 16 and ev.resolution == 4
    assert blocks.tolist() == [1] * 8 + [2] * 8


def test_axial_and_optimal_augmentation():
    sp = space(3)
    base = make_design(sp, "full", randomize=False).coded_array
    ccd, _ = augment(sp, base, "axial", alpha=1.0, center=2)
    assert evaluate_design(sp, ccd, "quadratic").estimable
    aug, blk = augment(sp, base, "optimal", model="quadratic", runs=6, seed=3)
    assert np.array_equal(aug[:8], base) and blk.tolist() == [1] * 8 + [2] * 6  # existing runs kept
    assert evaluate_design(sp, aug, "quadratic").estimable
    with pytest.raises(DesignError, match="add at least"):
        augment(sp, base, "optimal", model="quadratic", runs=1)


def test_small_grid_d_optimal_is_a_point_exchange_optimum():
    # on a small grid the D search ends where no replacement of a run by a grid point raises det(X'X)
    sp = space(3)
    m = build_model(sp, "quadratic")
    res = coordinate_exchange(sp, m, 14, criterion="D", seed=4)
    grid = np.array([[a, b, c] for a in (-1, 0, 1) for b in (-1, 0, 1) for c in (-1, 0, 1)], dtype=float)
    x, g = m.matrix(res.coded), m.matrix(grid)
    base = np.linalg.slogdet(x.T @ x)[1]
    assert res.value == pytest.approx(base)
    for i in range(len(x)):
        for row in g:
            y = x.copy()
            y[i] = row
            sign, logdet = np.linalg.slogdet(y.T @ y)
            assert sign <= 0 or logdet <= base + 1e-9


def test_constrained_d_optimal_reaches_the_constraint_line():
    """X1 + X2 ≤ 13 cuts the cube at X1 = 10, X2 = 3 and X1 = 3, X2 = 10 — coded 0.3, not a point
    of the −1, −½, 0, ½, 1 grid. With the polytope's vertices and edge midpoints among the
    candidates, the D-optimal design puts runs on the line (exactly) and is at least as good."""
    from qbdkit.core.doe.design.optimal import boundary_points

    sp = space(2, constraints=["X1 + X2 <= 13"])
    m = build_model(sp, "quadratic")
    with_edges = coordinate_exchange(sp, m, 10, seed=1)
    grid_only = coordinate_exchange(sp, m, 10, seed=1, boundary=False)
    actual = with_edges.coded * 5 + 5
    on_line = np.abs(actual.sum(axis=1) - 13) <= 1e-9
    assert on_line.sum() >= 2
    assert np.all(actual.sum(axis=1) <= 13 + 1e-9)
    assert with_edges.value >= grid_only.value - 1e-12
    assert not np.any(np.abs((grid_only.coded * 5 + 5).sum(axis=1) - 13) <= 1e-9)
    ev_edges = evaluate_design(sp, with_edges.coded, m).d_efficiency
    ev_grid = evaluate_design(sp, grid_only.coded, m).d_efficiency
    assert ev_edges >= ev_grid
    pts = boundary_points(sp) * 5 + 5
    assert {(10.0, 3.0), (3.0, 10.0), (0.0, 0.0), (10.0, 0.0), (0.0, 10.0)} <= {
        tuple(np.round(p, 9)) for p in pts}


def test_make_design_constrained_runs_on_the_boundary():
    sp = space(3, constraints=["X1 + X2 <= 13"])
    d = make_design(sp, "d-optimal", model="quadratic", runs=14, seed=2)
    s = np.array([r["X1"] + r["X2"] for r in d.runs])
    assert np.all(s <= 13 + 1e-9) and np.any(np.abs(s - 13) <= 1e-9)
