"""Staff accounts for administrators (add, role, password reset, deactivate) and the audit trail."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import _
from desktop.models.errors import KnownError
from desktop.models.staff import signin
from desktop.models.staff.members import create_staff, staff_list, update_staff
from desktop.models.storage.schema import StaffUser
from desktop.models.vocab import ROLES
from desktop.ui.audit_page import AuditPage, RowsModel
from desktop.ui.messages import messages

StaffGetter = Callable[[], StaffUser | None]


class UsersPage(QWidget):
    """Every staff member; the buttons act on the chosen one. The core checks the role again."""

    def __init__(self, staff: StaffGetter, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.staff = staff
        self.model = RowsModel(
            [_("User name"), _("Name"), _("Role"), _("Active"), _("Password"), _("Locked until")]
        )
        self.view = QTableView()
        self.view.setObjectName("staffList")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.name = QLineEdit()
        self.name.setPlaceholderText(_("new staff member's name"))
        self.name.setMinimumWidth(220)
        self.name.returnPressed.connect(self.add)
        self.role = QComboBox()
        for code, label in ROLES.items():
            self.role.addItem(label, code)
        add = QPushButton(_("Add"))
        add.clicked.connect(self.add)
        buttons = QHBoxLayout()
        buttons.addWidget(self.name)
        buttons.addWidget(self.role)
        buttons.addWidget(add)
        buttons.addStretch(1)
        for text, slot in (
            (_("Change role"), self.change_role),
            (_("Reset password…"), self.reset_password),
            (_("Deactivate / activate"), self.toggle_active),
            (_("End remembered sign-ins"), self.revoke),
        ):
            button = QPushButton(text)
            button.clicked.connect(slot)
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.view, 1)

    def load(self) -> None:
        try:
            users = staff_list(actor=self.staff())
        except KnownError as exc:
            messages.error(self, exc)
            users = []
        self._users = {u.id: u for u in users}
        self.model.set_rows(
            [
                (
                    u.username,
                    u.full_name,
                    ROLES.get(u.role, u.role),
                    _("yes") if u.active else _("no"),
                    _("set") if u.password_hash else _("none"),
                    f"{u.locked_until:%H:%M}" if u.locked_until else "",
                )
                for u in users
            ],
            [u.id for u in users],
        )

    def chosen(self) -> int | None:
        rows = self.view.selectionModel().selectedRows()
        if not rows:
            messages.info(self, _("Staff"), _("Choose a staff member in the list first."))
            return None
        key: int = self.model.keys[rows[0].row()]
        return key

    def _run(self, action: Callable[[], object]) -> bool:
        try:
            action()
        except KnownError as exc:
            messages.error(self, exc)
            return False
        self.load()
        return True

    def add(self) -> None:
        role = str(self.role.currentData())
        if self._run(lambda: create_staff(self.name.text(), role, actor=self.staff())):
            self.name.clear()

    def change_role(self) -> None:
        user_id = self.chosen()
        if user_id is None:
            return
        labels = list(ROLES.values())
        label, ok = QInputDialog.getItem(self, _("Role"), _("New role:"), labels, 0, False)
        if ok:
            code = list(ROLES)[labels.index(label)]
            self._run(lambda: update_staff(user_id, role=code, actor=self.staff()))

    def reset_password(self) -> None:
        user_id = self.chosen()
        if user_id is None:
            return
        dialog = NewPasswordDialog(self._users[user_id].full_name, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def save(password: str) -> bool:
            return self._run(lambda: signin.reset_password(user_id, password, actor=self.staff()))

        dialog.save = save
        dialog.open()
        self.password_dialog = dialog

    def toggle_active(self) -> None:
        user_id = self.chosen()
        if user_id is None:
            return
        active = not self._users[user_id].active
        self._run(lambda: update_staff(user_id, active=active, actor=self.staff()))

    def revoke(self) -> None:
        user_id = self.chosen()
        if user_id is not None:
            self._run(lambda: signin.revoke_tokens(user_id, actor=self.staff()))


class NewPasswordDialog(QDialog):
    """An administrator sets a staff member's password: typed twice, checked beside the form;
    `save(password)` says whether it was taken (the dialog then closes)."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Set a password"))
        self.save: Callable[[str], bool] = lambda _password: False
        self.first = QLineEdit()
        self.second = QLineEdit()
        for field in (self.first, self.second):
            field.setEchoMode(QLineEdit.EchoMode.Password)
        self.error = QLabel()
        self.error.setStyleSheet("color:#8c1d18;")
        self.error.setWordWrap(True)
        form = QFormLayout()
        form.addRow(
            QLabel(
                _(
                    "A new password for {name}. They sign in with it and can change it "
                    "themselves; it ends the lock after wrong passwords."
                ).format(name=name)
            )
        )
        form.addRow(_("New password (10 characters or more):"), self.first)
        form.addRow(_("The same again:"), self.second)
        form.addRow(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.try_save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.setMinimumWidth(460)

    def try_save(self) -> None:
        if self.first.text() != self.second.text():
            self.error.setText(_("The two passwords are not the same."))
            self.second.selectAll()
            self.second.setFocus()
            return
        if self.save(self.first.text()):
            self.accept()


class StaffAndAuditPage(QTabWidget):
    """The administrator's area: staff accounts and the audit trail."""

    def __init__(self, staff: StaffGetter, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.users = UsersPage(staff)
        self.audit = AuditPage(staff)
        self.addTab(self.users, _("Staff"))
        self.addTab(self.audit, _("Audit trail"))

    def load(self) -> None:
        self.users.load()
        self.audit.load()

    def focus_default(self) -> None:
        """The keyboard lands in the new staff member's name (Enter adds them)."""
        if self.currentWidget() is self.users:
            self.users.name.setFocus()
