"""Probabilistic design space, proven acceptable ranges (PAR) and normal operating ranges (NOR).

Terms (ICH Q8(R2); seed 000 figs. 12–13): the *design space* is the set of
factor settings x at which the probability that every critical quality
attribute (CQA) meets its specification is at least R,

    DS = { x : P(y(x) ∈ A | data) ≥ R },

with y(x) the posterior predictive response vector of the multi-response
regression (Peterson 2004, J. Quality Technology 36(2); Peterson 2008,
J. Biopharm. Stat. 18(5); see :mod:`.posterior`) and A the box of
specifications. Every probability is a Monte Carlo proportion of ``draws``
posterior predictive draws; its standard error is the binomial
``√(p(1 − p)/draws)`` and the maximum over the grid is reported.

* *PAR* (proven acceptable range): for one factor, the others at the set point,
  the contiguous range around the set point inside which P ≥ R.
* *NOR* (normal operating range): set point ± k·σ (σ = control capability of
  the equipment); it must lie inside the PAR, and P is reported at the NOR
  corners.
* *Sweet spot*: settings where the predicted MEAN of every response meets its
  specification (the classical overlay plot), shown for comparison — it ignores
  the prediction uncertainty, so it is larger than the design space.
* *Box*: the largest axis-aligned box of grid points containing the set point
  inside the region P ≥ R (exact branch-and-bound over grid indices).

Speed without set-point noise: the predictive at x is
``B̂ᵀz(x) + √(1 + h(x))·T`` with one common set of draws ``T`` (module
:mod:`.posterior`), so a grid point needs the number of draws inside a box of
standardised bounds. Draws are converted to ranks once; per point the marginal
counts come from a binary search (exact 0 or 1 probabilities are settled there),
the remaining points by integer comparisons on chunks, in two threads.
With set-point noise each (point, draw) gets its own x + δ, so (B, Σ) are drawn
explicitly and the model rows are evaluated per draw (chunked).
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import re
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from qbdkit.core.doe.analysis.posterior import MultiResponsePosterior
from qbdkit.core.numbers import parse_number
from qbdkit.core.result import Result, format_table, to_jsonable
from qbdkit.errors import QbdInputError

ModelRows = Callable[[np.ndarray], np.ndarray]

# ---------------------------------------------------------------------------
# specifications
# ---------------------------------------------------------------------------

_OPS = {"≥": ">=", "≤": "<=", "＞": ">", "＜": "<", "=>": ">=", "=<": "<=", "≧": ">=", "≦": "<="}
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


@dataclass(frozen=True)
class Spec:
    """One specification: ``low ≤ response ≤ high`` (either side may be open, None)."""

    response: str
    low: float | None = None
    high: float | None = None

    def text(self) -> str:
        if self.low is not None and self.high is not None:
            return f"{self.low:g} ≤ {self.response} ≤ {self.high:g}"
        if self.low is not None:
            return f"{self.response} ≥ {self.low:g}"
        return f"{self.response} ≤ {self.high:g}"


def _match_name(name: str, known: Sequence[str] | None, text: str, field_name: str) -> str:
    name = name.strip()
    if known is None:
        return name
    if name in known:
        return name

    def norm(s: str) -> str:
        return re.sub(r"[\s_]+", "", s).casefold()

    hits = [k for k in known if norm(k) == norm(name)]
    if len(hits) == 1:
        return hits[0]
    raise QbdInputError(f"unknown response in {field_name} {text!r}", column=field_name,
                        expected="one of " + ", ".join(known), found=name)


def _number(s: str, text: str, field_name: str) -> float:
    s = s.strip()
    if not _is_number(s):
        raise QbdInputError(f"cannot read {field_name} {text!r}", column=field_name,
                            expected="a number", found=s)
    return parse_number(s)


def _is_number(s: str) -> bool:
    try:
        parse_number(s.strip())
    except ValueError:
        return False
    return bool(_NUMBER.match(s.strip().replace(",", "")))


def parse_spec(text: str, responses: Sequence[str] | None = None) -> Spec:
    """Parse ``"Y>=90"``, ``"Z <= 5"``, ``"5<=Z<=7"``, ``"7>=Z>=5"`` (also ≥ ≤).

    Response names may contain spaces, units and Chinese (``"Titer (g/L)>=3"``,
    ``"收率>=80"``); with ``responses`` given, the name must be one of them
    (case/space-insensitive). Strict and non-strict inequalities are the same
    for a continuous response.
    """
    s = text
    for a, b in _OPS.items():
        s = s.replace(a, b)
    parts = re.split(r"(<=|>=|<|>)", s)
    if len(parts) not in (3, 5):
        raise QbdInputError(f"cannot read specification {text!r}", column="--spec",
                            expected="NAME>=LOW, NAME<=HIGH or LOW<=NAME<=HIGH", found=text)
    if len(parts) == 3:
        left, op, right = parts
        if _is_number(right):
            name, value, op_ = left, _number(right, text, "--spec"), op
        elif _is_number(left):
            name, value = right, _number(left, text, "--spec")
            op_ = {"<=": ">=", ">=": "<=", "<": ">", ">": "<"}[op]
        else:
            raise QbdInputError(f"cannot read specification {text!r}", column="--spec",
                                expected="a number on one side", found=text)
        name = _match_name(name, responses, text, "--spec")
        if op_ in (">=", ">"):
            return Spec(name, low=value)
        return Spec(name, high=value)
    a, op1, name, op2, b = parts
    va, vb = _number(a, text, "--spec"), _number(b, text, "--spec")
    name = _match_name(name, responses, text, "--spec")
    if op1 in ("<=", "<") and op2 in ("<=", "<"):
        lo, hi = va, vb
    elif op1 in (">=", ">") and op2 in (">=", ">"):
        lo, hi = vb, va
    else:
        raise QbdInputError(f"cannot read specification {text!r}", column="--spec",
                            expected="both inequalities in the same direction", found=text)
    if lo > hi:
        raise QbdInputError(f"contradictory specification {text!r}", column="--spec",
                            expected="low ≤ high", found=f"low={lo:g}, high={hi:g}")
    return Spec(name, low=lo, high=hi)


#: the same parser under a name that does not clash with :func:`.cpp.parse_spec` when
#: both are re-exported from :mod:`qbdkit.core.doe`
parse_space_spec = parse_spec


def combine_specs(specs: Sequence[Spec]) -> dict[str, tuple[float, float]]:
    """Intersect the specifications per response → ``{response: (low, high)}``
    (±inf for an open side). Contradictory specifications raise QbdInputError."""
    out: dict[str, tuple[float, float]] = {}
    for sp in specs:
        lo, hi = out.get(sp.response, (-math.inf, math.inf))
        if sp.low is not None:
            lo = max(lo, sp.low)
        if sp.high is not None:
            hi = min(hi, sp.high)
        if lo > hi:
            raise QbdInputError(f"contradictory specifications for {sp.response!r}",
                                column="--spec", expected="an attainable range",
                                found=f"low {lo:g} > high {hi:g}")
        out[sp.response] = (lo, hi)
    return out


# ---------------------------------------------------------------------------
# probability kernel
# ---------------------------------------------------------------------------

@dataclass
class _Draws:
    """Shared posterior predictive draws for the no-noise kernel.

    ``sorted_cols[j]``: draws of response j sorted; ``ranks[j, k]``: rank of draw k
    in response j; ``bits[j][t]``: bitset (uint64 words) of the draws with rank ≥ t and
    ``below[j][t]`` of those with rank < t, t = 0 … m, so the draws inside
    ``lo ≤ rank < hi`` are ``bits[j][lo] & below[j][hi]`` and a joint count is an AND of
    bitsets and a popcount (None when the tables would exceed :data:`BITSET_BUDGET`
    bytes; then boolean comparisons).
    """

    sorted_cols: list[np.ndarray]
    ranks: np.ndarray  # (r, m) int16/int32
    bits: list[np.ndarray] | None
    below: list[np.ndarray] | None = None


BITSET_BUDGET = 600_000_000


def _rank_bitsets(rank: np.ndarray, m: int) -> np.ndarray:
    """Table (m + 1)×W of uint64: row t has bit k set iff rank[k] ≥ t — the draw of rank t
    set in row t, then a cumulative OR from the last row up."""
    words = (m + 63) // 64
    k = np.empty(m, dtype=np.int64)
    k[rank.astype(np.int64)] = np.arange(m)  # k[t]: the draw of rank t
    out = np.zeros((m + 1, words), dtype=np.uint64)
    out[np.arange(m), k // 64] = np.left_shift(np.uint64(1), (k % 64).astype(np.uint64))
    np.bitwise_or.accumulate(out[::-1], axis=0, out=out[::-1])
    return out


def _below_bitsets(ge: np.ndarray, m: int) -> np.ndarray:
    """Complement of :func:`_rank_bitsets` within the m draws: row t = draws of rank < t."""
    words = ge.shape[1]
    valid = np.full(words, np.iinfo(np.uint64).max, dtype=np.uint64)
    if m % 64:
        valid[-1] = np.uint64((1 << (m % 64)) - 1)
    return np.bitwise_and(~ge, valid)


def _prepare_draws(t: np.ndarray) -> _Draws:
    m, r = t.shape
    order = np.argsort(t, axis=0, kind="stable")
    dtype = np.int16 if m < 2**15 else np.int32
    ranks = np.empty((r, m), dtype=dtype)
    for j in range(r):
        ranks[j, order[:, j]] = np.arange(m, dtype=dtype)
    words = (m + 63) // 64
    bits = below = None
    if r > 1 and 2 * (m + 1) * words * 8 * r <= BITSET_BUDGET:
        bits = [_rank_bitsets(ranks[j], m) for j in range(r)]
        below = [_below_bitsets(b, m) for b in bits]
    return _Draws([t[order[:, j], j] for j in range(r)], ranks, bits, below)


def _count_inside_fixed(post: MultiResponsePosterior, z: np.ndarray, lows: np.ndarray,
                        highs: np.ndarray, d: _Draws, m: int, workers: int = 2,
                        block: int = 4_000_000, mu: np.ndarray | None = None) -> np.ndarray:
    """Number of draws with y(x) inside the spec box at each model row of ``z``
    (``mu``: the predicted means ``post.mean(z)`` when the caller has them already)."""
    if mu is None:
        mu = post.mean(z)
    s = np.sqrt(1.0 + post.leverage(z))
    n = z.shape[0]
    r = post.r
    lo_idx = np.zeros((n, r), dtype=np.int64)
    hi_idx = np.full((n, r), m, dtype=np.int64)
    constrained = []
    for j in range(r):
        if np.isfinite(lows[j]):
            lo_idx[:, j] = np.searchsorted(d.sorted_cols[j], (lows[j] - mu[:, j]) / s, "left")
        if np.isfinite(highs[j]):
            hi_idx[:, j] = np.searchsorted(d.sorted_cols[j], (highs[j] - mu[:, j]) / s, "right")
        if np.isfinite(lows[j]) or np.isfinite(highs[j]):
            constrained.append(j)
    marg = np.clip(hi_idx - lo_idx, 0, None)
    counts = np.zeros(n, dtype=np.int64)
    if not constrained:
        counts[:] = m
        return counts
    cm = marg[:, constrained]
    if len(constrained) == 1:
        return cm[:, 0].astype(np.int64)
    zero = (cm == 0).any(axis=1)
    full = (cm == m).all(axis=1)
    counts[full & ~zero] = m
    todo = np.flatnonzero(~zero & ~full)
    if todo.size == 0:
        return counts
    ranks = d.ranks

    def work_bits(task: tuple[np.ndarray, tuple[tuple[int, bool], ...]]
                  ) -> tuple[np.ndarray, np.ndarray]:
        idx, sides = task
        acc: np.ndarray | None = None
        for j, upper in sides:
            sel = d.below[j][hi_idx[idx, j]] if upper else d.bits[j][lo_idx[idx, j]]
            acc = sel if acc is None else np.bitwise_and(acc, sel, out=acc)
        return idx, np.bitwise_count(acc).sum(axis=1, dtype=np.int64)

    def work_compare(idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        ok: np.ndarray | None = None
        tmp = np.empty((idx.size, m), dtype=bool)
        for j in constrained:
            rj = ranks[j][None, :]
            lo = lo_idx[idx, j]
            hi = hi_idx[idx, j]
            if (lo > 0).any():
                np.greater_equal(rj, lo.astype(ranks.dtype)[:, None], out=tmp)
                ok = tmp.copy() if ok is None else np.logical_and(ok, tmp, out=ok)
            if (hi < m).any():
                np.less(rj, np.minimum(hi, np.iinfo(ranks.dtype).max).astype(ranks.dtype)[:, None],
                        out=tmp)
                ok = tmp.copy() if ok is None else np.logical_and(ok, tmp, out=ok)
        if ok is None:
            return idx, np.full(idx.size, m)
        return idx, np.count_nonzero(ok, axis=1)

    if d.bits is not None:
        # Only the limits that cut off some draws at a point take part there: group the
        # points by which sides (lower: lo > 0, upper: hi < m) of which responses bind.
        # Where one response alone binds, the joint count is its marginal count.
        cl, ch = lo_idx[todo][:, constrained] > 0, hi_idx[todo][:, constrained] < m
        code = np.zeros(todo.size, dtype=np.int64)
        for c in range(len(constrained)):
            code |= cl[:, c].astype(np.int64) << (2 * c)
            code |= ch[:, c].astype(np.int64) << (2 * c + 1)
        order = np.argsort(code, kind="stable")
        codes, starts = np.unique(code[order], return_index=True)
        ends = [*starts[1:].tolist(), todo.size]
        rows_per_block = max(1, block // (8 * ((m + 63) // 64)))
        tasks = []
        for cv, a, b in zip(codes.tolist(), starts.tolist(), ends, strict=True):
            group = todo[order[a:b]]
            sides = tuple((j, bool(side)) for c, j in enumerate(constrained) for side in (0, 1)
                          if cv >> (2 * c + side) & 1)
            if len({j for j, _ in sides}) == 1:
                counts[group] = marg[group, sides[0][0]]
                continue
            tasks += [(group[i:i + rows_per_block], sides)
                      for i in range(0, group.size, rows_per_block)]
        work: Callable[[Any], tuple[np.ndarray, np.ndarray]] = work_bits
        chunks: list[Any] = tasks
    else:
        work = work_compare
        rows_per_block = max(1, block // m)
        chunks = [todo[i:i + rows_per_block] for i in range(0, todo.size, rows_per_block)]
    if workers > 1 and len(chunks) > 1:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(work, chunks))
    else:
        results = [work(c) for c in chunks]
    for idx, c in results:
        counts[idx] = c
    return counts


def _count_inside_noisy(post: MultiResponsePosterior, rows: ModelRows, x: np.ndarray,
                        noise_sd: np.ndarray, lows: np.ndarray, highs: np.ndarray,
                        b: np.ndarray, chol: np.ndarray, rng: np.random.Generator,
                        block: int = 20_000_000) -> np.ndarray:
    """Draw counts inside the spec box with set-point noise x + δ, δ ~ N(0, diag σ²)."""
    m = b.shape[0]
    n = x.shape[0]
    p, r = post.p, post.r
    per_point = m * max(p, r) * 3
    step = max(1, block // per_point)
    counts = np.zeros(n, dtype=np.int64)
    for start in range(0, n, step):
        xs = x[start:start + step]
        g = xs.shape[0]
        xd = np.repeat(xs[None, :, :], m, axis=0)
        noisy = np.flatnonzero(noise_sd > 0)
        xd[:, :, noisy] += rng.standard_normal((m, g, noisy.size)) * noise_sd[noisy]
        z = rows(xd)  # (m, g, p)
        y = z @ b  # (m, g, r)
        u = rng.standard_normal((m, g, r))
        y += u @ np.swapaxes(chol, 1, 2)
        ok = np.ones((m, g), dtype=bool)
        for j in range(r):
            if np.isfinite(lows[j]):
                ok &= y[:, :, j] >= lows[j]
            if np.isfinite(highs[j]):
                ok &= y[:, :, j] <= highs[j]
        counts[start:start + g] = np.count_nonzero(ok, axis=0)
    return counts


class ProbabilityEngine:
    """P(all specifications met) at any settings, with common posterior draws.

    ``rows`` maps settings (…×k, actual units) to model rows (…×p);
    ``specs`` maps response name → (low, high). With ``noise_sd`` (per factor,
    actual units; 0 = no noise) each evaluation adds set-point noise.
    """

    def __init__(self, post: MultiResponsePosterior, rows: ModelRows,
                 specs: Mapping[str, tuple[float, float]], *, draws: int = 5000, seed: int = 0,
                 noise_sd: Sequence[float] | None = None, workers: int = 2) -> None:
        if draws < 2:
            raise QbdInputError("too few draws", column="--draws", expected="≥ 2", found=draws)
        unknown = [s for s in specs if s not in post.responses]
        if unknown:
            raise QbdInputError("specification on a response that is not modelled",
                                column="--spec", expected="one of " + ", ".join(post.responses),
                                found=", ".join(unknown))
        self.post = post
        self.rows = rows
        self.draws = int(draws)
        self.workers = workers
        self.lows = np.array([specs.get(rn, (-math.inf, math.inf))[0] for rn in post.responses])
        self.highs = np.array([specs.get(rn, (-math.inf, math.inf))[1] for rn in post.responses])
        self._seed = seed
        self.rng = np.random.default_rng(seed)
        self.noise_sd = None
        if noise_sd is not None and np.any(np.asarray(noise_sd, dtype=float) > 0):
            self.noise_sd = np.asarray(noise_sd, dtype=float)
            self._b, self._chol = post.sample_parameters(self.draws, self.rng)
        else:
            self._draws = _prepare_draws(post.sample_standard_t(self.draws, self.rng))

    def counts(self, x: np.ndarray) -> np.ndarray:
        """Draws inside the specifications at settings ``x`` (N×k, actual units)."""
        return self.counts_and_mean_inside(x, sweet=False)[0]

    def counts_and_mean_inside(self, x: np.ndarray, *, sweet: bool = True
                               ) -> tuple[np.ndarray, np.ndarray | None]:
        """:meth:`counts` and :meth:`mean_inside` at settings ``x`` from one evaluation of
        the model rows and predicted means per chunk (``sweet=False``: counts only)."""
        x = np.atleast_2d(np.asarray(x, dtype=float))
        inside = np.empty(x.shape[0], dtype=bool) if sweet else None
        if self.noise_sd is None:
            out = np.empty(x.shape[0], dtype=np.int64)

            def part(i: int) -> None:
                z = self.rows(x[i:i + step])
                mu = self.post.mean(z)
                out[i:i + step] = _count_inside_fixed(self.post, z, self.lows, self.highs,
                                                      self._draws, self.draws, 1, mu=mu)
                if inside is not None:
                    inside[i:i + step] = self._mean_ok(mu)

            # Whole chunks (model rows, means, leverages, counts) run in ``workers`` threads
            # with BLAS single-threaded: on these tall, thin products BLAS's own threads
            # cost more than they give, and badly so on a busy machine.
            step = max(1, min(100_000, -(-x.shape[0] // max(1, self.workers))))
            starts = range(0, x.shape[0], step)
            with threadpool_limits(limits=1, user_api="blas"):
                if self.workers > 1 and len(starts) > 1:
                    with ThreadPoolExecutor(max_workers=self.workers) as pool:
                        list(pool.map(part, starts))
                else:
                    for i in starts:
                        part(i)
            return out, inside
        out = _count_inside_noisy(self.post, self.rows, x, self.noise_sd, self.lows,
                                  self.highs, self._b, self._chol, self.rng)
        if inside is not None:
            inside[:] = self.mean_inside(x)
        return out, inside

    def _mean_ok(self, mu: np.ndarray) -> np.ndarray:
        return np.all((mu >= self.lows) & (mu <= self.highs), axis=1)

    def restricted(self, specs: Mapping[str, tuple[float, float]]) -> ProbabilityEngine:
        """The same engine with other specifications (e.g. one response's alone). Without
        set-point noise the draws are shared, which is exactly what a new engine with the same
        seed would draw (they depend only on the posterior, ``draws`` and ``seed``); with
        noise a new engine is built (its noise draws follow the parameter draws)."""
        if self.noise_sd is not None:
            return ProbabilityEngine(self.post, self.rows, specs, draws=self.draws,
                                     seed=self._seed, noise_sd=self.noise_sd, workers=1)
        other = object.__new__(ProbabilityEngine)
        other.__dict__.update(self.__dict__)
        other.lows = np.array([specs.get(rn, (-math.inf, math.inf))[0]
                               for rn in self.post.responses])
        other.highs = np.array([specs.get(rn, (-math.inf, math.inf))[1]
                                for rn in self.post.responses])
        other.rng = None  # the shared draws are made; nothing further is drawn
        return other

    def probability(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(probability, Monte Carlo standard error √(p(1−p)/draws)) at settings ``x``."""
        p = self.counts(x) / self.draws
        return p, mc_standard_error(p, self.draws)

    def mean_inside(self, x: np.ndarray) -> np.ndarray:
        """Sweet spot: does the predicted MEAN of every response meet its specification?"""
        return self._mean_ok(self.post.mean(self.rows(np.atleast_2d(np.asarray(x, dtype=float)))))


def mc_standard_error(p: np.ndarray | float, draws: int) -> np.ndarray:
    """Binomial Monte Carlo standard error √(p(1 − p)/draws)."""
    p = np.asarray(p, dtype=float)
    return np.sqrt(p * (1.0 - p) / draws)


# ---------------------------------------------------------------------------
# region geometry: PAR and largest box
# ---------------------------------------------------------------------------

def run_containing(inside: np.ndarray, index: int) -> tuple[int, int] | None:
    """The maximal run ``[a, b]`` of True values of a 1-D mask containing ``index``."""
    inside = np.asarray(inside, dtype=bool)
    if not inside[index]:
        return None
    a = index
    while a > 0 and inside[a - 1]:
        a -= 1
    b = index
    while b < inside.size - 1 and inside[b + 1]:
        b += 1
    return a, b


def best_rectangles(masks: np.ndarray, center: tuple[int, int]
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Largest rectangle of True cells containing ``center`` in each of a stack of 2-D masks.

    ``masks`` (B, n₀, n₁) → ``(areas (B,), rects (B, 4))`` with ``rects[i] = (a, b, l, r)``:
    rows a…b, columns l…r (area 0 and an undefined rect when the centre cell is False).
    Vectorised over the stack: per row, the run of True cells around the centre column
    (``[lo_r, hi_r]``); for rows a ≤ c₀ ≤ b the widest column interval is
    ``[max lo_r, min hi_r]`` over r ∈ [a, b], i.e. the running max/min going up from c₀ to a
    and down from c₀ to b, so every (a, b) is scored at once in O(n₀·n₁ + n₀²) per mask. Ties
    go to the smallest a, then the smallest b (row-major order of (a, b)).
    """
    masks = np.asarray(masks, dtype=bool)
    nb, n0, _n1 = masks.shape
    c0, c1 = center
    run_left = np.cumprod(masks[:, :, c1::-1], axis=2, dtype=np.int32).sum(axis=2)
    run_right = np.cumprod(masks[:, :, c1:], axis=2, dtype=np.int32).sum(axis=2)
    row_lo = c1 - run_left + 1  # (B, n0); meaningless where the row's centre cell is False
    row_hi = c1 + run_right - 1
    ok = run_left > 0
    up_lo = np.maximum.accumulate(row_lo[:, c0::-1], axis=1)[:, ::-1]  # a = 0 … c0
    up_hi = np.minimum.accumulate(row_hi[:, c0::-1], axis=1)[:, ::-1]
    up_ok = np.logical_and.accumulate(ok[:, c0::-1], axis=1)[:, ::-1]
    dn_lo = np.maximum.accumulate(row_lo[:, c0:], axis=1)  # b = c0 … n0 − 1
    dn_hi = np.minimum.accumulate(row_hi[:, c0:], axis=1)
    dn_ok = np.logical_and.accumulate(ok[:, c0:], axis=1)
    left = np.maximum(up_lo[:, :, None], dn_lo[:, None, :])
    right = np.minimum(up_hi[:, :, None], dn_hi[:, None, :])
    height = np.arange(c0, n0)[None, :] - np.arange(c0 + 1)[:, None] + 1
    area = height[None] * (right - left + 1) * (up_ok[:, :, None] & dn_ok[:, None, :])
    flat = area.reshape(nb, -1)
    i = flat.argmax(axis=1)
    a, b = np.divmod(i, n0 - c0)
    rows = np.arange(nb)
    rects = np.stack([a, b + c0, left.reshape(nb, -1)[rows, i], right.reshape(nb, -1)[rows, i]],
                     axis=1)
    return flat[rows, i].astype(np.int64), rects


def _best_rectangle(mask: np.ndarray, center: tuple[int, int]) -> tuple[int, tuple | None]:
    """Largest rectangle of True cells in a 2-D mask containing ``center``
    (:func:`best_rectangles` for one mask): ``(area, ((a, b), (l, r)))``."""
    area, rect = best_rectangles(np.asarray(mask, dtype=bool)[None], center)
    if area[0] == 0:
        return 0, None
    a, b, lft, rgt = (int(v) for v in rect[0])
    return int(area[0]), ((a, b), (lft, rgt))


def largest_box(inside: np.ndarray, center: Sequence[int]) -> tuple[tuple[int, int], ...] | None:
    """Largest axis-aligned box of grid indices inside ``inside`` containing ``center``
    (see :func:`largest_box_search`; no time limit)."""
    return largest_box_search(inside, center)[0]


class _TimeUp(Exception):
    pass


#: extents of the last enumerated axis scored per vectorised call of the box search
BOX_CHUNK = 48


def largest_box_search(inside: np.ndarray, center: Sequence[int], time_limit: float | None = None
                       ) -> tuple[tuple[tuple[int, int], ...] | None, bool]:
    """Largest axis-aligned box of grid indices inside a boolean grid and containing ``center``.

    Size = number of grid points in the box (∏ (bᵢ − aᵢ + 1)). Exact branch and
    bound: extents of the first k − 2 axes are enumerated; for each partial box
    the best rectangle over the last two axes is solved exactly and vectorised
    (:func:`best_rectangles` on the slice of points whose whole cross-section is
    inside, from prefix sums). Widening a box can only shrink that rectangle, so
    on the first axis an extent [a, b] is bounded by (b − a + 1) × min over
    c ∈ [a, b] of the rectangle with that axis at the single index c, and on a
    deeper axis by its width × the rectangle of the parent node (times the largest
    widths of the axes still to choose); extents are tried in decreasing bound
    and the search stops when the bound cannot beat the best box found. On the last
    enumerated axis the rectangles of the next :data:`BOX_CHUNK` extents that can still
    win are computed in one vectorised call and then visited in the same order with the
    same tests, so the box (and which of several equal boxes) is the one a one-by-one
    search returns.
    Returns ``(((a₀, b₀), …), proven)``: the box (None when the centre is outside)
    and whether it is proven largest — False only when ``time_limit`` seconds ran
    out first, in which case the box is the largest found so far.
    """
    inside = np.asarray(inside, dtype=bool)
    k = inside.ndim
    center = tuple(int(c) for c in center)
    if not inside[center]:
        return None, True
    if k == 1:
        return (run_containing(inside, center[0]),), True
    if k == 2:
        return _best_rectangle(inside, center)[1], True
    deadline = None if time_limit is None else time.monotonic() + time_limit
    e = k - 2  # enumerated axes
    bad = (~inside).astype(np.int32)
    pre = np.zeros(tuple(s + 1 for s in inside.shape[:e]) + inside.shape[e:], dtype=np.int32)
    pre[tuple(slice(1, None) for _ in range(e))] = bad
    for ax in range(e):
        np.cumsum(pre, axis=ax, out=pre)
    corners = list(itertools.product((0, 1), repeat=e))
    signs = [(-1) ** (e - sum(c)) for c in corners]
    lo = list(center[:e])
    hi = list(center[:e])

    def rectangles(ax: int, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Best rectangles of the partial boxes ``lo``/``hi`` with axis ``ax`` at [a, b]."""
        lo_b = np.tile(np.array(lo, dtype=np.intp), (a.size, 1))
        hi_b = np.tile(np.array(hi, dtype=np.intp), (a.size, 1))
        lo_b[:, ax], hi_b[:, ax] = a, b
        q = np.zeros((a.size, *inside.shape[e:]), dtype=np.int32)
        for c, sg in zip(corners, signs, strict=True):
            part = pre[tuple(hi_b[:, i] + 1 if c[i] else lo_b[:, i] for i in range(e))]
            if sg > 0:
                q += part
            else:
                q -= part
        return best_rectangles(q == 0, center[e:])

    def rect_of(row: np.ndarray) -> tuple[tuple[int, int], tuple[int, int]]:
        return (int(row[0]), int(row[1])), (int(row[2]), int(row[3]))

    runs = []
    for ax in range(e):
        line = tuple(slice(None) if i == ax else center[i] for i in range(k))
        runs.append(run_containing(inside[line], center[ax]))
    max_width = [b - a + 1 for a, b in runs]
    best: dict[str, Any] = {"size": 0, "box": None}

    def check_time() -> None:
        if deadline is not None and time.monotonic() > deadline:
            raise _TimeUp

    def search(ax: int, size: int, parent_rect: int) -> None:
        a0, b0 = runs[ax]
        c0 = center[ax]
        rest = math.prod(max_width[ax + 1:])
        if ax == 0:
            # best rectangle with this axis at a single index c (later axes at the centre):
            # a box spanning [a, b] here is bounded by (b − a + 1) × the minimum over c
            cs = np.arange(a0, b0 + 1)
            single = dict(zip(cs.tolist(), rectangles(ax, cs, cs)[0].tolist(), strict=True))
            left = {c0: single[c0]}
            a = c0
            while a - 1 >= a0 and single[a - 1] > 0:
                a -= 1
                left[a] = min(left[a + 1], single[a])
            right = {c0: single[c0]}
            b = c0
            while b + 1 <= b0 and single[b + 1] > 0:
                b += 1
                right[b] = min(right[b - 1], single[b])
            la = np.array(list(left), dtype=np.int64)  # c0, c0 − 1, … (the order of ties)
            rb = np.array(list(right), dtype=np.int64)  # c0, c0 + 1, …
            lv = np.array([left[v] for v in la.tolist()], dtype=np.int64)
            rv = np.array([right[v] for v in rb.tolist()], dtype=np.int64)
            opt_a = np.repeat(la, rb.size)
            opt_b = np.tile(rb, la.size)
            opt_bound = (opt_b - opt_a + 1) * np.minimum(np.repeat(lv, rb.size),
                                                         np.tile(rv, la.size))
        else:
            # deeper axes: the parent's rectangle (this axis at the centre) bounds every extent
            opt_a = np.repeat(np.arange(a0, c0 + 1), b0 - c0 + 1)
            opt_b = np.tile(np.arange(c0, b0 + 1), c0 - a0 + 1)
            opt_bound = (opt_b - opt_a + 1) * parent_rect
        # decreasing bound; equal bounds in (a, b) order, as a stable sort of the tuples
        order = np.argsort(-opt_bound, kind="stable")
        opt_a, opt_b, opt_bound = opt_a[order], opt_b[order], opt_bound[order]
        bounds = opt_bound.tolist()
        last = ax == e - 1
        n_opt = len(bounds)
        i = 0
        while i < n_opt:
            if size * rest * bounds[i] <= best["size"]:
                break  # sorted by bound: nothing further can win
            check_time()
            j = i
            cap = BOX_CHUNK if last else 1
            while j < n_opt and j - i < cap and size * rest * bounds[j] > best["size"]:
                j += 1
            areas, rects = rectangles(ax, opt_a[i:j], opt_b[i:j])
            for aa, bb, bound, area, rect in zip(opt_a[i:j].tolist(), opt_b[i:j].tolist(),
                                                 bounds[i:j], areas.tolist(), rects,
                                                 strict=True):
                if size * rest * bound <= best["size"]:
                    lo[ax], hi[ax] = c0, c0
                    return
                w = bb - aa + 1
                if area == 0 or size * w * rest * area <= best["size"]:
                    continue
                lo[ax], hi[ax] = aa, bb
                if last:
                    best["size"] = size * w * area
                    best["box"] = (*zip(lo, hi, strict=True), *rect_of(rect))
                else:
                    search(ax + 1, size * w, area)
            i = j
        lo[ax], hi[ax] = c0, c0

    try:
        search(0, 1, 0)
    except _TimeUp:
        return best["box"], False
    return best["box"], True


# ---------------------------------------------------------------------------
# the design space
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class DesignSpaceResult(Result):
    """Probability grid, region P ≥ R, sweet spot, PAR, box and NOR check.

    ``probability`` is indexed ``[i₀][i₁]…`` over ``axes`` in ``factors`` order (each axis:
    ``grid`` equally spaced values over the studied range, plus the set point when it
    falls between them);
    ``mc_standard_error`` is the largest Monte Carlo standard error on the grid;
    ``par_profiles[f]`` holds P along the line through the set point in factor f
    (``values``, ``probability``), from which ``par[f]`` is read;
    ``setpoint_by_response[r]`` is [P, SE] at the set point for response r's
    specification alone (same draws), showing which CQA limits the joint probability.
    """

    factors: list[str]
    responses: list[str]
    specs: dict[str, list[float | None]]
    axes: dict[str, list[float]]
    probability: np.ndarray
    mc_standard_error: float
    min_probability: float
    region_fraction: float
    sweet_spot: np.ndarray
    sweet_spot_fraction: float
    setpoint: dict[str, float]
    setpoint_probability: float
    setpoint_standard_error: float
    setpoint_by_response: dict[str, list[float]]
    par: dict[str, list[float] | None]
    par_profiles: dict[str, dict[str, list[float]]]
    box: dict[str, list[float]] | None
    studied: dict[str, list[float]]
    nor: dict[str, Any] | None
    draws: int
    seed: int
    noise_sd: dict[str, float] | None
    predictive_df: int
    n_runs: int
    model_terms: list[str]
    notes: list[str] = field(default_factory=list)
    coding: list[dict] = field(default_factory=list)
    """Per factor ``{factor, low, high, centre, half_range, unit, from}`` (model coding)."""
    parameters: dict[str, str] = field(default_factory=dict)
    """Factor → project parameter (``unit_operation/parameter``), from the factor definitions."""
    proposal: list[dict] = field(default_factory=list)
    """Per grid factor: ``{factor, parameter, unit, studied, set_point, nor, par}`` — the
    values ``qbdkit project accept`` writes into the project (see :func:`propose`)."""

    def to_dict(self) -> dict[str, Any]:
        """As :meth:`Result.to_dict`, with the (large, finite) grids converted by numpy directly."""
        out = {}
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            if f.name == "probability":
                out[f.name] = np.asarray(v, dtype=float).tolist()
            elif f.name == "sweet_spot":
                out[f.name] = np.asarray(v, dtype=bool).tolist()
            else:
                out[f.name] = to_jsonable(v)
        return out

    def summary(self) -> str:
        lines = [
            "Probabilistic design space (Peterson 2004/2008 posterior predictive)",
            f"  specifications: {'; '.join(_spec_text(r, v) for r, v in self.specs.items())}",
            f"  runs: {self.n_runs}; model terms: {len(self.model_terms)}; predictive t df: "
            f"{self.predictive_df}; draws: {self.draws}; seed: {self.seed}",
            f"  region P ≥ {self.min_probability:g}: {100 * self.region_fraction:.1f} % of the grid; "
            f"sweet spot (means in spec): {100 * self.sweet_spot_fraction:.1f} %",
            f"  Monte Carlo standard error (max over grid): {self.mc_standard_error:.4f}",
            f"  set point: P = {self.setpoint_probability:.4f} ± {self.setpoint_standard_error:.4f}"
            + "".join(f"; {r} alone {p:.4f}" for r, (p, _) in self.setpoint_by_response.items()),
        ]
        rows = []
        for f in self.factors:
            par = self.par.get(f)
            box = self.box.get(f) if self.box else None
            nor = (self.nor or {}).get("ranges", {}).get(f)
            rows.append([f, *self.studied[f], self.setpoint[f],
                         *(par or [None, None]), *(box or [None, None]), *(nor or [None, None])])
        lines.append(format_table(["factor", "studied low", "studied high", "set point",
                                   "PAR low", "PAR high", "box low", "box high",
                                   "NOR low", "NOR high"], rows))
        for f, prm in self.parameters.items():
            lines.append(f"  {f} studies the project parameter {prm}")
        if self.nor:
            lines.append(f"  NOR inside PAR: {self.nor['within_par_all']}; lowest probability at "
                         f"NOR corners: {self.nor['corner_probability_min']:.4f} "
                         f"(meets R: {self.nor['corners_meet_min_probability']})")
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)


def propose(res: DesignSpaceResult, parameters: Mapping[str, str] | None = None,
            units: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """Per grid factor the proposal a project can accept: set point, NOR (when control
    capabilities were given), PAR (None where the set point itself fails R) and the studied
    range, with the project parameter the factor studies (``parameters``)."""
    out = []
    nor = (res.nor or {}).get("ranges", {})
    for f in res.factors:
        out.append({"factor": f, "parameter": (parameters or {}).get(f),
                    "unit": (units or {}).get(f, ""), "studied": res.studied[f],
                    "set_point": res.setpoint[f], "nor": nor.get(f), "par": res.par.get(f)})
    return out


def _spec_text(resp: str, v: list[float | None]) -> str:
    lo, hi = v
    if lo is not None and hi is not None:
        return f"{lo:g} ≤ {resp} ≤ {hi:g}"
    if lo is not None:
        return f"{resp} ≥ {lo:g}"
    return f"{resp} ≤ {hi:g}"


def design_space(post: MultiResponsePosterior, rows: ModelRows, *, model_factors: Sequence[str],
                 studied: Mapping[str, tuple[float, float]],
                 specs: Mapping[str, tuple[float, float]], factors: Sequence[str] | None = None,
                 setpoint: Mapping[str, float] | None = None, grid: int = 41, draws: int = 5000,
                 min_probability: float = 0.9, seed: int = 0,
                 noise_sd: Mapping[str, float] | None = None,
                 control_sd: Mapping[str, float] | None = None, nor_k: float = 3.0,
                 par_points: int = 201, workers: int = 2,
                 progress: Callable[[int, int], None] | None = None,
                 box_time_limit: float = 60.0) -> DesignSpaceResult:
    """Compute the probabilistic design space over a grid of ``factors`` (2–6).

    ``rows`` maps settings of ``model_factors`` (actual units, …×k) to model
    rows; ``studied`` gives each factor's studied range; factors not on the
    grid stay at ``setpoint`` (default: centre of the studied range).
    ``noise_sd``: set-point noise σ per factor (actual units). ``control_sd``:
    control capability σ per factor for the NOR = set point ± ``nor_k``·σ.
    ``progress(done, total)`` is called after each chunk of grid points.
    """
    model_factors = list(model_factors)
    factors = list(factors) if factors else list(model_factors)
    unknown = [f for f in factors if f not in model_factors]
    if unknown:
        raise QbdInputError("unknown factor", column="--factors",
                            expected="one of " + ", ".join(model_factors), found=", ".join(unknown))
    if len(set(factors)) != len(factors):
        raise QbdInputError("factor listed twice", column="--factors", found=", ".join(factors))
    if not 1 <= len(factors) <= 6:
        raise QbdInputError("the design-space grid needs 1 to 6 factors", column="--factors",
                            expected="1–6 factors", found=len(factors))
    if grid < 2:
        raise QbdInputError("grid too coarse", column="--grid", expected="≥ 2", found=grid)
    if grid ** len(factors) > 50_000_000:
        raise QbdInputError("grid too large", column="--grid",
                            expected="at most 50 million points", found=grid ** len(factors))
    if not 0.0 < min_probability < 1.0:
        raise QbdInputError("minimum probability out of range", column="--min-probability",
                            expected="0 < R < 1", found=min_probability)
    sp = {f: (studied[f][0] + studied[f][1]) / 2.0 for f in model_factors}
    for f, v in (setpoint or {}).items():
        if f not in model_factors:
            raise QbdInputError("set point for an unknown factor", column="--setpoint",
                                expected="one of " + ", ".join(model_factors), found=f)
        sp[f] = float(v)
    noise = np.zeros(len(model_factors))
    for f, v in (noise_sd or {}).items():
        if f not in model_factors:
            raise QbdInputError("noise for an unknown factor", column="--noise",
                                expected="one of " + ", ".join(model_factors), found=f)
        if v < 0:
            raise QbdInputError("negative noise", column="--noise", expected="σ ≥ 0", found=v)
        noise[model_factors.index(f)] = float(v)
    engine = ProbabilityEngine(post, rows, specs, draws=draws, seed=seed,
                               noise_sd=noise if noise.any() else None, workers=workers)
    base = np.array([sp[f] for f in model_factors])
    notes: list[str] = []
    axes = {}
    for f in factors:
        ax = np.linspace(studied[f][0], studied[f][1], grid)
        tol = 1e-9 * (studied[f][1] - studied[f][0])
        if studied[f][0] <= sp[f] <= studied[f][1] and np.abs(ax - sp[f]).min() > tol:
            ax = np.union1d(ax, [sp[f]])  # the set point is a grid point, so the box contains it
            notes.append(f"{f}: the set point {sp[f]:g} was added to the grid axis")
        elif not studied[f][0] <= sp[f] <= studied[f][1]:
            notes.append(f"{f}: the set point {sp[f]:g} lies outside the studied range")
        axes[f] = ax
    pos = [model_factors.index(f) for f in factors]
    shape = tuple(axes[f].size for f in factors)
    # grid points, built chunk-wise to keep memory bounded
    total = math.prod(shape)
    prob = np.empty(total)
    sweet = np.empty(total, dtype=bool)
    step = 500_000 if engine.noise_sd is None else 2_000
    mesh_idx = np.arange(total)
    for i in range(0, total, step):
        idx = np.unravel_index(mesh_idx[i:i + step], shape)
        x = np.repeat(base[None, :], idx[0].size, axis=0)
        for d, (f, col) in enumerate(zip(factors, pos, strict=True)):
            x[:, col] = axes[f][idx[d]]
        c, m_in = engine.counts_and_mean_inside(x)
        prob[i:i + step] = c / engine.draws
        sweet[i:i + step] = m_in
        if progress is not None:
            progress(min(i + step, total), total)
    prob = prob.reshape(shape)
    sweet = sweet.reshape(shape)
    inside = prob >= min_probability
    p_set, se_set = engine.probability(base[None, :])
    # which specification limits the set point: each one alone, with the same draws (seed)
    by_response: dict[str, list[float]] = {}
    for r_name, lim in specs.items():
        if math.isinf(lim[0]) and math.isinf(lim[1]):
            continue
        one = engine.restricted({r_name: lim})
        pr, ser = one.probability(base[None, :])
        by_response[r_name] = [float(pr[0]), float(ser[0])]
    # PAR: one factor at a time, the others at the set point, on a fine line through it
    par: dict[str, list[float] | None] = {}
    profiles: dict[str, dict[str, list[float]]] = {}
    for f, col in zip(factors, pos, strict=True):
        line = np.union1d(np.linspace(studied[f][0], studied[f][1], par_points), [sp[f]])
        x = np.repeat(base[None, :], line.size, axis=0)
        x[:, col] = line
        pl = engine.counts(x) / engine.draws
        run = run_containing(pl >= min_probability, int(np.searchsorted(line, sp[f])))
        par[f] = None if run is None else [float(line[run[0]]), float(line[run[1]])]
        profiles[f] = {"values": line.tolist(), "probability": pl.tolist()}
    if p_set[0] < min_probability:
        notes.append(f"the set point itself has P = {p_set[0]:.3f} < {min_probability:g}: "
                     "no PAR and no box around it")
    center = tuple(int(np.abs(axes[f] - sp[f]).argmin()) for f in factors)
    box_idx = None
    if p_set[0] >= min_probability:
        box_idx, proven = largest_box_search(inside, center, time_limit=box_time_limit)
        if not proven:
            notes.append(f"the box search stopped after {box_time_limit:g} s: the box shown is the "
                         "largest found, not proven the largest")
    box = None
    if box_idx is not None:
        box = {f: [float(axes[f][a]), float(axes[f][b])]
               for f, (a, b) in zip(factors, box_idx, strict=True)}
    nor = None
    if control_sd:
        nor = _nor_check(engine, base, model_factors, factors, sp, par, control_sd, nor_k,
                         min_probability, studied)
    mc_se = float(mc_standard_error(prob, engine.draws).max())
    return DesignSpaceResult(
        factors=factors,
        responses=list(post.responses),
        specs={r: [None if math.isinf(lo) else lo, None if math.isinf(hi) else hi]
               for r, (lo, hi) in specs.items()},
        axes={f: [float(v) for v in axes[f]] for f in factors},
        probability=prob,
        mc_standard_error=mc_se,
        min_probability=float(min_probability),
        region_fraction=float(inside.mean()),
        sweet_spot=sweet,
        sweet_spot_fraction=float(sweet.mean()),
        setpoint={f: float(sp[f]) for f in model_factors},
        setpoint_probability=float(p_set[0]),
        setpoint_standard_error=float(se_set[0]),
        setpoint_by_response=by_response,
        par=par,
        par_profiles=profiles,
        box=box,
        studied={f: [float(studied[f][0]), float(studied[f][1])] for f in model_factors},
        nor=nor,
        draws=engine.draws,
        seed=int(seed),
        noise_sd={f: float(noise[i]) for i, f in enumerate(model_factors) if noise[i] > 0} or None,
        predictive_df=post.df_t,
        n_runs=post.n,
        model_terms=list(post.terms),
        notes=notes,
    )


def _nor_check(engine: ProbabilityEngine, base: np.ndarray, model_factors: list[str],
               factors: list[str], sp: Mapping[str, float], par: Mapping[str, list[float] | None],
               control_sd: Mapping[str, float], k: float, min_probability: float,
               studied: Mapping[str, tuple[float, float]]) -> dict[str, Any]:
    """NOR = set point ± k·σ per factor; NOR ⊂ PAR?; probability at the NOR corners."""
    ranges: dict[str, list[float]] = {}
    within: dict[str, bool | None] = {}
    for f, s in control_sd.items():
        if f not in model_factors:
            raise QbdInputError("control capability for an unknown factor", column="--control-sd",
                                expected="one of " + ", ".join(model_factors), found=f)
        if s < 0:
            raise QbdInputError("negative control capability", column="--control-sd",
                                expected="σ ≥ 0", found=s)
        lo, hi = sp[f] - k * s, sp[f] + k * s
        ranges[f] = [float(lo), float(hi)]
        p = par.get(f)
        within[f] = None if f not in par else (p is not None and p[0] <= lo and hi <= p[1])
    names = list(ranges)
    corners = list(itertools.product(*[(ranges[f][0], ranges[f][1]) for f in names]))
    x = np.repeat(base[None, :], len(corners), axis=0)
    for c, corner in enumerate(corners):
        for f, v in zip(names, corner, strict=True):
            x[c, model_factors.index(f)] = v
    pc, sec = engine.probability(x)
    worst = int(np.argmin(pc))
    return {
        "k": float(k),
        "control_sd": {f: float(control_sd[f]) for f in names},
        "ranges": ranges,
        "within_par": within,
        "within_par_all": all(v is True for f, v in within.items() if f in factors),
        "within_studied": {f: studied[f][0] <= ranges[f][0] and ranges[f][1] <= studied[f][1]
                           for f in names},
        "corners": [{"setting": dict(zip(names, map(float, corner), strict=True)),
                     "probability": float(pc[i]), "mc_standard_error": float(sec[i])}
                    for i, corner in enumerate(corners)],
        "corner_probability_min": float(pc[worst]),
        "corner_standard_error": float(sec[worst]),
        "corners_meet_min_probability": bool(pc[worst] >= min_probability),
    }
