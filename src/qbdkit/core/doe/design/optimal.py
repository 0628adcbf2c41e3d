"""D- and I-optimal designs by coordinate exchange (Meyer & Nachtsheim 1995, *Technometrics*
37:60-69), with random starts and a seed, constraints, categorical factors and augmentation.

Algorithm. Start from random feasible runs on the candidate levels of every factor. For each run
in turn, every single-coordinate change (each factor, each candidate level) is scored at once
(vectorised), and the best improving change is made; passes repeat until a pass makes no
change. This is repeated from ``starts`` random starts (default 10-40, more for cheap
problems). The three best results are then improved by iterated local search (re-randomise
10 % of the runs, re-optimise, keep if better; 20 rounds; ``patience`` can stop earlier) and, for the D criterion when the
grid of candidate levels has at most 10 000 points, by point exchange over that grid (Fedorov
1972: a whole run is replaced by the best grid point, with rank-one updates of G·A).

Updates use the information matrix M = X'X and A = M⁻¹. Replacing model row x by y:

- D: det(M − xx' + yy') / det(M) = (1 + y'Ay)(1 − x'Ax) + (x'Ay)²  (Fedorov's delta;
  Atkinson, Donev & Tobias, *Optimum Experimental Designs, with SAS*, 2007, §12.4);
- A is updated by two Sherman-Morrison rank-one steps (add y, then remove x) and recomputed
  exactly after every pass;
- I (average prediction variance over the region, trace(A W) with the moment matrix
  W = E[f(x) f(x)']): the same two rank-one steps written in closed form for all candidates
  at once (Goos & Jones, *Optimal Design of Experiments*, 2011, ch. 4). W is exact (tensor
  Gauss-Legendre nodes, 3 per numeric factor, exact for polynomials of degree ≤ 5 per factor)
  for an unconstrained region of ≤ 10 numeric factors, otherwise a seeded Monte-Carlo average
  over 20 000 feasible points.

A random start whose information matrix is singular is regularised with 1e-6·n·I until it is
of full rank. Candidate levels: the factor's own finer levels when given; −1, +1 for factors
that enter the model linearly; −1, 0, +1 when squared; −1, −½, 0, ½, 1 in a constrained region
(so that runs can approach the constraint boundaries); all levels of a categorical factor.

Hand-written because no maintained Python package offers coordinate exchange for general
models with constraints (see ``benchmarks/doe_optimal.py`` for a comparison with pyDOE3,
OApackage and process-improve).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from qbdkit.core.doe.design.factors import FactorSpace
from qbdkit.core.doe.design.model import Model


@dataclass
class OptimalResult:
    coded: np.ndarray
    criterion: str
    value: float  # log det(X'X) for D, trace((X'X)^-1 W) for I
    starts: int
    passes: int


def candidate_levels(space: FactorSpace, model: Model) -> list[np.ndarray]:
    out = []
    for j, f in enumerate(space.factors):
        if not f.is_numeric:
            out.append(np.arange(f.n_levels, dtype=float))
            continue
        if f.levels:
            out.append(np.unique(f.to_coded(np.array(f.levels))))
            continue
        power = max((p for t in model.terms for (jj, p) in t if jj == j), default=1)
        in_term = any(jj == j for t in model.terms for (jj, _) in t)
        if space.constraints:
            out.append(np.array([-1.0, -0.5, 0.0, 0.5, 1.0]))
        elif power >= 2:
            out.append(np.array([-1.0, 0.0, 1.0]) if power == 2 else np.linspace(-1, 1, power + 1))
        elif in_term:
            out.append(np.array([-1.0, 1.0]))
        else:
            out.append(np.array([-1.0, 0.0, 1.0]))
    return out


def moment_matrix(space: FactorSpace, model: Model, seed: int = 12345) -> np.ndarray:
    """W = E[f(x) f(x)'] over the (constrained) region, uniform measure."""
    num = [j for j, f in enumerate(space.factors) if f.is_numeric]
    if not space.constrained and len(num) <= 10:
        nodes, weights = np.polynomial.legendre.leggauss(3)
        weights = weights / 2.0
        axes = []
        wts = []
        for f in space.factors:
            if f.is_numeric:
                axes.append(nodes)
                wts.append(weights)
            else:
                axes.append(np.arange(f.n_levels, dtype=float))
                wts.append(np.full(f.n_levels, 1.0 / f.n_levels))
        pts = np.array(list(itertools.product(*axes)))
        w = np.prod(np.array(list(itertools.product(*wts))), axis=1)
        x = model.matrix(pts)
        return (x * w[:, None]).T @ x
    rng = np.random.default_rng(seed)
    pts = _random_points(space, 20000, rng)
    x = model.matrix(pts)
    return x.T @ x / len(x)


def _random_points(space: FactorSpace, n: int, rng: np.random.Generator) -> np.ndarray:
    got = []
    total = 0
    tries = 0
    while total < n and tries < 200:
        m = max(n, 1000)
        pts = np.empty((m, space.k))
        for j, f in enumerate(space.factors):
            pts[:, j] = rng.uniform(-1, 1, m) if f.is_numeric else rng.integers(0, f.n_levels, m)
        if space.constrained:
            pts = pts[space.feasible(pts)]
        got.append(pts)
        total += len(pts)
        tries += 1
    if total == 0:
        raise ValueError("no feasible point found in the constrained region")
    return np.vstack(got)[:n]


def _random_start(levels: list[np.ndarray], n: int, space: FactorSpace, rng: np.random.Generator,
                  frozen: dict[int, np.ndarray]) -> np.ndarray:
    k = len(levels)
    out = np.empty((n, k))
    filled = 0
    for _ in range(2000):
        m = max(4 * (n - filled), 64)
        cand = np.empty((m, k))
        for j, lv in enumerate(levels):
            cand[:, j] = rng.choice(lv, m)
        ok = space.feasible(cand) if space.constrained else np.ones(m, dtype=bool)
        cand = cand[ok]
        take = min(len(cand), n - filled)
        out[filled: filled + take] = cand[:take]
        filled += take
        if filled == n:
            break
    if filled < n:
        raise ValueError("could not find feasible candidate runs: the constraints leave almost no room "
                         "on the candidate levels")
    for j, col in frozen.items():
        out[:, j] = col
    return out


def coordinate_exchange(space: FactorSpace, model: Model, n_runs: int, *, criterion: str = "D",
                        seed: int = 1, starts: int | None = None, fixed: np.ndarray | None = None,
                        frozen: dict[int, np.ndarray] | None = None, max_passes: int = 50,
                        perturbations: int = 20, ils_grid_max: int = 1024,
                        start_polish: bool = True, patience: int = 20) -> OptimalResult:
    """Best design of ``n_runs`` new runs (plus the ``fixed`` existing runs) for ``model``.

    ``frozen`` maps a factor index to a fixed column for the new runs (e.g. block labels).
    ``perturbations``: iterated-local-search rounds on each of the three best starts (stopped
    after ``patience`` rounds in a row without improvement).
    ``starts`` (random starts) defaults to :func:`default_starts`.
    """
    criterion = criterion.upper()
    if criterion not in ("D", "I"):
        raise ValueError("criterion must be D or I")
    rng = np.random.default_rng(seed)
    if starts is None:
        starts = default_starts(n_runs, model.p)
    levels = candidate_levels(space, model)
    frozen = frozen or {}
    p = model.p
    fixed_x = model.matrix(fixed) if fixed is not None and len(fixed) else np.zeros((0, p))
    m_fixed = fixed_x.T @ fixed_x
    w = moment_matrix(space, model) if criterion == "I" else None
    j_idx = np.concatenate([np.full(len(lv), j) for j, lv in enumerate(levels) if j not in frozen]) \
        if any(j not in frozen for j in range(len(levels))) else np.zeros(0, dtype=int)
    v_all = np.concatenate([lv for j, lv in enumerate(levels) if j not in frozen]) if len(j_idx) else np.zeros(0)
    j_idx = j_idx.astype(int)
    grid = _candidate_grid(levels, space, frozen)
    grid_x = model.matrix(grid) if grid is not None else None
    gmap = None
    if grid is not None and not space.constrained and not frozen:
        sizes = [len(lv) for lv in levels]
        strides = np.array([int(np.prod(sizes[j + 1:])) for j in range(len(sizes))], dtype=np.intp)
        gmap = (grid, grid_x, strides, levels)
    results: list[OptimalResult] = []
    total_passes = 0
    for _s in range(starts):
        design = _random_start(levels, n_runs, space, rng, frozen)
        x = model.matrix(design)
        design, x, passes = _exchange(space, model, design, x, m_fixed, w, criterion, j_idx, v_all,
                                      max_passes, gmap)
        total_passes += passes
        if grid is not None and criterion == "D" and start_polish:
            design, x = _point_exchange(design, x, m_fixed, grid, grid_x, max_passes)
        value = _criterion_value(m_fixed + x.T @ x, w, criterion)
        if value is not None:
            results.append(OptimalResult(design.copy(), criterion, value, starts, 0))
    if not results:
        raise ValueError("no random start reached an estimable design; add runs or simplify the model")
    results.sort(key=lambda r: -r.value if criterion == "D" else r.value)
    best = results[0]
    # iterated local search on the best starts: perturb a few runs at random, re-optimise
    # (coordinate exchange, then point exchange over the full grid when it is small), keep
    # the result when it is better (Lourenço, Martin & Stützle 2003, "Iterated local search")
    for r in results[: min(3, len(results))]:
        cur_d, cur_v = r.coded.copy(), r.value
        stale = 0
        for _it in range(perturbations):
            if stale >= patience:
                break
            d = cur_d.copy()
            n_change = max(1, n_runs // 10)
            idx = rng.choice(n_runs, n_change, replace=False)
            d[idx] = _random_start(levels, n_change, space, rng, {j: c[idx] for j, c in frozen.items()})
            x = model.matrix(d)
            d, x, passes = _exchange(space, model, d, x, m_fixed, w, criterion, j_idx, v_all, max_passes, gmap)
            total_passes += passes
            if grid is not None and criterion == "D" and len(grid) <= ils_grid_max:
                d, x = _point_exchange(d, x, m_fixed, grid, grid_x, max_passes)
            value = _criterion_value(m_fixed + x.T @ x, w, criterion)
            if value is None:
                continue
            if (criterion == "D" and value > cur_v + 1e-12) or (criterion == "I" and value < cur_v - 1e-12):
                cur_d, cur_v = d, value
                stale = 0
            else:
                stale += 1
        if (criterion == "D" and cur_v > best.value + 1e-12) or (criterion == "I" and cur_v < best.value - 1e-12):
            best = OptimalResult(cur_d, criterion, cur_v, starts, 0)
    if grid is not None and criterion == "D" and len(grid) > 1024:
        d = best.coded.copy()
        x = model.matrix(d)
        d, x = _point_exchange(d, x, m_fixed, grid, grid_x, max_passes)
        value = _criterion_value(m_fixed + x.T @ x, w, criterion)
        if value is not None and value > best.value + 1e-12:
            best = OptimalResult(d, criterion, value, starts, 0)
    best.passes = total_passes
    return best


def _criterion_value(m: np.ndarray, w: np.ndarray | None, criterion: str) -> float | None:
    p = m.shape[0]
    sign, logdet = np.linalg.slogdet(m)
    if sign <= 0 or np.linalg.matrix_rank(m) < p:
        return None
    if criterion == "D":
        return float(logdet)
    return float(np.trace(np.linalg.solve(m, w)))


def _candidate_grid(levels: list[np.ndarray], space: FactorSpace, frozen: dict) -> np.ndarray | None:
    """All combinations of candidate levels, when there are at most 10 000 and nothing is frozen."""
    size = int(np.prod([len(lv) for lv in levels]))
    if frozen or size > 10_000:
        return None
    grid = np.array(list(itertools.product(*levels)), dtype=float)
    if space.constrained:
        grid = grid[space.feasible(grid)]
    return grid if len(grid) else None


def _exchange(space, model, design, x, m_fixed, w, criterion, j_idx, v_all, max_passes, gmap=None):
    """Coordinate exchange passes until no single-coordinate change improves the criterion.

    With ``gmap`` (the full candidate grid, its model matrix, mixed-radix strides and levels) the
    candidate rows are looked up in the precomputed grid model matrix instead of being expanded.
    """
    n_runs, p = x.shape
    if gmap is not None:
        grid, grid_x, strides, levels = gmap
        lvl_idx = np.column_stack([np.searchsorted(lv, design[:, j]) for j, lv in enumerate(levels)])
        gi = lvl_idx @ strides
        l_all = np.concatenate([np.arange(len(lv)) for lv in levels])
        radix = np.array([len(lv) for lv in levels], dtype=np.intp)
    m = m_fixed + x.T @ x
    ridge = 1e-6 * max(n_runs, 1) if np.linalg.matrix_rank(m) < p else 0.0
    a = np.linalg.inv(m + ridge * np.eye(p))
    rows = np.arange(len(j_idx))
    passes = 0
    for _pass in range(max_passes):
        passes += 1
        changed = False
        for i in range(n_runs):
            row = design[i]
            keep = v_all != row[j_idx]
            if not keep.any():
                continue
            if gmap is not None:
                cur = (gi[i] // strides) % radix
                cidx = (gi[i] + (l_all - cur[j_idx]) * strides[j_idx])[keep]
                cand = grid[cidx]
                y = grid_x[cidx]
            else:
                cand = np.repeat(row[None, :], len(j_idx), axis=0)
                cand[rows, j_idx] = v_all
                cand = cand[keep]
                if space.constrained:
                    cand = cand[space.feasible(cand)]
                    if not len(cand):
                        continue
                y = model.matrix(cand)
            xi = x[i]
            ay = y @ a
            dy = np.einsum("ij,ij->i", y, ay)
            ax = a @ xi
            dx = float(xi @ ax)
            xy = ay @ xi
            if criterion == "D":
                gain = (1 + dy) * (1 - dx) + xy**2
                bi = int(np.argmax(gain))
                improve = gain[bi] > 1 + 1e-9
            else:
                # trace(A2 W) - trace(A W) for every candidate, in closed form
                ayw = ay @ w
                t1 = -np.einsum("ij,ij->i", ayw, ay) / (1 + dy)
                u = ax[None, :] - ay * (xy / (1 + dy))[:, None]
                xa1x = dx - xy**2 / (1 + dy)
                denom = 1 - xa1x
                with np.errstate(divide="ignore", invalid="ignore"):
                    t2 = np.einsum("ij,ij->i", u @ w, u) / denom
                delta = np.where(denom > 1e-10, t1 + t2, np.inf)
                bi = int(np.argmin(delta))
                tr = float(np.trace(a @ w))
                improve = delta[bi] < -1e-9 * max(abs(tr), 1e-12)
            if not improve:
                continue
            ayb = ay[bi]
            a1 = a - np.outer(ayb, ayb) / (1 + dy[bi])
            a1x = a1 @ xi
            a = a1 + np.outer(a1x, a1x) / (1 - float(xi @ a1x))
            design[i] = cand[bi]
            x[i] = y[bi]
            if gmap is not None:
                gi[i] = cidx[bi]
            changed = True
        m = m_fixed + x.T @ x
        if ridge and np.linalg.matrix_rank(m) == p:
            ridge = 0.0
        a = np.linalg.inv(m + ridge * np.eye(p))
        if not changed:
            break
    return design, x, passes


def _point_exchange(design, x, m_fixed, grid, grid_x, max_passes):
    """Replace whole runs by the best grid point while the determinant grows (D only).

    G·A and diag(G A G') are kept up to date with rank-one corrections, so a row costs
    O(|grid|·p) instead of O(|grid|·p²).
    """
    n_runs = x.shape[0]
    a = np.linalg.inv(m_fixed + x.T @ x)
    for _pass in range(max_passes):
        changed = False
        ga = grid_x @ a
        dy = np.einsum("ij,ij->i", grid_x, ga)
        for i in range(n_runs):
            xi = x[i]
            ax = a @ xi
            dx = float(xi @ ax)
            xy = grid_x @ ax
            gain = (1 + dy) * (1 - dx) + xy**2
            bi = int(np.argmax(gain))
            if gain[bi] <= 1 + 1e-9:
                continue
            u = ga[bi].copy()
            c1 = 1 + dy[bi]
            gu = grid_x @ u
            a1 = a - np.outer(u, u) / c1
            ga -= np.outer(gu, u) / c1
            dy -= gu**2 / c1
            v = a1 @ xi
            c2 = 1 - float(xi @ v)
            gv = grid_x @ v
            a = a1 + np.outer(v, v) / c2
            ga += np.outer(gv, v) / c2
            dy += gv**2 / c2
            design[i] = grid[bi]
            x[i] = grid_x[bi]
            changed = True
        a = np.linalg.inv(m_fixed + x.T @ x)
        if not changed:
            break
    return design, x


def default_starts(n_runs: int, p: int) -> int:
    """Random starts: 10-40, more for cheap problems (work per start grows like n·p²)."""
    return int(np.clip(2e5 / max(n_runs * p * p, 1), 10, 40))


def default_runs(p: int) -> int:
    """Default run count for optimal designs: p + max(4, ⌈p/4⌉) (≥ 4 residual degrees of freedom)."""
    return p + max(4, math.ceil(p / 4))
