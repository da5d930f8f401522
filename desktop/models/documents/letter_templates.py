"""The town's letter templates as Settings and the command line edit them.

The templates themselves are `documents`'s (built-in ones, with the town's own over them); this
adds what an editor needs: the placeholders a letter can use and what each becomes, and a check
that a template uses only those, so that no resident receives a letter saying "{resident}".
"""

from __future__ import annotations

import difflib
import re

from desktop.i18n import _
from desktop.models.documents import gather as documents
from desktop.models.errors import InputError
from desktop.models.staff import permissions
from desktop.models.storage.schema import StaffUser
from desktop.models.text_clean import clean_block, clean_line
from desktop.models.town import letters

MAX_SUBJECT = 300
MAX_BODY = 20_000
#: anything in braces that looks meant as a placeholder (documents fills only {lower_case})
_BRACED = re.compile(r"\{([^{}\s]{1,60})\}")


def placeholders() -> list[tuple[str, str]]:
    """Every placeholder a letter can use, with what it becomes (`documents.letter` fills
    them)."""
    return [
        ("resident_name", _("the resident's name")),
        ("tracking_number", _("the request's number")),
        ("service_type", _("the request type, e.g. Pothole")),
        ("address", _("where the problem is")),
        ("requested_date", _("the day the request came in")),
        ("expected_date", _("the day it is due to be finished")),
        ("resolved_date", _("the day it was resolved")),
        ("resolution", _("how it was resolved, e.g. fixed")),
        ("status_notes", _("the latest public update")),
        ("department", _("the department doing the work")),
        ("town_name", _("the town's name")),
        ("town_phone", _("the town's phone number")),
        ("today", _("today's date")),
        ("status_page", _("where to follow it on the web, with its PIN (or nothing)")),
    ]


def templates() -> dict[str, dict[str, str]]:
    """Every template by name (the built-in ones with the town's own over them)."""
    return letters.letter_templates()


def unknown_placeholders(text: str) -> list[str]:
    """The {names} in `text` that no letter fills, in the order they appear."""
    known = {name for name, _meaning in placeholders()}
    seen: list[str] = []
    for match in _BRACED.finditer(text):
        name = match.group(1)
        if name not in known and name not in seen:
            seen.append(name)
    return seen


def unknown_sentence(name: str) -> str:
    """What is wrong with a {name} no letter fills, with the nearest one that does."""
    return _unknown_sentence(name)


def _unknown_sentence(name: str) -> str:
    known = [code for code, _meaning in placeholders()]
    close = difflib.get_close_matches(name.lower(), known, n=1)
    if close:
        return _("“{{{name}}}” is not a placeholder: did you mean {{{close}}}?").format(
            name=name, close=close[0]
        )
    return _("“{{{name}}}” is not a placeholder a letter can fill.").format(name=name)


def save_template(name: str, subject: str, body: str, *, actor: StaffUser | None) -> None:
    """Add or change one of the town's letter templates, as `actor` (documents saves it);
    InputError lists every problem."""
    permissions.require(actor, permissions.SETTINGS_EDIT)
    problems = []
    subject = clean_line(subject)  # no control characters, no halves of a character
    body = clean_block(body)
    if len(subject) > MAX_SUBJECT:
        problems.append(
            _("The subject is too long ({limit:,} characters at most).").format(limit=MAX_SUBJECT)
        )
    if len(body) > MAX_BODY:
        problems.append(
            _("The letter is too long ({limit:,} characters at most).").format(limit=MAX_BODY)
        )
    problems.extend(_unknown_sentence(n) for n in unknown_placeholders(subject + "\n" + body))
    if problems:
        raise InputError(" ".join(problems))
    documents.save_letter_template(name, subject, body, actor=actor)
