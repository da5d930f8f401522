"""The sign-in dialog and what a signed-in clerk can reach in the window."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QLabel

from desktop.models.setup.first_run import complete_first_run
from desktop.models.staff.members import create_staff
from desktop.models.staff.signin import reset_password
from desktop.models.storage.schema import RememberToken
from desktop.ui.main_window import MainWindow
from desktop.ui.prefs import Prefs
from desktop.ui.sign_in import SignInDialog
from desktop.ui.users_page import StaffAndAuditPage

#: a message box would wait for a click that never comes: messages become log lines
pytestmark = pytest.mark.usefixtures("no_dialogs")


@pytest.fixture
def staff(db):
    admin = complete_first_run("Alder Falls", "Ada Admin", password="admin password 1")
    clerk = create_staff("Carla Clerk", "clerk", actor=admin)
    reset_password(clerk.id, "clerk password 1", actor=admin)
    return admin, clerk


def test_a_wrong_password_is_said_plainly_and_the_right_one_signs_in(qtbot, staff, db):
    dialog = SignInDialog(db.location, "Alder Falls")
    qtbot.addWidget(dialog)
    dialog.username.setText("carla.clerk")
    dialog.password.setText("not it at all")
    dialog.sign_in()
    assert "do not match" in dialog.error.text()
    assert dialog.password.text() == ""
    dialog.password.setText("clerk password 1")
    dialog.remember.setChecked(True)
    with qtbot.waitSignal(dialog.accepted):
        dialog.sign_in()
    assert dialog.user is not None and dialog.user.username == "carla.clerk"
    assert RememberToken.select().count() == 1


def _window(qtbot, paths, db, user) -> MainWindow:
    window = MainWindow(db, Prefs(paths.settings_file), lambda: user)
    qtbot.addWidget(window)
    return window


def test_a_clerk_cannot_reach_the_administrators_pages(qtbot, paths, staff, db):
    _admin, clerk = staff
    window = _window(qtbot, paths, db, clerk)
    assert getattr(window.staff(), "id", None) == clerk.id
    assert "Carla Clerk" in window.signed_in.text()
    hidden = [window.nav.item(i).text() for i in range(window.nav.count())]
    hidden = [t for i, t in enumerate(hidden) if window.nav.item(i).isHidden()]
    assert hidden == ["Dashboard", "Settings", "Staff and audit"]  # reports: supervisors up
    window.show_page(6)
    window.show_page(5)
    assert window.stack.currentIndex() not in (5, 6)
    assert 5 not in window._built and 6 not in window._built


def test_an_administrator_sees_staff_and_the_audit_trail(qtbot, paths, staff, db):
    admin, _clerk = staff
    window = _window(qtbot, paths, db, admin)
    window.show_page(6)
    page = window.page(6)
    assert isinstance(page, StaffAndAuditPage)
    assert page.users.model.rowCount() == 2
    assert page.audit.model.rowCount() > 0
    page.audit.verify()
    assert "intact" in page.audit.verdict.text()


def test_an_administrator_sets_a_password_typed_twice(qtbot, paths, staff, db):
    from desktop.models.staff import signin

    admin, clerk = staff
    window = _window(qtbot, paths, db, admin)
    window.show_page(6)
    page = window.page(6)
    assert isinstance(page, StaffAndAuditPage)
    page.users.view.selectRow(page.users.model.keys.index(clerk.id))
    page.users.reset_password()
    dialog = page.users.password_dialog
    assert "Carla Clerk" in " ".join(w.text() for w in dialog.findChildren(QLabel))
    dialog.first.setText("fresh password 1")
    dialog.second.setText("fresh password 2")
    dialog.try_save()
    assert "not the same" in dialog.error.text() and dialog.isVisible()
    dialog.second.setText("fresh password 1")
    dialog.try_save()
    assert not dialog.isVisible()
    assert signin.authenticate("carla.clerk", "fresh password 1").id == clerk.id


def test_sign_out_is_offered(qtbot, paths, staff, db):
    _admin, clerk = staff
    window = _window(qtbot, paths, db, clerk)
    with qtbot.waitSignal(window.sign_out_requested):
        window.sign_out_action.trigger()


def test_a_clerk_changes_their_own_password(qtbot, paths, staff, db):
    from desktop.models.staff import signin

    _admin, clerk = staff
    window = _window(qtbot, paths, db, clerk)
    assert window.password_action.isVisible()
    dialog = window.change_password()
    assert dialog is not None
    dialog.current.setText("clerk password 1")
    dialog.new.setText("a brand new password 2")
    dialog.repeat.setText("a brand new passwrd 2")
    dialog.change()
    assert "not the same" in dialog.error.text() and dialog.isVisible()
    dialog.current.setText("wrong one")
    dialog.new.setText("a brand new password 2")
    dialog.repeat.setText("a brand new password 2")
    dialog.change()
    assert "current password" in dialog.error.text()
    dialog.current.setText("clerk password 1")
    dialog.new.setText("a brand new password 2")
    dialog.repeat.setText("a brand new password 2")
    with qtbot.waitSignal(dialog.accepted):
        dialog.change()
    assert signin.authenticate("carla.clerk", "a brand new password 2").id == clerk.id
    with pytest.raises(Exception, match="do not match"):
        signin.authenticate("carla.clerk", "clerk password 1")
