"""HTML for DoE design generation and evaluation (issue 4), and the demo's design stage.

:func:`design_html` renders one :class:`~qbdkit.core.doe.design.Design` (settings, efficiencies,
word-length pattern and aliases, VIF and power per term, correlation map, fraction-of-design-space
curve). :func:`demo_section` (contract D) reads ``project_dir/doe/factors.yaml`` and builds the
demo's screening design (definitive screening, compared with the minimum-aberration resolution IV
fraction) and response-surface design (face-centred central composite, compared with an
I-optimal design of the same size) through :func:`qbdkit.core.doe.design.make_design`, the same
function the CLI uses; it writes the run sheets to ``out_dir``. The demo inputs are synthetic.

Abbreviations: DoE design of experiments; CPP critical process parameter; DSD definitive
screening design; CCD central composite design; VIF variance inflation factor; FDS fraction of
design space; WLP word-length pattern.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from qbdkit.core.doe.design import Design, make_design, read_factors
from qbdkit.core.doe.design.factors import FactorSpace
from qbdkit.report.html import esc, figure_svg, new_figure, section, table
from qbdkit.report.sections import register_renderer


def _short(label: str, space: FactorSpace) -> str:
    """Replace factor names by letters A, B, … in a term label (for compact plots)."""
    from qbdkit.core.doe.design.fractional import factor_letter

    out = label
    for j, f in sorted(enumerate(space.factors), key=lambda t: -len(t[1].name)):
        out = out.replace(f.name, factor_letter(j))
    return out


def _space_of(design: Design) -> FactorSpace:
    """The design's factor space (rebuilt from its factor list for a stored design)."""
    if design.space is not None:
        return design.space
    from qbdkit.core.doe.design import make_space

    return make_space([{k: v for k, v in f.items() if not (k == "levels" and not v)}
                       for f in design.factors])


def correlation_svg(design: Design, title: str) -> str:
    ev = design.evaluation
    space = _space_of(design)
    labels = [_short(c, space) for c in ev.correlation_labels]
    r = np.array([[np.nan if v is None else v for v in row] for row in ev.correlation], dtype=float)
    n = len(labels)
    size = min(7.5, 2.2 + 0.22 * n)
    fig, ax = new_figure(size, size * 0.9)
    im = ax.imshow(r, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(n))
    ax.set_yticks(range(n))
    ax.set_xticklabels(labels, rotation=90, fontsize=7)
    ax.set_yticklabels(labels, fontsize=7)
    ax.set_title(title, fontsize=9)
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04, label="|r|")
    return figure_svg(fig)


def fds_svg(designs: list[tuple[str, Design]], title: str) -> str:
    fig, ax = new_figure(5.5, 3.6)
    for name, d in designs:
        ev = d.evaluation
        if ev.fds_variance[0] is None:
            continue
        ax.plot(ev.fds_fraction, ev.fds_variance, marker="o", ms=3, label=name)
    ax.set_xlabel("fraction of design space")
    ax.set_ylabel("relative prediction variance")
    ax.set_title(title, fontsize=9)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return figure_svg(fig)


def _fmt_wlp(w: Any) -> str:
    if w is None:
        return "not a two-level design"
    return "(" + ", ".join(f"{v:g}" for v in w) + ")"


def efficiency_table(designs: list[tuple[str, Design]]) -> str:
    rows = []
    for name, d in designs:
        rows.append([name, d.n_runs, d.model, d.d_efficiency, d.a_efficiency, d.g_efficiency, d.max_vif,
                     d.resolution if d.resolution is not None else "", _fmt_wlp(d.word_length_pattern)])
    return table(["design", "runs", "model", "D-eff %", "A-eff %", "G-eff %", "max VIF", "resolution",
                  "WLP (3, 4, …)"], rows, caption="Design evaluation (JMP definitions; coded units)")


def term_table(design: Design) -> str:
    ev = design.evaluation
    rows = [[t, ev.vif.get(t), p] for t, p in ev.power.items()]
    return table(["term", "VIF", f"power (β = {ev.effect_size:g}σ, α = {ev.alpha:g})"], rows,
                 caption=f"{design.type}: variance inflation and power per term")


def runs_table(design: Design, caption: str) -> str:
    names = [f["name"] for f in design.factors]
    head = ["run", "std"] + (["block"] if design.block else []) + names
    rows = []
    for i, r in enumerate(design.runs):
        rows.append([design.run_order[i], design.std_order[i]] + ([design.block[i]] if design.block else [])
                    + [r[n] for n in names])
    return table(head, rows, caption=caption)


def alias_html(design: Design, limit: int = 12) -> str:
    if not design.alias_structure:
        return ""
    items = [(k, v) for k, v in design.alias_structure.items() if len(k) == 2][:limit]
    rows = [[k, " = ".join(v)] for k, v in items]
    return table(["2FI", "aliased with (up to 2FI)"], rows,
                 caption=f"Alias structure (generators {', '.join(design.generators)}; letters in factor order)")


def design_html(design: Design, title: str) -> str:
    """One design: notes, evaluation, per-term table, correlation map, runs."""
    parts = [f"<h3>{esc(title)}</h3>"]
    parts += [f'<p class="note">{esc(n)}</p>' for n in design.notes]
    parts.append(efficiency_table([(title, design)]))
    parts.append(term_table(design))
    parts.append(alias_html(design))
    parts.append(correlation_svg(design, f"{title}: correlation map"))
    parts.append(runs_table(design, f"{title}: runs in randomised order (actual units)"))
    return "\n".join(p for p in parts if p)


def _t(msgid: str, lang: str, **params: Any) -> str:
    from qbdkit.i18n import t

    return t(msgid, lang, domain="doe", **params)


def render_design(result: Any, lang: str = "en") -> str:
    """HTML fragment of a ``doe.design`` result (object or stored dict): where the factors
    came from, factors and responses (with limits), evaluation, terms, aliases, correlation
    map and the run sheet."""
    from qbdkit.core.doe.design.make import response_text, source_text

    design = Design.from_dict(result) if isinstance(result, dict) else result
    parts = []
    if design.source:
        parts.append(f'<p class="note">{esc(_t("factors from", lang))} '
                     f"{esc(source_text(design.source))}</p>")
    rows = [[f["name"], f["type"], f["low"], f["high"], f["unit"],
             "; ".join(map(str, f["levels"])) if f["type"] == "categorical" else "",
             design.parameters.get(f["name"], "")] for f in design.factors]
    parts.append(table([_t("factor", lang), _t("type", lang), _t("low", lang), _t("high", lang),
                        _t("unit", lang), _t("levels", lang), _t("project parameter", lang)],
                       rows, caption=_t("Factors (coded −1 at low, +1 at high)", lang)))
    if design.responses:
        parts.append(table([_t("response", lang), _t("acceptance", lang),
                            _t("quality attribute", lang), _t("kind", lang)],
                           [[r["name"], response_text(r) if (r.get("low") is not None
                                                             or r.get("high") is not None)
                             else "", r.get("attribute", ""), r.get("kind", "")]
                            for r in design.responses],
                           caption=_t("Responses of the run sheet", lang)))
    title = f"{design.type}: {design.n_runs} {_t('runs', lang)}"
    parts.append(design_html(design, title))
    return "\n".join(parts)


register_renderer("doe.design", render_design)


def _demo_config(project_dir: Path) -> tuple[FactorSpace, dict]:
    from qbdkit.io import read_text
    from qbdkit.io.yaml_safe import load_yaml

    path = Path(project_dir) / "doe" / "factors.yaml"
    space = read_factors(path)
    doc = load_yaml(read_text(path)[0], str(path))
    return space, doc


def _subspace(space: FactorSpace, names: list[str]) -> FactorSpace:
    from qbdkit.core.doe.design import make_space

    return make_space([f for f in space.factors if f.name in names], source=space.source)


def demo_section(project_dir: Path, out_dir: Path) -> str:
    """Contract D: the screening and response-surface designs of the demo's potential CPPs."""
    from qbdkit.core.doe.design.runsheet import write_run_sheet

    space, doc = _demo_config(project_dir)
    scr = doc.get("screening") or {}
    rsm = doc.get("response_surface") or {}
    responses = [str(r) for r in doc.get("responses") or []]
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)

    dsd = make_design(space, scr.get("type", "dsd"), model=scr.get("model", "linear"), seed=1)
    frac = make_design(space, "fractional", resolution=4, seed=1)
    rspace = _subspace(space, list(rsm.get("factors") or space.names))
    ccd = make_design(rspace, rsm.get("type", "ccd"), model=rsm.get("model", "quadratic"),
                      alpha=rsm.get("alpha", "face"), center=int(rsm.get("center", 4)), seed=1)
    iopt = make_design(rspace, "i-optimal", model=rsm.get("model", "quadratic"), runs=ccd.n_runs, seed=1,
                       starts=10)
    write_run_sheet(dsd, out_dir / "doe_screening_runs.xlsx", responses)
    write_run_sheet(ccd, out_dir / "doe_response_surface_runs.xlsx", responses)

    factor_rows = [[f.name, f.type, f.low, f.high, f.unit] for f in space.factors]
    intro = (
        '<p class="note">Synthetic demo (see doe/README.md). Designs generated by qbdkit.core.doe.design '
        "(the same code as <code>qbdkit doe design</code>); run sheets written to "
        "doe_screening_runs.xlsx and doe_response_surface_runs.xlsx with empty response columns.</p>")
    body = [intro, table(["factor", "type", "low", "high", "unit"], factor_rows,
                         caption="Potential CPPs of the production bioreactor")]
    frac_name = (f"2^({space.k}-{len(frac.generators)}) res "
                 f"{_roman(frac.resolution)}" if frac.generators else f"2^{space.k} full factorial")
    body.append(f"<h3>Screening: definitive screening design vs {esc(frac_name)}</h3>")
    body.append(efficiency_table([("DSD (main effects)", dsd), (f"{frac_name} (main effects)", frac)]))
    body.append(
        '<p class="note">In the DSD every main effect is orthogonal to all two-factor interactions and '
        "quadratic effects (white cells between main effects and second-order terms in the map); in a "
        "regular fraction of resolution IV or higher main effects are clear of 2FIs, which are aliased "
        "with each other (resolution IV) or with higher-order terms (resolution V).</p>")
    body.append(design_html(dsd, "Definitive screening design"))
    if frac.generators:
        body.append(f'<p class="note">{esc(frac_name)}: generators {esc(", ".join(frac.generators))}'
                    f"; word-length pattern {esc(_fmt_wlp(frac.word_length_pattern))}</p>")
    body.append(alias_html(frac))
    body.append(correlation_svg(frac, f"{frac_name}: correlation map"))
    body.append("<h3>Response surface: face-centred CCD vs I-optimal (same run count)</h3>")
    body.append(efficiency_table([("face-centred CCD", ccd), ("I-optimal", iopt)]))
    body.append(fds_svg([("face-centred CCD", ccd), ("I-optimal", iopt)],
                        "Fraction of design space (quadratic model)"))
    body.append(design_html(ccd, "Face-centred central composite design"))
    return section("DoE design: screening and response-surface designs", "\n".join(body), anchor="doe-design")


def _roman(n: Any) -> str:
    return {3: "III", 4: "IV", 5: "V", 6: "VI", 7: "VII"}.get(n, str(n))


def write_demo_inputs(folder: Path) -> Path:
    """(Re)write the demo's ``factors.yaml`` (no randomness; documented in README.md there)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    src = Path(__file__).parents[1] / "demo" / "mab" / "doe" / "factors.yaml"
    target = folder / "factors.yaml"
    if src.resolve() != target.resolve():
        target.write_text(src.read_text(encoding="utf-8"), encoding="utf-8")
    return target
