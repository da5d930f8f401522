"""The catalog as a file: exported as the same JSON document the starter catalog is, and read
back merged by code.

An import adds the departments, types and questions that are new, changes those whose fields
the document gives differently, and leaves alone whatever the document does not mention. It runs
every check the editor does (a question with answers keeps its kind, a department with active
types is not retired...) and saves all of it or nothing; `dry_run` says what it would change.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from desktop.i18n import LANGUAGES, _, ngettext
from desktop.models import outside
from desktop.models.catalog.departments import (
    DepartmentFields,
    check_department,
    check_department_code,
    create_department_row,
    department_changed_columns,
    department_fields,
    save_department_row,
)
from desktop.models.catalog.loading import validate_catalog
from desktop.models.catalog.questions import (
    QuestionFields,
    check_question,
    check_question_code,
    create_question_row,
    place_question,
    question_fields,
    save_question_row,
)
from desktop.models.catalog.types import (
    TypeFields,
    changed_columns,
    check_type,
    check_type_code,
    create_type_row,
    save_type_row,
    type_fields,
)
from desktop.models.errors import InputError, KnownError
from desktop.models.staff import permissions
from desktop.models.storage.db import reading, write
from desktop.models.storage.schema import Department, ServiceAttribute, ServiceType, StaffUser

#: the largest catalog file read (the starter catalog is about 150 KB)
MAX_FILE = 10 * 1024 * 1024


def export_catalog() -> dict[str, Any]:
    """Every department and type with its questions, in the starter catalog's form. Retired
    ones say `"active": false`; a department's default assignee is its user name."""
    with reading():
        staff = {s.id: s.username for s in StaffUser.select(StaffUser.id, StaffUser.username)}
        departments = list(Department.select().order_by(Department.sort_order, Department.id))
        codes = {d.id: d.code for d in departments}
        types = list(ServiceType.select().order_by(ServiceType.sort_order, ServiceType.id))
        questions: dict[int, list[ServiceAttribute]] = {}
        for attribute in ServiceAttribute.select().order_by(
            ServiceAttribute.sort_order, ServiceAttribute.id
        ):
            questions.setdefault(attribute.__data__["service_type"], []).append(attribute)
    out_departments = []
    for department in departments:
        entry: dict[str, Any] = {
            "code": department.code,
            "name": department.name,
            "phone": department.phone,
            "email": department.email,
            "description": department.description,
        }
        if department.default_assignee_id in staff:
            entry["default_assignee"] = staff[department.default_assignee_id]
        if not department.active:
            entry["active"] = False
        out_departments.append(entry)
    out_types = []
    for kind in types:
        item: dict[str, Any] = {
            "code": kind.code,
            "name": kind.name,
            "group": kind.group_name,
            "department": codes[kind.department_id],
            "description": kind.description,
            "keywords": kind.keyword_list(),
            "priority": kind.priority,
            "service_notice": kind.service_notice,
            "safety_notice": kind.safety_notice,
        }
        for key, amount, unit in (
            ("respond_within", kind.respond_amount, kind.respond_unit),
            ("resolve_within", kind.resolve_amount, kind.resolve_unit),
        ):
            if amount is not None:
                item[key] = {"amount": amount, "unit": unit}
        item["attributes"] = [_question_entry(a) for a in questions.get(kind.id, [])]
        if not kind.active:
            item["active"] = False
        if kind.translations:  # its words in other languages, as kept (schema 12)
            item["translations"] = kind.translations
        out_types.append(item)
    return {"departments": out_departments, "service_types": out_types}


def _question_entry(attribute: ServiceAttribute) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "code": attribute.code,
        "label": attribute.label,
        "datatype": attribute.datatype,
        "required": attribute.required,
        "help": attribute.help,
        "choices": [{"key": c["key"], "name": c["name"]} for c in attribute.choices or []],
    }
    if not attribute.variable:
        entry["variable"] = False
    if attribute.translations:
        entry["translations"] = attribute.translations
    return entry


def write_catalog_file(path: str | Path) -> tuple[Path, dict[str, Any]]:
    """Export the catalog to a JSON file (written whole, then moved into place); returns the
    file and what it holds."""
    target = Path(path).expanduser()
    data = export_catalog()
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    partial = target.with_name(target.name + ".part")
    try:
        partial.write_text(text, encoding="utf-8")
        partial.replace(target)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise InputError(
            _("The catalog could not be written to {path}: {reason}").format(
                path=target, reason=exc.strerror or exc
            )
        ) from None
    return target, data


def read_catalog_file(path: str | Path) -> Any:
    """The JSON document in a catalog file, or InputError saying what is wrong with the file."""
    source = Path(path).expanduser()
    try:
        if source.stat().st_size > MAX_FILE:
            raise InputError(
                _("{path} is too large to be a catalog ({most} MB at most).").format(
                    path=source, most=MAX_FILE // (1024 * 1024)
                )
            )
        text = source.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(_("There is no file at {path}.").format(path=source)) from None
    except UnicodeDecodeError:
        raise InputError(
            _("{path} is not a catalog: it is not a text file.").format(path=source)
        ) from None
    except OSError as exc:
        raise InputError(
            _("{path} could not be read: {reason}").format(path=source, reason=exc.strerror or exc)
        ) from None
    return outside.load_json(text, _("a catalog"))


# -- merging a document in --------------------------------------------------------------------


@dataclass
class MergeReport:
    """What an import added and changed, by code (changed: code -> the fields that changed)."""

    added_departments: list[str] = field(default_factory=list)
    changed_departments: dict[str, list[str]] = field(default_factory=dict)
    added_types: list[str] = field(default_factory=list)
    changed_types: dict[str, list[str]] = field(default_factory=dict)
    added_questions: list[str] = field(default_factory=list)
    changed_questions: dict[str, list[str]] = field(default_factory=dict)
    dry_run: bool = False

    @property
    def changed_anything(self) -> bool:
        return any(
            (
                self.added_departments,
                self.changed_departments,
                self.added_types,
                self.changed_types,
                self.added_questions,
                self.changed_questions,
            )
        )

    def sentences(self) -> list[str]:
        """What happened, in a few lines."""
        lines = []
        for count, singular, plural, codes in (
            (len(self.added_departments), "Added {n} department: {codes}.",
             "Added {n} departments: {codes}.", self.added_departments),
            (len(self.changed_departments), "Changed {n} department: {codes}.",
             "Changed {n} departments: {codes}.", _describe(self.changed_departments)),
            (len(self.added_types), "Added {n} request type: {codes}.",
             "Added {n} request types: {codes}.", self.added_types),
            (len(self.changed_types), "Changed {n} request type: {codes}.",
             "Changed {n} request types: {codes}.", _describe(self.changed_types)),
            (len(self.added_questions), "Added {n} question: {codes}.",
             "Added {n} questions: {codes}.", self.added_questions),
            (len(self.changed_questions), "Changed {n} question: {codes}.",
             "Changed {n} questions: {codes}.", _describe(self.changed_questions)),
        ):  # fmt: skip
            if count:
                lines.append(
                    ngettext(singular, plural, count).format(n=count, codes=", ".join(codes))
                )
        if not lines:
            lines.append(_("Nothing to change: the catalog already says all of that."))
        elif self.dry_run:
            lines.append(_("Nothing was saved (a trial run)."))
        return lines

    def as_dict(self) -> dict[str, Any]:
        return {
            "added_departments": self.added_departments,
            "changed_departments": self.changed_departments,
            "added_types": self.added_types,
            "changed_types": self.changed_types,
            "added_questions": self.added_questions,
            "changed_questions": self.changed_questions,
            "saved": self.changed_anything and not self.dry_run,
        }


def _describe(changed: dict[str, list[str]]) -> list[str]:
    return [f"{code} ({', '.join(columns)})" for code, columns in changed.items()]


class _TrialRun(Exception):
    """Rolls a dry run's transaction back."""


#: document keys -> the editor's field names
_DEPARTMENT_KEYS = ("name", "phone", "email", "description", "default_assignee", "active")
_TYPE_KEYS = {
    "name": "name",
    "group": "group",
    "department": "department",
    "description": "description",
    "priority": "priority",
    "service_notice": "service_notice",
    "safety_notice": "safety_notice",
    "active": "active",
}
_QUESTION_KEYS = ("label", "datatype", "required", "help", "variable")


def _department_changes(entry: dict[str, Any]) -> dict[str, Any]:
    return {key: entry[key] for key in _DEPARTMENT_KEYS if key in entry}


def _type_changes(entry: dict[str, Any]) -> dict[str, Any]:
    changes = {name: entry[key] for key, name in _TYPE_KEYS.items() if key in entry}
    if "keywords" in entry:
        words = entry["keywords"]
        changes["keywords"] = ", ".join(words) if isinstance(words, list) else str(words)
    for key, prefix in (("respond_within", "respond"), ("resolve_within", "resolve")):
        if key in entry:
            target = entry[key] or {}
            changes[f"{prefix}_amount"] = target.get("amount")
            changes[f"{prefix}_unit"] = target.get("unit", "business_days")
    return changes


def _question_changes(entry: dict[str, Any]) -> dict[str, Any]:
    changes = {key: entry[key] for key in _QUESTION_KEYS if key in entry}
    if "choices" in entry:
        changes["choices"] = tuple((str(c["key"]), str(c["name"])) for c in entry["choices"])
    return changes


class _Merge:
    """One import, inside one write transaction; problems are gathered, not raised one by one."""

    def __init__(self, actor: StaffUser | None, report: MergeReport) -> None:
        self.actor = actor
        self.report = report
        self.problems: list[str] = []

    def attempt(self, where: str, step: Any) -> Any:
        try:
            return step()
        except KnownError as exc:
            self.problems.append(f"{where}: {exc}")
            return None

    def departments(self, entries: list[dict[str, Any]], *, retiring: bool) -> None:
        """First every department but the retirements (types may move out of them), then,
        with `retiring`, the retirements."""
        for entry in entries:
            code = str(entry["code"]).strip().upper()
            changes = _department_changes(entry)
            wants_retired = changes.get("active") is False
            if retiring != wants_retired:
                continue
            current = Department.get_or_none(Department.code == code)
            if current is None:
                fields = DepartmentFields(**{"name": "", **changes})
                self.attempt(code, lambda f=fields, c=code: self._add_department(c, f))
                continue
            fields = replace(department_fields(current), **changes)
            self.attempt(code, lambda c=current, f=fields: self._change_department(c, f))

    def _add_department(self, code: str, fields: DepartmentFields) -> None:
        create_department_row(check_department_code(code), check_department(fields), self.actor)
        self.report.added_departments.append(code)

    def _change_department(self, current: Department, fields: DepartmentFields) -> None:
        values = check_department(fields, current=current)
        columns = department_changed_columns(current, values)
        if columns:
            save_department_row(current, values, None, self.actor)
            self.report.changed_departments[current.code] = columns

    def service_types(self, entries: list[dict[str, Any]]) -> None:
        for entry in entries:
            code = str(entry["code"]).strip().lower()
            changes = _type_changes(entry)
            current = ServiceType.get_or_none(ServiceType.code == code)
            if current is None:
                fields = TypeFields(**{"name": "", "department": "", **changes})
                kind = self.attempt(code, lambda c=code, f=fields: self._add_type(c, f))
            else:
                fields = replace(type_fields(current), **changes)
                kind = self.attempt(code, lambda c=current, f=fields: self._change_type(c, f))
            if kind is not None and "attributes" in entry:
                self.questions(kind, entry["attributes"])
            if kind is not None and isinstance(entry.get("translations"), dict):
                self._translations(kind, entry)

    def _translations(self, kind: ServiceType, entry: dict[str, Any]) -> None:
        """A type's (and its questions') words in other languages, from the file, over the
        town's: only languages Front Counter has, only text."""
        worded = {
            language: {k: v for k, v in words.items() if isinstance(v, str | dict)}
            for language, words in entry["translations"].items()
            if language in LANGUAGES and isinstance(words, dict)
        }
        if worded and worded != (kind.translations or {}):
            ServiceType.update(translations=worded).where(ServiceType.id == kind.id).execute()
            self.report.changed_types.setdefault(kind.code, []).append("translations")
        for question in entry.get("attributes") or []:
            said = question.get("translations") if isinstance(question, dict) else None
            if isinstance(said, dict):
                ServiceAttribute.update(
                    translations={k: v for k, v in said.items() if k in LANGUAGES}
                ).where(
                    ServiceAttribute.service_type == kind.id,
                    ServiceAttribute.code == str(question.get("code", "")).strip(),
                ).execute()

    def _add_type(self, code: str, fields: TypeFields) -> ServiceType:
        kind = create_type_row(check_type_code(code), check_type(fields), self.actor)
        self.report.added_types.append(code)
        return kind

    def _change_type(self, current: ServiceType, fields: TypeFields) -> ServiceType:
        values = check_type(fields, current=current)
        columns = changed_columns(current, values)
        if not columns:
            return current
        self.report.changed_types[current.code] = columns
        return save_type_row(current, values, None, self.actor)

    def questions(self, kind: ServiceType, entries: list[dict[str, Any]]) -> None:
        for position, entry in enumerate(entries, start=1):
            code = str(entry["code"]).strip().lower()
            where = f"{kind.code}/{code}"
            changes = _question_changes(entry)
            current = ServiceAttribute.get_or_none(
                ServiceAttribute.service_type == kind, ServiceAttribute.code == code
            )
            if current is None:
                fields = QuestionFields(**{"label": "", **changes})
                self.attempt(where, lambda c=code, f=fields: self._add_question(kind, c, f))
            else:
                fields = replace(question_fields(current), **changes)
                self.attempt(where, lambda c=current, f=fields: self._change_question(c, f))
            attribute = ServiceAttribute.get_or_none(
                ServiceAttribute.service_type == kind, ServiceAttribute.code == code
            )
            if attribute is not None and attribute.sort_order != position - 1:
                place_question(kind, attribute.id, position)
                if current is not None:
                    self.report.changed_questions.setdefault(where, []).append("position")

    def _add_question(self, kind: ServiceType, code: str, fields: QuestionFields) -> None:
        create_question_row(
            kind, check_question_code(kind, code), check_question(fields), self.actor
        )
        self.report.added_questions.append(f"{kind.code}/{code}")

    def _change_question(self, current: ServiceAttribute, fields: QuestionFields) -> None:
        values = check_question(fields, current=current)
        columns = [c for c, v in values.items() if getattr(current, c) != v]
        if columns:
            save_question_row(current, values, None, self.actor)
            where = f"{current.service_type.code}/{current.code}"
            self.report.changed_questions.setdefault(where, []).extend(columns)


def merge_catalog(data: Any, *, dry_run: bool = False, actor: StaffUser | None) -> MergeReport:
    """Merge a catalog document into the database by code: all of it, or nothing with every
    problem said. `dry_run` checks and reports without saving."""
    permissions.require(actor, permissions.CATALOG_EDIT)
    with reading():
        known = [str(d.code) for d in Department.select(Department.code)]
    problems = validate_catalog(data, known_departments=known)
    if problems:
        raise InputError(
            _("The catalog cannot be used: {problems}").format(problems=" ".join(problems))
        )
    report = MergeReport(dry_run=dry_run)

    def save() -> None:
        merge = _Merge(actor, report)
        merge.departments(data["departments"], retiring=False)
        merge.service_types(data["service_types"])
        merge.departments(data["departments"], retiring=True)
        if merge.problems:
            raise InputError(
                _("Nothing was imported: {problems}").format(problems=" ".join(merge.problems))
            )
        if dry_run:
            raise _TrialRun

    with contextlib.suppress(_TrialRun):
        write(save)
    return report
