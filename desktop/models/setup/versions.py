"""What opening a town asks of its schema on every start, without loading the migrations.

The schema version this app writes, the version a database says it has, and whether its search
indexes and triggers are all there. A town that is up to date (every open but the first after an
upgrade) needs nothing more; migrations.py, with the steps and everything they import (the
knowledge base, the seed content, the search indexes), loads only when there is work to do.
"""

from __future__ import annotations

import peewee

from desktop.i18n import _
from desktop.models.errors import NotADatabase
from desktop.models.storage import rollups
from desktop.models.storage.schema import SchemaInfo

#: raised with each new step in migrations.py (tests/test_migrations.py checks they agree)
LATEST_VERSION = 13

#: what `_create_virtual_tables` makes on SQLite (tests/test_migrations.py keeps this list true)
DERIVED_OBJECTS = frozenset(
    ["faq_fts", "request_text", "faq_fts_delete", "faq_fts_insert", "faq_fts_update"]
    + [
        f"request_text_{name}"
        for name in ("contact", "delete", "insert", "note", "note_gone", "type", "update")
    ]
    + [
        f"config_{table}_{event}"
        for table in (
            "business_hours",
            "department",
            "holiday",
            "routing_rule",
            "service_attribute",
            "service_type",
            "setting",
            "staff_user",
        )
        for event in ("insert", "update", "delete")
    ]
    + sorted(rollups.DERIVED)
)


def virtual_tables_present(db: peewee.Database) -> bool:
    """Whether every search index and trigger is there already: the usual open, which then
    needs neither the write lock nor the search modules (a faster start)."""
    if not isinstance(db, peewee.SqliteDatabase):
        return False  # PostgreSQL's are made with its tables; the check there is cheap anyway
    names = {
        row[0]
        for row in db.execute_sql(  # type: ignore[no-untyped-call]
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger', 'index')"
        )
    }
    return names >= DERIVED_OBJECTS


def schema_version(db: peewee.Database) -> int | None:
    """The database's schema version; None for an empty database."""
    tables = set(db.get_tables())
    if not tables:
        return None
    if SchemaInfo._meta.table_name not in tables:
        raise NotADatabase(
            _("This file is a database, but not a Front Counter database. Nothing was changed.")
        )
    row = SchemaInfo.get_or_none(SchemaInfo.key == "schema_version")
    if row is None:
        raise NotADatabase(_("This Front Counter database has no schema version; it is damaged."))
    return int(row.value)


def schema_ready(db: peewee.Database, version: int | None, *, read_only: bool) -> bool:
    """Whether a database at `version` (its `schema_version`) needs nothing from the
    migrations: at this app's version and (where it can be written) with every search index
    and trigger in place. False for an empty, an older or a newer database:
    `migrations.ensure_schema` creates, upgrades or refuses it."""
    return version == LATEST_VERSION and (read_only or virtual_tables_present(db))
