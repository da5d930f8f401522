"""A box for a note, an update or a reason, with the town's saved responses to start from.

Its own module: the Requests page and the request's pane open it only when the clerk writes
something, and the window's first paint does without it (and without the dialog classes it
makes PySide build).
"""

from __future__ import annotations

from PySide6.QtGui import QKeySequence, QShortcut, QTextCursor
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import _


class TextDialog(QDialog):
    """A box for a note, an update or a reason: several lines, Ctrl+Enter saves it (as at the
    Counter; Enter is a new line). With saved responses, one picked fills the box, the
    request's fields already in it, to be changed before it is saved."""

    def __init__(
        self,
        parent: QWidget | None,
        title: str,
        label: str,
        saved: list[tuple[str, str]] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.box = QPlainTextEdit()
        self.box.setObjectName("textBox")
        self.box.setMinimumSize(460, 130)
        self.choice = QComboBox()
        self.choice.setObjectName("savedResponses")
        self.choice.addItem(_("(type your own)"), "")
        for name, text in saved or []:
            self.choice.addItem(name, text)
        self.choice.activated.connect(self._use)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        if ok is not None:
            ok.setText(_("OK (Ctrl+Enter)"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        column = QVBoxLayout(self)
        if saved:
            row = QHBoxLayout()
            row.addWidget(QLabel(_("Saved response:")))
            row.addWidget(self.choice, 1)
            column.addLayout(row)
        caption = QLabel(label)
        caption.setWordWrap(True)
        column.addWidget(caption)
        column.addWidget(self.box, 1)
        column.addWidget(buttons)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(keys), self, self.accept)
        self.box.setFocus()

    def _use(self, index: int) -> None:
        text = self.choice.itemData(index)
        if text:
            self.box.setPlainText(str(text))
            self.box.moveCursor(QTextCursor.MoveOperation.End)
        self.box.setFocus()

    def textValue(self) -> str:
        return self.box.toPlainText()
