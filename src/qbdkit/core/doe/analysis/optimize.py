"""Multi-response optimization with Derringer–Suich desirability.

Derringer, G. & Suich, R. (1980) "Simultaneous optimization of several response
variables", J. Quality Technology 12(4) 214–219. Each predicted response ŷ is
mapped to a desirability d ∈ [0, 1]:

* maximize (acceptable from L, fully desirable from T):
  d = 0 for ŷ < L; ((ŷ − L)/(T − L))^s for L ≤ ŷ ≤ T; 1 for ŷ > T;
* minimize (fully desirable up to T, acceptable up to U):
  d = 1 for ŷ < T; ((U − ŷ)/(U − T))^s for T ≤ ŷ ≤ U; 0 for ŷ > U;
* target T inside [L, U]:
  d = ((ŷ − L)/(T − L))^s on [L, T]; ((U − ŷ)/(U − T))^t on [T, U]; 0 outside.

The overall desirability is the weighted geometric mean
D = (∏ dᵢ^{wᵢ})^{1/Σwᵢ} with importance wᵢ (all 1 in Derringer & Suich; the
weighted form is Derringer 1994, Quality Progress 27(6), as in Design-Expert's
"importance" 1–5).

D is maximized over the experimental region (factor bounds, optional linear
constraints ``a·x ≤ b`` in actual units, optional sphere ‖coded x‖ ≤ ρ) from
several starts (the best design points, then seeded uniform random points) with
scipy's SLSQP. Where D = 0 the objective is a continuation — the summed
normalized distance of the failing responses to their acceptable limits — so a
start in a flat zero region still moves towards feasibility. The optimum is
reported with each response's prediction, confidence and prediction intervals
(per-response least squares: ŷ ± t_{α/2, n−p} s √h and s √(1 + h)).
"""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import optimize, stats

from qbdkit.core.doe.analysis.posterior import MultiResponsePosterior
from qbdkit.core.result import Result, format_table
from qbdkit.errors import QbdInputError

GOAL_KINDS = ("max", "min", "target")


@dataclass(frozen=True)
class Goal:
    """One response's desirability: ``kind`` max/min/target with limits ``low``/``high``,
    ``target``, shape exponents ``s`` (low side) and ``t`` (high side), ``importance``."""

    response: str
    kind: str
    low: float
    high: float
    target: float
    s: float = 1.0
    t: float = 1.0
    importance: float = 1.0

    def __post_init__(self) -> None:
        if self.kind not in GOAL_KINDS:
            raise QbdInputError("unknown goal", column="--goal", expected="max, min or target",
                                found=self.kind)
        if not self.low < self.high or not self.low <= self.target <= self.high:
            raise QbdInputError(f"goal limits for {self.response!r} are not ordered",
                                column="--goal", expected="low < high, low ≤ target ≤ high",
                                found=f"low={self.low:g}, target={self.target:g}, high={self.high:g}")
        if self.kind == "target" and not self.low < self.target < self.high:
            raise QbdInputError(f"target for {self.response!r} must lie strictly inside its limits",
                                column="--goal", expected="low < target < high",
                                found=f"low={self.low:g}, target={self.target:g}, high={self.high:g}")
        if self.s <= 0 or self.t <= 0 or self.importance <= 0:
            raise QbdInputError(f"goal weights for {self.response!r} must be positive",
                                column="--goal", expected="weight > 0, importance > 0",
                                found=f"s={self.s:g}, t={self.t:g}, importance={self.importance:g}")

    def desirability(self, y: np.ndarray) -> np.ndarray:
        """Derringer–Suich d(ŷ) (module docstring)."""
        y = np.asarray(y, dtype=float)
        if self.kind == "max":
            lo, tg = self.low, self.high
            return np.where(y >= tg, 1.0, np.where(y <= lo, 0.0,
                            np.clip((y - lo) / (tg - lo), 0, 1) ** self.s))
        if self.kind == "min":
            tg, hi = self.low, self.high
            return np.where(y <= tg, 1.0, np.where(y >= hi, 0.0,
                            np.clip((hi - y) / (hi - tg), 0, 1) ** self.s))
        lo, tg, hi = self.low, self.target, self.high
        left = np.clip((y - lo) / (tg - lo), 0, 1) ** self.s
        right = np.clip((hi - y) / (hi - tg), 0, 1) ** self.t
        return np.where((y < lo) | (y > hi), 0.0, np.where(y <= tg, left, right))

    def shortfall(self, y: np.ndarray) -> np.ndarray:
        """Distance outside the acceptable range, in units of the range (0 when acceptable)."""
        y = np.asarray(y, dtype=float)
        width = self.high - self.low
        lo = self.low if self.kind in ("max", "target") else -math.inf
        hi = self.high if self.kind in ("min", "target") else math.inf
        return (np.clip(lo - y, 0, None) + np.clip(y - hi, 0, None)) / width

    def text(self) -> str:
        if self.kind == "max":
            return f"maximize (d=0 at {self.low:g}, d=1 at {self.high:g})"
        if self.kind == "min":
            return f"minimize (d=1 at {self.low:g}, d=0 at {self.high:g})"
        return f"target {self.target:g} within [{self.low:g}, {self.high:g}]"


def overall_desirability(goals: Sequence[Goal], y: np.ndarray) -> np.ndarray:
    """D = (∏ dᵢ^{wᵢ})^{1/Σwᵢ} for predictions ``y`` (N×len(goals))."""
    y = np.atleast_2d(np.asarray(y, dtype=float))
    w = np.array([g.importance for g in goals])
    d = np.column_stack([g.desirability(y[:, i]) for i, g in enumerate(goals)])
    with np.errstate(divide="ignore"):
        logd = np.where(d > 0, np.log(np.where(d > 0, d, 1.0)), -np.inf)
    return np.exp((logd * w).sum(axis=1) / w.sum())


def _split_kv(text: str) -> tuple[str, dict[str, str]]:
    parts = [p.strip() for p in re.split(r"[;；]", text) if p.strip()]
    head, opts = parts[0], {}
    for p in parts[1:]:
        if "=" not in p:
            raise QbdInputError(f"cannot read goal option {p!r}", column="--goal",
                                expected="weight=S[,T] or importance=W", found=p)
        k, v = p.split("=", 1)
        opts[k.strip().lower()] = v.strip()
    return head, opts


def _nums(text: str, goal: str) -> list[float]:
    out = []
    for v in text.split(","):
        try:
            out.append(float(v))
        except ValueError:
            raise QbdInputError(f"cannot read goal {goal!r}", column="--goal",
                                expected="numbers separated by commas", found=v) from None
    return out


def parse_goal(text: str, responses: Sequence[str],
               observed: Mapping[str, tuple[float, float]] | None = None) -> Goal:
    """Parse ``"Y:max"``, ``"Y:max=L,T"``, ``"Y:min=T,U"``, ``"Y:target=T,L,U"``, with
    options ``";weight=S"`` (``"weight=S,T"`` for a target) and ``";importance=W"``.

    Without limits, max/min use the observed response range (``observed``), as
    Design-Expert does. The response name (before the last ``:``) may contain
    spaces, units and Chinese; it must be one of ``responses``.
    """
    head, opts = _split_kv(text)
    if ":" not in head and "：" not in head:
        raise QbdInputError(f"cannot read goal {text!r}", column="--goal",
                            expected="NAME:max, NAME:min or NAME:target=T,L,U", found=text)
    head = head.replace("：", ":")
    name, spec = head.rsplit(":", 1)
    name = name.strip()
    if name not in responses:
        hits = [r for r in responses if re.sub(r"[\s_]+", "", r).casefold()
                == re.sub(r"[\s_]+", "", name).casefold()]
        if len(hits) != 1:
            raise QbdInputError(f"unknown response in goal {text!r}", column="--goal",
                                expected="one of " + ", ".join(responses), found=name)
        name = hits[0]
    kind, _, values = spec.strip().partition("=")
    kind = kind.strip().lower()
    kind = {"maximize": "max", "minimize": "min", "maximum": "max", "minimum": "min"}.get(kind, kind)
    if kind not in GOAL_KINDS:
        raise QbdInputError(f"unknown goal in {text!r}", column="--goal",
                            expected="max, min or target", found=kind)
    nums = _nums(values, text) if values.strip() else []
    obs = (observed or {}).get(name)
    if kind in ("max", "min"):
        if not nums:
            if obs is None:
                raise QbdInputError(f"goal {text!r} needs its limits", column="--goal",
                                    expected=f"{name}:{kind}=LOW,HIGH")
            nums = [obs[0], obs[1]]
        if len(nums) != 2:
            raise QbdInputError(f"goal {text!r}", column="--goal",
                                expected=f"{name}:{kind}=LOW,HIGH (two numbers)", found=values)
        lo, hi = nums
        tg = hi if kind == "max" else lo
    else:
        if len(nums) != 3:
            raise QbdInputError(f"goal {text!r}", column="--goal",
                                expected=f"{name}:target=TARGET,LOW,HIGH (three numbers)",
                                found=values)
        tg, lo, hi = nums
    s = t = 1.0
    importance = 1.0
    for k, v in opts.items():
        if k in ("weight", "weights", "s"):
            w = _nums(v, text)
            s = w[0]
            t = w[1] if len(w) > 1 else w[0]
        elif k == "importance":
            importance = _nums(v, text)[0]
        else:
            raise QbdInputError(f"unknown goal option {k!r}", column="--goal",
                                expected="weight or importance", found=k)
    return Goal(name, kind, float(lo), float(hi), float(tg), s, t, importance)


# ---------------------------------------------------------------------------
# linear constraints
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class LinearConstraint:
    """``low ≤ Σ coef[f]·x_f ≤ high`` in actual units (either bound may be infinite)."""

    coef: dict[str, float]
    low: float = -math.inf
    high: float = math.inf
    text: str = ""


def _linear_form(expr: str, factors: Sequence[str], text: str) -> tuple[dict[str, float], float]:
    names = sorted(factors, key=len, reverse=True)
    s = expr
    slots: dict[str, str] = {}
    for i, f in enumerate(names):
        key = f"__f{i}__"
        if f in s:
            s = s.replace(f, key)
            slots[key] = f
    try:
        tree = ast.parse(s.strip(), mode="eval")
    except SyntaxError:
        raise QbdInputError(f"cannot read constraint {text!r}", column="--constraint",
                            expected="a linear expression in the factor names, e.g. 'A + 2*B <= 10'",
                            found=expr) from None

    def ev(node: ast.AST, x: Mapping[str, float]) -> float:
        if isinstance(node, ast.Expression):
            return ev(node.body, x)
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
            return float(node.value)
        if isinstance(node, ast.Name) and node.id in slots:
            return x[slots[node.id]]
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            v = ev(node.operand, x)
            return -v if isinstance(node.op, ast.USub) else v
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult, ast.Div)):
            a, b = ev(node.left, x), ev(node.right, x)
            return {ast.Add: a + b, ast.Sub: a - b, ast.Mult: a * b,
                    ast.Div: a / b if b else math.nan}[type(node.op)]
        raise QbdInputError(f"cannot read constraint {text!r}", column="--constraint",
                            expected="numbers, factor names, + - * /", found=ast.unparse(node))

    zero = dict.fromkeys(factors, 0.0)
    c0 = ev(tree, zero)
    coef = {}
    for f in factors:
        one = dict(zero)
        one[f] = 1.0
        two = dict(zero)
        two[f] = 2.0
        c1, c2 = ev(tree, one) - c0, ev(tree, two) - c0
        if not math.isclose(c2, 2 * c1, rel_tol=1e-9, abs_tol=1e-12):
            raise QbdInputError(f"constraint {text!r} is not linear", column="--constraint",
                                expected="a linear expression", found=expr)
        if c1:
            coef[f] = c1
    # products of factors vanish on the unit vectors: check the form at a generic point too
    probe = {f: 1.0 + 0.37 * (i + 1) for i, f in enumerate(factors)}
    lin = c0 + sum(coef.get(f, 0.0) * v for f, v in probe.items())
    if not math.isclose(ev(tree, probe), lin, rel_tol=1e-9, abs_tol=1e-9):
        raise QbdInputError(f"constraint {text!r} is not linear", column="--constraint",
                            expected="a linear expression", found=expr)
    if not coef:
        raise QbdInputError(f"constraint {text!r} names no factor", column="--constraint",
                            expected="one of " + ", ".join(factors), found=expr)
    return coef, c0


def parse_constraint(text: str, factors: Sequence[str]) -> LinearConstraint:
    """Parse ``"A + 2*B <= 10"``, ``"pH - 0.1*温度 >= 3"`` or ``"2 <= A + B <= 8"``."""
    s = text.replace("≤", "<=").replace("≥", ">=")
    parts = re.split(r"(<=|>=)", s)
    if len(parts) == 3:
        left, op, right = parts
        try:
            value = float(right)
            expr = left
        except ValueError:
            try:
                value = float(left)
            except ValueError:
                raise QbdInputError(f"cannot read constraint {text!r}", column="--constraint",
                                    expected="EXPRESSION <= NUMBER", found=text) from None
            expr, op = right, {"<=": ">=", ">=": "<="}[op]
        coef, c0 = _linear_form(expr, factors, text)
        if op == "<=":
            return LinearConstraint(coef, high=value - c0, text=text)
        return LinearConstraint(coef, low=value - c0, text=text)
    if len(parts) == 5 and parts[1] == parts[3]:
        a, op, expr, _, b = parts
        try:
            va, vb = float(a), float(b)
        except ValueError:
            raise QbdInputError(f"cannot read constraint {text!r}", column="--constraint",
                                expected="LOW <= EXPRESSION <= HIGH", found=text) from None
        coef, c0 = _linear_form(expr, factors, text)
        lo, hi = (va, vb) if op == "<=" else (vb, va)
        if lo > hi:
            raise QbdInputError(f"contradictory constraint {text!r}", column="--constraint",
                                expected="low ≤ high", found=f"{lo:g} > {hi:g}")
        return LinearConstraint(coef, low=lo - c0, high=hi - c0, text=text)
    raise QbdInputError(f"cannot read constraint {text!r}", column="--constraint",
                        expected="EXPRESSION <= NUMBER, EXPRESSION >= NUMBER or LOW <= EXPRESSION <= HIGH",
                        found=text)


# ---------------------------------------------------------------------------
# optimization
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class ResponseAtOptimum:
    name: str
    goal: str
    predicted: float
    desirability: float
    ci: list[float] | None
    pi: list[float] | None


@dataclass(frozen=True)
class OptimizationResult(Result):
    """The best setting found, its overall desirability D and the responses there."""

    factors: list[str]
    setting: dict[str, float]
    desirability: float
    responses: list[ResponseAtOptimum]
    starts: int
    alternatives: list[dict[str, Any]]
    bounds: dict[str, list[float]]
    constraints: list[str]
    confidence: float
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        lines = [f"Derringer–Suich optimum: D = {self.desirability:.4f} ({self.starts} starts)"]
        lines.append(format_table(["factor", "setting", "low", "high"],
                                  [[f, self.setting[f], *self.bounds[f]] for f in self.factors]))
        pct = f"{100 * self.confidence:g} %"
        rows = [[r.name, r.goal, r.predicted, r.desirability,
                 *(r.ci or [None, None]), *(r.pi or [None, None])] for r in self.responses]
        lines.append(format_table(["response", "goal", "predicted", "d", f"{pct} CI low",
                                   "CI high", f"{pct} PI low", "PI high"], rows))
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)


def intervals(post: MultiResponsePosterior, z: np.ndarray, confidence: float = 0.95
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-response mean, confidence and prediction half-widths at model rows ``z`` (N×p).

    ŷ = zᵀb̂, CI half-width t_{(1+c)/2, n−p} s √h, PI half-width t s √(1 + h),
    s² = residual mean square of that response (Montgomery, Design and Analysis of
    Experiments, §10.5).
    """
    mu = post.mean(z)
    h = post.leverage(z)
    s = np.sqrt(np.diag(post.residual_covariance))
    tq = stats.t.ppf((1 + confidence) / 2, post.df_sigma)
    return mu, tq * s[None, :] * np.sqrt(h)[:, None], tq * s[None, :] * np.sqrt(1 + h)[:, None]


def optimize_desirability(predict: Callable[[np.ndarray], np.ndarray], goals: Sequence[Goal], *,
                          factors: Sequence[str], bounds: Mapping[str, tuple[float, float]],
                          constraints: Sequence[LinearConstraint] = (),
                          sphere_radius: float | None = None,
                          center: Mapping[str, float] | None = None,
                          half_range: Mapping[str, float] | None = None,
                          candidates: np.ndarray | None = None, starts: int = 20, seed: int = 0,
                          posterior: MultiResponsePosterior | None = None,
                          rows: Callable[[np.ndarray], np.ndarray] | None = None,
                          confidence: float = 0.95) -> OptimizationResult:
    """Maximize the overall desirability of ``predict(x)`` (N×k actual → N×len(goals)).

    ``bounds``: per-factor search range (actual units); ``constraints``: linear
    constraints; ``sphere_radius``: keep ‖(x − center)/half_range‖ ≤ ρ (coded
    units; centre and half range default to the bounds'). ``candidates``: extra
    start points (e.g. the design runs). With ``posterior`` and ``rows`` the
    optimum carries confidence and prediction intervals.
    """
    factors = list(factors)
    k = len(factors)
    lo = np.array([bounds[f][0] for f in factors], dtype=float)
    hi = np.array([bounds[f][1] for f in factors], dtype=float)
    if np.any(hi < lo):
        raise QbdInputError("search bounds reversed", column="--bounds", expected="low ≤ high")
    ctr = np.array([(center or {}).get(f, (bounds[f][0] + bounds[f][1]) / 2) for f in factors])
    half = np.array([(half_range or {}).get(f, (bounds[f][1] - bounds[f][0]) / 2) for f in factors])
    half = np.where(half > 0, half, 1.0)
    scale = np.where(hi > lo, hi - lo, 1.0)

    def to_x(u: np.ndarray) -> np.ndarray:  # the optimizer works on u ∈ [0, 1]^k
        return lo + u * scale

    def objective(u: np.ndarray) -> float:
        y = predict(to_x(u)[None, :])[0]
        dd = float(overall_desirability(goals, y[None, :])[0])
        if dd > 0:
            return -dd
        return float(sum(g.shortfall(y[i]) for i, g in enumerate(goals)))

    cons = []
    a_rows = []
    for c in constraints:
        a = np.array([c.coef.get(f, 0.0) for f in factors])
        a_rows.append((a, c.low, c.high))
        au = a * scale
        b0 = float(a @ lo)
        if math.isfinite(c.high):
            cons.append({"type": "ineq", "fun": lambda u, au=au, b0=b0, h=c.high: h - (au @ u + b0),
                         "jac": lambda u, au=au: -au})
        if math.isfinite(c.low):
            cons.append({"type": "ineq", "fun": lambda u, au=au, b0=b0, lw=c.low: (au @ u + b0) - lw,
                         "jac": lambda u, au=au: au})
    if sphere_radius is not None:
        def sphere(u: np.ndarray) -> float:
            cu = (to_x(u) - ctr) / half
            return sphere_radius ** 2 - float(cu @ cu)
        cons.append({"type": "ineq", "fun": sphere})

    def feasible(x: np.ndarray, tol: float = 1e-7) -> bool:
        if np.any(x < lo - tol * scale) or np.any(x > hi + tol * scale):
            return False
        for a, cl, ch in a_rows:
            v = float(a @ x)
            tol_a = tol * (1 + abs(v))
            if v < cl - tol_a or v > ch + tol_a:
                return False
        if sphere_radius is not None:
            cu = (x - ctr) / half
            if float(cu @ cu) > sphere_radius ** 2 * (1 + 1e-7):
                return False
        return True

    rng = np.random.default_rng(seed)
    pool: list[np.ndarray] = []
    if candidates is not None and len(candidates):
        cand = np.asarray(candidates, dtype=float)
        cand = cand[[feasible(c) for c in cand]]
        if len(cand):
            dv = overall_desirability(goals, predict(cand))
            for i in np.argsort(-dv)[: max(1, starts // 4)]:
                pool.append((cand[i] - lo) / scale)
    pool.append(np.clip((ctr - lo) / scale, 0, 1))
    tries = 0
    while len(pool) < max(starts, 1) and tries < 200 * max(starts, 1):
        tries += 1
        u = rng.random(k)
        if feasible(to_x(u)):
            pool.append(u)
    if not any(feasible(to_x(u)) for u in pool):
        raise QbdInputError("no feasible point found in the region", column="--constraint",
                            expected="constraints that leave part of the studied region")
    def penalized(u: np.ndarray) -> float:
        u = np.clip(u, 0, 1)
        return objective(u) + (0.0 if feasible(to_x(u)) else 1e3)

    def value(u: np.ndarray) -> tuple[float, np.ndarray] | None:
        x = to_x(np.clip(u, 0, 1))
        if not feasible(x):
            return None
        return float(overall_desirability(goals, predict(x[None, :]))[0]), x

    results = []
    for u0 in pool:
        res = optimize.minimize(objective, u0, method="SLSQP", bounds=[(0.0, 1.0)] * k,
                                constraints=cons, options={"maxiter": 300, "ftol": 1e-10})
        for u in (res.x, u0):
            v = value(u)
            if v is not None:
                results.append((v[0], v[1], -objective(np.clip(u, 0, 1))))
    # a derivative-free polish of the best few: SLSQP's finite differences stall on the kinks of d
    results.sort(key=lambda t: -t[2])
    polished = []
    for _, x, _ in results[:3]:
        nm = optimize.minimize(penalized, (x - lo) / scale, method="Nelder-Mead",
                               options={"xatol": 1e-7, "fatol": 1e-10, "maxiter": 2000})
        v = value(nm.x)
        if v is not None:
            polished.append(v)
    results = [(d, x) for d, x, _ in results] + polished
    results.sort(key=lambda t: -t[0])
    best_d, best_x = results[0]
    alternatives = []
    for dv, x in results:
        if len(alternatives) >= 5:
            break
        if all(np.max(np.abs((x - np.array(list(a["setting"].values()))) / scale)) > 0.05
               for a in alternatives):
            alternatives.append({"setting": dict(zip(factors, map(float, x), strict=True)),
                                 "desirability": dv})
    y = predict(best_x[None, :])[0]
    ci = pi = None
    if posterior is not None and rows is not None:
        names = list(posterior.responses)
        mu, hci, hpi = intervals(posterior, rows(best_x[None, :]), confidence)
        ci = {n: [float(mu[0, j] - hci[0, j]), float(mu[0, j] + hci[0, j])] for j, n in enumerate(names)}
        pi = {n: [float(mu[0, j] - hpi[0, j]), float(mu[0, j] + hpi[0, j])] for j, n in enumerate(names)}
    responses = [
        ResponseAtOptimum(g.response, g.text(), float(y[i]), float(g.desirability(y[i])),
                          ci.get(g.response) if ci else None, pi.get(g.response) if pi else None)
        for i, g in enumerate(goals)
    ]
    notes = []
    if best_d == 0:
        notes.append("no setting makes every response acceptable (D = 0): the table shows the "
                     "setting closest to acceptable")
    return OptimizationResult(
        factors=factors,
        setting=dict(zip(factors, map(float, best_x), strict=True)),
        desirability=float(best_d),
        responses=responses,
        starts=len(pool),
        alternatives=alternatives,
        bounds={f: [float(lo[i]), float(hi[i])] for i, f in enumerate(factors)},
        constraints=[c.text for c in constraints] + (
            [f"‖coded x‖ ≤ {sphere_radius:g}"] if sphere_radius is not None else []),
        confidence=float(confidence),
        notes=notes,
    )
