"""Tracking numbers residents can read over the phone: 2026-00042 (year, then a counter), and
the request a number names."""

from __future__ import annotations

import re

from desktop.i18n import _
from desktop.models.errors import NotFound
from desktop.models.storage import fast_sql
from desktop.models.storage.schema import ServiceRequest

DEFAULT_DIGITS = 5
_PATTERN = re.compile(r"^\s*#?\s*(\d{4})\s*[-–/ ]?\s*(\d{1,9})\s*$")


def format_tracking(year: int, number: int, digits: int = DEFAULT_DIGITS) -> str:
    return f"{year}-{number:0{digits}d}"


def parse_tracking(text: str, digits: int = DEFAULT_DIGITS) -> str | None:
    """The canonical tracking number in what a clerk typed or a scanner sent, or None.

    "2026-42", "2026 00042", "#2026-00042" and "202600042" all give "2026-00042".
    """
    match = _PATTERN.match(text)
    if not match:
        return None
    year, number = int(match.group(1)), int(match.group(2))
    if number == 0:
        return None
    return format_tracking(year, number, digits)


_PRINTED = re.compile(r"^\s*#?\d{4}-\d{1,9}\s*$")


def looks_like_tracking(text: str) -> bool:
    """True for a number as printed or scanned ("2026-00042", "#2026-42"): in a field that also
    takes phone numbers only the dashed form is taken for one ("2025551234" is a phone)."""
    return bool(_PRINTED.match(text)) and parse_tracking(text) is not None


def next_tracking_number(year: int, digits: int = DEFAULT_DIGITS) -> str:
    """Hand out the next number of `year`. Call inside a write transaction."""
    fast_sql.execute(_NEXT, (year,))
    last = fast_sql.execute(_LAST, (year,)).fetchone()[0]
    return format_tracking(year, last, digits)


# inside every save's write lock: written once (fast_sql.py)
_NEXT = (
    'INSERT INTO "tracking_counter" ("year", "last") VALUES (?, 1) ON CONFLICT ("year") '
    'DO UPDATE SET "last" = "tracking_counter"."last" + 1'
)
_LAST = 'SELECT "last" FROM "tracking_counter" WHERE "year" = ?'


def find_request(reference: str | int) -> ServiceRequest:
    """A request by its id or its tracking number as typed or scanned."""
    request: ServiceRequest | None
    if isinstance(reference, int):
        request = ServiceRequest.get_or_none(ServiceRequest.id == reference)
    else:
        number = parse_tracking(reference)
        request = (
            ServiceRequest.get_or_none(ServiceRequest.tracking_number == number) if number else None
        )
    if request is None:
        raise NotFound(_("There is no request {ref}.").format(ref=reference))
    return request
