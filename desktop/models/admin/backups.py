"""Backups of a town's SQLite file, and restoring one (docs/RELIABILITY.md rules 7 and 9).

A backup is made with SQLite's backup API (a consistent copy of a live file) into a temporary
file, flushed to disk, checked with `integrity_check`, then renamed into place: a file with a
backup's name is always a whole, sound copy. Backups live in a local folder (not the share, so a
failing network drive does not take them along), one sub-folder per database, and are rotated:
the newest of each of the last 7 days, 4 weeks and 12 months are kept.

Restore goes through the backup API too, into the existing file: the file is never deleted,
renamed or swapped while someone may have it open, and only while nobody else has it open.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from desktop.i18n import _
from desktop.models import clock
from desktop.models.errors import DatabaseError, InputError, NotADatabase, translate_db_error
from desktop.models.setup.versions import LATEST_VERSION
from desktop.models.staff import audit, audit_witness, permissions
from desktop.models.storage import check_record
from desktop.models.storage.backup_files import STAMP, TMP_SUFFIX

# where the files are and what they are called: backup_files' (the audit witness reads them
# too); kept reachable here, where every other caller looks for backups
from desktop.models.storage.backup_files import Backup as Backup
from desktop.models.storage.backup_files import backup_root as backup_root
from desktop.models.storage.backup_files import folder_for as folder_for
from desktop.models.storage.backup_files import list_backups as list_backups
from desktop.models.storage.backup_files import newest as newest
from desktop.models.storage.backup_files import parse_name as parse_name
from desktop.models.storage.backup_files import set_backup_root as set_backup_root
from desktop.models.storage.integrity import integrity_problems, read_only_connection

if TYPE_CHECKING:
    from desktop.models.storage.schema import StaffUser

log = logging.getLogger("frontcounter.backups")

KEEP_DAILY = 7
KEEP_WEEKLY = 4
KEEP_MONTHLY = 12
#: a new automatic backup is due when the newest is older than this
DAILY = dt.timedelta(hours=24)
BUSY_TIMEOUT_SECONDS = 15


def backup_due(folder: Path, now: dt.datetime | None = None) -> bool:
    latest = newest(folder)
    return latest is None or (now or clock.now()) - latest.taken_at >= DAILY


#: a backup on closing is skipped when one was taken this recently
CLOSE_BACKUP_AFTER = dt.timedelta(hours=1)


def backup_on_close_due(folder: Path, now: dt.datetime | None = None) -> bool:
    """Whether closing the app should take a backup: not when the newest is under an hour old
    (a clerk who closes and reopens the window all day does not copy the file each time)."""
    latest = newest(folder)
    return latest is None or (now or clock.now()) - latest.taken_at >= CLOSE_BACKUP_AFTER


def take_backup(
    database: Path,
    folder: Path,
    *,
    rotate_after: bool = True,
    tag: str = "",
    automatic: bool = False,
    actor: StaffUser | None,
) -> Backup:
    """Copy the live SQLite file at `database` into `folder`; returns the checked backup.

    A backup someone asks for is an administrator's action (checked against the database open
    now); the daily and closing backups the app takes by itself (`automatic`) are nobody's.
    Raises a known error (nothing left behind) when the copy cannot be made or fails its check.
    """
    if not automatic:
        permissions.require(actor, permissions.BACKUP_MANAGE)
    now = clock.now()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DatabaseError(
            _("The backup folder {folder} cannot be created: {reason}").format(
                folder=folder, reason=exc.strerror or exc
            )
        ) from exc
    final = _free_name(folder, database.stem, now, tag)
    partial = final.with_name(final.name + TMP_SUFFIX)
    try:
        _copy(database, partial)
        _fsync(partial)
        problems = _check_copy(partial)
        if problems:
            raise DatabaseError(
                _(
                    "The backup copy failed its check, so it was not kept: the database itself "
                    "may be damaged. Run “frontcounter check”."
                ),
                detail="; ".join(problems),
            )
        partial.replace(final)
        _fsync_folder(folder)
        # a sound copy of the whole file: the file was sound (storage/check_record.py)
        check_record.note_check(database, [])
    except sqlite3.Error as exc:
        raise _known(exc) from exc
    except OSError as exc:
        raise DatabaseError(
            _("The backup could not be written to {folder}: {reason}").format(
                folder=folder, reason=exc.strerror or exc
            )
        ) from exc
    finally:
        with contextlib.suppress(OSError):  # a copy left half-made is skipped by every listing
            partial.unlink(missing_ok=True)
    backup = Backup(final, now.replace(microsecond=0), final.stat().st_size, tag)
    log.info("backup of %s written to %s", database, final)
    if rotate_after:
        rotate(folder)
    return backup


def _removed(path: Path) -> bool:
    """An old backup removed by the rotation; one that cannot be (a locked file, a failing
    disk) stays until the next rotation: never a reason to fail the backup just written."""
    try:
        path.unlink(missing_ok=True)
    except OSError as exc:
        log.warning("old backup %s not removed: %s", path, exc)
        return False
    return True


def _free_name(folder: Path, stem: str, now: dt.datetime, tag: str) -> Path:
    suffix = f"-{tag}" if tag else ""
    base = f"{stem}-{now.strftime(STAMP)}"
    candidate = folder / f"{base}{suffix}.db"
    number = 1
    while candidate.exists():
        number += 1
        candidate = folder / f"{base}-{number}{suffix}.db"
    return candidate


def _copy(source: Path, target: Path) -> None:
    """The backup API: a consistent copy even while other workstations write."""
    if not source.is_file():
        raise DatabaseError(_("There is no database file at {path}.").format(path=source))
    src = sqlite3.connect(str(source), timeout=BUSY_TIMEOUT_SECONDS)
    try:
        dst = sqlite3.connect(str(target))
        try:
            src.backup(dst)  # one step: a read lock for the copy, never a half-updated page set
            # the copy is nobody's open database: the sessions it carries mean nothing
            if dst.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'db_session'"
            ).fetchone():
                dst.execute("DELETE FROM db_session")
                dst.commit()
        finally:
            dst.close()
    finally:
        src.close()


def _check_copy(path: Path) -> list[str]:
    connection = read_only_connection(path)
    try:
        return integrity_problems(connection)
    finally:
        connection.close()


def _fsync(path: Path) -> None:
    with path.open("rb+") as handle:
        os.fsync(handle.fileno())


def _fsync_folder(folder: Path) -> None:
    if os.name == "nt":  # pragma: no cover - Windows cannot open a folder; NTFS journals renames
        return
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _known(exc: sqlite3.Error) -> DatabaseError:
    known = translate_db_error(exc)
    if known is not None:
        return known
    return DatabaseError(_("The backup could not be made: {reason}").format(reason=exc))


# -- rotation ------------------------------------------------------------------------------------


def to_keep(moments: Iterable[dt.datetime]) -> set[dt.datetime]:
    """The moments a 7 daily / 4 weekly / 12 monthly rotation keeps: the newest of each period."""
    ordered = sorted(set(moments), reverse=True)
    kept: set[dt.datetime] = set()
    for period, count in (
        (lambda moment: moment.date(), KEEP_DAILY),
        (lambda moment: moment.isocalendar()[:2], KEEP_WEEKLY),
        (lambda moment: (moment.year, moment.month), KEEP_MONTHLY),
    ):
        seen: list[object] = []
        for moment in ordered:
            key = period(moment)
            if key in seen:
                continue
            if len(seen) == count:
                break
            seen.append(key)
            kept.add(moment)
    return kept


def rotate(folder: Path) -> list[Path]:
    """Delete the ordinary backups the rotation does not keep; returns what was removed."""
    ordinary = [backup for backup in list_backups(folder) if not backup.tag]
    # several backups in one second (tests, a quick close after a manual backup) share a moment
    moments = {backup.taken_at for backup in ordinary}
    keep = to_keep(moments)
    newest_per_moment: dict[dt.datetime, Path] = {}
    for backup in ordinary:  # newest first, so the first seen of a moment is its newest
        newest_per_moment.setdefault(backup.taken_at, backup.path)
    removed: list[Path] = []
    for backup in ordinary:
        if backup.taken_at in keep and newest_per_moment[backup.taken_at] == backup.path:
            continue
        if _removed(backup.path):
            removed.append(backup.path)
    # copies taken before a restore: the newest three are plenty
    for backup in [b for b in list_backups(folder) if b.tag][3:]:
        if _removed(backup.path):
            removed.append(backup.path)
    if removed:
        log.info("rotation removed %d old backup(s) from %s", len(removed), folder)
    return removed


# -- restore -------------------------------------------------------------------------------------


def check_backup_file(path: Path) -> int:
    """Refuse a file that is not a sound Front Counter backup; returns its schema version."""

    if not path.is_file():
        raise InputError(_("There is no backup file at {path}.").format(path=path))
    try:
        connection = read_only_connection(path)
        try:
            problems = integrity_problems(connection)
            if problems:
                raise DatabaseError(
                    _("That backup is damaged; choose another one."), detail="; ".join(problems)
                )
            row = connection.execute(
                "SELECT value FROM schema_info WHERE key = 'schema_version'"
            ).fetchone()
        finally:
            connection.close()
    except sqlite3.Error as exc:
        raise NotADatabase(
            _("That file is not a Front Counter backup; nothing was restored."), detail=str(exc)
        ) from exc
    if row is None:
        raise NotADatabase(_("That file is not a Front Counter backup; nothing was restored."))
    version = int(row[0])
    if version > LATEST_VERSION:
        raise DatabaseError(
            _("That backup comes from a newer Front Counter; install it to restore this backup.")
        )
    return version


def restore(
    backup: Path, database: Path, folder: Path, *, actor: StaffUser | None
) -> Backup | None:
    """Copy `backup` over the contents of `database` through the backup API.

    Only an administrator may (checked against the database open now: the file itself, or the
    backup when the file is too damaged to open). The caller has made sure nobody else has the
    file open (`sessions.require_exclusive`). Returns the safety copy of what was there before
    (None when the file was beyond copying). The database must be opened again afterwards (the
    schema may need an upgrade).
    """
    permissions.require(actor, permissions.BACKUP_MANAGE)
    check_backup_file(backup)
    replaced_head = _audit_head(database)
    before: Backup | None = None
    try:
        before = take_backup(
            database, folder, rotate_after=False, tag="before-restore", automatic=True, actor=actor
        )
    except DatabaseError as exc:  # a damaged file is what restores are for
        log.warning("no safety copy before the restore: %s (%s)", exc, exc.detail)
    try:
        source = read_only_connection(backup)
        try:
            target = sqlite3.connect(str(database), timeout=BUSY_TIMEOUT_SECONDS)
            try:
                if not _is_sqlite_file(database):
                    # a header so damaged SQLite refuses the file: empty it in place (never
                    # delete or rename it) so the backup API can write a whole new database
                    with database.open("r+b") as handle:
                        handle.truncate(0)
                        os.fsync(handle.fileno())
                source.backup(target)
                problems = integrity_problems(target)
                if not problems:
                    # the trail now ends where the backup's did: say so in it, naming the head
                    # it replaced, so the checkpoints of the newer records are explained
                    audit.record_raw(
                        target,
                        "database",
                        database.name,
                        audit_witness.RESTORE_ACTION,
                        {audit_witness.HEAD_KEY: replaced_head},
                        {"restored_from": backup.name, audit_witness.HEAD_KEY: _head_of(target)},
                        actor,
                    )
            finally:
                target.close()
        finally:
            source.close()
    except sqlite3.Error as exc:
        raise _known(exc) from exc
    if problems:
        raise DatabaseError(
            _("The restored database failed its check; restore another backup."),
            detail="; ".join(problems),
        )
    log.info("restored %s from %s", database, backup)
    return before


def _head_of(connection: sqlite3.Connection) -> str | None:
    try:
        row = connection.execute(
            "SELECT value FROM schema_info WHERE key = ?", (audit_witness.HEAD_KEY,)
        ).fetchone()
    except sqlite3.Error:
        return None
    return str(row[0]) if row else None


def _audit_head(database: Path) -> str | None:
    """The audit head of a file about to be replaced (None when it cannot be read)."""
    try:
        raw = read_only_connection(database)
    except sqlite3.Error:
        return None
    try:
        return _head_of(raw)
    finally:
        raw.close()


def _is_sqlite_file(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            head = handle.read(16)
    except OSError:
        return False
    return head in (b"", b"SQLite format 3\x00")
