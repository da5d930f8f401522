"""The GeoReport v2 endpoint as a WSGI application.

Paths, under `/open311/`:
- `discovery.{json,xml}`: the service discovery document, its URLs those of this server as the
  client reached it;
- `v2/services.{fmt}`, `v2/services/{code}.{fmt}`, `v2/requests.{fmt}` (GET and POST),
  `v2/requests/{id}.{fmt}` (and `v2/request/{id}.{fmt}`, which some clients use),
  `v2/tokens/{token}.{fmt}`, `v2/servicerequestupdates.{fmt}` (mySociety's extension);
- `test/v2/...`: the same, where a POST is checked in full and nothing is saved (for a partner
  trying their integration).

JSON is served as exactly `application/json` and XML as exactly `text/xml` (clients compare the
whole header). Every error is the spec's list, `[{"code": ..., "description": ...}]`, in the
format asked for, with the HTTP status of the same number. `jurisdiction_id` is accepted and
ignored: a town is one jurisdiction. A bug answers 500 with a sentence, and is logged.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import math
import re
import threading
import time
import urllib.parse
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from desktop import __version__
from desktop.i18n import _
from desktop.models.errors import KnownError
from desktop.models.partners import georeport
from desktop.models.partners.georeport import Open311Error, Query
from desktop.models.partners.payloads import to_xml
from desktop.models.storage import db as storage_db
from desktop.models.town.settings import get_setting

log = logging.getLogger("frontcounter.open311")

BASE = "/open311/"
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
TYPES = {"json": "application/json", "xml": "text/xml"}
#: the largest POST body taken (a description is at most 4,000 characters)
MOST_BODY = 256 * 1024
_PATH = re.compile(
    r"^(?P<where>v2|test/v2)/(?P<what>services|requests|request|tokens|servicerequestupdates)"
    r"(?:/(?P<item>[^/]+?))?\.(?P<fmt>json|xml)$"
)
_HOST = re.compile(r"^[A-Za-z0-9.\-]+(?::\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](?::\d{1,5})?$")
_STATUS = {
    200: "200 OK",
    400: "400 Bad Request",
    403: "403 Forbidden",
    404: "404 Not Found",
    405: "405 Method Not Allowed",
    413: "413 Content Too Large",
    429: "429 Too Many Requests",
    500: "500 Internal Server Error",
    503: "503 Service Unavailable",
}

StartResponse = Callable[[str, list[tuple[str, str]]], Any]


class Turns:
    """The server's reads share the file; a commit takes it alone, for the commit alone.

    The shared file keeps a rollback journal, whose commit needs the file to itself: a read
    that met one slept in SQLite's busy handler (1, 2, 5, 10 ms ...), and a commit that met
    reads slept too. Here a read waits only while a commit is waiting or under way, and goes the
    moment it ends; a commit waits for the reads under way (a millisecond or two each), at most
    `MOST_WAIT`. A post's own work before its commit (checks, routing, the duplicates) never
    stops a read: the server passes `writing` to `storage.gate_commits`, which runs every COMMIT
    inside it.
    """

    #: the longest a commit waits for the reads under way. A read can be waiting for the writer
    #: itself: a large save (an import, a rebuild) spills its changes into the file before its
    #: commit, and a read that meets them waits in SQLite's busy handler for that commit. Past
    #: this the commit goes as SQLite lets it, and the reads it held back go after it
    MOST_WAIT = 0.05

    def __init__(self, committed: Callable[[], None] = lambda: None) -> None:
        self._turn = threading.Condition()
        self._readers = 0
        self._writing = False
        self._writers_waiting = 0
        self._mine = threading.local()
        #: told when a commit of this process ends, before the reads it held back go
        self._committed = committed

    @property
    def writers_waiting(self) -> int:
        """Commits waiting for the reads under way to end."""
        with self._turn:
            return self._writers_waiting

    @contextlib.contextmanager
    def reading(self) -> Iterator[None]:
        with self._turn:
            while self._writing or self._writers_waiting:
                self._turn.wait()
            self._readers += 1
        self._mine.reading = True
        try:
            yield
        finally:
            self._mine.reading = False
            with self._turn:
                self._readers -= 1
                if not self._readers:
                    self._turn.notify_all()

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        if getattr(self._mine, "reading", False):
            # a commit from inside a read (none is made today) cannot wait for the reads to
            # end, its own among them: it goes as SQLite lets it, through the busy handler
            try:
                yield
            finally:
                self._committed()
            return
        deadline = time.monotonic() + self.MOST_WAIT
        with self._turn:
            self._writers_waiting += 1
            try:
                while self._writing or self._readers:
                    left = deadline - time.monotonic()
                    if left <= 0 and not self._writing:
                        break  # the reads still under way may be waiting for this commit
                    self._turn.wait(max(left, 0.001))
            finally:  # interrupted or not, the reads it held back must not wait for it
                self._writers_waiting -= 1
                self._turn.notify_all()
            self._writing = True
        try:
            yield
        finally:
            with self._turn:
                try:
                    self._committed()
                finally:
                    self._writing = False
                    self._turn.notify_all()


class Answers:
    """The answers of keyless GETs of requests and services, kept while the database is
    unchanged, at most `MAX_AGE` seconds (a list's default window moves with the clock).

    Unchanged means: no commit since the answer was made. A save of this process through the
    write path (a partner's post on another of the server's threads, a clerk's save in the
    window that serves) is told the moment its commit ends (`moved`, from the commit's turn),
    before the reads it held back go and before the post is answered. Any other change (another
    workstation's save, a backup restored over the file) is seen by asking the database
    (`change_signature`: SQLite's `data_version`, which moves when another connection commits,
    and `total_changes`, when this one wrote; PostgreSQL's snapshot). While this process's
    commits are told (the server's SQLite commit gate), a GET asks only when nobody asked in
    the last `LOOK_EVERY`, so such a change is in the answers at most that late (on Windows,
    whose clock ticks every 15.6 ms, some 65 ms); otherwise (PostgreSQL) every GET asks. A
    change starts a new epoch and drops every answer kept. An answer is kept under the epoch
    read before it was made, so nothing made from a state older than its epoch is ever served.

    A kept answer is given at once, without a turn (`at_once`): while a commit waits or is
    under way it is the database before that commit, which has not ended. Without this a
    post's commit held every read back, those that needed nothing from the file too. A GET with
    an api_key is never kept (a partner may see more than the public)."""

    MAX_AGE = 2.0
    #: at most so many answers, and so many bytes of them (a list of 50 is some 30 KB)
    MOST = 2048
    MOST_BYTES = 16 * 1024 * 1024

    #: while this process's own commits are told (`told_of_commits`), how long the database
    #: is taken as unchanged after a GET found it so: another program's save is seen at most
    #: this late. Asking on every GET cost three hand-overs of the interpreter (SQLite lets it
    #: go around each step): with 50 clients reading, 1,000 answers a second instead of 1,800
    LOOK_EVERY = 0.05

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._epoch = 0
        self._mine = threading.local()
        self._kept: OrderedDict[tuple[str, ...], tuple[int, float, bytes]] = OrderedDict()
        self._bytes = 0
        self._looked = -math.inf
        self.told_of_commits = False
        self._seen_by_all: tuple[int, ...] | None = None  # PostgreSQL's, for every thread

    def _looked_lately(self) -> bool:
        """Whether the database may be taken as unchanged without asking it (`LOOK_EVERY`)."""
        return self.told_of_commits and time.monotonic() - self._looked < self.LOOK_EVERY

    def epoch(self) -> int:
        """The epoch now, as this thread's connection sees the database."""
        if self._looked_lately():
            return self._epoch
        looked = time.monotonic()
        seen = storage_db.change_signature()
        # SQLite's counts are each connection's own; PostgreSQL's snapshot is the same for
        # every connection, so one value serves all threads (a thread's first GET, of eight,
        # would otherwise drop everything kept)
        if storage_db.current_path() is None:
            last, self._seen_by_all = self._seen_by_all, seen
        else:
            last, self._mine.seen = getattr(self._mine, "seen", None), seen
        if last != seen:
            self.moved()
        self._looked = looked
        return self._epoch

    def forget_looking(self) -> None:
        """The next GET asks the database, whenever the last one did."""
        self._looked = -math.inf

    def moved(self) -> None:
        """The database changed: a new epoch, nothing kept."""
        with self._lock:
            self._epoch += 1
            self._kept.clear()
            self._bytes = 0

    def at_once(self, key: tuple[str, ...]) -> bytes | None:
        """The answer kept under the epoch now when the database was looked at less than
        `LOOK_EVERY` ago and this process's commits are told: answered without a turn (while a
        commit waits or is under way, it is the database before that commit); else None."""
        return self.get(key, self._epoch) if self._looked_lately() else None

    def get(self, key: tuple[str, ...], epoch: int) -> bytes | None:
        with self._lock:
            found = self._kept.get(key)
            if found is None or found[0] != epoch or time.monotonic() - found[1] > self.MAX_AGE:
                return None
            self._kept.move_to_end(key)
            return found[2]

    def put(self, key: tuple[str, ...], epoch: int, body: bytes) -> None:
        with self._lock:
            if epoch != self._epoch:
                return  # the database moved on while it was made
            old = self._kept.pop(key, None)
            if old is not None:
                self._bytes -= _size(key, old[2])
            self._bytes += _size(key, body)
            self._kept[key] = (epoch, time.monotonic(), body)
            while len(self._kept) > self.MOST or self._bytes > self.MOST_BYTES:
                gone, (_epoch, _made, was) = self._kept.popitem(last=False)
                self._bytes -= _size(gone, was)


def _size(key: tuple[str, ...], body: bytes) -> int:
    return len(body) + sum(len(part) for part in key)


_answers = Answers()
_turns = Turns(committed=_answers.moved)


#: the servers of this process that are serving (each turns the gate on, the last one off)
_serving = 0
_serving_lock = threading.Lock()


def gate_commits(on: bool) -> None:
    """While a server serves, every commit of this process waits for the servers' reads under
    way, and holds new ones back for the commit alone (`Turns`). When the last one stops,
    commits go as SQLite lets them."""
    global _serving
    with _serving_lock:
        _serving = max(0, _serving + (1 if on else -1))
        # PostgreSQL's readers never wait for a commit, nor it for them: nothing to gate
        sqlite = storage_db.current_path() is not None
        storage_db.gate_commits(_turns.writing if _serving and sqlite else None)
        # what was kept before is not trusted: saves made while no server served were not told
        _answers.told_of_commits = bool(_serving and sqlite)
        _answers.moved()
        _answers.forget_looking()


#: the encoded answers of the catalog (the same objects while it is unchanged): (id of the
#: value, format) -> (the value, kept so its id is not reused, its bytes)
_encoded: dict[tuple[int, str], tuple[Any, bytes]] = {}


def _catalog_body(fmt: str, root: str, value: Any) -> bytes:
    """`_body` of a catalog answer, encoded once while the catalog is unchanged."""
    found = _encoded.get((id(value), fmt))
    if found is not None and found[0] is value:
        return found[1]
    body = _body(fmt, root, value)
    if len(_encoded) > 500:
        _encoded.clear()
    _encoded[id(value), fmt] = (value, body)
    return body


def _body(fmt: str, root: str, value: Any) -> bytes:
    if fmt == "json":
        return json.dumps(value, ensure_ascii=False).encode("utf-8")
    return to_xml(root, value)


def _answer(
    start: StartResponse, status: int, fmt: str, root: str, value: Any, *, catalog: bool = False
) -> Iterable[bytes]:
    body = _catalog_body(fmt, root, value) if catalog else _body(fmt, root, value)
    start(
        _STATUS.get(status, f"{status} Error"),
        [("Content-Type", TYPES[fmt]), ("Content-Length", str(len(body)))],
    )
    return [body]


def _error(start: StartResponse, fmt: str, status: int, description: str) -> Iterable[bytes]:
    return _answer(start, status, fmt, "errors", [{"code": status, "description": description}])


def _base_url(environ: dict[str, Any]) -> str:
    """This server as the client reached it (its Host header when that is a plain host and
    port, else the address the server listens on)."""
    host = str(environ.get("HTTP_HOST", ""))
    if not _HOST.match(host):
        host = f"{environ.get('SERVER_NAME', '127.0.0.1')}:{environ.get('SERVER_PORT', '80')}"
    return f"{environ.get('wsgi.url_scheme', 'http')}://{host}{BASE}"


#: the discovery document per address the server is reached by: (made at, document); read
#: again after a minute (a town's name or phone rarely changes, and every client asks first)
_discovered: dict[str, tuple[float, dict[str, Any]]] = {}
DISCOVERY_SECONDS = 60.0


def discovery(environ: dict[str, Any]) -> dict[str, Any]:
    base = _base_url(environ)
    made = _discovered.get(base)
    if made is not None and time.monotonic() - made[0] < DISCOVERY_SECONDS:
        return made[1]
    document = _discovery(base)
    if len(_discovered) > 100:  # as many names as clients give the server: a bounded few
        _discovered.clear()
    _discovered[base] = (time.monotonic(), document)
    return document


def _discovery(base: str) -> dict[str, Any]:
    changed = georeport.changeset().astimezone(dt.UTC).replace(microsecond=0)
    stamp = changed.isoformat().replace("+00:00", "Z")
    town = str(get_setting("town.name") or "") or _("The town hall")
    ways = [str(get_setting(key) or "") for key in ("town.phone", "town.email", "town.website")]
    formats = [TYPES["xml"], TYPES["json"]]
    return {
        "changeset": stamp,
        "contact": ", ".join([town, *(way for way in ways if way)]),
        "key_service": _(
            "Ask the town hall for an API key to post requests (Front Counter {version})."
        ).format(version=__version__),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": base + "v2",
                "changeset": stamp,
                "type": "production",
                "formats": formats,
            },
            {
                "specification": SPECIFICATION,
                "url": base + "test/v2",
                "changeset": stamp,
                "type": "test",
                "formats": formats,
            },
        ],
    }


def _form(environ: dict[str, Any]) -> dict[str, Any]:
    """The POST's fields: urlencoded (the spec's form) or, for clients that send it, JSON.
    `attribute[CODE]` and `attribute[CODE][]` become `attribute: {CODE: value or [values]}`."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MOST_BODY:
        raise Open311Error(
            413, _("The post is too large ({n:,} bytes at most).").format(n=MOST_BODY)
        )
    raw = environ["wsgi.input"].read(length) if length else b""
    kind = str(environ.get("CONTENT_TYPE", "")).split(";")[0].strip().lower()
    query = urllib.parse.parse_qsl(str(environ.get("QUERY_STRING", "")), keep_blank_values=True)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise Open311Error(400, _("The post is not UTF-8 text.")) from None
    pairs: list[tuple[str, Any]] = list(query)
    if kind == "application/json":
        try:
            given = json.loads(text) if text else {}
        except (ValueError, RecursionError):
            raise Open311Error(400, _("The post is not valid JSON.")) from None
        if not isinstance(given, dict):
            raise Open311Error(400, _("The post must be one JSON object of fields."))
        pairs += list(given.items())
    else:
        pairs += urllib.parse.parse_qsl(text, keep_blank_values=True, max_num_fields=500)
    form: dict[str, Any] = {"attribute": {}}
    for name, value in pairs:
        match = re.fullmatch(r"attribute\[([^\]]+)\](\[\])?", str(name))
        if match:
            code = match.group(1)
            if match.group(2):
                form["attribute"].setdefault(code, []).append(value)
            else:
                form["attribute"][code] = value
        elif name == "attribute" and isinstance(value, dict):
            form["attribute"].update(value)
        else:
            form[str(name)] = value if isinstance(value, str) else json.dumps(value)
    return form


def _params(environ: dict[str, Any]) -> dict[str, str]:
    try:
        pairs = urllib.parse.parse_qsl(
            str(environ.get("QUERY_STRING", "")), keep_blank_values=True, max_num_fields=100
        )
    except ValueError:
        raise Open311Error(400, _("Too many parameters.")) from None
    return dict(pairs)


def application(environ: dict[str, Any], start: StartResponse) -> Iterable[bytes]:
    path = urllib.parse.unquote(str(environ.get("PATH_INFO", "")))
    method = str(environ.get("REQUEST_METHOD", "GET")).upper()
    fmt = "xml" if path.endswith(".xml") else "json"
    try:
        if not path.startswith(BASE):
            raise Open311Error(
                404, _("Nothing here: the Open311 service is under {base}.").format(base=BASE)
            )
        rest = path[len(BASE) :]
        if rest in ("discovery.json", "discovery.xml"):
            return _answer(start, 200, fmt, "discovery", discovery(environ))
        match = _PATH.match(rest)
        if match is None:
            raise Open311Error(
                404, _("There is no such Open311 resource: {path}.").format(path=path)
            )
        fmt, what, item = match.group("fmt"), match.group("what"), match.group("item")
        test = match.group("where") == "test/v2"
        allowed = ("GET", "POST") if what == "requests" and item is None else ("GET",)
        if method == "HEAD":
            method = "GET"
        if method not in allowed:
            raise Open311Error(405, _("{method} is not answered here.").format(method=method))
        if method == "POST":  # its commit takes its turn (`Turns`)
            return _route(environ, start, fmt, what, item, method, test)
        key = _kept_as(environ, rest, what)
        body = _answers.at_once(key) if key is not None else None
        if body is not None:
            start("200 OK", [("Content-Type", TYPES[fmt]), ("Content-Length", str(len(body)))])
            return [body]
        with _turns.reading():
            if key is None:
                return _route(environ, start, fmt, what, item, method, test)
            epoch = _answers.epoch()
            body = _answers.get(key, epoch)
            if body is None:
                answered: list[tuple[str, list[tuple[str, str]]]] = []
                parts = _route(environ, lambda s, h: answered.append((s, h)), fmt, what, item,
                               method, test)  # fmt: skip
                body = b"".join(parts)
                status, headers = answered[0]
                if not status.startswith("200 "):
                    start(status, headers)
                    return [body]
                _answers.put(key, epoch, body)
            start("200 OK", [("Content-Type", TYPES[fmt]), ("Content-Length", str(len(body)))])
            return [body]
    except Open311Error as exc:
        return _error(start, fmt, exc.status, exc.description)
    except KnownError as exc:  # the database is locked, read-only, gone: a sentence
        return _error(start, fmt, 503, str(exc))
    except Exception:  # a bug: logged, and a sentence for the partner, never a traceback
        log.exception("Open311 %s %s", method, path)
        return _error(start, fmt, 500, _("Something went wrong on our side; it was logged."))


#: the longest query string whose answer is kept
MOST_KEPT_QUERY = 512


def _kept_as(environ: dict[str, Any], rest: str, what: str) -> tuple[str, ...] | None:
    """The key an answer is kept under (`Answers`), or None: not one that is kept."""
    if what not in ("requests", "request", "services") or rest.startswith("test/"):
        return None
    query = str(environ.get("QUERY_STRING", ""))
    if "api_key" in query or len(query) > MOST_KEPT_QUERY:
        return None  # a partner's, or a query no client makes (it would only take memory)
    return (rest, query)


def _route(
    environ: dict[str, Any],
    start: StartResponse,
    fmt: str,
    what: str,
    item: str | None,
    method: str,
    test: bool,
) -> Iterable[bytes]:
    if what == "services":
        if item is None:
            return _answer(start, 200, fmt, "services", georeport.services(), catalog=True)
        definition = georeport.service_definition(item)
        return _answer(start, 200, fmt, "service_definition", definition, catalog=True)
    if what in ("requests", "request"):
        if item is not None:
            extended = _params(environ).get("extensions", "").lower() == "true"
            found = georeport.request_by_id(item, extensions=extended)
            return _answer(start, 200, fmt, "service_requests", [found])
        if what == "request":
            raise Open311Error(404, _("Give the request's id: request/{id}."))
        if method == "POST":
            made = georeport.post_request(_form(environ), dry_run=test)
            return _answer(start, 200, fmt, "service_requests", [made])
        params = _params(environ)
        query = Query(
            service_request_id=params.get("service_request_id", ""),
            service_code=params.get("service_code", ""),
            start_date=params.get("start_date", ""),
            end_date=params.get("end_date", ""),
            status=params.get("status", ""),
            page=params.get("page", ""),
            page_size=params.get("page_size", ""),
            extensions=params.get("extensions", ""),
        )
        return _answer(start, 200, fmt, "service_requests", georeport.find_requests(query))
    if what == "tokens":
        if item is None:
            raise Open311Error(404, _("Give the token: tokens/{token}."))
        return _answer(start, 200, fmt, "service_requests", [georeport.token(item)])
    params = _params(environ)
    updates = georeport.updates(params.get("start_date", ""), params.get("end_date", ""))
    return _answer(start, 200, fmt, "service_request_updates", updates)
