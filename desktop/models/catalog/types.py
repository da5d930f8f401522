"""Editing the town's request types after the starter catalog is in.

Their questions are in `catalog_questions`, departments in `catalog_departments`, export and
import in `catalog_transfer`. Every change checks CATALOG_EDIT, goes through the one write helper
with its audit record, and carries the version the supervisor saw (docs/RELIABILITY.md rule 5). A
type's code never changes once saved: requests, answers, exports and Open311 clients know it by
its code. A retired type leaves the Counter's picker and triage; its requests keep it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from peewee import JOIN, fn

from desktop.i18n import _, ngettext
from desktop.models import clock
from desktop.models.catalog import translations
from desktop.models.errors import ConflictError, InputError, NotFound
from desktop.models.staff import audit, permissions
from desktop.models.storage.db import reading, write
from desktop.models.storage.schema import Department, ServiceType, StaffUser, VersionedModel
from desktop.models.text_clean import clean_block, clean_line, too_long
from desktop.models.vocab import PRIORITIES, TARGET_UNITS

MAX_NAME = 200
MAX_TEXT = 4_000  # a description or a notice
MAX_KEYWORDS = 60
MAX_KEYWORD = 100
#: the longest target in each unit (a year of office hours; a year of working days)
MAX_TARGET = {"business_hours": 2_000, "business_days": 260}
TYPE_CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


# -- text as a supervisor types it ----------------------------------------------------------------


def split_keywords(text: str) -> list[str]:
    """The words and phrases of a keyword list, cleaned, without empty ones or repeats."""
    seen: dict[str, str] = {}
    for part in str(text).split(","):
        word = clean_line(part)
        if word and word.casefold() not in seen:
            seen[word.casefold()] = word
    return list(seen.values())


_UNIT_WORDS = {
    "business_hours": "business_hours",
    "business hours": "business_hours",
    "business hour": "business_hours",
    "hours": "business_hours",
    "hour": "business_hours",
    "h": "business_hours",
    "business_days": "business_days",
    "business days": "business_days",
    "business day": "business_days",
    "days": "business_days",
    "day": "business_days",
    "d": "business_days",
}


def parse_target(text: str) -> tuple[int | None, str]:
    """A target as typed: "3 business days", "16 business_hours", "2 days"; "" or "none" is no
    target. Returns (amount, unit); InputError says what to write instead."""
    typed = clean_line(text).lower()
    if typed in ("", "none", "no", "-"):
        return None, "business_days"
    match = re.fullmatch(r"(\d{1,6})\s*(.*)", typed)
    unit = _UNIT_WORDS.get(match.group(2).strip() or "business days") if match else None
    if match is None or unit is None:
        raise InputError(
            _(
                "“{text}” is not a target: write a number and business hours or business days, "
                "e.g. “3 business days” or “16 business hours”."
            ).format(text=typed[:60])
        )
    return int(match.group(1)), unit


def describe_target(amount: int | None, unit: str) -> str:
    """ "3 business days", "1 business hour", "no target"."""
    if amount is None:
        return _("no target")
    if unit == "business_hours":
        return ngettext("{n} business hour", "{n} business hours", amount).format(n=amount)
    return ngettext("{n} business day", "{n} business days", amount).format(n=amount)


# -- a type as the supervisor sees it -------------------------------------------------------------


@dataclass(frozen=True)
class TypeFields:
    """A request type as the editor shows it: codes and words, not ids."""

    name: str
    department: str  # a department's code
    group: str = ""
    priority: str = "normal"
    respond_amount: int | None = None
    respond_unit: str = "business_days"
    resolve_amount: int | None = None
    resolve_unit: str = "business_days"
    keywords: str = ""  # comma-separated
    description: str = ""
    service_notice: str = ""  # for the resident: what happens next
    safety_notice: str = ""  # for the clerk, to read out and confirm
    active: bool = True


TYPE_FIELD_NAMES = tuple(f.name for f in fields(TypeFields))


def list_types(*, include_retired: bool = True) -> list[ServiceType]:
    """The request types by group and name, each with its department (one query)."""
    query = (
        ServiceType.select(ServiceType, Department)
        .join(Department)
        .order_by(ServiceType.group_name, ServiceType.sort_order, ServiceType.name)
    )
    if not include_retired:
        query = query.where(ServiceType.active == True)  # noqa: E712
    with reading():
        return list(query)


def get_type(code: str) -> ServiceType:
    with reading():
        found = ServiceType.get_or_none(ServiceType.code == clean_line(code).lower())
    if found is None:
        raise NotFound(_("There is no request type with the code “{code}”.").format(code=code))
    return found


def type_fields(service_type: ServiceType) -> TypeFields:
    """A saved type in the form the editor shows (and `update_type` takes back)."""
    return TypeFields(
        name=service_type.name,
        department=service_type.department.code,
        group=service_type.group_name,
        priority=service_type.priority,
        respond_amount=service_type.respond_amount,
        respond_unit=service_type.respond_unit,
        resolve_amount=service_type.resolve_amount,
        resolve_unit=service_type.resolve_unit,
        keywords=", ".join(service_type.keyword_list()),
        description=service_type.description,
        service_notice=service_type.service_notice,
        safety_notice=service_type.safety_notice,
        active=service_type.active,
    )


def default_assignee(service_type: ServiceType) -> StaffUser | None:
    """Who gets the type's new requests when no routing rule says otherwise: its department's
    default assignee (set in Departments)."""
    department: Department = service_type.department
    if department.default_assignee_id is None:
        return None
    return StaffUser.get_or_none(StaffUser.id == department.default_assignee_id)


def _check_target(
    which: str, amount: int | None, unit: str, problems: list[str]
) -> tuple[int | None, str]:
    if unit not in TARGET_UNITS:
        problems.append(
            _("The {which} target's unit must be business hours or business days.").format(
                which=which
            )
        )
        return amount, "business_days"
    if amount is None:
        return None, unit
    if not isinstance(amount, int) or isinstance(amount, bool) or amount < 1:
        problems.append(
            _("The {which} target must be a whole number of at least 1.").format(which=which)
        )
    elif amount > MAX_TARGET[unit]:
        problems.append(
            _("The {which} target can be {most:,} {unit} at most.").format(
                which=which, most=MAX_TARGET[unit], unit=TARGET_UNITS[unit]
            )
        )
    return amount, unit


def check_type(fields: TypeFields, *, current: ServiceType | None = None) -> dict[str, Any]:
    """The column values of a type, or InputError listing every problem in the clerk's words.

    `current` is the type being edited (a retired type may stay in a retired department)."""
    problems: list[str] = []
    values: dict[str, Any] = {"active": bool(fields.active)}
    name = clean_line(fields.name)
    if not name:
        problems.append(_("Give the request type a name, e.g. “Pothole”."))
    elif len(name) > MAX_NAME:
        problems.append(too_long(_("The name"), MAX_NAME))
    elif fields.active:
        same = ServiceType.select(ServiceType.code).where(
            fn.LOWER(ServiceType.name) == name.lower(),
            ServiceType.active == True,  # noqa: E712
        )
        if current is not None:
            same = same.where(ServiceType.id != current.id)
        other = same.first()
        if other is not None:
            problems.append(
                _(
                    "Another request type ({code}) is already called “{name}”: clerks could "
                    "not tell them apart in the picker."
                ).format(code=other.code, name=name)
            )
    values["name"] = name
    group = clean_line(fields.group)
    if len(group) > MAX_NAME:
        problems.append(too_long(_("The group"), MAX_NAME))
    values["group_name"] = group
    department = Department.get_or_none(Department.code == clean_line(fields.department).upper())
    if not clean_line(fields.department):
        problems.append(_("Choose the department that does this work."))
    elif department is None:
        problems.append(
            _("There is no department with the code “{code}”.").format(
                code=clean_line(fields.department)[:40]
            )
        )
    elif not department.active and fields.active:
        problems.append(
            _(
                "The department {name} is retired: choose another one, or bring {name} back "
                "first (Departments)."
            ).format(name=department.name)
        )
    values["department"] = department
    priority = clean_line(fields.priority).lower() or "normal"
    if priority not in PRIORITIES:
        problems.append(
            _("“{priority}” is not a priority: use {choices}.").format(
                priority=priority[:40], choices=", ".join(PRIORITIES)
            )
        )
    values["priority"] = priority
    respond = _check_target(_("respond"), fields.respond_amount, fields.respond_unit, problems)
    resolve = _check_target(_("resolve"), fields.resolve_amount, fields.resolve_unit, problems)
    if (
        respond[0] is not None
        and resolve[0] is not None
        and respond[1] == resolve[1]
        and respond[0] > resolve[0]
    ):
        problems.append(
            _(
                "The respond target ({respond}) is longer than the resolve target ({resolve}): "
                "a request would be due to be finished before it is due to be answered."
            ).format(respond=describe_target(*respond), resolve=describe_target(*resolve))
        )
    values["respond_amount"], values["respond_unit"] = respond
    values["resolve_amount"], values["resolve_unit"] = resolve
    keywords = split_keywords(fields.keywords)
    if len(keywords) > MAX_KEYWORDS:
        problems.append(_("A type can have {most} keywords at most.").format(most=MAX_KEYWORDS))
    for word in keywords:
        if len(word) > MAX_KEYWORD:
            problems.append(
                too_long(_("The keyword “{word}…”").format(word=word[:30]), MAX_KEYWORD)
            )
    values["keywords"] = ", ".join(keywords)
    for column, what in (
        ("description", _("The description")),
        ("service_notice", _("The notice for residents")),
        ("safety_notice", _("The safety notice")),
    ):
        text = clean_block(getattr(fields, column))
        if len(text) > MAX_TEXT:
            problems.append(too_long(what, MAX_TEXT))
        values[column] = text
    if problems:
        raise InputError(" ".join(problems))
    return values


def check_type_code(code: str) -> str:
    """A new type's code, or InputError (codes are unique, retired types' too)."""
    typed = clean_line(code).lower()
    if not TYPE_CODE.match(typed):
        raise InputError(
            _(
                "“{code}” cannot be a request type's code: use up to 64 lower-case letters, "
                "digits, - or _, e.g. “leaf_pickup”."
            ).format(code=typed[:70])
        )
    with reading():
        taken = ServiceType.get_or_none(ServiceType.code == typed)
    if taken is not None:
        raise InputError(
            _("The code “{code}” is already the request type “{name}”{retired}.").format(
                code=typed, name=taken.name, retired=_(" (retired)") if not taken.active else ""
            )
        )
    return typed


def create_type_row(code: str, values: dict[str, Any], actor: StaffUser | None) -> ServiceType:
    """Insert a checked type, last in the catalog (inside a write transaction)."""
    stamp = clock.now()
    last = ServiceType.select(fn.MAX(ServiceType.sort_order)).scalar()
    service_type = ServiceType.create(
        code=code, **values, sort_order=int(last or 0) + 1, created_at=stamp, updated_at=stamp
    )
    audit.record("service_type", code, "create", None, audit.snapshot(service_type), actor)
    return service_type


def conflict(what: str) -> ConflictError:
    return ConflictError(
        _(
            "Someone else changed {what} since you opened it. Nothing was overwritten: your "
            "changes are still in the form; look at theirs, then save yours again or reload."
        ).format(what=what)
    )


def bump_version(
    current: VersionedModel, version: int | None, values: dict[str, Any], what: str
) -> None:
    """Write `values` (maybe none) over a catalog record and raise its version, if it is still
    at `version` (None: whatever it is now); else a ConflictError naming `what`."""
    model = type(current)
    expected = current.version if version is None else version
    updated = (
        model.update(**values, updated_at=clock.now(), version=model.version + 1)
        .where(model.id == current.id, model.version == expected)
        .execute()
    )
    if not updated:
        raise conflict(what)


def save_versioned(
    current: VersionedModel,
    values: dict[str, Any],
    version: int | None,
    actor: StaffUser | None,
    *,
    audit_as: tuple[str, str],
    what: str,
) -> Any:
    """`bump_version`, then the record as saved, audited as (table, record id)."""
    bump_version(current, version, values, what)
    saved = type(current).get_by_id(current.id)
    audit.record(*audit_as, "update", audit.snapshot(current), audit.snapshot(saved), actor)
    return saved


def save_type_row(
    current: ServiceType, values: dict[str, Any], version: int | None, actor: StaffUser | None
) -> ServiceType:
    """Write checked values over the type if it is still at `version` (inside a write)."""
    saved: ServiceType = save_versioned(
        current,
        values,
        version,
        actor,
        audit_as=("service_type", current.code),
        what=_("the request type “{name}”").format(name=current.name),
    )
    return saved


def changed_columns(current: ServiceType, values: dict[str, Any]) -> list[str]:
    """The columns whose value `values` would change."""
    out = []
    for column, value in values.items():
        old = getattr(current, column)
        if column == "department":
            if value is None or old.id != value.id:
                out.append(column)
        elif old != value:
            out.append(column)
    return out


def add_type(code: str, fields: TypeFields, *, actor: StaffUser | None) -> ServiceType:
    """Save a new request type; its questions are added after (catalog_questions)."""
    permissions.require(actor, permissions.CATALOG_EDIT)

    def save() -> ServiceType:
        typed = check_type_code(code)
        return create_type_row(typed, check_type(fields), actor)

    return write(save)


def update_type(
    code: str,
    fields: TypeFields,
    *,
    version: int | None = None,
    actor: StaffUser | None,
    words: Mapping[str, Mapping[str, str]] | None = None,
) -> ServiceType:
    """Save the supervisor's edit of a type; a stale `version` is a ConflictError. `words`
    (language -> field -> text) are its words in other languages, saved in the same
    transaction (catalog/translations.py)."""
    permissions.require(actor, permissions.CATALOG_EDIT)

    def save() -> ServiceType:
        current = get_type(code)
        values = check_type(fields, current=current)
        saved = save_type_row(current, values, version, actor)
        for language, changes in (words or {}).items():
            if changes:
                saved = translations.apply_type_words(saved.code, language, changes, actor)
        return saved

    return write(save)


def change_type(
    code: str, *, version: int | None = None, actor: StaffUser | None, **changes: Any
) -> ServiceType:
    """Change only some fields (by TypeFields name), keeping the others as saved."""
    unknown = set(changes) - set(TYPE_FIELD_NAMES)
    if unknown:
        raise KeyError(f"not fields of a request type: {sorted(unknown)!r}")
    current = get_type(code)
    if version is not None and current.version != version:
        raise conflict(_("the request type “{name}”").format(name=current.name))
    return update_type(
        code, replace(type_fields(current), **changes), version=current.version, actor=actor
    )


def type_counts_by_department() -> dict[int, int]:
    """How many active types each department has (department id -> count)."""
    query: Any = (
        Department.select(Department.id, fn.COUNT(ServiceType.id))
        .join(
            ServiceType,
            JOIN.LEFT_OUTER,
            on=(ServiceType.department == Department.id) & (ServiceType.active == True),  # noqa: E712
        )
        .group_by(Department.id)
    )
    with reading():
        return {int(row[0]): int(row[1]) for row in query.tuples()}
