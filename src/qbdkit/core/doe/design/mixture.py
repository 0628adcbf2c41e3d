"""Mixture designs and Scheffé models (issue 17): simplex lattice, simplex centroid, extreme
vertices under bounds and linear constraints, and D-optimal mixture designs.

In a mixture the q components are proportions that add to a total (1, or 100 %), so the
factor space is the simplex x₁ + … + x_q = 1 (Cornell, *Experiments with Mixtures*, 3rd ed.,
2002, ch. 2; Myers, Montgomery & Anderson-Cook, *Response Surface Methodology*, 3rd ed., ch. 11;
NIST/SEMATECH e-Handbook §5.5.4):

- **simplex lattice {q, m}**: every blend whose proportions take the values 0, 1/m, …, 1
  (C(q + m − 1, m) points; Scheffé 1958, *JRSS B* 20:344);
- **simplex centroid**: the 2^q − 1 blends with |S| components in equal proportions 1/|S| for
  every non-empty subset S (Scheffé 1963, *JRSS B* 25:235);
- with lower bounds Lᵢ (Σ Lᵢ < 1) both are laid out in **L-pseudocomponents**
  zᵢ = (xᵢ − Lᵢ)/(1 − Σ L) (Cornell §3.3); the design is refused when an upper bound cuts the
  pseudocomponent simplex — use extreme vertices then;
- **extreme vertices** (McLean & Anderson 1966, *Technometrics* 8:447): the vertices of the
  polytope {Σ x = 1, L ≤ x ≤ U, A x ≤ b}, found as every feasible solution of q − 1 active
  constraints together with Σ x = 1, plus, as textbooks add, the centroids of the edges
  (1-dimensional faces), optionally of the 2-dimensional faces, and the overall centroid (the
  average of the vertices);
- **D-optimal mixture**: the modified Fedorov exchange of :mod:`.optimal` over the
  extreme-vertices candidate set (vertices, edge and face centroids, overall centroid and the
  axial check blends halfway between each vertex and the centroid) for the Scheffé model.

Scheffé polynomials (no intercept; Cornell §2.3, §2.10): linear Σ βᵢxᵢ; quadratic
+ Σ βᵢⱼxᵢxⱼ; special cubic + Σ βᵢⱼₖxᵢxⱼxₖ; full cubic + Σ δᵢⱼxᵢxⱼ(xᵢ − xⱼ) + Σ βᵢⱼₖxᵢxⱼxₖ.

Hand-written because no maintained Python package generates constrained mixture designs
(pyDOE3 has none; R's ``mixexp`` is R); the vertex enumeration is plain linear algebra.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from qbdkit.core.doe.design.classical import DesignError
from qbdkit.core.result import Result, format_table

MIXTURE_TYPES = ("mixture-lattice", "mixture-centroid", "extreme-vertices", "mixture-optimal")
SCHEFFE_MODELS = ("linear", "quadratic", "special-cubic", "cubic")
#: a run-sheet row whose components add to the total within this fraction of it is accepted (printed
#: blends such as 0.333 + 0.333 + 0.333 = 0.999) and rescaled to add to it exactly
ROW_TOL = 0.005
_TOL = 1e-9
#: most (q − 1) × (q − 1) systems solved to enumerate the vertices (about a second)
MAX_SYSTEMS = 300_000


@dataclass(frozen=True)
class Component(Result):
    """A mixture component with its bounds as fractions of the total (0 ≤ low < high ≤ 1)."""

    name: str
    low: float = 0.0
    high: float = 1.0
    unit: str = ""


@dataclass(frozen=True)
class MixtureConstraint(Result):
    """``Σ coef_i x_i ≤ rhs`` on proportions (a ``≥`` constraint is stored negated)."""

    text: str
    coef: tuple[float, ...]
    rhs: float


@dataclass(frozen=True)
class MixtureDesign(Result):
    """A mixture design in run order: blends in actual units (fractions of ``total`` times
    ``total``), their L-pseudocomponents, the kind of each point and the D-efficiency."""

    type: str
    factors: list[dict]
    model: str
    total: float
    runs: list[dict]
    coded: list[list]
    """L-pseudocomponents of each run (the run sheet's ``coded`` sheet)."""
    point_type: list[str]
    run_order: list[int]
    std_order: list[int]
    n_candidates: int
    d_efficiency: float | None
    log_det: float | None
    seed: int
    notes: list[str]
    constraints: list[str]
    degree: int | None = None
    block: list[int] | None = None
    responses: list[dict] = field(default_factory=list)
    parameters: dict[str, str] = field(default_factory=dict)
    source: dict | None = None

    @property
    def n_runs(self) -> int:
        return len(self.runs)

    def summary(self) -> str:
        names = [f["name"] for f in self.factors]
        lines = [f"{self.type} mixture design: {self.n_runs} runs, {len(names)} components "
                 f"(total {self.total:g}; Scheffé {self.model} model, seed {self.seed})"]
        lines += [f"  {n}" for n in self.notes]
        if self.constraints:
            lines.append("  constraints: " + "; ".join(self.constraints))
        lines.append(f"  D-efficiency {_f(self.d_efficiency)}  log det(X'X) {_f(self.log_det)}  "
                     f"candidates {self.n_candidates}")
        rows = [[self.run_order[i], self.std_order[i], self.point_type[i]] + [r[n] for n in names]
                for i, r in enumerate(self.runs)]
        lines.append(format_table(["run", "std", "point", *names], rows))
        return "\n".join(lines)


def _f(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.4g}"


# ------------------------------------------------------------------ Scheffé model matrix

def scheffe_terms(q: int, model: str) -> list[tuple]:
    """Terms of a Scheffé model: ``(i,)``, ``(i, j)``, ``(i, j, k)`` and ``("d", i, j)`` for
    δᵢⱼ xᵢxⱼ(xᵢ − xⱼ)."""
    model = normalise_model(model)
    terms: list[tuple] = [(i,) for i in range(q)]
    if model in ("quadratic", "special-cubic", "cubic"):
        terms += list(itertools.combinations(range(q), 2))
    if model == "cubic":
        terms += [("d", i, j) for i, j in itertools.combinations(range(q), 2)]
    if model in ("special-cubic", "cubic"):
        terms += list(itertools.combinations(range(q), 3))
    return terms


def normalise_model(model: str | None) -> str:
    """``scheffe-quadratic`` / ``quadratic`` / ``special cubic`` → one of :data:`SCHEFFE_MODELS`."""
    text = (model or "quadratic").strip().lower().replace("_", "-").replace(" ", "-")
    text = text.removeprefix("scheffe-").removeprefix("scheffé-")
    text = {"full-cubic": "cubic", "specialcubic": "special-cubic", "main": "linear",
            "interaction": "quadratic"}.get(text, text)
    if text not in SCHEFFE_MODELS:
        raise DesignError(f"unknown Scheffé model {model!r}: use one of "
                          + ", ".join("scheffe-" + m for m in SCHEFFE_MODELS))
    return text


def term_names(names: Sequence[str], model: str) -> list[str]:
    """``A``, ``A*B``, ``A*B*C`` and ``A*B*(A-B)`` for the terms of the model."""
    out = []
    for t in scheffe_terms(len(names), model):
        if t[0] == "d":
            a, b = names[t[1]], names[t[2]]
            out.append(f"{a}*{b}*({a}-{b})")
        else:
            out.append("*".join(names[i] for i in t))
    return out


def scheffe_matrix(x: np.ndarray, model: str) -> np.ndarray:
    """Model matrix of a Scheffé polynomial (no intercept) for proportions ``x`` (n × q)."""
    x = np.atleast_2d(np.asarray(x, dtype=float))
    cols = []
    for t in scheffe_terms(x.shape[1], model):
        if t[0] == "d":
            cols.append(x[:, t[1]] * x[:, t[2]] * (x[:, t[1]] - x[:, t[2]]))
        else:
            cols.append(np.prod(x[:, list(t)], axis=1))
    return np.column_stack(cols)


# ------------------------------------------------------------------ region

@dataclass(frozen=True)
class MixtureRegion:
    """Bounds and constraints on the proportions; ``a x ≤ b`` holds all of them."""

    components: tuple[Component, ...]
    constraints: tuple[MixtureConstraint, ...] = ()

    @property
    def q(self) -> int:
        return len(self.components)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.components]

    @property
    def low(self) -> np.ndarray:
        return np.array([c.low for c in self.components])

    @property
    def high(self) -> np.ndarray:
        return np.array([c.high for c in self.components])

    def inequalities(self) -> tuple[np.ndarray, np.ndarray, list[str]]:
        q = self.q
        eye = np.eye(q)
        a = [-eye[i] for i in range(q)] + [eye[i] for i in range(q)]
        b = [-c.low for c in self.components] + [c.high for c in self.components]
        labels = [f"{c.name} ≥ {c.low:g}" for c in self.components] + \
                 [f"{c.name} ≤ {c.high:g}" for c in self.components]
        for c in self.constraints:
            a.append(np.array(c.coef))
            b.append(c.rhs)
            labels.append(c.text)
        return np.array(a), np.array(b), labels

    def feasible(self, x: np.ndarray, tol: float = _TOL) -> np.ndarray:
        x = np.atleast_2d(x)
        a, b, _ = self.inequalities()
        return np.all(x @ a.T <= b + tol, axis=1) & (np.abs(x.sum(axis=1) - 1) <= tol * 10)

    @property
    def pseudo_scale(self) -> float:
        return 1.0 - float(self.low.sum())

    def to_pseudo(self, x: np.ndarray) -> np.ndarray:
        """L-pseudocomponents zᵢ = (xᵢ − Lᵢ)/(1 − Σ L)."""
        return (np.asarray(x, dtype=float) - self.low) / self.pseudo_scale

    def from_pseudo(self, z: np.ndarray) -> np.ndarray:
        return self.low + self.pseudo_scale * np.asarray(z, dtype=float)


def make_region(components: Sequence[Component | dict], constraints: Sequence[str] = (),
                total: float = 1.0) -> MixtureRegion:
    """Components with bounds in actual units (fractions of ``total``), constraints in actual
    units (e.g. ``"A + B <= 0.6"``); raises :class:`DesignError` when the region is empty."""
    if not math.isfinite(total) or total <= 0:
        raise DesignError(f"the mixture total must be a positive number, not {total!r}")
    comps = []
    for c in components:
        if isinstance(c, Component):
            comps.append(c)
            continue
        lo = 0.0 if c.get("low") is None else float(c["low"]) / total
        hi = 1.0 if c.get("high") is None else float(c["high"]) / total
        comps.append(Component(str(c["name"]), lo, hi, str(c.get("unit") or "")))
    if len(comps) < 2:
        raise DesignError("a mixture needs at least two components")
    for c in comps:
        if not (-_TOL <= c.low < c.high <= 1 + _TOL):
            raise DesignError(f"bounds of component {c.name} must satisfy 0 ≤ low < high ≤ total "
                              f"({total:g}); found {c.low * total:g}…{c.high * total:g}")
    cons = [_parse(t, comps, total) for t in constraints]
    region = MixtureRegion(tuple(comps), tuple(cons))
    lo, hi = region.low.sum(), region.high.sum()
    if lo > 1 + _TOL or hi < 1 - _TOL:
        raise DesignError(f"the bounds leave no blend: lower bounds add to {lo * total:g} and upper "
                          f"bounds to {hi * total:g}; the components must add to {total:g}")
    if not len(vertices(region)):
        raise DesignError("the bounds and constraints leave no blend that adds to the total")
    return region


def _parse(text: str, comps: Sequence[Component], total: float) -> MixtureConstraint:
    from qbdkit.core.doe.design.factors import Factor, parse_constraint

    factors = [Factor(c.name, "numeric", 0.0, total) for c in comps]
    try:
        lc = parse_constraint(str(text), factors)
    except (ValueError, ArithmeticError, RecursionError, TypeError) as exc:
        raise DesignError(f"constraint {text!r}: {exc}") from None
    coef = np.array(lc.coef) * total  # on proportions: coef·(total·x) ≤ rhs
    sign = 1.0 if lc.op == "<=" else -1.0
    return MixtureConstraint(lc.text, tuple(float(v) for v in sign * coef), float(sign * lc.rhs))


# ------------------------------------------------------------------ point sets

def simplex_lattice(q: int, m: int) -> np.ndarray:
    """The {q, m} simplex lattice (proportions), C(q + m − 1, m) blends."""
    if q < 2 or m < 1:
        raise DesignError("a simplex lattice needs q ≥ 2 components and degree m ≥ 1")
    pts = [np.array(c, dtype=float) / m for c in _compositions(m, q)]
    return np.array(pts)


def _compositions(m: int, q: int):
    if q == 1:
        yield (m,)
        return
    for first in range(m, -1, -1):
        for rest in _compositions(m - first, q - 1):
            yield (first, *rest)


def simplex_centroid(q: int) -> np.ndarray:
    """The 2^q − 1 blends of the simplex centroid design, by subset size."""
    if q < 2:
        raise DesignError("a simplex centroid needs at least two components")
    pts = []
    for size in range(1, q + 1):
        for subset in itertools.combinations(range(q), size):
            p = np.zeros(q)
            p[list(subset)] = 1.0 / size
            pts.append(p)
    return np.array(pts)


def vertices(region: MixtureRegion) -> np.ndarray:
    """Extreme vertices: feasible solutions of Σ x = 1 with q − 1 linearly independent active
    inequalities (McLean & Anderson 1966), without duplicates, sorted."""
    a, b, _ = region.inequalities()
    q = region.q
    if math.comb(len(a), q - 1) > MAX_SYSTEMS:
        raise DesignError(f"{q} components with {len(region.constraints)} constraints: too many "
                          "vertex candidates to enumerate; use fewer components")
    out: list[np.ndarray] = []
    for rows in itertools.combinations(range(len(a)), q - 1):
        m = np.vstack([np.ones(q), a[list(rows)]])
        if abs(np.linalg.det(m)) < 1e-12:
            continue
        x = np.linalg.solve(m, np.concatenate([[1.0], b[list(rows)]]))
        if np.all(a @ x <= b + _TOL) and not any(np.allclose(x, v, atol=1e-9) for v in out):
            out.append(x)
    if not out:
        return np.zeros((0, q))
    pts = np.round(np.array(out), 12) + 0.0
    return pts[np.lexsort(pts.T[::-1])][::-1]


def face_centroids(region: MixtureRegion, verts: np.ndarray, dim: int) -> np.ndarray:
    """Centroids (vertex averages) of the ``dim``-dimensional faces of the polytope: the sets of
    vertices sharing q − 1 − dim active inequalities whose affine hull has dimension ``dim``."""
    a, b, _ = region.inequalities()
    q = region.q
    active = np.abs(verts @ a.T - b) <= 1e-8
    out: list[np.ndarray] = []
    seen: set[frozenset] = set()
    k = q - 1 - dim
    if k < 0:
        return np.zeros((0, q))
    for rows in itertools.combinations(range(len(a)), k):
        on = np.all(active[:, list(rows)], axis=1) if rows else np.ones(len(verts), dtype=bool)
        idx = frozenset(np.flatnonzero(on).tolist())
        if len(idx) < dim + 1 or idx in seen:
            continue
        pts = verts[sorted(idx)]
        if np.linalg.matrix_rank(pts[1:] - pts[0], tol=1e-9) != dim:
            continue
        seen.add(idx)
        out.append(pts.mean(axis=0))
    return np.array(out) if out else np.zeros((0, q))


def candidate_points(region: MixtureRegion, *, faces: bool = True, axial: bool = True
                     ) -> tuple[np.ndarray, list[str]]:
    """Candidate blends: vertices, edge centroids, 2-D face centroids, the overall centroid and
    the axial check blends halfway between each vertex and the centroid."""
    v = vertices(region)
    parts = [(v, "vertex")]
    if region.q >= 3:
        parts.append((face_centroids(region, v, 1), "edge centroid"))
    if faces and region.q >= 4:
        parts.append((face_centroids(region, v, 2), "face centroid"))
    centre = v.mean(axis=0, keepdims=True)
    parts.append((centre, "overall centroid"))
    if axial:
        parts.append(((v + centre) / 2, "axial"))
    pts, kinds = [], []
    for arr, kind in parts:
        for p in arr:
            if not any(np.allclose(p, o, atol=1e-9) for o in pts):
                pts.append(p)
                kinds.append(kind)
    return np.array(pts), kinds


def _lattice_kind(p: np.ndarray) -> str:
    nz = int((p > 1e-12).sum())
    return {1: "vertex", 2: "edge", len(p): "overall centroid"}.get(nz, f"{nz}-blend")


# ------------------------------------------------------------------ make

def make_mixture_design(components: Sequence[Component | dict], kind: str, *, degree: int | None = None,
                        model: str | None = None, runs: int | None = None,
                        constraints: Sequence[str] = (), total: float = 1.0, replicates: int = 1,
                        center: int = 0, faces: bool = False, seed: int = 1, randomize: bool = True,
                        starts: int | None = None) -> MixtureDesign:
    """Generate a mixture design of family ``kind`` (one of :data:`MIXTURE_TYPES`).

    ``degree`` is m of the {q, m} lattice (default 2); ``center`` adds replicates of the overall
    centroid; ``faces`` adds 2-D face centroids to an extreme-vertices design; ``runs`` is the
    size of a D-optimal design (default p + 5). Raises :class:`DesignError` when impossible.
    """
    kind = {"lattice": "mixture-lattice", "simplex-lattice": "mixture-lattice",
            "centroid": "mixture-centroid", "simplex-centroid": "mixture-centroid",
            "d-optimal-mixture": "mixture-optimal", "mixture-d-optimal": "mixture-optimal",
            "ev": "extreme-vertices"}.get(kind, kind)
    if kind not in MIXTURE_TYPES:
        raise DesignError(f"unknown mixture design {kind!r}: use one of {', '.join(MIXTURE_TYPES)}")
    if replicates < 1:
        raise DesignError("replicates must be at least 1")
    region = make_region(components, constraints, total)
    q = region.q
    m_text = normalise_model(model or ("quadratic" if kind != "mixture-lattice"
                                       else {1: "linear", 2: "quadratic"}.get(degree or 2, "cubic")))
    notes: list[str] = []
    n_cand = 0
    log_det = None
    if kind in ("mixture-lattice", "mixture-centroid"):
        if kind == "mixture-lattice":
            degree = 2 if degree is None else int(degree)
            z = simplex_lattice(q, degree)
            notes.append(f"{{{q}, {degree}}} simplex lattice (Scheffé 1958): {len(z)} blends")
        else:
            z = simplex_centroid(q)
            notes.append(f"{q}-component simplex centroid (Scheffé 1963): {len(z)} blends")
        kinds = [_lattice_kind(p) for p in z]
        x = region.from_pseudo(z)
        if region.low.any():
            notes.append("laid out in L-pseudocomponents z = (x − L)/(1 − ΣL), "
                         f"1 − ΣL = {region.pseudo_scale:g}")
        bad = ~region.feasible(x)
        if bad.any():
            raise DesignError("the upper bounds or constraints cut the simplex: "
                              f"{int(bad.sum())} lattice blend(s) are outside them; use "
                              "--type extreme-vertices or mixture-optimal")
    elif kind == "extreme-vertices":
        v = vertices(region)
        parts = [(v, "vertex")]
        if q >= 3:
            parts.append((face_centroids(region, v, 1), "edge centroid"))
        if faces and q >= 4:
            parts.append((face_centroids(region, v, 2), "face centroid"))
        parts.append((v.mean(axis=0, keepdims=True), "overall centroid"))
        x = np.vstack([p for p, _ in parts])
        kinds = [k for p, k in parts for _ in range(len(p))]
        notes.append(f"extreme vertices (McLean & Anderson 1966): {len(v)} vertices"
                     + (f", {len(parts[1][0])} edge centroids" if q >= 3 else "")
                     + (", face centroids" if faces and q >= 4 else "") + " and the overall centroid")
    else:
        x, kinds, n_cand, log_det = _optimal(region, m_text, runs, seed, starts)
        notes.append(f"D-optimal mixture design: modified Fedorov exchange over {n_cand} candidate "
                     f"blends (extreme vertices, edge/face centroids, centroid, axial blends), seed {seed}")
    z_all = region.to_pseudo(x)
    if center:
        c = vertices(region).mean(axis=0) if kind in ("extreme-vertices", "mixture-optimal") \
            else region.from_pseudo(np.full(q, 1.0 / q))
        x = np.vstack([x, np.repeat(c[None, :], center, axis=0)])
        kinds = kinds + ["overall centroid"] * center
    std = np.arange(1, len(x) + 1)
    if replicates > 1:
        x = np.vstack([x] * replicates)
        std = np.concatenate([std] * replicates)
        kinds = kinds * replicates
    order = np.random.default_rng(seed).permutation(len(x)) if randomize else np.arange(len(x))
    x, std = x[order], std[order]
    kinds = [kinds[i] for i in order]
    z_all = region.to_pseudo(x)
    xm = scheffe_matrix(x, m_text)
    p = xm.shape[1]
    d_eff = None
    sign, ld = np.linalg.slogdet(xm.T @ xm)
    if sign > 0 and len(x) >= p:
        d_eff = float(100.0 * np.exp(ld / p) / len(x))
        log_det = float(ld)
    else:
        notes.append(f"the Scheffé {m_text} model ({p} terms) is not estimable from these "
                     f"{len(x)} runs")
    factors = [{"name": c.name, "type": "numeric", "low": _r(c.low * total), "high": _r(c.high * total),
                "unit": c.unit, "levels": [], "mixture_total": total} for c in region.components]
    rows = [{c.name: _r(v * total) for c, v in zip(region.components, r, strict=True)} for r in x]
    return MixtureDesign(
        type=kind, factors=factors, model=m_text, total=float(total), runs=rows,
        coded=[[round(float(v), 6) for v in r] for r in z_all], point_type=kinds,
        run_order=list(range(1, len(x) + 1)), std_order=[int(s) for s in std],
        n_candidates=int(n_cand or len(x)), d_efficiency=d_eff, log_det=log_det, seed=seed,
        notes=notes, constraints=[c.text for c in region.constraints],
        degree=degree if kind == "mixture-lattice" else None)


def _r(v: float) -> float:
    return float(f"{v:.10g}") + 0.0


def _optimal(region: MixtureRegion, model: str, runs: int | None, seed: int,
             starts: int | None) -> tuple[np.ndarray, list[str], int, float]:
    from qbdkit.core.doe.design.optimal import _grid_search, default_starts

    cand, kinds = candidate_points(region, faces=True, axial=True)
    cx = scheffe_matrix(cand, model)
    p = cx.shape[1]
    if np.linalg.matrix_rank(cx) < p:
        raise DesignError(f"the Scheffé {model} model ({p} terms) cannot be estimated on this region's "
                          f"{len(cand)} candidate blends; choose a smaller model")
    n = runs if runs is not None else p + 5
    if n < p:
        raise DesignError(f"too few runs: the Scheffé {model} model has {p} terms; choose --runs ≥ {p}")
    rng = np.random.default_rng(seed)
    try:
        res = _grid_search(cand, cx, np.zeros((p, p)), n, rng, starts or default_starts(n, p), 20, 20, 50)
    except ValueError as exc:
        raise DesignError(str(exc)) from None
    idx = [int(np.flatnonzero(np.all(np.isclose(cand, r, atol=1e-12), axis=1))[0]) for r in res.coded]
    order = sorted(range(n), key=lambda i: (idx[i], i))
    x = res.coded[order]
    return x, [kinds[idx[i]] for i in order], len(cand), float(res.value)


def check_mixture_rows(values: np.ndarray, names: Sequence[str], total: float, *, file: str | None = None,
                       rows: Sequence[int] | None = None) -> None:
    """Raise :class:`~qbdkit.errors.QbdInputError` naming the first rows whose components do not
    add to ``total`` within :data:`ROW_TOL` of it."""
    from qbdkit.errors import Problem, QbdInputError

    s = np.asarray(values, dtype=float).sum(axis=1)
    bad = np.flatnonzero(~(np.abs(s - total) <= ROW_TOL * total))
    if len(bad):
        problems = [Problem(f"mixture components do not add to {total:g}",
                            file=file, row=(rows[i] if rows is not None else int(i) + 1),
                            column=" + ".join(names), expected=f"{total:g}", found=f"{s[i]:.6g}")
                    for i in bad[:5]]
        raise QbdInputError(problems=problems)


def as_dict_rows(x: np.ndarray, names: Sequence[str]) -> list[dict[str, Any]]:
    return [{n: float(v) for n, v in zip(names, r, strict=True)} for r in np.atleast_2d(x)]
