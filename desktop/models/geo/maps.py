"""The maps printing draws, gathered: the requests of a filter over the town's streets
(`requests_map`, `frontcounter map`), a work order's corner of town (`place_map`), a crew's
day with its numbered stops (`run_map`). Every line is the town's own centerline from the
address register; a town without one gets its requests' points alone."""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Sequence

from desktop.i18n import _
from desktop.models.errors import InputError
from desktop.models.requests.listing import RequestFilter, RequestList
from desktop.models.storage.db import current_path, reading
from desktop.models.town import register, tiles
from desktop.models.town.addresses import as_written
from desktop.models.town.settings import get_setting
from desktop.printing.data import MapData, MapPoint

#: a request's colour by its status: waiting (blue), in hand (orange), done (green)
COLOURS = {
    "new": "#1f5fbf",
    "acknowledged": "#1f5fbf",
    "assigned": "#e07b00",
    "scheduled": "#e07b00",
    "in_progress": "#e07b00",
    "resolved": "#2e7d32",
    "closed": "#2e7d32",
}
#: what counties call a street with no name: drawn, never labelled
UNNAMED = frozenset({"", "UNK", "UNKNOWN", "ACCESS", "UNNAMED", "PRIVATE", "NONE", "NULL"})
#: the whole earth, as a box (south, west, north, east)
WORLD = (-90.0, -180.0, 90.0, 180.0)
#: how far around a work order's place its map reaches
AROUND_METRES = 220.0
#: streets are named on a map no wider than this
LABELS_UP_TO_METRES = 3000.0


def legend() -> list[tuple[str, str]]:
    return [
        (COLOURS["new"], _("Waiting")),
        (COLOURS["in_progress"], _("In hand")),
        (COLOURS["closed"], _("Resolved or closed")),
    ]


def _box_around(
    points: Sequence[tuple[float, float]], *, outliers: bool = True
) -> tuple[float, float, float, float]:
    """The box holding the points, with a margin; of requests (`outliers`), the farthest 1
    in 100 on each side left out (one request typed in another state must not shrink the
    town to a dot), of streets none (the town's edge is the dense part as often as not)."""
    lats = sorted(p[0] for p in points)
    longs = sorted(p[1] for p in points)
    cut = len(lats) // 100 if outliers else 0
    south, north = lats[cut], lats[-1 - cut]
    west, east = longs[cut], longs[-1 - cut]
    pad_lat = max((north - south) * 0.05, 0.0015)
    pad_long = max((east - west) * 0.05, 0.0015 / max(math.cos(math.radians(south)), 0.1))
    return south - pad_lat, west - pad_long, north + pad_lat, east + pad_long


def _box_of(lat: float, long: float, metres: float) -> tuple[float, float, float, float]:
    d_lat = metres / 111_320.0
    d_long = metres / (111_320.0 * max(math.cos(math.radians(lat)), 0.01))
    return lat - d_lat, long - d_long, lat + d_lat, long + d_long


def _width_metres(box: tuple[float, float, float, float]) -> float:
    south, west, north, east = box
    return (east - west) * 111_320.0 * math.cos(math.radians((south + north) / 2))


def _halfway(line: Sequence[tuple[float, float]]) -> tuple[float, float]:
    """The point halfway along a line (not its middle vertex: a two-vertex block's middle
    vertex is its end, the corner, where the crossing street's name is too)."""
    lengths = [math.dist(a, b) for a, b in itertools.pairwise(line)]
    left = sum(lengths) / 2
    for (a, b), length in zip(itertools.pairwise(line), lengths, strict=True):
        if length >= left and length > 0:
            share = left / length
            return a[0] + (b[0] - a[0]) * share, a[1] + (b[1] - a[1]) * share
        left -= length
    return line[len(line) // 2]


def _streets(
    box: tuple[float, float, float, float], *, every_label: bool = False
) -> tuple[list[list[tuple[float, float]]], list[tuple[str, float, float]]]:
    """The register's lines in `box`, and a label for each named street, halfway along its
    longest piece, the longest streets first (where two names would run over each other,
    the main road keeps its own). On paper only when the box is narrow enough to read
    them; for the window (which shows those that fit at each zoom) always."""
    lines: list[list[tuple[float, float]]] = []
    longest: dict[str, tuple[float, float, float]] = {}
    total: dict[str, float] = defaultdict(float)
    south, west, north, east = box
    for street, line in register.lines_in(box):
        lines.append(list(line))
        if street.upper() in UNNAMED:
            continue
        middle = _halfway(line)
        length = sum(math.dist(a, b) for a, b in itertools.pairwise(line))
        total[street] += length
        inside = south <= middle[0] <= north and west <= middle[1] <= east
        if inside and length > longest.get(street, (-1.0, 0.0, 0.0))[0]:
            longest[street] = (length, middle[0], middle[1])
    labels = []
    if every_label or _width_metres(box) <= LABELS_UP_TO_METRES:
        labels = [
            (as_written(street), lat, long)
            for street, (_length, lat, long) in sorted(
                longest.items(), key=lambda item: -total[item[0]]
            )
        ]
    return lines, labels


def requests_map(
    filters: RequestFilter, *, title: str, subtitle: str = "", whole_town: bool = False
) -> MapData:
    """The requests a filter finds, coloured by status, over the streets they are on. `box`
    frames the requests (or the streets when none has a place); with `whole_town` (the
    window, where a clerk pans and zooms) every street of the register comes too, each
    with its name."""
    places = RequestList(filters).places()
    points = [
        MapPoint(lat, long, COLOURS.get(status, "#555555")) for _id, lat, long, status in places
    ]
    with reading():
        every = register.lines_in(WORLD) if whole_town or not points else []
        if points:
            box = _box_around([(p.lat, p.long) for p in points])
        elif every:
            box = _box_around(
                [vertex for _street, line in every for vertex in line], outliers=False
            )
        else:
            raise InputError(
                _(
                    "None of these requests has a place, and the town has no street "
                    "centerlines (frontcounter streets import): there is nothing to draw."
                )
            )
        lines, labels = _streets(WORLD if whole_town else box, every_label=whole_town)
    counted = _("{n:,} requests with a place").format(n=len(points))
    return MapData(
        box=box,
        lines=lines,
        points=points,
        labels=labels,
        title=title,
        subtitle=f"{subtitle} · {counted}" if subtitle else counted,
        legend=legend(),
        request_ids=[request_id for request_id, *_rest in places],
    )


def place_map(lat: float, long: float, street: str = "") -> tuple[MapData | None, list[str]]:
    """A work order's corner of town (None when the register has no lines), and the streets
    at the ends of the block it is on."""
    with reading():
        if not register.has_lines():
            return None, []
        box = _box_of(lat, long, AROUND_METRES)
        lines, labels = _streets(box)
        crossing = register.cross_streets(lat, long, street)
    return MapData(box=box, lines=lines, labels=labels, marked=(lat, long)), [
        as_written(name) for name in crossing
    ]


def depot() -> tuple[float, float] | None:
    """Where the town's crews set out from (setting map.depot: an address of the register,
    or "lat, long"); None when it is not set or not found."""
    said = str(get_setting("map.depot") or "").strip()
    if not said:
        return None
    parts = [p.strip() for p in said.split(",")]
    if len(parts) == 2:
        try:
            lat, long = float(parts[0]), float(parts[1])
        except ValueError:
            pass
        else:
            if -90 <= lat <= 90 and -180 <= long <= 180:
                return lat, long
    found = register.check(said).match
    return (found.lat, found.long) if found else None


def depot_now() -> tuple[float, float] | None:
    """The depot as the setting says it now (read in its own transaction)."""
    with reading():
        return depot()


def run_map(
    stops: Sequence[tuple[float, float]], start: tuple[float, float] | None
) -> MapData | None:
    """The streets of a crew's day (its stops and the depot inside): printing numbers the
    stops in the route it orders them in, and marks the run sheet's depot."""
    if not stops:
        return None
    with reading():
        box = _box_around([*stops, *([start] if start else [])])
        lines, labels = _streets(box) if register.has_lines() else ([], [])
    return MapData(box=box, lines=lines, labels=labels)


def background() -> tuple[tiles.TileSource | None, str]:
    """The town's background map for the window (setting map.tiles), and a sentence when
    it is set but cannot be read (the drive is not mapped, say): the map goes on without."""
    with reading():
        said = str(get_setting("map.tiles") or "").strip()
    if not said:
        return None, ""
    path = tiles.resolve(said, current_path())
    try:
        stat = path.stat()
        key = (str(path), stat.st_mtime_ns, stat.st_size)
        if _BACKGROUND.get("key") != key:  # a new file, or the same one replaced
            old = _BACKGROUND.pop("source", None)
            if isinstance(old, tiles.TileSource):
                old.close()
            _BACKGROUND.update(key=key, source=tiles.TileSource(path))
    except OSError:
        problem = _("There is no map tile file at {path}.").format(path=path)
    except InputError as exc:
        problem = str(exc)
    else:
        source = _BACKGROUND["source"]
        return (source if isinstance(source, tiles.TileSource) else None), ""
    old = _BACKGROUND.pop("source", None)
    if isinstance(old, tiles.TileSource):
        old.close()
    _BACKGROUND.clear()
    return None, _("The background map is left out: {reason}").format(reason=problem)


#: the background map last opened, kept while its file stays the same (its tiles cached)
_BACKGROUND: dict[str, object] = {}
