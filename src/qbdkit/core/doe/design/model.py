"""Polynomial models over coded factors, and their model matrices.

A model is a list of *terms*; a term is a tuple of ``(factor index, power)`` pairs (the intercept
is the empty tuple). Named models:

- ``linear`` (``main``): intercept + main effects;
- ``interaction``: + all two-factor interactions;
- ``quadratic``: + squares of numeric factors (full second-order model);
- a formula in patsy/Wilkinson notation on the factor names, e.g.
  ``"A + B + C + A:B + I(A**2)"``, ``"A*B + C"``, ``"(A + B + C)^2 + A^2"``; names with spaces or
  punctuation may be back-quoted (```feed rate```) or written ``Q("feed rate")``.

Numeric factors enter in coded units; a categorical factor with L levels enters effects-coded
(L − 1 columns: +1 for level l, −1 for the first level, 0 otherwise; for two levels this is the
usual −1/+1). Hand-written instead of patsy because the optimal-design search evaluates the
model expansion for thousands of candidate rows per second (vectorised numpy here) and because
the effects coding must match the run sheet's level order.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from qbdkit.core.doe.design.factors import FactorSpace

Term = tuple[tuple[int, int], ...]

NAMED_MODELS = ("linear", "main", "interaction", "quadratic")


@dataclass(frozen=True, eq=False)
class Model:
    """Terms over the factors of ``space``; ``columns`` names each model-matrix column."""

    space: FactorSpace
    terms: tuple[Term, ...]
    text: str = ""

    @property
    def columns(self) -> list[str]:
        names: list[str] = []
        for t in self.terms:
            names.extend(_term_column_names(self.space, t))
        return names

    @property
    def p(self) -> int:
        return len(self.columns)

    def term_slices(self) -> list[tuple[str, slice]]:
        """``[(term label, slice of model-matrix columns)]``."""
        out = []
        start = 0
        for t in self.terms:
            n = len(_term_column_names(self.space, t))
            out.append((term_label(self.space, t), slice(start, start + n)))
            start += n
        return out

    @functools.cached_property
    def _exponents(self) -> np.ndarray | None:
        """(terms × k) exponent matrix when every factor is numeric (fast path), else None."""
        if not self.space.all_numeric:
            return None
        e = np.zeros((len(self.terms), self.space.k), dtype=np.intp)
        for t, term in enumerate(self.terms):
            for j, power in term:
                e[t, j] = power
        return e

    def matrix(self, coded: np.ndarray) -> np.ndarray:
        """Model matrix X (n × p) of a coded design (categorical columns hold level indexes)."""
        z = np.atleast_2d(np.asarray(coded, dtype=float))
        n = z.shape[0]
        e = self._exponents
        if e is not None:
            # powers[i, j, q] = z_ij ** q; X[i, t] = Π_j powers[i, j, e_tj]
            maxp = int(e.max()) if e.size else 0
            powers = np.ones((n, self.space.k, maxp + 1))
            for q in range(1, maxp + 1):
                powers[:, :, q] = powers[:, :, q - 1] * z
            cols = np.arange(self.space.k)
            return np.prod(powers[:, cols[None, :], e], axis=2)
        cache: dict[int, np.ndarray] = {}
        blocks = []
        for t in self.terms:
            col = np.ones((n, 1))
            for j, power in t:
                f = self.space.factors[j]
                if f.is_numeric:
                    col = col * (z[:, j] ** power)[:, None]
                else:
                    if j not in cache:
                        cache[j] = effects_code(z[:, j], f.n_levels)
                    e = cache[j]
                    col = (col[:, :, None] * e[:, None, :]).reshape(n, -1)
            blocks.append(col)
        return np.hstack(blocks)

    @property
    def order(self) -> int:
        return max((sum(p for _, p in t) for t in self.terms), default=0)


def effects_code(idx: np.ndarray, n_levels: int) -> np.ndarray:
    """Effects coding of level indexes: (n × (L−1))."""
    idx = np.asarray(idx).astype(int)
    out = np.zeros((idx.size, n_levels - 1))
    for lv in range(1, n_levels):
        out[:, lv - 1] = (idx == lv).astype(float)
    out[idx == 0, :] = -1.0
    return out


def term_label(space: FactorSpace, term: Term) -> str:
    if not term:
        return "Intercept"
    parts = []
    for j, power in term:
        name = space.factors[j].name
        parts.append(name if power == 1 else f"{name}^{power}")
    return ":".join(parts)


def _term_column_names(space: FactorSpace, term: Term) -> list[str]:
    names = [""]
    for j, power in term:
        f = space.factors[j]
        if f.is_numeric:
            piece = [f.name if power == 1 else f"{f.name}^{power}"]
        else:
            piece = [f"{f.name}[{lvl}]" for lvl in f.levels[1:]]
        names = [f"{a}:{b}" if a else b for a in names for b in piece]
    return ["Intercept"] if not term else names


def named_terms(space: FactorSpace, kind: str) -> list[Term]:
    k = space.k
    terms: list[Term] = [()]
    terms += [((j, 1),) for j in range(k)]
    if kind in ("interaction", "quadratic"):
        terms += [((i, 1), (j, 1)) for i, j in itertools.combinations(range(k), 2)]
    if kind == "quadratic":
        terms += [((j, 2),) for j in range(k) if space.factors[j].is_numeric]
    return terms


def build_model(space: FactorSpace, model: str | Model = "linear") -> Model:
    """A :class:`Model` from a named model or a formula; raises ``ValueError`` on a bad formula."""
    if isinstance(model, Model):
        return model
    text = str(model).strip()
    if text.lower() in NAMED_MODELS:
        kind = "linear" if text.lower() == "main" else text.lower()
        return Model(space, tuple(named_terms(space, kind)), kind)
    return Model(space, tuple(parse_formula(space, text)), text)


def parse_formula(space: FactorSpace, formula: str) -> list[Term]:
    """Parse a Wilkinson/patsy formula over factor names into terms (intercept always included)."""
    s = formula.strip()
    if "~" in s:
        s = s.split("~", 1)[1]
    # protect names: Q("..."), `...`, then bare names longest first
    placeholders: dict[str, int] = {}

    def ph(j: int) -> str:
        tok = f"v{j}v"
        placeholders[tok] = j
        return f" {tok} "

    names = space.names

    def sub_named(m: re.Match) -> str:
        n = m.group(2)
        if n not in names:
            raise ValueError(f"unknown factor {n!r} (factors: {', '.join(names)})")
        return ph(names.index(n))

    s = re.sub(r"Q\(\s*([\"'])(.*?)\1\s*\)", sub_named, s)
    s = re.sub(r"(`)(.*?)`", sub_named, s)
    for n in sorted(names, key=len, reverse=True):
        pattern = r"(?<![\w.])" + re.escape(n) + r"(?![\w.])"
        s = re.sub(pattern, lambda _m, n=n: ph(names.index(n)), s)
    s = re.sub(r"I\(\s*(v\d+v)\s*\*\*\s*(\d+)\s*\)", r"\1^\2", s)
    s = s.replace("**", "^")
    tokens = re.findall(r"v\d+v|\d+|[()+\-*:^]", s)
    leftover = re.sub(r"v\d+v|\d+|[()+\-*:^\s]", "", s)
    if leftover:
        raise ValueError(f"cannot read {leftover!r} in the formula (factors: {', '.join(names)})")
    parser = _FormulaParser(tokens, placeholders)
    terms = parser.parse()
    out: list[Term] = [()]
    for t in terms:
        if t and t not in out:
            for j, power in t:
                if power > 1 and not space.factors[j].is_numeric:
                    raise ValueError(f"categorical factor {names[j]} cannot be squared")
            out.append(t)
    return out


class _FormulaParser:
    """expr := term (('+'|'-') term)*; term := factor ((':'|'*') factor)*;
    factor := atom ('^' int)?; atom := name | int | '(' expr ')'."""

    def __init__(self, tokens: Sequence[str], placeholders: dict[str, int]):
        self.t = list(tokens)
        self.i = 0
        self.ph = placeholders

    def peek(self) -> str | None:
        return self.t[self.i] if self.i < len(self.t) else None

    def take(self) -> str:
        tok = self.peek()
        if tok is None:
            raise ValueError("formula ends too early")
        self.i += 1
        return tok

    def parse(self) -> list[Term]:
        out = self.expr()
        if self.peek() is not None:
            raise ValueError(f"unexpected {self.peek()!r} in the formula")
        return out

    def expr(self) -> list[Term]:
        terms = self.term()
        while self.peek() in ("+", "-"):
            op = self.take()
            rhs = self.term()
            terms = _union(terms, rhs) if op == "+" else [t for t in terms if t not in rhs]
        return terms

    def term(self) -> list[Term]:
        left = self.factor()
        while self.peek() in (":", "*"):
            op = self.take()
            right = self.factor()
            inter = [_mul(a, b) for a in left for b in right]
            left = _union(_union(left, right), inter) if op == "*" else inter
        return left

    def factor(self) -> list[Term]:
        tok = self.take()
        if tok == "(":
            inner = self.expr()
            if self.take() != ")":
                raise ValueError("missing ')'")
            if self.peek() == "^":
                self.take()
                n = int(self.take())
                mains = inner
                res = list(inner)
                for _ in range(n - 1):
                    res = _union(res, [_mul(a, b) for a in res for b in mains if _is_product(a, b)])
                return res
            return inner
        if tok in self.ph:
            term: Term = ((self.ph[tok], 1),)
            if self.peek() == "^":
                self.take()
                power = int(self.take())
                term = ((self.ph[tok], power),)
            return [term]
        if tok.isdigit():
            return [()] if tok == "1" else []
        raise ValueError(f"unexpected {tok!r} in the formula")


def _mul(a: Term, b: Term) -> Term:
    d: dict[int, int] = dict(a)
    for j, p in b:
        d[j] = d.get(j, 0) + p
    return tuple(sorted(d.items()))


def _is_product(a: Term, b: Term) -> bool:
    """For (…)^n expansion: only distinct-factor interactions (patsy semantics)."""
    return not (set(dict(a)) & set(dict(b)))


def _union(a: list[Term], b: list[Term]) -> list[Term]:
    out = list(a)
    for t in b:
        if t not in out:
            out.append(t)
    return out
