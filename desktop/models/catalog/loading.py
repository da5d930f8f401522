"""The service catalog: departments, request types and their questions, loaded from plain data.

`validate_catalog` checks a catalog document (the starter one in resources/, or a town's own) and
says in plain words what is wrong; `import_catalog` writes a valid one into a new database.
Editing the catalog afterwards is `catalog_edit` (types), `catalog_questions`,
`catalog_departments`, and `catalog_transfer` (export, and import merged by code).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from desktop.i18n import _
from desktop.models import clock
from desktop.models.errors import InputError
from desktop.models.staff import audit, permissions
from desktop.models.storage.schema import Department, ServiceAttribute, ServiceType, StaffUser
from desktop.models.vocab import DATATYPES, LIST_DATATYPES, PRIORITIES, TARGET_UNITS

#: the optional keys of each part of a catalog document, and the kind of value each must have
_TEXT_KEYS = {
    "department": ("description", "phone", "email", "default_assignee"),
    "type": ("group", "description", "service_notice", "safety_notice"),
    "question": ("help",),
}
_FLAG_KEYS = {"department": ("active",), "type": ("active",), "question": ("required", "variable")}


def validate_catalog(data: Any, *, known_departments: Iterable[str] = ()) -> list[str]:
    """Every problem in a catalog document, as sentences; an empty list means it is usable.

    `known_departments` are codes already in the database: a document merged into it may name
    them without listing them (and then needs no departments of its own)."""
    if not isinstance(data, dict):
        return [_("A catalog must be an object with departments and service_types.")]
    problems: list[str] = []
    codes: set[str] = set(known_departments)
    departments = data.get("departments")
    types = data.get("service_types")
    if not isinstance(departments, list) or not (departments or codes):
        problems.append(_("The catalog has no departments."))
        departments = []
    if not isinstance(types, list) or not types:
        problems.append(_("The catalog has no service types."))
        types = []
    for index, dept in enumerate(departments, 1):
        if not isinstance(dept, dict) or not _text(dept.get("code")) or not _text(dept.get("name")):
            problems.append(_("Department {n} needs a code and a name.").format(n=index))
            continue
        codes.add(str(dept["code"]))
        problems.extend(_kind_problems("department", str(dept["code"]), dept))
    seen: set[str] = set()
    for index, entry in enumerate(types, 1):
        if not isinstance(entry, dict):
            problems.append(_("Service type {n} is not an object.").format(n=index))
            continue
        label = entry.get("code") or str(index)
        if not _text(entry.get("code")) or not _text(entry.get("name")):
            problems.append(_("Service type {n} needs a code and a name.").format(n=index))
        elif entry["code"] in seen:
            problems.append(_("Service type code {code} is used twice.").format(code=label))
        seen.add(str(entry.get("code")))
        if entry.get("department") not in codes:
            problems.append(
                _("Service type {code} names an unknown department.").format(code=label)
            )
        problems.extend(_kind_problems("type", str(label), entry))
        keywords = entry.get("keywords", [])
        if not isinstance(keywords, list) or not all(isinstance(k, str) for k in keywords):
            problems.append(_("The keywords of {code} must be a list of words.").format(code=label))
        if entry.get("priority", "normal") not in PRIORITIES:
            problems.append(_("Service type {code} has an unknown priority.").format(code=label))
        for key in ("respond_within", "resolve_within"):
            target = entry.get(key)
            if target is None:
                continue
            if (
                not isinstance(target, dict)
                or not isinstance(target.get("amount"), int)
                or target["amount"] <= 0
                or target.get("unit") not in TARGET_UNITS
            ):
                problems.append(
                    _("Service type {code} has a bad {key} target.").format(code=label, key=key)
                )
        problems.extend(_attribute_problems(label, entry.get("attributes", [])))
    return problems


def _attribute_problems(type_code: str, attributes: Any) -> list[str]:
    if not isinstance(attributes, list):
        return [_("The questions of {code} must be a list.").format(code=type_code)]
    problems = []
    seen: set[str] = set()
    for attr in attributes:
        code = attr.get("code") if isinstance(attr, dict) else None
        where = f"{type_code}/{code}"
        if not isinstance(attr, dict) or not _text(code) or not _text(attr.get("label")):
            problems.append(
                _("A question of {code} needs a code and a label.").format(code=type_code)
            )
            continue
        if code in seen:
            problems.append(_("Question {where} is there twice.").format(where=where))
        seen.add(str(code))
        problems.extend(_kind_problems("question", where, attr))
        if attr.get("datatype") not in DATATYPES:
            problems.append(_("Question {where} has an unknown datatype.").format(where=where))
        choices = attr.get("choices", [])
        if attr.get("datatype") in LIST_DATATYPES and not (
            isinstance(choices, list)
            and choices
            and all(
                isinstance(c, dict) and _text(c.get("key")) and _text(c.get("name"))
                for c in choices
            )
        ):
            problems.append(
                _("Question {where} needs choices with a key and a name.").format(where=where)
            )
    return problems


def _kind_problems(kind: str, label: str, entry: dict[str, Any]) -> list[str]:
    """The optional keys given with the wrong kind of value."""
    problems = []
    for key in _TEXT_KEYS[kind]:
        if key in entry and not isinstance(entry[key], str):
            problems.append(_("{where}: “{key}” must be text.").format(where=label, key=key))
    for key in _FLAG_KEYS[kind]:
        if key in entry and not isinstance(entry[key], bool):
            problems.append(
                _("{where}: “{key}” must be true or false.").format(where=label, key=key)
            )
    return problems


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def import_catalog(data: Any, *, actor: StaffUser | None) -> tuple[int, int]:
    """Add the catalog's departments and types that are not in the database yet (by code).

    Call inside a write transaction. Returns (departments added, types added).
    """

    permissions.require(actor, permissions.CATALOG_EDIT)
    problems = validate_catalog(data)
    if problems:
        raise InputError(
            _("The catalog cannot be used: {problems}").format(problems=" ".join(problems))
        )
    stamp = clock.now()
    existing_depts = {d.code: d for d in Department.select()}
    added_depts = 0
    for order, dept in enumerate(data["departments"]):
        if dept["code"] in existing_depts:
            continue
        existing_depts[dept["code"]] = Department.create(
            code=dept["code"],
            name=dept["name"],
            description=dept.get("description", ""),
            phone=dept.get("phone", ""),
            email=dept.get("email", ""),
            sort_order=order,
            created_at=stamp,
            updated_at=stamp,
        )
        added_depts += 1
    existing_types = {t.code for t in ServiceType.select(ServiceType.code)}
    added_types = 0
    for order, entry in enumerate(data["service_types"]):
        if entry["code"] in existing_types:
            continue
        respond = entry.get("respond_within") or {}
        resolve = entry.get("resolve_within") or {}
        service_type = ServiceType.create(
            code=entry["code"],
            name=entry["name"],
            group_name=entry.get("group", ""),
            department=existing_depts[entry["department"]],
            description=entry.get("description", ""),
            keywords=", ".join(entry.get("keywords", [])),
            priority=entry.get("priority", "normal"),
            service_notice=entry.get("service_notice", ""),
            safety_notice=entry.get("safety_notice", ""),
            respond_amount=respond.get("amount"),
            respond_unit=respond.get("unit", "business_days"),
            resolve_amount=resolve.get("amount"),
            resolve_unit=resolve.get("unit", "business_days"),
            sort_order=order,
            created_at=stamp,
            updated_at=stamp,
        )
        for position, attr in enumerate(entry.get("attributes", [])):
            ServiceAttribute.create(
                service_type=service_type,
                code=attr["code"],
                label=attr["label"],
                datatype=attr["datatype"],
                required=bool(attr.get("required", False)),
                variable=bool(attr.get("variable", True)),
                sort_order=position,
                help=attr.get("help", ""),
                choices=attr.get("choices", []),
                created_at=stamp,
                updated_at=stamp,
            )
        added_types += 1
    if added_depts or added_types:
        audit.record(
            "catalog",
            "",
            "import",
            None,
            {
                "departments": [d["code"] for d in data["departments"]],
                "service_types": [t["code"] for t in data["service_types"]],
                "added": [added_depts, added_types],
            },
            actor,
        )
    return added_depts, added_types
