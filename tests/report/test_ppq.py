"""HTML sections of spec/PPQ results, English and Chinese."""

import numpy as np
import pandas as pd
import pytest

from qbdkit.core.ppq import evaluate_ppq, ppq_protocol, viral_clearance
from qbdkit.core.spec import propose_specification
from qbdkit.core.stats.tolerance import (
    nonparametric_interval,
    normal_interval,
    random_effects_interval,
    tolerance_factor,
)
from qbdkit.report.ppq import render

ATTRS = pd.DataFrame([{"name": "Purity", "kind": "cqa", "unit_operation": "release",
                       "lower": 95.0, "upper": None, "unit": "%"}])
PARAMS = pd.DataFrame([{"name": "pH", "unit_operation": "Protein A", "class": "CPP",
                        "par_low": 3.4, "par_high": 3.8}])


def _results():
    proto = ppq_protocol(ATTRS, PARAMS)
    res = pd.DataFrame({"batch": ["1", "2", "3", "1", "2", "3"],
                        "item": ["Purity"] * 3 + ["pH"] * 3,
                        "value": [98.0, 98.4, 97.9, 3.6, 3.5, 3.7]})
    vc = pd.DataFrame([("Low pH", "low pH", "XMuLV", 6.0, 110, 1.2, 115),
                       ("AEX", "anion exchange", "XMuLV", 6.3, 120, 1.0, 150),
                       ("AEX2", "anion exchange", "XMuLV", 6.0, 150, 4.0, 150)],
                      columns=["step", "mechanism", "virus", "load_titre", "load_volume",
                               "output_titre", "output_volume"])
    x = [98.0, 98.4, 97.9, 98.2, 98.1, 98.3]
    return [normal_interval(x), nonparametric_interval(x), tolerance_factor(10, 0.9, 0.9),
            random_effects_interval(x, np.repeat(["a", "b", "c"], 2)),
            propose_specification("Purity", x, direction="lower", guidance_lower=95,
                                  clinical_values=[97.5, 98.6], unit="%"),
            proto, evaluate_ppq(res, proto.criteria()),
            viral_clearance(vc, particles_per_ml=1e6, volume_per_dose_ml=1e3)]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_result_renders(lang):
    for result in _results():
        html = render(result, lang)
        assert html.startswith("<") and "<table" in html
        if lang == "zh" and not type(result).__name__.startswith("Tolerance"):
            assert any("\u4e00" <= ch <= "\u9fff" for ch in html), type(result).__name__


def test_chinese_words():
    r = _results()
    assert "可接受标准" in render(r[5], "zh") and "支持性验证" in render(r[5], "zh")
    assert "累计 LRV" in render(r[7], "zh") and "与 AEX 机制相同" in render(r[7], "zh")
    assert "<svg" in render(r[4], "en")
    with pytest.raises(TypeError):
        render(object())
