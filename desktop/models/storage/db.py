"""Opening a town's database and writing to it safely.

This is the one module that knows SQLite from PostgreSQL. SQLite connections follow
docs/RELIABILITY.md rules 1-4: rollback journal (never WAL, which breaks on network drives),
synchronous FULL (EXTRA on a shared drive), foreign keys on, one busy timeout, and every write
through `write()`, which opens `BEGIN IMMEDIATE` so a writer waits for the lock instead of failing.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import logging
import os
import random
import re
import sqlite3
import time
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any, NamedTuple, TypeVar
from urllib.parse import quote, unquote, urlparse

import peewee

from desktop.i18n import _
from desktop.models.errors import (
    CannotOpenDatabase,
    DatabaseCorrupt,
    DatabaseError,
    InputError,
    KnownError,
    known_db_errors,
    translate_db_error,
)
from desktop.models.storage import check_record, config_cache, pg_driver
from desktop.models.storage.integrity import quick_check
from desktop.models.storage.schema import database
from desktop.models.storage.secret_store import database_password
from desktop.models.storage.write_queue import forget as forget_queue
from desktop.models.storage.write_queue import queue_for

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
    #: the check on opening found damage (the file is open read-only; restore a backup)
    damaged: bool = False
    #: a large file's daily full check is due: the window runs it in the background
    #: (`mark_damaged` is what to call when it finds damage; storage/check_record.py)
    check_pending: bool = False
    #: things the clerk should know about where the file lives (a cloud-sync folder, say)
    warnings: list[str] = field(default_factory=list)

    @property
    def path(self) -> Path | None:
        return None if self.kind is DbKind.POSTGRESQL else Path(self.location)

    @property
    def is_sqlite(self) -> bool:
        return isinstance(self.db, peewee.SqliteDatabase)


def is_postgres_url(target: str) -> bool:
    return target.startswith(("postgresql://", "postgres://"))


#: how a PostgreSQL server is written, said whenever an address cannot be read
POSTGRES_FORM = "postgresql://user@host:port/name"
DEFAULT_PORT = 5432


class PostgresAddress(NamedTuple):
    """A PostgreSQL address taken apart; `url` is the address without any password typed
    into it (what the recent list, the keyring and the log may keep)."""

    host: str
    port: int
    name: str
    user: str = ""
    password: str | None = None

    @property
    def url(self) -> str:
        user = quote(self.user, safe="") + "@" if self.user else ""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"postgresql://{user}{host}:{self.port}/{quote(self.name, safe='')}"


def _unreadable(problem: str) -> CannotOpenDatabase:
    return CannotOpenDatabase(
        _("This PostgreSQL address cannot be read ({problem}): give the server as {form}.").format(
            problem=problem, form=POSTGRES_FORM
        )
    )


def postgres_address(url: str) -> PostgresAddress:
    """`url` taken apart, or CannotOpenDatabase saying what is wrong with it: urllib's
    ValueError (a port that is not a number, an unclosed "[") would reach the clerk as a crash."""
    try:
        parsed = urlparse(url)
    except ValueError as exc:
        raise _unreadable(_("the server's name is not written right: check any [ and ]")) from exc
    if parsed.scheme not in {"postgresql", "postgres"}:
        raise _unreadable(_("it must begin with postgresql://"))
    try:
        port = parsed.port
    except ValueError as exc:
        raise _unreadable(_("the port must be a number from 1 to 65535")) from exc
    if port == 0:
        raise _unreadable(_("the port must be a number from 1 to 65535"))
    name = unquote(parsed.path.lstrip("/"))
    if not name:
        raise CannotOpenDatabase(_("The PostgreSQL address must name a database: …/NAME."))
    return PostgresAddress(
        host=parsed.hostname or "localhost",
        port=port or DEFAULT_PORT,
        name=name,
        user=unquote(parsed.username or ""),
        password=unquote(parsed.password) if parsed.password is not None else None,
    )


def server_address(host: str, port: str, name: str, user: str) -> PostgresAddress:
    """The address from the "Open a server" fields; InputError names the field to put right."""
    host, port, name, user = host.strip(), port.strip(), name.strip(), user.strip()
    if not host:
        raise InputError(_("Type the server's name or address."), field="host")
    if any(ch in host for ch in "/@?#[]: ") and not _is_ipv6(host):
        raise InputError(
            _("The server is a name or an address only, such as db.town.local or 10.0.0.5."),
            field="host",
        )
    if not port:
        number = DEFAULT_PORT
    elif port.isascii() and port.isdigit() and 1 <= int(port) <= 65535:
        number = int(port)
    else:
        raise InputError(_("The port is a number from 1 to 65535 (usually 5432)."), field="port")
    if not name:
        raise InputError(_("Type the name of the town's database."), field="name")
    return PostgresAddress(host=host.strip("[]"), port=number, name=name, user=user)


def _is_ipv6(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")).version == 6
    except ValueError:
        return False


def moved_to_server(opened: OpenedDatabase) -> str:
    """The server this file's town moved to ('' when it has not moved): the window offers to
    open it instead of the read-only file."""
    if not opened.is_sqlite:
        return ""
    with known_db_errors():
        return _moved_to(opened.db)


_NETWORK_FS = {"cifs", "smb3", "smbfs", "nfs", "nfs4", "afpfs", "fuse.sshfs", "9p", "davfs"}


def without_password(target: str) -> str:
    """`target` fit to keep in a settings file or a log: a PostgreSQL address loses any
    password typed into it (secrets live in the keyring only)."""
    if not is_postgres_url(target):
        return target
    try:
        parsed = urlparse(target)
        port = parsed.port
    except ValueError:  # unreadable (opening it says why): still no password in the log
        return re.sub(r"(//[^/@:]*):[^/]*@", r"\1@", target)  # to the last @ of the server
    if parsed.password is None:
        return target
    host = parsed.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = (f"{parsed.username}@" if parsed.username else "") + host
    if port:
        netloc += f":{port}"
    return parsed._replace(netloc=netloc).geturl()


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


#: folder names of the sync clients that copy files behind SQLite's back
_CLOUD_SYNC = (
    ("dropbox", "Dropbox"),
    ("onedrive", "OneDrive"),
    ("google drive", "Google Drive"),
    ("googledrive", "Google Drive"),
    ("my drive", "Google Drive"),
    ("icloud drive", "iCloud"),
    ("iclouddrive", "iCloud"),
    ("mobile documents", "iCloud"),
    ("com~apple~clouddocs", "iCloud"),
)


def cloud_sync_service(path: Path) -> str:
    """The cloud-sync service whose folder holds `path` ('' when none)."""
    for part in Path(str(path)).expanduser().absolute().parts:
        lowered = part.lower()
        for fragment, service in _CLOUD_SYNC:
            if lowered == fragment or lowered.startswith((fragment + " ", fragment + "-")):
                return service
    return ""


def cloud_sync_warning(path: Path) -> str:
    service = cloud_sync_service(path)
    if not service:
        return ""
    return _(
        "This database is in a {service} folder. Sync services copy the file while it is being "
        "written and can damage it or lose clerks' work. Keep it on a shared network drive or "
        "move the town to PostgreSQL (see the README)."
    ).format(service=service)


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


def postgres_database(url: str, password: str | None) -> tuple[peewee.Database, str]:
    address = postgres_address(url)
    name = address.name
    params: dict[str, Any] = {
        "host": address.host,
        "port": address.port,
        "connect_timeout": 10,
        "application_name": "frontcounter",
    }
    if address.user:
        params["user"] = address.user
    secret = address.password or password
    if secret:
        params["password"] = secret
    shown = f"postgresql://{params.get('user', '')}@{params['host']}:{params['port']}/{name}"
    shown = shown.replace("//@", "//")
    try:
        pg_driver.load()
    except ImportError as exc:
        raise CannotOpenDatabase(
            _("PostgreSQL support is not installed: install frontcounter[postgresql].")
        ) from exc
    return peewee.PostgresqlDatabase(name, **params), shown


def open_store(
    target: str | Path,
    *,
    read_only: bool = False,
    create: bool = True,
    password: str | None = None,
    shared: bool | None = None,
    after_open: Callable[[OpenedDatabase], None] | None = None,
) -> OpenedDatabase:
    """Open the database at `target` (creating a missing file when `create`), check it and
    bind every model to it; `after_open` then prepares it (setup/opening.py upgrades its schema
    and keeps its calendar current: that is `open_database`, which everything else calls).

    A file larger than SYNC_CHECK_BYTES is not read whole here (opening costs the same at any
    size): damage its last full check found opens it read-only, and `opened.check_pending` says
    its daily check is due (the window runs it in the background; storage/check_record.py).

    `shared` says the file is on a network drive (the clerk chose "Open a shared database");
    None finds out from the file system.

    `target` is a file path or a `postgresql://user@host:port/name` URL. On any failure the
    database open before stays bound and usable.
    """

    config_cache.clear()  # what was kept belongs to the database open before
    text = str(target)
    if is_postgres_url(text):
        if password is None and not postgres_address(text).password:
            password = database_password(text)
        db, shown = postgres_database(text, password)
        opened = OpenedDatabase(db, DbKind.POSTGRESQL, shown)
    else:
        path = Path(text).expanduser()
        opened = _open_sqlite(path, read_only=read_only, create=create, shared=shared)
    previous = database.obj
    database.initialize(opened.db)
    try:
        with known_db_errors():
            opened.db.connect(reuse_if_open=True)
            if opened.is_sqlite:
                _check_on_open(opened)
            if opened.is_sqlite and not opened.read_only:
                _ensure_rollback_journal(opened.db)
            if after_open is not None:
                after_open(opened)
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


#: quick_check reads the whole file (about 2.7 s for the 1.8 GB of a million requests): a file
#: larger than this is checked in full by the window in the background (once a day), by
#: `frontcounter check` and by each backup, not on every opening (a tenth of a second at most)
SYNC_CHECK_BYTES = 64 * 1024 * 1024


def _file_size(opened: OpenedDatabase) -> int:
    try:
        return opened.path.stat().st_size if opened.path is not None else 0
    except OSError:
        return 0


def mark_damaged(opened: OpenedDatabase, problems: Sequence[str]) -> None:
    """The check found damage: from now on the file is open read-only and says why."""
    log.error("quick_check of %s failed: %s", opened.location, "; ".join(problems[:5]))
    opened.damaged = True
    opened.check_pending = False
    _reopen_read_only(
        opened,
        _(
            "The database file is damaged (the check on opening found problems), so it is "
            "open read-only and nothing can be saved. Restore the newest good backup."
        ),
    )


def _check_on_open(opened: OpenedDatabase) -> None:
    """Rule 8: checked before trusted. A small file gets `quick_check` now; a large one what its
    last full check found (storage/check_record.py). A damaged file stays open read-only."""
    path = opened.path
    assert path is not None
    if _file_size(opened) > SYNC_CHECK_BYTES:
        last = check_record.last_check(path)  # the record is read once per opening
        problems = list(check_record.damage_in(last))
        opened.check_pending = not problems and check_record.is_due(last)
    else:
        problems = _quick_check_now(opened.db)
        if problems or check_record.due(path):  # noted once a day: not a write per command
            check_record.note_check(path, problems)
    if problems:
        mark_damaged(opened, problems)
        return
    moved_to = _moved_to(opened.db)
    if moved_to:
        _reopen_read_only(
            opened,
            _(
                "This town's records moved to PostgreSQL ({url}); this file is kept read-only "
                "so that nobody saves where the others cannot see it. Open the server instead."
            ).format(url=moved_to),
        )


def _quick_check_now(db: peewee.Database) -> list[str]:
    try:
        return quick_check(db)
    except (peewee.DatabaseError, sqlite3.DatabaseError) as exc:
        known = translate_db_error(exc)
        if not isinstance(known, DatabaseCorrupt):
            raise
        return [str(exc)]  # too damaged for the check to finish: damaged all the same


#: the row of schema_info naming the server a town moved to (admin/pg_migrate writes it)
MOVED_TO_KEY = "moved_to"


def _moved_to(db: peewee.Database) -> str:
    if "schema_info" not in db.get_tables():
        return ""
    row = execute(db, "SELECT value FROM schema_info WHERE key = ?", (MOVED_TO_KEY,)).fetchone()
    return str(row[0]) if row else ""


def _reopen_read_only(opened: OpenedDatabase, reason: str) -> None:
    opened.db.close()
    assert opened.path is not None
    opened.db = _sqlite_database(
        opened.path, read_only=True, shared=opened.kind is DbKind.SHARED_FILE
    )
    database.initialize(opened.db)
    opened.db.connect()
    opened.read_only = True
    opened.read_only_reason = reason


def refuse_a_missing_file(target: str | Path, how_to_make_one: str) -> None:
    """A database file named that does not exist is a sentence, not a new empty town that takes
    the work meant for the real one (a mistyped path, a drive not connected); `how_to_make_one`
    says how, where the clerk is (the command line's init, the window's File menu)."""
    if is_postgres_url(str(target)):
        return
    path = Path(target).expanduser()
    if not path.exists():
        raise CannotOpenDatabase(
            _(
                "There is no database file at {path}. Check the path (a drive letter or a "
                "shared folder that is not connected?), or {how}."
            ).format(path=path, how=how_to_make_one)
        )
    refuse_an_empty_file(path, how_to_make_one)


def refuse_an_empty_file(path: Path, how_to_make_one: str) -> None:
    """An empty file is no town: a setup cut short (a full disk, a power cut) leaves one, and
    opening it must not quietly make a new town in it, so only init or the window's setup do."""
    if _is_empty_file(path):
        raise CannotOpenDatabase(
            _(
                "The file {path} is empty: it is not a town's database (a setup that was cut "
                "short leaves one). If it was meant to be a new town, {how}."
            ).format(path=path, how=how_to_make_one)
        )


def _is_empty_file(path: Path) -> bool:
    try:
        return path.is_file() and path.stat().st_size == 0
    except OSError:
        return False


def _open_sqlite(
    path: Path, *, read_only: bool, create: bool, shared: bool | None
) -> OpenedDatabase:
    exists = path.exists()
    if not exists and (read_only or not create):
        raise CannotOpenDatabase(_("There is no database file at {path}.").format(path=path))
    if (read_only or not create) and _is_empty_file(path):
        raise CannotOpenDatabase(
            _("The file {path} is empty: it is not a town's database.").format(path=path)
        )
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
    opened = OpenedDatabase(db, kind, str(path), read_only=ro, read_only_reason=reason)
    warning = cloud_sync_warning(path)
    if warning:
        opened.warnings.append(warning)
    return opened


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
    if isinstance(opened.db, peewee.SqliteDatabase):
        forget_queue(opened.db.database)


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
    queue = queue_for(db.database) if isinstance(db, peewee.SqliteDatabase) else None
    attempt = 0
    while True:
        try:
            turn = queue.turn() if queue is not None else nullcontext(False)
            with turn as queued, known_db_errors(), _transaction(db, queued=queued):
                result = fn()
            _handoff.committed()
            return result
        except KnownError as exc:
            attempt += 1
            if not exc.retryable or attempt > retries:
                raise
            log.warning("write failed (%s), retry %d of %d", exc.detail or exc, attempt, retries)
            time.sleep(0.05 * 2**attempt)


class _Handoff:
    """Hand the write lock on: a process that just committed, while others were waiting for
    the lock, lets them have it before it writes again.

    Waiting writers ask for the lock every millisecond or two; one that has just let go would
    otherwise win it straight back, again and again, when it writes in a loop (an import, an
    anonymisation in batches, a busy workstation), and the others' saves wait far longer.
    Alone, nothing waits: there is no contention to remember.
    """

    #: how long after its commit a contended writer leaves the lock to the others
    GAP = 0.0025
    #: how long a collision is remembered as "others are writing too"
    MEMORY = 1.0

    def __init__(self) -> None:
        self._last_commit = 0.0
        self._collided = -1e9

    def committed(self) -> None:
        self._last_commit = time.monotonic()

    def contended(self) -> None:
        self._collided = time.monotonic()

    def wait_turn(self) -> None:
        now = time.monotonic()
        if now - self._collided > self.MEMORY:
            return
        since = now - self._last_commit
        if since < self.GAP:
            time.sleep(self.GAP - since)


_handoff = _Handoff()


class _WriteTransaction(peewee._transaction):
    """peewee's transaction, except that a rollback SQLite already did is not an error.

    After FULL, IOERR, BUSY or NOMEM SQLite may roll the whole transaction back by itself; the
    second rollback would then fail and hide the error that matters.
    """

    #: this writer has its turn in the write queue (write_queue.py)
    queued = False

    def _begin(self) -> None:
        """BEGIN IMMEDIATE, waiting for the write lock in short, even steps.

        SQLite's own busy handler sleeps longer the longer it has waited (up to 100 ms a time),
        so a clerk who has waited longest is the likeliest to lose the lock to a newcomer: the
        worst saves took half a second with 8 writers. Trying every millisecond or two until the
        same busy timeout is fair to all, and keeps the slowest save short.
        """
        if self._begin_args[1].get("lock_type") != "IMMEDIATE":  # type: ignore[attr-defined]
            super()._begin()  # type: ignore[misc]
            return
        connection = self.db.connection()
        timeout_ms = int(connection.execute("PRAGMA busy_timeout").fetchone()[0])
        deadline = time.monotonic() + timeout_ms / 1000
        if not self.queued:  # in the queue, the turn is already this writer's
            _handoff.wait_turn()
        connection.execute("PRAGMA busy_timeout=0")
        try:
            while True:
                try:
                    super()._begin()  # type: ignore[misc]
                    return
                except peewee.OperationalError as exc:
                    if "locked" not in str(exc) or time.monotonic() >= deadline:
                        raise
                _handoff.contended()
                time.sleep(random.uniform(0.0005, 0.002))
        finally:
            connection.execute(f"PRAGMA busy_timeout={timeout_ms}")

    def commit(self, begin: bool = True) -> None:
        """peewee's commit, the COMMIT itself inside this process's gate (`gate_commits`)."""
        gate = _commit_gate
        with gate() if gate is not None else nullcontext():
            self.db.commit()
        self.db._run_commit_callbacks()
        if begin:
            self._begin()

    def rollback(self, begin: bool = True) -> None:
        try:
            super().rollback(begin)
        except peewee.OperationalError:
            connection = self.db.connection()
            if getattr(connection, "in_transaction", True):
                raise


#: what a commit of this process passes through (None: nothing), set by `gate_commits`
_commit_gate: Callable[[], AbstractContextManager[object]] | None = None


def gate_commits(gate: Callable[[], AbstractContextManager[object]] | None) -> None:
    """Make every commit of this process run inside `gate()` (None: stop).

    A SQLite commit in the rollback journal needs the file to itself: readers of other
    connections wait it out (or it waits for them) in SQLite's busy handler, which sleeps 1, 2,
    5, 10 ms at a time. A server whose threads read the file all the time (the Open311 endpoint)
    passes a gate that lets its reads finish, holds new ones back for the commit alone and lets
    them go the moment it ends; the writer's own work before the commit never stops a read.
    """
    global _commit_gate
    _commit_gate = gate


def commit_gate() -> Callable[[], AbstractContextManager[object]] | None:
    """The gate commits pass through now (`gate_commits`)."""
    return _commit_gate


def _transaction(db: peewee.Database, *, queued: bool = False) -> _WriteTransaction:
    if isinstance(db, peewee.SqliteDatabase):
        transaction = _WriteTransaction(db, lock_type="IMMEDIATE")
    else:
        transaction = _WriteTransaction(db)
    transaction.queued = queued
    return transaction


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


def current_path() -> Path | None:
    """The file of the open database (None: a PostgreSQL server, or nothing open)."""
    db = database.obj
    return Path(db.database) if isinstance(db, peewee.SqliteDatabase) else None


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


def days_between(later: Any, earlier: Any) -> Any:
    """An SQL expression: the days (with fractions) from `earlier` to `later` (two datetime
    columns), in the open database's dialect."""
    if isinstance(current(), peewee.SqliteDatabase):
        return peewee.fn.julianday(later) - peewee.fn.julianday(earlier)
    return peewee.fn.date_part("epoch", later - earlier) / 86400.0


def whole_hours_between(later: Any, earlier: Any) -> Any:
    """An SQL expression: the whole hours from `earlier` to `later` (two datetime columns;
    fractions of a second dropped from each, the hours counted toward zero), as the
    Dashboard's running totals count them (storage/rollups.py), in the open database's dialect."""
    if isinstance(current(), peewee.SqliteDatabase):
        seconds = peewee.fn.strftime("%s", later).cast("INTEGER") - peewee.fn.strftime(
            "%s", earlier
        ).cast("INTEGER")
        return seconds / 3600  # two integers: SQLite divides toward zero
    seconds = peewee.fn.date_part(
        "epoch", peewee.fn.date_trunc("second", later)
    ) - peewee.fn.date_part("epoch", peewee.fn.date_trunc("second", earlier))
    return peewee.fn.trunc(seconds / 3600).cast("INTEGER")


def raw_datetime(moment: dt.datetime) -> Any:
    """`moment` as the driver returns stored datetimes (SQLite: the text peewee stores, which
    sorts as the moments do; PostgreSQL: the datetime), for comparing raw rows without
    converting each one."""
    if isinstance(current(), peewee.SqliteDatabase):
        return str(moment)
    return moment


def data_version() -> int:
    """A number that changes when another connection commits (docs/RELIABILITY.md rule 6).

    SQLite's `PRAGMA data_version` costs nothing and ignores this connection's own commits.
    On PostgreSQL the nearest equivalent is the whole transaction snapshot (the oldest
    transaction still running, the next id, and those in between still running), as a number:
    only a transaction that writes is given an id, so reads (this poll among them) leave it be.
    Its highest id alone would not do: a save that began before another and ends after it
    moves nothing but the list of those running. It moves for our own saves too, when a save
    begins, and for other databases on the same server, which only means an extra refresh.
    """
    db = current()
    with known_db_errors():
        if isinstance(db, peewee.SqliteDatabase):
            return int(execute(db, "PRAGMA data_version").fetchone()[0])
        row = execute(db, "SELECT txid_current_snapshot()::text").fetchone()
        return zlib.crc32(str(row[0]).encode()) if row else 0


def change_signature() -> tuple[int, ...]:
    """What moves when this thread's connection sees the database change: another
    connection's commit, or a write of its own (SQLite: `data_version` and `total_changes`, one
    statement; PostgreSQL: the snapshot, which any write moves), or another database opened in
    its place (a new connection starts its counts again)."""
    db = current()
    if isinstance(db, peewee.SqliteDatabase):
        with known_db_errors():
            row = execute(
                db, "SELECT total_changes(), (SELECT data_version FROM pragma_data_version())"
            ).fetchone()
        return (id(db), int(row[0]), int(row[1]))
    return (id(db), data_version())
