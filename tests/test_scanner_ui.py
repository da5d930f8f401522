"""A USB scanner is a burst of keys ending in Enter, typed wherever the cursor is: on the
close-out card it always loads that sheet and never changes the order on the card; elsewhere in
the window it opens the request; in a dialog it types as a keyboard."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

from desktop.models import clock
from desktop.models.documents.closeout import CloseOut, close_out
from desktop.models.requests.intake import RequestDraft, create_request
from desktop.models.storage.schema import RequestEvent, ServiceRequest
from desktop.ui import scanner
from desktop.ui.counter_page import CounterPage
from desktop.ui.work_orders_page import CloseOutTab, WorkOrdersPage
from tests.conftest import TEST_NOW

pytestmark = pytest.mark.usefixtures("no_dialogs")


class Keys:
    """The time as the scanner catcher reads it: a person's keys are 0.2 s apart, a scanner's
    come all at once."""

    def __init__(self, qtbot, monkeypatch: pytest.MonkeyPatch) -> None:
        self.qtbot = qtbot
        self.now = 100.0
        monkeypatch.setattr(scanner.ScanCatcher, "clock", lambda: self.now)

    def person(self, text: str) -> None:
        for character in text:
            self.now += 0.2
            self.qtbot.keyClick(QApplication.focusWidget(), character)

    def press(self, key: Qt.Key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
        self.now += 0.2
        self.qtbot.keyClick(QApplication.focusWidget(), key, modifier)

    def scan(self, number: str) -> None:
        """A scanner: a pause before (the clerk reaches for the next sheet), then a burst."""
        self.now += 1.0
        for character in number:
            self.now += 0.004
            self.qtbot.keyClick(QApplication.focusWidget(), character)
        self.now += 0.004
        self.qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)


def _request(description: str = "Deep hole") -> ServiceRequest:
    return create_request(
        RequestDraft(
            service_type="pothole",
            description=description,
            address="12 Elm Street",
            answers={"size": "large", "in_lane": "yes"},
            safety_acknowledged=True,
        ),
        actor=None,
    )


def _shown(qtbot, widget: QWidget) -> None:
    widget.show()
    qtbot.waitExposed(widget)
    widget.activateWindow()  # where the cursor is is the whole point
    qtbot.waitUntil(widget.isActiveWindow)


@pytest.fixture
def closeout(qtbot, db):
    page = WorkOrdersPage(staff=lambda: None)
    qtbot.addWidget(page)
    page.load()
    _shown(qtbot, page)
    page.focus_default()
    yield page.closeout  # the page lives as long as the test


def test_the_next_sheet_scanned_into_the_note_loads_it_and_leaves_the_first_alone(
    qtbot, monkeypatch, closeout: CloseOutTab
):
    keys = Keys(qtbot, monkeypatch)
    first, second = _request("First"), _request("Second")
    keys.scan(first.tracking_number)
    assert closeout.loaded.text() == first.tracking_number
    keys.person("1")
    keys.press(Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is closeout.notes
    keys.person("Filled it")
    keys.scan(second.tracking_number)  # the clerk forgot Ctrl+Enter
    assert closeout.scan.text() == second.tracking_number
    assert closeout.loaded.text() == second.tracking_number
    assert closeout.request_id == second.id
    assert second.tracking_number not in closeout.notes.toPlainText()
    assert closeout.notes.toPlainText() == ""  # the card is the second order's, blank
    assert closeout.outcomes.checkedButton() is None
    # the first order is said not to be closed out, not lost without a word
    assert "NOT closed out" in closeout.done_list.item(0).text()
    assert first.tracking_number in closeout.done_list.item(0).text()
    keys.person("3")
    with qtbot.waitSignal(closeout.closed):
        keys.press(Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert ServiceRequest.get_by_id(first.id).status != "resolved"
    closed = ServiceRequest.get_by_id(second.id)
    assert (closed.status, closed.resolution) == ("resolved", "could_not_locate")
    notes = [e.body for e in RequestEvent.select().where(RequestEvent.request == second.id)]
    assert not any(first.tracking_number in (body or "") for body in notes)


def test_a_scan_on_the_outcome_boxes_does_not_pick_an_outcome(
    qtbot, monkeypatch, closeout: CloseOutTab
):
    keys = Keys(qtbot, monkeypatch)
    first, second = _request("First"), _request("Second")
    keys.scan(first.tracking_number)
    keys.person("1")
    assert closeout.outcomes.checkedId() == 1
    closeout.keep.setChecked(True)  # a stack from one crew: the outcome is kept
    keys.scan(second.tracking_number)  # "2026-..." would pick "2 Needs follow-up"
    assert closeout.loaded.text() == second.tracking_number
    assert closeout.outcomes.checkedId() == 1  # kept as chosen, not changed by the digits
    assert ServiceRequest.get_by_id(first.id).status != "resolved"


def test_a_number_not_found_unloads_the_card(qtbot, monkeypatch, closeout: CloseOutTab):
    keys = Keys(qtbot, monkeypatch)
    first = _request()
    keys.scan(first.tracking_number)
    keys.person("1")
    keys.scan("2099-00001")
    assert "2099-00001" in closeout.problem.text()
    assert "No order is loaded" in closeout.problem.text()
    assert closeout.request_id is None and closeout.loaded.text() == "No order loaded"
    assert not closeout.save_button.isEnabled()
    assert "NOT closed out" in closeout.done_list.item(0).text()  # its outcome was picked
    with qtbot.assertNotEmitted(closeout.closed):
        keys.press(Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert "2099-00001" in closeout.problem.text()  # the reason stays in view
    assert ServiceRequest.get_by_id(first.id).status != "resolved"


def test_a_person_typing_a_number_in_the_note_is_not_a_scan(
    qtbot, monkeypatch, closeout: CloseOutTab
):
    keys = Keys(qtbot, monkeypatch)
    first, second = _request("First"), _request("Second")
    keys.scan(first.tracking_number)
    keys.person("4")
    keys.press(Qt.Key.Key_Tab)
    keys.person(f"Same as {second.tracking_number}")
    keys.press(Qt.Key.Key_Return)  # a new line in the note, by hand
    assert closeout.loaded.text() == first.tracking_number
    assert closeout.notes.toPlainText() == f"Same as {second.tracking_number}\n"


def test_an_order_taken_this_minute_closes_out_this_minute(
    qtbot, monkeypatch, closeout: CloseOutTab
):
    keys = Keys(qtbot, monkeypatch)
    clock.set_clock(lambda: TEST_NOW + dt.timedelta(seconds=27))
    request = _request()
    keys.scan(request.tracking_number)
    keys.person("1")
    with qtbot.waitSignal(closeout.closed):
        keys.press(Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert ServiceRequest.get_by_id(request.id).status == "resolved"


def test_a_time_typed_to_the_minute_counts_as_when_the_order_came_in(db):
    clock.set_clock(lambda: TEST_NOW + dt.timedelta(seconds=27))
    request = _request()
    closed = close_out(CloseOut(request.tracking_number, "fixed", done_at=TEST_NOW), actor=None)
    assert closed.resolved_at == request.requested_at


def test_a_scan_anywhere_in_the_window_opens_the_request(qtbot, monkeypatch, db, tmp_path):
    from desktop.ui.main_window import MainWindow
    from desktop.ui.prefs import Prefs

    keys = Keys(qtbot, monkeypatch)
    request = _request()
    window = MainWindow(db, Prefs(tmp_path / "prefs.ini"), signed_in=lambda: None)
    qtbot.addWidget(window)
    _shown(qtbot, window)
    window.show_page(0)
    counter = window.page(0)
    assert isinstance(counter, CounterPage)
    counter.description.setFocus()
    keys.person("Water in the")
    keys.scan(request.tracking_number)
    assert window.stack.currentIndex() == 1
    shown = window.requests_page.detail.request
    assert shown is not None and shown.id == request.id
    assert counter.description.toPlainText() == "Water in the"  # the call being taken is kept
    # a number not on file: said, and the clerk stays where they were
    window.show_page(0)
    counter.description.setFocus()
    keys.scan("2099-00001")
    assert window.stack.currentIndex() == 0
    assert "2099-00001" in window.statusBar().currentMessage()
    assert counter.description.toPlainText() == "Water in the"


def _remove(app: QApplication, catcher: scanner.ScanCatcher) -> None:
    app.focusChanged.disconnect(catcher.follow)
    catcher.follow(QApplication.focusWidget(), None)
    catcher.setParent(None)


def test_the_catcher_watches_the_widget_with_the_cursor_and_no_other(
    qtbot, monkeypatch, db, request
):
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QLineEdit, QVBoxLayout

    seen: list[QWidget] = []
    real = scanner.ScanCatcher.eventFilter

    def counting(self, watched, event) -> bool:
        if event.type() == QEvent.Type.User:
            seen.append(watched)
        return real(self, watched, event)

    # PySide looks a Python override up once per object: a catcher of its own, made after
    monkeypatch.setattr(scanner.ScanCatcher, "eventFilter", counting)
    monkeypatch.setattr(scanner.ScanCatcher, "instance", None)
    window = QWidget()
    qtbot.addWidget(window)
    first, second = QLineEdit(), QLineEdit()
    layout = QVBoxLayout(window)
    layout.addWidget(first)
    layout.addWidget(second)
    scanner.take_scans(window, lambda _number: None)
    catcher = scanner.ScanCatcher.instance
    assert catcher is not None
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    request.addfinalizer(lambda: _remove(app, catcher))
    _shown(qtbot, window)
    first.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is first)
    for widget in (first, second, window):
        QApplication.sendEvent(widget, QEvent(QEvent.Type.User))
    assert seen == [first]  # not every event of every object of the window
    second.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is second)
    seen.clear()
    for widget in (first, second, window):
        QApplication.sendEvent(widget, QEvent(QEvent.Type.User))
    assert seen == [second]
