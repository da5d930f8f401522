"""Staff members: the people who use Front Counter (sign-in and permissions build on this)."""

from __future__ import annotations

import re

from desktop.i18n import _
from desktop.models import clock
from desktop.models.db import write
from desktop.models.errors import InputError, NotFound
from desktop.models.schema import StaffUser
from desktop.models.vocab import ROLES

_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")


def username_from_name(full_name: str) -> str:
    """A suggested user name: "Maria Núñez" gives "maria.nunez"."""
    import unicodedata

    plain = unicodedata.normalize("NFKD", full_name).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", plain.lower())
    return ".".join(words)[:64] or "staff"


def create_staff(full_name: str, role: str, username: str | None = None) -> StaffUser:
    """Add a member of staff; the user name is made from the name unless given."""
    full_name = " ".join(full_name.split())
    if not full_name:
        raise InputError(_("Give the staff member's name."))
    if len(full_name) > 200:
        raise InputError(_("That name is too long (200 characters at most)."))
    if role not in ROLES:
        raise InputError(
            _("“{role}” is not a role. Use one of: {roles}.").format(
                role=role, roles=", ".join(ROLES)
            )
        )
    name = (username or username_from_name(full_name)).strip().lower()
    if not _USERNAME.match(name):
        raise InputError(
            _("A user name uses lower-case letters, digits, dots, dashes or underscores.")
        )

    def save() -> StaffUser:
        if StaffUser.select().where(StaffUser.username == name).exists():
            raise InputError(_("The user name “{name}” is taken.").format(name=name))
        stamp = clock.now()
        return StaffUser.create(
            username=name, full_name=full_name, role=role, created_at=stamp, updated_at=stamp
        )

    return write(save)


def get_staff(username: str) -> StaffUser:
    user = StaffUser.get_or_none(StaffUser.username == username.strip().lower())
    if user is None:
        raise NotFound(
            _("There is no staff member with the user name “{name}”.").format(name=username)
        )
    return user


def first_administrator() -> StaffUser | None:
    admin: StaffUser | None = (
        StaffUser.select()
        .where(StaffUser.role == "admin", StaffUser.active == True)  # noqa: E712
        .order_by(StaffUser.id)
        .first()
    )
    return admin
