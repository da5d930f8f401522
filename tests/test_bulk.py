"""One change to several requests: each in its own transaction, each refusal said, the rest
done; the same from the command line and from the Requests list's selection."""

from __future__ import annotations

import json

import pytest

from desktop.app import main
from desktop.models.errors import InputError
from desktop.models.requests import bulk, lifecycle
from desktop.models.requests.intake import RequestDraft, create_request
from desktop.models.staff.members import create_staff
from desktop.models.storage.schema import RequestEvent, ServiceRequest

pytestmark = pytest.mark.usefixtures("no_dialogs")


def _pothole(words: str = "Hole") -> ServiceRequest:
    return create_request(
        RequestDraft(
            service_type="pothole",
            description=words,
            address="12 Elm St",
            answers={"size": "small", "in_lane": "no"},
        ),
        actor=None,
    )


def test_assign_status_and_note_each_request_with_its_own_history(db):
    crew = create_staff("Pat Crew", "crew_lead", actor=None)
    requests = [_pothole(f"Hole {n}") for n in range(3)]
    ids = [r.id for r in requests]
    lifecycle.resolve(ids[2], "fixed", actor=None)  # resolved meanwhile: refused, the others done
    results = bulk.apply("assign", ids, crew, actor=None)
    assert [r.done for r in results] == [True, True, False]
    assert "reopen it first" in results[2].reason
    assert all(ServiceRequest.get_by_id(i).assignee_id == crew.id for i in ids[:2])
    results = bulk.apply("note", ids, "Crew out Tuesday", actor=None)
    assert all(r.done for r in results)  # a note goes on resolved requests too
    for request_id in ids:
        notes = RequestEvent.select().where(
            RequestEvent.request == request_id, RequestEvent.kind == "note"
        )
        assert [e.body for e in notes] == ["Crew out Tuesday"]
    results = bulk.apply("status", ids[:2], "in_progress", actor=None)
    assert all(ServiceRequest.get_by_id(i).status == "in_progress" for i in ids[:2])
    summary = bulk.summary(bulk.apply("status", ids, "scheduled", actor=None))
    assert "requests changed" in summary or "request changed" in summary
    assert requests[2].tracking_number in summary


def test_close_as_duplicates_of_one_leaves_the_original_alone(db):
    original, *calls = [_pothole(f"Tree down {n}") for n in range(4)]
    ids = [original.id] + [c.id for c in calls]
    results = bulk.apply("duplicate", ids, original.tracking_number, actor=None)
    assert len(results) == 3 and all(r.done for r in results)
    for call in calls:
        done = ServiceRequest.get_by_id(call.id)
        assert (done.resolution, done.duplicate_of_id) == ("duplicate", original.id)
    assert ServiceRequest.get_by_id(original.id).status not in ("resolved", "closed")


def test_what_is_refused_before_anything_is_changed(db):
    request = _pothole()
    with pytest.raises(InputError, match="not a status"):
        bulk.apply("status", [request.id], "finished", actor=None)
    with pytest.raises(InputError, match="Select the requests"):
        bulk.apply("note", [], "x", actor=None)
    with pytest.raises(InputError, match="at most"):
        bulk.refuse_too_many(bulk.MAX_BULK + 1)
    lifecycle.resolve(request.id, "fixed", actor=None)
    other = _pothole()
    with pytest.raises(InputError, match="choose an open request"):
        bulk.apply("duplicate", [other.id], request.tracking_number, actor=None)


@pytest.mark.sqlite_only
def test_the_command_line(tmp_path, capsys):
    base = ["--basedir", str(tmp_path / "base"), "--db", str(tmp_path / "town.db")]
    assert main([*base, "init", "--town", "Alder Falls"]) == 0
    numbers = []
    for n in range(3):
        capsys.readouterr()
        add = ["request", "add", "pothole", f"Hole {n}", "--address", "12 Elm St"]
        assert main([*base, *add, "--attr", "size=small", "--attr", "in_lane=no", "--json"]) == 0
        numbers.append(json.loads(capsys.readouterr().out)["tracking_number"])
    capsys.readouterr()
    assert main([*base, "request", "bulk", "note", *numbers, "--text", "Storm", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert (shown["changed"], shown["refused"]) == (3, 0)
    assert main([*base, "request", "bulk", "duplicate", *numbers, "--of", numbers[0]]) == 0
    assert "2 requests changed." in capsys.readouterr().out
    assert main([*base, "request", "bulk", "status", *numbers[1:], "--to", "in_progress"]) == 1
    said = capsys.readouterr().err
    assert "0 requests changed" in said and "cannot be made in progress" in said


def test_the_requests_list_changes_its_selection(qtbot, db):
    from PySide6.QtCore import QItemSelectionModel

    from desktop.ui.requests_page import RequestsPage

    clerk = create_staff("Sam Super", "supervisor", actor=None)
    crew = create_staff("Pat Crew", "crew_lead", actor=None)
    made = [_pothole(f"Hole {n}") for n in range(3)]
    page = RequestsPage(lambda: clerk)
    qtbot.addWidget(page)
    page.load()
    selection = page.table.selectionModel()
    for request in made[:2]:
        row = page.model.row_of(request.id, near=0)
        assert row is not None
        selection.select(
            page.model.index(row, 0),
            QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows,
        )
    results = page.bulk_change("assign", crew)
    assert results is not None and [r.done for r in results] == [True, True]
    assert {ServiceRequest.get_by_id(r.id).assignee_id for r in made[:2]} == {crew.id}
    assert ServiceRequest.get_by_id(made[2].id).assignee_id is None
