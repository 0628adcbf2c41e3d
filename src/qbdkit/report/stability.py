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


# ---- out-of-trend check, stability study --------------------------------------------------------

def render_trend(result: Any, lang: str = "en") -> str:
    """One new result against the prediction interval of the earlier results."""
    r = _dict(result)
    conf = f"{100 * (1 - r['alpha']):g}"
    rows = [[t("Batch", lang, domain=D), r["batch"]], [t("Time", lang, domain=D), fmt(r["time"])],
            [t("Value", lang, domain=D), fmt(r["value"])],
            [t("Predicted", lang, domain=D), fmt(r["predicted"])],
            [t("{conf} % prediction interval", lang, domain=D, conf=conf),
             f"[{fmt(r['lower'])}, {fmt(r['upper'])}]"],
            [t("Regression", lang, domain=D), t(r["method"], lang, domain=D) + f" (n = {r['n']})"],
            [t("Verdict", lang, domain=D),
             t("out of trend" if r["out_of_trend"] else "in trend", lang, domain=D)]]
    return table([t("Item", lang, domain=D), t("Result", lang, domain=D)], rows,
                 row_classes=[""] * 6 + ["bad" if r["out_of_trend"] else "good"])


def study_figure(r: dict[str, Any], attribute: str, lang: str = "en") -> str:
    """Results of one attribute over time per batch; out-of-trend results circled in red;
    the specification as red lines."""
    fig, ax = new_figure(6.5, 3.2)
    rows = [x for x in r["results"] if x["attribute"] == attribute]
    batches = list(dict.fromkeys(x["batch"] for x in rows))
    for i, b in enumerate(batches):
        pts = sorted((x for x in rows if x["batch"] == b), key=lambda x: x["time"])
        ax.plot([x["time"] for x in pts], [x["value"] for x in pts], "o-", color=f"C{i % 10}",
                ms=4, lw=1, label=b)
        bad = [x for x in pts if x["oot"] or x["oos"]]
        if bad:
            ax.plot([x["time"] for x in bad], [x["value"] for x in bad], "o", ms=10,
                    mfc="none", mec="red", mew=1.5)
    spec = [x for x in rows if x.get("oos") is not None]
    ax.set_xlabel(t("Time", lang, domain=D) + f" ({t(r['time_unit'], lang, domain=D)})")
    ax.set_title(attribute, fontsize=9)
    if spec:
        ax.set_title(attribute + " — " + t("red circles: out of trend or specification", lang,
                                           domain=D), fontsize=8)
    ax.legend(fontsize=7)
    return figure_svg(fig)


def render_study(result: Any, lang: str = "en") -> str:
    """Study header, a plot per attribute, flagged results, pulls and excursions."""
    r = _dict(result)
    head = [[t("Study", lang, domain=D), r["study"]],
            [t("Material", lang, domain=D), r["material"] or "—"],
            [t("Condition", lang, domain=D), t(r["condition"], lang, domain=D)],
            [t("Storage", lang, domain=D), r["storage"] or "—"],
            [t("Protocol", lang, domain=D), r["protocol"] or "—"],
            [t("Batch", lang, domain=D), ", ".join(r["batches"])],
            [t("Time points", lang, domain=D), ", ".join(fmt(x) for x in r["time_points"])],
            [t("Out of trend", lang, domain=D), ", ".join(r["out_of_trend"]) or "—"],
            [t("Out of specification", lang, domain=D),
             ", ".join(r["out_of_specification"]) or "—"],
            [t("Time points without results", lang, domain=D), ", ".join(r["missing"]) or "—"]]
    classes = [""] * 7 + ["bad" if r["out_of_trend"] else "", "bad" if
                          r["out_of_specification"] else "", "warn" if r["missing"] else ""]
    parts = [table([t("Item", lang, domain=D), t("Result", lang, domain=D)], head,
                   row_classes=classes)]
    parts += [study_figure(r, a, lang) for a in r["attributes"]]
    flagged = [x for x in r["results"] if x["oot"] or x["oos"]]
    if flagged:
        parts.append(table([t(h, lang, domain=D) for h in ("Attribute", "Batch", "Time", "Value",
                                                           "Predicted", "Prediction interval",
                                                           "Out of trend", "Out of specification")],
                           [[x["attribute"], x["batch"], x["time"], x["value"], x["predicted"],
                             "" if x["lower"] is None else f"[{fmt(x['lower'])}, {fmt(x['upper'])}]",
                             t("yes", lang, domain=D) if x["oot"] else "",
                             t("yes", lang, domain=D) if x["oos"] else ""] for x in flagged],
                           caption=t("Flagged results", lang, domain=D),
                           row_classes=["bad"] * len(flagged)))
    if r["pulls"]:
        parts.append(table([t(h, lang, domain=D) for h in ("Batch", "Time", "Planned", "Actual",
                                                           "Days late", "Samples")],
                           [[p["batch"], p["time"], p["planned"], p["actual"], p["days_late"],
                             p["samples"]] for p in r["pulls"]],
                           caption=t("Pulls", lang, domain=D),
                           row_classes=["warn" if p["days_late"] else "" for p in r["pulls"]]))
    if r["excursions"]:
        parts.append(table([t(h, lang, domain=D) for h in ("Batch", "From", "To", "Hours",
                                                           "Extreme", "Cause", "Impact",
                                                           "Deviation")],
                           [[e["batch"], e["start"], e["end"], e["hours"], e["extreme"],
                             e["cause"], e["impact"], e["deviation"]] for e in r["excursions"]],
                           caption=t("Excursions", lang, domain=D),
                           row_classes=["warn"] * len(r["excursions"])))
    return "\n".join(parts)


register_renderer("stability.shelf_life", render)
register_renderer("stability.trend", render_trend)
register_renderer("stability.study", render_study)
