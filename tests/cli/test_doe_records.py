"""DoE as stored records and the hand-on with the project (issue 9 items 1, 2; issue 17 DoE
wiring): factor definitions travel with every run sheet, every DoE command stores a record
with --project P --as NAME, `doe design --project P` takes the C&E's potential CPPs, the design
space is accepted into the project (audited; refused when the ranges would not nest)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

import qbdkit

DATA = Path(__file__).parents[1] / "data" / "doe"
DEMO = Path(qbdkit.__file__).parent / "demo" / "mab"
CCD = DATA / "montgomery_ex11_2_ccd.csv"


# ---- factor definitions travel with the run sheet ---------------------------------------------

def _ccd_sheets(cli, tmp_path) -> tuple[Path, Path]:
    """A rotatable CCD (α = 1.414) written by `doe design --out runs.xlsx` (→ runs.xlsx,
    runs.csv, runs.factors.yaml), filled with a quadratic response in coded units."""
    f = tmp_path / "factors.yaml"
    f.write_text("factors:\n- {name: Temp, low: 30, high: 40, unit: °C}\n"
                 "- {name: pH, low: 6.5, high: 7.5}\n", encoding="utf-8")
    out = tmp_path / "runs.xlsx"
    r = cli("doe", "design", "--factors", f, "--type", "ccd", "--center", "5", "--response",
            "Y", "--out", out)
    assert r.code == 0, r.err
    assert (tmp_path / "runs.csv").exists() and (tmp_path / "runs.factors.yaml").exists()
    side = yaml.safe_load((tmp_path / "runs.factors.yaml").read_text(encoding="utf-8"))
    assert [x["name"] for x in side["factors"]] == ["Temp", "pH"]
    assert side["factors"][0]["low"] == 30 and side["responses"] == [{"name": "Y"}]

    def fill(frame: pd.DataFrame) -> pd.DataFrame:
        a, b = (frame["Temp"] - 35) / 5, (frame["pH"] - 7) / 0.5
        noise = [0.3 * ((i * 7) % 5 - 2) / 2 for i in range(len(frame))]
        frame["Y"] = 80 + 2 * a + b - 1.5 * a ** 2 - b ** 2 + 0.5 * a * b + noise
        return frame

    runs = fill(pd.read_excel(out, sheet_name="runs"))
    with pd.ExcelWriter(out, mode="a", if_sheet_exists="replace") as xw:
        runs.to_excel(xw, sheet_name="runs", index=False)
    csv = fill(pd.read_csv(tmp_path / "runs.csv"))
    csv.to_csv(tmp_path / "runs.csv", index=False)
    return out, tmp_path / "runs.csv"


def test_ccd_as_csv_and_xlsx_gives_the_same_coefficients_and_par(cli, tmp_path):
    xlsx, csv = _ccd_sheets(cli, tmp_path)
    # without -r: the response the run sheet was made with
    a = cli("doe", "analyze", xlsx, "--json")
    b = cli("doe", "analyze", csv, "--json")
    assert a.code == 0 and b.code == 0, (a.err, b.err)
    ca = {t["term"]: t["coef"] for t in a.json()["responses"][0]["terms"]}
    cb = {t["term"]: t["coef"] for t in b.json()["responses"][0]["terms"]}
    assert a.json()["responses"][0]["name"] == "Y"
    assert ca.keys() == cb.keys()
    for k in ca:
        assert cb[k] == pytest.approx(ca[k], rel=1e-10, abs=1e-12), k
    assert ca["Temp"] == pytest.approx(2.0, abs=0.2)  # coded by the designed 30–40, not ±α
    coding = b.json()["coding"]
    assert coding[0] == {"factor": "Temp", "low": 30.0, "high": 40.0, "centre": 35.0,
                         "half_range": 5.0, "unit": "°C", "from": "runs.factors.yaml"}
    spec = ["--spec", "Y>=78", "--grid", "9", "--draws", "400", "--seed", "3", "--json"]
    pa = cli("doe", "design-space", xlsx, *spec).json()
    pb = cli("doe", "design-space", csv, *spec).json()
    assert pa["par"] == pb["par"] and pa["proposal"] == pb["proposal"]
    assert pa["studied"]["Temp"] == [30.0, 40.0]
    for f, (lo, hi) in pa["par"].items():
        assert pa["studied"][f][0] <= lo <= hi <= pa["studied"][f][1]


def test_csv_without_definitions_says_how_it_coded(cli, tmp_path):
    _xlsx, csv = _ccd_sheets(cli, tmp_path)
    (tmp_path / "runs.factors.yaml").unlink()
    r = cli("doe", "analyze", csv, "-r", "Y", "--json")
    assert r.code == 0, r.err
    assert "no factor definitions" in r.err and "Temp: centre 35, half-range 7.07" in r.err
    d = r.json()
    assert d["coding"][0]["from"] == "observed min/max"
    coef = {t["term"]: t["coef"] for t in d["responses"][0]["terms"]}
    assert coef["Temp"] == pytest.approx(2.0 * 1.41421, rel=0.1)  # α times too large
    s = cli("doe", "design-space", csv, "--spec", "Y>=78", "--grid", "5", "--draws", "200",
            "--json")
    assert s.code == 0, s.err
    assert any("PAR may lie outside the designed low–high" in n for n in s.json()["notes"])


def test_canonical_json_matches_montgomery_example_11_2(cli):
    # tests/data/doe/README.md: Montgomery DAE 8th ed. Example 11.2
    r = cli("doe", "analyze", CCD, "--canonical", "--json")
    assert r.code == 0, r.err
    d = r.json()
    assert "montgomery_ex11_2_ccd.factors.yaml" in r.err  # the sidecar beside the CSV
    coef = {t["term"]: t["coef"] for t in d["responses"][0]["terms"]}
    assert coef["Intercept"] == pytest.approx(79.94, abs=5e-3)
    assert coef["Time (min)"] == pytest.approx(0.995, abs=5e-4)
    assert coef["Temperature (°F)"] == pytest.approx(0.515, abs=5e-4)
    assert coef["I(Time (min) ** 2)"] == pytest.approx(-1.376, abs=5e-4)
    assert coef["I(Temperature (°F) ** 2)"] == pytest.approx(-1.001, abs=5e-4)
    assert coef["Time (min):Temperature (°F)"] == pytest.approx(0.250, abs=5e-4)
    can = d["canonical"]
    assert can["kind"] == "maximum"
    assert can["stationary_point"]["Time (min)"] == pytest.approx(86.95, abs=0.01)
    assert can["stationary_point"]["Temperature (°F)"] == pytest.approx(176.53, abs=0.01)
    assert can["stationary_point_coded"]["Time (min)"] == pytest.approx(0.389, abs=1e-3)
    assert can["stationary_point_coded"]["Temperature (°F)"] == pytest.approx(0.306, abs=1e-3)
    assert can["predicted"] == pytest.approx(80.21, abs=5e-3)
    assert sorted(can["eigenvalues"]) == pytest.approx([-1.4141, -0.9634], abs=5e-4)
    assert d["responses"][0]["canonical"] == can
    r = cli("doe", "analyze", CCD, "--ridge", "--steepest", "--json")
    assert r.code == 0, r.err
    resp = r.json()["responses"][0]
    assert resp["ridge"]["kind"] == "ridge max" and resp["steepest"]["kind"] == "steepest ascent"
    r = cli("doe", "analyze", CCD, "--model", "linear", "--canonical")
    assert r.code == 2 and "canonical analysis needs square or interaction terms" in r.err


def test_text_output_has_equations_diagnostics_and_curvature(cli, data_dir):
    r = cli("doe", "analyze", CCD, "-r", "Yield (%)")
    assert r.code == 0, r.err
    assert "equation (coded units): Yield (%) = 79.94 + 0.9951·Time (min)" in r.out
    assert "equation (actual units): Yield (%) = " in r.out
    assert "Coding (coded = (actual − centre) / half-range)" in r.out
    r = cli("doe", "analyze", data_dir / "doe" / "montgomery_ex6_7_curvature.csv", "-r", "Yield",
            "--model", "interaction", "--factors", "Time (min),Temperature (°F)")
    assert r.code == 0, r.err
    assert "Curvature test for Yield" in r.out and "no evidence of curvature" in r.out


def test_compare_models_and_stepwise(cli, tmp_path):
    r = cli("doe", "compare", CCD, "--response", "Yield (%)", "--models", "linear", "interaction",
            "quadratic", "--json")
    assert r.code == 0, r.err
    d = r.json()
    assert [x["model"] for x in d["comparison"]["rows"]] == ["linear", "interaction", "quadratic"]
    assert d["comparison"]["best_aicc"] == "quadratic"
    r = cli("doe", "compare", CCD, "-r", "Yield (%)", "--stepwise", "backward", "--criterion",
            "aicc", "--json")
    assert r.code == 0, r.err
    sw = r.json()["stepwise"]
    assert sw["direction"] == "backward" and sw["criterion"] == "aicc"
    assert "Time (min):Temperature (°F)" not in sw["terms"]  # p = 0.10: AICc drops it
    out = tmp_path / "c.html"
    r = cli("doe", "compare", CCD, "-r", "Yield (%)", "-m", "linear", "-m", "quadratic",
            "--out", out)
    assert r.code == 0 and "candidate models" in out.read_text(encoding="utf-8")
    r = cli("doe", "compare", CCD, "-r", "Yield (%)")
    assert r.code == 2 and "no models to compare" in r.err


def test_report_has_pareto_half_normal_equation_and_influence(cli, data_dir, tmp_path):
    out = tmp_path / "a.html"
    r = cli("doe", "analyze", data_dir / "doe" / "montgomery_ex6_2_filtration_2x4.csv", "--model",
            "filtration_rate ~ A_temperature*B_pressure*C_formaldehyde_conc*D_stirring_rate",
            "--out", out)
    assert r.code == 0, r.err
    html = out.read_text(encoding="utf-8")
    for text in ("half-normal plot", "Pareto of effects (Lenth)", "ME 6.75", "SME",
                 "Fitted equation"):
        assert text in html, text
    out2 = tmp_path / "b.html"
    assert cli("doe", "analyze", CCD, "--out", out2).code == 0
    html = out2.read_text(encoding="utf-8")
    assert "Pareto of standardized effects" in html and "actual units" in html
    assert "outliers and influential runs" in html


# ---- stored records ---------------------------------------------------------------------------

@pytest.fixture
def demo_project(cli, tmp_path):
    """The demo project imported into the (single-user) store, with its C&E stored."""
    folder = tmp_path / "mab"
    shutil.copytree(DEMO, folder)
    r = cli("import", folder, "--reason", "test")
    assert r.code == 0, r.err
    r = cli("risk", "ce", folder / "risk" / "ce.csv", "--project", "demo-mab", "--reason", "C&E")
    assert r.code == 0, r.err
    return folder


def test_every_doe_command_stores_a_record(cli, demo_project, tmp_path):
    csv = demo_project / "doe" / "results.csv"
    cmds = {
        "doe.analysis": ["doe", "analyze", csv, "-r", "Titer (g/L)"],
        "doe.compare": ["doe", "compare", csv, "-r", "Titer (g/L)", "-m", "linear",
                        "quadratic"],
        "doe.reassess": ["doe", "reassess", csv, "--spec", "Aggregate (%)<=2.2"],
        "doe.optimize": ["doe", "optimize", csv, "--goal", "Titer (g/L):max=4,5.2", "--starts",
                         "2"],
        "doe.design_space": ["doe", "design-space", csv, "--spec", "Aggregate (%)<=2.2",
                             "--grid", "5", "--draws", "200"],
        "doe.design": ["doe", "design", "--factors", DEMO / "doe" / "factors.yaml", "--type",
                       "dsd"],
    }
    for kind, args in cmds.items():
        r = cli(*args, "--project", "demo-mab", "--as", "t1", "--json")
        assert r.code == 0, (kind, r.err)
        assert f"stored as {kind}/t1 v1 in project demo-mab" in r.err
        json.loads(r.out)
    listing = cli("records", "list", "demo-mab", "--json")
    kinds = {x["kind"] for x in listing.json()["records"]}
    assert set(cmds) <= kinds
    for kind in cmds:
        rr = cli("rerun", "demo-mab", kind, "t1")
        assert rr.code == 0 and "identical" in rr.out, (kind, rr.out, rr.err)
    # the input files and the definitions sidecar are stored with the analysis
    rec = cli("records", "show", "demo-mab", "doe.analysis", "t1", "--json").json()
    assert rec["content"]["request"]["factors_file"] == "results.factors.yaml"
    r = cli("doe", "analyze", csv, "-r", "Titer (g/L)", "--as", "x")
    assert r.code == 2 and "--project and --as go together" in r.err


def test_design_from_the_project_takes_the_ce_potential_cpps(cli, demo_project, tmp_path):
    out = tmp_path / "scr.csv"
    r = cli("doe", "design", "--project", "demo-mab", "--as", "screening", "--type", "dsd",
            "--out", out, "--json")
    assert r.code == 0, r.err
    d = r.json()
    names = [f["name"] for f in d["factors"]]
    assert names == ["Temperature (°C)", "Feed (%)", "pH", "Culture duration (d)", "DO (%)"]
    by = {f["name"]: f for f in d["factors"]}
    assert (by["Culture duration (d)"]["low"], by["Culture duration (d)"]["high"]) == (12, 16)
    assert by["DO (%)"]["unit"] == "%"
    assert d["parameters"]["DO (%)"] == "production_bioreactor/dissolved_oxygen"
    assert d["parameters"]["Feed (%)"] == "production_bioreactor/feed_volume"
    assert d["source"] == {"project": "demo-mab", "project_version": 1, "kind": "risk.ce",
                           "name": "ce", "version": 1}
    resp = {x["name"]: x for x in d["responses"]}
    assert resp["Aggregate (%)"]["high"] == 3.0 and resp["Aggregate (%)"]["kind"] == "cqa"
    assert (resp["Afucosylation (%)"]["low"], resp["Afucosylation (%)"]["high"]) == (5.0, 11.0)
    assert resp["Titer (g/L)"]["kind"] == "performance"
    assert len(d["runs"]) == 13
    side = yaml.safe_load((tmp_path / "scr.factors.yaml").read_text(encoding="utf-8"))
    assert side["source"]["kind"] == "risk.ce"
    assert side["factors"][4]["parameter"] == "production_bioreactor/dissolved_oxygen"
    # the record names its source; the audit entry's reason too
    rec = cli("records", "show", "demo-mab", "doe.design", "screening", "--json").json()
    assert rec["content"]["request"]["source"]["kind"] == "risk.ce"
    assert "factors from risk.ce/ce v1" in rec["reason"]
    # --factors NAMES instead of the C&E
    r = cli("doe", "design", "--project", "demo-mab", "--as", "two", "--factors",
            "temperature,Seeding density", "--unit-operation", "production_bioreactor",
            "--type", "full", "--json")
    assert r.code == 0, r.err
    assert r.json()["source"]["kind"] is None
    assert r.json()["parameters"]["Seeding density"] == "production_bioreactor/seeding_density"
    r = cli("doe", "design", "--project", "demo-mab", "--as", "bad", "--factors", "nonsense",
            "--type", "full")
    assert r.code == 2 and "no parameter of the project matches" in r.err
    r = cli("doe", "design", "--factors", "temperature,ph", "--type", "full")
    assert r.code == 2 and "factor names need a project" in r.err


def _space(cli, csv: Path, name: str, *extra: str):
    r = cli("doe", "design-space", csv, "--spec", "Titer (g/L)>=4.0", "--spec",
            "Aggregate (%)<=2.2", "--spec", "2<=Afucosylation (%)<=13", "--spec",
            "HCP (ng/mg)<=100", "--grid", "9", "--draws", "1000", "--seed", "5", "--project",
            "demo-mab", "--as", name, *extra, "--json")
    assert r.code == 0, r.err
    return r


def _parameters(cli, tmp_path, name: str) -> dict:
    folder = tmp_path / name
    assert cli("export", "demo-mab", folder).code == 0
    doc = yaml.safe_load((folder / "process.yaml").read_text(encoding="utf-8"))
    process = doc.get("process", doc)
    uo = next(u for u in process["unit_operations"] if u["name"] == "production_bioreactor")
    return {p["name"]: p for p in uo["parameters"]}


def test_accept_design_space_changes_exactly_the_named_parameters(cli, demo_project, tmp_path):
    csv = demo_project / "doe" / "results.csv"
    r = _space(cli, csv, "ds", "--control-sd",
               "Temperature (°C)=0.05,pH=0.02,DO (%)=2,Feed (%)=0.1")
    # with --project the set points default to the project's
    assert "set points from project demo-mab v1" in r.err
    proposal = {p["parameter"]: p for p in r.json()["proposal"]}
    assert proposal["production_bioreactor/temperature"]["set_point"] == 36.0
    before = _parameters(cli, tmp_path, "before")
    a = cli("project", "accept", "demo-mab", "--from", "doe.design_space/ds", "--reason",
            "design space agreed", "--json")
    assert a.code == 0, a.err
    res = a.json()
    assert res["version"] == 2 and res["previous_version"] == 1
    after = _parameters(cli, tmp_path, "after")
    touched = {c["path"].split("].parameters[")[1].split("]")[0] for c in res["changes"]}
    assert touched <= {"temperature", "ph", "dissolved_oxygen", "feed_volume"}
    for name, p in after.items():
        if name not in touched:
            assert p == before[name], name
    t = after["temperature"]
    assert t["par"]["low"] == proposal["production_bioreactor/temperature"]["par"][0]
    assert t["nor"] == {"low": 35.85, "high": 36.15}
    for c in res["changes"]:
        assert c["path"].startswith("process.unit_operations[production_bioreactor].parameters[")
    # each change audited old → new with its path and the source record
    log = cli("audit", "log", "--project", "demo-mab", "--json")
    assert log.code == 0, log.err
    entries = [(json.loads(e["old"]), json.loads(e["new"]), e["reason"])
               for e in log.json()["entries"] if e["action"] == "project.accept"]
    entries = [e for e in entries if "path" in e[1]]
    assert len(entries) == len(res["changes"])
    paths = {new["path"]: (old["value"], new["value"]) for old, new, _ in entries}
    nor_low = "process.unit_operations[production_bioreactor].parameters[temperature].nor.low"
    assert paths[nor_low] == (35.5, 35.85)
    assert all(new["record"] == "doe.design_space/ds v1" for _, new, _ in entries)
    assert all(why == "design space agreed" for _, _, why in entries)
    again = cli("project", "accept", "demo-mab", "--from", "doe.design_space/ds", "--reason", "x")
    assert again.code == 0 and "changes nothing" in again.out
    # the accepted version is vouched for by the trail like any other
    assert cli("audit", "verify").code == 0


def test_accept_refuses_ranges_that_do_not_nest(cli, demo_project, tmp_path):
    csv = demo_project / "doe" / "results.csv"
    # a wide NOR (σ = 0.3 °C → ± 0.9 °C) cannot lie inside the PAR this design space finds
    r = _space(cli, csv, "wide", "--control-sd", "Temperature (°C)=0.3")
    par = r.json()["par"]["Temperature (°C)"]
    assert par[1] < 36.9
    before = cli("records", "list", "demo-mab", "--json").json()
    a = cli("project", "accept", "demo-mab", "--from", "doe.design_space/wide", "--reason", "try")
    assert a.code == 2
    assert "parameters[temperature]" in a.err and "NOR" in a.err and "is not inside PAR" in a.err
    from qbdkit.services.projects import project_document

    assert project_document("demo-mab")["version"] == 1  # nothing written
    assert cli("records", "list", "demo-mab", "--json").json() == before
    a = cli("project", "accept", "demo-mab", "--from", "doe.analysis/none", "--reason", "x")
    assert a.code == 2 and "change nothing in the project" in a.err


def test_accept_reassessed_classes(cli, demo_project, tmp_path):
    csv = demo_project / "doe" / "results.csv"
    r = cli("doe", "reassess", csv, "--spec", "Aggregate (%)<=2.2", "--spec",
            "2<=Afucosylation (%)<=13", "--spec", "HCP (ng/mg)<=100", "--performance",
            "Titer (g/L)>=4", "--reduce", "--project", "demo-mab", "--as", "cpp", "--json")
    assert r.code == 0, r.err
    assert r.json()["parameters"]["DO (%)"] == "production_bioreactor/dissolved_oxygen"
    a = cli("project", "accept", "demo-mab", "--from", "doe.reassess/cpp", "--reason",
            "classes after the DoE", "--json")
    assert a.code == 0, a.err
    changes = {c["path"]: c["new"] for c in a.json()["changes"]}
    base = "process.unit_operations[production_bioreactor].parameters"
    assert changes[f"{base}[dissolved_oxygen].classification"] == "GPP"
    assert changes[f"{base}[temperature].classification"] == "CPP"
    assert len(changes) == 4
