"""The Requests table: a Qt model that reads rows a page at a time from the core's RequestList."""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from desktop.models.request_list import COLUMN_KEYS, COLUMNS, RequestFilter, RequestList, RequestRow
from desktop.models.vocab import CHANNELS, PRIORITIES, STATUSES

PAGE_SIZE = 200
MAX_PAGES = 20  # at most 4,000 rows are held at once, whatever the list's length

ModelIndex = QModelIndex | QPersistentModelIndex
_LABELS: dict[str, dict[str, str]] = {
    "status": STATUSES,
    "priority": PRIORITIES,
    "channel": CHANNELS,
}
_OVERDUE = QColor("#b3261e")


def _display(key: str, value: Any) -> str:
    if value is None:
        return ""
    if key in _LABELS:
        return _LABELS[key].get(str(value), str(value))
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, str) and key.endswith("_at") and len(value) >= 16:
        return value[:16]
    return str(value)


class RequestTableModel(QAbstractTableModel):
    """Keeps the row count and a few pages; fetches a page when the view first shows it."""

    def __init__(self, filters: RequestFilter | None = None, parent: Any = None) -> None:
        super().__init__(parent)
        self._list = RequestList(filters)  # nothing is read until the first sort or refresh
        self._count = 0
        self._pages: OrderedDict[int, list[RequestRow]] = OrderedDict()

    # -- loading ------------------------------------------------------------------------------

    def set_query(self, filters: RequestFilter, sort_key: str, descending: bool) -> None:
        self.beginResetModel()
        self._list = RequestList(filters, sort_key, descending)
        self._pages.clear()
        self._count = self._list.count()
        self.endResetModel()

    def set_filters(self, filters: RequestFilter) -> None:
        self.set_query(filters, self._list.sort_key, self._list.descending)

    def refresh(self) -> None:
        """Read again (another clerk saved something)."""
        self.set_query(self._list.filters, self._list.sort_key, self._list.descending)

    def _row(self, row: int) -> RequestRow | None:
        number = row // PAGE_SIZE
        page = self._pages.get(number)
        if page is None:
            page = self._list.page(number * PAGE_SIZE, PAGE_SIZE)
            self._pages[number] = page
            while len(self._pages) > MAX_PAGES:
                self._pages.popitem(last=False)
        else:
            self._pages.move_to_end(number)
        offset = row % PAGE_SIZE
        return page[offset] if offset < len(page) else None

    def request_id(self, row: int) -> int | None:
        found = self._row(row)
        return None if found is None else found.id

    # -- Qt -----------------------------------------------------------------------------------

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._count

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < self._count:
            return None
        if role not in (
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.ForegroundRole,
            Qt.ItemDataRole.ToolTipRole,
        ):
            return None
        row = self._row(index.row())
        if row is None:
            return None
        key = COLUMN_KEYS[index.column()]
        if role == Qt.ItemDataRole.ForegroundRole:
            return (
                QBrush(_OVERDUE) if row.overdue and key in ("due_at", "tracking_number") else None
            )
        return _display(key, row.values[index.column()])

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(COLUMNS):
            return COLUMNS[section].label
        if orientation == Qt.Orientation.Vertical:
            return section + 1
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(COLUMNS) or not COLUMNS[column].sortable:
            return
        self.set_query(
            self._list.filters, COLUMN_KEYS[column], order == Qt.SortOrder.DescendingOrder
        )
