"""Clerks take turns saving: a queue in front of SQLite's write lock.

SQLite hands its write lock to whichever waiting connection happens to ask first. With 8
clerks saving at once that is a lottery, and an unlucky clerk can lose it thirty times in a row
(a third of a second, where the others wait a twentieth). So before `BEGIN IMMEDIATE` a writer
first takes an operating-system lock on a small file beside the database, `town.db-queue`,
waiting in the kernel's queue, which hands the lock on in the order it was asked for.

The queue only orders the writers; SQLite's own lock still keeps the file safe. Whatever goes
wrong with the queue (a read-only folder, a network drive without byte-range locks, Windows,
where this module does not queue yet, a writer that holds its turn too long) means writing
without it, as before: never an error a clerk sees. The file is empty and may be deleted when
nobody has the database open.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger("frontcounter.db")

#: whether this system queues writers at all (not on Windows yet)
AVAILABLE = fcntl is not None

SUFFIX = "-queue"
#: the bytes of the queue file that are locked: the gate to the line, and the turn to write
_GATE, _TURN = 0, 1
#: at most this long in the queue; then the writer goes to SQLite's lock like any other
WAIT_SECONDS = 2.0


class WriteQueue:
    """The turn-taking lock of one database file, for this process."""

    def __init__(self, database: Path) -> None:
        self.path = database.with_name(database.name + SUFFIX)
        self._fd: int | None = None
        self._broken = fcntl is None
        self._guard = threading.RLock()  # the threads of this process take their turns too

    @contextmanager
    def turn(self, wait: float | None = None) -> Iterator[bool]:
        """Wait for this writer's turn (True) or give up on the queue (False), then write."""
        wait = WAIT_SECONDS if wait is None else wait
        if self._broken or not self._guard.acquire(timeout=wait):
            yield False
            return
        try:
            held = self._take(wait)
            try:
                yield held
            finally:
                if held:
                    self._give()
        finally:
            self._guard.release()

    def close(self) -> None:
        with self._guard:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None

    def _take(self, wait: float) -> bool:
        """The turnstile: the gate (byte 0), then the turn (byte 1), then the gate let go.

        The kernel does not hand a lock to the longest waiter: it wakes the waiters and lets
        whoever runs first have it, often the writer who has just let go and comes straight
        back. Through the gate that writer cannot: while someone waits for the turn, that
        someone holds the gate, so the turn goes to them and the newcomer waits at the gate.
        """
        assert fcntl is not None
        try:
            if self._fd is not None and not self._still_ours(self._fd):
                # the file was removed (by hand, by `check` resetting a stale queue) or replaced:
                # a queue only orders writers who lock the same file, so take the one there now
                with suppress(OSError):
                    os.close(self._fd)
                self._fd = None
            if self._fd is None:
                self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
            fd = self._fd
            try:
                fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, _GATE)
            except BlockingIOError:
                return self._wait_in_line(fd, at_gate=False, wait=wait)
            try:
                fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, _TURN)
            except BlockingIOError:
                return self._wait_in_line(fd, at_gate=True, wait=wait)
            fcntl.lockf(fd, fcntl.LOCK_UN, 1, _GATE)
            return True
        except OSError as exc:
            self._give_up(exc)
            self._unlock_all()
            return False

    def _still_ours(self, fd: int) -> bool:
        """Whether the queue's path still names the file this process has open."""
        try:
            there, ours = self.path.stat(), os.fstat(fd)
        except OSError:
            return False
        return (there.st_dev, there.st_ino) == (ours.st_dev, ours.st_ino)

    def _wait_in_line(self, fd: int, *, at_gate: bool, wait: float) -> bool:
        """Blocking locks (the kernel's queue), abandoned after `wait` seconds.

        A blocking lock cannot time out by itself, so the waiting is done by a helper thread;
        a turn that comes after this writer stopped waiting is passed straight on.
        """
        assert fcntl is not None
        state = {"held": False, "abandoned": False}
        decided = threading.Lock()
        got = threading.Event()

        def wait_for_turn() -> None:
            try:
                if not at_gate:
                    fcntl.lockf(fd, fcntl.LOCK_EX, 1, _GATE)
                fcntl.lockf(fd, fcntl.LOCK_EX, 1, _TURN)
                fcntl.lockf(fd, fcntl.LOCK_UN, 1, _GATE)
            except OSError as exc:
                self._give_up(exc)
                self._unlock_all()
                got.set()
                return
            with decided:
                if state["abandoned"]:
                    # passed straight on; the queue may have been closed meanwhile (the
                    # database closed), and closing its file released the lock already
                    if self._fd == fd:  # not a number the system has given another file
                        with suppress(OSError):
                            fcntl.lockf(fd, fcntl.LOCK_UN, 1, _TURN)
                else:
                    state["held"] = True
            got.set()

        threading.Thread(target=wait_for_turn, name="write-queue", daemon=True).start()
        got.wait(wait)
        with decided:
            if not state["held"]:
                state["abandoned"] = True
                log.info("waited %.1f s for a turn to save; saving without the queue", wait)
            return state["held"]

    def _give(self) -> None:
        assert fcntl is not None
        if self._fd is None:
            return
        try:
            fcntl.lockf(self._fd, fcntl.LOCK_UN, 1, _TURN)
        except OSError as exc:
            self._give_up(exc)

    def _unlock_all(self) -> None:
        if fcntl is not None and self._fd is not None:
            with suppress(OSError):
                fcntl.lockf(self._fd, fcntl.LOCK_UN, 2, _GATE)

    def _give_up(self, exc: OSError) -> None:
        if not self._broken:
            log.warning("no write queue beside the database (%s); saving without it", exc)
        self._broken = True


_queues: dict[str, WriteQueue] = {}
_queues_lock = threading.Lock()


def queue_for(database: str) -> WriteQueue | None:
    """The queue of a database file (None: in memory, a URI, or no queue on this system)."""
    if fcntl is None or not database or database.startswith((":memory:", "file:")):
        return None
    with _queues_lock:
        queue = _queues.get(database)
        if queue is None:
            queue = _queues[database] = WriteQueue(Path(database))
        return queue


def forget(database: str) -> None:
    """Close the queue of a database that is being closed."""
    with _queues_lock:
        queue = _queues.pop(database, None)
    if queue is not None:
        queue.close()


def tidy(database: Path, *, patience: float = 5.0) -> str:
    """What `frontcounter check` finds of the queue's file: "absent", "free", "reset" (its turn
    was held all through `patience` seconds, longer than any save: a writer on another PC that
    stopped while a network drive kept its lock; the file is removed, and every writer takes
    the new one at its next save) or "unchecked" (no queue on this system, or the folder
    cannot be written)."""
    if fcntl is None:
        return "unchecked"
    path = database.with_name(database.name + SUFFIX)
    try:
        fd = os.open(path, os.O_RDWR)
    except FileNotFoundError:
        return "absent"
    except OSError:
        return "unchecked"
    try:
        deadline = time.monotonic() + patience
        while True:
            try:
                fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, _TURN)
            except OSError:
                if time.monotonic() >= deadline:
                    break
                time.sleep(0.05)
                continue
            fcntl.lockf(fd, fcntl.LOCK_UN, 1, _TURN)
            return "free"
        try:
            path.unlink()
        except OSError:
            return "unchecked"
        log.warning("the write queue beside %s was held for %.0f s: reset", database, patience)
        return "reset"
    finally:
        os.close(fd)
