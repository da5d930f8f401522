"""Routing rules: a supervisor's ordered exceptions to "each type goes to its department".

A rule has conditions (a request type, a street, a ZIP code, words in the description) and
outcomes (a department, an assignee, a priority). `route` tries the active rules in position
order; the first whose every given condition matches decides, and whatever it leaves empty falls
back to the type's department, that department's default assignee and the type's priority.
Editing a rule carries the version the supervisor saw (docs/RELIABILITY.md rule 5).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from peewee import JOIN, fn

from desktop.i18n import _
from desktop.models import clock
from desktop.models.errors import ConflictError, InputError, NotFound
from desktop.models.staff import audit, permissions
from desktop.models.storage import config_cache
from desktop.models.storage.db import write
from desktop.models.storage.schema import Department, RoutingRule, ServiceType, StaffUser
from desktop.models.town.addresses import normalize_address
from desktop.models.vocab import PRIORITIES

MAX_NAME = 200
MAX_WORDS = 50  # words or phrases in one rule
MAX_WORD = 100  # characters in one of them
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_ZIP = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 -]{0,19}$")


@dataclass(frozen=True)
class RouteDecision:
    """Where a request goes: the department, who gets it, how urgent, and the rule that said so."""

    department: Department
    assignee_id: int | None
    priority: str
    rule: RoutingRule | None = None


@dataclass(frozen=True)
class RuleFields:
    """A rule as the supervisor types it: codes and names, not ids. Empty means "not used"."""

    name: str
    service_type: str = ""  # a request type's code
    street: str = ""  # as typed; stored normalized ("Elm Street" becomes "ELM ST")
    zip: str = ""
    words: str = ""  # comma-separated words or phrases
    department: str = ""  # a department's code
    assignee: str = ""  # a staff member's user name
    priority: str = ""
    active: bool = True


def _searchable(text: str) -> str:
    """NFC without invisible format characters (direction overrides, zero-width spaces)."""
    text = unicodedata.normalize("NFC", text)
    if text.isascii():
        return text
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")


def _plain(text: str) -> str:
    return " ".join(_CONTROL.sub(" ", _searchable(text)).split())


def split_words(words: str) -> list[str]:
    """The words or phrases of a rule, cleaned, without empty ones or repeats."""
    seen: dict[str, str] = {}
    for part in words.split(","):
        word = _plain(part)
        if word and word.casefold() not in seen:
            seen[word.casefold()] = word
    return list(seen.values())


@functools.lru_cache(maxsize=512)
def _words_pattern(words: str) -> re.Pattern[str] | None:
    """One pattern finding any of the words as whole words, whatever the case and spacing."""
    parts = [r"\s+".join(re.escape(piece) for piece in word.split()) for word in split_words(words)]
    if not parts:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)", re.IGNORECASE)


def words_match(words: str, description: str) -> bool:
    """Whether any of the comma-separated `words` appears as a whole word in `description`."""
    pattern = _words_pattern(words)
    return pattern is not None and pattern.search(_searchable(description)) is not None


def _zip_matches(rule_zip: str, zip_code: str) -> bool:
    wanted, given = rule_zip.strip().upper(), zip_code.strip().upper()
    return given == wanted or given.startswith(wanted + "-")


def rule_matches(
    rule: RoutingRule, service_type_id: int, description: str, street: str, zip_code: str
) -> bool:
    """Whether every condition the rule gives holds for this request."""
    if rule.service_type_id is not None and rule.service_type_id != service_type_id:
        return False
    if rule.street and rule.street != street.strip().upper():
        return False
    if rule.zip and not _zip_matches(rule.zip, zip_code):
        return False
    return not rule.words or words_match(rule.words, description)


def active_rules() -> list[RoutingRule]:
    """The active rules in the order they are tried, with their department and assignee read
    in the same query (one query however many requests are then routed with them); kept in
    memory while no rule, department or staff member changes."""

    return list(config_cache.cached("routing_rules", _read_active_rules))


def _read_active_rules() -> tuple[RoutingRule, ...]:
    query = (
        RoutingRule.select(RoutingRule, Department, StaffUser)
        .join(Department, JOIN.LEFT_OUTER, on=RoutingRule.department == Department.id)
        .switch(RoutingRule)
        .join(StaffUser, JOIN.LEFT_OUTER, on=RoutingRule.assignee == StaffUser.id)
        .where(RoutingRule.active == True)  # noqa: E712
        .order_by(RoutingRule.position, RoutingRule.id)
    )
    return tuple(query)


def route(
    service_type: ServiceType,
    description: str,
    street: str = "",
    zip_code: str = "",
    *,
    rules: Sequence[RoutingRule] | None = None,
) -> RouteDecision:
    """Where a new request goes. `street` is the normalized street (`normalize_address(...)
    .street`); pass `rules` from `active_rules()` when routing many requests at once."""
    text = _searchable(description)
    for rule in active_rules() if rules is None else rules:
        if rule.active and rule_matches(rule, service_type.id, text, street, zip_code):
            department: Department = service_type.department
            if rule.department is not None:
                department = rule.department
            assignee = rule.assignee if rule.assignee_id is not None else None
            if assignee is not None and assignee.active:
                assignee_id: int | None = assignee.id
            else:
                assignee_id = department.default_assignee_id
            return RouteDecision(
                department, assignee_id, rule.priority or service_type.priority, rule
            )
    department = service_type.department
    return RouteDecision(department, department.default_assignee_id, service_type.priority)


# -- the supervisor's list of rules -------------------------------------------------------------


def list_rules() -> list[RoutingRule]:
    """Every rule, active or not, in the order they are tried."""
    return list(RoutingRule.select().order_by(RoutingRule.position, RoutingRule.id))


def get_rule(rule_id: int) -> RoutingRule:
    rule = RoutingRule.get_or_none(RoutingRule.id == rule_id)
    if rule is None:
        raise NotFound(_("There is no routing rule number {id}.").format(id=rule_id))
    return rule


def rule_fields(rule: RoutingRule) -> RuleFields:
    """A saved rule in the form the editor shows (and `update_rule` takes back)."""
    service_type, department, assignee = rule.service_type, rule.department, rule.assignee
    return RuleFields(
        name=rule.name,
        service_type=service_type.code if service_type is not None else "",
        street=rule.street,
        zip=rule.zip,
        words=rule.words,
        department=department.code if department is not None else "",
        assignee=assignee.username if assignee is not None else "",
        priority=rule.priority,
        active=rule.active,
    )


def describe_rule(rule: RoutingRule) -> str:
    """One line a supervisor reads: "Pothole on ELM ST → Parks, priority high"."""
    fields = rule_fields(rule)
    when = []
    if fields.service_type:
        when.append(_("type {code}").format(code=fields.service_type))
    if fields.street:
        when.append(_("street {street}").format(street=fields.street))
    if fields.zip:
        when.append(_("ZIP {zip}").format(zip=fields.zip))
    if fields.words:
        when.append(_("words {words}").format(words=fields.words))
    then = []
    if fields.department:
        then.append(_("department {code}").format(code=fields.department))
    if fields.assignee:
        then.append(_("assignee {name}").format(name=fields.assignee))
    if fields.priority:
        then.append(_("priority {priority}").format(priority=fields.priority))
    return _("when {conditions} → {outcomes}").format(
        conditions=_(" and ").join(when), outcomes=", ".join(then)
    )


def check_rule(fields: RuleFields, *, current: RoutingRule | None = None) -> dict[str, Any]:
    """The column values of a rule, or InputError listing every problem in the clerk's words.

    `current` is the rule being edited: its assignee may have left since, and switching the rule
    off or changing its words must still be possible."""
    problems: list[str] = []
    values: dict[str, Any] = {"active": bool(fields.active)}
    name = _plain(fields.name)
    if not name:
        problems.append(_("Give the rule a name, e.g. “Elm Street trees to Parks”."))
    elif len(name) > MAX_NAME:
        problems.append(
            _("The rule's name is too long ({limit} characters at most).").format(limit=MAX_NAME)
        )
    values["name"] = name
    values["service_type"] = None
    if code := _plain(fields.service_type):
        found = ServiceType.get_or_none(ServiceType.code == code)
        if found is None:
            problems.append(_("There is no request type with the code “{code}”.").format(code=code))
        values["service_type"] = found
    values["street"] = ""
    if typed := _plain(fields.street):
        street = normalize_address(typed).street
        if not street or len(street) > 200:
            problems.append(_("“{street}” is not a street name.").format(street=typed[:200]))
        values["street"] = street
    zip_code = _plain(fields.zip).upper()
    if zip_code and not _ZIP.match(zip_code):
        problems.append(_("“{zip}” is not a ZIP code.").format(zip=zip_code[:40]))
    values["zip"] = zip_code
    words = split_words(fields.words)
    if len(words) > MAX_WORDS:
        problems.append(
            _("A rule looks for {limit} words or phrases at most.").format(limit=MAX_WORDS)
        )
    for word in words:
        if len(word) > MAX_WORD:
            problems.append(
                _("“{word}…” is too long to look for ({limit} characters at most).").format(
                    word=word[:40], limit=MAX_WORD
                )
            )
        elif not any(ch.isalnum() for ch in word):
            problems.append(_("“{word}” has no letters or digits to look for.").format(word=word))
    values["words"] = ", ".join(words)
    values["department"] = None
    if code := _plain(fields.department):
        department = Department.get_or_none(Department.code == code.upper())
        if department is None:
            problems.append(_("There is no department with the code “{code}”.").format(code=code))
        values["department"] = department
    values["assignee"] = None
    if username := _plain(fields.assignee):
        staff = StaffUser.get_or_none(StaffUser.username == username.lower())
        if staff is None:
            problems.append(
                _("There is no staff member with the user name “{name}”.").format(name=username)
            )
        elif not staff.active and (current is None or current.assignee_id != staff.id):
            problems.append(_("{name} no longer works here.").format(name=staff.full_name))
        values["assignee"] = staff
    priority = _plain(fields.priority).lower()
    if priority and priority not in PRIORITIES:
        problems.append(
            _("“{priority}” is not a priority: use {choices}.").format(
                priority=priority, choices=", ".join(PRIORITIES)
            )
        )
    values["priority"] = priority
    if not any((_plain(fields.service_type), _plain(fields.street), zip_code, words)):
        problems.append(
            _(
                "A rule needs at least one condition: a request type, a street, a ZIP code "
                "or words in the description. Without one it would take every request."
            )
        )
    if not any((_plain(fields.department), _plain(fields.assignee), priority)):
        problems.append(
            _(
                "A rule needs at least one outcome: a department, an assignee or a priority. "
                "Without one it would change nothing."
            )
        )
    if problems:
        raise InputError(" ".join(problems))
    return values


def add_rule(
    fields: RuleFields, *, position: int | None = None, actor: StaffUser | None
) -> RoutingRule:
    """Save a new rule, last in the list unless `position` (1 is tried first) says where."""

    permissions.require(actor, permissions.ROUTING_EDIT)
    values = check_rule(fields)

    def save() -> RoutingRule:
        now = clock.now()
        last = next_position()
        rule = RoutingRule.create(
            **values, position=last, created_at=now, updated_at=now, version=1
        )
        if position is not None and position != last:
            _reorder(rule.id, position)
        saved = get_rule(rule.id)
        audit.record("routing_rule", rule.id, "create", None, audit.snapshot(saved), actor)
        return saved

    return write(save)


def _conflict(rule: RoutingRule) -> ConflictError:
    return ConflictError(
        _(
            "Someone else changed the routing rule “{name}” since you opened it. Nothing was "
            "overwritten: look at their version and make your change again."
        ).format(name=rule.name),
        theirs=rule,
    )


def _bump(
    rule_id: int, version: int | None, changes: dict[str, Any], actor: StaffUser | None
) -> RoutingRule:
    """Apply `changes` if the rule is still at `version` (None: whatever it is now)."""

    current = get_rule(rule_id)
    expected = current.version if version is None else version
    updated = (
        RoutingRule.update(**changes, updated_at=clock.now(), version=RoutingRule.version + 1)
        .where(RoutingRule.id == rule_id, RoutingRule.version == expected)
        .execute()
    )
    if not updated:
        raise _conflict(current)
    saved = get_rule(rule_id)
    audit.record(
        "routing_rule", rule_id, "update", audit.snapshot(current), audit.snapshot(saved), actor
    )
    return saved


def update_rule(
    rule_id: int, fields: RuleFields, *, version: int | None = None, actor: StaffUser | None
) -> RoutingRule:
    """Save the supervisor's edit of a rule; a stale `version` is a ConflictError."""

    permissions.require(actor, permissions.ROUTING_EDIT)
    values = check_rule(fields, current=get_rule(rule_id))
    return write(lambda: _bump(rule_id, version, values, actor))


def update_rule_fields(
    rule_id: int, *, version: int | None = None, actor: StaffUser | None, **changes: Any
) -> RoutingRule:
    """Change only some fields of a rule (by RuleFields name), keeping the others as saved."""
    rule = get_rule(rule_id)
    if version is not None and rule.version != version:
        raise _conflict(rule)
    return update_rule(
        rule_id, replace(rule_fields(rule), **changes), version=rule.version, actor=actor
    )


def remove_rule(rule_id: int, *, version: int | None = None, actor: StaffUser | None) -> None:
    """Delete a rule; the rules after it move up one place."""

    permissions.require(actor, permissions.ROUTING_EDIT)

    def save() -> None:
        current = get_rule(rule_id)
        audit.record("routing_rule", rule_id, "delete", audit.snapshot(current), None, actor)
        expected = current.version if version is None else version
        deleted = (
            RoutingRule.delete()
            .where(RoutingRule.id == rule_id, RoutingRule.version == expected)
            .execute()
        )
        if not deleted:
            raise _conflict(current)
        _renumber([r.id for r in list_rules()])

    write(save)


def move_rule(
    rule_id: int, position: int, *, version: int | None = None, actor: StaffUser | None
) -> list[RoutingRule]:
    """Put a rule at `position` (1 is tried first; past the end means last) and return the list.

    Only the moved rule's version goes up: the others keep their conditions and outcomes, so an
    edit of one of them that is under way is still valid."""

    permissions.require(actor, permissions.ROUTING_EDIT)

    def save() -> list[RoutingRule]:
        _bump(rule_id, version, {}, actor)
        _reorder(rule_id, position)
        return list_rules()

    return write(save)


def _reorder(rule_id: int, position: int) -> None:
    ids = [r.id for r in list_rules() if r.id != rule_id]
    index = min(max(position, 1), len(ids) + 1) - 1
    ids.insert(index, rule_id)
    _renumber(ids)


def _renumber(ids: list[int]) -> None:
    """Positions 1..n in this order, touching only the rows whose position changes."""
    current = {r.id: r.position for r in RoutingRule.select(RoutingRule.id, RoutingRule.position)}
    for place, rule_id in enumerate(ids, start=1):
        if current.get(rule_id) != place:
            RoutingRule.update(position=place).where(RoutingRule.id == rule_id).execute()


def next_position() -> int:
    """Where a new rule would go: after the last one."""
    last = RoutingRule.select(fn.MAX(RoutingRule.position)).scalar()
    return int(last or 0) + 1
