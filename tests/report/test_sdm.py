"""The sdm demo section on the bundled demo project and the comparability renderer."""

from __future__ import annotations

import json

from qbdkit.demo.run import PROJECT_DIR
from qbdkit.demo.sections import sdm_section as demo_section
from qbdkit.demo.synth_sdm import generate
from qbdkit.report.sections import render_result
from qbdkit.services.sdm import CompareRequest, compare


def test_demo_section_on_bundled_project(tmp_path):
    html = demo_section(PROJECT_DIR, tmp_path)
    assert html.startswith('<section id="sdm">')
    assert html.count("<svg") >= 4
    for text in ("± 3 SD", "TOST", "Hotelling T² 95 %", "Batch evolution model", "S07"):
        assert text in html
    saved = json.loads((tmp_path / "sdm_comparability.json").read_text(encoding="utf-8"))
    assert saved["flagged"] == ["S07"]
    # one story: with the drifting run set aside, equivalence is shown for every attribute
    kept = saved["without_flagged"]["attributes"]
    assert [a["verdict"] for a in kept] == ["pass"] * len(kept) and len(kept) == 12
    assert all(a["n_small_scale"] >= a["sample_size"]["0.9"] for a in kept)


def test_bundled_files_are_the_generator_output():
    for name, frame in generate().items():
        text = (PROJECT_DIR / "sdm" / name).read_text(encoding="utf-8")
        assert text == frame.to_csv(index=False, lineterminator="\n"), name


def test_not_shown_for_lack_of_power(tmp_path):
    a = tmp_path / "at.csv"
    s = tmp_path / "small.csv"
    a.write_text("batch,titer\nL1,5.1\nL2,5.4\nL3,4.9\nL4,5.0\nL5,5.3\nL6,5.2\n", encoding="utf-8")
    s.write_text("batch,titer\nS1,5.3\nS2,5.0\n", encoding="utf-8")
    result = compare(CompareRequest(at_scale=a, small_scale=s))
    assert result.attributes[0].verdict == "not shown"
    html = render_result("sdm.compare", result.to_dict(), "en")
    n = result.attributes[0].sample_size["0.8"]
    assert f"not shown — needs ≥ {n} runs for 80 % power" in html
    assert 'class="warn"' in html
