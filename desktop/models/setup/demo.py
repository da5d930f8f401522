"""Demo data: a made-up town's two years of requests (or as many as asked), for training and
for benchmarks.

Types are weighted like real 311 data with seasons (snow in winter, grass in summer); contacts call
again and again; some addresses are problem spots; a few requests are duplicates; older requests are
closed at times that look real against each type's target. The same seed gives the same town.
A million requests are written in well under two minutes: rows go to the driver in large batches.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import logging
import math
import random
from bisect import bisect
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import peewee

from desktop.models import clock
from desktop.models.knowledge.triage import learned_terms, relearn_all, replace_learned
from desktop.models.requests import search as request_search
from desktop.models.requests.tracking import DEFAULT_DIGITS, format_tracking
from desktop.models.residents.contacts_text import format_phone
from desktop.models.staff.members import create_staff, username_from_name
from desktop.models.storage import rollups, sessions
from desktop.models.storage.db import current, execute, reset_sequences, write
from desktop.models.storage.schema import (
    Contact,
    ContactMethod,
    FaqArticle,
    InfoContact,
    RequestAnswer,
    RequestEvent,
    ServiceAttribute,
    ServiceRequest,
    ServiceType,
    StaffUser,
    TrackingCounter,
)
from desktop.models.town.addresses import normalize_address
from desktop.models.town.business_calendar import BusinessCalendar
from desktop.models.town.calendar import (
    add_federal_holidays,
    keep_holidays_filled,
    load_calendar,
)
from desktop.models.town.settings import get_setting
from desktop.resources import load_json

log = logging.getLogger("frontcounter.demo")

BATCH = 20_000
BULK_LOAD_ROWS = 50_000
BULK_MODELS: tuple[type[peewee.Model], ...] = (
    Contact,
    ContactMethod,
    ServiceRequest,
    RequestEvent,
    RequestAnswer,
    InfoContact,
)
CHANNELS = (
    ("phone", 44),
    ("walk_in", 14),
    ("email", 12),
    ("web", 20),
    ("letter", 2),
    ("field", 5),
    ("internal", 3),
)
#: the share of demo questions answered from a knowledge-base article (the rest by topic)
ANSWERED_FROM_ARTICLES = 0.8
QUESTION_TOPICS = (
    "Trash pickup day",
    "Recycling rules",
    "Bulk pickup schedule",
    "Transfer station hours",
    "Water bill payment",
    "Property tax due date",
    "Dog licence",
    "Building permit",
    "Fence permit",
    "Yard sale permit",
    "Burning rules",
    "Snow emergency parking",
    "Parking ticket",
    "Town hall hours",
    "Meeting agenda",
    "Voter registration",
    "Birth certificate",
    "Pavilion rental",
    "Recreation programs",
    "Noise ordinance",
    "Public records request",
    "Job openings",
    "Senior services",
    "Power outage (utility)",
)
DEMO_STAFF = (
    ("clerk", 4),
    ("crew_lead", 3),
    ("supervisor", 1),
)
DESCRIPTIONS = (
    "{kw} at {addr}.",
    "Caller reports {kw} near {addr}.",
    "{kw} in front of {addr}, been like this for a week.",
    "Resident says there is {kw} by {addr}. Please send someone.",
    "{kw} - {addr}. Second time reporting.",
    "Walked by {addr} this morning: {kw}.",
)


@dataclass
class _Type:
    id: int
    code: str
    department_id: int
    priority: str
    respond: tuple[int, str] | None
    resolve: tuple[int, str] | None
    keywords: list[str]
    attributes: list[tuple[str, str, list[str]]]  # code, datatype, choice keys


def _types() -> dict[str, _Type]:
    result = {}
    for st in ServiceType.select().where(ServiceType.active == True):  # noqa: E712
        attributes = [
            (a.code, a.datatype, [c["key"] for c in a.choices or []])
            for a in st.attributes.order_by(ServiceAttribute.sort_order)
        ]
        result[st.code] = _Type(
            st.id,
            st.code,
            st.department_id,
            st.priority,
            (st.respond_amount, st.respond_unit) if st.respond_amount else None,
            (st.resolve_amount, st.resolve_unit) if st.resolve_amount else None,
            st.keyword_list() or [st.name.lower()],
            attributes,
        )
    return result


class _Writer:
    """Collects rows per table and sends them to the driver with executemany in batches."""

    def __init__(self, db: peewee.Database) -> None:
        self.db = db
        self.rows: dict[type[peewee.Model], list[tuple[Any, ...]]] = {}
        self.columns: dict[type[peewee.Model], tuple[str, ...]] = {}

    def add(self, model: type[peewee.Model], row: dict[str, Any]) -> None:
        if model not in self.columns:
            self.columns[model] = tuple(row)
        self.rows.setdefault(model, []).append(tuple(row.values()))
        if len(self.rows[model]) >= BATCH:
            self.flush()

    def flush(self) -> None:
        """Write every pending row, parents before children (tables in the order first seen)."""
        pending = [(model, self.rows.pop(model, [])) for model in self.columns]

        def insert_all() -> None:
            for model, rows in pending:
                if rows:
                    self._insert(model, rows)

        write(insert_all)
        sessions.keep_alive()  # a million requests take minutes: others still see this job

    def _insert(self, model: type[peewee.Model], rows: list[tuple[Any, ...]]) -> None:
        fields = [model._meta.fields[name] for name in self.columns[model]]
        open_quote, close_quote = self.db.quote[0], self.db.quote[-1]

        def quote(name: str) -> str:
            return f"{open_quote}{name}{close_quote}"

        sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 - names from the models
            quote(model._meta.table_name),
            ", ".join(quote(f.column_name) for f in fields),
            ", ".join([self.db.param] * len(fields)),
        )
        self.db.cursor().executemany(sql, rows)  # type: ignore[no-untyped-call]


def _stamp(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.isoformat(sep=" ")


def _shares(items: Sequence[tuple[Any, float]]) -> tuple[list[Any], list[float]]:
    """A weighted list as its values and their running shares (for `_draw`)."""
    return [item for item, _ in items], list(itertools.accumulate(w for _, w in items))


def _draw(rng: random.Random, values: list[Any], running: list[float]) -> Any:
    return values[min(bisect(running, rng.random() * running[-1]), len(values) - 1)]


def _weighted(rng: random.Random, items: Sequence[tuple[Any, float]]) -> Callable[[], Any]:
    """A fast chooser for a fixed weighted list."""
    values, running = _shares(items)
    return lambda: _draw(rng, values, running)


def _month_starts(
    start: dt.datetime, end: dt.datetime
) -> Iterator[tuple[dt.datetime, dt.datetime]]:
    cursor = start
    while cursor < end:
        nxt = (cursor.replace(day=1) + dt.timedelta(days=32)).replace(
            day=1, hour=0, minute=0, second=0
        )
        yield cursor, min(nxt, end)
        cursor = nxt


def _request_times(
    rng: random.Random,
    n: int,
    start: dt.datetime,
    end: dt.datetime,
    types: dict[str, _Type],
    town: dict[str, Any],
) -> list[tuple[dt.datetime, str]]:
    """When each request came in and of which type, with each type's seasons."""
    weights = town["type_weights"]
    months = list(_month_starts(start, end))
    # volume grows a little over the two years as more residents learn of the service
    span = (end - start).total_seconds()
    sizes = []
    for a, b in months:
        share = (b - a).total_seconds() / span
        growth = 0.85 + 0.3 * ((a - start).total_seconds() / span)
        season = sum(
            weights[c]["weight"] * weights[c]["months"][a.month - 1] for c in types if c in weights
        )
        sizes.append(share * growth * season)
    total = sum(sizes)
    counts = [int(n * size / total) for size in sizes]
    counts[-1] += n - sum(counts)
    result: list[tuple[dt.datetime, str]] = []
    for (a, b), count in zip(months, counts, strict=True):
        pool = [
            (c, weights[c]["weight"] * weights[c]["months"][a.month - 1])
            for c in types
            if c in weights
        ]
        pool = [(c, w) for c, w in pool if w > 0] or [(next(iter(types)), 1.0)]
        codes = rng.choices([c for c, _ in pool], [w for _, w in pool], k=count)
        seconds = (b - a).total_seconds()
        for code in codes:
            moment = a + dt.timedelta(seconds=rng.random() * seconds)
            # most contacts come in during office hours on weekdays
            if rng.random() < 0.8:
                moment = moment.replace(
                    hour=rng.choice((8, 9, 9, 10, 10, 11, 12, 13, 14, 14, 15, 16))
                )
                if moment.weekday() >= 5:
                    moment -= dt.timedelta(days=moment.weekday() - 4)
                    if moment < a:
                        moment += dt.timedelta(days=3)
            while moment > end:  # the office-hours shift can pass "now" on the last day
                moment -= dt.timedelta(days=1)
            result.append((moment.replace(microsecond=0), code))
    result.sort()
    return result


def _answer(rng: random.Random, datatype: str, keys: list[str], moment: dt.datetime) -> Any:
    if datatype == "singlevaluelist" and keys:
        return rng.choice(keys)
    if datatype == "multivaluelist" and keys:
        return sorted(rng.sample(keys, rng.randint(1, min(2, len(keys)))))
    if datatype == "number":
        return rng.randint(1, 5)
    if datatype == "datetime":
        return (moment - dt.timedelta(hours=rng.randint(1, 48))).isoformat(sep=" ")
    return rng.choice(("yes", "not sure", "see description"))


def generate_demo(
    n: int,
    *,
    seed: int = 311,
    end: dt.datetime | None = None,
    years: float = 2.0,
    actor: StaffUser | None,
) -> dict[str, int]:
    """Add `n` demo requests (and their contacts, history and questions) to the open database;
    demo staff, when the town has too few, are added by `actor`."""
    rng = random.Random(seed)
    town = load_json("demo", "town.json")
    end = end or clock.now()
    start = end - dt.timedelta(days=round(365.25 * years))
    db = current()
    keep_holidays_filled(end.date())

    if get_setting("calendar.federal_holidays"):  # the years the demo reaches back to, too
        add_federal_holidays(range(start.year, end.year + 1))
    types = _types()
    calendar = load_calendar()
    staff = _demo_staff(rng, town, actor)
    clerks = [uid for uid, role in staff if role in ("clerk", "supervisor")]
    crews = [uid for uid, role in staff if role == "crew_lead"] or clerks
    writer = _Writer(db)
    bulk = n >= BULK_LOAD_ROWS
    if bulk:  # a large load is faster into bare tables, with the indexes built once at the end
        write(lambda: _each_schema(BULK_MODELS, "drop_indexes"))
        write(lambda: request_search.suspend_triggers(db))
        write(lambda: rollups.suspend(db))

    contact_ids = _demo_contacts(rng, writer, town, max(20, n // 3), start)
    contact_pick = _zipf_picker(rng, contact_ids)
    streets = town["streets"]
    hot_spots = [(rng.choice(streets), None) for _ in range(max(5, len(streets) // 4))]
    street_pick = _weighted(rng, [(s, 1.0 / (i + 1) ** 0.5) for i, s in enumerate(streets)])
    channel_pick = _weighted(rng, CHANNELS)

    next_id = (ServiceRequest.select(peewee.fn.MAX(ServiceRequest.id)).scalar() or 0) + 1
    #: what triage learns, counted as the requests are made: (type, sentence, keyword, street)
    #: -> requests; the town's first requests only (else it learns from all of them after)
    learning: Counter[tuple[int, int, str, str]] | None = Counter() if next_id == 1 else None
    counters = {row.year: row.last for row in TrackingCounter.select()}
    last_of_type: dict[str, list[tuple[int, str, int | None, str, dt.datetime]]] = {}
    made = events = answers = 0

    for requested_at, code in _request_times(rng, n, start, end, types, town):
        kind = types[code]
        rid = next_id
        next_id += 1
        year = requested_at.year
        counters[year] = counters.get(year, 0) + 1
        tracking = format_tracking(year, counters[year], DEFAULT_DIGITS)

        duplicate_of = None
        recent = last_of_type.setdefault(code, [])
        if recent and rng.random() < 0.04:
            duplicate_of, street_name, house, zip_code, _first_at = rng.choice(recent)
        else:
            spot = rng.choice(hot_spots)[0] if rng.random() < 0.12 else street_pick()
            street_name, zip_code = spot["name"], spot["zip"]
            house = rng.randint(spot["from"], spot["to"])
        address = f"{house} {street_name}" if house else street_name
        norm = normalize_address(address)
        keyword = rng.choice(kind.keywords)
        sentence = rng.randrange(len(DESCRIPTIONS))  # the draw rng.choice makes
        description = DESCRIPTIONS[sentence].format(kw=keyword, addr=address)
        description = description[0].upper() + description[1:]
        if learning is not None:
            learning[kind.id, sentence, keyword, street_name] += 1

        respond_due = _due(calendar, requested_at, kind.respond)
        due = _due(calendar, requested_at, kind.resolve)
        status, resolution, ack_at, resolved_at, closed_at, assignee = _outcome(
            rng, calendar, requested_at, due, end, duplicate_of is not None, crews
        )
        if resolution != "duplicate":
            duplicate_of = None  # not noticed yet: only a resolved duplicate points to the original
        contact_id = contact_pick() if rng.random() < 0.75 else None
        clerk_id = rng.choice(clerks)
        # each moment written once (a million requests write ten million of them)
        arrived, acknowledged = _stamp(requested_at), _stamp(ack_at)
        finished, shut = _stamp(resolved_at), _stamp(closed_at)
        writer.add(
            ServiceRequest,
            {
                "id": rid,
                "tracking_number": tracking,
                "service_type": kind.id,
                "status": status,
                "resolution": resolution,
                "priority": kind.priority,
                "channel": channel_pick(),
                "description": description,
                "address": address,
                "address_normalized": norm.normalized,
                "street": norm.street,
                "house_number": norm.house_number,
                "zip": zip_code,
                "location_notes": "",
                "lat": None,
                "long": None,
                "contact": contact_id,
                "confidential": contact_id is not None and rng.random() < 0.03,
                "department": kind.department_id,
                "assignee": assignee,
                "requested_at": arrived,
                "acknowledged_at": acknowledged,
                "respond_due_at": _stamp(respond_due),
                "due_at": _stamp(due),
                "paused_since": None,
                "resolved_at": finished,
                "closed_at": shut,
                "duplicate_of": duplicate_of,
                "created_by": clerk_id,
                "external_id": None,
                "status_notes": "" if resolved_at is None else "Work completed.",
                "version": 1,
                "created_at": arrived,
                "updated_at": shut or finished or acknowledged or arrived,
            },
        )
        made += 1
        history: list[tuple[str, str | None, str | None, str, int]] = [
            ("created", arrived, None, "new", clerk_id)
        ]
        if ack_at:
            history.append(("status", acknowledged, "new", "acknowledged", clerk_id))
        if assignee and ack_at:
            history.append(("assignment", acknowledged, None, str(assignee), clerk_id))
        if resolved_at:
            history.append(("status", finished, "in_progress", "resolved", clerk_id))
        if closed_at:
            history.append(("status", shut, "resolved", "closed", clerk_id))
        for kind_name, at, old, new, who in history:
            writer.add(
                RequestEvent,
                {
                    "request": rid,
                    "kind": kind_name,
                    "at": at,
                    "actor": who,
                    "public": kind_name == "status" and new in ("resolved", "closed"),
                    "body": "",
                    "old_value": old,
                    "new_value": new,
                },
            )
            events += 1
        for attr_code, datatype, keys in kind.attributes:
            value = _answer(rng, datatype, keys, requested_at)
            writer.add(
                RequestAnswer,
                {
                    "request": rid,
                    "attribute_code": attr_code,
                    "value": RequestAnswer.value.db_value(value),
                },
            )
            answers += 1
        if duplicate_of is None and status not in ("resolved", "closed"):
            recent.append((rid, street_name, house, zip_code, requested_at))
            if len(recent) > 12:
                recent.pop(0)

    questions = _demo_questions(
        rng, writer, n * 2 // 5, start, end, contact_pick, clerks, channel_pick
    )
    writer.flush()
    if bulk:
        for model in BULK_MODELS:
            write(functools.partial(_each_schema, (model,), "create_indexes"))
        write(lambda: request_search.resume_triggers(db))
        write(lambda: rollups.rebuild(db))
    write(lambda: _save_counters(counters))
    write(lambda: _date_contacts(contact_ids[0], contact_ids[-1]))
    reset_sequences(
        [ServiceRequest, Contact, ContactMethod, RequestEvent, RequestAnswer, InfoContact]
    )
    # triage learns from the demo requests as from a town's own
    if learning is None:
        relearn_all()
    else:
        _learn(learning)
    return {
        "requests": made,
        "contacts": len(contact_ids),
        "events": events,
        "answers": answers,
        "questions": questions,
    }


def _each_schema(models: Sequence[type[peewee.Model]], operation: str) -> None:
    """Drop or create the indexes of `models` (peewee's schema manager speaks every dialect)."""
    for model in models:
        getattr(model._schema, operation)(safe=True)  # type: ignore[attr-defined]


def _date_contacts(first_id: int, last_id: int) -> None:
    """Each demo resident on file from their first request, last changed at their last: the
    retention rules read those dates (anonymise who has not been heard from in N years). One
    pass over the requests, grouped (a subquery per resident and per date was two)."""
    db = current()
    mark = db.param  # ? or %s: the ids go as parameters
    sql = (
        'UPDATE "contact" SET "created_at" = span.first_at, "updated_at" = span.last_at '  # noqa: S608
        'FROM (SELECT "contact_id" AS resident, MIN("requested_at") AS first_at, '
        'MAX("requested_at") AS last_at FROM "service_request" '
        f'WHERE "contact_id" BETWEEN {mark} AND {mark} GROUP BY "contact_id") AS span '
        'WHERE "contact"."id" = span.resident'
    )
    execute(db, sql, (first_id, last_id))


def _save_counters(counters: dict[int, int]) -> None:
    for year, last in counters.items():
        TrackingCounter.insert(year=year, last=last).on_conflict(
            conflict_target=[TrackingCounter.year], update={TrackingCounter.last: last}
        ).execute()


def _due(
    calendar: BusinessCalendar, start: dt.datetime, target: tuple[int, str] | None
) -> dt.datetime | None:
    return None if target is None else calendar.add_target(start, target[0], target[1])


#: how the demo's requests end, and their shares (made once, drawn for each closed request)
_RESOLUTIONS = _shares(
    (
        ("fixed", 78.0),
        ("no_action_needed", 7.0),
        ("referred", 4.0),
        ("not_town_responsibility", 4.0),
        ("could_not_locate", 5.0),
        ("withdrawn", 2.0),
    )
)


def _outcome(
    rng: random.Random,
    calendar: BusinessCalendar,
    requested_at: dt.datetime,
    due: dt.datetime | None,
    end: dt.datetime,
    duplicate: bool,
    crews: list[int],
) -> tuple[str, str | None, dt.datetime | None, dt.datetime | None, dt.datetime | None, int | None]:
    """Status, resolution and the times of acknowledgement, resolution and closing."""
    ack_at = calendar.add_business_hours(requested_at, rng.expovariate(1 / 3.0))
    if ack_at > end:
        return "new", None, None, None, None, None
    assignee = rng.choice(crews) if rng.random() < 0.7 else None
    if duplicate:
        resolved = ack_at + dt.timedelta(minutes=rng.randint(5, 600))
        if resolved > end:
            return "acknowledged", None, ack_at, None, None, assignee
        return "closed", "duplicate", ack_at, resolved, resolved, assignee
    target = (due - requested_at) if due else dt.timedelta(days=10)
    # most work finishes well inside the target; a tail runs late
    factor = math.exp(rng.gauss(-0.55, 0.65))
    resolved = requested_at + target * factor + dt.timedelta(minutes=rng.randint(10, 240))
    resolved = calendar.next_open(resolved)
    if resolved > end:
        age = end - requested_at
        status = (
            "acknowledged"
            if assignee is None
            else ("in_progress" if age > target / 3 else "assigned")
        )
        return status, None, ack_at, None, None, assignee
    resolution = _draw(rng, *_RESOLUTIONS)
    closed = resolved + dt.timedelta(hours=rng.randint(0, 72))
    if closed > end:
        return "resolved", resolution, ack_at, resolved, None, assignee
    return "closed", resolution, ack_at, resolved, closed, assignee


def _zipf_picker(rng: random.Random, ids: list[int]) -> Callable[[], int]:
    """Some residents call often, most call once or twice."""
    count = len(ids)

    def pick() -> int:
        return ids[min(int(count * rng.random() ** 2.2), count - 1)]

    return pick


def _demo_staff(
    rng: random.Random, town: dict[str, Any], actor: StaffUser | None
) -> list[tuple[int, str]]:
    existing = [(u.id, u.role) for u in StaffUser.select().where(StaffUser.active == True)]  # noqa: E712
    if len(existing) >= 3:
        return existing

    made = list(existing)
    for role, count in DEMO_STAFF:
        for _ in range(count):
            name = f"{rng.choice(town['first_names'])} {rng.choice(town['last_names'])}"
            base = username_from_name(name)
            suffix = 1
            username = base
            while StaffUser.select().where(StaffUser.username == username).exists():
                suffix += 1
                username = f"{base}{suffix}"
            user = create_staff(name, role, username, actor=actor)
            made.append((user.id, role))
    return made


def _learn(made: Counter[tuple[int, int, str, str]]) -> None:
    """Teach triage the demo's requests, as `relearn_all` would from the rows, without reading
    a million descriptions again: a description is a sentence with a keyword and an address
    in it (words apart), so its terms are the sentence's, the keyword's and the street's (a
    house number teaches nothing). tests/test_demo.py checks the result equals relearn_all's."""
    terms: Counter[tuple[int, str]] = Counter()
    per_type: Counter[int] = Counter()
    sentences = [learned_terms(text.format(kw=" ", addr=" ")) for text in DESCRIPTIONS]
    words: dict[str, set[str]] = {}

    def of(text: str) -> set[str]:
        found = words.get(text)
        if found is None:
            found = words[text] = learned_terms(text)
        return found

    for (type_id, sentence, keyword, street), n in made.items():
        per_type[type_id] += n
        for term in sentences[sentence] | of(keyword) | of(street):
            terms[type_id, term] += n
    replace_learned(terms, per_type)


def _demo_contacts(
    rng: random.Random, writer: _Writer, town: dict[str, Any], count: int, start: dt.datetime
) -> list[int]:
    next_id = (Contact.select(peewee.fn.MAX(Contact.id)).scalar() or 0) + 1
    area_codes = ("845", "914", "518", "607")
    stamp = _stamp(start)  # made real by _date_contacts once their requests are written
    ids = []
    for offset in range(count):
        cid = next_id + offset
        first = rng.choice(town["first_names"])
        last = rng.choice(town["last_names"])
        street = rng.choice(town["streets"])
        phone_digits = f"{rng.choice(area_codes)}555{rng.randint(0, 9999):04d}"
        email = ""
        if rng.random() < 0.45:
            local = normalize_address(f"{first}.{last}").normalized.lower().replace(" ", "")
            email = f"{local}{rng.randint(1, 999)}@example.com"
        writer.add(
            Contact,
            {
                "id": cid,
                "first_name": first,
                "last_name": last,
                "organization": "",
                "search_name": f"{first} {last}".lower(),
                "address": f"{rng.randint(street['from'], street['to'])} {street['name']}",
                "city": town["town"]["name"],
                "state": town["town"]["state"],
                "zip": street["zip"],
                "preferred_contact": "email" if email and rng.random() < 0.5 else "phone",
                "notes": "",
                "anonymized_at": None,
                "merged_into": None,
                "version": 1,
                "created_at": stamp,
                "updated_at": stamp,
            },
        )
        writer.add(
            ContactMethod,
            {
                "contact": cid,
                "kind": "phone",
                "value": format_phone(phone_digits),
                "normalized": phone_digits,
                "label": rng.choice(("mobile", "home")),
                "is_primary": True,
            },
        )
        if email:
            writer.add(
                ContactMethod,
                {
                    "contact": cid,
                    "kind": "email",
                    "value": email,
                    "normalized": email,
                    "label": "",
                    "is_primary": False,
                },
            )
        ids.append(cid)
    writer.flush()
    return ids


def _demo_questions(
    rng: random.Random,
    writer: _Writer,
    count: int,
    start: dt.datetime,
    end: dt.datetime,
    contact_pick: Callable[[], int],
    clerks: list[int],
    channel_pick: Callable[[], str],
) -> int:
    seconds = (end - start).total_seconds()
    # most questions are answered from the knowledge base, the first articles (trash,
    # recycling, bills) far more often than the last, as a town's calls are
    articles = [
        (row.id, row.title)
        for row in FaqArticle.select(FaqArticle.id, FaqArticle.title)
        .where(FaqArticle.audience == "public", FaqArticle.active == True)  # noqa: E712
        .order_by(FaqArticle.id)
    ]
    weights = [1 / (rank + 2) for rank in range(len(articles))]
    for _ in range(count):
        at = start + dt.timedelta(seconds=int(rng.random() * seconds))
        article: tuple[int, str] | None = None
        if articles and rng.random() < ANSWERED_FROM_ARTICLES:
            article = rng.choices(articles, weights)[0]
        writer.add(
            InfoContact,
            {
                "at": _stamp(at),
                "channel": channel_pick(),
                "topic": article[1] if article else rng.choice(QUESTION_TOPICS),
                "article": article[0] if article else None,
                "service_type": None,
                "department": None,
                "contact": contact_pick() if rng.random() < 0.3 else None,
                "staff": rng.choice(clerks),
                "notes": "",
            },
        )
    return count
