"""Benchmark: probabilistic design space on a 41⁴ grid (issue 5, Speed).

Setting: 4 factors, face-centred central composite design (16 + 8 + 6 = 30 runs),
3 correlated responses each with a full quadratic model (15 terms), specifications
on all three, 5 000 posterior predictive draws, 41⁴ = 2 825 761 grid points.

Ours: :func:`qbdkit.core.doe.analysis.space.design_space` (time, peak RSS).
Peer: the straightforward per-point loop — for each point, statsmodels
``OLSResults.get_prediction`` for each response (mean and observation SE), then
5 000 draws from the point's multivariate-t predictive (scipy) and the joint
count — timed on a random subsample of grid points; ratio = peer / ours per point.

Run: ``.venv/bin/python benchmarks/design_space.py [--grid 41] [--draws 5000] [--peer-points 200]``
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np
import statsmodels.api as sm
from scipy import stats

from qbdkit.core.doe.analysis.posterior import fit_posterior
from qbdkit.core.doe.analysis.space import design_space
from qbdkit.core.doe.analysis.space_model import SurfaceModel

FACTORS = ("pH", "Temperature (°C)", "DO (%)", "Feed (%)")
LOW = (6.8, 34.0, 30.0, 2.0)
HIGH = (7.2, 37.0, 60.0, 6.0)
SPECS = {"Titer": (4.0, np.inf), "Aggregate": (-np.inf, 2.0), "Afucosylation": (2.0, 13.0)}


def ccd_face_centred(k: int) -> np.ndarray:
    fact = np.array(np.meshgrid(*[[-1.0, 1.0]] * k, indexing="ij")).reshape(k, -1).T
    axial = np.vstack([np.eye(k), -np.eye(k)])
    centre = np.zeros((6, k))
    return np.vstack([fact, axial, centre])


def make_data(seed: int = 2024):
    rng = np.random.default_rng(seed)
    model = SurfaceModel(FACTORS, LOW, HIGH, "quadratic")
    coded = ccd_face_centred(4)
    x = model.decode(coded)
    z = model.rows(x)
    b = np.zeros((model.p, 3))
    b[:, 0] = [5.0, 0.4, -0.6, 0.2, 0.5, 0.1, 0, 0, 0.05, 0, 0, -0.5, -0.4, -0.2, -0.3]
    b[:, 1] = [1.5, 0.3, 0.4, 0.0, -0.1, 0.1, 0, 0, 0, 0, 0.05, 0.2, 0.1, 0, 0.1]
    b[:, 2] = [8.0, -1.5, 1.0, 0.3, 0.8, 0, 0.2, 0, 0, 0, 0, 0.6, 0, 0, 0]
    cov = np.array([[0.09, 0.02, -0.03], [0.02, 0.04, 0.01], [-0.03, 0.01, 0.64]])
    y = z @ b + rng.multivariate_normal(np.zeros(3), cov, size=z.shape[0])
    return model, x, z, y


def peer_per_point(model, z, y, points, draws, seed):
    """The straightforward loop: statsmodels get_prediction per response per point."""
    fits = [sm.OLS(y[:, j], z).fit() for j in range(y.shape[1])]
    resid = np.column_stack([f.resid for f in fits])
    n, p = z.shape
    r = y.shape[1]
    s = resid.T @ resid
    df = n - p - r + 1
    rng = np.random.default_rng(seed)
    lows = np.array([SPECS[k][0] for k in SPECS])
    highs = np.array([SPECS[k][1] for k in SPECS])
    out = []
    for x in points:
        row = model.rows(x[None, :])
        mean = np.empty(r)
        h = 0.0
        for j, f in enumerate(fits):
            pred = f.get_prediction(row)
            mean[j] = pred.predicted_mean[0]
            h = (pred.se_mean[0] / np.sqrt(f.scale)) ** 2  # leverage, same for each response
        shape = (1.0 + h) * s / df
        d = stats.multivariate_t(loc=mean, shape=shape, df=df).rvs(draws, random_state=rng)
        out.append(np.mean(np.all((d >= lows) & (d <= highs), axis=1)))
    return np.array(out)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--grid", type=int, default=41)
    ap.add_argument("--draws", type=int, default=5000)
    ap.add_argument("--peer-points", type=int, default=200)
    args = ap.parse_args()
    model, _x, z, y = make_data()
    post = fit_posterior(z, y, terms=model.terms, responses=tuple(SPECS))
    studied = {f: (lo, hi) for f, lo, hi in zip(FACTORS, LOW, HIGH, strict=True)}
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t0 = time.perf_counter()
    c0 = time.process_time()
    res = design_space(post, model.rows, model_factors=FACTORS, studied=studied, specs=SPECS,
                       grid=args.grid, draws=args.draws, min_probability=0.9, seed=7)
    ours = time.perf_counter() - t0
    ours_cpu = time.process_time() - c0
    rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    npts = args.grid ** len(FACTORS)
    rng = np.random.default_rng(11)
    sample = np.column_stack([rng.uniform(lo, hi, args.peer_points) for lo, hi in zip(LOW, HIGH, strict=True)])
    t1 = time.perf_counter()
    c1 = time.process_time()
    peer_per_point(model, z, y, sample, args.draws, 5)
    peer = time.perf_counter() - t1
    peer_cpu = time.process_time() - c1
    ours_pp = ours / npts
    peer_pp = peer / args.peer_points
    print(f"grid points: {npts:,}  draws: {args.draws}  responses: 3  model terms: {model.p}")
    print(f"ours: {ours:.2f} s total (design space incl. PAR lines and box), "
          f"{1e6 * ours_pp:.2f} µs/point; peak RSS {rss1:.0f} MB (before: {rss0:.0f} MB)")
    print(f"peer (statsmodels get_prediction + scipy multivariate_t, {args.peer_points} points): "
          f"{peer:.2f} s, {1e3 * peer_pp:.2f} ms/point")
    print(f"ours/peer time per point: {ours_pp / peer_pp:.5f}  (peer is {peer_pp / ours_pp:.0f}x slower)")
    cpu_ratio = (ours_cpu / npts) / (peer_cpu / args.peer_points)
    print(f"CPU time (all threads): ours {ours_cpu:.2f} s, peer {peer_cpu:.2f} s; ours/peer per point "
          f"{cpu_ratio:.5f} (peer is {1 / cpu_ratio:.0f}x more CPU per point)")
    print(f"region P>=0.9: {100 * res.region_fraction:.1f} % of grid; max MC SE {res.mc_standard_error:.4f}; "
          f"set point P = {res.setpoint_probability:.3f}")


if __name__ == "__main__":
    main()
