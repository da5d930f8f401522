"""Every command of the command line, declared once: its name, what runs it, and which of its
actions only read (so they also run on a read-only database, a damaged file or a town that
moved to a server).

A command module declares its commands in `COMMANDS` beside the parsers it adds (`add_parsers`)
and the handlers it defines, and is listed once in `COMMAND_MODULES` below with the names it
declares: a command loads only its own module (start-up time: `frontcounter request list` does
not import the printing, the backups or the council report). A test checks that the names here
are the ones each module declares, that every command the parser knows is declared and that
every action named as reading exists, so a command left out, or a misspelt action, fails the
suite instead of silently refusing a read-only database.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from types import ModuleType
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


#: each command module (in desktop/cli/) and the commands it declares, in the order the help
#: lists them
COMMAND_MODULES: dict[str, tuple[str, ...]] = {
    "town_commands": ("init", "info"),
    "request_commands": ("request", "contact", "question"),
    "routing_commands": ("routing",),
    "knowledge_commands": ("faq", "triage"),
    "safety_commands": ("backup", "restore", "check", "sessions", "vacuum", "migrate-to"),
    "print_commands": ("print", "closeout"),
    "admin_commands": ("users", "audit", "privacy"),
    "report_commands": ("stats", "report", "export", "goals", "publish"),
    "catalog_commands": ("catalog",),
    "settings_commands": ("settings", "checklist", "responses"),
    "open311_commands": ("serve", "open311"),
    "import_commands": ("import",),
    "address_commands": ("addresses", "streets", "map"),
    "outbox_commands": ("outbox", "mail"),
}


def module_of(name: str) -> ModuleType | None:
    """The module that declares command `name` (imported now), or None for no such command."""
    for module, names in COMMAND_MODULES.items():
        if name in names:
            return importlib.import_module(f"desktop.cli.{module}")
    return None


def every_module() -> list[ModuleType]:
    """Every command module, in the order the help lists them (imports them all)."""
    return [importlib.import_module(f"desktop.cli.{module}") for module in COMMAND_MODULES]
