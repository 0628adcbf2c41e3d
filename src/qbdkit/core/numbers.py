"""Parsing numbers typed into spreadsheets and CSV files.

One rule for the whole package: ``.`` is the decimal point; a comma is accepted
only as a thousands separator in groups of three (``1,234.5``). Anything else
with a comma (``7,0`` — a European decimal comma — or ``1,2,3``) is rejected
rather than read as a different number (``70``), because a silently wrong
number is worse than an error. ``NaN``, ``inf``, ``Infinity`` and numbers beyond
float range (``1e999``) are refused too: no measurement is infinite.
"""

from __future__ import annotations

import math
import re
from typing import Any

#: the reason given for ``inf``, ``Infinity``, ``1e999`` (beyond float range) and the like
NOT_FINITE = "not a finite number (infinite or beyond ±1.8e308)"

_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?([eE][+-]?\d+)?$")


def parse_number(value: Any) -> float:
    """``value`` as float; raises ``ValueError`` with a reason for text that is not a number.

    >>> parse_number("1,234.5"), parse_number(" 7.0 "), parse_number(3)
    (1234.5, 7.0, 3.0)
    """
    if isinstance(value, bool):
        raise ValueError("a true/false value is not a number")
    if not isinstance(value, str):
        try:
            f = float(value)
        except OverflowError:  # an int beyond float range
            raise ValueError(NOT_FINITE) from None
        if math.isinf(f):
            raise ValueError(NOT_FINITE)
        return f
    s = value.strip().replace("\u2212", "-")  # U+2212 minus sign, as Word/Excel may write it
    if "," in s:
        if not _THOUSANDS.match(s):
            raise ValueError("a comma is only accepted as a thousands separator (1,234.5); "
                             "write decimals with a point")
        s = s.replace(",", "")
    f = float(s)
    if math.isnan(f):
        raise ValueError("NaN is not a value")
    if math.isinf(f):
        raise ValueError(NOT_FINITE)
    return f
