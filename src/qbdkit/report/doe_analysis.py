"""HTML for DoE analysis: coefficient and ANOVA tables, contour and residual plots, CPP re-assessment.

:func:`analysis_sections` renders an :class:`~qbdkit.core.doe.analysis.Analysis`
(used by ``qbdkit doe analyze --out``); :func:`demo_section` (contract D) analyses the
bundled demo's ``doe/results.csv`` through the same core functions as the CLI.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from qbdkit.report.html import esc, figure_svg, fmt, new_figure, page, section, table


def _coef_table(fit) -> str:
    rows = [[r["term"], r["coef"], r["se"], r["t"], r["p"], r["vif"]] for r in fit.term_rows()]
    return table(["term", "coefficient", "SE", "t", "p", "VIF"], rows,
                 caption=f"{fit.response}: coefficients ({fit.coding} units)",
                 row_classes=["good" if (r[4] is not None and r[4] < 0.05) else "" for r in rows])


def _anova_table(fit) -> str:
    return table(["source", "df", "SS", "MS", "F", "p"],
                 [[r.source, r.df, r.ss, r.ms, r.f, r.p] for r in fit.anova],
                 caption=f"{fit.response}: ANOVA (type {fit.anova_type} sums of squares)")


def _stats_line(fit) -> str:
    parts = [f"R² = {fmt(fit.r2)}", f"R²adj = {fmt(fit.r2_adj)}", f"Q² = {fmt(fit.q2)}",
             f"RMSE = {fmt(fit.rmse)}", f"residual df = {fit.df_resid}", f"n = {fit.nobs}"]
    if fit.lack_of_fit is not None:
        parts.append(f"lack of fit F = {fmt(fit.lack_of_fit.f)}, p = {fmt(fit.lack_of_fit.p)}")
    if fit.dropped_rows:
        parts.append(f"{len(fit.dropped_rows)} rows without a response dropped")
    if fit.boxcox is not None:
        b = fit.boxcox
        parts.append(f"Box–Cox λ̂ = {fmt(b.lambda_hat, 3)} [{fmt(b.lower, 3)}, {fmt(b.upper, 3)}] → {b.name}")
    return f'<p class="note">{esc("; ".join(parts))}</p><p class="note">{esc(fit.formula)}</p>'


def _residual_plot(fit) -> str:
    d = fit.diagnostics
    fig, _axes = new_figure(9.0, 3.0)
    fig.clf()
    ax1, ax2, ax3 = fig.subplots(1, 3)
    ax1.scatter(d["normal_quantile"], d["studentized"], s=12)
    ax1.set_xlabel("normal quantile")
    ax1.set_ylabel("studentized residual")
    ax1.set_title("normal probability", fontsize=9)
    ax2.scatter(d["fitted"], d["studentized"], s=12)
    ax2.axhline(0, color="grey", lw=0.8)
    ax2.set_xlabel("fitted")
    ax2.set_title("residual vs fitted", fontsize=9)
    ax3.bar(d["run"], d["cooks_d"])
    ax3.set_xlabel("run")
    ax3.set_ylabel("Cook's D")
    ax3.set_title("influence", fontsize=9)
    fig.suptitle(fit.response, fontsize=10)
    fig.tight_layout()
    return figure_svg(fig)


def _contour_plot(fit, pair: tuple, others: dict) -> str:
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
    ax.set_title(f"{fit.response} (others at centre)", fontsize=9)
    return figure_svg(fig)


def _half_normal_plot(fit) -> str:
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
    ax.set_ylabel("half-normal quantile")
    ax.legend(fontsize=7)
    ax.set_title(f"{fit.response}: half-normal plot (Lenth PSE {e.pse:.3g})", fontsize=9)
    return figure_svg(fig)


def _top_pair(fit) -> tuple | None:
    numeric = [f for f in fit.factors if f.type == "numeric"]
    if len(numeric) < 2:
        return None
    score = {}
    for f in numeric:
        fstat, _df, _p = fit.factor_test(f.name)
        score[f.name] = fstat or 0.0
    best = sorted(numeric, key=lambda f: -score[f.name])[:2]
    return best[0], best[1]


def analysis_sections(result, *, plots: bool = True) -> list[str]:
    """One section per response (tables, contour of the two strongest factors, residual plots)."""
    out = []
    for fit in result.responses:
        body = [_stats_line(fit), _coef_table(fit), _anova_table(fit)]
        if fit.effects is not None:
            e = fit.effects
            body.append(table(["term", "effect", "SS", "% contribution"],
                              list(zip(e.terms, e.effects, e.sum_of_squares, e.percent_contribution,
                                       strict=True)),
                              caption=f"Effects; Lenth PSE = {fmt(e.pse)}, ME = {fmt(e.me)}, SME = {fmt(e.sme)}"))
        if plots and fit.effects is not None:
            body.append(_half_normal_plot(fit))
        if plots:
            pair = _top_pair(fit)
            if pair is not None:
                centre = {f.name: f.center for f in fit.factors if f.type == "numeric"}
                body.append(_contour_plot(fit, pair, centre))
            if fit.df_resid > 0:
                body.append(_residual_plot(fit))
        out.append(section(f"Model: {fit.response}", "\n".join(body),
                           anchor=f"doe-fit-{abs(hash(fit.response)) % 10**8}"))
    return out


def cpp_section(assessment, prior: dict[str, str] | None = None) -> str:
    eff = table(["parameter", "response", "kind", "effect", "% of spec", "p", "significant", "affects"],
                [[e.parameter, e.response, e.kind, e.effect, e.percent_of_spec, e.p, e.significant,
                  e.affects] for e in assessment.effects],
                caption=(f"Effect across the studied range (others at set point) as % of the specification; "
                         f"affects = significant at α = {assessment.alpha:g} and ≥ {assessment.relevant:g} % "
                         f"(high risk ≥ {assessment.high_risk:g} % or crossing a limit)"))
    if prior:
        cls_headers = ["parameter", "prior class (risk assessment)", "class after DoE", "rationale",
                       "依据"]
        cls_rows = [[c.name, prior.get(c.name, ""), c.cls, c.rationale_en, c.rationale_zh]
                    for c in assessment.classes]
    else:
        cls_headers = ["parameter", "class", "rationale", "依据"]
        cls_rows = [[c.name, c.cls, c.rationale_en, c.rationale_zh] for c in assessment.classes]
    cls = table(cls_headers, cls_rows,
                caption="Re-assessed parameter classes (seed 000 fig. 6 decision tree)",
                row_classes=[{"CPP": "bad", "WC-CPP": "warn", "KPP": "warn"}.get(c.cls, "good")
                             for c in assessment.classes])
    return section("CPP re-assessment", eff + cls, anchor="doe-cpp")


def _prior_classes(path: Path) -> dict[str, str]:
    """Classes from the risk assessment (``risk/classify.csv``) via the risk area's core function."""
    if not path.exists():
        return {}
    from qbdkit.core.risk import classify_parameters
    from qbdkit.io import read_table

    return {p.name: p.cls for p in classify_parameters(read_table(path)).parameters}


def analysis_page(result, assessment=None) -> str:
    """A standalone HTML report of an analysis (``qbdkit doe analyze --out``)."""
    sections = analysis_sections(result)
    if assessment is not None:
        sections.append(cpp_section(assessment))
    return page("DoE analysis", sections, subtitle=result.file or "")


def demo_section(project_dir: Path, out_dir: Path) -> str:
    """Contract D: analyse ``project_dir/doe/results.csv`` (quadratic, coded, hierarchical
    reduction at 0.05), re-assess the parameter classes against the demo specifications."""
    from qbdkit.core.doe.analysis import Specification, analyze_file, predict, reassess_parameters
    from qbdkit.demo.synth_doe import DEMO_SETPOINT, DEMO_SPECS

    path = Path(project_dir) / "doe" / "results.csv"
    responses = list(DEMO_SPECS)
    result = analyze_file(path, responses, "quadratic", reduce=True, alpha=0.05)
    specs = [Specification(name, lo, hi, kind) for name, (lo, hi, kind) in DEMO_SPECS.items()]
    assessment = reassess_parameters(result.responses, specs, setpoint=DEMO_SETPOINT,
                                     factors=result.factors)
    prior = _prior_classes(Path(project_dir) / "risk" / "classify.csv")
    intro = (
        '<p class="note">Face-centred central composite design, 28 runs (synthetic data, see '
        "doe/RESULTS.md); full quadratic models in coded units reduced by hierarchical backward "
        "elimination at α = 0.05; type III ANOVA; extended-precision least squares. The parameter "
        "classes of the risk assessment are re-assessed with the fitted models.</p>")
    spec_rows = [[n, lo, hi, kind] for n, (lo, hi, kind) in DEMO_SPECS.items()]
    body = [intro, table(["response", "lower", "upper", "kind"], spec_rows, caption="Specifications")]
    summary = table(
        ["response", "terms", "R²", "R²adj", "Q²", "RMSE", "lack of fit p"],
        [[f.response, len(f.terms), f.r2, f.r2_adj, f.q2, f.rmse,
          None if f.lack_of_fit is None else f.lack_of_fit.p] for f in result.responses],
        caption="Model summary")
    body.append(summary)
    pred = predict(result.responses, dict(DEMO_SETPOINT))
    body.append(table(
        ["response", "mean", "95 % CI low", "CI high", "95 % PI low", "PI high"],
        [[r["response"], r["mean"], r["ci_lower"], r["ci_upper"], r["pi_lower"], r["pi_upper"]]
         for r in pred.rows],
        caption="Prediction at the set point " + ", ".join(f"{k} = {v:g}" for k, v in DEMO_SETPOINT.items())))
    inner = "\n".join(body + analysis_sections(result) + [cpp_section(assessment, prior)])
    return section("DoE analysis and CPP re-assessment", inner, anchor="doe-analysis")
