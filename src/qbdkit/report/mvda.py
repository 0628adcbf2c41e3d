"""HTML fragments for fitted PCA/PLS models (mvda = multivariate data analysis).

Every function takes a *fitted* :class:`~qbdkit.core.mvda.PCA` or
:class:`~qbdkit.core.mvda.PLS` and renders through the same core methods the CLI
uses (``diagnose``, ``contributions_*``), so each number is computed once.

Public functions (all return HTML text):

* ``score_plot_svg(model, *, ids=None, new=None, new_ids=None, components=(1, 2),
  annotate=True, title="Score plot")`` —
  scores of the training observations, the 95 % Hotelling T² ellipse, and new
  observations (e.g. small-scale runs) as red diamonds. The ellipse is the
  two-component new-observation limit ``T²(A=2) = 2(n²−1)/(n(n−2))·F(0.95; 2, n−2)``
  with semi-axes ``sqrt(T²·s_a²)`` (SIMCA's score-plot convention); with a
  one-component model the chart is t1 against observation with ± limits.
* ``loadings_plot_svg(model, *, components=(1, 2))`` — loadings (PLS: W*) scatter.
* ``distance_chart_svg(model, *, statistic="t2"|"spe"|"dmodx", ids=None, new=None,
  new_ids=None)`` — bar chart of the statistic with its 95 % and 99 % limits;
  training and projected observations side by side (each against its own limit).
* ``contribution_chart_svg(model, X=None, index=0, *, statistic="t2"|"spe", label=None)``
  — contributions of each variable to one observation's T² or SPE.
* ``vip_chart_svg(model)`` — PLS VIP with the customary 1.0 line.
* ``component_table(model)`` — R²X/(R²Y)/Q² per component.
* ``pca_section(model, *, ids=None, new=None, new_ids=None, title="PCA", anchor="mvda-pca")``
  and ``pls_section(model, X, Y, *, ids=None, new=None, new_ids=None, title="PLS",
  anchor="mvda-pls")`` — complete ``<section>`` fragments (tables and plots).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from qbdkit.core.mvda import PLS, t2_limit_new
from qbdkit.report.html import esc, figure_svg, fmt, new_figure, section, table

TRAIN_COLOR = "#2b6cb0"
NEW_COLOR = "#c53030"


def _ids(ids: Sequence[Any] | None, n: int) -> list[str]:
    return [str(i) for i in ids] if ids is not None else [str(i + 1) for i in range(n)]


def _label(model: Any, a: int) -> str:
    kind = "LV" if isinstance(model, PLS) else "PC"
    return f"t{a + 1} ({kind}{a + 1}, R²X {100 * model.explained_r2x_[a]:.1f} %)"


def score_plot_svg(model: Any, *, ids: Sequence[Any] | None = None, new: Any = None,
                   new_ids: Sequence[Any] | None = None, components: tuple[int, int] = (1, 2),
                   annotate: bool = True, title: str = "Score plot") -> str:
    """Score plot with the 95 % T² ellipse and projected observations (see module docstring)."""
    T = model.scores_
    n = model.n_samples_
    ids_ = _ids(ids, n)
    Tn = model.transform(new) if new is not None else None
    nids = _ids(new_ids, 0 if Tn is None else Tn.shape[0])
    fig, ax = new_figure(6.0, 4.6)
    if model.n_components_ == 1:
        lim = np.sqrt(t2_limit_new(1, n, 0.95) * model.score_var_[0])
        ax.scatter(np.arange(1, n + 1), T[:, 0], s=18, color=TRAIN_COLOR, label="model")
        if Tn is not None:
            ax.scatter(np.arange(n + 1, n + 1 + len(Tn)), Tn[:, 0], s=40, marker="D",
                       color=NEW_COLOR, label="projected")
        for s in (-1, 1):
            ax.axhline(s * lim, color="grey", ls="--", lw=1)
        ax.set_xlabel("observation")
        ax.set_ylabel(_label(model, 0))
    else:
        a, b = components[0] - 1, components[1] - 1
        r2 = t2_limit_new(2, n, 0.95)
        th = np.linspace(0, 2 * np.pi, 200)
        ax.plot(np.sqrt(r2 * model.score_var_[a]) * np.cos(th),
                np.sqrt(r2 * model.score_var_[b]) * np.sin(th), color="grey", lw=1,
                label="Hotelling T² 95 %")
        ax.scatter(T[:, a], T[:, b], s=18, color=TRAIN_COLOR, label="model")
        if annotate and n <= 60:
            for i, name in enumerate(ids_):
                ax.annotate(name, (T[i, a], T[i, b]), fontsize=6, alpha=0.7,
                            xytext=(2, 2), textcoords="offset points")
        if Tn is not None:
            ax.scatter(Tn[:, a], Tn[:, b], s=40, marker="D", color=NEW_COLOR, label="projected")
            if annotate and len(Tn) <= 40:
                for i, name in enumerate(nids):
                    ax.annotate(name, (Tn[i, a], Tn[i, b]), fontsize=7, color=NEW_COLOR,
                                xytext=(3, 3), textcoords="offset points")
        ax.axhline(0, color="#ccc", lw=0.8)
        ax.axvline(0, color="#ccc", lw=0.8)
        ax.set_xlabel(_label(model, a))
        ax.set_ylabel(_label(model, b))
    ax.legend(fontsize=7, loc="best")
    ax.set_title(title)
    return figure_svg(fig)


def loadings_plot_svg(model: Any, *, components: tuple[int, int] = (1, 2)) -> str:
    """Loadings scatter (PCA: P; PLS: W*); a bar chart for one-component models."""
    L = model.w_star_ if isinstance(model, PLS) else model.loadings_
    names = model.variables_
    fig, ax = new_figure(6.0, 4.6)
    if model.n_components_ == 1:
        ax.bar(range(len(names)), L[:, 0], color=TRAIN_COLOR)
        ax.set_xticks(range(len(names)), names, rotation=90, fontsize=7)
        ax.set_ylabel("loading 1")
    else:
        a, b = components[0] - 1, components[1] - 1
        ax.scatter(L[:, a], L[:, b], s=16, color=TRAIN_COLOR)
        for j, name in enumerate(names):
            ax.annotate(name, (L[j, a], L[j, b]), fontsize=7, xytext=(2, 2),
                        textcoords="offset points")
        ax.axhline(0, color="#ccc", lw=0.8)
        ax.axvline(0, color="#ccc", lw=0.8)
        kind = "w*" if isinstance(model, PLS) else "p"
        ax.set_xlabel(f"{kind}{a + 1}")
        ax.set_ylabel(f"{kind}{b + 1}")
    ax.set_title("Loadings" if not isinstance(model, PLS) else "Weights w*")
    return figure_svg(fig)


_STAT_NAMES = {"t2": "Hotelling T²", "spe": "SPE (Q residual)", "dmodx": "DModX"}


def distance_chart_svg(model: Any, *, statistic: str = "t2", ids: Sequence[Any] | None = None,
                       new: Any = None, new_ids: Sequence[Any] | None = None) -> str:
    """Bar chart of T², SPE or DModX with 95 % (dashed) and 99 % (solid) limits."""
    d = model.diagnose()
    vals = getattr(d, statistic)
    lim = getattr(d, f"{statistic}_limit")
    n = len(vals)
    fig, ax = new_figure(7.0, 3.2)
    x = np.arange(1, n + 1)
    ax.bar(x, vals, color=TRAIN_COLOR, width=0.8, label="model")
    ax.hlines([lim["0.95"], lim["0.99"]], 0.5, n + 0.5, colors="grey", linestyles=["--", "-"],
              lw=1)
    if new is not None:
        dn = model.diagnose(new)
        nv = getattr(dn, statistic)
        nlim = getattr(dn, f"{statistic}_limit")
        xn = np.arange(n + 2, n + 2 + len(nv))
        ax.bar(xn, nv, color=NEW_COLOR, width=0.8, label="projected")
        ax.hlines([nlim["0.95"], nlim["0.99"]], xn[0] - 0.5, xn[-1] + 0.5, colors=NEW_COLOR,
                  linestyles=["--", "-"], lw=1)
        ax.legend(fontsize=7)
    ax.set_ylabel(_STAT_NAMES[statistic])
    ax.set_xlabel("observation")
    ax.set_title(f"{_STAT_NAMES[statistic]} with 95 % (dashed) and 99 % limits")
    return figure_svg(fig)


def contribution_chart_svg(model: Any, X: Any = None, index: int = 0, *, statistic: str = "t2",
                           label: str | None = None) -> str:
    """Contributions of each variable to one observation's T² or SPE (``X=None``: training)."""
    C = model.contributions_t2(X) if statistic == "t2" else model.contributions_spe(X)
    c = C[index]
    names = model.variables_
    fig, ax = new_figure(6.5, 3.2)
    ax.bar(range(len(names)), c, color=[NEW_COLOR if v > 0 else TRAIN_COLOR for v in c])
    ax.set_xticks(range(len(names)), names, rotation=90, fontsize=7)
    ax.axhline(0, color="#999", lw=0.8)
    ax.set_title(f"Contributions to {_STAT_NAMES[statistic]}" + (f" — {label}" if label else ""))
    return figure_svg(fig)


def vip_chart_svg(model: PLS) -> str:
    """VIP of a PLS model, sorted, with the customary 1.0 line."""
    order = np.argsort(-model.vip_)
    names = [model.variables_[j] for j in order]
    fig, ax = new_figure(6.5, 3.2)
    ax.bar(range(len(names)), model.vip_[order], color=TRAIN_COLOR)
    ax.axhline(1.0, color="grey", ls="--", lw=1)
    ax.set_xticks(range(len(names)), names, rotation=90, fontsize=7)
    ax.set_ylabel("VIP")
    ax.set_title("Variable importance in the projection")
    return figure_svg(fig)


def component_table(model: Any) -> str:
    """R²X (and R²Y for PLS) and Q² per component, cumulative columns included."""
    a_n = model.n_components_
    if isinstance(model, PLS):
        headers = ["component", "R²X", "R²X(cum)", "R²Y", "R²Y(cum)", "Q²", "Q²(cum)"]
        rows = [[f"LV{a + 1}", model.explained_r2x_[a], model.r2x_cum_[a], model.explained_r2y_[a],
                 model.r2y_cum_[a], model.q2_[a], model.q2_cum_[a]] for a in range(a_n)]
    else:
        headers = ["component", "R²X", "R²X(cum)", "Q²", "Q²(cum)"]
        rows = [[f"PC{a + 1}", model.explained_r2x_[a], model.r2x_cum_[a], model.q2_[a],
                 model.q2_cum_[a]] for a in range(a_n)]
    return table(headers, rows, caption="Explained (R²) and cross-validated (Q²) variation")


def _projection_table(model: Any, new: Any, new_ids: Sequence[Any] | None) -> str:
    dn = model.diagnose(new)
    nids = _ids(new_ids, dn.scores.shape[0])
    rows, classes = [], []
    for i, name in enumerate(nids):
        bad = []
        if dn.t2_out[i]:
            bad.append("outside T² 95 %")
        if dn.spe_out[i]:
            bad.append("SPE > 95 %")
        if dn.dmodx_out[i]:
            bad.append("DModX > 95 %")
        rows.append([name, *dn.scores[i, :2], dn.t2[i], dn.spe[i], dn.dmodx[i],
                     "; ".join(bad) or "inside"])
        classes.append("bad" if bad else "good")
    a_cols = [f"t{a + 1}" for a in range(min(2, dn.scores.shape[1]))]
    cap = (f"Projected observations; 95 % limits: T² {fmt(dn.t2_limit['0.95'])} (F, new "
           f"observations), SPE {fmt(dn.spe_limit['0.95'])}, DModX {fmt(dn.dmodx_limit['0.95'])}")
    return table(["observation", *a_cols, "T²", "SPE", "DModX", "verdict"], rows, caption=cap,
                 row_classes=classes)


def _flagged(model: Any, ids: list[str]) -> str:
    d = model.diagnose()
    parts = []
    for stat in ("t2", "spe", "dmodx"):
        v = getattr(d, stat)
        lim = getattr(d, f"{stat}_limit")["0.95"]
        out = [ids[i] for i in np.flatnonzero(v > lim)]
        parts.append(f"{_STAT_NAMES[stat]} &gt; 95 % limit ({esc(fmt(lim))}): "
                     + (esc(", ".join(out)) if out else "none"))
    return '<p class="note">' + "<br>".join(parts) + "</p>"


def _model_note(model: Any) -> str:
    dropped = ", ".join(f"{k} ({v})" for k, v in model.dropped_.items())
    spe = ("Box/Nomikos–MacGregor g·χ²" if model.spe_method == "box" else "Jackson–Mudholkar")
    text = (f"{model.n_samples_} observations, {len(model.variables_)} variables, "
            f"{model.n_components_} component(s), scaling {model.scale}. "
            f"T² limits: Tracy–Young–Mason beta (model observations), F (new observations); "
            f"SPE limit: {spe}; DModX: SIMCA normalised distance with its F limit; "
            f"Q²: 7-group cross-validation.")
    if dropped:
        text += f" Dropped: {dropped}."
    return f'<p class="note">{esc(text)}</p>'


def pca_section(model: Any, *, ids: Sequence[Any] | None = None, new: Any = None,
                new_ids: Sequence[Any] | None = None, title: str = "PCA",
                anchor: str = "mvda-pca") -> str:
    """Complete section for a fitted PCA (and projected new observations)."""
    ids_ = _ids(ids, model.n_samples_)
    body = [_model_note(model), component_table(model),
            score_plot_svg(model, ids=ids_, new=new, new_ids=new_ids),
            loadings_plot_svg(model)]
    if new is not None:
        body.append(_projection_table(model, new, new_ids))
    for stat in ("t2", "spe", "dmodx"):
        body.append(distance_chart_svg(model, statistic=stat, ids=ids_, new=new, new_ids=new_ids))
    body.append(_flagged(model, ids_))
    if new is not None:
        dn = model.diagnose(new)
        worst = int(np.argmax(dn.t2 / dn.t2_limit["0.95"]))
        nid = _ids(new_ids, dn.scores.shape[0])[worst]
        body.append(contribution_chart_svg(model, new, worst, statistic="t2", label=nid))
        worst = int(np.argmax(dn.spe / dn.spe_limit["0.95"]))
        nid = _ids(new_ids, dn.scores.shape[0])[worst]
        body.append(contribution_chart_svg(model, new, worst, statistic="spe", label=nid))
    return section(title, "\n".join(body), anchor=anchor)


def _observed_predicted_svg(model: PLS, X: Any, Y: Any) -> str:
    Yv = np.asarray(Y, dtype=float).reshape(model.n_samples_, -1)
    P = model.predict(X)
    fig, ax = new_figure(5.0, 4.2)
    for j, name in enumerate(model.y_variables_):
        ax.scatter(Yv[:, j], P[:, j], s=16, label=name)
    lo = np.nanmin([np.nanmin(Yv), np.nanmin(P)])
    hi = np.nanmax([np.nanmax(Yv), np.nanmax(P)])
    ax.plot([lo, hi], [lo, hi], color="grey", lw=1)
    ax.set_xlabel("observed")
    ax.set_ylabel("fitted")
    ax.legend(fontsize=7)
    ax.set_title("Observed vs fitted")
    return figure_svg(fig)


def pls_section(model: PLS, X: Any, Y: Any, *, ids: Sequence[Any] | None = None, new: Any = None,
                new_ids: Sequence[Any] | None = None, title: str = "PLS",
                anchor: str = "mvda-pls") -> str:
    """Complete section for a fitted PLS model (``X``, ``Y`` = training data)."""
    ids_ = _ids(ids, model.n_samples_)
    rm = table(["response", "RMSECV", "R²Y(cum)", "Q²(cum)"],
               [[y, model.rmsecv_[j], model.r2y_cum_[-1], model.q2_cum_[-1]]
                for j, y in enumerate(model.y_variables_)])
    coef = table(["variable", "VIP", *[f"coefficient {y}" for y in model.y_variables_]],
                 [[v, model.vip_[i], *model.coef_[i]] for i, v in enumerate(model.variables_)],
                 caption="Coefficients in original units; intercepts: "
                 + ", ".join(f"{y} {fmt(model.intercept_[j])}"
                             for j, y in enumerate(model.y_variables_)))
    body = [_model_note(model), component_table(model), rm,
            _observed_predicted_svg(model, X, Y), vip_chart_svg(model), coef,
            score_plot_svg(model, ids=ids_, new=new, new_ids=new_ids), loadings_plot_svg(model)]
    if new is not None:
        body.append(_projection_table(model, new, new_ids))
    for stat in ("t2", "spe", "dmodx"):
        body.append(distance_chart_svg(model, statistic=stat, ids=ids_, new=new, new_ids=new_ids))
    body.append(_flagged(model, ids_))
    return section(title, "\n".join(body), anchor=anchor)


__all__ = [
    "component_table",
    "contribution_chart_svg",
    "distance_chart_svg",
    "loadings_plot_svg",
    "pca_section",
    "pls_section",
    "score_plot_svg",
    "vip_chart_svg",
]
