"""sys.excepthook: known errors become a message, bugs reach the crash dialog.

The dialog's module is imported only when a bug happens, so start-up does not pay for it.
"""

from __future__ import annotations

import logging
import sys
import traceback
from types import TracebackType
from typing import TYPE_CHECKING

from desktop import __version__
from desktop.models.errors import KnownError, translate_db_error
from desktop.ui.messages import messages

if TYPE_CHECKING:
    from desktop.ui.crash_dialog import CrashDialog

log = logging.getLogger("frontcounter.crash")


def crash_report(
    exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
) -> str:
    import platform  # noqa: PLC0415 (when a bug is reported, not in every start)

    lines = traceback.format_exception(exc_type, exc, tb)
    return (
        f"Front Counter {__version__}\nPython {platform.python_version()} on "
        f"{platform.platform()}\n\n" + "".join(lines)
    )


class ExceptionHook:
    """Known errors become a clear message; anything else is a bug for the crash dialog."""

    def __init__(self, *, windows: bool) -> None:
        self.windows = windows
        self.dialogs: list[CrashDialog] = []
        self.bugs: list[str] = []  # seen by --smoke-test, which must fail on any bug

    def __call__(
        self, exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
    ) -> None:
        known = exc if isinstance(exc, KnownError) else translate_db_error(exc)
        if known is not None:  # the disk, the network or the server: a sentence, not a bug
            messages.error(None, known)
            return
        report = crash_report(exc_type, exc, tb)
        self.bugs.append(report)
        log.error("unexpected error:\n%s", report)
        if not self.windows:
            sys.stderr.write(report)
            return

        from desktop.ui.crash_dialog import CrashDialog  # noqa: PLC0415 (the docstring)

        dialog = CrashDialog(report)
        self.dialogs.append(dialog)
        dialog.finished.connect(lambda _r, d=dialog: self.dialogs.remove(d))
        dialog.open()

    def install(self) -> None:
        sys.excepthook = self
