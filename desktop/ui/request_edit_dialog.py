"""The form that corrects a saved request: its words, place, type, answers, confidentiality.

The dialog only gathers what changed into a `RequestEdit`; `save(edit)` (the detail pane) asks
the core and says whether it was saved. On a refusal the dialog stays open with everything the
clerk typed, and the reason beside the form.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from desktop import i18n
from desktop.i18n import _
from desktop.models.catalog import translations
from desktop.models.requests.detail import RequestDetail
from desktop.models.requests.edit import FIELD_LABELS, KEEP, RequestEdit
from desktop.models.requests.lookups import active_types
from desktop.ui.counter_widgets import QuestionsForm


class RequestEditDialog(QDialog):
    """Correct a request's details; Save asks `save(edit)`, which returns True when saved."""

    def __init__(
        self,
        detail: RequestDetail,
        save: Callable[[RequestEdit], bool],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("requestEditDialog")
        request = detail.request
        self.request = request
        self.save = save
        self.setWindowTitle(_("Correct {number}").format(number=request.tracking_number))
        self.description = QPlainTextEdit(request.description)
        self.description.setTabChangesFocus(True)
        self.address = QLineEdit(request.address)
        self.location_notes = QLineEdit(request.location_notes)
        self.zip = QLineEdit(request.zip)
        self.lat = QLineEdit("" if request.lat is None else str(request.lat))
        self.long = QLineEdit("" if request.long is None else str(request.long))
        self.kind = QComboBox()
        self.kind.setObjectName("editType")
        self._types = {t.code: t for t in active_types()}
        spoken = i18n.workstation_language()

        def named(kind: Any, field: str = "name") -> str:
            return translations.type_text(kind, field, spoken)

        for code, kind in sorted(self._types.items(), key=lambda item: named(item[1])):
            self.kind.addItem(
                f"{named(kind)} ({named(kind, 'group')})" if kind.group_name else named(kind), code
            )
        current = request.service_type.code
        if current not in self._types:  # a retired type: still shown, as it is
            self.kind.addItem(named(request.service_type), current)
        self.kind.setCurrentIndex(self.kind.findData(current))
        self.confidential = QCheckBox(FIELD_LABELS["confidential"])
        self.confidential.setChecked(bool(request.confidential))
        self.confidential.setEnabled(request.contact_id is not None)
        self.questions = QuestionsForm()
        self._before: dict[str, Any] = dict(detail.answer_values)
        self._answers: dict[str, Any] = dict(detail.answer_values)
        self._show_questions(current)
        self.kind.currentIndexChanged.connect(lambda _i: self._type_changed())
        self.error = QLabel()
        self.error.setObjectName("editError")
        self.error.setWordWrap(True)
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        self.error.setStyleSheet("color: #b3261e")
        self.error.hide()

        form = QFormLayout()
        form.addRow(FIELD_LABELS["description"], self.description)
        form.addRow(FIELD_LABELS["address"], self.address)
        form.addRow(FIELD_LABELS["location_notes"], self.location_notes)
        form.addRow(FIELD_LABELS["zip"], self.zip)
        form.addRow(_("Latitude"), self.lat)
        form.addRow(_("Longitude"), self.long)
        form.addRow(FIELD_LABELS["service_type"], self.kind)
        form.addRow("", self.confidential)
        answers = QGroupBox(FIELD_LABELS["answers"])
        QVBoxLayout(answers).addWidget(self.questions)
        inner = QWidget()
        column = QVBoxLayout(inner)
        column.addLayout(form)
        column.addWidget(answers)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        note = QLabel(
            _(
                "Each correction is noted in the request's history with the old value. "
                "Another type routes the request again. Ctrl+Enter saves."
            )
        )
        note.setWordWrap(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.try_save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        layout.addWidget(note)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        for keys in ("Ctrl+Return", "Ctrl+Enter", "Ctrl+S"):
            QShortcut(QKeySequence(keys), self, self.try_save)  # Enter makes a new line
        self.resize(620, 640)
        self.description.setFocus()

    def _show_questions(self, code: str) -> None:
        kind = self._types.get(code) or self.request.service_type
        self.questions.set_questions(
            sorted(kind.attributes, key=lambda a: a.sort_order),
            language=i18n.workstation_language(),
        )
        self.questions.set_values(
            {c: v for c, v in self._answers.items() if c in self.questions.inputs}
        )
        self.questions.setVisible(True)

    def _type_changed(self) -> None:
        self._answers.update(self.questions.values())  # what was typed stays for the same codes
        self._show_questions(str(self.kind.currentData()))

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()

    def edit(self) -> RequestEdit:
        """What the clerk changed (the core checks every value)."""
        request = self.request

        def changed(new: str, old: str) -> Any:
            return new if new.strip() != (old or "").strip() else KEEP

        coordinates: Any = KEEP
        lat, long = self.lat.text().strip(), self.long.text().strip()
        old_lat = "" if request.lat is None else str(request.lat)
        old_long = "" if request.long is None else str(request.long)
        if (lat, long) != (old_lat, old_long):
            coordinates = None if not lat and not long else (lat, long)
        code = str(self.kind.currentData())
        answers = self.questions.values()
        before = {c: v for c, v in self._before.items() if c in self.questions.inputs}
        return RequestEdit(
            description=changed(self.description.toPlainText(), request.description),
            address=changed(self.address.text(), request.address),
            location_notes=changed(self.location_notes.text(), request.location_notes),
            zip=changed(self.zip.text(), request.zip),
            coordinates=coordinates,
            service_type=code if code != request.service_type.code else KEEP,
            answers=(
                answers
                if code != request.service_type.code or _plain(answers) != _plain(before)
                else KEEP
            ),
            confidential=(
                self.confidential.isChecked()
                if self.confidential.isChecked() != bool(request.confidential)
                else KEEP
            ),
        )

    def try_save(self) -> None:
        edit = self.edit()
        if not edit.changed_fields():
            self.show_error(_("Nothing was changed."))
            return
        if self.save(edit):
            self.accept()


def _plain(answers: dict[str, Any]) -> dict[str, str]:
    """Answers compared as text: the form holds "3" where the record holds 3."""
    return {
        code: ",".join(sorted(map(str, value))) if isinstance(value, list) else str(value)
        for code, value in answers.items()
    }
