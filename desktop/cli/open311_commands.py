"""`frontcounter serve open311` (the GeoReport v2 endpoint, until Ctrl+C) and
`frontcounter open311 key add|list|revoke` (partners' keys for posting requests)."""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path
from typing import Any

from desktop.cli.output import emit
from desktop.cli.registry import command
from desktop.i18n import _
from desktop.models.errors import InputError
from desktop.models.partners import inbox, keys, payloads
from desktop.models.storage.db import OpenedDatabase
from desktop.open311.server import DEFAULT_HOST, DEFAULT_PORT, Open311Server, exposed


def add_parsers(commands: Any, common: argparse.ArgumentParser) -> None:
    serve = commands.add_parser(
        "serve", parents=[common], help=_("serve the town to other systems (until Ctrl+C)")
    )
    serve.add_argument("what", choices=("open311",), help=_("open311: the GeoReport v2 endpoint"))
    serve.add_argument(
        "--host",
        default=DEFAULT_HOST,
        help=_("the address to listen on (default 127.0.0.1: this computer only)"),
    )
    serve.add_argument("--port", type=int, default=DEFAULT_PORT, help=_("the port (default 8311)"))

    open311 = commands.add_parser("open311", help=_("partners' keys for the Open311 endpoint"))
    actions = open311.add_subparsers(dest="action", metavar="ACTION", required=True)
    key = actions.add_parser("key", help=_("add, list or revoke a partner's key"))
    key_actions = key.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = key_actions.add_parser(
        "add", parents=[common], help=_("make a key for a partner (shown once)")
    )
    add.add_argument("name", help=_("the partner: their system or organisation"))
    add.add_argument(
        "--types",
        metavar="CODE[,CODE...]",
        default="",
        help=_("only these request types (default: every active type)"),
    )
    add.add_argument(
        "--per-minute", type=int, default=60, help=_("posts a minute at most (default 60)")
    )
    key_actions.add_parser("list", parents=[common], help=_("the partners' keys"))
    revoke = key_actions.add_parser(
        "revoke", parents=[common], help=_("refuse a partner's key from now on")
    )
    revoke.add_argument("name")
    export = actions.add_parser(
        "export",
        parents=[common],
        help=_("the services and recent requests as Open311 files (JSON and XML)"),
    )
    export.add_argument("--out", type=Path, required=True, metavar="DIR")
    export.add_argument(
        "--days", type=int, default=90, help=_("requests of the last DAYS days (at most 90)")
    )
    waiting = actions.add_parser(
        "inbox", parents=[common], help=_("web requests waiting for a clerk (the web inbox)")
    )
    waiting.add_argument("--all", action="store_true", help=_("decided ones too"))
    accept = actions.add_parser(
        "accept", parents=[common], help=_("make a waiting web request a request")
    )
    accept.add_argument("token")
    merge = actions.add_parser(
        "merge", parents=[common], help=_("add a waiting web request to a request already there")
    )
    merge.add_argument("token")
    merge.add_argument("number", metavar="NUMBER", help=_("the request it is about"))
    reject = actions.add_parser(
        "reject", parents=[common], help=_("turn a waiting web request down, saying why")
    )
    reject.add_argument("token")
    reject.add_argument("--reason", required=True, help=_("what the resident is told"))
    load = actions.add_parser(
        "import",
        parents=[common],
        help=_("requests another system published (a GET requests.json or .xml answer)"),
    )
    load.add_argument("file", type=Path, metavar="FILE")
    load.add_argument(
        "--partner",
        default="open311",
        help=_("whose numbers they are (a request already imported from them is skipped)"),
    )
    load.add_argument(
        "--dry-run", action="store_true", help=_("say what would come in; change nothing")
    )


def serve_command(args: argparse.Namespace, opened: OpenedDatabase) -> None:
    server = Open311Server(args.host, args.port)
    lines = [
        _("Open311 GeoReport v2 at {url}v2/ (discovery: {url}discovery.json).").format(
            url=server.url
        )
    ]
    if exposed(args.host):
        lines.append(
            _(
                "Warning: {host} lets other computers reach this server. Let them only through "
                "the town's firewall, and give partners keys (open311 key add) to post."
            ).format(host=args.host)
        )
    lines.append(_("Press Ctrl+C to stop."))
    emit(args, {"url": server.url, "host": server.host, "port": server.port}, "\n".join(lines))
    sys.stdout.flush()
    with contextlib.suppress(KeyboardInterrupt):  # waitress ends its loop on Ctrl+C itself
        server.serve_forever()
    print(_("Stopped."), file=sys.stderr)


def open311_command(args: argparse.Namespace, opened: OpenedDatabase) -> None:
    action = args.action
    if action == "inbox":
        posts = inbox.listing(everything=args.all, actor=args.signed_in)
        lines = [
            f"{w.token}  {w.received_at:%Y-%m-%d %H:%M}  {w.partner}  {w.service_type}  "
            f"{w.address or '-'}  {w.description[:60]}"
            + (
                f"  [{w.state}{' ' + w.request_number if w.request_number else ''}]"
                if w.state != inbox.WAITING
                else ""
            )
            for w in posts
        ] or [_("Nothing is waiting in the web inbox.")]
        emit(args, [w.as_dict() for w in posts], "\n".join(lines))
    elif action == "accept":
        accepted = inbox.accept(args.token, actor=args.signed_in)
        emit(
            args,
            {"token": args.token, "service_request_id": accepted.tracking_number},
            _("Accepted as {number}.").format(number=accepted.tracking_number),
        )
    elif action == "merge":
        target = inbox.merge(args.token, args.number, actor=args.signed_in)
        emit(
            args,
            {"token": args.token, "service_request_id": target.tracking_number},
            _("Added to {number}.").format(number=target.tracking_number),
        )
    elif action == "reject":
        inbox.reject(args.token, args.reason, actor=args.signed_in)
        emit(args, {"token": args.token, "rejected": True}, _("Turned down."))
    elif action == "export":
        made = payloads.export_payloads(args.out, days=args.days)
        emit(
            args,
            made,
            _("Wrote {services} services and {requests} requests to {folder}.").format(**made),
        )
    elif action == "import":
        report = payloads.import_payloads(
            args.file, partner=args.partner, dry_run=args.dry_run, actor=args.signed_in
        )
        lines = [
            (
                _("Would import {n} of {rows} requests from {file}.")
                if report.dry_run
                else _("Imported {n} of {rows} requests from {file}.")
            ).format(n=report.imported, rows=report.rows, file=report.file)
        ]
        if report.already_there:
            lines.append(_("{n} were there already.").format(n=report.already_there))
        if report.types_made:
            lines.append(
                _("New request types, in the group Imported: {codes}.").format(
                    codes=", ".join(report.types_made)
                )
            )
        lines += [
            _("Row {row} left out: {reason}.").format(**rejected) for rejected in report.rejected
        ]
        emit(args, report.as_dict(), "\n".join(lines))
    elif action == "add":
        codes = [c for c in args.types.split(",") if c.strip()] if args.types else None
        if args.types and not codes:
            raise InputError(_("Name at least one request type after --types."))
        info, secret = keys.add_key(
            args.name, service_codes=codes, per_minute=args.per_minute, actor=args.signed_in
        )
        emit(
            args,
            info.as_dict() | {"api_key": secret},
            _(
                "Key for {name}:\n  {key}\nGive it to the partner now: it is not kept and "
                "cannot be shown again (only its first characters, {start}…)."
            ).format(name=info.name, key=secret, start=info.key_start),
        )
    elif action == "list":
        found = keys.list_keys(actor=args.signed_in)
        lines = [
            f"{k.name:<30} {k.key_start}…  "
            + (", ".join(k.service_codes) if k.service_codes else _("every type"))
            + "  "
            + _("{n}/minute").format(n=k.per_minute)
            + (f"  {_('REVOKED')}" if k.revoked else "")
            for k in found
        ] or [_("No partner has a key.")]
        emit(args, [k.as_dict() for k in found], "\n".join(lines))
    else:
        info = keys.revoke_key(args.name, actor=args.signed_in)
        emit(args, info.as_dict(), _("The key of {name} is revoked.").format(name=info.name))


COMMANDS = (
    command("serve", serve_command),
    command("open311", open311_command, reads={"list", "export", "inbox"}),
)
