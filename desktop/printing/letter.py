"""A letter to a resident, with the address where a window envelope shows it.

US Letter folds in three into a #10 window envelope; A4 follows DIN 5008 (form B) for a DL
window envelope. The letterhead and the address are drawn on the first page; the body flows
below them and onto further pages.
"""

from __future__ import annotations

import io
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.units import inch, mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    Frame,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
)

from desktop.i18n import _, speaking
from desktop.printing.data import LetterData, PageSetup
from desktop.printing.layout import FOOTER_HEIGHT, PageMark, build, make_doc
from desktop.printing.script import draw_string
from desktop.printing.styles import (
    FONT,
    FONT_BOLD,
    GREY,
    MARGIN,
    clip,
    logo_reader,
    page_size,
    para,
    paragraphs,
    plain,
    style,
)
from desktop.printing.work_order import day

#: (left, top, width, height) of the envelope window, measured from the page's top-left corner
WINDOWS = {
    "letter": (0.875 * inch, 2.0 * inch, 3.75 * inch, 1.125 * inch),
    "a4": (20 * mm, 45 * mm, 85 * mm, 45 * mm),
}
BODY_TOP = {"letter": 3.5 * inch, "a4": 98.5 * mm}
ADDRESS_SIZE = 10.5


def _first_page(letter: LetterData, setup: PageSetup) -> Any:
    paper = "a4" if setup.paper.lower() == "a4" else "letter"

    def draw(canvas: Canvas, doc: Any) -> None:
        width, height = canvas._pagesize
        town = setup.town
        canvas.saveState()
        x = MARGIN
        logo = logo_reader(town.logo)
        if logo is not None:
            image_w, image_h = logo.getSize()
            scale = min(0.7 * inch / image_w, 0.7 * inch / image_h)
            canvas.drawImage(
                logo,
                x,
                height - MARGIN - image_h * scale,
                image_w * scale,
                image_h * scale,
                mask="auto",
            )
            x += 0.7 * inch + 10
        room = width - x - MARGIN
        draw_string(canvas, x, height - MARGIN - 14, plain(town.name), FONT_BOLD, 15, width=room)
        canvas.setFillColor(GREY)
        y = height - MARGIN - 28
        for part in (
            town.address,
            "  ·  ".join(p for p in (town.phone, town.email, town.website) if p),
        ):
            for line in plain(part).splitlines()[:3]:
                draw_string(canvas, x, y, line, FONT, 9, width=room)
                y -= 11
        left, top, window_w, _window_h = WINDOWS[paper]
        # the return address, small, on the first line inside the window
        back = ", ".join(plain(p).replace("\n", ", ") for p in (town.name, town.address) if p)
        draw_string(canvas, left, height - top - 9, back, FONT, 6.5, width=window_w)
        canvas.setFillColorRGB(0, 0, 0)
        y = height - top - 9 - 16
        for line in letter.recipient_lines[:6]:
            draw_string(canvas, left, y, plain(line), FONT, ADDRESS_SIZE, width=window_w)
            y -= ADDRESS_SIZE * 1.25
        canvas.restoreState()

    return draw


def build_letter(letter: LetterData, setup: PageSetup) -> bytes:
    with speaking(letter.language):  # the page's own words too, in the resident's language
        return build_letters([letter], setup)


def build_letters(letters: list[LetterData], setup: PageSetup) -> bytes:
    """Letters in one PDF, each starting on a page of its own with its resident's address in
    the envelope's window (the outbox's letter batch prints them in one go)."""
    if not letters:
        raise ValueError("no letters to print")
    out = io.BytesIO()
    paper = "a4" if setup.paper.lower() == "a4" else "letter"
    width, height = page_size(setup.paper)
    first = letters[0]
    title = clip(first.subject, 120) if len(letters) == 1 else _("Letters")
    doc = make_doc(out, setup, title=title, page_label=_("page {page}"))
    footer = doc.pageTemplates[0].onPageEnd
    inset = 0.375 * inch  # a letter reads better with wider margins than a work order

    def frame(name: str, top: float) -> Frame:
        bottom = MARGIN + FOOTER_HEIGHT
        return Frame(
            MARGIN + inset,
            bottom,
            width - 2 * (MARGIN + inset),
            height - top - bottom,
            id=name,
            leftPadding=0,
            rightPadding=0,
            topPadding=0,
            bottomPadding=0,
        )

    doc.pageTemplates = []
    doc.addPageTemplates(
        [
            PageTemplate(
                id=f"first-{n}",
                frames=[frame(f"first-{n}", BODY_TOP[paper])],
                onPage=_first_page(letter, setup),
                onPageEnd=footer,
            )
            for n, letter in enumerate(letters)
        ]
        + [PageTemplate(id="later", frames=[frame("later", MARGIN)], onPageEnd=footer)]
    )
    body = style("lt-body", 11, leading=15)
    story: list[Flowable] = []
    for n, letter in enumerate(letters):
        if n:
            story += [NextPageTemplate(f"first-{n}"), PageBreak()]
        with speaking(letter.language):
            story += _opening(letter)
        story += paragraphs(letter.body, body)  # a blank line's worth between paragraphs
        if letter.signature:
            story += [Spacer(1, 10), para(clip(letter.signature, 400), body)]
    return build(doc, story)


def _opening(letter: LetterData) -> list[Flowable]:
    """The letter's date and subject, in the language it is written in."""
    return [
        NextPageTemplate("later"),
        PageMark(
            _("Letter about {number}").format(number=plain(letter.tracking_number)),
            page_label=_("page {page}"),
        ),
        Paragraph(escape(day(letter.date)), style("lt-date", 11, align="right", space_after=14)),
        para(clip(letter.subject, 400), style("lt-subject", 12, bold=True, space_after=12)),
    ]
