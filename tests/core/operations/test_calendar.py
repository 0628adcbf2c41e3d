"""Working days of the Chinese calendar against the State Council notices
(tests/data/operations/README.md): Spring Festival and National Day with adjusted weekends."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from qbdkit.core.operations.calendar import (
    WorkingCalendar,
    calendar_rows,
    default_calendar,
    due,
    package_years,
)
from qbdkit.errors import QbdInputError

DATA = Path(__file__).parents[2] / "data" / "operations"


def D(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


# 2025 notice (国办发明电〔2024〕12号): 春节 1/28–2/4 off, 1/26 (Sun) and 2/8 (Sat) worked;
# 国庆·中秋 10/1–10/8 off, 9/28 (Sun) and 10/11 (Sat) worked.
# 2026 notice (4 Nov 2025): 春节 2/15–2/23 off, 2/14 (Sat) and 2/28 (Sat) worked;
# 国庆 10/1–10/7 off, 9/20 (Sun) and 10/10 (Sat) worked.
@pytest.mark.parametrize(("start", "n", "expected", "why"), [
    ("2025-01-24", 1, "2025-01-26", "Sunday 26 Jan 2025 is an adjusted working day"),
    ("2025-01-24", 2, "2025-01-27", "Monday before the holiday"),
    ("2025-01-24", 3, "2025-02-05", "28 Jan – 4 Feb off"),
    ("2025-01-24", 5, "2025-02-07", "intake limit: 26, 27 Jan, 5, 6, 7 Feb"),
    ("2025-01-24", 6, "2025-02-08", "Saturday 8 Feb 2025 worked"),
    ("2025-01-24", 10, "2025-02-13", "protocol limit"),
    ("2025-09-26", 1, "2025-09-28", "Sunday 28 Sep 2025 worked"),
    ("2025-09-26", 4, "2025-10-09", "1–8 Oct off"),
    ("2025-09-26", 6, "2025-10-11", "Saturday 11 Oct 2025 worked"),
    ("2025-09-26", 10, "2025-10-16", "acceptance limit"),
    ("2026-02-13", 1, "2026-02-14", "Saturday 14 Feb 2026 worked"),
    ("2026-02-13", 2, "2026-02-24", "15–23 Feb off"),
    ("2026-02-13", 5, "2026-02-27", ""),
    ("2026-02-13", 6, "2026-02-28", "Saturday 28 Feb 2026 worked"),
    ("2026-09-18", 1, "2026-09-20", "Sunday 20 Sep 2026 worked"),
    ("2026-09-30", 1, "2026-10-08", "1–7 Oct off"),
    ("2026-09-30", 3, "2026-10-10", "Saturday 10 Oct 2026 worked"),
    ("2026-09-30", 0, "2026-09-30", "n = 0 is the start"),
])
def test_due_known_answers(start, n, expected, why):
    assert due(start, n).due == expected, why


def test_working_days_between_counts_after_start():
    cal = default_calendar()
    assert cal.working_days_between(D("2025-01-24"), D("2025-02-07")) == 5
    assert cal.working_days_between(D("2025-02-07"), D("2025-01-24")) == -5
    assert cal.working_days_between(D("2025-09-26"), D("2025-10-16")) == 10


def test_skipped_days_are_listed():
    r = due("2025-09-26", 4)
    assert r.skipped[0] == "2025-09-27" and "2025-10-08" in r.skipped and "2025-09-28" not in r.skipped
    assert r.to_dict()["due"] == "2025-10-09"


def test_package_range_is_stated_and_enforced():
    first, last = package_years()
    assert first <= 2004 and last >= 2026
    with pytest.raises(QbdInputError) as e:
        due(f"{last + 1}-01-04", 1)
    assert "outside the working-day calendar" in str(e.value) and f"{first}–{last}" in str(e.value)
    # a deadline that runs past the last year is refused too, not guessed
    with pytest.raises(QbdInputError):
        due(f"{last}-12-30", 5)


def test_user_data_from_the_2025_notice_agrees_with_the_package_every_day():
    frame = pd.read_csv(DATA / "calendar_2025_notice.csv", dtype=str)
    user = calendar_rows(frame.to_dict(orient="records"), file="calendar_2025_notice.csv")
    assert user.user_years == frozenset({2025})
    package = default_calendar()
    day = D("2025-01-01")
    while day.year == 2025:
        assert user.is_working_day(day) == package.is_working_day(day), day
        day += dt.timedelta(days=1)


def test_a_year_beyond_the_package_can_be_added():
    frame = pd.read_csv(DATA / "calendar_2027_synthetic.csv", dtype=str)
    cal = calendar_rows(frame.to_dict(orient="records"))
    assert cal.covers(D("2027-03-01")) and "2027" in cal.describe_range()
    # Fri 5 Feb 2027 + 1 → Mon 15 Feb (8–12 Feb off in the made-up data)
    assert due("2027-02-05", 1, cal).due == "2027-02-15"
    assert cal.is_working_day(D("2027-02-20"))   # listed Saturday
    assert not cal.is_working_day(D("2027-02-21"))


def test_bad_user_rows_name_row_and_column():
    with pytest.raises(QbdInputError) as e:
        calendar_rows([{"date": "2027-02-31", "type": "holiday"},
                       {"date": "2027-03-01", "type": "party"}], file="cal.csv")
    text = str(e.value)
    assert "cal.csv:2: date" in text and "cal.csv:3: type" in text


def test_bad_working_days():
    for n in (-1, 1.5, True):
        with pytest.raises(QbdInputError):
            WorkingCalendar().due(D("2025-01-02"), n)


def test_a_correction_inside_the_package_years_keeps_the_other_holidays():
    # one site closure day added to 2025: National Day (1 Oct 2025) stays a holiday
    cal = calendar_rows([{"date": "2025-12-31", "type": "holiday"}])
    assert not cal.is_working_day(D("2025-12-31"))      # the correction (a Wednesday)
    assert not cal.is_working_day(D("2025-10-01"))      # the package's holiday still applies
    assert cal.is_working_day(D("2025-09-28"))          # and its adjusted working Sunday
