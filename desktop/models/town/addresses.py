"""Street addresses in one canonical form, so "12 elm st." and "12 Elm Street" are one address.

The form follows USPS Publication 28 abbreviations: upper case, suffixes and directions
abbreviated, punctuation dropped ("12 ELM ST", "40 N MAIN ST APT 2").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

SUFFIXES = {
    "ALLEY": "ALY",
    "AVENUE": "AVE",
    "AV": "AVE",
    "AVEN": "AVE",
    "BOULEVARD": "BLVD",
    "BOUL": "BLVD",
    "CIRCLE": "CIR",
    "CIRC": "CIR",
    "COURT": "CT",
    "CRT": "CT",
    "DRIVE": "DR",
    "DRV": "DR",
    "EXPRESSWAY": "EXPY",
    "HIGHWAY": "HWY",
    "HIWAY": "HWY",
    "LANE": "LN",
    "PARKWAY": "PKWY",
    "PKY": "PKWY",
    "PLACE": "PL",
    "PLAZA": "PLZ",
    "ROAD": "RD",
    "SQUARE": "SQ",
    "STREET": "ST",
    "STR": "ST",
    "TERRACE": "TER",
    "TERR": "TER",
    "TRAIL": "TRL",
    "TURNPIKE": "TPKE",
    "WAY": "WAY",
    "CROSSING": "XING",
    "EXTENSION": "EXT",
    "HEIGHTS": "HTS",
    "HILL": "HL",
    "POINT": "PT",
    "RIDGE": "RDG",
    "ROW": "ROW",
    "RUN": "RUN",
}
DIRECTIONS = {
    "NORTH": "N",
    "SOUTH": "S",
    "EAST": "E",
    "WEST": "W",
    "NORTHEAST": "NE",
    "NORTHWEST": "NW",
    "SOUTHEAST": "SE",
    "SOUTHWEST": "SW",
}
#: the designators of a flat or an office: "#4", "Apt 4", "Unit 4" and "Suite 4" are one place
UNITS = {
    "APARTMENT": "#",
    "APT": "#",
    "SUITE": "#",
    "STE": "#",
    "UNIT": "#",
    "#": "#",
    "FLOOR": "FL",
    "ROOM": "RM",
}
#: the first word of a street name, written out or not: "Route 9", "Mount Pleasant Ave"
PREFIXES = {
    "ROUTE": "RTE",
    "RT": "RTE",
    "SAINT": "ST",
    "MOUNT": "MT",
    "FORT": "FT",
}
_ORDINALS = {
    "FIRST": "1ST",
    "SECOND": "2ND",
    "THIRD": "3RD",
    "FOURTH": "4TH",
    "FIFTH": "5TH",
    "SIXTH": "6TH",
    "SEVENTH": "7TH",
    "EIGHTH": "8TH",
    "NINTH": "9TH",
    "TENTH": "10TH",
}
_HOUSE = re.compile(r"^(\d{1,6})([A-Z]?)$")
#: "12-14 Elm St", "12 – 14 Elm St": the first house number of a range
_RANGE = re.compile(r"^\s*(\d+)\s*[-–—]\s*\d+\b")
#: "12½ Elm St", "12 1/2 Elm St": the half is dropped
_FRACTION = re.compile(r"^\s*(\d+)\s*(?:[½¼¾]|1/2|1/4|3/4)(?=\s|$)")


@dataclass(frozen=True)
class Address:
    """An address taken apart: house number, street (canonical), and the whole canonical line."""

    normalized: str
    house_number: int | None
    street: str


#: each canonical word and the ways it is spelled out ("ST": "STREET", "STR", ...), for
#: completing a word still being typed
LONG_FORMS: dict[str, tuple[str, ...]] = {}
for _table in (SUFFIXES, DIRECTIONS, PREFIXES):
    for _long, _short in _table.items():
        LONG_FORMS[_short] = (*LONG_FORMS.get(_short, ()), _long)


_COMPASS = frozenset(DIRECTIONS.values())


def as_written(canonical: str) -> str:
    """A canonical address as a person writes it: "12 N MAIN ST # 3B" -> "12 N Main St # 3B"
    (what a completion puts in the field is kept on the request and printed)."""
    return " ".join(
        w if any(c.isdigit() for c in w) or w in _COMPASS else w.capitalize()
        for w in canonical.split(" ")
    )


#: a ZIP code closing an address line after a comma: "12 Elm St, 06001",
#: "12 Elm St, Alder Falls, CT 06001-1234"
_ZIP_AT_END = re.compile(r",[^,]*?\b(\d{5})(?:-\d{4})?\s*$")


def zip_in(text: str) -> str:
    """The ZIP code a clerk typed at the end of the address line, or "" (routing by area
    reads it: the Counter has one line for the address, as residents say it)."""
    match = _ZIP_AT_END.search(text)
    if not match:
        return ""
    last = text.rsplit(",", 1)[1].split()
    if last and last[0].upper().strip(".") in UNITS:  # "Apt 01234" is a flat, not a ZIP code
        return ""
    return match.group(1)


@lru_cache(maxsize=65536)  # a town has a few thousand addresses, typed again and again
def normalize_address(text: str) -> Address:
    """The canonical form of a street address line (a city or zip after a comma is dropped,
    a flat or suite number after a comma is kept)."""
    first, *rest = text.split(",")
    kept = [first] + [p for p in rest if p.split() and p.split()[0].upper().strip(".") in UNITS]
    line = " ".join(kept).upper()
    if any(mark in line for mark in "-–—/½¼¾"):  # a range or a half: rare, so looked for first
        line = _FRACTION.sub(r"\1", _RANGE.sub(r"\1", line))
    line = line.replace("#", " # ")
    words = [w for w in re.split(r"[^\w#]+", line) if w]
    house: int | None = None
    if words and (match := _HOUSE.match(words[0])):
        house = int(match.group(1))
        head, words = [words[0]], words[1:]
    else:
        head = []
    unit_at = next(
        (i for i, w in enumerate(words) if w in UNITS or w in UNITS.values()), len(words)
    )
    street = _street(words[:unit_at])
    unit = [UNITS.get(w, w) for w in words[unit_at:]]
    return Address(" ".join([*head, *street, *unit]), house, " ".join(street))


def _street(words: list[str]) -> list[str]:
    """Abbreviate directions and the suffix, but never the name itself ("West Street")."""
    out = [_ORDINALS.get(w, w) for w in words]
    if len(out) >= 2 and out[0] in PREFIXES:
        out[0] = PREFIXES[out[0]]
    if len(out) >= 3 and out[0] in DIRECTIONS and out[1] in PREFIXES:
        out[1] = PREFIXES[out[1]]
    if len(out) >= 3 and out[0] in DIRECTIONS:
        out[0] = DIRECTIONS[out[0]]
    if len(out) >= 3 and out[-1] in DIRECTIONS and out[-2] in SUFFIXES:
        out[-1] = DIRECTIONS[out[-1]]
        out[-2] = SUFFIXES[out[-2]]
    elif len(out) >= 2 and out[-1] in SUFFIXES:
        out[-1] = SUFFIXES[out[-1]]
    return out
