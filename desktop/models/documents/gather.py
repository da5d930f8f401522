"""The plain data behind every printed document, read from the database in a few queries.

`desktop.printing` turns what this returns into PDF bytes; it never queries. Printing records a
"printed" event on each request (`record_printed`), which is how a second print knows it is a
reprint. Letter templates are a town setting with built-in defaults.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

import peewee

from desktop import i18n
from desktop.i18n import _, speaking
from desktop.models import clock
from desktop.models.catalog.translations import (
    attribute_label,
    department_name,
    shown_names,
    type_text,
)
from desktop.models.errors import InputError, NotFound
from desktop.models.geo import maps
from desktop.models.knowledge import articles as knowledge
from desktop.models.requests.detail import answer_text
from desktop.models.requests.tracking import find_request
from desktop.models.residents.contacts import postal_lines, resident_language
from desktop.models.staff import permissions
from desktop.models.storage.db import reading, write
from desktop.models.storage.schema import (
    Contact,
    ContactMethod,
    Department,
    FaqArticle,
    RequestAnswer,
    RequestEvent,
    ServiceAttribute,
    ServiceRequest,
    ServiceType,
    StaffUser,
)
from desktop.models.town.letters import (
    language_of,
    letter_templates,
    merge_template,
    request_fields,
    template_for,
)
from desktop.models.town.settings import all_settings, get_logo, get_setting, set_settings
from desktop.models.town.status_pin import status_line
from desktop.models.vocab import EVENT_KINDS, OPEN_STATUSES, PRIORITIES, STATUSES
from desktop.printing.data import (
    Answer,
    FaqBinderData,
    FaqEntry,
    HistoryItem,
    LetterData,
    PageSetup,
    ReceiptData,
    RunSheetData,
    TownHeader,
    WorkOrderData,
)

#: what a "printed" event's new_value says was printed
WORK_ORDER, RECEIPT, LETTER = "work_order", "receipt", "letter"
HISTORY_LINES = 6
CHUNK = 500  # ids per query (SQLite's limit on bound variables)
MAX_PACKET = 2000  # a day's packet larger than this is a mistake in the choice, not a day's work
#: work orders chosen by hand for one print: more is a slip of Ctrl+A or Shift+click, not a
#: crew's day (a day's packet is the run sheet's, with MAX_PACKET)
MAX_SELECTED_ORDERS = 500

#: the built-in letters that say the work is done (refused for a request not yet resolved)
_AFTER_THE_WORK = ("closure", "not_ours")


# -- the town and the paper ----------------------------------------------------------------


def page_setup() -> PageSetup:
    """The town's letterhead and paper size, as every document of a print job shares them."""
    with reading():
        values = all_settings()
        logo = get_logo()
    town = TownHeader(
        name=str(values["town.name"] or _("Town Hall")),
        address=str(values["town.address"] or ""),
        phone=str(values["town.phone"] or ""),
        email=str(values["town.email"] or ""),
        website=str(values["town.website"] or ""),
        logo=logo,
    )
    paper = str(values.get("print.page_size") or "letter").lower()
    return PageSetup(town=town, paper="a4" if paper == "a4" else "letter")


# -- work orders ------------------------------------------------------------------------------


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def find_by_reference(reference: str | int) -> ServiceRequest:
    """A request by tracking number (typed or scanned) or, failing that, by its id."""
    with reading():
        if isinstance(reference, int):
            return find_request(reference)
        try:
            return find_request(reference)
        except NotFound:
            if reference.strip().isdigit():
                return find_request(int(reference.strip()))
            raise


def resolve_references(references: Iterable[str | int]) -> list[int]:
    """Request ids for typed numbers, scanned numbers or ids, in the order given, each once."""
    ids: list[int] = []
    for reference in references:
        request_id = int(find_by_reference(reference).id)
        if request_id not in ids:
            ids.append(request_id)
    return ids


def tracking_numbers(request_ids: Sequence[int]) -> list[str]:
    """The tracking numbers of these requests, in the order given."""
    numbers: dict[int, str] = {}
    with reading():
        for chunk in _chunks(request_ids):
            rows: Any = (
                ServiceRequest.select(ServiceRequest.id, ServiceRequest.tracking_number)
                .where(ServiceRequest.id.in_(list(chunk)))
                .tuples()
            )
            numbers.update({int(i): str(n) for i, n in rows})
    return [numbers[i] for i in request_ids if i in numbers]


def print_counts(request_ids: Sequence[int], document: str) -> dict[int, int]:
    """How many times each request's `document` was printed before."""
    counts: dict[int, int] = {}
    for chunk in _chunks(request_ids):
        rows: Any = (
            RequestEvent.select(RequestEvent.request, peewee.fn.COUNT(RequestEvent.id))
            .where(
                RequestEvent.request.in_(list(chunk)),
                RequestEvent.kind == "printed",
                RequestEvent.new_value == document,
            )
            .group_by(RequestEvent.request)
            .tuples()
        )
        counts.update({int(request_id): int(count) for request_id, count in rows})
    return counts


def _history_text(
    kind: str, body: str, new_value: str | None, staff_names: dict[int, str] | None = None
) -> str:
    """One history line in words: an assignment names the assignee (some events keep the staff
    member's id in new_value), a status or a priority its label."""
    label = EVENT_KINDS.get(kind, kind)
    if kind == "status" and new_value:
        detail = STATUSES.get(new_value, new_value)
        return f"{label}: {detail}" + (f" — {body}" if body else "")
    if kind == "priority" and new_value:
        return f"{label}: {PRIORITIES.get(new_value, new_value)}"
    if kind == "assignment":
        name = new_value or ""
        if name.strip().isdigit():
            name = (staff_names or {}).get(int(name), "")
        if name:
            return f"{label}: {name}"
        return f"{label}: {body}" if body else label
    detail = body or new_value or ""
    return f"{label}: {detail}" if detail else label


def _assigned_ids(values: Iterable[str | None]) -> list[int]:
    return sorted({int(v) for v in values if v and v.strip().isdigit()})


def work_orders(request_ids: Sequence[int], *, actor: StaffUser | None) -> list[WorkOrderData]:
    """The work orders of these requests, in the order given (a few queries for any number).
    Printing is a signed-in member of staff's (the residents' details are on them)."""
    permissions.require(actor, permissions.REQUEST_PRINT)
    if not request_ids:
        return []
    with reading():
        requests: dict[int, Any] = {}
        assignees = StaffUser.alias()
        for chunk in _chunks(request_ids):
            query = (
                ServiceRequest.select(
                    ServiceRequest,
                    ServiceType.name.alias("type_name"),
                    ServiceType.safety_notice.alias("type_safety"),
                    Department.name.alias("department_name"),
                    assignees.full_name.alias("assignee_name"),
                    Contact.first_name.alias("contact_first"),
                    Contact.last_name.alias("contact_last"),
                    Contact.organization.alias("contact_org"),
                )
                .join(ServiceType, on=ServiceRequest.service_type == ServiceType.id)
                .switch(ServiceRequest)
                .join(Department, on=ServiceRequest.department == Department.id)
                .switch(ServiceRequest)
                .join(
                    assignees,
                    peewee.JOIN.LEFT_OUTER,
                    on=ServiceRequest.assignee == assignees.id,
                )
                .switch(ServiceRequest)
                .join(Contact, peewee.JOIN.LEFT_OUTER, on=ServiceRequest.contact == Contact.id)
                .where(ServiceRequest.id.in_(list(chunk)))
            )
            requests.update({row.id: row for row in query.objects()})
        missing = [i for i in request_ids if i not in requests]
        if missing:
            raise NotFound(_("There is no request with id {id}.").format(id=missing[0]))
        type_ids = {row.service_type_id for row in requests.values()}
        found: Any = ServiceAttribute.select().where(ServiceAttribute.service_type.in_(type_ids))
        attributes: dict[tuple[int, str], ServiceAttribute] = {
            (a.service_type_id, a.code): a for a in found
        }
        answers: dict[int, list[tuple[int, Answer]]] = defaultdict(list)
        events: dict[int, list[HistoryItem]] = defaultdict(list)
        events_seen: dict[int, list[Any]] = defaultdict(list)
        staff_names: dict[int, str] = {}
        phones: dict[int, str] = {}
        contact_ids = [row.contact_id for row in requests.values() if row.contact_id]
        ids = list(requests)
        for chunk in _chunks(ids):
            chosen: Any = RequestAnswer.select().where(RequestAnswer.request.in_(list(chunk)))
            for answer in chosen:
                type_id = requests[answer.request_id].service_type_id
                attribute = attributes.get((type_id, answer.attribute_code))
                label = (
                    attribute_label(attribute, i18n.language())
                    if attribute
                    else answer.attribute_code
                )
                place = attribute.sort_order if attribute else 1_000_000
                value = answer_text(attribute, answer.value)
                answers[answer.request_id].append((place, Answer(label, value)))
            history: Any = (
                RequestEvent.select(RequestEvent, assignees.full_name.alias("actor_name"))
                .join(assignees, peewee.JOIN.LEFT_OUTER, on=RequestEvent.actor == assignees.id)
                .where(RequestEvent.request.in_(list(chunk)), RequestEvent.kind != "printed")
                .order_by(RequestEvent.request, RequestEvent.at.desc(), RequestEvent.id.desc())
            )
            recent: list[Any] = []
            for event in history.objects():
                if len(recent_of := events_seen[event.request_id]) < HISTORY_LINES:
                    recent_of.append(event)
                    recent.append(event)
            assigned = _assigned_ids(e.new_value for e in recent if e.kind == "assignment")
            for ids_chunk in _chunks(assigned):
                named: Any = (
                    StaffUser.select(StaffUser.id, StaffUser.full_name)
                    .where(StaffUser.id.in_(list(ids_chunk)))
                    .tuples()
                )
                staff_names.update({int(i): str(n) for i, n in named})
            for event in recent:
                what = _history_text(event.kind, event.body, event.new_value, staff_names)
                events[event.request_id].append(
                    HistoryItem(event.at, what, getattr(event, "actor_name", "") or "")
                )
        for chunk in _chunks(contact_ids):
            methods: Any = (
                ContactMethod.select()
                .where(ContactMethod.contact.in_(list(chunk)), ContactMethod.kind == "phone")
                .order_by(ContactMethod.is_primary.desc(), ContactMethod.id.desc())
            )
            for method in methods:
                phones[method.contact_id] = method.value  # the primary one is read last
        printed = print_counts(ids, WORK_ORDER)
    # the catalog's names as the page's reader reads them (its Spanish in a Spanish window)
    shown = shown_names(i18n.language())
    kinds, places = shown.get("service_type", {}), shown.get("department", {})
    orders = []
    for request_id in request_ids:
        row = requests[request_id]
        listed = [answer for _place, answer in sorted(answers[request_id], key=lambda a: a[0])]
        confidential = bool(row.confidential)
        name = ""
        if row.contact_id and not confidential:
            name = f"{row.contact_first or ''} {row.contact_last or ''}".strip() or (
                row.contact_org or ""
            )
        orders.append(
            WorkOrderData(
                request_id=request_id,
                tracking_number=row.tracking_number,
                service_type=kinds.get(row.type_name, row.type_name),
                priority=row.priority,
                priority_label=PRIORITIES.get(row.priority, row.priority),
                status_label=STATUSES.get(row.status, row.status),
                department=places.get(row.department_name, row.department_name),
                assignee=row.assignee_name or "",
                requested_at=row.requested_at,
                due_at=row.due_at,
                address=row.address,
                location_notes=row.location_notes,
                lat=row.lat,
                long=row.long,
                description=row.description,
                answers=listed,
                safety_notice=row.type_safety or "",
                contact_name=name,
                contact_phone="" if confidential else phones.get(row.contact_id or 0, ""),
                history=events[request_id],
                reprint=printed.get(request_id, 0) > 0,
                times_printed=printed.get(request_id, 0),
                street=row.street,
                house_number=row.house_number,
            )
        )
    for order in orders:  # a small map of the place and the streets at its block's ends
        if order.lat is not None and order.long is not None:
            order.map, crossing = maps.place_map(order.lat, order.long, order.street)
            if crossing and not order.cross_street:
                order.cross_street = _("between {streets}").format(
                    streets=_(" and ").join(crossing)
                )
    return orders


def record_printed(
    request_ids: Sequence[int], document: str, *, actor: StaffUser | None, note: str = ""
) -> None:
    """Say in each request's history that `document` was printed (one short write)."""
    permissions.require(actor, permissions.REQUEST_PRINT)
    if not request_ids:
        return
    labels = {WORK_ORDER: _("Work order printed"), RECEIPT: _("Receipt printed")}
    body = note or labels.get(document, _("Letter printed"))
    now = clock.now()
    rows = [
        {
            "request": request_id,
            "kind": "printed",
            "at": now,
            "actor": actor,
            "public": False,
            "body": body,
            "new_value": document,
        }
        for request_id in request_ids
    ]

    def save() -> None:
        for start in range(0, len(rows), 100):
            RequestEvent.insert_many(rows[start : start + 100]).execute()

    write(save)


# -- a department's day -------------------------------------------------------------------------


def department_by_code(code: str) -> Department:
    with reading():
        found = Department.get_or_none(Department.code == code.strip())
    if found is None:
        raise NotFound(_("There is no department with the code “{code}”.").format(code=code))
    return found


def staff_by_username(username: str) -> StaffUser:
    """A member of staff by user name (a crew lead, say), for a run sheet by assignee."""
    with reading():
        found = StaffUser.get_or_none(StaffUser.username == username.strip())
    if found is None:
        raise NotFound(_("There is no staff member “{name}”.").format(name=username))
    return found


def refuse_large_selection(count: int) -> None:
    """More work orders than one print should hold is a slip of the selection: it is said at
    once, before anything is read, rather than after minutes of building thousands of pages."""
    if count > MAX_SELECTED_ORDERS:
        raise InputError(
            _(
                "{count} requests are selected, and one print holds at most {limit} work "
                "orders. Select fewer, or print a crew's day with “Print the day's packet” on "
                "the Work orders page."
            ).format(count=f"{count:,}", limit=f"{MAX_SELECTED_ORDERS:,}")
        )


def todays_work_order_ids(
    department_code: str | None, day: dt.date, *, assignee: str | None = None
) -> list[int]:
    """The work for `day` of a department, of an assignee (a staff member's user name, such as
    a crew lead), or of both together: the open requests (clock running) that are due by the
    end of that day or were never printed as a work order. Route order is the printout's job.

    With neither, the whole town's work for the day (a small town prints one packet).

    More than MAX_PACKET is refused with a clear sentence rather than cut short."""
    department = department_by_code(department_code) if department_code else None
    person = staff_by_username(assignee) if assignee else None
    end = dt.datetime.combine(day, dt.time.max)
    printed = RequestEvent.select(RequestEvent.id).where(
        RequestEvent.request == ServiceRequest.id,
        RequestEvent.kind == "printed",
        RequestEvent.new_value == WORK_ORDER,
    )
    chosen = [
        ServiceRequest.status.in_(OPEN_STATUSES),
        ServiceRequest.paused_since.is_null(),
        ServiceRequest.requested_at <= end,
        (ServiceRequest.due_at <= end) | ~peewee.fn.EXISTS(printed),
    ]
    if department is not None:
        chosen.append(ServiceRequest.department == department.id)
    if person is not None:
        chosen.append(ServiceRequest.assignee == person.id)
    with reading():
        query: Any = (
            ServiceRequest.select(ServiceRequest.id)
            .where(*chosen)
            .order_by(ServiceRequest.due_at, ServiceRequest.id)
            .limit(MAX_PACKET + 1)
            .tuples()
        )
        ids = [int(row[0]) for row in query]
    if len(ids) > MAX_PACKET:
        who = " — ".join(
            name for name in (department and department.name, person and person.full_name) if name
        ) or _("The town")
        raise InputError(
            _(
                "{who} has more than {limit} open work orders for {day}, more than one packet "
                "can hold. Print the packet of one crew member (or one department and crew "
                "member), or print the work orders by number."
            ).format(who=who, limit=f"{MAX_PACKET:,}", day=day.isoformat())
        )
    return ids


def run_sheet(
    department_code: str | None,
    day: dt.date,
    *,
    assignee: str | None = None,
    actor: StaffUser | None,
) -> RunSheetData:
    """The packet for `day` of a department, of an assignee (user name), or of both."""
    department = department_by_code(department_code) if department_code else None
    person = staff_by_username(assignee) if assignee else None
    orders = work_orders(
        todays_work_order_ids(department_code, day, assignee=assignee), actor=actor
    )
    with reading():
        start = maps.depot()
    stops = [(o.lat, o.long) for o in orders if o.lat is not None and o.long is not None]
    return RunSheetData(
        department.name if department else "",
        department.code if department else "",
        day,
        orders,
        assignee=person.full_name if person else "",
        assignee_username=person.username if person else "",
        depot=start,
        overview=maps.run_map(stops, start),
    )


# -- the resident's receipt and letters ----------------------------------------------------------


def receipt(reference: str | int, *, actor: StaffUser | None) -> ReceiptData:
    permissions.require(actor, permissions.REQUEST_PRINT)
    with reading():
        request = find_request(reference)
        kind = request.service_type
        contact = request.contact if request.contact_id else None
        printed = print_counts([request.id], RECEIPT).get(request.id, 0)
        spoken = resident_language(contact)
        with speaking(spoken):
            line = status_line(request.tracking_number)
        return ReceiptData(
            tracking_number=request.tracking_number,
            service_type=type_text(kind, "name", spoken),
            description=request.description,
            address=request.address,
            requested_at=request.requested_at,
            expected_at=request.due_at,
            service_notice=type_text(kind, "service_notice", spoken),
            department=department_name(request.department, spoken),
            contact_name=contact.display_name if contact else "",
            reprint=printed > 0,
            status_line=line,
            language=spoken,
        )


def save_letter_template(name: str, subject: str, body: str, *, actor: StaffUser | None) -> None:
    """Add or change one of the town's letter templates."""
    name = name.strip()
    if not name or not re.fullmatch(r"[\w-]{1,40}", name):
        raise InputError(_("A template name is one word of letters, digits, - or _."))
    if not body.strip():
        raise InputError(_("The letter is empty."))
    with reading():
        stored = get_setting("print.letter_templates")
    templates = dict(stored) if isinstance(stored, dict) else {}
    templates[name] = {"subject": subject.strip(), "body": body}
    set_settings({"print.letter_templates": templates}, actor=actor)


def _recipient(contact: Contact | None) -> list[str]:
    return postal_lines(contact) if contact is not None else []


def letter_fields(reference: str | int, texts: Sequence[str]) -> list[str]:
    """Each text with the request's fields in its {placeholders} (saved responses): the
    request and the town are read once for all of them."""
    setup = page_setup()
    with reading():
        request = find_request(reference)
        contact = request.contact if request.contact_id else None
        resident = (
            contact.display_name
            if contact is not None and contact.anonymized_at is None and contact.display_name
            else _("resident")
        )
        values = request_fields(request, resident, setup.town)
    return [re.sub(r"\n{3,}", "\n\n", merge_template(text, values)) for text in texts]


def letter(reference: str | int, template_name: str, *, actor: StaffUser | None) -> LetterData:
    """A letter to the request's resident, merged from the named template."""
    permissions.require(actor, permissions.REQUEST_PRINT)
    templates = letter_templates()
    setup = page_setup()
    with reading():
        request = find_request(reference)
        contact = request.contact if request.contact_id else None
        # the letter in the resident's language, unless the clerk chose one ("received-es"); a
        # town's own letter with no version in that language is written in English, all of it
        wanted = language_of(template_name) or resident_language(contact)
        found = template_for(template_name, wanted, templates)
        if found is None:
            raise NotFound(
                _("There is no letter template “{name}”. There are: {names}.").format(
                    name=template_name, names=", ".join(sorted(templates))
                )
            )
        template, spoken = found
        recipient = _recipient(contact)
        if not recipient:
            raise InputError(
                _(
                    "Request {number} has no resident with a postal address on file: add the "
                    "address to the resident first."
                ).format(number=request.tracking_number)
            )
        base_name = template_name.removesuffix(f"-{language_of(template_name)}")
        if base_name in _AFTER_THE_WORK and request.resolved_at is None:
            raise InputError(
                _(
                    "Request {number} is not resolved yet, and the “{name}” letter tells the "
                    "resident the work is done. Resolve it first, or choose another letter."
                ).format(number=request.tracking_number, name=template_name)
            )
        today = clock.today()
        with speaking(spoken):
            values = request_fields(request, recipient[0], setup.town)
    body = merge_template(template["body"], values)
    body = re.sub(r"\n{3,}", "\n\n", body)  # an empty {status_notes} leaves no hole
    return LetterData(
        tracking_number=request.tracking_number,
        recipient_lines=recipient,
        date=today,
        subject=merge_template(template["subject"], values),
        body=body,
        language=spoken,
    )


# -- the FAQ binder ---------------------------------------------------------------------------


#: what an article's placeholder the town has not filled in prints as: a line to write on
BLANK = "________"


def _filled(text: str, values: dict[str, str]) -> str:
    """An article's text as the Knowledge screen fills it in, with a line to write on for each
    placeholder the town has not filled in: a resident reading the binder should see neither
    "{town_website}" nor a note meant for staff."""
    return knowledge.render(text, values, blank=BLANK)


def faq_binder() -> FaqBinderData:
    """Every active public article with its topic: a topic column if the schema has one, else
    the article's department, else "General". Placeholders are filled in as on screen."""
    topic_field = getattr(FaqArticle, "topic", None)
    with reading():
        values = knowledge.placeholder_values()
        query = (
            FaqArticle.select(FaqArticle, Department.name.alias("department_name"))
            .join(Department, peewee.JOIN.LEFT_OUTER, on=FaqArticle.department == Department.id)
            .where(FaqArticle.audience == "public", FaqArticle.active == True)  # noqa: E712
            .order_by(FaqArticle.title)
        )
        articles = []
        for article in query.objects():
            topic = ""
            if isinstance(topic_field, peewee.Field):
                topic = str(getattr(article, "topic", "") or "")
            topic = topic or getattr(article, "department_name", None) or _("General")
            articles.append(
                FaqEntry(_filled(article.title, values), _filled(article.body, values), topic)
            )
    return FaqBinderData(printed_on=clock.today(), articles=articles)
