"""Regular two-level fractional factorial designs: generators, words, aliasing.

A regular 2^(k-p) design in ``2**m`` runs (m = k - p) is written as m *basic* factors (a full
2^m factorial) plus p *added* factors, each the product of some basic factors. A product of basic
factors is stored as a bit mask (*Yates column number*): bit ``i`` set means basic factor ``i`` is
in the product, so ``7`` = ABC. This is the notation of Chen, Sun & Wu (1993) and R's FrF2.

Formulas (Wu & Hamada, *Experiments*, 2nd ed., §5.2; Montgomery, *Design and Analysis of
Experiments*, §8.2-8.4):

- the *defining contrast subgroup* holds the 2^p - 1 words ``XOR`` of any non-empty subset of the
  generator words ``g_j · F_j`` (F_j the added factor);
- the *word-length pattern* is ``W = (A_3, …, A_k)``, ``A_l`` = number of words of length ``l``;
- the *resolution* is the length of the shortest word;
- *minimum aberration* (Fries & Hunter 1980) = the design that minimises ``W`` lexicographically.

Factor letters follow the convention of Montgomery and FrF2: A, B, …, H, J, K, … (no I, which
reads as the identity), then F27, F28 … beyond 25 factors.

Hand-written on integer bit operations because no maintained Python library provides regular
fraction generation with minimum-aberration catalogues (pyDOE's ``fracfact_by_res`` is known to
return a 16-run design for 7 factors at resolution III, where 8 runs suffice).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

_LETTERS = [c for c in "ABCDEFGHJKLMNOPQRSTUVWXYZ"]


def factor_letter(i: int) -> str:
    """Letter of factor ``i`` (0-based): A…H, J…Z, then ``F27``, ``F28``…"""
    return _LETTERS[i] if i < len(_LETTERS) else f"F{i + 1}"


def popcount(x: np.ndarray | int) -> np.ndarray | int:
    """Number of set bits (vectorised for numpy integer arrays)."""
    if isinstance(x, (int, np.integer)):
        return int(x).bit_count()
    x = np.asarray(x, dtype=np.uint64)
    return np.bitwise_count(x).astype(np.int64)


def basic_matrix(m: int) -> np.ndarray:
    """Full 2^m factorial in standard (Yates) order, coded -1/+1, shape ``(2**m, m)``.

    Column 0 alternates fastest: run r has basic factor i at +1 when bit i of r is set.
    """
    r = np.arange(2**m)[:, None]
    return np.where((r >> np.arange(m)) & 1, 1.0, -1.0)


def column_from_mask(basic: np.ndarray, mask: int) -> np.ndarray:
    """The column of the product of the basic factors in ``mask``."""
    cols = [i for i in range(basic.shape[1]) if mask >> i & 1]
    return np.prod(basic[:, cols], axis=1) if cols else np.ones(basic.shape[0])


def fraction_matrix(m: int, generators: Sequence[int],
                    signs: Sequence[int] | None = None) -> np.ndarray:
    """Coded design of the 2^(k-p) fraction: m basic columns then one column per generator mask
    (times its sign: ``D=-AB`` is the other half fraction, defining relation I = −ABD)."""
    basic = basic_matrix(m)
    sg = list(signs) if signs is not None else [1] * len(generators)
    cols = [basic] + [s * column_from_mask(basic, g)[:, None] for g, s in zip(generators, sg, strict=True)]
    return np.hstack(cols)


def defining_words(m: int, generators: Sequence[int]) -> list[int]:
    """All 2^p - 1 words of the defining contrast subgroup as factor bit masks over k factors.

    Added factor j (0-based) is factor ``m + j``; its generator word is ``g_j | 1 << (m + j)``.
    """
    gen_words = [int(g) | (1 << (m + j)) for j, g in enumerate(generators)]
    words = [0]
    for w in gen_words:
        words += [x ^ w for x in words]
    return words[1:]


def word_length_pattern(m: int, generators: Sequence[int]) -> list[int]:
    """``[A_3, …, A_k]`` for the fraction with these generators (k = m + len(generators))."""
    k = m + len(generators)
    counts = [0] * (k + 1)
    for w in defining_words(m, generators):
        counts[w.bit_count()] += 1
    return counts[3:]


def resolution_from_wlp(wlp: Sequence[int], k: int) -> int | None:
    """Resolution = shortest word length (``wlp`` starts at length 3); ``None`` for a full factorial.

    Lengths 1 and 2 are impossible for distinct non-trivial generator columns.
    """
    for i, a in enumerate(wlp):
        if a:
            return i + 3
    return None


def word_text(mask: int) -> str:
    return "".join(factor_letter(i) for i in range(mask.bit_length()) if mask >> i & 1)


def generator_strings(m: int, generators: Sequence[int],
                      signs: Sequence[int] | None = None) -> list[str]:
    """``["E=ABC", "F=-BCD"]``."""
    sg = list(signs) if signs is not None else [1] * len(generators)
    return [f"{factor_letter(m + j)}={'-' if s < 0 else ''}{word_text(int(g))}"
            for j, (g, s) in enumerate(zip(generators, sg, strict=True))]


def generator_signs(texts: Sequence[str]) -> list[int]:
    """The sign of each generator: ``D=-AB`` → −1, ``D=AB`` or ``D=+AB`` → +1."""
    out = []
    for t in texts:
        right = t.replace(" ", "").replace("\u2212", "-").partition("=")[2]
        out.append(-1 if right.startswith("-") else 1)
    return out


def parse_generators(texts: Sequence[str], k: int) -> tuple[int, list[int]]:
    """Parse ``["E=ABC", "F=-BCD", …]`` (added factors must be the last p letters) →
    ``(m, masks)``; the signs are :func:`generator_signs`."""
    p = len(texts)
    m = k - p
    letters = {factor_letter(i): i for i in range(k)}
    masks = []
    for j, t in enumerate(texts):
        left, _, right = t.replace(" ", "").replace("\u2212", "-").partition("=")
        right = right[1:] if right[:1] in "+-" and right else right
        if left != factor_letter(m + j) or not right:
            raise ValueError(f"generator {t!r}: expected {factor_letter(m + j)}=<product of basic "
                             "letters>, optionally signed (D=-AB)")
        mask = 0
        for ch in right:
            if ch not in letters or letters[ch] >= m:
                raise ValueError(f"generator {t!r}: {ch!r} is not a basic factor")
            mask ^= 1 << letters[ch]
        masks.append(mask)
    return m, masks


def alias_structure(m: int, generators: Sequence[int], max_order: int = 2) -> dict[str, list[str]]:
    """Aliases of main effects and two-factor interactions, up to interactions of ``max_order``.

    Returns ``{"A": ["BCE", …], "AB": ["CE", "DF"], …}`` listing, for each main effect and 2FI,
    the other effects of order ≤ ``max_order`` that share its column (effect ``e`` is aliased with
    ``e XOR w`` for every defining word ``w``). Effects with no short alias are omitted.
    """
    k = m + len(generators)
    words = defining_words(m, generators)
    out: dict[str, list[str]] = {}
    effects = [1 << i for i in range(k)] + [(1 << i) | (1 << j) for i, j in itertools.combinations(range(k), 2)]
    for e in effects:
        al = sorted({e ^ w for w in words if 0 < (e ^ w).bit_count() <= max_order},
                    key=lambda x: (x.bit_count(), [i for i in range(k) if x >> i & 1]))
        if al:
            out[word_text(e)] = [word_text(a) for a in al]
    return out


def clear_two_factor_interactions(m: int, generators: Sequence[int]) -> list[str]:
    """2FIs aliased with no main effect and no other 2FI (Wu & Chen 1992 "clear")."""
    k = m + len(generators)
    words = defining_words(m, generators)
    clear = []
    for i, j in itertools.combinations(range(k), 2):
        e = (1 << i) | (1 << j)
        if all((e ^ w).bit_count() > 2 for w in words):
            clear.append(word_text(e))
    return clear
