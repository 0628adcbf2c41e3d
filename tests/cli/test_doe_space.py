"""`qbdkit doe design-space` and `qbdkit doe optimize` end to end.

Numbers through the CLI are checked against independent computations of the same
posterior predictive: scipy.stats.multivariate_t draws with Peterson's (2004) parameters
(df n − p − r + 1, shape (1 + h)S/df) from an OLS fit done here with numpy, within
3 combined Monte Carlo standard errors.
"""

from __future__ import annotations

import itertools
import json
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

FACTORS = ["温度 (°C)", "pH"]
RESPONSES = ["Titer (g/L)", "收率"]


def _runs(seed: int = 4) -> pd.DataFrame:
    """Face-centred CCD in two factors with 3 centre points, two correlated responses."""
    rng = np.random.default_rng(seed)
    coded = np.array([*itertools.product([-1, 1], [-1, 1]), (-1, 0), (1, 0), (0, -1), (0, 1),
                      (0, 0), (0, 0), (0, 0), (-1, -1), (1, 1)], dtype=float)
    t = 36 + coded[:, 0]
    ph = 7.0 + 0.2 * coded[:, 1]
    e = rng.multivariate_normal([0, 0], [[0.04, 0.02], [0.02, 1.0]], len(coded))
    titer = 5 + 0.3 * coded[:, 0] - 0.2 * coded[:, 1] - 0.4 * coded[:, 0] ** 2 + e[:, 0]
    yld = 85 - 2 * coded[:, 0] + 1.5 * coded[:, 1] * coded[:, 0] + e[:, 1]
    return pd.DataFrame({"run": range(1, len(coded) + 1), FACTORS[0]: t, FACTORS[1]: ph,
                         RESPONSES[0]: titer.round(3), RESPONSES[1]: yld.round(2)})


@pytest.fixture
def runs_csv(tmp_path):
    p = tmp_path / "runs.csv"
    _runs().to_csv(p, index=False, encoding="utf-8")
    return p


def _quad_rows(t: np.ndarray, ph: np.ndarray) -> np.ndarray:
    a = (t - 36) / 1.0
    b = (ph - 7.0) / 0.2
    return np.column_stack([np.ones_like(a), a, b, a * b, a**2, b**2])


def test_design_space_json_and_probability_against_brute_force(cli, runs_csv):
    r = cli("doe", "design-space", runs_csv, "--spec", "Titer (g/L)>=4.6", "--spec", "收率 >= 83",
            "--grid", "11", "--draws", "20000", "--seed", "3", "--json")
    assert r.code == 0, r.err
    d = r.json()
    for key in ("axes", "probability", "mc_standard_error", "par", "box", "sweet_spot"):
        assert key in d
    assert list(d["axes"]) == FACTORS
    assert d["axes"]["pH"] == pytest.approx(np.linspace(6.8, 7.2, 11).tolist())
    p = np.array(d["probability"])
    assert p.shape == (11, 11)
    assert d["mc_standard_error"] == pytest.approx(np.sqrt(p * (1 - p) / 20000).max())
    # brute force at a few grid points
    df = _runs()
    z = _quad_rows(df[FACTORS[0]].to_numpy(), df["pH"].to_numpy())
    y = df[RESPONSES].to_numpy()
    b = np.linalg.lstsq(z, y, rcond=None)[0]
    res = y - z @ b
    s = res.T @ res
    n, k = z.shape
    dof = n - k - 2 + 1
    xtx_inv = np.linalg.inv(z.T @ z)
    checked = 0
    for i, j in [(2, 3), (5, 5), (8, 1), (9, 9), (4, 7)]:
        t, ph = d["axes"][FACTORS[0]][i], d["axes"]["pH"][j]
        zi = _quad_rows(np.array([t]), np.array([ph]))[0]
        h = zi @ xtx_inv @ zi
        draws = stats.multivariate_t(loc=zi @ b, shape=(1 + h) * s / dof, df=dof).rvs(
            100_000, random_state=i * 31 + j)
        ref = np.mean((draws[:, 0] >= 4.6) & (draws[:, 1] >= 83))
        ours = p[i, j]
        se = math.sqrt(ours * (1 - ours) / 20000 + ref * (1 - ref) / 100_000)
        assert abs(ours - ref) <= 3 * se + 1e-12, (i, j, ours, ref)
        checked += 0 < ref < 1
    assert checked >= 2


def test_design_space_summary_out_and_reproducible(cli, runs_csv, tmp_path):
    out = tmp_path / "ds.html"
    args = ["doe", "design-space", runs_csv, "--spec", "Titer (g/L)>=4.6", "--spec", "收率>=83",
            "--grid", "9", "--draws", "2000", "--setpoint", "温度 (°C)=35.6,pH=7.04",
            "--control-sd", "pH=0.01,温度 (°C)=0.1", "--seed", "9"]
    r = cli(*args, "--out", out)
    assert r.code == 0, r.err
    assert "PAR low" in r.out and "NOR" in r.out
    html = out.read_text(encoding="utf-8")
    assert "<svg" in html and "PAR" in html
    a = cli(*args, "--json").json()
    b = cli(*args, "--json").json()
    assert a == b
    assert 35.6 in a["axes"][FACTORS[0]]  # the set point is on the grid
    assert a["setpoint"] == {FACTORS[0]: 35.6, "pH": 7.04}


def test_design_space_reads_factor_sheet_ranges(cli, tmp_path):
    df = _runs()
    p = tmp_path / "sheet.xlsx"
    with pd.ExcelWriter(p) as w:
        df.to_excel(w, sheet_name="runs", index=False)
        pd.DataFrame({"name": FACTORS, "type": ["numeric", "numeric"], "low": [34.0, 6.6],
                      "high": [38.0, 7.4], "unit": ["°C", ""], "levels": ["", ""]}).to_excel(
            w, sheet_name="factors", index=False)
    r = cli("doe", "design-space", p, "--spec", "Titer (g/L)>=4.6", "--grid", "5", "--draws",
            "500", "--json")
    assert r.code == 0, r.err
    d = r.json()
    assert d["axes"][FACTORS[0]] == [34.0, 35.0, 36.0, 37.0, 38.0]
    assert d["studied"]["pH"] == [6.6, 7.4]


@pytest.mark.parametrize("args,needle", [
    (["--spec", "Nope>=1"], "unknown response"),
    (["--spec", "收率>=90", "--spec", "收率<=80"], "contradictory"),
    (["--spec", "9<=收率<=8"], "contradictory"),
    (["--spec", "收率>>8"], "收率>>8"),
    (["--spec", "收率>=80", "--factors", "pH,Nope"], "unknown factor"),
    (["--spec", "收率>=80", "--grid", "1"], "grid"),
    (["--spec", "收率>=80", "--min-probability", "1.5"], "minimum probability"),
    (["--spec", "收率>=80", "--setpoint", "pH=abc"], "--setpoint"),
    (["--spec", "收率>=80", "--draws", "1"], "draws"),
    (["--spec", "收率>=80", "--model", "cubic"], "model"),
])
def test_design_space_bad_input_exit_2(cli, runs_csv, args, needle):
    # later options override earlier ones, so a case may override the small grid/draws
    r = cli("doe", "design-space", runs_csv, "--grid", "5", "--draws", "200", *args)
    assert r.code == 2, (r.out, r.err)
    assert r.err.startswith("error:") and needle in r.err
    assert "Traceback" not in r.err


def test_design_space_bad_cell_names_row_and_column(cli, tmp_path):
    df = _runs().astype(object)
    df.loc[3, "收率"] = "n/a?"
    p = tmp_path / "bad.csv"
    df.to_csv(p, index=False)
    r = cli("doe", "design-space", p, "--spec", "收率>=80", "--grid", "5", "--draws", "100")
    assert r.code == 2
    assert "bad.csv:5: 收率: not a number" in r.err


def test_design_space_missing_response_rows_are_dropped_and_reported(cli, tmp_path):
    df = _runs().astype(object)
    df.loc[2, "收率"] = ""
    p = tmp_path / "gap.csv"
    df.to_csv(p, index=False)
    r = cli("doe", "design-space", p, "--spec", "收率>=80", "--grid", "5", "--draws", "100", "--json")
    assert r.code == 0, r.err
    d = r.json()
    assert d["n_runs"] == len(df) - 1
    assert any("row" in n and "4" in n for n in d["notes"])
    assert "left out" in r.err


def test_optimize_cli(cli, runs_csv):
    r = cli("doe", "optimize", runs_csv, "--goal", "Titer (g/L):max=4.5,5.2", "--goal",
            "收率:target=85,80,90;importance=2", "--seed", "1", "--starts", "6", "--json")
    assert r.code == 0, r.err
    d = r.json()
    assert set(d["setting"]) == set(FACTORS)
    assert 0 < d["desirability"] <= 1
    assert 35 <= d["setting"][FACTORS[0]] <= 37 and 6.8 <= d["setting"]["pH"] <= 7.2
    titer = next(x for x in d["responses"] if x["name"] == "Titer (g/L)")
    assert titer["ci"][0] < titer["predicted"] < titer["ci"][1]
    assert titer["pi"][0] < titer["ci"][0] and titer["ci"][1] < titer["pi"][1]
    # the optimum beats every design run's predicted desirability
    r2 = cli("doe", "optimize", runs_csv, "--goal", "Titer (g/L):max=4.5,5.2", "--goal",
             "收率:target=85,80,90;importance=2", "--seed", "1", "--starts", "6")
    assert r2.code == 0 and "Derringer" in r2.out
    assert json.dumps(d, ensure_ascii=False).count("alternatives") == 1


@pytest.mark.parametrize("goal,needle", [
    ("Nope:max=1,2", "not found"),
    ("收率:best", "unknown goal"),
    ("收率:target=95,80,90", "target"),
])
def test_optimize_bad_goal_exit_2(cli, runs_csv, goal, needle):
    r = cli("doe", "optimize", runs_csv, "--goal", goal, "--starts", "2")
    assert r.code == 2, (r.out, r.err)
    assert needle in r.err and "Traceback" not in r.err


def test_optimize_constraint(cli, runs_csv):
    r = cli("doe", "optimize", runs_csv, "--goal", "Titer (g/L):max=4.5,5.2", "--constraint",
            "温度 (°C) + 10*pH <= 106", "--starts", "4", "--json")
    assert r.code == 0, r.err
    d = r.json()
    assert d["setting"][FACTORS[0]] + 10 * d["setting"]["pH"] <= 106 + 1e-6
    r = cli("doe", "optimize", runs_csv, "--goal", "Titer (g/L):max=4.5,5.2", "--constraint",
            "温度 (°C) * pH <= 106")
    assert r.code == 2 and "not linear" in r.err


def test_formula_model_in_actual_units_gives_the_same_design_space(cli, runs_csv):
    """Predictions do not depend on coding: the formula written in actual units and the coded
    keyword model span the same model space, so with one seed the probabilities are equal."""
    common = ["--spec", "Titer (g/L)>=4.6", "--spec", "收率>=83", "--grid", "5", "--draws", "2000",
              "--seed", "3", "--json"]
    a = cli("doe", "design-space", runs_csv, "--model", "quadratic", *common)
    b = cli("doe", "design-space", runs_csv, "--model",
            "~ 温度 (°C) + pH + 温度 (°C):pH + I(温度 (°C)**2) + I(pH**2)", *common)
    assert a.code == 0 and b.code == 0, (a.err, b.err)
    assert "I(pH ** 2)" in b.json()["model_terms"]
    np.testing.assert_allclose(a.json()["probability"], b.json()["probability"], atol=1e-12)


def test_set_point_noise_option(cli, runs_csv):
    common = ["--spec", "Titer (g/L)>=4.6", "--spec", "收率>=83", "--grid", "5", "--draws", "3000",
              "--seed", "3", "--json"]
    a = cli("doe", "design-space", runs_csv, *common).json()
    b = cli("doe", "design-space", runs_csv, *common, "--noise", "温度 (°C)=0.5").json()
    assert b["noise_sd"] == {"温度 (°C)": 0.5}
    assert a["noise_sd"] is None
    # noise in temperature blurs the map along temperature: the sharpest drop gets smaller
    pa, pb = np.array(a["probability"]), np.array(b["probability"])
    assert np.abs(np.diff(pb, axis=0)).max() < np.abs(np.diff(pa, axis=0)).max()
    r = cli("doe", "design-space", runs_csv, *common, "--noise", "pH=-1")
    assert r.code == 2 and "negative noise" in r.err


@pytest.fixture
def resin_csv(tmp_path):
    """The two-factor runs at two resin levels; resin B gives 3 % more yield."""
    df = pd.concat([_runs(), _runs(seed=5)], ignore_index=True)
    df["Resin"] = ["A"] * 13 + ["B"] * 13
    df.loc[df["Resin"] == "B", "收率"] += 3.0
    p = tmp_path / "resin.csv"
    df.to_csv(p, index=False)
    return p


def test_categorical_factor_held_at_its_set_point_level(cli, resin_csv):
    common = ["--spec", "收率>=84", "--grid", "5", "--draws", "2000", "--seed", "1", "--json"]
    a = cli("doe", "design-space", resin_csv, *common, "--setpoint", "Resin=A")
    b = cli("doe", "design-space", resin_csv, *common, "--setpoint", "resin=B,pH=7.1")
    assert a.code == 0 and b.code == 0, (a.err, b.err)
    da, db = a.json(), b.json()
    assert list(da["axes"]) == FACTORS  # the grid is over the numeric factors
    assert any("Resin held at level 'A'" in n for n in da["notes"])
    assert any("Resin held at level 'B'" in n for n in db["notes"])
    assert db["setpoint"]["pH"] == 7.1
    # the higher-yield resin has the larger design space
    assert db["region_fraction"] > da["region_fraction"]
    r = cli("doe", "design-space", resin_csv, *common, "--setpoint", "Resin=C")
    assert r.code == 2 and "unknown level" in r.err and "A, B" in r.err


def test_optimize_tries_every_categorical_level(cli, resin_csv):
    r = cli("doe", "optimize", resin_csv, "--goal", "收率:max=80,95", "--starts", "3", "--json")
    assert r.code == 0, r.err
    d = r.json()
    assert d["setting"]["Resin"] == "B"
    assert any("every level" in n for n in d["notes"])


def test_optimize_writes_html(cli, runs_csv, tmp_path):
    out = tmp_path / "opt.html"
    r = cli("doe", "optimize", runs_csv, "--goal", "Titer (g/L):max", "--starts", "2", "--out", out)
    assert r.code == 0, r.err
    html = out.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "Titer (g/L)" in html and "PI high" in html


def test_unfilled_run_sheet_is_a_clear_error(cli, tmp_path):
    df = _runs().astype(object)
    df["收率"] = ""
    p = tmp_path / "empty.csv"
    df.to_csv(p, index=False)
    r = cli("doe", "design-space", p, "--spec", "收率>=80", "--grid", "5", "--draws", "100")
    assert r.code == 2 and "no run has a value for every factor and response" in r.err


def test_gb18030_csv_with_chinese_headers(cli, tmp_path):
    p = tmp_path / "gbk.csv"
    p.write_bytes(_runs().to_csv(index=False).encode("gb18030"))
    r = cli("doe", "design-space", p, "--spec", "收率>=83", "--grid", "5", "--draws", "500", "--json")
    assert r.code == 0, r.err
    assert list(r.json()["axes"]) == FACTORS
