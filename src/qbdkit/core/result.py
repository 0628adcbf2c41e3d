"""Base for immutable result objects.

Every core function returns a frozen dataclass that derives from :class:`Result`:
``to_dict()`` gives plain JSON-able Python (numpy scalars and arrays converted,
NaN/inf → ``None``), ``to_json()`` the JSON text, and ``summary()`` a readable
plain-text table. The CLI's ``--json``, the API and the reports render this one
object, so each number is computed in one place.
"""

from __future__ import annotations

import dataclasses
import json
import math
from typing import Any

import numpy as np
import pandas as pd


def to_jsonable(value: Any) -> Any:
    """Convert numpy/pandas values, dataclasses and containers to JSON-able Python."""
    if isinstance(value, Result):
        return value.to_dict()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if hasattr(value, "model_dump"):
        return to_jsonable(value.model_dump())
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return [to_jsonable(v) for v in value.tolist()]
    if isinstance(value, pd.DataFrame):
        return [to_jsonable(r) for r in value.to_dict(orient="records")]
    if isinstance(value, pd.Series):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        f = float(value)
        return None if (math.isnan(f) or math.isinf(f)) else f
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (pd.Timestamp,)):
        return value.isoformat()
    return value


class Result:
    """Mixin for frozen dataclass results: ``to_dict``, ``to_json``, ``summary``."""

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(
            {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}  # type: ignore[arg-type]
        )

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)

    def summary(self) -> str:  # pragma: no cover - overridden by most results
        lines = [type(self).__name__]
        for key, val in self.to_dict().items():
            lines.append(f"  {key}: {val}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


def display_width(text: str) -> int:
    """Terminal columns taken by ``text``: East Asian wide/full-width characters count 2."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _pad(text: str, width: int, right: bool) -> str:
    fill = " " * max(0, width - display_width(text))
    return fill + text if right else text + fill


def format_table(headers: list[str], rows: list[list[Any]], floatfmt: str = ".4g") -> str:
    """Plain-text table for ``summary()`` methods (monospace, right-aligned numbers)."""

    def fmt(v: Any) -> str:
        if v is None:
            return ""
        if isinstance(v, (float, np.floating)):
            if math.isnan(float(v)):
                return "nan"
            return format(float(v), floatfmt)
        return str(v)

    cells = [[fmt(v) for v in r] for r in rows]
    numeric = [[isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
                for v in r] for r in rows]
    widths = [display_width(h) for h in headers]
    for r in cells:
        for i, c in enumerate(r):
            widths[i] = max(widths[i], display_width(c))
    out = ["  ".join(_pad(h, w, False) for h, w in zip(headers, widths, strict=True))]
    out.append("  ".join("-" * w for w in widths))
    for r, nums in zip(cells, numeric, strict=True):
        out.append("  ".join(_pad(c, w, n) for c, w, n in zip(r, widths, nums, strict=True)))
    return "\n".join(out)
