"""The SQLite connection follows docs/RELIABILITY.md rules 1-4; writes go through one helper."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import peewee
import pytest

from desktop.models.errors import DatabaseError, KnownError
from desktop.models.setup.opening import open_database
from desktop.models.storage import db as dbmod
from desktop.models.storage.db import DbKind, close_database, write
from desktop.models.storage.schema import Setting


def pragma(opened: dbmod.OpenedDatabase, name: str) -> object:
    return opened.db.execute_sql(f"PRAGMA {name}").fetchone()[0]


@pytest.mark.sqlite_only
def test_new_database_uses_rollback_journal_full_sync_and_foreign_keys(db):
    assert str(pragma(db, "journal_mode")).lower() == "delete"
    assert pragma(db, "synchronous") == 2  # FULL
    assert pragma(db, "foreign_keys") == 1
    assert pragma(db, "busy_timeout") == dbmod.BUSY_TIMEOUT_SECONDS * 1000
    assert db.kind is DbKind.LOCAL_FILE
    assert not db.read_only


def test_a_file_in_wal_mode_is_switched_back(db_path: Path):
    close_database(open_database(db_path))
    raw = sqlite3.connect(db_path)
    assert raw.execute("PRAGMA journal_mode=WAL").fetchone()[0] == "wal"
    raw.close()
    opened = open_database(db_path)
    try:
        assert str(pragma(opened, "journal_mode")).lower() == "delete"
    finally:
        close_database(opened)
    assert not Path(f"{db_path}-wal").exists()


@pytest.mark.sqlite_only
def test_write_opens_begin_immediate(db):
    statements: list[str] = []
    db.db.connection().set_trace_callback(statements.append)
    try:
        write(lambda: Setting.insert(key="town.name", value="X").execute())
    finally:
        db.db.connection().set_trace_callback(None)
    statements = [sql for sql in statements if not sql.startswith("PRAGMA busy_timeout")]
    assert statements[0] == "BEGIN IMMEDIATE"
    assert statements[-1] == "COMMIT"


def test_a_failed_write_keeps_nothing(db):
    def half() -> None:
        Setting.insert(key="town.name", value="half").execute()
        raise RuntimeError("bug in the middle")

    with pytest.raises(RuntimeError):
        write(half)
    assert Setting.get_or_none(Setting.key == "town.name") is None


def test_nested_writes_share_the_outer_transaction(db):
    def outer() -> None:
        Setting.insert(key="town.name", value="outer").execute()
        write(lambda: Setting.insert(key="town.phone", value="inner").execute())
        raise RuntimeError("roll both back")

    with pytest.raises(RuntimeError):
        write(outer)
    assert Setting.select().where(Setting.key.in_(["town.name", "town.phone"])).count() == 0


def test_a_failed_open_leaves_the_previous_database_usable(db, tmp_path: Path):
    bad = tmp_path / "not-a-db.db"
    bad.write_bytes(b"this is a spreadsheet, honest" * 100)
    with pytest.raises(KnownError):
        open_database(bad)
    assert Setting.select().count() >= 0  # still bound to the fixture's database
    assert dbmod.current() is db.db


def test_read_only_open_reads_and_refuses_writes(db_path: Path):
    close_database(open_database(db_path))
    opened = open_database(db_path, read_only=True)
    try:
        assert opened.read_only
        assert Setting.select().count() >= 0
        with pytest.raises(KnownError) as caught:
            write(lambda: Setting.insert(key="town.name", value="X").execute())
        assert "read-only" in str(caught.value)
    finally:
        close_database(opened)


def test_postgres_url_without_database_name_is_refused():
    with pytest.raises(KnownError, match="must name a database"):
        open_database("postgresql://clerk@127.0.0.1:1/")


def test_unreachable_postgres_is_a_known_error():
    # port 1 on loopback: nothing listens there, the refusal is immediate
    with pytest.raises(KnownError) as caught:
        open_database("postgresql://clerk@127.0.0.1:1/town")
    assert isinstance(caught.value, DatabaseError)


def test_peewee_is_bound_through_one_proxy(db):
    assert dbmod.current() is db.db
    assert isinstance(db.db, peewee.SqliteDatabase | peewee.PostgresqlDatabase)


def test_a_shared_file_gets_extra_sync_and_says_so(db_path: Path):
    opened = open_database(db_path, shared=True)
    try:
        assert opened.kind is DbKind.SHARED_FILE
        assert pragma(opened, "synchronous") == 3  # EXTRA
        assert str(pragma(opened, "journal_mode")).lower() == "delete"
    finally:
        close_database(opened)


def test_network_paths_are_recognised():
    assert dbmod.is_network_path(Path("//townhall/clerk/frontcounter.db"))
    assert not dbmod.is_network_path(Path("/tmp"))


def test_a_writer_that_collided_hands_the_lock_on_before_writing_again(monkeypatch):
    from desktop.models.storage import db as dbmod

    slept: list[float] = []
    monkeypatch.setattr("desktop.models.storage.db.time.sleep", slept.append)
    handoff = dbmod._Handoff()
    handoff.committed()
    handoff.wait_turn()
    assert slept == []  # alone: no waiting at all
    handoff.contended()  # another workstation held the lock a moment ago
    handoff.committed()
    handoff.wait_turn()
    assert len(slept) == 1 and 0 < slept[0] <= handoff.GAP
    monkeypatch.setattr("desktop.models.storage.db.time.monotonic", lambda: 1e6)  # long after
    handoff.wait_turn()
    assert len(slept) == 1


def _another_clerk_saves(opened: dbmod.OpenedDatabase) -> None:
    """A commit from a connection of its own, as another workstation's would be."""
    if opened.is_sqlite:
        assert opened.path is not None
        raw = sqlite3.connect(opened.path)
        with raw:
            raw.execute("INSERT INTO schema_info (key, value) VALUES ('elsewhere', '1')")
        raw.close()
        return
    import psycopg2

    from tests.conftest import PG_URL

    server = psycopg2.connect(PG_URL.rsplit("/", 1)[0] + "/" + opened.db.database)
    try:
        with server, server.cursor() as cursor:
            cursor.execute("INSERT INTO schema_info (key, value) VALUES ('elsewhere', '1')")
    finally:
        server.close()


def test_reading_leaves_the_change_number_alone_and_another_save_moves_it(db):
    before = dbmod.data_version()
    if db.is_sqlite:
        for _poll in range(5):  # the window polls every few seconds, and reads lists between
            list(Setting.select())
            assert dbmod.data_version() == before
    else:
        # PostgreSQL's number is the server's snapshot, which the other test workers'
        # databases move as well; what it rests on is that a read (the poll among them) is
        # never given a transaction id, so that is what is checked here
        with db.db.atomic():
            for _poll in range(5):
                list(Setting.select())
                dbmod.data_version()
            assigned = db.db.execute_sql("SELECT txid_current_if_assigned()").fetchone()
        assert assigned == (None,)
    _another_clerk_saves(db)
    assert dbmod.data_version() != before


def test_a_save_that_began_first_and_ends_last_moves_the_change_number(db):
    """Two clerks save at once: the one that began first commits last. The number must move
    at that commit too (PostgreSQL's highest transaction id alone does not)."""
    if db.is_sqlite:
        pytest.skip("SQLite's saves take turns: one cannot begin before another and end after")
    import psycopg2

    from tests.conftest import PG_URL

    url = PG_URL.rsplit("/", 1)[0] + "/" + db.db.database
    first, second = psycopg2.connect(url), psycopg2.connect(url)
    try:
        with first.cursor() as cursor:  # begins, and is given its transaction id
            cursor.execute("INSERT INTO schema_info (key, value) VALUES ('first', '1')")
        with second, second.cursor() as cursor:
            cursor.execute("INSERT INTO schema_info (key, value) VALUES ('second', '1')")
        between = dbmod.data_version()
        first.commit()
        assert dbmod.data_version() != between
    finally:
        first.close()
        second.close()
