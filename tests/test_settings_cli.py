"""`frontcounter catalog ...` and `frontcounter settings ...`: round trips, refusals, roles."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from PIL import Image

from desktop.app import main
from desktop.models.setup.seed import starter_catalog


def png(width: int = 60, height: int = 30) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (20, 80, 160)).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def run(tmp_path: Path, capsys):
    """Run a command on a town with no sign-in yet; returns (exit status, stdout, stderr)."""
    base = ["--basedir", str(tmp_path / "base"), "--db", str(tmp_path / "town.db")]
    assert main([*base, "init", "--town", "Alder Falls"]) == 0
    capsys.readouterr()

    def call(*argv: str) -> tuple[int, str, str]:
        code = main([*base, *argv])
        out, err = capsys.readouterr()
        return code, out, err

    return call


def as_json(out: str):
    return json.loads(out)


# -- catalog --------------------------------------------------------------------------------------


def test_types_and_show(run):
    code, out, _err = run("catalog", "types", "--json")
    assert code == 0 and len(as_json(out)) == len(starter_catalog()["service_types"])
    code, out, _err = run("catalog", "show", "pothole", "--json")
    shown = as_json(out)
    assert shown["department"] == "DPW"
    assert [q["code"] for q in shown["questions"]] == ["size", "in_lane"]
    code, out, _err = run("catalog", "show", "pothole")
    assert "1. size: About how big is it?" in out and "Version 1" in out


@pytest.mark.parametrize(
    ("field", "value", "key", "expected"),
    [
        ("name", ["Pothole", "or", "sinkhole"], "name", "Pothole or sinkhole"),
        ("department", ["prk"], "department", "PRK"),
        ("resolve-within", ["3", "business_days"], "resolve_within",
         {"amount": 3, "unit": "business_days"}),
        ("respond-within", ["4", "business", "hours"], "respond_within",
         {"amount": 4, "unit": "business_hours"}),
        ("keywords", ["pothole, sinkhole"], "keywords", ["pothole", "sinkhole"]),
        ("active", ["no"], "active", False),
        ("priority", ["high"], "priority", "high"),
    ],
)  # fmt: skip
def test_set_a_type_field_round_trips(run, field, value, key, expected):
    code, out, err = run("catalog", "set", "pothole", field, *value, "--json")
    assert code == 0, err
    assert as_json(out)[key] == expected
    code, out, _err = run("catalog", "show", "pothole", "--json")
    assert as_json(out)[key] == expected


@pytest.mark.parametrize(
    ("argv", "complaint"),
    [
        (["catalog", "set", "pothole", "colour", "blue"], "not a field of a request type"),
        (["catalog", "set", "pothole", "department", "NOPE"], "no department with the code"),
        (["catalog", "set", "pothole", "resolve-within", "3", "weeks"], "not a target"),
        (["catalog", "set", "pothole", "active", "maybe"], "is yes or no"),
        (["catalog", "set", "nosuch", "name", "X"], "no request type with the code"),
        (["catalog", "set", "pothole", "default-assignee", "pat"], "catalog set-department DPW"),
        (["catalog", "set", "pothole", "name", "x", "--version", "7"], "Someone else changed"),
        (["catalog", "add-type", "pothole", "--name", "P", "--department", "DPW"], "already"),
        (["catalog", "remove-question", "pothole", "nosuch"], "no question with the code"),
        (["catalog", "set-department", "DPW", "active", "no"], "active request types"),
        (["catalog", "import", "/nowhere/catalog.json"], "There is no file"),
    ],
)
def test_bad_input_is_one_line_and_exit_status_1(run, argv, complaint):
    code, out, err = run(*argv)
    assert code == 1 and out == ""
    assert complaint in err and err.startswith("frontcounter: ") and err.count("\n") == 1
    assert "Traceback" not in err


def test_add_a_type_with_questions_and_a_department(run):
    code, _out, err = run(
        "catalog", "add-department", "FIRE", "--name", "Fire Department",
        "--phone", "(555) 010-9000",
    )  # fmt: skip
    assert code == 0, err
    code, out, err = run(
        "catalog", "add-type", "smoke_detector", "--name", "Smoke detector check",
        "--department", "FIRE", "--resolve-within", "5 days", "--keywords", "smoke, alarm",
        "--json",
    )  # fmt: skip
    assert code == 0, err
    assert as_json(out)["resolve_within"] == {"amount": 5, "unit": "business_days"}
    code, _out, err = run(
        "catalog", "add-question", "smoke_detector", "rooms", "--label", "Which rooms?",
        "--datatype", "multivaluelist", "--choices", "Kitchen; Bedrooms; hall = Hallway",
        "--required",
    )  # fmt: skip
    assert code == 0, err
    run("catalog", "add-question", "smoke_detector", "age", "--label", "Age?", "--position", "1")
    code, out, _err = run("catalog", "show", "smoke_detector", "--json")
    shown = as_json(out)
    assert [q["code"] for q in shown["questions"]] == ["age", "rooms"]
    assert [c["key"] for c in shown["questions"][1]["choices"]] == ["kitchen", "bedrooms", "hall"]
    code, out, _err = run("catalog", "set-question", "smoke_detector", "rooms", "required", "no")
    assert code == 0
    assert run("catalog", "move-question", "smoke_detector", "rooms", "1")[0] == 0
    assert run("catalog", "remove-question", "smoke_detector", "age")[0] == 0
    code, out, _err = run("catalog", "show", "smoke_detector", "--json")
    assert [(q["code"], q["required"]) for q in as_json(out)["questions"]] == [("rooms", False)]
    code, out, _err = run("catalog", "departments", "--json")
    fire = next(d for d in as_json(out) if d["code"] == "FIRE")
    assert fire["active_types"] == 1 and fire["phone"] == "(555) 010-9000"


def test_department_default_assignee(run):
    run("users", "add", "Pat Crew", "--role", "crew_lead")
    code, out, err = run("catalog", "set-department", "DPW", "default-assignee", "pat.crew")
    assert code == 0, err
    assert "pat.crew" in out
    code, out, _err = run("catalog", "show", "pothole", "--json")
    assert as_json(out)["default_assignee"] == "pat.crew"
    assert run("catalog", "set-department", "DPW", "default-assignee", "nobody")[0] == 0
    assert as_json(run("catalog", "show", "pothole", "--json")[1])["default_assignee"] is None


def test_export_edit_import_round_trip(run, tmp_path):
    target = tmp_path / "catalog.json"
    code, out, _err = run("catalog", "export", str(target))
    assert code == 0 and f"{len(starter_catalog()['service_types'])} request types" in out
    data = json.loads(target.read_text(encoding="utf-8"))
    next(t for t in data["service_types"] if t["code"] == "graffiti")["name"] = "Graffiti removal"
    target.write_text(json.dumps(data), encoding="utf-8")
    code, out, _err = run("catalog", "import", str(target), "--dry-run")
    assert "Changed 1 request type: graffiti (name)." in out and "Nothing was saved" in out
    assert as_json(run("catalog", "show", "graffiti", "--json")[1])["name"] == "Graffiti"
    code, out, _err = run("catalog", "import", str(target), "--json")
    assert code == 0 and as_json(out)["changed_types"] == {"graffiti": ["name"]}
    assert as_json(run("catalog", "show", "graffiti", "--json")[1])["name"] == "Graffiti removal"
    (tmp_path / "bad.json").write_text('{"departments": []}', encoding="utf-8")
    code, _out, err = run("catalog", "import", str(tmp_path / "bad.json"))
    assert code == 1 and "The catalog has no service types." in err


# -- settings -------------------------------------------------------------------------------------


def test_settings_show_set_round_trip(run):
    for key, value in (
        ("town.phone", "(555) 010-1000"),
        ("town.email", "clerk@alderfalls.gov"),
        ("print.page_size", "A4"),
        ("calendar.federal_holidays", "no"),
        ("privacy.retention_years", "7"),
    ):
        code, _out, err = run("settings", "set", key, value)
        assert code == 0, err
    shown = as_json(run("settings", "show", "--json")[1])
    assert shown["town.phone"] == "(555) 010-1000"
    assert shown["print.page_size"] == "a4"
    assert shown["calendar.federal_holidays"] is False
    assert shown["privacy.retention_years"] == 7
    assert shown["logo"] is None and "closure" in shown["letter_templates"]


@pytest.mark.parametrize(
    ("key", "value", "complaint"),
    [
        ("town.email", "clerk at town", "not an email address"),
        ("town.phone", "call us", "not a phone number"),
        ("print.page_size", "legal", "letter"),
        ("privacy.retention_years", "200", "from 1 to 99"),
        ("setup.done", "no", "not a setting that can be changed"),
        ("town.name", "x" * 300, "too long"),
    ],
)
def test_bad_settings_are_refused(run, key, value, complaint):
    code, _out, err = run("settings", "set", key, value)
    assert code == 1 and complaint in err and err.count("\n") == 1


def test_logo_from_a_file_and_cleared(run, tmp_path):
    picture = tmp_path / "seal.png"
    picture.write_bytes(png(120, 60))
    code, out, err = run("settings", "logo", str(picture))
    assert code == 0, err
    assert "120 × 60" in out
    logo = as_json(run("settings", "show", "--json")[1])["logo"]
    assert logo["format"] == "PNG" and (logo["width"], logo["height"]) == (120, 60)
    (tmp_path / "notes.png").write_text("not a picture", encoding="utf-8")
    code, _out, err = run("settings", "logo", str(tmp_path / "notes.png"))
    assert code == 1 and "not a PNG or JPEG picture" in err
    assert as_json(run("settings", "show", "--json")[1])["logo"]["width"] == 120  # kept
    assert run("settings", "logo", "--clear")[0] == 0
    assert as_json(run("settings", "show", "--json")[1])["logo"] is None


def test_letter_templates(run, tmp_path):
    body = tmp_path / "pickup.txt"
    body.write_text("Dear {resident_name},\n\nWe will pick up on {expected_date}.\n", "utf-8")
    code, _out, err = run(
        "settings", "letter", "pickup", "--subject", "Pickup {tracking_number}",
        "--body-file", str(body),
    )  # fmt: skip
    assert code == 0, err
    listed = as_json(run("settings", "letters", "--json")[1])
    assert listed["templates"]["pickup"]["subject"] == "Pickup {tracking_number}"
    assert "resident_name" in listed["placeholders"]
    code, _out, err = run("settings", "letter", "oops", "--subject", "Hi", "--body", "{resident}")
    assert code == 1 and "did you mean {resident_name}" in err


# -- who may --------------------------------------------------------------------------------------


@pytest.fixture
def signed(tmp_path: Path, capsys, monkeypatch):
    """A town with sign-in on: an administrator, a supervisor and a clerk."""
    base = ["--basedir", str(tmp_path / "base"), "--db", str(tmp_path / "town.db")]
    monkeypatch.setenv("FRONTCOUNTER_ADMIN_PASSWORD", "admin password 1")
    assert main([*base, "init", "--town", "Alder Falls", "--admin", "Ada Admin"]) == 0
    monkeypatch.setenv("FRONTCOUNTER_PASSWORD", "admin password 1")
    for role in ("supervisor", "clerk"):
        monkeypatch.setenv("FRONTCOUNTER_NEW_PASSWORD", f"{role} password 1")
        argv = ["--user", "ada.admin", "users", "add", f"{role} person", "--role", role]
        assert main([*base, *argv, "--username", role]) == 0
    capsys.readouterr()

    def call(user: str | None, *argv: str) -> tuple[int, str]:
        password = "admin password 1" if user == "ada.admin" else f"{user} password 1"
        monkeypatch.setenv("FRONTCOUNTER_PASSWORD", password)
        code = main([*base, *(["--user", user] if user else []), *argv])
        return code, capsys.readouterr().err

    return call


@pytest.mark.parametrize(
    ("argv", "allowed"),
    [
        (["catalog", "set", "pothole", "priority", "high"], {"supervisor", "ada.admin"}),
        (["catalog", "add-department", "FIRE", "--name", "Fire"], {"supervisor", "ada.admin"}),
        (["settings", "set", "town.phone", "555 010 1000"], {"ada.admin"}),
        (["settings", "letter", "x", "--subject", "S", "--body", "B"], {"ada.admin"}),
    ],
)
@pytest.mark.parametrize("user", ["clerk", "supervisor", "ada.admin"])
def test_roles_on_the_command_line(signed, user, argv, allowed):
    code, err = signed(user, *argv)
    if user in allowed:
        assert code == 0, err
    else:
        assert code == 1 and "may not" in err


def test_changes_need_user_but_reading_does_not(signed):
    code, err = signed(None, "catalog", "set", "pothole", "priority", "high")
    assert code == 1 and "--user" in err
    for argv in (["catalog", "types"], ["catalog", "show", "pothole"], ["settings", "show"]):
        assert signed(None, *argv)[0] == 0
