"""Someone else saved first: the clerk's change and the newer version side by side, and a choice.

The rows come from the core (`request_edit.conflict_lines`); nothing is overwritten until the
clerk chooses "Apply mine on top", and "Keep theirs" drops only the clerk's change.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import _
from desktop.models.errors import ConflictError
from desktop.models.requests.edit import conflict_lines
from desktop.models.storage.schema import ServiceRequest


class ConflictDialog(QDialog):
    """Your change | the newer version, per field; accepted means "apply mine on top"."""

    def __init__(
        self,
        error: ConflictError,
        what: str,
        seen: ServiceRequest | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Someone else changed this request"))
        self.setObjectName("conflictDialog")
        layout = QVBoxLayout(self)
        intro = QLabel(str(error))
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(intro)
        self.lines = conflict_lines(error, seen)
        self.table = QTableWidget(len(self.lines), 3)
        self.table.setObjectName("conflictTable")
        self.table.setHorizontalHeaderLabels([_("What"), _("Your change"), _("Saved meanwhile")])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(True)
        for row, (label, yours, theirs) in enumerate(self.lines):
            for column, text in enumerate((label, yours, theirs)):
                item = QTableWidgetItem(text if len(text) < 400 else text[:400] + "…")
                item.setToolTip(text[:2000])
                if column and yours != theirs:
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                self.table.setItem(row, column, item)
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setStretchLastSection(True)
        if self.lines:
            layout.addWidget(self.table)
        else:
            self.table.hide()
        said = QLabel(_("Your change: {what}").format(what=what))
        said.setWordWrap(True)
        said.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(said)
        buttons = QDialogButtonBox()
        self.apply_button = QPushButton(_("Apply mine on top"))
        self.apply_button.setObjectName("applyMine")
        self.keep_button = QPushButton(_("Keep theirs"))
        self.keep_button.setObjectName("keepTheirs")
        buttons.addButton(self.apply_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.keep_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.apply_button.setAutoDefault(False)
        self.keep_button.setDefault(True)  # Enter never overwrites by accident
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(640, 160 + 34 * max(len(self.lines), 1))
