"""Invariants of the fit (hypothesis) and unit checks of names, aliasing and ANOVA identities."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qbdkit.core.doe.analysis import fit_response, least_squares, reduce_model
from qbdkit.core.doe.analysis.names import NameMap
from qbdkit.errors import QbdInputError


def _ccd(seed: int, noise: float = 0.3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    pts = [list(p) for p in itertools.product((-1, 1), repeat=3)]
    pts += [[a if i == j else 0 for j in range(3)] for i in range(3) for a in (-1, 1)]
    pts += [[0, 0, 0]] * 4
    c = np.array(pts, dtype=float)
    y = 10 + 2 * c[:, 0] - c[:, 1] + 0.5 * c[:, 0] * c[:, 2] - 1.5 * c[:, 0] ** 2 + rng.normal(0, noise, len(c))
    return pd.DataFrame({"Temp (°C)": 36 + c[:, 0], "pH": 7 + 0.2 * c[:, 1], "进料 %": 3 + c[:, 2], "yield": y})


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10_000))
def test_coding_does_not_change_fit(seed):
    df = _ccd(seed)
    a = fit_response(df, "yield", "quadratic", coding="coded")
    b = fit_response(df, "yield", "quadratic", coding="actual")
    np.testing.assert_allclose(a.fitted, b.fitted, rtol=1e-10, atol=1e-10)
    assert a.r2 == pytest.approx(b.r2, rel=1e-10)
    assert a.q2 == pytest.approx(b.q2, rel=1e-8)
    new = df.sample(5, random_state=seed)
    pa = a.predict(new, "prediction")
    pb = b.predict(new, "prediction")
    np.testing.assert_allclose(pa.to_numpy(), pb.to_numpy(), rtol=1e-8, atol=1e-9)
    # the highest-order terms have the same t statistics in both codings
    assert a.tvalues[a.terms.index("Temp (°C):pH")] == pytest.approx(
        b.tvalues[b.terms.index("Temp (°C):pH")], rel=1e-8)


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 10_000))
def test_type_one_sums_of_squares_add_up(seed):
    df = _ccd(seed)
    fit = fit_response(df, "yield", "quadratic", anova_type="I")
    rows = {r.source: r for r in fit.anova}
    terms = [r for r in fit.anova if r.source not in ("Model", "Residual", "Lack of fit", "Pure error", "Total")]
    assert sum(r.ss for r in terms) == pytest.approx(rows["Model"].ss, rel=1e-10)
    assert rows["Model"].ss + rows["Residual"].ss == pytest.approx(rows["Total"].ss, rel=1e-10)
    assert rows["Lack of fit"].ss + rows["Pure error"].ss == pytest.approx(rows["Residual"].ss, rel=1e-9)
    assert 0 <= fit.r2 <= 1
    assert fit.q2 <= fit.r2
    # Cook's D and leverages are consistent: Σ h = p
    assert fit.diagnostics["leverage"].sum() == pytest.approx(len(fit.terms), rel=1e-10)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.text(alphabet="abcxyz 温度()%/°_-.1", min_size=1, max_size=8).map(str.strip)
                .filter(lambda s: s and not s[0].isdigit()), min_size=2, max_size=5, unique=True))
def test_name_map_round_trip(names):
    m = NameMap.of(names)
    formula = " + ".join(f"`{n}`" for n in names[1:])
    safe, found = m.to_safe(formula)
    assert found == names[1:]
    assert all(ch.isascii() for ch in safe)
    assert m.to_user(safe) == " + ".join(names[1:])


def test_names_respect_word_boundaries_and_calls():
    m = NameMap.of(["x", "x2", "C", "yield"])
    safe, found = m.to_safe("yield ~ x + x2 + C(x) + I(x**2)")
    assert found == ["yield", "x", "x2"]
    assert m.to_user(safe) == "yield ~ x + x2 + C(x) + I(x**2)"


def test_exact_dependence_is_reported_as_aliasing():
    x = np.column_stack([np.ones(6), np.arange(6.0), 2 * np.arange(6.0) + 1])
    ls = least_squares(x, np.arange(6.0) ** 2)
    assert ls.aliased == (2,)
    assert ls.dependence[2] == (0, 1)


def test_categorical_factor_and_blank_factor_cell():
    df = pd.DataFrame({"media": ["A", "B", "C"] * 4, "t": [1, 2, 3, 4] * 3,
                       "y": np.arange(12.0) ** 1.1})
    fit = fit_response(df, "y", "interaction")
    assert "C(media)[T.B]" in fit.terms
    bad = df.astype({"t": object})
    bad.loc[3, "t"] = " "
    with pytest.raises(QbdInputError) as exc:
        fit_response(bad, "y", "linear", rows=list(range(2, 14)), file="f.csv")
    assert "f.csv:5: t: blank cell" in str(exc.value)


def test_reduction_keeps_hierarchy():
    df = _ccd(1, noise=0.05)
    red = reduce_model(fit_response(df, "yield", "quadratic"), df, alpha=0.05)
    terms = set(red.terms)
    assert "Temp (°C):进料 %" in terms  # a real interaction stays …
    assert {"Temp (°C)", "进料 %"} <= terms  # … with its parents
    assert "I(进料 % ** 2)" not in terms  # an inert curvature term goes


def test_dependence_hidden_by_decimal_rounding_is_still_aliasing():
    rng = np.random.default_rng(3)
    a = np.round(rng.uniform(0, 1, 12), 3)
    b = np.round(rng.uniform(0, 1, 12), 3)
    df = pd.DataFrame({"a": a, "b": b, "c": a + b, "y": rng.normal(size=12)})  # c = a + b ± 1 ulp
    with pytest.raises(QbdInputError, match=r"'c' is aliased with Intercept \+ a \+ b|'c' is aliased with a \+ b"):
        fit_response(df, "y", "linear", coding="actual")
