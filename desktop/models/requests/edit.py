"""Correcting a saved request: its words, place, type, answers and confidentiality.

A mistyped address or the wrong type must not stay forever. Each correction carries the version
the clerk saw (a stale copy is a conflict, never an overwrite), is checked as strictly as at the
counter (too long is refused, not cut), writes a history line per field with the old and the new
value, and one audit record. A new type re-routes the request (its department, default assignee
and due dates from when it came in, with paused time added back) and moves what triage learned
from its words to the new type.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from desktop.i18n import N_, Labels, _
from desktop.models.catalog.routing import route
from desktop.models.errors import ConflictError, InputError
from desktop.models.knowledge.triage import learn_from_request, learned_terms
from desktop.models.requests.intake import MAX_ZIP, parse_answer, service_type_by_code
from desktop.models.requests.lifecycle import find_request, save_change
from desktop.models.staff import permissions
from desktop.models.storage.db import write
from desktop.models.storage.schema import (
    RequestAnswer,
    RequestPause,
    ServiceAttribute,
    ServiceRequest,
    ServiceType,
    StaffUser,
    TriageTerm,
    TriageTypeCount,
)
from desktop.models.text_clean import MAX_DESCRIPTION, MAX_LINE, clean_text
from desktop.models.town.addresses import normalize_address
from desktop.models.town.calendar import load_calendar
from desktop.models.vocab import DONE_STATUSES, PRIORITIES, STATUSES


class _Keep:
    """The value of a field the edit leaves as it is."""

    def __repr__(self) -> str:
        return "KEEP"


KEEP: Any = _Keep()

#: the clerk's name for each field a conflict or a history line shows
FIELD_LABELS: Labels[str] = Labels(
    {
        "description": N_("Description"),
        "address": N_("Address"),
        "location_notes": N_("Cross street / location notes"),
        "zip": N_("ZIP"),
        "coordinates": N_("Coordinates"),
        "service_type": N_("Type"),
        "answers": N_("Answers"),
        "confidential": N_("Confidential reporter"),
        "status": N_("Status"),
        "assignee": N_("Assigned to"),
        "priority": N_("Priority"),
        "resolution": N_("Resolution"),
        "paused_since": N_("Clock paused since"),
    }
)


@dataclass
class RequestEdit:
    """The details to correct; a field left at KEEP is not touched."""

    description: Any = KEEP
    address: Any = KEEP
    location_notes: Any = KEEP
    zip: Any = KEEP
    coordinates: Any = KEEP  # (lat, long) or None to clear them
    service_type: Any = KEEP  # a type code
    answers: Any = KEEP  # {code: value} for the (new) type's questions; replaces them all
    confidential: Any = KEEP
    #: what else the clerk asked for: also re-route when only the address changed
    reroute: bool = field(default=False)

    def changed_fields(self) -> list[str]:
        return [
            f.name
            for f in fields(self)
            if f.name != "reroute" and getattr(self, f.name) is not KEEP
        ]


def _text(value: Any, limit: int, label: str, *, required: bool = False) -> str:
    text = clean_text(str(value), limit + 1)
    if len(text) > limit:
        raise InputError(
            _("“{field}” is too long ({limit:,} characters at most).").format(
                field=label, limit=limit
            )
        )
    if required and not text:
        raise InputError(_("Write what the caller said: the description is empty."))
    return text


def _coordinates(value: Any) -> tuple[float | None, float | None]:
    if value is None:
        return None, None
    try:
        lat, long = (float(v) for v in value)
    except (TypeError, ValueError):
        raise InputError(_("Give the coordinates as latitude and longitude.")) from None
    if not -90 <= lat <= 90:
        raise InputError(_("The latitude must be between -90 and 90."))
    if not -180 <= long <= 180:
        raise InputError(_("The longitude must be between -180 and 180."))
    return lat, long


def _answers(kind: ServiceType, raw: dict[str, Any], *, require: bool) -> dict[str, Any]:
    questions = {a.code: a for a in kind.attributes if a.variable}
    problems = []
    answers: dict[str, Any] = {}
    for code in raw:
        if code not in questions:
            problems.append(
                _("“{code}” is not a question of {type}.").format(code=code, type=kind.name)
            )
    for code, attribute in questions.items():
        try:
            value = parse_answer(attribute, raw.get(code))
        except InputError as exc:
            problems.append(str(exc))
            continue
        if value is None and attribute.required and require:
            problems.append(
                _("Answer the required question “{label}”.").format(label=attribute.label)
            )
        elif value is not None:
            answers[code] = value
    if problems:
        raise InputError(" ".join(problems))
    return answers


def _current_answers(request_id: int) -> dict[str, Any]:
    return {
        a.attribute_code: a.value
        for a in RequestAnswer.select().where(RequestAnswer.request == request_id)
    }


def _shown(value: Any) -> str:
    if value is None or value == "":
        return _("(none)")
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return str(value)


def edit_request(
    request_id: int,
    edit: RequestEdit,
    *,
    version: int | None = None,
    actor: StaffUser | None,
) -> ServiceRequest:
    """Correct the details of a saved request; InputError (nothing saved) when one is wrong."""
    permissions.require(actor, permissions.REQUEST_CREATE)
    request = find_request(request_id)
    wanted = edit.changed_fields()
    if not wanted:
        raise InputError(_("Nothing to change: say what to correct."))
    changes: dict[str, Any] = {}
    events: list[dict[str, Any]] = []

    def note(name: str, old: Any, new: Any, body: str = "") -> None:
        events.append(
            {
                "kind": "edit",
                "old_value": None if old is None else str(old),
                "new_value": None if new is None else str(new),
                "body": body
                or _("{field}: {old} → {new}").format(
                    field=FIELD_LABELS[name], old=_shown(old), new=_shown(new)
                ),
            }
        )

    if edit.description is not KEEP:
        text = _text(edit.description, MAX_DESCRIPTION, FIELD_LABELS["description"], required=True)
        if text != request.description:
            changes["description"] = text
            note("description", request.description, text, _("Description corrected."))
    if edit.address is not KEEP:
        text = _text(edit.address, MAX_LINE, FIELD_LABELS["address"])
        if text != request.address:
            location = normalize_address(text)
            changes.update(
                address=text,
                address_normalized=location.normalized,
                street=location.street,
                house_number=location.house_number,
            )
            note("address", request.address, text)
    if edit.location_notes is not KEEP:
        text = _text(edit.location_notes, MAX_LINE, FIELD_LABELS["location_notes"])
        if text != request.location_notes:
            changes["location_notes"] = text
            note("location_notes", request.location_notes, text)
    if edit.zip is not KEEP:
        text = _text(edit.zip, MAX_ZIP, FIELD_LABELS["zip"])
        if text != request.zip:
            changes["zip"] = text
            note("zip", request.zip, text)
    if edit.coordinates is not KEEP:
        lat, long = _coordinates(edit.coordinates)
        if (lat, long) != (request.lat, request.long):
            changes.update(lat=lat, long=long)
            old = None if request.lat is None else f"{request.lat}, {request.long}"
            note("coordinates", old, None if lat is None else f"{lat}, {long}")
    if edit.confidential is not KEEP:
        wanted_flag = bool(edit.confidential) and request.contact_id is not None
        if wanted_flag != request.confidential:
            if not wanted_flag:
                # lifting it shows the reporter to every role: only those who see them may
                permissions.require(actor, permissions.CONFIDENTIAL_VIEW)
            changes["confidential"] = wanted_flag
            note("confidential", request.confidential, wanted_flag)

    kind: ServiceType = request.service_type
    new_kind = kind
    if edit.service_type is not KEEP:
        new_kind = service_type_by_code(str(edit.service_type))
        if new_kind.id != kind.id:
            if request.status in DONE_STATUSES:
                raise InputError(
                    _(
                        "A resolved request keeps its type (the numbers count it there): "
                        "reopen it first, or log a new request."
                    )
                )
            note("service_type", kind.name, new_kind.name)
    retyped = new_kind.id != kind.id
    answers_before = _current_answers(request.id)
    answers_after: dict[str, Any] | None = None
    if edit.answers is not KEEP or retyped:
        raw = dict(edit.answers) if edit.answers is not KEEP else {}
        if retyped and edit.answers is KEEP:  # keep the answers the new type also asks
            codes = {a.code for a in new_kind.attributes if a.variable}
            raw = {c: v for c, v in answers_before.items() if c in codes}
        answers_after = _answers(new_kind, raw, require=request.status not in DONE_STATUSES)
        if answers_after != answers_before:
            labels = {
                a.code: a.label
                for a in ServiceAttribute.select().where(
                    ServiceAttribute.service_type.in_([kind.id, new_kind.id])
                )
            }
            for code in sorted(set(answers_before) | set(answers_after)):
                old, new = answers_before.get(code), answers_after.get(code)
                if old != new:
                    events.append(
                        {
                            "kind": "edit",
                            "old_value": None if old is None else str(old),
                            "new_value": None if new is None else str(new),
                            "body": _("{field}: {old} → {new}").format(
                                field=labels.get(code, code), old=_shown(old), new=_shown(new)
                            ),
                        }
                    )
        else:
            answers_after = None
    if retyped or (edit.reroute and "street" in changes):
        changes.update(_rerouted(request, new_kind, changes))
        if retyped:
            changes["service_type"] = new_kind.id
    if not events and not changes:
        raise InputError(_("Nothing changed: the request already says that."))

    def save() -> ServiceRequest:
        fresh = save_change(request.id, version, changes, events, actor)
        if answers_after is not None:
            RequestAnswer.delete().where(RequestAnswer.request == request.id).execute()
            for code, value in answers_after.items():
                RequestAnswer.create(request=request.id, attribute_code=code, value=value)
        if "description" in changes or retyped:
            _relearn(kind.id, request.description, new_kind.id, fresh.description)
        return fresh

    return write(save)


def _rerouted(
    request: ServiceRequest, kind: ServiceType, changes: dict[str, Any]
) -> dict[str, Any]:
    """Department, assignee, priority and due dates as if the request had come in as it now is."""
    routed = route(
        kind,
        changes.get("description", request.description),
        changes.get("street", request.street),
        changes.get("zip", request.zip),
    )
    calendar = load_calendar()
    paused = 0.0
    for pause in RequestPause.select().where(
        RequestPause.request == request.id, RequestPause.ended_at.is_null(False)
    ):
        if pause.ended_at is not None:
            paused += calendar.business_seconds(pause.started_at, pause.ended_at)
    start: dt.datetime = request.requested_at
    out: dict[str, Any] = {"department": routed.department.id}
    if routed.department.id != request.department_id:
        out["assignee"] = routed.assignee_id
    if kind.id != request.service_type_id:
        out["priority"] = routed.priority
        due = (
            calendar.add_target(start, kind.resolve_amount, kind.resolve_unit)
            if kind.resolve_amount
            else None
        )
        out["due_at"] = calendar.add_business_seconds(due, paused) if due and paused else due
        if request.acknowledged_at is None:
            respond = (
                calendar.add_target(start, kind.respond_amount, kind.respond_unit)
                if kind.respond_amount
                else None
            )
            out["respond_due_at"] = (
                calendar.add_business_seconds(respond, paused) if respond and paused else respond
            )
    return out


def _relearn(old_type: int, old_text: str, new_type: int, new_text: str) -> None:
    """What triage learned from the old words and type, moved to the new ones."""

    terms = learned_terms(old_text)
    if terms:
        TriageTerm.update(count=TriageTerm.count - 1).where(
            TriageTerm.service_type == old_type, TriageTerm.term.in_(sorted(terms))
        ).execute()
        TriageTerm.delete().where(
            TriageTerm.service_type == old_type, TriageTerm.count <= 0
        ).execute()
    TriageTypeCount.update(requests=TriageTypeCount.requests - 1).where(
        TriageTypeCount.service_type == old_type, TriageTypeCount.requests > 0
    ).execute()
    learn_from_request(new_type, new_text)


#: what a conflict also compares between the copy the clerk saw and the newer one
_COMPARED = ("status", "assignee", "priority", "service_type", "address", "description")


def _value_of(request: ServiceRequest, name: str) -> Any:
    if name == "status":
        return STATUSES.get(request.status, request.status)
    if name == "priority":
        return PRIORITIES.get(request.priority, request.priority)
    if name == "assignee":
        return request.assignee.full_name if request.assignee is not None else None
    if name == "service_type":
        return request.service_type.name
    return getattr(request, name, None)


def conflict_lines(
    error: ConflictError, seen: ServiceRequest | None = None
) -> list[tuple[str, str, str]]:
    """A conflict side by side: (what, yours, what the newer version says). Yours is the
    change the clerk asked for; where they asked nothing of a field, it is the value in the
    copy they were looking at (`seen`), shown when the newer version differs."""
    theirs = error.theirs
    mine = error.mine if isinstance(error.mine, dict) else {}
    lines: list[tuple[str, str, str]] = []
    if not isinstance(theirs, ServiceRequest):
        return lines
    for name, value in mine.items():
        if name in ("updated_at", "version", "address_normalized", "street", "house_number"):
            continue
        label = FIELD_LABELS.get(name, name.replace("_", " ").capitalize())
        if name == "assignee":
            yours = StaffUser.get_or_none(StaffUser.id == value)
            lines.append(
                (label, _shown(yours.full_name if yours else None), _shown(_value_of(theirs, name)))
            )
        elif name == "service_type":
            kind = ServiceType.get_or_none(ServiceType.id == value)
            lines.append((label, _shown(kind.name if kind else value), _value_of(theirs, name)))
        else:
            names: Mapping[str, str] = {"status": STATUSES, "priority": PRIORITIES}.get(name, {})
            yours_text = names.get(value, value) if isinstance(value, str) else value
            lines.append((label, _shown(yours_text), _shown(_value_of(theirs, name))))
    if seen is not None:
        for name in _COMPARED:
            if name in mine:
                continue
            before, now = _value_of(seen, name), _value_of(theirs, name)
            if before != now:
                lines.append(
                    (
                        FIELD_LABELS[name],
                        _("{value} (as you saw it)").format(value=_shown(before)),
                        _shown(now),
                    )
                )
    return lines
