"""My work: what a staff member has to do, counted for the side of the window and listed as
views of the Requests area.

- Assigned to me: my open requests.
- New for my department: requests still New in a department I am the default assignee of (the
  person its work goes to first).
- Gone overdue since I last looked: my requests, or my department's, whose due time passed
  after the moment I last opened My work (the window keeps that moment per workstation).
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from desktop.i18n import _
from desktop.models.requests.listing import RequestFilter, RequestList
from desktop.models.requests.saved_views import ListView, mine
from desktop.models.storage.db import reading
from desktop.models.storage.schema import Department, StaffUser


class MyWork(NamedTuple):
    assigned: int
    new_for_department: int
    overdue_since: int
    views: list[ListView]


def my_departments(staff: StaffUser) -> list[int]:
    """The departments whose work goes first to `staff` (their default assignee)."""
    with reading():
        return [
            int(d.id)
            for d in Department.select(Department.id).where(
                Department.default_assignee == staff.id,
                Department.active == True,  # noqa: E712
            )
        ]


def _new_for_department(staff: StaffUser) -> ListView | None:
    departments = tuple(my_departments(staff))
    if not departments:
        return None
    return ListView(
        _("My work: new for my department"),
        RequestFilter(statuses=("new",), department_ids=departments),
    )


def _gone_overdue(staff: StaffUser, since: dt.datetime | None) -> ListView:
    return ListView(
        _("My work: gone overdue since I last looked"),
        RequestFilter(overdue_only=True, assignee_ids=(staff.id,), overdue_since=since),
        "due_at",
        False,
    )


def my_views(staff: StaffUser, since: dt.datetime | None = None) -> list[ListView]:
    """The views of My work beside "Mine": new for my department (when I have one), and gone
    overdue since `since` (None: every overdue one of mine)."""
    new = _new_for_department(staff)
    return [*([new] if new else []), _gone_overdue(staff, since)]


def my_work(staff: StaffUser, since: dt.datetime | None = None) -> MyWork:
    """The counts beside the Requests area, and the views behind them."""
    new, overdue = _new_for_department(staff), _gone_overdue(staff, since)
    return MyWork(
        RequestList(mine(staff)).count(),
        RequestList(new.filters).count() if new else 0,
        RequestList(overdue.filters).count(),
        [*([new] if new else []), overdue],
    )
