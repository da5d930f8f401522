"""The first run of a new database: the town's name and its first administrator."""

from __future__ import annotations

from desktop.i18n import _
from desktop.models.errors import InputError
from desktop.models.staff import permissions
from desktop.models.staff.members import create_staff, first_administrator
from desktop.models.storage.db import write
from desktop.models.storage.schema import StaffUser
from desktop.models.town.settings import get_setting, set_settings


def needs_first_run() -> bool:
    """True until a town name and an administrator who can sign in have been given.

    A database set up by a script without a password (`init --admin` alone, a demo) is not
    finished either: the window asks for the administrator's password before it opens, so it
    never runs with nobody signed in."""
    return not get_setting("setup.done") or first_administrator(can_sign_in=True) is None


def complete_first_run(
    town_name: str, admin_full_name: str, admin_username: str = "", password: str | None = None
) -> StaffUser:
    """Save the town's name and create the first administrator with the password they chose.

    No password is ever made up: without one (`password=None`, older scripts) the database has
    no sign-in until an administrator sets a password (`frontcounter users passwd`)."""
    # with the setup, not with every start that asks whether it is needed (needs_first_run)
    from desktop.models.staff import passwords, signin  # noqa: PLC0415

    town = " ".join(town_name.split())
    if not town:
        raise InputError(_("Give the town's name; it is printed on every receipt and work order."))
    if len(town) > 200:
        raise InputError(_("That town name is too long (200 characters at most)."))
    if password is not None and passwords.password_problem(password):
        raise InputError(passwords.password_problem(password))

    def save() -> StaffUser:
        admin = first_administrator() or create_staff(
            admin_full_name, "admin", admin_username or None, actor=None
        )
        set_settings({"town.name": town, "setup.done": True}, actor=None)
        if password is not None and not admin.password_hash:
            signin.first_password(admin.id, password)
        return admin

    with permissions.as_system():
        return write(save)
