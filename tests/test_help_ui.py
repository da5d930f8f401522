"""Help (F1): every shortcut the window really has is listed, and the guide is there."""

from __future__ import annotations

import re

import pytest
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication

from desktop.ui.help_dialog import HelpDialog, shortcuts

pytestmark = pytest.mark.usefixtures("no_dialogs")


def _listed() -> set[str]:
    """Each single key combination the help names ("Alt+1, Alt+2" and "Ctrl+1 … Ctrl+7" too)."""
    found: set[str] = set()
    for keys, _where, _what in shortcuts():
        if "…" in keys:
            first, last = (k.strip() for k in keys.split("…"))
            prefix = first.rstrip("0123456789")
            for number in range(int(first[len(prefix) :]), int(last[len(prefix) :]) + 1):
                found.add(f"{prefix}{number}")
            continue
        found.update(k.strip() for k in keys.split(","))
    if "Enter" in found:
        found.add("Return")  # the key is labelled Enter; Qt calls the main one Return
    return found


def test_every_shortcut_of_every_page_is_in_the_help(qtbot, db, tmp_path):
    from desktop.models.setup.first_run import complete_first_run
    from desktop.ui.main_window import MainWindow
    from desktop.ui.prefs import Prefs

    admin = complete_first_run("Alder Falls", "Ada Admin", password="admin password 1")
    window = MainWindow(db, Prefs(tmp_path / "prefs.ini"), lambda: admin)
    qtbot.addWidget(window)
    for index in range(window.stack.count()):
        window.page(index)
    keys: set[str] = set()
    for shortcut in window.findChildren(QShortcut):
        keys.add(shortcut.key().toString(QKeySequence.SequenceFormat.PortableText))
    for action in window.findChildren(QAction):
        for sequence in action.shortcuts():
            keys.add(sequence.toString(QKeySequence.SequenceFormat.PortableText))
    keys.discard("")
    assert keys, "no shortcuts were found: the test would prove nothing"
    listed = _listed()
    missing = sorted(k for k in keys if k not in listed)
    assert not missing, f"shortcuts the help does not list: {missing}"


def test_f1_opens_the_keys_and_the_guide_is_a_tab_away(qtbot, db, tmp_path):
    from desktop.ui.main_window import MainWindow
    from desktop.ui.prefs import Prefs

    window = MainWindow(db, Prefs(tmp_path / "prefs.ini"), lambda: None)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    from PySide6.QtCore import Qt

    qtbot.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_F1)
    dialogs = [w for w in QApplication.topLevelWidgets() if isinstance(w, HelpDialog)]
    assert dialogs and dialogs[-1].isVisible()
    shown = dialogs[-1]
    assert shown.keys.rowCount() == len(shortcuts())
    cell = shown.keys.item(2, 0)
    assert cell is not None and re.search(r"Ctrl\+G", cell.text())
    shown.show_guide()
    assert "first day" in shown.guide.toPlainText()
    shown.close()
