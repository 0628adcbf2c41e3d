"""Operations use cases and their record kinds."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from qbdkit.errors import QbdInputError
from qbdkit.services.kinds import all_kinds, get_kind
from qbdkit.services.operations import (
    DueRequest,
    KpiRequest,
    MacoRequest,
    TimelineRequest,
    due_date,
    kpi,
    maco,
    timeline,
)

DATA = Path(__file__).parents[1] / "data" / "operations"


def test_kinds_are_registered_in_the_operations_stage():
    names = {k.name for k in all_kinds() if k.stage == "operations"}
    assert {"operations.due", "operations.kpi", "operations.maco", "operations.timeline",
            "operations.containment"} <= names
    k = get_kind("operations.kpi")
    assert k.title["zh"] == "中试服务关键指标"
    assert KpiRequest.input_fields() == ["requests", "calendar"]


@pytest.mark.parametrize(("kind", "req"), [
    ("operations.due", DueRequest(start=dt.date(2025, 1, 24), working_days=5)),
    ("operations.kpi", KpiRequest(requests=DATA / "kpi_requests.csv", period="year",
                                  as_of=dt.date(2025, 5, 31))),
    ("operations.maco", MacoRequest(pde_mg_per_day=0.001, next_batch_size=20000,
                                    next_max_daily_dose=1, shared_area_cm2=10000)),
    ("operations.timeline", TimelineRequest(start=dt.date(2025, 3, 3), template="pc-fast-4")),
])
def test_each_kind_reruns_identically_from_its_stored_request(kind, req):
    k = get_kind(kind)
    first = k.run(req).to_dict()
    again = k.run(k.request.model_validate_json(req.model_dump_json())).to_dict()
    assert first == again and isinstance(first, dict)


def test_due_and_kpi_values():
    assert due_date(DueRequest(start=dt.date(2026, 2, 13), working_days=2)).due == "2026-02-24"
    dash = kpi(KpiRequest(requests=DATA / "kpi_requests.csv", period="year",
                          as_of=dt.date(2025, 5, 31), targets={"on_time_rate": 0.9}))
    assert dash.report.row("2025").on_time_rate == 0.5
    assert dash.evaluation.shortfalls == ["on_time_rate"]


def test_maco_and_timeline():
    r = maco(MacoRequest(pde_mg_per_day=0.001, next_batch_size=20000, next_max_daily_dose=1,
                         shared_area_cm2=10000, ppm=None))
    assert r.governing_maco_mg == pytest.approx(20)
    tl = timeline(TimelineRequest(start=dt.date(2025, 3, 3), template="pc-standard-7"))
    assert tl.working_days == 147
    with pytest.raises(QbdInputError):
        maco(MacoRequest(pde_mg_per_day=0, next_batch_size=1, next_max_daily_dose=1,
                         shared_area_cm2=1))


def test_kpi_collects_problems_from_every_row(tmp_path):
    f = tmp_path / "r.csv"
    f.write_text("request,client,mode,scope,received,scale_up\n"
                 "R1,,commissioned,testing,2025-01-02,no\n"
                 "R2,C,commissioned,testing,2025-01-32,no\n"
                 "R3,C,commissioned,testing,2025-01-02,maybe\n", "utf-8")
    with pytest.raises(QbdInputError) as e:
        kpi(KpiRequest(requests=f, as_of=dt.date(2025, 3, 1)))
    rows = [(p.row, p.column) for p in e.value.problems]
    assert rows == [(2, "client"), (3, "received"), (4, "scale_up")]


def test_maco_shared_area_from_an_equipment_train(tmp_path):
    f = tmp_path / "train.csv"
    f.write_text("设备,面积\nVessel,6000\nLines,4000\n", "utf-8")
    r = maco(MacoRequest(pde_mg_per_day=0.001, next_batch_size=20000, next_max_daily_dose=1,
                         equipment=f, ppm=None))
    assert r.shared_area_cm2 == 10000 and r.equipment == {"Vessel": 6000.0, "Lines": 4000.0}
    assert r.governing_surface_limit_ug_cm2 == pytest.approx(20 * 1000 / 10000)
    with pytest.raises(QbdInputError, match="not both"):
        maco(MacoRequest(pde_mg_per_day=0.001, next_batch_size=1, next_max_daily_dose=1,
                         equipment=f, shared_area_cm2=5))
    f.write_text("item,area_cm2\nVessel,0\n", "utf-8")
    with pytest.raises(QbdInputError) as e:
        maco(MacoRequest(pde_mg_per_day=0.001, next_batch_size=1, next_max_daily_dose=1,
                         equipment=f))
    assert (e.value.first.row, e.value.first.column) == (2, "area_cm2")


def test_containment_with_a_company_banding_file(tmp_path):
    from qbdkit.services.operations import ContainmentRequest, containment

    f = tmp_path / "bands.csv"
    f.write_text("band,low,high\nCat 1,10,\nCat 2,0.5,10\nCat 3,,0.5\n", "utf-8")
    r = containment(ContainmentRequest(oel_ug_m3=0.5, bands=f))
    assert (r.band, r.scheme) == ("Cat 3", "bands.csv")      # (low, high]: 0.5 is in Cat 3
    f.write_text("band,low,high\nCat 1,10,5\n", "utf-8")
    with pytest.raises(QbdInputError, match="upper limit not above"):
        containment(ContainmentRequest(oel_ug_m3=0.5, bands=f))


def test_kpi_yearly_evaluation_with_improvement_actions():
    from qbdkit.model.operations import ImprovementAction

    dash = kpi(KpiRequest(
        requests=DATA / "kpi_requests.csv", period="year", as_of=dt.date(2025, 7, 1),
        targets={"on_time_rate": 0.9, "scale_up_success_rate": 0.8},
        actions=[ImprovementAction(kpi="on_time_rate", description="review", owner="PM",
                                   due=dt.date(2025, 6, 30))]))
    assert dash.evaluation.shortfalls == ["on_time_rate", "scale_up_success_rate"]
    assert dash.shortfalls_without_action == ["scale_up_success_rate"]
    assert dash.actions[0]["status"] == "overdue" and dash.management_review is None
