"""Signing staff in: passwords, lockout after repeated failures, "remember me on this PC".

The password check and the failure count live here; what each role may do is permissions.py.
A remembered sign-in is a random token kept only in this PC's keyring (secret_store's allowed
backends); the database keeps its SHA-256, so a copy of the database signs nobody in, and an
administrator can revoke it. With no real keyring nothing is remembered and the app says so.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from desktop.i18n import _
from desktop.models import clock
from desktop.models.errors import InputError, KnownError, NotFound
from desktop.models.staff import audit, passwords, permissions
from desktop.models.staff.members import first_administrator
from desktop.models.storage import secret_store
from desktop.models.storage.db import write
from desktop.models.storage.schema import RememberToken, StaffUser
from desktop.models.storage.sessions import workstation_name

log = logging.getLogger("frontcounter.signin")

#: failed sign-ins in a row before the account locks, and for how long
MAX_FAILURES = 5
LOCK_MINUTES = 15
#: a remembered sign-in lasts this long without being used
TOKEN_DAYS = 30
KEYRING_SERVICE = "Front Counter sign-in"


class SignInFailed(KnownError):
    """The user name or password was wrong, the account is locked or inactive."""


def _wrong() -> SignInFailed:
    # the same words for an unknown name and a wrong password: no hint which one it was
    return SignInFailed(_("That user name and password do not match. Try again."))


def _locked_message(until: dt.datetime) -> str:
    return _(
        "This account is locked after {n} wrong passwords in a row. Try again after {time}, "
        "or ask an administrator to reset the password."
    ).format(n=MAX_FAILURES, time=until.strftime("%H:%M"))


def authenticate(username: str, password: str) -> StaffUser:
    """The staff member whose password this is; SignInFailed otherwise (and a failure counted)."""
    name = username.strip().lower()
    user = StaffUser.get_or_none(StaffUser.username == name)
    now = clock.now()
    if user is None or not user.password_hash:
        passwords.verify_password(password, _dummy_hash())  # the same time for unknown names
        raise _wrong()
    if not user.active:
        raise SignInFailed(
            _("The account “{name}” has been deactivated. Ask an administrator.").format(name=name)
        )
    if user.locked_until is not None and user.locked_until > now:
        raise SignInFailed(_locked_message(user.locked_until))
    if not passwords.verify_password(password, user.password_hash):
        _count_failure(user.id)
        fresh = StaffUser.get_by_id(user.id)
        if fresh.locked_until is not None and fresh.locked_until > now:
            raise SignInFailed(_locked_message(fresh.locked_until))
        raise _wrong()
    upgrade = passwords.needs_rehash(user.password_hash)
    new_hash = passwords.hash_password(password) if upgrade else None

    def save() -> None:
        changes: dict[str, Any] = {"failed_logins": 0, "locked_until": None}
        if new_hash:
            changes["password_hash"] = new_hash
        StaffUser.update(**changes).where(StaffUser.id == user.id).execute()

    if user.failed_logins or user.locked_until or new_hash:
        write(save)
    return StaffUser.get_by_id(user.id)


def _count_failure(user_id: int) -> None:
    def save() -> None:
        user = StaffUser.get_by_id(user_id)
        failures = user.failed_logins + 1
        changes: dict[str, Any] = {"failed_logins": failures}
        if failures >= MAX_FAILURES:
            changes["failed_logins"] = 0
            changes["locked_until"] = clock.now() + dt.timedelta(minutes=LOCK_MINUTES)
            # not the account's owner's doing: whoever typed the passwords is unknown, the
            # record names the system (and, as every record does, the workstation)
            audit.record(
                "staff_user",
                user_id,
                "locked",
                None,
                {"minutes": LOCK_MINUTES, "after_failures": MAX_FAILURES},
                None,
            )
        StaffUser.update(**changes).where(StaffUser.id == user_id).execute()

    write(save)


_dummy: list[str] = []


def _dummy_hash() -> str:
    import secrets  # noqa: PLC0415 (its hmac loads OpenSSL: at the first sign-in, not at start)

    if not _dummy:
        _dummy.append(passwords.hash_password(secrets.token_hex(8)))
    return _dummy[0]


def _check_password(password: str) -> str:
    problem = passwords.password_problem(password)
    if problem:
        raise InputError(problem)
    return passwords.hash_password(password)


def set_password(user: StaffUser, new_password: str, old_password: str) -> None:
    """A staff member changes their own password (the old one is asked again)."""
    if not passwords.verify_password(old_password, StaffUser.get_by_id(user.id).password_hash):
        raise SignInFailed(_("The current password is not right."))
    _store_password(user.id, _check_password(new_password), user, "password_changed")


def reset_password(user_id: int, new_password: str, *, actor: StaffUser | None) -> None:
    """An administrator gives a staff member a new password (and unlocks the account)."""
    permissions.require(actor, permissions.STAFF_MANAGE)
    _store_password(user_id, _check_password(new_password), actor, "password_reset")


def _store_password(user_id: int, hashed: str, actor: StaffUser | None, action: str) -> None:
    def save() -> None:
        if StaffUser.get_or_none(StaffUser.id == user_id) is None:
            raise NotFound(_("That staff member is no longer on file."))
        StaffUser.update(
            password_hash=hashed,
            failed_logins=0,
            locked_until=None,
            version=StaffUser.version + 1,
            updated_at=clock.now(),
        ).where(StaffUser.id == user_id).execute()
        RememberToken.update(revoked_at=clock.now()).where(
            RememberToken.staff == user_id, RememberToken.revoked_at.is_null()
        ).execute()
        audit.record("staff_user", user_id, action, None, {"has_password": True}, actor)

    write(save)


def first_password(user_id: int, new_password: str) -> None:
    """The first administrator's password, chosen in the first-run setup while no administrator
    can sign in (a new town; or one set up by a script or a demo that gave only other staff
    passwords, which would otherwise have nobody to set the rest)."""

    hashed = _check_password(new_password)
    if first_administrator(can_sign_in=True) is not None:
        raise InputError(_("Passwords are already set; an administrator resets them."))
    user = StaffUser.get_or_none(StaffUser.id == user_id)
    if user is None or user.role != "admin" or user.password_hash:
        raise InputError(_("Only an administrator without a password is given one here."))
    _store_password(user_id, hashed, None, "password_set")


# -- remember me on this PC ---------------------------------------------------------------------


def _token_hash(token: str) -> str:
    import hashlib  # noqa: PLC0415 (as secrets in _dummy_hash)

    return hashlib.sha256(token.encode("ascii")).hexdigest()


def _account(location: str) -> str:
    return f"{location}"


def remember(user: StaffUser, location: str) -> bool:
    """Keep a sign-in token for `user` on this PC; False (nothing kept) without a real keyring."""
    import keyring  # imported when needed: start-up time
    import keyring.errors

    if not secret_store.keyring_usable():
        log.info("no usable keyring (%s): sign-in not remembered", secret_store.backend_name())
        return False
    import secrets  # noqa: PLC0415 (as in _dummy_hash)

    token = secrets.token_urlsafe(32)
    try:
        keyring.set_password(KEYRING_SERVICE, _account(location), f"{user.username}:{token}")
    except keyring.errors.KeyringError as exc:
        log.warning("keyring refused the sign-in token: %s", exc)
        return False

    def save() -> None:
        RememberToken.create(
            staff=user.id,
            token_hash=_token_hash(token),
            workstation=workstation_name()[:200],
            created_at=clock.now(),
        )

    write(save)
    return True


def remembered_user(location: str) -> StaffUser | None:
    """The staff member remembered on this PC for this database, if the token is still good."""
    if not _a_token_may_be_here():
        return None  # the keyring is not even loaded (a tenth of a second of start-up)
    import keyring  # imported when needed: start-up time
    import keyring.errors

    if not secret_store.keyring_usable():
        return None
    try:
        stored = keyring.get_password(KEYRING_SERVICE, _account(location))
    except keyring.errors.KeyringError:
        return None
    if not stored or ":" not in stored:
        return None
    username, token = stored.split(":", 1)
    row = RememberToken.get_or_none(RememberToken.token_hash == _token_hash(token))
    if row is None or row.revoked_at is not None:
        return None
    user = StaffUser.get_or_none(StaffUser.id == row.staff_id)
    import hmac  # noqa: PLC0415 (as secrets in _dummy_hash)

    if user is None or not user.active or not hmac.compare_digest(user.username, username):
        return None
    if (row.last_used or row.created_at) < clock.now() - dt.timedelta(days=TOKEN_DAYS):
        return None
    if user.locked_until is not None and user.locked_until > clock.now():
        return None
    write(
        lambda: (
            RememberToken.update(last_used=clock.now()).where(RememberToken.id == row.id).execute()
        )
    )
    return user


def _a_token_may_be_here() -> bool:
    """Whether the database holds a live token made on this PC (only then can the keyring hold
    one that signs somebody in)."""
    fresh_since = clock.now() - dt.timedelta(days=TOKEN_DAYS)
    return bool(
        RememberToken.select(RememberToken.id)
        .where(
            RememberToken.revoked_at.is_null(),
            RememberToken.workstation == workstation_name()[:200],
            (RememberToken.last_used >= fresh_since) | (RememberToken.created_at >= fresh_since),
        )
        .exists()
    )


def forget(location: str) -> None:
    """Sign out on this PC: the token leaves the keyring and is revoked in the database."""
    import keyring  # imported when needed: start-up time
    import keyring.errors

    if not secret_store.keyring_usable():
        return
    try:
        stored = keyring.get_password(KEYRING_SERVICE, _account(location))
        if stored:
            keyring.delete_password(KEYRING_SERVICE, _account(location))
    except keyring.errors.KeyringError:
        return
    if stored and ":" in stored:
        digest = _token_hash(stored.split(":", 1)[1])
        write(
            lambda: (
                RememberToken.update(revoked_at=clock.now())
                .where(RememberToken.token_hash == digest)
                .execute()
            )
        )


def revoke_tokens(user_id: int, *, actor: StaffUser | None) -> int:
    """An administrator ends every remembered sign-in of a staff member."""
    permissions.require(actor, permissions.STAFF_MANAGE)

    def save() -> int:
        count = (
            RememberToken.update(revoked_at=clock.now())
            .where(RememberToken.staff == user_id, RememberToken.revoked_at.is_null())
            .execute()
        )
        audit.record("staff_user", user_id, "tokens_revoked", None, {"tokens": count}, actor)
        return int(count)

    return write(save)
