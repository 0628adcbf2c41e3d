"""Service requests of a pilot platform: stages, working-day deadlines, overdue flags.

Seed 001 (draft group standard "生物制造中试平台建设与运行规范 第3部分：细胞治疗产品",
explanatory note §2.3) fixes the service workflow and its deadlines::

    需求对接与评估 intake and assessment   ≤ 5 working days after the request is received
    方案制定       protocol               ≤ 10 working days after intake is complete
    服务实施       execution              as agreed in the protocol (optional agreed end)
    服务验收       acceptance             ≤ 10 working days after execution is complete
    结题           closure                results and IP ownership recorded

Each stage starts when the previous one completes (intake starts on the day the request is
received). A stage's due date is :meth:`WorkingCalendar.due` of its start and its limit.
Status of a stage, as of a date: ``on time`` / ``late`` (completed, by / after the due
date), ``open`` (not completed, due date not passed), ``overdue`` (not completed, due date
passed), ``not started`` (previous stage open).

A request is *completed on time* (KPI "中试项目按时完成率", seed 001 §2.5) when acceptance is
complete and no stage with a deadline — including execution when an end was agreed — was
late. This reading is qbdkit's: the seed names the KPI without defining it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from qbdkit.core.operations.calendar import WorkingCalendar, default_calendar
from qbdkit.core.result import Result, format_table
from qbdkit.errors import QbdInputError

#: the workflow stages in order (seed 001 §2.3)
STAGES: tuple[str, ...] = ("intake", "protocol", "execution", "acceptance", "closure")
#: working-day limits (seed 001 §2.3); execution's limit is the agreed end, closure has none
LIMITS: dict[str, int] = {"intake": 5, "protocol": 10, "acceptance": 10}
#: the two cooperation modes (seed 001 §2.3): results to the client vs shared
COOPERATION_MODES: tuple[str, ...] = ("commissioned", "co-development")
#: the five service scopes of seed 001 §2.3 (pilot verification, scale-up and process
#: optimisation, pilot production, testing and evaluation, consulting and compliance)
SCOPES: tuple[str, ...] = ("pilot-verification", "scale-up", "pilot-production", "testing",
                           "consulting")


@dataclass(frozen=True)
class StageStatus(Result):
    """One stage of a request: dates as ISO text (or None) and its status."""

    stage: str
    start: str | None
    due: str | None
    completed: str | None
    limit_working_days: int | None
    working_days_used: int | None
    status: str


@dataclass(frozen=True)
class RequestSchedule(Result):
    """All stages of one request, as of ``as_of``."""

    request: str
    received: str
    as_of: str
    stages: list[StageStatus] = field(default_factory=list)
    overdue: bool = False
    late: bool = False
    closed: bool = False
    completed_on_time: bool | None = None
    next_due: str | None = None

    def stage(self, name: str) -> StageStatus:
        return next(s for s in self.stages if s.stage == name)

    def summary(self) -> str:
        head = (f"request {self.request}: received {self.received}, as of {self.as_of}"
                + ("; OVERDUE" if self.overdue else "")
                + ("; completed on time" if self.completed_on_time else
                   "; completed late" if self.completed_on_time is False else ""))
        rows = [[s.stage, s.start, s.due, s.completed, s.limit_working_days,
                 s.working_days_used, s.status] for s in self.stages]
        return head + "\n" + format_table(
            ["stage", "start", "due", "completed", "limit (wd)", "used (wd)", "status"], rows)


def _iso(d: dt.date | None) -> str | None:
    return None if d is None else d.isoformat()


def request_schedule(request: str, received: dt.date, completed: Mapping[str, dt.date | None],
                     *, as_of: dt.date, execution_due: dt.date | None = None,
                     calendar: WorkingCalendar | None = None) -> RequestSchedule:
    """Due dates and statuses of a request's stages.

    ``completed`` maps a stage (:data:`STAGES`) to its completion date (missing/None =
    not completed). Dates must be in order (a stage cannot complete before the previous
    one); a violation raises :class:`QbdInputError` naming the stage.
    """
    cal = calendar or default_calendar()
    unknown = sorted(set(completed) - set(STAGES))
    if unknown:
        raise QbdInputError("unknown stage", column=unknown[0], expected=" | ".join(STAGES),
                            found=unknown[0])
    rows: list[StageStatus] = []
    start: dt.date | None = received
    previous = received
    late = overdue = False
    next_due: dt.date | None = None
    for stage in STAGES:
        done = completed.get(stage)
        if done is not None and start is None:
            raise QbdInputError("stage completed before the previous stage", column=stage,
                                expected=f"a completion date for the stage before {stage}",
                                found=done.isoformat())
        if done is not None and done < previous:
            raise QbdInputError("completion date earlier than the stage's start", column=stage,
                                expected=f"on or after {previous.isoformat()}",
                                found=done.isoformat())
        limit = LIMITS.get(stage)
        due: dt.date | None = None
        if start is not None and limit is not None:
            due = cal.due(start, limit, column=stage)
        elif stage == "execution" and start is not None and execution_due is not None:
            due = execution_due
        used = None if start is None or done is None else cal.working_days_between(
            start, done, column=stage)
        if start is None:
            status = "not started"
        elif done is not None:
            status = "late" if due is not None and done > due else "on time"
        elif due is not None and as_of > due:
            status = "overdue"
        else:
            status = "open"
        late |= status == "late"
        overdue |= status == "overdue"
        if status in ("open", "overdue") and due is not None:
            next_due = due if next_due is None else min(next_due, due)
        rows.append(StageStatus(stage, _iso(start), _iso(due), _iso(done), limit, used, status))
        if done is not None:
            previous = done
        start = done
    accepted = completed.get("acceptance") is not None
    return RequestSchedule(
        request=request, received=received.isoformat(), as_of=as_of.isoformat(), stages=rows,
        overdue=overdue, late=late, closed=completed.get("closure") is not None,
        completed_on_time=(not late) if accepted else None, next_due=_iso(next_due))
