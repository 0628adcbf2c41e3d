"""Rationale and conclusion sentences of PPQ and specification results, kept as data.

A result stores each sentence as ``{"msgid": <English text with {placeholders}>,
"params": {name: preformatted text}}`` so it stays plain JSON; :func:`render` gives the
sentence in English or Chinese through :func:`qbdkit.i18n.t` (domains ``ppq`` and
``spec``, catalogues ``qbdkit/i18n/zh_CN/LC_MESSAGES/<domain>.po``).
"""

from __future__ import annotations

from typing import Any

__all__ = ["fmt_num", "message", "render", "render_all"]


def message(msgid: str, **params: Any) -> dict[str, Any]:
    """A sentence as data; ``params`` are turned into text now (numbers via :func:`fmt_num`)."""
    return {"msgid": msgid,
            "params": {k: fmt_num(v) if isinstance(v, float) else str(v)
                       for k, v in params.items()}}


def fmt_num(value: float, digits: int = 4) -> str:
    """A number to ``digits`` significant figures (``0.5`` → ``0.5``, ``1234.5`` → ``1235``)."""
    return format(float(value), f".{digits}g")


def render(item: dict[str, Any], lang: str | None = "en", domain: str = "ppq") -> str:
    """One stored sentence in ``lang``; parameter values that are catalogue words
    (``upper``, ``normal`` …) are translated too."""
    from qbdkit.i18n import t

    params = {k: t(v, lang, domain) for k, v in (item.get("params") or {}).items()}
    return t(item["msgid"], lang, domain, **params)


def render_all(items: list[dict[str, Any]], lang: str | None = "en",
               domain: str = "ppq") -> list[str]:
    return [render(i, lang, domain) for i in items]
