"""Residents' personal data: anonymising what is no longer needed, exporting what is held.

Anonymising a request closed long ago unlinks the resident (and the residents who also reported
it) and blanks the name in its history; every number the dashboard counts (type, department,
status, channel, priority, place, dates, resolution) stays. A resident left with no recent
contact loses their name, address, notes, phone numbers and emails.

A public-records export of one request or one resident redacts confidential reporters and
staff-only notes unless an administrator asks for the full record.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from desktop.i18n import _
from desktop.models import clock
from desktop.models.errors import InputError, KnownError, NotFound
from desktop.models.requests.tracking import find_request
from desktop.models.staff import audit, permissions
from desktop.models.storage.db import reading, write
from desktop.models.storage.safe_files import replacing
from desktop.models.storage.schema import (
    Contact,
    ContactMethod,
    InfoContact,
    RequestEvent,
    RequestFollower,
    ServiceRequest,
    StaffUser,
)
from desktop.models.town.settings import MAX_RETENTION_YEARS, get_setting, set_settings

BATCH = 500
REDACTED_REPORTER = "[redacted: confidential reporter]"
REDACTED_OTHER = "[redacted: another resident]"
REDACTED_NOTE = "[redacted: staff-only note]"
ANONYMISED = "[anonymised]"


def cutoff(years: int, now: dt.datetime | None = None) -> dt.datetime:
    now = now or clock.now()
    try:
        return now.replace(year=now.year - years)
    except ValueError:  # 29 February
        return now.replace(year=now.year - years, day=28)


#: the longest retention the setting accepts (a town that keeps everything sets 0)


def _due(older_than_years: int) -> Any:
    """Requests closed before the cutoff that still name a resident (as reporter or follower)."""
    before = cutoff(older_than_years)
    done = ServiceRequest.closed_at.is_null(False) & (ServiceRequest.closed_at < before)
    personal = ServiceRequest.contact.is_null(False) | ServiceRequest.id.in_(
        RequestFollower.select(RequestFollower.request).where(
            RequestFollower.contact.is_null(False)
        )
    )
    return done & personal


def due_count(older_than_years: int) -> int:
    """How many requests an anonymisation with this retention would unlink now."""
    if older_than_years < 1:
        return 0
    with reading():
        return int(ServiceRequest.select().where(_due(older_than_years)).count())


def retention_years() -> int:
    """The town's retention setting in years; 0 keeps residents' details."""

    return int(get_setting("privacy.retention_years") or 0)


def set_retention(years: int, *, actor: StaffUser | None) -> None:
    """Set how long residents' details are kept after a request closes (0: keep them)."""

    permissions.require(actor, permissions.PRIVACY_MANAGE)
    if not 0 <= years <= MAX_RETENTION_YEARS:
        raise InputError(
            _("Give a number of years from 1 to {most}, or 0 to keep residents' details.").format(
                most=MAX_RETENTION_YEARS
            )
        )
    set_settings({"privacy.retention_years": years}, actor=actor)


def anonymise(older_than_years: int, *, actor: StaffUser | None) -> dict[str, int]:
    """Remove residents' details from requests closed more than `older_than_years` ago."""
    permissions.require(actor, permissions.PRIVACY_MANAGE)
    if older_than_years < 1:
        raise InputError(_("Give a number of years, 1 or more."))
    before = cutoff(older_than_years)
    due = _due(older_than_years)
    totals = {"requests": 0, "contacts": 0, "questions": 0}
    while True:
        with reading():
            ids = [
                r.id
                for r in ServiceRequest.select(ServiceRequest.id)
                .where(due)
                .order_by(ServiceRequest.id)
                .limit(BATCH)
            ]
        if not ids:
            break
        totals["requests"] += write(lambda ids=ids: _unlink_requests(ids, actor))  # type: ignore[misc]
    totals["questions"] = write(lambda: _unlink_questions(before, actor))
    totals["contacts"] = write(lambda: _forget_lonely_contacts(before, actor))
    return totals


def _unlink_requests(ids: list[int], actor: StaffUser | None) -> int:
    contacts = {
        r.id: r.contact_id
        for r in ServiceRequest.select(ServiceRequest.id, ServiceRequest.contact).where(
            ServiceRequest.id.in_(ids)
        )
    }
    ServiceRequest.update(contact=None).where(ServiceRequest.id.in_(ids)).execute()
    RequestFollower.update(contact=None).where(RequestFollower.request.in_(ids)).execute()
    # history lines that name a resident ("Also reported by Maria Núñez", merges)
    RequestEvent.update(body=ANONYMISED).where(
        RequestEvent.request.in_(ids), RequestEvent.kind.in_(["follower", "edit"])
    ).execute()
    for request_id in ids:
        audit.record(
            "service_request",
            request_id,
            "anonymise",
            {"contact": contacts.get(request_id)},
            {"contact": None},
            actor,
        )
    return len(ids)


def _unlink_questions(before: dt.datetime, actor: StaffUser | None) -> int:
    count = int(
        InfoContact.update(contact=None)
        .where(InfoContact.contact.is_null(False), InfoContact.at < before)
        .execute()
    )
    if count:
        audit.record("info_contact", "", "anonymise", None, {"questions": count}, actor)
    return count


def _forget_lonely_contacts(before: dt.datetime, actor: StaffUser | None) -> int:
    """Blank residents nothing recent refers to any more (they were only on old requests)."""
    used = (
        ServiceRequest.select(ServiceRequest.contact)
        .where(ServiceRequest.contact.is_null(False))
        .union(
            RequestFollower.select(RequestFollower.contact).where(
                RequestFollower.contact.is_null(False)
            )
        )
        .union(InfoContact.select(InfoContact.contact).where(InfoContact.contact.is_null(False)))
    )
    lonely = [
        c.id
        for c in Contact.select(Contact.id).where(
            Contact.anonymized_at.is_null(),
            Contact.updated_at < before,
            Contact.id.not_in(used),
        )
    ]
    now = clock.now()
    for start in range(0, len(lonely), BATCH):
        chunk = lonely[start : start + BATCH]
        ContactMethod.delete().where(ContactMethod.contact.in_(chunk)).execute()
        Contact.update(
            first_name="",
            last_name="",
            organization="",
            search_name="",
            address="",
            city="",
            state="",
            zip="",
            notes="",
            anonymized_at=now,
            updated_at=now,
            version=Contact.version + 1,
        ).where(Contact.id.in_(chunk)).execute()
        for contact_id in chunk:
            audit.record(
                "contact", contact_id, "anonymise", None, {"anonymized_at": audit.plain(now)}, actor
            )
    return len(lonely)


def retention_due(today: dt.date | None = None) -> bool:
    """Whether the town's retention setting has not been applied yet today."""

    years = int(get_setting("privacy.retention_years") or 0)
    day = (today or clock.today()).isoformat()
    return years >= 1 and get_setting("privacy.last_run") != day


def run_scheduled(today: dt.date | None = None) -> dict[str, int] | None:
    """The town's retention setting, applied at most once a day (at start-up); None: not due."""

    if not retention_due(today):
        return None
    years = int(get_setting("privacy.retention_years") or 0)
    day = (today or clock.today()).isoformat()
    with permissions.as_system():
        totals = anonymise(years, actor=None)
        set_settings({"privacy.last_run": day}, actor=None)
    return totals


# -- public-records exports ------------------------------------------------------------------


def _methods(contact_id: int) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {"phone": [], "email": []}
    for method in ContactMethod.select().where(ContactMethod.contact == contact_id):
        found.setdefault(method.kind, []).append(method.value)
    return found


def _person(contact: Contact | None) -> dict[str, Any] | None:
    if contact is None:
        return None
    return {
        "id": contact.id,
        "name": contact.display_name,
        "address": contact.address,
        "city": contact.city,
        "zip": contact.zip,
        **_methods(contact.id),
    }


def _request_record(
    request: ServiceRequest, redact: bool, *, for_contact: int | None = None
) -> dict[str, Any]:
    """One request as released. Redacted, a confidential request's reporters are withheld;
    in a resident's own export (`for_contact`) every other resident is withheld, whatever the
    request: a resident's copy of their records holds nobody else's name or phone."""
    hide_reporter = redact and request.confidential

    def withheld(contact_id: int | None) -> str | None:
        """The redaction text for this person, or None to show them."""
        if not redact or (for_contact is not None and contact_id == for_contact):
            return None
        if hide_reporter:
            return REDACTED_REPORTER
        return REDACTED_OTHER if for_contact is not None else None

    events = []
    for event in (
        RequestEvent.select().where(RequestEvent.request == request.id).order_by(RequestEvent.id)
    ):
        staff_only = event.kind == "note" and not event.public
        body = REDACTED_NOTE if redact and staff_only else event.body
        if event.kind in ("follower", "edit"):
            body = withheld(None) or body
        events.append(
            {
                "at": audit.plain(event.at),
                "kind": event.kind,
                "public": event.public,
                "body": body,
                "old_value": event.old_value,
                "new_value": event.new_value,
            }
        )
    followers = []
    for follower in RequestFollower.select().where(RequestFollower.request == request.id):
        who = Contact.get_or_none(Contact.id == follower.contact_id)
        hidden = withheld(follower.contact_id)
        if (
            hidden is None
            and redact
            and follower.confidential
            and follower.contact_id != for_contact
        ):
            hidden = REDACTED_REPORTER  # this caller asked not to be named
        followers.append(
            {
                "at": audit.plain(follower.at),
                "channel": follower.channel,
                "reporter": hidden or _person(who),
                "description": hidden or follower.description,
            }
        )
    reporter: Any = None
    if request.contact_id is not None:
        reporter = withheld(request.contact_id) or _person(Contact.get_by_id(request.contact_id))
    return {
        "tracking_number": request.tracking_number,
        "type": request.service_type.name,
        "department": request.department.name,
        "status": request.status,
        "resolution": request.resolution,
        "channel": request.channel,
        "priority": request.priority,
        "requested_at": audit.plain(request.requested_at),
        "closed_at": audit.plain(request.closed_at),
        "address": request.address,
        "description": request.description,
        "status_notes": request.status_notes,
        "confidential_reporter": request.confidential,
        "reporter": reporter,
        "also_reported_by": followers,
        "history": events,
    }


def _export_header(kind: str, redact: bool) -> dict[str, Any]:
    return {
        "export": kind,
        "town": get_setting("town.name"),
        "made_at": audit.plain(clock.now()),
        "redacted": redact,
        "redaction_rule": _("Confidential reporters and staff-only notes are redacted.")
        if redact
        else _("Nothing is redacted: this copy is for the town's own use."),
    }


def export_request(
    reference: str | int,
    *,
    redact: bool = True,
    actor: StaffUser | None,
    out: Path | None = None,
) -> dict[str, Any]:
    """Everything the town holds on one request, as a public-records release (written to
    `out` when given: the audit trail records the release once the file is there)."""

    permissions.require(actor, permissions.PRIVACY_MANAGE)
    with reading():
        request = find_request(reference)
        data = _export_header("request", redact)
        data["request"] = _request_record(request, redact)
    if out is not None:
        write_export(data, out)
    _audit_export("service_request", request.id, redact, actor)
    return data


def export_contact(
    contact_id: int,
    *,
    redact: bool = True,
    actor: StaffUser | None,
    out: Path | None = None,
) -> dict[str, Any]:
    """Everything the town holds about one resident: details, requests, questions (written to
    `out` when given, before the audit trail records the release)."""
    permissions.require(actor, permissions.PRIVACY_MANAGE)
    with reading():
        contact = Contact.get_or_none(Contact.id == contact_id)
        if contact is None:
            raise NotFound(_("There is no resident #{id}.").format(id=contact_id))
        data = _export_header("contact", redact)
        data["contact"] = {**(_person(contact) or {}), "notes": contact.notes}
        data["requests"] = [
            _request_record(r, redact, for_contact=contact_id)
            for r in ServiceRequest.select()
            .where(ServiceRequest.contact == contact_id)
            .order_by(ServiceRequest.id)
        ]
        followed = RequestFollower.select(RequestFollower.request).where(
            RequestFollower.contact == contact_id
        )
        data["also_reported"] = [
            {
                "tracking_number": r.tracking_number,
                "type": r.service_type.name,
                "status": r.status,
                "address": r.address,
            }
            for r in ServiceRequest.select().where(ServiceRequest.id.in_(followed))
        ]
        data["questions"] = [
            {"at": audit.plain(q.at), "topic": q.topic, "channel": q.channel}
            for q in InfoContact.select().where(InfoContact.contact == contact_id)
        ]
    if out is not None:
        write_export(data, out)
    _audit_export("contact", contact_id, redact, actor)
    return data


def _audit_export(table: str, record_id: int, redact: bool, actor: StaffUser | None) -> None:
    write(lambda: audit.record(table, record_id, "export", None, {"redacted": redact}, actor))


def write_export(data: dict[str, Any], path: Path) -> Path:
    """The release as JSON at `path`, through a temporary file beside it: a failed write
    leaves no half file, and a folder that is not there is a sentence."""
    path = Path(path)
    if path.is_dir():
        raise KnownError(_("{path} is a folder: give a file name to write.").format(path=path))
    try:
        with replacing(path, ".release-") as temporary:
            temporary.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    except OSError as exc:
        raise KnownError(
            _("The release could not be written to {path}: {reason}").format(
                path=path, reason=exc.strerror or exc
            )
        ) from exc
    return path
