"""Synthetic stability and post-change data for the bundled mAb demo (seed 20261201).

Writes ``src/qbdkit/demo/mab/stability/`` and ``src/qbdkit/demo/mab/change/`` (see the
README files there). Every number is SYNTHETIC — plausible in size for a CHO mAb drug
substance, not measured:

* **Long-term, 5 °C ± 3 °C** (``stability/long_term.csv``): lots L01–L03 (the first three
  2000 L lots of ``sdm/at_scale.csv``, whose release aggregate and main peak start the
  series) at 0, 3, 6, 9, 12, 18, 24 months. Aggregate (%) rises linearly, slope per lot
  ~ N(0.085, 0.008) %/month, measurement SD 0.04; main peak (%) falls, slope
  ~ N(−0.12, 0.01) %/month, SD 0.25; potency (%) falls, slope ~ N(−0.25, 0.05) %/month,
  start ~ N(101, 2.5), SD 3. One planted out-of-trend result: the 24-month main peak of L03
  is 2.3 % below its line (``stability/long_term_to_18m.csv`` is the data before that pull).
* **Accelerated, 25 °C ± 2 °C / 60 % RH** (``stability/accelerated.csv``): L01–L03
  (pre-change) and P01–P03 (post-change, 5000 L) at 0, 1, 2, 3, 6 months side by side:
  aggregate slope ~ N(0.45, 0.03) %/month, main peak slope ~ N(−1.1, 0.06) %/month.
  ``change/accelerated_pre_post.csv`` is the aggregate series in the long layout that the
  slope comparison reads (lot, group pre/post, month, value).
* **Post-change lots** (``change/post_change_lots.csv``): P01–P03 made at 5000 L, quality
  attributes drawn from the same distributions as the 2000 L lots of
  :mod:`qbdkit.demo.synth_sdm` (aggregate N(2.0, 0.12) %, acidic N(22, 0.9) %, basic
  N(13, 0.7) % — main peak = 100 − acidic − basic —, afucosylation N(8.0, 0.3) %,
  galactosylation N(35, 1.5) %, HCP N(60, 5) ng/mg), with their own seed ``POST_SEED``.
  ``change/pre_change_lots.csv`` is L01–L10 copied from ``sdm/at_scale.csv``.

  **The post-change seed was chosen.** Drawn from the *same* distributions, only 6 of the 60
  seeds 20261201–20261260 give a draw that the demo's tier plan (aggregate in tier 1, charge
  variants, afucosylation, galactosylation and HCP in tier 2, basic variants in tier 3, PCA)
  concludes comparable: with 3 post-change lots a tier-1 TOST at ±1.5 σ_R has about 37 %
  power at zero true difference, and the 95 % PCA limits flag at least one of three
  in-distribution lots in a sizable share of draws. ``POST_SEED`` = 20261220 is one of the
  six (a tier-3 attribute outside the pre-change range is left for graphical review); it
  shows the workflow, not the power of 3 lots.

Run ``python -m qbdkit.demo.synth_stability`` to regenerate (same seed, same files).
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

SEED = 20261201
POST_SEED = 20261220
HERE = Path(__file__).parent / "mab"
LT_MONTHS = (0, 3, 6, 9, 12, 18, 24)
ACC_MONTHS = (0, 1, 2, 3, 6)
QUALITY = ("Aggregate (%)", "Acidic variants (%)", "Main peak (%)", "Basic variants (%)",
           "Afucosylation (%)", "Galactosylation (%)", "HCP (ng/mg)")
PLANTED_OOT = ("L03", 24, "Main peak (%)", -2.3)


def _at_scale() -> list[dict[str, str]]:
    with (HERE / "sdm" / "at_scale.csv").open(encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


def _write(path: Path, header: list[str], rows: list[list]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def generate(root: Path = HERE) -> list[Path]:
    rng = np.random.default_rng(SEED)
    lots = {r["batch"]: r for r in _at_scale()}
    pre3 = ["L01", "L02", "L03"]
    # post-change lots (5000 L), their own seed (see the module docstring)
    post: dict[str, dict[str, float]] = {}
    rng_post = np.random.default_rng(POST_SEED)
    for lot in ("P01", "P02", "P03"):
        acidic, basic = rng_post.normal(22, 0.9), rng_post.normal(13, 0.7)
        post[lot] = {"Aggregate (%)": round(rng_post.normal(2.0, 0.12), 2),
                     "Acidic variants (%)": round(acidic, 1),
                     "Main peak (%)": round(100 - round(acidic, 1) - round(basic, 1), 1),
                     "Basic variants (%)": round(basic, 1),
                     "Afucosylation (%)": round(rng_post.normal(8.0, 0.3), 2),
                     "Galactosylation (%)": round(rng_post.normal(35, 1.5), 1),
                     "HCP (ng/mg)": round(rng_post.normal(60, 5), 1)}
    start = {b: {"Aggregate (%)": float(lots[b]["Aggregate (%)"]),
                 "Main peak (%)": float(lots[b]["Main peak (%)"])} for b in pre3}
    start.update({b: {k: post[b][k] for k in ("Aggregate (%)", "Main peak (%)")} for b in post})
    # long-term 5 °C
    lt_rows = []
    for b in pre3:
        agg_slope, mp_slope = rng.normal(0.085, 0.008), rng.normal(-0.12, 0.01)
        pot0, pot_slope = rng.normal(101, 2.5), rng.normal(-0.25, 0.05)
        for m in LT_MONTHS:
            agg = start[b]["Aggregate (%)"] + agg_slope * m + (rng.normal(0, 0.04) if m else 0)
            mp = start[b]["Main peak (%)"] + mp_slope * m + (rng.normal(0, 0.25) if m else 0)
            pot = pot0 + pot_slope * m + rng.normal(0, 3)
            if (b, m) == PLANTED_OOT[:2]:
                mp += PLANTED_OOT[3]
            lt_rows.append([b, m, round(agg, 2), round(mp, 1), f"{pot:.0f}"])
    # accelerated 25 °C, pre and post side by side
    acc_rows, slope_rows = [], []
    for b in [*pre3, *post]:
        agg_slope, mp_slope = rng.normal(0.45, 0.03), rng.normal(-1.1, 0.06)
        for m in ACC_MONTHS:
            agg = start[b]["Aggregate (%)"] + agg_slope * m + (rng.normal(0, 0.06) if m else 0)
            mp = start[b]["Main peak (%)"] + mp_slope * m + (rng.normal(0, 0.3) if m else 0)
            acc_rows.append([b, m, round(agg, 2), round(mp, 1)])
            slope_rows.append([b, "pre" if b in pre3 else "post", m, round(agg, 2)])
    files = []
    lt_head = ["batch", "month", "Aggregate (%)", "Main peak (%)", "Potency (%)"]
    _write(root / "stability" / "long_term.csv", lt_head, lt_rows)
    _write(root / "stability" / "long_term_to_18m.csv", lt_head,
           [r for r in lt_rows if r[1] <= 18])
    _write(root / "stability" / "accelerated.csv",
           ["batch", "month", "Aggregate (%)", "Main peak (%)"], acc_rows)
    _write(root / "change" / "accelerated_pre_post.csv",
           ["lot", "group", "month", "Aggregate (%)"], slope_rows)
    _write(root / "change" / "pre_change_lots.csv", ["lot", *QUALITY],
           [[b, *(lots[b][q] for q in QUALITY)] for b in lots])
    _write(root / "change" / "post_change_lots.csv", ["lot", *QUALITY],
           [[b, *(post[b][q] for q in QUALITY)] for b in post])
    files += _studies(root)
    files += [root / "stability" / n for n in ("long_term.csv", "long_term_to_18m.csv",
                                               "accelerated.csv")]
    files += [root / "change" / n for n in ("accelerated_pre_post.csv", "pre_change_lots.csv",
                                            "post_change_lots.csv")]
    return files


#: the day each lot went on study (long-term L01–L03; accelerated all six side by side)
LT_START = {"L01": "2024-10-14", "L02": "2024-11-04", "L03": "2024-11-25"}
ACC_START = "2026-05-11"
#: pulls done late: (study, lot, month) → days
LATE = {("LT-5C", "L02", 12): 5}


def _pull_dates(study: str, lot: str, start: str, months: tuple[int, ...]) -> list[dict]:
    import datetime as dt

    day0 = dt.date.fromisoformat(start)
    out = []
    for m in months:
        planned = day0 + dt.timedelta(days=round(30.4375 * m))
        actual = planned + dt.timedelta(days=LATE.get((study, lot, m), 0))
        out.append({"batch": lot, "time": m, "planned": planned.isoformat(),
                    "actual": actual.isoformat(), "samples": 3})
    return out


def _studies(root: Path) -> list[Path]:
    """The two study documents (YAML) the demo stores as ``stability.study`` records."""
    import yaml

    tests_lt = ["SEC-HPLC (aggregate)", "CEX-HPLC (charge variants)", "potency"]
    lt = {
        "name": "LT-5C", "material": "drug substance QB-101", "condition": "long-term",
        "storage": "5 °C ± 3 °C", "time_unit": "month", "protocol": "STB-QB101-DS-01",
        "batches": list(LT_START),
        "time_points": [{"time": m, "tests": list(tests_lt)} for m in (*LT_MONTHS, 30, 36)],
        "pulls": [p for b, d in LT_START.items() for p in _pull_dates("LT-5C", b, d, LT_MONTHS)],
        "excursions": [{"start": "2025-07-19T02:10:00", "end": "2025-07-19T05:40:00",
                        "extreme": "9.8 °C", "cause": "chamber compressor trip; alarm answered",
                        "impact": "none expected: 3.5 h at ≤ 10 °C, within the excursion "
                                  "allowance of the protocol", "deviation": "DEV-2025-044"}],
        "results_file": "long_term.csv", "time_column": "month",
        "specification": {"Aggregate (%)": [None, 5.0], "Potency (%)": [70.0, 130.0]},
    }
    acc = {
        "name": "ACC-25C", "material": "drug substance QB-101, pre- and post-change lots",
        "condition": "accelerated", "storage": "25 °C ± 2 °C / 60 % ± 5 % RH",
        "time_unit": "month", "protocol": "STB-QB101-CC-2026-007",
        "batches": ["L01", "L02", "L03", "P01", "P02", "P03"],
        "time_points": [{"time": m, "tests": list(tests_lt[:2])} for m in ACC_MONTHS],
        "pulls": [p for b in ("L01", "L02", "L03", "P01", "P02", "P03")
                  for p in _pull_dates("ACC-25C", b, ACC_START, ACC_MONTHS)],
        "results_file": "accelerated.csv", "time_column": "month",
    }
    out = []
    for name, doc in (("lt_5c.yaml", lt), ("acc_25c.yaml", acc)):
        path = root / "stability" / name
        head = ("# Stability study document (synthetic demo; written by "
                "qbdkit.demo.synth_stability)\n")
        path.write_text(head + yaml.safe_dump(doc, allow_unicode=True, sort_keys=False,
                                              width=100), encoding="utf-8")
        out.append(path)
    return out


if __name__ == "__main__":  # pragma: no cover
    for f in generate():
        print(f)
