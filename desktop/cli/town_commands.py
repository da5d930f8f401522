"""`init` and `info`: making a town's database and saying what is in one."""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from desktop.cli.admin_commands import admin_password
from desktop.cli.output import emit
from desktop.cli.registry import command
from desktop.i18n import _
from desktop.models.admin.info import database_info
from desktop.models.errors import InputError
from desktop.models.setup.demo import generate_demo
from desktop.models.setup.first_run import complete_first_run
from desktop.models.storage.db import (
    OpenedDatabase,
)
from desktop.models.town import settings


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


def add_parsers(commands: Any, common: argparse.ArgumentParser) -> None:
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


def cmd_init(args: argparse.Namespace, opened: OpenedDatabase) -> Any:
    actor = args.signed_in
    if args.town and args.admin:
        password = admin_password(args)
        admin = complete_first_run(args.town, args.admin, password=password)  # no window asks
        if password is not None:
            # sign-in is on from here: the rest of this command (the demo data) is the new
            # administrator's doing, as it would be in the window
            actor = admin
        else:
            print(
                _(
                    "No password was given for the administrator, so nobody can sign in yet: the "
                    "window asks for it before it opens this database (or: frontcounter users "
                    "passwd USERNAME)."
                ),
                file=sys.stderr,
            )
    elif args.town:
        settings.set_settings({"town.name": args.town.strip()}, actor=actor)
    elif args.admin:
        raise InputError(_("Give --town with --admin: both are needed to finish the setup."))
    result: dict[str, Any] = {"database": opened.location}
    if args.demo:
        started = time.perf_counter()
        report = generate_demo(args.demo, seed=args.seed, years=args.years, actor=actor)
        result["demo"] = report | {"seconds": round(time.perf_counter() - started, 1)}
    lines = [_("Database ready: {where}").format(where=opened.location)]
    if "demo" in result:
        lines.append(
            _("Added {requests} demo requests and {contacts} contacts in {seconds} s.").format(
                **result["demo"]
            )
        )
    emit(args, result, "\n".join(lines))


def cmd_info(args: argparse.Namespace, opened: OpenedDatabase) -> Any:
    info = database_info(opened)
    lines = [
        _("Database: {database} ({kind}{ro})").format(
            database=info["database"],
            kind=info["kind"],
            ro=_(", read-only") if info["read_only"] else "",
        ),
        _("Town: {town}").format(town=info["town"] or _("(not set)")),
        _("Schema version: {v}").format(v=info["schema_version"]),
    ]
    lines += [f"  {table}: {count:,}" for table, count in info["counts"].items()]
    emit(args, info, "\n".join(lines))


#: the commands of this module (registry.py has them all)
COMMANDS = (command("init", cmd_init), command("info", cmd_info, reads={""}))
