"""The Requests list, read a page at a time: filters, sort and counts in SQL, never all rows.

The window's table model asks for `count()` once and then for pages as the clerk scrolls; a town
with ten years of requests scrolls as fast as one with ten requests.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import peewee

from desktop.i18n import _
from desktop.models import clock
from desktop.models.db import reading
from desktop.models.schema import Department, ServiceRequest, ServiceType, StaffUser
from desktop.models.vocab import OPEN_STATUSES

Assignee = StaffUser.alias("assignee")


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    expression: Any
    sortable: bool = True


COLUMNS: tuple[Column, ...] = (
    Column("tracking_number", _("Number"), ServiceRequest.tracking_number),
    Column("requested_at", _("Received"), ServiceRequest.requested_at),
    Column("service_type", _("Type"), ServiceType.name),
    Column("status", _("Status"), ServiceRequest.status),
    Column("priority", _("Priority"), ServiceRequest.priority),
    Column("address", _("Address"), ServiceRequest.address),
    Column("department", _("Department"), Department.name),
    Column("assignee", _("Assigned to"), Assignee.full_name),
    Column("due_at", _("Due"), ServiceRequest.due_at),
    Column("channel", _("Channel"), ServiceRequest.channel),
)
COLUMN_KEYS = tuple(column.key for column in COLUMNS)

#: the columns whose sort needs another table, and how to reach it
_JOINED: dict[str, tuple[Any, Any]] = {
    "service_type": (ServiceType, ServiceRequest.service_type == ServiceType.id),
    "department": (Department, ServiceRequest.department == Department.id),
    "assignee": (Assignee, ServiceRequest.assignee == Assignee.id),
}


@dataclass(frozen=True)
class RequestFilter:
    """What the clerk asked to see. Empty fields do not filter."""

    statuses: tuple[str, ...] = ()
    open_only: bool = False
    overdue_only: bool = False
    service_type_ids: tuple[int, ...] = ()
    department_ids: tuple[int, ...] = ()
    channels: tuple[str, ...] = ()
    received_from: dt.date | None = None
    received_to: dt.date | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class RequestRow:
    """One line of the list: the request's id and its values in COLUMNS order."""

    id: int
    values: tuple[Any, ...]
    overdue: bool


class RequestList:
    """A filtered, sorted view of the requests that reads pages on demand."""

    def __init__(
        self,
        filters: RequestFilter | None = None,
        sort_key: str = "requested_at",
        descending: bool = True,
    ) -> None:
        if sort_key not in COLUMN_KEYS:
            raise ValueError(f"unknown column {sort_key!r}")
        self.filters = filters or RequestFilter()
        self.sort_key = sort_key
        self.descending = descending

    def _joined(self, *fields: Any) -> Any:
        query = (
            ServiceRequest.select(*fields)
            .join(ServiceType, on=ServiceRequest.service_type == ServiceType.id)
            .switch(ServiceRequest)
            .join(Department, on=ServiceRequest.department == Department.id)
            .switch(ServiceRequest)
            .join(Assignee, peewee.JOIN.LEFT_OUTER, on=ServiceRequest.assignee == Assignee.id)
        )
        return query

    def _conditions(self) -> list[Any]:
        f = self.filters
        conditions: list[Any] = []
        if f.statuses:
            conditions.append(ServiceRequest.status.in_(list(f.statuses)))
        if f.open_only or f.overdue_only:
            conditions.append(ServiceRequest.status.in_(list(OPEN_STATUSES)))
        if f.overdue_only:
            conditions.append(ServiceRequest.due_at < clock.now())
        if f.service_type_ids:
            conditions.append(ServiceRequest.service_type.in_(list(f.service_type_ids)))
        if f.department_ids:
            conditions.append(ServiceRequest.department.in_(list(f.department_ids)))
        if f.channels:
            conditions.append(ServiceRequest.channel.in_(list(f.channels)))
        if f.received_from:
            conditions.append(ServiceRequest.requested_at >= f.received_from)
        if f.received_to:
            conditions.append(ServiceRequest.requested_at < f.received_to + dt.timedelta(days=1))
        return conditions

    def count(self) -> int:
        """How many requests match. Every filter is on the request row, so no join is needed."""
        query = ServiceRequest.select(ServiceRequest.id)
        conditions = self._conditions()
        if conditions:
            query = query.where(*conditions)
        with reading():
            return int(query.count())

    def page_ids(self, offset: int, limit: int) -> list[int]:
        """The ids of one page, in order.

        Only the request table (and, for sorting by a name, the one table holding it) is read:
        with the (status, requested_at) index SQLite sorts index entries, not whole rows.
        """
        column = next(c for c in COLUMNS if c.key == self.sort_key)
        order = [column.expression.desc() if self.descending else column.expression.asc()]
        order.append(ServiceRequest.id.desc() if self.descending else ServiceRequest.id.asc())
        query = ServiceRequest.select(ServiceRequest.id)
        if column.key in _JOINED:
            table, on = _JOINED[column.key]
            query = query.join(table, peewee.JOIN.LEFT_OUTER, on=on)
        conditions = self._conditions()
        if conditions:
            query = query.where(*conditions)
        query = query.order_by(*order).limit(limit).offset(offset)
        with reading():
            return [row.id for row in query]

    def page(self, offset: int, limit: int) -> list[RequestRow]:
        """One page of rows: their ids first, then the rows with the names they show."""
        ids = self.page_ids(offset, limit)
        if not ids:
            return []
        fields = [ServiceRequest.id, *(c.expression for c in COLUMNS)]
        query = self._joined(*fields).where(ServiceRequest.id.in_(ids)).tuples()
        with reading():
            found: dict[int, tuple[Any, ...]] = {row[0]: row for row in query}
        now = clock.now()
        due_index = COLUMN_KEYS.index("due_at")
        status_index = COLUMN_KEYS.index("status")
        rows = []
        for request_id in ids:
            row = found.get(request_id)
            if row is None:  # deleted between the two reads
                continue
            due, status = row[1 + due_index], row[1 + status_index]
            overdue = due is not None and status in OPEN_STATUSES and _as_datetime(due) < now
            rows.append(RequestRow(request_id, tuple(row[1:]), overdue))
        return rows


def _as_datetime(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value
    return dt.datetime.fromisoformat(str(value))
