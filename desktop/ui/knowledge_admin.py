"""Supervisors' editors for the knowledge base: call scripts per request type, the words
residents use for the same thing (synonyms), and the placeholders the town fills in once. The
rules and the saving live in the core."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import _, ngettext
from desktop.models.errors import KnownError
from desktop.models.knowledge import articles as knowledge
from desktop.models.knowledge import exchange as kb_exchange
from desktop.models.knowledge import placeholders as kb_placeholders
from desktop.models.requests.lookups import active_types
from desktop.models.storage.schema import StaffUser

_ASK, _IF_YES, _URGENT = range(3)
_NAME, _VALUE, _USED = range(3)
_Index = QModelIndex | QPersistentModelIndex
#: how an unfilled placeholder stands out in the editor
UNFILLED_BACKGROUND = "#fde7e5"
UNFILLED_TEXT = "#8c1d18"


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
        self.version = knowledge.call_script_version(int(type_id))
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
            lambda: knowledge.save_call_script(
                type_id, steps, self.staff(), expected_version=self.version
            ),
            _("The call script of {type} was saved.").format(type=self.type.currentText()),
        ):
            self.load()


class SynonymsDialog(_Editor):
    """The words the knowledge base uses (dog) and the other ways residents say them
    (pitbull, pooch, puppy)."""

    def __init__(
        self, staff: Callable[[], StaffUser | None], parent: QWidget | None = None
    ) -> None:
        super().__init__(_("Words residents use"), parent)
        #: who is signed in at this workstation: the actor of every save here
        self.staff = staff
        hint = QLabel(
            _(
                "Each line is a word the articles use and the other ways residents say it "
                "(separate them with commas). A caller saying any word on the right is also "
                "searched for the word on the left (“pitbull” finds “dog”); the word on the "
                "left also finds each single word on the right (“garbage” finds “trash”)."
            )
        )
        hint.setWordWrap(True)
        self.words = _Rows([_("Word"), _("Other ways residents say it")])
        self.layout_.addWidget(hint)
        self.layout_.addWidget(self.words, 1)
        self.layout_.addLayout(_buttons(self.words, lambda: self.words.add_row(["", ""])))
        self.finish_layout()
        self.load()

    def load(self) -> None:
        self.words.setRowCount(0)
        self.seen = knowledge.synonyms_seen()
        for row in kb_exchange.synonym_rows():
            self.words.add_row([row["term"], ", ".join(row["synonyms"])])

    def save(self) -> None:
        rows = [
            (self.words.text(r, 0).strip().lower(), self.words.text(r, 1).split(","))
            for r in range(self.words.rowCount())
        ]
        if self._run(
            lambda: knowledge.replace_synonyms(rows, self.seen, actor=self.staff()),
            _("The words were saved; searches use them now."),
        ):
            self.load()


class PlaceholderModel(QAbstractTableModel):
    """The placeholders, their values (editable, except those from Settings) and where each is
    used. Edits are kept here until saved; unfilled ones stand out."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[kb_placeholders.Placeholder] = []
        self.edits: dict[str, str] = {}

    def load(self, rows: list[kb_placeholders.Placeholder]) -> None:
        self.beginResetModel()
        self.rows, self.edits = rows, {}
        self.endResetModel()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else 3

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if role != Qt.ItemDataRole.DisplayRole or orientation != Qt.Orientation.Horizontal:
            return None
        return (
            (_("Placeholder"), _("The town's text"), _("Used in"))[section] if section < 3 else None
        )

    def value(self, row: int) -> str:
        placeholder = self.rows[row]
        return self.edits.get(placeholder.name, placeholder.value)

    def unfilled(self) -> int:
        return sum(1 for row in range(len(self.rows)) if not self.value(row).strip())

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        placeholder, column = self.rows[index.row()], index.column()
        value = self.value(index.row())
        empty = not value.strip()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == _NAME:
                return "{" + placeholder.name + "}"
            if column == _VALUE:
                if empty:
                    return _("(not filled in)")
                return value + (_("  (from Settings)") if placeholder.setting else "")
            shown = placeholder.used_in[:2]
            more = len(placeholder.used_in) - len(shown)
            return "; ".join(shown) + (_("; and {n} more").format(n=more) if more > 0 else "")
        if role == Qt.ItemDataRole.EditRole and column == _VALUE:
            return value
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == _USED:
                return "\n".join(placeholder.used_in) or _("Not used by any article or script.")
            if placeholder.setting:
                return _("Comes from the town settings: change it in Settings.")
            return None
        if role == Qt.ItemDataRole.BackgroundRole and empty:
            return QBrush(QColor(UNFILLED_BACKGROUND))
        if role == Qt.ItemDataRole.ForegroundRole and empty and column != _USED:
            return QBrush(QColor(UNFILLED_TEXT))
        if role == Qt.ItemDataRole.FontRole and empty and column == _NAME:
            font = QFont()
            font.setBold(True)
            return font
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() == _VALUE and not self.rows[index.row()].setting:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def setData(self, index: _Index, value: object, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid() or index.column() != _VALUE:
            return False
        placeholder = self.rows[index.row()]
        if placeholder.setting:
            return False
        self.edits[placeholder.name] = str(value)
        self.dataChanged.emit(self.index(index.row(), 0), self.index(index.row(), 2))
        return True

    def mark_saved(self, name: str, text: str) -> None:
        """A saved edit becomes the value shown (so a later failure does not save it twice)."""
        for row, placeholder in enumerate(self.rows):
            if placeholder.name == name:
                self.rows[row] = dataclasses.replace(placeholder, value=text)
                self.edits.pop(name, None)
                self.dataChanged.emit(self.index(row, 0), self.index(row, 2))

    def changed(self) -> list[tuple[str, str, str]]:
        """(name, new text, the text shown before) of each edited placeholder."""
        return [
            (p.name, self.edits[p.name], p.value)
            for p in self.rows
            if p.name in self.edits and self.edits[p.name] != p.value
        ]


class PlaceholdersDialog(_Editor):
    """Every {placeholder} the articles and call scripts use: the town's text for it and where
    it is used. Unfilled ones come first and stand out; the count says how many are left."""

    def __init__(
        self, staff: Callable[[], StaffUser | None], parent: QWidget | None = None
    ) -> None:
        super().__init__(_("Placeholders the town fills in"), parent)
        self.resize(900, 560)
        self.staff = staff
        self.count = QLabel()
        self.count.setObjectName("placeholderCount")
        self.count.setWordWrap(True)
        hint = QLabel(
            _(
                "Articles and call scripts say {on_call_phone}, {pickup_days}…: type the town's "
                "text once here (double-click a line). The town's name, phone, address, email "
                "and website come from Settings."
            )
        )
        hint.setWordWrap(True)
        self.model = PlaceholderModel()
        self.table = QTableView()
        self.table.setObjectName("placeholders")
        self.table.setModel(self.model)
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(
            _NAME, QHeaderView.ResizeMode.ResizeToContents
        )
        self.table.horizontalHeader().setSectionResizeMode(_VALUE, QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setSectionResizeMode(_USED, QHeaderView.ResizeMode.Stretch)
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        self.layout_.addWidget(self.count)
        self.layout_.addWidget(hint)
        self.layout_.addWidget(self.table, 1)
        self.finish_layout()
        self.model.dataChanged.connect(lambda *_args: self._show_count())
        self.load()

    def load(self) -> None:
        try:
            self.model.load(kb_placeholders.placeholders())
        except KnownError as exc:
            self.error.setText(str(exc))
            self.error.show()
        self._show_count()

    def _show_count(self) -> None:
        left, total = self.model.unfilled(), self.model.rowCount()
        if left:
            self.count.setText(
                _(
                    "{left} of {total} placeholders are not filled in: clerks see "
                    "“[to fill in: …]” where they are used."
                ).format(left=left, total=total)
            )
            self.count.setStyleSheet(f"color:{UNFILLED_TEXT}; font-weight:bold;")
        else:
            self.count.setText(_("All {total} placeholders are filled in.").format(total=total))
            self.count.setStyleSheet("")

    def save(self) -> None:
        changes = self.model.changed()

        def apply() -> None:
            for name, text, before in changes:
                saved = kb_placeholders.set_value(name, text, self.staff(), expected=before)
                self.model.mark_saved(name, saved.value)

        if self._run(
            apply,
            ngettext(
                "{n} placeholder was saved.", "{n} placeholders were saved.", len(changes)
            ).format(n=len(changes)),
        ):
            self.load()
