"""Which column holds which field, recognised from the columns' names and what they hold.

Each field has the names real exports give it (NYC's and Socrata's, Los Angeles's, Boston's,
PublicStuff's, SeeClickFix's, Open311's, and a town clerk's own spreadsheet). A column whose
name fits is taken when its contents fit too: a "created" column must read as dates, a
latitude as a latitude, a "Location" holding "(42.35, -71.06)" is coordinates and one holding
words is an address. Each column serves one field; the clerk sees the result and may change
any of it (`--map FIELD=COLUMN`), and a profile keeps it for the next file.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from desktop.i18n import _
from desktop.models.imports import values
from desktop.models.imports.reading import Cell


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    #: header names, normalised (lower case, words only), best first
    names: tuple[str, ...]
    #: what the contents must be: "date", "lat", "long", "pair", "zip", "id", "" (anything)
    kind: str = ""


def fields() -> tuple[Field, ...]:
    return (
        Field(
            "id",
            _("Their request number"),
            (
                "service request id",
                "unique key",
                "case enquiry id",
                "srnumber",
                "sr number",
                "case id",
                "case number",
                "request id",
                "request number",
                "ticket id",
                "ticket number",
                "issue id",
                "id",
                "ticket",
                "number",
                "reference",
                "tracking number",
                "record id",
                "case number id",
                "servicerequestid",
                "sr id",
                "incident id",
                "work order number",
                "request no",
                "ticket no",
            ),
            "id",
        ),
        Field(
            "type",
            _("Request type"),
            (
                "complaint type",
                "request type",
                "service name",
                "type",
                "issue type",
                "problem type",
                "category",
                "service",
                "case type",
                "request category",
                "problem",
                "title",
                "summary",
                "sr type",
                "service request type",
                "service code description",
                "issue",
                "subject",
                "complaint",
            ),
        ),
        Field(
            "detail",
            _("Type detail"),
            (
                "descriptor",
                "sub type",
                "subtype",
                "subcategory",
                "reason",
                "sub category",
                "service type code description",
                "request detail",
                "detail",
                "nature",
            ),
        ),
        Field(
            "description",
            _("Description"),
            (
                "description",
                "details",
                "comments",
                "comment",
                "case title",
                "notes",
                "request description",
                "issue description",
                "what happened",
                "body",
                "request details",
                "sr description",
                "complaint details",
                "problem description",
            ),
        ),
        Field(
            "status",
            _("Status"),
            (
                "status",
                "case status",
                "request status",
                "current status",
                "state",
                "service order status",
                "sr status",
                "status description",
                "ticket status",
                "case state",
            ),
            "status",
        ),
        Field(
            "created",
            _("Created"),
            (
                "created date",
                "created",
                "open dt",
                "opened",
                "createddate",
                "requested datetime",
                "date created",
                "created at",
                "date received",
                "received",
                "reported",
                "submitted",
                "date",
                "open date",
                "date opened",
                "created on",
                "request date",
                "creation date",
                "add date",
                "adddate",
                "service order date",
                "date reported",
                "reported date",
                "opened date",
                "created datetime",
                "intake date",
                "call date",
                "date time received",
                "received date",
                "date entered",
                "entered",
            ),
            "date",
        ),
        Field(
            "created_time",
            _("Created (time of day)"),
            (
                "creation time",
                "created time",
                "time created",
                "open time",
                "time received",
                "time reported",
            ),
            "time",
        ),
        Field(
            "closed",
            _("Closed"),
            (
                "closed date",
                "closed dt",
                "closeddate",
                "date closed",
                "closed",
                "closed at",
                "resolved date",
                "completed date",
                "date completed",
                "resolved at",
                "completed",
                "close date",
                "closed on",
                "done on",
                "date done",
                "done",
                "finished",
                "finished on",
                "date finished",
                "completed on",
                "resolved on",
                "fixed on",
                "date fixed",
                "resolution date",
                "resolved",
                "closed datetime",
                "completion date",
                "date resolved",
            ),
            "date",
        ),
        Field(
            "due",
            _("Due"),
            (
                "due date",
                "target dt",
                "due",
                "expected datetime",
                "sla date",
                "target date",
                "service due date",
                "sla due date",
                "due datetime",
                "target completion date",
            ),
            "date",
        ),
        Field(
            "updated",
            _("Last changed"),
            (
                "updated datetime",
                "updated date",
                "updateddate",
                "last updated",
                "resolution action updated date",
                "updated at",
                "last modified",
                "modified",
                "updated",
                "last update date",
                "last modified date",
                "status change date",
                "last action date",
            ),
            "date",
        ),
        Field(
            "resolution",
            _("What was done"),
            (
                "resolution description",
                "closure reason",
                "resolution",
                "status notes",
                "closing comments",
                "resolution notes",
                "outcome",
            ),
        ),
        Field(
            "duplicate_of",
            _("Duplicate of (their number)"),
            (
                "duplicate of",
                "parent id",
                "parent case",
                "master id",
                "duplicate parent",
                "parent sr number",
                "parent request id",
                "parent ticket",
                "duplicate parent sr number",
                "master request",
            ),
            "ref",
        ),
        Field(
            "is_closed",
            _("Closed (yes or no)"),
            (
                "fixed",
                "is closed",
                "closed",
                "done",
                "completed",
                "complete",
                "resolved",
                "finished",
            ),
            "flag",
        ),
        Field(
            "is_duplicate",
            _("Is a duplicate (yes/no)"),
            (
                "duplicate",
                "is duplicate",
                "duplicate flag",
            ),
            "flag",
        ),
        Field(
            "address",
            _("Address"),
            (
                "incident address",
                "address",
                "street address",
                "full address",
                "location",
                "location street name",
                "site address",
                "request address",
                "address line",
                "where",
                "place",
                "sr location",
                "incident location",
                "street address of incident",
                "address of issue",
            ),
        ),
        Field(
            "house_number",
            _("House number"),
            (
                "house number",
                "street number",
                "housenumber",
            ),
        ),
        Field(
            "direction",
            _("Street direction"),
            (
                "direction",
                "street direction",
                "predir",
            ),
        ),
        Field(
            "street_name",
            _("Street name"),
            (
                "street name",
                "streetname",
                "street",
            ),
        ),
        Field(
            "street_suffix",
            _("Street type"),
            (
                "suffix",
                "street suffix",
                "street type",
            ),
        ),
        Field(
            "zip",
            _("ZIP code"),
            (
                "incident zip",
                "zip",
                "zip code",
                "zipcode",
                "location zipcode",
                "postal code",
                "postcode",
            ),
            "zip",
        ),
        Field(
            "lat",
            _("Latitude"),
            (
                "latitude",
                "lat",
                "y",
            ),
            "lat",
        ),
        Field(
            "long",
            _("Longitude"),
            (
                "longitude",
                "long",
                "lon",
                "lng",
                "x",
            ),
            "long",
        ),
        Field(
            "location",
            _("Latitude and longitude"),
            (
                "location",
                "geocoded location",
                "geolocation",
                "coordinates",
                "point",
                "geom",
                "the geom",
                "lat long",
                "latlong",
                "latitude longitude",
                "lat lon",
                "location 1",
            ),
            "pair",
        ),
        Field(
            "channel",
            _("How it came in"),
            (
                "source",
                "requestsource",
                "request source",
                "open data channel type",
                "channel",
                "method received",
                "origin",
                "intake method",
                "received via",
                "method",
                "source channel",
                "contact method",
                "intake channel",
            ),
        ),
        Field(
            "department",
            _("Department"),
            (
                "department",
                "agency",
                "agency responsible",
                "owner",
                "assigned department",
                "responsible department",
                "dept",
                "division",
                "owner department",
                "owning department",
                "responsible agency",
                "organization acronym",
                "department name",
                "agency name",
                "assigned to department",
                "work group",
            ),
        ),
        Field(
            "priority",
            _("Priority"),
            (
                "priority",
                "urgency",
            ),
        ),
        Field(
            "name",
            _("Resident's name"),
            (
                "name",
                "contact name",
                "customer name",
                "resident",
                "reporter",
                "caller",
                "citizen name",
                "requester",
                "reported by",
                "full name",
            ),
        ),
        Field(
            "first_name",
            _("Resident's first name"),
            (
                "first name",
                "firstname",
                "given name",
            ),
        ),
        Field(
            "last_name",
            _("Resident's last name"),
            (
                "last name",
                "lastname",
                "surname",
                "family name",
            ),
        ),
        Field(
            "phone",
            _("Resident's phone"),
            (
                "phone",
                "phone number",
                "telephone",
                "contact phone",
                "caller phone",
                "mobile",
            ),
            "phone",
        ),
        Field(
            "email",
            _("Resident's email"),
            (
                "email",
                "e mail",
                "email address",
                "contact email",
                "caller email",
            ),
            "email",
        ),
    )


FIELD_NAMES = tuple(f.name for f in fields())
#: fields whose name must be the column's whole name: "Agency Name" is not a resident's name,
#: "Bridge Highway Direction" not a street's direction
WHOLE_NAME_ONLY = frozenset(
    {
        "duplicate_of",
        "is_duplicate",
        "is_closed",
        "name",
        "first_name",
        "last_name",
        "phone",
        "email",
        "direction",
        "priority",
        "channel",
        "house_number",
        "street_suffix",
        "detail",
    }
)


def normal(name: str) -> str:
    """A header name as the lists above write it: "CASE_ENQUIRY_ID" is "case enquiry id"."""
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", name)  # CreatedDate, RequestType
    words = re.findall(r"[a-z0-9]+", spaced.lower())
    return " ".join(words)


def recognise(header: Sequence[str], sample: Sequence[Sequence[Cell]]) -> dict[str, str]:
    """field -> column, for the fields the file has."""
    normals = [normal(name) for name in header]
    # "CreatedDate" and "Created Date" read alike; so does "SRNumber" (one word) as written
    joined = [name.replace(" ", "") for name in normals]
    columns = {n: [row[n] if n < len(row) else None for row in sample] for n in range(len(header))}
    candidates: list[tuple[int, int, str, int]] = []  # (rank, order, field, column)
    for order, spec in enumerate(fields()):
        for rank, wanted in enumerate(spec.names):
            for n in range(len(header)):
                if normals[n] == wanted or joined[n] == wanted.replace(" ", ""):
                    score = rank * 2
                elif (
                    spec.name not in WHOLE_NAME_ONLY
                    and len(wanted) > 3
                    and _contains(normals[n], wanted)
                ):
                    score = 100 + rank * 2  # a longer name that holds it: "request type code"
                else:
                    continue
                if fits(spec.kind, columns[n], loose=score >= 100):
                    candidates.append((score, order, spec.name, n))
    candidates.sort()
    chosen: dict[str, str] = {}
    used: set[int] = set()
    for _score, _order, name, n in candidates:
        if name in chosen or n in used:
            continue
        chosen[name] = header[n]
        used.add(n)
    return chosen


def _contains(name: str, wanted: str) -> bool:
    return f" {wanted} " in f" {name} "


def fits(kind: str, cells: Sequence[Cell], *, loose: bool = False) -> bool:
    """Whether a column's sample holds what a field of this kind needs (an empty one does).
    `loose`: the column's name only holds the field's ("Street Number" holds "number")."""
    filled = [c for c in cells if not values.missing(values.text(c))]
    if not filled or not kind:
        return True
    if kind == "date":  # most of them dates (half, for a column named as one)
        reader = values.DateReader(filled)
        good = sum(1 for c in filled[:200] if reader.read(c) is not None)
        return good >= (0.8 if loose else 0.5) * min(len(filled), 200)
    if kind in ("lat", "long"):
        limit = 90 if kind == "lat" else 180
        numbers = [values.number(c) for c in filled[:200]]
        good = sum(1 for v in numbers if v is not None and abs(v) <= limit)
        return good >= 0.8 * min(len(filled), 200)
    if kind == "pair":
        good = sum(1 for c in filled[:200] if values.pair(c) is not None)
        return good >= 0.8 * min(len(filled), 200)
    if kind == "zip":
        good = sum(1 for c in filled[:200] if re.match(r"^\d{3,5}", values.text(c)))
        return good >= 0.8 * min(len(filled), 200)
    if kind == "status":  # a handful of words, not the two letters of a US state
        texts = [values.text(c) for c in filled[:500]]
        states = sum(1 for t in texts if re.fullmatch(r"[A-Z]{2}", t))
        return len(set(texts)) <= 60 and states < 0.5 * len(texts)
    if kind == "phone":
        good = sum(1 for c in filled[:200] if len(re.sub(r"\D", "", values.text(c))) >= 7)
        return good >= 0.8 * min(len(filled), 200)
    if kind == "email":
        good = sum(1 for c in filled[:200] if "@" in values.text(c))
        return good >= 0.8 * min(len(filled), 200)
    if kind == "id":  # short (and, for a column only named like one, nearly all different)
        texts = [values.text(c) for c in filled[:500]]
        varied = not loose or len(set(texts)) >= 0.9 * len(texts)
        return all(len(t) <= 60 for t in texts) and varied
    if kind == "ref":  # another request's number: short
        return all(len(values.text(c)) <= 60 for c in filled[:500])
    if kind == "time":
        good = sum(1 for c in filled[:200] if values.time_of_day(c) is not None)
        return good >= 0.8 * min(len(filled), 200)
    if kind == "flag":
        return all(values.flag(c) is not None for c in filled[:200])
    return True
