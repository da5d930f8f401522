"""A request type's own questions: adding, changing, reordering and removing them.

Answers are kept by the question's code, so a code never changes. Once callers have answered a
question, what they said must still read the same on their requests: its kind of answer stays,
the choices they picked stay (they can be renamed), and it cannot be removed. Every change checks
CATALOG_EDIT, is audited, and carries the version the supervisor saw.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, fields, replace
from typing import Any

from desktop.i18n import _, ngettext
from desktop.models import clock
from desktop.models.catalog.types import (
    bump_version,
    conflict,
    get_type,
    save_versioned,
)
from desktop.models.errors import InputError, NotFound
from desktop.models.staff import audit, permissions
from desktop.models.storage.db import reading, write
from desktop.models.storage.schema import (
    RequestAnswer,
    ServiceAttribute,
    ServiceRequest,
    ServiceType,
    StaffUser,
)
from desktop.models.text_clean import clean_block, clean_line, too_long
from desktop.models.vocab import DATATYPES, LIST_DATATYPES

MAX_LABEL = 300
MAX_HELP = 1_000
MAX_CHOICES = 60
MAX_CHOICE = 200
QUESTION_CODE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
CHOICE_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
#: kinds of answer that read the same whichever of them a question has
_SAME_READING = ({"string", "text"},)


@dataclass(frozen=True)
class QuestionFields:
    """One of a type's questions as the editor shows it."""

    label: str
    datatype: str = "string"
    required: bool = False
    help: str = ""
    choices: tuple[tuple[str, str], ...] = ()  # (key, name), for the list datatypes
    variable: bool = True  # False: a line of information for the clerk, not a question


QUESTION_FIELD_NAMES = tuple(f.name for f in fields(QuestionFields))


def slug(text: str) -> str:
    """A code made from words: "Larger than a car tire" -> "larger_than_a_car_tire"."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "_", plain).strip("_")[:64]


def parse_choices(text: str) -> tuple[tuple[str, str], ...]:
    """Choices as typed, one a line (or separated by ;): "key = name", or just the name (its
    key is made from it)."""
    out = []
    for part in re.split(r"[\n;]", str(text)):
        line = clean_line(part)
        if not line:
            continue
        key, sep, name = line.partition("=")
        if sep:
            out.append((clean_line(key).lower(), clean_line(name)))
        else:
            out.append((slug(line), line))
    return tuple(out)


def format_choices(choices: tuple[tuple[str, str], ...]) -> str:
    return "\n".join(f"{key} = {name}" for key, name in choices)


def questions(type_code: str) -> list[ServiceAttribute]:
    """The type's questions in the order the Counter asks them."""
    service_type = get_type(type_code)
    with reading():
        return list(
            ServiceAttribute.select()
            .where(ServiceAttribute.service_type == service_type)
            .order_by(ServiceAttribute.sort_order, ServiceAttribute.id)
        )


def get_question(type_code: str, code: str) -> ServiceAttribute:
    service_type = get_type(type_code)
    with reading():
        found = ServiceAttribute.get_or_none(
            ServiceAttribute.service_type == service_type,
            ServiceAttribute.code == clean_line(code).lower(),
        )
    if found is None:
        raise NotFound(
            _("{type} has no question with the code “{code}”.").format(
                type=service_type.name, code=code
            )
        )
    return found


def question_fields(attribute: ServiceAttribute) -> QuestionFields:
    return QuestionFields(
        label=attribute.label,
        datatype=attribute.datatype,
        required=attribute.required,
        help=attribute.help,
        choices=tuple((str(c["key"]), str(c["name"])) for c in attribute.choices or []),
        variable=attribute.variable,
    )


def _answers(attribute: ServiceAttribute) -> Any:
    return (
        RequestAnswer.select(RequestAnswer.value)
        .join(ServiceRequest, on=RequestAnswer.request == ServiceRequest.id)
        .where(
            ServiceRequest.service_type == attribute.__data__["service_type"],
            RequestAnswer.attribute_code == attribute.code,
        )
    )


def answer_count(attribute: ServiceAttribute) -> int:
    """On how many requests the question was answered."""
    with reading():
        return int(_answers(attribute).count())


def used_choice_keys(attribute: ServiceAttribute) -> set[str]:
    """The choices callers picked on earlier requests."""
    used: set[str] = set()
    with reading():
        for (value,) in _answers(attribute).distinct().tuples():
            used.update(str(v) for v in (value if isinstance(value, list) else [value]))
    return used


def _answered_sentence(label: str, count: int) -> str:
    return ngettext(
        "“{label}” was answered on {count:,} request",
        "“{label}” was answered on {count:,} requests",
        count,
    ).format(label=label, count=count)


def check_question(
    fields: QuestionFields, *, current: ServiceAttribute | None = None
) -> dict[str, Any]:
    """The column values of a question, or InputError listing every problem."""
    problems: list[str] = []
    label = clean_line(fields.label)
    if not label:
        problems.append(_("Write the question as the clerk will ask it."))
    elif len(label) > MAX_LABEL:
        problems.append(too_long(_("The question"), MAX_LABEL))
    help_text = clean_block(fields.help)
    if len(help_text) > MAX_HELP:
        problems.append(too_long(_("The hint"), MAX_HELP))
    datatype = fields.datatype
    if datatype not in DATATYPES:
        problems.append(
            _("“{kind}” is not a kind of answer: use {choices}.").format(
                kind=clean_line(datatype)[:40], choices=", ".join(DATATYPES)
            )
        )
    choices = _check_choices(fields.choices, datatype, problems)
    if current is not None and not problems:
        problems.extend(_keeps_earlier_answers(current, datatype, choices))
    if problems:
        raise InputError(" ".join(problems))
    return {
        "label": label,
        "datatype": datatype,
        "required": bool(fields.required) and bool(fields.variable),
        "help": help_text,
        "choices": [{"key": k, "name": n} for k, n in choices],
        "variable": bool(fields.variable),
    }


def _check_choices(
    typed: tuple[tuple[str, str], ...], datatype: str, problems: list[str]
) -> list[tuple[str, str]]:
    if datatype not in LIST_DATATYPES:
        return []
    choices = [(clean_line(k).lower(), clean_line(n)) for k, n in typed]
    if not choices:
        problems.append(_("A question answered from a list needs its choices, one a line."))
    if len(choices) > MAX_CHOICES:
        problems.append(_("A question can have {most} choices at most.").format(most=MAX_CHOICES))
    seen: set[str] = set()
    for key, name in choices:
        if not name:
            problems.append(_("The choice “{key}” needs a name.").format(key=key[:40]))
        elif len(name) > MAX_CHOICE:
            problems.append(too_long(_("The choice “{name}…”").format(name=name[:30]), MAX_CHOICE))
        if not CHOICE_KEY.match(key):
            problems.append(
                _(
                    "“{key}” cannot be a choice's key: use lower-case letters, digits, - or _ "
                    "(write “key = name”, or just the name)."
                ).format(key=key[:40])
            )
        elif key in seen:
            problems.append(_("The choice key “{key}” is there twice.").format(key=key))
        seen.add(key)
    return choices


def _keeps_earlier_answers(
    current: ServiceAttribute, datatype: str, choices: list[tuple[str, str]]
) -> list[str]:
    """What the change would do to the answers already given, as problems."""
    changes_kind = datatype != current.datatype and not any(
        {datatype, current.datatype} <= same for same in _SAME_READING
    )
    old_keys = {str(c["key"]) for c in current.choices or []}
    dropped = old_keys - {key for key, _name in choices}
    if not changes_kind and not (dropped and current.datatype in LIST_DATATYPES):
        return []
    count = answer_count(current)
    if not count:
        return []
    if changes_kind:
        return [
            _(
                "{answered}, so its kind of answer stays “{kind}”: what those callers said "
                "would no longer read right. Add a new question instead."
            ).format(
                answered=_answered_sentence(current.label, count),
                kind=DATATYPES.get(current.datatype, current.datatype),
            )
        ]
    picked = used_choice_keys(current) & dropped
    names = {str(c["key"]): str(c["name"]) for c in current.choices or []}
    return [
        _(
            "The choice “{name}” was picked on earlier requests, so it stays (you can rename it)."
        ).format(name=names.get(key, key))
        for key in sorted(picked)
    ]


def check_question_code(service_type: ServiceType, code: str) -> str:
    typed = clean_line(code).lower()
    if not QUESTION_CODE.match(typed):
        raise InputError(
            _(
                "“{code}” cannot be a question's code: start with a letter and use up to 64 "
                "lower-case letters, digits or _, e.g. “how_deep”."
            ).format(code=typed[:70])
        )
    taken = ServiceAttribute.get_or_none(
        ServiceAttribute.service_type == service_type, ServiceAttribute.code == typed
    )
    if taken is not None:
        raise InputError(
            _("{type} already has a question “{code}”: “{label}”.").format(
                type=service_type.name, code=typed, label=taken.label
            )
        )
    return typed


def _record_id(service_type: ServiceType, code: str) -> str:
    return f"{service_type.code}/{code}"


def create_question_row(
    service_type: ServiceType, code: str, values: dict[str, Any], actor: StaffUser | None
) -> ServiceAttribute:
    """Insert a checked question last (inside a write transaction)."""
    stamp = clock.now()
    position = (
        ServiceAttribute.select().where(ServiceAttribute.service_type == service_type).count()
    )
    attribute = ServiceAttribute.create(
        service_type=service_type,
        code=code,
        **values,
        sort_order=position,
        created_at=stamp,
        updated_at=stamp,
    )
    audit.record(
        "service_attribute",
        _record_id(service_type, code),
        "create",
        None,
        audit.snapshot(attribute),
        actor,
    )
    return attribute


def _what(attribute: ServiceAttribute) -> str:
    return _("the question “{label}”").format(label=attribute.label)


def save_question_row(
    current: ServiceAttribute,
    values: dict[str, Any],
    version: int | None,
    actor: StaffUser | None,
) -> ServiceAttribute:
    """Write checked values over the question if it is still at `version` (inside a write)."""
    saved: ServiceAttribute = save_versioned(
        current,
        values,
        version,
        actor,
        audit_as=("service_attribute", _record_id(current.service_type, current.code)),
        what=_what(current),
    )
    return saved


def add_question(
    type_code: str,
    code: str,
    fields: QuestionFields,
    *,
    position: int | None = None,
    actor: StaffUser | None,
) -> ServiceAttribute:
    """Add a question to a type, last unless `position` (1 is asked first) says where."""
    permissions.require(actor, permissions.CATALOG_EDIT)

    def save() -> ServiceAttribute:
        service_type = get_type(type_code)
        typed = check_question_code(service_type, code)
        attribute = create_question_row(service_type, typed, check_question(fields), actor)
        if position is not None:
            place_question(service_type, attribute.id, position)
        return ServiceAttribute.get_by_id(attribute.id)

    return write(save)


def update_question(
    type_code: str,
    code: str,
    fields: QuestionFields,
    *,
    version: int | None = None,
    actor: StaffUser | None,
) -> ServiceAttribute:
    """Save the supervisor's edit of a question; a stale `version` is a ConflictError."""
    permissions.require(actor, permissions.CATALOG_EDIT)

    def save() -> ServiceAttribute:
        current = get_question(type_code, code)
        return save_question_row(current, check_question(fields, current=current), version, actor)

    return write(save)


def change_question(
    type_code: str,
    code: str,
    *,
    version: int | None = None,
    actor: StaffUser | None,
    **changes: Any,
) -> ServiceAttribute:
    """Change only some fields (by QuestionFields name), keeping the others as saved."""
    unknown = set(changes) - set(QUESTION_FIELD_NAMES)
    if unknown:
        raise KeyError(f"not fields of a question: {sorted(unknown)!r}")
    current = get_question(type_code, code)
    if version is not None and current.version != version:
        raise conflict(_what(current))
    return update_question(
        type_code,
        code,
        replace(question_fields(current), **changes),
        version=current.version,
        actor=actor,
    )


def place_question(service_type: ServiceType, attribute_id: int, position: int) -> None:
    """Put a question at `position` (1 first; past the end: last) and number them all 0..n-1,
    touching only the rows whose place changes (inside a write)."""
    query: Any = (
        ServiceAttribute.select(ServiceAttribute.id, ServiceAttribute.sort_order)
        .where(ServiceAttribute.service_type == service_type)
        .order_by(ServiceAttribute.sort_order, ServiceAttribute.id)
        .tuples()
    )
    rows: list[tuple[int, int]] = list(query)
    ids = [row_id for row_id, _order in rows if row_id != attribute_id]
    ids.insert(min(max(position, 1), len(ids) + 1) - 1, attribute_id)
    current = dict(rows)
    for place, row_id in enumerate(ids):
        if current.get(row_id) != place:
            ServiceAttribute.update(sort_order=place).where(ServiceAttribute.id == row_id).execute()


def move_question(
    type_code: str,
    code: str,
    position: int,
    *,
    version: int | None = None,
    actor: StaffUser | None,
) -> list[ServiceAttribute]:
    """Ask a question at another place (1 is asked first); returns the type's questions."""
    permissions.require(actor, permissions.CATALOG_EDIT)

    def save() -> list[ServiceAttribute]:
        current = get_question(type_code, code)
        before = current.sort_order
        bump_version(current, version, {}, _what(current))
        place_question(current.service_type, current.id, position)
        after = ServiceAttribute.get_by_id(current.id).sort_order
        audit.record(
            "service_attribute",
            _record_id(current.service_type, current.code),
            "move",
            {"position": before + 1},
            {"position": after + 1},
            actor,
        )
        return questions(type_code)

    return write(save)


def remove_question(
    type_code: str, code: str, *, version: int | None = None, actor: StaffUser | None
) -> None:
    """Remove a question nobody has answered yet. One with answers stays: removing it would
    lose what those callers said (make it optional instead)."""
    permissions.require(actor, permissions.CATALOG_EDIT)

    def save() -> None:
        current = get_question(type_code, code)
        count = answer_count(current)
        if count:
            raise InputError(
                _(
                    "{answered}, so it stays: removing it would lose what those callers said. "
                    "Untick “Required” so the clerk may skip it."
                ).format(answered=_answered_sentence(current.label, count))
            )
        service_type = current.service_type
        expected = current.version if version is None else version
        deleted = (
            ServiceAttribute.delete()
            .where(ServiceAttribute.id == current.id, ServiceAttribute.version == expected)
            .execute()
        )
        if not deleted:
            raise conflict(_what(current))
        audit.record(
            "service_attribute",
            _record_id(service_type, current.code),
            "delete",
            audit.snapshot(current),
            None,
            actor,
        )
        remaining = questions(type_code)
        if remaining:
            place_question(service_type, remaining[-1].id, len(remaining))

    write(save)
