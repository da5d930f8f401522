"""Finding requests by what the clerk types in the search box.

A search matches the tracking number, or words of the description, the address and location
notes, the resident's name (never for a confidential request: who reported a neighbour must not
be found by typing their name), the request's notes and public updates, and its type. Every word
typed must be found (as the start of a word, so results appear while the clerk is typing).

On SQLite each request has one document in an FTS5 index, `request_text`, kept current by
triggers, so every path that writes a request, a contact, a note or a type (the counter, the
CLI, imports, the demo generator) keeps it up to date without remembering to. The clerk's text
never reaches `MATCH` as typed: it is cut into words and each word is quoted (docs/RELIABILITY.md
rule 12). A search that matches very many requests yields the newest `SEARCH_CAP` of them, read
newest first and stopping there, so a keystroke never waits for a count of half the town. On
PostgreSQL the same search runs as case-insensitive LIKE over the same columns.
"""

# ruff: noqa: S608 - the trigger SQL is built from constants, never from user text

from __future__ import annotations

import contextlib
import re
import unicodedata
from typing import Any, NamedTuple

import peewee
from peewee import fn

from desktop.models.requests.tracking import parse_tracking
from desktop.models.storage.db import execute
from desktop.models.storage.schema import Contact, RequestEvent, ServiceRequest, ServiceType

MAX_WORDS = 8
#: a search yields at most this many requests (the newest); the list says so
SEARCH_CAP = 2000
#: the kinds of history lines whose text is searched (not the automatic "Received by phone.")
NOTE_KINDS = ("note", "public_update")
_PARTIAL_NUMBER = re.compile(r"\d{4}-\d{1,9}")


class RequestText(peewee.Model):
    """The search document of one request (an FTS5 table made by `create_search_tables`)."""

    rowid = peewee.IntegerField(primary_key=True, column_name="rowid")
    doc = peewee.TextField()

    class Meta:
        database = ServiceRequest._meta.database
        table_name = "request_text"


#: one request's document: its words, the resident's name, its type, its notes
_DOC = """
    SELECT r.id, r.description || ' ' || r.address || ' ' || r.location_notes || ' '
        || CASE WHEN r.confidential THEN ''
                ELSE COALESCE(c.first_name || ' ' || c.last_name || ' ' || c.organization, '')
           END || ' '
        || t.name || ' ' || t.code || ' '
        || COALESCE((SELECT group_concat(e.body, ' ') FROM request_event e
                     WHERE e.request_id = r.id AND e.kind IN ('note', 'public_update')), '')
    FROM service_request r
    JOIN service_type t ON t.id = r.service_type_id
    LEFT JOIN contact c ON c.id = r.contact_id"""

#: prefix indexes of 2 to 6 letters: a word being typed ("stre", "street") is then one list to
#: read, newest first, stopping after enough; without one, every word it begins ("street",
#: "streets", "streetlight" ...) had its whole list merged first: 50 ms at 1,000,000 requests
PREFIXES = "2 3 4 5 6"

_TABLE = f"""CREATE VIRTUAL TABLE IF NOT EXISTS request_text USING fts5(
    doc, tokenize='unicode61 remove_diacritics 2', prefix='{PREFIXES}')"""

_TRIGGERS = {
    "request_text_insert": f"""AFTER INSERT ON service_request BEGIN
        INSERT INTO request_text(rowid, doc) {_DOC} WHERE r.id = new.id;
    END""",
    "request_text_update": f"""
        AFTER UPDATE OF description, address, location_notes, contact_id, service_type_id,
            confidential
        ON service_request BEGIN
        DELETE FROM request_text WHERE rowid = old.id;
        INSERT INTO request_text(rowid, doc) {_DOC} WHERE r.id = new.id;
    END""",
    "request_text_delete": """AFTER DELETE ON service_request BEGIN
        DELETE FROM request_text WHERE rowid = old.id;
    END""",
    "request_text_contact": f"""
        AFTER UPDATE OF first_name, last_name, organization ON contact BEGIN
        DELETE FROM request_text
            WHERE rowid IN (SELECT id FROM service_request WHERE contact_id = new.id);
        INSERT INTO request_text(rowid, doc) {_DOC} WHERE r.contact_id = new.id;
    END""",
    "request_text_type": f"""AFTER UPDATE OF name ON service_type BEGIN
        DELETE FROM request_text
            WHERE rowid IN (SELECT id FROM service_request WHERE service_type_id = new.id);
        INSERT INTO request_text(rowid, doc) {_DOC} WHERE r.service_type_id = new.id;
    END""",
    "request_text_note": f"""AFTER INSERT ON request_event
        WHEN new.kind IN ('note', 'public_update') BEGIN
        DELETE FROM request_text WHERE rowid = new.request_id;
        INSERT INTO request_text(rowid, doc) {_DOC} WHERE r.id = new.request_id;
    END""",
    "request_text_note_gone": f"""AFTER DELETE ON request_event
        WHEN old.kind IN ('note', 'public_update') BEGIN
        DELETE FROM request_text WHERE rowid = old.request_id;
        INSERT INTO request_text(rowid, doc) {_DOC} WHERE r.id = old.request_id;
    END""",
}


def _is_sqlite(db: peewee.Database | peewee.DatabaseProxy) -> bool:
    if isinstance(db, peewee.DatabaseProxy):
        db = db.obj
    return isinstance(db, peewee.SqliteDatabase)


def create_search_tables(db: peewee.Database) -> None:
    """Create the search index if missing (filled from what is there) and its triggers.

    The index is derived data: a database that lost it (a dump, a copy by another tool) gets
    it back, complete, the next time it is opened for writing. Call inside a write.
    """
    if not _is_sqlite(db):
        return
    present = {
        row[0]
        for row in execute(db, "SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')")
    }
    if "request_text" in present and all(name in present for name in _TRIGGERS):
        return
    missing_table = "request_text" not in present
    execute(db, _TABLE)
    for name, body in _TRIGGERS.items():
        execute(db, f"CREATE TRIGGER IF NOT EXISTS {name} {body}")
    if missing_table:
        rebuild(db)


def suspend_triggers(db: peewee.Database) -> None:
    """Before a bulk load: stop indexing row by row (call `resume_triggers` after)."""
    if not _is_sqlite(db):
        return
    for name in _TRIGGERS:
        execute(db, f"DROP TRIGGER IF EXISTS {name}")


def resume_triggers(db: peewee.Database) -> None:
    """After a bulk load: index everything once, then keep indexing row by row."""
    if not _is_sqlite(db):
        return
    create_search_tables(db)
    rebuild(db)


def reindex_confidential(db: peewee.Database) -> None:
    """New triggers (the next open for writing makes them), and the documents of confidential
    requests made again: only theirs changed (no reporter's name in them any more)."""
    if not _is_sqlite(db):
        return
    suspend_triggers(db)
    present = {row[0] for row in execute(db, "SELECT name FROM sqlite_master")}
    if "request_text" not in present:
        return  # made whole, from the tables, with the triggers
    confidential = "SELECT id FROM service_request WHERE confidential"
    execute(db, f"DELETE FROM request_text WHERE rowid IN ({confidential})")
    execute(db, f"INSERT INTO request_text(rowid, doc) {_DOC} WHERE r.confidential")


def remake_index(db: peewee.Database) -> None:
    """The index made anew (its shape changed), and filled from the tables."""
    if not _is_sqlite(db):
        return
    execute(db, "DROP TABLE IF EXISTS request_text")
    create_search_tables(db)  # the table missing: made, triggers kept, filled


#: FTS5's own settings while the index is made whole (the demo's million requests, a repair),
#: and as they are otherwise (its defaults): merging segments as they are written, from a
#: buffer of 1 MB, is half of the time of a fill; filled with no merging from a 64 MB buffer and
#: merged once at the end, the index is made a quarter sooner, and whole, in one segment
_FILLING = {"automerge": 0, "hashsize": 64 * 1024 * 1024}
_KEEPING = {"automerge": 4, "hashsize": 1024 * 1024}


def rebuild(db: peewee.Database) -> None:
    """Index every request again from the tables themselves."""
    if not _is_sqlite(db):
        return
    execute(db, "DELETE FROM request_text")
    _configure(db, _FILLING)
    execute(db, f"INSERT INTO request_text(rowid, doc) {_DOC}")
    execute(db, "INSERT INTO request_text(request_text) VALUES('optimize')")
    _configure(db, _KEEPING)


def _configure(db: peewee.Database, values: dict[str, int]) -> None:
    for name, value in values.items():
        # an SQLite whose FTS5 lacks a setting keeps its default
        with contextlib.suppress(peewee.OperationalError):
            execute(db, "INSERT INTO request_text(request_text, rank) VALUES(?, ?)", (name, value))


def search_words(text: str) -> list[str]:
    """The words of a search, lower-case, at most MAX_WORDS of them."""
    return re.findall(r"\w+", text.lower())[:MAX_WORDS]


def fts_query(words: list[str]) -> str:
    """An FTS5 query where every word must start a word of the document.

    A run of \\w characters holds no quote or operator; quoted, even AND, OR, NOT and NEAR
    typed as words are only words.
    """
    return " AND ".join(f'"{word}"*' for word in words)


class Search(NamedTuple):
    """What a search box text means: a tracking number (whole or begun), or words."""

    condition: Any | None  # a condition on ServiceRequest, for numbers
    words: tuple[str, ...]

    @property
    def empty(self) -> bool:
        return self.condition is None and not self.words


def parse_search(text: str) -> Search:
    number = parse_tracking(text)
    if number is not None:
        return Search(ServiceRequest.tracking_number == number, ())
    typed = text.strip()
    if _PARTIAL_NUMBER.fullmatch(typed):  # part of a number, as it is typed or scanned
        return Search(
            (ServiceRequest.tracking_number >= typed)
            & (ServiceRequest.tracking_number < typed + "\uffff"),
            (),
        )
    words = search_words(text)
    if len(words) > 1 and len(words[-1]) == 1:
        # "elm s": the clerk is still typing the last word; one letter would match nearly every
        # request (and take the index longest to walk), so it waits for the next letter
        words = words[:-1]
    return Search(None, tuple(words))


def matching_ids(words: tuple[str, ...], conditions: list[Any], cap: int = SEARCH_CAP) -> list[int]:
    """The newest requests (at most cap + 1) matching every word and every condition."""
    if not words:
        return []
    db = ServiceRequest._meta.database
    if _is_sqlite(db):
        # the index is walked newest first and the walk stops once enough are found
        query = (
            RequestText.select(RequestText.rowid)
            .join(ServiceRequest, on=ServiceRequest.id == RequestText.rowid)
            .where(peewee.Expression(RequestText.doc, "MATCH", fts_query(list(words))), *conditions)
            .order_by(RequestText.rowid.desc())
            .limit(cap + 1)
        )
        return [int(row[0]) for row in query.tuples()]  # type: ignore[index]
    like = (
        ServiceRequest.select(ServiceRequest.id)
        .where(*[_like_condition(word) for word in words], *conditions)
        .order_by(ServiceRequest.id.desc())
        .limit(cap + 1)
    )
    return [int(row[0]) for row in like.tuples()]  # type: ignore[index]


def _accent_table() -> tuple[str, str]:
    """Lower-case Latin letters with diacritics and the plain letter each folds to, for SQL
    translate(): on PostgreSQL "nunez" finds "Núñez" as the SQLite index does, with no
    extension to install."""
    accented, plain = [], []
    for code in range(0xC0, 0x250):
        char = chr(code)
        if not char.islower():
            continue
        base = "".join(c for c in unicodedata.normalize("NFKD", char) if c.isascii())
        if len(base) == 1 and base.isalpha() and base != char:
            accented.append(char)
            plain.append(base)
    return "".join(accented), "".join(plain)


_ACCENTED, _PLAIN = _accent_table()


def fold(text: str) -> str:
    """Lower case without diacritics ("Núñez" -> "nunez")."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _folded_like(column: Any, pattern: str) -> Any:
    folded = fn.translate(fn.lower(column), _ACCENTED, _PLAIN)
    return peewee.Expression(folded, "LIKE", pattern)


def _like_condition(word: str) -> Any:
    """One word anywhere in the request's searched text (PostgreSQL), accents folded."""
    pattern = f"%{_escape_like(fold(word))}%"
    contacts = Contact.select(Contact.id).where(
        _folded_like(Contact.first_name, pattern)
        | _folded_like(Contact.last_name, pattern)
        | _folded_like(Contact.organization, pattern)
    )
    notes = RequestEvent.select(RequestEvent.request).where(
        RequestEvent.kind.in_(list(NOTE_KINDS)), _folded_like(RequestEvent.body, pattern)
    )
    types = ServiceType.select(ServiceType.id).where(
        _folded_like(ServiceType.name, pattern) | _folded_like(ServiceType.code, pattern)
    )
    return (
        _folded_like(ServiceRequest.description, pattern)
        | _folded_like(ServiceRequest.address, pattern)
        | _folded_like(ServiceRequest.location_notes, pattern)
        | (ServiceRequest.contact.in_(contacts) & (ServiceRequest.confidential == False))  # noqa: E712
        | ServiceRequest.id.in_(notes)
        | ServiceRequest.service_type.in_(types)
    )


def _escape_like(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
