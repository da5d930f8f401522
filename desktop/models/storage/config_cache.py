"""Reference data that every save reads - request types and their questions, the office
calendar, the routing rules, whether sign-in is on, the town's settings - kept in memory while
nobody changes it.

On SQLite, triggers bump a counter in `schema_info` whenever one of the WATCHED tables changes,
from any workstation, the command line or the sqlite3 shell. Reading the counter is one tiny
query, so a save no longer rebuilds all of that (with eight clerks saving at once, the time each
holds the write lock and the CPU it needs both count). Without the counter (PostgreSQL, a file
not yet opened for writing), nothing is cached. Opening a database empties the cache.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

import peewee

from desktop.models.storage.schema import database

T = TypeVar("T")

KEY = "config_generation"
#: the tables whose rows the cached values are made of
WATCHED = (
    "service_type",
    "service_attribute",
    "department",
    "business_hours",
    "holiday",
    "routing_rule",
    "staff_user",
    "setting",
)

_lock = threading.Lock()
_cache: dict[str, tuple[int, Any]] = {}
#: whether each WATCHED table's triggers are in the open file (asked once per open)
_watched: dict[str, bool] = {}


def create_triggers(db: peewee.Database | peewee.DatabaseProxy) -> None:
    """The counter and the triggers that move it (SQLite; a no-op elsewhere)."""
    if isinstance(db, peewee.DatabaseProxy):
        db = db.obj
    if not isinstance(db, peewee.SqliteDatabase):
        return
    db.execute_sql(  # type: ignore[no-untyped-call]
        "INSERT OR IGNORE INTO schema_info (key, value) VALUES (?, '0')", (KEY,)
    )
    bump = (
        "UPDATE schema_info SET value = CAST(value AS INTEGER) + 1 "  # noqa: S608 - our names
        f"WHERE key = '{KEY}'"
    )
    for table in WATCHED:
        for event in ("INSERT", "UPDATE", "DELETE"):
            name = f"config_{table}_{event.lower()}"
            db.execute_sql(  # type: ignore[no-untyped-call]
                f'CREATE TRIGGER IF NOT EXISTS "{name}" AFTER {event} ON "{table}" '
                f"BEGIN {bump}; END"
            )
    with _lock:
        _watched.clear()  # asked again: they are there now


def generation() -> int | None:
    """The counter now; None where there is none (nothing is cached then)."""

    db = database.obj
    if not isinstance(db, peewee.SqliteDatabase):
        return None
    try:
        row = db.execute_sql(  # type: ignore[no-untyped-call]
            "SELECT value FROM schema_info WHERE key = ?", (KEY,)
        ).fetchone()
    except peewee.DatabaseError:
        return None
    return int(row[0]) if row is not None else None


def cached(
    name: str,
    load: Callable[[], T],
    *,
    keep: Callable[[T], bool] | None = None,
    uncached: Callable[[], T] | None = None,
) -> T:
    """`load()`'s value, read again only when a WATCHED table changed since the last time.
    `keep`: whether a value is kept at all (a lookup of something that is not there, under a
    name made of what anyone typed, is not: the names kept stay as few as the catalog's).
    `uncached`: what to read instead where nothing is kept (less than all `load` reads)."""
    now = generation()
    if now is None:
        return (uncached or load)()
    with _lock:
        found = _cache.get(name)
    if found is not None and found[0] == now:
        return found[1]  # type: ignore[no-any-return]
    value = load()
    # a write transaction sees its own changes before they are committed, and may yet roll
    # them back: only what was read outside one (committed rows) is kept for everyone
    if (keep is None or keep(value)) and not database.obj.in_transaction():
        with _lock:
            _cache[name] = (now, value)
    return value


def watching(table: str) -> bool:
    """Whether changes to `table` move the counter in the open file. A table made WATCHED in a
    later release has its triggers once a writable open of this release added them: a file only
    read so far (or written only by an older release) has the counter but not them, and what is
    read from that table must not be kept."""
    with _lock:
        known = _watched.get(table)
    if known is not None:
        return known
    db = database.obj
    if not isinstance(db, peewee.SqliteDatabase):
        return False
    try:
        row = db.execute_sql(  # type: ignore[no-untyped-call]
            "SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = ?",
            (f"config_{table}_update",),
        ).fetchone()
    except peewee.DatabaseError:
        return False
    with _lock:
        _watched[table] = row is not None
    return row is not None


def clear() -> None:
    """Forget everything (another database was opened)."""
    with _lock:
        _cache.clear()
        _watched.clear()
