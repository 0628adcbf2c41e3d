"""Uploaded files: type, size and archive checks before any service sees them.

ASVS 4.0.3 V12.1 / V12.2 / V12.3: a size limit per file (besides the request limit of
:class:`qbdkit.web.security.BodyLimit`), an allow-list of file types checked by suffix *and*
content (magic bytes / text decoding), archives checked for their number of members, their
unpacked size (zip bombs) and member paths that would leave the target folder (zip slip).
The user's file name is never used as a path: the bytes go to a fresh temporary folder under
a fixed name (:func:`read_upload`) — or, for tables whose name the stored record keeps
(:func:`save_upload`), under the name's base part stripped of folders and control
characters, inside a folder of its own.
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from pathlib import Path, PurePosixPath

from fastapi import UploadFile

from qbdkit.errors import QbdInputError
from qbdkit.web.security import max_body_bytes

#: suffix → how the content must look
KINDS: dict[str, str] = {".zip": "zip", ".xlsx": "zip", ".csv": "text", ".txt": "text",
                         ".yaml": "text", ".yml": "text", ".json": "text", ".tsv": "text"}
MAX_MEMBERS = 2000
MAX_UNPACKED = 200 * 1024 * 1024
#: the tables :func:`qbdkit.io.read_table` reads
TABLES = (".csv", ".tsv", ".txt", ".xlsx")


def read_upload(upload: UploadFile, allowed: tuple[str, ...], *, field: str = "file",
                max_bytes: int | None = None) -> tuple[str, bytes]:
    """``(suffix, bytes)`` of an uploaded file whose suffix is in ``allowed`` and whose
    content matches it; :class:`QbdInputError` (422) naming the field otherwise."""
    name = upload.filename or ""
    suffix = PurePosixPath(name.replace("\\", "/")).suffix.lower()
    if suffix not in allowed:
        raise QbdInputError("file type not accepted", file=name or None, column=field,
                            expected=" | ".join(allowed), found=suffix or "no suffix")
    limit = max_bytes or max_body_bytes()
    data = upload.file.read(limit + 1)
    if len(data) > limit:
        raise QbdInputError("file too large", file=name, column=field,
                            expected=f"at most {limit // (1024 * 1024)} MB", found="larger")
    if not data:
        raise QbdInputError("empty file", file=name, column=field, expected="a file with content")
    kind = KINDS.get(suffix, "text")
    if kind == "zip" and not data.startswith(b"PK\x03\x04"):
        raise QbdInputError("not a zip archive", file=name, column=field,
                            expected=f"a {suffix} file", found="other content")
    if kind == "text":
        try:
            data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                data.decode("gb18030")
            except UnicodeDecodeError as exc:
                raise QbdInputError("not a text file", file=name, column=field,
                                    expected="UTF-8 or GB18030 text",
                                    found="binary content") from exc
        if b"\x00" in data:
            raise QbdInputError("not a text file", file=name, column=field,
                                expected="text", found="NUL bytes")
    return suffix, data


def max_file_bytes() -> int:
    """The limit of one uploaded table (``QBDKIT_WEB_MAX_FILE_MB``, default 10 MB)."""
    return int(float(os.environ.get("QBDKIT_WEB_MAX_FILE_MB", "10")) * 1024 * 1024)


def safe_name(filename: str | None, suffix: str) -> str:
    """The base name of an uploaded file without folders or control characters (a fixed
    name with the same suffix when nothing is left)."""
    base = re.split(r"[\\/]", filename or "")[-1]
    base = re.sub(r"[\x00-\x1f\x7f]", "", base).strip().lstrip(".")[:200]
    return base if base.lower().endswith(suffix) else f"upload{suffix}"


def save_upload(upload: UploadFile, folder: Path, *, field: str,
                allowed: tuple[str, ...] = TABLES, max_bytes: int | None = None) -> Path:
    """Check an uploaded table (:func:`read_upload`, at most :func:`max_file_bytes`) and
    write it as ``folder/<field>/<base name>``; the record that stores it keeps that name."""
    suffix, data = read_upload(upload, allowed, field=field,
                               max_bytes=max_bytes or max_file_bytes())
    target = Path(folder) / field / safe_name(upload.filename, suffix)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return target


def extract_zip(data: bytes, target: Path, *, name: str = "upload.zip") -> Path:
    """Unpack a zip archive into the (empty) folder ``target`` after checking every member;
    returns the project folder inside (the single top folder when there is one)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise QbdInputError("not a zip archive", file=name, expected="a .zip file",
                            found="damaged archive") from exc
    members = archive.infolist()
    if len(members) > MAX_MEMBERS:
        raise QbdInputError("too many files in the archive", file=name,
                            expected=f"at most {MAX_MEMBERS}", found=len(members))
    if sum(m.file_size for m in members) > MAX_UNPACKED:
        raise QbdInputError("archive unpacks too large", file=name,
                            expected=f"at most {MAX_UNPACKED // (1024 * 1024)} MB unpacked",
                            found="larger")
    root = target.resolve()
    for m in members:
        path = PurePosixPath(m.filename.replace("\\", "/"))
        dest = (root / Path(*path.parts)).resolve() if path.parts else root
        if path.is_absolute() or ".." in path.parts or not dest.is_relative_to(root):
            raise QbdInputError("archive member leaves the folder", file=name, column="path",
                                expected="relative paths inside the archive",
                                found=m.filename)
        if m.is_dir():
            dest.mkdir(parents=True, exist_ok=True)
            continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        with archive.open(m) as src:
            dest.write_bytes(src.read(MAX_UNPACKED + 1))
    tops = [p for p in root.iterdir() if not p.name.startswith((".", "__MACOSX"))]
    if len(tops) == 1 and tops[0].is_dir():
        return tops[0]
    return root
