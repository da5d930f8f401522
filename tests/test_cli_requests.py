"""`frontcounter request ...` and `frontcounter contact ...`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop.app import main


@pytest.fixture
def fc(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    base = ["--basedir", str(tmp_path), "--db", str(tmp_path / "town.db")]
    assert main([*base, "init", "--town", "Alder Falls", "--admin", "Ada Admin"]) == 0
    capsys.readouterr()

    def run(*argv: str) -> tuple[int, str, str]:
        code = main([*base, *argv])
        out, err = capsys.readouterr()
        return code, out, err

    return run


POTHOLE = (
    "request",
    "add",
    "pothole",
    "Deep hole near the bus stop",
    "--address",
    "12 elm st.",
    "--attr",
    "size=large",
    "--attr",
    "in_lane=yes",
)


def test_add_prints_the_number_and_possible_duplicates(fc):
    code, out, _err = fc(*POTHOLE, "--phone", "(555) 010-2233", "--first-name", "Maria")
    assert code == 0 and "Saved as 2026-00001." in out
    code, out, _err = fc(
        *POTHOLE[:3],
        "Same hole",
        "--address",
        "14 Elm Street",
        "--attr",
        "size=large",
        "--attr",
        "in_lane=yes",
        "--json",
    )
    data = json.loads(out)
    assert data["service_request_id"] == "2026-00002"
    assert data["possible_duplicates"] == ["2026-00001"]


def test_unknown_type_and_bad_answers_are_one_line_errors(fc):
    code, out, err = fc("request", "add", "unicorn", "x")
    assert code == 1 and out == "" and "no request type" in err and err.count("\n") == 1
    code, _out, err = fc("request", "add", "pothole", "x", "--attr", "size=huge")
    assert code == 1 and "not one of the choices" in err and "required question" in err
    code, _out, err = fc("request", "add", "pothole", "x", "--attr", "size")
    assert code == 1 and "CODE=VALUE" in err
    code, _out, err = fc(
        "request",
        "add",
        "pothole",
        "x",
        "--phone",
        "12",
        "--attr",
        "size=small",
        "--attr",
        "in_lane=no",
    )
    assert code == 1 and "not a phone number" in err
    assert json.loads(fc("info", "--json")[1])["counts"]["service_request"] == 0


def test_a_request_from_intake_to_closure(fc):
    fc(*POTHOLE)
    for step in (
        ("acknowledge",),
        ("assign", "ada.admin"),
        ("start",),
        ("note", "Cones out"),
        ("update", "Crew on site"),
        ("pause", "Waiting for asphalt"),
        ("resume",),
        ("resolve", "fixed", "--note", "Patched"),
        ("close",),
    ):
        code, _out, err = fc("--user", "ada.admin", "request", step[0], "2026-1", *step[1:])
        assert code == 0, err
    code, out, _err = fc("request", "show", "2026-00001", "--json")
    shown = json.loads(out)
    assert shown["status"] == "closed" and shown["resolution"] == "fixed"
    assert [h["kind"] for h in shown["history"]] == [
        "created",
        "status",
        "assignment",
        "status",
        "note",
        "public_update",
        "pause",
        "resume",
        "status",
        "status",
    ]
    assert {h["by"] for h in shown["history"][1:]} == {"Ada Admin"}
    code, out, _err = fc("request", "reopen", "2026-1", "Came back after rain")
    assert code == 0 and "acknowledged" in out


def test_link_a_duplicate(fc):
    fc(*POTHOLE)
    fc(*POTHOLE)
    code, out, _err = fc("request", "link", "2026-2", "2026-1", "--json")
    assert code == 0 and json.loads(out)["duplicate_of"] == 1


def test_list_and_contacts(fc):
    fc(*POTHOLE, "--phone", "555.010.2233", "--first-name", "Maria", "--last-name", "Núñez")
    code, out, _err = fc("request", "list", "--open", "--json")
    assert [r["tracking_number"] for r in json.loads(out)] == ["2026-00001"]
    code, out, _err = fc("contact", "find", "(555) 010-2233", "--json")
    found = json.loads(out)
    assert [c["name"] for c in found] == ["Maria Núñez"]
    code, out, _err = fc("contact", "show", str(found[0]["id"]), "--json")
    assert code == 0
    assert json.loads(out)["requests"][0]["tracking_number"] == "2026-00001"


def test_unknown_request_number(fc):
    code, _out, err = fc("request", "show", "2026-404")
    assert code == 1 and "no request" in err
