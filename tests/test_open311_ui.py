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
