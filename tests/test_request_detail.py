"""Reading one request or one resident in full, and the look-ups the Counter makes as the clerk
types."""

from __future__ import annotations

import pytest

from desktop.models.errors import InputError, NotFound
from desktop.models.requests import lifecycle
from desktop.models.requests.detail import contact_history, load_request_detail
from desktop.models.requests.intake import RequestDraft, add_follower, create_request, log_question
from desktop.models.requests.listing import RequestFilter
from desktop.models.requests.lookups import active_staff, active_types, find_types, known_addresses
from desktop.models.requests.saved_views import builtin_views, own_views, save_view
from desktop.models.residents.contacts import CallerDetails
from desktop.models.staff.members import create_staff
from desktop.models.town.addresses import as_written


def pothole(address: str, caller: CallerDetails | None = None, contact_id: int | None = None):
    return create_request(
        RequestDraft(
            service_type="pothole",
            description="Hole <b>deep</b>",
            address=address,
            answers={"size": "large", "in_lane": "yes"},
            caller=caller or CallerDetails(),
            contact_id=contact_id,
        ),
        actor=None,
    )


def test_the_detail_has_everything_the_pane_shows(db):
    clerk = create_staff("Carla Clerk", "clerk", actor=None)
    first = pothole("12 Elm St", CallerDetails("Maria", "Núñez", "555 010 2233"))
    second = pothole("40 Oak Ave", contact_id=first.contact_id)
    add_follower(
        first.id, RequestDraft("pothole", "Me too", caller=CallerDetails("Ann", "Lee")), actor=None
    )
    lifecycle.add_note(first.id, "Crew tomorrow", actor=clerk)
    third = pothole("12 Elm Street")
    lifecycle.resolve(third.id, "duplicate", duplicate_of=first.tracking_number, actor=None)

    detail = load_request_detail(first.tracking_number, actor=None)
    assert detail.service_type == "Pothole" and detail.department == "Public Works"
    assert detail.contact_name == "Maria Núñez" and detail.contact_phone == "(555) 010-2233"
    assert [(a.label, a.value) for a in detail.answers] == [
        ("About how big is it?", "Larger than a car tire"),
        ("Is it in a traffic lane?", "Yes"),
    ]
    assert detail.history[0].kind == "note" and detail.history[0].actor == "Carla Clerk"
    assert [f.name for f in detail.followers] == ["Ann Lee"]
    assert [d.tracking_number for d in detail.duplicates] == [third.tracking_number]
    assert [r.tracking_number for r in detail.contact_requests] == [second.tracking_number]
    assert detail.is_open
    other = load_request_detail(third.id, actor=None)
    assert other.duplicate_of is not None
    assert other.duplicate_of.tracking_number == first.tracking_number
    with pytest.raises(NotFound):
        load_request_detail("2020-99999", actor=None)


def test_a_residents_history_splits_open_and_past(db):
    first = pothole("12 Elm St", CallerDetails("Maria", "Núñez", "555 010 2233", "m@example.com"))
    second = pothole("14 Elm St", contact_id=first.contact_id)
    lifecycle.resolve(second.id, "fixed", actor=None)
    log_question("Bulk pickup days", contact_id=first.contact_id, actor=None)
    history = contact_history(first.contact_id, actor=None)
    assert [r.tracking_number for r in history.open_requests] == [first.tracking_number]
    assert [r.tracking_number for r in history.past_requests] == [second.tracking_number]
    assert history.phones == ["(555) 010-2233"] and history.emails == ["m@example.com"]
    assert [topic for _at, topic in history.questions] == ["Bulk pickup days"]


def test_known_addresses_complete_from_what_is_on_file(db):
    pothole("12 Elm St")
    pothole("120 Elm Street")
    pothole("7 Elmwood Ave")
    assert known_addresses("12 el") == ["12 ELM ST"]
    assert known_addresses("12") == ["12 ELM ST", "120 ELM ST"]
    assert known_addresses("elm") == ["ELM ST", "ELMWOOD AVE"]
    assert known_addresses("e") == []  # one letter is not enough to look up
    # a word being typed past its short form still finds it
    for typed in ("12 elm stre", "12 elm stree", "12 elm street", "12 Elm St", "elm stre"):
        assert known_addresses(typed)[0] in ("12 ELM ST", "ELM ST"), typed
    assert known_addresses("12 elm avenu") == []
    pothole("3 North Main Street Apt 3B")
    assert known_addresses("3 north main s") == ["3 N MAIN ST # 3B"]
    assert as_written("3 N MAIN ST # 3B") == "3 N Main St # 3B"
    assert as_written("12 ELM ST") == "12 Elm St"


def test_types_found_by_name_group_or_keyword(db):
    names = [t.name for t in find_types("pot")]
    assert names[0] == "Pothole"
    assert any("Rat" in t.name or "Rodent" in t.name for t in find_types("rats"))
    assert find_types("zzzz-nothing") == []
    assert len(active_types()) >= 50
    create_staff("Carla Clerk", "clerk", actor=None)
    assert [s.full_name for s in active_staff()] == ["Carla Clerk"]


def test_views_for_a_clerk_and_for_nobody(db):
    clerk = create_staff("Carla Clerk", "clerk", actor=None)
    assert "Mine" in [v.name for v in builtin_views(clerk)]
    assert "Mine" not in [v.name for v in builtin_views(None)]
    save_view("Elm", RequestFilter(address="elm"), "due_at", False, clerk)
    save_view("Elm", RequestFilter(address="elm st"), "due_at", True, clerk)  # replaced
    save_view("Desk", RequestFilter(open_only=True), "requested_at", True, None)
    mine = own_views(clerk)
    assert [(v.name, v.filters.address, v.descending) for v in mine] == [("Elm", "elm st", True)]
    assert [v.name for v in own_views(None)] == ["Desk"]
    with pytest.raises(InputError):
        save_view("x" * 101, RequestFilter(), "requested_at", True, clerk)
    with pytest.raises(InputError):
        save_view("Bad", RequestFilter(), "no_such_column", True, clerk)
