"""The one way the window does long work: off its thread, a progress window only past half a
second, Cancel where the work can stop, known errors as sentences, the result on the window's
thread."""

from __future__ import annotations

import os
import sys
import threading

import pytest
from PySide6.QtWidgets import QPushButton

from desktop.models.errors import InputError
from desktop.models.storage.schema import ServiceRequest
from desktop.ui.background import BackgroundOp, Progress

pytestmark = pytest.mark.usefixtures("no_dialogs")


def test_the_result_comes_back_on_the_windows_thread_without_a_progress_window(qtbot, db):
    seen: list[object] = []
    window_thread = threading.current_thread()

    def work(_progress: Progress) -> int:
        assert threading.current_thread() is not window_thread
        return ServiceRequest.select().count()  # the worker's own connection

    op = BackgroundOp(None, "Count", "Counting…", work, on_success=seen.append)
    with qtbot.waitSignal(op.succeeded) as done:
        op.run()
    assert done.args == [0] and seen == [0]
    assert op.dialog is None  # quick work shows no progress window


def test_long_work_shows_progress_and_stops_when_cancelled(qtbot, db):
    release = threading.Event()
    steps: list[int] = []

    def work(progress: Progress) -> None:
        while not release.wait(0.01):
            progress.check()  # between two steps of the work
            steps.append(1)

    op = BackgroundOp(None, "Export", "Writing…", work, cancellable=True)
    op.run()
    try:
        qtbot.waitUntil(lambda: op.dialog is not None, timeout=5000)
        assert op.dialog is not None and op.dialog.isVisible()
        cancel = op.dialog.findChild(QPushButton)
        assert cancel is not None and cancel.text() == "Cancel"
        with qtbot.waitSignal(op.failed) as failed:
            cancel.click()  # as the clerk does
        assert failed.args == [""]  # cancelled: nothing to say
        assert op.dialog is None and steps
    finally:
        release.set()  # the worker ends whatever happened


def test_a_known_error_is_a_sentence(qtbot, db):
    def work(_progress: Progress) -> None:
        raise InputError("The folder is read-only.")

    op = BackgroundOp(None, "Export", "Writing…", work, show_errors=False)
    with qtbot.waitSignal(op.failed) as failed:
        op.run()
    assert failed.args == ["The folder is read-only."]


def test_work_that_must_end_first_is_waited_for(qtbot, db):
    seen: list[int] = []
    op = BackgroundOp(None, "Backups", "Taking a backup…", lambda _p: 7, on_success=seen.append)
    op.run().wait()  # as the backup taken on closing
    assert op.done and seen == [7]
    op.wait()  # an ended one returns at once


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="threads' niceness is Linux's")
def test_idle_work_runs_at_the_lowest_priority_and_the_clerks_does_not(qtbot, db):
    from desktop.ui.background import IDLE_NICENESS

    def niceness(_progress: Progress) -> tuple[int, int]:
        thread = threading.get_native_id()
        return os.getpriority(os.PRIO_PROCESS, thread), os.sched_getscheduler(thread)

    normal = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    for idle, quiet in ((True, True), (False, False), (False, True), (True, True)):
        op = BackgroundOp(None, "Check", "", niceness, quiet=quiet, idle=idle)
        with qtbot.waitSignal(op.succeeded) as done:
            op.run()
        # never SCHED_IDLE: a thread that gets no processor while it holds Python's lock
        # would stall the window's thread
        assert done.args == [(IDLE_NICENESS if idle else normal, os.SCHED_OTHER)]
