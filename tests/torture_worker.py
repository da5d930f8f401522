"""The other processes of the torture tests: `python -m tests.torture_worker MODE DB ...`.

Every save goes through the core's write path (`intake.create_request` -> `db.write`), as a
clerk's would. Lines go to stdout with os.write (whole lines, never interleaved) so the test can
tell which saves were acknowledged before a process was killed.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import sys
import time
from pathlib import Path

SERVICE_TYPE = "general"


def say(line: str) -> None:
    os.write(1, (line + "\n").encode())


def _open(path: str):
    from desktop.models.setup.opening import open_database

    return open_database(path, create=False, migrate=False)


def _draft(text: str):
    from desktop.models.requests.intake import RequestDraft

    return RequestDraft(
        service_type=SERVICE_TYPE,
        description=text,
        address="1 Main St",
        safety_acknowledged=True,
    )


#: the environment variable naming the file a benchmark creates once every writer is ready:
#: writers that start slowly (Windows processes under Wine take seconds) then all save at
#: once, not one after another
START_FILE = "FRONTCOUNTER_SAVES_START"


def wait_for_start() -> None:
    """Say this writer is ready (`<start file>.ready-<pid>`) and wait for the start file, when
    the benchmark names one; at once otherwise."""
    start = os.environ.get(START_FILE)
    if not start:
        return
    Path(f"{start}.ready-{os.getpid()}").touch()
    while not Path(start).exists():
        time.sleep(0.002)


def saves(path: str, count: int, out: str, locks: str | None = None) -> None:
    """`count` saves, timing each; the known errors a clerk would have seen are counted.
    `locks` ("ranges" or "files") is the kind of write queue to take turns in; the output says
    whether the queue still worked at the end (it gives up on itself rather than fail a save)."""
    from desktop.models.errors import KnownError
    from desktop.models.requests.intake import create_request
    from desktop.models.storage import write_queue

    if locks:
        write_queue.LOCKS = locks
    opened = _open(path)
    latencies: list[float] = []
    errors: list[str] = []
    wait_for_start()
    for number in range(count):
        started = time.perf_counter()
        try:
            create_request(_draft(f"torture save {os.getpid()} {number}"), actor=None)
        except KnownError as exc:
            errors.append(f"{type(exc).__name__}: {exc}")
            continue
        latencies.append(time.perf_counter() - started)
    queue = write_queue.queue_for(path)
    queued = {"kind": queue.kind, "working": queue.working} if queue else {}
    opened.db.close()
    Path(out).write_text(json.dumps({"latencies": latencies, "errors": errors, "queue": queued}))


def _save_forever(path: str) -> None:
    from desktop.models.requests.intake import create_request

    _open(path)
    number = 0
    while True:
        request = create_request(_draft(f"killed writer {os.getpid()} {number}"), actor=None)
        say(f"ACK {request.tracking_number}")
        number += 1


def zygote(path: str) -> None:
    """Imports once, then forks a saving child per 'go' line (200 trials need fast starts)."""
    import desktop.models.requests.intake  # noqa: F401  (loaded once, shared by every child)

    for line in sys.stdin:
        command = line.split()
        if command == ["go"]:
            pid = os.fork()
            if pid == 0:  # the child: save until killed
                try:
                    _save_forever(path)
                finally:
                    os._exit(1)
            say(f"PID {pid}")
        elif command and command[0] == "reap":
            os.waitpid(int(command[1]), 0)
            say("REAPED")


def writer(path: str, count: int) -> None:
    """Saves `count` requests, acknowledging each (for the backup-while-writing test)."""
    from desktop.models.requests.intake import create_request

    _open(path)
    for number in range(count):
        request = create_request(_draft(f"busy writer {number}"), actor=None)
        say(f"ACK {request.tracking_number}")
    say("DONE")


def read_only_probe(path: str) -> None:
    """Open a file this user cannot write; report what a clerk would see."""
    from desktop.models.errors import KnownError
    from desktop.models.requests.intake import create_request
    from desktop.models.setup.opening import open_database
    from desktop.models.storage.schema import ServiceRequest

    opened = open_database(path)
    result: dict[str, object] = {
        "read_only": opened.read_only,
        "reason": opened.read_only_reason,
        "requests": ServiceRequest.select().count(),
    }
    try:
        create_request(_draft("should not be saved"), actor=None)
        result["error"] = ""
    except KnownError as exc:
        result["error"] = type(exc).__name__
        result["message"] = str(exc)
    say(json.dumps(result))


def hold_journal(path: str) -> None:
    """Half of a big transaction written to the file, its journal beside it; then killed."""
    raw = sqlite3.connect(path, isolation_level=None)
    raw.execute("PRAGMA cache_size=5")  # spill changed pages to the file before commit
    raw.execute("BEGIN IMMEDIATE")
    for number in range(3000):
        raw.execute(
            "INSERT INTO setting (key, value, version, created_at, updated_at) "
            "VALUES (?, ?, 1, '2026-11-16', '2026-11-16')",
            (f"half.{number}", json.dumps("x" * 200)),
        )
    say("READY")
    signal.pause()


def wal_writer(path: str) -> None:
    """A file in WAL mode with a committed change still only in the -wal file; then killed."""
    raw = sqlite3.connect(path, isolation_level=None)
    raw.execute("PRAGMA journal_mode=WAL")
    raw.execute("PRAGMA wal_autocheckpoint=0")
    raw.execute(
        "INSERT INTO setting (key, value, version, created_at, updated_at) "
        "VALUES ('town.name', '\"Walton\"', 1, '2026-11-16', '2026-11-16')"
    )
    say("READY")
    signal.pause()


def edit(path: str, request_id: int, version: int, priority: str) -> None:
    """Change a request's priority from the copy this process read (at `version`)."""
    from desktop.models.errors import ConflictError
    from desktop.models.requests.lifecycle import set_priority

    _open(path)
    try:
        set_priority(request_id, priority, version=version, actor=None)
        say("saved")
    except ConflictError:
        say("conflict")


def main(argv: list[str]) -> None:
    mode, path, *rest = argv
    if mode == "saves":
        saves(path, int(rest[0]), rest[1], *rest[2:3])
    elif mode == "zygote":
        zygote(path)
    elif mode == "writer":
        writer(path, int(rest[0]))
    elif mode == "forever":
        _save_forever(path)
    elif mode == "read-only-probe":
        read_only_probe(path)
    elif mode == "hold-journal":
        hold_journal(path)
    elif mode == "wal-writer":
        wal_writer(path)
    elif mode == "edit":
        edit(path, int(rest[0]), int(rest[1]), rest[2])
    else:
        raise SystemExit(f"unknown mode {mode}")


if __name__ == "__main__":
    main(sys.argv[1:])
