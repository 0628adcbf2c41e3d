"""Plotly figure specifications (plain JSON dicts) for the DoE pages (issue 15, "Plots").

The browser draws them with Plotly.js served by qbdkit itself (no CDN); these functions only
arrange numbers the services computed — the profiler traces
(:mod:`qbdkit.services.doe_profiler`), a response contour, and a stored design-space
record's probability grid with its PAR, box and NOR — into Plotly's documented figure schema
(``{"data": [...], "layout": {...}}``, https://plotly.com/javascript/reference/). Nothing is
computed here that a service does not already give; axis titles are translated with
:func:`qbdkit.i18n.t` (domain ``web``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from qbdkit.i18n import t
from qbdkit.services.doe_profiler import Profile

BLUE = "#1f5fa8"
PAR_COLOUR = "#0d47a1"
BAND = "rgba(31,95,168,0.18)"
RED = "#b3261e"
GREEN = "#2e7d32"
#: probability colours as the report's maps: red (0) → yellow → green (1)
P_SCALE = [[0.0, "#d73027"], [0.5, "#fee08b"], [0.8, "#a6d96a"], [1.0, "#1a9850"]]
FONT = {"family": "system-ui, 'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif", "size": 12}


def _label(name: str, unit: str | None) -> str:
    return f"{name} ({unit})" if unit and f"({unit})" not in name else name


def _axis(n: int, kind: str) -> str:
    return kind if n == 1 else f"{kind}{n}"


def profiler_figure(prof: Profile, lang: str = "en") -> dict[str, Any]:
    """One column per factor, one row per response (mean line, interval band, current setting
    as a dashed vertical line) and a last row of overall desirability when goals were given.
    Rows share the y range, as in JMP's profiler."""
    cols = len(prof.panels)
    rows = len(prof.responses) + (1 if prof.desirability is not None else 0)
    gap_x, gap_y = 0.04, 0.06
    width = (1 - gap_x * (cols - 1)) / max(cols, 1)
    height = (1 - gap_y * (rows - 1)) / max(rows, 1)
    data: list[dict[str, Any]] = []
    layout: dict[str, Any] = {"showlegend": False, "margin": {"l": 70, "r": 20, "t": 30, "b": 60},
                              "font": FONT, "hovermode": "closest", "shapes": [],
                              "annotations": [], "plot_bgcolor": "white"}
    level = f"{100 * (1 - prof.alpha):g} %"
    band_name = t("confidence interval" if prof.interval == "confidence"
                  else "prediction interval", lang, "web") + f" {level}"
    row_names = [*prof.responses, *(["D"] if prof.desirability is not None else [])]
    for r, resp in enumerate(row_names):
        lows, highs = [], []
        for c, panel in enumerate(prof.panels):
            n = r * cols + c + 1
            xa, ya = _axis(n, "x"), _axis(n, "y")
            x = panel.x
            if resp == "D":
                ys = panel.desirability or []
                data.append({"type": "scatter", "mode": "lines", "x": x, "y": ys,
                             "line": {"color": GREEN}, "xaxis": xa, "yaxis": ya,
                             "name": t("desirability", lang, "web"),
                             "hovertemplate": "%{x}<br>D = %{y:.3f}<extra></extra>"})
                lows.append(0.0)
                highs.append(1.0)
            else:
                tr = panel.responses[resp]
                if panel.type == "numeric":
                    data.append({"type": "scatter", "mode": "lines", "x": x + x[::-1],
                                 "y": tr.upper + tr.lower[::-1], "fill": "toself",
                                 "fillcolor": BAND, "line": {"width": 0}, "hoverinfo": "skip",
                                 "name": band_name, "xaxis": xa, "yaxis": ya})
                    data.append({"type": "scatter", "mode": "lines", "x": x, "y": tr.mean,
                                 "line": {"color": BLUE}, "name": resp, "xaxis": xa, "yaxis": ya,
                                 "hovertemplate": "%{x}<br>%{y:.4g}<extra></extra>"})
                else:
                    data.append({"type": "scatter", "mode": "markers", "x": x, "y": tr.mean,
                                 "error_y": {"type": "data", "symmetric": False,
                                             "array": [u - m for u, m in zip(tr.upper, tr.mean,
                                                                             strict=True)],
                                             "arrayminus": [m - lo for lo, m in zip(
                                                 tr.lower, tr.mean, strict=True)]},
                                 "marker": {"color": BLUE}, "name": resp, "xaxis": xa,
                                 "yaxis": ya})
                lows += [v for v in tr.lower if v is not None]
                highs += [v for v in tr.upper if v is not None]
            x0 = c * (width + gap_x)
            y1 = 1 - r * (height + gap_y)
            layout[_axis(n, "xaxis")] = {
                "domain": [x0, x0 + width], "anchor": ya, "showgrid": True,
                "gridcolor": "#e5e5e5", "zeroline": False,
                "title": {"text": _label(panel.factor, panel.unit)} if r == rows - 1 else None,
                "showticklabels": r == rows - 1,
                "matches": _axis(c + 1, "x") if r else None}
            layout[_axis(n, "yaxis")] = {
                "domain": [y1 - height, y1], "anchor": xa, "showgrid": True,
                "gridcolor": "#e5e5e5", "zeroline": False, "showticklabels": c == 0,
                "title": {"text": resp if resp != "D" else t("desirability", lang, "web")}
                if c == 0 else None}
            cur = panel.current
            layout["shapes"].append({"type": "line", "xref": xa, "yref": f"{ya} domain",
                                     "x0": cur, "x1": cur, "y0": 0, "y1": 1,
                                     "line": {"color": RED, "dash": "dash", "width": 1}})
        if lows and highs:
            lo, hi = min(lows), max(highs)
            pad = 0.05 * (hi - lo or 1.0)
            for c in range(cols):
                layout[_axis(r * cols + c + 1, "yaxis")]["range"] = [lo - pad, hi + pad]
    for key in list(layout):
        if key.startswith(("xaxis", "yaxis")):
            layout[key] = {k: v for k, v in layout[key].items() if v is not None}
    layout["height"] = 200 * rows + 80
    return {"data": data, "layout": layout}


def contour_figure(c: dict[str, Any], lang: str = "en") -> dict[str, Any]:
    """A filled contour of the predicted response (:func:`doe_profiler.contour`)."""
    return {"data": [{"type": "contour", "x": c["xs"], "y": c["ys"], "z": c["z"],
                      "colorscale": "Viridis", "contours": {"showlabels": True},
                      "colorbar": {"title": {"text": c["response"]}},
                      "hovertemplate": f"{c['x']} = %{{x:.4g}}<br>{c['y']} = %{{y:.4g}}<br>"
                                       f"{c['response']} = %{{z:.4g}}<extra></extra>"}],
            "layout": {"font": FONT, "margin": {"l": 70, "r": 20, "t": 40, "b": 60},
                       "title": {"text": t("Predicted", lang, "web") + " " + c["response"]},
                       "xaxis": {"title": {"text": _label(c["x"], c.get("x_unit"))}},
                       "yaxis": {"title": {"text": _label(c["y"], c.get("y_unit"))}},
                       "height": 480}}


def _slice(prob: np.ndarray, axes: list[list[float]], keep: tuple[int, int],
           setpoint: list[float]) -> np.ndarray:
    """The 2-D section of the probability grid through the set point (other factors at the
    grid value nearest their set point)."""
    index: list[Any] = []
    for i, values in enumerate(axes):
        if i in keep:
            index.append(slice(None))
        else:
            index.append(int(np.argmin(np.abs(np.asarray(values) - setpoint[i]))))
    return prob[tuple(index)]


def design_space_figure(result: dict[str, Any], lang: str = "en",
                        factors: tuple[str, str] | None = None) -> dict[str, Any]:
    """Probability map P(all CQAs in specification) over two factors of a stored
    ``doe.design_space`` result (the section through the set point), the contour P = R, the
    set point, the PAR of each factor (one factor at a time through the set point: a cross,
    as the report draws it), the largest box inside the region and the NOR box."""
    names = list(result["factors"])
    if len(names) < 2:
        raise ValueError("a design-space map needs two factors")
    fx, fy = factors or (names[0], names[1])
    ix, iy = names.index(fx), names.index(fy)
    axes = [result["axes"][f] for f in names]
    setpoint = [float(result["setpoint"][f]) for f in names]
    prob = np.asarray(result["probability"], dtype=float)
    z = _slice(prob, axes, (ix, iy), setpoint)
    if ix < iy:
        z = z.T  # rows follow y
    units = {c["factor"]: c.get("unit") or "" for c in result.get("coding") or []}
    r = float(result["min_probability"])
    data: list[dict[str, Any]] = [
        {"type": "heatmap", "x": axes[ix], "y": axes[iy], "z": z.tolist(), "zmin": 0, "zmax": 1,
         "colorscale": P_SCALE, "colorbar": {"title": {"text": "P"}},
         "hovertemplate": f"{fx} = %{{x:.4g}}<br>{fy} = %{{y:.4g}}<br>P = %{{z:.3f}}"
                          "<extra></extra>"},
        {"type": "contour", "x": axes[ix], "y": axes[iy], "z": z.tolist(), "showscale": False,
         "contours": {"start": r, "end": r, "size": 1, "coloring": "none", "showlabels": True},
         "line": {"color": "black", "width": 2}, "hoverinfo": "skip",
         "name": f"P = {r:g}"},
        {"type": "scatter", "mode": "markers", "x": [setpoint[ix]], "y": [setpoint[iy]],
         "marker": {"symbol": "x", "size": 12, "color": "black"},
         "name": t("set point", lang, "web")},
    ]
    shapes = []

    def box(ranges: dict[str, Any] | None, color: str, dash: str, label: str) -> None:
        if not ranges or ranges.get(fx) is None or ranges.get(fy) is None:
            return
        (x0, x1), (y0, y1) = ranges[fx], ranges[fy]
        shapes.append({"type": "rect", "x0": x0, "x1": x1, "y0": y0, "y1": y1,
                       "line": {"color": color, "width": 2, "dash": dash}})
        data.append({"type": "scatter", "mode": "lines", "x": [None], "y": [None],
                     "line": {"color": color, "dash": dash}, "name": label})

    par = result.get("par") or {}
    if par.get(fx) is not None:  # PAR: one factor at a time through the set point (a cross)
        data.append({"type": "scatter", "mode": "lines+markers", "x": list(par[fx]),
                     "y": [setpoint[iy]] * 2, "line": {"color": PAR_COLOUR, "width": 3},
                     "marker": {"symbol": "line-ns", "size": 12,
                                "line": {"width": 3, "color": PAR_COLOUR}},
                     "name": "PAR", "legendgroup": "par"})
    if par.get(fy) is not None:
        data.append({"type": "scatter", "mode": "lines+markers", "x": [setpoint[ix]] * 2,
                     "y": list(par[fy]), "line": {"color": PAR_COLOUR, "width": 3},
                     "marker": {"symbol": "line-ew", "size": 12,
                                "line": {"width": 3, "color": PAR_COLOUR}},
                     "name": "PAR", "legendgroup": "par", "showlegend": par.get(fx) is None})
    box(result.get("box"), "#6a1b9a", "dot", t("largest box", lang, "web"))
    box((result.get("nor") or {}).get("ranges"), "#000000", "dash", "NOR")
    return {"data": data,
            "layout": {"font": FONT, "margin": {"l": 70, "r": 20, "t": 40, "b": 60},
                       "title": {"text": t("Probability all CQAs within specification", lang,
                                           "web") + f" (R = {r:g})"},
                       "xaxis": {"title": {"text": _label(fx, units.get(fx))}},
                       "yaxis": {"title": {"text": _label(fy, units.get(fy))}},
                       "shapes": shapes, "legend": {"orientation": "h", "y": -0.2},
                       "height": 520}}
