"""The address register filled from the county's files: address points (E911 site points,
assessor points, OpenAddresses) and street centerlines with their house-number ranges
(county-style FRADDL/TOADDL, TIGER-style LFROMADD, NENA's FromAddr_L), in any of the schemas
counties publish. The columns are recognised on their own from their names and contents and
may be said instead (`--map number=ADDRESS`); the address is put together from its parts
(number, directional, name, type, unit) or read whole, and written in the town's canonical
form (`town.addresses.normalize_address`), the same form requests are kept in.

An import replaces the register whole, in one transaction, and moves `register.version` so
every workstation reads it again. Requests keep their addresses: `match_requests` checks the
ones not checked yet against the register (their coordinates filled where they had none),
a chunk at a time.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop.i18n import _
from desktop.models.errors import InputError
from desktop.models.geo.gis_files import Feature, Layer, as_text, read_layer
from desktop.models.staff import audit, permissions
from desktop.models.storage import fast_sql
from desktop.models.storage.db import reading, write
from desktop.models.storage.schema import (
    AddressPoint,
    NamedPlace,
    ServiceRequest,
    Setting,
    StaffUser,
    StreetSegment,
    rows_of,
)
from desktop.models.town import register
from desktop.models.town.addresses import UNITS, normalize_address

#: field -> the column names that hold it, lower case without separators, best first
POINT_FIELDS: dict[str, tuple[str, ...]] = {
    "number": (
        "addnumber",
        "addnum",
        "addrnum",
        "housenum",
        "housenumber",
        "hsenum",
        "number",
        "stnum",
        "streetnumber",
        "addrnumber",
        "addressnumber",
        "address",
        "addno",
        "num",
        "addrhousenumber",
        "siteno",
        "situsnum",
        "houseno",
        "hseno",
        "bldgnum",
        "bldgno",
        "addrno",
        "primaddno",
        "addressno",
    ),
    "number_prefix": ("addnumpre", "numberprefix", "hsepre"),
    "number_suffix": ("addnumsuf", "addsuf", "hsesuf", "numbersuffix", "numsuf"),
    "predir": (
        "dirpre",
        "predir",
        "stpredir",
        "prefixdir",
        "predirection",
        "prefix",
        "pdir",
        "dirprefix",
        "predirectional",
        "prefixdirection",
        "predirabrv",
        "predirabbr",
    ),
    "premod": ("stpremod", "premod"),
    "pretype": ("stpretyp", "pretype", "stpretype"),
    "name": (
        "roadname",
        "stname",
        "streetname",
        "stnm",
        "rdname",
        "name",
        "strname",
        "stnamebase",
        "street",
        "streetnm",
        "basename",
        "stbasename",
        "sname",
        "rdnm",
    ),
    "street_type": (
        "roadtype",
        "sttype",
        "stpostyp",
        "streettype",
        "suffix",
        "suftype",
        "posttype",
        "stsuffix",
        "type",
        "sfx",
        "sttyp",
        "stsfx",
        "streetsuffix",
        "rdtype",
        "roadsuffix",
        "postype",
        "suftypabrv",
    ),
    "sufdir": (
        "dirsuf",
        "sufdir",
        "stposdir",
        "postdir",
        "suffixdir",
        "sdir",
        "stsufdir",
        "dirsuffix",
        "postdirectional",
        "suffixdirection",
        "sufdirabrv",
        "sufdirabbr",
    ),
    "postmod": ("stposmod", "postmod"),
    "unit": (
        "lvapt",
        "unit",
        "apt",
        "unitnum",
        "unitnumber",
        "suite",
        "addrunit",
        "aptnum",
        "unitid",
        "unitno",
        "apartment",
        "aptno",
        "unitdesig",
    ),
    "city": (
        "city",
        "postcomm",
        "msagcomm",
        "incmuni",
        "municipality",
        "town",
        "community",
        "placename",
        "postcity",
        "addrcity",
        "mailcity",
        "cityname",
        "postalcity",
        "postalcommunity",
        "municipal",
        "msag",
    ),
    "zip": (
        "zipcode",
        "zip",
        "postcode",
        "postalcode",
        "zip5",
        "addrpostcode",
        "zipcd",
        "postal",
        "mailzip",
        "zipcde",
    ),
    "full": (
        "addressconcat",
        "fulladdr",
        "fulladdress",
        "siteaddr",
        "siteaddress",
        "situsaddr",
        "addrfull",
        "addfull",
        "fulladd",
        "label",
        "address",
        "propaddr",
        "propertyaddress",
        "locaddr",
        "locationaddress",
        "physaddr",
        "physicaladdress",
        "streetaddress",
        "straddr",
        "address1",
        "addr",
        "siteadd",
        "fulladdress1",
    ),
    "street_full": (
        "fullname",
        "fullstname",
        "fullstreetname",
        "stfull",
        "fullstreet",
        "streetfull",
        "fullrdname",
        "stnamefull",
        "roadnamec",
    ),
    "id": ("objectid", "addressid", "addptkey", "sitenguid", "id", "hash", "fid", "gid"),
}
SEGMENT_FIELDS: dict[str, tuple[str, ...]] = {
    "left_from": (
        "fraddl",
        "lfadd",
        "lfromadd",
        "fromleft",
        "fromaddrl",
        "leftfrom",
        "lfrom",
        "lfromhn",
        "addrfl",
        "lfaddr",
        "fraddrl",
        "leftlow",
        "lfromaddr",
        "lowleft",
        "laddfrom",
        "fromaddl",
        "lowl",
        "lfrm",
        "leftfromaddress",
    ),
    "left_to": (
        "toaddl",
        "ltadd",
        "ltoadd",
        "toleft",
        "toaddrl",
        "leftto",
        "lto",
        "ltohn",
        "addrtl",
        "ltaddr",
        "leftlow2",
        "ltoaddr",
        "lefthigh",
        "highleft",
        "laddto",
        "highl",
        "lefttoaddress",
    ),
    "right_from": (
        "fraddr",
        "rfadd",
        "rfromadd",
        "fromright",
        "fromaddrr",
        "rightfrom",
        "rfrom",
        "rfromhn",
        "addrfr",
        "rfaddr",
        "rfromaddr",
        "rightlow",
        "lowright",
        "raddfrom",
        "lowr",
        "rfrm",
        "rightfromaddress",
    ),
    "right_to": (
        "toaddr",
        "rtadd",
        "rtoadd",
        "toright",
        "toaddrr",
        "rightto",
        "rto",
        "rtohn",
        "addrtr",
        "rtaddr",
        "rtoaddr",
        "righthigh",
        "highright",
        "raddto",
        "highr",
        "righttoaddress",
    ),
    "zip_left": ("zipleft", "zipl", "postcodel", "lzip", "leftzip", "zipcodel"),
    "zip_right": ("zipright", "zipr", "postcoder", "rzip", "rightzip", "zipcoder"),
    "zip": ("zipcode", "zip", "postcode"),
    "predir": POINT_FIELDS["predir"],
    "premod": POINT_FIELDS["premod"],
    "pretype": POINT_FIELDS["pretype"],
    "name": (
        "roadname",
        "stname",
        "streetname",
        "rdname",
        "name",
        "strname",
        "stnamebase",
        "streetnm",
        "basename",
        "stbasename",
        "sname",
        "rdnm",
    ),
    "street_type": POINT_FIELDS["street_type"],
    "sufdir": POINT_FIELDS["sufdir"],
    "postmod": POINT_FIELDS["postmod"],
    "full": (
        "roadnamec",
        "fullname",
        "fullstname",
        "stfull",
        "fullstreet",
        "street",
        "label",
        "streetfull",
        "fullrdname",
        "roadfull",
        "stnamefull",
        "fullstreetname",
        "streetname1",
    ),
    "id": ("roadid", "segid", "objectid", "tlid", "id", "fid", "gid"),
}


def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def recognise(
    layer: Layer, wanted: dict[str, tuple[str, ...]], said: Sequence[str] = ()
) -> dict[str, str]:
    """field -> property name, recognised from the names and the first features' values."""
    names = list(layer.features[0].properties) if layer.features else []
    by_key = {_key(n): n for n in names}
    sample = [f.properties for f in layer.features[:300]]
    chosen: dict[str, str] = {}
    used: set[str] = set()
    for field_name, keys in wanted.items():
        for key in keys:
            name = by_key.get(key)
            if name is None or name in used or not _fits(field_name, name, sample):
                continue
            chosen[field_name] = name
            used.add(name)
            break
    # a shapefile's column names are cut to 10 letters (STREET_NAM, HOUSE_NUMB): a column
    # whose name begins a known one, at least 7 letters of it, is that one
    for field_name, keys in wanted.items():
        if field_name in chosen:
            continue
        for key in keys:
            cut = [
                n
                for k, n in by_key.items()
                if len(k) >= 7 and k != key and key.startswith(k) and n not in used
            ]
            if cut and _fits(field_name, cut[0], sample):
                chosen[field_name] = cut[0]
                used.add(cut[0])
                break
    for item in said:
        field_name, sep, column = item.partition("=")
        field_name, column = field_name.strip().lower(), column.strip()
        if not sep or field_name not in wanted:
            raise InputError(
                _("“{item}” is not FIELD=COLUMN with one of these fields: {fields}.").format(
                    item=item, fields=", ".join(wanted)
                )
            )
        if column and column not in names:
            matches = [n for n in names if n.lower() == column.lower()]
            if not matches:
                raise InputError(
                    _("{file} has no column “{column}” (it has {columns}).").format(
                        file=layer.name, column=column, columns=", ".join(names[:40])
                    )
                )
            column = matches[0]
        if column:
            chosen[field_name] = column
        else:
            chosen.pop(field_name, None)
    return chosen


def _fits(field_name: str, name: str, sample: list[dict[str, Any]]) -> bool:
    values = [as_text(row.get(name)) for row in sample]
    filled = [v for v in values if v]
    if not filled:
        return field_name not in ("number", "name", "full", "street_full")
    if field_name in ("number", "left_from", "left_to", "right_from", "right_to"):
        return sum(1 for v in filled if re.fullmatch(r"\d{1,7}[A-Za-z]?", v)) >= 0.8 * len(filled)
    if field_name in ("full", "street_full"):
        return sum(1 for v in filled if re.search(r"[A-Za-z]", v)) >= 0.8 * len(filled)
    if field_name in ("zip", "zip_left", "zip_right"):
        return sum(1 for v in filled if re.match(r"^\d{5}", v)) >= 0.6 * len(filled)
    if field_name in ("predir", "sufdir"):
        return all(len(v) <= 10 for v in filled)
    return True


@dataclass
class Loaded:
    rows: int = 0
    imported: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)
    fields: dict[str, str] = field(default_factory=dict)
    matched_requests: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "imported": self.imported,
            "rejected": self.rejected,
            "fields": self.fields,
            "matched_requests": self.matched_requests,
        }


def _street(props: dict[str, Any], chosen: dict[str, str]) -> str:
    """The street as its parts say it (or the whole street name), canonical."""
    parts = [
        as_text(props.get(chosen[f]))
        for f in ("premod", "predir", "pretype", "name", "street_type", "sufdir", "postmod")
        if f in chosen
    ]
    text = " ".join(p for p in parts if p)
    if not ("name" in chosen and text) and "street_full" in chosen:
        text = as_text(props.get(chosen["street_full"]))
    if not text and "full" in chosen:
        text = as_text(props.get(chosen["full"]))
    return normalize_address(f"1 {text}").street if text else ""


def _number(props: dict[str, Any], chosen: dict[str, str]) -> tuple[int | None, str]:
    raw = as_text(props.get(chosen["number"])) if "number" in chosen else ""
    match = re.match(r"^\s*(\d{1,7})\s*([A-Za-z]?)\s*$", raw)
    if not match:
        return None, raw
    suffix = as_text(props.get(chosen["number_suffix"])) if "number_suffix" in chosen else ""
    return int(match.group(1)), (raw + suffix).upper()


def point_rows(layer: Layer, chosen: dict[str, str]) -> tuple[list[dict[str, Any]], Loaded]:
    """The register's rows for a layer of address points, and what was left out and why."""
    loaded = Loaded(rows=len(layer.features), fields=chosen)
    rows: list[dict[str, Any]] = []
    named = "name" in chosen or "street_full" in chosen
    if not (("number" in chosen and (named or "full" in chosen)) or "full" in chosen):
        raise InputError(
            _(
                "{file}: no column was recognised as the house number and the street (or the "
                "whole address). Say which with --map number=COLUMN --map name=COLUMN."
            ).format(file=layer.name)
        )
    for n, feature in enumerate(layer.features, 1):
        where = _point_of(feature)
        if where is None:
            loaded.rejected.append({"row": n, "reason": _("no point")})
            continue
        props = feature.properties
        number, number_text = _number(props, chosen)
        street = _street(props, chosen) if named else ""
        unit = as_text(props.get(chosen["unit"])) if "unit" in chosen else ""
        if number is None or not street:
            whole = (
                normalize_address(as_text(props.get(chosen["full"]))) if "full" in chosen else None
            )
            if whole is None or whole.house_number is None or not whole.street:
                loaded.rejected.append({"row": n, "reason": _("no house number and street")})
                continue
            number, street = whole.house_number, whole.street
            number_text = number_text or str(number)
            if " # " in whole.normalized and not unit:
                unit = whole.normalized.split(" # ", 1)[1]
        words = unit.split()
        if len(words) > 1 and words[0].upper().strip(".#") in UNITS:  # "Apt 2": its number
            unit = " ".join(words[1:])
        line = f"{number_text or number} {street}" + (f" # {unit}" if unit else "")
        normalized = normalize_address(line).normalized
        rows.append(
            {
                "number": number,
                "number_text": (number_text or str(number))[:20],
                "street": street[:200],
                "unit": unit.upper()[:40],
                "city": (as_text(props.get(chosen["city"])) if "city" in chosen else "")[:100],
                "zip": (as_text(props.get(chosen["zip"])) if "zip" in chosen else "")[:20],
                "normalized": normalized[:300],
                "lat": where[1],
                "long": where[0],
                "source_id": (as_text(props.get(chosen["id"])) if "id" in chosen else "")[:60],
            }
        )
    loaded.imported = len(rows)
    return rows, loaded


def _point_of(feature: Feature) -> tuple[float, float] | None:
    coordinates = feature.coordinates
    if feature.kind == "MultiPoint" and coordinates:
        coordinates = coordinates[0]
    if feature.kind not in ("Point", "MultiPoint") or not isinstance(coordinates, list | tuple):
        return None
    try:
        x, y = float(coordinates[0]), float(coordinates[1])
    except (TypeError, ValueError, IndexError):
        return None
    if x != x or y != y or not (-180 <= x <= 180 and -90 <= y <= 90):
        return None
    return x, y


def _range_number(value: Any) -> int | None:
    text = as_text(value)
    match = re.match(r"^\s*(\d{1,7})", text)
    number = int(match.group(1)) if match else None
    return number or None  # 0 is "no range" in county files


def segment_rows(layer: Layer, chosen: dict[str, str]) -> tuple[list[dict[str, Any]], Loaded]:
    """The register's rows for a layer of street centerlines."""
    loaded = Loaded(rows=len(layer.features), fields=chosen)
    if "name" not in chosen and "full" not in chosen:
        raise InputError(
            _(
                "{file}: no column was recognised as the street's name. Say which with "
                "--map name=COLUMN (or --map full=COLUMN)."
            ).format(file=layer.name)
        )
    rows: list[dict[str, Any]] = []
    for n, feature in enumerate(layer.features, 1):
        props = feature.properties
        street = _street(props, chosen)
        lines = _lines_of(feature)
        if not street or not lines:
            loaded.rejected.append(
                {"row": n, "reason": _("no street name") if not street else _("no line")}
            )
            continue
        zip_any = as_text(props.get(chosen["zip"])) if "zip" in chosen else ""
        for line in lines:
            lats = [p[1] for p in line]
            longs = [p[0] for p in line]
            rows.append(
                {
                    "street": street[:200],
                    "left_from": _range_number(props.get(chosen.get("left_from", ""))),
                    "left_to": _range_number(props.get(chosen.get("left_to", ""))),
                    "right_from": _range_number(props.get(chosen.get("right_from", ""))),
                    "right_to": _range_number(props.get(chosen.get("right_to", ""))),
                    "zip_left": (
                        as_text(props.get(chosen["zip_left"])) if "zip_left" in chosen else zip_any
                    )[:20],
                    "zip_right": (
                        as_text(props.get(chosen["zip_right"]))
                        if "zip_right" in chosen
                        else zip_any
                    )[:20],
                    "points": [[round(p[1], 7), round(p[0], 7)] for p in line],
                    "min_lat": min(lats),
                    "max_lat": max(lats),
                    "min_long": min(longs),
                    "max_long": max(longs),
                    "source_id": (as_text(props.get(chosen["id"])) if "id" in chosen else "")[:60],
                }
            )
    loaded.imported = loaded.rows - len(loaded.rejected)
    return rows, loaded


def _lines_of(feature: Feature) -> list[list[tuple[float, float]]]:
    coordinates = feature.coordinates
    if feature.kind == "LineString":
        groups = [coordinates]
    elif feature.kind == "MultiLineString" and isinstance(coordinates, list | tuple):
        groups = list(coordinates)
    else:
        return []
    lines = []
    for group in groups:
        if not isinstance(group, list | tuple):
            continue
        line = [_point_of(Feature({}, "Point", p)) for p in group]
        if len(line) >= 2 and all(line):  # a line with a position that is not one: left out
            lines.append([p for p in line if p is not None])  # (x, y): long, lat
    return lines


# ---- saving -------------------------------------------------------------------------------


def import_addresses(
    path: Path,
    *,
    fields: Sequence[str] = (),
    crs: str = "",
    actor: StaffUser | None,
    dry_run: bool = False,
) -> Loaded:
    """Replace the register's address points with the file's."""
    return _import(
        path, POINT_FIELDS, point_rows, AddressPoint, "addresses", fields, crs, actor, dry_run
    )


def import_streets(
    path: Path,
    *,
    fields: Sequence[str] = (),
    crs: str = "",
    actor: StaffUser | None,
    dry_run: bool = False,
) -> Loaded:
    """Replace the register's street centerlines with the file's."""
    return _import(
        path, SEGMENT_FIELDS, segment_rows, StreetSegment, "streets", fields, crs, actor, dry_run
    )


def _import(
    path: Path,
    wanted: dict[str, tuple[str, ...]],
    make_rows: Callable[[Layer, dict[str, str]], tuple[list[dict[str, Any]], Loaded]],
    model: Any,
    what: str,
    fields: Sequence[str],
    crs: str,
    actor: StaffUser | None,
    dry_run: bool,
) -> Loaded:
    permissions.require(actor, permissions.SETTINGS_EDIT)
    layer = read_layer(path, crs=crs)
    rows, loaded = make_rows(layer, recognise(layer, wanted, fields))
    if not dry_run:
        _replace(model, rows, path.name, what, actor)
    return loaded


def _replace(model: Any, rows: list[dict[str, Any]], file_name: str, what: str, actor: Any) -> None:
    def save() -> None:
        model.delete().execute()
        for start in range(0, len(rows), 5000):
            fast_sql.insert_many(model, rows[start : start + 5000])
        _bump_version()
        audit.record(
            model._meta.table_name,
            None,
            f"register_{what}",
            None,
            {"file": file_name, "rows": len(rows)},
            actor,
        )

    write(save)
    register.forget()


def register_changed() -> None:
    """Every workstation reads the register again (after a change made outside an import)."""
    write(_bump_version)
    register.forget()


def _bump_version() -> None:
    row = Setting.get_or_none(Setting.key == register.VERSION_KEY)
    version = (int(row.value) if row is not None and row.value is not None else 0) + 1
    if row is None:
        Setting.insert(key=register.VERSION_KEY, value=version).execute()
    else:
        Setting.update(value=version).where(Setting.key == register.VERSION_KEY).execute()


# ---- named places -----------------------------------------------------------------------------


def add_place(
    name: str,
    *,
    at: str = "",
    lat: float | None = None,
    long: float | None = None,
    aliases: Sequence[str] = (),
    actor: StaffUser | None,
) -> register.Match:
    """A place the town calls by name, at an address of the register or a point."""
    permissions.require(actor, permissions.SETTINGS_EDIT)
    name = " ".join(name.split())[:200]
    if not name:
        raise InputError(_("Give the place a name."))
    address = ""
    if lat is None or long is None:
        with reading():
            found = register.check(at).match if at else None
        if found is None:
            raise InputError(
                _(
                    "“{at}” is not in the address register: give the place's address as the "
                    "register has it, or --lat and --long."
                ).format(at=at)
            )
        lat, long, address = found.lat, found.long, found.address
    if not (-90 <= lat <= 90 and -180 <= long <= 180):
        raise InputError(_("Latitude is from -90 to 90 and longitude from -180 to 180."))
    said = ", ".join(a.strip() for a in aliases if a.strip())

    def save() -> None:
        existing = NamedPlace.get_or_none(NamedPlace.name == name)
        if existing is None:
            NamedPlace.create(name=name, aliases=said, address=address, lat=lat, long=long)
        else:
            NamedPlace.update(
                aliases=said,
                address=address,
                lat=lat,
                long=long,
                version=NamedPlace.version + 1,
            ).where(NamedPlace.id == existing.id).execute()
        _bump_version()
        audit.record("named_place", None, "register_place", None, {"name": name}, actor)

    write(save)
    register.forget()
    return register.Match(name, lat, long, "place")


def remove_place(name: str, *, actor: StaffUser | None) -> None:
    """The named place gone from the register (requests already placed there keep their
    coordinates); its name, as `places` lists it, in any case."""
    permissions.require(actor, permissions.SETTINGS_EDIT)
    wanted = " ".join(name.split()).casefold()

    def save() -> None:
        found = [p for p in NamedPlace.select() if p.name.casefold() == wanted]
        if not found:
            raise InputError(
                _("The town has no named place “{name}” (frontcounter addresses places).").format(
                    name=name
                )
            )
        NamedPlace.delete().where(NamedPlace.id == found[0].id).execute()
        _bump_version()
        audit.record("named_place", None, "remove_place", {"name": found[0].name}, None, actor)

    write(save)
    register.forget()


def counts() -> dict[str, int]:
    """What the register holds: {"points", "streets", "places"}."""
    with reading():
        return {
            "points": AddressPoint.select().count(),
            "streets": StreetSegment.select().count(),
            "places": NamedPlace.select().count(),
        }


def places() -> list[dict[str, Any]]:
    with reading():
        return [
            {
                "name": p.name,
                "aliases": p.aliases,
                "address": p.address,
                "lat": p.lat,
                "long": p.long,
            }
            for p in NamedPlace.select().order_by(NamedPlace.name)
        ]


# ---- the requests and the register --------------------------------------------------------


def match_requests(
    *, everything: bool = False, progress: Callable[[int, int], None] | None = None
) -> dict[str, int]:
    """Check the requests not checked yet (`everything`: all of them) against the register:
    each is marked found (and given the register's coordinates when it had none) or unlisted.
    {"checked", "found", "unlisted"}."""
    counts = {"checked": 0, "found": 0, "unlisted": 0}
    with reading():
        if register.is_empty():
            return counts
        query = ServiceRequest.select(ServiceRequest.id).where(ServiceRequest.address != "")
        if not everything:
            query = query.where(ServiceRequest.address_status.in_(["", "unlisted"]))
        ids = [rid for (rid,) in rows_of(query.order_by(ServiceRequest.id))]
    for start in range(0, len(ids), 2000):
        part = ids[start : start + 2000]
        with reading():
            found = rows_of(
                ServiceRequest.select(
                    ServiceRequest.id, ServiceRequest.address, ServiceRequest.lat
                ).where(ServiceRequest.id.in_(part))
            )
            results = [(rid, register.check(address), lat) for rid, address, lat in found]

        def save(results: list[tuple[int, register.Checked, float | None]] = results) -> None:
            for rid, checked, lat in results:
                match = checked.match
                if match is None:
                    ServiceRequest.update(address_status="unlisted").where(
                        ServiceRequest.id == rid
                    ).execute()
                    counts["unlisted"] += 1
                    continue
                changes: dict[str, Any] = {"address_status": match.source}
                if lat is None:
                    changes |= {"lat": match.lat, "long": match.long}
                ServiceRequest.update(**changes).where(ServiceRequest.id == rid).execute()
                counts["found"] += 1

        write(save)
        counts["checked"] += len(part)
        if progress is not None:
            progress(counts["checked"], len(ids))
    return counts


def unlisted(limit: int = 500) -> list[dict[str, Any]]:
    """Requests whose address the register does not have: for review (new builds, rural
    routes), newest first."""
    with reading():
        return [
            {"tracking_number": n, "address": a, "requested_at": str(at)}
            for n, a, at in rows_of(
                ServiceRequest.select(
                    ServiceRequest.tracking_number,
                    ServiceRequest.address,
                    ServiceRequest.requested_at,
                )
                .where(ServiceRequest.address_status == "unlisted")
                .order_by(ServiceRequest.requested_at.desc())
                .limit(limit)
            )
        ]
