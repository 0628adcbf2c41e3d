"""Every fixed text of the risk, sdm and mvda reports (``_t("…")``) has its zh-CN entry."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import qbdkit
from qbdkit.i18n import catalogue

REPORT = Path(qbdkit.__file__).parent / "report"


def _msgids(path: Path) -> set[str]:
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "_t" and node.args:
            a = node.args[0]
            if isinstance(a, ast.Constant) and isinstance(a.value, str):
                out.add(a.value)
    return out


@pytest.mark.parametrize("domain", ["risk", "sdm", "mvda"])
def test_every_message_has_a_chinese_entry(domain):
    ids = _msgids(REPORT / f"{domain}.py")
    assert ids
    zh = catalogue(domain, "zh")
    assert sorted(m for m in ids if not zh.get(m)) == []
    for m in ids:  # placeholders survive translation
        assert sorted(re.findall(r"\{(\w+)\}", m)) == sorted(re.findall(r"\{(\w+)\}", zh[m])), m


def test_verdict_words_translated():
    zh = catalogue("sdm", "zh")
    assert {zh["PASS"], zh["FAIL"], zh["NOT SHOWN"]} == {"通过", "不通过", "未证明"}
