"""Rendering a stored result as an HTML fragment, by record kind.

Each area's report module registers one renderer per kind it owns::

    register_renderer("cpv.chart", render)          # render(result, lang) -> str

``result`` is the result object rebuilt from the stored dict (``Kind.result.from_dict``) when
the kind has a result class that can, else the stored dict itself; renderers accept both.
The project report, ``qbdkit records show --html`` and the web pages all call
:func:`render_result`, so a stored result looks the same everywhere. A kind without a
renderer is shown as its text summary (never silently dropped).
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from typing import Any

from qbdkit.report.html import esc

Renderer = Callable[[Any, str], str]
_RENDERERS: dict[str, Renderer] = {}

#: Report modules that register renderers when imported (each area adds its module here).
RENDER_MODULES: list[str] = [
    "qbdkit.report.spc",
    "qbdkit.report.ppq",
    "qbdkit.report.control",
    "qbdkit.report.risk",
    "qbdkit.report.sdm",
    "qbdkit.report.mvda",
    "qbdkit.report.doe_design",
    "qbdkit.report.doe_analysis",
    "qbdkit.report.doe_designs",
    "qbdkit.report.doe_space",
    "qbdkit.report.spc",
    "qbdkit.report.stability",
    "qbdkit.report.comparability",
    "qbdkit.report.ppq",
    "qbdkit.report.operations",
]


def register_renderer(kind: str, fn: Renderer) -> Renderer:
    _RENDERERS[kind] = fn
    return fn


def _load() -> None:
    for module in RENDER_MODULES:
        importlib.import_module(module)


def renderer(kind: str) -> Renderer | None:
    _load()
    return _RENDERERS.get(kind)


def rebuild(kind: str, stored: Any) -> Any:
    """The result object of ``kind`` rebuilt from its stored dict, or the dict itself."""
    from qbdkit.services.render import result_object

    obj = result_object(kind, stored)
    return stored if obj is None else obj


def render_result(kind: str, result: Any, lang: str = "en") -> str:
    """HTML fragment for one result (an object or its stored dict)."""
    fn = renderer(kind)
    obj = rebuild(kind, result) if isinstance(result, dict) else result
    if fn is not None:
        return fn(obj, lang)
    if hasattr(obj, "summary"):
        text = obj.summary()
        return f'<pre class="summary">{esc(text if isinstance(text, str) else str(text))}</pre>'
    return f'<pre class="summary">{esc(json.dumps(obj, ensure_ascii=False, indent=1))}</pre>'
