"""Counter intake: checking a draft request, saving it with its routing and due dates,
finding possible duplicates, adding a caller to an existing request, logging a question.

Everything the Counter screen and `frontcounter request add` do goes through here.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from desktop.i18n import _
from desktop.models import clock
from desktop.models.catalog.routing import route
from desktop.models.errors import InputError, NotFound
from desktop.models.knowledge.triage import learn_terms, learned_terms, suggest_service_types
from desktop.models.outbox import notices
from desktop.models.requests.tracking import next_tracking_number
from desktop.models.residents.contacts import (
    CallerDetails,
    add_methods,
    caller_problems,
    check_caller,
    create_contact,
    remember_language,
)
from desktop.models.staff import audit, permissions
from desktop.models.storage import config_cache, fast_sql
from desktop.models.storage.db import write
from desktop.models.storage.schema import (
    Contact,
    FaqArticle,
    InfoContact,
    RequestAnswer,
    RequestEvent,
    RequestFollower,
    ServiceAttribute,
    ServiceRequest,
    ServiceType,
    StaffUser,
)
from desktop.models.text_clean import MAX_DESCRIPTION, MAX_LINE, clean_text
from desktop.models.town import register
from desktop.models.town.addresses import normalize_address, zip_in
from desktop.models.town.calendar import load_calendar
from desktop.models.vocab import CHANNELS, LIST_DATATYPES, OPEN_STATUSES, PRIORITIES

MAX_ZIP = 20
NEARBY_HOUSES = 4  # same street, within this many house numbers
NEARBY_METRES = 75.0


@dataclass
class RequestDraft:
    """What the clerk has typed so far. Nothing is saved until `create_request`."""

    service_type: str
    description: str
    address: str = ""
    location_notes: str = ""
    zip: str = ""
    lat: float | None = None
    long: float | None = None
    channel: str = "phone"
    answers: dict[str, Any] = field(default_factory=dict)
    contact_id: int | None = None
    caller: CallerDetails = field(default_factory=CallerDetails)
    confidential: bool = False
    priority: str | None = None
    safety_acknowledged: bool = False


def service_type_by_code(code: str) -> ServiceType:
    found = type_and_questions(code.strip())[0]
    if found is None or not found.active:
        raise InputError(
            _("There is no request type with the code “{code}”.").format(code=code.strip())
        )
    return found


def type_and_questions(code: str) -> tuple[ServiceType | None, tuple[ServiceAttribute, ...]]:
    """The type and its questions, read once while the catalog stays as it is."""

    def load() -> tuple[ServiceType | None, tuple[ServiceAttribute, ...]]:
        kind = ServiceType.get_or_none(ServiceType.code == code)
        if kind is None:
            return None, ()
        kind.department  # noqa: B018 - read now: routing needs it on every save
        return kind, tuple(kind.attributes)

    # a code no type has is looked up again each time, never kept (partners post any code)
    return config_cache.cached(f"type:{code}", load, keep=lambda found: found[0] is not None)


def parse_answer(attribute: ServiceAttribute, raw: Any) -> Any:
    """The stored form of an answer, or InputError with what is wrong with it."""
    label = attribute.label
    if raw is None or (isinstance(raw, str) and not raw.strip()) or raw == []:
        return None
    if attribute.datatype == "number":
        try:
            number = float(str(raw).replace(",", ""))
        except ValueError:
            raise InputError(_("“{label}” needs a number.").format(label=label)) from None
        if not math.isfinite(number):
            raise InputError(_("“{label}” needs a number.").format(label=label))
        return int(number) if number.is_integer() else number
    if attribute.datatype == "datetime":
        try:
            return dt.datetime.fromisoformat(str(raw).strip()).isoformat(sep=" ")
        except ValueError:
            raise InputError(
                _("“{label}” needs a date and time like 2026-11-23 14:30.").format(label=label)
            ) from None
    if attribute.datatype in LIST_DATATYPES:
        keys = {c["key"]: c["name"] for c in attribute.choices or []}
        names = {c["name"].lower(): c["key"] for c in attribute.choices or []}
        chosen = raw if isinstance(raw, list) else [p for p in str(raw).split(",") if p.strip()]
        result = []
        for item in chosen:
            text = str(item).strip()
            key = text if text in keys else names.get(text.lower())
            if key is None:
                raise InputError(
                    _("“{value}” is not one of the choices for “{label}”: {choices}.").format(
                        value=text, label=label, choices=", ".join(keys.values())
                    )
                )
            result.append(key)
        if attribute.datatype == "singlevaluelist":
            if len(result) > 1:
                raise InputError(_("Pick only one answer for “{label}”.").format(label=label))
            return result[0]
        return sorted(set(result))
    limit = MAX_DESCRIPTION if attribute.datatype == "text" else MAX_LINE
    return clean_text(str(raw), limit) or None


def check_draft(draft: RequestDraft) -> tuple[ServiceType, dict[str, Any]]:
    """The request type and the parsed answers, or InputError listing every problem.

    The error's `field` names the first problem's field, so the form can put the cursor there:
    service_type, description, channel, priority, lat, long, address, location_notes, zip,
    first_name, last_name, phone, email, answer:CODE (a question) or safety."""
    problems: list[tuple[str, str]] = []
    service_type: ServiceType | None = None
    answers: dict[str, Any] = {}
    try:
        service_type = service_type_by_code(draft.service_type)
    except InputError as exc:
        problems.append((str(exc), "service_type"))
    description = clean_text(draft.description, MAX_DESCRIPTION + 1)
    if not description:
        problems.append((_("Write what the caller said: the description is empty."), "description"))
    elif len(description) > MAX_DESCRIPTION:
        problems.append(
            (
                _("The description is too long ({limit:,} characters at most).").format(
                    limit=MAX_DESCRIPTION
                ),
                "description",
            )
        )
    if draft.channel not in CHANNELS:
        problems.append(
            (_("“{channel}” is not a channel.").format(channel=draft.channel), "channel")
        )
    if draft.priority is not None and draft.priority not in PRIORITIES:
        problems.append(
            (_("“{priority}” is not a priority.").format(priority=draft.priority), "priority")
        )
    if draft.lat is not None and not -90 <= draft.lat <= 90:
        problems.append((_("The latitude must be between -90 and 90."), "lat"))
    if draft.long is not None and not -180 <= draft.long <= 180:
        problems.append((_("The longitude must be between -180 and 180."), "long"))
    if (draft.lat is None) != (draft.long is None):
        missing = "lat" if draft.lat is None else "long"
        problems.append((_("Give both latitude and longitude, or neither."), missing))
    if len(draft.address) > MAX_LINE:
        problems.append((_("The address is too long."), "address"))
    if len(draft.location_notes.strip()) > MAX_LINE:
        problems.append(
            (
                _("The location notes are too long ({limit} characters at most).").format(
                    limit=MAX_LINE
                ),
                "location_notes",
            )
        )
    if len(draft.zip.strip()) > MAX_ZIP:
        problems.append(
            (_("“{zip}…” is not a ZIP code.").format(zip=draft.zip.strip()[:12]), "zip")
        )
    problems.extend(caller_problems(draft.caller))
    if service_type is not None:
        questions = type_and_questions(service_type.code)[1]
        by_code = {a.code: a for a in questions if a.variable}
        for code in draft.answers:
            if code not in by_code:
                problems.append(
                    (
                        _("“{code}” is not a question of {type}.").format(
                            code=code, type=service_type.name
                        ),
                        f"answer:{code}",
                    )
                )
        for code, attribute in by_code.items():
            try:
                value = parse_answer(attribute, draft.answers.get(code))
            except InputError as exc:
                problems.append((str(exc), f"answer:{code}"))
                continue
            if value is None and attribute.required:
                problems.append(
                    (
                        _("Answer the required question “{label}”.").format(label=attribute.label),
                        f"answer:{code}",
                    )
                )
            elif value is not None:
                answers[code] = value
        if service_type.safety_notice.strip() and not draft.safety_acknowledged:
            problems.append(
                (_("Read the safety notice to the caller and confirm it first."), "safety")
            )
    if problems or service_type is None:
        raise InputError(
            " ".join(sentence for sentence, _field in problems),
            field=problems[0][1] if problems else "service_type",
        )
    return service_type, answers


def create_request(
    draft: RequestDraft,
    actor: StaffUser | None,
    *,
    then: Callable[[ServiceRequest], None] | None = None,
) -> ServiceRequest:
    """Check and save a new request, routed and with its due dates. Nothing is saved on error.
    `then` is given the saved request inside the same transaction (one commit for a caller that
    records more about it, such as a partner's post)."""
    permissions.require(actor, permissions.REQUEST_CREATE)
    service_type, answers = check_draft(draft)
    calendar = load_calendar()
    location = normalize_address(draft.address)
    lat, long, address_status = draft.lat, draft.long, ""
    if location.normalized and not register.is_empty():  # the town's register knows its places
        found = register.check(draft.address).match
        if found is None:
            address_status = "unlisted"  # allowed: listed for review (a new build, a rural route)
        else:
            address_status = found.source
            if lat is None or long is None:
                lat, long = found.lat, found.long
            if found.source in ("point", "range"):
                location = normalize_address(found.address)
    # routing only reads the rules: done before the write lock is taken, which every other
    # clerk's save waits for, so the lock is held for the writes alone (issue 6: p99 save latency)
    description = clean_text(draft.description, MAX_DESCRIPTION)
    zip_code = clean_text(draft.zip, MAX_ZIP) or zip_in(draft.address)
    routed = route(service_type, description, location.street, zip_code)
    terms = learned_terms(description)

    def save() -> ServiceRequest:
        now = clock.now()
        contact = _caller_contact(draft, actor)
        respond = (
            calendar.add_target(now, service_type.respond_amount, service_type.respond_unit)
            if service_type.respond_amount
            else None
        )
        due = (
            calendar.add_target(now, service_type.resolve_amount, service_type.resolve_unit)
            if service_type.resolve_amount
            else None
        )
        request = fast_sql.create(
            ServiceRequest,
            tracking_number=next_tracking_number(now.year),
            service_type=service_type,
            priority=draft.priority or routed.priority,
            channel=draft.channel,
            description=description,
            address=clean_text(draft.address, MAX_LINE),
            address_normalized=location.normalized,
            street=location.street,
            house_number=location.house_number,
            zip=zip_code,
            location_notes=clean_text(draft.location_notes, MAX_LINE),
            lat=lat,
            long=long,
            address_status=address_status,
            contact=contact,
            confidential=draft.confidential and contact is not None,
            department=routed.department,
            assignee=routed.assignee_id,
            requested_at=now,
            respond_due_at=respond,
            due_at=due,
            created_by=actor,
            created_at=now,
            updated_at=now,
        )
        for code, value in answers.items():
            fast_sql.create(RequestAnswer, request=request, attribute_code=code, value=value)
        fast_sql.create(
            RequestEvent,
            request=request,
            kind="created",
            at=now,
            actor=actor,
            new_value="new",
            body=_("Received by {channel}.").format(channel=CHANNELS[draft.channel])
            + (
                " " + _("Routed by rule “{name}”.").format(name=routed.rule.name)
                if routed.rule is not None
                else ""
            ),
        )
        learn_terms(service_type.id, terms)
        notices.queue(request.id, "received", actor)
        audit.record(
            "service_request",
            request.id,
            "create",
            None,
            {**(audit.snapshot(request) or {}), "answers": answers},
            actor,
        )
        if then is not None:
            then(request)
        return request

    return write(save)


def _caller_contact(draft: RequestDraft, actor: StaffUser | None) -> Contact | None:
    if draft.contact_id is not None:
        contact = Contact.get_or_none(Contact.id == draft.contact_id)
        if contact is None:
            raise NotFound(_("That resident is no longer on file."))
        add_methods(contact, draft.caller, actor=actor)
        remember_language(contact, draft.caller.language, actor=actor)
        return contact
    if draft.caller.is_empty():
        return None
    return create_contact(draft.caller, actor=actor)


def find_duplicates(
    service_type_id: int,
    address: str,
    lat: float | None = None,
    long: float | None = None,
    *,
    exclude_id: int | None = None,
    limit: int = 10,
) -> list[ServiceRequest]:
    """Open requests of the same type at the same or a nearby place, nearest first."""
    location = normalize_address(address)
    same_type = (ServiceRequest.service_type == service_type_id) & ServiceRequest.status.in_(
        list(OPEN_STATUSES)
    )
    conditions = []
    if location.normalized:
        conditions.append(ServiceRequest.address_normalized == location.normalized)
    if location.street and location.house_number is not None:
        conditions.append(
            (ServiceRequest.street == location.street)
            & ServiceRequest.house_number.between(
                location.house_number - NEARBY_HOUSES, location.house_number + NEARBY_HOUSES
            )
        )
    if lat is not None and long is not None:
        box = NEARBY_METRES / 111_000
        wide = box / max(math.cos(math.radians(lat)), 0.01)
        conditions.append(
            ServiceRequest.lat.between(lat - box, lat + box)
            & ServiceRequest.long.between(long - wide, long + wide)
        )
    if not conditions:
        return []
    where = conditions[0]
    for condition in conditions[1:]:
        where |= condition
    query = ServiceRequest.select().where(same_type & where)
    if exclude_id is not None:
        query = query.where(ServiceRequest.id != exclude_id)
    found = list(query.order_by(ServiceRequest.requested_at.desc()).limit(limit * 3))
    if lat is not None and long is not None:
        found = [
            r
            for r in found
            if r.lat is None
            or r.long is None
            or register.metres(lat, long, r.lat, r.long) <= NEARBY_METRES
            or r.address_normalized == location.normalized
        ]

    def distance(request: ServiceRequest) -> float:
        if request.address_normalized == location.normalized and location.normalized:
            return 0.0
        if request.house_number is not None and location.house_number is not None:
            return float(abs(request.house_number - location.house_number))
        return 1e9

    return sorted(found, key=distance)[:limit]


def add_follower(request_id: int, draft: RequestDraft, actor: StaffUser | None) -> RequestFollower:
    """Add this caller to an existing request instead of opening new work."""
    permissions.require(actor, permissions.REQUEST_CREATE)
    problems = check_caller(draft.caller)
    if problems:
        raise InputError(" ".join(problems))

    def save() -> RequestFollower:
        request = ServiceRequest.get_or_none(ServiceRequest.id == request_id)
        if request is None:
            raise NotFound(_("That request is no longer on file."))
        if request.status not in OPEN_STATUSES:
            raise InputError(
                _(
                    "Request {number} was closed meanwhile: save this caller's as a new request."
                ).format(number=request.tracking_number)
            )
        contact = _caller_contact(draft, actor)
        confidential = draft.confidential and contact is not None
        now = clock.now()
        follower = RequestFollower.create(
            request=request,
            contact=contact,
            channel=draft.channel,
            description=clean_text(draft.description, MAX_DESCRIPTION),
            at=now,
            actor=actor,
            confidential=confidential,
        )
        if confidential:  # the history is read by every role, and printed: no name in it
            name = _("a caller who asked not to be named")
        else:
            name = contact.display_name if contact else _("an anonymous caller")
        RequestEvent.create(
            request=request,
            kind="follower",
            at=now,
            actor=actor,
            body=_("Also reported by {name}.").format(name=name),
        )
        audit.record(
            "service_request", request.id, "follower", None, audit.snapshot(follower), actor
        )
        return follower

    return write(save)


def suggest_types(words: str, limit: int = 5) -> list[tuple[ServiceType, float]]:
    """Request types ranked for the caller's words (triage: catalog, synonyms, town history)."""
    return suggest_service_types(words, limit)


def log_question(
    topic: str,
    channel: str = "phone",
    *,
    contact_id: int | None = None,
    actor: StaffUser | None,
    notes: str = "",
    article_id: int | None = None,
) -> InfoContact:
    """Count a question answered without a request (from a FAQ article when one is given)."""
    permissions.require(actor, permissions.REQUEST_CREATE)

    article = None
    if article_id is not None:
        article = FaqArticle.get_or_none(FaqArticle.id == article_id)
        if article is None:
            raise NotFound(_("That article is no longer in the knowledge base."))
    topic = clean_text(topic, MAX_LINE) or (article.title if article is not None else "")
    if not topic:
        raise InputError(_("Say what the question was about."))
    if channel not in CHANNELS:
        raise InputError(_("“{channel}” is not a channel.").format(channel=channel))
    return write(
        lambda: InfoContact.create(
            topic=topic,
            channel=channel,
            contact=contact_id,
            staff=actor,
            notes=clean_text(notes, MAX_DESCRIPTION),
            article=article,
            department=article.department_id if article is not None else None,
            at=clock.now(),
        )
    )
