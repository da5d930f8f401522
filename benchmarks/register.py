"""The address register at a county's size: checking an address as a clerk types it among
100,000 points (target: p95 under 20 ms), and a map of 45,000 requests (a month of a
million-request town) drawn as a picture and as a page (target: under a second).

    python -m benchmarks.register

The register is made here: 100,000 address points on 2,500 streets of a grid (names, types
and directionals as counties write them) with their centerlines and ranges, imported through
`frontcounter addresses import` and `streets import`. The addresses are typed five ways: as
the register has them, in lower case with the type spelled out, without the type, without
the directional, with two letters swapped. Baselines, in the same run: a dictionary lookup of
the exact string (the floor of any lookup); for the map, the same picture with no points.
"""

from __future__ import annotations

import json
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.common import report

POINTS = 100_000
STREETS = 2_500
REQUESTS = 45_000
_NAMES = (
    "OAK",
    "MAPLE",
    "ELM",
    "PINE",
    "CEDAR",
    "BIRCH",
    "ASPEN",
    "WILLOW",
    "SPRUCE",
    "HICKORY",
    "WALNUT",
    "CHESTNUT",
    "POPLAR",
    "ALDER",
    "RIVER",
    "LAKE",
    "HILL",
    "VALLEY",
    "MEADOW",
    "PRAIRIE",
    "CANYON",
    "RIDGE",
    "SUMMIT",
    "FOREST",
    "GARDEN",
    "ORCHARD",
    "MILL",
    "CHURCH",
    "SCHOOL",
    "MARKET",
    "BRIDGE",
    "STATION",
    "HARBOR",
    "BAY",
    "SPRING",
    "FALLS",
    "BROOK",
    "CREEK",
    "PARK",
    "GROVE",
)
_TYPES = ("ST", "AVE", "RD", "LN", "DR", "CT", "WAY", "PL", "BLVD", "TRL")
_SPELLED = {
    "ST": "Street",
    "AVE": "Avenue",
    "RD": "Road",
    "LN": "Lane",
    "DR": "Drive",
    "CT": "Court",
    "WAY": "Way",
    "PL": "Place",
    "BLVD": "Boulevard",
    "TRL": "Trail",
}


def _county(folder: Path, rng: random.Random) -> tuple[Path, Path, list[dict[str, str]]]:
    streets: list[tuple[str, str, str]] = []
    used: set[tuple[str, str, str]] = set()
    while len(streets) < STREETS:
        name = (
            f"{rng.choice(_NAMES)} {rng.choice(_NAMES)}"
            if rng.random() < 0.5
            else rng.choice(_NAMES) + f" {rng.randrange(1, 60)}"
        )
        pre = rng.choice(("", "", "N", "S", "E", "W"))
        kind = rng.choice(_TYPES)
        if (pre, name, kind) in used:
            continue
        used.add((pre, name, kind))
        streets.append((pre, name, kind))
    points, lines, typed = [], [], []
    per = POINTS // STREETS
    for s, (pre, name, kind) in enumerate(streets):
        lat0 = 45.0 + (s // 50) * 0.004
        long0 = -111.0 + (s % 50) * 0.004
        lines.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "LineString",
                    "coordinates": [[long0, lat0], [long0 + 0.0035, lat0]],
                },
                "properties": {
                    "DIRPRE": pre,
                    "ROADNAME": name,
                    "ROADTYPE": kind,
                    "FRADDL": "1",
                    "TOADDL": str(per * 4 - 1),
                    "FRADDR": "2",
                    "TOADDR": str(per * 4),
                },
            }
        )
        for k in range(per):
            number = 2 + k * 4
            props = {
                "ADDRESS": str(number),
                "DIRPRE": pre,
                "ROADNAME": name,
                "ROADTYPE": kind,
                "DIRSUF": "",
                "LV_APT": "",
                "ZIPCODE": "59741",
            }
            points.append(
                {
                    "type": "Feature",
                    "geometry": {
                        "type": "Point",
                        "coordinates": [long0 + 0.0035 * k / per, lat0 + 0.00005],
                    },
                    "properties": props,
                }
            )
            if rng.random() < 0.02:
                typed.append(props)
    a = folder / "points.geojson"
    a.write_text(json.dumps({"type": "FeatureCollection", "features": points}))
    b = folder / "lines.geojson"
    b.write_text(json.dumps({"type": "FeatureCollection", "features": lines}))
    return a, b, typed


def _forms(props: dict[str, str], rng: random.Random) -> list[str]:
    number, pre, name, kind = (
        props["ADDRESS"],
        props["DIRPRE"],
        props["ROADNAME"],
        props["ROADTYPE"],
    )
    word = name.split()[0]
    at = rng.randrange(1, len(word))
    swapped = word[: at - 1] + word[at] + word[at - 1] + word[at + 1 :]
    return [
        " ".join(f"{number} {pre} {name} {kind}".split()),
        " ".join(f"{number} {pre} {name.lower()} {_SPELLED[kind]}".split()),
        " ".join(f"{number} {pre} {name}".split()),
        f"{number} {name} {kind}",
        " ".join(f"{number} {pre} {swapped}{name[len(word) :]} {kind}".split()),
    ]


def main() -> None:
    from desktop.models.documents.gather import page_setup
    from desktop.models.geo import register_import
    from desktop.models.setup.opening import open_database
    from desktop.models.storage.db import close_database
    from desktop.models.town import register
    from desktop.printing.data import MapData, MapPoint
    from desktop.printing.maps import build_map_pdf, render_png

    rng = random.Random(311)
    with tempfile.TemporaryDirectory() as folder:
        where = Path(folder)
        points_file, lines_file, sample = _county(where, rng)
        opened = open_database(where / "town.db")
        began = time.perf_counter()
        loaded = register_import.import_addresses(points_file, actor=None)
        register_import.import_streets(lines_file, actor=None)
        took = time.perf_counter() - began
        print(
            f"register of {loaded.imported:,} points and {STREETS:,} streets imported in "
            f"{took:.1f} s",
            flush=True,
        )
        register.check("1 X")  # read the register into memory once, as a workstation does
        forms = [f for props in sample for f in _forms(props, rng)]
        exact = {p: p for p in (f for props in sample for f in _forms(props, rng)[:1])}
        times, floor = [], []
        found = 0
        for typed in forms:
            t = time.perf_counter()
            match = register.check(typed).match
            times.append(time.perf_counter() - t)
            found += match is not None
            t = time.perf_counter()
            exact.get(typed)
            floor.append(time.perf_counter() - t)
        times.sort()
        floor.sort()
        p95 = times[int(len(times) * 0.95)]
        report(
            f"check an address, p95 ({POINTS:,} points)",
            p95,
            floor[int(len(floor) * 0.95)],
            "ms",
            "target < 20 ms",
        )
        print(
            f"  {len(forms):,} typed addresses, {found:,} found; median "
            f"{statistics.median(times) * 1000:.2f} ms",
            flush=True,
        )

        box = (45.0, -111.0, 45.0 + 0.004 * STREETS / 50, -111.0 + 0.004 * 50)
        lines = [list(line) for _s, line in register.lines_in(box)]
        spots = [
            MapPoint(rng.uniform(box[0], box[2]), rng.uniform(box[1], box[3]), "#1f5fbf")
            for _ in range(REQUESTS)
        ]
        full = MapData(box=box, lines=lines, points=spots, title="Bench", subtitle="a month")
        empty = MapData(box=box, lines=lines, title="Bench", subtitle="a month")
        for label, draw in (
            ("png", lambda data: render_png(data)),
            ("pdf", lambda data: build_map_pdf(data, page_setup())),
        ):
            draw(empty)  # fonts loaded once
            t = time.perf_counter()
            draw(empty)
            base = time.perf_counter() - t
            t = time.perf_counter()
            draw(full)
            value = time.perf_counter() - t
            report(f"map of {REQUESTS:,} requests ({label})", value, base, "s", "target < 1 s")
        _window_map(full, empty)
        close_database(opened)


def _window_map(full: Any, empty: Any) -> None:
    """The window's map (Go → Map) painted whole, and after zooming in: the time of one frame,
    which is what a pan or a wheel turn waits for."""
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from desktop.ui.map_page import MapView

    app = QApplication.instance() or QApplication([])
    view = MapView()
    view.resize(1200, 800)
    view.show_map(empty)
    view.grab()
    t = time.perf_counter()
    view.grab()
    base = time.perf_counter() - t
    t = time.perf_counter()
    view.show_map(full)  # the grids are made once per filter
    made = time.perf_counter() - t
    frames = []
    for zoom in (1.0, 4.0, 4.0, 4.0):
        view.scale(zoom, zoom)
        t = time.perf_counter()
        view.grab()
        frames.append(time.perf_counter() - t)
    report(
        f"window map: {REQUESTS:,} requests, one frame",
        max(frames),
        base,
        "ms",
        "a frame under 100 ms pans smoothly",
    )
    print(
        f"  gathering them into the grids once: {made:.2f} s; frames (ms): "
        + ", ".join(f"{f * 1000:.0f}" for f in frames),
        flush=True,
    )
    del app


if __name__ == "__main__":
    main()
