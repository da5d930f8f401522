"""The town's business calendar: office hours, holidays, and the arithmetic of due dates.

The rule, in a sentence a council member understands: the clock runs only while the office is open.
A target of N business hours counts N hours of open time from when the request came in; a target of
N business days means by the same time of day on the N-th working day after it came in. A request
that arrives while the office is closed starts counting at the next opening. Paused time does not
count.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

Interval = tuple[dt.datetime, dt.datetime]
DAY = dt.timedelta(days=1)
_SEARCH_LIMIT_DAYS = 3660  # a calendar with no open time at all must not loop forever


class NoOpenTime(ValueError):
    """The calendar has no open hours in the next ten years."""


@dataclass(frozen=True)
class BusinessCalendar:
    """Open hours per weekday (0 = Monday) as minute ranges, and the days the office is closed."""

    hours: Mapping[int, Sequence[tuple[int, int]]]
    holidays: frozenset[dt.date] = field(default_factory=frozenset)

    def __hash__(self) -> int:
        return id(self)

    @classmethod
    def weekdays(
        cls, opens: int = 8 * 60, closes: int = 16 * 60 + 30, holidays: Iterable[dt.date] = ()
    ) -> BusinessCalendar:
        """Monday to Friday, the same hours each day."""
        return cls({day: ((opens, closes),) for day in range(5)}, frozenset(holidays))

    # -- days ---------------------------------------------------------------------------------

    @lru_cache(maxsize=8192)  # noqa: B019 - calendars are few and live as long as the app
    def intervals_on(self, day: dt.date) -> tuple[Interval, ...]:
        """The open intervals of one day, in order (none on a holiday or a closed weekday)."""
        if day in self.holidays:
            return ()
        midnight = dt.datetime.combine(day, dt.time())
        spans = sorted(self.hours.get(day.weekday(), ()))
        return tuple(
            (midnight + dt.timedelta(minutes=a), midnight + dt.timedelta(minutes=b))
            for a, b in spans
            if b > a
        )

    def is_business_day(self, day: dt.date) -> bool:
        return bool(self.intervals_on(day))

    def is_open(self, moment: dt.datetime) -> bool:
        return any(a <= moment < b for a, b in self.intervals_on(moment.date()))

    def next_open(self, moment: dt.datetime) -> dt.datetime:
        """`moment` itself if the office is open then, else the next opening."""
        day = moment.date()
        for _ in range(_SEARCH_LIMIT_DAYS):
            for start, end in self.intervals_on(day):
                if moment < end:
                    return max(moment, start)
            day += DAY
        raise NoOpenTime("the office calendar has no open hours")

    # -- arithmetic ---------------------------------------------------------------------------

    def add_business_hours(self, start: dt.datetime, hours: float) -> dt.datetime:
        """The moment when `hours` of open time have passed since `start`."""
        return self.add_business_seconds(start, round(hours * 3600))

    def add_business_seconds(self, start: dt.datetime, seconds: float) -> dt.datetime:
        remaining = dt.timedelta(seconds=seconds)
        moment = self.next_open(start)
        if remaining <= dt.timedelta(0):
            return moment
        day = moment.date()
        for _ in range(_SEARCH_LIMIT_DAYS):
            for a, b in self.intervals_on(day):
                if b <= moment:
                    continue
                begin = max(a, moment)
                if begin + remaining <= b:
                    return begin + remaining
                remaining -= b - begin
            day += DAY
        raise NoOpenTime("the office calendar has no open hours")

    def add_business_days(self, start: dt.datetime, days: int) -> dt.datetime:
        """The same time of day on the `days`-th business day after `start` (kept within hours)."""
        moment = self.next_open(start)
        if days <= 0:
            return moment
        return self._clamp_into(self._business_day_after(moment.date(), days), moment.time())

    @lru_cache(maxsize=65536)  # noqa: B019 - as intervals_on: a day's due date, asked again and again
    def _business_day_after(self, day: dt.date, days: int) -> dt.date:
        """The `days`-th business day after `day`."""
        counted = 0
        for _ in range(_SEARCH_LIMIT_DAYS):
            day += DAY
            if self.is_business_day(day):
                counted += 1
                if counted == days:
                    return day
        raise NoOpenTime("the office calendar has no open hours")

    def _clamp_into(self, day: dt.date, time_of_day: dt.time) -> dt.datetime:
        wanted = dt.datetime.combine(day, time_of_day)
        intervals = self.intervals_on(day)
        for a, b in intervals:
            if wanted < a:
                return a
            if wanted <= b:
                return wanted
        return intervals[-1][1]

    def add_target(self, start: dt.datetime, amount: int, unit: str) -> dt.datetime:
        """The due moment for a target of `amount` business hours or business days."""
        if unit == "business_hours":
            return self.add_business_hours(start, amount)
        if unit == "business_days":
            return self.add_business_days(start, amount)
        raise ValueError(f"unknown target unit {unit!r}")

    def business_seconds(self, start: dt.datetime, end: dt.datetime) -> float:
        """Seconds of open time between `start` and `end` (0 if end is not after start)."""
        if end <= start:
            return 0.0
        total = dt.timedelta(0)
        day = start.date()
        while day <= end.date():
            for a, b in self.intervals_on(day):
                lo, hi = max(a, start), min(b, end)
                if hi > lo:
                    total += hi - lo
            day += DAY
        return total.total_seconds()

    def business_seconds_excluding(
        self, start: dt.datetime, end: dt.datetime, pauses: Iterable[Interval]
    ) -> float:
        """Open time between `start` and `end`, less the open time inside the pauses."""
        merged = _merge(
            (max(a, start), min(b, end)) for a, b in pauses if min(b, end) > max(a, start)
        )
        paused = sum(self.business_seconds(a, b) for a, b in merged)
        return self.business_seconds(start, end) - paused


def _merge(intervals: Iterable[Interval]) -> list[Interval]:
    merged: list[Interval] = []
    for a, b in sorted(intervals):
        if merged and a <= merged[-1][1]:
            if b > merged[-1][1]:
                merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))
    return merged
