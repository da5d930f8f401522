"""Faults below the database (tests/faults.py): I/O errors injected with libfiu into real
`frontcounter` runs. A short run in every suite; the long one (2,000 trials, about 8 minutes)
only when asked: `pytest -m soak tests/test_faults.py`, or `python -m tests.faults`."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import peewee
import pytest

from desktop.models.errors import DatabaseError, translate_db_error

from . import faults

pytestmark = pytest.mark.sqlite_only
needs_fiu = pytest.mark.skipif(not faults.fiu_available(), reason="fiu-run (fiu-utils) missing")


def _run(trials: int, seed: int) -> faults.Tally:
    tally = faults.run_trials(trials, seed, jobs=2)
    assert tally.trials == trials
    assert tally.problems == [], "\n".join(tally.problems)
    assert tally.lost == tally.corrupt == tally.half_applied == tally.tracebacks == 0
    return tally


@needs_fiu
def test_a_short_run_of_injected_io_errors_loses_nothing_and_says_each_in_a_sentence():
    tally = _run(40, seed=11)
    assert tally.refused_in_a_sentence > 0 and tally.acknowledged > 0  # both happened


@needs_fiu
@pytest.mark.soak
@pytest.mark.timeout(3600)
def test_two_thousand_injected_io_errors():
    tally = _run(2000, seed=1)
    print(f"\n[faults] {tally.as_dict()}")


@needs_fiu
@pytest.mark.parametrize(
    "point", ["posix/io/rw/pread", "posix/io/rw/pwrite", "posix/io/dir/unlink"]
)
def test_a_disk_that_fails_every_read_or_write_is_a_sentence(tmp_path: Path, point: str):
    town = faults.Town(tmp_path)
    assert town.run("init", "--town", "Faultville").returncode == 0
    listed = town.run("request", "list", fault=(point, 1.0))
    assert listed.returncode == 0 or faults._a_sentence(listed), listed.stderr
    added = town.run("request", "add", "general", "x", "--address", "1 Main St", fault=(point, 1.0))
    assert faults._a_sentence(added), added.stderr  # the save cannot be made, and says so


def test_a_rollback_complaint_is_said_as_the_failure_that_caused_it():
    """SQLite rolls a transaction back by itself after an I/O error; peewee's own rollback to
    its savepoint then fails with "no such savepoint", which hid the disk's failure."""
    disk = sqlite3.OperationalError("disk I/O error")
    disk.sqlite_errorcode = 10  # SQLITE_IOERR
    try:
        try:
            raise peewee.OperationalError(disk)
        except peewee.OperationalError:
            raise peewee.OperationalError(
                sqlite3.OperationalError("no such savepoint: s1")
            ) from None
    except peewee.OperationalError as complaint:
        complaint.__context__ = peewee.OperationalError(disk)
        known = translate_db_error(complaint)
    assert isinstance(known, DatabaseError) and "did not respond" in str(known)
    alone = peewee.OperationalError(sqlite3.OperationalError("no such savepoint: s1"))
    assert translate_db_error(alone) is None  # without a cause it is a bug, said as one


def test_the_harness_runs_as_a_command():
    shown = subprocess.run(
        [sys.executable, "-m", "tests.faults", "--help"],
        capture_output=True,
        text=True,
        cwd=faults.ROOT,
        check=False,
    )
    assert shown.returncode == 0 and "--trials" in shown.stdout
