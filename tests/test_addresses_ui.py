"""Settings → Addresses and map: the county's files imported in the background (requests
already here checked against them), the named places added, the depot saved, and a file that
cannot be read said in a sentence."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.models.requests.intake import RequestDraft, create_request
from desktop.models.storage.schema import ServiceRequest
from desktop.models.town.settings import get_setting
from desktop.ui.addresses_box import AddressesBox
from tests.test_register import town_files

pytestmark = pytest.mark.usefixtures("no_dialogs")


@pytest.fixture
def box(qtbot, db):
    made = AddressesBox(lambda: None)
    qtbot.addWidget(made)
    made.load()
    return made


def _import(qtbot, box: AddressesBox, path: Path, what: str) -> None:
    box.ask_path = lambda _parent, _title: path
    with qtbot.waitCallback() as finished:
        box.import_file(what)
        assert box.job is not None
        box.job.finished.connect(finished)


def test_the_registers_files_come_in_and_the_requests_are_checked(qtbot, box, tmp_path):
    points, lines = town_files(tmp_path)
    waiting = create_request(RequestDraft("feedback", "x", address="7 Oak Avenue"), actor=None)
    assert "0 addresses" in box.summary.text()
    _import(qtbot, box, points, "addresses")
    assert "6 of 6 came in" in box.result.text() and "1 found" in box.result.text()
    _import(qtbot, box, lines, "streets")
    assert "6 addresses, 3 pieces of street" in box.summary.text()
    assert ServiceRequest.get_by_id(waiting.id).address_status == "point"

    box.place_name.setText("Memorial Park")
    box.place_at.setText("42.003, -71.004")
    box.place_aliases.setText("the park, park")
    box.add_place()
    assert box.places.rowCount() == 1 and "1 named places" in box.summary.text()
    box.place_name.setText("Library")
    box.place_at.setText("1 Zebra Rd")
    box.add_place()
    assert "not in the address register" in box.result.text()
    assert box.place_name.text() == "Library"  # what was typed stays
    box.remove_place()
    assert "Choose a place" in box.result.text()
    box.places.selectRow(0)
    box.remove_place()
    assert box.places.rowCount() == 0 and "0 named places" in box.summary.text()

    box.depot.setText("10 N Main St")
    box.save_depot()
    assert get_setting("map.depot") == "10 N Main St" and box.result.text() == ""
    box.depot.setText("the yard")
    box.save_depot()
    assert "not an address of the register" in box.result.text()


def test_a_file_that_cannot_be_read_is_a_sentence(qtbot, box, tmp_path):
    bad = tmp_path / "bad.geojson"
    bad.write_text("{nope", encoding="utf-8")
    _import(qtbot, box, bad, "addresses")
    assert "not a GeoJSON file" in box.result.text()
