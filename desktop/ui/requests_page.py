"""The Requests area: saved views, a filter bar, the paged list and the chosen request's detail.

The list reads a page at a time; other clerks' saves refresh it in place, keeping the selected
request and the scroll position.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6 import QtCore, QtWidgets  # PySide builds a class when first named: at use
from PySide6.QtCore import QItemSelectionModel, QPoint, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMainWindow,
    QMenu,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import _, ngettext
from desktop.models.errors import KnownError
from desktop.models.requests.listing import COLUMN_KEYS, COLUMNS, RequestFilter
from desktop.models.requests.lookups import active_staff
from desktop.models.requests.my_work import my_views
from desktop.models.requests.saved_views import (
    ListView,
    builtin_views,
    delete_view,
    own_views,
    save_view,
)
from desktop.models.staff import permissions
from desktop.models.storage.schema import StaffUser
from desktop.models.vocab import OPEN_STATUSES, STATUSES
from desktop.ui.messages import messages
from desktop.ui.qt_early import header_labels, set_enum, show_sort
from desktop.ui.request_detail_pane import RequestDetailPane
from desktop.ui.request_filters import FilterBar
from desktop.ui.request_model import RequestTableModel

if TYPE_CHECKING:
    from desktop.ui.export_dialog import ExportDialog
    from desktop.ui.print_preview import PrintJob

_WIDTHS = {
    "tracking_number": 110,
    "requested_at": 130,
    "service_type": 190,
    "status": 95,
    "priority": 70,
    "address": 190,
    "department": 150,
    "assignee": 130,
    "due_at": 130,
    "channel": 80,
    "contact": 150,
}


class RequestsPage(QWidget):
    """Views, filters, the list and the detail pane."""

    def __init__(
        self,
        staff: Callable[[], StaffUser | None],
        hidden_columns: list[str] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.staff = staff
        #: when the signed-in staff member last looked at My work here (None: never)
        self.my_work_since: Callable[[], dt.datetime | None] = lambda: None
        self.views: list[ListView] = []
        #: the requests behind a Dashboard number, shown as a view of their own (not saved)
        self.drill_view: ListView | None = None
        self.view_choice = QComboBox()
        self.view_choice.setObjectName("views")
        self.view_choice.setMinimumWidth(160)
        self.view_choice.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.save_view_button = QPushButton(_("Save view…"))
        self.save_view_button.clicked.connect(self.ask_save_view)
        self.delete_view_button = QPushButton(_("Delete view"))
        self.delete_view_button.clicked.connect(self.delete_current_view)
        self.clear_button = QPushButton(_("Clear filters"))
        self.count_label = QLabel()
        self.count_label.setObjectName("count")
        top = QHBoxLayout()
        top.addWidget(QLabel(_("View:")))
        top.addWidget(self.view_choice)
        top.addWidget(self.save_view_button)
        top.addWidget(self.delete_view_button)
        top.addWidget(self.clear_button)
        self.print_button = QPushButton(_("Print work orders"))
        self.print_button.setObjectName("printWorkOrders")
        self.print_button.setToolTip(
            _(
                "Print the work orders of the selected requests (Ctrl+P; Shift+click or Ctrl+click "
                "selects several)"
            )
        )
        self.print_button.clicked.connect(lambda _checked=False: self.print_selected())
        top.addWidget(self.print_button)
        self.bulk_button = QPushButton(_("With the selected"))
        self.bulk_button.setObjectName("bulkActions")
        self.bulk_button.setToolTip(
            _("One change to every selected request (Shift+click or Ctrl+click selects several)")
        )
        self.bulk_menu = QMenu(self)
        for label, slot in (
            (_("Assign…"), self.ask_bulk_assign),
            (_("Change status…"), self.ask_bulk_status),
            (_("Add the same note…"), lambda: self.ask_bulk_note(public=False)),
            (_("Add the same public update…"), lambda: self.ask_bulk_note(public=True)),
            (_("Close as duplicates of…"), self.ask_bulk_duplicate),
            (_("Print their work orders (Ctrl+P)"), lambda: self.print_selected()),
        ):
            self.bulk_menu.addAction(label).triggered.connect(lambda _c=False, s=slot: s())
        self.bulk_button.setMenu(self.bulk_menu)
        top.addWidget(self.bulk_button)
        self.export_button = QPushButton(_("Export…"))
        self.export_button.setObjectName("exportRequests")
        self.export_button.setToolTip(_("This list, as filtered, to Excel or CSV"))
        self.export_button.clicked.connect(lambda _checked=False: self.export_list())
        top.addWidget(self.export_button)
        top.addStretch(1)
        top.addWidget(self.count_label)
        self.filter_bar = FilterBar()
        self.clear_button.clicked.connect(self._clear_filters)

        self.model = RequestTableModel(None, self, staff=self.staff)
        self.table = QTableView()
        self.table.setObjectName("requestTable")
        self.table.setModel(self.model)
        header_labels(self.table, [column.label for column in COLUMNS])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(24)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.setSectionsClickable(True)
        header.setSortIndicatorShown(True)  # which column the list is sorted by, and which way
        set_enum(header, "contextMenuPolicy", "CustomContextMenu")
        header.customContextMenuRequested.connect(self._column_menu)
        for key, width in _WIDTHS.items():
            self.table.setColumnWidth(COLUMN_KEYS.index(key), width)
        hidden = (
            hidden_columns
            if hidden_columns is not None
            else [c.key for c in COLUMNS if not c.shown_by_default]
        )
        for key in hidden:
            if key in COLUMN_KEYS:
                self.table.setColumnHidden(COLUMN_KEYS.index(key), True)

        self.detail = RequestDetailPane(self.staff)
        self.detail.changed.connect(lambda _id: self.refresh())
        self.detail.open_request.connect(self.open_request)
        self.detail.print_requested.connect(lambda request_id: self.print_selected(request_id))
        splitter = QSplitter()
        splitter.addWidget(self.table)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([760, 420])

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.filter_bar)
        layout.addWidget(splitter, 1)
        find = QShortcut(QKeySequence.StandardKey.Find, self)
        set_enum(find, "context", "WidgetWithChildrenShortcut")
        find.activated.connect(self._focus_search)
        print_keys = QShortcut(QKeySequence.StandardKey.Print, self)
        set_enum(print_keys, "context", "WidgetWithChildrenShortcut")
        print_keys.activated.connect(lambda: self.print_selected())
        self.filter_bar.search.returnPressed.connect(self._search_entered)
        self.loaded = False

    # -- loading ------------------------------------------------------------------------------

    def load(self) -> None:
        """Read the list the first time the page is shown; later, changes re-read it."""
        if self.loaded:
            self.refresh()
            return
        self.loaded = True

        if not permissions.can(self.staff(), permissions.REPORTS_VIEW):  # the core checks too
            self.export_button.setEnabled(False)
            self.export_button.setToolTip(
                _("Exports are reports: a supervisor or an administrator makes them.")
            )
        self.fill_views()
        self.view_choice.currentIndexChanged.connect(self._view_changed)
        self.filter_bar.changed.connect(self.apply)
        self.table.selectionModel().currentRowChanged.connect(self._row_changed)
        self.apply()
        self.table.horizontalHeader().sortIndicatorChanged.connect(self._sorted)
        if self.model.rowCount() and not self.table.currentIndex().isValid():
            # the newest request shown beside the list as the page is built, not when the
            # table first takes the focus: the window's first paint is then its last layout.
            # Current, not selected, as the focus would make it: what the clerk selects for
            # "With the selected" is only what they chose
            self.table.selectionModel().setCurrentIndex(
                self.model.index(0, 0), QItemSelectionModel.SelectionFlag.NoUpdate
            )

    def fill_views(self, select: str = "") -> None:
        staff = self.staff()
        try:
            mine = my_views(staff, self.my_work_since()) if staff is not None else []
            self.views = builtin_views(staff) + mine + own_views(staff)
        except KnownError as exc:
            messages.error(self, exc)
            self.views = builtin_views(staff)
        if self.drill_view is not None:
            self.views.append(self.drill_view)
        self.view_choice.blockSignals(True)
        self.view_choice.clear()
        for view in self.views:
            self.view_choice.addItem(view.name if view.id is None else f"★ {view.name}")
        names = [v.name for v in self.views]
        self.view_choice.setCurrentIndex(names.index(select) if select in names else 0)
        self.view_choice.blockSignals(False)
        self._update_view_buttons()

    def show_requests(self, name: str, filters: RequestFilter) -> None:
        """Show exactly these requests (a Dashboard number's), as a view named `name`; the
        clerk can narrow it with the filter bar or keep it with "Save view…"."""
        self.drill_view = ListView(name, filters)
        if not self.loaded:
            self.load()
        self.fill_views(select=name)
        self._view_changed(self.view_choice.currentIndex())

    @property
    def current_view(self) -> ListView:
        index = self.view_choice.currentIndex()
        return self.views[index] if 0 <= index < len(self.views) else self.views[0]

    #: a view of My work was opened: what went overdue until now has been seen
    my_work_seen = Signal()

    def _view_changed(self, _index: int) -> None:
        view = self.current_view
        if view.id is None and view.name.startswith(_("My work")):
            self.my_work_seen.emit()
        self.filter_bar.clear()
        self._update_view_buttons()
        self.apply(view.sort_key, view.descending)

    def _update_view_buttons(self) -> None:
        self.delete_view_button.setEnabled(bool(self.views) and self.current_view.id is not None)

    def apply(self, sort_key: str | None = None, descending: bool | None = None) -> None:
        """Read the list again with the view's filters and the bar's."""
        filters = self.filter_bar.filters(self.current_view.filters)
        shown = self.detail.request
        sort_key = sort_key or self.model.sort_key
        descending = self.model.descending if descending is None else descending
        try:
            self.model.set_query(filters, sort_key, descending)
        except KnownError as exc:
            messages.error(self, exc)
        if shown is not None:  # keep showing the request if it is still in the list
            row = self.model.row_of(shown.id, near=0)
            if row is None:
                self.detail.show_nothing()
            else:
                self._select_row(row, quiet=True)
        show_sort(
            self.table.horizontalHeader(),
            COLUMN_KEYS.index(self.model.sort_key),
            self.model.descending,
        )
        self._show_count()

    def _sorted(self, column: int, order: QtCore.Qt.SortOrder) -> None:
        if COLUMNS[column].sortable:
            self.apply(COLUMN_KEYS[column], order == QtCore.Qt.SortOrder.DescendingOrder)

    def refresh_from_others(self) -> None:
        """Another clerk saved something: the list and the open request, selection kept."""
        self.refresh()

    def refresh(self) -> None:
        """Read again (another clerk saved something): the selection and scroll position stay."""
        selected = self.selected_id()
        row = self.table.currentIndex().row()
        scroll = self.table.verticalScrollBar().value()
        try:
            self.model.refresh()
        except KnownError as exc:
            messages.error(self, exc)
            return
        self.table.verticalScrollBar().setValue(scroll)
        if selected is not None:
            found = self.model.row_of(selected, near=row)
            if found is not None:
                self._select_row(found, quiet=True)
            self.detail.reload()
        self._show_count()

    def set_staff(self, _staff: StaffUser | None) -> None:
        """Who is at the desk changed: "Mine" and the clerk's own views follow."""
        self.fill_views(self.current_view.name)
        self.apply()

    def _show_count(self) -> None:
        count = self.model.rowCount()
        if self.model.capped:
            self.count_label.setText(
                _("the newest {n:,} matches (add words to narrow the search)").format(n=count)
            )
        else:
            self.count_label.setText(
                ngettext("{n:,} request", "{n:,} requests", count).format(n=count)
            )

    # -- selection and opening ----------------------------------------------------------------

    def selected_id(self) -> int | None:
        index = self.table.currentIndex()
        return self.model.row_id(index.row()) if index.isValid() else None

    def current_filters(self) -> RequestFilter:
        """The filters of the list as shown: the view's, narrowed by the bar."""
        return self.filter_bar.filters(self.current_view.filters)

    def export_list(self, **options: Any) -> ExportDialog | None:
        """The Export dialog for the list as shown (supervisors and administrators)."""

        if not permissions.can(self.staff(), permissions.REPORTS_VIEW):
            messages.info(
                self,
                _("Export"),
                _("Exports are reports: a supervisor or an administrator makes them."),
            )
            return None
        from desktop.ui.export_dialog import ExportDialog

        dialog = ExportDialog(
            self.current_filters(), self.model.rowCount(), self.staff, self, **options
        )
        dialog.accepted.connect(lambda: self._exported(dialog))
        dialog.open()
        return dialog

    def _exported(self, dialog: ExportDialog) -> None:
        top = self.window()
        if isinstance(top, QMainWindow):
            top.statusBar().showMessage(
                _("Exported {n:,} requests to {path}.").format(n=dialog.count, path=dialog.written),
                10000,
            )

    def selected_ids(self) -> list[int]:
        """The requests selected in the list, top to bottom (the current one when none is)."""
        rows = sorted(index.row() for index in self.table.selectionModel().selectedRows())
        ids = [self.model.row_id(row) for row in rows]
        chosen = [request_id for request_id in ids if request_id is not None]
        if not chosen and self.selected_id() is not None:
            chosen = [self.selected_id()]  # type: ignore[list-item]
        return chosen

    def _selected_count(self) -> int:
        """How many rows are selected, from the selection's ranges (which may overlap)."""
        chosen = self.table.selectionModel().selection()
        spans = sorted((chosen.at(i).top(), chosen.at(i).bottom()) for i in range(chosen.count()))
        count, reached = 0, -1
        for top, bottom in spans:
            if bottom > reached:
                count += bottom - max(top, reached + 1) + 1
                reached = bottom
        return count

    # -- one change to several requests ------------------------------------------------------

    def bulk_change(self, action: str, value: Any) -> list[Any] | None:
        """Make one change to each selected request (bulk.py); what was refused is said,
        request by request. None when nothing was tried."""

        from desktop.models.requests import bulk

        try:  # counted before the ids are gathered: Ctrl+A on a big town is a million rows
            bulk.refuse_too_many(self._selected_count())
            ids = self.selected_ids()
            results = bulk.apply(action, ids, value, actor=self.staff())
        except KnownError as exc:
            messages.error(self, exc, _("With the selected"))
            return None
        self.refresh()
        self.detail.reload()
        messages.info(self, _("With the selected"), bulk.summary(results))
        return results

    def _bulk_ready(self) -> bool:
        if self.selected_ids():
            return True
        messages.info(
            self, _("With the selected"), _("Select the requests to change in the list first.")
        )
        return False

    def ask_bulk_assign(self) -> None:
        if not self._bulk_ready():
            return
        people = active_staff()
        names = [_("(nobody)")] + [p.full_name for p in people]
        name, ok = QtWidgets.QInputDialog.getItem(
            self, _("Assign"), _("Assign the selected requests to:"), names, 0, False
        )
        if ok:
            index = names.index(name)
            self.bulk_change("assign", people[index - 1] if index else None)

    def ask_bulk_status(self) -> None:
        if not self._bulk_ready():
            return
        labels = [STATUSES[code] for code in OPEN_STATUSES]
        label, ok = QtWidgets.QInputDialog.getItem(
            self, _("Change status"), _("Move the selected requests to:"), labels, 0, False
        )
        if ok:
            self.bulk_change("status", OPEN_STATUSES[labels.index(label)])

    def ask_bulk_note(self, public: bool = False) -> None:
        from desktop.ui.text_dialog import TextDialog

        if not self._bulk_ready():
            return
        dialog = TextDialog(
            self,
            _("Public update") if public else _("Note"),
            _("The same public update on each selected request (the residents may be told):")
            if public
            else _("The same note on each selected request (staff only):"),
        )
        accepted = dialog.exec() == dialog.DialogCode.Accepted
        text = dialog.textValue()
        dialog.deleteLater()
        if accepted:
            self.bulk_change("update" if public else "note", text)

    def ask_bulk_duplicate(self) -> None:
        if not self._bulk_ready():
            return
        number, ok = QtWidgets.QInputDialog.getText(
            self,
            _("Close as duplicates"),
            _(
                "The tracking number of the original (type or scan it); the others are resolved "
                "as its duplicates:"
            ),
        )
        if ok and number.strip():
            self.bulk_change("duplicate", number.strip())

    def print_selected(self, request_id: int | None = None) -> PrintJob | None:
        """Preview and print work orders: the selected rows, or `request_id` when it is not
        among them (the detail pane's Print button)."""

        from desktop.models.documents import gather as documents

        if request_id is None:
            try:  # counted before the ids are gathered: Ctrl+A on a big town is a million rows
                documents.refuse_large_selection(self._selected_count())
            except KnownError as exc:
                messages.error(self, exc, _("Print work orders"))
                return None
        ids = self.selected_ids()
        if request_id is not None and request_id not in ids:
            ids = [request_id]
        if not ids:
            messages.info(
                self, _("Print work orders"), _("Select the requests to print in the list first.")
            )
            return None
        from desktop.ui import print_preview  # printing loads when first used

        return print_preview.print_work_orders(self, ids, self.staff())

    def _select_row(self, row: int, *, quiet: bool = False) -> None:
        index = self.model.index(row, 0)
        selection = self.table.selectionModel()
        if quiet:
            selection.blockSignals(True)
        selection.setCurrentIndex(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        if quiet:
            selection.blockSignals(False)
            self.table.viewport().update()

    def _row_changed(self, current: object, _previous: object) -> None:
        request_id = self.selected_id()
        if request_id is None:
            self.detail.show_nothing()
        else:
            self.detail.show_request(request_id)

    def open_request(self, reference: str) -> bool:
        """Show a request by its number (typed or scanned), selecting it in the list if there."""
        if not self.loaded:
            self.load()
        if not self.detail.show_request(reference):
            return False
        request = self.detail.request
        assert request is not None
        row = self.model.row_of(request.id, near=0)
        if row is not None:
            self._select_row(row, quiet=True)
            self.table.scrollTo(self.model.index(row, 0))
        else:
            self.table.clearSelection()
        return True

    def _search_entered(self) -> None:
        """Enter in the search box: search now and go to the first request found."""
        self.filter_bar.flush()
        if self.model.rowCount():
            self.table.setFocus()
            self._select_row(0)

    def focus_default(self) -> None:
        self.table.setFocus()

    def _focus_search(self) -> None:
        self.filter_bar.search.setFocus()
        self.filter_bar.search.selectAll()

    def _clear_filters(self) -> None:
        self.filter_bar.clear()
        self.apply()

    # -- views and columns --------------------------------------------------------------------

    def ask_save_view(self) -> None:
        name, ok = QtWidgets.QInputDialog.getText(self, _("Save view"), _("Name of this view:"))
        if ok:
            self.save_current_view(name)

    def save_current_view(self, name: str) -> bool:
        filters = self.filter_bar.filters(self.current_view.filters)
        try:
            view = save_view(
                name, filters, self.model.sort_key, self.model.descending, self.staff()
            )
        except KnownError as exc:
            messages.error(self, exc)
            return False
        self.filter_bar.clear()
        self.fill_views(view.name)
        self._view_changed(self.view_choice.currentIndex())
        return True

    def delete_current_view(self) -> None:
        view = self.current_view
        if view.id is None:
            return
        view_id = view.id

        def remove() -> None:
            try:
                delete_view(view_id)
            except KnownError as exc:
                messages.error(self, exc)
            self.fill_views()
            self._view_changed(0)

        messages.confirm(
            self, _("Delete view"), _("Delete the view “{name}”?").format(name=view.name), remove
        )

    def _column_menu(self, point: QPoint) -> None:
        menu = self.column_menu()
        menu.exec(self.table.horizontalHeader().mapToGlobal(point))

    def column_menu(self) -> QMenu:
        """Show or hide each column (the clerk's choice is kept by the window)."""
        menu = QMenu(self)
        for number, column in enumerate(COLUMNS):
            action = menu.addAction(column.label)
            action.setCheckable(True)
            action.setChecked(not self.table.isColumnHidden(number))
            action.toggled.connect(lambda shown, n=number: self.table.setColumnHidden(n, not shown))
        return menu

    def hidden_columns(self) -> list[str]:
        return [c.key for n, c in enumerate(COLUMNS) if self.table.isColumnHidden(n)]
