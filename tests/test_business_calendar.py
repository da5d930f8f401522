"""Business-calendar arithmetic: office hours, weekends, holidays, pauses, across years."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from desktop.models.town.business_calendar import BusinessCalendar
from desktop.models.town.holidays import federal_holidays

HOLIDAYS = frozenset(day for year in range(2024, 2031) for day, _ in federal_holidays(year))
CAL = BusinessCalendar.weekdays(8 * 60, 16 * 60 + 30, HOLIDAYS)
moments = st.datetimes(min_value=dt.datetime(2025, 1, 1), max_value=dt.datetime(2028, 12, 31))


def test_hours_within_one_day():
    monday = dt.datetime(2026, 11, 16, 9, 0)
    assert CAL.add_business_hours(monday, 2) == dt.datetime(2026, 11, 16, 11, 0)


def test_hours_run_over_the_weekend_and_thanksgiving():
    wednesday = dt.datetime(
        2026, 11, 25, 15, 30
    )  # an hour before closing; Thu-Fri? Thu is a holiday
    assert CAL.add_business_hours(wednesday, 2) == dt.datetime(2026, 11, 27, 9, 0)
    friday = dt.datetime(2026, 11, 27, 16, 0)
    assert CAL.add_business_hours(friday, 1) == dt.datetime(2026, 11, 30, 8, 30)


def test_a_request_after_hours_starts_at_the_next_opening():
    saturday_night = dt.datetime(2026, 11, 21, 22, 0)
    assert CAL.add_business_hours(saturday_night, 1) == dt.datetime(2026, 11, 23, 9, 0)
    assert CAL.add_business_days(saturday_night, 1) == dt.datetime(2026, 11, 24, 8, 0)


def test_business_days_keep_the_time_of_day_and_skip_holidays():
    monday = dt.datetime(2026, 11, 23, 10, 15)
    # Tue 24, Wed 25, (Thu 26 Thanksgiving), Fri 27, Mon 30, Tue Dec 1
    assert CAL.add_business_days(monday, 5) == dt.datetime(2026, 12, 1, 10, 15)


def test_across_the_new_year():
    december = dt.datetime(2026, 12, 31, 14, 0)
    assert CAL.add_business_days(december, 1) == dt.datetime(
        2027, 1, 4, 14, 0
    )  # Jan 1 is a holiday


def test_paused_time_does_not_count():
    start = dt.datetime(2026, 11, 16, 8, 0)
    end = dt.datetime(2026, 11, 17, 16, 30)
    assert CAL.business_seconds(start, end) == 17 * 3600
    pause = [(dt.datetime(2026, 11, 16, 12, 0), dt.datetime(2026, 11, 17, 12, 0))]
    assert CAL.business_seconds_excluding(start, end, pause) == 17 * 3600 - 8.5 * 3600


def test_split_office_hours():
    cal = BusinessCalendar({0: ((8 * 60, 12 * 60), (13 * 60, 17 * 60))})
    assert cal.add_business_hours(dt.datetime(2026, 11, 16, 11, 0), 2) == dt.datetime(
        2026, 11, 16, 14, 0
    )


@settings(max_examples=200, deadline=None)
@given(start=moments, minutes=st.integers(min_value=0, max_value=60 * 24 * 40))
def test_adding_open_time_then_measuring_it_gives_it_back(start, minutes):
    start = start.replace(microsecond=0)
    due = CAL.add_business_seconds(start, minutes * 60)
    assert due >= start
    assert CAL.business_seconds(start, due) == minutes * 60


@settings(max_examples=200, deadline=None)
@given(start=moments, days=st.integers(min_value=1, max_value=60))
def test_business_days_land_on_an_open_day_within_hours(start, days):
    due = CAL.add_business_days(start, days)
    assert due.weekday() < 5 and due.date() not in HOLIDAYS
    assert dt.time(8, 0) <= due.time() <= dt.time(16, 30)
    business_days_between = sum(
        1
        for offset in range(1, (due.date() - start.date()).days + 1)
        if CAL.is_business_day(start.date() + dt.timedelta(days=offset))
    )
    opened_on = CAL.next_open(start).date()
    skipped = sum(
        1
        for offset in range(1, (opened_on - start.date()).days + 1)
        if CAL.is_business_day(start.date() + dt.timedelta(days=offset))
    )
    assert business_days_between - skipped == days


@settings(max_examples=200, deadline=None)
@given(a=moments, b=moments, pause_start=moments, pause_hours=st.integers(0, 200))
def test_pauses_never_add_time(a, b, pause_start, pause_hours):
    start, end = min(a, b), max(a, b)
    pause = [(pause_start, pause_start + dt.timedelta(hours=pause_hours))]
    with_pause = CAL.business_seconds_excluding(start, end, pause)
    assert 0 <= with_pause <= CAL.business_seconds(start, end)


@given(year=st.integers(min_value=2021, max_value=2100))
def test_federal_holidays_are_eleven_weekdays(year):
    days = [day for day, _ in federal_holidays(year)]
    assert all(day.weekday() < 5 and day.year == year for day in days)
    assert 10 <= len(days) <= 12  # 11, less or more one New Year's Day observed on Dec 31
