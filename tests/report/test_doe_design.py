"""The demo's DoE design section (contract D) on the bundled demo project."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

import qbdkit
from qbdkit.report.doe_design import demo_section

DEMO = Path(qbdkit.__file__).parent / "demo" / "mab"


def test_demo_section_on_bundled_project(tmp_path):
    html = demo_section(DEMO, tmp_path)
    assert html.startswith('<section id="doe-design">')
    assert html.count("<svg") >= 4  # correlation maps + FDS curve
    assert "Definitive screening design" in html and "Face-centred central composite design" in html
    assert "E=ABC" in html or "E=" in html  # generators of the resolution IV fraction
    scr = pd.read_excel(tmp_path / "doe_screening_runs.xlsx", sheet_name="runs")
    rsm = pd.read_excel(tmp_path / "doe_response_surface_runs.xlsx", sheet_name="runs")
    assert len(scr) == 13 and len(rsm) == 28
    assert "Titer (g/L)" in rsm.columns and rsm["Titer (g/L)"].isna().all()
    # the response-surface design covers the same factors as the demo's filled results.csv
    res = pd.read_csv(DEMO / "doe" / "results.csv")
    for col in ["Temperature (°C)", "pH", "DO (%)", "Feed (%)"]:
        assert col in res.columns
        assert sorted(rsm[col].unique()) == sorted(res[col].unique())
