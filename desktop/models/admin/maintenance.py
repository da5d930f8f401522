"""Looking after the file itself: compacting it (VACUUM), and counting the Dashboard's running
totals again."""

from __future__ import annotations

import peewee

from desktop.i18n import _
from desktop.models.errors import known_db_errors
from desktop.models.staff import permissions
from desktop.models.storage import rollups, sessions
from desktop.models.storage.db import current, execute, write
from desktop.models.storage.schema import StaffUser


def vacuum(actor: StaffUser | None) -> None:
    """Compact the database file (SQLite) — an administrator's action, and only while no other
    workstation has it open."""
    db = current()
    permissions.require(actor, permissions.BACKUP_MANAGE)
    sessions.require_exclusive(_("compact the database"))
    with known_db_errors():
        execute(db, "VACUUM" if isinstance(db, peewee.SqliteDatabase) else "VACUUM ANALYZE")


def repair_rollups(actor: StaffUser | None) -> bool:
    """Count the Dashboard's running totals again from the requests (SQLite; an
    administrator's action). Other workstations' saves wait while it counts. False where
    there are none to repair (PostgreSQL counts the rows itself)."""
    db = current()
    permissions.require(actor, permissions.BACKUP_MANAGE)
    if not isinstance(db, peewee.SqliteDatabase):
        return False
    write(lambda: rollups.rebuild(db))
    return True
