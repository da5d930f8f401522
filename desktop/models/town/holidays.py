"""US federal holidays, observed the way federal offices observe them."""

from __future__ import annotations

import datetime as dt

from desktop.i18n import _


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> dt.date:
    """The n-th `weekday` (0 = Monday) of the month; n = -1 for the last one."""
    if n > 0:
        first = dt.date(year, month, 1)
        offset = (weekday - first.weekday()) % 7
        return first + dt.timedelta(days=offset + 7 * (n - 1))
    last = dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)
    return last - dt.timedelta(days=(last.weekday() - weekday) % 7)


def _observed(day: dt.date) -> dt.date:
    """A holiday on a Saturday is observed on Friday, on a Sunday on Monday."""
    if day.weekday() == 5:
        return day - dt.timedelta(days=1)
    if day.weekday() == 6:
        return day + dt.timedelta(days=1)
    return day


def _rules(year: int) -> list[tuple[dt.date, str]]:
    days = [
        (_observed(dt.date(year, 1, 1)), _("New Year's Day")),
        (_nth_weekday(year, 1, 0, 3), _("Martin Luther King Jr. Day")),
        (_nth_weekday(year, 2, 0, 3), _("Washington's Birthday")),
        (_nth_weekday(year, 5, 0, -1), _("Memorial Day")),
        (_observed(dt.date(year, 7, 4)), _("Independence Day")),
        (_nth_weekday(year, 9, 0, 1), _("Labor Day")),
        (_nth_weekday(year, 10, 0, 2), _("Columbus Day")),
        (_observed(dt.date(year, 11, 11)), _("Veterans Day")),
        (_nth_weekday(year, 11, 3, 4), _("Thanksgiving Day")),
        (_observed(dt.date(year, 12, 25)), _("Christmas Day")),
    ]
    if year >= 2021:
        days.append((_observed(dt.date(year, 6, 19)), _("Juneteenth")))
    return days


def federal_holidays(year: int) -> list[tuple[dt.date, str]]:
    """The federal holidays observed in `year`, in date order.

    New Year's Day falling on a Saturday is observed on the Friday before, in the old year.
    """
    days = _rules(year) + _rules(year + 1)[:1]
    return sorted((day, name) for day, name in days if day.year == year)
