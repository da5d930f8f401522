"""The town's letter templates and what their {placeholders} become: the letters a clerk
prints (documents) and the notices the outbox sends by email or post (outbox) are merged from
the same templates, the built-in ones with the town's own over them (setting
print.letter_templates). A template named NAME-LANG ("received-es") is NAME in that language.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from desktop.i18n import DEFAULT, LANGUAGES, _, language, speaking, when
from desktop.models import clock
from desktop.models.storage.db import reading
from desktop.models.storage.schema import ServiceRequest
from desktop.models.town.languages import department_name, type_text
from desktop.models.town.settings import get_setting
from desktop.models.town.status_pin import status_line
from desktop.models.vocab import RESOLUTIONS, STATUSES

if TYPE_CHECKING:
    from desktop.printing.data import TownHeader

_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def builtin_templates() -> dict[str, dict[str, str]]:
    return {
        "closure": {
            "subject": _("Your request {tracking_number}: {service_type}"),
            "body": _(
                "Dear {resident_name},\n\n"
                "Thank you for reporting a problem ({service_type}) at {address} on "
                "{requested_date}. We have finished our work on it: {resolution}.\n\n"
                "{status_notes}\n\n"
                "If the problem comes back, call us at {town_phone} and give the number "
                "{tracking_number}.\n\n"
                "Sincerely,\n{town_name}"
            ),
        },
        "received": {
            "subject": _("We received your request {tracking_number}"),
            "body": _(
                "Dear {resident_name},\n\n"
                "We received your request ({service_type}) at {address} on {requested_date} "
                "and sent it to {department}. We expect to finish by {expected_date}.\n\n"
                "To ask about it, call {town_phone} and give the number {tracking_number}.\n\n"
                "{status_page}\n\n"
                "Sincerely,\n{town_name}"
            ),
        },
        "update": {
            "subject": _("News of your request {tracking_number}"),
            "body": _(
                "Dear {resident_name},\n\n"
                "There is news of your request ({service_type}) at {address}:\n\n"
                "{status_notes}\n\n"
                "To ask about it, call {town_phone} and give the number {tracking_number}.\n\n"
                "Sincerely,\n{town_name}"
            ),
        },
        "reopened": {
            "subject": _("Your request {tracking_number} is open again"),
            "body": _(
                "Dear {resident_name},\n\n"
                "Your request ({service_type}) at {address} is open again, and {department} "
                "is working on it. We expect to finish by {expected_date}.\n\n"
                "To ask about it, call {town_phone} and give the number {tracking_number}.\n\n"
                "Sincerely,\n{town_name}"
            ),
        },
        "not_ours": {
            "subject": _("Your request {tracking_number}: {service_type}"),
            "body": _(
                "Dear {resident_name},\n\n"
                "Thank you for reporting a problem at {address}. Our crew looked into it: "
                "it is not the town's to fix.\n\n{status_notes}\n\n"
                "If you have questions, call us at {town_phone} and give the number "
                "{tracking_number}.\n\n"
                "Sincerely,\n{town_name}"
            ),
        },
    }


def letter_templates() -> dict[str, dict[str, str]]:
    """Every letter template by name: the built-in ones, each also in every other language
    ("received-es"), with the town's own over them."""
    templates = builtin_templates()
    for code in LANGUAGES:
        if code != DEFAULT:
            with speaking(code):
                templates.update({f"{n}-{code}": t for n, t in builtin_templates().items()})
    with reading():
        stored = get_setting("print.letter_templates")
    if isinstance(stored, dict):
        for name, template in stored.items():
            if isinstance(template, dict):
                templates[str(name)] = {
                    "subject": str(template.get("subject", "")),
                    "body": str(template.get("body", "")),
                }
    return templates


def language_of(name: str) -> str | None:
    """The language a template's name says ("received-es": "es"), None when it says none."""
    stem, dash, code = name.rpartition("-")
    return code if dash and stem and code in LANGUAGES else None


def template_for(
    name: str, language: str | None, templates: dict[str, dict[str, str]] | None = None
) -> tuple[dict[str, str], str] | None:
    """The template `name` in `language` and the language it is written in: its version in that
    language when there is one (the town's, else the built-in one), else `name` itself (in the
    language its name says, English otherwise); None when there is no such template."""
    templates = letter_templates() if templates is None else templates
    said = language_of(name)
    if language and language != DEFAULT and said is None:
        found = templates.get(f"{name}-{language}")
        if found is not None:
            return found, language
    plain = templates.get(name)
    return None if plain is None else (plain, said or DEFAULT)


def merge_template(template: str, values: dict[str, str]) -> str:
    """Put the values into the {placeholders}; unknown ones stay as typed (no str.format)."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), template)


def request_fields(request: ServiceRequest, resident: str, town: TownHeader) -> dict[str, str]:
    """What a letter's or a saved response's {placeholders} become for this request, in the
    language spoken now (inside `speaking(...)`, the resident's)."""
    spoken = language()
    return {
        "tracking_number": request.tracking_number,
        "service_type": type_text(request.service_type, "name", spoken),
        "address": request.address or _("the address you gave"),
        "requested_date": when(request.requested_at, "%d %B %Y"),
        "resolved_date": when(request.resolved_at, "%d %B %Y") if request.resolved_at else "",
        "resolution": RESOLUTIONS.get(request.resolution or "", "").lower()
        or STATUSES.get(request.status, request.status).lower(),
        "status_notes": request.status_notes,
        "resident_name": resident,
        "department": department_name(request.department, spoken),
        "expected_date": when(request.due_at, "%d %B %Y") if request.due_at else "",
        "town_name": town.name,
        "town_phone": town.phone or _("the town hall"),
        "today": when(clock.today(), "%d %B %Y"),
        "status_page": status_line(request.tracking_number),
    }
