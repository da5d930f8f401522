"""Small helpers for the read-only rich text panes (history, details): every value is escaped."""

from __future__ import annotations

import datetime as dt
import html


def esc(value: object) -> str:
    """Text as it may appear inside HTML: markup typed by a resident stays literal."""
    return html.escape("" if value is None else str(value), quote=True)


def when(moment: dt.datetime | str | None) -> str:
    if moment is None:
        return ""
    if isinstance(moment, str):
        return moment[:16]
    return moment.strftime("%Y-%m-%d %H:%M")


def paragraphs(text: str) -> str:
    """Escaped text with its line breaks kept."""
    return "<br>".join(esc(line) for line in text.splitlines())
