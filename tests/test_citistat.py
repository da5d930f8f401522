"""The dashboard's numbers, recomputed independently in plain Python over the same rows (model
objects, not the dashboard's SQL), on demo data with holidays, pauses, reopenings and
duplicates; and every number's drill-down lists exactly as many requests as it says."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from typing import Any

import pytest

from desktop.models import citistat, clock, goals, lifecycle
from desktop.models.citistat import Period, percentile
from desktop.models.demo import generate_demo
from desktop.models.errors import InputError, PermissionDenied
from desktop.models.request_list import RequestFilter, RequestList
from desktop.models.schema import InfoContact, RequestPause, ServiceRequest
from desktop.models.town_calendar import load_calendar
from tests.conftest import TEST_NOW

PERIOD = Period(dt.date(2026, 10, 1), dt.date(2026, 10, 31))


@pytest.fixture
def town(db):
    """Two years of demo requests, then a month of real work on some of them: pauses,
    reopenings, duplicates, all as the clerks' own actions would make them."""
    generate_demo(2500, seed=8)
    goals.set_goal("pothole", 90, 3)
    goals.set_goal("graffiti", 0.5, 16, "business_hours")
    open_ids = [
        r.id
        for r in ServiceRequest.select()
        .where(ServiceRequest.status.in_(["acknowledged", "assigned", "in_progress"]))
        .order_by(ServiceRequest.id)
    ]
    done_ids = [
        r.id
        for r in ServiceRequest.select()
        .where(ServiceRequest.status == "closed", ServiceRequest.resolution == "fixed")
        .order_by(ServiceRequest.id.desc())
        .limit(12)
    ]
    moments = iter(TEST_NOW - dt.timedelta(days=40) + dt.timedelta(hours=7 * n) for n in range(99))

    def tick() -> None:  # the next moment of the clerks' month
        moment = next(moments)
        clock.set_clock(lambda: moment)

    for request_id in open_ids[:6]:  # paused for a while, then back to work, then resolved
        tick()
        lifecycle.pause(request_id, "waiting on parts")
        tick()
        lifecycle.resume(request_id)
        tick()
        lifecycle.resolve(request_id, "fixed")
    for request_id in done_ids[:5]:  # reopened: open again, their old resolution gone
        tick()
        lifecycle.reopen(request_id, "came back")
    for request_id in open_ids[6:10]:  # resolved as duplicates: not counted as work
        tick()
        lifecycle.resolve(request_id, "duplicate", duplicate_of=open_ids[20])
    clock.set_clock(lambda: TEST_NOW)
    assert RequestPause.select().count() >= 6
    return db


def rows() -> list[Any]:  # the model objects, read plainly
    return list(ServiceRequest.select())


def between(moment: dt.datetime | None, period: Period) -> bool:
    return moment is not None and period.begins <= moment < period.ends


def is_open(r: Any, moment: dt.datetime) -> bool:
    return r.requested_at < moment and (r.resolved_at is None or r.resolved_at >= moment)


def counted_work(r: Any, period: Period) -> bool:
    return between(r.resolved_at, period) and r.resolution != "duplicate"


def listed(filters: RequestFilter | None) -> int:
    assert filters is not None
    return RequestList(filters).count()


def test_every_figure_matches_plain_python(town):
    board = citistat.dashboard(PERIOD)
    everything = rows()
    moment = min(TEST_NOW, PERIOD.ends)
    received = [r for r in everything if between(r.requested_at, PERIOD)]
    assert board.received.count == len(received)
    before = PERIOD.previous()
    assert before == Period(dt.date(2026, 9, 1), dt.date(2026, 9, 30))
    assert board.received.previous == sum(between(r.requested_at, before) for r in everything)
    by_channel = Counter(r.channel for r in received)
    assert {b.drill.channels: b.count for b in board.by_channel if b.drill} == {
        (code,): n for code, n in by_channel.items()
    }

    resolved = [r for r in everything if counted_work(r, PERIOD)]
    assert board.resolved.count == len(resolved)
    assert board.resolved.previous == sum(counted_work(r, before) for r in everything)

    open_now = [r for r in everything if is_open(r, moment)]
    assert board.backlog.count == len(open_now)
    ages: Counter[int] = Counter()
    for r in open_now:
        age = (moment - r.requested_at).days
        bucket = next(
            i
            for i, (low, high) in enumerate(citistat.AGE_BUCKETS)
            if low <= age and (high is None or age <= high)
        )
        ages[bucket] += 1
    assert [b.count for b in board.ageing] == [ages[i] for i in range(len(citistat.AGE_BUCKETS))]
    assert board.overdue.count == sum(r.due_at is not None and r.due_at < moment for r in open_now)

    with_target = [r for r in received if r.respond_due_at is not None]
    counted = [
        r for r in with_target if r.acknowledged_at is not None or r.respond_due_at <= moment
    ]
    on_time = [
        r
        for r in counted
        if r.acknowledged_at is not None and r.acknowledged_at <= r.respond_due_at
    ]
    assert (board.acknowledged.on_time, board.acknowledged.counted) == (len(on_time), len(counted))

    due = [r for r in resolved if r.due_at is not None]
    assert board.resolved_on_time.counted == len(due)
    assert board.resolved_on_time.on_time == sum(r.resolved_at <= r.due_at for r in due)
    days = sorted((r.resolved_at - r.requested_at).total_seconds() / 86400 for r in resolved)
    assert board.median_days == pytest.approx(statistics.median(days), abs=1e-6)
    assert board.p90_days == pytest.approx(
        statistics.quantiles(days, n=10, method="inclusive")[-1], abs=1e-6
    )

    departments = Counter(r.department.name for r in received)
    assert {g.name: g.received.count for g in board.by_department if g.received.count} == dict(
        departments
    )
    for group in board.by_department:
        mine = [r for r in resolved if r.department.name == group.name]
        assert group.resolved.count == len(mine)
        assert group.backlog.count == sum(r.department.name == group.name for r in open_now)
    types = Counter(r.service_type_id for r in received)
    assert [b.count for b in board.top_types] == sorted(types.values(), reverse=True)[
        : citistat.TOP
    ]
    for bar in board.top_types:
        assert bar.drill is not None and bar.count == types[bar.drill.service_type_ids[0]]

    addresses = Counter(r.address_normalized for r in received if r.address_normalized)
    assert [b.count for b in board.repeat_addresses] == [
        n for _a, n in addresses.most_common(citistat.TOP) if n >= citistat.REPEAT_FROM
    ]
    clerks = Counter(r.created_by_id for r in received)
    assert sorted(b.count for b in board.per_clerk) == sorted(clerks.values())

    for week in board.weekly:
        assert week.drill is not None and week.drill.received_from is not None
        start, end = week.drill.received_from, week.drill.received_to
        assert end is not None and (end - start).days == 6
        assert week.count == sum(start <= r.requested_at.date() <= end for r in everything)
    last_week = board.weekly[-1].drill
    assert len(board.weekly) == citistat.WEEKS
    assert last_week is not None and last_week.received_to == PERIOD.end

    questions = [q for q in InfoContact.select() if between(q.at, PERIOD)]
    assert board.questions.count == len(questions)
    assert sum(b.count for b in board.questions_by_article) == len(questions)


def test_goals_against_the_business_calendar_with_pauses(town):
    board = citistat.dashboard(PERIOD)
    calendar = load_calendar()
    assert [r.goal.service_type for r in board.goals] == ["Graffiti", "Pothole"]
    for result in board.goals:
        goal = result.goal
        mine = [
            r
            for r in rows()
            if counted_work(r, PERIOD) and r.service_type_id == goal.service_type_id
        ]
        met = 0
        r: Any
        for r in mine:
            stops: list[Any] = list(
                RequestPause.select().where(
                    RequestPause.request == r.id, RequestPause.ended_at.is_null(False)
                )
            )
            paused = 0.0
            for stop in stops:
                paused += calendar.business_seconds(stop.started_at, stop.ended_at)
            if goal.within_unit == "business_hours":
                allowed = goal.within_amount * 3600 + paused
                met += int(calendar.business_seconds(r.requested_at, r.resolved_at) <= allowed)
            else:
                deadline = calendar.add_business_days(r.requested_at, goal.within_amount)
                met += int(r.resolved_at <= calendar.add_business_seconds(deadline, paused))
        assert (result.met, result.counted) == (met, len(mine))
        assert result.ok == (None if not mine else met / len(mine) >= goal.share - 1e-9)
        assert listed(result.drill) == result.counted


def test_every_number_drills_down_to_as_many_requests(town):
    board = citistat.dashboard(PERIOD)
    bars = [board.received, board.resolved, board.backlog, board.overdue]
    bars += board.by_channel + board.ageing + board.weekly[-6:] + board.top_types
    bars += board.repeat_addresses + board.repeat_blocks
    bars += [b for b in board.per_clerk if b.drill is not None]
    for group in board.by_department + board.by_type[:5]:
        bars += (
            [group.received, group.resolved, group.backlog]
            if group.backlog.drill
            else [
                group.received,
                group.resolved,
            ]
        )
        assert listed(group.on_time.drill_on_time) == group.on_time.on_time
        assert listed(group.on_time.drill_late) == group.on_time.late
    for bar in bars:
        assert listed(bar.drill) == bar.count, bar.label
    for share in (board.acknowledged, board.resolved_on_time):
        assert listed(share.drill_on_time) == share.on_time
        assert listed(share.drill_late) == share.late
    assert board.repeat_blocks, "demo hot spots repeat on a block"


def test_a_drill_down_filter_survives_a_saved_view():
    board_filter = RequestFilter(
        as_of=dt.datetime(2026, 10, 31, 17, 0),
        open_then=True,
        age_min_days=8,
        age_max_days=30,
        acknowledged="late",
        block="ELM ST|100",
    )
    assert RequestFilter.from_dict(board_filter.to_dict()) == board_filter


def test_periods_and_percentiles():
    october = Period.month("2026-10")
    assert (october.start, october.end, october.days) == (
        dt.date(2026, 10, 1),
        dt.date(2026, 10, 31),
        31,
    )
    assert october.previous() == Period.month("2026-09")
    assert Period.month("2026-03").previous() == Period.month("2026-02")
    week = Period(dt.date(2026, 11, 9), dt.date(2026, 11, 15))
    assert week.previous() == Period(dt.date(2026, 11, 2), dt.date(2026, 11, 8))
    with pytest.raises(InputError):
        Period.month("October")
    with pytest.raises(InputError):
        Period(dt.date(2026, 2, 2), dt.date(2026, 2, 1))
    assert percentile([], 0.9) is None
    assert percentile([4.0], 0.9) == 4.0
    assert percentile([1.0, 2.0, 3.0, 4.0, 5.0], 0.5) == 3.0


def test_an_empty_town_has_no_numbers_but_no_errors(db):
    board = citistat.dashboard(PERIOD)
    assert board.received.count == 0 and board.median_days is None
    assert board.resolved_on_time.value is None
    assert board.as_dict()["received"] == {"count": 0, "previous": 0}


def test_goals_are_set_by_supervisors_only(db):
    from desktop.models.first_run import complete_first_run
    from desktop.models.staff import create_staff

    admin = complete_first_run("Alder Falls", "Ada Admin", password="admin password 1")
    clerk = create_staff("Carla Clerk", "clerk", actor=admin)
    boss = create_staff("Sam Super", "supervisor", actor=admin)
    with pytest.raises(PermissionDenied):
        goals.set_goal("pothole", 95, 3, actor=clerk)
    with pytest.raises(PermissionDenied):
        citistat.dashboard(PERIOD, actor=clerk)
    goal = goals.set_goal("pothole", 95, 3, actor=boss)
    assert goal.sentence() == "95 % of Pothole resolved within 3 business days"
    changed = goals.set_goal("pothole", 0.8, 2, actor=boss)
    assert (changed.share, changed.within_amount, changed.version) == (0.8, 2, 2)
    with pytest.raises(InputError):
        goals.set_goal("pothole", 180, 3, actor=boss)
    with pytest.raises(InputError):
        goals.set_goal("pothole", 90, 3, "weeks", actor=boss)
    goals.remove_goal("pothole", actor=boss)
    assert goals.goals() == []
    citistat.dashboard(PERIOD, actor=boss)
