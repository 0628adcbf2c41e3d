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


def _item_axes(ax: Any, it: Any, lang: str, new_from: int | None) -> None:
    """One item's individuals chart: values by batch, centre and control limits (dashed
    when given, e.g. handed over from PPQ), specification (red) and PAR (orange) limits,
    signals circled (filled when new)."""
    x = np.arange(len(it.values))
    ax.plot(x, it.values, "-o", ms=2.5, lw=0.7, color="#34495e")
    ls = "--" if it.limits == "given" else "-"
    near = [v for v in (*it.values, it.lcl, it.ucl) if v is not None]
    lo, hi = min(near), max(near)
    span = (hi - lo) or abs(hi) or 1.0
    off = []
    for y, color, style, name in ((it.center, "#2c3e50", ":", ""),
                                  (it.lcl, "#2980b9", ls, ""), (it.ucl, "#2980b9", ls, ""),
                                  (it.lsl, "#c0392b", "-", "LSL"), (it.usl, "#c0392b", "-", "USL"),
                                  (it.par[0], "#e67e22", "-.", "PAR"),
                                  (it.par[1], "#e67e22", "-.", "PAR")):
        if y is None:
            continue
        if name and not lo - span <= y <= hi + span:  # far off: say so instead of squashing
            off.append(f"{name} {fmt(y, 4)}")
            continue
        ax.axhline(y, color=color, ls=style, lw=0.8)
    if off:
        ax.text(0.99, 0.02, "; ".join(off) + " " + _t("(off scale)", lang),
                transform=ax.transAxes, ha="right", va="bottom", fontsize=6, color="#7f8c8d")
    for sgl in it.signals:
        j = sgl["point"]
        if 0 <= j < len(it.values):
            ax.plot([j], [it.values[j]], "o", ms=6, mew=1.2, color="#e74c3c",
                    mfc="#e74c3c" if sgl.get("new") else "none")
    if new_from is not None and 0 < new_from < len(it.values):
        ax.axvspan(new_from - 0.5, len(it.values) - 0.5, color="#fff3cd", zorder=0)
    ax.set_title(f"{it.item} ({it.kind})" if it.kind else it.item, fontsize=8)
    ax.tick_params(labelsize=6)
    ax.set_xticks([])


def _new_from(res: CpvReview, it: Any) -> int | None:
    if not res.since:
        return None
    new = {d["batch"] for d in res.disposition if d["new"]}
    for j, b in enumerate(it.batches):
        if b in new:
            return j
    return None


def review_figure(res: CpvReview, lang: str = "en", items: list[Any] | None = None,
                  columns: int = 3) -> Any:
    """Small multiples: the individuals chart of every item (a matplotlib figure)."""
    items = [it for it in (items if items is not None else res.items) if it.n]
    rows = max(1, -(-len(items) // columns))
    fig, _ = new_figure(3.3 * columns, 2.0 * rows)
    fig.clf()
    for k, it in enumerate(items):
        ax = fig.add_subplot(rows, columns, k + 1)
        _item_axes(ax, it, lang, _new_from(res, it))
    fig.tight_layout()
    return fig


def _pair(lo: float | None, hi: float | None) -> str:
    return "" if lo is None and hi is None else f"{fmt(lo, 4)} – {fmt(hi, 4)}"


def _review_html(res: CpvReview, lang: str) -> str:
    text = _t("{items} items × {batches} batches ({first} … {last}); {signals} signals, "
              "{new} new.", lang, items=len(res.items), batches=len(res.batches),
              first=res.batches[0] if res.batches else "",
              last=res.batches[-1] if res.batches else "", signals=len(res.signals),
              new=sum(1 for x in res.signals if x["new"]))
    head = f"<p>{esc(text)}</p>"
    if res.since:
        head += f'<p class="note">{esc(_t("New since", lang))}: {esc(res.since)}</p>'
    if res.built_from:
        head += (f'<p class="note">{esc(_t("Built from", lang))}: '
                 + esc("; ".join(res.built_from)) + "</p>")
    summ = table([_t("Item", lang), _t("Kind", lang), "n", _t("Mean", lang), "LSL", "USL",
                  "Cpk", "Ppk", _t("Signals", lang), _t("New", lang), "OOS", "PAR", "NOR",
                  _t("Limits", lang), "LCL – UCL", _t("Initial limits", lang),
                  _t("Status", lang)],
                 [[r["item"], r["kind"], r["n"], r["mean"], r["lsl"], r["usl"], r["cpk"],
                   r["ppk"], r["signals"], r["new_signals"], r["oos"], r["outside_par"],
                   r["outside_nor"], _t(r.get("limits", "estimated"), lang),
                   _pair(r.get("lcl"), r.get("ucl")),
                   _pair(r.get("initial_lcl"), r.get("initial_ucl")),
                   _t(r["status"], lang)] for r in res.summary_rows],
                 row_classes=["good" if r["status"] == "ok" else "bad" if r["status"] in
                              ("OOS", "not capable") else "warn" for r in res.summary_rows],
                 caption=_t("Periodic product review summary", lang))
    charts = figure_svg(review_figure(res, lang)) if res.items else ""
    bad = [d for d in res.disposition if d["status"] != "ok"]
    disp = table([_t("Batch", lang), _t("Date", lang), _t("Status", lang), "OOS", "OOT", "PAR",
                  "NOR", _t("New", lang)],
                 [[d["batch"], d.get("time") or "", _t(d["status"], lang), ", ".join(d["oos"]),
                   ", ".join(d["oot"]), ", ".join(d["outside_par"]),
                   ", ".join(d["outside_nor"]), _t("yes", lang) if d["new"] else ""]
                  for d in bad],
                 row_classes=["bad" if d["status"] in ("OOS", "PAR excursion") else "warn"
                              for d in bad],
                 caption=_t("Batch disposition: batches with findings ({n} of {m})", lang,
                            n=len(bad), m=len(res.disposition)))
    sig = table([_t("Item", lang), _t("Batch", lang), _t("Rule", lang), _t("Description", lang),
                 _t("New", lang)],
                [[x["item"], x["batch"], x["rule"], x.get("description", ""),
                  _t("yes", lang) if x["new"] else ""] for x in res.signals],
                row_classes=["warn" if x["new"] else "" for x in res.signals],
                caption=_t("Signals", lang))
    notes = "".join(f'<p class="note">{esc(n)}</p>' for n in res.notes)
    return head + summ + charts + disp + sig + notes


def write_review_xlsx(result: Any, path: Any, lang: str = "en") -> Any:
    """The review as a workbook for the review meeting: summary, disposition of every
    batch, signals, the data (batch × item) with limits, and the charts (PNG)."""
    import io

    from qbdkit.report.control import write_workbook

    res = CpvReview.from_dict(result) if isinstance(result, dict) else result
    yes = _t("yes", lang)
    summary = [[r["item"], r["kind"], r["n"], r["mean"], r["sd"], r["min"], r["max"], r["lsl"],
                r["usl"], r["cpk"], r["ppk"], r["signals"], r["new_signals"], r["oos"],
                r["outside_par"], r["outside_nor"], _t(r.get("limits", "estimated"), lang),
                _t(r["status"], lang)] for r in res.summary_rows]
    disp = [[d["batch"], d.get("time") or "", d.get("site") or "", _t(d["status"], lang),
             ", ".join(d["oos"]), ", ".join(d["oot"]), ", ".join(d["outside_par"]),
             ", ".join(d["outside_nor"]), yes if d["new"] else ""] for d in res.disposition]
    sig = [[x["item"], x["kind"], x["batch"], x["rule"], x.get("description", ""),
            yes if x["new"] else ""] for x in res.signals]
    value = {(it.item, b): v for it in res.items for b, v in zip(it.batches, it.values,
                                                                   strict=True)}
    data = [[b, *[value.get((it.item, b)) for it in res.items]] for b in res.batches]
    limits = [[it.item, it.kind, it.center, it.sigma, it.lcl, it.ucl, it.mr_ucl,
               _t(it.limits, lang), it.initial[0], it.initial[1], it.lsl, it.usl, it.par[0],
               it.par[1], it.nor[0], it.nor[1]] for it in res.items]
    pics = []
    for k, it in enumerate(x for x in res.items if x.n):
        fig, ax = new_figure(6.0, 2.6)
        _item_axes(ax, it, lang, _new_from(res, it))
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=80, bbox_inches="tight")
        import matplotlib.pyplot as plt

        plt.close(fig)
        pics.append((f"A{1 + 15 * k}", buf.getvalue()))
    item_h = [_t(h, lang) for h in ("Item", "Kind")]
    return write_workbook(path, [
        (_t("Summary", lang), [*item_h, "n", _t("Mean", lang), "SD", "Min", "Max", "LSL",
                               "USL", "Cpk", "Ppk", _t("Signals", lang), _t("New", lang),
                               "OOS", "PAR", "NOR", _t("Limits", lang), _t("Status", lang)],
         summary),
        (_t("Disposition", lang), [_t("Batch", lang), _t("Date", lang), _t("Site", lang),
                                   _t("Status", lang), "OOS", "OOT", "PAR", "NOR",
                                   _t("New", lang)], disp),
        (_t("Signals", lang), [*item_h, _t("Batch", lang), _t("Rule", lang),
                               _t("Description", lang), _t("New", lang)], sig),
        (_t("Data", lang), [_t("Batch", lang), *[it.item for it in res.items]], data),
        (_t("Limits", lang), [*item_h, _t("Centre", lang), "σ", "LCL", "UCL", "MR UCL",
                              _t("Limits", lang), _t("Initial LCL", lang),
                              _t("Initial UCL", lang), "LSL", "USL", _t("PAR low", lang),
                              _t("PAR high", lang), _t("NOR low", lang), _t("NOR high", lang)],
         limits),
        (_t("Basis", lang), [_t("Built from", lang)],
         [[b] for b in res.built_from] + [[n] for n in res.notes]),
    ], images={_t("Charts", lang): pics})


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


def _by_kind(cls: type) -> Any:
    """A renderer for one record kind: rebuilds a stored dict as ``cls`` first."""

    def fn(result: Any, lang: str = "en") -> str:
        return render(cls.from_dict(result) if isinstance(result, dict) else result, lang)

    return fn


def _register() -> None:

    for kind, cls in (("cpv.chart", ChartResult), ("cpv.capability", CapabilityResult),
                      ("cpv.t2", T2Result), ("cpv.review", CpvReview)):
        register_renderer(kind, _by_kind(cls))


_register()
