"""Merging two records of one resident: what moves, what is filled, what is refused."""

from __future__ import annotations

import pytest

from desktop.models import clock
from desktop.models.errors import ConflictError, InputError, NotFound
from desktop.models.requests.intake import RequestDraft, add_follower, create_request, log_question
from desktop.models.residents.contacts import CallerDetails, create_contact, find_contacts
from desktop.models.residents.merge import merge_contacts
from desktop.models.staff.members import create_staff
from desktop.models.storage.db import write
from desktop.models.storage.schema import (
    Contact,
    ContactMethod,
    InfoContact,
    RequestEvent,
    RequestFollower,
    ServiceRequest,
)


def new_contact(first: str, last: str, phone: str = "", email: str = "", **fields) -> Contact:
    contact = write(lambda: create_contact(CallerDetails(first, last, phone, email), actor=None))
    if fields:
        write(lambda: Contact.update(**fields).where(Contact.id == contact.id).execute())
    return Contact.get_by_id(contact.id)


def pothole_for(contact: Contact) -> ServiceRequest:
    return create_request(
        RequestDraft(
            service_type="pothole",
            description="Hole",
            address="12 Elm St",
            answers={"size": "small", "in_lane": "no"},
            contact_id=contact.id,
        ),
        actor=None,
    )


def methods(contact_id: int) -> list[tuple[str, str, bool]]:
    return sorted(
        (m.kind, m.normalized, m.is_primary)
        for m in ContactMethod.select().where(ContactMethod.contact == contact_id)
    )


def test_everything_moves_to_the_kept_record(db):
    clerk = create_staff("Carla Clerk", "clerk", actor=None)
    keep = new_contact("Maria", "", "(555) 010-2233", notes="Prefers mornings")
    other = new_contact(
        "M.",
        "Núñez",
        "555.010.2233",
        "maria@example.org",
        address="12 Elm St",
        city="Alder Falls",
        zip="01234",
        notes="Hard of hearing",
    )
    first, second = pothole_for(other), pothole_for(keep)
    add_follower(second.id, RequestDraft("pothole", "Same hole", contact_id=other.id), actor=None)
    question = log_question("Trash day", contact_id=other.id, actor=None)

    result = merge_contacts(keep.id, other.id, actor=clerk)

    assert (result.requests, result.followers, result.questions, result.methods) == (1, 1, 1, 1)
    kept = result.kept
    assert (kept.first_name, kept.last_name) == ("Maria", "Núñez")
    assert (kept.address, kept.city, kept.zip) == ("12 Elm St", "Alder Falls", "01234")
    assert kept.notes == "Prefers mornings\n\nHard of hearing"
    assert kept.search_name == "maria núñez" and kept.version == keep.version + 1
    assert ServiceRequest.get_by_id(first.id).contact_id == keep.id
    assert RequestFollower.get(RequestFollower.request == second.id).contact_id == keep.id
    assert InfoContact.get_by_id(question.id).contact_id == keep.id
    # the same phone number is not kept twice; the new email is not made primary twice
    assert methods(keep.id) == [
        ("email", "maria@example.org", True),
        ("phone", "5550102233", True),
    ]
    assert methods(other.id) == []
    merged = Contact.get_by_id(other.id)
    assert merged.merged_into.id == keep.id and merged.version == other.version + 1
    assert [c.id for c in find_contacts("555 010 2233")] == [keep.id]
    event = (
        RequestEvent.select()
        .where(RequestEvent.request == first.id)
        .order_by(RequestEvent.id.desc())
        .get()
    )
    assert event.kind == "edit" and event.actor_id == clerk.id and "merged" in event.body


def test_the_kept_records_own_details_win(db):
    keep = new_contact("Ann", "Lee", address="1 Oak St", city="Alder Falls")
    other = new_contact("Anne", "Leigh", address="9 Pine St", city="Elsewhere", state="VT")
    kept = merge_contacts(keep.id, other.id, actor=None).kept
    assert (kept.first_name, kept.last_name, kept.address, kept.city) == (
        "Ann",
        "Lee",
        "1 Oak St",
        "Alder Falls",
    )
    assert kept.state == "VT"  # empty on the kept record, so filled


def test_a_stale_version_is_a_conflict_and_nothing_moves(db):
    keep = new_contact("Ann", "Lee")
    other = new_contact("Ann", "Lee", "5550100000")
    request = pothole_for(other)
    write(
        lambda: (
            Contact.update(notes="changed by another clerk", version=Contact.version + 1)
            .where(Contact.id == other.id)
            .execute()
        )
    )
    with pytest.raises(ConflictError, match="Someone else changed"):
        merge_contacts(
            keep.id, other.id, keep_version=keep.version, other_version=other.version, actor=None
        )
    with pytest.raises(ConflictError):
        merge_contacts(keep.id, other.id, keep_version=keep.version - 1, actor=None)
    assert ServiceRequest.get_by_id(request.id).contact_id == other.id
    assert Contact.get_by_id(other.id).merged_into is None
    assert methods(other.id) == [("phone", "5550100000", True)]
    assert Contact.get_by_id(keep.id).version == keep.version


def test_refusals(db):
    keep, other, third = new_contact("A", "One"), new_contact("B", "Two"), new_contact("C", "Three")
    with pytest.raises(InputError, match="same record"):
        merge_contacts(keep.id, keep.id, actor=None)
    with pytest.raises(NotFound):
        merge_contacts(keep.id, 999_999, actor=None)
    merge_contacts(keep.id, other.id, actor=None)
    with pytest.raises(InputError, match="already merged"):
        merge_contacts(other.id, third.id, actor=None)
    with pytest.raises(InputError, match="already merged"):
        merge_contacts(third.id, other.id, actor=None)
    write(lambda: Contact.update(anonymized_at=clock.now()).where(Contact.id == third.id).execute())
    with pytest.raises(InputError, match="anonymised"):
        merge_contacts(keep.id, third.id, actor=None)
    with pytest.raises(InputError, match="anonymised"):
        merge_contacts(third.id, keep.id, actor=None)


def test_earlier_merges_follow_along(db):
    a, b, c = new_contact("A", "A"), new_contact("B", "B"), new_contact("C", "C")
    merge_contacts(b.id, c.id, actor=None)
    merge_contacts(a.id, b.id, actor=None)
    assert Contact.get_by_id(c.id).merged_into.id == a.id
