"""Open311 payloads as files: another system's published requests read in (real Boston and
Chicago answers from ../shared when it is there, and hostile files of our own), idempotent by
the partner's numbers; the town's services and requests written out for a partner with no
network, and read back."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path
from xml.etree import ElementTree

import pytest

from desktop.app import main
from desktop.models.errors import InputError
from desktop.models.imports.matching import IMPORTED_GROUP
from desktop.models.partners import georeport
from desktop.models.partners.georeport import Query
from desktop.models.partners.payloads import export_payloads, import_payloads
from desktop.models.setup.demo import generate_demo
from desktop.models.storage import rollups
from desktop.models.storage.db import current_path
from desktop.models.storage.schema import RequestEvent, ServiceRequest, ServiceType

REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "open311-examples" / "real-world"
BOSTON = REAL / "boston-open311-requests" / "abandoned-vehicle_page-aa_1000.json"
CHICAGO = REAL / "chicago" / "ChicagoRequests.json"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def totals_agree() -> None:
    path = current_path()
    if path is not None:
        with sqlite3.connect(path) as connection:
            assert rollups.differences(connection) == []


@pytest.mark.skipif(not BOSTON.is_file(), reason="../shared's real Open311 answers are not here")
def test_real_boston_and_chicago_answers_come_in_once(db):
    boston = json.loads(BOSTON.read_text(encoding="utf-8"))
    unique = {item["service_request_id"]: item for item in boston}
    report = import_payloads(BOSTON, partner="boston", actor=None)
    assert (report.rows, report.imported, report.rejected) == (1000, len(unique), [])
    assert report.already_there == 1000 - len(unique)  # the answer repeats some requests
    again = import_payloads(BOSTON, partner="boston", actor=None)
    assert (again.imported, again.already_there) == (0, 1000)

    closed = [item for item in unique.values() if item["status"] == "closed"]
    saved = ServiceRequest.select().where(ServiceRequest.external_id.startswith("boston:"))
    assert saved.count() == len(unique)
    done = saved.where(ServiceRequest.status == "closed")
    assert done.count() == len(closed)
    one = closed[0]
    row = ServiceRequest.get(ServiceRequest.external_id == f"boston:{one['service_request_id']}")
    requested = dt.datetime.fromisoformat(one["requested_datetime"]).astimezone()
    assert row.requested_at == requested.replace(tzinfo=None, microsecond=0)
    assert row.resolved_at is not None and row.resolved_at >= row.requested_at
    assert row.channel == "web" and row.lat == one["lat"]
    assert row.service_type.name.casefold() == one["service_name"].casefold()
    assert RequestEvent.select().where(RequestEvent.request == row.id).count() == 2

    chicago = import_payloads(CHICAGO, partner="chicago", actor=None)
    assert chicago.imported == 50 and chicago.types_made
    made = ServiceType.select().where(ServiceType.code.in_(chicago.types_made))
    assert all(t.group_name == IMPORTED_GROUP and not t.active for t in made)
    totals_agree()


def test_a_file_with_bad_rows_brings_in_the_good_ones_and_names_the_rest(db, tmp_path):
    generate_demo(20, seed=2, actor=None)
    before = ServiceRequest.select().count()
    xml = write(tmp_path, "partner.xml", """<?xml version="1.0"?>
<service_requests>
 <request><service_request_id>A1</service_request_id><status>open</status>
  <service_code>pothole</service_code>
  <requested_datetime>2026-10-01T08:00:00-05:00</requested_datetime>
  <description>Hole &amp; bump</description><address>12 Elm St</address>
  <lat>42.1</lat><long>-71.2</long>
 </request>
 <request><service_request_id>A2</service_request_id><status>closed</status>
  <service_name>Streetlight Out</service_name>
  <requested_datetime>2026-10-02T08:00:00Z</requested_datetime>
  <updated_datetime>2026-10-03T08:00:00Z</updated_datetime><lat>999</lat><long>5</long>
 </request>
 <request><service_request_id>A3</service_request_id><status>open</status><service_code>pothole</service_code></request>
 <request><service_request_id>A4</service_request_id><status>maybe</status><service_code>pothole</service_code>
  <requested_datetime>2026-10-02T08:00:00Z</requested_datetime></request>
 <request><status>open</status></request>
</service_requests>""")  # fmt: skip
    report = import_payloads(xml, partner="neighbour", actor=None)
    assert (report.rows, report.imported) == (5, 2)
    assert [r["row"] for r in report.rejected] == [3, 4, 5]
    assert "requested_datetime" in report.rejected[0]["reason"]
    assert ServiceRequest.select().count() == before + 2
    hole = ServiceRequest.get(ServiceRequest.external_id == "neighbour:A1")
    assert hole.description == "Hole & bump" and hole.service_type.code == "pothole"
    light = ServiceRequest.get(ServiceRequest.external_id == "neighbour:A2")
    assert (
        light.status == "closed" and light.lat is None
    )  # out of range: no place rather than a wrong one
    totals_agree()


@pytest.mark.parametrize(
    ("name", "text", "words"),
    [
        ("broken.json", '[{"service_request_id": "1", ', "JSON"),
        ("object.json", '{"requests": []}', "list"),
        ("deep.json", "[" * 5000 + "]" * 5000, ""),
        ("broken.xml", "<service_requests><request>", "XML"),
        ("other.xml", "<services><service/></services>", "service_requests"),
        (
            "laughs.xml",
            '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
            '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
            "<service_requests>&b;</service_requests>",
            "XML",
        ),
        (
            "external.xml",
            '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            "<service_requests><request><description>&x;</description></request>"
            "</service_requests>",
            "XML",
        ),
    ],
)
def test_a_file_that_is_not_a_requests_answer_gets_a_sentence(db, tmp_path, name, text, words):
    before = ServiceRequest.select().count()
    with pytest.raises(InputError) as refused:
        import_payloads(write(tmp_path, name, text), actor=None)
    assert words in str(refused.value) and name in str(refused.value)
    assert ServiceRequest.select().count() == before


def test_a_dry_run_changes_nothing(db, tmp_path):
    answer = [{"service_request_id": "9", "status": "open", "service_name": "Bees",
               "requested_datetime": "2026-10-01T08:00:00Z"}]  # fmt: skip
    path = write(tmp_path, "bees.json", json.dumps(answer))
    types, requests = ServiceType.select().count(), ServiceRequest.select().count()
    report = import_payloads(path, dry_run=True, actor=None)
    assert report.imported == 1 and report.types_made == ["imported_bees"]
    assert (ServiceType.select().count(), ServiceRequest.select().count()) == (types, requests)


def test_the_export_is_what_the_endpoint_answers_and_comes_back_in(db, tmp_path):
    generate_demo(150, seed=4, actor=None)
    made = export_payloads(tmp_path / "out")
    folder = tmp_path / "out"
    assert json.loads((folder / "services.json").read_text()) == georeport.services()
    assert json.loads((folder / "services" / "pothole.json").read_text()) == (
        georeport.service_definition("pothole")
    )
    recent = json.loads((folder / "requests.json").read_text())
    assert recent == georeport.find_requests(Query(extensions="true"))
    assert made["requests"] == len(recent)
    assert ElementTree.parse(folder / "requests.xml").getroot().tag == "service_requests"
    # a partner's copy read back: nothing new (their numbers are ours), then as another partner
    again = import_payloads(folder / "requests.xml", partner="self", dry_run=True, actor=None)
    assert again.imported == len(recent) and again.rejected == []
    with pytest.raises(InputError):
        export_payloads(tmp_path / "out", days=400)


def test_from_the_command_line(db, db_path, tmp_path, capsys):
    answer = [{"service_request_id": "7", "status": "open", "service_code": "pothole",
               "requested_datetime": "2026-10-01T08:00:00Z"}]  # fmt: skip
    path = write(tmp_path, "one.json", json.dumps(answer))
    base = ["--basedir", str(tmp_path / "base"), "--db", str(db_path)]
    if current_path() is None:
        pytest.skip("the command line test runs on the SQLite file")
    db.db.close()
    assert main([*base, "open311", "import", str(path), "--partner", "p", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["imported"] == 1
    assert main([*base, "open311", "import", str(path), "--partner", "p"]) == 0
    assert "were there already" in capsys.readouterr().out
    assert main([*base, "open311", "export", "--out", str(tmp_path / "x")]) == 0
    assert "Wrote" in capsys.readouterr().out
    assert main([*base, "open311", "import", str(tmp_path / "nothing.json")]) == 1
    assert "could not be read" in capsys.readouterr().err


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_round_trip_keeps_what_the_spec_has_no_field_for(db, tmp_path, fmt):
    """Priority, channel, status, resolution, closing times go out as extended_attributes and
    come back in (another Front Counter reading this town's export)."""
    from desktop.models.requests import lifecycle

    generate_demo(60, seed=6, actor=None)
    ours = (
        ServiceRequest.select()
        .where(ServiceRequest.requested_at >= dt.datetime(2026, 9, 1))
        .order_by(ServiceRequest.id)
    )
    first, second = list(ours.limit(2))
    ServiceRequest.update(priority="high", channel="email").where(
        ServiceRequest.id == first.id
    ).execute()
    if second.status not in ("resolved", "closed"):
        lifecycle.resolve(second.id, "not_town_responsibility", actor=None)
    export_payloads(tmp_path / "out")
    import_payloads(tmp_path / "out" / f"requests.{fmt}", partner="copy", actor=None)
    for original in (ServiceRequest.get_by_id(first.id), ServiceRequest.get_by_id(second.id)):
        copy = ServiceRequest.get(ServiceRequest.external_id == f"copy:{original.tracking_number}")
        for name in ("priority", "channel", "status", "resolution", "requested_at",
                     "resolved_at", "closed_at"):  # fmt: skip
            assert getattr(copy, name) == getattr(original, name), name
