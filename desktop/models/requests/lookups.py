"""Small look-ups the screens make while the clerk types: known addresses, request types by
name or keyword, the staff and departments to choose from."""

from __future__ import annotations

from typing import Any

import peewee

from desktop.i18n import _
from desktop.models.errors import InputError
from desktop.models.storage.db import reading
from desktop.models.storage.schema import Department, ServiceRequest, ServiceType, StaffUser
from desktop.models.town.languages import SOURCE


def known_addresses(text: str, limit: int = 12) -> list[str]:
    """Addresses that start like `text`, in their canonical form: the town's address
    register's first (when it has one), then those already on file.

    "12 elm" finds "12 ELM ST"; "elm" finds the streets starting with ELM. Read through the
    register in memory and the address and street indexes, so it stays quick with a million
    requests.
    """
    # the register (and, in find_types, the folding of accents) load when first asked, not
    # with the first page's filter bar (start-up)
    from desktop.models.town import register  # noqa: PLC0415

    text = " ".join(text.split())
    if len(text) < 2:
        return []
    with reading():  # the town's register first, then the addresses of requests on file
        registered = register.complete(text, limit)
    if len(registered) >= limit:
        return registered
    on_file = _on_file(text, limit)
    return list(dict.fromkeys([*registered, *on_file]))[:limit]


def _on_file(text: str, limit: int) -> list[str]:
    from desktop.models.town.addresses import LONG_FORMS, normalize_address  # noqa: PLC0415 (see known_addresses)

    location = normalize_address(text)
    if location.house_number is not None:
        column, prefix = ServiceRequest.address_normalized, location.normalized
    else:
        column, prefix = ServiceRequest.street, text.upper()
    found = _starting(column, prefix, limit)
    *before, partial = prefix.split(" ")
    if len(found) < limit and before and partial:
        # a word being typed ("12 elm stre"): its canonical form is shorter ("12 ELM ST"), so
        # the addresses of the words before it are read and the next word matched spelled out
        base = " ".join(before) + " "
        for candidate in _starting(column, base, limit * 20):
            word = candidate[len(base) :].split(" ", 1)[0]
            if candidate not in found and any(
                whole.startswith(partial) for whole in (word, *LONG_FORMS.get(word, ()))
            ):
                found.append(candidate)
        found = sorted(found)[:limit]
    return found


def _starting(column: Any, prefix: str, limit: int) -> list[str]:
    query: peewee.Query = (
        ServiceRequest.select(column)
        .where(column >= prefix, column < prefix + "\uffff")
        .group_by(column)
        .order_by(column)
        .limit(limit)
    )
    with reading():
        return [str(row[0]) for row in query.tuples() if row[0]]


def find_types(text: str, limit: int = 15) -> list[ServiceType]:
    """Active request types whose name, group, keywords or code contain every word typed, in
    English or in the type's Spanish words, with or without accents ("calefaccion")."""
    from desktop.models.knowledge.text import fold  # noqa: PLC0415 (see known_addresses)

    words = [fold(w) for w in text.lower().split()][:6]
    with reading():
        kinds = list(
            ServiceType.select().where(ServiceType.active == True)  # noqa: E712
        )
    found = []
    for kind in kinds:
        said = " ".join(
            [kind.name, kind.group_name, kind.keywords, kind.code]
            + [
                " ".join(str(v) for k, v in words_of.items() if k != SOURCE)
                for words_of in (kind.translations or {}).values()
                if isinstance(words_of, dict)
            ]
        )
        haystack = fold(said.lower())
        if all(word in haystack or word == kind.code for word in words):
            found.append(kind)
    first = words[0] if words else ""
    # names that start with what was typed come first, then the rest alphabetically
    found.sort(key=lambda k: (not fold(k.name.lower()).startswith(first), k.name.lower()))
    return found[:limit]


def active_types() -> list[ServiceType]:
    with reading():
        return list(
            ServiceType.select()
            .where(ServiceType.active == True)  # noqa: E712
            .order_by(ServiceType.group_name, ServiceType.sort_order, ServiceType.name)
        )


def type_choices() -> list[tuple[int, str, bool]]:
    """(id, name, active) of every request type, the active ones first (old requests keep a
    retired type): what a list to choose from shows, without each type's whole row (the
    Requests filter's, before the window's first paint: 0.4 ms instead of 1.6-2.4)."""
    query = (
        ServiceType.select(ServiceType.id, ServiceType.name, ServiceType.active)
        .order_by(
            ServiceType.active.desc(),
            ServiceType.group_name,
            ServiceType.sort_order,
            ServiceType.name,
        )
        .tuples()
    )
    with reading():
        rows: list[Any] = list(query)
    return [(int(r[0]), str(r[1]), bool(r[2])) for r in rows]


def active_staff() -> list[StaffUser]:
    with reading():
        return list(
            StaffUser.select()
            .where(StaffUser.active == True)  # noqa: E712
            .order_by(StaffUser.full_name)
        )


def active_departments() -> list[Department]:
    with reading():
        return list(
            Department.select()
            .where(Department.active == True)  # noqa: E712
            .order_by(Department.sort_order, Department.name)
        )


def type_names(codes: list[str]) -> list[tuple[str, str]]:
    """(code, name) of the active request types among `codes`, in the order given."""
    with reading():
        names = {
            t.code: t.name
            for t in ServiceType.select(ServiceType.code, ServiceType.name).where(
                ServiceType.code.in_(codes),
                ServiceType.active == True,  # noqa: E712
            )
        }
    return [(code, names[code]) for code in codes if code in names]


def ids_by_code(kind: str, codes: list[str]) -> tuple[int, ...]:
    """The ids of request types, departments (by code) or staff (by user name), as typed on
    the command line; InputError names every one that does not exist."""

    model: Any
    model, column, what = {
        "type": (ServiceType, ServiceType.code, _("request type")),
        "department": (Department, Department.code, _("department")),
        "staff": (StaffUser, StaffUser.username, _("staff member")),
    }[kind]
    wanted = [code.strip() for code in codes if code.strip()]
    if kind == "staff":
        wanted = [code.lower() for code in wanted]
    with reading():
        rows: list[tuple[int, str]] = list(
            model.select(model.id, column).where(column.in_(wanted)).tuples()
        )
        found = {code: row_id for row_id, code in rows}
    missing = [code for code in wanted if code not in found]
    if missing:
        raise InputError(
            _("There is no {what} “{codes}”.").format(what=what, codes="”, “".join(missing))
        )
    return tuple(found[code] for code in wanted)
