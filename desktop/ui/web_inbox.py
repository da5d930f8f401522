"""Go → Web inbox: requests posted through Open311 that wait for a clerk (when the town reviews
web requests first). Each is accepted (it becomes a request, and the partner's token resolves
to its number), added to a request already open about it, or turned down with a reason the
partner is told."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import _
from desktop.models.errors import KnownError
from desktop.models.partners import inbox
from desktop.models.storage.schema import StaffUser
from desktop.ui.messages import messages


class WebInboxDialog(QDialog):
    """The waiting web requests, oldest first."""

    #: a sentence for the status bar, and the request made or added to ("" when none)
    decided = Signal(str, str)

    def __init__(self, staff: Callable[[], StaffUser | None], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(_("Web inbox"))
        self.staff = staff
        self.tokens: list[str] = []
        self.table = QTableWidget(0, 6)
        self.table.setHorizontalHeaderLabels(
            [
                _("Received"),
                _("From"),
                _("Type"),
                _("Address"),
                _("Maybe the same as"),
                _("What they wrote"),
            ]
        )
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.empty = QLabel(_("Nothing is waiting in the web inbox."))
        self.accept_button = QPushButton(_("&Accept as a request"))
        self.accept_button.clicked.connect(self.accept_chosen)
        self.number = QLineEdit()
        self.number.setPlaceholderText(_("number of the request it is about"))
        self.number.setMinimumWidth(self.number.fontMetrics().horizontalAdvance("m" * 22))
        self.merge_button = QPushButton(_("Add to &that request"))
        self.merge_button.clicked.connect(self.merge_chosen)
        self.reason = QLineEdit()
        self.reason.setPlaceholderText(_("why not, in words the resident can read"))
        self.reject_button = QPushButton(_("&Turn down"))
        self.reject_button.clicked.connect(self.reject_chosen)
        actions = QHBoxLayout()
        actions.addWidget(self.accept_button)
        actions.addSpacing(16)
        actions.addWidget(self.number)
        actions.addWidget(self.merge_button)
        actions.addSpacing(16)
        actions.addWidget(self.reason, 1)
        actions.addWidget(self.reject_button)
        column = QVBoxLayout(self)
        column.addWidget(self.table, 1)
        column.addWidget(self.empty)
        column.addLayout(actions)
        self.resize(1000, 420)
        self.load()

    def load(self) -> None:
        try:
            waiting = inbox.listing(actor=self.staff())
        except KnownError as exc:
            messages.error(self, exc)
            waiting = []
        self.tokens = [w.token for w in waiting]
        self.table.setRowCount(len(waiting))
        for row, post in enumerate(waiting):
            cells = [
                f"{post.received_at:%Y-%m-%d %H:%M}",
                f"{post.partner}: {post.sender}" if post.sender else post.partner,
                post.type_name,
                post.address,
                ", ".join(post.maybe_same),
                post.description,
            ]
            for column, text in enumerate(cells):
                self.table.setItem(row, column, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.empty.setVisible(not waiting)
        if waiting:
            self.table.selectRow(0)
        for button in (self.accept_button, self.merge_button, self.reject_button):
            button.setEnabled(bool(waiting))

    def chosen(self) -> str:
        row = self.table.currentRow()
        return self.tokens[row] if 0 <= row < len(self.tokens) else ""

    def _decide(self, act: Callable[[str], str]) -> None:
        token = self.chosen()
        if not token:
            return
        try:
            sentence = act(token)
        except KnownError as exc:
            messages.error(self, exc)
            return
        self.load()
        self.decided.emit(sentence, "")

    def accept_chosen(self) -> None:
        def act(token: str) -> str:
            made = inbox.accept(token, actor=self.staff())
            return _("Web request accepted as {number}.").format(number=made.tracking_number)

        self._decide(act)

    def merge_chosen(self) -> None:
        def act(token: str) -> str:
            number = self.number.text().strip()
            if not number:
                self.number.setFocus()
                raise KnownError(_("Type the number of the request it is about."))
            target = inbox.merge(token, number, actor=self.staff())
            self.number.clear()
            return _("Web request added to {number}.").format(number=target.tracking_number)

        self._decide(act)

    def reject_chosen(self) -> None:
        def act(token: str) -> str:
            inbox.reject(token, self.reason.text(), actor=self.staff())
            self.reason.clear()
            return _("Web request turned down.")

        self._decide(act)
