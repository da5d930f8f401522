"""The town's own background map: a raster MBTiles file (made here as QGIS or GDAL would
write one) read from disk, tiles found by their Web Mercator place (rows counted from the
south), painted under the window's streets; a file that cannot serve (missing, not MBTiles,
vector tiles, empty) said in a sentence, and the map goes on without it."""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtGui import QColor

from desktop.models.errors import InputError
from desktop.models.geo import maps, register_import
from desktop.models.town import settings, tiles
from desktop.ui.addresses_box import AddressesBox
from desktop.ui.map_page import MapPage
from tests.test_register import town_files

pytestmark = pytest.mark.usefixtures("no_dialogs")

#: the test town (tests/test_register.py) lies around 42.0 N, 71.0 W
TOWN = (41.99, -71.02, 42.02, -70.99)
SEA = (170, 211, 223)


def _png(colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (256, 256), colour).save(out, "PNG")
    return out.getvalue()


def make_mbtiles(
    path: Path,
    zooms: range = range(12, 18),
    colour: tuple[int, int, int] = SEA,
    *,
    fmt: str = "png",
    data: bytes | None = None,
) -> Path:
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
    db.execute(
        "CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, "
        "tile_data BLOB)"
    )
    south, west, north, east = TOWN
    db.executemany(
        "INSERT INTO metadata VALUES (?, ?)",
        [
            ("name", "Alder Falls base map"),
            ("format", fmt),
            ("bounds", f"{west},{south},{east},{north}"),
        ],
    )
    picture = data if data is not None else _png(colour)
    for zoom in zooms:
        for x, y in tiles.tiles_over(TOWN, zoom):
            db.execute(
                "INSERT INTO tiles VALUES (?, ?, ?, ?)", (zoom, x, (1 << zoom) - 1 - y, picture)
            )
    db.commit()
    db.close()
    return path


def test_a_tile_is_found_by_its_place_with_rows_counted_from_the_south(tmp_path):
    path = make_mbtiles(tmp_path / "town.mbtiles")
    facts = tiles.read_facts(path)
    assert (facts.name, facts.format, facts.min_zoom, facts.max_zoom) == (
        "Alder Falls base map",
        "png",
        12,
        17,
    )
    assert facts.bounds == pytest.approx(TOWN)
    x, y = tiles.tile_of(42.0, -71.0, 16)
    # a tile of its own colour, written where TMS puts XYZ (16, x, y)
    db = sqlite3.connect(path)
    db.execute(
        "UPDATE tiles SET tile_data = ? WHERE zoom_level = 16 AND tile_column = ? AND tile_row = ?",
        (_png((255, 0, 0)), int(x), (1 << 16) - 1 - int(y)),
    )
    db.commit()
    db.close()
    source = tiles.TileSource(path)
    assert source.tile(16, int(x), int(y)) == _png((255, 0, 0))
    assert source.tile(16, int(x), int(y) + 1) == _png(SEA)
    assert source.tile(16, 0, 0) is None  # far outside the town
    assert source.tile(3, 1, 1) is None  # a zoom the file lacks
    # the grid's corners and places agree
    lat, long = tiles.corner_of(int(x), int(y), 16)
    assert tiles.tile_of(lat, long, 16) == pytest.approx((int(x), int(y)))
    # a zoom whose pixels match the screen's, within what the file holds
    assert tiles.zoom_for(1.0, 42.0, facts) == 17
    assert tiles.zoom_for(2.0, 42.0, facts) == 16
    assert tiles.zoom_for(5000.0, 42.0, facts) == 12
    source.close()


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda p: p, "no map tile file"),
        (lambda p: (p.write_text("not a database"), p)[1], "not an MBTiles file"),
        (lambda p: (sqlite3.connect(p).execute("CREATE TABLE x (y)"), p)[1], "not an MBTiles"),
        (lambda p: make_mbtiles(p, range(0)), "holds no map tiles"),
        (lambda p: make_mbtiles(p, range(14, 15), fmt="pbf", data=b"\x1a\x02"), "vector tiles"),
        (lambda p: make_mbtiles(p, range(14, 15), fmt="", data=b"\x1f\x8b\x08"), "vector tiles"),
        (lambda p: make_mbtiles(p, range(14, 15), fmt="tiff", data=b"II*"), "cannot be drawn"),
    ],
)
def test_a_file_that_cannot_serve_is_a_sentence(tmp_path, make, words):
    path = make(tmp_path / "bad.mbtiles")
    with pytest.raises(InputError, match=words):
        tiles.read_facts(path)


def test_the_setting_is_a_file_beside_the_database_or_a_path(db, tmp_path):
    beside = db.path.parent / "town.mbtiles" if db.path else tmp_path / "town.mbtiles"
    make_mbtiles(beside)
    said = beside.name if db.path else str(beside)
    assert settings.parse_setting("map.tiles", said) == said
    with pytest.raises(InputError, match="no map tile file"):
        settings.parse_setting("map.tiles", "elsewhere.mbtiles")
    settings.set_settings({"map.tiles": said}, actor=None)
    source, problem = maps.background()
    assert source is not None and problem == "" and source.facts.tiles > 0
    assert maps.background()[0] is source  # kept open while the file stays the same
    beside.unlink()
    source, problem = maps.background()
    assert source is None and "background map is left out" in problem


def _share_of(image, colour: tuple[int, int, int]) -> float:
    wanted = QColor(*colour).rgb()
    step = 7
    seen = [
        bool(image.pixel(x, y) == wanted)
        for x in range(0, image.width(), step)
        for y in range(0, image.height(), step)
    ]
    return sum(seen) / len(seen)


def test_the_window_paints_the_towns_tiles_under_its_streets(qtbot, db, tmp_path):
    points, lines = town_files(tmp_path)
    register_import.import_addresses(points, actor=None)
    register_import.import_streets(lines, actor=None)
    page = MapPage(lambda: None)
    qtbot.addWidget(page)
    page.resize(900, 700)
    page.show()
    qtbot.waitExposed(page)
    page.load()
    assert page.view.background is None
    assert _share_of(page.view.viewport().grab().toImage(), SEA) == 0

    path = make_mbtiles(tmp_path / "town.mbtiles")
    settings.set_settings({"map.tiles": str(path)}, actor=None)
    page.load()
    assert page.view.background is not None
    page.view.scale(4, 4)  # closer: the tiles cover the whole view
    assert _share_of(page.view.viewport().grab().toImage(), SEA) > 0.8

    path.unlink()  # the shared drive is not mapped today
    page.load()
    assert page.view.background is None and "background map is left out" in page.count.text()
    assert "on the map" in page.count.text()


def test_settings_chooses_the_background(qtbot, db, tmp_path):
    (tmp_path / "maps").mkdir()
    path = make_mbtiles(tmp_path / "maps" / "county.mbtiles")
    box = AddressesBox(lambda: None, ask_tiles=lambda _parent, _title: path)
    qtbot.addWidget(box)
    box.load()
    assert box.tiles.text() == "" and box.tiles_facts.text() == ""
    with qtbot.waitSignal(box.saved):
        box.choose_tiles()
    assert settings.get_setting("map.tiles") == str(path)
    assert "Alder Falls base map" in box.tiles_facts.text() and "PNG" in box.tiles_facts.text()
    box.tiles.setText(str(tmp_path / "nothing.mbtiles"))
    box.save_tiles()
    assert "no map tile file" in box.result.text()
    assert settings.get_setting("map.tiles") == str(path)  # nothing saved
    if db.path:  # chosen beside the database: its bare name, so every workstation finds it
        beside = make_mbtiles(db.path.parent / "town.mbtiles")
        box.ask_tiles = lambda _parent, _title: beside
        box.choose_tiles()
        assert settings.get_setting("map.tiles") == "town.mbtiles"
    box.tiles.setText("")
    box.save_tiles()
    assert settings.get_setting("map.tiles") == "" and box.tiles_facts.text() == ""
