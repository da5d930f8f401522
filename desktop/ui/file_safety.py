"""The main window's word on the open file: who else has it open, and a banner when it is unsafe.

`SessionsLabel` sits in the status bar and keeps this workstation's session row fresh (a
heartbeat every minute); `SafetyBanner` stands above the pages when the file is damaged and open
read-only, sits in a cloud-sync folder, or has more writers than a shared file is good for.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel, QWidget

from desktop.i18n import _
from desktop.models.errors import KnownError
from desktop.models.storage import sessions
from desktop.models.storage.db import OpenedDatabase

log = logging.getLogger("frontcounter.ui")


class SafetyBanner(QLabel):
    """A yellow band of sentences above the pages; hidden when there is nothing to say."""

    def __init__(self, opened: OpenedDatabase, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("safetyBanner")
        self.setWordWrap(True)
        self.setStyleSheet(
            "#safetyBanner { background: #fff3cd; color: #4d3800; padding: 6px 10px;"
            " border-bottom: 1px solid #e0c060; }"
        )
        self.opened = opened
        self.advice = ""
        self.update_text()

    def update_text(self) -> None:
        lines: list[str] = []
        if self.opened.read_only and self.opened.read_only_reason:
            lines.append(self.opened.read_only_reason)
        lines += self.opened.warnings
        if self.advice:
            lines.append(self.advice)
        self.setText("\n".join(lines))
        self.setVisible(bool(lines))


class SessionsLabel(QLabel):
    """'Also open: Ana on FRONT-2' — refreshed with the heartbeat."""

    def __init__(self, opened: OpenedDatabase, banner: SafetyBanner) -> None:
        super().__init__()
        self.setObjectName("sessionsLabel")
        self.opened = opened
        self.banner = banner
        self.timer = QTimer(self)
        self.timer.setInterval(sessions.HEARTBEAT_SECONDS * 1000)
        self.timer.timeout.connect(self.beat)
        self.timer.start()
        self.refresh()

    def beat(self) -> None:
        if not self.opened.read_only:
            try:
                sessions.heartbeat()
            except KnownError as exc:  # the next beat tries again; the row expires meanwhile
                log.warning("session heartbeat failed: %s", exc)
        self.refresh()

    def refresh(self) -> None:
        others = sessions.others()
        if others:
            self.setText(_("Also open: {who}").format(who=sessions.describe(others)))
            self.setToolTip(
                "\n".join(
                    _("{label}, since {since}").format(
                        label=other.label, since=f"{other.since:%H:%M}"
                    )
                    for other in others
                )
            )
        else:
            self.setText(_("Nobody else has this database open"))
            self.setToolTip("")
        self.banner.advice = sessions.postgres_advice(
            len(others) + 1, is_sqlite=self.opened.is_sqlite
        )
        self.banner.update_text()

    def staff_changed(self, username: str | None, full_name: str) -> None:
        if self.opened.read_only:
            return
        try:
            sessions.set_user(username or None, full_name if username else "")
        except KnownError as exc:
            log.warning("session user not updated: %s", exc)
        self.refresh()

    def stop(self) -> None:
        self.timer.stop()
