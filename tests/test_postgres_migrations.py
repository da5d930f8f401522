"""Migrations on PostgreSQL: a town's server at every earlier schema version upgrades to the
schema a new town gets, with its records.

Each older server is built from the dump of that version (tests/fixtures/schema/vN.sql, the
same dumps the SQLite migration tests start from): the tables of today's models, less the
tables, columns and indexes the dump does not have, plus the indexes it has that are gone now,
and then every row of the dump. A type that a step changes would not show here (it starts from
today's type); none of the steps so far changes one.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import peewee
import pytest

from desktop.models.setup import migrations
from desktop.models.setup.opening import open_database
from desktop.models.storage.db import close_database, reset_sequences
from desktop.models.storage.schema import MODELS, ServiceRequest

pytestmark = pytest.mark.postgresql

FIXTURES = Path(__file__).parent / "fixtures" / "schema"
MODEL_OF = {model._meta.table_name: model for model in MODELS}


def _dump(fixture: Path, tmp_path: Path) -> sqlite3.Connection:
    path = tmp_path / f"{fixture.stem}.db"
    raw = sqlite3.connect(path)
    raw.executescript(fixture.read_text(encoding="utf-8"))
    return raw


def _dump_shape(raw: sqlite3.Connection) -> tuple[dict[str, list[str]], dict[str, str]]:
    """The dump's tables with their columns, and its indexes with the SQL that made them."""
    tables = [
        row[0]
        for row in raw.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    columns = {t: [r[1] for r in raw.execute(f"PRAGMA table_info('{t}')")] for t in tables}
    indexes = dict(
        raw.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        ).fetchall()
    )
    return columns, indexes


def _sql(db: peewee.Database, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    cursor = db.execute_sql(sql, params)
    return list(cursor.fetchall()) if cursor.description else []


def _indexes(db: peewee.Database) -> dict[str, str]:
    """Index name -> its definition, less the primary keys' (those come with the tables)."""
    return dict(
        _sql(
            db,
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' "
            "AND indexname NOT LIKE '%%\\_pkey'",
        )
    )


def _build_old_server(url: str, raw: sqlite3.Connection) -> int:
    """The server as it was at the dump's version, holding the dump's rows; its version."""
    columns, dump_indexes = _dump_shape(raw)
    opened = open_database(url, migrate=False)
    db = opened.db
    try:
        with db.atomic():
            db.create_tables(MODELS)
            for table in set(MODEL_OF) - set(columns):
                db.execute_sql(f'DROP TABLE "{table}" CASCADE')
            for table, names in columns.items():
                model = MODEL_OF[table]  # a dump's table that no model knows: a step to write
                now = {field.column_name for field in model._meta.sorted_fields}
                assert set(names) <= now, f"{table}: columns a step would have to drop"
                for column in now - set(names):
                    db.execute_sql(f'ALTER TABLE "{table}" DROP COLUMN "{column}"')
            for name in set(_indexes(db)) - set(dump_indexes):
                db.execute_sql(f'DROP INDEX "{name}"')
            for name in set(dump_indexes) - set(_indexes(db)):
                db.execute_sql(dump_indexes[name])  # plain CREATE INDEX, as SQLite keeps it
            # the rows go in as the dump has them, in any order: foreign keys are not checked
            # while they do (a superuser's session setting, for this transaction only)
            db.execute_sql("SET LOCAL session_replication_role = replica")
            for table, names in columns.items():
                _copy_rows(db, raw, MODEL_OF[table], names)
            reset_sequences(
                [
                    MODEL_OF[t]
                    for t in columns
                    if isinstance(MODEL_OF[t]._meta.primary_key, peewee.AutoField)
                ]
            )
        return int(migrations.schema_version(db) or 0)
    finally:
        close_database(opened)


def _copy_rows(
    db: peewee.Database, raw: sqlite3.Connection, model: type[peewee.Model], names: list[str]
) -> None:
    fields = {field.column_name: field for field in model._meta.sorted_fields}
    listed = ", ".join(f'"{name}"' for name in names)
    rows = raw.execute(f'SELECT {listed} FROM "{model._meta.table_name}"').fetchall()  # noqa: S608
    if not rows:
        return
    marks = ", ".join(["%s"] * len(names))
    statement = f'INSERT INTO "{model._meta.table_name}" ({listed}) VALUES ({marks})'  # noqa: S608
    values = [
        tuple(
            None if value is None else fields[name].db_value(fields[name].python_value(value))
            for name, value in zip(names, row, strict=True)
        )
        for row in rows
    ]
    cursor = db.cursor()
    cursor.executemany(statement, values)


def _shape(url: str) -> dict[str, set[str]]:
    """Tables with their columns (type, null or not, default), indexes and constraints."""
    opened = open_database(url, migrate=False)
    db = opened.db
    try:
        shape: dict[str, set[str]] = {}
        for table, column, kind, nullable, default in _sql(
            db,
            "SELECT table_name, column_name, data_type, is_nullable, column_default "
            "FROM information_schema.columns WHERE table_schema = 'public'",
        ):
            shape.setdefault(table, set()).add(f"{column}:{kind}:{nullable}:{default}")
        for table, definition in _sql(
            db,
            "SELECT conrelid::regclass::text, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE connamespace = 'public'::regnamespace",
        ):  # by what they say, not their names (an added column's constraint is named anew)
            shape.setdefault(table.strip('"'), set()).add(f"constraint:{definition}")
        for _name, definition in _indexes(db).items():
            shape.setdefault("(indexes)", set()).add(definition)
        return shape
    finally:
        close_database(opened)


def _differences(
    migrated: dict[str, set[str]], fresh: dict[str, set[str]]
) -> dict[str, dict[str, list[str]]]:
    """Per table: what the upgraded server lacks, and what it has that a new one does not."""
    return {
        table: {
            "missing": sorted(fresh.get(table, set()) - migrated.get(table, set())),
            "left over": sorted(migrated.get(table, set()) - fresh.get(table, set())),
        }
        for table in set(migrated) | set(fresh)
        if migrated.get(table) != fresh.get(table)
    }


def _counts(url: str, tables: list[str]) -> dict[str, int]:
    opened = open_database(url, migrate=False)
    try:
        return {
            t: int(_sql(opened.db, f'SELECT count(*) FROM "{t}"')[0][0])  # noqa: S608
            for t in tables
        }
    finally:
        close_database(opened)


#: the town's own records: a step may add starter content, never lose or add any of these
RECORDS = [
    "service_request",
    "contact",
    "contact_method",
    "request_event",
    "request_answer",
    "request_follower",
    "attachment",
    "info_contact",
    "staff_user",
]


@pytest.mark.parametrize("fixture", sorted(FIXTURES.glob("v*.sql")), ids=lambda p: p.stem)
def test_each_earlier_version_migrates_on_postgresql_to_the_fresh_schema(
    fixture: Path, tmp_path: Path, pg_server, pg_database: str
):
    raw = _dump(fixture, tmp_path)
    try:
        version = _build_old_server(pg_database, raw)
        assert version == int(fixture.stem[1:])
        dump_tables = {r[0] for r in raw.execute("SELECT name FROM sqlite_master")}
        records = [t for t in RECORDS if t in dump_tables]
        before = {t: raw.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in records}  # noqa: S608
        descriptions = dict(raw.execute("SELECT id, description FROM service_request"))
    finally:
        raw.close()
    assert before["service_request"] > 0
    opened = open_database(pg_database)  # the upgrade, step by step, as a workstation runs it
    try:
        assert migrations.schema_version(opened.db) == migrations.LATEST_VERSION
        after = {r.id: r.description for r in ServiceRequest.select()}
        assert after == descriptions  # the town's requests came through, word for word
    finally:
        close_database(opened)
    assert _counts(pg_database, records) == before
    fresh = pg_server.url_of(pg_server.create())
    try:
        close_database(open_database(fresh))
        assert _differences(_shape(pg_database), _shape(fresh)) == {}
    finally:
        pg_server.drop(fresh.rsplit("/", 1)[1])
    reopened = open_database(pg_database)  # and a second open has nothing left to do
    close_database(reopened)
