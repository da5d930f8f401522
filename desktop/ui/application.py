"""Starting the window: the QApplication, the database, the first-run setup, the main window."""

from __future__ import annotations

import argparse
import logging
import os
import sys

from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from desktop import APP_NAME, __version__
from desktop.i18n import _
from desktop.models.db import DbKind, OpenedDatabase, close_database, open_database
from desktop.models.errors import KnownError
from desktop.models.first_run import needs_first_run
from desktop.paths import AppPaths
from desktop.ui.crash import ExceptionHook
from desktop.ui.main_window import DB_FILTER, MainWindow
from desktop.ui.messages import messages
from desktop.ui.prefs import Prefs

log = logging.getLogger("frontcounter.ui")


class AppController:
    """Owns the open database and the main window; switches both when the clerk opens another."""

    def __init__(self, prefs: Prefs, *, interactive: bool) -> None:
        self.prefs = prefs
        self.interactive = interactive
        self.opened: OpenedDatabase | None = None
        self.window: MainWindow | None = None

    def start(self, target: str) -> bool:
        """Open the first database, asking for another while it cannot be opened."""
        while True:
            shared = target in self.prefs.get("databases/shared")
            try:
                self.opened = open_database(target, shared=shared or None)
                break
            except KnownError as exc:
                log.warning("could not open %s: %s (%s)", target, exc, exc.detail)
                if not self.interactive:
                    sys.stderr.write(f"frontcounter: {exc}\n")
                    return False
                chosen = self._ask_for_another(target, exc)
                if not chosen:
                    return False
                target = chosen
        if self.interactive and needs_first_run():
            from desktop.models.settings import get_setting
            from desktop.ui.first_run import FirstRunDialog

            dialog = FirstRunDialog(get_setting("town.name"))
            if dialog.exec() != FirstRunDialog.DialogCode.Accepted:
                return False
        self.prefs.remember_database(target, shared=self.opened.kind is DbKind.SHARED_FILE)
        self._show_window()
        return True

    def _ask_for_another(self, target: str, error: KnownError) -> str:
        box = QMessageBox(QMessageBox.Icon.Warning, APP_NAME, str(error))
        box.setInformativeText(_("Database: {target}").format(target=target))
        if error.detail:
            box.setDetailedText(error.detail)
        other = box.addButton(_("Open another database…"), QMessageBox.ButtonRole.AcceptRole)
        box.addButton(_("Quit"), QMessageBox.ButtonRole.RejectRole)
        box.exec()
        if box.clickedButton() is not other:
            return ""
        path, _filter = QFileDialog.getOpenFileName(None, _("Open database"), "", DB_FILTER)
        return path

    def _show_window(self) -> None:
        assert self.opened is not None
        self.window = MainWindow(self.opened, self.prefs)
        self.window.open_requested.connect(self.switch)
        self.window.show()

    def switch(self, target: str, create: bool, shared: bool = False) -> None:
        """Open another database; on failure the current one stays open and nothing changes."""
        previous = self.opened
        try:
            opened = open_database(target, create=create, shared=shared or None)
        except KnownError as exc:
            messages.error(self.window, exc)
            return
        if self.window is not None:
            self.window.save_layout()
            self.window.close()
            self.window.deleteLater()
        if previous is not None:
            close_database(previous)
        self.opened = opened
        if self.interactive and needs_first_run():
            from desktop.ui.first_run import FirstRunDialog

            if FirstRunDialog().exec() != FirstRunDialog.DialogCode.Accepted:
                log.info("first-run setup of %s was put off", target)
        self.prefs.remember_database(target, shared=opened.kind is DbKind.SHARED_FILE)
        self._show_window()

    def shutdown(self) -> None:
        if self.opened is not None:
            close_database(self.opened)
            self.opened = None


def run_gui(args: argparse.Namespace, paths: AppPaths) -> int:
    """Open the window (or, with --smoke-test, paint it once offscreen and exit)."""
    if args.smoke_test:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    app = QApplication.instance() or QApplication([sys.argv[0]])
    assert isinstance(app, QApplication)
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setOrganizationName("FrontCounter")
    windows = not (args.no_err_windows or args.smoke_test)
    messages.windows = windows
    hook = ExceptionHook(windows=windows)
    hook.install()
    paths.ensure()
    prefs = Prefs(paths.settings_file)
    controller = AppController(prefs, interactive=windows)
    target = str(args.db) if args.db else str(paths.default_db)
    try:
        if not controller.start(target):
            return 1 if args.smoke_test or not windows else 0
        if args.smoke_test:
            return _smoke(app, controller, hook)
        app.aboutToQuit.connect(controller.shutdown)
        return app.exec()
    finally:
        controller.shutdown()


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
