"""``qbdkit cpv chart|capability|t2`` reproduce the published examples; bad input → exit 2
with one line naming file, row and field (sources: tests/data/spc/README.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).parents[1] / "data" / "spc"


def test_chart_xbar_r_pistonrings_json(cli):
    r = cli("cpv", "chart", DATA / "pistonrings.csv", "--value", "diameter", "--subgroup",
            "sample", "--type", "xbar-r", "--baseline", "25", "--json")
    assert r.code == 0, r.err
    d = r.json()
    assert set(d) >= {"type", "center", "lcl", "ucl", "statistic", "signals", "phases"}
    assert d["center"] == pytest.approx(74.00118, abs=5e-6)
    assert d["lcl"][0] == pytest.approx(73.98805, abs=5e-6)
    assert d["ucl"][39] == pytest.approx(74.0143, abs=5e-5)
    rule1 = [s for s in d["signals"] if s["rule"] == "nelson1" and s["chart"] == "location"]
    assert rule1[0]["points"] == [36, 37, 38]


def test_chart_p_with_exclusions_and_html(cli, tmp_path):
    out = tmp_path / "p.html"
    r = cli("cpv", "chart", DATA / "orangejuice.csv", "--value", "D", "--size", "size",
            "--type", "p", "--baseline", "30", "--exclude", "14,22", "--rules", "we", "--json",
            "--out", out)
    assert r.code == 0, r.err
    d = r.json()
    assert d["center"] == pytest.approx(0.215)
    assert d["ucl"][0] == pytest.approx(0.3892972, abs=5e-8)
    assert {s["rule"] for s in d["signals"]} <= {"we1", "we2", "we3", "we4"}
    html = out.read_text(encoding="utf-8")
    assert "<svg" in html and "we1" in html


def test_chart_cusum_and_ewma(cli):
    r = cli("cpv", "chart", DATA / "montgomery_table9_1.csv", "--value", "x", "--type", "cusum",
            "--center", "10", "--sigma", "1", "--k", "0.5", "--h", "5", "--json")
    assert r.code == 0, r.err
    assert round(r.json()["statistic"][28], 2) == 5.28
    r = cli("cpv", "chart", DATA / "nist_ewma.csv", "--value", "x", "--type", "ewma",
            "--center", "50", "--sigma", "2.0539", "--lambda", "0.3", "--json")
    assert r.code == 0, r.err
    assert round(r.json()["statistic"][-1], 2) == 51.99


def test_capability_json_shape(cli):
    r = cli("cpv", "capability", DATA / "pistonrings.csv", "--value", "diameter", "--subgroup",
            "sample", "--lsl", "73.95", "--usl", "74.05", "--json")
    assert r.code == 0, r.err
    d = r.json()
    for key in ("cp", "cpl", "cpu", "cpk", "cpm", "pp", "ppk", "ci", "sigma_within",
                "sigma_overall", "ppm"):
        assert key in d
    assert d["ci"]["cp"][0] < d["cp"] < d["ci"]["cp"][1]


def test_t2_boiler(cli, tmp_path):
    r = cli("cpv", "t2", DATA / "boiler.csv", "--vars", "t1,t2,t3,t4,t5,t6,t7,t8",
            "--confidence", "0.999", "--json", "--out", tmp_path / "t2.html")
    assert r.code == 0, r.err
    d = r.json()
    assert d["ucl"] == pytest.approx(17.41705, abs=5e-6)
    assert d["ucl_phase2"] == pytest.approx(70.02943, abs=5e-5)
    assert set(d) >= {"t2", "ucl", "ucl_phase2", "signals"}
    r = cli("cpv", "t2", DATA / "ryan_multivar.csv", "--vars", "X1,X2", "--subgroup", "sample",
            "--json")
    assert r.json()["ucl"] == pytest.approx(11.03976, abs=5e-6)


def _one_line(r):
    assert r.code == 2, (r.out, r.err)
    lines = [x for x in r.err.splitlines() if x.strip()]
    assert len(lines) == 1 and r.out == ""
    return lines[0]


def test_bad_input_exit_2_one_line(cli, tmp_path):
    f = tmp_path / "np.csv"
    f.write_text("d,n\n3,50\n4,50\n5,60\n", encoding="utf-8")
    line = _one_line(cli("cpv", "chart", f, "--value", "d", "--size", "n", "--type", "np"))
    assert "np.csv:4" in line and "n:" in line and "equal subgroup sizes" in line
    f = tmp_path / "neg.csv"
    f.write_text("c\n3\n-1\n2\n", encoding="utf-8")
    line = _one_line(cli("cpv", "chart", f, "--value", "c", "--type", "c"))
    assert "neg.csv:3" in line and "c:" in line
    f = tmp_path / "size0.csv"
    f.write_text("d,n\n3,50\n1,0\n", encoding="utf-8")
    line = _one_line(cli("cpv", "chart", f, "--value", "d", "--size", "n", "--type", "p"))
    assert "size0.csv:3" in line and "n:" in line
    f = tmp_path / "one.csv"
    f.write_text("x\n1.5\n", encoding="utf-8")
    line = _one_line(cli("cpv", "chart", f, "--value", "x"))
    assert "too few points" in line and "one.csv" in line
    line = _one_line(cli("cpv", "chart", DATA / "viscosity.csv", "--value", "viscosity",
                         "--baseline", "1"))
    assert "baseline" in line
    line = _one_line(cli("cpv", "capability", DATA / "viscosity.csv", "--value", "viscosity",
                         "--lsl", "35", "--usl", "33"))
    assert "LSL" in line and "viscosity.csv" in line
    f = tmp_path / "txt.csv"
    f.write_text("x\n1.5\nabc\n2\n", encoding="utf-8")
    line = _one_line(cli("cpv", "chart", f, "--value", "x"))
    assert "txt.csv:3" in line and "x:" in line
    line = _one_line(cli("cpv", "chart", DATA / "viscosity.csv", "--value", "nosuch"))
    assert "viscosity.csv:1" in line and "nosuch" in line
    line = _one_line(cli("cpv", "t2", DATA / "ryan_multivar.csv", "--vars", "X1,X2",
                         "--subgroup", "sample", "--baseline", "1"))
    assert "baseline" in line
