"""Classical designs in coded units: factorials, regular fractions, Plackett-Burman, central
composite, Box-Behnken and definitive screening.

Each generator returns a :class:`Plan` (coded matrix in standard order, optional block labels,
generators, notes); :func:`qbdkit.core.doe.design.make.make_design` adds centre points,
replicates, randomisation, actual values and the evaluation.

Sources:

- Full and fractional factorials: Montgomery, *Design and Analysis of Experiments* (9th ed.),
  ch. 6-8; minimum-aberration generators from :mod:`.catalogue` (exhaustive search, checked
  against Chen, Sun & Wu 1993).
- Plackett & Burman (1946), *Biometrika* 33:305-325 (generating rows in :mod:`.matrices`).
- Central composite (Box & Wilson 1951): cube ±1, axial ±α, centre points. Rotatable
  α = F^(1/4), F the number of cube runs (Box & Hunter 1957). *Orthogonal* α (pure quadratic
  effects orthogonal to one another): α = [F(√N − √F)² / 4]^(1/4), N the total number of runs
  (Myers, Montgomery & Anderson-Cook, *Response Surface Methodology*, 3rd ed., §7.4.2).
  Orthogonal blocking in two blocks (cube + axial): α = [F(2k + n_ca) / (2(F + n_cf))]^(1/2)
  (Montgomery 9th ed. §11.4.3). Face-centred: α = 1; inscribed: the design is scaled by 1/α so
  the axial points sit on the factor limits.
- Box & Behnken (1960), *Technometrics* 2:455-475: k = 3, 4, 5 from all pairs of factors
  (2² factorial in each pair, other factors at 0); k = 6 and 7 from the blocks {i, i+1, i+3}
  (mod k) of three factors with a 2³ factorial; 3, 3, 6, 6, 6 centre points → 15, 27, 46, 54, 62 runs.
- Definitive screening (Jones & Nachtsheim 2011, *J. Quality Technology* 43:1-15): [C; −C; 0]
  for a conference matrix C of even order m (odd m: order m + 1, last column dropped);
  orders without a conference matrix (22) use the next order that has one. Fake factors
  (extra columns, dropped) enlarge the design. Two-level categorical factors: their zeros are
  set to +1 in C and −1 in −C (fold-over kept) and the centre run is doubled with the
  categorical factor at both levels (after Jones & Nachtsheim 2013, *J. Quality Technology*
  45:121-129).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import numpy as np

from qbdkit.core.doe.design.catalogue import COVERAGE, load_catalogue
from qbdkit.core.doe.design.factors import FactorSpace
from qbdkit.core.doe.design.fractional import (
    fraction_matrix,
    generator_strings,
    resolution_from_wlp,
    word_length_pattern,
)
from qbdkit.core.doe.design.matrices import (
    conference_matrix,
    hadamard_matrix,
    plackett_burman_sizes,
)


class DesignError(ValueError):
    """A design request that cannot be met; the message says what is possible instead."""


@dataclass
class Plan:
    coded: np.ndarray
    blocks: np.ndarray | None = None
    generators: list[str] = field(default_factory=list)
    word_length_pattern: list[int] | None = None
    resolution: int | None = None
    alpha: float | None = None
    notes: list[str] = field(default_factory=list)
    center_added: bool = False
    basic: int | None = None
    generator_masks: list[int] = field(default_factory=list)


ROMAN = {3: "III", 4: "IV", 5: "V", 6: "VI", 7: "VII", 8: "VIII"}


# ------------------------------------------------------------------ factorials

def full_factorial(space: FactorSpace) -> Plan:
    """All level combinations; numeric factors at 2 levels (or their finer ``levels``),
    categorical at all levels. Standard order: first factor changes fastest."""
    level_sets = []
    for f in space.factors:
        if f.is_numeric:
            lv = [float(v) for v in f.to_coded(np.array(f.levels))] if f.levels else [-1.0, 1.0]
        else:
            lv = [float(i) for i in range(f.n_levels)]
        level_sets.append(lv)
    rows = [tuple(reversed(r)) for r in itertools.product(*reversed(level_sets))]
    return Plan(np.array(rows, dtype=float))


def _require_two_level(space: FactorSpace, what: str) -> None:
    bad = [f.name for f in space.factors if not f.is_numeric and f.n_levels != 2]
    if bad:
        raise DesignError(f"{what} needs two-level factors; {', '.join(bad)} has more levels "
                          "(use --type full or d-optimal)")


def _two_level_to_index(space: FactorSpace, coded: np.ndarray) -> np.ndarray:
    """±1 columns of categorical factors → level index 0/1."""
    out = coded.copy()
    for j, f in enumerate(space.factors):
        if not f.is_numeric:
            out[:, j] = (coded[:, j] > 0).astype(float)
    return out


def fraction_runs_needed(k: int, resolution: int) -> int | None:
    """Smallest regular run size with a design of at least this resolution (from the catalogue)."""
    if resolution > k:
        return 2**k
    cat = load_catalogue()
    for runs in sorted({r for r, _ in cat}):
        m = int(math.log2(runs))
        if k <= m:
            return 2**k
        e = cat.get((runs, k))
        if e is None:
            continue
        res = e["resolution"] or 99
        if res >= resolution:
            return runs
    return None


def fractional_factorial(space: FactorSpace, *, runs: int | None = None,
                         resolution: int | None = None,
                         generators: list[str] | None = None) -> Plan:
    """Minimum-aberration regular 2^(k−p) fraction chosen by run count or by resolution."""
    from qbdkit.core.doe.design.fractional import generator_signs, parse_generators

    _require_two_level(space, "a two-level fraction")
    k = space.k
    if generators:
        try:
            m, masks = parse_generators(generators, k)
        except ValueError as exc:
            raise DesignError(str(exc)) from None
        return _fraction_plan(space, m, masks, "user generators", generator_signs(generators))
    if k < 2:
        raise DesignError("a fraction needs at least 2 factors")
    if runs is None and resolution is None:
        resolution = 4 if k >= 4 else 3
    if runs is None:
        assert resolution is not None
        if resolution < 3:
            raise DesignError("resolution must be at least III (3)")
        need = fraction_runs_needed(k, resolution)
        if need is None:
            raise DesignError(_no_fraction_message(k, resolution))
        runs = need
    m = round(math.log2(runs)) if runs > 0 else -1
    if runs <= 0 or 2**m != runs:
        pow2 = [2**i for i in range(2, 8) if 2**i > k]
        raise DesignError(f"a regular two-level fraction has a power-of-two number of runs; "
                          f"for {k} factors choose one of {pow2[:4]} (or --type pb / d-optimal for {runs} runs)")
    if runs < k + 1:
        raise DesignError(f"{runs} runs hold at most {runs - 1} two-level factors; {k} factors need at least "
                          f"{2 ** math.ceil(math.log2(k + 1))} regular runs (or a {4 * math.ceil((k + 1) / 4)}-run "
                          "Plackett-Burman design)")
    if runs > 2**k:
        raise DesignError(f"{k} factors have only {2**k} distinct runs (the full factorial); use --type full "
                          "with --replicates for more runs")
    if runs == 2**k:
        plan = full_factorial(space)
        plan.notes.append(f"{runs} runs = the full 2^{k} factorial")
        return plan
    entry = load_catalogue().get((runs, k))
    if entry is None:
        raise DesignError(f"the minimum-aberration catalogue covers {', '.join(f'{r} runs up to {c} factors' for r, c in sorted(COVERAGE.items()))}; "
                          f"{k} factors in {runs} runs is outside it — use --type pb or d-optimal")
    plan = _fraction_plan(space, m, entry["generators"], "minimum aberration (exhaustive search)")
    if resolution is not None and (plan.resolution or 99) < resolution:
        raise DesignError(_no_fraction_message(k, resolution, runs))
    return plan


def _fraction_plan(space: FactorSpace, m: int, masks: list[int], how: str,
                   signs: list[int] | None = None) -> Plan:
    k = space.k
    coded = fraction_matrix(m, masks, signs)
    wlp = word_length_pattern(m, masks)
    res = resolution_from_wlp(wlp, k)
    gens = generator_strings(m, masks, signs)
    res_text = ROMAN.get(res or 0, str(res))
    plan = Plan(_two_level_to_index(space, coded), generators=gens, word_length_pattern=wlp,
                resolution=res, basic=m, generator_masks=list(masks))
    plan.notes.append(f"2^({k}-{k - m}) resolution {res_text} fraction, {how}")
    return plan


def _no_fraction_message(k: int, resolution: int, runs: int | None = None) -> str:
    need = fraction_runs_needed(k, resolution)
    roman = ROMAN.get(resolution, str(resolution))
    alt = "linear" if resolution <= 4 else "interaction"
    p = 1 + k + (k * (k - 1) // 2 if alt == "interaction" else 0)
    opt = f"a {p + max(4, -(-p // 4))}-run D-optimal design supports the same ({alt}) model"
    if need is None:
        return f"no catalogued regular fraction of {k} factors reaches resolution {roman}; {opt}"
    where = f" (no {runs}-run regular fraction has it)" if runs is not None else ""
    return f"resolution {roman} for {k} factors needs at least {need} regular runs{where}; {opt}"


# ------------------------------------------------------------------ Plackett-Burman

def plackett_burman(space: FactorSpace, *, runs: int | None = None) -> Plan:
    _require_two_level(space, "a Plackett-Burman design")
    k = space.k
    sizes = plackett_burman_sizes(max(100, (runs or 0)))
    if runs is None:
        runs = next((n for n in sizes if n > k), None)
        if runs is None:
            raise DesignError(f"no Plackett-Burman design for {k} factors up to 100 runs")
    if runs not in sizes:
        raise DesignError(f"no Plackett-Burman design with {runs} runs; available: "
                          f"{', '.join(map(str, [n for n in sizes if n > k][:6]))}")
    if runs < k + 1:
        raise DesignError(f"a {runs}-run Plackett-Burman design holds at most {runs - 1} factors; "
                          f"{k} factors need {next(n for n in sizes if n > k)} runs")
    h = hadamard_matrix(runs)
    assert h is not None
    coded = h[:, 1: k + 1]
    plan = Plan(_two_level_to_index(space, coded))
    src = ("Plackett & Burman (1946) generating row" if runs in (12, 20, 24)
           else "Williamson (1944) matrices of order 23 (Baumert, Golomb & Hall 1962)" if runs == 92
           else "Hadamard matrix (Paley/Sylvester)")
    plan.notes.append(f"{runs}-run Plackett-Burman design from {src}")
    return plan


# ------------------------------------------------------------------ central composite

def ccd_alpha(kind: str | float, k: int, cube_runs: int, total_runs: int,
              axial_center: int = 0, cube_center: int = 0, blocked: bool = False) -> float:
    """Axial distance α (see the module docstring for the formulas)."""
    if not isinstance(kind, str):
        return float(kind)
    kind = kind.lower()
    if kind in ("face", "face-centred", "face-centered", "faced"):
        return 1.0
    if kind == "rotatable":
        return cube_runs ** 0.25
    if kind == "orthogonal":
        if blocked:
            return math.sqrt(cube_runs * (2 * k + axial_center) / (2.0 * (cube_runs + cube_center)))
        f = cube_runs
        return (f * (math.sqrt(total_runs) - math.sqrt(f)) ** 2 / 4.0) ** 0.25
    try:
        return float(kind)
    except ValueError:
        raise DesignError(f"unknown alpha {kind!r}: use rotatable, orthogonal, face or a number") from None


def central_composite(space: FactorSpace, *, alpha: str | float = "rotatable", center: int | None = None,
                      kind: str = "circumscribed", blocks: int = 1, fraction: bool | None = None) -> Plan:
    k = space.k
    if isinstance(alpha, str) and alpha.lower() in ("face", "face-centred", "face-centered", "faced"):
        kind = "face"
    if kind in ("faced", "face-centred", "face-centered", "ccf"):
        kind = "face"
    if kind not in ("circumscribed", "inscribed", "face"):
        raise DesignError(f"unknown CCD kind {kind!r}: use circumscribed, inscribed or face")
    if not space.all_numeric:
        raise DesignError("a central composite design needs numeric factors; use --type d-optimal with "
                          "the quadratic model for categorical factors")
    if k < 2:
        raise DesignError("a central composite design needs at least 2 factors")
    if blocks not in (1, 2):
        raise DesignError("a central composite design can be run in 1 block or 2 (cube + axial) blocks")
    # cube: full factorial or the smallest resolution-V (or better) fraction
    if fraction is None:
        fraction = k >= 5
    cube_plan: Plan
    if fraction and k >= 5:
        runs = fraction_runs_needed(k, 5)
        if runs is None:
            raise DesignError(f"no resolution V fraction for {k} factors in the catalogue")
        cube_plan = fractional_factorial(space, runs=runs)
    else:
        cube_plan = full_factorial(space)
        if any(f.levels for f in space.factors):
            cube = np.array(list(itertools.product([-1.0, 1.0], repeat=k)))[:, ::-1]
            cube_plan = Plan(cube)
    cube = cube_plan.coded
    f_runs = len(cube)
    n_c = 3 if center is None else int(center)
    if blocks == 2:
        cube_center = axial_center = max(n_c, 1) if center is None else n_c
    else:
        cube_center, axial_center = n_c, 0
    total = f_runs + 2 * k + cube_center + axial_center
    a = ccd_alpha(alpha if kind != "face" else "face", k, f_runs, total, axial_center, cube_center,
                  blocked=blocks == 2)
    if kind in ("face", "faced", "face-centred", "face-centered"):
        a = 1.0
    axial = np.zeros((2 * k, k))
    for j in range(k):
        axial[2 * j, j] = -a
        axial[2 * j + 1, j] = a
    if kind == "inscribed":
        cube = cube / a
        axial = axial / a
    parts = [cube, np.zeros((cube_center, k)), axial, np.zeros((axial_center, k))]
    coded = np.vstack(parts)
    blk = None
    if blocks == 2:
        blk = np.array([1] * (f_runs + cube_center) + [2] * (2 * k + axial_center))
    plan = Plan(coded, blocks=blk, alpha=a, generators=cube_plan.generators,
                word_length_pattern=cube_plan.word_length_pattern, resolution=cube_plan.resolution,
                center_added=True)
    cube_text = f"2^{k}" if not cube_plan.generators else f"2^({k}-{len(cube_plan.generators)}) resolution V+ cube"
    kind_text = "face-centred" if kind == "face" else kind
    plan.notes.append(f"central composite ({kind_text}) with {cube_text}, α = {a:.4f} ({alpha}), "
                      f"{cube_center + axial_center} centre points")
    if kind == "circumscribed" and a > 1:
        plan.notes.append("axial points lie outside the low–high ranges (circumscribed); use --ccd inscribed or "
                          "--alpha face to stay inside")
    return plan


# ------------------------------------------------------------------ Box-Behnken

BBD_CENTER = {3: 3, 4: 3, 5: 6, 6: 6, 7: 6}


def box_behnken(space: FactorSpace, *, center: int | None = None) -> Plan:
    k = space.k
    if not space.all_numeric:
        raise DesignError("a Box-Behnken design needs numeric factors")
    if k not in BBD_CENTER:
        raise DesignError(f"Box-Behnken designs are published for 3-7 factors, not {k}; use --type ccd or "
                          "d-optimal with the quadratic model")
    if k <= 5:
        groups = list(itertools.combinations(range(k), 2))
    else:
        groups = [tuple(sorted({i % k, (i + 1) % k, (i + 3) % k})) for i in range(k)]
    rows = []
    for g in groups:
        for signs in itertools.product([-1.0, 1.0], repeat=len(g)):
            r = np.zeros(k)
            r[list(g)] = signs[::-1]
            rows.append(r)
    n_c = BBD_CENTER[k] if center is None else int(center)
    coded = np.vstack([np.array(rows), np.zeros((n_c, k))])
    plan = Plan(coded, center_added=True)
    plan.notes.append(f"Box-Behnken (1960) design for {k} factors: {len(rows)} edge runs + {n_c} centre points")
    return plan


# ------------------------------------------------------------------ definitive screening

def definitive_screening(space: FactorSpace, *, fake: int = 0, center: int | None = None) -> Plan:
    """DSD; ``center`` = total centre runs (default 1, or 2 with categorical factors)."""
    cat = [j for j, f in enumerate(space.factors) if not f.is_numeric]
    bad = [space.factors[j].name for j in cat if space.factors[j].n_levels != 2]
    if bad:
        raise DesignError(f"definitive screening designs take two-level categorical factors only; "
                          f"{', '.join(bad)} has more levels (use --type d-optimal)")
    k = space.k
    if k < 3:
        raise DesignError("a definitive screening design needs at least 3 factors")
    cols = k + int(fake)
    order = cols + (cols % 2)
    c = None
    while order <= 60:
        c = conference_matrix(order)
        if c is not None:
            break
        order += 2
    if c is None or cols > 60:
        raise DesignError(f"no conference matrix for {cols} columns; use --type d-optimal")
    if cols > 30:
        raise DesignError("definitive screening designs are provided for up to 30 factors (including fake factors)")
    # put the order so that categorical factors come last (their zero rows differ); map back
    c = c[:, :cols]
    top = c.copy()
    bottom = -c
    for j in cat:
        zero = top[:, j] == 0
        top[zero, j] = 1.0
        bottom[zero, j] = -1.0
    n_center = max(int(center), 2 if cat else 1) if center is not None else (2 if cat else 1)
    center_rows = np.zeros((n_center, cols))
    if cat:
        for j in cat:
            center_rows[0::2, j] = 1.0
            center_rows[1::2, j] = -1.0
    coded = np.vstack([top, bottom, center_rows])[:, :k]
    coded = _two_level_to_index(space, coded)
    plan = Plan(coded, center_added=True)
    extra = f" and {fake} fake factor(s)" if fake else ""
    plan.notes.append(f"definitive screening design from a conference matrix of order {order}{extra}: "
                      f"{len(coded)} runs")
    return plan
