"""The starter catalog and calendar every new database gets."""

from __future__ import annotations

import copy
import datetime as dt

import pytest

from desktop.models.catalog import validate_catalog
from desktop.models.schema import BusinessHours, Department, Holiday, ServiceAttribute, ServiceType
from desktop.models.seed import starter_catalog
from desktop.models.vocab import DATATYPES

REQUIRED_TYPES = (
    "pothole street light traffic signal sign sidewalk sweeping snow trash recycling bulk cart "
    "dumping dead animal loose dog barking wildlife rodent grass junk abandoned parking graffiti "
    "noise water main pressure quality sewer flooding hydrant tree trimming park playground "
    "permit housing markings speeding leaf holiday general"
)


def test_starter_catalog_is_valid():
    assert validate_catalog(starter_catalog()) == []


def test_seeded_database_has_a_small_towns_catalog(db):
    assert Department.select().count() >= 8
    assert ServiceType.select().count() >= 40
    names = " ".join(f"{t.code} {t.name} {t.keywords}".lower() for t in ServiceType.select())
    for word in REQUIRED_TYPES.split():
        assert word in names, f"no service type covers {word!r}"
    for service_type in ServiceType.select():
        assert service_type.keyword_list(), service_type.code
        assert service_type.resolve_amount and service_type.respond_amount, service_type.code
        assert service_type.service_notice, service_type.code


def test_safety_notices_where_they_matter(db):
    with_notice = {t.code for t in ServiceType.select() if t.safety_notice.strip()}
    keywords = {t.code: f"{t.name} {t.keywords}".lower() for t in ServiceType.select()}
    for danger in ("gas", "wire", "sewer"):
        assert any(danger in keywords[code] for code in with_notice), danger


def test_questions_use_open311_datatypes(db):
    attributes = list(ServiceAttribute.select())
    assert attributes
    for attribute in attributes:
        assert attribute.datatype in DATATYPES
        if attribute.datatype.endswith("valuelist"):
            assert attribute.choices and all({"key", "name"} <= set(c) for c in attribute.choices)
    pothole = ServiceType.get(ServiceType.code == "pothole")
    assert {a.code for a in pothole.attributes}


def test_calendar_is_weekdays_with_federal_holidays(db):
    assert sorted(h.weekday for h in BusinessHours.select()) == [0, 1, 2, 3, 4]
    days = {h.day for h in Holiday.select()}
    assert dt.date(2026, 11, 26) in days  # Thanksgiving
    assert dt.date(2026, 7, 3) in days  # Independence Day observed on Friday
    assert max(days).year >= 2029


@pytest.mark.parametrize(
    ("mutate", "complaint"),
    [
        (lambda c: c["service_types"][0].update(department="NOPE"), "unknown department"),
        (lambda c: c["service_types"][1].update(code=c["service_types"][0]["code"]), "used twice"),
        (lambda c: c["service_types"][0].update(priority="whenever"), "unknown priority"),
        (
            lambda c: c["service_types"][0].update(
                resolve_within={"amount": -1, "unit": "business_days"}
            ),
            "bad",
        ),
        (lambda c: c.update(departments=[]), "no departments"),
    ],
)
def test_bad_catalogs_are_explained(mutate, complaint):
    catalog = copy.deepcopy(starter_catalog())
    mutate(catalog)
    problems = validate_catalog(catalog)
    assert any(complaint in p for p in problems), problems


def test_a_catalog_that_is_not_an_object():
    assert validate_catalog(["pothole"]) and validate_catalog(None)


def test_every_resource_folder_is_installed_with_the_package():
    """pip install . must carry every file the app reads from resources/."""
    import tomllib
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    data_files = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"][
        "data-files"
    ]
    installed = {
        path.relative_to(root).as_posix()
        for patterns in data_files.values()
        for pattern in patterns
        for path in root.glob(pattern)
    }
    shipped = {
        path.relative_to(root).as_posix()
        for path in (root / "resources").rglob("*")
        if path.is_file()
    }
    assert shipped <= installed


def test_federal_holidays_are_topped_up_when_a_database_is_opened(db_path):
    from desktop.models import clock
    from desktop.models.db import close_database, open_database
    from desktop.models.town_calendar import YEARS_AHEAD

    close_database(open_database(db_path))
    later = dt.datetime(2034, 3, 2, 9, 0)  # the town kept using the same file for years
    clock.set_clock(lambda: later)
    opened = open_database(db_path)
    try:
        years = {h.day.year for h in Holiday.select().where(Holiday.source == "federal")}
        assert set(range(2027, later.year + YEARS_AHEAD + 1)) <= years
        assert dt.date(2034, 11, 23) in {h.day for h in Holiday.select()}  # Thanksgiving 2034
    finally:
        close_database(opened)


def test_a_holiday_the_town_removed_is_not_put_back(db_path):
    from desktop.models.db import close_database, open_database
    from desktop.models.town_calendar import remove_holiday

    opened = open_database(db_path)
    remove_holiday(dt.date(2026, 10, 12))  # Columbus Day: this town works
    close_database(opened)
    opened = open_database(db_path)
    try:
        assert dt.date(2026, 10, 12) not in {h.day for h in Holiday.select()}
    finally:
        close_database(opened)
