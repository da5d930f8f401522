"""Supervisors' editors for the knowledge base: call scripts per request type, and the words
residents use for the same thing (synonyms). The rules and the saving live in the core."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import _
from desktop.models import knowledge
from desktop.models.errors import KnownError
from desktop.models.lookups import active_types
from desktop.models.schema import StaffUser

_ASK, _IF_YES, _URGENT = range(3)


class _Rows(QTableWidget):
    """A small editable table with Add row / Remove row (a handful of lines at most)."""

    def __init__(self, headers: list[str]) -> None:
        super().__init__(0, len(headers))
        self.setHorizontalHeaderLabels(headers)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.verticalHeader().setVisible(False)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)

    def add_row(self, values: list[str], checked: bool | None = None) -> None:
        row = self.rowCount()
        self.insertRow(row)
        for column, value in enumerate(values):
            self.setItem(row, column, QTableWidgetItem(value))
        if checked is not None:
            box = QTableWidgetItem()
            box.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled)
            box.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
            self.setItem(row, len(values), box)

    def text(self, row: int, column: int) -> str:
        item = self.item(row, column)
        return item.text() if item is not None else ""

    def checked(self, row: int, column: int) -> bool:
        item = self.item(row, column)
        return item is not None and item.checkState() == Qt.CheckState.Checked

    def remove_selected(self) -> None:
        for row in sorted({i.row() for i in self.selectedIndexes()}, reverse=True):
            self.removeRow(row)


def _buttons(table: _Rows, add: Callable[[], None]) -> QHBoxLayout:
    row = QHBoxLayout()
    more = QPushButton(_("Add a line"))
    more.clicked.connect(add)
    less = QPushButton(_("Remove the selected lines"))
    less.clicked.connect(table.remove_selected)
    row.addWidget(more)
    row.addWidget(less)
    row.addStretch(1)
    return row


class _Editor(QDialog):
    """Shared frame: an error line, the content, Save and Close. Saving keeps the dialog open."""

    def __init__(self, title: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.resize(760, 480)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color:#8c1d18;")
        self.error.hide()
        self.done_text = QLabel()
        self.layout_ = QVBoxLayout(self)
        self.layout_.addWidget(self.error)
        box = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Close
        )
        box.accepted.connect(self.save)
        box.rejected.connect(self.reject)
        self.box = box

    def finish_layout(self) -> None:
        self.layout_.addWidget(self.done_text)
        self.layout_.addWidget(self.box)

    def _run(self, action: Callable[[], Any], done: str) -> bool:
        try:
            action()
        except KnownError as exc:
            self.error.setText(str(exc))
            self.error.show()
            return False
        self.error.hide()
        self.done_text.setText(done)
        return True

    def save(self) -> None:  # pragma: no cover - each editor has its own
        raise NotImplementedError


class CallScriptDialog(_Editor):
    """The steps a clerk follows for one request type, in order, with safety diversions."""

    def __init__(
        self, staff: Callable[[], StaffUser | None], parent: QWidget | None = None
    ) -> None:
        super().__init__(_("Call scripts"), parent)
        self.staff = staff
        self.type = QComboBox()
        for kind in active_types():
            self.type.addItem(kind.name, kind.id)
        self.steps = _Rows([_("Ask"), _("If yes, then"), _("Urgent")])
        self.steps.horizontalHeader().setSectionResizeMode(
            _URGENT, QHeaderView.ResizeMode.ResizeToContents
        )
        top = QHBoxLayout()
        top.addWidget(QLabel(_("Request type:")))
        top.addWidget(self.type, 1)
        self.layout_.addLayout(top)
        self.layout_.addWidget(self.steps, 1)
        self.layout_.addLayout(_buttons(self.steps, lambda: self.steps.add_row(["", ""], False)))
        self.finish_layout()
        self.type.currentIndexChanged.connect(self._type_changed)
        self.load()

    def _type_changed(self, _index: int) -> None:
        self.done_text.clear()
        self.load()

    def load(self) -> None:
        self.steps.setRowCount(0)
        type_id = self.type.currentData()
        if type_id is None:
            return
        for step in knowledge.call_script(int(type_id)):
            self.steps.add_row(
                [str(step.get("ask", "")), str(step.get("if_yes", ""))],
                bool(step.get("urgent")),
            )

    def rows(self) -> list[dict[str, Any]]:
        return [
            {
                "ask": self.steps.text(row, _ASK),
                "if_yes": self.steps.text(row, _IF_YES),
                "urgent": self.steps.checked(row, _URGENT),
            }
            for row in range(self.steps.rowCount())
        ]

    def save(self) -> None:
        type_id = int(self.type.currentData())
        steps = self.rows()
        if self._run(
            lambda: knowledge.save_call_script(type_id, steps, self.staff()),
            _("The call script of {type} was saved.").format(type=self.type.currentText()),
        ):
            self.load()


class SynonymsDialog(_Editor):
    """The words residents use (rats) and what they mean in the knowledge base (rodent)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(_("Words residents use"), parent)
        hint = QLabel(
            _(
                "A search for the word on the left also finds each word on the right "
                "(separate them with commas)."
            )
        )
        hint.setWordWrap(True)
        self.words = _Rows([_("Residents say"), _("The knowledge base says")])
        self.layout_.addWidget(hint)
        self.layout_.addWidget(self.words, 1)
        self.layout_.addLayout(_buttons(self.words, lambda: self.words.add_row(["", ""])))
        self.finish_layout()
        self.load()

    def load(self) -> None:
        self.words.setRowCount(0)
        self.saved_terms = []
        for row in knowledge.synonym_rows():
            self.saved_terms.append(row["term"])
            self.words.add_row([row["term"], ", ".join(row["synonyms"])])

    def save(self) -> None:
        rows = [
            (self.words.text(r, 0).strip().lower(), self.words.text(r, 1))
            for r in range(self.words.rowCount())
        ]
        kept = {term for term, _others in rows if term}

        def apply() -> None:
            for term, others in rows:
                if term:
                    knowledge.save_synonyms(term, others.split(","))
            for term in self.saved_terms:
                if term not in kept:
                    knowledge.delete_synonyms(term)

        if self._run(apply, _("The words were saved; searches use them now.")):
            self.load()
