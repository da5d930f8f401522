"""The schema version kept in the database, and the forward migrations that bring it up to date.

A new database gets the current schema directly. An older one runs each step after its version in
order, each in its own write transaction. A database newer than this app is refused: an old app
must never write into a schema it does not know.

To change the schema: change the models in schema.py, add a step `_to_N` below that brings version
N-1 to N (with playhouse.migrate, which speaks both SQLite and PostgreSQL), raise LATEST_VERSION in
versions.py (which every open reads without loading this module), and add a dump of version N-1 to
tests/fixtures/schema/ (`python -m tests.fixtures.dump_schema`).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

import peewee

from desktop import __version__
from desktop.i18n import _
from desktop.models import clock
from desktop.models.catalog.translations import add_starter_translations
from desktop.models.errors import DatabaseReadOnly, DatabaseTooNew
from desktop.models.knowledge import articles as knowledge
from desktop.models.knowledge import search as kb_search
from desktop.models.knowledge.articles import add_missing_starter_synonyms_and_scripts
from desktop.models.requests import search as request_search
from desktop.models.setup import seed
from desktop.models.setup.versions import DERIVED_OBJECTS as DERIVED_OBJECTS
from desktop.models.setup.versions import LATEST_VERSION as LATEST_VERSION
from desktop.models.setup.versions import schema_version as schema_version
from desktop.models.setup.versions import virtual_tables_present
from desktop.models.storage import config_cache, rollups
from desktop.models.storage import db as dbmod
from desktop.models.storage.schema import (
    ADDED_IN_V2,
    ADDED_IN_V3,
    MODELS,
    AddressPoint,
    CallScript,
    Contact,
    Department,
    FaqArticle,
    ImportBatch,
    ImportedRow,
    ImportProfile,
    InfoContact,
    NamedPlace,
    OutboxMessage,
    PartnerKey,
    RequestFollower,
    RequestLink,
    RoutingRule,
    SchemaInfo,
    ServiceAttribute,
    ServiceRequest,
    ServiceType,
    StreetSegment,
    WebSubmission,
)
from desktop.models.town.addresses import normalize_address

if TYPE_CHECKING:
    from desktop.models.storage.db import OpenedDatabase

log = logging.getLogger("frontcounter.migrations")


def _to_2(db: peewee.Database) -> None:
    """Version 2: routing rules, saved views (and the tables listed in ADDED_IN_V2)."""

    db.create_tables(ADDED_IN_V2, safe=True)
    for column_step in V2_COLUMNS:
        column_step(db)
    _create_virtual_tables(db)


def _create_virtual_tables(db: peewee.Database) -> None:
    """The derived tables that are not peewee models: the search indexes (FTS5 tables and
    their triggers) and the Dashboard's running totals.

    They are derived data, so every open for writing creates (and fills) any that are missing;
    tests/fixtures/dump_schema leaves them out of its dumps.
    """

    request_search.create_search_tables(db)
    kb_search.create_search_tables(db)
    config_cache.create_triggers(db)
    rollups.create_rollups(db)


def _v2_faq_article_columns(db: peewee.Database) -> None:
    """Knowledge base: an article's owner, review-by date and the request it came from; and the
    starter knowledge base for a town that had none."""

    knowledge.add_v2_article_columns(db)
    _v12_columns(db)  # the articles are written with today's model, which has them
    knowledge.seed_starter_knowledge(only_if_empty=True)


#: further changes of version 2 to tables that already existed (each one a function of the db)
V2_COLUMNS: list[Callable[[peewee.Database], None]] = [_v2_faq_article_columns]


def _to_3(db: peewee.Database) -> None:
    """Version 3: open sessions, sign-in tokens, the audit trail and the dashboard's goals (the
    tables in ADDED_IN_V3), and an index on when requests were resolved."""

    db.create_tables(ADDED_IN_V3, safe=True)
    ServiceRequest._schema.create_indexes(safe=True)  # type: ignore[attr-defined]  # resolved_at
    db.execute_sql("DROP INDEX IF EXISTS info_contact_at")  # type: ignore[no-untyped-call]
    InfoContact._schema.create_indexes(safe=True)  # type: ignore[attr-defined]  # (at, article)


def _to_4(db: peewee.Database) -> None:
    """Version 4: the requests' search index leaves confidential reporters' names out (made
    anew, filled, by the step that follows every migration); addresses and routing rules'
    streets in the form that knows ranges, halves, "Route"/"Saint"/"Mount" and flat numbers
    after a comma; the starter's newer synonyms and call scripts the town lacks."""

    request_search.reindex_confidential(db)
    _renormalize_addresses()
    _v12_columns(db)  # the call scripts are written with today's model, which has them
    add_missing_starter_synonyms_and_scripts()


#: what an address must hold for version 4's rules to read it differently (the rest, nearly
#: all of a town's, need not be read one by one: a million addresses take half a minute)
_V4_CHANGED = (",", "#", "-", "–", "/", "½", "¼", "¾", " apt", " unit", " suite", " ste")
_V4_CHANGED_WORDS = ("route", " rt", "saint", "mount", "fort")


def _renormalize_addresses(batch: int = 5000) -> None:
    """Store each request's address again in today's canonical form (only where it differs)."""

    maybe = ServiceRequest.house_number > 999_999
    for piece in (*_V4_CHANGED, *_V4_CHANGED_WORDS):
        maybe |= ServiceRequest.address.contains(piece)
    last = 0
    while True:
        rows: list[tuple[int, str, str, str, int | None]] = list(
            ServiceRequest.select(
                ServiceRequest.id,
                ServiceRequest.address,
                ServiceRequest.address_normalized,
                ServiceRequest.street,
                ServiceRequest.house_number,
            )
            .where(ServiceRequest.id > last, maybe)
            .order_by(ServiceRequest.id)
            .limit(batch)
            .tuples()  # type: ignore[arg-type]  # .tuples() rows
        )
        for request_id, address, normalized, street, house in rows:
            now = normalize_address(address or "")
            if (now.normalized, now.street, now.house_number) != (normalized, street, house):
                ServiceRequest.update(
                    address_normalized=now.normalized,
                    street=now.street,
                    house_number=now.house_number,
                ).where(ServiceRequest.id == request_id).execute()
        if len(rows) < batch:
            break
        last = rows[-1][0]
    for rule in RoutingRule.select().where(RoutingRule.street != ""):
        street = normalize_address(f"1 {rule.street}").street
        if street and street != rule.street:
            RoutingRule.update(street=street).where(RoutingRule.id == rule.id).execute()


def _to_5(db: peewee.Database) -> None:
    """Version 5: the requests' search index with prefixes of 2 to 6 letters (it had 2 and 3),
    so a search stays quick while a longer word is typed; made anew and filled (about a minute
    for a million requests)."""

    request_search.remake_index(db)


def _to_6(db: peewee.Database) -> None:
    """Version 6: a caller added to a request (a follower) can be confidential, as a reporter
    can: a neighbour complaint's second caller was named to everyone."""

    table = RequestFollower._meta.table_name
    if "confidential" not in {c.name for c in db.get_columns(table)}:
        from playhouse.migrate import SchemaMigrator, migrate  # upgrades only (it loads psycopg2)

        migrator = SchemaMigrator.from_database(db)
        migrate(migrator.add_column(table, "confidential", RequestFollower.confidential))


def _to_7(db: peewee.Database) -> None:
    """Version 7: requests linked as related (both stay open), beside duplicates."""

    db.create_tables([RequestLink], safe=True)


def _to_8(db: peewee.Database) -> None:
    """Version 8: partners' keys for posting requests through the Open311 endpoint, and the web
    inbox where posts wait for a clerk when the town reviews them first."""

    db.create_tables([PartnerKey, WebSubmission], safe=True)


def _to_9(db: peewee.Database) -> None:
    """Version 9: imports of requests from a town's old records and other systems (their
    batches, the rows each made, the saved column mappings), and an index on the source's id
    so a second import of a file finds what the first brought in."""

    db.create_tables([ImportProfile, ImportBatch, ImportedRow], safe=True)
    ServiceRequest._schema.create_indexes(safe=True)  # type: ignore[attr-defined]  # external_id


def _to_10(db: peewee.Database) -> None:
    """Version 10: the town's address register (address points, street centerlines with their
    house-number ranges, named places), and on each request how its address was checked."""

    db.create_tables([AddressPoint, StreetSegment, NamedPlace], safe=True)
    table = ServiceRequest._meta.table_name
    if "address_status" not in {c.name for c in db.get_columns(table)}:
        # one statement both databases take at once, on a table of millions: SQLite adds a
        # NOT NULL column with a default without copying the table (playhouse would copy it,
        # and the search index's triggers on it stop the copy)
        db.execute_sql(  # type: ignore[no-untyped-call]
            f'ALTER TABLE "{table}" ADD COLUMN "address_status" VARCHAR(12) NOT NULL DEFAULT \'\''
        )


def _to_11(db: peewee.Database) -> None:
    """Version 11: the outbox of notices to residents (emails and letters), and on each
    request type which notices its residents are sent."""

    db.create_tables([OutboxMessage], safe=True)
    table = ServiceType._meta.table_name
    if "notices" not in {c.name for c in db.get_columns(table)}:
        db.execute_sql(  # type: ignore[no-untyped-call]
            f'ALTER TABLE "{table}" ADD COLUMN "notices" VARCHAR(80) NOT NULL '
            "DEFAULT 'received,update,resolved,reopened'"
        )


#: the columns version 12 adds: (model, column, its SQL type and default)
V12_COLUMNS = (
    (Department, "translations", "TEXT NOT NULL DEFAULT '{}'"),
    (ServiceType, "translations", "TEXT NOT NULL DEFAULT '{}'"),
    (ServiceAttribute, "translations", "TEXT NOT NULL DEFAULT '{}'"),
    (CallScript, "translations", "TEXT NOT NULL DEFAULT '{}'"),
    (Contact, "language", "VARCHAR(8) NOT NULL DEFAULT ''"),
    (FaqArticle, "language", "VARCHAR(8) NOT NULL DEFAULT 'en'"),
)


def _to_12(db: peewee.Database) -> None:
    """Version 12: two languages. Each resident's language; the catalog's names, notices,
    questions and call scripts in other languages; each article's language. The Spanish
    starter catalog and knowledge base are added to a town that still has the starter types."""

    _v12_columns(db)
    add_starter_translations()


def _v12_columns(db: peewee.Database) -> None:
    """Version 12's columns, where they are missing (an earlier step that writes rows with
    today's models adds them first)."""
    for model, column, sql in V12_COLUMNS:
        table = model._meta.table_name
        if column not in {c.name for c in db.get_columns(table)}:
            db.execute_sql(f'ALTER TABLE "{table}" ADD COLUMN "{column}" {sql}')  # type: ignore[no-untyped-call]


def _to_13(db: peewee.Database) -> None:
    """Version 13: a resident's other requests are found newest first from one index on
    (contact, requested_at). The index on the contact alone read every request of a frequent
    caller and sorted them on every showing of one of theirs: 13 ms for 2,400 requests, and
    more each year. The new index serves every lookup by contact the old one did."""

    ServiceRequest._schema.create_indexes(safe=True)  # type: ignore[attr-defined]
    db.execute_sql('DROP INDEX IF EXISTS "service_request_contact_id"')  # type: ignore[no-untyped-call]


#: step N brings a database from version N-1 to version N
STEPS: dict[int, Callable[[peewee.Database], None]] = {
    2: _to_2,
    3: _to_3,
    4: _to_4,
    5: _to_5,
    6: _to_6,
    7: _to_7,
    8: _to_8,
    9: _to_9,
    10: _to_10,
    11: _to_11,
    12: _to_12,
    13: _to_13,
}


def ensure_schema(opened: OpenedDatabase, upgrading: Callable[[str], None] | None = None) -> bool:
    """Create or migrate the schema. Returns True when the database was new (and now seeded).

    `upgrading` hears a sentence for the clerk before an upgrade starts."""

    version = schema_version(opened.db)
    if version is None:
        if opened.read_only:
            raise DatabaseReadOnly(_("This database is empty and cannot be set up read-only."))
        dbmod.write(_create_schema)
        dbmod.write(seed.seed_starter_content)
        return True
    if version > LATEST_VERSION:
        raise DatabaseTooNew(
            _(
                "This database was last used by a newer Front Counter (schema {found}; this app "
                "knows up to {known}). Install the newer version to open it; nothing was changed."
            ).format(found=version, known=LATEST_VERSION)
        )
    if version < LATEST_VERSION:
        if opened.read_only:
            raise DatabaseReadOnly(
                _(
                    "This database needs an upgrade that cannot be done read-only. Open it "
                    "where it can be written to."
                )
            )
        if upgrading is not None:
            upgrading(
                _(
                    "Upgrading this database for this version of Front Counter (from schema "
                    "{old} to {new}). A big town's takes a minute or two: keep Front Counter "
                    "open and the PC on. Nothing is lost if it is interrupted."
                ).format(old=version, new=LATEST_VERSION)
            )
        for step in range(version + 1, LATEST_VERSION + 1):
            log.info("migrating schema %d -> %d", step - 1, step)
            dbmod.write(functools.partial(_run_step, opened.db, step))
    if not opened.read_only and not virtual_tables_present(opened.db):
        sqlite = isinstance(opened.db, peewee.SqliteDatabase)
        if upgrading is not None and version == LATEST_VERSION and sqlite:
            upgrading(
                _(
                    "Making this database's search index and the Dashboard's running totals, "
                    "once. A big town's takes a minute: keep Front Counter open. Nothing is "
                    "lost if it is interrupted."
                )
            )
        dbmod.write(functools.partial(_create_virtual_tables, opened.db))
    return False


def _create_schema() -> None:
    db = SchemaInfo._meta.database
    db.create_tables(MODELS)
    _create_virtual_tables(db)
    stamp = clock.now().isoformat(sep=" ")
    SchemaInfo.insert_many(
        [
            {"key": "schema_version", "value": str(LATEST_VERSION)},
            {"key": "created_at", "value": stamp},
            {"key": "created_by_app", "value": __version__},
        ]
    ).execute()


def _run_step(db: peewee.Database, step: int) -> None:
    STEPS[step](db)
    SchemaInfo.update(value=str(step)).where(SchemaInfo.key == "schema_version").execute()
