"""Qt's enums set before the first paint without naming `Qt` (desktop/ui/qt_early.py): each way
gives what the ordinary call gives."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut, QStandardItemModel
from PySide6.QtWidgets import QLabel, QTableView, QWidget

from desktop.ui import qt_early, request_model


@pytest.fixture
def table(qtbot):
    shown = QTableView()
    qtbot.addWidget(shown)
    shown.setModel(QStandardItemModel(3, 5))
    shown.horizontalHeader().setSortIndicatorShown(True)
    return shown


def test_an_enum_property_is_set_by_its_key_s_name(qtbot):
    widget = QWidget()
    qtbot.addWidget(widget)
    shortcut = QShortcut(QKeySequence("Ctrl+G"), widget)
    qt_early.set_enum(shortcut, "context", "ApplicationShortcut")
    assert shortcut.context() == Qt.ShortcutContext.ApplicationShortcut
    label = QLabel("<b>not bold</b>")
    qt_early.set_enum(label, "textFormat", "PlainText")
    assert label.textFormat() == Qt.TextFormat.PlainText


def test_a_mistyped_key_or_property_is_refused_not_ignored(qtbot):
    widget = QWidget()
    qtbot.addWidget(widget)
    with pytest.raises(ValueError, match="contextMenuPolicy"):
        qt_early.set_enum(widget, "contextMenuPolicy", "CustomMenu")
    with pytest.raises(ValueError, match="contextMenu"):
        qt_early.set_enum(widget, "contextMenu", "CustomContextMenu")


@pytest.mark.parametrize("descending", [True, False])
def test_the_sort_arrow_is_set_and_nothing_else_changes(table, qtbot, descending):
    header = table.horizontalHeader()
    table.setColumnHidden(3, True)
    table.setColumnWidth(1, 177)
    seen: list[object] = []
    header.sortIndicatorChanged.connect(lambda *args: seen.append(args))
    for section in (2, 4, 0):
        qt_early.show_sort(header, section, descending)
        assert header.sortIndicatorSection() == section
        expected = Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder
        assert header.sortIndicatorOrder() == expected
    assert table.isColumnHidden(3) and table.columnWidth(1) == 177
    assert header.isSortIndicatorShown()
    assert seen == []  # as setSortIndicator with the header's signals blocked


def test_another_qt_s_saved_state_sets_the_arrow_the_ordinary_way(table, monkeypatch):
    monkeypatch.setattr(qt_early, "_MARKER", 0x1234)  # a state this module does not know
    header = table.horizontalHeader()
    qt_early.show_sort(header, 3, False)
    assert (header.sortIndicatorSection(), header.sortIndicatorOrder()) == (
        3,
        Qt.SortOrder.AscendingOrder,
    )


def test_the_header_s_own_model_gives_the_titles(table):
    titles = qt_early.header_labels(table, ["A", "B", "C", "D", "E"])
    header = table.horizontalHeader()
    assert header.model() is titles and table.model() is not titles
    assert [
        header.model().headerData(n, Qt.Orientation.Horizontal) for n in range(header.count())
    ] == ["A", "B", "C", "D", "E"]
    assert header.count() == table.model().columnCount()


def test_the_list_s_roles_are_qt_s():
    assert Qt.ItemDataRole.DisplayRole.value == request_model._DISPLAY
    assert Qt.ItemDataRole.ForegroundRole.value == request_model._FOREGROUND
