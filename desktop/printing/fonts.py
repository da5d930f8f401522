"""The bundled fonts and which one draws each character.

DejaVu Sans sets every document. A character it lacks is drawn in the first fallback font that
has it (Droid Sans Fallback for Chinese and Japanese, Symbola for emoji and symbols); those are
read from disk only when a document first needs them. A character no bundled font has prints as
its Unicode name in brackets, legible, rather than as an empty box.
"""

from __future__ import annotations

import threading
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from desktop.resources import resource_path

FONT = "FrontCounter"
FONT_BOLD = "FrontCounter-Bold"


@dataclass(frozen=True)
class Fallback:
    """A font tried, in order, for the characters DejaVu Sans lacks."""

    name: str
    file: str


FALLBACKS = (
    Fallback("FrontCounter-CJK", "DroidSansFallbackFull.ttf"),
    Fallback("FrontCounter-Symbols", "Symbola.ttf"),
)

_lock = threading.RLock()
_main_ready = False
_main_covers: frozenset[int] = frozenset()
_loaded: dict[str, frozenset[int]] = {}
_choice: dict[int, str | None] = {}  # code point -> fallback font name (None: no font has it)


def register_fonts() -> None:
    """Register DejaVu Sans and its bold once (threads may build documents at the same time)."""
    global _main_ready, _main_covers
    if _main_ready:
        return
    with _lock:
        if _main_ready:
            return
        regular = TTFont(FONT, str(resource_path("fonts", "DejaVuSans.ttf")))
        bold = TTFont(FONT_BOLD, str(resource_path("fonts", "DejaVuSans-Bold.ttf")))
        pdfmetrics.registerFont(regular)
        pdfmetrics.registerFont(bold)
        pdfmetrics.registerFontFamily(
            FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD
        )
        # a character counts as DejaVu's only if both weights have it: a bold label must not
        # turn into a box where the regular weight would have drawn it
        _main_covers = frozenset(regular.face.charToGlyph) & frozenset(bold.face.charToGlyph)
        _main_ready = True


def _load(fallback: Fallback) -> frozenset[int]:
    """The fallback font's characters, registering it on first use."""
    covers = _loaded.get(fallback.name)
    if covers is not None:
        return covers
    with _lock:
        covers = _loaded.get(fallback.name)
        if covers is None:
            font = TTFont(fallback.name, str(resource_path("fonts", fallback.file)))
            pdfmetrics.registerFont(font)
            name = fallback.name
            # no bold in these fonts: a bold run of them prints in their only weight
            pdfmetrics.registerFontFamily(
                name, normal=name, bold=name, italic=name, boldItalic=name
            )
            covers = frozenset(font.face.charToGlyph)
            _loaded[name] = covers
    return covers


def _selector(code: int) -> bool:
    """A variation selector: it asks for a colour or text look of the character before it,
    which print has one of; some fonts would draw it as a visible box, so it is left out."""
    return 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF


def in_main_font(char: str) -> bool:
    register_fonts()
    code = ord(char)
    return code in _main_covers and not _selector(code)


def fallback_for(char: str) -> str | None:
    """The fallback font that draws `char` (one DejaVu Sans lacks), or None if none has it."""
    code = ord(char)
    if code in _choice:
        return _choice[code]
    found = None
    if _selector(code):
        _choice[code] = None
        return None
    for fallback in FALLBACKS:
        if code in _load(fallback):
            found = fallback.name
            break
    _choice[code] = found
    return found


def stand_in(char: str) -> str:
    """What prints for a character no bundled font has: nothing for an invisible modifier (a
    variation selector, a joiner), a space for a space, otherwise its name in brackets."""
    category = unicodedata.category(char)
    if category in ("Mn", "Me", "Cf", "Cc"):
        return ""
    if category in ("Zs", "Zl", "Zp"):
        return " "
    name = unicodedata.name(char, "")
    return f"[{name.lower()}]" if name else f"[U+{ord(char):04X}]"


def font_runs(text: str) -> Iterator[tuple[str | None, str]]:
    """`text` in runs: (None, text) for DejaVu Sans, (fallback font, text) for the others, with
    the characters no font has already replaced by their stand-ins (in DejaVu Sans)."""
    register_fonts()
    if text.isascii():  # DejaVu Sans has all of ASCII: most text stops here
        if text:
            yield None, text
        return
    main = _main_covers
    current: str | None = None
    run: list[str] = []
    for char in text:
        code = ord(char)
        if (code in main and not _selector(code)) or char == "\n":
            font, piece = None, char
        else:
            font = fallback_for(char)
            piece = char if font else stand_in(char)
        if font != current and run:
            yield current, "".join(run)
            run = []
        current = font
        run.append(piece)
    if run:
        yield current, "".join(run)
