"""Merging two records of the same resident into one.

The resident kept takes over the other record's requests, follower reports, answered questions
and phone numbers and emails; the other record stays on file, marked as merged into the kept one
(so `find_contacts` no longer offers it). Both records carry the version the clerk saw: a merge
over someone else's newer change is a conflict, never a silent overwrite (docs/RELIABILITY.md
rule 5).
"""

from __future__ import annotations

from dataclasses import dataclass

from desktop.i18n import _
from desktop.models import clock
from desktop.models.errors import ConflictError, InputError, NotFound
from desktop.models.staff import audit, permissions
from desktop.models.storage.db import write
from desktop.models.storage.schema import (
    Contact,
    ContactMethod,
    InfoContact,
    RequestEvent,
    RequestFollower,
    ServiceRequest,
    StaffUser,
)

#: fields copied from the other record when the kept one has nothing there
_NAME_FIELDS = ("first_name", "last_name", "organization")
_ADDRESS_FIELDS = ("address", "city", "state", "zip")
_EVENT_BATCH = 200


@dataclass(frozen=True)
class MergeResult:
    """What a merge moved: the kept resident (as saved) and how many of each thing."""

    kept: Contact
    requests: int
    followers: int
    questions: int
    methods: int


def _label(contact: Contact) -> str:
    return contact.display_name or _("resident #{id}").format(id=contact.id)


def _load(contact_id: int) -> Contact:
    contact = Contact.get_or_none(Contact.id == contact_id)
    if contact is None:
        raise NotFound(_("There is no resident with number {id}.").format(id=contact_id))
    return contact


def _merged_into(contact: Contact) -> int | None:
    # peewee's id accessor for the foreign key (schema.py does not declare it for mypy)
    value: int | None = getattr(contact, "merged_into_id", None)
    return value


def _check(keep: Contact, other: Contact) -> None:
    if keep.id == other.id:
        raise InputError(_("A resident cannot be merged into the same record."))
    for contact in (keep, other):
        merged_into = _merged_into(contact)
        if merged_into is not None:
            raise InputError(
                _(
                    "{name} (#{id}) was already merged into resident #{into}; merge with that "
                    "record instead."
                ).format(name=_label(contact), id=contact.id, into=merged_into)
            )
        if contact.anonymized_at is not None:
            raise InputError(
                _("Resident #{id} was anonymised; an anonymised record cannot be merged.").format(
                    id=contact.id
                )
            )


def _conflict(contact: Contact) -> ConflictError:
    return ConflictError(
        _(
            "Someone else changed {name} (#{id}) since you opened it. Nothing was merged: look "
            "at the record again and merge once more."
        ).format(name=_label(contact), id=contact.id),
        theirs=contact,
    )


def merge_contacts(
    keep_id: int,
    other_id: int,
    *,
    keep_version: int | None = None,
    other_version: int | None = None,
    actor: StaffUser | None,
) -> MergeResult:
    """Merge resident `other_id` into `keep_id` in one transaction; None versions mean "as it
    is now" (the command line). Nothing is changed on error."""

    permissions.require(actor, permissions.CONTACT_EDIT)

    def save() -> MergeResult:
        keep, other = _load(keep_id), _load(other_id)
        before_keep, before_other = audit.snapshot(keep), audit.snapshot(other)
        _check(keep, other)
        for contact, version in ((keep, keep_version), (other, other_version)):
            if version is not None and contact.version != version:
                raise _conflict(contact)
        now = clock.now()
        changes = _filled_fields(keep, other)
        requests = [
            r.id
            for r in ServiceRequest.select(ServiceRequest.id).where(
                ServiceRequest.contact == other.id
            )
        ]
        moved_requests = (
            ServiceRequest.update(contact=keep.id)
            .where(ServiceRequest.contact == other.id)
            .execute()
        )
        body = _(
            "The records of {other} (#{other_id}) and {keep} (#{keep_id}) were merged."
        ).format(other=_label(other), other_id=other.id, keep=_label(keep), keep_id=keep.id)
        for start in range(0, len(requests), _EVENT_BATCH):
            RequestEvent.insert_many(
                [
                    {
                        "request": request_id,
                        "kind": "edit",
                        "at": now,
                        "actor": actor.id if actor is not None else None,
                        "body": body,
                        "old_value": str(other.id),
                        "new_value": str(keep.id),
                    }
                    for request_id in requests[start : start + _EVENT_BATCH]
                ]
            ).execute()
        moved_followers = (
            RequestFollower.update(contact=keep.id)
            .where(RequestFollower.contact == other.id)
            .execute()
        )
        moved_questions = (
            InfoContact.update(contact=keep.id).where(InfoContact.contact == other.id).execute()
        )
        moved_methods = _move_methods(keep, other)
        # records merged into the other one earlier now point at the kept one directly
        Contact.update(merged_into=keep.id).where(Contact.merged_into == other.id).execute()
        kept = (
            Contact.update(**changes, updated_at=now, version=Contact.version + 1)
            .where(Contact.id == keep.id, Contact.version == keep.version)
            .execute()
        )
        merged = (
            Contact.update(merged_into=keep.id, updated_at=now, version=Contact.version + 1)
            .where(Contact.id == other.id, Contact.version == other.version)
            .execute()
        )
        if not kept:
            raise _conflict(keep)
        if not merged:
            raise _conflict(other)
        audit.record(
            "contact", keep.id, "merge", before_keep, audit.snapshot(_load(keep.id)), actor
        )
        audit.record(
            "contact",
            other.id,
            "merged_into",
            before_other,
            {"merged_into": keep.id, "requests_moved": requests},
            actor,
        )
        return MergeResult(
            _load(keep.id), moved_requests, moved_followers, moved_questions, moved_methods
        )

    return write(save)


def _filled_fields(keep: Contact, other: Contact) -> dict[str, str]:
    """The kept record's empty names and address taken from the other; notes put together."""
    changes: dict[str, str] = {}
    for name in _NAME_FIELDS:
        if not getattr(keep, name).strip() and getattr(other, name).strip():
            changes[name] = getattr(other, name)
    if not keep.address.strip() and other.address.strip():
        for name in _ADDRESS_FIELDS:
            changes[name] = getattr(other, name)
    else:
        for name in _ADDRESS_FIELDS[1:]:
            if not getattr(keep, name).strip() and getattr(other, name).strip():
                changes[name] = getattr(other, name)
    mine, theirs = keep.notes.strip(), other.notes.strip()
    if theirs and theirs not in mine:
        changes["notes"] = f"{mine}\n\n{theirs}" if mine else theirs
    first = changes.get("first_name", keep.first_name).strip()
    last = changes.get("last_name", keep.last_name).strip()
    changes["search_name"] = f"{first} {last}".strip().lower()
    return changes


def _move_methods(keep: Contact, other: Contact) -> int:
    """Move the other record's phone numbers and emails the kept one lacks; drop the repeats."""
    kept = {
        (m.kind, m.normalized)
        for m in ContactMethod.select().where(ContactMethod.contact == keep.id)
    }
    has_primary = {
        m.kind
        for m in ContactMethod.select().where(
            ContactMethod.contact == keep.id,
            ContactMethod.is_primary == True,  # noqa: E712
        )
    }
    moved = 0
    for method in ContactMethod.select().where(ContactMethod.contact == other.id):
        if (method.kind, method.normalized) in kept:
            ContactMethod.delete().where(ContactMethod.id == method.id).execute()
            continue
        kept.add((method.kind, method.normalized))
        primary = method.is_primary and method.kind not in has_primary
        if primary:
            has_primary.add(method.kind)
        ContactMethod.update(contact=keep.id, is_primary=primary).where(
            ContactMethod.id == method.id
        ).execute()
        moved += 1
    return moved
