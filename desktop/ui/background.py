"""Work that takes a while, done off the window's thread: one way for all of it.

The shape of Anki's `QueryOp`: `BackgroundOp(parent, title, label, work).run()` calls
`work(progress)` in a worker thread; its result comes back on the window's thread to
`succeeded` (and an `on_success` callable), a known error to `failed` as the clerk's sentence
(shown in a box unless the caller shows it itself), a bug to the crash dialog. A progress window
appears only when the work takes longer than half a second; it offers Cancel when the work can
stop (`progress.check()` between steps raises `Cancelled`).

peewee gives each thread its own connection to the open database: the worker's is closed before
the result goes back, so a pool thread keeps no file open (nor a PostgreSQL session). Work whose
database was closed or opened again meanwhile is reported as such, not shown.

Used by exports, backups and restores (the backup taken on closing waits for its end: `wait`),
the council report, printing (print_preview's PrintJob builds its PDF the same way), and,
`quiet` (no progress window), the day's full check of a large file and the day's backup.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Callable
from typing import Any, ClassVar

from PySide6 import QtCore, QtWidgets  # PySide builds a class when first named: these at use
from PySide6.QtCore import (
    QObject,
    QRunnable,
    QTimer,
    Signal,
)
from PySide6.QtWidgets import QWidget

from desktop import APP_NAME
from desktop.i18n import _
from desktop.models.errors import KnownError
from desktop.models.storage.schema import database
from desktop.ui.messages import messages

#: how long work may take before a progress window says it is under way
SHOW_AFTER_MS = 500


class Cancelled(Exception):
    """The clerk cancelled the work (raised by Progress.check in the worker)."""


class Progress:
    """Handed to the work: how far it is, and whether the clerk asked it to stop."""

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._on_cancel: list[Callable[[], None]] = []
        #: how a step's "done of total" reaches the progress window (set by BackgroundOp)
        self.reporter: Callable[[int, int], None] | None = None

    def report(self, done: int, total: int) -> None:
        """How far the work is: the progress window shows a bar from then on."""
        if self.reporter is not None:
            self.reporter(done, total)

    def cancel(self) -> None:
        self._stop.set()
        for stop in list(self._on_cancel):
            stop()

    def on_cancel(self, stop: Callable[[], None]) -> None:
        """For work that is one long call (SQLite reading a whole file): how to cut it short,
        from the window's thread (`sqlite3.Connection.interrupt`, say)."""
        self._on_cancel.append(stop)
        if self.cancelled:
            stop()

    @property
    def cancelled(self) -> bool:
        return self._stop.is_set()

    def check(self) -> None:
        """Between two steps of the work: stop here if the clerk cancelled."""
        if self._stop.is_set():
            raise Cancelled


class _Signals(QObject):
    done = Signal(object)
    failed = Signal(object)
    moved = Signal(int, int)


def close_thread_connections(*databases: Any) -> None:
    """This thread's connections only (the window's own stays open)."""
    for db in databases:
        if db is not None and not db.is_closed():
            db.close()


_idle_pool: QtCore.QThreadPool | None = None


#: the niceness of the idle pool's threads on Linux: the lowest there is, yet still a share
#: of the processor when it is busy (a thread at SCHED_IDLE holding Python's lock while others
#: keep the processor would stall the window's thread waiting for that lock)
IDLE_NICENESS = 19


def idle_pool() -> QtCore.QThreadPool:
    """The threads of work nobody waits for, at the lowest priority: they give way to the
    window and the clerk's own work. A pool of their own, since a thread's priority, once
    lowered, does not come back up (Linux lets no program raise its own), and the global pool's
    threads serve work the clerk waits for. On Windows, Qt's lowest thread priority."""
    global _idle_pool  # made once, when first needed
    if _idle_pool is None:
        _idle_pool = QtCore.QThreadPool()
        _idle_pool.setThreadPriority(QtCore.QThread.Priority.LowestPriority)
    return _idle_pool


def _lower_this_thread() -> None:
    """This thread at IDLE_NICENESS, where threads have a niceness of their own (Linux)."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), IDLE_NICENESS)


def finish_idle_work() -> None:
    """Wait for the idle pool's work to end (closing: the day's check was interrupted; this is
    what remains of it)."""
    if _idle_pool is not None:
        _idle_pool.waitForDone()


class _Runner(QRunnable):
    def __init__(
        self,
        work: Callable[[Progress], Any],
        progress: Progress,
        signals: _Signals,
        *,
        idle: bool = False,
    ):
        super().__init__()
        self.work = work
        self.progress = progress
        self.signals = signals
        self.database = database.obj  # the database open when the work was asked for
        self.idle = idle

    def run(self) -> None:
        if self.idle:
            _lower_this_thread()
        try:
            try:
                result = self.work(self.progress)
            finally:
                close_thread_connections(self.database, database.obj)
            if database.obj is not self.database:
                raise KnownError(
                    _(
                        "The database was opened again while this was being done, so its "
                        "result was not used. Do it again."
                    )
                )
        except BaseException as exc:  # every ending goes back to the window's thread
            self.signals.failed.emit(exc)
        else:
            self.signals.done.emit(result)


class BackgroundOp(QObject):
    """One piece of work off the window's thread (see the module's docstring)."""

    succeeded = Signal(object)
    #: the clerk's sentence for a known error ("" when cancelled)
    failed = Signal(str)
    finished = Signal()
    _running: ClassVar[set[BackgroundOp]] = set()  # kept alive until they finish
    #: ended, and let go by the event loop a moment later (`_let_go`). The last reference to
    #: an operation nobody else keeps is dropped when it ends, and it ends in a call of its own
    #: slot that Qt is delivering to it: let go there, it was destroyed inside its own event
    #: handling, and PySide crashed (a segfault in about one in fifty runs of the import tests)
    _ended: ClassVar[list[BackgroundOp]] = []

    def __init__(
        self,
        parent: QWidget | None,
        title: str,
        label: str,
        work: Callable[[Progress], Any],
        *,
        on_success: Callable[[Any], None] | None = None,
        cancellable: bool = False,
        show_errors: bool = True,
        on_error: Callable[[BaseException], None] | None = None,
        quiet: bool = False,
        idle: bool = False,
    ) -> None:
        super().__init__()
        #: work the clerk does not wait for (the day's check, the day's backup): no progress
        #: window, however long it takes
        self.quiet = quiet
        #: at the lowest priority (idle_pool): work that holds nothing others wait for (the
        #: day's check; not the day's backup, whose read lock holds up other workstations'
        #: saves on a shared file for as long as it takes)
        self.idle = idle
        self.parent_widget = parent
        self.title = title
        self.label = label
        self.work = work
        self.on_success = on_success
        self.cancellable = cancellable
        self.show_errors = show_errors
        #: takes every failure itself (the exception as raised) instead of the usual handling
        self.on_error = on_error
        self.progress = Progress()
        self.dialog: QtWidgets.QProgressDialog | None = None
        self.done = False
        self.signals = _Signals()
        self.signals.done.connect(self._succeeded)
        self.signals.failed.connect(self._failed)
        self.signals.moved.connect(self._moved)
        self.progress.reporter = self.signals.moved.emit  # from the worker, queued to the window
        #: the last "done of total" the work reported
        self.position: tuple[int, int] | None = None

    def run(self) -> BackgroundOp:
        BackgroundOp._running.add(self)
        pool = idle_pool() if self.idle else QtCore.QThreadPool.globalInstance()
        pool.start(_Runner(self.work, self.progress, self.signals, idle=self.idle))
        QTimer.singleShot(SHOW_AFTER_MS, self._show_progress)
        return self

    def wait(self) -> None:
        """Until the work has ended, the window still painted and its progress shown (for work
        that must finish before the caller goes on: the backup taken on closing)."""
        if self.done:
            return

        # the ending comes through this loop: it cannot come before it runs
        loop = QtCore.QEventLoop()
        self.finished.connect(loop.quit)
        loop.exec(QtCore.QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents)

    def cancel(self) -> None:
        """Ask the work to stop (it stops at its next check, or at once through on_cancel)."""
        self.progress.cancel()

    def _show_progress(self) -> None:
        if self.done or self.quiet:
            return
        dialog = QtWidgets.QProgressDialog(
            self.label, _("Cancel") if self.cancellable else "", 0, 0
        )
        dialog.setAutoReset(False)  # a bar at its end stays until the work says it is done
        dialog.setAutoClose(False)
        dialog.setObjectName("backgroundProgress")
        dialog.setWindowTitle(self.title or APP_NAME)
        if not self.cancellable:
            dialog.setCancelButton(None)
        dialog.setWindowModality(QtCore.Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(0)
        if self.position is not None:
            dialog.setRange(0, max(1, self.position[1]))
            dialog.setValue(min(self.position))
        dialog.canceled.connect(self._cancel)
        if self.parent_widget is not None:
            dialog.setParent(self.parent_widget, dialog.windowFlags())
        dialog.show()
        self.dialog = dialog

    def _moved(self, done: int, total: int) -> None:
        self.position = (done, total)
        if self.dialog is not None and not self.done:
            self.dialog.setRange(0, max(1, total))
            self.dialog.setValue(min(done, total))

    def _cancel(self) -> None:
        self.progress.cancel()
        if self.dialog is not None:
            self.dialog.setLabelText(_("Stopping…"))

    def _end(self) -> None:
        self.done = True
        BackgroundOp._running.discard(self)
        BackgroundOp._ended.append(self)
        QTimer.singleShot(0, BackgroundOp._let_go)  # names no operation: it holds none
        if self.dialog is not None:
            self.dialog.canceled.disconnect(self._cancel)
            self.dialog.close()
            self.dialog.deleteLater()
            self.dialog = None

    @staticmethod
    def _let_go() -> None:
        BackgroundOp._ended.clear()

    def _succeeded(self, result: Any) -> None:
        self._end()
        if self.on_success is not None:
            self.on_success(result)
        self.succeeded.emit(result)
        self.finished.emit()

    def _failed(self, exc: BaseException) -> None:
        self._end()
        if self.on_error is not None:
            self.on_error(exc)
        elif isinstance(exc, Cancelled):
            self.failed.emit("")
        elif isinstance(exc, KnownError):
            if self.show_errors:
                messages.error(self.parent_widget, exc, self.title)
            self.failed.emit(str(exc))
        else:
            self.failed.emit(str(exc))
            sys.excepthook(type(exc), exc, exc.__traceback__)
        self.finished.emit()
