"""Who has the database open (docs/RELIABILITY.md rule 10): rows written, refreshed, expired,
named."""

from __future__ import annotations

import dataclasses
import datetime as dt
import subprocess
import sys

import pytest

from desktop.models import clock
from desktop.models.admin.maintenance import vacuum
from desktop.models.errors import DatabaseInUse
from desktop.models.setup import migrations, versions
from desktop.models.setup.opening import open_database
from desktop.models.storage import sessions
from desktop.models.storage.db import close_database, write
from desktop.models.storage.schema import DbSession, ServiceRequest

from .conftest import TEST_NOW


def other_clerk(workstation: str = "FRONT-2", name: str = "Ana Ortiz", **fields) -> DbSession:
    values = {
        "token": f"other-{workstation}",
        "username": "aortiz",
        "display_name": name,
        "workstation": workstation,
        "pid": 4242,
        "since": TEST_NOW,
        "last_seen": TEST_NOW,
    } | fields
    return write(lambda: DbSession.create(**values))


def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_a_session_is_written_on_start_and_removed_on_a_clean_exit(db):
    token = sessions.start("clerk1", "Pat Clerk")
    row = DbSession.get(DbSession.token == token)
    assert (row.username, row.display_name, row.workstation) == ("clerk1", "Pat Clerk", "TEST-PC")
    assert row.since == row.last_seen == TEST_NOW
    assert sessions.others() == []  # this workstation is not "someone else"
    sessions.end()
    assert DbSession.select().count() == 0
    assert sessions.current_token() is None


def test_other_clerks_are_listed_and_named(db):
    sessions.start("clerk1")
    other_clerk()
    other_clerk("PW-1", "Bob Reyes", token="bob")
    others = sessions.others()
    assert [o.label for o in others] == ["Ana Ortiz on FRONT-2", "Bob Reyes on PW-1"]
    assert sessions.describe(others) == "Ana Ortiz on FRONT-2, Bob Reyes on PW-1"


def test_the_heartbeat_keeps_a_session_alive_and_stale_ones_expire(db):
    token = sessions.start("clerk1")
    other_clerk()  # last seen at TEST_NOW, never refreshed: its PC crashed
    later = TEST_NOW + sessions.STALE_AFTER + dt.timedelta(seconds=1)
    clock.set_clock(lambda: later)
    sessions.heartbeat()
    assert DbSession.get(DbSession.token == token).last_seen == later
    assert sessions.others() == []
    assert DbSession.select().where(DbSession.workstation == "FRONT-2").count() == 0


def test_a_crashed_process_on_this_pc_does_not_count(db):
    other_clerk("TEST-PC", "Me, before the crash", pid=dead_pid(), token="crashed")
    assert sessions.others() == []
    sessions.start("clerk1")  # starting cleans it away
    assert DbSession.select().where(DbSession.token == "crashed").count() == 0


def test_the_heartbeat_puts_back_a_row_a_restore_removed(db):
    token = sessions.start("clerk1", "Ana Ortiz")
    write(lambda: DbSession.delete().execute())
    sessions.heartbeat()
    row = DbSession.get(DbSession.token == token)
    assert (row.username, row.display_name) == ("clerk1", "Ana Ortiz")  # still named


def test_the_staff_at_the_desk_is_recorded(db):
    token = sessions.start()
    sessions.set_user("clerk2", "Lee Park")
    row = DbSession.get(DbSession.token == token)
    assert (row.username, row.display_name) == ("clerk2", "Lee Park")


def test_exclusive_work_is_refused_naming_the_others(db):
    sessions.start("clerk1")
    other_clerk()
    with pytest.raises(DatabaseInUse, match="Ana Ortiz on FRONT-2") as caught:
        sessions.require_exclusive("restore a backup")
    assert caught.value.holders == ["Ana Ortiz on FRONT-2"]
    with pytest.raises(DatabaseInUse, match="compact the database"):
        vacuum(actor=None)
    write(lambda: DbSession.delete().where(DbSession.workstation == "FRONT-2").execute())
    sessions.require_exclusive("restore a backup")
    vacuum(actor=None)


@pytest.mark.sqlite_only
def test_a_schema_upgrade_waits_for_exclusive_use(db_path, monkeypatch):
    close_database(open_database(db_path))
    opened = open_database(db_path)
    other_clerk()
    before = ServiceRequest.select().count()
    close_database(opened)
    newer = versions.LATEST_VERSION + 1  # what opening reads; the migrations' copy agrees
    monkeypatch.setattr(versions, "LATEST_VERSION", newer)
    monkeypatch.setattr(migrations, "LATEST_VERSION", newer)
    with pytest.raises(DatabaseInUse, match="upgrade the database"):
        open_database(db_path)
    monkeypatch.undo()
    reopened = open_database(db_path)
    try:
        assert migrations.schema_version(reopened.db) == migrations.LATEST_VERSION
        assert ServiceRequest.select().count() == before
    finally:
        close_database(reopened)


def test_postgresql_is_recommended_past_a_handful_of_writers():
    assert sessions.postgres_advice(2, is_sqlite=True) == ""
    assert "PostgreSQL" in sessions.postgres_advice(sessions.HANDFUL_OF_WRITERS, is_sqlite=True)
    assert sessions.postgres_advice(40, is_sqlite=False) == ""


def test_a_command_that_changes_data_has_a_session_while_it_runs(tmp_path, monkeypatch, capsys):
    from desktop.app import main
    from desktop.cli import request_commands

    base = ["--basedir", str(tmp_path), "--db", str(tmp_path / "town.db")]
    assert main([*base, "init", "--town", "Alder Falls"]) == 0
    seen: list[list[str]] = []
    declared = next(c for c in request_commands.COMMANDS if c.name == "request")
    note = declared.handler
    assert note is not None

    def watching(args, opened):
        seen.append([row.workstation for row in DbSession.select()])
        return note(args, opened)

    watched = dataclasses.replace(declared, handler=watching)
    others = tuple(c for c in request_commands.COMMANDS if c.name != "request")
    monkeypatch.setattr(request_commands, "COMMANDS", (watched, *others))
    monkeypatch.setenv("FRONTCOUNTER_WORKSTATION", "SCRIPT-PC")
    add = ["request", "add", "pothole", "Hole", "--address", "1 Elm St"]
    assert main([*base, *add, "--attr", "size=large", "--attr", "in_lane=yes"]) == 0
    assert main([*base, "request", "list"]) == 0  # reading: no row
    assert seen == [["SCRIPT-PC"], []]
    opened = open_database(tmp_path / "town.db")
    try:
        assert DbSession.select().count() == 0  # gone when the command ended
    finally:
        close_database(opened)


def test_a_long_job_keeps_its_session_alive(db, monkeypatch):
    beats: list[int] = []
    monkeypatch.setattr(sessions, "heartbeat", lambda: beats.append(1))
    sessions.keep_alive()
    assert beats == []  # no session: nothing to refresh
    sessions.start("clerk1")
    moments = iter([1000.0, 1010.0, 1000.0 + sessions.HEARTBEAT_SECONDS + 1])
    monkeypatch.setattr(sessions, "_monotonic", lambda: next(moments))
    monkeypatch.setattr(sessions, "_last_beat", 0.0)
    for _call in range(3):
        sessions.keep_alive()
    assert len(beats) == 2  # the first call, then once the interval has passed
    sessions.end()
