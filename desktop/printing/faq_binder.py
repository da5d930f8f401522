"""The FAQ binder: every public article, grouped by topic, with a table of contents.

For the day the PC is down: the clerk answers from paper. Two passes (reportlab's multiBuild)
put the page numbers into the contents.
"""

from __future__ import annotations

import io
from itertools import groupby
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.units import inch
from reportlab.platypus import Flowable, PageBreak, Paragraph, Spacer, Table, TableStyle
from reportlab.platypus.tableofcontents import TableOfContents

from desktop.i18n import _, ngettext
from desktop.printing.data import FaqBinderData, FaqEntry, PageSetup
from desktop.printing.layout import PageMark, build, letterhead, make_doc
from desktop.printing.styles import GREY, clip, para, paragraphs, style
from desktop.printing.work_order import day


def _heading(title: str, level: int, paragraph_style: Any) -> Flowable:
    """A topic or an article title that the contents list."""
    heading = para(title, paragraph_style)
    heading.toc_level = level
    heading.toc_text = clip(title, 120)
    return heading


class Contents(TableOfContents):
    """The contents: each title (in any script, right-to-left in reading order) and its page.

    reportlab's own table of contents sets each entry as markup; this one sets the titles
    through `para()`, so they are escaped (or laid out in reading order) like all user text."""

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        entries = self._lastEntries or [(0, "", 0, None)]
        number_width = 0.5 * inch
        rows = []
        for level, title, page, _key in entries:
            level_style = self.getLevelStyle(level)
            number = style(f"toc-page-{level}", level_style.fontSize, align="right")
            number.spaceBefore = level_style.spaceBefore
            rows.append([para(title, level_style), Paragraph(str(page), number)])
        self._table = Table(
            rows,
            colWidths=(available_width - number_width, number_width),
            style=TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                    ("TOPPADDING", (0, 0), (-1, -1), 0),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
                ]
            ),
        )
        self.width, self.height = self._table.wrapOn(self.canv, available_width, available_height)
        return self.width, self.height


def _topic_key(entry: FaqEntry) -> str:
    return entry.topic.casefold()


def build_faq_binder(binder: FaqBinderData, setup: PageSetup) -> bytes:
    out = io.BytesIO()
    doc = make_doc(out, setup, title=_("Frequently asked questions"), page_label=_("page {page}"))

    def after_flowable(flowable: Flowable) -> None:
        level = getattr(flowable, "toc_level", None)
        if level is not None:  # the contents set the title as plain text, not as markup
            doc.notify("TOCEntry", (level, flowable.toc_text, doc.page))

    doc.afterFlowable = after_flowable
    contents = Contents()
    contents.levelStyles = [
        style("toc0", 11, bold=True, space_before=6, leading=14),
        style("toc1", 9.5, leading=12),
    ]
    contents.levelStyles[1].leftIndent = 14
    topic_style = style("faq-topic", 17, bold=True, space_after=8)
    title_style = style("faq-title", 12, bold=True, space_before=10, space_after=3)
    body = style("faq-body", 10, leading=13.5)
    count = len(binder.articles)
    story: list[Flowable] = [
        PageMark(_("FAQ binder")),
        letterhead(setup, size=16),
        Spacer(1, 24),
        Paragraph(escape(_("Frequently asked questions")), style("faq-h", 24, bold=True)),
        Paragraph(
            escape(
                ngettext("{n} article", "{n} articles", count).format(n=count)
                + "  ·  "
                + _("printed {day}").format(day=day(binder.printed_on))
            ),
            style("faq-sub", 11, color=GREY, space_before=4, space_after=16),
        ),
        Paragraph(escape(_("Contents")), style("faq-contents", 14, bold=True, space_after=6)),
        contents,
    ]
    ordered = sorted(binder.articles, key=lambda a: (_topic_key(a), a.title.casefold()))
    for _key, group in groupby(ordered, key=_topic_key):
        articles = list(group)
        topic = clip(articles[0].topic, 200) or _("General")
        story += [PageBreak(), _heading(topic, 0, topic_style)]
        for article in articles:
            story += [
                _heading(clip(article.title, 400), 1, title_style),
                *paragraphs(article.body, body),
            ]
    if not ordered:
        story.append(Paragraph(escape(_("There are no public articles yet.")), body))
    return build(doc, story, passes=4)
