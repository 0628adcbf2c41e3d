"""The sdm demo section on the bundled demo project (contract D)."""

from __future__ import annotations

import json

from qbdkit.demo.run import PROJECT_DIR
from qbdkit.demo.synth_sdm import generate
from qbdkit.report.sdm import demo_section


def test_demo_section_on_bundled_project(tmp_path):
    html = demo_section(PROJECT_DIR, tmp_path)
    assert html.startswith('<section id="sdm">')
    assert html.count("<svg") >= 4
    for text in ("± 3 SD", "TOST", "Hotelling T² 95 %", "Batch evolution model", "S07"):
        assert text in html
    saved = json.loads((tmp_path / "sdm_comparability.json").read_text(encoding="utf-8"))
    assert saved["flagged"] == ["S07"]


def test_bundled_files_are_the_generator_output():
    for name, frame in generate().items():
        text = (PROJECT_DIR / "sdm" / name).read_text(encoding="utf-8")
        assert text == frame.to_csv(index=False, lineterminator="\n"), name
