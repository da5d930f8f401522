"""CitiStat's running totals: how many requests arrived and were resolved each day, by type,
department, channel, clerk and whether on time; how long resolutions took, in whole hours, per
month; and how many requests each address and each block had per month.

A year's Dashboard on a dense town (45,000 requests a month) would otherwise read half a
million rows. The totals are derived data, like the search index: on SQLite, triggers on
`service_request` keep every table current in the same transaction as the change that moves it,
whichever program makes the change (a workstation, the command line, an import, the sqlite3
shell). A database that lacks them (made before them, or copied by another tool) gets them back,
complete, the next time it is opened for writing; `frontcounter check` compares them with the
rows, and `frontcounter check --repair-rollups` makes them again. PostgreSQL counts the rows
itself (it has no need of them: it reads in parallel and is not the shared-file case).

Every key is a whole number or text, never NULL (a request without a clerk counts under clerk
0), so each table is a WITHOUT ROWID b-tree on its key. A total can fall to 0 (a request
changed type); such rows are left, and read as nothing.
"""

# ruff: noqa: S608 - the SQL is built from the constants below, never from user text

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any, Final, NamedTuple

import peewee

from desktop.i18n import ngettext

#: how a request counts toward a share (the marks of desktop.models.reports.citistat)
LATE: Final = 0
ON_TIME: Final = 1
NOT_COUNTED: Final = 2
#: acknowledgement not given yet, with a respond-by time: late once that time has passed,
#: not counted before (so it is read again, with the moment, from the few such rows)
PENDING: Final = 3

#: whole hours from arrival to resolution, in SQLite: seconds of each moment (fractions
#: dropped), subtracted, divided toward zero. The Dashboard's own reading of raw rows uses
#: the same expression (`hours_sql`), so totals and rows agree to the hour.
_HOURS = (
    "((CAST(strftime('%s', {row}.resolved_at) AS INTEGER)"
    " - CAST(strftime('%s', {row}.requested_at) AS INTEGER)) / 3600)"
)
_ACK = (
    "(CASE WHEN {row}.respond_due_at IS NULL THEN 2"
    " WHEN {row}.acknowledged_at IS NULL THEN 3"
    " WHEN {row}.acknowledged_at <= {row}.respond_due_at THEN 1 ELSE 0 END)"
)
_ON_TIME = (
    "(CASE WHEN {row}.due_at IS NULL THEN 2"
    " WHEN {row}.resolved_at <= {row}.due_at THEN 1 ELSE 0 END)"
)
_RESOLVED = (
    "{row}.resolved_at IS NOT NULL"
    " AND ({row}.resolution IS NULL OR {row}.resolution != 'duplicate')"
)


class Rollup(NamedTuple):
    """One table of totals: its key columns and how each is made from a request row
    (`{row}` is `new`, `old` or the table's own name), which rows count, and the columns of
    `service_request` it is made of (a change to any other column leaves it alone)."""

    table: str
    columns: tuple[tuple[str, str, str], ...]  # (name, SQL type, expression)
    counts: str
    made_of: tuple[str, ...]

    def key(self, row: str) -> str:
        return ", ".join(expression.format(row=row) for _n, _t, expression in self.columns)

    def names(self) -> str:
        return ", ".join(name for name, _t, _e in self.columns)

    def where(self, row: str) -> str:
        return self.counts.format(row=row)

    def create(self) -> str:
        columns = ", ".join(f"{name} {kind} NOT NULL" for name, kind, _e in self.columns)
        return (
            f"CREATE TABLE IF NOT EXISTS {self.table} ({columns}, n INTEGER NOT NULL, "
            f"PRIMARY KEY ({self.names()})) WITHOUT ROWID"
        )

    def add(self, row: str, sign: str) -> str:
        """One statement: the request `row` counted (sign +) or taken off (sign -)."""
        return (
            f"INSERT INTO {self.table} ({self.names()}, n) SELECT {self.key(row)}, {sign}1 "
            f"WHERE {self.where(row)} "
            f"ON CONFLICT ({self.names()}) DO UPDATE SET n = n + excluded.n;"
        )

    def from_rows(self) -> str:
        """The totals counted afresh from the requests."""
        return (
            f"SELECT {self.key('r')}, COUNT(*) FROM service_request r "
            f"WHERE {self.where('r')} GROUP BY {self.key('r')}"
        )

    def triggers(self) -> dict[str, str]:
        changed = " OR ".join(f"old.{c} IS NOT new.{c}" for c in self.made_of)
        return {
            f"{self.table}_insert": (
                f"AFTER INSERT ON service_request BEGIN {self.add('new', '+')} END"
            ),
            f"{self.table}_delete": (
                f"AFTER DELETE ON service_request BEGIN {self.add('old', '-')} END"
            ),
            f"{self.table}_update": (
                f"AFTER UPDATE OF {', '.join(self.made_of)} ON service_request "
                f"WHEN {changed} BEGIN {self.add('old', '-')} {self.add('new', '+')} END"
            ),
        }


def _day(column: str) -> str:
    return f"substr({{row}}.{column}, 1, 10)"


def _month(column: str) -> str:
    return f"substr({{row}}.{column}, 1, 7)"


RECEIVED = Rollup(
    "stat_received",
    (
        ("day", "TEXT", _day("requested_at")),
        ("service_type_id", "INTEGER", "{row}.service_type_id"),
        ("department_id", "INTEGER", "{row}.department_id"),
        ("ack", "INTEGER", _ACK),
    ),
    "{row}.requested_at IS NOT NULL",
    ("requested_at", "service_type_id", "department_id", "acknowledged_at", "respond_due_at"),
)
RECEIVED_BY = Rollup(
    "stat_received_by",
    (
        ("day", "TEXT", _day("requested_at")),
        ("channel", "TEXT", "COALESCE({row}.channel, '')"),
        ("created_by_id", "INTEGER", "COALESCE({row}.created_by_id, 0)"),
    ),
    "{row}.requested_at IS NOT NULL",
    ("requested_at", "channel", "created_by_id"),
)
RESOLVED = Rollup(
    "stat_resolved",
    (
        ("day", "TEXT", _day("resolved_at")),
        ("service_type_id", "INTEGER", "{row}.service_type_id"),
        ("department_id", "INTEGER", "{row}.department_id"),
        ("on_time", "INTEGER", _ON_TIME),
    ),
    _RESOLVED,
    ("resolved_at", "resolution", "service_type_id", "department_id", "due_at"),
)
RESOLVE_HOURS = Rollup(
    "stat_resolve_hours",
    (
        ("month", "TEXT", _month("resolved_at")),
        ("service_type_id", "INTEGER", "{row}.service_type_id"),
        ("department_id", "INTEGER", "{row}.department_id"),
        ("hours", "INTEGER", _HOURS),
    ),
    _RESOLVED,
    ("resolved_at", "resolution", "requested_at", "service_type_id", "department_id"),
)
ADDRESSES = Rollup(
    "stat_address",
    (("month", "TEXT", _month("requested_at")), ("address", "TEXT", "{row}.address_normalized")),
    "{row}.requested_at IS NOT NULL AND {row}.address_normalized != ''",
    ("requested_at", "address_normalized"),
)
BLOCKS = Rollup(
    "stat_block",
    (
        ("month", "TEXT", _month("requested_at")),
        ("street", "TEXT", "{row}.street"),
        ("hundred", "INTEGER", "({row}.house_number / 100 * 100)"),
    ),
    "{row}.requested_at IS NOT NULL AND {row}.street != '' AND {row}.house_number IS NOT NULL",
    ("requested_at", "street", "house_number"),
)
ROLLUPS: Final = (RECEIVED, RECEIVED_BY, RESOLVED, RESOLVE_HOURS, ADDRESSES, BLOCKS)
TABLES: Final = tuple(rollup.table for rollup in ROLLUPS)
#: the requests whose acknowledgement mark waits on the moment asked about (PENDING), found
#: without reading the period's other rows
WAITING_INDEX: Final = (
    "CREATE INDEX IF NOT EXISTS stat_waiting_acknowledgement ON service_request (requested_at) "
    "WHERE acknowledged_at IS NULL AND respond_due_at IS NOT NULL"
)


def execute(db: peewee.Database, sql: str, params: Sequence[Any] = ()) -> Any:
    """One statement (this module is below storage/db.py: integrity.py checks the totals)."""
    return db.execute_sql(sql, params)  # type: ignore[no-untyped-call]


#: every table, trigger and index this module makes (setup/migrations.py looks for them)
DERIVED: Final = frozenset(
    [*TABLES, "stat_waiting_acknowledgement"]
    + [name for rollup in ROLLUPS for name in rollup.triggers()]
)


def hours_sql(row: str = "service_request") -> str:
    """Whole hours from arrival to resolution of `row`, as the totals count them (SQLite)."""
    return _HOURS.format(row=row)


def _sqlite(db: peewee.Database | peewee.DatabaseProxy) -> peewee.SqliteDatabase | None:
    if isinstance(db, peewee.DatabaseProxy):
        db = db.obj
    return db if isinstance(db, peewee.SqliteDatabase) else None


def kept(db: peewee.Database | peewee.DatabaseProxy) -> bool:
    """Whether this database keeps the totals (SQLite, opened for writing once since they came:
    the tables and every trigger there)."""
    sqlite = _sqlite(db)
    if sqlite is None:
        return False
    wanted = {*TABLES, *(name for rollup in ROLLUPS for name in rollup.triggers())}
    try:
        present = {row[0] for row in execute(sqlite, "SELECT name FROM sqlite_master")}
    except peewee.DatabaseError:
        return False
    return wanted <= present


def create_rollups(db: peewee.Database) -> None:
    """The tables and their triggers, where missing; a table made now is filled from the rows.
    Call inside a write."""
    if _sqlite(db) is None:
        return
    present = {row[0] for row in execute(db, "SELECT name FROM sqlite_master")}
    if "stat_waiting_acknowledgement" not in present:
        execute(db, WAITING_INDEX)
    for rollup in ROLLUPS:
        triggers = rollup.triggers()
        if rollup.table in present and all(name in present for name in triggers):
            continue
        execute(db, rollup.create())
        _fill(db, rollup)  # a new table, or one whose triggers were lost: counted afresh
        for name, body in triggers.items():
            execute(db, f"CREATE TRIGGER IF NOT EXISTS {name} {body}")


def _fill(db: peewee.Database, rollup: Rollup) -> None:
    execute(db, f"DELETE FROM {rollup.table}")
    execute(db, f"INSERT INTO {rollup.table} ({rollup.names()}, n) {rollup.from_rows()}")


def suspend(db: peewee.Database) -> None:
    """Before a bulk load: stop counting row by row (`rebuild` counts everything once after)."""
    if _sqlite(db) is None:
        return
    for rollup in ROLLUPS:
        for name in rollup.triggers():
            execute(db, f"DROP TRIGGER IF EXISTS {name}")


def rebuild(db: peewee.Database) -> None:
    """Every total counted afresh from the requests, and the triggers made again. Call inside
    a write."""
    if _sqlite(db) is None:
        return
    execute(db, WAITING_INDEX)
    for rollup in ROLLUPS:
        execute(db, rollup.create())
        _fill(db, rollup)
        for name, body in rollup.triggers().items():
            execute(db, f"DROP TRIGGER IF EXISTS {name}")
            execute(db, f"CREATE TRIGGER {name} {body}")


def differences(connection: sqlite3.Connection) -> list[str]:
    """Where the totals and the requests disagree, in words (nothing: they agree). Reads every
    request; a file without the totals (never opened for writing since they came) has none to
    be wrong."""
    present = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    if "service_request" not in present:
        return []
    found = []
    for rollup in ROLLUPS:
        if rollup.table not in present:
            continue
        kept_rows = f"SELECT {rollup.names()}, n FROM {rollup.table} WHERE n != 0"
        keys = rollup.names()
        # the rows counted once (MATERIALIZED), compared both ways; a key whose total differs
        # is one place, however it differs
        wrong = connection.execute(
            f"WITH fresh ({keys}, n) AS MATERIALIZED ({rollup.from_rows()}) "
            f"SELECT COUNT(*) FROM (SELECT {keys} FROM ({kept_rows} EXCEPT SELECT * FROM fresh)"
            f" UNION SELECT {keys} FROM (SELECT * FROM fresh EXCEPT {kept_rows}))"
        ).fetchall()
        stale = sum(int(row[0]) for row in wrong)
        if stale:
            found.append(
                ngettext(
                    "The Dashboard's running totals ({table}) differ from the requests in {n} "
                    "place: frontcounter check --repair-rollups counts them again.",
                    "The Dashboard's running totals ({table}) differ from the requests in {n} "
                    "places: frontcounter check --repair-rollups counts them again.",
                    stale,
                ).format(table=rollup.table, n=stale)
            )
    return found


# -- reading the totals (SQLite; the Dashboard counts rows itself elsewhere) -------------------

Rows = list[tuple[Any, ...]]


def _read(db: peewee.Database, sql: str, params: Sequence[Any]) -> Rows:
    return list(execute(db, sql, params).fetchall())


def received(db: peewee.Database, first: str, last: str) -> Rows:
    """(type, department, acknowledgement mark, requests) received from day `first` to day
    `last` ("YYYY-MM-DD", both included)."""
    return _read(
        db,
        "SELECT service_type_id, department_id, ack, SUM(n) FROM stat_received "
        "WHERE day >= ? AND day <= ? GROUP BY 1, 2, 3",
        (first, last),
    )


def received_by(db: peewee.Database, first: str, last: str) -> Rows:
    """(channel, clerk id or 0, requests) received from day `first` to day `last`."""
    return _read(
        db,
        "SELECT channel, created_by_id, SUM(n) FROM stat_received_by "
        "WHERE day >= ? AND day <= ? GROUP BY 1, 2",
        (first, last),
    )


def resolved(db: peewee.Database, first: str, last: str) -> Rows:
    """(type, department, on-time mark, requests) resolved from day `first` to day `last`
    (duplicates left out)."""
    return _read(
        db,
        "SELECT service_type_id, department_id, on_time, SUM(n) FROM stat_resolved "
        "WHERE day >= ? AND day <= ? GROUP BY 1, 2, 3",
        (first, last),
    )


def resolve_hours(db: peewee.Database, first: str, last: str) -> Rows:
    """(type, department, whole hours, requests) resolved from month `first` to month `last`
    ("YYYY-MM", both included; duplicates left out)."""
    return _read(
        db,
        "SELECT service_type_id, department_id, hours, SUM(n) FROM stat_resolve_hours "
        "WHERE month >= ? AND month <= ? GROUP BY 1, 2, 3",
        (first, last),
    )


def repeats(
    db: peewee.Database,
    months: tuple[str, str] | None,
    spans: Sequence[tuple[str, str]],
    least: int,
    limit: int,
) -> tuple[Rows, Rows]:
    """The addresses (address, requests) and the blocks (street, hundred, requests) with at
    least `least` requests received in months `months` (first and last, or None) and the
    spans of raw moments `spans` (from, until), the `limit` with the most first."""
    kept_part = " WHERE month >= ? AND month <= ?" if months else " WHERE 0"
    raw_part = "".join(
        " UNION ALL SELECT {columns}, 1 FROM service_request"
        " WHERE requested_at >= ? AND requested_at < ? AND {where}"
        for _span in spans
    )
    params: list[Any] = list(months or ())
    for begins, ends in spans:
        params += [begins, ends]
    addresses = _read(
        db,
        "SELECT address, SUM(n) AS c FROM (SELECT address, n FROM stat_address"
        + kept_part
        + raw_part.format(columns="address_normalized", where="address_normalized != ''")
        + ") GROUP BY address HAVING c >= ? ORDER BY c DESC, address LIMIT ?",
        [*params, least, limit],
    )
    blocks = _read(
        db,
        "SELECT street, hundred, SUM(n) AS c FROM (SELECT street, hundred, n FROM stat_block"
        + kept_part
        + raw_part.format(
            columns="street, house_number / 100 * 100",
            where="street != '' AND house_number IS NOT NULL",
        )
        + ") GROUP BY street, hundred HAVING c >= ? ORDER BY c DESC, street, hundred LIMIT ?",
        [*params, least, limit],
    )
    return addresses, blocks
