"""Text as it is stored: the limits on what a clerk can type and the cleaning of it.

Kept apart from intake so that screens which only show or annotate requests do not import the
whole intake path (triage, routing, contacts) at start-up.
"""

from __future__ import annotations

import re
import unicodedata

#: the longest description (the caller's own words) kept
MAX_DESCRIPTION = 20_000
#: the longest one-line field (an address, a name, a short note) kept
MAX_LINE = 500

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(text: str, limit: int) -> str:
    """Text as it will be stored: NFC, no control characters but line breaks, trimmed."""
    text = _CONTROL.sub("", unicodedata.normalize("NFC", text)).strip()
    return text[:limit]
