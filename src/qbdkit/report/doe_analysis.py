"""HTML for DoE analysis: coding, equations, coefficient and ANOVA tables, effect plots
(half-normal and Pareto with Lenth's ME/SME), diagnostics (outliers and influential runs),
curvature, canonical / ridge / steepest-ascent analysis, model comparison and the CPP
re-assessment.

Renderers of stored records (``register_renderer``): ``doe.analysis``, ``doe.reassess`` and
``doe.compare``; each takes the result object or its stored dict and a language. A stored fit
is *detached* (no model matrix), so everything here is drawn from the reported numbers; the
contour plot needs a live fit and is drawn only for one (``qbdkit doe analyze --out``).
:func:`qbdkit.demo.sections.doe_analysis_section` (contract D) analyses the bundled demo's ``doe/results.csv`` through the
DoE service, as the CLI does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from qbdkit.i18n import t
from qbdkit.report.html import esc, figure_svg, fmt, new_figure, page, section, table
from qbdkit.report.sections import register_renderer

DOMAIN = "doe"


def _t(msgid: str, lang: str, **params: Any) -> str:
    return t(msgid, lang, domain=DOMAIN, **params)


def _as(kind: str, result: Any) -> Any:
    if isinstance(result, dict):
        from qbdkit.report.sections import rebuild

        return rebuild(kind, result)
    return result


# ---------------------------------------------------------------------------------------------
# pieces of one fit
# ---------------------------------------------------------------------------------------------

def _coef_table(fit, lang: str = "en") -> str:
    rows = [[r["term"], r["coef"], r["se"], r["t"], r["p"], r["vif"]] for r in fit.term_rows()]
    return table([_t("term", lang), _t("coefficient", lang), "SE", "t", "p", "VIF"], rows,
                 caption=_t("{response}: coefficients ({coding} units)", lang,
                            response=fit.response, coding=_t(fit.coding, lang)),
                 row_classes=["good" if (r[4] is not None and not np.isnan(r[4]) and r[4] < 0.05)
                              else "" for r in rows])


def _anova_table(fit, lang: str = "en") -> str:
    return table([_t("source", lang), "df", "SS", "MS", "F", "p"],
                 [[r.source, r.df, r.ss, r.ms, r.f, r.p] for r in fit.anova],
                 caption=_t("{response}: ANOVA (type {type} sums of squares)", lang,
                            response=fit.response, type=fit.anova_type))


def _stats_line(fit, lang: str = "en") -> str:
    parts = [f"R² = {fmt(fit.r2)}", f"R²adj = {fmt(fit.r2_adj)}", f"Q² = {fmt(fit.q2)}",
             f"RMSE = {fmt(fit.rmse)}", f"{_t('residual df', lang)} = {fit.df_resid}",
             f"n = {fit.nobs}"]
    if fit.lack_of_fit is not None:
        parts.append(_t("lack of fit", lang) + f" F = {fmt(fit.lack_of_fit.f)}, "
                     f"p = {fmt(fit.lack_of_fit.p)}")
    if fit.dropped_rows:
        parts.append(_t("{n} rows without a response dropped", lang, n=len(fit.dropped_rows)))
    if fit.boxcox is not None:
        b = fit.boxcox
        parts.append(f"Box–Cox λ̂ = {fmt(b.lambda_hat, 3)} [{fmt(b.lower, 3)}, "
                     f"{fmt(b.upper, 3)}] → {b.name}" + (f" ({b.caveat})" if b.caveat else ""))
    return f'<p class="note">{esc("; ".join(parts))}</p>'


def _equations(fit, actual, lang: str = "en") -> str:
    from qbdkit.core.doe.analysis.analyze import equation

    rows = [[_t(f"{fit.coding} units", lang), equation(fit.response, fit.term_rows())]]
    if actual is not None:
        rows.append([_t("actual units", lang), equation(fit.response, actual.term_rows())])
    return table([_t("units", lang), _t("fitted equation", lang)], rows,
                 caption=_t("Fitted equation", lang))


def _notes(fit, lang: str = "en") -> str:
    return "".join(f'<p class="note">{esc(_t("note", lang))}: {esc(n)}</p>' for n in fit.notes)


def _residual_plot(fit, lang: str = "en") -> str:
    d = fit.diagnostics
    fig, _axes = new_figure(12.0, 3.0)
    fig.clf()
    ax1, ax2, ax3, ax4 = fig.subplots(1, 4)
    ax1.scatter(d["normal_quantile"], d["studentized"], s=12)
    ax1.set_xlabel(_t("normal quantile", lang))
    ax1.set_ylabel(_t("studentized residual", lang))
    ax1.set_title(_t("normal probability", lang), fontsize=9)
    ax2.scatter(d["fitted"], d["studentized"], s=12)
    ax2.axhline(0, color="grey", lw=0.8)
    ax2.set_xlabel(_t("fitted", lang))
    ax2.set_title(_t("residual vs fitted", lang), fontsize=9)
    ax3.plot(d["run"], d["studentized"], marker="o", ms=3, lw=0.6)
    ax3.axhline(0, color="grey", lw=0.8)
    ax3.set_xlabel(_t("run (row order)", lang))
    ax3.set_title(_t("residual vs run order", lang), fontsize=9)
    ax4.bar(d["run"], d["cooks_d"])
    ax4.set_xlabel(_t("run (row order)", lang))
    ax4.set_ylabel("Cook's D")
    ax4.set_title(_t("influence", lang), fontsize=9)
    fig.suptitle(fit.response, fontsize=10)
    fig.tight_layout()
    return figure_svg(fig)


def _residual_factor_plot(fit, lang: str = "en") -> str:
    """Studentized residual against each numeric factor (Montgomery §3.4.3: a funnel or a curve
    against a factor points to unequal variance or a missing term in it)."""
    d = fit.diagnostics
    cols = [c for c in d.columns if str(c).startswith("factor:")]
    if not cols:
        return ""
    k = len(cols)
    per_row = min(k, 4)
    n_rows = (k + per_row - 1) // per_row
    fig, _axes = new_figure(3.0 * per_row, 2.6 * n_rows)
    fig.clf()
    axes = np.atleast_1d(fig.subplots(n_rows, per_row)).ravel()
    for ax, col in zip(axes, cols, strict=False):
        ax.scatter(d[col], d["studentized"], s=12)
        ax.axhline(0, color="grey", lw=0.8)
        ax.set_xlabel(f"{col[len('factor:'):]} ({_t(fit.coding, lang)})", fontsize=8)
        ax.set_ylabel(_t("studentized residual", lang), fontsize=8)
    for ax in axes[k:]:
        ax.set_visible(False)
    fig.suptitle(_t("{response}: residual vs each factor", lang, response=fit.response), fontsize=10)
    fig.tight_layout()
    return figure_svg(fig)


def _contour_plot(fit, pair: tuple, others: dict, lang: str = "en") -> str:
    a, b = pair
    ga = np.linspace(a.low, a.high, 41)
    gb = np.linspace(b.low, b.high, 41)
    aa, bb = np.meshgrid(ga, gb)
    grid = pd.DataFrame({a.name: aa.ravel(), b.name: bb.ravel()})
    for k, v in others.items():
        if k not in (a.name, b.name):
            grid[k] = v
    z = fit.predict(grid)["mean"].to_numpy().reshape(aa.shape)
    fig, ax = new_figure(4.2, 3.4)
    cs = ax.contourf(aa, bb, z, levels=12, cmap="viridis")
    ax.contour(aa, bb, z, levels=12, colors="k", linewidths=0.4)
    fig.colorbar(cs, ax=ax)
    ax.set_xlabel(a.name)
    ax.set_ylabel(b.name)
    ax.set_title(_t("{response} (others at centre)", lang, response=fit.response), fontsize=9)
    return figure_svg(fig)


def _half_normal_plot(fit, lang: str = "en") -> str:
    e = fit.effects
    fig, ax = new_figure(4.2, 3.4)
    q = [h["quantile"] for h in e.half_normal]
    a = [h["abs_effect"] for h in e.half_normal]
    ax.scatter(a, q, s=14)
    for h in e.half_normal:
        if h["significant"]:
            ax.annotate(h["term"], (h["abs_effect"], h["quantile"]), fontsize=7)
    ax.axvline(e.me, color="orange", lw=0.8, label=f"ME {e.me:.3g}")
    ax.axvline(e.sme, color="red", lw=0.8, label=f"SME {e.sme:.3g}")
    ax.set_xlabel("|effect|")
    ax.set_ylabel(_t("half-normal quantile", lang))
    ax.legend(fontsize=7)
    ax.set_title(_t("{response}: half-normal plot (Lenth PSE {pse})", lang,
                    response=fit.response, pse=f"{e.pse:.3g}"), fontsize=9)
    return figure_svg(fig)


def _pareto_plot(fit, lang: str = "en") -> str:
    """Pareto chart: |effect| with Lenth's ME and SME (unreplicated two-level designs), else
    |t| of each term with the two-sided t critical value at α = 0.05 (standardized effects)."""
    if fit.effects is not None:
        e = fit.effects
        names, values = list(e.terms), [abs(v) for v in e.effects]
        lines = [(e.me, "orange", f"ME {e.me:.3g}"), (e.sme, "red", f"SME {e.sme:.3g}")]
        label = "|effect|"
        title = _t("{response}: Pareto of effects (Lenth)", lang, response=fit.response)
    else:
        rows = [r for r in fit.term_rows() if r["term"] != "Intercept"
                and r["t"] is not None and not np.isnan(r["t"])]
        if not rows or fit.df_resid <= 0:
            return ""
        names = [r["term"] for r in rows]
        values = [abs(float(r["t"])) for r in rows]
        crit = float(stats.t.ppf(0.975, fit.df_resid))
        lines = [(crit, "red", f"t(0.975, {fit.df_resid}) = {crit:.3g}")]
        label = "|t|"
        title = _t("{response}: Pareto of standardized effects", lang, response=fit.response)
    order = np.argsort(values)
    fig, ax = new_figure(4.8, 0.8 + 0.28 * len(names))
    ax.barh([names[i] for i in order], [values[i] for i in order], color="#4a7ab0")
    for x, color, text in lines:
        ax.axvline(x, color=color, lw=0.9, label=text)
    ax.set_xlabel(label)
    ax.tick_params(axis="y", labelsize=7)
    ax.legend(fontsize=7)
    ax.set_title(title, fontsize=9)
    return figure_svg(fig)


def _top_pair(fit) -> tuple | None:
    numeric = [f for f in fit.factors if f.type == "numeric"]
    if len(numeric) < 2 or fit._spec is None:
        return None
    score = {}
    for f in numeric:
        fstat, _df, _p = fit.factor_test(f.name)
        score[f.name] = fstat or 0.0
    best = sorted(numeric, key=lambda f: -score[f.name])[:2]
    return best[0], best[1]


def _influence(fit, lang: str = "en") -> str:
    from qbdkit.core.doe.analysis.fit import influence_table

    if fit.diagnostics is None or not len(fit.diagnostics) or "cooks_d" not in fit.diagnostics:
        return ""
    flagged = influence_table(fit)
    caption = _t("{response}: outliers and influential runs (externally studentized residual, "
                 "leverage, Cook's D, DFFITS)", lang, response=fit.response)
    if not len(flagged):
        return f'<p class="note">{esc(caption)}: {esc(_t("none flagged", lang))}</p>'
    return table([_t("run", lang), _t("residual", lang), _t("ext. studentized", lang),
                  _t("leverage", lang), "Cook's D", "DFFITS", _t("flags", lang)],
                 flagged.values.tolist(), caption=caption,
                 row_classes=["warn"] * len(flagged))


def _curvature_html(test, lang: str = "en") -> str:
    rows = [[test.response, test.n_factorial, test.mean_factorial, test.n_center,
             test.mean_center, test.ss_curvature, test.ms_pure_error, test.df_pure_error, test.f,
             test.p]]
    return table([_t("response", lang), "n F", "ȳ F", "n C", "ȳ C", "SS", "MS pure error", "df",
                  "F", "p"], rows,
                 caption=_t("Curvature test from centre points (Montgomery §6.8)", lang),
                 row_classes=["warn" if test.significant else "good"])


def _canonical_html(can, lang: str = "en") -> str:
    rows = [[f, can.stationary_point_coded[f], can.stationary_point[f]] for f in can.factors]
    head = table([_t("factor", lang), _t("coded", lang), _t("actual", lang)], rows,
                 caption=_t("{response}: canonical analysis — stationary point is a {kind} "
                            "(predicted {value})", lang, response=can.response,
                            kind=_t(can.kind, lang), value=fmt(can.predicted, 6)))
    vec = [[f, *[can.eigenvectors[i][j] for j in range(len(can.eigenvalues))]]
           for i, f in enumerate(can.factors)]
    eig = table([_t("factor", lang), *[f"w{j + 1} (λ = {fmt(v)})"
                                        for j, v in enumerate(can.eigenvalues)]], vec,
                caption=_t("Eigenvalues and eigenvectors", lang))
    note = "" if can.inside_region else (
        f'<p class="note">{esc(_t("The stationary point lies outside the studied region.", lang))}'
        "</p>")
    return head + eig + note


def _path_html(path, lang: str = "en") -> str:
    frame = path.to_frame()
    return table(list(frame.columns), frame.values.tolist(),
                 caption=_t("{response}: {kind}", lang, response=path.response,
                            kind=_t(path.kind, lang)))


def coding_table(coding: Any, lang: str = "en") -> str:
    rows = [[c["factor"], c["low"], c["high"], c["centre"], c["half_range"], c.get("unit", ""),
             c["from"]] for c in coding or []]
    if not rows:
        return ""
    return table([_t("factor", lang), _t("low", lang), _t("high", lang), _t("centre", lang),
                  _t("half-range", lang), _t("unit", lang), _t("from", lang)], rows,
                 caption=_t("Coding: coded = (actual − centre) / half-range", lang),
                 row_classes=["warn" if c["from"] == "observed min/max" else ""
                              for c in coding])


def analysis_sections(result, *, plots: bool = True, lang: str = "en") -> list[str]:
    """One section per response: statistics, equations, tables, effect plots, diagnostics,
    curvature and response-surface analyses (contour only for a live fit)."""
    out = []
    for i, fit in enumerate(result.responses):
        actual = result.actual[i] if i < len(result.actual) else None
        body = [_stats_line(fit, lang), _equations(fit, actual, lang), _coef_table(fit, lang),
                _anova_table(fit, lang), _notes(fit, lang)]
        if fit.effects is not None:
            e = fit.effects
            body.append(table([_t("term", lang), _t("effect", lang), "SS",
                               _t("% contribution", lang)],
                              list(zip(e.terms, e.effects, e.sum_of_squares,
                                       e.percent_contribution, strict=True)),
                              caption=f"{_t('Effects', lang)}; Lenth PSE = {fmt(e.pse)}, "
                                      f"ME = {fmt(e.me)}, SME = {fmt(e.sme)}"))
        if fit.response in result.curvature:
            body.append(_curvature_html(result.curvature[fit.response], lang))
        if fit.response in result.canonical:
            body.append(_canonical_html(result.canonical[fit.response], lang))
        for paths in (result.ridge, result.steepest):
            if fit.response in paths:
                body.append(_path_html(paths[fit.response], lang))
        body.append(_influence(fit, lang))
        if plots:
            figs = []
            if fit.effects is not None:
                figs.append(_half_normal_plot(fit, lang))
            figs.append(_pareto_plot(fit, lang))
            pair = _top_pair(fit)
            if pair is not None:
                centre = {f.name: f.center for f in fit.factors if f.type == "numeric"}
                figs.append(_contour_plot(fit, pair, centre, lang))
            body.append('<div class="maps">' + "".join(f for f in figs if f) + "</div>")
            if fit.df_resid > 0 and len(fit.diagnostics):
                body.append(_residual_plot(fit, lang))
                body.append(_residual_factor_plot(fit, lang))
        out.append(section(_t("Model: {response}", lang, response=fit.response),
                           "\n".join(b for b in body if b),
                           anchor=f"doe-fit-{abs(hash(fit.response)) % 10**8}"))
    return out


def _meta(result: Any, lang: str) -> str:
    parts = []
    params = getattr(result, "parameters", None) or {}
    if params:
        parts.append(table([_t("factor", lang), _t("project parameter", lang)],
                           [[k, v] for k, v in params.items()],
                           caption=_t("Factors and the project parameters they study", lang)))
    source = getattr(result, "source", None)
    if source:
        from qbdkit.core.doe.design.make import source_text

        parts.append(f'<p class="note">{esc(_t("factors from", lang))} '
                     f"{esc(source_text(source))}</p>")
    return "".join(parts)


def render_analysis(result: Any, lang: str = "en") -> str:
    """HTML fragment of a ``doe.analysis`` result (object or stored dict)."""
    res = _as("doe.analysis", result)
    head = [coding_table(res.coding, lang), _meta(res, lang)]
    head += [f'<p class="note">{esc(_t("note", lang))}: {esc(n)}</p>' for n in res.notes]
    return "\n".join([*head, *analysis_sections(res, lang=lang)])


def cpp_section(assessment, prior: dict[str, str] | None = None, lang: str = "en") -> str:
    eff = table([_t("parameter", lang), _t("response", lang), _t("kind", lang),
                 _t("effect", lang), _t("% of spec", lang), "p", _t("significant", lang),
                 _t("affects", lang)],
                [[e.parameter, e.response, e.kind, e.effect, e.percent_of_spec, e.p, e.significant,
                  e.affects] for e in assessment.effects],
                caption=_t("Effect across the studied range (others at set point) as % of the "
                           "specification; affects = significant at α = {alpha} and ≥ {relevant} "
                           "% (high risk ≥ {high} % or crossing a limit)", lang,
                           alpha=f"{assessment.alpha:g}", relevant=f"{assessment.relevant:g}",
                           high=f"{assessment.high_risk:g}"))
    params = getattr(assessment, "parameters", None) or {}
    if prior:
        cls_headers = [_t("parameter", lang), _t("prior class (risk assessment)", lang),
                       _t("class after DoE", lang), "rationale", "依据"]
        cls_rows = [[c.name, prior.get(c.name, ""), c.cls, c.rationale_en, c.rationale_zh]
                    for c in assessment.classes]
    else:
        cls_headers = [_t("parameter", lang), _t("project parameter", lang), _t("class", lang),
                       "rationale", "依据"]
        cls_rows = [[c.name, params.get(c.name, ""), c.cls, c.rationale_en, c.rationale_zh]
                    for c in assessment.classes]
    cls = table(cls_headers, cls_rows,
                caption=_t("Re-assessed parameter classes (seed 000 fig. 6 decision tree)", lang),
                row_classes=[{"CPP": "bad", "WC-CPP": "warn", "KPP": "warn"}.get(c.cls, "good")
                             for c in assessment.classes])
    notes = "".join(f'<p class="note">{esc(n)}</p>' for n in getattr(assessment, "notes", ()))
    return section(_t("CPP re-assessment", lang), eff + cls + notes, anchor="doe-cpp")


def render_reassessment(result: Any, lang: str = "en") -> str:
    return cpp_section(_as("doe.reassess", result), lang=lang)


def comparison_html(sel: Any, lang: str = "en") -> str:
    parts = []
    if sel.comparison is not None:
        rows = [[r.model, r.n_coefficients, r.r2, r.r2_adj, r.q2, r.press, r.rmse, r.aicc, r.bic,
                 r.lack_of_fit_p] for r in sel.comparison.rows]
        parts.append(table([_t("model", lang), "p", "R²", "R²adj", "Q²", "PRESS", "RMSE", "AICc",
                            "BIC", _t("lack of fit p", lang)], rows,
                           caption=_t("{response}: candidate models", lang,
                                      response=sel.response),
                           row_classes=["good" if r.model == sel.comparison.best_aicc else ""
                                        for r in sel.comparison.rows]))
    if sel.stepwise is not None:
        sw = sel.stepwise
        steps = [[s["action"], s["term"], s["p"], s["aicc"]] for s in sw.steps]
        parts.append(table([_t("step", lang), _t("term", lang), "p", "AICc"], steps,
                           caption=_t("Stepwise selection ({direction}, by {criterion})", lang,
                                      direction=sw.direction, criterion=sw.criterion)))
        parts.append(f'<p class="note">{esc(_t("selected model", lang))}: {esc(sw.formula)}</p>')
    parts += [f'<p class="note">{esc(n)}</p>' for n in sel.notes]
    return "\n".join(parts)


def render_comparison(result: Any, lang: str = "en") -> str:
    return comparison_html(_as("doe.compare", result), lang)


def analysis_page(result, assessment=None, lang: str = "en") -> str:
    """A standalone HTML report of an analysis (``qbdkit doe analyze --out``)."""
    head = [coding_table(result.coding, lang), _meta(result, lang)]
    head += [f'<p class="note">{esc(n)}</p>' for n in result.notes]
    sections = [section(_t("DoE analysis", lang), "\n".join(h for h in head if h),
                        anchor="doe-analysis"), *analysis_sections(result, lang=lang)]
    if assessment is not None:
        sections.append(cpp_section(assessment, lang=lang))
    return page(_t("DoE analysis", lang), sections, subtitle=result.file or "", lang=lang)


def reassessment_page(assessment, lang: str = "en") -> str:
    return page(_t("CPP re-assessment", lang), [cpp_section(assessment, lang=lang)], lang=lang)


def comparison_page(selection, lang: str = "en") -> str:
    return page(_t("Model comparison", lang),
                [section(_t("Model comparison", lang), comparison_html(selection, lang),
                         anchor="doe-compare")], lang=lang)


register_renderer("doe.analysis", render_analysis)
register_renderer("doe.reassess", render_reassessment)
register_renderer("doe.compare", render_comparison)


# ---------------------------------------------------------------------------------------------
# demo (contract D; the stored-record demo stage is qbdkit.demo.doe)
# ---------------------------------------------------------------------------------------------

def _prior_classes(path: Path) -> dict[str, str]:
    """Classes from the risk assessment (``risk/classify.csv``) via the risk area's core
    function."""
    if not path.exists():
        return {}
    from qbdkit.core.risk import classify_parameters
    from qbdkit.io import read_table

    return {p.name: p.cls for p in classify_parameters(read_table(path)).parameters}


