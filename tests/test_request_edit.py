"""Correcting a saved request: each field checked, a history line each, conflicts, re-routing."""

from __future__ import annotations

import datetime as dt

import pytest

from desktop.models import clock
from desktop.models.errors import ConflictError, InputError, PermissionDenied
from desktop.models.requests import lifecycle
from desktop.models.requests.edit import KEEP, RequestEdit, conflict_lines, edit_request
from desktop.models.requests.intake import RequestDraft, create_request
from desktop.models.requests.listing import RequestFilter, RequestList
from desktop.models.residents.contacts import CallerDetails
from desktop.models.staff import audit
from desktop.models.staff.members import create_staff
from desktop.models.storage.schema import (
    AuditRecord,
    RequestAnswer,
    RequestEvent,
    ServiceRequest,
    ServiceType,
    TriageTerm,
)
from desktop.models.text_clean import MAX_DESCRIPTION
from tests.conftest import TEST_NOW


@pytest.fixture
def pothole(db) -> ServiceRequest:
    return create_request(
        RequestDraft(
            service_type="pothole",
            description="Deep hole by the school crossing",
            address="12 Elm St",
            answers={"size": "small", "in_lane": "no"},
            caller=CallerDetails("Ann", "Lee", "555 010 2233"),
        ),
        actor=None,
    )


def edits(request_id: int) -> list[str]:
    return [
        e.body
        for e in RequestEvent.select()
        .where(RequestEvent.request == request_id, RequestEvent.kind == "edit")
        .order_by(RequestEvent.id)
    ]


def test_a_mistyped_address_is_corrected_with_a_history_line(pothole):
    fixed = edit_request(
        pothole.id, RequestEdit(address="14 elm street"), version=pothole.version, actor=None
    )
    assert fixed.address == "14 elm street" and fixed.house_number == 14
    assert fixed.address_normalized == "14 ELM ST"
    assert fixed.version == pothole.version + 1
    assert edits(pothole.id) == ["Address: 12 Elm St → 14 elm street"]
    assert RequestList(RequestFilter(address="14 Elm St")).count() == 1
    last = AuditRecord.select().order_by(AuditRecord.id.desc()).first()
    assert last.table_name == "service_request" and last.action == "edit"
    assert audit.verify().ok


def test_the_words_and_answers_are_corrected_and_checked(pothole):
    edit_request(
        pothole.id,
        RequestEdit(
            description="Deep hole, wrecked a tyre", answers={"size": "large", "in_lane": "yes"}
        ),
        actor=None,
    )
    request = ServiceRequest.get_by_id(pothole.id)
    assert request.description == "Deep hole, wrecked a tyre"
    answers = {
        a.attribute_code: a.value
        for a in RequestAnswer.select().where(RequestAnswer.request == pothole.id)
    }
    assert answers == {"size": "large", "in_lane": "yes"}
    assert "Description corrected." in edits(pothole.id)
    with pytest.raises(InputError, match="required question"):
        edit_request(pothole.id, RequestEdit(answers={"size": "large"}), actor=None)
    with pytest.raises(InputError, match="description is empty"):
        edit_request(pothole.id, RequestEdit(description="   "), actor=None)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (RequestEdit(description="x" * (MAX_DESCRIPTION + 1)), "too long"),
        (RequestEdit(address="1 Elm St " * 100), "too long"),
        (RequestEdit(zip="0" * 5000), "too long"),
        (RequestEdit(coordinates=(91, 0)), "latitude"),
        (RequestEdit(service_type="no_such_type"), "no request type"),
        (RequestEdit(answers={"colour": "red"}), "not a question"),
        (RequestEdit(), "Nothing to change"),
        (RequestEdit(address="12 Elm St"), "Nothing changed"),
    ],
)
def test_bad_corrections_are_refused_and_nothing_is_saved(pothole, edit, message):
    with pytest.raises(InputError, match=message):
        edit_request(pothole.id, edit, actor=None)
    assert ServiceRequest.get_by_id(pothole.id).version == pothole.version
    assert edits(pothole.id) == []


def test_a_stale_copy_is_a_conflict_shown_side_by_side(pothole):
    lifecycle.set_status(pothole.id, "in_progress", actor=None)  # another clerk, meanwhile
    with pytest.raises(ConflictError) as caught:
        edit_request(
            pothole.id, RequestEdit(address="14 Elm St"), version=pothole.version, actor=None
        )
    assert ServiceRequest.get_by_id(pothole.id).address == "12 Elm St"  # theirs is kept
    lines = conflict_lines(caught.value)
    assert ("Address", "14 Elm St", "12 Elm St") in lines
    with pytest.raises(ConflictError) as again:
        lifecycle.set_status(pothole.id, "scheduled", version=pothole.version, actor=None)
    assert ("Status", "Scheduled", "In progress") in conflict_lines(again.value)


def test_a_new_type_reroutes_and_moves_what_triage_learned(pothole):
    before = ServiceRequest.get_by_id(pothole.id)
    learned = set(
        TriageTerm.select(TriageTerm.term)
        .where(TriageTerm.service_type == before.service_type_id)
        .tuples()
    )
    assert ("school",) in learned
    with pytest.raises(InputError, match="What is wrong with the sidewalk"):
        edit_request(
            pothole.id, RequestEdit(service_type="broken_sidewalk", answers=KEEP), actor=None
        )
    edit_request(
        pothole.id,
        RequestEdit(service_type="broken_sidewalk", answers={"problem": "hole"}),
        actor=None,
    )
    after = ServiceRequest.get_by_id(pothole.id)
    sidewalk = ServiceType.get(ServiceType.code == "broken_sidewalk")
    assert after.service_type_id == sidewalk.id
    assert after.department_id == sidewalk.department_id
    assert after.requested_at == before.requested_at
    calendar_due = after.due_at
    assert calendar_due is not None and calendar_due != before.due_at
    assert "Type: Pothole → Broken Sidewalk" in edits(pothole.id)
    moved = {t.service_type_id for t in TriageTerm.select().where(TriageTerm.term == "school")}
    assert moved == {sidewalk.id}


def test_a_resolved_request_keeps_its_type(pothole):
    lifecycle.resolve(pothole.id, "fixed", actor=None)
    with pytest.raises(InputError, match="keeps its type"):
        edit_request(
            pothole.id,
            RequestEdit(service_type="broken_sidewalk", answers={"problem": "hole"}),
            actor=None,
        )
    edit_request(
        pothole.id, RequestEdit(address="12 Elm Street, rear"), actor=None
    )  # the record, fixed


def test_only_those_who_see_confidential_reporters_may_lift_the_mark(pothole):
    clerk, boss = (
        create_staff("Cleo Clerk", "clerk", actor=None),
        create_staff("Sue Boss", "supervisor", actor=None),
    )
    edit_request(pothole.id, RequestEdit(confidential=True), actor=clerk)
    with pytest.raises(PermissionDenied):
        edit_request(pothole.id, RequestEdit(confidential=False), actor=clerk)
    edit_request(pothole.id, RequestEdit(confidential=False), actor=boss)
    assert not ServiceRequest.get_by_id(pothole.id).confidential


def test_paused_time_stays_added_back_when_the_type_changes(pothole):
    lifecycle.pause(pothole.id, "Waiting on the resident", actor=None)
    clock.set_clock(lambda: TEST_NOW + dt.timedelta(hours=3))
    lifecycle.resume(pothole.id, actor=None)
    edit_request(
        pothole.id,
        RequestEdit(service_type="broken_sidewalk", answers={"problem": "hole"}),
        actor=None,
    )
    after = ServiceRequest.get_by_id(pothole.id)
    from desktop.models.town.calendar import load_calendar

    kind = ServiceType.get(ServiceType.code == "broken_sidewalk")
    assert kind.resolve_amount is not None
    plain = load_calendar().add_target(after.requested_at, kind.resolve_amount, kind.resolve_unit)
    assert after.due_at == plain + dt.timedelta(hours=3)
