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
    na_cells: dict[tuple[int, str], str] = field(default_factory=dict)
    """``{(positional row, column): text}`` of cells read as missing from text such as
    ``N/A`` (numeric columns); say "missing (N/A)", never show them as a blank cell."""
    notes: list[str] = field(default_factory=list)
    """Warnings about the layout (columns without a header …)."""

    def missing_text(self, i: int, column: str) -> str | None:
        """``"missing (N/A)"`` for a cell read as missing from text, else None."""
        v = self.na_cells.get((i, column))
        return None if v is None else f"missing ({v})"

    def missing_notes(self, limit: int = 10) -> list[str]:
        """One line per column: the rows whose text (N/A, NA, #N/A …) was read as missing."""
        by_col: dict[str, list[str]] = {}
        for (i, col), v in sorted(self.na_cells.items(), key=lambda kv: kv[0]):
            by_col.setdefault(col, []).append(f"row {self.row_of(i)} ({v})")
        out = []
        for col, cells in by_col.items():
            more = f" and {len(cells) - limit} more" if len(cells) > limit else ""
            out.append(f"{col}: missing (N/A) in " + ", ".join(cells[:limit]) + more)
        return out

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


def parse_header_rows(value: int | str | Sequence[int] | None) -> tuple[int, ...] | None:
    """``--header-row``: ``3`` (the header is row 3), ``"1-2"`` / ``"1,2"`` (two header rows,
    e.g. a merged group row above the column names) → the 1-based row numbers, or None."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        rows = [value]
    elif isinstance(value, str):
        text = value.strip().replace("–", "-")
        try:
            if "-" in text:
                a, b = (int(x) for x in text.split("-", 1))
                rows = list(range(a, b + 1))
            else:
                rows = [int(x) for x in text.replace("+", ",").split(",") if x.strip()]
        except ValueError:
            rows = []
    else:
        rows = [int(x) for x in value]
    if not rows or rows[0] < 1 or rows != list(range(rows[0], rows[0] + len(rows))) \
            or len(rows) > 5:
        raise QbdInputError("bad header row", column="--header-row",
                            expected="a row number (3) or consecutive rows (1-2)", found=value)
    return tuple(rows)


def _header_names(cells: list[list[Any]]) -> list[str]:
    """One column name per column from one or more header rows: blank cells of an upper row
    take the value on their left (a merged cell), parts are joined with a space."""
    width = max((len(r) for r in cells), default=0)
    grid = [[("" if is_blank(v) else _clean_header(v)) for v in list(r) + [None] * (width - len(r))]
            for r in cells]
    for r in grid[:-1]:  # merged group cells span to the right
        for j in range(1, width):
            if not r[j]:
                r[j] = r[j - 1]
    names = []
    for j in range(width):
        parts: list[str] = []
        for r in grid:
            if r[j] and (not parts or parts[-1] != r[j]):
                parts.append(r[j])
        names.append(" ".join(parts) if parts else f"Unnamed: {j}")
    return names


def _csv_delimiter(text: str, suffix: str) -> str:
    if suffix in (".tsv", ".tab"):
        return "\t"
    try:
        return csv.Sniffer().sniff(text.splitlines()[0], delimiters=",;\t").delimiter
    except (csv.Error, IndexError):
        return ","


def _na_texts(raw: pd.DataFrame, frame: pd.DataFrame) -> dict[tuple[int, str], str]:
    """Cells that pandas read as missing although they hold text such as ``N/A``."""
    out: dict[tuple[int, str], str] = {}
    if raw.shape != frame.shape:
        return out
    for j, col in enumerate(frame.columns):
        na = frame[col].isna().to_numpy()
        if not na.any():
            continue
        texts = raw.iloc[:, j].tolist()
        for i in na.nonzero()[0]:
            v = texts[i]
            if isinstance(v, str) and v.strip():
                out[(int(i), str(col))] = v.strip()
    return out


def read_table(path: str | Path, *, sheet: str | int | None = 0, dtype_str: bool = False,
               header_row: int | str | Sequence[int] | None = None) -> Table:
    """Read a CSV/TSV/XLSX file into a :class:`Table`.

    CSV text is decoded with :func:`decode_bytes`; the delimiter (``,`` ``;`` tab)
    is sniffed. Fully empty rows are dropped (their numbers are kept for the
    others). Header cells are stripped of whitespace and BOMs. Numbers are parsed
    by pandas unless ``dtype_str``.

    ``sheet``: the workbook sheet (name or 0-based index; ``--sheet``). ``header_row``: the
    1-based row(s) holding the column names (``--header-row 3``, or ``"1-2"`` for a merged
    group row above the names: the names become ``"group name"``); rows above are skipped
    and the file row numbers of the data rows are kept.

    Cells such as ``N/A``, ``NA`` or ``#N/A`` are missing values; :attr:`Table.na_cells`
    remembers their text so messages can say "missing (N/A)" instead of showing a blank,
    and a column of text keeps them as text (an FMEA action "N/A" stays "N/A").
    """
    p = Path(path)
    name = str(path)
    suffix = p.suffix.lower()
    if not p.exists():
        raise QbdInputError("file not found", file=name)
    header_rows = parse_header_rows(header_row)
    skip = 0 if header_rows is None else header_rows[-1]
    raw: pd.DataFrame | None = None
    if isinstance(sheet, str) and sheet.strip().isdigit():
        sheet = int(sheet.strip())
    if suffix in (".xlsx", ".xlsm"):
        try:
            if header_rows is None:
                frame = pd.read_excel(p, sheet_name=sheet, engine="openpyxl",
                                      dtype=str if dtype_str else None)
            else:
                top = pd.read_excel(p, sheet_name=sheet, engine="openpyxl", header=None,
                                    nrows=skip, dtype=object)
                cells = [top.iloc[r - 1].tolist() if r - 1 < len(top) else []
                         for r in header_rows]
                frame = pd.read_excel(p, sheet_name=sheet, engine="openpyxl", header=None,
                                      skiprows=skip, dtype=str if dtype_str else None)
                frame = _named(frame, _header_names(cells))
            if frame.isna().any().any():
                raw = pd.read_excel(p, sheet_name=sheet, engine="openpyxl", dtype=str,
                                    keep_default_na=False,
                                    header=0 if header_rows is None else None,
                                    skiprows=skip or None)
        except ValueError as exc:
            raise QbdInputError(f"cannot read sheet: {exc}", file=name, column="--sheet",
                                found=sheet) from None
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
        delimiter = _csv_delimiter(text if header_rows is None else
                                   "\n".join(text.splitlines()[header_rows[0] - 1:]), suffix)
        options: dict[str, Any] = {"sep": delimiter, "skip_blank_lines": False}
        try:
            if header_rows is None:
                frame = pd.read_csv(io.StringIO(text), dtype=str if dtype_str else None,
                                    keep_default_na=True, **options)
            else:
                lines = list(csv.reader(io.StringIO(text), delimiter=delimiter))
                cells = [lines[r - 1] if r - 1 < len(lines) else [] for r in header_rows]
                names = _header_names(cells)
                frame = pd.read_csv(io.StringIO(text), header=None, skiprows=skip,
                                    dtype=str if dtype_str else None, **options)
                frame = _named(frame, names)
            if frame.isna().any().any():
                raw = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False,
                                  header=0 if header_rows is None else None,
                                  skiprows=skip or None, **options)
        except pd.errors.EmptyDataError:
            raise QbdInputError("no data rows below the header", file=name, row=skip or 1,
                                column="--header-row", expected="data rows",
                                found="end of file") from None
        except pd.errors.ParserError as exc:
            raise QbdInputError(f"malformed CSV: {exc}", file=name) from None
        sheet_name = None
    if header_rows is not None:
        frame.columns = list(frame.columns)
    else:
        frame.columns = [_clean_header(c) for c in frame.columns]
    na_cells = {} if raw is None else _na_texts(raw, frame)
    first = (1 if header_rows is None else skip) + 1
    rows = [i + first for i in range(len(frame))]
    keep = ~frame.isna().all(axis=1)
    for (i, _c) in list(na_cells):
        keep.iloc[i] = True
    index = [i for i, k in enumerate(keep.tolist()) if k]
    frame = frame.loc[keep].reset_index(drop=True)
    rows = [rows[i] for i in index]
    position = {old: new for new, old in enumerate(index)}
    na_cells = {(position[i], c): v for (i, c), v in na_cells.items() if i in position}
    unnamed = [c for c in frame.columns if c.startswith("Unnamed:")]
    # drop trailing empty columns that spreadsheets like to export
    for c in unnamed:
        if frame[c].isna().all() and not any(col == c for (_i, col) in na_cells):
            frame = frame.drop(columns=c)
    dup = [c for c in frame.columns if list(frame.columns).count(c) > 1]
    if dup:
        raise QbdInputError("duplicate column", file=name, row=1 if header_rows is None
                            else header_rows[-1], column=dup[0],
                            expected="one column per header (merged header rows: "
                                     "--header-row 1-2)")
    frame, na_cells = _text_na_back(frame, na_cells)
    notes = []
    unnamed = [c for c in frame.columns if c.startswith("Unnamed:")]
    if unnamed:
        notes.append(f"{len(unnamed)} column(s) without a header ({', '.join(unnamed[:5])}); "
                     "if the header spans merged rows or starts lower, give --header-row "
                     "(e.g. 1-2 or 3), and --sheet for another sheet")
    return Table(frame=frame, file=name, encoding=encoding, rows=rows, sheet=sheet_name,
                 na_cells=na_cells, notes=notes)


def _named(frame: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """``frame`` (read without a header) with ``names``; extra columns are "Unnamed: j"."""
    cols = [names[j] if j < len(names) else f"Unnamed: {j}" for j in range(frame.shape[1])]
    frame.columns = cols
    return frame


def _text_na_back(frame: pd.DataFrame, na: dict[tuple[int, str], str]
                  ) -> tuple[pd.DataFrame, dict[tuple[int, str], str]]:
    """In a column of text (no cell a number), ``N/A`` is text: put it back."""
    from qbdkit.core.numbers import parse_number

    if not na:
        return frame, na
    keep = dict(na)
    for col in {c for (_i, c) in na}:
        s = frame[col]
        values = [v for v in s.tolist() if not is_blank(v)]
        if not values:
            continue
        numeric = False
        for v in values:
            try:
                parse_number(v)
                numeric = True
                break
            except (TypeError, ValueError):
                continue
        if numeric:
            continue
        s = s.astype(object)
        for (i, c), v in na.items():
            if c == col:
                s.iloc[i] = v
                del keep[(i, c)]
        frame[col] = s
    return frame, keep


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
                 sheet=table.sheet,
                 na_cells={(i, rename.get(c, c)): v for (i, c), v in table.na_cells.items()},
                 notes=list(table.notes))
