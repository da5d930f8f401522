"""A date field takes a typed date wherever the click landed in it."""

from __future__ import annotations

from PySide6.QtCore import QDate, QEvent, Qt
from PySide6.QtGui import QFocusEvent
from PySide6.QtWidgets import QApplication

from desktop.ui.day_edit import DayEdit


def test_typed_digits_replace_the_date_year_first(qtbot):
    edit = DayEdit()
    qtbot.addWidget(edit)
    edit.setDate(QDate(2026, 12, 1))
    edit.show()
    qtbot.waitExposed(edit)
    edit.setFocus()
    edit.lineEdit().setCursorPosition(6)  # a click in the middle of the month
    QApplication.sendEvent(edit, QFocusEvent(QEvent.Type.FocusIn, Qt.FocusReason.MouseFocusReason))
    qtbot.waitUntil(lambda: edit.currentSection() == DayEdit.Section.YearSection)
    qtbot.keyClicks(edit, "20260701")
    assert edit.date() == QDate(2026, 7, 1)
