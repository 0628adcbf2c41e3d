"""Working days of the Chinese calendar: official holidays and adjusted working weekends.

A working day (工作日) is a Monday–Friday that is not an official holiday, or a Saturday or
Sunday that the State Council's yearly notice on holiday arrangements (国务院办公厅关于 YYYY 年
部分节假日安排的通知) makes a working day (调休上班). The yearly notices are kept by the PyPI
package ``chinese-calendar`` (import ``chinese_calendar``), used here rather than a hand-kept
table; its data cover the years :func:`package_years` returns (2004–2026 in version 1.11).
A date outside those years raises :class:`~qbdkit.errors.QbdInputError`, unless the user has
added that year's holidays and adjusted working days as data (:func:`calendar_rows`): a year
that appears in the user's data is taken as fully described by it (weekdays work except the
listed holidays; weekends rest except the listed working days). User dates inside the
package's years override the package (a correction).

``due(start, n)`` is the ``n``-th working day *after* ``start`` (``start`` itself is not
counted; ``n = 0`` gives ``start``), the deadline rule of seed 001 §2.3 ("需求对接与评估 5 个
工作日内完成 …").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from qbdkit.core.result import Result
from qbdkit.errors import Problem, QbdInputError

#: how a row's ``type`` may be written in a user calendar file
_HOLIDAY_WORDS = {"holiday", "rest", "off", "假日", "节假日", "放假", "休", "休息", "休息日"}
_WORKDAY_WORDS = {"workday", "working day", "work", "working", "上班", "班", "工作日", "调休上班",
                  "补班"}


@cache
def _package() -> tuple[Any, int, int, str]:
    import chinese_calendar
    from chinese_calendar import constants

    years = sorted({d.year for d in constants.holidays} | {d.year for d in constants.workdays})
    version = getattr(chinese_calendar, "__version__", "")
    return chinese_calendar, years[0], years[-1], version


def package_years() -> tuple[int, int]:
    """First and last year covered by the installed ``chinese-calendar`` data."""
    _, first, last, _ = _package()
    return first, last


def _as_date(value: Any, column: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        raise QbdInputError("not a date", column=column, expected="a date YYYY-MM-DD",
                            found=str(value)) from None


@dataclass(frozen=True)
class WorkingCalendar:
    """The Chinese working-day calendar: package data plus the user's added years.

    ``holidays`` / ``workdays``: dates the user added (they win over the package);
    ``user_years``: years the user's data describe completely.
    """

    holidays: frozenset[dt.date] = frozenset()
    workdays: frozenset[dt.date] = frozenset()
    user_years: frozenset[int] = frozenset()
    source: str = ""

    # ---- coverage -------------------------------------------------------------------------
    def years(self) -> list[int]:
        first, last = package_years()
        return sorted(set(range(first, last + 1)) | set(self.user_years))

    def covers(self, day: dt.date) -> bool:
        first, last = package_years()
        return first <= day.year <= last or day.year in self.user_years

    def describe_range(self) -> str:
        first, last = package_years()
        extra = sorted(y for y in self.user_years if not first <= y <= last)
        text = f"{first}–{last} (chinese-calendar {_package()[3]})"
        return text + (f" + user data {', '.join(map(str, extra))}" if extra else "")

    def _check(self, day: dt.date, column: str) -> None:
        if not self.covers(day):
            raise QbdInputError(
                "date outside the working-day calendar's data", column=column,
                expected=f"a date in {self.describe_range()}, or add the year's holidays and "
                         "adjusted working days with --calendar FILE",
                found=day.isoformat())

    # ---- queries --------------------------------------------------------------------------
    def is_working_day(self, day: dt.date, column: str = "date") -> bool:
        """True if ``day`` is a working day (holidays and adjusted weekends applied)."""
        self._check(day, column)
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        first, last = package_years()
        if day.year in self.user_years and not first <= day.year <= last:
            return day.weekday() < 5  # a year the user describes completely
        return bool(_package()[0].is_workday(day))

    def due(self, start: dt.date, n: int, column: str = "start") -> dt.date:
        """The ``n``-th working day after ``start`` (``n = 0`` → ``start``)."""
        if isinstance(n, bool) or int(n) != n or n < 0:
            raise QbdInputError("working days must be a whole number ≥ 0",
                                column="working_days", expected="0, 1, 2, …", found=n)
        self._check(start, column)
        day, left = start, int(n)
        while left > 0:
            day += dt.timedelta(days=1)
            if self.is_working_day(day, column):
                left -= 1
        return day

    def first_working_day(self, day: dt.date, column: str = "start") -> dt.date:
        """``day`` if it is a working day, else the next working day."""
        while not self.is_working_day(day, column):
            day += dt.timedelta(days=1)
        return day

    def working_days_between(self, start: dt.date, end: dt.date, column: str = "date") -> int:
        """Working days ``d`` with ``start < d ≤ end`` (negative if ``end`` is earlier)."""
        if end < start:
            return -self.working_days_between(end, start, column)
        self._check(start, column)
        self._check(end, column)
        count, day = 0, start
        while day < end:
            day += dt.timedelta(days=1)
            count += self.is_working_day(day, column)
        return count


def calendar_rows(rows: Iterable[dict[str, Any]], *, file: str | None = None,
                  row_numbers: Sequence[int] | None = None,
                  years: Iterable[int] = ()) -> WorkingCalendar:
    """A :class:`WorkingCalendar` from user rows ``{date, type[, name]}``.

    ``type`` is ``holiday`` (放假/休息) or ``workday`` (上班/调休上班). Every year beyond
    the package's data that appears in a row (or in ``years``) is taken as fully described
    by the rows; rows inside the package's years correct single dates.
    Problems are collected and raised together, each naming file, row and column.
    """
    holidays: set[dt.date] = set()
    workdays: set[dt.date] = set()
    problems: list[Problem] = []
    for i, row in enumerate(rows):
        line = row_numbers[i] if row_numbers else i + 2
        try:
            day = _as_date(row.get("date"), "date")
        except QbdInputError as exc:
            p = exc.first
            problems.append(Problem(p.message, file, line, "date", p.expected, p.found))
            continue
        kind = str(row.get("type") or "").strip().lower()
        if kind in _HOLIDAY_WORDS:
            target, other = holidays, workdays
        elif kind in _WORKDAY_WORDS:
            target, other = workdays, holidays
        else:
            problems.append(Problem("unknown day type", file, line, "type",
                                    "holiday (放假) or workday (上班)", kind))
            continue
        if day in other:
            problems.append(Problem("date listed both as holiday and as working day", file, line,
                                    "date", "each date once", day.isoformat()))
            continue
        target.add(day)
    if problems:
        raise QbdInputError(problems=problems)
    user_years = {d.year for d in holidays | workdays} | set(years)
    return WorkingCalendar(frozenset(holidays), frozenset(workdays), frozenset(user_years),
                           source=file or "")


def default_calendar() -> WorkingCalendar:
    """The package's calendar with no user data."""
    return WorkingCalendar()


@dataclass(frozen=True)
class DueResult(Result):
    """``due`` = the ``working_days``-th working day after ``start`` (ISO dates)."""

    due: str
    start: str
    working_days: int
    calendar: str = ""
    skipped: list[str] = field(default_factory=list)

    def summary(self) -> str:
        lines = [f"due {self.due}: {self.working_days} working days after {self.start}",
                 f"calendar: {self.calendar}"]
        if self.skipped:
            lines.append("non-working days skipped: " + ", ".join(self.skipped))
        return "\n".join(lines)


def due(start: dt.date | str, working_days: int,
        calendar: WorkingCalendar | None = None) -> DueResult:
    """The ``working_days``-th working day after ``start`` as a :class:`DueResult`.

    ``skipped`` lists the weekdays that were holidays and weekends passed over (at most the
    first 60), so a reader sees why the date falls where it does.
    """
    cal = calendar or default_calendar()
    begin = _as_date(start, "start")
    end = cal.due(begin, working_days)
    skipped: list[str] = []
    day = begin
    while day < end and len(skipped) < 60:
        day += dt.timedelta(days=1)
        if not cal.is_working_day(day):
            skipped.append(day.isoformat())
    return DueResult(due=end.isoformat(), start=begin.isoformat(),
                     working_days=int(working_days), calendar=cal.describe_range(),
                     skipped=skipped)
