"""A USB barcode scanner is a keyboard: it types the tracking number in a burst, a few
milliseconds a key, and presses Enter, wherever the cursor happens to be.

Left to Qt, a scan goes to whatever field has the cursor: into a crew's note on the close-out
card (and Ctrl+Enter then saves the wrong order with the other number in its note), onto the
outcome boxes (whose 1-4 keys pick an outcome: "2026-..." picks "2 Needs follow-up"), into a
date. The catcher watches every key the application gets. A burst of keys that reads as a
printed tracking number and ends in Enter is a scan: whatever the burst did to the field with the
cursor is undone, the Enter is swallowed, and the number goes to the nearest widget, from the
focus up to its window, that takes scans (`take_scans`). A person typing the same characters is
never taken for a scanner: their keys are far slower than BURST_GAP apart.

Dialogs are windows of their own: a field in a dialog that asks for a tracking number (link a
related request) gets the scanner's keys as typed, since no dialog takes scans.
"""

from __future__ import annotations

import contextlib
import functools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from PySide6 import QtCore, QtGui, QtWidgets  # PySide builds a class when first named: at a scan
from PySide6.QtCore import QEvent, QObject, QPersistentModelIndex
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QDateTimeEdit,
    QLineEdit,
    QTextEdit,
    QWidget,
)

from desktop.models.requests.tracking import looks_like_tracking

# the longest pause between two keys of one scan, in seconds: scanners send a key every 1-15 ms
# (a slow Bluetooth one up to 30); the fastest typist's keys are 60 ms or more apart, and ten
# of them in a row, dash included, never all this close
BURST_GAP = 0.045


@functools.cache
def _keys() -> tuple[frozenset[int], frozenset[int]]:
    """The modifier keys, and Enter's, as the numbers a key event gives: made at the first key,
    since naming `Qt` builds it (qt_early.py)."""
    key = QtCore.Qt.Key
    modifiers = (
        key.Key_Shift,
        key.Key_Control,
        key.Key_Alt,
        key.Key_Meta,
        key.Key_AltGr,
        key.Key_CapsLock,
        key.Key_NumLock,
    )
    enter = (key.Key_Return, key.Key_Enter)
    return frozenset(k.value for k in modifiers), frozenset(k.value for k in enter)


_targets: dict[int, Callable[[str], None]] = {}


def take_scans(widget: QWidget, handler: Callable[[str], None]) -> None:
    """Scans made while the cursor is in `widget` (or below it, in its window) are handed to
    `handler` with the number as scanned. A widget nearer the cursor wins over its parents."""
    key = id(widget)
    _targets[key] = handler
    widget.destroyed.connect(lambda _obj=None, key=key: _targets.pop(key, None))
    ScanCatcher.install()


def target_for(widget: QWidget | None) -> Callable[[str], None] | None:
    """The handler of the nearest widget taking scans, from `widget` up to its window."""
    while widget is not None:
        handler = _targets.get(id(widget))
        if handler is not None:
            return handler
        if widget.isWindow():
            return None  # a dialog's fields get what is typed into them
        widget = widget.parentWidget()
    return None


@dataclass
class _Burst:
    """The keys of one burst so far, and how to put the field back as it was before it."""

    text: str = ""
    last: float = 0.0
    undo: Callable[[], None] = field(default=lambda: None)
    #: who takes the number (None: no widget takes scans where the burst began, so nothing
    #: is kept of it)
    handler: Callable[[str], None] | None = None


class ScanCatcher(QObject):
    """Watches every key press of the application (one instance, installed once).

    Keys go to the widget with the cursor, so the catcher watches that widget alone, moving
    with the focus. A filter on the whole application would bring every event of every object
    into Python, all day; the first of Qt's own objects among them (a window's platform side)
    made PySide build every class of its modules and their enums, 15 ms at the first paint
    (issue 22)."""

    clock: ClassVar[Callable[[], float]] = time.monotonic
    instance: ClassVar[ScanCatcher | None] = None

    def __init__(self) -> None:
        super().__init__()
        self.burst = _Burst()

    @classmethod
    def install(cls) -> None:
        app = QApplication.instance()
        if not isinstance(app, QApplication) or (
            cls.instance is not None and cls.instance.parent() is app
        ):
            return
        catcher = cls()
        catcher.setParent(app)
        app.focusChanged.connect(catcher.follow)
        catcher.follow(None, QApplication.focusWidget())
        cls.instance = catcher

    def follow(self, old: QWidget | None, new: QWidget | None) -> None:
        """The cursor moved from `old` to `new`: watch `new`'s keys instead."""
        if old is not None:
            with contextlib.suppress(RuntimeError):  # a widget being deleted took the cursor
                old.removeEventFilter(self)
        if new is not None:
            new.installEventFilter(self)  # last installed, first asked: before its own filters

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.KeyPress:
            return False
        focus = QApplication.focusWidget()
        if watched is not focus or focus is None:
            return False  # the same key on its way through the window or a parent: seen once
        assert isinstance(event, QKeyEvent)
        return self._key(focus, event)

    def _key(self, focus: QWidget, event: QKeyEvent) -> bool:
        key = event.key()
        modifier_keys, enter_keys = _keys()
        if key in modifier_keys:
            return False  # the Shift a scanner holds for a capital letter is part of the burst
        now = type(self).clock()
        in_burst = bool(self.burst.text) and now - self.burst.last <= BURST_GAP
        if key in enter_keys:
            burst, self.burst = self.burst, _Burst()
            if burst.handler is None or not (in_burst and looks_like_tracking(burst.text)):
                return False
            burst.undo()
            burst.handler(burst.text.strip())
            return True
        text = event.text()
        held = QtCore.Qt.KeyboardModifier
        modifiers = event.modifiers() & ~(held.ShiftModifier | held.KeypadModifier)
        if not text or not text.isprintable() or modifiers != held.NoModifier:
            self.burst = _Burst()  # Tab, an arrow, a shortcut: no scan sends those
            return False
        if not in_burst:
            # a person's key (they are far apart) may begin a scan: the field is remembered as
            # it is, only where a widget takes scans (a dialog's keys cost nothing here)
            handler = target_for(focus)
            self.burst = _Burst(undo=_undo_for(focus), handler=handler) if handler else _Burst()
        self.burst.text += text
        self.burst.last = now
        return False


def _undo_for(widget: QWidget) -> Callable[[], None]:
    """A function that puts `widget` back as it is now, and the cursor in it."""
    restore = _restorer(widget)

    def undo() -> None:
        restore()
        widget.setFocus()

    return undo


def _restorer(widget: QWidget) -> Callable[[], None]:
    if isinstance(widget, QLineEdit):
        text, position = widget.text(), widget.cursorPosition()

        def line() -> None:
            if widget.text() != text:
                widget.setText(text)
            widget.setCursorPosition(position)

        return line
    if isinstance(widget, QtWidgets.QPlainTextEdit | QTextEdit):
        plain, position = widget.toPlainText(), widget.textCursor().position()

        def box() -> None:
            if widget.toPlainText() != plain:
                widget.setPlainText(plain)
            cursor = widget.textCursor()
            cursor.setPosition(min(position, len(plain)), QtGui.QTextCursor.MoveMode.MoveAnchor)
            widget.setTextCursor(cursor)

        return box
    if isinstance(widget, QDateTimeEdit):
        moment = widget.dateTime()
        return lambda: widget.setDateTime(moment)
    if isinstance(widget, QAbstractSpinBox):
        spin_text = widget.text()
        return lambda: _set_spin_text(widget, spin_text)
    if isinstance(widget, QComboBox):
        index, typed = widget.currentIndex(), widget.currentText()

        def combo() -> None:
            widget.setCurrentIndex(index)
            if widget.isEditable():
                widget.setEditText(typed)

        return combo
    if isinstance(widget, QAbstractButton) and widget.isCheckable():
        group = widget.group()
        if group is not None:
            checked = group.checkedButton()
            return lambda: _check_only(group, checked)
        state = widget.isChecked()
        return lambda: widget.setChecked(state)
    if isinstance(widget, QAbstractItemView):
        current = QPersistentModelIndex(widget.currentIndex())
        return lambda: widget.setCurrentIndex(current) if current.isValid() else None
    return lambda: None


def _set_spin_text(widget: QAbstractSpinBox, text: str) -> None:
    line = widget.findChild(QLineEdit)
    if line is not None:
        line.setText(text)


def _check_only(group: Any, checked: QAbstractButton | None) -> None:
    """Put an exclusive group back as it was, none checked included."""
    exclusive = group.exclusive()
    group.setExclusive(False)
    for button in group.buttons():
        button.setChecked(button is checked)
    group.setExclusive(exclusive)
