"""The Open311 GeoReport v2 service: what the endpoint reads, and how a partner's post becomes a
request. The shapes are those of `desktop.models.requests.open311`; the HTTP side (paths,
formats, status codes) is `desktop.open311`.

Reading needs no key and never gives out personal data (the resident's name, email or phone
are not in a request's shape, whatever the key). Posting needs a live partner key
(`keys.py`), limited to its types and its posts a minute; a posted request comes in by the web
channel, routed and with its due dates like any other, and the audit trail names the partner.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from dataclasses import dataclass, field
from typing import Any

import peewee

from desktop.i18n import _
from desktop.models import clock
from desktop.models.errors import InputError
from desktop.models.partners import inbox
from desktop.models.partners.keys import RateLimit, find_key
from desktop.models.requests.intake import (
    RequestDraft,
    check_draft,
    create_request,
    find_duplicates,
    type_and_questions,
)
from desktop.models.requests.open311 import (
    requests_to_open311,
    service_definition_to_open311,
    service_to_open311,
)
from desktop.models.requests.tracking import parse_tracking
from desktop.models.residents.contacts import CallerDetails
from desktop.models.staff import audit, permissions
from desktop.models.storage import config_cache, fast_sql
from desktop.models.storage.db import raw_datetime, reading
from desktop.models.storage.schema import (
    PartnerKey,
    RequestEvent,
    ServiceRequest,
    ServiceType,
    rows_of,
)
from desktop.models.vocab import DONE_STATUSES, OPEN_STATUSES

#: GET requests without dates covers this many days up to now (the spec's default)
DEFAULT_DAYS = 90
#: a page of GET requests (the spec caps a response at 1000; `page_size` asks for fewer)
PAGE_SIZE = 1000
#: the most text a posted field may hold (a description longer than the spec's 4000 is refused)
FIELD_MAX = 4000
MEDIA_URL_MAX = 2000

_limits = RateLimit()


@dataclass
class Open311Error(Exception):
    """An answer the spec gives as its error list: the HTTP status and a sentence."""

    status: int
    description: str
    code: int = 0

    def __post_init__(self) -> None:
        self.code = self.code or self.status
        super().__init__(self.description)


@dataclass
class Query:
    """GET requests' parameters, as given."""

    service_request_id: str = ""
    service_code: str = ""
    start_date: str = ""
    end_date: str = ""
    status: str = ""
    page: str = ""
    page_size: str = ""
    #: "true": each request also carries what the spec's fields lose (`extended_attributes`)
    extensions: str = ""
    extra: dict[str, str] = field(default_factory=dict)


def services() -> list[dict[str, Any]]:
    """Every active request type, in the catalog's order (kept while the catalog is unchanged:
    every partner's app asks for it)."""
    with reading():
        return config_cache.cached("open311:services", _services)


def _services() -> list[dict[str, Any]]:
    active = ServiceType.active == True  # noqa: E712 - peewee builds SQL from ==
    kinds = ServiceType.select().where(active).order_by(ServiceType.name)
    return [service_to_open311(kind) for kind in kinds]


def service_definition(code: str) -> dict[str, Any]:
    with reading():
        return config_cache.cached(
            f"open311:definition:{code}", functools.partial(_service_definition, code)
        )


def _service_definition(code: str) -> dict[str, Any]:
    kind = ServiceType.get_or_none(ServiceType.code == code, ServiceType.active == True)  # noqa: E712
    if kind is None:
        raise Open311Error(404, _("There is no service with the code {code}.").format(code=code))
    return service_definition_to_open311(kind)


def _moment(text: str, name: str) -> dt.datetime:
    """A W3C/ISO 8601 moment as the town's local wall-clock time (how times are kept)."""
    try:
        moment = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise Open311Error(
            400,
            _("{name} must be a date and time like 2026-12-05T09:30:00-05:00.").format(name=name),
        ) from None
    if moment.tzinfo is not None:
        moment = moment.astimezone().replace(tzinfo=None)
    if not clock.FIRST_YEAR <= moment.year <= clock.LAST_YEAR:
        raise Open311Error(400, _("{name} is out of range.").format(name=name))
    return moment


def _number(text: str, name: str, low: int, high: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise Open311Error(400, _("{name} must be a whole number.").format(name=name)) from None
    if not low <= value <= high:
        raise Open311Error(
            400, _("{name} must be from {low} to {high}.").format(name=name, low=low, high=high)
        )
    return value


def find_requests(query: Query) -> list[dict[str, Any]]:
    """GET requests: by id (a comma-separated list: every other parameter is then ignored, as
    the spec says), or by type, status and dates (the last 90 days by default, and at most 90
    days at a time, as the spec says), newest first, a page at a time."""
    page = _number(query.page, "page", 1, 1_000_000) if query.page else 1
    size = _number(query.page_size, "page_size", 1, PAGE_SIZE) if query.page_size else PAGE_SIZE
    # the SQL is written out (peewee building it took longer than running it: every partner's
    # app polls this)
    # a confidential request (a neighbour complaint) is not published at all, as in open data
    where: list[str] = ["NOT confidential"]
    params: list[Any] = []
    if query.service_request_id.strip():
        numbers = [n.strip() for n in query.service_request_id.split(",") if n.strip()]
        numbers = numbers[:PAGE_SIZE]
        where.append(f"tracking_number IN ({', '.join('?' * len(numbers))})")
        params += numbers
    else:
        now = clock.now()
        end = _moment(query.end_date, "end_date") if query.end_date else now
        start = (
            _moment(query.start_date, "start_date")
            if query.start_date
            else end - dt.timedelta(days=DEFAULT_DAYS)
        )
        if start > end:
            raise Open311Error(400, _("start_date is after end_date."))
        if end - start > dt.timedelta(days=DEFAULT_DAYS):
            raise Open311Error(
                400,
                _("Ask for at most {days} days at a time (start_date to end_date).").format(
                    days=DEFAULT_DAYS
                ),
            )
        where.append("requested_at >= ? AND requested_at <= ?")
        codes = [c.strip() for c in query.service_code.split(",") if c.strip()][:PAGE_SIZE]
        statuses = {s.strip().lower() for s in query.status.split(",") if s.strip()}
        if statuses - {"open", "closed"}:
            raise Open311Error(400, _("status is open or closed."))
        with reading():
            params += [raw_datetime(start), raw_datetime(end)]
        if codes:
            where.append(
                "service_type_id IN (SELECT id FROM service_type WHERE code IN "  # noqa: S608
                f"({', '.join('?' * len(codes))}))"
            )
            params += codes
        if len(statuses) == 1:
            chosen = OPEN_STATUSES if statuses == {"open"} else DONE_STATUSES
            # "|| ''": read along the arrival index, newest first, and stop at a page; the
            # status index would gather every open request of the window and sort them all
            where.append(f"status || '' IN ({', '.join('?' * len(chosen))})")
            params += chosen
    sql = (
        f"SELECT id FROM service_request WHERE {' AND '.join(where)}"  # noqa: S608 - ours
        " ORDER BY requested_at DESC, id DESC LIMIT ? OFFSET ?"
    )
    with reading():
        rows = fast_sql.execute(sql, [*params, size, (page - 1) * size]).fetchall()
        extended = query.extensions.strip().lower() == "true"
        return requests_to_open311([row[0] for row in rows], extensions=extended)


_BY_NUMBER = "SELECT id FROM service_request WHERE tracking_number = ? AND NOT confidential"


def request_by_id(service_request_id: str, *, extensions: bool = False) -> dict[str, Any]:
    """One request by its number as we print it, or as a partner may type it (2026-42)."""
    with reading():
        numbers = [service_request_id, parse_tracking(service_request_id) or ""]
        for number in numbers:
            row = fast_sql.execute(_BY_NUMBER, (number,)).fetchone() if number else None
            if row is not None:
                return requests_to_open311([row[0]], extensions=extensions)[0]
        raise Open311Error(404, _("There is no request {id}.").format(id=service_request_id))


def _text(form: dict[str, Any], name: str, limit: int = FIELD_MAX) -> str:
    value = form.get(name, "")
    if isinstance(value, list):
        value = value[0] if value else ""
    text = str(value)
    if len(text) > limit:
        raise Open311Error(
            400, _("{name} is too long ({n:,} characters at most).").format(name=name, n=limit)
        )
    return text.strip()


def _coordinate(form: dict[str, Any], name: str, limit: float) -> float | None:
    text = _text(form, name, 64)
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise Open311Error(400, _("{name} must be a number.").format(name=name)) from None
    if not math.isfinite(value) or abs(value) > limit:
        raise Open311Error(400, _("{name} is out of range.").format(name=name))
    return value


def post_request(form: dict[str, Any], *, dry_run: bool = False) -> dict[str, Any]:
    """POST requests: `form` holds the spec's fields (each a string; `attribute` a dict of
    question code -> string or list of strings). Returns the spec's answer: the new request's
    id and the type's notice. `dry_run`: check everything, save nothing (the test endpoint)."""
    key = find_key(_text(form, "api_key", 200))
    if key is None:
        raise Open311Error(403, _("A valid api_key is needed to post a request."))
    code = _text(form, "service_code", 64)
    if not code:
        raise Open311Error(400, _("service_code is required."))
    allowed = key.service_codes
    if isinstance(allowed, list) and code not in allowed:
        raise Open311Error(403, _("This key may not post {code} requests.").format(code=code))
    if not _limits.allow(key.key_hash, int(key.per_minute)):
        raise Open311Error(
            429,
            _("This key has posted {n} requests in the last minute: wait, then post again.").format(
                n=key.per_minute
            ),
        )
    lat = _coordinate(form, "lat", 90)
    long = _coordinate(form, "long", 180)
    address = _text(form, "address_string", 500)
    address_id = _text(form, "address_id", 200)
    if (lat is None or long is None) and not address and not address_id:
        raise Open311Error(400, _("Give a location: lat and long, or address_string."))
    description = _text(form, "description")
    media_url = _text(form, "media_url", MEDIA_URL_MAX)
    answers = form.get("attribute") or {}
    if not isinstance(answers, dict):
        raise Open311Error(400, _("attribute must be given as attribute[CODE]=value."))
    with reading():
        kind, asked = type_and_questions(code)  # kept in memory while the catalog is unchanged
        if kind is None or not kind.active:
            raise Open311Error(
                400, _("There is no service with the code {code}.").format(code=code)
            )
        questions = {a.code: a for a in asked}
    parsed: dict[str, Any] = {}
    for name, value in answers.items():
        attribute = questions.get(str(name))
        if attribute is not None and attribute.datatype == "multivaluelist":
            parsed[str(name)] = value if isinstance(value, list) else [value]
        else:
            parsed[str(name)] = value[0] if isinstance(value, list) and value else value
    notes = [f"address id {address_id}" if address_id else "", media_url]
    draft = RequestDraft(
        service_type=code,
        description=description or kind.name,
        address=address,
        location_notes=" · ".join(n for n in notes if n),
        lat=lat,
        long=long,
        channel="web",
        answers=parsed,
        caller=CallerDetails(
            first_name=_text(form, "first_name", 100),
            last_name=_text(form, "last_name", 100),
            phone=_text(form, "phone", 40),
            email=_text(form, "email", 254),
        ),
        # the partner's form showed the resident the type's notice
        safety_acknowledged=True,
    )
    if dry_run or inbox.review_first():
        try:
            with reading():
                check_draft(draft)
        except InputError as exc:
            raise Open311Error(400, str(exc)) from None
        if dry_run:
            return {
                "service_request_id": None,
                "token": None,
                "service_notice": _("The test endpoint checks a post and saves nothing."),
                "account_id": None,
            }
        # the town reviews web requests first: the partner gets a token, a clerk decides
        return {
            "token": inbox.keep(draft, key),
            "service_notice": kind.service_notice or None,
            "account_id": None,
        }
    try:
        with permissions.as_system():  # the key, not a clerk, is who may post
            made = create_request(draft, actor=None, then=lambda made: _note_partner(key, made))
    except InputError as exc:
        raise Open311Error(400, str(exc)) from None
    return {
        "service_request_id": made.tracking_number,
        "service_notice": kind.service_notice or None,
        "account_id": None,
    }


def _note_partner(key: PartnerKey, made: ServiceRequest) -> None:
    """In the request's own transaction: the audit record naming the partner, the key's last
    use, and, when the request may be one already open (same type, same or a nearby place), a
    note naming those for the clerk who opens it (no clerk saw the counter's warning)."""
    same = find_duplicates(
        made.service_type_id, made.address, made.lat, made.long, exclude_id=made.id, limit=5
    )
    if same:
        RequestEvent.create(
            request=made.id,
            kind="note",
            body=_(
                "Posted through Open311; possibly the same as {numbers} (same type, same or a "
                "nearby place)."
            ).format(numbers=", ".join(r.tracking_number for r in same)),
        )
    audit.record(
        ServiceRequest._meta.table_name,
        made.id,
        "open311_post",
        None,
        {"partner": key.name, "tracking_number": made.tracking_number},
        None,
        partner=key.name,
    )
    PartnerKey.update(last_used_at=clock.now()).where(PartnerKey.id == key.id).execute()


#: our statuses and resolutions in the words of mySociety's update extension (FixMyStreet)
UPDATE_STATUSES = {
    "new": "OPEN",
    "acknowledged": "INVESTIGATING",
    "assigned": "ACTION_SCHEDULED",
    "scheduled": "ACTION_SCHEDULED",
    "in_progress": "IN_PROGRESS",
}
RESOLVED_AS = {
    "fixed": "FIXED",
    "duplicate": "DUPLICATE",
    "not_town_responsibility": "NOT_COUNCILS_RESPONSIBILITY",
    "no_action_needed": "NO_FURTHER_ACTION",
    "could_not_locate": "NO_FURTHER_ACTION",
    "withdrawn": "CLOSED",
    "referred": "INTERNAL_REFERRAL",
}


def _update_status(status: str, resolution: str | None) -> str:
    if status in DONE_STATUSES:
        return RESOLVED_AS.get(resolution or "", "CLOSED")
    return UPDATE_STATUSES.get(status, "OPEN")


def updates(start_date: str = "", end_date: str = "") -> list[dict[str, Any]]:
    """GET servicerequestupdates: every change of status and every public update in the span
    (the last 90 days by default, at most PAGE_SIZE, oldest first). A status change carries the
    status it made; a public update, the request's status now. Only public text is given."""
    e, r = RequestEvent, ServiceRequest
    now = clock.now()
    end = _moment(end_date, "end_date") if end_date else now
    start = (
        _moment(start_date, "start_date") if start_date else end - dt.timedelta(days=DEFAULT_DAYS)
    )
    if start > end:
        raise Open311Error(400, _("start_date is after end_date."))
    with reading():
        rows = (
            e.select(
                e.id,
                e.kind,
                e.at,
                e.public,
                e.body,
                e.new_value,
                r.tracking_number,
                r.status,
                r.resolution,
            )
            .join(r, on=(e.request == r.id))
            .where(
                e.at >= start,
                e.at <= end,
                e.kind.in_(("status", "public_update")),
                r.confidential == False,  # noqa: E712 - SQL
            )
            .order_by(e.at, e.id)
            .limit(PAGE_SIZE)
        )
        found = []
        for row in rows_of(rows):
            event_id, kind, at, public, body, new, number, status, resolution = row
            if kind == "status" and new in DONE_STATUSES:
                said = RESOLVED_AS.get(resolution or "", "CLOSED") if new == status else "CLOSED"
            elif kind == "status":
                said = UPDATE_STATUSES.get(new or "", "OPEN")
            else:
                said = _update_status(status, resolution)
            found.append(
                {
                    "update_id": str(event_id),
                    "service_request_id": number,
                    "status": said,
                    "updated_datetime": _iso(at),
                    "description": (body or "") if public else "",
                    "media_url": None,
                }
            )
        return found


def _iso(moment: Any) -> str:
    when = moment if isinstance(moment, dt.datetime) else dt.datetime.fromisoformat(str(moment))
    return when.astimezone().isoformat()


def token(value: str) -> dict[str, Any]:
    """GET tokens/{token}: the request a post waiting in the web inbox became (null while it
    waits); a post the town did not take answers 404 with the clerk's reason."""
    try:
        state, number, reason = inbox.resolve_token(value)
    except InputError:
        raise Open311Error(404, _("There is no token {token}.").format(token=value)) from None
    if state == inbox.REJECTED:
        raise Open311Error(
            404, _("The town did not take this request: {reason}").format(reason=reason)
        )
    return {"service_request_id": number, "token": value}


def changeset() -> dt.datetime:
    """When the catalog last changed (the discovery document's changeset)."""
    with reading():
        latest = ServiceType.select(peewee.fn.MAX(ServiceType.updated_at)).scalar()
    if isinstance(latest, str):
        latest = dt.datetime.fromisoformat(latest)
    return latest if isinstance(latest, dt.datetime) else clock.now()
