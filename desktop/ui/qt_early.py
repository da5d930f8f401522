"""Qt's enums set before the window's first paint, without PySide building its `Qt` namespace.

PySide builds a class, and every enum in it as a Python enum, the first time anything names
it. `Qt` is the largest: 93 enums, 14-15 ms, about 6% of the window's start on the 1M town
(issue 22), and the bare window the start is measured against never builds it. It is built:
- when a module names `Qt` (an import, a default argument, a constant);
- when Python code is handed one of its enums (a model's `headerData` is told the header's
  orientation);
- when PySide checks a call's overloads against one (`QAction.setShortcut`, whose overloads
  include a `Qt.Key`).

So the first page sets what it needs of `Qt` another way:
- an enum property is set by its key's name, through Qt's meta-object system (`set_enum`);
- the list's column titles come from a model of Qt's own, not from Python (`header_labels`);
- the list's sort arrow is set through the header's saved state (`show_sort`).

Everything after the first paint names `QtCore.Qt` where it is used, and the namespace is
built when the window is idle (`build_namespace`), before the clerk's first key needs it.
tests/test_layers.py checks that the first paint never builds it.
"""

from __future__ import annotations

import struct

from PySide6 import QtCore
from PySide6.QtCore import QByteArray, QObject
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import QHeaderView, QTableView

#: the window is idle this long after it is built: `Qt` is built then (see `build_namespace`)
NAMESPACE_AFTER_MS = 700

#: the start of a QHeaderView's saved state (`QHeaderView::saveState`, the same since Qt 4):
#: a marker, a version, then the orientation, the sort order and the sorted section, each a
#: big-endian 32-bit integer
_STATE = struct.Struct(">iiiii")
_MARKER, _VERSION = 0x00FF, 0
_HORIZONTAL = 1  # Qt::Horizontal
_ASCENDING, _DESCENDING = 0, 1  # Qt::AscendingOrder, Qt::DescendingOrder


def set_enum(target: QObject, name: str, key: str) -> None:
    """Set `target`'s enum property `name` to the value named `key` (as written in Qt's
    documentation, without the enum's name: "ApplicationShortcut")."""
    if not target.setProperty(name, key):
        raise ValueError(f"{type(target).__name__} has no property {name} taking {key}")


def header_labels(table: QTableView, labels: list[str]) -> QStandardItemModel:
    """Give the table's header a model of its own holding `labels`, one for each of the
    table's columns, so that Qt never asks Python for a title (and hands it an orientation).
    The header keeps its sections, their sizes and the sort arrow; call after `setModel`."""
    titles = QStandardItemModel(0, len(labels), table)
    titles.setHorizontalHeaderLabels(labels)
    table.horizontalHeader().setModel(titles)
    return titles


def show_sort(header: QHeaderView, section: int, descending: bool) -> None:
    """`header.setSortIndicator(section, order)`, through the header's saved state: the same
    state with the order and the section changed. A Qt whose state begins otherwise is set the
    ordinary way. The header's signals say nothing (as with blockSignals)."""
    blocked = header.blockSignals(True)  # restoreState says the sort changed
    try:
        if not _restore_with_sort(header, section, descending):
            sort_order = QtCore.Qt.SortOrder
            order = sort_order.DescendingOrder if descending else sort_order.AscendingOrder
            header.setSortIndicator(section, order)
    finally:
        header.blockSignals(blocked)


def _restore_with_sort(header: QHeaderView, section: int, descending: bool) -> bool:
    state = bytearray(header.saveState().data())
    if len(state) < _STATE.size:
        return False
    marker, version, orientation, _order, _section = _STATE.unpack_from(state)
    if (marker, version, orientation) != (_MARKER, _VERSION, _HORIZONTAL):
        return False
    order = _DESCENDING if descending else _ASCENDING
    _STATE.pack_into(state, 0, marker, version, orientation, order, section)
    return header.restoreState(QByteArray(bytes(state)))


def build_namespace() -> None:
    """Build `Qt` now, while the window is idle: the first key the clerk presses needs it (the
    scanner's filter reads the key), and would otherwise wait for it."""
    QtCore.Qt.Key.Key_Enter  # noqa: B018 (naming it builds it)
