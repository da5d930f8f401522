"""The Requests list in the core: every filter, the search box, saved-view filters, masking."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.models import clock
from desktop.models.requests import search as request_search
from desktop.models.requests.intake import RequestDraft, create_request
from desktop.models.requests.lifecycle import add_note, assign
from desktop.models.requests.listing import (
    COLUMN_KEYS,
    COLUMNS,
    RequestFilter,
    RequestList,
)
from desktop.models.residents.contacts import CallerDetails
from desktop.models.setup.demo import generate_demo
from desktop.models.staff.members import create_staff
from desktop.models.storage.db import current, execute, write
from desktop.models.storage.schema import Contact, Department, ServiceRequest, ServiceType
from desktop.models.vocab import CONFIDENTIAL

from .conftest import TEST_NOW


def draft(code: str, description: str, address: str, **caller: str) -> RequestDraft:
    return RequestDraft(
        service_type=code,
        description=description,
        address=address,
        caller=CallerDetails(**caller),
        safety_acknowledged=True,
        answers=_required_answers(code),
    )


def _required_answers(code: str) -> dict[str, str]:
    answers = {}
    for attribute in ServiceType.get(ServiceType.code == code).attributes:
        if attribute.required and attribute.variable:
            answers[attribute.code] = (
                attribute.choices[0]["key"] if attribute.choices else "2026-11-16 09:00"
            )
    return answers


def numbers(filters: RequestFilter, sort: str = "tracking_number") -> list[str]:
    rows = RequestList(filters, sort, False).page(0, 100, actor=None)
    return [row.values[COLUMN_KEYS.index("tracking_number")] for row in rows]


@pytest.fixture
def town(db):
    """Four requests with different types, places, residents, assignees and notes."""
    clerk = create_staff("Carla Clerk", "clerk", actor=None)
    crew = create_staff("Dev Crew", "crew_lead", actor=None)
    first = create_request(
        draft(
            "pothole",
            "Deep hole near the school",
            "12 Elm St",
            first_name="Maria",
            last_name="Núñez",
            phone="555 010 2233",
        ),
        clerk,
    )
    second = create_request(
        draft(
            "street_light_out",
            "Lamp flickers all night",
            "40 Oak Avenue",
            first_name="John",
            last_name="Smith",
        ),
        clerk,
    )
    third = create_request(draft("pothole", "Another hole", "14 elm street"), clerk)
    fourth = create_request(
        draft("missed_trash", "Bins not emptied", "7 Birch Rd", first_name="Ann", last_name="Lee"),
        clerk,
    )
    assign(second.id, crew, actor=None)  # a supervisor's action: the system here
    add_note(third.id, "Resident mentioned the hydrant leaks too", actor=clerk)
    return {"clerk": clerk, "crew": crew, "requests": [first, second, third, fourth]}


def test_search_finds_description_address_name_note_and_number(town):
    first, second, third, fourth = town["requests"]
    assert numbers(RequestFilter(search="hole")) == [first.tracking_number, third.tracking_number]
    assert numbers(RequestFilter(search="oak")) == [second.tracking_number]
    assert numbers(RequestFilter(search="smith")) == [second.tracking_number]
    assert numbers(RequestFilter(search="nunez")) == [first.tracking_number]  # accents folded
    assert numbers(RequestFilter(search="hydrant")) == [third.tracking_number]
    assert numbers(RequestFilter(search=fourth.tracking_number)) == [fourth.tracking_number]
    assert numbers(RequestFilter(search="2026-4")) == [fourth.tracking_number]


def test_every_word_must_match_somewhere(town):
    first, second, _third, _fourth = town["requests"]
    assert numbers(RequestFilter(search="maria school")) == [first.tracking_number]
    assert numbers(RequestFilter(search="smith lamp")) == [second.tracking_number]
    assert numbers(RequestFilter(search="smith school")) == []


def test_words_match_as_typed(town):
    first, _second, third, _fourth = town["requests"]
    assert numbers(RequestFilter(search="ho")) == [first.tracking_number, third.tracking_number]


def test_search_follows_edits_of_contacts_and_requests(town):
    first = town["requests"][0]
    write(
        lambda: Contact.update(last_name="Ortega").where(Contact.id == first.contact_id).execute()
    )
    assert numbers(RequestFilter(search="ortega")) == [first.tracking_number]
    assert numbers(RequestFilter(search="nunez")) == []
    write(
        lambda: (
            ServiceRequest.update(description="Sinkhole")
            .where(ServiceRequest.id == first.id)
            .execute()
        )
    )
    assert numbers(RequestFilter(search="sinkhole")) == [first.tracking_number]
    write(lambda: ServiceRequest.delete().where(ServiceRequest.id == first.id).execute())
    assert numbers(RequestFilter(search="sinkhole")) == []


def test_filters_by_assignee_type_department_channel(town):
    first, second, third, fourth = town["requests"]
    crew = town["crew"]
    assert numbers(RequestFilter(assignee_ids=(crew.id,))) == [second.tracking_number]
    unassigned = numbers(RequestFilter(unassigned=True))
    assert second.tracking_number not in unassigned
    pothole = ServiceType.get(ServiceType.code == "pothole")
    assert numbers(RequestFilter(service_type_ids=(pothole.id,))) == [
        first.tracking_number,
        third.tracking_number,
    ]
    assert numbers(RequestFilter(department_ids=(fourth.department_id,))) == [
        fourth.tracking_number
    ]
    assert numbers(RequestFilter(channels=("email",))) == []
    assert len(numbers(RequestFilter(channels=("phone",)))) == 4


def test_address_filter_by_house_or_street(town):
    first, _second, third, _fourth = town["requests"]
    assert numbers(RequestFilter(address="12 elm")) == [first.tracking_number]
    assert numbers(RequestFilter(address="Elm Street")) == [
        first.tracking_number,
        third.tracking_number,
    ]
    assert numbers(RequestFilter(address="elm")) == [first.tracking_number, third.tracking_number]
    assert numbers(RequestFilter(address="99 nowhere")) == []


def test_today_moves_with_the_clock(town):
    assert len(numbers(RequestFilter(received_today=True))) == 4
    clock.set_clock(lambda: TEST_NOW + dt.timedelta(days=1))
    assert numbers(RequestFilter(received_today=True)) == []


def test_count_matches_the_pages(db):
    generate_demo(300, seed=3, actor=None)
    for filters in (
        RequestFilter(open_only=True),
        RequestFilter(search="street"),
        RequestFilter(address="1"),
        RequestFilter(overdue_only=True, search="hole"),
    ):
        listing = RequestList(filters)
        assert listing.count() == len(listing.page(0, 1000, actor=None))


def test_bulk_demo_load_is_searchable(db, monkeypatch):
    from desktop.models.setup import demo

    monkeypatch.setattr(demo, "BULK_LOAD_ROWS", 10)  # take the bulk path on a small load
    generate_demo(40, seed=9, actor=None)
    some = ServiceRequest.select().order_by(ServiceRequest.id).first()
    word = some.address.split()[-2]
    found = RequestList(RequestFilter(search=word)).count()
    expected = ServiceRequest.select().where(ServiceRequest.address.contains(word)).count()
    assert found >= expected > 0
    # the index is filled without merging, merged once, then FTS5 merges as usual again
    if db.is_sqlite:  # (PostgreSQL searches with LIKE: no index to make)
        settings = dict(execute(db.db, "SELECT k, v FROM request_text_config").fetchall())
        assert (settings.get("automerge"), settings.get("hashsize")) == (4, 1024 * 1024)
    # and the triggers are back for rows written after the load
    create_request(draft("pothole", "Zyzzyva crater", "1 Main St"), actor=None)
    assert RequestList(RequestFilter(search="zyzzyva")).count() == 1


def test_confidential_reporters_are_masked(town):
    first = town["requests"][0]
    write(
        lambda: (
            ServiceRequest.update(confidential=True).where(ServiceRequest.id == first.id).execute()
        )
    )
    listing = RequestList(RequestFilter(search=first.tracking_number))
    row = listing.page(0, 10, actor=None)[0]
    assert row.values[COLUMN_KEYS.index("contact")] == CONFIDENTIAL
    # and typing the reporter's name does not find the request they asked to keep confidential
    last_name = first.contact.last_name
    named = RequestList(RequestFilter(search=last_name))
    assert first.id not in {r.id for r in named.page(0, 50, actor=None)}
    write(
        lambda: (
            ServiceRequest.update(confidential=False).where(ServiceRequest.id == first.id).execute()
        )
    )
    named = RequestList(RequestFilter(search=last_name))
    assert first.id in {r.id for r in named.page(0, 50, actor=None)}


def test_every_column_sorts(town):
    for column in COLUMNS:
        for descending in (False, True):
            rows = RequestList(RequestFilter(), column.key, descending).page(0, 10, actor=None)
            assert len(rows) == 4


def test_status_and_priority_sort_in_their_own_order_not_the_alphabets(town):
    statuses = ["closed", "new", "in_progress", "assigned"]
    priorities = ["urgent", "low", "high", "normal"]
    for request, status, priority in zip(
        ServiceRequest.select().order_by(ServiceRequest.id), statuses, priorities, strict=True
    ):
        ServiceRequest.update(status=status, priority=priority).where(
            ServiceRequest.id == request.id
        ).execute()

    def column(key: str, descending: bool) -> list[str]:
        rows = RequestList(RequestFilter(), key, descending).page(0, 10, actor=None)
        return [row.values[COLUMN_KEYS.index(key)] for row in rows]

    assert column("status", False) == ["new", "assigned", "in_progress", "closed"]
    assert column("status", True) == ["closed", "in_progress", "assigned", "new"]
    assert column("priority", False) == ["low", "normal", "high", "urgent"]
    assert column("priority", True) == ["urgent", "high", "normal", "low"]


def test_filters_survive_a_saved_view_round_trip():
    filters = RequestFilter(
        statuses=("new",),
        assignee_ids=(3,),
        received_from=dt.date(2026, 1, 2),
        search="elm",
        received_today=True,
    )
    assert RequestFilter.from_dict(filters.to_dict()) == filters
    assert RequestFilter.from_dict({"nonsense": 1, "received_from": "bad", "search": 5}) == (
        RequestFilter(search="5")
    )
    assert RequestFilter().is_empty() and not filters.is_empty()


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=200))
def test_hostile_search_text_never_raises(town, text):
    listing = RequestList(RequestFilter(search=text))
    assert listing.count() == len(listing.page(0, 100, actor=None))


@pytest.mark.parametrize(
    "text",
    ['"', "NEAR(", "a OR b", "*", "NOT", "elm AND", "^x", "col:abc", "x" * 10_000, "\x00\x01"],
)
def test_fts_operators_are_words(town, text):
    RequestList(RequestFilter(search=text)).page(0, 10, actor=None)


def test_search_index_is_rebuilt_when_missing(db, db_path):
    from desktop.models.setup.opening import open_database
    from desktop.models.storage.db import close_database, execute

    create_request(draft("pothole", "Quokka hole", "3 Pine St"), actor=None)
    write(lambda: execute(current(), "DROP TABLE request_text"))
    close_database(db)
    reopened = open_database(db_path)
    try:
        assert RequestList(RequestFilter(search="quokka")).count() == 1
    finally:
        close_database(reopened)
    assert request_search.NOTE_KINDS


def test_department_names_in_rows(town):
    rows = RequestList(RequestFilter(), "tracking_number", False).page(0, 10, actor=None)
    names = {d.name for d in Department.select()}
    assert all(row.values[COLUMN_KEYS.index("department")] in names for row in rows)


def test_a_word_of_a_type_name_finds_that_type(town):
    _first, second, _third, _fourth = town["requests"]
    assert numbers(RequestFilter(search="light")) == [second.tracking_number]
    assert numbers(RequestFilter(search="light lamp")) == [second.tracking_number]


def test_a_broad_search_lists_the_newest_matches(db, monkeypatch):
    from desktop.models.requests import listing as request_list

    monkeypatch.setattr(request_list, "SEARCH_CAP", 25)
    generate_demo(200, seed=21, actor=None)
    everything = ServiceRequest.select().count()
    listing = RequestList(RequestFilter(search="st"), "requested_at", True)
    assert listing.count() == 25 and listing.capped
    newest = [r.id for r in ServiceRequest.select().order_by(ServiceRequest.id.desc()).limit(60)]
    assert {row.id for row in listing.page(0, 100, actor=None)} <= set(newest)
    narrow = RequestList(RequestFilter(search=ServiceRequest.get_by_id(1).tracking_number))
    assert narrow.count() == 1 and not narrow.capped
    assert everything > 25


def test_big_filters_walk_the_date_index_and_agree(db, monkeypatch):
    from desktop.models.requests import listing as request_list

    generate_demo(300, seed=22, actor=None)
    for filters in (RequestFilter(open_only=True), RequestFilter(address="1")):
        monkeypatch.setattr(request_list, "WALK_ABOVE", 10_000)
        sorted_rows = [r.id for r in RequestList(filters).page(0, 50, actor=None)]
        monkeypatch.setattr(request_list, "WALK_ABOVE", 1)
        walked = [r.id for r in RequestList(filters).page(0, 50, actor=None)]
        assert walked == sorted_rows and walked
