"""The bundled demo project: valid, reproducible from its seeded generator, consistent with the
other demo inputs, and summarised by project_overview."""

from __future__ import annotations

import csv

from qbdkit.model import check_folder, load_project
from qbdkit.model.demo_project import DEMO_DIR, build_demo_project
from qbdkit.model.overview import criterion_text, project_overview


def test_demo_project_is_valid(cli):
    assert check_folder(DEMO_DIR).problems == []
    r = cli("validate", DEMO_DIR)
    assert r.code == 0, r.err


def test_demo_project_content():
    p = load_project(DEMO_DIR)
    assert p.product.modality == "mab"
    assert [u.name for u in p.process.unit_operations][:2] == ["seed_train", "production_bioreactor"]
    kinds = {b.kind for b in p.batches}
    assert kinds == {"at-scale", "small-scale", "clinical"}
    t = p.parameter("temperature", "production_bioreactor")
    assert (t.set_point, t.nor.low, t.nor.high, t.par.low, t.par.high) == (36.0, 35.5, 36.5, 35.0, 37.0)
    assert {a.name for a in p.cqas()} >= {"aggregates", "afucosylation", "hcp"}
    assert any(m.time is not None for m in p.measurements)
    assert any(isinstance(m.value, str) for m in p.measurements)
    assert "SYNTHETIC" in (DEMO_DIR / "README.md").read_text("utf-8")


def test_demo_project_regenerates_identically():
    # the committed files are what the seeded generator writes (measurements compared by count:
    # their end-point values come from the sdm area's files)
    built = build_demo_project()
    loaded = load_project(DEMO_DIR)
    assert built.model_dump(exclude={"measurements"}) == loaded.model_dump(exclude={"measurements"})
    assert len(built.measurements) == len(loaded.measurements)


def test_demo_batches_cover_the_sdm_batches():
    ids = {b.id for b in load_project(DEMO_DIR).batches}
    for name in ("at_scale.csv", "small_scale.csv"):
        path = DEMO_DIR / "sdm" / name
        if path.is_file():
            with path.open(encoding="utf-8-sig", newline="") as f:
                assert {row["batch"] for row in csv.DictReader(f)} <= ids


def test_overview_tables():
    ov = project_overview(load_project(DEMO_DIR))
    assert ov.counts["batches"] == 25  # 10 at scale, 12 small scale (sdm), 3 clinical
    row = next(r for r in ov.parameters if r[1] == "Temperature" and r[0].startswith("Production"))
    assert row[2:7] == ["°C", "36", "35.5–36.5", "35–37", "35–37"]
    agg = next(r for r in ov.attributes if r[0] == "Aggregates (HMW)")
    assert agg[3] == "DS release: ≤ 3 %; DP release: ≤ 5 %" and agg[4] == "yes"
    zh = project_overview(load_project(DEMO_DIR), "zh")
    assert any(r[1] == "温度" for r in zh.parameters)
    assert "QB-101" in ov.summary()
    assert ov.to_dict()["counts"]["CQAs"] == 6


def test_criterion_text_forms():
    from qbdkit.model import Criterion

    assert criterion_text(Criterion(low=2, high=13), "%") == "2–13 %"
    assert criterion_text(Criterion(low=70, typical=True), "%") == "≥ 70 % (typical, confirm)"
    assert criterion_text(Criterion(text="not detected"), None) == "not detected"
