"""The page frame every document shares: paper, margins, the town's letterhead and the footer.

`build()` turns a story of flowables into PDF bytes. A `PageMark` flowable tells the footer what
is on the page now (the work order being printed), so a work order that runs onto a second page
still says whose page it is.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate

from desktop.printing.data import PageSetup
from desktop.printing.styles import FONT, FONT_BOLD, GREY, MARGIN, clip, page_size, register_fonts

FOOTER_HEIGHT = 14.0


class PageMark(Flowable):
    """Invisible: records on the canvas what the footer of this page should name."""

    def __init__(self, label: str, *, reprint: bool = False) -> None:
        super().__init__()
        self.label = label
        self.reprint = reprint
        self.width = self.height = 0

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        self.canv._frontcounter_mark = (self.label, self.reprint)


FooterText = Callable[[Canvas, int], str]


def _footer(setup: PageSetup, page_label: str | None) -> Callable[[Canvas, Any], None]:
    def draw(canvas: Canvas, doc: Any) -> None:
        width, _height = canvas._pagesize
        if page_label is None:
            return
        label, reprint = getattr(canvas, "_frontcounter_mark", ("", False))
        canvas.saveState()
        canvas.setFont(FONT, 8)
        canvas.setFillColor(GREY)
        left = "  ·  ".join(part for part in (clip(setup.town.name, 80), label) if part)
        canvas.drawString(MARGIN, MARGIN - FOOTER_HEIGHT + 4, left)
        canvas.drawRightString(
            width - MARGIN,
            MARGIN - FOOTER_HEIGHT + 4,
            page_label.format(page=canvas.getPageNumber()),
        )
        if reprint:
            canvas.setFont(FONT_BOLD, 8)
            canvas.drawCentredString(width / 2, MARGIN - FOOTER_HEIGHT + 4, "REPRINT")
        canvas.restoreState()

    return draw


def make_doc(
    out: io.BytesIO,
    setup: PageSetup,
    *,
    title: str,
    page_label: str | None,
    top: float = MARGIN,
    frame_height: float | None = None,
    on_page: Callable[[Canvas, Any], None] | None = None,
) -> BaseDocTemplate:
    """A document on the town's paper with one frame and the footer on every page.

    `page_label` is the footer's right-hand text ("page {page}"); None: no footer at all.
    """
    register_fonts()
    width, height = page_size(setup.paper)
    usable = height - top - MARGIN - FOOTER_HEIGHT
    frame_h = min(frame_height, usable) if frame_height else usable
    frame = Frame(
        MARGIN,
        height - top - frame_h,
        width - 2 * MARGIN,
        frame_h,
        id="body",
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
    )
    doc = BaseDocTemplate(
        out,
        pagesize=(width, height),
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=top,
        bottomMargin=MARGIN,
        title=title,
        author=clip(setup.town.name, 200),
        creator="Front Counter",
        invariant=1,  # the same data gives the same bytes (no time stamp, no random id)
    )
    template = PageTemplate(
        id="page",
        frames=[frame],
        onPage=on_page or (lambda canvas, doc: None),
        onPageEnd=_footer(setup, page_label),
    )
    doc.addPageTemplates([template])
    return doc


def build(doc: BaseDocTemplate, story: list[Flowable], *, passes: int = 1) -> bytes:
    if passes > 1:
        doc.multiBuild(story, maxPasses=passes)
    else:
        doc.build(story)
    out = doc.filename
    assert isinstance(out, io.BytesIO)
    return out.getvalue()


def letterhead(setup: PageSetup, *, size: float = 13) -> Flowable:
    """The town's logo, name and contact line, for the top of a document."""
    from reportlab.lib.units import inch
    from reportlab.platypus import Image, Paragraph, Table, TableStyle

    from desktop.printing.styles import logo_reader, style, text

    town = setup.town
    contact = "  ·  ".join(
        text(part) for part in (town.address, town.phone, town.email, town.website) if part
    )
    lines: list[Flowable] = [Paragraph(text(town.name), style("town", size, bold=True))]
    if contact:
        lines.append(Paragraph(contact, style("town-contact", 8.5, color=GREY)))
    logo = logo_reader(town.logo)
    if logo is None:
        return Table([[lines]], colWidths=["100%"], style=_tight())
    image_w, image_h = logo.getSize()
    box = 0.6 * inch
    scale = min(box / image_w, box / image_h)
    assert town.logo is not None
    image = Image(io.BytesIO(town.logo), width=image_w * scale, height=image_h * scale)
    table = Table([[image, lines]], colWidths=[box + 8, None], style=_tight())
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    return table


def _tight() -> Any:
    from reportlab.platypus import TableStyle

    return TableStyle(
        [
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ("TOPPADDING", (0, 0), (-1, -1), 0),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]
    )
