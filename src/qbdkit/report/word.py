"""The composed report (:class:`qbdkit.report.project.Composed`) → DOCX with python-docx.

Walks the report's HTML (parsed with lxml) and writes Word objects: headings as Word
headings (levels 1–4), every ``<table>`` as a real Word table (header row bold and shaded,
numbers right-aligned, row colours kept) with its numbered caption above it, every figure as
a PNG picture (the SVG drawn at 150 dpi by ``rsvg-convert`` when installed, else by CairoSVG;
at most the text width) with its numbered caption below, paragraphs with bold/italic/code
runs, lists, and preformatted text in a monospaced font. A4 portrait, 2 cm margins, page
numbers in the footer; East Asian text in the document's East Asian font (``w:eastAsia``) so
Chinese displays in Word and WPS.
"""

from __future__ import annotations

import io
import re
from typing import Any

from qbdkit.report.figures import svgs_to_png
from qbdkit.report.project import Composed

LATIN_FONT = "Calibri"
EAST_ASIAN_FONT = "Microsoft YaHei"
MONO_FONT = "Consolas"
DPI = 150
_SHADE = {"bad": "FDE2E2", "warn": "FFF3CD", "good": "E3F4E3", "cqa": "FFF5E6",
          "cpp": "FFF5E6"}
_BLOCKS = {"p", "div", "section", "header", "nav", "figure", "table", "ul", "ol", "pre",
           "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "dl"}


def _set_fonts(style_or_run: Any, latin: str, east_asian: str) -> None:
    from docx.oxml.ns import qn

    style_or_run.font.name = latin
    rpr = style_or_run.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(attr), latin)
    fonts.set(qn("w:eastAsia"), east_asian)


def _shade(cell: Any, color: str) -> None:
    from docx.oxml.ns import qn

    tcpr = cell._tc.get_or_add_tcPr()
    shd = tcpr.makeelement(qn("w:shd"), {qn("w:val"): "clear", qn("w:color"): "auto",
                                         qn("w:fill"): color})
    tcpr.append(shd)


def _page_field(paragraph: Any, code: str) -> None:
    from docx.oxml.ns import qn

    run = paragraph.add_run()
    fld = run._r.makeelement(qn("w:fldSimple"), {qn("w:instr"): code})
    inner = fld.makeelement(qn("w:r"), {})
    text = inner.makeelement(qn("w:t"), {})
    text.text = "1"
    inner.append(text)
    fld.append(inner)
    paragraph._p.append(fld)


def _text(el: Any) -> str:
    return re.sub(r"\s+", " ", el.text_content()).strip()


class _Writer:
    def __init__(self, composed: Composed) -> None:
        import docx
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.shared import Cm, Pt

        self.c = composed
        self.pngs: list[tuple[bytes, int]] | None = None
        self.doc = docx.Document()
        self.Cm, self.Pt = Cm, Pt
        sec = self.doc.sections[0]
        sec.page_width, sec.page_height = Cm(21.0), Cm(29.7)
        for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
            setattr(sec, side, Cm(2.0))
        self.width = sec.page_width - sec.left_margin - sec.right_margin
        styles = self.doc.styles
        _set_fonts(styles["Normal"], LATIN_FONT, EAST_ASIAN_FONT)
        styles["Normal"].font.size = Pt(10)
        for name in ("Title", "Heading 1", "Heading 2", "Heading 3", "Heading 4", "Caption"):
            _set_fonts(styles[name], LATIN_FONT, EAST_ASIAN_FONT)
        styles["Caption"].font.size = Pt(9)
        header = sec.header.paragraphs[0]
        header.text = composed.header
        header.runs[0].font.size = Pt(8)
        footer = sec.footer.paragraphs[0]
        footer.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        _page_field(footer, "PAGE")
        self.core_properties()

    def core_properties(self) -> None:
        props = self.doc.core_properties
        props.title = self.c.title
        props.language = "zh-CN" if self.c.lang == "zh" else "en"
        props.comments = self.c.header

    # -- blocks ------------------------------------------------------------------------------

    def block(self, el: Any) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        cls = el.get("class") or ""
        if tag == "h1":
            self.doc.add_heading(_text(el), level=0)
        elif tag in ("h2", "h3", "h4", "h5", "h6"):
            if "toc-title" in cls:
                self.doc.add_heading(_text(el), level=1)
            else:
                self.doc.add_heading(_text(el), level=min(int(tag[1]) - 1, 4))
        elif tag == "table":
            self.table(el)
        elif tag == "figure":
            self.figure(el)
        elif tag in ("ul", "ol"):
            style = "List Bullet" if tag == "ul" else "List Number"
            for li in el.iterchildren("li"):
                p = self.doc.add_paragraph(style=style)
                self.inline(p, li)
        elif tag == "pre":
            p = self.doc.add_paragraph()
            run = p.add_run(el.text_content())
            _set_fonts(run, MONO_FONT, EAST_ASIAN_FONT)
            run.font.size = self.Pt(8)
        elif tag == "p" and "caption" in cls.split():
            self.doc.add_paragraph(_text(el), style="Caption")
        elif tag == "p":
            p = self.doc.add_paragraph()
            self.inline(p, el)
            if "note" in cls:
                for r in p.runs:
                    r.font.size = self.Pt(9)
                    r.italic = True
            if "bad" in cls:
                for r in p.runs:
                    r.bold = True
        elif tag == "div" and cls == "svg":
            self.picture(el)
        elif tag in ("div", "section", "header", "nav", "blockquote", "dl", "span", ""):
            if tag == "section" and "signatures" in cls:
                self.doc.add_page_break()
            self.container(el)
        elif tag in ("br", "hr", "style", "script"):
            return
        else:
            p = self.doc.add_paragraph()
            self.inline(p, el)

    def container(self, el: Any) -> None:
        """Children in order; loose text and inline elements gathered into paragraphs."""
        loose: list[Any] = []
        pending_text = (el.text or "").strip()

        def flush() -> None:
            nonlocal pending_text
            if pending_text or loose:
                p = self.doc.add_paragraph()
                if pending_text:
                    p.add_run(pending_text)
                for child in loose:
                    self.inline_el(p, child)
                loose.clear()
                pending_text = ""

        for child in el:
            tag = child.tag if isinstance(child.tag, str) else ""
            if tag in _BLOCKS or (tag == "div"):
                flush()
                self.block(child)
                tail = (child.tail or "").strip()
                if tail:
                    pending_text = tail
            elif tag == "li":
                flush()
                p = self.doc.add_paragraph(style="List Bullet")
                self.inline(p, child)
            elif tag:
                loose.append(child)
        flush()

    def inline(self, paragraph: Any, el: Any) -> None:
        if el.text:
            paragraph.add_run(el.text)
        for child in el:
            self.inline_el(paragraph, child)

    def inline_el(self, paragraph: Any, child: Any, *, bold: bool = False,
                  italic: bool = False) -> None:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag == "br":
            paragraph.add_run().add_break()
        elif tag:
            b = bold or tag in ("b", "strong", "th")
            i = italic or tag in ("i", "em")
            if child.text:
                run = paragraph.add_run(child.text)
                run.bold, run.italic = b or None, i or None
                if tag == "code":
                    _set_fonts(run, MONO_FONT, EAST_ASIAN_FONT)
            for sub in child:
                self.inline_el(paragraph, sub, bold=b, italic=i)
        if child.tail:
            run = paragraph.add_run(child.tail)
            run.bold, run.italic = bold or None, italic or None

    # -- tables and figures ------------------------------------------------------------------

    def table(self, el: Any) -> None:
        from docx.enum.table import WD_TABLE_ALIGNMENT
        from docx.enum.text import WD_ALIGN_PARAGRAPH

        caption = el.find("caption")
        if caption is not None:
            self.doc.add_paragraph(_text(caption), style="Caption")
        rows = [tr for tr in el.iter("tr")
                if not any(a.tag == "table" and a is not el for a in tr.iterancestors())]
        if not rows:
            return
        cells = [[c for c in tr if isinstance(c.tag, str) and c.tag in ("td", "th")]
                 for tr in rows]
        ncols = max((sum(int(c.get("colspan") or 1) for c in r) for r in cells), default=0)
        if ncols == 0:
            return
        table = self.doc.add_table(rows=len(rows), cols=ncols)
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.LEFT
        small = self.Pt(8) if ncols > 5 else self.Pt(9)
        for i, (tr, row) in enumerate(zip(rows, cells, strict=True)):
            shade = _SHADE.get((tr.get("class") or "").split(" ")[0])
            header = all(c.tag == "th" for c in row)
            word_cells = table.rows[i].cells  # once per row: table.cell(i, j) is O(rows·cols)
            j = 0
            for c in row:
                span = int(c.get("colspan") or 1)
                if j >= ncols:
                    break
                cell = word_cells[j]
                if span > 1 and j + span - 1 < ncols:
                    cell = cell.merge(word_cells[j + span - 1])
                p = cell.paragraphs[0]
                self.inline_el(p, c, bold=header or c.tag == "th")
                # inline_el also wrote the tail; cells have none worth keeping
                for run in p.runs:
                    run.font.size = small
                if "num" in (c.get("class") or ""):
                    p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
                if header:
                    _shade(cell, "EEF2F6")
                elif shade:
                    _shade(cell, shade)
                j += span
        self.doc.add_paragraph()

    def picture(self, el: Any) -> None:
        index = el.get("data-svg")
        if index is None:
            return
        if self.pngs is None:
            self.pngs = svgs_to_png(self.c.svgs, DPI)
        png, width_px = self.pngs[int(index)]
        from docx.shared import Emu

        natural = Emu(int(width_px / DPI * 914400))
        self.doc.add_picture(io.BytesIO(png), width=min(natural, self.width))

    def figure(self, el: Any) -> None:
        for child in el:
            if isinstance(child.tag, str) and child.tag == "div":
                self.picture(child)
        cap = el.find("figcaption")
        if cap is not None:
            self.doc.add_paragraph(_text(cap), style="Caption")

    def save(self) -> bytes:
        buf = io.BytesIO()
        self.doc.save(buf)
        return buf.getvalue()


def composed_to_docx(c: Composed) -> bytes:
    """The DOCX bytes of a composed report."""
    import lxml.html

    root = lxml.html.fragment_fromstring(c.body, create_parent="div")
    w = _Writer(c)
    w.container(root)
    return w.save()
