"""Settings → Request types: the town's catalog, a type's details and its questions.

A list with a filter box on the left, the chosen type's form on the right with its questions
below. Save (Ctrl+S) keeps the form's changes; each question change is saved at once. Nothing
typed is lost on an error: a refusal is said beside the form, and a conflict with another
supervisor's save offers to save over theirs or to load theirs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import QEvent, QItemSelectionModel, QModelIndex, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import _
from desktop.models.catalog import departments, questions, types
from desktop.models.errors import ConflictError, InputError, KnownError
from desktop.models.storage.schema import StaffUser
from desktop.ui.catalog_dialogs import NewEntryDialog, QuestionDialog
from desktop.ui.catalog_models import CODE_ROLE, QuestionsModel, TypeFilter, TypesModel
from desktop.ui.catalog_type_form import ConflictBanner, TypeForm
from desktop.ui.messages import messages


class _EditorPage(Protocol):
    dirty: bool
    current_code: str | None


def switch_entry(
    page: _EditorPage,
    code: str,
    *,
    title: str,
    name: str,
    select: Callable[[str], None],
    show: Callable[[str], None],
) -> None:
    """Show the entry `code` in a list-and-form page; with unsaved changes in the form, stay
    on the entry being edited until the clerk says the changes may go."""
    leaving = page.current_code
    if not page.dirty or leaving is None:
        show(code)
        return
    select(leaving)

    def discard() -> None:
        page.dirty = False
        select(code)
        show(code)

    messages.confirm(
        page,  # type: ignore[arg-type]
        title,
        _("Your changes to “{name}” are not saved. Leave them?").format(name=name or leaving),
        discard,
    )


def table(model: QObject, name: str) -> QTableView:
    view = QTableView()
    view.setObjectName(name)
    view.setModel(model)  # type: ignore[arg-type]
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.verticalHeader().hide()
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    view.setTabKeyNavigation(False)
    return view


class RequestTypesPage(QWidget):
    """The catalog editor for supervisors (the core checks CATALOG_EDIT on every save)."""

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
        self.dirty = False
        #: how a dialog is shown; tests replace it to fill and save without a modal loop
        self.run_dialog: Callable[[QDialog], object] = lambda dialog: dialog.exec()
        self.model = TypesModel(self)
        self.filtered = TypeFilter(self)
        self.filtered.setSourceModel(self.model)
        self.filter = QLineEdit()
        self.filter.setObjectName("typeFilter")
        self.filter.setPlaceholderText(_("Find a type by name, code, group or keyword"))
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self._filter_changed)
        self.filter.returnPressed.connect(self._filter_entered)
        self.filter.installEventFilter(self)
        self.show_retired = QCheckBox(_("Show retired types"))
        self.show_retired.setChecked(True)
        self.show_retired.toggled.connect(self.filtered.set_show_retired)
        self.list = table(self.filtered, "typeList")
        self.list.selectionModel().currentRowChanged.connect(self._row_changed)
        new = QPushButton(_("&New request type…"))
        new.clicked.connect(self.add_type)
        left = QWidget()
        left_column = QVBoxLayout(left)
        left_column.setContentsMargins(0, 0, 0, 0)
        left_column.addWidget(self.filter)
        left_column.addWidget(self.list, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.show_retired)
        bottom.addStretch(1)
        bottom.addWidget(new)
        left_column.addLayout(bottom)

        self.banner = ConflictBanner()
        self.banner.save_mine.connect(lambda: self.save(over_theirs=True))
        self.banner.load_theirs.connect(self.reload_current)
        self.form = TypeForm()
        self.form.edited.connect(self._edited)
        self.list.activated.connect(lambda _index: self.form.name.setFocus())
        self.save_button = QPushButton(_("Save request type"))
        self.save_button.setObjectName("saveType")
        self.save_button.setToolTip(QKeySequence(QKeySequence.StandardKey.Save).toString())
        self.save_button.clicked.connect(lambda: self.save())
        self.revert_button = QPushButton(_("Undo my changes"))
        self.revert_button.clicked.connect(self.reload_current)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.revert_button)
        buttons.addWidget(self.save_button)
        details = QWidget()
        details_column = QVBoxLayout(details)
        details_column.addWidget(self.banner)
        details_column.addWidget(self.form)
        details_column.addLayout(buttons)
        details_column.addWidget(self._questions_group())
        details_column.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(details)
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(scroll)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 5)
        splitter.setSizes([380, 900])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)
        save_key = QShortcut(QKeySequence(QKeySequence.StandardKey.Save), self)
        save_key.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        save_key.activated.connect(lambda: self.save())
        self._set_enabled(False)

    def _questions_group(self) -> QGroupBox:
        group = QGroupBox(_("Questions the clerk asks (each change is saved at once)"))
        self.questions_model = QuestionsModel(self)
        self.question_list = table(self.questions_model, "questionList")
        self.question_list.setMinimumHeight(150)
        self.question_list.activated.connect(lambda _index: self.edit_question())
        row = QHBoxLayout()
        self.question_buttons: list[QPushButton] = []
        for label, slot in (
            (_("&Add question…"), self.add_question),
            (_("Ed&it…"), self.edit_question),
            (_("Up"), lambda: self.move_question(-1)),
            (_("Down"), lambda: self.move_question(1)),
            (_("Remove"), self.remove_question),
        ):
            button = QPushButton(label)
            button.clicked.connect(lambda _c=False, s=slot: s())
            row.addWidget(button)
            self.question_buttons.append(button)
        row.addStretch(1)
        column = QVBoxLayout(group)
        column.addWidget(self.question_list)
        column.addLayout(row)
        return group

    def _set_enabled(self, enabled: bool) -> None:
        self.form.setEnabled(enabled)
        self.save_button.setEnabled(enabled)
        self.revert_button.setEnabled(enabled)
        for button in self.question_buttons:
            button.setEnabled(enabled)

    # -- the list -------------------------------------------------------------------------------

    def load(self) -> None:
        """Read the catalog again, keeping the chosen type (and what is typed in its form)."""
        try:
            kinds = types.list_types()
            all_departments = departments.list_departments()
            staff = departments.staff_by_id()
        except KnownError as exc:
            messages.error(self, exc)
            return
        keep = self.current_code
        self.model.load(kinds)
        groups = sorted({k.group_name for k in kinds if k.group_name})
        self.form.set_choices(all_departments, groups, staff)
        if keep is not None and self.model.row_of(keep) is not None:
            self._select(keep)
            if not self.dirty:
                self.reload_current()
        elif self.filtered.rowCount():
            self.list.setCurrentIndex(self.filtered.index(0, 0))

    def reload_departments(self) -> None:
        """Departments were added or changed (the Departments tab)."""
        self.load()

    def _filter_changed(self, text: str) -> None:
        self.filtered.set_text(text)

    def _filter_entered(self) -> None:
        if self.filtered.rowCount():
            self.list.setCurrentIndex(self.filtered.index(0, 0))
            self.form.name.setFocus()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.filter
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Down
        ):
            self.list.setFocus()
            if not self.list.currentIndex().isValid() and self.filtered.rowCount():
                self.list.setCurrentIndex(self.filtered.index(0, 0))
            return True
        return super().eventFilter(watched, event)

    def _select(self, code: str) -> None:
        row = self.model.row_of(code)
        if row is None:
            return
        index = self.filtered.mapFromSource(self.model.index(row, 0))
        if not index.isValid():  # filtered out: show everything again
            self.filter.clear()
            self.show_retired.setChecked(True)
            index = self.filtered.mapFromSource(self.model.index(row, 0))
        selection = self.list.selectionModel()
        selection.blockSignals(True)
        self.list.setCurrentIndex(index)
        selection.select(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        selection.blockSignals(False)

    def _row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        code = current.data(CODE_ROLE) if current.isValid() else None
        if code is None or code == self.current_code:
            return
        switch_entry(
            self,
            str(code),
            title=_("Request types"),
            name=self.form.name.text(),
            select=self._select,
            show=self.show_type,
        )

    # -- one type -------------------------------------------------------------------------------

    def show_type(self, code: str) -> None:
        try:
            kind = types.get_type(code)
            keywords = types.type_fields(kind).keywords
            asked = questions.questions(code)
        except KnownError as exc:
            messages.error(self, exc)
            return
        self.current_code, self.current_version = kind.code, kind.version
        self.form.show_type(kind, keywords)
        self.questions_model.load(asked)
        self.banner.hide()
        self.dirty = False
        self._set_enabled(True)

    def reload_current(self) -> None:
        """Show the saved type again (what was typed is dropped: the clerk asked for it)."""
        if self.current_code is not None:
            self.dirty = False
            self.show_type(self.current_code)

    def _edited(self) -> None:
        self.dirty = True

    def save(self, *, over_theirs: bool = False) -> bool:
        """Save the form; True when it was saved. A problem keeps everything as typed."""
        if self.current_code is None:
            return False
        fields = self.form.fields()
        try:
            before = types.get_type(self.current_code)
            saved = types.update_type(
                self.current_code,
                fields,
                version=None if over_theirs else self.current_version,
                actor=self.staff(),
                words={"es": self.form.spanish_changes()},  # in the same transaction
            )
        except ConflictError as exc:
            self.banner.say(str(exc))
            messages.error(self, exc)
            return False
        except InputError as exc:
            self.form.show_error(str(exc))
            messages.error(self, exc)
            return False
        except KnownError as exc:
            messages.error(self, exc)
            return False
        self.dirty = False
        self.current_version = saved.version
        self.banner.hide()
        self.form.show_error("")
        self.load()
        sentence = _("“{name}” was saved.").format(name=saved.name)
        if before.department_id != saved.department_id:
            sentence += " " + _(
                "New requests go to {department}; requests already made stay where they are."
            ).format(department=saved.department.name)
        if before.active and not saved.active:
            sentence += " " + _("It is retired: the Counter no longer offers it.")
        self.saved.emit(sentence)
        return True

    def add_type(self) -> None:
        dialog = NewEntryDialog(
            _("New request type"),
            _("e.g. leaf_pickup"),
            departments.list_departments(include_retired=False),
            self,
        )

        def create(code: str, name: str, department: str) -> object:
            return types.add_type(
                code, types.TypeFields(name=name, department=department), actor=self.staff()
            )

        dialog.save_entry = create
        self.run_dialog(dialog)
        if dialog.saved:
            self.dirty = False
            self.current_code = dialog.created_code
            self.load()
            self._select(dialog.created_code)
            self.show_type(dialog.created_code)
            self.form.name.setFocus()
            self.saved.emit(
                _("Request type “{code}” added: fill in its targets and questions.").format(
                    code=dialog.created_code
                )
            )

    # -- its questions --------------------------------------------------------------------------

    def _question(self) -> tuple[str, int] | None:
        index = self.question_list.currentIndex()
        if not index.isValid():
            return None
        code = self.questions_model.code_at(index.row())
        version = self.questions_model.version_at(index.row())
        return None if code is None or version is None else (code, version)

    def _reload_questions(self, keep: str | None) -> None:
        if self.current_code is None:
            return
        try:
            self.questions_model.load(questions.questions(self.current_code))
        except KnownError as exc:
            messages.error(self, exc)
            return
        row = self.questions_model.row_of(keep) if keep else None
        if row is not None:
            self.question_list.setCurrentIndex(self.questions_model.index(row, 0))

    def add_question(self) -> None:
        if self.current_code is None:
            return
        type_code = self.current_code
        dialog = QuestionDialog(self.form.name.text(), parent=self)
        dialog.save_question = lambda code, fields: questions.add_question(
            type_code, code, fields, actor=self.staff()
        )
        self.run_dialog(dialog)
        if dialog.saved:
            self._reload_questions(dialog.code.text().strip().lower())
            self.saved.emit(_("Question added; the Counter asks it from now on."))

    def edit_question(self) -> None:
        chosen = self._question()
        if chosen is None or self.current_code is None:
            return
        type_code, (code, version) = self.current_code, chosen
        try:
            attribute = questions.get_question(type_code, code)
            answered = questions.answer_count(attribute)
        except KnownError as exc:
            messages.error(self, exc)
            return
        dialog = QuestionDialog(
            self.form.name.text(),
            questions.question_fields(attribute),
            code=code,
            answered=answered,
            parent=self,
        )
        dialog.save_question = lambda _code, fields: questions.update_question(
            type_code, code, fields, version=version, actor=self.staff()
        )
        self.run_dialog(dialog)
        if dialog.saved:
            self._reload_questions(code)
            self.saved.emit(_("Question saved."))

    def move_question(self, step: int) -> None:
        chosen = self._question()
        if chosen is None or self.current_code is None:
            return
        code, version = chosen
        place = self.question_list.currentIndex().row() + 1 + step
        if not 1 <= place <= self.questions_model.rowCount():
            return
        try:
            questions.move_question(
                self.current_code, code, place, version=version, actor=self.staff()
            )
        except KnownError as exc:
            messages.error(self, exc)
        self._reload_questions(code)

    def remove_question(self) -> None:
        chosen = self._question()
        if chosen is None or self.current_code is None:
            return
        type_code, (code, version) = self.current_code, chosen

        def remove() -> None:
            try:
                questions.remove_question(type_code, code, version=version, actor=self.staff())
            except KnownError as exc:
                messages.error(self, exc)
                return
            self._reload_questions(None)
            self.saved.emit(_("Question removed."))

        messages.confirm(
            self,
            _("Request types"),
            _("Remove the question “{code}”? Only a question nobody has answered can go.").format(
                code=code
            ),
            remove,
        )

    def focus_default(self) -> None:
        self.filter.setFocus()
