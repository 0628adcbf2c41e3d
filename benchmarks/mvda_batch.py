"""Benchmark of the batch models (issue 6, item 4). Run: ``python benchmarks/mvda_batch.py [--quick]``.

Data: 1 000 batches × 200 samples × 20 variables in long format (one row per batch and
sample: ``batch``, ``time``, 20 variables), generated with a fixed seed; each batch has its
own irregular sampling times over 13.5–14.5 days, so alignment has to interpolate.

Stages timed (wall clock, ``time.perf_counter``, best of ``--repeat``; peak memory of the
stage by ``tracemalloc``, which numpy reports its buffers to; same process, same data):

1. alignment on a 200-point maturity grid: ours :func:`qbdkit.core.mvda.batch.align_batches`
   (linear interpolation on time over the common range) vs pyphi-mvda
   ``pyphi.batch.simple_align`` (linear interpolation on the sample index, the closest
   peer function);
2. batch evolution model, 2 components: ours ``BatchEvolutionModel(2).fit`` (observation-
   wise PCA of 200 000 × 20 plus mean ± 3 SD limits of scores and variables per time
   point, T², DModX) vs pyphi ``mpca(..., unfolding="variable wise")`` (the PCA only:
   pyphi has no per-time-point limits; SIMCA, which has them, is commercial);
3. batch level model, 2 components: ours ``BatchLevelModel(2, cv_groups=0).fit`` (batch-wise
   PCA of 1 000 × 4 000) and with the default 7-group cross-validated SPE limit, vs pyphi
   ``mpca(..., unfolding="batch wise")``. Agreement: largest |Δ| of R²X per component and of
   the absolute scores relative to their range.

A peer that is not installed is reported as such (``pip install -e .[bench]`` installs
pyphi-mvda). ``--quick`` runs 100 batches.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import time
import tracemalloc
import warnings

import numpy as np
import pandas as pd


def _measure(fn, repeat: int):
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return best, peak / 2**20, out


def make_data(n_batches: int, n_samples: int, n_vars: int, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    end = rng.uniform(13.5, 14.5, n_batches)
    u = np.sort(rng.uniform(0, 1, (n_batches, n_samples - 2)), axis=1)
    t = np.concatenate([np.zeros((n_batches, 1)), u, np.ones((n_batches, 1))], axis=1) * end[:, None]
    shapes = rng.normal(size=(n_vars, 4))
    batch_eff = rng.normal(0, 0.1, (n_batches, n_vars))
    tt = t[:, :, None] / 14.0
    X = (shapes[:, 0] + shapes[:, 1] * tt + shapes[:, 2] * tt**2
         + shapes[:, 3] * np.sin(3 * tt)) * (1 + batch_eff[:, None, :])
    X += rng.normal(0, 0.05, X.shape)
    frame = pd.DataFrame(X.reshape(-1, n_vars), columns=[f"x{j + 1}" for j in range(n_vars)])
    frame.insert(0, "time", t.ravel())
    frame.insert(0, "batch", np.repeat([f"B{i:04d}" for i in range(n_batches)], n_samples))
    return frame


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="100 batches instead of 1 000")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    warnings.filterwarnings("ignore")
    from qbdkit.core.mvda.batch import BatchEvolutionModel, BatchLevelModel, align_batches

    n_b, n_s, n_v = (100 if args.quick else 1000), 200, 20
    data = make_data(n_b, n_s, n_v)
    print(f"batch models: {n_b} batches × {n_s} samples × {n_v} variables "
          f"({len(data):,} rows), best of {args.repeat}")
    try:
        from pyphi import batch as phibatch
    except ImportError:
        phibatch = None
        print("pyphi-mvda not installed: peer ratios skipped (pip install -e .[bench])")

    def quiet(fn):
        def run():
            with contextlib.redirect_stdout(io.StringIO()):
                return fn()
        return run

    rows = []
    t_al, m_al, aligned = _measure(lambda: align_batches(data, batch="batch", time="time",
                                                         n_points=n_s), args.repeat)
    peer_data = data.drop(columns="time")
    if phibatch is not None:
        tp, mp, _ = _measure(quiet(lambda: phibatch.simple_align(peer_data, n_s)),
                                        args.repeat)
        rows.append(("alignment", t_al, m_al, "pyphi simple_align", tp, mp))
    else:
        rows.append(("alignment", t_al, m_al, None, None, None))
    t_ev, m_ev, _ = _measure(lambda: BatchEvolutionModel(2).fit(aligned), args.repeat)
    peer_al_frame = aligned.frame().drop(columns=aligned.maturity)
    peer_obs_frame = peer_al_frame.copy()  # variable-wise pyphi needs one id per observation
    peer_obs_frame["batch"] = [f"{b}_{j}" for b, j in zip(
        peer_obs_frame["batch"], np.tile(np.arange(len(aligned.grid)), len(aligned.batches)),
        strict=True)]
    if phibatch is not None:
        tp, mp, _ = _measure(quiet(lambda: phibatch.mpca(peer_obs_frame, 2,
                                                        unfolding="variable wise")), args.repeat)
        rows.append(("evolution model (PCA + ±3 SD limits)", t_ev, m_ev,
                     "pyphi mpca variable wise", tp, mp))
    else:
        rows.append(("evolution model", t_ev, m_ev, None, None, None))
    t_lv, m_lv, blm = _measure(lambda: BatchLevelModel(2, cv_groups=0).fit(aligned), args.repeat)
    t_lv_cv, m_lv_cv, _ = _measure(lambda: BatchLevelModel(2).fit(aligned), 1)
    peer_blm = None
    if phibatch is not None:
        tp, mp, peer_blm = _measure(quiet(lambda: phibatch.mpca(peer_al_frame, 2,
                                                               unfolding="batch wise")), args.repeat)
        rows.append(("level model", t_lv, m_lv, "pyphi mpca batch wise", tp, mp))
        rows.append(("level model + 7-group CV SPE limit", t_lv_cv, m_lv_cv,
                     "pyphi mpca batch wise", tp, mp))
    else:
        rows.append(("level model", t_lv, m_lv, None, None, None))
        rows.append(("level model + CV SPE limit", t_lv_cv, m_lv_cv, None, None, None))

    print(f"{'stage':40s} {'ours s':>8s} {'ours MiB':>9s}   {'peer':26s} {'peer s':>8s} "
          f"{'peer MiB':>9s} {'ours/peer':>9s}")
    for name, t, m, peer, tp, mp in rows:
        if peer is None:
            print(f"{name:40s} {t:8.3f} {m:9.1f}   {'(no peer)':26s}")
        else:
            print(f"{name:40s} {t:8.3f} {m:9.1f}   {peer:26s} {tp:8.3f} {mp:9.1f} {t / tp:9.2f}")
    total = t_al + t_ev + t_lv_cv
    print(f"total (align + evolution + level with CV): {total:.2f} s")
    if peer_blm is not None:
        r2_ours = blm.pca_.explained_r2x_
        r2_peer = np.asarray(peer_blm["r2x"]).ravel()[:2]
        T_peer = np.asarray(peer_blm["T"])[:, :2]
        T_ours = blm.scores_
        rng_ = np.ptp(T_ours, axis=0)
        dev = np.max(np.abs(np.abs(T_ours) - np.abs(T_peer)) / rng_)
        print(f"agreement, level model: max |ΔR²X| = {np.max(np.abs(r2_ours - r2_peer)):.2e}, "
              f"max |Δ|scores|| / range = {dev:.2e}")
    print("note: no open tool computes SIMCA-style batch evolution limits (mean ± 3 SD of the "
          "scores per time point); the evolution-model ratio compares our full model with "
          "pyphi's observation-wise PCA alone.")


if __name__ == "__main__":
    main()
