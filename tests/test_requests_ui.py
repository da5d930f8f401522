"""The Requests screen: filters, search, views, the detail pane and its actions, scan to open,
other clerks' changes, and a conflicting edit."""

from __future__ import annotations

import functools
import io
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt

from desktop.models.requests import lifecycle
from desktop.models.requests.intake import RequestDraft, create_request
from desktop.models.requests.listing import COLUMN_KEYS, COLUMNS
from desktop.models.residents.contacts import CallerDetails
from desktop.models.setup.demo import generate_demo
from desktop.models.staff.members import create_staff
from desktop.models.storage.schema import RequestEvent, SavedView, ServiceRequest, StaffUser
from desktop.ui.conflict_dialog import ConflictDialog
from desktop.ui.counter_page import CounterPage
from desktop.ui.main_window import MainWindow
from desktop.ui.messages import messages
from desktop.ui.prefs import Prefs
from desktop.ui.request_model import RequestTableModel
from desktop.ui.requests_page import RequestsPage

#: a message box would wait for a click that never comes: messages become log lines
pytestmark = pytest.mark.usefixtures("no_dialogs")


@pytest.fixture
def clerk(db):
    return create_staff("Carla Clerk", "clerk", actor=None)


@pytest.fixture
def page(qtbot, db, clerk):
    generate_demo(400, seed=12, actor=None)
    shown = RequestsPage(lambda: clerk)
    qtbot.addWidget(shown)
    shown.resize(1300, 800)
    shown.load()
    return shown


def pothole(address: str = "12 Elm St", name: str = "Maria") -> ServiceRequest:
    return create_request(
        RequestDraft(
            service_type="pothole",
            description="Deep hole by the crossing",
            address=address,
            answers={"size": "large", "in_lane": "yes"},
            caller=CallerDetails(name, "Zyskowski", "555 010 9988"),
        ),
        actor=None,
    )


def view_named(page: RequestsPage, name: str) -> None:
    page.view_choice.setCurrentIndex(page.view_choice.findText(name))


def test_views_open_overdue_mine_today_all(page, clerk):
    names = [page.view_choice.itemText(i) for i in range(page.view_choice.count())]
    assert names == [
        "Open",
        "Overdue",
        "Mine",
        "Today",
        "All requests",
        "My work: gone overdue since I last looked",  # the clerk leads no department
    ]
    view_named(page, "All requests")
    assert page.model.rowCount() == ServiceRequest.select().count()
    view_named(page, "Mine")
    assert page.model.rowCount() == 0
    mine = pothole()
    lifecycle.assign(mine.id, clerk, actor=None)
    page.refresh()
    assert page.model.rowCount() == 1
    view_named(page, "Today")
    assert page.model.row_id(0) == mine.id


def test_search_and_filters_narrow_the_view(qtbot, page):
    created = pothole()
    view_named(page, "All requests")
    page.filter_bar.search.setText("zyskowski")
    with qtbot.waitSignal(page.filter_bar.changed):
        pass  # applied after a short pause in typing
    assert page.model.rowCount() == 1 and page.model.row_id(0) == created.id
    assert "1 request" in page.count_label.text()
    page.filter_bar.search.clear()
    page.filter_bar.flush()
    page.filter_bar.address.setText("12 elm")
    page.filter_bar.flush()
    assert created.id in [page.model.row_id(r) for r in range(page.model.rowCount())]
    page.filter_bar.address.clear()
    page.filter_bar.flush()
    page.filter_bar.overdue.setChecked(True)
    overdue = page.model.rowCount()
    page.filter_bar.status.setCurrentIndex(page.filter_bar.status.findText("Closed"))
    assert page.model.rowCount() == 0 < overdue  # a closed request is never overdue
    page._clear_filters()
    assert page.model.rowCount() == ServiceRequest.select().count()


def test_a_saved_view_comes_back(page, clerk):
    view_named(page, "All requests")
    page.filter_bar.search.setText("street")
    page.filter_bar.flush()
    expected = page.model.rowCount()
    assert page.save_current_view("Streets")
    assert page.view_choice.currentText() == "★ Streets"
    assert page.model.rowCount() == expected
    assert SavedView.get().staff_id == clerk.id
    view_named(page, "Open")
    view_named(page, "★ Streets")
    assert page.model.rowCount() == expected
    page.delete_current_view()  # no windows: confirmed
    assert SavedView.select().count() == 0
    assert not page.save_current_view("   ")  # a name is needed; nothing saved


def test_selecting_a_row_shows_the_request(page):
    page.table.selectRow(0)
    request_id = page.model.row_id(0)
    request = ServiceRequest.get_by_id(request_id)
    assert page.detail.request is not None and page.detail.request.id == request_id
    assert request.tracking_number in page.detail.title.text()
    assert "History" in page.detail.body.toPlainText()


def test_a_scanned_number_opens_the_request(qtbot, db, clerk, tmp_path: Path):
    generate_demo(50, seed=2, actor=None)
    created = pothole()
    window = MainWindow(db, Prefs(tmp_path / "cfg" / "fc.ini"), signed_in=lambda: None)
    qtbot.addWidget(window)
    window.goto.setText(created.tracking_number.replace("-", "") + "")  # a scanner's digits
    window.goto.returnPressed.emit()
    assert window.stack.currentIndex() == 1
    shown = window.requests_page.detail.request
    assert shown is not None and shown.id == created.id
    assert window.goto.text() == ""
    window.goto.setText("1999-99999")
    window.goto.returnPressed.emit()
    assert "no request" in window.requests_page.detail.body.toPlainText().lower()


def test_actions_write_history(page, clerk):
    # assigning, closing and reopening are a supervisor's (permissions.py)
    StaffUser.update(role="supervisor").where(StaffUser.id == clerk.id).execute()
    created = pothole()
    assert page.open_request(created.tracking_number)
    detail = page.detail
    assert detail.acknowledge()
    assert detail.assign(clerk)
    assert detail.add_note("Crew says tomorrow <b>morning</b>")
    assert detail.pause_or_resume("Waiting on weather")
    assert detail.pause_or_resume()  # resumes
    assert detail.change_priority("urgent")
    assert detail.resolve("fixed", note="Patched")
    assert detail.close_request()
    assert detail.reopen("Hole came back")
    kinds = [e.kind for e in RequestEvent.select().where(RequestEvent.request == created.id)]
    assert kinds.count("status") >= 4
    for kind in ("assignment", "note", "pause", "resume", "priority"):
        assert kind in kinds
    text = detail.body.toPlainText()
    assert "Crew says tomorrow <b>morning</b>" in text  # markup stays literal
    assert ServiceRequest.get_by_id(created.id).status == "assigned"  # back to its assignee


def test_prompts_can_be_cancelled(page):
    created = pothole()
    page.open_request(created.tracking_number)
    page.detail.ask = lambda *_args: None
    page.detail.ask_text = lambda *_args: None
    assert not page.detail.assign()
    assert not page.detail.add_note()
    assert not page.detail.add_note(public=True)
    assert not page.detail.resolve()
    page.detail.ask = lambda _title, _label, choices: choices[0] if choices else None
    assert not page.detail.resolve()  # a resolution chosen, then what the resident is told: no
    page.detail.ask_number = lambda *_args: None
    assert not page.detail.mark_duplicate() and not page.detail.link_related()
    assert ServiceRequest.get_by_id(created.id).version == 1


def _cell(box: ConflictDialog, row: int, column: int) -> str:
    item = box.table.item(row, column)
    assert item is not None
    return item.text()


def test_a_conflicting_edit_is_shown_not_overwritten(page, clerk, caplog):
    created = pothole()
    page.open_request(created.tracking_number)
    other = create_staff("Olga Other", "supervisor", actor=None)
    lifecycle.assign(created.id, other, actor=None)  # another clerk, meanwhile
    messages.windows = True
    page.detail.add_note("my note")
    box = messages.open_boxes[-1]
    assert isinstance(box, ConflictDialog)
    rows = box.table.rowCount()
    cells = [tuple(_cell(box, r, c) for c in range(3)) for r in range(rows)]
    assert ("Assigned to", "(none) (as you saw it)", "Olga Other") in cells  # side by side
    assert ("Status", "New (as you saw it)", "Assigned") in cells
    assert box.keep_button.isDefault()  # Enter keeps theirs: never an overwrite by accident
    notes = RequestEvent.select().where(
        RequestEvent.request == created.id, RequestEvent.kind == "note"
    )
    assert notes.count() == 0  # nothing written yet: the clerk chooses
    assert ServiceRequest.get_by_id(created.id).assignee_id == other.id
    box.apply_button.click()
    assert notes.count() == 1
    assert ServiceRequest.get_by_id(created.id).assignee_id == other.id  # theirs kept too


def test_other_clerks_changes_appear_keeping_the_selection(qtbot, db, tmp_path: Path):
    from desktop.models.setup.opening import open_database
    from desktop.models.storage.db import close_database

    generate_demo(300, seed=4, actor=None)
    window = MainWindow(db, Prefs(tmp_path / "cfg" / "fc.ini"), signed_in=lambda: None)
    qtbot.addWidget(window)
    window.show_page(1)
    page = window.requests_page
    view_named(page, "All requests")
    page.table.selectRow(5)
    chosen = page.selected_id()
    before = page.model.rowCount()
    caller = ServiceRequest.select().where(ServiceRequest.contact.is_null(False)).first()
    window.show_page(0)  # and at the counter, that caller's history is beside the form
    counter = window.page(0)
    assert isinstance(counter, CounterPage)
    counter.pick_contact(caller.contact_id)
    # another workstation: its own connection to the same file
    import sqlite3

    other = sqlite3.connect(db.location)
    other.execute(
        "INSERT INTO service_request (tracking_number, service_type_id, status, priority, channel,"
        " description, address, address_normalized, street, zip, location_notes, confidential,"
        " department_id, requested_at, version, created_at, updated_at, status_notes, contact_id)"
        " SELECT '2099-00001', service_type_id, 'new', priority, channel, 'from another desk',"
        " address, address_normalized, street, zip, '', 0, department_id, '2099-01-01 08:00:00',"
        " 1, created_at, updated_at, '', ? FROM service_request LIMIT 1",
        (caller.contact_id,),
    )
    other.commit()
    other.close()
    assert window.check_for_changes()
    assert page.model.rowCount() == before + 1
    assert page.selected_id() == chosen  # the clerk's place is kept
    assert "2099-00001" in counter.history.toPlainText()
    assert not window.check_for_changes()  # nothing new since
    close_database(open_database(db.location))  # (the test's own connection stays usable)


def test_column_chooser_hides_and_shows(page):
    menu = page.column_menu()
    resident = next(a for a in menu.actions() if a.text() == "Resident")
    assert not resident.isChecked()
    resident.setChecked(True)
    assert not page.table.isColumnHidden(COLUMN_KEYS.index("contact"))
    assert "contact" not in page.hidden_columns()


def test_sorting_from_the_header(page):
    view_named(page, "All requests")
    page.table.horizontalHeader().setSortIndicator(
        COLUMN_KEYS.index("tracking_number"), Qt.SortOrder.AscendingOrder
    )
    assert page.model.sort_key == "tracking_number" and not page.model.descending
    first = page.model.index(0, COLUMN_KEYS.index("tracking_number")).data()
    second = page.model.index(1, COLUMN_KEYS.index("tracking_number")).data()
    assert first < second


def test_the_header_shows_the_titles_and_the_view_s_sort_and_a_click_sorts(page, qtbot):
    """The titles come from the header's own model, the arrow from its saved state
    (qt_early.py): both as Qt's own calls would make them."""
    header = page.table.horizontalHeader()
    titles = [
        header.model().headerData(n, Qt.Orientation.Horizontal) for n in range(header.count())
    ]
    assert titles == [column.label for column in COLUMNS]
    assert (header.sortIndicatorSection(), header.sortIndicatorOrder()) == (
        COLUMN_KEYS.index("requested_at"),
        Qt.SortOrder.DescendingOrder,
    )
    view_named(page, "Overdue")  # sorted by when it was due, the soonest first
    assert (header.sortIndicatorSection(), header.sortIndicatorOrder()) == (
        COLUMN_KEYS.index("due_at"),
        Qt.SortOrder.AscendingOrder,
    )
    view_named(page, "All requests")
    number = COLUMN_KEYS.index("tracking_number")
    where = header.sectionViewportPosition(number) + header.sectionSize(number) // 2
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(where, 5))
    assert page.model.sort_key == "tracking_number"
    assert header.sortIndicatorSection() == number
    first, second = (page.model.index(r, number).data() for r in (0, 1))
    assert (first > second) == page.model.descending


def test_every_filter_model_passes_the_model_tester(qtmodeltester, page):
    view_named(page, "Open")
    page.filter_bar.search.setText("hole")
    page.filter_bar.flush()
    model = page.model
    assert isinstance(model, RequestTableModel)
    qtmodeltester.check(model)


def test_a_broad_search_says_it_shows_the_newest(page, monkeypatch):
    from desktop.models.requests import listing as request_list

    monkeypatch.setattr(request_list, "SEARCH_CAP", 20)
    view_named(page, "All requests")
    page.filter_bar.search.setText("st")
    page.filter_bar.flush()
    assert page.model.rowCount() == 20
    assert "newest 20 matches" in page.count_label.text()


def test_enter_in_the_search_box_opens_the_first_match(qtbot, page):
    created = pothole(name="Quentin")
    view_named(page, "All requests")
    page.filter_bar.search.setText("quentin")
    page.filter_bar.search.returnPressed.emit()
    shown = page.detail.request
    assert shown is not None and shown.id == created.id


def test_attachments_added_saved_and_removed(page, tmp_path: Path):
    import io

    from PIL import Image

    from desktop.models.requests.attachments import list_attachments

    created = pothole()
    page.open_request(created.tracking_number)
    photo = tmp_path / "hole.png"
    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), (120, 90, 40)).save(buffer, "PNG")
    photo.write_bytes(buffer.getvalue())
    assert page.detail.attach_file(str(photo))
    found = list_attachments(created.id)
    assert [a.filename for a in found] == ["hole.png"]
    assert "hole.png" in page.detail.body.toPlainText()
    copy = tmp_path / "copy.png"
    assert page.detail.save_attachment(found[0].id, str(copy))
    assert copy.read_bytes() == photo.read_bytes()
    assert not page.detail.attach_file(str(tmp_path / "missing.jpg"))  # a message, no crash
    page.detail.remove_attachment(found[0].id)  # no windows: confirmed
    assert list_attachments(created.id) == []
    kinds = [e.kind for e in RequestEvent.select().where(RequestEvent.request == created.id)]
    assert kinds.count("attachment") >= 1


def test_selected_rows_print_as_work_orders_one_page_each(qtbot, page):
    from pypdf import PdfReader

    page.table.selectRow(0)
    page.table.selectionModel().select(
        page.model.index(2, 0),
        page.table.selectionModel().SelectionFlag.Select
        | page.table.selectionModel().SelectionFlag.Rows,
    )
    chosen = page.selected_ids()
    assert len(chosen) == 2
    job = page.print_selected()
    assert job is not None
    with qtbot.waitSignal(job.ready, timeout=20000) as ready:
        pass
    dialog = ready.args[0]
    qtbot.addWidget(dialog)
    assert dialog.document.pageCount() == 2
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(dialog.pdf)).pages)
    for request_id in chosen:
        assert ServiceRequest.get_by_id(request_id).tracking_number in text


def test_the_detail_panes_print_button_prints_the_request_shown(page, monkeypatch):
    from desktop.ui import print_preview

    asked: list[list[int]] = []
    monkeypatch.setattr(
        print_preview, "print_work_orders", lambda _parent, ids, _actor: asked.append(ids)
    )
    request = pothole()
    page.refresh()
    page.table.selectRow(1)  # another row is selected; the pane shows the request opened below
    assert page.open_request(request.tracking_number)
    page.detail._print()
    assert asked == [[request.id]]


def test_actions_the_role_may_not_take_are_greyed_with_the_reason(qtbot, db):
    from desktop.models.setup.first_run import complete_first_run
    from desktop.models.staff.signin import reset_password
    from desktop.ui.request_detail_pane import RequestDetailPane

    request = pothole()
    admin = complete_first_run("Alder Falls", "Ada Admin", password="admin password 1")
    clerk = create_staff("Carla Clerk", "clerk", actor=admin)
    lead = create_staff("Lee Lead", "crew_lead", actor=admin)
    for person in (clerk, lead):
        reset_password(person.id, "their password 1", actor=admin)
    shown = {}
    for person in (clerk, lead, admin):
        pane = RequestDetailPane(functools.partial(lambda who: who, person))
        qtbot.addWidget(pane)
        assert pane.show_request(request.id)
        shown[person.role] = pane
    desk = shown["clerk"]
    assert desk.buttons["note"].isEnabled() and desk.buttons["status"].isEnabled()
    assert not desk.buttons["resolve"].isEnabled() and not desk.buttons["assign"].isEnabled()
    assert "may not resolve and close" in desk.buttons["resolve"].toolTip()
    assert not desk.menu_actions["Close"].isEnabled()
    assert desk.menu_actions["Print work order"].isEnabled()
    assert shown["crew_lead"].buttons["resolve"].isEnabled()
    assert not shown["crew_lead"].buttons["assign"].isEnabled()
    assert all(shown["admin"].buttons[key].isEnabled() for key in ("resolve", "assign", "note"))
    release = "Public-records release of this request…"
    assert not desk.menu_actions[release].isEnabled()  # the administrator's, not a clerk's
    assert shown["admin"].menu_actions[release].isEnabled()


def test_an_administrator_writes_a_public_records_release_from_the_detail(qtbot, db, tmp_path):
    import json

    from desktop.models.setup.first_run import complete_first_run
    from desktop.models.storage.schema import AuditRecord
    from desktop.ui.request_detail_pane import RequestDetailPane

    request = pothole()
    admin = complete_first_run("Alder Falls", "Ada Admin", password="admin password 1")
    pane = RequestDetailPane(lambda: admin)
    qtbot.addWidget(pane)
    assert pane.show_request(request.id)
    out = tmp_path / "release.json"
    pane.choose_file = lambda saving, name, title="": str(out)  # type: ignore[method-assign]
    assert pane.release(resident=False)
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["request"]["tracking_number"] == request.tracking_number
    assert pane.release(resident=True, path=str(tmp_path / "resident.json"))
    assert json.loads((tmp_path / "resident.json").read_text(encoding="utf-8"))["requests"]
    assert AuditRecord.select().where(AuditRecord.action == "export").count() == 2
    assert not pane.release(resident=False, path=str(tmp_path / "no such folder" / "x.json"))


def test_a_saved_request_is_corrected_from_its_detail(page, clerk):
    created = pothole()
    page.open_request(created.tracking_number)
    dialog = page.detail.edit_details()
    assert dialog is not None and dialog.address.text() == "12 Elm St"
    assert dialog.questions.values() == {"size": "large", "in_lane": "yes"}
    dialog.zip.setText("0" * 50)
    dialog.address.setText("14 Elm Street")
    dialog.try_save()
    assert dialog.isVisible() and "ZIP" in dialog.error.text()  # refused: all still typed
    assert dialog.address.text() == "14 Elm Street"
    dialog.zip.setText("06001")
    dialog.try_save()
    assert not dialog.isVisible()
    saved = ServiceRequest.get_by_id(created.id)
    assert (saved.address, saved.zip) == ("14 Elm Street", "06001")
    assert "Address: 12 Elm St → 14 Elm Street" in page.detail.body.toPlainText()


def test_a_correction_over_a_newer_change_is_a_choice(page, clerk):
    created = pothole()
    page.open_request(created.tracking_number)
    dialog = page.detail.edit_details()
    assert dialog is not None
    lifecycle.set_status(created.id, "in_progress", actor=None)  # another clerk, meanwhile
    messages.windows = True
    dialog.address.setText("16 Elm St")
    dialog.try_save()
    box = messages.open_boxes[-1]
    assert isinstance(box, ConflictDialog)
    cells = [tuple(_cell(box, r, c) for c in range(3)) for r in range(box.table.rowCount())]
    assert ("Address", "16 Elm St", "12 Elm St") in cells
    assert dialog.isVisible()  # what was typed is still there while the clerk chooses
    box.keep_button.click()
    assert ServiceRequest.get_by_id(created.id).address == "12 Elm St"
    assert ServiceRequest.get_by_id(created.id).status == "in_progress"
    dialog.try_save()  # saved again, now knowingly over the newer version shown behind it
    assert ServiceRequest.get_by_id(created.id).address == "16 Elm St"
    assert ServiceRequest.get_by_id(created.id).status == "in_progress"  # theirs kept too
    assert not dialog.isVisible()


def test_the_receipt_and_letters_print_from_a_requests_detail(qtbot, page, caplog):
    created = pothole()
    page.open_request(created.tracking_number)
    job = page.detail.print_receipt()
    assert job is not None
    with qtbot.waitSignal(job.ready, timeout=20000) as ready:
        pass
    preview = ready.args[0]
    qtbot.addWidget(preview)
    assert preview.document.pageCount() == 1
    offered: list[list[str]] = []

    def choose(_title: str, _label: str, choices: list[str] | None) -> str | None:
        offered.append(choices or [])
        return "received"

    page.detail.ask = choose
    assert page.detail.print_letter() is None  # this resident gave no postal address
    assert {"closure", "received", "not_ours"} <= set(offered[0])
    assert "postal address" in caplog.text


def test_the_list_shows_how_it_is_sorted_and_which_requests_are_paused(page):
    header = page.table.horizontalHeader()
    assert header.isSortIndicatorShown()
    request = pothole()
    lifecycle.pause(request.id, "Waiting for the resident's photo", actor=None)
    page.refresh()
    row = page.model.row_of(request.id, near=0)
    assert row is not None
    status = page.model.index(row, COLUMN_KEYS.index("status")).data()
    assert status.endswith("(paused)")


def test_the_detail_leaves_the_list_its_number_and_status_on_a_1400_pixel_screen(qtbot, page):
    page.resize(1400 - 190, 800)  # the window less the areas down the side
    page.show()
    qtbot.waitExposed(page)
    page.open_request(pothole().tracking_number)
    status_column = COLUMN_KEYS.index("status")
    right_edge = page.table.columnViewportPosition(status_column) + page.table.columnWidth(
        status_column
    )
    assert right_edge <= page.table.viewport().width()


def test_a_note_is_saved_with_ctrl_enter(qtbot, page):
    from PySide6.QtWidgets import QPlainTextEdit

    from desktop.ui.text_dialog import TextDialog

    dialog = TextDialog(page, "Note", "The note:")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()  # the shortcut is the dialog window's
    qtbot.waitUntil(dialog.isActiveWindow)
    box = dialog.findChild(QPlainTextEdit)
    assert box is not None
    box.setFocus()
    qtbot.keyClicks(box, "Called back")
    qtbot.keyClick(box, Qt.Key.Key_Return)
    assert dialog.isVisible()  # Enter is a new line
    with qtbot.waitSignal(dialog.accepted):
        qtbot.keyClick(box, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert dialog.textValue() == "Called back\n"


def test_the_type_filter_offers_every_type_the_retired_last_and_marked(qtbot, db, clerk):
    from desktop.models.catalog import types
    from desktop.models.storage.schema import ServiceType

    types.change_type("pothole", active=False, actor=None)
    page = RequestsPage(lambda: clerk)
    qtbot.addWidget(page)
    combo = page.filter_bar.type
    labels = [combo.itemText(i) for i in range(combo.count())]
    assert labels[0] == "Any type"
    assert labels[-1] == "Pothole (retired)"  # old requests keep it: still to be found
    assert "Pothole" not in labels
    assert combo.itemData(combo.count() - 1) == types.get_type("pothole").id
    assert len(labels) == 1 + ServiceType.select().count()


def test_overdue_and_paused_requests_are_drawn_in_their_colours(page):
    """What the table's delegate does with the model's colour: the text is painted in it."""
    from PySide6.QtGui import QColor, QPalette
    from PySide6.QtWidgets import QStyleOptionViewItem

    def text_colour(row: int, key: str) -> str:
        option = QStyleOptionViewItem()
        index = page.model.index(row, COLUMN_KEYS.index(key))
        page.table.itemDelegate().initStyleOption(option, index)
        return option.palette.color(QPalette.ColorRole.Text).name()

    model = page.model
    overdue = next(r for r in range(model.rowCount()) if model._row(r).request.overdue)
    assert text_colour(overdue, "due_at") == QColor("#b3261e").name()
    assert text_colour(overdue, "tracking_number") == QColor("#b3261e").name()
    assert text_colour(overdue, "address") != QColor("#b3261e").name()
    request = pothole()
    lifecycle.pause(request.id, "Waiting for the resident's photo", actor=None)
    page.refresh()
    paused = page.model.row_of(request.id, near=0)
    assert paused is not None
    assert text_colour(paused, "status") == QColor("#6b4f00").name()


def test_text_in_the_detail_pane_is_escaped_as_the_standard_library_escapes_it():
    import html

    from desktop.ui.html import esc

    hostile = "<script>alert('x')</script> & \"quoted\" 'single' café ≥ ∞ &amp; \x00 <b>"
    assert esc(hostile) == html.escape(hostile, quote=True)
    assert esc(None) == ""
    assert esc(12) == "12"


def test_the_newest_request_is_shown_as_the_page_is_built_before_it_is_painted(page):
    """Not when the table first takes the focus: the first paint is then the page's last
    layout (the window's start, issue 22)."""
    assert not page.isVisible()
    assert page.table.currentIndex().row() == 0
    assert not page.table.selectionModel().hasSelection()  # "With the selected": none yet
    shown = page.detail.request
    assert shown is not None and shown.id == page.model.row_id(0)
