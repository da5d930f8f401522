"""Imports of requests (`frontcounter import requests FILE`): a town's old spreadsheet or
another 311 system's export, read whole and checked, columns recognised, types and statuses
matched, every row accounted for, idempotent, undoable, resumable after a crash.

Files of our own in every encoding and form a town meets, hostile ones, and (when ../shared is
here) the real NYC, Los Angeles, Boston and Hoboken exports."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from desktop.app import main
from desktop.models.errors import InputError
from desktop.models.imports import batches, columns, matching, values
from desktop.models.imports.batches import plan_import, run_import, undo_import
from desktop.models.imports.reading import open_table
from desktop.models.reports.exports import write_export
from desktop.models.requests import lifecycle
from desktop.models.requests.listing import RequestFilter
from desktop.models.storage import integrity, rollups
from desktop.models.storage.db import current_path
from desktop.models.storage.schema import (
    Contact,
    ImportBatch,
    RequestEvent,
    ServiceRequest,
    ServiceType,
    TrackingCounter,
)

REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "real311"
NYC = REAL / "nyc" / "nyc_311_2018-10-21_all_requests.csv"
NYC_API = REAL / "nyc" / "nyc_311_2024-05-27_socrata_api_1000.csv"
LA = REAL / "la" / "MyLA311_Service_Request_Data_2017_Subset.csv"
BOSTON = REAL / "boston" / "boston_311_2015_combined_from_per-type_files.csv"
HOBOKEN = REAL / "hoboken" / "Hoboken_20190521_publicstuff.csv"

HEADER = ["Case ID", "Type", "Description", "Status", "Opened", "Closed", "Address", "Zip"]
ROWS = [
    [
        "A-1",
        "Pothole",
        "Deep hole by the school",
        "Open",
        "04/12/2018 11:11:26 AM",
        "",
        "12 Elm St",
        "2108.0",
    ],
    [
        "A-2",
        "Street Light Outage",
        "Light out",
        "Closed",
        "04/13/2018 09:00:00 AM",
        "04/14/2018 10:30:00 AM",
        "40 Oak Ave",
        "02108",
    ],
    [
        "A-3",
        "Pothole",
        "Again",
        "Closed - Duplicate",
        "04/13/2018 10:00:00 AM",
        "04/13/2018 11:00:00 AM",
        "12 Elm St",
        "",
    ],
    [
        "A-4",
        "Cow in road",
        "A cow on Route 9",
        "Cancelled",
        "04/15/2018 08:00:00 AM",
        "04/15/2018 09:00:00 AM",
        "Route 9",
        "",
    ],
]


def csv_text(rows=ROWS, header=HEADER, delimiter=","):
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def put(tmp_path: Path, name: str, data: str | bytes, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode(encoding))
    return path


def imported(path: Path, **kwargs):
    plan = plan_import(path, actor=None, **{k: v for k, v in kwargs.items() if k != "dry_run"})
    return plan, run_import(plan, actor=None, dry_run=kwargs.get("dry_run", False))


def totals_agree() -> None:
    path = current_path()
    if path is not None:
        with sqlite3.connect(path) as connection:
            assert rollups.differences(connection) == []


def by_external(source: str, their: str) -> ServiceRequest:
    return ServiceRequest.get(ServiceRequest.external_id == f"{source}:{their}")


# ---- reading ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "delimiter", "bom"),
    [
        ("utf-8", ",", False),
        ("utf-8", ";", True),
        ("utf-8", "\t", False),
        ("cp1252", ",", False),
        ("utf-16", "\t", True),  # Excel's "Unicode text"
        ("utf-8", "|", False),
    ],
)
def test_csv_in_the_encodings_and_delimiters_towns_save(tmp_path, encoding, delimiter, bom):
    rows = [[*ROWS[0][:2], "Señora Muñoz: café closed, “quotes”", *ROWS[0][3:]], *ROWS[1:]]
    text = csv_text(rows, delimiter=delimiter)
    data = text.encode(encoding)
    if bom and encoding == "utf-8":
        data = b"\xef\xbb\xbf" + data
    table = open_table(put(tmp_path, "old.csv", data))
    assert table.header == HEADER and table.count == 4
    assert table.delimiter == delimiter
    first = dict(zip(table.header, table.sample[0], strict=True))
    assert first["Description"] == "Señora Muñoz: café closed, “quotes”"
    assert first["Case ID"] == "A-1"  # no BOM stuck to the first name


def test_cells_with_line_breaks_and_quotes_stay_one_row(tmp_path):
    rows = [["A-1", "Pothole", 'line one\nline "two"', "Open", "2020-01-01 00:05:00", "", "", ""]]
    table = open_table(put(tmp_path, "multi.csv", csv_text(rows)))
    assert table.count == 1
    assert next(iter(table.rows()))[1][2] == 'line one\nline "two"'


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"Case ID,Type\nA-1,Pot\x00hole\n", "NUL bytes"),
        ("Case ID,Type\nA-1,Señor\n".encode() + b"A-2,Se\xf1or\n", "two encodings"),
        (b'Case ID,Type\nA-1,"Pothole\nA-2,Light\n', "never closed"),
        (b"", "is empty"),
        (b"PK\x03\x04not really a zip", "not a CSV file"),
        (bytes(range(1, 256)) * 40, "not text"),
    ],
)
def test_hostile_text_files_are_refused_whole_in_a_sentence(tmp_path, db, data, words):
    path = put(tmp_path, "bad.csv", data)
    with pytest.raises(InputError, match=words):
        plan_import(path, actor=None)
    assert ServiceRequest.select().count() == 0


def test_a_50_megabyte_cell_is_refused(tmp_path, db):
    path = tmp_path / "huge.csv"
    with path.open("w", encoding="utf-8") as out:
        out.write("Case ID,Type,Description,Opened\nA-1,Pothole,")
        out.write("x" * (50 * 1024 * 1024))
        out.write(",2020-01-01\n")
    with pytest.raises(InputError, match="larger than"):
        plan_import(path, actor=None)
    assert ServiceRequest.select().count() == 0


def test_a_zip_bomb_posing_as_a_spreadsheet_is_refused(tmp_path, db):
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\x00" * (300 * 1024 * 1024))
    assert path.stat().st_size < 2 * 1024 * 1024
    with pytest.raises(InputError, match="not a real spreadsheet"):
        plan_import(path, actor=None)


def test_a_damaged_spreadsheet_is_a_sentence(tmp_path, db):
    path = put(tmp_path, "broken.xlsx", b"this is not a workbook at all")
    with pytest.raises(InputError, match="spreadsheet"):
        plan_import(path, actor=None)
    with pytest.raises(InputError, match="not an Excel 97-2003 workbook"):
        plan_import(put(tmp_path, "broken.xls", b"\xd0\xcf\x11\xe0 nope"), actor=None)
    with pytest.raises(InputError, match="not an Excel 97-2003 workbook"):
        plan_import(put(tmp_path, "renamed.xls", b"ID,Type\n1,Pothole\n"), actor=None)


def test_a_row_with_more_cells_is_listed_and_the_rest_come_in(tmp_path, db):
    text = csv_text() + "A-5,Pothole,one,too,many,cells,here,x,y,z\r\n"
    _plan, result = imported(put(tmp_path, "extra.csv", text))
    assert result.imported == 4
    assert result.rejected == [{"row": 6, "reason": result.rejected[0]["reason"]}]
    assert "more than the 8 columns" in result.rejected[0]["reason"]


def test_formulas_are_kept_as_text_and_escaped_in_every_export(tmp_path, db):
    rows = [
        [
            "F-1",
            "Pothole",
            '=HYPERLINK("http://evil.example","click")',
            "Open",
            "2020-01-01 00:05:00",
            "",
            "+1 Main St",
            "",
        ]
    ]
    _plan, result = imported(put(tmp_path, "formula.csv", csv_text(rows)))
    assert result.imported == 1
    saved = ServiceRequest.get()
    assert saved.description.startswith('=HYPERLINK("http://evil.example"')
    for form in ("csv", "xlsx"):
        out = tmp_path / f"export.{form}"
        write_export(out, RequestFilter(), file_format=form, actor=None)
        if form == "csv":
            with out.open(encoding="utf-8-sig", newline="") as handle:
                cells = [c for row in csv.reader(handle) for c in row]
            assert not any(c.startswith(("=", "+")) for c in cells)
        else:
            import openpyxl

            sheet = openpyxl.load_workbook(out).active
            every = [c for row in sheet.iter_rows() for c in row if c.value]
            assert not any(c.data_type == "f" for c in every)  # text cells, never formulas
            cells = [str(c.value) for c in every]
        assert any("HYPERLINK" in c for c in cells)


# ---- spreadsheets -------------------------------------------------------------------------


def _rows_with_dates():
    return [
        ["S-1", "Pothole", "Hole", "Open", dt.datetime(2021, 3, 4, 9, 15), None, "5 Elm St", 2108],
        [
            "S-2",
            "Graffiti",
            "Tag",
            "Closed",
            dt.datetime(2021, 3, 5, 10, 0),
            dt.datetime(2021, 3, 6, 12, 0),
            "7 Oak Ave",
            "02108",
        ],
    ]


def test_excel_xlsx_with_real_dates(tmp_path, db):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in _rows_with_dates():
        sheet.append(row)
    path = tmp_path / "old.xlsx"
    book.save(path)
    plan, result = imported(path)
    assert plan.table.sheet and result.imported == 2
    first = by_external(plan.source, "S-1")
    assert first.requested_at == dt.datetime(2021, 3, 4, 9, 15) and first.zip == "02108"
    second = by_external(plan.source, "S-2")
    assert second.closed_at == dt.datetime(2021, 3, 6, 12, 0) and second.status == "closed"


def test_old_excel_xls(tmp_path, db):
    import xlwt

    book = xlwt.Workbook()
    sheet = book.add_sheet("Requests")
    when = xlwt.easyxf(num_format_str="MM/DD/YYYY HH:MM")
    for c, name in enumerate(HEADER):
        sheet.write(0, c, name)
    for r, row in enumerate(_rows_with_dates(), 1):
        for c, cell in enumerate(row):
            if isinstance(cell, dt.datetime):
                sheet.write(r, c, cell, when)
            elif cell is not None:
                sheet.write(r, c, cell)
    path = tmp_path / "old.xls"
    book.save(str(path))
    plan, result = imported(path)
    assert result.imported == 2 and result.rejected == []
    assert by_external(plan.source, "S-2").closed_at == dt.datetime(2021, 3, 6, 12, 0)


def _ods(path: Path, rows: list[list[str]]) -> None:
    """A real OpenDocument spreadsheet, written out by hand (no library here writes one)."""

    def cell(value: str) -> str:
        escaped = value.replace("&", "&amp;").replace("<", "&lt;")
        kind = 'office:value-type="string"'
        return f"<table:table-cell {kind}><text:p>{escaped}</text:p></table:table-cell>"

    body = "".join(
        "<table:table-row>" + "".join(cell(v) for v in row) + "</table:table-row>" for row in rows
    )
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        ' xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
        ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        '<office:body><office:spreadsheet><table:table table:name="Requests">'
        f"{body}</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"'
        ' manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" manifest:media-type='
        '"application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(
            zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet"
        )
        archive.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)


def test_opendocument_ods(tmp_path, db):
    path = tmp_path / "old.ods"
    _ods(path, [HEADER, *ROWS])
    plan, result = imported(path)
    assert result.imported == 4 and result.rejected == []
    assert by_external(plan.source, "A-2").closed_at == dt.datetime(2018, 4, 14, 10, 30)


# ---- recognising and matching -----------------------------------------------------------


def test_columns_are_recognised_from_names_and_contents():
    header = [
        "SRNumber",
        "CreatedDate",
        "RequestType",
        "Status",
        "Location",
        "Owner",
        "MobileOS",
        "Agency Name",
        "ZipCode",
        "Address",
    ]
    sample = [
        [
            "1-1",
            "12/31/2017 11:59:58 PM",
            "Bulky Items",
            "Closed",
            "(34.07, -118.26)",
            "BOS",
            "iOS",
            "Bureau",
            "90026",
            "2111 W BELLEVUE AVE",
        ]
    ]
    found = columns.recognise(header, sample)
    assert found["id"] == "SRNumber" and found["created"] == "CreatedDate"
    assert found["type"] == "RequestType" and found["location"] == "Location"
    assert found["address"] == "Address" and found["zip"] == "ZipCode"
    assert "phone" not in found  # MobileOS holds "iOS", not phone numbers
    assert "name" not in found  # an agency's name is not a resident's


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("04/12/2018 11:11:26 AM", dt.datetime(2018, 4, 12, 11, 11, 26)),
        ("10/21/18 0:00", dt.datetime(2018, 10, 21, 0, 0)),
        ("2020-01-01 00:05:00", dt.datetime(2020, 1, 1, 0, 5)),
        ("2024-05-27T02:08:51.000", dt.datetime(2024, 5, 27, 2, 8, 51)),
        ("NA", None),
        ("not a date", None),
    ],
)
def test_dates_in_the_forms_exports_write(cell, expected):
    assert values.DateReader([cell]).read(cell) == expected


def test_dates_with_a_zone_become_local_time_and_epochs_read():
    moment = values.DateReader([]).read("2020-06-01T12:00:00+00:00")
    assert moment == dt.datetime(2020, 6, 1, 12, 0).replace(tzinfo=dt.UTC).astimezone().replace(
        tzinfo=None
    )
    assert values.DateReader(["1531831796"]).read("1531831796") == dt.datetime.fromtimestamp(
        1531831796
    )


def test_day_first_columns_are_noticed():
    reader = values.DateReader(["25/12/2019 10:00", "03/04/2019 10:00"])
    assert reader.read("03/04/2019 10:00") == dt.datetime(2019, 4, 3, 10, 0)


def test_places_zip_codes_and_numbers():
    assert values.pair("(42.3533, -71.0625)") == (42.3533, -71.0625)
    assert values.pair("POINT (-71.0625 42.3533)") == (42.3533, -71.0625)
    socrata = "{'latitude': '40.847', 'longitude': '-73.935', 'human_address': '{}'}"
    assert values.pair(socrata) == (40.847, -73.935)
    assert values.zip_code("2108.0") == "02108" and values.zip_code("7030") == "07030"
    assert values.number("1,017,901") == 1017901.0
    assert values.placeholder(39.0, -77.0) and not values.placeholder(39.1, -77.0)


@pytest.mark.parametrize(
    ("word", "closed", "expected"),
    [
        ("Open", False, ("acknowledged", None)),
        ("In Progress", False, ("in_progress", None)),
        ("Assigned", False, ("assigned", None)),
        ("Closed", True, ("closed", "fixed")),
        ("completed", True, ("closed", "fixed")),
        ("Closed - Duplicate", True, ("closed", "duplicate")),
        ("Cancelled", True, ("closed", "withdrawn")),
        ("Referred Out", True, ("closed", "referred")),
        ("Zorgled", True, ("closed", "fixed")),
        ("Zorgled", False, ("acknowledged", None)),
    ],
)
def test_statuses_map_onto_the_life_of_a_request(word, closed, expected):
    assert matching.status_for(word, "", closed) == expected


def test_a_whole_small_file_comes_in_as_it_should(tmp_path, db):
    path = put(tmp_path, "town_old_2018.csv", csv_text())
    plan, result = imported(path)
    assert plan.source == "town_old"
    assert plan.fields["id"] == "Case ID" and plan.fields["created"] == "Opened"
    assert (result.rows, result.imported, result.rejected) == (4, 4, [])
    hole = by_external("town_old", "A-1")
    assert hole.service_type.code == "pothole" and hole.status == "acknowledged"
    assert hole.zip == "02108" and hole.address_normalized == "12 ELM ST"
    assert hole.requested_at == dt.datetime(2018, 4, 12, 11, 11, 26)
    assert hole.tracking_number.startswith("2018-")
    light = by_external("town_old", "A-2")
    assert light.status == "closed" and light.resolution == "fixed"
    assert light.closed_at == light.resolved_at == dt.datetime(2018, 4, 14, 10, 30)
    assert by_external("town_old", "A-3").resolution == "duplicate"
    cow = by_external("town_old", "A-4")
    assert cow.resolution == "withdrawn"
    assert cow.service_type.group_name == matching.IMPORTED_GROUP and not cow.service_type.active
    assert result.types_made == [cow.service_type.code]
    history = list(RequestEvent.select().where(RequestEvent.request == light.id))
    assert [e.kind for e in history] == ["created", "status"]
    assert "their number A-2" in history[0].body
    totals_agree()
    town_file = current_path()
    if town_file is not None:
        assert integrity.check_file(town_file).ok


def test_a_dry_run_writes_nothing(tmp_path, db):
    before = ServiceType.select().count()
    _plan, result = imported(put(tmp_path, "old.csv", csv_text()), dry_run=True)
    assert result.dry_run and result.imported == 4 and result.batch is None
    assert ServiceRequest.select().count() == 0 and ImportBatch.select().count() == 0
    assert ServiceType.select().count() == before


def test_the_clerk_chooses_columns_and_types(tmp_path, db):
    path = put(tmp_path, "old.csv", csv_text())
    plan = plan_import(
        path,
        fields=["description=Address", "address="],
        types=["Cow in road=animal_welfare", "Pothole=new"],
        actor=None,
    )
    assert plan.fields["description"] == "Address" and "address" not in plan.fields
    chosen = {t.source: (t.code, t.how) for t in plan.types}
    assert chosen["Cow in road"] == ("animal_welfare", "chosen")
    assert chosen["Pothole"] == (None, "new")
    with pytest.raises(InputError, match="no column"):
        plan_import(path, fields=["address=Nowhere"], actor=None)
    with pytest.raises(InputError, match="no request type with the code"):
        plan_import(path, types=["Pothole=no_such_type"], actor=None)


def test_a_profile_keeps_the_choices_for_the_next_file(tmp_path, db):
    first = put(tmp_path, "old.csv", csv_text())
    plan = plan_import(
        first, fields=["description=Address"], types=["Cow in road=animal_welfare"], actor=None
    )
    run_import(plan, actor=None)
    batches.save_profile("oldsystem", plan, actor=None)
    later = put(
        tmp_path,
        "newer.csv",
        csv_text([["B-1", "Cow in road", "x", "Open", "2019-01-01 10:00", "", "1 Elm St", ""]]),
    )
    again = plan_import(later, profile="oldsystem", actor=None)
    assert again.source == plan.source and again.fields["description"] == "Address"
    assert {t.source: t.code for t in again.types}["Cow in road"] == "animal_welfare"


# ---- every row accounted for, again and undone --------------------------------------------


def test_a_second_import_adds_nothing_and_updates_what_changed(tmp_path, db):
    path = put(tmp_path, "old.csv", csv_text())
    _plan, first = imported(path)
    assert first.imported == 4
    count = ServiceRequest.select().count()
    _plan, again = imported(path)
    assert (again.imported, again.updated, again.unchanged) == (0, 0, 4)
    assert ServiceRequest.select().count() == count

    changed = [list(r) for r in ROWS]
    changed[0][3], changed[0][5] = "Closed", "04/20/2018 08:00:00 AM"  # A-1 fixed since
    changed[1][2] = "Light out, pole leaning"  # A-2's words changed in the source
    path.write_text(csv_text(changed), encoding="utf-8")
    hole = by_external("old", "A-2")
    lifecycle.add_note(hole.id, "Crew says the pole is fine", actor=None)  # a clerk touched A-2
    _plan, third = imported(path)
    assert (third.imported, third.updated) == (0, 1)
    assert [k["row"] for k in third.kept] == [3]  # A-2 kept as the clerk left it
    fixed = by_external("old", "A-1")
    assert fixed.status == "closed" and fixed.closed_at == dt.datetime(2018, 4, 20, 8, 0)
    assert by_external("old", "A-2").description == "Light out"

    outcome = undo_import(third.batch, actor=None)
    assert outcome["restored"] == 1 and outcome["removed"] == 0
    assert by_external("old", "A-1").status == "acknowledged"
    totals_agree()


def test_undo_takes_a_batch_back_and_keeps_what_a_clerk_changed(tmp_path, db):
    types_before = ServiceType.select().count()
    _plan, result = imported(put(tmp_path, "old.csv", csv_text()))
    kept = by_external("old", "A-2")
    lifecycle.add_note(kept.id, "Called the resident back", actor=None)
    outcome = undo_import(result.batch, actor=None)
    assert outcome["removed"] == 3 and outcome["kept"] == [kept.tracking_number]
    assert [r.external_id for r in ServiceRequest.select()] == ["old:A-2"]
    assert ServiceType.select().count() == types_before  # "Cow in road" went with its request
    assert ImportBatch.get_by_id(result.batch).state == "undone"
    counter = TrackingCounter.get(TrackingCounter.year == 2018)
    assert counter.last == int(kept.tracking_number.split("-")[1])  # the numbers come back
    with pytest.raises(InputError, match="undone already"):
        undo_import(result.batch, actor=None)
    totals_agree()


def test_residents_are_matched_by_phone_and_email_and_never_doubled(tmp_path, db):
    header = ["ID", "Type", "Created", "Name", "Phone", "Email"]
    rows = [
        ["1", "Pothole", "2020-01-02 10:00", "Ana Ortiz", "(555) 010-2233", ""],
        ["2", "Pothole", "2020-01-03 10:00", "Ana Ortiz", "+1 555 010 2233", ""],
        ["3", "Graffiti", "2020-01-04 10:00", "Bo Lee", "", "Bo@Example.org"],
        ["4", "Graffiti", "2020-01-05 10:00", "", "", ""],
    ]
    path = put(tmp_path, "callers.csv", csv_text(rows, header))
    _plan, result = imported(path)
    assert result.imported == 4 and result.residents_added == 2
    ana = by_external("callers", "1").contact
    assert ana is not None
    assert ana.first_name == "Ana" and ana.last_name == "Ortiz"
    assert by_external("callers", "2").contact_id == ana.id
    bo = by_external("callers", "3").contact
    assert bo is not None and bo.methods.get().normalized == "bo@example.org"
    assert by_external("callers", "4").contact_id is None
    imported(path)
    assert Contact.select().count() == 2


def test_placeholder_and_faraway_places_are_flagged_not_dropped(tmp_path, db):
    header = ["ID", "Type", "Created", "Latitude", "Longitude"]
    rows = [
        [str(n), "Pothole", "2020-01-02 10:00", f"42.35{n:02d}", f"-71.06{n:02d}"]
        for n in range(20)
    ]
    rows.append(["99", "Pothole", "2020-01-02 10:00", "39", "-77"])
    rows.append(["98", "Pothole", "2020-01-02 10:00", "34.05", "-118.24"])
    _plan, result = imported(put(tmp_path, "places.csv", csv_text(rows, header)))
    assert result.imported == 22
    flagged = {f["row"]: f["reason"] for f in result.flagged}
    assert "stand for “unknown”" in flagged[22] and "far outside" in flagged[23]
    assert by_external("places", "99").lat is None
    assert by_external("places", "98").lat == 34.05


def test_duplicates_are_linked_to_what_the_source_says(tmp_path, db):
    header = ["ID", "Type", "Created", "Status", "Duplicate of"]
    rows = [
        ["1", "Pothole", "2020-01-02 10:00", "Open", ""],
        ["2", "Pothole", "2020-01-02 11:00", "Duplicate", "1"],
    ]
    imported(put(tmp_path, "dups.csv", csv_text(rows, header)))
    second = by_external("dups", "2")
    assert (
        second.resolution == "duplicate" and second.duplicate_of_id == by_external("dups", "1").id
    )


def test_rows_without_what_a_request_needs_are_listed(tmp_path, db):
    rows = [
        ["C-1", "Pothole", "x", "Open", "yesterday-ish", "", "", ""],
        ["", "Pothole", "x", "Open", "2020-01-01", "", "", ""],
        ["C-3", "Pothole", "x", "Open", "2020-01-01", "", "", ""],
        ["C-3", "Pothole", "x", "Open", "2020-01-01", "", "", ""],
        *[[f"D-{n}", "Pothole", "x", "Open", "2020-01-02", "", "", ""] for n in range(6)],
    ]
    _plan, result = imported(put(tmp_path, "gaps.csv", csv_text(rows)))
    reasons = {r["row"]: r["reason"] for r in result.rejected}
    assert result.imported == 7 and set(reasons) == {2, 3, 5}
    assert "is not a date" in reasons[2] and "no request number" in reasons[3]
    assert "repeats row 4" in reasons[5]


def test_cancel_leaves_whole_chunks_and_the_next_import_carries_on(tmp_path, db, monkeypatch):
    monkeypatch.setattr(batches, "CHUNK", 10)
    rows = [
        [f"K-{n}", "Pothole", "x", "Open", "2020-01-01 10:00", "", f"{n} Elm St", ""]
        for n in range(45)
    ]
    path = put(tmp_path, "long.csv", csv_text(rows))
    plan = plan_import(path, actor=None)

    class Stop(Exception):
        pass

    def stop_after_two(done, total):
        if done >= 20:
            raise Stop

    with pytest.raises(Stop):
        run_import(plan, actor=None, progress=stop_after_two)
    stopped = ImportBatch.get()
    assert stopped.state == "cancelled" and stopped.imported == 20
    assert ServiceRequest.select().count() == 20
    again = plan_import(path, actor=None)
    assert again.resume == stopped.id
    result = run_import(again, actor=None)
    assert result.batch == stopped.id and result.imported == 45
    assert ServiceRequest.select().count() == 45 and ImportBatch.select().count() == 1
    totals_agree()


def test_the_command_line_speaks_json(tmp_path, capsys):
    base = ["--basedir", str(tmp_path / "base"), "--db", str(tmp_path / "town.db")]
    assert main([*base, "init", "--town", "Alder Falls"]) == 0
    path = put(tmp_path, "old.csv", csv_text())
    capsys.readouterr()
    assert main([*base, "import", "requests", str(path), "--dry-run", "--json"]) == 0
    dry = json.loads(capsys.readouterr().out)
    assert (dry["rows"], dry["imported"], dry["rejected"], dry["batch"]) == (4, 4, [], None)
    assert (
        main(
            [
                *base,
                "import",
                "requests",
                str(path),
                "--json",
                "--map",
                "zip=Zip",
                "--type",
                "Cow in road=animal_welfare",
            ]
        )
        == 0
    )
    done = json.loads(capsys.readouterr().out)
    assert done["imported"] == 4 and done["batch"] == 1
    assert main([*base, "import", "list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["state"] == "done"
    assert main([*base, "import", "requests", str(path)]) == 0
    assert "Imported 0 of 4 rows" in capsys.readouterr().out
    assert main([*base, "import", "undo", "1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["removed"] == 4
    assert main([*base, "check"]) == 0
    assert main([*base, "import", "requests", str(tmp_path / "missing.csv")]) == 1
    assert "could not be read" in capsys.readouterr().err
    assert main([*base, "import", "requests", str(path), "--map", "colour=Zip"]) == 1
    assert "FIELD=COLUMN" in capsys.readouterr().err


@pytest.mark.sqlite_only
def test_kill_minus_nine_mid_import_leaves_no_half_batch(tmp_path):
    """A power cut during a long import: every chunk is whole or absent, and the next import
    carries on to the end with nothing twice."""
    base = ["--basedir", str(tmp_path / "base"), "--db", str(tmp_path / "town.db")]
    assert main([*base, "init", "--town", "Alder Falls"]) == 0
    rows = [
        [f"K-{n}", "Pothole", "x", "Open", "2020-01-01 10:00", "", f"{n % 90} Elm St", ""]
        for n in range(40_000)
    ]
    path = put(tmp_path, "long.csv", csv_text(rows))
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": str(root)}
    process = subprocess.Popen(
        [sys.executable, "-m", "desktop", *base, "import", "requests", str(path), "--json"],
        cwd=root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    town = tmp_path / "town.db"
    deadline = time.monotonic() + 120
    done = 0
    while time.monotonic() < deadline and process.poll() is None:
        with sqlite3.connect(town, timeout=30) as raw:
            found = raw.execute("SELECT max(rows_done) FROM import_batch").fetchone()
        done = found[0] or 0 if found else 0
        if done >= 4000:
            break
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)
    with sqlite3.connect(town, timeout=30) as raw:
        requests, batch_rows = raw.execute(
            "SELECT (SELECT count(*) FROM service_request), rows_done FROM import_batch"
        ).fetchone()
    assert requests == batch_rows - 1 < 40_000  # whole chunks only (the header is row 1)
    assert main([*base, "import", "requests", str(path), "--json"]) == 0
    with sqlite3.connect(town) as raw:
        count, distinct = raw.execute(
            "SELECT count(*), count(DISTINCT external_id) FROM service_request"
        ).fetchone()
        assert raw.execute("SELECT count(*), max(state) FROM import_batch").fetchone() == (
            1,
            "done",
        )
    assert count == distinct == 40_000
    assert main([*base, "check"]) == 0


# ---- real exports --------------------------------------------------------------------------

REAL_FILES = [
    pytest.param(NYC, id="nyc"),
    pytest.param(NYC_API, id="nyc-socrata"),
    pytest.param(LA, id="los-angeles"),
    pytest.param(HOBOKEN, id="hoboken"),
    # 121,145 rows: a minute on SQLite, several on PostgreSQL (the same code): SQLite only
    pytest.param(BOSTON, id="boston", marks=[pytest.mark.slow, pytest.mark.sqlite_only]),
]


@pytest.mark.parametrize("path", REAL_FILES)
def test_real_exports_come_in_whole_once_and_undo_cleanly(path, db):
    if not path.is_file():
        pytest.skip("../shared's real 311 exports are not here")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        source_rows = list(csv.DictReader(handle))
    plan, result = imported(path)
    assert result.rows == len(source_rows)
    id_column = plan.fields["id"]
    unique = {row[id_column] for row in source_rows}
    repeats = [r for r in result.rejected if "repeats row" in r["reason"]]
    assert result.imported + len(result.rejected) == result.rows  # every row accounted for
    assert result.imported >= 0.95 * len(unique)
    assert len(repeats) == len(source_rows) - len(unique)

    closed_column = plan.fields.get("closed")
    status_column = plan.fields["status"]
    closed_words = {w for w, (s, _r, _n) in plan.statuses.items() if s == "closed"}
    closed_rows = [r for r in source_rows if r[status_column] in closed_words]
    done = ServiceRequest.select().where(ServiceRequest.status == "closed")
    assert done.count() == len({r[id_column] for r in closed_rows})
    assert not done.where(ServiceRequest.closed_at.is_null()).exists()
    if closed_column:  # closing times kept: one checked against the file
        sample = next(r for r in closed_rows if r[closed_column])
        saved = by_external(plan.source, sample[id_column])
        reader = values.DateReader([sample[closed_column]])
        closed_at = reader.read(sample[closed_column])
        assert closed_at is not None
        assert saved.closed_at == max(closed_at, saved.requested_at)
    if path == BOSTON:  # Boston's duplicates are closed as "Duplicate" in its closure reason
        dup_ids = {r[id_column] for r in closed_rows if "uplicat" in r["CLOSURE_REASON"].lower()}
        assert done.where(ServiceRequest.resolution == "duplicate").count() == len(dup_ids)
    totals_agree()

    before = ServiceRequest.select().count()
    _plan, again = imported(path)
    assert again.imported == 0 and ServiceRequest.select().count() == before
    assert again.batch is None  # nothing came in: no import to list or undo

    undo_import(result.batch, actor=None)
    assert ServiceRequest.select().count() == 0
    assert (
        not ServiceType.select().where(ServiceType.group_name == matching.IMPORTED_GROUP).exists()
    )
    totals_agree()
    town_file = current_path()
    if town_file is not None:
        assert integrity.check_file(town_file).ok


def test_the_clerk_says_what_a_status_means(tmp_path, db):
    path = put(tmp_path, "old.csv", csv_text())
    plan = plan_import(
        path,
        statuses=["Open=in_progress", "Cancelled=closed:duplicate", "Closed=resolved:fixed"],
        actor=None,
    )
    assert plan.statuses["Open"][:2] == ["in_progress", None]
    assert plan.statuses["Cancelled"][:2] == ["closed", "duplicate"]
    run_import(plan, actor=None)
    assert by_external("old", "A-1").status == "in_progress"
    assert by_external("old", "A-4").resolution == "duplicate"
    light = by_external("old", "A-2")
    assert light.status == "resolved" and light.closed_at is None and light.resolved_at is not None
    for wrong in ("Open=closed", "Open=pending", "Closed=closed:mended", "Open"):
        with pytest.raises(InputError, match="THEIR STATUS"):
            plan_import(path, statuses=[wrong], actor=None)


OTHER_CITIES = {
    "chicago": (
        [
            "SR_NUMBER",
            "SR_TYPE",
            "SR_SHORT_CODE",
            "OWNER_DEPARTMENT",
            "STATUS",
            "CREATED_DATE",
            "LAST_MODIFIED_DATE",
            "CLOSED_DATE",
            "STREET_ADDRESS",
            "CITY",
            "STATE",
            "ZIP_CODE",
            "DUPLICATE",
            "PARENT_SR_NUMBER",
            "LATITUDE",
            "LONGITUDE",
            "LOCATION",
        ],
        [
            "SR19-01209373",
            "Aircraft Noise Complaint",
            "AVN",
            "Aviation",
            "Completed",
            "03/18/2019 10:58:51 AM",
            "03/18/2019 10:58:53 AM",
            "03/18/2019 10:58:51 AM",
            "10510 W ZEMKE RD",
            "CHICAGO",
            "IL",
            "60666",
            "true",
            "SR19-01209000",
            "41.98",
            "-87.90",
            "(41.98, -87.90)",
        ],
        {
            "id": "SR_NUMBER",
            "type": "SR_TYPE",
            "department": "OWNER_DEPARTMENT",
            "status": "STATUS",
            "created": "CREATED_DATE",
            "closed": "CLOSED_DATE",
            "address": "STREET_ADDRESS",
            "zip": "ZIP_CODE",
            "is_duplicate": "DUPLICATE",
            "duplicate_of": "PARENT_SR_NUMBER",
            "lat": "LATITUDE",
        },
    ),
    "washington-dc": (
        [
            "SERVICECODE",
            "SERVICECODEDESCRIPTION",
            "SERVICETYPECODEDESCRIPTION",
            "ORGANIZATIONACRONYM",
            "SERVICECALLCOUNT",
            "ADDDATE",
            "RESOLUTIONDATE",
            "SERVICEDUEDATE",
            "SERVICEORDERDATE",
            "SERVICEORDERSTATUS",
            "STATUS_CODE",
            "SERVICEREQUESTID",
            "PRIORITY",
            "STREETADDRESS",
            "XCOORD",
            "YCOORD",
            "LATITUDE",
            "LONGITUDE",
            "CITY",
            "STATE",
            "ZIPCODE",
            "WARD",
            "DETAILS",
        ],
        [
            "S0276",
            "Bulk Collection",
            "SWMA- Solid Waste Management Admistration",
            "DPW",
            "1",
            "2016-01-04T14:45:00.000Z",
            "2016-01-12T11:15:00.000Z",
            "2016-01-19T14:45:00.000Z",
            "2016-01-04T14:45:00.000Z",
            "Closed",
            "CLOSED",
            "16-00001234",
            "Standard",
            "1234 MAIN ST NW",
            "397990",
            "137580",
            "39",
            "-77",
            "WASHINGTON",
            "DC",
            "20009",
            "1",
            "Sofa",
        ],
        {
            "id": "SERVICEREQUESTID",
            "type": "SERVICECODEDESCRIPTION",
            "detail": "SERVICETYPECODEDESCRIPTION",
            "department": "ORGANIZATIONACRONYM",
            "created": "ADDDATE",
            "closed": "RESOLUTIONDATE",
            "due": "SERVICEDUEDATE",
            "status": "SERVICEORDERSTATUS",
            "address": "STREETADDRESS",
            "zip": "ZIPCODE",
            "lat": "LATITUDE",
            "long": "LONGITUDE",
            "description": "DETAILS",
            "priority": "PRIORITY",
        },
    ),
    "san-francisco": (
        [
            "CaseID",
            "Opened",
            "Closed",
            "Updated",
            "Status",
            "Status Notes",
            "Responsible Agency",
            "Category",
            "Request Type",
            "Request Details",
            "Address",
            "Supervisor District",
            "Neighborhood",
            "Point",
            "Source",
            "Media URL",
        ],
        [
            "10712160",
            "05/24/2019 11:02:00 AM",
            "05/24/2019 11:40:00 AM",
            "05/24/2019 11:40:00 AM",
            "Closed",
            "Case Resolved - pickup completed",
            "Recology_Abandoned_Items",
            "Street and Sidewalk Cleaning",
            "Bulky Items",
            "Furniture",
            "1 MARKET ST",
            "6",
            "Financial District",
            "(37.79, -122.39)",
            "Phone",
            "",
        ],
        {
            "id": "CaseID",
            "created": "Opened",
            "closed": "Closed",
            "updated": "Updated",
            "status": "Status",
            "resolution": "Status Notes",
            "department": "Responsible Agency",
            "type": "Request Type",
            "description": "Request Details",
            "address": "Address",
            "location": "Point",
            "channel": "Source",
        },
    ),
    "austin": (
        [
            "Service Request (SR) Number",
            "SR Type Code",
            "SR Description",
            "Owning Department",
            "Method Received",
            "SR Status",
            "Status Change Date",
            "Created Date",
            "Last Update Date",
            "Close Date",
            "SR Location",
            "Street Number",
            "Street Name",
            "City",
            "Zip Code",
            "Latitude Coordinate",
            "Longitude Coordinate",
        ],
        [
            "19-00123456",
            "ACLONAG",
            "Loose Dog",
            "Animal Services Office",
            "Phone",
            "Closed",
            "2019-06-01 10:00:00",
            "2019-05-30 09:12:00",
            "2019-06-01 10:00:00",
            "2019-06-01 10:00:00",
            "100 CONGRESS AVE, AUSTIN, TX 78701",
            "100",
            "CONGRESS",
            "AUSTIN",
            "78701",
            "30.26",
            "-97.74",
        ],
        {
            "id": "Service Request (SR) Number",
            "department": "Owning Department",
            "channel": "Method Received",
            "status": "SR Status",
            "created": "Created Date",
            "closed": "Close Date",
            "address": "SR Location",
            "house_number": "Street Number",
            "zip": "Zip Code",
            "lat": "Latitude Coordinate",
            "long": "Longitude Coordinate",
        },
    ),
    "kansas-city": (
        [
            "CASE ID",
            "SOURCE",
            "DEPARTMENT",
            "WORK GROUP",
            "REQUEST TYPE",
            "CATEGORY",
            "TYPE",
            "DETAIL",
            "CREATION DATE",
            "CREATION TIME",
            "STATUS",
            "CLOSED DATE",
            "DAYS TO CLOSE",
            "STREET ADDRESS",
            "ZIP CODE",
            "LATITUDE",
            "LONGITUDE",
        ],
        [
            "2007000001",
            "PHONE",
            "Public Works",
            "Streets",
            "Pothole",
            "Streets",
            "Pothole",
            "Pothole repair",
            "01/02/2007",
            "08:15 AM",
            "RESOL",
            "01/05/2007",
            "3",
            "100 MAIN ST",
            "64105",
            "39.10",
            "-94.58",
        ],
        {
            "id": "CASE ID",
            "channel": "SOURCE",
            "department": "DEPARTMENT",
            "type": "REQUEST TYPE",
            "created": "CREATION DATE",
            "created_time": "CREATION TIME",
            "status": "STATUS",
            "closed": "CLOSED DATE",
            "address": "STREET ADDRESS",
            "zip": "ZIP CODE",
            "lat": "LATITUDE",
            "long": "LONGITUDE",
        },
    ),
}


@pytest.mark.parametrize("city", sorted(OTHER_CITIES))
def test_other_cities_columns_are_recognised(city):
    header, row, expected = OTHER_CITIES[city]
    found = columns.recognise(header, [row])
    assert {k: found.get(k) for k in expected} == expected


def test_a_separate_time_of_day_and_a_duplicate_flag(tmp_path, db):
    header, row, _expected = OTHER_CITIES["kansas-city"]
    second = list(row)
    second[0], second[9], second[10] = "2007000002", "4:40 PM", "OPEN"
    path = put(tmp_path, "kc.csv", csv_text([row, second], header))
    plan, result = imported(path)
    assert result.imported == 2
    first = by_external(plan.source, "2007000001")
    assert first.requested_at == dt.datetime(2007, 1, 2, 8, 15)
    assert by_external(plan.source, "2007000002").requested_at == dt.datetime(2007, 1, 2, 16, 40)

    header, row, _expected = OTHER_CITIES["chicago"]
    parent = list(row)
    parent[0], parent[12], parent[13] = "SR19-01209000", "false", ""
    plan, result = imported(put(tmp_path, "chicago.csv", csv_text([parent, row], header)))
    child = by_external(plan.source, "SR19-01209373")
    assert child.resolution == "duplicate"
    assert child.duplicate_of_id == by_external(plan.source, "SR19-01209000").id
    assert by_external(plan.source, "SR19-01209000").resolution == "fixed"


def test_dc_placeholder_coordinates_are_flagged(tmp_path, db):
    header, row, _expected = OTHER_CITIES["washington-dc"]
    rows = []
    for n in range(12):
        one = list(row)
        one[11] = f"16-{n:08d}"
        one[16], one[17] = (f"38.9{n:02d}", f"-77.0{n:02d}") if n else ("39", "-77")
        rows.append(one)
    plan, result = imported(put(tmp_path, "dc.csv", csv_text(rows, header)))
    assert result.imported == 12
    assert [f["row"] for f in result.flagged] == [2]
    assert by_external(plan.source, "16-00000000").lat is None
    assert by_external(plan.source, "16-00000000").resolution == "fixed"


# ---- what a clerk's own spreadsheet brings (an outside review's findings) -------------------


def test_a_blank_type_is_a_row_turned_away_not_a_crash(tmp_path, db):
    text = "ID,Date,Problem,Comments\nB1,1/1/21,,no type here\nB2,1/2/21,Pothole,ok\n"
    _plan, result = imported(put(tmp_path, "blank.csv", text))
    assert result.imported == 1
    assert result.rejected == [{"row": 2, "reason": "no request type"}]


def test_a_cell_far_away_in_a_workbook_is_refused_before_it_is_read(tmp_path, db):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["ID", "Type", "Created"])
    sheet.append(["1", "Pothole", "2021-01-01"])
    sheet["XFD1048576"] = "x"
    path = tmp_path / "far.xlsx"
    book.save(path)
    with pytest.raises(InputError, match="would span"):
        plan_import(path, actor=None)


def test_two_files_whose_numbers_start_again_do_not_overwrite_each_other(tmp_path, db):
    folder = tmp_path / "yr"
    folder.mkdir()
    first = put(folder, "log2020.csv", "Ticket #,Date,Type,Address\n1,1/5/20,Pothole,5 Elm\n")
    second = put(folder, "log2021.csv", "Ticket #,Date,Type,Address\n1,1/7/21,Pothole,9 Oak\n")
    imported(first)
    _plan, result = imported(second)
    assert result.updated == 0 and "--source" in result.rejected[0]["reason"]
    assert by_external("log", "1").address == "5 Elm"
    _plan, apart = imported(second, source="log2021")
    assert apart.imported == 1


def test_accents_and_long_types_come_in_as_the_plan_shows(tmp_path, db):
    long_type = "Very " * 50 + "Long"
    text = f"ID,Date,Type\n1,2021-01-01,Cafe\u0301 noise\n2,2021-01-01,{long_type}\n"
    plan, result = imported(put(tmp_path, "types.csv", text))
    assert result.imported == 2 and result.rejected == []
    assert "Café noise" in {t.source for t in plan.types}


def test_day_first_dates_are_judged_from_every_row(tmp_path, db):
    rows = []
    day = dt.date(2021, 1, 1)
    for n in range(1680):
        when = day + dt.timedelta(days=n // 10)
        rows.append([f"D{n}", "Pothole", "x", "Open", when.strftime("%d/%m/%Y"), "", "", ""])
    _plan, result = imported(put(tmp_path, "dayfirst.csv", csv_text(rows)))
    assert result.imported == 1680 and result.rejected == []
    assert by_external("dayfirst", "D40").requested_at == dt.datetime(2021, 1, 5)


def test_one_bad_date_does_not_lose_the_column(tmp_path, db):
    text = "ID,Date,Type\n1,1/1/21,Pothole\n2,notadate,Pothole\n"
    _plan, result = imported(put(tmp_path, "rownum.csv", text))
    assert result.imported == 1
    assert "“notadate” is not a date" in result.rejected[0]["reason"]


def test_rows_are_numbered_as_the_clerk_sees_them(tmp_path, db):
    text = 'ID,Date,Type,Notes\n\n1,1/1/21,Pothole,"two\nlines"\n\n2,bad,Pothole,x\n'
    _plan, result = imported(put(tmp_path, "lines.csv", text))
    assert result.rejected[0]["row"] == 6  # the line it is on in the file

    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet["A3"], sheet["B3"], sheet["C3"] = "ID", "Date", "Type"
    sheet["A4"], sheet["B4"], sheet["C4"] = "1", "2021-01-01", "Pothole"
    sheet["A5"], sheet["B5"], sheet["C5"] = "2", "bad", "Pothole"
    path = tmp_path / "rows.xlsx"
    book.save(path)
    _plan, result = imported(path)
    assert result.rejected[0]["row"] == 5  # Excel's own row number


def test_a_title_above_the_header_and_the_sheet_that_has_the_rows(tmp_path, db):
    text = "Town of Alder Falls: requests 2019\n\nID,Date,Type\n1,1/1/19,Pothole\n"
    plan, result = imported(put(tmp_path, "titled.csv", text))
    assert plan.table.header == ["ID", "Date", "Type"] and result.imported == 1

    import openpyxl

    book = openpyxl.Workbook()
    book.active.title = "Notes"
    book.active["A1"] = "read me"
    data = book.create_sheet("Requests")
    data.append(["ID", "Date", "Type"])
    data.append(["1", "2021-01-01", "Pothole"])
    path = tmp_path / "two.xlsx"
    book.save(path)
    plan, result = imported(path)
    assert plan.table.sheet == "Requests" and result.imported == 1
    with pytest.raises(InputError, match="no sheet “Other”"):
        plan_import(path, sheet="Other", actor=None)


def test_status_words_in_any_case_and_a_fixed_column(tmp_path, db):
    text = (
        "ID,Date,Problem,Fixed?\n1,1/1/21,Pothole,Yes\n2,1/2/21,Pothole,no\n3,1/3/21,Pothole,YES\n"
    )
    plan, _result = imported(put(tmp_path, "fixed.csv", text))
    assert plan.fields["is_closed"] == "Fixed?"
    assert [by_external("fixed", n).status for n in "123"] == ["closed", "acknowledged", "closed"]
    text = "ID,Date,Problem,State\n1,1/1/21,Pothole,done\n2,1/2/21,Pothole,DONE\n"
    plan = plan_import(put(tmp_path, "words.csv", text), statuses=["Done=closed:fixed"], actor=None)
    assert list(plan.statuses) == ["done"]  # one word, whatever its case
    run_import(plan, actor=None)
    assert {
        r.status
        for r in ServiceRequest.select().where(ServiceRequest.external_id.startswith("words:"))
    } == {"closed"}


def test_a_file_without_numbers_updates_on_a_second_import(tmp_path, db):
    path = put(tmp_path, "nonumbers.csv", "Date,Type,Address,Status\n1/1/21,Pothole,5 Elm,Open\n")
    imported(path)
    path.write_text("Date,Type,Address,Status\n1/1/21,Pothole,5 Elm,Closed\n", encoding="utf-8")
    _plan, again = imported(path)
    assert (again.imported, again.updated) == (0, 1)
    assert ServiceRequest.select().count() == 1 and ServiceRequest.get().status == "closed"


def test_a_new_profile_keeps_the_files_own_source(tmp_path, db):
    path = put(tmp_path, "clerk1.csv", "ID,Date,Type\n1,1/1/21,Pothole\n")
    imported(path)
    plan, again = imported(path, profile="ourlog")
    assert plan.source == "clerk" and again.imported == 0


def test_callers_known_by_name_alone_and_last_name_first(tmp_path, db):
    text = 'ID,Date,Type,Caller\n1,1/1/21,Pothole,"Smith, Jane"\n2,1/2/21,Pothole,"Smith, Jane"\n'
    _plan, result = imported(put(tmp_path, "names.csv", text))
    assert result.residents_added == 1
    jane = by_external("names", "1").contact
    assert jane is not None and (jane.first_name, jane.last_name) == ("Jane", "Smith")
    assert by_external("names", "2").contact_id == jane.id


@pytest.mark.parametrize(
    "said",
    ["Mar 4, 2021", "Mar 4 2021", "4 March 2021", "04.03.2021", "20210304", "March 4, 2021"],
)
def test_more_date_forms(said):
    assert values.DateReader([said]).read(said) == dt.datetime(2021, 3, 4)


def test_an_update_is_searchable_in_its_history_and_undone_in_order(tmp_path, db):
    path = put(
        tmp_path, "moves.csv", "ID,Date,Type,Address,Status\nA1,1/1/21,Pothole,5 Main St,Open\n"
    )
    _plan, first = imported(path)
    path.write_text(
        "ID,Date,Type,Address,Status\nA1,1/1/21,Pothole,77 Oak Ave,Closed\n", encoding="utf-8"
    )
    _plan, second = imported(path)
    moved = by_external("moves", "A1")
    assert (moved.address_normalized, moved.street, moved.status) == (
        "77 OAK AVE",
        "OAK AVE",
        "closed",
    )
    told = RequestEvent.select().where(RequestEvent.request == moved.id).order_by(RequestEvent.id)
    assert "Updated from moves" in told[-1].body
    with pytest.raises(InputError, match="undo import 2 first"):
        undo_import(first.batch, actor=None)
    assert undo_import(second.batch, actor=None)["restored"] == 1
    back = by_external("moves", "A1")
    assert (back.address_normalized, back.status) == ("5 MAIN ST", "acknowledged")
    _plan, third = imported(path)
    assert third.updated == 1 and third.kept == []  # an undo is not a clerk's change
    undo_import(third.batch, actor=None)
    assert undo_import(first.batch, actor=None)["removed"] == 1
    assert ServiceRequest.select().count() == 0


def test_undo_keeps_a_request_a_clerk_linked_to_another(tmp_path, db):
    from desktop.models.requests.intake import RequestDraft, create_request
    from desktop.models.requests.links import link_related, related_ids

    _plan, result = imported(put(tmp_path, "old.csv", csv_text()))
    mine = create_request(RequestDraft("feedback", "Same hole", address="12 Elm St"), actor=None)
    linked = by_external("old", "A-1")
    link_related(mine.id, linked.id, actor=None)
    outcome = undo_import(result.batch, actor=None)
    assert outcome["kept"] == [linked.tracking_number] and outcome["removed"] == 3
    assert related_ids(mine.id) == [linked.id]  # the clerk's link stands
