"""Reference data kept in memory between saves, and read again the moment it changes - even
when the change comes from another workstation or the sqlite3 shell."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest

from desktop.models.catalog import routing
from desktop.models.errors import InputError
from desktop.models.requests.intake import service_type_by_code
from desktop.models.staff import permissions
from desktop.models.storage import config_cache
from desktop.models.town.calendar import load_calendar

pytestmark = pytest.mark.sqlite_only  # the counter and its triggers are SQLite's


def test_a_value_is_loaded_once_while_nothing_changes(db):
    calls = []

    def load() -> int:
        calls.append(1)
        return len(calls)

    assert config_cache.cached("x", load) == 1
    assert config_cache.cached("x", load) == 1
    before = config_cache.generation()
    routing.add_rule(
        routing.RuleFields("Oak Street is low", street="oak st", priority="low"), actor=None
    )
    assert config_cache.generation() != before
    assert config_cache.cached("x", load) == 2


def test_a_value_not_worth_keeping_is_loaded_each_time(db):
    """A partner may post any service code: a code no type has is never kept, so what is kept
    stays as small as the catalog."""
    calls = []

    def load() -> int | None:
        calls.append(1)
        return None

    assert config_cache.cached("y", load, keep=lambda value: value is not None) is None
    assert config_cache.cached("y", load, keep=lambda value: value is not None) is None
    assert len(calls) == 2
    kept = set(config_cache._cache)
    with pytest.raises(InputError):
        service_type_by_code("no_such_code_at_all")
    assert set(config_cache._cache) == kept
    service_type_by_code("pothole")
    assert "type:pothole" in config_cache._cache


def test_another_workstations_changes_are_seen_at_once(db):
    assert service_type_by_code("pothole").name == "Pothole"
    calendar = load_calendar()
    assert load_calendar() is calendar  # kept
    other = sqlite3.connect(db.path)  # another workstation, or the sqlite3 shell
    other.execute("UPDATE service_type SET name = 'Pothole in the road' WHERE code = 'pothole'")
    other.execute(
        "INSERT INTO holiday (day, name, source) VALUES ('2031-07-07', 'Founders Day', 'town')"
    )
    other.commit()
    other.close()
    assert service_type_by_code("pothole").name == "Pothole in the road"
    assert dt.date(2031, 7, 7) in load_calendar().holidays


def test_sign_in_turns_on_as_soon_as_someone_has_a_password(db):
    from desktop.models.setup.first_run import complete_first_run

    assert not permissions.sign_in_enabled()
    complete_first_run("Alder Falls", "Ada Admin", password="admin password 1")
    assert permissions.sign_in_enabled()


def test_opening_another_database_forgets_what_was_kept(db, tmp_path):
    from desktop.models.setup.opening import open_database
    from desktop.models.storage.db import close_database

    config_cache.cached("y", lambda: "first town")
    other = open_database(tmp_path / "other.db")
    try:
        assert config_cache.cached("y", lambda: "second town") == "second town"
    finally:
        close_database(other)


def test_settings_are_kept_and_another_workstations_change_is_seen_at_once(db):
    from desktop.models.town.settings import get_setting, set_settings

    set_settings({"town.name": "Alder Falls"}, actor=None)
    assert get_setting("town.name") == "Alder Falls"
    assert "settings" in config_cache._cache  # every save reads a few: not a query each
    other = sqlite3.connect(db.path)  # another workstation, or the sqlite3 shell
    other.execute("UPDATE setting SET value = '\"Alder Falls Township\"' WHERE key = 'town.name'")
    other.commit()
    other.close()
    assert get_setting("town.name") == "Alder Falls Township"


def test_a_kept_list_is_the_callers_own_copy(db):
    from desktop.models.town.settings import get_setting, set_settings

    set_settings({"setup.checked": ["backups", "printer"]}, actor=None)
    checked = get_setting("setup.checked")
    checked.append("changed by the caller, never saved")
    assert get_setting("setup.checked") == ["backups", "printer"]


def test_what_a_write_saw_of_its_own_change_is_not_kept_when_it_rolls_back(db):
    """A transaction sees its change before committing: had it kept what it read, a later
    commit moving the counter as far would have served the rolled-back value to everyone."""
    from desktop.models.storage.db import write
    from desktop.models.storage.schema import Setting
    from desktop.models.town.settings import get_setting, set_settings

    set_settings({"town.name": "Alder Falls"}, actor=None)
    assert get_setting("town.name") == "Alder Falls"

    def change_then_fail() -> None:
        Setting.update(value="Rolled Back").where(Setting.key == "town.name").execute()
        assert get_setting("town.name") == "Rolled Back"  # its own change, seen
        raise InputError("the clerk's save was refused after all")

    with pytest.raises(InputError):
        write(change_then_fail)
    set_settings({"town.phone": "555 0100"}, actor=None)  # the counter moves as far again
    assert get_setting("town.name") == "Alder Falls"


def test_settings_are_not_kept_from_a_file_whose_setting_changes_move_no_counter(db):
    """A file written so far only by an older release has the counter but not the setting
    table's triggers (a read-only open adds none): another workstation's change must still be
    seen, so nothing is kept from that table until they are there."""
    from desktop.models.town.settings import get_setting, set_settings

    set_settings({"town.name": "Alder Falls"}, actor=None)
    other = sqlite3.connect(db.path)
    for event in ("insert", "update", "delete"):
        other.execute(f"DROP TRIGGER config_setting_{event}")
    other.commit()
    config_cache.clear()  # as a new open does
    assert not config_cache.watching("setting") and config_cache.watching("service_type")
    assert get_setting("town.name") == "Alder Falls"
    other.execute("UPDATE setting SET value = '\"Alder Falls Township\"' WHERE key = 'town.name'")
    other.commit()
    other.close()
    assert get_setting("town.name") == "Alder Falls Township"
    config_cache.create_triggers(db.db)  # a writable open of this release adds them
    assert config_cache.watching("setting")
