"""The demo's former report sections (risk, scale-down, DoE analysis) computed straight from
the bundled project folder.

The demo itself now stores records through its stage modules and reports them with
``qbdkit report``; these sections stay as a quick look at the bundled inputs (their tests pin
the demo's story). They live here, in the demo package, because they read the demo's own
folder: the report layer never imports the demo.
"""

from __future__ import annotations

from pathlib import Path

from qbdkit.report.html import esc, section, table


def risk_section(project_dir: Path, out_dir: Path, lang: str = "en") -> str:
    """The demo's risk-assessment section from ``project_dir/risk/`` through the use cases of
    :mod:`qbdkit.services.risk`; also writes the ranked FMEA worksheet to
    ``out_dir/risk_fmea_ranked.xlsx``."""
    from qbdkit.demo.risk import assess_folder
    from qbdkit.report.risk import (
        _t,
        render_ce,
        render_classify,
        render_cqa,
        render_fmea,
        render_study,
        write_ranked,
    )

    results = assess_folder(Path(project_dir) / "risk")
    parts: list[str] = ['<p class="note">' + esc(_t(
        "Synthetic demo data (see src/qbdkit/demo/mab/risk/README.md). Scales: A-Mab tool 1 "
        "(CQA), AIAG-VDA 2019 action priority (FMEA), C&E 0/1/3/9 with Pareto 80 %.", lang))
        + "</p>"]
    for name, fn in (("cqa", render_cqa), ("fmea", render_fmea), ("ce", render_ce),
                     ("study", render_study), ("classify", render_classify)):
        if name in results:
            parts.append(fn(results[name], lang))
    if "fmea" in results:
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        write_ranked(results["fmea"], out_dir / "risk_fmea_ranked.xlsx")
    return section(_t("Risk assessment", lang), "\n".join(parts), anchor="risk")



def sdm_section(project_dir: Path, out_dir: Path, lang: str = "en") -> str:
    """The demo's scale-down model qualification from ``project_dir/sdm/`` (see the module
    docstring), through the same use cases as ``qbdkit sdm compare`` / ``qbdkit mvda``."""
    import json

    from qbdkit.demo.sdm import requests
    from qbdkit.report.mvda import render_batch, render_pca
    from qbdkit.report.sdm import _t, flagged_runs, render_comparison
    from qbdkit.services.mvda import batch, pca
    from qbdkit.services.sdm import compare

    reqs = requests(Path(project_dir))
    all_runs = compare(reqs["all"])
    batches = batch(reqs["batch"])
    flagged = flagged_runs(all_runs, batches)
    kept = compare(reqs["all"].model_copy(update={"exclude": flagged})) if flagged else all_runs
    parts = [render_comparison(all_runs, lang)]
    if flagged:
        parts.append('<p>' + esc(_t("Set aside for investigation of an assignable cause: {runs} "
                                    "(≥ 2 results outside ± 3 SD and scores outside the "
                                    "batch-evolution limits). Comparison of the remaining "
                                    "runs:", lang, runs=", ".join(flagged))) + "</p>")
        parts.append(render_comparison(kept, lang))
    parts.append(render_pca(pca(reqs["pca"]), lang))
    parts.append(render_batch(batches, lang))
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "sdm_comparability.json").write_text(
        json.dumps({"all_runs": all_runs.to_dict(), "without_flagged": kept.to_dict(),
                    "flagged": flagged}, ensure_ascii=False, indent=2), encoding="utf-8")
    return section(_t("Scale-down model qualification", lang), "\n".join(parts), anchor="sdm")



def doe_analysis_section(project_dir: Path, out_dir: Path) -> str:
    """Contract D: analyse ``project_dir/doe/results.csv`` (quadratic, coded, hierarchical
    reduction at 0.05), re-assess the parameter classes against the demo specifications."""
    from qbdkit.core.doe.analysis import Specification, predict, reassess_parameters
    from qbdkit.demo.synth_doe import DEMO_SETPOINT, DEMO_SPECS
    from qbdkit.report.doe_analysis import (
        _prior_classes,
        analysis_sections,
        coding_table,
        cpp_section,
    )
    from qbdkit.services.doe import AnalysisRequest, analysis, sidecar_for

    path = Path(project_dir) / "doe" / "results.csv"
    responses = list(DEMO_SPECS)
    result = analysis(AnalysisRequest(file=path, factors_file=sidecar_for(path),
                                      responses=responses, model="quadratic", reduce=True,
                                      alpha=0.05))
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
    body = [intro, table(["response", "lower", "upper", "kind"], spec_rows,
                         caption="Specifications"), coding_table(result.coding)]
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
        caption="Prediction at the set point " + ", ".join(f"{k} = {v:g}"
                                                           for k, v in DEMO_SETPOINT.items())))
    inner = "\n".join(body + analysis_sections(result) + [cpp_section(assessment, prior)])
    return section("DoE analysis and CPP re-assessment", inner, anchor="doe-analysis")
