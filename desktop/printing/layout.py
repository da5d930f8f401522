"""The page frame every document shares: paper, margins, the town's letterhead and the footer.

`build()` turns a story of flowables into PDF bytes. A `PageMark` flowable tells the footer what
is on the page now (the work order being printed), so a work order that runs onto a second page
still says whose page it is. A mark for one work order (`order=`) also counts that order's
pages: its footer says "page i of n of this order", n being written when the order ends
(`PageMark.end()`, a PDF form drawn on every page of the order and filled in at its last).
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    Image,
    PageTemplate,
    Table,
    TableStyle,
)

from desktop.i18n import _
from desktop.printing.data import PageSetup
from desktop.printing.script import draw_string, fit, line_width
from desktop.printing.styles import (
    FONT,
    FONT_BOLD,
    GREY,
    MARGIN,
    clip,
    logo_reader,
    page_size,
    para,
    plain,
    register_fonts,
    style,
)

FOOTER_HEIGHT = 14.0
_serials = itertools.count(1)


@dataclass(frozen=True)
class Mark:
    """What a page shows, as the last `PageMark` drawn left it on the canvas."""

    label: str = ""
    reprint: bool = False
    order: str = ""  # the work order's tracking number, for its pages
    serial: int = 0  # which order of the document (names its page-count forms)
    first_page: int = 0  # the page the order (or the document) starts on
    #: the footer's page words for these pages ("página {page}": a Spanish letter in a batch)
    page_label: str = ""


class PageMark(Flowable):
    """Invisible: records on the canvas what the footer of this page should name.

    With `order` (a tracking number) it starts a work order: every page until the next mark is
    one of its pages, and `end()` must close the order's story."""

    def __init__(
        self, label: str, *, reprint: bool = False, order: str = "", page_label: str = ""
    ) -> None:
        super().__init__()
        self.label = label
        self.page_label = page_label
        self.reprint = reprint
        self.order = order
        self.serial = next(_serials) if order else 0
        self.width = self.height = 0

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        page = self.canv.getPageNumber()
        self.canv._frontcounter_mark = Mark(
            self.label, self.reprint, self.order, self.serial, page, self.page_label
        )

    def end(self) -> Flowable:
        """The flowable that ends this order's story (it writes "of n" on each of its pages)."""
        return _OrderEnd(self)


def _pages_form(serial: int, page: int) -> str:
    return f"fc-order-{serial}-page-{page}"


class _OrderEnd(Flowable):
    """Invisible, at the end of a work order: now its number of pages is known."""

    def __init__(self, mark: PageMark) -> None:
        super().__init__()
        self.mark = mark
        self.width = self.height = 0

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        canvas: Any = self.canv
        shown: Mark = getattr(canvas, "_frontcounter_mark", Mark())
        pages = canvas.getPageNumber() - shown.first_page + 1 if shown.serial else 1
        template = _("page {page} of {pages} of this order")
        for page in range(1, pages + 1):
            canvas.beginForm(_pages_form(self.mark.serial, page), lowerx=-400, lowery=-20)
            canvas.setFont(FONT, 8)
            canvas.setFillColor(GREY)
            canvas.drawRightString(0, 0, template.format(page=page, pages=pages))
            canvas.endForm()


def page_mark(canvas: Canvas) -> Mark:
    """What the last `PageMark` drawn says (on a page's start: the page before's)."""
    found = getattr(canvas, "_frontcounter_mark", None)
    return found if isinstance(found, Mark) else Mark()


def order_page(canvas: Canvas) -> int:
    """Which page of its work order this page is (1 on the order's first page)."""
    mark = page_mark(canvas)
    return canvas.getPageNumber() - mark.first_page + 1 if mark.serial else 1


def document_page(canvas: Canvas) -> int:
    """Which page of its document this page is: counted from the last `PageMark`, so each
    letter of a batch printed in one PDF starts at page 1 (a document has one mark)."""
    mark = page_mark(canvas)
    page = int(canvas.getPageNumber())
    return page - mark.first_page + 1 if mark.first_page else page


def _footer(setup: PageSetup, page_label: str | None) -> Callable[[Canvas, Any], None]:
    def draw(canvas: Canvas, doc: Any) -> None:
        width, _height = canvas._pagesize
        if page_label is None:
            return
        mark = page_mark(canvas)
        y = MARGIN - FOOTER_HEIGHT + 4
        canvas.saveState()
        canvas.setFillColor(GREY)
        # the town's name gives way to what the page is (a work order's number)
        room = width / 2 - MARGIN - 30
        town = fit(
            clip(setup.town.name, 120), FONT, 8, max(room - line_width(mark.label, FONT, 8), 40)
        )
        left = "  ·  ".join(part for part in (town, mark.label) if part)
        draw_string(canvas, MARGIN, y, left, FONT, 8)
        if mark.serial:
            canvas.saveState()
            canvas.translate(width - MARGIN, y)
            canvas.doForm(_pages_form(mark.serial, order_page(canvas)))
            canvas.restoreState()
        else:
            canvas.setFont(FONT, 8)
            words = mark.page_label or page_label
            canvas.drawRightString(width - MARGIN, y, words.format(page=document_page(canvas)))
        if mark.reprint:
            canvas.setFont(FONT_BOLD, 8)
            canvas.drawCentredString(width / 2, y, _("REPRINT"))
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


def letterhead(
    setup: PageSetup, *, size: float = 13, contact_size: float = 8.5, logo_size: float = 0.6 * 72
) -> Flowable:
    """The town's logo, name and contact line, for the top of a document (sizes in points)."""
    town = setup.town
    # clipped: a letterhead never runs onto a second page, whatever was typed in the settings
    contact = "  ·  ".join(
        clip(plain(part).replace("\n", ", "), 200)
        for part in (town.address, town.phone, town.email, town.website)
        if part
    )
    lines: list[Flowable] = [para(clip(town.name, 160), style("town", size, bold=True))]
    if contact:
        lines.append(para(contact, style(f"town-contact-{contact_size}", contact_size, color=GREY)))
    logo = logo_reader(town.logo)
    if logo is None:
        return Table([[lines]], colWidths=["100%"], style=_tight())
    image_w, image_h = logo.getSize()
    box = logo_size
    scale = min(box / image_w, box / image_h)
    assert town.logo is not None
    image = Image(io.BytesIO(town.logo), width=image_w * scale, height=image_h * scale)
    table = Table([[image, lines]], colWidths=[box + 8, None], style=_tight())
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    return table


def _tight() -> Any:
    return TableStyle(
        [
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ("TOPPADDING", (0, 0), (-1, -1), 0),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]
    )
