"""Clerks take turns saving (write_queue.py): the queue orders writers and never stops a save."""

from __future__ import annotations

import contextlib
import logging
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.models.setup.opening import open_database
from desktop.models.storage import db as storage_db
from desktop.models.storage import fast_sql, write_queue
from desktop.models.storage.db import close_database, write
from desktop.models.storage.schema import RequestEvent, ServiceRequest, Setting

pytestmark = pytest.mark.skipif(not write_queue.AVAILABLE, reason="no write queue here")

#: a process that holds a database's turn to write until its stdin is closed
HOLDER = """
import sys
from pathlib import Path
from desktop.models.storage.write_queue import make_locks
locks = make_locks(Path(sys.argv[1]), sys.argv[2])
locks.open()
locks.take(1)
print("holding", flush=True)
sys.stdin.read()
"""


@pytest.fixture(autouse=True, params=["ranges", "files"])
def locks(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every test on both kinds of lock: the byte ranges of Linux and macOS, and the two lock
    files Windows queues with (here through flock, there through LockFileEx)."""
    if request.param == "ranges" and write_queue.LOCKS != "ranges":
        pytest.skip("no byte-range locks on this system")
    monkeypatch.setattr(write_queue, "LOCKS", request.param)
    return str(request.param)


def _setting(key: str, value: str) -> None:
    write(lambda: Setting.insert(key=key, value=value).execute())


def _holding_the_turn(db_path: Path, locks: str) -> subprocess.Popen[str]:
    """Another process, holding the database's turn to write until its stdin is closed."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(db_path), locks],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline() == "holding\n"
    return holder


def _queue_file(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + write_queue.SUFFIX)


@pytest.mark.sqlite_only
def test_a_save_takes_its_turn_in_a_file_beside_the_database(db, db_path: Path, locks: str):
    _setting("town.name", "Millbrook")
    assert _queue_file(db_path).exists()
    assert _queue_file(db_path).stat().st_size == 0  # nothing is written in it, only locked
    gate = db_path.with_name(db_path.name + write_queue.GATE_SUFFIX)
    assert gate.exists() == (locks == "files")  # byte ranges keep the gate in the same file
    queue = write_queue.queue_for(str(db_path))
    assert queue is not None and queue.working
    assert queue.kind == {"ranges": "byte ranges", "files": "lock files"}[locks]
    with queue.turn(wait=0) as mine:
        assert mine  # nobody else is writing: the turn is free at once


def test_a_writer_that_keeps_its_turn_too_long_is_passed_by(
    db_path: Path, caplog: pytest.LogCaptureFixture, locks: str
):
    opened = open_database(db_path)
    holder = _holding_the_turn(db_path, locks)
    try:
        queue = write_queue.queue_for(str(db_path))
        assert queue is not None
        with caplog.at_level(logging.INFO, logger="frontcounter.db"):
            with queue.turn(wait=0.2) as mine:
                assert not mine
            # the save itself goes on without the queue: SQLite's lock still keeps it safe
            write_queue.WAIT_SECONDS, before = 0.2, write_queue.WAIT_SECONDS
            try:
                _setting("town.name", "Millbrook")
            finally:
                write_queue.WAIT_SECONDS = before
        assert "saving without the queue" in caplog.text
        assert Setting.get(Setting.key == "town.name").value == "Millbrook"
    finally:
        holder.communicate("")
        close_database(opened)
    # the turn the abandoned wait got afterwards was passed on: the next save has it at once
    opened = open_database(db_path)
    try:
        queue = write_queue.queue_for(str(db_path))
        assert queue is not None
        with queue.turn(wait=5) as mine:
            assert mine
    finally:
        close_database(opened)


def test_no_queue_file_possible_means_saving_without_one(
    db_path: Path, caplog: pytest.LogCaptureFixture
):
    _queue_file(db_path).mkdir()  # something in the way that cannot be opened as a file
    opened = open_database(db_path)
    try:
        with caplog.at_level(logging.WARNING, logger="frontcounter.db"):
            _setting("town.name", "Millbrook")
            _setting("town.state", "VT")
        assert Setting.select().where(Setting.key.startswith("town.")).count() == 2
        assert caplog.text.count("no write queue beside the database") == 1  # said once
    finally:
        close_database(opened)


def test_threads_of_one_process_take_turns_too(db_path: Path):
    opened = open_database(db_path)
    errors: list[BaseException] = []

    def saves(worker: int) -> None:
        try:
            for number in range(20):
                _setting(f"test.{worker}.{number}", "x")
        except BaseException as exc:  # reported below
            errors.append(exc)

    try:
        threads = [threading.Thread(target=saves, args=(n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not errors
        assert Setting.select().where(Setting.key.startswith("test.")).count() == 80
    finally:
        close_database(opened)


def test_a_turn_held_elsewhere_is_seen_and_a_stale_one_reset(db_path: Path, locks: str):
    """`check`'s look at the queue (tidy), on both kinds: free, held past its patience (then
    removed, both files of a two-file queue), or absent."""
    queue = write_queue.WriteQueue(db_path, locks)
    with queue.turn() as held:
        assert held
    assert write_queue.tidy(db_path, patience=0, locks=locks) == "free"
    holder = _holding_the_turn(db_path, locks)
    try:
        assert write_queue.tidy(db_path, patience=0.2, locks=locks) == "reset"
        assert not _queue_file(db_path).exists()
        assert not db_path.with_name(db_path.name + write_queue.GATE_SUFFIX).exists()
        with queue.turn(wait=0) as mine:  # the fresh file, free though the old one is held
            assert mine
    finally:
        holder.communicate("")
        queue.close()
    assert write_queue.tidy(db_path.with_name("nowhere.db"), locks=locks) == "absent"


def test_an_in_memory_database_has_no_queue():
    assert write_queue.queue_for(":memory:") is None
    assert write_queue.queue_for("file:town.db?mode=ro") is None


def test_fast_inserts_fill_defaults_and_ids_as_peewee_does(db):
    from desktop.models.storage.schema import ServiceType

    service_type = ServiceType.get()

    def both() -> tuple[ServiceRequest, ServiceRequest]:
        values = {
            "tracking_number": "2026-99001",
            "service_type": service_type,
            "description": "fast",
            "department": service_type.department,
        }
        fast = fast_sql.create(ServiceRequest, **values)
        slow = ServiceRequest.create(**{**values, "tracking_number": "2026-99002"})
        fast_sql.create(RequestEvent, request=fast, kind="created", new_value="new")
        return fast, slow

    fast, slow = write(both)
    assert isinstance(fast.id, int) and fast.id != slow.id
    assert not fast.dirty_fields
    read_fast, read_slow = ServiceRequest.get_by_id(fast.id), ServiceRequest.get_by_id(slow.id)
    skip = {"id", "tracking_number"}
    for column in ServiceRequest._meta.sorted_field_names:
        if column not in skip:
            assert getattr(read_fast, column) == getattr(read_slow, column), column
    assert RequestEvent.get(RequestEvent.request == fast.id).kind == "created"


@pytest.mark.sqlite_only  # the gate is SQLite's: PostgreSQL's readers never wait
def test_a_commit_gate_wraps_each_commit_once_and_nothing_else(db):
    """`gate_commits`: a write's COMMIT runs inside the gate, once however its writes nest; a
    write that fails commits nothing and never enters it."""
    entered: list[bool] = []

    @contextlib.contextmanager
    def gate() -> Iterator[None]:
        # inside the gate the transaction is still open: the COMMIT is what it wraps
        entered.append(db.db.connection().in_transaction)
        yield

    storage_db.gate_commits(gate)
    try:
        write(lambda: Setting.create(key="gate.one", value=1))
        assert entered == [True]

        def nested() -> None:
            Setting.create(key="gate.two", value=2)
            write(lambda: Setting.create(key="gate.three", value=3))

        write(nested)
        assert entered == [True, True]

        def failing() -> None:
            Setting.create(key="gate.four", value=4)
            raise ValueError("a bug")

        with pytest.raises(ValueError, match="a bug"):
            write(failing)
        assert entered == [True, True]
        assert Setting.get_or_none(Setting.key == "gate.four") is None
    finally:
        storage_db.gate_commits(None)
    write(lambda: Setting.create(key="gate.five", value=5))
    assert len(entered) == 2


def test_writers_polling_for_their_turn_take_it_in_the_order_they_came(db_path: Path, locks):
    """Windows' queue is polled (FileLocks), and polling alone hands the next turn to whichever
    writer asks first: one save in a hundred lost that race thirty times in a row. The writers
    wait in a row of places in front of the gate and nobody passes anybody."""
    if locks != "files":
        pytest.skip("the system's own queue orders the blocking locks")
    holder = write_queue.WriteQueue(db_path, locks="files")
    probe = write_queue.make_locks(db_path, "files")
    probe.open()
    row = [*(write_queue._place(n) for n in range(write_queue.PLACES)), write_queue._GATE]

    def in_line() -> int:
        """How many of the row's places and the gate are held (a place tried and let go)."""
        held = 0
        for which in row:
            if probe.try_take(which):
                probe.give(which)
            else:
                held += 1
        return held

    came: list[int] = []
    served: list[int] = []

    def writer(number: int) -> None:
        queue = write_queue.WriteQueue(db_path, locks="files")
        came.append(number)
        with queue.turn(wait=60) as held:
            served.append(number if held else -1)
        queue.close()

    writers = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
    with holder.turn() as held:
        assert held
        for count, thread in enumerate(writers, 1):
            thread.start()
            deadline = time.monotonic() + 30
            while in_line() < count:  # this writer has a place before the next one comes
                assert time.monotonic() < deadline, f"writer {count} never got in line"
                time.sleep(0.001)
    for thread in writers:
        thread.join(timeout=60)
    probe.close()
    holder.close()
    assert came == served == list(range(6))
