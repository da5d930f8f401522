"""Runs one sub-command: opens the database, calls the core, prints text or JSON."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections.abc import Callable
from typing import Any

from desktop.cli.knowledge_commands import faq_command, triage_command
from desktop.cli.request_commands import contact_command, question_command, request_command
from desktop.cli.routing_commands import routing_command
from desktop.i18n import _
from desktop.models.db import OpenedDatabase, close_database, open_database
from desktop.models.errors import InputError, KnownError
from desktop.paths import AppPaths

log = logging.getLogger("frontcounter.cli")

Handler = Callable[[argparse.Namespace, OpenedDatabase], Any]


def database_target(args: argparse.Namespace, paths: AppPaths) -> str:
    return str(args.db) if args.db else str(paths.default_db)


def emit(args: argparse.Namespace, data: Any, text: str) -> None:
    """Print `data` as JSON with --json, else the human `text`."""
    if getattr(args, "json", False):
        json.dump(data, sys.stdout, ensure_ascii=False, indent=2, default=str)
        sys.stdout.write("\n")
    else:
        print(text)


def cmd_init(args: argparse.Namespace, opened: OpenedDatabase) -> Any:
    from desktop.models import settings
    from desktop.models.demo import generate_demo
    from desktop.models.first_run import complete_first_run

    if args.town and args.admin:
        complete_first_run(args.town, args.admin)  # the window will not ask again
    elif args.town:
        settings.set_settings({"town.name": args.town.strip()})
    elif args.admin:
        raise InputError(_("Give --town with --admin: both are needed to finish the setup."))
    result: dict[str, Any] = {"database": opened.location}
    if args.demo:
        started = time.perf_counter()
        report = generate_demo(args.demo, seed=args.seed)
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
    from desktop.models.info import database_info

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


HANDLERS: dict[str, Handler] = {
    "init": cmd_init,
    "info": cmd_info,
    "request": request_command,
    "contact": contact_command,
    "question": question_command,
    "routing": routing_command,
    "faq": faq_command,
    "triage": triage_command,
}

#: commands (and actions) that only read, so a read-only database is fine for them
READ_ONLY_OK = {
    "info",
    "request show",
    "request list",
    "request attachments",
    "request save-attachment",
    "contact find",
    "contact show",
    "routing list",
    "routing try",
    "faq search",
    "faq show",
    "faq stale",
    "faq export",
    "triage",
}


def run_command(args: argparse.Namespace, paths: AppPaths) -> int:
    """Run the sub-command; a known error is one line on stderr and exit status 1."""
    handler = HANDLERS[args.command]
    try:
        opened = open_database(database_target(args, paths))
        try:
            name = f"{args.command} {getattr(args, 'action', '')}".strip()
            if opened.read_only and name not in READ_ONLY_OK and args.command not in READ_ONLY_OK:
                raise KnownError(opened.read_only_reason or _("The database is read-only."))
            handler(args, opened)
        finally:
            close_database(opened)
    except KnownError as exc:
        log.info("command %s failed: %s (%s)", args.command, exc, exc.detail)
        print(f"frontcounter: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(_("frontcounter: interrupted; nothing half-written was kept."), file=sys.stderr)
        return 130
    return 0
