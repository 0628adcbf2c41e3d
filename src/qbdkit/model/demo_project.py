"""The bundled demo project (``src/qbdkit/demo/mab/``): a SYNTHETIC mAb programme.

:func:`build_demo_project` starts from the mAb template (:mod:`qbdkit.templates`)
and adds what a real project would have decided or measured: set points, NOR
(normal operating range), PAR (proven acceptable range) and studied ranges for
the production bioreactor, protein A and low-pH viral inactivation steps; CQA
(critical quality attribute) decisions; and batches with a small long-form
measurement table. It is written once by :func:`write_demo_project` (seeded) and
committed; the numbers are plausible in size for a CHO fed-batch mAb but are
not measurements.

Consistency with the other demo inputs: the bioreactor set points and ranges
are those of the demo DoE (``demo/mab/doe``: temperature 35–37 °C, pH 6.8–7.2,
DO 30–50 %, feed 2–4 %, centre = set point); the at-scale (L01–L10) and
small-scale (S01–S12) batches are the scale-down-model batches of
``demo/mab/sdm`` and their end-point quality results are copied from
``sdm/at_scale.csv`` / ``sdm/small_scale.csv`` when those files exist (else
drawn from the same means); clinical batches C01–C03 are drawn with the seed.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import numpy as np

from qbdkit.model.folder import save_project
from qbdkit.model.schema import (
    Batch,
    Criterion,
    Criticality,
    Label,
    Measurement,
    Project,
    Range,
)

SEED = 20261121
DEMO_DIR = Path(__file__).resolve().parents[1] / "demo" / "mab"

# (unit operation, parameter) → set point, NOR, PAR, studied range, classification, source
_SETTINGS: dict[tuple[str, str], tuple] = {
    ("production_bioreactor", "temperature"): (36.0, (35.5, 36.5), (35.0, 37.0), (35.0, 37.0)),
    ("production_bioreactor", "ph"): (7.0, (6.9, 7.1), (6.8, 7.2), (6.8, 7.2)),
    ("production_bioreactor", "dissolved_oxygen"): (40.0, (35.0, 45.0), (30.0, 50.0), (30.0, 50.0)),
    ("production_bioreactor", "feed_volume"): (3.0, (2.7, 3.3), (2.0, 4.0), (2.0, 4.0)),
    ("production_bioreactor", "seeding_density"): (1.0, (0.9, 1.1), (0.7, 1.3), (0.7, 1.3)),
    ("production_bioreactor", "culture_duration"): (14.0, (13.5, 14.5), (13.0, 15.0), (12.0, 16.0)),
    ("production_bioreactor", "agitation"): (110.0, (100.0, 120.0), (90.0, 130.0), (80.0, 140.0)),
    ("protein_a", "load"): (35.0, (30.0, 40.0), (20.0, 45.0), (10.0, 50.0)),
    ("protein_a", "elution_ph"): (3.6, (3.5, 3.7), (3.4, 3.8), (3.2, 3.9)),
    ("low_ph_vi", "vi_ph"): (3.6, (3.5, 3.7), (3.4, 3.8), (3.2, 4.0)),
    ("low_ph_vi", "vi_time"): (90.0, (75.0, 120.0), (60.0, 180.0), (60.0, 180.0)),
    ("low_ph_vi", "vi_temperature"): (20.0, (18.0, 22.0), (15.0, 25.0), (15.0, 25.0)),
}
_DEMO_SOURCE = "demo project (synthetic); studied range = demo DoE / characterization range"

# A-Mab tool 1 (impact × uncertainty); demo values, synthetic
# (the demo's risk assessment, demo/mab/risk/cqa.csv, is written from these: one story);
# critical = score >= 36, the A-Mab tool 1 threshold
_CQA: dict[str, tuple[int, int]] = {
    "aggregates": (20, 3),
    "charge_variants": (4, 3),
    "afucosylation": (16, 3),
    "galactosylation": (12, 3),
    "high_mannose": (12, 2),
    "sialic_acid": (4, 3),
    "hcp": (12, 5),
    "host_dna": (4, 2),
    "protein_a_leachate": (12, 2),
    "endotoxin": (20, 2),
    "potency": (20, 2),
}
CQA_THRESHOLD = 36
#: small-scale runs of the sdm data (demo/synth_sdm.py): S01–S06 3 L, S07–S12 ambr 250
N_SMALL, N_3L = 12, 6

# quality attribute → (column in the sdm end-point files, mean, SD) for batches without sdm data
_QA_COLUMNS = {
    "aggregates": ("Aggregate (%)", 2.0, 0.15),
    "afucosylation": ("Afucosylation (%)", 8.0, 0.3),
    "galactosylation": ("Galactosylation (%)", 35.0, 1.5),
    "hcp": ("HCP (ng/mg)", 60.0, 4.0),
}


def _read_endpoints(path: Path) -> dict[str, dict[str, str]]:
    if not path.is_file():
        return {}
    with path.open(encoding="utf-8-sig", newline="") as f:
        return {row["batch"]: row for row in csv.DictReader(f)}


def build_demo_project(seed: int = SEED, sdm_dir: Path | None = None) -> Project:
    """The demo project (deterministic for a given ``seed`` and sdm end-point files)."""
    from qbdkit.templates import load_template

    rng = np.random.default_rng(seed)
    p = load_template("mab")
    p.name = "demo-mab"
    p.label = Label(en="Demo mAb QB-101 (synthetic data)", zh="演示单抗 QB-101（合成数据）")
    p.description = ("SYNTHETIC demo: IgG1 mAb QB-101, CHO fed-batch 2000 L production with platform "
                     "purification. Set points, ranges, batches and results are invented but plausible.")
    p.template = "mab"
    p.product.name = "QB-101"
    p.product.label = Label(en="QB-101 (anti-target IgG1, synthetic)", zh="QB-101（IgG1 单抗，合成示例）")
    p.product.dosage_form = "solution for injection, 100 mg/10 mL vial"
    p.product.dose = "10 mg/kg every 3 weeks"
    p.process.scale = "2000 L"

    for (uo_name, name), (sp, nor, par, studied) in _SETTINGS.items():
        prm = p.parameter(name, uo_name)
        assert prm is not None, (uo_name, name)
        prm.set_point = sp
        prm.nor = Range(low=nor[0], high=nor[1])
        prm.par = Range(low=par[0], high=par[1])
        prm.studied = Range(low=studied[0], high=studied[1])
        prm.scale = "2000 L"
        prm.source = f"{_DEMO_SOURCE}; template: {prm.source}"
    feed = p.parameter("feed_volume", "production_bioreactor")
    assert feed is not None
    feed.label = Label(en="Daily feed volume (% of working volume)", zh="每日补料体积（占工作体积 %）")
    antifoam = p.parameter("antifoam_strategy", "production_bioreactor")
    assert antifoam is not None
    antifoam.set_point = "on demand"

    for name, (impact, uncertainty) in _CQA.items():
        a = p.attribute(name)
        assert a is not None, name
        a.criticality = Criticality(impact=impact, uncertainty=uncertainty,
                                    score=float(impact * uncertainty),
                                    critical=impact * uncertainty >= CQA_THRESHOLD,
                                    tool="A-Mab tool 1 (impact × uncertainty); demo values")
    afuc = p.attribute("afucosylation")
    assert afuc is not None
    afuc.acceptance = [Criterion(stage="DS release", low=5.0, high=11.0,
                                 source="demo specification (synthetic), inside A-Mab 2–13 % [A]")]

    sdm_dir = sdm_dir if sdm_dir is not None else DEMO_DIR / "sdm"
    endpoints = {**_read_endpoints(sdm_dir / "at_scale.csv"),
                 **_read_endpoints(sdm_dir / "small_scale.csv")}
    batches: list[Batch] = []
    start = dt.date(2025, 3, 3)
    for i in range(10):
        batches.append(Batch(id=f"L{i + 1:02d}", kind="at-scale", scale=2000.0, scale_unit="L",
                             site="Suzhou DS plant (synthetic)", date=start + dt.timedelta(days=21 * i),
                             study="sdm_qualification", extra={"vessel": "2000 L single-use bioreactor"}))
    for i in range(N_SMALL):
        ambr = i >= N_3L
        batches.append(Batch(id=f"S{i + 1:02d}", kind="small-scale", scale=0.25 if ambr else 3.0,
                             scale_unit="L", site="PD lab Shanghai (synthetic)",
                             date=dt.date(2025, 5, 12) + dt.timedelta(days=7 * (i // N_3L)),
                             study="sdm_qualification",
                             extra={"vessel": "ambr 250" if ambr else "3 L glass bioreactor"}))
    for i in range(3):
        batches.append(Batch(id=f"C{i + 1:02d}", kind="clinical", scale=200.0, scale_unit="L",
                             site="Suzhou clinical plant (synthetic)",
                             date=dt.date(2024, 6, 3) + dt.timedelta(days=35 * i),
                             notes="phase I/II supply"))
    p.batches = batches

    meas: list[Measurement] = []
    for b in batches:
        # process parameters as run (daily mean), then end-point quality results
        for name, unit, sd in (("temperature", "°C", 0.05), ("ph", None, 0.01),
                               ("dissolved_oxygen", "%", 0.8), ("feed_volume", "%", 0.03)):
            prm = p.parameter(name, "production_bioreactor")
            assert prm is not None and isinstance(prm.set_point, float)
            meas.append(Measurement(batch=b.id, unit_operation="production_bioreactor", name=name,
                                    value=round(float(prm.set_point + rng.normal(0, sd)), 3),
                                    unit=unit))
        row = endpoints.get(b.id)
        for qa, (col, mean, sd) in _QA_COLUMNS.items():
            if row is not None and row.get(col) not in (None, ""):
                value = float(row[col])
            else:
                value = round(float(mean + rng.normal(0, sd)), 2)
            a = p.attribute(qa)
            assert a is not None
            meas.append(Measurement(batch=b.id, unit_operation="ufdf", name=qa, time=14.0,
                                    time_unit="d", value=value, unit=a.unit))
        meas.append(Measurement(batch=b.id, unit_operation="ufdf", name="identity",
                                value="conforms"))
    # a daily in-process trend for two batches (long form with time)
    for bid in ("L01", "S01"):
        for day in range(0, 15, 2):
            ph = 7.05 - 0.05 * np.sin(np.pi * day / 14) + rng.normal(0, 0.01)
            osm = 300 + 7 * day + rng.normal(0, 4)
            meas.append(Measurement(batch=bid, unit_operation="production_bioreactor", name="ph",
                                    time=float(day), time_unit="d", value=round(float(ph), 3)))
            meas.append(Measurement(batch=bid, unit_operation="production_bioreactor",
                                    name="osmolality", time=float(day), time_unit="d",
                                    value=round(float(osm), 1), unit="mOsm/kg"))
    p.measurements = meas
    return Project.model_validate(p.model_dump())


def write_demo_project(directory: Path = DEMO_DIR, seed: int = SEED) -> list[Path]:
    """Write the demo project files (project.yaml, process.yaml, data/*.csv) into ``directory``."""
    return save_project(build_demo_project(seed), directory)
