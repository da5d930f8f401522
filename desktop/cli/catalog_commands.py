"""`frontcounter catalog ...`: the town's request types, their questions and departments.

Everything the Settings screens edit can be done here too: list and show, change one field at a
time (`catalog set pothole resolve-within 3 business days`), add types, questions and
departments, export the catalog to a file and import one back merged by code.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from desktop.cli.output import emit
from desktop.cli.registry import command
from desktop.i18n import _
from desktop.models.catalog import departments, questions, translations, types
from desktop.models.catalog import transfer as catalog_transfer
from desktop.models.catalog.departments import assignee_of
from desktop.models.catalog.questions import parse_choices
from desktop.models.catalog.types import default_assignee, describe_target, parse_target
from desktop.models.errors import InputError
from desktop.models.storage.db import OpenedDatabase
from desktop.models.storage.schema import Department, ServiceAttribute, ServiceType

#: `catalog set` field names -> TypeFields names ("-within" ones take a target)
TYPE_FIELDS = {
    "name": "name",
    "group": "group",
    "department": "department",
    "priority": "priority",
    "respond-within": "respond",
    "resolve-within": "resolve",
    "keywords": "keywords",
    "description": "description",
    "service-notice": "service_notice",
    "safety-notice": "safety_notice",
    "active": "active",
}
QUESTION_FIELDS = {
    "label": "label",
    "datatype": "datatype",
    "required": "required",
    "help": "help",
    "choices": "choices",
    "info": "variable",
}
DEPARTMENT_FIELDS = {
    "name": "name",
    "phone": "phone",
    "email": "email",
    "description": "description",
    "default-assignee": "default_assignee",
    "active": "active",
}
_YES = {"yes", "y", "true", "on", "1", "active"}
_NO = {"no", "n", "false", "off", "0", "retired", "inactive"}


def yes_or_no(text: str, what: str) -> bool:
    word = text.strip().lower()
    if word in _YES | _NO:
        return word in _YES
    raise InputError(_("“{what}” is yes or no, not “{text}”.").format(what=what, text=text[:40]))


def add_parsers(commands: Any, common: argparse.ArgumentParser) -> None:
    catalog = commands.add_parser(
        "catalog", help=_("the request types, their questions and the departments")
    )
    actions = catalog.add_subparsers(dest="action", metavar="ACTION", required=True)

    listing = actions.add_parser("types", parents=[common], help=_("every request type"))
    listing.add_argument("--active", action="store_true", help=_("leave the retired ones out"))
    show = actions.add_parser("show", parents=[common], help=_("a type with its questions"))
    show.add_argument("code", metavar="TYPE_CODE")

    setting = actions.add_parser(
        "set",
        parents=[common],
        help=_("change one field of a type: {fields}").format(fields=", ".join(TYPE_FIELDS)),
    )
    setting.add_argument("code", metavar="TYPE_CODE")
    setting.add_argument("field", metavar="FIELD")
    setting.add_argument("value", nargs="+", metavar="VALUE")
    setting.add_argument("--version", type=int, help=_("the version you saw (refused if stale)"))

    adding = actions.add_parser("add-type", parents=[common], help=_("add a request type"))
    adding.add_argument("code", metavar="TYPE_CODE", help=_("e.g. leaf_pickup (never changes)"))
    adding.add_argument("--name", required=True)
    adding.add_argument("--department", required=True, metavar="CODE")
    adding.add_argument("--group", default="")
    adding.add_argument("--priority", default="normal")
    adding.add_argument("--respond-within", default="", metavar="TARGET")
    adding.add_argument("--resolve-within", default="", metavar="TARGET")
    adding.add_argument("--keywords", default="", help=_("comma-separated"))
    adding.add_argument("--description", default="")
    adding.add_argument("--service-notice", default="")
    adding.add_argument("--safety-notice", default="")

    question = actions.add_parser("add-question", parents=[common], help=_("add a question"))
    question.add_argument("type", metavar="TYPE_CODE")
    question.add_argument("code", metavar="QUESTION_CODE", help=_("e.g. depth (never changes)"))
    question.add_argument("--label", required=True, help=_("the question as the clerk asks it"))
    question.add_argument("--datatype", default="string", help=_("string, number, datetime, ..."))
    question.add_argument("--required", action="store_true")
    question.add_argument("--help-text", default="", dest="help_text", metavar="TEXT")
    question.add_argument("--choices", default="", help=_("“key = name; key = name” or names"))
    question.add_argument("--position", type=int, help=_("1 is asked first"))
    question.add_argument("--info", action="store_true", help=_("a line for the clerk to read"))

    change = actions.add_parser(
        "set-question",
        parents=[common],
        help=_("change one field of a question: {fields}").format(
            fields=", ".join(QUESTION_FIELDS)
        ),
    )
    change.add_argument("type", metavar="TYPE_CODE")
    change.add_argument("code", metavar="QUESTION_CODE")
    change.add_argument("field", metavar="FIELD")
    change.add_argument("value", nargs="+", metavar="VALUE")
    change.add_argument("--version", type=int, help=_("the version you saw (refused if stale)"))

    move = actions.add_parser("move-question", parents=[common], help=_("ask it at another place"))
    move.add_argument("type", metavar="TYPE_CODE")
    move.add_argument("code", metavar="QUESTION_CODE")
    move.add_argument("position", type=int, help=_("1 is asked first"))

    remove = actions.add_parser(
        "remove-question", parents=[common], help=_("remove a question nobody has answered")
    )
    remove.add_argument("type", metavar="TYPE_CODE")
    remove.add_argument("code", metavar="QUESTION_CODE")
    remove.add_argument("--version", type=int, help=_("the version you saw (refused if stale)"))

    translate = actions.add_parser(
        "translate",
        parents=[common],
        help=_(
            "a type's words in another language (what its residents read): an empty value "
            "brings back the English"
        ),
    )
    translate.add_argument("code", metavar="TYPE_CODE")
    translate.add_argument("--lang", dest="words_language", default="es", metavar="LANG")
    for option in ("name", "group", "description", "service-notice", "safety-notice", "keywords"):
        translate.add_argument(f"--{option}", dest=f"words_{option.replace('-', '_')}")

    actions.add_parser("departments", parents=[common], help=_("every department"))
    department = actions.add_parser("add-department", parents=[common], help=_("add a department"))
    department.add_argument("code", metavar="CODE", help=_("e.g. FIRE (never changes)"))
    department.add_argument("--name", required=True)
    department.add_argument("--phone", default="")
    department.add_argument("--email", default="")
    department.add_argument("--description", default="")
    department.add_argument("--default-assignee", default="", metavar="USERNAME")
    department_set = actions.add_parser(
        "set-department",
        parents=[common],
        help=_("change one field of a department: {fields}").format(
            fields=", ".join(DEPARTMENT_FIELDS)
        ),
    )
    department_set.add_argument("code", metavar="CODE")
    department_set.add_argument("field", metavar="FIELD")
    department_set.add_argument("value", nargs="+", metavar="VALUE")
    department_set.add_argument(
        "--version", type=int, help=_("the version you saw (refused if stale)")
    )

    export = actions.add_parser("export", parents=[common], help=_("the catalog to a JSON file"))
    export.add_argument("file", type=Path, metavar="FILE")
    load = actions.add_parser(
        "import", parents=[common], help=_("a catalog file merged in by code")
    )
    load.add_argument("file", type=Path, metavar="FILE")
    load.add_argument("--dry-run", action="store_true", help=_("say what would change only"))


# -- what is printed ------------------------------------------------------------------------------


def _target(amount: int | None, unit: str) -> dict[str, Any] | None:
    return None if amount is None else {"amount": amount, "unit": unit}


def describe_question(attribute: ServiceAttribute) -> dict[str, Any]:
    return {
        "code": attribute.code,
        "label": attribute.label,
        "datatype": attribute.datatype,
        "required": attribute.required,
        "help": attribute.help,
        "choices": attribute.choices or [],
        "info_only": not attribute.variable,
        "position": attribute.sort_order + 1,
        "version": attribute.version,
    }


def describe_type(kind: ServiceType, *, with_questions: bool = False) -> dict[str, Any]:
    assignee = default_assignee(kind)
    out: dict[str, Any] = {
        "code": kind.code,
        "name": kind.name,
        "group": kind.group_name,
        "department": kind.department.code,
        "department_name": kind.department.name,
        "default_assignee": assignee.username if assignee is not None else None,
        "priority": kind.priority,
        "respond_within": _target(kind.respond_amount, kind.respond_unit),
        "resolve_within": _target(kind.resolve_amount, kind.resolve_unit),
        "keywords": kind.keyword_list(),
        "description": kind.description,
        "service_notice": kind.service_notice,
        "safety_notice": kind.safety_notice,
        "active": kind.active,
        "version": kind.version,
        #: its words in other languages, e.g. {"es": {"name": "Bache", ...}}
        "translations": kind.translations or {},
    }
    if with_questions:
        out["questions"] = [describe_question(q) for q in questions.questions(kind.code)]
    return out


def describe_department(department: Department, active_types: int) -> dict[str, Any]:
    assignee = assignee_of(department)
    return {
        "code": department.code,
        "name": department.name,
        "phone": department.phone,
        "email": department.email,
        "description": department.description,
        "default_assignee": assignee.username if assignee is not None else None,
        "active_types": active_types,
        "active": department.active,
        "version": department.version,
    }


def _type_line(kind: ServiceType) -> str:
    retired = "" if kind.active else "  " + _("(retired)")
    return (
        _("{code:<26} {name:<34} {department:<6} respond {respond}, resolve {resolve}").format(
            code=kind.code,
            name=kind.name[:34],
            department=kind.department.code,
            respond=describe_target(kind.respond_amount, kind.respond_unit),
            resolve=describe_target(kind.resolve_amount, kind.resolve_unit),
        )
        + retired
    )


def _type_text(data: dict[str, Any]) -> str:
    def target(value: dict[str, Any] | None) -> str:
        return describe_target(*(value["amount"], value["unit"]) if value else (None, ""))

    lines = [
        f"{data['name']} ({data['code']})" + ("" if data["active"] else " " + _("(retired)")),
        _("Group: {group}").format(group=data["group"] or _("(none)")),
        _("Department: {name} ({code}); default assignee: {who}").format(
            name=data["department_name"],
            code=data["department"],
            who=data["default_assignee"] or _("nobody"),
        ),
        _("Priority: {priority}").format(priority=data["priority"]),
        _("Respond within {respond}; resolve within {resolve}").format(
            respond=target(data["respond_within"]), resolve=target(data["resolve_within"])
        ),
        _("Keywords: {words}").format(words=", ".join(data["keywords"]) or _("(none)")),
    ]
    for key, label in (
        ("description", _("Description")),
        ("service_notice", _("For residents")),
        ("safety_notice", _("Safety notice")),
    ):
        if data[key]:
            lines.append(f"{label}: {data[key]}")
    lines.append(_("Questions:") if data["questions"] else _("No questions."))
    for q in data["questions"]:
        flags = [q["datatype"]] + ([_("required")] if q["required"] else [])
        if q["info_only"]:
            flags = [_("information only")]
        lines.append(f"  {q['position']}. {q['code']}: {q['label']} ({', '.join(flags)})")
        lines.extend(f"       {c['key']} = {c['name']}" for c in q["choices"])
    lines.append(_("Version {version}").format(version=data["version"]))
    return "\n".join(lines)


# -- the commands ---------------------------------------------------------------------------------


def _type_change(kind: ServiceType, field: str, words: list[str]) -> dict[str, Any]:
    value = " ".join(words)
    if field == "default-assignee":
        department = kind.department
        raise InputError(
            _(
                "{type} requests go to the default assignee of their department, {department}. "
                "Set it with “catalog set-department {code} default-assignee USERNAME”, or, "
                "for this type alone, add a routing rule: “routing add NAME --type {type_code} "
                "--assignee USERNAME”."
            ).format(
                type=kind.name,
                department=department.name,
                code=department.code,
                type_code=kind.code,
            )
        )
    if field not in TYPE_FIELDS:
        raise InputError(
            _("“{field}” is not a field of a request type. These are: {fields}.").format(
                field=field[:40], fields=", ".join([*TYPE_FIELDS, "default-assignee"])
            )
        )
    name = TYPE_FIELDS[field]
    if name in ("respond", "resolve"):
        amount, unit = parse_target(value)
        return {f"{name}_amount": amount, f"{name}_unit": unit}
    if name == "active":
        return {"active": yes_or_no(value, field)}
    return {name: value}


def _question_change(field: str, words: list[str]) -> dict[str, Any]:
    value = " ".join(words)
    if field not in QUESTION_FIELDS:
        raise InputError(
            _("“{field}” is not a field of a question. These are: {fields}.").format(
                field=field[:40], fields=", ".join(QUESTION_FIELDS)
            )
        )
    name = QUESTION_FIELDS[field]
    if name == "required":
        return {name: yes_or_no(value, field)}
    if name == "variable":
        return {name: not yes_or_no(value, field)}
    if name == "choices":
        return {name: parse_choices(value)}
    return {name: value}


def _department_change(field: str, words: list[str]) -> dict[str, Any]:
    value = " ".join(words)
    if field not in DEPARTMENT_FIELDS:
        raise InputError(
            _("“{field}” is not a field of a department. These are: {fields}.").format(
                field=field[:40], fields=", ".join(DEPARTMENT_FIELDS)
            )
        )
    name = DEPARTMENT_FIELDS[field]
    if name == "active":
        return {name: yes_or_no(value, field)}
    if name == "default_assignee" and value.lower() in ("nobody", "none", "-"):
        value = ""
    return {name: value}


def catalog_command(args: argparse.Namespace, opened: OpenedDatabase) -> None:
    action = args.action
    if action == "types":
        kinds = types.list_types(include_retired=not args.active)
        emit(args, [describe_type(k) for k in kinds], "\n".join(_type_line(k) for k in kinds))
    elif action == "show":
        data = describe_type(types.get_type(args.code), with_questions=True)
        emit(args, data, _type_text(data))
    elif action == "set":
        kind = types.get_type(args.code)
        changes = _type_change(kind, args.field, args.value)
        saved = types.change_type(kind.code, version=args.version, actor=args.signed_in, **changes)
        emit(args, describe_type(saved), _("Saved: {line}").format(line=_type_line(saved)))
    elif action == "add-type":
        respond = types.parse_target(args.respond_within)
        resolve = types.parse_target(args.resolve_within)
        fields = types.TypeFields(
            name=args.name,
            department=args.department,
            group=args.group,
            priority=args.priority,
            respond_amount=respond[0],
            respond_unit=respond[1],
            resolve_amount=resolve[0],
            resolve_unit=resolve[1],
            keywords=args.keywords,
            description=args.description,
            service_notice=args.service_notice,
            safety_notice=args.safety_notice,
        )
        made = types.add_type(args.code, fields, actor=args.signed_in)
        emit(args, describe_type(made), _("Added: {line}").format(line=_type_line(made)))
    elif action == "translate":
        changes = {
            field: value
            for field in translations.TYPE_FIELDS
            if (value := getattr(args, f"words_{field}", None)) is not None
        }
        if not changes:
            raise InputError(
                _("Say which words to change: {options}.").format(
                    options=", ".join("--" + f.replace("_", "-") for f in translations.TYPE_FIELDS)
                )
            )
        saved = translations.set_type_words(
            args.code, args.words_language, changes, actor=args.signed_in
        )
        data = describe_type(saved)
        emit(
            args,
            data,
            _("Saved the {language} words of {name}.").format(
                language=args.words_language, name=saved.name
            ),
        )
    elif action in ("add-question", "set-question", "move-question", "remove-question"):
        _question_command(args, emit)
    elif action == "departments":
        counts = types.type_counts_by_department()
        rows = [describe_department(d, counts.get(d.id, 0)) for d in departments.list_departments()]
        emit(args, rows, "\n".join(_department_line(row) for row in rows))
    elif action in ("add-department", "set-department"):
        if action == "add-department":
            saved_department = departments.add_department(
                args.code,
                departments.DepartmentFields(
                    name=args.name,
                    phone=args.phone,
                    email=args.email,
                    description=args.description,
                    default_assignee=args.default_assignee,
                ),
                actor=args.signed_in,
            )
        else:
            saved_department = departments.change_department(
                args.code,
                version=args.version,
                actor=args.signed_in,
                **_department_change(args.field, args.value),
            )
        counts = types.type_counts_by_department()
        row = describe_department(saved_department, counts.get(saved_department.id, 0))
        emit(args, row, _("Saved: {line}").format(line=_department_line(row)))
    else:
        _transfer_command(args, emit)


def _department_line(row: dict[str, Any]) -> str:
    retired = "" if row["active"] else "  " + _("(retired)")
    return (
        _("{code:<7} {name:<32} {types:>3} active types, default assignee {who}").format(
            code=row["code"],
            name=row["name"][:32],
            types=row["active_types"],
            who=row["default_assignee"] or _("nobody"),
        )
        + retired
    )


def _question_command(args: argparse.Namespace, emit: Any) -> None:
    if args.action == "add-question":
        fields = questions.QuestionFields(
            label=args.label,
            datatype=args.datatype,
            required=args.required,
            help=args.help_text,
            choices=questions.parse_choices(args.choices),
            variable=not args.info,
        )
        saved = questions.add_question(
            args.type, args.code, fields, position=args.position, actor=args.signed_in
        )
        text = _("Added question {code}: {label}").format(code=saved.code, label=saved.label)
        emit(args, describe_question(saved), text)
    elif args.action == "set-question":
        changes = _question_change(args.field, args.value)
        saved = questions.change_question(
            args.type, args.code, version=args.version, actor=args.signed_in, **changes
        )
        text = _("Saved question {code}: {label}").format(code=saved.code, label=saved.label)
        emit(args, describe_question(saved), text)
    elif args.action == "move-question":
        listed = questions.move_question(args.type, args.code, args.position, actor=args.signed_in)
        emit(
            args,
            [describe_question(q) for q in listed],
            "\n".join(f"{q.sort_order + 1}. {q.code}: {q.label}" for q in listed),
        )
    else:
        questions.remove_question(args.type, args.code, version=args.version, actor=args.signed_in)
        emit(
            args,
            {"type": args.type, "code": args.code, "removed": True},
            _("Removed question {code}.").format(code=args.code),
        )


def _transfer_command(args: argparse.Namespace, emit: Any) -> None:
    if args.action == "export":
        path, data = catalog_transfer.write_catalog_file(args.file)
        emit(
            args,
            {
                "file": str(path),
                "departments": len(data["departments"]),
                "service_types": len(data["service_types"]),
            },
            _("Wrote {types} request types and {departments} departments to {path}.").format(
                types=len(data["service_types"]), departments=len(data["departments"]), path=path
            ),
        )
        return
    document = catalog_transfer.read_catalog_file(args.file)
    report = catalog_transfer.merge_catalog(document, dry_run=args.dry_run, actor=args.signed_in)
    emit(args, report.as_dict(), "\n".join(report.sentences()))


COMMANDS = (command("catalog", catalog_command, reads={"types", "show", "departments", "export"}),)
