"""`frontcounter routing ...`: the supervisor's ordered routing rules, and trying them out."""

from __future__ import annotations

import argparse
from typing import Any

from desktop.cli.arguments import record_id
from desktop.cli.output import emit
from desktop.cli.registry import command
from desktop.i18n import _
from desktop.models.catalog import routing
from desktop.models.catalog.routing import RuleFields, describe_rule, route, rule_fields
from desktop.models.requests.intake import service_type_by_code
from desktop.models.storage.db import OpenedDatabase
from desktop.models.storage.schema import RoutingRule, StaffUser
from desktop.models.town.addresses import normalize_address

#: the options that set a rule's fields (RuleFields name: option name)
_OPTIONS = {
    "service_type": "--type",
    "street": "--street",
    "zip": "--zip",
    "words": "--words",
    "department": "--department",
    "assignee": "--assignee",
    "priority": "--priority",
}


def add_parsers(commands: Any, common: argparse.ArgumentParser) -> None:
    routing = commands.add_parser("routing", help=_("the ordered rules that route requests"))
    actions = routing.add_subparsers(dest="action", metavar="ACTION", required=True)

    actions.add_parser("list", parents=[common], help=_("every rule, in the order tried"))

    def rule_options(parser: argparse.ArgumentParser, *, adding: bool) -> None:
        empty = "" if adding else None
        parser.add_argument("--type", default=empty, metavar="CODE", help=_("a request type"))
        parser.add_argument("--street", default=empty, help=_("a street name, e.g. Elm Street"))
        parser.add_argument("--zip", default=empty, help=_("a ZIP code"))
        parser.add_argument(
            "--words", default=empty, help=_("comma-separated words to find in the description")
        )
        parser.add_argument(
            "--department", default=empty, metavar="CODE", help=_("send to this department")
        )
        parser.add_argument(
            "--assignee", default=empty, metavar="USERNAME", help=_("assign to this person")
        )
        parser.add_argument("--priority", default=empty, help=_("low, normal, high or urgent"))

    add = actions.add_parser("add", parents=[common], help=_("add a rule (last unless --position)"))
    add.add_argument("name", help=_("what the rule is for, in a few words"))
    rule_options(add, adding=True)
    add.add_argument("--position", type=record_id, help=_("1 is tried first"))
    add.add_argument("--inactive", action="store_true", help=_("save it switched off"))

    update = actions.add_parser(
        "update", parents=[common], help=_("change a rule (an empty value clears a field)")
    )
    update.add_argument("id", type=record_id)
    update.add_argument("--name")
    rule_options(update, adding=False)
    state = update.add_mutually_exclusive_group()
    state.add_argument("--active", dest="active", action="store_true", default=None)
    state.add_argument("--inactive", dest="active", action="store_false")
    update.add_argument(
        "--version", type=record_id, help=_("the version you saw (refused if stale)")
    )

    remove = actions.add_parser("remove", parents=[common], help=_("delete a rule"))
    remove.add_argument("id", type=record_id)
    remove.add_argument(
        "--version", type=record_id, help=_("the version you saw (refused if stale)")
    )

    move = actions.add_parser("move", parents=[common], help=_("put a rule at another place"))
    move.add_argument("id", type=record_id)
    move.add_argument("position", type=record_id, help=_("1 is tried first"))
    move.add_argument("--version", type=record_id, help=_("the version you saw (refused if stale)"))

    attempt = actions.add_parser(
        "try", parents=[common], help=_("where a request would go, and which rule says so")
    )
    attempt.add_argument("type", metavar="TYPE_CODE")
    attempt.add_argument("description")
    attempt.add_argument("--address", default="")
    attempt.add_argument("--zip", default="")


def describe(rule: RoutingRule) -> dict[str, Any]:
    shown = rule_fields(rule)
    return {
        "id": rule.id,
        "position": rule.position,
        "name": rule.name,
        "active": rule.active,
        "type": shown.service_type,
        "street": shown.street,
        "zip": shown.zip,
        "words": shown.words,
        "department": shown.department,
        "assignee": shown.assignee,
        "priority": shown.priority,
        "version": rule.version,
    }


def _line(rule: RoutingRule) -> str:
    off = "" if rule.active else _(" (off)")
    return f"{rule.position:>3}. #{rule.id} {rule.name}{off}: {describe_rule(rule)}"


def routing_command(args: argparse.Namespace, opened: OpenedDatabase) -> None:
    if args.action == "try":
        _try(args)
        return
    if args.action == "list":
        rules = routing.list_rules()
        emit(
            args,
            [describe(r) for r in rules],
            "\n".join(_line(r) for r in rules)
            or _("No routing rules: every type goes to its own department."),
        )
        return
    if args.action == "add":
        values = {name: getattr(args, option[2:]) for name, option in _OPTIONS.items()}
        rule = routing.add_rule(
            RuleFields(name=args.name, active=not args.inactive, **values),
            position=args.position,
            actor=args.signed_in,
        )
        emit(args, describe(rule), _("Added rule {line}").format(line=_line(rule)))
        return
    if args.action == "update":
        changes = {
            name: getattr(args, option[2:])
            for name, option in _OPTIONS.items()
            if getattr(args, option[2:]) is not None
        }
        if args.name is not None:
            changes["name"] = args.name
        if args.active is not None:
            changes["active"] = args.active
        rule = routing.update_rule_fields(
            args.id, version=args.version, actor=args.signed_in, **changes
        )
        emit(args, describe(rule), _("Saved rule {line}").format(line=_line(rule)))
        return
    if args.action == "remove":
        rule = routing.get_rule(args.id)
        routing.remove_rule(args.id, version=args.version, actor=args.signed_in)
        emit(
            args,
            describe(rule) | {"removed": True},
            _("Removed rule #{id} “{name}”.").format(id=rule.id, name=rule.name),
        )
        return
    rules = routing.move_rule(args.id, args.position, version=args.version, actor=args.signed_in)
    emit(args, [describe(r) for r in rules], "\n".join(_line(r) for r in rules))


def _try(args: argparse.Namespace) -> None:
    service_type = service_type_by_code(args.type)
    decision = route(
        service_type, args.description, normalize_address(args.address).street, args.zip
    )
    assignee = (
        StaffUser.get_or_none(StaffUser.id == decision.assignee_id)
        if decision.assignee_id is not None
        else None
    )
    data = {
        "department": decision.department.code,
        "assignee": assignee.username if assignee is not None else None,
        "priority": decision.priority,
        "rule": describe(decision.rule) if decision.rule is not None else None,
    }
    text = _("{department}, {assignee}, priority {priority}").format(
        department=decision.department.name,
        assignee=assignee.full_name if assignee is not None else _("nobody assigned"),
        priority=decision.priority,
    )
    text += "\n" + (
        _("By rule #{id} “{name}”.").format(id=decision.rule.id, name=decision.rule.name)
        if decision.rule is not None
        else _("No rule matched: the type's own department.")
    )
    emit(args, data, text)


COMMANDS = (command("routing", routing_command, reads={"list", "try"}),)
