"""The Dashboard's running totals (desktop/models/storage/rollups.py) stay equal to the rows
they count, whoever changes the rows and however: the clerks' own actions, a bulk load, another
program writing into the file; a file without them gets them; `check` notices when they are out
of step and `check --repair-rollups` counts them again. (test_citistat.py checks that the
Dashboard reads the same numbers from them as from the rows.)"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

import pytest

from desktop.app import main
from desktop.models import clock
from desktop.models.reports import citistat
from desktop.models.requests import lifecycle
from desktop.models.requests.edit import RequestEdit, edit_request
from desktop.models.setup import demo
from desktop.models.setup.demo import generate_demo
from desktop.models.setup.opening import open_database
from desktop.models.storage import rollups
from desktop.models.storage.db import close_database, current
from desktop.models.storage.schema import ServiceAttribute, ServiceRequest, ServiceType

from .conftest import TEST_NOW

pytestmark = pytest.mark.sqlite_only


def out_of_step(path: Path) -> list[str]:
    with sqlite3.connect(path) as connection:
        return rollups.differences(connection)


def totals(path: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every table of totals, rows of 0 left out."""
    with sqlite3.connect(path) as connection:
        return {
            table: sorted(connection.execute(f"SELECT * FROM {table} WHERE n != 0").fetchall())  # noqa: S608
            for table in rollups.TABLES
        }


def ids(where: object, limit: int) -> list[int]:
    query = ServiceRequest.select(ServiceRequest.id).where(where)
    return [r.id for r in query.order_by(ServiceRequest.id).limit(limit)]


def test_the_totals_follow_every_change_a_clerk_makes(db, db_path):
    generate_demo(300, seed=3, actor=None)
    assert rollups.kept(current()) and totals(db_path)["stat_received"]
    assert out_of_step(db_path) == []
    r = ServiceRequest
    moments = iter(TEST_NOW - dt.timedelta(hours=3 * n) for n in range(60, 0, -1))

    def tick() -> None:
        moment = next(moments)
        clock.set_clock(lambda: moment)

    new = ids(r.status == "new", 6)
    for request_id in new[:3]:  # acknowledged: their mark moves from "waiting" to on time/late
        tick()
        lifecycle.set_status(request_id, "acknowledged", actor=None)
    open_ids = ids(r.resolved_at.is_null(), 12)
    for request_id in open_ids[:3]:
        tick()
        lifecycle.resolve(request_id, "fixed", actor=None)
    for request_id in open_ids[3:5]:  # duplicates leave the resolution counts
        tick()
        lifecycle.resolve(request_id, "duplicate", duplicate_of=open_ids[6], actor=None)
    for request_id in ids(r.status == "closed", 3):
        tick()
        lifecycle.reopen(request_id, "came back", actor=None)
    asking = ServiceAttribute.select(ServiceAttribute.service_type).where(
        ServiceAttribute.required, ServiceAttribute.variable
    )
    other = ServiceType.select().where(ServiceType.id.not_in(asking)).order_by(ServiceType.id).get()
    for request_id in open_ids[7:9]:  # another type (and with it maybe another department)
        tick()
        edit_request(request_id, RequestEdit(service_type=other.code, answers={}), actor=None)
    tick()
    edit_request(open_ids[9], RequestEdit(address="12 Elm Street"), actor=None)
    clock.set_clock(lambda: TEST_NOW)
    assert out_of_step(db_path) == []

    # another program writes into the file (the sqlite3 shell, a script): the triggers are in
    # the file, so the totals follow it too
    with sqlite3.connect(db_path) as raw:
        raw.execute("UPDATE service_request SET requested_at = '2025-01-02 03:04:05' WHERE id = ?",
                    (open_ids[10],))  # fmt: skip
        raw.execute("UPDATE service_request SET channel = 'letter', created_by_id = NULL")
        raw.execute("DELETE FROM request_event WHERE request_id = ?", (open_ids[11],))
        raw.execute("DELETE FROM request_answer WHERE request_id = ?", (open_ids[11],))
        raw.execute("DELETE FROM request_pause WHERE request_id = ?", (open_ids[11],))
        raw.execute("DELETE FROM service_request WHERE id = ?", (open_ids[11],))
    assert out_of_step(db_path) == []


def test_a_bulk_load_counts_everything_once_at_the_end(db, db_path, monkeypatch):
    monkeypatch.setattr(demo, "BULK_LOAD_ROWS", 100)  # the million-request path, on 400
    generate_demo(400, seed=4, actor=None)
    assert rollups.kept(current())
    assert out_of_step(db_path) == []
    received = sum(int(str(row[-1])) for row in totals(db_path)["stat_received"])
    assert received == ServiceRequest.select().count() >= 400


def test_a_file_without_totals_gets_them_when_opened_for_writing(db, db_path):
    generate_demo(200, seed=6, actor=None)
    expected = totals(db_path)
    period = citistat.Period(dt.date(2026, 10, 1), dt.date(2026, 10, 31))
    board = citistat.dashboard(period, actor=None).as_dict()
    close_database(db)
    with sqlite3.connect(db_path) as raw:  # as a file made before them, or copied by a tool
        for name in rollups.DERIVED:
            kind = raw.execute("SELECT type FROM sqlite_master WHERE name = ?", (name,)).fetchone()
            if kind:
                raw.execute(f'DROP {kind[0].upper()} "{name}"')
    read_only = open_database(db_path, read_only=True)
    try:  # nothing is made read-only; the Dashboard counts the rows instead, the same numbers
        assert not rollups.kept(current())
        assert citistat.dashboard(period, actor=None).as_dict() == board
    finally:
        close_database(read_only)
    reopened = open_database(db_path)
    try:
        assert rollups.kept(current())
        assert totals(db_path) == expected
        assert citistat.dashboard(period, actor=None).as_dict() == board
    finally:
        close_database(reopened)


def test_check_says_when_the_totals_are_out_of_step_and_repairs_them(db, db_path, tmp_path, capsys):
    generate_demo(150, seed=2, actor=None)
    close_database(db)
    with sqlite3.connect(db_path) as raw:
        raw.execute(
            "UPDATE stat_received SET n = n + 5 WHERE day = (SELECT MIN(day) FROM stat_received)"
        )
        raw.execute("DELETE FROM stat_block")
    base = ["--basedir", str(tmp_path / "base"), "--db", str(db_path)]
    capsys.readouterr()
    assert main([*base, "check"]) == 1
    said = capsys.readouterr().out
    assert "running_totals: OUT OF STEP" in said
    assert "stat_received" in said and "stat_block" in said
    assert "The file is sound" in said and "check --repair-rollups" in said
    assert "restore a backup" not in said  # not damage: nothing to restore
    assert main([*base, "check", "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["running_totals"]["ok"] is False and report["checks"]["integrity_check"]["ok"]

    assert main([*base, "check", "--repair-rollups", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] and report["running_totals_repaired"] is True
    assert out_of_step(db_path) == []
    assert main([*base, "check"]) == 0
    assert "All checks passed." in capsys.readouterr().out


def test_repairing_needs_an_administrator_once_staff_sign_in(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("FRONTCOUNTER_ADMIN_PASSWORD", "admin password 1")
    base = ["--basedir", str(tmp_path), "--db", str(tmp_path / "town.db")]
    assert main([*base, "init", "--town", "Alder Falls", "--admin", "Ada Admin"]) == 0
    capsys.readouterr()
    assert main([*base, "check"]) == 0  # reading asks nobody
    assert main([*base, "check", "--repair-rollups"]) == 1
    assert "--user" in capsys.readouterr().err
    monkeypatch.setenv("FRONTCOUNTER_PASSWORD", "admin password 1")
    assert main([*base, "--user", "ada.admin", "check", "--repair-rollups"]) == 0
    assert "counted again" in capsys.readouterr().out
