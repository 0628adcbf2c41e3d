"""Reports of the issue-17 designs: mixture and split-plot renderers (en/zh), and the
residual-vs-each-factor plot of a DoE analysis."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from qbdkit.core.doe.analysis import FactorSpec, analyze
from qbdkit.core.doe.analysis.mixture import analyze_mixture
from qbdkit.core.doe.analysis.splitplot import analyze_split_plot
from qbdkit.report.doe_analysis import render_analysis
from qbdkit.report.doe_designs import mixture_analysis_page, split_plot_page
from qbdkit.report.sections import render_result

DATA = Path(__file__).parents[1] / "data" / "doe"


def test_residual_vs_each_factor_in_the_analysis_report():
    frame = pd.read_csv(DATA / "montgomery_ex11_2_ccd.csv")
    factors = [c for c in frame.columns if c not in ("run", "Yield (%)", "Yield")]
    response = next(c for c in frame.columns if c.startswith("Yield"))
    ranges = {"Time (min)": (80, 90), "Temperature (°F)": (170, 180)}   # the sidecar's ranges
    res = analyze(frame, [response], "quadratic",
                  factors=[FactorSpec(f, low=ranges[f][0], high=ranges[f][1]) for f in factors])
    diag = res.responses[0].diagnostics
    cols = [c for c in diag.columns if c.startswith("factor:")]
    assert cols == [f"factor:{f}" for f in factors]
    assert diag[cols[0]].min() < -1.4  # coded: the axial runs at ±1.414
    for lang, words in (("en", "residual vs each factor"), ("zh", "残差对各因子")):
        html = render_analysis(res, lang)
        assert words in html
    stored = render_result("doe.analysis", res.to_dict(), "en")
    assert "residual vs each factor" in stored


def test_mixture_and_split_plot_pages():
    yarn = analyze_mixture(pd.read_csv(DATA / "cornell_yarn_elongation.csv"),
                           ["Polyethylene", "Polystyrene", "Polypropylene"], ["Elongation"], "linear")
    page = mixture_analysis_page(yarn, "zh")
    assert page.startswith("<!DOCTYPE html>") or page.lstrip().startswith("<")
    assert "混料分析" in page and "纯误差" in page and "<svg" in page
    paper = analyze_split_plot(pd.read_csv(DATA / "montgomery_ex14_paper_splitplot.csv"), ["Strength"],
                               "WholePlot", model="Strength ~ C(Rep) + C(Pulp) * C(Temperature)")
    en = split_plot_page(paper, "en")
    assert "variance components (REML)" in en and "containment" in en
    zh = split_plot_page(paper, "zh")
    assert "方差分量" in zh and "整区" in zh
