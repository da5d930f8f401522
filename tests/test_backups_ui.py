"""The Settings backups box, the status bar's sessions and the damaged-file banner."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.models.admin import backups
from desktop.models.setup.opening import open_database
from desktop.models.storage import sessions
from desktop.models.storage.db import close_database, write
from desktop.models.storage.schema import DbSession, Setting
from desktop.ui.backups_box import BackupsBox
from desktop.ui.main_window import MainWindow
from desktop.ui.messages import messages
from desktop.ui.prefs import Prefs

from .conftest import TEST_NOW, ana_on_front_2

pytestmark = pytest.mark.sqlite_only


@pytest.fixture(autouse=True)
def backups_here(no_dialogs: None, tmp_path: Path):
    backups.set_backup_root(tmp_path / "backups")
    yield
    backups.set_backup_root(None)


def test_the_box_backs_up_lists_and_restores(qtbot, db):
    box = BackupsBox(staff=lambda: None)
    qtbot.addWidget(box)
    assert box.list.count() == 1 and not box.selected()  # "(no backups yet)"
    write(lambda: Setting.insert(key="town.name", value="Before").execute())
    job = box.take_backup()
    assert job is not None
    with qtbot.waitSignal(job.finished, timeout=20000):
        pass
    assert box.list.count() == 1 and box.selected() is None
    write(lambda: Setting.update(value="After").where(Setting.key == "town.name").execute())
    box.list.setCurrentRow(0)
    with qtbot.waitSignal(box.restored) as restored:
        box.ask_restore()  # no windows: confirmed
    assert restored.args == [str(db.path)]
    assert Setting.get(Setting.key == "town.name").value == "Before"


def test_a_supervisor_sees_the_backups_but_may_not_take_or_restore_one(qtbot, db, monkeypatch):
    from desktop.models.setup.first_run import complete_first_run
    from desktop.models.staff.members import create_staff

    admin = complete_first_run("Alder Falls", "Ada Admin", password="admin password 1")
    boss = create_staff("Sue Boss", "supervisor", actor=admin)
    box = BackupsBox(lambda: boss)
    qtbot.addWidget(box)
    assert not box.backup_now.isEnabled() and not box.restore_button.isEnabled()
    assert "Only an administrator" in box.where.text()
    shown: list[str] = []
    monkeypatch.setattr(
        messages, "error", lambda _parent, error, title=None: shown.append(str(error))
    )
    job = box.take_backup()  # the button is a courtesy: the core refuses all the same
    assert job is not None
    with qtbot.waitSignal(job.finished, timeout=20000):
        pass
    assert shown and "may not make or restore backups" in shown[0]
    folder = box.folder()
    assert folder is not None and backups.list_backups(folder) == []


def test_a_restore_is_refused_while_another_clerk_works(qtbot, db, monkeypatch):
    box = BackupsBox(staff=lambda: None)
    qtbot.addWidget(box)
    job = box.take_backup()
    assert job is not None
    with qtbot.waitSignal(job.finished, timeout=20000):
        pass
    ana_on_front_2()
    shown: list[str] = []
    monkeypatch.setattr(
        messages, "error", lambda _parent, error, title=None: shown.append(str(error))
    )
    box.list.setCurrentRow(0)
    box.ask_restore()
    assert shown and "Ana Ortiz on FRONT-2" in shown[0]


def test_the_status_bar_names_the_others_and_a_damaged_file_has_a_banner(qtbot, db, tmp_path):
    sessions.start("clerk1")
    ana_on_front_2()
    window = MainWindow(db, Prefs(tmp_path / "prefs.ini"), signed_in=lambda: None)
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
    window = MainWindow(db, Prefs(tmp_path / "prefs.ini"), signed_in=lambda: None)
    qtbot.addWidget(window)
    assert "PostgreSQL" in window.banner.text()
    window.close()


def test_unused_open_of_a_second_file_is_fine(tmp_path):
    close_database(open_database(tmp_path / "x.db"))


def test_a_large_file_is_checked_after_the_window_opens_and_damage_makes_it_read_only(
    qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    from desktop.models.setup.demo import generate_demo
    from desktop.models.storage import db as dbmod
    from desktop.ui import application
    from desktop.ui.application import AppController

    from .test_backups import corrupt_middle

    path = tmp_path / "big.db"
    opened = open_database(path)
    generate_demo(300, seed=5, actor=None)
    close_database(opened)
    corrupt_middle(path)
    monkeypatch.setattr(dbmod, "SYNC_CHECK_BYTES", 0)  # every file counts as large
    monkeypatch.setattr(application, "BACKGROUND_AFTER_MS", 50)
    controller = AppController(Prefs(tmp_path / "prefs.ini"), interactive=False)
    controller.take_backups = False
    with qtbot.waitSignal(controller.check_signals.checked, timeout=20000) as checked:
        assert controller.start(str(path))
        assert controller.opened is not None and controller.opened.check_pending
        assert not controller.opened.read_only  # the window opened before the check ended
        assert controller._check is None  # nor did it begin: start-up is the clerk's
    assert checked.args[1]  # problems were found
    assert controller.opened.damaged and controller.opened.read_only
    window = controller.window
    assert window is not None
    qtbot.addWidget(window)
    assert not window.banner.isHidden() and "damaged" in window.banner.text()
    with pytest.raises(dbmod.KnownError):
        write(lambda: Setting.insert(key="town.name", value="x").execute())
    controller.shutdown()


def test_a_sound_large_file_checked_in_the_background_stays_writable(
    qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    from desktop.models.storage import db as dbmod
    from desktop.ui import application
    from desktop.ui.application import AppController

    path = tmp_path / "big.db"
    close_database(open_database(path))
    monkeypatch.setattr(dbmod, "SYNC_CHECK_BYTES", 0)
    monkeypatch.setattr(application, "BACKGROUND_AFTER_MS", 0)
    controller = AppController(Prefs(tmp_path / "prefs.ini"), interactive=False)
    controller.take_backups = False
    with qtbot.waitSignal(controller.check_signals.checked, timeout=20000) as checked:
        assert controller.start(str(path))
    assert checked.args == [str(path), []]
    assert controller.opened is not None
    assert not controller.opened.check_pending and not controller.opened.read_only
    assert controller.window is not None
    qtbot.addWidget(controller.window)
    assert "no damage found" in controller.window.statusBar().currentMessage()
    controller.shutdown()


def test_the_days_backup_runs_in_the_background_and_closing_waits_for_it(
    qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    from desktop.ui.application import AppController

    path = tmp_path / "town.db"
    close_database(open_database(path))
    monkeypatch.setattr(backups, "backup_due", lambda _folder, now=None: True)
    monkeypatch.setattr(backups, "backup_on_close_due", lambda _folder, now=None: False)
    root = tmp_path / "backups"
    controller = AppController(Prefs(tmp_path / "prefs.ini"), interactive=False, backup_root=root)
    assert controller.start(str(path))
    assert controller.window is not None
    qtbot.addWidget(controller.window)
    controller.daily_backup()
    controller.shutdown()
    made = backups.list_backups(backups.folder_for(root, path))
    assert len(made) == 1 and made[0].tag == ""  # the day's backup, written and checked


def test_closing_interrupts_the_days_check_of_a_large_file(
    qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog
):
    import sqlite3
    import threading

    from desktop.models.storage import db as dbmod
    from desktop.ui import application
    from desktop.ui.application import AppController

    path = tmp_path / "big.db"
    close_database(open_database(path))
    monkeypatch.setattr(dbmod, "SYNC_CHECK_BYTES", 0)
    monkeypatch.setattr(application, "BACKGROUND_AFTER_MS", 0)
    started, stopped = threading.Event(), threading.Event()

    class Reading:  # stands for the check's sqlite3 connection, reading a huge file
        def interrupt(self) -> None:
            stopped.set()

    def slow_check(_path: Path, keep) -> list[str]:
        keep(Reading())
        started.set()
        if not stopped.wait(20):
            return []
        raise sqlite3.OperationalError("interrupted")

    monkeypatch.setattr(application, "quick_check_file", slow_check)
    caplog.set_level("INFO", logger="frontcounter")
    controller = AppController(Prefs(tmp_path / "prefs.ini"), interactive=False)
    controller.take_backups = False
    assert controller.start(str(path))
    assert controller.window is not None
    qtbot.addWidget(controller.window)
    qtbot.waitUntil(started.is_set, timeout=10000)  # once the window is up
    controller.shutdown()  # does not wait out the check: it is interrupted
    assert stopped.is_set() and "interrupted by closing" in caplog.text


def test_a_window_closed_before_the_check_was_due_never_starts_it(
    qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    from desktop.models.storage import db as dbmod
    from desktop.ui import application
    from desktop.ui.application import AppController

    path = tmp_path / "big.db"
    close_database(open_database(path))
    monkeypatch.setattr(dbmod, "SYNC_CHECK_BYTES", 0)
    checks: list[Path] = []

    def check(path: Path, _keep: object) -> list[str]:
        checks.append(path)
        return []

    monkeypatch.setattr(application, "quick_check_file", check)
    controller = AppController(Prefs(tmp_path / "prefs.ini"), interactive=False)
    controller.take_backups = False
    assert controller.start(str(path))
    assert controller.window is not None
    qtbot.addWidget(controller.window)
    assert controller.background_timer.isActive() and controller._check is None
    controller.shutdown()  # a clerk who opened the wrong town and closed it at once
    assert not controller.background_timer.isActive()  # it cannot fire any more
    assert checks == [] and controller._check is None


def test_the_towns_retention_runs_once_the_window_is_up(
    qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    from desktop.models.admin import privacy
    from desktop.models.town.settings import set_settings
    from desktop.ui import application
    from desktop.ui.application import AppController

    path = tmp_path / "town.db"
    opened = open_database(path)
    set_settings({"privacy.retention_years": 3}, actor=None)
    close_database(opened)
    monkeypatch.setattr(application, "BACKGROUND_AFTER_MS", 50)
    controller = AppController(Prefs(tmp_path / "prefs.ini"), interactive=False)
    controller.take_backups = False
    assert controller.start(str(path))
    assert controller.window is not None
    qtbot.addWidget(controller.window)
    assert privacy.retention_due()  # not before the window is up: start-up is the clerk's
    qtbot.waitUntil(lambda: not controller.background_timer.isActive())
    assert not privacy.retention_due()  # run, and noted for the day
    controller.shutdown()


def test_the_days_work_waits_while_another_database_is_being_opened(
    qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """An upgrade's notice and the first-run setup turn the event loop while the new file is
    bound already: the previous town's retention must not run on it then."""
    from desktop.ui import application
    from desktop.ui.application import AppController

    first, second = tmp_path / "first.db", tmp_path / "second.db"
    for path in (first, second):
        close_database(open_database(path))
    monkeypatch.setattr(application, "BACKGROUND_AFTER_MS", 0)
    controller = AppController(Prefs(tmp_path / "prefs.ini"), interactive=False)
    controller.take_backups = False
    assert controller.start(str(first))
    assert controller.window is not None  # replaced (and deleted) by the switch below
    ran: list[object] = []
    real_open = controller._open

    def slow_open(target: str, **options: object):
        opened = real_open(target, **options)
        qtbot.wait(20)  # the event loop turns with `opened` bound (an upgrade's notice)
        return opened

    monkeypatch.setattr(controller, "_open", slow_open)
    monkeypatch.setattr(controller, "_apply_retention", lambda opened: ran.append(opened))
    controller.switch(str(second), False)
    assert ran == []  # nothing of the first town's ran against the second
    qtbot.waitUntil(lambda: bool(ran))  # the second town's, once its window is up
    assert controller.opened is not None and ran == [controller.opened]
    assert str(controller.opened.path) == str(second)
    assert controller.window is not None
    qtbot.addWidget(controller.window)
    controller.shutdown()
