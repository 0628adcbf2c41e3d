"""Reading CSV / XLSX tables as users export them (utf-8, utf-8 with BOM, GB18030/GBK)."""

from qbdkit.core.numbers import parse_number
from qbdkit.io import sheets
from qbdkit.io.tables import (
    Table,
    decode_bytes,
    read_table,
    read_text,
    require_columns,
)

__all__ = ["Table", "decode_bytes", "parse_number", "read_table", "read_text", "require_columns",
           "sheets"]
