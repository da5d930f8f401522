"""Open data: the town's requests as a Frictionless Data Package (requests.csv with the public
columns, georeport.csv with Open311's bulk columns, datapackage.json describing both) that
`frictionless validate` accepts, with nothing in it that names or locates a resident."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from frictionless import validate

from desktop.app import main
from desktop.models.reports import exports
from desktop.models.requests import lifecycle
from desktop.models.requests.intake import RequestDraft, create_request
from desktop.models.requests.listing import RequestFilter
from desktop.models.residents.contacts import CallerDetails
from desktop.models.setup.demo import generate_demo
from desktop.models.storage.schema import Contact, ContactMethod, ServiceRequest


def test_the_package_validates_and_names_no_one(db, tmp_path: Path):
    generate_demo(300, seed=11, actor=None)
    made = create_request(
        RequestDraft(
            "feedback",
            "My neighbour Zebulon Quartermaine at 1234 Elm St keeps his dog out",
            address="1234 Elm St",
            caller=CallerDetails(
                first_name="Ophelia", last_name="Wintersmith", phone="555-867-5309",
                email="ophelia.wintersmith@example.org",
            ),
        ),
        actor=None,
    )  # fmt: skip
    lifecycle.resolve(made.id, "fixed", note="Spoke with Zebulon Quartermaine.", actor=None)
    folder = tmp_path / "open-data"
    count = exports.write_datapackage(folder, RequestFilter(), actor=None)
    # every request but the confidential ones (a neighbour complaint is not open data)
    assert count == ServiceRequest.select().where(~ServiceRequest.confidential).count() > 250
    report = validate(folder / "datapackage.json")
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:10]
    package = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    assert [r["name"] for r in package["resources"]] == ["requests", "georeport"]
    with (folder / "georeport.csv").open(encoding="utf-8") as f:
        bulk = list(csv.DictReader(f))
    assert list(bulk[0]) == list(exports.GEOREPORT_COLUMNS) and len(bulk) == count
    ours = next(row for row in bulk if row["service_request_id"] == made.tracking_number)
    assert ours["address"] == "1200 block of Elm St" and ours["status"] == "closed"
    assert ours["description"] == "" and ours["status_notes"] == ""
    # no resident's name, phone or email anywhere in the package, nor a house number
    every = "\n".join(p.read_text(encoding="utf-8") for p in folder.iterdir())
    # (a last name alone is no test: Adams, Hudson and Brooks are streets of the demo town)
    people = [c.display_name for c in Contact.select() if " " in c.display_name]
    people += [m.value for m in ContactMethod.select()]
    people += [m.normalized for m in ContactMethod.select() if m.kind == "phone"]
    assert people and "Ophelia Wintersmith" in people
    leaked = [value for value in people if value in every]
    assert not leaked, leaked[:5]
    assert "Wintersmith" not in every and "Quartermaine" not in every
    assert "1234 Elm" not in every


def test_the_command_line(tmp_path: Path, capsys):
    base = ["--basedir", str(tmp_path / "base"), "--db", str(tmp_path / "town.db")]
    assert main([*base, "init", "--town", "Alder Falls"]) == 0
    assert main([*base, "request", "add", "feedback", "Thanks", "--address", "12 Elm St"]) == 0
    capsys.readouterr()
    out = tmp_path / "pkg"
    assert main([*base, "export", "--format", "datapackage", "--public", "--out", str(out),
                 "--json"]) == 0  # fmt: skip
    shown = json.loads(capsys.readouterr().out)
    assert shown["requests"] == 1 and Path(shown["folder"]) == out
    assert validate(out / "datapackage.json").valid
    assert main([*base, "export", "--format", "datapackage", "--out", str(out)]) == 1
    assert "--public" in capsys.readouterr().err
