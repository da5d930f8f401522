"""Saved responses: the updates and closing notes a town sends again and again, per type, with
the request's fields filled in; edited in Settings and on the command line, picked in the
request's Public update and Resolve boxes."""

from __future__ import annotations

import pytest

from desktop.models.documents import responses
from desktop.models.errors import InputError, NotFound
from desktop.models.requests.intake import RequestDraft, create_request
from desktop.models.staff.members import create_staff
from desktop.models.storage.schema import RequestEvent, ServiceRequest

pytestmark = pytest.mark.usefixtures("no_dialogs")


def _request(kind: str = "pothole") -> ServiceRequest:
    answers = {"size": "small", "in_lane": "no"} if kind == "pothole" else {}
    return create_request(
        RequestDraft(service_type=kind, description="x", address="12 Elm St", answers=answers),
        actor=None,
    )


def test_offered_per_type_and_kind_with_the_fields_filled_in(db):
    pothole, tree = _request(), _request("tree_trimming")
    closing = dict(responses.offered(pothole.id, "closing"))
    assert "Pothole filled" in closing
    assert closing["Pothole filled"].startswith("The pothole at 12 Elm St was filled on ")
    assert "{" not in "".join(closing.values())
    assert "Pothole filled" not in dict(responses.offered(tree.id, "closing"))
    assert "Crew scheduled" in dict(responses.offered(tree.id, "update"))


def test_the_towns_own_added_changed_and_removed(db):
    made = responses.save_response(
        "Tag removed",
        "closing",
        "The tree at {address} was trimmed.",
        ["tree_trimming"],
        actor=None,
    )
    assert made.types == ("tree_trimming",)
    tree = _request("tree_trimming")
    assert "Tag removed" in dict(responses.offered(tree.id, "closing"))
    responses.save_response(
        "Fixed", "closing", "Done at {address}.", actor=None
    )  # a built-in one, changed
    assert dict(responses.offered(tree.id, "closing"))["Fixed"] == "Done at 12 Elm St."
    responses.delete_response("Fixed", actor=None)
    assert "Fixed" not in {r.name for r in responses.saved_responses()}  # and stays removed
    with pytest.raises(NotFound):
        responses.delete_response("Fixed", actor=None)


@pytest.mark.parametrize(
    ("name", "kind", "text", "types", "said"),
    [
        ("", "update", "x", [], "Give the response a name"),
        ("A", "memo", "x", [], "update or a closing note"),
        ("A", "update", "  ", [], "Type the response's text"),
        ("A", "update", "Due {expected_dat}", [], "did you mean {expected_date}"),
        ("A", "update", "x", ["no_such_type"], "There is no request type no_such_type"),
    ],
)
def test_what_is_refused(db, name, kind, text, types, said):
    with pytest.raises(InputError, match=said.replace("{", r"\{").replace("}", r"\}")):
        responses.save_response(name, kind, text, types, actor=None)


def test_only_an_administrator_edits_them(db):
    from desktop.models.errors import PermissionDenied
    from desktop.models.setup.first_run import complete_first_run

    admin = complete_first_run("Alder Falls", "Ada Admin", password="admin password 1")
    clerk = create_staff("Carla Clerk", "clerk", actor=admin)
    with pytest.raises(PermissionDenied):
        responses.save_response("Mine", "update", "x", actor=clerk)


def test_a_saved_closing_note_is_picked_when_resolving(qtbot, db):
    from desktop.ui.request_detail_pane import RequestDetailPane
    from desktop.ui.text_dialog import TextDialog

    request = _request()
    pane = RequestDetailPane(lambda: None)
    qtbot.addWidget(pane)
    assert pane.show_request(request.id)
    offered: list[list[tuple[str, str]]] = []

    def pick(title: str, label: str, saved: list[tuple[str, str]]) -> str | None:
        offered.append(saved)
        return dict(saved)["Pothole filled"]

    pane.ask = lambda _title, _label, choices: choices[0] if choices else None  # "Fixed"
    pane.ask_text = pick
    assert pane.resolve()
    done = ServiceRequest.get_by_id(request.id)
    assert done.status == "resolved"
    assert done.status_notes.startswith("The pothole at 12 Elm St was filled on")
    public = RequestEvent.select().where(
        RequestEvent.request == request.id,
        RequestEvent.public == True,  # noqa: E712
    )
    assert any("was filled on" in (e.body or "") for e in public)
    # the box itself: picking a saved response fills it, to be changed before it is saved
    dialog = TextDialog(None, "Resolve", "What the resident is told:", offered[0])
    qtbot.addWidget(dialog)
    index = dialog.choice.findText("Pothole filled")
    dialog.choice.setCurrentIndex(index)
    dialog.choice.activated.emit(index)
    assert dialog.textValue().startswith("The pothole at 12 Elm St")
    qtbot.keyClicks(dialog.box, " Call us.")
    assert dialog.textValue().endswith("Call us.")


def test_the_command_line(tmp_path, capsys):
    from desktop.app import main

    base = ["--basedir", str(tmp_path / "base"), "--db", str(tmp_path / "town.db")]
    assert main([*base, "init", "--town", "Alder Falls"]) == 0
    add = ["request", "add", "pothole", "Hole", "--address", "12 Elm St"]
    assert main([*base, *add, "--attr", "size=small", "--attr", "in_lane=no"]) == 0
    capsys.readouterr()
    assert main([*base, "responses", "fill", "Pothole filled", "2026-00001"]) == 0
    assert capsys.readouterr().out.startswith("The pothole at 12 Elm St was filled on")
    set_one = ["responses", "set", "Sweeper", "--kind", "update", "--text", "Due {expected_date}"]
    assert main([*base, *set_one, "--types", "street_sweeping"]) == 0
    capsys.readouterr()
    assert main([*base, "responses", "list", "--type", "street_sweeping", "--json"]) == 0
    assert "Sweeper" in capsys.readouterr().out
    assert main([*base, "responses", "remove", "Nope"]) == 1
