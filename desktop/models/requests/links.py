"""Requests linked as related: two problems that belong together (a water main break and the
pothole it left, a fallen tree and the street light it took down). Both stay open and each
shows the other; a duplicate, by contrast, is resolved into its original (lifecycle.resolve).
"""

from __future__ import annotations

from desktop.i18n import _
from desktop.models import clock
from desktop.models.errors import InputError
from desktop.models.requests.tracking import find_request
from desktop.models.staff import audit, permissions
from desktop.models.storage.db import reading, write
from desktop.models.storage.schema import RequestEvent, RequestLink, ServiceRequest, StaffUser


def link_related(
    reference: str | int, other_reference: str | int, actor: StaffUser | None
) -> RequestLink:
    """Say that two requests are related; each one's history says so."""
    permissions.require(actor, permissions.REQUEST_NOTE)
    first, second = find_request(reference), find_request(other_reference)
    if first.id == second.id:
        raise InputError(_("A request cannot be related to itself."))
    low, high = sorted((first, second), key=lambda r: r.id)

    def save() -> RequestLink:
        existing = RequestLink.get_or_none(
            RequestLink.request == low.id, RequestLink.other == high.id
        )
        if existing is not None:
            raise InputError(
                _("{a} and {b} are linked already.").format(
                    a=first.tracking_number, b=second.tracking_number
                )
            )
        link = RequestLink.create(request=low.id, other=high.id, at=clock.now(), actor=actor)
        _in_both_histories(first, second, actor, _("Related to {number}."), linked=True)
        audit.record(
            "request_link",
            link.id,
            "create",
            None,
            {"request": low.tracking_number, "other": high.tracking_number},
            actor,
        )
        return link

    return write(save)


def unlink_related(
    reference: str | int, other_reference: str | int, actor: StaffUser | None
) -> None:
    """Take the link between two requests away again (each history says so)."""
    permissions.require(actor, permissions.REQUEST_NOTE)
    first, second = find_request(reference), find_request(other_reference)
    low, high = sorted((first, second), key=lambda r: r.id)

    def save() -> None:
        link = RequestLink.get_or_none(RequestLink.request == low.id, RequestLink.other == high.id)
        if link is None:
            raise InputError(
                _("{a} and {b} are not linked.").format(
                    a=first.tracking_number, b=second.tracking_number
                )
            )
        _in_both_histories(first, second, actor, _("No longer related to {number}."), linked=False)
        audit.record(
            "request_link",
            link.id,
            "delete",
            {"request": low.tracking_number, "other": high.tracking_number},
            None,
            actor,
        )
        link.delete_instance()

    write(save)


def _in_both_histories(
    first: ServiceRequest,
    second: ServiceRequest,
    actor: StaffUser | None,
    sentence: str,
    *,
    linked: bool,
) -> None:
    """Each request's history names the other ("Related to 2026-00012.")."""
    now = clock.now()
    for this, that in ((first, second), (second, first)):
        number = that.tracking_number
        RequestEvent.create(
            request=this.id,
            kind="link",
            at=now,
            actor=actor,
            new_value=number if linked else None,
            old_value=None if linked else number,
            body=sentence.format(number=number),
        )


def related_ids(request_id: int) -> list[int]:
    """The requests linked to this one as related, oldest link first."""
    with reading():
        rows: list[tuple[int, int]] = list(
            RequestLink.select(RequestLink.request, RequestLink.other)
            .where((RequestLink.request == request_id) | (RequestLink.other == request_id))
            .order_by(RequestLink.id)
            .tuples()  # type: ignore[arg-type]  # .tuples() rows
        )
    return [other if this == request_id else this for this, other in rows]


def related_requests(request_id: int) -> list[ServiceRequest]:
    ids = related_ids(request_id)
    if not ids:
        return []
    with reading():
        found = {r.id: r for r in ServiceRequest.select().where(ServiceRequest.id.in_(ids))}
    return [found[i] for i in ids if i in found]
