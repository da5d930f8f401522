"""The main window: the product's areas down the side, the open database in the status bar."""

from __future__ import annotations

import datetime as dt
import functools
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from PySide6 import QtCore, QtWidgets  # PySide builds a class when first named: at use
from PySide6.QtCore import QByteArray, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMenu,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from desktop import APP_NAME, __version__, i18n
from desktop.i18n import N_, _, ngettext
from desktop.models import clock
from desktop.models.errors import KnownError
from desktop.models.requests.listing import RequestFilter
from desktop.models.requests.my_work import my_work
from desktop.models.staff.permissions import can
from desktop.models.storage.db import (
    DbKind,
    OpenedDatabase,
    data_version,
    is_postgres_url,
    moved_to_server,
)
from desktop.models.storage.schema import database
from desktop.models.town.settings import get_setting
from desktop.models.vocab import ROLES
from desktop.ui.background import BackgroundOp
from desktop.ui.messages import messages
from desktop.ui.prefs import Prefs
from desktop.ui.qt_early import set_enum

if TYPE_CHECKING:
    from PySide6.QtWidgets import QDialog

    from desktop.models.storage.schema import StaffUser
    from desktop.ui.counter_page import CounterPage
    from desktop.ui.help_dialog import HelpDialog
    from desktop.ui.open_server import OpenServerDialog
    from desktop.ui.print_preview import PrintJob
    from desktop.ui.requests_page import RequestsPage
    from desktop.ui.settings_page import SettingsPage
    from desktop.ui.sign_in import ChangePasswordDialog

log = logging.getLogger("frontcounter.ui")
POLL_MS = 3000  # how often other clerks' saves are looked for
OUTBOX_MS = 120_000  # how often the outbox's emails are sent (when the town has email set up)

DB_FILTER = N_("Front Counter databases (*.db *.sqlite *.frontcounter);;All files (*)")


class MainWindow(QMainWindow):
    """Holds the pages; asks the application to switch databases through `open_requested`."""

    #: (target, create, shared) — the application opens it and rebuilds the window
    open_requested = Signal(str, bool, bool)
    #: "Sign out / switch user": the application asks who is at the workstation now
    sign_out_requested = Signal()

    def __init__(
        self, opened: OpenedDatabase, prefs: Prefs, signed_in: Callable[[], StaffUser | None]
    ) -> None:
        """`signed_in` says who works at this workstation now (the application keeps it: None
        while nobody is signed in); every page passes it to the core as the actor."""
        super().__init__()
        self.opened = opened
        self.prefs = prefs
        self._signed_in = signed_in
        self._typed_server = ""  # "Open a server…" offers it again
        self.nav = QListWidget()
        self.nav.setObjectName("areas")
        font = self.nav.font()
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.nav.setFont(font)
        self.nav.setSpacing(3)
        self.stack = QStackedWidget()
        self._factories: list[Callable[[], QWidget]] = []
        self._built: dict[int, QWidget] = {}
        for number, (title, factory) in enumerate(self._areas(), start=1):
            self.stack.addWidget(_Holder())
            self._factories.append(factory)
            QListWidgetItem(title, self.nav).setToolTip(f"Ctrl+{number}")
        self.nav.currentRowChanged.connect(self.show_page)
        self.nav.setMinimumWidth(self.nav.sizeHintForColumn(0) + 2 * self.nav.frameWidth() + 16)

        splitter = QSplitter()
        splitter.addWidget(self.nav)
        splitter.addWidget(self.stack)
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)
        splitter.setSizes([170, 1030])
        from desktop.ui.file_safety import SafetyBanner, SessionsLabel

        self.banner = SafetyBanner(opened)
        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.banner)
        column.addWidget(splitter, 1)
        self.setCentralWidget(central)
        self._build_menus()
        self.db_label = QLabel()
        self._build_toolbar()
        self.sessions_label = SessionsLabel(opened, self.banner)
        self.statusBar().addPermanentWidget(self.sessions_label)
        self.statusBar().addPermanentWidget(self.db_label)
        from desktop.ui.open311_service import Open311Service

        #: the Open311 endpoint this window serves (Settings → Partners; off by default)
        self.open311 = Open311Service(prefs, self)
        self.open311_label = QLabel()
        self.open311_label.setVisible(False)
        self.statusBar().addPermanentWidget(self.open311_label)
        self.open311.changed.connect(self._open311_changed)
        problem = self.open311.start_from_prefs()
        if problem:
            self.statusBar().showMessage(problem, 15000)
        self.update_title()
        self._watch_other_clerks()
        #: the outbox's emails go out every few minutes when the town has email set up
        self._sending: BackgroundOp | None = None
        self.outbox_timer = QTimer(self)
        self.outbox_timer.setInterval(OUTBOX_MS)
        self.outbox_timer.timeout.connect(self.send_notices)
        self.outbox_timer.timeout.connect(self.read_mailbox)
        self._reading: BackgroundOp | None = None
        self.outbox_timer.start()
        self._restore_layout()
        self.update_my_work()
        from desktop.ui.scanner import take_scans

        take_scans(self, self.scanned)  # a scan anywhere in the window opens its request

    # -- pages --------------------------------------------------------------------------------

    def _areas(self) -> list[tuple[str, Callable[[], QWidget]]]:
        return [
            (_("Counter"), self._make_counter_page),
            (_("Requests"), self._make_requests_page),
            (_("Knowledge base"), self._make_knowledge_page),
            (_("Work orders"), self._make_work_orders_page),
            (_("Dashboard"), self._make_dashboard_page),
            (_("Settings"), self._make_settings_page),
            (_("Staff and audit"), self._make_staff_page),
            (_("Map"), self._make_map_page),
        ]

    #: the areas only some roles may open (index -> permissions action); the core checks again
    AREA_ACTIONS: ClassVar[dict[int, str]] = {
        4: "reports.view",
        5: "routing.edit",
        6: "staff.manage",
    }

    def area_allowed(self, index: int) -> bool:
        action = self.AREA_ACTIONS.get(index)
        return action is None or can(self.staff(), action)

    def _make_staff_page(self) -> QWidget:
        from desktop.ui.users_page import StaffAndAuditPage

        page = StaffAndAuditPage(self.staff)
        page.load()
        return page

    def _make_map_page(self) -> QWidget:
        from desktop.ui.map_page import MapPage

        page = MapPage(self.staff)
        page.open_request.connect(self.open_request)
        page.load()
        return page

    def _make_dashboard_page(self) -> QWidget:
        from desktop.ui.dashboard_page import DashboardPage

        page = DashboardPage(self.staff)
        page.drill_down.connect(self.show_requests)
        page.open_request.connect(self.open_request)
        page.load()
        return page

    def show_requests(self, title: str, filters: object) -> None:
        """The Requests area listing exactly these requests (a Dashboard number's)."""

        assert isinstance(filters, RequestFilter)
        self.show_page(1)
        self.requests_page.show_requests(title, filters)

    def _make_work_orders_page(self) -> QWidget:
        from desktop.ui.work_orders_page import WorkOrdersPage

        page = WorkOrdersPage(self.staff)
        # this window's own saves do not move data_version: the lists are told directly
        page.closeout.closed.connect(self._request_saved)
        page.today.open_request.connect(self.open_request)
        page.load()
        return page

    def _make_knowledge_page(self) -> QWidget:
        from desktop.ui.knowledge_page import KnowledgePage

        return KnowledgePage(self.staff)

    def _make_counter_page(self) -> QWidget:
        from desktop.ui.counter_draft import DraftStore
        from desktop.ui.counter_page import CounterPage

        drafts = DraftStore(self.prefs.folder / "drafts", self.opened.location)
        page = CounterPage(
            drafts,
            self.staff,
            self.prefs.get("counter/last_channel"),
            read_only=self.read_only_reason,
        )
        page.channel.currentIndexChanged.connect(
            lambda _i: self.prefs.set("counter/last_channel", page.channel.currentData())
        )
        page.open_request.connect(self.open_request)
        page.request_saved.connect(self._request_saved)
        page.receipt_requested.connect(self.print_receipt)
        return page

    def _make_requests_page(self) -> QWidget:
        from desktop.ui.requests_page import RequestsPage

        hidden = self.prefs.get("requests/hidden_columns") or None
        page = RequestsPage(self.staff, hidden)
        page.my_work_since = self._my_work_since
        page.detail.read_only = self.read_only_reason
        page.my_work_seen.connect(self._my_work_seen)
        page.load()
        return page

    # -- my work: the counts beside the Requests area ----------------------------------------

    def _my_work_since(self) -> dt.datetime | None:
        user = self.staff()
        if user is None:
            return None
        seen = self.prefs.my_work_seen(self.opened.location, user.username)
        try:
            return dt.datetime.fromisoformat(seen) if seen else None
        except ValueError:
            return None

    def _my_work_seen(self) -> None:
        user = self.staff()
        if user is not None:
            self.prefs.set_my_work_seen(
                self.opened.location, user.username, clock.now().isoformat(timespec="seconds")
            )
        self.update_my_work()

    def update_my_work(self) -> None:
        """The Requests area's line down the side counts my open requests, the new ones for my
        department and those gone overdue since I last looked (refreshed as others save)."""

        item = self.nav.item(1)
        user = self.staff()
        if user is None:
            item.setText(_("Requests"))
            return
        try:
            work = my_work(user, self._my_work_since())
        except KnownError as exc:
            log.warning("my work not counted: %s", exc)
            return
        parts = [str(work.assigned)] if work.assigned else []
        if work.new_for_department:
            parts.append(_("{n} new").format(n=work.new_for_department))
        if work.overdue_since:
            parts.append(_("{n} late").format(n=work.overdue_since))
        item.setText(_("Requests") + (f"  ({', '.join(parts)})" if parts else ""))
        item.setToolTip(
            "Ctrl+2. "
            + _(
                "Assigned to you and open: {assigned}. New for your department: {new}. "
                "Gone overdue since you last looked at My work: {late}. The views “Mine” and "
                "“My work: …” in Requests list them."
            ).format(assigned=work.assigned, new=work.new_for_department, late=work.overdue_since)
        )
        self.nav.setMinimumWidth(self.nav.sizeHintForColumn(0) + 2 * self.nav.frameWidth() + 16)

    def _make_settings_page(self) -> QWidget:
        from desktop.ui.settings_page import SettingsPage

        page = SettingsPage(self.staff, open311=self.open311)
        page.saved.connect(self._settings_saved)
        page.backups_box.restored.connect(lambda path: self.open_requested.emit(path, False, False))
        page.go_to_area.connect(self.go_to_area)
        page.load()
        return page

    def read_only_reason(self) -> str:
        """Why this database takes no saves now ("" when it does)."""
        if not self.opened.read_only:
            return ""
        return self.opened.read_only_reason or _("The database is open read-only.")

    def read_only_changed(self) -> None:
        """The database became read-only while open (damage found by the background check):
        the Counter says so before the next call is typed."""
        counter = self._built.get(0)
        show = getattr(counter, "show_read_only", None)
        if callable(show):
            show()

    def show_checklist(self) -> None:
        """Settings → Get the town ready (the first run opens on it)."""
        if not self.area_allowed(5):
            return
        self.show_page(5)
        self.settings_page.show_checklist()

    def go_to_area(self, where: str) -> None:
        """A checklist item's "Go there" outside Settings."""
        if where == "staff":
            self.show_page(6)
        elif where == "knowledge:placeholders":
            self.show_page(2)
            knowledge = self.page(2)
            edit = getattr(knowledge, "edit_placeholders", None)
            if callable(edit):
                edit()

    def page(self, index: int) -> QWidget:
        """The area's page, built (and read from the database) the first time it is needed."""
        if index not in self._built:
            holder = self.stack.widget(index)
            assert isinstance(holder, _Holder)
            self._built[index] = holder.put(self._factories[index]())
        return self._built[index]

    @property
    def requests_page(self) -> RequestsPage:
        from desktop.ui.requests_page import RequestsPage

        page = self.page(1)
        assert isinstance(page, RequestsPage)
        return page

    @property
    def counter_page(self) -> CounterPage:
        from desktop.ui.counter_page import CounterPage

        page = self.page(0)
        assert isinstance(page, CounterPage)
        return page

    @property
    def settings_page(self) -> SettingsPage:
        from desktop.ui.settings_page import SettingsPage

        page = self.page(5)
        assert isinstance(page, SettingsPage)
        return page

    def show_page(self, index: int) -> None:
        """Switch area; a page is built and reads the database the first time it is shown."""
        if not 0 <= index < self.stack.count() or not self.area_allowed(index):
            return
        page = self.page(index)
        self.stack.setCurrentIndex(index)
        if self.nav.currentRow() != index:
            self.nav.setCurrentRow(index)
        focus = getattr(page, "focus_default", None)
        if self.nav.hasFocus():
            return  # the clerk is moving through the areas with the arrow keys
        if callable(focus):
            focus()  # the keyboard lands where the clerk types first
        else:
            page.setFocus()
            page.focusNextChild()  # a page with nothing said: its first field

    # -- who is at the counter, going to a request, other clerks' changes ----------------------

    def _build_toolbar(self) -> None:
        bar = QToolBar(_("Counter tools"))
        bar.setObjectName("counterTools")
        bar.setMovable(False)
        self.addToolBar(bar)
        bar.addWidget(QLabel(_("Go to request: ")))
        self.goto = QLineEdit()
        self.goto.setObjectName("gotoRequest")
        self.goto.setPlaceholderText(_("number or scan (Ctrl+G)"))
        self.goto.setToolTip(_("Go to a request: type or scan its number, Enter (Ctrl+G)"))
        self.goto.setMaximumWidth(220)
        self.goto.returnPressed.connect(self._goto_entered)
        bar.addWidget(self.goto)
        shortcut = QShortcut(QKeySequence("Ctrl+G"), self)
        set_enum(shortcut, "context", "ApplicationShortcut")
        shortcut.activated.connect(self.focus_goto)
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        bar.addWidget(spacer)
        user = self.staff()

        self.signed_in = QLabel(
            _("Signed in: {name} ({role})  ").format(
                name=user.full_name, role=ROLES.get(user.role, user.role)
            )
            if user is not None
            else _("Not signed in  ")
        )
        self.signed_in.setObjectName("signedIn")
        bar.addWidget(self.signed_in)
        self.password_action = bar.addAction(_("Change my password…"))
        self.password_action.setObjectName("changePassword")
        self.password_action.setVisible(user is not None)
        self.password_action.triggered.connect(lambda _checked=False: self.change_password())
        self.sign_out_action = bar.addAction(_("Sign out / switch user"))
        self.sign_out_action.setObjectName("signOut")
        self.sign_out_action.triggered.connect(
            lambda _checked=False: self.sign_out_requested.emit()
        )
        for index in range(self.nav.count()):  # areas this role may not open are not offered
            self.nav.item(index).setHidden(not self.area_allowed(index))

    def change_password(self) -> ChangePasswordDialog | None:
        """The signed-in staff member changes their own password."""
        from desktop.ui.sign_in import ChangePasswordDialog

        user = self.staff()
        if user is None:
            return None
        dialog = ChangePasswordDialog(user, self)
        dialog.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(
            lambda: self.statusBar().showMessage(_("Your password was changed."), 8000)
        )
        dialog.open()
        return dialog

    def staff(self) -> StaffUser | None:
        """Who is signed in at this workstation (recorded as the actor of every change)."""

        return self._signed_in()

    def focus_goto(self) -> None:
        self.goto.setFocus()
        self.goto.selectAll()

    def _goto_entered(self) -> None:
        text = self.goto.text().strip()
        if text and self.open_request(text):
            self.goto.clear()

    def scanned(self, number: str) -> None:
        """A scanner's burst where no page takes scans of its own: that request, from anywhere
        (what was typed where the cursor was is kept as it was). A number not found is said in
        the status bar with a beep, and the clerk stays where they were."""

        from desktop.models.documents.gather import find_by_reference

        try:
            find_by_reference(number)
        except KnownError as exc:
            QApplication.beep()
            self.statusBar().showMessage(str(exc), 15000)
            return
        self.open_request(number)

    def open_request(self, reference: str) -> bool:
        """Show a request (typed or scanned number) in the Requests area."""
        self.show_page(1)
        return self.requests_page.open_request(reference)

    def _request_saved(self, _number: str) -> None:
        if 1 in self._built:
            self.requests_page.refresh()
        self.update_my_work()

    def print_receipt(self, request_id: int) -> PrintJob | None:
        """Preview and print the resident's receipt for a request just saved at the counter."""
        from desktop.ui import print_preview

        return print_preview.print_receipt(self, request_id, self.staff())

    def _watch_other_clerks(self) -> None:
        """Notice other clerks' saves (docs/RELIABILITY.md rule 6) and show them without a
        restart."""

        try:
            self._data_version = data_version()
        except KnownError:
            self._data_version = 0
        self.poll_timer = QTimer(self)
        self.poll_timer.setInterval(POLL_MS)
        self.poll_timer.timeout.connect(self.check_for_changes)
        self.poll_timer.start()
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusWindowChanged.connect(self._focus_moved)

    def send_notices(self) -> None:
        """Send the outbox's emails that are due, in the background and without a progress
        window, when the town has notices on and email set up; what stopped the sending (the
        server down) is said in the status bar, and tried again at the next turn."""
        from desktop.models.outbox import delivery

        if self.opened.read_only or (self._sending is not None and not self._sending.done):
            return
        try:
            if not delivery.due_now():
                return
        except KnownError as exc:
            log.info("the outbox could not be read: %s", exc)
            return

        def done(result: delivery.SendResult) -> None:
            if result.stopped:
                self.statusBar().showMessage(
                    _("Email: {reason}").format(reason=result.stopped), 15000
                )
            elif result.sent:
                self.statusBar().showMessage(
                    ngettext(
                        "{n:,} notice sent to a resident.",
                        "{n:,} notices sent to residents.",
                        result.sent,
                    ).format(n=result.sent),
                    8000,
                )

        self._sending = self._quietly(
            lambda: delivery.send_due(limit=200), done, _("Email: {reason}")
        )

    def read_mailbox(self) -> None:
        """Read the town's mailbox into the web inbox in the background, when it is set up;
        what stopped the reading is said in the status bar (and it is read next time)."""
        from desktop.models.partners import mailbox

        if self.opened.read_only or (self._reading is not None and not self._reading.done):
            return
        try:
            if not mailbox.current().ready:
                return
        except KnownError:
            return
        actor = self.staff()

        def done(result: mailbox.FetchResult) -> None:
            if result.stored:
                self.statusBar().showMessage(
                    ngettext(
                        "{n:,} email waits in the web inbox (Go → Web inbox).",
                        "{n:,} emails wait in the web inbox (Go → Web inbox).",
                        result.stored,
                    ).format(n=result.stored),
                    10000,
                )

        self._reading = self._quietly(
            lambda: mailbox.fetch(limit=100, actor=actor), done, _("Mailbox: {reason}")
        )

    def _quietly(
        self, work: Callable[[], Any], done: Callable[[Any], None], said: str
    ) -> BackgroundOp:
        """Run `work` in the background with no progress window; a known failure is said in
        the status bar (`said` with its {reason}), a bug reaches the crash dialog."""

        def failed(exc: BaseException) -> None:
            if isinstance(exc, KnownError):
                self.statusBar().showMessage(said.format(reason=exc), 15000)
            else:
                sys.excepthook(type(exc), exc, exc.__traceback__)

        return BackgroundOp(
            None, "", "", lambda _progress: work(), on_success=done, quiet=True, on_error=failed
        ).run()

    def check_for_changes(self) -> bool:
        """Refresh the open lists if another clerk saved something. True when it did."""

        if database.obj is not self.opened.db:
            # a window left over from a database no longer open (closed, not yet deleted) reads
            # nothing: what the models are bound to now is another town's
            self.poll_timer.stop()
            return False

        try:
            version = data_version()
        except KnownError as exc:
            log.warning("could not check for changes: %s", exc)
            return False
        if version == self._data_version:
            return False
        self._data_version = version
        for page in self._built.values():
            # each page that shows records reads them again, keeping what the clerk is doing
            refresh = getattr(page, "refresh_from_others", None)
            if callable(refresh):
                refresh()
        self.update_my_work()
        return True

    def _focus_moved(self, _window: object) -> None:
        """The clerk came back to this window (from another program or from one of its boxes):
        other clerks' saves are looked for at once, not at the next poll.

        Told by the application's signal, not by overriding changeEvent: every change event of
        the window (its title, font, style...) then went into Python, and the first made PySide
        build 50 classes of events, 3 ms of start-up."""
        if self.isActiveWindow():
            self.check_for_changes()

    # -- menus --------------------------------------------------------------------------------

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu(_("&File"))
        self._action(
            file_menu, _("&New database…"), self.new_database, QKeySequence.StandardKey.New
        )
        self._action(
            file_menu, _("&Open database…"), self.open_database, QKeySequence.StandardKey.Open
        )
        self._action(file_menu, _("Open a &shared database…"), self.open_shared_database)
        self._action(file_menu, _("Open a ser&ver…"), self.open_server).setObjectName("openServer")
        self.recent_menu = file_menu.addMenu(_("&Recent databases"))
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        file_menu.addSeparator()
        self._action(file_menu, _("&Import requests…"), self.show_import).setObjectName(
            "importRequests"
        )
        file_menu.addSeparator()
        self._language_menu(file_menu.addMenu(_("&Language of this window")))
        file_menu.addSeparator()
        self._action(file_menu, _("&Quit"), self.close, QKeySequence.StandardKey.Quit)
        go_menu = self.menuBar().addMenu(_("&Go"))
        for index in range(self.nav.count()):
            item = self.nav.item(index)
            self._action(
                go_menu,
                item.text(),
                functools.partial(self.show_page, index),
                QKeySequence(f"Ctrl+{index + 1}"),
            )
        go_menu.addSeparator()
        self._action(go_menu, _("&Web inbox…"), self.show_web_inbox)
        help_menu = self.menuBar().addMenu(_("&Help"))
        help_keys = QKeySequence("F1")
        shortcuts = self._action(help_menu, _("&Keyboard shortcuts"), self.show_help, help_keys)
        set_enum(shortcuts, "shortcutContext", "ApplicationShortcut")  # in every dialog too
        self._action(help_menu, _("A clerk's first &day"), lambda: self.show_help(guide=True))
        help_menu.addSeparator()
        self._action(help_menu, _("&About Front Counter"), self.about)

    def _language_menu(self, menu: QMenu) -> None:
        """This workstation's language: the computer's, or one chosen (on the next start)."""
        menu.setObjectName("languageMenu")
        chosen = str(self.prefs.get("workstation/language") or "")
        group = QActionGroup(menu)
        for code, name in [("", _("The computer's language")), *i18n.LANGUAGES.items()]:
            action = menu.addAction(name)
            action.setCheckable(True)
            action.setChecked(code == chosen)
            action.setData(code)
            group.addAction(action)
            action.triggered.connect(functools.partial(self.choose_language, code))

    def choose_language(self, code: str) -> None:
        """Keep this workstation's language; the window speaks it from its next start."""
        self.prefs.set("workstation/language", code)
        self.prefs.qsettings.sync()
        spoken = i18n.LANGUAGES.get(code) or i18n.LANGUAGES[i18n.system_language()]
        self.statusBar().showMessage(
            _("Front Counter will speak {language} the next time it starts.").format(
                language=spoken
            ),
            15000,
        )

    def show_import(self) -> QDialog:
        """A town's old spreadsheet or another system's export, brought in (and undone)."""
        from desktop.ui.import_dialog import ImportDialog

        dialog = ImportDialog(self.staff, self)
        dialog.imported.connect(self._imported)
        dialog.show()
        return dialog

    def _imported(self, sentence: str) -> None:
        self.statusBar().showMessage(sentence, 10000)
        self.check_for_changes()

    def show_web_inbox(self) -> QDialog:
        """The web requests waiting for a clerk, beside the window."""
        from desktop.ui.web_inbox import WebInboxDialog

        dialog = WebInboxDialog(self.staff, self)
        dialog.decided.connect(lambda sentence, _number: self._settings_saved(sentence))
        dialog.show()
        return dialog

    def show_help(self, *, guide: bool = False) -> HelpDialog:
        """The keyboard shortcuts (F1) or the guide for a new clerk, beside the window."""
        from desktop.ui.help_dialog import HelpDialog

        dialog = HelpDialog(self)
        if guide:
            dialog.show_guide()
        dialog.show()
        return dialog

    def _action(
        self,
        menu: QMenu,
        text: str,
        slot: Callable[[], object],
        shortcut: QKeySequence | QKeySequence.StandardKey | None = None,
    ) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:  # as a property: setShortcut's overloads build Qt (qt_early.py)
            keys = shortcut if isinstance(shortcut, QKeySequence) else QKeySequence(shortcut)
            action.setProperty("shortcut", keys)
        action.triggered.connect(lambda _checked=False: slot())
        menu.addAction(action)
        return action

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        recent = self.prefs.get("databases/recent")
        if not recent:
            self.recent_menu.addAction(_("(none yet)")).setEnabled(False)
        for target in recent:
            self._action(self.recent_menu, target, functools.partial(self._open_recent, target))

    def new_database(self) -> None:
        path, _filter = QtWidgets.QFileDialog.getSaveFileName(
            self, _("New database"), "", _(DB_FILTER)
        )
        if path:
            if Path(path).exists():
                messages.info(
                    self,
                    _("New database"),
                    _("That file already exists; choose Open database to use it, or another name."),
                )
                return
            self.open_requested.emit(path, True, False)

    def open_database(self) -> None:
        path, _filter = QtWidgets.QFileDialog.getOpenFileName(
            self, _("Open database"), "", _(DB_FILTER)
        )
        if path:
            self.open_requested.emit(path, False, False)

    def _open_recent(self, target: str) -> None:
        shared = target in self.prefs.get("databases/shared")
        self.open_requested.emit(target, False, shared)

    def open_shared_database(self) -> None:
        path, _filter = QtWidgets.QFileDialog.getOpenFileName(
            self, _("Open a shared database (on a network drive)"), "", _(DB_FILTER)
        )
        if path:
            self.open_requested.emit(path, False, True)

    def open_server(self) -> OpenServerDialog:
        """Ask for a PostgreSQL server's address, then open it (the password as always)."""
        from desktop.ui.open_server import OpenServerDialog

        dialog = OpenServerDialog(self, self._server_to_offer())
        dialog.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._open_server(dialog.url))
        dialog.open()
        return dialog

    def _open_server(self, url: str) -> None:
        self._typed_server = url  # offered again if it does not open (a typo, the server down)
        self.open_requested.emit(url, False, False)

    def _server_to_offer(self) -> str:
        """The server last typed in this window, the one this file's town moved to, or the
        last one opened here."""

        if self._typed_server:
            return self._typed_server
        try:
            moved = moved_to_server(self.opened)
        except KnownError as exc:
            log.warning("could not read where the town moved: %s", exc)
            moved = ""
        if moved:
            return moved
        servers = [t for t in self.prefs.get("databases/recent") if is_postgres_url(t)]
        return servers[0] if servers else ""

    def about(self) -> None:
        messages.info(
            self,
            _("About Front Counter"),
            _(
                "Front Counter {version}\n"
                "Service requests and questions at the town hall counter.\n"
                "Database: {where}"
            ).format(version=__version__, where=self.opened.location),
        )

    # -- status -------------------------------------------------------------------------------

    def _settings_saved(self, what: str) -> None:
        self.statusBar().showMessage(what, 5000)
        self.update_title()

    def update_title(self) -> None:
        town = get_setting("town.name")
        self.setWindowTitle(f"{town} — {APP_NAME}" if town else APP_NAME)
        self.db_label.setText(database_status(self.opened))
        self.db_label.setToolTip(self.opened.location)

    # -- layout -------------------------------------------------------------------------------

    def _restore_layout(self) -> None:
        geometry = self.prefs.get("window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(1200, 760)
        state = self.prefs.get("window/state")
        if isinstance(state, QByteArray) and not state.isEmpty():
            self.restoreState(state)
        page = self.prefs.get("window/page")
        self.show_page(page if 0 <= page < self.stack.count() and self.area_allowed(page) else 1)

    def save_layout(self) -> None:
        if 1 in self._built:
            self.prefs.set("requests/hidden_columns", self.requests_page.hidden_columns())
        self.prefs.set("window/geometry", self.saveGeometry())
        self.prefs.set("window/state", self.saveState())
        self.prefs.set("window/page", self.stack.currentIndex())
        self.prefs.sync()

    def _open311_changed(self, text: str) -> None:
        self.open311_label.setText(text)
        self.open311_label.setVisible(bool(text))

    def closeEvent(self, event: QCloseEvent) -> None:
        self.open311.stop()  # it serves this town: not the next one opened
        if 0 in self._built:
            self.counter_page.closing()
        self.poll_timer.stop()
        self.outbox_timer.stop()
        for job in (self._sending, self._reading):
            if job is not None and not job.done:
                job.wait()  # a message being handed over, or kept, is recorded before closing
        self.sessions_label.stop()
        self.save_layout()
        super().closeEvent(event)


class _Holder(QWidget):
    """A place in the stack for a page that is made only when first shown (faster start-up)."""

    def __init__(self) -> None:
        super().__init__()
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)

    def put(self, page: QWidget) -> QWidget:
        self._layout.addWidget(page)
        return page


def database_status(opened: OpenedDatabase) -> str:
    """The status bar's words for what is open and how."""
    if opened.kind is DbKind.POSTGRESQL:
        text = _("PostgreSQL: {where}").format(where=opened.location)
    else:
        name = Path(opened.location).name
        text = _("{kind}: {name}").format(kind=opened.kind.label.capitalize(), name=name)
    if opened.read_only:
        text += " — " + _("read-only")
    return text


__all__ = ["MainWindow", "database_status"]
