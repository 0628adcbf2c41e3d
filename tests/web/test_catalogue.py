"""Every fixed text of the web pages has its zh-CN entry in web.po (no English left on a
Chinese page): template ``t("…")`` calls, navigation entries, flash messages, roles, states."""

from __future__ import annotations

import re
from pathlib import Path

import qbdkit.web as web
from qbdkit.i18n import catalogue
from qbdkit.store.schema import ROLES
from qbdkit.web.nav import NAV

ROOT = Path(web.__file__).parent
STATES = ["active", "disabled", "locked", "must change password"]
ERROR_TITLES = ["Sign-in required", "Not allowed", "Not found", "Conflict", "Too large",
                "Cannot do that", "Too many attempts", "Error"]


def web_msgids() -> set[str]:
    ids: set[str] = set()
    for path in (ROOT / "templates").rglob("*.html"):
        ids |= set(re.findall(r"""\bt\(\s*["']([^"']+)["']""", path.read_text("utf-8")))
    for path in (ROOT / "pages").rglob("*.py"):
        ids |= set(re.findall(r'flash="([^"]+)"', path.read_text("utf-8")))
    ids |= {m for _p, m in NAV} | set(ROLES) | set(STATES) | set(ERROR_TITLES)
    return ids


def test_every_web_msgid_has_a_chinese_entry():
    zh = catalogue("web", "zh")
    ids = web_msgids()
    assert len(ids) > 100
    missing = sorted(i for i in ids if not zh.get(i))
    assert missing == []


def test_placeholders_survive_translation():
    for msgid, text in catalogue("web", "zh").items():
        assert set(re.findall(r"{\w+}", msgid)) == set(re.findall(r"{\w+}", text)), msgid
