"""Settings → Saved responses: the public updates and closing notes the clerks pick from when
they write to a resident (Public update…, Resolve…), each for some request types or for all.

The core refuses a placeholder no request fills (`responses.save_response`); what was typed
stays in the editor after any refusal.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
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
from desktop.models.documents import letter_templates, responses
from desktop.models.errors import KnownError
from desktop.models.staff import permissions
from desktop.models.storage.schema import StaffUser
from desktop.ui.catalog_type_form import ERROR_STYLE
from desktop.ui.messages import messages


class ResponsesBox(QGroupBox):
    """The list of saved responses and the editor of the chosen one."""

    saved = Signal(str)

    def __init__(
        self, staff: Callable[[], StaffUser | None], parent: QWidget | None = None
    ) -> None:
        super().__init__(_("Saved responses (updates and closing notes)"), parent)
        #: who is signed in at this workstation: the actor of every save here
        self.staff = staff
        self.setObjectName("responsesBox")
        self.names = QListWidget()
        self.names.setObjectName("responseNames")
        self.names.setMaximumWidth(220)
        self.names.currentItemChanged.connect(self._chosen)
        new = QPushButton(_("New response"))
        new.clicked.connect(self.new_response)
        left = QVBoxLayout()
        left.addWidget(self.names, 1)
        left.addWidget(new)
        self.name = QLineEdit()
        self.name.setObjectName("responseName")
        self.name.setPlaceholderText(_("as the clerks will pick it, e.g. Crew scheduled"))
        self.kind = QComboBox()
        self.kind.setObjectName("responseKind")
        self.kind.addItem(_("Public update"), "update")
        self.kind.addItem(_("Closing note"), "closing")
        self.types = QLineEdit()
        self.types.setObjectName("responseTypes")
        self.types.setPlaceholderText(_("request type codes, e.g. pothole, graffiti (empty: all)"))
        self.text = QPlainTextEdit()
        self.text.setObjectName("responseText")
        self.text.setMinimumHeight(110)
        fields = ", ".join("{" + code + "}" for code, _m in letter_templates.placeholders())
        hint = QLabel(_("The request's fields can be used: {fields}.").format(fields=fields))
        hint.setWordWrap(True)
        hint.setStyleSheet("color:#555;")
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.hide()
        save = QPushButton(_("Save response"))
        save.setObjectName("saveResponse")
        save.clicked.connect(self.save)
        delete = QPushButton(_("Remove"))
        delete.clicked.connect(self.delete)
        buttons = QHBoxLayout()
        buttons.addWidget(save)
        buttons.addWidget(delete)
        buttons.addStretch(1)
        editor = QFormLayout()
        editor.addRow(self.error)
        editor.addRow(_("Name:"), self.name)
        editor.addRow(_("Sent as:"), self.kind)
        editor.addRow(_("For types:"), self.types)
        editor.addRow(_("Text:"), self.text)
        editor.addRow("", hint)
        editor.addRow("", buttons)
        row = QHBoxLayout(self)
        row.addLayout(left)
        row.addLayout(editor, 1)
        allowed = permissions.can(self.staff(), permissions.SETTINGS_EDIT)
        for widget in (save, delete, new):
            widget.setEnabled(allowed)

    def load(self, select: str = "") -> None:
        try:
            found = responses.saved_responses()
        except KnownError as exc:
            messages.error(self, exc)
            return
        self.names.blockSignals(True)
        self.names.clear()
        for response in found:
            kind = _("update") if response.kind == "update" else _("closing")
            item = QListWidgetItem(f"{response.name} ({kind})")
            item.setData(Qt.ItemDataRole.UserRole, response)
            self.names.addItem(item)
        self.names.blockSignals(False)
        names = [r.name for r in found]
        self.names.setCurrentRow(names.index(select) if select in names else 0)

    def _chosen(self, item: QListWidgetItem | None, _previous: object = None) -> None:
        self.error.hide()
        response = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        if response is None:
            return
        self.name.setText(response.name)
        self.kind.setCurrentIndex(max(self.kind.findData(response.kind), 0))
        self.types.setText(", ".join(response.types))
        self.text.setPlainText(response.text)

    def new_response(self) -> None:
        self.names.clearSelection()
        for widget in (self.name, self.types):
            widget.clear()
        self.text.clear()
        self.name.setFocus()

    def save(self) -> bool:
        types = [t.strip() for t in self.types.text().split(",") if t.strip()]
        try:
            response = responses.save_response(
                self.name.text(),
                str(self.kind.currentData()),
                self.text.toPlainText(),
                types,
                actor=self.staff(),
            )
        except KnownError as exc:
            self.error.setText(str(exc))  # what was typed stays
            self.error.show()
            return False
        self.load(select=response.name)
        self.saved.emit(_("Saved response “{name}” saved.").format(name=response.name))
        return True

    def delete(self) -> None:
        name = self.name.text().strip()
        if not name:
            return
        try:
            responses.delete_response(name, actor=self.staff())
        except KnownError as exc:
            messages.error(self, exc)
            return
        self.load()
        self.saved.emit(_("Saved response “{name}” removed.").format(name=name))
