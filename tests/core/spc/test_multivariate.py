"""Hotelling T² against qcc's vignette: Ryan (2011) Table 9.2 subgroups and Mason & Young
(2002) boiler individuals (sources: tests/data/spc/README.md)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from qbdkit.core.spc import hotelling_t2, pca_monitoring
from qbdkit.errors import QbdInputError

DATA = Path(__file__).parents[2] / "data" / "spc"


def test_ryan_subgroups_phase1_and_phase2_limits():
    d = pd.read_csv(DATA / "ryan_multivar.csv")
    r = hotelling_t2(d, variables=["X1", "X2"], subgroups=d["sample"])
    assert r.center == pytest.approx([60.3750, 18.4875], abs=5e-5)
    assert np.array(r.covariance) == pytest.approx(
        np.array([[222.0333, 103.11667], [103.1167, 56.57917]]), abs=5e-4)
    # qcc: UCL 11.03976, prediction limit 12.20184 (confidence (1 − 0.0027)²)
    assert r.ucl == pytest.approx(11.03976, abs=5e-6)
    assert r.ucl_phase2 == pytest.approx(12.20184, abs=5e-6)
    assert r.subgroup_size == 4
    for s in r.signals:
        assert sum(s.contributions.values()) == pytest.approx(s.t2)


def test_mason_young_boiler_individuals():
    d = pd.read_csv(DATA / "boiler.csv")
    r = hotelling_t2(d, confidence=0.999)
    assert r.center == pytest.approx([525.00, 513.56, 538.92, 521.68, 503.80, 512.44, 478.72,
                                      477.24], abs=5e-3)
    assert r.covariance[0][:3] == pytest.approx([54.0, 0.9583333, 20.583333], abs=5e-6)
    assert r.ucl == pytest.approx(17.41705, abs=5e-6)        # beta, Phase I
    assert r.ucl_phase2 == pytest.approx(70.02943, abs=5e-5)  # F, Phase II


def test_phase2_points_use_the_f_limit_and_contributions_add_up():
    d = pd.read_csv(DATA / "boiler.csv")
    shifted = d.iloc[:5].copy() + 0.0
    shifted["t1"] += 40
    allp = pd.concat([d, shifted], ignore_index=True)
    r = hotelling_t2(allp, baseline=25, confidence=0.999)
    assert r.limit[:25] == [r.ucl] * 25 and r.limit[25:] == [r.ucl_phase2] * 5
    sig = [s for s in r.signals if s.point >= 25]
    assert sig
    for s in sig:
        assert max(s.contributions, key=s.contributions.get) == "t1"
        assert sum(s.contributions.values()) == pytest.approx(s.t2)


def test_pca_monitoring_uses_mvda_pca():
    d = pd.read_csv(DATA / "boiler.csv")
    r = pca_monitoring(d, baseline=20, n_components=2, confidence=0.99)
    from qbdkit.core.mvda import PCA

    m = PCA(n_components=2).fit(d.iloc[:20])
    assert r.ucl == pytest.approx(m.t2_limit(0.99, new=False))
    assert r.t2[:20] == pytest.approx(list(m.t2_))
    assert r.method == "pca" and r.spe_limit == pytest.approx(m.spe_limit(0.99))


def test_bad_t2_input():
    d = pd.read_csv(DATA / "ryan_multivar.csv")
    with pytest.raises(QbdInputError, match="unequal size"):
        hotelling_t2(d.iloc[:-1], variables=["X1", "X2"], subgroups=d["sample"].iloc[:-1])
    with pytest.raises(QbdInputError, match="baseline shorter"):
        hotelling_t2(d, variables=["X1", "X2"], baseline=3)
    with pytest.raises(QbdInputError, match="two variables"):
        hotelling_t2(d, variables=["X1"])
