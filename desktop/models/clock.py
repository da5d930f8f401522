"""The one place that reads the clock, so tests can set the time.

Times are kept as naive datetimes in the town's local wall-clock time: every business-calendar rule
(office hours, holidays, due dates) is stated in that time, and a town lives in one time zone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

_now: Callable[[], dt.datetime] = dt.datetime.now

#: the years a date typed by someone may fall in: a period of such dates, the period before
#: it and the first moment after it are all still dates Python can hold
FIRST_YEAR, LAST_YEAR = 1900, 2999


def now() -> dt.datetime:
    """The current local time, to the second."""
    return _now().replace(microsecond=0)


def today() -> dt.date:
    return now().date()


def set_clock(source: Callable[[], dt.datetime] | None) -> None:
    """Replace the clock (tests); `None` restores the system clock."""
    global _now
    _now = source if source is not None else dt.datetime.now
