"""Benchmark of the batch models (issue 6, item 4). Run: ``python benchmarks/mvda_batch.py [--quick]``.

Data: 1 000 batches × 200 samples × 20 variables in long format (one row per batch and
sample: ``batch``, ``time``, 20 variables), generated with a fixed seed; each batch has its
own irregular sampling times over 13.5–14.5 days, so alignment has to interpolate.

Stages timed (wall clock; ours and the peer alternated, ``--repeat`` rounds (≥ 3), min and
median, ratio of medians; peak memory of one extra run by ``tracemalloc``; same process, same
data):

1. alignment on a 200-point maturity grid: ours :func:`qbdkit.core.mvda.batch.align_batches`
   (linear interpolation on time over the common range) vs pyphi-mvda
   ``pyphi.batch.simple_align`` (linear interpolation on the sample index, the closest
   peer function);
2. batch evolution model, 2 components: ours ``BatchEvolutionModel(2).fit`` (observation-
   wise PCA of 200 000 × 20 plus mean ± 3 SD limits of scores and variables per time
   point, T², DModX) vs pyphi's PCA of the same observation-wise unfolded matrix
   (``pyphi.calc.pca(X, 2, mcs=True)``, its defaults: what its variable-wise MPCA computes;
   ``pyphi.batch.mpca(..., unfolding="variable wise")`` itself rejects stacked batches in
   pyphi 6.0.8 — it hands the repeated batch ids to ``pca``, which refuses duplicate ids —
   and with one id per row it becomes 200 000 one-sample batches and never finishes) — the
   PCA only: pyphi has no per-time-point limits; SIMCA, which has them, is commercial. Both
   run at ``--peer-batches`` batch counts (scaling printed) and ours also on all batches;
3. batch level model, 2 components: ours ``BatchLevelModel(2, cv_groups=0).fit`` (batch-wise
   PCA of 1 000 × 4 000) and with the default 7-group cross-validated SPE limit, vs pyphi
   ``mpca(..., unfolding="batch wise")`` on the first ``--peer-batches`` batches (bounded; ours
   on the same batches and on all). Agreement: largest |Δ| of R²X per component and of the
   absolute scores relative to their range.

A peer that is not installed is reported as such (``pip install -e .[bench]`` installs
pyphi-mvda). ``--quick`` runs 100 batches.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import io
import sys
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._timing import alternate, machine_note, record, row, table

TARGET = "≤ 1 (ours not slower)"


def _peak(fn) -> float:
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


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
    ap.add_argument("--peer-batches", type=int, nargs=2, default=[250, 500],
                    help="batch counts for pyphi's variable-wise model (scaling)")
    args = ap.parse_args()
    warnings.filterwarnings("ignore")
    from qbdkit.core.mvda.batch import BatchEvolutionModel, BatchLevelModel, align_batches

    n_b, n_s, n_v = (100 if args.quick else 1000), 200, 20
    data = make_data(n_b, n_s, n_v)
    print(f"batch models: {n_b} batches × {n_s} samples × {n_v} variables ({len(data):,} rows); "
          f"ours and pyphi alternated, {args.repeat} rounds; {machine_note()}; the machine was "
          "shared with other jobs")
    try:
        from pyphi import batch as phibatch
        from pyphi import calc as phi
    except ImportError:
        print("pyphi-mvda not installed: peer ratios skipped (pip install -e .[bench])")
        return

    def quiet(fn):
        def run():
            with contextlib.redirect_stdout(io.StringIO()):
                return fn()
        return run

    peer_data = data.drop(columns="time")
    # 1. alignment
    t = alternate({"ours align_batches": lambda: align_batches(data, batch="batch", time="time",
                                                              n_points=n_s),
                   "pyphi simple_align": quiet(lambda: phibatch.simple_align(peer_data, n_s))},
                  args.repeat)
    aligned = t["ours align_batches"].out
    print("1. alignment to 200 points")
    print(row(t["ours align_batches"], f"peak {_peak(lambda: align_batches(data, batch='batch', time='time', n_points=n_s)):.0f} MiB"))
    print(row(t["pyphi simple_align"]))
    record("batch: alignment", "pyphi simple_align", t["ours align_batches"],
           t["pyphi simple_align"], TARGET)
    peer_al = aligned.frame().drop(columns=aligned.maturity)
    pa = t["pyphi simple_align"].out
    print(f"  agreement: both {len(aligned.batches)} batches × {len(aligned.grid)} points; pyphi "
          f"aligns on the sample index, ours on time (values differ by design: "
          f"max |Δ| of x1 = {np.abs(peer_al['x1'].to_numpy() - pa.iloc[:, 1].to_numpy()).max():.3f})")
    # 2. evolution model on bounded batch counts (pyphi variable wise), ours on the same batches
    print("2. batch evolution model, 2 components (pyphi: variable-wise MPCA, the PCA alone)")
    for nb in args.peer_batches:
        keep = aligned.batches[:nb]
        sub = dataclasses.replace(aligned, batches=list(keep), data=aligned.data[:nb])
        obs = sub.unfold_observationwise().copy()
        contenders = {f"ours evolution, {nb} batches":
                      lambda s_=sub: BatchEvolutionModel(2).fit(s_),
                      f"pyphi pca obs-wise, {nb} b.": quiet(
                          lambda o=obs: phi.pca(o, 2, mcs=True, shush=True))}
        t = alternate(contenders, args.repeat)
        for tm in t.values():
            print(row(tm))
        record(f"batch: evolution model ({nb} batches)", "pyphi pca (observation-wise)",
               t[f"ours evolution, {nb} batches"], t[f"pyphi pca obs-wise, {nb} b."], TARGET)
        ours_m = t[f"ours evolution, {nb} batches"].out
        r2o = np.asarray(getattr(ours_m, "pca_", ours_m).explained_r2x_)[:2]
        r2p = np.asarray(t[f"pyphi pca obs-wise, {nb} b."].out["r2x"]).ravel()[:2]
        print(f"  agreement: R²X ours {np.round(r2o, 4)} vs pyphi {np.round(r2p, 4)}")
    t = alternate({"ours evolution, all batches": lambda: BatchEvolutionModel(2).fit(aligned)},
                  args.repeat)
    print(row(t["ours evolution, all batches"], "(pyphi bounded above)"))
    # 3. level model
    print("3. batch level model, 2 components (batch-wise MPCA; pyphi bounded to "
          f"{args.peer_batches[0]} batches, ours on the same and on all)")
    nb = args.peer_batches[0]
    keep = aligned.batches[:nb]
    sub = dataclasses.replace(aligned, batches=list(keep), data=aligned.data[:nb])
    frame = peer_al[peer_al["batch"].isin(keep)]
    t = alternate({f"ours level, {nb} batches": lambda: BatchLevelModel(2, cv_groups=0).fit(sub),
                   f"pyphi mpca bw, {nb} b.": quiet(lambda: phibatch.mpca(
                       frame, 2, unfolding="batch wise")),
                   "ours level, all batches": lambda: BatchLevelModel(2, cv_groups=0).fit(aligned),
                   "ours level + 7-group CV, all": lambda: BatchLevelModel(2).fit(aligned)},
                  args.repeat)
    for tm in t.values():
        print(row(tm))
    record(f"batch: level model ({nb} batches)", "pyphi mpca batch wise",
           t[f"ours level, {nb} batches"], t[f"pyphi mpca bw, {nb} b."], TARGET)
    blm, peer_blm = t[f"ours level, {nb} batches"].out, t[f"pyphi mpca bw, {nb} b."].out
    r2_ours = blm.pca_.explained_r2x_
    r2_peer = np.asarray(peer_blm["r2x"]).ravel()[:2]
    T_peer = np.asarray(peer_blm["T"])[:, :2]
    T_ours = blm.scores_
    dev = np.max(np.abs(np.abs(T_ours) - np.abs(T_peer)) / np.ptp(T_ours, axis=0))
    print(f"  agreement, level model: max |ΔR²X| = {np.max(np.abs(r2_ours - r2_peer)):.2e}, "
          f"max |Δ|scores|| / range = {dev:.2e}")
    print("note: no open tool computes SIMCA-style batch evolution limits (mean ± 3 SD of the "
          "scores per time point); the evolution-model ratio compares our full model with "
          "pyphi's observation-wise PCA alone.")
    print()
    print(table())


if __name__ == "__main__":
    main()
