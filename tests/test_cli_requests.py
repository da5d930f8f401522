"""`frontcounter request ...`, `frontcounter contact ...` and `frontcounter routing ...`."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from PIL import Image

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
    code, out, _err = fc("request", "show", "2026-00001")  # the text says what each step did
    assert "New → Acknowledged" in out and "Resolved → Closed" in out
    code, out, _err = fc("request", "reopen", "2026-1", "Came back after rain")
    assert code == 0 and "assigned" in out  # back to the crew it was assigned to


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


# -- routing rules, attachments, contact merge -------------------------------------------------

TREE_POTHOLE = (
    "request",
    "add",
    "pothole",
    "A tree root lifted the road",
    "--address",
    "12 elm st.",
    "--attr",
    "size=large",
    "--attr",
    "in_lane=yes",
)


def one_line_error(code: int, out: str, err: str) -> str:
    assert code == 1 and out == "" and err.startswith("frontcounter: ") and err.count("\n") == 1
    return err


def test_routing_rules_from_the_command_line(fc):
    code, out, err = fc(
        "routing", "add", "Trees on Elm", "--street", "Elm Street", "--words", "tree, root",
        "--department", "PRK", "--priority", "high", "--json",
    )  # fmt: skip
    assert code == 0, err
    rule = json.loads(out)
    assert rule["street"] == "ELM ST" and rule["position"] == 1 and rule["version"] == 1
    code, out, _err = fc("routing", "add", "Oak", "--street", "oak st", "--priority", "low")
    assert code == 0 and "Added rule" in out

    code, out, _err = fc("routing", "try", "pothole", "Tree root", "--address", "40 Elm Street")
    assert code == 0 and "Parks" in out and "Trees on Elm" in out
    code, out, _err = fc("routing", "try", "pothole", "hole", "--json")
    assert json.loads(out)["rule"] is None and json.loads(out)["department"] == "DPW"

    code, out, _err = fc(*TREE_POTHOLE)
    assert code == 0, _err
    code, out, _err = fc("request", "show", "2026-1", "--json")
    shown = json.loads(out)
    assert shown["department"] == "Parks, Recreation & Trees" and shown["priority"] == "high"
    assert "Routed by rule “Trees on Elm”." in shown["history"][0]["body"]

    code, out, _err = fc("routing", "move", str(rule["id"]), "2", "--json")
    assert [r["name"] for r in json.loads(out)] == ["Oak", "Trees on Elm"]
    code, out, _err = fc("routing", "update", str(rule["id"]), "--inactive", "--words", "")
    assert code == 0 and "(off)" in out
    code, out, _err = fc("routing", "list", "--json")
    listed = json.loads(out)
    assert listed[1]["active"] is False and listed[1]["words"] == ""
    assert listed[1]["version"] == 3
    code, out, _err = fc("routing", "remove", str(listed[0]["id"]))
    assert code == 0 and "Removed rule" in out
    code, out, _err = fc("routing", "list")
    assert out.startswith("  1. #1 Trees on Elm (off)")


def test_routing_bad_input_is_one_line_and_saves_nothing(fc):
    err = one_line_error(*fc("routing", "add", "Nothing", "--department", "NOPE"))
    assert "no department with the code “NOPE”" in err and "at least one condition" in err
    err = one_line_error(*fc("routing", "add", "x", "--type", "unicorn", "--priority", "low"))
    assert "no request type" in err
    one_line_error(*fc("routing", "update", "42", "--name", "x"))
    one_line_error(*fc("routing", "remove", "42"))
    code, out, _err = fc("routing", "list")
    assert code == 0 and "No routing rules" in out
    fc("routing", "add", "Oak", "--street", "oak st", "--priority", "low")
    fc("routing", "update", "1", "--priority", "high")
    err = one_line_error(*fc("routing", "update", "1", "--priority", "urgent", "--version", "1"))
    assert "Someone else changed the routing rule" in err
    err = one_line_error(*fc("routing", "remove", "1", "--version", "1"))
    assert json.loads(fc("routing", "list", "--json")[1])[0]["priority"] == "high"
    err = one_line_error(*fc("routing", "try", "unicorn", "x"))
    assert "no request type" in err


def test_attachments_from_the_command_line(fc, tmp_path: Path):
    fc(*TREE_POTHOLE)
    photo = tmp_path / "hole.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), "gray").save(buffer, format="JPEG")
    photo.write_bytes(buffer.getvalue())
    code, out, err = fc(
        "--user", "ada.admin", "request", "attach", "2026-1", str(photo),
        "--description", "from the curb", "--json",
    )  # fmt: skip
    assert code == 0, err
    attached = json.loads(out)
    assert attached["media_type"] == "image/jpeg" and attached["thumbnail"] is True
    assert attached["created_by"] == "Ada Admin"

    code, out, _err = fc("request", "attachments", "2026-1")
    assert code == 0 and "hole.jpg" in out and "image/jpeg" in out
    target = tmp_path / "out"
    target.mkdir()
    code, out, _err = fc("request", "save-attachment", "2026-1", str(attached["id"]), str(target))
    assert code == 0 and (target / "hole.jpg").read_bytes() == photo.read_bytes()

    fc(*TREE_POTHOLE)
    err = one_line_error(*fc("request", "detach", "2026-2", str(attached["id"])))
    assert "belongs to another request" in err
    code, out, _err = fc("request", "detach", "2026-1", str(attached["id"]))
    assert code == 0 and "Removed “hole.jpg”" in out
    code, out, _err = fc("request", "attachments", "2026-1", "--json")
    assert json.loads(out) == []
    code, out, _err = fc("request", "show", "2026-1", "--json")
    kinds = [h["kind"] for h in json.loads(out)["history"]]
    assert kinds == ["created", "attachment", "attachment_removed"]


def test_attachment_bad_input(fc, tmp_path: Path):
    fc(*TREE_POTHOLE)
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    assert "empty" in one_line_error(*fc("request", "attach", "2026-1", str(empty)))
    missing = tmp_path / "missing.pdf"
    assert "no file" in one_line_error(*fc("request", "attach", "2026-1", str(missing)))
    huge = tmp_path / "huge.bin"
    with huge.open("wb") as handle:
        handle.truncate(10 * 1024 * 1024 + 1)  # sparse: no 10 MB written
    assert "at most" in one_line_error(*fc("request", "attach", "2026-1", str(huge)))
    assert "no request" in one_line_error(*fc("request", "attach", "2026-99", str(missing)))
    assert "no attachment" in one_line_error(*fc("request", "detach", "2026-1", "7"))
    assert json.loads(fc("request", "attachments", "2026-1", "--json")[1]) == []


def test_contact_merge_from_the_command_line(fc):
    fc(*TREE_POTHOLE, "--phone", "(555) 010-2233", "--first-name", "Maria")
    fc(*TREE_POTHOLE, "--phone", "555.010.2299", "--first-name", "Maria", "--last-name", "Núñez")
    code, out, _err = fc("contact", "merge", "1", "2", "--json")
    assert code == 0, _err
    merged = json.loads(out)
    assert merged["kept"] == 1 and merged["name"] == "Maria Núñez"
    assert (merged["requests"], merged["methods"]) == (1, 1)
    code, out, _err = fc("contact", "show", "1", "--json")
    assert len(json.loads(out)["requests"]) == 2
    code, out, _err = fc("contact", "find", "Maria", "--json")
    assert [c["id"] for c in json.loads(out)] == [1]
    assert "already merged" in one_line_error(*fc("contact", "merge", "2", "1"))
    assert "same record" in one_line_error(*fc("contact", "merge", "1", "1"))
    assert "no resident" in one_line_error(*fc("contact", "merge", "1", "99"))


def test_request_add_prints_possible_duplicates_and_refuses_unknown_types(fc):
    fc(*TREE_POTHOLE)
    code, out, _err = fc(*TREE_POTHOLE[:4], "--address", "14 Elm Street", *TREE_POTHOLE[6:])
    assert code == 0 and "Saved as 2026-00002." in out
    assert "Possible duplicates" in out and "2026-00001" in out
    err = one_line_error(*fc("request", "add", "unicorn", "A horn in the road"))
    assert "There is no request type with the code “unicorn”." in err
    err = one_line_error(*fc("request", "add", "<script>", "x"))
    assert "“<script>”" in err
    assert json.loads(fc("info", "--json")[1])["counts"]["service_request"] == 2


def test_list_filters_like_the_window(fc):
    fc(*POTHOLE, "--first-name", "Quinn", "--last-name", "Zabel")
    fc(
        "request",
        "add",
        "missed_trash",
        "Bins not emptied",
        "--address",
        "7 Birch Rd",
        "--attr",
        "out_by_6am=yes",
        "--channel",
        "email",
    )
    code, out, _err = fc("request", "list", "--search", "zabel", "--json")
    assert code == 0 and [r["tracking_number"] for r in json.loads(out)] == ["2026-00001"]
    code, out, _err = fc("request", "list", "--type", "missed_trash", "--json")
    assert [r["tracking_number"] for r in json.loads(out)] == ["2026-00002"]
    code, out, _err = fc("request", "list", "--channel", "email", "--address", "birch", "--json")
    assert len(json.loads(out)) == 1
    code, out, _err = fc(
        "request",
        "list",
        "--department",
        "DPW",
        "--sort",
        "tracking_number",
        "--ascending",
        "--json",
    )
    assert [r["tracking_number"] for r in json.loads(out)] == ["2026-00001"]
    code, out, _err = fc("request", "list", "--today", "--unassigned", "--json")
    assert code == 0
    code, out, _err = fc("request", "list", "--status", "open,Resolved", "--json")
    chosen = [r["tracking_number"] for r in json.loads(out)]
    _code, out, _err = fc("request", "list", "--open", "--json")
    assert code == 0 and chosen == [r["tracking_number"] for r in json.loads(out)] != []
    for bad in (
        ["--type", "no_such"],
        ["--status", "bogus"],
        ["--from", "yesterday"],
        ["--sort", "nothing"],
        ["--assignee", "nobody.here"],
    ):
        code, out, err = fc("request", "list", *bad)
        assert code == 1 and err.startswith("frontcounter: ") and err.count("\n") == 1


def test_a_question_is_logged_from_an_article(fc):
    code, out, _err = fc("faq", "search", "transfer station hours", "--json")
    article = json.loads(out)[0]["id"]
    code, out, _err = fc("question", "log", "--article", str(article), "--json")
    assert code == 0 and json.loads(out)["article"] == article
    code, _out, err = fc("question", "log", "", "--json")
    assert code == 1 and "question was about" in err
    code, _out, err = fc("question", "log", "x", "--article", "999999")
    assert code == 1 and "no longer" in err


def test_edit_corrects_a_request_and_refuses_a_stale_version(fc):
    assert fc(*POTHOLE)[0] == 0
    code, out, err = fc(
        "request", "edit", "2026-1", "--address", "14 Elm Street", "--version", "1", "--json"
    )
    assert code == 0, err
    assert json.loads(out)["address"] == "14 Elm Street" and json.loads(out)["version"] == 2
    code, _out, err = fc("request", "edit", "2026-1", "--zip", "06001", "--version", "1")
    assert code == 1 and "Someone else changed" in err
    code, _out, err = fc("request", "edit", "2026-1", "--zip", "0" * 5000)
    assert code == 1 and "too long" in err
    code, _out, err = fc("request", "edit", "2026-1", "--lat", "40")
    assert code == 1 and "--long" in err
    code, out, _err = fc("request", "show", "2026-1")
    assert "Address: 12 elm st. → 14 Elm Street" in out


def test_list_limits_are_bounded_and_ids_too_big_are_not_found(fc):
    assert fc(*POTHOLE)[0] == 0
    for limit in ("-1", "0", "10001", "lots"):
        with pytest.raises(SystemExit):
            fc("request", "list", "--limit", limit)
    with pytest.raises(SystemExit):
        fc("contact", "show", "99999999999999999999999")
    with pytest.raises(SystemExit):
        fc("request", "detach", "2026-1", "99999999999999999999999")


def test_a_caller_logged_again_by_phone_or_email_stays_one_resident(fc):
    for phone in ("(555) 010-2233", "555.010.2233", "5550102233"):
        assert fc(*POTHOLE, "--phone", phone, "--first-name", "Maria")[0] == 0
    code, out, _err = fc("contact", "find", "5550102233", "--json")
    assert code == 0 and len(json.loads(out)) == 1
    code, out, _err = fc("contact", "find", "010-2233", "--json")  # no area code, as locals say
    assert len(json.loads(out)) == 1
    code, _out, err = fc("contact", "find", "x" * 100_000)
    assert code == 0 and "Traceback" not in err


def test_text_too_long_for_a_field_is_refused_not_cut(fc):
    code, _out, err = fc(*POTHOLE, "--zip", "0" * 5000)
    assert code == 1 and "ZIP" in err
    code, _out, err = fc(*POTHOLE, "--location-notes", "by the oak " * 100)
    assert code == 1 and "location notes are too long" in err
    code, _out, err = fc(*POTHOLE[:4], "--address", "99999999999999999999999 Elm St",
                         "--attr", "size=large", "--attr", "in_lane=yes")  # fmt: skip
    assert code == 0, err
