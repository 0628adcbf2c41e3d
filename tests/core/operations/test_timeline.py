"""Timelines in working days: the seed 000 plans keep the seed's month totals, scheduling rules
hold, and dates skip Chinese holidays."""

from __future__ import annotations

import datetime as dt

import pytest

from qbdkit.core.operations.calendar import default_calendar
from qbdkit.core.operations.timeline import schedule
from qbdkit.errors import QbdInputError
from qbdkit.templates.timeline import TIMELINES, load_timeline


@pytest.mark.parametrize(("name", "months"), [("pcpv-17", 17), ("pc-standard-7", 7),
                                              ("pc-fast-4", 4)])
def test_templates_keep_the_seed_totals(name, months):
    # seed 000: 17 months overall, standard PC 7 months, fast PC 4 months to PPQ
    doc = load_timeline(name)
    r = schedule(doc["tasks"], dt.date(2025, 3, 3))
    assert doc["months"] == months
    assert r.working_days == months * doc["working_days_per_month"]


def test_pc_inside_the_17_month_plan_is_7_months():
    r = schedule(load_timeline("pcpv-17")["tasks"], dt.date(2025, 3, 3))
    pc = [t for t in r.tasks if t.phase == "process characterisation" and "pc" in t.name]
    assert max(t.finish_offset for t in pc) - min(t.start_offset for t in pc) + 1 == 7 * 21
    assert r.task("bla_ready").duration == 0 and r.task("bla_ready").finish == r.finish


def test_dates_follow_the_working_day_calendar():
    tasks = [{"name": "a", "duration": 5}, {"name": "b", "duration": 1, "after": ["a"]},
             {"name": "m", "duration": 0, "after": ["b"]}]
    # start Fri 24 Jan 2025: working days 24, Sun 26, 27, then 5 Feb (28 Jan – 4 Feb off)
    r = schedule(tasks, dt.date(2025, 1, 24))
    assert (r.task("a").start, r.task("a").finish) == ("2025-01-24", "2025-02-06")
    assert r.task("b").start == r.task("b").finish == "2025-02-07"
    assert r.task("m").finish == "2025-02-07"
    # a start on a holiday moves to the next working day
    assert schedule(tasks, dt.date(2025, 10, 1)).start == "2025-10-09"
    cal = default_calendar()
    assert cal.working_days_between(dt.date(2025, 1, 24), dt.date(2025, 2, 6)) + 1 == 5


def test_lag_and_parallel_tasks():
    tasks = [{"name": "a", "duration": 3}, {"name": "b", "duration": 2, "lag": 4},
             {"name": "c", "duration": 1, "after": ["a", "b"], "lag": 1}]
    r = schedule(tasks, dt.date(2025, 3, 3))
    assert [(t.start_offset, t.finish_offset) for t in r.tasks] == [(0, 2), (4, 5), (7, 7)]


@pytest.mark.parametrize("tasks", [
    [],
    [{"name": "a", "duration": -1}],
    [{"name": "a", "duration": 1, "after": ["x"]}],
    [{"name": "a", "duration": 1}, {"name": "a", "duration": 2}],
    [{"name": "a", "duration": 1, "after": ["b"]}, {"name": "b", "duration": 1, "after": ["a"]}],
])
def test_bad_plans(tasks):
    with pytest.raises(QbdInputError):
        schedule(tasks, dt.date(2025, 3, 3))


def test_unknown_template():
    assert sorted(TIMELINES) == ["pc-fast-4", "pc-standard-7", "pcpv-17"]
    with pytest.raises(QbdInputError):
        load_timeline("nope")
