"""Runs one sub-command: opens the database, calls the core, prints text or JSON."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from desktop.cli import opening, registry
from desktop.cli.output import database_target
from desktop.cli.registry import Command
from desktop.cli.sign_in import sign_in_for_command
from desktop.i18n import _
from desktop.models.admin import backups
from desktop.models.errors import KnownError, known_db_errors
from desktop.models.setup.opening import open_database
from desktop.models.staff import audit_witness, permissions
from desktop.models.storage import check_record, sessions
from desktop.models.storage.db import (
    close_database,
    refuse_a_missing_file,
    refuse_an_empty_file,
)
from desktop.models.storage.schema import StaffUser
from desktop.paths import AppPaths

log = logging.getLogger("frontcounter.cli")


def all_commands() -> list[Command]:
    """Every command, in the order the help lists them (imports every command module)."""
    return [declared for module in registry.every_module() for declared in module.COMMANDS]


def find(name: str) -> Command:
    """Command `name`, importing only the module that declares it."""
    module = registry.module_of(name)
    declared_there: tuple[Command, ...] = module.COMMANDS if module else ()
    for declared in declared_there:
        if declared.name == name:
            return declared
    raise KeyError(f"no command {name!r} is declared (desktop/cli/registry.py)")


def _safety_sign_in(args: argparse.Namespace, paths: AppPaths) -> int:
    """Backups, restores, compaction and moving the town are an administrator's, once staff
    sign in: the password is checked here, before anything else is asked or done, and the
    command then runs as `args.signed_in` (the core checks again). Returns the exit status
    when refused (0: go ahead)."""

    args.signed_in = None
    repairs = args.command == "check" and args.repair_rollups
    if (find(args.command).only_reads(None) and not repairs) or (
        args.command == "backup" and args.list
    ):
        return 0
    try:
        try:
            opened = opening.open_for_cli(database_target(args, paths), create=False, migrate=False)
        except KnownError:
            if args.command != "restore":
                return 0  # the command itself says what is wrong with the database
            # a file too damaged to open: its backup says who the administrators are
            opened = open_database(args.file.expanduser(), read_only=True, migrate=False)
        try:
            user = sign_in_for_command(args, changes_data=True)
            permissions.require(user, permissions.BACKUP_MANAGE)
        finally:
            close_database(opened)
    except KnownError as exc:
        print(f"frontcounter: {exc}", file=sys.stderr)
        return 1
    args.signed_in = user
    return 0


def _start_session(user: StaffUser | None) -> None:
    try:
        sessions.start(user.username if user else None, user.full_name if user else "")
    except KnownError as exc:  # the command itself says what is wrong with the database
        log.info("no session row for this command: %s", exc)


def _refuse_a_missing_file(args: argparse.Namespace, paths: AppPaths) -> None:
    """Only `init`, or the default database on first use, makes a new file; an empty file (a
    setup cut short) is made a town only by `init`."""
    if args.command == "init":
        return
    target = Path(args.db).expanduser() if args.db else paths.default_db
    how = _("make a new one with frontcounter init --db {path}").format(path=target)
    if args.db:
        refuse_a_missing_file(args.db, how)
    else:
        refuse_an_empty_file(target, how)


def run_command(args: argparse.Namespace, paths: AppPaths) -> int:
    """Run the sub-command; a known error is one line on stderr and exit status 1."""

    audit_witness.set_witness_file(paths.data_dir / audit_witness.FILE_NAME)
    check_record.set_record_file(paths.data_dir / check_record.FILE_NAME)
    backups.set_backup_root(paths.backup_dir)

    declared = find(args.command)
    try:
        # a failure of the disk or the server is a sentence wherever it strikes: in a save (the
        # write path says it already), a read, or the closing of the file
        with known_db_errors():
            if declared.own_opening is not None:
                refused = _safety_sign_in(args, paths)
                return refused or declared.own_opening(args, database_target(args, paths), paths)
            _run_on_the_database(declared, args, paths)
    except KnownError as exc:
        log.info("command %s failed: %s (%s)", args.command, exc, exc.detail)
        print(f"frontcounter: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(_("frontcounter: interrupted; nothing half-written was kept."), file=sys.stderr)
        return 130
    return 0


def _run_on_the_database(declared: Command, args: argparse.Namespace, paths: AppPaths) -> None:
    """Open the database, sign in, run the command, close (a known error propagates)."""
    handler = declared.handler
    assert handler is not None  # a command runs on the database opened for it or its own way
    _refuse_a_missing_file(args, paths)
    opened = opening.open_for_cli(database_target(args, paths))
    try:
        changes = not declared.only_reads(getattr(args, "action", None))
        if opened.read_only and changes:
            raise KnownError(opened.read_only_reason or _("The database is read-only."))
        # who runs it: every handler passes it to the core as the actor of what it does
        args.signed_in = sign_in_for_command(args, changes_data=changes)
        if changes and not opened.read_only:
            # a command that changes data is someone working in the file, as a window is:
            # a restore, a VACUUM or an upgrade elsewhere waits for it (docs/RELIABILITY.md 10)
            _start_session(args.signed_in)
        handler(args, opened)
        if changes and not opened.read_only:
            audit_witness.note_head()
    finally:
        sessions.end()
        close_database(opened)
