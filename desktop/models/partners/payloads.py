"""GeoReport v2 payloads as files: the XML form of any answer (`to_xml`, the endpoint's too),
the services and requests written to a folder for a partner with no network
(`export_payloads`), and requests another system published read back in (`import_payloads`:
a GET requests.json or requests.xml answer, Boston's and Chicago's as they are).

An import is idempotent by the partner's own id: each request keeps it as its external id
("PARTNER:ID"), and a request already there is skipped, so the same file read twice (or a
larger one that repeats it) adds only what is new. The source's request types are matched to
the town's by code, then by name; the rest become types of their own in the group "Imported",
not offered at the counter, in the Town Clerk's department (an administrator moves them). An
XML file is read with defusedxml (no entity expansion, no external entities).
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import defusedxml.ElementTree

from desktop.i18n import _
from desktop.models import clock
from desktop.models.errors import InputError
from desktop.models.imports.matching import ImportedTypes
from desktop.models.outside import load_json
from desktop.models.partners import georeport
from desktop.models.partners.georeport import Query
from desktop.models.requests.open311 import EXTENSIONS_KEY
from desktop.models.requests.tracking import next_tracking_number
from desktop.models.staff import audit, permissions
from desktop.models.storage.db import reading, write
from desktop.models.storage.safe_files import write_whole
from desktop.models.storage.schema import (
    RequestEvent,
    ServiceRequest,
    ServiceType,
    StaffUser,
)
from desktop.models.text_clean import MAX_DESCRIPTION, MAX_LINE, clean_text
from desktop.models.town.addresses import normalize_address
from desktop.models.vocab import CHANNELS, DONE_STATUSES, OPEN_STATUSES, PRIORITIES, RESOLUTIONS

#: the largest file read (a GET requests answer is at most 1,000 requests of a few KB)
MOST_BYTES = 64 * 1024 * 1024
EXTERNAL_MAX = 100

#: the XML element of each item of a list, by the list's element
_ITEMS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "service_request_updates": "request_update",
    "history": "change",
}


def _xml_value(parent: ElementTree.Element, name: str, value: Any) -> None:
    element = ElementTree.SubElement(parent, name)
    if isinstance(value, dict):
        if name == "attribute" and parent.tag != "attributes":  # a request's answers
            parent.remove(element)
            holder = ElementTree.SubElement(parent, "attributes")
            for code, answer in value.items():
                item = ElementTree.SubElement(holder, "attribute")
                ElementTree.SubElement(item, "code").text = str(code)
                values = answer if isinstance(answer, list) else [answer]
                for one in values:
                    ElementTree.SubElement(item, "value").text = _xml_text(one)
            return
        for key, inner in value.items():
            _xml_value(element, key, inner)
    elif isinstance(value, list):
        item_name = _ITEMS.get(name, "item")
        for inner in value:
            _xml_value(element, item_name, inner)
    else:
        element.text = _xml_text(value)


def _xml_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def to_xml(root: str, value: Any) -> bytes:
    element = ElementTree.Element(root)
    if isinstance(value, list):
        for item in value:
            _xml_value(element, _ITEMS.get(root, "item"), item)
    else:
        for key, inner in value.items():
            _xml_value(element, key, inner)
    text: bytes = ElementTree.tostring(element, encoding="utf-8", xml_declaration=False)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + text


def _read(path: Path) -> list[dict[str, Any]]:
    """The requests of a GeoReport v2 requests answer, JSON or XML, as dicts of text."""
    try:
        size = path.stat().st_size
        if size > MOST_BYTES:
            raise InputError(
                _("{file} is larger than a requests answer can be ({n} MB at most).").format(
                    file=path.name, n=MOST_BYTES // 1024 // 1024
                )
            )
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(
            _("{file} could not be read: {reason}").format(file=path, reason=exc.strerror or exc)
        ) from None
    if raw.lstrip()[:1] == b"<":
        return _from_xml(raw, path.name)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(_("{file} is not UTF-8 text.").format(file=path.name)) from None
    data = load_json(text, path.name)
    if isinstance(data, dict) and isinstance(data.get("service_requests"), list):
        data = data["service_requests"]
    if not isinstance(data, list):
        raise InputError(
            _("{file} is not a list of Open311 requests (a GET requests.json answer).").format(
                file=path.name
            )
        )
    return [item if isinstance(item, dict) else {} for item in data]


def _from_xml(raw: bytes, name: str) -> list[dict[str, Any]]:
    try:
        root = defusedxml.ElementTree.fromstring(raw)
    except (ElementTree.ParseError, defusedxml.DefusedXmlException, ValueError) as exc:
        raise InputError(
            _("{file} is not well-formed XML ({reason}).").format(file=name, reason=exc)
        ) from None
    if root.tag != "service_requests":
        raise InputError(
            _("{file} is not an Open311 requests answer (<service_requests>).").format(file=name)
        )
    found = []
    for request in root.findall("request"):
        item: dict[str, Any] = {}
        for child in request:
            if len(child) == 0:
                item[child.tag] = child.text or None
            elif child.tag == EXTENSIONS_KEY:
                item[child.tag] = {part.tag: part.text or None for part in child if len(part) == 0}
        found.append(item)
    return found


@dataclass
class ImportReport:
    file: str
    partner: str
    rows: int = 0
    imported: int = 0
    already_there: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)
    types_made: list[str] = field(default_factory=list)
    dry_run: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "partner": self.partner,
            "rows": self.rows,
            "imported": self.imported,
            "already_there": self.already_there,
            "rejected": self.rejected,
            "types_made": self.types_made,
            "dry_run": self.dry_run,
        }


def _text(item: dict[str, Any], name: str, limit: int) -> str:
    value = item.get(name)
    if value is None or isinstance(value, dict | list):
        return ""
    return clean_text(str(value), limit)


def _moment(value: str) -> dt.datetime | None:
    """An ISO 8601 moment as local wall-clock time (how the town keeps them)."""
    if not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone().replace(tzinfo=None)
    if not clock.FIRST_YEAR <= moment.year <= clock.LAST_YEAR:
        return None
    return moment.replace(microsecond=0)


def _coordinate(value: Any, limit: float) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) and abs(number) <= limit else None


class _Types:
    """The town's request type for each of the source's (code, name), made when none fits
    (`ImportedTypes`: the group Imported, not offered at the counter)."""

    def __init__(self, dry_run: bool) -> None:
        self.dry_run = dry_run
        self.by_code = {t.code: t for t in ServiceType.select()}
        self.by_name = {t.name.casefold(): t for t in self.by_code.values()}
        self.making = ImportedTypes(_("Made by an Open311 import (the source's code {code})."))
        self.made = self.making.made

    def find(self, code: str, name: str) -> ServiceType | None:
        found = self.by_code.get(code) or self.by_name.get(name.casefold())
        if found is not None or not (code or name):
            return found
        new_code = self.making.code_for(name, code, save=not self.dry_run)
        if new_code is None:
            return None
        kind = (
            ServiceType(code=new_code, name=(name or code)[:200], department=self.making.department)
            if self.dry_run
            else ServiceType.get(ServiceType.code == new_code)
        )
        self.by_code[new_code] = kind
        self.by_name[kind.name.casefold()] = kind
        return kind


def import_payloads(
    path: Path, *, partner: str = "open311", dry_run: bool = False, actor: StaffUser | None
) -> ImportReport:
    """Read the requests another system published (a GET requests answer) into the town: each
    is checked first, and a file with a row that cannot be read still brings in the rest (each
    rejected row is named with its reason). `dry_run`: say what would happen, change nothing."""
    permissions.require(actor, permissions.CATALOG_EDIT)
    partner = clean_text(partner, 40).strip() or "open311"
    items = _read(path)
    report = ImportReport(str(path), partner, rows=len(items), dry_run=dry_run)

    def save() -> None:
        types = _Types(dry_run)
        ids = {f"{partner}:{_text(item, 'service_request_id', 60)}" for item in items}
        present = {
            row.external_id
            for row in ServiceRequest.select(ServiceRequest.external_id).where(
                ServiceRequest.external_id.in_(sorted(ids))
            )
        }
        seen: set[str] = set()
        for number, item in enumerate(items, 1):
            problem = _problem(item)
            if problem:
                report.rejected.append({"row": number, "reason": problem})
                continue
            external = f"{partner}:{_text(item, 'service_request_id', 60)}"[:EXTERNAL_MAX]
            if external in present or external in seen:
                report.already_there += 1
                continue
            seen.add(external)
            kind = types.find(_text(item, "service_code", 64), _text(item, "service_name", 200))
            if kind is None:
                report.rejected.append({"row": number, "reason": _("no request type")})
                continue
            report.imported += 1
            if not dry_run:
                _save_one(item, kind, external, partner)
        report.types_made = types.made
        if not dry_run and report.imported:
            audit.record(
                ServiceRequest._meta.table_name,
                None,
                "open311_import",
                None,
                {"file": path.name, "partner": partner, "imported": report.imported},
                actor,
            )

    with reading():
        write(save)
    return report


def _problem(item: dict[str, Any]) -> str:
    """Why a row cannot come in ('' when it can)."""
    if not item:
        return _("not a request object")
    if not _text(item, "service_request_id", 60):
        return _("no service_request_id")
    if not (_text(item, "service_code", 64) or _text(item, "service_name", 200)):
        return _("no service_code or service_name")
    if _moment(_text(item, "requested_datetime", 64)) is None:
        return _("no readable requested_datetime")
    status = _text(item, "status", 20).lower()
    if status not in ("open", "closed"):
        return _("status is not open or closed")
    return ""


def _save_one(item: dict[str, Any], kind: ServiceType, external: str, partner: str) -> None:
    requested = _moment(_text(item, "requested_datetime", 64))
    assert requested is not None  # _problem said so
    updated = _moment(_text(item, "updated_datetime", 64)) or requested
    closed = _text(item, "status", 20).lower() == "closed"
    address = _text(item, "address", MAX_LINE)
    location = normalize_address(address)
    lat, long = _coordinate(item.get("lat"), 90), _coordinate(item.get("long"), 180)
    if lat is None or long is None:
        lat = long = None
    media = _text(item, "media_url", MAX_LINE)
    done = max(updated, requested) if closed else None
    # what another Front Counter (or a system speaking its extensions) says the spec cannot
    extra = item.get(EXTENSIONS_KEY)
    extra = extra if isinstance(extra, dict) else {}
    priority = _text(extra, "priority", 10)
    channel = _text(extra, "channel", 12)
    resolution = _text(extra, "resolution", 30) if closed else ""
    status = _text(extra, "status", 20)
    resolved = _moment(_text(extra, "resolved_datetime", 64)) if closed else None
    shut = _moment(_text(extra, "closed_datetime", 64)) if closed else None
    request = ServiceRequest.create(
        tracking_number=next_tracking_number(requested.year),
        service_type=kind,
        status=(status if status in (DONE_STATUSES if closed else OPEN_STATUSES) else None)
        or ("closed" if closed else "new"),
        priority=priority if priority in PRIORITIES else "normal",
        resolution=resolution if resolution in RESOLUTIONS else None,
        channel=channel if channel in CHANNELS else "web",
        description=_text(item, "description", MAX_DESCRIPTION) or kind.name,
        address=address,
        address_normalized=location.normalized,
        street=location.street,
        house_number=location.house_number,
        zip=_text(item, "zipcode", 20),
        location_notes=_("Photo: {url}").format(url=media) if media else "",
        lat=lat,
        long=long,
        department=kind.department_id,
        requested_at=requested,
        resolved_at=resolved or done,
        closed_at=(shut or done) if status != "resolved" else None,
        external_id=external,
        status_notes=_text(item, "status_notes", MAX_LINE),
        created_at=requested,
        updated_at=updated,
    )
    RequestEvent.create(
        request=request,
        kind="created",
        at=requested,
        new_value="new",
        body=_("Imported from {partner} (their number {id}).").format(
            partner=partner, id=external.split(":", 1)[1]
        ),
    )
    if closed:
        RequestEvent.create(
            request=request,
            kind="status",
            at=done,
            old_value="new",
            new_value="closed",
            public=True,
            body=_text(item, "status_notes", MAX_LINE),
        )


def export_payloads(folder: Path, *, days: int = georeport.DEFAULT_DAYS) -> dict[str, Any]:
    """Write the services, their definitions and the last `days` days of requests (at most 90,
    as the endpoint answers) as the endpoint would, in JSON and XML, into `folder`."""
    if not 1 <= days <= georeport.DEFAULT_DAYS:
        raise InputError(
            _("Export from 1 to {n} days of requests.").format(n=georeport.DEFAULT_DAYS)
        )
    try:
        (folder / "services").mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(
            _("{folder} could not be made: {reason}").format(
                folder=folder, reason=exc.strerror or exc
            )
        ) from None
    services = georeport.services()
    written = []

    def put(name: str, root: str, value: Any) -> None:
        for fmt in ("json", "xml"):
            target = folder / f"{name}.{fmt}"
            body = (
                json.dumps(value, ensure_ascii=False, indent=1).encode("utf-8")
                if fmt == "json"
                else to_xml(root, value)
            )
            try:
                write_whole(target, body)  # a pulled USB stick leaves no half file
            except OSError as exc:
                raise InputError(
                    _("{file} could not be written: {reason}").format(
                        file=target, reason=exc.strerror or exc
                    )
                ) from None
            written.append(str(target))

    put("services", "services", services)
    for service in services:
        if service["metadata"]:
            code = str(service["service_code"])
            put(f"services/{code}", "service_definition", georeport.service_definition(code))
    start = (clock.now() - dt.timedelta(days=days)).isoformat(timespec="seconds")
    found: list[dict[str, Any]] = []
    page = 1
    while True:
        rows = georeport.find_requests(Query(start_date=start, page=str(page), extensions="true"))
        found += rows
        if len(rows) < georeport.PAGE_SIZE:
            break
        page += 1
    put("requests", "service_requests", found)
    return {
        "folder": str(folder),
        "services": len(services),
        "requests": len(found),
        "files": written,
    }
