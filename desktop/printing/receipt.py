"""The resident's receipt: half a page with their number and what happens next.

It prints in the top half of the town's paper with a cut line below, always on one half-sheet:
a long description is cut with a note that the full text is on file (the work order carries it
whole), and whatever still does not fit is set a little smaller.
"""

from __future__ import annotations

import io
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, KeepInFrame, Paragraph, Spacer, Table, TableStyle

from desktop.i18n import _, speaking
from desktop.printing.data import PageSetup, ReceiptData
from desktop.printing.layout import PageMark, build, letterhead, make_doc
from desktop.printing.styles import (
    FONT,
    GREY,
    MARGIN,
    clip,
    labelled,
    page_size,
    para,
    plain,
    style,
)
from desktop.printing.work_order import barcode, day, when

DESCRIPTION_LIMIT = 600  # characters of the resident's words on the receipt
NOTICE_LIMIT = 700


def _cut_line(canvas: Canvas, doc: Any) -> None:
    width, height = canvas._pagesize
    canvas.saveState()
    canvas.setDash(4, 3)
    canvas.setStrokeColor(GREY)
    canvas.line(MARGIN / 2, height / 2, width - MARGIN / 2, height / 2)
    canvas.setFont(FONT, 7)
    canvas.setFillColor(GREY)
    canvas.drawString(MARGIN / 2, height / 2 + 3, "✂")
    canvas.restoreState()


def shortened(value: str, limit: int, lines: int = 6) -> str:
    """At most `limit` characters and `lines` lines of `value`, saying so when it was cut."""
    flat = plain(value).strip()
    kept = "\n".join(flat.splitlines()[:lines])
    if len(kept) > limit:
        kept = kept[:limit].rstrip()
    if kept == flat:
        return flat
    return kept.rstrip() + " … " + _("(the full text is on file)")


def build_receipt(receipt: ReceiptData, setup: PageSetup) -> bytes:
    """The receipt, in the resident's language (`receipt.language`) whatever the clerk's."""
    with speaking(receipt.language):
        return _receipt(receipt, setup)


def _receipt(receipt: ReceiptData, setup: PageSetup) -> bytes:
    out = io.BytesIO()
    _width, height = page_size(setup.paper)
    doc = make_doc(
        out,
        setup,
        title=_("Receipt {number}").format(number=plain(receipt.tracking_number)),
        page_label=None,
        frame_height=height / 2 - 2 * MARGIN,
        on_page=_cut_line,
    )
    body = style("rc-body", 10, leading=12.5)
    label = style("rc-label", 8, color=GREY)
    number = style("rc-number", 24, bold=True, leading=28)
    town = setup.town
    check = _("To ask about it, call {phone} and give your number.").format(
        phone=clip(town.phone, 60) or _("the town hall")
    )
    if town.website:
        check += " " + _("Online: {site}").format(site=clip(town.website, 120))
    right: list[Flowable] = [
        Paragraph(escape(_("YOUR TRACKING NUMBER")), label),
        para(receipt.tracking_number, number),
        barcode(receipt.tracking_number, height=24, bar_width=1.0),
    ]
    top = Table(
        [[letterhead(setup, size=12), right]],
        colWidths=[doc.width * 0.58, doc.width * 0.42],
        style=TableStyle(
            [("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]
        ),
    )
    story: list[Flowable] = [
        PageMark(_("Receipt {number}").format(number=plain(receipt.tracking_number))),
        top,
        Spacer(1, 6),
        Paragraph(escape(_("Thank you: your request is on file.")), style("rc-h", 13, bold=True)),
        Spacer(1, 4),
        labelled(_("What:"), clip(receipt.service_type, 200), body),
        labelled(_("Where:"), clip(receipt.address, 400) or "—", body),
        labelled(_("Received:"), when(receipt.requested_at), body),
    ]
    if receipt.expected_at is not None:
        story.append(labelled(_("We expect to finish by:"), day(receipt.expected_at), body))
    if receipt.department:
        story.append(labelled(_("Handled by:"), clip(receipt.department, 200), body))
    told = shortened(receipt.description, DESCRIPTION_LIMIT) or "—"
    story += [labelled(_("What you told us:"), told, body)]
    if receipt.service_notice.strip():
        notice = Table(
            [[para(shortened(receipt.service_notice, NOTICE_LIMIT, lines=8), body)]],
            colWidths=[doc.width],
            style=TableStyle([("BOX", (0, 0), (-1, -1), 0.8, colors.black)]),
        )
        story += [Spacer(1, 4), notice]
    story += [Spacer(1, 4), para(check, style("rc-check", 10, bold=True))]
    if receipt.status_line:
        story.append(para(clip(receipt.status_line, 300), body))
    if receipt.reprint:
        story.append(Paragraph(escape(_("Copy")), style("rc-copy", 8, color=GREY)))
    # one half-sheet, always: what is still too long after the cuts is set smaller
    frame = doc.pageTemplates[0].frames[0]
    return build(doc, [KeepInFrame(frame._width, frame._height - 1, story, mode="shrink")])
