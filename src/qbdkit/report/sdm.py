"""HTML for scale-down model (sdm) qualification: univariate table, PCA score plot with
the 95 % ellipse, batch evolution trajectories with ± k SD limits, batch level model.

:func:`demo_section` is the demo's "Scale-down model qualification" stage (contract D):
it reads ``project_dir/sdm/`` (end-point results and daily trajectories of at-scale and
small-scale batches) and computes everything through the functions the CLI uses
(:func:`qbdkit.cli.sdm.compare_files`, :func:`qbdkit.cli.mvda_batch.run_batch`,
:class:`qbdkit.core.mvda.PCA`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from qbdkit.core.mvda import PCA
from qbdkit.core.mvda.batch import (
    AlignedBatches,
    BatchAnalysis,
    BatchEvolutionModel,
    BatchLevelModel,
)
from qbdkit.core.sdm import ComparabilityResult
from qbdkit.report.html import esc, figure_svg, fmt, new_figure, section, table

SMALL_COLOURS = ("#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2",
                 "#17becf", "#bcbd22", "#7f7f7f")



def comparability_table(result: ComparabilityResult, *, caption: str | None = None) -> str:
    """The univariate table: one row per attribute, PASS rows green, FAIL rows red."""
    conf = round(100 * (1 - 2 * result.alpha), 6)
    k = result.attributes[0].k if result.attributes else 3.0
    headers = ["attribute", "at-scale n", "at-scale mean", "at-scale SD", f"±{k:g} SD range",
               "small-scale n", "small-scale mean", "outside range", "difference",
               f"{conf:g} % CI", "margin", "TOST p", "equivalent", "runs for 80 % / 90 % power",
               "result"]
    rows, classes = [], []
    for a in result.attributes:
        rows.append([
            a.name, a.n_at_scale, a.at_scale_mean, a.at_scale_sd,
            f"{fmt(a.range[0])} – {fmt(a.range[1])}", a.n_small_scale, a.small_scale_mean,
            ", ".join(a.outside_range) or "—", a.diff, f"{fmt(a.ci90[0])} – {fmt(a.ci90[1])}",
            f"{fmt(a.margin)} ({a.margin_rule})", a.p_value, a.equivalent,
            f"{a.sample_size.get('0.8') or '—'} / {a.sample_size.get('0.9') or '—'}",
            "PASS" if a.passed else "FAIL",
        ])
        classes.append("good" if a.passed else "bad")
    return table(headers, rows, caption=caption, row_classes=classes)


def _ellipse(ax, s1: float, s2: float, t2_limit: float, **kw) -> None:
    th = np.linspace(0, 2 * np.pi, 200)
    r = np.sqrt(t2_limit)
    ax.plot(r * np.sqrt(s1) * np.cos(th), r * np.sqrt(s2) * np.sin(th), **kw)


def score_plot_svg(train_scores: np.ndarray, score_var: np.ndarray, t2_limit: float, *,
                   train_labels: Sequence[str] = (), new_scores: np.ndarray | None = None,
                   new_labels: Sequence[str] = (), title: str = "", width: float = 6.0,
                   height: float = 4.6) -> str:
    """t1/t2 score plot with the Hotelling T² ellipse (``t2_limit`` for A = 2 components)."""
    fig, ax = new_figure(width, height)
    ax.scatter(train_scores[:, 0], train_scores[:, 1], c="#555", s=28, label="at scale", zorder=3)
    for lab, (x, y) in zip(train_labels, train_scores[:, :2], strict=False):
        ax.annotate(lab, (x, y), fontsize=7, color="#555", xytext=(3, 3), textcoords="offset points")
    if new_scores is not None and len(new_scores):
        ax.scatter(new_scores[:, 0], new_scores[:, 1], c="#d62728", marker="^", s=40,
                   label="small scale (projected)", zorder=4)
        for lab, (x, y) in zip(new_labels, new_scores[:, :2], strict=False):
            ax.annotate(lab, (x, y), fontsize=7, color="#d62728", xytext=(3, 3),
                        textcoords="offset points")
    _ellipse(ax, score_var[0], score_var[1], t2_limit, color="#1f77b4", lw=1.2,
             label="Hotelling T² 95 %")
    ax.axhline(0, color="#bbb", lw=0.6)
    ax.axvline(0, color="#bbb", lw=0.6)
    ax.set_xlabel("t1")
    ax.set_ylabel("t2")
    if title:
        ax.set_title(title, fontsize=10)
    ax.legend(fontsize=7, loc="best")
    return figure_svg(fig)


def _model_score_plot(model: PCA, scores: np.ndarray, *, train_labels: Sequence[str],
                      new_X: pd.DataFrame | None, new_scores: np.ndarray | None,
                      new_labels: Sequence[str], title: str) -> str:
    """The mvda area's score plot (:func:`qbdkit.report.mvda.score_plot_svg`) when present,
    else :func:`score_plot_svg`; both draw the 95 % new-observation T² ellipse."""
    try:
        from qbdkit.report.mvda import score_plot_svg as mvda_score_plot
    except ImportError:  # pragma: no cover - the mvda report module is part of the package
        mvda_score_plot = None
    if mvda_score_plot is not None:
        return mvda_score_plot(model, ids=list(train_labels), new=new_X, new_ids=list(new_labels))
    return score_plot_svg(scores, model.score_var_, model.t2_limit(0.95, new=True),
                          train_labels=train_labels, new_scores=new_scores, new_labels=new_labels,
                          title=title)


def _draw_trajectories(ax, grid: np.ndarray, train: np.ndarray, mean: np.ndarray,
                       lower: np.ndarray, upper: np.ndarray, new: np.ndarray | None,
                       new_labels: Sequence[str], k: float, legend: bool) -> None:
    from matplotlib.collections import LineCollection

    ax.fill_between(grid, lower, upper, color="#1f77b4", alpha=0.12, lw=0)
    segs = [np.column_stack([grid, row]) for row in train]
    ax.add_collection(LineCollection(segs, colors="#999", linewidths=0.7, label="at scale"))
    ax.plot(grid, mean, color="#1f77b4", lw=1.5, label="at-scale mean")
    ax.plot(grid, lower, color="#1f77b4", lw=1.0, ls="--", label=f"mean ± {k:g} SD")
    ax.plot(grid, upper, color="#1f77b4", lw=1.0, ls="--")
    if new is not None:
        for i, row in enumerate(new):
            lab = new_labels[i] if i < len(new_labels) else None
            ax.plot(grid, row, color=SMALL_COLOURS[i % len(SMALL_COLOURS)], lw=1.1, label=lab)
    ax.autoscale_view()
    if legend:
        ax.legend(fontsize=6, ncol=2, loc="best")


def trajectory_plot_svg(grid: np.ndarray, train: np.ndarray, mean: np.ndarray, lower: np.ndarray,
                        upper: np.ndarray, *, new: np.ndarray | None = None,
                        new_labels: Sequence[str] = (), ylabel: str = "", xlabel: str = "",
                        k: float = 3.0, width: float = 6.0, height: float = 3.4) -> str:
    """Trajectories (rows of ``train``/``new``) with the mean and mean ± k SD band."""
    fig, ax = new_figure(width, height)
    _draw_trajectories(ax, grid, train, mean, lower, upper, new, new_labels, k, True)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    return figure_svg(fig)


def variables_plot_svg(bem: BatchEvolutionModel, train: AlignedBatches,
                       new: AlignedBatches | None, k: float) -> str:
    """One panel per process variable: at-scale trajectories, mean ± k SD, new batches."""
    nv = len(bem.variables_)
    ncols = 2
    nrows = (nv + ncols - 1) // ncols
    fig, axes = new_figure(9.0, 2.3 * nrows)
    fig.clf()
    axes = fig.subplots(nrows, ncols, squeeze=False)
    for j, v in enumerate(bem.variables_):
        ax = axes[j // ncols][j % ncols]
        _draw_trajectories(ax, bem.grid_, train.data[:, :, train.variables.index(v)],
                           bem.variable_mean_[:, j], bem.variable_lower_[:, j],
                           bem.variable_upper_[:, j],
                           None if new is None else new.data[:, :, new.variables.index(v)],
                           [] if new is None else new.batches, k, j == 0)
        ax.set_ylabel(v, fontsize=8)
        ax.tick_params(labelsize=7)
    for j in range(nv, nrows * ncols):
        axes[j // ncols][j % ncols].set_visible(False)
    for ax in axes[-1]:
        ax.set_xlabel(bem.maturity_, fontsize=8)
    fig.tight_layout()
    return figure_svg(fig)


def batch_sections(result: BatchAnalysis, bem: BatchEvolutionModel, blm: BatchLevelModel,
                   train: AlignedBatches, new: AlignedBatches | None = None,
                   *, variables: bool = True) -> list[str]:
    """Report sections of the batch models (used by ``qbdkit mvda batch --out`` and the demo)."""
    out: list[str] = []
    k = result.evolution["k"]
    proj = bem.project(new) if new is not None else None
    # evolution: score trajectories
    figs = []
    for a in range(bem.scores_.shape[2]):
        figs.append(trajectory_plot_svg(
            bem.grid_, bem.scores_[:, :, a], bem.score_mean_[:, a], bem.score_lower_[:, a],
            bem.score_upper_[:, a], new=None if proj is None else proj.scores[:, :, a],
            new_labels=[] if new is None else new.batches, ylabel=f"t{a + 1}",
            xlabel=bem.maturity_, k=k))
    r2 = ", ".join(f"t{a + 1} {fmt(v, 3)}" for a, v in enumerate(result.evolution["r2x"]))
    body = (f"<p>Observation-wise unfolded PCA of {len(train.batches)} batches × "
            f"{len(train.grid)} {esc(bem.maturity_)} points × {len(train.variables)} variables "
            f"(R²X {r2}). Limits: at-scale mean ± {k:g} SD of the scores at each "
            f"{esc(bem.maturity_)}.</p>" + "".join(figs))
    if proj is not None:
        rows = []
        for b in proj.batches:
            sc = sorted({o["maturity"] for o in proj.outside if o["batch"] == b and o["kind"] == "score"})
            vs = sorted({o["what"] for o in proj.outside if o["batch"] == b and o["kind"] == "variable"})
            rows.append([b, ", ".join(f"{t:g}" for t in sc) or "—", ", ".join(vs) or "—"])
        body += table(["projected batch", f"{bem.maturity_} with a score outside ± {k:g} SD",
                       "variables outside their band"], rows,
                      row_classes=["bad" if r[1] != "—" else "good" for r in rows])
    out.append(section("Batch evolution model: score trajectories", body, anchor="sdm-bem"))
    if variables:
        out.append(section("Process variables per time point (mean ± k SD)",
                           variables_plot_svg(bem, train, new, k), anchor="sdm-variables"))
    # level model
    lv = result.level
    body = (f"<p>Batch-wise unfolded PCA ({len(blm.columns_)} columns variable@{esc(blm.maturity_)}"
            f"; {lv['n_components']} components, R²X cum {fmt(lv['r2x_cum'][-1], 3)}).</p>")
    newp = blm.project(new) if new is not None else None
    if blm.pca_.n_components_ >= 2:
        body += _model_score_plot(
            blm.pca_, blm.scores_, train_labels=blm.batches_,
            new_X=None if new is None else blm.new_matrix(new),
            new_scores=None if newp is None else newp.scores,
            new_labels=[] if newp is None else newp.batches, title="Batch level model scores")
    if newp is not None:
        rows = [[b, newp.t2[i], newp.inside_ellipse[i], newp.spe[i], newp.below_spe_limit[i]]
                for i, b in enumerate(newp.batches)]
        body += table(["projected batch", "T²", "inside 95 % ellipse", "SPE", "below SPE 95 % limit"],
                      rows, row_classes=["good" if r[2] and r[4] else "bad" for r in rows],
                      caption=f"T² 95 % limit {fmt(newp.t2_limit['0.95'])}, "
                              f"SPE 95 % limit {fmt(newp.spe_limit['0.95'])}")
    out.append(section("Batch level model", body, anchor="sdm-blm"))
    return out


def endpoint_pca_section(at_scale: pd.DataFrame, small: pd.DataFrame, at_ids: Sequence[str],
                         small_ids: Sequence[str], *, n_components: int = 2) -> str:
    """PCA of at-scale end-point results with the small-scale runs projected (seed 000 fig. 10)."""
    cols = [c for c in at_scale.columns if c in small.columns]
    pca = PCA(n_components, scale="uv", cross_validate=False).fit(at_scale[cols])
    d = pca.diagnose(small[cols])
    svg = _model_score_plot(pca, pca.scores_, train_labels=at_ids, new_X=small[cols],
                            new_scores=d.scores, new_labels=small_ids,
                            title="PCA of at-scale end-point results, small-scale runs projected")
    rows = [[small_ids[i], d.t2[i], bool(d.inside_ellipse[i]), d.dmodx[i], not bool(d.dmodx_out[i])]
            for i in range(len(small_ids))]
    tab = table(["small-scale run", "T²", "inside 95 % ellipse", "DModX", "below DModX 95 % limit"],
                rows, row_classes=["good" if r[2] and r[4] else "bad" for r in rows],
                caption=f"T² 95 % limit {fmt(d.t2_limit['0.95'])} (new observations, F), "
                        f"DModX 95 % limit {fmt(d.dmodx_limit['0.95'])}")
    r2 = ", ".join(f"{fmt(v, 3)}" for v in pca.explained_r2x_)
    note = (f"<p>{len(at_ids)} at-scale batches, {len(cols)} variables scaled to unit variance, "
            f"{pca.n_components_} components (R²X {r2}).</p>")
    return note + svg + tab


def demo_section(project_dir: Path, out_dir: Path) -> str:
    """The demo's scale-down model qualification (contract D), from ``project_dir/sdm/``."""
    from qbdkit.cli.mvda_batch import run_batch
    from qbdkit.cli.sdm import compare_files, load_wide
    from qbdkit.report.html import section as sec

    d = Path(project_dir) / "sdm"
    at_file, small_file = d / "at_scale.csv", d / "small_scale.csv"
    result_all = compare_files(at_file, small_file)
    a, at_ids, _, _ = load_wide(at_file)
    s, small_ids, _, _ = load_wide(small_file)
    result, bem, blm, train, new = run_batch(d / "trajectories_at_scale.csv", batch="batch",
                                             time="day",
                                             project=d / "trajectories_small_scale.csv")
    # a run is set aside when ≥ 2 of its results lie outside the at-scale ± 3 SD range and
    # its score trajectory leaves the batch-evolution limits (an assignable cause to investigate)
    counts: dict[str, int] = {}
    for att in result_all.attributes:
        for r in att.outside_range:
            counts[r] = counts.get(r, 0) + 1
    first_out = result.projected["evolution"]["first_outside"] if result.projected else {}
    flagged = sorted(r for r, c in counts.items() if c >= 2 and first_out.get(r) is not None)
    parts = ["<p>At-scale: 2000 L batches; small scale: 3 L and ambr® 250 runs "
             "(synthetic data, see <code>demo/mab/sdm/README.md</code>). Univariate criteria: "
             "every small-scale result inside the at-scale mean ± 3 SD, and the two one-sided "
             "tests (Welch) of the mean difference with margin 1.5 × at-scale SD "
             "(FDA tiered approach, Tier 1). The column “runs for 80 % / 90 % power” gives the "
             "small-scale runs the TOST needs with these at-scale batches (true "
             "difference 0).</p>",
             comparability_table(result_all, caption="All small-scale runs")]
    if flagged:
        from qbdkit.core.sdm import compare_scales

        keep = [i for i, r in enumerate(small_ids) if r not in flagged]
        result_kept = compare_scales(a, s.iloc[keep].reset_index(drop=True),
                                     small_scale_ids=[small_ids[i] for i in keep])
        detail = "; ".join(f"{r}: {counts[r]} results outside ± 3 SD, scores outside the "
                           f"evolution limits from {bem.maturity_} {first_out[r]:g}"
                           for r in flagged)
        parts.append(f"<p>Set aside for investigation of an assignable cause — {esc(detail)}. "
                     "Comparison of the remaining runs:</p>")
        parts.append(comparability_table(result_kept, caption="Without the flagged run(s)"))
        n_pass = sum(x.passed for x in result_kept.attributes)
        parts.append(f"<p>{n_pass} of {len(result_kept.attributes)} attributes pass both "
                     "criteria; an attribute whose results all lie inside the range but whose "
                     "TOST is not significant needs more runs (see the power columns).</p>")
    else:
        result_kept = result_all
    out = [sec("Univariate comparability (± 3 SD, TOST)", "\n".join(parts), anchor="sdm-univariate"),
           sec("Multivariate comparability: PCA score plot",
               endpoint_pca_section(a, s, at_ids, small_ids), anchor="sdm-pca")]
    out.extend(batch_sections(result, bem, blm, train, new, variables=True))
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "sdm_comparability.json").write_text(
        json.dumps({"all_runs": result_all.to_dict(), "without_flagged": result_kept.to_dict(),
                    "flagged": flagged}, ensure_ascii=False, indent=2), encoding="utf-8")
    return section("Scale-down model qualification", "\n".join(out), anchor="sdm")
