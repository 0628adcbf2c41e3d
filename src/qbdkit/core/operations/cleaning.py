"""Cleaning-validation limits (maximum allowable carry-over, MACO) and containment bands.

Seed 002 §4 asks ADC plants to validate cleaning against both protein (antibody) and
payload (cytotoxic small molecule) residues, with limits "兼顾生物残留与化学残留" (visual,
TOC, payload residue, detergent residue), and §2 to control residues, mechanical transfer
and airborne spread from the payload's health-based exposure limit (HBEL) or occupational
exposure limit (OEL).

Carry-over of a residue of the previous product into the next product (APIC "Guidance on
aspects of cleaning validation in API plants", 2016 rev. 2021, §4; EMA/CHMP/CVMP/SWP/169430/
2012 for HBEL; Fourman & Mullen, Pharm. Technol. 17(4):54–60, 1993 for the dose and 10 ppm
criteria)::

    health-based   MACO = HBEL_prev [mg/day] × MBS_next / TDD_next
    dose-based     MACO = (TD_prev [mg/day] / SF) × MBS_next / TDD_next        (SF = 1000)
    LD50-based     MACO = (LD50 × BW / 2000 / SF) × MBS_next / TDD_next
    10 ppm         MACO = ppm × 10⁻⁶ × batch_next [kg] × 10⁶ mg/kg = ppm × batch_next [kg] mg

MBS_next / TDD_next is the number of maximum daily doses in the smallest next batch (both in
the same unit: mg, mL or dosage units). From a MACO (mg) and the product-contact surface
area shared by both products (cm²)::

    surface limit  [µg/cm²]          = MACO × 1000 / shared area
    swab limit     [mg per swab]     = MACO × swab area / shared area
    measured limit [mg per swab]     = swab limit × recovery       (results not recovery-corrected)
    solution limit [µg/mL]           = measured limit × 1000 / extraction volume

The governing limit is the lowest MACO of the criteria given. Equipment must also be
visually clean in every case; when a visible-residue limit (µg/cm², e.g. ~4 µg/cm², Fourman
& Mullen 1993) is given, it is compared with the governing surface limit: above it, visual
inspection alone cannot show the equipment meets the limit.

Hand-written because it is a few lines of arithmetic no library packages; checked against
the worked example of M. Ovais' acceptance-criteria calculation (tests/data/operations).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from qbdkit.core.result import Result, format_table
from qbdkit.errors import Problem, QbdInputError


@dataclass(frozen=True)
class CarryoverCriterion(Result):
    """One criterion's limits; masses in mg, surface limit in µg/cm², solution in µg/mL."""

    criterion: str
    basis: str
    acceptable_daily_mg: float | None
    maco_mg: float
    surface_limit_ug_cm2: float
    swab_limit_mg: float
    measured_swab_limit_mg: float
    solution_limit_ug_ml: float | None


@dataclass(frozen=True)
class CarryoverResult(Result):
    """Limits of every criterion given; ``governing`` is the lowest MACO's criterion."""

    residue: str
    criteria: list[CarryoverCriterion] = field(default_factory=list)
    governing: str = ""
    governing_maco_mg: float = math.nan
    governing_surface_limit_ug_cm2: float = math.nan
    governing_swab_limit_mg: float = math.nan
    swab_area_cm2: float = 25.0
    shared_area_cm2: float = math.nan
    recovery: float = 1.0
    visual_limit_ug_cm2: float | None = None
    visual_inspection_sufficient: bool | None = None
    notes: list[str] = field(default_factory=list)
    equipment: dict[str, float] = field(default_factory=dict)
    """Product-contact surface (cm²) of each shared equipment item, when the shared area
    was summed from an equipment train."""

    def criterion(self, name: str) -> CarryoverCriterion:
        return next(c for c in self.criteria if c.criterion == name)

    def summary(self) -> str:
        rows = [[c.criterion, c.maco_mg, c.surface_limit_ug_cm2, c.swab_limit_mg,
                 c.measured_swab_limit_mg, c.solution_limit_ug_ml,
                 "governing" if c.criterion == self.governing else ""] for c in self.criteria]
        head = (f"carry-over limits for {self.residue or 'the residue'} (swab "
                f"{self.swab_area_cm2:g} cm², shared area {self.shared_area_cm2:g} cm², "
                f"recovery {self.recovery:g})")
        table = format_table(["criterion", "MACO (mg)", "surface (µg/cm²)", "swab (mg)",
                              "measured (mg)", "solution (µg/mL)", ""], rows)
        return "\n".join([head, table, *self.notes])


def _positive(name: str, value: float | None, *, allow_none: bool = True) -> list[Problem]:
    if value is None:
        return [] if allow_none else [Problem("missing value", column=name,
                                              expected="a positive number")]
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(
            value) or value <= 0:
        return [Problem("must be a positive number", column=name, expected="a number > 0",
                        found=value)]
    return []


def carryover_limits(*, next_batch_size: float, next_max_daily_dose: float,
                     shared_area_cm2: float, hbel_mg_per_day: float | None = None,
                     therapeutic_dose_mg_per_day: float | None = None,
                     safety_factor: float = 1000.0, ld50_mg_per_kg: float | None = None,
                     body_weight_kg: float = 70.0, ld50_safety_factor: float = 1000.0,
                     next_batch_kg: float | None = None, ppm: float | None = 10.0,
                     swab_area_cm2: float = 25.0, recovery: float = 1.0,
                     extraction_volume_ml: float | None = None,
                     visual_limit_ug_cm2: float | None = None,
                     residue: str = "") -> CarryoverResult:
    """MACO and swab limits of one residue by every criterion whose inputs are given.

    Health-based (``hbel_mg_per_day``, the PDE/ADE of the residue), dose-based
    (``therapeutic_dose_mg_per_day`` / ``safety_factor``), LD50-based
    (``ld50_mg_per_kg`` × ``body_weight_kg`` / 2000 / ``ld50_safety_factor``) and the
    ``ppm`` criterion (needs ``next_batch_kg``). A zero or negative PDE, area, batch size or
    dose is a :class:`QbdInputError` naming the field; so is giving no criterion at all.
    """
    problems = [*_positive("next_batch_size", next_batch_size, allow_none=False),
                *_positive("next_max_daily_dose", next_max_daily_dose, allow_none=False),
                *_positive("shared_area_cm2", shared_area_cm2, allow_none=False),
                *_positive("pde", hbel_mg_per_day),
                *_positive("therapeutic_dose_mg_per_day", therapeutic_dose_mg_per_day),
                *_positive("safety_factor", safety_factor, allow_none=False),
                *_positive("ld50_mg_per_kg", ld50_mg_per_kg),
                *_positive("body_weight_kg", body_weight_kg, allow_none=False),
                *_positive("ld50_safety_factor", ld50_safety_factor, allow_none=False),
                *_positive("next_batch_kg", next_batch_kg), *_positive("ppm", ppm),
                *_positive("swab_area_cm2", swab_area_cm2, allow_none=False),
                *_positive("extraction_volume_ml", extraction_volume_ml),
                *_positive("visual_limit_ug_cm2", visual_limit_ug_cm2)]
    if not problems and not 0 < recovery <= 1:
        problems.append(Problem("recovery out of range", column="recovery",
                                expected="a fraction 0 < recovery ≤ 1", found=recovery))
    if not problems and swab_area_cm2 > shared_area_cm2:
        problems.append(Problem("swab area larger than the shared surface", column="swab_area_cm2",
                                expected=f"≤ {shared_area_cm2:g} cm²", found=swab_area_cm2))
    if problems:
        raise QbdInputError(problems=problems)
    doses_per_batch = next_batch_size / next_max_daily_dose
    made: list[tuple[str, str, float | None, float]] = []
    if hbel_mg_per_day is not None:
        made.append(("health-based", "HBEL × MBS / TDD", hbel_mg_per_day,
                     hbel_mg_per_day * doses_per_batch))
    if therapeutic_dose_mg_per_day is not None:
        daily = therapeutic_dose_mg_per_day / safety_factor
        made.append(("dose", f"TD / {safety_factor:g} × MBS / TDD", daily, daily * doses_per_batch))
    if ld50_mg_per_kg is not None:
        daily = ld50_mg_per_kg * body_weight_kg / 2000.0 / ld50_safety_factor
        made.append(("LD50", f"LD50 × {body_weight_kg:g} kg / 2000 / {ld50_safety_factor:g} "
                              "× MBS / TDD", daily, daily * doses_per_batch))
    if ppm is not None and next_batch_kg is not None:
        made.append((f"{ppm:g} ppm", f"{ppm:g} ppm × batch (kg)", None, ppm * next_batch_kg))
    if not made:
        raise QbdInputError("no criterion to compute", column="pde",
                            expected="a PDE/HBEL, a therapeutic dose, an LD50, or next batch "
                                     "mass (kg) for the ppm criterion")
    criteria = []
    for name, basis, daily, maco in made:
        swab = maco * swab_area_cm2 / shared_area_cm2
        measured = swab * recovery
        criteria.append(CarryoverCriterion(
            criterion=name, basis=basis, acceptable_daily_mg=daily, maco_mg=maco,
            surface_limit_ug_cm2=maco * 1000.0 / shared_area_cm2, swab_limit_mg=swab,
            measured_swab_limit_mg=measured,
            solution_limit_ug_ml=None if extraction_volume_ml is None
            else measured * 1000.0 / extraction_volume_ml))
    gov = min(criteria, key=lambda c: c.maco_mg)
    notes = ["equipment must be visually clean (no visible residue) in every case"]
    sufficient = None
    if visual_limit_ug_cm2 is not None:
        sufficient = visual_limit_ug_cm2 <= gov.surface_limit_ug_cm2
        notes.append(
            f"visible-residue limit {visual_limit_ug_cm2:g} µg/cm² "
            + ("≤" if sufficient else ">") + f" governing surface limit "
            f"{gov.surface_limit_ug_cm2:.4g} µg/cm²: "
            + ("visual inspection can detect residue at the limit" if sufficient else
               "visual inspection alone is not enough; swab/rinse analysis required"))
    return CarryoverResult(
        residue=residue, criteria=criteria, governing=gov.criterion,
        governing_maco_mg=gov.maco_mg, governing_surface_limit_ug_cm2=gov.surface_limit_ug_cm2,
        governing_swab_limit_mg=gov.swab_limit_mg, swab_area_cm2=float(swab_area_cm2),
        shared_area_cm2=float(shared_area_cm2), recovery=float(recovery),
        visual_limit_ug_cm2=visual_limit_ug_cm2, visual_inspection_sufficient=sufficient,
        notes=notes)


# ---- containment band from the occupational exposure limit ----------------------------------

@dataclass(frozen=True)
class Band:
    """A band: OEL in (``low``, ``high``] µg/m³ (None = open end)."""

    name: str
    low: float | None
    high: float | None


#: a common six-band occupational exposure band (OEB) scheme of the pharmaceutical industry
#: (OEB 5 and 6 for highly potent compounds such as ADC payloads). Typical, confirm: each
#: company's EHS standard sets its own boundaries — pass ``bands`` to use yours.
OEB_TYPICAL: tuple[Band, ...] = (
    Band("OEB 1", 1000.0, None), Band("OEB 2", 100.0, 1000.0), Band("OEB 3", 10.0, 100.0),
    Band("OEB 4", 1.0, 10.0), Band("OEB 5", 0.1, 1.0), Band("OEB 6", None, 0.1))
#: NIOSH occupational exposure bands for particulates (NIOSH, "The NIOSH Occupational
#: Exposure Banding Process for Chemical Risk Management", DHHS (NIOSH) Publication
#: 2019-132, table 1): A > 10 mg/m³ … E ≤ 0.01 mg/m³.
NIOSH_PARTICULATE: tuple[Band, ...] = (
    Band("A", 10000.0, None), Band("B", 1000.0, 10000.0), Band("C", 100.0, 1000.0),
    Band("D", 10.0, 100.0), Band("E", None, 10.0))
SCHEMES: dict[str, tuple[Band, ...]] = {"oeb": OEB_TYPICAL, "niosh": NIOSH_PARTICULATE}

#: containment measures for cytotoxic payload steps, seed 002 §2 (after WHO GMP for
#: hazardous substances): dedicated facility and equipment, …
CYTOTOXIC_MEASURES: tuple[str, ...] = (
    "dedicated facility and equipment (independent HVAC) for payload and linker-payload steps",
    "exhaust air treated before release (H13 filtration)",
    "negative pressure relative to surroundings with suitable pressure cascades",
    "once-through (non-recirculated) air handling",
    "area-dedicated protective clothing; respirators connected to breathing air or "
    "positive-pressure suits; suitable single-use gloves",
    "air or mist showers to remove dust from garments; personnel showers",
    "safe filter change; controlled waste handling",
    "same measures in ADC drug-substance (conjugation) steps that handle the payload",
)


@dataclass(frozen=True)
class ContainmentResult(Result):
    oel_ug_m3: float
    band: str
    scheme: str
    range_ug_m3: str
    measures: list[str] = field(default_factory=list)

    def summary(self) -> str:
        lines = [f"OEL {self.oel_ug_m3:g} µg/m³ → {self.band} ({self.scheme}, {self.range_ug_m3})"]
        lines += [f"  - {m}" for m in self.measures]
        return "\n".join(lines)


def containment_band(oel_ug_m3: float, *, scheme: str = "oeb",
                     bands: Sequence[Band] | None = None,
                     cytotoxic: bool = False) -> ContainmentResult:
    """The band whose interval (``low``, ``high``] µg/m³ holds ``oel_ug_m3``.

    ``cytotoxic`` adds the containment measures seed 002 §2 requires for cytotoxic payloads.
    """
    if isinstance(oel_ug_m3, bool) or not isinstance(oel_ug_m3, int | float) or not math.isfinite(
            oel_ug_m3) or oel_ug_m3 <= 0:
        raise QbdInputError("OEL must be a positive number", column="oel",
                            expected="an OEL in µg/m³ > 0", found=oel_ug_m3)
    if bands is None:
        if scheme not in SCHEMES:
            raise QbdInputError("unknown banding scheme", column="scheme",
                                expected=" | ".join(SCHEMES), found=scheme)
        bands = SCHEMES[scheme]
    for b in bands:
        if (b.low is None or oel_ug_m3 > b.low) and (b.high is None or oel_ug_m3 <= b.high):
            lo = "0" if b.low is None else f"{b.low:g}"
            hi = "∞" if b.high is None else f"{b.high:g}"
            return ContainmentResult(float(oel_ug_m3), b.name, scheme, f"({lo}, {hi}] µg/m³",
                                     list(CYTOTOXIC_MEASURES) if cytotoxic else [])
    raise QbdInputError("OEL falls in no band", column="oel", expected="bands covering the OEL",
                        found=oel_ug_m3)
