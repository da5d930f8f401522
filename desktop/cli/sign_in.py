"""Who runs a command: `--user` is signed in with a password before anything is changed.

The password comes from FRONTCOUNTER_PASSWORD (scripts, scheduled jobs) or, at a terminal, a
prompt that does not echo; never from the command line, where other users of the PC could see it.
On a database where nobody has a password yet, `--user` only names who did it, as before.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from desktop.i18n import _
from desktop.models.errors import PermissionDenied
from desktop.models.staff import permissions, signin
from desktop.models.staff.members import get_staff
from desktop.models.storage.schema import StaffUser

PASSWORD_ENV = "FRONTCOUNTER_PASSWORD"


def _password_for(username: str) -> str:
    from_env = os.environ.get(PASSWORD_ENV)
    if from_env is not None:
        return from_env
    if sys.stdin is not None and sys.stdin.isatty():
        return getpass.getpass(_("Password for {user}: ").format(user=username))
    raise PermissionDenied(
        _(
            "{user} must sign in: type the password at a terminal, or set {env} for a script."
        ).format(user=username, env=PASSWORD_ENV)
    )


def sign_in_for_command(args: argparse.Namespace, *, changes_data: bool) -> StaffUser | None:
    """The staff member this command runs as (signed in), or None: the command passes it to
    the core as the `actor` of everything it does (commands.run_command keeps it on
    `args.signed_in`)."""
    username = getattr(args, "user", None)
    enabled = permissions.sign_in_enabled()
    if not username:
        if changes_data and enabled:
            raise PermissionDenied(
                _(
                    "This database has staff sign-in: give --user USERNAME (and the password) "
                    "to change anything."
                )
            )
        return None
    user = get_staff(username)
    if user.password_hash:
        user = signin.authenticate(user.username, _password_for(user.username))
    elif enabled:
        raise PermissionDenied(
            _("{user} has no password yet: an administrator sets one first.").format(
                user=user.username
            )
        )
    return user
