"""Settings → Get the town ready: what a new town fills in before its first day, each item with
what is left and a button to where it is put right (desktop/models/admin/readiness.py measures
them).

The first run opens it; its tab title counts what is left.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import _
from desktop.models.admin import readiness
from desktop.models.errors import KnownError
from desktop.models.staff import permissions
from desktop.models.storage.schema import StaffUser
from desktop.ui.messages import messages


class ChecklistBox(QWidget):
    """One row an item: a mark, the title, what is left, how to put it right, Go there."""

    #: where to go ("settings:town", "staff", "knowledge:placeholders", …: readiness.WHERE)
    go_to = Signal(str)
    #: the number of items left, each time the list is read
    counted = Signal(int)

    def __init__(
        self,
        staff: Callable[[], StaffUser | None],
        backup_folder: Callable[[], Path | None] = lambda: None,
    ) -> None:
        super().__init__()
        #: who is signed in at this workstation: the actor of every save here
        self.staff = staff
        self.backup_folder = backup_folder
        self.items: list[readiness.ReadyItem] = []
        self.summary = QLabel()
        self.summary.setObjectName("checklistSummary")
        self.summary.setWordWrap(True)
        self.summary.setStyleSheet("font-size: 13pt; font-weight: bold;")
        intro = QLabel(
            _(
                "What a new town fills in before its first day at the counter. Each item is "
                "measured from the database, so it is ticked as soon as it is done; office hours "
                "and the printer only need a look, then Confirm."
            )
        )
        intro.setWordWrap(True)
        self.rows = QGridLayout()
        self.rows.setColumnStretch(1, 1)
        self.rows.setVerticalSpacing(10)
        refresh = QPushButton(_("&Check again"))
        refresh.clicked.connect(self.load)
        column = QVBoxLayout(self)
        column.addWidget(self.summary)
        column.addWidget(intro)
        column.addLayout(self.rows)
        buttons = QHBoxLayout()
        buttons.addWidget(refresh)
        buttons.addStretch(1)
        column.addLayout(buttons)
        column.addStretch(1)

    def load(self) -> None:
        try:
            self.items = readiness.checklist(self.backup_folder())
        except KnownError as exc:
            messages.error(self, exc)
            return
        while self.rows.count():
            taken = self.rows.takeAt(0)
            widget = taken.widget() if taken is not None else None
            if widget is not None:
                widget.deleteLater()
        for row, item in enumerate(self.items):
            self._row(row, item)
        left = readiness.items_left(self.items)
        self.summary.setText(
            _("Ready: every item is done.")
            if left == 0
            else _("{left} of {total} left to do.").format(left=left, total=len(self.items))
        )
        self.counted.emit(left)

    def _row(self, row: int, item: readiness.ReadyItem) -> None:
        mark = QLabel("✔" if item.done else "○")
        mark.setObjectName(f"mark_{item.key}")
        mark.setStyleSheet(
            "color:#1a7f37; font-size:16pt;" if item.done else "color:#b3261e; font-size:16pt;"
        )
        mark.setAlignment(Qt.AlignmentFlag.AlignTop)
        text = QFrame()
        lines = QVBoxLayout(text)
        lines.setContentsMargins(0, 0, 0, 0)
        lines.setSpacing(1)
        title = QLabel(item.title)
        title.setObjectName(f"item_{item.key}")
        title.setTextFormat(Qt.TextFormat.PlainText)
        title.setStyleSheet("font-weight: bold;")
        lines.addWidget(title)
        if not item.done:
            for sentence in (item.left, item.how):
                line = QLabel(sentence)
                line.setTextFormat(Qt.TextFormat.PlainText)
                line.setWordWrap(True)
                lines.addWidget(line)
        actions = QFrame()
        box = QVBoxLayout(actions)
        box.setContentsMargins(0, 0, 0, 0)
        go = QPushButton(_("Go there"))
        go.setObjectName(f"go_{item.key}")
        go.clicked.connect(lambda _c=False, where=readiness.WHERE[item.key]: self.go_to.emit(where))
        box.addWidget(go)
        if item.key in readiness.CONFIRMED:
            confirm = QPushButton(_("Undo confirm") if item.done else _("Confirm"))
            confirm.setObjectName(f"confirm_{item.key}")
            confirm.setEnabled(permissions.can(self.staff(), permissions.SETTINGS_EDIT))
            confirm.clicked.connect(
                lambda _c=False, key=item.key, undo=item.done: self.confirm(key, undo)
            )
            box.addWidget(confirm)
        box.addStretch(1)
        self.rows.addWidget(mark, row, 0)
        self.rows.addWidget(text, row, 1)
        self.rows.addWidget(actions, row, 2)

    def confirm(self, key: str, undo: bool = False) -> None:
        try:
            readiness.confirm(key, actor=self.staff(), undo=undo)
        except KnownError as exc:
            messages.error(self, exc)
            return
        self.load()
