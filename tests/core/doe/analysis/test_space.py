"""Probabilistic design space (Peterson 2004/2008): probabilities against independent
computations of the same posterior predictive.

References used as the "truth":
* single response, no set-point noise: the exact Student-t predictive
  P = F_{n−p}((U − ŷ)/(s√(1+h))) − F_{n−p}((L − ŷ)/(s√(1+h)))
  (Box & Tiao 1973 §2.7; Peterson 2004 eq. 4 with r = 1), scipy.stats.t;
* several responses: brute-force draws from scipy.stats.multivariate_t with the
  Peterson (2004) parameters (df n − p − r + 1, shape (1 + h)S/df), one point at a time.
Tolerance: |ours − reference| ≤ 3·√(SE_ours² + SE_ref²) (Monte Carlo), or 3 SE
against the exact value; the tests use fixed seeds, so they are deterministic.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from qbdkit.core.doe.analysis import space as space_mod
from qbdkit.core.doe.analysis.posterior import fit_posterior
from qbdkit.core.doe.analysis.space import (
    ProbabilityEngine,
    Spec,
    combine_specs,
    design_space,
    largest_box,
    parse_spec,
    run_containing,
)
from qbdkit.core.doe.analysis.space_model import SurfaceModel
from qbdkit.errors import QbdInputError


def _data(r: int = 3, n: int = 20, seed: int = 1):
    rng = np.random.default_rng(seed)
    model = SurfaceModel(("A", "B"), (0.0, 0.0), (10.0, 20.0), "quadratic")
    x = rng.uniform([0, 0], [10, 20], (n, 2))
    z = model.rows(x)
    b = rng.normal(size=(model.p, r))
    cov = 0.25 * (0.5 * np.eye(r) + 0.5)
    y = z @ b + rng.multivariate_normal(np.zeros(r), cov, n)
    names = tuple(f"y{j}" for j in range(r))
    return model, z, y, fit_posterior(z, y, terms=model.terms, responses=names)


def test_single_response_matches_exact_student_t():
    model, z, y, post = _data(r=1)
    specs = {"y0": (-0.5, 1.0)}
    eng = ProbabilityEngine(post, model.rows, specs, draws=20_000, seed=11)
    pts = np.array([[1.0, 3.0], [5.0, 10.0], [8.0, 17.0], [2.5, 15.0], [9.0, 2.0]])
    p, se = eng.probability(pts)
    zp = model.rows(pts)
    fit = np.linalg.lstsq(z, y[:, 0], rcond=None)
    bhat = fit[0]
    n, k = z.shape
    s2 = float(((y[:, 0] - z @ bhat) ** 2).sum() / (n - k))
    h = np.einsum("ij,jk,ik->i", zp, np.linalg.inv(z.T @ z), zp)
    scale = np.sqrt(s2 * (1 + h))
    exact = stats.t.cdf((1.0 - zp @ bhat) / scale, n - k) - stats.t.cdf((-0.5 - zp @ bhat) / scale, n - k)
    exact_se = np.sqrt(exact * (1 - exact) / 20_000)
    assert np.all(np.abs(p - exact) <= 3 * exact_se + 1e-12), (p, exact)
    assert np.allclose(se, np.sqrt(p * (1 - p) / 20_000))


@pytest.mark.parametrize("use_bits", [True, False])
def test_joint_probability_matches_brute_force_multivariate_t(monkeypatch, use_bits):
    if not use_bits:
        monkeypatch.setattr(space_mod, "BITSET_BUDGET", 0)
    model, z, y, post = _data(r=3)
    specs = {"y0": (-2.0, 1.5), "y1": (-math.inf, 0.8), "y2": (-1.0, math.inf)}
    draws = 20_000
    eng = ProbabilityEngine(post, model.rows, specs, draws=draws, seed=5)
    assert (eng._draws.bits is not None) == use_bits
    rng = np.random.default_rng(99)
    pts = rng.uniform([0, 0], [10, 20], (8, 2))
    p, se = eng.probability(pts)
    lows = np.array([-2.0, -np.inf, -1.0])
    highs = np.array([1.5, 0.8, np.inf])
    n, k = z.shape
    s = (y - z @ np.linalg.lstsq(z, y, rcond=None)[0])
    sscp = s.T @ s
    df = n - k - 3 + 1
    xtx_inv = np.linalg.inv(z.T @ z)
    bhat = np.linalg.lstsq(z, y, rcond=None)[0]
    for i, x in enumerate(pts):
        zi = model.rows(x[None])[0]
        h = zi @ xtx_inv @ zi
        d = stats.multivariate_t(loc=zi @ bhat, shape=(1 + h) * sscp / df, df=df).rvs(
            100_000, random_state=i)
        ref = np.mean(np.all((d >= lows) & (d <= highs), axis=1))
        tol = 3 * math.sqrt(se[i] ** 2 + ref * (1 - ref) / 100_000)
        assert abs(p[i] - ref) <= tol + 1e-12, (i, p[i], ref, tol)
    assert 0.0 < p.min() < p.max() < 1.0  # the points exercise real probabilities


def test_set_point_noise_matches_explicit_simulation():
    """Ours (y = B̂ᵀz(x+δ) + √(1+h(x+δ))·T) against the explicit hierarchy written here with
    scipy and numpy only: Σ ~ invwishart(n − p, S), B | Σ ~ MN(B̂, (XᵀX)⁻¹, Σ), δ ~ N(0, σ²),
    y = Bᵀz(x + δ) + e, e ~ N(0, Σ) (Peterson 2004 with set-point noise as in JMP)."""
    model, z, y, post = _data(r=2)
    specs = {"y0": (-1.0, 1.5), "y1": (-math.inf, 0.8)}
    sd = np.array([0.6, 1.5])
    draws = 40_000
    eng = ProbabilityEngine(post, model.rows, specs, draws=draws, seed=3, noise_sd=sd)
    eng0 = ProbabilityEngine(post, model.rows, specs, draws=draws, seed=3)
    pts = np.array([[3.0, 6.0], [6.0, 12.0], [8.0, 4.0]])
    p, se = eng.probability(pts)
    p0, _ = eng0.probability(pts)
    n, k = z.shape
    bhat = np.linalg.lstsq(z, y, rcond=None)[0]
    res = y - z @ bhat
    s = res.T @ res
    c = np.linalg.cholesky(np.linalg.inv(z.T @ z))
    rng = np.random.default_rng(8)
    m = 100_000
    sig = stats.invwishart(df=n - k, scale=s).rvs(m, random_state=rng)
    ls = np.linalg.cholesky(sig)
    b = bhat[None] + (c[None] @ rng.standard_normal((m, k, 2))) @ np.swapaxes(ls, 1, 2)
    for i, x in enumerate(pts):
        zz = model.rows(x + rng.standard_normal((m, 2)) * sd)
        yy = np.einsum("mp,mpr->mr", zz, b) + (ls @ rng.standard_normal((m, 2, 1)))[:, :, 0]
        ref = np.mean((yy[:, 0] >= -1) & (yy[:, 0] <= 1.5) & (yy[:, 1] <= 0.8))
        tol = 3 * math.sqrt(se[i] ** 2 + ref * (1 - ref) / m)
        assert abs(p[i] - ref) <= tol, (i, p[i], ref)
    assert np.any(np.abs(p - p0) > 0.02)  # the noise really changes the answer here


def test_posterior_draws_moments():
    """E[Σ] = S/(ν − r − 1) for the inverse Wishart; Cov(vec B | data) = E[Σ] ⊗ (XᵀX)⁻¹."""
    _model, z, _y, post = _data(r=2, n=30)
    rng = np.random.default_rng(0)
    b, chol = post.sample_parameters(40_000, rng)
    sig = chol @ np.swapaxes(chol, 1, 2)
    nu = post.df_sigma
    expected = post.residual_sscp / (nu - 2 - 1)
    assert np.allclose(sig.mean(axis=0), expected, rtol=0.05, atol=0.01 * np.abs(expected).max())
    assert np.allclose(b.mean(axis=0), post.coefficients, atol=0.05)
    xtx_inv = np.linalg.inv(z.T @ z)
    cov_b00 = np.var(b[:, 1, 0])
    assert cov_b00 == pytest.approx(expected[0, 0] * xtx_inv[1, 1], rel=0.05)


def test_reproducible_with_seed_and_sensitive_to_it():
    model, _z, _y, post = _data(r=2)
    specs = {"y0": (-1.0, 1.5), "y1": (-math.inf, 0.8)}
    kw = dict(model_factors=["A", "B"], studied={"A": (0, 10), "B": (0, 20)}, specs=specs,
              grid=11, draws=2000)
    a = design_space(post, model.rows, seed=4, **kw)
    b = design_space(post, model.rows, seed=4, **kw)
    c = design_space(post, model.rows, seed=5, **kw)
    assert a.to_dict() == b.to_dict()
    assert not np.array_equal(a.probability, c.probability)


def test_design_space_result_shape_and_keys():
    model, _z, _y, post = _data(r=2)
    specs = {"y0": (-1.0, 1.5), "y1": (-math.inf, 0.8)}
    res = design_space(post, model.rows, model_factors=["A", "B"],
                       studied={"A": (0, 10), "B": (0, 20)}, specs=specs, factors=["B", "A"],
                       grid=9, draws=1000, seed=1, control_sd={"A": 0.1, "B": 0.2})
    d = res.to_dict()
    for key in ("axes", "probability", "mc_standard_error", "par", "box", "sweet_spot"):
        assert key in d
    assert list(d["axes"]) == ["B", "A"]
    assert d["axes"]["B"][0] == 0 and d["axes"]["B"][-1] == 20
    assert len(d["probability"]) == 9 and len(d["probability"][0]) == 9
    # probability[i][j] is at B = axes.B[i], A = axes.A[j]
    eng = ProbabilityEngine(post, model.rows, specs, draws=1000, seed=1)
    pij, _ = eng.probability(np.array([[d["axes"]["A"][3], d["axes"]["B"][6]]]))
    assert d["probability"][6][3] == pytest.approx(pij[0])
    se = np.sqrt(res.probability * (1 - res.probability) / 1000).max()
    assert d["mc_standard_error"] == pytest.approx(se)
    # sweet spot: predicted means inside the specifications
    mu = post.mean(model.rows(np.array([[d["axes"]["A"][2], d["axes"]["B"][5]]])))[0]
    assert d["sweet_spot"][5][2] == bool(-1 <= mu[0] <= 1.5 and mu[1] <= 0.8)
    assert "corners" in d["nor"] and len(d["nor"]["corners"]) == 4


def test_par_box_nor_on_a_constructed_model():
    """y = A² + B² (coded), σ tiny: the P ≥ R region is the disc A²+B² ≤ 0.52 in coded units."""
    model = SurfaceModel(("A", "B"), (-1.0, -1.0), (1.0, 1.0), "quadratic")
    g = np.linspace(-1, 1, 5)
    x = np.array(list(itertools.product(g, g)))
    z = model.rows(x)
    rng = np.random.default_rng(0)
    y = (x[:, 0] ** 2 + x[:, 1] ** 2 + 1e-4 * rng.standard_normal(len(x)))[:, None]
    post = fit_posterior(z, y, terms=model.terms, responses=("y",))
    res = design_space(post, model.rows, model_factors=["A", "B"],
                       studied={"A": (-1, 1), "B": (-1, 1)}, specs={"y": (-math.inf, 0.52)},
                       grid=41, draws=2000, seed=0, par_points=401,
                       control_sd={"A": 0.1, "B": 0.3})
    # PAR of A with B = 0: A² ≤ 0.52 → |A| ≤ 0.7211 (line step 0.005)
    assert res.par["A"][0] == pytest.approx(-math.sqrt(0.52), abs=0.006)
    assert res.par["A"][1] == pytest.approx(math.sqrt(0.52), abs=0.006)
    # largest grid box (step 0.05) in the disc of radius √0.52: ±0.5 × ±0.5 (21² = 441 points;
    # ±0.55 × ±0.45 has 0.505 ≤ 0.52 too but only 23·19 = 437; ±0.6 × ±0.4 sits on the edge)
    (alo, ahi), (blo, bhi) = res.box["A"], res.box["B"]
    assert alo == pytest.approx(-0.5) and ahi == pytest.approx(0.5)
    assert blo == pytest.approx(-0.5) and bhi == pytest.approx(0.5)
    nor = res.nor
    assert nor["ranges"]["A"] == pytest.approx([-0.3, 0.3])
    # NOR B = ±0.9 reaches beyond PAR B = ±0.72; NOR A = ±0.3 is inside PAR A
    assert nor["within_par"] == {"A": True, "B": False}
    assert nor["within_par_all"] is False
    # NOR corners (±0.3, ±0.9): y = 0.9 > 0.52 → fail
    assert nor["corner_probability_min"] < 0.01
    assert nor["corners_meet_min_probability"] is False
    assert res.setpoint_probability > 0.99


def test_setpoint_outside_region_gives_no_par_or_box():
    model = SurfaceModel(("A", "B"), (-1.0, -1.0), (1.0, 1.0), "quadratic")
    g = np.linspace(-1, 1, 4)
    x = np.array(list(itertools.product(g, g)))
    y = (x[:, 0] ** 2 + x[:, 1] ** 2 + 0.001 * np.sin(np.arange(len(x))))[:, None]
    post = fit_posterior(model.rows(x), y, terms=model.terms, responses=("y",))
    res = design_space(post, model.rows, model_factors=["A", "B"],
                       studied={"A": (-1, 1), "B": (-1, 1)}, specs={"y": (0.5, math.inf)},
                       grid=11, draws=500)
    assert res.box is None and res.par == {"A": None, "B": None}
    assert res.notes


@given(st.integers(1, 4).flatmap(lambda k: st.tuples(
    st.just(k), st.lists(st.booleans(), min_size=3 ** k, max_size=3 ** k),
    st.tuples(*[st.integers(0, 2)] * k))))
@settings(max_examples=150, deadline=None)
def test_largest_box_is_the_largest(case):
    k, cells, center = case
    inside = np.array(cells, dtype=bool).reshape((3,) * k)
    box = largest_box(inside, center)
    best = 0
    ranges = [[(a, b) for a in range(0, c + 1) for b in range(c, 3)] for c in center]
    for cand in itertools.product(*ranges):
        if inside[tuple(slice(a, b + 1) for a, b in cand)].all():
            best = max(best, math.prod(b - a + 1 for a, b in cand))
    if best == 0:
        assert box is None
    else:
        assert inside[tuple(slice(a, b + 1) for a, b in box)].all()
        assert all(a <= c <= b for (a, b), c in zip(box, center, strict=True))
        assert math.prod(b - a + 1 for a, b in box) == best


def test_largest_box_bigger_grid_against_brute_force():
    rng = np.random.default_rng(3)
    for _ in range(10):
        inside = rng.random((6, 5, 5)) < 0.9
        c = (2, 2, 3)
        inside[c] = True
        box = largest_box(inside, c)
        best = 0
        ranges = [[(a, b) for a in range(0, ci + 1) for b in range(ci, n)]
                  for ci, n in zip(c, inside.shape, strict=True)]
        for cand in itertools.product(*ranges):
            if inside[tuple(slice(a, b + 1) for a, b in cand)].all():
                best = max(best, math.prod(b - a + 1 for a, b in cand))
        assert math.prod(b - a + 1 for a, b in box) == best


def test_run_containing():
    m = np.array([0, 1, 1, 1, 0, 1], dtype=bool)
    assert run_containing(m, 2) == (1, 3)
    assert run_containing(m, 5) == (5, 5)
    assert run_containing(m, 0) is None


@pytest.mark.parametrize("text,expected", [
    ("Y>=90", Spec("Y", low=90)),
    ("Y >= 90", Spec("Y", low=90)),
    ("Z<=5", Spec("Z", high=5)),
    ("Z<5", Spec("Z", high=5)),
    ("90<=Y", Spec("Y", low=90)),
    ("5<=Z<=7", Spec("Z", low=5, high=7)),
    ("7>=Z>=5", Spec("Z", low=5, high=7)),
    ("Titer (g/L)≥3.5", Spec("Titer (g/L)", low=3.5)),
    ("收率 >= 80", Spec("收率", low=80)),
    ("2 <= Afucosylation (%) <= 13", Spec("Afucosylation (%)", low=2, high=13)),
    ("HCP (ng/mg) <= 1e2", Spec("HCP (ng/mg)", high=100)),
])
def test_parse_spec(text, expected):
    names = ["Y", "Z", "Titer (g/L)", "收率", "Afucosylation (%)", "HCP (ng/mg)"]
    assert parse_spec(text, names) == expected


def test_parse_spec_matches_names_loosely():
    assert parse_spec("titer_(g/L) >= 3", ["Titer (g/L)"]).response == "Titer (g/L)"


@pytest.mark.parametrize("text", ["Y", "Y>>3", "Y>=abc", "A<=B", "7<=Z<=5", "5<=Z>=7", "Q>=1"])
def test_parse_spec_errors(text):
    with pytest.raises(QbdInputError):
        parse_spec(text, ["Y", "Z"])


def test_combine_specs_intersects_and_rejects_contradictions():
    assert combine_specs([Spec("Y", low=1), Spec("Y", high=3), Spec("Y", low=2)]) == {"Y": (2, 3)}
    with pytest.raises(QbdInputError, match="contradictory"):
        combine_specs([Spec("Y", low=5), Spec("Y", high=3)])


def test_fit_posterior_rejects_aliased_terms_and_too_few_runs():
    x = np.column_stack([np.ones(6), np.arange(6.0), 2 * np.arange(6.0)])
    y = np.random.default_rng(0).normal(size=(6, 2))
    with pytest.raises(QbdInputError) as e:
        fit_posterior(x, y, terms=["Intercept", "A", "B"])
    assert "aliased" in str(e.value) and ("A" in str(e.value) or "B" in str(e.value))
    with pytest.raises(QbdInputError, match="too few runs"):
        fit_posterior(x[:4, :2], np.random.default_rng(0).normal(size=(4, 3)))


def test_engine_rejects_unknown_response():
    model, _z, _y, post = _data(r=2)
    with pytest.raises(QbdInputError):
        ProbabilityEngine(post, model.rows, {"nope": (0, 1)})


_MODEL3 = _data(r=3)


@given(st.lists(st.floats(0.0, 2.0), min_size=6, max_size=6),
       st.lists(st.floats(0.0, 1.0), min_size=6, max_size=6))
@settings(max_examples=25, deadline=None)
def test_wider_specifications_never_lower_the_probability(base, widen):
    """With common draws (same seed), P(all specs) is monotone in the specification box;
    with every side open it is exactly 1."""
    model, _, _, post = _MODEL3
    lo = [-b for b in base[:3]]
    hi = list(base[3:])
    narrow = {f"y{j}": (lo[j], hi[j]) for j in range(3)}
    wide = {f"y{j}": (lo[j] - widen[j], hi[j] + widen[3 + j]) for j in range(3)}
    pts = np.array([[1.0, 2.0], [5.0, 10.0], [9.0, 18.0], [3.0, 15.0]])
    pn, _ = ProbabilityEngine(post, model.rows, narrow, draws=500, seed=2).probability(pts)
    pw, _ = ProbabilityEngine(post, model.rows, wide, draws=500, seed=2).probability(pts)
    assert np.all(pw >= pn)
    open_ = {f"y{j}": (-math.inf, math.inf) for j in range(3)}
    assert np.all(ProbabilityEngine(post, model.rows, open_, draws=500, seed=2).probability(pts)[0] == 1)


def test_par_is_the_run_of_the_profile_through_the_set_point():
    model, _, _, post = _data(r=2)
    specs = {"y0": (-1.0, 1.5), "y1": (-math.inf, 0.8)}
    res = design_space(post, model.rows, model_factors=["A", "B"],
                       studied={"A": (0, 10), "B": (0, 20)}, specs=specs, grid=9, draws=2000,
                       seed=2, setpoint={"A": 5.0, "B": 10.0}, par_points=101)
    for f in ("A", "B"):
        v = np.array(res.par_profiles[f]["values"])
        p = np.array(res.par_profiles[f]["probability"])
        lo, hi = res.par[f]
        inside = (v >= lo) & (v <= hi)
        assert np.all(p[inside] >= 0.9)
        assert lo <= res.setpoint[f] <= hi
        i_lo, i_hi = np.flatnonzero(inside)[[0, -1]]
        assert i_lo == 0 or p[i_lo - 1] < 0.9
        assert i_hi == v.size - 1 or p[i_hi + 1] < 0.9


def test_posterior_fit_in_actual_units_matches_coded_units():
    """The same quadratic in actual units (columns 1 … 1e6 apart in scale) and coded units
    gives the same predictions, leverages and residual SSCP (predictions are coding-invariant)."""
    y = _data(r=2)[2]
    rng = np.random.default_rng(0)
    x = rng.uniform([0, 0], [10, 20], (20, 2))
    xa = 1000 + 50 * x  # factors around 1000–2000: squares near 1e6
    za = np.column_stack([np.ones(20), xa, xa[:, 0] * xa[:, 1], xa**2])
    lo, hi = xa.min(axis=0), xa.max(axis=0)
    c = (xa - (lo + hi) / 2) / ((hi - lo) / 2)
    zc = np.column_stack([np.ones(20), c, c[:, 0] * c[:, 1], c**2])
    yy = y[:20]
    pa = fit_posterior(za, yy)
    pc = fit_posterior(zc, yy)
    np.testing.assert_allclose(pa.residual_sscp, pc.residual_sscp, rtol=1e-8)
    np.testing.assert_allclose(pa.mean(za), pc.mean(zc), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(pa.leverage(za), pc.leverage(zc), rtol=1e-7, atol=1e-9)


def test_largest_box_search_time_limit_returns_a_valid_box():
    from qbdkit.core.doe.analysis.space import largest_box_search

    g = np.linspace(-1, 1, 21)
    xx = np.meshgrid(g, g, g, g, indexing="ij")
    inside = sum(v**2 for v in xx) < 1.5
    box, proven = largest_box_search(inside, (10,) * 4, time_limit=0.0)
    assert proven is False
    if box is not None:
        assert inside[tuple(slice(a, b + 1) for a, b in box)].all()
    full, proven = largest_box_search(inside, (10,) * 4)
    assert proven is True and full == largest_box(inside, (10,) * 4)


def test_setpoint_probability_by_response_bounds_the_joint_one():
    model, _, _, post = _data(r=3)
    specs = {"y0": (-2.0, 1.5), "y1": (-math.inf, 0.8), "y2": (-1.0, math.inf)}
    res = design_space(post, model.rows, model_factors=["A", "B"],
                       studied={"A": (0, 10), "B": (0, 20)}, specs=specs, grid=5, draws=3000,
                       seed=4, setpoint={"A": 3.0, "B": 12.0})
    singles = [v[0] for v in res.setpoint_by_response.values()]
    assert set(res.setpoint_by_response) == set(specs)
    # common draws: the joint event is contained in each single-spec event (exactly)
    assert res.setpoint_probability <= min(singles)
    assert res.setpoint_probability >= 1 - sum(1 - q for q in singles) - 1e-12  # Bonferroni


# --- issue 18: the vectorised kernels give exactly what the plain computations give -------

@given(st.integers(1, 9), st.integers(1, 9), st.integers(0, 4), st.data())
@settings(max_examples=120, deadline=None)
def test_best_rectangles_match_brute_force(n0, n1, stack, data):
    """Every mask of a stack: the rectangle's area is the brute-force largest of the
    rectangles of True cells through the centre, and the rectangle returned is one."""
    rng = np.random.default_rng(data.draw(st.integers(0, 10_000)))
    masks = rng.random((stack + 1, n0, n1)) < data.draw(st.sampled_from([0.5, 0.8, 0.95, 1.0]))
    c = (data.draw(st.integers(0, n0 - 1)), data.draw(st.integers(0, n1 - 1)))
    areas, rects = space_mod.best_rectangles(masks, c)
    for mask, area, (a, b, lo, hi) in zip(masks, areas, rects, strict=True):
        best = 0
        for a2, b2, l2, h2 in itertools.product(range(c[0] + 1), range(c[0], n0),
                                                range(c[1] + 1), range(c[1], n1)):
            if mask[a2:b2 + 1, l2:h2 + 1].all():
                best = max(best, (b2 - a2 + 1) * (h2 - l2 + 1))
        assert area == best
        if best:
            assert mask[a:b + 1, lo:hi + 1].all() and (b - a + 1) * (hi - lo + 1) == best
            assert a <= c[0] <= b and lo <= c[1] <= hi


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_grouped_bitset_counts_equal_plain_comparisons(seed, monkeypatch):
    """The bitset kernel (only the binding limits per point, a response binding alone read
    from its marginal count) counts exactly what comparing every draw's ranks counts."""
    model, _z, _y, post = _data(r=3, seed=seed)
    rng = np.random.default_rng(seed)
    x = rng.uniform([-2, -4], [12, 24], (3000, 2))
    q = np.quantile(post.mean(model.rows(x)), [0.1, 0.3, 0.7, 0.9], axis=0)
    sd = np.sqrt(np.diag(post.residual_covariance))  # loose limits on y1, y2: some points
    specs = {"y0": (q[0, 0], q[3, 0]), "y1": (-math.inf, q[2, 1] + 4 * sd[1]),  # bind alone
             "y2": (q[1, 2] - 4 * sd[2], math.inf)}
    eng = ProbabilityEngine(post, model.rows, specs, draws=777, seed=seed)
    assert eng._draws.bits is not None
    calls = {"single": 0, "joint": 0}
    real_marg = space_mod._count_inside_fixed

    def spy(*args, **kwargs):
        out = real_marg(*args, **kwargs)
        d = args[4]
        if d.bits is not None:
            mu = post.mean(args[1])
            s = np.sqrt(1 + post.leverage(args[1]))
            binding = np.zeros(len(out), dtype=int)
            for j in range(post.r):
                lo = np.searchsorted(d.sorted_cols[j], (eng.lows[j] - mu[:, j]) / s, "left")
                hi = np.searchsorted(d.sorted_cols[j], (eng.highs[j] - mu[:, j]) / s, "right")
                binding += (lo > 0) | (hi < 777)
            calls["single"] += int(((binding == 1) & (out > 0)).sum())
            calls["joint"] += int(((binding > 1) & (out > 0)).sum())
        return out

    monkeypatch.setattr(space_mod, "_count_inside_fixed", spy)
    with_bits, sweet = eng.counts_and_mean_inside(x)
    plain = space_mod._Draws(eng._draws.sorted_cols, eng._draws.ranks, None)
    zz = model.rows(x)
    reference = space_mod._count_inside_fixed(post, zz, eng.lows, eng.highs, plain, 777,
                                              workers=1)
    assert np.array_equal(with_bits, reference)
    assert len(np.unique(reference)) > 50
    assert calls["single"] > 0 and calls["joint"] > 0  # both branches of the kernel ran
    assert np.array_equal(sweet, eng.mean_inside(x))
    assert np.array_equal(with_bits, eng.counts(x))


def test_restricted_engine_equals_a_new_engine_with_the_same_seed():
    model, _z, _y, post = _data(r=3)
    specs = {"y0": (-1.0, 1.5), "y1": (-math.inf, 0.8)}
    eng = ProbabilityEngine(post, model.rows, specs, draws=2000, seed=5)
    x = np.array([[1.0, 3.0], [5.0, 10.0], [8.0, 17.0]])
    one = eng.restricted({"y1": specs["y1"]})
    new = ProbabilityEngine(post, model.rows, {"y1": specs["y1"]}, draws=2000, seed=5)
    assert np.array_equal(one.counts(x), new.counts(x))
    assert np.array_equal(eng.counts(x), ProbabilityEngine(post, model.rows, specs, draws=2000,
                                                           seed=5).counts(x))
