"""Opening a town's database and writing to it safely.

This is the one module that knows SQLite from PostgreSQL. SQLite connections follow
RELIABILITY.md rules 1-4: rollback journal (never WAL, which breaks on network drives),
synchronous FULL (EXTRA on a shared drive), foreign keys on, one busy timeout, and every write
through `write()`, which opens `BEGIN IMMEDIATE` so a writer waits for the lock instead of failing.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import unquote, urlparse

import peewee

from desktop.i18n import _
from desktop.models.errors import (
    CannotOpenDatabase,
    DatabaseError,
    KnownError,
    known_db_errors,
    translate_db_error,
)
from desktop.models.schema import database

log = logging.getLogger("frontcounter.db")

BUSY_TIMEOUT_SECONDS = 15
WRITE_RETRIES = 3
T = TypeVar("T")


class DbKind(Enum):
    LOCAL_FILE = "local file"
    SHARED_FILE = "shared file"
    POSTGRESQL = "PostgreSQL"

    @property
    def label(self) -> str:
        return {
            DbKind.LOCAL_FILE: _("local file"),
            DbKind.SHARED_FILE: _("shared file"),
            DbKind.POSTGRESQL: _("PostgreSQL"),
        }[self]


@dataclass
class OpenedDatabase:
    """What is open, and how: the status bar and `info` show this."""

    db: peewee.Database
    kind: DbKind
    location: str  # a path, or a URL without its password
    read_only: bool = False
    read_only_reason: str = ""

    @property
    def path(self) -> Path | None:
        return None if self.kind is DbKind.POSTGRESQL else Path(self.location)

    @property
    def is_sqlite(self) -> bool:
        return isinstance(self.db, peewee.SqliteDatabase)


def is_postgres_url(target: str) -> bool:
    return target.startswith(("postgresql://", "postgres://"))


_NETWORK_FS = {"cifs", "smb3", "smbfs", "nfs", "nfs4", "afpfs", "fuse.sshfs", "9p", "davfs"}


def is_network_path(path: Path) -> bool:
    """Whether `path` lives on a network drive (a UNC path, or a network file system mount)."""
    text = str(path)
    if text.startswith(("\\\\", "//")):
        return True
    if os.name == "nt":  # pragma: no cover - Windows only
        import ctypes

        drive = os.path.splitdrive(str(path.resolve()))[0] + "\\"
        return bool(ctypes.windll.kernel32.GetDriveTypeW(drive) == 4)  # type: ignore[attr-defined]
    try:
        mounts = Path("/proc/mounts").read_text(encoding="utf-8").splitlines()
    except OSError:
        return False
    resolved = str(path.resolve())
    best, best_fs = "", ""
    for line in mounts:
        parts = line.split()
        if len(parts) < 3 or len(parts[1]) <= len(best):
            continue
        if resolved == parts[1] or resolved.startswith(parts[1].rstrip("/") + "/"):
            best, best_fs = parts[1], parts[2]
    return best_fs in _NETWORK_FS


def _sqlite_database(path: Path, *, read_only: bool, shared: bool) -> peewee.SqliteDatabase:
    pragmas: list[tuple[str, object]] = [
        ("foreign_keys", 1),
        ("synchronous", "extra" if shared else "full"),
        ("cache_size", -32000),  # 32 MB page cache
    ]
    if read_only:
        return peewee.SqliteDatabase(
            f"file:{path.as_posix()}?mode=ro",
            uri=True,
            pragmas=pragmas,
            timeout=BUSY_TIMEOUT_SECONDS,
            check_same_thread=False,
        )
    return peewee.SqliteDatabase(
        str(path), pragmas=pragmas, timeout=BUSY_TIMEOUT_SECONDS, check_same_thread=False
    )


def _postgres_database(url: str, password: str | None) -> tuple[peewee.Database, str]:
    parsed = urlparse(url)
    name = unquote(parsed.path.lstrip("/"))
    if not name:
        raise CannotOpenDatabase(_("The PostgreSQL address must name a database: …/NAME."))
    params: dict[str, Any] = {
        "host": parsed.hostname or "localhost",
        "port": parsed.port or 5432,
        "connect_timeout": 10,
        "application_name": "frontcounter",
    }
    if parsed.username:
        params["user"] = unquote(parsed.username)
    secret = unquote(parsed.password) if parsed.password else password
    if secret:
        params["password"] = secret
    shown = f"postgresql://{params.get('user', '')}@{params['host']}:{params['port']}/{name}"
    shown = shown.replace("//@", "//")
    try:
        import psycopg2  # noqa: F401
    except ImportError as exc:
        raise CannotOpenDatabase(
            _("PostgreSQL support is not installed: install frontcounter[postgresql].")
        ) from exc
    return peewee.PostgresqlDatabase(name, **params), shown


def open_database(
    target: str | Path,
    *,
    read_only: bool = False,
    create: bool = True,
    password: str | None = None,
    migrate: bool = True,
    shared: bool | None = None,
) -> OpenedDatabase:
    """Open (and if needed create and migrate) the database at `target`; bind every model to it.

    `shared` says the file is on a network drive (the clerk chose "Open a shared database");
    None finds out from the file system.

    `target` is a file path or a `postgresql://user@host:port/name` URL.
    """
    from desktop.models import migrations

    text = str(target)
    if is_postgres_url(text):
        db, shown = _postgres_database(text, password)
        opened = OpenedDatabase(db, DbKind.POSTGRESQL, shown)
    else:
        path = Path(text).expanduser()
        opened = _open_sqlite(path, read_only=read_only, create=create, shared=shared)
    previous = database.obj
    database.initialize(opened.db)
    try:
        with known_db_errors():
            opened.db.connect(reuse_if_open=True)
            if opened.is_sqlite and not opened.read_only:
                _ensure_rollback_journal(opened.db)
            if migrate:
                migrations.ensure_schema(opened)
                if not opened.read_only:
                    _keep_calendar_current()
    except BaseException:
        close_database(opened)
        database.initialize(previous)  # whatever was open before stays usable
        raise
    log.info(
        "opened %s (%s%s)",
        opened.location,
        opened.kind.value,
        ", read-only" if opened.read_only else "",
    )
    return opened


def _keep_calendar_current() -> None:
    """A town that uses Front Counter for years still gets each new year's federal holidays."""
    from desktop.models import clock
    from desktop.models.town_calendar import keep_holidays_filled

    keep_holidays_filled(clock.today())


def _open_sqlite(
    path: Path, *, read_only: bool, create: bool, shared: bool | None
) -> OpenedDatabase:
    exists = path.exists()
    if not exists and (read_only or not create):
        raise CannotOpenDatabase(_("There is no database file at {path}.").format(path=path))
    if exists and path.is_dir():
        raise CannotOpenDatabase(_("{path} is a folder, not a database file.").format(path=path))
    if not exists:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CannotOpenDatabase(
                _("The folder for the new database could not be created: {reason}").format(
                    reason=exc.strerror or exc
                )
            ) from exc
    elif exists:
        _check_header(path)
    reason = ""
    if not read_only and exists:
        if not os.access(path, os.W_OK):
            reason = _("The database file is read-only on this computer.")
        elif not os.access(path.parent, os.W_OK):
            reason = _("The folder holding the database does not allow writing.")
    if shared is None:
        shared = is_network_path(path.parent)
    kind = DbKind.SHARED_FILE if shared else DbKind.LOCAL_FILE
    ro = read_only or bool(reason)
    db = _sqlite_database(path, read_only=ro, shared=shared)
    return OpenedDatabase(db, kind, str(path), read_only=ro, read_only_reason=reason)


_SQLITE_HEADER = b"SQLite format 3\x00"


def _check_header(path: Path) -> None:
    """Refuse a file that is not a SQLite database before SQLite touches it."""
    try:
        with path.open("rb") as handle:
            head = handle.read(len(_SQLITE_HEADER))
    except OSError as exc:
        raise CannotOpenDatabase(
            _("The database file could not be read: {reason}").format(reason=exc.strerror or exc)
        ) from exc
    if head and head != _SQLITE_HEADER:
        known = translate_db_error(sqlite3.DatabaseError("file is not a database"))
        assert known is not None
        raise known


def _ensure_rollback_journal(db: peewee.Database) -> None:
    """Rule 1: a file that arrives in WAL mode is switched back to the rollback journal."""
    mode = execute(db, "PRAGMA journal_mode").fetchone()[0]
    if str(mode).lower() != "delete":
        execute(db, "PRAGMA journal_mode=DELETE")
        log.info("switched journal mode from %s to delete", mode)


def execute(db: peewee.Database, sql: str, params: Sequence[Any] = ()) -> Any:
    """Run one raw statement (only this module writes dialect-specific SQL)."""
    return db.execute_sql(sql, params)  # type: ignore[no-untyped-call]


def close_database(opened: OpenedDatabase) -> None:
    if not opened.db.is_closed():
        opened.db.close()


def write(fn: Callable[[], T], *, retries: int = WRITE_RETRIES) -> T:
    """Run `fn` in one short write transaction (BEGIN IMMEDIATE on SQLite) and return its result.

    BUSY and transient I/O errors roll back and are retried a bounded number of times; then the
    clerk is told plainly. Nothing half-written is ever kept.
    """
    db = database.obj
    if db is None:
        raise DatabaseError(_("No database is open."))
    if db.in_transaction():  # nested: the outer write owns the transaction
        with db.atomic():
            return fn()
    attempt = 0
    while True:
        try:
            with known_db_errors(), _transaction(db):
                return fn()
        except KnownError as exc:
            attempt += 1
            if not exc.retryable or attempt > retries:
                raise
            log.warning("write failed (%s), retry %d of %d", exc.detail or exc, attempt, retries)
            time.sleep(0.05 * 2**attempt)


class _WriteTransaction(peewee._transaction):
    """peewee's transaction, except that a rollback SQLite already did is not an error.

    After FULL, IOERR, BUSY or NOMEM SQLite may roll the whole transaction back by itself; the
    second rollback would then fail and hide the error that matters.
    """

    def rollback(self, begin: bool = True) -> None:
        try:
            super().rollback(begin)
        except peewee.OperationalError:
            connection = self.db.connection()
            if getattr(connection, "in_transaction", True):
                raise


def _transaction(db: peewee.Database) -> _WriteTransaction:
    if isinstance(db, peewee.SqliteDatabase):
        return _WriteTransaction(db, lock_type="IMMEDIATE")
    return _WriteTransaction(db)


@contextmanager
def reading() -> Iterator[None]:
    """A block of reads whose failures reach the clerk as known errors."""
    with known_db_errors():
        yield


def current() -> peewee.Database:
    db: peewee.Database | None = database.obj
    if db is None:
        raise DatabaseError(_("No database is open."))
    return db


def reset_sequences(models: list[type[peewee.Model]]) -> None:
    """After rows were written with explicit ids, move PostgreSQL's id sequences past them."""
    db = current()
    if not isinstance(db, peewee.PostgresqlDatabase):
        return  # SQLite takes the next id from the table itself
    for model in models:
        table = model._meta.table_name
        # the table name comes from the model, never from outside
        sql = f"SELECT setval(pg_get_serial_sequence(%s, 'id'), COALESCE((SELECT MAX(id) FROM \"{table}\"), 1))"  # noqa: E501, S608
        execute(db, sql, (table,))


def data_version() -> int:
    """A number that changes when another connection commits (RELIABILITY.md rule 6).

    SQLite's `PRAGMA data_version` costs nothing and ignores this connection's own commits;
    PostgreSQL's committed-transaction count for the database is the nearest equivalent
    (it counts every commit, ours too, which only means one extra refresh).
    """
    db = current()
    with known_db_errors():
        if isinstance(db, peewee.SqliteDatabase):
            return int(execute(db, "PRAGMA data_version").fetchone()[0])
        row = execute(
            db,
            "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()",
        ).fetchone()
        return int(row[0]) if row else 0
