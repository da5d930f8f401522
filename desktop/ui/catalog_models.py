"""Qt models over the catalog: the request types (with a filter), a type's questions, and the
departments. The catalog is a town's reference data (tens of rows, a few hundred at most), so
each model holds plain rows read once per load; the core does every check and save."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QBrush, QColor, QFont

from desktop.i18n import N_, _
from desktop.models.storage.schema import Department, ServiceAttribute, ServiceType, StaffUser
from desktop.models.vocab import DATATYPES

ModelIndex = QModelIndex | QPersistentModelIndex
#: the code (a type's, a question's, a department's) of a row
CODE_ROLE = Qt.ItemDataRole.UserRole + 1
#: the words a type is found by in the filter box
SEARCH_ROLE = Qt.ItemDataRole.UserRole + 2
_RETIRED = QBrush(QColor("#6b6b6b"))


def _italic() -> QFont:
    font = QFont()
    font.setItalic(True)
    return font


class _RowsModel(QAbstractTableModel):
    """A table of plain rows with fixed headers (the part the three models share)."""

    HEADERS: tuple[str, ...] = ()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[Any] = []

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's default
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(self.HEADERS)
        ):
            return _(self.HEADERS[section])
        return None

    def _set_rows(self, rows: list[Any]) -> None:
        self.beginResetModel()
        self._rows = rows
        self.endResetModel()

    def row_of(self, code: str) -> int | None:
        for number, row in enumerate(self._rows):
            if row.code == code:
                return number
        return None

    def code_at(self, row: int) -> str | None:
        return self._rows[row].code if 0 <= row < len(self._rows) else None

    def _row(self, index: ModelIndex) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        return self._rows[index.row()]


@dataclass(frozen=True)
class TypeRow:
    code: str
    name: str
    group: str
    department: str
    keywords: str
    active: bool


class TypesModel(_RowsModel):
    """Every request type: its name and department; retired ones greyed."""

    HEADERS = (N_("Request type"), N_("Department"))

    def load(self, kinds: list[ServiceType]) -> None:
        self._set_rows(
            [
                TypeRow(k.code, k.name, k.group_name, k.department.name, k.keywords, k.active)
                for k in kinds
            ]
        )

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        row: TypeRow | None = self._row(index)
        if row is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return row.name if row.active else _("{name} (retired)").format(name=row.name)
            return row.department
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{row.code} — {row.group}" if row.group else row.code
        if role == Qt.ItemDataRole.ForegroundRole and not row.active:
            return _RETIRED
        if role == Qt.ItemDataRole.FontRole and not row.active:
            return _italic()
        if role == CODE_ROLE:
            return row.code
        if role == SEARCH_ROLE:
            return " ".join((row.name, row.code, row.group, row.department, row.keywords)).lower()
        return None

    def is_active(self, row: int) -> bool:
        return bool(0 <= row < len(self._rows) and self._rows[row].active)


class TypeFilter(QSortFilterProxyModel):
    """The types with a word starting with each word typed, in their name, code, group,
    department or keywords; the retired ones only when asked for."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._words: list[str] = []
        self._retired = True

    def set_text(self, text: str) -> None:
        self._change(lambda: setattr(self, "_words", text.lower().split()))

    def set_show_retired(self, show: bool) -> None:
        self._change(lambda: setattr(self, "_retired", show))

    def _change(self, change: Callable[[], None]) -> None:
        """Filter again after `change` (Qt 6.10 has begin/endFilterChange for it)."""
        if hasattr(self, "beginFilterChange"):
            self.beginFilterChange()
            change()
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:  # older Qt
            change()
            self.invalidateFilter()

    def filterAcceptsRow(self, source_row: int, source_parent: ModelIndex) -> bool:
        model = self.sourceModel()
        if not isinstance(model, TypesModel):
            return True
        if not self._retired and not model.is_active(source_row):
            return False
        found = str(model.index(source_row, 0, source_parent).data(SEARCH_ROLE) or "")
        words = found.replace(",", " ").split()
        # every word typed starts a word of the type's ("pot" finds Pothole, not "spot")
        return all(any(w.startswith(typed) for w in words) for typed in self._words)


@dataclass(frozen=True)
class QuestionRow:
    code: str
    label: str
    kind: str
    required: bool
    version: int


class QuestionsModel(_RowsModel):
    """A type's questions in the order the Counter asks them."""

    HEADERS = (N_("Question"), N_("Answer"), N_("Required"), N_("Code"))

    def load(self, attributes: list[ServiceAttribute]) -> None:
        self._set_rows(
            [
                QuestionRow(
                    a.code,
                    a.label,
                    DATATYPES.get(a.datatype, a.datatype) if a.variable else _("(information)"),
                    a.required,
                    a.version,
                )
                for a in attributes
            ]
        )

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        row: QuestionRow | None = self._row(index)
        if row is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return (row.label, row.kind, _("yes") if row.required else "", row.code)[index.column()]
        if role == CODE_ROLE:
            return row.code
        if role == Qt.ItemDataRole.ToolTipRole:
            return row.label
        return None

    def version_at(self, row: int) -> int | None:
        return self._rows[row].version if 0 <= row < len(self._rows) else None


@dataclass(frozen=True)
class DepartmentRow:
    code: str
    name: str
    types: int
    assignee: str
    active: bool


class DepartmentsModel(_RowsModel):
    """Every department: how many active types it has and who gets their requests."""

    HEADERS = (N_("Department"), N_("Code"), N_("Active types"), N_("Default assignee"))

    def load(
        self, departments: list[Department], counts: dict[int, int], staff: dict[int, StaffUser]
    ) -> None:
        rows = []
        for d in departments:
            person = staff.get(d.default_assignee_id) if d.default_assignee_id else None
            who = person.full_name if person is not None else ""
            if person is not None and not person.active:
                who = _("{name} (no longer works here)").format(name=who)
            rows.append(DepartmentRow(d.code, d.name, counts.get(d.id, 0), who, d.active))
        self._set_rows(rows)

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        row: DepartmentRow | None = self._row(index)
        if row is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            name = row.name if row.active else _("{name} (retired)").format(name=row.name)
            return (name, row.code, str(row.types), row.assignee)[index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() == 2:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and not row.active:
            return _RETIRED
        if role == CODE_ROLE:
            return row.code
        return None
