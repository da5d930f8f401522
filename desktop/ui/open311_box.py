"""Settings → Partners: the Open311 endpoint served from this workstation (off by default; a
line in the status bar while on, `open311_service.py`) and the partners' keys.

Whether this workstation serves, and on which address and port, is this workstation's choice
(kept in its preferences): one computer in the town hall serves, usually the one the website's
server can reach. The keys are the town's, kept in the database.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import _
from desktop.models.errors import KnownError
from desktop.models.partners import keys
from desktop.models.storage.schema import StaffUser
from desktop.models.town import settings
from desktop.open311.server import exposed
from desktop.ui.messages import messages
from desktop.ui.open311_service import Open311Service


class Open311Box(QGroupBox):
    """Serving the endpoint from here, and the partners' keys."""

    saved = Signal(str)

    def __init__(
        self,
        staff: Callable[[], StaffUser | None],
        service: Open311Service,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(_("Open311: the town's website and partners' apps"), parent)
        self.staff = staff
        self.service = service
        self._loading = False
        self.serve = QCheckBox(_("Serve Open311 from this computer"))
        self.serve.setChecked(service.serving)
        self.host = QLineEdit(str(service.get("open311/host")))
        self.host.setToolTip(
            _("127.0.0.1: programs on this computer only. Another address lets other computers in.")
        )
        self.port = QSpinBox()
        self.port.setRange(1, 65535)
        self.port.setValue(int(service.get("open311/port")))
        self.apply_button = QPushButton(_("Apply"))
        self.apply_button.clicked.connect(self.apply)
        self.review = QCheckBox(
            _("Web requests wait in the web inbox (Go → Web inbox) until a clerk accepts them")
        )
        self.review.toggled.connect(self._review_changed)
        self.state = QLabel()
        self.state.setWordWrap(True)
        self.state.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.host.setMaximumWidth(self.host.fontMetrics().horizontalAdvance("0" * 28))
        where = QHBoxLayout()
        where.addWidget(QLabel(_("Address:")))
        where.addWidget(self.host)
        where.addWidget(QLabel(_("Port:")))
        where.addWidget(self.port)
        where.addWidget(self.apply_button)
        where.addStretch(1)
        form = QVBoxLayout()
        form.addWidget(self.serve)
        form.addLayout(where)
        form.addWidget(self.state)
        form.addWidget(self.review)

        self.keys = QTableWidget(0, 4)
        self.keys.setHorizontalHeaderLabels(
            [_("Partner"), _("Key begins"), _("May post"), _("State")]
        )
        self.keys.verticalHeader().setVisible(False)
        self.keys.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.keys.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.keys.horizontalHeader().setStretchLastSection(True)
        self.partner = QLineEdit()
        self.partner.setPlaceholderText(_("a new partner: their system or organisation"))
        self.partner.returnPressed.connect(self.add_key)
        add = QPushButton(_("Add a key"))
        add.clicked.connect(self.add_key)
        self.made = QLabel()
        self.made.setWordWrap(True)
        self.made.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.revoke_button = QPushButton(_("Revoke"))
        self.revoke_button.clicked.connect(self.revoke)
        buttons = QHBoxLayout()
        buttons.addWidget(self.partner, 1)
        buttons.addWidget(add)
        buttons.addWidget(self.revoke_button)

        column = QVBoxLayout(self)
        column.addLayout(form)
        column.addWidget(QLabel(_("Partners' keys (a key is needed to post requests):")))
        column.addWidget(self.keys)
        column.addLayout(buttons)
        column.addWidget(self.made)
        self._show_state()

    def _review_changed(self, checked: bool) -> None:
        if self._loading:
            return
        try:
            settings.update_settings({"open311.review_first": checked}, actor=self.staff())
        except KnownError as exc:
            messages.error(self, exc)
            return
        self.saved.emit(
            _("Web requests now wait in the web inbox.")
            if checked
            else _("Web requests become requests at once.")
        )

    def load(self) -> None:
        self._loading = True
        self.review.setChecked(bool(settings.get_setting("open311.review_first")))
        self._loading = False
        self._show_state()
        try:
            found = keys.list_keys(actor=self.staff())
        except KnownError as exc:
            self.state.setText(str(exc))
            return
        self.keys.setRowCount(len(found))
        for row, key in enumerate(found):
            cells = [
                key.name,
                key.key_start + "…",
                ", ".join(key.service_codes) if key.service_codes else _("every type"),
                _("revoked") if key.revoked else _("{n} posts a minute").format(n=key.per_minute),
            ]
            for column, text in enumerate(cells):
                self.keys.setItem(row, column, QTableWidgetItem(text))
        self.keys.resizeColumnsToContents()

    def _show_state(self) -> None:
        if self.service.serving:
            text = _("Serving at {url}v2/ (discovery: {url}discovery.json).").format(
                url=self.service.url
            )
            if exposed(self.host.text().strip()):
                text += " " + _(
                    "Other computers can reach it: let them only through the town's firewall."
                )
        else:
            text = _("Not serving from this computer.")
        self.state.setText(text)

    def apply(self) -> None:
        host = self.host.text().strip() or "127.0.0.1"
        if self.serve.isChecked() and exposed(host):
            messages.confirm(
                self,
                _("Let other computers in?"),
                _(
                    "{host} lets other computers on the network read the town's requests "
                    "(never residents' names) and, with a key, post new ones. Serve on it?"
                ).format(host=host),
                lambda: self._apply(host),
            )
            return
        self._apply(host)

    def _apply(self, host: str) -> None:
        port = self.port.value()
        if self.serve.isChecked():
            problem = self.service.start(host, port)
            if problem:
                self.serve.setChecked(False)
                messages.error(self, KnownError(problem))
                self._show_state()
                return
        else:
            self.service.stop()
        self.service.set("open311/serve", self.serve.isChecked())
        self.service.set("open311/host", host)
        self.service.set("open311/port", port)
        self._show_state()
        self.saved.emit(
            _("Open311 is served at {url}").format(url=self.service.url)
            if self.service.serving
            else _("Open311 is not served from this computer.")
        )

    def add_key(self) -> None:
        name = self.partner.text().strip()
        if not name:
            messages.error(self, KnownError(_("Type the partner's name first.")))
            self.partner.setFocus()
            return
        try:
            info, secret = keys.add_key(name, actor=self.staff())
        except KnownError as exc:
            messages.error(self, exc)
            return
        clipboard = QGuiApplication.clipboard()
        if clipboard is not None:
            clipboard.setText(secret)
        self.partner.clear()
        self.made.setText(
            _(
                "The key for {name}: {key}\nIt is on the clipboard. Give it to the partner now: "
                "it is not kept and cannot be shown again."
            ).format(name=info.name, key=secret)
        )
        self.load()
        self.saved.emit(_("A key was made for {name}.").format(name=info.name))

    def revoke(self) -> None:
        row = self.keys.currentRow()
        item = self.keys.item(row, 0) if row >= 0 else None
        if item is None:
            messages.error(self, KnownError(_("Choose the partner whose key to revoke.")))
            return
        name = item.text()
        messages.confirm(
            self,
            _("Revoke the key?"),
            _("{name} will not be able to post requests with it again.").format(name=name),
            lambda: self._revoke(name),
        )

    def _revoke(self, name: str) -> None:
        try:
            keys.revoke_key(name, actor=self.staff())
        except KnownError as exc:
            messages.error(self, exc)
            return
        self.load()
        self.saved.emit(_("The key of {name} is revoked.").format(name=name))
