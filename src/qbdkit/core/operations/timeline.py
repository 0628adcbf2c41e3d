"""Project timelines in working days: tasks with durations and predecessors → a Gantt chart.

A task lasts ``duration`` working days (≥ 1) and starts on the first working day after all of
its predecessors (``after``) have finished, plus ``lag`` working days; a task without
predecessors starts on the project's first working day (the start date or the next working
day), plus ``lag``. A task finishes on its last working day. Dates follow
:class:`~qbdkit.core.operations.calendar.WorkingCalendar` (Chinese holidays and adjusted
working weekends). Milestones have ``duration`` 0 and sit on the day their predecessors end.

The plan templates of seed 000 (17-month PC/PV plan, 7-month standard process
characterisation, 4-month fast PC) are YAML files in ``qbdkit/templates/timelines``.
Hand-written scheduling (a topological pass over a small task list) because no maintained
library schedules on a holiday calendar of this kind.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from qbdkit.core.operations.calendar import WorkingCalendar, default_calendar
from qbdkit.core.result import Result, format_table
from qbdkit.errors import Problem, QbdInputError


@dataclass(frozen=True)
class TimelineTask(Result):
    name: str
    label_en: str
    label_zh: str
    phase: str
    start: str
    finish: str
    duration: int
    start_offset: int
    finish_offset: int
    after: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class TimelineResult(Result):
    """The scheduled plan: ``tasks`` in file order; offsets in working days from the
    project's first working day (day 0)."""

    name: str
    title_en: str
    title_zh: str
    start: str
    finish: str
    working_days: int
    calendar_days: int
    tasks: list[TimelineTask] = field(default_factory=list)
    source: str = ""

    def task(self, name: str) -> TimelineTask:
        return next(t for t in self.tasks if t.name == name)

    def summary(self) -> str:
        rows = [[t.name, t.phase, t.start, t.finish, t.duration] for t in self.tasks]
        return (f"{self.title_en or self.name}: {self.start} → {self.finish}, "
                f"{self.working_days} working days\n"
                + format_table(["task", "phase", "start", "finish", "working days"], rows))


def _task_problems(tasks: Sequence[Mapping[str, Any]], file: str | None) -> list[Problem]:
    problems: list[Problem] = []
    names = [str(t.get("name") or "") for t in tasks]
    seen: set[str] = set()
    for i, t in enumerate(tasks):
        where = f"tasks[{i}]"
        name = names[i]
        if not name:
            problems.append(Problem("task without a name", file, None, f"{where}.name",
                                    "a name"))
        elif name in seen:
            problems.append(Problem("task name used twice", file, None, f"{where}.name",
                                    "unique names", name))
        seen.add(name)
        d = t.get("duration")
        if isinstance(d, bool) or not isinstance(d, int) or d < 0:
            problems.append(Problem("bad duration", file, None, f"{where}.duration",
                                    "whole working days ≥ 0", d))
        lag = t.get("lag", 0)
        if isinstance(lag, bool) or not isinstance(lag, int) or lag < 0:
            problems.append(Problem("bad lag", file, None, f"{where}.lag",
                                    "whole working days ≥ 0", lag))
        for p in t.get("after") or []:
            if p not in names:
                problems.append(Problem("unknown predecessor", file, None, f"{where}.after",
                                        "the name of another task", p))
    return problems


def schedule(tasks: Sequence[Mapping[str, Any]], start: dt.date, *, name: str = "",
             title_en: str = "", title_zh: str = "", source: str = "",
             calendar: WorkingCalendar | None = None, file: str | None = None) -> TimelineResult:
    """Schedule ``tasks`` (``{name, duration, after?, lag?, phase?, label?: {en, zh}}``)
    from ``start``. Cycles and unknown predecessors are :class:`QbdInputError`."""
    cal = calendar or default_calendar()
    if not tasks:
        raise QbdInputError("a timeline needs tasks", file=file, column="tasks",
                            expected="at least one task")
    problems = _task_problems(tasks, file)
    if problems:
        raise QbdInputError(problems=problems)
    by_name = {str(t["name"]): t for t in tasks}
    day0 = cal.first_working_day(start)
    # working-day index ↔ date, grown on demand
    days: list[dt.date] = [day0]

    def date_of(index: int) -> dt.date:
        while len(days) <= index:
            days.append(cal.due(days[-1], 1))
        return days[index]

    offsets: dict[str, tuple[int, int]] = {}
    visiting: set[str] = set()

    def place(task_name: str) -> tuple[int, int]:
        if task_name in offsets:
            return offsets[task_name]
        if task_name in visiting:
            raise QbdInputError("tasks depend on each other in a cycle", file=file,
                                column=task_name, expected="no cycles in 'after'")
        visiting.add(task_name)
        t = by_name[task_name]
        preds = [place(p) for p in (t.get("after") or [])]
        duration = int(t["duration"])
        lag = int(t.get("lag", 0))
        begin = (max(f for _, f in preds) + (1 if duration else 0)) if preds else 0
        begin += lag
        finish = begin + max(duration - 1, 0)
        offsets[task_name] = (begin, finish)
        visiting.discard(task_name)
        return begin, finish

    out: list[TimelineTask] = []
    for t in tasks:
        b, f = place(str(t["name"]))
        label = t.get("label") or {}
        out.append(TimelineTask(
            name=str(t["name"]), label_en=str(label.get("en") or t["name"]),
            label_zh=str(label.get("zh") or label.get("en") or t["name"]),
            phase=str(t.get("phase") or ""), start=date_of(b).isoformat(),
            finish=date_of(f).isoformat(), duration=int(t["duration"]), start_offset=b,
            finish_offset=f, after=[str(p) for p in t.get("after") or []]))
    last = max(o[1] for o in offsets.values())
    end = date_of(last)
    return TimelineResult(name=name, title_en=title_en, title_zh=title_zh,
                          start=day0.isoformat(), finish=end.isoformat(), working_days=last + 1,
                          calendar_days=(end - day0).days + 1, tasks=out, source=source)
