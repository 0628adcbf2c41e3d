"""Mixture designs (simplex lattice, simplex centroid, extreme vertices, D-optimal) against
textbook point sets (references in tests/data/doe/README.md)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from qbdkit.core.doe.design import DesignError
from qbdkit.core.doe.design.mixture import (
    make_mixture_design,
    make_region,
    scheffe_matrix,
    simplex_centroid,
    simplex_lattice,
    term_names,
    vertices,
)

FLARE = [{"name": "Mg", "low": 0.40, "high": 0.60}, {"name": "NaNO3", "low": 0.10, "high": 0.50},
         {"name": "SrNO3", "low": 0.10, "high": 0.50}, {"name": "Binder", "low": 0.03, "high": 0.08}]
#: McLean & Anderson (1966), Technometrics 8:447, flare experiment: the eight extreme vertices
FLARE_VERTICES = {(.40, .10, .47, .03), (.40, .10, .42, .08), (.60, .10, .27, .03),
                  (.60, .10, .22, .08), (.40, .47, .10, .03), (.40, .42, .10, .08),
                  (.60, .27, .10, .03), (.60, .22, .10, .08)}


def _set(x):
    return {tuple(round(float(v), 6) for v in r) for r in x}


@pytest.mark.parametrize(("q", "m"), [(3, 2), (3, 3), (4, 2), (5, 3)])
def test_simplex_lattice_counts_and_levels(q, m):
    x = simplex_lattice(q, m)
    assert len(x) == math.comb(q + m - 1, m)          # NIST e-Handbook §5.5.4.2
    assert np.allclose(x.sum(axis=1), 1)
    assert set(np.round(x * m, 9).ravel()) <= set(range(m + 1))
    assert len(_set(x)) == len(x)


def test_simplex_lattice_3_3_is_the_nist_table():
    # NIST/SEMATECH e-Handbook Table 5.3, the {3, 3} lattice (thirds)
    want = {(0, 0, 3), (0, 1, 2), (0, 2, 1), (0, 3, 0), (1, 0, 2), (1, 1, 1), (1, 2, 0), (2, 0, 1),
            (2, 1, 0), (3, 0, 0)}
    assert {tuple(round(v * 3) for v in r) for r in simplex_lattice(3, 3)} == want


def test_simplex_centroid():
    x = simplex_centroid(4)
    assert len(x) == 15
    assert sorted(int((r > 0).sum()) for r in x) == [1] * 4 + [2] * 6 + [3] * 4 + [4]


def test_extreme_vertices_mclean_anderson():
    region = make_region(FLARE)
    assert _set(vertices(region)) == FLARE_VERTICES
    d = make_mixture_design(FLARE, "extreme-vertices", randomize=False)
    assert d.point_type.count("vertex") == 8
    assert d.point_type.count("edge centroid") == 12
    centre = [list(r.values()) for r, k in zip(d.runs, d.point_type, strict=True) if k == "overall centroid"]
    assert np.allclose(centre, [[0.50, 0.2225, 0.2225, 0.055]])
    faces = make_mixture_design(FLARE, "extreme-vertices", faces=True, randomize=False)
    assert faces.point_type.count("face centroid") == 6   # the six faces of the hexahedron


def test_extreme_vertices_with_linear_constraint_reach_the_constraint():
    comps = [{"name": "A"}, {"name": "B"}, {"name": "C"}]
    d = make_mixture_design(comps, "extreme-vertices", constraints=["A + B <= 0.8", "A >= 0.1"],
                            randomize=False)
    v = np.array([list(r.values()) for r, k in zip(d.runs, d.point_type, strict=True) if k == "vertex"])
    assert _set(v) == {(0.8, 0.0, 0.2), (0.1, 0.7, 0.2), (0.1, 0.0, 0.9)}
    assert np.all(v[:, 0] + v[:, 1] <= 0.8 + 1e-12)


def test_lattice_in_pseudocomponents_and_percent_total():
    comps = [{"name": "A", "low": 20}, {"name": "B", "low": 10}, {"name": "C", "low": 0}]
    d = make_mixture_design(comps, "mixture-lattice", degree=2, total=100, randomize=False)
    x = np.array([list(r.values()) for r in d.runs])
    assert np.allclose(x.sum(axis=1), 100)
    assert x[:, 0].min() == pytest.approx(20) and x[:, 0].max() == pytest.approx(90)
    assert np.allclose(np.array(d.coded).sum(axis=1), 1)


def test_lattice_refused_when_upper_bound_cuts_the_simplex():
    with pytest.raises(DesignError, match="extreme-vertices"):
        make_mixture_design([{"name": "A", "high": 0.5}, {"name": "B"}, {"name": "C"}],
                            "mixture-lattice")


def test_empty_region_refused():
    with pytest.raises(DesignError, match="no blend"):
        make_region([{"name": "A", "low": 0.6}, {"name": "B", "low": 0.6}])


def test_d_optimal_mixture_beats_random_subsets_and_is_feasible():
    d = make_mixture_design(FLARE, "mixture-optimal", runs=12, seed=3, randomize=False)
    x = np.array([list(r.values()) for r in d.runs])
    region = make_region(FLARE)
    assert region.feasible(x).all()
    # exchange over the candidates: no random 12-subset of the candidate set does better
    from qbdkit.core.doe.design.mixture import candidate_points
    cand, _ = candidate_points(region, faces=True, axial=True)
    rng = np.random.default_rng(0)
    xm = scheffe_matrix(x, "quadratic")
    logdet = np.linalg.slogdet(xm.T @ xm)[1]
    assert logdet == pytest.approx(d.log_det)
    for _ in range(300):
        pick = cand[rng.choice(len(cand), 12, replace=True)]
        pm = scheffe_matrix(pick, "quadratic")
        s, ld = np.linalg.slogdet(pm.T @ pm)
        assert s <= 0 or ld <= logdet + 1e-9


def test_d_optimal_mixture_linear_model_picks_the_vertices():
    # for the linear Scheffé model on a simplex the D-optimal design is the pure blends
    d = make_mixture_design([{"name": "A"}, {"name": "B"}, {"name": "C"}], "mixture-optimal",
                            model="linear", runs=6, randomize=False)
    assert set(d.point_type) == {"vertex"}
    x = np.array([list(r.values()) for r in d.runs])
    assert sorted(map(tuple, x.tolist())) == sorted([(1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0)] * 2)


def test_scheffe_terms():
    assert term_names(["A", "B", "C"], "special-cubic") == ["A", "B", "C", "A*B", "A*C", "B*C", "A*B*C"]
    assert len(term_names(["A", "B", "C"], "cubic")) == 10
    assert len(term_names(["A", "B", "C", "D"], "scheffe-quadratic")) == 10


def test_result_object_round_trip():
    d = make_mixture_design([{"name": "A"}, {"name": "B"}, {"name": "C"}], "mixture-centroid", seed=4)
    again = type(d).from_dict(d.to_dict())
    assert again.to_dict() == d.to_dict()
    assert "mixture-centroid" in d.summary() and "MixtureDesign" in repr(d)
