"""The values in another system's cells, read the way its exports write them.

Dates in the forms real exports use: `04/12/2018 11:11:26 AM`, `10/21/18 0:00`,
`2020-01-01 00:05:00`, `2024-05-27T02:08:51.000`, ISO with a zone, Unix seconds; month first
unless the column shows a day past 12 in first place. A moment without a zone is the town's
local time; one with a zone is turned into it. ZIP codes that a spreadsheet read as numbers get
their leading zero back (`2108.0` is 02108). Coordinates from two columns, or from one that
holds both: `(42.35, -71.06)`, `POINT (-71.06 42.35)`, or Socrata's `{'latitude': ...}`.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable

from desktop.models import clock
from desktop.models.imports.reading import Cell

#: the forms tried, month first; the day-first forms replace them for a column that needs it
_MONTH_FIRST = (
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%m/%d/%y %H:%M:%S",
    "%m/%d/%y %H:%M",
    "%m/%d/%y %I:%M %p",
    "%m/%d/%Y",
    "%m/%d/%y",
    "%m-%d-%Y %H:%M:%S",
    "%m-%d-%Y",
)
_DAY_FIRST = tuple(f.replace("%m/%d", "%d/%m").replace("%m-%d", "%d-%m") for f in _MONTH_FIRST)
_OTHER = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d",
    "%d-%b-%Y %H:%M:%S",
    "%d-%b-%Y",
    "%b %d %Y %I:%M %p",
    "%B %d, %Y",
    "%B %d %Y",
    "%b %d, %Y",
    "%b %d %Y",
    "%b. %d, %Y",
    "%d %B %Y",
    "%d %b %Y",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y",
    "%Y%m%d",
    "%A, %B %d, %Y",
)
SLASHED = re.compile(r"^\s*(\d{1,2})[/-](\d{1,2})[/-]\d{2,4}")
_EPOCH = re.compile(r"^\s*\d{9,13}(\.\d+)?\s*$")
_ISO = re.compile(r"^\s*\d{4}-\d{2}-\d{2}[T ]\d{1,2}:\d{2}")


def text(cell: Cell) -> str:
    """A cell as a line of text: numbers without a needless ".0", dates in ISO form."""
    if cell is None:
        return ""
    if isinstance(cell, str):
        return cell.strip()
    if isinstance(cell, bool):
        return "true" if cell else "false"
    if isinstance(cell, float):
        if math.isfinite(cell) and cell == int(cell) and abs(cell) < 1e15:
            return str(int(cell))
        return repr(cell)
    if isinstance(cell, dt.datetime | dt.date | dt.time):
        return cell.isoformat()
    return str(cell).strip()


def missing(value: str) -> bool:
    """Whether a cell says "nothing here" ("NA", "N/A", "null", "-", "Unspecified")."""
    return value.strip().casefold() in _NOTHING


_NOTHING = frozenset({"", "na", "n/a", "null", "none", "nan", "-", "--", "unspecified", "#n/a"})


class DateReader:
    """Reads one column's dates: the form the column's sample fits is tried first."""

    def __init__(self, sample: Iterable[Cell], *, day_first: bool | None = None) -> None:
        texts = [text(v) for v in sample if isinstance(v, str) and not missing(v)]
        month_first = False
        if day_first is None:
            day_first = False
            for value in texts:
                match = SLASHED.match(value)
                if match:
                    day_first |= int(match.group(1)) > 12
                    month_first |= int(match.group(2)) > 12
        self.forms = (_DAY_FIRST if day_first and not month_first else _MONTH_FIRST) + _OTHER
        best = [f for f in self.forms if any(_parses(v, f) for v in texts[:50])]
        self.first = best[0] if best else None

    def read(self, cell: Cell) -> dt.datetime | None:
        """The local moment in a cell, or None when there is none (or it is not a date)."""
        if cell is None:
            return None
        if isinstance(cell, dt.datetime):
            return _local(cell)
        if isinstance(cell, dt.date):
            return _in_range(dt.datetime.combine(cell, dt.time()))
        if isinstance(cell, int | float) and not isinstance(cell, bool):
            return _epoch(float(cell))
        value = text(cell)
        if missing(value):
            return None
        if self.first is not None:
            try:
                return _in_range(dt.datetime.strptime(value, self.first))
            except ValueError:
                pass
        if _ISO.match(value) or re.match(r"^\s*\d{4}-\d{2}-\d{2}\s*$", value):
            try:
                return _local(dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00")))
            except ValueError:
                pass
        if _EPOCH.match(value):
            return _epoch(float(value))
        for form in self.forms:
            try:
                return _in_range(dt.datetime.strptime(value, form))
            except ValueError:
                continue
        return None


def _parses(value: str, form: str) -> bool:
    try:
        dt.datetime.strptime(value, form)
    except ValueError:
        return False
    return True


def _epoch(seconds: float) -> dt.datetime | None:
    if seconds > 1e11:  # milliseconds
        seconds /= 1000
    if not 1e8 < seconds < 4e9:  # 1973 to 2096: anything else is not a moment
        return None
    return _in_range(dt.datetime.fromtimestamp(seconds).replace(microsecond=0))


def _local(moment: dt.datetime) -> dt.datetime | None:
    if moment.tzinfo is not None:
        moment = moment.astimezone().replace(tzinfo=None)
    return _in_range(moment.replace(microsecond=0))


def _in_range(moment: dt.datetime) -> dt.datetime | None:
    return moment if clock.FIRST_YEAR <= moment.year <= clock.LAST_YEAR else None


_TIME = re.compile(r"^\s*(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?\s*$")


def time_of_day(cell: Cell) -> dt.time | None:
    """A time of day in a cell of its own ("14:05", "2:05 PM", a spreadsheet's time)."""
    if isinstance(cell, dt.time):
        return cell.replace(microsecond=0)
    if isinstance(cell, dt.datetime):
        return cell.time().replace(microsecond=0)
    if isinstance(cell, dt.timedelta):  # calamine gives a bare time as a duration
        seconds = int(cell.total_seconds())
        return dt.time(seconds // 3600 % 24, seconds // 60 % 60, seconds % 60)
    match = _TIME.match(text(cell))
    if not match:
        return None
    hour, minute, second = int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)
    half = (match.group(4) or "").lower()
    if half:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half == "pm" else 0)
    if hour > 23 or minute > 59 or second > 59:
        return None
    return dt.time(hour, minute, second)


_YES = frozenset({"y", "yes", "true", "t", "1", "x"})
_NO = frozenset({"n", "no", "false", "f", "0", ""})


def flag(cell: Cell) -> bool | None:
    """Yes or no in a cell ("Y", "true", 1, blank for no); None when it says neither."""
    if isinstance(cell, bool):
        return cell
    value = text(cell).casefold()
    if value in _YES:
        return True
    if value in _NO or missing(value):
        return False
    return None


def number(cell: Cell) -> float | None:
    """A number in a cell ("1,017,901" too), or None."""
    if isinstance(cell, bool) or cell is None:
        return None
    if isinstance(cell, int | float):
        value = float(cell)
    else:
        raw = text(cell).replace(",", "") if isinstance(cell, str) else ""
        try:
            value = float(raw)
        except ValueError:
            return None
    return value if math.isfinite(value) else None


def zip_code(cell: Cell) -> str:
    """A US ZIP code as it is written: 02108 for a cell a spreadsheet made 2108.0."""
    value = text(cell)
    if missing(value):
        return ""
    match = re.fullmatch(r"(\d{3,5})(?:\.0+)?", value)
    if match:
        return match.group(1).zfill(5)
    match = re.fullmatch(r"(\d{5})-?(\d{4})", value)
    if match:
        return f"{match.group(1)}-{match.group(2)}"
    return value[:20]


_PAIR = re.compile(r"^\s*\(?\s*(-?\d{1,3}(?:\.\d+)?)\s*[,;]\s*(-?\d{1,3}(?:\.\d+)?)\s*\)?\s*$")
_POINT = re.compile(r"POINT\s*\(\s*(-?\d+(?:\.\d+)?)\s+(-?\d+(?:\.\d+)?)\s*\)", re.I)
_SOCRATA = re.compile(
    r"""['"]latitude['"]\s*:\s*['"]?(-?\d+(?:\.\d+)?)['"]?.*?['"]longitude['"]\s*:\s*['"]?"""
    r"""(-?\d+(?:\.\d+)?)""",
    re.S,
)


def pair(cell: Cell) -> tuple[float, float] | None:
    """(latitude, longitude) from a cell that holds both, or None."""
    value = text(cell)
    if not value or missing(value):
        return None
    match = _PAIR.match(value) or _SOCRATA.search(value)
    if match:
        return coordinates(float(match.group(1)), float(match.group(2)))
    match = _POINT.search(value)
    if match:  # WKT says x (longitude) first
        return coordinates(float(match.group(2)), float(match.group(1)))
    return None


def coordinates(lat: float | None, long: float | None) -> tuple[float, float] | None:
    if lat is None or long is None:
        return None
    if not (-90 <= lat <= 90 and -180 <= long <= 180):
        return None
    return lat, long


def placeholder(lat: float, long: float) -> bool:
    """Coordinates that stand for "unknown": 0, 0 or both whole degrees (one city's export
    writes 39, -77 for every request it could not place)."""
    return (lat == 0 and long == 0) or (lat == int(lat) and long == int(long))
