"""PostgreSQL: the schema, passwords through the keyring only, and moving a town from its file."""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import json
from pathlib import Path
from typing import Any

import keyring
import peewee
import pytest
from keyring.backends import fail, null

from desktop.app import main
from desktop.models.admin.pg_migrate import migrate_to_postgres
from desktop.models.errors import CannotOpenDatabase, DatabaseError, InputError, PasswordNeeded
from desktop.models.setup.demo import generate_demo
from desktop.models.setup.migrations import LATEST_VERSION, schema_version
from desktop.models.setup.opening import open_database
from desktop.models.storage import secret_store
from desktop.models.storage.db import close_database, write
from desktop.models.storage.schema import Contact, ServiceRequest, Setting

pytestmark = pytest.mark.postgresql

CLERK_PASSWORD = "counter-test-password"  # .ci/with-postgres gives the role `clerk` this one


def test_the_schema_is_made_on_postgresql_without_sqlite_only_parts(pg_database: str):
    opened = open_database(pg_database)
    try:
        assert schema_version(opened.db) == LATEST_VERSION
        tables = set(opened.db.get_tables())
        assert "service_request" in tables and "db_session" in tables
        assert not any(name.endswith(("_fts", "_text")) for name in tables if "text" in name)
        write(lambda: Setting.insert(key="k", value=1).execute())  # no BEGIN IMMEDIATE here
        assert Setting.get(Setting.key == "k").value == 1
    finally:
        close_database(opened)


def test_the_password_comes_from_the_keyring(pg_server, pg_database: str):
    name = pg_database.rsplit("/", 1)[1]
    url = pg_server.url_of(name, user="clerk")
    try:
        with pytest.raises(PasswordNeeded):
            open_database(url, migrate=False)
    except AssertionError:
        pytest.skip("this server lets `clerk` in without a password")
    assert secret_store.remember_database_password(url, CLERK_PASSWORD)
    opened = open_database(url, migrate=False)
    try:
        assert opened.db.execute_sql("SELECT current_user").fetchone()[0] == "clerk"
        assert CLERK_PASSWORD not in opened.location
    finally:
        close_database(opened)


@pytest.mark.parametrize("backend", [fail.Keyring, null.Keyring])
def test_fail_and_null_keyrings_mean_do_not_store(backend):
    keyring.set_keyring(backend())
    assert not secret_store.keyring_usable()
    assert not secret_store.remember_database_password("postgresql://a@h:5432/t", "secret")
    assert secret_store.database_password("postgresql://a@h:5432/t") is None


def test_a_plaintext_keyring_is_not_allowed_and_not_a_dependency():
    class PlaintextKeyring(null.Keyring):  # what keyrings.alt would install
        priority = 1

    keyring.set_keyring(PlaintextKeyring())
    assert not secret_store.keyring_usable()
    requirements = importlib.metadata.requires("frontcounter") or []
    assert not any(req.lower().startswith("keyrings") for req in requirements)


@pytest.fixture
def town_file(tmp_path: Path) -> Path:
    path = tmp_path / "town.db"
    opened = open_database(path)
    generate_demo(60, seed=11, actor=None)
    # the self-references a copy must carry: a merged contact, a duplicate request
    first, second = list(ServiceRequest.select().order_by(ServiceRequest.id).limit(2))
    one, two = list(Contact.select().order_by(Contact.id).limit(2))
    write(
        lambda: (
            ServiceRequest.update(duplicate_of=second.id)
            .where(ServiceRequest.id == first.id)
            .execute()
        )
    )
    write(lambda: Contact.update(merged_into=two.id).where(Contact.id == one.id).execute())
    close_database(opened)
    return path


def test_a_town_moves_to_postgresql_whole_and_verified(town_file: Path, pg_database: str):
    report = migrate_to_postgres(town_file, pg_database, None, actor=None)
    assert report.ok
    counts = {table.table: table.target_rows for table in report.tables}
    assert counts["service_request"] == 60
    moved = open_database(pg_database)
    try:
        assert ServiceRequest.select().count() == 60
        assert (
            ServiceRequest.select().where(ServiceRequest.duplicate_of.is_null(False)).count() == 1
        )
        new = write(lambda: Setting.insert(key="after.move", value=1).execute())  # ids go on
        assert new is not None
    finally:
        close_database(moved)
    old = open_database(town_file)
    try:
        assert old.read_only and "moved to PostgreSQL" in old.read_only_reason
    finally:
        close_database(old)
    with pytest.raises(InputError, match="not empty"):
        migrate_to_postgres(town_file, pg_database, None, actor=None)


def test_a_town_larger_than_a_page_is_copied_page_by_page(
    town_file: Path, pg_database: str, monkeypatch: pytest.MonkeyPatch
):
    """Pages follow the primary key (text keys too, which sort differently on the server)."""
    from desktop.models.admin import pg_migrate

    monkeypatch.setattr(pg_migrate, "PAGE", 7)
    report = migrate_to_postgres(town_file, pg_database, None, actor=None)
    assert report.ok  # every table's count and checksum, each read back a page at a time
    counts = {table.table: (table.source_rows, table.target_rows) for table in report.tables}
    assert counts["service_request"] == (60, 60)
    assert (
        counts["request_event"][0] > 7 * 3
        and counts["request_event"][0] == counts["request_event"][1]
    )
    assert counts["schema_info"][0] == counts["schema_info"][1] > 1  # text primary keys


def test_migrate_to_from_the_command_line(town_file: Path, pg_database: str, capsys):
    status = main(["--db", str(town_file), "migrate-to", pg_database, "--json"])
    out, err = capsys.readouterr()
    assert status == 0, err
    report = json.loads(out)
    assert report["ok"] and all(table["ok"] for table in report["tables"])
    status = main(["--db", pg_database, "check"])
    assert status == 0
    capsys.readouterr()


def test_postgresql_reports_a_clear_error_for_a_missing_database(pg_server):
    with pytest.raises(CannotOpenDatabase, match="does not exist"):
        open_database(pg_server.url_of("no_such_town_db"))


def test_a_copy_that_differs_from_the_file_is_refused(
    town_file: Path, pg_database: str, monkeypatch: pytest.MonkeyPatch
):
    """The checksums are of the values themselves: one description stored differently on the
    server (after the copy, before it is checked) is found, and the file is not marked moved."""
    from desktop.models.storage import db as dbmod

    real = dbmod.reset_sequences

    def and_then_a_change(models: Any) -> None:  # the last step inside the copy's transaction
        real(models)
        ServiceRequest.update(description="Something else").where(
            ServiceRequest.id == ServiceRequest.select(peewee.fn.MIN(ServiceRequest.id))
        ).execute()

    monkeypatch.setattr(dbmod, "reset_sequences", and_then_a_change)
    with pytest.raises(DatabaseError, match="service_request"):
        migrate_to_postgres(town_file, pg_database, None, actor=None)
    old = open_database(town_file)
    try:
        assert not old.read_only  # still the town's file
    finally:
        close_database(old)


def test_every_kind_of_value_survives_the_copy(town_file: Path, pg_database: str):
    """Text with tabs, new lines and backslashes, fractions of a second, coordinates, flags,
    empty text apart from no value at all: each arrives as it was, and the checksums agree."""
    opened = open_database(town_file)
    first = ServiceRequest.select().order_by(ServiceRequest.id).get()
    tricky = "a\ttab\nnew line\r\\N back\\slash ñ \u2603"
    write(
        lambda: (
            ServiceRequest.update(
                description=tricky,
                location_notes="",
                zip="",
                lat=42.123456789,
                long=-71.5,
                confidential=True,
                requested_at=dt.datetime(2026, 3, 4, 5, 6, 7, 890),
            )
            .where(ServiceRequest.id == first.id)
            .execute()
        )
    )
    close_database(opened)
    report = migrate_to_postgres(town_file, pg_database, None, actor=None)
    assert report.ok
    moved = open_database(pg_database)
    try:
        row = ServiceRequest.get_by_id(first.id)
        assert row.description == tricky and row.location_notes == "" and row.zip == ""
        assert (row.lat, row.long, row.confidential) == (42.123456789, -71.5, True)
        assert row.requested_at == dt.datetime(2026, 3, 4, 5, 6, 7, 890)
        assert ServiceRequest.get_by_id(first.id + 1).lat is None
    finally:
        close_database(moved)


def test_a_fresh_process_loads_the_driver_when_it_opens_a_server(
    town_file: Path, pg_database: str, tmp_path: Path
):
    """The entry point loads peewee without psycopg2 (a SQLite town's start is faster); a town
    on a server still opens, reads and saves in a new process."""
    import subprocess
    import sys

    migrate_to_postgres(town_file, pg_database, None, actor=None)

    def frontcounter(*args: str) -> subprocess.CompletedProcess[str]:
        base = ["--basedir", str(tmp_path), "--db", pg_database]
        return subprocess.run(
            [sys.executable, "-m", "desktop", *base, *args],
            capture_output=True,
            text=True,
            check=False,
        )

    listed = frontcounter("request", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    assert len(json.loads(listed.stdout)) >= 1
    added = frontcounter("request", "add", "pothole", "Deep hole", "--address", "12 Elm St",
                         "--attr", "size=large", "--attr", "in_lane=yes")  # fmt: skip
    assert added.returncode == 0 and added.stderr == "", added.stderr
    assert "Saved as" in added.stdout
