"""Right-to-left text in reading order, Arabic letters joined, and any script in its font.

reportlab's own Paragraph lays text out left to right one character after another: Hebrew would
come out reversed and Arabic reversed and unjoined. So a piece of user text with right-to-left
characters is laid out here instead (`BidiParagraph`, `draw_string`): the Unicode bidirectional
algorithm (python-bidi) gives each character its level, lines are broken in reading order, each
line is reordered for display (rule L2 of UAX #9), and runs of Arabic script are shaped by
HarfBuzz (reportlab's uharfbuzz support) so their letters join. Text with no right-to-left
character never comes here: it stays on reportlab's faster path.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from bidi import algorithm  # type: ignore[import-untyped]
from bidi.mirror import MIRRORED  # type: ignore[import-untyped]
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfbase.ttfonts import ShapedStr, shapeStr
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable

from desktop.printing import fonts

# strong right-to-left characters (Hebrew, Arabic, Syriac, Thaana, N'Ko and their presentation
# forms) and the marks and embeddings that start right-to-left text
_RTL = re.compile(
    "[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefe\u200f\u202b\u202e\u2067"
    "\U00010800-\U00010fff\U0001e800-\U0001efff]"
)
# scripts whose letters change shape with their neighbours: these runs go through HarfBuzz
_JOINING = re.compile("[\u0600-\u08ff\ufb50-\ufdff\ufe70-\ufefe]")
ELLIPSIS = "…"


def needs_bidi(text: str) -> bool:
    """Whether `text` has right-to-left characters (and so needs this module's layout)."""
    return not text.isascii() and _RTL.search(text) is not None


@dataclass
class _Char:
    char: str
    level: int
    font: str


@dataclass
class _Piece:
    """A run of one font and one level, ready to draw: `shown` is in display order."""

    level: int
    font: str
    shown: str
    width: float


def _resolve(text: str, bold: list[bool], base: int | None) -> tuple[int, list[_Char]]:
    """Each character of one line of text with its bidi level and the font that draws it.

    Characters no font has are replaced by their stand-ins first; explicit embedding marks and
    joiners are dropped by the algorithm (rule X9) since they draw nothing."""
    shown: list[str] = []
    weights: list[bool] = []
    fonts_of: list[str] = []
    for char, heavy in zip(text, bold, strict=True):
        main = fonts.FONT_BOLD if heavy else fonts.FONT
        if fonts.in_main_font(char):
            shown.append(char)
            fonts_of.append(main)
            weights.append(heavy)
            continue
        fallback = fonts.fallback_for(char)
        if fallback is not None:
            shown.append(char)
            fonts_of.append(fallback)
            weights.append(heavy)
            continue
        for piece in fonts.stand_in(char):
            shown.append(piece)
            fonts_of.append(main)
            weights.append(heavy)
    line = "".join(shown)
    storage = algorithm.get_empty_storage()
    level = algorithm.get_base_level(line) if base is None else base
    storage["base_level"] = level
    storage["base_dir"] = ("L", "R")[level]
    algorithm.get_embedding_levels(line, storage)
    for record, font in zip(storage["chars"], fonts_of, strict=True):
        record["font"] = font
    algorithm.explicit_embed_and_overrides(storage)
    algorithm.resolve_weak_types(storage)
    algorithm.resolve_neutral_types(storage, False)
    algorithm.resolve_implicit_levels(storage, False)
    return level, [_Char(c["ch"], c["level"], c["font"]) for c in storage["chars"]]


def _shown(text: str, level: int, font: str, size: float) -> tuple[str, float]:
    """A run as drawn left to right, and its width."""
    if level % 2 == 0:
        return text, stringWidth(text, font, size)
    if _JOINING.search(text) or any(unicodedata.combining(c) for c in text):
        shaped = shapeStr(text, font, size)  # HarfBuzz reverses, joins and mirrors it
        if isinstance(shaped, ShapedStr):
            return shaped, sum(d.x_advance for d in shaped.__shapeData__) * size / 1000
    mirrored = "".join(MIRRORED.get(c, c) for c in reversed(text))
    return mirrored, stringWidth(mirrored, font, size)


def _runs(chars: list[_Char], size: float) -> list[_Piece]:
    """Consecutive characters of one level and one font as pieces, in reading order."""
    pieces: list[_Piece] = []
    start = 0
    for index in range(1, len(chars) + 1):
        if index < len(chars):
            here, before = chars[index], chars[index - 1]
            if here.level == before.level and here.font == before.font:
                continue
        first = chars[start]
        text = "".join(c.char for c in chars[start:index])
        shown, width = _shown(text, first.level, first.font, size)
        pieces.append(_Piece(first.level, first.font, shown, width))
        start = index
    return pieces


def _display_order(pieces: list[_Piece]) -> list[_Piece]:
    """Rule L2: from the highest level down to the lowest odd one, reverse every run of pieces
    at that level or higher."""
    if not pieces:
        return pieces
    order = list(pieces)
    highest = max(p.level for p in order)
    odd = [p.level for p in order if p.level % 2]
    lowest = min(odd) if odd else highest + 1
    for level in range(highest, lowest - 1, -1):
        index = 0
        while index < len(order):
            if order[index].level < level:
                index += 1
                continue
            end = index
            while end < len(order) and order[end].level >= level:
                end += 1
            order[index:end] = order[index:end][::-1]
            index = end
    return order


@dataclass
class _Line:
    pieces: list[_Piece]  # in display order
    width: float
    rtl: bool  # the paragraph reads right to left (so the line sits at the right)


def _words(chars: list[_Char]) -> list[tuple[int, int]]:
    """(start, end) of each run of characters between spaces."""
    spans: list[tuple[int, int]] = []
    start: int | None = None
    for index, c in enumerate(chars):
        if c.char.isspace():
            if start is not None:
                spans.append((start, index))
                start = None
        elif start is None:
            start = index
    if start is not None:
        spans.append((start, len(chars)))
    return spans


def _width(chars: list[_Char], size: float) -> float:
    return sum(p.width for p in _runs(chars, size))


def _break_word(chars: list[_Char], size: float, room: float) -> list[list[_Char]]:
    """A word wider than the line, in pieces that fit (at least one character each)."""
    parts: list[list[_Char]] = []
    part: list[_Char] = []
    used = 0.0
    for c in chars:
        step = stringWidth(c.char, c.font, size)
        if part and used + step > room:
            parts.append(part)
            part, used = [], 0.0
        part.append(c)
        used += step
    if part:
        parts.append(part)
    return parts


def _line(chars: list[_Char], size: float, rtl: bool) -> _Line:
    pieces = _display_order(_runs(chars, size))
    return _Line(pieces, sum(p.width for p in pieces), rtl)


def _break_lines(chars: list[_Char], level: int, size: float, width: float) -> list[_Line]:
    """One paragraph's characters (in reading order) as lines no wider than `width`.

    A line is every character from its first word to its last, spaces included: the spaces
    keep their own levels, so a space between two Arabic words stays inside their run."""
    rtl = level % 2 == 1
    spans = _words(chars)
    if not spans:
        return [_Line([], 0.0, rtl)]
    lines: list[_Line] = []
    space = stringWidth(" ", fonts.FONT, size)
    first: int | None = None  # where the line being filled starts, and ends
    last = 0
    used = 0.0
    for start, end in spans:
        word_width = _width(chars[start:end], size)
        if first is not None and used + space + word_width > width:
            lines.append(_line(chars[first:last], size, rtl))
            first = None
        if word_width > width:
            lines += [_line(part, size, rtl) for part in _break_word(chars[start:end], size, width)]
            continue
        if first is None:
            first, used = start, word_width
        else:
            used += space + word_width
        last = end
    if first is not None:
        lines.append(_line(chars[first:last], size, rtl))
    return lines


def layout_lines(
    segments: list[tuple[str, bool]], size: float, width: float, base: int | None = None
) -> list[_Line]:
    """Text given as (text, bold) segments, broken into lines no wider than `width`."""
    text = "".join(t for t, _bold in segments)
    bold = [heavy for t, heavy in segments for _char in t]
    lines: list[_Line] = []
    start = 0
    for hard in text.split("\n"):
        end = start + len(hard)
        level, chars = _resolve(hard, bold[start:end], base)
        lines += _break_lines(chars, level, size, width)
        start = end + 1
    return lines


def draw_pieces(canvas: Canvas, x: float, y: float, pieces: list[_Piece], size: float) -> None:
    for piece in pieces:
        canvas.setFont(piece.font, size)
        canvas.drawString(x, y, piece.shown)
        x += piece.width


class BidiParagraph(Flowable):
    """A paragraph of text with right-to-left runs, laid out in reading order.

    Drop-in for the Paragraphs this package makes: the same style (font size, leading, colour,
    alignment, space before and after); `segments` are (text, bold) in reading order and are
    plain text, never markup, so nothing in them is interpreted."""

    def __init__(
        self,
        segments: list[tuple[str, bool]],
        style: ParagraphStyle,
        *,
        lines: list[_Line] | None = None,
        laid_out_for: float | None = None,
    ) -> None:
        super().__init__()
        self.segments = segments
        self.style = style
        self._lines = lines
        self._laid_out_for = laid_out_for
        self.width = self.height = 0.0

    def _room(self, available_width: float) -> float:
        return max(1.0, float(available_width - self.style.leftIndent - self.style.rightIndent))

    def _layout(self, available_width: float) -> list[_Line]:
        room = self._room(available_width)
        if self._lines is None or (
            self._laid_out_for is not None and abs(self._laid_out_for - room) > 0.5
        ):
            self._lines = layout_lines(self.segments, self.style.fontSize, room)
            self._laid_out_for = room
        return self._lines

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        lines = self._layout(available_width)
        self.width = available_width
        self.height = len(lines) * self.style.leading
        return self.width, self.height

    def minWidth(self) -> float:
        lines = self._lines or []
        return max((line.width for line in lines), default=0.0)

    def getSpaceBefore(self) -> float:
        return float(self.style.spaceBefore)

    def getSpaceAfter(self) -> float:
        return float(self.style.spaceAfter)

    def split(self, available_width: float, available_height: float) -> list[Flowable]:
        lines = self._layout(available_width)
        fit = int(available_height // self.style.leading)
        if fit <= 0:
            return []
        if fit >= len(lines):
            return [self]
        room = self._room(available_width)
        return [
            BidiParagraph(self.segments, self.style, lines=lines[:fit], laid_out_for=room),
            BidiParagraph(self.segments, self.style, lines=lines[fit:], laid_out_for=room),
        ]

    def draw(self) -> None:
        canvas: Any = self.canv
        style = self.style
        size = style.fontSize
        room = self._room(self.width)
        canvas.saveState()
        canvas.setFillColor(style.textColor)
        y = self.height - size
        for line in self._lines or []:
            align = style.alignment
            if line.rtl and align == TA_LEFT:
                align = TA_RIGHT
            x = style.leftIndent
            if align == TA_RIGHT:
                x += room - line.width
            elif align == TA_CENTER:
                x += (room - line.width) / 2
            draw_pieces(canvas, x, y, line.pieces, size)
            y -= style.leading
        canvas.restoreState()


def _font_pieces(text: str, font: str, size: float) -> list[_Piece]:
    """Left-to-right text as pieces, each run in the font that has its characters."""
    pieces = []
    for fallback, run in fonts.font_runs(text):
        name = fallback or font
        pieces.append(_Piece(0, name, run, stringWidth(run, name, size)))
    return pieces


def line_width(text: str, font: str, size: float) -> float:
    """The width `text` takes on one line, drawn the way `draw_string` draws it."""
    if text.isascii():
        return float(stringWidth(text, font, size))
    if not needs_bidi(text):
        return float(sum(piece.width for piece in _font_pieces(text, font, size)))
    bold = font == fonts.FONT_BOLD
    return float(sum(line.width for line in layout_lines([(text, bold)], size, float("inf"))))


def fitting_size(text: str, font: str, size: float, width: float, smallest: float = 7.0) -> float:
    """The size at most `size` at which `text` takes at most `width` on one line (never below
    `smallest`: past that it is cut): a label that is longer in Spanish is printed smaller,
    not cut ("REIMPRESIÓN", "Necesita seguimiento")."""
    wanted = line_width(text, font, size)
    if wanted <= width or wanted <= 0:
        return size
    return max(smallest, size * width / wanted)


def fit(text: str, font: str, size: float, width: float) -> str:
    """`text` cut with an ellipsis so it takes at most `width` on one line."""
    if line_width(text, font, size) <= width:
        return text
    low, high = 0, len(text)
    while low < high:  # the longest start that fits with the ellipsis
        middle = (low + high + 1) // 2
        if line_width(text[:middle].rstrip() + ELLIPSIS, font, size) <= width:
            low = middle
        else:
            high = middle - 1
    return text[:low].rstrip() + ELLIPSIS if low else ""


def draw_string(
    canvas: Canvas,
    x: float,
    y: float,
    text: str,
    font: str,
    size: float,
    *,
    align: str = "left",
    width: float | None = None,
) -> None:
    """One line of user text on a canvas (a letterhead, an address, a footer): cut to `width`
    if given, right-to-left runs in reading order, each character in a font that has it.

    `align` says where `x` is: the left end, the "right" end or the "centre" of the line."""
    text = " ".join(text.split("\n"))
    if width is not None:
        # no character is narrower than a tenth of the size: what is beyond cannot fit anyway
        text = fit(text[: int(width / (size * 0.1)) + 2], font, size, width)
    if text.isascii():
        canvas.setFont(font, size)
        {"right": canvas.drawRightString, "centre": canvas.drawCentredString}.get(
            align, canvas.drawString
        )(x, y, text)
        return
    if needs_bidi(text):
        bold = font == fonts.FONT_BOLD
        lines = layout_lines([(text, bold)], size, float("inf"))
    else:
        pieces = _font_pieces(text, font, size)
        lines = [_Line(pieces, sum(p.width for p in pieces), False)]
    for line in lines:
        start = x - line.width if align == "right" else x
        if align == "centre":
            start = x - line.width / 2
        draw_pieces(canvas, start, y, line.pieces, size)
