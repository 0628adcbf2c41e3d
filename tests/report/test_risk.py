"""The demo's risk-assessment section and the renderers of stored risk records."""

from pathlib import Path

import pandas as pd
import yaml

import qbdkit
from qbdkit.demo.risk import assess_folder, write_demo_inputs
from qbdkit.demo.sections import risk_section as demo_section
from qbdkit.report.sections import render_result

PROJECT = Path(qbdkit.__file__).parent / "demo" / "mab"


def test_demo_section_on_bundled_project(tmp_path):
    html = demo_section(PROJECT, tmp_path)
    assert html.startswith('<section id="risk">')
    for text in ("CQA assessment", "FMEA", "Cause-and-effect", "Potential CPPs", "<svg",
                 "WC-CPP", "生产生物反应器"):
        assert text in html
    assert html.count("<svg") == 2  # heat map and Pareto chart
    ranked = pd.read_excel(tmp_path / "risk_fmea_ranked.xlsx")
    assert list(ranked["排序"]) == list(range(1, 16))  # the worksheet's Chinese headers kept


def test_demo_results_match_the_readme():
    r = assess_folder(PROJECT / "risk")
    assert len(r["cqa"].cqas()) == 6  # as many as the project has (one story)
    assert r["fmea"].summary_counts == {"H": 2, "M": 5, "L": 8}
    assert r["ce"].potential_cpps() == ["Temperature (°C)", "Feed (%)", "pH",
                                        "Culture duration (d)", "DO (%)"]
    hcp = next(a for a in r["cqa"].attributes if a["name"] == "Host cell protein")
    assert hcp["score"] == 60 and hcp["cqa"]


def test_cqa_scores_are_the_projects():
    doc = yaml.safe_load((PROJECT / "project.yaml").read_text(encoding="utf-8"))
    project = {a["label"]["en"]: a["criticality"] for a in doc["quality_attributes"]
               if a.get("criticality")}
    assessed = {a["name"]: a for a in assess_folder(PROJECT / "risk")["cqa"].attributes}
    assert set(assessed) == set(project)
    for name, c in project.items():
        a = assessed[name]
        assert (a["impact"], a["uncertainty"], a["score"], a["cqa"]) == (
            c["impact"], c["uncertainty"], c["score"], c["critical"]), name


def test_committed_inputs_are_what_the_generator_writes(tmp_path):
    for path in write_demo_inputs(tmp_path, PROJECT):
        assert path.read_bytes() == (PROJECT / "risk" / path.name).read_bytes(), path.name


def test_renderers_take_the_stored_dict():
    r = assess_folder(PROJECT / "risk")
    for name in ("cqa", "fmea", "ce", "classify", "study"):
        for lang in ("en", "zh"):
            html = render_result(f"risk.{name}", r[name].to_dict(), lang)
            assert html.startswith("<section") and "Traceback" not in html
    assert "<svg" in render_result("risk.fmea", r["fmea"].to_dict())  # heat map from the dict
