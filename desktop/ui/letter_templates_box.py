"""Settings → "Letter templates": the letters sent to residents, with the placeholders listed
beside the text (Enter or a double-click puts one where the cursor is).

The core refuses a misspelt placeholder (`letter_templates.save_template`), so no resident gets
a letter that says "{resident}"; what was typed stays in the editor after any refusal.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import _
from desktop.models.documents import letter_templates
from desktop.models.errors import KnownError
from desktop.models.storage.schema import StaffUser
from desktop.ui.catalog_type_form import ERROR_STYLE
from desktop.ui.messages import messages


class LetterTemplatesBox(QGroupBox):
    """The template list, the subject and body of the chosen one, and the placeholders."""

    #: a sentence saying what was saved, for the status bar
    saved = Signal(str)

    def __init__(
        self, staff: Callable[[], StaffUser | None], parent: QWidget | None = None
    ) -> None:
        super().__init__(_("Letter templates"), parent)
        #: who is signed in at this workstation: the actor of every save here
        self.staff = staff
        self.setObjectName("letterTemplatesBox")
        self.current: str | None = None
        self.dirty = False
        self._quiet = False
        self._templates: dict[str, dict[str, str]] = {}
        self.names = QListWidget()
        self.names.setObjectName("templateNames")
        self.names.setMaximumWidth(180)
        self.names.currentItemChanged.connect(self._chosen)
        new = QPushButton(_("New template…"))
        new.clicked.connect(self.new_template)
        left = QVBoxLayout()
        left.addWidget(self.names, 1)
        left.addWidget(new)
        self.name = QLineEdit()
        self.name.setObjectName("templateName")
        self.name.setPlaceholderText(_("one word, e.g. pickup_date"))
        self.subject = QLineEdit()
        self.subject.setObjectName("templateSubject")
        self.body = QPlainTextEdit()
        self.body.setObjectName("templateBody")
        self.body.setMinimumHeight(240)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.hide()
        save = QPushButton(_("Save template"))
        save.setObjectName("saveTemplate")
        save.clicked.connect(self.save)
        editor = QFormLayout()
        editor.addRow(self.error)
        for label, widget in (
            (_("Na&me:"), self.name),
            (_("&Subject:"), self.subject),
            (_("&Letter:"), self.body),
        ):
            caption = QLabel(label)
            caption.setBuddy(widget)
            editor.addRow(caption, widget)
        editor.addRow("", save)
        self.placeholders = QListWidget()
        self.placeholders.setObjectName("placeholders")
        for code, meaning in letter_templates.placeholders():
            item = QListWidgetItem(f"{{{code}}}  {meaning}")
            item.setData(Qt.ItemDataRole.UserRole, "{" + code + "}")
            self.placeholders.addItem(item)
        self.placeholders.itemActivated.connect(self.insert_placeholder)
        right = QVBoxLayout()
        right.addWidget(QLabel(_("Placeholders (Enter puts one in the text):")))
        right.addWidget(self.placeholders, 1)
        row = QHBoxLayout(self)
        row.addLayout(left)
        row.addLayout(editor, 3)
        row.addLayout(right, 2)
        self._target: QLineEdit | QPlainTextEdit = self.body
        for widget in (self.subject, self.body):
            widget.installEventFilter(self)
        self.subject.textEdited.connect(self._edited)
        self.body.textChanged.connect(self._edited)
        self.name.textEdited.connect(self._edited)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.FocusIn and watched in (self.subject, self.body):
            assert isinstance(watched, QLineEdit | QPlainTextEdit)
            self._target = watched
        return super().eventFilter(watched, event)

    def _edited(self, *_args: object) -> None:
        if not self._quiet:
            self.dirty = True

    def load(self, keep: str | None = None) -> None:
        try:
            templates = letter_templates.templates()
        except KnownError as exc:
            messages.error(self, exc)
            return
        self._templates = templates
        self.names.blockSignals(True)
        self.names.clear()
        for name in sorted(templates):
            self.names.addItem(name)
        self.names.blockSignals(False)
        wanted = keep or self.current or (sorted(templates)[0] if templates else None)
        matches = self.names.findItems(wanted or "", Qt.MatchFlag.MatchExactly)
        if matches:
            self.names.setCurrentItem(matches[0])

    def _chosen(self, item: QListWidgetItem | None, previous: QListWidgetItem | None) -> None:
        if item is None or item.text() == self.current:
            return
        if self.dirty and previous is not None:
            name = item.text()
            self.names.blockSignals(True)
            self.names.setCurrentItem(previous)
            self.names.blockSignals(False)

            def discard() -> None:
                self.dirty = False
                found = self.names.findItems(name, Qt.MatchFlag.MatchExactly)
                if found:
                    self.names.setCurrentItem(found[0])

            messages.confirm(
                self,
                _("Letter templates"),
                _("Your changes to the letter “{name}” are not saved. Leave them?").format(
                    name=self.current or self.name.text()
                ),
                discard,
            )
            return
        self.show_template(item.text())

    def show_template(self, name: str) -> None:
        template = self._templates.get(name, {"subject": "", "body": ""})
        self._quiet = True
        self.current = name
        self.name.setText(name)
        self.name.setReadOnly(True)
        self.subject.setText(template["subject"])
        self.body.setPlainText(template["body"])
        self._quiet = False
        self.dirty = False
        self.show_error("")

    def new_template(self) -> None:
        self._quiet = True
        self.current = None
        self.names.clearSelection()
        self.name.setReadOnly(False)
        self.name.clear()
        self.subject.clear()
        self.body.clear()
        self._quiet = False
        self.dirty = False
        self.name.setFocus()

    def insert_placeholder(self, item: QListWidgetItem) -> None:
        text = str(item.data(Qt.ItemDataRole.UserRole))
        if isinstance(self._target, QPlainTextEdit):
            self._target.insertPlainText(text)
        else:
            self._target.insert(text)
        self._target.setFocus()

    def show_error(self, sentence: str) -> None:
        self.error.setText(sentence)
        self.error.setVisible(bool(sentence))

    def save(self) -> bool:
        name = self.name.text().strip()
        try:
            letter_templates.save_template(
                name, self.subject.text(), self.body.toPlainText(), actor=self.staff()
            )
        except KnownError as exc:
            self.show_error(str(exc))
            messages.error(self, exc)
            return False
        self.dirty = False
        self.current = name
        self.load(keep=name)
        self.saved.emit(_("The letter “{name}” was saved for every workstation.").format(name=name))
        return True
