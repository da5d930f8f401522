"""The town's business calendar as stored in the database: office hours and holidays."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from desktop.i18n import _
from desktop.models.errors import InputError
from desktop.models.staff import audit, permissions
from desktop.models.storage import config_cache
from desktop.models.storage.db import write
from desktop.models.storage.schema import BusinessHours, Holiday, StaffUser
from desktop.models.town.business_calendar import BusinessCalendar
from desktop.models.town.holidays import federal_holidays
from desktop.models.town.settings import get_setting

#: how far ahead federal holidays are kept filled in
YEARS_AHEAD = 3


def load_calendar() -> BusinessCalendar:
    """The office hours and holidays (kept in memory while neither changes)."""

    def load() -> BusinessCalendar:
        hours = office_hours()
        days = frozenset(row.day for row in Holiday.select(Holiday.day))
        return BusinessCalendar({k: tuple(v) for k, v in hours.items()}, days)

    return config_cache.cached("calendar", load)


def parse_clock(text: str) -> int:
    """Minutes after midnight for "08:00" or "16:30"."""
    try:
        hour, minute = (int(part) for part in text.strip().split(":"))
    except ValueError:
        raise InputError(_("“{text}” is not a time of day like 08:30.").format(text=text)) from None
    if not (0 <= hour <= 24 and 0 <= minute < 60) or hour * 60 + minute > 24 * 60:
        raise InputError(_("“{text}” is not a time of day like 08:30.").format(text=text))
    return hour * 60 + minute


def set_office_hours(spans: Iterable[tuple[int, int, int]], *, actor: StaffUser | None) -> None:
    """Replace the weekly office hours with (weekday, opens, closes) spans."""
    rows = []
    for weekday, opens, closes in spans:
        if not 0 <= weekday <= 6:
            raise InputError(_("A weekday must be from 0 (Monday) to 6 (Sunday)."))
        if closes <= opens:
            raise InputError(_("Closing time must be after opening time."))
        rows.append({"weekday": weekday, "opens": opens, "closes": closes})
    if not rows:
        raise InputError(_("The office must be open at least one day a week."))

    permissions.require(actor, permissions.SETTINGS_EDIT)

    def save() -> None:
        before = [
            [h.weekday, h.opens, h.closes]
            for h in BusinessHours.select().order_by(BusinessHours.weekday, BusinessHours.opens)
        ]
        after = [[r["weekday"], r["opens"], r["closes"]] for r in rows]
        audit.record(
            "setting", "office_hours", "update", {"hours": before}, {"hours": after}, actor
        )
        BusinessHours.delete().execute()
        BusinessHours.insert_many(rows).execute()

    write(save)


def add_federal_holidays(years: Iterable[int]) -> int:
    """Add the federal holidays of `years` that are not there yet; returns how many were added."""
    rows = [
        {"day": day, "name": name, "source": "federal"}
        for year in years
        for day, name in federal_holidays(year)
    ]
    if not rows:
        return 0

    def save() -> int:
        existing = {
            row.day
            for row in Holiday.select(Holiday.day).where(
                Holiday.day.between(rows[0]["day"], rows[-1]["day"])
            )
        }
        fresh = [row for row in rows if row["day"] not in existing]
        if fresh:
            Holiday.insert_many(fresh).execute()
            # a holiday moves due dates: the trail says when each came, by the town's setting
            audit.record(
                "setting",
                "holidays",
                "create",
                None,
                {"federal": [f"{row['day']} {row['name']}" for row in fresh]},
                None,
            )
        return len(fresh)

    return write(save)


def keep_holidays_filled(today: dt.date) -> int:
    """Fill in federal holidays up to YEARS_AHEAD years from `today` if the town asked for them."""

    if not get_setting("calendar.federal_holidays"):
        return 0
    last = (
        Holiday.select(Holiday.day)
        .where(Holiday.source == "federal")
        .order_by(Holiday.day.desc())
        .first()
    )
    target = today.year + YEARS_AHEAD
    start = today.year if last is None else last.day.year + 1
    if start > target:
        return 0
    return add_federal_holidays(range(start, target + 1))


def add_holiday(day: dt.date, name: str, *, actor: StaffUser | None) -> None:
    name = name.strip()
    if not name:
        raise InputError(_("Give the holiday a name."))

    permissions.require(actor, permissions.SETTINGS_EDIT)

    def save() -> None:
        audit.record("holiday", day.isoformat(), "update", None, {"name": name[:200]}, actor)
        Holiday.delete().where(Holiday.day == day).execute()
        Holiday.insert(day=day, name=name[:200], source="town").execute()

    write(save)


def remove_holiday(day: dt.date, *, actor: StaffUser | None) -> None:
    permissions.require(actor, permissions.SETTINGS_EDIT)

    def save() -> None:
        audit.record("holiday", day.isoformat(), "delete", {"day": day.isoformat()}, None, actor)
        Holiday.delete().where(Holiday.day == day).execute()

    write(save)


def office_hours() -> dict[int, list[tuple[int, int]]]:
    """The weekly hours: weekday (0 = Monday) to its open spans in minutes."""
    hours: dict[int, list[tuple[int, int]]] = {}
    for row in BusinessHours.select().order_by(BusinessHours.weekday, BusinessHours.opens):
        hours.setdefault(row.weekday, []).append((row.opens, row.closes))
    return hours


def holidays_from(start: dt.date, limit: int = 400) -> list[tuple[dt.date, str]]:
    """The holidays on or after `start`, in date order."""
    query = Holiday.select(Holiday.day, Holiday.name).where(Holiday.day >= start)
    return [(row.day, row.name) for row in query.order_by(Holiday.day).limit(limit)]
