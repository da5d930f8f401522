"""The starter catalog and calendar every new database gets."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest

from desktop.models.catalog.loading import validate_catalog
from desktop.models.setup.seed import starter_catalog
from desktop.models.storage.schema import (
    BusinessHours,
    Department,
    Holiday,
    ServiceAttribute,
    ServiceType,
)
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
    from desktop.models.setup.opening import open_database
    from desktop.models.storage.db import close_database
    from desktop.models.town.calendar import YEARS_AHEAD

    close_database(open_database(db_path))
    later = dt.datetime(2034, 3, 2, 9, 0)  # the town kept using the same file for years
    clock.set_clock(lambda: later)
    opened = open_database(db_path)
    try:
        years = {h.day.year for h in Holiday.select().where(Holiday.source == "federal")}
        assert set(range(2027, later.year + YEARS_AHEAD + 1)) <= years
        assert dt.date(2034, 11, 23) in {h.day for h in Holiday.select()}  # Thanksgiving 2034
        from desktop.models.storage.schema import AuditRecord

        added = (
            AuditRecord.select()
            .where(AuditRecord.record_id == "holidays")
            .order_by(AuditRecord.id.desc())
        )
        assert "2034-11-23 Thanksgiving Day" in added.first().after  # the trail says they came
    finally:
        close_database(opened)


def test_a_holiday_the_town_removed_is_not_put_back(db_path):
    from desktop.models.setup.opening import open_database
    from desktop.models.storage.db import close_database
    from desktop.models.town.calendar import remove_holiday

    opened = open_database(db_path)
    remove_holiday(dt.date(2026, 10, 12), actor=None)  # Columbus Day: this town works
    close_database(opened)
    opened = open_database(db_path)
    try:
        assert dt.date(2026, 10, 12) not in {h.day for h in Holiday.select()}
    finally:
        close_database(opened)


# -- export, and import merged by code (catalog_transfer) ---------------------------------------


def _comparable(entry: dict[str, Any]) -> dict[str, Any]:
    """A starter-catalog entry with the defaults an export spells out filled in."""
    out = {k: v for k, v in entry.items() if k != "attributes"}
    out.setdefault("priority", "normal")
    for key in ("group", "description", "service_notice", "safety_notice"):
        out.setdefault(key, "")
    defaults = {"required": False, "help": "", "choices": []}
    out["attributes"] = [defaults | a for a in entry.get("attributes", [])]
    return out


def test_the_export_is_the_starter_catalog_again(db):
    from desktop.models.catalog.transfer import export_catalog

    exported = export_catalog()
    starter = starter_catalog()
    assert validate_catalog(exported) == []
    assert exported["departments"] == [
        {"description": "", "phone": "", "email": "", **d} for d in starter["departments"]
    ]
    # the Spanish of each type and question rides along (starter_catalog.es.json's words)
    assert all(t["translations"]["es"]["name"] for t in exported["service_types"])

    def english(entry: dict[str, Any]) -> dict[str, Any]:
        entry = {k: v for k, v in entry.items() if k != "translations"}
        if "attributes" in entry:
            entry["attributes"] = [
                {k: v for k, v in a.items() if k != "translations"} for a in entry["attributes"]
            ]
        return entry

    assert [english(t) for t in exported["service_types"]] == [
        _comparable(t) for t in starter["service_types"]
    ]


def test_importing_the_export_changes_nothing(db):
    from desktop.models.catalog.transfer import export_catalog, merge_catalog
    from desktop.models.storage.schema import AuditRecord

    before = AuditRecord.select().count()
    report = merge_catalog(export_catalog(), actor=None)
    assert not report.changed_anything
    assert report.sentences() == ["Nothing to change: the catalog already says all of that."]
    assert AuditRecord.select().count() == before


def _edited_export() -> dict[str, Any]:
    from desktop.models.catalog.transfer import export_catalog

    data = export_catalog()
    kinds = {t["code"]: t for t in data["service_types"]}
    kinds["pothole"]["name"] = "Pothole or sinkhole"
    kinds["pothole"]["resolve_within"] = {"amount": 3, "unit": "business_days"}
    kinds["pothole"]["attributes"].append(
        {"code": "depth", "label": "How deep?", "datatype": "number"}
    )
    kinds["graffiti"]["active"] = False
    data["departments"].append({"code": "FIRE", "name": "Fire Department"})
    data["service_types"].append(
        {"code": "smoke_detector", "name": "Smoke detector check", "department": "FIRE"}
    )
    return data


def test_an_edited_catalog_is_merged_and_said(db):
    from desktop.models.catalog.questions import questions
    from desktop.models.catalog.transfer import merge_catalog

    report = merge_catalog(_edited_export(), actor=None)
    assert report.added_departments == ["FIRE"]
    assert report.added_types == ["smoke_detector"]
    assert report.changed_types == {
        "pothole": ["name", "resolve_amount"],
        "graffiti": ["active"],
    }
    assert report.added_questions == ["pothole/depth"]
    assert "Changed 2 request types: pothole (name, resolve_amount), graffiti (active)." in (
        report.sentences()
    )
    pothole = ServiceType.get(ServiceType.code == "pothole")
    assert (pothole.name, pothole.resolve_amount) == ("Pothole or sinkhole", 3)
    assert not ServiceType.get(ServiceType.code == "graffiti").active
    assert [q.code for q in questions("pothole")] == ["size", "in_lane", "depth"]
    assert ServiceType.get(ServiceType.code == "smoke_detector").department.code == "FIRE"


def test_a_trial_run_says_what_would_change_and_saves_nothing(db):
    from desktop.models.catalog.transfer import merge_catalog

    report = merge_catalog(_edited_export(), dry_run=True, actor=None)
    assert report.added_types == ["smoke_detector"] and report.as_dict()["saved"] is False
    assert "Nothing was saved (a trial run)." in report.sentences()
    assert not ServiceType.select().where(ServiceType.code == "smoke_detector").exists()
    assert ServiceType.get(ServiceType.code == "pothole").name == "Pothole"


def test_a_document_naming_only_some_types_merges_them(db):
    from desktop.models.catalog.transfer import merge_catalog

    report = merge_catalog(
        {"departments": [], "service_types": [{"code": "pothole", "name": "Road hole",
                                              "department": "DPW"}]}, actor=None
    )  # fmt: skip
    assert report.changed_types == {"pothole": ["name"]}
    assert ServiceType.select().count() == len(starter_catalog()["service_types"])  # left alone
    assert [a.code for a in ServiceType.get(ServiceType.code == "pothole").attributes]


def test_an_import_is_all_or_nothing_with_every_problem_said(db):
    from desktop.models.catalog.transfer import merge_catalog
    from desktop.models.errors import InputError
    from desktop.models.requests.intake import RequestDraft, create_request
    from desktop.models.residents.contacts import CallerDetails

    create_request(
        RequestDraft(
            service_type="pothole",
            description="Hole",
            address="1 Elm St",
            answers={"size": "large", "in_lane": "no"},
            caller=CallerDetails("Ann", "Lee", "555 010 2233"),
        ),
        actor=None,
    )
    data = _edited_export()
    kinds = {t["code"]: t for t in data["service_types"]}
    kinds["pothole"]["attributes"][0]["datatype"] = "number"  # "size" was answered
    data["departments"][0]["active"] = False  # Public Works still has its types
    with pytest.raises(InputError) as caught:
        merge_catalog(data, actor=None)
    said = str(caught.value)
    assert said.startswith("Nothing was imported:")
    assert "pothole/size:" in said and "its kind of answer stays" in said
    assert "DPW:" in said and "active request types" in said
    assert not ServiceType.select().where(ServiceType.code == "smoke_detector").exists()
    assert ServiceType.get(ServiceType.code == "pothole").name == "Pothole"


def test_a_bad_document_is_refused_with_the_validators_sentences(db):
    from desktop.models.catalog.transfer import merge_catalog
    from desktop.models.errors import InputError

    bad = {"departments": [{"code": "X"}], "service_types": [{"code": "a", "name": "A",
           "department": "Q", "active": "yes"}]}  # fmt: skip
    with pytest.raises(InputError, match="cannot be used") as caught:
        merge_catalog(bad, actor=None)
    said = str(caught.value)
    assert "Department 1 needs a code and a name." in said
    assert "names an unknown department" in said and "must be true or false" in said


def test_catalog_files_are_read_and_written(db, tmp_path):
    from desktop.models.catalog.transfer import read_catalog_file, write_catalog_file
    from desktop.models.errors import InputError

    path, data = write_catalog_file(tmp_path / "town-catalog.json")
    assert read_catalog_file(path) == data
    assert validate_catalog(read_catalog_file(path)) == []
    (tmp_path / "broken.json").write_text('{"departments": [\n  oops\n]}', encoding="utf-8")
    with pytest.raises(InputError, match="line 2 is not valid JSON"):
        read_catalog_file(tmp_path / "broken.json")
    with pytest.raises(InputError, match="There is no file"):
        read_catalog_file(tmp_path / "missing.json")
    (tmp_path / "photo.json").write_bytes(b"\xff\xd8\xff\xe0 not text")
    with pytest.raises(InputError, match="not a text file"):
        read_catalog_file(tmp_path / "photo.json")
