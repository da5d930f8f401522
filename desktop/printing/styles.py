"""Fonts, paper, paragraph styles and the one way user text reaches a reportlab Paragraph.

A Paragraph reads a small markup language: a typed `<img src="http://...">` would make reportlab
fetch that URL, and a stray `<` or `&` would break the page. So every piece of user text goes
through `text()` (escaped, control characters removed, line breaks kept) and nothing else
(RELIABILITY.md rule 12).
"""

from __future__ import annotations

import io
import re
import threading
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph

from desktop.resources import resource_path

FONT = "FrontCounter"
FONT_BOLD = "FrontCounter-Bold"
MARGIN = 0.5 * inch
INK = colors.black
GREY = colors.HexColor("#555555")
LIGHT = colors.HexColor("#e6e6e6")

# C0 and C1 control characters (line breaks are kept), lone surrogates, and the non-characters
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_fonts_lock = threading.Lock()
_fonts_ready = False


def register_fonts() -> None:
    """Register the bundled DejaVu Sans once (threads may build documents at the same time)."""
    global _fonts_ready
    with _fonts_lock:
        if _fonts_ready:
            return
        pdfmetrics.registerFont(TTFont(FONT, str(resource_path("fonts", "DejaVuSans.ttf"))))
        pdfmetrics.registerFont(
            TTFont(FONT_BOLD, str(resource_path("fonts", "DejaVuSans-Bold.ttf")))
        )
        pdfmetrics.registerFontFamily(
            FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD
        )
        _fonts_ready = True


def page_size(paper: str) -> tuple[float, float]:
    width, height = A4 if paper.lower() == "a4" else LETTER
    return float(width), float(height)


def plain(value: object) -> str:
    """User text as it may be drawn: unprintable characters dropped, line breaks as \\n."""
    text = "" if value is None else str(value)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    return _UNPRINTABLE.sub("", text)


def text(value: object) -> str:
    """User text made safe for a Paragraph: escaped, with its line breaks kept."""
    return escape(plain(value)).replace("\n", "<br/>")


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


def para(value: object, paragraph_style: ParagraphStyle) -> Paragraph:
    """A Paragraph of user text: escaped here, so callers cannot forget."""
    return Paragraph(text(value), paragraph_style)


def labelled(label: str, value: object, paragraph_style: ParagraphStyle) -> Paragraph:
    """`Label: value` with the label in bold; the label is ours, the value is escaped."""
    return Paragraph(f"<b>{escape(label)}</b> {text(value)}", paragraph_style)


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
