"""The filter bar above the Requests list: search, address, status, type, department, assignee,
channel, overdue and dates. It only gathers what the clerk chose into a RequestFilter."""

from __future__ import annotations

from PySide6.QtCore import QDate, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QGridLayout,
    QLabel,
    QLineEdit,
    QWidget,
)

from desktop.i18n import _
from desktop.models.errors import KnownError
from desktop.models.requests.listing import RequestFilter
from desktop.models.requests.lookups import active_departments, active_staff, type_choices
from desktop.models.vocab import CHANNELS, STATUSES
from desktop.ui.day_edit import DayEdit

SEARCH_PAUSE_MS = 180
_ANY = ""
_OPEN = "__open__"
_UNASSIGNED = -1


class FilterBar(QWidget):
    """Emits `changed` when the clerk has chosen (typing waits for a short pause)."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.search = QLineEdit()
        self.search.setObjectName("search")
        self.search.setPlaceholderText(_("Search number, words, address, name or notes (Ctrl+F)"))
        self.search.setClearButtonEnabled(True)
        self.address = QLineEdit()
        self.address.setObjectName("addressFilter")
        self.address.setPlaceholderText(_("Address or street"))
        self.address.setClearButtonEnabled(True)
        self.status = QComboBox()
        self.status.addItem(_("Any status"), _ANY)
        self.status.addItem(_("Open"), _OPEN)
        for code, label in STATUSES.items():
            self.status.addItem(label, code)
        self.type = QComboBox()
        self.department = QComboBox()
        self.assignee = QComboBox()
        self.channel = QComboBox()
        self.channel.addItem(_("Any channel"), _ANY)
        for code, label in CHANNELS.items():
            self.channel.addItem(label, code)
        self.overdue = QCheckBox(_("Overdue"))
        self.date_from = _date_edit()
        self.date_to = _date_edit()
        self.fill_choices()

        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(self.search, 0, 0, 1, 3)
        grid.addWidget(self.address, 0, 3, 1, 2)
        grid.addWidget(self.overdue, 0, 5)
        grid.addWidget(self.status, 1, 0)
        grid.addWidget(self.type, 1, 1)
        grid.addWidget(self.department, 1, 2)
        grid.addWidget(self.assignee, 1, 3)
        grid.addWidget(self.channel, 1, 4)
        dates = QWidget()
        row = QGridLayout(dates)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel(_("From")), 0, 0)
        row.addWidget(self.date_from, 0, 1)
        row.addWidget(QLabel(_("to")), 0, 2)
        row.addWidget(self.date_to, 0, 3)
        grid.addWidget(dates, 1, 5)
        for column in range(5):
            grid.setColumnStretch(column, 1)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_PAUSE_MS)
        self._timer.timeout.connect(self.changed)
        self.search.textChanged.connect(lambda _t: self._timer.start())
        self.address.textChanged.connect(lambda _t: self._timer.start())
        for combo in (self.status, self.type, self.department, self.assignee, self.channel):
            combo.currentIndexChanged.connect(lambda _i: self.changed.emit())
        self.overdue.toggled.connect(lambda _c: self.changed.emit())
        self.date_from.dateChanged.connect(lambda _d: self.changed.emit())
        self.date_to.dateChanged.connect(lambda _d: self.changed.emit())

    def fill_choices(self) -> None:
        """The types, departments and staff to choose from (read again when they change)."""
        try:
            types, departments, staff = type_choices(), active_departments(), active_staff()
        except KnownError:
            types, departments, staff = [], [], []
        for combo, first, items in (
            (
                self.type,
                _("Any type"),
                [
                    (name if active else _("{name} (retired)").format(name=name), type_id)
                    for type_id, name, active in types
                ],
            ),
            (self.department, _("Any department"), [(d.name, d.id) for d in departments]),
            (
                self.assignee,
                _("Anyone"),
                [(_("(unassigned)"), _UNASSIGNED), *((s.full_name, s.id) for s in staff)],
            ),
        ):
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(first, _ANY)
            for label, value in items:
                combo.addItem(label, value)
            combo.blockSignals(False)

    def flush(self) -> None:
        """Apply what is typed now, without waiting for the pause (Enter, tests)."""
        if self._timer.isActive():
            self._timer.stop()
            self.changed.emit()

    def filters(self, base: RequestFilter) -> RequestFilter:
        """The view's own filter narrowed by what is chosen in the bar."""
        values = base.to_dict()
        if self.search.text().strip():
            values["search"] = self.search.text()
        if self.address.text().strip():
            values["address"] = self.address.text()
        status = self.status.currentData()
        if status == _OPEN:
            values["open_only"] = True
        elif status:
            values["statuses"] = [status]
        for combo, key in (
            (self.type, "service_type_ids"),
            (self.department, "department_ids"),
        ):
            if combo.currentData() != _ANY:
                values[key] = [combo.currentData()]
        assignee = self.assignee.currentData()
        if assignee == _UNASSIGNED:
            values["unassigned"] = True
            values.pop("assignee_ids", None)
        elif assignee != _ANY:
            values["assignee_ids"] = [assignee]
        if self.channel.currentData() != _ANY:
            values["channels"] = [self.channel.currentData()]
        if self.overdue.isChecked():
            values["overdue_only"] = True
        for edit, key in ((self.date_from, "received_from"), (self.date_to, "received_to")):
            if edit.date() != edit.minimumDate():
                values[key] = edit.date().toString("yyyy-MM-dd")
        return RequestFilter.from_dict(values)

    def is_clear(self) -> bool:
        return self.filters(RequestFilter()).is_empty()

    def clear(self) -> None:
        widgets: list[QWidget] = [
            self.search,
            self.address,
            self.status,
            self.type,
            self.department,
            self.assignee,
            self.channel,
            self.overdue,
            self.date_from,
            self.date_to,
        ]
        for widget in widgets:
            widget.blockSignals(True)
        self.search.clear()
        self.address.clear()
        for combo in (self.status, self.type, self.department, self.assignee, self.channel):
            combo.setCurrentIndex(0)
        self.overdue.setChecked(False)
        self.date_from.setDate(self.date_from.minimumDate())
        self.date_to.setDate(self.date_to.minimumDate())
        for widget in widgets:
            widget.blockSignals(False)
        self._timer.stop()


def _date_edit() -> QDateEdit:
    """A date that can also be "not set" (shown blank at its minimum)."""
    edit = DayEdit()
    edit.setMinimumDate(QDate(2000, 1, 1))
    edit.setSpecialValueText(" ")
    edit.setDate(edit.minimumDate())
    return edit
