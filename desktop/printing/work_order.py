"""The work order: one request on one page, for a crew in a truck.

Read at arm's length: the tracking number large with a Code 128 barcode and a QR code of it (the
clerk scans it when the order comes back), what and where in big type, the safety notice boxed,
then the resident's words, the answers, a short history, and a section the crew fills by hand.
"""

from __future__ import annotations

import datetime as dt
import io
from xml.sax.saxutils import escape

from reportlab.graphics.barcode.code128 import Code128
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    PageBreak,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from desktop.i18n import _, ngettext
from desktop.printing.data import PageSetup, WorkOrderData
from desktop.printing.layout import PageMark, build, make_doc
from desktop.printing.styles import GREY, LIGHT, clip, labelled, para, plain, style, text

HISTORY_LINES = 6
QR_SIZE = 1.15 * inch


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


def qr_code(value: str, size: float = QR_SIZE) -> Drawing:
    widget = QrCodeWidget(value, barLevel="M")
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    return drawing


def barcode(value: str, *, height: float = 0.5 * inch, bar_width: float = 1.3) -> Flowable:
    """Code 128 of `value` (the tracking number), wide enough for a cheap USB scanner."""
    return Code128(value, barHeight=height, barWidth=bar_width, humanReadable=False, quiet=True)


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
    small = style("wo-town", 9, color=GREY)
    kind = style("wo-kind", 11, bold=True)
    number = style("wo-number", 34, bold=True, leading=38)
    left: list[Flowable] = [
        para(setup.town.name, small),
        Paragraph(escape(_("WORK ORDER")), kind),
        Spacer(1, 2),
        para(order.tracking_number, number),
        Spacer(1, 4),
        barcode(order.tracking_number),
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
    if order.cross_street:
        parts.append(labelled(_("Cross street:"), clip(order.cross_street, 600), body))
    if order.location_notes:
        parts.append(labelled(_("Where exactly:"), clip(order.location_notes, 1500), body))
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
        rowHeights=[0.4 * inch] * 2,
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
        rowHeights=[0.33 * inch] * 3,
        style=_grid([("LINEBELOW", (0, 0), (-1, -1), line, colors.black)]),
    )
    signature = Table(
        [[blank(_("Signature")), blank(_("Name (print)"))]],
        colWidths=[width * 0.55, width * 0.45],
        rowHeights=[0.42 * inch],
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
    """The flowables of one work order (the caller puts a page break between orders)."""
    body = style("wo-body", 11, leading=14)
    small = style("wo-small", 8.5, leading=10.5)
    story: list[Flowable] = [
        PageMark(
            _("Work order {number}").format(number=plain(order.tracking_number)),
            reprint=order.reprint,
        ),
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
        para(order.description or _("(nothing written)"), body),
    ]
    if order.answers:
        story.append(_section(_("Answers to the questions")))
        story += [labelled(_colon(answer.label), answer.value, body) for answer in order.answers]
    if order.history:
        story.append(_section(_("History")))
        story += [
            Paragraph(
                f"{escape(item.at.strftime('%d %b %Y %H:%M'))}  {text(clip(item.what, 110))}"
                + (f" — {text(clip(item.who, 80))}" if item.who else ""),
                small,
            )
            for item in order.history[:HISTORY_LINES]
        ]
    story += [Spacer(1, 10), CondPageBreak(3.2 * inch), _crew_section(width)]
    return story


def build_work_orders(orders: list[WorkOrderData], setup: PageSetup) -> bytes:
    """Work orders, each starting on its own page."""
    out = io.BytesIO()
    doc = make_doc(out, setup, title=_("Work orders"), page_label=_("page {page}"))
    story: list[Flowable] = []
    for index, order in enumerate(orders):
        if index:
            story.append(PageBreak())
        story += work_order_story(order, setup, doc.width)
    if not story:
        story.append(Paragraph(escape(_("No work orders.")), style("wo-none", 12)))
    return build(doc, story)
