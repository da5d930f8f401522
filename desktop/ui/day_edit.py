"""A date field a clerk can type into: digits replace the date, year first.

Qt's QDateEdit only takes typed digits over a selected part of the date: clicked into, the
cursor sits between digits and "20260701" is refused key by key, so the field looks broken.
Here the field selects its year whenever it gets the focus, by mouse or keyboard, and the
eight digits of a date fill it in order (year, month, day).
"""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtGui import QFocusEvent
from PySide6.QtWidgets import QDateEdit, QWidget


class DayEdit(QDateEdit):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setDisplayFormat("yyyy-MM-dd")
        self.setCalendarPopup(True)

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        # after the click that gave the focus has placed the cursor
        QTimer.singleShot(0, self._select_year)

    def _select_year(self) -> None:
        if self.hasFocus():
            self.setSelectedSection(QDateEdit.Section.YearSection)
