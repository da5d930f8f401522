"""The Settings group that lists this database's backups, makes one, and restores one.

The work itself is the core's (`backups`, `sessions`); this box only asks and shows. A restore
is refused while other workstations have the file open, and afterwards the window opens the
database again, so every page shows the restored records.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import _
from desktop.models.admin import backups
from desktop.models.errors import KnownError
from desktop.models.staff import permissions
from desktop.models.storage import sessions
from desktop.models.storage.db import current_path
from desktop.models.storage.schema import StaffUser
from desktop.ui.background import BackgroundOp, Progress
from desktop.ui.messages import messages

log = logging.getLogger("frontcounter.ui")


class BackupsBox(QGroupBox):
    """Last backups of the open file; 'Back up now' and 'Restore…'."""

    #: the database file whose contents were replaced (the window should open it again)
    restored = Signal(str)

    def __init__(
        self, staff: Callable[[], StaffUser | None], parent: QWidget | None = None
    ) -> None:
        super().__init__(_("Backups"), parent)
        #: who is signed in at this workstation: the actor of every save here
        self.staff = staff
        self.setObjectName("backupsBox")
        layout = QVBoxLayout(self)
        self.where = QLabel()
        self.where.setWordWrap(True)
        self.where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.where)
        self.list = QListWidget()
        self.list.setObjectName("backupList")
        self.list.setMaximumHeight(180)
        layout.addWidget(self.list)
        buttons = QHBoxLayout()
        self.backup_now = QPushButton(_("Back up now"))
        self.backup_now.clicked.connect(self.take_backup)
        self.restore_button = QPushButton(_("Restore the selected backup…"))
        self.restore_button.clicked.connect(self.ask_restore)
        buttons.addWidget(self.backup_now)
        buttons.addStretch(1)
        buttons.addWidget(self.restore_button)
        layout.addLayout(buttons)
        self.load()

    def folder(self) -> Path | None:
        database = current_path()
        root = backups.backup_root()
        return None if database is None or root is None else backups.folder_for(root, database)

    def load(self) -> None:
        self.list.clear()
        folder = self.folder()
        allowed = permissions.can(self.staff(), permissions.BACKUP_MANAGE)  # the core checks again
        enabled = folder is not None and allowed
        self.backup_now.setEnabled(enabled)
        self.restore_button.setEnabled(enabled)
        why = "" if allowed else _("Only an administrator makes or restores backups by hand.")
        self.backup_now.setToolTip(why)
        self.restore_button.setToolTip(why)
        if folder is None:
            self.where.setText(
                _("A PostgreSQL database is backed up on the server (pg_dump): see the README.")
            )
            return
        self.where.setText(
            _(
                "Kept on this computer in {folder}: one a day, and one on closing when the last "
                "is over an hour old; the newest of the last 7 days, 4 weeks and 12 months are "
                "kept."
            ).format(folder=folder)
            + ("" if allowed else " " + why)
        )
        for backup in backups.list_backups(folder):
            text = f"{backup.taken_at:%Y-%m-%d %H:%M}   {backup.size / 1e6:.1f} MB"
            if backup.tag:
                text += "   " + _("(taken before a restore)")
            item = QListWidgetItem(text, self.list)
            item.setData(Qt.ItemDataRole.UserRole, str(backup.path))
        if not self.list.count():
            QListWidgetItem(_("(no backups yet)"), self.list).setFlags(Qt.ItemFlag.NoItemFlags)

    def take_backup(self) -> BackgroundOp | None:
        """A backup now, off the window's thread (a big town's file takes a while to copy and
        check); the list and a sentence when it is written."""
        database, folder = current_path(), self.folder()
        if database is None or folder is None:
            return None

        def work(_progress: Progress) -> Path:
            # as the signed-in administrator; its own sqlite3 connections, not the window's
            return backups.take_backup(database, folder, actor=self.staff()).path

        def made(path: Path) -> None:  # the list is read again when the job ends
            messages.info(
                self, _("Backups"), _("Backup written and checked: {path}").format(path=path)
            )

        self.backup_now.setEnabled(False)
        job = BackgroundOp(
            self,
            _("Backups"),
            _("Taking a backup of {name} and checking it…").format(name=database.name),
            work,
            on_success=made,
        )
        job.finished.connect(self.load)  # the buttons as the role allows again
        return job.run()

    def selected(self) -> Path | None:
        item = self.list.currentItem()
        path = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        return Path(path) if path else None

    def ask_restore(self) -> None:
        chosen = self.selected()
        if chosen is None:
            messages.info(self, _("Backups"), _("Choose a backup in the list first."))
            return

        def go() -> None:
            self.restore(chosen)

        messages.confirm(
            self,
            _("Restore a backup"),
            _(
                "Replace everything in the database with the backup of {when}? Whatever was "
                "saved since then is set aside in a copy first."
            ).format(when=_taken(chosen)),
            go,
        )

    def restore(self, backup: Path) -> BackgroundOp | None:
        """Replace the town's records with `backup`, off the window's thread (a big town's file
        takes a while to set aside, copy and check); the window opens the file again after."""
        database, folder = current_path(), self.folder()
        if database is None or folder is None:
            return None
        try:
            sessions.require_exclusive(_("restore a backup"))
        except KnownError as exc:
            messages.error(self, exc)
            return None

        actor = self.staff()  # read on the window's thread

        def work(_progress: Progress) -> None:
            backups.restore(backup, database, folder, actor=actor)

        def done(_result: object) -> None:
            log.info("restored %s from %s", database, backup)
            self.load()
            messages.info(
                self,
                _("Restore a backup"),
                _(
                    "The backup of {when} is restored. What the database held just before is "
                    "kept too, in the list as taken before a restore."
                ).format(when=_taken(backup)),
            )
            self.restored.emit(str(database))  # the window opens the file again: last

        self.restore_button.setEnabled(False)
        job = BackgroundOp(
            self,
            _("Restore a backup"),
            _("Setting today's file aside and restoring the backup…"),
            work,
            on_success=done,
        )
        job.failed.connect(lambda _sentence: self.load())  # the buttons as the role allows
        return job.run()


def _taken(backup: Path) -> str:
    """When a backup was taken, as the list shows it (its file name says)."""
    parsed = backups.parse_name(backup)
    return f"{parsed[0]:%Y-%m-%d %H:%M}" if parsed else backup.name
