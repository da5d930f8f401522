"""The window: main window, pages, the paged Requests model, first run, settings, errors."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from desktop.models.errors import DatabaseBusy
from desktop.models.requests.listing import COLUMN_KEYS, RequestFilter, RequestList
from desktop.models.setup.demo import generate_demo
from desktop.models.storage.schema import ServiceRequest
from desktop.models.town.settings import get_setting
from desktop.ui import request_model
from desktop.ui.crash import ExceptionHook
from desktop.ui.first_run import FirstRunDialog
from desktop.ui.main_window import MainWindow, database_status
from desktop.ui.messages import messages
from desktop.ui.prefs import Prefs
from desktop.ui.request_model import RequestTableModel


@pytest.fixture
def prefs(tmp_path: Path) -> Prefs:
    return Prefs(tmp_path / "config" / "frontcounter.ini")


#: a message box would wait for a click that never comes: messages become log lines
pytestmark = pytest.mark.usefixtures("no_dialogs")


@pytest.fixture
def window(qtbot, db, prefs):
    win = MainWindow(db, prefs, signed_in=lambda: None)
    qtbot.addWidget(win)
    return win


def test_main_window_has_every_area(window):
    titles = [window.nav.item(i).text() for i in range(window.nav.count())]
    assert titles == [
        "Counter",
        "Requests",
        "Knowledge base",
        "Work orders",
        "Dashboard",
        "Settings",
        "Staff and audit",
        "Map",
    ]


def test_the_keyboard_lands_in_each_area_it_goes_to(qtbot, window):
    from PySide6.QtWidgets import QApplication, QLineEdit

    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    for index in range(window.nav.count()):
        window.show_page(index)
        page = window.page(index)
        focused = QApplication.focusWidget()
        assert focused is not None and page.isAncestorOf(focused), window.nav.item(index).text()
    window.show_page(6)
    assert isinstance(QApplication.focusWidget(), QLineEdit)  # the new staff member's name


def test_every_area_is_built(window):
    from desktop.ui.dashboard_page import DashboardPage

    assert isinstance(window.page(4), DashboardPage)


def test_status_bar_names_the_database(window, db):
    assert "Local file" in window.db_label.text()
    assert Path(db.location).name in window.db_label.text()
    db.read_only = True
    assert database_status(db).endswith("read-only")


def test_requests_page_reads_pages_on_demand(qtbot, window, db):
    generate_demo(450, seed=5, actor=None)
    window.show_page(1)
    page = window.requests_page
    page.model.refresh()
    assert (
        page.model.rowCount()
        == ServiceRequest.select()
        .where(
            ServiceRequest.status.in_(
                ["new", "acknowledged", "assigned", "scheduled", "in_progress"]
            )
        )
        .count()
    )
    page.view_choice.setCurrentIndex(page.view_choice.findText("All requests"))
    assert page.model.rowCount() == 450
    assert "450 requests" in page.count_label.text()
    assert len(page.model._pages) <= 1  # nothing read beyond what was shown


def test_request_model_passes_the_model_tester(qtmodeltester, db):
    generate_demo(250, seed=6, actor=None)
    model = RequestTableModel(RequestFilter(), staff=lambda: None)
    model.refresh()
    qtmodeltester.check(model)


def test_request_model_keeps_only_a_few_pages(db, monkeypatch):
    generate_demo(300, seed=8, actor=None)
    monkeypatch.setattr(request_model, "PAGE_SIZE", 10)
    monkeypatch.setattr(request_model, "MAX_PAGES", 3)
    model = RequestTableModel(RequestFilter(), staff=lambda: None)
    model.refresh()
    for row in range(0, 300, 10):
        assert model.index(row, 0).data()
    assert len(model._pages) == 3


def test_a_request_further_down_is_found_again_after_the_list_is_read_again(db):
    """Within FIND_REACH rows of where the list begins, whatever the page size: the request
    shown beside the list stays shown after a filter, a sort or another clerk's save."""
    generate_demo(250, seed=6, actor=None)
    model = RequestTableModel(RequestFilter(), staff=lambda: None)
    model.refresh()
    deep = request_model.FIND_REACH - 20
    wanted = model.row_id(deep)
    assert wanted is not None and deep >= request_model.PAGE_SIZE  # not on the first page
    model.refresh()  # read again: only the first page is read
    assert model.row_of(wanted, near=0) == deep
    assert model.row_of(-1, near=0) is None  # not there: FIND_REACH rows read, no more


def test_sorting_by_a_column_matches_the_core(db):
    generate_demo(120, seed=10, actor=None)
    model = RequestTableModel(RequestFilter(), staff=lambda: None)
    column = COLUMN_KEYS.index("tracking_number")
    model.sort(column, Qt.SortOrder.AscendingOrder)
    shown = [model.index(r, column).data() for r in range(model.rowCount())]
    assert shown == sorted(shown)
    expected = [
        row.values[column]
        for row in RequestList(RequestFilter(), "tracking_number", False).page(0, 500, actor=None)
    ]
    assert shown == expected


def test_first_run_dialog_keeps_what_was_typed_on_a_mistake(qtbot, db):
    dialog = FirstRunDialog()
    qtbot.addWidget(dialog)
    dialog.admin.setText("Ada Admin")
    dialog.save()
    assert "town's name" in dialog.error.text()
    assert dialog.admin.text() == "Ada Admin"
    dialog.town.setText("Alder Falls")
    dialog.password.setText("a long password")
    dialog.save()
    assert "not the same" in dialog.error.text()
    dialog.again.setText("a long password")
    with qtbot.waitSignal(dialog.accepted):
        dialog.save()
    assert get_setting("town.name") == "Alder Falls"


def test_settings_page_saves_the_town(window):
    window.show_page(5)
    page = window.settings_page
    page.town_edits["town.name"].setText("  Alder Falls  ")
    page.town_edits["town.phone"].setText("(555) 010-1000")
    page.save_town()
    assert get_setting("town.name") == "Alder Falls"
    window.update_title()
    assert window.windowTitle().startswith("Alder Falls")


def test_settings_page_office_hours_and_holidays(window):
    import datetime as dt

    from PySide6.QtCore import QDate

    from desktop.models.town.calendar import holidays_from, office_hours

    window.show_page(5)
    page = window.settings_page
    box, _opens, _closes = page.hour_rows[5]
    box.setChecked(True)  # Saturday mornings
    page.save_hours()
    assert 5 in office_hours()
    page.holiday_date.setDate(QDate(2027, 3, 2))
    page.holiday_name.setText("Town Meeting Day")
    page.add_holiday()
    assert (dt.date(2027, 3, 2), "Town Meeting Day") in holidays_from(dt.date(2027, 3, 1))


def test_layout_is_remembered(qtbot, db, prefs):
    first = MainWindow(db, prefs, signed_in=lambda: None)
    qtbot.addWidget(first)
    first.resize(900, 600)
    first.show_page(5)
    first.close()
    second = MainWindow(db, prefs, signed_in=lambda: None)
    qtbot.addWidget(second)
    assert second.stack.currentIndex() == 5


def test_known_errors_go_to_a_message_not_the_crash_dialog(caplog):
    hook = ExceptionHook(windows=False)
    hook(DatabaseBusy, DatabaseBusy("Another workstation is saving."), None)
    assert hook.bugs == []
    assert "Another workstation is saving." in caplog.text


def test_bugs_are_recorded_for_the_crash_dialog(capsys):
    hook = ExceptionHook(windows=False)
    try:
        raise ZeroDivisionError("a bug")
    except ZeroDivisionError:
        hook(*sys.exc_info())
    assert hook.bugs and "ZeroDivisionError" in hook.bugs[0]
    assert "ZeroDivisionError" in capsys.readouterr().err


def test_message_boxes_open_without_blocking(qtbot):
    messages.windows = True
    messages.info(None, "Title", "Text")
    box = messages.open_boxes[-1]
    assert isinstance(box, QMessageBox) and box.isVisible()
    box.accept()
    assert box not in messages.open_boxes


def test_switching_to_a_shared_database_is_remembered(qtbot, tmp_path, prefs):
    from desktop.ui.application import AppController

    controller = AppController(prefs, interactive=False)
    first, second = tmp_path / "one.db", tmp_path / "two.db"
    assert controller.start(str(first))
    qtbot.addWidget(controller.window)
    controller.switch(str(second), True, True)
    assert controller.window is not None
    qtbot.addWidget(controller.window)
    assert controller.opened is not None and controller.opened.location == str(second)
    assert "Shared file" in controller.window.db_label.text()
    assert prefs.get("databases/recent")[:2] == [str(second), str(first)]
    assert prefs.get("databases/shared") == [str(second)]
    controller.switch(str(tmp_path / "missing.db"), False, False)  # refused: stays on two.db
    assert controller.opened.location == str(second)
    controller.shutdown()


def test_the_window_frozen_with_start_up_is_given_back_when_it_is_replaced(qtbot, tmp_path, prefs):
    """desktop/entry.py froze start-up's objects, the first window's among them: opening
    another database gives them back to the collector, or the old window would stay."""
    import gc

    from desktop.ui.application import AppController

    controller = AppController(prefs, interactive=False)
    try:
        assert controller.start(str(tmp_path / "one.db"))
        qtbot.addWidget(controller.window)
        gc.freeze()  # as start_up_done does
        assert gc.get_freeze_count() > 0
        controller.switch(str(tmp_path / "two.db"), True)
        assert controller.window is not None
        qtbot.addWidget(controller.window)
        assert gc.get_freeze_count() == 0
    finally:
        gc.unfreeze()
        controller.shutdown()


def test_the_upgrade_notice_is_painted_before_the_upgrade_and_closed_after(qtbot, prefs):
    from PySide6.QtWidgets import QApplication, QLabel, QProgressDialog

    from desktop.ui.application import AppController

    controller = AppController(prefs, interactive=True)
    controller._upgrading("Upgrading this database (from schema 4 to 5).")
    notice = controller._upgrade_notice
    assert isinstance(notice, QProgressDialog) and notice.isVisible()
    assert any("schema 4 to 5" in label.text() for label in notice.findChildren(QLabel))
    assert QApplication.overrideCursor() is not None  # the clerk sees the app is busy
    controller._upgraded()
    assert controller._upgrade_notice is None and not notice.isVisible()
    assert QApplication.overrideCursor() is None


def test_a_password_typed_into_a_server_address_is_never_written_to_the_settings(tmp_path):
    ini = tmp_path / "prefs.ini"
    prefs = Prefs(ini)
    prefs.remember_database("postgresql://clerk:s3cr%40t-word@db.town:5432/town")
    prefs.sync()
    assert prefs.get("databases/recent") == ["postgresql://clerk@db.town:5432/town"]
    assert "s3cr" not in ini.read_text(encoding="utf-8")


def test_a_database_set_up_without_a_password_asks_for_it_first(qtbot, db):
    from desktop.models.setup.first_run import complete_first_run, needs_first_run
    from desktop.models.staff import permissions

    complete_first_run("Alder Falls", "Ada Admin")  # a script's init --admin, no password
    assert needs_first_run() and not permissions.sign_in_enabled()
    dialog = FirstRunDialog()
    qtbot.addWidget(dialog)
    assert dialog.town.text() == "Alder Falls"
    assert dialog.admin.text() == "Ada Admin" and dialog.admin.isReadOnly()
    dialog.password.setText("a long password")
    dialog.again.setText("a long password")
    with qtbot.waitSignal(dialog.accepted):
        dialog.save()
    assert dialog.admin_user is not None and dialog.admin_user.full_name == "Ada Admin"
    assert permissions.sign_in_enabled() and not needs_first_run()


def test_the_retention_setting_is_applied_once_the_window_is_up(qtbot, tmp_path, prefs):
    from desktop.models import clock
    from desktop.models.setup.opening import open_database
    from desktop.models.storage.db import close_database
    from desktop.models.town.settings import set_settings
    from desktop.ui.application import AppController

    town = tmp_path / "town.db"
    opened = open_database(town)
    set_settings({"privacy.retention_years": 3}, actor=None)
    close_database(opened)
    controller = AppController(prefs, interactive=False)
    try:
        assert controller.start(str(town))
        assert controller.window is not None
        qtbot.addWidget(controller.window)
        assert get_setting("privacy.last_run") != clock.today().isoformat()  # not before it
        qtbot.waitUntil(lambda: get_setting("privacy.last_run") == clock.today().isoformat())
    finally:
        controller.shutdown()


def test_this_workstation_joins_the_session_table_once_the_window_is_up(qtbot, tmp_path, prefs):
    """Its row is a write (on a shared drive, a locked and synced commit) that the first paint
    does not wait for; a window closed before it leaves no row behind."""
    from desktop.models.staff.members import create_staff
    from desktop.models.storage import sessions
    from desktop.models.storage.schema import DbSession
    from desktop.ui.application import AppController

    town = tmp_path / "town.db"
    controller = AppController(prefs, interactive=False)
    try:
        assert controller.start(str(town))
        assert controller.window is not None
        qtbot.addWidget(controller.window)
        assert sessions.current_token() is None  # not before the first paint
        controller.switch(str(tmp_path / "missing.db"), False, False)  # refused: stays here
        assert controller.session_timer.isActive()  # the row is still to come
        # someone signs in meanwhile: the row names them
        controller.signed_in = create_staff("Carla Clerk", "clerk", actor=None)
        qtbot.waitUntil(lambda: sessions.current_token() is not None)
        row = DbSession.get(DbSession.token == sessions.current_token())
        assert row.username == "carla.clerk"
    finally:
        controller.shutdown()
    again = AppController(prefs, interactive=False)
    try:
        assert again.start(str(town))
        assert again.window is not None
        qtbot.addWidget(again.window)
    finally:
        again.shutdown()  # closed at once
    assert sessions.current_token() is None
    from desktop.models.setup.opening import open_database
    from desktop.models.storage.db import close_database

    opened = open_database(town)
    try:
        assert DbSession.select().count() == 0
    finally:
        close_database(opened)


def test_a_window_left_from_a_database_no_longer_open_stops_polling(window, tmp_path):
    from desktop.models.requests.intake import RequestDraft, create_request
    from desktop.models.setup.opening import open_database
    from desktop.models.storage.db import close_database

    window.show_page(1)
    other = open_database(tmp_path / "other.db")  # the models now read another town
    try:
        create_request(
            RequestDraft(
                "pothole", "Hole", address="1 Elm St", answers={"size": "small", "in_lane": "no"}
            ),
            actor=None,
        )
        assert not window.check_for_changes()  # it does not refresh from the other town
        assert not window.poll_timer.isActive()
    finally:
        close_database(other)


def test_coming_back_to_the_window_looks_for_other_clerks_saves(qtbot, window, monkeypatch):
    """At once, not at the next poll: the clerk who comes back from another program (here
    another window) sees what the others saved meanwhile."""
    from PySide6.QtWidgets import QWidget

    looked: list[bool] = []

    def look() -> bool:
        looked.append(True)
        return False

    monkeypatch.setattr(window, "check_for_changes", look)
    window.poll_timer.stop()  # only coming back looks now
    window.show()
    qtbot.waitExposed(window)
    elsewhere = QWidget()
    qtbot.addWidget(elsewhere)
    elsewhere.show()
    elsewhere.activateWindow()
    qtbot.waitUntil(elsewhere.isActiveWindow)
    looked.clear()
    window.activateWindow()
    qtbot.waitUntil(lambda: bool(looked))
    assert window.isActiveWindow()


def test_preferences_already_in_the_file_are_not_written_again(tmp_path):
    """Every start and close sets the same database and layout: the INI file (a locked, synced
    rewrite) is written only when something in it changes."""
    path = tmp_path / "config" / "frontcounter.ini"
    first = Prefs(path)
    first.remember_database(str(tmp_path / "town.db"))
    first.set("window/page", 3)
    first.set("requests/hidden_columns", ["channel", "zip"])
    first.sync()
    written = path.stat().st_ino, path.stat().st_mtime_ns
    again = Prefs(path)
    again.remember_database(str(tmp_path / "town.db"))
    again.set("window/page", 3)
    again.set("requests/hidden_columns", ["channel", "zip"])
    again.sync()
    assert (path.stat().st_ino, path.stat().st_mtime_ns) == written
    again.set("window/page", 4)
    again.sync()
    assert (path.stat().st_ino, path.stat().st_mtime_ns) != written
    assert Prefs(path).get("window/page") == 4
    assert Prefs(path).get("requests/hidden_columns") == ["channel", "zip"]
    # another window of this PC (another process) wrote a value since: this one's is a change
    import subprocess

    subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from pathlib import Path; from desktop.ui.prefs import Prefs; "
            "p = Prefs(Path(sys.argv[1])); p.set('window/page', 6); p.sync()",
            str(path),
        ],
        check=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert "page=6" in path.read_text(encoding="utf-8")
    again.set("window/page", 4)
    again.sync()
    assert "page=4" in path.read_text(encoding="utf-8")
