"""`frontcounter users`, `audit` and `privacy`: staff accounts, the audit trail, personal data.

Passwords are never taken from the command line (other users of the PC can see it): from a file
(`--password-file FILE`, `-` for standard input), the FRONTCOUNTER_NEW_PASSWORD variable, or a
prompt at a terminal.
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import os
import sys
from pathlib import Path
from typing import Any

from desktop.cli.arguments import page_size, record_id, years
from desktop.cli.output import emit
from desktop.cli.registry import EVERY_ACTION, command
from desktop.i18n import _
from desktop.models.admin import backups, privacy
from desktop.models.errors import InputError, KnownError
from desktop.models.staff import audit, permissions, signin
from desktop.models.staff.members import create_staff, get_staff, staff_list, update_staff
from desktop.models.storage.db import OpenedDatabase
from desktop.models.vocab import ROLES

ADMIN_PASSWORD_ENV = "FRONTCOUNTER_ADMIN_PASSWORD"
NEW_PASSWORD_ENV = "FRONTCOUNTER_NEW_PASSWORD"


def add_parsers(commands: Any, common: argparse.ArgumentParser) -> None:
    users = commands.add_parser("users", parents=[common], help=_("staff accounts and passwords"))
    actions = users.add_subparsers(dest="action", metavar="ACTION", required=True)
    actions.add_parser("list", parents=[common], help=_("every staff member and their role"))
    add = actions.add_parser("add", parents=[common], help=_("add a staff member"))
    add.add_argument("full_name")
    add.add_argument("--role", choices=list(ROLES), default="clerk")
    add.add_argument("--username", help=_("the user name (made from the name if not given)"))
    add.add_argument("--password-file", metavar="FILE", help=_("their first password ('-': stdin)"))
    for name, text in (
        ("passwd", _("set a staff member's password (an administrator's reset)")),
        ("deactivate", _("stop a staff member signing in (their history stays)")),
        ("activate", _("let a deactivated staff member sign in again")),
        ("revoke", _("end every remembered sign-in of a staff member")),
    ):
        sub = actions.add_parser(name, parents=[common], help=text)
        sub.add_argument("username")
        if name == "passwd":
            sub.add_argument("--password-file", metavar="FILE", help=_("'-' reads standard input"))
    role = actions.add_parser("role", parents=[common], help=_("change a staff member's role"))
    role.add_argument("username")
    role.add_argument("role", choices=list(ROLES))

    trail = commands.add_parser("audit", parents=[common], help=_("the audit trail"))
    trail_actions = trail.add_subparsers(dest="action", metavar="ACTION", required=True)
    trail_actions.add_parser(
        "verify", parents=[common], help=_("check the chain; name the first bad record")
    )
    listing = trail_actions.add_parser("list", parents=[common], help=_("the newest records"))
    listing.add_argument("--by", metavar="USERNAME", default="")
    listing.add_argument("--table", default="")
    listing.add_argument("--record", default="")
    listing.add_argument("--since", type=dt.date.fromisoformat, metavar="YYYY-MM-DD")
    listing.add_argument("--until", type=dt.date.fromisoformat, metavar="YYYY-MM-DD")
    listing.add_argument("--limit", type=page_size, default=50, help=_("1 to 10,000 records"))

    private = commands.add_parser(
        "privacy", parents=[common], help=_("anonymise old personal data; public-records exports")
    )
    private_actions = private.add_subparsers(dest="action", metavar="ACTION", required=True)
    anon = private_actions.add_parser(
        "anonymise",
        aliases=["anonymize"],
        parents=[common],
        help=_("remove residents' details from requests closed long ago"),
    )
    anon.add_argument("--older-than", type=years, metavar="YEARS", required=True)
    export = private_actions.add_parser(
        "export", parents=[common], help=_("everything held on one resident or one request")
    )
    which = export.add_mutually_exclusive_group(required=True)
    which.add_argument("--contact", type=record_id, metavar="ID")
    which.add_argument("--request", metavar="NUMBER")
    export.add_argument("--out", type=Path, metavar="FILE", required=True)
    export.add_argument(
        "--no-redact",
        action="store_true",
        help=_("keep confidential reporters and staff-only notes (the town's own copy)"),
    )


def _read_password_file(name: str) -> str:
    if name == "-":
        text = sys.stdin.readline()
    else:
        try:
            text = Path(name).read_text(encoding="utf-8").splitlines()[0]
        except (OSError, IndexError) as exc:
            raise InputError(_("The password file could not be read.")) from exc
    return text.rstrip("\r\n")


def _new_password(args: argparse.Namespace, env: str) -> str | None:
    """A password from --…-password-file, the `env` variable, or a prompt at a terminal."""
    name = getattr(args, "password_file", None) or getattr(args, "admin_password_file", None)
    if name:
        return _read_password_file(name)
    if os.environ.get(env):
        return os.environ[env]
    if sys.stdin is not None and sys.stdin.isatty():
        first = getpass.getpass(_("New password: "))
        if getpass.getpass(_("The same password again: ")) != first:
            raise InputError(_("The two passwords are not the same; nothing was changed."))
        return first
    return None


def admin_password(args: argparse.Namespace) -> str | None:
    """The first administrator's password for `init` (None: none given)."""
    return _new_password(args, ADMIN_PASSWORD_ENV)


def users_command(args: argparse.Namespace, opened: OpenedDatabase) -> None:
    actor = args.signed_in
    if args.action == "list":
        rows = [
            {
                "username": u.username,
                "name": u.full_name,
                "role": u.role,
                "active": u.active,
                "has_password": bool(u.password_hash),
                "locked_until": audit.plain(u.locked_until),
            }
            for u in staff_list(actor=actor)
        ]
        lines = [
            f"{r['username']:<20} {ROLES.get(r['role'], r['role']):<14} "
            f"{'' if r['active'] else _('(inactive) ')}{r['name']}"
            for r in rows
        ]
        emit(args, rows, "\n".join(lines))
        return
    if args.action == "add":
        password = _new_password(args, NEW_PASSWORD_ENV)
        user = create_staff(args.full_name, args.role, args.username, actor=actor)
        text = _("Added {u}.").format(u=user.username)
        if password is not None:
            signin.reset_password(user.id, password, actor=actor)
        else:
            text += " " + _(
                "{u} has no password yet and cannot sign in: set one with "
                "“frontcounter users passwd {u}”."
            ).format(u=user.username)
        emit(args, {"username": user.username, "has_password": password is not None}, text)
        return
    user = get_staff(args.username)
    if args.action == "passwd":
        password = _new_password(args, NEW_PASSWORD_ENV)
        if password is None:
            raise InputError(
                _("Give the password in a file (--password-file) or {env}.").format(
                    env=NEW_PASSWORD_ENV
                )
            )
        signin.reset_password(user.id, password, actor=actor)
        text = _("The password of {u} is set; the account is unlocked.")
    elif args.action in ("deactivate", "activate"):
        update_staff(user.id, active=args.action == "activate", actor=actor)
        text = (
            _("{u} can sign in again.")
            if args.action == "activate"
            else _("{u} can no longer sign in.")
        )
    elif args.action == "role":
        update_staff(user.id, role=args.role, actor=actor)
        text = _("{u} is now {role}.").replace("{role}", ROLES[args.role].lower())
    else:
        count = signin.revoke_tokens(user.id, actor=actor)
        text = _("{u}: {n} remembered sign-ins ended.").replace("{n}", str(count))
    emit(args, {"username": user.username, "done": args.action}, text.format(u=user.username))


def audit_command(args: argparse.Namespace, opened: OpenedDatabase) -> None:
    actor = args.signed_in
    if args.action == "verify":
        # anyone may check the chain: it reveals nothing but record numbers
        root = backups.backup_root()
        folder = backups.folder_for(root, opened.path) if root and opened.path else None
        verdict = audit.verify(backup_folder=folder)
        emit(
            args,
            {
                "ok": verdict.ok,
                "checked": verdict.checked,
                "bad_record": verdict.bad_id,
                "reason": verdict.reason,
            },
            verdict.sentence(),
        )
        if not verdict.ok:
            raise KnownError(verdict.sentence())
        return
    permissions.require(actor, permissions.AUDIT_VIEW)
    rows = audit.history(
        username=args.by,
        table=args.table,
        record_id=args.record,
        since=args.since,
        until=args.until,
        limit=args.limit,
        actor=actor,
    )
    data = [
        {
            "id": r.id,
            "at": audit.plain(r.at),
            "user": r.username,
            "workstation": r.workstation,
            "table": r.table_name,
            "record": r.record_id,
            "action": r.action,
            "before": r.before,
            "after": r.after,
        }
        for r in rows
    ]
    lines = [
        f"{d['id']:>7} {d['at'][:16]} {d['user'] or '-':<16} {d['table']} {d['record']} "
        f"{d['action']}"
        for d in data
    ]
    emit(args, data, "\n".join(lines) or _("No audit records match."))


def privacy_command(args: argparse.Namespace, opened: OpenedDatabase) -> None:
    actor = args.signed_in
    if args.action in ("anonymise", "anonymize"):
        totals = privacy.anonymise(args.older_than, actor=actor)
        emit(
            args,
            totals,
            _(
                "Anonymised {requests} requests and {contacts} residents; {questions} questions "
                "unlinked."
            ).format(**totals),
        )
        return
    redact = not args.no_redact
    if args.contact is not None:
        privacy.export_contact(args.contact, redact=redact, actor=actor, out=args.out)
    else:
        privacy.export_request(args.request, redact=redact, actor=actor, out=args.out)
    emit(args, {"out": str(args.out), "redacted": redact}, _("Written: {out}").format(out=args.out))


COMMANDS = (
    command("users", users_command, reads={"list"}),
    command("audit", audit_command, reads={EVERY_ACTION}),
    command("privacy", privacy_command),
)
