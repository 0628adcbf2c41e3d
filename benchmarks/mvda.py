"""Benchmarks for PCA/PLS (issue 6, items 2-3). Run: ``python benchmarks/mvda.py [--quick]``.

1. PCA of 100 000 × 200 complete data, 10 components, unit-variance scaling:
   ``qbdkit.core.mvda.PCA(10, cross_validate=False)`` (which also computes T², SPE,
   DModX and the residual matrix) vs scikit-learn ``StandardScaler`` + ``PCA(10)``
   (``svd_solver="auto"``). Target ours/scikit-learn ≤ 1.5. Agreement: largest
   difference of |scores| relative to the score range.
2. NIPALS PCA with 5 % missing values (completely at random) on 20 000 × 100, 5
   components: ours vs pyphi-mvda (``pyphi.pca``, NIPALS, tolerance 1e-10 on the score
   norm) and process-improve (``PCA(algorithm="nipals")`` after ``MCUVScaler``).
   Target ours/peer ≤ 0.5. Agreement: largest |Δ| of the absolute loadings and of R²X
   per component. A peer that is not installed is reported as such
   (``pip install -e .[bench]``).

Timings: best of ``--repeat`` runs (default 3) of the fit alone, data generated
beforehand with a fixed seed, wall clock (``time.perf_counter``), same process.
The batch-model benchmark (1 000 batches × 200 time points × 20 variables) is the
batch-model area's: ``benchmarks/mvda_batch.py``.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import time
import warnings

import numpy as np

SKIP: set[str] = set()


def _best(fn, repeat: int) -> tuple[float, object]:
    """Best wall time of ``repeat`` runs (a run longer than 30 s is not repeated)."""
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
        if best > 30:
            break
    return best, out


def _latent_data(n: int, k: int, r: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    scale = np.linspace(3.0, 1.0, r)  # distinct eigenvalues so NIPALS has a defined answer
    T = rng.normal(size=(n, r)) * scale
    P = np.linalg.qr(rng.normal(size=(k, r)))[0]
    return T @ P.T * 3.0 + 0.5 * rng.normal(size=(n, k)) + rng.normal(size=k) * 10


def bench_pca_complete(n: int, k: int, a: int, repeat: int) -> None:
    from sklearn.decomposition import PCA as SkPCA
    from sklearn.preprocessing import StandardScaler

    from qbdkit.core.mvda import PCA

    X = _latent_data(n, k, 20, seed=1)
    t_ours, ours = _best(lambda: PCA(a, cross_validate=False).fit(X), repeat)

    def sk():
        Xs = StandardScaler().fit_transform(X) * np.sqrt((n - 1) / n)  # ddof=1 scaling
        return SkPCA(a).fit(Xs), Xs

    t_sk, (skm, Xs) = _best(sk, repeat)
    T = skm.transform(Xs)
    sign = np.sign(np.sum(T * ours.scores_, axis=0))
    agree = np.abs(ours.scores_ - T * sign).max() / np.ptp(T)
    print(f"PCA complete {n} x {k}, {a} components")
    print(f"  ours            {t_ours:8.3f} s  (fit + T², SPE, DModX, limits)")
    print(f"  scikit-learn    {t_sk:8.3f} s  (StandardScaler + PCA, solver auto)")
    print(f"  ours/scikit-learn = {t_ours / t_sk:.2f}   (target ≤ 1.5); "
          f"max |Δscore|/range = {agree:.1e}")


def bench_nipals_missing(n: int, k: int, a: int, repeat: int) -> None:
    import pandas as pd

    from qbdkit.core.mvda import PCA

    X = _latent_data(n, k, 8, seed=2)
    rng = np.random.default_rng(3)
    X[rng.random(X.shape) < 0.05] = np.nan
    t_ours, ours = _best(lambda: PCA(a, method="nipals", cross_validate=False).fit(X), repeat)
    print(f"NIPALS PCA, 5 % missing, {n} x {k}, {a} components")
    print(f"  ours            {t_ours:8.3f} s  iterations per component {[int(i) for i in ours.n_iter_]}")

    def report(name: str, t: float, P: np.ndarray, r2: np.ndarray) -> None:
        dp = np.abs(np.abs(P) - np.abs(ours.loadings_)).max()
        dr = np.abs(np.asarray(r2) - ours.explained_r2x_).max()
        print(f"  {name:<15} {t:8.3f} s  ours/{name} = {t_ours / t:.3g} (target ≤ 0.5); "
              f"max |Δ|p|| = {dp:.1e}, max |ΔR²X| = {dr:.1e}")

    try:
        if "pyphi" in SKIP:
            raise ImportError("skipped (--skip)")
        import pyphi.calc as phi
    except Exception as exc:  # not installed / broken install
        print(f"  pyphi-mvda      not available ({type(exc).__name__}: {exc})")
    else:
        def run_phi():
            with contextlib.redirect_stdout(io.StringIO()):
                return phi.pca(X, a, mcs=True, md_algorithm="nipals", force_nipals=True,
                               shush=True)

        t_phi, m = _best(run_phi, repeat)
        report("pyphi", t_phi, np.asarray(m["P"]), np.asarray(m["r2x"]).ravel())
    try:
        if "process-improve" in SKIP:
            raise ImportError("skipped (--skip)")
        from process_improve.multivariate.methods import PCA as PiPCA
        from process_improve.multivariate.methods import MCUVScaler
    except Exception as exc:
        print(f"  process-improve not available ({type(exc).__name__}: {exc})")
    else:
        df = pd.DataFrame(X, columns=[f"x{j}" for j in range(k)])

        def run_pi():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                Xs = MCUVScaler().fit_transform(df)
                return PiPCA(a, algorithm="nipals").fit(Xs)

        t_pi, m = _best(run_pi, repeat)
        P = np.asarray(m.loadings_)
        r2 = np.asarray(getattr(m, "r2_per_component_", np.full(a, np.nan)))
        report("process-improve", t_pi, P, r2)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smaller sizes (smoke test)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--only", choices=["pca", "nipals"], help="run one part")
    ap.add_argument("--threads", type=int, default=None,
                    help="limit BLAS threads for every contender (fairer on a loaded machine)")
    ap.add_argument("--skip", action="append", default=[], choices=["pyphi", "process-improve"],
                    help="leave a peer out")
    args = ap.parse_args()
    SKIP.update(args.skip)
    if args.threads:
        from threadpoolctl import threadpool_limits

        threadpool_limits(args.threads)
        print(f"BLAS threads limited to {args.threads}")
    if args.quick:
        bench_pca_complete(10_000, 50, 5, 1)
        bench_nipals_missing(2_000, 30, 3, 1)
        return
    if args.only in (None, "pca"):
        bench_pca_complete(100_000, 200, 10, args.repeat)
    if args.only in (None, "nipals"):
        bench_nipals_missing(20_000, 100, 5, args.repeat)


if __name__ == "__main__":
    main()
