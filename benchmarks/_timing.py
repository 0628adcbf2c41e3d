"""Shared timing for the benchmark scripts (issue 18).

Every benchmark runs ours and each peer **alternately** (ours, peer A, peer B, ours, …) so a
busy machine slows both alike, at least three rounds, and reports the minimum and the median
wall time of each and the ratio of the medians (ours/peer; also of the minima). Wall clock
is :func:`time.perf_counter`; the data are made beforehand with a fixed seed.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Timing:
    """The wall times of one contender and the output of its last run."""

    name: str
    times: list[float] = field(default_factory=list)
    out: Any = None
    cpu: list[float] = field(default_factory=list)
    """Process CPU seconds of each run (all threads of this process; other processes on a busy
    machine do not count), shown beside the wall time."""

    @property
    def min(self) -> float:
        return min(self.times)

    @property
    def median(self) -> float:
        return statistics.median(self.times)


def alternate(contenders: dict[str, Callable[[], Any]], repeat: int = 3, *,
              budget: float | None = None) -> dict[str, Timing]:
    """Run each contender once per round, in turn, for ``repeat`` rounds.

    ``budget`` (seconds): stop after the round in which the total time spent went past it
    (never before 3 rounds of data unless a single round already exceeds it)."""
    timings = {name: Timing(name) for name in contenders}
    spent = 0.0
    for r in range(repeat):
        for name, fn in contenders.items():
            c0 = time.process_time()
            t0 = time.perf_counter()
            out = fn()
            dt = time.perf_counter() - t0
            timings[name].cpu.append(time.process_time() - c0)
            spent += dt
            timings[name].times.append(dt)
            timings[name].out = out
        if budget is not None and spent > budget and r + 1 >= min(3, repeat):
            break
        if budget is not None and r == 0 and spent > budget:
            break
    return timings


def row(t: Timing, note: str = "") -> str:
    """One printed line: name, min, median, number of runs."""
    cpu = f"   CPU median {statistics.median(t.cpu):8.3f} s" if t.cpu else ""
    return (f"  {t.name:<28} min {t.min:9.4f} s   median {t.median:9.4f} s{cpu}"
            f"   (n={len(t.times)}){'  ' + note if note else ''}")


def ratio(ours: Timing, peer: Timing) -> tuple[float, float]:
    """(ours/peer of the minima, ours/peer of the medians)."""
    return ours.min / peer.min, ours.median / peer.median


def ratio_line(ours: Timing, peer: Timing, target: str) -> str:
    lo, med = ratio(ours, peer)
    return (f"  ours/{peer.name}: median {med:.3f}  (min {lo:.3f})   target {target}")


def machine_note() -> str:
    """The load on the machine when the benchmark ran (it is reported, not controlled)."""
    try:
        load = os.getloadavg()
    except OSError:  # pragma: no cover - not on Linux
        return f"{os.cpu_count()} cores"
    return (f"{os.cpu_count()} cores, load average {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}"
            " (1/5/15 min) at the start")


RESULTS: list[tuple[str, str, float, float, str]] = []


def record(benchmark: str, peer: str, ours: Timing, other: Timing, target: str) -> None:
    """Keep one ratio for the closing table (printed by :func:`table`)."""
    lo, med = ratio(ours, other)
    RESULTS.append((benchmark, peer, lo, med, target))


def table() -> str:
    """The ratios recorded so far as a small Markdown table."""
    lines = ["| benchmark | peer | ours/peer min | ours/peer median | target |",
             "|---|---|---|---|---|"]
    for b, p, lo, med, target in RESULTS:
        lines.append(f"| {b} | {p} | {lo:.3f} | {med:.3f} | {target} |")
    return "\n".join(lines)
