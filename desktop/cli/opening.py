"""Opening the database for a command: asking for a PostgreSQL password at a terminal (and
offering to remember it in the keyring), saying when the schema is upgraded."""

from __future__ import annotations

import getpass
import sys
from typing import Any

from desktop.i18n import _
from desktop.models.errors import PasswordNeeded
from desktop.models.setup.opening import open_database
from desktop.models.storage.db import OpenedDatabase, is_postgres_url
from desktop.models.storage.secret_store import (
    account,
    keyring_usable,
    remember_database_password,
)


def open_for_cli(target: str, **options: Any) -> OpenedDatabase:
    """`open_database`, asking for the PostgreSQL password at a terminal when one is needed
    (and saying on standard error when the schema is upgraded: a minute on a big town)."""
    options.setdefault("upgrading", _say_upgrading)
    try:
        return open_database(target, **options)
    except PasswordNeeded:
        password = ask_password(target)
        if password is None:
            raise
        opened = open_database(target, password=password, **options)
        offer_to_remember(target, password)
        return opened


def _say_upgrading(sentence: str) -> None:
    print(sentence, file=sys.stderr, flush=True)


def ask_password(target: str) -> str | None:
    """The password typed at the terminal, or None when there is no terminal to ask at."""
    if not (is_postgres_url(target) and sys.stdin.isatty()):
        return None

    try:
        return getpass.getpass(_("Password for {account}: ").format(account=account(target)))
    except EOFError:  # Ctrl-D: no password
        return None


def offer_to_remember(target: str, password: str) -> None:
    if not keyring_usable():
        print(
            _("No secure keyring on this computer: the password was not stored."),
            file=sys.stderr,
        )
        return
    try:
        answer = input(_("Remember the password in this computer's keyring? [y/N] "))
    except EOFError:
        answer = ""
    if answer.strip().lower() in {"y", "yes"}:
        remember_database_password(target, password)
