"""Experimental factors, their coding, linear constraints and disallowed combinations.

A numeric factor has a low and a high actual value (and a unit); its *coded* value is
``z = (x - (high + low)/2) / ((high - low)/2)`` so that low ↦ −1, high ↦ +1 (Montgomery,
*Design and Analysis of Experiments*, §6.1; Myers, Montgomery & Anderson-Cook, *Response Surface
Methodology*, §2.?). A categorical factor has two or more level labels; inside the design
arrays it is held as the level index 0 … L−1 and in models it is effects-coded (L−1 columns).

Linear constraints are written on *actual* values, e.g. ``0.5*Temperature + pH <= 25``; they are
parsed with the :mod:`ast` module (numbers, factor names, ``+ - * /``; nothing is executed) and
converted to coded units. A disallowed combination is a mapping ``{factor: level}`` or
``{factor: [low, high]}``; a run matching every entry is excluded.

This module is the only place in :mod:`qbdkit.core.doe.design` that reads files (the factors
file, YAML or CSV/XLSX): the factor list is an input description, kept next to the code that
interprets it.
"""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from qbdkit.core.result import Result
from qbdkit.errors import Problem, QbdInputError

FACTOR_TYPES = ("numeric", "categorical")


@dataclass(frozen=True)
class Factor(Result):
    """One factor. ``levels`` for numeric factors are optional finer levels (actual units)."""

    name: str
    type: str = "numeric"
    low: float | None = None
    high: float | None = None
    unit: str = ""
    levels: tuple = ()

    @property
    def is_numeric(self) -> bool:
        return self.type == "numeric"

    @property
    def n_levels(self) -> int:
        return len(self.levels) if not self.is_numeric else 2

    @property
    def center(self) -> float:
        return (float(self.low) + float(self.high)) / 2.0

    @property
    def half_range(self) -> float:
        return (float(self.high) - float(self.low)) / 2.0

    def to_actual(self, z: np.ndarray) -> np.ndarray:
        """Coded → actual (numeric) or level index → label (categorical)."""
        if self.is_numeric:
            return self.center + self.half_range * np.asarray(z, dtype=float)
        idx = np.asarray(z).astype(int)
        return np.array(self.levels, dtype=object)[idx]

    def to_coded(self, x: np.ndarray) -> np.ndarray:
        if self.is_numeric:
            return (np.asarray(x, dtype=float) - self.center) / self.half_range
        lookup = {str(v): i for i, v in enumerate(self.levels)}
        return np.array([lookup[str(v)] for v in x], dtype=float)


@dataclass(frozen=True)
class LinearConstraint(Result):
    """``coef · x_actual (<=|>=) rhs``; ``coded_coef · z <= coded_rhs`` is the coded form (≤ only)."""

    text: str
    coef: tuple[float, ...]
    op: str
    rhs: float
    coded_coef: tuple[float, ...] = ()
    coded_rhs: float = 0.0


@dataclass(frozen=True)
class FactorSpace(Result):
    """The factors of an experiment with its constraints; coded ↔ actual conversion."""

    factors: tuple[Factor, ...]
    constraints: tuple[LinearConstraint, ...] = ()
    disallowed: tuple[dict, ...] = ()
    source: str = ""

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.factors]

    @property
    def k(self) -> int:
        return len(self.factors)

    @property
    def numeric_mask(self) -> np.ndarray:
        return np.array([f.is_numeric for f in self.factors], dtype=bool)

    @property
    def all_numeric(self) -> bool:
        return bool(self.numeric_mask.all())

    def index(self, name: str) -> int:
        return self.names.index(name)

    def to_actual_rows(self, coded: np.ndarray) -> list[dict[str, Any]]:
        """Coded design (n × k; categorical as level index) → list of {factor: actual value}."""
        coded = np.asarray(coded, dtype=float)
        cols = [f.to_actual(coded[:, j]) for j, f in enumerate(self.factors)]
        rows = []
        for i in range(coded.shape[0]):
            row = {}
            for j, f in enumerate(self.factors):
                v = cols[j][i]
                row[f.name] = _round_actual(float(v)) if f.is_numeric else str(v)
            rows.append(row)
        return rows

    def coded_labels(self, coded: np.ndarray) -> list[list[Any]]:
        """Coded design for output: numbers for numeric factors, level labels for categorical."""
        out = []
        for r in np.asarray(coded, dtype=float):
            out.append([round(float(v), 6) if f.is_numeric else str(f.levels[int(v)])
                        for v, f in zip(r, self.factors, strict=True)])
        return out

    def feasible(self, coded: np.ndarray, tol: float = 1e-9) -> np.ndarray:
        """Boolean mask of rows satisfying every linear constraint and no disallowed combination."""
        z = np.atleast_2d(np.asarray(coded, dtype=float))
        ok = np.ones(z.shape[0], dtype=bool)
        num = self.numeric_mask
        for c in self.constraints:
            a = np.array(c.coded_coef)
            ok &= z[:, num] @ a[num] <= c.coded_rhs + tol
        for d in self.disallowed:
            hit = np.ones(z.shape[0], dtype=bool)
            for name, cond in d.items():
                j = self.index(name)
                f = self.factors[j]
                if f.is_numeric:
                    lo, hi = cond
                    x = f.to_actual(z[:, j])
                    hit &= (x >= lo - 1e-12) & (x <= hi + 1e-12)
                else:
                    hit &= z[:, j].astype(int) == list(map(str, f.levels)).index(str(cond))
            ok &= ~hit
        return ok

    @property
    def constrained(self) -> bool:
        return bool(self.constraints or self.disallowed)


def _round_actual(v: float) -> float:
    return float(f"{v:.10g}")


def make_space(factors: Sequence[Factor | Mapping[str, Any]],
               constraints: Sequence[str] = (),
               disallowed: Sequence[Mapping[str, Any]] = (),
               *, source: str = "") -> FactorSpace:
    """Validate factors and parse constraints; raises :class:`QbdInputError` listing every problem."""
    problems: list[Problem] = []
    out: list[Factor] = []
    seen: set[str] = set()
    for i, spec in enumerate(factors):
        where = dict(file=source or None, row=i + 1 if not isinstance(spec, Factor) else None)
        f = spec if isinstance(spec, Factor) else _factor_from_mapping(spec, i, problems, source)
        if f is None:
            continue
        if f.name in seen:
            problems.append(Problem("duplicate factor name", column="name", expected="unique names",
                                    found=f.name, **where))
        seen.add(f.name)
        out.append(f)
    if not out and not problems:
        problems.append(Problem("no factors", file=source or None, expected="at least one factor"))
    if problems:
        raise QbdInputError(problems=problems)
    names = [f.name for f in out]
    parsed = []
    for j, text in enumerate(constraints):
        try:
            parsed.append(parse_constraint(str(text), out))
        except (ValueError, ArithmeticError, RecursionError, TypeError) as exc:
            problems.append(Problem(f"constraint {j + 1}: {exc}", file=source or None,
                                    column="constraints",
                                    expected="a linear inequality on factor names, e.g. '0.5*A + B <= 10'",
                                    found=str(text)))
    dis = []
    for j, d in enumerate(disallowed):
        if not isinstance(d, Mapping) or not d:
            problems.append(Problem(f"disallowed {j + 1}: not a mapping", file=source or None,
                                    column="disallowed", expected="{factor: level or [low, high]}",
                                    found=str(d)))
            continue
        entry = {}
        for name, cond in d.items():
            if name not in names:
                problems.append(Problem(f"disallowed {j + 1}: unknown factor", file=source or None,
                                        column="disallowed", expected=" / ".join(names), found=str(name)))
                continue
            f = out[names.index(name)]
            if f.is_numeric:
                pair = cond if isinstance(cond, (list, tuple)) and len(cond) == 2 else (cond, cond)
                try:
                    entry[name] = (_finite(pair[0]), _finite(pair[1]))
                except (TypeError, ValueError, OverflowError):
                    problems.append(Problem(f"disallowed {j + 1}: not a number or range for {name}",
                                            file=source or None, column="disallowed",
                                            expected="a finite number or [low, high]",
                                            found=str(cond)[:80]))
                    continue
            else:
                if str(cond) not in map(str, f.levels):
                    problems.append(Problem(f"disallowed {j + 1}: unknown level of {name}",
                                            file=source or None, column="disallowed",
                                            expected=" / ".join(map(str, f.levels)), found=str(cond)))
                    continue
                entry[name] = str(cond)
        dis.append(entry)
    if problems:
        raise QbdInputError(problems=problems)
    space = FactorSpace(tuple(out), tuple(parsed), tuple(dis), source)
    if parsed:
        _check_feasible(space)
    return space


def _finite(value: Any) -> float:
    """``value`` as a usable float (``ValueError`` for inf, NaN, ``1e999``, ``10**400``, text,
    magnitudes beyond :func:`qbdkit.core.numbers.range_problem`'s bounds)."""
    if isinstance(value, bool):
        raise ValueError("a true/false value is not a number")
    from qbdkit.core.numbers import range_problem

    f = float(value)
    problem = range_problem(f)
    if problem or math.isnan(f):
        raise ValueError(problem or "not a number")
    return f


def _short(text: str, n: int = 80) -> str:
    return text if len(text) <= n else f"{text[:n]}…"


def _factor_from_mapping(spec: Mapping[str, Any], i: int, problems: list[Problem],
                         source: str) -> Factor | None:
    row = i + 1
    file = source or None
    if not isinstance(spec, Mapping):
        problems.append(Problem("factor entry is not a mapping", file=file, row=row,
                                expected="{name, low, high, unit} or {name, type: categorical, levels}",
                                found=str(spec)))
        return None
    name = spec.get("name")
    if name is None or str(name).strip() == "":
        problems.append(Problem("factor without a name", file=file, row=row, column="name",
                                expected="a name", found=""))
        return None
    if not isinstance(name, str | int | float) or isinstance(name, bool):
        problems.append(Problem("factor name is not a text", file=file, row=row, column="name",
                                expected="a name", found=_short(str(name))))
        return None
    name = str(name).strip()
    ftype = str(spec.get("type") or "numeric").strip().lower()
    ftype = {"continuous": "numeric", "number": "numeric", "数值": "numeric", "连续": "numeric",
             "categoric": "categorical", "category": "categorical", "分类": "categorical",
             "类别": "categorical"}.get(ftype, ftype)
    if ftype not in FACTOR_TYPES:
        problems.append(Problem(f"unknown factor type for {name}", file=file, row=row, column="type",
                                expected="numeric or categorical", found=str(spec.get("type"))))
        return None
    levels = spec.get("levels")
    if isinstance(levels, str):
        levels = [s.strip() for s in re.split(r"[;；,，]", levels) if s.strip()]
    levels = list(levels or [])
    if ftype == "categorical":
        labels = [str(v).strip() for v in levels]
        if len(labels) < 2 or len(set(labels)) != len(labels):
            problems.append(Problem(f"categorical factor {name} needs two or more distinct levels",
                                    file=file, row=row, column="levels",
                                    expected="levels: [a, b, …]", found=str(levels)))
            return None
        return Factor(name, "categorical", None, None, str(spec.get("unit") or ""), tuple(labels))
    lo, hi = spec.get("low"), spec.get("high")
    try:
        lo_f = _finite(lo)
        hi_f = _finite(hi)
    except (TypeError, ValueError, OverflowError):
        problems.append(Problem(f"numeric factor {name} needs numbers low and high", file=file,
                                row=row, column="low/high", expected="two finite numbers",
                                found=_short(f"low={lo!r}, high={hi!r}")))
        return None
    if lo_f >= hi_f:
        problems.append(Problem(f"low must be below high for {name}", file=file, row=row,
                                column="low", expected=f"low < high ({hi_f:g})", found=lo_f))
        return None
    finer: tuple = ()
    if levels:
        try:
            finer = tuple(sorted(_finite(v) for v in levels))
        except (TypeError, ValueError, OverflowError):
            problems.append(Problem(f"levels of numeric factor {name} must be numbers", file=file,
                                    row=row, column="levels", expected="numbers", found=str(levels)))
            return None
        if finer[0] < lo_f - 1e-12 or finer[-1] > hi_f + 1e-12:
            problems.append(Problem(f"levels of {name} outside low–high", file=file, row=row,
                                    column="levels", expected=f"within {lo_f:g}…{hi_f:g}",
                                    found=str(levels)))
            return None
    return Factor(name, "numeric", lo_f, hi_f, str(spec.get("unit") or "").strip(), finer)


# ------------------------------------------------------------------ constraints

_OPS = ("<=", ">=", "≤", "≥", "<", ">")
#: a constraint is a short formula; a longer text is refused before Python's parser sees it
#: (a chain of 100 000 additions would exhaust the recursion of the evaluator)
MAX_CONSTRAINT_CHARS = 1000


def parse_constraint(text: str, factors: Sequence[Factor]) -> LinearConstraint:
    """Parse ``'0.5*A + B <= 10'`` (names as written, longest match first) into coefficients."""
    if len(text) > MAX_CONSTRAINT_CHARS:
        raise ValueError(f"longer than {MAX_CONSTRAINT_CHARS} characters")
    op = next((o for o in _OPS if o in text), None)
    if op is None:
        raise ValueError("no comparison (<=, >=, <, >)")
    left, right = text.split(op, 1)
    norm_op = {"≤": "<=", "<": "<=", "≥": ">=", ">": ">="}.get(op, op)
    names = sorted(((f.name, j) for j, f in enumerate(factors)), key=lambda t: -len(t[0]))
    k = len(factors)

    def linear(expr: str) -> tuple[np.ndarray, float]:
        s = expr
        for name, j in names:
            s = s.replace(name, f" __v{j}__ ")
        try:
            tree = ast.parse(s.strip(), mode="eval")
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            raise ValueError(f"cannot read {expr.strip()!r}") from None
        used = {int(m) for m in re.findall(r"__v(\d+)__", s)}
        for j in used:
            if not factors[j].is_numeric:
                raise ValueError(f"categorical factor {factors[j].name} in a linear constraint")

        def ev(x: np.ndarray) -> float:
            return _eval(tree.body, x)

        base = ev(np.zeros(k))
        coef = np.array([ev(np.eye(k)[j]) - base for j in range(k)])
        # linearity check: value at a random point equals base + coef·x
        rng = np.random.default_rng(0)
        for _ in range(3):
            x = rng.normal(size=k)
            if not math.isclose(ev(x), base + coef @ x, rel_tol=1e-9, abs_tol=1e-9):
                raise ValueError("not linear in the factors")
        return coef, base

    lc, lb = linear(left)
    rc, rb = linear(right)
    coef = lc - rc
    rhs = rb - lb
    if not np.any(coef):
        raise ValueError("names no factor")
    sign = 1.0 if norm_op == "<=" else -1.0
    centers = np.array([f.center if f.is_numeric else 0.0 for f in factors])
    halves = np.array([f.half_range if f.is_numeric else 0.0 for f in factors])
    ccoef = sign * coef * halves
    crhs = sign * (rhs - coef @ centers)
    if not (np.all(np.isfinite(coef)) and np.all(np.isfinite(ccoef)) and math.isfinite(rhs)
            and math.isfinite(crhs)):
        raise ValueError("a coefficient or bound is not a finite number")
    return LinearConstraint(text.strip(), tuple(float(c) for c in coef), norm_op, float(rhs),
                            tuple(float(c) for c in ccoef), float(crhs))


def _eval(node: ast.AST, x: np.ndarray) -> float:
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        return float(node.value)
    if isinstance(node, ast.Name):
        m = re.fullmatch(r"__v(\d+)__", node.id)
        if not m:
            raise ValueError(f"unknown name {node.id!r}")
        return float(x[int(m.group(1))])
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        v = _eval(node.operand, x)
        return -v if isinstance(node.op, ast.USub) else v
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult, ast.Div)):
        a, b = _eval(node.left, x), _eval(node.right, x)
        if isinstance(node.op, ast.Add):
            return a + b
        if isinstance(node.op, ast.Sub):
            return a - b
        if isinstance(node.op, ast.Mult):
            return a * b
        return a / b
    raise ValueError("only numbers, factor names and + - * / are allowed")


def _check_feasible(space: FactorSpace) -> None:
    """Raise if the constraints leave no point of the coded cube (linear programme)."""
    from scipy.optimize import linprog

    num = space.numeric_mask
    n = int(num.sum())
    a = np.array([np.array(c.coded_coef)[num] for c in space.constraints])
    b = np.array([c.coded_rhs for c in space.constraints])
    res = linprog(np.zeros(n), A_ub=a, b_ub=b, bounds=[(-1, 1)] * n, method="highs")
    if res.status != 0:
        raise QbdInputError(
            "the constraints leave no feasible factor setting inside the low–high ranges",
            file=space.source or None, column="constraints",
            expected="constraints that some setting within the ranges satisfies",
            found="; ".join(c.text for c in space.constraints))


# ------------------------------------------------------------------ reading files

_TABLE_ALIASES = {
    "name": ["factor", "因子", "名称", "参数", "parameter", "因素"],
    "type": ["类型", "kind"],
    "low": ["min", "lower", "下限", "低", "低水平", "最小值"],
    "high": ["max", "upper", "上限", "高", "高水平", "最大值"],
    "unit": ["units", "单位"],
    "levels": ["水平", "level"],
}


def _sheet_names(path: Path) -> list[str]:
    import io

    import openpyxl

    from qbdkit.io.files import read_bytes

    try:
        wb = openpyxl.load_workbook(io.BytesIO(read_bytes(path)), read_only=True)
    except QbdInputError:
        raise
    except Exception as exc:  # read_table has already read the first sheet: rarely reached
        raise QbdInputError(f"not a readable XLSX workbook ({type(exc).__name__})",
                            file=str(path)) from None
    try:
        return list(wb.sheetnames)
    finally:
        wb.close()


def read_factors(path: str | Path) -> FactorSpace:
    """Read a factors file: YAML (``factors:``, ``constraints:``, ``disallowed:``) or a CSV/XLSX
    table with columns ``name, type, low, high, unit, levels`` (Chinese headers accepted:
    名称/因子, 类型, 下限, 上限, 单位, 水平). An XLSX may carry a ``constraints`` sheet with a column
    ``constraint``."""
    p = Path(path)
    name = str(path)
    if not (p.exists() or p.is_symlink()):
        raise QbdInputError("file not found", file=name)
    if p.suffix.lower() in (".yaml", ".yml"):
        from qbdkit.io import read_text
        from qbdkit.io.yaml_safe import load_yaml

        text, _ = read_text(p)
        doc = load_yaml(text, name)
        if isinstance(doc, list):
            doc = {"factors": doc}
        if not isinstance(doc, dict) or not isinstance(doc.get("factors"), list):
            raise QbdInputError("no factors list", file=name, column="factors",
                                expected="a YAML mapping with a 'factors:' list",
                                found=type(doc).__name__)
        return make_space(doc["factors"], doc.get("constraints") or [], doc.get("disallowed") or [],
                          source=name)
    from qbdkit.io import read_table, require_columns
    from qbdkit.io.tables import is_blank

    table = require_columns(read_table(p, dtype_str=True), ["name"], aliases=_TABLE_ALIASES,
                            optional=["type", "low", "high", "unit", "levels"])
    specs = []
    problems = []
    for i in range(len(table.frame)):
        spec: dict[str, Any] = {}
        for col in ("name", "type", "low", "high", "unit", "levels"):
            if col in table.frame.columns:
                v = table.cell(i, col)
                spec[col] = None if is_blank(v) else str(v).strip()
        try:
            specs.append(make_space([spec], source=name).factors[0])
        except QbdInputError as exc:
            for pr in exc.problems:
                problems.append(Problem(pr.message, name, table.row_of(i), pr.column, pr.expected,
                                        pr.found))
    if problems:
        raise QbdInputError(problems=problems)
    constraints: list[str] = []
    if p.suffix.lower() in (".xlsx", ".xlsm") and "constraints" in _sheet_names(p):
        sheet = read_table(p, sheet="constraints", dtype_str=True)
        if len(sheet.frame.columns):
            first = sheet.frame.iloc[:, 0]
            constraints = [str(v).strip() for v in first if not is_blank(v)]
    return make_space(specs, constraints, source=name)
