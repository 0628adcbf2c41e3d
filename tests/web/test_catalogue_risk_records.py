"""Every fixed text of the risk, scale-down and records pages has its zh-CN entry in the
``web`` catalogue (literal ``t("…")`` calls in their templates and page modules, and the
words shown through ``t(variable)``: states, signature meanings, CQA dimensions)."""

import re
from pathlib import Path

import pytest

from qbdkit.i18n import catalogue
from qbdkit.services.records import STATES
from qbdkit.store.schema import MEANINGS
from qbdkit.web.nav import NAV

WEB = Path(__file__).parents[2] / "src" / "qbdkit" / "web"
FILES = sorted([*WEB.glob("templates/risk/*.html"), *WEB.glob("templates/records/*.html"),
                *WEB.glob("templates/sdm/*.html"), WEB / "pages" / "risk.py",
                WEB / "pages" / "records.py", WEB / "pages" / "sdm.py"])
CALL = re.compile(r"""\bt\(\s*(["'])(.+?)\1""")
LABEL = re.compile(r"""\("[a-z]+", (?:"[a-z]+"|None), "([^"]+)"\)""")
FLASH = re.compile(r"""flash=(["'])(.+?)\1""")


def msgids() -> list[str]:
    out: list[str] = []
    for f in FILES:
        text = f.read_text(encoding="utf-8")
        out += [m.group(2) for m in CALL.finditer(text)]
        if f.suffix == ".html":
            out += [m.group(1) for m in LABEL.finditer(text)]
        out += [m.group(2) for m in FLASH.finditer(text)]
    out += list(STATES) + [m for m in MEANINGS]
    out += ["impact", "uncertainty", "severity", "likelihood"]
    out += [m for p, m in NAV if p.endswith(("/risk", "/sdm", "/records"))]
    return sorted(set(out))


def test_the_pages_have_their_texts():
    assert len(FILES) == 13 and len(msgids()) > 120


@pytest.mark.parametrize("msgid", msgids())
def test_zh_entry(msgid):
    zh = catalogue("web", "zh").get(msgid)
    assert zh, f"web.po has no zh-CN text for {msgid!r}"
    assert set(re.findall(r"{\w+}", zh)) == set(re.findall(r"{\w+}", msgid))
