"""Demo stage: the stability programme of QB-101 drug substance.

Stores, in the demo project: the long-term (5 °C, L01–L03, 0–24 months) and accelerated
(25 °C, pre- and post-change lots side by side) studies with their pulls, excursion and
out-of-trend flags; the ICH Q1E shelf life of the aggregate (upper limit 5.0 %, biologic: no
extrapolation beyond the 24 months of real-time data, ICH Q5C); and the out-of-trend check of
the 24-month main peak of L03. Data: ``mab/stability/`` (synthetic, made by
:mod:`qbdkit.demo.synth_stability`).
"""

from __future__ import annotations

from qbdkit.demo.stages import DemoContext

#: record names this stage stores (kind, name)
RECORDS: tuple[tuple[str, str], ...] = (
    ("stability.study", "LT-5C"), ("stability.study", "ACC-25C"),
    ("stability.shelf_life", "DS-aggregate-5C"), ("stability.trend", "L03-main-peak-24m"),
)


def run(d: DemoContext) -> None:
    from qbdkit.services.stability import ShelfLifeRequest, TrendRequest, load_study

    folder = d.project_dir / "stability"
    for name, doc in (("LT-5C", "lt_5c.yaml"), ("ACC-25C", "acc_25c.yaml")):
        state = d.store("stability.study", load_study(folder / doc), name)
        d.say(f"stability: study {name}: {len(state.results)} results, out of trend: "
              f"{', '.join(state.out_of_trend) or 'none'}")
    life = d.store("stability.shelf_life", ShelfLifeRequest(
        file=folder / "long_term.csv", time="month", value="Aggregate (%)", upper=5.0,
        storage="refrigerated", biologic=True, study="LT-5C"), "DS-aggregate-5C")
    d.say(f"stability: shelf life {life.shelf_life:.1f} months estimated, "
          f"{life.supported_shelf_life:g} months supported (no extrapolation, ICH Q5C)")
    d.store("stability.trend", TrendRequest(
        file=folder / "long_term_to_18m.csv", time="month", value="Main peak (%)",
        new_batch="L03", new_time=24, new_value=_value(folder, "L03", 24, "Main peak (%)"),
        study="LT-5C"), "L03-main-peak-24m")


def _value(folder, batch: str, month: int, column: str) -> float:
    """The new result as reported (from the full long-term table)."""
    import csv

    with (folder / "long_term.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["batch"] == batch and int(row["month"]) == month:
                return float(row[column])
    raise LookupError(f"{batch} @ {month}")
