"""Marks user-facing strings for translation (gettext catalogs under resources/locale)."""

from __future__ import annotations

import gettext

from desktop.resources import resource_path

_DOMAIN = "frontcounter"

_translation = gettext.translation(_DOMAIN, localedir=str(resource_path("locale")), fallback=True)


def _(message: str) -> str:
    """The translated text of `message` (the message itself until a catalog exists)."""
    return _translation.gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """The translated singular or plural form for `count`."""
    return _translation.ngettext(singular, plural, count)
