"""The control strategy as an HTML section and as a workbook, in English or Chinese.

:func:`render` (registered for kind ``control.strategy``) gives the checks, the nested
ranges of every CPP (studied range ⊃ PAR ⊃ NOR ∋ set point, seed 000 fig. 13) and the
table per unit operation (fig. 14). :func:`write_xlsx` writes the same tables as sheets for
a review meeting; :func:`write_workbook` is the small sheet writer shared with the CPV
review (text cells that a spreadsheet would read as a formula stay text).
Fixed text comes from the ``control`` catalogue.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from qbdkit.core.control import ControlStrategy, range_text
from qbdkit.core.ppq.messages import render_all
from qbdkit.i18n import t
from qbdkit.report.html import esc, figure_svg, new_figure, table

DOMAIN = "control"
#: headers of the control-strategy table (msgids)
HEADERS = ("Unit operation", "Attribute", "CQA", "Parameter", "Class", "Set point", "NOR",
           "PAR", "Studied range", "Control element", "Control", "Links")
ELEMENT_TEXT = {"ipc": "in-process control", "release": "release specification",
                "stability": "stability specification", "monitoring": "monitoring",
                "procedural": "procedural control", "material": "material specification"}


def _t(msgid: str, lang: str, **kw: Any) -> str:
    return t(msgid, lang, domain=DOMAIN, **kw)


def _uo(name: str, lang: str) -> str:
    return _t(name, lang) if name in ("release", "stability", "in-process") else name


def _sp(v: Any) -> Any:
    return "" if v is None else v


def table_rows(cs: ControlStrategy, lang: str = "en") -> list[list[Any]]:
    """The control-strategy table as rows under :data:`HEADERS` (translated words)."""
    return [[_uo(r["unit_operation"], lang), r["attribute"],
             _t("yes", lang) if r["cqa"] else "", r["parameter"], r["class"],
             _sp(r["set_point"]), range_text(r["nor"]), range_text(r["par"]),
             range_text(r["studied"]), _t(ELEMENT_TEXT.get(r["element"], r["element"]), lang),
             r["control"], r["links"]] for r in cs.rows]


def _ranges_figure(cs: ControlStrategy, lang: str) -> str:
    """Studied range, PAR, NOR and set point of every CPP, scaled to its studied range."""
    rows = [p for p in cs.parameters if p["class"] in ("CPP", "WC-CPP") and p["studied"]
            and None not in p["studied"] and p["studied"][1] > p["studied"][0]]
    if not rows:
        return ""
    fig, ax = new_figure(8.0, 0.45 * len(rows) + 1.2)
    for i, p in enumerate(reversed(rows)):
        lo, hi = p["studied"]
        span = hi - lo

        def x(v: float, lo: float = lo, span: float = span) -> float:
            return (v - lo) / span

        ax.barh(i, 1.0, left=0.0, height=0.8, color="#e8edf2", edgecolor="#9aa7b4")
        for r, color, h in ((p["par"], "#9fc5e8", 0.6), (p["nor"], "#3d85c6", 0.4)):
            if r and None not in r:
                ax.barh(i, x(r[1]) - x(r[0]), left=x(r[0]), height=h, color=color)
        if isinstance(p["set_point"], int | float):
            ax.plot([x(p["set_point"])] * 2, [i - 0.4, i + 0.4], color="#cc0000", lw=2)
        ax.text(-0.02, i, f"{p['item']} ({p['class']})", ha="right", va="center", fontsize=8)
        ax.text(1.02, i, range_text(p["studied"], p["unit"]), ha="left", va="center",
                fontsize=7)
    from matplotlib.patches import Patch

    ax.legend(handles=[Patch(color="#e8edf2", label=_t("Studied range", lang)),
                       Patch(color="#9fc5e8", label="PAR"), Patch(color="#3d85c6", label="NOR"),
                       Patch(color="#cc0000", label=_t("Set point", lang))],
              loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=4, fontsize=7,
              frameon=False)
    ax.set_yticks([])
    ax.set_xlim(0, 1)
    ax.set_xticks([0, 1], [_t("studied low", lang), _t("studied high", lang)])
    ax.set_title(_t("Studied range ⊃ PAR ⊃ NOR ∋ set point", lang), fontsize=9)
    for s in ("top", "right", "left"):
        ax.spines[s].set_visible(False)
    return figure_svg(fig)


def render(result: Any, lang: str = "en") -> str:
    """The control strategy as an HTML fragment."""
    cs = ControlStrategy.from_dict(result) if isinstance(result, dict) else result
    head = _t("{cqas} CQAs, {parameters} parameters; checks: {state}.", lang,
              cqas=len(cs.cqas()), parameters=len(cs.parameters),
              state=_t("passed" if cs.passed else "failed", lang))
    parts = [f"<p>{esc(head)}</p>"]
    if cs.built_from:
        parts.append(f'<p class="note">{esc(_t("Built from", lang))}: '
                     + esc("; ".join(cs.built_from)) + "</p>")
    parts.append(table([_t("Check", lang), _t("Result", lang), _t("Findings", lang)],
                       [[_t(c["name"], lang), _t("pass" if c["passed"] else "fail", lang),
                         " ".join(render_all(c["failures"], lang, DOMAIN))]
                        for c in cs.checks],
                       row_classes=["good" if c["passed"] else "bad" for c in cs.checks]))
    parts.append(_ranges_figure(cs, lang))
    heads = [_t(h, lang) for h in HEADERS]
    rows = table_rows(cs, lang)
    for uo in [*cs.unit_operations, "in-process", "release", "stability"]:
        mine = [r for r, raw in zip(rows, cs.rows, strict=True) if raw["unit_operation"] == uo]
        if mine:
            parts.append(f"<h3>{esc(_uo(uo, lang))}</h3>")
            parts.append(table(heads[1:], [r[1:] for r in mine],
                               row_classes=["" if r[2] else "note" for r in mine]))
    if cs.notes:
        parts.append("<ul>" + "".join(f"<li>{esc(n)}</li>" for n in cs.notes) + "</ul>")
    return "\n".join(p for p in parts if p)


# ---- workbooks --------------------------------------------------------------------------------

def write_workbook(path: Path, sheets: list[tuple[str, list[str], list[list[Any]]]],
                   images: dict[str, list[tuple[str, bytes]]] | None = None) -> Path:
    """Write ``[(sheet title, headers, rows)]`` to an XLSX file (bold frozen header, widths
    to fit); ``images`` adds PNGs to sheets ``{title: [(anchor cell, png bytes)]}``. Texts a
    spreadsheet would evaluate stay texts (:func:`qbdkit.io.sheets.protect_worksheet`)."""
    import io

    from openpyxl import Workbook
    from openpyxl.drawing.image import Image
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    from qbdkit.io.sheets import protect_worksheet, xlsx_text

    wb = Workbook()
    wb.remove(wb.active)
    for title, headers, rows in sheets:
        ws = wb.create_sheet(title[:31])
        ws.append([xlsx_text(h) for h in headers])
        for cell in ws[1]:
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="EEF2F6")
        for r in rows:
            ws.append([xlsx_text(v) if not isinstance(v, list | dict) else str(v) for v in r])
        protect_worksheet(ws)
        ws.freeze_panes = "A2"
        for i, h in enumerate(headers, start=1):
            width = max([len(str(h))] + [len(str(r[i - 1])) for r in rows[:500]
                                         if i - 1 < len(r) and r[i - 1] is not None])
            ws.column_dimensions[get_column_letter(i)].width = min(60, max(8, width + 2))
    for title, pics in (images or {}).items():
        ws = wb[title[:31]] if title[:31] in wb.sheetnames else wb.create_sheet(title[:31])
        for anchor, png in pics:
            ws.add_image(Image(io.BytesIO(png)), anchor)
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    wb.save(tmp)
    tmp.replace(path)
    return path


def write_xlsx(result: Any, path: Path, lang: str = "en") -> Path:
    """The control strategy as a workbook: the table, parameters, attributes, checks."""
    cs = ControlStrategy.from_dict(result) if isinstance(result, dict) else result
    params = [[p["unit_operation"], p["item"], p["label"], p["class"], p["class_source"],
               _sp(p["set_point"]), range_text(p["nor"]), range_text(p["par"]),
               range_text(p["studied"]), p["unit"],
               _t(ELEMENT_TEXT.get(p["element"], p["element"]), lang), p["justification"],
               "; ".join(p["sources"]), ", ".join(p["attributes"])] for p in cs.parameters]
    attrs = [[a["name"], a["label"], _t("yes", lang) if a["cqa"] else "", a["unit"],
              "; ".join(f"{_t(ELEMENT_TEXT.get(c['element'], c['element']), lang)}: "
                        f"{c['criterion']}" for c in a["controls"]),
              "" if a["spec"] is None else a["spec"]["criterion"], ", ".join(a["parameters"])]
             for a in cs.attributes]
    checks = [[_t(c["name"], lang), _t("pass" if c["passed"] else "fail", lang),
               " ".join(render_all(c["failures"], lang, DOMAIN))] for c in cs.checks]
    return write_workbook(path, [
        (_t("Control strategy", lang), [_t(h, lang) for h in HEADERS], table_rows(cs, lang)),
        (_t("Parameters", lang), [_t(h, lang) for h in (
            "Unit operation", "Parameter", "Label", "Class", "Class from", "Set point", "NOR",
            "PAR", "Studied range", "Unit", "Control element", "Justification", "Sources",
            "Attributes")], params),
        (_t("Attributes", lang), [_t(h, lang) for h in (
            "Attribute", "Label", "CQA", "Unit", "Tests", "Specification", "Parameters")],
         attrs),
        (_t("Checks", lang), [_t(h, lang) for h in ("Check", "Result", "Findings")], checks),
        (_t("Basis", lang), [_t("Built from", lang)], [[b] for b in cs.built_from])])


def _register() -> None:
    from qbdkit.report.sections import register_renderer

    register_renderer("control.strategy", render)


_register()
