"""Uploaded tables: type and size limits before anything reads them (OWASP ASVS 4.0.3
V12.1.1 size, V12.2.1 type by content, V12.3.1 no user-chosen paths).

:func:`save_upload` keeps only the file's base name (no folders, no path tricks), accepts the
table types :func:`qbdkit.io.read_table` reads (CSV/TSV/TXT, XLSX/XLSM) checked by content as
well as by name (an XLSX is a ZIP; a text table has no NUL byte), and refuses more than
``QBDKIT_WEB_MAX_FILE_MB`` (default 10 MB) per file — the whole request is limited apart
(:class:`qbdkit.web.security.BodyLimit`). Problems are :class:`QbdInputError` naming the
form field (422). Hand-written because the checks are three lines each and no library
knows which tables qbdkit reads.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from qbdkit.errors import QbdInputError

TEXT_TABLES = (".csv", ".tsv", ".tab", ".txt")
WORKBOOKS = (".xlsx", ".xlsm")
TABLES = TEXT_TABLES + WORKBOOKS


def max_file_bytes() -> int:
    return int(float(os.environ.get("QBDKIT_WEB_MAX_FILE_MB", "10")) * 1024 * 1024)


def safe_name(filename: str | None, field: str) -> str:
    """The base name of an uploaded file, stripped of folders and control characters."""
    base = re.split(r"[\\/]", filename or "")[-1]
    base = re.sub(r"[\x00-\x1f\x7f]", "", base).strip().lstrip(".")
    if not base:
        raise QbdInputError("no file chosen", column=field, expected="a CSV or XLSX file",
                            found=filename or "")
    return base[:200]


def save_upload(upload: Any, folder: Path, *, field: str,
                allowed: tuple[str, ...] = TABLES, max_bytes: int | None = None) -> Path:
    """Check ``upload`` (a Starlette ``UploadFile``) and write it under ``folder/field/``."""
    limit = max_file_bytes() if max_bytes is None else max_bytes
    name = safe_name(getattr(upload, "filename", None), field)
    suffix = Path(name).suffix.lower()
    if suffix not in allowed:
        raise QbdInputError("file type not accepted", file=name, column=field,
                            expected=" / ".join(allowed), found=suffix or "no extension")
    data = upload.file.read(limit + 1)
    if len(data) > limit:
        raise QbdInputError("file too large", file=name, column=field,
                            expected=f"at most {limit // (1024 * 1024)} MB",
                            found=f"more than {limit} bytes")
    if not data:
        raise QbdInputError("empty file", file=name, column=field,
                            expected="a table with a header row", found="0 bytes")
    if suffix in WORKBOOKS and not data.startswith(b"PK\x03\x04"):
        raise QbdInputError("not an Excel workbook", file=name, column=field,
                            expected="an .xlsx file (a ZIP container)", found="other content")
    if suffix in TEXT_TABLES and b"\x00" in data[:65536]:
        raise QbdInputError("not a text table", file=name, column=field,
                            expected="CSV text (UTF-8 or GB18030)", found="binary content")
    target = Path(folder) / field / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return target
