"""Small HTML building blocks shared by every report section.

Hand-written because the pieces are tiny (an escaped table, an inline SVG of a
matplotlib figure); the page itself is a Jinja2 template in :func:`page`.
"""

from __future__ import annotations

import html
import io
import math
import warnings
from collections.abc import Sequence
from typing import Any

import jinja2

# Chinese labels: without a CJK font matplotlib measures them with DejaVu and warns per
# glyph; the SVG keeps text as text (figure_svg), so the browser renders it correctly.
warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from font")


def esc(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def fmt(value: Any, digits: int = 4) -> str:
    """Numbers to ``digits`` significant figures; None/NaN → empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return format(value, f".{digits}g")
    try:
        f = float(value)  # numpy scalars
    except (TypeError, ValueError):
        return str(value)
    return fmt(f, digits)


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], *, caption: str | None = None,
          row_classes: Sequence[str] | None = None) -> str:
    """An escaped HTML table; numbers formatted with :func:`fmt`."""
    out = ['<table class="data">']
    if caption:
        out.append(f"<caption>{esc(caption)}</caption>")
    out.append("<thead><tr>" + "".join(f"<th>{esc(h)}</th>" for h in headers) + "</tr></thead>")
    out.append("<tbody>")
    for i, r in enumerate(rows):
        cls = f' class="{esc(row_classes[i])}"' if row_classes and row_classes[i] else ""
        out.append(f"<tr{cls}>" + "".join(_cell(v) for v in r) + "</tr>")
    out.append("</tbody></table>")
    return "\n".join(out)


def _cell(value: Any) -> str:
    """A ``<td>``; numbers get class ``num`` (right-aligned), text stays left-aligned."""
    numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not numeric:
        try:
            import numpy as np

            numeric = isinstance(value, (np.integer, np.floating))
        except ImportError:  # pragma: no cover
            numeric = False
    return f'<td class="num">{esc(fmt(value))}</td>' if numeric else f"<td>{esc(fmt(value))}</td>"


def figure_svg(fig: Any) -> str:
    """Inline SVG of a matplotlib figure (closes the figure).

    Text stays text (``svg.fonttype = none``): the SVG is smaller, faster to write,
    and the browser draws Chinese labels with its own fonts even where matplotlib
    has no CJK font.
    """
    import matplotlib
    import matplotlib.pyplot as plt

    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none"}), warnings.catch_warnings():
        # metrics for CJK labels fall back to DejaVu when no CJK font is installed;
        # the text stays text and the browser draws it with its own fonts
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from font")
        fig.savefig(buf, format="svg", bbox_inches="tight")
    plt.close(fig)
    text = buf.getvalue()
    return text[text.index("<svg"):]


def new_figure(width: float = 6.0, height: float = 4.0):
    """A matplotlib figure on the non-interactive Agg backend: ``fig, ax = new_figure()``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams["font.sans-serif"] = ["Noto Sans CJK SC", "WenQuanYi Zen Hei", "DejaVu Sans"]
    plt.rcParams["axes.unicode_minus"] = False
    return plt.subplots(figsize=(width, height))


def section(title: str, body: str, *, anchor: str | None = None) -> str:
    a = f' id="{esc(anchor)}"' if anchor else ""
    return f"<section{a}><h2>{esc(title)}</h2>\n{body}\n</section>"


_PAGE = jinja2.Template(
    """<!DOCTYPE html>
<html lang="{{ lang }}"><head><meta charset="utf-8">
<title>{{ title }}</title>
<style>
body{font-family:"Noto Sans CJK SC","Microsoft YaHei",system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222}
h1{border-bottom:2px solid #345}h2{margin-top:2em;color:#234}
table.data{border-collapse:collapse;margin:1em 0;font-size:.9em}
table.data th,table.data td{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}
table.data th{background:#eef2f6}table.data td.num{text-align:right;font-variant-numeric:tabular-nums}
tr.bad td{background:#fde2e2}tr.warn td{background:#fff3cd}tr.good td{background:#e3f4e3}
.note{color:#555;font-size:.9em}nav a{margin-right:1em}
</style></head><body>
<h1>{{ title }}</h1>
<p class="note">{{ subtitle }}</p>
{% if toc %}<nav>{% for anchor, name in toc %}<a href="#{{ anchor }}">{{ name }}</a>{% endfor %}</nav>{% endif %}
{% for s in sections %}{{ s }}
{% endfor %}
</body></html>
""",
    autoescape=False,
)


def page(title: str, sections: Sequence[str], *, subtitle: str = "", lang: str = "en",
         toc: Sequence[tuple[str, str]] = ()) -> str:
    """A complete HTML page from already-rendered sections."""
    return _PAGE.render(title=esc(title), subtitle=esc(subtitle), sections=sections, lang=lang,
                        toc=[(esc(a), esc(n)) for a, n in toc])
