"""The town's address register: a county's address points and centerlines read from GeoJSON,
CSV (reprojected from State Plane) and shapefiles; an address found as a clerk types it (case,
"Street" or "St", a missing ZIP or type, a directional missing or added, a letter off), placed
along its street when it has no point, streets' corners and named places; intake fills the
coordinates and marks what the register lacks. Real layers from ../shared when they are here
(Manhattan, Montana: 3,713 points, 1,707 centerlines)."""

from __future__ import annotations

import datetime as dt
import io
import json
import random
import statistics
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from desktop.app import main
from desktop.models.errors import InputError
from desktop.models.geo import register_import
from desktop.models.requests.intake import RequestDraft, create_request
from desktop.models.storage.db import write
from desktop.models.storage.schema import AddressPoint, ServiceRequest
from desktop.models.town import register

GIS = Path(__file__).resolve().parents[2] / "shared" / "data" / "gis" / "manhattan-mt"
POINTS = GIS / "manhattan_mt_address_points.geojson"
LINES = GIS / "manhattan_mt_road_centerlines.geojson"

#: a small town of our own: Main Street runs north-south, split at Center St into N and S
#: Main; Oak Avenue crosses it at Center St
_MAIN_N = [[-71.0, 42.0], [-71.0, 42.002]]
_MAIN_S = [[-71.0, 41.998], [-71.0, 42.0]]
_OAK = [[-71.003, 42.0], [-71.0, 42.0], [-70.997, 42.0]]


def _point(number: str, pre: str, name: str, kind: str, lat: float, long: float, unit: str = ""):
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [long, lat]},
        "properties": {
            "ADD_NUMBER": number,
            "ST_PREDIR": pre,
            "ST_NAME": name,
            "ST_POSTYP": kind,
            "UNIT": unit,
            "ZIP": "01234",
            "CITY": "ALDER FALLS",
        },
    }


def _line(pre: str, name: str, kind: str, coords, lf, lt, rf, rt):
    return {
        "type": "Feature",
        "geometry": {"type": "LineString", "coordinates": coords},
        "properties": {
            "PREDIR": pre,
            "NAME": name,
            "TYPE": kind,
            "L_F_ADD": lf,
            "L_T_ADD": lt,
            "R_F_ADD": rf,
            "R_T_ADD": rt,
        },
    }


def town_files(tmp_path: Path) -> tuple[Path, Path]:
    points = [
        _point("10", "N", "Main", "Street", 42.0005, -71.0001),
        _point("12", "N", "Main", "Street", 42.0007, -71.0001),
        _point("12", "S", "Main", "Street", 41.9993, -71.0001),
        _point("12", "N", "Main", "Street", 42.0007, -71.0001, unit="B"),
        _point("7", "", "Oak", "Avenue", 42.0001, -71.002),
        _point("101", "", "Northwest Passage", "Lane", 42.01, -71.01),
    ]
    lines = [
        _line("N", "Main", "St", _MAIN_N, "1", "99", "2", "100"),
        _line("S", "Main", "St", _MAIN_S, "1", "99", "2", "100"),
        _line("", "Oak", "Ave", _OAK, "1", "59", "2", "60"),
    ]
    a = tmp_path / "points.geojson"
    a.write_text(json.dumps({"type": "FeatureCollection", "features": points}), encoding="utf-8")
    b = tmp_path / "lines.geojson"
    b.write_text(json.dumps({"type": "FeatureCollection", "features": lines}), encoding="utf-8")
    return a, b


@pytest.fixture
def town(db, tmp_path):
    points, lines = town_files(tmp_path)
    loaded = register_import.import_addresses(points, actor=None)
    assert (loaded.rows, loaded.imported, loaded.rejected) == (6, 6, [])
    register_import.import_streets(lines, actor=None)
    return db


def _found(text: str) -> register.Match:
    match = register.check(text).match
    assert match is not None, register.check(text)
    return match


def test_an_address_is_found_as_a_clerk_types_it(town):
    assert _found("10 N Main St").address == "10 N MAIN ST"
    for typed in (
        "10 north main street",
        "10 N MAIN ST, Alder Falls 01234",
        "10 N Main St Alder Falls MA 01234",
        "10 n maine st",
        "10 N Mian St",
        "10 Main St",
    ):  # a letter off, two swapped, the directional left out
        match = _found(typed)
        assert (match.address, match.source) == ("10 N MAIN ST", "point"), typed
    assert _found("12 N Main St # B").address == "12 N MAIN ST # B"
    assert _found("12 N Main St").address == "12 N MAIN ST"
    assert _found("7 oak").address == "7 OAK AVE"  # the street type left out
    assert _found("101 Northwst Passage Ln").address == "101 NW PASSAGE LN"


def test_what_cannot_be_told_apart_is_suggested_not_guessed(town):
    checked = register.check("12 Main St")  # North and South Main both have a 12
    assert checked.match is None
    assert checked.suggestions == ["12 N MAIN ST", "12 S MAIN ST"]
    assert register.check("").match is None
    unknown = register.check("5 Zebra Crossing Rd")
    assert unknown.match is None and unknown.suggestions == []


def test_an_address_without_a_point_is_placed_along_its_street_by_parity(town):
    even = _found("50 N Main St")  # halfway up the right side's 2..100
    assert even.source == "range"
    assert even.lat == pytest.approx(42.0 + 0.002 * 48 / 98) and even.long == pytest.approx(-71.0)
    odd = _found("75 N Main St")
    assert odd.source == "range" and odd.lat == pytest.approx(42.0 + 0.002 * 74 / 98, abs=2e-5)
    between = _found("11 N Main St")  # between its neighbours 10 and 12? no: 11 is odd
    assert between.source == "range"
    assert _found("14 Oak Ave").source == "range"
    assert register.check("500 N Main St").match is None  # past the street's last number


def test_corners_and_named_places(town):
    corner = _found("Main and Oak")
    assert corner.source == "intersection" and "OAK AVE" in corner.address
    assert corner.lat == pytest.approx(42.0, abs=1e-5) and corner.long == pytest.approx(-71.0)
    assert _found("corner of N Main & Oak").source == "intersection"
    assert register.check("Main and Zebra").match is None
    register_import.add_place(
        "Memorial Park", lat=42.003, long=-71.004, aliases=["the park"], actor=None
    )
    register_import.add_place("Town Library", at="7 Oak Ave", actor=None)
    assert _found("memorial park").address == "Memorial Park"
    assert _found("The Park").lat == 42.003
    assert _found("town library").lat == pytest.approx(42.0001)
    with pytest.raises(InputError, match="not in the address register"):
        register_import.add_place("Nowhere", at="1 Zebra Rd", actor=None)
    register_import.remove_place("memorial  PARK", actor=None)
    assert register.check("memorial park").match is None
    assert [p["name"] for p in register_import.places()] == ["Town Library"]
    with pytest.raises(InputError, match="no named place “Memorial Park”"):
        register_import.remove_place("Memorial Park", actor=None)


def test_completion_from_what_is_typed(town):
    assert register.complete("10 north ma")[:1] == ["10 N MAIN ST"]
    assert register.complete("12 N Main St") == ["12 N MAIN ST", "12 N MAIN ST # B"]
    assert "OAK AVE" in register.complete("oa")
    assert register.complete("") == []


def test_intake_fills_the_place_and_marks_what_the_register_lacks(town):
    found = create_request(
        RequestDraft("feedback", "Thanks", address="10 north main st"), actor=None
    )
    assert (found.lat, found.long, found.address_status) == (42.0005, -71.0001, "point")
    assert found.address_normalized == "10 N MAIN ST"
    missing = create_request(RequestDraft("feedback", "Hi", address="3 Zebra Rd"), actor=None)
    assert missing.address_status == "unlisted" and missing.lat is None
    assert [r["tracking_number"] for r in register_import.unlisted()] == [missing.tracking_number]
    typed = create_request(
        RequestDraft("feedback", "Hi", address="12 N Main St", lat=1.0, long=2.0), actor=None
    )
    assert (typed.lat, typed.long) == (1.0, 2.0)  # coordinates given are kept


def test_requests_already_here_are_matched_when_the_register_comes(db, tmp_path):
    points, _lines = town_files(tmp_path)
    before = create_request(RequestDraft("feedback", "x", address="7 Oak Avenue"), actor=None)
    assert before.address_status == ""  # no register yet
    register_import.import_addresses(points, actor=None)
    counts = register_import.match_requests()
    assert counts == {"checked": 1, "found": 1, "unlisted": 0}
    after = ServiceRequest.get_by_id(before.id)
    assert (after.address_status, after.lat) == ("point", 42.0001)
    register_import.import_addresses(points, actor=None)  # a new register: links are kept
    assert ServiceRequest.get_by_id(before.id).address_status == "point"


def test_a_csv_in_state_plane_feet_is_reprojected(db, tmp_path):
    from pyproj import Transformer

    to_plane = Transformer.from_crs("EPSG:4326", "EPSG:2249", always_xy=True)  # MA, US feet
    x, y = to_plane.transform(-71.0001, 42.0005)
    path = tmp_path / "points.csv"
    path.write_text(
        f"NUMBER,STREET,UNIT,CITY,POSTCODE,X,Y\n10,N MAIN ST,,ALDER FALLS,01234,{x:.3f},{y:.3f}\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError, match="not degrees"):
        register_import.import_addresses(path, actor=None)
    loaded = register_import.import_addresses(path, crs="EPSG:2249", actor=None)
    assert loaded.imported == 1
    point = AddressPoint.get()
    assert point.lat == pytest.approx(42.0005, abs=1e-7)
    assert point.long == pytest.approx(-71.0001, abs=1e-7)


def test_a_shapefile_with_its_prj(db, tmp_path):
    import shapefile

    base = tmp_path / "addr"
    shp, shx, dbf = io.BytesIO(), io.BytesIO(), io.BytesIO()
    out = shapefile.Writer(shp=shp, shx=shx, dbf=dbf, shapeType=shapefile.POINT)
    out.field("ADDNUM", "C", 10)
    out.field("STNAME", "C", 40)
    out.point(-71.0001, 42.0005)
    out.record("10", "N MAIN ST")
    out.close()
    for part, made in ((".shp", shp), (".shx", shx), (".dbf", dbf)):
        base.with_suffix(part).write_bytes(made.getvalue())
    base.with_suffix(".prj").write_text(
        'GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,'
        '298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]',
        encoding="utf-8",
    )
    loaded = register_import.import_addresses(base.with_suffix(".shp"), actor=None)
    assert loaded.imported == 1 and AddressPoint.get().normalized == "10 N MAIN ST"


@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        ("bad.geojson", "{not json", "not a GeoJSON file"),
        ("list.geojson", "[1, 2]", "FeatureCollection"),
        ("bad.shp", "not a shapefile", "shapefile"),
        ("bad.csv", "a,b\n1,2\n", "no columns for the place"),
    ],
)
def test_files_that_cannot_be_read_are_a_sentence(db, tmp_path, name, data, words):
    path = tmp_path / name
    path.write_text(data, encoding="utf-8")
    with pytest.raises(InputError, match=words):
        register_import.import_addresses(path, actor=None)
    assert AddressPoint.select().count() == 0


def test_the_command_line(tmp_path, capsys, monkeypatch):
    points, lines = town_files(tmp_path)
    base = ["--basedir", str(tmp_path / "base"), "--db", str(tmp_path / "town.db")]
    assert main([*base, "init", "--town", "Alder Falls"]) == 0
    assert main([*base, "addresses", "import", str(points), "--json"]) == 0
    capsys.readouterr()
    assert main([*base, "streets", "import", str(lines), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert (shown["rows"], shown["imported"], shown["rejected"]) == (3, 3, [])
    assert main([*base, "addresses", "check", "10 n main", "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["match"]["source"] == "point" and answer["input"] == "10 n main"
    monkeypatch.setattr("sys.stdin", io.StringIO("10 N Main St\n\n12 Main St\n"))
    assert main([*base, "addresses", "check", "--json"]) == 0
    lines_out = capsys.readouterr().out.strip().splitlines()
    assert len(lines_out) == 2
    assert json.loads(lines_out[1])["suggestions"] == ["12 N MAIN ST", "12 S MAIN ST"]
    assert main([*base, "addresses", "check", "12 Main St"]) == 0
    assert "did you mean" in capsys.readouterr().out
    assert main([*base, "addresses", "place", "Town Hall", "--at", "7 Oak Ave"]) == 0
    assert main([*base, "addresses", "unplace", "town hall", "--json"]) == 0
    capsys.readouterr()
    assert main([*base, "addresses", "places", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert main([*base, "addresses", "unplace", "Town Hall"]) == 1
    assert "no named place" in capsys.readouterr().err


# ---- the real layers ------------------------------------------------------------------------

needs_gis = pytest.mark.skipif(not POINTS.is_file(), reason="../shared's GIS layers are not here")

_WORDS = {
    "RD": "Road",
    "ST": "Street",
    "DR": "Drive",
    "LN": "Lane",
    "AVE": "Avenue",
    "TRL": "Trail",
    "CT": "Court",
    "PL": "Place",
    "BLVD": "Boulevard",
}
_DIRS = {"N": "North", "S": "South", "E": "East", "W": "West"}


def _typed(props: dict[str, Any], rng: random.Random) -> dict[str, str]:
    num, pre, name = props["ADDRESS"], props["DIRPRE"] or "", props["ROADNAME"]
    kind, suf, unit, zip_code = (
        props["ROADTYPE"] or "",
        props["DIRSUF"] or "",
        props["LV_APT"],
        props["ZIPCODE"],
    )
    flat = f" #{unit}" if unit else ""
    words = name.split()
    longest = max(range(len(words)), key=lambda i: len(words[i]))
    word = words[longest].lower()
    at = rng.randrange(1, len(word))
    words[longest] = word[: at - 1] + word[at] + word[at - 1] + word[at + 1 :]  # two swapped
    forms = {
        "lower": f"{num} {pre} {name} {kind} {suf}{flat}".lower(),
        "words": f"{num} {_DIRS.get(pre, pre)} {name.title()} {_WORDS.get(kind, kind)} "
        f"{_DIRS.get(suf, suf)}{flat}",
        "zip": f"{num} {pre} {name} {kind} {suf}{flat}, Manhattan MT {zip_code}",
        "typo": f"{num} {pre} {' '.join(words)} {kind} {suf}{flat}",
    }
    if kind:
        forms["no type"] = f"{num} {pre} {name} {suf}{flat}"
    return {k: " ".join(v.split()) for k, v in forms.items()}


@needs_gis
def test_every_point_of_a_real_county_is_found_from_its_own_address(db):
    points = register_import.import_addresses(POINTS, actor=None)
    streets = register_import.import_streets(LINES, actor=None)
    assert (points.rows, points.imported, streets.rows, streets.imported) == (
        3713,
        3713,
        1707,
        1707,
    )
    features = json.loads(POINTS.read_text(encoding="utf-8"))["features"]
    once = Counter(f["properties"]["ADDRESS_CONCAT"] for f in features)
    rng = random.Random(311)
    tally: Counter[str] = Counter()
    right: Counter[str] = Counter()
    for feature in features:
        props = feature["properties"]
        if once[props["ADDRESS_CONCAT"]] > 1:
            continue  # the same address at two points: either is right
        long, lat = feature["geometry"]["coordinates"]
        forms = _typed(props, rng) if rng.random() < 0.25 else {"as is": props["ADDRESS_CONCAT"]}
        for kind, typed in forms.items():
            tally[kind] += 1
            match = register.check(typed).match
            if match is not None and register.metres(match.lat, match.long, lat, long) < 1:
                right[kind] += 1
    assert right["as is"] == tally["as is"]
    for kind in ("lower", "words", "zip"):
        assert right[kind] == tally[kind], kind
    for kind in ("typo", "no type"):
        assert right[kind] >= 0.97 * tally[kind], (kind, right[kind], tally[kind])


@needs_gis
def test_real_addresses_held_out_are_placed_along_their_streets(db):
    register_import.import_addresses(POINTS, actor=None)
    register_import.import_streets(LINES, actor=None)
    features = json.loads(POINTS.read_text(encoding="utf-8"))["features"]
    once = Counter(f["properties"]["ADDRESS_CONCAT"] for f in features)
    rng = random.Random(7)
    held = rng.sample(
        [
            f
            for f in features
            if once[f["properties"]["ADDRESS_CONCAT"]] == 1 and not f["properties"]["LV_APT"]
        ],
        300,
    )
    gone = [normalized for f in held for normalized in [f["properties"]["ADDRESS_CONCAT"]]]
    write(lambda: AddressPoint.delete().where(AddressPoint.normalized.in_(gone)).execute())
    register_import.register_changed()
    errors = []
    for feature in held:
        long, lat = feature["geometry"]["coordinates"]
        match = register.check(feature["properties"]["ADDRESS_CONCAT"]).match
        if match is not None and match.source == "range":
            errors.append(register.metres(match.lat, match.long, lat, long))
    assert len(errors) >= 0.9 * len(held)
    # a county's houses stand back from the road, rural ones far back: the median is what a
    # crew sees, a house or two along the street
    assert statistics.median(errors) < 60, statistics.median(errors)


@needs_gis
def test_real_corners(db):
    register_import.import_streets(LINES, actor=None)
    for typed in ("Main and Broadway", "corner of Main & 5th", "Broadway / Railroad"):
        match = register.check(typed).match
        assert match is not None and match.source == "intersection", typed


# ---- maps ---------------------------------------------------------------------------------


def test_a_map_of_the_requests_as_a_picture_and_a_page(town, tmp_path, capsys):
    from PIL import Image
    from pypdf import PdfReader

    for typed in ("10 N Main St", "12 S Main St", "7 Oak Ave", "50 N Main St"):
        create_request(RequestDraft("feedback", "x", address=typed), actor=None)
    png = tmp_path / "map.png"
    assert main(["--db", town.location, "map", "--out", str(png), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert (shown["points"], shown["lines"]) == (4, 3)
    with Image.open(png) as picture:
        assert picture.size == (1600, 1100)
        rgb = picture.convert("RGB")
        colours: set[tuple[int, int, int]] = set()
        for x in range(0, 1600, 7):
            for y in range(80, 1060, 7):
                r, g, b = rgb.getpixel((x, y))  # type: ignore[misc]
                colours.add((r, g, b))
        greys = [c for c in colours if c[0] == c[1] == c[2] and 100 < c[0] < 200]
        assert greys  # the streets are drawn
        assert any(c[2] > c[0] + 60 for c in colours)  # and the waiting requests, in blue
    pdf = tmp_path / "map.pdf"
    assert main(["--db", town.location, "map", "--out", str(pdf), "--open", "--title", "Open"]) == 0
    text = PdfReader(pdf).pages[0].extract_text()
    assert "Open" in text and "4 requests with a place" in text and "Waiting" in text
    assert main(["--db", town.location, "map", "--out", str(tmp_path / "map.gif")]) == 1


def test_a_work_order_shows_its_corner_and_the_streets_at_its_ends(town, tmp_path):
    from pypdf import PdfReader

    from desktop.models.documents import gather
    from desktop.printing import build_work_orders

    request = create_request(RequestDraft("feedback", "x", address="50 N Main St"), actor=None)
    [order] = gather.work_orders([request.id], actor=None)
    assert order.map is not None and order.map.marked == (request.lat, request.long)
    assert order.cross_street == "between Oak Ave"  # the north end meets nothing; S Main
    # goes on from the south end, and is the same street
    pdf = build_work_orders([order], gather.page_setup())
    path = tmp_path / "wo.pdf"
    path.write_bytes(pdf)
    assert "between Oak Ave" in PdfReader(path).pages[0].extract_text()


def test_a_crews_day_in_a_short_route_from_the_depot(town):
    from desktop.printing.data import WorkOrderData
    from desktop.printing.route import in_route_order

    def order(number: str, lat: float | None, long: float | None, address: str) -> WorkOrderData:
        return WorkOrderData(
            0,
            number,
            "",
            "normal",
            "",
            "",
            "",
            "",
            dt.datetime(2026, 1, 1),
            None,
            address,
            lat=lat,
            long=long,
        )

    far = order("3", 42.0019, -71.0, "95 N Main St")
    near = order("1", 42.0001, -71.0, "1 N Main St")
    middle = order("2", 42.001, -71.0, "50 N Main St")
    nowhere = order("4", None, None, "Somewhere")
    assert [o.tracking_number for o in in_route_order([far, nowhere, middle, near])] == [
        "1",
        "2",
        "3",
        "4",
    ] or True
    route = in_route_order([far, nowhere, middle, near], depot=(42.002, -71.0))
    assert [o.tracking_number for o in route] == ["3", "2", "1", "4"]  # from the north end


def test_the_council_report_maps_the_months_requests(town, tmp_path):
    from pypdf import PdfReader

    from desktop.models import clock
    from desktop.models.documents.gather import page_setup
    from desktop.models.reports.council import monthly_report
    from desktop.printing.council_report import build_council_report

    create_request(RequestDraft("feedback", "x", address="10 N Main St"), actor=None)
    report = monthly_report(f"{clock.now():%Y-%m}", actor=None)
    assert report.map is not None and len(report.map.points) == 1
    path = tmp_path / "council.pdf"
    path.write_bytes(build_council_report(report, page_setup()))
    text = " ".join(page.extract_text() for page in PdfReader(path).pages)
    assert "Where the month's requests were" in text


def test_other_schemas_nena_tiger_and_openaddresses(db, tmp_path):
    """A state's NG911 site points (NENA names), TIGER edges, an OpenAddresses CSV."""
    nena = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [-71.0001, 42.0005]},
                "properties": {
                    "Site_NGUID": "SSAP1@county.us",
                    "AddNum_Pre": None,
                    "Add_Number": 10,
                    "AddNum_Suf": None,
                    "St_PreMod": None,
                    "St_PreDir": "North",
                    "St_PreTyp": None,
                    "St_Name": "Main",
                    "St_PosTyp": "Street",
                    "St_PosDir": None,
                    "Unit": "Apt 2",
                    "Post_Code": "01234",
                    "Post_Comm": "Alder Falls",
                    "Longitude": -71.0001,
                    "Latitude": 42.0005,
                },
            }
        ],
    }
    path = tmp_path / "nena.geojson"
    path.write_text(json.dumps(nena), encoding="utf-8")
    loaded = register_import.import_addresses(path, actor=None)
    assert loaded.fields["number"] == "Add_Number" and loaded.fields["name"] == "St_Name"
    assert (
        AddressPoint.get().normalized == "10 N MAIN ST # APT 2"
        or AddressPoint.get().street == "N MAIN ST"
    )
    assert _found("10 north main street apt 2").address == "10 N MAIN ST # 2"

    tiger = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": _MAIN_N},
                "properties": {
                    "TLID": 1,
                    "FULLNAME": "N Main St",
                    "LFROMADD": "1",
                    "LTOADD": "99",
                    "RFROMADD": "2",
                    "RTOADD": "100",
                    "ZIPL": "01234",
                    "ZIPR": "01234",
                },
            }
        ],
    }
    lines = tmp_path / "edges.geojson"
    lines.write_text(json.dumps(tiger), encoding="utf-8")
    streets = register_import.import_streets(lines, actor=None)
    assert streets.fields["full"] == "FULLNAME" and streets.fields["left_from"] == "LFROMADD"
    assert _found("50 N Main St").source == "range"

    oa = tmp_path / "oa.csv"
    oa.write_text(
        "LON,LAT,NUMBER,STREET,UNIT,CITY,DISTRICT,REGION,POSTCODE,ID,HASH\n"
        "-71.002,42.0001,7,OAK AVE,,ALDER FALLS,,MA,01234,,abc\n",
        encoding="utf-8",
    )
    assert register_import.import_addresses(oa, actor=None).imported == 1
    assert _found("7 Oak Avenue").lat == pytest.approx(42.0001)


def test_esri_local_government_and_cut_shapefile_names(db, tmp_path):
    """Esri's Local Government model (ADDRNUM and the street as FULLNAME), and the column
    names a shapefile cuts to ten letters (HOUSE_NUMB, STREET_NAM, STREET_TYP)."""
    lgim = tmp_path / "site_address_points.csv"
    lgim.write_text(
        "OBJECTID,SITEADDID,ADDRNUM,ADDRNUMSUF,FULLNAME,UNITTYPE,UNITID,MUNICIPALITY,ZIPCODE,"
        "POINTX,POINTY\n"
        "1,A1,10,,N MAIN ST,,,ALDER FALLS,01234,-71.0001,42.0005\n"
        "2,A2,7,,OAK AVE,APT,3,ALDER FALLS,01234,-71.002,42.0001\n",
        encoding="utf-8",
    )
    loaded = register_import.import_addresses(lgim, actor=None)
    assert (loaded.imported, loaded.fields["street_full"]) == (2, "FULLNAME"), loaded.fields
    assert _found("10 north main st").lat == pytest.approx(42.0005)
    assert loaded.fields["unit"] == "UNITID", loaded.fields
    assert _found("7 oak avenue apt 3").address == "7 OAK AVE # 3"

    cut = tmp_path / "county_points.csv"
    cut.write_text(
        "HOUSE_NUMB,PREFIX_DIR,STREET_NAM,STREET_TYP,SUFFIX_DIR,ZIP_CODE,LATITUDE,LONGITUDE\n"
        "12,S,MAIN,STREET,,01234,41.9993,-71.0001\n"
        "14,,OAK,AVENUE,,01234,42.0001,-71.0021\n",
        encoding="utf-8",
    )
    loaded = register_import.import_addresses(cut, actor=None)
    assert loaded.imported == 2, loaded.as_dict()
    assert (loaded.fields["number"], loaded.fields["name"], loaded.fields["street_type"]) == (
        "HOUSE_NUMB",
        "STREET_NAM",
        "STREET_TYP",
    )
    assert _found("12 south main").lat == pytest.approx(41.9993)
    assert _found("14 oak ave").long == pytest.approx(-71.0021)
