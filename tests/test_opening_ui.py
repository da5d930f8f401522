"""Opening a town in the window: a mistyped --db is refused as on the command line, and a town
whose staff have passwords but whose administrator has none lets them in."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.models.setup.first_run import complete_first_run, needs_first_run
from desktop.models.setup.opening import open_database
from desktop.models.staff import permissions
from desktop.models.staff.members import create_staff
from desktop.models.staff.signin import reset_password
from desktop.models.storage.db import close_database
from desktop.ui.application import PASSWORD_ENV, AppController
from desktop.ui.first_run import FirstRunDialog
from desktop.ui.prefs import Prefs

pytestmark = [pytest.mark.usefixtures("no_dialogs"), pytest.mark.sqlite_only]

CLERK_PASSWORD = "clerk password 1"


@pytest.fixture
def prefs(tmp_path: Path) -> Prefs:
    return Prefs(tmp_path / "prefs.ini")


def _town_with_a_clerk_who_can_sign_in(path: Path) -> None:
    """What a script or a demo leaves: the town and its administrator without a password, and a
    clerk given one (users passwd)."""
    opened = open_database(path)
    try:
        complete_first_run("Alder Falls", "Ada Admin")
        with permissions.as_system():
            clerk = create_staff("Carla Clerk", "clerk", actor=None)
            reset_password(clerk.id, CLERK_PASSWORD, actor=None)
    finally:
        close_database(opened)


def test_a_mistyped_db_is_refused_and_leaves_no_file(qtbot, tmp_path, prefs, capsys):
    missing = tmp_path / "Twon" / "frontcounter.db"
    controller = AppController(prefs, interactive=False)
    try:
        assert not controller.start(str(missing), create=False)
    finally:
        controller.shutdown()
    assert not missing.exists() and not missing.parent.exists()
    said = capsys.readouterr().err
    assert "There is no database file at" in said and "New database… in the File menu" in said


def test_the_default_database_is_still_made_on_first_use(qtbot, tmp_path, prefs):
    default = tmp_path / "data" / "frontcounter.db"
    controller = AppController(prefs, interactive=False)
    try:
        assert controller.start(str(default))
        assert controller.window is not None
        qtbot.addWidget(controller.window)
    finally:
        controller.shutdown()
    assert default.exists()


def test_staff_with_passwords_get_in_when_the_administrator_has_none(
    qtbot, tmp_path, prefs, monkeypatch
):
    town = tmp_path / "town.db"
    _town_with_a_clerk_who_can_sign_in(town)
    asked: list[str] = []

    def put_off(dialog: FirstRunDialog) -> int:
        asked.append("asked")
        assert dialog.staff_can_sign_in
        return int(FirstRunDialog.DialogCode.Rejected.value)

    monkeypatch.setattr(FirstRunDialog, "exec", put_off)
    monkeypatch.setenv(PASSWORD_ENV, CLERK_PASSWORD)
    controller = AppController(prefs, interactive=True)
    controller.scripted_user = "carla.clerk"
    try:
        assert controller.start(str(town))  # Cancel on the setup: Carla signs in as usual
        assert controller.window is not None
        qtbot.addWidget(controller.window)
        assert asked == ["asked"]
        user = controller.signed_in
        assert user is not None and user.username == "carla.clerk"
    finally:
        controller.shutdown()


def test_the_administrators_password_can_be_chosen_while_staff_can_sign_in(qtbot, tmp_path):
    town = tmp_path / "town.db"
    _town_with_a_clerk_who_can_sign_in(town)
    opened = open_database(town)
    try:
        assert needs_first_run() and permissions.sign_in_enabled()
        dialog = FirstRunDialog()
        qtbot.addWidget(dialog)
        intro = " ".join(label.text() for label in dialog.findChildren(type(dialog.error)))
        assert "is new" not in intro  # the town has its staff and their passwords
        assert "Ada Admin" in intro and "Cancel" in intro
        dialog.password.setText("admin password 1")
        dialog.again.setText("admin password 1")
        with qtbot.waitSignal(dialog.accepted):
            dialog.save()
        assert dialog.admin_user is not None and dialog.admin_user.full_name == "Ada Admin"
        assert not needs_first_run()
    finally:
        close_database(opened)


def test_a_start_given_up_at_the_setup_takes_no_backup(qtbot, tmp_path, prefs, monkeypatch):
    town = tmp_path / "town.db"
    opened = open_database(town)  # made by a script, never set up
    close_database(opened)
    backups = tmp_path / "backups"
    monkeypatch.setattr(
        FirstRunDialog, "exec", lambda _d: int(FirstRunDialog.DialogCode.Rejected.value)
    )
    controller = AppController(prefs, interactive=True, backup_root=backups)
    try:
        assert not controller.start(str(town))
    finally:
        controller.shutdown()
    assert not backups.exists() or not any(path.is_file() for path in backups.rglob("*"))


def test_the_backup_on_closing_is_waited_for(qtbot, tmp_path, prefs, monkeypatch):
    from desktop.models.admin import backups

    town = tmp_path / "town.db"
    _town_with_a_clerk_who_can_sign_in(town)
    monkeypatch.setattr(backups, "backup_due", lambda _folder, now=None: False)  # no daily one
    monkeypatch.setattr(backups, "backup_on_close_due", lambda _folder, now=None: True)
    monkeypatch.setenv(PASSWORD_ENV, CLERK_PASSWORD)
    monkeypatch.setattr(
        FirstRunDialog, "exec", lambda _d: int(FirstRunDialog.DialogCode.Rejected.value)
    )
    root = tmp_path / "backups"
    controller = AppController(prefs, interactive=True, backup_root=root)
    controller.scripted_user = "carla.clerk"
    assert controller.start(str(town))
    assert controller.window is not None
    qtbot.addWidget(controller.window)
    controller.shutdown()  # the backup runs off the window's thread; closing waits for it
    assert len(backups.list_backups(backups.folder_for(root, town))) == 1


def test_opening_another_town_offers_its_name_in_the_setup(qtbot, tmp_path, prefs, monkeypatch):
    """A town made by `init --town` has its name and no administrator yet: opening it from the
    window offers the name, as starting on it does, instead of an empty field to retype."""
    from desktop.models.town.settings import set_settings

    first, second = tmp_path / "first.db", tmp_path / "second.db"
    _town_with_a_clerk_who_can_sign_in(first)
    opened = open_database(second)
    set_settings({"town.name": "Birch Hollow"}, actor=None)
    close_database(opened)
    offered: list[str] = []

    def decline(dialog: FirstRunDialog) -> int:
        offered.append(dialog.town.text())
        return int(FirstRunDialog.DialogCode.Rejected.value)

    monkeypatch.setattr(FirstRunDialog, "exec", decline)
    monkeypatch.setenv(PASSWORD_ENV, CLERK_PASSWORD)
    controller = AppController(prefs, interactive=True)
    controller.scripted_user = "carla.clerk"
    try:
        assert controller.start(str(first))
        assert controller.window is not None
        qtbot.addWidget(controller.window)
        controller.switch(str(second), False)  # declined: nobody could sign in, first stays
        assert offered[-1] == "Birch Hollow"
        assert controller.opened is not None and controller.opened.path == first
    finally:
        controller.shutdown()
