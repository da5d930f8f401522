"""File → Import requests… in the window: the file read in the background, its columns, types
and statuses shown and changed, a check that writes nothing, the import with its progress, a
refusal as a sentence with the choices kept, and an undo from the earlier imports."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from PySide6.QtWidgets import QComboBox

from desktop.models.storage.schema import ImportBatch, ServiceRequest
from desktop.ui.import_dialog import ImportDialog
from desktop.ui.main_window import MainWindow
from desktop.ui.prefs import Prefs

pytestmark = pytest.mark.usefixtures("no_dialogs")

HEADER = ["Ticket", "Category", "Details", "State of it", "Reported", "Done on", "Where"]
ROWS = [
    ["T-1", "Pothole", "Hole by the school", "Open", "03/02/2021 9:15", "", "12 Elm St"],
    [
        "T-2",
        "Cow in road",
        "A cow on Route 9",
        "Finished",
        "03/03/2021 10:00",
        "03/03/2021 11:00",
        "Route 9",
    ],
    ["T-3", "Pothole", "Another", "Finished", "03/04/2021 10:00", "03/05/2021 08:00", "1 Oak"],
]


def _file(tmp_path: Path) -> Path:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(ROWS)
    path = tmp_path / "clerk_log.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


@pytest.fixture
def window(qtbot, db, tmp_path):
    made = MainWindow(db, Prefs(tmp_path / "cfg" / "fc.ini"), signed_in=lambda: None)
    qtbot.addWidget(made)
    yield made
    made.close()


def _open(window, qtbot, path: Path) -> ImportDialog:
    dialog = window.show_import()
    assert isinstance(dialog, ImportDialog)
    qtbot.addWidget(dialog)
    dialog.ask_path = lambda _parent: path
    with qtbot.waitCallback() as read:
        dialog.choose_file()
        assert dialog.job is not None
        dialog.job.finished.connect(read)
    return dialog


def _combo(table, row: int, column: int) -> QComboBox:
    widget = table.cellWidget(row, column)
    assert isinstance(widget, QComboBox)
    return widget


def _text(table, row: int, column: int) -> str:
    item = table.item(row, column)
    assert item is not None
    return str(item.text())


def _row_of(table, text: str) -> int:
    return next(r for r in range(table.rowCount()) if _text(table, r, 0) == text)


def test_a_file_is_shown_changed_checked_imported_and_undone(window, qtbot, tmp_path):
    dialog = _open(window, qtbot, _file(tmp_path))
    assert dialog.plan is not None
    assert "clerk_log.csv: 3 rows" in dialog.file_label.text()
    assert dialog.source.text() == "clerk_log"
    fields = {
        _combo(dialog.fields, r, 1).property("field"): _combo(dialog.fields, r, 1).currentData()
        for r in range(dialog.fields.rowCount())
    }
    assert fields["id"] == "Ticket" and fields["type"] == "Category"
    assert fields["created"] == "Reported" and fields["closed"] == "Done on"

    cow = _combo(dialog.types, _row_of(dialog.types, "Cow in road"), 2)
    assert cow.currentData() is None  # a new Imported type unless the clerk says otherwise
    cow.setCurrentIndex(cow.findData("animal_welfare"))
    finished = _combo(dialog.statuses, _row_of(dialog.statuses, "Finished"), 2)
    assert finished.currentData() == ("closed", "fixed")  # read by its closing times

    with qtbot.waitCallback() as checked:
        dialog.check_button.click()
        assert dialog.job is not None
        dialog.job.finished.connect(checked)
    assert "Would import 3 of 3 rows" in dialog.report.toPlainText()
    assert ServiceRequest.select().count() == 0

    with qtbot.waitSignal(dialog.imported) as landed:
        dialog.import_button.click()
    assert "Imported 3 requests" in landed.args[0]
    cow_request = ServiceRequest.get(ServiceRequest.external_id == "clerk_log:T-2")
    assert cow_request.service_type.code == "animal_welfare"
    assert cow_request.status == "closed"
    assert dialog.history.rowCount() == 1 and _text(dialog.history, 0, 6) == "done"

    dialog.history.selectRow(0)
    with qtbot.waitSignal(dialog.imported) as undone:
        dialog.undo_chosen()  # confirmed (no dialogs in the tests)
    assert "undone: 3 requests removed" in undone.args[0]
    assert ServiceRequest.select().count() == 0
    assert ImportBatch.get().state == "undone"
    assert _text(dialog.history, 0, 6) == "undone"


def test_a_file_that_cannot_be_read_is_a_sentence(window, qtbot, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"Ticket,Category\nT-1,Pot\x00hole\n")
    dialog = _open(window, qtbot, bad)
    assert dialog.plan is None
    assert "NUL bytes" in dialog.problem.text()
    assert not dialog.import_button.isEnabled()


def test_the_columns_chosen_are_read_again(window, qtbot, tmp_path):
    dialog = _open(window, qtbot, _file(tmp_path))
    where = next(
        _combo(dialog.fields, r, 1)
        for r in range(dialog.fields.rowCount())
        if _combo(dialog.fields, r, 1).property("field") == "description"
    )
    where.setCurrentIndex(where.findData("Where"))
    with qtbot.waitCallback() as read:
        dialog.read_again()
        assert dialog.job is not None
        dialog.job.finished.connect(read)
    assert dialog.plan is not None and dialog.plan.fields["description"] == "Where"
