"""The work order: one request on one page, for a crew in a truck.

Read at arm's length: the tracking number large with a Code 128 barcode and a QR code of it (the
clerk scans it when the order comes back), what and where in big type, the safety notice boxed,
then the resident's words, the answers, a short history, and a section the crew fills by hand.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import itertools
from typing import Any
from xml.sax.saxutils import escape

from reportlab.graphics.barcode import qrencoder
from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepTogether,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from desktop.i18n import _, ngettext
from desktop.printing.data import PageSetup, WorkOrderData
from desktop.printing.layout import PageMark, build, letterhead, make_doc, order_page, page_mark
from desktop.printing.script import draw_string
from desktop.printing.styles import (
    FONT,
    FONT_BOLD,
    GREY,
    LIGHT,
    MARGIN,
    clip,
    labelled,
    para,
    plain,
    spans,
    style,
)

HISTORY_LINES = 6
QR_SIZE = 1.15 * inch
FIRST_PAGE, LATER_PAGES = "page", "later"
CONTINUED_STRIP = 0.75 * inch  # the top of a work order's later pages


def when(moment: dt.datetime | None) -> str:
    return moment.strftime("%a %d %b %Y %H:%M") if moment else ""


def day(moment: dt.date | None) -> str:
    return moment.strftime("%a %d %b %Y") if moment else ""


def _due(order: WorkOrderData) -> str:
    """The due date; the year only when it is not the year the request came in."""
    due = order.due_at
    if due is None:
        return ""
    same_year = due.year == order.requested_at.year
    return due.strftime("%a %d %b %H:%M" if same_year else "%a %d %b %Y %H:%M")


@functools.lru_cache(maxsize=4096)
def qr_modules(value: str) -> tuple[tuple[bool, ...], ...]:
    """The dark (True) and light modules of the QR code of `value`, row by row, encoded once."""
    code = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
    code.addData(value)
    code.make()
    return tuple(tuple(bool(module) for module in row) for row in code.modules)


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
        modules = qr_modules(self.value)
        module = self.size / (len(modules) + 2 * self.quiet)
        path = self.canv.beginPath()
        for column, row, width, height in qr_rectangles(modules):
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


def _grid(extra: list[tuple[object, ...]] | None = None) -> TableStyle:
    commands: list[tuple[object, ...]] = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
    ]
    return TableStyle(commands + (extra or []))


def _header(order: WorkOrderData, setup: PageSetup, width: float) -> Flowable:
    kind = style("wo-kind", 11, bold=True, space_before=5)
    number = style("wo-number", 34, bold=True, leading=38)
    left: list[Flowable] = [
        letterhead(setup, size=10, contact_size=7.5, logo_size=0.45 * inch),
        Paragraph(escape(_("WORK ORDER")), kind),
        Spacer(1, 2),
        para(order.tracking_number, number),
        Spacer(1, 4),
        barcode(order.tracking_number, height=0.45 * inch),
    ]
    middle: list[Flowable] = []
    if order.reprint:
        middle.append(
            Table(
                [[Paragraph(escape(_("REPRINT")), style("wo-reprint", 16, bold=True))]],
                style=_grid([("BOX", (0, 0), (-1, -1), 2, colors.black)]),
            )
        )
        middle.append(
            Paragraph(
                escape(
                    ngettext(
                        "printed once before", "printed {n} times before", order.times_printed
                    ).format(n=order.times_printed)
                ),
                style("wo-reprint-n", 8, color=GREY, align="center"),
            )
        )
    priority = order.priority_label.upper()
    urgent = order.priority in ("high", "urgent")
    badge_style = style("wo-priority", 14, bold=True, align="center", color=colors.white)
    badge = Table(
        [[Paragraph(escape(priority), badge_style if urgent else style("wo-p", 14, bold=True))]],
        style=_grid(
            [("BACKGROUND", (0, 0), (-1, -1), colors.black)]
            if urgent
            else [("BOX", (0, 0), (-1, -1), 1, colors.black)]
        ),
    )
    middle = [badge, Spacer(1, 8), *middle]
    table = Table(
        [[left, middle, qr_code(order.tracking_number)]],
        colWidths=[width - QR_SIZE - 1.45 * inch, 1.45 * inch, QR_SIZE],
        style=_grid([("ALIGN", (1, 0), (1, 0), "CENTER"), ("ALIGN", (2, 0), (2, 0), "RIGHT")]),
    )
    return table


def _facts(order: WorkOrderData, width: float) -> Flowable:
    label = style("wo-label", 7.5, color=GREY)
    value = style("wo-value", 12, bold=True, leading=14)
    value_small = style("wo-value-small", 10, leading=12)

    def cell(name: str, content: str, value_style: ParagraphStyle = value) -> list[Flowable]:
        return [Paragraph(escape(name.upper()), label), para(clip(content, 300), value_style)]

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
    label = style("wo-label", 7.5, color=GREY)
    body = style("wo-loc", 11, leading=13.5)
    parts: list[Flowable] = [
        Paragraph(escape(_("LOCATION")), label),
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
    return Table(
        [[parts]],
        colWidths=[width],
        style=_grid([("BOX", (0, 0), (-1, -1), 1, colors.black)]),
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


def _section(title: str) -> Paragraph:
    return Paragraph(
        escape(title.upper()),
        style("wo-section", 9, bold=True, color=GREY, space_before=8, space_after=2),
    )


def _crew_section(width: float) -> Flowable:
    label = style("wo-crew-label", 10)
    big = style("wo-crew-big", 11.5, bold=True)
    line = 0.5

    def blank(name: str) -> list[Flowable]:
        return [Paragraph(escape(name), label)]

    fields = Table(
        [
            [blank(_("Date done")), blank(_("Time")), blank(_("Hours on site"))],
            [blank(_("Crew")), blank(_("Materials used")), ""],
        ],
        colWidths=[width * 0.34, width * 0.33, width * 0.33],
        rowHeights=[0.36 * inch] * 2,
        style=_grid(
            [
                ("SPAN", (1, 1), (-1, 1)),
                ("GRID", (0, 0), (-1, -1), line, colors.black),
            ]
        ),
    )
    box = 0.26 * inch
    outcomes = [_("Fixed"), _("Needs follow-up"), _("Could not locate"), _("Not ours")]
    cells: list[object] = []
    widths: list[float] = []
    letters = sum(len(outcome) + 6 for outcome in outcomes)
    for outcome in outcomes:
        cells += ["", Paragraph(escape(outcome), big)]
        widths += [box, (width - 4 * box) * (len(outcome) + 6) / letters]
    boxes = Table(
        [cells],
        colWidths=widths,
        rowHeights=[box],
        style=_grid(
            [("BOX", (i, 0), (i, 0), 1.5, colors.black) for i in range(0, 8, 2)]
            + [("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("LEFTPADDING", (1, 0), (-1, -1), 6)]
        ),
    )
    notes = Table(
        [[blank(_("Notes"))], [""], [""]],
        colWidths=[width],
        rowHeights=[0.3 * inch] * 3,
        style=_grid([("LINEBELOW", (0, 0), (-1, -1), line, colors.black)]),
    )
    signature = Table(
        [[blank(_("Signature")), blank(_("Name (print)"))]],
        colWidths=[width * 0.55, width * 0.45],
        rowHeights=[0.4 * inch],
        style=_grid([("LINEBELOW", (0, 0), (-1, -1), line, colors.black)]),
    )
    heading = Table(
        [
            [
                Paragraph(
                    escape(
                        _("FOR THE CREW — tick one outcome, fill in by hand, bring this sheet back")
                    ),
                    style("wo-crew-h", 10, bold=True, color=colors.white),
                )
            ]
        ],
        colWidths=[width],
        style=_grid([("BACKGROUND", (0, 0), (-1, -1), colors.black)]),
    )
    return KeepTogether([heading, Spacer(1, 5), boxes, Spacer(1, 6), fields, notes, signature])


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
        _header(order, setup, width),
        Spacer(1, 6),
        _facts(order, width),
        Spacer(1, 6),
        _location(order, width),
    ]
    if order.safety_notice.strip():
        story += [Spacer(1, 6), _safety(order, width)]
    story += [
        _section(_("What the resident said")),
        para(order.description.strip() or _("(nothing written)"), body),
    ]
    if order.answers:
        story.append(_section(_("Answers to the questions")))
        story += [labelled(_colon(answer.label), answer.value, body) for answer in order.answers]
    if order.history:
        story.append(_section(_("History")))
        story += [
            spans(
                [
                    (item.at.strftime("%d %b %Y %H:%M") + "  ", False),
                    (clip(item.what, 110), False),
                    (" — " + clip(item.who, 80) if item.who else "", False),
                ],
                small,
            )
            for item in order.history[:HISTORY_LINES]
        ]
    story += [Spacer(1, 8), _crew_section(width), mark.end()]  # the crew section keeps together
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
