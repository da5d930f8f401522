"""Opening costs the same at any size (docs/RELIABILITY.md rule 8): a large file is not read
whole on opening; what its last full check found is remembered per computer and trusted."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.app import main
from desktop.models import clock
from desktop.models.admin import backups
from desktop.models.setup.demo import generate_demo
from desktop.models.setup.opening import open_database
from desktop.models.storage import check_record
from desktop.models.storage import db as dbmod
from desktop.models.storage.db import close_database

from .conftest import TEST_NOW
from .test_backups import corrupt_middle

pytestmark = pytest.mark.sqlite_only


@pytest.fixture
def record(tmp_path: Path) -> Iterator[Path]:
    where = tmp_path / "data" / check_record.FILE_NAME
    check_record.set_record_file(where)
    yield where
    check_record.set_record_file(None)


@pytest.fixture
def town(tmp_path: Path) -> Path:
    path = tmp_path / "town.db"
    opened = open_database(path)
    generate_demo(300, seed=5, actor=None)
    close_database(opened)
    return path


def _large(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every file counts as large; the list fills when opening runs quick_check (it must not)."""
    ran: list[str] = []

    def quick_check(db: object) -> list[str]:
        ran.append("quick_check")
        return []

    monkeypatch.setattr(dbmod, "SYNC_CHECK_BYTES", 0)
    monkeypatch.setattr(dbmod, "quick_check", quick_check)
    return ran


def test_a_small_file_is_checked_on_opening_and_the_check_is_noted(record, town):
    opened = open_database(town)
    close_database(opened)
    last = check_record.last_check(town)
    assert last is not None and last.sound and last.at == TEST_NOW
    assert json.loads(record.read_text(encoding="utf-8"))  # kept in the user data folder


def test_a_large_file_is_not_read_whole_on_opening_and_its_daily_check_is_due(
    town, record, monkeypatch
):
    ran = _large(monkeypatch)
    opened = open_database(town)
    try:
        assert ran == [] and opened.check_pending and not opened.read_only
    finally:
        close_database(opened)


def test_a_large_file_checked_today_is_trusted_through_the_days_saves(record, town, monkeypatch):
    check_record.note_check(town, [])
    opened = open_database(town)  # a save or two change the file's time
    close_database(opened)
    ran = _large(monkeypatch)
    opened = open_database(town)
    try:
        assert ran == [] and not opened.check_pending
    finally:
        close_database(opened)
    clock.set_clock(lambda: TEST_NOW + dt.timedelta(days=1, minutes=1))
    assert check_record.due(town)  # tomorrow: checked again


def test_damage_found_by_a_check_opens_a_large_file_read_only_without_reading_it(
    record, town, monkeypatch, tmp_path, capsys
):
    corrupt_middle(town)
    base = ["--basedir", str(tmp_path / "base"), "--db", str(town)]
    check_record.set_record_file(tmp_path / "base" / "data" / check_record.FILE_NAME)
    assert main([*base, "check"]) == 1
    assert "Problems found" in capsys.readouterr().out
    assert check_record.known_damage(town)
    ran = _large(monkeypatch)
    opened = open_database(town)
    try:
        assert ran == [] and opened.damaged and opened.read_only
        assert "damaged" in opened.read_only_reason
    finally:
        close_database(opened)


def test_damage_is_no_longer_trusted_once_the_file_changes(record, town):
    check_record.note_check(town, ["*** in database main ***"])
    assert check_record.known_damage(town)
    with town.open("ab") as grown:  # a restore or a repair writes the file
        grown.write(b"\0" * 4096)
    assert check_record.known_damage(town) == ()
    assert check_record.due(town)


def test_a_backup_notes_that_the_file_was_sound(record, town, tmp_path):
    backups.take_backup(town, tmp_path / "backups", actor=None)
    last = check_record.last_check(town)
    assert last is not None and last.sound


def test_an_unreadable_record_counts_as_never_checked(record, town):
    record.parent.mkdir(parents=True, exist_ok=True)
    for text in ("{not json", "[1, 2]", '{"x": 1}', json.dumps({str(town.resolve()): {"at": 3}})):
        record.write_text(text, encoding="utf-8")
        assert check_record.last_check(town) is None and check_record.due(town)
    check_record.note_check(town, [])  # and it is written whole again
    assert check_record.last_check(town) is not None


def test_a_record_that_cannot_be_written_is_no_error(tmp_path, town):
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("x", encoding="utf-8")
    check_record.set_record_file(blocked / check_record.FILE_NAME)
    try:
        check_record.note_check(town, [])
        assert check_record.last_check(town) is None
    finally:
        check_record.set_record_file(None)
