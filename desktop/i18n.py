"""The languages Front Counter speaks: gettext catalogs, chosen per workstation and per resident.

Every user-facing string is wrapped in `_()` (or `ngettext()`); `pybabel extract` collects them
into resources/locale/frontcounter.pot and each language's catalog is
resources/locale/<code>/LC_MESSAGES/frontcounter.po (compiled to .mo by `make locale`, which
`make run`, `make test` and the installers run). docs/translations.md tells a translator how.

Two languages are in play at once at a bilingual counter:
- the workstation's language (the clerk's): `set_language()` once at start-up, from `--lang`,
  the workstation's settings file or the operating system;
- a resident's language, for what is printed or sent to them: `with speaking("es"): ...` turns
  every `_()` inside the block (this thread only) into that language, whatever the clerk's is.

Strings that live in module-level tables are marked with `N_()` (extracted, not translated at
import) and translated where they are shown, or kept in a `Labels` table that translates on
every read, so that a receipt printed in Spanish at an English workstation says "Resuelta".
"""

from __future__ import annotations

import configparser
import contextlib
import datetime
import functools
import gettext
import io
import locale
import logging
import os
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from pathlib import Path
from typing import Any, TypeVar

from desktop.resources import resource_path

log = logging.getLogger(__name__)

DOMAIN = "frontcounter"
#: the languages there are catalogs for, by code, each named in its own language
LANGUAGES: dict[str, str] = {"en": "English", "es": "Español"}
DEFAULT = "en"

_catalogs: dict[str, gettext.NullTranslations] = {}
_workstation = DEFAULT
_speaking: ContextVar[str | None] = ContextVar("frontcounter_speaking", default=None)


def normalize(code: str | None) -> str | None:
    """`code` as one of LANGUAGES ("es_US.UTF-8", "Spanish_United States", "ES" -> "es"), or
    None when it names no language we have."""
    if not code:
        return None
    text = code.strip().lower().replace("-", "_")
    if text.startswith("spanish") or text.startswith("español"):
        return "es"
    if text.startswith("english"):
        return "en"
    short = text.split("_", 1)[0].split(".", 1)[0].split("@", 1)[0]
    return short if short in LANGUAGES else None


def system_language() -> str:
    """The operating system's language for this user, as one of LANGUAGES (English otherwise)."""
    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(variable, "")
        if value and value not in ("C", "POSIX", "C.UTF-8"):
            for part in value.split(":"):
                found = normalize(part)
                if found:
                    return found
            return DEFAULT
    with contextlib.suppress(ValueError, TypeError):
        found = normalize(locale.getlocale()[0])  # Windows: "Spanish_United States"
        if found:
            return found
    return DEFAULT


def workstation_setting(settings_file: Path) -> str | None:
    """The language chosen in this workstation's Settings (the `[workstation] language` line the
    window writes to its INI file), or None when none was chosen or the file cannot be read."""
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read(settings_file, encoding="utf-8")
    except (OSError, UnicodeDecodeError, configparser.Error):
        return None
    return normalize(parser.get("workstation", "language", fallback=""))


def choose_language(option: str | None, settings_file: Path | None) -> str:
    """The workstation's language: `--lang` first, then Settings, then the operating system."""
    return (
        normalize(option)
        or (workstation_setting(settings_file) if settings_file is not None else None)
        or system_language()
    )


def _load(code: str) -> gettext.NullTranslations:
    catalog = _catalogs.get(code)
    if catalog is not None:
        return catalog
    folder = resource_path("locale", code, "LC_MESSAGES")
    compiled, source = folder / f"{DOMAIN}.mo", folder / f"{DOMAIN}.po"
    catalog = gettext.NullTranslations()
    try:
        if compiled.is_file() and (
            not source.is_file() or compiled.stat().st_mtime >= source.stat().st_mtime
        ):
            with compiled.open("rb") as handle:
                catalog = gettext.GNUTranslations(handle)
        elif source.is_file():
            catalog = _from_source(source)
    except (OSError, ValueError) as exc:  # a damaged catalog: the program still speaks English
        log.warning("The %s catalog could not be read (%s); using English.", code, exc)
    _catalogs[code] = catalog
    return catalog


def _from_source(source: Path) -> gettext.NullTranslations:
    """A catalog read from its .po (a checkout where `make locale` has not compiled it yet)."""
    from babel.messages.mofile import write_mo  # noqa: PLC0415 (only without `make locale`)
    from babel.messages.pofile import read_po  # noqa: PLC0415

    log.info("Reading %s (not compiled: run `make locale`)", source)
    with source.open("rb") as handle:
        parsed = read_po(handle)
    buffer = io.BytesIO()
    write_mo(buffer, parsed)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def set_language(code: str | None) -> str:
    """Make `code` the workstation's language (English when it is not one we have)."""
    global _workstation
    _workstation = normalize(code) or DEFAULT
    return _workstation


def language() -> str:
    """The language `_()` speaks right now: a resident's inside `speaking()`, else the clerk's."""
    return _speaking.get() or _workstation


def workstation_language() -> str:
    return _workstation


@contextlib.contextmanager
def speaking(code: str | None) -> Iterator[str]:
    """Inside the block, `_()` speaks `code` (a resident's language; the workstation's when
    `code` is empty or unknown)."""
    chosen = normalize(code) or _workstation
    token = _speaking.set(chosen)
    try:
        yield chosen
    finally:
        _speaking.reset(token)


def _(message: str) -> str:
    """`message` in the language spoken right now."""
    code = language()
    if code == DEFAULT:
        return message
    return _load(code).gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """The singular or plural form for `count`, in the language spoken right now."""
    code = language()
    if code == DEFAULT:
        return singular if count == 1 else plural
    return _load(code).ngettext(singular, plural, count)


def N_(message: str) -> str:
    """Marks `message` for the catalog without translating it (module-level tables)."""
    return message


K = TypeVar("K")


class Labels(Mapping[K, str]):
    """A table of labels marked with N_(): each read gives the label in the language spoken
    at that moment (so one table serves the clerk's screen and a resident's letter)."""

    def __init__(self, labels: Mapping[K, str]) -> None:
        self._labels = dict(labels)

    def __getitem__(self, key: K) -> str:
        return _(self._labels[key])

    def __iter__(self) -> Iterator[K]:
        return iter(self._labels)

    def __len__(self) -> int:
        return len(self._labels)

    def __repr__(self) -> str:
        return f"Labels({self._labels!r})"


#: whole strftime patterns and how Spanish writes the same thing (the rest map letter by letter)
_SPANISH_PATTERNS = {
    "%d %B %Y": "d 'de' MMMM 'de' y",
    "%B %Y": "MMMM 'de' y",
    "%b %Y": "MMM y",
    "%d %B %Y, %H:%M": "d 'de' MMMM 'de' y, HH:mm",
    "%A %B %d, %Y %H:%M": "EEEE d 'de' MMMM 'de' y, HH:mm",
    "%B %d": "d 'de' MMMM",
}
_CLDR = {
    "a": "EEE",
    "A": "EEEE",
    "d": "dd",
    "b": "MMM",
    "B": "MMMM",
    "Y": "y",
    "y": "yy",
    "H": "HH",
    "M": "mm",
    "m": "MM",
    "I": "hh",
    "p": "a",
    "S": "ss",
}


@functools.lru_cache(maxsize=64)
def _cldr(pattern: str) -> str:
    whole = _SPANISH_PATTERNS.get(pattern)
    if whole is not None:
        return whole
    out: list[str] = []
    literal: list[str] = []
    characters = iter(pattern)

    def flush() -> None:
        if literal:
            text = "".join(literal).replace("'", "''")
            out.append(f"'{text}'" if any(c.isalpha() for c in text) else text)
            literal.clear()

    for character in characters:
        if character == "%":
            code = next(characters, "")
            if code in _CLDR:
                flush()
                out.append(_CLDR[code])
            else:
                literal.append("%" if code == "%" else code)
        else:
            literal.append(character)
    flush()
    return "".join(out)


def when(value: Any, pattern: str) -> str:
    """A date or time written with a strftime `pattern` ("%d %b %Y %H:%M") in the language spoken
    now: as strftime writes it in English, with the month and day names and the word order of
    the language otherwise ("01 dic 2026 14:30", "1 de diciembre de 2026")."""
    if value is None:
        return ""
    code = language()
    if code == DEFAULT:
        return str(value.strftime(pattern))
    from babel.dates import format_date, format_datetime  # noqa: PLC0415 (not at start-up)

    cldr = _cldr(pattern)
    if isinstance(value, datetime.datetime):
        return str(format_datetime(value, cldr, locale=f"{code}_US"))
    return str(format_date(value, cldr, locale=f"{code}_US"))


def long_day(value: datetime.date) -> str:
    """A day as a letter writes it: "December 1, 2026", "1 de diciembre de 2026"."""
    if language() == DEFAULT:
        return f"{value:%B} {value.day}, {value.year}"
    return when(value, "%d %B %Y")
