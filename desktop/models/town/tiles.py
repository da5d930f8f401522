"""A town's own background map: a raster MBTiles file (the SQLite file of map tiles that
QGIS, TileMill, GDAL and MapTiler write), read from disk, never from the internet.

The town names it in the setting `map.tiles`: a path, or a file name beside the town's
database (so one copy on the shared drive serves every workstation). The window's map paints
its tiles under the centerlines; printing keeps to the centerlines (a photo behind a work
order only greys it).

MBTiles is SQLite: `metadata(name, value)` and `tiles(zoom_level, tile_column, tile_row,
tile_data)`, rows counted from the south (TMS), in Web Mercator. Raster tiles only (PNG,
JPEG, WebP): vector tiles (pbf) need a style to draw and are refused in a sentence.
"""

from __future__ import annotations

import math
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from desktop.i18n import _
from desktop.models.errors import InputError

#: the picture formats a tile may be in (the window draws them with Qt's image readers)
RASTER = frozenset({"png", "jpg", "jpeg", "webp"})
#: the deepest zoom any tile file reaches (a tile of a few centimetres)
MAX_ZOOM = 24
#: Web Mercator's edge, in degrees of latitude
MERCATOR_LAT = 85.0511287798


@dataclass(frozen=True)
class TileFacts:
    """What a tile file holds: its name, format, zooms and the box it covers."""

    path: str
    name: str
    format: str
    min_zoom: int
    max_zoom: int
    #: (south, west, north, east), or None when the file does not say
    bounds: tuple[float, float, float, float] | None
    tiles: int


def resolve(said: str, database: Path | None) -> Path:
    """The file a setting names: as given when absolute, else beside the town's database."""
    path = Path(said).expanduser()
    if not path.is_absolute() and database is not None:
        path = database.parent / path
    return path


class TileSource:
    """One MBTiles file opened read-only; `tile` answers a Web Mercator (XYZ) tile's bytes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.facts = read_facts(path)
        self._db: sqlite3.Connection | None = None

    def _connection(self) -> sqlite3.Connection:
        if self._db is None:
            self._db = _open(self.path)
        return self._db

    def tile(self, zoom: int, x: int, y: int) -> bytes | None:
        """The tile at XYZ (zoom, x, y), y counted from the north; None where the file has
        none (or can no longer be read: the map goes on without its background). The window
        keeps the pictures it drew; nothing is kept here."""
        if not self.facts.min_zoom <= zoom <= self.facts.max_zoom:
            return None
        try:
            row = (
                self._connection()
                .execute(
                    "SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? "
                    "AND tile_row = ?",
                    (zoom, x, (1 << zoom) - 1 - y),
                )
                .fetchone()
            )
        except sqlite3.Error:
            return None
        return bytes(row[0]) if row and row[0] is not None else None

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


def _open(path: Path) -> sqlite3.Connection:
    if not path.is_file():
        raise InputError(_("There is no map tile file at {path}.").format(path=path))
    try:
        return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise InputError(
            _("{path} could not be opened as a map tile file: {reason}").format(
                path=path, reason=exc
            )
        ) from None


def read_facts(path: Path) -> TileFacts:
    """What the file holds, or an InputError saying in a sentence why it cannot serve."""
    db = _open(path)
    try:
        try:
            meta = dict(db.execute("SELECT name, value FROM metadata").fetchall())
            zooms = db.execute("SELECT MIN(zoom_level), MAX(zoom_level), COUNT(*) FROM tiles")
            low, high, count = zooms.fetchone()
            sample = db.execute("SELECT tile_data FROM tiles LIMIT 1").fetchone()
        except sqlite3.DatabaseError:
            raise InputError(
                _(
                    "{name} is not an MBTiles file of map tiles (it has no metadata and tiles "
                    "tables)."
                ).format(name=path.name)
            ) from None
    finally:
        db.close()
    if not count:
        raise InputError(_("{name} holds no map tiles.").format(name=path.name))
    kind = str(meta.get("format") or _sniff(sample[0] if sample else b"")).lower()
    if kind in ("pbf", "mvt"):
        raise InputError(
            _(
                "{name} holds vector tiles, which need a style to be drawn: export the map as "
                "raster tiles (PNG or JPEG) instead, e.g. with QGIS's “Generate XYZ tiles "
                "(MBTiles)”."
            ).format(name=path.name)
        )
    if kind not in RASTER:
        raise InputError(
            _("{name} holds tiles in a format that cannot be drawn (“{kind}”).").format(
                name=path.name, kind=kind[:20]
            )
        )
    return TileFacts(
        path=str(path),
        name=str(meta.get("name") or path.stem)[:200],
        format=kind,
        min_zoom=max(0, int(low)),
        max_zoom=min(MAX_ZOOM, int(high)),
        bounds=_bounds(str(meta.get("bounds") or "")),
        tiles=int(count),
    )


def _sniff(data: bytes | None) -> str:
    data = bytes(data or b"")
    if data.startswith(b"\x89PNG"):
        return "png"
    if data.startswith(b"\xff\xd8"):
        return "jpg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[:2] == b"\x1f\x8b" or data[:1] == b"\x1a":
        return "pbf"
    return "unknown"


def _bounds(text: str) -> tuple[float, float, float, float] | None:
    """MBTiles' "west,south,east,north" as (south, west, north, east)."""
    try:
        west, south, east, north = (float(part) for part in text.split(","))
    except ValueError:
        return None
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        return None
    return south, west, north, east


# ---- Web Mercator tiles -------------------------------------------------------------------


def tile_of(lat: float, long: float, zoom: int) -> tuple[float, float]:
    """Where a place falls in the XYZ tile grid at `zoom`, as fractional (x, y)."""
    lat = max(-MERCATOR_LAT, min(MERCATOR_LAT, lat))
    n = 1 << zoom
    x = (long + 180.0) / 360.0 * n
    rad = math.radians(lat)
    y = (1.0 - math.asinh(math.tan(rad)) / math.pi) / 2.0 * n
    return x, y


def corner_of(x: float, y: float, zoom: int) -> tuple[float, float]:
    """The (lat, long) of a point of the tile grid: a tile's north-west corner for whole x, y."""
    n = 1 << zoom
    long = x / n * 360.0 - 180.0
    lat = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y / n))))
    return lat, long


def zoom_for(metres_a_pixel: float, lat: float, facts: TileFacts) -> int:
    """The tile zoom whose pixels are as fine as the screen's, within what the file holds."""
    ground = 156_543.033_928 * math.cos(math.radians(lat))  # metres a pixel at zoom 0
    wanted = math.ceil(math.log2(ground / max(metres_a_pixel, 1e-6))) if ground > 0 else 0
    return max(facts.min_zoom, min(facts.max_zoom, wanted))


def tiles_over(box: tuple[float, float, float, float], zoom: int) -> list[tuple[int, int]]:
    """The (x, y) of the tiles that cover a box (south, west, north, east) at `zoom`."""
    south, west, north, east = box
    x0, y0 = tile_of(north, west, zoom)
    x1, y1 = tile_of(south, east, zoom)
    last = (1 << zoom) - 1
    return [
        (x, y)
        for x in range(max(0, int(x0)), min(last, int(x1)) + 1)
        for y in range(max(0, int(y0)), min(last, int(y1)) + 1)
    ]
