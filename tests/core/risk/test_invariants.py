"""Property tests (hypothesis) for invariants of the risk tools."""

import itertools

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from qbdkit.core.risk import AP_RANK, cause_and_effect, fmea

corr = st.sampled_from([0, 1, 3, 9])


@st.composite
def ce_matrices(draw):
    n_in = draw(st.integers(1, 8))
    n_out = draw(st.integers(1, 5))
    weights = draw(st.lists(st.integers(1, 10), min_size=n_out, max_size=n_out))
    cells = draw(st.lists(st.lists(corr, min_size=n_out, max_size=n_out), min_size=n_in,
                          max_size=n_in))
    return weights, cells


@settings(max_examples=60, deadline=None)
@given(ce_matrices())
def test_ce_scores_ranks_and_pareto(m):
    weights, cells = m
    outs = [f"y{j}" for j in range(len(weights))]
    frame = pd.DataFrame([["weight", *weights]] + [[f"x{i}", *c] for i, c in enumerate(cells)],
                         columns=["input", *outs])
    r = cause_and_effect(frame)
    want = dict(zip([f"x{i}" for i in range(len(cells))],
                    (np.asarray(cells) @ np.asarray(weights)).tolist(), strict=True))
    assert {i["name"]: i["score"] for i in r.inputs} == want
    scores = [i["score"] for i in r.inputs]
    assert scores == sorted(scores, reverse=True)
    cum = [i["cumulative_pct"] for i in r.inputs]
    assert all(a <= b + 1e-12 for a, b in itertools.pairwise(cum))
    if sum(scores) > 0:
        assert abs(cum[-1] - 100.0) < 1e-9
    ranks = [i["rank"] for i in r.inputs]
    assert ranks[0] == 1 and all(a <= b for a, b in itertools.pairwise(ranks))
    # a higher score never gets a worse (larger) rank
    for a in r.inputs:
        for b in r.inputs:
            if a["score"] > b["score"]:
                assert a["rank"] < b["rank"]


rating = st.integers(1, 10)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(rating, rating, rating), min_size=1, max_size=12))
def test_fmea_rank_is_a_permutation_ordered_by_ap_then_rpn(triples):
    frame = pd.DataFrame({"id": [f"F{i}" for i in range(len(triples))], "step": "s",
                          "failure_mode": "m", "effect": "e", "cause": "c",
                          "severity": [t[0] for t in triples],
                          "occurrence": [t[1] for t in triples],
                          "detection": [t[2] for t in triples]})
    r = fmea(frame)
    assert sorted(row["rank"] for row in r.rows) == list(range(1, len(triples) + 1))
    ranked = r.ranked()
    keys = [(AP_RANK[row["ap"]], -row["rpn"]) for row in ranked]
    assert keys == sorted(keys)
    assert sum(r.summary_counts.values()) == len(triples)
    assert all(1 <= row["rpn"] <= 1000 for row in r.rows)
