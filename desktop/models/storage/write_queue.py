"""Clerks take turns saving: a queue in front of SQLite's write lock.

SQLite hands its write lock to whichever waiting connection happens to ask first. With 8
clerks saving at once that is a lottery, and an unlucky clerk can lose it thirty times in a row
(a third of a second, where the others wait a twentieth). So before `BEGIN IMMEDIATE` a writer
first takes an operating-system lock beside the database, on `town.db-queue`, waiting in the
kernel's queue, which hands the lock on in the order it was asked for.

Two kinds of lock carry the same queue (`Locks`): on Linux and macOS two bytes of the one file
(`fcntl.lockf`), waited for in the kernel; on Windows two files, `town.db-queue` (the turn,
locked whole with LockFileEx through portalocker and pywin32) and `town.db-queue-gate`, whose
bytes are the gate and a row of places in front of it, polled (`FileLocks`). The tests run both
here.

The queue only orders the writers; SQLite's own lock still keeps the file safe. Whatever goes
wrong with the queue (a read-only folder, a network drive without byte-range locks, a writer
that holds its turn too long) means writing without it, as before: never an error a clerk
sees. The files are empty and may be deleted when nobody has the database open.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import os
import struct
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO, Any

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]


def _portalocker() -> Any:
    """portalocker, imported when the first two-file queue is made (never at start-up on a
    system with byte ranges)."""
    return importlib.import_module("portalocker")


log = logging.getLogger("frontcounter.db")

SUFFIX = "-queue"
#: the second file of the two-file queue (Windows): the gate to the line
GATE_SUFFIX = "-queue-gate"
#: the queue's two locks: the gate to the line, and the turn to write
_GATE, _TURN = 0, 1
#: the places in front of the gate where polling writers wait (FileLocks): as many writers as
#: this, plus the one at the gate, take their turns in the order they came
PLACES = 8


def _place(number: int) -> int:
    """The lock of the row's place `number` (0: the farthest from the gate)."""
    return 2 + number


#: at most this long in the queue; then the writer goes to SQLite's lock like any other
WAIT_SECONDS = 2.0


class Locks:
    """The gate and the turn of one database's queue, as this process holds them.

    `take` blocks until the lock is this handle's; `try_take` says False at once when another
    holds it. Any other trouble is an OSError, and the queue gives up on itself."""

    kind = ""
    #: whether a writer waits inside the system's lock call (a helper thread that can be
    #: abandoned), or polls with calls that never block (see FileLocks)
    blocking_waits = True
    #: the places in the row in front of the gate (`_place`; polling locks only)
    places = 0

    def __init__(self, database: Path) -> None:
        self.path = database.with_name(database.name + SUFFIX)
        #: changes whenever the file(s) are closed or opened again: a wait begun on the old
        #: ones must not give or give up the new ones
        self.generation = 0

    def try_take(self, which: int) -> bool:
        raise NotImplementedError

    def take(self, which: int) -> None:
        raise NotImplementedError

    def give(self, which: int) -> None:
        raise NotImplementedError

    def give_all(self) -> None:
        for which in (_GATE, _TURN, *(_place(n) for n in range(self.places))):
            with suppress(OSError):
                self.give(which)

    @property
    def is_open(self) -> bool:
        raise NotImplementedError

    def open(self) -> None:
        """Open the file(s), again when they were removed or replaced since (by hand, or by
        `check` resetting a stale queue): a queue only orders writers who lock the same file."""
        raise NotImplementedError

    def open_existing(self) -> None:
        """Open the turn's file only if it is there (FileNotFoundError otherwise)."""
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def remove(self) -> None:
        """Delete the file(s) (`tidy` resetting a queue whose turn is held for good)."""
        self.path.unlink()


def _same_file(path: Path, fd: int) -> bool:
    try:
        there, ours = path.stat(), os.fstat(fd)
    except OSError:
        return False
    return (there.st_dev, there.st_ino) == (ours.st_dev, ours.st_ino)


class ByteRangeLocks(Locks):
    """POSIX record locks on bytes 0 (the gate) and 1 (the turn) of `town.db-queue`.

    Record locks belong to the process, so the threads of one process do not exclude one
    another: `WriteQueue` has a lock of its own for them."""

    kind = "byte ranges"

    def __init__(self, database: Path) -> None:
        super().__init__(database)
        self._fd: int | None = None

    @property
    def is_open(self) -> bool:
        return self._fd is not None

    def open(self) -> None:
        if self._fd is not None and not _same_file(self.path, self._fd):
            self.close()
        if self._fd is None:
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
            self.generation += 1

    def open_existing(self) -> None:
        self._fd = os.open(self.path, os.O_RDWR)

    def _lockf(self, command: int, which: int) -> None:
        assert fcntl is not None
        if self._fd is None:
            raise OSError("the write queue is closed")
        fcntl.lockf(self._fd, command, 1, which)

    def try_take(self, which: int) -> bool:
        assert fcntl is not None
        try:
            self._lockf(fcntl.LOCK_EX | fcntl.LOCK_NB, which)
        except (BlockingIOError, PermissionError):
            return False
        return True

    def take(self, which: int) -> None:
        assert fcntl is not None
        self._lockf(fcntl.LOCK_EX, which)

    def give(self, which: int) -> None:
        assert fcntl is not None
        self._lockf(fcntl.LOCK_UN, which)

    def close(self) -> None:
        if self._fd is not None:
            self.generation += 1
            with suppress(OSError):
                os.close(self._fd)
            self._fd = None


def _portalocker_calls() -> tuple[Callable[[IO[bytes], Any], None], Callable[[IO[bytes]], None]]:
    """portalocker's lock and unlock: on Windows through LockFileEx (its Win32Locker, which
    waits in the system's queue; its default msvcrt locker polls once a second), elsewhere
    through flock."""
    locking = _portalocker()
    if os.name == "nt":
        locker = locking.portalocker.Win32Locker()
        return locker.lock, locker.unlock
    return locking.lock, locking.unlock


ByteCalls = tuple[Callable[[IO[bytes], int], bool], Callable[[IO[bytes], int], None]]


def _byte_calls() -> ByteCalls:
    """Lock (never waiting: False when another holds it) and unlock one byte of a file, the
    lock belonging to the open file: LockFileEx through pywin32 on Windows, elsewhere Linux's
    open file description locks (F_OFD_SETLK), where the tests run it."""
    if os.name == "nt":
        return _windows_byte_calls()
    if fcntl is None or not hasattr(fcntl, "F_OFD_SETLK"):
        raise OSError("no locks on a file's bytes that belong to the open file here")
    return _ofd_byte_calls()


def _windows_byte_calls() -> ByteCalls:
    pywintypes: Any = importlib.import_module("pywintypes")  # pywin32, beside portalocker
    win32con: Any = importlib.import_module("win32con")
    win32file: Any = importlib.import_module("win32file")
    msvcrt: Any = importlib.import_module("msvcrt")
    exclusive = win32con.LOCKFILE_EXCLUSIVE_LOCK | win32con.LOCKFILE_FAIL_IMMEDIATELY
    violation = 33  # ERROR_LOCK_VIOLATION: another handle holds it

    def at(offset: int) -> Any:
        overlapped = pywintypes.OVERLAPPED()  # one per call: Windows forbids sharing one
        overlapped.Offset = offset
        return overlapped

    def lock(file: IO[bytes], offset: int) -> bool:
        try:
            handle = msvcrt.get_osfhandle(file.fileno())
            win32file.LockFileEx(handle, exclusive, 1, 0, at(offset))
        except pywintypes.error as exc:
            if exc.winerror == violation:
                return False
            raise OSError(exc.strerror) from exc
        return True

    def unlock(file: IO[bytes], offset: int) -> None:
        try:
            win32file.UnlockFileEx(msvcrt.get_osfhandle(file.fileno()), 1, 0, at(offset))
        except pywintypes.error as exc:
            raise OSError(exc.strerror) from exc

    return lock, unlock


def _ofd_byte_calls() -> ByteCalls:
    assert fcntl is not None

    def set_lock(file: IO[bytes], kind: int, offset: int) -> None:
        # struct flock: type, whence (SEEK_SET), start, length, pid (0 for these locks)
        fcntl.fcntl(file, fcntl.F_OFD_SETLK, struct.pack("hhqqi4x", kind, 0, offset, 1, 0))

    def lock(file: IO[bytes], offset: int) -> bool:
        try:
            set_lock(file, fcntl.F_WRLCK, offset)
        except (BlockingIOError, PermissionError):
            return False
        return True

    def unlock(file: IO[bytes], offset: int) -> None:
        set_lock(file, fcntl.F_UNLCK, offset)

    return lock, unlock


class FileLocks(Locks):
    """`town.db-queue` locked whole (the turn) and the bytes of `town.db-queue-gate`: byte 0 the
    gate, bytes 1 to PLACES the row of places in front of it. Windows' LockFileEx through
    pywin32 (the turn through portalocker); flock and Linux's open file description locks
    elsewhere, where the tests run it.

    These locks belong to the open file, so two handles in one process exclude each other, as
    two processes do.

    A writer here never waits inside LockFileEx: Windows runs every call on a file handle
    opened the usual way one at a time, so a lock call left waiting after its writer gave up
    would hold up the next save's calls on that handle, and closing it, for as long as another
    PC keeps its turn. Waiting is polling instead, with calls that fail at once, and polling
    alone hands the next place to whichever writer asks first: with eight writers saving at
    once, one save in a hundred lost the race thirty times in a row. So a writer comes in at
    the row's far end and moves up a place whenever the one ahead is free, holding its place
    until then (`WriteQueue._climb`): nobody passes anybody, and the turn goes in the order the
    writers came. All of it is in the system's locks: a writer that stops, or gives up, leaves
    nothing behind."""

    kind = "lock files"
    blocking_waits = False
    places = PLACES

    def __init__(self, database: Path) -> None:
        super().__init__(database)
        self.gate_path = database.with_name(database.name + GATE_SUFFIX)
        self._files: dict[int, IO[bytes]] = {}
        self._portalocker: Any = _portalocker()
        self._lock, self._unlock = _portalocker_calls()
        self._lock_byte, self._unlock_byte = _byte_calls()

    def _paths(self) -> dict[int, Path]:
        return {_GATE: self.gate_path, _TURN: self.path}

    @property
    def is_open(self) -> bool:
        return bool(self._files)

    def open(self) -> None:
        # the files open here are the ones at their paths: on Windows a file open anywhere
        # cannot be removed or replaced (Python opens it without FILE_SHARE_DELETE), so the
        # four calls that ask (a tenth of a save under Wine) are made elsewhere only
        if (
            self._files
            and os.name != "nt"
            and not all(
                _same_file(path, self._files[n].fileno()) for n, path in self._paths().items()
            )
        ):
            self.close()
        if not self._files:
            try:
                for which, path in self._paths().items():
                    self._files[which] = path.open("a+b")
            except OSError:
                self.close()
                raise
            self.generation += 1

    def open_existing(self) -> None:
        self._files[_TURN] = self.path.open("r+b")

    def _file(self, which: int) -> IO[bytes]:
        handle = self._files.get(_TURN if which == _TURN else _GATE)
        if handle is None:
            raise OSError("the write queue is closed")
        return handle

    @staticmethod
    def _byte(which: int) -> int:
        """The gate file's byte of the gate (0) or of a place in the row (1 to PLACES)."""
        return 0 if which == _GATE else which - 1

    def try_take(self, which: int) -> bool:
        if which != _TURN:
            return self._lock_byte(self._file(which), self._byte(which))
        flags = self._portalocker.LockFlags
        try:
            self._lock(self._file(which), flags.EXCLUSIVE | flags.NON_BLOCKING)
        except self._portalocker.AlreadyLocked:
            return False
        except self._portalocker.LockException as exc:
            raise OSError(str(exc)) from exc
        return True

    def take(self, which: int) -> None:
        if which != _TURN:  # never asked: these locks are polled (WriteQueue._climb)
            raise OSError("the gate's row is polled, not waited for")
        try:
            self._lock(self._file(which), self._portalocker.LockFlags.EXCLUSIVE)
        except self._portalocker.LockException as exc:
            raise OSError(str(exc)) from exc

    def give(self, which: int) -> None:
        if which != _TURN:
            self._unlock_byte(self._file(which), self._byte(which))
            return
        try:
            self._unlock(self._file(which))
        except self._portalocker.LockException as exc:
            raise OSError(str(exc)) from exc

    def close(self) -> None:
        files, self._files = self._files, {}
        if files:
            self.generation += 1
        for handle in files.values():
            with suppress(OSError):
                handle.close()

    def remove(self) -> None:
        self.path.unlink()
        with suppress(FileNotFoundError):
            self.gate_path.unlink()


#: the locks each system queues with: "ranges" (POSIX) or "files" (Windows); None: no queue
LOCKS: str | None = (
    "ranges" if fcntl is not None else "files" if importlib.util.find_spec("portalocker") else None
)
#: whether this system queues writers at all
AVAILABLE = LOCKS is not None


def make_locks(database: Path, kind: str | None = None) -> Locks:
    kind = kind or LOCKS
    if kind == "ranges" and fcntl is not None:
        return ByteRangeLocks(database)
    if kind == "files":
        return FileLocks(database)  # ImportError without portalocker
    raise OSError(f"no {kind or 'write queue'} locks on this system")


class WriteQueue:
    """The turn-taking lock of one database file, for this process."""

    def __init__(self, database: Path, locks: str | None = None) -> None:
        self._broken = False
        try:
            self._locks: Locks | None = make_locks(database, locks)
        except (OSError, ImportError) as exc:
            self._locks = None
            self._give_up(OSError(str(exc)))
        self.path = database.with_name(database.name + SUFFIX)
        self._guard = threading.RLock()  # the threads of this process take their turns too

    @property
    def working(self) -> bool:
        """Whether saves still queue here (False after the queue gave up on itself)."""
        return not self._broken

    @property
    def kind(self) -> str:
        return self._locks.kind if self._locks is not None else ""

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
            if self._locks is not None:
                self._locks.close()

    def _take(self, wait: float) -> bool:
        """The turnstile: the gate, then the turn, then the gate let go.

        The kernel does not hand a lock to the longest waiter: it wakes the waiters and lets
        whoever runs first have it, often the writer who has just let go and comes straight
        back. Through the gate that writer cannot: while someone waits for the turn, that
        someone holds the gate, so the turn goes to them and the newcomer waits at the gate.
        """
        locks = self._locks
        assert locks is not None
        try:
            locks.open()
            if not locks.blocking_waits:
                return self._climb(locks, wait)
            if not locks.try_take(_GATE):
                return self._wait_in_line(locks, at_gate=False, wait=wait)
            if not locks.try_take(_TURN):
                return self._wait_in_line(locks, at_gate=True, wait=wait)
            locks.give(_GATE)
            return True
        except OSError as exc:
            self._give_up(exc)
            locks.give_all()
            return False

    def _wait_in_line(self, locks: Locks, *, at_gate: bool, wait: float) -> bool:
        """Blocking locks (the system's queue), abandoned after `wait` seconds.

        A blocking lock cannot time out by itself, so the waiting is done by a helper thread;
        a turn that comes after this writer stopped waiting is passed straight on.
        """
        state = {"held": False, "abandoned": False}
        decided = threading.Lock()
        got = threading.Event()
        generation = locks.generation

        def wait_for_turn() -> None:
            try:
                if not at_gate:
                    locks.take(_GATE)
                locks.take(_TURN)
                locks.give(_GATE)
            except (OSError, ValueError) as exc:
                # unless the file was closed or opened again under the wait (the database
                # closed, the queue file replaced): then it is not this queue's trouble
                if locks.generation == generation:
                    self._give_up(OSError(str(exc)))
                    locks.give_all()
                got.set()
                return
            with decided:
                if state["abandoned"]:
                    # passed straight on, if the file is still the one waited on: closing it
                    # (the database closed, the file replaced) released the lock already
                    if locks.generation == generation:
                        with suppress(OSError):
                            locks.give(_TURN)
                else:
                    state["held"] = True
            got.set()

        try:
            threading.Thread(target=wait_for_turn, name="write-queue", daemon=True).start()
        except RuntimeError as exc:  # no thread to be had: save without the queue
            self._give_up(OSError(str(exc)))
            locks.give_all()
            return False
        got.wait(wait)
        with decided:
            if not state["held"]:
                state["abandoned"] = True
                log.info("waited %.1f s for a turn to save; saving without the queue", wait)
            return state["held"]

    def _climb(self, locks: Locks, wait: float) -> bool:
        """The turnstile by polling (FileLocks): in at the row's far end, up a place whenever
        the one ahead is free (each place held until then), the gate, then the turn, each
        tried every half millisecond or so until `wait` is up. Nobody passes anybody: the turn
        goes in the order the writers came in. Alone, it is a free place after another."""
        deadline = time.monotonic() + wait
        held: int | None = None
        for which in (*(_place(n) for n in range(locks.places)), _GATE, _TURN):
            pause = 0.0002
            while not locks.try_take(which):
                if time.monotonic() >= deadline:
                    if held is not None:
                        locks.give(held)
                    log.info("waited %.1f s for a turn to save; saving without the queue", wait)
                    return False
                time.sleep(pause)
                pause = min(pause * 2, 0.0005)
            if held is not None:
                locks.give(held)
            held = which
        return True

    def _give(self) -> None:
        if self._locks is None:
            return
        try:
            self._locks.give(_TURN)
        except OSError as exc:
            self._give_up(exc)

    def _give_up(self, exc: OSError) -> None:
        if not self._broken:
            log.warning("no write queue beside the database (%s); saving without it", exc)
        self._broken = True


_queues: dict[str, WriteQueue] = {}
_queues_lock = threading.Lock()


def queue_for(database: str) -> WriteQueue | None:
    """The queue of a database file (None: in memory, a URI, or no queue on this system)."""
    if not AVAILABLE or not database or database.startswith((":memory:", "file:")):
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


def tidy(database: Path, *, patience: float = 5.0, locks: str | None = None) -> str:
    """What `frontcounter check` finds of the queue's file: "absent", "free", "reset" (its turn
    was held all through `patience` seconds, longer than any save: a writer on another PC that
    stopped while a network drive kept its lock; the file is removed, and every writer takes
    the new one at its next save) or "unchecked" (no queue on this system, the folder cannot
    be written, or, on Windows, the file is still open elsewhere and cannot be removed)."""
    try:
        probe = make_locks(database, locks)
    except (OSError, ImportError):  # no queue here, or pywin32's libraries not found
        return "unchecked"
    try:
        probe.open_existing()
    except FileNotFoundError:
        return "absent"
    except OSError:
        return "unchecked"
    try:
        deadline = time.monotonic() + patience
        while True:
            try:
                free = probe.try_take(_TURN)
            except OSError:
                free = False
            if free:
                with suppress(OSError):
                    probe.give(_TURN)
                return "free"
            if time.monotonic() >= deadline:
                break
            time.sleep(0.05)
    finally:
        probe.close()
    try:
        probe.remove()
    except OSError:
        return "unchecked"
    log.warning("the write queue beside %s was held for %.0f s: reset", database, patience)
    return "reset"
