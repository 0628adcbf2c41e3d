"""Every fixed text of the DoE report renderers has its zh-CN entry (domain "doe")."""

import re
from pathlib import Path

from qbdkit.i18n import catalogue

SRC = Path(__file__).parents[2] / "src" / "qbdkit" / "report"
#: msgids built at run time: coding names, stationary-point kinds, path kinds, "runs"
DYNAMIC = {"coded", "actual", "coded units", "actual units", "maximum", "minimum", "saddle",
           "ridge", "ridge max", "ridge min", "steepest ascent", "steepest descent", "runs",
           "residual df",
           # mixture point kinds, ANOVA sources and split-plot strata (doe_designs.py)
           "vertex", "edge", "edge centroid", "face centroid", "overall centroid", "axial",
           "model", "residual", "lack of fit", "pure error", "total", "whole plot", "subplot"}


def _ids() -> set[str]:
    ids = set(DYNAMIC)
    for name in ("doe_analysis.py", "doe_design.py", "doe_space.py", "doe_designs.py"):
        text = (SRC / name).read_text(encoding="utf-8")
        for m in re.finditer(r"_t\(\s*((?:\"[^\"]*\"\s*)+|'[^']*')", text):
            parts = re.findall(r"\"([^\"]*)\"|'([^']*)'", m.group(1))
            ids.add("".join(a or b for a, b in parts))
    return ids


def test_doe_catalogue_complete():
    cat = catalogue("doe", "zh")
    ids = _ids()
    assert len(ids) > 50
    missing = sorted(i for i in ids if i not in cat)
    assert not missing, missing
    for msgid in ids:
        assert set(re.findall(r"\{(\w+)\}", msgid)) == set(re.findall(r"\{(\w+)\}", cat[msgid]))
