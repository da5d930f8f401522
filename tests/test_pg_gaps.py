"""PostgreSQL addresses: unreadable ones are a sentence, never a traceback; the fields of
"Open a server…" make an address or name the field to put right."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from desktop.app import main
from desktop.models.db import (
    PostgresAddress,
    open_database,
    postgres_address,
    server_address,
    without_password,
)
from desktop.models.errors import CannotOpenDatabase, InputError

UNREADABLE = [
    ("postgresql://u@127.0.0.1:notaport/x", "port must be a number"),
    ("postgresql://u@127.0.0.1:70000/x", "port must be a number"),
    ("postgresql://u@127.0.0.1:0/x", "port must be a number"),
    ("postgresql://u@[::1/x", "check any [ and ]"),
]


@pytest.mark.parametrize(("url", "problem"), UNREADABLE)
def test_an_unreadable_address_is_a_sentence(url: str, problem: str):
    with pytest.raises(CannotOpenDatabase, match=re.escape(problem)) as raised:
        open_database(url)
    assert "postgresql://user@host:port/name" in str(raised.value)


def _one_sentence(err: str) -> None:
    assert "Traceback" not in err and "ValueError" not in err
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("frontcounter: "), err
    assert lines[0].endswith("give the server as postgresql://user@host:port/name.")


@pytest.mark.parametrize(("url", "problem"), UNREADABLE)
def test_the_command_line_says_one_sentence_for_an_unreadable_address(
    url: str, problem: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    status = main(["--basedir", str(tmp_path), "--db", url, "info"])
    err = capsys.readouterr().err
    assert status == 1
    _one_sentence(err)
    assert problem in err


@pytest.mark.parametrize(("url", "problem"), UNREADABLE)
def test_migrate_to_says_one_sentence_for_an_unreadable_address(
    url: str, problem: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    town = tmp_path / "town.db"
    assert main(["--basedir", str(tmp_path), "--db", str(town), "init"]) == 0
    capsys.readouterr()
    # the tests' keyring counts as a real one: the keyring is asked first, with this address
    status = main(["--basedir", str(tmp_path), "--db", str(town), "migrate-to", url])
    err = capsys.readouterr().err
    assert status == 1
    _one_sentence(err)
    assert problem in err


def test_an_address_is_taken_apart():
    assert postgres_address("postgresql://clerk:p%40ss@db.town:6543/alder%20falls") == (
        PostgresAddress("db.town", 6543, "alder falls", "clerk", "p@ss")
    )
    assert postgres_address("postgres:///town") == PostgresAddress("localhost", 5432, "town")
    with pytest.raises(CannotOpenDatabase, match="must name a database"):
        postgres_address("postgresql://clerk@db.town:5432/")


def test_a_password_never_reaches_the_log_even_in_an_unreadable_address():
    assert without_password("postgresql://u:secret@h:notaport/x") == "postgresql://u@h:notaport/x"
    assert without_password("postgresql://u:secret@[::1]:5433/x") == "postgresql://u@[::1]:5433/x"


def test_the_fields_make_an_address():
    address = server_address(" db.town.local ", "5433", "town", "clerk")
    assert address.url == "postgresql://clerk@db.town.local:5433/town"
    assert server_address("10.0.0.5", "", "town", "").url == "postgresql://10.0.0.5:5432/town"
    assert (
        server_address("::1", "5432", "town", "clerk").url == "postgresql://clerk@[::1]:5432/town"
    )
    odd = server_address("db", "5432", "a/b town", "o'brien@hall").url
    assert postgres_address(odd) == PostgresAddress("db", 5432, "a/b town", "o'brien@hall")


@pytest.mark.parametrize(
    ("host", "port", "name", "field"),
    [
        ("", "5432", "town", "host"),
        ("db.town:5432", "5432", "town", "host"),
        ("clerk@db.town", "5432", "town", "host"),
        ("postgresql://db/town", "5432", "town", "host"),
        ("db.town", "port", "town", "port"),
        ("db.town", "70000", "town", "port"),
        ("db.town", "0", "town", "port"),
        ("db.town", "٥٤٣٢", "town", "port"),  # digits, but not ones a port is written in
        ("db.town", "5432", " ", "name"),
    ],
)
def test_a_field_that_cannot_make_an_address_is_named(host, port, name, field):
    with pytest.raises(InputError) as raised:
        server_address(host, port, name, "clerk")
    assert raised.value.field == field
