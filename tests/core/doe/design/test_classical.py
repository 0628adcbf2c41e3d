"""Classical designs: run counts, orthogonality, α values, published generating rows.

References: Plackett & Burman (1946) *Biometrika* 33:305 (generating rows); Box & Behnken (1960)
*Technometrics* 2:455 (run counts 15, 27, 46, 54, 62 for 3-7 factors with 3, 3, 6, 6, 6 centre
points); Myers, Montgomery & Anderson-Cook, *Response Surface Methodology* 3rd ed. §7.4
(rotatable α = F^(1/4): 1.414, 1.682, 2.000 for k = 2, 3, 4; 2.000 for the 2^(5-1) cube;
orthogonal α with one centre point: 1.000, 1.215, 1.414 for k = 2, 3, 4); Jones & Nachtsheim
(2011) *JQT* 43:1 (DSD: 2m+1 runs for even m, 2m+3 for odd m). Tolerances: exact for counts and
orthogonality (1e-9), 5e-4 for α quoted to three decimals.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qbdkit.core.doe.design import (
    DesignError,
    box_behnken,
    ccd_alpha,
    central_composite,
    definitive_screening,
    fractional_factorial,
    full_factorial,
    make_design,
    make_space,
    plackett_burman,
)
from qbdkit.core.doe.design.matrices import (
    PB_ROWS,
    conference_matrix,
    hadamard_matrix,
    plackett_burman_sizes,
)


def space(k, cat=()):
    fs = []
    for i in range(k):
        if i in cat:
            fs.append({"name": f"X{i + 1}", "type": "categorical", "levels": ["a", "b"]})
        else:
            fs.append({"name": f"X{i + 1}", "low": 0, "high": 10})
    return make_space(fs)


# ------------------------------------------------------------------ factorials and fractions

def test_pydoe_bug_case_seven_factors_resolution_three_is_eight_runs():
    plan = fractional_factorial(space(7), resolution=3)
    assert plan.coded.shape == (8, 7)
    assert plan.generators == ["D=AB", "E=AC", "F=BC", "G=ABC"]  # Montgomery Table 8.? 2^(7-4)_III
    assert plan.word_length_pattern == [7, 7, 0, 0, 1]


@pytest.mark.parametrize("k,res,runs", [(4, 4, 8), (5, 5, 16), (6, 4, 16), (7, 4, 16), (8, 4, 16), (8, 5, 64),
                                        (9, 4, 32), (10, 5, 128), (11, 3, 16), (7, 5, 64), (6, 6, 32)])
def test_smallest_run_size_for_resolution(k, res, runs):
    plan = fractional_factorial(space(k), resolution=res)
    assert len(plan.coded) == runs
    if runs < 2**k:
        assert plan.resolution >= res


def test_resolution_message_says_what_is_possible():
    with pytest.raises(DesignError, match=r"resolution V for 7 factors needs at least 64 regular runs.*D-optimal"):
        fractional_factorial(space(7), resolution=5, runs=32)
    with pytest.raises(DesignError, match="at least 64 regular runs"):
        make_design(space(7), "fractional", resolution=5, runs=32)


def test_full_factorial_mixed_levels():
    sp = make_space([{"name": "T", "low": 30, "high": 40, "levels": [30, 35, 40]},
                     {"name": "Resin", "type": "categorical", "levels": ["A", "B", "C", "D"]},
                     {"name": "pH", "low": 6, "high": 8}])
    plan = full_factorial(sp)
    assert plan.coded.shape == (24, 3)
    assert len({tuple(r) for r in plan.coded}) == 24
    assert sorted(set(plan.coded[:, 0])) == [-1.0, 0.0, 1.0]


# ------------------------------------------------------------------ Plackett-Burman

@pytest.mark.parametrize("n", plackett_burman_sizes(100))
def test_hadamard_orthogonal(n):
    h = hadamard_matrix(n)
    assert np.array_equal(h.T @ h, n * np.eye(n))
    assert np.all(h[:, 0] == 1)


def test_pb_92_runs_williamson_orthogonal():
    """N = 92 has no Paley construction (91 = 7·13, 45 = 3²·5): Williamson matrices of order 23
    (Baumert, Golomb & Hall 1962). Every column balanced, X'X = 92 I for the full 91-factor design."""
    assert 92 in plackett_burman_sizes(100)
    plan = plackett_burman(space(91), runs=92)
    x = np.column_stack([np.ones(92), plan.coded])
    assert set(np.unique(plan.coded)) == {-1.0, 1.0}
    assert np.all(plan.coded.sum(axis=0) == 0)
    assert np.array_equal(x.T @ x, 92 * np.eye(92))
    assert "Williamson" in plan.notes[0]


@pytest.mark.parametrize("n", [12, 20, 24])
def test_pb_uses_published_rows(n):
    plan = plackett_burman(space(n - 1), runs=n)
    row = "".join("+" if v > 0 else "-" for v in plan.coded[0])
    assert row == PB_ROWS[n]
    assert np.all(plan.coded[-1] == -1)
    assert np.allclose(plan.coded.T @ plan.coded, n * np.eye(n - 1))


@pytest.mark.parametrize("k,n", [(3, 4), (5, 8), (11, 12), (12, 16), (19, 20), (23, 24), (27, 28), (30, 32),
                                 (35, 36), (43, 44)])
def test_pb_default_size(k, n):
    plan = plackett_burman(space(k))
    assert plan.coded.shape == (n, k)


def test_pb12_generalized_wlp():
    """Every 3-column J-characteristic of the 12-run PB design is ±4 (Lin & Draper 1992), so
    A3 = C(11,3)·(4/12)² = 165/9 (Xu & Wu 2001 generalized word-length pattern)."""
    from qbdkit.core.doe.design import generalized_wlp

    plan = plackett_burman(space(11), runs=12)
    for s in itertools.combinations(range(11), 3):
        assert abs(np.prod(plan.coded[:, s], axis=1).sum()) == 4
    assert generalized_wlp(plan.coded)[0] == pytest.approx(165 / 9, abs=1e-9)


# ------------------------------------------------------------------ central composite

@pytest.mark.parametrize("k,cube,alpha", [(2, 4, 1.414), (3, 8, 1.682), (4, 16, 2.000), (5, 16, 2.000),
                                          (6, 32, 2.378)])
def test_rotatable_alpha(k, cube, alpha):
    plan = central_composite(space(k), alpha="rotatable")
    assert plan.alpha == pytest.approx(alpha, abs=5e-4)
    assert int(np.sum(np.all(np.abs(plan.coded) == 1, axis=1))) == cube


@pytest.mark.parametrize("k", [2, 3, 4, 5, 6])
def test_rotatable_ccd_moment_condition(k):
    """Rotatability: Σx_i⁴ = 3 Σx_i²x_j² and odd moments vanish (Box & Hunter 1957)."""
    d = central_composite(space(k), alpha="rotatable", center=4).coded
    assert np.sum(d[:, 0] ** 4) == pytest.approx(3 * np.sum(d[:, 0] ** 2 * d[:, 1] ** 2), rel=1e-12)
    assert np.allclose(d.T @ d, np.diag(np.diag(d.T @ d)))


@pytest.mark.parametrize("k,alpha", [(2, 1.000), (3, 1.215), (4, 1.414)])
def test_orthogonal_alpha_published(k, alpha):
    plan = central_composite(space(k), alpha="orthogonal", center=1)
    assert plan.alpha == pytest.approx(alpha, abs=5e-4)


@settings(max_examples=25, deadline=None)
@given(st.integers(2, 6), st.integers(1, 8))
def test_orthogonal_alpha_makes_squares_orthogonal(k, nc):
    d = central_composite(space(k), alpha="orthogonal", center=nc).coded
    q = d**2 - (d**2).mean(axis=0)
    g = q.T @ q
    assert np.allclose(g - np.diag(np.diag(g)), 0, atol=1e-8)


def test_ccd_kinds_and_blocks():
    face = central_composite(space(3), alpha="face")
    assert face.alpha == 1 and np.abs(face.coded).max() == 1
    ins = central_composite(space(3), kind="inscribed")
    assert np.abs(ins.coded).max() == pytest.approx(1.0)
    blocked = central_composite(space(3), alpha="orthogonal", blocks=2, center=2)
    # orthogonal blocking α = sqrt(F(2k + n_ca) / (2(F + n_cf))) = sqrt(8·8/20)
    assert blocked.alpha == pytest.approx(np.sqrt(8 * 8 / 20))
    b = blocked.blocks
    x = blocked.coded
    # orthogonal blocking (Montgomery §11.4.3): within each block the columns are orthogonal and
    # each block carries its share n_b/N of every sum of squares
    for blk in (1, 2):
        xb = x[b == blk]
        g = xb.T @ xb
        assert np.allclose(g - np.diag(np.diag(g)), 0)
        for j in range(3):
            assert np.sum(xb[:, j] ** 2) / np.sum(x[:, j] ** 2) == pytest.approx(len(xb) / len(x))
    assert ccd_alpha(1.5, 3, 8, 20) == 1.5


# ------------------------------------------------------------------ Box-Behnken

@pytest.mark.parametrize("k,n", [(3, 15), (4, 27), (5, 46), (6, 54), (7, 62)])
def test_box_behnken_run_counts(k, n):
    d = box_behnken(space(k)).coded
    assert d.shape == (n, k)
    assert set(np.unique(d)) == {-1.0, 0.0, 1.0}
    # main effects mutually orthogonal and orthogonal to all two-factor interactions
    assert np.allclose(d.T @ d, np.diag(np.diag(d.T @ d)))
    for i, j in itertools.combinations(range(k), 2):
        assert np.allclose(d.T @ (d[:, i] * d[:, j]), 0)
    # equal number of runs at -1 and +1 for every factor
    assert np.all((d == 1).sum(axis=0) == (d == -1).sum(axis=0))


def test_box_behnken_out_of_range():
    with pytest.raises(DesignError, match="3-7 factors"):
        box_behnken(space(8))


# ------------------------------------------------------------------ definitive screening

@pytest.mark.parametrize("n", range(2, 32, 2))
def test_conference_matrices(n):
    c = conference_matrix(n)
    if n == 22:  # 21 is not a sum of two squares: no conference matrix of order 22 exists
        assert c is None
        return
    assert np.array_equal(c.T @ c, (n - 1) * np.eye(n))
    assert np.all(np.diag(c) == 0)


@pytest.mark.parametrize("m", range(4, 31))
def test_dsd_properties(m):
    d = definitive_screening(space(m)).coded
    expected = 2 * m + 1 if m % 2 == 0 else 2 * m + 3
    if m in (21, 22):
        expected = 49  # from the order-24 conference matrix
    assert d.shape == (expected, m)
    assert set(np.unique(d)) == {-1.0, 0.0, 1.0}
    g = d.T @ d
    assert np.allclose(g - np.diag(np.diag(g)), 0)  # main effects orthogonal
    # main effects orthogonal to every quadratic and two-factor interaction column
    for i in range(m):
        assert np.allclose(d.T @ (d[:, i] ** 2), 0)
    for i, j in itertools.combinations(range(m), 2):
        assert np.allclose(d.T @ (d[:, i] * d[:, j]), 0)


def test_dsd_fake_and_categorical():
    d = definitive_screening(space(6), fake=2).coded
    assert d.shape == (17, 6)
    d3 = definitive_screening(space(6), center=3).coded
    assert d3.shape == (15, 6) and np.all(d3[-3:] == 0)
    sp = space(6, cat=(5,))
    plan = definitive_screening(sp)
    x = plan.coded.copy()
    x[:, 5] = np.where(x[:, 5] > 0, 1.0, -1.0)
    assert x.shape == (14, 6)
    assert set(np.unique(x[:, 5])) == {-1.0, 1.0}
    # fold-over kept: main effects orthogonal to all 2FIs and squares
    for i, j in itertools.combinations(range(6), 2):
        assert np.allclose(x.T @ (x[:, i] * x[:, j]), 0)


def test_signed_generator_gives_the_other_half_fraction():
    # Montgomery, Design and Analysis of Experiments, §8.2: D = −ABC is the alternate
    # (complementary) half fraction of the 2^(4−1) with defining relation I = −ABCD
    space = make_space([{"name": n, "low": -1, "high": 1} for n in "ABCD"])
    plus = fractional_factorial(space, generators=["D=ABC"])
    minus = fractional_factorial(space, generators=["D=-ABC"])
    assert minus.generators == ["D=-ABC"]
    np.testing.assert_array_equal(np.prod(minus.coded, axis=1), -np.ones(8))
    both = {tuple(r) for r in plus.coded} | {tuple(r) for r in minus.coded}
    assert len(both) == 16  # together the full 2^4
