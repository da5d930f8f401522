"""Failures from the world become known errors with a clear sentence, in one place."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import peewee
import pytest

from desktop.models import errors
from desktop.models.setup.opening import open_database
from desktop.models.storage import db as dbmod
from desktop.models.storage.db import close_database, write
from desktop.models.storage.schema import SchemaInfo, ServiceRequest, Setting


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("database is locked", errors.DatabaseBusy),
        ("attempt to write a readonly database", errors.DatabaseReadOnly),
        ("database or disk is full", errors.DatabaseFull),
        ("disk I/O error", errors.DatabaseIOError),
        ("database disk image is malformed", errors.DatabaseCorrupt),
        ("file is not a database", errors.NotADatabase),
        ("unable to open database file", errors.CannotOpenDatabase),
    ],
)
def test_sqlite_failures_map_to_known_errors(message: str, expected: type) -> None:
    wrapped = peewee.OperationalError(sqlite3.OperationalError(message))
    known = errors.translate_db_error(wrapped)
    assert isinstance(known, expected)
    assert known is not None
    assert known.detail == message
    assert len(str(known)) > 30  # a sentence, not a code


def test_bugs_are_not_known_errors() -> None:
    assert (
        errors.translate_db_error(
            peewee.OperationalError(sqlite3.OperationalError("no such column: frobnicate"))
        )
        is None
    )
    assert (
        errors.translate_db_error(
            peewee.IntegrityError(sqlite3.IntegrityError("UNIQUE constraint failed"))
        )
        is None
    )
    assert errors.translate_db_error(ValueError("nope")) is None


def test_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "letter.db"
    path.write_text("Dear clerk, this is a letter, not a database.\n" * 40)
    with pytest.raises(errors.NotADatabase):
        open_database(path)
    assert path.read_text().startswith("Dear clerk")  # nothing was written over


def test_another_programs_sqlite_file_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    raw = sqlite3.connect(path)
    raw.execute("CREATE TABLE recipes (name TEXT)")
    raw.commit()
    raw.close()
    with pytest.raises(errors.NotADatabase, match="not a Front Counter database"):
        open_database(path)
    raw = sqlite3.connect(path)
    assert [r[0] for r in raw.execute("SELECT name FROM sqlite_master")] == ["recipes"]
    raw.close()


def test_a_database_from_a_newer_app_is_refused(db_path: Path) -> None:
    opened = open_database(db_path)
    write(
        lambda: SchemaInfo.update(value="999").where(SchemaInfo.key == "schema_version").execute()
    )
    close_database(opened)
    with pytest.raises(errors.DatabaseTooNew, match="newer Front Counter"):
        open_database(db_path)


def test_a_folder_is_not_a_database(tmp_path: Path) -> None:
    with pytest.raises(errors.CannotOpenDatabase, match="folder"):
        open_database(tmp_path)


def test_a_missing_file_is_not_created_when_asked_not_to(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.db"
    with pytest.raises(errors.CannotOpenDatabase):
        open_database(path, create=False)
    assert not path.exists()


@pytest.mark.sqlite_only
def test_full_disk_is_a_known_error_and_keeps_what_was_saved(db) -> None:
    write(lambda: Setting.insert(key="town.name", value="Saved before").execute())
    pages = db.db.execute_sql("PRAGMA page_count").fetchone()[0]
    db.db.execute_sql(f"PRAGMA max_page_count={pages}")
    with pytest.raises(errors.DatabaseFull, match="full"):
        write(lambda: Setting.insert(key="town.address", value="x" * 200_000).execute())
    assert Setting.get(Setting.key == "town.name").value == "Saved before"
    assert Setting.get_or_none(Setting.key == "town.address") is None


@pytest.mark.sqlite_only
def test_busy_is_retried_then_reported(db, db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = sqlite3.connect(db_path, timeout=0)
    blocker.execute("BEGIN IMMEDIATE")
    db.db.execute_sql("PRAGMA busy_timeout=50")
    monkeypatch.setattr("desktop.models.storage.db.time.sleep", lambda _s: None)
    attempts = []

    def save() -> None:
        attempts.append(1)
        Setting.insert(key="town.name", value="X").execute()

    try:
        with pytest.raises(errors.DatabaseBusy, match="Nothing was lost"):
            write(save)
    finally:
        blocker.rollback()
        blocker.close()
    # BEGIN IMMEDIATE itself waits, so the body never ran while another writer held the lock
    assert attempts == []
    write(save)
    assert attempts == [1]


def test_read_only_database_write_is_a_known_error(db_path: Path) -> None:
    close_database(open_database(db_path))
    opened = open_database(db_path, read_only=True)
    try:
        with pytest.raises(errors.DatabaseReadOnly):
            write(lambda: ServiceRequest.delete().execute())
    finally:
        close_database(opened)


def test_corrupt_page_in_the_middle_is_a_known_error(tmp_path: Path) -> None:
    path = tmp_path / "corrupt.db"
    opened = open_database(path)
    write(lambda: Setting.insert(key="town.address", value="x" * 50_000).execute())
    close_database(opened)
    data = bytearray(path.read_bytes())
    page = 4096
    for offset in range(page * 2, min(len(data), page * 12)):
        data[offset] = 0x5A
    path.write_bytes(bytes(data))
    with pytest.raises(errors.DatabaseCorrupt, match="damaged"):
        reopened = open_database(path)
        try:
            with dbmod.reading():
                dbmod.current().execute_sql("PRAGMA integrity_check").fetchall()
                list(Setting.select())
        finally:
            close_database(reopened)
