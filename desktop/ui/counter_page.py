"""The Counter: one screen, keyboard first, to log a call, a walk-in, an email or a letter.

Who (look the caller up, or type a new one), where, what (the caller's own words, a type
suggested from them, the type's questions and safety notice), then Ctrl+Enter. Possible
duplicates are shown before saving; the caller can be added to one of them instead. The form is
kept on disk as it is typed, so a crash or a closed window never loses a caller's story.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QStringListModel, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from desktop import i18n
from desktop.i18n import LANGUAGES, _
from desktop.models.catalog import translations
from desktop.models.documents.gather import tracking_numbers
from desktop.models.errors import DatabaseReadOnly, InputError, KnownError
from desktop.models.knowledge.articles import (
    call_script,
    get_article,
    related_type_codes,
    render,
)
from desktop.models.knowledge.triage import triage
from desktop.models.requests.detail import contact_history
from desktop.models.requests.intake import (
    RequestDraft,
    add_follower,
    check_draft,
    create_request,
    find_duplicates,
    log_question,
    service_type_by_code,
)
from desktop.models.requests.lookups import find_types, known_addresses, type_names
from desktop.models.requests.tracking import find_request, looks_like_tracking
from desktop.models.residents.contacts import CallerDetails, find_contacts, primary_phone
from desktop.models.residents.contacts_text import looks_like_email, looks_like_phone
from desktop.models.residents.merge import merge_contacts
from desktop.models.storage.db import reading
from desktop.models.storage.schema import ServiceRequest, ServiceType, StaffUser
from desktop.models.town import register
from desktop.models.town.addresses import as_written
from desktop.models.vocab import CHANNELS, PRIORITIES, STATUSES, TARGET_UNITS
from desktop.ui.counter_answers import ArticleView, call_script_html
from desktop.ui.counter_draft import DraftStore
from desktop.ui.counter_history import CallerHistory
from desktop.ui.counter_widgets import TYPING_PAUSE_MS, QuestionsForm, SearchPicker
from desktop.ui.messages import messages

log = logging.getLogger("frontcounter.ui")

SUGGESTIONS = 3
DRAFT_PAUSE_MS = 400


class CounterPage(QWidget):
    """The intake form beside the caller's history."""

    #: a request was saved or a caller added to one: its tracking number (lists refresh)
    request_saved = Signal(str)
    #: the clerk asked for the receipt of this request (id)
    receipt_requested = Signal(int)
    #: open this request (tracking number) in the Requests area
    open_request = Signal(str)

    def __init__(
        self,
        drafts: DraftStore,
        actor: Callable[[], StaffUser | None],
        last_channel: str = "phone",
        parent: QWidget | None = None,
        read_only: Callable[[], str] = lambda: "",
    ) -> None:
        super().__init__(parent)
        self.drafts = drafts
        self.actor = actor
        #: why nothing can be saved now ("" when saves work): said before the clerk types
        self.read_only = read_only
        self.contact_id: int | None = None
        self.service_type: ServiceType | None = None
        self.duplicates_confirmed = False
        self.last_saved_id: int | None = None
        self._restoring = False

        self.error_label = QLabel()
        self.error_label.setObjectName("counterError")
        self.error_label.setWordWrap(True)
        self.error_label.setTextFormat(Qt.TextFormat.PlainText)
        self.error_label.setStyleSheet(
            "color:#8c1d18; background:#fdecea; padding:6px; border-radius:3px;"
        )
        self.error_label.hide()
        self.read_only_note = QLabel()
        self.read_only_note.setObjectName("counterReadOnly")
        self.read_only_note.setWordWrap(True)
        self.read_only_note.setTextFormat(Qt.TextFormat.PlainText)
        self.read_only_note.setStyleSheet(
            "color:#5c3d00; background:#fff4e5; padding:6px; border-radius:3px;"
        )
        self.read_only_note.hide()
        self.banner = self._banner()

        form = QWidget()
        column = QVBoxLayout(form)
        column.addWidget(self.banner)
        column.addWidget(self._who_group())
        column.addWidget(self._where_group())
        column.addWidget(self._what_group())
        column.addWidget(self._duplicates_group())
        column.addLayout(self._buttons())
        column.addStretch(1)
        scroll = self.form_scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(form)
        scroll.setFrameShape(QFrame.Shape.NoFrame)

        self.history = CallerHistory()
        self.history.request_clicked.connect(self.open_request)
        self.history.merge_clicked.connect(lambda _id: self.merge_other_record())
        self.article_view = ArticleView()
        self.article_view.type_clicked.connect(self.set_type)
        self.script = QTextBrowser()
        self.script.setObjectName("callScript")
        self.side = QTabWidget()
        self.side.addTab(self.history, _("Caller"))
        self.side.addTab(self.article_view, _("Answer"))
        # the chosen type's call script under the caller's history, not instead of it: the
        # clerk reads the steps while seeing who is calling and what they reported before
        self.script_box = QGroupBox(_("Call script"))
        self.script_box.setObjectName("callScriptBox")
        QVBoxLayout(self.script_box).addWidget(self.script)
        self.script_box.hide()
        side_column = QSplitter(Qt.Orientation.Vertical)
        side_column.addWidget(self.side)
        side_column.addWidget(self.script_box)
        side_column.setChildrenCollapsible(False)
        side_column.setSizes([300, 340])
        splitter = QSplitter()
        splitter.addWidget(scroll)
        splitter.addWidget(side_column)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([840, 340])  # the form whole on a 1400-pixel screen
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        # above the form, not in it: the message stays in view while the cursor goes to the
        # field it is about, however far down the form that is
        layout.addWidget(self.read_only_note)
        layout.addWidget(self.error_label)
        layout.addWidget(splitter, 1)

        index = self.channel.findData(last_channel)
        self.channel.setCurrentIndex(max(index, 0))
        self._timers()
        self._shortcuts()
        self._watch_changes()
        self.restore_draft()
        self.show_read_only()

    # -- building -----------------------------------------------------------------------------

    def _banner(self) -> QFrame:
        frame = QFrame()
        frame.setObjectName("savedBanner")
        frame.setStyleSheet("#savedBanner { background:#e6f4ea; border-radius:4px; }")
        row = QHBoxLayout(frame)
        self.banner_text = QLabel()
        self.banner_text.setTextFormat(Qt.TextFormat.PlainText)
        self.banner_number = QLabel()
        self.banner_number.setObjectName("savedNumber")
        self.banner_number.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        big = QFont(self.banner_number.font())
        big.setPointSizeF(big.pointSizeF() * 2.2)
        big.setBold(True)
        self.banner_number.setFont(big)
        self.receipt_button = QPushButton(_("Print &receipt"))
        self.receipt_button.clicked.connect(self._receipt)
        row.addWidget(self.banner_text)
        row.addWidget(self.banner_number)
        row.addStretch(1)
        row.addWidget(self.receipt_button)
        frame.hide()
        return frame

    def _who_group(self) -> QGroupBox:
        group = QGroupBox(_("Who"))
        grid = QGridLayout(group)
        self.who = SearchPicker(self._lookup_contacts, _("Phone, name or email of the caller"))
        self.who.setObjectName("who")
        self.who.picked.connect(self.pick_contact)
        self.who.entered.connect(self._new_caller_from)
        self.channel = QComboBox()
        for code, label in CHANNELS.items():
            self.channel.addItem(label, code)
        self.first_name = QLineEdit()
        self.last_name = QLineEdit()
        self.phone = QLineEdit()
        self.email = QLineEdit()
        for edit, text in (
            (self.first_name, _("First name")),
            (self.last_name, _("Last name")),
            (self.phone, _("Phone")),
            (self.email, _("Email")),
        ):
            edit.setPlaceholderText(text)
        self.picked_label = QLabel()
        self.picked_label.setTextFormat(Qt.TextFormat.PlainText)
        self.picked_label.setStyleSheet("color:#1a5e20; font-weight:bold;")
        # the language the resident reads: their receipt, letters and emails go out in it
        self.language = QComboBox()
        self.language.setObjectName("language")
        self.language.addItem(_("Reads: the town's usual language"), "")
        for code, name in LANGUAGES.items():
            self.language.addItem(_("Reads: {language}").format(language=name), code)
        self.language.currentIndexChanged.connect(lambda _i: self._reword_type())
        self.language.setToolTip(
            _(
                "The resident's receipt, letters and emails are written in this language, "
                "whatever the language of this window. Kept for their next call."
            )
        )
        self.anonymous = QCheckBox(_("&Anonymous"))
        self.confidential = QCheckBox(_("Confidential reporter"))
        self.confidential.setToolTip(
            _("Hide who reported this (for example a complaint about a neighbour).")
        )
        grid.addWidget(QLabel(_("Look up:")), 0, 0)
        grid.addWidget(self.who, 0, 1, 1, 3)
        grid.addWidget(QLabel(_("Channel:")), 0, 4)
        grid.addWidget(self.channel, 0, 5)
        grid.addWidget(self.picked_label, 1, 1, 1, 5)
        grid.addWidget(self.first_name, 2, 1)
        grid.addWidget(self.last_name, 2, 2)
        grid.addWidget(self.phone, 2, 3)
        grid.addWidget(self.email, 2, 4, 1, 2)
        grid.addWidget(self.anonymous, 3, 1)
        grid.addWidget(self.confidential, 3, 2, 1, 2)
        grid.addWidget(self.language, 3, 4, 1, 2)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(2, 1)
        grid.setColumnStretch(3, 1)
        self.anonymous.toggled.connect(self._anonymous_toggled)
        # Enter moves on as Tab does, and from the phone (or email) straight to the address:
        # most callers give a name and a phone, and Enter there did nothing
        self.first_name.returnPressed.connect(self.last_name.setFocus)
        self.last_name.returnPressed.connect(self.phone.setFocus)
        self.phone.returnPressed.connect(lambda: self.address.setFocus())
        self.email.returnPressed.connect(lambda: self.address.setFocus())
        return group

    def _where_group(self) -> QGroupBox:
        group = QGroupBox(_("Where"))
        form = QFormLayout(group)
        self.address = QLineEdit()
        self.address.setObjectName("address")
        self.address.setPlaceholderText(_("Street address, e.g. 12 Elm St"))
        self._addresses = QStringListModel(self)
        completer = QCompleter(self._addresses, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self.address.setCompleter(completer)
        self.location_notes = QLineEdit()
        self.location_notes.setPlaceholderText(_("Cross street, landmark, where exactly"))
        self.lat = QLineEdit()
        self.long = QLineEdit()
        self.lat.setPlaceholderText(_("latitude"))
        self.long.setPlaceholderText(_("longitude"))
        coords = QHBoxLayout()
        coords.addWidget(self.lat)
        coords.addWidget(self.long)
        form.addRow(_("A&ddress:"), self.address)
        self.place_note = QLabel()
        self.place_note.setObjectName("placeNote")
        self.place_note.setWordWrap(True)
        self.place_note.setVisible(False)
        form.addRow("", self.place_note)
        #: the coordinates the register put in the fields (changed with the address, unless the
        #: clerk typed others)
        self._register_place: tuple[str, str] | None = None
        form.addRow(_("Location notes:"), self.location_notes)
        form.addRow(_("Coordinates:"), coords)
        self.address.returnPressed.connect(self._address_entered)
        return group

    def _what_group(self) -> QGroupBox:
        group = QGroupBox(_("What"))
        column = QVBoxLayout(group)
        self.description = QPlainTextEdit()
        self.description.setObjectName("description")
        self.description.setPlaceholderText(_("The caller's own words"))
        self.description.setTabChangesFocus(True)
        self.description.setMaximumHeight(90)
        column.addWidget(self.description)
        suggestions = QHBoxLayout()
        suggestions.addWidget(QLabel(_("Suggested:")))
        self.suggestion_buttons: list[QPushButton] = []
        for number in range(1, SUGGESTIONS + 1):
            button = QPushButton()
            button.setObjectName(f"suggestion{number}")
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.hide()
            button.clicked.connect(lambda _c=False, n=number - 1: self.take_suggestion(n))
            self.suggestion_buttons.append(button)
            suggestions.addWidget(button)
        suggestions.addStretch(1)
        column.addLayout(suggestions)
        answers = QHBoxLayout()
        answers_label = QLabel(_("Answers:"))
        answers_label.setAlignment(Qt.AlignmentFlag.AlignTop)
        answers.addWidget(answers_label)
        answer_buttons = QVBoxLayout()
        answer_buttons.setSpacing(2)
        answers.addLayout(answer_buttons)
        self.article_buttons: list[QPushButton] = []
        for number in range(SUGGESTIONS + 1, 2 * SUGGESTIONS + 1):
            button = QPushButton()
            button.setObjectName(f"article{number - SUGGESTIONS}")
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.hide()
            button.clicked.connect(
                lambda _c=False, n=number - SUGGESTIONS - 1: self.take_article(n)
            )
            button.setStyleSheet("text-align:left; padding:2px 8px;")
            self.article_buttons.append(button)
            answer_buttons.addWidget(button)
        answers.addStretch(1)
        column.addLayout(answers)
        self.explanation = QLabel()
        self.explanation.setWordWrap(True)
        self.explanation.setTextFormat(Qt.TextFormat.PlainText)
        self.explanation.setStyleSheet("color:#666; font-size:small;")
        column.addWidget(self.explanation)
        self.type_picker = SearchPicker(
            self._lookup_types, _("Request type: type a name or keyword (or Alt+1 for the first)")
        )
        self.type_picker.setObjectName("typePicker")
        self.type_picker.picked.connect(self.set_type)
        column.addWidget(self.type_picker)
        self.type_label = QLabel()
        self.type_label.setTextFormat(Qt.TextFormat.PlainText)
        self.type_label.setWordWrap(True)
        column.addWidget(self.type_label)
        self.safety = QFrame()
        self.safety.setObjectName("safetyNotice")
        self.safety.setStyleSheet(
            "#safetyNotice { background:#fff4e5; border:2px solid #b3261e; border-radius:4px; }"
        )
        safety_column = QVBoxLayout(self.safety)
        self.safety_text = QLabel()
        self.safety_text.setWordWrap(True)
        self.safety_text.setTextFormat(Qt.TextFormat.PlainText)
        self.safety_text.setStyleSheet("color:#8c1d18; font-weight:bold;")
        self.safety_ack = QCheckBox(_("I &read this to the caller"))
        safety_column.addWidget(self.safety_text)
        safety_column.addWidget(self.safety_ack)
        self.safety.hide()
        column.addWidget(self.safety)

        self.notice = QLabel()
        self.notice.setWordWrap(True)
        self.notice.setTextFormat(Qt.TextFormat.PlainText)
        self.notice.setStyleSheet("color:#444;")
        column.addWidget(self.notice)
        self.questions = QuestionsForm()
        self.questions.hide()
        column.addWidget(self.questions)
        priority_row = QHBoxLayout()
        self.priority = QComboBox()
        self.priority.addItem(_("(the type's own)"), None)
        for code, label in PRIORITIES.items():
            self.priority.addItem(label, code)
        priority_row.addWidget(QLabel(_("Priority:")))
        priority_row.addWidget(self.priority)
        priority_row.addStretch(1)
        column.addLayout(priority_row)
        return group

    def _duplicates_group(self) -> QGroupBox:
        self.duplicates_box = QGroupBox(_("Possible duplicates: open requests of this type nearby"))
        self.duplicates_box.setObjectName("duplicates")
        column = QVBoxLayout(self.duplicates_box)
        hint = QLabel(
            _(
                "If it is the same problem, add this caller to it (Ctrl+D): no new work, and "
                "they hear back too. Otherwise press Ctrl+Enter again to save a new request."
            )
        )
        hint.setWordWrap(True)
        column.addWidget(hint)
        self.duplicates_list = QListWidget()
        self.duplicates_list.setMaximumHeight(110)
        self.duplicates_list.itemActivated.connect(lambda _i: self.add_caller_to_selected())
        column.addWidget(self.duplicates_list)
        row = QHBoxLayout()
        self.follow_button = QPushButton(_("Add this caller to the selected request (Ctrl+D)"))
        self.follow_button.clicked.connect(self.add_caller_to_selected)
        self.save_new_button = QPushButton(_("Save as a new request anyway"))
        self.save_new_button.clicked.connect(self._save_new_anyway)
        row.addWidget(self.follow_button)
        row.addWidget(self.save_new_button)
        row.addStretch(1)
        column.addLayout(row)
        self.duplicates_box.hide()
        return self.duplicates_box

    def _buttons(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.save_button = QPushButton(_("Save request (Ctrl+Enter)"))
        self.save_button.setObjectName("saveRequest")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        self.question_button = QPushButton(_("Question answered (F9)"))
        self.question_button.clicked.connect(self.question_answered)
        self.clear_button = QPushButton(_("Clear form (Ctrl+Shift+N)"))
        self.clear_button.clicked.connect(self.clear)
        row.addWidget(self.save_button)
        row.addWidget(self.question_button)
        row.addStretch(1)
        row.addWidget(self.clear_button)
        return row

    def _timers(self) -> None:
        def timer(interval: int, slot: Callable[[], object]) -> QTimer:
            made = QTimer(self)
            made.setSingleShot(True)
            made.setInterval(interval)
            made.timeout.connect(slot)
            return made

        self.suggest_timer = timer(TYPING_PAUSE_MS, self.update_suggestions)
        self.address_timer = timer(TYPING_PAUSE_MS, self._complete_address)
        self.place_timer = timer(TYPING_PAUSE_MS * 2, self.check_place)
        self.duplicate_timer = timer(TYPING_PAUSE_MS * 2, self.check_duplicates)
        self.draft_timer = timer(DRAFT_PAUSE_MS, self.keep_draft)

    def _shortcuts(self) -> None:
        context = Qt.ShortcutContext.WidgetWithChildrenShortcut
        for keys, slot in (
            ("Ctrl+Return", self.save),
            ("Ctrl+Enter", self.save),
            ("F9", self.question_answered),
            ("Ctrl+Shift+N", self.clear),
            ("Ctrl+D", self.add_caller_to_selected),
            ("Ctrl+L", self.focus_who),
            ("Alt+1", lambda: self.take_suggestion(0)),
            ("Alt+2", lambda: self.take_suggestion(1)),
            ("Alt+3", lambda: self.take_suggestion(2)),
            ("Alt+4", lambda: self.take_article(0)),
            ("Alt+5", lambda: self.take_article(1)),
            ("Alt+6", lambda: self.take_article(2)),
        ):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(context)
            shortcut.activated.connect(slot)

    def _watch_changes(self) -> None:
        for edit in (
            self.first_name,
            self.last_name,
            self.phone,
            self.email,
            self.location_notes,
            self.lat,
            self.long,
            self.who.edit,
        ):
            edit.textChanged.connect(self._changed)
        self.address.textEdited.connect(lambda _t: self.address_timer.start())
        self.address.textChanged.connect(self._address_changed)
        self.description.textChanged.connect(self._description_changed)
        for box in (self.anonymous, self.confidential, self.safety_ack):
            box.toggled.connect(self._changed)
        self.channel.currentIndexChanged.connect(self._changed)
        self.priority.currentIndexChanged.connect(self._changed)
        self.questions.changed.connect(self._changed)

    # -- who ----------------------------------------------------------------------------------

    def _lookup_contacts(self, text: str) -> list[tuple[str, Any]]:
        found = []
        for contact in find_contacts(text, limit=8):
            phone = primary_phone(contact)
            label = contact.display_name or _("(no name)")
            if phone:
                label += f" · {phone}"
            if contact.address:
                label += f" · {contact.address}"
            found.append((label, contact.id))
        return found

    def refresh_from_others(self) -> None:
        """Another clerk saved something: the caller's history beside the form again (what is
        typed in the form is never touched)."""
        if self.contact_id is None:
            return
        try:
            self.history.show_history(contact_history(self.contact_id, actor=self.actor()))
        except KnownError as exc:
            log.warning("caller history not refreshed: %s", exc)

    def pick_contact(self, contact_id: int) -> None:
        """Use a resident already on file; their history appears beside the form."""
        try:
            history = contact_history(contact_id, actor=self.actor())
        except KnownError as exc:
            self.show_error(str(exc))
            return
        contact = history.contact
        self.contact_id = contact.id
        self.anonymous.setChecked(False)
        self.first_name.setText(contact.first_name)
        self.last_name.setText(contact.last_name)
        self.phone.setText(history.phones[0] if history.phones else "")
        self.email.setText(history.emails[0] if history.emails else "")
        self._set_language(contact.language)
        self.picked_label.setText(
            _("On file: {name} — {open} open, {past} past requests").format(
                name=contact.display_name or _("(no name)"),
                open=len(history.open_requests),
                past=len(history.past_requests),
            )
        )
        self.history.show_history(history)
        if not self._restoring:
            self.address.setFocus()
            if not self.address.text() and contact.address:
                self.address.setText(contact.address)
                self.address.selectAll()
        self._changed()

    def merge_other_record(self, other_id: int | None = None) -> bool:
        """Fold a second record of the chosen resident into theirs (requests, numbers, notes)."""

        keep_id = self.contact_id
        if keep_id is None:
            return False
        try:
            keep = contact_history(keep_id, actor=self.actor()).contact
            if other_id is None:
                other_id = self._ask_other_record(keep_id)
                if other_id is None:
                    return False
            other = contact_history(other_id, actor=self.actor()).contact
            merge_contacts(
                keep_id,
                other_id,
                keep_version=keep.version,
                other_version=other.version,
                actor=self.actor(),
            )
        except KnownError as exc:
            self.show_error(str(exc))
            return False
        self.pick_contact(keep_id)
        return True

    def _ask_other_record(self, keep_id: int) -> int | None:

        text, ok = QInputDialog.getText(
            self, _("Merge records"), _("Phone, name or email of the other record:")
        )
        if not ok or not text.strip():
            return None
        found = [(label, cid) for label, cid in self._lookup_contacts(text) if cid != keep_id]
        if not found:
            self.show_error(_("No other record matches “{text}”.").format(text=text.strip()))
            return None
        labels = [label for label, _cid in found]
        chosen, ok = QInputDialog.getItem(
            self,
            _("Merge records"),
            _("Merge this record into the one on screen:"),
            labels,
            0,
            False,
        )
        return int(found[labels.index(chosen)][1]) if ok else None

    def _new_caller_from(self, text: str) -> None:
        """Enter with no match: the typed phone, email or name starts a new caller; a tracking
        number (the scanner types one and Enter wherever the cursor is) opens that request."""
        if looks_like_tracking(text):
            self._open_scanned(text)
            return
        self.forget_contact()
        if looks_like_phone(text):
            self.phone.setText(text)
            self.first_name.setFocus()
        elif looks_like_email(text):
            self.email.setText(text)
            self.first_name.setFocus()
        elif text:
            first, _space, last = text.partition(" ")
            self.first_name.setText(first if last else "")
            self.last_name.setText(last or first)
            self.phone.setFocus()
        else:
            self.address.setFocus()

    def _open_scanned(self, text: str) -> None:
        try:
            with reading():
                find_request(text)
        except KnownError as exc:
            self.show_error(str(exc))
            return
        self.who.edit.clear()
        self.who.close_results()
        self.open_request.emit(text)

    def _set_language(self, code: str) -> None:
        index = self.language.findData(code or "")
        self.language.setCurrentIndex(max(index, 0))

    def forget_contact(self) -> None:
        self.contact_id = None
        self.picked_label.clear()
        self.history.show_nobody()

    def focus_default(self) -> None:
        self.show_read_only()
        self.focus_who()

    def show_read_only(self) -> None:
        """A database that takes no saves says so before the clerk types a call, not after;
        looking callers up and reading answers still work."""
        reason = self.read_only()
        self.read_only_note.setText(
            _(
                "Nothing can be saved at this counter now: {reason} You can still look callers "
                "up, see their requests and read answers."
            ).format(reason=reason)
            if reason
            else ""
        )
        self.read_only_note.setVisible(bool(reason))
        for button in (self.save_button, self.question_button, self.follow_button):
            button.setEnabled(not reason)

    def focus_who(self) -> None:
        self.who.edit.setFocus()
        self.who.edit.selectAll()

    def _anonymous_toggled(self, anonymous: bool) -> None:
        if anonymous:
            self.forget_contact()
            for edit in (self.first_name, self.last_name, self.phone, self.email):
                edit.clear()
            self.confidential.setChecked(False)
        for widget in (
            self.first_name,
            self.last_name,
            self.phone,
            self.email,
            self.confidential,
            self.language,
        ):
            widget.setEnabled(not anonymous)

    # -- where --------------------------------------------------------------------------------

    def _complete_address(self) -> None:
        try:
            found = known_addresses(self.address.text())
            self._addresses.setStringList([as_written(a) for a in found])
        except KnownError as exc:
            log.warning("address completion failed: %s", exc)
            return
        if found and self.address.hasFocus() and not self._address_on_file():
            # the first is highlighted, so Enter takes it ("12 elm" and "12 Elm St" are one
            # place); Escape keeps what was typed
            completer = self.address.completer()
            completer.complete()
            popup = completer.popup()
            if popup is not None:
                popup.setCurrentIndex(self._addresses.index(0, 0))

    def _address_on_file(self) -> bool:
        typed = " ".join(self.address.text().split()).casefold()
        return any(typed == known.casefold() for known in self._addresses.stringList())

    def _address_entered(self) -> None:
        """Enter in the address: a completion still to come is looked up now; one address on
        file that starts so is taken, several are offered (Enter again takes the first), and
        otherwise what was typed stands. Then the caller's words."""
        if self.address_timer.isActive() and self.address.text().strip():
            self.address_timer.stop()
            self._complete_address()
            offered = self._addresses.stringList()
            if len(offered) == 1 and not self._address_on_file():
                self.address.setText(offered[0])
                popup = self.address.completer().popup()
                if popup is not None:
                    popup.hide()
            elif offered and not self._address_on_file():
                return  # the list is open on the first one: Enter takes it
        self.description.setFocus()

    def _address_changed(self) -> None:
        self.duplicates_confirmed = False
        self.duplicate_timer.start()
        self.place_timer.start()
        self._changed()

    def check_place(self) -> register.Checked | None:
        """The address against the town's register: where it is (its coordinates put in the
        fields, unless the clerk typed others), or a note that the register lacks it (it is
        saved all the same, and listed for review)."""
        self.place_timer.stop()
        typed = self.address.text().strip()
        checked = None
        if typed:
            try:
                checked = None if register.is_empty() else register.check(typed)
            except KnownError as exc:
                log.warning("address check failed: %s", exc)
        ours = self._register_place is not None and self._register_place == (
            self.lat.text(),
            self.long.text(),
        )
        mine = not (self.lat.text().strip() or self.long.text().strip()) or ours
        if checked is None:
            self.place_note.setVisible(False)
            if ours:
                self.lat.clear()
                self.long.clear()
            self._register_place = None
            return None
        match = checked.match
        if match is None:
            note = _(
                "Not in the town's address register: it is saved all the same, and listed "
                "for review."
            )
            if checked.suggestions:
                note += " " + _("Did you mean {places}?").format(
                    places="; ".join(as_written(s) for s in checked.suggestions[:3])
                )
            self.place_note.setText(note)
            if ours:
                self.lat.clear()
                self.long.clear()
                self._register_place = None
        else:
            how = {
                "point": "",
                "range": _(" (placed along the street by its number)"),
                "intersection": _(" (where the streets meet)"),
                "place": _(" (a named place)"),
            }[match.source]
            self.place_note.setText(
                _("✓ In the town's register: {address}{how}").format(
                    address=as_written(match.address), how=how
                )
            )
            if mine:
                place = (f"{match.lat:.6f}", f"{match.long:.6f}")
                self.lat.setText(place[0])
                self.long.setText(place[1])
                self._register_place = place
        self.place_note.setVisible(True)
        return checked

    # -- what ---------------------------------------------------------------------------------

    def _description_changed(self) -> None:
        self.suggest_timer.start()
        self._changed()

    def update_suggestions(self) -> None:
        """Rank request types and articles from the caller's words (as the clerk types)."""
        self.suggest_timer.stop()
        words = self.description.toPlainText()
        try:
            found = triage(words, limit=SUGGESTIONS, prefix_last=True) if words.strip() else None
        except KnownError as exc:
            log.warning("suggestions failed: %s", exc)
            found = None
        types = found.types if found else []
        articles = found.articles if found else []
        for number, button in enumerate(self.suggestion_buttons):
            if number < len(types):
                button.setText(f"Alt+{number + 1}  {types[number].name}")
                button.setProperty("code", types[number].code)
                button.show()
            else:
                button.setProperty("code", None)
                button.hide()
        for number, button in enumerate(self.article_buttons):
            if number < len(articles):
                mark = _(" [staff only]") if articles[number].staff_only else ""
                button.setText(
                    f"Alt+{number + SUGGESTIONS + 1}  {_short(articles[number].title)}{mark}"
                )
                button.setToolTip(articles[number].title)
                button.setProperty("article", articles[number].id)
                button.show()
            else:
                button.setProperty("article", None)
                button.hide()
        self.explanation.setText(found.explanation if found else "")
        self.explanation.setVisible(bool(found and found.explanation))

    def take_article(self, number: int) -> None:
        """Open a suggested article beside the form, to read to the caller."""
        if self.suggest_timer.isActive():
            self.update_suggestions()
        if not 0 <= number < len(self.article_buttons):
            return
        article_id = self.article_buttons[number].property("article")
        if article_id:
            self.open_article(int(article_id))

    def open_article(self, article_id: int) -> None:
        try:
            article = get_article(article_id)
            related = type_names(related_type_codes(article_id))
        except KnownError as exc:
            self.show_error(str(exc))
            return
        self.article_view.show_article(
            article.id, render(article.title), render(article.body), related
        )
        self.side.setCurrentWidget(self.article_view)

    def take_suggestion(self, number: int) -> None:
        if self.suggest_timer.isActive():
            self.update_suggestions()
        if not 0 <= number < len(self.suggestion_buttons):
            return
        code = self.suggestion_buttons[number].property("code")
        if code:
            self.set_type(code)

    def _lookup_types(self, text: str) -> list[tuple[str, Any]]:
        found = []
        for kind in find_types(text):
            name, group = _named(kind, "name"), _named(kind, "group")
            found.append((f"{name} — {group}" if group else name, kind.code))
        return found

    def spoken(self) -> str:
        """The caller's language: the one chosen under Reads, else the town's usual one (what
        their receipt will be written in)."""
        return str(self.language.currentData() or "") or i18n.DEFAULT

    def _reword_type(self) -> None:
        """The caller's language changed: the notices, script and questions again in it (the
        answers given so far kept)."""
        self._show_type_words()
        if self.service_type is not None and self.questions.attributes:
            answers = self.questions.values()
            self.questions.set_questions(self.questions.attributes, language=self.spoken())
            self.questions.set_values(answers)
            self._tab_through_the_type()

    def _show_type_words(self) -> None:
        """The type's notices and call script in the caller's language (read out to them)."""
        kind = self.service_type
        if kind is None:
            return
        spoken = self.spoken()
        safety = translations.type_text(kind, "safety_notice", spoken)
        self.safety_text.setText(safety)
        self.safety.setVisible(bool(kind.safety_notice.strip()))
        self.notice.setText(translations.type_text(kind, "service_notice", spoken))
        steps = [
            {**step, "ask": render(step["ask"]), "if_yes": render(step.get("if_yes", ""))}
            for step in call_script(kind.id, spoken)
        ]
        self.script.setHtml(call_script_html(steps) if steps else "")
        self.script_box.setVisible(bool(steps))  # the steps to follow, beside the form

    def set_type(self, code: str) -> None:
        """Choose the request type: its questions, safety notice and service notice appear."""
        try:
            kind = service_type_by_code(code)
            attributes = list(kind.attributes)
        except KnownError as exc:
            self.show_error(str(exc))
            return
        self.service_type = kind
        self.type_picker.edit.setText(_named(kind, "name"))
        self.type_picker.close_results()
        target = ""
        if kind.resolve_amount:
            target = _("target: {n} {unit}").format(
                n=kind.resolve_amount, unit=TARGET_UNITS.get(kind.resolve_unit, kind.resolve_unit)
            )
        self.type_label.setText(
            _("{name} → {department}{target}").format(
                name=_named(kind, "name"),
                department=translations.department_name(
                    kind.department, i18n.workstation_language()
                ),
                target=f" ({target})" if target else "",
            )
        )
        self.safety_ack.setChecked(False)
        self._show_type_words()
        self.questions.set_questions(
            sorted(attributes, key=lambda a: a.sort_order), language=self.spoken()
        )
        self._tab_through_the_type()
        self.duplicates_confirmed = False
        if not self._restoring:
            first = self.safety_ack if self.safety.isVisible() else self.questions.first_input()
            (first or self.save_button).setFocus()
            self.form_scroll.ensureWidgetVisible(first or self.save_button)
            self.check_duplicates()
        self._changed()

    def _tab_through_the_type(self) -> None:
        """Tab goes from the type to the safety notice's box, then each of the type's questions,
        then the priority, in that order both ways (the questions are made after the priority,
        so without this Tab jumped from the safety box past them)."""
        chain: list[QWidget] = [self.type_picker.edit]
        if not self.safety.isHidden():
            chain.append(self.safety_ack)
        chain += list(self.questions.inputs.values())
        chain += [self.priority]
        for before, after in itertools.pairwise(chain):
            QWidget.setTabOrder(before, after)

    # -- duplicates ---------------------------------------------------------------------------

    def check_duplicates(self) -> list[ServiceRequest]:
        """Open requests of the chosen type at or near this address, shown above the buttons."""
        self.duplicate_timer.stop()
        found: list[ServiceRequest] = []
        lat, long = self._coordinates()
        if self.service_type is not None and (self.address.text().strip() or lat is not None):
            try:
                found = find_duplicates(self.service_type.id, self.address.text(), lat, long)
            except KnownError as exc:
                log.warning("duplicate check failed: %s", exc)
        self.duplicates_list.clear()
        for request in found:
            item = QListWidgetItem(
                f"{request.tracking_number} · {request.address} · "
                f"{STATUSES.get(request.status, request.status)} · "
                f"{request.requested_at:%Y-%m-%d} · {request.description[:80]}"
            )
            item.setData(Qt.ItemDataRole.UserRole, request.id)
            self.duplicates_list.addItem(item)
        if found:
            self.duplicates_list.setCurrentRow(0)
        self.duplicates_box.setVisible(bool(found))
        return found

    def add_caller_to_selected(self) -> None:
        """The same problem was reported already: this caller follows it, no new work."""
        item = self.duplicates_list.currentItem()
        if not self.duplicates_box.isVisible() or item is None:
            return
        request_id = int(item.data(Qt.ItemDataRole.UserRole))
        try:
            add_follower(request_id, self.draft(), self.actor())
            [number] = tracking_numbers([request_id])
        except KnownError as exc:
            self.show_error(str(exc))
            return
        self._done(_("Caller added to request"), number, request_id)

    def _save_new_anyway(self) -> None:
        self.duplicates_confirmed = True
        self.save()

    # -- saving -------------------------------------------------------------------------------

    def _coordinates(self) -> tuple[float | None, float | None]:
        def number(edit: QLineEdit) -> float | None:
            try:
                return float(edit.text().replace(",", ".")) if edit.text().strip() else None
            except ValueError:
                return None

        return number(self.lat), number(self.long)

    def draft(self) -> RequestDraft:
        """What the form says, for the core to check and save."""
        lat, long = self._coordinates()
        anonymous = self.anonymous.isChecked()
        caller = CallerDetails(
            first_name=self.first_name.text().strip(),
            last_name=self.last_name.text().strip(),
            phone=self.phone.text().strip(),
            email=self.email.text().strip(),
            language=str(self.language.currentData() or ""),
        )
        return RequestDraft(
            service_type=self.service_type.code if self.service_type else "",
            description=self.description.toPlainText(),
            address=self.address.text(),
            location_notes=self.location_notes.text(),
            lat=lat,
            long=long,
            channel=str(self.channel.currentData()),
            answers=self.questions.values() if self.service_type else {},
            contact_id=None if anonymous else self.contact_id,
            caller=CallerDetails() if anonymous else caller,
            confidential=self.confidential.isChecked() and not anonymous,
            priority=self.priority.currentData(),
            safety_acknowledged=self.safety_ack.isChecked() or not self.safety.isVisible(),
        )

    def _bad_coordinate(self) -> QLineEdit | None:
        """The latitude or longitude field holding something that is not a number."""
        return next((edit for edit in (self.lat, self.long) if not _is_number(edit.text())), None)

    def _coordinates_problem(self) -> str:
        edit = self._bad_coordinate()
        if edit is None:
            return ""
        label = _("latitude") if edit is self.lat else _("longitude")
        return _("The {what} “{text}” is not a number.").format(
            what=label, text=edit.text().strip()
        )

    def save(self) -> None:
        """Check, look for duplicates, save; the form clears for the next caller."""
        bad_coordinate = self._bad_coordinate()
        if bad_coordinate is not None:
            self.show_error(self._coordinates_problem())
            self._focus(bad_coordinate)
            return
        if self.service_type is None:
            self.show_error(_("Choose the request type (Alt+1 takes the first suggestion)."))
            self._focus(self.type_picker.edit)
            return
        draft = self.draft()
        try:
            check_draft(draft)
        except InputError as exc:
            self.show_error(str(exc))
            self._focus(self._field_widget(exc.field))
            return
        if not self.duplicates_confirmed and self.check_duplicates():
            self.duplicates_confirmed = True  # the next Ctrl+Enter saves a new request
            self.show_error(
                _(
                    "This may already be reported (listed below). Add the caller to it with "
                    "Ctrl+D, or press Ctrl+Enter again to save a new request."
                )
            )
            self.duplicates_list.setFocus()
            self.form_scroll.ensureWidgetVisible(self.duplicates_box)
            return
        try:
            request = create_request(draft, self.actor())
        except KnownError as exc:
            # the form stays as it is: nothing the clerk typed is lost
            self.show_error(str(exc))
            if isinstance(exc, DatabaseReadOnly):
                self.show_read_only()  # said once, above the form: no dialog on top
            elif not isinstance(exc, InputError):
                messages.error(self, exc)
            return
        self._done(_("Saved. Tracking number"), request.tracking_number, request.id)

    def question_answered(self) -> None:
        """Log the contact as a question answered (no request), then clear the form."""
        article_id = self.article_view.article_id
        topic = self.description.toPlainText().strip() or (
            self.service_type.name if self.service_type else ""
        )
        if not topic and article_id is None:
            self.show_error(_("Write what the question was about in the description."))
            self.description.setFocus()
            return
        try:
            log_question(
                topic,
                str(self.channel.currentData()),
                contact_id=None if self.anonymous.isChecked() else self.contact_id,
                actor=self.actor(),
                article_id=article_id,
            )
        except KnownError as exc:
            self.show_error(str(exc))
            return
        self._done(
            _("Question logged, answered from the article.")
            if article_id
            else _("Question logged."),
            "",
            None,
        )

    def _done(self, text: str, number: str, request_id: int | None) -> None:
        self.last_saved_id = request_id
        self.banner_text.setText(text)
        self.banner_number.setText(number)
        self.receipt_button.setVisible(request_id is not None)
        self.banner.show()
        channel = self.channel.currentData()
        self.clear(keep_banner=True)
        self.channel.setCurrentIndex(max(self.channel.findData(channel), 0))
        if number:
            self.request_saved.emit(number)

    def _receipt(self) -> None:
        if self.last_saved_id is not None:
            self.receipt_requested.emit(self.last_saved_id)

    def _focus(self, field: QWidget | None) -> None:
        """The cursor to the field a message is about, scrolled into view (the message stays
        in view above the form)."""
        if field is not None:
            field.setFocus()
            self.form_scroll.ensureWidgetVisible(field)

    def _field_widget(self, field: str) -> QWidget | None:
        """The form's widget for a field the core named (InputError.field)."""
        if field.startswith("answer:"):
            return self.questions.inputs.get(field.removeprefix("answer:"))
        widgets: dict[str, QWidget] = {
            "service_type": self.type_picker.edit,
            "description": self.description,
            "channel": self.channel,
            "priority": self.priority,
            "lat": self.lat,
            "long": self.long,
            "address": self.address,
            "location_notes": self.location_notes,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "phone": self.phone,
            "email": self.email,
            "safety": self.safety_ack,
        }
        return widgets.get(field)

    def show_error(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.show()
        # the green "Saved" of the caller before would stand under a refusal of this one
        self.banner.hide()

    def clear(self, keep_banner: bool = False) -> None:
        """An empty form for the next caller (the channel stays)."""
        self._restoring = True
        try:
            self.forget_contact()
            self.who.edit.clear()
            self.who.close_results()
            for edit in (
                self.first_name,
                self.last_name,
                self.phone,
                self.email,
                self.address,
                self.location_notes,
                self.lat,
                self.long,
                self.type_picker.edit,
            ):
                edit.clear()
            self.type_picker.close_results()
            self.description.clear()
            self.anonymous.setChecked(False)
            self._set_language("")
            self.confidential.setChecked(False)
            self.priority.setCurrentIndex(0)
            self.service_type = None
            self.type_label.clear()
            self.notice.clear()
            self.safety.hide()
            self.safety_ack.setChecked(False)
            self.script.clear()
            self.script_box.hide()
            self.article_view.show_nothing()
            self.side.setCurrentWidget(self.history)
            self.questions.set_questions([])
            self.duplicates_list.clear()
            self.duplicates_box.hide()
            self.duplicates_confirmed = False
            self.error_label.hide()
            self.update_suggestions()
            if not keep_banner:
                self.banner.hide()
        finally:
            self._restoring = False
        self.draft_timer.stop()
        self.drafts.clear()
        self.focus_who()

    # -- the draft on disk --------------------------------------------------------------------

    def _changed(self) -> None:
        if not self._restoring:
            self.error_label.hide()
            self.draft_timer.start()
            # the next call has begun: the last one's "Saved" or "Question logged" would read
            # as if it were about this one
            self.banner.hide()

    def state(self) -> dict[str, Any]:
        """The whole form as plain data (what the draft file keeps)."""
        return {
            "who": self.who.edit.text(),
            "contact_id": self.contact_id,
            "first_name": self.first_name.text(),
            "last_name": self.last_name.text(),
            "phone": self.phone.text(),
            "email": self.email.text(),
            "language": self.language.currentData() or "",
            "anonymous": self.anonymous.isChecked(),
            "confidential": self.confidential.isChecked(),
            "address": self.address.text(),
            "location_notes": self.location_notes.text(),
            "lat": self.lat.text(),
            "long": self.long.text(),
            "description": self.description.toPlainText(),
            "type": self.service_type.code if self.service_type else "",
            "answers": self.questions.values() if self.service_type else {},
            "safety_acknowledged": self.safety_ack.isChecked(),
            "priority": self.priority.currentData(),
            "channel": self.channel.currentData(),
        }

    def keep_draft(self) -> None:
        self.draft_timer.stop()
        self.drafts.save(self.state())

    def restore_draft(self) -> bool:
        """Bring back a form left unsaved by a crash or a closed window."""
        state = self.drafts.load()
        if not state:
            return False
        self._restoring = True
        try:
            self._apply(state)
        finally:
            self._restoring = False
        self.update_suggestions()
        self.banner_text.setText(_("The form you had not saved was brought back."))
        self.banner_number.clear()
        self.receipt_button.hide()
        self.banner.show()
        return True

    def _apply(self, state: dict[str, Any]) -> None:
        def text(key: str) -> str:
            value = state.get(key, "")
            return value if isinstance(value, str) else ""

        contact_id = state.get("contact_id")
        if isinstance(contact_id, int):
            self.pick_contact(contact_id)
        self.who.edit.setText(text("who"))
        self.first_name.setText(text("first_name"))
        self.last_name.setText(text("last_name"))
        self.phone.setText(text("phone"))
        self.email.setText(text("email"))
        self._set_language(text("language"))
        self.anonymous.setChecked(bool(state.get("anonymous")))
        self.confidential.setChecked(bool(state.get("confidential")))
        self.address.setText(text("address"))
        self.location_notes.setText(text("location_notes"))
        self.lat.setText(text("lat"))
        self.long.setText(text("long"))
        self.description.setPlainText(text("description"))
        if text("type"):
            self.set_type(text("type"))
            answers = state.get("answers")
            if isinstance(answers, dict):
                self.questions.set_values(answers)
            self.safety_ack.setChecked(bool(state.get("safety_acknowledged")))
        index = self.priority.findData(state.get("priority"))
        self.priority.setCurrentIndex(max(index, 0))
        index = self.channel.findData(state.get("channel"))
        if index >= 0:  # a draft from before the channel was kept: the workstation's last
            self.channel.setCurrentIndex(index)

    def closing(self) -> None:
        """The window closes: keep what is typed right now."""
        if self.draft_timer.isActive():
            self.keep_draft()


def _named(kind: ServiceType, field: str) -> str:
    """A type's name or group as this window's clerk reads it (its Spanish in a Spanish window)."""
    return translations.type_text(kind, field, i18n.workstation_language())


def _short(title: str, limit: int = 48) -> str:
    return title if len(title) <= limit else title[: limit - 1].rstrip() + "…"


def _is_number(text: str) -> bool:
    """Empty, or a number as a clerk types one (a comma for the decimal point too)."""
    try:
        float(text.strip().replace(",", ".") or "0")
    except ValueError:
        return False
    return True
