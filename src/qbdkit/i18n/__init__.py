"""Message catalogues: every fixed text a user reads, in English and Simplified Chinese.

Catalogues are gettext ``.po`` files read with Babel (``babel.messages.pofile``), one per
domain, under ``qbdkit/i18n/zh_CN/LC_MESSAGES/<domain>.po``; the English text is the msgid
itself. One domain per area (``report``, ``web``, ``cli``, ``spc`` …) keeps the files small
and independent. ``t("Shelf life", "zh", domain="stability")`` → ``"货架期"``; placeholders
use ``str.format`` (``t("{n} batches", lang, n=3)``). A missing translation falls back to the
English text, so a new message never breaks a page; ``tests/i18n`` checks every msgid used
in the code has its zh-CN entry.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

LANGS: tuple[str, ...] = ("en", "zh")
_DIR = Path(__file__).parent


def normalize_lang(lang: str | None) -> str:
    """``"zh-CN"``, ``"zh_CN.UTF-8"``, ``"zh"`` → ``"zh"``; anything else → ``"en"``."""
    text = (lang or "").strip().lower().replace("_", "-")
    return "zh" if text.startswith("zh") else "en"


@cache
def catalogue(domain: str, lang: str = "zh") -> dict[str, str]:
    """``{msgid: translation}`` of one domain (empty for English or a missing file)."""
    if normalize_lang(lang) == "en":
        return {}
    path = _DIR / "zh_CN" / "LC_MESSAGES" / f"{domain}.po"
    if not path.exists():
        return {}
    from babel.messages.pofile import read_po

    with path.open("rb") as fh:
        cat = read_po(fh, locale="zh_CN", domain=domain)
    return {m.id: m.string for m in cat if m.id and isinstance(m.id, str) and m.string}


def t(msgid: str, lang: str | None = "en", domain: str = "messages", **params: object) -> str:
    """The text of ``msgid`` in ``lang`` (English falls through), formatted with ``params``."""
    text = catalogue(domain, normalize_lang(lang)).get(msgid, msgid)
    return text.format(**params) if params else text


def both(msgid: str, domain: str = "messages") -> dict[str, str]:
    """``{"en": …, "zh": …}`` of one message (titles of kinds, column labels)."""
    return {lang: t(msgid, lang, domain) for lang in LANGS}
