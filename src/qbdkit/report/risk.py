"""HTML for risk assessment: CQA table, ranked FMEA, S × O heat map coloured by action
priority, Pareto chart of cause-and-effect scores with the selection rule, potential CPPs,
parameter classes and the characterization-study plan; the ranked FMEA worksheet as XLSX.

Registered renderers (stored records of :mod:`qbdkit.services.risk`): ``risk.cqa`` →
:func:`render_cqa`, ``risk.fmea`` → :func:`render_fmea`, ``risk.ce`` → :func:`render_ce`,
``risk.classify`` → :func:`render_classify`, ``risk.study`` → :func:`render_study`.
:func:`qbdkit.demo.sections.risk_section` is the demo's "Risk assessment" section for the report of
:mod:`qbdkit.demo.run` (the stage that stores the records is :mod:`qbdkit.demo.risk`).

Abbreviations: CQA critical quality attribute; FMEA failure mode and effects analysis;
RPN risk priority number; AP action priority; C&E cause and effect; CPP critical process
parameter.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from qbdkit.core.risk import (
    CeResult,
    ClassificationResult,
    CqaResult,
    FmeaResult,
    StudyPlanResult,
)
from qbdkit.i18n import t
from qbdkit.io import sheets
from qbdkit.report.html import esc, figure_svg, new_figure, section, table

AP_COLOURS = {"H": "#e06666", "M": "#f6c26b", "L": "#93c47d"}
AP_ROW_CLASS = {"H": "bad", "M": "warn", "L": "good"}


def _t(msgid: str, lang: str, **params: Any) -> str:
    return t(msgid, lang, "risk", **params)


def write_atomic(out: Path, write) -> None:
    """Write via a temporary file in the same folder, then rename: never half-written."""
    fd, tmp = tempfile.mkstemp(prefix=".qbdkit-", suffix=out.suffix, dir=out.parent or ".")
    os.close(fd)
    try:
        write(Path(tmp))
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; a written report is a normal file
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


_AP_FILL = {"H": "F8CBAD", "M": "FFE699", "L": "C6EFCE"}


def write_ranked(result: Any, out: Path) -> None:
    """The ranked FMEA worksheet as XLSX (bold filled header, column widths, frozen header
    row and id column, a filter over the table, AP cells coloured) or CSV (UTF-8 with BOM).
    Texts a spreadsheet would run as formulas (``=…``, ``+…``, ``-…``, ``@…``) are written
    as text (:mod:`qbdkit.io.sheets`). The file is written with the user's normal file mode
    (umask), not the 0600 of a temporary file. Chinese headers of the input are kept."""
    import pandas as pd

    frame = pd.DataFrame(result.ranked())
    cols = ["rank"] + [c for c in frame.columns if c != "rank"]
    frame = frame[cols]
    headers = dict(getattr(result, "headers", None) or {})
    frame = frame.rename(columns={c: headers[c] for c in frame.columns if c in headers})

    def write(tmp: Path) -> None:
        if out.suffix.lower() == ".csv":
            sheets.to_csv(frame, tmp, encoding="utf-8-sig")
            return
        from openpyxl.styles import Alignment, Font, PatternFill
        from openpyxl.utils import get_column_letter

        from qbdkit.core.result import display_width

        with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
            ws = sheets.to_excel(frame, writer, "fmea")
            fill = PatternFill("solid", start_color="1F4E78", end_color="1F4E78")
            for cell in ws[1]:
                cell.font = Font(bold=True, color="FFFFFF")
                cell.fill = fill
                cell.alignment = Alignment(wrap_text=True, vertical="center")
            for j, col in enumerate(frame.columns, start=1):
                texts = [str(col)] + ["" if v is None or v != v else str(v)
                                      for v in frame[col].tolist()[:500]]
                width = max(display_width(x) for x in texts) + 2
                ws.column_dimensions[get_column_letter(j)].width = min(max(width, 6), 50)
            ws.freeze_panes = "C2"
            ws.auto_filter.ref = ws.dimensions
            for name in ("ap", "revised_ap"):
                shown = headers.get(name, name)
                if shown not in frame.columns:
                    continue
                j = list(frame.columns).index(shown) + 1
                for i, v in enumerate(frame[shown].tolist(), start=2):
                    if v in _AP_FILL:
                        ws.cell(row=i, column=j).fill = PatternFill(
                            "solid", start_color=_AP_FILL[v], end_color=_AP_FILL[v])

    write_atomic(out, write)


# -- pieces -----------------------------------------------------------------------------------
def cqa_table(result: CqaResult) -> str:
    d1, d2 = result.dimensions
    rows = sorted(result.attributes, key=lambda a: -a["score"])
    has_zh = any(a.get("name_zh") for a in rows)
    head = ["attribute"] + (["属性"] if has_zh else []) + [d1, d2, "score", "level", "CQA",
                                                           "rationale"]
    body = [[a["name"]] + ([a.get("name_zh") or ""] if has_zh else [])
            + [a[d1], a[d2], a["score"], a["level"], "yes" if a["cqa"] else "no",
               a.get("rationale") or ""] for a in rows]
    return table(head, body, row_classes=["bad" if a["cqa"] else "" for a in rows],
                 caption=f"CQA assessment ({result.tool}): score = {d1} × {d2}; "
                         f"CQA when score ≥ {result.threshold:g}")


def fmea_table(result: FmeaResult) -> str:
    rows = result.ranked()
    revised = any("revised_rpn" in r for r in rows)
    head = ["rank", "id", "step", "failure mode", "cause", "S", "O", "D", "RPN", "AP"]
    if revised:
        head += ["action", "revised RPN", "revised AP"]
    body = []
    for r in rows:
        line = [r["rank"], r["id"], r.get("step"), r.get("failure_mode"), r.get("cause"),
                r["severity"], r["occurrence"], r["detection"], r["rpn"], r["ap"]]
        if revised:
            line += [r.get("action") or "", r.get("revised_rpn"), r.get("revised_ap") or ""]
        body.append(line)
    counts = ", ".join(f"{k} {v}" for k, v in result.summary_counts.items())
    return table(head, body, row_classes=[AP_ROW_CLASS.get(r["ap"], "") for r in rows],
                 caption=f"FMEA ranked by action priority then RPN ({result.scale}): {counts}")


def heatmap_svg(result: FmeaResult) -> str:
    """S × O grid; each cell coloured by the worst AP of its failure modes, labelled with the count."""
    from matplotlib.patches import Rectangle

    hm = result.heatmap()
    sev, occ = hm["severity"], hm["occurrence"]
    fig, ax = new_figure(5.6, 4.6)
    for i, _s in enumerate(sev):
        for j, _o in enumerate(occ):
            ap = hm["ap"][i][j]
            colour = AP_COLOURS.get(ap, "#f4f4f4") if ap else "#f4f4f4"
            ax.add_patch(Rectangle((j, len(sev) - 1 - i), 1, 1, facecolor=colour,
                                   edgecolor="white"))
            if hm["count"][i][j]:
                ax.text(j + 0.5, len(sev) - 1 - i + 0.5, str(hm["count"][i][j]), ha="center",
                        va="center", fontsize=9)
    ax.set_xlim(0, len(occ))
    ax.set_ylim(0, len(sev))
    ax.set_xticks([j + 0.5 for j in range(len(occ))], [str(o) for o in occ])
    ax.set_yticks([len(sev) - 1 - i + 0.5 for i in range(len(sev))], [str(s) for s in sev])
    ax.set_xlabel("occurrence O")
    ax.set_ylabel("severity S")
    ax.set_title("failure modes per S × O cell, coloured by the highest AP")
    for code, colour in AP_COLOURS.items():
        ax.bar([0], [0], color=colour, label=f"AP {code}")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return figure_svg(fig)


def pareto_svg(result: CeResult) -> str:
    """C&E scores (bars, selected inputs dark) with the cumulative % line and the selection rule."""
    names = [r["name"] for r in result.inputs]
    scores = [r["score"] for r in result.inputs]
    cum = [r["cumulative_pct"] for r in result.inputs]
    fig, ax = new_figure(7.0, 4.0)
    x = list(range(len(names)))
    ax.bar(x, scores, color=["#2f5d8a" if r["selected"] else "#a8bfd6" for r in result.inputs])
    ax.set_xticks(x, names, rotation=35, ha="right")
    ax.set_ylabel("C&E score = Σ weight × correlation")
    if result.threshold is not None:
        ax.axhline(result.threshold, color="#c00000", linestyle="--", linewidth=1,
                   label=f"threshold {result.threshold:g}")
    ax2 = ax.twinx()
    ax2.plot(x, cum, color="#444444", marker="o", markersize=3, label="cumulative %")
    ax2.set_ylim(0, 105)
    ax2.set_ylabel("cumulative %")
    if result.threshold is None:
        pct = float(result.rule.split()[1]) if result.rule.startswith("first ") else 80.0
        ax2.axhline(pct, color="#c00000", linestyle="--", linewidth=1, label=f"{pct:g} % (Pareto)")
    ax.set_title(f"Cause-and-effect Pareto ({result.scale}); selected: {result.rule}")
    handles = ax.get_legend_handles_labels()
    handles2 = ax2.get_legend_handles_labels()
    ax2.legend(handles[0] + handles2[0], handles[1] + handles2[1], loc="center right",
               frameon=False)
    return figure_svg(fig)


def ce_table(result: CeResult) -> str:
    outputs = [o["name"] for o in result.outputs]
    head = ["rank", "input", *[f"{o} (w {w['weight']})" for o, w in zip(outputs, result.outputs,
                                                                         strict=True)],
            "score", "cumulative %", "potential CPP"]
    body = [[r["rank"], r["name"], *[r["correlations"][o] for o in outputs], r["score"],
             r["cumulative_pct"], "yes" if r["selected"] else ""] for r in result.inputs]
    return table(head, body, row_classes=["warn" if r["selected"] else "" for r in result.inputs],
                 caption=f"C&E matrix ({result.scale}); potential CPPs: {result.rule}")


def classification_table(result: ClassificationResult) -> str:
    rows = result.to_dict()["parameters"]
    cls_row = {"CPP": "bad", "WC-CPP": "warn", "KPP": "warn", "GPP": "good"}
    return table(["parameter", "class", "rationale", "依据"],
                 [[r["name"], r["class"], r["rationale"], r["rationale_zh"]] for r in rows],
                 row_classes=[cls_row.get(r["class"], "") for r in rows],
                 caption="Parameter classes (seed 000 fig. 6): CPP, WC-CPP, KPP, GPP")


def study_table(result: StudyPlanResult) -> str:
    return table(["parameter", "main effect", "interaction", "severity", "study", "研究类型",
                  "no data"],
                 [[p["name"], p["main_effect"], p["interaction"], p["severity"], p["study_en"],
                   p["study_zh"], "yes" if p["no_data"] else ""] for p in result.parameters],
                 caption="Characterization-study plan (A-Mab): severity = main effect × interaction")


# -- renderers of stored records --------------------------------------------------------------
def _rebuilt(kind: str, result: Any) -> Any:
    if isinstance(result, dict):
        from qbdkit.report.sections import rebuild

        return rebuild(kind, result)
    return result


def render_cqa(result: Any, lang: str = "en") -> str:
    """Section of a stored ``risk.cqa`` result."""
    r = _rebuilt("risk.cqa", result)
    text = _t("{n} of {m} quality attributes are CQAs: {names}.", lang, n=len(r.cqas()),
              m=len(r.attributes), names=", ".join(r.cqas()) or "—")
    return section(_t("CQA assessment", lang), f"<p>{esc(text)}</p>\n{cqa_table(r)}",
                   anchor="risk-cqa")


def render_fmea(result: Any, lang: str = "en") -> str:
    """Section of a stored ``risk.fmea`` result: ranked table and S × O heat map."""
    r = _rebuilt("risk.fmea", result)
    body = [fmea_table(r)]
    if r.severity_scores and r.occurrence_scores:
        body.append(heatmap_svg(r))
    return section(_t("FMEA", lang), "\n".join(body), anchor="risk-fmea")


def render_ce(result: Any, lang: str = "en") -> str:
    """Section of a stored ``risk.ce`` result: Pareto chart, matrix, potential CPPs."""
    r = _rebuilt("risk.ce", result)
    cpps = r.potential_cpps()
    text = _t("Potential CPPs for the DoE: {names}", lang, names=", ".join(cpps) or "—")
    return section(_t("Cause-and-effect matrix", lang),
                   f"{pareto_svg(r)}\n{ce_table(r)}\n<p><strong>{esc(text)}</strong></p>",
                   anchor="risk-ce")


def render_classify(result: Any, lang: str = "en") -> str:
    """Section of a stored ``risk.classify`` result."""
    r = _rebuilt("risk.classify", result)
    return section(_t("Parameter classification", lang), classification_table(r),
                   anchor="risk-classify")


def render_study(result: Any, lang: str = "en") -> str:
    """Section of a stored ``risk.study`` result."""
    r = _rebuilt("risk.study", result)
    return section(_t("Characterization-study plan", lang), study_table(r), anchor="risk-study")


def _register() -> None:
    from qbdkit.report.sections import register_renderer

    for kind, fn in (("risk.cqa", render_cqa), ("risk.fmea", render_fmea),
                     ("risk.ce", render_ce), ("risk.classify", render_classify),
                     ("risk.study", render_study)):
        register_renderer(kind, fn)


_register()
