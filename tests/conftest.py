"""Test setup: offscreen Qt, temporary folders for everything, an in-memory keyring, a set clock."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

os.environ["QT_QPA_PLATFORM"] = "offscreen"

import keyring
import pytest
from keyring.backend import KeyringBackend

from desktop.models import clock
from desktop.models.db import OpenedDatabase, close_database, open_database
from desktop.paths import AppPaths, app_paths

#: the moment every test runs at unless it sets its own (a Monday morning)
TEST_NOW = dt.datetime(2026, 11, 16, 9, 30)


class MemoryKeyring(KeyringBackend):
    """A keyring that lives and dies with the test session."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.secrets: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.secrets.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.secrets[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.secrets.pop((service, username), None)


@pytest.fixture(autouse=True)
def isolated_user_folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No test touches the real home, data, config folders or keyring."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for var in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        monkeypatch.setenv(var, str(home / var.lower()))
    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    yield
    keyring.set_keyring(previous)


@pytest.fixture(autouse=True)
def fixed_clock() -> Iterator[None]:
    clock.set_clock(lambda: TEST_NOW)
    yield
    clock.set_clock(None)


@pytest.fixture
def paths(tmp_path: Path) -> AppPaths:
    return app_paths(tmp_path / "base")


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "town.db"


@pytest.fixture
def db(db_path: Path) -> Iterator[OpenedDatabase]:
    """A new, seeded SQLite database in a temporary folder."""
    opened = open_database(db_path)
    yield opened
    close_database(opened)
