"""Views of the Requests list: the built-in ones every clerk has, and each clerk's own."""

from __future__ import annotations

from typing import NamedTuple

from desktop.i18n import _
from desktop.models import clock
from desktop.models.errors import InputError, NotFound
from desktop.models.requests.listing import COLUMN_KEYS, RequestFilter
from desktop.models.storage.db import reading, write
from desktop.models.storage.schema import SavedView, StaffUser
from desktop.models.text_clean import clean_text

MAX_NAME = 100


class ListView(NamedTuple):
    """A named filter and sort; `id` is None for the built-in views."""

    name: str
    filters: RequestFilter
    sort_key: str = "requested_at"
    descending: bool = True
    id: int | None = None


def mine(staff: StaffUser) -> RequestFilter:
    """A staff member's open requests (the "Mine" view; My work counts them)."""
    return RequestFilter(open_only=True, assignee_ids=(staff.id,))


def builtin_views(staff: StaffUser | None) -> list[ListView]:
    """Open, Overdue, Mine (when someone is signed in), Today, All."""
    views = [
        ListView(_("Open"), RequestFilter(open_only=True)),
        ListView(_("Overdue"), RequestFilter(overdue_only=True), "due_at", False),
    ]
    if staff is not None:
        views.append(ListView(_("Mine"), mine(staff)))
    views += [
        ListView(_("Today"), RequestFilter(received_today=True)),
        ListView(_("All requests"), RequestFilter()),
    ]
    return views


def own_views(staff: StaffUser | None) -> list[ListView]:
    """The views this clerk saved (or those saved at the counter with nobody signed in)."""
    condition = SavedView.staff.is_null() if staff is None else SavedView.staff == staff.id
    with reading():
        rows = list(SavedView.select().where(condition).order_by(SavedView.name))
    return [
        ListView(
            row.name,
            RequestFilter.from_dict(row.filters if isinstance(row.filters, dict) else {}),
            row.sort_key if row.sort_key in COLUMN_KEYS else "requested_at",
            row.descending,
            row.id,
        )
        for row in rows
    ]


def save_view(
    name: str,
    filters: RequestFilter,
    sort_key: str,
    descending: bool,
    staff: StaffUser | None,
) -> ListView:
    """Save (or replace, by name) one of the clerk's own views."""
    name = clean_text(name, MAX_NAME + 1)
    if not name:
        raise InputError(_("Give the view a name."))
    if len(name) > MAX_NAME:
        raise InputError(_("The name is too long ({n} characters at most).").format(n=MAX_NAME))
    if sort_key not in COLUMN_KEYS:
        raise InputError(_("That column cannot be sorted."))
    data = filters.to_dict()

    def save() -> SavedView:
        condition = SavedView.staff.is_null() if staff is None else SavedView.staff == staff.id
        row: SavedView | None = SavedView.get_or_none(condition, SavedView.name == name)
        now = clock.now()
        if row is None:
            return SavedView.create(
                staff=staff,
                name=name,
                filters=data,
                sort_key=sort_key,
                descending=descending,
                created_at=now,
                updated_at=now,
            )
        SavedView.update(
            filters=data,
            sort_key=sort_key,
            descending=descending,
            updated_at=now,
            version=SavedView.version + 1,
        ).where(SavedView.id == row.id).execute()
        return row

    row = write(save)
    return ListView(name, filters, sort_key, descending, row.id)


def delete_view(view_id: int) -> None:
    def remove() -> None:
        if not SavedView.delete().where(SavedView.id == view_id).execute():
            raise NotFound(_("That view was already deleted."))

    write(remove)
