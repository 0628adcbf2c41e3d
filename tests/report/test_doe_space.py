"""The design-space report section and the demo (contract D)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

import qbdkit.demo
from qbdkit.report.doe_space import DEMO_SPACE, demo_section, write_demo_inputs

DEMO = Path(qbdkit.demo.__file__).parent / "mab"


def test_demo_section_on_bundled_project(tmp_path):
    html = demo_section(DEMO, tmp_path)
    assert html.startswith("<section") and 'id="doe-space"' in html
    assert html.count("<svg") >= 3  # two probability maps and the PAR/NOR chart
    assert "PAR / NOR" in html and "Derringer" in html
    # the demo's set point and NOR are chosen so that studied ⊃ PAR ⊃ NOR ⊃ set point holds
    table = html[html.index("PAR / NOR"):]
    table = table[: table.index("</table>")]
    assert table.count('<tr class="good">') == 4 and "NO<" not in table
    assert "SYNTHETIC" in html


def test_committed_demo_inputs_match_the_generator(tmp_path):
    written = write_demo_inputs(tmp_path / "doe_space")
    committed = DEMO / "doe_space" / "space.yaml"
    assert yaml.safe_load(committed.read_text(encoding="utf-8")) == DEMO_SPACE
    assert written.read_text(encoding="utf-8") == committed.read_text(encoding="utf-8")
    assert "SYNTHETIC" in (DEMO / "doe_space" / "README.md").read_text(encoding="utf-8")


def test_design_space_page_is_complete_html(tmp_path):
    from qbdkit.core.doe.analysis.space import design_space
    from qbdkit.report.doe_space import design_space_page
    from qbdkit.services.doe import multiresponse_from_file

    mr = multiresponse_from_file(DEMO / "doe" / "results.csv", ["Aggregate (%)"], "quadratic")
    res = design_space(mr.posterior, mr.rows, model_factors=mr.factors, studied=mr.studied,
                       specs={"Aggregate (%)": (float("-inf"), 2.2)}, grid=7, draws=500,
                       factors=mr.factors[:2])
    page = design_space_page(res, title="设计空间")
    assert page.startswith("<!DOCTYPE html>") and "设计空间" in page
    assert re.search(r"<svg", page)
