"""Opening a town's database: opened and checked by storage, then made current here, its schema
upgraded to this version (only with the file to itself, docs/RELIABILITY.md rule 10) and each new
year's federal holidays filled in. Everything that opens a town calls `open_database`."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from pathlib import Path

import peewee

from desktop.i18n import _
from desktop.models import clock
from desktop.models.errors import NotADatabase
from desktop.models.setup import versions
from desktop.models.storage import sessions
from desktop.models.storage.db import OpenedDatabase, open_store
from desktop.models.town.calendar import keep_holidays_filled

log = logging.getLogger("frontcounter.db")


def open_database(
    target: str | Path,
    *,
    read_only: bool = False,
    create: bool = True,
    password: str | None = None,
    migrate: bool = True,
    shared: bool | None = None,
    upgrading: Callable[[str], None] | None = None,
) -> OpenedDatabase:
    """Open (and if needed create and migrate) the database at `target`; bind every model to it.

    `upgrading` is told, in a sentence for the clerk, when an upgrade of the schema begins (it
    can take a minute on a big town): the window shows it, the command line prints it. The
    other options are storage's (`open_store`).
    """

    def prepare(opened: OpenedDatabase) -> None:
        if not migrate:
            if (
                opened.is_sqlite
                and not opened.damaged
                and versions.schema_version(opened.db) is None
            ):
                raise NotADatabase(
                    _("This file has no town in it: it is not a Front Counter database.")
                )
            return  # (schema_version refuses a database some other program made, too; an empty
            # PostgreSQL database is where a town moving to a server begins)
        if opened.damaged:
            _read_schema_of_damaged(opened)
            return
        version = versions.schema_version(opened.db)  # read once for both questions
        if not opened.read_only:
            _upgrade_needs_exclusive_use(version)
        if not versions.schema_ready(opened.db, version, read_only=opened.read_only):
            from desktop.models.setup import migrations  # noqa: PLC0415 (only with work to do)

            migrations.ensure_schema(opened, upgrading)
        if not opened.read_only:
            # a town that uses Front Counter for years still gets each year's federal holidays
            keep_holidays_filled(clock.today())

    return open_store(
        target,
        read_only=read_only,
        create=create,
        password=password,
        shared=shared,
        after_open=prepare,
    )


def _read_schema_of_damaged(opened: OpenedDatabase) -> None:
    """A damaged file is open read-only so that what can still be read is read: even when the
    damage is in the page that says its schema version, it opens (and says it is damaged)."""
    from desktop.models.setup import migrations  # noqa: PLC0415 (not at every start)

    try:
        migrations.ensure_schema(opened)
    except (peewee.DatabaseError, sqlite3.DatabaseError) as exc:
        log.error("the schema of damaged %s could not be read: %s", opened.location, exc)


def _upgrade_needs_exclusive_use(version: int | None) -> None:
    """Rule 10: a schema upgrade waits until no other workstation has the file open."""
    if version is not None and version < versions.LATEST_VERSION:
        sessions.require_exclusive(_("upgrade the database"))
