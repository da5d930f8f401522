"""An import of requests from a file: planned and shown first, saved in batches, undoable.

`plan_import` reads the file whole (`reading.open_table`), recognises its columns
(`columns.recognise`, then a saved profile, then what the clerk said), and matches its request
types and statuses (`matching`): nothing is written. `run_import` saves it, CHUNK rows to a
transaction. Each transaction also moves the batch's `rows_done`, so a crash (or kill -9) stops
between two whole chunks; the next import of the same file carries on from there in the same
batch. A clerk's Cancel stops the same way and leaves a batch that can be undone.

Every row is accounted for: imported, updated (a second import of a changed row), unchanged
(already here as it is), or rejected with its reason; rows imported with a doubt (coordinates
that stand for "unknown", a place far from the town) are flagged. The source's own number is
kept (`external_id` "SOURCE:NUMBER"), so a second import adds nothing and updates only what
changed in the source, and never a request a clerk has changed here since.

`undo_import` takes back a batch: the requests it made that nobody touched since are deleted,
the ones it updated get their earlier values back, and the residents and request types it
added go when nothing else names them. The requests a clerk changed are kept and named.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import statistics
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import peewee

from desktop.i18n import _
from desktop.models import clock
from desktop.models.errors import InputError
from desktop.models.imports import columns, matching, values
from desktop.models.imports.reading import Cell, Table, open_table
from desktop.models.requests.tracking import format_tracking, parse_tracking
from desktop.models.residents.contacts_text import normalize_email
from desktop.models.staff import audit, permissions
from desktop.models.storage import fast_sql, sessions
from desktop.models.storage.db import reading, write
from desktop.models.storage.schema import (
    Attachment,
    Contact,
    ContactMethod,
    ImportBatch,
    ImportedRow,
    ImportProfile,
    RequestEvent,
    RequestFollower,
    RequestLink,
    ServiceRequest,
    ServiceType,
    StaffUser,
    TrackingCounter,
    database,
    rows_of,
)
from desktop.models.text_clean import MAX_DESCRIPTION, MAX_LINE, clean_text
from desktop.models.town.addresses import normalize_address
from desktop.models.town.register import metres
from desktop.models.vocab import (
    DONE_STATUSES,
    OPEN_STATUSES,
    PRIORITIES,
    RESOLUTIONS,
    STATUSES,
)

#: rows saved in one transaction
CHUNK = 2000
EXTERNAL_MAX = 100
#: a place this far from the middle of the file's places (and 3 times the usual spread) is
#: flagged as outside the town
OUTSIDE_METRES = 25_000
#: the fields an update compares and may change
UPDATABLE = (
    "status",
    "resolution",
    "description",
    "address",
    "zip",
    "lat",
    "long",
    "due_at",
    "resolved_at",
    "closed_at",
    "status_notes",
)

#: what an undo of an update may put back
RESTORABLE = frozenset((*UPDATABLE, "address_normalized", "street", "house_number"))

#: how far an import has gone: (rows done, rows in all)
Progress = Callable[[int, int], None]


@dataclass
class Plan:
    """What an import would do, shown before it does it."""

    path: Path
    table: Table
    source: str
    fields: dict[str, str]
    types: list[matching.TypeChoice]
    #: source status word -> [status, resolution or None, rows]
    statuses: dict[str, list[Any]]
    profile: str = ""
    #: a batch of this file that stopped before its end: the import carries it on
    resume: int | None = None
    #: the date fields whose column writes the day first (all the file's rows say so)
    day_first: list[str] = field(default_factory=list)
    sheet: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": str(self.path),
            "source": self.source,
            "rows": self.table.count,
            "encoding": self.table.encoding,
            "delimiter": self.table.delimiter,
            "sheet": self.table.sheet,
            "columns": self.table.header,
            "fields": self.fields,
            "types": [t.as_dict() for t in self.types],
            "statuses": {
                word: {"status": s, "resolution": r, "rows": n}
                for word, (s, r, n) in self.statuses.items()
            },
            "profile": self.profile,
            "resume_batch": self.resume,
        }


@dataclass
class Result:
    """What an import did (or, dry, would do)."""

    rows: int = 0
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)
    flagged: list[dict[str, Any]] = field(default_factory=list)
    kept: list[dict[str, Any]] = field(default_factory=list)
    types_made: list[str] = field(default_factory=list)
    residents_added: int = 0
    batch: int | None = None
    dry_run: bool = False
    cancelled: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "imported": self.imported,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "flagged": self.flagged,
            "kept": self.kept,
            "types_made": self.types_made,
            "residents_added": self.residents_added,
            "batch": self.batch,
            "dry_run": self.dry_run,
            "cancelled": self.cancelled,
        }


# ---- planning -----------------------------------------------------------------------------


def source_name(path: Path) -> str:
    """The source a file comes from, by its name without dates and numbers:
    "Hoboken_20190521_publicstuff.csv" is "hoboken_publicstuff", as next month's export."""
    words = [w for w in re.findall(r"[a-z]+", path.stem.lower()) if w not in ("csv", "export")]
    return "_".join(words)[:40] or "import"


def plan_import(
    path: Path,
    *,
    source: str = "",
    profile: str = "",
    fields: Sequence[str] = (),
    types: Sequence[str] = (),
    statuses: Sequence[str] = (),
    sheet: str = "",
    actor: StaffUser | None,
) -> Plan:
    """Read `path` and say how it would come in. `fields`: "FIELD=COLUMN" choices (an empty
    COLUMN leaves the field out); `types`: "THEIR TYPE=CODE" choices ("new" for a type of its
    own); `statuses`: "THEIR STATUS=STATUS[:RESOLUTION]"; each over a saved `profile`'s, which
    are over what was recognised."""
    permissions.require(actor, permissions.CATALOG_EDIT)
    table = open_table(path, sheet)
    saved: dict[str, Any] = {}
    if profile:
        with reading():
            row = ImportProfile.get_or_none(ImportProfile.name == profile.strip())
        saved = dict(row.mapping) if row is not None else {}
    chosen = columns.recognise(table.header, table.sample)
    chosen.update(_known_columns(table, saved.get("fields", {})))
    chosen.update(_fields_said(table, fields))
    chosen = {name: column for name, column in chosen.items() if column}
    # a profile not saved yet names nothing: the file's own source stays, so a file imported
    # before is not brought in again under another name
    source = clean_text(source or saved.get("source") or source_name(path), 40)
    source = re.sub(r"[^\w.-]+", "_", source).strip("_") or "import"

    index = {name: table.header.index(column) for name, column in chosen.items()}
    seen_types: Counter[str] = Counter()
    seen_status: Counter[tuple[str, bool]] = Counter()
    spelled: dict[str, str] = {}  # a status word as first written, by its folded form
    dates = _DateOrder()
    for _number, cells in table.rows():
        name = type_name(_cell(cells, index.get("type")), _cell(cells, index.get("detail")))
        if name:
            seen_types[name] += 1
        closed = not values.missing(values.text(_cell(cells, index.get("closed"))))
        word = status_word(_cell(cells, index.get("status")))
        spelled.setdefault(word.casefold(), word)
        seen_status[(spelled[word.casefold()], closed)] += 1
        for field_name in DATE_FIELDS:
            dates.see(field_name, _cell(cells, index.get(field_name)))

    said_types = _types_said(types)
    saved_types: dict[str, str] = saved.get("types", {})
    by_type = seen_types
    choices: list[matching.TypeChoice] = []
    with reading():
        for name, n in by_type.most_common():
            if name.casefold() in said_types:
                code: str | None = said_types[name.casefold()]
                how = "chosen"
            elif name in saved_types:
                code, how = saved_types[name], "chosen"
            else:
                code, how = matching.match_type(name)
            if code == "new":
                code, how = None, "new"
            if (
                code is not None
                and not ServiceType.select().where(ServiceType.code == code).exists()
            ):
                raise InputError(
                    _("There is no request type with the code “{code}” (for “{name}”).").format(
                        code=code, name=name
                    )
                )
            choices.append(matching.TypeChoice(name, n, code, how))
    # a status word is read on its own; a word Front Counter does not know is read by whether
    # most of its rows have a closing time
    by_word: dict[str, list[int]] = {}
    for (word, closed), n in seen_status.items():
        counts = by_word.setdefault(word, [0, 0])
        counts[0] += n
        counts[1] += n if closed else 0
    said_statuses = {
        word.casefold(): tuple(choice)
        for word, choice in (dict(saved.get("statuses", {})) | _statuses_said(statuses)).items()
    }
    statuses_found: dict[str, list[Any]] = {}
    for word, (n, closed_rows) in sorted(by_word.items(), key=lambda item: -item[1][0]):
        key = word or _("(blank)")
        if key.casefold() in said_statuses:
            status, resolution_code = said_statuses[key.casefold()]
        else:
            status, resolution_code = matching.status_for(word, "", closed_rows * 2 > n)
        statuses_found[key] = [status, resolution_code, n]
    with reading():
        stopped = (
            ImportBatch.select()
            .where(
                ImportBatch.file_hash == table.digest,
                ImportBatch.source == source,
                ImportBatch.state.in_(("running", "cancelled")),
            )
            .order_by(ImportBatch.id.desc())
            .first()
        )
    return Plan(
        path,
        table,
        source,
        chosen,
        choices,
        statuses_found,
        profile,
        stopped.id if stopped else None,
        dates.day_first(),
        sheet,
    )


DATE_FIELDS = ("created", "closed", "due", "updated")


def type_name(kind: Cell, detail: Cell) -> str:
    """A row's request type as the plan lists it and the import reads it (their type, or
    its detail when the type is blank)."""
    for cell in (kind, detail):
        text = values.text(cell)
        if not values.missing(text):
            cleaned = clean_text(unicodedata.normalize("NFC", text), 200).strip()
            if cleaned:
                return cleaned
    return ""


def status_word(cell: Cell) -> str:
    text = values.text(cell)
    return "" if values.missing(text) else clean_text(text, 100).strip()


class _DateOrder:
    """Whether each date column writes the day first (25/12/2019), judged from every row: a
    file sorted by date shows a day past 12 in first place only after its first weeks."""

    def __init__(self) -> None:
        self.day = Counter[str]()
        self.month = Counter[str]()

    def see(self, field_name: str, cell: Cell) -> None:
        if isinstance(cell, str):
            match = values.SLASHED.match(cell)
            if match:
                self.day[field_name] += int(match.group(1)) > 12
                self.month[field_name] += int(match.group(2)) > 12

    def day_first(self) -> list[str]:
        return sorted(f for f in self.day if self.day[f] and not self.month[f])


def _cell(cells: Sequence[Cell], n: int | None) -> Cell:
    if n is None or n >= len(cells):
        return None
    return cells[n]


def _known_columns(table: Table, wanted: dict[str, str]) -> dict[str, str]:
    names = {name.casefold(): name for name in table.header}
    return {f: names[c.casefold()] for f, c in wanted.items() if c and c.casefold() in names}


def _fields_said(table: Table, said: Sequence[str]) -> dict[str, str]:
    names = {name.casefold(): name for name in table.header}
    chosen: dict[str, str] = {}
    for item in said:
        name, sep, column = item.partition("=")
        name, column = name.strip().lower(), column.strip()
        if not sep or name not in columns.FIELD_NAMES:
            raise InputError(
                _("“{item}” is not FIELD=COLUMN with one of these fields: {fields}.").format(
                    item=item, fields=", ".join(columns.FIELD_NAMES)
                )
            )
        if column and column.casefold() not in names:
            raise InputError(
                _("{file} has no column “{column}” (it has {columns}).").format(
                    file=table.name, column=column, columns=", ".join(table.header[:40])
                )
            )
        chosen[name] = names[column.casefold()] if column else ""
    return chosen


def _types_said(said: Sequence[str]) -> dict[str, str]:
    chosen = {}
    for item in said:
        name, sep, code = item.rpartition("=")
        if not sep or not name.strip() or not code.strip():
            raise InputError(
                _("“{item}” is not THEIR TYPE=CODE (or THEIR TYPE=new).").format(item=item)
            )
        chosen[name.strip().casefold()] = code.strip()
    return chosen


def _statuses_said(said: Sequence[str]) -> dict[str, tuple[str, str | None]]:
    chosen: dict[str, tuple[str, str | None]] = {}
    for item in said:
        word, sep, choice = item.rpartition("=")
        status, _sep, resolution = choice.strip().partition(":")
        status, resolution = status.strip(), resolution.strip()
        if (
            not sep
            or not word.strip()
            or status not in STATUSES
            or (status in DONE_STATUSES) != bool(resolution)
            or (resolution and resolution not in RESOLUTIONS)
        ):
            raise InputError(
                _(
                    "“{item}” is not THEIR STATUS=STATUS (an open one: {open}) or "
                    "THEIR STATUS=closed:RESOLUTION (one of {resolutions})."
                ).format(
                    item=item,
                    open=", ".join(OPEN_STATUSES),
                    resolutions=", ".join(RESOLUTIONS),
                )
            )
        chosen[word.strip()] = (status, resolution or None)
    return chosen


def save_profile(name: str, plan: Plan, *, actor: StaffUser | None) -> None:
    """Keep the plan's columns, types and statuses under `name` for the next file."""
    permissions.require(actor, permissions.CATALOG_EDIT)
    name = clean_text(name, 60).strip()
    if not name:
        raise InputError(_("Give the profile a name (the system the file came from)."))
    mapping = {
        "source": plan.source,
        "fields": plan.fields,
        "types": {t.source: (t.code or "new") for t in plan.types},
        "statuses": {word: [s, r] for word, (s, r, _n) in plan.statuses.items()},
    }

    def save() -> None:
        row = ImportProfile.get_or_none(ImportProfile.name == name)
        if row is None:
            ImportProfile.create(name=name, mapping=mapping)
        else:
            ImportProfile.update(
                mapping=mapping, version=ImportProfile.version + 1, updated_at=clock.now()
            ).where(ImportProfile.id == row.id).execute()

    write(save)


def profiles() -> list[dict[str, Any]]:
    with reading():
        return [
            {
                "name": p.name,
                "source": p.mapping.get("source", ""),
                "fields": p.mapping.get("fields"),
            }
            for p in ImportProfile.select().order_by(ImportProfile.name)
        ]


# ---- one row ------------------------------------------------------------------------------


@dataclass
class _Row:
    number: int
    external: str
    type_name: str
    fields: dict[str, Any]
    duplicate_of: str = ""
    name: tuple[str, str] = ("", "")
    phone: str = ""
    email: str = ""
    flags: list[str] = field(default_factory=list)


class _Reader:
    """Turns a file's rows into requests' fields, the plan's way."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        header = plan.table.header
        self.at = {name: header.index(column) for name, column in plan.fields.items()}
        sample = plan.table.sample
        self.dates = {
            name: values.DateReader(
                [_cell(row, self.at.get(name)) for row in sample],
                day_first=name in plan.day_first,
            )
            for name in DATE_FIELDS
        }
        self.types = {t.source: t for t in plan.types}
        self.statuses = {word.casefold(): choice for word, choice in plan.statuses.items()}
        self.departments = matching.Departments()
        self.centre, self.reach = self._town_area()

    def cell(self, cells: Sequence[Cell], name: str) -> Cell:
        return _cell(cells, self.at.get(name))

    def text(self, cells: Sequence[Cell], name: str, limit: int = MAX_LINE) -> str:
        value = values.text(self.cell(cells, name))
        return "" if values.missing(value) else clean_text(value, limit)

    def place(self, cells: Sequence[Cell]) -> tuple[float, float] | None:
        if "lat" in self.at and "long" in self.at:
            found = values.coordinates(
                values.number(self.cell(cells, "lat")), values.number(self.cell(cells, "long"))
            )
            if found is not None:
                return found
        if "location" in self.at:
            return values.pair(self.cell(cells, "location"))
        return None

    def _town_area(self) -> tuple[tuple[float, float] | None, float]:
        """The middle of the file's places and how far from it a place may be in the town."""
        points = []
        for number, cells in self.plan.table.rows():
            spot = self.place(cells)
            if spot is not None and not values.placeholder(*spot):
                points.append(spot)
            if number > 20_000:
                break
        if len(points) < 10:
            return None, 0.0
        centre = (statistics.median(p[0] for p in points), statistics.median(p[1] for p in points))
        spread = sorted(metres(*centre, *p) for p in points)
        usual = spread[int(len(spread) * 0.95)]
        return centre, max(OUTSIDE_METRES, 3 * usual)

    def read(self, number: int, cells: Sequence[Cell]) -> _Row | str:
        """The row's request, or why it cannot come in."""
        requested = self.dates["created"].read(self.cell(cells, "created"))
        if requested is not None and "created_time" in self.at:  # the time in a column of its own
            clock_time = values.time_of_day(self.cell(cells, "created_time"))
            if clock_time is not None and requested.time() == dt.time():
                requested = dt.datetime.combine(requested.date(), clock_time)
        if requested is None:
            raw = self.text(cells, "created", 40)
            return (
                _("the created date “{value}” is not a date").format(value=raw)
                if raw
                else _("no created date")
            )
        kind = self.text(cells, "type", 200)
        detail = self.text(cells, "detail", 200)
        named = type_name(self.cell(cells, "type"), self.cell(cells, "detail"))
        choice = self.types.get(named) if named else None
        if choice is None:
            return _("no request type")
        their_id = self.text(cells, "id", 80)
        if "id" in self.at and not their_id:
            return _("no request number in the “{column}” column").format(
                column=self.plan.fields["id"]
            )
        if not their_id:  # no number in the source: when, what and where stand for it, so
            # a second import of the file with a status or the words changed updates the row
            said = [requested.isoformat(), named.casefold(), self._address(cells).casefold()]
            joined = "\x1f".join(said)
            their_id = "row-" + hashlib.sha1(joined.encode("utf-8")).hexdigest()[:20]
        external = f"{self.plan.source}:{their_id}"[:EXTERNAL_MAX]
        word = status_word(self.cell(cells, "status")) or _("(blank)")
        status, resolution = self.statuses.get(word.casefold(), ["acknowledged", None, 0])[:2]
        if status not in DONE_STATUSES and values.flag(self.cell(cells, "is_closed")):
            status, resolution = "closed", None  # a "Fixed?" column says yes
        resolution_words = self.text(cells, "resolution", MAX_LINE)
        if status in DONE_STATUSES and resolution in (None, "fixed"):
            resolution = matching.closing_resolution(f"{word} {resolution_words}")
        if values.flag(self.cell(cells, "is_duplicate")):  # the source says so in a column
            if status not in DONE_STATUSES:
                status = "closed"
            resolution = "duplicate"
        closed = self.dates["closed"].read(self.cell(cells, "closed"))
        updated = self.dates["updated"].read(self.cell(cells, "updated"))
        flags = []
        if not 1970 <= requested.year <= clock.now().year + 1:
            flags.append(_("it was opened in {year}").format(year=requested.year))
        if status in ("resolved", "closed"):
            closed = closed or updated or requested
            if closed < requested:
                flags.append(_("closed before it was opened; taken as closed when opened"))
                closed = requested
        else:
            closed = None
        description = self.text(cells, "description", MAX_DESCRIPTION)
        if detail and kind and detail.casefold() not in description.casefold():
            description = f"{detail}. {description}".strip() if description else detail
        address = self._address(cells)
        place = self.place(cells)
        if place is not None and values.placeholder(*place):
            flags.append(
                _("the coordinates {lat}, {long} stand for “unknown”; left out").format(
                    lat=place[0], long=place[1]
                )
            )
            place = None
        if place is not None and self.centre and metres(*self.centre, *place) > self.reach:
            flags.append(
                _("the place is far outside the town ({lat}, {long})").format(
                    lat=place[0], long=place[1]
                )
            )
        priority = self.text(cells, "priority", 20).lower()
        fields = {
            "status": status,
            "resolution": resolution,
            "description": description or choice.source or _("(imported without words)"),
            "address": address,
            "zip": values.zip_code(self.cell(cells, "zip")),
            "lat": place[0] if place else None,
            "long": place[1] if place else None,
            "requested_at": requested,
            "due_at": self.dates["due"].read(self.cell(cells, "due")),
            "resolved_at": closed,
            "closed_at": closed if status == "closed" else None,
            "status_notes": resolution_words,
            "channel": matching.channel_for(self.text(cells, "channel", 100)),
            "department": self.departments.find(self.text(cells, "department", 200)),
            "priority": priority if priority in PRIORITIES else "normal",
            "updated_at": max(d for d in (updated, closed, requested) if d is not None),
        }
        first, last = self.text(cells, "first_name", 100), self.text(cells, "last_name", 100)
        if not (first or last):
            whole = self.text(cells, "name", 200)
            if "," in whole:  # "Smith, Jane"
                last, _sep, first = (part.strip() for part in whole.partition(","))
            else:
                first, _sep, last = whole.rpartition(" ") if " " in whole else ("", "", whole)
        return _Row(
            number,
            external,
            named,
            fields,
            self.text(cells, "duplicate_of", 80),
            (first[:100], last[:100]),
            _phone(self.text(cells, "phone", 40)),
            normalize_email(self.text(cells, "email", 254))
            if "@" in self.text(cells, "email", 254)
            else "",
            flags,
        )

    def _address(self, cells: Sequence[Cell]) -> str:
        line = self.text(cells, "address", MAX_LINE)
        if not line:
            parts = [
                self.text(cells, name, 100)
                for name in ("house_number", "direction", "street_name", "street_suffix")
            ]
            line = " ".join(p for p in parts if p)
        return re.sub(r"\s+", " ", line).strip()


def _phone(text: str) -> str:
    """A phone number in the form the town's residents are looked up by (US numbers: ten
    digits), through phonenumbers; "" when it is not a number."""
    if not text:
        return ""
    import phonenumbers  # only an import with a phone column needs it

    try:
        parsed = phonenumbers.parse(text, "US")
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_possible_number(parsed):
        return ""
    if parsed.country_code == 1:
        return str(parsed.national_number)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


# ---- saving -------------------------------------------------------------------------------


def run_import(
    plan: Plan,
    *,
    dry_run: bool = False,
    actor: StaffUser | None,
    progress: Progress | None = None,
) -> Result:
    """Bring the plan's file in (or, `dry_run`, say what would happen). `progress` is called
    between chunks; an exception it raises (the clerk's Cancel) stops the import there, with
    every chunk before it saved and the batch marked cancelled."""
    permissions.require(actor, permissions.CATALOG_EDIT)
    with reading():
        reader = _Reader(plan)
    result = Result(rows=plan.table.count, dry_run=dry_run)
    for number, reason in sorted(plan.table.broken.items()):
        result.rejected.append({"row": number, "reason": reason})
    batch = None if dry_run else _batch_for(plan, actor)
    start_after = 0
    if batch is not None:
        result.batch = batch.id
        start_after = batch.rows_done
        result.imported, result.updated, result.unchanged = (
            batch.imported,
            batch.updated,
            batch.unchanged,
        )
        result.rejected = list(batch.rejected) or result.rejected
        result.flagged = list(batch.flagged)
    saver = _Saver(plan, batch, result, dry_run)
    done = start_after
    try:
        for chunk in _chunks(plan.table.rows(), start_after):
            rows: list[_Row] = []
            for number, cells in chunk:
                if number in plan.table.broken:
                    continue
                read = reader.read(number, cells)
                if isinstance(read, str):
                    result.rejected.append({"row": number, "reason": read})
                else:
                    rows.append(read)
            done = chunk[-1][0]  # the last row saved (the header is row 1)
            saver.save(rows, done)
            if progress is not None:
                progress(min(done - 1, plan.table.count), plan.table.count)
    except BaseException:
        if batch is not None:
            write(lambda: _set_state(batch.id, "cancelled"))
            result.cancelled = True
        raise
    saver.link_duplicates()
    result.types_made = saver.types.made
    if batch is not None:

        def finish() -> None:
            if not (result.imported or result.updated or result.types_made):
                # nothing came in and nothing changed: no import to list or undo
                ImportBatch.delete().where(ImportBatch.id == batch.id).execute()
                result.batch = None
                return
            _set_state(batch.id, "done")
            audit.record(
                ImportBatch._meta.table_name,
                batch.id,
                "import",
                None,
                {
                    "file": plan.path.name,
                    "source": plan.source,
                    "imported": result.imported,
                    "updated": result.updated,
                    "rejected": len(result.rejected),
                },
                actor,
            )

        write(finish)
    return result


def _batch_for(plan: Plan, actor: StaffUser | None) -> ImportBatch:
    def make() -> ImportBatch:
        if plan.resume is not None:
            stopped = ImportBatch.get_or_none(ImportBatch.id == plan.resume)
            if stopped is not None and stopped.state in ("running", "cancelled"):
                ImportBatch.update(state="running").where(ImportBatch.id == stopped.id).execute()
                return stopped
        return ImportBatch.create(
            source=plan.source,
            file_name=plan.path.name[:260],
            file_hash=plan.table.digest,
            mapping={
                "fields": plan.fields,
                "types": {t.source: t.code for t in plan.types},
                "statuses": plan.statuses,
                "types_made": [],
            },
            rows=plan.table.count,
            started_by=actor,
        )

    return write(make)


def _set_state(batch_id: int, state: str) -> None:
    ImportBatch.update(state=state, finished_at=clock.now()).where(
        ImportBatch.id == batch_id
    ).execute()


def _chunks(
    rows: Iterator[tuple[int, list[Cell]]], start_after: int
) -> Iterator[list[tuple[int, list[Cell]]]]:
    chunk: list[tuple[int, list[Cell]]] = []
    for number, cells in rows:
        if number <= start_after:
            continue
        chunk.append((number, cells))
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class _Saver:
    """Saves the rows of a batch, a chunk to a transaction."""

    def __init__(self, plan: Plan, batch: ImportBatch | None, result: Result, dry: bool) -> None:
        self.plan, self.batch, self.result, self.dry = plan, batch, result, dry
        with reading():
            self.types = matching.ImportedTypes(
                _("Made by an import from {source} (their type “{{code}}”).").format(
                    source=plan.source
                )
            )
            self.type_rows = {
                code: (tid, dept)
                for tid, code, dept in rows_of(
                    ServiceType.select(ServiceType.id, ServiceType.code, ServiceType.department)
                )
            }
        self.codes = {t.source: t.code for t in plan.types}
        #: external id -> row of this file that brought it (a repeat is named by it)
        self.first_row: dict[str, int] = {}
        #: normalised phone or email -> contact id
        self.residents: dict[str, int] = {}
        #: (request external id, their number it duplicates) to link at the end
        self.duplicates: list[tuple[str, str]] = []

    def _type_of(self, row: _Row) -> tuple[int, int]:
        code = self.codes.get(row.type_name)
        if code is None:
            code = self.types.code_for(row.type_name, save=not self.dry)
            assert code is not None
            self.codes[row.type_name] = code
            if not self.dry:
                made = ServiceType.get(ServiceType.code == code)
                self.type_rows[code] = (made.id, made.department_id)
                if self.batch is not None:
                    mapping = dict(self.batch.mapping)
                    mapping["types_made"] = [*mapping.get("types_made", []), code]
                    self.batch.mapping = mapping
                    ImportBatch.update(mapping=mapping).where(
                        ImportBatch.id == self.batch.id
                    ).execute()
            else:
                self.type_rows.setdefault(code, (0, 0))
        return self.type_rows[code]

    def save(self, rows: list[_Row], done: int) -> None:
        result = self.result
        fresh: list[_Row] = []
        for row in rows:
            first = self.first_row.setdefault(row.external, row.number)
            if first != row.number:
                result.rejected.append(
                    {
                        "row": row.number,
                        "reason": _("repeats row {n} (the same request number)").format(n=first),
                    }
                )
            else:
                fresh.append(row)

        def chunk() -> None:
            counts = [result.imported, result.updated, result.unchanged]
            rejected, flagged = len(result.rejected), len(result.flagged)
            try:
                self._save_chunk(fresh)
                if self.batch is not None:
                    ImportBatch.update(
                        rows_done=done,
                        imported=result.imported,
                        updated=result.updated,
                        unchanged=result.unchanged,
                        rejected=result.rejected,
                        flagged=result.flagged,
                    ).where(ImportBatch.id == self.batch.id).execute()
            except BaseException:
                result.imported, result.updated, result.unchanged = counts
                del result.rejected[rejected:], result.flagged[flagged:]
                raise

        if self.dry:
            with reading():
                chunk()
        else:
            write(chunk)
            sessions.keep_alive()  # a long import: others still see this job

    def _save_chunk(self, rows: list[_Row]) -> None:
        result = self.result
        there = {
            ext: (rid, version, opened, fields)
            for rid, ext, version, opened, *fields in rows_of(
                ServiceRequest.select(
                    ServiceRequest.id,
                    ServiceRequest.external_id,
                    ServiceRequest.version,
                    ServiceRequest.requested_at,
                    *(getattr(ServiceRequest, name) for name in UPDATABLE),
                ).where(ServiceRequest.external_id.in_([r.external for r in rows]))
            )
        }
        new = [r for r in rows if r.external not in there]
        for row in rows:
            if row.external in there:
                self._update(row, *there[row.external])
        if not new:
            return
        for row in new:
            for flag in row.flags:
                result.flagged.append({"row": row.number, "reason": flag})
            if row.duplicate_of:
                self.duplicates.append(
                    (row.external, f"{self.plan.source}:{row.duplicate_of}"[:EXTERNAL_MAX])
                )
        result.imported += len(new)
        if self.dry:
            for row in new:
                self._type_of(row)
            return
        contacts = self._contacts(new)
        numbers = self._tracking_numbers([r.fields["requested_at"].year for r in new])
        request_rows = []
        for row, number in zip(new, numbers, strict=True):
            type_id, type_department = self._type_of(row)
            fields = dict(row.fields)
            department = fields.pop("department") or type_department
            location = normalize_address(fields["address"]) if fields["address"] else None
            request_rows.append(
                {
                    **fields,
                    "tracking_number": number,
                    "service_type": type_id,
                    "department": department,
                    "address_normalized": location.normalized if location else "",
                    "street": location.street if location else "",
                    "house_number": location.house_number if location else None,
                    "acknowledged_at": fields["requested_at"],
                    "contact": contacts.get(row.number),
                    "external_id": row.external,
                    "created_at": fields["requested_at"],
                }
            )
        fast_sql.insert_many(ServiceRequest, request_rows)
        ids = dict(
            rows_of(
                ServiceRequest.select(ServiceRequest.external_id, ServiceRequest.id).where(
                    ServiceRequest.external_id.in_([r.external for r in new])
                )
            )
        )
        events = []
        imported_rows = []
        made_contacts = self._made_contacts
        for row in new:
            rid = ids[row.external]
            events.append(
                {
                    "request": rid,
                    "kind": "created",
                    "at": row.fields["requested_at"],
                    "old_value": None,
                    "new_value": "new",
                    "public": False,
                    "body": _("Imported from {source} (their number {id}).").format(
                        source=self.plan.source, id=row.external.split(":", 1)[1]
                    ),
                }
            )
            if row.fields["resolved_at"] is not None:
                events.append(
                    {
                        "request": rid,
                        "kind": "status",
                        "at": row.fields["resolved_at"],
                        "old_value": "new",
                        "new_value": row.fields["status"],
                        "public": True,
                        "body": row.fields["status_notes"],
                    }
                )
            imported_rows.append(
                {
                    "batch": self.batch.id if self.batch else None,
                    "request": rid,
                    "row": row.number,
                    "action": "created",
                    "version": 1,
                    "contact": made_contacts.get(row.number),
                }
            )
        fast_sql.insert_many(RequestEvent, events)
        fast_sql.insert_many(ImportedRow, imported_rows)

    _made_contacts: dict[int, int]

    def _contacts(self, rows: list[_Row]) -> dict[int, int]:
        """row -> the resident it names: one on file (same phone or email), or a new one."""
        self._made_contacts = {}
        keys = {k for r in rows for k in (r.phone, r.email) if k}
        unknown = keys - self.residents.keys()
        if unknown:
            for contact_id, normalized in rows_of(
                ContactMethod.select(ContactMethod.contact, ContactMethod.normalized)
                .join(Contact)
                .where(ContactMethod.normalized.in_(sorted(unknown)), Contact.merged_into.is_null())
            ):
                self.residents.setdefault(normalized, contact_id)
        found: dict[int, int] = {}
        for row in rows:
            keys_of = [k for k in (row.phone, row.email) if k]
            if not keys_of and not any(row.name):
                continue
            if not keys_of:  # a name alone: one resident per name in this import (a name is
                # not enough to know them among those on file, so none of those is taken)
                keys_of = ["name:" + " ".join(row.name).casefold()]
            known = next((self.residents[k] for k in keys_of if k in self.residents), None)
            if known is None:
                first, last = row.name
                contact = Contact.create(
                    first_name=first,
                    last_name=last,
                    search_name=f"{first} {last}".strip().lower(),
                    preferred_contact="email" if row.email and not row.phone else "phone",
                    created_at=row.fields["requested_at"],
                )
                if keys_of[0].startswith("name:"):
                    self.residents[keys_of[0]] = contact.id
                for kind, value in (("phone", row.phone), ("email", row.email)):
                    if value:
                        ContactMethod.create(
                            contact=contact,
                            kind=kind,
                            value=value,
                            normalized=value,
                            is_primary=True,
                        )
                        self.residents[value] = contact.id
                self._made_contacts[row.number] = contact.id
                self.result.residents_added += 1
                known = contact.id
            found[row.number] = known
        return found

    def _tracking_numbers(self, years: list[int]) -> list[str]:
        wanted = Counter(years)
        first: dict[int, int] = {}
        for year, n in wanted.items():
            counter = TrackingCounter.get_or_none(TrackingCounter.year == year)
            last = counter.last if counter else 0
            if counter is None:
                TrackingCounter.create(year=year, last=last + n)
            else:
                TrackingCounter.update(last=last + n).where(TrackingCounter.year == year).execute()
            first[year] = last + 1
        numbers = []
        for year in years:
            numbers.append(format_tracking(year, first[year]))
            first[year] += 1
        return numbers

    def _update(self, row: _Row, rid: int, version: int, opened: Any, stored: list[Any]) -> None:
        result = self.result
        when = opened if isinstance(opened, dt.datetime) else dt.datetime.fromisoformat(opened)
        if abs(when - row.fields["requested_at"]) > dt.timedelta(days=1):
            # the same number, another request: a clerk's yearly files that start at 1 again
            result.rejected.append(
                {
                    "row": row.number,
                    "reason": _(
                        "its number is that of a request from {source} opened {when}, not "
                        "this one: import the file under a source of its own (--source)"
                    ).format(source=self.plan.source, when=when.strftime("%Y-%m-%d")),
                }
            )
            return
        before = dict(zip(UPDATABLE, stored, strict=True))
        after = {name: row.fields[name] for name in UPDATABLE}
        changed = {k: v for k, v in after.items() if _differs(before[k], v)}
        if not changed:
            result.unchanged += 1
            return
        if self.dry:
            result.updated += 1
            return
        last = (
            ImportedRow.select(ImportedRow.version)
            .where(ImportedRow.request == rid)
            .order_by(ImportedRow.id.desc())
            .scalar()
        )
        if last is None or last != version or _touched([rid]):
            result.kept.append(
                {
                    "row": row.number,
                    "reason": _("changed here since it was imported; kept as it is"),
                }
            )
            return
        values_now: dict[str, Any] = dict(changed)
        if "address" in changed:  # searched and checked by its canonical form
            location = normalize_address(changed["address"])
            values_now |= {
                "address_normalized": location.normalized,
                "street": location.street,
                "house_number": location.house_number,
            }
            before |= {
                name: getattr(ServiceRequest.get_by_id(rid), name)
                for name in ("address_normalized", "street", "house_number")
            }
        ServiceRequest.update(**values_now, version=version + 1, updated_at=clock.now()).where(
            ServiceRequest.id == rid
        ).execute()
        said = ", ".join(sorted(changed))
        RequestEvent.create(
            request=rid,
            kind="status" if "status" in changed else "note",
            at=clock.now(),
            old_value=before["status"] if "status" in changed else None,
            new_value=changed.get("status"),
            body=_("Updated from {source} (their file {file}): {fields}.").format(
                source=self.plan.source, file=self.plan.path.name, fields=said
            ),
        )
        changed = values_now
        ImportedRow.create(
            batch=self.batch.id if self.batch else None,
            request=rid,
            row=row.number,
            action="updated",
            version=version + 1,
            before={k: _plain(before[k]) for k in changed},  # what an undo puts back
        )
        result.updated += 1

    def link_duplicates(self) -> None:
        """Requests the source says are duplicates of another: linked where it is here."""
        if self.dry or not self.duplicates:
            return
        pairs = self.duplicates

        def link() -> None:
            for start in range(0, len(pairs), 500):
                part = pairs[start : start + 500]
                wanted = {e for pair in part for e in pair}
                ids = dict(
                    rows_of(
                        ServiceRequest.select(ServiceRequest.external_id, ServiceRequest.id).where(
                            ServiceRequest.external_id.in_(sorted(wanted))
                        )
                    )
                )
                for mine, theirs in part:
                    if mine in ids and theirs in ids and ids[mine] != ids[theirs]:
                        ServiceRequest.update(
                            duplicate_of=ids[theirs], status="closed", resolution="duplicate"
                        ).where(ServiceRequest.id == ids[mine]).execute()

        write(link)


def _differs(stored: Any, new: Any) -> bool:
    if isinstance(stored, float) and isinstance(new, float):
        return abs(stored - new) > 1e-9
    if isinstance(stored, str) and isinstance(new, dt.datetime):
        return stored != new.isoformat(sep=" ")
    return bool(stored != new) and not (stored in (None, "") and new in (None, ""))


def _plain(value: Any) -> Any:
    return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value


def _touched(ids: Sequence[int]) -> set[int]:
    """The requests a clerk did something to: an event with someone's name, a caller added,
    an attachment, a link."""
    found: set[int] = set()
    for query in (
        RequestEvent.select(RequestEvent.request).where(
            RequestEvent.request.in_(ids), RequestEvent.actor.is_null(False)
        ),
        RequestFollower.select(RequestFollower.request).where(RequestFollower.request.in_(ids)),
        Attachment.select(Attachment.request).where(Attachment.request.in_(ids)),
        RequestLink.select(RequestLink.request).where(RequestLink.request.in_(ids)),
        RequestLink.select(RequestLink.other).where(RequestLink.other.in_(ids)),
    ):
        found |= {int(rid) for (rid,) in rows_of(query)}
    return found


# ---- telling it ---------------------------------------------------------------------------


def grouped(items: list[dict[str, Any]]) -> list[tuple[str, list[int]]]:
    """Rows listed with a reason, grouped by reason (reasons that differ only in their numbers
    are one group, told by its first): [(reason, rows)], the largest group first."""
    groups: dict[str, tuple[str, list[int]]] = {}
    for item in items:
        reason = str(item["reason"])
        key = re.sub(r"-?\d+(\.\d+)?", "#", reason)
        groups.setdefault(key, (reason, []))[1].append(int(item["row"]))
    told = []
    for key, (first, rows) in groups.items():
        alike = len(rows) > 1 and key != first
        told.append((first + (_(", and alike") if alike else ""), rows))
    return sorted(told, key=lambda group: -len(group[1]))


def row_list(rows: list[int], most: int = 8) -> str:
    """Row numbers as a clerk reads them: "rows 4, 9–12, 40" (the first few runs)."""
    runs: list[list[int]] = []
    for n in sorted(rows):
        if runs and n == runs[-1][1] + 1:
            runs[-1][1] = n
        else:
            runs.append([n, n])
    parts = [str(a) if a == b else f"{a}–{b}" for a, b in runs[:most]]
    if len(runs) > most:
        parts.append("…")
    return (_("row {rows}") if len(rows) == 1 else _("rows {rows}")).format(rows=", ".join(parts))


def summary(plan: Plan, result: Result, *, undo_hint: str) -> list[str]:
    """What an import did (or would do), in the clerk's words; `undo_hint` says where it is
    undone ("Earlier imports", or the command)."""
    verb = _("Would import") if result.dry_run else _("Imported")
    lines = [
        _(
            "{verb} {imported:,} of {rows:,} rows from {file}; {updated:,} updated, "
            "{unchanged:,} already here as they are, {kept:,} left as a clerk changed them, "
            "{rejected:,} not imported."
        ).format(
            verb=verb,
            imported=result.imported,
            rows=result.rows,
            file=plan.path.name,
            updated=result.updated,
            unchanged=result.unchanged,
            kept=len(result.kept),
            rejected=len(result.rejected),
        )
    ]
    unused = [name for name in plan.table.header if name not in plan.fields.values()]
    if unused:
        lines.append(
            _("Columns not read: {names}.").format(
                names=", ".join(unused[:30]) + (" …" if len(unused) > 30 else "")
            )
        )
    if result.types_made:
        lines.append(
            _(
                "New request types in the group Imported (not offered at the counter): {codes}."
            ).format(codes=", ".join(result.types_made))
        )
    if result.batch is not None and not result.dry_run:
        lines.append(
            _("This is import {batch}: {where} can undo it.").format(
                batch=result.batch, where=undo_hint
            )
        )
    for told, items in (
        (_("Not imported ({n:,} rows, {rows}): {reason}."), result.rejected),
        (_("Imported with a doubt ({n:,} rows, {rows}): {reason}."), result.flagged),
        (_("Left as they are here ({n:,} rows, {rows}): {reason}."), result.kept),
    ):
        for reason, rows in grouped(items):
            lines.append(told.format(n=len(rows), rows=row_list(rows), reason=reason))
    return lines


def undo_summary(outcome: dict[str, Any]) -> list[str]:
    """What an undo did, in the clerk's words."""
    lines = [
        _(
            "Import {batch} undone: {removed:,} requests removed, {restored:,} put back as "
            "they were."
        ).format(**outcome)
    ]
    if outcome["kept"]:
        lines.append(
            _("Kept because a clerk changed them since: {numbers}.").format(
                numbers=", ".join(outcome["kept"][:50])
                + (" …" if len(outcome["kept"]) > 50 else "")
            )
        )
    return lines


# ---- the batches, and undo -----------------------------------------------------------------


def list_batches() -> list[dict[str, Any]]:
    with reading():
        return [
            {
                "batch": b.id,
                "source": b.source,
                "file": b.file_name,
                "state": b.state,
                "rows": b.rows,
                "imported": b.imported,
                "updated": b.updated,
                "rejected": len(b.rejected),
                "started_at": b.started_at.isoformat(timespec="seconds"),
                "finished_at": b.finished_at.isoformat(timespec="seconds")
                if b.finished_at
                else None,
            }
            for b in ImportBatch.select().order_by(ImportBatch.id.desc())
        ]


def undo_import(batch_id: int, *, actor: StaffUser | None) -> dict[str, Any]:
    """Take back batch `batch_id`; {"batch", "removed", "restored", "kept": [numbers]}."""
    permissions.require(actor, permissions.CATALOG_EDIT)
    with reading():
        batch = ImportBatch.get_or_none(ImportBatch.id == batch_id)
    if batch is None:
        raise InputError(_("There is no import number {n}.").format(n=batch_id))
    if batch.state == "undone":
        raise InputError(_("Import {n} was undone already.").format(n=batch_id))
    with reading():
        later = (
            ImportedRow.select(ImportedRow.batch)
            .join(ImportBatch)
            .where(
                ImportedRow.request.in_(
                    ImportedRow.select(ImportedRow.request).where(ImportedRow.batch == batch_id)
                ),
                ImportedRow.batch > batch_id,
                ImportBatch.state != "undone",
            )
            .scalar()
        )
    if later is not None:
        raise InputError(
            _(
                "Import {later} changed requests that import {n} brought in: undo import "
                "{later} first."
            ).format(later=later, n=batch_id)
        )
    outcome: dict[str, Any] = {"batch": batch_id, "removed": 0, "restored": 0, "kept": []}
    #: the years whose tracking numbers the removed requests had
    years: set[int] = set()

    def some() -> bool:
        """Undo up to CHUNK of the batch's rows; False when none are left."""
        part = list(
            ImportedRow.select()
            .where(ImportedRow.batch == batch_id)
            .order_by(ImportedRow.id.desc())
            .limit(CHUNK)
        )
        if not part:
            return False
        ids = [r.request_id for r in part if r.request_id is not None]
        now = {
            rid: version
            for rid, version in rows_of(
                ServiceRequest.select(ServiceRequest.id, ServiceRequest.version).where(
                    ServiceRequest.id.in_(ids)
                )
            )
        }
        touched = _touched(ids)
        gone: list[int] = []
        contacts: list[int] = []
        for row in part:
            rid = row.request_id
            if rid is None or rid not in now:
                continue
            if now[rid] != row.version or rid in touched:
                number = ServiceRequest.get_by_id(rid).tracking_number
                outcome["kept"].append(number)
                continue
            if row.action == "created":
                gone.append(rid)
                if row.contact_id is not None:
                    contacts.append(row.contact_id)
            else:
                restore = {k: v for k, v in (row.before or {}).items() if k in RESTORABLE}
                ServiceRequest.update(
                    **restore, version=ServiceRequest.version + 1, updated_at=clock.now()
                ).where(ServiceRequest.id == rid).execute()
                # the request is again as the import before this one left it: that import's
                # row says so, so it may still update or undo it
                earlier = (
                    ImportedRow.select(ImportedRow.id)
                    .where(ImportedRow.request == rid, ImportedRow.batch != batch_id)
                    .order_by(ImportedRow.id.desc())
                    .first()
                )
                if earlier is not None:
                    ImportedRow.update(version=now[rid] + 1).where(
                        ImportedRow.id == earlier.id
                    ).execute()
                outcome["restored"] += 1
        if gone:
            for (number,) in rows_of(
                ServiceRequest.select(ServiceRequest.tracking_number).where(
                    ServiceRequest.id.in_(gone)
                )
            ):
                years.add(int(str(number)[:4]))
            RequestLink.delete().where(
                RequestLink.request.in_(gone) | RequestLink.other.in_(gone)
            ).execute()
            ServiceRequest.update(duplicate_of=None).where(
                ServiceRequest.duplicate_of.in_(gone)
            ).execute()
            ServiceRequest.delete().where(ServiceRequest.id.in_(gone)).execute()
            outcome["removed"] += len(gone)
        if contacts:
            used = {
                cid
                for (cid,) in rows_of(
                    ServiceRequest.select(ServiceRequest.contact).where(
                        ServiceRequest.contact.in_(contacts)
                    )
                )
            }
            spare = [c for c in contacts if c not in used]
            if spare:
                Contact.delete().where(Contact.id.in_(spare)).execute()
        ImportedRow.delete().where(ImportedRow.id.in_([r.id for r in part])).execute()
        return True

    while write(some):
        sessions.keep_alive()

    def finish() -> None:
        made = batch.mapping.get("types_made", [])
        if made:
            used = {
                code
                for (code,) in rows_of(
                    ServiceType.select(ServiceType.code)
                    .join(ServiceRequest, on=ServiceRequest.service_type == ServiceType.id)
                    .where(ServiceType.code.in_(made))
                    .distinct()
                )
            }
            for code in made:
                if code in used:
                    continue
                try:  # a type an administrator has since given rules or questions stays
                    with database.atomic():
                        ServiceType.delete().where(
                            ServiceType.code == code,
                            ServiceType.group_name == matching.IMPORTED_GROUP,
                        ).execute()
                except peewee.IntegrityError:
                    continue
        for year in sorted(years):  # numbers the import took are given out again
            left = [
                parse_tracking(str(number))
                for (number,) in rows_of(
                    ServiceRequest.select(ServiceRequest.tracking_number).where(
                        ServiceRequest.tracking_number.startswith(f"{year}-")
                    )
                )
            ]
            last = max((int(n.split("-")[1]) for n in left if n), default=0)
            TrackingCounter.update(last=last).where(
                TrackingCounter.year == year, TrackingCounter.last > last
            ).execute()
        ImportBatch.update(state="undone", undone_at=clock.now()).where(
            ImportBatch.id == batch_id
        ).execute()
        audit.record(
            ImportBatch._meta.table_name,
            batch_id,
            "import_undo",
            None,
            {
                "removed": outcome["removed"],
                "restored": outcome["restored"],
                "kept": len(outcome["kept"]),
            },
            actor,
        )

    write(finish)
    return outcome
