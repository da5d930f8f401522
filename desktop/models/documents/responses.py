"""Saved responses: the public updates and closing notes a town sends again and again ("A crew
is scheduled…", "The pothole at 12 Elm St was filled on…"), each for some request types or for
all, with the request's fields filled in when a clerk picks one.

They are kept in the town's settings (shared by every workstation, versioned and audited like
any setting). A few starter responses come built in; the town's own are added over them, and a
built-in one the town changes or removes is the town's from then on.

The fields are the letters' ({tracking_number}, {service_type}, {address}, {expected_date}, …:
letter_templates.placeholders), so a response never reaches a resident saying "{adress}".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from desktop.i18n import _, speaking
from desktop.models.documents import letter_templates
from desktop.models.documents.gather import letter_fields
from desktop.models.errors import InputError, NotFound
from desktop.models.requests.tracking import find_request
from desktop.models.residents.contacts import resident_language
from desktop.models.staff import permissions
from desktop.models.storage.db import reading
from desktop.models.storage.schema import ServiceRequest, ServiceType, StaffUser
from desktop.models.town.settings import get_setting, set_settings

KINDS = ("update", "closing")
MAX_NAME = 80
MAX_TEXT = 4000


@dataclass(frozen=True)
class Response:
    name: str
    kind: str  # update | closing
    text: str
    #: the request types it is offered for (codes); empty: every type
    types: tuple[str, ...] = field(default_factory=tuple)

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind, "text": self.text, "types": list(self.types)}


def _builtin() -> list[Response]:
    return [
        Response(
            _("Crew scheduled"),
            "update",
            _(
                "A crew is scheduled to look at the {service_type} at {address}. We expect to "
                "finish by {expected_date}."
            ),
        ),
        Response(
            _("Waiting on weather"),
            "update",
            _(
                "The work on your request {tracking_number} needs dry weather; the crew will "
                "do it on the first suitable day."
            ),
        ),
        Response(
            _("Pothole filled"),
            "closing",
            _(
                "The pothole at {address} was filled on {today}. A permanent patch follows in "
                "the paving season. Thank you for reporting it."
            ),
            ("pothole",),
        ),
        Response(
            _("Fixed"),
            "closing",
            _("The {service_type} at {address} was taken care of on {today}. Thank you."),
        ),
        Response(
            _("Not the town's"),
            "closing",
            _(
                "Our crew looked at {address}: this is not the town's to fix. Call {town_phone} "
                "with the number {tracking_number} if you have questions."
            ),
        ),
    ]


def _stored() -> dict[str, Any]:
    value = get_setting("responses.saved")
    return dict(value) if isinstance(value, dict) else {}


def saved_responses(service_type: str | None = None, kind: str | None = None) -> list[Response]:
    """Every saved response (built-in ones under the town's), or those offered for a request
    type and kind, in name order."""
    with reading():
        stored = _stored()
    found: dict[str, Response] = {r.name: r for r in _builtin()}
    for name, entry in stored.items():
        if entry is None:  # a built-in one the town removed
            found.pop(name, None)
            continue
        found[name] = Response(
            name,
            str(entry.get("kind", "update")),
            str(entry.get("text", "")),
            tuple(str(t) for t in entry.get("types", []) or []),
        )
    chosen = [
        r
        for r in found.values()
        if (kind is None or r.kind == kind)
        and (service_type is None or not r.types or service_type in r.types)
    ]
    return sorted(chosen, key=lambda r: r.name.casefold())


def save_response(
    name: str,
    kind: str,
    text: str,
    types: list[str] | tuple[str, ...] = (),
    *,
    actor: StaffUser | None,
) -> Response:
    """Add or change a saved response; InputError says every problem."""
    permissions.require(actor, permissions.SETTINGS_EDIT)
    name = " ".join(name.split())
    text = text.replace("\r\n", "\n").strip()
    problems = []
    if not name:
        problems.append(_("Give the response a name the clerks will recognise."))
    elif len(name) > MAX_NAME:
        problems.append(_("The name is too long ({n} characters at most).").format(n=MAX_NAME))
    if kind not in KINDS:
        problems.append(_("Say whether it is an update or a closing note."))
    if not text:
        problems.append(_("Type the response's text."))
    elif len(text) > MAX_TEXT:
        problems.append(_("The text is too long ({n} characters at most).").format(n=MAX_TEXT))
    problems += [
        letter_templates.unknown_sentence(name)
        for name in letter_templates.unknown_placeholders(text)
    ]
    codes = [" ".join(t.split()).lower() for t in types if t.strip()]
    with reading():
        query = ServiceType.select(ServiceType.code).where(ServiceType.code.in_(codes))
        known_types = {str(row.code) for row in query}
    missing = [code for code in codes if code not in known_types]
    if missing:
        problems.append(_("There is no request type {codes}.").format(codes=", ".join(missing)))
    if problems:
        raise InputError(" ".join(problems))
    stored = _stored()
    stored[name] = {"kind": kind, "text": text, "types": sorted(set(codes))}
    set_settings({"responses.saved": stored}, actor=actor)
    return Response(name, kind, text, tuple(sorted(set(codes))))


def delete_response(name: str, *, actor: StaffUser | None) -> None:
    permissions.require(actor, permissions.SETTINGS_EDIT)
    names = {r.name for r in saved_responses()}
    if name not in names:
        raise NotFound(_("There is no saved response “{name}”.").format(name=name))
    stored = _stored()
    if name in {r.name for r in _builtin()}:
        stored[name] = None  # kept as removed, so the built-in one does not come back
    else:
        stored.pop(name, None)
    set_settings({"responses.saved": stored}, actor=actor)


def fill(response: Response, reference: str | int) -> str:
    """The response's text with this request's fields in it (in the resident's language)."""

    with reading():
        request: ServiceRequest = find_request(reference)
        contact = request.contact if request.contact_id else None
    with speaking(resident_language(contact)):
        [filled] = letter_fields(reference, [response.text])
    return filled


def offered(reference: str | int, kind: str) -> list[tuple[str, str]]:
    """The responses of `kind` for this request's type, filled in: (name, text). The names are
    the clerk's; the texts, which the resident reads, are in the resident's language (the
    built-in ones are translated; a town's own are as the town wrote them)."""

    with reading():
        request: ServiceRequest = find_request(reference)
        code = request.service_type.code
        contact = request.contact if request.contact_id else None
    chosen = saved_responses(code, kind)
    with speaking(resident_language(contact)):
        worded = saved_responses(code, kind)  # the same responses, in the resident's words
        texts = letter_fields(request.id, [r.text for r in worded]) if worded else []
    return [(r.name, text) for r, text in zip(chosen, texts, strict=True)]
