"""Project-based use cases on the bundled demo project in a store (SQLite and PostgreSQL):
control strategy from the project and its risk/DoE records, specification proposal, PPQ
protocol and evaluation, CPV review — each stored with the tables it was computed from and
re-run identically."""

from __future__ import annotations

import math

import pytest

from qbdkit.errors import QbdInputError
from qbdkit.model.demo_project import DEMO_DIR
from qbdkit.services.base import Context


@pytest.fixture
def demo(db_url, make_team):
    """The demo project imported as ``sci``, with its risk records."""
    from qbdkit.services.projects import import_project
    from qbdkit.services.risk import store_folder

    make_team(db_url)
    name = import_project(DEMO_DIR, user="sci", url=db_url).project
    store_folder(name, DEMO_DIR / "risk", user="sci", reason="risk", url=db_url)
    return name, Context(user="sci", url=db_url)


def test_control_strategy_of_the_demo_project(demo):
    from qbdkit.services.control import control_strategy_for_project
    from qbdkit.services.records import get_record, rerun

    project, ctx = demo
    cs, stored = control_strategy_for_project(project, ctx, name="main", reason="test")
    assert cs.passed, cs.failures_text()
    params = {p["item"]: p for p in cs.parameters}
    # classes from the risk record (names matched loosely: 'Temperature (°C)', 'DO (%)'),
    # the project's own class (vi_ph) and the project's control/controls.csv (load)
    assert params["temperature"]["class"] == "CPP"
    assert params["temperature"]["class_source"] == "risk.classify/classify v1"
    assert params["dissolved_oxygen"]["class"] == "WC-CPP"
    assert "cascade control" in params["dissolved_oxygen"]["justification"]
    assert params["vi_ph"]["class_source"].startswith("project demo-mab")
    assert (params["load"]["class"], params["load"]["class_source"]) == ("KPP", "controls table")
    # links: C&E correlations of at least a third of the strongest, FMEA rows
    assert params["temperature"]["links"]["aggregates"].startswith("C&E 9 (risk.ce/ce v1)")
    assert "FMEA" in params["temperature"]["links"]["aggregates"]  # B01: 温度 → 聚体
    assert params["agitation"]["class"] == "GPP"
    assert params["agitation"]["attributes"] == []  # C&E 1: below a third of the strongest
    # sources: the project study of the bioreactor DoE, the controls table for VI
    assert "study bioreactor_doe" in params["ph"]["sources"]
    assert params["vi_time"]["sources"][0].startswith("ppq.clearance/viral-clearance")
    assert cs.built_from[:2] == [f"project {project} v1", "risk.ce/ce v1"]
    record = get_record(project, "control.strategy", "main", url=ctx.url)
    assert {i["filename"] for i in record["inputs"]} >= {"parameters.csv", "attributes.csv",
                                                         "links.csv", "tests.csv",
                                                         "controls.csv"}
    assert rerun(project, "control.strategy", "main", ctx=ctx).identical
    assert stored.version == 1


def test_doe_records_give_classes_links_and_sources(demo):
    from qbdkit.services.control import control_strategy_for_project
    from qbdkit.services.records import save_record

    project, ctx = demo
    result = {
        "effects": [{"parameter": "Temperature (°C)", "response": "Afucosylation (%)",
                     "affects": True, "significant": True, "percent_of_spec": 41.7},
                    {"parameter": "pH", "response": "Aggregate (%)", "affects": False,
                     "significant": False, "percent_of_spec": 3.0}],
        "classes": [{"name": "pH", "cls": "WC-CPP", "rationale_en": "low risk",
                     "evidence": "DoE: 3 % of spec"}]}
    save_record(project, "doe.reassess", "cpp", {"result": result}, user="sci",
                reason="test", url=ctx.url)
    cs, _ = control_strategy_for_project(project, ctx)
    params = {p["item"]: p for p in cs.parameters}
    assert (params["ph"]["class"], params["ph"]["justification"]) == ("WC-CPP",
                                                                      "DoE: 3 % of spec")
    assert "DoE 42 % of spec (doe.reassess/cpp v1)" in params["temperature"]["links"][
        "afucosylation"]
    assert "doe.reassess/cpp v1" in params["temperature"]["sources"]
    assert "DoE" not in params["ph"]["links"].get("aggregates", "")


def test_specification_protocol_evaluation_review(demo, tmp_path):
    from openpyxl import load_workbook

    from qbdkit.report.spc import write_review_xlsx
    from qbdkit.services.control import control_strategy_for_project
    from qbdkit.services.ppq import (
        ppq_evaluate_for_project,
        ppq_protocol_for_project,
        spec_proposal_for_project,
    )
    from qbdkit.services.records import rerun
    from qbdkit.services.spc import review_for_project

    project, ctx = demo
    with pytest.raises(QbdInputError, match="no control strategy"):
        ppq_protocol_for_project(project, ctx)
    control_strategy_for_project(project, ctx, name="main")

    spec, _ = spec_proposal_for_project(project, "Aggregates (HMW)", ctx, until="2026-02-28",
                                        decimals=1)
    # 10 at-scale development batches, 3 clinical lots, 3 PPQ batches; DS release ≤ 3 %
    assert spec.release_interval["n"] == 16 and spec.direction == "upper"
    assert spec.guidance["upper"] == 3.0 and spec.clinical["n"] == 3
    # the 99 % / 95 % upper tolerance limit, inside the guidance limit, rounded up to 0.1
    upper = spec.release_interval["upper"]
    assert upper < 3.0 and spec.basis_upper == "tolerance interval"
    assert spec.proposed_upper == pytest.approx(math.ceil(upper * 10) / 10) == 2.7
    assert spec.attribute == "aggregates"
    assert rerun(project, "spec.proposal", "aggregates", ctx=ctx).identical

    protocol, _ = ppq_protocol_for_project(project, ctx)
    assert protocol.n_batches == 3
    acc = {a["item"]: a for a in protocol.acceptance}
    assert (acc["aggregates"]["upper"], acc["aggregates"]["basis"]) == (3.0, "specification")
    assert (acc["temperature"]["lower"], acc["temperature"]["basis"]) == (35.0, "PAR")
    assert acc["potency"]["criterion"] == "70 – 130 %"  # from the project's controls table
    studies = {s["id"]: s for s in protocol.studies}
    assert studies["viral-clearance"]["owner"] == "Virology (CRO)"  # project ppq/studies.csv
    assert protocol.built_from[1] == "control.strategy/main v1"

    evaluation, _ = ppq_evaluate_for_project(project, DEMO_DIR / "ppq" / "results.csv", ctx)
    assert evaluation.passed and evaluation.batches == ["PPQ01", "PPQ02", "PPQ03"]
    pot = next(i for i in evaluation.items if i["item"] == "potency")
    assert pot["n_values"] == 9 and pot["sd_within"] is not None  # triplicate assays
    assert {c["item"] for c in evaluation.cpv_limits} >= {"aggregates", "temperature"}
    assert rerun(project, "ppq.evaluation", "evaluation", ctx=ctx).identical

    stranger = tmp_path / "results.csv"
    stranger.write_text("batch,item,value\nPPQ01,aggregates,1.8\nX99,aggregates,1.9\n",
                        encoding="utf-8")
    with pytest.raises(QbdInputError) as e:
        ppq_evaluate_for_project(project, stranger, ctx, store=False)
    p = e.value.first
    assert (p.row, p.column, p.found) == (3, "batch", "X99")
    assert "not in the project" in p.message

    first, stored1 = review_for_project(project, ctx, until="2026-07-31")
    assert stored1.key == "review-2026-07-25" and len(first.batches) == 15
    assert first.baseline is None and first.since is None
    assert all(i.limits == "estimated" and i.initial[0] is not None for i in first.items
               if i.item in ("temperature", "aggregates"))
    second, stored2 = review_for_project(project, ctx)
    assert second.since == first.batches[-1] == "D012" and second.baseline == 20
    assert len(second.batches) == 33 and stored2.key == "review-2027-01-21"
    disp = {d["batch"]: d for d in second.disposition}
    assert disp["D024"]["oos"] == ["aggregates"] and disp["D024"]["status"] == "OOS"
    assert "temperature" in disp["D023"]["outside_nor"]
    assert disp["D023"]["outside_par"] == []
    afuc = [s for s in second.signals if s["item"] == "afucosylation"]
    assert afuc and all(s["new"] for s in afuc)  # the medium-lot shift from D018
    assert rerun(project, "cpv.review", stored2.key, ctx=ctx).identical
    ppq_limits, _ = review_for_project(project, ctx, limits="ppq", store=False)
    assert {i.limits for i in ppq_limits.items if i.item == "aggregates"} == {"given"}

    out = write_review_xlsx(second, tmp_path / "review.xlsx", "zh")
    wb = load_workbook(out)
    assert wb.sheetnames == ["汇总", "批次处置", "信号", "数据", "控制限", "依据", "控制图"]
    assert wb["批次处置"].max_row == 34 and wb["控制图"]._images


def test_project_errors(demo):
    from qbdkit.services.control import control_strategy_for_project
    from qbdkit.services.ppq import ppq_evaluate_for_project, spec_proposal_for_project
    from qbdkit.services.spc import review_for_project

    project, ctx = demo
    with pytest.raises(QbdInputError, match="unknown attribute"):
        spec_proposal_for_project(project, "colour", ctx)
    with pytest.raises(QbdInputError, match="fewer than 2 release results"):
        spec_proposal_for_project(project, "aggregates", ctx, until="2024-06-30")
    with pytest.raises(QbdInputError, match="measured in fill"):
        spec_proposal_for_project(project, "aggregates", ctx, unit_operation="fill")
    ds, _ = spec_proposal_for_project(project, "aggregates", ctx, unit_operation="ufdf",
                                      until="2026-02-28", store=False)
    assert ds.release_interval["n"] == 16
    with pytest.raises(QbdInputError, match="no PPQ protocol"):
        ppq_evaluate_for_project(project, DEMO_DIR / "ppq" / "results.csv", ctx)
    with pytest.raises(QbdInputError, match="unknown project"):
        control_strategy_for_project("no-such-project", ctx)
    control_strategy_for_project(project, ctx, name="main")
    with pytest.raises(QbdInputError, match="fewer than 2 batches"):
        review_for_project(project, ctx, until="2026-01-31")
    with pytest.raises(QbdInputError, match="no PPQ evaluation"):
        review_for_project(project, ctx, limits="ppq")
    with pytest.raises(QbdInputError, match="unknown limits"):
        review_for_project(project, ctx, limits="magic")


def test_workbook_and_snapshot_keep_formula_like_text_as_text(tmp_path):
    from openpyxl import load_workbook

    from qbdkit.io import read_table
    from qbdkit.report.control import write_workbook
    from qbdkit.services.control import write_csv

    out = write_workbook(tmp_path / "w.xlsx", [("S", ["=h"], [["=1+1"], [-1.5], ["-x"]])])
    ws = load_workbook(out)["S"]
    assert [c.value for c in ws["A"]] == ["=h", "=1+1", -1.5, "-x"]
    assert all(c.data_type == "s" for c in ws["A"] if isinstance(c.value, str))
    csv = write_csv(tmp_path / "t.csv", ["name", "value"], [["=cmd()", -1.5], ["@x", 2.0]])
    assert "'=cmd()" in csv.read_text("utf-8")
    t = read_table(csv, dtype_str=True)
    assert t.frame["name"].tolist() == ["=cmd()", "@x"]
    assert t.frame["value"].tolist() == ["-1.5", "2"]
