"""Every command of the command line, declared once: its name, what runs it, and which of its
actions only read (so they also run on a read-only database, a damaged file or a town that
moved to a server).

A command module declares its commands in `COMMANDS` beside the parsers it adds (`add_parsers`)
and the handlers it defines; `commands.run_command` finds them here. A test checks that every
command the parser knows is declared and that every action named as reading exists, so a
command left out, or a misspelt action, fails the suite instead of silently refusing a
read-only database.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from desktop.models.storage.db import OpenedDatabase
    from desktop.paths import AppPaths

#: runs a command on the database the command line opened for it
Handler = Callable[[argparse.Namespace, "OpenedDatabase"], Any]
#: runs a command that opens (or must not open) the database its own way: backups, restores,
#: checks, VACUUM, moving to a server; returns the exit status
OwnOpening = Callable[[argparse.Namespace, str, "AppPaths"], int]

#: in `reads`: every action of the command only reads
EVERY_ACTION = "*"


@dataclass(frozen=True)
class Command:
    name: str
    handler: Handler | None = None
    own_opening: OwnOpening | None = None
    #: the actions that only read ("" for the command without an action, EVERY_ACTION for all)
    reads: frozenset[str] = field(default_factory=frozenset)

    def only_reads(self, action: str | None) -> bool:
        return EVERY_ACTION in self.reads or (action or "") in self.reads


def command(
    name: str,
    handler: Handler | None = None,
    *,
    own_opening: OwnOpening | None = None,
    reads: Iterable[str] = (),
) -> Command:
    return Command(name, handler, own_opening, frozenset(reads))


def all_commands() -> list[Command]:
    """Every command, in the order the help lists them."""
    from desktop.cli import (
        admin_commands,
        catalog_commands,
        commands,
        knowledge_commands,
        print_commands,
        report_commands,
        request_commands,
        routing_commands,
        safety_commands,
        settings_commands,
    )

    modules = (
        commands,
        request_commands,
        routing_commands,
        knowledge_commands,
        safety_commands,
        print_commands,
        admin_commands,
        report_commands,
        catalog_commands,
        settings_commands,
    )
    return [declared for module in modules for declared in module.COMMANDS]


def find(name: str) -> Command:
    for declared in all_commands():
        if declared.name == name:
            return declared
    raise KeyError(f"no command {name!r} is declared (desktop/cli/registry.py)")
