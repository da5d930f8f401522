"""The demo generator: realistic, consistent, repeatable."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import pytest

from desktop.models.knowledge.triage import relearn_all
from desktop.models.setup.demo import generate_demo
from desktop.models.storage.schema import (
    Contact,
    InfoContact,
    RequestAnswer,
    RequestEvent,
    ServiceRequest,
    ServiceType,
    TrackingCounter,
    TriageTerm,
    TriageTypeCount,
)
from desktop.models.vocab import OPEN_STATUSES, RESOLUTIONS

from .conftest import TEST_NOW


@pytest.fixture
def demo(db):
    report = generate_demo(3000, seed=42, actor=None)
    return report


def test_counts_match_the_report(demo):
    assert demo["requests"] == ServiceRequest.select().count() == 3000
    assert demo["contacts"] == Contact.select().count()
    assert demo["events"] == RequestEvent.select().count()
    assert demo["answers"] == RequestAnswer.select().count()
    assert demo["questions"] == InfoContact.select().count()


def test_requests_span_two_years_up_to_now(demo):
    times = [r.requested_at for r in ServiceRequest.select(ServiceRequest.requested_at)]
    assert max(times) <= TEST_NOW
    assert min(times) >= TEST_NOW - dt.timedelta(days=731)
    assert min(times) < TEST_NOW - dt.timedelta(days=600)


def test_a_longer_history_has_the_holidays_of_its_years(db, tmp_path, capsys):
    from desktop.app import main
    from desktop.models.storage.schema import Holiday

    base = ["--basedir", str(tmp_path), "--db", str(tmp_path / "long.db")]
    assert main([*base, "init", "--demo", "300", "--years", "12"]) == 0
    capsys.readouterr()
    from desktop.models.setup.opening import open_database
    from desktop.models.storage.db import close_database

    opened = open_database(tmp_path / "long.db")
    try:
        times = [r.requested_at for r in ServiceRequest.select(ServiceRequest.requested_at)]
        assert min(times) < TEST_NOW - dt.timedelta(days=365 * 11)
        years = {h.day.year for h in Holiday.select() if h.source == "federal"}
        assert set(range(TEST_NOW.year - 12, TEST_NOW.year + 1)) <= years
    finally:
        close_database(opened)
    with pytest.raises(SystemExit):
        main([*base, "init", "--demo", "10", "--years", "50"])


def test_tracking_numbers_are_sequential_per_year(demo):
    by_year: dict[str, list[int]] = {}
    for request in ServiceRequest.select(ServiceRequest.tracking_number):
        year, serial = request.tracking_number.split("-")
        by_year.setdefault(year, []).append(int(serial))
    for year, serials in by_year.items():
        assert sorted(serials) == list(range(1, len(serials) + 1))
        assert TrackingCounter.get_by_id(int(year)).last == len(serials)


def test_times_and_statuses_are_consistent(demo):
    for r in ServiceRequest.select():
        if r.status in OPEN_STATUSES:
            assert r.resolved_at is None and r.closed_at is None and r.resolution is None
        else:
            assert r.resolution in RESOLUTIONS
            assert r.resolved_at is not None
            assert r.requested_at <= r.resolved_at <= TEST_NOW
        if r.closed_at:
            assert r.resolved_at is not None
            assert r.status == "closed" and r.closed_at >= r.resolved_at
        if r.acknowledged_at:
            assert r.acknowledged_at >= r.requested_at
        assert r.due_at is None or r.due_at > r.requested_at


def test_old_requests_are_mostly_closed_and_recent_ones_open(demo):
    old = ServiceRequest.select().where(
        ServiceRequest.requested_at < TEST_NOW - dt.timedelta(days=180)
    )
    assert old.where(ServiceRequest.status.in_(OPEN_STATUSES)).count() < old.count() * 0.05
    recent = ServiceRequest.select().where(
        ServiceRequest.requested_at > TEST_NOW - dt.timedelta(days=2)
    )
    assert recent.where(ServiceRequest.status.in_(OPEN_STATUSES)).count() > 0


def test_seasons(demo):
    months: dict[str, Counter[int]] = {}
    query = ServiceRequest.select(ServiceRequest.requested_at, ServiceType.code).join(ServiceType)
    for request in query:
        months.setdefault(request.service_type.code, Counter())[request.requested_at.month] += 1
    snow = [code for code in months if "snow" in code]
    assert snow and all(months[c][m] == 0 for c in snow for m in (6, 7, 8))
    grass = [code for code in months if "grass" in code]
    assert grass and sum(months[grass[0]][m] for m in (6, 7, 8)) > sum(
        months[grass[0]][m] for m in (12, 1, 2)
    )


def test_duplicates_point_to_an_earlier_request_of_the_same_type(demo):
    duplicates = list(ServiceRequest.select().where(ServiceRequest.duplicate_of.is_null(False)))
    assert duplicates
    for dup in duplicates:
        original = dup.duplicate_of
        assert original.service_type_id == dup.service_type_id
        assert original.address_normalized == dup.address_normalized
        assert original.requested_at <= dup.requested_at
        # as in the app: only a request resolved as a duplicate points to its original
        assert (dup.status, dup.resolution) == ("closed", "duplicate")


def test_contacts_call_more_than_once(demo):
    with_contact = ServiceRequest.contact.is_null(False)
    per_contact = Counter(
        r.contact_id for r in ServiceRequest.select(ServiceRequest.contact).where(with_contact)
    )
    assert max(per_contact.values()) >= 3
    anonymous = ServiceRequest.select().where(ServiceRequest.contact.is_null()).count()
    assert 0.1 < anonymous / 3000 < 0.4


def test_residents_are_on_file_from_their_first_request_to_their_last(demo):
    import peewee

    rows: Any = (
        ServiceRequest.select(
            ServiceRequest.contact,
            peewee.fn.MIN(ServiceRequest.requested_at),
            peewee.fn.MAX(ServiceRequest.requested_at),
        )
        .where(ServiceRequest.contact.is_null(False))
        .group_by(ServiceRequest.contact)
        .tuples()
    )
    spans = {contact: (first, last) for contact, first, last in rows}
    for contact in Contact.select():
        if contact.id in spans:
            assert (contact.created_at, contact.updated_at) == spans[contact.id]
        else:  # never called: on file since the demo's history begins, long before now
            assert contact.updated_at < TEST_NOW - dt.timedelta(days=365)


def test_the_same_seed_gives_the_same_town(tmp_path):
    from desktop.models.setup.opening import open_database
    from desktop.models.storage.db import close_database

    snapshots = []
    for name in ("a.db", "b.db"):
        opened = open_database(tmp_path / name)
        generate_demo(300, seed=9, actor=None)
        snapshots.append(
            [
                (r.tracking_number, r.service_type_id, r.address, r.status, r.due_at)
                for r in ServiceRequest.select().order_by(ServiceRequest.id)
            ]
        )
        close_database(opened)
    assert snapshots[0] == snapshots[1]


def test_a_second_run_adds_to_what_is_there(db):
    generate_demo(200, seed=1, actor=None)
    generate_demo(200, seed=2, actor=None)
    numbers = [r.tracking_number for r in ServiceRequest.select(ServiceRequest.tracking_number)]
    assert len(numbers) == len(set(numbers)) == 400


def test_bulk_load_rebuilds_every_index(db, monkeypatch):
    from desktop.models.setup import demo as demo_module

    monkeypatch.setattr(demo_module, "BULK_LOAD_ROWS", 100)
    before = {i.name for i in db.db.get_indexes("service_request")}
    generate_demo(150, seed=3, actor=None)
    assert {i.name for i in db.db.get_indexes("service_request")} == before


def learned() -> tuple[list[tuple[int, str, int]], list[tuple[int, int]]]:
    terms = [
        (t.service_type_id, t.term, t.count)
        for t in TriageTerm.select().order_by(TriageTerm.service_type, TriageTerm.term)
    ]
    counts: list[tuple[int, int]] = list(
        TriageTypeCount.select(TriageTypeCount.service_type, TriageTypeCount.requests)
        .order_by(TriageTypeCount.service_type)
        .tuples()  # type: ignore[arg-type]
    )
    return terms, counts


@pytest.mark.parametrize("then", ["nothing", "a second run"])
def test_triage_learns_the_demo_as_from_its_rows(demo, then):
    """The demo counts what triage learns as it makes the requests; it must be exactly what
    reading every saved description again would teach (and a second run, on a town that has
    requests already, learns from all of them)."""
    if then == "a second run":
        generate_demo(150, seed=9, actor=None)
    taught = learned()
    assert taught[0] and sum(n for _t, n in taught[1]) == ServiceRequest.select().count()
    relearn_all()
    assert learned() == taught
