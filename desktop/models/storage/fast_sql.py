"""The statements of a save, with their SQL built once.

peewee builds a statement's SQL afresh every time it runs: a few tenths of a millisecond each.
A save runs a dozen statements inside the write lock, and with 8 clerks saving at once each of
them waits for the other seven's locks: that building was a third of the time the lock was held.
So the INSERTs of a save keep their SQL per table and set of columns, and the few other
statements are written out here once, valid on SQLite and PostgreSQL alike. Everything else
stays with peewee's query builder.
"""

from __future__ import annotations

from typing import Any, TypeVar

import peewee

from desktop.models.storage.schema import BaseModel, database

M = TypeVar("M", bound=BaseModel)

_inserts: dict[tuple[type[BaseModel], tuple[str, ...], bool, bool], str] = {}


def _is_postgres() -> bool:
    return isinstance(database.obj, peewee.PostgresqlDatabase)


def _sql(statement: str) -> str:
    """A statement written with `?` in the open database's parameter style."""
    return statement.replace("?", "%s") if _is_postgres() else statement


def create(model: type[M], **values: Any) -> M:
    """`model.create(**values)`: defaults filled in the same way, the row's id set after."""
    return insert(model(**values))


def insert(row: M) -> M:
    """`row.save(force_insert=True)` for a new row; its id is set after."""
    model = type(row)
    meta = model._meta
    data = row.__data__
    pk = meta.primary_key
    assert isinstance(pk, peewee.Field)  # every model here has one
    names = tuple(n for n in data if n in meta.fields and not (n == pk.name and data[n] is None))
    postgres = _is_postgres()
    sql = _insert_sql(model, names, returning=postgres and pk.name not in names)
    params = [meta.fields[n].db_value(data[n]) for n in names]
    cursor = database.execute_sql(sql, params)
    if pk.name not in names:
        new_id = cursor.fetchone()[0] if postgres else cursor.lastrowid
        setattr(row, pk.name, new_id)
    row._dirty.clear()  # type: ignore[attr-defined]
    return row


def _insert_sql(model: type[BaseModel], names: tuple[str, ...], *, returning: bool) -> str:
    """The INSERT of these columns, built once per table, columns and database kind."""
    postgres = _is_postgres()
    key = (model, names, postgres, returning)
    sql = _inserts.get(key)
    if sql is None:
        meta = model._meta
        columns = ", ".join(f'"{meta.fields[n].column_name}"' for n in names)
        marks = ", ".join(["%s" if postgres else "?"] * len(names))
        # names from the model's own definition, never from outside; values are parameters
        sql = f'INSERT INTO "{meta.table_name}" ({columns}) VALUES ({marks})'  # noqa: S608
        if returning:
            pk = meta.primary_key
            assert isinstance(pk, peewee.Field)
            sql += f' RETURNING "{pk.column_name}"'
        _inserts[key] = sql
    return sql


def execute(statement: str, params: tuple[Any, ...] | list[Any] = ()) -> Any:
    """Run one of this module's statements (written with `?`); the cursor."""
    return database.execute_sql(_sql(statement), params)


def execute_many(statement: str, rows: list[tuple[Any, ...]]) -> None:
    """The same statement for several rows, in one call to the driver."""
    with peewee.__exception_wrapper__:  # type: ignore[attr-defined]  # the driver's errors as peewee's, as execute_sql does
        database.cursor().executemany(_sql(statement), rows)


def insert_many(model: type[BaseModel], rows: list[dict[str, Any]]) -> None:
    """Many new rows of one table, each a dict of the same field names, in one call to the
    driver; a field left out gets its default (a callable one is called once for them all).
    peewee's `insert_many` builds every row's SQL in Python: five times slower for an import
    of a hundred thousand requests."""
    if not rows:
        return
    meta = model._meta
    given = tuple(rows[0])
    pk = meta.primary_key
    defaults = {
        f.name: f.default() if callable(f.default) else f.default
        for f in meta.sorted_fields
        if f.name not in given and f is not pk and f.default is not None
    }
    names = given + tuple(defaults)
    sql = _insert_sql(model, names, returning=False)
    fields = [meta.fields[n] for n in names]
    if defaults:
        rows = [row | defaults for row in rows]
    params = [tuple(f.db_value(row[f.name]) for f in fields) for row in rows]
    with peewee.__exception_wrapper__:  # type: ignore[attr-defined]  # the driver's errors as peewee's
        database.cursor().executemany(sql, params)
