"""Synthetic scale-down model (sdm) qualification data for the bundled mAb demo.

Writes ``src/qbdkit/demo/mab/sdm/`` (see the README there): 10 at-scale 2000 L CHO
fed-batch batches and 12 small-scale runs (6 × 3 L glass bioreactors, 6 × ambr® 250),
with daily trajectories (day 0–14) and end-point results. The numbers are SYNTHETIC —
plausible in size for a CHO mAb fed-batch process at the demo set point (36 °C, pH 7.0,
DO 40 %, feed 3 %; titer ≈ 5 g/L, aggregate ≈ 2 %, afucosylation ≈ 8 %, HCP ≈ 60 ng/mg
as in :mod:`qbdkit.demo.synth_doe`), not measurements.

Trajectory model per batch b (day t, batch effects drawn once per batch):

* VCD (10⁶ cells/mL): logistic growth ``X(t) = X0·e^{μt} / (1 + X0/Xmax·(e^{μt} − 1))``,
  X0 = 0.5, μ ~ N(0.62, 0.015), Xmax ~ N(21, 0.8), times ``e^{−kd·max(0, t − 10)}``,
  kd ~ N(0.06, 0.01);
* viability (%): ``98.5 − dv·max(0, t − 8)^1.5``, dv ~ N(0.75, 0.06);
* glucose (g/L): ``6 − 2.2·(1 − e^{−t/5}) + 0.25·sin(πt/2)`` (daily feeds);
* lactate (g/L): ``Lp·(t/5)·e^{1 − t/5}`` up to day 5 (peak Lp ~ N(2.4, 0.12)), then
  consumed: ``Lp·(0.45 + 0.55·e^{−0.35(t − 5)})`` (lactate shift);
* titer (g/L): ``qp · IVCD(t)`` (trapezoidal integral of VCD, 10⁶ cells·day/mL),
  qp ~ N(0.0312, 0.0011) g/L per unit IVCD, so day 14 ≈ 5 g/L;
* pH: ``7.05 − 0.12·L(t)/2.4 + 0.05·(1 − e^{−t/7})``; osmolality (mOsm/kg):
  ``300 + 7·t + 10·L(t)/2.4``.

Each measurement adds independent noise (SD: VCD 3 %, viability 0.4, glucose 0.15,
lactate 0.08, titer 2 %, pH 0.01, osmolality 4). The small-scale runs share the model
with small offsets (viability +0.3 %, osmolality −2). Run
``S07`` (an ambr® 250 vessel) has no lactate shift from day 6 on (lactate keeps rising,
pH and viability fall, titer lags): the drifting run that leaves the ± 3 SD limits.

End-point results: titer, viability, lactate on day 14, peak VCD, from the trajectories;
ammonium N(6.0, 0.45) mmol/L, aggregate N(2.0, 0.12) %, acidic N(22, 0.9) % and basic
N(13, 0.7) % variants (main peak = 100 − acidic − basic), afucosylation N(8.0, 0.3) %,
galactosylation N(35, 1.5) %, HCP N(60, 5) ng/mg, drawn per batch, the same at both
scales; the drifting run is shifted (ammonium +2.5, aggregate +0.45, acidic +2.5,
afucosylation +0.9, galactosylation −4, HCP +8).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

SEED = 6
#: small-scale runs: S01–S06 in 3 L glass bioreactors, S07–S12 in ambr® 250 vessels; 11 runs
#: besides the drifting one give every attribute ≥ 90 % TOST power with the 10 at-scale
#: batches (margin 1.5 at-scale SD, true difference 0: 8 runs for 80 %, 11 for 90 %)
N_SMALL = 12
N_3L = 6
DAYS = np.arange(15)
OUT_DIR = Path(__file__).parent / "mab" / "sdm"
TRAJECTORY_VARIABLES = ("VCD (1e6 cells/mL)", "Viability (%)", "Glucose (g/L)", "Lactate (g/L)",
                        "Titer (g/L)", "pH", "Osmolality (mOsm/kg)")
DRIFTING_RUN = "S07"


def _trajectory(rng: np.random.Generator, *, drift: bool = False, viability_offset: float = 0.0,
                osmo_offset: float = 0.0, noise: float = 1.0) -> dict[str, np.ndarray]:
    t = DAYS.astype(float)
    mu = rng.normal(0.62, 0.015)
    xmax = rng.normal(21.0, 0.8)
    kd = rng.normal(0.06, 0.01)
    x0 = 0.5
    g = np.exp(mu * t)
    vcd = x0 * g / (1 + x0 / xmax * (g - 1)) * np.exp(-kd * np.maximum(0.0, t - 10))
    dv = rng.normal(0.75, 0.06)
    via = 98.5 + viability_offset - dv * np.maximum(0.0, t - 8) ** 1.5
    lp = rng.normal(2.4, 0.12)
    # rises to lp at day 5, then consumed (lactate shift)
    lac = np.where(t <= 5, lp * (t / 5) * np.exp(1 - t / 5),
                   lp * (0.45 + 0.55 * np.exp(-0.35 * (t - 5))))
    if drift:
        lac = np.where(t <= 5, lac, lp + 0.38 * (t - 5))
        via = via - 0.9 * np.maximum(0.0, t - 6) ** 1.25
        vcd = vcd * np.exp(-0.045 * np.maximum(0.0, t - 6) ** 1.3)
    gluc = 6.0 - 2.2 * (1 - np.exp(-t / 5)) + 0.25 * np.sin(np.pi * t / 2)
    ivcd = np.concatenate([[0.0], np.cumsum((vcd[1:] + vcd[:-1]) / 2)])
    qp = rng.normal(0.0312, 0.0011)
    titer = qp * ivcd
    ph = 7.05 - 0.12 * lac / 2.4 + 0.05 * (1 - np.exp(-t / 7))
    osmo = 300 + osmo_offset + 7 * t + 10 * lac / 2.4
    n = t.size
    return {
        "VCD (1e6 cells/mL)": vcd * (1 + rng.normal(0, 0.03 * noise, n)),
        "Viability (%)": np.minimum(via + rng.normal(0, 0.4 * noise, n), 100.0),
        "Glucose (g/L)": gluc + rng.normal(0, 0.15 * noise, n),
        "Lactate (g/L)": np.maximum(lac + rng.normal(0, 0.08 * noise, n), 0.0),
        "Titer (g/L)": titer * (1 + rng.normal(0, 0.02 * noise, n)),
        "pH": ph + rng.normal(0, 0.01 * noise, n),
        "Osmolality (mOsm/kg)": osmo + rng.normal(0, 4 * noise, n),
    }


def _endpoints(rng: np.random.Generator, traj: dict[str, np.ndarray], *,
               drift: bool = False) -> dict[str, float]:
    acidic = rng.normal(22.0 + (2.5 if drift else 0.0), 0.9)
    basic = rng.normal(13.0, 0.7)
    return {
        "Titer (g/L)": round(float(traj["Titer (g/L)"][-1]), 3),
        "Viability (%)": round(float(traj["Viability (%)"][-1]), 1),
        "Peak VCD (1e6 cells/mL)": round(float(np.max(traj["VCD (1e6 cells/mL)"])), 2),
        "Lactate (g/L)": round(float(traj["Lactate (g/L)"][-1]), 2),
        "Ammonium (mmol/L)": round(float(rng.normal(6.0 + (2.5 if drift else 0.0), 0.45)), 2),
        "Aggregate (%)": round(float(rng.normal(2.0 + (0.45 if drift else 0.0), 0.12)), 2),
        "Acidic variants (%)": round(float(acidic), 1),
        "Main peak (%)": round(float(100 - acidic - basic), 1),
        "Basic variants (%)": round(float(basic), 1),
        "Afucosylation (%)": round(float(rng.normal(8.0 + (0.9 if drift else 0.0), 0.3)), 2),
        "Galactosylation (%)": round(float(rng.normal(35.0 - (4.0 if drift else 0.0), 1.5)), 1),
        "HCP (ng/mg)": round(float(rng.normal(60.0 + (8.0 if drift else 0.0), 5.0)), 1),
    }


def _round(traj: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    digits = {"VCD (1e6 cells/mL)": 2, "Viability (%)": 1, "Glucose (g/L)": 2, "Lactate (g/L)": 2,
              "Titer (g/L)": 3, "pH": 3, "Osmolality (mOsm/kg)": 0}
    return {k: np.round(v, digits[k]) for k, v in traj.items()}


def generate(seed: int = SEED) -> dict[str, pd.DataFrame]:
    """The four demo tables (reproducible with ``seed``)."""
    rng = np.random.default_rng(seed)
    at_rows, at_traj = [], []
    for i in range(10):
        b = f"L{i + 1:02d}"
        traj = _round(_trajectory(rng))
        at_rows.append({"batch": b, "scale": "2000 L", **_endpoints(rng, traj)})
        at_traj.append(pd.DataFrame({"batch": b, "day": DAYS, **traj}))
    small_rows, small_traj = [], []
    for i in range(N_SMALL):
        b = f"S{i + 1:02d}"
        scale = "3 L" if i < N_3L else "ambr 250"
        drift = b == DRIFTING_RUN
        traj = _round(_trajectory(rng, drift=drift, viability_offset=0.3, osmo_offset=-2.0))
        small_rows.append({"batch": b, "scale": scale,
                           **_endpoints(rng, traj, drift=drift)})
        small_traj.append(pd.DataFrame({"batch": b, "day": DAYS, **traj}))
    return {
        "at_scale.csv": pd.DataFrame(at_rows),
        "small_scale.csv": pd.DataFrame(small_rows),
        "trajectories_at_scale.csv": pd.concat(at_traj, ignore_index=True),
        "trajectories_small_scale.csv": pd.concat(small_traj, ignore_index=True),
    }


def write(out_dir: Path = OUT_DIR, seed: int = SEED) -> list[Path]:
    """Write the demo CSV files (UTF-8) into ``out_dir``; return their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, frame in generate(seed).items():
        p = out_dir / name
        frame.to_csv(p, index=False, encoding="utf-8", lineterminator="\n")
        paths.append(p)
    return paths


if __name__ == "__main__":  # pragma: no cover
    for p in write():
        print(p)
