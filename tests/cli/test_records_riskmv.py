"""risk, sdm and mvda commands as stored records (--project P --as NAME), --predict for new
observations, the T² convention, OPLS from the command line, merged header rows, N/A cells."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from qbdkit.core.mvda import t2_limit_simca


def _frame(n=25, k=5, seed=0, prefix="B"):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2)) @ rng.normal(size=(2, k)) + 0.3 * rng.normal(size=(n, k))
    df = pd.DataFrame(np.round(X * 10 + 50, 4), columns=[f"v{j}" for j in range(k)])
    df.insert(0, "batch", [f"{prefix}{i:02d}" for i in range(n)])
    return df


@pytest.fixture
def files(tmp_path):
    a, b = tmp_path / "train.csv", tmp_path / "new.csv"
    _frame().to_csv(a, index=False)
    _frame(4, seed=9, prefix="S").to_csv(b, index=False)
    return a, b


def test_pca_stored_as_a_record_and_rerun(cli, files):
    from qbdkit.services.projects import create_project

    a, b = files
    create_project("mAb-1", user="admin", reason="new programme")
    r = cli("mvda", "pca", a, "--id", "batch", "--components", "2", "--predict", b,
            "--project", "mAb-1", "--as", "end-points", "--json")
    assert r.code == 0, r.err
    assert "stored mvda.pca/end-points version 1 in project mAb-1" in r.err
    assert r.json()["projected"]["observations"] == ["S00", "S01", "S02", "S03"]
    r = cli("records", "list", "mAb-1")
    assert r.code == 0 and "mvda.pca" in r.out and "end-points" in r.out
    r = cli("rerun", "mAb-1", "mvda.pca", "end-points")
    assert r.code == 0 and "identical" in r.out
    # --project means a project in the store everywhere: a file there is an unknown project
    r = cli("mvda", "pca", a, "--id", "batch", "--project", str(b), "--as", "x")
    assert r.code == 2 and "unknown project" in r.err
    r = cli("mvda", "pca", a, "--id", "batch", "--project", "mAb-1")
    assert r.code == 2 and "--as" in r.err


def test_t2_convention_simca(cli, files):
    a, b = files
    r = cli("mvda", "pca", a, "--id", "batch", "--components", "2", "--predict", b,
            "--t2-convention", "simca", "--json")
    assert r.code == 0, r.err
    out = r.json()
    assert out["t2_convention"] == "simca"
    assert out["t2_limit"]["0.95"] == pytest.approx(t2_limit_simca(2, 25, 0.95))
    assert out["projected"]["t2_limit"]["0.95"] == pytest.approx(t2_limit_simca(2, 25, 0.95))
    assert "SIMCA" in out["t2_ellipse"]["label"] and out["t2_ellipse"]["judges"] == "new"
    r = cli("mvda", "pca", a, "--id", "batch", "--t2-convention", "jmp")
    assert r.code == 2


def test_autofit_reasons_shown(cli, files):
    a, _ = files
    r = cli("mvda", "pca", a, "--id", "batch")
    assert r.code == 0 and "SIMCA autofit" in r.out and "rule 1" in r.out


def test_opls_command(cli, tmp_path):
    df = _frame(30, 6)
    df["yield"] = np.round(0.3 * df["v0"] - 0.2 * df["v3"]
                           + np.random.default_rng(3).normal(size=30) * 0.2, 4)
    p = tmp_path / "runs.csv"
    df.to_csv(p, index=False)
    new = tmp_path / "new.csv"
    df.drop(columns="yield").iloc[:3].assign(batch=["N1", "N2", "N3"]).to_csv(new, index=False)
    html = tmp_path / "opls.html"
    r = cli("mvda", "opls", p, "--id", "batch", "--y", "yield", "--components", "1",
            "--predict", new, "--out", html, "--json")
    assert r.code == 0, r.err
    out = r.json()
    assert out["n_orthogonal"] == 1 and [c["component"] for c in out["components"]] == ["P1", "O1"]
    assert {"r2x_cum", "r2y_cum", "q2_cum", "vip", "coefficients"} <= set(out)
    assert out["projected"]["observations"] == ["N1", "N2", "N3"]
    text = html.read_text(encoding="utf-8")
    assert "OPLS" in text and "<svg" in text
    r = cli("mvda", "opls", p, "--id", "batch", "--y", "yield")
    assert r.code == 0 and "R²Y(cum)" in r.out and "P1" in r.out


def test_sdm_compare_stored_with_a_run_set_aside(cli, tmp_path):
    from qbdkit.services.projects import create_project

    at = tmp_path / "at.csv"
    sm = tmp_path / "small.csv"
    at.write_text("batch,titer\nL1,5.1\nL2,5.4\nL3,4.9\nL4,5.0\nL5,5.3\nL6,5.2\n",
                  encoding="utf-8")
    sm.write_text("batch,titer\nS1,5.3\nS2,5.0\nS3,9.9\n", encoding="utf-8")
    create_project("mAb-1", user="admin", reason="new programme")
    r = cli("sdm", "compare", "--at-scale", at, "--small-scale", sm, "--exclude", "S3",
            "--project", "mAb-1", "--as", "titer")
    assert r.code == 0, r.err
    # not shown for lack of power, with the runs it needs, and n in the CLI table
    assert "NOT SHOWN" in r.out and "not shown — needs ≥" in r.out and "n / n 80 %" in r.out
    assert "set aside: S3" in r.out
    assert "stored sdm.compare/titer version 1" in r.err
    r = cli("sdm", "compare", "--at-scale", at, "--small-scale", sm, "--exclude", "S9")
    assert r.code == 2 and "S9" in r.err


def test_merged_header_rows_and_na_cells(cli, tmp_path):
    at = tmp_path / "at.csv"
    sm = tmp_path / "small.csv"
    # a group row merged over two attribute columns above the names (Excel export)
    at.write_text("批次,产物质量,\nbatch,聚体,HCP\nL1,1.1,60\nL2,1.3,62\nL3,1.2,N/A\nL4,1.0,59\n"
                  "L5,1.4,61\n", encoding="utf-8")
    sm.write_text("批次,产物质量,\nbatch,聚体,HCP\nS1,1.2,60\nS2,1.1,61\nS3,1.3,60\n",
                  encoding="utf-8")
    r = cli("sdm", "compare", "--at-scale", at, "--small-scale", sm, "--json")
    assert r.code != 0 or "Unnamed" in r.out or "--header-row" in r.err
    r = cli("sdm", "compare", "--at-scale", at, "--small-scale", sm, "--header-row", "1-2",
            "--json")
    assert r.code == 0, r.err
    names = [x["name"] for x in r.json()["attributes"]]
    assert names == ["产物质量 聚体", "产物质量 HCP"]  # Chinese headers kept in the output
    assert "产物质量 HCP: missing (N/A) in row 5 (N/A)" in r.err
    assert r.json()["attributes"][1]["n_at_scale"] == 4


def test_risk_cqa_help_names_its_options(cli):
    r = cli("risk", "cqa", "--help")
    assert r.code == 0
    text = " ".join(r.out.split())
    assert "--tool" in text and "overrides --tool" in text and "overrides --scale" not in text
    assert "--project" in text and "--as" in text and "--header-row" in text
