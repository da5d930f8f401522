"""The argument parser for `frontcounter` and every sub-command."""

from __future__ import annotations

import argparse

from desktop.cli import registry
from desktop.cli.options import main_parser
from desktop.i18n import _


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole command line: `frontcounter`'s options and every sub-command; with `only`, the
    sub-commands of the one module that declares that command (a command imports only its own
    module: start-up time). A name no module declares gets them all (and argparse's answer)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--json", action="store_true", help=_("print JSON for machines"))
    # --db after the command too ("frontcounter init --db PATH", as people write it); absent
    # there, the one before the command stands
    common.add_argument(
        "--db", metavar="PATH|URL", default=argparse.SUPPRESS, help=_("the database (as above)")
    )
    parser = main_parser()
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    module = registry.module_of(only) if only else None
    for each in [module] if module else registry.every_module():
        each.add_parsers(commands, common)
    return parser
