"""The crew's packet for a day: a cover list in route order, then every work order."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.platypus import Flowable, Paragraph, Spacer, Table, TableStyle

from desktop.i18n import _, ngettext
from desktop.printing.data import PageSetup, RunSheetData, WorkOrderData
from desktop.printing.layout import PageMark, build, letterhead
from desktop.printing.route import in_route_order
from desktop.printing.styles import FONT, GREY, LIGHT, clip, para, style
from desktop.printing.work_order import day, order_break, work_order_doc, work_order_story


def crew_name(sheet: RunSheetData) -> str:
    """Whose packet it is: the department, the assignee, or both."""
    names = [clip(name, 200) for name in (sheet.department, sheet.assignee) if name.strip()]
    return " — ".join(names) or _("every department")


def _cover(
    sheet: RunSheetData, orders: list[WorkOrderData], setup: PageSetup, width: float
) -> list[Flowable]:
    title = style("rs-title", 18, bold=True, space_before=8)
    cell = style("rs-cell", 9, leading=11)
    head = style("rs-head", 8, bold=True, color=GREY)
    address = style("rs-addr", 10, bold=True, leading=12)
    count = ngettext("{n} work order", "{n} work orders", len(orders)).format(n=len(orders))
    story: list[Flowable] = [
        PageMark(_("Run sheet")),
        letterhead(setup),
        para(_("Run sheet: {crew}").format(crew=crew_name(sheet)), title),
        Paragraph(escape(f"{day(sheet.day)}  ·  {count}"), style("rs-sub", 11, space_after=8)),
    ]
    rows: list[list[object]] = [
        [
            Paragraph(escape(h), head)
            for h in ("#", _("Number"), _("Address"), _("Type"), _("Priority"), _("Due"), _("Done"))
        ]
    ]
    urgent_rows: list[int] = []
    for index, order in enumerate(orders, start=1):
        if order.priority in ("high", "urgent"):
            urgent_rows.append(index)
        # plain strings where the text is ours and short (a Table draws them without the
        # markup a Paragraph reads, so they need no escaping); Paragraphs where it wraps
        rows.append(
            [
                str(index),
                clip(order.tracking_number, 20),
                para(clip(order.address, 160) or "—", address),
                para(clip(order.service_type, 80), cell),
                clip(order.priority_label, 12),
                order.due_at.strftime("%d %b %H:%M") if order.due_at else "",
                "",
            ]
        )
    commands: list[tuple[object, ...]] = [
        ("LINEBELOW", (0, 0), (-1, 0), 1, colors.black),
        ("LINEBELOW", (0, 1), (-1, -1), 0.4, GREY),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("FONT", (0, 1), (-1, -1), FONT, 9),
        ("BOX", (6, 1), (6, -1), 0.8, colors.black),
        ("INNERGRID", (6, 1), (6, -1), 0.8, colors.black),
    ]
    commands += [("BACKGROUND", (0, r), (5, r), LIGHT) for r in urgent_rows]
    widths = [0.3, 0.95, 2.3, 1.35, 0.7, 1.0, 0.55]
    scale = width / (sum(widths) * 72)
    story.append(
        Table(
            rows,
            colWidths=[w * 72 * scale for w in widths],
            repeatRows=1,
            style=TableStyle(commands),
        )
    )
    if not orders:
        story.append(Spacer(1, 12))
        story.append(Paragraph(escape(_("No open work for this day.")), style("rs-none", 12)))
    return story


def build_run_sheet(sheet: RunSheetData, setup: PageSetup) -> bytes:
    """The cover list, then each work order on its own page, both in route order."""
    out = io.BytesIO()
    doc = work_order_doc(
        out,
        setup,
        title=_("Run sheet {crew}").format(crew=clip(crew_name(sheet), 80)),
    )
    orders = in_route_order(sheet.orders)
    story = _cover(sheet, orders, setup, doc.width)
    for order in orders:
        story += order_break()
        story += work_order_story(order, setup, doc.width)
    return build(doc, story)
