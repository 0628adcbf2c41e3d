"""HTML report → PDF with WeasyPrint (A4, running header, page numbers, contents with page
numbers), the CJK font (Noto Sans CJK SC, Debian ``fonts-noto-cjk``) embedded as a subset.

WeasyPrint needs pango ≥ 1.44 and harfbuzz' subsetting library (Debian ``libpango-1.0-0``,
``libpangoft2-1.0-0``, ``libharfbuzz-subset0``); ``make sysdeps`` installs them.
"""

from __future__ import annotations

import logging

from qbdkit.errors import QbdInputError


def html_to_pdf(html: str, *, title: str = "", lang: str = "en") -> bytes:
    """The PDF bytes of a complete HTML document (its print CSS applies)."""
    try:
        from weasyprint import HTML
    except OSError as exc:  # pango / harfbuzz missing
        raise QbdInputError("PDF output needs the pango and harfbuzz libraries",
                            column="format", expected="`make sysdeps` (Debian: libpango-1.0-0 "
                            "libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk)",
                            found=str(exc)) from exc
    # WeasyPrint warns once per CSS property it ignores (screen-only rules); not for users
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    return HTML(string=html).write_pdf()
