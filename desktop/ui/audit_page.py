"""The audit trail for administrators: who changed what, filtered by user, record and date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QDate, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import _
from desktop.models.admin import backups
from desktop.models.errors import KnownError
from desktop.models.staff import audit
from desktop.models.storage.db import current_path
from desktop.models.storage.schema import StaffUser
from desktop.ui.day_edit import DayEdit
from desktop.ui.messages import messages

Index = QModelIndex | QPersistentModelIndex


class RowsModel(QAbstractTableModel):
    """A small read-only table of rows already read (staff, one page of audit records)."""

    def __init__(self, headers: list[str]) -> None:
        super().__init__()
        self.headers = headers
        self.rows: list[tuple[Any, ...]] = []
        self.keys: list[Any] = []

    def set_rows(self, rows: list[tuple[Any, ...]], keys: list[Any]) -> None:
        self.beginResetModel()
        self.rows, self.keys = rows, keys
        self.endResetModel()

    def append_rows(self, rows: list[tuple[Any, ...]], keys: list[Any]) -> None:
        if not rows:
            return
        first = len(self.rows)
        self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
        self.rows += rows
        self.keys += keys
        self.endInsertRows()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.headers)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role not in (
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.ToolTipRole,
        ):
            return None
        value = self.rows[index.row()][index.column()]
        return "" if value is None else str(value)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.headers[section]
        return None


class AuditPage(QWidget):
    """The newest audit records matching the filters, and a check of the whole chain."""

    LIMIT = 500

    def __init__(
        self, staff: Callable[[], StaffUser | None], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        #: who is signed in at this workstation: the actor of every save here
        self.staff = staff
        self.user = QLineEdit()
        self.user.setPlaceholderText(_("user name"))
        self.table_name = QLineEdit()
        self.table_name.setPlaceholderText(_("table (service_request, contact…)"))
        self.record = QLineEdit()
        self.record.setPlaceholderText(_("record id"))
        self.since = DayEdit()
        self.since.setSpecialValueText(_("any day"))
        self.since.setMinimumDate(QDate(2000, 1, 1))
        self.since.setDate(self.since.minimumDate())
        self.until = DayEdit()
        self.until.setSpecialValueText(_("any day"))
        self.until.setMinimumDate(QDate(2000, 1, 1))
        self.until.setDate(self.until.minimumDate())
        show = QPushButton(_("Show"))
        show.clicked.connect(self.load)
        for field in (self.user, self.table_name, self.record):
            field.returnPressed.connect(self.load)
        self.check = QPushButton(_("Check the chain"))
        self.check.clicked.connect(self.verify)
        self.verdict = QLabel()
        self.verdict.setWordWrap(True)
        self.shown = QLabel()
        self.shown.setObjectName("auditShown")
        self.older = QPushButton(_("Show older records"))
        self.older.setObjectName("auditOlder")
        self.older.setEnabled(False)
        self.older.clicked.connect(lambda _checked=False: self.load_older())
        self.model = RowsModel(
            [
                _("#"),
                _("When"),
                _("Who"),
                _("Workstation"),
                _("Table"),
                _("Record"),
                _("Action"),
                _("Before"),
                _("After"),
            ]
        )
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.view.horizontalHeader().setStretchLastSection(True)
        filters = QHBoxLayout()
        for label, widget in (
            (_("User:"), self.user),
            (_("Table:"), self.table_name),
            (_("Record:"), self.record),
            (_("From:"), self.since),
            (_("To:"), self.until),
        ):
            filters.addWidget(QLabel(label))
            filters.addWidget(widget)
        filters.addWidget(show)
        filters.addStretch(1)
        filters.addWidget(self.check)
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.verdict)
        layout.addWidget(self.view, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.shown)
        bottom.addStretch(1)
        bottom.addWidget(self.older)
        layout.addLayout(bottom)

    def _day(self, edit: QDateEdit) -> dt.date | None:
        if edit.date() == edit.minimumDate():
            return None
        value = edit.date().toPython()
        return value if isinstance(value, dt.date) else None

    def load(self) -> None:
        """The newest records that match the filters (a page of LIMIT)."""
        self._read(None)

    def load_older(self) -> None:
        """The next page: records older than the oldest one shown."""
        if self.model.keys:
            self._read(min(self.model.keys))

    def _read(self, before_id: int | None) -> None:
        try:
            rows = audit.history(
                username=self.user.text(),
                table=self.table_name.text().strip(),
                record_id=self.record.text().strip(),
                since=self._day(self.since),
                until=self._day(self.until),
                limit=self.LIMIT,
                before_id=before_id,
                actor=self.staff(),
            )
        except KnownError as exc:
            messages.error(self, exc)
            return
        lines = [
            (
                r.id,
                f"{r.at:%Y-%m-%d %H:%M:%S}",
                r.username or _("(system)"),
                r.workstation,
                r.table_name,
                r.record_id,
                r.action,
                r.before or "",
                r.after or "",
            )
            for r in rows
        ]
        keys = [r.id for r in rows]
        if before_id is None:
            self.model.set_rows(lines, keys)
        else:
            self.model.append_rows(lines, keys)
        more = len(rows) == self.LIMIT
        self.older.setEnabled(more)
        count = len(self.model.rows)
        self.shown.setText(
            _("The newest {n:,} matching records; there are older ones.").format(n=count)
            if more
            else _("{n:,} matching records.").format(n=count)
        )

    def verify(self) -> None:
        try:
            root, path = backups.backup_root(), current_path()
            folder = backups.folder_for(root, path) if root and path else None
            verdict = audit.verify(backup_folder=folder)
        except KnownError as exc:
            messages.error(self, exc)
            return
        self.verdict.setText(verdict.sentence())
        self.verdict.setStyleSheet("" if verdict.ok else "color: #b3261e; font-weight: bold")
