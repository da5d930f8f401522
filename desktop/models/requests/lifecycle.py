"""The life of a request after intake: status changes, notes, assignment, the paused clock,
resolution, closing, reopening and linking duplicates.

Every change carries the version the clerk saw; saving over someone else's newer change raises
ConflictError instead of overwriting it (docs/RELIABILITY.md rule 5). Every change is an event in
the request's history, with who and when.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from desktop.i18n import _
from desktop.models import clock
from desktop.models.errors import ConflictError, InputError, NotFound
from desktop.models.outbox import notices
from desktop.models.requests.tracking import (
    find_request as find_request,  # lifecycle.find_request too
)
from desktop.models.staff import audit, permissions
from desktop.models.storage.db import write
from desktop.models.storage.schema import RequestEvent, RequestPause, ServiceRequest, StaffUser
from desktop.models.text_clean import MAX_DESCRIPTION, MAX_LINE, clean_text
from desktop.models.town.calendar import load_calendar
from desktop.models.vocab import DONE_STATUSES, OPEN_STATUSES, PRIORITIES, RESOLUTIONS, STATUSES

#: where each status may go next by `set_status` (resolving, closing and reopening have their own)
NEXT: dict[str, tuple[str, ...]] = {
    "new": ("acknowledged", "assigned", "scheduled", "in_progress"),
    "acknowledged": ("assigned", "scheduled", "in_progress"),
    "assigned": ("acknowledged", "scheduled", "in_progress"),
    "scheduled": ("assigned", "in_progress"),
    "in_progress": ("assigned", "scheduled"),
    "resolved": (),
    "closed": (),
}


def save_change(
    request_id: int,
    version: int | None,
    changes: dict[str, Any],
    events: list[dict[str, Any]],
    actor: StaffUser | None,
    *,
    notice: str = "",
) -> ServiceRequest:
    """Apply `changes` if the request is still at `version` (None: whatever it is now). The
    resident's notice of it (outbox/notices.py) is queued in the same transaction: a
    resolution and a public update are known by their events, a reopening is said."""

    def save() -> ServiceRequest:
        current = ServiceRequest.get_or_none(ServiceRequest.id == request_id)
        if current is None:
            raise NotFound(_("That request is no longer on file."))
        expected = current.version if version is None else version
        now = clock.now()
        fields = {**changes, "updated_at": now, "version": ServiceRequest.version + 1}
        if current.acknowledged_at is None and changes.get("status", "new") != "new":
            fields["acknowledged_at"] = now  # the first move out of "new" acknowledges it
        updated = (
            ServiceRequest.update(**fields)
            .where(ServiceRequest.id == request_id, ServiceRequest.version == expected)
            .execute()
        )
        if not updated:
            raise ConflictError(
                _(
                    "Someone else changed request {number} since you opened it. Nothing was "
                    "overwritten: compare your change with theirs and choose."
                ).format(number=current.tracking_number),
                mine=changes,
                theirs=current,
            )
        for event in events:
            RequestEvent.create(request=request_id, at=now, actor=actor, **event)
        told = notice or _notice_of(events)
        if told:
            notices.queue(request_id, told, actor)
        fresh: ServiceRequest = ServiceRequest.get_by_id(request_id)
        audit.record(
            "service_request",
            request_id,
            events[0]["kind"] if events else "update",
            audit.snapshot(current, changes),
            {**(audit.snapshot(fresh, changes) or {}), **({"event": events} if events else {})},
            actor,
        )
        return fresh

    return write(save)


def _notice_of(events: list[dict[str, Any]]) -> str:
    """The notice a change's events call for: resolved, a public update, or none."""
    for event in events:
        if event.get("kind") == "status" and event.get("new_value") == "resolved":
            return "resolved"
        if event.get("kind") == "public_update":
            return "update"
    return ""


def set_status(
    request_id: int,
    status: str,
    *,
    version: int | None = None,
    actor: StaffUser | None,
    note: str = "",
) -> ServiceRequest:
    """Move an open request along: acknowledged, assigned, scheduled, in progress."""
    permissions.require(actor, permissions.REQUEST_STATUS)
    request = find_request(request_id)
    if status not in STATUSES:
        raise InputError(_("“{status}” is not a status.").format(status=status))
    if status not in NEXT[request.status]:
        raise InputError(
            _("A request that is {old} cannot be made {new} directly.").format(
                old=STATUSES[request.status].lower(), new=STATUSES[status].lower()
            )
        )
    changes: dict[str, Any] = {"status": status}
    event = {
        "kind": "status",
        "old_value": request.status,
        "new_value": status,
        "body": clean_text(note, MAX_DESCRIPTION),
    }
    return save_change(request_id, version, changes, [event], actor)


def resolve(
    request_id: int,
    resolution: str,
    *,
    version: int | None = None,
    actor: StaffUser | None,
    note: str = "",
    duplicate_of: str | int | None = None,
    done_at: dt.datetime | None = None,
) -> ServiceRequest:
    """The work is done (or will not be): say how, so "closed" always says whether it was fixed.

    `note` is public (the resident may be told it). `done_at` is when the work was really done
    (a crew's order keyed in the next morning): the on-time numbers count from it."""
    permissions.require(actor, permissions.REQUEST_CLOSEOUT)
    request = find_request(request_id)
    if request.status not in OPEN_STATUSES:
        raise InputError(_("This request is already resolved."))
    now = clock.now()
    if done_at is not None and not request.requested_at <= done_at <= now:
        raise InputError(
            _("The work must be done after the request came in and not in the future.")
        )
    if resolution not in RESOLUTIONS:
        raise InputError(
            _("Say how it was resolved: {choices}.").format(choices=", ".join(RESOLUTIONS))
        )
    changes: dict[str, Any] = {
        "status": "resolved",
        "resolution": resolution,
        "resolved_at": done_at or now,
        "paused_since": None,
    }
    events = [
        {
            "kind": "status",
            "old_value": request.status,
            "new_value": "resolved",
            "body": clean_text(note, MAX_DESCRIPTION),
            "public": True,
        }
    ]
    if resolution == "duplicate":
        if duplicate_of is None:
            raise InputError(_("Say which request this one duplicates."))
        original = find_request(duplicate_of)
        if original.id == request.id:
            raise InputError(_("A request cannot be a duplicate of itself."))
        changes["duplicate_of"] = original.id
        events.append(
            {
                "kind": "link",
                "new_value": original.tracking_number,
                "body": _("Duplicate of {number}.").format(number=original.tracking_number),
            }
        )
    if note.strip():
        changes["status_notes"] = clean_text(note, MAX_DESCRIPTION)

    def save() -> ServiceRequest:
        return save_change(request_id, version, {**_end_pause(request), **changes}, events, actor)

    return write(save)


def close(
    request_id: int, *, version: int | None = None, actor: StaffUser | None, note: str = ""
) -> ServiceRequest:
    permissions.require(actor, permissions.REQUEST_CLOSEOUT)
    request = find_request(request_id)
    if request.status != "resolved":
        raise InputError(_("Only a resolved request can be closed: resolve it first."))
    event = {
        "kind": "status",
        "old_value": "resolved",
        "new_value": "closed",
        "body": clean_text(note, MAX_DESCRIPTION),
        "public": True,
    }
    return save_change(
        request_id, version, {"status": "closed", "closed_at": clock.now()}, [event], actor
    )


def reopen(
    request_id: int, reason: str, *, version: int | None = None, actor: StaffUser | None
) -> ServiceRequest:
    """Back to work: the resolution is cleared, the clock starts again from now."""
    permissions.require(actor, permissions.REQUEST_REOPEN)
    request = find_request(request_id)
    if request.status not in DONE_STATUSES:
        raise InputError(_("This request is still open."))
    reason = clean_text(reason, MAX_DESCRIPTION)
    if not reason:
        raise InputError(_("Say why the request is reopened."))
    calendar = load_calendar()
    kind = request.service_type
    now = clock.now()
    # back to whoever had it: an assigned request reopens as assigned (it went back to
    # "acknowledged", and dropped out of its crew's lists while it still named them)
    status = "assigned" if request.assignee_id is not None else "acknowledged"
    changes: dict[str, Any] = {
        "status": status,
        "resolution": None,
        "resolved_at": None,
        "closed_at": None,
        "duplicate_of": None,
        "due_at": calendar.add_target(now, kind.resolve_amount, kind.resolve_unit)
        if kind.resolve_amount
        else None,
    }
    event = {
        "kind": "status",
        "old_value": request.status,
        "new_value": status,
        "body": _("Reopened: {reason}").format(reason=reason),
    }
    return save_change(request_id, version, changes, [event], actor, notice="reopened")


def add_note(
    request_id: int,
    text: str,
    *,
    public: bool = False,
    version: int | None = None,
    actor: StaffUser | None,
) -> ServiceRequest:
    """An internal note, or a public update the resident may be told (Open311 status_notes)."""
    permissions.require(actor, permissions.REQUEST_NOTE)
    text = clean_text(text, MAX_DESCRIPTION)
    if not text:
        raise InputError(_("The note is empty."))
    find_request(request_id)
    changes: dict[str, Any] = {"status_notes": text} if public else {}
    event = {"kind": "public_update" if public else "note", "body": text, "public": public}
    return save_change(request_id, version, changes, [event], actor)


def assign(
    request_id: int,
    assignee: StaffUser | None,
    *,
    version: int | None = None,
    actor: StaffUser | None,
) -> ServiceRequest:
    permissions.require(actor, permissions.REQUEST_ASSIGN)
    request = find_request(request_id)
    if request.status not in OPEN_STATUSES:
        raise InputError(_("A resolved request cannot be assigned; reopen it first."))
    changes: dict[str, Any] = {"assignee": assignee}
    if assignee is not None and request.status in ("new", "acknowledged"):
        changes["status"] = "assigned"
    name = assignee.full_name if assignee else _("nobody")
    event = {
        "kind": "assignment",
        "new_value": name,
        "body": _("Assigned to {name}.").format(name=name),
    }
    return save_change(request_id, version, changes, [event], actor)


def set_priority(
    request_id: int, priority: str, *, version: int | None = None, actor: StaffUser | None
) -> ServiceRequest:
    permissions.require(actor, permissions.REQUEST_STATUS)
    request = find_request(request_id)
    if priority not in PRIORITIES:
        raise InputError(_("“{priority}” is not a priority.").format(priority=priority))
    event = {"kind": "priority", "old_value": request.priority, "new_value": priority}
    return save_change(request_id, version, {"priority": priority}, [event], actor)


def pause(
    request_id: int, reason: str, *, version: int | None = None, actor: StaffUser | None
) -> ServiceRequest:
    """Stop the clock (waiting on the resident, on parts, on weather)."""
    permissions.require(actor, permissions.REQUEST_STATUS)
    request = find_request(request_id)
    reason = clean_text(reason, MAX_LINE)
    if not reason:
        raise InputError(_("Say why the clock is paused."))
    if request.status not in OPEN_STATUSES:
        raise InputError(_("Only an open request's clock can be paused."))
    if request.paused_since is not None:
        raise InputError(_("The clock of this request is already paused."))
    now = clock.now()

    def save() -> ServiceRequest:
        RequestPause.create(request=request_id, started_at=now, reason=reason, actor=actor)
        event = {"kind": "pause", "body": reason}
        return save_change(request_id, version, {"paused_since": now}, [event], actor)

    return write(save)


def resume(
    request_id: int, *, version: int | None = None, actor: StaffUser | None
) -> ServiceRequest:
    """Start the clock again; the due dates move by the business time it stood still."""
    permissions.require(actor, permissions.REQUEST_STATUS)
    request = find_request(request_id)
    if request.paused_since is None:
        raise InputError(_("The clock of this request is not paused."))

    def save() -> ServiceRequest:
        changes = _end_pause(request)
        event = {"kind": "resume", "body": _("Clock resumed.")}
        return save_change(request_id, version, changes, [event], actor)

    return write(save)


def _end_pause(request: ServiceRequest) -> dict[str, Any]:
    """Close the open pause and return the due dates pushed back by its business time."""
    if request.paused_since is None:
        return {}
    now = clock.now()
    RequestPause.update(ended_at=now).where(
        RequestPause.request == request.id, RequestPause.ended_at.is_null()
    ).execute()
    calendar = load_calendar()
    paused = calendar.business_seconds(request.paused_since, now)
    changes: dict[str, Any] = {"paused_since": None}
    if request.due_at is not None:
        changes["due_at"] = calendar.add_business_seconds(request.due_at, paused)
    if request.respond_due_at is not None and request.acknowledged_at is None:
        changes["respond_due_at"] = calendar.add_business_seconds(request.respond_due_at, paused)
    return changes
