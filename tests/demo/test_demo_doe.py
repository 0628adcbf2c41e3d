"""The demo's DoE stage (qbdkit.demo.doe): one story from the C&E to the accepted PAR/NOR."""

from __future__ import annotations

from pathlib import Path

import yaml

import qbdkit
from qbdkit.demo.doe import results_definitions, write_results_definitions

DEMO = Path(qbdkit.__file__).parent / "demo" / "mab"


def test_committed_results_definitions_match_the_generator(tmp_path):
    written = write_results_definitions(tmp_path)
    committed = DEMO / "doe" / "results.factors.yaml"
    assert written.read_text(encoding="utf-8") == committed.read_text(encoding="utf-8")
    assert yaml.safe_load(committed.read_text(encoding="utf-8")) == results_definitions()


def test_stage_stores_records_and_accepts_the_design_space(tmp_path):
    from qbdkit.demo import doe as stage
    from qbdkit.demo.stages import STAGE_MODULES, DemoContext
    from qbdkit.services.auth import local_user
    from qbdkit.services.base import Context
    from qbdkit.services.projects import import_project, project_document
    from qbdkit.services.records import list_records, rerun

    assert "qbdkit.demo.doe" in STAGE_MODULES
    url = f"sqlite:///{tmp_path / 'demo.sqlite'}"
    user = local_user(url)
    imported = import_project(DEMO, user=user, url=url)
    said: list[str] = []
    ctx = Context(user=user, url=url)
    d = DemoContext(ctx, imported.project, DEMO, tmp_path / "out", said.append)
    stage.run(d)   # stores the C&E itself when the risk stage has not run
    records = {(r["kind"], r["key"]) for r in list_records(d.project, url=url).records}
    assert {("risk.ce", "ce"), ("doe.design", "screening"), ("doe.design", "response-surface"),
            ("doe.analysis", "response-surface"), ("doe.reassess", "bioreactor"),
            ("doe.design_space", "bioreactor"), ("doe.optimize", "bioreactor")} <= records
    assert (tmp_path / "out" / "doe_response_surface_runs.csv").exists()
    assert (tmp_path / "out" / "doe_response_surface_runs.factors.yaml").exists()
    assert any("factors from risk.ce/ce v1" in s for s in said)
    doc = project_document(d.project, url=url)
    assert doc["version"] == 3  # design space, then classes
    uo = next(u for u in doc["document"]["process"]["unit_operations"]
              if u["name"] == "production_bioreactor")
    params = {p["name"]: p for p in uo["parameters"]}
    t = params["temperature"]
    assert (t["par"]["low"], t["par"]["high"]) == (35.0, 36.31)  # the design space's PAR
    assert (t["nor"]["low"], t["nor"]["high"]) == (35.3, 35.9) and t["set_point"] == 35.6
    assert params["dissolved_oxygen"]["classification"] == "GPP"
    assert params["seeding_density"]["par"] == {"low": 0.7, "high": 1.3, "unit": None}
    assert rerun(d.project, "doe.design_space", "bioreactor", ctx=ctx).identical
