"""Moving a town from its SQLite file to a PostgreSQL server (`frontcounter migrate-to URL`).

Every table is copied in one PostgreSQL transaction (a failure leaves the server as it was), then
each table's row count and a checksum of its rows are compared on both sides. The checksum is
order-free (each row hashed alone, the hashes sorted), because the two databases may sort text
differently. The search indexes are not copied: they are SQLite's FTS5 tables and PostgreSQL
searches without them. Afterwards the file is marked as moved, and opens read-only from then on,
so no clerk keeps saving where nobody else will see it.
"""

from __future__ import annotations

import hashlib
import io
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import peewee

from desktop.i18n import _
from desktop.models.errors import DatabaseError, InputError, known_db_errors
from desktop.models.setup.opening import open_database
from desktop.models.staff import permissions
from desktop.models.storage import db as dbmod
from desktop.models.storage import sessions
from desktop.models.storage.db import MOVED_TO_KEY as MOVED_TO_KEY
from desktop.models.storage.schema import (
    MODELS,
    BaseModel,
    DbSession,
    SchemaInfo,
    StaffUser,
    database,
)
from desktop.models.storage.secret_store import database_password

log = logging.getLogger("frontcounter.pg_migrate")

#: rows read from the file and sent to the server at a time
PAGE = 20_000


@dataclass
class TableReport:
    table: str
    source_rows: int
    target_rows: int
    source_checksum: str
    target_checksum: str

    @property
    def ok(self) -> bool:
        return self.source_rows == self.target_rows and self.source_checksum == self.target_checksum


@dataclass
class MigrationReport:
    source: str
    target: str
    tables: list[TableReport] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(table.ok for table in self.tables)

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "target": self.target,
            "ok": self.ok,
            "tables": [
                {
                    "table": t.table,
                    "source_rows": t.source_rows,
                    "target_rows": t.target_rows,
                    "checksum": t.source_checksum,
                    "ok": t.ok,
                }
                for t in self.tables
            ],
        }


@contextmanager
def _bound(db: peewee.Database) -> Iterator[None]:
    previous = database.obj
    database.initialize(db)
    try:
        yield
    finally:
        database.initialize(previous)


def _copied_models() -> list[type[BaseModel]]:
    ordered = peewee.sort_models(list(MODELS))  # type: ignore[attr-defined]
    return [model for model in ordered if model is not DbSession]


#: column kinds whose text the server writes in its own form: read back, each is put in the
#: form the copy sent before the rows are compared
_DATETIME, _DOUBLE, _BOOLEAN, _BLOB, _PLAIN = range(5)
_ESCAPES = str.maketrans({"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"})
NULL = "\\N"


def _kind(field: peewee.Field) -> int:
    if isinstance(field, peewee.DateTimeField):
        return _DATETIME
    if isinstance(field, peewee.FloatField):  # DoubleField too
        return _DOUBLE
    if isinstance(field, peewee.BooleanField):
        return _BOOLEAN
    if isinstance(field, peewee.BlobField):
        return _BLOB
    return _PLAIN


def _moment(text: str) -> str:
    """A stored moment as the server writes a timestamp: "2026-12-05 09:30:00", its fraction
    of a second without trailing zeros (none when whole)."""
    whole, _dot, fraction = text.replace("T", " ", 1).partition(".")
    fraction = fraction.rstrip("0")
    return f"{whole}.{fraction}" if fraction else whole


def _number(value: Any) -> str:
    number = float(value)
    if number != number:
        return "NaN"
    if number in (float("inf"), float("-inf")):
        return "Infinity" if number > 0 else "-Infinity"
    text = repr(number)
    return text[:-2] if text.endswith(".0") else text


def _from_file(kind: int, value: Any) -> str:
    """One value of the file as a field of COPY's text format, in the server's own form."""
    if value is None:
        return NULL
    if kind == _DATETIME:
        return _moment(str(value))
    if kind == _DOUBLE:
        return _number(value)
    if kind == _BOOLEAN:
        return "t" if value else "f"
    if kind == _BLOB:
        return "\\\\x" + bytes(value).hex()
    if isinstance(value, str):
        return value.translate(_ESCAPES)
    return str(value)


def _from_server(kind: int, text: str) -> str:
    """One field of the server's COPY output, in the form `_from_file` gives."""
    if text == NULL:
        return text
    if kind == _DATETIME:
        return _moment(text)
    if kind == _DOUBLE:
        return _number(text)
    return text


class _Sum:
    """A table's row count and a checksum of its rows that does not depend on their order
    (the two databases may sort text differently): each row's line hashed alone, the hashes
    added up."""

    def __init__(self) -> None:
        self.rows = 0
        self.total = 0

    def add(self, line: str) -> None:
        self.rows += 1
        digest = hashlib.blake2b(line.encode(), digest_size=16).digest()
        self.total = (self.total + int.from_bytes(digest, "big")) % (1 << 128)

    @property
    def hex(self) -> str:
        return f"{self.total:032x}"


def _columns(model: type[BaseModel]) -> tuple[list[peewee.Field], str]:
    fields = list(model._meta.sorted_fields)
    return fields, ", ".join(f'"{field.column_name}"' for field in fields)


def table_checksum(model: type[BaseModel]) -> tuple[int, str]:
    """(row count, checksum) of `model`'s table in the bound PostgreSQL database, read through
    COPY: the same checksum the copy computed of the file's rows."""
    fields, columns = _columns(model)
    kinds = [_kind(field) for field in fields]
    total = _Sum()
    cursor = database.obj.cursor()
    buffer = io.StringIO()
    # names from the model's own definition, never from outside
    statement = f'COPY "{model._meta.table_name}" ({columns}) TO STDOUT'
    with peewee.__exception_wrapper__:  # type: ignore[attr-defined]
        cursor.copy_expert(statement, buffer)
    buffer.seek(0)
    for line in buffer:
        parts = line.rstrip("\n").split("\t")
        total.add("\t".join(_from_server(k, part) for k, part in zip(kinds, parts, strict=True)))
    return total.rows, total.hex


def _self_references(model: type[BaseModel]) -> list[peewee.ForeignKeyField]:
    return [ref for ref in model._meta.refs if ref.rel_model is model]


def copy_database(
    source: peewee.Database, target: peewee.Database, target_name: str
) -> dict[str, tuple[int, str]]:
    """Create the schema on `target` and copy every table from `source`, in one transaction;
    the (row count, checksum) of each table as read from the file."""

    with known_db_errors(), _bound(target):
        if target.get_tables():
            raise InputError(
                _(
                    "The PostgreSQL database {name} is not empty; nothing was copied. Create a "
                    "new, empty database for the town and try again."
                ).format(name=target_name)
            )
        sums = {}
        with target.atomic():
            models = peewee.sort_models(list(MODELS))  # type: ignore[attr-defined]
            for model in models:  # the tables bare: the indexes are built once, after
                model._schema.create_table(safe=False)
            for model in _copied_models():
                sums[model._meta.table_name] = _copy_table(model, source, target)
            for model in models:
                model._schema.create_indexes(safe=True)  # a name listed twice is made once
            dbmod.reset_sequences(
                [m for m in MODELS if isinstance(m._meta.primary_key, peewee.AutoField)]
            )
        return sums


def _copy_table(
    model: type[BaseModel], source: peewee.Database, target: peewee.Database
) -> tuple[int, str]:
    """The table's rows from the file into the server with COPY, PAGE rows at a time (memory
    stays flat); their (count, checksum) as they were in the file."""
    fields, columns = _columns(model)
    kinds = [_kind(field) for field in fields]
    primary: Any = model._meta.primary_key
    key_at = fields.index(primary)
    self_refs = [fields.index(ref) for ref in _self_references(model)]
    table = model._meta.table_name
    later: list[tuple[Any, dict[peewee.Field, Any]]] = []
    seen: set[Any] = set()
    total = _Sum()
    # names from the model's own definition, never from outside
    rows = dbmod.execute(source, f'SELECT {columns} FROM "{table}"')  # noqa: S608
    cursor = target.cursor()  # type: ignore[no-untyped-call]
    statement = f'COPY "{table}" ({columns}) FROM STDIN'
    while True:
        page = rows.fetchmany(PAGE)
        if not page:
            break
        lines = []
        for row in page:
            fields_text = [_from_file(kind, value) for kind, value in zip(kinds, row, strict=True)]
            total.add("\t".join(fields_text))
            if self_refs:
                key = row[key_at]
                seen.add(key)
                ahead = [at for at in self_refs if row[at] is not None and row[at] not in seen]
                if ahead:  # the row it points to comes later: the link is set afterwards
                    later.append((key, {fields[at]: row[at] for at in ahead}))
                    for at in ahead:
                        fields_text[at] = NULL
            lines.append("\t".join(fields_text))
        with peewee.__exception_wrapper__:  # type: ignore[attr-defined]
            cursor.copy_expert(statement, io.StringIO("\n".join(lines) + "\n"))
    with _bound(target):
        for row_key, pointed in later:
            model.update(pointed).where(primary == row_key).execute()
    log.info("copied %s (%d rows)", table, total.rows)
    return total.rows, total.hex


def verify(target: peewee.Database, copied: dict[str, tuple[int, str]]) -> list[TableReport]:
    """Each table on the server read back once and compared with what was read from the file."""
    reports = []
    with _bound(target):
        for model in _copied_models():
            table = model._meta.table_name
            source_rows, source_sum = copied[table]
            target_rows, target_sum = table_checksum(model)
            reports.append(TableReport(table, source_rows, target_rows, source_sum, target_sum))
    return reports


def migrate_to_postgres(
    source_path: Path, url: str, password: str | None, *, actor: StaffUser | None
) -> MigrationReport:
    """Copy the town's SQLite file at `source_path` to the empty PostgreSQL database at `url`
    (an administrator's action, checked against the file)."""

    opened = open_database(source_path, create=False)
    try:
        permissions.require(actor, permissions.BACKUP_MANAGE)
        sessions.require_exclusive(_("move the database"))
        if password is None:
            password = database_password(url)
        target, shown = dbmod.postgres_database(url, password)
        with known_db_errors():
            target.connect()
        try:
            # one read transaction on the file: the copy and its check see the same rows
            with known_db_errors(), opened.db.atomic():
                copied = copy_database(opened.db, target, shown)
                report = MigrationReport(str(source_path), shown, verify(target, copied))
            if not report.ok:
                raise DatabaseError(
                    _(
                        "The copy on the server does not match the file ({tables}); keep using "
                        "the file and report this."
                    ).format(tables=", ".join(t.table for t in report.tables if not t.ok))
                )
        finally:
            target.close()
        if not opened.read_only:
            dbmod.write(
                lambda: (
                    SchemaInfo.insert(key=MOVED_TO_KEY, value=shown).on_conflict_replace().execute()
                )
            )
    finally:
        dbmod.close_database(opened)
    log.info("moved %s to %s", source_path, shown)
    return report
