"""The FAQ binder: every public article, grouped by topic, with a table of contents.

For the day the PC is down: the clerk answers from paper. Two passes (reportlab's multiBuild)
put the page numbers into the contents.
"""

from __future__ import annotations

import io
from itertools import groupby
from typing import Any
from xml.sax.saxutils import escape

from reportlab.platypus import Flowable, PageBreak, Paragraph, Spacer
from reportlab.platypus.tableofcontents import TableOfContents

from desktop.i18n import _, ngettext
from desktop.printing.data import FaqBinderData, FaqEntry, PageSetup
from desktop.printing.layout import PageMark, build, letterhead, make_doc
from desktop.printing.styles import GREY, clip, para, plain, style
from desktop.printing.work_order import day


class _Heading(Paragraph):
    """A topic or an article title that the contents list."""

    def __init__(self, title: str, level: int, paragraph_style: Any) -> None:
        super().__init__(escape(plain(title)), paragraph_style)
        self.toc_level = level
        self.toc_text = clip(title, 120)


def _topic_key(entry: FaqEntry) -> str:
    return entry.topic.casefold()


def build_faq_binder(binder: FaqBinderData, setup: PageSetup) -> bytes:
    out = io.BytesIO()
    doc = make_doc(out, setup, title=_("Frequently asked questions"), page_label=_("page {page}"))

    def after_flowable(flowable: Flowable) -> None:
        if isinstance(flowable, _Heading):
            doc.notify("TOCEntry", (flowable.toc_level, escape(flowable.toc_text), doc.page))

    doc.afterFlowable = after_flowable
    contents = TableOfContents()
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
        story += [PageBreak(), _Heading(articles[0].topic or _("General"), 0, topic_style)]
        for article in articles:
            story += [_Heading(article.title, 1, title_style), para(article.body, body)]
    if not ordered:
        story.append(Paragraph(escape(_("There are no public articles yet.")), body))
    return build(doc, story, passes=4)
