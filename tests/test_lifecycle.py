"""The life of a request: statuses, resolutions, notes, the paused clock, conflicts."""

from __future__ import annotations

import datetime as dt

import pytest

from desktop.models import clock
from desktop.models.errors import ConflictError, InputError, NotFound
from desktop.models.requests import lifecycle
from desktop.models.requests.intake import RequestDraft, create_request
from desktop.models.residents.contacts import CallerDetails
from desktop.models.staff.members import create_staff
from desktop.models.storage.schema import RequestEvent, RequestPause, ServiceRequest

from .conftest import TEST_NOW


@pytest.fixture
def request_id(db) -> int:
    draft = RequestDraft(
        service_type="pothole",
        description="Hole",
        address="12 Elm St",
        answers={"size": "small", "in_lane": "no"},
        caller=CallerDetails("Ann", "Lee"),
    )
    created: int = create_request(draft, actor=None).id
    return created


def history(request_id: int) -> list[tuple[str, str | None]]:
    events = (
        RequestEvent.select().where(RequestEvent.request == request_id).order_by(RequestEvent.id)
    )
    return [(e.kind, e.new_value) for e in events]


def test_the_whole_life_of_a_request(request_id):
    clerk = create_staff("Carla Clerk", "clerk", actor=None)
    crew = create_staff("Pat Crew", "crew_lead", actor=None)
    boss = create_staff("Bo Boss", "supervisor", actor=None)
    lifecycle.set_status(request_id, "acknowledged", actor=clerk)
    lifecycle.assign(request_id, crew, actor=boss)
    lifecycle.set_status(request_id, "in_progress", actor=crew)
    lifecycle.add_note(request_id, "Cones placed", actor=crew)
    lifecycle.add_note(request_id, "Crew on site today", public=True, actor=clerk)
    lifecycle.resolve(request_id, "fixed", note="Filled with hot asphalt", actor=crew)
    closed = lifecycle.close(request_id, actor=crew)
    assert closed.status == "closed" and closed.resolution == "fixed"
    assert closed.acknowledged_at == TEST_NOW and closed.closed_at == TEST_NOW
    assert closed.status_notes == "Filled with hot asphalt"
    assert closed.version == 8
    assert [k for k, _v in history(request_id)] == [
        "created",
        "status",
        "assignment",
        "status",
        "note",
        "public_update",
        "status",
        "status",
    ]


def test_requests_are_found_by_number_as_typed(request_id):
    number = ServiceRequest.get_by_id(request_id).tracking_number
    assert lifecycle.find_request(number.replace("-0000", "-")).id == request_id
    assert lifecycle.find_request(request_id).id == request_id
    with pytest.raises(NotFound):
        lifecycle.find_request("2026-99999")


def test_a_stale_save_is_a_conflict_and_keeps_the_newer_change(request_id):
    seen = ServiceRequest.get_by_id(request_id).version
    lifecycle.add_note(request_id, "first clerk", version=seen, actor=None)
    with pytest.raises(ConflictError) as conflict:
        lifecycle.set_priority(request_id, "urgent", version=seen, actor=None)
    assert conflict.value.mine == {"priority": "urgent"}
    assert conflict.value.theirs.version == seen + 1
    assert ServiceRequest.get_by_id(request_id).priority != "urgent"


def test_resolving_needs_a_resolution_and_a_duplicate_needs_its_original(request_id):
    with pytest.raises(InputError, match="how it was resolved"):
        lifecycle.resolve(request_id, "done", actor=None)
    with pytest.raises(InputError, match="which request"):
        lifecycle.resolve(request_id, "duplicate", actor=None)
    other = create_request(
        RequestDraft(
            service_type="pothole",
            description="Same hole",
            address="12 Elm St",
            answers={"size": "small", "in_lane": "no"},
        ),
        actor=None,
    )
    done = lifecycle.resolve(other.id, "duplicate", duplicate_of=request_id, actor=None)
    assert done.duplicate_of_id == request_id


def test_closing_and_reopening(request_id):
    with pytest.raises(InputError, match="resolve it first"):
        lifecycle.close(request_id, actor=None)
    lifecycle.resolve(request_id, "could_not_locate", actor=None)
    with pytest.raises(InputError, match="why"):
        lifecycle.reopen(request_id, "  ", actor=None)
    reopened = lifecycle.reopen(request_id, "Resident sent a photo", actor=None)
    assert reopened.status == "acknowledged" and reopened.resolution is None
    assert reopened.resolved_at is None


def test_an_assigned_request_reopens_as_assigned(request_id):
    from desktop.models.staff.members import create_staff

    crew = create_staff("Pat Crew", "crew_lead", actor=None)
    lifecycle.assign(request_id, crew, actor=None)
    lifecycle.resolve(request_id, "fixed", actor=None)
    reopened = lifecycle.reopen(request_id, "The patch sank", actor=None)
    assert (reopened.status, reopened.assignee_id) == ("assigned", crew.id)


def test_status_moves_that_make_no_sense_are_refused(request_id):
    with pytest.raises(InputError, match="cannot be made"):
        lifecycle.set_status(request_id, "closed", actor=None)
    with pytest.raises(InputError, match="not a status"):
        lifecycle.set_status(request_id, "lost", actor=None)


def test_paused_time_moves_the_due_date(request_id):
    before = ServiceRequest.get_by_id(request_id).due_at
    assert before is not None
    lifecycle.pause(request_id, "Waiting on the resident", actor=None)
    with pytest.raises(InputError, match="already paused"):
        lifecycle.pause(request_id, "again", actor=None)
    clock.set_clock(lambda: TEST_NOW + dt.timedelta(hours=3))  # Monday 09:30 -> 12:30
    resumed = lifecycle.resume(request_id, actor=None)
    assert resumed.paused_since is None
    assert resumed.due_at == before + dt.timedelta(hours=3)
    pause = RequestPause.get(RequestPause.request == request_id)
    assert pause.ended_at == TEST_NOW + dt.timedelta(hours=3)
    with pytest.raises(InputError, match="not paused"):
        lifecycle.resume(request_id, actor=None)


def test_a_paused_request_is_not_overdue_while_its_clock_stands_still(request_id):
    from desktop.models.requests.listing import RequestFilter, RequestList

    due = ServiceRequest.get_by_id(request_id).due_at
    assert due is not None
    lifecycle.pause(request_id, "Waiting on parts", actor=None)
    clock.set_clock(lambda: due + dt.timedelta(days=30))
    overdue_view = RequestList(RequestFilter(overdue_only=True))
    assert overdue_view.count() == 0
    (row,) = RequestList(RequestFilter()).page(0, 10, actor=None)
    assert not row.overdue
    lifecycle.resume(request_id, actor=None)  # the due date moves on by the paused business time
    assert RequestList(RequestFilter(overdue_only=True)).count() == 0


def test_a_request_paused_after_its_due_date_stays_overdue(request_id):
    from desktop.models.requests.listing import RequestFilter, RequestList

    due = ServiceRequest.get_by_id(request_id).due_at
    assert due is not None
    clock.set_clock(lambda: due + dt.timedelta(hours=1))
    lifecycle.pause(request_id, "Waiting on the weather", actor=None)
    clock.set_clock(lambda: due + dt.timedelta(days=3))
    assert RequestList(RequestFilter(overdue_only=True)).count() == 1
    (row,) = RequestList(RequestFilter()).page(0, 10, actor=None)
    assert row.overdue
