"""Moving a town from its SQLite file to a PostgreSQL server (`frontcounter migrate-to URL`).

Every table is copied in one PostgreSQL transaction (a failure leaves the server as it was), then
each table's row count and a checksum of its rows are compared on both sides. The checksum is
order-free (each row hashed alone, the hashes sorted), because the two databases may sort text
differently. The search indexes are not copied: they are SQLite's FTS5 tables and PostgreSQL
searches without them. Afterwards the file is marked as moved, and opens read-only from then on,
so no clerk keeps saving where nobody else will see it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
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

PAGE = 2000


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


def _pages(model: type[BaseModel]) -> Iterator[list[dict[str, Any]]]:
    """The table's rows in primary-key order, a page at a time, from the bound database.

    Each page starts after the last key of the one before (never OFFSET, which reads every
    row it skips: a million-row table would be read a thousand times over)."""
    key: Any = model._meta.primary_key
    page = _page_after(model, None)
    while page:
        yield page
        page = _page_after(model, page[-1][key.name])


def _page_after(model: type[BaseModel], after: Any) -> list[dict[str, Any]]:
    key: Any = model._meta.primary_key
    query: Any = model.select().order_by(key).dicts()
    if after is not None:
        query = query.where(key > after)
    return list(query.limit(PAGE))


def _canonical(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, bytes | memoryview | bytearray):
        return hashlib.sha256(bytes(value)).hexdigest()
    if isinstance(value, bool):
        return int(value)
    return value


def table_checksum(model: type[BaseModel]) -> tuple[int, str]:
    """(row count, checksum) of `model`'s table in the bound database, independent of order."""
    hashes: list[str] = []
    for rows in _pages(model):
        for row in rows:
            text = json.dumps(
                {name: _canonical(value) for name, value in row.items()},
                sort_keys=True,
                ensure_ascii=False,
                default=str,
            )
            hashes.append(hashlib.sha256(text.encode()).hexdigest())
    hashes.sort()
    return len(hashes), hashlib.sha256("".join(hashes).encode()).hexdigest()


def _self_references(model: type[BaseModel]) -> list[peewee.ForeignKeyField]:
    return [ref for ref in model._meta.refs if ref.rel_model is model]


def copy_database(source: peewee.Database, target: peewee.Database, target_name: str) -> None:
    """Create the schema on `target` and copy every table from `source`, in one transaction."""

    with known_db_errors(), _bound(target):
        if target.get_tables():
            raise InputError(
                _(
                    "The PostgreSQL database {name} is not empty; nothing was copied. Create a "
                    "new, empty database for the town and try again."
                ).format(name=target_name)
            )
        with target.atomic():
            target.create_tables(list(MODELS))
            for model in _copied_models():
                _copy_table(model, source, target)
            dbmod.reset_sequences(
                [m for m in MODELS if isinstance(m._meta.primary_key, peewee.AutoField)]
            )


def _copy_table(model: type[BaseModel], source: peewee.Database, target: peewee.Database) -> None:
    self_refs = _self_references(model)
    later: list[tuple[Any, dict[str, Any]]] = []
    primary: Any = model._meta.primary_key
    key = primary.name
    last: Any = None
    while True:  # a page read from the file, then written to the server: memory stays flat
        with _bound(source):
            rows = _page_after(model, last)
        if not rows:
            break
        last = rows[-1][key]
        for row in rows:
            pointed = {ref.name: row[ref.name] for ref in self_refs if row[ref.name] is not None}
            if pointed:  # the row it points to may come later: set the link afterwards
                later.append((row[key], pointed))
                row.update(dict.fromkeys(pointed))
        _insert_rows(target, model, rows)
    with _bound(target):
        for row_key, pointed in later:
            model.update(**pointed).where(model._meta.primary_key == row_key).execute()
    log.info("copied %s", model._meta.table_name)


def _insert_rows(
    target: peewee.Database, model: type[BaseModel], rows: list[dict[str, Any]]
) -> None:
    """A page of rows into the server in one statement (psycopg2's execute_values).

    peewee's insert_many built the SQL of a 2,000-row page in half a second, two thirds of the
    whole move; the statement here is the same for every page, and only the values change."""
    from psycopg2.extras import execute_values

    fields = model._meta.sorted_fields
    columns = ", ".join(f'"{field.column_name}"' for field in fields)
    # names from the model's own definition, never from outside; the values are parameters
    statement = f'INSERT INTO "{model._meta.table_name}" ({columns}) VALUES %s'  # noqa: S608
    values = [tuple(field.db_value(row[field.name]) for field in fields) for row in rows]
    with peewee.__exception_wrapper__:  # type: ignore[attr-defined]
        cursor = target.cursor()  # type: ignore[no-untyped-call]
        execute_values(cursor, statement, values, page_size=len(values))


def verify(source: peewee.Database, target: peewee.Database) -> list[TableReport]:
    reports = []
    for model in _copied_models():
        with _bound(source):
            source_rows, source_sum = table_checksum(model)
        with _bound(target):
            target_rows, target_sum = table_checksum(model)
        reports.append(
            TableReport(model._meta.table_name, source_rows, target_rows, source_sum, target_sum)
        )
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
                copy_database(opened.db, target, shown)
                report = MigrationReport(str(source_path), shown, verify(opened.db, target))
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
