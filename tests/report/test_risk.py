"""The demo's risk-assessment section (contract D) on the bundled demo project."""

from pathlib import Path

import pandas as pd

import qbdkit
from qbdkit.report.risk import assess_folder, demo_section, write_demo_inputs

PROJECT = Path(qbdkit.__file__).parent / "demo" / "mab"


def test_demo_section_on_bundled_project(tmp_path):
    html = demo_section(PROJECT, tmp_path)
    assert html.startswith('<section id="risk">')
    for text in ("CQA assessment", "FMEA", "Cause-and-effect", "Potential CPPs", "<svg",
                 "WC-CPP", "生产生物反应器"):
        assert text in html
    assert html.count("<svg") == 2  # heat map and Pareto chart
    ranked = pd.read_excel(tmp_path / "risk_fmea_ranked.xlsx")
    assert list(ranked["rank"]) == list(range(1, 16))


def test_demo_results_match_the_readme():
    r = assess_folder(PROJECT / "risk")
    assert len(r["cqa"].cqas()) == 7
    assert r["fmea"].summary_counts == {"H": 2, "M": 5, "L": 8}
    assert r["ce"].potential_cpps() == ["Temperature (°C)", "Feed (%)", "pH",
                                        "Culture duration (d)", "DO (%)"]
    hcp = next(a for a in r["cqa"].attributes if a["name"] == "Host cell protein")
    assert hcp["score"] == 36 and hcp["cqa"]


def test_committed_inputs_are_what_the_generator_writes(tmp_path):
    for path in write_demo_inputs(tmp_path):
        assert path.read_bytes() == (PROJECT / "risk" / path.name).read_bytes(), path.name
