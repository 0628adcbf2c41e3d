"""Minimum-aberration catalogue of regular two-level fractions, proved by exhaustive search.

Every regular 2^(k-p) design of resolution ≥ III in 2^m runs (m = k - p) is, up to relabelling
factors, the m basic columns plus p distinct interaction columns of the 2^m full factorial (any
k distinct non-zero columns spanning GF(2)^m contain a basis; relabel it as the basic factors).
The word-length pattern is invariant under relabelling, so enumerating every p-subset of the
``2^m - 1 - m`` interaction columns visits every design up to isomorphism, and the
lexicographically smallest word-length pattern found is the minimum-aberration pattern
(Fries & Hunter 1980; Chen, Sun & Wu 1993). The search is vectorised with numpy bit operations:
the 2^p - 1 words of each candidate come from XOR-doubling the generator words, their lengths
from ``bitwise_count``.

The result is stored as data (``ma_catalogue.json`` next to this module) so that lookup takes
microseconds. Rebuild (a few minutes on one core) with::

    python -m qbdkit.core.doe.design.catalogue --rebuild

Coverage (``COVERAGE``): 8 runs k ≤ 7; 16 runs k ≤ 15; 32 runs k ≤ 14; 64 runs k ≤ 12;
128 runs k ≤ 11 — i.e. every design up to 11 factors and 128 runs, as required.

Among designs sharing the minimum pattern the first in enumeration order (columns sorted by
Yates number) is stored; the tests compare the stored patterns with the published Chen-Sun-Wu
tables.
"""

from __future__ import annotations

import argparse
import functools
import itertools
import json
import math
import sys
import time
from importlib import resources
from pathlib import Path

import numpy as np

from qbdkit.core.doe.design.fractional import resolution_from_wlp, word_length_pattern

CATALOGUE_FILE = "ma_catalogue.json"

#: run size → largest number of factors searched exhaustively
COVERAGE: dict[int, int] = {8: 7, 16: 15, 32: 14, 64: 12, 128: 11}

_CHUNK = 200_000


def _subset_sizes(p: int) -> np.ndarray:
    return np.bitwise_count(np.arange(2**p, dtype=np.uint32)).astype(np.int64)


def wlp_batch(m: int, combos: np.ndarray) -> np.ndarray:
    """Word-length patterns ``A_1…A_k`` (column l-1 = count of length l) for a batch of designs.

    ``combos``: ``(N, p)`` generator masks over the m basic factors. Returns ``(N, k)`` int32.
    """
    n, p = combos.shape
    k = m + p
    words = np.zeros((n, 2**p), dtype=np.uint32)
    c = combos.astype(np.uint32)
    for j in range(p):
        words[:, 2**j: 2 ** (j + 1)] = words[:, : 2**j] ^ c[:, j: j + 1]
    lengths = np.bitwise_count(words[:, 1:]).astype(np.int16) + _subset_sizes(p)[1:].astype(np.int16)
    out = np.zeros((n, k), dtype=np.int32)
    for length in range(1, k + 1):
        out[:, length - 1] = (lengths == length).sum(axis=1)
    return out


def search_minimum_aberration(runs: int, k: int) -> dict:
    """Exhaustive search of all 2^(k-p) designs in ``runs`` runs; the minimum-aberration one."""
    m = int(math.log2(runs))
    if 2**m != runs:
        raise ValueError("runs must be a power of two")
    p = k - m
    if p <= 0:
        raise ValueError("k must exceed log2(runs)")
    candidates = [c for c in range(1, runs) if c.bit_count() >= 2]
    if p > len(candidates):
        raise ValueError(f"at most {runs - 1} factors fit in {runs} runs")
    cand = np.array(candidates, dtype=np.uint32)
    total = math.comb(len(candidates), p)
    best_key: tuple | None = None
    best_gen: list[int] | None = None
    it = itertools.combinations(range(len(candidates)), p)
    done = 0
    while True:
        flat = np.fromiter(itertools.chain.from_iterable(itertools.islice(it, _CHUNK)),
                           dtype=np.int32)
        if flat.size == 0:
            break
        idx = flat.reshape(-1, p)
        combos = cand[idx]
        wlp = wlp_batch(m, combos)[:, 2:]  # lengths 3..k
        order = np.lexsort(wlp.T[::-1])
        i0 = int(order[0])
        key = tuple(int(v) for v in wlp[i0])
        if best_key is None or key < best_key:
            best_key, best_gen = key, [int(v) for v in combos[i0]]
        done += len(idx)
    assert best_gen is not None and done == total
    wlp_list = word_length_pattern(m, best_gen)
    return {
        "runs": runs,
        "factors": k,
        "basic": m,
        "generators": best_gen,
        "word_length_pattern": wlp_list,
        "resolution": resolution_from_wlp(wlp_list, k),
        "designs_searched": total,
    }


def rebuild(path: Path | None = None, coverage: dict[int, int] | None = None,
            log=sys.stderr) -> dict:
    coverage = coverage or COVERAGE
    entries = []
    for runs, kmax in sorted(coverage.items()):
        m = int(math.log2(runs))
        for k in range(m + 1, min(kmax, runs - 1) + 1):
            t0 = time.perf_counter()
            e = search_minimum_aberration(runs, k)
            e["seconds"] = round(time.perf_counter() - t0, 2)
            entries.append(e)
            print(f"{runs:4d} runs k={k:2d}: gen={e['generators']} wlp={e['word_length_pattern']} "
                  f"({e['designs_searched']} designs, {e['seconds']} s)", file=log, flush=True)
    data = {
        "description": "Minimum-aberration regular two-level fractions found by exhaustive search "
                       "(qbdkit.core.doe.design.catalogue); generators are Yates column numbers.",
        "coverage": {str(r): k for r, k in coverage.items()},
        "designs": entries,
    }
    if path is not None:
        path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    return data


@functools.cache
def load_catalogue() -> dict[tuple[int, int], dict]:
    """``{(runs, k): entry}`` from the stored catalogue."""
    text = resources.files("qbdkit.core.doe.design").joinpath(CATALOGUE_FILE).read_text("utf-8")
    data = json.loads(text)
    return {(e["runs"], e["factors"]): e for e in data["designs"]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rebuild", action="store_true", help="re-run the exhaustive search and store it")
    ap.add_argument("--out", type=Path, default=Path(__file__).with_name(CATALOGUE_FILE))
    ap.add_argument("--max-runs", type=int, default=max(COVERAGE))
    args = ap.parse_args(argv)
    if not args.rebuild:
        for (runs, k), e in sorted(load_catalogue().items()):
            print(runs, k, e["generators"], e["word_length_pattern"])
        return 0
    cov = {r: k for r, k in COVERAGE.items() if r <= args.max_runs}
    rebuild(args.out, cov)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
