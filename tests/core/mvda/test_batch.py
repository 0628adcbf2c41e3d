"""Batch alignment, batch evolution model (± 3 SD score limits) and batch level model.

Checks are against hand-made data (alignment) and against an independent computation
with scikit-learn's PCA on the unfolded, auto-scaled matrices (scores up to sign).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.decomposition import PCA as SkPCA

from qbdkit.core.mvda.batch import (
    BatchEvolutionModel,
    BatchLevelModel,
    align_batches,
    analyze_batches,
    unfold_batchwise,
)
from qbdkit.errors import QbdInputError


def long_frame(n_batches=8, days=15, seed=0, shift=None):
    rng = np.random.default_rng(seed)
    rows = []
    for b in range(n_batches):
        g = rng.normal(1.0, 0.05)
        for d in range(days):
            rows.append({
                "batch": f"B{b}", "day": d,
                "vcd": g * 20 / (1 + np.exp(-(d - 5))) + rng.normal(0, 0.3),
                "glucose": 6 - 0.25 * d * g + rng.normal(0, 0.1),
                "lactate": 2 * np.exp(-((d - 5) / 3) ** 2) + rng.normal(0, 0.05),
            })
    f = pd.DataFrame(rows)
    if shift:
        f.loc[f["day"] >= shift[1], shift[0]] += shift[2]
    return f


# ------------------------------------------------------------------ alignment
def test_alignment_linear_interpolation_by_hand():
    f = pd.DataFrame({
        "batch": ["A"] * 4 + ["B"] * 3,
        "t": [0.0, 1.0, 2.0, 4.0, 0.5, 2.5, 3.5],
        "x": [0.0, 10.0, 20.0, 40.0, 5.0, 25.0, 35.0],
        "y": [1.0, 1.0, 3.0, 3.0, 0.0, 2.0, np.nan],
    })
    al = align_batches(f, batch="batch", time="t", n_points=4)
    # overlap [max start, min end] = [0.5, 3.5]
    assert al.grid.tolist() == [0.5, 1.5, 2.5, 3.5]
    assert al.data[0, :, 0].tolist() == pytest.approx([5.0, 15.0, 25.0, 35.0])
    assert al.data[1, :, 0].tolist() == pytest.approx([5.0, 15.0, 25.0, 35.0])
    # y of A: 1,1,3,3 at 0,1,2,4 → 1, 2, 3, 3
    assert al.data[0, :, 1].tolist() == pytest.approx([1.0, 2.0, 3.0, 3.0])
    # y of B observed only on [0.5, 2.5]: no extrapolation beyond
    assert al.data[1, :3, 1].tolist() == pytest.approx([0.0, 1.0, 2.0])
    assert np.isnan(al.data[1, 3, 1])


def test_alignment_keeps_common_sampling_points():
    al = align_batches(long_frame(3, 5), batch="batch", time="day")
    assert al.grid.tolist() == [0, 1, 2, 3, 4]
    assert al.data.shape == (3, 5, 3)


def test_alignment_on_an_indicator():
    f = pd.DataFrame({"batch": ["A"] * 3 + ["B"] * 3, "day": [0, 1, 2] * 2,
                      "feed": [0.0, 2.0, 4.0, 0.0, 1.0, 4.0], "x": [0.0, 2.0, 4.0, 0.0, 5.0, 8.0]})
    al = align_batches(f, batch="batch", time="day", indicator="feed", n_points=3)
    assert al.maturity == "feed" and al.grid.tolist() == [0.0, 2.0, 4.0]
    assert "feed" not in al.variables
    # B: x vs feed = (0,0) (1,5) (4,8) → at feed 2: 5 + (8−5)/3 = 6
    assert al.data[1, :, al.variables.index("x")].tolist() == pytest.approx([0.0, 6.0, 8.0])


def test_indicator_must_increase():
    f = pd.DataFrame({"batch": ["A"] * 3, "day": [0, 1, 2], "feed": [0.0, 2.0, 1.0], "x": [1, 2, 3]})
    with pytest.raises(QbdInputError, match="does not increase"):
        align_batches(f, batch="batch", time="day", indicator="feed", file="b.csv")


def test_batches_without_overlap():
    f = pd.DataFrame({"batch": ["A", "A", "B", "B"], "t": [0, 1, 2, 3], "x": [1, 2, 3, 4]})
    with pytest.raises(QbdInputError, match="without overlap"):
        align_batches(f, batch="batch", time="t")


def test_bad_cells_and_duplicates_named():
    f = pd.DataFrame({"batch": ["A", "A", "B", "B"], "t": [0, 1, 0, 1], "x": ["1", "abc", "3", "4"]})
    with pytest.raises(QbdInputError) as e:
        align_batches(f, batch="batch", time="t", file="b.csv")
    p = e.value.problems[0]
    assert (p.file, p.row, p.column, p.found) == ("b.csv", 3, "x", "abc")
    f = pd.DataFrame({"batch": ["A", "A", "B", "B"], "t": [0, 0, 0, 1], "x": [1, 2, 3, 4]})
    with pytest.raises(QbdInputError, match="repeated maturity"):
        align_batches(f, batch="batch", time="t")


def test_all_missing_variable_left_out_with_note():
    f = long_frame(3, 4)
    f["empty"] = np.nan
    al = align_batches(f, batch="batch", time="day")
    assert "empty" not in al.variables and any("empty" in n for n in al.notes)


# ------------------------------------------------------------ evolution model
def _autoscale(X):
    return (X - X.mean(0)) / X.std(0, ddof=1)


def _match_sign(a, b):
    return a * np.sign(np.dot(a, b))


def test_evolution_limits_are_mean_pm_3sd_of_scores():
    al = align_batches(long_frame(), batch="batch", time="day")
    bem = BatchEvolutionModel(2).fit(al)
    nb, nj, _ = al.data.shape
    sk = SkPCA(2, svd_solver="full").fit(_autoscale(al.unfold_observationwise()))
    T = sk.transform(_autoscale(al.unfold_observationwise()))
    for a in range(2):
        ours = bem.scores_[:, :, a].ravel()
        theirs = _match_sign(T[:, a], ours).reshape(nb, nj)
        assert np.allclose(ours, theirs.ravel(), atol=1e-8)
        mean = theirs.mean(axis=0)
        sd = theirs.std(axis=0, ddof=1)
        assert np.allclose(bem.score_lower_[:, a], mean - 3 * sd, atol=1e-8)
        assert np.allclose(bem.score_upper_[:, a], mean + 3 * sd, atol=1e-8)
    # raw variables: mean ± 3 SD per day
    assert np.allclose(bem.variable_upper_, al.data.mean(0) + 3 * al.data.std(0, ddof=1))


def test_projection_flags_the_drifting_points():
    train = align_batches(long_frame(10, seed=1), batch="batch", time="day")
    bem = BatchEvolutionModel(2).fit(train)
    # the training batches themselves project onto their own scores
    again = bem.project(train)
    assert np.allclose(again.scores, bem.scores_, atol=1e-9)
    # a new batch = the at-scale mean trajectory, with lactate + 3 g/L from day 9 on
    mean = train.data.mean(axis=0)
    f = pd.DataFrame(mean, columns=train.variables)
    f.insert(0, "day", train.grid)
    f.insert(0, "batch", "N1")
    f.loc[f["day"] >= 9, "lactate"] += 3.0
    new = align_batches(f, batch="batch", time="day", grid=train.grid)
    p = bem.project(new)
    var_out = sorted({(o["what"], o["maturity"]) for o in p.outside if o["kind"] == "variable"})
    assert var_out == [("lactate", float(d)) for d in range(9, 15)]
    # the scores of the mean trajectory are the mean scores; they leave the band at day 9
    assert np.allclose(p.scores[0, :9], bem.score_mean_[:9], atol=1e-9)
    assert p.first_outside == {"N1": 9.0}


def test_projection_with_missing_grid_points():
    train = align_batches(long_frame(6), batch="batch", time="day")
    bem = BatchEvolutionModel(2).fit(train)
    f = long_frame(1, seed=5)
    f = f[f["day"] <= 9]  # an unfinished batch
    new = align_batches(f, batch="batch", time="day", grid=train.grid)
    p = bem.project(new)
    assert np.isnan(p.scores[0, 10:]).all() and np.isfinite(p.scores[0, :10]).all()


def test_mismatched_variables():
    train = align_batches(long_frame(5), batch="batch", time="day")
    bem = BatchEvolutionModel(2).fit(train)
    f = long_frame(2).drop(columns="lactate")
    new = align_batches(f, batch="batch", time="day", grid=train.grid)
    with pytest.raises(QbdInputError, match="missing from the new batches"):
        bem.project(new)


# ---------------------------------------------------------------- level model
def test_level_model_matches_sklearn_and_flags_outlier():
    train = align_batches(long_frame(12, seed=3), batch="batch", time="day")
    blm = BatchLevelModel(2).fit(train)
    X = unfold_batchwise(train)
    assert X.shape == (12, 15 * 3) and X.columns[0] == "vcd@0"
    Xs = X.to_numpy()
    sd = Xs.std(0, ddof=1)
    keep = sd > 1e-12
    sk = SkPCA(2, svd_solver="full").fit_transform(_autoscale(Xs[:, keep]))
    for a in range(2):
        assert np.allclose(blm.scores_[:, a], _match_sign(sk[:, a], blm.scores_[:, a]), atol=1e-8)
    new = align_batches(long_frame(1, seed=4, shift=("vcd", 3, 15.0)), batch="batch", time="day",
                        grid=train.grid)
    p = blm.project(new)
    assert p.inside_ellipse == [False] or p.below_spe_limit == [False]
    same = blm.project(align_batches(long_frame(12, seed=3), batch="batch", time="day",
                                     grid=train.grid))
    assert np.allclose(same.scores, blm.scores_, atol=1e-9)


def test_level_model_with_final_attributes():
    train = align_batches(long_frame(8), batch="batch", time="day")
    final = pd.DataFrame({"aggregate": np.linspace(1.8, 2.2, 8)}, index=train.batches)
    blm = BatchLevelModel(2).fit(train, final)
    assert "final:aggregate" in blm.columns_ and blm.final_ == ["aggregate"]
    p = blm.project(train, final)
    assert np.allclose(p.scores, blm.scores_, atol=1e-9)
    with pytest.raises(QbdInputError, match="final quality attributes missing"):
        BatchLevelModel(2).fit(train, final.iloc[:5])


def test_analyze_batches_result_is_json_ready():
    train = align_batches(long_frame(6), batch="batch", time="day")
    new = align_batches(long_frame(2, seed=9), batch="batch", time="day", grid=train.grid)
    res, _, _ = analyze_batches(train, new)
    d = res.to_dict()
    assert d["grid"] == list(range(15)) and d["projected"]["batches"] == ["B0", "B1"]
    assert len(d["evolution"]["score_lower"]) == 15
    assert "Batch models" in res.summary()


def test_too_few_batches():
    with pytest.raises(QbdInputError, match="too few batches"):
        BatchEvolutionModel(2).fit(align_batches(long_frame(2), batch="batch", time="day"))


def test_pls_evolution_model_on_maturity():
    from qbdkit.core.mvda.pls import PLS

    train = align_batches(long_frame(8, seed=11), batch="batch", time="day")
    bem = BatchEvolutionModel(2, method="pls").fit(train)
    nb, nj, _ = train.data.shape
    ref = PLS(2, cross_validate=False).fit(train.unfold_observationwise(),
                                           np.tile(train.grid, nb)[:, None])
    assert np.allclose(bem.scores_.reshape(nb * nj, 2), ref.scores_, atol=1e-9)
    assert np.allclose(bem.score_upper_, bem.scores_.mean(0) + 3 * bem.scores_.std(0, ddof=1))
    p = bem.project(train)
    assert p.predicted_maturity.shape == (nb, nj)
    # maturity is well predicted from these trajectories (R² of the PLS fit > 0.9)
    resid = p.predicted_maturity - train.grid[None, :]
    assert 1 - resid.var() / np.tile(train.grid, nb).var() > 0.9
    with pytest.raises(QbdInputError, match="unknown batch evolution method"):
        BatchEvolutionModel(2, method="xyz").fit(train)


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=30, deadline=None)
@given(st.lists(st.lists(st.floats(0.05, 3.0), min_size=2, max_size=8), min_size=2, max_size=5),
       st.floats(-5, 5), st.floats(-3, 3), st.integers(2, 9))
def test_alignment_is_exact_for_linear_trajectories(steps, a, b, n_points):
    """x = a + b·t sampled at any increasing times aligns to a + b·grid exactly."""
    rows = []
    for i, st_ in enumerate(steps):
        t = np.concatenate([[0.0], np.cumsum(st_)]) + 0.1 * i
        rows += [{"batch": f"B{i}", "t": tt, "x": a + b * tt} for tt in t]
    f = pd.DataFrame(rows)
    starts = f.groupby("batch")["t"].min().max()
    ends = f.groupby("batch")["t"].max().min()
    if not starts < ends:
        with pytest.raises(QbdInputError, match="without overlap"):
            align_batches(f, batch="batch", time="t", n_points=n_points)
        return
    al = align_batches(f, batch="batch", time="t", n_points=n_points)
    assert al.grid[0] == pytest.approx(starts) and al.grid[-1] == pytest.approx(ends)
    assert np.allclose(al.data[:, :, 0], a + b * al.grid[None, :], atol=1e-9)


@pytest.mark.parametrize(("n", "k"), [(25, 200), (300, 20)])
def test_fold_spe_equals_pca_spe(n, k):
    from qbdkit.core.mvda import PCA
    from qbdkit.core.mvda.batch import _fold_spe

    rng = np.random.default_rng(0)
    X = rng.normal(size=(n + 5, k)) @ rng.normal(size=(k, k))
    train, test = X[:n], X[n:]
    ref = PCA(3, cross_validate=False).fit(train).diagnose(test).spe
    assert np.allclose(_fold_spe(train, test, 3, "uv"), ref, rtol=1e-9)
    test_missing = test.copy()
    test_missing[0, 0] = np.nan  # falls back to the PCA class (projection to the model plane)
    ref_m = PCA(3, cross_validate=False).fit(train).diagnose(test_missing).spe
    assert np.allclose(_fold_spe(train, test_missing, 3, "uv"), ref_m, rtol=1e-9)


def test_projected_dmodx_is_the_new_observation_form():
    train = align_batches(long_frame(6, seed=21), batch="batch", time="day")
    bem = BatchEvolutionModel(2).fit(train)
    p = bem.project(train)
    n = bem.pca_.n_samples_
    # training DModX carries the factor sqrt(n/(n − A − 1)) (SIMCA); new observations do not
    assert np.allclose(p.dmodx * np.sqrt(n / (n - 2 - 1)), bem.dmodx_, rtol=1e-10)
    assert p.dmodx_limit == pytest.approx(bem.pca_.dmodx_limit(0.95))
