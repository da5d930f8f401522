"""`frontcounter import requests FILE` (a town's old spreadsheet or another 311 system's
export), `import undo BATCH`, `import list` and `import profiles`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from desktop.cli.output import emit
from desktop.cli.registry import command
from desktop.i18n import _
from desktop.models.imports import batches, columns
from desktop.models.storage.db import OpenedDatabase


def add_parsers(commands: Any, common: argparse.ArgumentParser) -> None:
    load = commands.add_parser(
        "import", help=_("bring in requests from a spreadsheet or another 311 system's export")
    )
    actions = load.add_subparsers(dest="action", metavar="ACTION", required=True)
    requests = actions.add_parser(
        "requests",
        parents=[common],
        help=_("import the requests of a CSV, Excel (.xlsx, .xls) or OpenDocument (.ods) file"),
        description=_(
            "Reads the file whole, recognises its columns, matches its request types and "
            "statuses to the town's, and says what it would do with --dry-run. Importing the "
            "same file again adds nothing; 'import undo BATCH' takes an import back. Fields: "
            "{fields}."
        ).format(fields=", ".join(columns.FIELD_NAMES)),
    )
    requests.add_argument("file", type=Path, metavar="FILE")
    requests.add_argument(
        "--dry-run", action="store_true", help=_("say what would come in; change nothing")
    )
    requests.add_argument(
        "--profile",
        metavar="NAME",
        default="",
        help=_("read it as the saved profile NAME does, and keep this import's choices in it"),
    )
    requests.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="FIELD=COLUMN",
        help=_("take FIELD from COLUMN (FIELD= leaves it out); may be given again"),
    )
    requests.add_argument(
        "--type",
        action="append",
        default=[],
        metavar="THEIR TYPE=CODE",
        help=_("their request type is the town's type CODE ('new': one of its own)"),
    )
    requests.add_argument(
        "--status",
        action="append",
        default=[],
        metavar="THEIR STATUS=STATUS[:RESOLUTION]",
        help=_("their status is this one here (closed ones with a resolution: closed:duplicate)"),
    )
    requests.add_argument(
        "--sheet", default="", help=_("a workbook's sheet (default: the one with the most rows)")
    )
    requests.add_argument(
        "--source",
        default="",
        help=_("the system it came from (their numbers are kept as SOURCE:NUMBER)"),
    )
    undo = actions.add_parser(
        "undo", parents=[common], help=_("take an import back (requests changed since are kept)")
    )
    undo.add_argument("batch", type=int, metavar="BATCH")
    actions.add_parser("list", parents=[common], help=_("the imports made, newest first"))
    actions.add_parser("profiles", parents=[common], help=_("the saved ways of reading a file"))


def import_command(args: argparse.Namespace, opened: OpenedDatabase) -> None:
    if args.action == "requests":
        _import_requests(args)
    elif args.action == "undo":
        outcome = batches.undo_import(args.batch, actor=args.signed_in)
        lines = batches.undo_summary(outcome)
        emit(args, outcome, "\n".join(lines))
    elif args.action == "list":
        found = batches.list_batches()
        lines = [
            f"{b['batch']:>4}  {b['started_at']}  {b['state']:<9}  {b['source']:<20}  "
            + _("{imported:,} of {rows:,} rows, {updated:,} updated").format(**b)
            + f"  {b['file']}"
            for b in found
        ] or [_("Nothing has been imported.")]
        emit(args, found, "\n".join(lines))
    else:
        found = batches.profiles()
        lines = [f"{p['name']}  ({p['source']})" for p in found] or [_("No profile is saved.")]
        emit(args, found, "\n".join(lines))


def _import_requests(args: argparse.Namespace) -> None:
    plan = batches.plan_import(
        args.file,
        source=args.source,
        profile=args.profile,
        fields=args.map,
        types=args.type,
        statuses=args.status,
        sheet=args.sheet,
        actor=args.signed_in,
    )
    interactive = not args.json and sys.stderr.isatty()

    def progress(done: int, total: int) -> None:
        if interactive:
            print(f"\r{done:,} / {total:,}", end="", file=sys.stderr, flush=True)

    result = batches.run_import(plan, dry_run=args.dry_run, actor=args.signed_in, progress=progress)
    if interactive:
        print(file=sys.stderr)
    if args.profile and not args.dry_run:
        batches.save_profile(args.profile, plan, actor=args.signed_in)
    data = result.as_dict() | {"plan": plan.as_dict()}
    emit(args, data, "\n".join(_describe(plan, result)))


def _describe(plan: batches.Plan, result: batches.Result) -> list[str]:
    lines = [
        _("{file}: {rows:,} rows, from {source}.").format(
            file=plan.path.name, rows=plan.table.count, source=plan.source
        ),
        _("Columns:"),
    ]
    labels = {f.name: f.label for f in columns.fields()}
    lines += [f"  {labels[name]:<28} ← {column}" for name, column in plan.fields.items()]
    lines.append(_("Request types:"))
    for choice in plan.types[:60]:
        target = choice.code or _("a new type in the group Imported")
        lines.append(
            f"  {choice.source or _('(blank)')} ({choice.rows:,}) → {target} [{choice.how}]"
        )
    if len(plan.types) > 60:
        lines.append(_("  … and {n} more").format(n=len(plan.types) - 60))
    lines.append(_("Statuses:"))
    for word, (status, resolution, n) in plan.statuses.items():
        lines.append(f"  {word} ({n:,}) → {status}" + (f" ({resolution})" if resolution else ""))
    lines += batches.summary(plan, result, undo_hint=f"'frontcounter import undo {result.batch}'")
    return lines


COMMANDS = (command("import", import_command, reads={"list", "profiles"}),)
