"""The Settings area, in tabs: the town's details and office calendar, its request types and
departments, routing rules, the look of printed documents and letters, backups and personal
data. Everything here is shared by every workstation.

Each tab shows only for the roles that may change what it holds (`permissions.can`): supervisors
see the catalog and the routing rules, administrators everything. The core checks again on
every save; a hidden tab is a courtesy.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QDate, Qt, QTime, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import N_, _, when
from desktop.models import clock
from desktop.models.errors import KnownError
from desktop.models.staff import permissions
from desktop.models.storage.schema import StaffUser
from desktop.models.town import calendar as town_calendar
from desktop.models.town import settings
from desktop.ui.day_edit import DayEdit

if TYPE_CHECKING:
    from desktop.ui.open311_service import Open311Service
from desktop.ui.messages import messages

WEEKDAYS = (
    N_("Monday"),
    N_("Tuesday"),
    N_("Wednesday"),
    N_("Thursday"),
    N_("Friday"),
    N_("Saturday"),
    N_("Sunday"),
)
_TOWN_FIELDS = (
    ("town.name", N_("Town name")),
    ("town.address", N_("Town hall address")),
    ("town.phone", N_("Phone")),
    ("town.email", N_("Email")),
    ("town.website", N_("Website")),
)


def _scrolled(*widgets: QWidget) -> QScrollArea:
    inner = QWidget()
    column = QVBoxLayout(inner)
    for widget in widgets:
        column.addWidget(widget)
    column.addStretch(1)
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setWidget(inner)
    return scroll


class SettingsPage(QWidget):
    """The tabs of Settings; each group saves on its own button."""

    #: a sentence saying what was saved, for the status bar
    saved = Signal(str)

    def __init__(
        self,
        staff: Callable[[], StaffUser | None],
        parent: QWidget | None = None,
        *,
        open311: Open311Service | None = None,
    ) -> None:
        super().__init__(parent)
        #: who is signed in at this workstation: the actor of every save here
        self.staff = staff
        self.town_edits: dict[str, QLineEdit] = {}
        self.town_versions: dict[str, int] = {}
        town = QWidget()
        town_column = QVBoxLayout(town)
        town_column.setContentsMargins(0, 0, 0, 0)
        town_column.addWidget(self._town_group())
        row = QHBoxLayout()
        row.addWidget(self._hours_group())
        row.addWidget(self._holiday_group())
        town_column.addLayout(row)

        from desktop.ui.catalog_page import RequestTypesPage
        from desktop.ui.departments_page import DepartmentsPage

        self.request_types = RequestTypesPage(staff)
        self.request_types.saved.connect(self.saved)
        self.departments = DepartmentsPage(staff)
        self.departments.saved.connect(self.saved)
        # a department's name or a type's department shows on the other tab
        self.departments.saved.connect(lambda _s: self.request_types.reload_departments())
        self.request_types.saved.connect(lambda _s: self.departments.load())
        from desktop.ui.routing_rules import RoutingRulesBox

        self.routing = RoutingRulesBox(staff)
        self.routing.saved.connect(self.saved)
        from desktop.ui.letter_templates_box import LetterTemplatesBox
        from desktop.ui.town_look_box import TownLookBox

        self.town_look = TownLookBox(staff)
        self.town_look.saved.connect(self.saved)
        self.letters = LetterTemplatesBox(staff)
        self.letters.saved.connect(self.saved)
        from desktop.ui.responses_box import ResponsesBox

        self.responses = ResponsesBox(staff)
        self.responses.saved.connect(self.saved)
        from desktop.ui.backups_box import BackupsBox

        self.backups_box = BackupsBox(staff)
        from desktop.ui.privacy_box import PrivacyBox

        self.privacy_box = PrivacyBox(staff)
        self.privacy_box.saved.connect(self.saved)

        from desktop.ui.open311_box import Open311Box
        from desktop.ui.open311_service import Open311Service

        if open311 is None:  # a page on its own (tests): its choices are kept in memory only
            open311 = Open311Service(None, self)
        self.open311 = Open311Box(staff, open311)
        self.open311.saved.connect(self.saved)

        from desktop.ui.addresses_box import AddressesBox

        self.addresses = AddressesBox(staff)
        self.addresses.saved.connect(self.saved)

        from desktop.ui.mail_box import MailBox

        self.mail = MailBox(staff)
        self.mail.saved.connect(self.saved)
        self.mail.print_letters.connect(self._print_letters)

        from desktop.ui.checklist_box import ChecklistBox

        self.checklist = ChecklistBox(staff, self.backups_box.folder)
        self.checklist.go_to.connect(self.go_to)
        self.checklist.counted.connect(self._count_left)
        # a save anywhere in Settings may tick an item
        self.saved.connect(lambda _s: self.checklist.load())

        self.tabs = QTabWidget()
        self.tabs.setObjectName("settingsTabs")
        #: (tab, the action that shows it, what is loaded when the page loads)
        self._tabs: list[tuple[QWidget, str, object]] = []
        #: each tab's place, as Get the town ready's items name it (readiness.WHERE)
        self.places: dict[str, int] = {}
        for place, widget, title, action, loader in (
            (
                "settings:ready",
                _scrolled(self.checklist),
                _("Get the town ready"),
                permissions.SETTINGS_EDIT,
                self.checklist.load,
            ),
            (
                "settings:town",
                _scrolled(town),
                _("The town"),
                permissions.SETTINGS_EDIT,
                self._load_town,
            ),
            (
                "settings:types",
                self.request_types,
                _("Request types"),
                permissions.CATALOG_EDIT,
                self.request_types.load,
            ),
            (
                "settings:departments",
                self.departments,
                _("Departments"),
                permissions.CATALOG_EDIT,
                self.departments.load,
            ),
            (
                "settings:routing",
                _scrolled(self.routing),
                _("Routing rules"),
                permissions.ROUTING_EDIT,
                self.routing.load,
            ),
            (
                "settings:documents",
                _scrolled(self.town_look, self.letters, self.responses),
                _("Printed documents"),
                permissions.SETTINGS_EDIT,
                self._load_documents,
            ),
            (
                "settings:backups",
                _scrolled(self.backups_box, self.privacy_box),
                _("Backups and personal data"),
                permissions.BACKUP_MANAGE,
                self.privacy_box.load,
            ),
            (
                "settings:addresses",
                _scrolled(self.addresses),
                _("Addresses and map"),
                permissions.SETTINGS_EDIT,
                self.addresses.load,
            ),
            (
                "settings:mail",
                _scrolled(self.mail),
                _("Email and notices"),
                permissions.SETTINGS_EDIT,
                self.mail.load,
            ),
            (
                "settings:partners",
                _scrolled(self.open311),
                _("Partners (Open311)"),
                permissions.SETTINGS_EDIT,
                self.open311.load,
            ),
        ):
            index = self.tabs.addTab(widget, title)
            self.tabs.setTabVisible(index, permissions.can(self.staff(), action))
            self._tabs.append((widget, action, loader))
            self.places[place] = index
        for index in range(self.tabs.count()):
            if self.tabs.isTabVisible(index):
                self.tabs.setCurrentIndex(index)
                break
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)

    #: an area outside Settings to go to ("staff", "knowledge:placeholders")
    go_to_area = Signal(str)

    def go_to(self, where: str) -> None:
        """Where a checklist item is put right: a tab here, or another area."""
        index = self.places.get(where)
        if index is None:
            self.go_to_area.emit(where)
            return
        self.tabs.setCurrentIndex(index)
        shown = self.tabs.currentWidget()
        if shown is not None:
            shown.setFocus()

    def _print_letters(self) -> None:
        from desktop.ui import print_preview

        job = print_preview.print_letter_batch(self, self.staff())
        if job is not None:  # once printed, the batch is done: the counts follow
            job.ready.connect(lambda dialog: dialog.printed.connect(self.mail.load))

    def show_checklist(self) -> None:
        self.checklist.load()
        self.tabs.setCurrentIndex(self.places["settings:ready"])

    def _count_left(self, left: int) -> None:
        title = (
            _("Get the town ready")
            if left == 0
            else _("Get the town ready ({left} left)").format(left=left)
        )
        self.tabs.setTabText(self.places["settings:ready"], title)

    def tab_titles(self) -> list[str]:
        """The tabs this staff member sees."""
        return [self.tabs.tabText(i) for i in range(self.tabs.count()) if self.tabs.isTabVisible(i)]

    def show_tab(self, title: str) -> QWidget | None:
        for index in range(self.tabs.count()):
            if self.tabs.tabText(index) == title and self.tabs.isTabVisible(index):
                self.tabs.setCurrentIndex(index)
                return self.tabs.widget(index)
        return None

    def focus_default(self) -> None:
        ready = self.places["settings:ready"]
        if self.tabs.currentIndex() == ready and self.tabs.isTabVisible(ready):
            self.checklist.load()  # what was done elsewhere since (staff, placeholders) ticks
        focus = getattr(self.tabs.currentWidget(), "focus_default", None)
        if callable(focus):
            focus()

    # -- town ---------------------------------------------------------------------------------

    def _town_group(self) -> QGroupBox:
        group = QGroupBox(_("The town"))
        form = QFormLayout(group)
        for key, label in ((k, _(text)) for k, text in _TOWN_FIELDS):
            edit = QLineEdit()
            edit.setMaxLength(300)
            self.town_edits[key] = edit
            form.addRow(label + ":", edit)
        save = QPushButton(_("Save town details"))
        save.clicked.connect(self.save_town)
        reload = QPushButton(_("Reload"))
        reload.clicked.connect(self.reload_town)
        buttons = QHBoxLayout()
        buttons.addWidget(save)
        buttons.addWidget(reload)
        buttons.addStretch(1)
        form.addRow("", buttons)
        return group

    def save_town(self) -> None:
        try:
            settings.update_settings(
                {k: e.text() for k, e in self.town_edits.items()},
                versions=self.town_versions,
                actor=self.staff(),
            )
            self.town_versions = settings.setting_versions(self.town_edits)
        except KnownError as exc:
            messages.error(self, exc)  # what was typed stays in the fields
            return
        self.saved.emit(_("The town details were saved for every workstation."))

    def reload_town(self) -> None:
        """The town details as saved (after someone else's change)."""
        try:
            values = settings.all_settings()
            self.town_versions = settings.setting_versions(self.town_edits)
        except KnownError as exc:
            messages.error(self, exc)
            return
        for key, edit in self.town_edits.items():
            edit.setText(str(values.get(key) or ""))

    # -- office hours -------------------------------------------------------------------------

    def _hours_group(self) -> QGroupBox:
        group = QGroupBox(_("Office hours"))
        form = QFormLayout(group)
        self.hour_rows: list[tuple[QCheckBox, QTimeEdit, QTimeEdit]] = []
        for weekday, name in enumerate(map(_, WEEKDAYS)):
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
            town_calendar.set_office_hours(spans, actor=self.staff())
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
        self.holiday_date = DayEdit()
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
        self.federal = QCheckBox(settings.setting_labels()["calendar.federal_holidays"])
        self.federal.setObjectName("federalHolidays")
        self.federal.clicked.connect(self.save_federal)
        layout.addWidget(self.federal)
        return group

    def save_federal(self, checked: bool) -> None:
        try:
            settings.update_settings({"calendar.federal_holidays": checked}, actor=self.staff())
        except KnownError as exc:
            messages.error(self, exc)
            self.federal.setChecked(not checked)
            return
        self.saved.emit(
            _("Each new year's federal holidays are added by themselves.")
            if checked
            else _("Federal holidays are no longer added by themselves: add the town's own.")
        )

    def add_holiday(self) -> None:
        qdate = self.holiday_date.date()
        day = dt.date(qdate.year(), qdate.month(), qdate.day())
        try:
            town_calendar.add_holiday(day, self.holiday_name.text(), actor=self.staff())
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
            town_calendar.remove_holiday(day, actor=self.staff())
        except KnownError as exc:
            messages.error(self, exc)
            return
        self._load_holidays()
        self.saved.emit(_("The holiday was removed."))

    # -- loading ------------------------------------------------------------------------------

    def load(self) -> None:
        """Read every tab this staff member sees."""
        for index, (_widget, _action, loader) in enumerate(self._tabs):
            if self.tabs.isTabVisible(index) and callable(loader):
                loader()

    def refresh_from_others(self) -> None:
        """Another clerk (or the window's own sending) changed the database: what waits in
        the outbox is shown again; the forms keep what is typed in them."""
        self.mail.refresh_counts()

    def _load_documents(self) -> None:
        self.town_look.load()
        self.letters.load()
        self.responses.load()

    def _load_town(self) -> None:
        self.reload_town()
        self.federal.setChecked(bool(settings.get_setting("calendar.federal_holidays")))
        hours = town_calendar.office_hours()
        for day, (box, opens, closes) in enumerate(self.hour_rows):
            span = hours[day][0] if hours.get(day) else None
            box.setChecked(span is not None)
            a, b = span or (8 * 60, 16 * 60 + 30)
            opens.setTime(QTime(a // 60, a % 60))
            closes.setTime(QTime(min(b // 60, 23), b % 60 if b < 24 * 60 else 59))
        self.holiday_date.setDate(QDate.currentDate())
        self._load_holidays()

    def _load_holidays(self) -> None:
        self.holiday_list.clear()
        start = clock.today() - dt.timedelta(days=31)
        for day, name in town_calendar.holidays_from(start):
            item = QListWidgetItem(f"{when(day, '%a %Y-%m-%d')}  {name}")
            item.setData(Qt.ItemDataRole.UserRole, day)
            self.holiday_list.addItem(item)


def _minutes(time: QTime) -> int:
    return time.hour() * 60 + time.minute()
