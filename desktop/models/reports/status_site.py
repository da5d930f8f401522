"""The public status page: a static site a town puts on any web host, or a USB stick for its
website person (`frontcounter publish status --out DIR`).

- `index.html`: the open requests by type and by area (to the block), and a box where a
  resident types their request's number and PIN to see it;
- `r/<name>.html`: one page a request, its file named from its number *and* its PIN
  (SHA-256), so the sequential numbers alone reach nothing. The PIN is printed on the receipt
  and in the acknowledgement (town/status_pin.py);
- `feed.xml`: an Atom feed of the last 30 days' status changes.

No resident's name, phone, email or address is written anywhere: the place is to the block,
and of what was said only the town's public updates (which clerks write for the resident).
A confidential request (a neighbour complaint) has a page for its resident but is left out of
the lists and the feed.
"""

from __future__ import annotations

import datetime as dt
import html
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

from desktop.i18n import DEFAULT, _, language, normalize, speaking, when
from desktop.models import clock
from desktop.models.errors import KnownError
from desktop.models.reports.exports import (
    Streets,
    generalised_address,
    public_streets,
    utc_stamp,
)
from desktop.models.staff import audit, permissions
from desktop.models.storage.db import reading, write
from desktop.models.storage.safe_files import write_whole
from desktop.models.storage.schema import (
    Contact,
    RequestEvent,
    ServiceRequest,
    ServiceType,
    StaffUser,
)
from desktop.models.town import languages, status_pin
from desktop.models.town.settings import get_setting
from desktop.models.vocab import OPEN_STATUSES, RESOLUTIONS, STATUSES

#: a closed request keeps its page this long
KEEP_CLOSED = dt.timedelta(days=90)
FEED_DAYS = 30


@dataclass
class Published:
    folder: str
    pages: int = 0
    open_requests: int = 0
    feed_entries: int = 0
    removed: int = 0
    files: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "folder": self.folder,
            "pages": self.pages,
            "open_requests": self.open_requests,
            "feed_entries": self.feed_entries,
            "removed": self.removed,
        }


_STYLE = """
body{font-family:system-ui,sans-serif;max-width:52rem;margin:1rem auto;padding:0 1rem;
color:#1b1b1b}h1{font-size:1.5rem}table{border-collapse:collapse;margin:.5rem 0 1rem}
td,th{border-bottom:1px solid #ccc;padding:.25rem .6rem;text-align:left}
th{background:#f2f2f2}.n{text-align:right}form{background:#f4f7fb;padding:.8rem;
border:1px solid #c8d3e3}input{font-size:1rem;margin:.2rem .4rem .2rem 0}
.note{color:#555}li{margin:.3rem 0}
"""

_LOOKUP = """
<script>
async function findRequest(event) {
  event.preventDefault();
  const number = document.getElementById('number').value.trim();
  const pin = document.getElementById('pin').value.toUpperCase().replace(/0/g, 'O')
    .replace(/1/g, 'I').replace(/8/g, 'B').replace(/[^A-Z2-7]/g, '');
  const said = document.getElementById('said');
  if (!window.crypto || !window.crypto.subtle) {
    said.textContent = %(no_crypto)s;
    return false;
  }
  const bytes = new TextEncoder().encode(number + '|' + pin);
  const hash = await crypto.subtle.digest('SHA-256', bytes);
  const hex = Array.from(new Uint8Array(hash)).map(b => b.toString(16).padStart(2, '0')).join('');
  const page = 'r/' + hex.slice(0, 40) + '.html';
  const answer = await fetch(page, {method: 'HEAD'}).catch(() => null);
  if (answer && !answer.ok) { said.textContent = %(not_found)s; return false; }
  window.location.href = page;
  return false;
}
</script>
"""


def _page(title: str, body: str, town: str, *, depth: int = 0) -> str:
    home = "../" * depth + "index.html"
    return (
        f'<!DOCTYPE html>\n<html lang="{language()}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="robots" content="noindex">'
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>"
        f'<p><a href="{home}">{html.escape(town)}</a></p>{body}'
        f'<p class="note">{html.escape(_("Updated {when}.").format(when=_when(clock.now())))}'
        "</p></body></html>\n"
    )


def _when(moment: dt.datetime | None) -> str:
    return when(moment, "%d %B %Y, %H:%M") if moment else ""


def _day(moment: dt.datetime | None) -> str:
    return when(moment, "%d %B %Y") if moment else ""


def _status_words(request: ServiceRequest) -> str:
    words = STATUSES.get(request.status, request.status)
    if request.resolution:
        words += f" ({RESOLUTIONS.get(request.resolution, request.resolution).lower()})"
    return words


def _request_page(
    request: ServiceRequest, updates: list[RequestEvent], town: str, streets: Streets
) -> str:
    rows = [
        (_("Request"), request.tracking_number),
        (_("What"), languages.type_text(request.service_type, "name", language())),
        (
            _("Where"),
            generalised_address(request.address, streets.register, streets.shared)
            or _("(not published)"),
        ),
        (_("Received"), _day(request.requested_at)),
        (_("Status"), _status_words(request)),
    ]
    if request.status in OPEN_STATUSES and request.due_at:
        rows.append((_("Expected by"), _day(request.due_at)))
    if request.resolved_at:
        rows.append((_("Resolved"), _day(request.resolved_at)))
    table = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in rows)
    said = "".join(
        f"<li><b>{html.escape(_day(e.at))}</b>: {html.escape(e.body)}</li>"
        for e in updates
        if e.body.strip()
    )
    body = (
        f"<h1>{html.escape(_('Your request {number}').format(number=request.tracking_number))}"
        f"</h1><table>{table}</table>"
    )
    if said:
        body += f"<h2>{html.escape(_('News from the town'))}</h2><ul>{said}</ul>"
    return _page(request.tracking_number, body, town, depth=1)


def publish(folder: Path, *, actor: StaffUser | None) -> Published:
    """Write the status site into `folder` (each file whole), and remove the pages of
    requests no longer published."""
    permissions.require(actor, permissions.REPORTS_VIEW)
    secret = status_pin.secret()
    now = clock.now()
    result = Published(str(folder))
    with reading():
        town = str(get_setting("town.name") or _("Town Hall"))
        streets = public_streets()
        shown = list(
            ServiceRequest.select(ServiceRequest, ServiceType)
            .join(ServiceType)
            .where(
                ServiceRequest.status.in_(list(OPEN_STATUSES))
                | (ServiceRequest.resolved_at >= now - KEEP_CLOSED)
            )
            .order_by(ServiceRequest.id)
        )
        ids = [r.id for r in shown]
        # each request's page is written in its resident's language
        contact_ids = sorted({r.contact_id for r in shown if r.contact_id})
        reads: dict[int, str] = {}
        for start in range(0, len(contact_ids), 500):
            chunk = Contact.select(Contact.id, Contact.language).where(
                Contact.id.in_(contact_ids[start : start + 500])
            )
            reads.update((int(row.id), str(row.language)) for row in chunk)
        updates: dict[int, list[RequestEvent]] = {}
        for start in range(0, len(ids), 500):
            for event in (
                RequestEvent.select()
                .where(
                    RequestEvent.request.in_(ids[start : start + 500]),
                    RequestEvent.public == True,  # noqa: E712
                )
                .order_by(RequestEvent.at, RequestEvent.id)
            ):
                updates.setdefault(event.request_id, []).append(event)
        changes = list(
            RequestEvent.select(RequestEvent, ServiceRequest, ServiceType)
            .join(ServiceRequest)
            .join(ServiceType)
            .where(
                RequestEvent.kind == "status",
                RequestEvent.at >= now - dt.timedelta(days=FEED_DAYS),
                ServiceRequest.confidential == False,  # noqa: E712
            )
            .order_by(RequestEvent.at.desc(), RequestEvent.id.desc())
            .limit(500)
        )
    pages_folder = folder / "r"
    try:
        pages_folder.mkdir(parents=True, exist_ok=True)
        written: set[str] = set()
        for request in shown:
            name = status_pin.page_name(
                request.tracking_number, status_pin.pin_of(request.tracking_number, secret)
            )
            with speaking(normalize(reads.get(request.contact_id or 0)) or DEFAULT):
                page = _request_page(request, updates.get(request.id, []), town, streets)
            write_whole(pages_folder / name, page.encode("utf-8"))
            written.add(name)
        # a host that lists a folder's files would list every request: the folder has its
        # own (empty) index page
        write_whole(pages_folder / "index.html", _page(town, "", town, depth=1).encode("utf-8"))
        for old in pages_folder.glob("*.html"):
            if old.name not in written and old.name != "index.html":
                old.unlink()
                result.removed += 1
        result.pages = len(written)
        open_ones = [r for r in shown if r.status in OPEN_STATUSES and not r.confidential]
        result.open_requests = len(open_ones)
        write_whole(folder / "index.html", _index(open_ones, town, streets).encode("utf-8"))
        feed = _feed(changes, town, str(get_setting("status.url") or ""), streets)
        write_whole(folder / "feed.xml", feed)
        result.feed_entries = len(changes)
    except OSError as exc:
        raise KnownError(
            _("The status page could not be written to {path}: {reason}").format(
                path=folder, reason=exc.strerror or exc
            )
        ) from exc
    write(lambda: audit.record("status_site", "", "publish", None, result.as_dict(), actor))
    return result


def _index(open_ones: list[ServiceRequest], town: str, streets: Streets) -> str:
    by_type = Counter(r.service_type.name for r in open_ones)
    by_place = Counter(
        generalised_address(r.address, streets.register, streets.shared)
        or _("(place not published)")
        for r in open_ones
    )
    types = "".join(
        f"<tr><td>{html.escape(name)}</td><td class=n>{n:,}</td></tr>"
        for name, n in sorted(by_type.items(), key=lambda item: (-item[1], item[0]))
    )
    places = "".join(
        f"<tr><td>{html.escape(name)}</td><td class=n>{n:,}</td></tr>"
        for name, n in sorted(by_place.items(), key=lambda item: (-item[1], item[0]))[:100]
    )
    script = _LOOKUP % {
        "no_crypto": _js(_("This browser cannot look the request up: ask the town hall.")),
        "not_found": _js(
            _("No request has that number and PIN: check both on your receipt or email.")
        ),
    }
    where_pin = _("The PIN is on your receipt and in the town’s email.")
    body = (
        f"<h1>{html.escape(_('Requests to {town}').format(town=town))}</h1>"
        f'<form onsubmit="return findRequest(event)"><b>{html.escape(_("Your request"))}</b><br>'
        f'<label>{html.escape(_("Number"))} <input id=number placeholder="2026-00123" '
        "required></label>"
        f'<label>{html.escape(_("PIN"))} <input id=pin placeholder="ABCDE-FGH23" required>'
        f'</label><input type=submit value="{html.escape(_("Show it"))}">'
        f"<div id=said class=note>{html.escape(where_pin)}</div></form>{script}"
        f"<h2>{html.escape(_('Open requests by type'))} ({len(open_ones):,})</h2>"
        f"<table><tr><th>{html.escape(_('Type'))}</th><th>{html.escape(_('Open'))}</th></tr>"
        f"{types}</table>"
        f"<h2>{html.escape(_('Open requests by place'))}</h2>"
        f"<table><tr><th>{html.escape(_('Where'))}</th><th>{html.escape(_('Open'))}</th></tr>"
        f"{places}</table>"
        f'<p><a href="feed.xml">{html.escape(_("News of status changes (Atom feed)"))}</a></p>'
    )
    return _page(_("Requests to {town}").format(town=town), body, town)


def _js(text: str) -> str:
    """A JavaScript string literal of `text`, safe inside a <script>: letters and plain
    punctuation as they are, anything else as \\u escapes (UTF-16 pairs above U+FFFF)."""
    out = []
    for ch in text:
        if (ch.isalnum() and ord(ch) < 0x10000) or ch in " .,:;!?()'’-":
            out.append(ch)
            continue
        for unit in range(0, len(ch.encode("utf-16-be")), 2):
            code = int.from_bytes(ch.encode("utf-16-be")[unit : unit + 2], "big")
            out.append(f"\\u{code:04x}")
    return '"' + "".join(out) + '"'


def _feed(changes: list[RequestEvent], town: str, url: str, streets: Streets) -> bytes:
    atom = "http://www.w3.org/2005/Atom"
    ElementTree.register_namespace("", atom)
    root = ElementTree.Element(f"{{{atom}}}feed")
    base = url.rstrip("/") + "/" if url else ""

    def add(parent: ElementTree.Element, tag: str, text: str) -> ElementTree.Element:
        element = ElementTree.SubElement(parent, f"{{{atom}}}{tag}")
        element.text = text
        return element

    add(root, "title", _("Requests to {town}: status changes").format(town=town))
    add(root, "id", f"{base}feed.xml" if base else f"urn:frontcounter:{town}")
    add(root, "updated", utc_stamp(clock.now()))
    author = ElementTree.SubElement(root, f"{{{atom}}}author")
    add(author, "name", town)
    if base:
        link = ElementTree.SubElement(root, f"{{{atom}}}link")
        link.set("href", f"{base}index.html")
    for event in changes:
        request = event.request
        entry = ElementTree.SubElement(root, f"{{{atom}}}entry")
        words = STATUSES.get(event.new_value or "", event.new_value or "")
        add(
            entry,
            "title",
            f"{request.tracking_number} {request.service_type.name}: {words.lower()}",
        )
        add(entry, "id", f"urn:frontcounter:{request.tracking_number}:{event.id}")
        add(entry, "updated", utc_stamp(event.at))
        add(
            entry,
            "summary",
            _("{type} at {place} is now {status}.").format(
                type=request.service_type.name,
                place=generalised_address(request.address, streets.register, streets.shared)
                or _("a place not published"),
                status=words.lower(),
            ),
        )
    return bytes(ElementTree.tostring(root, encoding="utf-8", xml_declaration=True))
