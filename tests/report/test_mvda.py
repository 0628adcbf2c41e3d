"""HTML sections of stored PCA / PLS / batch results (rendered from the result, no refit)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from qbdkit.report import mvda as rep
from qbdkit.report.sections import render_result
from qbdkit.services.mvda import PcaRequest, PlsRequest, pca, pls


def _x(n=30, k=6, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2)) @ rng.normal(size=(2, k)) + 0.3 * rng.normal(size=(n, k))
    return pd.DataFrame(X, columns=[f"v{j}" for j in range(k)])


def _files(tmp_path, n_new=3, far=3.0):
    train = _x()
    train.insert(0, "batch", [f"B{i}" for i in range(30)])
    train["site"] = ["A" if i % 2 else "B" for i in range(30)]
    new = _x(n_new, seed=5) * far
    new.insert(0, "batch", [f"S{i + 1}" for i in range(n_new)])
    a, b = tmp_path / "train.csv", tmp_path / "new.csv"
    train.to_csv(a, index=False)
    new.to_csv(b, index=False)
    return a, b


def test_pca_section_from_the_stored_dict(tmp_path):
    a, b = _files(tmp_path)
    result = pca(PcaRequest(file=a, id_column="batch", components="2", predict=b,
                            color_by="site"))
    html = render_result("mvda.pca", result.to_dict(), "en")
    assert html.startswith('<section id="mvda-pca">')
    # scores, loadings, distances (one figure), contributions (one figure)
    assert html.count("<svg") == 4
    # the ellipse drawn is the limit of the projected points, and says so
    assert result.t2_ellipse["judges"] == "new"
    assert "projected observations" in result.t2_ellipse["label"] and "Ellipse:" in html
    assert "S2" in html and 'class="bad"' in html and "site = A (model)" in html
    assert {c["set"] for c in result.observation_contributions} == {"projected"}
    assert "<section" in render_result("mvda.pca", result.to_dict(), "zh")


def test_pca_one_component_and_any_observation_contributions(tmp_path):
    a, _b = _files(tmp_path)
    result = pca(PcaRequest(file=a, id_column="batch", components="1", color_by="site",
                            contributions=["B3", "B7"]))
    assert [c["observation"] for c in result.observation_contributions] == ["B3", "B7"]
    html = rep.render_pca(result)
    assert "B7 (model)" in html and html.count("<svg") == 4


def test_pls_section(tmp_path):
    df = _x()
    df["y"] = df["v0"] - 0.5 * df["v1"]
    df.insert(0, "batch", [f"B{i}" for i in range(30)])
    p = tmp_path / "pls.csv"
    df.to_csv(p, index=False)
    result = pls(PlsRequest(file=p, id_column="batch", y=["y"], components="2", color_by="v5",
                            x=["v0", "v1", "v2", "v3", "v4"]))
    html = render_result("mvda.pls", result.to_dict(), "en")
    assert "VIP" in html and "RMSECV" in html and html.count("<svg") >= 5
    assert result.color_by["variable"] == "v5" and "v5" not in result.variables


def test_labels_do_not_overlap():
    from qbdkit.report.html import new_figure

    fig, ax = new_figure()
    xs = [0.0, 0.01, 0.02, 0.0, 1.0]
    ys = [0.0, 0.0, 0.01, 0.02, 1.0]
    ax.scatter(xs, ys)
    rep.place_labels(ax, xs, ys, ["B01", "B02", "B03", "B04", "B05"])
    fig.canvas.draw()  # annotations place their text when drawn
    renderer = fig.canvas.get_renderer()
    from matplotlib.text import Text

    boxes = [Text.get_window_extent(t, renderer) for t in ax.texts]  # the text, not its leader
    assert len(boxes) == 5
    for i in range(5):
        for j in range(i + 1, 5):
            assert not boxes[i].overlaps(boxes[j]), (ax.texts[i].get_text(), ax.texts[j].get_text())
