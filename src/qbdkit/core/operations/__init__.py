"""Operational computations: working days of the Chinese calendar, service-request deadlines
and KPIs (seed 001), deviations and CAPA, cell-therapy chain of identity and release (seed
004), multi-site shipments and cleaning limits (seed 002), project timelines (seed 000).

Abbreviations: KPI key performance indicator; CAPA corrective and preventive action; CQA
critical quality attribute; CPP critical process parameter; MACO maximum allowable
carry-over; HBEL health-based exposure limit; PDE permitted daily exposure; OEL / OEB
occupational exposure limit / band; PC / PV process characterisation / validation.
"""

from qbdkit.core.operations.calendar import (
    DueResult,
    WorkingCalendar,
    calendar_rows,
    default_calendar,
    due,
    package_years,
)
from qbdkit.core.operations.cleaning import (
    CarryoverResult,
    ContainmentResult,
    carryover_limits,
    containment_band,
)
from qbdkit.core.operations.kpi import (
    KPIS,
    KpiReport,
    YearlyEvaluation,
    kpi_report,
    row_from_schedule,
    yearly_evaluation,
)
from qbdkit.core.operations.requests import LIMITS, STAGES, RequestSchedule, request_schedule
from qbdkit.core.operations.timeline import TimelineResult, schedule

__all__ = [
    "KPIS", "LIMITS", "STAGES", "CarryoverResult", "ContainmentResult", "DueResult", "KpiReport",
    "RequestSchedule", "TimelineResult", "WorkingCalendar", "YearlyEvaluation", "calendar_rows",
    "carryover_limits", "containment_band", "default_calendar", "due", "kpi_report",
    "package_years", "request_schedule", "row_from_schedule", "schedule", "yearly_evaluation",
]
