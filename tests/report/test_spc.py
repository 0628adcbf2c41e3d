from __future__ import annotations

import pandas as pd

from qbdkit.core.spc import capability, control_chart, cpv_review, hotelling_t2
from qbdkit.report.spc import render


def test_render_every_result_in_both_languages():
    chart = control_chart([1.0, 2, 3, 2, 1, 9, 2, 3], chart="imr", baseline=5)
    cap = capability([1.0, 2, 3, 2, 1, 2.5], lsl=0, usl=4)
    t2 = hotelling_t2(pd.DataFrame({"a": [1.0, 2, 3, 4, 5, 7], "b": [2.0, 1, 4, 3, 6, 5]}))
    data = pd.DataFrame({"batch": list("ABCDE"), "item": ["x"] * 5, "value": [1, 2, 3, 2, 9.0]})
    rev = cpv_review(data, pd.DataFrame({"item": ["x"], "kind": ["CQA"], "usl": [5.0]}))
    for res in (chart, cap, t2, rev):
        en = render(res, "en")
        zh = render(res, "zh")
        assert "<table" in en and en != zh
    assert "<svg" in render(chart) and "控制上限" in render(chart, "zh")
    assert "超规格" in render(rev, "zh")
