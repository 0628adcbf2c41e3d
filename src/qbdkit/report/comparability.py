"""Report sections of comparability (tiered) and change classification results.

``render(result, lang)`` for :class:`~qbdkit.core.comparability.TieredComparability` and
``render_change(result, lang)`` for :class:`~qbdkit.core.comparability.ChangeClassification`
(objects or their stored ``to_dict()``). Fixed text: ``comparability`` catalogue.
"""

from __future__ import annotations

from typing import Any

from qbdkit.i18n import t
from qbdkit.report.html import esc, figure_svg, fmt, new_figure, table
from qbdkit.report.sections import register_renderer

D = "comparability"


def _dict(result: Any) -> dict[str, Any]:
    return result.to_dict() if hasattr(result, "to_dict") else dict(result)


def tier_figure(attrs: list[dict[str, Any]], lang: str = "en") -> str:
    """Tier 3 (and every tier): pre and post lots side by side per attribute."""
    import numpy as np

    n = max(len(attrs), 1)
    fig, _ = new_figure(min(2.2 * n + 1, 11.0), 3.0)
    fig.clf()
    axes = fig.subplots(1, n, squeeze=False)[0]
    for ax, a in zip(axes, attrs, strict=False):
        ax.plot(np.zeros(len(a["pre_values"])), a["pre_values"], "o", color="C0", ms=4)
        ax.plot(np.ones(len(a["post_values"])), a["post_values"], "s", color="C3", ms=4)
        if a.get("range"):
            for v in a["range"]:
                ax.axhline(v, color="grey", ls="--", lw=0.8)
        ax.set_xticks([0, 1], [t("pre", lang, domain=D), t("post", lang, domain=D)])
        ax.set_xlim(-0.6, 1.6)
        ax.set_title(f"{a['name']} ({t('tier', lang, domain=D)} {a['tier']})", fontsize=8)
    return figure_svg(fig)


def render(result: Any, lang: str = "en") -> str:
    r = _dict(result)
    rows = []
    classes = []
    for a in r["attributes"]:
        if a["tier"] == 1 and a.get("ci"):
            test = f"[{fmt(a['ci'][0])}, {fmt(a['ci'][1])}] ⊂ ±{fmt(a['margin'])}?"
        elif a["tier"] == 2 and a.get("range"):
            test = (f"[{fmt(a['range'][0])}, {fmt(a['range'][1])}]: "
                    f"{100 * (a['share_inside'] or 0):.0f} %")
        else:
            test = ", ".join(a.get("outside") or []) or "—"
        rows.append([a["name"], a["tier"], a["n_pre"], a["n_post"], a["mean_pre"], a["sd_pre"],
                     a["mean_post"], test, t(a["conclusion"], lang, domain=D)])
        classes.append({"comparable": "good", "not comparable": "bad"}.get(a["conclusion"], "warn"))
    head = [t(h, lang, domain=D) for h in ("Attribute", "Tier", "Pre lots", "Post lots",
                                           "Pre mean", "Pre SD", "Post mean", "Test",
                                           "Conclusion")]
    parts = [table(head, rows, row_classes=classes), tier_figure(r["attributes"], lang)]
    s = r.get("slopes")
    if s:
        parts.append(table([t("Item", lang, domain=D), t("Result", lang, domain=D)], [
            [t("Slope pre-change", lang, domain=D), s["slope_pre"]],
            [t("Slope post-change", lang, domain=D), s["slope_post"]],
            [t("Difference (CI)", lang, domain=D),
             f"{fmt(s['diff'])} [{fmt(s['ci'][0])}, {fmt(s['ci'][1])}]"],
            [t("p-value", lang, domain=D), s["p_value"]],
            [t("Conclusion", lang, domain=D),
             t("comparable" if s["comparable"] else "not comparable", lang, domain=D)],
        ], caption=t("Stability slopes", lang, domain=D)))
    m = r.get("multivariate")
    if m:
        parts.append(table([t(h, lang, domain=D) for h in ("Lot", "T²", "SPE", "Inside")],
                           [[x["lot"], x["t2"], x["spe"], x["inside"]] for x in m["lots"]],
                           caption=t("Multivariate (PCA of pre-change lots)", lang, domain=D)
                           + f" — T² ≤ {fmt(m['t2_limit'])}, SPE ≤ {fmt(m['spe_limit'])}"))
    parts.append(f"<p><strong>{esc(t('Overall', lang, domain=D))}: "
                 f"{esc(t(r['conclusion'], lang, domain=D))}</strong></p>")
    parts += [f"<p class=\"note\">{esc(x)}</p>" for x in r.get("reasons") or []]
    return "\n".join(parts)


#: fields of a change record shown above its classification (the document's own)
DOCUMENT_FIELDS = ("id", "title", "description", "change_type", "affected_steps", "materials",
                   "sites", "phase", "owner", "status", "rationale", "linked")


def render_change(result: Any, lang: str = "en") -> str:
    r = _dict(result)
    doc = r.get("change") or {}
    shown = [[t(k, lang, domain=D), ", ".join(map(str, v)) if isinstance(v, list) else
              t(str(v), lang, domain=D) if k in ("status", "change_type", "phase") else str(v)]
             for k in DOCUMENT_FIELDS if (v := doc.get(k)) not in (None, "", [])]
    key = "reason_zh" if lang == "zh" else "reason_en"
    rows = [[x["rule"], t(x["class"], lang, domain=D), x[key], x["source"]] for x in r["reasons"]]
    p = r["protocol"]
    proto = [[t(k, lang, domain=D), fmt(p.get(k))] for k in
             ("lots", "release_tests", "extended_characterisation", "stability", "bridging")]
    if p.get("method_bridging"):
        proto.append([t("method_bridging", lang, domain=D), t("yes", lang, domain=D)])
    return "\n".join([
        table([t("Item", lang, domain=D), t("Value", lang, domain=D)], shown,
              caption=t("Change record", lang, domain=D)) if shown else "",
        f"<p><strong>{esc(t('Change class', lang, domain=D))}: "
        f"{esc(t(r['change_class'], lang, domain=D))}</strong></p>",
        table([t(h, lang, domain=D) for h in ("Rule", "Class", "Reason", "Source")], rows),
        table([t("Item", lang, domain=D), t("Protocol", lang, domain=D)], proto,
              caption=t("Comparability protocol", lang, domain=D)),
        *[f"<p class=\"note\">{esc(n)}</p>" for n in r.get("notes") or []],
    ])


register_renderer("comparability.analysis", render)
register_renderer("change.classification", render_change)
