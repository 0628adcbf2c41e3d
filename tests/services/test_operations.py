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
