"""Known errors: things the world does to us, each with a sentence the clerk understands.

Everything that is not a `KnownError` is a bug and goes to the crash dialog. Database failures are
mapped to known errors here and nowhere else (`translate_db_error`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import peewee

from desktop.i18n import _


class KnownError(Exception):
    """An error from the world. `str(error)` is the sentence shown to the clerk."""

    #: whether trying the same thing again soon may work (busy, locked, a dropped connection)
    retryable = False

    def __init__(self, message: str, *, detail: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail


class InputError(KnownError):
    """What was typed or given cannot be used; nothing was saved. `field` names the field to
    put right, where there is one, so a form can put the cursor there."""

    def __init__(self, message: str, *, detail: str = "", field: str = "") -> None:
        super().__init__(message, detail=detail)
        self.field = field


class NotFound(KnownError):
    """The record asked for does not exist."""


class ConflictError(KnownError):
    """Someone else saved this record since it was opened; nothing was overwritten."""

    def __init__(self, message: str, *, mine: Any = None, theirs: Any = None) -> None:
        super().__init__(message)
        self.mine = mine
        self.theirs = theirs


class PermissionDenied(KnownError):
    """The signed-in staff member's role does not allow this."""


class DatabaseError(KnownError):
    """The database could not do what was asked; nothing half-written was kept."""


class DatabaseBusy(DatabaseError):
    retryable = True


class DatabaseReadOnly(DatabaseError):
    pass


class DatabaseFull(DatabaseError):
    pass


class DatabaseIOError(DatabaseError):
    retryable = True


class DatabaseCorrupt(DatabaseError):
    pass


class NotADatabase(DatabaseError):
    pass


class CannotOpenDatabase(DatabaseError):
    pass


class DatabaseTooNew(DatabaseError):
    pass


class DatabaseUnreachable(DatabaseError):
    retryable = True


class PasswordNeeded(CannotOpenDatabase):
    """The database server wants a password (none was given, or the one given was refused)."""


class DatabaseInUse(DatabaseError):
    """Something that needs the database to itself (restore, upgrade, VACUUM) while others use it.

    `holders` names the other sessions, in words (see sessions.py).
    """

    def __init__(self, message: str, *, holders: list[str] | None = None) -> None:
        super().__init__(message)
        self.holders = holders or []


# SQLite primary result codes (https://sqlite.org/rescode.html)
SQLITE_BUSY = 5
SQLITE_LOCKED = 6
SQLITE_NOMEM = 7
SQLITE_READONLY = 8
SQLITE_IOERR = 10
SQLITE_CORRUPT = 11
SQLITE_FULL = 13
SQLITE_CANTOPEN = 14
SQLITE_NOTADB = 26


def _sqlite_messages() -> dict[int, tuple[type[DatabaseError], str]]:
    return {
        SQLITE_BUSY: (
            DatabaseBusy,
            _(
                "Another workstation is saving to the database right now and it did not finish "
                "in time. Nothing was lost; try again in a moment."
            ),
        ),
        SQLITE_LOCKED: (
            DatabaseBusy,
            _("The database is in use by another task. Nothing was lost; try again in a moment."),
        ),
        SQLITE_NOMEM: (
            DatabaseError,
            _("This computer ran out of memory. Close other programs and try again."),
        ),
        SQLITE_READONLY: (
            DatabaseReadOnly,
            _(
                "The database file cannot be changed from this computer (it is read-only or "
                "the folder does not allow writing). Nothing was saved; ask whoever manages the "
                "shared drive to allow writing."
            ),
        ),
        SQLITE_IOERR: (
            DatabaseIOError,
            _(
                "The disk or network drive holding the database did not respond correctly. "
                "Nothing half-written was kept; check the connection to the drive and try again."
            ),
        ),
        SQLITE_CORRUPT: (
            DatabaseCorrupt,
            _(
                "The database file is damaged. Stop using it on every workstation and restore "
                "the newest good backup."
            ),
        ),
        SQLITE_FULL: (
            DatabaseFull,
            _(
                "The disk holding the database is full. Nothing was saved; free some space "
                "and try again."
            ),
        ),
        SQLITE_CANTOPEN: (
            CannotOpenDatabase,
            _(
                "The database file could not be opened. Check that the drive is connected and "
                "that the folder exists."
            ),
        ),
        SQLITE_NOTADB: (
            NotADatabase,
            _("This file is not a Front Counter database (or it is damaged)."),
        ),
    }


_MESSAGE_CODES = (
    ("database is locked", SQLITE_BUSY),
    ("database table is locked", SQLITE_LOCKED),
    ("readonly database", SQLITE_READONLY),
    ("disk i/o error", SQLITE_IOERR),
    ("database disk image is malformed", SQLITE_CORRUPT),
    ("database or disk is full", SQLITE_FULL),
    ("unable to open database", SQLITE_CANTOPEN),
    ("file is not a database", SQLITE_NOTADB),
    ("out of memory", SQLITE_NOMEM),
)


def _original(exc: BaseException) -> BaseException:
    """peewee wraps driver errors and keeps the driver's own exception as `orig`."""
    orig = getattr(exc, "orig", None)
    if isinstance(orig, BaseException):
        return orig
    if isinstance(exc, peewee.PeeweeException) and exc.args:
        inner = exc.args[0]
        if isinstance(inner, BaseException):
            return inner
    return exc


def _earlier(exc: BaseException) -> Iterator[BaseException]:
    """The exceptions raised while `exc` was being handled, nearest first."""
    seen = {id(exc)}
    current: BaseException | None = exc.__context__ or exc.__cause__
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__context__ or current.__cause__


def _sqlite_code(exc: BaseException) -> int | None:
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF
    text = str(exc).lower()
    for fragment, fragment_code in _MESSAGE_CODES:
        if fragment in text:
            return fragment_code
    return None


def _postgres_error(exc: BaseException) -> DatabaseError | None:
    module = type(exc).__module__
    if not module.startswith("psycopg"):
        return None
    pgcode = getattr(exc, "pgcode", None) or ""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    if pgcode in {"40001", "40P01", "55P03"}:
        return DatabaseBusy(
            _("Another workstation changed the same records at the same moment. Try again."),
            detail=text,
        )
    if pgcode == "53100":
        return DatabaseFull(
            _("The database server's disk is full. Nothing was saved."), detail=text
        )
    if pgcode == "25006":
        return DatabaseReadOnly(_("The database server only allows reading now."), detail=text)
    if pgcode == "28P01" or any(
        words in text for words in ("no password supplied", "password authentication failed")
    ):
        return PasswordNeeded(
            _("The database server needs the password of this user name."), detail=text
        )
    if pgcode.startswith("28"):
        return CannotOpenDatabase(
            _("The database server refused the user name or password."), detail=text
        )
    if pgcode == "3D000" or ('database "' in text and "does not exist" in text):
        return CannotOpenDatabase(_("That database does not exist on the server."), detail=text)
    if type(exc).__name__ in {"OperationalError", "InterfaceError"} and not pgcode:
        return DatabaseUnreachable(
            _(
                "The database server cannot be reached. Check the network connection; "
                "nothing half-written was kept."
            ),
            detail=text,
        )
    return None


#: what SQLite says when a transaction it already rolled back by itself (after an I/O error or a
#: full disk) is rolled back again, to a savepoint or whole
_ALREADY_ROLLED_BACK = ("no such savepoint", "cannot rollback - no transaction is active")


def translate_db_error(exc: BaseException) -> DatabaseError | None:
    """The known error for a driver or peewee exception, or None when it is a bug."""
    if isinstance(exc, DatabaseError):
        return exc
    original = _original(exc)
    if str(original).startswith(_ALREADY_ROLLED_BACK):
        # the rollback's complaint hides the failure that made SQLite roll back: say that one
        for earlier in _earlier(exc):
            found = translate_db_error(earlier)
            if found is not None:
                return found
    pg = _postgres_error(original)
    if pg is not None:
        return pg
    if not isinstance(original, sqlite3.Error | peewee.OperationalError | peewee.DatabaseError):
        return None
    if isinstance(original, sqlite3.IntegrityError | sqlite3.ProgrammingError):
        return None
    code = _sqlite_code(original)
    if code is None:
        return None
    known = _sqlite_messages().get(code)
    if known is None:  # SQLITE_ERROR and the like: a bug in the SQL, not the world
        return None
    error_type, message = known
    return error_type(message, detail=str(original))


@contextmanager
def known_db_errors() -> Iterator[None]:
    """Turn database failures that come from the world into known errors; let bugs through."""
    try:
        yield
    except (peewee.PeeweeException, sqlite3.Error) as exc:
        known = translate_db_error(exc)
        if known is None:
            raise
        raise known from exc
