"""Run rules for Shewhart charts: Western Electric (1956) and Nelson (1984), vectorised.

Zones are measured in standard deviations of the plotted statistic from the centre line,
``z = (x − CL)/σ_x``, point by point, so charts with varying limits (p, u, X̄ with unequal
subgroups, several phases) are tested on the same scale (as Minitab does).

Nelson, L. S. (1984), "The Shewhart control chart — tests for special causes",
Journal of Quality Technology 16(4): 237–239:

1. one point beyond the control limits (3σ);
2. nine points in a row on the same side of the centre line;
3. six points in a row steadily increasing or decreasing;
4. fourteen points in a row alternating up and down;
5. two out of three points in a row beyond 2σ on the same side;
6. four out of five points in a row beyond 1σ on the same side;
7. fifteen points in a row within 1σ of the centre line (either side);
8. eight points in a row beyond 1σ (either side).

Western Electric Company (1956), Statistical Quality Control Handbook, rules 1–4: one
point beyond 3σ; two of three beyond 2σ (same side); four of five beyond 1σ (same side);
eight in a row on the same side.

A signal names the point that *completes* the pattern (0-based index), as Minitab's
"test failed at points" does; for rules 5 and 6 that point is itself beyond 2σ / 1σ.
Windows never span two phases (``starts``) and a missing point breaks every run.

Every function takes 2-D arrays (parameters × points) so a portfolio of many parameters is
tested in one pass (cumulative sums over a sliding window); hand-written because no
maintained Python library implements these rules.
"""

from __future__ import annotations

import numpy as np

from qbdkit.errors import QbdInputError

#: rule id → (short text, rule family)
RULES: dict[str, str] = {
    "nelson1": "one point beyond the control limits",
    "nelson2": "nine points in a row on the same side of the centre line",
    "nelson3": "six points in a row steadily increasing or decreasing",
    "nelson4": "fourteen points in a row alternating up and down",
    "nelson5": "two of three points in a row beyond 2σ on the same side",
    "nelson6": "four of five points in a row beyond 1σ on the same side",
    "nelson7": "fifteen points in a row within 1σ of the centre line",
    "nelson8": "eight points in a row beyond 1σ on either side",
    "we1": "one point beyond the control limits",
    "we2": "two of three points in a row beyond 2σ on the same side",
    "we3": "four of five points in a row beyond 1σ on the same side",
    "we4": "eight points in a row on the same side of the centre line",
}
NELSON = tuple(f"nelson{i}" for i in range(1, 9))
WESTERN_ELECTRIC = tuple(f"we{i}" for i in range(1, 5))


def parse_rules(spec: str | list[str] | tuple[str, ...] | None) -> list[str]:
    """``"nelson"`` → all eight Nelson rules, ``"we"`` → Western Electric 1–4,
    ``"1,2,5"`` → Nelson rules 1, 2, 5, ``"nelson1,we4"`` → those ids, ``"none"`` → []."""
    if spec is None:
        return list(NELSON)
    items = spec if isinstance(spec, list | tuple) else str(spec).replace(";", ",").split(",")
    out: list[str] = []
    for raw in items:
        token = str(raw).strip().lower().replace(" ", "").replace("-", "")
        if not token:
            continue
        if token in ("nelson", "all"):
            ids: tuple[str, ...] = NELSON
        elif token in ("we", "westernelectric", "weco"):
            ids = WESTERN_ELECTRIC
        elif token == "none":
            ids = ()
        elif token.isdigit() and 1 <= int(token) <= 8:
            ids = (f"nelson{int(token)}",)
        elif token.startswith("n") and token[1:].isdigit() and 1 <= int(token[1:]) <= 8:
            ids = (f"nelson{int(token[1:])}",)
        elif token in RULES:
            ids = (token,)
        else:
            raise QbdInputError("unknown run rule", column="rules",
                                expected="we | nelson | none | a list like 1,2,5 or nelson1,we4",
                                found=str(raw))
        out.extend(i for i in ids if i not in out)
    return out


def _as2d(a: np.ndarray) -> np.ndarray:
    a = np.asarray(a)
    return a[None, :] if a.ndim == 1 else a


def _window_ok(n: int, k: int, starts: np.ndarray | None) -> np.ndarray:
    """``ok[i]``: the window of k points ending at i lies inside one phase."""
    i = np.arange(n)
    first = i - k + 1
    if starts is None:
        return first >= 0
    return first >= np.asarray(starts)


def window_count(cond: np.ndarray, k: int, starts: np.ndarray | None = None) -> np.ndarray:
    """Number of True in the window of ``k`` points ending at each point (−1 where the
    window leaves the phase)."""
    cond = _as2d(cond)
    p, n = cond.shape
    c = np.zeros((p, n + 1), dtype=np.int32)
    np.cumsum(cond, axis=1, out=c[:, 1:])
    out = np.full((p, n), -1, dtype=np.int32)
    if k <= n:
        out[:, k - 1:] = c[:, k:] - c[:, : n - k + 1]
    out[:, ~_window_ok(n, k, starts)] = -1
    return out


def run(cond: np.ndarray, k: int, starts: np.ndarray | None = None) -> np.ndarray:
    """True where ``cond`` held for the ``k`` points ending here (inside one phase)."""
    return window_count(cond, k, starts) == k


def evaluate(x: np.ndarray, z: np.ndarray, beyond: np.ndarray, rules: list[str],
             starts: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Flags (parameters × points, bool) of each rule in ``rules``.

    ``x`` the plotted statistic (for the trend and alternation rules), ``z`` its distance
    from the centre line in σ of the statistic, ``beyond`` outside the control limits
    (rule 1), ``starts[i]`` the index where the phase of point i begins.
    """
    x, z, beyond = _as2d(np.asarray(x, float)), _as2d(np.asarray(z, float)), _as2d(beyond)
    n = x.shape[1]
    with np.errstate(invalid="ignore"):
        above, below = z > 0, z < 0
        a1, b1, a2, b2 = z > 1, z < -1, z > 2, z < -2
        inside1 = np.abs(z) < 1
        outside1 = np.abs(z) > 1
    out: dict[str, np.ndarray] = {}
    need_diff = any(r in rules for r in ("nelson3", "nelson4"))
    if need_diff:
        d = np.full_like(x, np.nan)
        d[:, 1:] = x[:, 1:] - x[:, :-1]
        if starts is not None:  # a difference across a phase boundary does not count
            d[:, np.asarray(starts) == np.arange(n)] = np.nan
        with np.errstate(invalid="ignore"):
            up, down = d > 0, d < 0
    for rule in rules:
        if rule in ("nelson1", "we1"):
            flag = np.asarray(beyond, bool)
        elif rule == "nelson2":
            flag = run(above, 9, starts) | run(below, 9, starts)
        elif rule == "we4":
            flag = run(above, 8, starts) | run(below, 8, starts)
        elif rule == "nelson3":  # 6 points ⇒ 5 consecutive rises (or falls)
            flag = run(up, 5, starts) | run(down, 5, starts)
        elif rule == "nelson4":  # 14 points ⇒ 13 differences alternating in sign
            alt = np.zeros_like(up)
            alt[:, 1:] = (up[:, 1:] & down[:, :-1]) | (down[:, 1:] & up[:, :-1])
            flag = run(alt, 12, starts)
            if starts is not None:  # 14 points must lie in the phase, not only 13 of them
                flag &= _window_ok(n, 14, starts)
        elif rule in ("nelson5", "we2"):
            flag = ((window_count(a2, 3, starts) >= 2) & a2) | (
                (window_count(b2, 3, starts) >= 2) & b2)
        elif rule in ("nelson6", "we3"):
            flag = ((window_count(a1, 5, starts) >= 4) & a1) | (
                (window_count(b1, 5, starts) >= 4) & b1)
        elif rule == "nelson7":
            flag = run(inside1, 15, starts)
        elif rule == "nelson8":
            flag = run(outside1, 8, starts)
        else:  # pragma: no cover - parse_rules guards
            raise QbdInputError("unknown run rule", column="rules", found=rule)
        if rule == "nelson3":  # 6 points need the 5 differences *and* the first point in phase
            flag = flag & _window_ok(n, 6, starts)
        out[rule] = flag
    return out
