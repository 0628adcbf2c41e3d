"""Read CSV and XLSX files into pandas with file/row provenance.

Encodings: UTF-8 with BOM, UTF-8, then GB18030 (a superset of GBK and GB2312,
which is what Chinese Excel writes for "CSV"), in that order; the encoding used
is recorded on the :class:`Table`. Rows are numbered as the user sees them in a
spreadsheet or editor: the header is row 1, the first data row is row 2.

Column names may be given in English or Chinese: :func:`require_columns` maps
aliases (e.g. ``严重度`` → ``severity``) onto canonical names and raises one
:class:`~qbdkit.errors.QbdInputError` naming every missing column.

Cell converters (:meth:`Table.number`, :meth:`Table.integer`) raise errors that
name file, row and column.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from qbdkit.core.numbers import parse_number
from qbdkit.errors import Problem, QbdInputError

ENCODINGS: tuple[str, ...] = ("utf-8-sig", "utf-8", "gb18030")


def decode_bytes(data: bytes, name: str = "<bytes>") -> tuple[str, str]:
    """Decode file bytes; return ``(text, encoding)``.

    Tries UTF-8 (a BOM is stripped and reported as ``utf-8-sig``), then GB18030.
    Raises :class:`QbdInputError` if none decodes.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    for enc in ENCODINGS[1:]:
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError:
            continue
    raise QbdInputError(
        "cannot decode file", file=name, expected="UTF-8, UTF-8 with BOM or GB18030/GBK text"
    )


def read_text(path: str | Path) -> tuple[str, str]:
    """Read a text file with encoding detection; return ``(text, encoding)``."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise QbdInputError("file not found", file=str(path)) from None
    except IsADirectoryError:
        raise QbdInputError("is a directory, expected a file", file=str(path)) from None
    return decode_bytes(data, str(path))


def _clean_header(h: Any) -> str:
    return str(h).replace("\ufeff", "").strip()


@dataclass
class Table:
    """A data frame read from a file, remembering where each row came from.

    ``frame`` has one row per data row; ``rows[i]`` is the 1-based row number
    (header = 1) of ``frame.iloc[i]`` in the file; ``encoding`` is the text
    encoding used (``"xlsx"`` for spreadsheets).
    """

    frame: pd.DataFrame
    file: str
    encoding: str
    rows: list[int] = field(default_factory=list)
    sheet: str | None = None

    @property
    def columns(self) -> list[str]:
        return [str(c) for c in self.frame.columns]

    def row_of(self, i: int) -> int:
        """File row number of positional row ``i``."""
        return self.rows[i] if self.rows else i + 2

    def error(self, i: int | None, column: str | None, message: str, expected: str | None = None,
              found: object = None) -> QbdInputError:
        return QbdInputError(
            message,
            file=self.file,
            row=None if i is None else self.row_of(i),
            column=column,
            expected=expected,
            found=found,
        )

    def problem(self, i: int | None, column: str | None, message: str, expected: str | None = None,
                found: object = None) -> Problem:
        return Problem(message, self.file, None if i is None else self.row_of(i), column, expected,
                       found)

    def cell(self, i: int, column: str) -> Any:
        return self.frame.iloc[i][column]

    def number(self, i: int, column: str, *, allow_blank: bool = False) -> float | None:
        """The cell as float; blank → error unless ``allow_blank`` (then ``None``)."""
        v = self.cell(i, column)
        if is_blank(v):
            if allow_blank:
                return None
            raise self.error(i, column, "blank cell", expected="a number", found="")
        try:
            return parse_number(v)
        except (TypeError, ValueError) as exc:
            reason = str(exc) if "comma" in str(exc) else "not a number"
            raise self.error(i, column, reason, expected="a number", found=v) from None

    def integer(self, i: int, column: str, *, allowed: Iterable[int] | None = None) -> int:
        """The cell as int (``3`` or ``3.0``), optionally restricted to ``allowed``."""
        v = self.cell(i, column)
        if is_blank(v):
            raise self.error(i, column, "blank cell", expected=_allowed_text(allowed), found="")
        try:
            f = float(str(v).strip()) if isinstance(v, str) else float(v)
        except (TypeError, ValueError):
            raise self.error(i, column, "not a whole number", expected=_allowed_text(allowed),
                             found=v) from None
        if math.isnan(f) or f != int(f):
            raise self.error(i, column, "not a whole number", expected=_allowed_text(allowed),
                             found=v)
        n = int(f)
        if allowed is not None:
            allowed = list(allowed)
            if n not in allowed:
                raise self.error(i, column, "not on the scale", expected=_allowed_text(allowed),
                                 found=n)
        return n

    def text(self, i: int, column: str, *, allow_blank: bool = True) -> str:
        v = self.cell(i, column)
        if is_blank(v):
            if allow_blank:
                return ""
            raise self.error(i, column, "blank cell", expected="a value", found="")
        if isinstance(v, float) and v == int(v):
            return str(int(v))
        return str(v).strip()


def _allowed_text(allowed: Iterable[int] | None) -> str:
    if allowed is None:
        return "a whole number"
    vals = sorted(set(allowed))
    if len(vals) > 3 and vals == list(range(vals[0], vals[-1] + 1)):
        return f"a whole number {vals[0]}–{vals[-1]}"
    return "one of " + "/".join(str(v) for v in vals)


def is_blank(v: Any) -> bool:
    if v is None:
        return True
    if isinstance(v, float) and math.isnan(v):
        return True
    if v is pd.NA or v is pd.NaT:
        return True
    return isinstance(v, str) and v.strip() == ""


def read_table(path: str | Path, *, sheet: str | int | None = 0, dtype_str: bool = False) -> Table:
    """Read a CSV/TSV/XLSX file into a :class:`Table`.

    CSV text is decoded with :func:`decode_bytes`; the delimiter (``,`` ``;`` tab)
    is sniffed. Fully empty rows are dropped (their numbers are kept for the
    others). Header cells are stripped of whitespace and BOMs. Numbers are parsed
    by pandas unless ``dtype_str``.
    """
    p = Path(path)
    name = str(path)
    suffix = p.suffix.lower()
    if not p.exists():
        raise QbdInputError("file not found", file=name)
    if suffix in (".xlsx", ".xlsm"):
        try:
            frame = pd.read_excel(p, sheet_name=sheet, engine="openpyxl",
                                  dtype=str if dtype_str else None)
        except ValueError as exc:
            raise QbdInputError(f"cannot read sheet: {exc}", file=name) from None
        except Exception as exc:  # openpyxl raises zipfile/KeyError on corrupt files
            raise QbdInputError(f"not a readable XLSX workbook ({type(exc).__name__})",
                                file=name) from None
        encoding = "xlsx"
        sheet_name = str(sheet) if sheet is not None else None
    elif suffix == ".xls":
        raise QbdInputError("old .xls workbooks are not supported", file=name,
                            expected="save as .xlsx or CSV")
    else:
        text, encoding = read_text(p)
        if not text.strip():
            raise QbdInputError("empty file", file=name, expected="a header row and data rows")
        delimiter = ","
        if suffix in (".tsv", ".tab"):
            delimiter = "\t"
        else:
            try:
                delimiter = csv.Sniffer().sniff(text.splitlines()[0], delimiters=",;\t").delimiter
            except csv.Error:
                delimiter = ","
        try:
            frame = pd.read_csv(io.StringIO(text), sep=delimiter, dtype=str if dtype_str else None,
                                skip_blank_lines=False, keep_default_na=True)
        except pd.errors.ParserError as exc:
            raise QbdInputError(f"malformed CSV: {exc}", file=name) from None
        sheet_name = None
    frame.columns = [_clean_header(c) for c in frame.columns]
    rows = [i + 2 for i in range(len(frame))]
    keep = ~frame.isna().all(axis=1)
    frame = frame.loc[keep].reset_index(drop=True)
    rows = [r for r, k in zip(rows, keep.tolist(), strict=True) if k]
    unnamed = [c for c in frame.columns if c.startswith("Unnamed:")]
    # drop trailing empty columns that spreadsheets like to export
    for c in unnamed:
        if frame[c].isna().all():
            frame = frame.drop(columns=c)
    dup = [c for c in frame.columns if list(frame.columns).count(c) > 1]
    if dup:
        raise QbdInputError("duplicate column", file=name, row=1, column=dup[0])
    return Table(frame=frame, file=name, encoding=encoding, rows=rows, sheet=sheet_name)


def normalize_name(name: str) -> str:
    """Lower-case, collapse spaces/underscores/hyphens: ``'Failure Mode'`` → ``'failure_mode'``."""
    s = str(name).strip().lower()
    for ch in (" ", "-", "/"):
        s = s.replace(ch, "_")
    while "__" in s:
        s = s.replace("__", "_")
    return s.strip("_")


def require_columns(
    table: Table,
    required: Sequence[str],
    aliases: Mapping[str, Sequence[str]] | None = None,
    optional: Sequence[str] = (),
) -> Table:
    """Rename alias headers to canonical names; raise one error naming every missing column.

    ``aliases`` maps a canonical name to other accepted headers (English variants,
    Chinese). Matching ignores case, spaces, underscores and hyphens. Columns that
    match nothing are kept as they are (passed through).
    """
    aliases = aliases or {}
    lookup: dict[str, str] = {}
    for canon in list(required) + list(optional) + list(aliases):
        lookup[normalize_name(canon)] = canon
        for a in aliases.get(canon, ()):
            lookup[normalize_name(a)] = canon
    rename: dict[str, str] = {}
    for col in table.frame.columns:
        canon = lookup.get(normalize_name(col))
        if canon is not None and canon not in rename.values():
            rename[col] = canon
    frame = table.frame.rename(columns=rename)
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise QbdInputError(
            problems=[
                Problem("missing column", table.file, 1, c,
                        expected="a header " + " or ".join(repr(x) for x in [c, *aliases.get(c, ())]),
                        found=", ".join(map(str, table.frame.columns)))
                for c in missing
            ]
        )
    return Table(frame=frame, file=table.file, encoding=table.encoding, rows=table.rows,
                 sheet=table.sheet)
