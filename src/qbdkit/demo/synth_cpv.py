"""Synthetic PPQ and commercial batches for the bundled mAb demo (SYNTHETIC data).

Writes ``src/qbdkit/demo/mab/ppq/`` and ``src/qbdkit/demo/mab/cpv/`` (see the READMEs
there) and then the demo project's data files (``data/batches.csv``,
``data/measurements.csv``) through :func:`qbdkit.model.demo_project.write_demo_project`,
which reads the batch and measurement tables written here:

* ``ppq/batches.csv``, ``ppq/measurements.csv`` — three commercial-scale (2000 L) PPQ
  batches PPQ01–PPQ03 (January–February 2026);
* ``ppq/results.csv`` — the same PPQ results as the long table ``batch, item, value`` that
  ``qbdkit ppq evaluate`` reads (potency in triplicate: three assay runs per batch);
* ``cpv/batches.csv``, ``cpv/measurements.csv`` — thirty commercial batches D001–D030 made
  every ten days from April 2026.

Model (per batch, independent normal draws): as-run parameters at the set points the demo's
DoE stage accepts from its design space (:mod:`qbdkit.demo.doe`: temperature 35.6 °C, feed
2.8 %; inside the NOR of the project before that stage too) — temperature 35.6 ± 0.04 °C,
pH 7.00 ± 0.015, DO 40 ± 0.8 %, feed 2.80 ± 0.04 %, seeding density 1.00 ± 0.03 ×10⁶ cells/mL, culture duration
14.0 ± 0.05 d, agitation 110 ± 3 rpm, protein A load 35 ± 1.2 g/L resin, VI pH
3.60 ± 0.03, VI time 90 ± 3 min, VI temperature 20 ± 0.5 °C; release results — aggregates
1.75 ± 0.15 %, afucosylation 8.0 ± 0.3 %, galactosylation 35 ± 1.4 %, HCP 42 ± 4 ng/mg,
endotoxin 0.15 ± 0.05 EU/mL (at least 0.05, the quantitation limit), potency 100 ± 5 %
(assay repeatability 3 %).

Events planted for the CPV review (commercial batches): from D018 on a new medium lot
raises afucosylation by 0.5 % (a run on one side of the centre line); D023 ran at
35.2 °C (below the NOR — 35.5–36.5 in the project, 35.3–35.9 after the DoE stage — inside
the PAR from 35.0); HCP creeps up by 1.5 ng/mg per batch from
D021 on (protein A resin ageing); D024 has 3.12 % aggregates (out of the ≤ 3 % DS
specification). The numbers are plausible in size for a CHO fed-batch mAb but are not
measurements. The seed was chosen among 60 consecutive seeds as one whose unplanted items
raise few false alarms under all eight Nelson rules, so the demo's review is about the
planted events.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

SEED = 20261206
MAB_DIR = Path(__file__).parent / "mab"
SITE = "Suzhou DS plant (synthetic)"
VESSEL = "2000 L single-use bioreactor"
PPQ_DATES = (dt.date(2026, 1, 12), dt.date(2026, 2, 2), dt.date(2026, 2, 23))
FIRST_COMMERCIAL = dt.date(2026, 4, 6)
N_COMMERCIAL = 30

#: (unit operation, parameter, unit, mean, SD, decimals)
PARAMETERS = (
    ("production_bioreactor", "temperature", "°C", 35.6, 0.04, 2),
    ("production_bioreactor", "ph", None, 7.0, 0.015, 3),
    ("production_bioreactor", "dissolved_oxygen", "%", 40.0, 0.8, 1),
    ("production_bioreactor", "feed_volume", "%", 2.8, 0.04, 2),
    ("production_bioreactor", "seeding_density", "×10^6 cells/mL", 1.0, 0.03, 3),
    ("production_bioreactor", "culture_duration", "d", 14.0, 0.05, 2),
    ("production_bioreactor", "agitation", "rpm", 110.0, 3.0, 0),
    ("protein_a", "load", "g/L resin", 35.0, 1.2, 1),
    ("low_ph_vi", "vi_ph", None, 3.6, 0.03, 2),
    ("low_ph_vi", "vi_time", "min", 90.0, 3.0, 0),
    ("low_ph_vi", "vi_temperature", "°C", 20.0, 0.5, 1),
)
#: (attribute, unit, mean, SD, decimals) — DS release results, sampled after UF/DF
ATTRIBUTES = (
    ("aggregates", "%", 1.75, 0.15, 2),
    ("afucosylation", "%", 8.0, 0.3, 2),
    ("galactosylation", "%", 35.0, 1.4, 1),
    ("hcp", "ng/mg", 42.0, 4.0, 1),
    ("endotoxin", "EU/mL", 0.15, 0.05, 2),
    ("potency", "%", 100.0, 5.0, 0),
)
RELEASE_STEP = "ufdf"
POTENCY_REPEATABILITY = 3.0


def _batches() -> pd.DataFrame:
    rows = [{"batch": f"PPQ{i + 1:02d}", "kind": "PPQ", "scale": 2000, "scale_unit": "L",
             "site": SITE, "date": d.isoformat(), "study": "ppq",
             "notes": "process performance qualification", "vessel": VESSEL}
            for i, d in enumerate(PPQ_DATES)]
    rows += [{"batch": f"D{i + 1:03d}", "kind": "at-scale", "scale": 2000, "scale_unit": "L",
              "site": SITE, "date": (FIRST_COMMERCIAL + dt.timedelta(days=10 * i)).isoformat(),
              "study": "", "notes": "commercial", "vessel": VESSEL}
             for i in range(N_COMMERCIAL)]
    return pd.DataFrame(rows)


def _events(batch: str, name: str, value: float) -> float:
    """The planted events (module docstring)."""
    if not batch.startswith("D"):
        return value
    k = int(batch[1:])
    if name == "temperature" and k == 23:
        return 35.2
    if name == "afucosylation" and k >= 18:
        return value + 0.5
    if name == "hcp" and k >= 21:
        return value + 1.5 * (k - 20)
    if name == "aggregates" and k == 24:
        return 3.12
    return value


def generate(seed: int = SEED) -> dict[str, pd.DataFrame]:
    """The demo tables (see the module docstring), keyed by ``folder/file``."""
    rng = np.random.default_rng(seed)
    batches = _batches()
    meas: list[dict] = []
    results: list[dict] = []
    for b in batches["batch"]:
        ppq = b.startswith("PPQ")
        for uo, name, unit, mean, sd, dec in PARAMETERS:
            v = round(_events(b, name, float(mean + sd * rng.standard_normal())), dec)
            meas.append({"batch": b, "unit_operation": uo, "name": name, "time": None,
                         "time_unit": None, "value": v, "unit": unit})
            if ppq:
                results.append({"batch": b, "item": name, "value": v})
        for name, unit, mean, sd, dec in ATTRIBUTES:
            true = _events(b, name, float(mean + sd * rng.standard_normal()))
            if name == "endotoxin":
                true = max(0.05, true)
            reps = 3 if (ppq and name == "potency") else 1
            for _ in range(reps):
                v = true if reps == 1 else true + POTENCY_REPEATABILITY * rng.standard_normal()
                v = round(v, dec)
                meas.append({"batch": b, "unit_operation": RELEASE_STEP, "name": name,
                             "time": None, "time_unit": None, "value": v, "unit": unit})
                if ppq:
                    results.append({"batch": b, "item": name, "value": v})
        meas.append({"batch": b, "unit_operation": RELEASE_STEP, "name": "identity",
                     "time": None, "time_unit": None, "value": "conforms", "unit": None})
    frame = pd.DataFrame(meas)
    is_ppq = frame["batch"].str.startswith("PPQ")
    return {
        "ppq/batches.csv": batches[batches["kind"] == "PPQ"].reset_index(drop=True),
        "ppq/measurements.csv": frame[is_ppq].reset_index(drop=True),
        "ppq/results.csv": pd.DataFrame(results),
        "cpv/batches.csv": batches[batches["kind"] != "PPQ"].reset_index(drop=True),
        "cpv/measurements.csv": frame[~is_ppq].reset_index(drop=True),
    }


def write(mab_dir: Path = MAB_DIR, seed: int = SEED, *, project: bool = True) -> list[Path]:
    """Write the tables into ``mab_dir`` (UTF-8) and, with ``project``, the demo project's
    data files through the project generator; return the paths written."""
    paths = []
    for rel, frame in generate(seed).items():
        p = mab_dir / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        frame.to_csv(p, index=False, encoding="utf-8", lineterminator="\n")
        paths.append(p)
    if project:
        from qbdkit.model.demo_project import write_demo_project

        paths += write_demo_project(mab_dir)
    return paths


if __name__ == "__main__":  # pragma: no cover
    for p in write():
        print(p)
