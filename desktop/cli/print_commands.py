"""`frontcounter print ...` and `frontcounter closeout ...`: documents to PDF, returned orders.

`print` writes one PDF file (`--out`) and records on each request that it was printed, so the
next print of the same work order says REPRINT (`--no-record` for a proof). With --json it
prints {"file", "pages", "bytes", "requests": [tracking numbers], "recorded": true or false}.
On a read-only database the PDF is written all the same and the print is not recorded (said on
standard error).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import Any

from desktop import printing
from desktop.cli.output import emit
from desktop.cli.registry import EVERY_ACTION, command
from desktop.i18n import _, ngettext
from desktop.models import clock
from desktop.models.clock import FIRST_YEAR, LAST_YEAR
from desktop.models.documents import gather as documents
from desktop.models.documents.closeout import CloseOut, close_out
from desktop.models.errors import KnownError
from desktop.models.storage.db import OpenedDatabase
from desktop.models.storage.safe_files import write_whole


def day_argument(text: str) -> dt.date:
    """An argparse type: a YYYY-MM-DD date, or a usage error in the clerk's words."""
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("“{text}” is not a date: write YYYY-MM-DD").format(text=text)
        ) from None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise argparse.ArgumentTypeError(
            _(
                "{text} is not a date Front Counter keeps: give a year from {first} to {last}"
            ).format(text=text, first=FIRST_YEAR, last=LAST_YEAR)
        )
    return day


def _hours(text: str) -> float:
    try:
        return float(text.replace(",", "."))
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("“{text}” is not a number of hours").format(text=text)
        ) from None


def _moment(text: str) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("“{text}” is not a date and time: write YYYY-MM-DD HH:MM").format(text=text)
        ) from None


def add_parsers(commands: Any, common: argparse.ArgumentParser) -> None:
    out = argparse.ArgumentParser(add_help=False)
    out.add_argument("--out", type=Path, required=True, metavar="FILE", help=_("the PDF to write"))
    out.add_argument(
        "--no-record",
        action="store_true",
        help=_("do not note the print in the requests' history (a proof)"),
    )
    printing = commands.add_parser("print", help=_("print documents to a PDF file"))
    actions = printing.add_subparsers(dest="action", metavar="DOCUMENT", required=True)
    orders = actions.add_parser(
        "work-order", parents=[common, out], help=_("work orders, one per page")
    )
    orders.add_argument("ids", nargs="+", metavar="ID", help=_("tracking numbers or ids"))
    sheet = actions.add_parser(
        "run-sheet",
        parents=[common, out],
        help=_(
            "the packet of a department, a crew member, or (with neither) the whole town for a "
            "day: the route list, then the work orders"
        ),
    )
    sheet.add_argument("--department", metavar="CODE", help=_("the department's code"))
    sheet.add_argument(
        "--assignee",
        metavar="USERNAME",
        help=_("the crew member (a staff user name) the work is assigned to"),
    )
    sheet.add_argument("--date", type=day_argument, metavar="YYYY-MM-DD", help=_("default: today"))
    receipt = actions.add_parser(
        "receipt", parents=[common, out], help=_("the resident's receipt (half a page)")
    )
    receipt.add_argument("id", metavar="ID")
    letter = actions.add_parser(
        "letter", parents=[common, out], help=_("a letter to the resident from a template")
    )
    letter.add_argument("id", metavar="ID")
    letter.add_argument("--template", default="closure", metavar="NAME")
    actions.add_parser(
        "faq-binder", parents=[common, out], help=_("every public FAQ article, by topic")
    )

    closeout = commands.add_parser(
        "closeout", parents=[common], help=_("close out a returned work order")
    )
    closeout.add_argument("id", metavar="ID", help=_("tracking number (as scanned) or id"))
    closeout.add_argument(
        "--outcome",
        required=True,
        choices=["fixed", "follow_up", "could_not_locate", "not_ours"],
    )
    closeout.add_argument("--note", default="", help=_("what the crew wrote"))
    closeout.add_argument("--hours", type=_hours, metavar="H")
    closeout.add_argument("--materials", default="")
    closeout.add_argument("--crew", default="")
    closeout.add_argument("--done", type=_moment, metavar="YYYY-MM-DDTHH:MM")


def write_pdf(path: Path, pdf: bytes) -> None:
    """Write the file whole or not at all (safe_files), in the clerk's words."""

    target = path.expanduser()
    try:
        write_whole(target, pdf)
    except OSError as exc:
        raise KnownError(
            _("Could not write {path}: {reason}.").format(path=target, reason=exc.strerror or exc)
        ) from exc


def print_command(args: argparse.Namespace, opened: OpenedDatabase) -> None:
    setup = documents.page_setup()
    printed: list[int] = []
    kind = documents.WORK_ORDER
    if args.action == "work-order":
        printed = documents.resolve_references(args.ids)
        pdf = printing.build_work_orders(
            documents.work_orders(printed, actor=args.signed_in), setup
        )
    elif args.action == "run-sheet":
        # neither: the whole town's day, as in the window
        sheet = documents.run_sheet(
            args.department,
            args.date or clock.today(),
            assignee=args.assignee,
            actor=args.signed_in,
        )
        printed = [order.request_id for order in sheet.orders]
        pdf = printing.build_run_sheet(sheet, setup)
    elif args.action == "receipt":
        request = documents.find_by_reference(args.id)
        printed, kind = [request.id], documents.RECEIPT
        pdf = printing.build_receipt(documents.receipt(request.id, actor=args.signed_in), setup)
    elif args.action == "letter":
        request = documents.find_by_reference(args.id)
        printed, kind = [request.id], documents.LETTER
        pdf = printing.build_letter(
            documents.letter(request.id, args.template, actor=args.signed_in), setup
        )
    else:
        pdf = printing.build_faq_binder(documents.faq_binder(), setup)
    write_pdf(args.out, pdf)
    record = bool(printed) and not args.no_record
    if record and opened.read_only:
        record = False  # the crew needs the paper; a read-only file cannot take the history line
        print(
            ngettext(
                "Printed, but not recorded in the request's history: the database is read-only.",
                "Printed, but not recorded in the requests' history: the database is read-only.",
                len(printed),
            ),
            file=sys.stderr,
        )
    if record:
        note = (
            _("Letter “{name}” printed").format(name=args.template)
            if kind == documents.LETTER
            else ""
        )
        documents.record_printed(printed, kind, actor=args.signed_in, note=note)
    numbers = documents.tracking_numbers(printed)
    pages = printing.page_count(pdf)
    result = {
        "file": str(args.out),
        "bytes": len(pdf),
        "pages": pages,
        "requests": numbers,
        "recorded": record,
    }
    text = ngettext("Wrote {file} ({pages} page).", "Wrote {file} ({pages} pages).", pages).format(
        file=args.out, pages=pages
    )
    if numbers:
        text += " " + _("Requests: {numbers}").format(numbers=", ".join(numbers[:20]))
        if len(numbers) > 20:
            text += " …"
    emit(args, result, text)


def closeout_command(args: argparse.Namespace, opened: OpenedDatabase) -> None:
    record = CloseOut(
        reference=args.id,
        outcome=args.outcome,
        notes=args.note,
        hours=args.hours,
        materials=args.materials,
        crew=args.crew,
        done_at=args.done,
    )
    request = close_out(record, actor=args.signed_in)
    result = {
        "tracking_number": request.tracking_number,
        "status": request.status,
        "resolution": request.resolution,
    }
    text = _("{number} is now {status}{resolution}.").format(
        number=request.tracking_number,
        status=request.status,
        resolution=f" ({request.resolution})" if request.resolution else "",
    )
    emit(args, result, text)


COMMANDS = (
    # on a read-only database a print is made but not recorded, and print_command says so
    command("print", print_command, reads={EVERY_ACTION}),
    command("closeout", closeout_command),
)
