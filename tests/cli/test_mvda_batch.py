"""`qbdkit mvda batch`: JSON, projection, HTML report, bad input → exit 2."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import typer

from qbdkit.cli import main as main_module
from qbdkit.cli.mvda_batch import register


@pytest.fixture
def bcli(cli, monkeypatch):
    """The CLI with ``mvda batch`` registered (whether or not the mvda app wires it yet)."""
    app = typer.Typer()
    sub = typer.Typer()
    register(sub)
    app.add_typer(sub, name="mvda")
    monkeypatch.setattr(main_module, "app", app)
    return cli


def frame(n, seed, drift=False):
    rng = np.random.default_rng(seed)
    rows = []
    for b in range(n):
        for d in range(10):
            lac = 2 * np.exp(-((d - 4) / 3) ** 2) + rng.normal(0, 0.05)
            if drift and d >= 6:
                lac += 2.0
            rows.append({"批次": f"{'S' if drift else 'L'}{b}", "day": d,
                         "vcd": 15 / (1 + np.exp(-(d - 4))) + rng.normal(0, 0.3),
                         "lactate": lac, "pH": 7.0 - 0.05 * lac + rng.normal(0, 0.01)})
    return pd.DataFrame(rows)


@pytest.fixture
def files(tmp_path):
    a = tmp_path / "train.csv"
    s = tmp_path / "new.csv"
    frame(8, 1).to_csv(a, index=False)
    frame(2, 2, drift=True).to_csv(s, index=False)
    return a, s


def test_batch_json(bcli, files):
    a, s = files
    r = bcli("mvda", "batch", a, "--batch", "批次", "--time", "day", "--predict", s, "--json")
    assert r.code == 0, r.err
    d = r.json()
    assert d["grid"] == list(range(10)) and d["variables"] == ["vcd", "lactate", "pH"]
    assert len(d["evolution"]["score_upper"]) == 10
    assert set(d["evolution"]["variables"]["lactate"]) == {"mean", "lower", "upper"}
    lac = [o for o in d["projected"]["evolution"]["outside"] if o["what"] == "lactate"]
    assert lac and min(o["maturity"] for o in lac) >= 6
    assert d["projected"]["batches"] == ["S0", "S1"]


def test_batch_summary_and_html(bcli, files, tmp_path):
    a, s = files
    out = tmp_path / "batch.html"
    r = bcli("mvda", "batch", a, "--batch", "批次", "--time", "day", "--predict", s, "--out", out)
    assert r.code == 0, r.err
    assert "Batch models" in r.out
    html = out.read_text(encoding="utf-8")
    assert html.count("<svg") >= 4 and "Batch level model" in html


def test_batch_missing_column_exit_2(bcli, files):
    a, _ = files
    r = bcli("mvda", "batch", a, "--batch", "batch", "--time", "day")
    assert r.code == 2 and "missing column" in r.err and "batch" in r.err


def test_batch_mismatched_variables_exit_2(bcli, files):
    a, s = files
    frame(2, 2, drift=True).drop(columns="pH").to_csv(s, index=False)
    r = bcli("mvda", "batch", a, "--batch", "批次", "--time", "day", "--predict", s)
    assert r.code == 2 and "pH" in r.err


def test_batch_no_overlap_exit_2(bcli, tmp_path):
    p = tmp_path / "x.csv"
    p.write_text("batch,t,x\nA,0,1\nA,1,2\nB,5,3\nB,6,4\nC,0,1\nC,1,1\n", encoding="utf-8")
    r = bcli("mvda", "batch", p, "--batch", "batch", "--time", "t")
    assert r.code == 2 and "without overlap" in r.err


def test_batch_non_numeric_exit_2(bcli, files):
    a, _ = files
    f = pd.read_csv(a)
    f["vcd"] = f["vcd"].astype(object)
    f.loc[3, "vcd"] = "n/a?"
    f.to_csv(a, index=False)
    r = bcli("mvda", "batch", a, "--batch", "批次", "--time", "day")
    assert r.code == 2 and ":5: vcd: not a number" in r.err


def test_bad_components_exit_2(bcli, files):
    a, _ = files
    r = bcli("mvda", "batch", a, "--batch", "批次", "--time", "day", "--components", "x")
    assert r.code == 2


def test_batch_final_attributes_and_pls(bcli, files, tmp_path):
    a, s = files
    fin = tmp_path / "final.csv"
    pd.DataFrame({"批次": [f"L{i}" for i in range(8)],
                  "aggregate": np.linspace(1.8, 2.2, 8)}).to_csv(fin, index=False)
    r = bcli("mvda", "batch", a, "--batch", "批次", "--time", "day", "--predict", s,
             "--final", fin, "--evolution", "pls", "--json")
    assert r.code == 0, r.err
    d = r.json()
    assert d["level"]["final"] == ["aggregate"] and d["evolution"]["method"] == "pls"
    assert set(d["projected"]["evolution"]["predicted_maturity"]) == {"S0", "S1"}
    pd.DataFrame({"批次": ["L0"], "aggregate": [2.0]}).to_csv(fin, index=False)
    r = bcli("mvda", "batch", a, "--batch", "批次", "--time", "day", "--final", fin)
    assert r.code == 2 and "final quality attributes missing" in r.err


def test_batch_constant_variable_warned(bcli, files):
    a, _ = files
    f = pd.read_csv(a)
    f["temperature"] = 36.5
    f.to_csv(a, index=False)
    r = bcli("mvda", "batch", a, "--batch", "批次", "--time", "day", "--json")
    assert r.code == 0, r.err
    assert "temperature left out of the evolution model (constant)" in r.err
    assert "temperature" not in r.json()["evolution"]["loadings"]


def test_batch_indicator_and_auto_components(bcli, tmp_path):
    rows = []
    for b in range(6):
        feed = 0.0
        for d in range(8):
            feed += 1.0 + 0.1 * b  # cumulative feed, a different pace per batch
            rows.append({"batch": f"B{b}", "day": d, "feed": feed, "x": 2.0 * feed + 0.01 * b * d,
                         "y": np.sin(feed) + 0.02 * b})
    p = tmp_path / "ind.csv"
    pd.DataFrame(rows).to_csv(p, index=False)
    r = bcli("mvda", "batch", p, "--batch", "batch", "--time", "day", "--indicator", "feed",
             "--points", "5", "--components", "auto", "--json")
    assert r.code == 0, r.err
    d = r.json()
    assert d["maturity"] == "feed" and len(d["grid"]) == 5
    # the common range of cumulative feed: from the largest start to the smallest end
    assert d["grid"][0] == pytest.approx(1.5) and d["grid"][-1] == pytest.approx(8.0)
    assert d["evolution"]["n_components"] >= 1
