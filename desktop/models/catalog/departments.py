"""The town's departments and crews: adding them, changing their details and default assignee,
and retiring one that no longer does any work.

A department's default assignee gets its types' new requests unless a routing rule says
otherwise (`routing.route`). A department is retired only when no active request type uses it
and no active routing rule sends requests to it; its old requests keep it. Every change checks
CATALOG_EDIT, is audited, and carries the version the supervisor saw.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields, replace
from typing import Any

from peewee import fn

from desktop.i18n import _, ngettext
from desktop.models import clock
from desktop.models.catalog.types import (
    MAX_NAME,
    MAX_TEXT,
    conflict,
    save_versioned,
)
from desktop.models.errors import InputError, NotFound
from desktop.models.staff import audit, permissions
from desktop.models.storage.db import reading, write
from desktop.models.storage.schema import Department, RoutingRule, ServiceType, StaffUser
from desktop.models.text_clean import clean_block, clean_line, too_long

DEPARTMENT_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{0,31}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_PHONE = 40
MAX_EMAIL = 254


@dataclass(frozen=True)
class DepartmentFields:
    """A department as the editor shows it."""

    name: str
    phone: str = ""
    email: str = ""
    description: str = ""
    default_assignee: str = ""  # a staff member's user name; "" for nobody
    active: bool = True


DEPARTMENT_FIELD_NAMES = tuple(f.name for f in fields(DepartmentFields))


def list_departments(*, include_retired: bool = True) -> list[Department]:
    query = Department.select().order_by(Department.sort_order, Department.name)
    if not include_retired:
        query = query.where(Department.active == True)  # noqa: E712
    with reading():
        return list(query)


def get_department(code: str) -> Department:
    with reading():
        found = Department.get_or_none(Department.code == clean_line(code).upper())
    if found is None:
        raise NotFound(_("There is no department with the code “{code}”.").format(code=code))
    return found


def assignee_of(department: Department) -> StaffUser | None:
    if department.default_assignee_id is None:
        return None
    with reading():
        return StaffUser.get_or_none(StaffUser.id == department.default_assignee_id)


def staff_by_id() -> dict[int, StaffUser]:
    """Every member of staff, those who left too (a department may still name one)."""
    with reading():
        return {int(s.id): s for s in StaffUser.select()}


def department_fields(department: Department) -> DepartmentFields:
    assignee = assignee_of(department)
    return DepartmentFields(
        name=department.name,
        phone=department.phone,
        email=department.email,
        description=department.description,
        default_assignee=assignee.username if assignee is not None else "",
        active=department.active,
    )


def check_department(
    fields: DepartmentFields, *, current: Department | None = None
) -> dict[str, Any]:
    """The column values of a department, or InputError listing every problem."""
    problems: list[str] = []
    name = clean_line(fields.name)
    if not name:
        problems.append(_("Give the department a name, e.g. “Public Works”."))
    elif len(name) > MAX_NAME:
        problems.append(too_long(_("The name"), MAX_NAME))
    elif fields.active:
        same = Department.select(Department.code).where(
            fn.LOWER(Department.name) == name.lower(),
            Department.active == True,  # noqa: E712
        )
        if current is not None:
            same = same.where(Department.id != current.id)
        other = same.first()
        if other is not None:
            problems.append(
                _("Another department ({code}) is already called “{name}”.").format(
                    code=other.code, name=name
                )
            )
    phone = clean_line(fields.phone)
    if len(phone) > MAX_PHONE:
        problems.append(too_long(_("The phone number"), MAX_PHONE))
    elif phone and not any(ch.isdigit() for ch in phone):
        problems.append(_("“{phone}” is not a phone number.").format(phone=phone))
    email = clean_line(fields.email)
    if len(email) > MAX_EMAIL:
        problems.append(too_long(_("The email address"), MAX_EMAIL))
    elif email and not EMAIL.match(email):
        problems.append(_("“{email}” is not an email address.").format(email=email))
    description = clean_block(fields.description)
    if len(description) > MAX_TEXT:
        problems.append(too_long(_("The description"), MAX_TEXT))
    assignee: StaffUser | None = None
    if username := clean_line(fields.default_assignee).lower():
        assignee = StaffUser.get_or_none(StaffUser.username == username)
        unchanged = current is not None and current.default_assignee_id == getattr(
            assignee, "id", None
        )
        if assignee is None:
            problems.append(
                _("There is no staff member with the user name “{name}”.").format(
                    name=username[:64]
                )
            )
        elif not assignee.active and not unchanged:
            problems.append(_("{name} no longer works here.").format(name=assignee.full_name))
    if current is not None and current.active and not fields.active:
        problems.extend(retire_problems(current))
    if problems:
        raise InputError(" ".join(problems))
    return {
        "name": name,
        "phone": phone,
        "email": email,
        "description": description,
        "default_assignee": assignee,
        "active": bool(fields.active),
    }


def department_changed_columns(current: Department, values: dict[str, Any]) -> list[str]:
    """The columns whose value `values` would change."""
    out = []
    for column, value in values.items():
        if column == "default_assignee":
            if current.default_assignee_id != (value.id if value is not None else None):
                out.append(column)
        elif getattr(current, column) != value:
            out.append(column)
    return out


def retire_problems(department: Department) -> list[str]:
    """Why the department cannot be retired now (nothing: it can)."""
    problems = []
    types = [
        t.name
        for t in ServiceType.select(ServiceType.name)
        .where(ServiceType.department == department, ServiceType.active == True)  # noqa: E712
        .order_by(ServiceType.name)
    ]
    if types:
        shown = ", ".join(types[:5]) + (", …" if len(types) > 5 else "")
        problems.append(
            ngettext(
                "{name} still has {count} active request type ({types}): move it to another "
                "department or retire it first.",
                "{name} still has {count} active request types ({types}): move them to another "
                "department or retire them first.",
                len(types),
            ).format(name=department.name, count=len(types), types=shown)
        )
    rules = [
        r.name
        for r in RoutingRule.select(RoutingRule.name).where(
            RoutingRule.department == department,
            RoutingRule.active == True,  # noqa: E712
        )
    ]
    for rule in rules:
        problems.append(
            _(
                "The routing rule “{rule}” sends requests to {name}: change it or switch it off "
                "first."
            ).format(rule=rule, name=department.name)
        )
    return problems


def check_department_code(code: str) -> str:
    typed = clean_line(code).upper()
    if not DEPARTMENT_CODE.match(typed):
        raise InputError(
            _(
                "“{code}” cannot be a department's code: use up to 32 letters, digits, - or _, "
                "e.g. “PRK”."
            ).format(code=typed[:40])
        )
    taken = Department.get_or_none(Department.code == typed)
    if taken is not None:
        raise InputError(
            _("The code “{code}” is already the department “{name}”{retired}.").format(
                code=typed, name=taken.name, retired=_(" (retired)") if not taken.active else ""
            )
        )
    return typed


def create_department_row(code: str, values: dict[str, Any], actor: StaffUser | None) -> Department:
    stamp = clock.now()
    last = Department.select(fn.MAX(Department.sort_order)).scalar()
    department = Department.create(
        code=code, **values, sort_order=int(last or 0) + 1, created_at=stamp, updated_at=stamp
    )
    audit.record("department", code, "create", None, audit.snapshot(department), actor)
    return department


def save_department_row(
    current: Department, values: dict[str, Any], version: int | None, actor: StaffUser | None
) -> Department:
    """Write checked values over the department if it is still at `version` (inside a
    write)."""
    saved: Department = save_versioned(
        current,
        values,
        version,
        actor,
        audit_as=("department", current.code),
        what=_("the department “{name}”").format(name=current.name),
    )
    return saved


def add_department(code: str, fields: DepartmentFields, *, actor: StaffUser | None) -> Department:
    permissions.require(actor, permissions.CATALOG_EDIT)

    def save() -> Department:
        typed = check_department_code(code)
        return create_department_row(typed, check_department(fields), actor)

    return write(save)


def update_department(
    code: str,
    fields: DepartmentFields,
    *,
    version: int | None = None,
    actor: StaffUser | None,
) -> Department:
    """Save the supervisor's edit of a department; a stale `version` is a ConflictError."""
    permissions.require(actor, permissions.CATALOG_EDIT)

    def save() -> Department:
        current = get_department(code)
        values = check_department(fields, current=current)
        return save_department_row(current, values, version, actor)

    return write(save)


def change_department(
    code: str, *, version: int | None = None, actor: StaffUser | None, **changes: Any
) -> Department:
    """Change only some fields (by DepartmentFields name), keeping the others as saved."""
    unknown = set(changes) - set(DEPARTMENT_FIELD_NAMES)
    if unknown:
        raise KeyError(f"not fields of a department: {sorted(unknown)!r}")
    current = get_department(code)
    if version is not None and current.version != version:
        raise conflict(_("the department “{name}”").format(name=current.name))
    return update_department(
        code, replace(department_fields(current), **changes), version=current.version, actor=actor
    )
