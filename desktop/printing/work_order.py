"""The work order: one request on one page, for a crew in a truck.

Read at arm's length: the town's letterhead, the tracking number large with a Code 128 barcode
and a QR code of it (the clerk scans it when the order comes back), what and where in big type,
the safety notice boxed, then the resident's words, the answers, a short history, and a section
the crew fills by hand. An order that runs longer carries its number and barcode at the top of
every later page, and each page says "page i of n of this order".
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import itertools
import threading
from typing import Any
from xml.sax.saxutils import escape

import segno
from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from desktop import i18n
from desktop.i18n import _, ngettext
from desktop.printing.data import PageSetup, WorkOrderData
from desktop.printing.layout import PageMark, build, letterhead, make_doc, order_page, page_mark
from desktop.printing.maps import MapFlowable
from desktop.printing.script import draw_string, fitting_size, line_width
from desktop.printing.styles import (
    FONT,
    FONT_BOLD,
    GREY,
    LIGHT,
    MARGIN,
    clip,
    labelled,
    labelled_paragraphs,
    para,
    paragraphs,
    plain,
    spans,
    style,
)

HISTORY_LINES = 6
QR_SIZE = 1.15 * inch
FIRST_PAGE, LATER_PAGES = "page", "later"
CONTINUED_STRIP = 0.75 * inch  # the top of a work order's later pages


def when(moment: dt.datetime | None) -> str:
    return i18n.when(moment, "%a %d %b %Y %H:%M") if moment else ""


def day(moment: dt.date | None) -> str:
    return i18n.when(moment, "%a %d %b %Y") if moment else ""


def _due(order: WorkOrderData) -> str:
    """The due date; the year only when it is not the year the request came in."""
    due = order.due_at
    if due is None:
        return ""
    same_year = due.year == order.requested_at.year
    return i18n.when(due, "%a %d %b %H:%M" if same_year else "%a %d %b %Y %H:%M")


@functools.lru_cache(maxsize=4096)
def qr_modules(value: str) -> tuple[tuple[bool, ...], ...]:
    """The dark (True) and light modules of the QR code of `value`, row by row, encoded once.

    segno picks the mask by the standard's penalty rules in a quarter of the time reportlab's
    encoder takes (which was most of the time of a work order)."""
    code = segno.make_qr(value, error="m", boost_error=False)
    return tuple(tuple(bool(module) for module in row) for row in code.matrix)


@functools.lru_cache(maxsize=4096)
def qr_boxes(value: str) -> tuple[int, tuple[tuple[int, int, int, int], ...]]:
    """The QR code of `value`: how many modules a side, and its `qr_rectangles`, worked out
    once."""
    modules = qr_modules(value)
    return len(modules), tuple(qr_rectangles(modules))


def qr_rectangles(modules: tuple[tuple[bool, ...], ...]) -> list[tuple[int, int, int, int]]:
    """The dark modules as few rectangles: (column, row, width, height) in modules.

    Runs of dark modules in a row are one rectangle, and a run that repeats exactly in the
    rows below grows downwards instead of starting a new one."""
    done: list[tuple[int, int, int, int]] = []
    open_runs: dict[tuple[int, int], int] = {}  # (column, width) -> first row
    for row_index, row in enumerate(modules):
        runs: set[tuple[int, int]] = set()
        column = 0
        for dark, group in itertools.groupby(row):
            width = len(list(group))
            if dark:
                runs.add((column, width))
            column += width
        for run in [r for r in open_runs if r not in runs]:
            first = open_runs.pop(run)
            done.append((run[0], first, run[1], row_index - first))
        for run in runs:
            open_runs.setdefault(run, row_index)
    for run, first in open_runs.items():
        done.append((run[0], first, run[1], len(modules) - first))
    return sorted(done, key=lambda r: (r[1], r[0]))


class QrCode(Flowable):
    """The QR code of a tracking number, drawn as one filled path."""

    def __init__(self, value: str, size: float = QR_SIZE, quiet: int = 4) -> None:
        super().__init__()
        self.value = value
        self.size = size
        self.quiet = quiet  # light modules around it, as the QR standard asks
        self.width = self.height = size

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.size, self.size

    def draw(self) -> None:
        side, boxes = qr_boxes(self.value)
        module = self.size / (side + 2 * self.quiet)
        path = self.canv.beginPath()
        for column, row, width, height in boxes:
            path.rect(
                (column + self.quiet) * module,
                self.size - (row + self.quiet + height) * module,
                width * module,
                height * module,
            )
        self.canv.drawPath(path, stroke=0, fill=1)


def qr_code(value: str, size: float = QR_SIZE) -> Flowable:
    return QrCode(value, size)


class Barcode(Code128):
    """Code 128, encoded once (reportlab's encodes again on every look at its size) and drawn as
    one filled path rather than a rectangle per bar."""

    def _calculate(self) -> None:
        if not getattr(self, "_calculated", False):
            super()._calculate()
            self._calculated = True

    def draw(self) -> None:
        self._path = self.canv.beginPath()
        super().draw()
        self.canv.drawPath(self._path, stroke=0, fill=1)

    def rect(self, x: float, y: float, w: float, h: float) -> None:
        self._path.rect(x, y, w, h)


def barcode(value: str, *, height: float = 0.5 * inch, bar_width: float = 1.3) -> Flowable:
    """Code 128 of `value` (the tracking number), wide enough for a cheap USB scanner."""
    return Barcode(value, barHeight=height, barWidth=bar_width, humanReadable=False, quiet=True)


class Caption(Flowable):
    """One line of our own small text (a field's name, a section's heading), drawn straight on
    the canvas: a Paragraph for each of these was a good part of a work order's time."""

    def __init__(
        self,
        caption: str,
        size: float = 7.5,
        *,
        bold: bool = False,
        color: colors.Color = GREY,
        space_before: float = 0,
        space_after: float = 1,
    ) -> None:
        super().__init__()
        self.caption = caption
        self.size = size
        self.font = FONT_BOLD if bold else FONT
        self.color = color
        self.spaceBefore = space_before
        self.spaceAfter = space_after
        self.width = 0.0
        self.height = size * 1.2

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.width = available_width
        return available_width, self.height

    def draw(self) -> None:
        canvas: Any = self.canv
        canvas.saveState()
        canvas.setFillColor(self.color)
        draw_string(canvas, 0, self.size * 0.25, self.caption, self.font, self.size,
                    width=self.width)  # fmt: skip
        canvas.restoreState()


def _grid(extra: list[tuple[object, ...]] | None = None) -> TableStyle:
    commands: list[tuple[object, ...]] = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
    ]
    return TableStyle(commands + (extra or []))


@functools.lru_cache(maxsize=8)
def _town_block(setup: PageSetup, thread: int) -> Flowable:
    """The letterhead at the top of a work order: the same for every order of a packet, so it
    is made once (a flowable may be wrapped and drawn again and again), once per thread since
    wrapping changes it."""
    return letterhead(setup, size=10, contact_size=7.5, logo_size=0.45 * inch)


class OrderHeader(Flowable):
    """The top of a work order's first page: the town's letterhead, WORK ORDER, the tracking
    number large with its Code 128 barcode, the priority (white on black when high or urgent),
    REPRINT when it is one, and the QR code at the right.

    Only the letterhead is laid out as paragraphs (the town's name and address may wrap); the
    rest is drawn straight on the canvas, a table of paragraphs per order being slower."""

    MIDDLE = 1.45 * inch
    NUMBER = 34.0

    def __init__(self, order: WorkOrderData, setup: PageSetup, width: float) -> None:
        super().__init__()
        self.order = order
        self.width = width
        self.town = _town_block(setup, threading.get_ident())
        self.code = barcode(order.tracking_number, height=0.45 * inch)
        self.qr = qr_code(order.tracking_number)
        self.left = width - QR_SIZE - self.MIDDLE - 8
        self.town_height = 0.0
        self.height = 0.0

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        _w, self.town_height = self.town.wrap(self.left, available_height)
        # the town, WORK ORDER, the number, the barcode
        stack = self.town_height + 5 + 13 + self.NUMBER * 1.12 + 4 + self.code.height
        self.height = max(stack, QR_SIZE + 4, 1.1 * inch) + 4
        return self.width, self.height

    def draw(self) -> None:
        canvas: Any = self.canv
        order = self.order
        top = self.height - 4
        self.town.drawOn(canvas, 0, top - self.town_height)
        y = top - self.town_height - 5 - 11
        canvas.saveState()
        draw_string(canvas, 0, y, _("WORK ORDER"), FONT_BOLD, 11, width=self.left)
        y -= 2 + self.NUMBER
        draw_string(canvas, 0, y, plain(order.tracking_number), FONT_BOLD, self.NUMBER,
                    width=self.left)  # fmt: skip
        y -= self.NUMBER * 0.12 + 4 + self.code.height
        self.code.drawOn(canvas, 0, y)
        # the priority, then REPRINT, in the middle column
        middle = self.left + 8 + self.MIDDLE / 2
        badge_w, badge_h = self.MIDDLE - 8, 22.0
        urgent = order.priority in ("high", "urgent")
        canvas.setLineWidth(1)
        canvas.rect(middle - badge_w / 2, top - badge_h, badge_w, badge_h, stroke=1, fill=urgent)
        canvas.setFillColor(colors.white if urgent else colors.black)
        badge = order.priority_label.upper()
        draw_string(canvas, middle, top - 16, badge, FONT_BOLD,
                    fitting_size(badge, FONT_BOLD, 14, badge_w - 6), align="centre",
                    width=badge_w - 6)  # fmt: skip
        canvas.setFillColor(colors.black)
        if order.reprint:
            y = top - badge_h - 10 - 24
            canvas.setLineWidth(2)
            canvas.rect(middle - badge_w / 2, y, badge_w, 24, stroke=1, fill=0)
            stamp = _("REPRINT")
            draw_string(canvas, middle, y + 7, stamp, FONT_BOLD,
                        fitting_size(stamp, FONT_BOLD, 16, badge_w - 6), align="centre",
                        width=badge_w - 6)  # fmt: skip
            times = ngettext(
                "printed once before", "printed {n} times before", order.times_printed
            ).format(n=order.times_printed)
            canvas.setFillColor(GREY)
            draw_string(canvas, middle, y - 11, times, FONT, 8, align="centre", width=badge_w)
        canvas.restoreState()
        self.qr.drawOn(canvas, self.width - QR_SIZE, top - QR_SIZE)


def _facts(order: WorkOrderData, width: float) -> Flowable:
    value = style("wo-value", 12, bold=True, leading=14)
    value_small = style("wo-value-small", 10, leading=12)

    def cell(name: str, content: str, value_style: ParagraphStyle = value) -> list[Flowable]:
        return [Caption(name.upper()), para(clip(content, 300), value_style)]

    resident = ", ".join(p for p in (order.contact_name, order.contact_phone) if p)
    rows = [
        [
            cell(_("Type"), order.service_type),
            cell(_("Due"), _due(order) or _("no target")),
            cell(_("Department / crew"), order.department),
        ],
        [
            cell(_("Requested"), when(order.requested_at), value_small),
            cell(_("Assigned to"), order.assignee or _("(not assigned)"), value_small),
            cell(_("Resident"), resident or _("(none on file)"), value_small),
        ],
    ]
    return Table(
        rows,
        colWidths=[width * 0.4, width * 0.3, width * 0.3],
        style=_grid(
            [
                ("BOX", (0, 0), (-1, -1), 1, colors.black),
                ("INNERGRID", (0, 0), (-1, -1), 0.5, GREY),
            ]
        ),
    )


def _location(order: WorkOrderData, width: float) -> Flowable:
    body = style("wo-loc", 11, leading=13.5)
    parts: list[Flowable] = [
        Caption(_("LOCATION")),
        para(
            clip(order.address, 600) or _("(no address given)"),
            style("wo-addr", 17, bold=True, leading=20),
        ),
    ]
    if order.cross_street.strip():
        parts.append(labelled(_("Cross street:"), clip(order.cross_street, 600), body))
    if order.location_notes.strip():
        parts.append(labelled(_("Location notes:"), clip(order.location_notes, 1500), body))
    if order.lat is not None and order.long is not None:
        parts.append(labelled(_("Coordinates:"), f"{order.lat:.6f}, {order.long:.6f}", body))
    if order.map is None:
        return Table(
            [[parts]],
            colWidths=[width],
            style=_grid([("BOX", (0, 0), (-1, -1), 1, colors.black)]),
        )
    side = min(2.4 * inch, width * 0.36)
    return Table(
        [[parts, MapFlowable(order.map, side, side * 0.8)]],
        colWidths=[width - side - 8, side + 8],
        style=_grid(
            [("BOX", (0, 0), (-1, -1), 1, colors.black), ("VALIGN", (0, 0), (-1, -1), "TOP")]
        ),
    )


def _safety(order: WorkOrderData, width: float) -> Flowable:
    heading = Paragraph("⚠ " + escape(_("SAFETY")), style("wo-safety-h", 12, bold=True))
    return Table(
        [[[heading, para(clip(order.safety_notice, 2000), style("wo-safety", 11, bold=True))]]],
        colWidths=[width],
        style=_grid(
            [("BOX", (0, 0), (-1, -1), 3, colors.black), ("BACKGROUND", (0, 0), (-1, -1), LIGHT)]
        ),
    )


def _section(title: str) -> Flowable:
    return Caption(title.upper(), 9, bold=True, space_before=8, space_after=2)


class CrewSection(Flowable):
    """The section the crew fills in by hand: outcome boxes, date, time, hours, crew, materials,
    note lines and a signature. The same on every order, so it is drawn straight on the canvas
    (a table of paragraphs per order was a fifth of a packet's time) and never splits."""

    HEADING = 18.0
    BOX = 0.26 * inch
    FIELD = 0.36 * inch
    NOTE = 0.3 * inch
    SIGNATURE = 0.4 * inch

    def __init__(self, width: float) -> None:
        super().__init__()
        self.width = width
        self.height = (
            self.HEADING + 5 + self.BOX + 8 + 2 * self.FIELD + 3 * self.NOTE + self.SIGNATURE
        )

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        canvas: Any = self.canv
        width = self.width
        y = self.height
        canvas.saveState()
        # the heading: white on black
        canvas.rect(0, y - self.HEADING, width, self.HEADING, stroke=0, fill=1)
        canvas.setFillColor(colors.white)
        heading = _("FOR THE CREW — tick one outcome, fill in by hand, bring this sheet back")
        draw_string(canvas, 4, y - 13, heading, FONT_BOLD, 10, width=width - 8)
        canvas.setFillColor(colors.black)
        y -= self.HEADING + 5
        # the outcome boxes, each with room in proportion to its label
        outcomes = [_("Fixed"), _("Needs follow-up"), _("Could not locate"), _("Not ours")]
        # each box gets room in proportion to its label's width, and one size serves the four:
        # the largest at which none is cut ("Necesita seguimiento" is longer than "Needs follow-up")
        pad = 14.0
        room_for_words = width - 4 * (self.BOX + pad)
        widths = [line_width(outcome, FONT_BOLD, 11.5) for outcome in outcomes]
        size = min(11.5, max(7.0, 11.5 * room_for_words / max(sum(widths), 1.0)))
        rooms = [w * size / 11.5 + pad for w in widths]
        spare = (width - 4 * self.BOX - sum(rooms)) / 4
        x = 0.0
        canvas.setLineWidth(1.5)
        for outcome, room in zip(outcomes, rooms, strict=True):
            canvas.rect(x + 1, y - self.BOX, self.BOX - 2, self.BOX - 2, stroke=1, fill=0)
            draw_string(canvas, x + self.BOX + 6, y - self.BOX + 5, outcome, FONT_BOLD, size,
                        width=room + spare - 8)  # fmt: skip
            x += self.BOX + room + spare
        y -= self.BOX + 8
        # date, time, hours; crew, materials: a grid of boxes with their names
        canvas.setLineWidth(0.5)
        thirds = [0.0, width * 0.34, width * 0.67, width]
        rows = [
            [(_("Date done"), 0, 1), (_("Time"), 1, 2), (_("Hours on site"), 2, 3)],
            [(_("Crew"), 0, 1), (_("Materials used"), 1, 3)],
        ]
        for row in rows:
            for name, first, last in row:
                left, right = thirds[first], thirds[last]
                canvas.rect(left, y - self.FIELD, right - left, self.FIELD, stroke=1, fill=0)
                draw_string(canvas, left + 4, y - 12, name, FONT, 10, width=right - left - 8)
            y -= self.FIELD
        # note lines, then the signature and the printed name
        draw_string(canvas, 4, y - 12, _("Notes"), FONT, 10)
        for _line in range(3):
            y -= self.NOTE
            canvas.line(0, y, width, y)
        draw_string(canvas, 4, y - 12, _("Signature"), FONT, 10)
        draw_string(canvas, width * 0.55 + 4, y - 12, _("Name (print)"), FONT, 10)
        y -= self.SIGNATURE
        canvas.line(0, y, width, y)
        canvas.restoreState()


def _colon(label: str) -> str:
    label = label.strip()
    return label if label.endswith(("?", ":", ".")) else label + ":"


def work_order_story(order: WorkOrderData, setup: PageSetup, width: float) -> list[Flowable]:
    """The flowables of one work order. Put `order_break()` between two orders, and build them
    in a `work_order_doc` (its pages after an order's first carry the number and barcode)."""
    body = style("wo-body", 11, leading=14)
    small = style("wo-small", 8.5, leading=10.5)
    mark = PageMark(
        _("Work order {number}").format(number=plain(order.tracking_number)),
        reprint=order.reprint,
        order=plain(order.tracking_number),
    )
    story: list[Flowable] = [
        NextPageTemplate(LATER_PAGES),
        mark,
        OrderHeader(order, setup, width),
        Spacer(1, 6),
        _facts(order, width),
        Spacer(1, 6),
        _location(order, width),
    ]
    if order.safety_notice.strip():
        story += [Spacer(1, 6), _safety(order, width)]
    story += [
        _section(_("What the resident said")),
        *(paragraphs(order.description, body) or [para(_("(nothing written)"), body)]),
    ]
    if order.answers:
        story.append(_section(_("Answers to the questions")))
        for answer in order.answers:
            story += labelled_paragraphs(_colon(clip(answer.label, 300)), answer.value, body)
    if order.history:
        story.append(_section(_("History")))
        story += [
            spans(
                [
                    (i18n.when(item.at, "%d %b %Y %H:%M") + "  ", False),
                    (clip(item.what, 110), False),
                    (" — " + clip(item.who, 80) if item.who else "", False),
                ],
                small,
            )
            for item in order.history[:HISTORY_LINES]
        ]
    story += [Spacer(1, 8), CrewSection(width), mark.end()]  # one flowable: never split
    return story


def order_break() -> list[Flowable]:
    """Between two work orders: the next one starts a page of its own, a first page."""
    return [NextPageTemplate(FIRST_PAGE), PageBreak()]


def _continued(canvas: Canvas, doc: Any) -> None:
    """The top of a work order's second and later pages: its number, large, and its barcode,
    so that any page of it can be scanned (the crew section may be on the last one)."""
    mark = page_mark(canvas)
    width, height = canvas._pagesize
    top = height - MARGIN
    canvas.saveState()
    room = width - 2 * MARGIN
    if mark.order:
        code = Barcode(mark.order, barHeight=0.4 * inch, barWidth=1.1, humanReadable=False)
        code.drawOn(canvas, width - MARGIN - code.width, top - 0.4 * inch)
        room -= code.width + 12
    draw_string(canvas, MARGIN, top - 15, mark.order, FONT_BOLD, 17, width=room)
    canvas.setFillColor(GREY)
    draw_string(
        canvas,
        MARGIN,
        top - 30,
        _("WORK ORDER, continued: page {page} of this order").format(page=order_page(canvas)),
        FONT,
        9,
        width=room,
    )
    canvas.setLineWidth(0.8)
    canvas.line(MARGIN, top - CONTINUED_STRIP + 6, width - MARGIN, top - CONTINUED_STRIP + 6)
    canvas.restoreState()


def work_order_doc(out: io.BytesIO, setup: PageSetup, *, title: str) -> BaseDocTemplate:
    """A document for work orders: a first page for each order, and later pages that start
    below a strip with the order's number and barcode."""
    doc = make_doc(out, setup, title=title, page_label=_("page {page}"))
    first = doc.pageTemplates[0]
    first.id = FIRST_PAGE
    body = first.frames[0]
    later = Frame(
        body._x1,
        body._y1,
        body._width,
        body._height - CONTINUED_STRIP,
        id="later",
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
    )
    doc.addPageTemplates(
        [PageTemplate(id=LATER_PAGES, frames=[later], onPage=_continued, onPageEnd=first.onPageEnd)]
    )
    return doc


def build_work_orders(orders: list[WorkOrderData], setup: PageSetup) -> bytes:
    """Work orders, each starting on its own page."""
    out = io.BytesIO()
    doc = work_order_doc(out, setup, title=_("Work orders"))
    story: list[Flowable] = []
    for index, order in enumerate(orders):
        if index:
            story += order_break()
        story += work_order_story(order, setup, doc.width)
    if not story:
        story.append(Paragraph(escape(_("No work orders.")), style("wo-none", 12)))
    return build(doc, story)
