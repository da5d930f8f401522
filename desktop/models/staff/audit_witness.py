"""Witnesses of the audit trail kept outside the database, so that a cut-off trail is caught.

The chain in the database (audit.py) catches a record edited, deleted or moved; but someone who
deletes the newest records and writes the hash of the last one left into the head, or empties
the trail altogether, leaves a chain that is whole. So each workstation keeps checkpoints of the
trail in its own data folder (the newest record's number and hash, noted when the window opens
and closes and when the trail is verified), and every backup holds the head it was taken with.
A checkpoint whose record is gone or different means records were cut off or rewritten. A
restore rolls the trail back on purpose and writes a record saying so (with the head it
replaced): checkpoints seen before the newest restore are not held against the trail.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import sqlite3
from pathlib import Path
from typing import Any, NamedTuple

import peewee

from desktop.i18n import _
from desktop.models import clock
from desktop.models.errors import known_db_errors
from desktop.models.storage.backup_files import list_backups
from desktop.models.storage.integrity import read_only_connection
from desktop.models.storage.schema import AuditRecord, SchemaInfo

log = logging.getLogger("frontcounter.audit")

FILE_NAME = "audit-witness.json"
#: checkpoints kept per database (a new one at most every CHECKPOINT_EVERY)
MAX_CHECKPOINTS = 400
CHECKPOINT_EVERY = dt.timedelta(minutes=30)
HEAD_KEY = "audit_head"
RESTORE_ACTION = "restore"

_file: Path | None = None


def set_witness_file(path: Path | None) -> None:
    """Where this workstation keeps its checkpoints (the app and the CLI set it at start)."""
    global _file
    _file = path


class Checkpoint(NamedTuple):
    """The newest audit record as it was seen at some moment, from outside the database."""

    record_id: int
    hash: str
    seen_at: str
    source: str  # "this computer" or a backup's file name


def parse_head(value: str | None) -> tuple[str, int] | None:
    """(hash, record id) of a stored head "hash:id"; None when there is none."""
    if not value:
        return None
    head_hash, _sep, head_id = value.partition(":")
    return (head_hash, int(head_id)) if head_id.isdigit() else None


def _current_head() -> tuple[str, int] | None:
    row = SchemaInfo.get_or_none(SchemaInfo.key == HEAD_KEY)
    return parse_head(str(row.value)) if row is not None else None


def database_key() -> str:
    """Which database the checkpoints are of: where it is and when it was made (a new file at
    the same place is another database)."""
    db = SchemaInfo._meta.database
    inner = getattr(db, "obj", db)
    if isinstance(inner, peewee.SqliteDatabase):
        where = str(Path(inner.database).absolute())
    else:  # a server: its host and the database's name
        host = inner.connect_params.get("host", "") if inner is not None else ""
        where = f"{host}/{getattr(inner, 'database', '')}"
    made = SchemaInfo.get_or_none(SchemaInfo.key == "created_at")
    return f"{type(inner).__name__}:{where}:{made.value if made else ''}"


def _load() -> dict[str, list[dict[str, Any]]]:
    if _file is None or not _file.is_file():
        return {}
    try:
        data = json.loads(_file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        log.warning("the audit checkpoints in %s could not be read: %s", _file, exc)
        return {}
    return data if isinstance(data, dict) else {}


def _save(data: dict[str, list[dict[str, Any]]]) -> None:
    assert _file is not None
    partial = _file.with_name(_file.name + ".partial")
    try:
        _file.parent.mkdir(parents=True, exist_ok=True)
        with partial.open("w", encoding="utf-8") as handle:
            json.dump(data, handle)
            handle.flush()
            os.fsync(handle.fileno())
        partial.replace(_file)
    except OSError as exc:
        log.warning("the audit checkpoints could not be written to %s: %s", _file, exc)


def note_head(*, force: bool = False) -> None:
    """Keep the trail's newest record as a checkpoint on this computer (at most one every half
    hour unless `force`). Never raises for a file problem: the checkpoint is a second line."""
    if _file is None:
        return
    with known_db_errors():
        head = _current_head()
        key = database_key()
    if head is None:
        return
    data = _load()
    points = [p for p in data.get(key, []) if isinstance(p, dict)]
    now = clock.now()
    if points:
        last = points[-1]
        if last.get("id") == head[1] and last.get("hash") == head[0]:
            return
        try:
            recent = now - dt.datetime.fromisoformat(str(last.get("at"))) < CHECKPOINT_EVERY
        except ValueError:
            recent = False
        if recent and not force and int(last.get("id", 0)) < head[1]:
            points[-1] = {"id": head[1], "hash": head[0], "at": now.isoformat(sep=" ")}
            data[key] = points
            _save(data)
            return
    points.append({"id": head[1], "hash": head[0], "at": now.isoformat(sep=" ")})
    data[key] = points[-MAX_CHECKPOINTS:]
    _save(data)


def local_checkpoints() -> list[Checkpoint]:
    return [
        Checkpoint(int(p["id"]), str(p["hash"]), str(p.get("at", "")), _("this computer"))
        for p in _load().get(database_key(), [])
        if isinstance(p, dict) and str(p.get("id", "")).isdigit() and p.get("hash")
    ]


def backup_checkpoints(folder: Path | None, newest: int = 3) -> list[Checkpoint]:
    """The heads held by the newest backups of this database in `folder`."""

    if folder is None or not folder.is_dir():
        return []
    found = []
    for backup in list_backups(folder)[:newest]:
        try:
            raw = read_only_connection(backup.path)
            try:
                row = raw.execute(
                    "SELECT value FROM schema_info WHERE key = ?", (HEAD_KEY,)
                ).fetchone()
            finally:
                raw.close()
        except sqlite3.Error as exc:
            log.warning("backup %s could not be read for its audit head: %s", backup.path, exc)
            continue
        head = parse_head(row[0] if row else None)
        if head is not None:
            stamp = backup.taken_at.isoformat(sep=" ")
            found.append(Checkpoint(head[1], head[0], stamp, backup.path.name))
    return found


def _last_restore() -> AuditRecord | None:
    """The newest restore in the trail: it may have rolled back anything seen before it."""
    row: AuditRecord | None = (
        AuditRecord.select()
        .where(AuditRecord.action == RESTORE_ACTION)
        .order_by(AuditRecord.id.desc())
        .first()
    )
    return row


class Finding(NamedTuple):
    """A checkpoint the trail no longer agrees with."""

    record_id: int
    sentence: str


def check(backup_folder: Path | None = None) -> Finding | None:
    """The first checkpoint (this computer's, then the backups') the trail contradicts."""
    points = local_checkpoints() + backup_checkpoints(backup_folder)
    if not points:
        return None
    restore = _last_restore()
    if restore is not None:  # what was seen before a restore may be rolled back: not checked
        since = restore.at.isoformat(sep=" ") if isinstance(restore.at, dt.datetime) else ""
        points = [p for p in points if p.seen_at > since]
    wanted = {p.record_id for p in points}
    hashes = {
        row.id: row.hash
        for row in AuditRecord.select(AuditRecord.id, AuditRecord.hash).where(
            AuditRecord.id.in_(sorted(wanted))
        )
    }
    for point in sorted(points, key=lambda p: p.record_id):
        if hashes.get(point.record_id) == point.hash:
            continue
        what = (
            _("is no longer in the trail")
            if point.record_id not in hashes
            else _("is not the record it was")
        )
        return Finding(
            point.record_id,
            _(
                "record {id}, seen by {source} on {when}, {what}: records were cut off the end "
                "or rewritten."
            ).format(id=point.record_id, source=point.source, when=point.seen_at[:16], what=what),
        )
    return None
