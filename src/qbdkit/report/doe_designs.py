"""HTML for mixture and split-plot experiments (issue 17): the designs and their analyses.

Renderers of stored records (``register_renderer``): ``doe.mixture``, ``doe.mixture_analysis``,
``doe.split_plot`` and ``doe.split_plot_analysis``; standalone pages for ``qbdkit doe analyze
--out`` (:func:`mixture_analysis_page`, :func:`split_plot_page`). Every fixed text comes from
the ``doe`` catalogue (en / zh-CN).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from qbdkit.core.doe.analysis.mixture import MixtureAnalysis
from qbdkit.core.doe.analysis.splitplot import SplitPlotAnalysis
from qbdkit.core.doe.design.mixture import MixtureDesign
from qbdkit.core.doe.design.splitplot import SplitPlotDesign
from qbdkit.report.html import esc, figure_svg, fmt, new_figure, page, section, table
from qbdkit.report.sections import register_renderer


def _t(msgid: str, lang: str, **params: Any) -> str:
    from qbdkit.i18n import t

    return t(msgid, lang, domain="doe", **params)


def _notes(notes: list[str], lang: str) -> str:
    return "".join(f'<p class="note">{esc(_t("note", lang))}: {esc(n)}</p>' for n in notes)


# ------------------------------------------------------------------ mixture design

def render_mixture_design(result: Any, lang: str = "en") -> str:
    """Components and bounds, constraints, D-efficiency and the blends in run order."""
    d = MixtureDesign.from_dict(result) if isinstance(result, dict) else result
    names = [f["name"] for f in d.factors]
    parts = [table([_t("component", lang), _t("low", lang), _t("high", lang), _t("unit", lang)],
                   [[f["name"], f["low"], f["high"], f["unit"]] for f in d.factors],
                   caption=_t("Mixture components (they add to {total})", lang, total=fmt(d.total)))]
    if d.constraints:
        parts.append(f'<p class="note">{esc(_t("constraints", lang))}: '
                     f"{esc('; '.join(d.constraints))}</p>")
    parts.append(f'<p class="stats">{esc(_t("Scheffé model", lang))}: {esc(d.model)}; '
                 f"D-efficiency = {fmt(d.d_efficiency)}; log det(X′X) = {fmt(d.log_det)}; "
                 f"{esc(_t('candidates', lang))} = {d.n_candidates}</p>")
    parts.append(_notes(d.notes, lang))
    rows = [[d.run_order[i], d.std_order[i], _t(d.point_type[i], lang)] + [r[n] for n in names]
            for i, r in enumerate(d.runs)]
    parts.append(table([_t("run", lang), _t("std", lang), _t("point", lang), *names], rows,
                       caption=_t("{type}: {n} blends in run order", lang, type=d.type, n=d.n_runs)))
    return "\n".join(p for p in parts if p)


# ------------------------------------------------------------------ mixture analysis

def _mixture_residuals(fit, lang: str) -> str:
    if fit.df_resid <= 0 or not fit.residuals:
        return ""
    k = len(fit.components)
    fig, _ax = new_figure(3.0 * (k + 1), 2.6)
    fig.clf()
    axes = np.atleast_1d(fig.subplots(1, k + 1))
    axes[0].scatter(fit.fitted, fit.residuals, s=12)
    axes[0].axhline(0, color="grey", lw=0.8)
    axes[0].set_xlabel(_t("fitted", lang), fontsize=8)
    axes[0].set_ylabel(_t("residual", lang), fontsize=8)
    return _finish_residuals(fig, axes, fit, lang)


def _finish_residuals(fig, axes, fit, lang: str) -> str:
    x = np.array(fit.x_values) if getattr(fit, "x_values", None) else None
    for j, name in enumerate(fit.components):
        ax = axes[j + 1]
        if x is not None:
            ax.scatter(x[:, j], fit.residuals, s=12)
        ax.axhline(0, color="grey", lw=0.8)
        ax.set_xlabel(name, fontsize=8)
    fig.suptitle(_t("{response}: residual vs fitted and vs each component", lang,
                    response=fit.response), fontsize=10)
    fig.tight_layout()
    return figure_svg(fig)


def mixture_sections(res: MixtureAnalysis, lang: str = "en", plots: bool = True) -> list[str]:
    out = []
    for fit in res.fits:
        body = [f'<p class="stats">{esc(fit.equation)}</p>',
                f'<p class="stats">R² = {fmt(fit.r2)}, R²adj = {fmt(fit.r2_adj)}, RMSE = '
                f"{fmt(fit.rmse)}, {esc(_t('residual df', lang))} = {fit.df_resid}, n = {fit.nobs}</p>",
                table([_t("term", lang), _t("coefficient", lang), "SE", "t", "p"],
                      [[c.term, c.coef, c.se, c.t, c.p] for c in fit.coefficients],
                      caption=_t("{response}: Scheffé {model} coefficients (no intercept)", lang,
                                 response=fit.response, model=fit.model)),
                table([_t("source", lang), "df", "SS", "MS", "F", "p"],
                      [[_t(a.source, lang), a.df, a.ss, a.ms, a.f, a.p] for a in fit.anova],
                      caption=_t("{response}: mixture ANOVA (model p − 1 df, total n − 1 df)", lang,
                                 response=fit.response)),
                _notes(fit.notes, lang)]
        if plots:
            body.append(_mixture_residuals(fit, lang))
        out.append(section(_t("Mixture model: {response}", lang, response=fit.response),
                           "\n".join(b for b in body if b)))
    return out


def render_mixture_analysis(result: Any, lang: str = "en") -> str:
    res = MixtureAnalysis.from_dict(result) if isinstance(result, dict) else result
    head = (f'<p class="note">{esc(_t("components", lang))}: {esc(", ".join(res.components))} '
            f"({esc(_t('total', lang))} {fmt(res.total)})</p>" + _notes(res.notes, lang))
    return "\n".join([head, *mixture_sections(res, lang)])


def mixture_analysis_page(res: MixtureAnalysis, lang: str = "en") -> str:
    """Standalone page for ``qbdkit doe analyze --model scheffe-… --out``."""
    return page(_t("Mixture analysis", lang), [render_mixture_analysis(res, lang)],
                subtitle=res.file, lang=lang)


# ------------------------------------------------------------------ split plot

def render_split_plot(result: Any, lang: str = "en") -> str:
    d = SplitPlotDesign.from_dict(result) if isinstance(result, dict) else result
    names = [f["name"] for f in d.factors]
    parts = [table([_t("factor", lang), _t("stratum", lang), _t("low", lang), _t("high", lang),
                    _t("unit", lang)],
                   [[f["name"], _t("whole plot" if f["name"] in d.whole_plot_factors else "subplot",
                                   lang), f["low"], f["high"], f["unit"]] for f in d.factors],
                   caption=_t("Factors: hard to change (whole plot) and easy to change (subplot)",
                              lang)),
             _notes(d.notes, lang)]
    rows = [[d.run_order[i], d.block[i], d.std_order[i]] + [r[n] for n in names]
            for i, r in enumerate(d.runs)]
    parts.append(table([_t("run", lang), _t("whole plot", lang), _t("std", lang), *names], rows,
                       caption=_t("{n} runs in {w} whole plots, run order", lang, n=d.n_runs,
                                  w=d.n_whole_plots)))
    return "\n".join(p for p in parts if p)


def split_plot_sections(res: SplitPlotAnalysis, lang: str = "en") -> list[str]:
    out = []
    for fit in res.fits:
        body = [f'<p class="stats">{esc(fit.formula)}</p>',
                f'<p class="note">{esc(_t("REML (statsmodels MixedLM), whole plot random; denominator df by containment: whole-plot error {wp} df, subplot error {sp} df", lang, wp=fit.df_whole_plot, sp=fit.df_subplot))}</p>',
                table([_t("variance component", lang), _t("estimate", lang)],
                      [[_t("whole plot", lang), fit.var_whole_plot],
                       [_t("residual (subplot)", lang), fit.var_residual]],
                      caption=_t("{response}: variance components (REML)", lang,
                                 response=fit.response)),
                table([_t("term", lang), _t("stratum", lang), "df", _t("den df", lang), "F", "p"],
                      [[t.term, _t(t.stratum, lang), t.df_num, t.df_den, t.f, t.p] for t in fit.tests],
                      caption=_t("{response}: fixed effects (Wald F-tests)", lang,
                                 response=fit.response)),
                table([_t("coefficient", lang), _t("estimate", lang), "SE", "t", "df", "p"],
                      [[c.name, c.coef, c.se, c.t, c.df, c.p] for c in fit.coefficients]),
                _notes(fit.notes, lang)]
        out.append(section(_t("Split-plot model: {response}", lang, response=fit.response),
                           "\n".join(b for b in body if b)))
    return out


def render_split_plot_analysis(result: Any, lang: str = "en") -> str:
    res = SplitPlotAnalysis.from_dict(result) if isinstance(result, dict) else result
    head = (f'<p class="note">{esc(_t("whole plot", lang))}: {esc(res.whole_plot)}</p>'
            + _notes(res.notes, lang))
    return "\n".join([head, *split_plot_sections(res, lang)])


def split_plot_page(res: SplitPlotAnalysis, lang: str = "en") -> str:
    """Standalone page for ``qbdkit doe analyze --whole-plot COL --out``."""
    return page(_t("Split-plot analysis", lang), [render_split_plot_analysis(res, lang)],
                subtitle=res.file, lang=lang)


register_renderer("doe.mixture", render_mixture_design)
register_renderer("doe.mixture_analysis", render_mixture_analysis)
register_renderer("doe.split_plot", render_split_plot)
register_renderer("doe.split_plot_analysis", render_split_plot_analysis)
