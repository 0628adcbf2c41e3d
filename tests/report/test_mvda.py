"""HTML fragments of fitted PCA/PLS models."""

from __future__ import annotations

import numpy as np

from qbdkit.core.mvda import PCA, PLS
from qbdkit.report import mvda as rep


def _x(n=30, k=6, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, 2)) @ rng.normal(size=(2, k)) + 0.3 * rng.normal(size=(n, k))


def test_pca_section_with_projection():
    X = _x()
    m = PCA(2, cross_validate=False).fit(X)
    new = _x(3, seed=5) * 3  # far away: flagged
    html = rep.pca_section(m, ids=[f"B{i}" for i in range(30)], new=new,
                           new_ids=["S1", "S2", "S3"], title="SDM", anchor="sdm-pca")
    assert html.startswith('<section id="sdm-pca">')
    assert html.count("<svg") == 7  # scores, loadings, 3 distance charts, 2 contributions
    assert "Hotelling T² 95 %" in html and "S2" in html
    assert 'class="bad"' in html


def test_pca_one_component_plots():
    m = PCA(1, cross_validate=False).fit(_x())
    assert "<svg" in rep.score_plot_svg(m)
    assert "<svg" in rep.loadings_plot_svg(m)


def test_individual_charts():
    X = _x()
    m = PCA(2).fit(X)
    for stat in ("t2", "spe", "dmodx"):
        assert rep.distance_chart_svg(m, statistic=stat, new=X[:2]).startswith("<svg")
    assert rep.contribution_chart_svg(m, None, 3, statistic="spe", label="B3").startswith("<svg")
    assert "Q²(cum)" in rep.component_table(m)


def test_pls_section():
    X = _x()
    Y = X[:, :2] @ np.array([[1.0], [0.5]])
    m = PLS(2).fit(X, Y)
    html = rep.pls_section(m, X, Y, new=X[:2], new_ids=["N1", "N2"])
    assert "VIP" in html and "RMSECV" in html and html.count("<svg") >= 6
