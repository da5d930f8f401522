"""The Requests list, read a page at a time: filters, sort and counts in SQL, never all rows.

The window's table model asks for `count()` once and then for pages as the clerk scrolls; a town
with ten years of requests scrolls as fast as one with ten requests.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields, replace
from typing import Any, NamedTuple

import peewee

from desktop.i18n import N_, _
from desktop.models import clock
from desktop.models.requests.overdue import is_overdue, overdue_condition
from desktop.models.requests.search import SEARCH_CAP, matching_ids, parse_search
from desktop.models.staff.permissions import may_see_confidential
from desktop.models.storage.db import reading
from desktop.models.storage.schema import (
    Contact,
    Department,
    ServiceRequest,
    ServiceType,
    StaffUser,
    rows_of,
)
from desktop.models.text_clean import as_typed
from desktop.models.vocab import CONFIDENTIAL, OPEN_STATUSES, PRIORITIES, STATUSES

Assignee = StaffUser.alias("assignee")
Reporter = Contact.alias("reporter")
_REPORTER_NAME = peewee.fn.TRIM(
    peewee.fn.COALESCE(Reporter.first_name, "")
    .concat(" ")
    .concat(peewee.fn.COALESCE(Reporter.last_name, ""))
)


class Column(NamedTuple):
    key: str
    heading: str  # marked with N_(): the column's title as written in the code
    expression: Any
    sortable: bool = True
    shown_by_default: bool = True
    #: what the column sorts by, when not its value (a status by its place in a request's life)
    sort_by: Any = None

    @property
    def label(self) -> str:
        """The column's title in the language spoken now."""
        return _(self.heading)

    @property
    def order(self) -> Any:
        return self.expression if self.sort_by is None else self.sort_by


def _rank(field: Any, codes: Sequence[str]) -> Any:
    """Codes sorted in the order the vocabulary lists them, not the alphabet's."""
    return peewee.Case(field, [(code, rank) for rank, code in enumerate(codes)], len(codes))


COLUMNS: tuple[Column, ...] = (
    Column("tracking_number", N_("Number"), ServiceRequest.tracking_number),
    Column("requested_at", N_("Received"), ServiceRequest.requested_at),
    Column("service_type", N_("Type"), ServiceType.name),
    Column(
        "status",
        N_("Status"),
        ServiceRequest.status,
        sort_by=_rank(ServiceRequest.status, list(STATUSES)),
    ),
    Column(
        "priority",
        N_("Priority"),
        ServiceRequest.priority,
        sort_by=_rank(ServiceRequest.priority, list(PRIORITIES)),
    ),
    Column("address", N_("Address"), ServiceRequest.address),
    Column("department", N_("Department"), Department.name),
    Column("assignee", N_("Assigned to"), Assignee.full_name),
    Column("due_at", N_("Due"), ServiceRequest.due_at),
    Column("channel", N_("Channel"), ServiceRequest.channel),
    Column("contact", N_("Resident"), _REPORTER_NAME, shown_by_default=False),
    Column("resolution", N_("Resolution"), ServiceRequest.resolution, shown_by_default=False),
    Column("updated_at", N_("Last change"), ServiceRequest.updated_at, shown_by_default=False),
    Column("closed_at", N_("Closed"), ServiceRequest.closed_at, shown_by_default=False),
    Column("zip", N_("ZIP"), ServiceRequest.zip, shown_by_default=False),
)
COLUMN_KEYS = tuple(column.key for column in COLUMNS)
#: past this many matches a list sorted by date is read down the date index
WALK_ABOVE = 3000
_NOTHING = peewee.SQL("0 = 1")


def _id_in(ids: list[int]) -> Any:
    """`ServiceRequest.id IN (ids)` with the list as one node: peewee builds a node per value
    otherwise, and for a search's 2,000 ids that took three times as long as the query."""
    param = ServiceRequest._meta.database.param
    marks = ", ".join([param] * len(ids))
    return peewee.Expression(ServiceRequest.id, peewee.OP.IN, peewee.SQL(f"({marks})", ids))


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
    #: went overdue at or after this moment (with overdue_only: "since I last looked")
    overdue_since: dt.datetime | None = None
    address: str = ""
    search: str = ""
    # -- what the dashboard's numbers drill down to (citistat.py); each says exactly which
    # requests are behind a number, so the list shows the same count
    resolved_from: dt.date | None = None
    resolved_to: dt.date | None = None
    #: the moment "open", "age", "overdue" and "acknowledged" are judged at (None: now)
    as_of: dt.datetime | None = None
    #: open at that moment: received before it and not resolved by then
    open_then: bool = False
    #: age in whole days at that moment, from and to (inclusive)
    age_min_days: int | None = None
    age_max_days: int | None = None
    #: open at that moment and past its due date
    overdue_then: bool = False
    #: "on_time" / "late": acknowledged by the respond-by time or not (judged at `as_of`);
    #: "counted": either (the requests an acknowledgement share is computed over)
    acknowledged: str = ""
    #: "on_time" / "late": resolved by the due date or after it; "counted": either
    resolution_timing: str = ""
    #: leave out requests resolved as duplicates (they are not counted as work)
    exclude_duplicates: bool = False
    created_by_ids: tuple[int, ...] = ()
    #: exactly this normalized address ("12 ELM ST")
    address_exact: str = ""
    #: a block: "ELM ST|100" is 100-199 Elm St (citistat.block_of)
    block: str = ""

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
                elif value is None:
                    continue
                elif "datetime" in str(item.type):
                    values[name] = dt.datetime.fromisoformat(str(value))
                elif "int" in str(item.type):
                    values[name] = int(value)
                else:  # a date
                    values[name] = dt.date.fromisoformat(str(value))
            except (TypeError, ValueError):
                continue
        return cls(**values)


class RequestRow(NamedTuple):
    """One line of the list: the request's id and its values in COLUMNS order (a NamedTuple:
    a page makes a hundred of them, and the class is defined before the first paint)."""

    id: int
    values: tuple[Any, ...]
    overdue: bool
    #: its clock is paused (waiting on the resident or a third party): not overdue meanwhile
    paused: bool = False


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time())


def drill_conditions(f: RequestFilter) -> list[Any]:
    """The conditions of the dashboard's drill-down fields (citistat.py computes its numbers
    with these same definitions)."""
    r = ServiceRequest
    conditions: list[Any] = []
    if f.resolved_from:
        conditions.append(r.resolved_at >= _day_start(f.resolved_from))
    if f.resolved_to:
        conditions.append(r.resolved_at < _day_start(f.resolved_to + dt.timedelta(days=1)))
    moment = f.as_of or clock.now()
    if f.open_then or f.overdue_then or f.age_min_days is not None or f.age_max_days is not None:
        conditions.append(r.requested_at < moment)
        conditions.append(r.resolved_at.is_null() | (r.resolved_at >= moment))
    if f.overdue_then:
        conditions.append(overdue_condition(moment))
    if f.age_min_days is not None:  # at least this many whole days old
        conditions.append(r.requested_at <= moment - dt.timedelta(days=f.age_min_days))
    if f.age_max_days is not None:  # fewer than (max + 1) whole days old
        conditions.append(r.requested_at > moment - dt.timedelta(days=f.age_max_days + 1))
    if f.acknowledged:
        counted = r.respond_due_at.is_null(False) & (
            r.acknowledged_at.is_null(False) | (r.respond_due_at <= moment)
        )
        on_time = r.acknowledged_at.is_null(False) & (r.acknowledged_at <= r.respond_due_at)
        conditions.append(counted)
        if f.acknowledged == "on_time":
            conditions.append(on_time)
        elif f.acknowledged == "late":
            conditions.append(~on_time)
    if f.resolution_timing:
        conditions.append(r.resolved_at.is_null(False) & r.due_at.is_null(False))
        if f.resolution_timing == "on_time":
            conditions.append(r.resolved_at <= r.due_at)
        elif f.resolution_timing == "late":
            conditions.append(r.resolved_at > r.due_at)
    if f.exclude_duplicates:
        conditions.append(r.resolution.is_null() | (r.resolution != "duplicate"))
    if f.created_by_ids:
        conditions.append(r.created_by.in_(list(f.created_by_ids)))
    if f.address_exact:
        conditions.append(r.address_normalized == f.address_exact)
    if f.block:
        street, _sep, hundred = f.block.partition("|")
        low = int(hundred) if hundred.isdigit() else 0
        conditions.append(r.street == street)
        conditions.append(r.house_number.between(low, low + 99))
    return conditions


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
        filters = filters or RequestFilter()
        self.filters = replace(
            filters, search=as_typed(filters.search), address=as_typed(filters.address)
        )
        self.sort_key = sort_key
        self.descending = descending
        self._search = parse_search(self.filters.search)
        self._found: list[int] | None = None
        self._count: int | None = None

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

    def _conditions(self, *, walk: bool = False) -> list[Any]:
        """The filters as conditions on the request row (the search words apart).

        With `walk`, the conditions name their columns so that SQLite uses no index for them
        (a unary plus): the list is then read down the date index, stopping after the page,
        which is what a filter matching thousands of requests needs.
        """
        f = self.filters
        column = _plain if walk and _is_sqlite() else _as_is
        conditions: list[Any] = []
        status = column(ServiceRequest.status)
        if f.statuses:
            conditions.append(status.in_(list(f.statuses)))
        if f.open_only or f.overdue_only:
            conditions.append(status.in_(list(OPEN_STATUSES)))
        if f.overdue_only:
            conditions.append(overdue_condition(clock.now(), column))
        if f.overdue_since is not None:
            conditions.append(column(ServiceRequest.due_at) >= f.overdue_since)
        if f.service_type_ids:
            conditions.append(column(ServiceRequest.service_type).in_(list(f.service_type_ids)))
        if f.department_ids:
            conditions.append(column(ServiceRequest.department).in_(list(f.department_ids)))
        assignee = column(ServiceRequest.assignee)
        if f.assignee_ids and f.unassigned:
            conditions.append(assignee.in_(list(f.assignee_ids)) | assignee.is_null())
        elif f.assignee_ids:
            conditions.append(assignee.in_(list(f.assignee_ids)))
        elif f.unassigned:
            conditions.append(assignee.is_null())
        if f.channels:
            conditions.append(ServiceRequest.channel.in_(list(f.channels)))
        if f.received_today:
            conditions.append(ServiceRequest.requested_at >= clock.today())
        if f.received_from:
            conditions.append(ServiceRequest.requested_at >= f.received_from)
        if f.received_to:
            conditions.append(ServiceRequest.requested_at < f.received_to + dt.timedelta(days=1))
        if f.address.strip():
            conditions.append(address_condition(f.address, column))
        conditions.extend(drill_conditions(f))
        if self._search.condition is not None:
            conditions.append(self._search.condition)
        return conditions

    def _search_ids(self) -> list[int] | None:
        """With words to search: the newest matching ids (read once per list)."""
        if not self._search.words:
            return None
        if self._found is None:
            with reading():
                self._found = matching_ids(self._search.words, self._conditions())
        return self._found

    @property
    def capped(self) -> bool:
        """True when a search matched more than it yields (only the newest are listed)."""
        found = self._search_ids()
        return found is not None and len(found) > SEARCH_CAP

    def count(self) -> int:
        """How many requests match (a search: at most SEARCH_CAP). No join is needed."""
        found = self._search_ids()
        if found is not None:
            self._count = min(len(found), SEARCH_CAP)
            return self._count
        query = ServiceRequest.select(ServiceRequest.id)
        conditions = self._conditions()
        if conditions:
            query = query.where(*conditions)
        with reading():
            self._count = int(query.count())
        return self._count

    def places(self, limit: int = 250_000) -> list[tuple[int, float, float, str]]:
        """(id, lat, long, status) of the matching requests that have a place: a map's
        points."""
        found = self._search_ids()
        if found is not None:
            conditions = [_id_in(found[:SEARCH_CAP])] if found else [_NOTHING]
        else:
            conditions = self._conditions()
        query = (
            ServiceRequest.select(
                ServiceRequest.id, ServiceRequest.lat, ServiceRequest.long, ServiceRequest.status
            )
            .where(ServiceRequest.lat.is_null(False), ServiceRequest.long.is_null(False))
            .limit(limit)
        )
        if conditions:
            query = query.where(*conditions)
        with reading():
            return [(int(i), float(a), float(b), str(c)) for i, a, b, c in rows_of(query)]

    def page_ids(self, offset: int, limit: int) -> list[int]:
        """The ids of one page, in order.

        Only the request table (and, for sorting by a name, the one table holding it) is read.
        Sorted by date with many matches, the date index is walked and the walk stops after
        the page; with few matches, they are found by their own index and sorted.
        """
        column = next(c for c in COLUMNS if c.key == self.sort_key)
        order = [column.order.desc() if self.descending else column.order.asc()]
        order.append(ServiceRequest.id.desc() if self.descending else ServiceRequest.id.asc())
        query = ServiceRequest.select(ServiceRequest.id)
        if column.key in _JOINED:
            table, on = _JOINED[column.key]
            query = query.join(table, peewee.JOIN.LEFT_OUTER, on=on)
        found = self._search_ids()
        if found is not None:
            conditions = [_id_in(found[:SEARCH_CAP])] if found else [_NOTHING]
        else:
            if self._count is None:
                self.count()
            walk = column.key == "requested_at" and (self._count or 0) > WALK_ABOVE
            conditions = self._conditions(walk=walk)
        if conditions:
            query = query.where(*conditions)
        query = query.order_by(*order).limit(limit).offset(offset)
        with reading():
            return [row.id for row in query]

    def page(self, offset: int, limit: int, *, actor: StaffUser | None) -> list[RequestRow]:
        """One page of rows: their ids first, then the rows with the names they show (a
        confidential reporter masked unless `actor` may see them)."""
        ids = self.page_ids(offset, limit)
        if not ids:
            return []
        wanted = [
            ServiceRequest.id,
            ServiceRequest.confidential,
            ServiceRequest.paused_since,
            *(c.expression for c in COLUMNS),
        ]
        query = self._joined(*wanted).where(_id_in(ids)).tuples()
        with reading():
            found: dict[int, tuple[Any, ...]] = {row[0]: row for row in query}
        now = clock.now()
        due_index = COLUMN_KEYS.index("due_at")
        status_index = COLUMN_KEYS.index("status")
        contact_index = COLUMN_KEYS.index("contact")

        mask = not may_see_confidential(actor)  # only the roles that need a confidential reporter
        rows = []
        for request_id in ids:
            row = found.get(request_id)
            if row is None:  # deleted between the two reads
                continue
            values = list(row[3:])
            due, status, paused = values[due_index], values[status_index], row[2]
            overdue = status in OPEN_STATUSES and is_overdue(
                _as_datetime(due) if due is not None else None,
                _as_datetime(paused) if paused is not None else None,
                now,
            )
            if mask and row[1] and values[contact_index]:
                values[contact_index] = _(CONFIDENTIAL)
            paused_now = paused is not None and status in OPEN_STATUSES
            rows.append(RequestRow(request_id, tuple(values), overdue, paused_now))
        return rows


def address_condition(text: str, column: Callable[[Any], Any] | None = None) -> Any:
    """Requests at an address, or on a street, starting with what was typed ("12 elm", "elm st").

    Both forms are read through an index: the whole normalized address when a house number
    leads, else the street name.
    """
    from desktop.models.town.addresses import normalize_address  # noqa: PLC0415 (first filter)

    column = column or _as_is
    location = normalize_address(text)
    if location.house_number is not None:
        prefix, field = location.normalized, ServiceRequest.address_normalized
    else:
        prefix, field = location.street or " ".join(text.upper().split()), ServiceRequest.street
    return (column(field) >= prefix) & (column(field) < prefix + "\uffff")


def _as_is(field: Any) -> Any:
    return field


def _plain(field: Any) -> Any:
    """`+column`: the same value, but SQLite will not pick the column's index for it."""
    return peewee.NodeList((peewee.SQL("+"), field), glue="")


def _is_sqlite() -> bool:
    db = ServiceRequest._meta.database
    return isinstance(getattr(db, "obj", db), peewee.SqliteDatabase)


def _as_datetime(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value
    return dt.datetime.fromisoformat(str(value))
