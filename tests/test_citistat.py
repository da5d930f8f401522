"""The dashboard's numbers, recomputed independently in plain Python over the same rows (model
objects, not the dashboard's SQL), on demo data with holidays, pauses, reopenings and
duplicates; and every number's drill-down lists exactly as many requests as it says."""

from __future__ import annotations

import datetime as dt
import functools
import statistics
from collections import Counter
from typing import Any

import pytest

from desktop.models import clock
from desktop.models.errors import InputError, PermissionDenied
from desktop.models.reports import citistat, goals
from desktop.models.reports.citistat import Period, percentile_of_counts
from desktop.models.requests import lifecycle
from desktop.models.requests.intake import log_question
from desktop.models.requests.listing import RequestFilter, RequestList
from desktop.models.setup.demo import generate_demo
from desktop.models.storage.schema import FaqArticle, InfoContact, RequestPause, ServiceRequest
from desktop.models.town.calendar import load_calendar
from tests.conftest import TEST_NOW

PERIOD = Period(dt.date(2026, 10, 1), dt.date(2026, 10, 31))
#: the month so far: "open" and "overdue" are judged now, not at a month's end
SO_FAR = Period(dt.date(2026, 11, 1), TEST_NOW.date())


@pytest.fixture
def town(db):
    """Two years of demo requests, then a month of real work on some of them: pauses,
    reopenings, duplicates, all as the clerks' own actions would make them; some clocks are
    still stopped, a few of them on requests that were overdue already when paused."""
    generate_demo(2500, seed=8, actor=None)
    goals.set_goal("pothole", 90, 3, actor=None)
    goals.set_goal("graffiti", "50%", 16, "business_hours", actor=None)
    open_ids = [
        r.id
        for r in ServiceRequest.select()
        .where(ServiceRequest.status.in_(["acknowledged", "assigned", "in_progress"]))
        .order_by(ServiceRequest.id)
    ]
    early, late = dt.datetime(2026, 10, 20, 9, 0), dt.datetime(2026, 11, 13, 10, 0)
    before_due = [  # to be paused before they were due
        r.id
        for r in ServiceRequest.select().where(
            ServiceRequest.id.in_(open_ids),
            ServiceRequest.requested_at < early,
            ServiceRequest.due_at > early,
            ServiceRequest.due_at < TEST_NOW,
        )
    ]
    open_ids = [i for i in open_ids if i not in before_due]
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
        lifecycle.pause(request_id, "waiting on parts", actor=None)
        tick()
        lifecycle.resume(request_id, actor=None)
        tick()
        lifecycle.resolve(request_id, "fixed", actor=None)
    for request_id in done_ids[:5]:  # reopened: open again, their old resolution gone
        tick()
        lifecycle.reopen(request_id, "came back", actor=None)
    for request_id in open_ids[6:10]:  # resolved as duplicates: not counted as work
        tick()
        lifecycle.resolve(request_id, "duplicate", duplicate_of=open_ids[20], actor=None)

    clock.set_clock(lambda: early)  # the clock stopped before they were due, and not started
    for request_id in before_due:
        lifecycle.pause(request_id, "waiting on the resident", actor=None)
    clock.set_clock(lambda: late)  # ... and on requests overdue already (any still open and
    # untouched above: which ones are open depends on the demo's draw)
    for r in (
        ServiceRequest.select()
        .where(
            ServiceRequest.id.not_in([*open_ids[:10], open_ids[20], *before_due]),
            ServiceRequest.status.in_(["new", "acknowledged", "assigned", "in_progress"]),
            ServiceRequest.paused_since.is_null(),
            ServiceRequest.due_at < late,
        )
        .order_by(ServiceRequest.id)
        .limit(3)
    ):
        lifecycle.pause(r.id, "waiting on parts", actor=None)
    articles = list(FaqArticle.select().order_by(FaqArticle.id).limit(2))
    for n, article in enumerate([articles[0]] * 3 + [articles[1]] * 2):  # answered from these
        clock.set_clock(functools.partial(dt.datetime, 2026, 10, 5 + n, 11, 0))
        log_question("", article_id=article.id, actor=None)
    clock.set_clock(lambda: TEST_NOW)
    assert RequestPause.select().count() >= 6
    paused: list[Any] = list(
        ServiceRequest.select().where(ServiceRequest.paused_since.is_null(False))
    )
    assert any(r.due_at < r.paused_since for r in paused)
    assert any(r.paused_since < r.due_at < PERIOD.ends for r in paused)
    return db


def rows() -> list[Any]:  # the model objects, read plainly
    return list(ServiceRequest.select())


def between(moment: dt.datetime | None, period: Period) -> bool:
    return moment is not None and period.begins <= moment < period.ends


def is_open(r: Any, moment: dt.datetime) -> bool:
    return r.requested_at < moment and (r.resolved_at is None or r.resolved_at >= moment)


def is_overdue(r: Any, moment: dt.datetime) -> bool:
    """Open, past its due date, and not waiting with its clock stopped since before it was
    due (a pause that began after `moment` did not hold the clock then)."""
    if not is_open(r, moment) or r.due_at is None or r.due_at >= moment:
        return False
    return r.paused_since is None or r.paused_since > moment or r.due_at < r.paused_since


def acknowledgement(r: Any, moment: dt.datetime) -> bool | None:
    """On time, late, or not counted (None): no respond-by time, or not acknowledged and the
    time not yet passed."""
    if r.respond_due_at is None:
        return None
    if r.acknowledged_at is None:
        return False if r.respond_due_at <= moment else None
    return bool(r.acknowledged_at <= r.respond_due_at)


def p90(values: list[float]) -> float | None:
    if len(values) < 2:
        return values[0] if values else None
    return statistics.quantiles(values, n=10, method="inclusive")[-1]


def counted_work(r: Any, period: Period) -> bool:
    return between(r.resolved_at, period) and r.resolution != "duplicate"


def listed(filters: RequestFilter | None) -> int:
    assert filters is not None
    return RequestList(filters).count()


#: parts of months at both ends and a whole month between (the running totals of months and
#: the rows of the days outside them)
ACROSS = Period(dt.date(2026, 8, 17), dt.date(2026, 10, 9))


@pytest.mark.parametrize(
    "period", [PERIOD, SO_FAR, ACROSS], ids=["October", "November so far", "mid-Aug to Oct 9"]
)
@pytest.mark.parametrize("totals", [True, False], ids=["running totals", "rows counted"])
def test_every_figure_matches_plain_python(town, period, totals):
    if totals and not citistat.counted_from_totals():
        pytest.skip("PostgreSQL keeps no running totals: it counts the rows")
    board = citistat.dashboard(period, actor=None, totals=totals)
    everything = rows()
    moment = min(TEST_NOW, period.ends)
    received = [r for r in everything if between(r.requested_at, period)]
    assert board.received.count == len(received)
    before = period.previous()
    if period == PERIOD:
        assert before == Period(dt.date(2026, 9, 1), dt.date(2026, 9, 30))
    assert board.received.previous == sum(between(r.requested_at, before) for r in everything)
    by_channel = Counter(r.channel for r in received)
    assert {b.drill.channels: b.count for b in board.by_channel if b.drill} == {
        (code,): n for code, n in by_channel.items()
    }

    resolved = [r for r in everything if counted_work(r, period)]
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
    assert board.overdue.count == sum(is_overdue(r, moment) for r in everything)
    moment_before = min(TEST_NOW, before.ends)
    assert board.overdue.previous == sum(is_overdue(r, moment_before) for r in everything)
    # the data has requests past due but waiting since before they were due (from October
    # 20th)
    if period != ACROSS:
        assert board.overdue.count < sum(
            r.due_at is not None and r.due_at < moment for r in open_now
        )

    flags = [acknowledgement(r, moment) for r in received]
    assert (board.acknowledged.on_time, board.acknowledged.counted) == (
        flags.count(True),
        len(flags) - flags.count(None),
    )

    due = [r for r in resolved if r.due_at is not None]
    assert board.resolved_on_time.counted == len(due)
    assert board.resolved_on_time.on_time == sum(r.resolved_at <= r.due_at for r in due)

    def days_of(mine: list[Any]) -> list[float]:
        """Days to resolve, counted in whole hours (each moment's fraction of a second
        dropped, the hours counted toward zero)."""
        return sorted(
            int(
                (
                    r.resolved_at.replace(microsecond=0) - r.requested_at.replace(microsecond=0)
                ).total_seconds()
                / 3600
            )
            / 24
            for r in mine
        )

    days = days_of(resolved)
    assert board.median_days == pytest.approx(statistics.median(days), abs=1e-6)
    assert board.p90_days == pytest.approx(p90(days), abs=1e-6)

    departments = Counter(r.department.name for r in received)
    assert {g.name: g.received.count for g in board.by_department if g.received.count} == dict(
        departments
    )
    groups = [(g, lambda r, g=g: r.department.name == g.name) for g in board.by_department]
    groups += [(g, lambda r, g=g: r.service_type.name == g.name) for g in board.by_type]
    assert len(board.by_type) == min(15, len({r.service_type_id for r in received + resolved}))
    for group, belongs in groups:
        mine = [r for r in resolved if belongs(r)]
        assert group.resolved.count == len(mine)
        assert group.received.count == sum(belongs(r) for r in received)
        if group in board.by_department:
            assert group.backlog.count == sum(belongs(r) for r in open_now)
        due = [r for r in mine if r.due_at is not None]
        assert (group.on_time.on_time, group.on_time.counted) == (
            sum(r.resolved_at <= r.due_at for r in due),
            len(due),
        )
        flags = [acknowledgement(r, moment) for r in received if belongs(r)]
        assert (group.acknowledged.on_time, group.acknowledged.counted) == (
            flags.count(True),
            len(flags) - flags.count(None),
        )
        mine_days = days_of(mine)
        median = statistics.median(mine_days) if mine_days else None
        assert group.median_days == pytest.approx(median, abs=1e-6)
        assert group.p90_days == pytest.approx(p90(mine_days), abs=1e-6)
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
    assert last_week is not None and last_week.received_to == period.end

    questions: list[Any] = [q for q in InfoContact.select() if between(q.at, period)]
    assert board.questions.count == len(questions)
    articles = Counter(q.article.title for q in questions if q.article_id)
    without = sum(1 for q in questions if not q.article_id)
    shown = board.questions_by_article
    by_article = [b for b in shown if b.label != "(no article)"]
    # the most used articles, most used first, each with its count; then those without one
    assert [b.count for b in by_article] == [n for _t, n in articles.most_common(citistat.TOP)]
    assert all(articles[b.label] == b.count for b in by_article)
    assert [b.count for b in shown if b.label == "(no article)"] == ([without] if without else [])


def test_goals_against_the_business_calendar_with_pauses(town):
    board = citistat.dashboard(PERIOD, actor=None)
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


@pytest.mark.parametrize("period", [PERIOD, SO_FAR], ids=["October", "November so far"])
def test_every_number_drills_down_to_as_many_requests(town, period):
    board = citistat.dashboard(period, actor=None)
    bars = [board.received, board.resolved, board.backlog, board.overdue]
    bars += board.by_channel + board.ageing + board.weekly[-6:] + board.top_types
    bars += board.repeat_addresses + board.repeat_blocks
    bars += [b for b in board.per_clerk if b.drill is not None]
    shares = [board.acknowledged, board.resolved_on_time]
    for group in board.by_department + board.by_type[:5]:
        bars += [group.received, group.resolved]
        bars += [group.backlog] if group.backlog.drill else []
        shares += [group.acknowledged, group.on_time]
    for bar in bars:
        assert listed(bar.drill) == bar.count, bar.label
    for share in shares:
        assert listed(share.drill_on_time) == share.on_time
        assert listed(share.drill_late) == share.late
        assert share.drill_counted is not None  # the requests the share is computed over
        assert listed(share.drill_counted) == share.counted
    # every demo type has a resolution target: the on-time share lists its resolved requests
    assert board.resolved_on_time.drill_counted == board.resolved.drill
    assert all(g.on_time.drill_counted is not None for g in board.by_department)
    if period == PERIOD:
        assert board.repeat_blocks, "demo hot spots repeat on a block"


def test_a_share_that_leaves_requests_out_lists_exactly_the_ones_it_counts(town):
    """A request not yet acknowledged and not yet due is received but not counted: the
    share's list holds the counted ones, its two parts add up to it."""
    board = citistat.dashboard(SO_FAR, actor=None)
    assert board.acknowledged.counted < board.received.count
    assert board.acknowledged.drill_counted is not None
    assert listed(board.acknowledged.drill_counted) == board.acknowledged.counted
    assert listed(board.acknowledged.drill_on_time) + listed(board.acknowledged.drill_late) == (
        board.acknowledged.counted
    )


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
    assert percentile_of_counts(Counter(), 0.9) is None
    assert percentile_of_counts(Counter({4: 1}), 0.9) == 4.0
    assert percentile_of_counts(Counter({1: 1, 2: 1, 3: 1, 4: 1, 5: 1}), 0.5) == 3.0
    assert percentile_of_counts(Counter({1: 2, 3: 2}), 0.5) == 2.0  # between the middle two
    assert percentile_of_counts(Counter({24: 3}), 0.9, 1 / 24) == 1.0


def test_an_empty_town_has_no_numbers_but_no_errors(db):
    board = citistat.dashboard(PERIOD, actor=None)
    assert board.received.count == 0 and board.median_days is None
    assert board.resolved_on_time.value is None
    assert board.as_dict()["received"] == {"count": 0, "previous": 0}


def test_goals_are_set_by_supervisors_only(db):
    from desktop.models.setup.first_run import complete_first_run
    from desktop.models.staff.members import create_staff

    admin = complete_first_run("Alder Falls", "Ada Admin", password="admin password 1")
    clerk = create_staff("Carla Clerk", "clerk", actor=admin)
    boss = create_staff("Sam Super", "supervisor", actor=admin)
    with pytest.raises(PermissionDenied):
        goals.set_goal("pothole", 95, 3, actor=clerk)
    with pytest.raises(PermissionDenied):
        citistat.dashboard(PERIOD, actor=clerk)
    goal = goals.set_goal("pothole", 95, 3, actor=boss)
    assert goal.sentence() == "95 % of Pothole resolved within 3 business days"
    changed = goals.set_goal("pothole", "80 %", 2, actor=boss)
    assert (changed.share, changed.within_amount, changed.version) == (0.8, 2, 2)
    for refused in (180, 0.8, 0, "0.95", "", "lots", "nan", "inf", "95 percent"):
        with pytest.raises(InputError, match="percentage from 1 to 100"):
            goals.set_goal("pothole", refused, 3, actor=boss)
    assert goals.goals()[0].share == 0.8  # nothing changed
    assert goals.set_goal("pothole", "92.5%", 3, actor=boss).sentence().startswith("92.5 % of")
    assert goals.share_of(1) == 0.01 and goals.share_of("100%") == 1.0
    with pytest.raises(InputError):
        goals.set_goal("pothole", 90, 3, "weeks", actor=boss)
    goals.remove_goal("pothole", actor=boss)
    assert goals.goals() == []
    citistat.dashboard(PERIOD, actor=boss)


@pytest.mark.parametrize(
    ("start", "end", "compare", "expected", "kind"),
    [
        # the month so far, against the same days of the month before (not Nov 26-30)
        ("2026-12-01", "2026-12-05", "", ("2026-11-01", "2026-11-05"), "month"),
        ("2026-12-01", "2026-12-05", "year", ("2025-12-01", "2025-12-05"), "year"),
        ("2026-12-01", "2026-12-05", "days", ("2026-11-26", "2026-11-30"), "days"),
        # the year so far, against the same days last year (not a span from late January)
        ("2026-01-01", "2026-12-05", "", ("2025-01-01", "2025-12-05"), "year"),
        ("2026-07-01", "2026-12-05", "", ("2025-07-01", "2025-12-05"), "year"),  # fiscal year
        ("2026-10-01", "2026-10-31", "", ("2026-09-01", "2026-09-30"), "month"),
        ("2026-07-01", "2026-09-30", "", ("2026-04-01", "2026-06-30"), "month"),  # a quarter
        ("2025-01-01", "2025-12-31", "", ("2024-01-01", "2024-12-31"), "year"),
        ("2026-03-31", "2026-03-31", "month", ("2026-02-28", "2026-02-28"), "month"),
        ("2028-02-29", "2028-02-29", "year", ("2027-02-28", "2027-02-28"), "year"),
        ("2026-11-10", "2026-11-16", "", ("2026-11-03", "2026-11-09"), "days"),
    ],
)
def test_what_a_period_is_compared_with(start, end, compare, expected, kind):
    period = citistat.Period(dt.date.fromisoformat(start), dt.date.fromisoformat(end))
    before = period.previous(compare)
    assert (before.start.isoformat(), before.end.isoformat()) == expected
    assert (compare or period.default_comparison()) == kind
