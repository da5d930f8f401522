"""One request in full beside the Requests list: fields, answers, history, links, and actions.

Every action carries the version the clerk is looking at; if another clerk changed the request
meanwhile the clerk is shown both and chooses (docs/RELIABILITY.md rule 5). Prompts go through
`self.ask`, which tests replace.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6 import QtCore, QtGui, QtWidgets  # PySide builds a class when first named: at use
from PySide6.QtCore import Signal
from PySide6.QtGui import QAction, QTextDocument
from PySide6.QtWidgets import (
    QGridLayout,
    QLabel,
    QMenu,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import _
from desktop.models.errors import ConflictError, KnownError
from desktop.models.requests.detail import RequestDetail, RequestLine, load_request_detail
from desktop.models.requests.links import link_related
from desktop.models.requests.lookups import active_staff
from desktop.models.staff import permissions
from desktop.models.storage.schema import ServiceRequest, StaffUser
from desktop.models.vocab import CHANNELS, EVENT_KINDS, PRIORITIES, RESOLUTIONS, STATUSES
from desktop.ui.html import esc, paragraphs, when
from desktop.ui.messages import messages
from desktop.ui.qt_early import set_enum

if TYPE_CHECKING:
    from PySide6.QtCore import QUrl

    from desktop.models.requests.edit import RequestEdit
    from desktop.ui.request_edit_dialog import RequestEditDialog

log = logging.getLogger("frontcounter.ui")

#: (title, label, choices or None for free text) -> the answer, or None when cancelled
Ask = Callable[[str, str, list[str] | None], str | None]


#: (title, label, saved responses as (name, text)) -> the text, or None when cancelled
AskText = Callable[[str, str, list[tuple[str, str]]], str | None]


def ask_text_with_dialog(parent: QWidget) -> AskText:
    def ask(title: str, label: str, saved: list[tuple[str, str]]) -> str | None:
        from desktop.ui.text_dialog import TextDialog

        dialog = TextDialog(parent, title, label, saved)
        ok = dialog.exec() == TextDialog.DialogCode.Accepted
        text = dialog.textValue()
        dialog.deleteLater()
        return text if ok else None

    return ask


def ask_with_dialog(parent: QWidget) -> Ask:
    def ask(title: str, label: str, choices: list[str] | None) -> str | None:
        if choices is None:
            return ask_text_with_dialog(parent)(title, label, [])
        item, ok = QtWidgets.QInputDialog.getItem(parent, title, label, choices, 0, False)
        return item if ok else None

    return ask


def ask_number_with_dialog(parent: QWidget) -> Callable[[str, str], str | None]:
    """One line for a tracking number (Enter is OK, as a scanner sends it)."""

    def ask(title: str, label: str) -> str | None:
        text, ok = QtWidgets.QInputDialog.getText(parent, title, label)
        return text if ok else None

    return ask


#: the permission each action button needs (permissions.py)
_BUTTON_ACTIONS = {
    "acknowledge": permissions.REQUEST_STATUS,
    "assign": permissions.REQUEST_ASSIGN,
    "status": permissions.REQUEST_STATUS,
    "note": permissions.REQUEST_NOTE,
    "pause": permissions.REQUEST_STATUS,
    "resolve": permissions.REQUEST_CLOSEOUT,
}


def _menu_permissions() -> dict[str, str]:
    """The More menu's entries (by label) and the permission each needs."""
    return {
        _("Public update…"): permissions.REQUEST_NOTE,
        _("Priority…"): permissions.REQUEST_STATUS,
        _("Mark as duplicate of…"): permissions.REQUEST_CLOSEOUT,
        _("Link a related request…"): permissions.REQUEST_NOTE,
        _("Close"): permissions.REQUEST_CLOSEOUT,
        _("Reopen…"): permissions.REQUEST_REOPEN,
        _("Correct the details…"): permissions.REQUEST_CREATE,
        _("Attach a file…"): permissions.ATTACHMENT_EDIT,
        _("Print work order"): permissions.REQUEST_PRINT,
        _("Print the resident's receipt"): permissions.REQUEST_PRINT,
        _("Print a letter to the resident…"): permissions.REQUEST_PRINT,
        _("Public-records release of this request…"): permissions.PRIVACY_MANAGE,
        _("Public-records release of the resident…"): permissions.PRIVACY_MANAGE,
    }


class RequestDetailPane(QWidget):
    """Shows one request and offers what can be done with it next."""

    #: the request changed here (the list refreshes)
    changed = Signal(int)
    #: open another request (a duplicate, the caller's other request)
    open_request = Signal(str)
    #: print this request's work order (id)
    print_requested = Signal(int)

    def __init__(self, staff: Callable[[], StaffUser | None], parent: QWidget | None = None):
        super().__init__(parent)
        self.staff = staff
        self.detail: RequestDetail | None = None
        self.ask: Ask = ask_with_dialog(self)
        #: why nothing can be saved now ("" when saves work): the actions are greyed with it
        self.read_only: Callable[[], str] = lambda: ""
        #: a note, an update or a closing note, with the saved responses offered
        self.ask_text: AskText = ask_text_with_dialog(self)
        self.ask_number = ask_number_with_dialog(self)
        self.title = QLabel()
        self.title.setObjectName("detailTitle")
        set_enum(self.title, "textFormat", "PlainText")
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.title.setFont(font)
        self.body = QTextBrowser()
        self.body.setOpenLinks(False)
        self.body.anchorClicked.connect(self._link)
        self.title.setWordWrap(True)
        self.buttons: dict[str, QPushButton] = {}
        # two rows of four: in one row the buttons made the pane half the window, and the
        # list's Number and Status columns scrolled out of sight on a 1400-pixel screen
        actions = QGridLayout()
        actions.setHorizontalSpacing(4)
        actions.setVerticalSpacing(2)
        buttons: list[tuple[str, str, Callable[[], object] | None]] = [
            ("acknowledge", _("Acknowledge"), self.acknowledge),
            ("assign", _("Assign…"), self.assign),
            ("status", _("Status…"), self.change_status),
            ("note", _("Note…"), self.add_note),
            ("pause", _("Pause…"), self.pause_or_resume),
            ("resolve", _("Resolve…"), self.resolve),
            ("more", _("More"), None),
        ]
        for number, (key, label, slot) in enumerate(buttons):
            button = QPushButton(label)
            button.setObjectName(f"action_{key}")
            if slot is not None:
                button.clicked.connect(lambda _c=False, s=slot: s())
            self.buttons[key] = button
            actions.addWidget(button, number // 4, number % 4)
        self.more_menu = QMenu(self)
        menu_items: list[tuple[str, Callable[[], object]]] = [
            (_("Public update…"), lambda: self.add_note(public=True)),
            (_("Priority…"), self.change_priority),
            (_("Mark as duplicate of…"), self.mark_duplicate),
            (_("Link a related request…"), self.link_related),
            (_("Close"), self.close_request),
            (_("Reopen…"), self.reopen),
            (_("Correct the details…"), self.edit_details),
            (_("Attach a file…"), self.attach_file),
            (_("Print work order"), self._print),
            (_("Print the resident's receipt"), self.print_receipt),
            (_("Print a letter to the resident…"), self.print_letter),
            (_("Public-records release of this request…"), lambda: self.release(False)),
            (_("Public-records release of the resident…"), lambda: self.release(True)),
        ]
        self.menu_actions: dict[str, QAction] = {}
        for label, slot in menu_items:
            menu_action = self.more_menu.addAction(label)
            menu_action.triggered.connect(lambda _c=False, s=slot: s())
            self.menu_actions[label] = menu_action
        self.buttons["more"].setMenu(self.more_menu)
        actions.setColumnStretch(4, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addLayout(actions)
        layout.addWidget(self.body)
        self.show_nothing()

    # -- showing ------------------------------------------------------------------------------

    def show_nothing(self) -> None:
        self.detail = None
        self.title.setText(_("No request selected"))
        self.body.setHtml(
            "<p style='color:#666'>"
            + esc(_("Choose a request in the list, or type or scan its number (Ctrl+G)."))
            + "</p>"
        )
        for button in self.buttons.values():
            button.setEnabled(False)

    def show_request(self, reference: str | int) -> bool:
        try:
            self.detail = load_request_detail(reference, actor=self._actor())
        except KnownError as exc:
            self.show_nothing()
            self.body.setHtml(f"<p>{esc(str(exc))}</p>")
            return False
        self._render()
        return True

    def reload(self) -> None:
        """Read the shown request again (another clerk may have changed it)."""
        if self.detail is not None:
            self.show_request(self.detail.request.id)

    @property
    def request(self) -> ServiceRequest | None:
        return None if self.detail is None else self.detail.request

    def _render(self) -> None:
        detail = self.detail
        assert detail is not None
        request = detail.request
        status = STATUSES.get(request.status, request.status)
        if request.resolution:
            status += " — " + RESOLUTIONS.get(request.resolution, request.resolution)
        self.title.setText(f"{request.tracking_number}  {detail.service_type}  ·  {status}")
        is_open = detail.is_open
        self.buttons["acknowledge"].setEnabled(request.status == "new")
        for key in ("assign", "status", "resolve", "pause"):
            self.buttons[key].setEnabled(is_open)
        self.buttons["note"].setEnabled(True)
        self.buttons["more"].setEnabled(True)
        self._offer_only_what_the_role_allows()
        self.buttons["pause"].setText(
            _("Resume clock") if request.paused_since else _("Pause clock…")
        )
        document = self.body.document()
        for line in detail.attachments:
            if line.thumbnail:
                image = QtGui.QImage.fromData(line.thumbnail)
                if not image.isNull():
                    document.addResource(
                        QTextDocument.ResourceType.ImageResource,
                        QtCore.QUrl(f"thumb:{line.id}"),
                        image,
                    )
        self.body.setHtml(self._html(detail))

    def _html(self, detail: RequestDetail) -> str:
        request = detail.request
        rows: list[tuple[str, str]] = [
            (_("Received"), f"{when(request.requested_at)} · {CHANNELS.get(request.channel, '')}"),
            (_("Department"), detail.department),
            (_("Assigned to"), detail.assignee or _("nobody")),
            (_("Priority"), PRIORITIES.get(request.priority, request.priority)),
            (_("Respond by"), when(request.respond_due_at)),
            (_("Due"), when(request.due_at)),
            (_("Address"), request.address),
            (_("Location notes"), request.location_notes),
            (
                _("Coordinates"),
                f"{request.lat}, {request.long}" if request.lat is not None else "",
            ),
        ]
        if request.paused_since:
            rows.append((_("Clock paused since"), when(request.paused_since)))
        if request.confidential:
            rows.append((_("Reporter"), _("confidential: do not disclose")))
        if detail.contact_name or detail.contact_phone or detail.contact_email:
            who = " · ".join(
                x for x in (detail.contact_name, detail.contact_phone, detail.contact_email) if x
            )
            rows.append((_("Resident"), who))
        table = "".join(
            f"<tr><td style='color:#555;padding-right:10px'>{esc(k)}</td><td>{esc(v)}</td></tr>"
            for k, v in rows
            if v
        )
        parts = [f"<table>{table}</table>"]
        said = esc(_("What the caller said"))
        parts.append(f"<h4>{said}</h4><p>{paragraphs(request.description)}</p>")
        if detail.safety_notice:
            parts.append(
                f"<p style='color:#8c1d18'><b>{esc(_('Safety:'))}</b> "
                f"{esc(detail.safety_notice)}</p>"
            )
        if detail.answers:
            answers = "".join(
                f"<tr><td style='color:#555;padding-right:10px'>{esc(a.label)}</td>"
                f"<td>{esc(a.value)}</td></tr>"
                for a in detail.answers
            )
            parts.append(f"<h4>{esc(_('Answers'))}</h4><table>{answers}</table>")
        if request.status_notes:
            latest = esc(_("Latest public update"))
            parts.append(f"<h4>{latest}</h4><p>{paragraphs(request.status_notes)}</p>")
        if detail.duplicate_of is not None:
            parts.append(self._lines(_("Duplicate of"), [detail.duplicate_of]))
        if detail.duplicates:
            parts.append(self._lines(_("Duplicates of this request"), detail.duplicates))
        if detail.related:
            parts.append(self._lines(_("Related requests"), detail.related))
        if detail.followers:
            items = "".join(
                f"<li>{esc(f.name)} · {esc(CHANNELS.get(f.channel, f.channel))} · {esc(when(f.at))}"
                + (f"<br><i>{esc(f.description)}</i>" if f.description else "")
                + "</li>"
                for f in detail.followers
            )
            parts.append(f"<h4>{esc(_('Also reported by'))}</h4><ul>{items}</ul>")
        if detail.attachments:
            from desktop.models.requests.attachments import human_size

            items = "".join(
                "<p>"
                + (f"<img src='thumb:{a.id}'><br>" if a.thumbnail else "")
                + f"{esc(a.filename)} · {esc(human_size(a.size))} · "
                f"<a href='attach-save:{a.id}'>{esc(_('Save a copy…'))}</a> · "
                f"<a href='attach-remove:{a.id}'>{esc(_('Remove'))}</a></p>"
                for a in detail.attachments
            )
            parts.append(f"<h4>{esc(_('Attachments'))}</h4>{items}")
        history = "".join(
            f"<tr><td style='color:#555;padding-right:8px;white-space:nowrap'>{esc(when(h.at))}"
            f"</td><td><b>{esc(EVENT_KINDS.get(h.kind, h.kind))}</b>"
            + (
                f" → {esc(STATUSES.get(h.new_value or '', h.new_value))}"
                if h.kind == "status"
                else ""
            )
            + (f" · {esc(h.actor)}" if h.actor else "")
            + (f"<br>{paragraphs(h.body)}" if h.body else "")
            + "</td></tr>"
            for h in detail.history
        )
        parts.append(f"<h4>{esc(_('History'))}</h4><table>{history}</table>")
        if detail.contact_requests:
            parts.append(self._lines(_("The resident's other requests"), detail.contact_requests))
        return "".join(parts)

    @staticmethod
    def _lines(title: str, lines: list[RequestLine]) -> str:
        items = "".join(
            f"<li><a href='request:{esc(x.tracking_number)}'>{esc(x.tracking_number)}</a> "
            f"{esc(x.service_type)} · {esc(STATUSES.get(x.status, x.status))} · "
            f"{esc(x.address)}</li>"
            for x in lines
        )
        return f"<h4>{esc(title)}</h4><ul>{items}</ul>"

    def _link(self, url: QUrl) -> None:
        if url.scheme() == "request":
            self.open_request.emit(url.path())
        elif url.scheme() == "attach-save" and url.path().isdigit():
            self.save_attachment(int(url.path()))
        elif url.scheme() == "attach-remove" and url.path().isdigit():
            self.remove_attachment(int(url.path()))

    # -- correcting ---------------------------------------------------------------------------

    def edit_details(self) -> RequestEditDialog | None:
        """The form that corrects the request's words, place, type and answers."""

        from desktop.ui.request_edit_dialog import RequestEditDialog

        if self.detail is None:
            return None
        dialog = RequestEditDialog(self.detail, lambda edit: self._save_edit(dialog, edit), self)
        dialog.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def _save_edit(self, dialog: RequestEditDialog, edit: RequestEdit) -> bool:
        """True when saved; a refusal is shown in the dialog, which keeps what was typed."""

        from desktop.models.requests.edit import FIELD_LABELS, edit_request

        request = self.request
        if request is None:
            return False
        request_id = request.id

        def action(version: int | None) -> Any:
            saved = edit_request(request_id, edit, version=version, actor=self._actor())
            dialog.accept()
            return saved

        try:
            action(request.version)
        except ConflictError as exc:
            self._conflict(
                exc,
                action,
                _("correct {fields}").format(
                    fields=", ".join(
                        FIELD_LABELS[name].lower()
                        if name in FIELD_LABELS
                        else name.replace("_", " ")
                        for name in edit.changed_fields()
                    )
                ),
            )
            return False
        except KnownError as exc:
            dialog.show_error(str(exc))
            return False
        self._after_change(request_id)
        return True

    # -- attachments ----------------------------------------------------------------------------

    def attach_file(self, path: str | None = None) -> bool:
        """Store a photo or document with the request (a thumbnail is made for images)."""
        from desktop.models.requests.attachments import add_attachment_file

        request = self.request
        if request is None:
            return False
        if path is None:
            path = self.choose_file(False, "")
            if not path:
                return False
        chosen = path
        try:
            add_attachment_file(request.id, chosen, actor=self._actor())
        except KnownError as exc:
            messages.error(self, exc)
            return False
        self._after_change(request.id)
        return True

    def save_attachment(self, attachment_id: int, path: str | None = None) -> bool:
        from desktop.models.requests.attachments import get_attachment, save_attachment

        try:
            if path is None:
                path = self.choose_file(True, get_attachment(attachment_id).filename)
                if not path:
                    return False
            save_attachment(attachment_id, path, overwrite=True)  # the dialog asked already
        except KnownError as exc:
            messages.error(self, exc)
            return False
        return True

    def release(self, resident: bool, path: str | None = None) -> bool:
        """A public-records release (JSON) of this request or of everything about its resident,
        with confidential reporters and staff-only notes left out (the town's own full copy is
        `frontcounter privacy export --no-redact`)."""

        detail = self.detail
        if detail is None:
            return False
        if resident and detail.contact_id is None:
            messages.info(
                self,
                _("Public-records release"),
                _("This request has no resident on file (anonymous)."),
            )
            return False
        number = detail.request.tracking_number
        name = f"release-{number}-resident.json" if resident else f"release-{number}.json"
        try:
            if path is None:
                path = self.choose_file(True, name, _("Save the public-records release"))
                if not path:
                    return False
            from desktop.models.admin import privacy

            if resident:
                assert detail.contact_id is not None
                privacy.export_contact(detail.contact_id, actor=self._actor(), out=Path(path))
            else:
                privacy.export_request(detail.request.id, actor=self._actor(), out=Path(path))
        except KnownError as exc:
            messages.error(self, exc)
            return False
        messages.info(
            self,
            _("Public-records release"),
            _(
                "Written: {path}. Confidential reporters and staff-only notes are left out; the "
                "release is in the audit trail."
            ).format(path=path),
        )
        return True

    def remove_attachment(self, attachment_id: int) -> None:
        from desktop.models.requests.attachments import delete_attachment

        request = self.request
        if request is None:
            return
        request_id = request.id

        def remove() -> None:
            try:
                delete_attachment(attachment_id, actor=self._actor())
            except KnownError as exc:
                messages.error(self, exc)
            self._after_change(request_id)

        messages.confirm(self, _("Remove attachment"), _("Remove this attachment?"), remove)

    def choose_file(self, saving: bool, name: str, title: str = "") -> str:
        """A file to attach, or where to save a copy ("" when cancelled). Tests replace it."""

        if saving:
            path, _filter = QtWidgets.QFileDialog.getSaveFileName(
                self, title or _("Save a copy"), name
            )
        else:
            path, _filter = QtWidgets.QFileDialog.getOpenFileName(self, _("Attach a file"))
        return path

    # -- acting -------------------------------------------------------------------------------

    def _act(self, action: Callable[[int | None], Any], what: str) -> bool:
        """Run `action(version)`; a conflict shows both sides and lets the clerk choose."""
        request = self.request
        if request is None:
            return False
        try:
            action(request.version)
        except ConflictError as exc:
            self._conflict(exc, action, what)
            return False
        except KnownError as exc:
            messages.error(self, exc)
            return False
        self._after_change(request.id)
        return True

    def _after_change(self, request_id: int) -> None:
        self.show_request(request_id)
        self.changed.emit(request_id)

    def _conflict(
        self, error: ConflictError, action: Callable[[int | None], Any], what: str
    ) -> None:
        """Both versions side by side; the clerk keeps theirs or applies this change on top."""

        seen = self.request  # the copy the clerk was looking at, before showing the newer one
        request_id = seen.id if seen is not None else None

        def apply_anyway() -> None:
            try:
                action(None)  # on top of the newer version, knowingly
            except KnownError as exc:
                messages.error(self, exc)
            if request_id is not None:
                self._after_change(request_id)

        if request_id is not None:
            self.show_request(request_id)  # the clerk sees the newer version behind the box
        from desktop.ui.conflict_dialog import ConflictDialog

        messages.choose(ConflictDialog(error, what, seen, self), str(error), apply_anyway)

    def _actor(self) -> StaffUser | None:
        return self.staff()

    def _offer_only_what_the_role_allows(self) -> None:
        """Grey out what the signed-in role may not do, saying why (the core refuses anyway)."""
        labels = permissions.action_labels()
        allowed: dict[str, bool] = {}

        def may(action: str) -> bool:
            if action not in allowed:
                allowed[action] = permissions.can(self._actor(), action)
            return allowed[action]

        def gate(widget: QPushButton | QAction, action: str) -> None:
            if may(action):
                widget.setToolTip("")
                return
            widget.setEnabled(False)
            widget.setToolTip(_("Your role may not {action}.").format(action=labels[action]))

        for key, action in _BUTTON_ACTIONS.items():
            gate(self.buttons[key], action)
        for label, action in _menu_permissions().items():
            menu_action = self.menu_actions.get(label)
            if menu_action is not None:
                menu_action.setEnabled(True)
                gate(menu_action, action)
        reason = self.read_only()
        if reason:  # said on the buttons before a note is typed, not after
            printing = {
                _("Print work order"),
                _("Print the resident's receipt"),
                _("Print a letter to the resident…"),
            }
            for key, button in self.buttons.items():
                if key != "more":
                    button.setEnabled(False)
                    button.setToolTip(reason)
            for label, menu_action in self.menu_actions.items():
                if label not in printing:
                    menu_action.setEnabled(False)
                    menu_action.setToolTip(reason)

    def acknowledge(self) -> bool:
        from desktop.models.requests import lifecycle

        request = self.request
        if request is None:
            return False
        return self._act(
            lambda v: lifecycle.set_status(
                request.id, "acknowledged", version=v, actor=self._actor()
            ),
            _("acknowledge"),
        )

    def assign(self, person: StaffUser | str | None = "") -> bool:
        from desktop.models.requests import lifecycle

        request = self.request
        if request is None:
            return False
        if person == "":
            people = active_staff()
            names = [_("(nobody)"), *(p.full_name for p in people)]
            chosen = self.ask(_("Assign"), _("Assign this request to:"), names)
            if chosen is None:
                return False
            person = next((p for p in people if p.full_name == chosen), None)
        assert not isinstance(person, str)
        target = person
        return self._act(
            lambda v: lifecycle.assign(request.id, target, version=v, actor=self._actor()),
            _("assign to {name}").format(name=target.full_name if target else _("nobody")),
        )

    def change_status(self, status: str = "") -> bool:
        from desktop.models.requests import lifecycle

        request = self.request
        if request is None:
            return False
        if not status:
            options = lifecycle.NEXT.get(request.status, ())
            labels = [STATUSES[s] for s in options]
            if not labels:
                return False
            chosen = self.ask(_("Status"), _("Change the status to:"), labels)
            if chosen is None:
                return False
            status = options[labels.index(chosen)]
        return self._act(
            lambda v: lifecycle.set_status(request.id, status, version=v, actor=self._actor()),
            STATUSES.get(status, status).lower(),
        )

    def change_priority(self, priority: str = "") -> bool:
        from desktop.models.requests import lifecycle

        request = self.request
        if request is None:
            return False
        if not priority:
            labels = list(PRIORITIES.values())
            chosen = self.ask(_("Priority"), _("Priority:"), labels)
            if chosen is None:
                return False
            priority = list(PRIORITIES)[labels.index(chosen)]
        return self._act(
            lambda v: lifecycle.set_priority(request.id, priority, version=v, actor=self._actor()),
            _("priority {p}").format(p=PRIORITIES.get(priority, priority)),
        )

    def add_note(self, text: str | None = None, *, public: bool = False) -> bool:
        from desktop.models.requests import lifecycle

        request = self.request
        if request is None:
            return False
        if text is None:
            title = _("Public update") if public else _("Internal note")
            label = _("What the resident may be told:") if public else _("Note (staff only):")
            text = self.ask_text(title, label, self._offered("update") if public else [])
            if text is None:
                return False
        note = text
        return self._act(
            lambda v: lifecycle.add_note(
                request.id, note, public=public, version=v, actor=self._actor()
            ),
            _("add a note"),
        )

    def pause_or_resume(self, reason: str | None = None) -> bool:
        from desktop.models.requests import lifecycle

        request = self.request
        if request is None:
            return False
        if request.paused_since:
            return self._act(
                lambda v: lifecycle.resume(request.id, version=v, actor=self._actor()),
                _("resume the clock"),
            )
        if reason is None:
            reasons = [
                _("Waiting on the resident"),
                _("Waiting on parts"),
                _("Waiting on weather"),
                _("Waiting on another agency"),
            ]
            reason = self.ask(_("Pause the clock"), _("Why is the clock paused?"), reasons)
            if reason is None:
                return False
        why = reason
        return self._act(
            lambda v: lifecycle.pause(request.id, why, version=v, actor=self._actor()),
            _("pause the clock"),
        )

    def resolve(self, resolution: str = "", note: str = "", duplicate_of: str = "") -> bool:
        from desktop.models.requests import lifecycle

        request = self.request
        if request is None:
            return False
        if not resolution:
            labels = list(RESOLUTIONS.values())
            chosen = self.ask(_("Resolve"), _("How was it resolved?"), labels)
            if chosen is None:
                return False
            resolution = list(RESOLUTIONS)[labels.index(chosen)]
            if resolution == "duplicate":
                number = self.ask(_("Resolve"), _("Tracking number of the original:"), None)
                if number is None:
                    return False
                duplicate_of = number.strip()
            else:
                said = self.ask_text(
                    _("Resolve"),
                    _("What the resident is told about it (may be left empty):"),
                    self._offered("closing"),
                )
                if said is None:
                    return False
                note = said
        how = resolution
        return self._act(
            lambda v: lifecycle.resolve(
                request.id,
                how,
                version=v,
                actor=self._actor(),
                note=note,
                duplicate_of=duplicate_of or None,
            ),
            RESOLUTIONS.get(resolution, resolution).lower(),
        )

    def _offered(self, kind: str) -> list[tuple[str, str]]:
        """The town's saved responses of this kind for the request shown, filled in."""

        request = self.request
        if request is None:
            return []
        from desktop.models.documents.responses import offered

        try:
            return offered(request.id, kind)
        except KnownError as exc:
            log.warning("saved responses not offered: %s", exc)
            return []

    def mark_duplicate(self, original: str | None = None) -> bool:
        if original is None:
            original = self.ask_number(
                _("Mark as duplicate"), _("Tracking number of the original request:")
            )
            if original is None:
                return False
        return self.resolve("duplicate", duplicate_of=original.strip())

    def link_related(self, other: str | None = None) -> bool:
        """Link another request as related (both stay open; each one's detail lists the other)."""

        request = self.request
        if request is None:
            return False
        if other is None:
            other = self.ask_number(
                _("Link a related request"),
                _("Tracking number of the related request (it stays open, as this one does):"),
            )
            if other is None:
                return False
        try:
            link_related(request.id, other.strip(), actor=self._actor())
        except KnownError as exc:
            messages.error(self, exc)
            return False
        self._after_change(request.id)
        return True

    def close_request(self) -> bool:
        from desktop.models.requests import lifecycle

        request = self.request
        if request is None:
            return False
        return self._act(
            lambda v: lifecycle.close(request.id, version=v, actor=self._actor()), _("close")
        )

    def reopen(self, reason: str | None = None) -> bool:
        from desktop.models.requests import lifecycle

        request = self.request
        if request is None:
            return False
        if reason is None:
            reason = self.ask(_("Reopen"), _("Why is it reopened?"), None)
            if reason is None:
                return False
        why = reason
        return self._act(
            lambda v: lifecycle.reopen(request.id, why, version=v, actor=self._actor()),
            _("reopen"),
        )

    def _print(self) -> None:
        if self.request is not None:
            self.print_requested.emit(self.request.id)

    def print_receipt(self) -> Any:
        """The receipt again (the resident lost it, or asks at the window)."""

        if self.request is None:
            return None
        from desktop.ui import print_preview  # printing loads when first used

        return print_preview.print_receipt(self, self.request.id, self._actor())

    def print_letter(self) -> Any:
        """A letter to the resident from one of the town's templates, chosen by name."""

        if self.request is None:
            return None
        request_id = self.request.id
        from desktop.models.town.letters import letter_templates

        try:
            names = sorted(letter_templates())
        except KnownError as exc:
            messages.error(self, exc)
            return None
        chosen = self.ask(_("Print a letter"), _("Which letter?"), names)
        if not chosen:
            return None
        from desktop.ui import print_preview  # printing loads when first used

        return print_preview.print_letter(self, request_id, chosen, self._actor())
