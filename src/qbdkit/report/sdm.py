"""HTML for scale-down model (sdm) qualification: the univariate comparability table of a
stored ``sdm.compare`` result (± k SD range, TOST, sample size, verdict).

Registered renderer: ``sdm.compare`` → :func:`render_comparison`. The multivariate side
(PCA of end points with the small-scale runs projected, batch models) is rendered by
:mod:`qbdkit.report.mvda`. :func:`qbdkit.demo.sections.sdm_section` is the demo's "Scale-down model
qualification" section for the report of :mod:`qbdkit.demo.run`: it runs the use cases of
:mod:`qbdkit.services.sdm` and :mod:`qbdkit.services.mvda` on ``project_dir/sdm/`` and draws
them with the registered renderers (the stage that stores them as records is
:mod:`qbdkit.demo.sdm`).
"""

from __future__ import annotations

from typing import Any

from qbdkit.i18n import t
from qbdkit.report.html import esc, fmt, section, table

VERDICT_CLASS = {"pass": "good", "fail": "bad", "not shown": "warn"}
VERDICT_WORDS = {"pass": "PASS", "fail": "FAIL", "not shown": "NOT SHOWN"}


def _t(msgid: str, lang: str, **params: Any) -> str:
    return t(msgid, lang, "sdm", **params)


def _verdict(a: Any) -> str:
    return a.verdict or ("pass" if a.passed else "fail")


def comparability_table(result: Any, *, caption: str | None = None, lang: str = "en") -> str:
    """One row per attribute: at-scale and small-scale n, mean, range, CI, margin, TOST,
    the runs needed for 80 % / 90 % power, and the verdict (PASS, FAIL or NOT SHOWN —
    not shown for lack of power, with the runs it needs)."""
    conf = round(100 * (1 - 2 * result.alpha), 6)
    k = result.attributes[0].k if result.attributes else 3.0
    headers = [_t("attribute", lang), _t("at-scale n", lang), _t("at-scale mean", lang),
               _t("at-scale SD", lang), _t("±{k} SD range", lang, k=f"{k:g}"),
               _t("small-scale n", lang), _t("small-scale mean", lang),
               _t("outside range", lang), _t("difference", lang),
               _t("{conf} % CI", lang, conf=f"{conf:g}"), _t("margin", lang), _t("TOST p", lang),
               _t("runs for 80 % / 90 % power", lang), _t("result", lang)]
    rows, classes = [], []
    for a in result.attributes:
        v = _verdict(a)
        word = _t(VERDICT_WORDS.get(v, v), lang)
        if v == "not shown":
            need = a.sample_size.get("0.8")
            word = _t("not shown — needs ≥ {n} runs for 80 % power", lang,
                      n=need if need is not None else "> 2000")
        rows.append([
            a.name, a.n_at_scale, a.at_scale_mean, a.at_scale_sd,
            f"{fmt(a.range[0])} – {fmt(a.range[1])}", a.n_small_scale, a.small_scale_mean,
            ", ".join(a.outside_range) or "—", a.diff, f"{fmt(a.ci90[0])} – {fmt(a.ci90[1])}",
            f"{fmt(a.margin)} ({a.margin_rule})", a.p_value,
            f"{a.sample_size.get('0.8') or '> 2000'} / {a.sample_size.get('0.9') or '> 2000'}",
            word])
        classes.append(VERDICT_CLASS.get(v, ""))
    return table(headers, rows, caption=caption, row_classes=classes)


def render_comparison(result: Any, lang: str = "en") -> str:
    """Section of a stored ``sdm.compare`` result."""
    if isinstance(result, dict):
        from qbdkit.report.sections import rebuild

        result = rebuild("sdm.compare", result)
    method = _t("Welch" if result.method == "welch" else "pooled variance", lang)
    intro = _t("Criteria per attribute: every small-scale result inside the at-scale mean ± "
               "{k} SD, and the two one-sided tests ({method}, α = {alpha}) of the mean "
               "difference within the margin (default 1.5 × at-scale SD, FDA tiered approach, "
               "Tier 1). Equivalence that the TOST does not show with fewer runs than 80 % power "
               "needs is \"not shown\" — not evidence of a difference.", lang,
               k=f"{result.attributes[0].k:g}" if result.attributes else "3", method=method,
               alpha=f"{result.alpha:g}")
    parts = [f'<p class="note">{esc(intro)}</p>']
    files = getattr(result, "at_scale_file", "")
    if files:
        parts.append('<p class="note">' + esc(_t(
            "At scale: {a} ({n} batches); small scale: {s} ({m} runs).", lang, a=files,
            n=result.n_at_scale, s=result.small_scale_file,
            m=len(result.small_scale_runs))) + "</p>")
    if getattr(result, "excluded", None):
        parts.append('<p class="note">' + esc(_t("Set aside: {runs}.", lang,
                                                   runs=", ".join(result.excluded))) + "</p>")
    parts.append(comparability_table(result, lang=lang))
    counts = {v: sum(1 for a in result.attributes if _verdict(a) == v)
              for v in ("pass", "not shown", "fail")}
    parts.append("<p>" + esc(_t("{p} of {n} attributes pass; {s} not shown for lack of power; "
                                "{f} fail.", lang, p=counts["pass"], n=len(result.attributes),
                                s=counts["not shown"], f=counts["fail"])) + "</p>")
    notes = [*result.dropped, *getattr(result, "notes", [])]
    if notes:
        parts.append('<ul class="note">' + "".join(f"<li>{esc(n)}</li>" for n in notes)
                     + "</ul>")
    return section(_t("Scale-down model comparability", lang), "\n".join(parts),
                   anchor="sdm-compare")


def flagged_runs(comparison: Any, batch: Any) -> list[str]:
    """Runs to set aside for investigation: ≥ 2 results outside the ± k SD range and a
    score trajectory leaving the batch-evolution limits (an assignable cause to look for)."""
    counts: dict[str, int] = {}
    for att in comparison.attributes:
        for r in att.outside_range:
            counts[r] = counts.get(r, 0) + 1
    first = (batch.projected or {}).get("evolution", {}).get("first_outside", {}) \
        if batch is not None else {}
    return sorted(r for r, c in counts.items() if c >= 2 and first.get(r) is not None)


def _register() -> None:
    from qbdkit.report.sections import register_renderer

    register_renderer("sdm.compare", render_comparison)


_register()
