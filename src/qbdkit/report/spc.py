"""HTML for continued process verification (cpv) results: control charts (limits, 1σ/2σ
zones, phases, signals marked), capability, Hotelling T² and the periodic review.

``render(result, lang)`` takes any of :class:`~qbdkit.core.spc.ChartResult`,
:class:`~qbdkit.core.spc.CapabilityResult`, :class:`~qbdkit.core.spc.T2Result`,
:class:`~qbdkit.core.spc.CpvReview` and returns an HTML fragment (figures as inline SVG,
tables). Fixed text comes from the ``spc`` message catalogue.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from qbdkit.core.spc import CapabilityResult, ChartResult, CpvReview, T2Result
from qbdkit.i18n import t
from qbdkit.report.html import esc, figure_svg, fmt, new_figure, table
from qbdkit.report.sections import register_renderer

DOMAIN = "spc"


def _t(msgid: str, lang: str, **kw: Any) -> str:
    return t(msgid, lang, domain=DOMAIN, **kw)


def _nan(v: list[float | None] | None) -> np.ndarray:
    return np.array([np.nan if x is None else x for x in (v or [])], dtype=float)


def chart_figure(res: ChartResult, lang: str = "en") -> str:
    """The chart (and its MR/R/S panel) as inline SVG."""
    panels = 2 if res.dispersion is not None else 1
    fig, _ = new_figure(9.0, 3.2 * panels)
    fig.clf()
    axes = fig.subplots(panels, 1, squeeze=False)
    x = np.arange(len(res.statistic))
    ax = axes[0][0]
    stat, cl = _nan(res.statistic), _nan(res.center_line)
    lcl, ucl = _nan(res.lcl), _nan(res.ucl)
    if res.type not in ("ewma", "cusum"):
        sd = (ucl - cl) / res.nsigmas
        for z, alpha in ((2, 0.10), (1, 0.10)):
            ax.fill_between(x, cl - z * sd, cl + z * sd, step="mid", color="#4a90d9",
                            alpha=alpha, linewidth=0)
    ax.step(x, ucl, where="mid", color="#c0392b", lw=1, label=_t("UCL", lang))
    ax.step(x, lcl, where="mid", color="#c0392b", lw=1, label=_t("LCL", lang))
    ax.step(x, cl, where="mid", color="#2c3e50", lw=1, label=_t("Centre line", lang))
    ax.plot(x, stat, "-o", color="#34495e", ms=3, lw=0.8)
    if res.statistic_lower is not None:
        ax.plot(x, _nan(res.statistic_lower), "-o", color="#7f8c8d", ms=3, lw=0.8)
    loc = sorted({p for s in res.signals if s.chart == "location" for p in s.points})
    if loc:
        ax.plot(np.array(loc), stat[loc], "o", color="#e74c3c", ms=6, mfc="none", mew=1.5,
                label=_t("Signal", lang))
    for ph in res.phases[1:]:
        ax.axvline(ph.start - 0.5, color="#888", ls="--", lw=0.8)
    for ph in res.phases:
        if ph.baseline and ph.baseline[-1] < ph.stop - 1:
            ax.axvline(ph.baseline[-1] + 0.5, color="#27ae60", ls=":", lw=0.8)
    ax.set_title(f"{res.type.upper()} — {res.value_name}")
    ax.legend(loc="upper left", fontsize=7, ncol=4)
    if res.dispersion is not None:
        d = res.dispersion
        ax2 = axes[1][0]
        ds = _nan(d.statistic)
        ax2.step(x, _nan(d.ucl), where="mid", color="#c0392b", lw=1)
        ax2.step(x, _nan(d.lcl), where="mid", color="#c0392b", lw=1)
        ax2.step(x, _nan(d.center_line), where="mid", color="#2c3e50", lw=1)
        ax2.plot(x, ds, "-o", color="#34495e", ms=3, lw=0.8)
        dp = sorted({p for s in d.signals for p in s.points})
        if dp:
            ax2.plot(np.array(dp), ds[dp], "o", color="#e74c3c", ms=6, mfc="none", mew=1.5)
        ax2.set_title(d.type.upper())
    fig.tight_layout()
    return figure_svg(fig)


def _chart_html(res: ChartResult, lang: str) -> str:
    phases = table(
        [_t("Phase", lang), _t("Points", lang), _t("Baseline points", lang),
         _t("Excluded", lang), _t("Centre", lang), "σ", _t("σ estimate", lang), "LCL", "UCL"],
        [[p.name, f"{p.start}–{p.stop - 1}", len(p.baseline),
          ", ".join(map(str, p.excluded)) or "—", p.center, p.sigma, p.sigma_method, p.lcl,
          p.ucl] for p in res.phases])
    if res.signals:
        sig = table([_t("Rule", lang), _t("Chart", lang), _t("Description", lang),
                     _t("Points", lang)],
                    [[s.rule, _t(s.chart, lang), _t(s.description, lang),
                      ", ".join(f"{p} ({res.labels[p]})" for p in s.points)]
                     for s in res.signals], row_classes=["bad"] * len(res.signals))
    else:
        sig = f"<p>{esc(_t('No signals', lang))}</p>"
    notes = "".join(f'<p class="note">{esc(n)}</p>' for n in res.notes)
    return chart_figure(res, lang) + phases + sig + notes


def _capability_html(res: CapabilityResult, lang: str) -> str:
    rows = []
    for key, label in (("cp", "Cp"), ("cpl", "Cpl"), ("cpu", "Cpu"), ("cpk", "Cpk"),
                       ("cpm", "Cpm"), ("pp", "Pp"), ("ppl", "Ppl"), ("ppu", "Ppu"),
                       ("ppk", "Ppk")):
        lo, hi = res.ci.get(key) or [None, None]
        rows.append([label, getattr(res, key), lo, hi, res.ci_methods.get(key, "")])
    conf = f"{100 * res.confidence:g} %"
    head = table([_t("n", lang), _t("Mean", lang), _t("σ within", lang), _t("σ estimate", lang),
                  _t("σ overall", lang), "LSL", "USL", _t("Target", lang), _t("Method", lang)],
                 [[res.n, res.mean, res.sigma_within, res.sigma_within_method,
                   res.sigma_overall, res.lsl, res.usl, res.target, res.method]])
    idx = table([_t("Index", lang), _t("Value", lang), f"{conf} {_t('lower', lang)}",
                 f"{conf} {_t('upper', lang)}", _t("Interval", lang)], rows)
    ppm_rows = [[_t(k, lang), v.get("below"), v.get("above"), v.get("total")]
                for k, v in res.ppm.items()]
    ppm = table([_t("ppm outside", lang), _t("below LSL", lang), _t("above USL", lang),
                 _t("total", lang)], ppm_rows)
    fig, ax = new_figure(6.0, 3.0)
    for limit in (res.lsl, res.usl):
        if limit is not None:
            ax.axvline(limit, color="#c0392b")
    ax.axvline(res.mean, color="#2c3e50", ls="--")
    if res.sigma_overall and res.method != "percentile":
        xs = np.linspace(res.mean - 4 * res.sigma_overall, res.mean + 4 * res.sigma_overall, 200)
        ax.plot(xs, np.exp(-0.5 * ((xs - res.mean) / res.sigma_overall) ** 2), color="#34495e")
    ax.set_yticks([])
    ax.set_title(_t("Process capability", lang))
    notes = "".join(f'<p class="note">{esc(n)}</p>' for n in res.notes)
    return figure_svg(fig) + head + idx + ppm + notes


def _t2_html(res: T2Result, lang: str) -> str:
    fig, ax = new_figure(9.0, 3.2)
    x = np.arange(len(res.t2))
    ax.plot(x, res.t2, "-o", ms=3, lw=0.8, color="#34495e")
    ax.step(x, res.limit, where="mid", color="#c0392b", lw=1, label="UCL")
    pts = [s.point for s in res.signals]
    if pts:
        ax.plot(pts, np.array(res.t2)[pts], "o", color="#e74c3c", ms=6, mfc="none", mew=1.5)
    if res.baseline < len(res.t2):
        ax.axvline(res.baseline - 0.5, color="#27ae60", ls=":", lw=0.8)
    ax.set_title("Hotelling T²")
    rows = [[s.point, s.label, s.t2, s.ucl,
             ", ".join(f"{k} {fmt(v, 3)}" for k, v in sorted(s.contributions.items(),
                                                               key=lambda kv: -abs(kv[1]))[:4])]
            for s in res.signals]
    sig = table([_t("Point", lang), _t("Label", lang), "T²", "UCL", _t("Contributions", lang)],
                rows, row_classes=["bad"] * len(rows)) if rows else \
        f"<p>{esc(_t('No signals', lang))}</p>"
    lim = table([_t("Phase I limit", lang), _t("Phase II limit", lang), _t("Confidence", lang),
                 _t("Method", lang)], [[res.ucl, res.ucl_phase2, res.confidence, res.method]])
    return figure_svg(fig) + lim + sig


def _review_html(res: CpvReview, lang: str) -> str:
    summ = table([_t("Item", lang), _t("Kind", lang), "n", _t("Mean", lang), "Cpk", "Ppk",
                  _t("Signals", lang), _t("New", lang), "OOS", "PAR", "NOR", _t("Status", lang)],
                 [[r["item"], r["kind"], r["n"], r["mean"], r["cpk"], r["ppk"], r["signals"],
                   r["new_signals"], r["oos"], r["outside_par"], r["outside_nor"],
                   _t(r["status"], lang)] for r in res.summary_rows],
                 row_classes=["good" if r["status"] == "ok" else "bad" if r["status"] in
                              ("OOS", "not capable") else "warn" for r in res.summary_rows])
    bad = [d for d in res.disposition if d["status"] != "ok"]
    disp = table([_t("Batch", lang), _t("Status", lang), "OOS", "OOT", "PAR", "NOR"],
                 [[d["batch"], _t(d["status"], lang), ", ".join(d["oos"]), ", ".join(d["oot"]),
                   ", ".join(d["outside_par"]), ", ".join(d["outside_nor"])] for d in bad],
                 row_classes=["bad" if d["status"] == "OOS" else "warn" for d in bad])
    sig = table([_t("Item", lang), _t("Batch", lang), _t("Rule", lang), _t("New", lang)],
                [[s["item"], s["batch"], s["rule"], s["new"]] for s in res.signals])
    return summ + disp + sig


def render(result: Any, lang: str = "en") -> str:
    """An HTML fragment for any cpv result."""
    if isinstance(result, ChartResult):
        return _chart_html(result, lang)
    if isinstance(result, CapabilityResult):
        return _capability_html(result, lang)
    if isinstance(result, T2Result):
        return _t2_html(result, lang)
    if isinstance(result, CpvReview):
        return _review_html(result, lang)
    raise TypeError(f"not a cpv result: {type(result).__name__}")


for _kind in ("cpv.chart", "cpv.capability", "cpv.t2", "cpv.review"):
    register_renderer(_kind, render)
