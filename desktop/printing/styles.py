"""Fonts, paper, paragraph styles and the one way user text reaches a reportlab Paragraph.

A Paragraph reads a small markup language: a typed `<img src="http://...">` would make reportlab
fetch that URL, and a stray `<` or `&` would break the page. So every piece of user text goes
through `text()` (escaped, control characters removed, line breaks kept, characters DejaVu Sans
lacks put in a fallback font) and nothing else (docs/RELIABILITY.md rule 12). Text with
right-to-left characters does not go to a Paragraph at all: `para()` and `labelled()` hand it to
`script.BidiParagraph`, which draws plain text and reads no markup.
"""

from __future__ import annotations

import io
import re
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.lib.utils import ImageReader
from reportlab.platypus import Flowable, Paragraph, Spacer

from desktop.printing.fonts import FONT as FONT  # re-exported: the documents import them here
from desktop.printing.fonts import FONT_BOLD as FONT_BOLD
from desktop.printing.fonts import font_runs
from desktop.printing.fonts import register_fonts as register_fonts
from desktop.printing.script import BidiParagraph, needs_bidi

MARGIN = 0.5 * inch
INK = colors.black
GREY = colors.HexColor("#555555")
LIGHT = colors.HexColor("#e6e6e6")

# C0 and C1 control characters (line breaks are kept), lone surrogates, and the non-characters
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def page_size(paper: str) -> tuple[float, float]:
    width, height = A4 if paper.lower() == "a4" else LETTER
    return float(width), float(height)


def plain(value: object) -> str:
    """User text as it may be drawn: unprintable characters dropped, line breaks as \\n."""
    text = "" if value is None else str(value)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    return _UNPRINTABLE.sub("", text)


def text(value: object) -> str:
    """User text made safe for a Paragraph: escaped, with its line breaks kept, and every run of
    characters DejaVu Sans lacks in a font that has them (the font names are ours)."""
    flat = plain(value)
    if flat.isascii():
        return escape(flat).replace("\n", "<br/>")
    marked = []
    for font, run in font_runs(flat):
        escaped = escape(run).replace("\n", "<br/>")
        marked.append(f'<font name="{font}">{escaped}</font>' if font else escaped)
    return "".join(marked)


def clip(value: object, limit: int) -> str:
    """At most `limit` characters (for table cells that must fit on one page)."""
    flat = plain(value)
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def style(
    name: str,
    size: float = 10,
    *,
    bold: bool = False,
    leading: float | None = None,
    color: colors.Color = INK,
    align: str = "left",
    space_after: float = 0,
    space_before: float = 0,
) -> ParagraphStyle:
    register_fonts()
    return ParagraphStyle(
        name,
        fontName=FONT_BOLD if bold else FONT,
        fontSize=size,
        leading=leading or size * 1.22,
        textColor=color,
        alignment={"center": TA_CENTER, "right": TA_RIGHT}.get(align, 0),
        spaceAfter=space_after,
        spaceBefore=space_before,
        splitLongWords=True,
        wordWrap=None,
    )


def para(value: object, paragraph_style: ParagraphStyle) -> Flowable:
    """A paragraph of user text: escaped here, so callers cannot forget (or, with right-to-left
    text, laid out in reading order by `script.BidiParagraph`)."""
    flat = plain(value)
    if needs_bidi(flat):
        bold = paragraph_style.fontName == FONT_BOLD
        return BidiParagraph([(flat, bold)], paragraph_style)
    return Paragraph(text(flat), paragraph_style)


#: a paragraph longer than this is set as several (reportlab lays a paragraph out again on every
#: page it continues on, so a 100 KB description took as long as thirty work orders)
CHUNK = 2500
_SENTENCE_END = re.compile(r"[.!?…。！？]\s")


def paragraphs(value: object, paragraph_style: ParagraphStyle) -> list[Flowable]:
    """Long user text as paragraphs: one per blank-line-separated paragraph, and a very long one
    cut at a sentence's end (or failing that a space) every few thousand characters, so that it
    still reads as one text."""
    flowables: list[Flowable] = []
    for part in plain(value).split("\n\n"):
        part = part.strip("\n")
        if flowables and part.strip():  # a blank line's worth between two paragraphs
            flowables.append(Spacer(1, paragraph_style.leading / 2))
        while len(part) > CHUNK:
            cut = _chunk_end(part)
            flowables.append(para(part[:cut].rstrip(), paragraph_style))
            part = part[cut:].lstrip(" ")
        if part.strip():
            flowables.append(para(part, paragraph_style))
    return flowables


def labelled_paragraphs(
    label: str, value: object, paragraph_style: ParagraphStyle
) -> list[Flowable]:
    """`Label: value` for a value that may be very long (set as `paragraphs` are), the label in
    front of its first paragraph."""
    first, blank, rest = plain(value).partition("\n\n")
    cut = _chunk_end(first)
    result = [labelled(label, first[:cut].rstrip(), paragraph_style)]
    result += paragraphs(first[cut:].lstrip(" "), paragraph_style)  # the same paragraph, on
    if blank and rest.strip():
        result += [Spacer(1, paragraph_style.leading / 2), *paragraphs(rest, paragraph_style)]
    return result


def _chunk_end(part: str) -> int:
    """Where the first chunk of a long paragraph ends (see `paragraphs`)."""
    if len(part) <= CHUNK:
        return len(part)
    window = part[CHUNK // 2 : CHUNK]
    ends = list(_SENTENCE_END.finditer(window))
    if ends:
        return CHUNK // 2 + ends[-1].end()
    space = window.rfind(" ")
    return CHUNK // 2 + space + 1 if space >= 0 else CHUNK


def labelled(label: str, value: object, paragraph_style: ParagraphStyle) -> Flowable:
    """`Label: value` with the label in bold; the label is ours, the value is escaped."""
    return spans([(label, True), (" ", False), (plain(value), False)], paragraph_style)


def spans(parts: list[tuple[str, bool]], paragraph_style: ParagraphStyle) -> Flowable:
    """One paragraph of several pieces of text, each (text, bold): escaped, or laid out in
    reading order when any piece has right-to-left text."""
    flat = [(plain(piece), bold) for piece, bold in parts]
    if any(needs_bidi(piece) for piece, _bold in flat):
        return BidiParagraph(flat, paragraph_style)
    return Paragraph(
        "".join(f"<b>{text(piece)}</b>" if bold else text(piece) for piece, bold in flat),
        paragraph_style,
    )


def logo_reader(logo: bytes | None) -> ImageReader | None:
    """The town's logo, or None when there is none or it is not a readable image."""
    if not logo:
        return None
    try:
        reader = ImageReader(io.BytesIO(logo))
        reader.getSize()
    except Exception:  # a damaged logo must not stop a work order from printing
        return None
    return reader
