"""Opening the files a user names, safely: size limits, no symbolic links, no devices.

Every reader of user input (tables, project folders, YAML of factors and scales) gets its
bytes from :func:`read_bytes`, which

* refuses a **symbolic link** (the path itself, opened with ``O_NOFOLLOW`` so a link
  swapped in after the check is refused too): a link inside a project folder could
  otherwise pull ``/etc/passwd`` or a colleague's file into the store and out again;
* refuses anything that is not a **regular file** (a FIFO would block for ever, a
  device such as ``/dev/zero`` never ends);
* refuses a file larger than **``QBDKIT_MAX_FILE_MB``** megabytes (default 200;
  decimals allowed), checked before reading and again while reading, so a file that
  grows meanwhile cannot exhaust memory.

:func:`max_cells` (``QBDKIT_MAX_CELLS``, default 10 000 000) bounds the cells of one
table, :data:`MAX_COLUMNS` its columns (16 384, Excel's own limit). All problems are
:class:`~qbdkit.errors.QbdInputError` naming the file.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from qbdkit.errors import QbdInputError

#: default file-size limit (megabytes, 10⁶ bytes), overridden by ``$QBDKIT_MAX_FILE_MB``
DEFAULT_MAX_FILE_MB = 200.0
#: default cell limit of one table, overridden by ``$QBDKIT_MAX_CELLS``
DEFAULT_MAX_CELLS = 10_000_000
#: most columns a table may have (Excel's limit, column XFD)
MAX_COLUMNS = 16_384


def _env_number(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise QbdInputError("not a number", column=f"${name}", expected="a positive number",
                            found=raw) from None
    if not value > 0 or value == float("inf"):
        raise QbdInputError("not a positive number", column=f"${name}",
                            expected="a positive number", found=raw)
    return value


def max_file_bytes() -> int:
    """The size limit of one input file in bytes (``$QBDKIT_MAX_FILE_MB`` × 10⁶, default 200 MB)."""
    return int(_env_number("QBDKIT_MAX_FILE_MB", DEFAULT_MAX_FILE_MB) * 1_000_000)


def max_cells() -> int:
    """The cell limit of one table (``$QBDKIT_MAX_CELLS``, default 10 000 000)."""
    return int(_env_number("QBDKIT_MAX_CELLS", DEFAULT_MAX_CELLS))


def size_text(n: int) -> str:
    """``1500000`` → ``'1.5 MB'``; below a megabyte in bytes (``'2048 bytes'``)."""
    if n < 1_000_000:
        return f"{n} bytes"
    return f"{n / 1_000_000:.3g} MB"


def too_large(name: str, found: int | None = None, *, what: str = "file") -> QbdInputError:
    limit = max_file_bytes()
    return QbdInputError(f"{what} too large", file=name,
                         expected=f"at most {size_text(limit)} (set QBDKIT_MAX_FILE_MB to change)",
                         found=None if found is None else size_text(found))


def refuse_link(path: Path, name: str | None = None) -> None:
    """Raise if ``path`` itself is a symbolic link."""
    if path.is_symlink():
        raise QbdInputError("symbolic link refused", file=name or str(path),
                            expected="a regular file or folder, not a link",
                            found=f"a link to {os.readlink(path)}")


def read_bytes(path: str | Path, name: str | None = None) -> bytes:
    """The bytes of the regular file ``path`` (see the module docstring for what is refused).

    ``name`` is how the file is named in errors (default ``str(path)``).
    """
    p = Path(path)
    shown = name or str(path)
    refuse_link(p, shown)
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    flags |= getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(p, flags)
    except FileNotFoundError:
        raise QbdInputError("file not found", file=shown) from None
    except IsADirectoryError:
        raise QbdInputError("is a directory, expected a file", file=shown) from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise QbdInputError("symbolic link refused", file=shown,
                                expected="a regular file, not a link") from None
        raise QbdInputError(f"cannot read file ({exc.strerror})", file=shown) from None
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise QbdInputError("is a directory, expected a file", file=shown)
        if not stat.S_ISREG(st.st_mode):
            raise QbdInputError("not a regular file", file=shown,
                                expected="a regular file (not a device, pipe or socket)")
        limit = max_file_bytes()
        if st.st_size > limit:
            raise too_large(shown, st.st_size)
        chunks: list[bytes] = []
        total = 0
        while True:
            try:
                chunk = os.read(fd, min(1 << 20, limit + 1 - total))
            except OSError as exc:
                raise QbdInputError(f"cannot read file ({exc.strerror})", file=shown) from None
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise too_large(shown, total)
        return b"".join(chunks)
    finally:
        os.close(fd)
