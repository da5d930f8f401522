"""Counter intake in the core: checks, routing, due dates, duplicates, followers, questions."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.models import clock
from desktop.models.errors import InputError
from desktop.models.requests.intake import (
    RequestDraft,
    add_follower,
    create_request,
    find_duplicates,
    log_question,
    suggest_types,
)
from desktop.models.residents.contacts import CallerDetails, find_contacts
from desktop.models.staff.members import create_staff
from desktop.models.storage.schema import (
    Contact,
    InfoContact,
    RequestAnswer,
    RequestEvent,
    ServiceRequest,
    ServiceType,
)

from .conftest import TEST_NOW


def pothole(**changes) -> RequestDraft:
    draft = RequestDraft(
        service_type="pothole",
        description="Big hole by the school crossing",
        address="12 elm st.",
        answers={"size": "medium", "in_lane": "yes"},
        caller=CallerDetails("Maria", "Núñez", "(555) 010-2233", "maria@example.com"),
    )
    for key, value in changes.items():
        setattr(draft, key, value)
    return draft


def test_attribute_codes_used_here_exist(db):
    codes = {a.code for a in ServiceType.get(ServiceType.code == "pothole").attributes}
    assert {"size", "in_lane"} <= codes


def test_a_request_is_saved_routed_and_due(db):
    clerk = create_staff("Carla Clerk", "clerk", actor=None)
    request = create_request(pothole(), clerk)
    assert request.tracking_number == "2026-00001"
    pothole_type = ServiceType.get(ServiceType.code == "pothole")
    assert request.department_id == pothole_type.department_id
    assert request.status == "new" and request.priority == pothole_type.priority
    assert request.address_normalized == "12 ELM ST" and request.house_number == 12
    # Monday 09:30 + 5 business days = Monday 09:30 (no holiday that week)
    assert request.due_at == dt.datetime(2026, 11, 23, 9, 30)
    assert request.respond_due_at is not None and request.respond_due_at > TEST_NOW
    answers = {
        a.attribute_code: a.value
        for a in RequestAnswer.select().where(RequestAnswer.request == request)
    }
    assert answers == {"size": "medium", "in_lane": "yes"}
    event = RequestEvent.get(RequestEvent.request == request)
    assert event.kind == "created" and event.actor_id == clerk.id
    assert request.contact is not None and request.contact.display_name == "Maria Núñez"


def test_a_known_caller_is_found_however_the_phone_is_typed(db):
    create_request(pothole(), actor=None)
    for typed in ("(555) 010-2233", "555.010.2233", "5550102233", "555010"):
        assert [c.display_name for c in find_contacts(typed)] == ["Maria Núñez"]
    assert [c.display_name for c in find_contacts("maria@EXAMPLE")] == ["Maria Núñez"]
    assert [c.display_name for c in find_contacts("maria n")] == ["Maria Núñez"]
    assert [c.display_name for c in find_contacts("Núñez")] == ["Maria Núñez"]
    for typed in ("Núñez, Maria", "Núñez, Ma", "Núñez,", "Núñez Maria"):  # last name first
        assert [c.display_name for c in find_contacts(typed)] == ["Maria Núñez"], typed
    assert find_contacts("Núñez, Ann") == [] and find_contacts("Smith, Maria") == []


def test_a_known_caller_gets_no_second_contact(db):
    first = create_request(pothole(), actor=None)
    second = create_request(
        pothole(
            contact_id=first.contact_id,
            address="90 Oak Lane",
            caller=CallerDetails(phone="555-010-9999"),
        ),
        actor=None,
    )
    assert second.contact_id == first.contact_id
    assert Contact.select().count() == 1
    assert first.contact is not None
    assert {m.normalized for m in first.contact.methods} >= {"5550102233", "5550109999"}


def test_anonymous_requests_are_allowed_and_cannot_be_confidential(db):
    request = create_request(pothole(caller=CallerDetails(), confidential=True), actor=None)
    assert request.contact is None and not request.confidential


@pytest.mark.parametrize(
    ("changes", "complaint", "field"),
    [
        ({"service_type": "moon-landing"}, "no request type", "service_type"),
        ({"description": "   "}, "description is empty", "description"),
        ({"description": "x" * 20_001}, "too long", "description"),
        ({"answers": {"size": "medium"}}, "required question", "answer:in_lane"),
        (
            {"answers": {"size": "enormous", "in_lane": "yes"}},
            "not one of the choices",
            "answer:size",
        ),
        (
            {"answers": {"size": "medium", "in_lane": "yes", "colour": "red"}},
            "not a question",
            "answer:colour",
        ),
        ({"channel": "telegram"}, "not a channel", "channel"),
        ({"caller": CallerDetails(phone="12")}, "not a phone number", "phone"),
        ({"caller": CallerDetails(email="maria at home")}, "not an email", "email"),
        ({"lat": 95.0, "long": 10.0}, "latitude", "lat"),
        ({"lat": 45.0}, "both latitude and longitude", "long"),
    ],
)
def test_bad_input_is_explained_and_nothing_is_saved(db, changes, complaint, field):
    with pytest.raises(InputError, match=complaint) as refused:
        create_request(pothole(**changes), actor=None)
    assert refused.value.field == field  # where the form puts the cursor
    assert ServiceRequest.select().count() == 0
    assert Contact.select().count() == 0


def test_a_safety_notice_must_be_acknowledged(db):
    dangerous = ServiceType.select().where(ServiceType.safety_notice != "").first()
    attributes = {a.code: a for a in dangerous.attributes}
    answers = {
        code: (a.choices[0]["key"] if a.choices else "1")
        for code, a in attributes.items()
        if a.required
    }
    draft = RequestDraft(service_type=dangerous.code, description="Smells of gas", answers=answers)
    with pytest.raises(InputError, match="safety notice") as refused:
        create_request(draft, actor=None)
    assert refused.value.field == "safety"
    draft.safety_acknowledged = True
    assert create_request(draft, actor=None).service_type_id == dangerous.id


def test_choices_can_be_given_by_their_names(db):
    request = create_request(
        pothole(answers={"size": "Dinner plate to car tire", "in_lane": "No"}), actor=None
    )
    values = {a.attribute_code: a.value for a in request.answers}
    assert values == {"size": "medium", "in_lane": "no"}


def test_hostile_text_is_stored_as_text(db):
    nasty = "<img src='http://example.invalid/x'> ‮RTL 🚧\x00\x07 '; DROP TABLE service_request;--"
    request = create_request(pothole(description=nasty, address=nasty[:40]), actor=None)
    stored = ServiceRequest.get_by_id(request.id)
    assert "DROP TABLE" in stored.description and "\x00" not in stored.description
    assert ServiceRequest.select().count() == 1


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(max_size=300))
def test_any_description_either_saves_or_is_refused_cleanly(db, text):
    try:
        request = create_request(pothole(description=text, caller=CallerDetails()), actor=None)
    except InputError:
        return
    assert ServiceRequest.get_by_id(request.id).description.strip()


def test_duplicates_same_address_nearby_houses_and_coordinates(db):
    first = create_request(pothole(address="12 Elm Street", lat=41.7, long=-73.9), actor=None)
    create_request(pothole(address="200 Elm Street"), actor=None)
    same = find_duplicates(first.service_type_id, "12 elm st.")
    assert [r.id for r in same] == [first.id]
    near = find_duplicates(first.service_type_id, "15 Elm St")
    assert [r.id for r in near] == [first.id]
    by_position = find_duplicates(first.service_type_id, "", lat=41.7003, long=-73.9)
    assert [r.id for r in by_position] == [first.id]
    assert find_duplicates(first.service_type_id, "40 Oak Lane") == []
    other_type = ServiceType.get(ServiceType.code != "pothole")
    assert find_duplicates(other_type.id, "12 Elm Street") == []


def test_a_closed_request_is_not_a_duplicate(db):
    first = create_request(pothole(), actor=None)
    ServiceRequest.update(status="closed").where(ServiceRequest.id == first.id).execute()
    assert find_duplicates(first.service_type_id, "12 Elm St") == []


def test_a_caller_added_as_follower_makes_no_new_work(db):
    first = create_request(pothole(), actor=None)
    follower = add_follower(
        first.id, pothole(caller=CallerDetails("Sam", "Lee", "555 010 4444")), actor=None
    )
    assert ServiceRequest.select().count() == 1
    assert follower.contact is not None and follower.contact.display_name == "Sam Lee"
    kinds = [e.kind for e in RequestEvent.select().where(RequestEvent.request == first)]
    assert kinds == ["created", "follower"]


def test_suggestions_from_the_callers_words(db):
    names = [t.code for t, _score in suggest_types("there's a huge pothole on my street")]
    assert names[0] == "pothole"
    names = [t.code for t, _score in suggest_types("the streetlight outside is out")]
    assert "street_light_out" in names[:2] or any("light" in n for n in names[:2])
    assert suggest_types("   ") == []


def test_a_question_answered_is_counted(db):
    log_question("Trash pickup day", "walk_in", actor=None)
    assert InfoContact.select().count() == 1
    with pytest.raises(InputError):
        log_question("  ", actor=None)


def test_due_dates_follow_the_town_calendar(db):
    clock.set_clock(lambda: dt.datetime(2026, 11, 25, 15, 0))  # the day before Thanksgiving
    request = create_request(pothole(), actor=None)
    # Thu 26 is a holiday, weekend follows: 5 business days = Fri 27, Mon 30, Dec 1, 2, 3
    assert request.due_at == dt.datetime(2026, 12, 3, 15, 0)
