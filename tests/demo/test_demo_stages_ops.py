"""The stability, change and operations demo stages store their records through the services;
every record renders and re-runs identically; the refused hand-over is in the audit trail."""

from __future__ import annotations

from pathlib import Path

import pytest

from qbdkit.demo.stages import STAGE_MODULES, DemoContext

MAB = Path(__file__).parents[2] / "src" / "qbdkit" / "demo" / "mab"
MINE = ["qbdkit.demo.stability", "qbdkit.demo.change", "qbdkit.demo.operations"]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    import importlib
    import os

    from qbdkit.services.auth import local_user
    from qbdkit.services.base import Context
    from qbdkit.services.projects import import_project

    out = tmp_path_factory.mktemp("demo")
    old = os.environ.get("QBDKIT_CONFIG_DIR")
    os.environ["QBDKIT_CONFIG_DIR"] = str(out / "config")
    url = f"sqlite:///{out / 'demo.sqlite'}"
    user = local_user(url)
    project = import_project(MAB, user=user, url=url).project
    lines: list[str] = []
    d = DemoContext(ctx=Context(user=user, url=url), project=project, project_dir=MAB,
                    out_dir=out, say=lines.append)
    for module in MINE:
        importlib.import_module(module).run(d)
    yield d, lines
    if old is None:
        os.environ.pop("QBDKIT_CONFIG_DIR", None)
    else:
        os.environ["QBDKIT_CONFIG_DIR"] = old


def test_stage_modules_are_listed_in_order():
    assert [m for m in STAGE_MODULES if m in MINE] == MINE


def test_records_of_each_project(demo):
    from qbdkit.services.records import list_records

    d, _ = demo
    url = d.ctx.url

    def names(project):
        return {(r["kind"], r["key"], r["version"]) for r in
                list_records(project, url=url).records}

    assert names(d.project) >= {
        ("stability.study", "LT-5C", 1), ("stability.study", "ACC-25C", 1),
        ("stability.shelf_life", "DS-aggregate-5C", 1),
        ("stability.trend", "L03-main-peak-24m", 1),
        ("change.classification", "CC-2026-007", 2), ("comparability.analysis", "CC-2026-007", 1),
        ("change.classification", "CC-2026-009", 1), ("operations.deviation", "DEV-2026-031", 1),
        ("operations.timeline", "PC-PV-plan", 1)}
    assert names("demo-car-t") == {
        ("operations.kpi", "KPI-2026", 1), ("operations.request", "R-2026-031", 1),
        ("operations.due", "R-2026-031-acceptance", 1), ("operations.donor", "PT-0117", 1),
        ("operations.chain", "COI-0117", 5), ("operations.release", "CT-26-0117", 1)}
    assert names("demo-adc") == {
        ("operations.containment", "payload", 1), ("operations.maco", "payload", 1),
        ("operations.maco", "antibody", 1), ("operations.shipment", "SH-2026-044", 1)}


def test_the_story_the_demo_tells(demo):
    from qbdkit.services.records import get_record

    d, lines = demo
    url = d.ctx.url

    def result(project, kind, key):
        return get_record(project, kind, key, url=url)["content"]["result"]

    life = result(d.project, "stability.shelf_life", "DS-aggregate-5C")
    assert life["supported_shelf_life"] == 24 and life["shelf_life"] > 24
    assert result(d.project, "stability.trend", "L03-main-peak-24m")["out_of_trend"] is True
    assert result(d.project, "stability.study", "LT-5C")["out_of_trend"] == [
        "Main peak (%) L03 @ 24m"]
    change = result(d.project, "change.classification", "CC-2026-007")
    assert change["change_class"] == "moderate" and change["change"]["status"] == "implemented"
    assert "comparability.analysis/CC-2026-007" in change["change"]["linked"]
    comp = get_record(d.project, "comparability.analysis", "CC-2026-007", url=url)["content"]
    assert comp["request"]["change"] == "CC-2026-007"
    assert comp["result"]["conclusion"] == "comparable"
    assert {a["tier"] for a in comp["result"]["attributes"]} == {1, 2, 3}
    assert comp["result"]["slopes"]["comparable"] and comp["result"]["multivariate"]
    dev = result(d.project, "operations.deviation", "DEV-2026-031")
    assert dev["changes"][0]["id"] == "CC-2026-009"
    chain = result("demo-car-t", "operations.chain", "COI-0117")
    assert chain["complete"] and chain["pre_administration"]["passed"]
    assert result("demo-adc", "operations.maco", "payload")["governing"] == "health-based"
    assert any("refused and audited" in line for line in lines)


def test_the_refused_hand_over_is_audited_and_the_trail_verifies(demo, monkeypatch):
    from qbdkit.services.audit import audit_log, verify_audit

    d, _ = demo
    monkeypatch.setenv("QBDKIT_CONFIG_DIR", str(d.out_dir / "config"))  # the store's keys
    refused = [e for e in audit_log("demo-car-t", url=d.ctx.url).entries
               if e["action"] == "handover.refused"]
    assert len(refused) == 1
    assert refused[0]["entity"] == "record:operations.chain/COI-0117"
    assert "PT-0171" in refused[0]["reason"]
    assert verify_audit(url=d.ctx.url).intact


@pytest.mark.parametrize(("project", "kind", "key"), [
    ("demo-car-t", "operations.chain", "COI-0117"), ("demo-car-t", "operations.kpi", "KPI-2026"),
    ("demo-adc", "operations.shipment", "SH-2026-044"),
    (None, "comparability.analysis", "CC-2026-007"), (None, "stability.study", "LT-5C"),
])
def test_records_rerun_identically_and_render(demo, project, kind, key):
    from qbdkit.report.sections import render_result
    from qbdkit.services.records import get_record, rerun

    d, _ = demo
    project = project or d.project
    assert rerun(project, kind, key, ctx=d.ctx).identical
    stored = get_record(project, kind, key, url=d.ctx.url)["content"]["result"]
    for lang in ("en", "zh"):
        html = render_result(kind, stored, lang)
        assert html.startswith("<") and "Traceback" not in html
