"""Capability indices and intervals against qcc's vignette (pistonrings, n = 125) and
Montgomery's worked examples 8.5 and 8.6 (sources: tests/data/spc/README.md)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from qbdkit.core.spc import capability
from qbdkit.errors import QbdInputError

DATA = Path(__file__).parents[2] / "data" / "spc"


def _phase1():
    p = pd.read_csv(DATA / "pistonrings.csv")
    return p.iloc[:125]


@pytest.mark.parametrize(("lsl", "usl", "target", "published"), [
    # qcc processCapability: value, 2.5 %, 97.5 % for Cp, Cp_k, Cpm (3 decimals)
    (73.95, 74.05, None, {"cp": (1.703, 1.491, 1.915), "cpk": (1.663, 1.448, 1.878),
                          "cpm": (1.691, 1.480, 1.902)}),
    (73.95, 74.05, 74.02, {"cp": (1.703, 1.491, 1.915), "cpk": (1.663, 1.448, 1.878),
                           "cpm": (0.786, 0.656, 0.915)}),
    (73.99, 74.01, None, {"cp": (0.341, 0.298, 0.383), "cpk": (0.301, 0.231, 0.370),
                          "cpm": (0.338, 0.296, 0.380)}),
    (73.99, 74.1, None, {"cp": (1.874, 1.641, 2.106), "cpk": (0.381, 0.305, 0.456),
                         "cpm": (0.408, 0.338, 0.479)}),
])
def test_qcc_pistonrings(lsl, usl, target, published):
    p = _phase1()
    r = capability(p.diameter, lsl=lsl, usl=usl, target=target, subgroups=p["sample"])
    assert r.n == 125
    assert r.sigma_within_method == "R̄/d₂"
    for key, (val, lo, hi) in published.items():
        assert getattr(r, key) == pytest.approx(val, abs=6e-4), key
        assert r.ci[key] == pytest.approx([lo, hi], abs=6e-4), key
    assert r.ci_methods["cp"] == "chi-square" and r.ci_methods["cpk"] == "Bissell (1990)"


def test_qcc_expected_and_observed_fractions():
    p = _phase1()
    r = capability(p.diameter, lsl=73.99, usl=74.01, subgroups=p["sample"])
    # qcc prints the fractions 0.13 / 0.18 expected and 0.12 / 0.16 observed (2 digits)
    assert r.ppm["expected_within"]["below"] / 1e6 == pytest.approx(0.13, abs=0.005)
    assert r.ppm["expected_within"]["above"] / 1e6 == pytest.approx(0.18, abs=0.005)
    assert r.ppm["observed"]["below"] / 1e6 == pytest.approx(0.12, abs=0.005)
    assert r.ppm["observed"]["above"] / 1e6 == pytest.approx(0.16, abs=0.005)


def test_montgomery_examples_8_5_and_8_6():
    # Example 8.5: n = 20, s = 1.75, USL 62, LSL 38 → Ĉp = 2.29, 1.57 ≤ Cp ≤ 3.01
    rng = np.random.default_rng(0)
    z = rng.normal(size=20)
    x = 50 + 1.75 * (z - z.mean()) / z.std(ddof=1)
    r = capability(x, lsl=38, usl=62, sigma_within="overall")
    assert r.cp == pytest.approx(2.29, abs=0.005)
    # Montgomery multiplies the rounded Ĉp = 2.29 by the chi-square factors
    assert [2.29 * v / r.cp for v in r.ci["cp"]] == pytest.approx([1.57, 3.01], abs=0.005)
    # Example 8.6: n = 20, Ĉpk = 1.33 → 0.88 ≤ Cpk ≤ 1.78 (Bissell)
    x2 = 50 + (z - z.mean()) / z.std(ddof=1)  # mean 50, s 1 → Cpk = (54 − 50)/3 = 1.333
    r2 = capability(x2, usl=54, sigma_within="overall")
    assert r2.cpk == pytest.approx(1.33, abs=0.005)
    assert r2.ci["cpk"] == pytest.approx([0.88, 1.78], abs=0.006)


def test_within_and_overall_sigma_and_ppm():
    p = _phase1()
    r = capability(p.diameter, lsl=73.95, usl=74.05, subgroups=p["sample"])
    assert r.sigma_overall == pytest.approx(np.std(p.diameter, ddof=1))
    assert r.pp == pytest.approx(0.1 / (6 * r.sigma_overall))
    from scipy import stats
    tot = 1e6 * (stats.norm.cdf((73.95 - r.mean) / r.sigma_overall)
                 + stats.norm.sf((74.05 - r.mean) / r.sigma_overall))
    assert r.ppm["expected_overall"]["total"] == pytest.approx(tot)


def test_boxcox_agrees_with_normal_indices_on_the_transformed_scale():
    rng = np.random.default_rng(1)
    x = np.exp(rng.normal(1.0, 0.3, 400))
    r = capability(x, lsl=1.0, usl=9.0, method="boxcox", sigma_within="overall")
    from scipy import stats
    y, lam = stats.boxcox(x)
    assert r.boxcox_lambda == pytest.approx(lam)
    tr = lambda v: (v**lam - 1) / lam  # noqa: E731
    ref = capability(y, lsl=tr(1.0), usl=tr(9.0), sigma_within="overall")
    assert r.ppk == pytest.approx(ref.ppk) and r.cpk == pytest.approx(ref.cpk)
    assert abs(r.boxcox_lambda) < 0.3  # lognormal data: λ near 0


def test_percentile_method():
    rng = np.random.default_rng(2)
    x = rng.exponential(1.0, 5000)
    r = capability(x, usl=10.0, method="percentile")
    qm, qu = np.quantile(x, [0.5, 0.99865])
    assert r.ppu == pytest.approx((10 - qm) / (qu - qm))
    assert r.cpk is None and r.method == "percentile"


def test_bad_specifications():
    with pytest.raises(QbdInputError, match="wrong order"):
        capability([1.0, 2, 3], lsl=5, usl=5)
    with pytest.raises(QbdInputError, match="no specification"):
        capability([1.0, 2, 3])
    with pytest.raises(QbdInputError, match="too few"):
        capability([1.0], lsl=0)
    with pytest.raises(QbdInputError, match="Box–Cox needs positive"):
        capability([-1.0, 2, 3], lsl=0.5, method="boxcox")
