"""Benchmark: exact two-sided normal tolerance factors (issue 12). Run:
``python benchmarks/tolerance.py [--cells 1000] [--repeat 3]``.

1 000 (n, coverage, confidence) cells drawn with a fixed seed: n log-uniform in 2…2000,
coverage in {0.5, 0.75, 0.9, 0.95, 0.99, 0.999}, confidence in {0.5, 0.8, 0.9, 0.95, 0.99,
0.999}. Ours: :func:`qbdkit.core.stats.tolerance.normal_factor` (Gauss–Hermite quadrature +
Newton), timed both as one vectorised call over all cells and as a loop of scalar calls
(what one interval costs). Peer: PyPI ``toleranceinterval`` (``twoside.normal_factor``,
method exact — adaptive Gauss–Kronrod, Witkovský's algorithm), a loop of scalar calls, its
documented defaults. The runs alternate ours / peer, ``--repeat`` times; min and median of
the time per factor are printed with the ours/peer ratio of the medians.

Agreement: the largest relative difference between ours and the peer over all cells, and,
for both, the published cells reproduced: ISO 16269-6:2014 Annex F (600 cells, printed
rounded up at 4 decimals) and Meeker, Hahn & Escobar (2017) Tables J.5a/b (1 080 cells,
3 decimals) from ``tests/data/tolerance/``. Target: ≤ 2 ms per factor and at least the
peer's digits.
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
from pathlib import Path

import numpy as np
import pandas as pd

DATA = Path(__file__).parents[1] / "tests" / "data" / "tolerance"
TARGET_MS = 2.0


def cells(count: int, seed: int = 12) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    n = np.unique(np.round(np.exp(rng.uniform(np.log(2), np.log(2000), count * 3))))
    n = rng.choice(n, count).astype(float)
    p = rng.choice([0.5, 0.75, 0.9, 0.95, 0.99, 0.999], count)
    g = rng.choice([0.5, 0.8, 0.9, 0.95, 0.99, 0.999], count)
    return n, p, g


def ours_vector(n, p, g):
    from qbdkit.core.stats.tolerance import normal_factor

    return normal_factor(n, p, g)


def ours_loop(n, p, g):
    from qbdkit.core.stats.tolerance import normal_factor

    return np.array([normal_factor(a, b, c) for a, b, c in zip(n, p, g, strict=True)])


def peer_loop(n, p, g, m=None):
    from toleranceinterval.twoside import normal_factor

    if m is None:
        return np.array([float(normal_factor(int(a), b, c)) for a, b, c in
                         zip(n, p, g, strict=True)])
    return np.array([float(normal_factor(int(a), b, c, m=int(k))) for a, b, c, k in
                     zip(n, p, g, m, strict=True)])


def timed(fn, *args) -> tuple[float, np.ndarray]:
    t0 = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - t0, out


def published(peer_available: bool) -> None:
    from qbdkit.core.stats.tolerance import normal_factor

    iso = pd.read_csv(DATA / "iso16269_6_annex_f.csv")
    mhe = pd.read_csv(DATA / "meeker_hahn_escobar_2017_j5.csv")
    rows = []
    ours_iso = normal_factor(iso.n.to_numpy(float), iso.coverage.to_numpy(),
                             iso.confidence.to_numpy(), df=(iso.m * (iso.n - 1)).to_numpy(float))
    ours_mhe = normal_factor(mhe.n.to_numpy(float), mhe.coverage.to_numpy(),
                             mhe.confidence.to_numpy())
    rows.append(("ours", _iso_hits(ours_iso, iso), _mhe_hits(ours_mhe, mhe)))
    if peer_available:
        peer_iso = peer_loop(iso.n.to_numpy(), iso.coverage.to_numpy(), iso.confidence.to_numpy(),
                             iso.m.to_numpy())
        peer_mhe = peer_loop(mhe.n.to_numpy(), mhe.coverage.to_numpy(), mhe.confidence.to_numpy())
        rows.append(("toleranceinterval", _iso_hits(peer_iso, iso), _mhe_hits(peer_mhe, mhe)))
    print("\npublished cells reproduced")
    print(f"  {'':18s} {'ISO 16269-6 Annex F':>22s} {'Meeker-Hahn-Escobar J.5':>25s}")
    for name, a, b in rows:
        print(f"  {name:18s} {a:>12d} / {len(iso):<9d} {b:>14d} / {len(mhe):<9d}")


def _iso_hits(k: np.ndarray, iso: pd.DataFrame) -> int:
    return int(np.sum(np.abs(np.ceil(np.round(k * 1e4, 6)) / 1e4 - iso.k.to_numpy()) < 1e-9))


def _mhe_hits(k: np.ndarray, mhe: pd.DataFrame) -> int:
    return int(np.sum(np.abs(np.round(k, 3) - mhe.k.to_numpy()) < 1e-9))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cells", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    try:
        import toleranceinterval  # noqa: F401

        peer_available = True
    except ImportError:
        peer_available = False
        print("peer toleranceinterval not installed (pip install -e .[bench]); ours only")
    n, p, g = cells(args.cells)
    ours_loop(n[:5], p[:5], g[:5])  # warm-up (imports, node cache)
    t_vec, t_loop, t_peer = [], [], []
    k_ours = k_peer = None
    for _ in range(args.repeat):
        dt, k_ours = timed(ours_vector, n, p, g)
        t_vec.append(dt / args.cells)
        dt, k_loop = timed(ours_loop, n, p, g)
        t_loop.append(dt / args.cells)
        if peer_available:
            dt, k_peer = timed(peer_loop, n, p, g)
            t_peer.append(dt / args.cells)
    assert np.allclose(k_ours, k_loop, rtol=1e-12)
    print(f"exact two-sided tolerance factors: {args.cells} cells, {args.repeat} repeats "
          f"(target ≤ {TARGET_MS:g} ms per factor)")
    print(f"  {'':28s} {'min ms':>9s} {'median ms':>10s}")
    for name, ts in (("ours, one vectorised call", t_vec), ("ours, scalar calls", t_loop),
                     ("toleranceinterval (peer)", t_peer)):
        if ts:
            print(f"  {name:28s} {1e3 * min(ts):9.4f} {1e3 * statistics.median(ts):10.4f}")
    if t_peer:
        med_peer = statistics.median(t_peer)
        print(f"  ratio ours/peer of medians: vectorised {statistics.median(t_vec) / med_peer:.4f},"
              f" scalar {statistics.median(t_loop) / med_peer:.4f}; of minima: vectorised "
              f"{min(t_vec) / min(t_peer):.4f}, scalar {min(t_loop) / min(t_peer):.4f}")
        rel = np.abs(k_ours - k_peer) / k_peer
        worst = int(np.argmax(rel))
        digits = -math.log10(max(rel.max(), 1e-17))
        print(f"  agreement with the peer: max relative difference {rel.max():.2e} "
              f"(≈ {digits:.1f} significant digits) at n={n[worst]:g}, P={p[worst]}, "
              f"γ={g[worst]}: ours {k_ours[worst]:.10g}, peer {k_peer[worst]:.10g}; "
              f"median {np.median(rel):.1e}")
    ok_time = 1e3 * statistics.median(t_loop) <= TARGET_MS
    print(f"  target ≤ {TARGET_MS:g} ms per factor (scalar calls): "
          f"{'met' if ok_time else 'NOT met'}")
    published(peer_available)


if __name__ == "__main__":
    main()
