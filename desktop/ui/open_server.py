""" "Open a server…": the address of the town's PostgreSQL server, in four fields.

The fields are checked by the core (db.server_address); the password is not asked here but
where every opening asks for it (the keyring, or the clerk, in application.py).
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import _
from desktop.models.errors import InputError, KnownError
from desktop.models.storage.db import (
    DEFAULT_PORT,
    PostgresAddress,
    is_postgres_url,
    postgres_address,
    server_address,
)


class OpenServerDialog(QDialog):
    """Server, port, database and user name; a whole postgresql:// address pasted into the
    server field fills all four. `url` is the address once accepted (never a password)."""

    def __init__(self, parent: QWidget | None = None, address: str = "") -> None:
        super().__init__(parent)
        self.setObjectName("openServer")
        self.setWindowTitle(_("Open a server"))
        intro = QLabel(
            _(
                "The town's PostgreSQL server, as the person who set it up gave it to you. "
                "The password is asked next (or taken from this computer's keyring)."
            )
        )
        intro.setWordWrap(True)
        self.host = self._field("serverHost", _("for example: db.town.local or 10.0.0.5"))
        self.port = self._field("serverPort", str(DEFAULT_PORT))
        self.port.setMaxLength(5)
        self.name = self._field("serverDatabase", _("for example: town"))
        self.user = self._field("serverUser", _("for example: frontcounter"))
        form = QFormLayout()
        form.addRow(_("Server:"), self.host)
        form.addRow(_("Port:"), self.port)
        form.addRow(_("Database:"), self.name)
        form.addRow(_("User name:"), self.user)
        self.preview = QLabel()
        self.preview.setObjectName("serverAddress")
        self.preview.setWordWrap(True)
        self.problem = QLabel()
        self.problem.setObjectName("serverProblem")
        self.problem.setStyleSheet("color: #b3261e")
        self.problem.setWordWrap(True)
        self.problem.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Open | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.preview)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(460)
        self.url = ""
        self._tried = False  # problems are shown once Open was pressed, not while typing
        if address:
            self._fill(address)
        for line in (self.host, self.port, self.name, self.user):
            line.textChanged.connect(self._changed)
        self._changed()

    def _field(self, name: str, placeholder: str) -> QLineEdit:
        line = QLineEdit()
        line.setObjectName(name)
        line.setPlaceholderText(placeholder)
        return line

    def _fill(self, url: str) -> bool:
        try:
            address = postgres_address(url)
        except KnownError:
            return False
        self.host.setText(address.host)
        self.port.setText(str(address.port))
        self.name.setText(address.name)
        self.user.setText(address.user)
        return True

    def _address(self) -> PostgresAddress:
        return server_address(
            self.host.text(), self.port.text(), self.name.text(), self.user.text()
        )

    def _changed(self) -> None:
        pasted = self.host.text().strip()
        if is_postgres_url(pasted) and self._fill(pasted):
            return  # _fill's changes came back here with the fields split
        try:
            address = self._address()
        except InputError as exc:
            self.preview.setText(_("Address: (not complete yet)"))
            self._show(exc if self._tried else None)
            return
        self.preview.setText(_("Address: {url}").format(url=address.url))
        self._show(None)

    def _show(self, problem: InputError | None) -> None:
        self.problem.setText(str(problem) if problem else "")
        self.problem.setVisible(problem is not None)

    def accept(self) -> None:
        """Open only a complete address; otherwise say what to put right, with the cursor in it."""
        self._tried = True
        try:
            address = self._address()
        except InputError as exc:
            self._show(exc)
            line = {"port": self.port, "name": self.name}.get(exc.field, self.host)
            line.setFocus()
            line.selectAll()
            return
        self.url = address.url
        super().accept()


__all__ = ["OpenServerDialog"]
