"""`frontcounter stats`, `report monthly`, `export` and `goals`: the CitiStat numbers, the
council report, spreadsheets and the service goals, from the command line.

`stats --json` gives exactly the numbers the Dashboard shows for the same period.
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import os
import sys
from pathlib import Path
from typing import Any

from desktop.cli.arguments import chosen_statuses
from desktop.cli.output import emit
from desktop.cli.print_commands import day_argument, write_pdf
from desktop.cli.registry import command
from desktop.i18n import _
from desktop.models import clock
from desktop.models.documents import gather as documents
from desktop.models.errors import InputError
from desktop.models.reports import exports, goals, status_site, status_upload
from desktop.models.reports.citistat import Period, comparisons, dashboard
from desktop.models.reports.council import monthly_report
from desktop.models.requests.listing import RequestFilter
from desktop.models.requests.lookups import ids_by_code
from desktop.models.storage.db import OpenedDatabase
from desktop.printing import page_count


def add_parsers(commands: Any, common: argparse.ArgumentParser) -> None:
    publish = commands.add_parser("publish", help=_("the town's public status page"))
    what = publish.add_subparsers(dest="action", metavar="WHAT", required=True)
    status = what.add_parser(
        "status",
        parents=[common],
        help=_("write the status page (a static site for any web host) into a folder"),
    )
    status.add_argument("--out", type=Path, required=True, metavar="DIR")
    status.add_argument(
        "--upload",
        action="store_true",
        help=_("then put it on the town's web host (frontcounter publish setup says where)"),
    )
    setup = what.add_parser(
        "setup",
        parents=[common],
        help=_(
            "where the status page is uploaded: sftp://USER@HOST/FOLDER or "
            "ftps://USER@HOST/FOLDER (the password is asked once and kept in the keyring, or "
            "given to scripts in FRONTCOUNTER_UPLOAD_PASSWORD); an empty address: nowhere"
        ),
    )
    setup.add_argument("--upload", required=True, metavar="URL")
    stats = commands.add_parser(
        "stats", parents=[common], help=_("the Dashboard's numbers for a period")
    )
    stats.add_argument("--from", dest="start", type=day_argument, metavar="DATE")
    stats.add_argument("--to", dest="end", type=day_argument, metavar="DATE")
    stats.add_argument("--month", metavar="YYYY-MM", help=_("a calendar month instead"))
    stats.add_argument(
        "--compare",
        choices=("month", "year", "days"),
        default="",
        help=_(
            "compare with the same days of the month before, the same days last year, or as "
            "many days just before (default: a month with the month before, a year so far "
            "with last year)"
        ),
    )

    report = commands.add_parser("report", help=_("reports for the council"))
    kinds = report.add_subparsers(dest="action", metavar="REPORT", required=True)
    monthly = kinds.add_parser(
        "monthly", parents=[common], help=_("the monthly service report (PDF)")
    )
    monthly.add_argument("--month", required=True, metavar="YYYY-MM")
    monthly.add_argument("--out", type=Path, required=True, metavar="FILE")

    export = commands.add_parser(
        "export", parents=[common], help=_("requests to a CSV or Excel file")
    )
    export.add_argument(
        "--format",
        choices=("csv", "xlsx", "datapackage"),
        default="csv",
        help=_("datapackage: open data (with --public) in a folder, for a town's data portal"),
    )
    export.add_argument(
        "--public",
        action="store_true",
        help=_("open data: no personal data, addresses to the block"),
    )
    export.add_argument("--status", action="append", default=[], metavar="STATUS")
    export.add_argument("--type", action="append", default=[], metavar="CODE")
    export.add_argument("--department", action="append", default=[], metavar="CODE")
    export.add_argument("--from", dest="start", type=day_argument, metavar="DATE")
    export.add_argument("--to", dest="end", type=day_argument, metavar="DATE")
    export.add_argument(
        "--columns",
        metavar="KEYS",
        help=_("comma-separated column keys (see --list-columns); answers are answer:CODE"),
    )
    export.add_argument("--list-columns", action="store_true", help=_("list the column keys"))
    export.add_argument("--out", type=Path, metavar="FILE")

    goals = commands.add_parser("goals", help=_("the service goals per request type"))
    actions = goals.add_subparsers(dest="action", metavar="ACTION", required=True)
    actions.add_parser("list", parents=[common], help=_("the goals"))
    setting = actions.add_parser(
        "set",
        parents=[common],
        help=_("set a goal: e.g. goals set pothole 95 3 (95 %% within 3 business days)"),
    )
    setting.add_argument("type", metavar="TYPE_CODE")
    setting.add_argument(
        "share", metavar="PERCENT", help=_("the share, a percentage from 1 to 100: 95 or 95%%")
    )
    setting.add_argument("within", type=int, metavar="N")
    setting.add_argument("--hours", action="store_true", help=_("N business hours, not days"))
    removing = actions.add_parser("remove", parents=[common], help=_("stop tracking a goal"))
    removing.add_argument("type", metavar="TYPE_CODE")


def _period(args: argparse.Namespace) -> Any:
    if args.month:
        return Period.month(args.month)
    end = args.end or clock.today()
    start = args.start or end - dt.timedelta(days=29)
    return Period(start, end)


def stats_command(args: argparse.Namespace, opened: OpenedDatabase) -> None:
    board = dashboard(_period(args), compare=args.compare, actor=args.signed_in)
    data = board.as_dict()
    lines = [
        _("{period} (against {before}: {which})").format(
            period=board.period.label(),
            before=board.previous_period.label(),
            which=comparisons()[board.comparison],
        ),
        _("  received {n:,} (before {b:,})").format(
            n=board.received.count, b=board.received.previous or 0
        ),
        _("  questions answered {n:,}").format(n=board.questions.count),
        _("  resolved {n:,} (before {b:,})").format(
            n=board.resolved.count, b=board.resolved.previous or 0
        ),
        _("  open {n:,}, overdue {o:,}").format(n=board.backlog.count, o=board.overdue.count),
        _("  acknowledged on time {p}").format(p=_pct(board.acknowledged.value)),
        _("  resolved on time {p}").format(p=_pct(board.resolved_on_time.value)),
        _("  median days to resolve {d}, 90 % within {p}").format(
            d="–" if board.median_days is None else f"{board.median_days:.1f}",
            p="–" if board.p90_days is None else f"{board.p90_days:.1f}",
        ),
    ]
    for result in board.goals:
        verdict = {True: _("met"), False: _("missed"), None: _("nothing resolved")}[result.ok]
        lines.append(
            _("  goal: {goal}: {p} ({verdict})").format(
                goal=result.goal.sentence(), p=_pct(result.share), verdict=verdict
            )
        )
    emit(args, data, "\n".join(lines))


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f} %"


def report_command(args: argparse.Namespace, opened: OpenedDatabase) -> None:
    # reportlab loads when something is printed
    from desktop.printing.council_report import build_council_report

    report = monthly_report(args.month, actor=args.signed_in)
    pdf = build_council_report(report, documents.page_setup())
    write_pdf(args.out, pdf)
    pages = page_count(pdf)
    emit(
        args,
        {"file": str(args.out), "pages": pages, "bytes": len(pdf), "month": args.month},
        _("Wrote {path} ({pages} pages).").format(path=args.out, pages=pages),
    )


def export_command(args: argparse.Namespace, opened: OpenedDatabase) -> None:
    if args.list_columns:
        columns = exports.public_columns() if args.public else exports.available_columns()
        data = [{"key": c.key, "label": c.label, "personal": c.personal} for c in columns]
        emit(args, data, "\n".join(f"{c.key:24} {c.label}" for c in columns))
        return
    if args.out is None:
        raise InputError(_("Say where to write the export: --out FILE."))
    statuses = chosen_statuses(args.status)
    if args.start and args.end and args.end < args.start:
        raise InputError(_("The export's dates end before they start: check --from and --to."))
    filters = RequestFilter(
        statuses=tuple(statuses),
        service_type_ids=ids_by_code("type", args.type),
        department_ids=ids_by_code("department", args.department),
        received_from=args.start,
        received_to=args.end,
    )
    keys = [k.strip() for k in args.columns.split(",") if k.strip()] if args.columns else None
    if args.public and keys:
        raise InputError(_("The open-data export has fixed columns: leave out --columns."))
    if args.format == "datapackage":
        if not args.public:
            raise InputError(
                _("A data package is open data: add --public (nothing that names a person).")
            )
        count = exports.write_datapackage(args.out, filters, actor=args.signed_in)
        emit(
            args,
            {"folder": str(args.out), "requests": count, "format": "datapackage"},
            _("Wrote {n:,} requests as open data to {path} (datapackage.json).").format(
                n=count, path=args.out
            ),
        )
        return
    count = exports.write_export(
        args.out, filters, keys, file_format=args.format, public=args.public, actor=args.signed_in
    )
    emit(
        args,
        {"file": str(args.out), "requests": count, "format": args.format, "public": args.public},
        _("Wrote {n:,} requests to {path}.").format(n=count, path=args.out),
    )


def publish_command(args: argparse.Namespace, opened: OpenedDatabase) -> None:
    if args.action == "setup":
        target = status_upload.parse_target(args.upload) if args.upload.strip() else None
        secret = None
        asking = not os.environ.get(status_upload.PASSWORD_VARIABLE) and sys.stdin.isatty()
        if target is not None and asking:
            secret = getpass.getpass(_("Password for {account}: ").format(account=target.account))
        warning = status_upload.save_target(args.upload, secret, actor=args.signed_in)
        said = (
            _("The status page is uploaded to {url}.").format(url=target.url)
            if target
            else _("The status page is not uploaded anywhere.")
        )
        emit(
            args,
            {"upload": target.url if target else "", "warning": warning},
            " ".join(part for part in (said, warning) if part),
        )
        return
    published = status_site.publish(args.out, actor=args.signed_in)
    if args.upload:
        sent = status_upload.upload(args.out, actor=args.signed_in)
        emit(
            args,
            {**published.as_dict(), "upload": sent.as_dict()},
            _(
                "Wrote the status page to {folder} and uploaded it to {url}: {files:,} files, "
                "{removed:,} old pages removed."
            ).format(folder=args.out, url=sent.target, files=sent.files, removed=sent.removed),
        )
        return
    emit(
        args,
        published.as_dict(),
        _(
            "Wrote the status page to {folder}: {pages:,} request pages, {open:,} open "
            "requests listed, {feed:,} changes in the feed."
        ).format(
            folder=args.out,
            pages=published.pages,
            open=published.open_requests,
            feed=published.feed_entries,
        ),
    )


def goals_command(args: argparse.Namespace, opened: OpenedDatabase) -> None:
    if args.action == "set":
        unit = "business_hours" if args.hours else "business_days"
        goal = goals.set_goal(args.type, args.share, args.within, unit, actor=args.signed_in)
        emit(args, _goal_data(goal), _("Goal set: {goal}.").format(goal=goal.sentence()))
    elif args.action == "remove":
        goals.remove_goal(args.type, actor=args.signed_in)
        emit(args, {"removed": args.type}, _("Goal removed."))
    else:
        found = goals.goals()
        emit(
            args,
            [_goal_data(goal) for goal in found],
            "\n".join(goal.sentence() for goal in found) or _("No goals are set."),
        )


def _goal_data(goal: Any) -> dict[str, Any]:
    return {
        "type": goal.service_type,
        "share": goal.share,
        "within": goal.within_amount,
        "unit": goal.within_unit,
        "goal": goal.sentence(),
    }


COMMANDS = (
    command("stats", stats_command, reads={""}),
    command("report", report_command, reads={"monthly"}),
    command("export", export_command, reads={""}),
    command("goals", goals_command, reads={"list"}),
    command("publish", publish_command),
)
