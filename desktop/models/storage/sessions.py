"""Who has the database open: one row per running Front Counter (docs/RELIABILITY.md rule 10).

Like GnuCash's lock row, but for many clerks at once: a session is written when a window opens
the database, refreshed every minute (`heartbeat`), removed on a clean exit. A PC that crashed or
lost the network stops refreshing its row; after `STALE_AFTER` the row no longer counts and the
next session to start removes it. Restore, schema upgrades and VACUUM ask `require_exclusive`
first, and the refusal names whoever else is working.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
from typing import NamedTuple

import peewee

from desktop import __version__
from desktop.i18n import _
from desktop.models import clock
from desktop.models.errors import DatabaseInUse, KnownError, known_db_errors
from desktop.models.storage.db import write
from desktop.models.storage.schema import DbSession, StaffUser, database

log = logging.getLogger("frontcounter.sessions")

#: how often a running window refreshes its row
HEARTBEAT_SECONDS = 60
#: a row not refreshed for this long belongs to a PC that crashed or went away
STALE_AFTER = dt.timedelta(minutes=3)
#: past this many workstations writing to one SQLite file, PostgreSQL is the better home
HANDFUL_OF_WRITERS = 5

_token: str | None = None
#: who this process's session names (kept to put the row back as it was)
_who: tuple[str | None, str] = (None, "")


class SessionInfo(NamedTuple):
    """One other workstation that has the database open."""

    username: str | None
    display_name: str
    workstation: str
    pid: int
    since: dt.datetime
    last_seen: dt.datetime

    @property
    def label(self) -> str:
        """'Ana Ortiz on FRONT-2' — the words the status bar and refusals use."""
        who = self.display_name or self.username or _("someone")
        return _("{who} on {workstation}").format(who=who, workstation=self.workstation)


def workstation_name() -> str:
    """This PC's name (FRONTCOUNTER_WORKSTATION overrides it: tests, terminal servers)."""
    named = os.environ.get("FRONTCOUNTER_WORKSTATION") or os.environ.get("COMPUTERNAME")
    if named:  # Windows says it: no socket module to load
        return named
    import socket  # noqa: PLC0415 (when the name is first asked for, not at start)

    return socket.gethostname() or "?"


def _table_exists() -> bool:
    db = database.obj
    return db is not None and db.table_exists(DbSession._meta.table_name)


def current_token() -> str | None:
    """This process's session, or None when it has not started one."""
    return _token


def start(username: str | None = None, display_name: str = "") -> str:
    """Record that this process has the database open; returns the session's token.

    Stale rows (crashed PCs) are removed first. Call in a process that writes (not read-only).
    """

    import secrets  # noqa: PLC0415 (its hmac loads OpenSSL: when a session starts)

    global _token
    token = secrets.token_hex(16)
    now = clock.now()

    def save() -> None:
        _expire_stale(now)
        DbSession.create(
            token=token,
            username=username,
            display_name=name_of(username, display_name),
            workstation=workstation_name()[:200],
            pid=os.getpid(),
            app_version=__version__,
            since=now,
            last_seen=now,
        )

    write(save)
    global _who
    _token = token
    _who = (username, name_of(username, display_name))
    log.info("session %s started on %s", token[:8], workstation_name())
    return token


def name_of(username: str | None, display_name: str = "") -> str:
    """The name a session shows: as given, else the staff member's full name."""
    if display_name or not username:
        return display_name
    staff = StaffUser.get_or_none(StaffUser.username == username)
    return staff.full_name if staff is not None else ""


def heartbeat() -> None:
    """Refresh this session's row; put it back if a restore or an expiry removed it."""

    if _token is None:
        return
    token = _token
    now = clock.now()

    def save() -> None:
        updated = DbSession.update(last_seen=now).where(DbSession.token == token).execute()
        if not updated:
            username, display_name = _who
            DbSession.create(
                token=token,
                username=username,
                display_name=display_name,
                workstation=workstation_name()[:200],
                pid=os.getpid(),
                app_version=__version__,
                since=now,
                last_seen=now,
            )
        _expire_stale(now)

    write(save)


_last_beat = -float(HEARTBEAT_SECONDS)


def _monotonic() -> float:
    return time.monotonic()


def keep_alive() -> None:
    """Call often from a long job without a timer (the command line's bulk work): the row is
    refreshed at most once a HEARTBEAT_SECONDS, so others still see the job after STALE_AFTER."""
    global _last_beat
    if _token is None:
        return
    now = _monotonic()
    if now - _last_beat >= HEARTBEAT_SECONDS:
        _last_beat = now
        heartbeat()


def set_user(username: str | None, display_name: str = "") -> None:
    """Who now works at this workstation (the toolbar's 'At this desk' choice)."""

    global _who
    if _token is None:
        return
    token = _token
    _who = (username, display_name)
    write(
        lambda: (
            DbSession.update(username=username, display_name=display_name)
            .where(DbSession.token == token)
            .execute()
        )
    )


def end() -> None:
    """Remove this session's row (a clean exit). Never raises: the app is closing."""

    global _token
    if _token is None:
        return
    token, _token = _token, None
    try:
        write(lambda: DbSession.delete().where(DbSession.token == token).execute(), retries=1)
    except KnownError as exc:  # the row expires by itself
        log.warning("session row not removed: %s", exc)


def forget() -> None:
    """Drop this process's session without touching the database (it is closed or replaced)."""
    global _token
    _token = None


def clear_stale() -> int:
    """Remove the rows of workstations that stopped without closing (a crash, a power cut, a
    lost network): `frontcounter check`'s tidying. How many went; 0 when the table is not
    there yet."""
    with known_db_errors():
        if not _table_exists():
            return 0
        return write(lambda: _expire_stale(clock.now()))


def _expire_stale(now: dt.datetime) -> int:
    removed = int(DbSession.delete().where(DbSession.last_seen < now - STALE_AFTER).execute())
    here = workstation_name()[:200]
    for row in DbSession.select().where(DbSession.workstation == here):
        if row.pid != os.getpid() and not _process_alive(row.pid):
            removed += int(row.delete_instance())  # crashed on this very PC
    if removed:
        log.info("removed %d stale session(s)", removed)
    return removed


def _process_alive(pid: int) -> bool:
    if os.name == "nt":  # pragma: no cover - no cheap check on Windows; the row expires
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def others(*, now: dt.datetime | None = None) -> list[SessionInfo]:
    """The other live sessions, oldest first. Empty when the table cannot be read."""
    try:
        with known_db_errors():
            if not _table_exists():
                return []
            moment = now or clock.now()
            query = (
                DbSession.select()
                .where(DbSession.last_seen >= moment - STALE_AFTER)
                .order_by(DbSession.since, DbSession.id)
            )
            if _token is not None:
                query = query.where(DbSession.token != _token)
            rows = list(query)
    except (KnownError, peewee.PeeweeException) as exc:
        log.warning("sessions could not be read: %s", exc)
        return []
    if not rows:
        return []
    here = workstation_name()[:200]
    return [
        SessionInfo(
            row.username,
            row.display_name,
            row.workstation,
            row.pid,
            row.since,
            row.last_seen,
        )
        for row in rows
        if not (row.workstation == here and not _process_alive(row.pid))
    ]


def describe(sessions: list[SessionInfo]) -> str:
    """'Ana Ortiz on FRONT-2, Bob on PW-1' (the first few, then how many more)."""
    shown = [session.label for session in sessions[:4]]
    if len(sessions) > 4:
        shown.append(_("{count} more").format(count=len(sessions) - 4))
    return ", ".join(shown)


def require_exclusive(action: str) -> None:
    """Refuse `action` (already in the clerk's words) while other live sessions exist."""
    holders = others()
    if holders:
        names = describe(holders)
        raise DatabaseInUse(
            _(
                "Cannot {action} while others have the database open: {names}. Ask them to "
                "close Front Counter (or wait {minutes} minutes if a PC crashed), then try again."
            ).format(action=action, names=names, minutes=int(STALE_AFTER.total_seconds() // 60)),
            holders=[holder.label for holder in holders],
        )


def postgres_advice(live_sessions: int, *, is_sqlite: bool) -> str:
    """A recommendation to move to PostgreSQL when a file has more writers than it is good for."""
    if not is_sqlite or live_sessions < HANDFUL_OF_WRITERS:
        return ""
    return _(
        "{count} workstations have this database file open. Past a handful of clerks saving at "
        "once, a PostgreSQL server is safer and faster than a shared file: see “Moving to "
        "PostgreSQL” in the README."
    ).format(count=live_sessions)
