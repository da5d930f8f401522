"""Requests out to a spreadsheet: any list view to CSV or Excel, and the open-data CSV.

The staff export has a column chooser: the request's own fields, its type's answers, the
department, the resolution, the due dates and whether they were met, and - for roles that may
see them - the resident's name, phone and email (a confidential reporter's stay hidden from
roles that may not see them). Exporting personal data is noted in the audit trail.

The open-data export has no personal data at all: no names, phones, emails, no descriptions
(callers' own words name people), no confidential reporters, and the address generalised to
the block ("100 block of Elm St").

Spreadsheet programs run a cell that starts with = + - or @ as a formula: such text is written
with a leading apostrophe in CSV and as plain text in Excel.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import peewee

from desktop.i18n import _
from desktop.models import audit, permissions
from desktop.models.db import reading, write
from desktop.models.errors import InputError, KnownError
from desktop.models.request_list import RequestFilter, RequestList
from desktop.models.schema import (
    Contact,
    ContactMethod,
    Department,
    RequestAnswer,
    ServiceAttribute,
    ServiceRequest,
    ServiceType,
    StaffUser,
)
from desktop.models.vocab import CHANNELS, PRIORITIES, RESOLUTIONS, STATUSES

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
        for code, label in _tuples(query.order_by(ServiceAttribute.code)):
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


def generalised_address(street: str, house: int | None, address: str) -> str:
    """ "100 block of Elm St"; a place with no house number stays as named ("Town Green");
    nothing when no street or place was recognised."""
    if not street:
        return ""
    name = street.title()
    if house is None:
        return name
    return _("{hundred} block of {street}").format(hundred=house // 100 * 100, street=name)


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
    ids: list[int], keys: Sequence[str], *, mask_confidential: bool, public: bool
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
            "block": generalised_address(r.street, r.house_number, r.address),
            "zip": r.zip,
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
    actor: StaffUser | None = None,
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
        for ids in _request_ids(filters):
            with reading():
                yield from _values(ids, column_keys, mask_confidential=mask, public=public)

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
    actor: StaffUser | None = None,
) -> int:
    """Write the export to `path` (a temporary file renamed into place: a failed export leaves
    no half file). Returns the number of requests written."""
    if file_format not in FORMATS:
        raise InputError(_("Export as csv or xlsx."))
    header, rows = export_rows(filters, keys, public=public, actor=actor)
    path = Path(path)
    folder = path.parent
    try:
        handle, temporary = tempfile.mkstemp(prefix=".export-", suffix=path.suffix, dir=folder)
        os.close(handle)
    except OSError as exc:
        raise KnownError(
            _("Cannot write in {folder}: {reason}").format(folder=folder, reason=exc.strerror)
        ) from exc
    try:
        count = (_write_xlsx if file_format == "xlsx" else _write_csv)(
            Path(temporary), header, rows
        )
        Path(temporary).replace(path)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise KnownError(
            _("The export could not be written to {path}: {reason}").format(
                path=path, reason=exc.strerror or exc
            )
        ) from exc
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
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
