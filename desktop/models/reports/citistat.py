"""CitiStat: how the town serves, for a period and against the period before.

Every number here comes with the `RequestFilter` of exactly the requests behind it, so the
Requests list opened from the dashboard shows the same count (the tests check each one).

The rules, in the words the README uses:
- *received* in a period: requests that came in during it (any channel);
- *resolved* in a period: requests whose work was finished during it (resolved, or resolved and
  closed); duplicates are left out of resolution counts, times and on-time shares;
- *open* at a moment: received before it and not resolved by then; its *age* is whole days
  since it came in; *overdue*: open and past its due date, and not waiting with its clock
  stopped unless it was overdue already when paused (`desktop.models.requests.overdue`, the rule the
  Requests list uses too);
- *acknowledged on time*: acknowledged by its respond-by time; a request not yet acknowledged
  counts as late once that time has passed, and not at all before;
- *resolved on time*: resolved by its due date. Due dates count only the office's open hours
  (no weekends, holidays or closed hours), and paused time moves them out by as much;
- *time to resolve*: calendar days from arrival to resolution (median and 90th percentile).
"""

from __future__ import annotations

import calendar as month_calendar
import datetime as dt
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import partial
from operator import itemgetter
from typing import Any, Final

import peewee

from desktop import i18n
from desktop.i18n import _, when
from desktop.models import clock
from desktop.models.errors import InputError
from desktop.models.reports.goals import Goal, goals
from desktop.models.requests.listing import RequestFilter
from desktop.models.requests.overdue import overdue_condition
from desktop.models.staff import permissions
from desktop.models.storage import rollups
from desktop.models.storage.db import current, raw_datetime, reading, whole_hours_between
from desktop.models.storage.schema import (
    Department,
    FaqArticle,
    InfoContact,
    RequestPause,
    ServiceRequest,
    ServiceType,
    StaffUser,
)
from desktop.models.town import languages
from desktop.models.town.calendar import load_calendar
from desktop.models.vocab import CHANNELS

#: the ageing buckets of the open backlog (whole days, inclusive)
AGE_BUCKETS: tuple[tuple[int, int | None], ...] = ((0, 7), (8, 30), (31, 90), (91, None))
#: how many weeks the volume chart covers
WEEKS = 52
#: how many rows the "top" lists keep
TOP = 10
#: a location counts as a repeat from this many requests in the period
REPEAT_FROM = 3


@dataclass(frozen=True)
class Period:
    """A span of whole days, `start` to `end` inclusive."""

    start: dt.date
    end: dt.date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise InputError(_("The period ends before it starts."))

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def begins(self) -> dt.datetime:
        return dt.datetime.combine(self.start, dt.time())

    @property
    def ends(self) -> dt.datetime:
        """The first moment after the period."""
        return dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time())

    def previous(self, compare: str = "") -> Period:
        """The period it is compared with (COMPARISONS): the same days of the month before
        ("month": December 1-5 against November 1-5, a whole month against the month before),
        the same days a year before ("year"), or as many days just before ("days"). With no
        choice, the one a council expects (`default_comparison`)."""
        compare = compare or self.default_comparison()
        if compare == "year":
            return Period(_years_back(self.start, 1), _years_back(self.end, 1))
        if compare == "month":
            if self.start.day == 1 and self.end == _month_end(self.end):
                before = self.start - dt.timedelta(days=1)  # whole months: as many before
                months = (self.end.year - self.start.year) * 12 + self.end.month - self.start.month
                first = _months_back(before.replace(day=1), months)
                return Period(first, before)
            return Period(_months_back(self.start, 1), _months_back(self.end, 1))
        if compare == "days":
            return Period(
                self.start - dt.timedelta(days=self.days), self.start - dt.timedelta(days=1)
            )
        raise InputError(_("Compare with {choices}.").format(choices=", ".join(COMPARISONS)))

    def default_comparison(self) -> str:
        """What a council compares a period with: a month, or a month so far, with the same
        days of the month before (a run of whole months with as many before); a year of
        months, or a span from the first of a month into a later month (a year or fiscal year
        so far), with the same days last year; any other span with as many days before."""
        whole_months = self.start.day == 1 and self.end == _month_end(self.end)
        months = (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1
        if whole_months:
            return "year" if months >= 12 else "month"
        if self.start.day == 1:
            return "month" if months == 1 else "year"
        return "days"

    def label(self) -> str:
        if self.start.day == 1 and self.end == _month_end(self.start):
            return when(self.start, "%B %Y")
        return f"{self.start.isoformat()} – {self.end.isoformat()}"

    @classmethod
    def month(cls, text: str) -> Period:
        """The calendar month "YYYY-MM"."""
        try:
            first = dt.datetime.strptime(text.strip(), "%Y-%m").date()
        except ValueError:
            raise InputError(_("“{text}” is not a month like 2026-10.").format(text=text)) from None
        if not clock.FIRST_YEAR <= first.year <= clock.LAST_YEAR:
            raise InputError(
                _(
                    "{text} is not a month Front Counter keeps: give a year from {first} to {last}."
                ).format(text=text, first=clock.FIRST_YEAR, last=clock.LAST_YEAR)
            )
        return cls(first, _month_end(first))

    @classmethod
    def last_days(cls, days: int, today: dt.date | None = None) -> Period:
        today = today or clock.today()
        return cls(today - dt.timedelta(days=days - 1), today)


#: what a period can be compared with, in the clerk's words
def comparisons() -> dict[str, str]:
    return {
        "month": _("the same days of the month before"),
        "year": _("the same days last year"),
        "days": _("as many days just before"),
    }


COMPARISONS = ("month", "year", "days")


def _months_back(day: dt.date, months: int) -> dt.date:
    """The same day `months` months earlier (the 31st becomes the month's last day)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    last = month_calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def _years_back(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # February 29th
        return day.replace(year=day.year - years, day=28)


def _month_end(day: dt.date) -> dt.date:
    return day.replace(day=month_calendar.monthrange(day.year, day.month)[1])


@dataclass
class Bar:
    """One counted thing: a label, its count and the requests behind it (None: not requests)."""

    label: str
    count: int
    drill: RequestFilter | None = None
    previous: int | None = None


@dataclass
class Share:
    """On time out of counted, with the requests behind each part: `drill_counted` lists the
    requests the share is computed over (None where no list view selects exactly them)."""

    on_time: int
    counted: int
    drill_on_time: RequestFilter | None = None
    drill_late: RequestFilter | None = None
    drill_counted: RequestFilter | None = None

    @property
    def value(self) -> float | None:
        return self.on_time / self.counted if self.counted else None

    @property
    def late(self) -> int:
        return self.counted - self.on_time


@dataclass
class GroupRow:
    """One department or request type in the period."""

    name: str
    received: Bar
    resolved: Bar
    acknowledged: Share
    on_time: Share
    median_days: float | None
    p90_days: float | None
    backlog: Bar


@dataclass
class GoalResult:
    """A goal against the period's results (and the period before, for the trend)."""

    goal: Goal
    met: int
    counted: int
    previous_met: int
    previous_counted: int
    drill: RequestFilter

    @property
    def share(self) -> float | None:
        return self.met / self.counted if self.counted else None

    @property
    def previous_share(self) -> float | None:
        return self.previous_met / self.previous_counted if self.previous_counted else None

    @property
    def ok(self) -> bool | None:
        """True: the goal was met; None: nothing of the type was resolved in the period."""
        return None if self.share is None else self.share >= self.goal.share - 1e-9


@dataclass
class Dashboard:
    period: Period
    previous_period: Period
    #: what the period is compared with: month | year | days (comparisons())
    comparison: str
    as_of: dt.datetime
    received: Bar
    by_channel: list[Bar]
    questions: Bar
    questions_by_article: list[Bar]
    resolved: Bar
    backlog: Bar
    ageing: list[Bar]
    overdue: Bar
    acknowledged: Share
    acknowledged_before: Share
    resolved_on_time: Share
    resolved_on_time_before: Share
    median_days: float | None
    median_days_before: float | None
    p90_days: float | None
    p90_days_before: float | None
    by_department: list[GroupRow]
    by_type: list[GroupRow]
    weekly: list[Bar]
    top_types: list[Bar]
    repeat_addresses: list[Bar]
    repeat_blocks: list[Bar]
    per_clerk: list[Bar]
    goals: list[GoalResult] = field(default_factory=list)
    #: each department's most requested types in the period
    types_by_department: dict[str, list[Bar]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The same numbers for machines (`frontcounter stats --json`)."""

        def share(s: Share) -> dict[str, Any]:
            return {"on_time": s.on_time, "counted": s.counted, "share": s.value}

        def bars(items: Iterable[Bar]) -> list[dict[str, Any]]:
            return [
                {"label": b.label, "count": b.count}
                | ({"previous": b.previous} if b.previous is not None else {})
                for b in items
            ]

        def group(rows: list[GroupRow]) -> list[dict[str, Any]]:
            return [
                {
                    "name": r.name,
                    "received": r.received.count,
                    "resolved": r.resolved.count,
                    "acknowledged_on_time": share(r.acknowledged),
                    "resolved_on_time": share(r.on_time),
                    "median_days": r.median_days,
                    "p90_days": r.p90_days,
                    "open": r.backlog.count,
                }
                for r in rows
            ]

        return {
            "period": {"from": self.period.start.isoformat(), "to": self.period.end.isoformat()},
            "previous_period": {
                "from": self.previous_period.start.isoformat(),
                "to": self.previous_period.end.isoformat(),
                "compared_with": self.comparison,
            },
            "as_of": self.as_of.isoformat(timespec="seconds"),
            "received": {"count": self.received.count, "previous": self.received.previous},
            "received_by_channel": bars(self.by_channel),
            "questions_answered": {
                "count": self.questions.count,
                "previous": self.questions.previous,
            },
            "questions_by_article": bars(self.questions_by_article),
            "resolved": {"count": self.resolved.count, "previous": self.resolved.previous},
            "open": {"count": self.backlog.count, "previous": self.backlog.previous},
            "open_by_age": bars(self.ageing),
            "overdue": {"count": self.overdue.count, "previous": self.overdue.previous},
            "acknowledged_on_time": share(self.acknowledged)
            | {"previous": share(self.acknowledged_before)},
            "resolved_on_time": share(self.resolved_on_time)
            | {"previous": share(self.resolved_on_time_before)},
            "days_to_resolve": {
                "median": self.median_days,
                "p90": self.p90_days,
                "previous_median": self.median_days_before,
                "previous_p90": self.p90_days_before,
            },
            "by_department": group(self.by_department),
            "by_type": group(self.by_type),
            "weekly_received": bars(self.weekly),
            "top_types": bars(self.top_types),
            "repeat_addresses": bars(self.repeat_addresses),
            "repeat_blocks": bars(self.repeat_blocks),
            "received_per_clerk": bars(self.per_clerk),
            "goals": [
                {
                    "type": r.goal.service_type,
                    "goal": r.goal.sentence(),
                    "target_share": r.goal.share,
                    "met": r.met,
                    "counted": r.counted,
                    "share": r.share,
                    "ok": r.ok,
                    "previous_share": r.previous_share,
                }
                for r in self.goals
            ],
        }


# -- reading the counts -------------------------------------------------------------------------


#: how a request counts toward a share: on time, late, or not counted (no target, or not yet
#: acknowledged and not yet due to be): the marks the running totals keep (storage/rollups.py)
LATE: Final = rollups.LATE
ON_TIME_MARK: Final = rollups.ON_TIME
NOT_COUNTED: Final = rollups.NOT_COUNTED

#: (type, department, mark) -> how many requests
Marks = Counter[tuple[int, int, int]]
#: (type, department, whole hours to resolve) -> how many requests
Hours = Counter[tuple[int, int, int]]
TYPE: Final = 0
DEPARTMENT: Final = 1


def as_datetime(value: Any) -> dt.datetime:
    return value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))


def counted_from_totals() -> bool:
    """Whether the running totals answer (SQLite keeps them); otherwise the rows are counted."""
    return rollups.kept(current())


def _acknowledgement(moment: dt.datetime) -> tuple[Any, Any]:
    """(counted, on time) for the acknowledgement share at `moment`, as SQL conditions: the
    rule of `RequestFilter.acknowledged`."""
    r = ServiceRequest
    has_target = r.respond_due_at.is_null(False)
    counted = has_target & (r.acknowledged_at.is_null(False) | (r.respond_due_at <= moment))
    on_time = (
        has_target & r.acknowledged_at.is_null(False) & (r.acknowledged_at <= r.respond_due_at)
    )
    return counted, on_time


def _received_in(begins: dt.datetime, ends: dt.datetime) -> Any:
    r = ServiceRequest
    return (r.requested_at >= begins) & (r.requested_at < ends)


def _resolved_in(begins: dt.datetime, ends: dt.datetime) -> Any:
    """Resolved in the span, duplicates left out."""
    r = ServiceRequest
    return (
        (r.resolved_at >= begins)
        & (r.resolved_at < ends)
        & (r.resolution.is_null() | (r.resolution != "duplicate"))
    )


def _grouped(query: peewee.ModelSelect[ServiceRequest], keys: int) -> list[tuple[Any, ...]]:
    """The rows of `query` grouped by its first `keys` columns."""
    return raw_rows(query.group_by(*(peewee.SQL(str(i + 1)) for i in range(keys))))


def _whole_months(
    period: Period,
) -> tuple[tuple[str, str] | None, list[tuple[dt.datetime, dt.datetime]]]:
    """The first and last calendar month ("YYYY-MM") wholly inside the period (None: none is),
    and the spans of the period outside them."""
    first = period.start if period.start.day == 1 else _month_end(period.start) + _DAY
    last = period.end if period.end == _month_end(period.end) else period.end.replace(day=1) - _DAY
    if first > last:
        return None, [(period.begins, period.ends)]
    spans = []
    if first > period.start:
        spans.append((period.begins, dt.datetime.combine(first, dt.time())))
    if last < period.end:
        spans.append((dt.datetime.combine(last + _DAY, dt.time()), period.ends))
    return (f"{first:%Y-%m}", f"{last:%Y-%m}"), spans


_DAY = dt.timedelta(days=1)


def _day_range(period: Period) -> tuple[str, str]:
    return period.start.isoformat(), period.end.isoformat()


def received_marks(period: Period, moment: dt.datetime, totals: bool) -> Marks:
    """How many requests received in the period, by type, department and how their
    acknowledgement counts at `moment`."""
    r = ServiceRequest
    counts: Marks = Counter()
    if totals:
        rows = rollups.received(current(), *_day_range(period))
        for type_id, department_id, mark, n in rows:
            if mark != rollups.PENDING:
                counts[type_id, department_id, mark] += n
        # not acknowledged yet: late once the respond-by time has passed (a few rows, read
        # through their own index)
        mark = peewee.Case(None, [(r.respond_due_at <= moment, LATE)], NOT_COUNTED)
        waiting = r.select(r.service_type, r.department, mark, peewee.fn.COUNT(r.id)).where(
            _received_in(period.begins, period.ends),
            r.acknowledged_at.is_null(),
            r.respond_due_at.is_null(False),
        )
        rows = _grouped(waiting, 3)
    else:
        counted, on_time = _acknowledgement(moment)
        mark = peewee.Case(None, [(~counted, NOT_COUNTED), (on_time, ON_TIME_MARK)], LATE)
        query = r.select(r.service_type, r.department, mark, peewee.fn.COUNT(r.id)).where(
            _received_in(period.begins, period.ends)
        )
        rows = _grouped(query, 3)
    for type_id, department_id, mark, n in rows:
        counts[type_id, department_id, mark] += int(n)
    return counts


def _received_by(period: Period, totals: bool) -> tuple[Counter[str], Counter[int | None]]:
    """How many requests arrived in the period by each channel, and by each clerk."""
    if totals:
        rows = rollups.received_by(current(), *_day_range(period))
    else:
        r = ServiceRequest
        query = r.select(r.channel, r.created_by, peewee.fn.COUNT(r.id)).where(
            _received_in(period.begins, period.ends)
        )
        rows = _grouped(query, 2)
    channels: Counter[str] = Counter()
    clerks: Counter[int | None] = Counter()
    for channel, clerk, n in rows:
        channels[channel or ""] += int(n)
        clerks[clerk or None] += int(n)
    return channels, clerks


def _repeats(
    period: Period, totals: bool
) -> tuple[list[tuple[str, int]], list[tuple[str, int, int]]]:
    """The addresses and the blocks (street, hundred) with REPEAT_FROM requests or more in the
    period, the TOP most first."""
    if totals:
        months, spans = _whole_months(period)
        addresses, blocks = rollups.repeats(
            current(),
            months,
            [(raw_datetime(begins), raw_datetime(ends)) for begins, ends in spans],
            REPEAT_FROM,
            TOP,
        )
    else:
        r = ServiceRequest
        n = peewee.fn.COUNT(r.id)
        received = _received_in(period.begins, period.ends)
        addresses = raw_rows(
            r.select(r.address_normalized, n)
            .where(received, r.address_normalized != "")
            .group_by(r.address_normalized)
            .having(n >= REPEAT_FROM)
            .order_by(n.desc(), r.address_normalized)
            .limit(TOP)
        )
        hundred = r.house_number / 100 * 100
        blocks = raw_rows(
            r.select(r.street, hundred, n)
            .where(received, r.street != "", r.house_number.is_null(False))
            .group_by(peewee.SQL("1"), peewee.SQL("2"))
            .having(n >= REPEAT_FROM)
            .order_by(n.desc(), r.street, peewee.SQL("2"))
            .limit(TOP)
        )
    return (
        [(str(address), int(count)) for address, count in addresses],
        [(str(street), int(hundred), int(count)) for street, hundred, count in blocks],
    )


def resolved_marks(period: Period, totals: bool) -> Marks:
    """How many requests were resolved in the period (duplicates left out), by type,
    department and whether by their due date."""
    if totals:
        rows = rollups.resolved(current(), *_day_range(period))
    else:
        r = ServiceRequest
        query = r.select(r.service_type, r.department, _on_time(), peewee.fn.COUNT(r.id)).where(
            _resolved_in(period.begins, period.ends)
        )
        rows = _grouped(query, 3)
    counts: Marks = Counter()
    for type_id, department_id, mark, n in rows:
        counts[type_id, department_id, mark] += int(n)
    return counts


def resolve_hours(period: Period, totals: bool) -> Hours:
    """How long the requests resolved in the period took (duplicates left out), in whole
    hours, by type and department."""
    r = ServiceRequest
    hours = whole_hours_between(r.resolved_at, r.requested_at)

    def counted(begins: dt.datetime, ends: dt.datetime) -> list[tuple[Any, ...]]:
        query = r.select(r.service_type, r.department, hours, peewee.fn.COUNT(r.id)).where(
            _resolved_in(begins, ends)
        )
        return _grouped(query, 3)

    rows: list[tuple[Any, ...]] = []
    if totals:
        months, spans = _whole_months(period)
        if months:
            rows += rollups.resolve_hours(current(), *months)
    else:
        spans = [(period.begins, period.ends)]
    for begins, ends in spans:
        rows += counted(begins, ends)
    found: Hours = Counter()
    for type_id, department_id, whole, n in rows:
        found[type_id, department_id, int(whole)] += int(n)
    return found


def received_totals(period: Period, moment: dt.datetime, totals: bool) -> tuple[int, int, int]:
    """(received, acknowledged on time, counted for the acknowledgement share); `totals`:
    `counted_from_totals()`, asked once by the caller."""
    marks = received_marks(period, moment, totals)
    on_time, counted = _share_of(marks)
    return sum(marks.values()), on_time, counted


def resolved_totals(period: Period, totals: bool) -> tuple[int, int, int]:
    """(resolved, on time, counted for the on-time share); `totals` as `received_totals`'."""
    marks = resolved_marks(period, totals)
    on_time, counted = _share_of(marks)
    return sum(marks.values()), on_time, counted


def _on_time() -> Any:
    """ON_TIME_MARK when resolved by the due date, LATE after it, NOT_COUNTED without one (an
    SQL expression)."""
    r = ServiceRequest
    return peewee.Case(
        None,
        [(r.due_at.is_null(), NOT_COUNTED), (r.resolved_at <= r.due_at, ON_TIME_MARK)],
        LATE,
    )


def _goal_rows(period: Period, type_ids: list[int]) -> list[tuple[int, int, Any, Any]]:
    """(id, type, requested_at, resolved_at) of the period's resolved requests of these types."""
    r = ServiceRequest
    # "+ 0": the type is not looked up by its own index, the period's index is read instead
    query = r.select(r.id, r.service_type, r.requested_at, r.resolved_at).where(
        _resolved_in(period.begins, period.ends), (r.service_type + 0).in_(type_ids)
    )
    return [tuple(row) for row in raw_rows(query)]


def _open_at(moment: dt.datetime) -> list[tuple[int, Any, Any, int]]:
    """(id, requested_at, due_at, department) of the requests open at `moment` (raw)."""
    r = ServiceRequest
    columns = (r.id, r.requested_at, r.due_at, r.department)
    still_open = r.select(*columns).where(r.resolved_at.is_null(), r.requested_at < moment)
    later = r.select(*columns).where(r.resolved_at >= moment, r.requested_at < moment)
    # two index reads: an OR would scan the whole table
    return [tuple(row) for row in raw_rows(still_open) + raw_rows(later)]


def _open_totals(moment: dt.datetime) -> tuple[int, int]:
    """(open, overdue) at `moment`, counted in SQL."""
    r = ServiceRequest
    total = 0
    for then in (r.resolved_at.is_null(), r.resolved_at >= moment):
        total += int(r.select().where(then, r.requested_at < moment).count())
    return total, _overdue_at(moment)


def _overdue_at(moment: dt.datetime) -> int:
    """How many requests were overdue at `moment` (open then, and the one rule of
    `desktop.models.requests.overdue`), counted in SQL."""
    r = ServiceRequest
    overdue = 0
    for then in (r.resolved_at.is_null(), r.resolved_at >= moment):  # two index reads
        # the requests past due, from the covering index alone; the pause rule is read from
        # those rows only (asked of all rows at once, SQLite would walk the arrival index)
        past_due = r.select(r.id).where(then, r.requested_at < moment, r.due_at < moment)
        query = r.select().where(r.id.in_(past_due), overdue_condition(moment))
        overdue += int(query.count())
    return overdue


def raw_rows(query: peewee.Query) -> list[tuple[Any, ...]]:
    """A query's rows as the driver gives them (no peewee conversion: speed at a million)."""
    sql, params = query.sql()
    cursor = ServiceRequest._meta.database.execute_sql(sql, params)
    return list(cursor.fetchall())


# -- the numbers ------------------------------------------------------------------------------


def _share_of(marks: Marks) -> tuple[int, int]:
    """(on time, counted) of these counts."""
    on_time = late = 0
    for (_type, _department, mark), n in marks.items():
        if mark == ON_TIME_MARK:
            on_time += n
        elif mark == LATE:
            late += n
    return on_time, on_time + late


class _Tally:
    """How many requests of each type and of each department are on time, late or not
    counted, and how many of each (department, type) pair there are."""

    def __init__(self, marks: Marks) -> None:
        #: (TYPE or DEPARTMENT, mark) -> requests per type or department id
        self.marks: dict[tuple[int, int], Counter[int]] = defaultdict(Counter)
        #: (department, type) -> requests
        self.pairs: Counter[tuple[int, int]] = Counter()
        for (kind, department, mark), n in marks.items():
            if not n:
                continue
            self.marks[TYPE, mark][kind] += n
            self.marks[DEPARTMENT, mark][department] += n
            self.pairs[department, kind] += n

    def total(self, column: int) -> Counter[int]:
        """Requests per type (column TYPE) or department (DEPARTMENT)."""
        return (
            self.marks[column, ON_TIME_MARK]
            + self.marks[column, LATE]
            + self.marks[column, NOT_COUNTED]
        )

    def on_time(self, column: int, key: int) -> int:
        return self.marks[column, ON_TIME_MARK][key]

    def counted(self, column: int, key: int) -> int:
        return self.marks[column, ON_TIME_MARK][key] + self.marks[column, LATE][key]


def percentile_of_counts(counts: Counter[int], share: float, scale: float = 1.0) -> float | None:
    """The value below which `share` of the values lie, interpolated between the two nearest
    (None if none), the values given as value -> how many times (each value times `scale`),
    without laying them out one by one."""
    total = sum(n for n in counts.values() if n > 0)
    if not total:
        return None
    position = share * (total - 1)
    low = int(position)
    wanted = (low, min(low + 1, total - 1))
    found: list[float] = []
    seen = 0
    for value in sorted(v for v, n in counts.items() if n > 0):
        seen += counts[value]
        while len(found) < 2 and wanted[len(found)] < seen:
            found.append(value * scale)
        if len(found) == 2:
            break
    return found[0] + (found[1] - found[0]) * (position - low)


def _days(hours: Counter[int], share: float) -> float | None:
    return percentile_of_counts(hours, share, 1 / 24)


def block_of(street: str, house: int | None) -> str:
    """ "100 block of ELM ST" as a key: "ELM ST|100" ('' without a house number)."""
    if not street or house is None:
        return ""
    return f"{street}|{house // 100 * 100}"


def block_label(key: str) -> str:
    street, _sep, hundred = key.partition("|")
    return _("{hundred} block of {street}").format(hundred=hundred, street=street.title())


def dashboard(
    period: Period,
    *,
    now: dt.datetime | None = None,
    actor: StaffUser | None,
    compare: str = "",
    totals: bool | None = None,
) -> Dashboard:
    """Every number of the dashboard for `period`, each against the period it is compared
    with (`compare`: Period.previous). `totals`: read the running totals (the default where
    they are kept) or count the rows (False)."""
    permissions.require(actor, permissions.REPORTS_VIEW)
    now = now or clock.now()
    before = period.previous(compare)
    moment = min(now, period.ends)
    moment_before = min(now, before.ends)
    with reading():
        if totals is None:
            totals = counted_from_totals()
        received = received_marks(period, moment, totals)
        received_before = received_marks(before, moment_before, totals)
        channels, clerks = _received_by(period, totals)
        addresses, blocks = _repeats(period, totals)
        resolved = resolved_marks(period, totals)
        resolved_before = resolved_marks(before, totals)
        hours = resolve_hours(period, totals)
        hours_before = resolve_hours(before, totals)
        open_now = _open_at(moment)
        open_before_count, overdue_before = _open_totals(moment_before)
        overdue = _overdue_at(moment)
        questions = _questions(period)
        questions_before = _count_questions(before)
        weekly = _weekly(period, moment)
        names = _names()
        goal_results = _goals(period, before)

    def in_period(**more: Any) -> RequestFilter:
        return RequestFilter(received_from=period.start, received_to=period.end, **more)

    def resolved_in(**more: Any) -> RequestFilter:
        return RequestFilter(
            resolved_from=period.start,
            resolved_to=period.end,
            exclude_duplicates=True,
            **more,
        )

    open_filter = RequestFilter(as_of=moment, open_then=True)

    by_channel = [
        Bar(CHANNELS.get(code, code), channels[code], in_period(channels=(code,)))
        for code in CHANNELS
        if channels[code]
    ]
    ageing = []
    arrived = sorted(row[1] for row in open_now)
    for low, high in AGE_BUCKETS:
        # whole days old at the moment, at least `low` and at most `high`: arrived after
        # `oldest` and no later than `newest`
        newest = raw_datetime(moment - dt.timedelta(days=low))
        oldest = raw_datetime(moment - dt.timedelta(days=high + 1)) if high is not None else None
        count = bisect_right(arrived, newest) - (
            bisect_right(arrived, oldest) if oldest is not None else 0
        )
        label = (
            _("{low}–{high} days").format(low=low, high=high)
            if high is not None
            else _("over {n} days").format(n=low - 1)
        )
        ageing.append(Bar(label, count, replace(open_filter, age_min_days=low, age_max_days=high)))
    received_count, resolved_count = sum(received.values()), sum(resolved.values())
    ack_on, ack_counted = _share_of(received)
    res_on, res_counted = _share_of(resolved)
    ack_on_b, ack_counted_b = _share_of(received_before)
    res_on_b, res_counted_b = _share_of(resolved_before)
    all_hours: Counter[int] = Counter()
    for (_type, _department, whole), n in hours.items():
        all_hours[whole] += n
    all_hours_before: Counter[int] = Counter()
    for (_type, _department, whole), n in hours_before.items():
        all_hours_before[whole] += n

    received_tally = _Tally(received)
    resolved_tally = _Tally(resolved)
    departments = _group(
        names["department"],
        "department_ids",
        received_tally,
        resolved_tally,
        hours,
        open_now,
        in_period,
        resolved_in,
        open_filter,
        moment,
        column=DEPARTMENT,
    )
    types = _group(
        names["type"],
        "service_type_ids",
        received_tally,
        resolved_tally,
        hours,
        [],
        in_period,
        resolved_in,
        None,
        moment,
        column=TYPE,
        limit=15,
    )
    type_counts = received_tally.total(TYPE)
    types_by_department: dict[str, list[Bar]] = defaultdict(list)
    for (department_id, type_id), count in received_tally.pairs.most_common():
        mine = types_by_department[names["department"].get(department_id, "?")]
        if len(mine) < TOP:
            mine.append(
                Bar(
                    names["type"].get(type_id, "?"),
                    count,
                    in_period(department_ids=(department_id,), service_type_ids=(type_id,)),
                )
            )
    return Dashboard(
        period=period,
        previous_period=before,
        comparison=compare or period.default_comparison(),
        as_of=moment,
        received=Bar(_("Received"), received_count, in_period(), sum(received_before.values())),
        by_channel=by_channel,
        questions=Bar(_("Questions answered"), questions[0], None, questions_before),
        questions_by_article=questions[1],
        resolved=Bar(_("Resolved"), resolved_count, resolved_in(), sum(resolved_before.values())),
        backlog=Bar(_("Open"), len(open_now), open_filter, open_before_count),
        ageing=ageing,
        overdue=Bar(
            _("Overdue"),
            overdue,
            RequestFilter(as_of=moment, overdue_then=True),
            overdue_before,
        ),
        acknowledged=_acknowledged_share(ack_on, ack_counted, received_count, in_period, moment),
        acknowledged_before=Share(ack_on_b, ack_counted_b),
        resolved_on_time=_resolved_share(res_on, res_counted, resolved_count, resolved_in),
        resolved_on_time_before=Share(res_on_b, res_counted_b),
        median_days=_days(all_hours, 0.5),
        median_days_before=_days(all_hours_before, 0.5),
        p90_days=_days(all_hours, 0.9),
        p90_days_before=_days(all_hours_before, 0.9),
        by_department=departments,
        by_type=types,
        weekly=weekly,
        top_types=[
            Bar(names["type"].get(type_id, "?"), count, in_period(service_type_ids=(type_id,)))
            for type_id, count in type_counts.most_common(TOP)
        ],
        repeat_addresses=[
            Bar(address.title(), count, in_period(address_exact=address))
            for address, count in addresses
        ],
        repeat_blocks=[
            Bar(block_label(f"{street}|{hundred}"), count, in_period(block=f"{street}|{hundred}"))
            for street, hundred, count in blocks
        ],
        per_clerk=[
            Bar(
                names["staff"].get(staff_id, "?") if staff_id else _("(not recorded)"),
                count,
                in_period(created_by_ids=(staff_id,)) if staff_id else None,
            )
            for staff_id, count in clerks.most_common()
        ],
        goals=goal_results,
        types_by_department=dict(types_by_department),
    )


def _group(
    names: dict[int, str],
    field_name: str,
    received: _Tally,
    resolved: _Tally,
    hours: Hours,
    open_now: list[tuple[int, Any, Any, int]],
    in_period: Any,
    resolved_in: Any,
    open_filter: RequestFilter | None,
    moment: dt.datetime,
    *,
    column: int,
    limit: int | None = None,
) -> list[GroupRow]:
    """Received (acknowledged on time), resolved (on time, median and 90th-percentile days)
    and open per department or type: `column` is TYPE or DEPARTMENT."""
    got = received.total(column)
    done = resolved.total(column)
    took: dict[int, Counter[int]] = defaultdict(Counter)
    for (type_id, department_id, whole), n in hours.items():
        took[type_id if column == TYPE else department_id][whole] += n
    waiting = Counter(map(itemgetter(3), open_now)) if open_filter is not None else Counter()
    keys = [k for k, _n in got.most_common()] + [k for k in done if k not in got]
    keys += [k for k in waiting if k not in got and k not in done]
    rows = []
    for key in keys[:limit] if limit else keys:
        only: dict[str, Any] = {field_name: (key,)}
        received_there, resolved_there = in_period(**only), resolved_in(**only)
        rows.append(
            GroupRow(
                name=names.get(key, "?"),
                received=Bar(_("Received"), got[key], received_there),
                resolved=Bar(_("Resolved"), done[key], resolved_there),
                acknowledged=_acknowledged_share(
                    received.on_time(column, key),
                    received.counted(column, key),
                    got[key],
                    partial(in_period, **only),
                    moment,
                    received_there,
                ),
                on_time=_resolved_share(
                    resolved.on_time(column, key),
                    resolved.counted(column, key),
                    done[key],
                    partial(resolved_in, **only),
                    resolved_there,
                ),
                median_days=_days(took[key], 0.5),
                p90_days=_days(took[key], 0.9),
                backlog=Bar(
                    _("Open"),
                    waiting[key],
                    replace(open_filter, **only) if open_filter is not None else None,
                ),
            )
        )
    return rows


def _acknowledged_share(
    on_time: int,
    counted: int,
    received: int,
    in_period: Any,
    moment: dt.datetime,
    all_received: RequestFilter | None = None,
) -> Share:
    """The acknowledgement share of requests received in a period (`in_period` makes their
    filters, `all_received` is the one of them all, when made already), with the requests
    behind each part."""
    return Share(
        on_time,
        counted,
        in_period(as_of=moment, acknowledged="on_time"),
        in_period(as_of=moment, acknowledged="late"),
        # every request received counted: the received ones are exactly those behind it
        (all_received or in_period())
        if counted == received
        else in_period(as_of=moment, acknowledged="counted"),
    )


def _resolved_share(
    on_time: int,
    counted: int,
    resolved: int,
    resolved_in: Any,
    all_resolved: RequestFilter | None = None,
) -> Share:
    """The on-time share of requests resolved in a period (`resolved_in` makes their filters,
    `all_resolved` is the one of them all, when made already)."""
    return Share(
        on_time,
        counted,
        resolved_in(resolution_timing="on_time"),
        resolved_in(resolution_timing="late"),
        # every request resolved had a due date: the resolved ones are those behind it
        (all_resolved or resolved_in())
        if counted == resolved
        else resolved_in(resolution_timing="counted"),
    )


def _questions(period: Period) -> tuple[int, list[Bar]]:
    rows = (
        InfoContact.select(InfoContact.article, peewee.fn.COUNT(InfoContact.id))
        .where(InfoContact.at >= period.begins, InfoContact.at < period.ends)
        .group_by(InfoContact.article)
        .tuples()
    )
    counts: dict[int | None, int] = dict(raw_rows(rows))
    titles: dict[int, str] = dict(
        raw_rows(
            FaqArticle.select(FaqArticle.id, FaqArticle.title).where(
                FaqArticle.id.in_([k for k in counts if k is not None])
            )
        )
    )
    total = sum(counts.values())
    bars = [
        Bar(titles.get(article_id, "?"), count)
        for article_id, count in sorted(counts.items(), key=lambda item: -item[1])
        if article_id is not None
    ][:TOP]
    if counts.get(None):
        bars.append(Bar(_("(no article)"), counts[None]))
    return total, bars


def _count_questions(period: Period) -> int:
    return int(
        InfoContact.select()
        .where(InfoContact.at >= period.begins, InfoContact.at < period.ends)
        .count()
    )


def _weekly(period: Period, moment: dt.datetime) -> list[Bar]:
    """Requests received in each of the WEEKS weeks up to the period's end, or up to
    `moment` for a period not over yet (newest last)."""
    last = min(period.end, (moment - dt.timedelta(microseconds=1)).date())
    r = ServiceRequest
    # one statement, run 52 times with each week's bounds
    sql, _params = (
        r.select(peewee.fn.COUNT(r.id))
        .where(r.requested_at >= dt.datetime(2000, 1, 1), r.requested_at < dt.datetime(2000, 1, 2))
        .sql()
    )
    db = r._meta.database
    bars = []
    for back in range(WEEKS - 1, -1, -1):
        week_end = last - dt.timedelta(days=7 * back)
        week_start = week_end - dt.timedelta(days=6)
        bounds = (
            raw_datetime(dt.datetime.combine(week_start, dt.time())),
            raw_datetime(dt.datetime.combine(week_end + dt.timedelta(days=1), dt.time())),
        )
        count = db.execute_sql(sql, bounds).fetchone()[0]
        bars.append(
            Bar(
                when(week_start, "%d %b"),
                int(count),
                RequestFilter(received_from=week_start, received_to=week_end),
            )
        )
    return bars


def _names() -> dict[str, dict[int, str]]:
    """The groups' names, as the reader of the board reads them (its Spanish in Spanish)."""
    spoken = i18n.language()
    if spoken == i18n.DEFAULT:
        kinds = dict(raw_rows(ServiceType.select(ServiceType.id, ServiceType.name)))
        places = dict(raw_rows(Department.select(Department.id, Department.name)))
    else:
        kinds = {t.id: languages.type_text(t, "name", spoken) for t in ServiceType.select()}
        places = {d.id: languages.department_name(d, spoken) for d in Department.select()}
    return {
        "type": kinds,
        "department": places,
        "staff": dict(raw_rows(StaffUser.select(StaffUser.id, StaffUser.full_name))),
    }


def _goals(period: Period, before: Period) -> list[GoalResult]:
    targets = goals()
    if not targets:
        return []
    calendar = load_calendar()
    wanted = [goal.service_type_id for goal in targets]
    rows = _goal_rows(period, wanted)
    rows_before = _goal_rows(before, wanted)
    pauses = _pauses(period, wanted) | _pauses(before, wanted)

    def met(goal: Goal, found: list[tuple[int, int, Any, Any]]) -> tuple[int, int]:
        mine = [row for row in found if row[1] == goal.service_type_id]
        done = sum(
            met_goal(
                goal,
                as_datetime(requested),
                as_datetime(resolved),
                pauses.get(request_id, ()),
                calendar,
            )
            for request_id, _type, requested, resolved in mine
        )
        return done, len(mine)

    results = []
    for goal in targets:
        now_met, now_counted = met(goal, rows)
        before_met, before_counted = met(goal, rows_before)
        results.append(
            GoalResult(
                goal,
                now_met,
                now_counted,
                before_met,
                before_counted,
                RequestFilter(
                    resolved_from=period.start,
                    resolved_to=period.end,
                    exclude_duplicates=True,
                    service_type_ids=(goal.service_type_id,),
                ),
            )
        )
    return results


def _pauses(
    period: Period, type_ids: list[int]
) -> dict[int, list[tuple[dt.datetime, dt.datetime]]]:
    """The finished pauses of the period's resolved requests of these types."""
    r, pause = ServiceRequest, RequestPause
    query = (
        pause.select(pause.request, pause.started_at, pause.ended_at)
        .join(r, on=(r.id == pause.request))
        .where(
            r.resolved_at >= period.begins,
            r.resolved_at < period.ends,
            (r.service_type + 0).in_(type_ids),
            pause.ended_at.is_null(False),
        )
    )
    found: dict[int, list[tuple[dt.datetime, dt.datetime]]] = defaultdict(list)
    for request_id, began, ended in raw_rows(query):
        found[request_id].append((as_datetime(began), as_datetime(ended)))
    return found


def met_goal(
    goal: Goal,
    requested_at: dt.datetime,
    resolved_at: dt.datetime,
    pauses: Iterable[tuple[dt.datetime, dt.datetime]],
    calendar: Any,
) -> bool:
    """Whether a resolved request met its type's goal: resolved by the goal's business time
    after it came in, with the paused open time added on."""
    deadline = calendar.add_target(requested_at, goal.within_amount, goal.within_unit)
    paused = sum(calendar.business_seconds(a, b) for a, b in pauses)
    if paused:
        deadline = calendar.add_business_seconds(deadline, paused)
    return bool(resolved_at <= deadline)
