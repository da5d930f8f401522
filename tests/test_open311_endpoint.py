"""The Open311 GeoReport v2 endpoint, served for real on loopback (waitress in a thread) and
spoken to over HTTP: discovery, services and their definitions, requests read and posted,
errors as the spec's lists with their HTTP status, keys, the test endpoint, mySociety's updates;
then real clients we did not write (SeeClickFix's validator, in Ruby) and the GeoReport v2 JSON
Schemas, from ../shared when it is there."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest

from desktop.models.errors import InputError
from desktop.models.partners import keys
from desktop.models.requests import lifecycle
from desktop.models.setup.demo import generate_demo
from desktop.models.storage import db as storage_db
from desktop.models.storage.db import write
from desktop.models.storage.schema import AuditRecord, Contact, ServiceRequest, Setting
from desktop.open311 import app as open311_app
from desktop.open311.server import Open311Server, exposed, one_processor
from tests.test_open311 import check, registry  # noqa: F401 - registry is a fixture

SHARED = Path(__file__).resolve().parents[2] / "shared"
VALIDATOR = SHARED / "tools" / "open311-validator"

POTHOLE = {
    "service_code": "pothole",
    "address_string": "12 Elm St",
    "description": "Deep hole by the bus stop",
    "attribute[size]": "large",
    "attribute[in_lane]": "yes",
    "first_name": "Ana",
    "last_name": "Quintero",
    "email": "ana.quintero@example.org",
    "phone": "555-010-7788",
}


@pytest.fixture
def server(db) -> Iterator[Open311Server]:
    generate_demo(120, seed=5, actor=None)
    running = Open311Server("127.0.0.1", 0)
    running.start()
    yield running
    running.stop()


@pytest.fixture
def api_key(server: Open311Server) -> str:
    return keys.add_key("Town website", actor=None)[1]


def call(
    server: Open311Server,
    path: str,
    data: dict[str, str] | None = None,
    method: str | None = None,
    body: bytes | None = None,
) -> tuple[int, str, bytes]:
    """(status, Content-Type, body) of one HTTP exchange with the server."""
    encoded = urllib.parse.urlencode(data).encode() if data is not None else body
    request = urllib.request.Request(server.url + path, data=encoded, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, answer.headers["Content-Type"], answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read()


def get_json(server: Open311Server, path: str) -> Any:
    status, kind, body = call(server, path)
    assert (status, kind) == (200, "application/json"), body
    return json.loads(body)


def error_of(answer: tuple[int, str, bytes]) -> tuple[int, str]:
    status, kind, body = answer
    if kind == "text/xml":
        error = ElementTree.fromstring(body).find("error")
        assert error is not None
        code, text = error.findtext("code"), error.findtext("description") or ""
    else:
        (item,) = json.loads(body)
        code, text = item["code"], item["description"]
    assert int(str(code)) == status
    return status, text


def test_discovery_points_at_the_server_as_it_is_reached(server):
    found = get_json(server, "discovery.json")
    assert [e["url"] for e in found["endpoints"]] == [
        server.url + "v2",
        server.url + "test/v2",
    ]
    assert found["changeset"].endswith("Z") and "T" in found["changeset"]
    status, kind, body = call(server, "discovery.xml")
    assert (status, kind) == (200, "text/xml")
    endpoints = ElementTree.fromstring(body).findall("endpoints/endpoint")
    assert len(endpoints) == 2
    assert [f.text for f in endpoints[0].findall("formats/format")] == [
        "text/xml",
        "application/json",
    ]
    # a client that reached it by another name is given that name back, never somewhere else
    request = urllib.request.Request(
        server.url + "discovery.json", headers={"Host": f"townhall.local:{server.port}"}
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        urls = [e["url"] for e in json.loads(answer.read())["endpoints"]]
    assert urls[0] == f"http://townhall.local:{server.port}/open311/v2"
    request = urllib.request.Request(
        server.url + "discovery.json", headers={"Host": "evil.example/x?"}
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        assert "evil" not in answer.read().decode()


def test_services_and_every_definition_in_both_formats(server):
    services = get_json(server, "v2/services.json")
    assert services and all(isinstance(s["service_code"], str) for s in services)
    status, kind, body = call(server, "v2/services.xml")
    assert (status, kind) == (200, "text/xml")
    assert len(ElementTree.fromstring(body).findall("service")) == len(services)
    for service in services:
        if not service["metadata"]:
            continue
        code = urllib.parse.quote(service["service_code"])
        definition = get_json(server, f"v2/services/{code}.json")
        assert definition["service_code"] == service["service_code"]
        assert definition["attributes"]
        status, kind, body = call(server, f"v2/services/{code}.xml")
        assert (status, kind) == (200, "text/xml")
        assert ElementTree.fromstring(body).findtext("service_code") == service["service_code"]
    assert error_of(call(server, "v2/services/no_such_thing.json"))[0] == 404


def test_a_partner_posts_a_request_and_it_lands_like_a_call(server, api_key):
    status, kind, body = call(server, "v2/requests.json", {**POTHOLE, "api_key": api_key})
    assert (status, kind) == (200, "application/json"), body
    (made,) = json.loads(body)
    number = made["service_request_id"]
    assert made["service_notice"]
    saved = ServiceRequest.get(ServiceRequest.tracking_number == number)
    assert saved.channel == "web" and saved.department_id and saved.due_at is not None
    assert saved.contact is not None and saved.contact.last_name == "Quintero"
    partner = AuditRecord.get(AuditRecord.action == "open311_post")
    assert partner.username == "partner:Town website" and number in (partner.after or "")

    (read,) = get_json(server, f"v2/requests/{number}.json")
    assert read["service_request_id"] == number and read["status"] == "open"
    assert read["attribute"] == {"in_lane": "yes", "size": "large"}
    assert get_json(server, f"v2/request/{number}.json") == [read]
    # personal data never goes out, whatever is asked
    everything = call(server, "v2/requests.json?status=open")[2].decode()
    everything += call(server, f"v2/requests/{number}.xml")[2].decode()
    for private in ("Quintero", "ana.quintero", "555-010-7788"):
        assert private not in everything
    status, kind, body = call(server, f"v2/requests/{number}.xml")
    assert (status, kind) == (200, "text/xml")
    request = ElementTree.fromstring(body).find("request")
    assert request is not None and request.findtext("service_request_id") == number


@pytest.mark.parametrize(
    ("change", "status", "words"),
    [
        ({"api_key": "not-a-key"}, 403, "api_key"),
        ({"api_key": ""}, 403, "api_key"),
        ({"service_code": "no_such_type"}, 400, "no_such_type"),
        ({"service_code": ""}, 400, "service_code"),
        ({"attribute[size]": ""}, 400, "big"),
        ({"attribute[size]": "enormous"}, 400, ""),
        ({"address_string": ""}, 400, "location"),
        ({"lat": "95", "long": "10", "address_string": ""}, 400, "lat"),
        ({"lat": "nan", "long": "10"}, 400, "lat"),
        ({"description": "x" * 4001}, 400, "description"),
        ({"email": "not an email"}, 400, ""),
    ],
)
def test_a_bad_post_is_refused_with_a_sentence_and_nothing_is_saved(
    server, api_key, change, status, words
):
    before = ServiceRequest.select().count(), Contact.select().count()
    form = {**POTHOLE, "api_key": api_key, **change}
    for fmt in ("json", "xml"):
        got, text = error_of(call(server, f"v2/requests.{fmt}", form))
        assert got == status and words in text and len(text) > 10
    assert (ServiceRequest.select().count(), Contact.select().count()) == before


def test_an_oversize_or_malformed_post_is_refused(server, api_key):
    huge = {**POTHOLE, "api_key": api_key, "description": "x" * 2_000_000}
    assert error_of(call(server, "v2/requests.json", huge))[0] == 413
    malformed = call(server, "v2/requests.json", body=b"\xff\xfe\x00garbage", method="POST")
    assert error_of(malformed)[0] == 400
    not_json = call(server, "v2/requests.json", body=b"{", method="POST")
    assert error_of(not_json)[0] in (400, 403)
    assert error_of(call(server, "v2/services.json", method="DELETE"))[0] == 405
    assert error_of(call(server, "v2/nothing.json"))[0] == 404
    assert error_of(call(server, "elsewhere"))[0] == 404


def test_keys_limit_types_and_rate_and_can_be_revoked(server):
    _info, limited = keys.add_key("Tree app", service_codes=["pothole"], per_minute=2, actor=None)
    graffiti = {"service_code": "graffiti", "address_string": "1 Oak St", "api_key": limited}
    assert error_of(call(server, "v2/requests.json", graffiti))[0] == 403
    form = {**POTHOLE, "api_key": limited}
    assert call(server, "v2/requests.json", form)[0] == 200
    assert call(server, "v2/requests.json", form)[0] == 200
    got, text = error_of(call(server, "v2/requests.json", form))
    assert got == 429 and "minute" in text
    keys.revoke_key("Tree app", actor=None)
    assert error_of(call(server, "v2/requests.json", form))[0] == 403
    listed = {k.name: k for k in keys.list_keys(actor=None)}
    assert listed["Tree app"].revoked and listed["Tree app"].key_start == limited[:6]


def test_the_test_endpoint_checks_a_post_and_saves_nothing(server, api_key):
    before = ServiceRequest.select().count()
    (answer,) = json.loads(
        call(server, "test/v2/requests.json", {**POTHOLE, "api_key": api_key})[2]
    )
    assert answer["service_request_id"] is None and "nothing" in answer["service_notice"]
    bad = {**POTHOLE, "api_key": api_key, "attribute[size]": ""}
    assert error_of(call(server, "test/v2/requests.json", bad))[0] == 400
    assert ServiceRequest.select().count() == before


def test_reading_requests_by_type_status_dates_and_pages(server):
    every = get_json(server, "v2/requests.json")  # the last 90 days
    assert len(every) >= 10
    assert all(r["requested_datetime"] >= "2026-08" for r in every)
    opened = get_json(server, "v2/requests.json?status=open")
    assert opened and all(r["status"] == "open" for r in opened)
    code = every[0]["service_code"]
    mine = get_json(server, f"v2/requests.json?service_code={code}")
    assert mine and all(r["service_code"] == code for r in mine)
    spring = get_json(server, "v2/requests.json?start_date=2026-03-01&end_date=2026-05-15")
    assert spring and all("2026-03" <= r["requested_datetime"] < "2026-05-16" for r in spring)
    first = get_json(server, "v2/requests.json?page_size=5&page=1")
    second = get_json(server, "v2/requests.json?page_size=5&page=2")
    assert len(first) == len(second) == 5
    assert not {r["service_request_id"] for r in first} & {r["service_request_id"] for r in second}
    ids = ",".join(r["service_request_id"] for r in first[:2])
    assert len(get_json(server, f"v2/requests.json?service_request_id={ids}")) == 2
    for bad in ("start_date=yesterday", "status=maybe", "page_size=0", "page=x",
                "start_date=2026-12-01&end_date=2026-11-01", "start_date=2000-01-01"):  # fmt: skip
        assert error_of(call(server, f"v2/requests.json?{bad}"))[0] == 400
    assert get_json(server, "v2/requests.json?jurisdiction_id=") is not None


def test_updates_follow_a_request_for_fixmystreet(server, api_key):
    (made,) = json.loads(call(server, "v2/requests.json", {**POTHOLE, "api_key": api_key})[2])
    request = ServiceRequest.get(ServiceRequest.tracking_number == made["service_request_id"])
    lifecycle.resolve(request.id, "fixed", actor=None, note="Filled with cold patch.")
    updates = get_json(server, "v2/servicerequestupdates.json")
    mine = [u for u in updates if u["service_request_id"] == made["service_request_id"]]
    assert mine and mine[-1]["status"] == "FIXED"
    assert all(isinstance(u["update_id"], str) for u in updates)
    status, kind, body = call(server, "v2/servicerequestupdates.xml")
    assert (status, kind) == (200, "text/xml")
    assert ElementTree.fromstring(body).findall("request_update")


def test_only_loopback_is_private():
    assert not exposed("127.0.0.1") and not exposed("::1")
    assert exposed("0.0.0.0") and exposed("192.168.1.20") and exposed("townhall.local")


def test_every_answer_passes_the_georeport_json_schemas(server, api_key, registry):  # noqa: F811
    """The spec's own JSON Schemas (and their date-time and uri formats), on what the server
    actually sends."""
    call(server, "v2/requests.json", {**POTHOLE, "api_key": api_key})
    services = get_json(server, "v2/services.json")
    check(registry, "services.json", services)
    for service in services:
        if service["metadata"]:
            code = urllib.parse.quote(service["service_code"])
            check(registry, "service-definition.json", get_json(server, f"v2/services/{code}.json"))
    requests = get_json(server, "v2/requests.json")
    assert requests
    check(registry, "requests.json", requests)


@pytest.mark.skipif(
    not VALIDATOR.is_dir() or shutil.which("ruby") is None,
    reason="../shared's SeeClickFix validator or Ruby is not here (.ci/run installs Ruby)",
)
def test_seeclickfix_validator_finds_nothing_wrong(server):
    command = ["ruby", "-r", "./should_syntax_shim.rb", "bin/open311-validate"]
    ran = subprocess.run(
        [*command, "-u", server.url + "discovery"],
        cwd=VALIDATOR,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "FAILED" not in ran.stdout
    assert ran.stdout.count("PASSED") >= 22


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_the_georeport_client_from_pypi_reads_everything(server, api_key, fmt):
    """georeport 0.3.1, a GeoReport v2 client we did not write (it cannot post)."""
    from georeport import GeoReport

    (made,) = json.loads(call(server, "v2/requests.json", {**POTHOLE, "api_key": api_key})[2])
    client = GeoReport(server.url + "v2", output_format=fmt)
    services = client.get_service_list()
    codes = [s["service_code"] for s in services]
    assert "pothole" in codes and len(codes) == len(get_json(server, "v2/services.json"))
    definition = client.get_service_definition("pothole")
    assert definition["service_code"] == "pothole" and definition["attributes"]
    found = client.get_service_requests(service_code="pothole", status="open")
    rows = found if isinstance(found, list) else [found]  # xmltodict: one is not a list
    assert made["service_request_id"] in [r["service_request_id"] for r in rows]
    one = client.get_service_request(made["service_request_id"])
    assert one["service_request_id"] == made["service_request_id"]
    assert one["status"] == "open" and one["service_code"] == "pothole"


def test_extensions_say_what_the_spec_has_no_field_for(server, api_key):
    (made,) = json.loads(call(server, "v2/requests.json", {**POTHOLE, "api_key": api_key})[2])
    number = made["service_request_id"]
    (plain,) = get_json(server, f"v2/requests/{number}.json")
    assert "extended_attributes" not in plain
    (extended,) = get_json(server, f"v2/requests/{number}.json?extensions=true")
    extra = extended["extended_attributes"]
    assert extra["channel"] == "web" and extra["priority"] and extra["department_code"]
    assert extra["history"] == [] or all("status" in h for h in extra["history"])
    listed = get_json(server, "v2/requests.json?extensions=true&page_size=3")
    assert all("extended_attributes" in r for r in listed)
    status, kind, body = call(server, f"v2/requests/{number}.xml?extensions=true")
    assert (status, kind) == (200, "text/xml")
    request = ElementTree.fromstring(body).find("request")
    assert request is not None and request.findtext("extended_attributes/channel") == "web"


def test_a_town_that_reviews_first_answers_a_token_and_a_clerk_decides(server, api_key):
    from desktop.models.partners import inbox
    from desktop.models.town.settings import set_settings

    set_settings({"open311.review_first": True}, actor=None)
    before = ServiceRequest.select().count()
    posted = []
    for words in ("Hole by the school", "Another hole", "Spam spam spam"):
        (answer,) = json.loads(
            call(server, "v2/requests.json", {**POTHOLE, "api_key": api_key, "description": words})[
                2
            ]
        )
        assert answer["token"] and "service_request_id" not in answer
        posted.append(answer["token"])
    assert ServiceRequest.select().count() == before  # nothing yet: a clerk decides
    # a post that fails a check is refused at once, as always
    bad = {**POTHOLE, "api_key": api_key, "attribute[size]": ""}
    assert error_of(call(server, "v2/requests.json", bad))[0] == 400
    assert get_json(server, f"v2/tokens/{posted[0]}.json") == [
        {"service_request_id": None, "token": posted[0]}
    ]
    waiting = inbox.listing(actor=None)
    assert [w.token for w in waiting] == posted and waiting[0].partner == "Town website"

    made = inbox.accept(posted[0], actor=None)
    assert made.channel == "web" and made.description == "Hole by the school"
    assert made.contact is not None and made.contact.last_name == "Quintero"
    (resolved,) = get_json(server, f"v2/tokens/{posted[0]}.json")
    assert resolved["service_request_id"] == made.tracking_number
    target = inbox.merge(posted[1], made.tracking_number, actor=None)
    assert target.id == made.id
    notes = [e.body for e in target.events if e.kind == "note"]
    assert any("Another hole" in body and "Town website" in body for body in notes)
    (merged,) = get_json(server, f"v2/tokens/{posted[1]}.json")
    assert merged["service_request_id"] == made.tracking_number
    with pytest.raises(InputError):
        inbox.reject(posted[2], "  ", actor=None)
    inbox.reject(posted[2], "Not a real report.", actor=None)
    got, text = error_of(call(server, f"v2/tokens/{posted[2]}.json"))
    assert got == 404 and "Not a real report." in text
    with pytest.raises(InputError, match="already"):
        inbox.accept(posted[2], actor=None)
    assert inbox.listing(actor=None) == []
    assert len(inbox.listing(everything=True, actor=None)) == 3
    assert ServiceRequest.select().count() == before + 1
    assert error_of(call(server, "v2/tokens/nonsense.json"))[0] == 404


SWAGGER = SHARED / "data" / "open311-examples" / "json-schema-georeport-v2" / "swagger.json"


@pytest.mark.skipif(not SWAGGER.is_file(), reason="../shared's GeoReport v2 swagger is not here")
def test_schemathesis_finds_no_server_error(server, api_key, tmp_path):
    """Schemathesis fuzzes every operation of the GeoReport v2 swagger file (bounded: 25
    examples each, five minutes at most): no answer is a server error, none hangs."""
    config = tmp_path / "schemathesis.toml"
    config.write_text('[parameters]\n"path.response_format" = "json"\n', encoding="utf-8")
    ran = subprocess.run(
        [
            sys.executable,
            "-m",
            "schemathesis.cli",
            "--config-file",
            str(config),
            "run",
            str(SWAGGER),
            "--url",
            server.url + "v2",
            "--max-examples",
            "25",
            "--checks",
            "not_a_server_error",
            "--request-timeout",
            "10",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=tmp_path,
    )
    assert ran.returncode == 0, ran.stdout[-3000:] + ran.stderr[-2000:]
    cases = re.search(r"(\d+) generated, (\d+) passed", ran.stdout)
    assert cases is not None and int(cases.group(1)) == int(cases.group(2)) > 50, ran.stdout


def test_a_post_that_may_be_a_duplicate_says_so_for_the_clerk(server, api_key):
    (first,) = json.loads(call(server, "v2/requests.json", {**POTHOLE, "api_key": api_key})[2])
    (second,) = json.loads(call(server, "v2/requests.json", {**POTHOLE, "api_key": api_key})[2])
    later = ServiceRequest.get(ServiceRequest.tracking_number == second["service_request_id"])
    notes = [e.body for e in later.events if e.kind == "note"]
    assert any(first["service_request_id"] in body for body in notes)
    from desktop.models.partners import inbox
    from desktop.models.town.settings import set_settings

    set_settings({"open311.review_first": True}, actor=None)
    call(server, "v2/requests.json", {**POTHOLE, "api_key": api_key})
    (waiting,) = inbox.listing(actor=None)
    assert first["service_request_id"] in waiting.maybe_same


@pytest.mark.sqlite_only  # the gate is SQLite's: PostgreSQL's readers never wait
def test_a_post_is_one_commit_with_its_partner_and_duplicates_noted(server, api_key):
    """The request, its audit record naming the partner, the duplicates note and the key's
    last use are written in one transaction: one commit, so one wait for the file."""
    commits: list[int] = []

    @contextlib.contextmanager
    def counting() -> Iterator[None]:
        commits.append(1)
        yield

    serving_gate = storage_db.commit_gate()
    assert serving_gate is not None
    storage_db.gate_commits(counting)
    try:
        call(server, "v2/requests.json", {**POTHOLE, "api_key": api_key})
        status, _, body = call(server, "v2/requests.json", {**POTHOLE, "api_key": api_key})
    finally:
        storage_db.gate_commits(serving_gate)
    assert status == 200, body
    assert len(commits) == 2
    (made,) = json.loads(body)
    later = ServiceRequest.get(ServiceRequest.tracking_number == made["service_request_id"])
    assert [e.kind for e in later.events] == ["created", "note"]


def test_reads_go_on_while_a_post_waits_for_the_file(server, api_key):
    """A post's own work (its checks, routing, its wait for the write lock while a clerk saves)
    never stops the server's reads: only its COMMIT does, for the commit alone. (A post that
    held every read back while it waited for a clerk's save stopped the endpoint.)"""
    inside, release = threading.Event(), threading.Event()
    failed: list[BaseException] = []
    posted: list[tuple[int, str, bytes]] = []

    def slow_save() -> None:  # a clerk's save that holds the file a while
        Setting.create(key="test.slow_save", value=1)
        inside.set()
        if not release.wait(60):
            raise TimeoutError("never released")

    def save() -> None:
        try:
            write(slow_save)
        except BaseException as exc:
            failed.append(exc)

    saver = threading.Thread(target=save)
    poster = threading.Thread(
        target=lambda: posted.append(
            call(server, "v2/requests.json", {**POTHOLE, "api_key": api_key})
        )
    )
    saver.start()
    try:
        assert inside.wait(30)
        poster.start()
        dispatcher = server._server.task_dispatcher
        for _ in range(3000):  # the post is being answered: it waits for the write lock
            if dispatcher.active_count:
                break
            release.wait(0.01)
        assert dispatcher.active_count == 1
        assert get_json(server, "v2/requests.json?status=open")
        assert get_json(server, "v2/services.json")
    finally:
        release.set()
        saver.join(60)
        poster.join(60)
    assert not failed
    assert Setting.get(Setting.key == "test.slow_save").value == 1
    ((status, _, body),) = posted
    assert status == 200, body


def _a_read_under_way(turns: open311_app.Turns) -> tuple[threading.Thread, threading.Event]:
    """A thread holding a read turn until the event is set (then it records "read")."""
    reading, done_reading = threading.Event(), threading.Event()

    def reader() -> None:
        with turns.reading():
            reading.set()
            done_reading.wait(30)

    thread = threading.Thread(target=reader)
    thread.start()
    assert reading.wait(30)
    return thread, done_reading


def _a_commit(turns: open311_app.Turns) -> tuple[threading.Thread, threading.Event]:
    """A thread making a commit through the gate; the event is set once it is let through."""
    committed = threading.Event()

    def committer() -> None:
        with turns.writing():
            committed.set()

    thread = threading.Thread(target=committer)
    thread.start()
    return thread, committed


def test_a_commit_waits_for_the_reads_under_way_and_holds_new_ones_back():
    turns = open311_app.Turns()
    turns.MOST_WAIT = 60.0  # longer than this test: only the read's end lets the commit go
    reader, done_reading = _a_read_under_way(turns)
    second, committed = _a_commit(turns)
    # the commit is waiting (a new read would wait behind it); the read under way goes on
    for _ in range(3000):
        if turns.writers_waiting:
            break
        committed.wait(0.01)
    assert turns.writers_waiting == 1 and not committed.is_set()
    done_reading.set()
    assert committed.wait(30)
    reader.join(30)
    second.join(30)
    # a commit made from inside a read cannot wait for itself: it goes at once (well inside
    # the minute this Turns would otherwise wait)
    inside = threading.Event()

    def read_then_commit() -> None:
        with turns.reading(), turns.writing():
            inside.set()

    third = threading.Thread(target=read_then_commit, daemon=True)
    third.start()
    assert inside.wait(30)
    third.join(30)


def test_a_commit_waits_for_reads_only_so_long():
    """A read may itself be waiting for the commit (a large save spilled its changes into the
    file first, and the read waits in SQLite's busy handler for that commit): past MOST_WAIT
    the commit goes, instead of both waiting out the busy timeout."""
    turns = open311_app.Turns()
    reader, done_reading = _a_read_under_way(turns)
    second, committed = _a_commit(turns)
    try:
        assert committed.wait(30)  # while the read is still under way
        assert reader.is_alive()
    finally:
        done_reading.set()
        reader.join(30)
        second.join(30)
    assert turns.writers_waiting == 0


def test_a_commit_interrupted_while_it_waits_holds_no_read_back():
    turns = open311_app.Turns()
    turns.MOST_WAIT = 60.0
    reader, done_reading = _a_read_under_way(turns)

    class Interrupted(Exception):
        pass

    def interrupted(timeout: float | None = None) -> bool:
        raise Interrupted

    real_wait = turns._turn.wait
    turns._turn.wait = interrupted  # type: ignore[method-assign]  # Ctrl+C while it waits
    try:
        with pytest.raises(Interrupted), turns.writing():
            pass
    finally:
        turns._turn.wait = real_wait  # type: ignore[method-assign]
        done_reading.set()
        reader.join(30)
    assert turns.writers_waiting == 0
    with turns.reading():  # a new read goes at once
        pass


@pytest.mark.sqlite_only  # the gate is SQLite's: PostgreSQL's readers never wait
def test_the_gate_stays_while_any_server_serves(server):
    other = Open311Server("127.0.0.1", 0)
    other.start()
    other.stop()
    other.stop()  # stopped twice, counted once
    assert storage_db.commit_gate() is not None  # the fixture's server still serves
    server.stop()
    assert storage_db.commit_gate() is None


def test_a_confidential_request_is_not_published(server, api_key):
    """A neighbour complaint is left out of what anyone may read, as it is of open data: the
    lists, the request by its number and the updates."""
    (made,) = json.loads(call(server, "v2/requests.json", {**POTHOLE, "api_key": api_key})[2])
    number = made["service_request_id"]
    request = ServiceRequest.get(ServiceRequest.tracking_number == number)
    lifecycle.add_note(request.id, "A crew is booked.", public=True, actor=None)
    assert number in call(server, "v2/requests.json?status=open")[2].decode()
    assert number in call(server, "v2/servicerequestupdates.json")[2].decode()
    write(
        lambda: (
            ServiceRequest.update(confidential=True)
            .where(ServiceRequest.id == request.id)
            .execute()
        )
    )
    assert number not in call(server, "v2/requests.json?status=open")[2].decode()
    assert number not in call(server, f"v2/requests.json?service_request_id={number}")[2].decode()
    assert error_of(call(server, f"v2/requests/{number}.json"))[0] == 404
    assert number not in call(server, "v2/servicerequestupdates.json")[2].decode()


def test_a_kept_answer_is_never_older_than_the_database(server, api_key):
    """Keyless GETs of requests are answered from a kept copy while nothing changes; a change
    made anywhere (the window in this process, a partner's post on another of the server's
    threads) is in the very next answer."""
    open_list = "v2/requests.json?status=open&page_size=50"
    first = get_json(server, open_list)
    number = first[0]["service_request_id"]
    (before,) = get_json(server, f"v2/requests/{number}.json")
    assert get_json(server, open_list) == first
    kept = {key[0] for key in open311_app._answers._kept}
    if storage_db.current_path() is not None:  # PostgreSQL's snapshot moves with any database
        # of the server (the other tests' too), which drops what was kept: kept, or not, it is
        # never older than the database, as below
        assert {"v2/requests.json", f"v2/requests/{number}.json"} <= kept
    # the window (this thread's connection) moves the request along
    request = ServiceRequest.get(ServiceRequest.tracking_number == number)
    lifecycle.resolve(request.id, "fixed", actor=None, note="Filled.")
    (after,) = get_json(server, f"v2/requests/{number}.json")
    assert (before["status"], after["status"]) == ("open", "closed")
    assert number not in {r["service_request_id"] for r in get_json(server, open_list)}
    # a partner posts (another thread of the server): the open list has it at once
    made = json.loads(call(server, "v2/requests.json", {**POTHOLE, "api_key": api_key})[2])
    assert made[0]["service_request_id"] in {
        r["service_request_id"] for r in get_json(server, open_list + "&page=1")
    } | {r["service_request_id"] for r in get_json(server, "v2/requests.json?status=open")}
    # a partner's own GET (with its key) is never kept: it may see more than the public
    get_json(server, f"v2/requests.json?api_key={api_key}")
    assert not any("api_key" in key[1] for key in open311_app._answers._kept)


@pytest.mark.sqlite_only  # the commit gate, which tells the answers of each commit, is SQLite's
def test_a_kept_answer_is_given_while_a_commit_holds_the_file(server, monkeypatch):
    """A read that needs nothing from the file does not wait for a post's commit: what it gets
    is the database before that commit, which has not ended; the commit's end drops it."""
    monkeypatch.setattr(open311_app.Answers, "LOOK_EVERY", 3600.0)  # no look between the GETs
    monkeypatch.setattr(open311_app.Answers, "MAX_AGE", 3600.0)  # however slow the machine
    services = get_json(server, "v2/services.json")
    holding, answered, released = threading.Event(), threading.Event(), threading.Event()

    def commit() -> None:
        with open311_app._turns.writing():
            holding.set()
            answered.wait(10)
        released.set()

    writer = threading.Thread(target=commit)
    writer.start()
    try:
        assert holding.wait(30)
        epoch = open311_app._answers._epoch
        assert get_json(server, "v2/services.json") == services
        assert not released.is_set()  # answered while the commit held the file
    finally:
        answered.set()
        writer.join(30)
    assert open311_app._answers._epoch == epoch + 1 and not open311_app._answers._kept


@pytest.mark.sqlite_only  # the commit gate is SQLite's
def test_what_was_kept_is_dropped_when_serving_starts_again(server):
    """Saves made while no server served were told to nobody: a server that starts (or a
    second one) trusts nothing kept before it."""
    get_json(server, "v2/services.json")
    assert open311_app._answers._kept
    open311_app.gate_commits(True)  # a second server starts
    try:
        assert not open311_app._answers._kept
    finally:
        open311_app.gate_commits(False)


@pytest.mark.sqlite_only  # another program's connection to the same file
def test_another_program_s_save_is_in_the_answers_a_moment_later(server):
    """Another workstation's save is not told to this server: the next GET that asks the
    database (at most `LOOK_EVERY` after the last one) sees it, and drops what was kept."""
    number = get_json(server, "v2/requests.json?status=open")[0]["service_request_id"]
    assert get_json(server, f"v2/requests/{number}.json")[0]["description"] != "Seen elsewhere"
    path = storage_db.current_path()
    assert path is not None
    other = sqlite3.connect(path, timeout=30)
    with other:
        other.execute(
            "UPDATE service_request SET description = 'Seen elsewhere' WHERE tracking_number = ?",
            (number,),
        )
    other.close()
    deadline = time.monotonic() + 30
    while get_json(server, f"v2/requests/{number}.json")[0]["description"] != "Seen elsewhere":
        assert time.monotonic() < deadline, "another program's save never reached the answers"
        time.sleep(open311_app.Answers.LOOK_EVERY / 5)


def test_a_kept_answer_ends_with_its_time_and_the_epoch_it_was_made_in():
    answers = open311_app.Answers()
    answers._epoch = 5
    answers.put(("a", ""), 5, b"x")
    assert answers.get(("a", ""), 5) == b"x"
    assert answers.get(("a", ""), 6) is None  # the database moved on
    answers.put(("b", ""), 4, b"old")  # made before the database moved on: never kept
    assert answers.get(("b", ""), 4) is None and ("b", "") not in answers._kept
    answers.MOST_BYTES = 10
    answers.put(("c", ""), 5, b"12345")
    answers.put(("d", ""), 5, b"12345")  # over the bytes kept (keys count): the oldest goes
    assert list(answers._kept) == [("d", "")] and answers._bytes == 6
    answers.MAX_AGE = 0.0
    assert answers.get(("d", ""), 5) is None  # the clock moves a list's default window


@pytest.mark.skipif(
    not hasattr(os, "sched_setaffinity") or len(os.sched_getaffinity(0)) < 2,
    reason="choosing a thread's processor is Linux's, and needs two",
)
def test_the_servers_threads_keep_to_one_processor_and_the_window_s_do_not(server):
    """Spread over two processors, the threads handed the interpreter's lock back and forth
    between them, and a load test fell into a slow mode for a whole run (server.py)."""
    import threading

    mine = os.sched_getaffinity(0)
    chosen = one_processor()
    assert chosen is not None and len(chosen) == 1 and chosen <= mine
    answering = [t for t in threading.enumerate() if t.name.startswith("waitress-")]
    loop = [t for t in threading.enumerate() if t.name == "open311"]
    assert answering and loop
    for thread in [*answering, *loop]:
        assert thread.native_id is not None
        assert os.sched_getaffinity(thread.native_id) == chosen
    assert os.sched_getaffinity(0) == mine  # the thread that started it (the window's) is free
    assert call(server, "v2/services.json")[0] == 200
