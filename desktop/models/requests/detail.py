"""Everything about one request or one resident, read at once for a screen or a printout.

The detail pane, the Counter screen's caller history and the CLI's `show` read plain data from
here; nothing in it holds a cursor or a model that reads again later (docs/RELIABILITY.md rule 4).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import peewee

from desktop import i18n
from desktop.i18n import _
from desktop.models.catalog import translations
from desktop.models.requests.links import related_ids
from desktop.models.requests.tracking import find_request
from desktop.models.staff.permissions import may_see_confidential
from desktop.models.storage.db import reading
from desktop.models.storage.schema import (
    Attachment,
    Contact,
    ContactMethod,
    InfoContact,
    OutboxMessage,
    RequestAnswer,
    RequestEvent,
    RequestFollower,
    ServiceAttribute,
    ServiceRequest,
    ServiceType,
    StaffUser,
)
from desktop.models.vocab import CONFIDENTIAL, LIST_DATATYPES, OPEN_STATUSES, state_words

HISTORY_LIMIT = 50


# The lines below are plain records, read by attribute only: NamedTuples, made in a tenth of
# the time a frozen dataclass takes to define (0.07 ms against 0.5), since this module loads
# before the window's first paint.


class RequestLine(NamedTuple):
    """A request in a short list: the caller's other requests, the duplicates of one."""

    id: int
    tracking_number: str
    service_type: str
    status: str
    address: str
    requested_at: dt.datetime
    is_open: bool


class HistoryLine(NamedTuple):
    kind: str
    at: dt.datetime
    actor: str
    body: str
    old_value: str | None
    new_value: str | None
    public: bool


class AnswerLine(NamedTuple):
    label: str
    value: str


class AttachmentLine(NamedTuple):
    id: int
    filename: str
    media_type: str
    size: int
    created_at: dt.datetime
    thumbnail: bytes | None


class FollowerLine(NamedTuple):
    name: str
    channel: str
    description: str
    at: dt.datetime


@dataclass
class RequestDetail:
    """One request with its type, people, answers, history, attachments and links."""

    request: ServiceRequest
    service_type: str
    department: str
    assignee: str
    contact_id: int | None
    contact_name: str
    contact_phone: str
    contact_email: str
    answers: list[AnswerLine] = field(default_factory=list)
    #: the answers as stored, by question code (for a form that corrects them)
    answer_values: dict[str, Any] = field(default_factory=dict)
    history: list[HistoryLine] = field(default_factory=list)
    followers: list[FollowerLine] = field(default_factory=list)
    attachments: list[AttachmentLine] = field(default_factory=list)
    duplicates: list[RequestLine] = field(default_factory=list)
    duplicate_of: RequestLine | None = None
    #: requests linked as related (both stay open)
    related: list[RequestLine] = field(default_factory=list)
    contact_requests: list[RequestLine] = field(default_factory=list)
    safety_notice: str = ""

    @property
    def is_open(self) -> bool:
        return bool(self.request.status in OPEN_STATUSES)


@dataclass
class ContactHistory:
    """A resident as the clerk sees them beside the form: details, requests, questions, notes."""

    contact: Contact
    phones: list[str]
    emails: list[str]
    open_requests: list[RequestLine]
    past_requests: list[RequestLine]
    questions: list[tuple[dt.datetime, str]]
    notes: str
    #: confidential requests of theirs left out for a role that may not see them
    confidential_hidden: int = 0


def _lines(query: Any) -> list[RequestLine]:
    """Other requests as lines, each type's name in the language spoken."""
    rows = query.select(
        ServiceRequest.id,
        ServiceRequest.tracking_number,
        ServiceType.name,
        ServiceRequest.status,
        ServiceRequest.address,
        ServiceRequest.requested_at,
        ServiceType.translations,
    ).join(ServiceType, on=ServiceRequest.service_type == ServiceType.id)
    spoken = i18n.language()
    return [
        RequestLine(
            r[0],
            r[1],
            translations.type_text(ServiceType(name=r[2], translations=r[6]), "name", spoken),
            r[3],
            r[4],
            r[5],
            r[3] in OPEN_STATUSES,
        )
        for r in rows.tuples()
    ]


def answer_text(attribute: ServiceAttribute | None, value: Any) -> str:
    """An answer as words: a list question's choices by their names in the language spoken."""
    if attribute is not None and attribute.datatype in LIST_DATATYPES:
        keys = value if isinstance(value, list) else [value]
        spoken = i18n.language()
        return ", ".join(translations.choice_name(attribute, str(k), spoken) for k in keys)
    return "" if value is None else str(value)


def load_request_detail(
    reference: str | int, history_limit: int | None = HISTORY_LIMIT, *, actor: StaffUser | None
) -> RequestDetail:
    """A request by id or tracking number, with everything the detail pane shows (the newest
    `history_limit` history lines, newest first; None: all of them), as `actor` may see it."""
    with reading():
        request = find_request(reference)
        kind = request.service_type

        # a confidential reporter is shown only to the roles that need them (permissions.py)
        hidden = request.confidential and not may_see_confidential(actor)
        contact_id = None if hidden else request.contact_id
        contact = request.contact if contact_id else None
        spoken = i18n.language()
        detail = RequestDetail(
            request=request,
            service_type=translations.type_text(kind, "name", spoken),
            department=translations.department_name(request.department, spoken),
            assignee=request.assignee.full_name if request.assignee is not None else "",
            contact_id=contact_id,
            contact_name=contact.display_name if contact else "",
            contact_phone=_method(contact_id, "phone"),
            contact_email=_method(contact_id, "email"),
            safety_notice=kind.safety_notice,
        )
        attributes = {a.code: a for a in kind.attributes}
        answered: list[tuple[int, int, AnswerLine]] = []
        for answer in RequestAnswer.select().where(RequestAnswer.request == request.id):
            attribute = attributes.get(answer.attribute_code)
            label = (
                translations.attribute_label(attribute, spoken)
                if attribute
                else answer.attribute_code
            )
            place = attribute.sort_order if attribute else 1_000_000
            line = AnswerLine(label, answer_text(attribute, answer.value))
            detail.answer_values[answer.attribute_code] = answer.value
            answered.append((place, attribute.id if attribute else 0, line))
        detail.answers = [line for _place, _id, line in sorted(answered, key=lambda a: a[:2])]
        actors = StaffUser.alias()
        events = (
            RequestEvent.select(RequestEvent, actors.full_name.alias("actor_name"))
            .join(actors, on=RequestEvent.actor == actors.id, join_type=peewee.JOIN.LEFT_OUTER)
            .where(RequestEvent.request == request.id)
            .order_by(RequestEvent.at.desc(), RequestEvent.id.desc())
            .limit(history_limit)
        )
        told = {
            str(m.id): m
            for m in OutboxMessage.select(
                OutboxMessage.id, OutboxMessage.state, OutboxMessage.last_error
            ).where(OutboxMessage.request == request.id)
        }
        for event in events.objects():
            body = event.body
            if hidden and event.kind == "follower":  # "Also reported by Carol Jones."
                body = _("Also reported by another resident (confidential).")
            notice = told.get(event.new_value or "") if event.kind == "notice" else None
            if notice is not None:  # "Acknowledgement queued by email. Now: sent."
                body = f"{body} {_('Now: {state}.').format(state=state_words()[notice.state])}"
                if notice.state in ("failed", "bounced") and notice.last_error:
                    body += f" {notice.last_error}"
            detail.history.append(
                HistoryLine(
                    event.kind,
                    event.at,
                    getattr(event, "actor_name", None) or "",
                    body,
                    event.old_value,
                    event.new_value,
                    event.public,
                )
            )
        for follower in (
            RequestFollower.select(RequestFollower, Contact)
            .join(Contact, join_type=peewee.JOIN.LEFT_OUTER)
            .where(RequestFollower.request == request.id)
            .order_by(RequestFollower.at)
        ):
            who = follower.contact
            if hidden or (follower.confidential and not may_see_confidential(actor)):
                name = _(CONFIDENTIAL)
            else:
                name = who.display_name if who is not None else _("anonymous")
            detail.followers.append(
                FollowerLine(name, follower.channel, follower.description, follower.at)
            )
        for row in (
            Attachment.select(
                Attachment.id,
                Attachment.filename,
                Attachment.media_type,
                Attachment.size,
                Attachment.created_at,
                Attachment.thumbnail,
            )
            .where(Attachment.request == request.id)
            .order_by(Attachment.id)
            .tuples()
        ):
            values: tuple[Any, ...] = row  # type: ignore[assignment]  # .tuples() rows
            attachment_id, filename, media_type, size, created_at, thumbnail = values
            detail.attachments.append(
                AttachmentLine(
                    attachment_id,
                    filename,
                    media_type,
                    size,
                    created_at,
                    # PostgreSQL's driver hands blobs back as memoryview; callers get bytes
                    bytes(thumbnail) if thumbnail is not None else None,
                )
            )
        detail.duplicates = _lines(
            ServiceRequest.select().where(ServiceRequest.duplicate_of == request.id)
        )
        if request.duplicate_of_id:
            found = _lines(
                ServiceRequest.select().where(ServiceRequest.id == request.duplicate_of_id)
            )
            detail.duplicate_of = found[0] if found else None

        linked = related_ids(request.id)
        if linked:
            by_id = {
                line.id: line
                for line in _lines(ServiceRequest.select().where(ServiceRequest.id.in_(linked)))
            }
            detail.related = [by_id[i] for i in linked if i in by_id]
        if contact_id:
            detail.contact_requests = _lines(
                ServiceRequest.select()
                .where(
                    ServiceRequest.contact == contact_id,
                    ServiceRequest.id != request.id,
                )
                .order_by(ServiceRequest.requested_at.desc())
                .limit(20)
            )
    return detail


def _method(contact_id: int | None, kind: str) -> str:
    if contact_id is None:
        return ""
    method = (
        ContactMethod.select(ContactMethod.value)
        .where(ContactMethod.contact == contact_id, ContactMethod.kind == kind)
        .order_by(ContactMethod.is_primary.desc(), ContactMethod.id)
        .first()
    )
    return str(method.value) if method else ""


def contact_history(contact_id: int, limit: int = 30, *, actor: StaffUser | None) -> ContactHistory:
    """A resident's details with their requests (open first) and questions, newest first (the
    confidential ones only if `actor` may see them)."""
    # the Counter's history of a caller, not the first page: residents load with it
    from desktop.models.residents.contacts import get_contact  # noqa: PLC0415

    with reading():
        contact = get_contact(contact_id)
        methods = list(
            ContactMethod.select()
            .where(ContactMethod.contact == contact_id)
            .order_by(ContactMethod.is_primary.desc(), ContactMethod.id)
        )

        theirs = ServiceRequest.select().where(ServiceRequest.contact == contact_id)
        hidden = 0
        if not may_see_confidential(actor):
            # that this resident reported a neighbour is itself the confidential part
            hidden = theirs.where(ServiceRequest.confidential == True).count()  # noqa: E712
            theirs = theirs.where(ServiceRequest.confidential == False)  # noqa: E712
        requests = _lines(theirs.order_by(ServiceRequest.requested_at.desc()).limit(limit))
        questions = [
            (row.at, row.topic)
            for row in InfoContact.select(InfoContact.at, InfoContact.topic)
            .where(InfoContact.contact == contact_id)
            .order_by(InfoContact.at.desc())
            .limit(limit)
        ]
    return ContactHistory(
        contact=contact,
        phones=[m.value for m in methods if m.kind == "phone"],
        emails=[m.value for m in methods if m.kind == "email"],
        open_requests=[r for r in requests if r.is_open],
        past_requests=[r for r in requests if not r.is_open],
        questions=questions,
        notes=contact.notes,
        confidential_hidden=hidden,
    )
