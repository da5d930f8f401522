"""Every message box comes from here; with --no-err-windows they become log lines instead."""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtWidgets import QMessageBox, QWidget

from desktop.i18n import _
from desktop.models.errors import KnownError

log = logging.getLogger("frontcounter.ui")


class Messages:
    """Shows known errors and notices as non-blocking dialogs (or logs them)."""

    def __init__(self, *, windows: bool = True) -> None:
        self.windows = windows
        self.open_boxes: list[QMessageBox] = []

    def _box(
        self,
        parent: QWidget | None,
        icon: QMessageBox.Icon,
        title: str,
        text: str,
        detail: str = "",
    ) -> QMessageBox | None:
        level = (
            logging.WARNING
            if icon in (QMessageBox.Icon.Warning, QMessageBox.Icon.Critical)
            else logging.INFO
        )
        log.log(level, "%s: %s%s", title, text, f" ({detail})" if detail else "")
        if not self.windows:
            return None
        box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, parent)
        if detail:
            box.setDetailedText(detail)
        box.finished.connect(lambda _result, box=box: self._forget(box))
        self.open_boxes.append(box)
        box.open()
        return box

    def _forget(self, box: QMessageBox) -> None:
        if box in self.open_boxes:
            self.open_boxes.remove(box)
        box.deleteLater()

    def error(self, parent: QWidget | None, error: KnownError, title: str | None = None) -> None:
        """A known error: what happened and what to do, in the clerk's words."""
        self._box(
            parent, QMessageBox.Icon.Warning, title or _("Front Counter"), str(error), error.detail
        )

    def info(self, parent: QWidget | None, title: str, text: str) -> None:
        self._box(parent, QMessageBox.Icon.Information, title, text)

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
        buttons = QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No
        box = QMessageBox(QMessageBox.Icon.Question, title, text, buttons, parent)
        box.setDefaultButton(
            QMessageBox.StandardButton.Yes if default_yes else QMessageBox.StandardButton.No
        )

        def done(result: int) -> None:
            self._forget(box)
            if result == QMessageBox.StandardButton.Yes:
                on_yes()

        box.finished.connect(done)
        self.open_boxes.append(box)
        box.open()


#: the app's one Messages object; `application.run_gui` sets whether it shows windows
messages = Messages()
