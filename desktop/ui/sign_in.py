"""The sign-in dialog: user name, password, and "Remember me on this PC"."""

from __future__ import annotations

import logging

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import _
from desktop.models.errors import KnownError
from desktop.models.staff import signin
from desktop.models.storage import secret_store
from desktop.models.storage.schema import StaffUser

log = logging.getLogger("frontcounter.ui")


class SignInDialog(QDialog):
    """Asks who is at this workstation; `user` is the signed-in staff member once accepted."""

    def __init__(
        self, location: str, town: str = "", username: str = "", parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.location = location
        self.user: StaffUser | None = None
        self.setWindowTitle(_("Sign in to Front Counter"))
        intro = QLabel(
            _("Sign in to {town}.").format(town=town) if town else _("Sign in to Front Counter.")
        )
        self.username = QLineEdit(username)
        self.username.setObjectName("signInUser")
        self.username.setMaxLength(64)
        self.password = QLineEdit()
        self.password.setObjectName("signInPassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.remember = QCheckBox(_("Remember me on this PC"))
        self.keyring_note = QLabel()
        self.keyring_note.setWordWrap(True)
        if not secret_store.keyring_usable():
            self.remember.setEnabled(False)
            self.keyring_note.setText(
                _(
                    "This PC has no secure keyring, so Front Counter cannot remember you: "
                    "you will be asked to sign in each time."
                )
            )
        else:
            self.keyring_note.hide()
        self.error = QLabel()
        self.error.setObjectName("signInError")
        self.error.setStyleSheet("color: #b3261e")
        self.error.setWordWrap(True)
        form = QFormLayout()
        form.addRow(_("User name:"), self.username)
        form.addRow(_("Password:"), self.password)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(_("Sign in"))
        self.buttons.accepted.connect(self.sign_in)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.remember)
        layout.addWidget(self.keyring_note)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(400)
        (self.password if username else self.username).setFocus()

    def sign_in(self) -> None:
        try:
            user = signin.authenticate(self.username.text(), self.password.text())
        except KnownError as exc:
            self.error.setText(str(exc))
            self.password.clear()
            self.password.setFocus()
            return
        self.password.clear()
        if self.remember.isChecked() and not signin.remember(user, self.location):
            log.info("sign-in of %s not remembered: no usable keyring", user.username)
        self.user = user
        self.accept()


class ChangePasswordDialog(QDialog):
    """A staff member changes their own password: the current one, then the new one twice."""

    def __init__(self, user: StaffUser, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.user = user
        self.setWindowTitle(_("Change my password"))
        self.current = QLineEdit()
        self.current.setObjectName("currentPassword")
        self.new = QLineEdit()
        self.new.setObjectName("newPassword")
        self.repeat = QLineEdit()
        self.repeat.setObjectName("repeatPassword")
        for edit in (self.current, self.new, self.repeat):
            edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.error = QLabel()
        self.error.setObjectName("changePasswordError")
        self.error.setStyleSheet("color: #b3261e")
        self.error.setWordWrap(True)
        form = QFormLayout()
        form.addRow(_("Current password:"), self.current)
        form.addRow(_("New password:"), self.new)
        form.addRow(_("New password again:"), self.repeat)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(_("Change password"))
        self.buttons.accepted.connect(self.change)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(_("Signed in as {name}.").format(name=user.full_name)))
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(400)
        self.current.setFocus()

    def change(self) -> None:
        if self.new.text() != self.repeat.text():
            self.error.setText(_("The two new passwords are not the same; type them again."))
            self.new.clear()
            self.repeat.clear()
            self.new.setFocus()
            return
        try:
            signin.set_password(self.user, self.new.text(), self.current.text())
        except KnownError as exc:
            self.error.setText(str(exc))
            return
        for edit in (self.current, self.new, self.repeat):
            edit.clear()
        self.accept()
