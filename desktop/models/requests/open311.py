"""Open311 GeoReport v2: our service types, questions and requests in the spec's shapes, and back.

Outgoing (`service_to_open311`, `service_definition_to_open311`, `request_to_open311`) gives the
JSON objects of GET services.json, GET services/{code}.json and GET requests.json; they pass the
GeoReport v2 JSON Schemas. Datetimes are ISO 8601 with the computer's own UTC offset: the database
keeps naive local wall-clock times, and a town lives in one time zone.

A request also carries one extension key, `attribute` (`ATTRIBUTE_VALUES_KEY`): the answers to the
type's questions as {attribute code: value}. The name is the one GeoReport v2 uses when a client
POSTs answers (`attribute[CODE]=value`); a value is kept as we store it (a string, a number, an ISO
datetime, or a list of keys for a multivaluelist), so nothing is flattened.

Incoming (`service_types_from_open311`) turns a town's GET services.json (and, when we have them,
its service definitions) into our catalog document, the one `catalog.validate_catalog` checks and
`catalog.import_catalog` loads. Real feeds bend the spec (keywords as a JSON list, numbers where
strings belong), so this side is lenient about those and strict about anything it cannot use: that
raises `InputError` with a sentence saying which service and what is wrong.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
import time
import unicodedata
from typing import Any

from desktop.i18n import _
from desktop.models.catalog.loading import validate_catalog
from desktop.models.errors import InputError
from desktop.models.storage import fast_sql
from desktop.models.storage.schema import (
    RequestAnswer,
    ServiceAttribute,
    ServiceRequest,
    ServiceType,
)
from desktop.models.vocab import DATATYPES, DONE_STATUSES, LIST_DATATYPES

#: the extension key of a request that holds its answers: {attribute code: value}
ATTRIBUTE_VALUES_KEY = "attribute"
#: every service we publish is handled by people as it comes in
SERVICE_TYPE = "realtime"
#: the department (code GENERAL) that takes the services a feed puts in no group
GENERAL_GROUP = "General"
#: GeoReport v2's request.json caps a description at this many characters
DESCRIPTION_MAX = 4000

# the lengths of the columns the catalog is loaded into (PostgreSQL enforces them)
_SERVICE_CODE_MAX = 64
_ATTRIBUTE_CODE_MAX = 64
_DEPARTMENT_CODE_MAX = 32
_NAME_MAX = 200

_CODE_UNSAFE = re.compile(r"[^A-Za-z0-9._:-]+")
_WORDS = re.compile(r"[A-Za-z0-9]+")
_APOSTROPHES = re.compile(r"['’`]")
_LEADING_ABBREVIATION = re.compile(r"\s*([A-Z][A-Z0-9&]{1,15})\s+[-–—:]\s+\S")
_LITTLE_WORDS = frozenset({"A", "AN", "AND", "AT", "FOR", "OF", "ON", "THE", "TO"})


# --- ours -> Open311 -------------------------------------------------------------------------


def service_to_open311(service_type: ServiceType) -> dict[str, Any]:
    """The Open311 service (one item of GET services.json) for one of our service types.

    `metadata` is true when the type has questions (GET its service definition for them);
    `keywords` is one comma-separated string, as the spec has it; `group` is the type's group.
    """
    has_questions = (
        ServiceAttribute.select().where(ServiceAttribute.service_type == service_type).exists()
    )
    return {
        "service_code": service_type.code,
        "service_name": service_type.name,
        "description": service_type.description or None,
        "metadata": bool(has_questions),
        "type": SERVICE_TYPE,
        "keywords": ", ".join(service_type.keyword_list()) or None,
        "group": service_type.group_name or None,
    }


def service_definition_to_open311(service_type: ServiceType) -> dict[str, Any]:
    """The Open311 service definition (GET services/{code}.json): the type's questions.

    `order` counts from 1 in our sort order (ties keep the order the questions were made in);
    `description` is the question as asked, `datatype_description` its help text, and `values`
    (list datatypes only) its choices.
    """
    attributes = []
    query = (
        ServiceAttribute.select()
        .where(ServiceAttribute.service_type == service_type)
        .order_by(ServiceAttribute.sort_order, ServiceAttribute.id)
    )
    for order, attribute in enumerate(query, 1):
        item: dict[str, Any] = {
            "variable": bool(attribute.variable),
            "code": attribute.code,
            "datatype": attribute.datatype,
            "required": bool(attribute.required),
            "datatype_description": attribute.help or None,
            "order": order,
            "description": attribute.label,
        }
        if attribute.datatype in LIST_DATATYPES:
            item["values"] = [
                {"key": str(choice["key"]), "name": str(choice["name"])}
                for choice in attribute.choices or []
                if isinstance(choice, dict)
            ]
        attributes.append(item)
    return {"service_code": service_type.code, "attributes": attributes}


def request_to_open311(request: ServiceRequest) -> dict[str, Any]:
    """The Open311 request (one item of GET requests.json) for one of our service requests.

    Our five open statuses are `open`, resolved and closed are `closed`. `agency_responsible` is
    the department the request is routed to, `expected_datetime` its due date. The answers to the
    type's questions are under the extension key `attribute` (see `ATTRIBUTE_VALUES_KEY`).
    A description longer than the spec allows (4000 characters) is cut there, ending in "…".
    """
    return requests_to_open311([request.id])[0]


#: a page of requests in the shape GET requests answers, the type and department joined in;
#: written once (peewee built this SQL afresh for every request a partner asked for)
_ROWS = (
    "SELECT r.id, r.tracking_number, r.status, r.status_notes, t.name, t.code, r.description,"
    " d.name, t.service_notice, r.requested_at, r.updated_at, r.due_at, r.address, r.zip,"
    " r.lat, r.long, r.priority, r.channel, r.resolution, d.code, t.group_name,"
    " r.resolved_at, r.closed_at, dup.tracking_number FROM service_request r"
    " JOIN service_type t ON t.id = r.service_type_id"
    " JOIN department d ON d.id = r.department_id"
    " LEFT JOIN service_request dup ON dup.id = r.duplicate_of_id WHERE r.id IN ({marks})"
)
_HISTORY = (
    "SELECT request_id, at, new_value FROM request_event"
    " WHERE request_id IN ({marks}) AND kind = 'status' ORDER BY request_id, at, id"
)
#: the extension key of what GeoReport v2 has no field for (asked with extensions=true)
EXTENSIONS_KEY = "extended_attributes"
_ANSWERS = (
    "SELECT request_id, attribute_code, value FROM request_answer"
    " WHERE request_id IN ({marks}) ORDER BY request_id, attribute_code"
)


def requests_to_open311(ids: list[int], *, extensions: bool = False) -> list[dict[str, Any]]:
    """`request_to_open311` of many requests, in the order of `ids`, in two queries (a page of
    a thousand requests read one by one was three thousand). `extensions`: each also carries
    `extended_attributes`, what the spec's fields lose: priority, channel, resolution (and the
    request it duplicates), department code, group, when it was resolved and closed, and its
    history of statuses."""
    if not ids:
        return []
    marks = ", ".join("?" * len(ids))
    history: dict[int, list[dict[str, Any]]] = {request_id: [] for request_id in ids}
    if extensions:
        for request_id, at, status in fast_sql.execute(_HISTORY.format(marks=marks), ids):
            history[request_id].append({"datetime": _local_iso(at), "status": status})
    answers: dict[int, dict[str, Any]] = {request_id: {} for request_id in ids}
    decoded: dict[str, Any] = {}  # the same few answers ("yes", "large") again and again
    for request_id, code, value in fast_sql.execute(_ANSWERS.format(marks=marks), ids):
        if isinstance(value, str) and value in decoded:
            answers[request_id][code] = decoded[value]
            continue
        answer = RequestAnswer.value.python_value(value)
        if isinstance(value, str) and not isinstance(answer, list | dict):
            decoded[value] = answer
        answers[request_id][code] = answer
    by_id = {}
    for row in fast_sql.execute(_ROWS.format(marks=marks), ids).fetchall():
        (request_id, number, status, notes, type_name, type_code, description, department,
         notice, requested, updated, due, address, zip_code, lat, long, priority, channel,
         resolution, department_code, group, resolved, closed, duplicate_of) = row  # fmt: skip
        description = description or ""
        if len(description) > DESCRIPTION_MAX:
            description = description[: DESCRIPTION_MAX - 1] + "…"
        by_id[request_id] = {
            "service_request_id": number,
            "status": "closed" if status in DONE_STATUSES else "open",
            "status_notes": notes or None,
            "service_name": type_name,
            "service_code": type_code,
            "description": description or None,
            "agency_responsible": department,
            "service_notice": notice or None,
            "requested_datetime": _local_iso(requested),
            "updated_datetime": _local_iso(updated),
            "expected_datetime": _local_iso(due),
            "address": address or None,
            "address_id": None,
            "zipcode": zip_code or None,
            "lat": lat,
            "long": long,
            "media_url": None,
            ATTRIBUTE_VALUES_KEY: answers[request_id],
        }
        if extensions:
            by_id[request_id][EXTENSIONS_KEY] = {
                "priority": priority,
                "channel": channel,
                "status": status,
                "resolution": resolution,
                "duplicate_of": duplicate_of,
                "department_code": department_code,
                "group": group or None,
                "resolved_datetime": _local_iso(resolved),
                "closed_datetime": _local_iso(closed),
                "history": history[request_id],
            }
    return [by_id[request_id] for request_id in ids if request_id in by_id]


def _local_iso(moment: Any) -> str | None:
    """A stored local wall-clock time as ISO 8601 with this computer's UTC offset."""
    if moment is None:
        return None
    if isinstance(moment, str):  # as SQLite keeps it: "2026-12-05 09:30:00[.ffffff]"
        moment = dt.datetime.fromisoformat(moment)
    when: dt.datetime = (
        moment if isinstance(moment, dt.datetime) else dt.datetime.combine(moment, dt.time())
    )
    # the offset is looked up once per hour of the calendar (it changes on the hour, twice a
    # year): asking the system for every moment was most of the time of a page of requests
    hour = when.replace(minute=30, second=0, microsecond=0)
    return when.isoformat() + _offset(hour, time.tzname)


@functools.lru_cache(maxsize=8192)
def _offset(hour: dt.datetime, zone: tuple[str, str]) -> str:
    """This computer's UTC offset at the wall-clock `hour` in time zone `zone` (part of the key:
    a computer whose zone changes asks again), as "+HH:MM" (or "-05:00")."""
    return hour.astimezone().isoformat()[19:]


# --- Open311 -> ours -------------------------------------------------------------------------


def service_types_from_open311(
    services: list[dict[str, Any]],
    definitions: dict[str, dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Our catalog document for an Open311 services list and, optionally, its definitions.

    `definitions` maps a service_code to its service definition. Each group becomes a department
    (its code made from the group's name: upper-case letters and digits, words joined by "_",
    at most 32 characters, unique); services in no group go to the GENERAL department.
    `keywords` may be the spec's comma-separated string or a JSON list. Service and question
    codes keep their characters when they are letters, digits or ._:- and are made unique.
    Questions come back in their `order`; an unknown datatype becomes "string", and so does a
    list datatype that offers no choices. Raises `InputError` when the input cannot be used.
    """
    if not isinstance(services, list):
        raise InputError(_("An Open311 service list must be a JSON list of services."))
    if not services:
        raise InputError(_("The Open311 service list has no services."))
    if definitions is not None and not isinstance(definitions, dict):
        raise InputError(_("Open311 service definitions must be an object keyed by service code."))
    departments: dict[str, dict[str, Any]] = {}  # by the group's name, case folded: one per group
    department_codes: set[str] = set()
    service_codes: set[str] = set()
    service_types = []
    for index, service in enumerate(services, 1):
        if not isinstance(service, dict):
            raise InputError(
                _("Open311 service {n} is not an object with a service_code and name.").format(
                    n=index
                )
            )
        where = _("Open311 service {n}").format(n=index)
        name = _line(_text(service.get("service_name"), where, "service_name"), _NAME_MAX)
        if not name:
            raise InputError(_("{where} has no service_name.").format(where=where))
        where = _("Open311 service {n} ({name})").format(n=index, name=name)
        raw_code = _text(service.get("service_code"), where, "service_code")
        code = _unique(_service_code(raw_code, name), service_codes, _SERVICE_CODE_MAX, "-")
        group = _line(_text(service.get("group"), where, "group"), _NAME_MAX)
        department_name = group or GENERAL_GROUP
        department = departments.get(department_name.casefold())
        if department is None:
            department_code = _department_code(department_name)
            department = {
                "code": _unique(department_code, department_codes, _DEPARTMENT_CODE_MAX, "_"),
                "name": department_name,
                "description": "",
            }
            departments[department_name.casefold()] = department
        definition = None
        if definitions is not None and raw_code is not None:
            definition = definitions.get(raw_code)
        service_types.append(
            {
                "code": code,
                "name": name,
                "group": group,
                "department": department["code"],
                "description": (
                    _text(service.get("description"), where, "description") or ""
                ).strip(),
                "keywords": _keywords(service.get("keywords"), where),
                "priority": "normal",
                "service_notice": "",
                "safety_notice": "",
                "attributes": _attributes(definition, where),
            }
        )
    catalog = {"departments": list(departments.values()), "service_types": service_types}
    problems = validate_catalog(catalog)
    if problems:  # pragma: no cover - the mapping above only builds valid catalogs
        raise InputError(
            _("The Open311 services cannot be used: {problems}").format(problems=" ".join(problems))
        )
    return catalog


def _text(value: Any, where: str, field: str) -> str | None:
    """A text field of a feed: None when absent, numbers as text (feeds send 001 for "001")."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise InputError(
            _("{where}: {field} must be text, not {kind}.").format(
                where=where, field=field, kind=_kind(value)
            )
        )
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    try:
        text = str(value)
    except ValueError as exc:  # an integer too long to write out
        raise InputError(
            _("{where}: {field} is a number too long to use.").format(where=where, field=field)
        ) from exc
    text = text.encode("utf-8", "replace").decode("utf-8")  # lone surrogates become "?"
    return text.replace("\x00", "")  # PostgreSQL text cannot hold NUL


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return _("true or false")
    if isinstance(value, list):
        return _("a list")
    if isinstance(value, dict):
        return _("an object")
    return _("a value of another kind")


def _line(text: str | None, limit: int) -> str:
    """One line of text: runs of white space become one space, cut to `limit` characters."""
    return " ".join((text or "").split())[:limit].strip()


def _unique(base: str, taken: set[str], limit: int, separator: str) -> str:
    candidate = base[:limit]
    number = 2
    while candidate in taken:
        suffix = f"{separator}{number}"
        candidate = base[: limit - len(suffix)] + suffix
        number += 1
    taken.add(candidate)
    return candidate


def _safe_code(raw: str | None, limit: int) -> str:
    """A feed's code with anything but letters, digits and ._:- replaced; "" if nothing is left."""
    code = _CODE_UNSAFE.sub("_", (raw or "").strip())[:limit]
    return code if any(ch.isalnum() for ch in code) else ""


def _ascii_words(text: str) -> list[str]:
    plain = unicodedata.normalize("NFKD", _APOSTROPHES.sub("", text))
    return _WORDS.findall(plain.encode("ascii", "ignore").decode("ascii"))


def _service_code(raw: str | None, name: str) -> str:
    return (
        _safe_code(raw, _SERVICE_CODE_MAX)
        or "_".join(_ascii_words(name)).lower()[:_SERVICE_CODE_MAX]
        or "service"
    )


def _department_code(group: str) -> str:
    """A department code from a group's name: upper-case words joined by "_", at most 32 long.

    A name that leads with its own abbreviation ("CDOT - Department of Transportation") gives
    the abbreviation; a long one first loses its little words, then is cut at a word's end.
    """
    lead = _LEADING_ABBREVIATION.match(group)
    words = [w.upper() for w in _ascii_words(lead.group(1) if lead else group)]
    code = "_".join(words)
    if len(code) > _DEPARTMENT_CODE_MAX:
        code = "_".join(w for w in words if w not in _LITTLE_WORDS) or code
    if len(code) > _DEPARTMENT_CODE_MAX:
        cut = code.rfind("_", 0, _DEPARTMENT_CODE_MAX + 1)
        code = code[:cut] if cut > 0 else code[:_DEPARTMENT_CODE_MAX]
    return code or "DEPT"


def _keywords(value: Any, where: str) -> list[str]:
    """The spec's "a, b, c" or a JSON list of words (Schenectady, Chicago), as a list."""
    if value is None:
        return []
    if isinstance(value, list):
        parts = [_text(item, where, "keywords") or "" for item in value]
    else:
        parts = [_text(value, where, "keywords") or ""]
    words: list[str] = []
    for part in parts:
        for word in part.split(","):  # we keep keywords comma-separated, so a comma splits
            word = _line(word, 200)
            if word and word not in words:
                words.append(word)
    return words


def _flag(value: Any, default: bool, where: str, field: str) -> bool:
    """A boolean of a feed; "true"/"false" and 1/0 (from XML or forms) are accepted too."""
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0"):
        return value.strip().lower() in ("true", "1")
    raise InputError(_("{where}: {field} must be true or false.").format(where=where, field=field))


def _order(value: Any) -> float | None:
    """A question's `order` as a number to sort by, or None when it has none we can use."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value):
        return value
    if isinstance(value, str) and value.strip().isdecimal() and len(value.strip()) <= 18:
        return int(value.strip())
    return None


def _attributes(definition: Any, where: str) -> list[dict[str, Any]]:
    """Our questions from an Open311 service definition (None: the service has none)."""
    if definition is None:
        return []
    if not isinstance(definition, dict):
        raise InputError(
            _("{where}: its service definition must be an object.").format(where=where)
        )
    attributes = definition.get("attributes")
    if attributes is None:
        return []
    if not isinstance(attributes, list):
        raise InputError(
            _("{where}: the attributes of its service definition must be a list.").format(
                where=where
            )
        )
    ranked = []
    for position, attribute in enumerate(attributes, 1):
        at = _("{where}, attribute {n}").format(where=where, n=position)
        if not isinstance(attribute, dict):
            raise InputError(_("{where} is not an object.").format(where=at))
        order = _order(attribute.get("order"))
        ranked.append(((order is None, order or 0.0, position), attribute, at))
    ranked.sort(key=lambda item: item[0])
    codes: set[str] = set()
    result = []
    for _rank, attribute, at in ranked:
        raw_code = _text(attribute.get("code"), at, "code")
        label = (_text(attribute.get("description"), at, "description") or "").strip()
        label = label or _line(raw_code, 200)
        if not label:
            raise InputError(_("{where} has neither a code nor a description.").format(where=at))
        code = _safe_code(raw_code, _ATTRIBUTE_CODE_MAX) or (
            "_".join(_ascii_words(label)).lower()[:_ATTRIBUTE_CODE_MAX] or "question"
        )
        code = _unique(code, codes, _ATTRIBUTE_CODE_MAX, "_")
        datatype = (_text(attribute.get("datatype"), at, "datatype") or "").strip().lower()
        if datatype not in DATATYPES:
            datatype = "string"
        choices = _choices(attribute.get("values"), at)
        if datatype in LIST_DATATYPES and not choices:
            datatype = "string"  # nothing to pick from: the clerk types the answer
        result.append(
            {
                "code": code,
                "label": label,
                "datatype": datatype,
                "required": _flag(attribute.get("required"), False, at, "required"),
                "variable": _flag(attribute.get("variable"), True, at, "variable"),
                "help": (
                    _text(attribute.get("datatype_description"), at, "datatype_description") or ""
                ).strip(),
                "choices": choices if datatype in LIST_DATATYPES else [],
            }
        )
    return result


def _choices(values: Any, where: str) -> list[dict[str, str]]:
    """The {key, name} choices of a list question; a missing key or name borrows the other."""
    if values is None:
        return []
    if not isinstance(values, list):
        raise InputError(_("{where}: values must be a list.").format(where=where))
    choices: list[dict[str, str]] = []
    keys: set[str] = set()
    for value in values:
        if not isinstance(value, dict):
            raise InputError(_("{where}: each value must be an object.").format(where=where))
        key = (_text(value.get("key"), where, "values key") or "").strip()
        name = _line(_text(value.get("name"), where, "values name"), 500)
        key = key or name
        if not key or key in keys:  # an empty choice, or the same key twice: keep the first
            continue
        keys.add(key)
        choices.append({"key": key, "name": name or _line(key, 500)})
    return choices
