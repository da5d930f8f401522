"""The monthly report to the council: the month's dashboard, six months of trend and the
requests most overdue, gathered as plain data for `desktop.printing.council_report`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from desktop.i18n import _
from desktop.models import clock, permissions
from desktop.models.citistat import (
    Dashboard,
    Period,
    _raw,
    dashboard,
    received_totals,
    resolved_totals,
)
from desktop.models.db import reading
from desktop.models.schema import Department, ServiceRequest, ServiceType, StaffUser

#: how many months the trend covers, the report's month included
TREND_MONTHS = 6
#: how many overdue requests the report lists
NOTABLE = 15


@dataclass(frozen=True)
class TrendPoint:
    label: str  # "Oct 2026"
    received: int
    resolved: int
    on_time: float | None  # share resolved on time


@dataclass(frozen=True)
class OverdueLine:
    tracking_number: str
    service_type: str
    address: str
    department: str
    due_at: dt.datetime
    days_overdue: int


@dataclass
class MonthlyReport:
    town: str
    board: Dashboard
    trend: list[TrendPoint]
    overdue: list[OverdueLine]
    made_at: dt.datetime
    #: each department's most overdue requests
    overdue_by_department: dict[str, list[OverdueLine]]


def monthly_report(month: str, *, actor: StaffUser | None = None) -> MonthlyReport:
    """Everything the council report shows for the month "YYYY-MM"."""
    from desktop.models.settings import get_setting

    permissions.require(actor, permissions.REPORTS_VIEW)
    period = Period.month(month)
    now = clock.now()
    board = dashboard(period, now=now, actor=actor)
    trend = []
    first = period
    months = [period]
    for _n in range(TREND_MONTHS - 1):
        first = first.previous()
        months.insert(0, first)
    with reading():
        for each in months:
            received, _on, _counted = received_totals(each, min(now, each.ends))
            resolved, on_time, counted, _days = resolved_totals(each)
            trend.append(
                TrendPoint(
                    f"{each.start:%b %Y}",
                    received,
                    resolved,
                    on_time / counted if counted else None,
                )
            )
        overdue = _most_overdue(board.as_of)
        by_department = {
            name: _most_overdue(board.as_of, department_id, limit=8)
            for department_id, name in _raw(Department.select(Department.id, Department.name))
        }
        town = str(get_setting("town.name") or "")
    return MonthlyReport(town, board, trend, overdue, now, by_department)


def _most_overdue(
    moment: dt.datetime, department_id: int | None = None, *, limit: int = NOTABLE
) -> list[OverdueLine]:
    """The open requests longest past their due date at `moment` (of one department)."""
    r = ServiceRequest
    query = (
        r.select(r.tracking_number, ServiceType.name, r.address, Department.name, r.due_at)
        .join(ServiceType, on=r.service_type == ServiceType.id)
        .switch(r)
        .join(Department, on=r.department == Department.id)
        .where(
            r.requested_at < moment,
            r.resolved_at.is_null() | (r.resolved_at >= moment),
            r.due_at < moment,
        )
        .order_by(r.due_at)
        .limit(limit)
    )
    if department_id is not None:
        query = query.where(r.department == department_id)
    lines = []
    for number, kind, address, department, due in _raw(query):
        due_at = due if isinstance(due, dt.datetime) else dt.datetime.fromisoformat(str(due))
        lines.append(
            OverdueLine(
                number,
                kind,
                address or _("(no address)"),
                department,
                due_at,
                (moment - due_at).days,
            )
        )
    return lines
