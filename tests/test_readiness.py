"""Getting the town ready: the checklist measured from the database, on the command line and in
Settings, and the first run opening on it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop.app import main
from desktop.models.admin import readiness
from desktop.models.admin.backups import take_backup
from desktop.models.catalog.departments import list_departments
from desktop.models.errors import InputError, PermissionDenied
from desktop.models.knowledge.placeholders import placeholders, set_value
from desktop.models.setup.first_run import complete_first_run
from desktop.models.staff.members import create_staff
from desktop.models.staff.signin import reset_password
from desktop.models.storage.db import write
from desktop.models.storage.schema import Department
from desktop.models.town.settings import set_settings

pytestmark = pytest.mark.usefixtures("no_dialogs")


def _item(key: str, folder: Path | None = None) -> readiness.ReadyItem:
    return next(item for item in readiness.checklist(folder) if item.key == key)


@pytest.fixture
def admin(db):
    user = complete_first_run("Alder Falls", "Ada Admin", password="admin password 1")
    yield user


def test_a_new_town_has_everything_left_but_what_it_was_given(db, admin):
    items = readiness.checklist(None)
    assert [item.key for item in items] == [
        "town",
        "staff",
        "departments",
        "placeholders",
        "office_hours",
        "printer",
        "backups",
    ]
    assert readiness.items_left(items) == len(items)  # the starter's examples are not the town's
    town = _item("town")
    assert "town hall address" in town.left and "name" not in town.left.split(":")[1]
    unfilled = _item("placeholders")
    assert unfilled.missing > 40 and "[to fill in: …]" in unfilled.left
    assert _item("departments").missing == 2 * len(list_departments(include_retired=False))


def test_each_item_is_ticked_when_it_is_done(db, admin, tmp_path):
    set_settings(
        {
            "town.address": "1 Main St, Alder Falls",
            "town.phone": "(860) 210-4000",
            "town.email": "clerk@alderfalls.gov",
            "town.website": "alderfalls.gov",
        },
        actor=admin,
    )
    assert _item("town").done
    clerk = create_staff("Carla Clerk", "clerk", actor=admin)
    assert not _item("staff").done and "Carla Clerk" in _item("staff").left
    reset_password(clerk.id, "clerk password 1", actor=admin)
    assert _item("staff").done

    def own_numbers() -> None:
        for number, department in enumerate(Department.select()):
            department.phone = f"(860) 210-{4100 + number}"
            department.email = f"{department.code.lower()}@alderfalls.gov"
            department.save()

    write(own_numbers)
    assert _item("departments").done
    for placeholder in placeholders():
        if placeholder.used_in and not placeholder.filled and not placeholder.setting:
            set_value(placeholder.name, "(860) 210-4999", actor=admin)
    assert _item("placeholders").done
    for key in readiness.CONFIRMED:
        readiness.confirm(key, actor=admin)
        assert _item(key).done
    readiness.confirm("printer", actor=admin, undo=True)
    assert not _item("printer").done
    readiness.confirm("printer", actor=admin)
    assert [item.key for item in readiness.checklist(None) if not item.done] == ["backups"]


@pytest.mark.sqlite_only
def test_a_backup_taken_ticks_the_backups(db, admin, tmp_path):
    folder = tmp_path / "backups"
    assert not _item("backups", folder).done
    assert db.path is not None
    take_backup(db.path, folder, actor=admin)
    assert _item("backups", folder).done


def test_only_hours_and_printer_are_confirmed_by_hand_and_only_by_an_administrator(db, admin):
    with pytest.raises(InputError):
        readiness.confirm("placeholders", actor=admin)
    clerk = create_staff("Carla Clerk", "clerk", actor=admin)
    with pytest.raises(PermissionDenied):
        readiness.confirm("printer", actor=clerk)


@pytest.mark.parametrize(
    ("value", "example"),
    [
        ("(555) 010-3000", True),
        ("555-0123", True),
        ("dpw@example.town", True),
        ("a@mail.example", True),
        ("(860) 555-2222", False),
        ("+1 860 210 4000", False),
        ("clerk@alderfalls.gov", False),
    ],
)
def test_the_starters_examples_are_not_the_towns_own(value, example):
    assert readiness.is_example(value) is example


@pytest.mark.sqlite_only
def test_the_command_line_checklist(tmp_path, capsys):
    base = ["--basedir", str(tmp_path / "base")]
    town = str(tmp_path / "town.db")
    assert main([*base, "init", "--db", town, "--town", "Alder Falls"]) == 0  # --db after init
    capsys.readouterr()
    assert main([*base, "--db", town, "checklist", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["left"] == 7 and shown["items"][3]["key"] == "placeholders"
    assert shown["items"][3]["where"] == "knowledge:placeholders"
    assert main([*base, "checklist", "confirm", "printer", "--db", town]) == 0
    out = capsys.readouterr().out
    assert "6 of 7 left" in out and "[x] The printer and its paper" in out
    assert main([*base, "--db", town, "checklist", "confirm", "backups"]) == 1
    assert "confirmed by hand" in capsys.readouterr().err


def test_settings_keeps_the_checklist_with_a_count(qtbot, db, admin):
    from PySide6.QtWidgets import QPushButton

    from desktop.ui.settings_page import SettingsPage

    page = SettingsPage(lambda: admin)
    qtbot.addWidget(page)
    page.load()
    assert page.tabs.tabText(0) == "Get the town ready (7 left)"
    places: list[str] = []
    page.go_to_area.connect(places.append)
    buttons = {b.objectName(): b for b in page.checklist.findChildren(QPushButton)}
    buttons["go_departments"].click()
    assert page.tabs.tabText(page.tabs.currentIndex()) == "Departments"
    buttons["go_placeholders"].click()
    assert places == ["knowledge:placeholders"]
    buttons["confirm_printer"].click()
    assert page.tabs.tabText(0) == "Get the town ready (6 left)"
    page.town_edits["town.address"].setText("1 Main St")
    page.town_edits["town.phone"].setText("(860) 210-4000")
    page.town_edits["town.email"].setText("clerk@alderfalls.gov")
    page.save_town()
    assert page.tabs.tabText(0) == "Get the town ready (5 left)"


def test_the_first_run_opens_on_the_checklist(qtbot, tmp_path, monkeypatch):
    from desktop.ui.application import AppController
    from desktop.ui.first_run import FirstRunDialog
    from desktop.ui.prefs import Prefs

    def set_up(dialog: FirstRunDialog) -> int:
        dialog.town.setText("Alder Falls")
        dialog.admin.setText("Ada Admin")
        dialog.password.setText("admin password 1")
        dialog.again.setText("admin password 1")
        dialog.save()
        return int(dialog.result())

    monkeypatch.setattr(FirstRunDialog, "exec", set_up)
    controller = AppController(Prefs(tmp_path / "prefs.ini"), interactive=True)
    try:
        assert controller.start(str(tmp_path / "new.db"))
        window = controller.window
        assert window is not None
        qtbot.addWidget(window)
        assert window.stack.currentIndex() == 5
        assert window.settings_page.tabs.currentIndex() == 0
        assert "left" in window.settings_page.tabs.tabText(0)
    finally:
        controller.shutdown()


def test_every_place_an_item_names_in_settings_is_a_tab(qtbot, db, admin):
    from desktop.ui.settings_page import SettingsPage

    page = SettingsPage(lambda: admin)
    qtbot.addWidget(page)
    for where in readiness.WHERE.values():
        if where.startswith("settings:"):
            assert where in page.places, where
    page.go_to("settings:backups")
    assert page.tabs.tabText(page.tabs.currentIndex()) == "Backups and personal data"
