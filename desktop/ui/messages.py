"""Every message box comes from here; with --no-err-windows they become log lines instead."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6 import QtWidgets

from desktop.i18n import _
from desktop.models.errors import KnownError

if TYPE_CHECKING:
    from PySide6.QtWidgets import QDialog, QWidget

log = logging.getLogger("frontcounter.ui")


class Messages:
    """Shows known errors and notices as non-blocking dialogs (or logs them)."""

    def __init__(self, *, windows: bool = True) -> None:
        self.windows = windows
        self.open_boxes: list[QDialog] = []

    def _box(
        self, parent: QWidget | None, warning: bool, title: str, text: str, detail: str = ""
    ) -> None:
        log.log(
            logging.WARNING if warning else logging.INFO,
            "%s: %s%s",
            title,
            text,
            f" ({detail})" if detail else "",
        )
        if not self.windows:
            return

        kind = QtWidgets.QMessageBox  # PySide builds the class when a message is first shown
        icon = kind.Icon.Warning if warning else kind.Icon.Information
        box = kind(icon, title, text, kind.StandardButton.Ok, parent)
        if detail:
            box.setDetailedText(detail)
        self._open(box, None)

    def _open(self, box: QDialog, on_done: Callable[[int], None] | None) -> None:
        def finished(result: int) -> None:
            if box in self.open_boxes:
                self.open_boxes.remove(box)
            box.deleteLater()
            if on_done is not None:
                on_done(result)

        box.finished.connect(finished)
        self.open_boxes.append(box)
        box.open()

    def error(self, parent: QWidget | None, error: KnownError, title: str | None = None) -> None:
        """A known error: what happened and what to do, in the clerk's words."""
        self._box(parent, True, title or _("Front Counter"), str(error), error.detail)

    def info(self, parent: QWidget | None, title: str, text: str) -> None:
        self._box(parent, False, title, text)

    def confirm(
        self,
        parent: QWidget | None,
        title: str,
        text: str,
        on_yes: Callable[[], None],
        *,
        default_yes: bool = False,
    ) -> None:
        """Ask yes or no; `on_yes` runs on yes (and always when there are no windows)."""
        if not self.windows:
            log.info("%s: %s (answered yes: no windows)", title, text)
            on_yes()
            return

        kind = QtWidgets.QMessageBox
        yes, no = kind.StandardButton.Yes, kind.StandardButton.No
        box = kind(kind.Icon.Question, title, text, yes | no, parent)
        box.setDefaultButton(yes if default_yes else no)
        self._open(box, lambda result: on_yes() if result == yes else None)

    def choose(self, dialog: QDialog, summary: str, on_accept: Callable[[], None]) -> None:
        """A dialog that asks the clerk to choose (a conflict, say): `on_accept` runs when it
        is accepted (and, like `confirm`, always when there are no windows)."""
        if not self.windows:
            log.info("%s (accepted: no windows)", summary)
            dialog.deleteLater()
            on_accept()
            return

        accepted = dialog.DialogCode.Accepted.value
        self._open(dialog, lambda result: on_accept() if result == accepted else None)


#: the app's one Messages object; `application.run_gui` sets whether it shows windows
messages = Messages()
