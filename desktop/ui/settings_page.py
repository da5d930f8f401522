"""The Settings area: the town's details and its office calendar, shared by every workstation."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, Qt, QTime, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import _
from desktop.models import clock, settings, town_calendar
from desktop.models.errors import KnownError
from desktop.ui.messages import messages

WEEKDAYS = (
    _("Monday"),
    _("Tuesday"),
    _("Wednesday"),
    _("Thursday"),
    _("Friday"),
    _("Saturday"),
    _("Sunday"),
)
_TOWN_FIELDS = (
    ("town.name", _("Town name")),
    ("town.address", _("Town hall address")),
    ("town.phone", _("Phone")),
    ("town.email", _("Email")),
    ("town.website", _("Website")),
)


class SettingsPage(QWidget):
    """Town details, weekly office hours and holidays; each group saves on its own button."""

    #: a sentence saying what was saved, for the status bar
    saved = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.town_edits: dict[str, QLineEdit] = {}
        inner = QWidget()
        column = QVBoxLayout(inner)
        column.addWidget(self._town_group())
        row = QHBoxLayout()
        row.addWidget(self._hours_group())
        row.addWidget(self._holiday_group())
        column.addLayout(row)
        from desktop.ui.routing_rules import RoutingRulesBox

        self.routing = RoutingRulesBox()
        self.routing.saved.connect(self.saved)
        column.addWidget(self.routing)
        from desktop.ui.backups_box import BackupsBox

        self.backups_box = BackupsBox()
        column.addWidget(self.backups_box)
        from desktop.ui.privacy_box import PrivacyBox

        self.privacy_box = PrivacyBox()
        self.privacy_box.saved.connect(self.saved)
        column.addWidget(self.privacy_box)
        column.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll)

    # -- town ---------------------------------------------------------------------------------

    def _town_group(self) -> QGroupBox:
        group = QGroupBox(_("The town"))
        form = QFormLayout(group)
        for key, label in _TOWN_FIELDS:
            edit = QLineEdit()
            edit.setMaxLength(300)
            self.town_edits[key] = edit
            form.addRow(label + ":", edit)
        save = QPushButton(_("Save town details"))
        save.clicked.connect(self.save_town)
        form.addRow("", save)
        return group

    def save_town(self) -> None:
        try:
            settings.set_settings({k: e.text().strip() for k, e in self.town_edits.items()})
        except KnownError as exc:
            messages.error(self, exc)
            return
        self.saved.emit(_("The town details were saved for every workstation."))

    # -- office hours -------------------------------------------------------------------------

    def _hours_group(self) -> QGroupBox:
        group = QGroupBox(_("Office hours"))
        form = QFormLayout(group)
        self.hour_rows: list[tuple[QCheckBox, QTimeEdit, QTimeEdit]] = []
        for weekday, name in enumerate(WEEKDAYS):
            open_box = QCheckBox(name)
            opens, closes = QTimeEdit(), QTimeEdit()
            for edit in (opens, closes):
                edit.setDisplayFormat("HH:mm")
            line = QHBoxLayout()
            line.addWidget(opens)
            line.addWidget(QLabel("–"))
            line.addWidget(closes)
            form.addRow(open_box, line)
            self.hour_rows.append((open_box, opens, closes))
            del weekday
        save = QPushButton(_("Save office hours"))
        save.clicked.connect(self.save_hours)
        form.addRow("", save)
        return group

    def save_hours(self) -> None:
        spans = [
            (day, _minutes(opens.time()), _minutes(closes.time()))
            for day, (box, opens, closes) in enumerate(self.hour_rows)
            if box.isChecked()
        ]
        try:
            town_calendar.set_office_hours(spans)
        except KnownError as exc:
            messages.error(self, exc)
            return
        self.saved.emit(_("The office hours were saved; new due dates follow them."))

    # -- holidays -----------------------------------------------------------------------------

    def _holiday_group(self) -> QGroupBox:
        group = QGroupBox(_("Holidays (the office is closed)"))
        layout = QVBoxLayout(group)
        self.holiday_list = QListWidget()
        layout.addWidget(self.holiday_list)
        add_row = QHBoxLayout()
        self.holiday_date = QDateEdit()
        self.holiday_date.setCalendarPopup(True)
        self.holiday_date.setDisplayFormat("yyyy-MM-dd")
        self.holiday_name = QLineEdit()
        self.holiday_name.setPlaceholderText(_("name, e.g. Town Meeting Day"))
        add = QPushButton(_("Add"))
        add.clicked.connect(self.add_holiday)
        remove = QPushButton(_("Remove selected"))
        remove.clicked.connect(self.remove_holiday)
        add_row.addWidget(self.holiday_date)
        add_row.addWidget(self.holiday_name, 1)
        add_row.addWidget(add)
        layout.addLayout(add_row)
        layout.addWidget(remove, 0, Qt.AlignmentFlag.AlignRight)
        return group

    def add_holiday(self) -> None:
        qdate = self.holiday_date.date()
        day = dt.date(qdate.year(), qdate.month(), qdate.day())
        try:
            town_calendar.add_holiday(day, self.holiday_name.text())
        except KnownError as exc:
            messages.error(self, exc)
            return
        self.holiday_name.clear()
        self._load_holidays()
        self.saved.emit(_("The holiday was added."))

    def remove_holiday(self) -> None:
        item = self.holiday_list.currentItem()
        if item is None:
            return
        day = item.data(Qt.ItemDataRole.UserRole)
        try:
            town_calendar.remove_holiday(day)
        except KnownError as exc:
            messages.error(self, exc)
            return
        self._load_holidays()
        self.saved.emit(_("The holiday was removed."))

    # -- loading ------------------------------------------------------------------------------

    def load(self) -> None:
        values = settings.all_settings()
        for key, edit in self.town_edits.items():
            edit.setText(str(values.get(key) or ""))
        hours = town_calendar.office_hours()
        for day, (box, opens, closes) in enumerate(self.hour_rows):
            span = hours[day][0] if hours.get(day) else None
            box.setChecked(span is not None)
            a, b = span or (8 * 60, 16 * 60 + 30)
            opens.setTime(QTime(a // 60, a % 60))
            closes.setTime(QTime(min(b // 60, 23), b % 60 if b < 24 * 60 else 59))
        self.holiday_date.setDate(QDate.currentDate())
        self._load_holidays()
        self.routing.load()
        self.privacy_box.load()

    def _load_holidays(self) -> None:
        self.holiday_list.clear()
        start = clock.today() - dt.timedelta(days=31)
        for day, name in town_calendar.holidays_from(start):
            item = QListWidgetItem(f"{day:%a %Y-%m-%d}  {name}")
            item.setData(Qt.ItemDataRole.UserRole, day)
            self.holiday_list.addItem(item)


def _minutes(time: QTime) -> int:
    return time.hour() * 60 + time.minute()
