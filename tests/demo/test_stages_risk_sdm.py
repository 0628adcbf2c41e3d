"""The demo's risk and sdm stages store their records through the services; each re-runs
identically from what it stored."""

from __future__ import annotations

from qbdkit.demo.run import PROJECT_DIR
from qbdkit.demo.stages import STAGE_MODULES, DemoContext, stage_runners


def test_risk_and_sdm_stages_store_records(db_url, team, tmp_path):
    from qbdkit.services.base import Context
    from qbdkit.services.projects import import_project
    from qbdkit.services.records import list_records, rerun

    assert {"qbdkit.demo.risk", "qbdkit.demo.sdm"} <= set(STAGE_MODULES)
    project = import_project(PROJECT_DIR, user="sci", reason="demo", url=db_url).project
    ctx = Context(user="sci", url=db_url)
    d = DemoContext(ctx=ctx, project=project, project_dir=PROJECT_DIR, out_dir=tmp_path,
                    say=lambda _m: None)
    for name, run in stage_runners():
        if name in ("risk", "sdm"):
            run(d)
    stored = {(r["kind"], r["key"]) for r in list_records(project, url=db_url).records}
    assert stored >= {("risk.cqa", "cqa"), ("risk.fmea", "fmea"), ("risk.ce", "ce"),
                      ("risk.classify", "classify"), ("risk.study", "study"),
                      ("sdm.compare", "end-points"), ("sdm.compare", "end-points-without-S07"),
                      ("mvda.batch", "trajectories"), ("mvda.pca", "end-points")}
    for kind, key in (("sdm.compare", "end-points-without-S07"), ("mvda.pca", "end-points"),
                      ("risk.fmea", "fmea")):
        assert rerun(project, kind, key, ctx=ctx).identical
