"""Contract D: the DoE-analysis demo section renders from the bundled demo project."""

from __future__ import annotations

import time
from pathlib import Path

from qbdkit.demo.sections import doe_analysis_section as demo_section

PROJECT = Path(__file__).parents[2] / "src" / "qbdkit" / "demo" / "mab"


def test_demo_section(tmp_path):
    t0 = time.perf_counter()
    html = demo_section(PROJECT, tmp_path)
    elapsed = time.perf_counter() - t0
    assert html.startswith("<section")
    for text in ("Titer (g/L)", "Aggregate (%)", "Afucosylation (%)", "HCP (ng/mg)", "ANOVA",
                 "CPP re-assessment", "WC-CPP", "GPP"):
        assert text in html
    assert html.count("<svg") >= 8  # a contour and a residual panel per response
    assert elapsed < 30  # "a few seconds" on a quiet machine; generous for a loaded CI box
