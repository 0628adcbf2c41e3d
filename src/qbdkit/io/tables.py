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

import contextlib
import csv
import io
import math
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pandas is imported where a table is read (start-up stays light)
    import pandas as pd

from qbdkit.core.numbers import LARGEST, parse_number, range_problem
from qbdkit.errors import Problem, QbdInputError
from qbdkit.io.files import MAX_COLUMNS, max_cells, max_file_bytes, read_bytes, size_text

ENCODINGS: tuple[str, ...] = ("utf-8-sig", "utf-8", "gb18030")
#: what a numeric cell may hold (see :func:`qbdkit.core.numbers.range_problem`)
EXPECTED_RANGE = "a number within ±1e50"
_FLOAT_MAX = 1.7976931348623157e308


def _bad_byte(data: bytes, start: int, encoding: str) -> tuple[int, int]:
    """(line, byte-in-line), both 1-based, of the byte at offset ``start``."""
    line = data.count(b"\n", 0, start) + 1
    return line, start - (data.rfind(b"\n", 0, start) + 1) + 1


def decode_bytes(data: bytes, name: str = "<bytes>") -> tuple[str, str]:
    """Decode file bytes; return ``(text, encoding)``.

    Tries UTF-8 (a BOM is stripped and reported as ``utf-8-sig``), then GB18030.
    Raises :class:`QbdInputError` if none decodes, naming the line of the first byte
    that is not valid UTF-8 (a file with a UTF-8 BOM must be UTF-8 throughout).
    """
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            line, col = _bad_byte(data, exc.start + 3, "utf-8")
            raise QbdInputError(
                f"cannot decode file: byte {col} of the line is not UTF-8", file=name, row=line,
                expected="UTF-8 text throughout (the file starts with a UTF-8 byte-order mark)",
                found=f"byte 0x{data[exc.start + 3]:02x}") from None
    first_error: UnicodeDecodeError | None = None
    for enc in ENCODINGS[1:]:
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError as exc:
            first_error = first_error or exc
            continue
    assert first_error is not None
    line, col = _bad_byte(data, first_error.start, "utf-8")
    raise QbdInputError(
        f"cannot decode file: byte {col} of the line is not UTF-8", file=name, row=line,
        expected="UTF-8, UTF-8 with BOM or GB18030/GBK text",
        found=f"byte 0x{data[first_error.start]:02x}")


def read_text(path: str | Path, name: str | None = None) -> tuple[str, str]:
    """Read a text file with encoding detection; return ``(text, encoding)``.

    The file is opened with :func:`qbdkit.io.files.read_bytes` (no links, size limit).
    """
    shown = name or str(path)
    return decode_bytes(read_bytes(path, shown), shown)


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
        except (TypeError, ValueError, OverflowError) as exc:
            reason = str(exc) if ("comma" in str(exc) or "finite" in str(exc)) else "not a number"
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
        if not math.isfinite(f) or f != int(f):
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
        if isinstance(v, float) and math.isfinite(v) and v == int(v):
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
    pd = sys.modules.get("pandas")  # not imported yet: v cannot be pandas' NA / NaT
    if pd is not None and (v is pd.NA or v is pd.NaT):
        return True
    return isinstance(v, str) and v.strip() == ""


def _first_line(text: str) -> str:
    cut = min((i for i in (text.find("\n"), text.find("\r")) if i >= 0), default=len(text))
    return text[:cut]


def _sniff_delimiter(first: str) -> str:
    try:
        # the sniffer's regular expressions are quadratic on long quoted lines: look at the
        # start of the header only
        return csv.Sniffer().sniff(first[:4096], delimiters=",;\t").delimiter
    except csv.Error:
        return ","


def _check_shape(name: str, rows: int, columns: int, *, estimated: bool = False) -> None:
    """Refuse a table beyond :data:`MAX_COLUMNS` columns or ``max_cells()`` cells."""
    if columns > MAX_COLUMNS:
        raise QbdInputError("too many columns", file=name, row=1,
                            expected=f"at most {MAX_COLUMNS}", found=columns)
    limit = max_cells()
    if rows * columns > limit:
        about = "about " if estimated else ""
        raise QbdInputError("table too large", file=name,
                            expected=f"at most {limit} cells (set QBDKIT_MAX_CELLS to change)",
                            found=f"{about}{rows} rows × {columns} columns")


def _unreadable(exc: BaseException) -> str:
    """Why a workbook cannot be read (openpyxl wraps the XML parser's error)."""
    inner = exc.__cause__ or exc.__context__ or exc
    if "Forbidden" in type(inner).__name__:  # defusedxml: an entity or DTD declaration
        return "not a readable XLSX workbook (XML entity declarations are refused)"
    return f"not a readable XLSX workbook ({type(exc).__name__})"


def _check_workbook(data: bytes, name: str, sheet: str | int | None) -> None:
    """Refuse a workbook that unpacks beyond the file-size limit (a "zip bomb") or whose
    sheet spans more cells than allowed (one cell at XFD1048576 makes pandas build a
    17-billion-cell grid). Reads the sheet once, streaming, without keeping it."""
    import zipfile

    import openpyxl

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            unpacked = sum(i.file_size for i in zf.infolist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise QbdInputError(f"not a readable XLSX workbook ({type(exc).__name__})",
                            file=name) from None
    if unpacked > max_file_bytes():
        raise QbdInputError("workbook too large when unpacked", file=name,
                            expected=f"at most {size_text(max_file_bytes())} of content "
                                     "(set QBDKIT_MAX_FILE_MB to change)",
                            found=size_text(unpacked))
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True,
                                    keep_links=False)
    except Exception as exc:  # openpyxl raises zipfile/KeyError/XML errors on corrupt files
        raise QbdInputError(_unreadable(exc), file=name) from None
    try:
        if isinstance(sheet, int):
            if not 0 <= sheet < len(wb.worksheets):
                return  # pandas names the problem
            ws = wb.worksheets[sheet]
        elif sheet is None or sheet not in wb.sheetnames:
            return
        else:
            ws = wb[sheet]
        if not hasattr(ws, "reset_dimensions"):
            return  # a chart sheet: pandas refuses it
        ws.reset_dimensions()  # as pandas does: the declared dimension may lie
        width = 0
        limit = max_cells()
        header: tuple[Any, ...] | None = None
        for rows, row in enumerate(ws.iter_rows(values_only=True), start=1):
            if header is None and any(v is not None and str(v).strip() for v in row):
                header = row
                _duplicate_header(row, name)
            for j, v in enumerate(row):
                if isinstance(v, float | int) and _beyond_float(v):
                    from openpyxl.utils import get_column_letter

                    col = header[j] if header is not None and j < len(header) else None
                    infinite = (abs(v) > _FLOAT_MAX if isinstance(v, int) else math.isinf(v))
                    raise QbdInputError(
                        "not a finite number" if infinite else "number out of range",
                        file=name, row=rows,
                        column=_clean_header(col) if col is not None else get_column_letter(j + 1),
                        expected=EXPECTED_RANGE, found=_short(str(v)))
            if len(row) > width:
                width = len(row)
                if width > MAX_COLUMNS:
                    _check_shape(name, rows, width)
            if rows * max(width, 1) > limit:
                _check_shape(name, rows, max(width, 1))
    except QbdInputError:
        raise
    except Exception as exc:
        raise QbdInputError(_unreadable(exc), file=name) from None
    finally:
        wb.close()


def _beyond_float(v: Any) -> bool:
    """A number no analysis can take (:func:`qbdkit.core.numbers.range_problem`): ±infinity,
    beyond ±1e50, or an integer pandas kept exact that no float holds (``10**400``)."""
    if isinstance(v, float):
        return range_problem(v) is not None
    if isinstance(v, int) and not isinstance(v, bool):
        return abs(v) > LARGEST
    return False


def _short(text: str) -> str:
    """A cell as shown in a message: long ones (a 400-digit number) cut."""
    return text if len(text) <= 40 else f"{text[:20]}…({len(text)} characters)"


def _duplicate_header(cells: Iterable[Any], name: str) -> None:
    """Refuse a header naming one column twice (pandas would silently rename it ``X.1``)."""
    seen: set[str] = set()
    for c in cells:
        if c is None or (isinstance(c, float) and math.isnan(c)):
            continue
        h = _clean_header(c)
        if not h:
            continue
        if h in seen:
            raise QbdInputError("duplicate column", file=name, row=1, column=h,
                                expected="each header once")
        seen.add(h)


def _check_finite(frame: pd.DataFrame, name: str,
                  raw: Callable[[int, int], Any] | None = None) -> None:
    """Refuse ±infinity in a cell read as a number (``inf``, ``Infinity``, ``1e999``…),
    integers beyond float range and magnitudes beyond :func:`_beyond_float`'s bounds;
    ``frame`` as read (data row ``i`` is file row ``i + 2``), ``raw(i, j)`` the cell as
    written (for the message)."""
    import numpy as np
    import pandas as pd

    for j, col in enumerate(frame.columns):
        s = frame.iloc[:, j]
        if pd.api.types.is_float_dtype(s.dtype):
            a = np.abs(s.to_numpy(dtype=float, na_value=np.nan))
            with np.errstate(invalid="ignore"):
                bad = a > LARGEST
        elif s.dtype == object:
            bad = np.fromiter((_beyond_float(v) for v in s), dtype=bool, count=len(s))
        else:
            continue
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            value = s.iloc[i]
            if isinstance(value, int) and not isinstance(value, bool):
                finite = abs(value) <= _FLOAT_MAX
            else:
                finite = math.isfinite(float(value))
            found: Any = None
            if raw is not None:
                with contextlib.suppress(Exception):
                    found = raw(i, j)
            if not isinstance(found, str) or not found.strip():
                found = str(s.iloc[i])
            found = _short(found)
            raise QbdInputError("number out of range" if finite else "not a finite number",
                                file=name, row=i + 2, column=_clean_header(col),
                                expected=EXPECTED_RANGE, found=found)


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

    Hostile input is refused as :class:`QbdInputError` (see :mod:`qbdkit.io.files`):
    a symbolic link, a file beyond ``QBDKIT_MAX_FILE_MB``, a table beyond
    ``QBDKIT_MAX_CELLS`` cells or 16 384 columns, a workbook that unpacks beyond the
    size limit, and ±infinity in a numeric cell (``inf``, ``Infinity``, ``1e999``) or a
    magnitude above ``1e50``.
    A text cell written by qbdkit as ``'=…`` (see :mod:`qbdkit.io.sheets`) reads back
    as ``=…``.
    """
    import pandas as pd

    from qbdkit.io.sheets import unguard_frame

    p = Path(path)
    name = str(path)
    suffix = p.suffix.lower()
    if suffix == ".xls":
        raise QbdInputError("old .xls workbooks are not supported", file=name,
                            expected="save as .xlsx or CSV")
    header_rows = parse_header_rows(header_row)
    skip = 0 if header_rows is None else header_rows[-1]
    if isinstance(sheet, str) and sheet.strip().isdigit():
        sheet = int(sheet.strip())
    data = read_bytes(p, name)
    texts: pd.DataFrame | None = None  # the cells as written, when some were read as missing
    if suffix in (".xlsx", ".xlsm"):
        _check_workbook(data, name, sheet)
        try:
            if header_rows is None:
                frame = pd.read_excel(io.BytesIO(data), sheet_name=sheet, engine="openpyxl",
                                      dtype=str if dtype_str else None)
            else:
                top = pd.read_excel(io.BytesIO(data), sheet_name=sheet, engine="openpyxl",
                                    header=None, nrows=skip, dtype=object)
                cells = [top.iloc[r - 1].tolist() if r - 1 < len(top) else []
                         for r in header_rows]
                frame = pd.read_excel(io.BytesIO(data), sheet_name=sheet, engine="openpyxl",
                                      header=None, skiprows=skip,
                                      dtype=str if dtype_str else None)
                frame = _named(frame, _header_names(cells))
            if isinstance(frame, pd.DataFrame) and frame.isna().any().any():
                texts = pd.read_excel(io.BytesIO(data), sheet_name=sheet, engine="openpyxl",
                                      dtype=str, keep_default_na=False,
                                      header=0 if header_rows is None else None,
                                      skiprows=skip or None)
        except ValueError as exc:
            raise QbdInputError(f"cannot read sheet: {exc}".splitlines()[0], file=name,
                                column="--sheet", found=sheet) from None
        except Exception as exc:  # openpyxl raises zipfile/KeyError on corrupt files
            raise QbdInputError(f"not a readable XLSX workbook ({type(exc).__name__})",
                                file=name) from None
        if not isinstance(frame, pd.DataFrame):
            raise QbdInputError("cannot read sheet", file=name, expected="one sheet")
        encoding = "xlsx"
        sheet_name = str(sheet) if sheet is not None else None
        raw = None
    else:
        text, encoding = decode_bytes(data, name)
        del data
        if not text.strip():
            raise QbdInputError("empty file", file=name, expected="a header row and data rows")
        head_text = text if header_rows is None else "\n".join(
            text.splitlines()[header_rows[0] - 1:header_rows[0]])
        first = _first_line(head_text)
        delimiter = "\t" if suffix in (".tsv", ".tab") else _sniff_delimiter(first)
        lines = text.count("\n") + text.count("\r") - text.count("\r\n") + 1
        _check_shape(name, lines, first.count(delimiter) + 1, estimated=True)
        options: dict[str, Any] = {"sep": delimiter, "skip_blank_lines": False}
        if header_rows is None:
            with contextlib.suppress(csv.Error):  # pandas names a malformed header
                _duplicate_header(next(csv.reader(io.StringIO(text), delimiter=delimiter), []),
                                  name)
        try:
            if header_rows is None:
                frame = pd.read_csv(io.StringIO(text), dtype=str if dtype_str else None,
                                    keep_default_na=True, **options)
            else:
                rows_ = list(csv.reader(io.StringIO(text), delimiter=delimiter))
                cells = [rows_[r - 1] if r - 1 < len(rows_) else [] for r in header_rows]
                frame = pd.read_csv(io.StringIO(text), header=None, skiprows=skip,
                                    dtype=str if dtype_str else None, **options)
                frame = _named(frame, _header_names(cells))
            if frame.isna().any().any():
                texts = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False,
                                    header=0 if header_rows is None else None,
                                    skiprows=skip or None, **options)
        except pd.errors.EmptyDataError:
            if header_rows is not None:
                raise QbdInputError("no data rows below the header", file=name,
                                    row=skip or 1, column="--header-row", expected="data rows",
                                    found="end of file") from None
            raise QbdInputError("empty file", file=name,
                                expected="a header row and data rows") from None
        except (pd.errors.ParserError, csv.Error, ValueError, OverflowError) as exc:
            raise QbdInputError(f"malformed CSV: {exc}".splitlines()[0].strip(),
                                file=name) from None
        sheet_name = None
        frozen_text, frozen_skip, frozen_header = text, skip, header_rows

        def raw(i: int, j: int) -> Any:  # the cell as written (an error path only)
            return pd.read_csv(io.StringIO(frozen_text), sep=delimiter, dtype=str,
                               skip_blank_lines=False, keep_default_na=False,
                               header=0 if frozen_header is None else None,
                               skiprows=frozen_skip or None).iat[i, j]
    _check_shape(name, len(frame) + 1, len(frame.columns))
    _check_finite(frame, name, raw)
    if header_rows is None:
        frame.columns = [_clean_header(c) for c in frame.columns]
    else:
        frame.columns = list(frame.columns)
    na_cells = {} if texts is None else _na_texts(texts, frame)
    first_row = (1 if header_rows is None else skip) + 1
    rows = [i + first_row for i in range(len(frame))]
    keep = ~frame.isna().all(axis=1)
    for (i, _c) in list(na_cells):
        keep.iloc[i] = True
    index = [i for i, k in enumerate(keep.tolist()) if k]
    frame = frame.loc[keep].reset_index(drop=True)
    rows = [rows[i] for i in index]
    position = {old: new for new, old in enumerate(index)}
    na_cells = {(position[i], c): v for (i, c), v in na_cells.items() if i in position}
    # drop the empty unnamed columns that spreadsheets like to export
    empty = frame.isna().all(axis=0).tolist()
    na_cols = {c for (_i, c) in na_cells}
    keep_cols = [j for j, c in enumerate(frame.columns)
                 if not (str(c).startswith("Unnamed:") and empty[j] and c not in na_cols)]
    if len(keep_cols) < len(frame.columns):
        frame = frame.iloc[:, keep_cols]
    counts = Counter(frame.columns)
    dup = [c for c in frame.columns if counts[c] > 1]
    if dup:
        raise QbdInputError("duplicate column", file=name,
                            row=1 if header_rows is None else header_rows[-1], column=dup[0],
                            expected="one column per header (merged header rows: "
                                     "--header-row 1-2)")
    frame = unguard_frame(frame)
    frame, na_cells = _text_na_back(frame, na_cells)
    notes = []
    unnamed = [c for c in frame.columns if str(c).startswith("Unnamed:")]
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
