"""Writing CSV / XLSX that a spreadsheet opens safely: no formula injection.

A cell whose text begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is
taken by Excel, LibreOffice and WPS as a formula when the file is opened (CSV) or the
cell is edited (XLSX) — ``=HYPERLINK(…)`` or ``=cmd|'/c calc'!A1`` in a failure-mode
text would run on a colleague's machine (OWASP "CSV injection"). Every spreadsheet
qbdkit writes goes through this module:

* **CSV**: such a text is written with a leading apostrophe, ``'=1+1`` — the
  spreadsheet's own marker for "text, not a formula" (OWASP's recommendation). A text
  that already starts with an apostrophe followed by such a text gets one more, so the
  marking is reversible: :func:`unguard` undoes exactly :func:`guard`, and
  :func:`qbdkit.io.read_table` / the project-folder reader apply it, so a file qbdkit
  wrote reads back unchanged.
* **XLSX**: the text is stored unchanged as a *text* cell (never a formula) with Excel's
  "quote prefix" style, which is how Excel itself keeps a typed ``'=1+1``; characters
  XLSX cannot hold (control characters other than tab, line feed and carriage return)
  are replaced by U+FFFD.

Numbers are never touched: numeric cells stay numbers, and a text that is a plain
number (``-3``, ``+1.5e3``, ``-1,234.5``) or a single character (``-``) is left alone, as
no spreadsheet reads it as a formula.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

#: first characters that make a spreadsheet evaluate a cell as a formula
TRIGGERS = frozenset("=+-@\t\r")
_NUMBER = re.compile(r"[+-]?(?:\d[\d,]*(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_ILLEGAL_XLSX = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def needs_guard(text: str) -> bool:
    """Would a spreadsheet read ``text`` as a formula (or is it an escaped such text)?"""
    if not text:
        return False
    first = text[0]
    if first in TRIGGERS:  # a lone "-" (a common "none") cannot be a formula
        return len(text) > 1 and _NUMBER.fullmatch(text) is None
    if first == "'":
        return needs_guard(text[1:])
    return False


def guard(value: Any) -> Any:
    """``value`` as a CSV cell: a formula-like text gets a leading apostrophe."""
    if isinstance(value, str) and needs_guard(value):
        return "'" + value
    return value


def unguard(value: Any) -> Any:
    """Undo :func:`guard` (``unguard(guard(x)) == x`` for every ``x``)."""
    if isinstance(value, str) and len(value) > 1 and value[0] == "'" and needs_guard(value[1:]):
        return value[1:]
    return value


def _is_text(s: pd.Series) -> bool:
    """A column that may hold texts (object, or pandas' string dtype)."""
    return s.dtype == object or pd.api.types.is_string_dtype(s.dtype)


def _map_object_columns(frame: pd.DataFrame, fn: Callable[[Any], Any],
                        test: Callable[[Any], bool]) -> pd.DataFrame:
    out = frame
    for j in range(frame.shape[1]):
        s = frame.iloc[:, j]
        if not _is_text(s):
            continue
        if any(isinstance(v, str) and test(v) for v in s):
            if out is frame:
                out = frame.copy()
            out.isetitem(j, s.map(fn))
    names = [fn(c) if isinstance(c, str) else c for c in out.columns]
    if names != list(out.columns):
        if out is frame:
            out = frame.copy()
        out.columns = names
    return out


def guard_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every formula-like text cell and header guarded (a copy if any)."""
    return _map_object_columns(frame, guard, needs_guard)


def unguard_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Undo :func:`guard_frame` (used by the readers)."""
    return _map_object_columns(frame, unguard, lambda v: v[:1] == "'")


def to_csv(frame: pd.DataFrame, path: str | Path | None = None, *, encoding: str = "utf-8-sig",
           **kwargs: Any) -> str | None:
    """``frame.to_csv(path, index=False)`` with formula-like texts guarded; with ``path``
    ``None`` return the text."""
    kwargs.setdefault("index", False)
    safe = guard_frame(frame)
    if path is None:
        return safe.to_csv(**kwargs)
    safe.to_csv(path, encoding=encoding, **kwargs)
    return None


def xlsx_text(value: Any) -> Any:
    """A text XLSX can hold (illegal control characters → U+FFFD)."""
    if isinstance(value, str) and _ILLEGAL_XLSX.search(value):
        return _ILLEGAL_XLSX.sub("\ufffd", value)
    return value


def protect_worksheet(ws: Any) -> None:
    """Make every formula-like text of an openpyxl worksheet a quote-prefixed text cell."""
    for row in ws.iter_rows():
        for cell in row:
            v = cell.value
            if isinstance(v, str) and (cell.data_type == "f" or needs_guard(v)):
                cell.data_type = "s"
                cell.quotePrefix = True


def to_excel(frame: pd.DataFrame, writer: pd.ExcelWriter, sheet_name: str) -> Any:
    """Write ``frame`` (no index) to ``writer`` (openpyxl engine) safely; returns the
    worksheet (for colouring)."""
    safe = frame.copy()
    for j in range(safe.shape[1]):
        if _is_text(safe.iloc[:, j]):
            safe.isetitem(j, safe.iloc[:, j].map(xlsx_text))
    safe.columns = [xlsx_text(c) for c in frame.columns]
    safe.to_excel(writer, sheet_name=sheet_name, index=False)
    ws = writer.sheets[sheet_name]
    protect_worksheet(ws)
    return ws


def write_xlsx(path: str | Path, frames: dict[str, pd.DataFrame]) -> None:
    """Write one sheet per frame (formula-safe, see the module docstring)."""
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, frame in frames.items():
            to_excel(frame, writer, name)


def csv_text(rows: list[list[Any]]) -> str:
    """Rows of already formatted cells as CSV text, formula-like texts guarded."""
    import csv

    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\n")
    for r in rows:
        w.writerow([guard(c) for c in r])
    return buf.getvalue()
