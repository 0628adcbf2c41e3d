"""`qbdkit spec tolerance` and `qbdkit ppq clearance` (in-process)."""

from __future__ import annotations

import pytest


@pytest.fixture
def release(tmp_path):
    p = tmp_path / "release.csv"
    p.write_text("batch,purity\nB1,98.1\nB1,98.3\nB2,97.9\nB2,98.0\nB3,98.6\nB3,98.4\n",
                 encoding="utf-8")
    return p


def test_tolerance_json_shape(cli, release):
    r = cli("spec", "tolerance", release, "--column", "purity", "--coverage", "0.99",
            "--confidence", "0.95", "--sides", "2", "--json")
    assert r.code == 0, r.err
    d = r.json()
    assert {"n", "mean", "sd", "k", "lower", "upper", "method"} <= set(d)
    assert d["n"] == 6 and d["method"] == "exact"
    assert d["lower"] == pytest.approx(d["mean"] - d["k"] * d["sd"])


def test_tolerance_methods(cli, release):
    np_ = cli("spec", "tolerance", release, "--column", "purity", "--method", "nonparametric",
              "--json").json()
    assert np_["method"] == "nonparametric" and np_["lower"] == 97.9 and np_["upper"] == 98.6
    assert np_["meets_confidence"] is False and np_["n_required"] == 473
    one = cli("spec", "tolerance", release, "--column", "purity", "--sides", "1", "--json").json()
    assert one["method"] == "noncentral-t"
    re = cli("spec", "tolerance", release, "--column", "purity", "--batch", "batch", "--json")
    assert re.code == 0 and re.json()["method"] == "hoffman-kringle"


def test_factor_alone(cli):
    r = cli("spec", "tolerance", "--n", "10", "--coverage", "0.95", "--confidence", "0.95",
            "--sides", "2", "--json")
    assert r.code == 0
    assert r.json()["k"] == pytest.approx(3.3934, abs=1e-4)  # ISO 16269-6 Table F.5: 3.3935↑
    howe = cli("spec", "tolerance", "--n", "43", "--coverage", "0.90", "--confidence", "0.99",
               "--factor", "howe", "--json").json()
    assert round(howe["k"], 4) == 2.2173 and howe["method"] == "howe"  # NIST 7.2.6.3


@pytest.mark.parametrize("args", [
    ("--n", "10", "--coverage", "1.0"),
    ("--n", "10", "--confidence", "0"),
    ("--n", "1"),
    ("--n", "10", "--sides", "3"),
])
def test_bad_levels_exit_2(cli, args):
    r = cli("spec", "tolerance", *args, "--json")
    assert r.code == 2 and r.out == ""
    assert len(r.err.strip().splitlines()) == 1 and r.err.startswith("error:")


def test_fewer_than_two_values_names_file_row_column(cli, tmp_path):
    p = tmp_path / "one.csv"
    p.write_text("purity\n98.0\n", encoding="utf-8")
    r = cli("spec", "tolerance", p, "--column", "purity")
    assert r.code == 2
    assert r.err.strip() == (f"error: {p}:1: purity: fewer than 2 values: expected at least 2 "
                             "values for a tolerance interval, found 1")


def test_html_out(cli, release, tmp_path):
    out = tmp_path / "ti.html"
    r = cli("spec", "tolerance", release, "--column", "purity", "--out", out, "--lang", "zh")
    assert r.code == 0 and "容忍区间" in out.read_text(encoding="utf-8")


@pytest.fixture
def spiking(tmp_path):
    p = tmp_path / "vc.csv"
    p.write_text("step,mechanism,virus,load_titre,load_volume,output_titre,output_volume\n"
                 "Low pH,low pH,XMuLV,6.0,110,1.2,115\n"
                 "AEX,anion exchange,XMuLV,6.3,120,1.0,150\n"
                 "CEX,cation exchange,XMuLV,6.1,150,5.4,140\n"
                 "Nanofiltration,size exclusion,XMuLV,6.4,140,1.0,160\n", encoding="utf-8")
    return p


def test_clearance(cli, spiking, tmp_path):
    r = cli("ppq", "clearance", spiking, "--particles-per-ml", "1e6", "--volume-per-dose-ml",
            "1000", "--json")
    assert r.code == 0, r.err
    d = r.json()
    assert d["viruses"][0]["counted_steps"] == ["Low pH", "AEX", "Nanofiltration"]
    assert d["safety"]["meets_target"] is True
    out = tmp_path / "vc.html"
    assert cli("ppq", "clearance", spiking, "--out", out).code == 0
    assert "cumulative LRV" in out.read_text(encoding="utf-8")


def test_clearance_negative_or_missing_titre(cli, tmp_path):
    p = tmp_path / "vc.csv"
    p.write_text("step,virus,load_titre,load_volume,output_titre,output_volume\n"
                 "Low pH,XMuLV,1e6,110,,115\n", encoding="utf-8")
    r = cli("ppq", "clearance", p, "--titre-scale", "linear")
    assert r.code == 2 and r.err.strip().startswith(f"error: {p}:2: output_titre: missing value")
    p.write_text("step,virus,load_titre,load_volume,output_titre,output_volume\n"
                 "Low pH,XMuLV,-1e6,110,10,115\n", encoding="utf-8")
    r = cli("ppq", "clearance", p, "--titre-scale", "linear")
    assert r.code == 2 and f"{p}:2: load_titre: must be positive" in r.err
    assert len(r.err.strip().splitlines()) == 1
