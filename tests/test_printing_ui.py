"""The print preview, printing through an injected print dialog, and the close-out screen."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QApplication

from desktop.models.requests.intake import RequestDraft, create_request
from desktop.models.residents.contacts import CallerDetails
from desktop.models.storage.schema import RequestEvent, ServiceRequest
from desktop.ui import print_preview
from desktop.ui.work_orders_page import WorkOrdersPage

#: a message box would wait for a click that never comes: messages become log lines
pytestmark = pytest.mark.usefixtures("no_dialogs")


def _request(description: str = "Deep hole <b>by</b> the stop") -> ServiceRequest:
    return create_request(
        RequestDraft(
            service_type="pothole",
            description=description,
            address="12 Elm Street",
            answers={"size": "large", "in_lane": "yes"},
            caller=CallerDetails(first_name="Ana", last_name="Núñez", phone="555-010-2233"),
            safety_acknowledged=True,
        ),
        actor=None,
    )


def _to_file(path: Path):
    def ask(printer: QPrinter, parent, on_accepted, on_cancelled) -> None:
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(path))
        on_accepted()  # as if the clerk pressed Print

    return ask


def _preview(qtbot, request_ids, **dialog_options):
    job = print_preview.print_work_orders(
        None, request_ids, show=False, dialog_options=dialog_options, actor=None
    )
    assert job is not None
    with qtbot.waitSignal(job.ready, timeout=20000) as ready:
        pass
    dialog = ready.args[0]
    qtbot.addWidget(dialog)
    return dialog


def test_preview_shows_the_pdf_and_prints_it(qtbot, db, tmp_path):
    request = _request()
    out = tmp_path / "printed.pdf"
    dialog = _preview(qtbot, [request.id], ask_printer=_to_file(out), has_printer=lambda: True)
    assert dialog.document.pageCount() == 1
    with qtbot.waitSignal(dialog.printed, timeout=20000):
        dialog.print_button.click()
    assert len(PdfReader(io.BytesIO(out.read_bytes())).pages) == 1
    assert RequestEvent.select().where(RequestEvent.kind == "printed").count() == 1
    again = _preview(qtbot, [request.id])
    text = PdfReader(io.BytesIO(again.pdf)).pages[0].extract_text()
    assert "REPRINT" in text and request.tracking_number in text


def test_no_printer_and_a_cancelled_dialog_print_nothing(qtbot, db):
    request = _request()
    dialog = _preview(qtbot, [request.id], has_printer=lambda: False)
    with qtbot.waitSignal(dialog.print_failed) as failed:
        dialog.print_button.click()
    assert "No printer" in failed.args[0]
    cancelled = _preview(
        qtbot, [request.id], has_printer=lambda: True, ask_printer=lambda p, w, ok, no: no()
    )
    with qtbot.assertNotEmitted(cancelled.printed):
        cancelled.print_button.click()
    assert "cancelled: nothing was printed" in cancelled.pages_label.text()
    assert not RequestEvent.select().where(RequestEvent.kind == "printed").exists()


def test_save_as_pdf(qtbot, db, tmp_path):
    request = _request()
    target = tmp_path / "saved.pdf"
    dialog = _preview(qtbot, [request.id], ask_save_path=lambda parent, name: target)
    with qtbot.waitSignal(dialog.printed):
        dialog.save_button.click()
    assert request.tracking_number in PdfReader(target).pages[0].extract_text()
    bad = _preview(qtbot, [request.id], ask_save_path=lambda p, n: tmp_path / "no" / "x.pdf")
    with qtbot.waitSignal(bad.print_failed) as failed:
        bad.save_button.click()
    assert "Could not save" in failed.args[0]


def test_receipt_and_letter_entry_points(qtbot, db):
    request = _request()
    job = print_preview.print_receipt(None, request.id, show=False, actor=None)
    assert job is not None
    with qtbot.waitSignal(job.ready, timeout=20000) as ready:
        pass
    qtbot.addWidget(ready.args[0])
    assert ready.args[0].document.pageCount() == 1
    assert (
        print_preview.print_letter(None, request.id, "closure", actor=None) is None
    )  # no postal address


def test_close_out_a_stack_by_keyboard(qtbot, db):
    first, second = _request(), _request("Another")
    page = WorkOrdersPage(staff=lambda: None)
    qtbot.addWidget(page)
    page.load()
    page.show()
    qtbot.waitExposed(page)
    page.activateWindow()  # where the cursor goes is part of what is tested
    qtbot.waitUntil(page.isActiveWindow)
    tab = page.closeout
    qtbot.keyClicks(tab.scan, first.tracking_number)
    qtbot.keyClick(tab.scan, Qt.Key.Key_Return)
    assert first.tracking_number in tab.found.text() and "The resident said" in tab.found.text()
    assert tab.outcomes.checkedButton() is None  # the clerk picks what the crew ticked
    with qtbot.assertNotEmitted(tab.closed):
        tab.save_button.click()
    assert "Choose the outcome" in tab.problem.text()
    assert QApplication.focusWidget() is tab.outcomes.button(
        1
    )  # the cursor is where the answer goes
    qtbot.keyClick(tab.outcomes.button(1), Qt.Key.Key_3)
    assert tab.outcomes.checkedId() == 3
    qtbot.keyClick(tab.outcomes.button(3), Qt.Key.Key_1)
    assert tab.outcomes.checkedId() == 1
    tab.hours.setText("-2")
    with qtbot.assertNotEmitted(tab.closed):
        tab.save_button.click()
    assert QApplication.focusWidget() is tab.hours and "negative" in tab.problem.text()
    tab.notes.setPlainText("Filled it")
    tab.hours.setText("1,5")
    tab.crew.setText("Crew 2")
    tab.keep.setChecked(True)
    with qtbot.waitSignal(tab.closed) as closed:
        tab.save_button.click()
    assert first.tracking_number in closed.args[0]
    done = ServiceRequest.get_by_id(first.id)
    assert (done.status, done.resolution) == ("resolved", "fixed")
    assert tab.scan.text() == "" and tab.crew.text() == "Crew 2"  # kept for the next one
    # the next order of the stack: scan, then save straight away
    qtbot.keyClicks(tab.scan, second.tracking_number.replace("-", ""))
    qtbot.keyClick(tab.scan, Qt.Key.Key_Return)
    tab.outcomes.button(4).setChecked(True)
    with qtbot.waitSignal(tab.closed):
        tab.save_button.click()
    assert ServiceRequest.get_by_id(second.id).resolution == "not_town_responsibility"
    assert tab.done_list.count() == 2
    # mistakes show beside the form, not in a dialog
    qtbot.keyClicks(tab.scan, "2099-00001")
    qtbot.keyClick(tab.scan, Qt.Key.Key_Return)
    assert "2099-00001" in tab.problem.text()
    qtbot.keyClicks(tab.scan, first.tracking_number)
    qtbot.keyClick(tab.scan, Qt.Key.Key_Return)
    with qtbot.assertNotEmitted(tab.closed):
        tab.save_button.click()
    assert "already resolved" in tab.problem.text()


def test_todays_work_orders_list_and_packet(qtbot, db):
    request = _request()
    page = WorkOrdersPage(staff=lambda: None)
    qtbot.addWidget(page)
    page.load()
    today = page.today
    index = today.department.findData(request.department.code)
    today.department.setCurrentIndex(index)
    assert today.orders.rowCount() == 1
    number = today.orders.item(0, 2)
    assert number is not None and number.text() == request.tracking_number
    today.print_packet(show=False)
    with qtbot.waitSignal(today.last_job.ready, timeout=20000) as ready:
        pass
    qtbot.addWidget(ready.args[0])
    assert ready.args[0].document.pageCount() == 2  # the cover list and the order
    # a crew member's own packet, from every department
    from desktop.models.requests import lifecycle
    from desktop.models.staff.members import create_staff

    crew = create_staff("Pat Crew", "crew_lead", actor=None)
    lifecycle.assign(request.id, crew, actor=None)
    page.load()
    today.department.setCurrentIndex(today.department.findData(""))
    today.crew.setCurrentIndex(today.crew.findData("pat.crew"))
    assert today.orders.rowCount() == 1 and today.print_button.isEnabled()
    crew_cell = today.orders.item(0, 1)
    assert crew_cell is not None and crew_cell.text() == "Pat Crew"
    # the whole town's day, by department and crew
    other = create_request(
        RequestDraft(service_type="tree_trimming", description="Branch", address="3 Oak Ave"),
        actor=None,
    )
    today.crew.setCurrentIndex(today.crew.findData(""))
    assert today.orders.rowCount() == 2 and today.print_button.isEnabled()
    departments = [today.orders.item(row, 0) for row in range(2)]
    names = [cell.text() for cell in departments if cell is not None]
    assert names == sorted(names, key=str.casefold) and len(set(names)) == 2
    assert "2 departments" in today.summary.text()
    with qtbot.waitSignal(today.open_request) as opened:
        today.orders.cellDoubleClicked.emit(1, 0)
    assert opened.args[0] in (request.tracking_number, other.tracking_number)


def test_the_counters_receipt_offer_opens_the_receipt_preview(qtbot, db, tmp_path):
    from desktop.ui.main_window import MainWindow
    from desktop.ui.prefs import Prefs

    window = MainWindow(db, Prefs(tmp_path / "prefs.ini"), signed_in=lambda: None)
    qtbot.addWidget(window)
    request = _request()
    job = window.print_receipt(request.id)
    assert job is not None
    with qtbot.waitSignal(job.ready, timeout=20000) as ready:
        pass
    dialog = ready.args[0]
    qtbot.addWidget(dialog)
    text = PdfReader(io.BytesIO(dialog.pdf)).pages[0].extract_text()
    assert request.tracking_number in text
    assert dialog.windowTitle() == "Receipt"


def test_a_clerk_is_told_close_out_is_for_crew_leads_before_filling_in_the_form(qtbot, db):
    from desktop.models.setup.first_run import complete_first_run
    from desktop.models.staff.members import create_staff
    from desktop.models.staff.signin import reset_password

    request = _request()  # logged before anyone could sign in
    admin = complete_first_run("Alder Falls", "Ada Admin", password="admin password 1")
    clerk = create_staff("Carla Clerk", "clerk", actor=admin)
    reset_password(clerk.id, "clerk password 1", actor=admin)
    page = WorkOrdersPage(lambda: clerk)
    qtbot.addWidget(page)
    tab = page.closeout
    qtbot.keyClicks(tab.scan, request.tracking_number)
    qtbot.keyClick(tab.scan, Qt.Key.Key_Return)
    assert "crew lead" in tab.problem.text()
    assert not tab.save_button.isEnabled()
    assert ServiceRequest.get_by_id(request.id).status != "resolved"


def test_a_close_out_shows_at_once_in_the_requests_list(qtbot, db, tmp_path):
    from desktop.ui.main_window import MainWindow
    from desktop.ui.prefs import Prefs

    request = _request()
    window = MainWindow(db, Prefs(tmp_path / "prefs.ini"), signed_in=lambda: None)
    qtbot.addWidget(window)
    window.show_page(1)
    requests = window.requests_page
    assert requests.model.rowCount() == 1  # the Open view
    window.show_page(3)
    page = window.page(3)
    assert isinstance(page, WorkOrdersPage)
    tab = page.closeout
    tab.scan.setText(request.tracking_number)
    tab.open_scanned()
    tab.outcomes.button(1).setChecked(True)  # fixed, as the crew ticked
    with qtbot.waitSignal(tab.closed):
        tab.save_button.click()
    assert requests.model.rowCount() == 0  # resolved: no longer open
