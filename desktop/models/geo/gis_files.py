"""GIS files as features: GeoJSON, CSV and ESRI shapefiles (a .shp beside its .dbf and .prj,
or all of them in a .zip), each feature its properties and its geometry in WGS84 longitude and
latitude (GeoJSON's order), reprojected from the file's own coordinate system (a GeoJSON `crs`,
a shapefile's .prj, a CSV's columns named as in a projected system) with pyproj.

A file that is not one of these, or is damaged, is refused in a sentence; nothing is read in
part. Counties publish in State Plane feet as often as in degrees: a coordinate that cannot be
degrees with no CRS said is refused with the advice to say it (`--crs EPSG:2256`).
"""

from __future__ import annotations

import csv
import io
import math
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktop.i18n import _
from desktop.models.errors import InputError
from desktop.models.imports.reading import decode
from desktop.models.outside import load_json

#: the largest GIS file read (a county's address points are tens of megabytes)
MOST_BYTES = 1024 * 1024 * 1024
WGS84 = "EPSG:4326"


@dataclass
class Feature:
    properties: dict[str, Any]
    kind: str  # Point | LineString | MultiLineString | Polygon ...
    #: [long, lat] for a point; [[long, lat], ...] for a line; a list of lines for a multi-line
    coordinates: Any


@dataclass
class Layer:
    name: str
    features: list[Feature]
    crs: str  # as the file said it ("" when it said nothing)


def read_layer(path: Path, *, crs: str = "") -> Layer:
    """The features of a GeoJSON, CSV or shapefile, in WGS84 (`crs`: the file's own, when it
    does not say)."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputError(
            _("{file} could not be read: {reason}").format(file=path, reason=exc.strerror or exc)
        ) from None
    if size > MOST_BYTES:
        raise InputError(
            _("{file} is larger than a GIS file can be ({n} MB at most).").format(
                file=path.name, n=MOST_BYTES // 1024 // 1024
            )
        )
    suffix = path.suffix.lower()
    if suffix in (".shp", ".zip", ".dbf"):
        layer = _shapefile(path, crs)
    elif suffix == ".csv" or suffix == ".txt":
        layer = _csv(path, crs)
    else:
        layer = _geojson(path, crs)
    return _in_degrees(layer)


def _geojson(path: Path, crs: str) -> Layer:
    raw = path.read_bytes()
    text, _encoding = decode(raw, path.name)
    data = load_json(text, _("a GeoJSON file"))
    if isinstance(data, dict) and data.get("type") == "Feature":
        data = {"type": "FeatureCollection", "features": [data]}
    if not isinstance(data, dict) or not isinstance(data.get("features"), list):
        raise InputError(
            _("{file} is not a GeoJSON FeatureCollection (no “features” list).").format(
                file=path.name
            )
        )
    said = ""
    named = data.get("crs")
    if isinstance(named, dict):
        said = str((named.get("properties") or {}).get("name") or "")
    features = []
    for item in data["features"]:
        if not isinstance(item, dict):
            continue
        geometry = item.get("geometry") or {}
        if not isinstance(geometry, dict):
            continue
        properties = item.get("properties") or {}
        features.append(
            Feature(
                properties if isinstance(properties, dict) else {},
                str(geometry.get("type") or ""),
                geometry.get("coordinates"),
            )
        )
    return Layer(path.name, features, crs or said)


#: CSV columns that hold the place, lower case without separators: (x or longitude, y or
#: latitude); POINT_X, X_COORD and Point X are all "pointx" or "xcoord"
_CSV_XY = (
    ("longitude", "latitude"),
    ("long", "lat"),
    ("lon", "lat"),
    ("lng", "lat"),
    ("x", "y"),
    ("pointx", "pointy"),
    ("xcoord", "ycoord"),
    ("xcoordinate", "ycoordinate"),
    ("easting", "northing"),
    ("longdd", "latdd"),
    ("longitudedd", "latitudedd"),
    ("gpslong", "gpslat"),
    ("gpslongitude", "gpslatitude"),
    ("xwgs84", "ywgs84"),
)


def _csv(path: Path, crs: str) -> Layer:
    text, _encoding = decode(path.read_bytes(), path.name)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    names: dict[str, str] = {}
    for name in reader.fieldnames or []:
        names.setdefault(re.sub(r"[^a-z0-9]", "", (name or "").lower()), name)
    pair = next(((names[x], names[y]) for x, y in _CSV_XY if x in names and y in names), None)
    if pair is None:
        raise InputError(
            _(
                "{file} has no columns for the place (longitude and latitude, or x and y). "
                "Nothing was imported."
            ).format(file=path.name)
        )
    features = []
    for row in reader:
        try:
            x = float(str(row.get(pair[0]) or "").replace(",", ""))
            y = float(str(row.get(pair[1]) or "").replace(",", ""))
        except ValueError:
            x = y = float("nan")
        features.append(Feature(dict(row), "Point", [x, y]))
    return Layer(path.name, features, crs)


def _shapefile(path: Path, crs: str) -> Layer:
    import shapefile  # pyshp: only a shapefile import needs it

    try:
        if path.suffix.lower() == ".zip":
            with zipfile.ZipFile(path) as archive:
                names = archive.namelist()
                shp = next((n for n in names if n.lower().endswith(".shp")), None)
                if shp is None:
                    raise InputError(_("{file} holds no .shp file.").format(file=path.name))
                base = shp[:-4]
                parts = {
                    ext: archive.read(n)
                    for n in names
                    for ext in (".shp", ".shx", ".dbf", ".prj", ".cpg")
                    if n.lower() == (base + ext).lower()
                }
            if ".dbf" not in parts:
                raise InputError(
                    _("{file} has the .shp but not its .dbf (the addresses).").format(
                        file=path.name
                    )
                )
            prj = parts.get(".prj", b"").decode("utf-8", "replace")
            reader = shapefile.Reader(
                shp=io.BytesIO(parts[".shp"]),
                shx=io.BytesIO(parts[".shx"]) if ".shx" in parts else None,
                dbf=io.BytesIO(parts[".dbf"]),
                encoding=_dbf_encoding(parts.get(".cpg", b"")),
            )
        else:
            base_path = path.with_suffix("")
            prj_path = base_path.with_suffix(".prj")
            prj = prj_path.read_text(errors="replace") if prj_path.exists() else ""
            cpg = base_path.with_suffix(".cpg")
            reader = shapefile.Reader(
                str(base_path), encoding=_dbf_encoding(cpg.read_bytes() if cpg.exists() else b"")
            )
        with reader:
            names = [f[0] for f in reader.fields[1:]]
            features = []
            for record in reader.iterShapeRecords():
                shape = record.shape.__geo_interface__
                features.append(
                    Feature(
                        dict(zip(names, record.record, strict=False)),
                        str(shape.get("type") or ""),
                        shape.get("coordinates"),
                    )
                )
    except InputError:
        raise
    except Exception as exc:  # pyshp on a damaged file raises what it meets (struct.error...)
        raise InputError(
            _("{file} is not a shapefile this can read ({reason}). Nothing was imported.").format(
                file=path.name, reason=str(exc)[:200]
            )
        ) from None
    return Layer(path.name, features, crs or prj)


def _dbf_encoding(cpg: bytes) -> str:
    said = cpg.decode("ascii", "replace").strip().lower()
    if said in ("utf-8", "utf8", "65001"):
        return "utf-8"
    if said in ("1252", "cp1252", "windows-1252", "ansi 1252"):
        return "cp1252"
    return "utf-8" if not said else "latin-1"


def _in_degrees(layer: Layer) -> Layer:
    """The layer in WGS84: reprojected from the CRS it said, or checked to be degrees."""
    said = layer.crs.strip()
    if said and not _is_wgs84(said):
        from pyproj import CRS, Transformer  # only a projected file needs it
        from pyproj.exceptions import CRSError

        try:
            source = CRS.from_user_input(said)
        except CRSError:
            raise InputError(
                _("{file}: its coordinate system “{crs}” is not one this knows.").format(
                    file=layer.name, crs=said[:80]
                )
            ) from None
        move = Transformer.from_crs(source, WGS84, always_xy=True)
        for feature in layer.features:
            feature.coordinates = _mapped(feature.coordinates, move.transform)
        return Layer(layer.name, layer.features, WGS84)
    for feature in layer.features[:200]:
        for x, y in _pairs(feature.coordinates):
            if abs(x) > 180 or abs(y) > 90:
                raise InputError(
                    _(
                        "{file} has coordinates like {x:,.0f}, {y:,.0f}: not degrees. Say the "
                        "file's coordinate system (for example --crs EPSG:2256, Montana State "
                        "Plane in feet). Nothing was imported."
                    ).format(file=layer.name, x=x, y=y)
                )
    return layer


def _is_wgs84(said: str) -> bool:
    upper = said.upper()
    return (
        any(
            mark in upper
            for mark in ("CRS84", "EPSG:4326", "EPSG::4326", 'WGS_1984"', "GCS_WGS_1984", 'WGS 84"')
        )
        and "PROJCS" not in upper
    )


def _position(coordinates: Any) -> tuple[float, float] | None:
    """A GeoJSON position's x and y: two real, finite numbers first (a third, the height, is
    let be); None for anything else a file may hold there (text, null, true, NaN)."""
    if not isinstance(coordinates, list | tuple) or len(coordinates) < 2:
        return None
    x, y = coordinates[0], coordinates[1]
    if isinstance(x, bool) or isinstance(y, bool):
        return None
    if not (isinstance(x, int | float) and isinstance(y, int | float)):
        return None
    if not (math.isfinite(x) and math.isfinite(y)):
        return None
    return float(x), float(y)


def _is_position(coordinates: Any) -> bool:
    return (
        isinstance(coordinates, list | tuple)
        and bool(coordinates)
        and not isinstance(coordinates[0], list | tuple)
    )


def _mapped(coordinates: Any, transform: Any) -> Any:
    """The coordinates moved into WGS84; a position that is not one is left as it is (and
    then refused as "no point" where it is read)."""
    if _is_position(coordinates):
        found = _position(coordinates)
        if found is None:
            return coordinates
        x, y = transform(*found)
        return [x, y]
    if isinstance(coordinates, list | tuple):
        return [_mapped(c, transform) for c in coordinates]
    return coordinates


def _pairs(coordinates: Any) -> Iterator[tuple[float, float]]:
    """Every position's (x, y) in nested coordinates, skipping what is not one."""
    if _is_position(coordinates):
        found = _position(coordinates)
        if found is not None:
            yield found
        return
    if isinstance(coordinates, list | tuple):
        for inner in coordinates:
            yield from _pairs(inner)


def as_text(value: Any) -> str:
    """A property's value as text: None and a lone space are empty, 755.0 is 755."""
    if value is None:
        return ""
    if isinstance(value, float):
        if value != value:  # NaN
            return ""
        return str(int(value)) if value == int(value) else str(value)
    return str(value).strip()
