"""Finding requests by what the clerk types in the search box.

A search matches the tracking number, the description, the address and location notes, the
resident's name, and the request's notes and public updates. Every word typed must be found
somewhere among those (as the start of a word, so results appear while the clerk is typing).

On SQLite three FTS5 indexes serve it, kept current by triggers, so every path that writes a
request, a contact or a note (the counter, the CLI, imports, the demo generator) keeps them up to
date without remembering to. The clerk's text never reaches `MATCH` as typed: it is cut into
words and each word is quoted (RELIABILITY.md rule 12). On PostgreSQL the same search runs as
case-insensitive LIKE over the same columns.
"""

from __future__ import annotations

import re
from typing import Any

import peewee

from desktop.models.db import execute
from desktop.models.schema import Contact, RequestEvent, ServiceRequest
from desktop.models.tracking import parse_tracking

MAX_WORDS = 8
#: the kinds of history lines whose text is searched (not the automatic "Received by phone.")
NOTE_KINDS = ("note", "public_update")

_SQLITE_DDL = (
    """CREATE VIRTUAL TABLE IF NOT EXISTS request_fts USING fts5(
        description, address, location_notes,
        content='service_request', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2', prefix='2 3')""",
    """CREATE TRIGGER IF NOT EXISTS request_fts_insert AFTER INSERT ON service_request BEGIN
        INSERT INTO request_fts(rowid, description, address, location_notes)
        VALUES (new.id, new.description, new.address, new.location_notes);
    END""",
    """CREATE TRIGGER IF NOT EXISTS request_fts_delete AFTER DELETE ON service_request BEGIN
        INSERT INTO request_fts(request_fts, rowid, description, address, location_notes)
        VALUES ('delete', old.id, old.description, old.address, old.location_notes);
    END""",
    """CREATE TRIGGER IF NOT EXISTS request_fts_update
        AFTER UPDATE OF description, address, location_notes ON service_request BEGIN
        INSERT INTO request_fts(request_fts, rowid, description, address, location_notes)
        VALUES ('delete', old.id, old.description, old.address, old.location_notes);
        INSERT INTO request_fts(rowid, description, address, location_notes)
        VALUES (new.id, new.description, new.address, new.location_notes);
    END""",
    """CREATE VIRTUAL TABLE IF NOT EXISTS contact_fts USING fts5(
        first_name, last_name, organization,
        content='contact', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2', prefix='2 3')""",
    """CREATE TRIGGER IF NOT EXISTS contact_fts_insert AFTER INSERT ON contact BEGIN
        INSERT INTO contact_fts(rowid, first_name, last_name, organization)
        VALUES (new.id, new.first_name, new.last_name, new.organization);
    END""",
    """CREATE TRIGGER IF NOT EXISTS contact_fts_delete AFTER DELETE ON contact BEGIN
        INSERT INTO contact_fts(contact_fts, rowid, first_name, last_name, organization)
        VALUES ('delete', old.id, old.first_name, old.last_name, old.organization);
    END""",
    """CREATE TRIGGER IF NOT EXISTS contact_fts_update
        AFTER UPDATE OF first_name, last_name, organization ON contact BEGIN
        INSERT INTO contact_fts(contact_fts, rowid, first_name, last_name, organization)
        VALUES ('delete', old.id, old.first_name, old.last_name, old.organization);
        INSERT INTO contact_fts(rowid, first_name, last_name, organization)
        VALUES (new.id, new.first_name, new.last_name, new.organization);
    END""",
    """CREATE VIRTUAL TABLE IF NOT EXISTS request_note_fts USING fts5(
        body, request_id UNINDEXED,
        tokenize='unicode61 remove_diacritics 2', prefix='2 3')""",
    """CREATE TRIGGER IF NOT EXISTS request_note_fts_insert AFTER INSERT ON request_event
        WHEN new.kind IN ('note', 'public_update') BEGIN
        INSERT INTO request_note_fts(rowid, body, request_id)
        VALUES (new.id, new.body, new.request_id);
    END""",
    """CREATE TRIGGER IF NOT EXISTS request_note_fts_delete AFTER DELETE ON request_event
        WHEN old.kind IN ('note', 'public_update') BEGIN
        DELETE FROM request_note_fts WHERE rowid = old.id;
    END""",
)
_TRIGGERS = (
    "request_fts_insert",
    "request_fts_delete",
    "request_fts_update",
    "contact_fts_insert",
    "contact_fts_delete",
    "contact_fts_update",
    "request_note_fts_insert",
    "request_note_fts_delete",
)


def _is_sqlite(db: peewee.Database | peewee.DatabaseProxy) -> bool:
    if isinstance(db, peewee.DatabaseProxy):
        db = db.obj
    return isinstance(db, peewee.SqliteDatabase)


def create_search_tables(db: peewee.Database) -> None:
    """Create any missing search index (filled from what is already there) and its triggers.

    The indexes are derived data: a database that lost one (a dump, a copy by another tool)
    gets it back, complete, the next time it is opened for writing. Call in a write.
    """
    if not _is_sqlite(db):
        return
    present = {
        row[0]
        for row in execute(db, "SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')")
    }
    missing = [
        name for name in ("request_fts", "contact_fts", "request_note_fts") if name not in present
    ]
    if not missing and all(trigger in present for trigger in _TRIGGERS):
        return
    for statement in _SQLITE_DDL:
        execute(db, statement)
    if missing:
        rebuild(db)


def suspend_triggers(db: peewee.Database) -> None:
    """Before a bulk load: stop indexing row by row (call `resume_triggers` after)."""
    if not _is_sqlite(db):
        return
    for trigger in _TRIGGERS:
        execute(db, f"DROP TRIGGER IF EXISTS {trigger}")


def resume_triggers(db: peewee.Database) -> None:
    """After a bulk load: index everything once, then keep indexing row by row."""
    create_search_tables(db)
    rebuild(db)


def rebuild(db: peewee.Database) -> None:
    """Index every request, contact and note again from the tables themselves."""
    if not _is_sqlite(db):
        return
    execute(db, "INSERT INTO request_fts(request_fts) VALUES ('rebuild')")
    execute(db, "INSERT INTO contact_fts(contact_fts) VALUES ('rebuild')")
    execute(db, "DELETE FROM request_note_fts")
    execute(
        db,
        "INSERT INTO request_note_fts(rowid, body, request_id) "
        "SELECT id, body, request_id FROM request_event WHERE kind IN ('note', 'public_update')",
    )


def search_words(text: str) -> list[str]:
    """The words of a search, lower-case, at most MAX_WORDS of them."""
    return re.findall(r"\w+", text.lower())[:MAX_WORDS]


def _match(word: str) -> str:
    # a word of \w characters cannot hold a quote or an operator; quoting it keeps
    # AND/OR/NOT/NEAR typed as words from being read as FTS5 syntax
    return f'"{word}"*'


def search_condition(text: str) -> Any | None:
    """A WHERE condition on ServiceRequest for what the clerk typed; None when nothing to find."""
    number = parse_tracking(text)
    words = search_words(text)
    if not words:
        return None
    db = ServiceRequest._meta.database
    type_names = _type_words()
    conditions = []
    for word in words:
        condition = _word_condition(db, word)
        types = [
            type_id
            for type_id, names in type_names.items()
            if any(name.startswith(word) for name in names)
        ]
        if types:  # "pothole" finds the requests of type Pothole too
            condition |= ServiceRequest.service_type.in_(types)
        conditions.append(condition)
    found = conditions[0]
    for condition in conditions[1:]:
        found &= condition
    if number is not None:
        found |= ServiceRequest.tracking_number == number
    elif re.fullmatch(r"\d{4}-\d{1,9}", text.strip()):
        # part of a tracking number, as it is being typed or scanned
        prefix = text.strip()
        found |= (ServiceRequest.tracking_number >= prefix) & (
            ServiceRequest.tracking_number < prefix + "\uffff"
        )
    return found


def _type_words() -> dict[int, list[str]]:
    """Each request type's id with the words of its name (a few dozen types, read at once)."""
    from desktop.models.schema import ServiceType

    return {
        type_id: search_words(name)
        for type_id, name in ServiceType.select(ServiceType.id, ServiceType.name).tuples()
    }


def _word_condition(db: peewee.Database, word: str) -> Any:
    if _is_sqlite(db):
        match = _match(word)
        in_request = peewee.SQL(
            "(SELECT rowid FROM request_fts WHERE request_fts MATCH ?)", (match,)
        )
        in_contact = peewee.SQL(
            "(SELECT rowid FROM contact_fts WHERE contact_fts MATCH ?)", (match,)
        )
        in_note = peewee.SQL(
            "(SELECT request_id FROM request_note_fts WHERE request_note_fts MATCH ?)", (match,)
        )
        return (
            ServiceRequest.id.in_(in_request)
            | ServiceRequest.contact.in_(in_contact)
            | ServiceRequest.id.in_(in_note)
        )
    pattern = f"%{_escape_like(word)}%"
    contacts = Contact.select(Contact.id).where(
        Contact.first_name.ilike(pattern)
        | Contact.last_name.ilike(pattern)
        | Contact.organization.ilike(pattern)
    )
    notes = RequestEvent.select(RequestEvent.request).where(
        RequestEvent.kind.in_(list(NOTE_KINDS)), RequestEvent.body.ilike(pattern)
    )
    return (
        ServiceRequest.description.ilike(pattern)
        | ServiceRequest.address.ilike(pattern)
        | ServiceRequest.location_notes.ilike(pattern)
        | ServiceRequest.contact.in_(contacts)
        | ServiceRequest.id.in_(notes)
    )


def _escape_like(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
