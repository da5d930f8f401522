"""Closing out returned work orders: outcomes, the crew's report, and bad input."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from desktop.models import clock
from desktop.models.documents.closeout import CloseOut, close_out, close_out_many
from desktop.models.errors import InputError, NotFound
from desktop.models.requests.intake import RequestDraft, create_request
from desktop.models.storage.schema import RequestEvent, ServiceRequest
from tests.conftest import TEST_NOW


def _request() -> ServiceRequest:
    return create_request(
        RequestDraft(
            service_type="pothole",
            description="Deep hole",
            address="12 Elm Street",
            answers={"size": "large", "in_lane": "yes"},
            safety_acknowledged=True,
        ),
        actor=None,
    )


def test_fixed_resolves_and_records_the_crew_report(db):
    request = _request()
    done = TEST_NOW + dt.timedelta(hours=5)  # done in the afternoon...
    clock.set_clock(lambda: TEST_NOW + dt.timedelta(days=1))  # ...keyed in the next morning
    closed = close_out(
        CloseOut(
            request.tracking_number,
            "fixed",
            notes="Filled with cold patch",
            hours=1.5,
            materials="2 bags cold patch",
            crew="Crew 2",
            done_at=done,
        ),
        actor=None,
    )
    assert closed.status == "resolved" and closed.resolution == "fixed"
    assert closed.resolved_at == done  # on time is counted from when the crew did it
    # the resident hears what it means for them; the crew's report stays internal
    assert closed.status_notes == "The crew finished the work on November 16, 2026."
    public = " ".join(
        e.body
        for e in RequestEvent.select().where(
            RequestEvent.request == request.id,
            RequestEvent.public == True,  # noqa: E712
        )
    )
    for internal in ("cold patch", "Crew 2", "1.5"):
        assert internal not in public
    event = RequestEvent.get(RequestEvent.request == request.id, RequestEvent.kind == "work_done")
    assert not event.public and "Filled with cold patch" in event.body
    assert json.loads(event.new_value or "") == {
        "outcome": "fixed",
        "hours": 1.5,
        "materials": "2 bags cold patch",
        "crew": "Crew 2",
        "done_at": done.isoformat(timespec="minutes"),
    }


@pytest.mark.parametrize(
    ("outcome", "resolution"),
    [("could_not_locate", "could_not_locate"), ("not_ours", "not_town_responsibility")],
)
def test_outcomes_map_to_resolutions(db, outcome, resolution):
    request = _request()
    assert close_out(CloseOut(request.id, outcome), actor=None).resolution == resolution


def test_follow_up_keeps_the_request_open(db):
    request = _request()
    kept = close_out(
        CloseOut(request.tracking_number, "follow_up", notes="Needs a paving crew"), actor=None
    )
    assert kept.status == "in_progress" and kept.resolution is None
    with pytest.raises(InputError, match="follow-up"):
        close_out(CloseOut(request.id, "follow_up"), actor=None)


def test_bad_input_is_a_clear_message_and_changes_nothing(db):
    request = _request()
    with pytest.raises(NotFound, match="2099-00001"):
        close_out(CloseOut("2099-00001", "fixed"), actor=None)
    with pytest.raises(InputError, match="negative"):
        close_out(CloseOut(request.id, "fixed", hours=-1), actor=None)
    with pytest.raises(InputError, match="two weeks"):
        close_out(CloseOut(request.id, "fixed", hours=1000), actor=None)
    with pytest.raises(InputError, match="outcome"):
        close_out(CloseOut(request.id, "mended"), actor=None)
    with pytest.raises(InputError, match="future"):
        close_out(
            CloseOut(request.id, "fixed", done_at=TEST_NOW + dt.timedelta(days=1)), actor=None
        )
    assert ServiceRequest.get_by_id(request.id).status == "new"
    assert not RequestEvent.select().where(RequestEvent.kind == "work_done").exists()
    close_out(CloseOut(request.id, "fixed"), actor=None)
    with pytest.raises(InputError, match="already resolved"):
        close_out(CloseOut(request.tracking_number, "fixed"), actor=None)


def test_a_stack_of_orders_goes_on_past_a_bad_one(db):
    first, second = _request(), _request()
    results = close_out_many(
        [
            CloseOut(first.tracking_number, "fixed"),
            CloseOut("2099-00001", "fixed"),
            CloseOut(second.tracking_number, "not_ours", hours=0.5),
        ],
        actor=None,
    )
    assert [r.ok for r in results] == [True, False, True]
    assert "2099-00001" in results[1].message
    assert ServiceRequest.get_by_id(second.id).resolution == "not_town_responsibility"
