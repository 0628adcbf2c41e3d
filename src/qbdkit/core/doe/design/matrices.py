"""Hadamard and conference matrices (for Plackett-Burman and definitive screening designs).

Constructions (Hedayat, Sloane & Stufken, *Orthogonal Arrays*, 1999, ch. 7; Xiao, Lin & Bai 2012,
"Constructing definitive screening designs using conference matrices", *J. Quality Technology*
44(1):2-8; Jones & Nachtsheim 2011, *J. Quality Technology* 43(1):1-15):

- Plackett & Burman (1946, *Biometrika* 33:305) published cyclic generating rows for N = 12, 20
  and 24; the design is the N−1 cyclic shifts of the row plus a row of −1 (``PB_ROWS``).
- Paley I: q ≡ 3 (mod 4) a prime power → skew conference matrix S = [[0, 1'], [−1, Q]] of order
  q + 1 and Hadamard matrix H = I + S.
- Paley II: q ≡ 1 (mod 4) → symmetric conference matrix C = [[0, 1'], [1, Q]] of order q + 1 and
  Hadamard matrix of order 2(q + 1): C ⊗ [[1, 1], [1, −1]] + I ⊗ [[1, −1], [−1, −1]].
  Q is the Jacobsthal matrix Q_ij = χ(a_i − a_j), χ the quadratic character of GF(q).
- Sylvester doubling: [[H, H], [H, −H]].
- Williamson (1944, *Duke Math. J.* 11:65): four symmetric circulant ±1 matrices A, B, C, D of
  order m with A² + B² + C² + D² = 4m I give the Hadamard matrix of order 4m
  [[A, B, C, D], [−B, A, −D, C], [−C, D, A, −B], [−D, −C, B, A]]. Order 92 (m = 23, where no
  Paley construction exists) was first built this way by Baumert, Golomb & Hall (1962,
  *Bull. AMS* 68:237-238). The first rows in ``WILLIAMSON_ROWS`` were found by a meet-in-the-middle
  search over symmetric first rows with row sums (7, 5, 3, 3) (7² + 5² + 3² + 3² = 92) whose
  periodic autocorrelations add to zero at every shift; the test multiplies H'H = 92 I out.
- Skew doubling of a conference matrix: if S is skew (S' = −S) of order n, then
  [[S, S + I], [S − I, −S]] is a conference matrix of order 2n (checked by multiplying out:
  the off-diagonal blocks give −S − S' = 0, the diagonal blocks (2n − 1) I).

Finite fields GF(p^r) for r > 1 (9, 25, 27, 49) use a fixed irreducible polynomial; only
subtraction and the set of squares are needed. Hand-written: scipy offers only Sylvester
Hadamard matrices (powers of two) and no conference matrices.
"""

from __future__ import annotations

import functools
import itertools

import numpy as np

#: Plackett & Burman (1946) generating rows (first row of the cyclic part), + = 1, − = −1.
PB_ROWS: dict[int, str] = {
    12: "++-+++---+-",
    20: "++--++++-+-+----++-",
    24: "+++++-+-++--++--+-+----",
}

#: Williamson matrices: first rows of the symmetric circulants A, B, C, D (order m → Hadamard 4m).
WILLIAMSON_ROWS: dict[int, tuple[str, str, str, str]] = {
    23: ("++-+-+++-++--++-+++-+-+", "-+++++--+-+--+-+--+++++",
         "+++++----+-++-+----++++", "++-+--+++--++--+++--+-+"),
}


def williamson_hadamard(m: int) -> np.ndarray:
    """Hadamard matrix of order 4m from the Williamson matrices of order m (module docstring)."""
    a, b, c, d = (np.array([np.roll([1.0 if ch == "+" else -1.0 for ch in row], k) for k in range(m)])
                  for row in WILLIAMSON_ROWS[m])
    return np.block([[a, b, c, d], [-b, a, -d, c], [-c, d, a, -b], [-d, -c, b, a]])


# irreducible polynomials: x^r = sum(c_i x^i) mod p, coefficients c_0..c_{r-1}
_IRREDUCIBLE: dict[tuple[int, int], tuple[int, ...]] = {
    (3, 2): (2, 0),      # x^2 = -1
    (5, 2): (2, 0),      # x^2 = 2
    (7, 2): (3, 0),      # x^2 = 3 (3 is a non-residue mod 7)
    (3, 3): (2, 1, 0),   # x^3 = x + 2 (x^3 + 2x + 1 irreducible over GF(3))
}


def _prime_power(q: int) -> tuple[int, int] | None:
    for p in range(2, q + 1):
        if q % p == 0:
            r, x = 0, q
            while x % p == 0:
                x //= p
                r += 1
            return (p, r) if x == 1 else None
    return None


@functools.cache
def _field(q: int) -> tuple[np.ndarray, np.ndarray]:
    """Elements of GF(q) as coefficient vectors and the quadratic character table χ(a_i − a_j)."""
    pr = _prime_power(q)
    if pr is None:
        raise ValueError(f"{q} is not a prime power")
    p, r = pr
    elems = np.array(list(itertools.product(range(p), repeat=r)), dtype=int)[:, ::-1]

    def mul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        prod = np.zeros(2 * r - 1, dtype=int)
        for i in range(r):
            prod[i: i + r] += a[i] * b
        red = _IRREDUCIBLE.get((p, r), ())
        for d in range(2 * r - 2, r - 1, -1):
            c = prod[d]
            if c:
                prod[d] = 0
                for i, ci in enumerate(red):
                    prod[d - r + i] += c * ci
        return prod[:r] % p

    if r > 1 and (p, r) not in _IRREDUCIBLE:
        raise ValueError(f"GF({q}) not available")
    index = {tuple(e): i for i, e in enumerate(elems)}
    squares = {index[tuple(mul(e, e))] for e in elems[1:]}
    chi = np.zeros((q, q), dtype=int)
    for i in range(q):
        for j in range(q):
            d = tuple((elems[i] - elems[j]) % p)
            idx = index[d]
            chi[i, j] = 0 if idx == 0 else (1 if idx in squares else -1)
    return elems, chi


def jacobsthal(q: int) -> np.ndarray:
    return _field(q)[1].astype(float)


def paley_conference(q: int) -> np.ndarray:
    """Conference matrix of order q + 1 (symmetric if q ≡ 1 mod 4, skew if q ≡ 3 mod 4)."""
    qm = jacobsthal(q)
    n = q + 1
    c = np.zeros((n, n))
    c[0, 1:] = 1.0
    c[1:, 0] = 1.0 if q % 4 == 1 else -1.0
    c[1:, 1:] = qm
    return c


def _is_skew(c: np.ndarray) -> bool:
    return bool(np.array_equal(c.T, -c))


@functools.cache
def conference_matrix(n: int) -> np.ndarray | None:
    """A conference matrix of order n (C'C = (n−1) I, zero diagonal), or None if we have none."""
    if n < 2:
        return None
    if n == 2:
        return np.array([[0.0, 1.0], [-1.0, 0.0]])
    q = n - 1
    pr = _prime_power(q)
    if pr is not None and (pr[1] == 1 or pr in _IRREDUCIBLE) and q % 4 in (1, 3):
        return paley_conference(q)
    if n % 2 == 0:
        half = conference_matrix(n // 2)
        if half is not None and _is_skew(half):
            eye = np.eye(n // 2)
            return np.block([[half, half + eye], [half - eye, -half]])
    return None


@functools.cache
def hadamard_matrix(n: int) -> np.ndarray | None:
    """A Hadamard matrix of order n normalised to a first column of +1, or None."""
    if n == 1:
        return np.ones((1, 1))
    if n == 2:
        return np.array([[1.0, 1.0], [1.0, -1.0]])
    if n % 4:
        return None
    h = None
    if n in PB_ROWS:
        row = np.array([1.0 if ch == "+" else -1.0 for ch in PB_ROWS[n]])
        cyc = np.array([np.roll(row, i) for i in range(n - 1)])
        design = np.vstack([cyc, -np.ones(n - 1)])
        h = np.hstack([np.ones((n, 1)), design])
    if h is None and n // 4 in WILLIAMSON_ROWS and n % 4 == 0:
        h = williamson_hadamard(n // 4)
    if h is None:
        q = n - 1
        pr = _prime_power(q)
        if pr is not None and q % 4 == 3 and (pr[1] == 1 or pr in _IRREDUCIBLE):
            s = paley_conference(q)
            h = np.eye(n) + s
    if h is None and n % 2 == 0:
        q = n // 2 - 1
        pr = _prime_power(q) if q > 1 else None
        if pr is not None and q % 4 == 1 and (pr[1] == 1 or pr in _IRREDUCIBLE):
            c = paley_conference(q)
            h = np.kron(c, np.array([[1.0, 1.0], [1.0, -1.0]])) + np.kron(
                np.eye(q + 1), np.array([[1.0, -1.0], [-1.0, -1.0]]))
    if h is None:
        half = hadamard_matrix(n // 2)
        if half is not None:
            h = np.block([[half, half], [half, -half]])
    if h is None:
        return None
    # normalise: first column all +1
    h = h * h[:, [0]]
    return h


def plackett_burman_sizes(max_n: int = 100) -> list[int]:
    return [n for n in range(4, max_n + 1, 4) if hadamard_matrix(n) is not None]
