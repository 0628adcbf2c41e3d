"""D-optimal designs: qbdkit vs pyDOE3, OApackage and process-improve (issue 4 benchmark).

Problems (coded factors in [-1, 1], JMP D-efficiency 100·|X'X|^(1/p)/n evaluated by one function
for every design):

1. quadratic model, 5 factors, 30 runs
2. interaction model (main effects + all 2FIs), 8 factors, 40 runs
3. quadratic model, 8 factors, 60 runs

Peers and how they are called (a peer that is not installed or lacks the feature is reported as
such, not a crash):

- pyDOE3 ``doe_optimal.optimal_design`` (candidate-set exchange, ``method="detmax"``) with the
  3^k grid as candidates and ``degree=2`` (full quadratic). It has no interaction-only model.
- OApackage ``Doptimize`` (coordinate exchange for two-level designs, target = D-efficiency of
  the main-effects + 2FI model): problem 2 only (two-level; no quadratic model).
- process-improve ``generate_design(design_type="d_optimal", model_type=…)``.

"qbdkit" is the shipped default (random starts and iterated local search; on a candidate grid of
≤ 1024 points both run as batched point exchange over the grid, otherwise coordinate exchange with a
point-exchange polish); "qbdkit quick" is 10 starts without iterated local search, to show the time to reach a
peer's efficiency. Times are wall-clock seconds of one call each (after one warm-up call of every tool on a tiny
problem, so import/JIT costs are excluded), measured in the same run on the same machine.
Also: minimum-aberration lookup for every catalogued design up to 64 runs (target < 1 s) and
the pyDOE ``fracfact_by_res(7, 3)`` case (we must give 8 runs).

Run: ``python benchmarks/doe_optimal.py [--starts 10] [--seeds 1 2 3]``.
"""

from __future__ import annotations

import argparse
import itertools
import time
import warnings

import numpy as np

from qbdkit.core.doe.design import build_model, coordinate_exchange, make_space
from qbdkit.core.doe.design.evaluate import d_efficiency

PROBLEMS = [("quadratic", 5, 30), ("interaction", 8, 40), ("quadratic", 8, 60)]


def space(k: int):
    return make_space([{"name": f"x{i}", "low": -1, "high": 1} for i in range(k)])


def deff(model_kind: str, k: int, coded: np.ndarray) -> float:
    m = build_model(space(k), model_kind)
    v = d_efficiency(m.matrix(np.asarray(coded, dtype=float)))
    return float("nan") if v is None else v


def ours(model_kind: str, k: int, n: int, seed: int, starts: int | None, perturbations: int = 20) -> np.ndarray:
    sp = space(k)
    return coordinate_exchange(sp, build_model(sp, model_kind), n, criterion="D", seed=seed, starts=starts,
                               perturbations=perturbations).coded


def pydoe3(model_kind: str, k: int, n: int, seed: int) -> np.ndarray | str:
    try:
        from pyDOE3.doe_optimal import optimal_design
    except ImportError:
        return "not installed"
    if model_kind != "quadratic":
        return "lacks the feature (no interaction-only model: degree=2 always adds squares)"
    cand = np.array(list(itertools.product([-1.0, 0.0, 1.0], repeat=k)))
    np.random.seed(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        design, _info = optimal_design(cand, n, degree=2, criterion="D", method="detmax")
    return design


def oapackage(model_kind: str, k: int, n: int, seed: int) -> np.ndarray | str:
    try:
        import oapackage as oa
    except ImportError:
        return "not installed"
    if model_kind != "interaction":
        return "lacks the feature (two-level designs only; no quadratic model)"
    oa.seedfastrand(seed)
    cls = oa.arraydata_t(2, n, 0, k)
    res = oa.Doptimize(cls, nrestarts=40, alpha=[1, 0, 0], verbose=0)
    best = max(res.designs, key=lambda d: d.Defficiency())
    return np.array(best) * 2.0 - 1.0


def process_improve(model_kind: str, k: int, n: int, seed: int) -> np.ndarray | str:
    try:
        from process_improve.experiments import Factor, generate_design
    except ImportError:
        return "not installed"
    fs = [Factor(name=f"x{i}", low=-1, high=1) for i in range(k)]
    kind = {"quadratic": "quadratic", "interaction": "interactions"}[model_kind]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = generate_design(fs, design_type="d_optimal", budget=n, model_type=kind, random_state=seed)
    d = r.design
    return d[[f"x{i}" for i in range(k)]].to_numpy(dtype=float)


PEERS = {"pyDOE3": pydoe3, "OApackage": oapackage, "process-improve": process_improve}


def timed(fn, *args):
    t0 = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - t0


def warm_up(seed: int) -> None:
    ours("quadratic", 2, 8, seed, 1)
    for fn in PEERS.values():
        try:
            fn("quadratic", 2, 8, seed)
            fn("interaction", 3, 8, seed)
        except Exception:  # a peer failing here fails again below and is reported there
            pass


def catalogue_lookup() -> tuple[float, int]:
    from qbdkit.core.doe.design import fractional_factorial
    from qbdkit.core.doe.design.catalogue import load_catalogue

    t0 = time.perf_counter()
    cat = load_catalogue()
    count = 0
    for (runs, k), _e in sorted(cat.items()):
        if runs <= 64:
            fractional_factorial(space(k), runs=runs)
            count += 1
    return time.perf_counter() - t0, count


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--starts", type=int, default=None, help="default: qbdkit's own (10-40 by size)")
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    args = ap.parse_args()
    warm_up(args.seeds[0])
    print(f"seeds {args.seeds}; D-eff and time are means over the seeds; 'min' = worst seed's D-eff ratio\n")
    print(f"{'problem':34s} {'tool':16s} {'D-eff %':>8s} {'time s':>8s}  ours/peer: D-eff (min)  time")
    for model_kind, k, n in PROBLEMS:
        label = f"{model_kind}, {k} factors, {n} runs"
        e_ours, t_ours = [], []
        for seed in args.seeds:
            d, t = timed(ours, model_kind, k, n, seed, args.starts)
            e_ours.append(deff(model_kind, k, d))
            t_ours.append(t)
        me, mt = float(np.mean(e_ours)), float(np.mean(t_ours))
        print(f"{label:34s} {'qbdkit':16s} {me:8.3f} {mt:8.3f}   (per seed: {', '.join(f'{v:.3f}' for v in e_ours)})")
        # the quick setting: 10 starts + point-exchange polish, no iterated local search
        e_fast, t_fast_l = [], []
        for seed in args.seeds:
            d, t = timed(ours, model_kind, k, n, seed, 10, 0)
            e_fast.append(deff(model_kind, k, d))
            t_fast_l.append(t)
        fe, ft = float(np.mean(e_fast)), float(np.mean(t_fast_l))
        print(f"{'':34s} {'qbdkit quick':16s} {fe:8.3f} {ft:8.3f}   (10 starts, no ILS; per seed: "
              f"{', '.join(f'{v:.3f}' for v in e_fast)})")
        reached, timed_peers = [], []
        for name, fn in PEERS.items():
            e_peer, t_peer, note = [], [], None
            for seed in args.seeds:
                try:
                    d, t = timed(fn, model_kind, k, n, seed)
                except Exception as exc:  # report, do not crash
                    note = f"failed: {type(exc).__name__}: {exc}"
                    break
                if isinstance(d, str):
                    note = d
                    break
                e_peer.append(deff(model_kind, k, d))
                t_peer.append(t)
            if note:
                print(f"{'':34s} {name:16s} {note}")
                continue
            if any(np.isnan(e_peer)):
                print(f"{'':34s} {name:16s} returned a singular design for this model (D-efficiency undefined), "
                      f"{np.mean(t_peer):.3f} s")
                continue
            pe, pt = float(np.mean(e_peer)), float(np.mean(t_peer))
            worst = min(a / b for a, b in zip(e_ours, e_peer, strict=True))
            print(f"{'':34s} {name:16s} {pe:8.3f} {pt:8.3f}  {me / pe:10.4f} ({worst:.4f}) {mt / pt:6.3f}"
                  f"   quick: {fe / pe:.4f} {ft / pt:.3f}")
            timed_peers.append((pt, name))
            if pe >= me - 1e-6:
                reached.append((pt, name))
        if reached:
            t_fast, who = min(reached)
            print(f"{'':34s} time ours/fastest peer reaching our D-eff ({who}): {mt / t_fast:.3f}")
        elif timed_peers:
            t_fast, who = min(timed_peers)
            print(f"{'':34s} no peer reached our mean D-efficiency; time ours/fastest peer ({who}): "
                  f"{mt / t_fast:.3f}")
        else:
            print(f"{'':34s} no peer reached our mean D-efficiency")
    t_cat, count = catalogue_lookup()
    print(f"\nminimum-aberration lookup: {count} designs (≤ 64 runs) built from the catalogue in {t_cat:.3f} s")
    from qbdkit.core.doe.design import fractional_factorial

    runs = len(fractional_factorial(space(7), resolution=3).coded)
    try:
        from pyDOE3 import fracfact_by_res

        peer_runs = len(fracfact_by_res(7, 3))
    except Exception as exc:
        peer_runs = f"n/a ({type(exc).__name__})"
    print(f"7 factors, resolution III: qbdkit {runs} runs; pyDOE3 fracfact_by_res(7, 3) {peer_runs} runs")


if __name__ == "__main__":
    main()
