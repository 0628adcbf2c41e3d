"""Reading CSV / XLSX tables as users export them (utf-8, utf-8 with BOM, GB18030/GBK).

Names are imported on first use (PEP 562), so importing ``qbdkit.io.tables`` or
``qbdkit.io.files`` does not pay for pandas until a table is read.
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from qbdkit.core.numbers import parse_number
    from qbdkit.io import sheets
    from qbdkit.io.tables import Table, decode_bytes, read_table, read_text, require_columns

_LAZY: dict[str, str] = {
    "Table": "qbdkit.io.tables",
    "decode_bytes": "qbdkit.io.tables",
    "read_table": "qbdkit.io.tables",
    "read_text": "qbdkit.io.tables",
    "require_columns": "qbdkit.io.tables",
    "parse_number": "qbdkit.core.numbers",
}

__all__ = ["Table", "decode_bytes", "parse_number", "read_table", "read_text", "require_columns",
           "sheets"]


def __getattr__(name: str) -> Any:
    if name == "sheets":
        return import_module("qbdkit.io.sheets")
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
