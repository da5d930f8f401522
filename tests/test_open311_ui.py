"""Settings → Partners (Open311) in the window: serving from this workstation (off by default, a
status bar line while on, remembered for the next start, stopped with the window), a port that
is taken said in a sentence, and the partners' keys made and revoked."""

from __future__ import annotations

import json
import socket
import urllib.request

import pytest
from PySide6.QtWidgets import QApplication

from desktop.models.partners import keys
from desktop.models.setup.demo import generate_demo
from desktop.ui.main_window import MainWindow
from desktop.ui.prefs import Prefs

pytestmark = pytest.mark.usefixtures("no_dialogs")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def window(qtbot, db, tmp_path):
    generate_demo(30, seed=3, actor=None)
    prefs = Prefs(tmp_path / "cfg" / "fc.ini")
    made = MainWindow(db, prefs, signed_in=lambda: None)
    qtbot.addWidget(made)
    yield made
    made.close()


def partners(window: MainWindow):  # the Settings tab
    window.go_to_area("settings:partners")
    page = window.settings_page
    page.go_to("settings:partners")
    return page.open311


def test_serving_is_off_until_asked_then_on_and_remembered(window, qtbot, tmp_path):
    assert not window.open311.serving and not window.open311_label.isVisible()
    box = partners(window)
    assert "Not serving" in box.state.text()
    port = _free_port()
    box.serve.setChecked(True)
    box.port.setValue(port)
    with qtbot.waitSignal(window.open311.changed):
        box.apply_button.click()
    assert window.open311.serving
    assert window.open311_label.text() == f"Open311: serving at http://127.0.0.1:{port}/open311/"
    assert "Serving at" in box.state.text()
    url = f"http://127.0.0.1:{port}/open311/v2/services.json"
    with urllib.request.urlopen(url, timeout=30) as answer:  # loopback
        assert json.loads(answer.read())
    prefs = Prefs(tmp_path / "cfg" / "fc.ini")
    assert prefs.get("open311/serve") is True and prefs.get("open311/port") == port

    with qtbot.waitSignal(window.open311.changed):
        window.close()  # the next town opened is not served by this window's server
    with pytest.raises(OSError):
        urllib.request.urlopen(url, timeout=5)


def test_the_next_start_serves_again_and_a_taken_port_is_a_sentence(qtbot, db, tmp_path):
    prefs = Prefs(tmp_path / "cfg" / "fc.ini")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        prefs.set("open311/serve", True)
        prefs.set("open311/port", taken.getsockname()[1])
        window = MainWindow(db, prefs, signed_in=lambda: None)
        qtbot.addWidget(window)
        assert not window.open311.serving
        assert "port" in window.statusBar().currentMessage()
        window.close()
    free = _free_port()
    prefs.set("open311/port", free)
    window = MainWindow(db, prefs, signed_in=lambda: None)
    qtbot.addWidget(window)
    try:
        assert window.open311.serving and str(free) in window.open311_label.text()
    finally:
        window.close()
    assert not window.open311.serving


def test_keys_are_made_shown_once_and_revoked(window, qtbot):
    box = partners(window)
    box.partner.setText("Town website")
    box.add_key()
    (made,) = keys.list_keys(actor=None)
    assert made.name == "Town website" and made.key_start in box.made.text()
    clipboard = QApplication.clipboard()
    secret = clipboard.text()
    assert secret.startswith(made.key_start) and secret in box.made.text()
    assert box.keys.rowCount() == 1 and box.keys.item(0, 0).text() == "Town website"
    box.add_key()  # no name typed: a sentence, nothing made
    assert len(keys.list_keys(actor=None)) == 1
    box.keys.selectRow(0)
    box.revoke()  # confirmed (no dialogs in tests)
    assert keys.list_keys(actor=None)[0].revoked
    assert box.keys.item(0, 3).text() == "revoked"


def test_a_clerk_works_the_web_inbox(window, qtbot):
    from desktop.models.partners import georeport, inbox
    from desktop.models.storage.schema import ServiceRequest
    from desktop.models.town.settings import get_setting

    box = partners(window)
    box.load()
    assert not box.review.isChecked()
    box.review.setChecked(True)  # saved at once
    assert get_setting("open311.review_first") is True
    _info, key = keys.add_key("Town website", actor=None)
    form = {"api_key": key, "service_code": "pothole", "address_string": "9 Elm St",
            "attribute": {"size": "large", "in_lane": "yes"}}  # fmt: skip
    tokens = [
        georeport.post_request({**form, "description": words})["token"]
        for words in ("Hole one", "Hole two", "Not a pothole")
    ]
    before = ServiceRequest.select().count()
    dialog = window.show_web_inbox()
    qtbot.addWidget(dialog)
    assert dialog.table.rowCount() == 3 and dialog.table.item(0, 5).text() == "Hole one"
    with qtbot.waitSignal(dialog.decided):
        dialog.accept_button.click()
    made = ServiceRequest.select().order_by(ServiceRequest.id.desc()).get()
    assert made.description == "Hole one" and ServiceRequest.select().count() == before + 1
    assert dialog.table.rowCount() == 2
    dialog.merge_button.click()  # no number typed: a sentence, nothing decided
    assert dialog.table.rowCount() == 2
    dialog.number.setText(made.tracking_number)
    with qtbot.waitSignal(dialog.decided):
        dialog.merge_button.click()
    assert inbox.resolve_token(tokens[1])[1] == made.tracking_number
    dialog.reject_button.click()  # no reason: a sentence
    assert dialog.table.rowCount() == 1
    dialog.reason.setText("It is a sidewalk crack: please report it as one.")
    with qtbot.waitSignal(dialog.decided):
        dialog.reject_button.click()
    assert dialog.table.rowCount() == 0 and dialog.empty.isVisible()
    assert inbox.resolve_token(tokens[2])[0] == inbox.REJECTED
    assert "turned down" in window.statusBar().currentMessage()
