"""Checking a database file: quick_check on opening a small file and in the window's daily
background check of a large one, the full check for `frontcounter check`.

`quick_check` is O(N) (docs/RELIABILITY.md rule 8: opening costs the same at any size, so a large
file's result is remembered, storage/check_record.py); `integrity_check` is
O(N log N) and does not look at foreign keys, so the full check runs `foreign_key_check` too.
The full check reads the file through its own read-only connection: it works on a file that the
app refuses to open, and changes nothing.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import peewee

from desktop.i18n import _
from desktop.models.errors import translate_db_error
from desktop.models.storage import rollups
from desktop.models.storage.schema import SchemaInfo

#: how many problem lines a check reports at most (a badly damaged file has thousands)
MAX_LINES = 20


@dataclass
class CheckReport:
    """What `frontcounter check` found: one list of problems per check (empty is good)."""

    database: str
    checks: dict[str, list[str]] = field(default_factory=dict)
    #: a failure that stopped the checks (the file cannot be opened at all)
    error: str = ""
    #: a save cut short (a crash, a power cut) had left its journal: it was rolled back first,
    #: as every opening does, and the checks ran on the file as it was before that save
    recovered: bool = False
    #: where the Dashboard's running totals disagree with the requests (not damage: they are
    #: counted again from the rows, storage/rollups.py)
    totals: list[str] = field(default_factory=list)

    @property
    def sound(self) -> bool:
        """No damage found (the running totals aside)."""
        return not self.error and not any(self.checks.values())

    @property
    def ok(self) -> bool:
        return self.sound and not self.totals

    def as_dict(self) -> dict[str, Any]:
        return {
            "database": self.database,
            "ok": self.ok,
            "checks": {
                name: {"ok": not lines, "problems": lines} for name, lines in self.checks.items()
            },
            "running_totals": {"ok": not self.totals, "problems": self.totals},
            "error": self.error,
            "recovered_from_an_interrupted_save": self.recovered,
        }


def _problems(rows: Sequence[Sequence[Any]]) -> list[str]:
    lines = [str(row[0]) for row in rows[:MAX_LINES]]
    return [] if lines == ["ok"] else lines


def quick_check(db: peewee.Database) -> list[str]:
    """Problems `PRAGMA quick_check` finds in an open SQLite database (empty: it is sound)."""
    cursor = db.execute_sql(f"PRAGMA quick_check({MAX_LINES})")  # type: ignore[no-untyped-call]
    return _problems(cursor.fetchall())


def integrity_problems(connection: sqlite3.Connection) -> list[str]:
    """`PRAGMA integrity_check` on a plain sqlite3 connection (a backup copy, say)."""
    return _problems(connection.execute(f"PRAGMA integrity_check({MAX_LINES})").fetchall())


def quick_check_connection(connection: sqlite3.Connection) -> list[str]:
    """`PRAGMA quick_check` on a plain sqlite3 connection."""
    return _problems(connection.execute(f"PRAGMA quick_check({MAX_LINES})").fetchall())


def quick_check_file(
    path: Path, started: Callable[[sqlite3.Connection], None] | None = None
) -> list[str]:
    """`PRAGMA quick_check` of a file through its own read-only connection (safe to run in
    another thread while the app works on the file); a file too damaged to check is damaged.
    A file that cannot be read just now (locked, gone), or a check interrupted through the
    connection handed to `started`, raises sqlite3.OperationalError."""
    try:
        connection = read_only_connection(path)
        if started is not None:
            started(connection)
        try:
            return quick_check_connection(connection)
        finally:
            connection.close()
    except sqlite3.OperationalError:
        raise
    except sqlite3.DatabaseError as exc:
        return [str(exc)]


def _foreign_key_problems(connection: sqlite3.Connection) -> list[str]:
    rows = connection.execute("PRAGMA foreign_key_check").fetchmany(MAX_LINES)
    return [
        _("{table} row {rowid} points to a missing {parent} record").format(
            table=table, rowid=rowid, parent=parent
        )
        for table, rowid, parent, _index in rows
    ]


def read_only_connection(path: Path) -> sqlite3.Connection:
    """A connection that cannot change the file (a hot journal is still rolled back by SQLite)."""
    return sqlite3.connect(f"file:{path.as_posix()}?mode=ro", uri=True, timeout=15)


def roll_back_an_interrupted_save(path: Path) -> bool:
    """A journal left beside the file by a save cut short (a "hot" journal) is rolled back, as
    SQLite does when any connection that may write opens the file; a read-only check could not
    and would report damage that is not there. True when a journal was rolled back. Raises
    sqlite3.Error (a file nobody here may write to, say)."""
    journal = path.with_name(path.name + "-journal")
    try:
        if journal.stat().st_size == 0:
            return False
    except OSError:
        return False  # no journal: nothing was cut short
    connection = sqlite3.connect(path, timeout=15)
    try:
        # reading the schema makes SQLite look at the journal: hot (no one holds the file), it
        # is played back and removed; a journal someone's save is writing just now is left be
        connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
    finally:
        connection.close()
    return not journal.exists() or journal.stat().st_size == 0


def check_file(path: Path) -> CheckReport:
    """integrity_check and foreign_key_check of the SQLite file at `path`; then, on a sound
    file, the Dashboard's running totals against the requests."""
    report = CheckReport(str(path))
    if not path.is_file():
        report.error = _("There is no database file at {path}.").format(path=path)
        return report
    if path.stat().st_size == 0:
        report.error = _(
            "The file is empty: it is not a town's database (a setup that was cut short leaves "
            "one)."
        )
        return report
    try:
        report.recovered = roll_back_an_interrupted_save(path)
        connection = read_only_connection(path)
    except sqlite3.Error as exc:
        report.error = _describe(exc)
        return report
    try:
        checks: tuple[tuple[str, Callable[[sqlite3.Connection], list[str]]], ...] = (
            # integrity_check does all that quick_check does and checks the indexes too: running
            # both read a big file twice for nothing
            ("integrity_check", integrity_problems),
            ("foreign_key_check", _foreign_key_problems),
        )
        for name, run in checks:
            try:
                report.checks[name] = run(connection)
            except sqlite3.Error as exc:
                report.checks[name] = [_describe(exc)]
        if report.ok and not _holds_a_town(connection):
            report.error = _(
                "The file is a sound SQLite database, but not a Front Counter database: there is "
                "no town in it."
            )
        if report.ok:
            try:
                report.totals = rollups.differences(connection)
            except sqlite3.Error as exc:
                report.checks["running_totals"] = [_describe(exc)]
    finally:
        connection.close()
    return report


def _holds_a_town(connection: sqlite3.Connection) -> bool:
    found = connection.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
        (SchemaInfo._meta.table_name,),
    ).fetchone()
    return found is not None


def check_postgres(db: peewee.Database, location: str) -> CheckReport:
    """PostgreSQL checks its own pages and enforces foreign keys; this confirms it answers."""
    report = CheckReport(location)
    try:
        db.execute_sql("SELECT 1").fetchone()  # type: ignore[no-untyped-call]
        report.checks["server"] = []
    except peewee.PeeweeException as exc:
        report.checks["server"] = [str(exc).strip()]
    return report


def _describe(exc: BaseException) -> str:
    known = translate_db_error(exc)
    return str(known) if known is not None else str(exc)
