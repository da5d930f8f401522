"""Keeping the file safe from the command line: backup, restore, check, sessions, vacuum and
migrate-to.

These commands open the database themselves (a damaged file must still be checked or restored),
so `commands.run_command` hands them over whole. `open_for_cli` asks for a PostgreSQL password at
a terminal when the keyring has none.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Any

from desktop.cli.opening import ask_password, offer_to_remember, open_for_cli
from desktop.cli.output import emit
from desktop.cli.registry import command
from desktop.i18n import _, ngettext
from desktop.models.admin import backups
from desktop.models.admin.maintenance import repair_rollups, vacuum
from desktop.models.admin.pg_migrate import migrate_to_postgres
from desktop.models.errors import InputError, KnownError, PasswordNeeded
from desktop.models.setup.opening import open_database
from desktop.models.storage import check_record, integrity, sessions, write_queue
from desktop.models.storage.db import (
    close_database,
    is_postgres_url,
    postgres_address,
)
from desktop.models.storage.secret_store import (
    database_password,
)
from desktop.paths import AppPaths

log = logging.getLogger("frontcounter.cli")


def add_parsers(commands: Any, common: argparse.ArgumentParser) -> None:
    backup = commands.add_parser(
        "backup",
        parents=[common],
        help=_("copy the database into the backup folder (or DIR), checked"),
    )
    backup.add_argument(
        "--to", type=Path, metavar="DIR", help=_("write the backup into DIR instead")
    )
    backup.add_argument(
        "--list", action="store_true", help=_("list the backups instead of making one")
    )
    restore = commands.add_parser(
        "restore",
        parents=[common],
        help=_("replace the database's contents with a backup (nobody else may have it open)"),
    )
    restore.add_argument("file", type=Path, metavar="FILE", help=_("the backup to restore"))
    check = commands.add_parser(
        "check",
        parents=[common],
        help=_("check the database for damage (exit status 1 on any problem)"),
    )
    check.add_argument(
        "--repair-rollups",
        action="store_true",
        help=_("count the Dashboard's running totals again from the requests first"),
    )
    commands.add_parser("sessions", parents=[common], help=_("who else has the database open"))
    commands.add_parser(
        "vacuum",
        parents=[common],
        help=_("compact the database file (nobody else may have it open)"),
    )
    move = commands.add_parser(
        "migrate-to",
        parents=[common],
        help=_("copy the whole town to an empty PostgreSQL database and verify the copy"),
    )
    move.add_argument("url", metavar="URL", help=_("postgresql://user@host:port/name"))


def _emit(args: argparse.Namespace, data: Any, text: str) -> None:
    emit(args, data, text)


def _file(target: str, action: str) -> Path:
    if is_postgres_url(target):
        raise InputError(
            _(
                "{action} works on a database file. A PostgreSQL server is backed up with its "
                "own tools (pg_dump): see “Moving to PostgreSQL” in the README."
            ).format(action=action)
        )
    return Path(target).expanduser()


def cmd_backup(args: argparse.Namespace, target: str, paths: AppPaths) -> int:
    path = _file(target, _("backup"))
    folder = args.to if args.to else backups.folder_for(paths.backup_dir, path)
    if args.list:
        found = backups.list_backups(folder)
        lines = [_("Backups in {folder}:").format(folder=folder)] + [
            f"  {b.taken_at:%Y-%m-%d %H:%M:%S}  {b.size / 1e6:8.1f} MB  {b.path.name}"
            for b in found
        ]
        _emit(
            args, {"folder": str(folder), "backups": [b.as_dict() for b in found]}, "\n".join(lines)
        )
        return 0
    if not path.is_file():
        raise InputError(_("There is no database file at {path}.").format(path=path))
    opened = open_database(path, create=False, migrate=False)
    try:  # open while the core checks who asks (the copy itself reads the file on its own)
        made = backups.take_backup(path, folder, rotate_after=args.to is None, actor=args.signed_in)
    finally:
        close_database(opened)
    _emit(
        args,
        made.as_dict() | {"checked": True},
        _("Backup written and checked: {path}").format(path=made.path),
    )
    return 0


def cmd_restore(args: argparse.Namespace, target: str, paths: AppPaths) -> int:
    path = _file(target, _("restore"))
    backup = args.file.expanduser()
    backups.check_backup_file(backup)
    try:
        opened = open_database(path, create=False, migrate=False)
    except KnownError as exc:  # a file too damaged to open: nobody can be using it
        log.warning("restoring over a file that does not open: %s", exc)
        # its backup says who may restore it (the administrators then)
        opened = open_database(backup, read_only=True, migrate=False)
    else:
        try:
            sessions.require_exclusive(_("restore a backup"))
        except KnownError:
            close_database(opened)
            raise
    try:
        folder = backups.folder_for(paths.backup_dir, path)
        before = backups.restore(backup, path, folder, actor=args.signed_in)
    finally:
        close_database(opened)
    close_database(open_database(path))  # brings an older backup's schema up to date
    data = {
        "database": str(path),
        "restored_from": str(backup),
        "previous_contents": str(before.path) if before else None,
    }
    text = _("Restored {database} from {backup}.").format(database=path, backup=backup)
    if before:
        text += "\n" + _("What was there before is kept in {path}.").format(path=before.path)
    _emit(args, data, text)
    return 0


def _tidy_leftovers(target: str, path: Path) -> dict[str, Any]:
    """What a crash leaves beside a sound file besides a journal, recovered as an opening
    would: the turn-taking file's lock held by a stopped workstation, and the rows of
    workstations that stopped without closing (a read-only file keeps its rows)."""
    leftovers: dict[str, Any] = {"write_queue": write_queue.tidy(path), "stale_sessions_cleared": 0}
    try:
        opened = open_for_cli(target, create=False, migrate=False)
    except KnownError:
        return leftovers  # said by the checks already, or nothing to tidy
    try:
        if not opened.read_only:
            leftovers["stale_sessions_cleared"] = sessions.clear_stale()
    except KnownError:
        pass  # busy, full: the next window to open clears them
    finally:
        close_database(opened)
    return leftovers


def cmd_check(args: argparse.Namespace, target: str, paths: AppPaths) -> int:
    repaired = None
    leftovers: dict[str, Any] = {}
    if args.repair_rollups:
        opened = open_for_cli(target, create=False)
        try:
            if opened.read_only:
                raise KnownError(opened.read_only_reason or _("The database is read-only."))
            repaired = repair_rollups(args.signed_in)
        finally:
            close_database(opened)
    if is_postgres_url(target):
        opened = open_for_cli(target, migrate=False)
        try:
            report = integrity.check_postgres(opened.db, opened.location)
        finally:
            close_database(opened)
    else:
        path = Path(target).expanduser()
        report = integrity.check_file(path)
        if not report.error:  # the next openings trust it (storage/check_record.py)
            check_record.note_check(path, [p for found in report.checks.values() for p in found])
        if report.sound:
            leftovers = _tidy_leftovers(target, path)
    lines = [_("Database: {database}").format(database=report.database)]
    if repaired is not None:
        lines.append(
            _("The Dashboard's running totals were counted again from the requests.")
            if repaired
            else _("PostgreSQL keeps no running totals (it counts the requests): nothing to do.")
        )
    if leftovers.get("stale_sessions_cleared"):
        lines.append(
            ngettext(
                "Cleared {n} workstation that stopped without closing Front Counter (a crash, a "
                "power cut or a lost network): it no longer counts as having the file open.",
                "Cleared {n} workstations that stopped without closing Front Counter (a crash, "
                "a power cut or a lost network): they no longer count as having the file open.",
                leftovers["stale_sessions_cleared"],
            ).format(n=leftovers["stale_sessions_cleared"])
        )
    if leftovers.get("write_queue") == "reset":
        lines.append(
            _(
                "The file beside the database that lets clerks take turns saving ({name}) was "
                "held by a workstation that stopped: it was reset, so saves no longer wait for it."
            ).format(name=Path(target).name + write_queue.SUFFIX)
        )
    if report.recovered:
        lines.append(
            _(
                "Recovered from an interrupted save (a crash or a power cut in the middle of a "
                "save): it was undone, as the next opening would have undone it; everything "
                "saved before it is there."
            )
        )
    if report.error:
        lines.append(_("Could not be checked: {error}").format(error=report.error))
    for name, problems in report.checks.items():
        lines.append(f"  {name}: " + (_("ok") if not problems else _("PROBLEMS")))
        lines += [f"    {line}" for line in problems]
    if report.sound:
        lines.append("  running_totals: " + (_("ok") if not report.totals else _("OUT OF STEP")))
        lines += [f"    {line}" for line in report.totals]
    if report.ok:
        lines.append(_("All checks passed."))
    elif report.sound:
        lines.append(
            _(
                "The file is sound; only the Dashboard's running totals are out of step. "
                "Count them again: frontcounter check --repair-rollups"
            )
        )
    else:
        lines.append(_("Problems found: restore a backup."))
    data = (
        report.as_dict()
        | leftovers
        | ({"running_totals_repaired": repaired} if repaired is not None else {})
    )
    _emit(args, data, "\n".join(lines))
    return 0 if report.ok else 1


def cmd_sessions(args: argparse.Namespace, target: str, paths: AppPaths) -> int:
    opened = open_for_cli(target, create=False, migrate=False)
    try:
        live = sessions.others()
    finally:
        close_database(opened)
    rows = [
        {
            "user": s.username,
            "name": s.display_name,
            "workstation": s.workstation,
            "pid": s.pid,
            "since": s.since.isoformat(sep=" "),
            "last_seen": s.last_seen.isoformat(sep=" "),
        }
        for s in live
    ]
    lines = [f"{s.label}  ({_('since')} {s.since:%Y-%m-%d %H:%M})" for s in live] or [
        _("Nobody else has the database open.")
    ]
    _emit(args, rows, "\n".join(lines))
    return 0


def cmd_vacuum(args: argparse.Namespace, target: str, paths: AppPaths) -> int:
    opened = open_for_cli(target, create=False)
    try:
        if opened.read_only:
            raise KnownError(opened.read_only_reason or _("The database is read-only."))
        vacuum(args.signed_in)
    finally:
        close_database(opened)
    _emit(args, {"database": target, "vacuumed": True}, _("The database was compacted."))
    return 0


def cmd_migrate_to(args: argparse.Namespace, target: str, paths: AppPaths) -> int:
    source = _file(target, _("migrate-to"))
    if not is_postgres_url(args.url):
        raise InputError(_("Give the server as postgresql://user@host:port/name."))
    postgres_address(args.url)  # an address that cannot be read is a sentence, before any work
    if not source.is_file():
        raise InputError(_("There is no database file at {path}.").format(path=source))
    password = database_password(args.url)
    try:
        report = migrate_to_postgres(source, args.url, password, actor=args.signed_in)
    except PasswordNeeded:
        password = ask_password(args.url)
        if password is None:
            raise
        report = migrate_to_postgres(source, args.url, password, actor=args.signed_in)
        offer_to_remember(args.url, password)
    lines = [_("Copied {source} to {target}:").format(source=report.source, target=report.target)]
    lines += [
        f"  {t.table:<22} {t.source_rows:>9,} → {t.target_rows:>9,}  "
        + (_("ok") if t.ok else _("MISMATCH"))
        for t in report.tables
    ]
    lines.append(
        _(
            "Every table's count and checksum match. From now on open the town with\n"
            "  frontcounter --db {target}\nThe file stays read-only as a record."
        ).format(target=report.target)
    )
    _emit(args, report.as_dict(), "\n".join(lines))
    return 0


_HANDLERS = {
    "backup": cmd_backup,
    "restore": cmd_restore,
    "check": cmd_check,
    "sessions": cmd_sessions,
    "vacuum": cmd_vacuum,
    "migrate-to": cmd_migrate_to,
}


#: check and sessions change nothing; the others are an administrator's once staff sign in
COMMANDS = tuple(
    command(name, own_opening=handler, reads={""} if name in ("check", "sessions") else ())
    for name, handler in _HANDLERS.items()
)
