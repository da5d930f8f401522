"""Closing out a returned work order: what the crew ticked and wrote becomes the resolution.

The clerk scans the barcode of a returned order and types what the crew wrote; `close_out`
checks it, resolves the request through `lifecycle.resolve` as of the time the work was done
(or, for "needs follow-up", keeps it open with the crew's note) and records an internal
"work_done" event carrying the hours, materials and time done, all in one transaction. The
resident's update says only what the outcome means for them. `close_out_many` does a stack of
orders, each on its own.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass

from desktop import i18n
from desktop.i18n import N_, Labels, _, long_day, speaking
from desktop.models import clock
from desktop.models.documents.gather import find_by_reference
from desktop.models.errors import InputError, KnownError
from desktop.models.requests import lifecycle
from desktop.models.residents.contacts import resident_language
from desktop.models.storage.db import write
from desktop.models.storage.schema import Contact, RequestEvent, ServiceRequest, StaffUser
from desktop.models.text_clean import MAX_DESCRIPTION, MAX_LINE, clean_text
from desktop.models.vocab import OPEN_STATUSES, RESOLUTIONS, STATUSES

#: the boxes on the printed order, and the resolution each one means (None: still open)
OUTCOMES: dict[str, tuple[str, str | None]] = {
    "fixed": (N_("Fixed"), "fixed"),
    "follow_up": (N_("Needs follow-up"), None),
    "could_not_locate": (N_("Could not locate"), "could_not_locate"),
    "not_ours": (N_("Not ours"), "not_town_responsibility"),
}
#: what the resident is told for each outcome (the crew's own report stays internal: hours,
#: materials, names and notes are for the town's records, not for a letter)
PUBLIC_NOTES: Labels[str] = Labels(
    {
        "fixed": N_("The crew finished the work on {date}."),
        "could_not_locate": N_(
            "The crew could not find the problem at the place given on {date}. If it is still "
            "there, please call us with more detail about where it is."
        ),
        "not_ours": N_(
            "The crew found on {date} that this is not the town's to fix; we will tell you whom "
            "to contact if we have not already."
        ),
    }
)
MAX_HOURS = 24 * 14.0  # two weeks of round-the-clock work: more is a typing mistake


@dataclass
class CloseOut:
    """What came back on one work order."""

    reference: str | int  # the tracking number as scanned, or the request id
    outcome: str
    notes: str = ""
    hours: float | None = None
    materials: str = ""
    crew: str = ""
    done_at: dt.datetime | None = None


@dataclass(frozen=True)
class CloseOutResult:
    """How one close-out went: the request as it is now, or why nothing was changed."""

    reference: str | int
    tracking_number: str
    ok: bool
    status: str
    message: str


def check(record: CloseOut, request: ServiceRequest) -> CloseOut:
    """The record cleaned and checked against the request; InputError says what is wrong."""
    if record.outcome not in OUTCOMES:
        raise InputError(
            _("Choose the outcome the crew ticked: {choices}.").format(
                choices=", ".join(_(label) for label, _resolution in OUTCOMES.values())
            ),
            field="outcome",
        )
    if request.status not in OPEN_STATUSES:
        when = i18n.when(request.resolved_at, "%d %b %Y") if request.resolved_at else ""
        raise InputError(
            _(
                "Request {number} is already {status} ({resolution}{when}); nothing was changed."
            ).format(
                number=request.tracking_number,
                status=STATUSES.get(request.status, request.status).lower(),
                resolution=RESOLUTIONS.get(request.resolution or "", "").lower() or "—",
                when=f", {when}" if when else "",
            )
        )
    hours = record.hours
    if hours is not None:
        if not math.isfinite(hours) or hours < 0:
            raise InputError(_("Hours on site cannot be negative."), field="hours")
        if hours > MAX_HOURS:
            raise InputError(
                _("{hours} hours on site is more than two weeks: check the number.").format(
                    hours=f"{hours:g}"
                ),
                field="hours",
            )
    done_at = record.done_at
    if done_at is not None:
        if done_at > clock.now() + dt.timedelta(minutes=5):
            raise InputError(_("The time the work was done is in the future."), field="done_at")
        if done_at < request.requested_at - dt.timedelta(minutes=5):
            raise InputError(
                _("The work cannot be done before the request came in."), field="done_at"
            )
        # a time typed to the minute, or another workstation's clock a little behind, reads
        # as a moment before an order taken this minute came in: it was done when it came in
        # at the earliest, and not after now (lifecycle.resolve holds both ends)
        done_at = min(max(done_at, request.requested_at), clock.now())
    notes = clean_text(record.notes, MAX_DESCRIPTION)
    if record.outcome == "follow_up" and not notes:
        raise InputError(_("Say what follow-up is needed: copy the crew's note."), field="notes")
    return CloseOut(
        reference=record.reference,
        outcome=record.outcome,
        notes=notes,
        hours=hours,
        materials=clean_text(record.materials, MAX_LINE),
        crew=clean_text(record.crew, MAX_LINE),
        done_at=done_at,
    )


def _summary(record: CloseOut) -> str:
    """The crew's report as one readable note for the history and the resident's update."""
    parts = [_("Crew report: {outcome}.").format(outcome=_(OUTCOMES[record.outcome][0]))]
    if record.done_at is not None:
        parts.append(_("Done {when}.").format(when=i18n.when(record.done_at, "%d %b %Y %H:%M")))
    if record.crew:
        parts.append(_("Crew: {crew}.").format(crew=record.crew))
    if record.hours is not None:
        parts.append(_("Hours: {hours}.").format(hours=f"{record.hours:g}"))
    if record.materials:
        parts.append(_("Materials: {materials}.").format(materials=record.materials))
    text = " ".join(parts)
    return f"{text}\n{record.notes}" if record.notes else text


def close_out(record: CloseOut, *, actor: StaffUser | None) -> ServiceRequest:
    """Apply one returned work order; the request, its resolution and the event, or nothing."""
    request = find_by_reference(record.reference)
    checked = check(record, request)
    resolution = OUTCOMES[checked.outcome][1]
    details = {
        "outcome": checked.outcome,
        "hours": checked.hours,
        "materials": checked.materials,
        "crew": checked.crew,
        "done_at": checked.done_at.isoformat(timespec="minutes") if checked.done_at else None,
    }
    summary = _summary(checked)

    def save() -> ServiceRequest:
        RequestEvent.create(
            request=request.id,
            kind="work_done",
            at=clock.now(),
            actor=actor,
            body=summary,
            new_value=json.dumps(details, ensure_ascii=False, sort_keys=True),
        )
        if resolution is None:
            updated = lifecycle.add_note(request.id, summary, actor=actor)
            if "in_progress" in lifecycle.NEXT.get(updated.status, ()):
                updated = lifecycle.set_status(
                    request.id, "in_progress", actor=actor, note=_("Needs follow-up.")
                )
            return updated
        done = checked.done_at or clock.now()
        contact = Contact.get_or_none(Contact.id == request.contact_id)
        with speaking(resident_language(contact)):  # the resident's language, not the clerk's
            public = PUBLIC_NOTES[checked.outcome].format(date=long_day(done))
        return lifecycle.resolve(
            request.id, resolution, actor=actor, note=public, done_at=checked.done_at
        )

    return write(save)


def close_out_many(records: Iterable[CloseOut], *, actor: StaffUser | None) -> list[CloseOutResult]:
    """A stack of returned orders: each is closed out on its own; one bad one stops nothing."""
    results = []
    for record in records:
        try:
            request = close_out(record, actor=actor)
        except KnownError as exc:
            results.append(CloseOutResult(record.reference, "", False, "", str(exc)))
            continue
        results.append(
            CloseOutResult(
                record.reference,
                request.tracking_number,
                True,
                request.status,
                _("{number}: {status}.").format(
                    number=request.tracking_number,
                    status=STATUSES.get(request.status, request.status),
                ),
            )
        )
    return results
