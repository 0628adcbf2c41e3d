"""`qbdkit doe design | evaluate | augment` end to end (in-process CLI)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

FACTORS = """factors:
  - {name: 温度, low: 34, high: 36, unit: °C}
  - {name: pH, low: 6.8, high: 7.1}
  - {name: DO, low: 30, high: 70, unit: "%"}
  - {name: Seeding, low: 0.7, high: 1.3}
  - {name: Feed, low: 9, high: 15, unit: "%"}
  - {name: F6, low: 0, high: 1}
  - {name: F7, low: 0, high: 1}
"""


@pytest.fixture
def factors_file(tmp_path):
    p = tmp_path / "factors.yaml"
    p.write_text(FACTORS, encoding="utf-8")
    return p


def test_fractional_json_keys_and_pydoe_case(cli, factors_file):
    r = cli("doe", "design", "--factors", factors_file, "--type", "fractional", "--resolution", "3", "--json")
    assert r.code == 0, r.err
    d = r.json()
    for key in ("runs", "coded", "factors", "generators", "resolution", "word_length_pattern",
                "d_efficiency", "max_vif"):
        assert key in d
    assert len(d["runs"]) == 8 and d["resolution"] == 3
    assert d["generators"] == ["D=AB", "E=AC", "F=BC", "G=ABC"]
    assert d["word_length_pattern"] == [7, 7, 0, 0, 1]
    assert set(d["runs"][0]) == {"温度", "pH", "DO", "Seeding", "Feed", "F6", "F7"}
    assert all(len(row) == 7 for row in d["coded"])
    assert d["d_efficiency"] == pytest.approx(100)


def test_out_xlsx_contract_and_evaluate_roundtrip(cli, factors_file, tmp_path):
    out = tmp_path / "runs.xlsx"
    r = cli("doe", "design", "--factors", factors_file, "--type", "fractional", "--resolution", "4",
            "--center", "2", "--response", "titer", "--response", "HMW", "--out", out)
    assert r.code == 0, r.err
    assert out.exists() and (tmp_path / "runs.csv").exists()
    xl = pd.ExcelFile(out)
    assert xl.sheet_names == ["runs", "coded", "factors"]
    runs = pd.read_excel(out, sheet_name="runs")
    assert list(runs.columns) == ["run", "std_order", "温度", "pH", "DO", "Seeding", "Feed", "F6", "F7", "titer", "HMW"]
    assert runs["titer"].isna().all() and len(runs) == 18
    fac = pd.read_excel(out, sheet_name="factors")
    assert list(fac.columns) == ["name", "type", "low", "high", "unit", "levels"]
    r2 = cli("doe", "evaluate", out, "--model", "linear", "--json")
    assert r2.code == 0, r2.err
    ev = r2.json()
    assert ev["n_runs"] == 18 and ev["word_length_pattern"][:2] == [0.0, 7.0] and ev["resolution"] == 4
    r3 = cli("doe", "evaluate", tmp_path / "runs.csv", "--model", "linear", "--json")
    assert r3.code == 0 and r3.json()["max_vif"] == pytest.approx(ev["max_vif"])


def test_evaluate_design_made_elsewhere(cli, data_dir):
    f = data_dir / "doe_design" / "montgomery_ex6_2_filtration_2x4.csv"
    r = cli("doe", "evaluate", f, "--model", "interaction", "--response", "filtration_rate", "--json")
    assert r.code == 0, r.err
    ev = r.json()
    assert ev["n_runs"] == 16 and ev["n_parameters"] == 11
    assert ev["d_efficiency"] == pytest.approx(100) and ev["max_vif"] == pytest.approx(1)
    assert ev["word_length_pattern"] == [0.0, 0.0]


@pytest.mark.parametrize("kind,extra,n", [("ccd", [], None), ("bbd", [], None), ("dsd", [], 17), ("pb", [], 8),
                                         ("full", [], 128), ("d-optimal", ["--model", "linear", "--runs", "12"], 12),
                                         ("i-optimal", ["--model", "linear", "--runs", "10"], 10)])
def test_every_family(cli, factors_file, kind, extra, n, tmp_path):
    if kind in ("ccd", "bbd"):
        factors_file.write_text("\n".join(FACTORS.splitlines()[:4]) + "\n", encoding="utf-8")
        n = 17 if kind == "ccd" else 15  # 8 cube + 6 axial + 3 centre; BBD 12 + 3
    r = cli("doe", "design", "--factors", factors_file, "--type", kind, *extra, "--json")
    assert r.code == 0, r.err
    assert len(r.json()["runs"]) == n


def test_augment_foldover(cli, factors_file, tmp_path):
    out = tmp_path / "r.xlsx"
    assert cli("doe", "design", "--factors", factors_file, "--type", "fractional", "--resolution", "3",
               "--out", out).code == 0
    r = cli("doe", "augment", out, "--how", "foldover", "--json")
    assert r.code == 0, r.err
    d = r.json()
    assert len(d["runs"]) == 16 and d["resolution"] == 4 and d["block"] == [1] * 8 + [2] * 8


@pytest.mark.parametrize("args,needle", [
    (["--type", "fractional", "--resolution", "5", "--runs", "32"],
     "resolution V for 7 factors needs at least 64 regular runs"),
    (["--type", "magic"], "unknown design type"),
    (["--type", "d-optimal", "--model", "quadratic", "--runs", "20"], "too few runs for the model"),
    (["--type", "d-optimal", "--model", "A + nonsense"], "model:"),
    (["--type", "bbd"], "Box-Behnken designs are published for 3-7 factors"),
    (["--type", "pb", "--runs", "10"], "no Plackett-Burman design with 10 runs"),
])
def test_bad_requests_exit_2(cli, factors_file, tmp_path, args, needle):
    if "bbd" in args:
        factors_file.write_text(FACTORS + "  - {name: F8, low: 0, high: 1}\n", encoding="utf-8")
    out = tmp_path / "never.xlsx"
    r = cli("doe", "design", "--factors", factors_file, *args, "--out", out)
    assert r.code == 2, (r.out, r.err)
    assert needle in r.err and r.err.startswith("error: ")
    assert "Traceback" not in r.err and not out.exists()


def test_bad_factor_file_names_row_and_field(cli, tmp_path):
    p = tmp_path / "f.yaml"
    p.write_text("factors:\n  - {name: T, low: 36, high: 34}\n  - {name: R, type: fuzzy}\n"
                 "constraints:\n  - 'T >= 40'\n", encoding="utf-8")
    r = cli("doe", "design", "--factors", p, "--type", "full")
    assert r.code == 2
    lines = r.err.strip().splitlines()
    assert len(lines) == 2
    assert f"{p}:1: low: low must be below high for T" in lines[0]
    assert f"{p}:2: type: unknown factor type for R" in lines[1]
    p.write_text("factors:\n  - {name: T, low: 34, high: 36}\nconstraints:\n  - 'T >= 40'\n", encoding="utf-8")
    r = cli("doe", "design", "--factors", p, "--type", "d-optimal")
    assert r.code == 2 and "no feasible factor setting" in r.err


def test_out_suffix_checked_before_work(cli, factors_file, tmp_path):
    r = cli("doe", "design", "--factors", factors_file, "--type", "pb", "--out", tmp_path / "x.txt")
    assert r.code == 2 and "--out" in r.err


def test_factors_from_project_folder(cli):
    # `--from-folder DIR` (was `--project DIR` before --project meant a project in the store)
    import qbdkit

    demo = Path(qbdkit.__file__).parent / "demo" / "mab"
    r = cli("doe", "design", "--from-folder", demo, "--unit-operation", "production_bioreactor", "--type", "dsd",
            "--select", "temperature", "--select", "ph", "--select", "feed_volume", "--select", "seeding_density",
            "--json")
    assert r.code == 0, r.err
    d = r.json()
    assert [f["name"] for f in d["factors"]] == ["temperature", "ph", "feed_volume", "seeding_density"]
    assert d["factors"][0]["low"] == 35.0 and d["factors"][0]["high"] == 37.0  # studied range
    assert d["parameters"]["feed_volume"] == "production_bioreactor/feed_volume"
    assert len(d["runs"]) == 9
    r = cli("doe", "design", "--from-folder", demo, "--unit-operation", "nope", "--type", "dsd")
    assert r.code == 2 and "unknown unit operation" in r.err
    r = cli("doe", "design", "--type", "dsd")
    assert r.code == 2 and "exactly one of --factors FILE, --project P" in r.err
