"""Bugs reach this dialog through sys.excepthook, with the details to copy into a report."""

from __future__ import annotations

import logging
import platform
import sys
import traceback
from types import TracebackType

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from desktop import __version__
from desktop.i18n import _
from desktop.models.errors import KnownError

log = logging.getLogger("frontcounter.crash")


def crash_report(
    exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
) -> str:
    lines = traceback.format_exception(exc_type, exc, tb)
    return (
        f"Front Counter {__version__}\nPython {platform.python_version()} on "
        f"{platform.platform()}\n\n" + "".join(lines)
    )


class CrashDialog(QDialog):
    """Something went wrong that is our fault: say so, keep the app alive, offer the details."""

    def __init__(self, report: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Front Counter: something went wrong"))
        layout = QVBoxLayout(self)
        text = QLabel(
            _(
                "Front Counter ran into a problem it did not expect. Your saved work is safe, "
                "and the form you were typing is kept as a draft. Please copy the details below "
                "and send them to whoever supports Front Counter in your town."
            )
        )
        text.setWordWrap(True)
        layout.addWidget(text)
        self.details = QPlainTextEdit(report)
        self.details.setReadOnly(True)
        self.details.setMinimumSize(560, 240)
        layout.addWidget(self.details)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        copy = buttons.addButton(_("Copy details"), QDialogButtonBox.ButtonRole.ActionRole)
        copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(report))
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)


class ExceptionHook:
    """Known errors become a clear message; anything else is a bug for the crash dialog."""

    def __init__(self, *, windows: bool) -> None:
        self.windows = windows
        self.dialogs: list[CrashDialog] = []
        self.bugs: list[str] = []  # seen by --smoke-test, which must fail on any bug

    def __call__(
        self, exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
    ) -> None:
        if isinstance(exc, KnownError):
            from desktop.ui.messages import messages

            messages.error(None, exc)
            return
        report = crash_report(exc_type, exc, tb)
        self.bugs.append(report)
        log.error("unexpected error:\n%s", report)
        if not self.windows:
            sys.stderr.write(report)
            return
        dialog = CrashDialog(report)
        self.dialogs.append(dialog)
        dialog.finished.connect(lambda _r, d=dialog: self.dialogs.remove(d))
        dialog.open()

    def install(self) -> None:
        sys.excepthook = self
