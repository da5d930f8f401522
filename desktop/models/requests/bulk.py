"""One change made to several requests at once: assign them, move their status, add the same
note, or close them as duplicates of one original (a storm's twenty calls about one fallen tree).

Each request is changed in its own transaction, by the same lifecycle functions as one at a
time, so each gets its own history entry and audit record and the same checks. One that is
refused (already resolved, a status it cannot move to, changed meanwhile) does not stop the
others: the result says, request by request, what was done and why not.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from desktop.i18n import _, ngettext
from desktop.models.errors import InputError, KnownError
from desktop.models.requests import lifecycle
from desktop.models.storage.db import reading
from desktop.models.storage.schema import ServiceRequest, StaffUser
from desktop.models.vocab import OPEN_STATUSES, STATUSES

#: requests one bulk change may touch: more is a slip of Ctrl+A on a million-request list
MAX_BULK = 500
ACTIONS = ("assign", "status", "note", "update", "duplicate")


@dataclass(frozen=True)
class BulkResult:
    request_id: int
    tracking_number: str
    done: bool
    #: why it was not done ("" when it was)
    reason: str = ""

    def as_json(self) -> dict[str, object]:
        return {"tracking_number": self.tracking_number, "done": self.done, "reason": self.reason}


def refuse_too_many(count: int) -> None:
    if count > MAX_BULK:
        raise InputError(
            _(
                "{count} requests are selected; one change is made to at most {limit} at "
                "once. Narrow the list with its filters first."
            ).format(count=f"{count:,}", limit=f"{MAX_BULK:,}")
        )


def apply(
    action: str,
    request_ids: Sequence[int],
    value: str | StaffUser | None,
    *,
    actor: StaffUser | None,
) -> list[BulkResult]:
    """Make `action` to each request: "assign" (value: a staff member, or None to unassign),
    "status" (value: a status code), "note" or "update" (value: the text; an update is public),
    "duplicate" (value: the original's tracking number; the original itself is left alone)."""
    if action not in ACTIONS:
        raise InputError(
            _("“{action}” is not a change made to several requests.").format(action=action)
        )
    ids = list(dict.fromkeys(request_ids))
    if not ids:
        raise InputError(_("Select the requests to change first."))
    refuse_too_many(len(ids))
    change = _change(action, value, actor)
    skip: set[int] = set()
    if action == "duplicate":
        original = lifecycle.find_request(str(value or ""))
        if original.status not in OPEN_STATUSES:
            raise InputError(
                _("{number} is resolved: choose an open request as the original.").format(
                    number=original.tracking_number
                )
            )
        skip.add(int(original.id))
    numbers = _numbers(ids)
    results = []
    for request_id in ids:
        number = numbers.get(request_id, str(request_id))
        if request_id in skip:
            continue  # the original of the duplicates is not its own duplicate
        try:
            change(request_id)
        except KnownError as exc:
            results.append(BulkResult(request_id, number, False, str(exc)))
            continue
        results.append(BulkResult(request_id, number, True))
    return results


def _change(
    action: str, value: str | StaffUser | None, actor: StaffUser | None
) -> Callable[[int], object]:
    if action == "assign":
        if value is not None and not isinstance(value, StaffUser):
            raise InputError(_("Choose the staff member to assign them to."))
        assignee = value
        return lambda rid: lifecycle.assign(rid, assignee, actor=actor)
    text = str(value or "").strip()
    if action == "status":
        if text not in STATUSES:
            raise InputError(
                _("“{status}” is not a status: {choices}.").format(
                    status=text, choices=", ".join(STATUSES)
                )
            )
        return lambda rid: lifecycle.set_status(rid, text, actor=actor)
    if action in ("note", "update"):
        if not text:
            raise InputError(_("Type the note first."))
        public = action == "update"
        return lambda rid: lifecycle.add_note(rid, text, public=public, actor=actor)
    if not text:
        raise InputError(_("Give the tracking number of the original request."))
    return lambda rid: lifecycle.resolve(rid, "duplicate", duplicate_of=text, actor=actor)


def _numbers(ids: list[int]) -> dict[int, str]:
    with reading():
        query = ServiceRequest.select(ServiceRequest.id, ServiceRequest.tracking_number).where(
            ServiceRequest.id.in_(ids)
        )
        return {int(row.id): str(row.tracking_number) for row in query}


def summary(results: Sequence[BulkResult]) -> str:
    """ "12 changed; 2 not: 2026-00041 (already resolved), …" in the clerk's words."""
    done = sum(1 for r in results if r.done)
    refused = [r for r in results if not r.done]
    text = ngettext("{n} request changed.", "{n} requests changed.", done).format(n=done)
    if refused:
        text += " " + ngettext("{n} was not:", "{n} were not:", len(refused)).format(n=len(refused))
        text += "".join(f"\n{r.tracking_number}: {r.reason}" for r in refused[:20])
        if len(refused) > 20:
            text += "\n" + _("… and {n} more.").format(n=len(refused) - 20)
    return text
