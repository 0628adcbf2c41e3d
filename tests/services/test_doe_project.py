"""The DoE stage's hand-on with the project through the Python API (services), on SQLite and
PostgreSQL, acting as a scientist of a multi-user store: factors from the risk assessment,
parameter matching, accepting a design space (and refusing what would not nest)."""

from __future__ import annotations

from pathlib import Path

import pytest

import qbdkit
from qbdkit.errors import QbdInputError
from qbdkit.services.base import Context

DEMO = Path(qbdkit.__file__).parent / "demo" / "mab"


@pytest.fixture
def stored(team, db_url):
    """The demo project in a multi-user store with its risk assessments, as `sci`."""
    from qbdkit.services.projects import import_project
    from qbdkit.services.risk import store_folder

    imported = import_project(DEMO, user="sci", url=db_url)
    store_folder(imported.project, DEMO / "risk", user="sci", reason="risk", url=db_url)
    return Context(user="sci", url=db_url)


def _model():
    from qbdkit.model import load_project

    return load_project(DEMO)


def test_matching_rules():
    from qbdkit.services.doe_project import match_attribute, match_parameters

    project = _model()
    uo, found = match_parameters(project, ["Temperature (°C)", "DO (%)", "Feed (%)", "pH",
                                           "Culture duration (d)"])
    assert uo.name == "production_bioreactor"
    assert {k: v.name for k, v in found.items()} == {
        "Temperature (°C)": "temperature", "DO (%)": "dissolved_oxygen",
        "Feed (%)": "feed_volume", "pH": "ph", "Culture duration (d)": "culture_duration"}
    with pytest.raises(QbdInputError, match="which unit operation"):
        match_parameters(project, ["Temperature"])  # harvest, bioreactor, VI, fill …
    _uo, found = match_parameters(project, ["Temperature"], "harvest")
    assert found["Temperature"].name == "harvest_temperature"
    with pytest.raises(QbdInputError, match="no parameter of the project matches"):
        match_parameters(project, ["Stirrer colour"])
    assert match_attribute(project, "Aggregate (%)").name == "aggregates"
    assert match_attribute(project, "HCP (ng/mg)").name == "hcp"
    assert match_attribute(project, "Titer (g/L)") is None


def test_project_factors_from_the_latest_ce(stored):
    from qbdkit.services.doe import DesignRequest
    from qbdkit.services.doe_project import project_factors
    from qbdkit.services.records import get_record, run_and_store

    fields, notes = project_factors("demo-mab", url=stored.url)
    assert [d["name"] for d in fields["factor_defs"]] == [
        "Temperature (°C)", "Feed (%)", "pH", "Culture duration (d)", "DO (%)"]
    assert fields["source"] == {"project": "demo-mab", "project_version": 1, "kind": "risk.ce",
                                "name": "ce", "version": 1}
    assert "factors from risk.ce/ce v1 of project demo-mab v1" in notes[0]
    # the demo's committed factors.yaml says the same (one story)
    import yaml

    committed = yaml.safe_load((DEMO / "doe" / "factors.yaml").read_text(encoding="utf-8"))
    for mine, theirs in zip(fields["factor_defs"], committed["factors"], strict=True):
        assert (mine["name"], mine["low"], mine["high"]) == (theirs["name"], theirs["low"],
                                                             theirs["high"])
        assert fields["parameters"][mine["name"]] == theirs["parameter"]
    req = DesignRequest(**fields, type="dsd", seed=1)
    result, saved = run_and_store("doe.design", req, stored, project="demo-mab",
                                  name="screening", reason="factors from the C&E")
    record = get_record("demo-mab", "doe.design", "screening", url=stored.url)
    assert record["content"]["result"]["source"]["kind"] == "risk.ce"
    assert record["user"] == "sci" and saved.version == 1
    hcp = next(r for r in result.responses if r["name"] == "HCP (ng/mg)")
    assert hcp == {"name": "HCP (ng/mg)", "attribute": "hcp", "kind": "cqa", "low": None,
                   "high": 100.0, "unit": "ng/mg"}


def test_factors_from_an_fmea_naming_parameters(stored):
    from qbdkit.core.risk import fmea
    from qbdkit.io import read_table
    from qbdkit.services.doe_project import project_factors
    from qbdkit.services.risk import store_assessment

    table = read_table(DEMO / "risk" / "fmea.csv")
    result = fmea(table)
    with pytest.raises(QbdInputError, match="the FMEA names no process parameter"):
        store_assessment("demo-mab", "fmea", "fmea-plain", result, user="sci", reason="x",
                         url=stored.url)
        project_factors("demo-mab", url=stored.url)
    rows = [dict(r) for r in result.rows]
    for r in rows:
        # B01 has action priority L (not a potential CPP); B02 M, B03 H
        r["parameter"] = {"B01": "agitation", "B02": "ph", "B03": "temperature"}.get(r["id"], "")
    import dataclasses

    store_assessment("demo-mab", "fmea", "fmea-params", dataclasses.replace(result, rows=rows),
                     user="sci", reason="with parameters", url=stored.url)
    fields, _ = project_factors("demo-mab", url=stored.url)
    assert fields["source"]["kind"] == "risk.fmea"
    assert sorted(d["name"] for d in fields["factor_defs"]) == ["ph", "temperature"]
    # responses: every CQA with a numeric acceptance criterion
    names = {r["name"] for r in fields["response_defs"]}
    assert "Aggregates (HMW) (%)" in names and "Host cell protein (ng/mg)" in names


def test_accept_as_a_scientist_and_not_as_a_viewer(stored, tmp_path):
    from qbdkit.errors import PermissionDenied
    from qbdkit.services.doe import DesignSpaceRequest, sidecar_for
    from qbdkit.services.projects import accept_record, project_document
    from qbdkit.services.records import run_and_store

    csv = DEMO / "doe" / "results.csv"
    req = DesignSpaceRequest(file=csv, factors_file=sidecar_for(csv),
                             specs=["Aggregate (%)<=2.2", "HCP (ng/mg)<=100"], grid=7,
                             draws=500, seed=2,
                             control_sd={"pH": 0.02, "Temperature (°C)": 0.05})
    run_and_store("doe.design_space", req, stored, project="demo-mab", name="ds", reason="ds")
    with pytest.raises(PermissionDenied):
        accept_record("demo-mab", "doe.design_space", "ds", None,
                      Context(user="view", url=stored.url), "viewers cannot")
    with pytest.raises(QbdInputError, match="a reason is required"):
        accept_record("demo-mab", "doe.design_space", "ds", None, stored, "")
    res = accept_record("demo-mab", "doe.design_space", "ds", None, stored, "accept")
    assert res.version == 2
    doc = project_document("demo-mab", url=stored.url)["document"]
    uo = next(u for u in doc["process"]["unit_operations"] if u["name"] == "production_bioreactor")
    ph = next(p for p in uo["parameters"] if p["name"] == "ph")
    assert ph["nor"]["low"] == pytest.approx(6.94) and ph["nor"]["high"] == pytest.approx(7.06)
    assert {c["path"].split("parameters[")[1].split("]")[0] for c in res.changes} <= {
        "temperature", "ph", "dissolved_oxygen", "feed_volume"}
