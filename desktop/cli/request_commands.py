"""`frontcounter request ...` and `frontcounter contact ...`: intake and the life of a request."""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from desktop.cli.arguments import chosen_statuses, page_size, record_id
from desktop.cli.output import emit
from desktop.cli.registry import command
from desktop.i18n import LANGUAGES, _, when
from desktop.models.documents.gather import resolve_references
from desktop.models.errors import InputError
from desktop.models.requests import attachments as files
from desktop.models.requests import bulk, lifecycle
from desktop.models.requests.detail import contact_history, load_request_detail
from desktop.models.requests.edit import KEEP, RequestEdit, edit_request
from desktop.models.requests.intake import (
    RequestDraft,
    create_request,
    find_duplicates,
    log_question,
)
from desktop.models.requests.links import link_related, related_requests, unlink_related
from desktop.models.requests.listing import COLUMN_KEYS, RequestFilter, RequestList
from desktop.models.requests.lookups import ids_by_code
from desktop.models.requests.open311 import request_to_open311
from desktop.models.residents.contacts import (
    CallerDetails,
    check_caller,
    find_contacts,
    get_contact,
    one_on_file,
    primary_email,
    primary_phone,
)
from desktop.models.residents.merge import merge_contacts
from desktop.models.staff.members import get_staff
from desktop.models.staff.permissions import may_see_confidential
from desktop.models.storage.db import OpenedDatabase
from desktop.models.storage.schema import ServiceRequest, StaffUser
from desktop.models.vocab import CHANNELS, CONFIDENTIAL, STATUSES


def add_parsers(commands: Any, common: argparse.ArgumentParser) -> None:
    request = commands.add_parser("request", help=_("log and follow service requests"))
    actions = request.add_subparsers(dest="action", metavar="ACTION", required=True)

    add = actions.add_parser("add", parents=[common], help=_("log a new request"))
    add.add_argument("type", metavar="TYPE_CODE", help=_("the request type's code, e.g. pothole"))
    add.add_argument("description", help=_("what the caller said"))
    add.add_argument("--address", default="")
    add.add_argument("--location-notes", default="")
    add.add_argument("--zip", default="")
    add.add_argument("--lat", type=float)
    add.add_argument("--long", type=float)
    add.add_argument("--channel", default="phone")
    add.add_argument("--first-name", default="")
    add.add_argument("--last-name", default="")
    add.add_argument("--phone", default="")
    add.add_argument("--email", default="")
    add.add_argument(
        "--language",
        default="",
        choices=["", *LANGUAGES],
        metavar="LANG",
        help=_(
            "the language the resident reads: receipts, letters and notices go out in it "
            "({choices}; kept for the resident's next request)"
        ).format(choices=", ".join(LANGUAGES)),
    )
    add.add_argument(
        "--contact", type=record_id, metavar="ID", help=_("a resident already on file")
    )
    add.add_argument("--confidential", action="store_true")
    add.add_argument("--priority")
    add.add_argument(
        "--attr",
        action="append",
        default=[],
        metavar="CODE=VALUE",
        help=_("an answer to one of the type's questions (repeat as needed)"),
    )
    add.add_argument(
        "--safety-acknowledged",
        action="store_true",
        help=_("the type's safety notice was read to the caller"),
    )

    show = actions.add_parser("show", parents=[common], help=_("one request with its history"))
    show.add_argument("number")

    edit = actions.add_parser(
        "edit", parents=[common], help=_("correct a saved request's details (each one noted)")
    )
    edit.add_argument("number")
    edit.add_argument("--description", help=_("what the caller said, corrected"))
    edit.add_argument("--address")
    edit.add_argument("--location-notes")
    edit.add_argument("--zip")
    edit.add_argument("--lat", type=float)
    edit.add_argument("--long", type=float)
    edit.add_argument("--clear-coordinates", action="store_true")
    edit.add_argument(
        "--type", metavar="TYPE_CODE", help=_("another type: the request is re-routed")
    )
    edit.add_argument(
        "--attr",
        action="append",
        default=None,
        metavar="CODE=VALUE",
        help=_("the answers, all of them (repeat as needed)"),
    )
    edit.add_argument("--confidential", choices=["yes", "no"])
    edit.add_argument(
        "--reroute", action="store_true", help=_("route again for the corrected address")
    )
    edit.add_argument(
        "--version", type=record_id, help=_("the version you saw: a newer one is a conflict")
    )

    priority = actions.add_parser("priority", parents=[common], help=_("change the priority"))
    priority.add_argument("number")
    priority.add_argument("level", help=_("low, normal, high or urgent"))

    listing = actions.add_parser("list", parents=[common], help=_("requests, newest first"))
    listing.add_argument("--open", action="store_true")
    listing.add_argument("--overdue", action="store_true")
    listing.add_argument("--status", action="append", default=[])
    listing.add_argument("--type", action="append", default=[], metavar="CODE")
    listing.add_argument("--department", action="append", default=[], metavar="CODE")
    listing.add_argument("--assignee", action="append", default=[], metavar="USERNAME")
    listing.add_argument("--unassigned", action="store_true")
    listing.add_argument("--channel", action="append", default=[])
    listing.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD")
    listing.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD")
    listing.add_argument("--today", action="store_true", help=_("received today"))
    listing.add_argument("--address", default="", help=_("an address or street, as typed"))
    listing.add_argument(
        "--search", default="", help=_("words, a name or a tracking number, as in the window")
    )
    listing.add_argument("--sort", default="requested_at", help=_("a column to sort by"))
    listing.add_argument("--ascending", action="store_true")
    listing.add_argument("--limit", type=page_size, default=50, help=_("1 to 10,000 rows"))

    for name, helptext in (
        ("note", _("add an internal note")),
        ("update", _("add a public update the resident may be told")),
    ):
        note = actions.add_parser(name, parents=[common], help=helptext)
        note.add_argument("number")
        note.add_argument("text")

    for name, helptext in (
        ("acknowledge", _("acknowledge a new request")),
        ("start", _("mark the work in progress")),
        ("schedule", _("mark the work scheduled")),
    ):
        simple = actions.add_parser(name, parents=[common], help=helptext)
        simple.add_argument("number")

    assign = actions.add_parser("assign", parents=[common], help=_("assign to a staff member"))
    assign.add_argument("number")
    assign.add_argument("username", help=_("the staff member's user name, or 'nobody'"))

    bulk = actions.add_parser(
        "bulk",
        parents=[common],
        help=_("make one change to several requests (each refused one is said, the rest done)"),
    )
    bulk.add_argument("change", choices=["assign", "status", "note", "update", "duplicate"])
    bulk.add_argument("numbers", nargs="+", metavar="NUMBER")
    bulk.add_argument(
        "--to", default="", help=_("assign: a user name or 'nobody'; status: the status code")
    )
    bulk.add_argument("--text", default="", help=_("note or update: the text"))
    bulk.add_argument(
        "--of", default="", metavar="NUMBER", help=_("duplicate: the original request")
    )

    pause = actions.add_parser("pause", parents=[common], help=_("stop the clock, with a reason"))
    pause.add_argument("number")
    pause.add_argument("reason")
    resume = actions.add_parser("resume", parents=[common], help=_("start the clock again"))
    resume.add_argument("number")

    resolve = actions.add_parser("resolve", parents=[common], help=_("say how it was resolved"))
    resolve.add_argument("number")
    resolve.add_argument("resolution")
    resolve.add_argument("--note", default="")
    resolve.add_argument("--duplicate-of", metavar="NUMBER")
    close = actions.add_parser("close", parents=[common], help=_("close a resolved request"))
    close.add_argument("number")
    reopen = actions.add_parser("reopen", parents=[common], help=_("reopen, with a reason"))
    reopen.add_argument("number")
    reopen.add_argument("reason")
    link = actions.add_parser(
        "link",
        parents=[common],
        help=_("mark as a duplicate of another, or with --related link two that stay open"),
    )
    link.add_argument("number")
    link.add_argument("original", metavar="OTHER")
    link.add_argument(
        "--related", action="store_true", help=_("related, not a duplicate: both stay open")
    )
    unlink = actions.add_parser(
        "unlink", parents=[common], help=_("take away the related link between two requests")
    )
    unlink.add_argument("number")
    unlink.add_argument("other")

    attach = actions.add_parser("attach", parents=[common], help=_("attach a photo or document"))
    attach.add_argument("number")
    attach.add_argument("file", help=_("the file to attach (10 MB at most)"))
    attach.add_argument("--description", default="", help=_("what the file shows"))
    attachments = actions.add_parser(
        "attachments", parents=[common], help=_("list a request's attachments")
    )
    attachments.add_argument("number")
    detach = actions.add_parser("detach", parents=[common], help=_("remove an attachment"))
    detach.add_argument("number")
    detach.add_argument("attachment_id", type=record_id, metavar="ATTACHMENT_ID")
    export = actions.add_parser(
        "save-attachment", parents=[common], help=_("save an attachment to a file")
    )
    export.add_argument("number")
    export.add_argument("attachment_id", type=record_id, metavar="ATTACHMENT_ID")
    export.add_argument("target", metavar="PATH", help=_("a file, or a folder to save it in"))
    export.add_argument("--overwrite", action="store_true", help=_("replace an existing file"))

    contact = commands.add_parser("contact", help=_("find residents"))
    contact_actions = contact.add_subparsers(dest="action", metavar="ACTION", required=True)
    find = contact_actions.add_parser("find", parents=[common], help=_("by phone, email or name"))
    find.add_argument("text")
    contact_show = contact_actions.add_parser("show", parents=[common], help=_("one resident"))
    contact_show.add_argument("id", type=record_id)
    merge = contact_actions.add_parser(
        "merge", parents=[common], help=_("merge two records of the same resident into one")
    )
    merge.add_argument("keep", type=record_id, metavar="KEEP_ID", help=_("the record to keep"))
    merge.add_argument(
        "other", type=record_id, metavar="OTHER_ID", help=_("the record merged into it")
    )

    question = commands.add_parser("question", help=_("questions answered without a request"))
    question_actions = question.add_subparsers(dest="action", metavar="ACTION", required=True)
    logged = question_actions.add_parser(
        "log", parents=[common], help=_("count a question answered (from an article)")
    )
    logged.add_argument("topic", nargs="?", default="", help=_("what the question was about"))
    logged.add_argument("--article", type=record_id, metavar="ID", help=_("the FAQ article used"))
    logged.add_argument("--channel", default="phone")
    logged.add_argument(
        "--contact", type=record_id, metavar="ID", help=_("a resident already on file")
    )
    logged.add_argument("--notes", default="")


def question_command(args: argparse.Namespace, opened: OpenedDatabase) -> None:
    if args.contact is not None:
        get_contact(args.contact)
    logged = log_question(
        args.topic,
        args.channel,
        contact_id=args.contact,
        actor=args.signed_in,
        notes=args.notes,
        article_id=args.article,
    )
    data = {
        "id": logged.id,
        "topic": logged.topic,
        "article": args.article,
        "channel": logged.channel,
        "at": logged.at,
    }
    emit(args, data, _("Question logged: {topic}").format(topic=logged.topic))


def _bulk(args: argparse.Namespace, actor: StaffUser | None) -> None:
    ids = resolve_references(args.numbers)
    value: str | StaffUser | None
    if args.change == "assign":
        if not args.to:
            raise InputError(_("Say who with --to USERNAME (or --to nobody)."))
        value = None if args.to.strip().lower() == "nobody" else get_staff(args.to)
    elif args.change == "status":
        value = args.to
    elif args.change == "duplicate":
        value = args.of
    else:
        value = args.text
    results = bulk.apply(args.change, ids, value, actor=actor)
    if results and not any(r.done for r in results):
        raise InputError(bulk.summary(results))  # nothing done: exit status 1
    emit(
        args,
        {
            "changed": sum(1 for r in results if r.done),
            "refused": sum(1 for r in results if not r.done),
            "requests": [r.as_json() for r in results],
        },
        bulk.summary(results),
    )


def _summary(request: ServiceRequest, actor: StaffUser | None) -> dict[str, Any]:
    data = request_to_open311(request)
    data.update(
        id=request.id,
        tracking_number=request.tracking_number,
        status=request.status,
        resolution=request.resolution,
        priority=request.priority,
        channel=request.channel,
        department=request.department.name,
        version=request.version,
        assignee=request.assignee.full_name if request.assignee else None,
        contact_id=None
        if request.confidential and not may_see_confidential(actor)
        else request.contact_id,
        duplicate_of=request.duplicate_of_id,
    )
    return data


def request_command(args: argparse.Namespace, opened: OpenedDatabase) -> None:
    actor = args.signed_in
    if args.action == "add":
        _add(args, actor)
        return
    if args.action == "list":
        _list(args)
        return
    if args.action == "bulk":
        _bulk(args, actor)
        return
    request = lifecycle.find_request(args.number)
    if args.action == "show":
        _show(args, request)
        return
    if args.action == "edit":
        _edit(args, request, actor)
        return
    if args.action in ("attach", "attachments", "detach", "save-attachment"):
        _attachments(args, request, actor)
        return
    if args.action == "unlink" or (args.action == "link" and args.related):
        _related(args, request, actor)
        return
    rid = request.id
    actions = {
        "note": lambda: lifecycle.add_note(rid, args.text, actor=actor),
        "update": lambda: lifecycle.add_note(rid, args.text, public=True, actor=actor),
        "acknowledge": lambda: lifecycle.set_status(rid, "acknowledged", actor=actor),
        "start": lambda: lifecycle.set_status(rid, "in_progress", actor=actor),
        "schedule": lambda: lifecycle.set_status(rid, "scheduled", actor=actor),
        "pause": lambda: lifecycle.pause(rid, args.reason, actor=actor),
        "resume": lambda: lifecycle.resume(rid, actor=actor),
        "resolve": lambda: lifecycle.resolve(
            rid, args.resolution, note=args.note, actor=actor, duplicate_of=args.duplicate_of
        ),
        "close": lambda: lifecycle.close(rid, actor=actor),
        "reopen": lambda: lifecycle.reopen(rid, args.reason, actor=actor),
        "link": lambda: lifecycle.resolve(
            rid, "duplicate", duplicate_of=args.original, actor=actor
        ),
        "assign": lambda: _assign(rid, args.username, actor),
        "priority": lambda: lifecycle.set_priority(rid, args.level, actor=actor),
    }
    changed = actions[args.action]()
    emit(
        args,
        _summary(changed, actor),
        _("{number}: {status}").format(
            number=changed.tracking_number, status=changed.status.replace("_", " ")
        ),
    )


def _answers_of(items: list[str]) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for item in items:
        code, sep, value = item.partition("=")
        if not sep or not code.strip():
            raise InputError(_("Give answers as CODE=VALUE, e.g. --attr size=small."))
        answers[code.strip()] = value
    return answers


def _edit(args: argparse.Namespace, request: ServiceRequest, actor: StaffUser | None) -> None:
    if (args.lat is None) != (args.long is None):
        raise InputError(_("Give both --lat and --long, or --clear-coordinates."))
    coordinates: Any = KEEP
    if args.clear_coordinates:
        coordinates = None
    elif args.lat is not None:
        coordinates = (args.lat, args.long)

    def given(value: Any) -> Any:
        return KEEP if value is None else value

    edit = RequestEdit(
        description=given(args.description),
        address=given(args.address),
        location_notes=given(args.location_notes),
        zip=given(args.zip),
        coordinates=coordinates,
        service_type=given(args.type),
        answers=KEEP if args.attr is None else _answers_of(args.attr),
        confidential=KEEP if args.confidential is None else args.confidential == "yes",
        reroute=args.reroute,
    )
    changed = edit_request(request.id, edit, version=args.version, actor=actor)
    emit(
        args,
        _summary(changed, actor),
        _("{number} corrected (version {version}).").format(
            number=changed.tracking_number, version=changed.version
        ),
    )


def _assign(rid: int, username: str, actor: StaffUser | None) -> ServiceRequest:
    assignee = None if username.lower() == "nobody" else get_staff(username)
    return lifecycle.assign(rid, assignee, actor=actor)


def _add(args: argparse.Namespace, actor: StaffUser | None) -> None:
    answers = _answers_of(args.attr)
    caller = CallerDetails(
        args.first_name, args.last_name, args.phone, args.email, language=args.language
    )
    contact_id = args.contact
    if contact_id is None and not check_caller(caller):
        # the same phone or email as one resident on file: theirs, not a second record
        known = one_on_file(caller)
        contact_id = known.id if known is not None else None
    draft = RequestDraft(
        service_type=args.type,
        description=args.description,
        address=args.address,
        location_notes=args.location_notes,
        zip=args.zip,
        lat=args.lat,
        long=args.long,
        channel=args.channel,
        answers=answers,
        contact_id=contact_id,
        caller=caller,
        confidential=args.confidential,
        priority=args.priority,
        safety_acknowledged=args.safety_acknowledged,
    )
    request = create_request(draft, actor)
    duplicates = find_duplicates(
        request.service_type_id, request.address, request.lat, request.long, exclude_id=request.id
    )
    lines = [_("Saved as {number}.").format(number=request.tracking_number)]
    if request.due_at:
        lines.append(_("Expected by {due}.").format(due=when(request.due_at, "%A %B %d, %Y %H:%M")))
    if duplicates:
        lines.append(_("Possible duplicates, open at the same or a nearby address:"))
        lines += [
            f"  {d.tracking_number}  {d.address}  ({d.requested_at:%Y-%m-%d})" for d in duplicates
        ]
    data = _summary(request, actor) | {
        "possible_duplicates": [d.tracking_number for d in duplicates]
    }
    emit(args, data, "\n".join(lines))


def _show(args: argparse.Namespace, request: ServiceRequest) -> None:

    # the detail as the window shows it: a confidential reporter is masked the same way
    detail = load_request_detail(request.id, history_limit=None, actor=args.signed_in)
    history = list(reversed(detail.history))
    data = _summary(request, args.signed_in) | {
        "contact_id": detail.contact_id,
        "reporter": detail.contact_name or None,
        "answers": {a.label: a.value for a in detail.answers},
        "also_reported_by": [f.name for f in detail.followers],
        "related": [line.tracking_number for line in detail.related],
        "history": [
            {
                "at": h.at,
                "kind": h.kind,
                "old": h.old_value,
                "new": h.new_value,
                "body": h.body,
                "by": h.actor or None,
            }
            for h in history
        ],
    }
    reporter = detail.contact_name or (
        _(CONFIDENTIAL) if request.confidential and request.contact_id else _("anonymous")
    )
    lines = [
        f"{request.tracking_number}  {request.service_type.name}  "
        f"[{request.status.replace('_', ' ')}]",
        _("Address: {a}").format(a=request.address or "-"),
        _("Received: {at:%Y-%m-%d %H:%M}  Due: {due}").format(
            at=request.requested_at,
            due=f"{request.due_at:%Y-%m-%d %H:%M}" if request.due_at else "-",
        ),
        _("Department: {d}").format(d=request.department.name),
        _("Reported by: {who}").format(who=reporter),
        "",
        request.description,
        "",
    ]
    lines += [f"{a.label}: {a.value}" for a in detail.answers]
    if detail.related:
        lines += ["", _("Related: {numbers}").format(numbers=", ".join(data["related"]))]
    lines += ["", _("History:")]

    def change(h: Any) -> str:  # a status event's body is empty: what it says is its new status
        if h.kind != "status" or not h.new_value:
            return ""
        old = STATUSES.get(h.old_value or "", h.old_value or "")
        new = STATUSES.get(h.new_value, h.new_value)
        return f"{old} → {new}  " if old else f"→ {new}  "

    lines += [
        f"  {h.at:%Y-%m-%d %H:%M}  {h.kind:<13} {change(h)}{h.body}"
        + (f"  ({h.actor})" if h.actor else "")
        for h in history
    ]
    emit(args, data, "\n".join(lines))


def _related(args: argparse.Namespace, request: ServiceRequest, actor: StaffUser | None) -> None:
    if args.action == "unlink":
        unlink_related(request.id, args.other, actor=actor)
    else:
        link_related(request.id, args.original, actor=actor)
    linked = [r.tracking_number for r in related_requests(request.id)]
    emit(
        args,
        {"tracking_number": request.tracking_number, "related": linked},
        _("{number} is related to: {others}").format(
            number=request.tracking_number, others=", ".join(linked) or _("none")
        ),
    )


def _list(args: argparse.Namespace) -> None:
    unknown = [v for v in args.channel if v not in CHANNELS]
    if unknown:
        raise InputError(
            _("“{value}” is not a channel: {choices}.").format(
                value=unknown[0], choices=", ".join(CHANNELS)
            )
        )
    if args.sort not in COLUMN_KEYS:
        raise InputError(_("Sort by one of: {columns}.").format(columns=", ".join(COLUMN_KEYS)))
    filters = RequestFilter(
        statuses=tuple(chosen_statuses(args.status)),
        open_only=args.open,
        overdue_only=args.overdue,
        service_type_ids=ids_by_code("type", args.type),
        department_ids=ids_by_code("department", args.department),
        assignee_ids=ids_by_code("staff", args.assignee),
        unassigned=args.unassigned,
        channels=tuple(args.channel),
        received_from=_date(args.date_from),
        received_to=_date(args.date_to),
        received_today=args.today,
        address=args.address,
        search=args.search,
    )
    listing = RequestList(filters, args.sort, not args.ascending)
    rows = listing.page(0, max(1, min(args.limit, 10_000)), actor=args.signed_in)
    data = [
        dict(zip(COLUMN_KEYS, row.values, strict=True)) | {"overdue": row.overdue} for row in rows
    ]
    lines = [
        f"{d['tracking_number']}  {str(d['requested_at'])[:16]}  {d['status']:<12} "
        f"{d['service_type']:<30.30} {d['address']}"
        for d in data
    ]
    emit(args, data, "\n".join(lines) or _("No requests."))


def _date(text: str | None) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise InputError(_("“{text}” is not a date like 2026-11-24.").format(text=text)) from None


def contact_command(args: argparse.Namespace, opened: OpenedDatabase) -> None:
    def describe(contact: Any) -> dict[str, Any]:
        return {
            "id": contact.id,
            "name": contact.display_name,
            "phone": primary_phone(contact),
            "email": primary_email(contact),
            "address": contact.address,
        }

    if args.action == "merge":
        _merge(args)
        return
    if args.action == "find":
        found = [describe(c) for c in find_contacts(args.text)]
        emit(
            args,
            found,
            "\n".join(f"{c['id']:>7}  {c['name']:<30} {c['phone']:<16} {c['email']}" for c in found)
            or _("Nobody found."),
        )
        return

    # the Counter's own history: a confidential report is left out for roles that may not
    # see it (that this resident reported a neighbour is itself the confidential part)
    history = contact_history(args.id, limit=100, actor=args.signed_in)
    lines = sorted(
        history.open_requests + history.past_requests, key=lambda r: r.requested_at, reverse=True
    )
    data = describe(history.contact) | {
        "requests": [
            {"tracking_number": r.tracking_number, "status": r.status, "type": r.service_type}
            for r in lines
        ],
        "confidential_hidden": history.confidential_hidden,
    }
    hidden = (
        [
            _("  (and {n} confidential, shown to supervisors only)").format(
                n=history.confidential_hidden
            )
        ]
        if history.confidential_hidden
        else []
    )
    emit(
        args,
        data,
        "\n".join(
            [f"{data['name']}  {data['phone']}  {data['email']}", data["address"], ""]
            + [f"  {r['tracking_number']}  {r['status']:<12} {r['type']}" for r in data["requests"]]
            + hidden
        ),
    )


def _attachments(
    args: argparse.Namespace, request: ServiceRequest, actor: StaffUser | None
) -> None:
    def describe(info: files.AttachmentInfo) -> dict[str, Any]:
        return {
            "id": info.id,
            "filename": info.filename,
            "media_type": info.media_type,
            "size": info.size,
            "sha256": info.sha256,
            "description": info.description,
            "created_at": info.created_at,
            "created_by": info.created_by or None,
            "thumbnail": info.thumbnail is not None,
        }

    def line(info: files.AttachmentInfo) -> str:
        return f"{info.id:>6}  {info.filename}  ({files.human_size(info.size)}, {info.media_type})"

    if args.action == "attachments":
        found = files.list_attachments(request.id)
        emit(
            args,
            [describe(i) for i in found],
            "\n".join(line(i) for i in found)
            or _("{number} has no attachments.").format(number=request.tracking_number),
        )
        return
    if args.action == "attach":
        info = files.add_attachment_file(
            request.id, args.file, description=args.description, actor=actor
        )
        info = files.get_attachment(info.id, thumbnail=True)
        emit(
            args,
            describe(info),
            _("Attached to {number}:").format(number=request.tracking_number) + "\n" + line(info),
        )
        return
    info = files.get_attachment(args.attachment_id)
    if info.request_id != request.id:
        raise InputError(
            _("Attachment {id} belongs to another request, not {number}.").format(
                id=args.attachment_id, number=request.tracking_number
            )
        )
    if args.action == "detach":
        files.delete_attachment(info.id, actor=actor)
        emit(
            args,
            describe(info) | {"removed": True},
            _("Removed “{name}” from {number}.").format(
                name=info.filename, number=request.tracking_number
            ),
        )
        return
    saved = files.save_attachment(info.id, args.target, overwrite=args.overwrite)
    emit(
        args,
        describe(info) | {"saved_to": str(saved)},
        _("Saved “{name}” to {path}.").format(name=info.filename, path=saved),
    )


def _merge(args: argparse.Namespace) -> None:
    result = merge_contacts(args.keep, args.other, actor=args.signed_in)
    data = {
        "kept": result.kept.id,
        "merged": args.other,
        "name": result.kept.display_name,
        "requests": result.requests,
        "followers": result.followers,
        "questions": result.questions,
        "methods": result.methods,
    }
    emit(
        args,
        data,
        _(
            "Merged resident #{merged} into #{kept} ({name}): {requests} requests, "
            "{followers} follower reports, {questions} questions and {methods} phone numbers "
            "or emails moved."
        ).format(**data),
    )


COMMANDS = (
    command(
        "request",
        request_command,
        reads={"show", "list", "attachments", "save-attachment"},
    ),
    command("contact", contact_command, reads={"find", "show"}),
    command("question", question_command),
)
