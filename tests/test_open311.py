"""Open311 GeoReport v2: what we publish passes the spec's JSON Schemas, real feeds load.

The third-party material (the GeoReport v2 schemas, the spec's examples, Schenectady's and
Chicago's service lists) is read from shared/data beside the repository, never copied into it.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import jsonschema
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from desktop.models.catalog.loading import import_catalog, validate_catalog
from desktop.models.errors import InputError
from desktop.models.requests.open311 import (
    ATTRIBUTE_VALUES_KEY,
    DESCRIPTION_MAX,
    request_to_open311,
    service_definition_to_open311,
    service_to_open311,
    service_types_from_open311,
)
from desktop.models.setup.demo import generate_demo
from desktop.models.setup.seed import starter_catalog
from desktop.models.storage.db import current, write
from desktop.models.storage.schema import (
    Department,
    RequestAnswer,
    ServiceAttribute,
    ServiceRequest,
    ServiceType,
)
from desktop.models.vocab import DATATYPES, LIST_DATATYPES, OPEN_STATUSES

from .conftest import TEST_NOW

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
SCHEMAS = DATA / "open311-examples" / "json-schema-georeport-v2"
SPEC = DATA / "open311-examples" / "spec-georeport-v2"
CATALOGS = DATA / "service-catalogs"


def shared(path: Path) -> Path:
    """A file of the shared third-party data; the test is skipped when it is not there."""
    if not path.exists():
        pytest.skip(f"the shared third-party data is not here: {path} is missing")
    return path


def load(path: Path) -> Any:
    with shared(path).open(encoding="utf-8") as handle:
        return json.load(handle)


# --- the GeoReport v2 JSON Schemas -------------------------------------------------------------

_RFC3339 = re.compile(
    r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)\Z", flags=re.IGNORECASE
)
format_checker = jsonschema.FormatChecker(formats=())


def _is_date_time(value: object) -> bool:
    """RFC 3339, as the schemas mean: a date, a time and a UTC offset."""
    if not isinstance(value, str):
        return True
    if not _RFC3339.match(value):
        return False
    return dt.datetime.fromisoformat(value).tzinfo is not None


def _is_uri(value: object) -> bool:
    return not isinstance(value, str) or bool(urlparse(value).scheme)


format_checker.checks("date-time")(_is_date_time)
format_checker.checks("uri")(_is_uri)


@pytest.fixture(scope="module")
def registry() -> Registry[Any]:
    """Every schema file of the folder, by file name, so `$ref: service.json` resolves."""
    shared(SCHEMAS)
    resources = []
    for path in sorted(SCHEMAS.glob("*.json")):
        contents = json.loads(path.read_text(encoding="utf-8"))
        resources.append(
            (path.name, Resource.from_contents(contents, default_specification=DRAFT4))
        )
    return Registry().with_resources(resources)


def check(registry: Registry[Any], ref: str, instance: Any) -> None:
    """Fail with every schema error of `instance` against the schema at `ref`."""
    validator = jsonschema.Draft4Validator(
        {"$ref": ref}, registry=registry, format_checker=format_checker
    )
    errors = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator.iter_errors(instance)
    ]
    assert errors == [], f"{ref}: {errors[:10]}"


def without_nulls(value: Any) -> Any:
    """Swagger 2.0 has no null: a null there is a key left out."""
    if isinstance(value, dict):
        return {k: without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [without_nulls(v) for v in value]
    return value


def test_the_schemas_check_what_they_should(registry):
    """The checker itself: the spec's rules bite (so a pass below means something)."""
    good = {
        "service_request_id": "1",
        "status": "open",
        "service_code": "x",
        "requested_datetime": "2026-11-16T09:30:00-05:00",
    }
    check(registry, "request.json", good)
    for bad in (
        {**good, "status": "new"},
        {**good, "requested_datetime": "2026-11-16 09:30"},
        {**good, "requested_datetime": "2026-11-16T09:30:00"},
        {**good, "service_request_id": 1},
        {**good, "media_url": "not a url"},
    ):
        with pytest.raises(AssertionError):
            check(registry, "request.json", bad)
    with pytest.raises(AssertionError):
        check(registry, "services.json", [{"service_code": "a", "service_name": "A"}])


# --- ours -> Open311 -------------------------------------------------------------------------


def test_every_starter_service_passes_the_schemas(db, registry):
    types = list(ServiceType.select().order_by(ServiceType.sort_order))
    services = [service_to_open311(t) for t in types]
    assert len(services) == len(starter_catalog()["service_types"])
    check(registry, "services.json", services)
    for service_type, service in zip(types, services, strict=True):
        check(registry, "service.json", service)
        check(registry, "swagger.json#/definitions/Service", without_nulls(service))
        assert service["service_code"] == service_type.code
        assert service["service_name"] == service_type.name
        assert service["group"] == service_type.group_name
        assert service["type"] == "realtime"
        assert service["metadata"] is (service_type.attributes.count() > 0)
        assert isinstance(service["keywords"], str)
        words = [w.strip() for w in service["keywords"].split(",")]
        assert words == service_type.keyword_list()


def test_every_service_definition_passes_the_schema(db, registry):
    types = list(ServiceType.select())
    assert types
    for service_type in types:
        definition = service_definition_to_open311(service_type)
        check(registry, "service-definition.json", definition)
        check(registry, "swagger.json#/definitions/ServiceDefinition", without_nulls(definition))
        ours = list(service_type.attributes.order_by(ServiceAttribute.sort_order))
        attributes = definition["attributes"]
        assert definition["service_code"] == service_type.code
        assert [a["order"] for a in attributes] == list(range(1, len(ours) + 1))
        for attribute, item in zip(ours, attributes, strict=True):
            assert item["code"] == attribute.code
            assert item["description"] == attribute.label
            assert item["datatype"] == attribute.datatype
            assert item["required"] is attribute.required
            assert item["variable"] is attribute.variable
            assert (item["datatype_description"] or "") == attribute.help
            if attribute.datatype in LIST_DATATYPES:
                assert item["values"] == attribute.choices
            else:
                assert "values" not in item


def _make_request(service_type: ServiceType, number: str, **fields: Any) -> ServiceRequest:
    request: ServiceRequest = ServiceRequest.create(
        tracking_number=number,
        service_type=service_type,
        department=service_type.department_id,
        **fields,
    )
    return request


@pytest.fixture
def requests(db) -> list[ServiceRequest]:
    """The demo town's requests, and a few made by hand with what the demo leaves empty."""
    generate_demo(50, seed=1, actor=None)
    pothole = ServiceType.get(ServiceType.code == "pothole")
    multi = (
        ServiceAttribute.select()
        .where(ServiceAttribute.datatype == "multivaluelist")
        .order_by(ServiceAttribute.id)
        .first()
    )

    def make() -> None:
        placed = _make_request(
            pothole,
            "2026-90001",
            status="in_progress",
            description="Deep pothole in the eastbound lane.",
            address="12 Main Street",
            zip="01234",
            lat=42.3601,
            long=-71.0589,
            due_at=TEST_NOW + dt.timedelta(days=5),
            status_notes="A crew is scheduled for Thursday.",
        )
        RequestAnswer.create(request=placed, attribute_code="size", value="large")
        RequestAnswer.create(request=placed, attribute_code="in_lane", value="yes")
        wordy = _make_request(
            multi.service_type,
            "2026-90002",
            status="closed",
            resolution="fixed",
            description="Long story. " * 600,
            resolved_at=TEST_NOW,
            closed_at=TEST_NOW,
        )
        keys = [c["key"] for c in multi.choices][:2]
        RequestAnswer.create(request=wordy, attribute_code=multi.code, value=keys)
        _make_request(pothole, "2026-90003", status="new")  # nothing filled in at all

    write(make)
    return list(ServiceRequest.select().order_by(ServiceRequest.id))


def test_every_request_passes_the_schema(requests, registry):
    assert len(requests) == 53
    items = [request_to_open311(r) for r in requests]
    check(registry, "requests.json", items)
    for item in items:
        check(registry, "request.json", item)
        check(registry, "swagger.json#/definitions/Request", without_nulls(item))
    assert {item["status"] for item in items} == {"open", "closed"}


def test_requests_keep_what_open311_can_say(requests):
    for request in requests:
        item = request_to_open311(request)
        service_type = request.service_type
        assert item["service_request_id"] == request.tracking_number
        assert item["status"] == ("open" if request.status in OPEN_STATUSES else "closed")
        assert item["service_code"] == service_type.code
        assert item["service_name"] == service_type.name
        assert item["agency_responsible"] == request.department.name
        assert (item["service_notice"] or "") == service_type.service_notice
        assert (item["status_notes"] or "") == request.status_notes
        assert (item["address"] or "") == request.address
        assert (item["zipcode"] or "") == request.zip
        assert (item["lat"], item["long"]) == (request.lat, request.long)
        assert item["media_url"] is None and item["address_id"] is None
        for key, stored in (
            ("requested_datetime", request.requested_at),
            ("updated_datetime", request.updated_at),
            ("expected_datetime", request.due_at),
        ):
            if stored is None:
                assert item[key] is None
            else:  # the stored wall-clock time comes back exactly
                moment = dt.datetime.fromisoformat(item[key])
                assert moment.tzinfo is not None
                assert moment.astimezone().replace(tzinfo=None) == stored
        answers = {a.attribute_code: a.value for a in request.answers}
        assert item[ATTRIBUTE_VALUES_KEY] == answers
        if len(request.description) <= DESCRIPTION_MAX:
            assert (item["description"] or "") == request.description
        else:
            assert len(item["description"]) == DESCRIPTION_MAX
            assert request.description.startswith(item["description"][:-1])
    answered = [request_to_open311(r)[ATTRIBUTE_VALUES_KEY] for r in requests]
    assert any(isinstance(v, list) for answers in answered for v in answers.values())
    placed = request_to_open311(ServiceRequest.get(ServiceRequest.tracking_number == "2026-90001"))
    assert placed[ATTRIBUTE_VALUES_KEY] == {"in_lane": "yes", "size": "large"}
    assert (placed["lat"], placed["long"]) == (42.3601, -71.0589)


@pytest.fixture
def eastern_time() -> Iterator[None]:
    """The computer's zone set to US Eastern (a POSIX rule, so no tz database is needed)."""
    if not hasattr(time, "tzset"):
        pytest.skip("the local time zone can only be changed in-process on Unix")
    previous = os.environ.get("TZ")
    os.environ["TZ"] = "EST5EDT,M3.2.0,M11.1.0"
    time.tzset()
    yield
    if previous is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = previous
    time.tzset()


def test_datetimes_carry_the_local_offset(db, eastern_time):
    pothole = ServiceType.get(ServiceType.code == "pothole")
    winter = write(lambda: _make_request(pothole, "2026-90010", due_at=TEST_NOW))
    summer = write(
        lambda: _make_request(pothole, "2026-90011", requested_at=dt.datetime(2026, 7, 4, 14, 5))
    )
    assert request_to_open311(winter)["requested_datetime"] == "2026-11-16T09:30:00-05:00"
    assert request_to_open311(winter)["expected_datetime"] == "2026-11-16T09:30:00-05:00"
    assert request_to_open311(summer)["requested_datetime"] == "2026-07-04T14:05:00-04:00"
    assert request_to_open311(summer)["expected_datetime"] is None


# --- round trips -----------------------------------------------------------------------------


def test_the_starter_catalog_survives_a_round_trip(db):
    types = list(ServiceType.select().order_by(ServiceType.sort_order))
    services = [service_to_open311(t) for t in types]
    definitions = {t.code: service_definition_to_open311(t) for t in types}
    catalog = service_types_from_open311(services, json.loads(json.dumps(definitions)))
    assert validate_catalog(catalog) == []

    original = {entry["code"]: entry for entry in starter_catalog()["service_types"]}
    back = {entry["code"]: entry for entry in catalog["service_types"]}
    assert list(back) == list(original)
    departments = {d["code"]: d["name"] for d in catalog["departments"]}
    assert sorted(departments.values()) == sorted({e["group"] for e in original.values()})
    for code, before in original.items():
        after = back[code]
        for key in ("name", "group", "description", "keywords"):
            assert after[key] == before[key], (code, key)
        assert departments[after["department"]] == before["group"]
        assert len(after["attributes"]) == len(before["attributes"])
        for a, b in zip(after["attributes"], before["attributes"], strict=True):
            for key in ("code", "label", "datatype", "required", "help", "choices"):
                assert a[key] == b[key], (code, b["code"], key)
            assert a["variable"] is b.get("variable", True)


def test_a_real_feed_comes_back_out_the_same(db):
    """Open311 -> our catalog -> database -> Open311 keeps every field we have a place for."""
    feed = load(CATALOGS / "chicago_il_services_open311.json")
    write(lambda: import_catalog(service_types_from_open311(feed), actor=None))
    for service in feed:
        ours = ServiceType.get(ServiceType.code == service["service_code"])
        out = service_to_open311(ours)
        for key in ("service_code", "service_name", "description", "group"):
            assert out[key] == service[key], key
        assert out["keywords"] == ", ".join(service["keywords"])
        assert out["metadata"] is False  # the feed's definitions were not fetched


# --- real catalogs in ------------------------------------------------------------------------


def _import_and_count(catalog: dict[str, Any]) -> None:
    """Load `catalog` into the seeded database and check that every part of it arrived."""
    assert validate_catalog(catalog) == []
    dept_codes = {d["code"] for d in catalog["departments"]}
    new_depts = dept_codes - {d.code for d in Department.select()}
    depts_before = Department.select().count()
    types_before = ServiceType.select().count()
    attributes_before = ServiceAttribute.select().count()
    added = write(lambda: import_catalog(catalog, actor=None))
    types = catalog["service_types"]
    assert added == (len(new_depts), len(types))
    assert Department.select().count() == depts_before + len(new_depts)
    assert ServiceType.select().count() == types_before + len(types)
    assert ServiceAttribute.select().count() == attributes_before + sum(
        len(t["attributes"]) for t in types
    )
    for entry in types:
        row = ServiceType.get(ServiceType.code == entry["code"])
        assert row.name == entry["name"]
        assert row.group_name == entry["group"]
        assert row.department.code == entry["department"]
        assert row.keyword_list() == entry["keywords"]


@pytest.mark.parametrize(
    ("filename", "services", "groups"),
    [
        ("schenectady_ny_services_open311.json", 18, 10),
        ("chicago_il_services_open311.json", 97, 14),
    ],
)
def test_real_catalogs_load(db, filename, services, groups):
    feed = load(CATALOGS / filename)
    assert all(isinstance(s["keywords"], list) for s in feed)  # their quirk: not a string
    catalog = service_types_from_open311(feed)
    assert len(catalog["service_types"]) == services
    assert len(catalog["departments"]) == groups
    for dept in catalog["departments"]:
        assert re.fullmatch(r"[A-Z0-9_]{1,32}", dept["code"]), dept["code"]
    for service, entry in zip(feed, catalog["service_types"], strict=True):
        assert entry["code"] == service["service_code"]  # real codes are kept as they are
        assert entry["name"] == service["service_name"]
        assert entry["group"] == service["group"]
        assert entry["keywords"] == [k for k in service["keywords"] if k.strip()]  # [""] happens
    _import_and_count(catalog)


def test_schenectady_departments_have_plain_codes():
    catalog = service_types_from_open311(load(CATALOGS / "schenectady_ny_services_open311.json"))
    assert {d["code"]: d["name"] for d in catalog["departments"]} == {
        "BUREAU_OF_SERVICES": "Bureau Of Services",
        "ENGINEERING": "Engineering",
        "CODES": "Codes",
        "DEVELOPMENT": "Development",
        "PARKS_SNAP": "Parks/Snap",
        "POLICE_FIRE": "Police/Fire",
        "UTILITIES": "Utilities",
        "WASTE_DEPARTMENT": "Waste Department",
        "WATER_DEPARTMENT": "Water Department",
        "MISC": "Misc",
    }


def lenient_json(text: str) -> Any:
    """The spec's example prints `"service_code":001`; quote such numbers as a server should."""
    return json.loads(re.sub(r'(?<=":)(\s*)(0\d+)(?=\s*[,}\]])', r'\1"\2"', text))


def test_the_spec_examples_load(db):
    text = shared(SPEC / "get_services_response.json").read_text(encoding="utf-8")
    with pytest.raises(json.JSONDecodeError):
        json.loads(text)  # the known flaw of the spec text: bare numbers with leading zeros
    services = lenient_json(text)
    definition = load(SPEC / "get_service_definition_response.json")
    assert definition["attributes"][0]["values"][0]["key"] == 123  # a number, not a string
    services.append(
        {
            "service_code": definition["service_code"],
            "service_name": "Vehicle question",
            "metadata": True,
            "type": "realtime",
        }
    )
    catalog = service_types_from_open311(services, {definition["service_code"]: definition})
    assert validate_catalog(catalog) == []
    types = {t["code"]: t for t in catalog["service_types"]}
    assert list(types) == ["001", "002", "003", "DMV66"]
    assert types["001"]["keywords"] == ["lorem", "ipsum", "dolor"]
    assert {d["code"] for d in catalog["departments"]} == {"SANITATION", "STREET", "GENERAL"}
    assert types["DMV66"]["department"] == "GENERAL"
    (question,) = types["DMV66"]["attributes"]
    assert question == {
        "code": "WHISHETN",
        "label": "What is the ticket/tag/DL number?",
        "datatype": "singlevaluelist",
        "required": True,
        "variable": True,
        "help": "",
        "choices": [{"key": "123", "name": "Ford"}, {"key": "124", "name": "Chrysler"}],
    }
    _import_and_count(catalog)
    attribute = ServiceAttribute.get(ServiceAttribute.code == "WHISHETN")
    assert attribute.service_type.code == "DMV66"
    assert [c["key"] for c in attribute.choices] == ["123", "124"]


# --- what the importer makes of odd input ----------------------------------------------------


def test_questions_come_back_in_their_order_with_usable_datatypes():
    services = [{"service_code": "S", "service_name": "Something"}]
    attributes = [
        {"code": "c", "description": "Third", "datatype": "string", "order": 3},
        {"code": "x", "description": "Last (no order)", "datatype": "picture"},
        {"code": "a", "description": "First", "datatype": "Number", "order": 1},
        {"code": "b", "datatype": "singlevaluelist", "order": "2", "values": []},
        {"code": "a", "description": "Same code again", "datatype": "text", "order": 4},
        {
            "code": "m",
            "description": "Pick",
            "datatype": "multivaluelist",
            "order": 5,
            "required": "true",
            "variable": False,
            "values": [{"key": "k1"}, {"name": "Only a name"}, {"key": "k1", "name": "Dup"}],
        },
    ]
    catalog = service_types_from_open311(services, {"S": {"attributes": attributes}})
    assert validate_catalog(catalog) == []
    got = catalog["service_types"][0]["attributes"]
    assert [(a["code"], a["label"], a["datatype"]) for a in got] == [
        ("a", "First", "number"),
        ("b", "b", "string"),  # a list with nothing to pick becomes text to type
        ("c", "Third", "string"),
        ("a_2", "Same code again", "text"),
        ("m", "Pick", "multivaluelist"),
        ("x", "Last (no order)", "string"),  # an unknown datatype becomes "string"
    ]
    assert got[4]["required"] is True and got[4]["variable"] is False
    assert got[4]["choices"] == [
        {"key": "k1", "name": "k1"},
        {"key": "Only a name", "name": "Only a name"},
    ]


def test_codes_are_made_safe_unique_and_short_enough():
    long_group = "The Department of Very Long Names for Things and Other Things"
    services: list[Any] = [
        {"service_code": "a b/c", "service_name": "One", "group": long_group},
        {"service_code": "a b/c", "service_name": "Two", "group": long_group.upper()},
        {"service_code": "x" * 100, "service_name": "Three", "group": "Café & Crème"},
        {"service_code": "x" * 100, "service_name": "Four", "group": "Cafe Creme"},
        {"service_name": "Missing Code!"},
        {"service_code": "   ", "service_name": "Only spaces", "group": "   "},
        {"service_code": 7, "service_name": 42.0, "keywords": "a,, b ,a", "group": "General"},
    ]
    catalog = service_types_from_open311(services)
    assert validate_catalog(catalog) == []
    codes = [t["code"] for t in catalog["service_types"]]
    assert codes == [
        "a_b_c",
        "a_b_c-2",
        "x" * 64,
        "x" * 62 + "-2",
        "missing_code",
        "only_spaces",
        "7",
    ]
    assert catalog["service_types"][-1]["name"] == "42"
    assert catalog["service_types"][-1]["keywords"] == ["a", "b"]
    depts = {d["code"]: d["name"] for d in catalog["departments"]}
    assert all(len(code) <= 32 for code in depts)
    assert depts == {
        "DEPARTMENT_VERY_LONG_NAMES": long_group,  # the same group, whatever its case
        "CAFE_CREME": "Café & Crème",
        "CAFE_CREME_2": "Cafe Creme",
        "GENERAL": "General",  # no group, a blank group and "General" are one department
    }


@pytest.mark.parametrize(
    ("services", "definitions", "words"),
    [
        ({"service_code": "a"}, None, "list"),
        ("services", None, "list"),
        (None, None, "list"),
        ([], None, "no services"),
        ([["service_code", "a"]], None, "not an object"),
        ([None], None, "not an object"),
        ([{"service_code": "a"}], None, "no service_name"),
        ([{"service_code": "a", "service_name": "   "}], None, "no service_name"),
        ([{"service_code": "a", "service_name": ["A"]}], None, "must be text"),
        ([{"service_code": {"x": 1}, "service_name": "A"}], None, "must be text"),
        ([{"service_code": "a", "service_name": "A", "keywords": {"a": 1}}], None, "keywords"),
        ([{"service_code": "a", "service_name": "A", "group": True}], None, "group"),
        ([{"service_code": "a", "service_name": "A"}], ["a"], "keyed by service code"),
        ([{"service_code": "a", "service_name": "A"}], {"a": []}, "definition must be"),
        ([{"service_code": "a", "service_name": "A"}], {"a": {"attributes": 1}}, "list"),
        ([{"service_code": "a", "service_name": "A"}], {"a": {"attributes": [1]}}, "object"),
        (
            [{"service_code": "a", "service_name": "A"}],
            {"a": {"attributes": [{"datatype": "string"}]}},
            "neither a code nor a description",
        ),
        (
            [{"service_code": "a", "service_name": "A"}],
            {"a": {"attributes": [{"code": "q", "required": "maybe"}]}},
            "true or false",
        ),
        (
            [{"service_code": "a", "service_name": "A"}],
            {"a": {"attributes": [{"code": "q", "values": "yes,no"}]}},
            "values must be a list",
        ),
        (
            [{"service_code": "a", "service_name": "A"}],
            {"a": {"attributes": [{"code": "q", "values": ["yes"]}]}},
            "each value",
        ),
        ([{"service_code": 10**5000, "service_name": "A"}], None, "too long"),
    ],
)
def test_bad_input_is_refused_in_plain_words(services, definitions, words):
    with pytest.raises(InputError) as caught:
        service_types_from_open311(services, definitions)
    assert words in str(caught.value)
    assert str(caught.value)[0].isupper()


# --- hostile input -----------------------------------------------------------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=20,
)
scalars = st.none() | st.integers() | st.floats() | st.text() | st.booleans()
codes = st.sampled_from(["a", "b", "B", "a b", "", 1, "001"])


def mostly(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """What a feed should send nine times in ten, anything at all the tenth."""
    return st.integers(0, 9).flatmap(lambda n: strategy if n < 9 else json_values)


choice = mostly(st.fixed_dictionaries({}, optional={"key": scalars, "name": scalars}))
attribute = mostly(
    st.fixed_dictionaries(
        {"code": mostly(codes | st.text())},
        optional={
            "description": mostly(st.text()),
            "datatype": mostly(st.sampled_from([*DATATYPES, "Number", "photo", ""])),
            "required": mostly(st.booleans()),
            "variable": mostly(st.booleans()),
            "datatype_description": mostly(st.none() | st.text()),
            "order": scalars,
            "values": mostly(st.lists(choice, max_size=4)),
        },
    )
)
service = mostly(
    st.fixed_dictionaries(
        {"service_name": mostly(st.text(min_size=1))},
        optional={
            "service_code": mostly(codes),
            "description": mostly(st.none() | st.text()),
            "keywords": mostly(st.text() | st.lists(st.text(), max_size=4)),
            "group": mostly(st.none() | st.text(max_size=50) | st.sampled_from(["General", ""])),
            "metadata": scalars,
            "type": scalars,
        },
    )
)
definition = mostly(
    st.fixed_dictionaries(
        {}, optional={"service_code": scalars, "attributes": mostly(st.lists(attribute))}
    )
)


def _usable_or_refused(services: Any, definitions: Any) -> dict[str, Any] | None:
    try:
        catalog = service_types_from_open311(services, definitions)
    except InputError as error:
        assert str(error).strip()
        event("refused")
        return None
    event("accepted")
    assert validate_catalog(catalog) == []
    for dept in catalog["departments"]:
        assert re.fullmatch(r"[A-Z0-9_]{1,32}", dept["code"])
        assert len(dept["name"]) <= 200
    for entry in catalog["service_types"]:
        assert len(entry["code"]) <= 64 and len(entry["name"]) <= 200
        assert len(entry["group"]) <= 200
        assert all(len(a["code"]) <= 64 for a in entry["attributes"])
    json.dumps(catalog)  # plain data all the way down
    return catalog


@given(services=json_values, definitions=json_values)
def test_any_json_gives_a_catalog_or_an_input_error(services, definitions):
    _usable_or_refused(services, definitions)


@settings(max_examples=150)
@given(
    services=st.lists(service, max_size=5),
    definitions=st.none() | st.dictionaries(codes.map(str), definition, max_size=4),
)
def test_service_shaped_json_gives_a_catalog_or_an_input_error(services, definitions):
    _usable_or_refused(services, definitions)


@settings(max_examples=200)
@given(definition=definition)
def test_any_service_definition_gives_questions_or_an_input_error(definition):
    services = [{"service_code": "a", "service_name": "A service"}]
    _usable_or_refused(services, {"a": definition})


text_scalars = st.text() | st.integers(-(10**6), 10**6) | st.floats(allow_nan=False)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    services=st.lists(
        st.fixed_dictionaries(
            {"service_name": text_scalars},
            optional={
                "service_code": text_scalars,
                "description": st.text(),
                "keywords": st.text() | st.lists(st.text(), max_size=3),
                "group": st.text(),
            },
        ),
        min_size=1,
        max_size=5,
    ),
    attributes=st.lists(
        st.fixed_dictionaries(
            {"code": text_scalars, "description": st.text()},
            optional={
                "datatype": st.sampled_from(list(DATATYPES)),
                "values": st.lists(
                    st.fixed_dictionaries({"key": text_scalars, "name": st.text()}), max_size=3
                ),
                "required": st.booleans(),
                "order": st.integers(-5, 5),
            },
        ),
        max_size=4,
    ),
)
def test_whatever_is_accepted_loads_into_the_database(db, services, attributes):
    """Any text at all (control characters, lone surrogates, NUL) loads once it is accepted."""
    first_code = services[0].get("service_code")
    definitions = {str(first_code): {"attributes": attributes}} if first_code is not None else {}
    catalog = _usable_or_refused(services, definitions)
    if catalog is None:
        return
    database = current()
    with database.atomic() as transaction:
        added = import_catalog(catalog, actor=None)
        assert added[1] == len(catalog["service_types"])
        for entry in catalog["service_types"]:
            row = ServiceType.get(ServiceType.code == entry["code"])
            assert row.name == entry["name"]
            assert row.attributes.count() == len(entry["attributes"])
        transaction.rollback()


def test_nan_and_huge_numbers_are_harmless():
    services = [
        {"service_code": math.inf, "service_name": math.nan, "group": 1e300, "keywords": [1.5]}
    ]
    catalog = service_types_from_open311(
        services, {"inf": {"attributes": [{"code": 1, "order": 1e400, "values": None}]}}
    )
    assert validate_catalog(catalog) == []
    entry = catalog["service_types"][0]
    assert (entry["code"], entry["name"], entry["keywords"]) == ("inf", "nan", ["1.5"])
    assert [a["code"] for a in entry["attributes"]] == ["1"]


def test_text_a_database_cannot_hold_is_cleaned(db):
    feed = json.loads(
        '[{"service_code": "x\\u0000y", "service_name": "Bad \\ud800 text\\u0000",'
        ' "group": "\\udc00Parks", "keywords": "a\\u0000b, c", "description": "\\ud83d"}]'
    )
    catalog = service_types_from_open311(feed)
    entry = catalog["service_types"][0]
    assert (entry["code"], entry["name"], entry["group"]) == ("xy", "Bad ? text", "?Parks")
    assert (entry["keywords"], entry["description"]) == (["ab", "c"], "?")
    assert catalog["departments"][0]["code"] == "PARKS"
    _import_and_count(catalog)
    assert ServiceType.get(ServiceType.code == "xy").name == "Bad ? text"
