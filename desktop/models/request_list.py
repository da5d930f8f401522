"""The Requests list, read a page at a time: filters, sort and counts in SQL, never all rows.

The window's table model asks for `count()` once and then for pages as the clerk scrolls; a town
with ten years of requests scrolls as fast as one with ten requests.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from typing import Any

import peewee

from desktop.i18n import _
from desktop.models import clock
from desktop.models.addresses import normalize_address
from desktop.models.db import reading
from desktop.models.request_search import search_condition
from desktop.models.schema import Contact, Department, ServiceRequest, ServiceType, StaffUser
from desktop.models.vocab import OPEN_STATUSES

Assignee = StaffUser.alias("assignee")
Reporter = Contact.alias("reporter")
_REPORTER_NAME = peewee.fn.TRIM(
    peewee.fn.COALESCE(Reporter.first_name, "")
    .concat(" ")
    .concat(peewee.fn.COALESCE(Reporter.last_name, ""))
)


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    expression: Any
    sortable: bool = True
    shown_by_default: bool = True


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
    Column("contact", _("Resident"), _REPORTER_NAME, shown_by_default=False),
    Column("resolution", _("Resolution"), ServiceRequest.resolution, shown_by_default=False),
    Column("updated_at", _("Last change"), ServiceRequest.updated_at, shown_by_default=False),
    Column("closed_at", _("Closed"), ServiceRequest.closed_at, shown_by_default=False),
    Column("zip", _("ZIP"), ServiceRequest.zip, shown_by_default=False),
)
COLUMN_KEYS = tuple(column.key for column in COLUMNS)
#: shown in place of a confidential reporter's name in lists
CONFIDENTIAL = _("(confidential)")

#: the columns whose sort needs another table, and how to reach it
_JOINED: dict[str, tuple[Any, Any]] = {
    "service_type": (ServiceType, ServiceRequest.service_type == ServiceType.id),
    "department": (Department, ServiceRequest.department == Department.id),
    "assignee": (Assignee, ServiceRequest.assignee == Assignee.id),
    "contact": (Reporter, ServiceRequest.contact == Reporter.id),
}


@dataclass(frozen=True)
class RequestFilter:
    """What the clerk asked to see. Empty fields do not filter; all given ones must match."""

    statuses: tuple[str, ...] = ()
    open_only: bool = False
    overdue_only: bool = False
    service_type_ids: tuple[int, ...] = ()
    department_ids: tuple[int, ...] = ()
    assignee_ids: tuple[int, ...] = ()
    unassigned: bool = False
    channels: tuple[str, ...] = ()
    received_from: dt.date | None = None
    received_to: dt.date | None = None
    received_today: bool = False  # "today" moves with the clock: a saved view stays current
    address: str = ""
    search: str = ""

    def is_empty(self) -> bool:
        return self == RequestFilter()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form (a saved view keeps this)."""
        out: dict[str, Any] = {}
        for item in fields(self):
            value = getattr(self, item.name)
            if value == item.default:
                continue
            if isinstance(value, dt.date):
                value = value.isoformat()
            elif isinstance(value, tuple):
                value = list(value)
            out[item.name] = value
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RequestFilter:
        """The filter a saved view describes; unknown or damaged entries are left out."""
        known = {item.name: item for item in fields(cls)}
        values: dict[str, Any] = {}
        for name, value in data.items():
            item = known.get(name)
            if item is None:
                continue
            default = item.default
            try:
                if isinstance(default, tuple):
                    values[name] = tuple(value)
                elif isinstance(default, bool):
                    values[name] = bool(value)
                elif isinstance(default, str):
                    values[name] = str(value)
                elif value is not None:  # a date
                    values[name] = dt.date.fromisoformat(str(value))
            except (TypeError, ValueError):
                continue
        return cls(**values)


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
            .switch(ServiceRequest)
            .join(Reporter, peewee.JOIN.LEFT_OUTER, on=ServiceRequest.contact == Reporter.id)
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
        if f.assignee_ids and f.unassigned:
            conditions.append(
                ServiceRequest.assignee.in_(list(f.assignee_ids))
                | ServiceRequest.assignee.is_null()
            )
        elif f.assignee_ids:
            conditions.append(ServiceRequest.assignee.in_(list(f.assignee_ids)))
        elif f.unassigned:
            conditions.append(ServiceRequest.assignee.is_null())
        if f.channels:
            conditions.append(ServiceRequest.channel.in_(list(f.channels)))
        if f.received_today:
            conditions.append(ServiceRequest.requested_at >= clock.today())
        if f.received_from:
            conditions.append(ServiceRequest.requested_at >= f.received_from)
        if f.received_to:
            conditions.append(ServiceRequest.requested_at < f.received_to + dt.timedelta(days=1))
        if f.address.strip():
            conditions.append(address_condition(f.address))
        if f.search.strip():
            found = search_condition(f.search)
            conditions.append(found if found is not None else peewee.SQL("0 = 1"))
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
        wanted = [ServiceRequest.id, ServiceRequest.confidential, *(c.expression for c in COLUMNS)]
        query = self._joined(*wanted).where(ServiceRequest.id.in_(ids)).tuples()
        with reading():
            found: dict[int, tuple[Any, ...]] = {row[0]: row for row in query}
        now = clock.now()
        due_index = COLUMN_KEYS.index("due_at")
        status_index = COLUMN_KEYS.index("status")
        contact_index = COLUMN_KEYS.index("contact")
        rows = []
        for request_id in ids:
            row = found.get(request_id)
            if row is None:  # deleted between the two reads
                continue
            values = list(row[2:])
            due, status = values[due_index], values[status_index]
            overdue = due is not None and status in OPEN_STATUSES and _as_datetime(due) < now
            if row[1] and values[contact_index]:
                values[contact_index] = CONFIDENTIAL
            rows.append(RequestRow(request_id, tuple(values), overdue))
        return rows


def address_condition(text: str) -> Any:
    """Requests at an address, or on a street, starting with what was typed ("12 elm", "elm st").

    Both forms are read through an index: the whole normalized address when a house number
    leads, else the street name.
    """
    location = normalize_address(text)
    if location.house_number is not None:
        prefix, column = location.normalized, ServiceRequest.address_normalized
    else:
        prefix, column = " ".join(text.upper().split()), ServiceRequest.street
        prefix = location.street or prefix
    return (column >= prefix) & (column < prefix + "\uffff")


def _as_datetime(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value
    return dt.datetime.fromisoformat(str(value))
