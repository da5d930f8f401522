"""The audit trail: an append-only record of every change, chained by hash.

Each AuditRecord says who, when, on which workstation, which record, what was done, and the
record's fields before and after. Its `hash` covers all of that and the previous record's hash,
and the newest hash is also kept in `schema_info` ("audit_head"), so `verify()` finds a record
that was edited, deleted, moved or cut off the end, and names the first bad one.

`record()` must run inside the write transaction of the change it describes (db.write): the
change and its audit record are saved together or not at all.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import peewee

from desktop.i18n import _
from desktop.models import clock
from desktop.models.errors import DatabaseError
from desktop.models.staff import audit_witness, permissions
from desktop.models.storage import fast_sql
from desktop.models.storage.schema import AuditRecord, BaseModel, SchemaInfo, StaffUser
from desktop.models.storage.sessions import workstation_name

GENESIS = "0" * 64
HEAD_KEY = "audit_head"


def plain(value: Any) -> Any:
    """A JSON-able form of a field's value."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        import hashlib  # noqa: PLC0415 (OpenSSL loads with the first record, not at start)

        data = bytes(value)
        return {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    if isinstance(value, BaseModel):
        return value.id
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return str(value)


#: residents' personal fields: the trail says that they changed, never what they said, so that
#: anonymising a resident (privacy.py) leaves nothing of them in this append-only table
PERSONAL_FIELDS: dict[str, frozenset[str]] = {
    "contact": frozenset(
        {"first_name", "last_name", "organization", "search_name", "address", "city", "state"}
        | {"zip", "notes"}
    ),
    "contact_method": frozenset({"value", "normalized"}),
}
PERSONAL = "[personal data]"


def snapshot(row: BaseModel | None, fields: Iterable[str] | None = None) -> dict[str, Any] | None:
    """The record's fields (all, or those named) as plain values; secrets and residents'
    personal details left out."""
    if row is None:
        return None
    names = list(fields) if fields is not None else list(row._meta.sorted_field_names)
    personal = PERSONAL_FIELDS.get(row._meta.table_name, frozenset())
    out: dict[str, Any] = {}
    for name in names:
        field = row._meta.fields.get(name)
        if field is None or name == "password_hash":
            continue
        value = row.__data__.get(field.name)
        out[name] = PERSONAL if name in personal and value else plain(value)
    if isinstance(row, StaffUser) and (fields is None or "password_hash" in names):
        out["has_password"] = bool(row.password_hash)
    return out


def _canonical(values: dict[str, Any]) -> bytes:
    return json.dumps(values, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def compute_hash(row: AuditRecord) -> str:
    """The hash a record should carry: every column but `id` and `hash`, and the previous hash."""
    at = row.at if isinstance(row.at, dt.datetime) else dt.datetime.fromisoformat(str(row.at))
    values = {
        "prev": row.prev_hash,
        "at": at.isoformat(sep=" "),
        "staff_id": row.staff_id,
        "username": row.username,
        "workstation": row.workstation,
        "table": row.table_name,
        "record": str(row.record_id),
        "action": row.action,
        "before": row.before,
        "after": row.after,
    }
    import hashlib  # noqa: PLC0415 (OpenSSL loads with the first record, not at start)

    return hashlib.sha256(_canonical(values)).hexdigest()


def _lock_chain(db: peewee.Database) -> None:
    """Only one writer extends the chain at a time. SQLite's BEGIN IMMEDIATE already is that
    lock; PostgreSQL needs one of its own, held to the end of the transaction."""
    if isinstance(db, peewee.PostgresqlDatabase):
        db.execute_sql("SELECT pg_advisory_xact_lock(311007)")  # type: ignore[no-untyped-call]


def _head() -> tuple[str, int]:
    row = fast_sql.execute(_READ_HEAD, (HEAD_KEY,)).fetchone()
    if row is None:
        return GENESIS, 0
    last_hash, _sep, last_id = str(row[0]).partition(":")
    return last_hash, int(last_id or 0)


# inside every save's write lock: written once (fast_sql.py)
_READ_HEAD = 'SELECT "value" FROM "schema_info" WHERE "key" = ?'
_WRITE_HEAD = 'UPDATE "schema_info" SET "value" = ? WHERE "key" = ?'


def record(
    table: str,
    record_id: Any,
    action: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    actor: StaffUser | None,
    *,
    partner: str = "",
) -> AuditRecord:
    """Append one audit record of what `actor` did (None: nobody signed in, the app itself, or
    a partner's system through the Open311 endpoint: `partner` names it); call it inside the
    write transaction of the change."""

    db = AuditRecord._meta.database
    if not db.in_transaction():
        raise DatabaseError(_("An audit record must be written with its change."))
    _lock_chain(db)
    prev_hash, _last = _head()
    row = AuditRecord(
        at=clock.now(),
        staff_id=actor.id if actor is not None else None,
        username=actor.username
        if actor is not None
        else f"partner:{partner}"[:64]
        if partner
        else "",
        workstation=workstation_name()[:200],
        table_name=table,
        record_id=str(record_id if record_id is not None else ""),
        action=action,
        before=None if before is None else json.dumps(before, sort_keys=True, ensure_ascii=False),
        after=None if after is None else json.dumps(after, sort_keys=True, ensure_ascii=False),
        prev_hash=prev_hash,
    )
    row.hash = compute_hash(row)
    fast_sql.insert(row)
    head = f"{row.hash}:{row.id}"
    if not fast_sql.execute(_WRITE_HEAD, (head, HEAD_KEY)).rowcount:
        SchemaInfo.insert(key=HEAD_KEY, value=head).execute()
    return row


def changed(before: dict[str, Any] | None, after: dict[str, Any] | None) -> bool:
    return before != after


@dataclass
class Verdict:
    """What `verify` found: ok, or the first bad record and why."""

    ok: bool
    checked: int
    bad_id: int | None = None
    reason: str = ""

    def sentence(self) -> str:
        if self.ok:
            return _("The audit trail is intact: {n} records checked.").format(n=self.checked)
        return _("The audit trail is broken at record {id}: {reason}").format(
            id=self.bad_id, reason=self.reason
        )


def verify(batch: int = 2000, *, backup_folder: Path | None = None) -> Verdict:
    """Walk the chain from the first record; name the first one that does not fit. Then hold
    it against the checkpoints kept outside the database (this computer's, and the heads of the
    newest backups in `backup_folder`): a trail cut off the end whose head was rewritten to
    match is whole, but no longer holds a record they saw."""

    verdict = _verify_chain(batch)
    if not verdict.ok:
        return verdict
    finding = audit_witness.check(backup_folder)
    if finding is not None:
        return Verdict(False, verdict.checked, finding.record_id, finding.sentence)
    audit_witness.note_head(force=True)
    return verdict


def record_raw(
    connection: sqlite3.Connection,
    table: str,
    record_id: str,
    action: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    actor: StaffUser | None,
) -> None:
    """Append one record through a plain sqlite3 connection, in its own transaction (a
    restore writes into a file that peewee does not hold). Does nothing to a file whose schema
    has no audit trail yet (a backup from before it existed)."""

    tables = {r[0] for r in connection.execute("SELECT name FROM sqlite_master")}
    if AuditRecord._meta.table_name not in tables:
        return
    head = connection.execute("SELECT value FROM schema_info WHERE key = ?", (HEAD_KEY,)).fetchone()
    prev_hash = str(head[0]).partition(":")[0] if head else GENESIS
    row = AuditRecord(
        at=clock.now(),
        staff_id=actor.id if actor is not None else None,
        username=actor.username if actor is not None else "",
        workstation=workstation_name()[:200],
        table_name=table,
        record_id=record_id,
        action=action,
        before=None if before is None else json.dumps(before, sort_keys=True, ensure_ascii=False),
        after=None if after is None else json.dumps(after, sort_keys=True, ensure_ascii=False),
        prev_hash=prev_hash,
    )
    row.hash = compute_hash(row)
    names = [
        "at", "staff_id", "username", "workstation", "table_name", "record_id", "action",
        "before", "after", "prev_hash", "hash",
    ]  # fmt: skip
    fields = [AuditRecord._meta.fields[n] for n in names]
    values = [f.db_value(getattr(row, n)) for f, n in zip(fields, names, strict=True)]
    columns = ", ".join(f.column_name for f in fields)
    marks = ", ".join("?" for _n in names)
    with connection:
        cursor = connection.execute(
            f"INSERT INTO {AuditRecord._meta.table_name} ({columns}) VALUES ({marks})",  # noqa: S608
            values,
        )
        value = f"{row.hash}:{cursor.lastrowid}"
        connection.execute(
            "INSERT OR REPLACE INTO schema_info (key, value) VALUES (?, ?)", (HEAD_KEY, value)
        )


def _verify_chain(batch: int) -> Verdict:
    prev_hash = GENESIS
    checked = 0
    last_id = 0
    while True:
        rows = list(
            AuditRecord.select()
            .where(AuditRecord.id > last_id)
            .order_by(AuditRecord.id)
            .limit(batch)
        )
        for row in rows:
            if row.prev_hash != prev_hash:
                return Verdict(
                    False,
                    checked,
                    row.id,
                    _(
                        "it does not follow the record before it (a record before it was "
                        "deleted, changed or moved)."
                    ),
                )
            if compute_hash(row) != row.hash:
                return Verdict(
                    False, checked, row.id, _("its contents were changed after it was written.")
                )
            prev_hash, last_id = row.hash, row.id
            checked += 1
        if len(rows) < batch:
            break
    head_hash, head_id = _head()
    if head_hash != prev_hash:
        missing_from = last_id + 1 if head_id > last_id else head_id
        return Verdict(
            False,
            checked,
            missing_from,
            _(
                "the trail ends early: the newest record should be {head}, but the last one "
                "found is {last} (records were cut off the end)."
            ).format(head=head_id, last=last_id or _("none")),
        )
    return Verdict(True, checked)


def history(
    *,
    username: str = "",
    table: str = "",
    record_id: str = "",
    since: dt.date | None = None,
    until: dt.date | None = None,
    limit: int = 500,
    offset: int = 0,
    before_id: int | None = None,
    actor: StaffUser | None,
) -> list[AuditRecord]:
    """Audit records, newest first, filtered by user, record and date (the viewer, the CLI);
    `before_id` continues a page: only records older than that one."""

    permissions.require(actor, permissions.AUDIT_VIEW)
    query = AuditRecord.select()
    if username:
        query = query.where(AuditRecord.username == username.strip().lower())
    if table:
        query = query.where(AuditRecord.table_name == table)
    if record_id:
        query = query.where(AuditRecord.record_id == str(record_id))
    if before_id is not None:
        query = query.where(AuditRecord.id < before_id)
    if since is not None:
        query = query.where(AuditRecord.at >= dt.datetime.combine(since, dt.time()))
    if until is not None:
        query = query.where(
            AuditRecord.at < dt.datetime.combine(until + dt.timedelta(days=1), dt.time())
        )
    return list(query.order_by(AuditRecord.id.desc()).limit(limit).offset(offset))
