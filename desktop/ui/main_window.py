"""The main window: the product's areas down the side, the open database in the status bar."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QByteArray, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMenu,
    QSplitter,
    QStackedWidget,
    QWidget,
)

from desktop import APP_NAME, __version__
from desktop.i18n import _
from desktop.models.db import DbKind, OpenedDatabase
from desktop.models.settings import get_setting
from desktop.ui.messages import messages
from desktop.ui.pages import NotBuiltPage
from desktop.ui.prefs import Prefs
from desktop.ui.requests_page import RequestsPage
from desktop.ui.settings_page import SettingsPage

DB_FILTER = _("Front Counter databases (*.db *.sqlite *.frontcounter);;All files (*)")


class MainWindow(QMainWindow):
    """Holds the pages; asks the application to switch databases through `open_requested`."""

    #: (target, create) — the application opens it and rebuilds the window
    open_requested = Signal(str, bool)

    def __init__(self, opened: OpenedDatabase, prefs: Prefs) -> None:
        super().__init__()
        self.opened = opened
        self.prefs = prefs
        self.nav = QListWidget()
        self.nav.setObjectName("areas")
        self.nav.setMaximumWidth(200)
        self.stack = QStackedWidget()
        self.requests_page = RequestsPage()
        self.settings_page = SettingsPage()
        self._loaders: dict[int, Callable[[], None]] = {}
        self._loaded: set[int] = set()
        self._add_page(
            _("Counter"),
            NotBuiltPage(
                _("Counter"),
                _(
                    "Here clerks will log calls, walk-ins, emails and letters: who called, where, "
                    "what, with the caller's history beside the form. This screen is not built yet."
                ),
            ),
        )
        self._add_page(_("Requests"), self.requests_page, self.requests_page.load)
        self._add_page(
            _("Knowledge base"),
            NotBuiltPage(
                _("Knowledge base"),
                _(
                    "A searchable FAQ with call scripts, so a question is answered in seconds. "
                    "This area is not built yet."
                ),
            ),
        )
        self._add_page(
            _("Work orders"),
            NotBuiltPage(
                _("Work orders"),
                _(
                    "Printed work orders for the crews, run sheets and the close-out by barcode. "
                    "This area is not built yet."
                ),
            ),
        )
        self._add_page(
            _("Dashboard"),
            NotBuiltPage(
                _("Dashboard"),
                _(
                    "Backlog, overdue, time to close and the monthly report for the council. "
                    "This area is not built yet."
                ),
            ),
        )
        self._add_page(_("Settings"), self.settings_page, self.settings_page.load)
        self.nav.currentRowChanged.connect(self.show_page)

        splitter = QSplitter()
        splitter.addWidget(self.nav)
        splitter.addWidget(self.stack)
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)
        self.setCentralWidget(splitter)
        self._build_menus()
        self.db_label = QLabel()
        self.statusBar().addPermanentWidget(self.db_label)
        self.update_title()
        self._restore_layout()

    # -- pages --------------------------------------------------------------------------------

    def _add_page(
        self, title: str, page: QWidget, loader: Callable[[], None] | None = None
    ) -> None:
        index = self.stack.addWidget(page)
        QListWidgetItem(title, self.nav)
        if loader is not None:
            self._loaders[index] = loader

    def show_page(self, index: int) -> None:
        """Switch area; a page reads the database the first time it is shown."""
        if not 0 <= index < self.stack.count():
            return
        self.stack.setCurrentIndex(index)
        if self.nav.currentRow() != index:
            self.nav.setCurrentRow(index)
        if index in self._loaders and index not in self._loaded:
            self._loaded.add(index)
            self._loaders[index]()

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
        self.recent_menu = file_menu.addMenu(_("&Recent databases"))
        self.recent_menu.aboutToShow.connect(self._fill_recent)
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
        help_menu = self.menuBar().addMenu(_("&Help"))
        self._action(help_menu, _("&About Front Counter"), self.about)

    def _action(
        self,
        menu: QMenu,
        text: str,
        slot: Callable[[], object],
        shortcut: QKeySequence | QKeySequence.StandardKey | None = None,
    ) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(shortcut)
        action.triggered.connect(lambda _checked=False: slot())
        menu.addAction(action)
        return action

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        recent = self.prefs.get("databases/recent")
        if not recent:
            self.recent_menu.addAction(_("(none yet)")).setEnabled(False)
        for target in recent:
            self._action(
                self.recent_menu, target, functools.partial(self.open_requested.emit, target, False)
            )

    def new_database(self) -> None:
        path, _filter = QFileDialog.getSaveFileName(self, _("New database"), "", DB_FILTER)
        if path:
            if Path(path).exists():
                messages.info(
                    self,
                    _("New database"),
                    _("That file already exists; choose Open database to use it, or another name."),
                )
                return
            self.open_requested.emit(path, True)

    def open_database(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, _("Open database"), "", DB_FILTER)
        if path:
            self.open_requested.emit(path, False)

    def open_shared_database(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, _("Open a shared database (on a network drive)"), "", DB_FILTER
        )
        if path:
            self.open_requested.emit(path, False)

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
        self.show_page(page if 0 <= page < self.stack.count() else 1)

    def save_layout(self) -> None:
        self.prefs.set("window/geometry", self.saveGeometry())
        self.prefs.set("window/state", self.saveState())
        self.prefs.set("window/page", self.stack.currentIndex())
        self.prefs.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_layout()
        super().closeEvent(event)


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
