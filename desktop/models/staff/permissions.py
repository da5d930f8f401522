"""Who may do what: each role's actions, checked by the core before every change.

A hidden button is a courtesy; this is the protection. Every core action that changes data calls
`require(actor, ACTION)` first. Who acts is always said: the `actor` argument every such core
function takes (the window and the command line each keep who is signed in and pass it). None says
"nobody is signed in": allowed only while nobody can sign in yet (no staff member has a password: a
database from before sign-in, the tests of the core) or inside `as_system()` (first-run setup, the
scheduled anonymisation, the demo town). The core never looks up a signed-in user of its own.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING

from desktop.i18n import _
from desktop.models.errors import PermissionDenied
from desktop.models.storage import config_cache
from desktop.models.storage.schema import StaffUser
from desktop.models.vocab import ROLES

if TYPE_CHECKING:
    from desktop.models.storage.schema import StaffUser

# the actions (a code each; ACTION_LABELS says them in the clerk's words)
REQUEST_CREATE = "request.create"  # intake, "also reported by", logging a question
REQUEST_NOTE = "request.note"
REQUEST_STATUS = "request.status"  # acknowledge, schedule, start, priority, pause the clock
REQUEST_PRINT = "request.print"
CONTACT_EDIT = "contact.edit"  # a resident's details, merging two records of one resident
ATTACHMENT_EDIT = "attachment.edit"
REQUEST_CLOSEOUT = "request.closeout"  # resolve and close (the crew's work done)
REQUEST_ASSIGN = "request.assign"
REQUEST_REOPEN = "request.reopen"
ROUTING_EDIT = "routing.edit"
CATALOG_EDIT = "catalog.edit"
KNOWLEDGE_EDIT = "knowledge.edit"
REPORTS_VIEW = "reports.view"  # the dashboard, the council report, exports
GOALS_EDIT = "goals.edit"  # the dashboard's targets per request type
CONFIDENTIAL_VIEW = "confidential.view"  # who reported a confidential (neighbour) complaint
STAFF_MANAGE = "staff.manage"
SETTINGS_EDIT = "settings.edit"
BACKUP_MANAGE = "backup.manage"
PRIVACY_MANAGE = "privacy.manage"  # anonymisation, public-records exports
AUDIT_VIEW = "audit.view"


def action_labels() -> dict[str, str]:
    """Each action as a clerk would say it ("… is not allowed to {label}")."""
    return {
        REQUEST_CREATE: _("log requests and questions"),
        REQUEST_NOTE: _("add notes to requests"),
        REQUEST_STATUS: _("change the status of requests"),
        REQUEST_PRINT: _("print requests and work orders"),
        CONTACT_EDIT: _("change residents' details"),
        ATTACHMENT_EDIT: _("add or remove attachments"),
        REQUEST_CLOSEOUT: _("resolve and close requests"),
        REQUEST_ASSIGN: _("assign requests"),
        REQUEST_REOPEN: _("reopen requests"),
        ROUTING_EDIT: _("change the routing rules"),
        CATALOG_EDIT: _("change the request types and departments"),
        KNOWLEDGE_EDIT: _("change the knowledge base"),
        REPORTS_VIEW: _("see the reports"),
        GOALS_EDIT: _("set the service goals"),
        CONFIDENTIAL_VIEW: _("see who reported a confidential request"),
        STAFF_MANAGE: _("manage staff accounts"),
        SETTINGS_EDIT: _("change the town's settings"),
        BACKUP_MANAGE: _("make or restore backups"),
        PRIVACY_MANAGE: _("anonymise or export residents' personal data"),
        AUDIT_VIEW: _("read the audit trail"),
    }


_CLERK = frozenset(
    {REQUEST_CREATE, REQUEST_NOTE, REQUEST_STATUS, REQUEST_PRINT, CONTACT_EDIT, ATTACHMENT_EDIT}
)
_CREW_LEAD = _CLERK | {REQUEST_CLOSEOUT}
_SUPERVISOR = _CREW_LEAD | {
    REQUEST_ASSIGN,
    REQUEST_REOPEN,
    ROUTING_EDIT,
    CATALOG_EDIT,
    KNOWLEDGE_EDIT,
    REPORTS_VIEW,
    GOALS_EDIT,
    CONFIDENTIAL_VIEW,
}
_ADMIN = _SUPERVISOR | {STAFF_MANAGE, SETTINGS_EDIT, BACKUP_MANAGE, PRIVACY_MANAGE, AUDIT_VIEW}

#: role -> the actions it allows
MATRIX: dict[str, frozenset[str]] = {
    "clerk": _CLERK,
    "crew_lead": _CREW_LEAD,
    "supervisor": _SUPERVISOR,
    "admin": _ADMIN,
}
ACTIONS: tuple[str, ...] = tuple(sorted(_ADMIN))

_local = threading.local()


@contextlib.contextmanager
def as_system() -> Iterator[None]:
    """Changes the app makes by itself (first-run setup, the scheduled anonymisation)."""
    depth = getattr(_local, "system", 0)
    _local.system = depth + 1
    try:
        yield
    finally:
        _local.system = depth


def _in_system() -> bool:
    return bool(getattr(_local, "system", 0))


def role_allows(role: str, action: str) -> bool:
    return action in MATRIX.get(role, frozenset())


def sign_in_enabled() -> bool:
    """Whether anyone can sign in (some active staff member has a password)."""

    def load() -> bool:
        return bool(
            StaffUser.select(StaffUser.id)
            .where(StaffUser.password_hash.is_null(False), StaffUser.active == True)  # noqa: E712
            .exists()
        )

    return config_cache.cached("sign_in_enabled", load)


def _fresh(actor: StaffUser) -> tuple[str, bool] | None:
    """The actor's role and whether they are active, as the database says now."""

    row = (
        StaffUser.select(StaffUser.role, StaffUser.active)
        .where(StaffUser.id == actor.id)
        .tuples()
        .first()
    )
    return None if row is None else (str(row[0]), bool(row[1]))


def can(actor: StaffUser | None, action: str) -> bool:
    """Whether `actor` (None: nobody signed in, the system) may do `action`."""
    try:
        require(actor, action)
    except PermissionDenied:
        return False
    return True


def require(actor: StaffUser | None, action: str) -> None:
    """Raise PermissionDenied, in the clerk's words, unless `actor` may do `action`."""
    if action not in _ADMIN:
        raise KeyError(f"unknown action {action!r}")
    label = action_labels()[action]
    if actor is None:
        if _in_system() or not sign_in_enabled():
            return
        raise PermissionDenied(
            _("Sign in first: only a signed-in member of staff may {action}.").format(action=label)
        )
    fresh = _fresh(actor)
    if fresh is None or not fresh[1]:
        raise PermissionDenied(
            _("The account “{name}” is no longer active, so it may not {action}.").format(
                name=actor.username, action=label
            )
        )
    role = fresh[0]
    if not role_allows(role, action):
        raise PermissionDenied(
            _(
                "{name} is signed in as {role}, and a {role} may not {action}. "
                "Ask a supervisor or an administrator."
            ).format(name=actor.full_name, role=ROLES.get(role, role).lower(), action=label)
        )


def may_see_confidential(viewer: StaffUser | None) -> bool:
    """Whether the viewer may see a confidential reporter.

    Unlike changes, nobody signed in (None) does not see them: lists, exports and print mask
    them."""
    if viewer is None:
        return False
    fresh = _fresh(viewer)
    return fresh is not None and fresh[1] and role_allows(fresh[0], CONFIDENTIAL_VIEW)
