"""Carry-over (MACO) limits against published worked examples
(tests/data/operations/maco_ovais.md) and containment bands."""

from __future__ import annotations

import math

import pytest

from qbdkit.core.operations.cleaning import (
    CYTOTOXIC_MEASURES,
    Band,
    carryover_limits,
    containment_band,
)
from qbdkit.errors import QbdInputError

# Ovais spreadsheet inputs: I 500 mg/day, J 16 units/day, K 240 000 units, L 5000 cm²,
# N 15 kg, U 25 cm², SF 0.001, LD50 740 mg/kg (active) / 240 mg/kg (detergent), W 70 kg
#: half a unit of the last printed digit (3 decimals; 1.9425 prints as 1.943)
HALF = 5e-4 * (1 + 1e-9)
OVAIS = dict(next_batch_size=240_000, next_max_daily_dose=16, shared_area_cm2=5000,
             swab_area_cm2=25, next_batch_kg=15, ppm=10)


def test_ovais_active_ingredient_dose_ld50_and_10ppm():
    r = carryover_limits(therapeutic_dose_mg_per_day=500, safety_factor=1000,
                         ld50_mg_per_kg=740, body_weight_kg=70, ld50_safety_factor=1000,
                         **OVAIS)
    # published (mg per 25 cm²): dose 37.500, toxicological 1.943, 10 ppm 0.750 — 3 decimals
    assert r.criterion("dose").swab_limit_mg == pytest.approx(37.500, abs=HALF)
    assert r.criterion("LD50").swab_limit_mg == pytest.approx(1.943, abs=HALF)
    assert r.criterion("10 ppm").swab_limit_mg == pytest.approx(0.750, abs=HALF)
    assert r.governing == "10 ppm" and r.governing_swab_limit_mg == pytest.approx(0.75)
    # MACO itself: 10 ppm × 15 kg = 150 mg; surface limit 150 mg × 1000 / 5000 cm² = 30 µg/cm²
    assert r.governing_maco_mg == pytest.approx(150) and r.governing_surface_limit_ug_cm2 == 30


def test_ovais_cleaning_agent_toxicological():
    r = carryover_limits(ld50_mg_per_kg=240, **OVAIS)
    assert r.criterion("LD50").swab_limit_mg == pytest.approx(0.630, abs=HALF)


def test_health_based_path_is_the_same_arithmetic():
    # the sheet's ADI (NOEL × SF = 740 × 70 / 2000 × 0.001 mg/day) given as the HBEL
    r = carryover_limits(hbel_mg_per_day=740 * 70 / 2000 * 0.001, ppm=None,
                         **{k: v for k, v in OVAIS.items() if k != "ppm"})
    assert r.governing == "health-based"
    assert r.governing_swab_limit_mg == pytest.approx(1.943, abs=HALF)


def test_ovais_lian_2008_worst_case_ii():
    ftu = 500 / 286                       # mg of formulation per cm² (0.5 g over 286 cm²)
    r = carryover_limits(therapeutic_dose_mg_per_day=ftu * 0.02, safety_factor=1000,
                         next_batch_size=300e6, next_max_daily_dose=ftu * 1.0 * 4,
                         shared_area_cm2=10_000, swab_area_cm2=25, ppm=None)
    assert r.governing_maco_mg == pytest.approx(1500.0, rel=1e-12)   # published 1500 mg
    assert r.governing_swab_limit_mg == pytest.approx(3.75, rel=1e-12)


def test_recovery_extraction_and_visual():
    r = carryover_limits(hbel_mg_per_day=0.001, next_batch_size=20_000, next_max_daily_dose=1,
                         shared_area_cm2=10_000, swab_area_cm2=25, recovery=0.8,
                         extraction_volume_ml=10, visual_limit_ug_cm2=4, ppm=None)
    c = r.criterion("health-based")
    # MACO 0.001 mg/day × 20 000 doses = 20 mg; 2 µg/cm²; 0.05 mg per swab; measured 0.04 mg;
    # 0.04 mg × 1000 / 10 mL = 4 µg/mL
    assert (c.maco_mg, c.surface_limit_ug_cm2, c.swab_limit_mg) == pytest.approx((20, 2, 0.05))
    assert c.measured_swab_limit_mg == pytest.approx(0.04)
    assert c.solution_limit_ug_ml == pytest.approx(4.0)
    assert r.visual_inspection_sufficient is False
    assert any("visually clean" in n for n in r.notes)


@pytest.mark.parametrize(("field", "kwargs"), [
    ("pde", {"hbel_mg_per_day": 0}),
    ("pde", {"hbel_mg_per_day": -1}),
    ("shared_area_cm2", {"hbel_mg_per_day": 1, "shared_area_cm2": 0}),
    ("recovery", {"hbel_mg_per_day": 1, "recovery": 1.5}),
    ("pde", {"ppm": None}),
])
def test_bad_input_names_the_field(field, kwargs):
    args = dict(next_batch_size=1000, next_max_daily_dose=1, shared_area_cm2=1000)
    args.update(kwargs)
    with pytest.raises(QbdInputError) as e:
        carryover_limits(**args)
    assert e.value.first.column == field


@pytest.mark.parametrize(("oel", "band"), [(5000, "OEB 1"), (1000, "OEB 2"), (50, "OEB 3"),
                                           (1, "OEB 5"), (0.5, "OEB 5"), (0.05, "OEB 6")])
def test_typical_oeb(oel, band):
    assert containment_band(oel).band == band


def test_niosh_bands_and_cytotoxic_measures():
    # NIOSH particulate bands (mg/m³): A > 10, B > 1–10, C > 0.1–1, D > 0.01–0.1, E ≤ 0.01
    assert [containment_band(x, scheme="niosh").band for x in (20000, 10000, 500, 50, 10, 0.1)] \
        == ["A", "B", "C", "D", "E", "E"]
    r = containment_band(0.02, cytotoxic=True)
    assert r.band == "OEB 6" and list(r.measures) == list(CYTOTOXIC_MEASURES)
    custom = containment_band(3, bands=[Band("low", 2, None), Band("high", None, 2)])
    assert custom.band == "low"
    for bad in (0, -1, math.nan):
        with pytest.raises(QbdInputError):
            containment_band(bad)
