"""The report of a stored project, in the style of a CTD process-development section
(ICH M4Q: 3.2.S.2.6 *manufacturing process development*, 3.2.P.2 *pharmaceutical
development*): numbered sections, numbered tables and figures with captions, each record
named by kind, name, version, state, SHA-256, author and time, a signature page with every
signature's manifestation (21 CFR 11.50) and a reproducibility stamp.

Order (the QbD flow): document information → 1 product and QTPP → 2 quality attributes and
CQAs with acceptance criteria → 3 process parameters (studied ⊃ PAR ⊃ NOR ⊃ set point,
class) and batches → one section per stage of :data:`qbdkit.services.kinds.STAGES` that has
records (risk → SDM → MVDA → DoE → design space → control strategy → specification → PPQ →
CPV → stability → comparability → change → operations → other), one subsection per record
→ signatures → reproducibility → project history and audit trail.

A record's body is :func:`qbdkit.report.sections.render_result` of its stored result (the
area's registered renderer); a kind with no renderer and no result class is shown by
:func:`generic_html` (its scalar fields and its lists of rows as tables), never dropped.

:func:`build` returns HTML, PDF (:mod:`qbdkit.report.pdf`) or DOCX
(:mod:`qbdkit.report.word`) bytes. It works on :class:`qbdkit.services.report.ReportData`
(plain values): no store access here. Every fixed text comes from the ``report`` message
catalogue (``qbdkit/i18n/zh_CN/LC_MESSAGES/report.po``).

Tables and figures are numbered after the fragments are assembled: each ``<table>`` gets a
caption "Table n — …" (its own caption, else the nearest heading above it), each ``<svg>``
becomes a ``<figure>`` with "Figure n — …". The SVGs are lifted out before the HTML is
parsed (:func:`lift_svgs`) and put back afterwards, so the HTML parser never touches SVG
markup and the DOCX writer gets each figure as well-formed SVG.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from qbdkit.i18n import t
from qbdkit.report.html import esc

DOMAIN = "report"


def _t(msgid: str, lang: str, **kw: Any) -> str:
    return t(msgid, lang, domain=DOMAIN, **kw)


#: Section titles of the stages (msgids of the ``report`` catalogue).
STAGE_TITLES: dict[str, str] = {
    "project": "Project records",
    "risk": "Risk assessment",
    "sdm": "Scale-down model qualification",
    "mvda": "Multivariate data analysis",
    "doe": "Design of experiments",
    "design-space": "Design space, PAR and NOR",
    "control-strategy": "Control strategy",
    "spec": "Specifications",
    "ppq": "Process performance qualification (PPQ)",
    "cpv": "Continued process verification (CPV)",
    "stability": "Stability",
    "comparability": "Comparability",
    "change": "Change control",
    "operations": "Operations",
    "other": "Other records",
}

#: Titles of record kinds stored without a registered kind (risk assessments).
KIND_TITLES: dict[str, str] = {
    "risk.fmea": "Failure mode and effects analysis (FMEA)",
    "risk.cqa": "CQA criticality assessment",
    "risk.ce": "Cause-and-effect matrix",
    "risk.classify": "Parameter classification",
    "risk.study": "Study plan",
    "risk.scale": "Risk scale",
}

STATES = ("draft", "in review", "approved", "rejected", "superseded")
MEANINGS = ("authored", "reviewed", "approved", "rejected")


def kind_title(record: dict[str, Any], lang: str) -> str:
    title = record.get("title") or {}
    if title.get(lang):
        return title[lang]
    kind = record["kind"]
    return _t(KIND_TITLES[kind], lang) if kind in KIND_TITLES else kind


# ---- SVG figures out of / back into the HTML -----------------------------------------------

_SVG_OPEN = re.compile(r"<svg\b", re.IGNORECASE)
_SVG_TAG = re.compile(r"<(/?)svg\b[^>]*?(/?)>", re.IGNORECASE)


def lift_svgs(fragment: str, svgs: list[str]) -> str:
    """Replace each outermost ``<svg>…</svg>`` by ``<div class="svg" data-svg="i"></div>``
    (``i`` its index in ``svgs``, to which the SVG text is appended)."""
    out: list[str] = []
    pos = 0
    while True:
        m = _SVG_OPEN.search(fragment, pos)
        if m is None:
            out.append(fragment[pos:])
            return "".join(out)
        depth, end = 0, None
        for tag in _SVG_TAG.finditer(fragment, m.start()):
            closing, selfclosing = tag.group(1), tag.group(2)
            if closing:
                depth -= 1
            elif not selfclosing:
                depth += 1
            if depth == 0:
                end = tag.end()
                break
        if end is None:  # unbalanced: leave the rest alone
            out.append(fragment[pos:])
            return "".join(out)
        out.append(fragment[pos:m.start()])
        out.append(f'<div class="svg" data-svg="{len(svgs)}"></div>')
        svgs.append(fragment[m.start():end])
        pos = end


#: short numeric cells (ranges "35.5–36.5", "≤ 3 %") are not wrapped
_NOWRAP = re.compile(r"^[\s\d.,:%±≤≥<>+−–-]{1,16}$")

_HASH = re.compile(r"^[0-9a-f]{64}$")
#: what a line never breaks inside: a run of non-space, non-CJK characters, or one CJK character
_PIECE = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]|[^\s\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]+")
#: tables with this many columns or more are set in a smaller font (and a fixed layout)
WIDE_COLUMNS = 9
#: tables with a cell longer than this (characters) get a fixed layout (see _fix_columns)
LONG_CELL = 60

_PLACEHOLDER = re.compile(r'<div class="svg" data-svg="(\d+)"></div>')


def restore_svgs(html: str, svgs: list[str]) -> str:
    """Put each lifted figure back (``svgs[i]``: the SVG, or any HTML standing for it)."""
    return _PLACEHOLDER.sub(lambda m: f'<div class="svg">{svgs[int(m.group(1))]}</div>', html)


def png_images(svgs: list[str], dpi: int = 200) -> list[str] | None:
    """``<img>`` elements (PNG data URIs at the figures' natural size) for the SVGs, or None
    without ``rsvg-convert`` (see :mod:`qbdkit.report.figures`)."""
    import base64

    from qbdkit.report.figures import rsvg, svgs_to_png

    if rsvg() is None:
        return None
    out = []
    for png, width in svgs_to_png(svgs, dpi):
        data = base64.b64encode(png).decode("ascii")
        out.append(f'<img src="data:image/png;base64,{data}" '
                   f'style="width:{width / dpi * 72:.1f}pt" alt="">')
    return out


# ---- generic rendering of a stored result without a renderer --------------------------------


#: a generic table (a stored list of rows) is split into tables of at most this many columns
GENERIC_COLUMNS = 8


def _scalar(v: Any) -> bool:
    return v is None or isinstance(v, str | int | float | bool)


def generic_html(result: Any, lang: str, *, depth: int = 0) -> str:
    """A stored dict as tables: scalar fields in one field/value table, each list of flat
    dicts as a table of its own (columns from the keys), nested dicts recursively; other
    values as compact JSON."""
    if not isinstance(result, dict):
        return f'<pre class="summary">{esc(json.dumps(result, ensure_ascii=False, indent=1)[:4000])}</pre>'
    from qbdkit.report.html import table

    parts: list[str] = []
    scalars = [[k, v] for k, v in result.items() if _scalar(v)]
    others = [[k, v] for k, v in result.items() if not _scalar(v)]
    if scalars:
        parts.append(table([_t("Field", lang), _t("Value", lang)], scalars))
    for key, value in others:
        if isinstance(value, list) and value and all(isinstance(x, dict) for x in value):
            cols: list[str] = []
            for row in value:
                cols += [c for c in row if c not in cols and _scalar(row[c])]
            if cols:
                # many columns: several tables of ≤ GENERIC_COLUMNS, the first column repeated
                step = GENERIC_COLUMNS - 1
                rest = cols[1:] or cols[:0]
                chunks = [cols[:1] + rest[i:i + step] for i in range(0, max(len(rest), 1), step)]
                for chunk in chunks:
                    rows = [[r.get(c) for c in chunk] for r in value[:500]]
                    parts.append(table(chunk, rows, caption=str(key)))
                continue
        if isinstance(value, list) and all(_scalar(x) for x in value):
            text = ", ".join("" if x is None else str(x) for x in value[:200])
            parts.append(f"<p><b>{esc(key)}</b>: {esc(text)}</p>")
        elif isinstance(value, dict) and depth < 2:
            parts.append(f"<h5>{esc(key)}</h5>")
            parts.append(generic_html(value, lang, depth=depth + 1))
        else:
            text = json.dumps(value, ensure_ascii=False)
            parts.append(f"<p><b>{esc(key)}</b>: <code>{esc(text[:1500])}"
                         f"{'…' if len(text) > 1500 else ''}</code></p>")
    return "\n".join(parts)


def record_body(record: dict[str, Any], lang: str) -> str:
    """The HTML fragment of one record's stored result (renderer, summary or generic)."""
    from qbdkit.report.sections import render_result, renderer
    from qbdkit.services.render import result_object

    content = record.get("content")
    result = content.get("result") if isinstance(content, dict) and "result" in content \
        else content
    kind = record["kind"]
    try:
        if renderer(kind) is None and result_object(kind, result) is None:
            return generic_html(result, lang)
        return render_result(kind, result, lang)
    except Exception as exc:  # an older stored schema: say so, show what is stored
        note = _t("This record could not be drawn by its renderer ({error}); its stored "
                  "content is shown as stored.", lang, error=f"{type(exc).__name__}: {exc}")
        return f'<p class="note bad">{esc(note)}</p>' + generic_html(result, lang)


# ---- composing the document -------------------------------------------------------------------


@dataclass
class Composed:
    """The assembled report: body HTML (SVGs lifted), the SVGs, and what it contains."""

    title: str
    lang: str
    body: str
    svgs: list[str]
    sections: list[str] = field(default_factory=list)
    tables: int = 0
    figures: int = 0
    header: str = ""


class _Doc:
    """Collects numbered sections while the fixed text and records are added."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.parts: list[str] = []
        self.svgs: list[str] = []
        self.toc: list[tuple[int, str, str]] = []  # (level, anchor, numbered title)
        self.number = 0
        self.sub = 0

    def h2(self, title: str, anchor: str, cls: str = "") -> None:
        self.number += 1
        self.sub = 0
        text = f"{self.number} {title}"
        self.toc.append((2, anchor, text))
        c = f' class="{cls}"' if cls else ""
        self.parts.append(f'<section id="{esc(anchor)}"{c}><h2 data-title="{esc(title)}">'
                          f"{esc(text)}</h2>")

    def end(self) -> None:
        self.parts.append("</section>")

    def h3(self, title: str, anchor: str) -> None:
        self.sub += 1
        text = f"{self.number}.{self.sub} {title}"
        self.toc.append((3, anchor, text))
        self.parts.append(f'<h3 id="{esc(anchor)}" data-title="{esc(title)}">{esc(text)}</h3>')

    def add(self, html: str) -> None:
        self.parts.append(lift_svgs(html, self.svgs))

    def body(self, html: str, cls: str = "record-body") -> None:
        self.parts.append(f'<div class="{cls}">{lift_svgs(html, self.svgs)}</div>')


def _table(headers: list[str], rows: list[list[Any]], caption: str, *,
           row_classes: list[str] | None = None, cls: str = "data") -> str:
    from qbdkit.report.html import table

    html = table(headers, rows, caption=caption, row_classes=row_classes)
    return html.replace('<table class="data">', f'<table class="{cls}">', 1)


def _para(text: str, cls: str = "") -> str:
    c = f' class="{cls}"' if cls else ""
    return f"<p{c}>{esc(text)}</p>"


def _note(text: str) -> str:
    return _para(text, "note")


def _anchor(*parts: str) -> str:
    return "-".join(re.sub(r"[^0-9A-Za-z_.-]+", "_", p) for p in parts)


def _state(state: str, lang: str) -> str:
    return _t(state, lang) if state in STATES else state


def _project_sections(doc: _Doc, data: Any, project: Any, lang: str) -> None:
    """Sections 1–3 from the project document (the model ``project``)."""
    from qbdkit.model.overview import project_overview

    ov = project_overview(project, lang)
    p = ov.product

    doc.h2(_t("Product and quality target product profile (QTPP)", lang), "product")
    if project.description:
        doc.add(_para(project.description))
    doc.add(_table([_t("Product", lang), _t("Modality", lang), _t("Dosage form", lang),
                    _t("Route", lang), _t("Dose", lang)],
                   [[p["name"], p["modality"], p["dosage_form"], p["route"], p["dose"]]],
                   _t("Product", lang)))
    if ov.qtpp:
        doc.add(_table([_t("QTPP element", lang), _t("Target", lang),
                        _t("Related quality attributes", lang)], ov.qtpp,
                       _t("Quality target product profile", lang)))
    else:
        doc.add(_note(_t("No QTPP elements in this project version.", lang)))
    doc.end()

    doc.h2(_t("Quality attributes and critical quality attributes (CQA)", lang), "cqa")
    n_cqa = sum(1 for a in ov.attributes if a[4] == "yes")
    doc.add(_para(_t('{cqas} of {attributes} quality attributes are critical (CQA); '
                           'acceptance criteria per stage as in the project.', lang,
                           cqas=n_cqa, attributes=len(ov.attributes))))
    doc.add(_table([_t("Quality attribute", lang), _t("Category", lang), _t("Method", lang),
                    _t("Acceptance criteria", lang), _t("CQA", lang), _t("Score", lang)],
                   [[a[0], a[1], a[2], a[3], _t(a[4], lang) if a[4] else "", a[5]]
                    for a in ov.attributes],
                   _t("Quality attributes, criticality and acceptance criteria", lang),
                   row_classes=["cqa" if a[4] == "yes" else "" for a in ov.attributes]))
    doc.end()

    doc.h2(_t("Process parameters", lang), "parameters")
    rows = [r for r in ov.parameters if any(r[3:7])]
    doc.add(_para(_t('Ranges nest as studied range ⊃ PAR ⊃ NOR ⊃ set point (PAR: proven '
                           'acceptable range; NOR: normal operating range).', lang)))
    doc.add(_table([_t("Unit operation", lang), _t("Parameter", lang), _t("Unit", lang),
                    _t("Set point", lang), "NOR", "PAR", _t("Studied range", lang),
                    _t("Class", lang)],
                   [list(r[:8]) for r in rows],
                   _t("Process parameters: set point, NOR, PAR, studied range and class "
                      "(project version {version})", lang, version=data.project["version"]),
                   row_classes=["cpp" if r[7] == "CPP" else "" for r in rows]))
    unset = len(ov.parameters) - len(rows)
    if unset:
        doc.add(_note(_t("{n} further parameters have no set point or range yet in this "
                         "project version.", lang, n=unset)))
    if ov.batches:
        doc.add(_table([_t("Batch kind", lang), _t("Batches", lang)],
                       [[k, v] for k, v in sorted(ov.batches.items())],
                       _t("Batches ({n} measurements in long form)", lang,
                          n=ov.counts.get("measurements", 0))))
    doc.end()


def _ident_rows(r: dict[str, Any], lang: str) -> list[list[Any]]:
    content = r.get("content") if isinstance(r.get("content"), dict) else {}
    rows = [
        [_t("Record kind", lang), r["kind"]],
        [_t("Name", lang), r["key"]],
        [_t("Version", lang), r["version"]],
        [_t("State", lang), _state(r["state"], lang)],
        ["SHA-256", r["sha256"]],
        [_t("Author", lang), r["user"]],
        [_t("Saved at (UTC)", lang), r["at"]],
    ]
    if r.get("reason"):
        rows.append([_t("Reason", lang), r["reason"]])
    if r.get("project_version") is not None:
        rows.append([_t("Made from project version", lang), r["project_version"]])
    if content.get("store_mode") == "single-user":
        rows.append([_t("Store", lang), _t("single-user store (not signed in; cannot be "
                                           "signed)", lang)])
    if "request" in content:
        text = json.dumps(content["request"], ensure_ascii=False, sort_keys=True)
        rows.append([_t("Options", lang), text if len(text) <= 600 else text[:600] + " …"])
    return rows


def _record_section(doc: _Doc, r: dict[str, Any], lang: str) -> None:
    title = f"{kind_title(r, lang)} — {r['key']}"
    doc.h3(title, _anchor("rec", r["kind"], r["key"]))
    doc.add(_table([_t("Item", lang), _t("Value", lang)], _ident_rows(r, lang),
                   _t("Record {kind}/{name} v{version}", lang, kind=r["kind"], name=r["key"],
                      version=r["version"]), cls="data ident"))
    doc.body(record_body(r, lang))


def _signature_section(doc: _Doc, data: Any, lang: str) -> None:
    doc.h2(_t("Signatures", lang), "signatures", cls="signatures")
    doc.add(_para(_t('Each electronic signature is shown with its manifestation (21 CFR '
                           '11.50): the signer’s printed name, the date and time (UTC), the '
                           'meaning, and the SHA-256 of the signed content, checked against the '
                           'record’s content now.', lang)))
    if not data.signatures:
        doc.add(_note(_t("No record in this report is signed.", lang)))
    else:
        rows, classes = [], []
        for s in data.signatures:
            rows.append([f"{s['kind']}/{s['key']} v{s['version']}",
                         _t(s["meaning"], lang) if s["meaning"] in MEANINGS else s["meaning"],
                         f"{s['full_name']} ({s['user']})", s["at"],
                         s["content_sha256"],
                         _t("yes", lang) if s["valid"] else _t("NO — content changed", lang),
                         s.get("reason") or ""])
            classes.append("good" if s["valid"] else "bad")
        doc.add(_table([_t("Record", lang), _t("Meaning", lang),
                        _t("Printed name", lang), _t("Signed at (UTC)", lang),
                        _t("Signed content SHA-256", lang), _t("Matches content", lang),
                        _t("Reason", lang)], rows,
                       _t("Electronic signatures", lang), row_classes=classes,
                       cls="data signatures"))
    unsigned = [r for r in data.records if not r.get("signatures")]
    if unsigned and data.signatures:
        doc.add(_note(_t("Not signed: {records}.", lang, records=", ".join(
            f"{r['kind']}/{r['key']} v{r['version']}" for r in unsigned))))
    doc.end()


def _stamp_section(doc: _Doc, data: Any, lang: str) -> None:
    doc.h2(_t("Reproducibility", lang), "reproducibility")
    p = data.project
    doc.add(_para(_t('Every record can be recomputed from its stored input files and '
                           'options with `qbdkit rerun {project} KIND NAME`; the hashes below '
                           'identify exactly what this report shows.', lang,
                           project=p['name'])))
    doc.add(_table([_t("Item", lang), _t("Value", lang)], [
        [_t("Project", lang), p["name"]],
        [_t("Project version", lang), _t("{version} of {latest}", lang, version=p["version"],
                                         latest=p.get("latest") or p["version"])],
        [_t("Project content SHA-256", lang), p["sha256"]],
        [_t("Report made with", lang), f"qbdkit {data.qbdkit_version}"],
        [_t("Report made at (UTC)", lang), data.generated_at],
        [_t("Report made by", lang), data.generated_by],
    ], _t("Reproducibility stamp", lang), cls="data ident"))
    rows = []
    for r in data.records:
        content = r.get("content") if isinstance(r.get("content"), dict) else {}
        base = [f"{r['kind']}/{r['key']}", r["version"], r["sha256"],
                content.get("qbdkit_version") or "", content.get("seed")
                if content.get("seed") is not None else "",
                r.get("project_version") if r.get("project_version") is not None else ""]
        inputs = r.get("inputs") or []
        if not inputs:
            rows.append([*base, "", ""])
        for i in inputs:
            rows.append([*base, f"{i['filename']} ({i['field']})", i["sha256"]])
    if rows:
        doc.add(_table([_t("Record", lang), _t("Version", lang), _t("Record SHA-256", lang),
                        "qbdkit", _t("Seed", lang), _t("Project version", lang),
                        _t("Input file", lang), _t("Input SHA-256", lang)], rows,
                       _t("Records, input files and their SHA-256", lang), cls="data stamp"))
    doc.end()


def _audit_section(doc: _Doc, data: Any, lang: str) -> None:
    doc.h2(_t("Project history and audit trail", lang), "audit")
    a = data.audit
    cls = "good" if a.get("intact") else "bad"
    doc.add(_para(a.get("summary", ""), cls))
    doc.add(_table([_t("Version", lang), "SHA-256", _t("By", lang), _t("At (UTC)", lang),
                    _t("Reason", lang)],
                   [[h["version"], h["sha256"], h["user"], h["at"], h["reason"]]
                    for h in data.history], _t("Project versions", lang), cls="data stamp"))
    recent = a.get("recent") or []
    if recent:
        doc.add(_table([_t("Entry", lang), _t("At (UTC)", lang), _t("User", lang),
                        _t("Action", lang), _t("Entity", lang), _t("Changes", lang),
                        _t("Reason", lang)],
                       [[e["id"], e["at"], e["user"], e["action"], e["entity"],
                         (e.get("changes") or "")[:400], e["reason"]] for e in recent],
                       _t("The last {n} of {total} audit entries of this project", lang,
                          n=len(recent), total=a.get("entries", len(recent))),
                       cls="data audit"))
    doc.end()


def compose(data: Any, lang: str = "en") -> Composed:
    """Assemble the report's sections (see the module docstring) and number its tables and
    figures."""
    from qbdkit.model.schema import Project
    from qbdkit.services.kinds import STAGES

    doc = _Doc(lang)
    p = data.project
    project = Project.model_validate(data.document)
    title = _t("Process development report — {product}", lang,
               product=project.product.display(lang))
    doc.parts.append(f'<header class="cover"><h1>{esc(title)}</h1>'
                     + _para(_t("In the format of CTD Module 3: 3.2.S.2.6 Manufacturing "
                                "process development and 3.2.P.2 Pharmaceutical development",
                                lang), "ctd"))
    name = project.display(lang)
    doc.parts.append(_table([_t("Item", lang), _t("Value", lang)], [
        [_t("Project", lang), p["name"] + (f" — {name}" if name != p["name"] else "")],
        [_t("Project version", lang), _t("{version} of {latest}", lang, version=p["version"],
                                         latest=p.get("latest") or p["version"])],
        [_t("Project content SHA-256", lang), p["sha256"]],
        [_t("Project version saved by", lang), f"{p['user']}, {p['at']} UTC"],
        [_t("Records", lang), len(data.records)],
        [_t("Signatures", lang), len(data.signatures)],
        [_t("Report made at (UTC)", lang), data.generated_at],
        [_t("Report made by", lang), data.generated_by],
        [_t("Report made with", lang), f"qbdkit {data.qbdkit_version}"],
    ], _t("Document information", lang), cls="data ident"))
    toc_at = len(doc.parts)
    doc.parts.append("</header>")

    _project_sections(doc, data, project, lang)
    by_stage: dict[str, list[dict]] = {}
    for r in data.records:
        by_stage.setdefault(r.get("stage") or "other", []).append(r)
    for stage in STAGES:
        records = by_stage.get(stage, [])
        if not records:
            continue
        doc.h2(_t(STAGE_TITLES.get(stage, stage), lang), f"stage-{stage}")
        for r in records:
            _record_section(doc, r, lang)
        doc.end()
    _signature_section(doc, data, lang)
    _stamp_section(doc, data, lang)
    _audit_section(doc, data, lang)

    toc = [f'<nav class="toc"><h2 class="toc-title">{esc(_t("Contents", lang))}</h2><ul>']
    toc += [f'<li class="l{level}"><a href="#{esc(anchor)}">{esc(text)}</a></li>'
            for level, anchor, text in doc.toc]
    toc.append("</ul></nav>")
    doc.parts.insert(toc_at, "".join(toc))

    composed = Composed(title=title, lang=lang, body="\n".join(doc.parts), svgs=doc.svgs,
                        sections=[text for level, _a, text in doc.toc if level == 2],
                        header=f"{p['name']} v{p['version']}")
    return number(composed)


def _add_class(el: Any, name: str) -> None:
    el.set("class", ((el.get("class") or "") + " " + name).strip())


def column_widths(rows: list[list[str]], budget: float = 100.0) -> list[float]:
    """Column widths (percent) for a fixed-layout table from its cells' text (East Asian
    characters count 2).

    A column's *minimum* is its longest unbreakable piece (a word up to 20 characters, a
    Chinese character breaking anywhere; a whole number or range, never broken), the
    header's longest such piece up to 12 (headers wrap)
    and 6 at least; it would *like* its longest body text up to 40. ``budget`` is how many
    characters fit across the page at the table's font size: when the wishes do not fit,
    every column keeps its minimum and the room left is shared in proportion to what each
    still wants, so that long text columns wrap before numbers collide."""
    from qbdkit.core.result import display_width

    ncols = max(len(r) for r in rows)
    full = [r for r in rows if len(r) == ncols] or rows
    head, body = (full[0], full[1:]) if len(full) > 1 else ([], full)
    low, want = [], []
    for j in range(ncols):
        texts = [r[j] for r in body if j < len(r)]
        total = max((display_width(t) for t in texts), default=1)
        word = max((display_width(w) for t in texts for w in
                    ([t] if _NOWRAP.match(t) else _PIECE.findall(t))), default=1)
        header = max((display_width(w) for w in _PIECE.findall(head[j] if j < len(head) else "")),
                     default=1)
        lo = max(6, min(word, 20), min(header, 12))
        low.append(lo)
        want.append(max(lo, min(total, 40)))
    if sum(want) <= budget or sum(low) >= budget:
        need = want if sum(want) <= budget else low
    else:
        room = budget - sum(low)
        extra = sum(w - lo for w, lo in zip(want, low, strict=True))
        need = [lo + room * (w - lo) / extra for w, lo in zip(want, low, strict=True)]
    whole = sum(need)
    return [100 * n / whole for n in need]


def _fix_columns(el: Any) -> None:
    """Tables with long cells or many columns get a fixed layout with column widths from
    their text (:func:`column_widths`): WeasyPrint's automatic layout measures every cell's
    min-content width by laying its text out word by word, which grows with the square of a
    cell's length (a 53-page report spent 40 s there)."""
    import lxml.html

    rows = [[re.sub(r"\s+", " ", cell.text_content()).strip() for cell in tr
             if isinstance(cell.tag, str) and cell.tag in ("td", "th")] for tr in el.iter("tr")]
    rows = [r for r in rows if r]
    if not rows:
        return
    ncols = max(len(r) for r in rows)
    longest = max(len(t) for r in rows for t in r)
    if ncols >= WIDE_COLUMNS:
        _add_class(el, "wide")
    if longest <= LONG_CELL and ncols < WIDE_COLUMNS:
        return
    _add_class(el, "fixed")
    group = lxml.html.Element("colgroup")
    # characters across the A4 text width (178 mm = 504 pt) less each cell's padding (0.9 em),
    # a digit being about 0.56 em of Noto Sans CJK, at the table's 7 pt (wide) or 8.5 pt
    size = 7.0 if ncols >= WIDE_COLUMNS else 8.5
    for width in column_widths(rows, (504 - ncols * 0.9 * size) / (0.56 * size)):
        group.append(lxml.html.Element("col", {"style": f"width:{width:.1f}%"}))
    el.insert(0, group)


def number(c: Composed) -> Composed:
    """Demote headings inside record bodies, number tables and figures with captions."""
    import lxml.html

    root = lxml.html.fragment_fromstring(c.body, create_parent="div")
    for body in root.xpath('//div[@class="record-body"]'):
        for h in body.xpath(".//h1|.//h2|.//h3|.//h4|.//h5|.//h6"):
            h.tag = "h4" if h.tag in ("h1", "h2", "h3") else "h5"
    context = ""
    tables = figures = 0
    for el in list(root.iter()):
        if not isinstance(el.tag, str):
            continue
        if el.tag in ("h2", "h3", "h4", "h5"):
            context = el.get("data-title") or el.text_content().strip()
        elif el.tag == "table":
            if any(a.tag == "table" for a in el.iterancestors()):
                continue
            tables += 1
            cap = el.find("caption")
            text = (cap.text_content().strip() if cap is not None else "") or context
            if cap is not None:
                el.remove(cap)
            label = _t("Table {n}", c.lang, n=tables)
            _fix_columns(el)
            para = lxml.html.Element("p", {"class": "caption", "id": f"table-{tables}"})
            para.text = f"{label} — {text}" if text else label
            el.addprevious(para)
        elif el.tag == "td" and len(el) == 0:
            text = el.text or ""
            extra = "nw" if _NOWRAP.match(text) else "hash" if _HASH.match(text) else ""
            if extra:
                el.set("class", ((el.get("class") or "") + " " + extra).strip())
        elif el.tag == "div" and el.get("class") == "svg":
            figures += 1
            fig = lxml.html.Element("figure", {"class": "fig", "id": f"figure-{figures}"})
            parent = el.getparent()
            parent.replace(el, fig)
            fig.append(el)
            caption = lxml.html.Element("figcaption")
            label = _t("Figure {n}", c.lang, n=figures)
            caption.text = f"{label} — {context}" if context else label
            fig.append(caption)
    html = "".join(lxml.html.tostring(child, encoding="unicode") for child in root)
    if root.text and root.text.strip():
        html = esc(root.text) + html
    c.body, c.tables, c.figures = html, tables, figures
    return c


# ---- the page ---------------------------------------------------------------------------------

FONTS = '"Noto Sans CJK SC","Noto Sans SC","Microsoft YaHei","PingFang SC",sans-serif'

CSS = """
body{font-family:%(font)s;
 margin:2em auto;max-width:1100px;color:#222;line-height:1.45;font-size:10.5pt}
header.cover h1{border-bottom:2px solid #345;font-size:20pt}
p.ctd{color:#345;font-style:italic}
h2{margin-top:1.6em;color:#234;border-bottom:1px solid #ccd;font-size:15pt}
h3{color:#234;margin-top:1.4em;font-size:12.5pt}h4{font-size:11pt;margin:1em 0 .4em}
h5{font-size:10.5pt;margin:.8em 0 .3em}
table{border-collapse:collapse;margin:0 0 1em;font-size:8.5pt}
table th,table td{border:1px solid #bbb;padding:.2em .45em;text-align:left;vertical-align:top}
table th{background:#eef2f6}table td.num{text-align:right;font-variant-numeric:tabular-nums}
p.caption{font-weight:bold;font-size:9pt;margin:.8em 0 .2em;color:#234;break-after:avoid}
td.nw{white-space:nowrap}
td.hash{font-family:"DejaVu Sans Mono",monospace;font-size:7pt;word-break:break-all}
table.signatures,table.stamp,table.audit{width:100%}table.ident td{text-align:left}
table.ident td:first-child{white-space:nowrap;font-weight:bold;background:#f6f8fa}
table.wide{font-size:7pt}
table.fixed{table-layout:fixed;width:100%}table.fixed td,table.fixed th{overflow-wrap:anywhere}
tr.bad td{background:#fde2e2}tr.warn td{background:#fff3cd}tr.good td{background:#e3f4e3}
tr.cqa td,tr.cpp td{background:#fff5e6}
p.bad{color:#a00;font-weight:bold}p.good{color:#060}
figure.fig{margin:.8em 0 1.2em;break-inside:avoid}
figure.fig div.svg svg,figure.fig div.svg img{max-width:100%;height:auto}
figcaption{font-weight:bold;font-size:9pt;color:#234;margin-top:.3em}
.note{color:#555;font-size:9pt}
pre{white-space:pre-wrap;font-size:8pt;background:#f7f7f7;padding:.5em}
nav.toc ul{list-style:none;padding-left:0}nav.toc li.l3{padding-left:1.5em;font-size:9.5pt}
nav.toc a{text-decoration:none;color:#234}
@media print{
 @page{size:A4;margin:18mm 16mm 20mm 16mm;
  @top-left{content:string(doctitle);font-size:7.5pt;color:#666;font-family:%(font)s}
  @top-right{content:"%(header)s";font-size:7.5pt;color:#666;font-family:%(font)s}
  @bottom-right{content:"%(page)s";font-size:7.5pt;color:#666;font-family:%(font)s}}
 @page :first{@top-left{content:none}@top-right{content:none}}
 body{margin:0;max-width:none;font-size:9.5pt}
 header.cover h1{string-set:doctitle content()}
 nav.toc{break-after:page}
 nav.toc a::after{content:leader('.') target-counter(attr(href), page)}
 section.signatures{break-before:page}
 h2,h3,h4{break-after:avoid}
 table{max-width:100%}
 tr{break-inside:avoid}
 figure.fig div.svg svg,figure.fig div.svg img{max-height:200mm;object-fit:contain}
}
"""


def page(c: Composed, figures: list[str] | None = None) -> str:
    """The complete HTML document (screen and print CSS; SVGs restored, or ``figures``
    standing for them)."""
    page_text = _t("Page {page} of {pages}", c.lang, page='" counter(page) "',
                   pages='" counter(pages) "')
    css = CSS.replace("%(header)s", c.header.replace('"', "'").replace("\\", "")).replace(
        "%(page)s", page_text).replace("%(font)s", FONTS)
    html_lang = "zh-CN" if c.lang == "zh" else "en"
    return (f'<!DOCTYPE html>\n<html lang="{html_lang}"><head><meta charset="utf-8">'
            f"<title>{esc(c.title)}</title><style>{css}</style></head><body>\n"
            f"{restore_svgs(c.body, figures or c.svgs)}\n</body></html>\n")


@dataclass(frozen=True)
class Built:
    content: bytes
    sections: list[str]
    tables: int
    figures: int


def build(data: Any, *, lang: str = "en", fmt: str = "html") -> Built:
    """The report of ``data`` (:class:`~qbdkit.services.report.ReportData`) as bytes."""
    c = compose(data, lang)
    if fmt == "html":
        content = page(c).encode("utf-8")
    elif fmt == "pdf":
        from qbdkit.report.pdf import html_to_pdf

        content = html_to_pdf(page(c, png_images(c.svgs)), title=c.title, lang=lang)
    elif fmt == "docx":
        from qbdkit.report.word import composed_to_docx

        content = composed_to_docx(c)
    else:  # the request model allows only the three
        raise ValueError(f"unknown report format {fmt!r}")
    return Built(content, c.sections, c.tables, c.figures)


__all__ = ["Built", "Composed", "build", "compose", "generic_html", "page"]
