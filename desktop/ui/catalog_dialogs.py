"""Small dialogs of the catalog editor: one question of a type, and a new type or department.

Each saves through a callback the page gives it; a refusal is shown inside the dialog, which
stays open with everything typed (and goes through `messages` like every other failure).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import _, ngettext
from desktop.models.catalog.questions import QuestionFields, format_choices, parse_choices
from desktop.models.errors import KnownError
from desktop.models.storage.schema import Department
from desktop.models.vocab import DATATYPES, LIST_DATATYPES
from desktop.ui.catalog_type_form import ERROR_STYLE, text_box
from desktop.ui.messages import messages


class _SavingDialog(QDialog):
    """Save runs `save_with`; a known error is said above the fields and the dialog stays."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.saved = False
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.hide()
        self.form = QFormLayout()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.error)
        layout.addLayout(self.form)
        layout.addWidget(self.buttons)

    def attempt(self) -> None:
        """Do the saving (subclasses)."""

    def save(self) -> None:
        try:
            self.attempt()
        except KnownError as exc:
            self.error.setText(str(exc))
            self.error.show()
            messages.error(self, exc)
            return
        self.saved = True
        self.accept()


class QuestionDialog(_SavingDialog):
    """One question: how the clerk asks it, the kind of answer, its choices."""

    def __init__(
        self,
        type_name: str,
        fields: QuestionFields | None = None,
        *,
        code: str = "",
        answered: int = 0,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(_("Question for {type}").format(type=type_name), parent)
        self.save_question: Callable[[str, QuestionFields], object] | None = None
        self.code = QLineEdit(code)
        self.code.setObjectName("questionCode")
        self.code.setReadOnly(bool(code))
        self.code.setPlaceholderText(_("e.g. how_deep (never changes)"))
        self.label = QLineEdit()
        self.label.setObjectName("questionLabel")
        self.kind = QComboBox()
        for datatype, name in DATATYPES.items():
            self.kind.addItem(name, datatype)
        self.required = QCheckBox(_("Required: the clerk cannot save without an answer"))
        self.info = QCheckBox(_("Only a line for the clerk to read, not a question"))
        self.hint = text_box(2)
        self.choices = QPlainTextEdit()
        self.choices.setObjectName("questionChoices")
        self.choices.setTabChangesFocus(True)
        self.choices.setPlaceholderText(_("one a line: “key = name”, or just the name"))
        self.note = QLabel()
        self.note.setWordWrap(True)
        if answered:
            self.note.setText(
                ngettext(
                    "Answered on {count:,} request: its kind of answer and the choices "
                    "callers picked stay as they are (choices can be renamed).",
                    "Answered on {count:,} requests: its kind of answer and the choices "
                    "callers picked stay as they are (choices can be renamed).",
                    answered,
                ).format(count=answered)
            )
        self.note.setVisible(bool(answered))
        self.form.addRow(_("&Code:"), self.code)
        self.form.addRow(_("&Question:"), self.label)
        self.form.addRow(_("&Answer:"), self.kind)
        self.form.addRow("", self.required)
        self.form.addRow("", self.info)
        self.form.addRow(_("&Hint:"), self.hint)
        self.form.addRow(_("C&hoices:"), self.choices)
        self.form.addRow(self.note)
        self.kind.currentIndexChanged.connect(lambda _i: self._kind_changed())
        self.info.toggled.connect(lambda _on: self._kind_changed())
        if fields is not None:
            self.label.setText(fields.label)
            self.kind.setCurrentIndex(max(self.kind.findData(fields.datatype), 0))
            self.required.setChecked(fields.required)
            self.info.setChecked(not fields.variable)
            self.hint.setPlainText(fields.help)
            self.choices.setPlainText(format_choices(fields.choices))
        self._kind_changed()
        (self.label if code else self.code).setFocus()

    def _kind_changed(self) -> None:
        self.choices.setEnabled(self.kind.currentData() in LIST_DATATYPES)
        self.required.setEnabled(not self.info.isChecked())

    def fields(self) -> QuestionFields:
        return QuestionFields(
            label=self.label.text(),
            datatype=str(self.kind.currentData()),
            required=self.required.isChecked() and not self.info.isChecked(),
            help=self.hint.toPlainText(),
            choices=parse_choices(self.choices.toPlainText()),
            variable=not self.info.isChecked(),
        )

    def attempt(self) -> None:
        if self.save_question is not None:
            self.save_question(self.code.text(), self.fields())


class NewEntryDialog(_SavingDialog):
    """A new request type or department: its code (for good) and its name; a type also needs
    its department. The rest is filled in the page's form afterwards."""

    def __init__(
        self,
        title: str,
        code_hint: str,
        departments: list[Department] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(title, parent)
        self.save_entry: Callable[[str, str, str], object] | None = None
        self.code = QLineEdit()
        self.code.setObjectName("newCode")
        self.code.setPlaceholderText(code_hint)
        self.name = QLineEdit()
        self.name.setObjectName("newName")
        self.form.addRow(_("&Code:"), self.code)
        self.form.addRow(_("&Name:"), self.name)
        self.department: QComboBox | None = None
        if departments is not None:
            self.department = QComboBox()
            for d in departments:
                self.department.addItem(d.name, d.code)
            self.form.addRow(_("&Department:"), self.department)
        self.form.addRow(QLabel(_("The code never changes once saved.")))
        self.created_code = ""

    def attempt(self) -> None:
        department = str(self.department.currentData() or "") if self.department else ""
        if self.save_entry is not None:
            made = self.save_entry(self.code.text(), self.name.text(), department)
            self.created_code = str(getattr(made, "code", ""))
