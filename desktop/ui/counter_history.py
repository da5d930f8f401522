"""The caller's history beside the Counter form: open and past requests, questions, notes."""

from __future__ import annotations

from PySide6.QtCore import QUrl, Signal
from PySide6.QtWidgets import QTextBrowser, QWidget

from desktop.i18n import _, ngettext
from desktop.models.requests.detail import ContactHistory, RequestLine
from desktop.models.vocab import STATUSES
from desktop.ui.html import esc, paragraphs, when


class CallerHistory(QTextBrowser):
    """Read-only; a click on a tracking number asks to open that request."""

    request_clicked = Signal(str)
    #: the clerk asked to merge another record of this resident into this one (its id)
    merge_clicked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.anchorClicked.connect(self._clicked)
        self.show_nobody()

    def _clicked(self, url: QUrl) -> None:
        if url.scheme() == "request":
            self.request_clicked.emit(url.path())
        elif url.scheme() == "merge" and url.path().isdigit():
            self.merge_clicked.emit(int(url.path()))

    def show_nobody(self) -> None:
        self.setHtml(
            "<p style='color:#666'>"
            + esc(_("Look up the caller by phone, name or email to see their history here."))
            + "</p>"
        )

    def show_history(self, history: ContactHistory) -> None:
        contact = history.contact
        parts = [f"<h3>{esc(contact.display_name or _('(no name)'))}</h3>"]
        details = [*history.phones, *history.emails]
        if contact.address:
            details.append(contact.address)
        if details:
            parts.append("<p>" + " · ".join(esc(d) for d in details) + "</p>")
        if history.notes:
            parts.append(f"<p><i>{paragraphs(history.notes)}</i></p>")
        parts.append(self._section(_("Open requests"), history.open_requests))
        parts.append(self._section(_("Past requests"), history.past_requests))
        if history.confidential_hidden:
            parts.append(
                "<p style='color:#666'>"
                + esc(
                    ngettext(
                        "and {n} confidential request, shown to supervisors only",
                        "and {n} confidential requests, shown to supervisors only",
                        history.confidential_hidden,
                    ).format(n=history.confidential_hidden)
                )
                + "</p>"
            )
        parts.append(f"<h4>{esc(_('Questions'))}</h4>")
        if history.questions:
            parts.append(
                "<ul>"
                + "".join(
                    f"<li>{esc(when(at))} — {esc(topic)}</li>" for at, topic in history.questions
                )
                + "</ul>"
            )
        else:
            parts.append(f"<p style='color:#666'>{esc(_('None.'))}</p>")
        parts.append(
            f"<p><a href='merge:{contact.id}'>"
            + esc(_("This resident is on file twice? Merge the other record into this one…"))
            + "</a></p>"
        )
        self.setHtml("".join(parts))

    @staticmethod
    def _section(title: str, lines: list[RequestLine]) -> str:
        out = f"<h4>{esc(title)} ({len(lines)})</h4>"
        if not lines:
            return out + f"<p style='color:#666'>{esc(_('None.'))}</p>"
        items = "".join(
            f"<li><a href='request:{esc(line.tracking_number)}'>{esc(line.tracking_number)}</a> "
            f"{esc(line.service_type)} — {esc(STATUSES.get(line.status, line.status))}<br>"
            f"<span style='color:#555'>{esc(line.address)} · {esc(when(line.requested_at))}"
            "</span></li>"
            for line in lines
        )
        return out + f"<ul>{items}</ul>"
