"""Property tests (hypothesis) for design invariants."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qbdkit.core.doe.design import evaluate_design, make_design, make_space
from qbdkit.core.doe.design.catalogue import load_catalogue
from qbdkit.core.doe.design.evaluate import generalized_wlp
from qbdkit.core.doe.design.fractional import fraction_matrix

KEYS = sorted(k for k in load_catalogue() if k[1] <= 10)


@settings(max_examples=30, deadline=None)
@given(st.sampled_from(KEYS), st.randoms(use_true_random=False))
def test_wlp_invariant_under_relabelling_and_sign_changes(key, rnd):
    """The word-length pattern is a property of the design, not of its labels or level signs."""
    e = load_catalogue()[key]
    d = fraction_matrix(e["basic"], e["generators"])
    perm = list(range(d.shape[1]))
    rnd.shuffle(perm)
    signs = np.array([rnd.choice([-1.0, 1.0]) for _ in perm])
    rows = list(range(d.shape[0]))
    rnd.shuffle(rows)
    d2 = d[rows][:, perm] * signs
    g = generalized_wlp(d2)
    assert [round(v) for v in g] == e["word_length_pattern"][: len(g)]


@settings(max_examples=40, deadline=None)
@given(st.floats(-1e4, 1e4), st.floats(1e-3, 1e4), st.lists(st.floats(-1, 1), min_size=1, max_size=20))
def test_coding_roundtrip(low, width, z):
    sp = make_space([{"name": "A", "low": low, "high": low + width}])
    f = sp.factors[0]
    z = np.array(z)
    assert np.allclose(f.to_coded(f.to_actual(z)), z, atol=1e-6)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.floats(0.2, 1.8), st.floats(0.2, 1.8), st.integers(0, 1000))
def test_optimal_designs_respect_random_constraints(a, b, seed):
    sp = make_space([{"name": "A", "low": 0, "high": 1}, {"name": "B", "low": 0, "high": 1},
                     {"name": "C", "low": 0, "high": 1}], [f"{a}*A + {b}*B <= 1.2"])
    d = make_design(sp, "d-optimal", model="interaction", runs=10, seed=seed, starts=3)
    for r in d.runs:
        assert a * r["A"] + b * r["B"] <= 1.2 + 1e-9


@settings(max_examples=15, deadline=None)
@given(st.integers(2, 6), st.integers(0, 3), st.integers(1, 3), st.integers(0, 10_000))
def test_run_order_is_a_permutation_and_evaluation_is_order_free(k, center, reps, seed):
    sp = make_space([{"name": f"X{i}", "low": 0, "high": 1} for i in range(k)])
    d = make_design(sp, "full", center=center, replicates=reps, seed=seed)
    n = (2**k + center) * reps
    assert len(d.runs) == n and d.run_order == list(range(1, n + 1))
    assert sorted(d.std_order) == sorted(list(range(1, 2**k + center + 1)) * reps)
    ev = evaluate_design(sp, d.coded_array[::-1], d.model)
    assert abs(ev.d_efficiency - d.d_efficiency) < 1e-9
