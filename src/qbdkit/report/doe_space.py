"""HTML for the design space: probability maps, PAR/NOR table and chart, the proposal per
project parameter, desirability optimum.

:func:`design_space_sections` renders a
:class:`~qbdkit.core.doe.analysis.space.DesignSpaceResult` (used by
``qbdkit doe design-space --out``); renderers of stored records (``register_renderer``):
``doe.design_space`` and ``doe.optimize``. :func:`demo_section` (contract D) computes the
bundled demo's design space from ``project_dir/doe/results.csv`` and the specifications, set
point and control capability in ``project_dir/doe_space/space.yaml`` through the DoE service,
as the CLI does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import yaml

from qbdkit.report.html import esc, figure_svg, fmt, new_figure, page, section, table
from qbdkit.report.sections import register_renderer

#: the demo's design-space inputs (SYNTHETIC, see write_demo_inputs)
DEMO_SPACE = {
    "responses_file": "../doe/results.csv",
    "model": "quadratic",
    "specifications": [
        "Titer (g/L) >= 4.0",
        "Aggregate (%) <= 2.2",
        "2 <= Afucosylation (%) <= 13",
        "HCP (ng/mg) <= 100",
    ],
    "min_probability": 0.9,
    "setpoint": {"Temperature (°C)": 35.6, "pH": 7.0, "DO (%)": 40.0, "Feed (%)": 2.8},
    "control_sd": {"Temperature (°C)": 0.1, "pH": 0.02, "DO (%)": 2.0, "Feed (%)": 0.1},
    "nor_k": 3.0,
    "maps": [["Temperature (°C)", "pH"], ["DO (%)", "Feed (%)"]],
    "grid": 15,
    "map_grid": 41,
    "draws": 4000,
    "seed": 20240,
    "goals": [
        "Titer (g/L):max=4.0,5.2",
        "Aggregate (%):min=1.6,2.2",
        "Afucosylation (%):target=8,2,13",
        "HCP (ng/mg):min=50,100",
    ],
}


#: PAR/NOR table headers, English and Chinese (研究范围 studied range; 可接受范围 PAR; 正常操作范围 NOR)
PAR_NOR_HEADERS = ["factor 参数", "studied low 研究下限", "studied high 研究上限", "PAR low 下限",
                   "PAR high 上限", "NOR low 下限", "NOR high 上限", "set point 设定值",
                   "studied ⊃ PAR ⊃ NOR ⊃ set point"]



# ---------------------------------------------------------------------------
# pieces
# ---------------------------------------------------------------------------

def _slice_2d(res, fx: str, fy: str, grid: np.ndarray) -> np.ndarray:
    """2-D slice of a k-D grid through the set point: array indexed [iy, ix]."""
    idx: list[Any] = []
    for f in res.factors:
        if f in (fx, fy):
            idx.append(slice(None))
        else:
            ax = np.asarray(res.axes[f])
            idx.append(int(np.abs(ax - res.setpoint[f]).argmin()))
    sl = np.asarray(grid)[tuple(idx)]
    rest = [f for f in res.factors if f in (fx, fy)]
    return sl.T if rest == [fx, fy] else sl


def probability_map(res, fx: str, fy: str) -> str:
    """Filled contours of P(all specs met) over (fx, fy), others at the set point; the
    P ≥ R boundary (solid), the sweet-spot boundary (dashed), the set point, PAR and box."""
    p = _slice_2d(res, fx, fy, res.probability)
    sweet = _slice_2d(res, fx, fy, res.sweet_spot).astype(float)
    x = np.asarray(res.axes[fx])
    y = np.asarray(res.axes[fy])
    fig, ax = new_figure(5.2, 4.2)
    levels = np.linspace(0, 1, 11)
    cs = ax.contourf(x, y, p, levels=levels, cmap="RdYlGn", vmin=0, vmax=1)
    fig.colorbar(cs, ax=ax, label="P(all specifications met)")
    if p.min() < res.min_probability <= p.max():
        ax.contour(x, y, p, levels=[res.min_probability], colors="k", linewidths=1.8)
    if 0 < sweet.mean() < 1:
        ax.contour(x, y, sweet, levels=[0.5], colors="navy", linewidths=1.2, linestyles="--")
    sx, sy = res.setpoint[fx], res.setpoint[fy]
    ax.plot([sx], [sy], marker="*", color="k", markersize=12, linestyle="none")
    if res.box:
        (x0, x1), (y0, y1) = res.box[fx], res.box[fy]
        ax.add_patch(_rect(x0, y0, x1 - x0, y1 - y0))
    for f, horizontal in ((fx, True), (fy, False)):
        par = res.par.get(f)
        if par:
            if horizontal:
                ax.plot(par, [sy, sy], color="k", linewidth=3, alpha=0.6)
            else:
                ax.plot([sx, sx], par, color="k", linewidth=3, alpha=0.6)
    ax.set_xlabel(fx)
    ax.set_ylabel(fy)
    others = ", ".join(f"{f} = {fmt(res.setpoint[f])}" for f in res.setpoint if f not in (fx, fy))
    ax.set_title(f"P ≥ {res.min_probability:g} (solid), means in spec (dashed)\n{others}",
                 fontsize=8)
    return figure_svg(fig)


def _rect(x: float, y: float, w: float, h: float):
    from matplotlib.patches import Rectangle

    return Rectangle((x, y), w, h, fill=False, edgecolor="white", linewidth=1.5, linestyle=":")


def profile_chart(res) -> str:
    """P(all specifications) along each factor through the set point (the others at the set
    point), with R, the PAR (shaded) and the NOR (dark band) — a design-space profiler."""
    k = len(res.factors)
    fig, _ = new_figure(2.6 * k + 0.6, 2.6)
    fig.clf()
    axes = fig.subplots(1, k, sharey=True, squeeze=False)[0]
    nor = (res.nor or {}).get("ranges", {})
    for ax, f in zip(axes, res.factors, strict=True):
        prof = res.par_profiles[f]
        par = res.par.get(f)
        if par:
            ax.axvspan(par[0], par[1], color="#8fbf8f", alpha=0.35, lw=0)
        if f in nor:
            ax.axvspan(nor[f][0], nor[f][1], color="#2e6b2e", alpha=0.35, lw=0)
        ax.plot(prof["values"], prof["probability"], color="k", lw=1.4)
        ax.axhline(res.min_probability, color="firebrick", lw=1, ls="--")
        ax.axvline(res.setpoint[f], color="k", lw=0.8, ls=":")
        ax.set_xlabel(f)
        ax.set_ylim(-0.02, 1.02)
    axes[0].set_ylabel("P(all specifications met)")
    fig.tight_layout()
    return figure_svg(fig)


def par_nor_rows(res) -> list[list[Any]]:
    """One row per grid factor: studied, PAR, NOR, set point and the nesting check
    studied ⊃ PAR ⊃ NOR ⊃ set point (seed 000 fig. 13)."""
    rows = []
    nor = (res.nor or {}).get("ranges", {})
    for f in res.factors:
        lo, hi = res.studied[f]
        par = res.par.get(f)
        n = nor.get(f)
        sp = res.setpoint[f]
        nested = (par is not None and lo <= par[0] <= sp <= par[1] <= hi
                  and (n is None or (par[0] <= n[0] <= sp <= n[1] <= par[1])))
        rows.append([f, lo, hi, *(par or [None, None]), *(n or [None, None]), sp,
                     "yes" if nested else "NO"])
    return rows


def par_nor_chart(res) -> str:
    """Nested bars per factor on the studied range scaled 0–1: studied, PAR, NOR, set point."""
    fig, ax = new_figure(6.5, 0.6 + 0.55 * len(res.factors))
    nor = (res.nor or {}).get("ranges", {})
    for i, f in enumerate(res.factors):
        lo, hi = res.studied[f]

        def s(v: float, lo: float = lo, hi: float = hi) -> float:
            return (v - lo) / (hi - lo)

        ax.barh(i, 1.0, left=0, height=0.7, color="#dde5ee", label="studied range" if i == 0 else None)
        par = res.par.get(f)
        if par:
            ax.barh(i, s(par[1]) - s(par[0]), left=s(par[0]), height=0.5, color="#8fbf8f",
                    label="PAR" if i == 0 else None)
        n = nor.get(f)
        if n:
            ax.barh(i, s(n[1]) - s(n[0]), left=s(n[0]), height=0.3, color="#2e6b2e",
                    label="NOR" if i == 0 else None)
        ax.plot([s(res.setpoint[f])], [i], marker="|", color="k", markersize=16,
                label="set point" if i == 0 else None)
    ax.set_yticks(range(len(res.factors)), res.factors)
    ax.set_xlim(-0.02, 1.02)
    ax.set_xlabel("position in the studied range (low = 0, high = 1)")
    ax.invert_yaxis()
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.35), ncol=4, fontsize=8, frameon=False)
    return figure_svg(fig)


def summary_html(res) -> str:
    specs = "; ".join(
        (f"{lo:g} ≤ {r} ≤ {hi:g}" if lo is not None and hi is not None
         else f"{r} ≥ {lo:g}" if lo is not None else f"{r} ≤ {hi:g}")
        for r, (lo, hi) in res.specs.items())
    rows = [
        ["specifications", specs],
        ["runs / model terms / predictive t df", f"{res.n_runs} / {len(res.model_terms)} / {res.predictive_df}"],
        ["posterior predictive draws (seed)", f"{res.draws} ({res.seed})"],
        [f"grid fraction with P ≥ {res.min_probability:g}", f"{100 * res.region_fraction:.1f} %"],
        ["grid fraction where all predicted means meet specs (sweet spot)",
         f"{100 * res.sweet_spot_fraction:.1f} %"],
        ["largest Monte Carlo standard error on the grid", fmt(res.mc_standard_error, 3)],
        ["P at the set point", f"{res.setpoint_probability:.4f} ± {res.setpoint_standard_error:.4f}"],
    ]
    for r_name, (p_r, se_r) in res.setpoint_by_response.items():
        rows.append([f"P at the set point, {r_name} alone", f"{p_r:.4f} ± {se_r:.4f}"])
    if res.noise_sd:
        rows.append(["set-point noise σ", ", ".join(f"{f}: {fmt(v)}" for f, v in res.noise_sd.items())])
    if res.nor:
        rows.append([f"lowest P at the NOR corners (± {res.nor['k']:g} σ)",
                     f"{res.nor['corner_probability_min']:.4f} ± {res.nor['corner_standard_error']:.4f}"])
    return table(["", "value"], rows)


def design_space_sections(res, maps: list[tuple[str, str]] | None = None) -> str:
    """Summary, probability maps, PAR/NOR table and chart for one design-space result."""
    if maps is None:
        maps = [(res.factors[i], res.factors[i + 1]) for i in range(0, len(res.factors) - 1, 2)]
    parts = [summary_html(res)]
    parts.append('<div class="maps">' + "".join(probability_map(res, a, b) for a, b in maps) + "</div>")
    parts.append(table(PAR_NOR_HEADERS,
                       par_nor_rows(res), caption="Proven acceptable and normal operating ranges "
                                                  "(PAR: one factor at a time, others at the set point)",
                       row_classes=["good" if r[-1] == "yes" else "bad" for r in par_nor_rows(res)]))
    parts.append(par_nor_chart(res))
    parts.append(profile_chart(res))
    if res.box:
        parts.append(table(["factor", "box low", "box high"],
                           [[f, *res.box[f]] for f in res.factors],
                           caption="Largest axis-aligned box inside the region P ≥ R that contains "
                                   "the set point (grid resolution)"))
    for n in res.notes:
        parts.append(f'<p class="note">{esc(n)}</p>')
    parts.append('<p class="note">Probabilities are Monte Carlo proportions of posterior predictive '
                 "draws of the multi-response regression with a non-informative prior (Peterson "
                 "2004, 2008); each has binomial standard error √(p(1−p)/draws).</p>")
    return "\n".join(parts)


def _t(msgid: str, lang: str, **params: Any) -> str:
    from qbdkit.i18n import t

    return t(msgid, lang, domain="doe", **params)


def proposal_table(res, lang: str = "en") -> str:
    """Per parameter: the set point, NOR and PAR this design space proposes (what
    ``qbdkit project accept`` writes), beside the studied range."""
    rows = []
    for p in getattr(res, "proposal", None) or []:
        rows.append([p["factor"], p.get("parameter") or "", p.get("unit") or "",
                     *p["studied"], p["set_point"], *(p.get("nor") or [None, None]),
                     *(p.get("par") or [None, None])])
    if not rows:
        return ""
    return table([_t("factor", lang), _t("project parameter", lang), _t("unit", lang),
                  _t("studied low", lang), _t("studied high", lang), _t("set point", lang),
                  _t("NOR low", lang), _t("NOR high", lang), _t("PAR low", lang),
                  _t("PAR high", lang)], rows,
                 caption=_t("Proposal for the project (accept with `qbdkit project accept`)",
                            lang))


def render_design_space(result: Any, lang: str = "en") -> str:
    """HTML fragment of a ``doe.design_space`` result (object or stored dict)."""
    from qbdkit.core.doe.analysis.space import DesignSpaceResult
    from qbdkit.report.doe_analysis import coding_table

    res = DesignSpaceResult.from_dict(result) if isinstance(result, dict) else result
    return "\n".join(x for x in (coding_table(res.coding, lang), proposal_table(res, lang),
                                  design_space_sections(res)) if x)


def render_optimization(result: Any, lang: str = "en") -> str:
    """HTML fragment of a ``doe.optimize`` result (object or stored dict)."""
    from qbdkit.core.doe.analysis.optimize import OptimizationResult

    opt = OptimizationResult.from_dict(result) if isinstance(result, dict) else result
    notes = "".join(f'<p class="note">{esc(n)}</p>' for n in opt.notes)
    return optimization_html(opt) + notes


def design_space_page(res, title: str = "Design space") -> str:
    from qbdkit.report.doe_analysis import coding_table

    body = "\n".join(x for x in (coding_table(res.coding), proposal_table(res),
                                  design_space_sections(res)) if x)
    return page(title, [section("Probabilistic design space", body, anchor="design-space")])


def optimization_html(opt) -> str:
    rows = [[r.name, r.goal, r.predicted, r.desirability, *(r.ci or [None, None]),
             *(r.pi or [None, None])] for r in opt.responses]
    pct = f"{100 * opt.confidence:g} %"
    head = table(["factor", "setting", "studied low", "studied high"],
                 [[f, opt.setting[f], *opt.bounds[f]] for f in opt.factors],
                 caption=f"Derringer–Suich optimum: D = {fmt(opt.desirability)}")
    return head + table(["response", "goal", "predicted", "d", f"{pct} CI low", "CI high",
                         f"{pct} PI low", "PI high"], rows)


def optimization_page(opt, title: str = "Optimization") -> str:
    notes = "".join(f'<p class="note">{esc(n)}</p>' for n in opt.notes)
    return page(title, [section("Derringer–Suich desirability optimum · 多响应合意性优化",
                                optimization_html(opt) + notes, anchor="optimize")])


register_renderer("doe.design_space", render_design_space)
register_renderer("doe.optimize", render_optimization)


# ---------------------------------------------------------------------------
# demo (contract D)
# ---------------------------------------------------------------------------

def write_demo_inputs(folder: Path) -> Path:
    """Write the demo's design-space inputs (``space.yaml``, SYNTHETIC choices) into ``folder``.

    Deterministic (no random numbers): the specifications follow the A-Mab case
    study's style (aggregate, afucosylation 2–13 %, HCP) with illustrative limits,
    the set point and control capability are illustrative equipment values.
    """
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "space.yaml"
    text = ("# Design-space inputs of the demo (SYNTHETIC, illustrative; written by\n"
            "# qbdkit.report.doe_space.write_demo_inputs). See README.md.\n")
    text += yaml.safe_dump(DEMO_SPACE, allow_unicode=True, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    return path


def _demo_config(project_dir: Path) -> dict[str, Any]:
    p = project_dir / "doe_space" / "space.yaml"
    if p.exists():
        from qbdkit.io import read_text
        from qbdkit.io.yaml_safe import load_yaml

        return load_yaml(read_text(p)[0], str(p))
    return dict(DEMO_SPACE)


def demo_section(project_dir: Path, out_dir: Path) -> str:
    """The demo's design space, PAR/NOR and desirability optimum (contract D)."""
    from qbdkit.core.doe.analysis.optimize import optimize_desirability, parse_goal
    from qbdkit.core.doe.analysis.space import combine_specs, design_space, parse_spec
    from qbdkit.services.doe import multiresponse_from_file

    project_dir = Path(project_dir)
    cfg = _demo_config(project_dir)
    results = (project_dir / "doe_space" / cfg["responses_file"]).resolve()
    if not results.exists():
        results = project_dir / "doe" / "results.csv"
    parsed = [parse_spec(s) for s in cfg["specifications"]]
    names = list(dict.fromkeys(sp.response for sp in parsed))
    mr = multiresponse_from_file(results, names, cfg["model"])
    specs = combine_specs([parse_spec(s, list(mr.posterior.responses)) for s in cfg["specifications"]])
    common = dict(model_factors=mr.factors, studied=mr.studied, specs=specs,
                  setpoint=cfg["setpoint"], draws=int(cfg["draws"]),
                  min_probability=float(cfg["min_probability"]), seed=int(cfg["seed"]))
    full = design_space(mr.posterior, mr.rows, grid=int(cfg["grid"]),
                        control_sd=cfg["control_sd"], nor_k=float(cfg["nor_k"]), **common)
    maps = []
    for fx, fy in cfg["maps"]:
        two = design_space(mr.posterior, mr.rows, factors=[fx, fy], grid=int(cfg["map_grid"]),
                           par_points=51, **common)
        two = _with(two, par=full.par, box=None)
        maps.append(probability_map(two, fx, fy))
    body = [
        f'<p class="note">{esc(len(mr.posterior.responses))} responses of {esc(results.name)} '
        f"modelled jointly ({esc(cfg['model'])} model, {mr.posterior.n} runs). SYNTHETIC demo data.</p>",
        summary_html(full),
        '<div class="maps">' + "".join(maps) + "</div>",
        '<p class="note">Maps: other factors at the set point (star); thick lines are the PARs; '
        "solid contour P = R, dashed contour = edge of the mean-response sweet spot.</p>",
    ]
    rows = par_nor_rows(full)
    body.append(table(PAR_NOR_HEADERS, rows,
                      caption="PAR / NOR (seed 000 fig. 13)",
                      row_classes=["good" if r[-1] == "yes" else "bad" for r in rows]))
    body.append(par_nor_chart(full))
    body.append(profile_chart(full))
    if full.box:
        body.append(table(["factor", "box low", "box high"], [[f, *full.box[f]] for f in full.factors],
                          caption="Largest box inside P ≥ R around the set point"))
    goals = [parse_goal(g, list(mr.posterior.responses), mr.observed) for g in cfg.get("goals", [])]
    if goals:
        idx = [list(mr.posterior.responses).index(g.response) for g in goals]
        opt = optimize_desirability(lambda x: mr.predict(x)[:, idx], goals, factors=mr.factors,
                                    bounds=mr.studied, candidates=mr.design, starts=8,
                                    seed=int(cfg["seed"]), posterior=mr.posterior, rows=mr.rows)
        p_opt, se_opt = _probability_at(mr, specs, opt.setting, cfg)
        body.append(optimization_html(opt))
        body.append(f'<p class="note">P(all specifications) at the desirability optimum: '
                    f"{p_opt:.3f} ± {se_opt:.3f} (desirability uses the predicted means only; "
                    "the design space accounts for their uncertainty).</p>")
    return section("Design space, PAR and NOR · 设计空间、可接受范围与正常操作范围", "\n".join(body),
                   anchor="doe-space")


def _with(res, **changes):
    import dataclasses

    return dataclasses.replace(res, **changes)


def _probability_at(mr, specs, setting, cfg) -> tuple[float, float]:
    from qbdkit.core.doe.analysis.space import ProbabilityEngine

    eng = ProbabilityEngine(mr.posterior, mr.rows, specs, draws=int(cfg["draws"]), seed=int(cfg["seed"]))
    p, se = eng.probability(np.array([[setting[f] for f in mr.factors]]))
    return float(p[0]), float(se[0])
