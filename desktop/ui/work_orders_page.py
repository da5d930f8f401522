"""The Work orders area: each department's work for the day, and the close-out by barcode.

Close-out is built for a stack of returned orders, all by keyboard: scan (a USB scanner types
the number and Enter), the order is shown and the cursor is on the outcome boxes: 1-4 (or Alt+1-4
from anywhere) picks the one the crew ticked (none is picked for you), Tab to the crew's note,
Ctrl+Enter; the cursor is back in the scan box for the next one. A refusal puts the cursor in
the field to put right. "Keep for the next order" keeps the outcome, crew, hours and date when
the whole stack comes from one crew.

A scan lands in the scan box wherever the cursor is on the page (desktop/ui/scanner.py): the next
sheet scanned into the crew's note, or onto the outcome boxes, loads that sheet and changes
nothing on the card. A number that is not found unloads the card, so Ctrl+Enter can never save
the order before it by mistake.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QDate, QDateTime, QEvent, QObject, QSignalBlocker, Qt, QTime, Signal
from PySide6.QtGui import QColor, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import N_, _, ngettext, when
from desktop.models import clock
from desktop.models.documents import gather as documents
from desktop.models.documents.closeout import OUTCOMES, CloseOut, close_out
from desktop.models.documents.gather import find_by_reference
from desktop.models.errors import InputError, KnownError
from desktop.models.requests.detail import load_request_detail
from desktop.models.staff import permissions
from desktop.models.storage.schema import StaffUser
from desktop.models.vocab import PRIORITIES, RESOLUTIONS, STATUSES
from desktop.printing.route import in_route_order
from desktop.ui.day_edit import DayEdit
from desktop.ui.messages import messages
from desktop.ui.pickers import fill_departments_and_staff
from desktop.ui.scanner import take_scans


class TodayTab(QWidget):
    """The day's work orders as a table, by department and crew (one of them, or the whole
    town's day), with the packet to print; double-click or Enter opens a request."""

    #: open this request (tracking number) in the Requests area
    open_request = Signal(str)

    COLUMNS = (
        ("department", N_("Department")),
        ("assignee", N_("Crew")),
        ("tracking_number", N_("Number")),
        ("address", N_("Address")),
        ("service_type", N_("Type")),
        ("priority_label", N_("Priority")),
        ("due", N_("Due")),
        ("printed", N_("Printed")),
    )

    def __init__(self, staff: Callable[[], StaffUser | None]) -> None:
        super().__init__()
        self.staff = staff
        self.department = QComboBox()
        self.department.setObjectName("department")
        self.crew = QComboBox()
        self.crew.setObjectName("crew")
        self.day = DayEdit()
        self.day.setDate(QDate.currentDate())
        self.orders = QTableWidget(0, len(self.COLUMNS))
        self.orders.setObjectName("todaysOrders")
        self.orders.setHorizontalHeaderLabels([_(label) for _key, label in self.COLUMNS])
        self.orders.verticalHeader().setVisible(False)
        self.orders.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.orders.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.orders.setAlternatingRowColors(True)
        self.orders.horizontalHeader().setStretchLastSection(True)
        self.orders.cellDoubleClicked.connect(lambda row, _column: self._open(row))
        open_key = QShortcut(QKeySequence(Qt.Key.Key_Return), self.orders)
        open_key.setContext(Qt.ShortcutContext.WidgetShortcut)
        open_key.activated.connect(lambda: self._open(self.orders.currentRow()))
        self.summary = QLabel()
        self.summary.setObjectName("todaySummary")
        self.print_button = QPushButton(_("&Print the day's packet"))
        self.print_button.clicked.connect(self.print_packet)
        refresh = QPushButton(_("&Refresh"))
        refresh.clicked.connect(self.load)
        row = QHBoxLayout()
        row.addWidget(QLabel(_("Department:")))
        row.addWidget(self.department, 1)
        row.addWidget(QLabel(_("Crew:")))
        row.addWidget(self.crew, 1)
        row.addWidget(QLabel(_("Day:")))
        row.addWidget(self.day)
        row.addWidget(refresh)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.summary)
        layout.addWidget(self.orders, 1)
        layout.addWidget(self.print_button)
        self.department.currentIndexChanged.connect(lambda _i: self.load())
        self.crew.currentIndexChanged.connect(lambda _i: self.load())
        self.day.dateChanged.connect(lambda _d: self.load())
        self.last_job: Any = None
        self.shown: list[Any] = []

    def fill_departments(self) -> None:

        fill_departments_and_staff(
            self.department, self.crew, no_department=_("Every department"), nobody=_("Everyone")
        )
        with QSignalBlocker(self.department):
            self.department.setCurrentIndex(min(1, self.department.count() - 1))

    def chosen_day(self) -> dt.date:
        value = self.day.date()
        return dt.date(value.year(), value.month(), value.day())

    def load(self) -> None:
        code, crew = self.department.currentData() or None, self.crew.currentData() or None
        try:
            ids = documents.todays_work_order_ids(code, self.chosen_day(), assignee=crew)
            found = documents.work_orders(ids, actor=self.staff())
        except KnownError as exc:
            messages.error(self, exc)
            return
        # by department, then crew, each in the order the crew drives it
        groups: dict[tuple[str, str], list[Any]] = {}
        for order in found:
            groups.setdefault((order.department, order.assignee), []).append(order)
        self.shown = [
            order
            for key in sorted(groups, key=lambda k: (k[0].casefold(), k[1].casefold()))
            for order in in_route_order(groups[key])
        ]
        self.orders.setRowCount(len(self.shown))
        for row, order in enumerate(self.shown):
            values = {
                "department": order.department,
                "assignee": order.assignee or _("(nobody yet)"),
                "tracking_number": order.tracking_number,
                "address": order.address,
                "service_type": order.service_type,
                "priority_label": order.priority_label,
                "due": when(order.due_at, "%a %d %b %H:%M") if order.due_at else "",
                "printed": _("yes") if order.reprint else "",
            }
            for column, (key, _label) in enumerate(self.COLUMNS):
                self.orders.setItem(row, column, QTableWidgetItem(values[key]))
        self.orders.resizeColumnsToContents()
        crews = {order.assignee for order in self.shown}
        departments = {order.department for order in self.shown}
        self.summary.setText(
            ngettext("{n} work order", "{n} work orders", len(self.shown)).format(n=len(self.shown))
            + (
                _(" — {d} departments, {c} crews").format(d=len(departments), c=len(crews))
                if len(self.shown) > 1 and (len(departments) > 1 or len(crews) > 1)
                else ""
            )
        )
        self.print_button.setEnabled(bool(self.shown))

    def _open(self, row: int) -> None:
        if 0 <= row < len(self.shown):
            self.open_request.emit(self.shown[row].tracking_number)

    def print_packet(self, **options: Any) -> None:
        from desktop.ui.print_preview import print_run_sheet

        code, crew = self.department.currentData() or None, self.crew.currentData() or None
        self.last_job = print_run_sheet(
            self, code, self.chosen_day(), self.staff(), assignee=crew, **options
        )


def _close_out_refused() -> str:
    return _(
        "Your role may not close out work orders: that is for crew leads, supervisors and "
        "administrators. An administrator can give you the crew lead role under Staff and audit."
    )


class CloseOutTab(QWidget):
    """Scan a returned order, say how it went, save; then the next one."""

    closed = Signal(str)  # the message shown for each saved order

    OUTCOME_KEYS = ("fixed", "follow_up", "could_not_locate", "not_ours")

    def __init__(self, staff: Callable[[], StaffUser | None]) -> None:
        super().__init__()
        self.staff = staff
        self.request_id: int | None = None
        self.scan = QLineEdit()
        self.scan.setObjectName("closeoutScan")
        self.scan.setPlaceholderText(_("scan the barcode or type the number, Enter"))
        self.scan.returnPressed.connect(self.open_scanned)
        self.loaded = QLabel(_("No order loaded"))
        self.loaded.setObjectName("closeoutLoaded")
        self.loaded.setStyleSheet("font-size: 15pt; font-weight: bold;")
        self.found = QLabel(_("Scan a returned order."))
        self.found.setObjectName("closeoutFound")
        self.found.setWordWrap(True)
        self.found.setTextFormat(Qt.TextFormat.PlainText)
        self.outcomes = QButtonGroup(self)
        outcome_row = QHBoxLayout()
        for index, key in enumerate(self.OUTCOME_KEYS, start=1):
            button = QRadioButton(f"&{index} {_(OUTCOMES[key][0])}")
            button.setObjectName(f"outcome_{key}")
            button.installEventFilter(self)  # 1-4 typed on the boxes pick one
            self.outcomes.addButton(button, index)
            outcome_row.addWidget(button)
        self.notes = QPlainTextEdit()
        self.notes.setTabChangesFocus(True)
        self.notes.setPlaceholderText(_("what the crew wrote"))
        self.hours = QLineEdit()
        self.hours.setPlaceholderText(_("e.g. 1.5"))
        self.materials = QLineEdit()
        self.crew = QLineEdit()
        self.done_at = QDateTimeEdit(_now())
        self.done_at.setCalendarPopup(True)
        self.done_at.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.keep = QCheckBox(_("&Keep outcome, crew, hours and date for the next order"))
        self.save_button = QPushButton(_("Save and close out (Ctrl+Enter)"))
        self.save_button.clicked.connect(self.save)
        self.problem = QLabel()
        self.problem.setObjectName("closeoutProblem")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #b00020; font-weight: bold;")
        self.done_list = QListWidget()
        self.done_list.setObjectName("closedOut")
        form = QFormLayout()
        form.addRow(_("Tracking number:"), self.scan)
        form.addRow(_("Loaded:"), self.loaded)
        form.addRow("", self.found)
        form.addRow(_("Outcome:"), outcome_row)
        form.addRow(_("Crew notes:"), self.notes)
        form.addRow(_("Hours on site:"), self.hours)
        form.addRow(_("Materials:"), self.materials)
        form.addRow(_("Crew:"), self.crew)
        form.addRow(_("Done at:"), self.done_at)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.keep)
        layout.addWidget(self.save_button)
        layout.addWidget(self.problem)
        layout.addWidget(QLabel(_("Closed out in this session:")))
        layout.addWidget(self.done_list, 1)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(keys), self, self.save)
        self._set_form_enabled(False)
        self._typed = False  # anything typed on the card since the order was loaded
        for line in (self.hours, self.materials, self.crew):
            line.textEdited.connect(self._card_touched)
        self.notes.textChanged.connect(self._card_touched)
        self.outcomes.idToggled.connect(self._card_touched)  # by click or by 1-4
        take_scans(self, self.scanned)

    def focus_default(self) -> None:
        self.scan.setFocus()
        self.scan.selectAll()

    def _set_form_enabled(self, enabled: bool) -> None:
        for widget in (
            self.notes,
            self.hours,
            self.materials,
            self.crew,
            self.done_at,
            self.save_button,
        ):
            widget.setEnabled(enabled)
        for button in self.outcomes.buttons():
            button.setEnabled(enabled)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """1-4 typed while an outcome box has the cursor picks that outcome."""
        if event.type() == QEvent.Type.KeyPress and watched in self.outcomes.buttons():
            assert isinstance(event, QKeyEvent)
            number = event.key() - Qt.Key.Key_0.value
            button = self.outcomes.button(number) if 1 <= number <= 4 else None
            if button is not None and button.isEnabled():
                button.setChecked(True)
                button.setFocus()
                return True
        return super().eventFilter(watched, event)

    def _card_touched(self, *_args: object) -> None:
        if self.request_id is not None:
            self._typed = True

    def scanned(self, number: str) -> None:
        """A scanner's burst anywhere on the page: into the scan box, and that order loaded."""
        self.scan.setText(number)
        self.open_scanned()

    def open_scanned(self) -> None:
        text = self.scan.text().strip()
        if not text:
            return
        previous = self._unsaved_number()
        try:
            request = find_by_reference(text)
            detail = load_request_detail(request.id, history_limit=0, actor=self.staff())
        except KnownError as exc:
            self._unload(previous)
            self._problem(str(exc) + " " + _("No order is loaded."))
            QApplication.beep()
            return
        if not self._may_close_out():
            self._unload(previous)
            self._problem(_close_out_refused())
            return
        self.scan.setText(request.tracking_number)
        if self.request_id == request.id:
            return  # the same sheet scanned twice: the card as it is
        self._unload(previous)
        self.request_id = request.id
        self.loaded.setText(request.tracking_number)
        self.found.setText(_order_summary(detail))
        self._set_form_enabled(True)
        self._typed = False
        checked = self.outcomes.checkedButton()  # kept for the stack, or none: the clerk picks
        (checked or self.outcomes.button(1)).setFocus()

    def _unsaved_number(self) -> str:
        """The tracking number of a loaded order with something typed on its card, or ""."""
        if self.request_id is None or not self._typed:
            return ""
        return self.loaded.text()

    def _unload(self, unsaved: str = "") -> None:
        """No order on the card: Ctrl+Enter saves nothing until the next good scan. An order
        whose card was filled in and not saved is said so, in the list, not lost silently."""
        self.problem.clear()
        if self.request_id is not None:
            self._clear_card()
        self.request_id = None
        self._typed = False
        self.loaded.setText(_("No order loaded"))
        self.found.setText(_("Scan a returned order."))
        self._set_form_enabled(False)
        if unsaved:
            item = QListWidgetItem(
                _("{number}: NOT closed out (the next sheet was scanned first)").format(
                    number=unsaved
                )
            )
            item.setForeground(QColor("#b00020"))
            self.done_list.insertItem(0, item)

    def _may_close_out(self) -> bool:
        """Close-out is the crew lead's action (a clerk who keys in returned orders is given
        that role); say so at the first scan rather than after the form is filled in."""

        return permissions.can(self.staff(), permissions.REQUEST_CLOSEOUT)

    def record(self) -> Any:
        """The close-out as typed (a plain record for the core)."""

        hours_text = self.hours.text().strip().replace(",", ".")
        try:
            hours = float(hours_text) if hours_text else None
        except ValueError:
            raise InputError(
                _("“{text}” is not a number of hours.").format(text=hours_text)
            ) from None
        moment = self.done_at.dateTime().toPython()
        assert isinstance(moment, dt.datetime)
        chosen = self.outcomes.checkedId()
        return CloseOut(
            reference=self.request_id if self.request_id is not None else self.scan.text(),
            outcome=self.OUTCOME_KEYS[chosen - 1] if chosen >= 1 else "",
            notes=self.notes.toPlainText(),
            hours=hours,
            materials=self.materials.text(),
            crew=self.crew.text(),
            done_at=min(moment, clock.now()),
        )

    def save(self) -> None:
        if self.request_id is None:
            if not self.problem.text():  # a failed scan's reason stays in view
                self._problem(_("Scan or type a tracking number first."))
            QApplication.beep()
            return
        try:
            request = close_out(self.record(), actor=self.staff())
        except KnownError as exc:
            field = getattr(exc, "field", "")
            self._problem(str(exc), self._field_widget(field))
            return
        message = _("{number}: {status}{resolution}").format(
            number=request.tracking_number,
            status=STATUSES.get(request.status, request.status),
            resolution=f" — {RESOLUTIONS[request.resolution or '']}"
            if request.resolution in RESOLUTIONS
            else "",
        )
        self.done_list.insertItem(0, message)
        self.closed.emit(message)
        self._next()

    def _next(self) -> None:
        """Ready for the next returned order."""
        self._unload()
        self.scan.clear()
        self.found.setText(_("Scan the next order."))
        self.scan.setFocus()

    def _clear_card(self) -> None:
        """The crew's note always; outcome, crew, hours and date unless kept for the stack."""
        self.notes.clear()
        if not self.keep.isChecked():
            self.hours.clear()
            self.materials.clear()
            self.crew.clear()
            self.done_at.setDateTime(_now())
            self.outcomes.setExclusive(False)
            for button in self.outcomes.buttons():
                button.setChecked(False)
            self.outcomes.setExclusive(True)

    def _field_widget(self, field: str) -> QWidget | None:
        """The widget of a field the core named (None: the scan box)."""
        if field == "outcome":
            return self.outcomes.checkedButton() or self.outcomes.button(1)
        widgets: dict[str, QWidget] = {
            "notes": self.notes,
            "hours": self.hours,
            "done_at": self.done_at,
            "materials": self.materials,
            "crew": self.crew,
        }
        return widgets.get(field)

    def _problem(self, text: str, field: QWidget | None = None) -> None:
        """Shown beside the form, not in a dialog: the next scan must not hit an OK button. The
        cursor goes to the field to put right, or back to the scan box."""
        self.problem.setText(text)
        if field is not None and field.isEnabled():
            field.setFocus()
            return
        self.scan.setFocus()
        self.scan.selectAll()


def _now() -> QDateTime:
    """This moment by the app's clock, seconds included: an order created this minute can be
    closed out this minute."""
    now = clock.now()
    return QDateTime(QDate(now.year, now.month, now.day), QTime(now.hour, now.minute, now.second))


def _order_summary(detail: Any) -> str:
    """The scanned order as the clerk needs to check it against the paper in hand."""

    request = detail.request
    lines = [
        _("{number}: {type} — {status}, {priority} priority").format(
            number=request.tracking_number,
            type=detail.service_type,
            status=STATUSES.get(request.status, request.status),
            priority=PRIORITIES.get(request.priority, request.priority).lower(),
        ),
        _("At {address}").format(address=request.address or _("no address"))
        + (f" ({request.location_notes})" if request.location_notes else ""),
        _("Department: {department}; assigned to {who}").format(
            department=detail.department, who=detail.assignee or _("nobody")
        ),
    ]
    if request.due_at is not None:
        lines.append(_("Due {due}").format(due=when(request.due_at, "%a %d %b %H:%M")))
    said = " ".join(request.description.split())
    lines.append(
        _("The resident said: {said}").format(said=said[:240] + ("…" if len(said) > 240 else ""))
    )
    return "\n".join(lines)


class WorkOrdersPage(QWidget):
    """Today's work orders per department, and the close-out of returned ones."""

    def __init__(self, staff: Callable[[], StaffUser | None]) -> None:
        super().__init__()
        self.tabs = QTabWidget()
        self.today = TodayTab(staff)
        self.closeout = CloseOutTab(staff)
        self.tabs.addTab(self.closeout, _("&Close-out"))
        self.tabs.addTab(self.today, _("&Today's work orders"))
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)

    def load(self) -> None:
        try:
            self.today.fill_departments()
        except KnownError as exc:
            messages.error(self, exc)
        self.today.load()

    def focus_default(self) -> None:
        self.tabs.setCurrentWidget(self.closeout)
        self.closeout.focus_default()

    def refresh_from_others(self) -> None:
        """Another clerk saved something: the day's list again (the close-out form is kept)."""
        if self.today.department.currentData() or self.today.crew.currentData():
            self.today.load()
