"""The Counter with the town's address register: the address completes from the register as
the clerk types, Enter takes the completion, the register's place fills the coordinates (never
over ones the clerk typed), and an address the register lacks is said, saved and listed."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from desktop.models.geo import register_import
from desktop.models.staff.members import create_staff
from desktop.models.storage.schema import ServiceRequest
from desktop.ui.counter_draft import DraftStore
from desktop.ui.counter_page import CounterPage
from tests.test_counter_ui import Keyboard
from tests.test_register import town_files

pytestmark = pytest.mark.usefixtures("no_dialogs")


@pytest.fixture
def counter(qtbot, db, tmp_path: Path):
    points, lines = town_files(tmp_path)
    register_import.import_addresses(points, actor=None)
    register_import.import_streets(lines, actor=None)
    clerk = create_staff("Carla Clerk", "clerk", actor=None)
    page = CounterPage(DraftStore(tmp_path / "drafts", db.location), lambda: clerk)
    qtbot.addWidget(page)
    page.resize(1200, 900)
    page.show()
    qtbot.waitExposed(page)
    page.activateWindow()
    return page


def test_the_address_completes_from_the_register_and_fills_the_place(qtbot, counter):
    keys = Keyboard(qtbot)
    counter.address.setFocus()
    keys.type("10 north ma")
    keys.press(Qt.Key.Key_Return)  # the register's one address is taken
    assert counter.address.text() == "10 N Main St"
    checked = counter.check_place()
    assert checked is not None and checked.match is not None
    assert (counter.lat.text(), counter.long.text()) == ("42.000500", "-71.000100")
    assert "In the town's register: 10 N Main St" in counter.place_note.text()

    counter.address.setText("50 N Main St")  # no point: along the street
    counter.check_place()
    assert "placed along the street" in counter.place_note.text()
    assert counter.lat.text() != "42.000500"  # the register's place moved with the address

    counter.address.setText("3 Zebra Rd")
    counter.check_place()
    assert "Not in the town's address register" in counter.place_note.text()
    assert counter.lat.text() == "" and counter.long.text() == ""


def test_coordinates_the_clerk_typed_are_kept(qtbot, counter):
    counter.lat.setText("42.1")
    counter.long.setText("-71.2")
    counter.address.setText("10 N Main St")
    counter.check_place()
    assert (counter.lat.text(), counter.long.text()) == ("42.1", "-71.2")


def test_an_address_the_register_lacks_is_saved_and_listed(qtbot, counter):
    counter.set_type("feedback")
    counter.description.setPlainText("The new houses on Zebra Rd have no sign")
    counter.address.setText("3 Zebra Rd")
    counter.check_place()
    counter.save()
    saved = ServiceRequest.get()
    assert saved.address_status == "unlisted" and saved.lat is None
    assert [r["address"] for r in register_import.unlisted()] == ["3 Zebra Rd"]


def test_a_suggestion_when_the_directional_is_missing(qtbot, counter):
    counter.address.setText("12 Main St")
    counter.check_place()
    text = counter.place_note.text()
    assert "Did you mean 12 N Main St; 12 S Main St?" in text
