"""Report section of an ICH Q1E shelf-life result (``render(result, lang)`` → HTML fragment).

Takes the :class:`~qbdkit.core.stability.ShelfLifeResult` or its stored ``to_dict()``; all
fixed text comes from the ``stability`` message catalogue.
"""

from __future__ import annotations

from typing import Any

from qbdkit.i18n import t
from qbdkit.report.html import esc, figure_svg, fmt, new_figure, table
from qbdkit.report.sections import register_renderer

D = "stability"


def _dict(result: Any) -> dict[str, Any]:
    return result.to_dict() if hasattr(result, "to_dict") else dict(result)


def figure(r: dict[str, Any], lang: str = "en") -> str:
    """Data, fitted lines, confidence limit(s) of the mean, specification, shelf life."""
    fig, ax = new_figure(7.0, 4.2)
    batches = list(dict.fromkeys(p["batch"] for p in r["data"]))
    colours = {b: f"C{i % 10}" for i, b in enumerate(batches)}
    for b in batches:
        pts = [p for p in r["data"] if p["batch"] == b]
        ax.plot([p["time"] for p in pts], [p["value"] for p in pts], "o", color=colours[b],
                label=b, ms=4)
    show_lo = r["sides"] in ("lower", "two-sided")
    show_hi = r["sides"] in ("upper", "two-sided")
    for name, c in r["curves"].items():
        col = colours.get(name, "k")
        ax.plot(c["time"], c["fit"], "-", color=col, lw=1.2)
        if show_lo:
            ax.plot(c["time"], c["lower"], "--", color=col, lw=0.9)
        if show_hi:
            ax.plot(c["time"], c["upper"], "--", color=col, lw=0.9)
    for lim in (r.get("lower"), r.get("upper")):
        if lim is not None:
            ax.axhline(lim, color="red", lw=1.2)
    if r.get("shelf_life") is not None:
        ax.axvline(r["shelf_life"], color="grey", ls=":", lw=1.2)
    ax.set_xlabel(t("Time", lang, domain=D))
    ax.set_ylabel(t("Value", lang, domain=D))
    ax.set_title(t("Fitted lines, {conf} % confidence limit of the mean and specification", lang,
                   domain=D, conf=f"{100 * (1 - r['alpha']):g}"), fontsize=9)
    ax.legend(fontsize=7, title=t("Batch", lang, domain=D), title_fontsize=7)
    return figure_svg(fig)


def render(result: Any, lang: str = "en") -> str:
    """HTML fragment: summary, poolability, extrapolation, per-batch table, plot."""
    r = _dict(result)
    p = r.get("poolability") or {}
    sl = r.get("shelf_life")
    rows = [
        [t("Model", lang, domain=D), t(r["model"], lang, domain=D)],
        [t("Shelf life", lang, domain=D),
         fmt(sl) if sl is not None else t("beyond {limit}", lang, domain=D,
                                          limit=fmt(r["search_limit"]))],
        [t("Worst-case batch", lang, domain=D), r.get("worst_batch") or "—"],
        [t("Confidence limit", lang, domain=D),
         f"{100 * (1 - r['alpha']):g} % " + t(r["sides"], lang, domain=D)],
        [t("Slopes p (poolability)", lang, domain=D), fmt(p.get("slopes_p"))],
        [t("Intercepts p (poolability)", lang, domain=D), fmt(p.get("intercepts_p"))],
        [t("Transform", lang, domain=D), t(r["transform"], lang, domain=D)],
        [t("Longest time in the data", lang, domain=D), fmt(r["data_time"])],
    ]
    ext = r.get("extrapolation")
    if ext:
        rows.append([t("Extrapolation (ICH Q1E Appendix A)", lang, domain=D), ext["statement"]])
        rows.append([t("Shelf life that may be proposed", lang, domain=D),
                     fmt(r.get("supported_shelf_life"))])
    head = [t("Item", lang, domain=D), t("Result", lang, domain=D)]
    per = [[b["batch"], b["n"], b["intercept"], b["slope"], b["se_slope"], b["r2"],
            b["shelf_life_own"], b["shelf_life"]] for b in r["per_batch"].values()]
    per_head = [t(h, lang, domain=D) for h in ("Batch", "n", "Intercept", "Slope", "SE slope",
                                               "R²", "Own regression", "Chosen model")]
    notes = "".join(f"<p class=\"note\">{esc(n)}</p>" for n in r.get("notes") or [])
    return "\n".join([table(head, rows), figure(r, lang),
                      table(per_head, per, caption=t("Per-batch regression", lang, domain=D)),
                      notes])


register_renderer("stability.shelf_life", render)
