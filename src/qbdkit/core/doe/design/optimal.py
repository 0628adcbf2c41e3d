"""D- and I-optimal designs by coordinate exchange (Meyer & Nachtsheim 1995, *Technometrics*
37:60-69), with random starts and a seed, constraints, categorical factors and augmentation.

Algorithm, D criterion on a small grid (all combinations of the candidate levels, feasible ones
only, at most ``ils_grid_max`` = 1024 points, nothing frozen): a design is a list of grid points and
every exchange is a point exchange over the whole grid (modified Fedorov, Cook & Nachtsheim 1980),
a superset of the single-coordinate changes. All random starts are optimised together as one batch
(NumPy arrays of designs × runs), then iterated local search perturbs each of the three best
designs in four ways per round (10-33 % of the runs re-drawn) and re-optimises the copies as one
batch; see :func:`_grid_search`. Batching is what makes it fast: the Python loop over runs is
shared by every design in the batch.

Algorithm otherwise (I criterion, larger grids, frozen columns). Start from random feasible runs on
the candidate levels of every factor. For each run
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
that enter the model linearly; −1, 0, +1 when squared; −1, −½, 0, ½, 1 in a constrained region;
all levels of a categorical factor. In a region cut by linear constraints the grid alone keeps
runs just inside a constraint whose intersections with the cube are not grid points, so the
candidate set (D criterion) also holds the **boundary points** of the feasible polytope, as
extreme-vertices designs do (McLean & Anderson 1966; Atkinson, Donev & Tobias 2007, §16.?):
its vertices (every feasible solution of k active constraints or bounds), the midpoints of its
edges and its centroid (:func:`boundary_points`; all-numeric factors, k ≤ 8).

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


def boundary_points(space: FactorSpace, max_systems: int = 200_000) -> np.ndarray:
    """Vertices, edge midpoints and the centroid of {z ∈ [−1, 1]^k : A z ≤ b} (coded), for an
    all-numeric space with linear constraints; an empty array otherwise (or when more than
    ``max_systems`` k × k systems would have to be solved)."""
    k = space.k
    if not space.constraints or not space.all_numeric:
        return np.zeros((0, k))
    eye = np.eye(k)
    a = np.vstack([eye, -eye, np.array([c.coded_coef for c in space.constraints])])
    b = np.concatenate([np.ones(2 * k), [c.coded_rhs for c in space.constraints]])
    if math.comb(len(a), k) > max_systems:
        return np.zeros((0, k))
    verts: list[np.ndarray] = []
    for rows in itertools.combinations(range(len(a)), k):
        m = a[list(rows)]
        if abs(np.linalg.det(m)) < 1e-12:
            continue
        z = np.linalg.solve(m, b[list(rows)])
        if np.all(a @ z <= b + 1e-9) and not any(np.allclose(z, v, atol=1e-9) for v in verts):
            verts.append(np.clip(z, -1.0, 1.0))
    if not verts:
        return np.zeros((0, k))
    v = np.array(verts)
    active = np.abs(v @ a.T - b) <= 1e-8
    mids = []
    for i, j in itertools.combinations(range(len(v)), 2):
        shared = a[active[i] & active[j]]
        if len(shared) and np.linalg.matrix_rank(shared, tol=1e-9) == k - 1:
            mids.append((v[i] + v[j]) / 2)
    pts = np.vstack([v, *(np.array(mids)[None] if mids else []), v.mean(axis=0, keepdims=True)])
    return pts[space.feasible(pts)]


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
                        start_polish: bool = True, patience: int = 20,
                        boundary: bool = True) -> OptimalResult:
    """Best design of ``n_runs`` new runs (plus the ``fixed`` existing runs) for ``model``.

    ``frozen`` maps a factor index to a fixed column for the new runs (e.g. block labels).
    ``perturbations``: iterated-local-search rounds on each of the three best starts (stopped
    after ``patience`` rounds in a row without improvement; on the small-grid D path each round tries
    four perturbed copies of each, see :func:`_grid_search`).
    ``starts`` (random starts) defaults to :func:`default_starts`.
    ``boundary``: add the constraint polytope's :func:`boundary_points` to the candidate grid.
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
    if boundary and grid is not None and space.constraints:
        extra = boundary_points(space)
        if len(extra):
            new = [z for z in extra if not np.any(np.all(np.abs(grid - z) <= 1e-9, axis=1))]
            if new:
                grid = np.vstack([grid, np.array(new)])
    grid_x = model.matrix(grid) if grid is not None else None
    gmap = None
    if grid is not None and not space.constrained and not frozen:
        sizes = [len(lv) for lv in levels]
        strides = np.array([int(np.prod(sizes[j + 1:])) for j in range(len(sizes))], dtype=np.intp)
        gmap = (grid, grid_x, strides, levels)
    if criterion == "D" and grid is not None and len(grid) <= ils_grid_max:
        return _grid_search(grid, grid_x, m_fixed, n_runs, rng, starts, perturbations, patience, max_passes)
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


#: Perturbed copies of each of the three best designs made in one iterated-local-search round of the
#: small-grid search (:func:`_grid_search`); they are optimised together, in one batch.
_GRID_PERTURB = 4
#: Sherman-Morrison updates between exact re-factorisations in :func:`_batched_point_exchange`.
_REFACTOR_EVERY = 60


def _grid_search(grid, grid_x, m_fixed, n_runs, rng, starts, perturbations, patience, max_passes):
    """D-optimal search when the grid of candidate points is small (≤ ``ils_grid_max`` points).

    Every design is a list of grid indices, and every exchange is a point exchange over the whole
    grid, which includes every single-coordinate change. All ``starts`` random starts are optimised
    together (:func:`_batched_point_exchange`); then each round of iterated local search perturbs
    each of the three best designs in ``_GRID_PERTURB`` ways (10 %, 10 %, 20 % and 33 % of the runs,
    at least 1, 2, 3 and 4, re-drawn at random from the grid), re-optimises the copies together
    and keeps a lineage's best copy when it beats the lineage. Batching makes the per-row Python
    work serve many designs at once.
    """
    n_grid = len(grid)
    gidx, logdet, passes = _batched_point_exchange(rng.integers(0, n_grid, (starts, n_runs)), grid_x,
                                                   m_fixed, max_passes)
    order = [int(s) for s in np.argsort(-logdet, kind="stable") if np.isfinite(logdet[s])]
    if not order:
        raise ValueError("no random start reached an estimable design; add runs or simplify the model")
    top = order[: min(3, len(order))]
    cur, cur_v = gidx[top].copy(), logdet[top].copy()
    stale = np.zeros(len(top), dtype=int)
    # runs re-drawn in each of the _GRID_PERTURB copies: small and larger kicks side by side
    sizes = np.minimum([max(1, n_runs // 10), max(2, n_runs // 10), max(3, n_runs // 5), max(4, n_runs // 3)],
                       n_runs)
    for _it in range(perturbations):
        live = np.flatnonzero(stale < patience)
        if not len(live):
            break
        pert = np.repeat(cur[live], _GRID_PERTURB, axis=0)
        m = len(pert)
        # copy c re-draws its first nc[c] runs of a random permutation
        order_runs = np.argsort(rng.random((m, n_runs)), axis=1)
        pick = np.arange(n_runs)[None, :] < np.tile(sizes, len(live))[:, None]
        copy_of = np.broadcast_to(np.arange(m)[:, None], (m, n_runs))
        pert[copy_of[pick], order_runs[pick]] = rng.integers(0, n_grid, (m, n_runs))[pick]
        g2, v2, p2 = _batched_point_exchange(pert, grid_x, m_fixed, max_passes)
        passes += p2
        v2 = v2.reshape(len(live), _GRID_PERTURB)
        bb = np.argmax(v2, axis=1)
        for li, lin in enumerate(live):
            if v2[li, bb[li]] > cur_v[lin] + 1e-12:
                cur[lin], cur_v[lin] = g2[li * _GRID_PERTURB + bb[li]], v2[li, bb[li]]
                stale[lin] = 0
            else:
                stale[lin] += 1
    for lin in np.argsort(-cur_v, kind="stable"):
        design = grid[cur[lin]].copy()
        x = grid_x[cur[lin]]
        value = _criterion_value(m_fixed + x.T @ x, None, "D")
        if value is not None:
            return OptimalResult(design, "D", value, starts, passes)
    raise ValueError("no random start reached an estimable design; add runs or simplify the model")


def _batched_point_exchange(gidx, grid_x, m_fixed, max_passes):
    """Modified Fedorov exchange (Cook & Nachtsheim 1980) over the grid for many designs at once.

    ``gidx`` (designs × runs) holds grid indices. Each run in turn is replaced by the grid point
    that increases det(X'X) most (Fedorov's delta, see the module docstring), in every design of
    the batch at once: A = (X'X)⁻¹ and the grid variances d(g) = g'Ag of every design are kept
    current by two Sherman-Morrison steps per exchange and re-factorised exactly every
    ``_REFACTOR_EVERY`` exchanges. At the start of each pass one product scores every (run, grid
    point) pair, so that a design none of whose runs can improve leaves the batch, and rows are only
    scored in the designs that can improve them or have changed since. A design whose information
    matrix is singular is regularised with 1e-6·n·I until it is of full rank.

    Returns the indices, log det(X'X) of each design (−inf when singular) and the number of passes.
    """
    gidx = np.array(gidx, dtype=np.intp)
    n_des, n_runs = gidx.shape
    n_grid, p = grid_x.shape
    gt = np.ascontiguousarray(grid_x.T)
    eye = np.eye(p)
    x = grid_x[gidx]
    ridge = np.where(_singular(m_fixed + np.matmul(x.transpose(0, 2, 1), x)), 1e-6 * max(n_runs, 1), 0.0)
    active = np.ones(n_des, dtype=bool)
    a_all = np.empty((n_des, p, p))
    dy_all = np.empty((n_des, n_grid))
    updates = _REFACTOR_EVERY
    passes = 0
    for _pass in range(max_passes):
        idx = np.flatnonzero(active)
        if not len(idx):
            break
        passes += 1
        xs, gi = x[idx], gidx[idx]
        if updates >= _REFACTOR_EVERY:
            a = np.linalg.inv(m_fixed + np.matmul(xs.transpose(0, 2, 1), xs) + ridge[idx, None, None] * eye)
            dy = ((grid_x @ a) * grid_x).sum(-1)
            updates = 0
        else:
            a, dy = a_all[idx], dy_all[idx]
        s = len(idx)
        sa = np.arange(s)
        # every (run, grid point) pair at once: which runs of which designs can still improve
        xa = np.matmul(xs, a)
        dxa = (xa * xs).sum(-1)
        score = xa @ gt
        score *= score
        score += (1 - dxa)[:, :, None] * dy[:, None, :]
        can = score.max(-1) - dxa > 1e-9
        if not can.any():
            break
        stale = np.zeros(s, dtype=bool)
        for i in range(n_runs):
            need = stale | can[:, i]
            if not need.any():
                continue
            xi = xs[:, i]
            ax = np.matmul(a, xi[:, :, None])[:, :, 0]
            dx = (ax * xi).sum(1)
            gain = ax @ gt
            gain *= gain
            gain += (1 - dx)[:, None] * dy  # (1 + d(g))(1 - d(x)) + d(x, g)² − 1 + d(x)
            bi = gain.argmax(1)
            imp = (gain[sa, bi] - dx > 1e-9) & need
            if not imp.any():
                continue
            y = grid_x[bi]
            u = np.matmul(a, y[:, :, None])[:, :, 0]
            w1 = np.where(imp, 1.0 / (1 + dy[sa, bi]), 0.0)
            a -= (w1[:, None] * u)[:, :, None] * u[:, None, :]
            gu = u @ gt
            gu *= gu
            gu *= w1[:, None]
            dy -= gu
            v = np.matmul(a, xi[:, :, None])[:, :, 0]
            with np.errstate(divide="ignore"):
                w2 = np.where(imp, 1.0 / (1 - (v * xi).sum(1)), 0.0)
            a += (w2[:, None] * v)[:, :, None] * v[:, None, :]
            gv = v @ gt
            gv *= gv
            gv *= w2[:, None]
            dy += gv
            xs[imp, i] = y[imp]
            gi[imp, i] = bi[imp]
            stale |= imp
            updates += 1
        x[idx], gidx[idx] = xs, gi
        a_all[idx], dy_all[idx] = a, dy
        active[idx] = stale
        if ridge[idx].any():
            drop = idx[(ridge[idx] > 0) & ~_singular(m_fixed + np.matmul(xs.transpose(0, 2, 1), xs))]
            if len(drop):
                ridge[drop] = 0.0
                updates = _REFACTOR_EVERY
    sign, logdet = np.linalg.slogdet(m_fixed + np.matmul(x.transpose(0, 2, 1), x))
    logdet = np.where((sign > 0) & (ridge == 0), logdet, -np.inf)
    return gidx, logdet, passes


def _singular(m: np.ndarray) -> np.ndarray:
    """Which of a stack of information matrices are (numerically) singular."""
    ev = np.linalg.eigvalsh(m)
    return ev[:, 0] <= 1e-10 * np.maximum(ev[:, -1], 1e-300)


def default_starts(n_runs: int, p: int) -> int:
    """Random starts: 10-40, more for cheap problems (work per start grows like n·p²; 40 up to
    n·p² = 10⁴, e.g. 30 for 5 factors, quadratic model, 30 runs)."""
    return int(np.clip(4e5 / max(n_runs * p * p, 1), 10, 40))


def default_runs(p: int) -> int:
    """Default run count for optimal designs: p + max(4, ⌈p/4⌉) (≥ 4 residual degrees of freedom)."""
    return p + max(4, math.ceil(p / 4))
