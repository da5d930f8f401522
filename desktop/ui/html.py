"""Small helpers for the read-only rich text panes (history, details): every value is escaped."""

from __future__ import annotations

import datetime as dt

#: what html.escape(text, quote=True) replaces, in one pass (the standard library's html module
#: loads its table of 2,000 named characters as it is imported, 1 ms of the window's start)
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;"})


def esc(value: object) -> str:
    """Text as it may appear inside HTML: markup typed by a resident stays literal."""
    return ("" if value is None else str(value)).translate(_ESCAPES)


def when(moment: dt.datetime | str | None) -> str:
    if moment is None:
        return ""
    if isinstance(moment, str):
        return moment[:16]
    return moment.strftime("%Y-%m-%d %H:%M")


def paragraphs(text: str) -> str:
    """Escaped text with its line breaks kept."""
    return "<br>".join(esc(line) for line in text.splitlines())
