"""The crash dialog: a bug happened; the details can be copied into a report."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import _


class CrashDialog(QDialog):
    """Something went wrong that is our fault: say so, keep the app alive, offer the details."""

    def __init__(self, report: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Front Counter: something went wrong"))
        layout = QVBoxLayout(self)
        text = QLabel(
            _(
                "Front Counter ran into a problem it did not expect. Your saved work is safe, "
                "and the form you were typing is kept as a draft. Please copy the details below "
                "and send them to whoever supports Front Counter in your town."
            )
        )
        text.setWordWrap(True)
        layout.addWidget(text)
        self.details = QPlainTextEdit(report)
        self.details.setReadOnly(True)
        self.details.setMinimumSize(560, 240)
        layout.addWidget(self.details)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        copy = buttons.addButton(_("Copy details"), QDialogButtonBox.ButtonRole.ActionRole)
        copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(report))
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
