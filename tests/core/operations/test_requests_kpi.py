"""Service-request deadlines (seed 001 §2.3) and KPIs computed by hand from five requests
(tests/data/operations/kpi_requests.csv; holidays from the 2025 notice)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from qbdkit.core.operations import kpi_report, request_schedule, row_from_schedule
from qbdkit.core.operations.kpi import yearly_evaluation
from qbdkit.errors import QbdInputError

DATA = Path(__file__).parents[2] / "data" / "operations"
AS_OF = dt.date(2025, 5, 31)


def D(text):
    return None if pd.isna(text) or text == "" else dt.date.fromisoformat(text)


def schedules():
    frame = pd.read_csv(DATA / "kpi_requests.csv", dtype=str, keep_default_na=False)
    out = []
    for r in frame.to_dict(orient="records"):
        done = {s: D(r[f"{s}_done"]) for s in ("intake", "protocol", "execution", "acceptance")}
        done["closure"] = D(r["closed"])
        s = request_schedule(r["request"], D(r["received"]), done, as_of=AS_OF,
                             execution_due=D(r["execution_due"]))
        out.append((s, r))
    return out


def test_stage_due_dates_by_hand():
    s = {x.request: x for x, _ in schedules()}
    # R1 received Thu 2 Jan: intake due 5 wd later = Thu 9 Jan; protocol due 10 wd after 8 Jan
    assert (s["R1"].stage("intake").due, s["R1"].stage("protocol").due) == ("2025-01-09",
                                                                           "2025-01-22")
    # acceptance due 10 wd after Fri 14 Feb = Fri 28 Feb
    assert s["R1"].stage("acceptance").due == "2025-02-28"
    # R2 received Mon 20 Jan: intake due Sun 26 Jan (adjusted working day) — done 5 Feb: late
    assert s["R2"].stage("intake").due == "2025-01-26"
    assert s["R2"].stage("intake").status == "late"
    # R4 acceptance: 10 wd after Wed 30 Apr skips 1–5 May = Mon 19 May
    assert s["R4"].stage("acceptance").due == "2025-05-19"
    # R5 protocol due 10 wd after 26 Mar skips Qingming 4 Apr = Thu 10 Apr; overdue on 31 May
    assert s["R5"].stage("protocol").due == "2025-04-10"
    assert s["R5"].stage("protocol").status == "overdue" and s["R5"].overdue
    assert s["R5"].stage("execution").status == "not started"
    # R3 executed past its agreed end (14 Mar): not completed on time
    assert s["R3"].stage("execution").status == "late" and s["R3"].completed_on_time is False
    assert s["R1"].completed_on_time is True and s["R2"].completed_on_time is False
    assert s["R5"].completed_on_time is None


def test_cycle_time_by_hand():
    # working days after 2 Jan up to 26 Feb 2025: Jan 3, 6–10, 13–17, 20–24, Sun 26, 27 (18);
    # Feb 5–7, Sat 8, 10–14, 17–21, 24–26 (17) → 35
    s = {x.request: x for x, _ in schedules()}
    assert row_from_schedule(s["R1"])["cycle_working_days"] == 35


def frame():
    rows = []
    for s, r in schedules():
        rows.append(row_from_schedule(
            s, scale_up=r["scale_up"] == "yes",
            scale_up_success=None if not r["scale_up_success"] else r["scale_up_success"] == "yes",
            exceptions=int(r["exceptions"]), exceptions_open=int(r["exceptions_open"])))
    return pd.DataFrame(rows)


def test_quarterly_kpis_by_hand():
    rep = kpi_report(frame(), "quarter", as_of=AS_OF, overdue=["R5"])
    q1 = rep.row("2025-Q1")
    # received in Q1: all five; completed (acceptance) in Q1: R1, R2, R3; on time: R1 only
    assert (q1.received, q1.completed, q1.completed_on_time) == (5, 3, 1)
    assert q1.on_time_rate == pytest.approx(1 / 3)
    # intake completed in Q1: R1 R2 R3 R4 R5, late: R2 → 4/5; protocol: R1–R4 all on time
    assert q1.intake_rate == pytest.approx(0.8) and q1.protocol_rate == 1.0
    # acceptance in Q1: R1 on time, R2 late (31 Mar > 28 Mar), R3 on time → 2/3
    assert q1.acceptance_rate == pytest.approx(2 / 3)
    # scale-ups among completed: R1 success, R2 failure → 1/2
    assert (q1.scale_ups, q1.scale_up_successes, q1.scale_up_success_rate) == (2, 1, 0.5)
    # exceptions on completed requests: 1 + 2 + 0 over 3; one still open (R2)
    assert q1.exceptions_per_request == pytest.approx(1.0) and q1.exceptions_open == 1
    # cycle (receipt → acceptance, working days): R1 35 (above); R2 20 Jan → 31 Mar: 46;
    # R3 10 Feb → 25 Mar: 31 → median 35. R4 3 Mar → 9 May (Qingming, 1–5 May off, Sun 27 Apr
    # worked): 46
    assert q1.median_cycle_working_days == 35
    q2 = rep.row("2025-Q2")
    assert q2.median_cycle_working_days == 46
    assert (q2.received, q2.completed, q2.on_time_rate, q2.intake_rate) == (0, 1, 1.0, None)
    assert rep.open_requests == 1 and rep.overdue_requests == ["R5"]


def test_yearly_kpis_and_evaluation():
    rep = kpi_report(frame(), "year")
    y = rep.row("2025")
    # completed R1–R4, on time R1 and R4 → 2/4; scale-ups R1 ok, R2 failed, R4 ok → 2/3
    assert y.on_time_rate == 0.5 and y.scale_up_success_rate == pytest.approx(2 / 3)
    ev = yearly_evaluation(rep, 2025, {"on_time_rate": 0.9, "scale_up_success_rate": 0.6,
                                       "exceptions_per_request": 1.0})
    assert ev.shortfalls == ["on_time_rate"]
    assert [c.met for c in ev.checks] == [False, True, True]


def test_monthly_rows_and_labels():
    rep = kpi_report(frame(), "month")
    assert [r.period for r in rep.rows][:3] == ["2025-01", "2025-02", "2025-03"]
    assert rep.row("2025-01").received == 2 and rep.row("2025-01").completed == 0
    assert rep.row("2025-01").on_time_rate is None


def test_bad_inputs():
    with pytest.raises(QbdInputError):
        kpi_report(frame(), "week")
    with pytest.raises(QbdInputError):
        yearly_evaluation(kpi_report(frame(), "month"), 2025, {})
    with pytest.raises(QbdInputError) as e:
        request_schedule("X", dt.date(2025, 3, 3), {"protocol": dt.date(2025, 3, 4)}, as_of=AS_OF)
    assert "protocol" in str(e.value)
    with pytest.raises(QbdInputError):
        request_schedule("X", dt.date(2025, 3, 3), {"intake": dt.date(2025, 3, 1)}, as_of=AS_OF)
