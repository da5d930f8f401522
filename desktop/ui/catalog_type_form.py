"""The form for one request type, and the banner that says someone else saved it first.

The form only shows and gathers what is typed (`TypeFields`); the core checks and saves it.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from desktop.i18n import _
from desktop.models.catalog import translations
from desktop.models.catalog.types import MAX_TARGET, TypeFields
from desktop.models.storage.schema import Department, ServiceType, StaffUser
from desktop.models.vocab import PRIORITIES, TARGET_UNITS

ERROR_STYLE = "color:#8c1d18;"


class ConflictBanner(QFrame):
    """ "Someone else saved this first": keep what was typed and save it over theirs, or load
    theirs. Shown only after a ConflictError."""

    save_mine = Signal()
    load_theirs = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("conflictBanner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet("#conflictBanner { background:#fff4ce; }")
        self.text = QLabel()
        self.text.setWordWrap(True)
        mine = QPushButton(_("Save mine over theirs"))
        mine.clicked.connect(self.save_mine)
        theirs = QPushButton(_("Load theirs"))
        theirs.clicked.connect(self.load_theirs)
        layout = QHBoxLayout(self)
        layout.addWidget(self.text, 1)
        layout.addWidget(mine)
        layout.addWidget(theirs)
        self.hide()

    def say(self, sentence: str) -> None:
        self.text.setText(sentence)
        self.show()


def text_box(lines: int = 3) -> QPlainTextEdit:
    box = QPlainTextEdit()
    box.setTabChangesFocus(True)
    box.setFixedHeight(lines * box.fontMetrics().lineSpacing() + 12)
    return box


class TargetEdit(QWidget):
    """A target: a number (0 is "no target") and business hours or days."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.amount = QSpinBox()
        self.amount.setRange(0, max(MAX_TARGET.values()))
        self.amount.setSpecialValueText(_("no target"))
        self.unit = QComboBox()
        for code, label in TARGET_UNITS.items():
            self.unit.addItem(label, code)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.amount)
        layout.addWidget(self.unit)
        layout.addStretch(1)
        self.amount.valueChanged.connect(lambda _v: self.changed.emit())
        self.unit.currentIndexChanged.connect(lambda _i: self.changed.emit())

    def set_target(self, amount: int | None, unit: str) -> None:
        self.amount.setValue(amount or 0)
        self.unit.setCurrentIndex(max(self.unit.findData(unit), 0))

    def target(self) -> tuple[int | None, str]:
        return (self.amount.value() or None), str(self.unit.currentData())


class TypeForm(QWidget):
    """Every field of a request type; `edited` says the clerk changed something."""

    edited = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.code = QLabel()
        self.code.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.name = QLineEdit()
        self.name.setObjectName("typeName")
        self.group = QComboBox()
        self.group.setEditable(True)
        self.department = QComboBox()
        self.department.setObjectName("typeDepartment")
        self.assignee = QLabel()
        self.assignee.setWordWrap(True)
        self.priority = QComboBox()
        for code, label in PRIORITIES.items():
            self.priority.addItem(label, code)
        self.respond = TargetEdit()
        self.resolve = TargetEdit()
        self.keywords = text_box(4)
        self.keywords.setPlaceholderText(_("words callers use, separated by commas"))
        self.description = text_box(3)
        self.service_notice = text_box(3)
        self.safety_notice = text_box(3)
        self.active = QCheckBox(_("In use (untick to retire it: it leaves the Counter's picker)"))
        # what Spanish-speaking residents read (catalog/translations.py); empty: the English
        self.spanish = QGroupBox(_("In Spanish, for residents who read Spanish"))
        self.spanish.setObjectName("typeSpanish")
        self.spanish_name = QLineEdit()
        self.spanish_name.setObjectName("typeSpanishName")
        self.spanish_notice = text_box(3)
        self.spanish_safety = text_box(2)
        self.spanish_keywords = text_box(3)
        self.spanish_keywords.setPlaceholderText(
            _("words Spanish-speaking callers use, separated by commas")
        )
        spanish_form = QFormLayout(self.spanish)
        for words_label, words_widget in (
            (_("Name:"), self.spanish_name),
            (_("For residents:"), self.spanish_notice),
            (_("Safety notice:"), self.spanish_safety),
            (_("Keywords:"), self.spanish_keywords),
        ):
            spanish_form.addRow(words_label, words_widget)
        self._spanish_shown: dict[str, str] = {}
        self.error = QLabel()
        self.error.setObjectName("typeError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.hide()
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow(self.error)
        for label, widget in (
            (_("Code:"), self.code),
            (_("&Name:"), self.name),
            (_("&Group:"), self.group),
            (_("&Department:"), self.department),
            (_("Default assignee:"), self.assignee),
            (_("&Priority:"), self.priority),
            (_("&Respond within:"), self.respond),
            (_("Re&solve within:"), self.resolve),
            (_("&Keywords:"), self.keywords),
            (_("D&escription:"), self.description),
            (_("For resi&dents:"), self.service_notice),
            (_("Sa&fety notice:"), self.safety_notice),
        ):
            caption = QLabel(label)
            caption.setBuddy(widget)
            form.addRow(caption, widget)
        form.addRow("", self.active)
        form.addRow(self.spanish)
        self.service_notice.setPlaceholderText(_("what happens next, for the receipt"))
        self.safety_notice.setPlaceholderText(_("read out to the caller and confirmed"))
        self._departments: dict[str, Department] = {}
        self._staff: dict[int, StaffUser] = {}
        self._quiet = False
        for signal in (
            self.name.textEdited,
            self.group.currentTextChanged,
            self.department.currentIndexChanged,
            self.priority.currentIndexChanged,
            self.respond.changed,
            self.resolve.changed,
            self.keywords.textChanged,
            self.description.textChanged,
            self.service_notice.textChanged,
            self.safety_notice.textChanged,
            self.active.toggled,
            self.spanish_name.textEdited,
            self.spanish_notice.textChanged,
            self.spanish_safety.textChanged,
            self.spanish_keywords.textChanged,
        ):
            signal.connect(self._changed)
        self.department.currentIndexChanged.connect(lambda _i: self._show_assignee())

    def _changed(self, *_args: object) -> None:
        if not self._quiet:
            self.edited.emit()

    def set_choices(
        self, departments: list[Department], groups: list[str], staff: dict[int, StaffUser]
    ) -> None:
        """The departments (active ones, and a retired one a type still has) and groups."""
        self._quiet = True
        current = self.department.currentData()
        typed_group = self.group.currentText()
        self._departments = {d.code: d for d in departments}
        self._staff = staff
        self.department.clear()
        for d in departments:
            label = d.name if d.active else _("{name} (retired)").format(name=d.name)
            self.department.addItem(label, d.code)
        self.department.setCurrentIndex(max(self.department.findData(current), 0))
        self.group.clear()
        self.group.addItems(groups)
        self.group.setCurrentText(typed_group)
        self._quiet = False

    def show_type(self, kind: ServiceType, keywords: str) -> None:
        self._quiet = True
        self.code.setText(kind.code)
        self.name.setText(kind.name)
        self.group.setCurrentText(kind.group_name)
        self.department.setCurrentIndex(max(self.department.findData(kind.department.code), 0))
        self.priority.setCurrentIndex(max(self.priority.findData(kind.priority), 0))
        self.respond.set_target(kind.respond_amount, kind.respond_unit)
        self.resolve.set_target(kind.resolve_amount, kind.resolve_unit)
        self.keywords.setPlainText(keywords)
        self.description.setPlainText(kind.description)
        self.service_notice.setPlainText(kind.service_notice)
        self.safety_notice.setPlainText(kind.safety_notice)
        self.active.setChecked(kind.active)
        words = translations.words_in(kind, "es")
        self.spanish_name.setText(str(words.get("name", "")))
        self.spanish_notice.setPlainText(str(words.get("service_notice", "")))
        self.spanish_safety.setPlainText(str(words.get("safety_notice", "")))
        self.spanish_keywords.setPlainText(str(words.get("keywords", "")))
        self._spanish_shown = self.spanish_words()
        self.show_error("")
        self._quiet = False
        self._show_assignee()

    def _show_assignee(self) -> None:
        department = self._departments.get(str(self.department.currentData()))
        if department is None:
            self.assignee.setText("")
            return
        person = self._staff.get(department.default_assignee_id or 0)
        if person is None:
            text = _("Nobody yet: set the default assignee of {department} under Departments.")
        else:
            text = _("{who}, the default assignee of {department} (change it under Departments)")
        self.assignee.setText(
            text.format(who=getattr(person, "full_name", ""), department=department.name)
        )

    def fields(self) -> TypeFields:
        respond, resolve = self.respond.target(), self.resolve.target()
        return TypeFields(
            name=self.name.text(),
            department=str(self.department.currentData() or ""),
            group=self.group.currentText(),
            priority=str(self.priority.currentData()),
            respond_amount=respond[0],
            respond_unit=respond[1],
            resolve_amount=resolve[0],
            resolve_unit=resolve[1],
            keywords=self.keywords.toPlainText().replace("\n", ", "),
            description=self.description.toPlainText(),
            service_notice=self.service_notice.toPlainText(),
            safety_notice=self.safety_notice.toPlainText(),
            active=self.active.isChecked(),
        )

    def spanish_words(self) -> dict[str, str]:
        """The Spanish words as typed (translations.set_type_words takes them)."""
        return {
            "name": self.spanish_name.text(),
            "service_notice": self.spanish_notice.toPlainText(),
            "safety_notice": self.spanish_safety.toPlainText(),
            "keywords": self.spanish_keywords.toPlainText().replace("\n", ", "),
        }

    def spanish_changes(self) -> dict[str, str]:
        """The Spanish words the clerk changed since the type was shown."""
        now = self.spanish_words()
        return {k: v for k, v in now.items() if v != self._spanish_shown.get(k, "")}

    def show_error(self, sentence: str) -> None:
        self.error.setText(sentence)
        self.error.setVisible(bool(sentence))
