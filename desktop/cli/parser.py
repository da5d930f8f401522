"""The argument parser for `frontcounter` and every sub-command."""

from __future__ import annotations

import argparse
from pathlib import Path

from desktop import __version__
from desktop.i18n import _


def _demo_years(text: str) -> float:
    try:
        years = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(_("give a number of years")) from None
    if not 1 <= years <= 30:
        raise argparse.ArgumentTypeError(_("give between 1 and 30 years"))
    return years


def _positive_int(text: str) -> int:
    try:
        value = int(text.replace("_", "").replace(",", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("“{text}” is not a whole number").format(text=text)
        ) from None
    if value < 0:
        raise argparse.ArgumentTypeError(_("the number cannot be negative"))
    return value


def build_parser(*, with_commands: bool = True) -> argparse.ArgumentParser:
    """The whole command line; `with_commands=False` leaves out the sub-commands (opening the
    window does not import every command's module: start-up time)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--json", action="store_true", help=_("print JSON for machines"))
    # --db after the command too ("frontcounter init --db PATH", as people write it); absent
    # there, the one before the command stands
    common.add_argument(
        "--db", metavar="PATH|URL", default=argparse.SUPPRESS, help=_("the database (as above)")
    )

    parser = argparse.ArgumentParser(
        prog="frontcounter",
        description=_(
            "Front Counter: service requests and questions at the town hall counter. "
            "With no sub-command it opens the window."
        ),
    )
    parser.add_argument("--version", action="version", version=f"frontcounter {__version__}")
    parser.add_argument(
        "--db",
        metavar="PATH|URL",
        help=_(
            "the database: a file path or postgresql://user@host:port/name "
            "(default: frontcounter.db in the user data folder)"
        ),
    )
    parser.add_argument(
        "--basedir",
        type=Path,
        metavar="DIR",
        help=_("keep every data, settings and log file under DIR (tests, portable installs)"),
    )
    parser.add_argument(
        "--user",
        metavar="USERNAME",
        help=_(
            "act as this staff member, signed in with their password (FRONTCOUNTER_PASSWORD, "
            "or asked at a terminal)"
        ),
    )
    parser.add_argument(
        "--no-err-windows",
        action="store_true",
        help=_("write error messages to the log instead of showing dialogs"),
    )
    parser.add_argument(
        "--smoke-test",
        action="store_true",
        help=_("open the main window offscreen, paint it once and exit (0 when all is well)"),
    )
    parser.add_argument("--verbose", action="store_true", help=_("log to the terminal too"))
    if not with_commands:
        parser.set_defaults(command=None)
        return parser

    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    init = commands.add_parser(
        "init", parents=[common], help=_("create the database (and fill it with demo data)")
    )
    init.add_argument("--town", metavar="NAME", help=_("the town's name"))
    init.add_argument("--admin", metavar="FULL NAME", help=_("the first administrator's name"))
    init.add_argument(
        "--admin-password-file",
        metavar="FILE",
        help=_(
            "the first administrator's password, the first line of FILE ('-': standard input); "
            "else FRONTCOUNTER_ADMIN_PASSWORD, else asked at a terminal"
        ),
    )
    init.add_argument(
        "--demo",
        type=_positive_int,
        metavar="N",
        default=0,
        help=_("add N realistic demo requests over the past two years (or --years)"),
    )
    init.add_argument(
        "--years",
        type=_demo_years,
        default=2.0,
        metavar="Y",
        help=_("spread the demo requests over the past Y years (1 to 30)"),
    )
    init.add_argument("--seed", type=int, default=311, help=_("random seed for the demo data"))

    commands.add_parser(
        "info", parents=[common], help=_("what is in the database: kind, schema, counts")
    )
    from desktop.cli import request_commands, routing_commands

    request_commands.add_parsers(commands, common)
    routing_commands.add_parsers(commands, common)
    from desktop.cli import knowledge_commands

    knowledge_commands.add_parsers(commands, common)
    from desktop.cli import safety_commands

    safety_commands.add_parsers(commands, common)
    from desktop.cli import print_commands

    print_commands.add_parsers(commands, common)
    from desktop.cli import admin_commands

    admin_commands.add_parsers(commands, common)
    from desktop.cli import report_commands

    report_commands.add_parsers(commands, common)
    from desktop.cli import catalog_commands, settings_commands

    catalog_commands.add_parsers(commands, common)
    settings_commands.add_parsers(commands, common)
    settings_commands.add_checklist_parser(commands, common)
    settings_commands.add_responses_parser(commands, common)
    return parser
