"""The demo stages control, ppq and cpv — run after the stages before them, as the demo
runs them — store their records on the demo project; every one of their records re-runs
identically from what it stored."""

from __future__ import annotations

from qbdkit.model.demo_project import DEMO_DIR


def test_control_ppq_cpv_stages(db_url, make_team, tmp_path):
    from qbdkit.demo.stages import STAGE_MODULES, DemoContext, stage_runners
    from qbdkit.services.base import Context
    from qbdkit.services.projects import import_project
    from qbdkit.services.records import list_records, rerun

    ours = ["qbdkit.demo.control", "qbdkit.demo.ppq", "qbdkit.demo.cpv"]
    at = STAGE_MODULES.index(ours[0])
    assert STAGE_MODULES[at:at + 3] == ours
    assert {"qbdkit.demo.risk", "qbdkit.demo.doe"} <= set(STAGE_MODULES[:at])
    make_team(db_url)
    project = import_project(DEMO_DIR, user="sci", url=db_url).project
    lines: list[str] = []
    d = DemoContext(ctx=Context(user="sci", url=db_url), project=project,
                    project_dir=DEMO_DIR, out_dir=tmp_path, say=lines.append)
    for _name, run in stage_runners()[:at + 3]:  # every stage up to and including cpv
        run(d)
    assert "control strategy: 6 CQAs, 15 parameters; checks passed" in lines
    assert "ppq: evaluation of 3 batches: PASS" in lines
    assert (tmp_path / "control-strategy.xlsx").is_file()
    assert (tmp_path / "cpv-review.xlsx").is_file()
    mine = [r for r in list_records(project, url=db_url).records
            if r["kind"].split(".")[0] in ("control", "spec", "ppq", "cpv")]
    assert sorted((r["kind"], r["key"]) for r in mine) == [
        ("control.strategy", "main"), ("cpv.review", "review-2026-07"),
        ("cpv.review", "review-2027-01"), ("ppq.clearance", "viral-clearance"),
        ("ppq.evaluation", "evaluation"), ("ppq.protocol", "protocol"),
        ("spec.proposal", "aggregates")]
    for r in mine:
        assert rerun(project, r["kind"], r["key"], ctx=d.ctx).identical, r
