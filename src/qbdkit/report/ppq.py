"""HTML sections for specifications and PPQ results, in English or Chinese.

:func:`render` takes any of the results of :mod:`qbdkit.services.ppq` (tolerance
interval or factor, batch random-effect interval, specification proposal, PPQ protocol,
PPQ evaluation, viral clearance) and returns an HTML fragment; the project report and the
web pages embed it. Fixed texts come from the ``spec`` and ``ppq`` catalogues.
"""

from __future__ import annotations

from typing import Any

from qbdkit.core.ppq import ClearanceResult, PPQEvaluation, PPQProtocol
from qbdkit.core.ppq.messages import render_all
from qbdkit.core.spec import SpecProposal
from qbdkit.core.stats.tolerance import RandomEffectsInterval, ToleranceFactor, ToleranceInterval
from qbdkit.i18n import t
from qbdkit.report.html import esc, figure_svg, fmt, new_figure, table
from qbdkit.report.sections import register_renderer

__all__ = ["clearance_section", "evaluation_section", "protocol_section", "render",
           "spec_proposal_section", "tolerance_section"]


def _s(text: str, lang: str) -> str:
    return t(text, lang, "spec")


def _p(text: str, lang: str) -> str:
    return t(text, lang, "ppq")


def _ul(items: list[str]) -> str:
    return "<ul>" + "".join(f"<li>{esc(i)}</li>" for i in items) + "</ul>"


def _yes(value: bool, lang: str) -> str:
    return _p("yes" if value else "no", lang)


def _built_from(items: list[str], lang: str) -> str:
    """Where a result's tables came from (project, records), as a note."""
    if not items:
        return ""
    return f'<p class="note">{esc(_p("Built from", lang))}: {esc("; ".join(items))}</p>'


def tolerance_section(result: ToleranceInterval | RandomEffectsInterval | ToleranceFactor,
                      lang: str = "en") -> str:
    """A tolerance interval (or the factor alone) as a two-column table."""
    s = lambda x: _s(x, lang)  # noqa: E731
    if isinstance(result, ToleranceFactor):
        rows = [[s("sample size n"), result.n], [s("degrees of freedom"), result.df],
                [s("coverage"), result.coverage], [s("confidence"), result.confidence],
                [s("sides"), result.sides], [s("method"), s(result.method)],
                [s("factor k"), result.k]]
        return table([s("quantity"), s("value")], rows)
    rows = [[s("method"), s(result.method)], [s("sides"), result.sides],
            [s("coverage"), result.coverage], [s("confidence"), result.confidence],
            [s("values"), result.n], [s("mean"), result.mean], [s("standard deviation"),
                                                                 result.sd]]
    if isinstance(result, RandomEffectsInterval):
        rows += [[s("batches"), result.n_batches],
                 [s("between-batch variance"), result.var_between],
                 [s("within-batch variance"), result.var_within],
                 [s("effective sample size"), result.n_effective]]
    if result.k is not None:
        rows.append([s("factor k"), result.k])
    if isinstance(result, ToleranceInterval) and result.ranks is not None:
        rows += [[s("order statistics"), ", ".join(map(str, result.ranks))],
                 [s("achieved confidence"), result.achieved_confidence],
                 [s("values needed"), result.n_required]]
    rows += [[s("lower limit"), result.lower], [s("upper limit"), result.upper]]
    return table([s("quantity"), s("value")], rows)


def _spec_figure(result: SpecProposal, lang: str) -> str:
    fig, ax = new_figure(6.5, 0.6 + 0.5 * len(result.sources))
    for y, src in enumerate(result.sources):
        lo, hi = src["lower"], src["upper"]
        xs = [v for v in (lo, hi) if v is not None]
        if not xs:
            continue
        left = lo if lo is not None else min(xs)
        right = hi if hi is not None else max(xs)
        ax.plot([left, right], [y, y], lw=6, solid_capstyle="butt", alpha=0.7)
        for v in xs:
            ax.plot([v], [y], "k|", ms=14)
    for v in (result.proposed_lower, result.proposed_upper):
        if v is not None:
            ax.axvline(v, color="#d62728", ls="--", lw=1)
    ax.set_yticks(range(len(result.sources)))
    ax.set_yticklabels([_s(src["source"], lang) for src in result.sources])
    ax.set_xlabel(f"{result.attribute} {result.unit}".strip())
    ax.invert_yaxis()
    return figure_svg(fig)


def spec_proposal_section(result: SpecProposal, lang: str = "en") -> str:
    """Sources side by side, the proposal, a picture of the ranges and the rationale."""
    s = lambda x: _s(x, lang)  # noqa: E731
    rows = [[s(r["source"]), r["lower"], r["upper"], r["n"], r["note"]] for r in result.sources]
    rows.append([s("proposed acceptance criterion"), result.proposed_lower,
                 result.proposed_upper, None, result.criterion])
    parts = [f"<h3>{esc(result.attribute)}</h3>",
             table([s("source"), s("lower limit"), s("upper limit"), s("values"), s("note")],
                   rows, row_classes=[""] * len(result.sources) + ["good"]),
             _spec_figure(result, lang),
             f"<h4>{esc(s('Rationale'))}</h4>",
             _ul(render_all(result.rationale, lang, "spec")),
             _built_from(result.built_from, lang)]
    return "\n".join(p for p in parts if p)


def protocol_section(result: PPQProtocol, lang: str = "en") -> str:
    """Number of batches with rationale, acceptance criteria, sampling plan, studies."""
    p = lambda x: _p(x, lang)  # noqa: E731
    acc = table([p("unit operation"), p("item"), p("kind"), p("acceptance criterion"),
                 p("basis")],
                [[a["unit_operation"], a["item"], a["kind"], a["criterion"], p(a["basis"])]
                 for a in result.acceptance])
    smp = table([p("unit operation"), p("item"), p("sample point"), p("samples per batch"),
                 p("total samples"), p("test")],
                [[r["unit_operation"], r["item"], p(r["sample_point"]), r["samples_per_batch"],
                  r["total_samples"], r["test"]] for r in result.sampling])
    std = table([p("study"), p("content"), p("source"), p("owner"), p("status"), p("due")],
                [[p(r["study"]), p(r["content"]), r["source"], r["owner"], p(r["status"]),
                  r["due"]] for r in result.studies])
    cov = table([p("batches"), p("expected coverage of future batches")],
                [[r["n"], f"{100 * r['expected_coverage']:.1f} %"]
                 for r in result.batch_rationale.coverage_table])
    parts = [f"<h3>{esc(p('Number of batches'))}: {result.n_batches}</h3>",
             _ul(result.batch_rationale.rationale_text(lang)), cov,
             f"<h3>{esc(p('Acceptance criteria'))}</h3>", acc,
             f"<h3>{esc(p('Sampling plan'))}</h3>", smp,
             f"<h3>{esc(p('Supporting studies'))}</h3>", std]
    if result.warnings:
        parts.append(_ul(result.warnings))
    parts.append(_built_from(result.built_from, lang))
    return "\n".join(p for p in parts if p)


def evaluation_section(result: PPQEvaluation, lang: str = "en") -> str:
    """Conclusion, item table (variability, Ppk), batch × item checks, CPV limits."""
    p = lambda x: _p(x, lang)  # noqa: E731

    def ci(i: dict[str, Any]) -> str:
        return "" if i["ppk"] is None else f"{fmt(i['ppk_lower'], 3)} – {fmt(i['ppk_upper'], 3)}"

    items = table(
        [p("item"), p("acceptance criterion"), p("batches passed"), p("mean"), p("SD total"),
         p("SD between batches"), p("SD within batches"), "Ppk",
         f"Ppk {100 * result.confidence:g} % CI", p("result")],
        [[i["item"], i["criterion"], f"{i['batches_passed']}/{i['n_batches']}", i["mean"],
          i["sd_total"], i["sd_between"], i["sd_within"], i["ppk"], ci(i), p(i["result"])]
         for i in result.items],
        row_classes=["good" if i["passed"] else "bad" for i in result.items])
    checks = table([p("batch"), p("item"), p("values"), p("mean"), p("minimum"), p("maximum"),
                    p("outside criterion"), p("result")],
                   [[c["batch"], c["item"], c["n"], c["mean"], c["min"], c["max"],
                     c["n_outside"], p("meets" if c["passed"] else "does not meet")]
                    for c in result.checks],
                   row_classes=["good" if c["passed"] else "bad" for c in result.checks])
    cpv = table([p("item"), p("centre"), "σ", "LCL", "UCL", p("batches"), p("preliminary")],
                [[c["item"], c["centre"], c["sigma"], c["lcl"], c["ucl"], c["n_batches"],
                  _yes(c["preliminary"], lang)] for c in result.cpv_limits])
    head = p("PPQ passed") if result.passed else p("PPQ not passed")
    return "\n".join([f"<h3>{esc(head)}</h3>", _ul(result.conclusion_text(lang)),
                      f"<h3>{esc(p('Conclusion table'))}</h3>", items,
                      f"<h3>{esc(p('Batch results'))}</h3>", checks,
                      f"<h3>{esc(p('Initial CPV limits'))}</h3>", cpv,
                      _built_from(result.built_from, lang)])


def clearance_section(result: ClearanceResult, lang: str = "en") -> str:
    """Step LRVs, cumulative LRV per virus, safety margin."""
    p = lambda x: _p(x, lang)  # noqa: E731

    def lrv(value: float, bound: bool) -> str:
        return ("≥ " if bound else "") + f"{value:.2f}"

    def reason(text: str) -> str:
        if text.startswith("same mechanism as "):
            return p("same mechanism as {step}").format(step=text[len("same mechanism as "):])
        return p(text)

    steps = table([p("virus"), p("step"), p("mechanism"), p("runs"), "LRV", p("counted")],
                  [[s["virus"], s["step"], s["mechanism"], s["runs"],
                    lrv(s["lrv"], s["lower_bound"]), reason(s["reason"])] for s in result.steps],
                  row_classes=["good" if s["counted"] else "" for s in result.steps])
    cum = table([p("virus"), p("cumulative LRV"), p("steps counted")],
                [[v["virus"], lrv(v["cumulative_lrv"], v["lower_bound"]),
                  ", ".join(v["counted_steps"])] for v in result.viruses])
    parts = [steps, cum]
    sm = result.safety
    if sm is not None:
        parts.append(table(
            [p("quantity"), p("value")],
            [[p("virus"), sm.virus], [p("particles per mL of unprocessed bulk"),
                                      sm.particles_per_ml],
             [p("harvest volume per dose (mL)"), sm.volume_per_dose_ml],
             [p("log10 particles per dose before clearance"),
              sm.log10_particles_per_dose_before],
             [p("cumulative LRV"), sm.cumulative_lrv],
             [p("log10 particles per dose after clearance"), sm.log10_particles_per_dose],
             [p("target (log10 particles per dose)"), sm.target_log10],
             [p("safety margin (log10)"), sm.margin_log10],
             [p("meets target"), _yes(sm.meets_target, lang)]],
            row_classes=[""] * 8 + ["good" if sm.meets_target else "bad"]))
    if result.notes:
        parts.append(_ul(result.notes))
    return "\n".join(parts)


def render(result: Any, lang: str = "en") -> str:
    """The HTML fragment of any spec/PPQ result."""
    if isinstance(result, ToleranceInterval | RandomEffectsInterval | ToleranceFactor):
        return tolerance_section(result, lang)
    if isinstance(result, SpecProposal):
        return spec_proposal_section(result, lang)
    if isinstance(result, PPQProtocol):
        return protocol_section(result, lang)
    if isinstance(result, PPQEvaluation):
        return evaluation_section(result, lang)
    if isinstance(result, ClearanceResult):
        return clearance_section(result, lang)
    raise TypeError(f"no PPQ/spec section for {type(result).__name__}")


def _by_kind(rebuild: Any) -> Any:
    """A renderer for one record kind: rebuilds a stored dict with ``rebuild`` first."""

    def fn(result: Any, lang: str = "en") -> str:
        return render(rebuild(result) if isinstance(result, dict) else result, lang)

    return fn


def _register() -> None:
    from qbdkit.services.ppq import ToleranceResult

    for kind, cls in (("spec.tolerance", ToleranceResult), ("spec.proposal", SpecProposal),
                      ("ppq.protocol", PPQProtocol), ("ppq.evaluation", PPQEvaluation),
                      ("ppq.clearance", ClearanceResult)):
        register_renderer(kind, _by_kind(cls.from_dict))


_register()
