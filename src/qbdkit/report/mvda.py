"""HTML sections of stored multivariate (mvda) results: PCA, PLS, OPLS and batch models.

Every renderer takes the result object of its kind (or the stored dict, rebuilt with the
kind's ``from_dict``) and draws only what the result holds — no refit — so a stored record
looks the same in the CLI's ``--out``, ``records show``, the project report and the web
pages. Registered per kind (:func:`qbdkit.report.sections.register_renderer`):

* ``mvda.pca`` → :func:`render_pca`, ``mvda.pls`` → :func:`render_pls`,
  ``mvda.opls`` → :func:`render_opls`, ``mvda.batch`` → :func:`render_batch`.

Score plots draw the Hotelling T² ellipse of the limit the plotted points are judged by
(``t2_ellipse`` of the result: the projected observations' limit when there are any, else
the training one) and label it; points can be coloured by a variable (``color_by``);
labels are moved apart so they do not overlap (adjustText, Flyamer et al.). Contribution
plots are drawn for every observation whose contributions the result keeps (by default
those outside a 95 % limit; ``--contributions ID`` for any other). Batch plots draw the
reference mean and ± k SD lines in black and each new batch in its own colour.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from qbdkit.i18n import t
from qbdkit.report.html import esc, figure_svg, fmt, new_figure, section, table

TRAIN_COLOR = "#2b6cb0"
NEW_COLOR = "#c53030"
REFERENCE_COLOR = "#222222"
#: colours of new batches / groups: none is black or grey (the reference lines)
PALETTE = ("#d62728", "#ff7f0e", "#9467bd", "#2ca02c", "#e377c2", "#8c564b", "#17becf",
           "#bcbd22", "#1f77b4", "#7f3c8d")
MAX_LABELS = 60


def _t(msgid: str, lang: str, **params: Any) -> str:
    return t(msgid, lang, "mvda", **params)


def _rebuilt(kind: str, result: Any) -> Any:
    if isinstance(result, dict):
        from qbdkit.report.sections import rebuild

        return rebuild(kind, result)
    return result


def _arr(value: Any) -> np.ndarray:
    return np.asarray([np.nan if v is None else v for v in np.asarray(value, dtype=object).ravel()],
                      dtype=float).reshape(np.shape(value)) if value is not None else np.zeros(0)


# ---- figures --------------------------------------------------------------------------------


#: candidate label positions: (dx, dy) in points from the point, and the alignment
_SPOTS = [(3, 3, "left", "bottom"), (3, -3, "left", "top"), (-3, 3, "right", "bottom"),
          (-3, -3, "right", "top"), (0, 5, "center", "bottom"), (0, -5, "center", "top"),
          (6, 0, "left", "center"), (-6, 0, "right", "center")]


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return w * h if w > 0 and h > 0 else 0.0


def place_labels(ax: Any, xs: Sequence[float], ys: Sequence[float], labels: Sequence[str], *,
                 color: str = "#333", fontsize: float = 7) -> None:
    """Point labels that do not overlap each other or the points: each label, in turn, takes
    the first of 8 spots around its point (then the same spots 3× farther, with a thin leader
    line) whose box overlaps no label placed before and no other point; failing that, the
    spot of least overlap.

    Hand-written: adjustText (iterative repulsion) took about 2 s per 20-label plot, beyond
    the time a report of many plots may take; this greedy choice measures each label once
    and is O(n²) for the at most 60 labels a plot carries.
    """
    pts = [(float(x), float(y), str(s)) for x, y, s in zip(xs, ys, labels, strict=True)
           if np.isfinite(x) and np.isfinite(y)]
    if not pts:
        return
    fig = ax.figure
    ax.get_xlim()  # settle the autoscaled limits before measuring in display units
    renderer = fig.canvas.get_renderer()
    scale = fig.dpi / 72.0
    disp = ax.transData.transform(np.array([(x, y) for x, y, _ in pts]))
    radius = 3.5 * scale
    dots = [(px - radius, py - radius, px + radius, py + radius) for px, py in disp]
    frame = ax.get_window_extent(renderer)
    placed: list[tuple[float, float, float, float]] = []
    for i, (x, y, text) in enumerate(pts):
        probe = ax.text(0, 0, text, fontsize=fontsize)
        ext = probe.get_window_extent(renderer)
        probe.remove()
        w, h = ext.width, ext.height
        px, py = disp[i]
        best: tuple[float, Any] | None = None
        for far in (1.0, 3.0):
            for dx, dy, ha, va in _SPOTS:
                ox, oy = dx * far * scale, dy * far * scale
                x0 = px + ox - (w if ha == "right" else w / 2 if ha == "center" else 0)
                y0 = py + oy - (h if va == "top" else h / 2 if va == "center" else 0)
                box = (x0, y0, x0 + w, y0 + h)
                cost = sum(_overlap(box, b) for b in placed)
                cost += sum(_overlap(box, d) for j, d in enumerate(dots) if j != i)
                cost += w * h * (box[0] < frame.x0 or box[2] > frame.x1 or box[1] < frame.y0
                                 or box[3] > frame.y1)
                if best is None or cost < best[0]:
                    best = (cost, (box, dx * far, dy * far, ha, va, far))
                if cost == 0:
                    break
            if best is not None and best[0] == 0:
                break
        assert best is not None
        box, dx, dy, ha, va, far = best[1]
        placed.append(box)
        ax.annotate(text, (x, y), xytext=(dx, dy), textcoords="offset points", ha=ha, va=va,
                    fontsize=fontsize, color=color,
                    arrowprops={"arrowstyle": "-", "color": "#999", "lw": 0.5}
                    if far > 1 else None)


def _groups(values: Sequence[Any]) -> tuple[bool, list[Any]]:
    """(numeric?, the distinct groups in order of appearance)."""
    vals = [v for v in values if v is not None]
    numeric = bool(vals) and all(isinstance(v, int | float) for v in vals)
    return numeric, list(dict.fromkeys(vals))


def _scatter(ax: Any, x: np.ndarray, y: np.ndarray, values: Sequence[Any] | None, *,
             marker: str, size: float, default: str, label: str, vmin: float | None = None,
             vmax: float | None = None, groups: list[Any] | None = None,
             edge: str | None = None, variable: str = "") -> Any:
    """Points coloured by ``values`` (numbers on viridis, text as groups) or ``default``."""
    if values is None:
        return ax.scatter(x, y, s=size, marker=marker, color=default, label=label, zorder=3,
                          edgecolors=edge)
    numeric, found = _groups(values)
    if numeric:
        c = np.array([np.nan if v is None else float(v) for v in values])
        return ax.scatter(x, y, s=size, marker=marker, c=c, cmap="viridis", vmin=vmin,
                          vmax=vmax, label=label, zorder=3, edgecolors=edge or "none")
    order = groups if groups is not None else found
    for g in found:
        idx = [i for i, v in enumerate(values) if v == g]
        ax.scatter(x[idx], y[idx], s=size, marker=marker, zorder=3, edgecolors=edge,
                   color=PALETTE[order.index(g) % len(PALETTE)],
                   label=f"{variable} = {g} ({label})")
    missing = [i for i, v in enumerate(values) if v is None]
    if missing:
        ax.scatter(x[missing], y[missing], s=size, marker=marker, color="#bbbbbb", zorder=3,
                   label=f"{variable} = — ({label})")
    return None


def score_plot_svg(scores: Any, *, ids: Sequence[str], axis_names: Sequence[str],
                   ellipse: dict[str, Any] | None = None, one_limit: tuple[float, str] | None = None,
                   new_scores: Any = None, new_ids: Sequence[str] = (),
                   color: dict[str, Any] | None = None, title: str = "", lang: str = "en",
                   components: tuple[int, int] = (1, 2)) -> str:
    """Score plot: training points, projected points (diamonds, red edge), the T² ellipse of
    the limit the points are judged by (``ellipse``: ``radii`` and ``label``), or for a
    one-component model ``one_limit = (± value, label)`` against observation number."""
    T = _arr(scores)
    T = T.reshape(len(ids), -1) if T.size else np.zeros((len(ids), 1))
    Tn = None if new_scores is None else _arr(new_scores).reshape(len(new_ids), -1)
    values = None if color is None else color.get("values")
    new_values = None if color is None else color.get("new_values")
    all_vals = [v for v in (values or []) + (new_values or []) if v is not None]
    numeric, groups = _groups(all_vals)
    vmin = min(all_vals) if numeric and all_vals else None
    vmax = max(all_vals) if numeric and all_vals else None
    var = "" if color is None else str(color.get("variable", ""))
    fig, ax = new_figure(6.4, 4.8)
    model_label = _t("model", lang)
    new_label = _t("projected", lang)
    mappable = None
    if T.shape[1] == 1:
        x = np.arange(1, len(ids) + 1, dtype=float)
        mappable = _scatter(ax, x, T[:, 0], values, marker="o", size=20, default=TRAIN_COLOR,
                            label=model_label, vmin=vmin, vmax=vmax, groups=groups, variable=var)
        xs, ys, labels = list(x), list(T[:, 0]), list(ids)
        if Tn is not None and len(Tn):
            xn = np.arange(len(ids) + 1, len(ids) + 1 + len(Tn), dtype=float)
            _scatter(ax, xn, Tn[:, 0], new_values, marker="D", size=40, default=NEW_COLOR,
                     label=new_label, vmin=vmin, vmax=vmax, groups=groups, edge=NEW_COLOR, variable=var)
            xs += list(xn)
            ys += list(Tn[:, 0])
            labels += list(new_ids)
        if one_limit is not None:
            lim, text = one_limit
            ax.axhline(lim, color="grey", ls="--", lw=1, label=text)
            ax.axhline(-lim, color="grey", ls="--", lw=1)
        ax.set_xlabel(_t("observation", lang))
        ax.set_ylabel(axis_names[0])
    else:
        a, b = components[0] - 1, components[1] - 1
        if ellipse is not None:
            th = np.linspace(0, 2 * np.pi, 200)
            ra, rb = ellipse["radii"]
            ax.plot(ra * np.cos(th), rb * np.sin(th), color=REFERENCE_COLOR, lw=1.1,
                    label=ellipse.get("label") or "Hotelling T² 95 %")
        mappable = _scatter(ax, T[:, a], T[:, b], values, marker="o", size=20,
                            default=TRAIN_COLOR, label=model_label, vmin=vmin, vmax=vmax,
                            groups=groups, variable=var)
        xs, ys, labels = list(T[:, a]), list(T[:, b]), list(ids)
        if Tn is not None and len(Tn):
            _scatter(ax, Tn[:, a], Tn[:, b], new_values, marker="D", size=42, default=NEW_COLOR,
                     label=new_label, vmin=vmin, vmax=vmax, groups=groups, edge=NEW_COLOR, variable=var)
            xs += list(Tn[:, a])
            ys += list(Tn[:, b])
            labels += list(new_ids)
        ax.axhline(0, color="#ccc", lw=0.8)
        ax.axvline(0, color="#ccc", lw=0.8)
        ax.set_xlabel(axis_names[a])
        ax.set_ylabel(axis_names[b])
    if mappable is not None:
        bar = fig.colorbar(mappable, ax=ax)
        bar.set_label(str(color["variable"]) if color else "")
    if len(labels) <= MAX_LABELS:
        place_labels(ax, xs, ys, labels)
    ax.legend(fontsize=6.5, loc="best")
    if title:
        ax.set_title(title, fontsize=10)
    return figure_svg(fig)


def loadings_plot_svg(loadings: dict[str, Sequence[float]], *, prefix: str = "p",
                      title: str = "Loadings") -> str:
    """Loadings (or weights) scatter of the first two components; bars for one component."""
    names = list(loadings)
    L = np.array([list(loadings[v]) for v in names], dtype=float)
    fig, ax = new_figure(6.0, 4.6)
    if L.shape[1] == 1:
        ax.bar(range(len(names)), L[:, 0], color=TRAIN_COLOR)
        ax.set_xticks(range(len(names)), names, rotation=90, fontsize=7)
        ax.set_ylabel(f"{prefix}1")
    else:
        ax.scatter(L[:, 0], L[:, 1], s=16, color=TRAIN_COLOR)
        place_labels(ax, list(L[:, 0]), list(L[:, 1]), names)
        ax.axhline(0, color="#ccc", lw=0.8)
        ax.axvline(0, color="#ccc", lw=0.8)
        ax.set_xlabel(f"{prefix}1")
        ax.set_ylabel(f"{prefix}2")
    ax.set_title(title)
    return figure_svg(fig)


def distance_chart_svg(stats: Sequence[tuple[str, Any, dict[str, float], Any, Any]], *,
                       lang: str = "en") -> str:
    """One panel per statistic ``(name, values, limits, new values, new limits)``: bars of T²,
    SPE or DModX with the 95 % (dashed) and 99 % (solid) limits; projected observations
    beside the training ones, each against its own limit."""
    fig, _ = new_figure(7.0, 2.4 * len(stats))
    fig.clf()
    axes = fig.subplots(len(stats), 1, squeeze=False)[:, 0]
    for ax, (name, values, limits, new_values, new_limits) in zip(axes, stats, strict=True):
        v = _arr(values)
        n = len(v)
        ax.bar(np.arange(1, n + 1), v, color=TRAIN_COLOR, width=0.8, label=_t("model", lang))
        levels = [k for k in ("0.95", "0.99") if k in limits]
        ax.hlines([limits[k] for k in levels], 0.5, n + 0.5, colors="grey",
                  linestyles=["--", "-"][: len(levels)], lw=1)
        if new_values is not None and len(_arr(new_values)):
            nv = _arr(new_values)
            xn = np.arange(n + 2, n + 2 + len(nv))
            ax.bar(xn, nv, color=NEW_COLOR, width=0.8, label=_t("projected", lang))
            nl = new_limits or limits
            lv = [k for k in ("0.95", "0.99") if k in nl]
            ax.hlines([nl[k] for k in lv], xn[0] - 0.5, xn[-1] + 0.5, colors=NEW_COLOR,
                      linestyles=["--", "-"][: len(lv)], lw=1)
            ax.legend(fontsize=7)
        ax.set_ylabel(name)
        ax.set_title(_t("{name} with 95 % (dashed) and 99 % limits", lang, name=name),
                     fontsize=9)
    axes[-1].set_xlabel(_t("observation", lang))
    fig.subplots_adjust(hspace=0.6)
    return figure_svg(fig)


def contribution_chart_svg(items: Sequence[dict[str, Any]], *, lang: str = "en") -> str:
    """Contributions of each variable to the T² (left) and SPE (right) of the observations in
    ``items`` (``{"observation", "set", "t2": {variable: c}, "spe": {…}}``): one bar per
    variable and observation, each observation in its own colour."""
    fig, _ = new_figure(8.5, 3.2)
    fig.clf()
    axes = fig.subplots(1, 2)
    names = list(items[0]["t2"])
    width = 0.8 / len(items)
    x = np.arange(len(names), dtype=float)
    for ax, stat, key in ((axes[0], "T²", "t2"), (axes[1], "SPE", "spe")):
        for i, c in enumerate(items):
            v = np.array([np.nan if c[key].get(n) is None else c[key][n] for n in names], float)
            ax.bar(x - 0.4 + width * (i + 0.5), v, width=width, color=PALETTE[i % len(PALETTE)],
                   label=f"{c['observation']} ({_t(c['set'], lang)})")
        ax.set_xticks(x, names, rotation=90, fontsize=7)
        ax.axhline(0, color="#999", lw=0.8)
        ax.set_title(_t("Contributions to {statistic}", lang, statistic=stat), fontsize=9)
    axes[0].legend(fontsize=6.5)
    return figure_svg(fig)


def bar_chart_svg(values: dict[str, float], *, ylabel: str, title: str,
                  line: float | None = None) -> str:
    """Sorted bars (VIP …) with an optional reference line."""
    names = sorted(values, key=lambda k: -(values[k] or 0))
    fig, ax = new_figure(6.5, 3.2)
    ax.bar(range(len(names)), [values[k] for k in names], color=TRAIN_COLOR)
    if line is not None:
        ax.axhline(line, color="grey", ls="--", lw=1)
    ax.set_xticks(range(len(names)), names, rotation=90, fontsize=7)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    return figure_svg(fig)


def observed_fitted_svg(observed: dict[str, Sequence[float]], fitted: dict[str, Sequence[float]],
                        lang: str = "en") -> str:
    fig, ax = new_figure(5.0, 4.2)
    lo, hi = np.inf, -np.inf
    for name in observed:
        o, f = _arr(observed[name]), _arr(fitted.get(name, []))
        if o.size and f.size == o.size:
            ax.scatter(o, f, s=16, label=name)
            lo = min(lo, np.nanmin(o), np.nanmin(f))
            hi = max(hi, np.nanmax(o), np.nanmax(f))
    if np.isfinite(lo):
        ax.plot([lo, hi], [lo, hi], color="grey", lw=1)
    ax.set_xlabel(_t("observed", lang))
    ax.set_ylabel(_t("fitted", lang))
    ax.legend(fontsize=7)
    ax.set_title(_t("Observed vs fitted", lang))
    return figure_svg(fig)


# ---- pieces of the sections -----------------------------------------------------------------


def _axis_names(r: Any, prefix: str) -> list[str]:
    r2 = _arr(r.r2x)
    return [f"t{a + 1} ({prefix}{a + 1}, R²X {100 * r2[a]:.1f} %)" for a in range(len(r2))]


def _one_limit(r: Any, lang: str) -> tuple[float, str] | None:
    if r.n_components != 1 or not r.score_var:
        return None
    judged = r.projected if r.projected is not None else r
    lim = float(judged.t2_limit["0.95"])
    who = _t("projected observations", lang) if r.projected is not None else \
        _t("model observations", lang)
    return (float(np.sqrt(lim * r.score_var[0])),
            _t("T² 95 % limit {limit} for {who}", lang, limit=fmt(lim), who=who))


def _components_table(r: Any, lang: str, *, prefix: str, with_y: bool) -> str:
    rows = []
    for a in range(r.n_components):
        row: list[Any] = [f"{prefix}{a + 1}", _arr(r.r2x)[a], _arr(r.r2x_cum)[a]]
        if with_y:
            row += [_arr(r.r2y)[a], _arr(r.r2y_cum)[a]]
        rows.append([*row, _arr(r.q2)[a], _arr(r.q2_cum)[a]])
    head = [_t("component", lang), "R²X", "R²X(cum)"] + (["R²Y", "R²Y(cum)"] if with_y else [])
    return table([*head, "Q²", "Q²(cum)"], rows,
                 caption=_t("Explained (R²) and cross-validated (Q²) variation", lang))


def _autofit(steps: Sequence[dict[str, Any]], lang: str) -> str:
    if not steps:
        return ""
    rows = [[s.get("component"), _t("kept", lang) if s.get("kept") else _t("not kept", lang),
             s.get("reason")] for s in steps]
    return table([_t("component", lang), _t("decision", lang), _t("why", lang)], rows,
                 row_classes=["good" if s.get("kept") else "" for s in steps],
                 caption=_t("Number of components by cross-validation (SIMCA autofit rules)",
                            lang))


def _model_note(r: Any, lang: str, what: str) -> str:
    from qbdkit.core.mvda._base import T2_CONVENTION_TEXT

    spe = ("Box/Nomikos–MacGregor g·χ²" if r.spe_method == "box" else "Jackson–Mudholkar")
    text = _t("{what}: {n} observations, {k} variables, {a} component(s), scaling {scale}.",
              lang, what=what, n=len(r.observations), k=len(r.variables), a=r.n_components,
              scale=r.scale)
    text += " " + T2_CONVENTION_TEXT.get(r.t2_convention, r.t2_convention) + "; "
    text += _t("SPE limit: {spe}; DModX: SIMCA normalised distance with its F limit.", lang,
               spe=spe)
    if getattr(r, "file", ""):
        text += " " + _t("Data: {file}", lang, file=r.file)
        if getattr(r, "predict_file", None):
            text += "; " + _t("projected: {file}", lang, file=r.predict_file)
        text += "."
    out = f'<p class="note">{esc(text)}</p>'
    notes = list(getattr(r, "notes", []) or [])
    if r.dropped:
        notes = [", ".join(f"{k} ({v})" for k, v in r.dropped.items()), *notes]
    if notes:
        out += '<ul class="note">' + "".join(f"<li>{esc(n)}</li>" for n in notes) + "</ul>"
    return out


def _projection_table(p: Any, lang: str) -> str:
    scores = _arr(p.scores).reshape(len(p.observations), -1)
    rows, classes = [], []
    for i, name in enumerate(p.observations):
        bad = []
        if not p.inside_ellipse[i]:
            bad.append(_t("outside T² 95 %", lang))
        if p.spe_out[i]:
            bad.append(_t("SPE > 95 %", lang))
        if p.dmodx_out[i]:
            bad.append(_t("DModX > 95 %", lang))
        pred = [] if not p.predicted else [p.predicted[y][i] for y in p.predicted]
        rows.append([name, *scores[i, :2], _arr(p.t2)[i], _arr(p.spe)[i], _arr(p.dmodx)[i],
                     *pred, "; ".join(bad) or _t("inside", lang)])
        classes.append("bad" if bad else "good")
    a_cols = [f"t{a + 1}" for a in range(min(2, scores.shape[1]))]
    pred_cols = [f"{_t('predicted', lang)} {y}" for y in (p.predicted or {})]
    how = "SIMCA A(n−1)/(n−A)·F" if p.t2_convention == "simca" else "A(n²−1)/(n(n−A))·F"
    cap = _t("Projected observations; 95 % limits: T² {t2} ({how}), SPE {spe}, DModX {dmodx}",
             lang, t2=fmt(p.t2_limit["0.95"]), how=how, spe=fmt(p.spe_limit["0.95"]),
             dmodx=fmt(p.dmodx_limit["0.95"]))
    return table([_t("observation", lang), *a_cols, "T²", "SPE", "DModX", *pred_cols,
                  _t("verdict", lang)], rows, caption=cap, row_classes=classes)


def _flagged(r: Any, lang: str) -> str:
    parts = []
    for name, vals, lim in (("Hotelling T²", r.t2, r.t2_limit), ("SPE", r.spe, r.spe_limit),
                            ("DModX", r.dmodx, r.dmodx_limit)):
        v = _arr(vals)
        out = [r.observations[i] for i in np.flatnonzero(v > lim["0.95"])]
        parts.append(_t("{statistic} above its 95 % limit ({limit}): {which}", lang,
                        statistic=name, limit=fmt(lim["0.95"]),
                        which=", ".join(out) if out else _t("none", lang)))
    return '<p class="note">' + "<br>".join(esc(p) for p in parts) + "</p>"


def _contributions(r: Any, lang: str) -> list[str]:
    items = list(getattr(r, "observation_contributions", []) or [])
    if not items and r.contributions:
        items = [r.contributions]
    out = []
    if items:
        out.append(f"<h3>{esc(_t('Contributions', lang))}</h3>")
        out.append('<p class="note">' + esc(_t(
            "Each variable's contribution to the observation's T² (scores) and SPE (squared "
            "residuals, scaled units); they add up to its T² and SPE.", lang)) + "</p>")
    if items:
        out.append(contribution_chart_svg(items, lang=lang))
    return out


def _latent_body(r: Any, lang: str, *, prefix: str, what: str, with_y: bool) -> list[str]:
    body = [_model_note(r, lang, what), _components_table(r, lang, prefix=prefix, with_y=with_y),
            _autofit(getattr(r, "autofit", []) or [], lang)]
    return body


def _scores_and_distances(r: Any, lang: str, prefix: str, title: str) -> list[str]:
    p = r.projected
    body = [score_plot_svg(
        r.scores, ids=r.observations, axis_names=_axis_names(r, prefix), ellipse=r.t2_ellipse,
        one_limit=_one_limit(r, lang), new_scores=None if p is None else p.scores,
        new_ids=[] if p is None else p.observations, color=getattr(r, "color_by", None),
        title=title, lang=lang)]
    if r.t2_ellipse:
        body.append(f'<p class="note">{esc(_t("Ellipse: ", lang) + r.t2_ellipse["label"])}</p>')
    return body


def _distances(r: Any, lang: str) -> list[str]:
    p = r.projected
    stats = [(name, getattr(r, stat), getattr(r, f"{stat}_limit"),
              None if p is None else getattr(p, stat),
              None if p is None else getattr(p, f"{stat}_limit"))
             for stat, name in (("t2", "Hotelling T²"), ("spe", "SPE"), ("dmodx", "DModX"))]
    return [distance_chart_svg(stats, lang=lang), _flagged(r, lang)]


# ---- renderers ------------------------------------------------------------------------------


def render_pca(result: Any, lang: str = "en") -> str:
    """Section of a stored ``mvda.pca`` result."""
    r = _rebuilt("mvda.pca", result)
    title = _t("Principal component analysis (PCA)", lang)
    body = _latent_body(r, lang, prefix="PC", what="PCA", with_y=False)
    body += _scores_and_distances(r, lang, "PC", _t("Score plot", lang))
    body.append(loadings_plot_svg(r.loadings, prefix="p", title=_t("Loadings", lang)))
    if r.projected is not None:
        body.append(_projection_table(r.projected, lang))
    body += _distances(r, lang)
    body += _contributions(r, lang)
    return section(title, "\n".join(b for b in body if b), anchor="mvda-pca")


def _pls_tables(r: Any, lang: str) -> list[str]:
    rm = table([_t("response", lang), "RMSECV", "R²Y(cum)", "Q²(cum)"],
               [[y, r.rmsecv.get(y), _arr(r.r2y_cum)[-1], _arr(r.q2_cum)[-1]]
                for y in r.responses])
    coef = table([_t("variable", lang), "VIP", *[f"{_t('coefficient', lang)} {y}"
                                                 for y in r.responses]],
                 [[v, r.vip.get(v), *[r.coefficients[y].get(v) for y in r.responses]]
                  for v in r.variables],
                 caption=_t("Coefficients in original units; intercepts: {intercepts}", lang,
                            intercepts=", ".join(f"{y} {fmt(r.intercept.get(y))}"
                                                 for y in r.responses)))
    return [rm, coef]


def render_pls(result: Any, lang: str = "en") -> str:
    """Section of a stored ``mvda.pls`` result."""
    r = _rebuilt("mvda.pls", result)
    body = _latent_body(r, lang, prefix="LV", what="PLS", with_y=True)
    body += _pls_tables(r, lang)
    if getattr(r, "observed", None):
        body.append(observed_fitted_svg(r.observed, r.fitted, lang))
    body.append(bar_chart_svg(r.vip, ylabel="VIP", line=1.0,
                              title=_t("Variable importance in the projection", lang)))
    body += _scores_and_distances(r, lang, "LV", _t("Score plot", lang))
    body.append(loadings_plot_svg(r.w_star, prefix="w*", title=_t("Weights w*", lang)))
    if r.projected is not None:
        body.append(_projection_table(r.projected, lang))
    body += _distances(r, lang)
    body += _contributions(r, lang)
    return section(_t("Partial least squares (PLS)", lang), "\n".join(b for b in body if b),
                   anchor="mvda-pls")


def render_opls(result: Any, lang: str = "en") -> str:
    """Section of a stored ``mvda.opls`` result: R²X/R²Y/Q² as SIMCA reports them, the
    predictive against the first orthogonal score (t vs t_o), VIP, coefficients."""
    r = _rebuilt("mvda.opls", result)
    rows = [[c["component"], c["r2x"], c.get("r2y"), c.get("q2")] for c in r.components]
    comp = table([_t("component", lang), "R²X", "R²Y", "Q²"], rows,
                 caption=_t("OPLS: predictive (P) and orthogonal (O) components; R²X(cum) "
                            "{r2x}, R²Y(cum) {r2y}, Q²(cum) {q2}", lang, r2x=fmt(r.r2x_cum),
                            r2y=fmt(r.r2y_cum), q2=fmt(r.q2_cum)))
    note = _t("OPLS (Trygg & Wold 2002): one predictive and {o} orthogonal component(s); "
              "{n} observations, {k} variables, response {y}, scaling {scale}.", lang,
              o=r.n_orthogonal, n=len(r.observations), k=len(r.variables), y=r.response,
              scale=r.scale)
    body = [f'<p class="note">{esc(note)}</p>', comp, _autofit(r.autofit, lang)]
    if r.notes:
        body.append('<ul class="note">' + "".join(f"<li>{esc(n)}</li>" for n in r.notes)
                    + "</ul>")
    ortho = _arr(r.orthogonal_scores)
    pred = _arr(r.predictive_scores)
    if ortho.size:
        scores = np.column_stack([pred, ortho.reshape(len(pred), -1)[:, 0]])
        names = [f"t[1] ({_t('predictive', lang)})", f"to[1] ({_t('orthogonal', lang)})"]
    else:
        scores = pred.reshape(-1, 1)
        names = [f"t[1] ({_t('predictive', lang)})"]
    p = r.projected
    new_scores = None
    if p is not None:
        po = _arr(p.get("orthogonal_scores"))
        pp = _arr(p.get("predictive_scores"))
        new_scores = np.column_stack([pp, po.reshape(len(pp), -1)[:, 0]]) if po.size else pp
    ellipse = r.t2_ellipse if ortho.size else None
    body.append(score_plot_svg(scores, ids=r.observations, axis_names=names, ellipse=ellipse,
                               one_limit=None, new_scores=new_scores,
                               new_ids=[] if p is None else p["observations"],
                               color=r.color_by, title=_t("Score plot", lang), lang=lang))
    if ellipse:
        body.append(f'<p class="note">{esc(_t("Ellipse: ", lang) + ellipse["label"])}</p>')
    body.append(observed_fitted_svg({r.response: r.observed}, {r.response: r.fitted}, lang))
    body.append(bar_chart_svg(r.vip, ylabel="VIP", line=1.0,
                              title=_t("Variable importance in the projection", lang)))
    body.append(table([_t("variable", lang), "VIP", _t("coefficient", lang), "p", "p_o[1]"],
                      [[v, r.vip[v], r.coefficients[v], r.predictive_loadings[v],
                        (r.orthogonal_loadings.get(v) or [None])[0]] for v in r.variables],
                      caption=_t("Coefficients in original units; intercept {b0}", lang,
                                 b0=fmt(r.intercept))))
    if p is not None:
        rows = [[name, p["predicted"][i], p["predictive_scores"][i], p["t2"][i]]
                for i, name in enumerate(p["observations"])]
        body.append(table([_t("observation", lang), f"{_t('predicted', lang)} {r.response}",
                           "t[1]", "T²"], rows, caption=_t("Projected observations", lang)))
    body += _contributions(r, lang)
    return section(_t("Orthogonal PLS (OPLS)", lang), "\n".join(b for b in body if b),
                   anchor="mvda-opls")


# ---- batch models ---------------------------------------------------------------------------


def _draw_band(ax: Any, grid: np.ndarray, mean: np.ndarray, lower: np.ndarray, upper: np.ndarray,
               k: float, lang: str) -> None:
    ax.fill_between(grid, lower, upper, color="#888888", alpha=0.12, lw=0)
    ax.plot(grid, mean, color=REFERENCE_COLOR, lw=1.5, label=_t("reference mean", lang))
    ax.plot(grid, lower, color=REFERENCE_COLOR, lw=1.0, ls="--",
            label=_t("mean ± {k} SD", lang, k=f"{k:g}"))
    ax.plot(grid, upper, color=REFERENCE_COLOR, lw=1.0, ls="--")


def trajectory_plot_svg(grid: Sequence[float], mean: Any, lower: Any, upper: Any, *,
                        train: dict[str, Any] | None = None, new: dict[str, Any] | None = None,
                        ylabel: str = "", xlabel: str = "", k: float = 3.0,
                        lang: str = "en") -> str:
    """Trajectories: reference batches in light grey, the mean and mean ± k SD in black,
    each new batch in its own colour."""
    from matplotlib.collections import LineCollection

    g = np.asarray(grid, dtype=float)
    fig, ax = new_figure(6.0, 3.4)
    if train:
        segs = [np.column_stack([g, _arr(v)]) for v in train.values()]
        ax.add_collection(LineCollection(segs, colors="#c8c8c8", linewidths=0.7,
                                         label=_t("reference batches", lang)))
    _draw_band(ax, g, _arr(mean), _arr(lower), _arr(upper), k, lang)
    for i, (name, v) in enumerate((new or {}).items()):
        ax.plot(g, _arr(v), color=PALETTE[i % len(PALETTE)], lw=1.3, label=name)
    ax.autoscale_view()
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=6, ncol=2, loc="best")
    return figure_svg(fig)


def _variables_svg(r: Any, lang: str) -> str:
    tr = r.trajectories or {}
    variables = [v for v in (tr.get("variables") or []) if v in r.evolution["variables"]]
    if not variables:
        return ""
    from matplotlib.collections import LineCollection

    g = np.asarray(r.grid, dtype=float)
    ncols = 2
    nrows = (len(variables) + ncols - 1) // ncols
    fig, _ = new_figure(9.0, 2.3 * nrows)
    fig.clf()
    axes = fig.subplots(nrows, ncols, squeeze=False)
    allv = list(tr.get("variables") or [])
    for j, v in enumerate(variables):
        ax = axes[j // ncols][j % ncols]
        col = allv.index(v)
        if tr.get("train"):
            segs = [np.column_stack([g, _arr(m)[:, col]]) for m in tr["train"].values()]
            ax.add_collection(LineCollection(segs, colors="#c8c8c8", linewidths=0.6))
        band = r.evolution["variables"][v]
        _draw_band(ax, g, _arr(band["mean"]), _arr(band["lower"]), _arr(band["upper"]),
                   r.evolution["k"], lang)
        for i, (name, m) in enumerate((tr.get("new") or {}).items()):
            ax.plot(g, _arr(m)[:, col], color=PALETTE[i % len(PALETTE)], lw=1.1, label=name)
        ax.autoscale_view()
        ax.set_ylabel(v, fontsize=8)
        ax.tick_params(labelsize=7)
        if j == 0:
            ax.legend(fontsize=6, ncol=2, loc="best")
    for j in range(len(variables), nrows * ncols):
        axes[j // ncols][j % ncols].set_visible(False)
    for ax in axes[-1]:
        ax.set_xlabel(r.maturity, fontsize=8)
    fig.tight_layout()
    return figure_svg(fig)


def render_batch(result: Any, lang: str = "en") -> str:
    """Section of a stored ``mvda.batch`` result: score trajectories with the ± k SD limits,
    the process variables per time point, the batch level model's score plot."""
    r = _rebuilt("mvda.batch", result)
    ev, lv, pj = r.evolution, r.level, r.projected
    k = ev["k"]
    figs = []
    n_a = int(ev["n_components"])
    for a in range(n_a):
        train = {b: _arr(s)[:, a] for b, s in ev["scores"].items()}
        new = None if pj is None else {b: _arr(s)[:, a]
                                       for b, s in pj["evolution"]["scores"].items()}
        figs.append(trajectory_plot_svg(
            r.grid, _arr(ev["score_mean"])[:, a], _arr(ev["score_lower"])[:, a],
            _arr(ev["score_upper"])[:, a], train=train, new=new, ylabel=f"t{a + 1}",
            xlabel=r.maturity, k=k, lang=lang))
    r2 = ", ".join(f"t{a + 1} {fmt(v, 3)}" for a, v in enumerate(ev["r2x"]))
    intro = _t("Observation-wise unfolded {method} of {b} batches × {j} {maturity} points × "
               "{v} variables (R²X {r2}). Limits: reference mean ± {k} SD of the scores at each "
               "{maturity}.", lang, method=str(ev["method"]).upper(), b=len(r.batches),
               j=len(r.grid), maturity=r.maturity, v=len(r.variables), r2=r2, k=f"{k:g}")
    body = f"<p>{esc(intro)}</p>" + "".join(figs)
    if r.input_notes or r.notes:
        body += '<ul class="note">' + "".join(
            f"<li>{esc(n)}</li>" for n in [*r.input_notes, *r.notes]) + "</ul>"
    if pj is not None:
        rows = []
        for b in pj["batches"]:
            out = [o for o in pj["evolution"]["outside"] if o["batch"] == b]
            sc = sorted({o["maturity"] for o in out if o["kind"] == "score"})
            vs = sorted({o["what"] for o in out if o["kind"] == "variable"})
            rows.append([b, ", ".join(f"{x:g}" for x in sc) or "—", ", ".join(vs) or "—"])
        body += table([_t("new batch", lang),
                       _t("{maturity} with a score outside ± {k} SD", lang,
                          maturity=r.maturity, k=f"{k:g}"),
                       _t("variables outside their band", lang)], rows,
                      row_classes=["bad" if x[1] != "—" else "good" for x in rows])
    out = [section(_t("Batch evolution model: score trajectories", lang), body,
                   anchor="mvda-batch-evolution")]
    variables = _variables_svg(r, lang)
    if variables:
        out.append(section(_t("Process variables per time point (mean ± k SD)", lang), variables,
                           anchor="mvda-batch-variables"))
    body = "<p>" + esc(_t("Batch-wise unfolded PCA: {a} components, R²X(cum) {r2}.", lang,
                          a=lv["n_components"], r2=fmt(_arr(lv["r2x_cum"])[-1], 3))) + "</p>"
    names = list(lv["scores"])
    S = np.array([_arr(lv["scores"][b]) for b in names])
    if S.ndim == 2 and S.shape[1] >= 2:
        new_ids = [] if pj is None else list(pj["level"]["scores"])
        new_scores = None if pj is None else np.array([_arr(pj["level"]["scores"][b])
                                                       for b in new_ids])
        r2x = _arr(lv["r2x"])
        axis = [f"t{a + 1} (R²X {100 * r2x[a]:.1f} %)" for a in range(len(r2x))]
        body += score_plot_svg(S, ids=names, axis_names=axis, ellipse=r.level_ellipse,
                               new_scores=new_scores, new_ids=new_ids,
                               title=_t("Batch level model scores", lang), lang=lang)
        if r.level_ellipse:
            body += f'<p class="note">{esc(_t("Ellipse: ", lang) + r.level_ellipse["label"])}</p>'
    if pj is not None:
        pl = pj["level"]
        rows = [[b, pl["t2"][i], bool(pl["inside_ellipse"][i]), pl["spe"][i],
                 bool(pl["below_spe_limit"][i])] for i, b in enumerate(pj["batches"])]
        limit = r.level_ellipse["limit"] if r.level_ellipse else None
        body += table([_t("new batch", lang), "T²", _t("inside 95 % ellipse", lang), "SPE",
                       _t("below SPE 95 % limit", lang)], rows,
                      row_classes=["good" if x[2] and x[4] else "bad" for x in rows],
                      caption=_t("T² 95 % limit {t2}, SPE 95 % limit {spe}", lang,
                                 t2=fmt(limit), spe=fmt(lv["spe_limit_new"]["0.95"])))
    out.append(section(_t("Batch level model", lang), body, anchor="mvda-batch-level"))
    return section(_t("Batch evolution and batch level models", lang), "\n".join(out),
                   anchor="mvda-batch")


def _register() -> None:
    from qbdkit.report.sections import register_renderer

    register_renderer("mvda.pca", render_pca)
    register_renderer("mvda.pls", render_pls)
    register_renderer("mvda.opls", render_opls)
    register_renderer("mvda.batch", render_batch)


_register()

__all__ = ["bar_chart_svg", "contribution_chart_svg", "distance_chart_svg", "loadings_plot_svg",
           "place_labels", "render_batch", "render_opls", "render_pca", "render_pls",
           "score_plot_svg", "trajectory_plot_svg"]
