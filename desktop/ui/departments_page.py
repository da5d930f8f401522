"""Settings → Departments: the town's departments and crews, who gets their new requests, and
retiring one that no longer does any work (the core says when that is not possible yet)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import _
from desktop.models.catalog import departments, types
from desktop.models.catalog.departments import DepartmentFields
from desktop.models.errors import ConflictError, InputError, KnownError
from desktop.models.storage.schema import StaffUser
from desktop.ui.catalog_dialogs import NewEntryDialog
from desktop.ui.catalog_models import CODE_ROLE, DepartmentsModel
from desktop.ui.catalog_page import switch_entry, table
from desktop.ui.catalog_type_form import ERROR_STYLE, ConflictBanner, text_box
from desktop.ui.messages import messages


class DepartmentsPage(QWidget):
    """The list of departments and the form for the chosen one."""

    #: a sentence saying what was saved, for the status bar
    saved = Signal(str)

    def __init__(
        self, staff: Callable[[], StaffUser | None], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        #: who is signed in at this workstation: the actor of every save here
        self.staff = staff
        self.current_code: str | None = None
        self.current_version: int | None = None
        self._staff: dict[int, StaffUser] = {}
        self.dirty = False
        self._quiet = False
        #: how a dialog is shown; tests replace it to fill and save without a modal loop
        self.run_dialog: Callable[[QDialog], object] = lambda dialog: dialog.exec()
        self.model = DepartmentsModel(self)
        self.list = table(self.model, "departmentList")
        self.list.selectionModel().currentRowChanged.connect(self._row_changed)
        new = QPushButton(_("&New department…"))
        new.clicked.connect(self.add_department)
        left = QWidget()
        left_column = QVBoxLayout(left)
        left_column.setContentsMargins(0, 0, 0, 0)
        left_column.addWidget(self.list, 1)
        left_column.addWidget(new, 0, Qt.AlignmentFlag.AlignRight)

        self.banner = ConflictBanner()
        self.banner.save_mine.connect(lambda: self.save(over_theirs=True))
        self.banner.load_theirs.connect(self.reload_current)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.hide()
        self.code = QLabel()
        self.name = QLineEdit()
        self.name.setObjectName("departmentName")
        self.list.activated.connect(lambda _index: self.name.setFocus())
        self.phone = QLineEdit()
        self.email = QLineEdit()
        self.description = text_box(3)
        self.assignee = QComboBox()
        self.assignee.setObjectName("departmentAssignee")
        self.active = QCheckBox(_("Does work for the town (untick to retire it)"))
        for signal in (
            self.name.textEdited,
            self.phone.textEdited,
            self.email.textEdited,
            self.description.textChanged,
            self.assignee.activated,
            self.active.toggled,
        ):
            signal.connect(self._edited)
        self.save_button = QPushButton(_("Save department"))
        self.save_button.clicked.connect(lambda: self.save())
        revert = QPushButton(_("Undo my changes"))
        revert.clicked.connect(self.reload_current)
        details = QWidget()
        details_column = QVBoxLayout(details)
        form = QFormLayout()
        details_column.addLayout(form)
        details_column.addStretch(1)
        form.addRow(self.banner)
        form.addRow(self.error)
        for label, widget in (
            (_("Code:"), self.code),
            (_("&Name:"), self.name),
            (_("P&hone:"), self.phone),
            (_("E&mail:"), self.email),
            (_("Desc&ription:"), self.description),
            (_("Default &assignee:"), self.assignee),
        ):
            caption = QLabel(label)
            caption.setBuddy(widget)
            form.addRow(caption, widget)
        form.addRow(
            "",
            QLabel(_("New requests of its types go to them unless a routing rule says otherwise.")),
        )
        form.addRow("", self.active)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(revert)
        buttons.addWidget(self.save_button)
        form.addRow(buttons)
        self.details = details
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(details)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 4)
        splitter.setSizes([560, 720])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)
        save_key = QShortcut(QKeySequence(QKeySequence.StandardKey.Save), self)
        save_key.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        save_key.activated.connect(lambda: self.save())
        details.setEnabled(False)

    def load(self) -> None:
        try:
            listed = departments.list_departments()
            counts = types.type_counts_by_department()
            staff = departments.staff_by_id()
        except KnownError as exc:
            messages.error(self, exc)
            return
        self.model.load(listed, counts, staff)
        self._staff = staff
        keep = self.current_code
        if keep is not None and self.model.row_of(keep) is not None:
            self._select(keep)
            if not self.dirty:
                self.show_department(keep)
        elif self.model.rowCount():
            self.list.setCurrentIndex(self.model.index(0, 0))

    def _row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        code = current.data(CODE_ROLE) if current.isValid() else None
        if code is None or code == self.current_code:
            return
        switch_entry(
            self,
            str(code),
            title=_("Departments"),
            name=self.name.text(),
            select=self._select,
            show=self.show_department,
        )

    def _select(self, code: str) -> None:
        row = self.model.row_of(code)
        if row is None:
            return
        selection = self.list.selectionModel()
        selection.blockSignals(True)
        self.list.setCurrentIndex(self.model.index(row, 0))
        selection.blockSignals(False)
        self.list.viewport().update()

    def _edited(self, *_args: object) -> None:
        if not self._quiet:
            self.dirty = True

    def show_department(self, code: str) -> None:
        try:
            department = departments.get_department(code)
            fields = departments.department_fields(department)
        except KnownError as exc:
            messages.error(self, exc)
            return
        self._quiet = True
        self.current_code, self.current_version = department.code, department.version
        self.code.setText(department.code)
        self.name.setText(fields.name)
        self.phone.setText(fields.phone)
        self.email.setText(fields.email)
        self.description.setPlainText(fields.description)
        self.assignee.clear()
        self.assignee.addItem(_("(nobody: requests wait to be assigned)"), "")
        for person in sorted(self._staff.values(), key=lambda s: s.full_name):
            if person.active or person.username == fields.default_assignee:
                label = (
                    person.full_name
                    if person.active
                    else _("{name} (left)").format(name=person.full_name)
                )
                self.assignee.addItem(label, person.username)
        self.assignee.setCurrentIndex(max(self.assignee.findData(fields.default_assignee), 0))
        self.active.setChecked(fields.active)
        self._quiet = False
        self.dirty = False
        self.banner.hide()
        self.show_error("")
        self.details.setEnabled(True)

    def reload_current(self) -> None:
        """Show the saved department again (what was typed is dropped: the clerk asked)."""
        if self.current_code is not None:
            self.dirty = False
            self.show_department(self.current_code)

    def fields(self) -> DepartmentFields:
        return DepartmentFields(
            name=self.name.text(),
            phone=self.phone.text(),
            email=self.email.text(),
            description=self.description.toPlainText(),
            default_assignee=str(self.assignee.currentData() or ""),
            active=self.active.isChecked(),
        )

    def show_error(self, sentence: str) -> None:
        self.error.setText(sentence)
        self.error.setVisible(bool(sentence))

    def save(self, *, over_theirs: bool = False) -> bool:
        if self.current_code is None:
            return False
        try:
            saved = departments.update_department(
                self.current_code,
                self.fields(),
                version=None if over_theirs else self.current_version,
                actor=self.staff(),
            )
        except ConflictError as exc:
            self.banner.say(str(exc))
            messages.error(self, exc)
            return False
        except InputError as exc:
            self.show_error(str(exc))
            messages.error(self, exc)
            return False
        except KnownError as exc:
            messages.error(self, exc)
            return False
        self.dirty = False
        self.load()
        self.saved.emit(_("The department “{name}” was saved.").format(name=saved.name))
        return True

    def add_department(self) -> None:
        dialog = NewEntryDialog(_("New department"), _("e.g. FIRE"), parent=self)
        dialog.save_entry = lambda code, name, _d: departments.add_department(
            code, DepartmentFields(name=name), actor=self.staff()
        )
        self.run_dialog(dialog)
        if dialog.saved:
            self.dirty = False
            self.current_code = dialog.created_code
            self.load()
            self.name.setFocus()
            self.saved.emit(
                _("Department “{code}” added: fill in its phone, email and assignee.").format(
                    code=dialog.created_code
                )
            )

    def focus_default(self) -> None:
        self.list.setFocus()
