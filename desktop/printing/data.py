"""The plain data every printed document is made from.

`desktop.models.documents.gather` fills these from the database; the builders in this package
only read them. Every string here may be anything a resident or a clerk typed: the builders
escape it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

PAPER_SIZES = ("letter", "a4")


@dataclass(frozen=True)
class TownHeader:
    """Who the document comes from: the town's name, contact details and logo."""

    name: str
    address: str = ""
    phone: str = ""
    email: str = ""
    website: str = ""
    logo: bytes | None = None  # PNG or JPEG bytes


@dataclass(frozen=True)
class PageSetup:
    """The town and the paper every document of one print job shares."""

    town: TownHeader
    paper: str = "letter"  # letter | a4


@dataclass(frozen=True)
class Answer:
    """One of the request type's questions with the resident's answer."""

    label: str
    value: str


@dataclass(frozen=True)
class HistoryItem:
    """One line of a request's history, as a crew needs it."""

    at: dt.datetime
    what: str
    who: str = ""


@dataclass(frozen=True)
class MapPoint:
    """A request on a map: where, its colour (its status's), and a number to print by it (a
    run sheet's stop) or none."""

    lat: float
    long: float
    colour: str = "#1f5fbf"
    number: int | None = None


@dataclass
class MapData:
    """A map drawn from the town's own street centerlines: no tiles, no network. `box` is
    (south, west, north, east); lines are [(lat, long), ...]; labels name streets."""

    box: tuple[float, float, float, float]
    lines: list[list[tuple[float, float]]] = field(default_factory=list)
    points: list[MapPoint] = field(default_factory=list)
    labels: list[tuple[str, float, float]] = field(default_factory=list)
    #: a spot to mark (the work order's place) with a ring
    marked: tuple[float, float] | None = None
    title: str = ""
    subtitle: str = ""
    legend: list[tuple[str, str]] = field(default_factory=list)  # (colour, label)
    #: the depot a run starts from
    depot: tuple[float, float] | None = None
    #: the request each point is, in the same order (the window opens one clicked on)
    request_ids: list[int] = field(default_factory=list)


@dataclass
class WorkOrderData:
    """Everything a crew needs to find the place and do the work."""

    request_id: int
    tracking_number: str
    service_type: str
    priority: str  # a code: low | normal | high | urgent
    priority_label: str
    status_label: str
    department: str
    assignee: str
    requested_at: dt.datetime
    due_at: dt.datetime | None
    address: str
    cross_street: str = ""
    location_notes: str = ""
    lat: float | None = None
    long: float | None = None
    description: str = ""
    answers: list[Answer] = field(default_factory=list)
    safety_notice: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    history: list[HistoryItem] = field(default_factory=list)
    reprint: bool = False
    times_printed: int = 0
    # for the route order on a run sheet
    street: str = ""
    house_number: int | None = None
    #: a small map of the place, from the town's centerlines (None: the register has none)
    map: MapData | None = None


@dataclass
class RunSheetData:
    """A crew's day: the cover list in route order, then each work order.

    For a department, for an assignee (a crew lead, say), or for both: an empty name is no
    choice on that side."""

    department: str
    department_code: str
    day: dt.date
    orders: list[WorkOrderData] = field(default_factory=list)
    assignee: str = ""  # the staff member's full name
    assignee_username: str = ""
    #: where the crew sets out from (the town's depot), for the route and the overview map
    depot: tuple[float, float] | None = None
    #: the day's stops, numbered in route order (None: no centerlines or no coordinates)
    overview: MapData | None = None


@dataclass
class ReceiptData:
    """What the resident takes home: their number and what happens next."""

    tracking_number: str
    service_type: str
    description: str
    address: str
    requested_at: dt.datetime
    expected_at: dt.datetime | None
    service_notice: str = ""
    department: str = ""
    contact_name: str = ""
    reprint: bool = False
    #: where the resident follows it on the web, with its PIN (empty: no status page)
    status_line: str = ""
    #: the language it is printed in: the resident's ("" for the clerk's)
    language: str = ""


@dataclass
class LetterData:
    """A letter to a resident, already merged from its template."""

    tracking_number: str
    recipient_lines: list[str]
    date: dt.date
    subject: str
    body: str  # paragraphs separated by blank lines
    signature: str = ""
    #: the language it is written in: the resident's ("" for the clerk's)
    language: str = ""


@dataclass(frozen=True)
class FaqEntry:
    """A public article of the knowledge base."""

    title: str
    body: str
    topic: str


@dataclass
class FaqBinderData:
    """Every public article, grouped by topic, for the day the PC is down."""

    printed_on: dt.date
    articles: list[FaqEntry] = field(default_factory=list)
