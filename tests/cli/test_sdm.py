"""`qbdkit sdm compare`: JSON keys, Chinese headers/GB18030, bad input → exit 2."""

from __future__ import annotations

import numpy as np
import pytest

from qbdkit.core.stats.equivalence import tost_ind

AT = """batch,titer,viability,aggregate
L1,5.1,92.0,1.1
L2,5.4,93.5,1.3
L3,4.9,91.0,1.2
L4,5.0,92.5,1.0
L5,5.3,94.0,1.4
L6,5.2,92.8,1.2
"""
SMALL = """batch,titer,viability,aggregate
S1,5.0,92.4,1.2
S2,5.3,93.0,1.1
S3,5.2,95.5,1.3
S4,5.1,91.8,1.6
"""


@pytest.fixture
def files(tmp_path):
    a = tmp_path / "at.csv"
    s = tmp_path / "small.csv"
    a.write_text(AT, encoding="utf-8")
    s.write_text(SMALL, encoding="utf-8")
    return a, s


def test_compare_json_keys_and_values(cli, files):
    a, s = files
    r = cli("sdm", "compare", "--at-scale", a, "--small-scale", s, "--json")
    assert r.code == 0, r.err
    out = r.json()
    first = out["attributes"][0]
    for key in ("name", "at_scale_mean", "at_scale_sd", "range", "small_scale_mean",
                "outside_range", "diff", "ci90", "margin", "equivalent"):
        assert key in first
    assert [x["name"] for x in out["attributes"]] == ["titer", "viability", "aggregate"]
    at = np.array([5.1, 5.4, 4.9, 5.0, 5.3, 5.2])
    sm = np.array([5.0, 5.3, 5.2, 5.1])
    t = tost_ind(sm, at, -1.5 * at.std(ddof=1), 1.5 * at.std(ddof=1))
    assert first["ci90"] == pytest.approx(list(t.ci), abs=1e-12)
    assert first["equivalent"] == t.equivalent
    assert first["margin"] == pytest.approx(1.5 * at.std(ddof=1))
    assert set(first["sample_size"]) == {"0.8", "0.9"}


def test_compare_margin_value_and_per_attribute(cli, files):
    a, s = files
    r = cli("sdm", "compare", "--at-scale", a, "--small-scale", s, "--margin", "2sd",
            "--margin", "titer=0.4", "--json")
    assert r.code == 0, r.err
    by = {x["name"]: x for x in r.json()["attributes"]}
    assert by["titer"]["margin"] == 0.4
    v = np.array([92.0, 93.5, 91.0, 92.5, 94.0, 92.8])
    assert by["viability"]["margin"] == pytest.approx(2 * v.std(ddof=1))


def test_compare_human_summary(cli, files):
    a, s = files
    r = cli("sdm", "compare", "--at-scale", a, "--small-scale", s)
    assert r.code == 0 and "titer" in r.out and ("PASS" in r.out or "FAIL" in r.out)


def test_chinese_headers_gb18030(cli, tmp_path):
    a = tmp_path / "at.csv"
    s = tmp_path / "small.csv"
    a.write_bytes(AT.replace("batch", "批次").replace("titer", "滴度").encode("gb18030"))
    s.write_bytes(SMALL.replace("batch", "批次").replace("titer", "滴度").encode("gb18030"))
    r = cli("sdm", "compare", "--at-scale", a, "--small-scale", s, "--json")
    assert r.code == 0, r.err
    assert r.json()["attributes"][0]["name"] == "滴度"


def test_non_numeric_cell_exit_2(cli, files):
    a, s = files
    s.write_text(SMALL.replace("5.3,93.0", "abc,93.0"), encoding="utf-8")
    r = cli("sdm", "compare", "--at-scale", a, "--small-scale", s)
    assert r.code == 2
    assert "small.csv:3: titer: not a number" in r.err


def test_constant_and_empty_columns_dropped_with_warning(cli, tmp_path):
    a = tmp_path / "at.csv"
    s = tmp_path / "small.csv"
    a.write_text("batch,titer,pH,blank\nL1,5.1,7.0,\nL2,5.3,7.0,\nL3,5.0,7.0,\n", encoding="utf-8")
    s.write_text("batch,titer,pH,blank\nS1,5.2,7.1,\nS2,5.1,7.0,\n", encoding="utf-8")
    r = cli("sdm", "compare", "--at-scale", a, "--small-scale", s, "--json")
    assert r.code == 0, r.err
    assert [x["name"] for x in r.json()["attributes"]] == ["titer"]
    assert "pH: constant" in r.err and "blank: all missing" in r.err


def test_mismatched_attributes_exit_2(cli, files):
    a, s = files
    s.write_text(SMALL.replace("aggregate", "hcp"), encoding="utf-8")
    r = cli("sdm", "compare", "--at-scale", a, "--small-scale", s)
    assert r.code == 2
    assert "aggregate" in r.err and "hcp" in r.err


@pytest.mark.parametrize("margin", ["abc", "-1", "nosuch=1sd"])
def test_bad_margin_exit_2(cli, files, margin):
    a, s = files
    r = cli("sdm", "compare", "--at-scale", a, "--small-scale", s, "--margin", margin)
    assert r.code == 2 and "error:" in r.err


def test_missing_file_exit_2(cli, files, tmp_path):
    a, _ = files
    r = cli("sdm", "compare", "--at-scale", a, "--small-scale", tmp_path / "nope.csv")
    assert r.code == 2 and "file not found" in r.err


def test_nothing_comparable_exit_2(cli, tmp_path):
    a = tmp_path / "at.csv"
    s = tmp_path / "small.csv"
    a.write_text("batch,pH\nL1,7.0\nL2,7.0\n", encoding="utf-8")
    s.write_text("batch,pH\nS1,7.1\nS2,7.0\n", encoding="utf-8")
    r = cli("sdm", "compare", "--at-scale", a, "--small-scale", s)
    assert r.code == 2 and "no attribute left" in r.err


def test_compare_xlsx(cli, tmp_path):
    import io

    import pandas as pd

    a = tmp_path / "at.xlsx"
    s = tmp_path / "small.xlsx"
    pd.read_csv(io.StringIO(AT)).to_excel(a, index=False)
    pd.read_csv(io.StringIO(SMALL)).to_excel(s, index=False)
    r = cli("sdm", "compare", "--at-scale", a, "--small-scale", s, "--json")
    assert r.code == 0, r.err
    assert [x["name"] for x in r.json()["attributes"]] == ["titer", "viability", "aggregate"]


def test_compare_pooled_and_k(cli, files):
    a, s = files
    r = cli("sdm", "compare", "--at-scale", a, "--small-scale", s, "--pooled", "--k", "2",
            "--alpha", "0.1", "--json")
    assert r.code == 0, r.err
    out = r.json()
    assert out["method"] == "pooled" and out["alpha"] == 0.1
    first = out["attributes"][0]
    at = np.array([5.1, 5.4, 4.9, 5.0, 5.3, 5.2])
    sm = np.array([5.0, 5.3, 5.2, 5.1])
    t = tost_ind(sm, at, -1.5 * at.std(ddof=1), 1.5 * at.std(ddof=1), alpha=0.1, equal_var=True)
    assert first["ci90"] == pytest.approx(list(t.ci), abs=1e-12)
    assert first["range"] == pytest.approx([at.mean() - 2 * at.std(ddof=1),
                                            at.mean() + 2 * at.std(ddof=1)])
    r = cli("sdm", "compare", "--at-scale", a, "--small-scale", s, "--alpha", "0.7")
    assert r.code == 2


def test_compare_html_out(cli, files, tmp_path):
    a, s = files
    out = tmp_path / "sdm.html"
    r = cli("sdm", "compare", "--at-scale", a, "--small-scale", s, "--out", out, "--json")
    assert r.code == 0, r.err
    html = out.read_text(encoding="utf-8")
    assert "titer" in html and ("PASS" in html or "FAIL" in html)
    assert r.json()["attributes"][0]["name"] == "titer"  # stdout is still only JSON
