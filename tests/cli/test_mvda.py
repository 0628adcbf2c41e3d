"""`qbdkit mvda pca|pls` end to end: JSON keys of issue 6, warnings, bad input (exit 2)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from qbdkit.core.mvda import PCA, PLS

ISSUE_KEYS = {"r2x", "r2x_cum", "q2", "scores", "loadings", "t2", "t2_limit", "spe", "spe_limit",
              "dmodx", "dmodx_limit", "projected"}


def _frame(n=25, k=6, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2)) @ rng.normal(size=(2, k)) + 0.3 * rng.normal(size=(n, k))
    df = pd.DataFrame(X * 10 + 50, columns=[f"v{j}" for j in range(k)])
    df.insert(0, "batch", [f"B{i:02d}" for i in range(n)])
    return df


@pytest.fixture
def files(tmp_path):
    df = _frame()
    a = tmp_path / "atscale.csv"
    df.to_csv(a, index=False)
    new = _frame(4, seed=9)
    new["batch"] = ["S1", "S2", "S3", "S4"]
    b = tmp_path / "small.csv"
    new.to_csv(b, index=False)
    return df, a, new, b


def test_pca_json_keys_and_values(cli, files):
    df, a, new, b = files
    r = cli("mvda", "pca", a, "--id", "batch", "--components", "2", "--predict", b, "--json")
    assert r.code == 0, r.err
    out = r.json()
    assert set(out) >= ISSUE_KEYS
    assert set(out["t2_limit"]) == {"0.95", "0.99"} and set(out["spe_limit"]) == {"0.95", "0.99"}
    assert set(out["dmodx_limit"]) == {"0.95"}
    assert set(out["loadings"]) == {f"v{j}" for j in range(6)}
    m = PCA(2).fit(df.drop(columns="batch"))
    np.testing.assert_allclose(out["r2x"], m.explained_r2x_)
    np.testing.assert_allclose(out["q2"], m.q2_)
    np.testing.assert_allclose(np.abs(out["scores"]), np.abs(m.scores_))
    np.testing.assert_allclose(out["t2"], m.t2_)
    np.testing.assert_allclose(out["spe"], m.spe_)
    np.testing.assert_allclose(out["dmodx"], m.dmodx_)
    proj = out["projected"]
    assert ISSUE_KEYS - {"r2x", "r2x_cum", "q2", "loadings", "projected"} <= set(proj)
    assert proj["observations"] == ["S1", "S2", "S3", "S4"]
    d = m.diagnose(new.drop(columns="batch"))
    np.testing.assert_allclose(proj["t2"], d.t2)
    assert proj["inside_ellipse"] == [bool(v) for v in d.inside_ellipse]
    assert proj["t2_limit"]["0.95"] == pytest.approx(d.t2_limit["0.95"])


def test_pca_summary_text_and_html(cli, files, tmp_path):
    _, a, _, b = files
    out = tmp_path / "pca.html"
    r = cli("mvda", "pca", a, "--id", "batch", "--predict", b, "--out", out)
    assert r.code == 0, r.err
    assert "R²X" in r.out and "Projected observations" in r.out
    html = out.read_text(encoding="utf-8")
    assert "<svg" in html and "Hotelling" in html and "S3" in html


def test_dropped_columns_warned(cli, files, tmp_path):
    df, *_ = files
    df = df.copy()
    df["恒定"] = 7.0
    df["empty"] = np.nan
    p = tmp_path / "d.csv"
    df.to_csv(p, index=False)
    r = cli("mvda", "pca", p, "--id", "batch", "--components", "2", "--json")
    assert r.code == 0, r.err
    assert "恒定: dropped (constant)" in r.err and "empty: dropped (all missing)" in r.err
    assert r.json()["dropped"] == {"恒定": "constant", "empty": "all missing"}


def test_chinese_headers_gb18030(cli, tmp_path):
    df = _frame()
    df.columns = ["批次", "滴度", "活率", "乳酸", "葡萄糖", "pH", "渗透压"]
    p = tmp_path / "zh.csv"
    df.to_csv(p, index=False, encoding="gb18030")
    r = cli("mvda", "pca", p, "--id", "批次", "--components", "2", "--json")
    assert r.code == 0, r.err
    assert "滴度" in r.json()["loadings"]


def test_xlsx_input(cli, tmp_path):
    p = tmp_path / "x.xlsx"
    _frame().to_excel(p, index=False)
    r = cli("mvda", "pca", p, "--id", "batch", "--components", "1", "--json")
    assert r.code == 0, r.err
    assert len(r.json()["t2"]) == 25


def test_missing_values_use_nipals(cli, files, tmp_path):
    df, *_ = files
    df = df.copy()
    df.loc[3, "v2"] = None
    p = tmp_path / "m.csv"
    df.to_csv(p, index=False)
    r = cli("mvda", "pca", p, "--id", "batch", "--components", "2", "--json")
    assert r.code == 0, r.err
    assert r.json()["method"] == "nipals"


def test_non_numeric_cell(cli, files, tmp_path):
    df, *_ = files
    df = df.astype({"v3": object})
    df.loc[4, "v3"] = "n/a?"
    p = tmp_path / "bad.csv"
    df.to_csv(p, index=False)
    r = cli("mvda", "pca", p, "--id", "batch")
    assert r.code == 2
    assert f"{p}:6: v3: not a number" in r.err and "n/a?" in r.err


def test_text_column_without_id_is_an_error(cli, files):
    _, a, _, _ = files
    r = cli("mvda", "pca", a)
    assert r.code == 2 and "batch: not a number" in r.err


def test_fewer_observations_than_components(cli, tmp_path):
    p = tmp_path / "few.csv"
    _frame(4).to_csv(p, index=False)
    r = cli("mvda", "pca", p, "--id", "batch", "--components", "5")
    assert r.code == 2 and "fewer observations" in r.err and str(p) in r.err


def test_mismatched_variables(cli, files, tmp_path):
    _, a, new, _ = files
    p = tmp_path / "mis.csv"
    new.drop(columns=["v4"]).to_csv(p, index=False)
    r = cli("mvda", "pca", a, "--id", "batch", "--predict", p)
    assert r.code == 2 and "v4" in r.err and "missing from the projected data" in r.err


def test_bad_options(cli, files):
    _, a, _, _ = files
    assert cli("mvda", "pca", a, "--id", "batch", "--components", "two").code == 2
    assert cli("mvda", "pca", a, "--id", "batch", "--scale", "log").code == 2
    assert cli("mvda", "pca", a, "--id", "lot").code == 2


def test_pls_json(cli, tmp_path):
    df = _frame(30)
    df["titer"] = df["v0"] * 0.2 - df["v3"] * 0.1 + np.random.default_rng(2).normal(size=30) * 0.1
    p = tmp_path / "pls.csv"
    df.to_csv(p, index=False)
    new = df.iloc[:3].copy()
    q = tmp_path / "new.csv"
    new.drop(columns="titer").to_csv(q, index=False)
    html = tmp_path / "pls.html"
    r = cli("mvda", "pls", p, "--id", "batch", "--y", "titer", "--components", "2", "--predict", q,
            "--json", "--out", html)
    assert r.code == 0, r.err
    out = r.json()
    assert ISSUE_KEYS | {"r2y", "r2y_cum", "vip", "coefficients", "rmsecv"} <= set(out)
    m = PLS(2).fit(df.drop(columns=["batch", "titer"]), df[["titer"]])
    np.testing.assert_allclose(out["r2y"], m.explained_r2y_)
    np.testing.assert_allclose(out["rmsecv"]["titer"], m.rmsecv_[0])
    np.testing.assert_allclose([out["vip"][v] for v in m.variables_], m.vip_)
    np.testing.assert_allclose(out["projected"]["predicted"]["titer"], m.predict(
        new.drop(columns=["batch", "titer"]))[:, 0])
    assert "VIP" in html.read_text(encoding="utf-8")


def test_pls_unknown_response(cli, files):
    _, a, _, _ = files
    r = cli("mvda", "pls", a, "--id", "batch", "--y", "titer")
    assert r.code == 2 and "titer" in r.err


def test_contributions_of_an_observation(cli, files):
    _, a, _, b = files
    r = cli("mvda", "pca", a, "--id", "batch", "--components", "2", "--predict", b,
            "--contributions", "S2", "--json")
    assert r.code == 0, r.err
    c = r.json()["contributions"]
    assert c["observation"] == "S2" and c["set"] == "projected"
    assert sum(c["t2"].values()) == pytest.approx(r.json()["projected"]["t2"][1], rel=1e-9)
    assert sum(c["spe"].values()) == pytest.approx(r.json()["projected"]["spe"][1], rel=1e-9)
    r = cli("mvda", "pca", a, "--id", "batch", "--components", "2", "--contributions", "B03")
    assert r.code == 0 and "Contributions for B03 (model)" in r.out
    assert cli("mvda", "pca", a, "--id", "batch", "--contributions", "nope").code == 2


def test_row_without_values(cli, files, tmp_path):
    df, *_ = files
    df = df.copy()
    for c in df.columns[1:]:
        df.loc[2, c] = None
    p = tmp_path / "e.csv"
    df.to_csv(p, index=False)
    r = cli("mvda", "pca", p, "--id", "batch", "--components", "2")
    assert r.code == 2 and f"{p}:4:" in r.err and "without any value" in r.err


def test_spe_method_option(cli, files):
    df, a, _, _ = files
    r = cli("mvda", "pca", a, "--id", "batch", "--components", "2", "--spe-method",
            "jackson-mudholkar", "--json")
    assert r.code == 0, r.err
    m = PCA(2, cross_validate=False).fit(df.drop(columns="batch"))
    assert r.json()["spe_limit"]["0.95"] == pytest.approx(
        m.spe_limit(0.95, method="jackson-mudholkar"))
    assert r.json()["spe_method"] == "jackson-mudholkar"
    assert cli("mvda", "pca", a, "--id", "batch", "--spe-method", "exact").code == 2


def test_projected_row_without_values(cli, files, tmp_path):
    _, a, new, _ = files
    new = new.copy()
    for c in new.columns[1:]:
        new.loc[1, c] = None
    p = tmp_path / "n.csv"
    new.to_csv(p, index=False)
    r = cli("mvda", "pca", a, "--id", "batch", "--components", "2", "--predict", p)
    assert r.code == 2 and f"{p}:3:" in r.err and "without any value" in r.err
