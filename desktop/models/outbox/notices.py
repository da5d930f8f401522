"""Which notice a change sends, to whom and how, queued in the change's own transaction.

A request received, a public update, a request resolved, a request reopened: each may send
its resident a notice (`KINDS`), when the town has notices on (setting outbox.notices), the
request type sends that kind (ServiceType.notices) and the resident can be reached. A resident
with an email address is emailed; one without, or who prefers post, is written to (the next
letter batch); one with neither, or who asked for none, is not. An anonymous caller, an
anonymised resident, a confidential reporter's name never appear in a notice: the first two
get none.

The text is merged when the notice is queued, from the town's letter templates (the same
ones a clerk prints: town/letters.py), in the resident's language when the town has that
template (NAME-LANG), so a template edited later never changes a notice already queued.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from desktop.i18n import _, speaking
from desktop.models import clock
from desktop.models.residents.contacts import postal_lines, primary_email, resident_language
from desktop.models.storage.schema import (
    Contact,
    OutboxMessage,
    RequestEvent,
    ServiceRequest,
    StaffUser,
)
from desktop.models.town.letters import (
    merge_template,
    request_fields,
    template_for,
)
from desktop.models.town.settings import get_setting


def kinds() -> dict[str, str]:
    """Each notice in the clerk's words."""
    return {
        "received": _("Acknowledgement"),
        "update": _("Public update"),
        "resolved": _("Resolution"),
        "reopened": _("Reopening"),
    }


#: every kind, as a request type's notices are written when it sends them all
ALL_KINDS = "received,update,resolved,reopened"
#: the letter template each notice is merged from (a resolution: by how it was resolved)
TEMPLATE = {
    "received": "received",
    "update": "update",
    "resolved": "closure",
    "reopened": "reopened",
}
#: resolutions that tell the resident the problem was not the town's to fix
NOT_OURS = ("not_town_responsibility", "referred")
#: what a resident's preferred way of contact says about notices
BY_POST, NONE = "post", "none"


def type_kinds(notices: str) -> list[str]:
    """A request type's notices as a list (ServiceType.notices), the unknown left out."""
    return [k for k in (part.strip() for part in notices.split(",")) if k in TEMPLATE]


@dataclass(frozen=True)
class Reach:
    """How a resident hears back: by email (an address) or by letter (its address lines)."""

    channel: str  # email | letter
    to: str


def reach(contact: Contact) -> Reach | None:
    """By email when the resident has one (unless they prefer post), else by letter when
    they have a postal address; None when neither, or when they asked for no notices."""
    if contact.anonymized_at is not None or contact.preferred_contact == NONE:
        return None
    if contact.preferred_contact != BY_POST:
        address = primary_email(contact)
        if address:
            return Reach("email", address)
    lines = postal_lines(contact)
    return Reach("letter", "\n".join(lines)) if lines else None


def message_id(domain: str) -> str:
    """An RFC 5322 Message-ID, the same on every try of one notice."""
    host = re.sub(r"[^A-Za-z0-9.-]", "", domain.rpartition("@")[2]) or "frontcounter.invalid"
    return f"<{clock.now():%Y%m%d%H%M%S}.{secrets.token_hex(8)}@{host}>"


def queue(request_id: int, kind: str, actor: StaffUser | None) -> OutboxMessage | None:
    """Queue the notice of `kind` for the request's resident, when one is due. Call it inside
    the write transaction of the change it tells of: the notice and the change are saved
    together or not at all."""
    if kind not in TEMPLATE or not get_setting("outbox.notices"):
        return None
    request = ServiceRequest.get_or_none(ServiceRequest.id == request_id)
    if request is None or request.contact_id is None:
        return None
    if kind not in type_kinds(request.service_type.notices):
        return None
    contact = Contact.get_or_none(Contact.id == request.contact_id)
    if contact is None:
        return None
    how = reach(contact)
    if how is None:
        return None
    language = resident_language(contact)
    name = TEMPLATE[kind]
    if kind == "resolved" and request.resolution in NOT_OURS:
        name = "not_ours"
    found = template_for(name, language)
    if found is None:  # a built-in name: only a bug gets here
        raise KeyError(name)
    template, language = found
    # printing's data classes load with the first notice, not with every module that changes
    # a request (the window's first page among them: start-up)
    from desktop.printing.data import TownHeader  # noqa: PLC0415

    with speaking(language):  # the resident's language, whatever the clerk's is
        town = TownHeader(
            name=str(get_setting("town.name") or _("Town Hall")),
            phone=str(get_setting("town.phone") or ""),
            email=str(get_setting("town.email") or ""),
        )
        values = request_fields(request, contact.display_name or _("resident"), town)
        subject = merge_template(template["subject"], values).strip()
    body = re.sub(r"\n{3,}", "\n\n", merge_template(template["body"], values)).strip()
    now = clock.now()
    message = OutboxMessage.create(
        request=request.id,
        contact=contact.id,
        kind=kind,
        channel=how.channel,
        language=language,
        to_address=how.to,
        subject=subject,
        body=body,
        message_id=message_id(str(get_setting("mail.from") or town.email)),
        state="queued",
        next_attempt_at=now,
        created_at=now,
    )
    RequestEvent.create(
        request=request.id,
        kind="notice",
        at=now,
        actor=actor,
        new_value=str(message.id),
        # no address in the history: every role reads it, and a confidential reporter's
        # email is not theirs to see (the outbox shows it to those who send)
        body=_("{notice} queued {how}.").format(
            notice=kinds()[kind],
            how=_("by email") if how.channel == "email" else _("for the next letter batch"),
        ),
    )
    return message
