"""Argument types the sub-commands share: numbers a database can hold, told apart in words."""

from __future__ import annotations

import argparse

from desktop.i18n import _
from desktop.models.errors import InputError
from desktop.models.vocab import OPEN_STATUSES, STATUSES

#: the largest id SQLite and PostgreSQL store (a signed 64-bit integer)
MAX_ID = 2**63 - 1


def record_id(text: str) -> int:
    """A record's number (a resident, an article, an attachment, a rule)."""
    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(_("“{text}” is not a number").format(text=text)) from None
    if not 1 <= number <= MAX_ID:
        raise argparse.ArgumentTypeError(_("there is no record number {text}").format(text=text))
    return number


#: the most rows a listing prints at once
MAX_PAGE = 10_000


def page_size(text: str) -> int:
    """How many rows a listing prints: 1 to MAX_PAGE."""
    try:
        size = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(_("give a number of rows")) from None
    if not 1 <= size <= MAX_PAGE:
        raise argparse.ArgumentTypeError(
            _("give between 1 and {n:,} rows (filters narrow the list)").format(n=MAX_PAGE)
        )
    return size


def years(text: str) -> int:
    """A number of years, 0 to 100."""
    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(_("give a number of years")) from None
    if not 0 <= number <= 100:
        raise argparse.ArgumentTypeError(_("give between 0 and 100 years"))
    return number


def chosen_statuses(given: list[str]) -> list[str]:
    """--status as given (repeated, or a comma list; "open" for every open status), each one
    checked: an unknown one would otherwise list nothing, or write an empty file, and say
    nothing."""

    wanted: list[str] = []
    for part in (p.strip().lower() for value in given for p in value.split(",")):
        if part == "open":
            wanted += OPEN_STATUSES
        elif part in STATUSES:
            wanted.append(part)
        elif part:
            raise InputError(
                _("“{value}” is not a status: {choices}, or open.").format(
                    value=part, choices=", ".join(STATUSES)
                )
            )
    return list(dict.fromkeys(wanted))
