"""Requests linked as related: both stay open, each lists the other, the link can go again."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop.app import main
from desktop.models.errors import InputError, PermissionDenied
from desktop.models.requests.detail import load_request_detail
from desktop.models.requests.intake import RequestDraft, create_request
from desktop.models.requests.links import link_related, related_requests, unlink_related
from desktop.models.staff.members import create_staff
from desktop.models.storage.schema import RequestEvent, ServiceRequest


def request(kind: str, words: str, answers: dict[str, str]) -> ServiceRequest:
    return create_request(
        RequestDraft(kind, words, address="12 Elm St", answers=answers), actor=None
    )


@pytest.fixture
def pair(db) -> tuple[ServiceRequest, ServiceRequest]:
    main_break = request(
        "pothole", "water main broke under the road", {"size": "large", "in_lane": "yes"}
    )
    hole = request("pothole", "the hole the water main left", {"size": "medium", "in_lane": "yes"})
    return main_break, hole


def test_two_related_requests_stay_open_and_list_each_other(pair):
    first, second = pair
    link_related(first.tracking_number, second.tracking_number, actor=None)
    for this, that in ((first, second), (second, first)):
        detail = load_request_detail(this.id, actor=None)
        assert [line.tracking_number for line in detail.related] == [that.tracking_number]
        assert detail.is_open and detail.request.duplicate_of_id is None
        said = [e.body for e in RequestEvent.select().where(RequestEvent.request == this.id)]
        assert f"Related to {that.tracking_number}." in said
    with pytest.raises(InputError, match="linked already"):
        link_related(second.id, first.id, actor=None)  # either way round is the same pair
    with pytest.raises(InputError, match="itself"):
        link_related(first.id, first.id, actor=None)
    unlink_related(second.id, first.id, actor=None)
    assert (
        related_requests(first.id) == []
        and load_request_detail(second.id, actor=None).related == []
    )
    with pytest.raises(InputError, match="not linked"):
        unlink_related(first.id, second.id, actor=None)


def test_linking_needs_someone_signed_in_who_may_add_notes(pair):
    from desktop.models.setup.first_run import complete_first_run

    first, second = pair
    admin = complete_first_run("Alder Falls", "Ada Admin", password="admin password 1")
    clerk = create_staff("Cleo Clerk", "clerk", actor=admin)
    with pytest.raises(PermissionDenied):
        link_related(first.id, second.id, actor=None)  # sign-in is on: nobody may
    link_related(first.id, second.id, actor=clerk)
    assert [r.id for r in related_requests(second.id)] == [first.id]


def test_the_command_line_links_shows_and_unlinks(tmp_path: Path, capsys):
    base = ["--basedir", str(tmp_path), "--db", str(tmp_path / "town.db")]
    assert main([*base, "init", "--town", "Alder Falls"]) == 0
    add = ["request", "add", "pothole", "Hole", "--address", "1 Elm St"]
    for _n in range(2):
        assert main([*base, *add, "--attr", "size=large", "--attr", "in_lane=yes"]) == 0
    capsys.readouterr()
    assert main([*base, "request", "link", "2026-1", "2026-2", "--related", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["related"] == ["2026-00002"]
    assert main([*base, "request", "show", "2026-2", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["related"] == ["2026-00001"] and shown["status"] == "new"
    assert main([*base, "request", "unlink", "2026-2", "2026-1"]) == 0
    assert "none" in capsys.readouterr().out
    assert main([*base, "request", "unlink", "2026-2", "2026-1"]) == 1
    assert "not linked" in capsys.readouterr().err


def test_the_detail_links_a_related_request_and_lists_it(qtbot, pair):
    from desktop.ui.request_detail_pane import RequestDetailPane

    first, second = pair
    pane = RequestDetailPane(lambda: None)
    qtbot.addWidget(pane)
    assert pane.show_request(first.id)
    with qtbot.waitSignal(pane.changed):
        assert pane.link_related(second.tracking_number)
    text = pane.body.toPlainText()
    assert "Related requests" in text and second.tracking_number in text
    assert not pane.link_related(second.tracking_number)  # linked already: said, not raised
