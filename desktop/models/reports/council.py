"""The monthly report to the council: the month's dashboard, six months of trend and the
requests most overdue, gathered as plain data for `desktop.printing.council_report`.

"Most overdue" follows the one rule of `desktop.models.requests.overdue` (a request waiting with its
clock stopped since before it was due is not overdue), and says by how much in the office's
own time: whole business days, or business hours when it is less than a day.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from desktop.i18n import _, when
from desktop.models import clock
from desktop.models.errors import InputError
from desktop.models.geo import maps
from desktop.models.reports.citistat import (
    Dashboard,
    Period,
    as_datetime,
    counted_from_totals,
    dashboard,
    raw_rows,
    received_totals,
    resolved_totals,
)
from desktop.models.requests.listing import RequestFilter
from desktop.models.requests.overdue import is_overdue
from desktop.models.staff import permissions
from desktop.models.storage.db import reading
from desktop.models.storage.schema import Department, ServiceRequest, ServiceType, StaffUser
from desktop.models.town import register
from desktop.models.town.business_calendar import BusinessCalendar
from desktop.models.town.calendar import load_calendar
from desktop.models.town.settings import get_setting
from desktop.printing.data import MapData

#: how many months the trend covers, the report's month included
TREND_MONTHS = 6
#: how many overdue requests the report lists
NOTABLE = 15
#: ... and how many on each department's page
NOTABLE_PER_DEPARTMENT = 8


@dataclass(frozen=True)
class TrendPoint:
    label: str  # "Oct 2026"
    received: int
    resolved: int
    on_time: float | None  # share resolved on time


@dataclass(frozen=True)
class OverdueLine:
    """An overdue request and by how much: `days_overdue` whole business days, or when that
    is 0, `hours_overdue` business hours (0: under an hour). `paused`: its clock is stopped
    now, so it has been this late since it was paused."""

    tracking_number: str
    service_type: str
    address: str
    department: str
    due_at: dt.datetime
    days_overdue: int
    hours_overdue: int
    paused: bool = False


@dataclass
class MonthlyReport:
    town: str
    board: Dashboard
    trend: list[TrendPoint]
    overdue: list[OverdueLine]
    made_at: dt.datetime
    #: each department's most overdue requests
    overdue_by_department: dict[str, list[OverdueLine]]
    #: the month's requests on the town's streets (None: the town has no register's lines)
    map: MapData | None = None


def monthly_report(month: str, *, actor: StaffUser | None) -> MonthlyReport:
    """Everything the council report shows for the month "YYYY-MM"."""

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
        totals = counted_from_totals()  # one look for the twelve months
        for each in months:
            received, _on, _counted = received_totals(each, min(now, each.ends), totals)
            resolved, on_time, counted = resolved_totals(each, totals)
            trend.append(
                TrendPoint(
                    when(each.start, "%b %Y"),
                    received,
                    resolved,
                    on_time / counted if counted else None,
                )
            )
        overdue, by_department = most_overdue(board.as_of)
        town = str(get_setting("town.name") or "")
        lined = register.has_lines()
    month_map = None
    if lined:
        try:
            month_map = maps.requests_map(
                RequestFilter(received_from=period.start, received_to=period.end),
                title=_("Where the month's requests were"),
            )
        except InputError:  # no request of the month has a place
            month_map = None
    return MonthlyReport(town, board, trend, overdue, now, by_department, month_map)


def most_overdue(
    moment: dt.datetime,
    *,
    limit: int = NOTABLE,
    per_department: int = NOTABLE_PER_DEPARTMENT,
) -> tuple[list[OverdueLine], dict[str, list[OverdueLine]]]:
    """The requests longest overdue at `moment`, most overdue first: of the whole town, and of
    each department (by its name)."""
    r = ServiceRequest
    found: list[tuple[Any, ...]] = []
    for then in (r.resolved_at.is_null(), r.resolved_at >= moment):  # two index reads
        # past due, from the covering index; then the pause of those rows only
        past_due = r.select(r.id).where(then, r.requested_at < moment, r.due_at < moment)
        found += raw_rows(
            r.select(r.id, r.department, r.due_at, r.paused_since).where(r.id.in_(past_due))
        )
    late = []
    for request_id, department_id, due, paused in found:
        due_at, paused_since = as_datetime(due), as_datetime(paused) if paused is not None else None
        if not is_overdue(due_at, paused_since, moment):
            continue
        # a stopped clock stopped its lateness too
        until = paused_since if paused_since is not None and paused_since <= moment else moment
        late.append((request_id, department_id, due_at, until))
    if not late:
        return [], {}
    calendar = load_calendar()
    days = _BusinessDays(calendar, min(row[2] for row in late).date(), moment.date())
    # most overdue first: whole business days, then the time itself
    ranked = sorted(
        late, key=lambda row: (days.late(row[2], row[3]), row[3] - row[2]), reverse=True
    )
    town = ranked[:limit]
    mine: dict[int, list[tuple[int, int, dt.datetime, dt.datetime]]] = defaultdict(list)
    for row in ranked:
        if len(mine[row[1]]) < per_department:
            mine[row[1]].append(row)
    wanted = {row[0] for row in town} | {row[0] for rows in mine.values() for row in rows}
    details = _details(wanted)

    def line(row: tuple[int, int, dt.datetime, dt.datetime]) -> OverdueLine:
        request_id, _department, due_at, until = row
        number, kind, address, department = details[request_id]
        whole_days = days.late(due_at, until)
        hours = 0 if whole_days else int(calendar.business_seconds(due_at, until) // 3600)
        return OverdueLine(
            number,
            kind,
            address or _("(no address)"),
            department,
            due_at,
            whole_days,
            hours,
            paused=until < moment,
        )

    by_department = {
        details[rows[0][0]][3]: [line(row) for row in rows] for rows in mine.values() if rows
    }
    return [line(row) for row in town], by_department


def _details(ids: set[int]) -> dict[int, tuple[str, str, str, str]]:
    """(tracking number, type, address, department) of these requests."""
    r = ServiceRequest
    query = (
        r.select(r.id, r.tracking_number, ServiceType.name, r.address, Department.name)
        .join(ServiceType, on=r.service_type == ServiceType.id)
        .switch(r)
        .join(Department, on=r.department == Department.id)
        .where(r.id.in_(sorted(ids)))
    )
    return {row[0]: (row[1], row[2], row[3], row[4]) for row in raw_rows(query)}


class _BusinessDays:
    """Whole business days between moments, counted from one list of the office's working
    days (a request years overdue costs a look-up, not a walk through the calendar)."""

    def __init__(self, calendar: BusinessCalendar, first: dt.date, last: dt.date) -> None:
        self.calendar = calendar
        self.working: list[int] = []
        day = first
        while day <= last:
            if calendar.is_business_day(day):
                self.working.append(day.toordinal())
            day += dt.timedelta(days=1)

    def late(self, due: dt.datetime, until: dt.datetime) -> int:
        """The working days after the due date by whose time of day it was still not done."""
        if until <= due:
            return 0
        count = bisect_right(self.working, until.date().toordinal()) - bisect_right(
            self.working, due.date().toordinal()
        )
        last = until.date()
        if count and last > due.date() and self.calendar.is_business_day(last):
            # that day counts once its due time of day has come
            count -= until.time() < due.time()
        return count
