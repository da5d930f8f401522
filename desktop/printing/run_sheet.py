"""The crew's packet for a day: a cover list in route order, then every work order."""

from __future__ import annotations

import io
from dataclasses import replace
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, Table, TableStyle

from desktop.i18n import _, ngettext, when
from desktop.printing.data import MapPoint, PageSetup, RunSheetData, WorkOrderData
from desktop.printing.layout import PageMark, build, letterhead
from desktop.printing.maps import STOP, MapFlowable
from desktop.printing.route import in_route_order
from desktop.printing.styles import FONT, GREY, LIGHT, clip, para, style
from desktop.printing.work_order import day, order_break, work_order_doc, work_order_story

#: a day with at most this many stops gets its map above the list
SHORT_DAY = 30


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
                when(order.due_at, "%d %b %H:%M") if order.due_at else "",
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
    orders = in_route_order(sheet.orders, sheet.depot)
    story = _cover(sheet, orders, setup, doc.width)
    if sheet.overview is not None and any(o.lat is not None for o in orders):
        numbered = [
            MapPoint(order.lat, order.long, STOP, number)
            for number, order in enumerate(orders, start=1)
            if order.lat is not None and order.long is not None
        ]
        overview = KeepTogether(
            [
                Spacer(1, 10),
                para(
                    _("The day's stops, numbered in the order of the list (■ the depot)"),
                    style("rs-map", 10, bold=True),
                ),
                Spacer(1, 4),
                MapFlowable(
                    replace(sheet.overview, points=numbered, depot=sheet.depot),
                    doc.width,
                    min(doc.width * 0.62, 5.2 * 72),
                ),
            ]
        )
        # a day's handful of stops: the map first, under the title; a long list: after it
        at = 4 if len(orders) <= SHORT_DAY else len(story)
        story.insert(at, overview)
    for order in orders:
        story += order_break()
        story += work_order_story(order, setup, doc.width)
    return build(doc, story)
