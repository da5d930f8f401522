"""The starter content every new database gets: catalog, office hours, federal holidays."""

from __future__ import annotations

from typing import Any

from desktop.models import clock
from desktop.models.catalog.loading import import_catalog
from desktop.models.catalog.translations import add_starter_translations
from desktop.models.knowledge.articles import seed_starter_knowledge
from desktop.models.storage.schema import BusinessHours, Holiday
from desktop.models.town.calendar import YEARS_AHEAD, parse_clock
from desktop.models.town.holidays import federal_holidays
from desktop.resources import load_json

STARTER_CATALOG = ("catalog", "starter_catalog.json")


def starter_catalog() -> Any:
    return load_json(*STARTER_CATALOG)


def seed_starter_content() -> None:
    """Fill a new, empty database. Runs inside the write transaction that created it."""
    data = starter_catalog()
    import_catalog(data, actor=None)  # a new town: nobody can sign in to it yet
    seed_starter_knowledge()
    add_starter_translations()  # the Spanish of the same (catalog/translations.py)
    calendar = data.get("calendar", {})
    BusinessHours.insert_many(
        [
            {
                "weekday": span["weekday"],
                "opens": parse_clock(span["opens"]),
                "closes": parse_clock(span["closes"]),
            }
            for span in calendar.get("office_hours", [])
        ]
    ).execute()
    if calendar.get("federal_holidays", True):
        year = clock.today().year
        rows = [
            {"day": day, "name": name, "source": "federal"}
            for y in range(year - 2, year + YEARS_AHEAD + 1)
            for day, name in federal_holidays(y)
        ]
        Holiday.insert_many(rows).execute()
