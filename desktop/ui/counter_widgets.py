"""Pieces of the Counter screen: a type-ahead picker and the form for a type's own questions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import _
from desktop.models.catalog import translations
from desktop.models.errors import KnownError
from desktop.models.storage.schema import ServiceAttribute

TYPING_PAUSE_MS = 150  # look up after the clerk pauses this long, not on every key


class SearchPicker(QWidget):
    """A line to type in and, under it, what matches; Down and Enter pick without the mouse.

    `lookup(text)` returns (label, value) pairs. `picked(value)` fires when one is chosen;
    `entered(text)` when Enter is pressed with nothing to pick (a new caller, say).
    """

    picked = Signal(object)
    entered = Signal(str)

    def __init__(
        self,
        lookup: Callable[[str], list[tuple[str, Any]]],
        placeholder: str,
        parent: QWidget | None = None,
        *,
        rows: int = 6,
    ) -> None:
        super().__init__(parent)
        self.lookup = lookup
        self.edit = QLineEdit()
        self.edit.setPlaceholderText(placeholder)
        self.edit.setClearButtonEnabled(True)
        self.results = QListWidget()
        self.results.setMaximumHeight(rows * 22 + 6)
        self.results.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.results.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.edit)
        layout.addWidget(self.results)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(TYPING_PAUSE_MS)
        self._timer.timeout.connect(self.refresh)
        self.edit.textEdited.connect(lambda _text: self._timer.start())
        self.edit.installEventFilter(self)
        self.results.itemActivated.connect(self._activated)
        self.results.itemClicked.connect(self._activated)
        self.last_error: KnownError | None = None

    def refresh(self) -> None:
        """Look up what is typed now (the timer calls this; tests may call it directly)."""
        self._timer.stop()
        self.results.clear()
        text = self.edit.text().strip()
        found: list[tuple[str, Any]] = []
        if text:
            try:
                found = self.lookup(text)
                self.last_error = None
            except KnownError as exc:  # the database went away: say so in the list itself
                self.last_error = exc
                found = []
                item = QListWidgetItem(str(exc))
                item.setFlags(Qt.ItemFlag.NoItemFlags)
                self.results.addItem(item)
        for label, value in found:
            item = QListWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, value)
            self.results.addItem(item)
        if found:
            self.results.setCurrentRow(0)
        self.results.setVisible(self.results.count() > 0)

    def close_results(self) -> None:
        self._timer.stop()
        self.results.clear()
        self.results.hide()

    def _activated(self, item: QListWidgetItem) -> None:
        value = item.data(Qt.ItemDataRole.UserRole)
        if value is None:
            return
        self.close_results()
        self.picked.emit(value)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.edit and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            key = event.key()
            if self._timer.isActive() and key in (
                Qt.Key.Key_Down,
                Qt.Key.Key_Up,
                Qt.Key.Key_Return,
                Qt.Key.Key_Enter,
            ):
                self.refresh()  # a fast typist pressed Enter before the pause
            if key in (Qt.Key.Key_Down, Qt.Key.Key_Up) and self.results.count():
                step = 1 if key == Qt.Key.Key_Down else -1
                row = max(0, min(self.results.count() - 1, self.results.currentRow() + step))
                self.results.setCurrentRow(row)
                return True
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not (
                event.modifiers() & Qt.KeyboardModifier.ControlModifier
            ):
                item = self.results.currentItem()
                if (
                    self.results.isVisible()
                    and item is not None
                    and item.data(Qt.ItemDataRole.UserRole) is not None
                ):
                    self._activated(item)
                else:
                    self.close_results()
                    self.entered.emit(self.edit.text().strip())
                return True
            if key == Qt.Key.Key_Escape and self.results.isVisible():
                self.close_results()
                return True
        return super().eventFilter(watched, event)


class QuestionsForm(QWidget):
    """The chosen type's questions, each with the widget its datatype needs."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.form = QFormLayout(self)
        self.form.setContentsMargins(0, 0, 0, 0)
        self.inputs: dict[str, QWidget] = {}
        self.attributes: list[ServiceAttribute] = []
        self.language = ""

    def set_questions(self, attributes: list[ServiceAttribute], language: str = "") -> None:
        """The type's questions, worded in `language` (the caller's), answers in its codes."""
        while self.form.rowCount():
            self.form.removeRow(0)
        self.inputs = {}
        self.attributes = list(attributes)
        self.language = language
        for attribute in self.attributes:
            if not attribute.variable:
                info = QLabel(translations.attribute_label(attribute, language))
                info.setWordWrap(True)
                info.setTextFormat(Qt.TextFormat.PlainText)
                self.form.addRow(info)
                continue
            widget = self._input_for(attribute)
            widget.setObjectName(f"question_{attribute.code}")
            if attribute.help:
                widget.setToolTip(attribute.help)
            label = QLabel(
                translations.attribute_label(attribute, language)
                + (" *" if attribute.required else "")
            )
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setWordWrap(True)
            label.setBuddy(widget)
            self.form.addRow(label, widget)
            self.inputs[attribute.code] = widget
        self.setVisible(bool(self.attributes))

    def _choice(self, attribute: ServiceAttribute, choice: dict[str, Any]) -> str:
        return translations.choice_name(attribute, str(choice.get("key", "")), self.language)

    def _input_for(self, attribute: ServiceAttribute) -> QWidget:
        choices = attribute.choices or []
        if attribute.datatype == "singlevaluelist":
            combo = QComboBox()
            combo.addItem(_("(choose)") if attribute.required else "", None)
            for choice in choices:
                combo.addItem(self._choice(attribute, choice), choice["key"])
            combo.currentIndexChanged.connect(lambda _i: self.changed.emit())
            return combo
        if attribute.datatype == "multivaluelist":
            listing = QListWidget()
            for choice in choices:
                item = QListWidgetItem(self._choice(attribute, choice))
                item.setData(Qt.ItemDataRole.UserRole, choice["key"])
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Unchecked)
                listing.addItem(item)
            listing.setMaximumHeight(min(6, max(2, len(choices))) * 22 + 6)
            listing.itemChanged.connect(lambda _i: self.changed.emit())
            return listing
        if attribute.datatype == "text":
            text = QPlainTextEdit()
            text.setTabChangesFocus(True)
            text.setMaximumHeight(70)
            text.textChanged.connect(self.changed.emit)
            return text
        line = QLineEdit()
        if attribute.datatype == "datetime":
            line.setPlaceholderText(_("YYYY-MM-DD HH:MM"))
        elif attribute.datatype == "number":
            line.setPlaceholderText(_("a number"))
        line.textChanged.connect(lambda _t: self.changed.emit())
        return line

    def first_input(self) -> QWidget | None:
        return next(iter(self.inputs.values()), None)

    def values(self) -> dict[str, Any]:
        """The answers as typed (the core checks and converts them)."""
        out: dict[str, Any] = {}
        for code, widget in self.inputs.items():
            value: Any = None
            if isinstance(widget, QComboBox):
                value = widget.currentData()
            elif isinstance(widget, QListWidget):
                value = [
                    widget.item(i).data(Qt.ItemDataRole.UserRole)
                    for i in range(widget.count())
                    if widget.item(i).checkState() == Qt.CheckState.Checked
                ]
            elif isinstance(widget, QPlainTextEdit):
                value = widget.toPlainText()
            elif isinstance(widget, QLineEdit):
                value = widget.text()
            if value not in (None, "", []):
                out[code] = value
        return out

    def set_values(self, values: dict[str, Any]) -> None:
        for code, value in values.items():
            widget = self.inputs.get(code)
            if isinstance(widget, QComboBox):
                index = widget.findData(value)
                widget.setCurrentIndex(max(index, 0))
            elif isinstance(widget, QListWidget):
                chosen = set(value if isinstance(value, list) else [value])
                for i in range(widget.count()):
                    item = widget.item(i)
                    checked = item.data(Qt.ItemDataRole.UserRole) in chosen
                    item.setCheckState(
                        Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked
                    )
            elif isinstance(widget, QPlainTextEdit):
                widget.setPlainText(str(value))
            elif isinstance(widget, QLineEdit):
                widget.setText(str(value))
