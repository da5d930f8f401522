"""Requests out to a spreadsheet: any list view to CSV or Excel, and the open-data CSV.

The staff export has a column chooser: the request's own fields, its type's answers, the
department, the resolution, the due dates and whether they were met, and - for roles that may
see them - the resident's name, phone and email (a confidential reporter's stay hidden from
roles that may not see them). Exporting personal data is noted in the audit trail.

The open-data export has no personal data at all: no names, phones, emails, no descriptions
(callers' own words name people), no confidential reporters, the address generalised to
the block ("100 block of Elm St": no number the resident typed but the block's hundreds) and
the ZIP code to its five digits.

Spreadsheet programs run a cell that starts with = + - or @ as a formula: such text is written
with a leading apostrophe in CSV and as plain text in Excel.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from collections.abc import Callable, Iterator, Sequence, Set
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import peewee

from desktop.i18n import _
from desktop.models import clock
from desktop.models.errors import InputError, KnownError
from desktop.models.requests.listing import RequestFilter, RequestList
from desktop.models.staff import audit, permissions
from desktop.models.storage.db import reading, write
from desktop.models.storage.safe_files import replacing, write_whole
from desktop.models.storage.schema import (
    Contact,
    ContactMethod,
    Department,
    RequestAnswer,
    ServiceAttribute,
    ServiceRequest,
    ServiceType,
    StaffUser,
)
from desktop.models.town.addresses import DIRECTIONS, SUFFIXES, UNITS, normalize_address
from desktop.models.town.register import street_names
from desktop.models.town.settings import get_setting
from desktop.models.vocab import CHANNELS, OPEN_STATUSES, PRIORITIES, RESOLUTIONS, STATUSES

BATCH = 500
FORMATS = ("csv", "xlsx")


@dataclass(frozen=True)
class ExportColumn:
    key: str
    label: str
    personal: bool = False  # the resident's details: only for roles that may see them
    default: bool = True


def standard_columns() -> list[ExportColumn]:
    """Every column the staff export offers, besides the types' answers."""
    return [
        ExportColumn("tracking_number", _("Number")),
        ExportColumn("requested_at", _("Received")),
        ExportColumn("channel", _("Channel")),
        ExportColumn("service_type", _("Type")),
        ExportColumn("type_code", _("Type code"), default=False),
        ExportColumn("status", _("Status")),
        ExportColumn("priority", _("Priority")),
        ExportColumn("description", _("What the caller said")),
        ExportColumn("address", _("Address")),
        ExportColumn("zip", _("ZIP"), default=False),
        ExportColumn("lat", _("Latitude"), default=False),
        ExportColumn("long", _("Longitude"), default=False),
        ExportColumn("department", _("Department")),
        ExportColumn("assignee", _("Assigned to")),
        ExportColumn("respond_due_at", _("Respond by"), default=False),
        ExportColumn("acknowledged_at", _("Acknowledged"), default=False),
        ExportColumn("acknowledged_on_time", _("Acknowledged on time"), default=False),
        ExportColumn("due_at", _("Due")),
        ExportColumn("resolved_at", _("Resolved")),
        ExportColumn("resolved_on_time", _("Resolved on time")),
        ExportColumn("resolution", _("Resolution")),
        ExportColumn("closed_at", _("Closed"), default=False),
        ExportColumn("status_notes", _("Latest public update"), default=False),
        ExportColumn("contact_name", _("Resident"), personal=True, default=False),
        ExportColumn("contact_phone", _("Resident's phone"), personal=True, default=False),
        ExportColumn("contact_email", _("Resident's email"), personal=True, default=False),
    ]


def answer_columns(type_ids: Sequence[int] = ()) -> list[ExportColumn]:
    """One column per question of these types (all types when none are given)."""
    query = ServiceAttribute.select(ServiceAttribute.code, ServiceAttribute.label).where(
        ServiceAttribute.variable == True  # noqa: E712
    )
    if type_ids:
        query = query.where(ServiceAttribute.service_type.in_(list(type_ids)))
    seen: dict[str, str] = {}
    with reading():
        # the same code in several types: the first made names the column, on any database
        for code, label in _tuples(query.order_by(ServiceAttribute.code, ServiceAttribute.id)):
            seen.setdefault(code, label)
    return [
        ExportColumn(f"answer:{code}", _("Answer: {label}").format(label=label), default=False)
        for code, label in seen.items()
    ]


def available_columns(filters: RequestFilter | None = None) -> list[ExportColumn]:
    types = filters.service_type_ids if filters is not None else ()
    return standard_columns() + answer_columns(types)


def public_columns() -> list[ExportColumn]:
    """The open-data columns: nothing that names or locates a person."""
    return [
        ExportColumn("tracking_number", _("Number")),
        ExportColumn("requested_date", _("Received (date)")),
        ExportColumn("channel", _("Channel")),
        ExportColumn("service_type", _("Type")),
        ExportColumn("status", _("Status")),
        ExportColumn("department", _("Department")),
        ExportColumn("block", _("Location (block)")),
        ExportColumn("zip", _("ZIP")),
        ExportColumn("resolution", _("Resolution")),
        ExportColumn("resolved_date", _("Resolved (date)")),
        ExportColumn("resolved_on_time", _("Resolved on time")),
    ]


# -- the open-data location ---------------------------------------------------------------------
#
# What a resident typed as the place is theirs, not the town's: "Rear of 12 Elm St", "12½ Elm
# St", "Apt 4, 12-14 Elm St", or markup. The open data gets only the block ("100 block of Elm
# St") or a street named without any number; whatever cannot be read that surely is left
# out. The street is built from letters only (ordinal streets spelled out: "Fifth Ave"), so no
# digit of the address other than the block's hundreds can be published.


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_MARKUP = re.compile(r"<[^>]*>?|&#?\w*;?")
_SEGMENTS = re.compile(r"[,;:\n\r()\[\]{}|]+")
_WORDS = re.compile(r"[^\W_]+|#")
_ORDINAL = re.compile(r"^([0-9]{1,2})(ST|ND|RD|TH)$")
#: a number after one of these is a flat, not a house
_UNIT_WORDS = frozenset(
    {*UNITS, *UNITS.values(), "APT", "LOT", "BLDG", "BUILDING", "NO", "NUMBER", "SPACE", "BOX"}
)
_STREET_ENDS = frozenset({*SUFFIXES, *SUFFIXES.values()})
_DIRECTIONAL = frozenset({*DIRECTIONS, *DIRECTIONS.values()})
#: the street types that end a street named without a number: not those that are also
#: people's names ("Lois Lane", "Dan Hill")
_SURE_ENDS = frozenset(
    _words(
        "STREET ST AVENUE AVE AV ROAD RD BOULEVARD BLVD DRIVE DR LN CT PL TERRACE TER CIRCLE CIR "
        "PARKWAY PKWY HIGHWAY HWY TURNPIKE TPKE PLAZA PLZ SQ ALLEY ALY TRL EXPY"
    )
)
#: words that describe where on a street, never part of its name
_NOT_A_NAME = frozenset(
    _words(
        "OF AND AT BEHIND NEAR BY ON IN FRONT REAR BACK SIDE CORNER ACROSS FROM OPPOSITE OUTSIDE "
        "NEXT TO THE BETWEEN ALONG BESIDE PAST OFF OR MR MRS MS MISS MX SIR"
    )
)
#: the longest street name (before its suffix) taken as sure
_NAME_WORDS = 4
_ONES = _words("First Second Third Fourth Fifth Sixth Seventh Eighth Ninth")
_TEENS = _words(
    "Tenth Eleventh Twelfth Thirteenth Fourteenth Fifteenth Sixteenth Seventeenth Eighteenth "
    "Nineteenth"
)
_TENS = _words("Twenty Thirty Forty Fifty Sixty Seventy Eighty Ninety")
_TENTHS = _words("Twentieth Thirtieth Fortieth Fiftieth Sixtieth Seventieth Eightieth Ninetieth")


#: without a register, a street is published whole when this many different addresses name it
#: (a resident's own words before their street, "Smith Residence Elm St", name one address)
SHARED_BY = 3


@dataclass(frozen=True)
class Streets:
    """The streets a published place may be cut to: the register's (a street it does not know
    is not published), or without one, those the town's requests share (`shared_streets`)."""

    register: frozenset[str] = frozenset()
    shared: frozenset[str] = frozenset()


def public_streets() -> Streets:
    """The town's streets for publishing places (reads the requests when there is no
    register: call it once for a whole export, inside `reading()`)."""
    register = street_names()
    return Streets(register, frozenset() if register else shared_streets())


def shared_streets(at_least: int = SHARED_BY) -> frozenset[str]:
    """The streets (as `normalize_address` writes them) that at least `at_least` different
    addresses of the town's requests name: "ELM ST" from "40 Elm Street", "Elm St" and "12
    Smith Residence Elm St", but not "SMITH RESIDENCE ELM ST", however often it was typed."""
    addresses = {
        " ".join(str(address).upper().split())
        for (address,) in _tuples(
            ServiceRequest.select(ServiceRequest.address)
            .where(ServiceRequest.address != "")
            .distinct()
        )
    }
    counts: dict[str, int] = {}
    for address in addresses:
        for street in _streets_named(address):
            counts[street] = counts.get(street, 0) + 1
    return frozenset(street for street, n in counts.items() if n >= at_least)


def _streets_named(address: str) -> set[str]:
    """Every street `address` may be on: the street as written and each shorter one it ends
    in ("SMITH RESIDENCE ELM ST", "RESIDENCE ELM ST", "ELM ST")."""
    found: set[str] = set()

    def collect(name: list[str]) -> list[str]:
        for start in range(max(0, len(name) - 1)):
            street = normalize_address(" ".join(name[start:])).street
            if street:
                found.add(street)
        return name

    for words in _segments(address):
        _numbered_street(words, collect)
        _named_street(words, collect)
    return found


def _segments(address: str) -> list[list[str]]:
    return [_WORDS.findall(part.upper()) for part in _SEGMENTS.split(_MARKUP.sub(" ", address))]


def generalised_address(
    address: str, streets: Set[str] = frozenset(), shared: Set[str] = frozenset()
) -> str:
    """Where a request is, for open data: "100 block of Elm St" wherever the house number
    stands ("Rear of 125 Elm Street", "125½ Elm St", "Apt 4, 125-127 Elm St"); a street named
    with no number ("Elm St"); nothing when no street is sure (a place such as "Town Green" may
    as well be a person's name).

    A street named with no number may have words before it that are no part of it ("Smith
    Residence Elm St"), with a house number or not. With `streets`, the town register's
    streets as `register.street_names` gives them, it is cut to the longest street the register
    knows, and left out when the register knows none of it. Without a register, to the longest
    of the `shared` streets (those the requests of several residents name) it ends in, else to
    the one word before its type (and a directional before that): "Elm St", "N Main St", and
    "King Blvd" for "Martin Luther King Blvd", a street cut short rather than a name
    published."""

    def cut(name: list[str]) -> list[str]:
        return _cut_to_street(name, streets, shared)

    segments = _segments(address)
    for words in segments:
        found = _numbered_street(words, cut)
        if found is not None:
            house, street = found
            return _("{hundred} block of {street}").format(
                hundred=house // 100 * 100, street=street
            )
    for words in segments:
        street = _named_street(words, cut)
        if street:
            return street
    return ""


def public_zip(text: str) -> str:
    """A ZIP code's five digits (ZIP+4 can name a single building); nothing if it is not one."""
    match = re.fullmatch(r"\s*([0-9]{5})(?:\s*-\s*[0-9]{4})?\s*", text or "")
    return match.group(1) if match else ""


def _has_number(word: str) -> bool:
    return any(ch.isnumeric() for ch in word)


def _numbered_street(
    words: list[str], cut: Callable[[list[str]], list[str]]
) -> tuple[int, str] | None:
    """(house number, street) from the first number that a street follows, the words of the
    street as `cut` keeps them."""
    for at, word in enumerate(words):
        lead = re.match(r"\d+", word)  # in any script's digits
        if (
            lead is None
            or len(lead.group()) > 5  # not a house number
            or _ORDINAL.match(word)
            or (at and words[at - 1] in _UNIT_WORDS)
        ):
            continue
        after = at + 1
        while after < len(words) and _has_number(words[after]) and not _ORDINAL.match(words[after]):
            after += 1  # the rest of a range or a fraction: "12 - 14", "12 1/2"
        name: list[str] = []
        sure = False
        for following in words[after:]:
            if following in _UNIT_WORDS or (
                _has_number(following) and not _ORDINAL.match(following)
            ):
                break
            if following in _NOT_A_NAME or len(name) > _NAME_WORDS:
                name = []
                break
            name.append(following)
            if len(name) > 1 and following in _STREET_ENDS:
                sure = True
                break
        else:
            # "12 Broadway": a number that leads, then only a name to the end
            sure = at == 0 and 0 < len(name) <= _NAME_WORDS
        street = _street_words(cut(name)) if sure else ""
        if street:
            return int(lead.group()), street
    return None


def _named_street(words: list[str], cut: Callable[[list[str]], list[str]]) -> str:
    """A street named without a number ("Corner of Elm St and Oak Ave": Elm St), or nothing."""
    for at, word in enumerate(words):
        if word not in _SURE_ENDS or _a_title(words, at):
            continue
        name = [word]
        for before in reversed(words[:at]):
            if (
                before in _NOT_A_NAME
                or before in _UNIT_WORDS
                or (_has_number(before) and not _ORDINAL.match(before))
                or len(name) > _NAME_WORDS
            ):
                break
            name.insert(0, before)
        if len(name) > 1:
            street = _street_words(cut(name))
            if street:
                return street
    return ""


def _a_title(words: list[str], at: int) -> bool:
    """Whether ST or DR at `at` is Saint or Doctor ("Jane Doe St James Pl", "Visit Jones Dr
    Smith"): a name follows it, not the end, a direction, a flat or a word of place."""
    if words[at] not in ("ST", "DR") or at + 1 >= len(words):
        return False
    following = words[at + 1]
    return (
        following.isalpha()
        and following not in _NOT_A_NAME
        and following not in _UNIT_WORDS
        and following not in _DIRECTIONAL
        and following not in _SURE_ENDS
    )


def _cut_to_street(name: list[str], streets: Set[str], shared: Set[str]) -> list[str]:
    """The words of `name` (the street as written, and maybe words before it) that are the
    street itself: with the register's streets, the longest of them it ends in (none: nothing);
    without, the longest shared street it ends in, else the type and the word before it (and a
    directional before that)."""
    for known in (streets, shared):
        if known:
            for start in range(len(name)):  # the longest first
                if normalize_address(" ".join(name[start:])).street in known:
                    return name[start:]
    if streets:
        return []
    keep = 2 if len(name) > 2 and name[-3] in _DIRECTIONAL else 1
    return name[-1 - keep :]


def _street_words(words: list[str]) -> str:
    """The street in the usual form ("Elm St", "Fifth Ave"): letters only, or nothing."""
    out = []
    for word in normalize_address(" ".join(words)).street.split():
        ordinal = _ORDINAL.match(word)
        if ordinal:
            word = _ordinal_word(int(ordinal.group(1)))
        word = word if "-" in word else word.capitalize()
        if not word or not all(ch.isalpha() or ch == "-" for ch in word):
            return ""
        out.append(word)
    return " ".join(out)


def _ordinal_word(n: int) -> str:
    """21 -> "Twenty-First" (street names are spelled out: no number leaves the address)."""
    if not 0 < n < 100:
        return ""
    if n < 10:
        return _ONES[n - 1]
    if n < 20:
        return _TEENS[n - 10]
    tens, ones = divmod(n, 10)
    return _TENTHS[tens - 2] if not ones else f"{_TENS[tens - 2]}-{_ONES[ones - 1]}"


# -- reading ------------------------------------------------------------------------------------


def _tuples(query: Any) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in query.tuples()]


def _on_time(done: dt.datetime | None, due: dt.datetime | None) -> str:
    if due is None or done is None:
        return ""
    return _("yes") if done <= due else _("no")


def _when(value: dt.datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value is not None else ""


def _request_ids(filters: RequestFilter) -> Iterator[list[int]]:
    """The ids the list shows for these filters, oldest first, a batch at a time."""
    listing = RequestList(filters, sort_key="requested_at", descending=False)
    total = listing.count()
    for offset in range(0, total, BATCH):
        yield listing.page_ids(offset, BATCH)


def _values(
    ids: list[int],
    keys: Sequence[str],
    *,
    mask_confidential: bool,
    public: bool,
    places: Streets,
) -> list[list[Any]]:
    assignee = StaffUser.alias()
    rows = {
        r.id: r
        for r in ServiceRequest.select(ServiceRequest, ServiceType, Department, assignee, Contact)
        .join(ServiceType, on=ServiceRequest.service_type == ServiceType.id)
        .switch(ServiceRequest)
        .join(Department, on=ServiceRequest.department == Department.id)
        .switch(ServiceRequest)
        .join(assignee, peewee.JOIN.LEFT_OUTER, on=ServiceRequest.assignee == assignee.id)
        .switch(ServiceRequest)
        .join(Contact, peewee.JOIN.LEFT_OUTER, on=ServiceRequest.contact == Contact.id)
        .where(ServiceRequest.id.in_(ids))
    }
    answers: dict[int, dict[str, Any]] = {}
    if any(key.startswith("answer:") for key in keys):
        for request_id, code, value in _tuples(
            RequestAnswer.select(
                RequestAnswer.request, RequestAnswer.attribute_code, RequestAnswer.value
            ).where(RequestAnswer.request.in_(ids))
        ):
            answers.setdefault(request_id, {})[code] = value
    methods: dict[int, dict[str, str]] = {}
    if any(key in ("contact_phone", "contact_email") for key in keys):
        contact_ids = [r.contact_id for r in rows.values() if r.contact_id]
        for contact_id, kind, value in _tuples(
            ContactMethod.select(ContactMethod.contact, ContactMethod.kind, ContactMethod.value)
            .where(ContactMethod.contact.in_(contact_ids))
            .order_by(ContactMethod.is_primary)  # the primary one is read last and kept
        ):
            methods.setdefault(contact_id, {})[kind] = value
    out = []
    for request_id in ids:
        r = rows.get(request_id)
        if r is None:
            continue
        if public and r.confidential:
            continue  # a neighbour complaint does not go to open data at all
        hidden = mask_confidential and r.confidential
        person = r.contact if r.contact_id and not hidden else None
        found = {
            "tracking_number": r.tracking_number,
            "requested_at": _when(r.requested_at),
            "requested_date": r.requested_at.date().isoformat(),
            "channel": CHANNELS.get(r.channel, r.channel),
            "service_type": r.service_type.name,
            "type_code": r.service_type.code,
            "status": STATUSES.get(r.status, r.status),
            "priority": PRIORITIES.get(r.priority, r.priority),
            "description": r.description,
            "address": r.address,
            "block": generalised_address(r.address, places.register, places.shared),
            "zip": public_zip(r.zip) if public else r.zip,
            "lat": r.lat if r.lat is not None else "",
            "long": r.long if r.long is not None else "",
            "department": r.department.name,
            "assignee": r.assignee.full_name if r.assignee is not None else "",
            "respond_due_at": _when(r.respond_due_at),
            "acknowledged_at": _when(r.acknowledged_at),
            "acknowledged_on_time": _on_time(r.acknowledged_at, r.respond_due_at),
            "due_at": _when(r.due_at),
            "resolved_at": _when(r.resolved_at),
            "resolved_date": r.resolved_at.date().isoformat() if r.resolved_at else "",
            "resolved_on_time": _on_time(r.resolved_at, r.due_at),
            "resolution": RESOLUTIONS.get(r.resolution or "", r.resolution or ""),
            "closed_at": _when(r.closed_at),
            "status_notes": r.status_notes,
            "contact_name": (person.display_name if person is not None else "")
            if not hidden
            else _("(confidential)"),
            "contact_phone": methods.get(person.id, {}).get("phone", "") if person else "",
            "contact_email": methods.get(person.id, {}).get("email", "") if person else "",
        }
        line = []
        for key in keys:
            if key.startswith("answer:"):
                value = answers.get(request_id, {}).get(key[7:], "")
                line.append(", ".join(map(str, value)) if isinstance(value, list) else value)
            else:
                line.append(found[key])
        out.append(line)
    return out


def export_rows(
    filters: RequestFilter,
    keys: Sequence[str] | None = None,
    *,
    public: bool = False,
    actor: StaffUser | None,
) -> tuple[list[str], Iterator[list[Any]]]:
    """The header and the rows of an export (rows are read a batch at a time)."""
    permissions.require(actor, permissions.REPORTS_VIEW)
    if public:
        chosen = public_columns()
    else:
        offered = {c.key: c for c in available_columns(filters)}
        wanted = list(keys) if keys else [c.key for c in standard_columns() if c.default]
        unknown = [k for k in wanted if k not in offered and not k.startswith("answer:")]
        if unknown:
            raise InputError(
                _("There is no column {names}. The columns are: {known}.").format(
                    names=", ".join(unknown), known=", ".join(offered)
                )
            )
        chosen = [
            offered.get(k) or ExportColumn(k, _("Answer: {code}").format(code=k[7:]))
            for k in wanted
        ]
        if any(c.personal for c in chosen):
            permissions.require(actor, permissions.CONFIDENTIAL_VIEW)
    mask = not public and not permissions.may_see_confidential(actor)
    column_keys = [c.key for c in chosen]

    def rows() -> Iterator[list[Any]]:
        places: Streets | None = None
        for ids in _request_ids(filters):
            with reading():
                if places is None:
                    places = public_streets() if "block" in column_keys else Streets()
                yield from _values(
                    ids, column_keys, mask_confidential=mask, public=public, places=places
                )

    return [c.label for c in chosen], rows()


# -- writing ------------------------------------------------------------------------------------


def _safe(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula, made plain text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def write_export(
    path: Path,
    filters: RequestFilter,
    keys: Sequence[str] | None = None,
    *,
    file_format: str = "csv",
    public: bool = False,
    actor: StaffUser | None,
) -> int:
    """Write the export to `path` (a temporary file renamed into place: a failed export leaves
    no half file). Returns the number of requests written."""
    if file_format not in FORMATS:
        raise InputError(_("Export as csv or xlsx."))
    header, rows = export_rows(filters, keys, public=public, actor=actor)
    path = Path(path)
    try:
        with replacing(path, ".export-") as temporary:
            count = (_write_xlsx if file_format == "xlsx" else _write_csv)(temporary, header, rows)
    except OSError as exc:
        raise KnownError(
            _("The export could not be written to {path}: {reason}").format(
                path=path, reason=exc.strerror or exc
            )
        ) from exc
    if not public and any(
        k in ("contact_name", "contact_phone", "contact_email") for k in (keys or ())
    ):
        write(
            lambda: audit.record(
                "export",
                "",
                "export_personal",
                None,
                {"requests": count, "columns": list(keys or ()), "filters": filters.to_dict()},
                actor,
            )
        )
    return count


def _write_csv(path: Path, header: list[str], rows: Iterator[list[Any]]) -> int:
    count = 0
    with path.open("w", encoding="utf-8-sig", newline="") as out:  # the BOM: Excel reads UTF-8
        writer = csv.writer(out)
        writer.writerow(header)
        for row in rows:
            writer.writerow([_safe(v) for v in row])
            count += 1
    return count


def _write_xlsx(path: Path, header: list[str], rows: Iterator[list[Any]]) -> int:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Requests"))
    bold = Font(bold=True)
    titles = []
    for title in header:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = bold
        titles.append(cell)
    sheet.append(titles)
    count = 0
    for row in rows:
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=_clean_for_excel(value))
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula, whatever it starts with
            cells.append(cell)
        sheet.append(cells)
        count += 1
    book.save(path)
    return count


def _clean_for_excel(value: Any) -> Any:
    """Excel refuses control characters other than tab and line breaks in cells."""
    if isinstance(value, str):
        return "".join(ch for ch in value if ch >= " " or ch in "\t\n\r")
    return value


# -- open data as a Frictionless Data Package ------------------------------------------------------

#: the columns of Open311 GeoReport v2's bulk CSV, in its order
GEOREPORT_COLUMNS = (
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
)
#: each open-data column's Table Schema type (what is not named is text)
_TYPES = {
    "requested_date": "date",
    "resolved_date": "date",
    "resolved_on_time": "boolean",
    "requested_datetime": "datetime",
    "updated_datetime": "datetime",
    "expected_datetime": "datetime",
    "lat": "number",
    "long": "number",
}
#: a place published to about a kilometre: 2 decimals of a degree (1.1 km north-south)
PUBLIC_DECIMALS = 2


def utc_stamp(value: dt.datetime | None) -> str:
    """A moment as ISO 8601 in UTC ("2026-11-16T14:30:00Z"), as data packages and feeds
    write it; empty for none."""
    if value is None:
        return ""
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _georeport_rows(ids: list[int], places: Streets) -> list[list[Any]]:
    """GeoReport's bulk columns for these requests, with nothing that names or pins a person:
    no description or update in the resident's or a clerk's words, the place to the block."""
    query = (
        ServiceRequest.select(ServiceRequest, ServiceType, Department)
        .join(ServiceType, on=ServiceRequest.service_type == ServiceType.id)
        .switch(ServiceRequest)
        .join(Department, on=ServiceRequest.department == Department.id)
        .where(ServiceRequest.id.in_(ids))
    )
    found = {r.id: r for r in query}
    rows = []
    for request_id in ids:
        r = found.get(request_id)
        if r is None or r.confidential:
            continue  # a neighbour complaint does not go to open data at all
        block = generalised_address(r.address, places.register, places.shared)
        # a place is published only where its block is (a rural house is alone in a smaller
        # square), and then only to about a kilometre
        lat: float | str = ""
        long: float | str = ""
        if block and r.lat is not None and r.long is not None:
            lat, long = round(r.lat, PUBLIC_DECIMALS), round(r.long, PUBLIC_DECIMALS)
        rows.append(
            [
                r.tracking_number,
                "open" if r.status in OPEN_STATUSES else "closed",
                "",
                r.service_type.name,
                r.service_type.code,
                "",
                r.department.name,
                r.service_type.service_notice,
                utc_stamp(r.requested_at),
                utc_stamp(r.updated_at),
                utc_stamp(r.due_at),
                block,
                "",
                public_zip(r.zip),
                lat,
                long,
                "",
            ]
        )
    return rows


def _schema(keys: Sequence[str], titles: dict[str, str], primary: str) -> dict[str, Any]:
    fields = []
    for key in keys:
        field: dict[str, Any] = {"name": key, "type": _TYPES.get(key, "string")}
        if key in titles:
            field["title"] = titles[key]
        if field["type"] == "boolean":
            field["trueValues"], field["falseValues"] = ["true"], ["false"]
        fields.append(field)
    return {"fields": fields, "primaryKey": [primary], "missingValues": [""]}


def write_datapackage(folder: Path, filters: RequestFilter, *, actor: StaffUser | None) -> int:
    """The requests as open data in `folder`: requests.csv (the public columns), georeport.csv
    (Open311's bulk columns) and datapackage.json describing both (Frictionless Data), each
    file written whole or not at all. Nothing in it names or locates a person. Returns the
    number of requests."""
    permissions.require(actor, permissions.REPORTS_VIEW)
    folder = Path(folder)
    public = public_columns()
    keys = [c.key for c in public]
    yes = _("yes")
    count = 0
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with (
            replacing(folder / "requests.csv", ".export-") as ours,
            replacing(folder / "georeport.csv", ".export-") as theirs,
            ours.open("w", encoding="utf-8", newline="") as out_ours,
            theirs.open("w", encoding="utf-8", newline="") as out_theirs,
        ):
            mine, bulk = csv.writer(out_ours), csv.writer(out_theirs)
            mine.writerow(keys)
            bulk.writerow(GEOREPORT_COLUMNS)
            on_time = keys.index("resolved_on_time")
            places: Streets | None = None
            for ids in _request_ids(filters):
                with reading():
                    places = places or public_streets()
                    rows = _values(ids, keys, mask_confidential=False, public=True, places=places)
                    geo = _georeport_rows(ids, places)
                for row in rows:
                    if row[on_time] != "":
                        row[on_time] = "true" if row[on_time] == yes else "false"
                    mine.writerow([_safe(v) for v in row])
                    count += 1
                bulk.writerows([[_safe(v) for v in row] for row in geo])
        with reading():
            town = str(get_setting("town.name") or _("the town"))
        slug = re.sub(r"[^a-z0-9]+", "-", town.lower()).strip("-") or "town"
        package = {
            "profile": "tabular-data-package",
            "name": f"{slug}-service-requests",
            "title": _("Service requests of {town}").format(town=town),
            "description": _(
                "The requests residents made of {town}, without anything that names or "
                "locates a person: places to the block, no one's own words."
            ).format(town=town),
            "created": utc_stamp(clock.now()),
            "resources": [
                {
                    "name": "requests",
                    "path": "requests.csv",
                    "profile": "tabular-data-resource",
                    "format": "csv",
                    "mediatype": "text/csv",
                    "encoding": "utf-8",
                    "schema": _schema(keys, {c.key: c.label for c in public}, "tracking_number"),
                },
                {
                    "name": "georeport",
                    "path": "georeport.csv",
                    "profile": "tabular-data-resource",
                    "format": "csv",
                    "mediatype": "text/csv",
                    "encoding": "utf-8",
                    "description": _("The same requests in Open311 GeoReport v2's bulk columns."),
                    "schema": _schema(GEOREPORT_COLUMNS, {}, "service_request_id"),
                },
            ],
        }
        write_whole(
            folder / "datapackage.json",
            (json.dumps(package, indent=2, ensure_ascii=False) + "\n").encode("utf-8"),
        )
    except OSError as exc:
        raise KnownError(
            _("The open data could not be written to {path}: {reason}").format(
                path=folder, reason=exc.strerror or exc
            )
        ) from exc
    return count
