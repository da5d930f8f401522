"""The town's address register: where an address is, as a clerk types it.

`check("755 west dry crek road")` finds the register's "755 W DRY CREEK RD" and its point. It
reads what the clerk typed with the town's own normaliser (`addresses.normalize_address`: USPS
abbreviations, "Street" or "St", lower case, a unit), then looks for the street: its exact
name, the same name with a directional or a street type missing or added, or one letter off
(a letter wrong, missing, extra, or two swapped). An address the register has no point for is
placed along its street's centerline by its house-number range, on the side of its parity.
"Main and Oak" and "corner of Main & 3rd" are the point where the two streets meet, and the
town's named places (the library, Memorial Park) are found by name. When the answer is not
certain (12 Main St on a town with a North and a South Main), nothing is chosen and the
candidates are suggested.

The register is read once into memory (`_Index`) and read again when it changes (an import
bumps `register_version`): a check is then dictionary lookups, well under a millisecond on a
county's 100,000 points.
"""

from __future__ import annotations

import bisect
import itertools
import math
import re
import threading
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from desktop.models.storage.schema import (
    AddressPoint,
    NamedPlace,
    StreetSegment,
    database,
    rows_of,
)
from desktop.models.town.addresses import DIRECTIONS, SUFFIXES, normalize_address
from desktop.models.town.settings import saved_setting

#: the setting an import moves on, so every workstation reads the register again
VERSION_KEY = "register.version"
#: a point this far from where two streets' lines come nearest is not their corner
CORNER_METRES = 60.0
#: suggestions given at most
SUGGESTIONS = 5

_COMPASS = frozenset(DIRECTIONS.values())
_STREET_TYPES = frozenset(SUFFIXES.values())
_CROSSING = re.compile(r"\s+(?:and|&|at|@|/|y|x|by)\s+|\s*[&/@]\s*", re.IGNORECASE)
_CORNER = re.compile(
    r"^\s*(?:(?:the\s+)?corner\s+of|intersection\s+of|(?:at\s+)?(?:the\s+)?corner)\s+",
    re.IGNORECASE,
)
_ZIP_END = re.compile(r"[\s,]+\d{5}(?:-\d{4})?\s*$")
_STATE_END = re.compile(r"[\s,]+[A-Za-z]{2}\s*$")


@dataclass(frozen=True)
class Match:
    """Where an address is: the register's form of it, its point, and how it was found."""

    address: str
    lat: float
    long: float
    source: str  # point | range | intersection | place
    zip: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "address": self.address,
            "lat": round(self.lat, 7),
            "long": round(self.long, 7),
            "source": self.source,
            "zip": self.zip,
        }


@dataclass
class Checked:
    input: str
    match: Match | None
    suggestions: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "input": self.input,
            "match": self.match.as_dict() if self.match else None,
            "suggestions": self.suggestions,
        }


@dataclass(frozen=True)
class _Point:
    normalized: str
    number: int | None
    unit: str
    zip: str
    lat: float
    long: float


@dataclass(frozen=True)
class _Segment:
    left: tuple[int, int] | None
    right: tuple[int, int] | None
    zip_left: str
    zip_right: str
    line: tuple[tuple[float, float], ...]


def core_name(street: str) -> str:
    """A street's name without its directionals and street type: W DRY CREEK RD is DRY CREEK."""
    words = street.split()
    while len(words) > 1 and words[0] in _COMPASS:
        words = words[1:]
    while len(words) > 1 and words[-1] in _COMPASS:
        words = words[:-1]
    if len(words) > 1 and words[-1] in _STREET_TYPES:
        words = words[:-1]
    return " ".join(words)


_SPELLED = {short: long for long, short in DIRECTIONS.items() if len(long) > len(short)}
_SHORT_TYPE = {long: short for long, short in SUFFIXES.items()}


def street_keys(street: str, *, typed: bool = False) -> set[str]:
    """The names a street is looked up by, its directionals and type aside: its core (W DRY
    CREEK RD: DRY CREEK); the core with its words as the post office shortens them (S OLD
    PLACE LN: OLD PL, which is what "S Old Place" comes to); the core with its directionals
    spelled out (NW PASSAGE LN: NORTHWEST PASSAGE). As typed, the whole name without its
    directionals counts too ("Stagecoach Trail" is STAGECOACH TRL, of STAGECOACH TRAIL RD)."""
    core = core_name(street)
    keys = {core, " ".join(_SHORT_TYPE.get(w, w) for w in core.split())}
    words = street.split()
    if len(words) > 1 and words[-1] in _STREET_TYPES:
        words = words[:-1]
    spelled = " ".join(_SPELLED.get(w, w) for w in words)
    keys.add(spelled)
    if typed:
        bare = street.split()
        while len(bare) > 1 and bare[0] in _COMPASS:
            bare = bare[1:]
        while len(bare) > 1 and bare[-1] in _COMPASS:
            bare = bare[:-1]
        keys.add(" ".join(bare))
    return {k for k in keys if k}


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))} | {word}


def one_letter_off(a: str, b: str) -> bool:
    """Whether two names differ by one letter: one wrong, missing or extra, or two swapped."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        diff = [i for i in range(la) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and (a[diff[1]] == b[diff[0]])
        )
    short, long_ = (a, b) if la < lb else (b, a)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


class _Index:
    """The register in memory: addresses, streets, lines and places, ready to look up."""

    def __init__(self) -> None:
        self.by_normalized: dict[str, list[_Point]] = defaultdict(list)
        self.by_number: dict[tuple[str, int], list[_Point]] = defaultdict(list)
        self.streets: set[str] = set()
        self.by_core: dict[str, set[str]] = defaultdict(set)
        self.deletes: dict[str, set[str]] = defaultdict(set)
        self.segments: dict[str, list[_Segment]] = defaultdict(list)
        self.places: dict[str, Match] = {}
        self.sorted: list[str] = []
        self.cities: set[str] = set()
        self.numbers: dict[str, list[int]] = defaultdict(list)
        self.load()

    def load(self) -> None:
        for normalized, number, unit, zip_code, lat, long, street, city in rows_of(
            AddressPoint.select(
                AddressPoint.normalized,
                AddressPoint.number,
                AddressPoint.unit,
                AddressPoint.zip,
                AddressPoint.lat,
                AddressPoint.long,
                AddressPoint.street,
                AddressPoint.city,
            )
        ):
            point = _Point(normalized, number, unit, zip_code, lat, long)
            self.by_normalized[normalized].append(point)
            if number is not None:
                self.by_number[(street, number)].append(point)
                self.numbers[street].append(number)
            self._street(street)
            if city:
                self.cities.add(city.upper())
        for street, lf, lt, rf, rt, zl, zr, points in rows_of(
            StreetSegment.select(
                StreetSegment.street,
                StreetSegment.left_from,
                StreetSegment.left_to,
                StreetSegment.right_from,
                StreetSegment.right_to,
                StreetSegment.zip_left,
                StreetSegment.zip_right,
                StreetSegment.points,
            )
        ):
            left = (lf, lt) if lf and lt else None
            right = (rf, rt) if rf and rt else None
            line = tuple((float(p[0]), float(p[1])) for p in points or ())
            if len(line) >= 2:
                self.segments[street].append(_Segment(left, right, zl, zr, line))
                self._street(street)
        for name, aliases, lat, long in rows_of(
            NamedPlace.select(
                NamedPlace.name,
                NamedPlace.aliases,
                NamedPlace.lat,
                NamedPlace.long,
            )
        ):
            place = Match(name, lat, long, "place")
            for said in [name, *aliases.split(",")]:
                if said.strip():
                    self.places[_fold(said)] = place
        self.sorted = sorted(self.by_normalized)
        for street in self.numbers:
            self.numbers[street].sort()

    def _street(self, street: str) -> None:
        if street in self.streets:
            return
        self.streets.add(street)
        for key in street_keys(street):
            self.by_core[key].add(street)
            for deleted in _deletions(key):
                self.deletes[deleted].add(key)

    def streets_like(self, street: str) -> list[list[str]]:
        """The register's streets for a street as typed, in tiers of likeness: the same name;
        the same name with directionals or street type missing, added or other; one letter off.
        Within the first tier that has any, the typed directional and type decide."""
        tiers: list[list[str]] = []
        if street in self.streets:
            tiers.append([street])
        keys = street_keys(street, typed=True)
        same: set[str] = set()
        for key in keys:
            same |= self.by_core.get(key, set())
        same -= {street}
        if same:
            tiers.append(_agreeing(street, sorted(same)))
        near: set[str] = set()
        for key in keys:
            for deleted in _deletions(key):
                for other in self.deletes.get(deleted, ()):
                    if other not in keys and one_letter_off(key, other):
                        near |= self.by_core[other]
        near -= same | {street}
        if near:
            tiers.append(_agreeing(street, sorted(near)))
        return tiers


def _agreeing(typed: str, streets: list[str]) -> list[str]:
    """Streets ordered by how many of the typed directionals and type they share."""
    words = set(typed.split())

    def score(street: str) -> int:
        extra = set(street.split()) - words
        shared = (set(street.split()) & words) - set(core_name(street).split())
        return len(extra) - 2 * len(shared)

    return sorted(streets, key=score)


def _fold(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.casefold()))


_lock = threading.Lock()
_cache: dict[int, tuple[Any, _Index]] = {}


def register_version() -> int:
    value = saved_setting(VERSION_KEY)
    return int(value) if value is not None else 0


def _index() -> _Index:
    """The register in memory, read again when an import (here or elsewhere) changed it."""
    key = id(database.obj)
    version = register_version()
    with _lock:
        held = _cache.get(key)
        if held is not None and held[0] == version:
            return held[1]
    index = _Index()
    with _lock:
        _cache.clear()
        _cache[key] = (version, index)
    return index


def forget() -> None:
    """Read the register again at the next check (after an import in this process)."""
    with _lock:
        _cache.clear()


def street_names() -> frozenset[str]:
    """The register's streets, as `normalize_address` writes a street ("ELM ST"); none when
    the town has no register."""
    return frozenset(_index().streets)


def is_empty() -> bool:
    index = _index()
    return not index.by_normalized and not index.segments and not index.places


# ---- checking -----------------------------------------------------------------------------


def check(text: str) -> Checked:
    """Where `text` is, as the register knows it (see the module's docstring)."""
    said = text.strip()
    index = _index()
    if not said:
        return Checked(text, None)
    place = index.places.get(_fold(said))
    if place is not None:
        return Checked(text, place)
    crossing = _crossing(index, said)
    if crossing is not None:
        return crossing
    first = _check_line(index, text, said)
    if first.match is None:  # "12 Elm St Manhattan MT 59741": the town and ZIP after it
        shorter = _without_town(index, said)
        if shorter != said:
            second = _check_line(index, text, shorter)
            if second.match is not None or not first.suggestions:
                return second
    return first


def _check_line(index: _Index, text: str, line: str) -> Checked:
    location = normalize_address(line)
    number = location.house_number
    if number is None or not location.street:
        suggestions = [
            s for tier in index.streets_like(location.street or line.upper()) for s in tier
        ]
        near = [p for p in index.places if p.startswith(_fold(line))]
        return Checked(
            text, None, ([index.places[p].address for p in near] + suggestions)[:SUGGESTIONS]
        )
    unit = location.normalized.split(" # ", 1)[1] if " # " in location.normalized else ""
    exact = index.by_normalized.get(location.normalized)
    if exact:
        return Checked(text, _as_match(exact[0], "point"))
    tiers = index.streets_like(location.street)
    for tier in tiers:
        found = [(street, index.by_number.get((street, number), [])) for street in tier]
        found = [(street, points) for street, points in found if points]
        if not found:
            continue
        if len(found) > 1 and not _first_agrees_better(location.street, [s for s, _ in found]):
            return Checked(text, None, [_pick(points, unit).normalized for _s, points in found])
        return Checked(text, _as_match(_pick(found[0][1], unit), "point"))
    for tier in tiers:  # no point: along the street's line, by its house numbers
        placed = [(street, _between(index, street, number)) for street in tier]
        placed = [(street, where) for street, where in placed if where is not None]
        if not placed:
            placed = [(street, _along(index.segments.get(street, []), number)) for street in tier]
        placed = [(street, where) for street, where in placed if where is not None]
        if not placed:
            continue
        if len(placed) > 1 and not _first_agrees_better(location.street, [s for s, _ in placed]):
            return Checked(text, None, [f"{number} {street}" for street, _w in placed])
        street, where = placed[0]
        assert where is not None
        lat, long, zip_code = where
        written = f"{number} {street}" + (f" # {unit}" if unit else "")
        return Checked(text, Match(written, lat, long, "range", zip_code))
    return Checked(text, None, _nearby(index, tiers, number))


def _first_agrees_better(typed: str, streets: list[str]) -> bool:
    """Whether the first of several streets fits what was typed better than the second."""
    words = set(typed.split())

    def fit(street: str) -> tuple[int, int]:
        mine = set(street.split())
        return (len(mine & words), -len(mine - words))

    return fit(streets[0]) > fit(streets[1])


def _pick(points: list[_Point], unit: str) -> _Point:
    if unit:
        for point in points:
            if point.unit.upper() == unit:
                return point
    plain = [p for p in points if not p.unit]
    return plain[0] if plain else points[0]


def _as_match(point: _Point, source: str) -> Match:
    return Match(point.normalized, point.lat, point.long, source, point.zip)


def _without_town(index: _Index, text: str) -> str:
    """The address line without a ZIP code, state and town name typed after it."""
    if "," in text:
        return text
    line = _ZIP_END.sub("", text)
    state = _STATE_END.search(line)
    if state and state.group(0).strip().upper() in _STATES:
        line = line[: state.start()]
    upper = line.upper()
    for city in sorted(index.cities, key=len, reverse=True):
        if upper.endswith(" " + city):
            return line[: -len(city) - 1]
    return line


_STATES = frozenset(
    re.findall(
        r"[A-Z]{2}",
        "AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH "
        "NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC PR",
    )
)


def _nearby(index: _Index, tiers: list[list[str]], number: int) -> list[str]:
    """The register's addresses nearest in number on the streets that might be meant."""
    found: list[tuple[int, str]] = []
    for tier in tiers[:2]:
        for street in tier:
            numbers = index.numbers.get(street, [])
            at = bisect.bisect_left(numbers, number)
            for n in numbers[max(0, at - 2) : at + 2]:
                found.append((abs(n - number), f"{n} {street}"))
    return [address for _d, address in sorted(set(found))[:SUGGESTIONS]]


#: the widest gap in house numbers between two of a street's points that an address between
#: them is placed on the line joining them
NEIGHBOUR_GAP = 60


def _between(index: _Index, street: str, number: int) -> tuple[float, float, str] | None:
    """An address between two of its street's points on its side (same parity, at most
    NEIGHBOUR_GAP apart in number): placed between them by its number. On a street whose
    houses are numbered by the register's own points this is nearer than the centerline."""
    same_side = [n for n in index.numbers.get(street, []) if n % 2 == number % 2]
    at = bisect.bisect_left(same_side, number)
    if at == 0 or at >= len(same_side):
        return None
    low, high = same_side[at - 1], same_side[at]
    if high - low > NEIGHBOUR_GAP or low == number:
        return None
    a, b = _pick(index.by_number[(street, low)], ""), _pick(index.by_number[(street, high)], "")
    t = (number - low) / (high - low)
    return a.lat + (b.lat - a.lat) * t, a.long + (b.long - a.long) * t, a.zip


def _along(segments: Iterable[_Segment], number: int) -> tuple[float, float, str] | None:
    """The point along a street's line where `number` falls, by the ranges of its sides (the
    side whose numbers have its parity first), or None."""
    fallback: tuple[float, float, str] | None = None
    for segment in segments:
        for side, zip_code in (
            (segment.left, segment.zip_left),
            (segment.right, segment.zip_right),
        ):
            if side is None:
                continue
            low, high = min(side), max(side)
            if not low <= number <= high:
                continue
            fraction = 0.5 if side[1] == side[0] else (number - side[0]) / (side[1] - side[0])
            lat, long = _point_at(segment.line, fraction)
            if side[0] % 2 == number % 2 and side[1] % 2 == number % 2:
                return lat, long, zip_code
            fallback = fallback or (lat, long, zip_code)
    return fallback


def _point_at(line: tuple[tuple[float, float], ...], fraction: float) -> tuple[float, float]:
    lengths = [metres(*a, *b) for a, b in itertools.pairwise(line)]
    total = sum(lengths)
    if total <= 0:
        return line[0]
    goal = max(0.0, min(1.0, fraction)) * total
    walked = 0.0
    for (a, b), step in zip(itertools.pairwise(line), lengths, strict=True):
        if walked + step >= goal and step > 0:
            t = (goal - walked) / step
            return a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t
        walked += step
    return line[-1]


def _crossing(index: _Index, text: str) -> Checked | None:
    """Two streets where they meet ("Main and Oak", "corner of Main & 3rd"), or None when the
    text is not two street names."""
    body = _CORNER.sub("", text)
    parts = [p for p in _CROSSING.split(body) if p and p.strip()]
    if len(parts) != 2 or any(re.match(r"^\s*\d+\s+\D", p) for p in parts):
        return None
    first, second = (normalize_address(p).street or p.upper().strip() for p in parts)
    streets_a = [s for tier in index.streets_like(first)[:2] for s in tier]
    streets_b = [s for tier in index.streets_like(second)[:2] for s in tier]
    if not streets_a or not streets_b:
        return Checked(text, None, (streets_a or streets_b)[:SUGGESTIONS])
    best: tuple[float, float, float, str, str] | None = None
    for a in streets_a:
        for b in streets_b:
            meet = _meeting(index.segments.get(a, []), index.segments.get(b, []))
            if meet is not None and (best is None or meet[0] < best[0]):
                best = (*meet, a, b)
    if best is None or best[0] > CORNER_METRES:
        return Checked(text, None, [f"{a} & {b}" for a in streets_a[:2] for b in streets_b[:2]])
    _gap, lat, long, a, b = best
    return Checked(text, Match(f"{a} & {b}", lat, long, "intersection"))


def _meeting(one: list[_Segment], other: list[_Segment]) -> tuple[float, float, float] | None:
    """(metres apart, lat, long) where two streets' lines come nearest, by their vertices."""
    if not one or not other:
        return None
    cell = 0.002  # about 200 m: vertices are bucketed, so only neighbours are compared
    grid: dict[tuple[int, int], list[tuple[float, float]]] = defaultdict(list)
    for segment in other:
        for lat, long in segment.line:
            grid[(int(lat // cell), int(long // cell))].append((lat, long))
    best: tuple[float, float, float] | None = None
    for segment in one:
        for lat, long in segment.line:
            i, j = int(lat // cell), int(long // cell)
            for di in (-1, 0, 1):
                for dj in (-1, 0, 1):
                    for olat, olong in grid.get((i + di, j + dj), ()):
                        gap = metres(lat, long, olat, olong)
                        if best is None or gap < best[0]:
                            best = (gap, (lat + olat) / 2, (long + olong) / 2)
    return best


def metres(lat1: float, long1: float, lat2: float, long2: float) -> float:
    """The distance along the ground (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(long2 - long1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_000.0 * math.asin(min(1.0, math.sqrt(h)))


# ---- completing -----------------------------------------------------------------------------


_STAND_IN = "QQQQ QQQQ"


def complete(typed: str, limit: int = 10) -> list[str]:
    """The register's addresses that begin as `typed` does ("755 west dry cr" gives
    "755 W DRY CREEK RD"), then its streets and places that do."""
    said = typed.strip()
    if not said:
        return []
    index = _index()
    head, _sep, last = said.rpartition(" ")
    # the words typed whole, as the register writes them; a word after them stands for the one
    # still being typed, so that "10 north" is read as 10 N (a directional), not a street
    done = normalize_address(f"{head} {_STAND_IN}").normalized if head else ""
    done = done.removesuffix(_STAND_IN).strip()
    prefix = (f"{done} {last.upper()}" if done else last.upper()).strip()
    found: list[str] = []
    at = bisect.bisect_left(index.sorted, prefix)
    while at < len(index.sorted) and index.sorted[at].startswith(prefix) and len(found) < limit:
        found.append(index.sorted[at])
        at += 1
    if len(found) < limit and not re.match(r"^\d", said):
        upper = said.upper()
        found += sorted(
            s for s in index.streets if s.startswith(upper) or core_name(s).startswith(upper)
        )[: limit - len(found)]
        folded = _fold(said)
        found += [p.address for key, p in index.places.items() if key.startswith(folded)][
            : limit - len(found)
        ]
    return list(dict.fromkeys(found))[:limit]


# ---- the lines, for maps ------------------------------------------------------------------


def lines_in(
    box: tuple[float, float, float, float],
) -> list[tuple[str, tuple[tuple[float, float], ...]]]:
    """The register's street lines that reach into `box` (south, west, north, east)."""
    south, west, north, east = box
    found = []
    for street, segments in _index().segments.items():
        for segment in segments:
            if any(south <= lat <= north and west <= long <= east for lat, long in segment.line):
                found.append((street, segment.line))
    return found


def has_lines() -> bool:
    return bool(_index().segments)


def cross_streets(lat: float, long: float, street: str = "") -> list[str]:
    """The streets that meet the ends of the piece of street nearest to a place: "between
    Oak Ave and Elm St" for a crew. `street`: the place's own street, when known."""
    index = _index()
    candidates = index.segments.get(street) or [
        segment for segments in index.segments.values() for segment in segments
    ]
    nearest = min(
        candidates,
        key=lambda segment: min(metres(lat, long, a, b) for a, b in segment.line),
        default=None,
    )
    if nearest is None:
        return []
    own = street or next(
        (name for name, segments in index.segments.items() if nearest in segments), ""
    )
    found: list[str] = []
    for end in (nearest.line[0], nearest.line[-1]):
        best: tuple[float, str] | None = None
        for name, segments in index.segments.items():
            if name == own or core_name(name) == core_name(own):  # S Main goes on as N Main
                continue
            for segment in segments:
                for vertex in segment.line:
                    gap = metres(*end, *vertex)
                    if gap <= CORNER_METRES / 3 and (best is None or gap < best[0]):
                        best = (gap, name)
        if best is not None and best[1] not in found:
            found.append(best[1])
    return found
