"""Parsing numbers typed into spreadsheets and CSV files.

One rule for the whole package: ``.`` is the decimal point; a comma is accepted
only as a thousands separator in groups of three (``1,234.5``). Anything else
with a comma (``7,0`` — a European decimal comma — or ``1,2,3``) is rejected
rather than read as a different number (``70``), because a silently wrong
number is worse than an error. ``NaN``, ``inf``, ``Infinity`` and numbers beyond
float range (``1e999``) are refused too: no measurement is infinite; so are magnitudes
above ``1e50`` (:func:`range_problem`), which no quantity qbdkit handles reaches and which
would overflow the statistics of every analysis.
"""

from __future__ import annotations

import math
import re
from typing import Any

#: the reason given for ``inf``, ``Infinity``, ``1e999`` (beyond float range) and the like
NOT_FINITE = "not a finite number (infinite or beyond ±1.8e308)"
#: the largest magnitude a measured or chosen number may have: no quantity of a bioprocess
#: comes near 10⁵⁰ (viral genomes per litre ~10¹⁵, Avogadro's number 6×10²³), and beyond
#: it the statistics overflow float64 (Welch's degrees of freedom take fourth powers of
#: standard deviations: (10⁷⁵)⁴ is already infinite)
LARGEST = 1e50
OUT_OF_RANGE = "number out of range (magnitude above 1e50)"


def range_problem(f: float) -> str | None:
    """Why the float ``f`` cannot be used as a number, or ``None`` (it can)."""
    if math.isnan(f):
        return None
    if math.isinf(f):
        return NOT_FINITE
    if abs(f) > LARGEST:
        return OUT_OF_RANGE
    return None

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
        problem = range_problem(f)
        if problem:
            raise ValueError(problem)
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
    problem = range_problem(f)
    if problem:
        raise ValueError(problem)
    return f
