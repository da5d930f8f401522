"""The Requests table: a Qt model that reads rows a page at a time from the core's RequestList.

Its column titles are the header's own (qt_early.header_labels), not asked of Python.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any

from PySide6 import QtCore
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex
from PySide6.QtGui import QColor

from desktop import i18n
from desktop.i18n import _
from desktop.models.catalog import translations
from desktop.models.requests.listing import (
    COLUMN_KEYS,
    COLUMNS,
    RequestFilter,
    RequestList,
    RequestRow,
)
from desktop.models.storage.schema import StaffUser
from desktop.models.vocab import CHANNELS, PRIORITIES, STATUSES

#: rows read at a time: a screenful is about 30, and reading 100 takes 1.5-2 ms on the 1M town
#: (200 took 3.5-6 ms, paid before the window's first paint)
PAGE_SIZE = 100
MAX_PAGES = 40  # at most 4,000 rows are held at once, whatever the list's length
#: how far from the row it was near a request shown is looked for after the list is read
#: again (a filter, a sort, another clerk's save): it stays shown and selected within it
FIND_REACH = 200

ModelIndex = QModelIndex | QPersistentModelIndex
_LABELS: dict[str, Mapping[str, str]] = {
    "status": STATUSES,
    "priority": PRIORITIES,
    "channel": CHANNELS,
}
# the text's colour as a QColor, which the delegate takes as a brush (a QBrush made here had
# PySide build QGradient and its 180 presets at start-up, 1.4 ms)
_OVERDUE_COLOR = QColor("#b3261e")
_STATUS = COLUMN_KEYS.index("status")
_PAUSED_COLOR = QColor("#6b4f00")
_MARKED_WHEN_OVERDUE = frozenset(COLUMN_KEYS.index(k) for k in ("due_at", "tracking_number"))
# Qt.ItemDataRole's DisplayRole and ForegroundRole (naming `Qt` builds it: qt_early.py)
_DISPLAY = 0
_FOREGROUND = 9


#: the catalog's names in this window's language, by the name the database keeps
_NAMES: dict[str, dict[str, str]] = {}


def _display(key: str, value: Any) -> str:
    if value is None:
        return ""
    if key in _NAMES:
        return _NAMES[key].get(str(value), str(value))
    if key in _LABELS:
        return _LABELS[key].get(str(value), str(value))
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, str) and key.endswith("_at") and len(value) >= 16:
        return value[:16]
    return str(value)


class _ShownRow:
    """A row from the core, its cells turned into text once, when the row is first shown."""

    __slots__ = ("_shown", "request")

    def __init__(self, request: RequestRow) -> None:
        self.request = request
        self._shown: tuple[str, ...] | None = None

    @property
    def shown(self) -> tuple[str, ...]:
        if self._shown is None:
            values = zip(COLUMN_KEYS, self.request.values, strict=True)
            shown = [_display(k, v) for k, v in values]
            if self.request.paused:  # the clock is stopped: said in the Status column
                shown[_STATUS] = _("{status} (paused)").format(status=shown[_STATUS])
            self._shown = tuple(shown)
        return self._shown


class RequestTableModel(QAbstractTableModel):
    """Keeps the row count and a few pages; fetches a page when the view first shows it."""

    def __init__(
        self,
        filters: RequestFilter | None = None,
        parent: Any = None,
        *,
        staff: Callable[[], StaffUser | None],
    ) -> None:
        super().__init__(parent)
        #: who is signed in: a confidential reporter is shown only to the roles that need them
        self._staff = staff
        self._list = RequestList(filters)  # nothing is read until the first sort or refresh
        self._count = 0
        self._pages: OrderedDict[int, list[_ShownRow]] = OrderedDict()

    # -- loading ------------------------------------------------------------------------------

    def set_query(self, filters: RequestFilter, sort_key: str, descending: bool) -> None:
        self.beginResetModel()
        _NAMES.clear()
        _NAMES.update(translations.shown_names(i18n.workstation_language()))
        self._list = RequestList(filters, sort_key, descending)
        self._pages.clear()
        self._count = self._list.count()
        self.endResetModel()

    def set_filters(self, filters: RequestFilter) -> None:
        self.set_query(filters, self._list.sort_key, self._list.descending)

    def refresh(self) -> None:
        """Read again (another clerk saved something)."""
        self.set_query(self._list.filters, self._list.sort_key, self._list.descending)

    @property
    def sort_key(self) -> str:
        return self._list.sort_key

    @property
    def descending(self) -> bool:
        return self._list.descending

    @property
    def capped(self) -> bool:
        """A search matched more than it lists (only the newest are shown)."""
        return self._list.capped

    @property
    def filters(self) -> RequestFilter:
        return self._list.filters

    def row_id(self, row: int) -> int | None:
        """The request id shown in `row`."""
        if not 0 <= row < self._count:
            return None
        shown = self._row(row)
        return None if shown is None else shown.request.id

    def row_of(self, request_id: int, near: int = 0) -> int | None:
        """The row showing `request_id`, looked for in the pages held and in the FIND_REACH
        rows from the page around `near`, read a page at a time until it is found."""
        if self._count == 0:
            return None
        first = max(0, min(near, self._count - 1)) // PAGE_SIZE
        last = min(self._count - 1, first * PAGE_SIZE + FIND_REACH - 1) // PAGE_SIZE
        for number in range(first, last + 1):
            self._row(number * PAGE_SIZE)  # read the page if it is not held
            for held, page in self._pages.items():
                for offset, shown in enumerate(page):
                    if shown.request.id == request_id:
                        return held * PAGE_SIZE + offset
        return None

    def _row(self, row: int) -> _ShownRow | None:
        number = row // PAGE_SIZE
        page = self._pages.get(number)
        if page is None:
            page = [
                _ShownRow(found)
                for found in self._list.page(number * PAGE_SIZE, PAGE_SIZE, actor=self._staff())
            ]
            self._pages[number] = page
            while len(self._pages) > MAX_PAGES:
                self._pages.popitem(last=False)
        else:
            self._pages.move_to_end(number)
        offset = row % PAGE_SIZE
        return page[offset] if offset < len(page) else None

    # -- Qt -----------------------------------------------------------------------------------

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._count

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: ModelIndex, role: int = _DISPLAY) -> Any:
        # called for each of nine roles of every cell painted, thousands of times a second
        # while scrolling: the strings are made once a row, roles compared as plain numbers
        if role == _DISPLAY:
            row = self._row(index.row()) if 0 <= index.row() < self._count else None
            return None if row is None else row.shown[index.column()]
        if role != _FOREGROUND:
            return None
        column = index.column()
        if column in _MARKED_WHEN_OVERDUE:
            row = self._row(index.row()) if 0 <= index.row() < self._count else None
            return _OVERDUE_COLOR if row is not None and row.request.overdue else None
        if column == _STATUS:
            row = self._row(index.row()) if 0 <= index.row() < self._count else None
            return _PAUSED_COLOR if row is not None and row.request.paused else None
        return None

    def sort(self, column: int, order: QtCore.Qt.SortOrder | None = None) -> None:
        """Sort by a column (`order`: ascending when not given)."""
        if not 0 <= column < len(COLUMNS) or not COLUMNS[column].sortable:
            return
        descending = order == QtCore.Qt.SortOrder.DescendingOrder
        self.set_query(self._list.filters, COLUMN_KEYS[column], descending)
