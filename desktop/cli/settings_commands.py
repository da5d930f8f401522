"""`frontcounter settings ...`: the town's shared settings, its logo and its letter templates.

The same checks as the Settings screen: `settings set town.email x` is refused in the same words.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from desktop.cli.output import emit
from desktop.cli.registry import command
from desktop.i18n import _
from desktop.models.admin import backups, readiness
from desktop.models.documents import letter_templates, responses
from desktop.models.errors import InputError, NotFound
from desktop.models.storage.db import OpenedDatabase
from desktop.models.town import settings
from desktop.models.town.settings import (
    EDITABLE,
    all_settings,
    check_logo,
    get_logo,
    setting_labels,
)


def add_parsers(commands: Any, common: argparse.ArgumentParser) -> None:
    _add_settings_parser(commands, common)
    _add_checklist_parser(commands, common)
    _add_responses_parser(commands, common)


def _add_settings_parser(commands: Any, common: argparse.ArgumentParser) -> None:
    settings = commands.add_parser("settings", help=_("the town's settings, logo and letters"))
    actions = settings.add_subparsers(dest="action", metavar="ACTION", required=True)
    actions.add_parser("show", parents=[common], help=_("every setting"))
    setting = actions.add_parser(
        "set",
        parents=[common],
        help=_("change a setting: {keys}").format(keys=", ".join(EDITABLE)),
    )
    setting.add_argument("key", metavar="KEY")
    setting.add_argument("value", nargs="+", metavar="VALUE")
    logo = actions.add_parser(
        "logo", parents=[common], help=_("the logo on printed documents (PNG or JPEG)")
    )
    which = logo.add_mutually_exclusive_group(required=True)
    which.add_argument("file", nargs="?", type=Path, metavar="FILE")
    which.add_argument("--clear", action="store_true", help=_("print without a logo"))
    actions.add_parser("letters", parents=[common], help=_("the letter templates"))
    letter = actions.add_parser(
        "letter", parents=[common], help=_("add or change a letter template")
    )
    letter.add_argument("name", metavar="NAME", help=_("one word, e.g. closure"))
    letter.add_argument("--subject", required=True)
    body = letter.add_mutually_exclusive_group(required=True)
    body.add_argument("--body", help=_("the letter's text"))
    body.add_argument(
        "--body-file", type=Path, metavar="FILE", help=_("the letter's text in a file ('-': stdin)")
    )


def _logo_facts() -> dict[str, Any] | None:
    logo = get_logo()
    if logo is None:
        return None
    try:
        kind, width, height = check_logo(logo)
    except InputError:
        return {"bytes": len(logo), "readable": False}
    return {"bytes": len(logo), "format": kind, "width": width, "height": height, "readable": True}


def _show() -> tuple[dict[str, Any], str]:
    values = all_settings()
    labels = setting_labels()
    data: dict[str, Any] = {key: values[key] for key in EDITABLE}
    logo = _logo_facts()
    data["logo"] = logo
    data["letter_templates"] = sorted(letter_templates.templates())
    lines = [f"{key:<27} {_shown(values[key])}   ({labels[key]})" for key in EDITABLE]
    if logo is None:
        lines.append(f"{'logo':<27} " + _("(none)"))
    elif logo["readable"]:
        lines.append(
            f"{'logo':<27} "
            + _("{format}, {width} × {height} pixels, {kb:,} KB").format(
                kb=(logo["bytes"] + 1023) // 1024, **logo
            )
        )
    else:
        lines.append(f"{'logo':<27} " + _("(not a readable picture: choose it again)"))
    lines.append(f"{'letter templates':<27} " + ", ".join(data["letter_templates"]))
    return data, "\n".join(lines)


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return str(value) if value not in ("", None) else _("(not set)")


def _letter_body(args: argparse.Namespace) -> str:
    if args.body is not None:
        return str(args.body)
    if str(args.body_file) == "-":
        return sys.stdin.read()
    path = args.body_file.expanduser()
    try:
        return str(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise InputError(_("There is no file at {path}.").format(path=path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(
            _("{path} could not be read as text: {reason}").format(path=path, reason=exc)
        ) from None


def settings_command(args: argparse.Namespace, opened: OpenedDatabase) -> None:
    if args.action == "show":
        emit(args, *_show())
    elif args.action == "set":
        stored = settings.update_settings({args.key: " ".join(args.value)}, actor=args.signed_in)
        value = stored[args.key]
        emit(
            args,
            {args.key: value},
            _("{label}: {value}").format(
                label=settings.setting_labels()[args.key], value=_shown(value)
            ),
        )
    elif args.action == "logo":
        if args.clear:
            settings.set_logo(None, actor=args.signed_in)
            emit(args, {"logo": None}, _("Printed documents carry no logo now."))
            return
        data = settings.read_logo_file(args.file)
        settings.set_logo(data, actor=args.signed_in)
        facts = _logo_facts()
        emit(
            args,
            {"logo": facts},
            _("The logo is saved for every workstation ({width} × {height} pixels).").format(
                **(facts or {})
            ),
        )
    elif args.action == "letters":
        templates = letter_templates.templates()
        emit(
            args,
            {"templates": templates, "placeholders": dict(letter_templates.placeholders())},
            "\n".join(f"{name:<16} {t['subject']}" for name, t in sorted(templates.items())),
        )
    else:
        letter_templates.save_template(
            args.name, args.subject, _letter_body(args), actor=args.signed_in
        )
        emit(
            args,
            {"name": args.name, "saved": True},
            _("The letter template “{name}” is saved.").format(name=args.name),
        )


def _add_checklist_parser(commands: Any, common: argparse.ArgumentParser) -> None:
    checklist = commands.add_parser(
        "checklist",
        parents=[common],
        help=_("getting the town ready: what is left to fill in before its first day"),
    )
    actions = checklist.add_subparsers(dest="action", metavar="ACTION")
    actions.add_parser("show", parents=[common], help=_("each item, done or what is left"))
    confirm = actions.add_parser(
        "confirm",
        parents=[common],
        help=_("say that office hours or the printer were checked (office_hours, printer)"),
    )
    confirm.add_argument("key", metavar="KEY", help="office_hours | printer")
    confirm.add_argument("--undo", action="store_true", help=_("take the confirmation back"))
    checklist.set_defaults(action="show")


def checklist_command(args: argparse.Namespace, opened: OpenedDatabase) -> None:
    if args.action == "confirm":
        readiness.confirm(args.key, actor=args.signed_in, undo=args.undo)
    root = backups.backup_root()
    folder = backups.folder_for(root, opened.path) if root and opened.path else None
    items = readiness.checklist(folder)
    left = readiness.items_left(items)
    lines = [
        _("Getting the town ready: {left} of {total} left.").format(left=left, total=len(items))
    ]
    for item in items:
        lines.append(("  [x] " if item.done else "  [ ] ") + item.title)
        if not item.done:
            lines.append("      " + item.left)
            lines.append("      " + item.how)
    emit(
        args,
        {"left": left, "items": [item.as_json() for item in items]},
        "\n".join(lines),
    )


def _add_responses_parser(commands: Any, common: argparse.ArgumentParser) -> None:
    saved = commands.add_parser(
        "responses", help=_("saved responses: the updates and closing notes sent again and again")
    )
    actions = saved.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", parents=[common], help=_("every saved response"))
    listing.add_argument("--type", default=None, metavar="CODE", help=_("those offered for it"))
    listing.add_argument("--kind", choices=["update", "closing"], default=None)
    setting = actions.add_parser("set", parents=[common], help=_("add or change one"))
    setting.add_argument("name", metavar="NAME")
    setting.add_argument("--kind", choices=["update", "closing"], required=True)
    setting.add_argument("--text", required=True)
    setting.add_argument(
        "--types", default="", metavar="CODE,CODE", help=_("the request types (empty: all)")
    )
    remove = actions.add_parser("remove", parents=[common], help=_("remove one"))
    remove.add_argument("name", metavar="NAME")
    fill = actions.add_parser(
        "fill", parents=[common], help=_("one response with a request's fields in it")
    )
    fill.add_argument("name", metavar="NAME")
    fill.add_argument("number", metavar="NUMBER")


def responses_command(args: argparse.Namespace, opened: OpenedDatabase) -> None:
    actor = args.signed_in
    if args.action == "set":
        types = [t.strip() for t in args.types.split(",") if t.strip()]
        made = responses.save_response(args.name, args.kind, args.text, types, actor=actor)
        emit(args, made.as_json(), _("Saved response “{name}” saved.").format(name=made.name))
        return
    if args.action == "remove":
        responses.delete_response(args.name, actor=actor)
        emit(args, {"removed": args.name}, _("Removed “{name}”.").format(name=args.name))
        return
    if args.action == "fill":
        found = {r.name: r for r in responses.saved_responses()}
        if args.name not in found:
            raise NotFound(_("There is no saved response “{name}”.").format(name=args.name))
        text = responses.fill(found[args.name], args.number)
        emit(args, {"name": args.name, "text": text}, text)
        return
    shown = responses.saved_responses(args.type, args.kind)
    lines = []
    for response in shown:
        offered_for = ", ".join(response.types) or _("every type")
        lines.append(f"{response.name} ({response.kind}; {offered_for})")
        lines.append("    " + response.text.replace("\n", "\n    "))
    emit(args, [r.as_json() for r in shown], "\n".join(lines))


COMMANDS = (
    command("settings", settings_command, reads={"show", "letters"}),
    command("checklist", checklist_command, reads={"show"}),
    command("responses", responses_command, reads={"list", "fill"}),
)
