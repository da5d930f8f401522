"""Runs one sub-command: opens the database, calls the core, prints text or JSON."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path
from typing import Any

from desktop.cli import registry
from desktop.cli.registry import Handler, command
from desktop.cli.sign_in import sign_in_for_command
from desktop.i18n import _
from desktop.models.errors import InputError, KnownError
from desktop.models.setup.opening import open_database
from desktop.models.staff import permissions
from desktop.models.storage.db import (
    OpenedDatabase,
    close_database,
    refuse_a_missing_file,
)
from desktop.paths import AppPaths

log = logging.getLogger("frontcounter.cli")


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
    from desktop.models.setup.demo import generate_demo
    from desktop.models.setup.first_run import complete_first_run
    from desktop.models.town import settings

    if args.town and args.admin:
        from desktop.cli.admin_commands import admin_password

        password = admin_password(args)
        admin = complete_first_run(args.town, args.admin, password=password)  # no window asks
        if password is not None:
            # sign-in is on from here: the rest of this command (the demo data) is the new
            # administrator's doing, as it would be in the window
            from desktop.models.staff import permissions

            permissions.acting_as(admin)
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
        settings.set_settings({"town.name": args.town.strip()})
    elif args.admin:
        raise InputError(_("Give --town with --admin: both are needed to finish the setup."))
    result: dict[str, Any] = {"database": opened.location}
    if args.demo:
        started = time.perf_counter()
        report = generate_demo(args.demo, seed=args.seed, years=args.years)
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
    from desktop.models.admin.info import database_info

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

#: each command's handler, by name (tests replace one to watch it)
HANDLERS: dict[str, Handler] = {
    declared.name: declared.handler
    for declared in registry.all_commands()
    if declared.handler is not None
}


def _safety_sign_in(args: argparse.Namespace, paths: AppPaths) -> int:
    """Backups, restores, compaction and moving the town are an administrator's, once staff
    sign in: the password is checked here, before anything else is asked or done, and the
    command then runs as `args.signed_in` (the core checks again). Returns the exit status
    when refused (0: go ahead)."""
    from desktop.cli.safety_commands import open_for_cli

    args.signed_in = None
    if registry.find(args.command).only_reads(None) or (args.command == "backup" and args.list):
        return 0
    try:
        try:
            opened = open_for_cli(database_target(args, paths), create=False, migrate=False)
        except KnownError:
            if args.command != "restore":
                return 0  # the command itself says what is wrong with the database
            # a file too damaged to open: its backup says who the administrators are
            opened = open_database(args.file.expanduser(), read_only=True, migrate=False)
        try:
            user = sign_in_for_command(args, changes_data=True)
            permissions.require(user, permissions.BACKUP_MANAGE)
        finally:
            permissions.acting_as(None)
            close_database(opened)
    except KnownError as exc:
        print(f"frontcounter: {exc}", file=sys.stderr)
        return 1
    args.signed_in = user
    return 0


def _start_session() -> None:
    from desktop.models.storage import sessions

    user = permissions.current_user()
    try:
        sessions.start(user.username if user else None, user.full_name if user else "")
    except KnownError as exc:  # the command itself says what is wrong with the database
        log.info("no session row for this command: %s", exc)


def _refuse_a_missing_file(args: argparse.Namespace) -> None:
    """Only `init`, or the default database on first use, makes a new file."""
    if args.command != "init" and args.db:
        refuse_a_missing_file(
            args.db,
            _("make a new one with frontcounter init --db {path}").format(
                path=Path(args.db).expanduser()
            ),
        )


def run_command(args: argparse.Namespace, paths: AppPaths) -> int:
    """Run the sub-command; a known error is one line on stderr and exit status 1."""
    from desktop.cli import safety_commands
    from desktop.models.admin import backups
    from desktop.models.staff import audit_witness

    audit_witness.set_witness_file(paths.data_dir / audit_witness.FILE_NAME)
    backups.set_backup_root(paths.backup_dir)

    declared = registry.find(args.command)
    if declared.own_opening is not None:
        refused = _safety_sign_in(args, paths)
        if refused:
            return refused
        return safety_commands.run(args, paths)
    handler = HANDLERS[args.command]
    try:
        _refuse_a_missing_file(args)
        opened = safety_commands.open_for_cli(database_target(args, paths))
        try:
            changes = not declared.only_reads(getattr(args, "action", None))
            if opened.read_only and changes:
                raise KnownError(opened.read_only_reason or _("The database is read-only."))
            sign_in_for_command(args, changes_data=changes)
            if changes and not opened.read_only:
                # a command that changes data is someone working in the file, as a window is:
                # a restore, a VACUUM or an upgrade elsewhere waits for it (docs/RELIABILITY.md 10)
                _start_session()
            handler(args, opened)
            if changes and not opened.read_only:
                audit_witness.note_head()
        finally:
            from desktop.models.storage import sessions

            sessions.end()
            permissions.acting_as(None)
            close_database(opened)
    except KnownError as exc:
        log.info("command %s failed: %s (%s)", args.command, exc, exc.detail)
        print(f"frontcounter: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(_("frontcounter: interrupted; nothing half-written was kept."), file=sys.stderr)
        return 130
    return 0
