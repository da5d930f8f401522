"""Password hashing (scrypt, RFC 7914), sign-in, lockout, resets and remembered sign-ins."""

from __future__ import annotations

import datetime as dt
from typing import Any

import keyring
import pytest
from keyring.backends import fail, null

from desktop.models import clock
from desktop.models.errors import InputError, PermissionDenied
from desktop.models.staff import passwords, permissions, signin
from desktop.models.staff.members import create_staff, update_staff
from desktop.models.storage import secret_store
from desktop.models.storage.schema import RememberToken, StaffUser
from tests.conftest import TEST_NOW

PASSWORD = "correct horse battery"


def test_scrypt_known_answers_from_rfc_7914():
    vectors = [
        (b"", b"", 16, 1, 1, "77d6576238657b203b19ca42c18a0497f16b4844e3074ae8dfdffa3fede21442"),
        (
            b"password",
            b"NaCl",
            1024,
            8,
            16,
            "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b373162",
        ),
    ]
    for secret, salt, n, r, p, expected in vectors:
        params = passwords.ScryptParams(n, r, p)
        assert passwords.derive(secret.decode(), salt, params, 64).hex()[:64] == expected


def test_a_stored_hash_carries_its_parameters_and_verifies():
    stored = passwords.hash_password(PASSWORD, salt=b"0123456789abcdef")
    assert stored.startswith("scrypt$n=16,r=8,p=1$")  # the tests' cheap cost
    assert stored == passwords.hash_password(PASSWORD, salt=b"0123456789abcdef")
    assert passwords.verify_password(PASSWORD, stored)
    assert not passwords.verify_password(PASSWORD + "!", stored)
    assert not passwords.verify_password(PASSWORD, None)
    assert not passwords.verify_password(PASSWORD, "md5$abc")
    assert passwords.hash_password(PASSWORD) != passwords.hash_password(PASSWORD)  # salted


@pytest.mark.parametrize(
    "edited",
    [
        "scrypt$n=3,r=8,p=1$c2FsdA$a2V5",  # n not a power of two
        "scrypt$n=1099511627776,r=8,p=1$c2FsdA$a2V5",  # more memory than allowed
        "scrypt$n=16,r=8,p=99999999999999999999$c2FsdA$a2V5",
        "scrypt$n=16$c2FsdA$a2V5",
        "md5$x$y$z",
        "",
    ],
)
def test_a_hash_edited_by_hand_lets_nobody_in(edited):
    assert passwords.verify_password("anything at all", edited) is False


def test_the_shipped_cost_is_rule_14s(monkeypatch):
    monkeypatch.undo()  # the shipped values, not the tests' cheap ones
    assert (passwords.SCRYPT_N, passwords.SCRYPT_R, passwords.SCRYPT_P) == (2**17, 8, 1)
    assert passwords.MAXMEM == 256 * 1024 * 1024
    cheap = "scrypt$n=16,r=8,p=1$" + "A" * 22 + "$" + "A" * 43
    assert passwords.needs_rehash(cheap)
    stored = passwords.hash_password(PASSWORD)
    assert stored.startswith("scrypt$n=131072,r=8,p=1$")
    assert passwords.verify_password(PASSWORD, stored)
    assert not passwords.needs_rehash(stored)


def test_short_passwords_are_refused():
    assert passwords.password_problem("short")
    assert passwords.password_problem(" leading space here")
    assert passwords.password_problem(PASSWORD) == ""


@pytest.fixture
def ada(db):
    from desktop.models.setup.first_run import complete_first_run

    return complete_first_run("Alder Falls", "Ada Admin", password=PASSWORD)


def test_first_run_sets_the_administrators_password_and_signs_in(ada):
    assert permissions.sign_in_enabled()
    assert str(StaffUser.get_by_id(ada.id).password_hash).startswith("scrypt$")
    assert signin.authenticate("ADA.ADMIN ", PASSWORD).id == ada.id
    with pytest.raises(signin.SignInFailed, match="do not match"):
        signin.authenticate("ada.admin", "wrong password")
    with pytest.raises(signin.SignInFailed, match="do not match"):
        signin.authenticate("nobody", PASSWORD)  # the same words: no hint which was wrong


def test_no_default_password_anywhere(db):
    from desktop.models.setup.first_run import complete_first_run

    admin = complete_first_run("Alder Falls", "Ada Admin")  # no password given
    assert StaffUser.get_by_id(admin.id).password_hash is None
    assert not permissions.sign_in_enabled()
    for guess in ("", "admin", "password", "frontcounter", "ada.admin"):
        with pytest.raises(signin.SignInFailed):
            signin.authenticate("ada.admin", guess)


def test_repeated_failures_lock_the_account_for_a_while(ada):
    for _attempt in range(signin.MAX_FAILURES - 1):
        with pytest.raises(signin.SignInFailed, match="do not match"):
            signin.authenticate("ada.admin", "wrong password")
    with pytest.raises(signin.SignInFailed, match="locked"):
        signin.authenticate("ada.admin", "wrong password")
    with pytest.raises(signin.SignInFailed, match="locked"):
        signin.authenticate("ada.admin", PASSWORD)  # even the right one, while locked
    from desktop.models.storage.schema import AuditRecord

    locked = AuditRecord.get(AuditRecord.action == "locked")
    assert locked.record_id == str(ada.id) and locked.staff_id is None  # not Ada's own doing
    later = TEST_NOW + dt.timedelta(minutes=signin.LOCK_MINUTES + 1)
    clock.set_clock(lambda: later)
    assert signin.authenticate("ada.admin", PASSWORD).failed_logins == 0


def test_an_administrator_resets_a_password_and_unlocks(ada):
    clerk = create_staff("Carla Clerk", "clerk", actor=ada)
    with pytest.raises(PermissionDenied):
        signin.reset_password(clerk.id, "clerk password 1", actor=clerk)
    signin.reset_password(clerk.id, "clerk password 1", actor=ada)
    for _attempt in range(signin.MAX_FAILURES):
        with pytest.raises(signin.SignInFailed):
            signin.authenticate("carla.clerk", "nope nope nope")
    signin.reset_password(clerk.id, "clerk password 2", actor=ada)
    assert signin.authenticate("carla.clerk", "clerk password 2").id == clerk.id
    with pytest.raises(InputError, match="at least"):
        signin.reset_password(clerk.id, "short", actor=ada)
    signin.set_password(clerk, "clerk password 3", "clerk password 2")
    with pytest.raises(signin.SignInFailed):
        signin.set_password(clerk, "clerk password 4", "not the old one")


def test_a_deactivated_account_cannot_sign_in_and_the_last_admin_stays(ada):
    clerk = create_staff("Carla Clerk", "clerk", actor=ada)
    signin.reset_password(clerk.id, "clerk password 1", actor=ada)
    update_staff(clerk.id, active=False, actor=ada)
    with pytest.raises(signin.SignInFailed, match="deactivated"):
        signin.authenticate("carla.clerk", "clerk password 1")
    with pytest.raises(PermissionDenied, match="no longer active"):
        permissions.require(clerk, permissions.REQUEST_CREATE)
    with pytest.raises(InputError, match="last active administrator"):
        update_staff(ada.id, active=False, actor=ada)
    # another administrator with no password cannot sign in: Ada is still the last one
    bob = create_staff("Bob Admin", "admin", actor=ada)
    with pytest.raises(InputError, match="give another administrator a password"):
        update_staff(ada.id, role="clerk", actor=ada)
    signin.reset_password(bob.id, "bob's password 1", actor=ada)
    update_staff(ada.id, active=False, actor=ada)
    assert permissions.sign_in_enabled()


def test_remember_me_keeps_a_token_in_the_keyring_only_and_can_be_revoked(ada):
    assert signin.remember(ada, "/town.db")
    stored = keyring.get_password(signin.KEYRING_SERVICE, "/town.db")
    assert stored and stored.startswith("ada.admin:")
    token = stored.split(":", 1)[1]
    row = RememberToken.get()
    assert token not in row.token_hash and len(row.token_hash) == 64
    assert getattr(signin.remembered_user("/town.db"), "id", None) == ada.id
    assert signin.remembered_user("/other.db") is None
    signin.revoke_tokens(ada.id, actor=ada)
    assert signin.remembered_user("/town.db") is None
    assert signin.remember(ada, "/town.db")
    signin.forget("/town.db")
    assert keyring.get_password(signin.KEYRING_SERVICE, "/town.db") is None
    assert RememberToken.select().where(RememberToken.revoked_at.is_null()).count() == 0


class PlaintextKeyring(null.Keyring):
    """Stands in for keyrings.alt's plaintext file (which must never be a dependency)."""

    priority = 1
    stored: dict[tuple[str, str], str] = {}  # noqa: RUF012

    def set_password(self, service: Any, username: Any, password: Any = None) -> None:
        self.stored[(service, username)] = password


PlaintextKeyring.__module__ = "keyrings.alt.file"


@pytest.mark.parametrize("backend", [fail.Keyring, null.Keyring, PlaintextKeyring])
def test_fail_null_and_plaintext_keyrings_store_nothing(ada, backend):
    keyring.set_keyring(backend())
    assert not secret_store.keyring_usable()
    assert not signin.remember(ada, "/town.db")
    assert RememberToken.select().count() == 0
    assert not PlaintextKeyring.stored
    assert signin.remembered_user("/town.db") is None
    assert not secret_store.remember_database_password("postgresql://u@h/town", "secret")
    assert not PlaintextKeyring.stored


def test_without_a_token_made_on_this_pc_the_keyring_is_not_asked(ada, monkeypatch):
    """Start-up: a town with passwords but no remembered sign-in here skips the keyring (its
    loading alone costs a tenth of a second)."""
    asked: list[str] = []
    usable = secret_store.keyring_usable

    def watched() -> bool:
        asked.append("keyring")
        return usable()

    monkeypatch.setattr(secret_store, "keyring_usable", watched)
    assert signin.remembered_user("/town.db") is None and asked == []
    assert signin.remember(ada, "/town.db")
    asked.clear()
    monkeypatch.setenv("FRONTCOUNTER_WORKSTATION", "OTHER-PC")  # remembered on another PC
    assert signin.remembered_user("/town.db") is None and asked == []
    monkeypatch.setenv("FRONTCOUNTER_WORKSTATION", "TEST-PC")
    assert getattr(signin.remembered_user("/town.db"), "id", None) == ada.id and asked
