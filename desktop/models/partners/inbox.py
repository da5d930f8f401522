"""The web inbox: where requests posted through the Open311 endpoint wait for a clerk, when the
town has chosen to review web requests first (the setting `open311.review_first`).

A post that passes every check is kept here with a token, and the partner is answered with the
token instead of a request number (as the spec allows). A clerk then accepts it (it becomes a
request like any other, routed and with its due dates, and the token resolves to its number),
merges it into a request already open about the same problem (a note there; the token resolves
to that request's number), or rejects it with a reason (the token then answers with the reason).
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from dataclasses import dataclass
from typing import Any

from desktop.i18n import _
from desktop.models import clock
from desktop.models.errors import InputError
from desktop.models.requests import lifecycle
from desktop.models.requests.intake import RequestDraft, create_request, find_duplicates
from desktop.models.residents.contacts import CallerDetails
from desktop.models.staff import audit, permissions
from desktop.models.storage.db import reading, write
from desktop.models.storage.schema import (
    PartnerKey,
    ServiceRequest,
    ServiceType,
    StaffUser,
    WebSubmission,
)
from desktop.models.text_clean import clean_text
from desktop.models.town.settings import get_setting

WAITING, ACCEPTED, MERGED, REJECTED = "waiting", "accepted", "merged", "rejected"
REASON_MAX = 500


def review_first() -> bool:
    """Whether web requests wait in the inbox for a clerk (the town's choice)."""
    return bool(get_setting("open311.review_first"))


def draft_fields(draft: RequestDraft) -> dict[str, Any]:
    """A checked draft as the inbox keeps it (plain JSON)."""
    return {
        "service_type": draft.service_type,
        "description": draft.description,
        "address": draft.address,
        "location_notes": draft.location_notes,
        "lat": draft.lat,
        "long": draft.long,
        "answers": draft.answers,
        "caller": {
            "first_name": draft.caller.first_name,
            "last_name": draft.caller.last_name,
            "phone": draft.caller.phone,
            "email": draft.caller.email,
        },
    }


def _draft(fields: dict[str, Any]) -> RequestDraft:
    caller = fields.get("caller") or {}
    return RequestDraft(
        service_type=str(fields.get("service_type", "")),
        description=str(fields.get("description", "")),
        address=str(fields.get("address", "")),
        location_notes=str(fields.get("location_notes", "")),
        lat=fields.get("lat"),
        long=fields.get("long"),
        channel=str(fields.get("channel") or "web"),
        answers=dict(fields.get("answers") or {}),
        caller=CallerDetails(**{k: str(v) for k, v in caller.items()}),
        contact_id=fields.get("contact_id") if isinstance(fields.get("contact_id"), int) else None,
        safety_acknowledged=True,
    )


def keep(draft: RequestDraft, key: PartnerKey) -> str:
    """Put a checked post in the inbox; its token."""
    token = secrets.token_urlsafe(18)

    def save() -> None:
        WebSubmission.create(
            token=token,
            partner=key.name,
            fields=draft_fields(draft),
            state=WAITING,
        )

    write(save)
    return token


@dataclass(frozen=True)
class Waiting:
    """A post waiting for a clerk, as the inbox lists it."""

    token: str
    partner: str
    received_at: dt.datetime
    service_type: str
    #: the type's name as the clerk knows it (its code when the type is gone)
    type_name: str
    description: str
    address: str
    state: str
    request_number: str | None
    reason: str
    #: open requests of the same type at the same or a nearby place (waiting posts only)
    maybe_same: tuple[str, ...] = ()
    #: who sent it, as their details say ("Ana Quintero <ana@example.org>"), when known
    sender: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "token": self.token,
            "partner": self.partner,
            "received_at": self.received_at.isoformat(sep=" ", timespec="seconds"),
            "service_code": self.service_type,
            "description": self.description,
            "address": self.address,
            "state": self.state,
            "service_request_id": self.request_number,
            "reason": self.reason,
            "possible_duplicates": list(self.maybe_same),
            "sender": self.sender,
        }


def _shown(row: WebSubmission, names: dict[str, str]) -> Waiting:
    fields = row.fields or {}
    code = str(fields.get("service_type", ""))
    return Waiting(
        token=row.token,
        partner=row.partner,
        received_at=row.received_at,
        service_type=code,
        type_name=names.get(code, code),
        description=str(fields.get("description", "")),
        address=str(fields.get("address", "")),
        state=row.state,
        request_number=row.request.tracking_number if row.request is not None else None,
        reason=row.reason,
        maybe_same=_maybe_same(fields) if row.state == WAITING else (),
        sender=_sender(fields),
    )


def _sender(fields: dict[str, Any]) -> str:
    caller = fields.get("caller") or {}
    if not isinstance(caller, dict):
        return ""
    name = " ".join(
        str(caller.get(part) or "").strip() for part in ("first_name", "last_name")
    ).strip()
    email = str(caller.get("email") or "").strip()
    if name and email:
        return f"{name} <{email}>"
    return name or email


def _maybe_same(fields: dict[str, Any]) -> tuple[str, ...]:
    kind = ServiceType.get_or_none(ServiceType.code == str(fields.get("service_type", "")))
    if kind is None:
        return ()
    found = find_duplicates(
        kind.id, str(fields.get("address", "")), fields.get("lat"), fields.get("long"), limit=5
    )
    return tuple(r.tracking_number for r in found)


def listing(*, everything: bool = False, actor: StaffUser | None) -> list[Waiting]:
    """The posts waiting for a clerk, oldest first (`everything`: decided ones too, newest
    first)."""
    permissions.require(actor, permissions.REQUEST_CREATE)
    with reading():
        query = WebSubmission.select()
        if everything:
            query = query.order_by(WebSubmission.received_at.desc())
        else:
            query = query.where(WebSubmission.state == WAITING).order_by(WebSubmission.received_at)
        names = {
            str(t.code): str(t.name) for t in ServiceType.select(ServiceType.code, ServiceType.name)
        }
        return [_shown(row, names) for row in query]


def _waiting(token: str) -> WebSubmission:
    row = WebSubmission.get_or_none(WebSubmission.token == token.strip())
    if row is None:
        raise InputError(_("There is no web request with the token {token}.").format(token=token))
    if row.state != WAITING:
        raise InputError(
            _("That web request was {state} already.").format(state=_state_words(row.state))
        )
    return row


def _state_words(state: str) -> str:
    return {ACCEPTED: _("accepted"), MERGED: _("merged"), REJECTED: _("rejected")}.get(state, state)


def accept(token: str, *, actor: StaffUser | None) -> ServiceRequest:
    """The post becomes a request (checked again: the catalog may have changed since)."""
    permissions.require(actor, permissions.REQUEST_CREATE)
    with reading():
        row = _waiting(token)
    made = create_request(_draft(row.fields or {}), actor)

    def decide() -> None:
        WebSubmission.update(
            state=ACCEPTED, request=made.id, decided_at=clock.now(), decided_by=actor
        ).where(WebSubmission.id == row.id, WebSubmission.state == WAITING).execute()
        audit.record(
            ServiceRequest._meta.table_name,
            made.id,
            "web_inbox_accept",
            None,
            {"partner": row.partner, "token": row.token},
            actor,
        )

    write(decide)
    return made


def merge(token: str, into: str, *, actor: StaffUser | None) -> ServiceRequest:
    """The post is about a request already there: its words go there as a note, and the token
    resolves to that request."""
    permissions.require(actor, permissions.REQUEST_NOTE)
    with reading():
        row = _waiting(token)
    target = lifecycle.find_request(into)
    fields = row.fields or {}
    text = _("Also reported through {partner}: {description}").format(
        partner=row.partner, description=str(fields.get("description", ""))
    )
    lifecycle.add_note(target.id, text, actor=actor)

    def decide() -> None:
        WebSubmission.update(
            state=MERGED, request=target.id, decided_at=clock.now(), decided_by=actor
        ).where(WebSubmission.id == row.id).execute()

    write(decide)
    return target


def reject(token: str, reason: str, *, actor: StaffUser | None) -> None:
    """Not taken: the reason is what the partner is told."""
    permissions.require(actor, permissions.REQUEST_CREATE)
    reason = clean_text(reason, REASON_MAX + 1).strip()
    if not reason:
        raise InputError(_("Say why, in words the resident can read."))
    if len(reason) > REASON_MAX:
        raise InputError(_("The reason is too long ({n} characters at most).").format(n=REASON_MAX))
    with reading():
        row = _waiting(token)

    def decide() -> None:
        WebSubmission.update(
            state=REJECTED, reason=reason, decided_at=clock.now(), decided_by=actor
        ).where(WebSubmission.id == row.id).execute()

    write(decide)


def resolve_token(token: str) -> tuple[str, str | None, str]:
    """(state, request number or None, reason) of a token; InputError when unknown."""
    with reading():
        row = WebSubmission.get_or_none(WebSubmission.token == token)
        if row is None:
            raise InputError(_("There is no token {token}.").format(token=token))
        number = row.request.tracking_number if row.request is not None else None
        return row.state, number, row.reason


def as_json(fields: dict[str, Any]) -> str:
    return json.dumps(fields, ensure_ascii=False, sort_keys=True)
