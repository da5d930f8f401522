"""Text as it is stored: the limits on what a clerk can type and the cleaning of it.

Kept apart from intake so that screens which only show or annotate requests do not import the
whole intake path (triage, routing, contacts) at start-up.
"""

from __future__ import annotations

import re
import unicodedata

from desktop.i18n import _

#: the longest description (the caller's own words) kept
MAX_DESCRIPTION = 20_000
#: the longest one-line field (an address, a name, a short note) kept
MAX_LINE = 500

#: control characters, and halves of a character that cannot be stored as UTF-8 (the lone
#: surrogates Python makes of bytes that were not UTF-8, or a JSON file's "\udcff")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_LINE_BREAKS = re.compile(r"[\r\n\t]+")


def clean_text(text: str, limit: int) -> str:
    """Text as it will be stored: NFC, no control characters but line breaks, trimmed."""
    text = _CONTROL.sub("", unicodedata.normalize("NFC", text)).strip()
    return text[:limit]


def clean_line(text: str) -> str:
    """One line: NFC, no control characters or line breaks, single spaces."""
    text = _LINE_BREAKS.sub(" ", unicodedata.normalize("NFC", str(text)))
    return " ".join(_CONTROL.sub("", text).split())


def clean_block(text: str) -> str:
    """Several lines: NFC, Windows line ends made plain, no other control characters."""
    text = unicodedata.normalize("NFC", str(text)).replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text.replace("\t", " ")).strip()


def too_long(what: str, limit: int) -> str:
    return _("{what} is too long ({limit:,} characters at most).").format(what=what, limit=limit)


_UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")


def as_typed(text: str) -> str:
    """What was typed or pasted into a search box, minus what no database can take (NUL and
    the halves of a character): searched as is otherwise."""
    return _UNSTORABLE.sub("", text)
