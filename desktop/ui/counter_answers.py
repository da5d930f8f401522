"""The knowledge base at the counter: the article that answers the caller, and the call script
of the chosen request type. Both only show what the core hands them; a placeholder the town has
not filled in stands out in red, and a staff-only article says it is not for callers."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from PySide6.QtCore import QUrl, Signal
from PySide6.QtWidgets import QTextBrowser, QWidget

from desktop.i18n import _
from desktop.models.errors import KnownError
from desktop.models.knowledge import articles as knowledge
from desktop.models.knowledge import placeholders as kb_placeholders
from desktop.ui.html import esc, paragraphs

UNFILLED_COLOUR = "#8c1d18"


@lru_cache(maxsize=4)
def _marker_pattern(template: str) -> re.Pattern[str]:
    before, _sep, after = esc(template).partition("\x00")
    return re.compile(re.escape(before) + r"[^<>]*?" + re.escape(after))


def mark_unfilled(html_text: str) -> str:
    """Escaped HTML with each "[to fill in: ...]" marker in red and bold, so a clerk sees at a
    glance what the town has not filled in (and does not read it aloud)."""
    pattern = _marker_pattern(kb_placeholders.unfilled_marker("\x00"))
    return pattern.sub(
        lambda m: f"<span style='color:{UNFILLED_COLOUR}'><b>{m.group(0)}</b></span>", html_text
    )


def staff_only_html() -> str:
    """The band over a staff-only article: never read it to a caller."""
    return (
        f"<p style='color:{UNFILLED_COLOUR}'><b>"
        + esc(_("STAFF ONLY: for the clerk, not to be read to the caller."))
        + "</b></p>"
    )


class ArticleView(QTextBrowser):
    """One FAQ article as the clerk reads it to the caller; its related request types are links."""

    #: start a request of this type (its code)
    type_clicked = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.anchorClicked.connect(self._clicked)
        self.article_id: int | None = None
        self.show_nothing()

    def _clicked(self, url: QUrl) -> None:
        if url.scheme() == "type":
            self.type_clicked.emit(url.path())

    def show_nothing(self) -> None:
        self.article_id = None
        self.setHtml(
            "<p style='color:#666'>"
            + esc(
                _(
                    "Articles that answer the caller's words are suggested under the "
                    "description (Alt+4, Alt+5, Alt+6). The one you open is shown here; "
                    "F9 then logs the call as answered from it."
                )
            )
            + "</p>"
        )

    def show_article(
        self,
        article_id: int,
        title: str,
        body: str,
        related: list[tuple[str, str]],
        audience: str | None = None,
    ) -> None:
        """`body` already has the town's placeholders filled in; related are (code, name).
        Without `audience`, the article's own audience is looked up."""
        self.article_id = article_id
        if audience is None:
            try:
                audience = knowledge.get_article(article_id).audience
            except KnownError:
                audience = "public"
        parts = [f"<h3>{esc(title)}</h3>"]
        if audience == "staff":
            parts.append(staff_only_html())
        parts.append(f"<p>{mark_unfilled(paragraphs(body))}</p>")
        if related:
            links = " · ".join(
                f"<a href='type:{esc(code)}'>{esc(name)}</a>" for code, name in related
            )
            parts.append(
                f"<p><b>{esc(_('If the caller needs this done, start a request:'))}</b> {links}</p>"
            )
        parts.append(
            f"<p style='color:#1a5e20'><b>{esc(_('F9: answered from this article'))}</b></p>"
        )
        self.setHtml("".join(parts))


def call_script_html(steps: list[dict[str, Any]]) -> str:
    """The steps of a call script, in order; urgent branches stand out."""
    items = []
    for step in steps:
        text = f"<b>{esc(step.get('ask', ''))}</b>"
        if step.get("if_yes"):
            colour = "#8c1d18" if step.get("urgent") else "#333"
            said = str(step["if_yes"])
            urgent = (
                esc(_("URGENT: "))
                if step.get("urgent") and not said.lower().startswith("urgent")
                else ""
            )
            text += f"<br><span style='color:{colour}'>→ {urgent}{esc(step['if_yes'])}</span>"
        items.append(f"<li>{mark_unfilled(text)}</li>")
    return f"<b>{esc(_('Call script'))}</b><ol>{''.join(items)}</ol>"
