"""Save latency on one file: one clerk alone, then 8 processes saving at once (p50, p99), each
beside a raw sqlite3 insert loop with the same pragmas (rollback journal, synchronous FULL,
BEGIN IMMEDIATE) in the same run. Target (issue 6): p99 ≤ 100 ms with 8 concurrent writers.
The saves go through `intake.create_request` and `db.write`, as a clerk's do, with the write
queue (write_queue.py) that makes them take turns.

Each writer saves in a tight loop, far busier than a counter, and here all of them share this
machine's cores, where eight workstations would each have their own: with more writers than
cores the lock holder is often descheduled while the others wait. The row "N writers (one per
core)" shows the lock contention without that.
"""

from __future__ import annotations

import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import ROOT, report
from tests.torture_worker import START_FILE, wait_for_start

WRITERS = 8
SAVES = int(os.environ.get("FRONTCOUNTER_BENCH_SAVES", "150"))


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


def raw_writer(path: str, count: int, out: str) -> None:
    """The baseline: the same pragmas and the same lock, one small insert per transaction."""
    connection = sqlite3.connect(path, timeout=15, isolation_level=None)
    connection.execute("PRAGMA journal_mode=DELETE")
    connection.execute("PRAGMA synchronous=FULL")
    connection.execute("PRAGMA foreign_keys=1")
    latencies = []
    wait_for_start()
    for number in range(count):
        started = time.perf_counter()
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("INSERT INTO raw_save (body) VALUES (?)", (f"save {number}",))
        connection.execute("COMMIT")
        latencies.append(time.perf_counter() - started)
    connection.close()
    Path(out).write_text(json.dumps({"latencies": latencies, "errors": []}))


def _run(mode: str, path: Path, processes: int, folder: Path) -> list[float]:
    outputs = [folder / f"{mode}-{processes}-{n}.json" for n in range(processes)]
    if mode == "app":
        commands = [
            [sys.executable, "-m", "tests.torture_worker", "saves", str(path), str(SAVES), str(o)]
            for o in outputs
        ]
    else:
        commands = [
            [sys.executable, "-m", "benchmarks.concurrency", "raw", str(path), str(SAVES), str(o)]
            for o in outputs
        ]
    run_together(commands, folder / f"start-{mode}-{processes}", env=dict(os.environ))
    return read_latencies(outputs)


def run_together(
    commands: list[list[str]],
    start: Path,
    *,
    env: dict[str, str],
    start_as: str | None = None,
    timeout: float = 900,
) -> None:
    """Start every writer, wait until all of them are ready, then let them save at once (the
    workers' `wait_for_start`; `start_as`: the start file's name as the writers know it)."""
    env = {**env, START_FILE: start_as or str(start)}
    running = [
        subprocess.Popen(command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL)
        for command in commands
    ]
    deadline = time.monotonic() + timeout
    while len(list(start.parent.glob(start.name + ".ready-*"))) < len(running):
        if any(process.poll() is not None for process in running):
            break  # one ended before it was ready: its exit code says why, below
        if time.monotonic() > deadline:
            raise SystemExit("the writers did not get ready")
        time.sleep(0.01)
    start.touch()
    for process in running:
        if process.wait(timeout=timeout) != 0:
            raise SystemExit(f"a writer failed: {process.args!r}")


def read_latencies(outputs: list[Path], queue: dict[str, object] | None = None) -> list[float]:
    """Every writer's save times; no writer may have shown a clerk an error, and (`queue`)
    every app writer must say its write queue was this to the end (tests/torture_worker.py)."""
    latencies: list[float] = []
    for out in outputs:
        result = json.loads(out.read_text())
        if result["errors"]:
            raise SystemExit(f"errors reached a user: {result['errors'][:3]}")
        if queue is not None and result.get("queue") != queue:
            raise SystemExit(f"a writer saved without its queue: {result.get('queue')}")
        latencies += result["latencies"]
    return latencies


#: how many writers save at once in each run: alone, one per core, and eight
COUNTS = (1, os.cpu_count() or 2, WRITERS)


def databases(folder: Path) -> tuple[Path, Path]:
    """A new town for the app's writers, and the raw loop's database with its one table."""
    from desktop.models.setup.opening import open_database
    from desktop.models.storage.db import close_database

    town = folder / "town.db"
    close_database(open_database(town))
    raw = folder / "raw.db"
    connection = sqlite3.connect(raw)
    connection.execute("CREATE TABLE raw_save (id INTEGER PRIMARY KEY, body TEXT)")
    connection.close()
    return town, raw


def report_latencies(prefix: str, writers: int, app: list[float], raw: list[float]) -> None:
    """The p50 and p99 of one run's saves, each beside the raw loop's."""
    label = prefix + ("alone" if writers == 1 else f"{writers} writers")
    if writers == os.cpu_count() and writers != WRITERS:
        label += " (one per core)"
    report(f"{label}, p50", statistics.median(app), statistics.median(raw))
    report(f"{label}, p99", p99(app), p99(raw), target="≤ 100 ms" if writers > 1 else "")


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="fc-bench-") as name:
        folder = Path(name)
        town, raw = databases(folder)
        for processes in COUNTS:
            app = _run("app", town, processes, folder)
            base = _run("raw", raw, processes, folder)
            report_latencies("save latency ", processes, app, base)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "raw":
        raw_writer(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    else:
        main()
