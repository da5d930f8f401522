"""Torture tests: real processes on a real file (docs/RELIABILITY.md, "the tests that prove it").

Each test prints its counts (trials run, saves acknowledged, saves found, checks passed); run
`pytest -m slow -s tests/test_torture.py` to see them. The other processes are
tests/torture_worker.py; every save goes through `intake.create_request` and `db.write`.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.models.admin import backups
from desktop.models.errors import DatabaseFull, DatabaseReadOnly, NotADatabase
from desktop.models.requests.intake import RequestDraft, create_request
from desktop.models.setup.opening import open_database
from desktop.models.storage import integrity, write_queue
from desktop.models.storage.db import close_database, write
from desktop.models.storage.schema import ServiceRequest, Setting

pytestmark = [pytest.mark.slow, pytest.mark.sqlite_only]

ROOT = Path(__file__).resolve().parent.parent
WRITERS = 8
SAVES_EACH = 250
KILL_TRIALS = 200


def worker(*args: str, **options) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.torture_worker", *args],
        cwd=ROOT,
        stdin=options.pop("stdin", subprocess.DEVNULL),
        stdout=subprocess.PIPE,
        text=True,
        **options,
    )


@pytest.fixture
def town(db_path: Path) -> Path:
    close_database(open_database(db_path))
    return db_path


def raw(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, timeout=15)


def tracking_numbers(path: Path) -> set[str]:
    connection = raw(path)
    try:
        return {row[0] for row in connection.execute("SELECT tracking_number FROM service_request")}
    finally:
        connection.close()


def half_applied(connection: sqlite3.Connection) -> int:
    """Requests without their 'created' event, events without their request, a tracking counter
    behind the numbers handed out: any of these is a transaction applied in part."""
    orphans = connection.execute(
        "SELECT count(*) FROM service_request r WHERE NOT EXISTS (SELECT 1 FROM request_event e "
        "WHERE e.request_id = r.id AND e.kind = 'created')"
    ).fetchone()[0]
    widows = connection.execute(
        "SELECT count(*) FROM request_event e WHERE NOT EXISTS "
        "(SELECT 1 FROM service_request r WHERE r.id = e.request_id)"
    ).fetchone()[0]
    behind = connection.execute(
        "SELECT count(*) FROM service_request r JOIN tracking_counter c "
        "ON c.year = CAST(substr(r.tracking_number, 1, 4) AS INTEGER) "
        "WHERE CAST(substr(r.tracking_number, 6) AS INTEGER) > c.last"
    ).fetchone()[0]
    return int(orphans + widows + behind)


def report(name: str, **counts: object) -> None:
    print(f"\n[torture] {name}: " + ", ".join(f"{key}={value}" for key, value in counts.items()))


def draft(text: str) -> RequestDraft:
    return RequestDraft(
        service_type="general", description=text, address="1 Main St", safety_acknowledged=True
    )


# -- many writers --------------------------------------------------------------------------


@pytest.mark.parametrize("locks", ["ranges", "files"])
def test_eight_processes_saving_at_once_lose_nothing(town: Path, tmp_path: Path, locks: str):
    """On both kinds of write queue: this system's byte ranges, and the two lock files that
    Windows queues with (here through flock; tests/test_windows.py runs them under Wine)."""
    if locks == "ranges" and write_queue.LOCKS != "ranges":
        pytest.skip("no byte-range locks on this system")
    outputs = [tmp_path / f"writer-{n}.json" for n in range(WRITERS)]
    processes = [worker("saves", str(town), str(SAVES_EACH), str(out), locks) for out in outputs]
    for process in processes:
        with process:
            assert process.wait(timeout=600) == 0
    results = [json.loads(out.read_text()) for out in outputs]
    errors = [error for result in results for error in result["errors"]]
    latencies = sorted(ms * 1000 for result in results for ms in result["latencies"])
    connection = raw(town)
    try:
        found = connection.execute(
            "SELECT count(*) FROM service_request WHERE description LIKE 'torture save %'"
        ).fetchone()[0]
        problems = integrity.integrity_problems(connection)
        broken = half_applied(connection)
    finally:
        connection.close()
    p50 = statistics.median(latencies)
    p99 = latencies[int(len(latencies) * 0.99) - 1]
    report(
        f"8 writers, write queue on {locks}",
        processes=WRITERS,
        saves_acknowledged=len(latencies),
        saves_found=found,
        errors_reaching_a_user=len(errors),
        integrity_check=problems or "ok",
        p50_ms=f"{p50:.1f}",
        p99_ms=f"{p99:.1f}",
    )
    assert errors == []
    assert found == len(latencies) == WRITERS * SAVES_EACH
    assert problems == [] and broken == 0
    assert all(result["queue"]["working"] for result in results)  # queued all through


# -- kill -9 -------------------------------------------------------------------------------


@pytest.fixture
def zygote(town: Path) -> Iterator[subprocess.Popen[str]]:
    with worker("zygote", str(town), stdin=subprocess.PIPE) as process:
        yield process
        assert process.stdin is not None
        process.stdin.close()
        process.wait(timeout=60)


def test_kill_minus_nine_at_random_moments_keeps_every_acknowledged_save(
    town: Path, zygote: subprocess.Popen[str]
):
    seed = int(os.environ.get("FRONTCOUNTER_TORTURE_SEED", "6311"))
    chance = random.Random(seed)
    assert zygote.stdin is not None and zygote.stdout is not None
    acknowledged: set[str] = set()
    quick_checks = 0
    for _trial in range(KILL_TRIALS):
        zygote.stdin.write("go\n")
        zygote.stdin.flush()
        line = zygote.stdout.readline().split()
        while line[0] == "ACK":  # a late line from the child before
            acknowledged.add(line[1])
            line = zygote.stdout.readline().split()
        assert line[0] == "PID"
        pid = int(line[1])
        # the random moment: from before the database is open to well into the saves
        random_moment(chance.uniform(0.0, 0.12))
        os.kill(pid, signal.SIGKILL)
        zygote.stdin.write(f"reap {pid}\n")
        zygote.stdin.flush()
        for answer in iter(zygote.stdout.readline, ""):
            words = answer.split()
            if words[0] == "REAPED":
                break
            acknowledged.add(words[1])
        connection = raw(town)  # opening rolls back the hot journal the kill left
        try:
            assert integrity.quick_check_connection(connection) == []
            assert half_applied(connection) == 0
            quick_checks += 1
        finally:
            connection.close()
    found = tracking_numbers(town)
    missing = acknowledged - found
    connection = raw(town)
    try:
        problems = integrity.integrity_problems(connection)
    finally:
        connection.close()
    report(
        "kill -9",
        seed=seed,
        trials_run=KILL_TRIALS,
        saves_acknowledged=len(acknowledged),
        saves_found=len(found),
        acknowledged_missing=len(missing),
        half_applied_checks_passed=quick_checks,
        integrity_check=problems or "ok",
    )
    assert not missing
    assert problems == []
    assert len(acknowledged) > KILL_TRIALS  # the kills did land among the saves


def random_moment(seconds: float) -> None:
    """Let the child run for a random moment (the point of the test, not a synchronisation)."""
    import time

    time.sleep(seconds)


# -- the world going wrong -------------------------------------------------------------------


def test_a_full_disk_keeps_what_was_saved_and_the_form(town: Path):
    opened = open_database(town)
    try:
        kept = create_request(draft("saved before the disk filled"), actor=None)
        pages = opened.db.execute_sql("PRAGMA page_count").fetchone()[0]
        opened.db.execute_sql(f"PRAGMA max_page_count={pages + 2}")
        form = draft("a long story " * 1500)
        saved = 0
        with pytest.raises(DatabaseFull, match="full"):
            for _number in range(50):
                create_request(form, actor=None)
                saved += 1
        assert form.description.startswith("a long story")  # the clerk's form is untouched
        connection = raw(town)
        try:
            assert half_applied(connection) == 0
            assert integrity.integrity_problems(connection) == []
        finally:
            connection.close()
        assert ServiceRequest.get_by_id(kept.id).description == "saved before the disk filled"
        report("disk full", saves_before_full=saved, integrity_check="ok", half_applied=0)
    finally:
        close_database(opened)


def test_a_read_only_file_opens_for_reading_and_refuses_saves(town: Path):
    folder = Path(tempfile.mkdtemp(prefix="fc-readonly-"))
    try:
        path = folder / "town.db"
        shutil.copy(town, path)
        path.chmod(0o444)
        folder.chmod(0o555)  # no journal can be made beside it either
        before = path.read_bytes()
        # root may write anything: take that power away from the probe
        prefix = (
            ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--"]
            if os.geteuid() == 0
            else []
        )
        result = subprocess.run(
            [*prefix, sys.executable, "-m", "tests.torture_worker", "read-only-probe", str(path)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )
        seen = json.loads(result.stdout)
        assert seen["read_only"] and "read-only" in seen["reason"]
        assert seen["requests"] == 0
        assert seen["error"] == DatabaseReadOnly.__name__
        assert path.read_bytes() == before
        report("read-only file", opened_read_only=True, save_refused=seen["error"])
    finally:
        folder.chmod(0o755)
        shutil.rmtree(folder)


def test_a_corrupted_header_is_refused_and_left_alone(town: Path, capsys):
    from desktop.app import main

    with town.open("r+b") as handle:
        handle.write(b"\x00" * 16)
    before = town.read_bytes()
    with pytest.raises(NotADatabase):
        open_database(town)
    assert main(["--db", str(town), "check"]) == 1
    capsys.readouterr()
    assert town.read_bytes() == before
    report("corrupted header", refused=True, bytes_unchanged=True, check_exit_status=1)


def test_a_corrupted_page_mid_file_opens_read_only(town: Path):
    opened = open_database(town)
    for number in range(150):
        create_request(draft(f"request {number} " + "words " * 40), actor=None)
    close_database(opened)
    data = bytearray(town.read_bytes())
    page = 4096
    middle = (len(data) // page // 2) * page
    data[middle : middle + page] = b"\x5a" * page
    town.write_bytes(bytes(data))
    before = town.read_bytes()
    reopened = open_database(town)
    try:
        assert reopened.damaged and reopened.read_only
        assert Setting.select().count() >= 0  # what is readable can still be read
        with pytest.raises(DatabaseReadOnly):
            write(lambda: Setting.insert(key="town.name", value="x").execute())
    finally:
        close_database(reopened)
    assert town.read_bytes() == before
    assert not integrity.check_file(town).ok
    report("corrupted page", opened_read_only=True, bytes_unchanged=True, check_failed=True)


def test_a_file_arriving_in_wal_mode_keeps_its_last_save(town: Path):
    with worker("wal-writer", str(town)) as process:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "READY"
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
    assert Path(f"{town}-wal").exists()
    opened = open_database(town)
    try:
        assert Setting.get(Setting.key == "town.name").value == "Walton"
        mode = opened.db.execute_sql("PRAGMA journal_mode").fetchone()[0]
        assert mode == "delete"
    finally:
        close_database(opened)
    assert not Path(f"{town}-wal").exists()
    assert integrity.check_file(town).ok
    report("WAL file", last_save_kept=True, journal_mode="delete", integrity_check="ok")


def test_a_hot_journal_left_by_a_crash_is_rolled_back(town: Path):
    with worker("hold-journal", str(town)) as process:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "READY"
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
    journal = Path(f"{town}-journal")
    assert journal.exists() and journal.stat().st_size > 0  # a hot journal, left in place
    opened = open_database(town)
    try:
        assert Setting.select().where(Setting.key.startswith("half.")).count() == 0
    finally:
        close_database(opened)
    assert integrity.check_file(town).ok
    report("hot journal", half_transaction_rolled_back=True, integrity_check="ok")


# -- backups under load, restore, conflicts --------------------------------------------------


def test_a_backup_taken_while_another_process_writes_is_sound(town: Path, tmp_path: Path):
    folder = tmp_path / "backups"
    acknowledged = 0
    taken: list[tuple[Path, int]] = []
    with worker("writer", str(town), "300") as process:
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith("DONE"):
                break
            acknowledged += 1
            if acknowledged % 50 == 0:
                made = backups.take_backup(town, folder, rotate_after=False, actor=None)
                taken.append((made.path, acknowledged))
        assert process.wait(timeout=120) == 0
    passed = 0
    for path, acked_before in taken:
        assert integrity.check_file(path).ok
        assert len(tracking_numbers(path)) >= acked_before
        passed += 1
    # and the first one restores, through the backup API, over the busy file
    first, at_least = taken[0]
    backups.restore(first, town, folder, actor=None)
    restored = tracking_numbers(town)
    assert restored == tracking_numbers(first) and len(restored) >= at_least
    assert integrity.check_file(town).ok
    report(
        "backup while writing",
        saves_acknowledged=acknowledged,
        backups_taken=len(taken),
        integrity_checks_passed=passed,
        restore_round_trip="ok",
    )


def test_two_processes_edit_one_request_the_second_is_a_conflict(town: Path):
    opened = open_database(town)
    request = create_request(draft("streetlight out"), actor=None)
    version = request.version
    close_database(opened)
    first = worker("edit", str(town), str(request.id), str(version), "high")
    assert first.communicate(timeout=120)[0].strip() == "saved"
    second = worker("edit", str(town), str(request.id), str(version), "low")
    assert second.communicate(timeout=120)[0].strip() == "conflict"
    reopened = open_database(town)
    try:
        kept = ServiceRequest.get_by_id(request.id)
        assert (kept.priority, kept.version) == ("high", version + 1)
    finally:
        close_database(reopened)
    report("two editors", first="saved", second="conflict", first_edit_kept=True)
