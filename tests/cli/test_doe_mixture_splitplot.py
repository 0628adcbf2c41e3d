"""`qbdkit doe design --type mixture-…|split-plot` and `qbdkit doe analyze --model scheffe-… |
--whole-plot COL` (issue 17 designs): JSON, run sheets, stored records, reports, one-line errors.
References: tests/data/doe/README.md (Cornell yarn elongation; Montgomery Table 14.16)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

import qbdkit

DATA = Path(__file__).parents[1] / "data" / "doe"
YARN = DATA / "cornell_yarn_elongation.csv"
PAPER = DATA / "montgomery_ex14_paper_splitplot.csv"
DEMO = Path(qbdkit.__file__).parent / "demo" / "mab"


def _components(tmp_path: Path, extra: str = "") -> Path:
    f = tmp_path / "buffer.yaml"
    f.write_text("factors:\n- {name: Sucrose, low: 0, high: 1}\n- {name: Trehalose, low: 0, high: 1}\n"
                 "- {name: Mannitol, low: 0, high: 1}\n" + extra, encoding="utf-8")
    return f


def _one_line_error(r, *words):
    assert r.code == 2, (r.out, r.err)
    lines = [x for x in r.err.strip().splitlines() if x.strip()]
    assert len(lines) == 1 and "Traceback" not in r.err, r.err
    for w in words:
        assert w in lines[0], lines[0]


def test_lattice_json_and_run_sheet_then_scheffe_fit(cli, tmp_path):
    comps = _components(tmp_path)
    out = tmp_path / "runs.csv"
    r = cli("doe", "design", "--factors", comps, "--type", "mixture-lattice", "--degree", "2",
            "--replicates", "2", "--response", "Aggregate", "--out", out, "--json")
    assert r.code == 0, r.err
    d = r.json()
    assert d["type"] == "mixture-lattice" and len(d["runs"]) == 12 and d["degree"] == 2
    sheet = pd.read_csv(out)
    assert (sheet[["Sucrose", "Trehalose", "Mannitol"]].sum(axis=1) - 1).abs().max() < 1e-12
    assert (tmp_path / "runs.factors.yaml").exists()
    # fill with a known Scheffé quadratic and fit it back through the CLI
    x = sheet[["Sucrose", "Trehalose", "Mannitol"]]
    sheet["Aggregate"] = (2 * x.Sucrose + 3 * x.Trehalose + 1 * x.Mannitol + 4 * x.Sucrose * x.Trehalose
                          + [0.01 * ((i * 7) % 5 - 2) for i in range(len(sheet))])
    sheet.to_csv(out, index=False)
    a = cli("doe", "analyze", out, "--model", "scheffe-quadratic", "--json")
    assert a.code == 0, a.err
    fit = a.json()["fits"][0]
    coef = {c["term"]: c["coef"] for c in fit["coefficients"]}
    assert coef["Sucrose"] == pytest.approx(2, abs=0.05)
    assert coef["Sucrose*Trehalose"] == pytest.approx(4, abs=0.3)
    assert [row["df"] for row in fit["anova"] if row["source"] in ("model", "residual", "total")] == [5, 6, 11]


def test_yarn_elongation_cli_reproduces_cornell_and_writes_report(cli, tmp_path):
    html = tmp_path / "yarn.html"
    r = cli("doe", "analyze", YARN, "--model", "scheffe-quadratic", "-r", "Elongation",
            "--factors", "Polyethylene,Polystyrene,Polypropylene", "--out", html, "--json")
    assert r.code == 0, r.err
    coef = [round(c["coef"], 1) for c in r.json()["fits"][0]["coefficients"]]
    assert coef == [11.7, 9.4, 16.4, 19.0, 11.4, -9.6]     # Cornell (2002) §2.7
    assert "Scheffé" in html.read_text(encoding="utf-8")
    text = cli("doe", "analyze", YARN, "--model", "scheffe-quadratic", "-r", "Elongation",
               "--factors", "Polyethylene,Polystyrene,Polypropylene")
    assert text.code == 0 and "R²" in text.out and "Polyethylene*Polystyrene" in text.out


def test_mixture_row_not_adding_to_one_is_named(cli, tmp_path):
    bad = tmp_path / "yarn.csv"
    frame = pd.read_csv(YARN)
    frame.loc[6, "Polystyrene"] = 0.7     # file row 8
    frame.to_csv(bad, index=False)
    r = cli("doe", "analyze", bad, "--model", "scheffe-quadratic", "-r", "Elongation",
            "--factors", "Polyethylene,Polystyrene,Polypropylene")
    _one_line_error(r, "yarn.csv:8", "do not add to 1", "0.7")


def test_extreme_vertices_and_optimal_with_constraint(cli, tmp_path):
    comps = _components(tmp_path, "constraints:\n- Sucrose + Trehalose <= 0.8\n- Mannitol <= 0.5\n")
    r = cli("doe", "design", "--factors", comps, "--type", "extreme-vertices", "--json")
    assert r.code == 0, r.err
    d = r.json()
    verts = [run for run, k in zip(d["runs"], d["point_type"], strict=True) if k == "vertex"]
    assert all(v["Sucrose"] + v["Trehalose"] <= 0.8 + 1e-12 and v["Mannitol"] <= 0.5 + 1e-12 for v in verts)
    assert any(abs(v["Sucrose"] + v["Trehalose"] - 0.8) < 1e-9 for v in verts)
    o = cli("doe", "design", "--factors", comps, "--type", "mixture-optimal", "--runs", "9",
            "--model", "scheffe-quadratic", "--seed", "4", "--json")
    assert o.code == 0, o.err
    assert len(o.json()["runs"]) == 9 and o.json()["d_efficiency"] > 0


def test_mixture_design_errors_are_one_line(cli, tmp_path):
    comps = tmp_path / "c.yaml"
    comps.write_text("factors:\n- {name: A, low: 0.6, high: 1}\n- {name: B, low: 0.6, high: 1}\n",
                     encoding="utf-8")
    _one_line_error(cli("doe", "design", "--factors", comps, "--type", "extreme-vertices"),
                    "no blend")
    upper = _components(tmp_path, "constraints:\n- Sucrose <= 0.5\n")
    _one_line_error(cli("doe", "design", "--factors", upper, "--type", "mixture-lattice"),
                    "extreme-vertices")
    _one_line_error(cli("doe", "analyze", YARN, "--model", "scheffe-quartic", "-r", "Elongation",
                        "--factors", "Polyethylene,Polystyrene,Polypropylene"), "scheffe-quadratic")


def test_split_plot_design_and_paper_strength_reml(cli, tmp_path):
    f = tmp_path / "bio.yaml"
    f.write_text("factors:\n- {name: Temperature, low: 35, high: 37}\n- {name: pH, low: 6.8, high: 7.2}\n"
                 "- {name: Feed, low: 2, high: 4}\n", encoding="utf-8")
    out = tmp_path / "sp.xlsx"
    r = cli("doe", "design", "--factors", f, "--type", "split-plot", "--hard-to-change",
            "Temperature,pH", "--replicates", "2", "--out", out, "--json")
    assert r.code == 0, r.err
    d = r.json()
    assert d["n_whole_plots"] == 8 and len(d["runs"]) == 16
    sheet = pd.read_excel(out, sheet_name="runs")
    assert (sheet.groupby("block")[["Temperature", "pH"]].nunique() == 1).all().all()
    a = cli("doe", "analyze", PAPER, "-r", "Strength", "--whole-plot", "WholePlot", "--model",
            "Strength ~ C(Rep) + C(Pulp) * C(Temperature)", "--json")
    assert a.code == 0, a.err
    fit = a.json()["fits"][0]
    tests = {t["term"]: t for t in fit["tests"]}
    assert round(tests["Pulp"]["f"], 2) == 7.08 and tests["Pulp"]["df_den"] == 4
    assert round(tests["Temperature"]["f"], 2) == 36.43 and tests["Temperature"]["df_den"] == 18
    assert round(fit["var_whole_plot"], 2) == 1.27 and round(fit["var_residual"], 2) == 3.97
    _one_line_error(cli("doe", "analyze", PAPER, "-r", "Strength", "--whole-plot", "Batch",
                        "--model", "Strength ~ C(Pulp)"), "whole-plot column", "Batch")
    _one_line_error(cli("doe", "design", "--factors", f, "--type", "split-plot",
                        "--hard-to-change", "Pressure"), "Pressure")


def test_stored_as_records_and_rendered_in_both_languages(cli, tmp_path):
    folder = tmp_path / "mab"
    shutil.copytree(DEMO, folder)
    assert cli("import", folder, "--reason", "test").code == 0
    comps = _components(tmp_path)
    runs = [("doe.mixture", ("doe", "design", "--factors", comps, "--type", "mixture-centroid")),
            ("doe.mixture_analysis", ("doe", "analyze", YARN, "--model", "scheffe-quadratic",
                                      "-r", "Elongation", "--factors",
                                      "Polyethylene,Polystyrene,Polypropylene")),
            ("doe.split_plot_analysis", ("doe", "analyze", PAPER, "-r", "Strength", "--whole-plot",
                                         "WholePlot", "--model", "Strength ~ C(Pulp) * C(Temperature)"))]
    for kind, args in runs:
        r = cli(*args, "--project", "demo-mab", "--as", "m1", "--json")
        assert r.code == 0, r.err
        assert f"stored as {kind}/m1 v1 in project demo-mab" in r.err
    from qbdkit.report.sections import render_result
    from qbdkit.services.records import get_record

    rec = get_record("demo-mab", "doe.mixture_analysis", "m1")
    zh = render_result("doe.mixture_analysis", rec["content"]["result"], "zh")
    assert "混料方差分析" in zh and "11.7" in zh
    en = render_result("doe.split_plot_analysis",
                       get_record("demo-mab", "doe.split_plot_analysis", "m1")["content"]["result"], "en")
    assert "containment" in en and "whole plot" in en


def test_ordinary_model_on_mixture_components_points_to_scheffe(cli):
    r = cli("doe", "analyze", YARN, "-r", "Elongation", "--factors",
            "Polyethylene,Polystyrene,Polypropylene", "--model", "interaction")
    _one_line_error(r, "add to 1 in every row", "scheffe-quadratic")
