"""Starting the window: the QApplication, the database, the first-run setup, the main window."""

from __future__ import annotations

import argparse
import logging
import os
import sqlite3
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlparse

import shiboken6
from PySide6 import QtWidgets  # PySide builds a class when first named: dialogs at use
from PySide6.QtCore import (
    QCoreApplication,
    QEvent,
    QLibraryInfo,
    QLocale,
    QObject,
    QTimer,
    QTranslator,
    Signal,
)
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QLineEdit,
)

from desktop import APP_NAME, __version__, i18n
from desktop.entry import start_up_done, thaw
from desktop.i18n import _
from desktop.models.admin import backups
from desktop.models.errors import KnownError, NotADatabase, PasswordNeeded
from desktop.models.setup.first_run import needs_first_run
from desktop.models.setup.opening import open_database
from desktop.models.staff import audit_witness, permissions
from desktop.models.storage import check_record, sessions
from desktop.models.storage.db import (
    DbKind,
    OpenedDatabase,
    close_database,
    is_postgres_url,
    mark_damaged,
    moved_to_server,
    refuse_a_missing_file,
    without_password,
)
from desktop.models.storage.integrity import quick_check_file
from desktop.models.storage.schema import database
from desktop.models.storage.secret_store import account, keyring_usable, remember_database_password
from desktop.models.town.settings import get_setting
from desktop.paths import AppPaths
from desktop.resources import resources_dir
from desktop.ui.background import BackgroundOp, Progress, finish_idle_work
from desktop.ui.crash import ExceptionHook
from desktop.ui.main_window import DB_FILTER, MainWindow
from desktop.ui.messages import messages
from desktop.ui.prefs import Prefs
from desktop.ui.qt_early import NAMESPACE_AFTER_MS, build_namespace

if TYPE_CHECKING:
    from desktop.models.storage.schema import StaffUser

log = logging.getLogger("frontcounter.ui")
#: how long after the window opens the day's retention, full check and backup begin: each may
#: read the whole file, and start-up is the clerk's (the check also waits for the idle processor)
BACKGROUND_AFTER_MS = 3000
#: how long after the window opens this workstation's row goes into the session table and the
#: audit trail's head is noted on this computer: writes (on a shared drive, a locked and synced
#: commit) that the first paint need not wait for
SESSION_AFTER_MS = 1000
#: `frontcounter --user NAME` with this variable signs in without the dialog (scripted runs)
PASSWORD_ENV = "FRONTCOUNTER_PASSWORD"


class _CheckSignals(QObject):
    """Brings the background check's answer to the GUI thread (a queued signal)."""

    #: the file checked, and the problems found (empty: sound)
    checked = Signal(str, list)


class AppController:
    """Owns the open database and the main window; switches both when the clerk opens another."""

    def __init__(self, prefs: Prefs, *, interactive: bool, backup_root: Path | None = None) -> None:
        self.prefs = prefs
        self.interactive = interactive
        self.backup_root = backup_root
        backups.set_backup_root(backup_root)
        self.opened: OpenedDatabase | None = None
        self.window: MainWindow | None = None
        self.passwords: dict[str, str] = {}  # typed this run; kept in memory only
        #: while the schema is upgraded
        self._upgrade_notice: QtWidgets.QProgressDialog | None = None
        #: --user: sign in as this staff member with FRONTCOUNTER_PASSWORD (scripted runs)
        self.scripted_user = ""
        #: who works at this workstation now (None: nobody signed in); the window passes it to
        #: the core as the actor of everything it does
        self.signed_in: StaffUser | None = None
        self._daily_backup: BackgroundOp | None = None
        self._check: BackgroundOp | None = None
        self.check_signals = _CheckSignals()
        self.check_signals.checked.connect(self._checked)
        #: --smoke-test: paint once and exit; no backups are taken (it is not a working session)
        self.take_backups = True
        #: the database a window was opened on (a start given up at the first-run setup or the
        #: sign-in did nothing in it: no backup on close)
        self.worked_in: OpenedDatabase | None = None
        self.backup_timer = QTimer()
        self.backup_timer.setInterval(60 * 60 * 1000)  # is the daily backup due? hourly
        self.backup_timer.timeout.connect(self.daily_backup)
        #: the day's check and backup, once the window is up (BACKGROUND_AFTER_MS)
        self.background_timer = QTimer()
        self.background_timer.setSingleShot(True)
        self.background_timer.timeout.connect(self._start_background_work)
        #: this workstation in the session table, once the window is up (SESSION_AFTER_MS)
        self.session_timer = QTimer()
        self.session_timer.setSingleShot(True)
        self.session_timer.timeout.connect(self._start_session)

    # -- safety around the open file (sessions, backups; docs/RELIABILITY.md rules 7, 8, 10) ---

    def backup_folder(self) -> Path | None:
        """Where this database's automatic backups go (None: not a file, or no folder set)."""
        if self.opened is None or self.opened.path is None or self.backup_root is None:
            return None
        return backups.folder_for(self.backup_root, self.opened.path)

    def _open(self, target: str, **options: object) -> OpenedDatabase:
        """open_database, with a password typed this run or asked for when the server wants one.

        A password typed into a PostgreSQL address is used for this run only: the address is
        remembered without it."""
        clean = without_password(target)
        if clean != target:
            self.passwords[clean] = unquote(urlparse(target).password or "")
            target = clean

        def attempt(password: str | None) -> OpenedDatabase:
            return open_database(
                target,
                password=password,
                upgrading=self._upgrading,
                **options,  # type: ignore[arg-type]
            )

        try:
            try:
                return attempt(self.passwords.get(target))
            except PasswordNeeded:
                if not self.interactive:
                    raise
                typed = self._ask_password(target)
                if not typed:
                    raise
                opened = attempt(typed)
                self.passwords[target] = typed
                return opened
        finally:
            self._upgraded()

    def _upgrading(self, sentence: str) -> None:
        """Say that the schema is being upgraded (a minute on a big town), before it starts:
        the window cannot answer meanwhile, so the notice is painted first."""
        start_up_done()  # an upgrade's work is no longer start-up's: collections resume
        log.info("%s", sentence)
        if not self.interactive:
            return
        from PySide6.QtCore import Qt
        from PySide6.QtGui import QGuiApplication

        notice = QtWidgets.QProgressDialog("", "", 0, 0)
        label = QLabel(sentence)
        label.setWordWrap(True)
        label.setMinimumWidth(420)
        notice.setLabel(label)
        notice.setObjectName("upgradeNotice")
        notice.setWindowTitle(APP_NAME)
        notice.setCancelButton(None)
        notice.setMinimumDuration(0)
        notice.setWindowModality(Qt.WindowModality.ApplicationModal)
        notice.show()
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        # shown and painted before the long work begins (the window system answers in its time)
        deadline = time.monotonic() + 0.5
        while time.monotonic() < deadline:
            QApplication.processEvents()
            handle = notice.windowHandle()
            if handle is not None and handle.isExposed():
                break
            time.sleep(0.01)
        notice.repaint()
        QApplication.processEvents()
        self._upgrade_notice = notice

    def _upgraded(self) -> None:
        notice = self._upgrade_notice
        if notice is None:
            return
        from PySide6.QtGui import QGuiApplication

        QGuiApplication.restoreOverrideCursor()
        notice.close()
        notice.deleteLater()
        self._upgrade_notice = None

    def _ask_password(self, target: str) -> str:
        typed, ok = QtWidgets.QInputDialog.getText(
            None,
            APP_NAME,
            _("Password for {account}:").format(account=account(target)),
            QLineEdit.EchoMode.Password,
        )
        if not ok or not typed:
            return ""
        if keyring_usable():
            answer = QtWidgets.QMessageBox.question(
                None,
                APP_NAME,
                _("Remember this password in this computer's keyring?"),
            )
            if answer == QtWidgets.QMessageBox.StandardButton.Yes:
                remember_database_password(target, typed)
        return str(typed)

    def _after_open(self) -> None:
        """Once the window is up, say who we are in the session table (SESSION_AFTER_MS);
        point a damaged file to its newest good backup; begin the day's work in the background."""
        assert self.opened is not None
        self.worked_in = self.opened
        if not self.opened.read_only:
            self.session_timer.start(SESSION_AFTER_MS)
        else:
            self._note_audit_head()
        if self.opened.damaged:
            self._point_to_backup()
        elif not self.opened.read_only:
            self.background_timer.start(BACKGROUND_AFTER_MS)
            self.backup_timer.start()

    def _start_session(self) -> None:
        """Say who we are in the session table (other workstations show it; a restore waits
        for them), for whoever is signed in now, and keep the audit trail's head as a
        checkpoint on this computer (audit_witness.py)."""
        opened = self.opened
        if opened is None or opened.read_only or database.obj is not opened.db:
            return  # closed, or another being opened: its own start says so
        self._note_audit_head()
        if sessions.current_token() is not None:
            return
        user = self.signed_in
        try:
            sessions.start(user.username if user else None, user.full_name if user else "")
        except KnownError as exc:
            log.warning("session not recorded: %s", exc)

    def _start_background_work(self) -> None:
        """After start-up: the town's retention setting (once a day; the window says so while
        it runs, since the first run after a town sets it can take a while on a big town),
        then the day's full check of a large file and the day's backup, in the background."""
        opened = self.opened
        if opened is None or opened.read_only or database.obj is not opened.db:
            return  # closed, found damaged, or another being opened: nothing to do now
        self._apply_retention(opened)
        if opened.check_pending and (self._check is None or self._check.done):
            self._check_in_background()
        self.daily_backup()

    def _apply_retention(self, opened: OpenedDatabase) -> None:
        from PySide6.QtCore import Qt

        from desktop.models.admin import privacy

        if opened is not self.opened:
            return  # another database was opened meanwhile
        if not privacy.retention_due():
            return
        if self.window is not None:
            self.window.statusBar().showMessage(
                _("Removing residents' details older than the town keeps them…")
            )
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            done = privacy.run_scheduled()
            if done:
                log.info("scheduled anonymisation: %s", done)
        except KnownError as exc:
            log.warning("scheduled anonymisation not run: %s", exc)
        finally:
            QApplication.restoreOverrideCursor()
            if self.window is not None:
                self.window.statusBar().clearMessage()

    def _note_audit_head(self) -> None:
        """A checkpoint of the audit trail on this computer (audit_witness.py)."""
        try:
            audit_witness.note_head()
        except KnownError as exc:
            log.warning("audit checkpoint not noted: %s", exc)

    def _point_to_backup(self) -> None:
        assert self.opened is not None
        folder = self.backup_folder()
        if folder is None:
            return
        latest = backups.newest(folder)
        self.opened.read_only_reason += " " + (
            _("The newest good backup is {path} ({when}).").format(
                path=latest.path, when=f"{latest.taken_at:%Y-%m-%d %H:%M}"
            )
            if latest
            else _("No backup of this database was found in {folder}.").format(folder=folder)
        )

    def _check_in_background(self) -> None:
        """The day's full check of a large file while the clerk works (docs/RELIABILITY.md rule
        8): no progress window; damage found makes the file read-only at once, with the banner,
        keeping what is on screen."""

        assert self.opened is not None and self.opened.path is not None
        path = self.opened.path

        def work(progress: Progress) -> list[str] | None:
            # no Qt widgets and no peewee here: its own sqlite3 connection, interrupted when
            # the window closes (its read lock would hold up the last writes)
            try:
                return quick_check_file(path, lambda c: progress.on_cancel(c.interrupt))
            except (sqlite3.Error, OSError) as exc:  # locked, gone or interrupted: not checked
                log.warning("background check of %s did not run: %s", path, exc)
                return None

        def done(problems: list[str] | None) -> None:
            if problems is not None:
                self.check_signals.checked.emit(str(path), problems)

        self._check = BackgroundOp(
            None,
            APP_NAME,
            "",
            work,
            on_success=done,
            quiet=True,
            idle=True,
            on_error=self._background_failed,
        ).run()

    def _background_failed(self, exc: BaseException) -> None:
        """The day's check or backup ended in an error: the log says it (a bug: the crash
        dialog); the clerk's work goes on."""
        if isinstance(exc, KnownError):
            log.error("background work failed: %s (%s)", exc, exc.detail)
        else:
            sys.excepthook(type(exc), exc, exc.__traceback__)

    def _stop_check(self) -> None:
        """Closing does not wait for a check still reading the file; the next start checks
        again."""
        check = self._check
        if check is None or check.done:
            return
        check.cancel()
        check.wait()
        log.info("background check interrupted by closing")

    def _checked(self, path: str, problems: list[str]) -> None:
        opened = self.opened
        if opened is None or str(opened.path) != path or not opened.check_pending:
            return  # another database was opened meanwhile
        check_record.note_check(Path(path), problems)
        if not problems:
            opened.check_pending = False
            log.info("background check of %s: sound", path)
            if self.window is not None:
                self.window.statusBar().showMessage(
                    _("The database file was checked in full: no damage found."), 10000
                )
            return
        mark_damaged(opened, problems)
        self._point_to_backup()
        if self.window is not None:
            self.window.banner.update_text()
            self.window.read_only_changed()
            messages.info(self.window, APP_NAME, opened.read_only_reason)

    def daily_backup(self) -> None:
        """Take the day's backup in the background when none was taken in the last 24 hours."""
        folder = self.backup_folder()
        if folder is None or self.opened is None or self.opened.read_only or not self.take_backups:
            return
        if not backups.backup_due(folder) or (
            self._daily_backup is not None and not self._daily_backup.done
        ):
            return
        source = self.opened.path
        assert source is not None

        def work(_progress: Progress) -> None:  # its own sqlite3 connections
            # the app's own backup: nobody's doing (take_backup asks no permission)
            backups.take_backup(source, folder, automatic=True, actor=None)

        self._daily_backup = BackgroundOp(
            None, APP_NAME, "", work, quiet=True, on_error=self._background_failed
        ).run()

    def _before_close(self) -> None:
        """End this session and take the backup on close (a local file that is sound)."""
        self.backup_timer.stop()
        self.background_timer.stop()
        self.session_timer.stop()  # closed within a second of opening: no row was made
        self._stop_check()
        if self._daily_backup is not None:
            self._daily_backup.wait()
        if self.opened is None:
            return
        sessions.end()
        self._note_audit_head()
        if (
            self.opened.path is not None
            and self.worked_in is self.opened
            and not self.opened.read_only
            and self.take_backups
            and (folder := self.backup_folder()) is not None
            and backups.backup_on_close_due(folder)
        ):
            source = self.opened.path

            def backup(_progress: Progress) -> None:  # its own sqlite3 connections
                try:
                    # the app's own backup: nobody's doing (take_backup asks no permission)
                    backups.take_backup(source, folder, automatic=True, actor=None)
                except KnownError as exc:
                    log.error("backup on close failed: %s (%s)", exc, exc.detail)

            sentence = _("Taking the backup of {name} before closing…").format(name=source.name)
            if self.interactive:  # past half a second a window says what is being done
                BackgroundOp(None, APP_NAME, sentence, backup).run().wait()
            else:
                backup(Progress())

    def start(self, target: str, *, create: bool = True) -> bool:
        """Open the first database, asking for another while it cannot be opened.

        `create` is for the default database on first use: a file named with --db that does
        not exist is refused, as on the command line (a mistyped path must not start an empty
        town and leave its file behind); File → New database… makes a new one."""
        while True:
            shared = target in self.prefs.get("databases/shared")
            try:
                if not create:
                    refuse_a_missing_file(
                        target, _("make a new town with New database… in the File menu")
                    )
                self.opened = self._open(target, shared=shared or None, create=create)
                break
            except KnownError as exc:
                log.warning("could not open %s: %s (%s)", without_password(target), exc, exc.detail)
                if not self.interactive:
                    sys.stderr.write(f"frontcounter: {exc}\n")
                    return False
                chosen = self._ask_for_another(target, exc)
                if not chosen:
                    return False
                target = chosen
        first_admin = None
        if self.interactive and needs_first_run():
            from desktop.ui.first_run import FirstRunDialog

            dialog = FirstRunDialog(get_setting("town.name"))
            if dialog.exec() == FirstRunDialog.DialogCode.Accepted:
                first_admin = dialog.admin_user
            elif not dialog.staff_can_sign_in:
                return False  # nobody could sign in: nothing was done, nothing to back up
            # staff who have passwords sign in as usual; the administrator's is set later
        try:
            if not self._sign_in(first_admin):
                return False
        except KnownError as exc:
            sys.stderr.write(f"frontcounter: {exc}\n")
            return False
        self.prefs.remember_database(target, shared=self.opened.kind is DbKind.SHARED_FILE)
        self._after_open()
        self._show_window()
        if first_admin is not None and self.window is not None:
            self.window.show_checklist()  # a town just set up: what is left before day one
        return True

    def _sign_in(self, user: StaffUser | None = None) -> bool:
        """Who works at this workstation. Once staff have passwords: a remembered sign-in, the
        scripted --user, or the sign-in dialog; False when nobody signed in at a window.

        Without a window (--smoke-test, --no-err-windows) and no --user, the window opens with
        nobody signed in, and the core refuses every change."""

        assert self.opened is not None
        self.signed_in = None
        if user is None and permissions.sign_in_enabled():
            from desktop.models.staff import signin  # a town whose staff sign in

            if self.scripted_user:
                user = signin.authenticate(self.scripted_user, os.environ.get(PASSWORD_ENV, ""))
            else:
                user = signin.remembered_user(self.opened.location)
            if user is None and self.interactive:
                from desktop.ui.sign_in import SignInDialog

                dialog = SignInDialog(
                    self.opened.location,
                    get_setting("town.name"),
                    self.prefs.last_user(self.opened.location),
                )
                if dialog.exec() != SignInDialog.DialogCode.Accepted:
                    return False
                user = dialog.user
            if user is None:
                log.info("started without signing in (no window to ask in): changes are refused")
        self.signed_in = user
        if user is not None:
            self.prefs.set_last_user(self.opened.location, user.username)
        return True

    def sign_out(self) -> None:
        """Sign out (the remembered sign-in on this PC ends) and let the next person sign in."""

        assert self.opened is not None
        from desktop.models.staff import signin

        try:
            signin.forget(self.opened.location)
        except KnownError as exc:
            log.warning("remembered sign-in not revoked: %s", exc)
        self.signed_in = None
        old = self.window
        if old is not None:
            old.save_layout()
            old.hide()
        if not self._sign_in():
            QApplication.quit()
            return
        if old is not None:
            old.close()
            old.deleteLater()
            thaw()  # the first window may have been frozen with start-up's objects
        user = self.signed_in
        try:
            sessions.set_user(user.username if user else None, user.full_name if user else "")
        except KnownError as exc:
            log.warning("session not updated: %s", exc)
        self._show_window()

    def _ask_for_another(self, target: str, error: KnownError) -> str:
        box = QtWidgets.QMessageBox(QtWidgets.QMessageBox.Icon.Warning, APP_NAME, str(error))
        info = _("Database: {target}").format(target=target)
        folder = (
            backups.folder_for(self.backup_root, Path(target))
            if self.backup_root is not None and isinstance(error, NotADatabase)
            else None
        )
        latest = backups.newest(folder) if folder is not None else None
        if latest is not None:
            info += "\n" + _("The newest good backup is {path}.").format(path=latest.path)
        box.setInformativeText(info)
        if error.detail:
            box.setDetailedText(error.detail)
        other = box.addButton(
            _("Open another database…"), QtWidgets.QMessageBox.ButtonRole.AcceptRole
        )
        server = box.addButton(_("Open a server…"), QtWidgets.QMessageBox.ButtonRole.AcceptRole)
        box.addButton(_("Quit"), QtWidgets.QMessageBox.ButtonRole.RejectRole)
        while True:  # a file or server chooser given up on comes back to this choice
            box.exec()
            if box.clickedButton() is other:
                path, _filter = QtWidgets.QFileDialog.getOpenFileName(
                    None, _("Open database"), "", _(DB_FILTER)
                )
                if path:
                    return path
            elif box.clickedButton() is server:
                url = self._ask_for_server(target)
                if url:
                    return url
            else:
                return ""

    def _ask_for_server(self, failed: str) -> str:
        """The server's address from "Open a server…" ('' when given up); a server that failed
        to open is offered again, to put right."""
        from desktop.ui.open_server import OpenServerDialog

        dialog = OpenServerDialog(None, failed if is_postgres_url(failed) else "")
        accepted = dialog.exec() == OpenServerDialog.DialogCode.Accepted
        dialog.deleteLater()
        return dialog.url if accepted else ""

    def _show_window(self) -> None:
        assert self.opened is not None
        self.window = MainWindow(self.opened, self.prefs, lambda: self.signed_in)
        self.window.open_requested.connect(self.switch)
        self.window.sign_out_requested.connect(self.sign_out)
        self.window.show()
        self._offer_the_server()

    def _offer_the_server(self) -> None:
        """A file whose town moved to PostgreSQL opens read-only: offer to open the server."""
        if not self.interactive or self.opened is None or self.window is None:
            return
        try:
            url = moved_to_server(self.opened)
        except KnownError as exc:
            log.warning("could not read where the town moved: %s", exc)
            return
        if url:
            messages.confirm(
                self.window,
                APP_NAME,
                self.opened.read_only_reason + "\n\n" + _("Open {url} now?").format(url=url),
                lambda: self.switch(url, False),
                default_yes=True,
            )

    def _hold_work_after_start(self) -> Callable[[], None]:
        """Stop the timers of what follows a window's start (the session row, the day's check
        and backup) while another database is being opened: an upgrade's notice and the
        first-run setup turn the event loop with it bound already. The function returned starts
        again those that were due, when the switch is given up."""
        held = [
            (timer, after)
            for timer, after in (
                (self.background_timer, BACKGROUND_AFTER_MS),
                (self.session_timer, SESSION_AFTER_MS),
            )
            if timer.isActive()
        ]
        for timer, _after in held:
            timer.stop()

        def resume() -> None:
            for timer, after in held:
                timer.start(after)

        return resume

    def switch(self, target: str, create: bool, shared: bool = False) -> None:
        """Open another database; on failure the current one stays open and nothing changes."""

        previous = self.opened
        resume = self._hold_work_after_start()
        # who is signed in belongs to the database open now: a new one is set up (or an older
        # one upgraded) by the app itself, not refused as an account it does not know
        was_signed_in = self.signed_in
        self.signed_in = None
        try:
            opened = self._open(target, create=create, shared=shared or None)
        except KnownError as exc:
            self.signed_in = was_signed_in
            resume()
            messages.error(self.window, exc)
            return
        first_admin = None
        if self.interactive and needs_first_run():
            from desktop.ui.first_run import FirstRunDialog

            dialog = FirstRunDialog(get_setting("town.name"))  # as at start-up
            if dialog.exec() == FirstRunDialog.DialogCode.Accepted:
                first_admin = dialog.admin_user
            elif not dialog.staff_can_sign_in:
                # not set up, nobody could sign in to it: the town open before stays open
                log.info("first-run setup of %s was put off", without_password(target))
                self._put_back(previous, opened, was_signed_in)
                resume()
                return
        if previous is not None:  # still bound to the previous file for a moment: say goodbye
            now_open = database.obj
            database.initialize(previous.db)
            self._before_close()
            database.initialize(now_open)
        if self.window is not None:
            self.window.save_layout()
            self.window.close()
            self.window.deleteLater()
            thaw()  # the first window may have been frozen with start-up's objects
        if previous is not None:
            close_database(previous)
        self.opened = opened
        try:
            signed_in = self._sign_in(first_admin)
        except KnownError as exc:
            messages.error(None, exc)
            signed_in = False
        if not signed_in:
            self.window = None
            QApplication.quit()
            return
        self.prefs.remember_database(target, shared=opened.kind is DbKind.SHARED_FILE)
        self._after_open()
        self._show_window()
        if first_admin is not None and self.window is not None:
            self.window.show_checklist()

    def _put_back(
        self, previous: OpenedDatabase | None, opened: OpenedDatabase, signed_in: StaffUser | None
    ) -> None:
        """A switch given up before the window changed: the new database closed, the one open
        before bound again with whoever was signed in to it."""

        close_database(opened)
        if previous is not None:
            database.initialize(previous.db)
        self.signed_in = signed_in

    def shutdown(self) -> None:
        if self.opened is not None:
            self._before_close()
            close_database(self.opened)
            self.opened = None


def install_qt_translations(app: QApplication) -> None:
    """Qt's own words (the buttons of its dialogs, the file chooser, Cut/Copy/Paste) in the
    workstation's language, from the catalog PySide6 ships (qtbase_<code>.qm)."""
    code = i18n.workstation_language()
    app.setProperty("frontcounter_language", code)
    if code == "en":
        return
    QLocale.setDefault(QLocale(f"{code}_US"))  # dates and numbers in Qt's own widgets
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    translator = QTranslator(app)
    if translator.load(f"qtbase_{code}", folder):
        app.installTranslator(translator)
    else:
        log.warning("Qt's own %s words were not found in %s", code, folder)


def run_gui(args: argparse.Namespace, paths: AppPaths) -> int:
    """Open the window (or, with --smoke-test, paint it once offscreen and exit)."""
    if args.smoke_test:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication([sys.argv[0]])
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setOrganizationName("FrontCounter")
    icon = resources_dir() / "icons" / "frontcounter.png"
    if icon.is_file():  # the title bar's and the taskbar's (else Python's, on Windows)
        app.setWindowIcon(QIcon(str(icon)))
    install_qt_translations(app)
    windows = not (args.no_err_windows or args.smoke_test)
    messages.windows = windows
    hook = ExceptionHook(windows=windows)
    hook.install()
    paths.ensure()
    prefs = Prefs(paths.settings_file)
    audit_witness.set_witness_file(paths.data_dir / audit_witness.FILE_NAME)
    check_record.set_record_file(paths.data_dir / check_record.FILE_NAME)
    controller = AppController(prefs, interactive=windows, backup_root=paths.backup_dir)
    controller.scripted_user = args.user or ""
    controller.take_backups = not args.smoke_test
    target = str(args.db) if args.db else str(paths.default_db)
    try:
        started = controller.start(target, create=not args.db)
        start_up_done()  # the window is built: its objects are start-up's, kept for good
        QTimer.singleShot(NAMESPACE_AFTER_MS, build_namespace)  # before the first key needs it
        if not started:
            status = 1 if args.smoke_test or not windows else 0
        elif args.smoke_test:
            status = _smoke(app, controller, hook)
        else:
            app.aboutToQuit.connect(controller.shutdown)
            status = app.exec()
    finally:
        controller.shutdown()
    # only on an ordinary end: a bug on its way out still needs Qt for its crash dialog
    _end_qt(app, prefs, delete=existing is None)
    return status


def _end_qt(app: QApplication, prefs: Prefs, *, delete: bool) -> None:
    """The window's end, done here and not left to Python's teardown of every object (which
    the program skips: `desktop.app.run`): this workstation's preferences written, every window
    deleted, the work in the background ended, and (`delete`: run_gui made it) the
    QApplication deleted, which waits for the global pool's work and hands what the clerk
    copied to the system's clipboard (Windows flushes it; X11 gives it to the clipboard
    manager)."""
    prefs.sync()
    for widget in QApplication.topLevelWidgets():
        widget.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    finish_idle_work()
    if delete:
        shiboken6.delete(app)


def _smoke(app: QApplication, controller: AppController, hook: ExceptionHook) -> int:
    window = controller.window
    assert window is not None
    app.processEvents()
    image = window.grab()
    app.processEvents()
    ok = not image.isNull() and not hook.bugs
    window.close()
    print("smoke test: " + ("ok" if ok else "FAILED"))
    return 0 if ok else 1
