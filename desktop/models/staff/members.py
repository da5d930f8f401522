"""Staff members: the people who use Front Counter (sign-in and permissions build on this)."""

from __future__ import annotations

import re
import unicodedata

from desktop.i18n import _
from desktop.models import clock
from desktop.models.errors import InputError, NotFound
from desktop.models.staff import audit, permissions
from desktop.models.storage.db import reading, write
from desktop.models.storage.schema import RememberToken, StaffUser
from desktop.models.vocab import ROLES

_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")


def username_from_name(full_name: str) -> str:
    """A suggested user name: "Maria Núñez" gives "maria.nunez"."""

    plain = unicodedata.normalize("NFKD", full_name).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", plain.lower())
    return ".".join(words)[:64] or "staff"


def create_staff(
    full_name: str, role: str, username: str | None = None, *, actor: StaffUser | None
) -> StaffUser:
    """Add a member of staff; the user name is made from the name unless given."""
    permissions.require(actor, permissions.STAFF_MANAGE)
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
        user = StaffUser.create(
            username=name, full_name=full_name, role=role, created_at=stamp, updated_at=stamp
        )
        audit.record("staff_user", user.id, "create", None, audit.snapshot(user), actor)
        return user

    return write(save)


def update_staff(
    user_id: int,
    *,
    role: str | None = None,
    active: bool | None = None,
    full_name: str | None = None,
    actor: StaffUser | None,
) -> StaffUser:
    """An administrator changes a member of staff's role, name, or deactivates them.

    A deactivated account cannot sign in, and its remembered sign-ins end; its history stays."""

    permissions.require(actor, permissions.STAFF_MANAGE)
    if role is not None and role not in ROLES:
        raise InputError(_("“{role}” is not a role.").format(role=role))
    changes: dict[str, object] = {}
    if role is not None:
        changes["role"] = role
    if active is not None:
        changes["active"] = active
    if full_name is not None and " ".join(full_name.split()):
        changes["full_name"] = " ".join(full_name.split())[:200]

    def save() -> StaffUser:
        user = StaffUser.get_or_none(StaffUser.id == user_id)
        if user is None:
            raise NotFound(_("That staff member is no longer on file."))
        before = audit.snapshot(user, changes)
        losing_admin = (
            user.role == "admin"
            and user.active
            and (changes.get("role", "admin") != "admin" or changes.get("active") is False)
        )
        # once staff sign in, someone must still be able to sign in as an administrator
        signing_in = permissions.sign_in_enabled()
        if losing_admin and (user.password_hash or not signing_in):
            other = first_administrator(excluding=user.id, can_sign_in=signing_in)
            if other is None:
                raise InputError(
                    _(
                        "The last active administrator who can sign in cannot be removed or "
                        "demoted: give another administrator a password first."
                    )
                )
        StaffUser.update(**changes, version=StaffUser.version + 1, updated_at=clock.now()).where(
            StaffUser.id == user_id
        ).execute()
        if changes.get("active") is False:
            RememberToken.update(revoked_at=clock.now()).where(
                RememberToken.staff == user_id, RememberToken.revoked_at.is_null()
            ).execute()
        fresh: StaffUser = StaffUser.get_by_id(user_id)
        audit.record("staff_user", user_id, "update", before, audit.snapshot(fresh, changes), actor)
        return fresh

    return write(save)


def staff_list(*, actor: StaffUser | None) -> list[StaffUser]:
    """Every staff member, by user name (an administrator's list)."""
    permissions.require(actor, permissions.STAFF_MANAGE)
    with reading():
        return list(StaffUser.select().order_by(StaffUser.username))


def get_staff(username: str) -> StaffUser:
    user = StaffUser.get_or_none(StaffUser.username == username.strip().lower())
    if user is None:
        raise NotFound(
            _("There is no staff member with the user name “{name}”.").format(name=username)
        )
    return user


def first_administrator(
    excluding: int | None = None, *, can_sign_in: bool = False
) -> StaffUser | None:
    """The first active administrator (who has a password, with `can_sign_in`)."""
    query = StaffUser.select().where(
        StaffUser.role == "admin",
        StaffUser.active == True,  # noqa: E712
    )
    if can_sign_in:
        query = query.where(StaffUser.password_hash.is_null(False), StaffUser.password_hash != "")
    if excluding is not None:
        query = query.where(StaffUser.id != excluding)
    admin: StaffUser | None = query.order_by(StaffUser.id).first()
    return admin
