"""The Settings backups box, the status bar's sessions and the damaged-file banner."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.models import backups, sessions
from desktop.models.db import close_database, open_database, write
from desktop.models.schema import DbSession, Setting
from desktop.ui.backups_box import BackupsBox
from desktop.ui.main_window import MainWindow
from desktop.ui.messages import messages
from desktop.ui.prefs import Prefs

from .conftest import TEST_NOW

pytestmark = pytest.mark.sqlite_only


@pytest.fixture(autouse=True)
def no_dialogs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setattr(messages, "windows", False)
    backups.set_backup_root(tmp_path / "backups")
    yield
    backups.set_backup_root(None)


def test_the_box_backs_up_lists_and_restores(qtbot, db):
    box = BackupsBox()
    qtbot.addWidget(box)
    assert box.list.count() == 1 and not box.selected()  # "(no backups yet)"
    write(lambda: Setting.insert(key="town.name", value="Before").execute())
    box.take_backup()
    assert box.list.count() == 1 and box.selected() is None
    write(lambda: Setting.update(value="After").where(Setting.key == "town.name").execute())
    box.list.setCurrentRow(0)
    with qtbot.waitSignal(box.restored) as restored:
        box.ask_restore()  # no windows: confirmed
    assert restored.args == [str(db.path)]
    assert Setting.get(Setting.key == "town.name").value == "Before"


def test_a_restore_is_refused_while_another_clerk_works(qtbot, db, monkeypatch):
    box = BackupsBox()
    qtbot.addWidget(box)
    box.take_backup()
    write(
        lambda: DbSession.create(
            token="x",
            display_name="Ana Ortiz",
            workstation="FRONT-2",
            pid=1,
            since=TEST_NOW,
            last_seen=TEST_NOW,
        )
    )
    shown: list[str] = []
    monkeypatch.setattr(
        messages, "error", lambda _parent, error, title=None: shown.append(str(error))
    )
    box.list.setCurrentRow(0)
    box.ask_restore()
    assert shown and "Ana Ortiz on FRONT-2" in shown[0]


def test_the_status_bar_names_the_others_and_a_damaged_file_has_a_banner(qtbot, db, tmp_path):
    sessions.start("clerk1")
    write(
        lambda: DbSession.create(
            token="x",
            display_name="Ana Ortiz",
            workstation="FRONT-2",
            pid=1,
            since=TEST_NOW,
            last_seen=TEST_NOW,
        )
    )
    window = MainWindow(db, Prefs(tmp_path / "prefs.ini"))
    qtbot.addWidget(window)
    assert "Ana Ortiz on FRONT-2" in window.sessions_label.text()
    assert window.banner.isHidden()
    db.read_only, db.damaged = True, True
    db.read_only_reason = "The database file is damaged. The newest good backup is X."
    window.banner.update_text()
    assert not window.banner.isHidden() and "newest good backup" in window.banner.text()
    window.close()


def test_many_writers_bring_the_postgresql_advice(qtbot, db, tmp_path):
    rows = [
        {
            "token": f"t{n}",
            "workstation": f"PC-{n}",
            "pid": 1,
            "since": TEST_NOW,
            "last_seen": TEST_NOW,
        }
        for n in range(sessions.HANDFUL_OF_WRITERS)
    ]
    write(lambda: DbSession.insert_many(rows).execute())
    window = MainWindow(db, Prefs(tmp_path / "prefs.ini"))
    qtbot.addWidget(window)
    assert "PostgreSQL" in window.banner.text()
    window.close()


def test_unused_open_of_a_second_file_is_fine(tmp_path):
    close_database(open_database(tmp_path / "x.db"))
