"""Backups, restore, check and the check on opening (docs/RELIABILITY.md rules 7, 8, 9, 11)."""

from __future__ import annotations

import datetime as dt
import functools
import json
import sqlite3
from pathlib import Path

import pytest

from desktop.app import main
from desktop.models import clock
from desktop.models.admin import backups
from desktop.models.errors import DatabaseError, DatabaseReadOnly, NotADatabase
from desktop.models.setup.demo import generate_demo
from desktop.models.setup.opening import open_database
from desktop.models.storage import integrity
from desktop.models.storage.db import close_database, cloud_sync_service, write
from desktop.models.storage.schema import DbSession, ServiceRequest, Setting

from .conftest import TEST_NOW, ana_on_front_2

pytestmark = pytest.mark.sqlite_only


def requests_in(path: Path) -> int:
    raw = sqlite3.connect(path)
    try:
        return int(raw.execute("SELECT count(*) FROM service_request").fetchone()[0])
    finally:
        raw.close()


@pytest.fixture
def town(db_path: Path) -> Path:
    opened = open_database(db_path)
    generate_demo(40, seed=3, actor=None)
    close_database(opened)
    return db_path


def corrupt_middle(path: Path) -> None:
    """Scribble over a few pages in the middle of the file: pages of the requests' table, so
    the header and the schema (which may lie anywhere in the file) survive."""
    raw = sqlite3.connect(path)
    try:
        page = raw.execute("PRAGMA page_size").fetchone()[0]
        pages = [
            row[0]
            for row in raw.execute(
                "SELECT pageno FROM dbstat WHERE name = 'service_request' ORDER BY pageno"
            )
        ]
    finally:
        raw.close()
    assert len(pages) >= 5, "too few pages to damage the middle of"
    middle = len(pages) // 2
    data = bytearray(path.read_bytes())
    for number in pages[middle - 1 : middle + 2]:
        start = (number - 1) * page
        data[start : start + page] = b"\x5a" * page
    path.write_bytes(bytes(data))


# -- rotation --------------------------------------------------------------------------------


def test_rotation_keeps_7_daily_4_weekly_12_monthly():
    start = dt.datetime(2025, 1, 1, 17, 0)
    moments = [start + dt.timedelta(days=day, hours=hour) for day in range(500) for hour in (0, 2)]
    kept = backups.to_keep(moments)
    newest = max(moments)
    days = {m.date() for m in kept}
    assert {(newest - dt.timedelta(days=d)).date() for d in range(7)} <= days
    assert all(m.hour == 19 for m in kept)  # the newest of each day
    assert len({m.isocalendar()[:2] for m in kept}) >= 4
    assert len({(m.year, m.month) for m in kept}) == 12
    assert len(kept) <= 7 + 4 + 12
    assert min(kept) > newest - dt.timedelta(days=366)


def test_rotation_deletes_only_what_it_does_not_keep(town: Path, tmp_path: Path):
    folder = tmp_path / "backups"
    for day in range(30):
        moment = TEST_NOW - dt.timedelta(days=day)
        clock.set_clock(functools.partial(lambda at: at, moment))
        backups.take_backup(town, folder, rotate_after=False, actor=None)
    clock.set_clock(lambda: TEST_NOW)
    backups.rotate(folder)
    left = backups.list_backups(folder)
    assert len(left) == len(backups.to_keep(b.taken_at for b in left)) <= 7 + 4 + 12
    assert left[0].taken_at == TEST_NOW


# -- backup ----------------------------------------------------------------------------------


def test_a_backup_is_a_checked_copy_with_no_sessions(town: Path, tmp_path: Path):
    opened = open_database(town)
    write(
        lambda: DbSession.create(
            token="t", workstation="FRONT-2", pid=1, since=TEST_NOW, last_seen=TEST_NOW
        )
    )
    made = backups.take_backup(town, tmp_path / "backups", actor=None)
    close_database(opened)
    assert made.path.name == "town-20261116-093000.db"
    assert [p.name for p in made.path.parent.iterdir()] == [made.path.name]  # no .partial left
    assert integrity.check_file(made.path).ok
    assert requests_in(made.path) == requests_in(town) == 40
    raw = sqlite3.connect(made.path)
    assert raw.execute("SELECT count(*) FROM db_session").fetchone()[0] == 0
    raw.close()
    assert backups.newest(made.path.parent) == made


def test_a_damaged_database_leaves_no_backup_behind(town: Path, tmp_path: Path):
    corrupt_middle(town)
    folder = tmp_path / "backups"
    with pytest.raises(DatabaseError):
        backups.take_backup(town, folder, actor=None)
    assert backups.list_backups(folder) == []
    assert list(folder.iterdir()) == []


def test_backups_are_kept_per_database_in_the_local_folder(paths, tmp_path: Path):
    one = backups.folder_for(paths.backup_dir, tmp_path / "a" / "town.db")
    two = backups.folder_for(paths.backup_dir, tmp_path / "b" / "town.db")
    assert one != two and one.parent == two.parent == paths.backup_dir


def test_a_daily_backup_is_due_after_a_day(town: Path, tmp_path: Path):
    folder = tmp_path / "backups"
    assert backups.backup_due(folder)
    backups.take_backup(town, folder, actor=None)
    assert not backups.backup_due(folder, TEST_NOW + dt.timedelta(hours=23))
    assert backups.backup_due(folder, TEST_NOW + dt.timedelta(hours=24))


# -- restore ---------------------------------------------------------------------------------


def test_restore_round_trips_through_the_backup_api(town: Path, tmp_path: Path):
    folder = tmp_path / "backups"
    made = backups.take_backup(town, folder, actor=None)
    opened = open_database(town)
    generate_demo(5, seed=9, actor=None)
    close_database(opened)
    assert requests_in(town) == 45
    inode = town.stat().st_ino
    before = backups.restore(made.path, town, folder, actor=None)
    assert town.stat().st_ino == inode  # the same file, never swapped
    assert requests_in(town) == 40
    assert before is not None and requests_in(before.path) == 45
    assert integrity.check_file(town).ok


def test_restore_mends_a_damaged_file_and_one_with_a_ruined_header(town: Path, tmp_path: Path):
    folder = tmp_path / "backups"
    made = backups.take_backup(town, folder, actor=None)
    corrupt_middle(town)
    # a file too damaged to open: who may restore it is read from the backup, as the CLI does
    opened = open_database(made.path, read_only=True, migrate=False)
    try:
        backups.restore(made.path, town, folder, actor=None)
        assert integrity.check_file(town).ok
        with town.open("r+b") as handle:
            handle.write(b"garbage garbage!")
        backups.restore(made.path, town, folder, actor=None)
    finally:
        close_database(opened)
    assert requests_in(town) == 40


def test_restore_refuses_what_is_not_a_sound_backup(town: Path, tmp_path: Path):
    letter = tmp_path / "letter.db"
    letter.write_text("not a backup" * 500)
    with pytest.raises(NotADatabase):
        backups.restore(letter, town, tmp_path / "backups", actor=None)
    other = tmp_path / "other.db"
    raw = sqlite3.connect(other)
    raw.execute("CREATE TABLE recipes (name TEXT)")
    raw.close()
    with pytest.raises(NotADatabase):
        backups.restore(other, town, tmp_path / "backups", actor=None)
    assert requests_in(town) == 40


# -- the check on opening --------------------------------------------------------------------


def test_a_damaged_file_opens_read_only_and_is_not_written(town: Path):
    corrupt_middle(town)
    before = town.read_bytes()
    opened = open_database(town)
    try:
        assert opened.damaged and opened.read_only
        assert "damaged" in opened.read_only_reason and "backup" in opened.read_only_reason
        with pytest.raises(DatabaseReadOnly):
            write(lambda: Setting.insert(key="town.name", value="x").execute())
    finally:
        close_database(opened)
    assert town.read_bytes() == before


def test_damage_in_the_page_that_holds_the_schema_version_still_opens_read_only(town: Path):
    raw = sqlite3.connect(town)
    pages = [
        row[0]
        for row in raw.execute(
            "SELECT rootpage FROM sqlite_master WHERE tbl_name = 'schema_info' AND rootpage > 0"
        )
    ]
    page_size = raw.execute("PRAGMA page_size").fetchone()[0]
    raw.close()
    data = bytearray(town.read_bytes())
    for page in pages:  # the table and its index: the version cannot be read any more
        start = (page - 1) * page_size
        data[start : start + page_size] = b"\x5a" * page_size
    town.write_bytes(bytes(data))
    before = town.read_bytes()
    opened = open_database(town)
    try:
        assert opened.damaged and opened.read_only
        assert "backup" in opened.read_only_reason
    finally:
        close_database(opened)
    assert town.read_bytes() == before


def test_a_cloud_sync_folder_is_warned_about(tmp_path: Path):
    for where, service in [
        ("Dropbox/town.db", "Dropbox"),
        ("OneDrive - Town of Milford/clerk/town.db", "OneDrive"),
        ("Google Drive/My Drive/town.db", "Google Drive"),
        ("Library/Mobile Documents/com~apple~CloudDocs/town.db", "iCloud"),
        ("shares/clerk/town.db", ""),
    ]:
        assert cloud_sync_service(tmp_path / where) == service, where
    opened = open_database(tmp_path / "Dropbox" / "town.db")
    try:
        assert any("Dropbox" in warning for warning in opened.warnings)
    finally:
        close_database(opened)


# -- the commands ----------------------------------------------------------------------------


def run(capsys, *args: str) -> tuple[int, str, str]:
    status = main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


def test_backup_check_and_restore_commands(town: Path, tmp_path: Path, capsys):
    base = ["--basedir", str(tmp_path / "base"), "--db", str(town)]
    status, out, _err = run(capsys, *base, "backup", "--json")
    assert status == 0
    made = json.loads(out)
    assert made["checked"] and Path(made["path"]).is_file()
    assert str(tmp_path / "base" / "backups") in made["path"]
    status, out, _err = run(capsys, *base, "backup", "--to", str(tmp_path / "usb"), "--json")
    assert status == 0 and Path(json.loads(out)["path"]).parent == tmp_path / "usb"
    status, out, _err = run(capsys, *base, "check", "--json")
    assert status == 0 and json.loads(out)["ok"]
    status, out, _err = run(capsys, *base, "restore", made["path"], "--json")
    assert status == 0 and json.loads(out)["restored_from"] == made["path"]


def test_check_fails_on_a_damaged_file(town: Path, tmp_path: Path, capsys):
    corrupt_middle(town)
    status, out, _err = run(capsys, "--db", str(town), "check", "--json")
    report = json.loads(out)
    assert status == 1 and not report["ok"]
    assert report["checks"]["integrity_check"]["problems"]


def test_check_fails_on_broken_foreign_keys(town: Path, capsys):
    raw = sqlite3.connect(town)
    raw.execute("UPDATE service_request SET service_type_id = 99999 WHERE id = 1")
    raw.commit()
    raw.close()
    status, out, _err = run(capsys, "--db", str(town), "check", "--json")
    report = json.loads(out)
    assert status == 1
    assert report["checks"]["foreign_key_check"]["problems"]
    assert report["checks"]["integrity_check"]["ok"]


def test_restore_is_refused_while_others_have_the_file_open(town: Path, tmp_path: Path, capsys):
    base = ["--basedir", str(tmp_path / "base"), "--db", str(town)]
    made = backups.take_backup(town, tmp_path / "b", actor=None)
    opened = open_database(town)
    ana_on_front_2()
    generate_demo(2, seed=5, actor=None)
    close_database(opened)
    status, _out, err = run(capsys, *base, "restore", str(made.path))
    assert status == 1 and "Ana Ortiz on FRONT-2" in err
    assert requests_in(town) == 42
    status, out, _err = run(capsys, *base, "sessions", "--json")
    assert [row["workstation"] for row in json.loads(out)] == ["FRONT-2"]


def test_restoring_a_file_too_damaged_to_open_needs_an_administrator_of_its_backup(
    tmp_path: Path, capsys, monkeypatch
):
    from desktop.models.setup.first_run import complete_first_run

    town = tmp_path / "signed.db"
    opened = open_database(town)
    complete_first_run("Alder Falls", "Ada Admin", password="admin password 1")
    close_database(opened)
    base = ["--basedir", str(tmp_path / "base"), "--db", str(town)]
    monkeypatch.setenv("FRONTCOUNTER_PASSWORD", "admin password 1")
    status, out, err = run(capsys, *base, "--user", "ada.admin", "backup", "--json")
    assert status == 0, err
    made = json.loads(out)["path"]
    with town.open("r+b") as handle:
        handle.write(b"garbage garbage!")  # the header: the file no longer opens
    status, _out, err = run(capsys, *base, "restore", made)
    assert status == 1 and "--user" in err
    status, _out, err = run(capsys, *base, "--user", "ada.admin", "restore", made)
    assert status == 0, err
    assert integrity.check_file(town).ok


def test_backup_of_postgresql_points_to_its_own_tools(capsys):
    status, _out, err = run(capsys, "--db", "postgresql://clerk@127.0.0.1:1/town", "backup")
    assert status == 1 and "pg_dump" in err


def test_request_counts_survive_a_failed_write_then_backup(town: Path, tmp_path: Path):
    opened = open_database(town)
    try:
        assert ServiceRequest.select().count() == 40
    finally:
        close_database(opened)
