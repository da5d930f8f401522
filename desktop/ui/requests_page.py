"""The Requests area: every request in a list that reads a page at a time."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import _, ngettext
from desktop.models.request_list import COLUMN_KEYS, RequestFilter
from desktop.ui.request_model import RequestTableModel

VIEWS: tuple[tuple[str, RequestFilter], ...] = (
    (_("Open"), RequestFilter(open_only=True)),
    (_("Overdue"), RequestFilter(overdue_only=True)),
    (_("All requests"), RequestFilter()),
)


class RequestsPage(QWidget):
    """A saved view chooser above the paged table."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = RequestTableModel(VIEWS[0][1], self)
        self.view_choice = QComboBox()
        for label, _filters in VIEWS:
            self.view_choice.addItem(label)
        self.count_label = QLabel()
        top = QHBoxLayout()
        top.addWidget(QLabel(_("Show:")))
        top.addWidget(self.view_choice)
        top.addStretch(1)
        top.addWidget(self.count_label)

        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        for key, width in (
            ("tracking_number", 110),
            ("requested_at", 130),
            ("service_type", 200),
            ("status", 100),
            ("priority", 70),
            ("address", 200),
            ("department", 160),
            ("assignee", 140),
            ("due_at", 130),
        ):
            self.table.setColumnWidth(COLUMN_KEYS.index(key), width)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table)
        self.loaded = False

    def load(self) -> None:
        """Read the list the first time the page is shown; later, changes re-read it."""
        if self.loaded:
            self.model.refresh()
        else:
            self.loaded = True
            self.table.horizontalHeader().setSortIndicator(
                COLUMN_KEYS.index("requested_at"), Qt.SortOrder.DescendingOrder
            )
            self.table.setSortingEnabled(True)  # sorts once, which reads the first page
            self.view_choice.currentIndexChanged.connect(self._view_changed)
        self._show_count()

    def _view_changed(self, index: int) -> None:
        self.model.set_filters(VIEWS[index][1])
        self._show_count()

    def _show_count(self) -> None:
        count = self.model.rowCount()
        self.count_label.setText(ngettext("{n:,} request", "{n:,} requests", count).format(n=count))
