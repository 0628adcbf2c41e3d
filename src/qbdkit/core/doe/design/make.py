"""One entry point for every design family, and the :class:`Design` result.

:func:`make_design` picks the generator by ``kind``, then adds centre points, replicates,
blocks and a seeded randomised run order, converts to actual units and evaluates the design
under the requested model. The CLI (``qbdkit doe design``), the report and Python users all go
through it, so every number is computed in one place.

Blocking of two-level factorials and fractions: 2^b blocks are confounded with interaction
columns chosen greedily so that the smallest effect aliased with a block contrast is as high
an order as possible (Montgomery 9th ed. §7.4-7.6, §8.?; the result is reported as block
generators). Central composite designs block as cube + axial (orthogonal blocking when
``alpha="orthogonal"``). Optimal designs treat the block as a fixed categorical factor in the
model (runs are optimised within blocks of equal size).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from qbdkit.core.doe.design import classical
from qbdkit.core.doe.design.classical import DesignError, Plan
from qbdkit.core.doe.design.evaluate import DesignEvaluation, evaluate_design
from qbdkit.core.doe.design.factors import Factor, FactorSpace, make_space
from qbdkit.core.doe.design.fractional import alias_structure, defining_words, word_text
from qbdkit.core.doe.design.model import build_model
from qbdkit.core.doe.design.optimal import coordinate_exchange, default_runs
from qbdkit.core.result import Result, format_table

DESIGN_TYPES = ("full", "fractional", "pb", "ccd", "bbd", "dsd", "d-optimal", "i-optimal")

DEFAULT_MODEL = {
    "full": "interaction", "fractional": "linear", "pb": "linear", "ccd": "quadratic",
    "bbd": "quadratic", "dsd": "linear", "d-optimal": "interaction", "i-optimal": "quadratic",
}


@dataclass(frozen=True)
class Design(Result):
    """A generated design: runs in run order, actual and coded settings, and its evaluation."""

    type: str
    factors: list[dict]
    model: str
    runs: list[dict]
    coded: list[list]
    run_order: list[int]
    std_order: list[int]
    block: list[int] | None
    generators: list[str]
    block_generators: list[str]
    resolution: int | float | None
    word_length_pattern: list | None
    alias_structure: dict[str, list[str]]
    d_efficiency: float | None
    a_efficiency: float | None
    g_efficiency: float | None
    max_vif: float | None
    alpha: float | None
    seed: int
    notes: list[str]
    constraints: list[str]
    evaluation: DesignEvaluation | None = field(default=None, repr=False)
    coded_array: Any = field(default=None, repr=False, compare=False)
    space: Any = field(default=None, repr=False, compare=False)
    responses: list[dict] = field(default_factory=list)
    """Response columns of the run sheet: ``{name, low, high, unit, attribute, kind}`` (limits
    and the project's quality attribute when known)."""
    parameters: dict[str, str] = field(default_factory=dict)
    """Factor → the project parameter it studies (``unit_operation/parameter``)."""
    source: dict | None = None
    """Where the factors came from: ``{project, project_version, kind, name, version}``."""

    def to_dict(self) -> dict[str, Any]:
        d = super().to_dict()
        d.pop("coded_array", None)
        d.pop("space", None)
        return d

    @property
    def n_runs(self) -> int:
        return len(self.runs)

    def summary(self) -> str:
        names = [f["name"] for f in self.factors]
        head = ["run", "std"] + (["block"] if self.block else []) + names
        rows = []
        for i, r in enumerate(self.runs):
            rows.append([self.run_order[i], self.std_order[i]] + ([self.block[i]] if self.block else [])
                        + [r[n] for n in names])
        lines = [f"{self.type} design: {self.n_runs} runs, {len(names)} factors (model {self.model}, seed {self.seed})"]
        lines += [f"  {n}" for n in self.notes]
        if self.source:
            lines.append("  factors from " + source_text(self.source))
        if self.parameters:
            lines.append("  parameters: " + ", ".join(f"{k} = {v}" for k, v in self.parameters.items()))
        if self.responses:
            lines.append("  responses: " + ", ".join(response_text(r) for r in self.responses))
        if self.generators:
            lines.append("  generators: " + ", ".join(self.generators))
        if self.block_generators:
            lines.append("  block generators: " + ", ".join(self.block_generators))
        if self.word_length_pattern is not None:
            res = self.resolution if self.resolution is not None else "full (no words)"
            wlp = ", ".join(f"{v:g}" for v in self.word_length_pattern)
            lines.append(f"  word-length pattern (3, 4, …): ({wlp}); resolution {res}")
        lines.append(f"  D-efficiency {_f(self.d_efficiency)}  A-efficiency {_f(self.a_efficiency)}  "
                     f"G-efficiency {_f(self.g_efficiency)}  max VIF {_f(self.max_vif)}")
        lines.append(format_table(head, rows))
        return "\n".join(lines)


def _f(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.4g}"


def source_text(source: dict) -> str:
    """``risk.ce/ce v2 (project demo-mab v3)`` from a source dict."""
    what = source.get("kind") or "names given"
    if source.get("name"):
        what += f"/{source['name']}"
    if source.get("version") is not None:
        what += f" v{source['version']}"
    if source.get("project"):
        what += f" (project {source['project']}" + (
            f" v{source['project_version']})" if source.get("project_version") is not None else ")")
    return what


def response_text(r: dict) -> str:
    """``Aggregate (%) ≤ 3`` / ``5 ≤ Afucosylation (%) ≤ 11`` / the bare name."""
    lo, hi, name = r.get("low"), r.get("high"), r.get("name", "")
    if lo is not None and hi is not None:
        return f"{lo:g} ≤ {name} ≤ {hi:g}"
    if lo is not None:
        return f"{name} ≥ {lo:g}"
    if hi is not None:
        return f"{name} ≤ {hi:g}"
    return str(name)


def _center_rows(space: FactorSpace, n: int) -> np.ndarray:
    rows = np.zeros((n, space.k))
    for j, f in enumerate(space.factors):
        if not f.is_numeric:
            rows[:, j] = np.arange(n) % f.n_levels
    return rows


def _block_two_level(plan: Plan, space: FactorSpace, n_blocks: int) -> tuple[np.ndarray, list[str]]:
    """Greedy block generators for a 2-level factorial/fraction (2^b blocks)."""
    b = round(math.log2(n_blocks))
    if 2**b != n_blocks:
        raise DesignError("two-level factorials block into 2, 4, 8 … blocks (a power of two)")
    m = plan.basic if plan.basic is not None else space.k
    if not space.all_numeric or any(f.levels for f in space.factors) or len(plan.coded) != 2**m:
        raise DesignError("blocking of factorials is available for two-level numeric designs")
    words = defining_words(m, plan.generator_masks) if plan.generator_masks else []
    runs = 2**m
    if n_blocks > runs // 2:
        raise DesignError(f"{runs} runs split into at most {runs // 2} blocks of two")

    def min_order(col: int) -> int:
        return min([col.bit_count()] + [(col ^ w).bit_count() for w in words])

    chosen: list[int] = []
    for _ in range(b):
        best, best_key = None, None
        for c in range(1, runs):
            span = [0]
            for g in [*chosen, c]:
                span += [s ^ g for s in span]
            if len(set(span)) < len(span):
                continue
            orders = sorted(min_order(s) for s in span[1:])
            key = (orders, -c.bit_count())
            if best_key is None or key > best_key:
                best, best_key = c, key
        assert best is not None
        chosen.append(best)
    basic = plan.coded[:, :m]
    signs = np.where(basic > 0, 1.0, -1.0) if space.all_numeric else basic
    labels = np.zeros(len(basic), dtype=int)
    for bi, c in enumerate(chosen):
        cols = [i for i in range(m) if c >> i & 1]
        prod = np.prod(signs[:, cols], axis=1)
        labels += ((prod > 0).astype(int)) << bi
    # number blocks 1..B in order of first appearance
    order = {v: i + 1 for i, v in enumerate(dict.fromkeys(labels.tolist()))}
    blocks = np.array([order[v] for v in labels])
    gens = [word_text(c) for c in chosen]
    return blocks, gens


def make_design(space: FactorSpace, kind: str, *, model: str | None = None, runs: int | None = None,
                resolution: int | None = None, center: int | None = None, blocks: int = 1,
                replicates: int = 1, alpha: str | float = "rotatable", ccd: str = "circumscribed",
                seed: int = 1, randomize: bool = True, fake: int = 0, starts: int | None = None,
                generators: list[str] | None = None) -> Design:
    """Generate a design of family ``kind`` (one of :data:`DESIGN_TYPES`).

    Raises :class:`~qbdkit.core.doe.design.classical.DesignError` (a ``ValueError``) with a
    message saying what is possible instead when the request cannot be met.
    """
    kind = kind.lower().replace("_", "-")
    kind = {"factorial": "full", "fraction": "fractional", "plackett-burman": "pb", "doptimal": "d-optimal",
            "ioptimal": "i-optimal", "box-behnken": "bbd", "central-composite": "ccd",
            "definitive-screening": "dsd", "d": "d-optimal", "i": "i-optimal"}.get(kind, kind)
    if kind not in DESIGN_TYPES:
        raise DesignError(f"unknown design type {kind!r}: use one of {', '.join(DESIGN_TYPES)}")
    if replicates < 1:
        raise DesignError("replicates must be at least 1")
    if blocks < 1:
        raise DesignError("blocks must be at least 1")
    model_text = model or DEFAULT_MODEL[kind]
    try:
        mdl = build_model(space, model_text)
    except ValueError as exc:
        raise DesignError(f"model: {exc}") from None
    block_gens: list[str] = []
    blk: np.ndarray | None = None
    if kind == "full":
        plan = classical.full_factorial(space)
    elif kind == "fractional":
        plan = classical.fractional_factorial(space, runs=runs, resolution=resolution, generators=generators)
    elif kind == "pb":
        plan = classical.plackett_burman(space, runs=runs)
    elif kind == "ccd":
        plan = classical.central_composite(space, alpha=alpha, center=center, kind=ccd, blocks=blocks)
    elif kind == "bbd":
        plan = classical.box_behnken(space, center=center)
    elif kind == "dsd":
        plan = classical.definitive_screening(space, fake=fake, center=center)
    else:
        plan = _optimal_plan(space, mdl, kind, runs, blocks, seed, starts)
    coded = plan.coded
    if plan.blocks is not None:
        blk = plan.blocks
    if blocks > 1 and blk is None:
        if kind in ("full", "fractional"):
            blk, block_gens = _block_two_level(plan, space, blocks)
        else:
            raise DesignError("blocking is available for full/fractional two-level designs (2, 4, 8 … blocks), "
                              "CCD (2 blocks: cube and axial) and optimal designs")
    # centre points (families that do not add their own)
    n_center = int(center or 0) if not plan.center_added else 0
    if n_center:
        if not any(f.is_numeric for f in space.factors):
            raise DesignError("centre points need at least one numeric factor")
        if blk is not None:
            nb = int(blk.max())
            cr = np.vstack([_center_rows(space, n_center) for _ in range(nb)])
            cb = np.repeat(np.arange(1, nb + 1), n_center)
            coded = np.vstack([coded, cr])
            blk = np.concatenate([blk, cb])
        else:
            coded = np.vstack([coded, _center_rows(space, n_center)])
    std = np.arange(1, len(coded) + 1)
    if replicates > 1:
        coded = np.vstack([coded] * replicates)
        std = np.concatenate([std] * replicates)
        if blk is not None:
            blk = np.concatenate([blk] * replicates)
    order = np.arange(len(coded))
    if randomize:
        rng = np.random.default_rng(seed)
        if blk is None:
            order = rng.permutation(len(coded))
        else:
            parts = []
            for b in sorted(set(blk.tolist())):
                idx = np.flatnonzero(blk == b)
                parts.append(rng.permutation(idx))
            order = np.concatenate(parts)
    elif blk is not None:
        order = np.argsort(blk, kind="stable")
    coded = coded[order]
    std = std[order]
    if blk is not None:
        blk = blk[order]
    ev = evaluate_design(space, coded, mdl)
    wlp = plan.word_length_pattern if plan.word_length_pattern is not None else ev.word_length_pattern
    res = plan.resolution if plan.word_length_pattern is not None else ev.resolution
    if res is not None and float(res).is_integer():
        res = int(res)
    aliases = alias_structure(plan.basic, plan.generator_masks) if plan.generator_masks else {}
    notes = list(plan.notes)
    if not ev.estimable:
        notes.append(f"the {model_text} model is not estimable from this design; evaluate with a smaller model")
    return Design(
        type=kind,
        factors=[_factor_dict(f) for f in space.factors],
        model=model_text,
        runs=space.to_actual_rows(coded),
        coded=space.coded_labels(coded),
        run_order=list(range(1, len(coded) + 1)),
        std_order=[int(s) for s in std],
        block=None if blk is None else [int(b) for b in blk],
        generators=plan.generators,
        block_generators=block_gens,
        resolution=res,
        word_length_pattern=wlp,
        alias_structure=aliases,
        d_efficiency=ev.d_efficiency,
        a_efficiency=ev.a_efficiency,
        g_efficiency=ev.g_efficiency,
        max_vif=ev.max_vif,
        alpha=plan.alpha,
        seed=seed,
        notes=notes,
        constraints=[c.text for c in space.constraints],
        evaluation=ev,
        coded_array=coded,
        space=space,
    )


def _factor_dict(f: Factor) -> dict:
    return {"name": f.name, "type": f.type, "low": f.low, "high": f.high, "unit": f.unit,
            "levels": list(f.levels)}


def _optimal_plan(space: FactorSpace, mdl, kind: str, runs: int | None, blocks: int, seed: int,
                  starts: int | None) -> Plan:
    p = mdl.p + (blocks - 1 if blocks > 1 else 0)
    n = runs if runs is not None else default_runs(p)
    if n < p:
        raise DesignError(f"too few runs for the model: the {mdl.text} model has {p} parameters"
                          f"{' (with block effects)' if blocks > 1 else ''}; choose --runs ≥ {p} "
                          f"(recommended {default_runs(p)})")
    crit = "D" if kind == "d-optimal" else "I"
    work_space, work_model, frozen = space, mdl, None
    if blocks > 1:
        if n % blocks:
            raise DesignError(f"{n} runs do not split into {blocks} equal blocks")
        bf = Factor("__block__", "categorical", levels=tuple(str(i + 1) for i in range(blocks)))
        work_space = make_space([*space.factors, bf])
        work_space = FactorSpace(work_space.factors, space.constraints, space.disallowed, space.source)
        work_model = build_model(work_space, mdl.text) if mdl.text in ("linear", "interaction", "quadratic") \
            else type(mdl)(work_space, mdl.terms, mdl.text)
        # block enters as a main effect only
        terms = [t for t in work_model.terms if all(j < space.k for j, _ in t)] + [((space.k, 1),)]
        work_model = type(mdl)(work_space, tuple(terms), mdl.text)
        frozen = {space.k: np.repeat(np.arange(blocks, dtype=float), n // blocks)}
    try:
        res = coordinate_exchange(work_space, work_model, n, criterion=crit, seed=seed, starts=starts,
                                  frozen=frozen)
    except ValueError as exc:
        raise DesignError(str(exc)) from None
    coded = res.coded
    blk = None
    if blocks > 1:
        blk = coded[:, space.k].astype(int) + 1
        coded = coded[:, : space.k]
    plan = Plan(coded, blocks=blk, center_added=True)
    plan.notes.append(f"{crit}-optimal by coordinate exchange: {n} runs, {res.starts} random starts "
                      f"+ iterated local search, seed {seed}")
    return plan


def design_from_coded(space: FactorSpace, coded: np.ndarray, kind: str, *, model: str = "linear",
                      blocks: np.ndarray | None = None, seed: int = 1, notes: list[str] | None = None) -> Design:
    """Wrap a coded design (kept in the given order, e.g. an augmented design) as a :class:`Design`."""
    coded = np.asarray(coded, dtype=float)
    try:
        mdl = build_model(space, model)
    except ValueError as exc:
        raise DesignError(f"model: {exc}") from None
    ev = evaluate_design(space, coded, mdl)
    res = ev.resolution
    if res is not None and float(res).is_integer():
        res = int(res)
    n = len(coded)
    return Design(
        type=kind, factors=[_factor_dict(f) for f in space.factors], model=str(model),
        runs=space.to_actual_rows(coded), coded=space.coded_labels(coded),
        run_order=list(range(1, n + 1)), std_order=list(range(1, n + 1)),
        block=None if blocks is None else [int(b) for b in blocks], generators=[], block_generators=[],
        resolution=res, word_length_pattern=ev.word_length_pattern, alias_structure={},
        d_efficiency=ev.d_efficiency, a_efficiency=ev.a_efficiency, g_efficiency=ev.g_efficiency,
        max_vif=ev.max_vif, alpha=None, seed=seed, notes=list(notes or []),
        constraints=[c.text for c in space.constraints], evaluation=ev, coded_array=coded, space=space,
    )
