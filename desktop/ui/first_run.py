"""The short setup a new database asks for: the town's name and the first administrator."""

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
from desktop.models.errors import KnownError
from desktop.models.setup.first_run import complete_first_run
from desktop.models.staff.members import first_administrator
from desktop.models.staff.passwords import MIN_LENGTH
from desktop.models.staff.permissions import sign_in_enabled
from desktop.models.storage.schema import StaffUser
from desktop.models.town.settings import get_setting


class FirstRunDialog(QDialog):
    """Two fields; nothing else is needed to start taking calls."""

    def __init__(self, town_name: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Welcome to Front Counter"))
        named = first_administrator()
        #: staff other than an administrator can sign in: Cancel lets them, as usual
        self.staff_can_sign_in = sign_in_enabled()
        if named is None and not self.staff_can_sign_in:
            text = _(
                "This database is new. Give the town's name (it is printed on receipts and "
                "work orders), and the name and password of the person who will look after Front "
                "Counter: they sign in with it and add the other staff."
            )
        elif named is None:
            text = _(
                "No administrator of this town can sign in yet. Give the name and password of "
                "the person who will look after Front Counter: they sign in with it and set the "
                "other staff's passwords."
            )
        elif self.staff_can_sign_in:
            text = _(
                "This database was set up without a password for its administrator, {name}. "
                "Choose it now: they sign in with it and set the other staff's passwords."
            ).format(name=named.full_name)
        else:
            text = _(
                "This database was set up without a password for its administrator, so nobody "
                "could sign in. Choose {name}'s password: they sign in with it and add the other "
                "staff."
            ).format(name=named.full_name)
        if self.staff_can_sign_in:
            text += " " + _("Or Cancel, and sign in as yourself with your own password.")
        intro = QLabel(text)
        intro.setWordWrap(True)
        # set up by a script without a password: the town and the administrator are there,
        # only the password is missing
        if not town_name and get_setting("setup.done"):
            town_name = str(get_setting("town.name") or "")
        self.town = QLineEdit(town_name)
        self.town.setMaxLength(200)
        self.town.setPlaceholderText(_("for example: Town of Alder Falls"))
        self.admin = QLineEdit(named.full_name if named is not None else "")
        self.admin.setReadOnly(named is not None)
        self.admin.setMaxLength(200)
        self.admin.setPlaceholderText(_("first and last name"))
        self.password = QLineEdit()
        self.password.setObjectName("firstRunPassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText(_("at least {n} characters").format(n=MIN_LENGTH))
        self.again = QLineEdit()
        self.again.setObjectName("firstRunPasswordAgain")
        self.again.setEchoMode(QLineEdit.EchoMode.Password)
        self.admin_user: StaffUser | None = None
        self.error = QLabel()
        self.error.setStyleSheet("color: #b3261e")
        self.error.setWordWrap(True)
        form = QFormLayout()
        form.addRow(_("Town name:"), self.town)
        form.addRow(_("Administrator:"), self.admin)
        form.addRow(_("Their password:"), self.password)
        form.addRow(_("The same again:"), self.again)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(460)

    def save(self) -> None:
        if self.password.text() != self.again.text():
            self.error.setText(_("The two passwords are not the same."))
            return
        try:
            self.admin_user = complete_first_run(
                self.town.text(), self.admin.text(), password=self.password.text()
            )
        except KnownError as exc:
            self.error.setText(str(exc))  # the dialog stays open with what was typed
            return
        self.accept()
