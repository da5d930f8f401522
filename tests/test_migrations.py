"""The schema version, and migrations from every earlier version to this one."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from desktop.models.setup import migrations
from desktop.models.setup.opening import open_database
from desktop.models.storage.db import close_database
from desktop.models.storage.schema import MODELS, SchemaInfo, ServiceRequest

FIXTURES = Path(__file__).parent / "fixtures" / "schema"


def schema_of(path: Path) -> dict[str, set[str]]:
    """Tables with their columns, and index names with their tables and columns."""
    raw = sqlite3.connect(path)
    try:
        shape: dict[str, set[str]] = {}
        tables = [
            r[0]
            for r in raw.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        for table in tables:
            shape[table] = {
                f"{r[1]}:{r[2]}:{r[3]}" for r in raw.execute(f"PRAGMA table_info('{table}')")
            }
            for index in raw.execute(f"PRAGMA index_list('{table}')"):
                cols = ",".join(r[2] for r in raw.execute(f"PRAGMA index_info('{index[1]}')"))
                shape[table].add(f"index:{cols}:unique={index[2]}")
        return shape
    finally:
        raw.close()


def test_new_database_has_the_latest_version(db):
    assert migrations.schema_version(db.db) == migrations.LATEST_VERSION
    assert {m._meta.table_name for m in MODELS} <= set(db.db.get_tables())


def test_every_version_before_this_one_has_a_fixture_and_a_step():
    for version in range(1, migrations.LATEST_VERSION):
        assert (FIXTURES / f"v{version}.sql").exists(), f"dump of schema v{version} missing"
        assert version + 1 in migrations.STEPS
    assert (FIXTURES / f"v{migrations.LATEST_VERSION}.sql").exists()
    assert max(migrations.STEPS) == migrations.LATEST_VERSION  # versions.py raised with a step


@pytest.mark.parametrize("fixture", sorted(FIXTURES.glob("v*.sql")), ids=lambda p: p.stem)
def test_each_earlier_version_migrates_to_the_fresh_schema(fixture: Path, tmp_path: Path):
    old = tmp_path / "old.db"
    raw = sqlite3.connect(old)
    raw.executescript(fixture.read_text(encoding="utf-8"))
    raw.close()
    before = sqlite3.connect(old).execute("SELECT count(*) FROM service_request").fetchone()[0]
    opened = open_database(old)
    try:
        assert migrations.schema_version(opened.db) == migrations.LATEST_VERSION
        assert ServiceRequest.select().count() == before  # the town's records came through
    finally:
        close_database(opened)
    fresh = tmp_path / "fresh.db"
    close_database(open_database(fresh))
    assert schema_of(old) == schema_of(fresh)


def test_version_row_is_kept_in_the_database(db):
    row = SchemaInfo.get(SchemaInfo.key == "schema_version")
    assert int(row.value) == migrations.LATEST_VERSION


@pytest.mark.sqlite_only
def test_version_4_takes_confidential_reporters_out_of_the_search_index(tmp_path: Path):
    from desktop.models.requests.intake import RequestDraft, create_request
    from desktop.models.requests.listing import RequestFilter, RequestList
    from desktop.models.residents.contacts import CallerDetails

    path = tmp_path / "v3.db"
    opened = open_database(path)
    create_request(
        RequestDraft(
            "noise",
            "Parties every night",
            address="12 Elm St",
            answers={"source": "music_party", "happening_now": "no"},
            caller=CallerDetails("Quincy", "Quimby", "555 010 2233"),
            confidential=True,
        ),
        actor=None,
    )
    close_database(opened)
    raw = sqlite3.connect(path)
    with raw:  # as version 3 indexed it: the reporter's name in every request's document
        raw.execute("UPDATE schema_info SET value = '3' WHERE key = 'schema_version'")
        # a town on version 3 had fewer starter call scripts, and had edited one of its own
        raw.execute(
            "DELETE FROM call_script WHERE service_type_id IN "
            "(SELECT id FROM service_type WHERE code IN ('road_debris', 'dead_tree'))"
        )
        raw.execute(
            'UPDATE call_script SET steps = \'[{"ask": "Our own first question"}]\' '
            "WHERE service_type_id = (SELECT id FROM service_type WHERE code = 'pothole')"
        )
        raw.execute(  # as version 3 stored "12 Elm St, Apt 4": the flat number dropped
            "UPDATE service_request SET address = '12 Elm St, Apt 4', "
            "address_normalized = '12 ELM ST'"
        )
        raw.execute("DELETE FROM request_text")
        raw.execute("INSERT INTO request_text(rowid, doc) SELECT id, 'Quimby' FROM service_request")
    raw.close()
    opened = open_database(path)
    try:
        assert migrations.schema_version(opened.db) == migrations.LATEST_VERSION
        assert RequestList(RequestFilter(search="Quimby")).count() == 0
        assert RequestList(RequestFilter(search="parties")).count() == 1
        # and the address is stored in today's form ("Apt 4" after a comma is a flat number)
        assert RequestList(RequestFilter(address="12 Elm St #4")).count() == 1
        from desktop.models.storage.schema import CallScript, ServiceType

        scripted = {
            row.service_type.code: row.steps for row in CallScript.select().join(ServiceType)
        }
        assert {"road_debris", "dead_tree"} <= set(scripted)  # the newer starter ones, added
        assert scripted["pothole"] == [{"ask": "Our own first question"}]  # the town's, kept
    finally:
        close_database(opened)


def test_the_list_of_search_indexes_and_triggers_is_what_an_open_makes(tmp_path: Path):
    """An open skips making them when all are there (faster start, no write lock): so the
    list it checks must name everything `_create_virtual_tables` makes."""
    path = tmp_path / "town.db"
    close_database(open_database(path))
    raw = sqlite3.connect(path)
    names = {
        r[0]
        for r in raw.execute(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger') "
            "OR (type = 'index' AND name LIKE 'stat%')"
        )
    }
    raw.close()
    model_tables = {model._meta.table_name for model in MODELS}
    fts_shadows = {
        n for n in names if n.rsplit("_", 1)[-1] in {"config", "content", "data", "docsize", "idx"}
    }
    assert names - model_tables - fts_shadows - {"sqlite_sequence"} == migrations.DERIVED_OBJECTS


def test_a_lost_trigger_is_made_again_on_the_next_open(tmp_path: Path):
    path = tmp_path / "town.db"
    close_database(open_database(path))
    raw = sqlite3.connect(path)
    raw.execute("DROP TRIGGER request_text_insert")
    raw.commit()
    raw.close()
    close_database(open_database(path))
    raw = sqlite3.connect(path)
    try:
        assert raw.execute(
            "SELECT 1 FROM sqlite_master WHERE name = 'request_text_insert'"
        ).fetchone()
    finally:
        raw.close()


@pytest.mark.sqlite_only
def test_version_5_gives_the_search_index_prefixes_up_to_six_letters(tmp_path: Path):
    from desktop.models.requests.listing import RequestFilter, RequestList
    from desktop.models.requests.search import PREFIXES

    old = tmp_path / "v4.db"
    raw = sqlite3.connect(old)
    raw.executescript((FIXTURES / "v4.sql").read_text(encoding="utf-8"))
    raw.close()
    close_database(open_database(old))  # made at version 4's shape on the way: 2 and 3 letters
    raw = sqlite3.connect(old)
    with raw:
        raw.execute("DROP TABLE request_text")
        raw.execute(
            "CREATE VIRTUAL TABLE request_text USING fts5(doc, "
            "tokenize='unicode61 remove_diacritics 2', prefix='2 3')"
        )
        raw.execute(
            "INSERT INTO request_text(rowid, doc) SELECT id, description FROM service_request"
        )
        raw.execute("UPDATE schema_info SET value = '4' WHERE key = 'schema_version'")
    raw.close()
    opened = open_database(old)
    try:
        assert migrations.schema_version(opened.db) == migrations.LATEST_VERSION
        sql = opened.db.execute_sql(
            "SELECT sql FROM sqlite_master WHERE name = 'request_text'"
        ).fetchone()[0]
        assert f"prefix='{PREFIXES}'" in sql and PREFIXES == "2 3 4 5 6"
        indexed = opened.db.execute_sql("SELECT count(*) FROM request_text").fetchone()[0]
        assert indexed == ServiceRequest.select().count()  # filled again, every request
        word = ServiceRequest.get().description.split()[0].lower()[:5]
        listing = RequestList(RequestFilter(search=word))
        assert listing.count() > 0  # a five-letter prefix finds through its own index
    finally:
        close_database(opened)


def test_a_one_letter_word_being_typed_waits_for_the_next(db):
    from desktop.models.requests.search import parse_search

    assert parse_search("elm s").words == ("elm",)
    assert parse_search("elm st").words == ("elm", "st")
    assert parse_search("s").words == ("s",)  # alone it is all there is to search


def test_an_upgrade_is_announced_before_it_starts(tmp_path: Path):
    old = tmp_path / "v4.db"
    raw = sqlite3.connect(old)
    raw.executescript((FIXTURES / "v4.sql").read_text(encoding="utf-8"))
    raw.close()
    heard: list[tuple[str, int | None]] = []

    def upgrading(sentence: str) -> None:  # what the window shows, before the long work
        raw = sqlite3.connect(old)
        version = raw.execute("SELECT value FROM schema_info WHERE key = 'schema_version'")
        heard.append((sentence, int(version.fetchone()[0])))
        raw.close()

    close_database(open_database(old, upgrading=upgrading))
    assert len(heard) == 1
    sentence, version_then = heard[0]
    assert f"from schema 4 to {migrations.LATEST_VERSION}" in sentence
    assert "Nothing is lost" in sentence
    assert version_then == 4  # told before the first step ran
    close_database(open_database(old, upgrading=upgrading))
    assert len(heard) == 1  # an open with nothing to upgrade says nothing
