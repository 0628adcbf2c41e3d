"""Report sections render objects and stored dicts alike; every fixed text is translated."""

import re
from pathlib import Path

import pandas as pd

from qbdkit.core.comparability import classify_change, tiered_comparability
from qbdkit.core.stability import shelf_life
from qbdkit.i18n import catalogue
from qbdkit.report import comparability as comp_report
from qbdkit.report import stability as stab_report

DATA = Path(__file__).parents[1] / "data"
SRC = Path(__file__).parents[2] / "src" / "qbdkit" / "report"


def test_stability_render_from_object_and_dict():
    d = pd.read_csv(DATA / "stability" / "common_slope.csv")
    r = shelf_life(d.batch, d.month, d.potency, lower=95)
    html = stab_report.render(r, "en")

    def undated(text: str) -> str:  # matplotlib SVG ids and dates differ per call
        return re.sub(r"<svg.*?</svg>", "<svg/>", text, flags=re.S)

    assert undated(html) == undated(stab_report.render(r.to_dict(), "en"))
    assert "<svg" in html and "Worst-case batch" in html and "Appendix A" in html
    assert "最差批次" in stab_report.render(r, "zh")


def test_comparability_render():
    pre = pd.read_csv(DATA / "comparability" / "pre.csv")
    post = pd.read_csv(DATA / "comparability" / "post.csv")
    r = tiered_comparability(pre, post, {"hmw": 1, "potency": 2, "acidic_variants": 3},
                             post_ids=post.lot)
    assert "可比" in comp_report.render(r, "zh")
    html = comp_report.render_change(classify_change({"change_type": "site"}), "zh")
    assert "中等变更" in html and "生产场地" in html


def test_every_report_msgid_has_a_chinese_entry():
    for module, domain in (("stability.py", "stability"), ("comparability.py", "comparability")):
        text = (SRC / module).read_text(encoding="utf-8")
        ids = set(re.findall(r'\bt\("([^"]+)"', text))
        for group in re.findall(r"for [hk] in\s*\(([^)]*)\)", text, re.S):
            ids |= set(re.findall(r'"([^"]+)"', group))
        missing = sorted(i for i in ids if i not in catalogue(domain, "zh") and i not in ("n",))
        assert not missing, (module, missing)
