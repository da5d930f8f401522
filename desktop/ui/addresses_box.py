"""Settings → Addresses and map: the town's address register filled from the county's files
(address points, street centerlines), what it holds, the requests whose address it lacks,
the places the town calls by name, and where the crews set out from. The work is the core's
(`models.geo.register_import`); the imports run in the background."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import N_, _, ngettext
from desktop.models.errors import KnownError
from desktop.models.geo import maps, register_import
from desktop.models.storage.db import current_path
from desktop.models.storage.schema import StaffUser
from desktop.models.town import settings
from desktop.ui.background import BackgroundOp, Progress

AskPath = Callable[[QWidget, str], Path | None]
TILE_FILES = N_("Map tiles (*.mbtiles);;All files (*)")
GIS_FILES = N_("GIS files (*.geojson *.json *.csv *.shp *.zip);;All files (*)")


def ask_gis_file(parent: QWidget, title: str) -> Path | None:
    path, _chosen = QFileDialog.getOpenFileName(parent, title, "", _(GIS_FILES))
    return Path(path) if path else None


def ask_tile_file(parent: QWidget, title: str) -> Path | None:
    path, _chosen = QFileDialog.getOpenFileName(parent, title, "", _(TILE_FILES))
    return Path(path) if path else None


class AddressesBox(QGroupBox):
    """The register's files, its named places, the depot."""

    saved = Signal(str)

    def __init__(
        self,
        staff: Callable[[], StaffUser | None],
        parent: QWidget | None = None,
        *,
        ask_path: AskPath = ask_gis_file,
        ask_tiles: AskPath | None = None,
    ) -> None:
        super().__init__(_("The town's address register and map"), parent)
        self.staff = staff
        self.ask_path = ask_path
        self.ask_tiles: AskPath = ask_tiles or ask_tile_file
        self.job: BackgroundOp | None = None
        self.summary = QLabel()
        self.summary.setObjectName("registerSummary")
        self.summary.setWordWrap(True)
        self.crs = QLineEdit()
        self.crs.setPlaceholderText(_("only when the file does not say: EPSG:2256, say"))
        self.points_button = QPushButton(_("Import &address points…"))
        self.points_button.clicked.connect(lambda _c=False: self.import_file("addresses"))
        self.streets_button = QPushButton(_("Import &street centerlines…"))
        self.streets_button.clicked.connect(lambda _c=False: self.import_file("streets"))
        self.result = QLabel()
        self.result.setObjectName("registerResult")
        self.result.setWordWrap(True)
        files = QHBoxLayout()
        files.addWidget(self.points_button)
        files.addWidget(self.streets_button)
        files.addStretch(1)

        self.depot = QLineEdit()
        self.depot.setObjectName("depot")
        self.depot.setPlaceholderText(_("the yard's address, or latitude, longitude"))
        save_depot = QPushButton(_("Save"))
        save_depot.clicked.connect(lambda _c=False: self.save_depot())
        depot_row = QHBoxLayout()
        depot_row.addWidget(self.depot, 1)
        depot_row.addWidget(save_depot)

        self.tiles = QLineEdit()
        self.tiles.setObjectName("mapTiles")
        self.tiles.setPlaceholderText(_("none: the map is the register's streets alone"))
        choose_tiles = QPushButton(_("Choose…"))
        choose_tiles.clicked.connect(lambda _c=False: self.choose_tiles())
        save_tiles = QPushButton(_("Save"))
        save_tiles.clicked.connect(lambda _c=False: self.save_tiles())
        tiles_row = QHBoxLayout()
        tiles_row.addWidget(self.tiles, 1)
        tiles_row.addWidget(choose_tiles)
        tiles_row.addWidget(save_tiles)
        self.tiles_facts = QLabel()
        self.tiles_facts.setObjectName("mapTilesFacts")

        self.places = QTableWidget(0, 3)
        self.places.setObjectName("namedPlaces")
        self.places.setHorizontalHeaderLabels([_("Place"), _("Also called"), _("Where")])
        self.places.horizontalHeader().setStretchLastSection(True)
        self.places.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.places.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.places.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.place_name = QLineEdit()
        self.place_name.setPlaceholderText(_("Memorial Park"))
        self.place_at = QLineEdit()
        self.place_at.setPlaceholderText(_("its address in the register, or latitude, longitude"))
        self.place_aliases = QLineEdit()
        self.place_aliases.setPlaceholderText(_("other names, separated by commas"))
        add_place = QPushButton(_("Add the place"))
        add_place.clicked.connect(lambda _c=False: self.add_place())
        place_form = QFormLayout()
        place_form.addRow(_("Name:"), self.place_name)
        place_form.addRow(_("At:"), self.place_at)
        place_form.addRow(_("Also called:"), self.place_aliases)
        remove_place = QPushButton(_("Remove the chosen place"))
        remove_place.setObjectName("removePlace")
        remove_place.clicked.connect(lambda _c=False: self.remove_place())
        place_buttons = QHBoxLayout()
        place_buttons.addWidget(add_place)
        place_buttons.addWidget(remove_place)
        place_buttons.addStretch(1)
        place_form.addRow("", place_buttons)

        self.unlisted = QLabel()
        self.unlisted.setObjectName("unlistedAddresses")
        self.unlisted.setWordWrap(True)

        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel(
                _(
                    "The county's address points (E911 site points, assessor points) and street "
                    "centerlines with their house numbers: GeoJSON, CSV or a shapefile. An "
                    "import replaces what the register had; requests keep their addresses."
                )
            )
        )
        layout.addWidget(self.summary)
        form = QFormLayout()
        form.addRow(_("Coordinate system:"), self.crs)
        layout.addLayout(form)
        layout.addLayout(files)
        layout.addWidget(self.result)
        layout.addWidget(QLabel(_("<b>Where the crews set out from</b> (run sheets' routes)")))
        layout.addLayout(depot_row)
        layout.addWidget(
            QLabel(
                _(
                    "<b>The map's background</b> (optional): the town's own map as raster "
                    "MBTiles (QGIS: “Generate XYZ tiles (MBTiles)”), best kept beside the "
                    "database so every workstation finds it"
                )
            )
        )
        layout.addLayout(tiles_row)
        layout.addWidget(self.tiles_facts)
        layout.addWidget(QLabel(_("<b>Places the town calls by name</b>")))
        layout.addWidget(self.places)
        layout.addLayout(place_form)
        layout.addWidget(QLabel(_("<b>Addresses the register lacks</b> (to look at)")))
        layout.addWidget(self.unlisted)
        for label in self.findChildren(QLabel):
            label.setWordWrap(True)

    def load(self) -> None:
        try:
            counts = register_import.counts()
            named = register_import.places()
            waiting = register_import.unlisted(limit=20)
            self.depot.setText(str(settings.get_setting("map.depot") or ""))
            self.tiles.setText(str(settings.get_setting("map.tiles") or ""))
        except KnownError as exc:
            self.summary.setText(str(exc))
            return
        self.summary.setText(
            _(
                "The register has {points:,} addresses, {streets:,} pieces of street and "
                "{places:,} named places."
            ).format(**counts)
        )
        self._show_tiles()
        self.places.setRowCount(len(named))
        for row, place in enumerate(named):
            where = place["address"] or f"{place['lat']:.6f}, {place['long']:.6f}"
            for column, text in enumerate((place["name"], place["aliases"], where)):
                self.places.setItem(row, column, QTableWidgetItem(text))
        self.unlisted.setText(
            "\n".join(f"{r['tracking_number']}  {r['address']}" for r in waiting)
            or _("None: every request's address is in the register (or not checked yet).")
        )

    def import_file(self, what: str) -> None:
        title = _("Address points") if what == "addresses" else _("Street centerlines")
        path = self.ask_path(self, title)
        if path is None:
            return
        actor, crs = self.staff(), self.crs.text().strip()

        def work(progress: Progress) -> tuple[register_import.Loaded, dict[str, int]]:
            if what == "addresses":
                loaded = register_import.import_addresses(path, crs=crs, actor=actor)
            else:
                loaded = register_import.import_streets(path, crs=crs, actor=actor)
            matched = register_import.match_requests(progress=progress.report)
            return loaded, matched

        def done(outcome: tuple[register_import.Loaded, dict[str, int]]) -> None:
            loaded, matched = outcome
            sentence = ngettext(
                "{n:,} of {rows:,} came in ({left:,} left out).",
                "{n:,} of {rows:,} came in ({left:,} left out).",
                loaded.imported,
            ).format(n=loaded.imported, rows=loaded.rows, left=len(loaded.rejected))
            if matched["checked"]:
                sentence += " " + _(
                    "Requests checked against it: {found:,} found, {unlisted:,} not in it."
                ).format(**matched)
            self.result.setText(sentence)
            self.load()
            self.saved.emit(sentence)

        self.result.clear()
        self.job = BackgroundOp(
            self,
            title,
            _("Reading {name}…").format(name=path.name),
            work,
            on_success=done,
            show_errors=False,
        )
        self.job.failed.connect(self.result.setText)
        self.job.run()

    def save_depot(self) -> None:
        try:
            value = settings.parse_setting("map.depot", self.depot.text())
            settings.set_settings({"map.depot": value}, actor=self.staff())
            found = maps.depot_now()
        except KnownError as exc:
            self.result.setText(str(exc))
            return
        if value and found is None:
            self.result.setText(
                _(
                    "Saved, but “{depot}” is not an address of the register nor a latitude, "
                    "longitude: routes start from their first stop until it is."
                ).format(depot=value)
            )
        else:
            self.result.clear()
        self.saved.emit(_("Where the crews set out from is saved."))

    def choose_tiles(self) -> None:
        path = self.ask_tiles(self, _("The map's background"))
        if path is None:
            return
        database = current_path()
        beside = database is not None and path.parent.resolve() == database.parent.resolve()
        self.tiles.setText(path.name if beside else str(path))
        self.save_tiles()

    def save_tiles(self) -> None:
        try:
            value = settings.parse_setting("map.tiles", self.tiles.text())
            settings.set_settings({"map.tiles": value}, actor=self.staff())
        except KnownError as exc:
            self.result.setText(str(exc))
            return
        self.result.clear()
        self._show_tiles()
        self.saved.emit(_("The map's background is saved."))

    def _show_tiles(self) -> None:
        source, problem = maps.background()
        if source is None:
            self.tiles_facts.setText(problem)
            return
        facts = source.facts
        self.tiles_facts.setText(
            _("{name}: {tiles:,} tiles ({format}), zoom {low} to {high}.").format(
                name=facts.name,
                tiles=facts.tiles,
                format=facts.format.upper(),
                low=facts.min_zoom,
                high=facts.max_zoom,
            )
        )

    def add_place(self) -> None:
        at = self.place_at.text().strip()
        point: dict[str, Any] = {}
        parts = [p.strip() for p in at.split(",")]
        if len(parts) == 2:
            try:
                point = {"lat": float(parts[0]), "long": float(parts[1])}
            except ValueError:
                point = {}
        try:
            register_import.add_place(
                self.place_name.text(),
                at="" if point else at,
                aliases=self.place_aliases.text().split(","),
                actor=self.staff(),
                **point,
            )
        except KnownError as exc:
            self.result.setText(str(exc))
            return
        for edit in (self.place_name, self.place_at, self.place_aliases):
            edit.clear()
        self.load()
        self.saved.emit(_("The place is added."))

    def remove_place(self) -> None:
        row = self.places.currentRow()
        item = self.places.item(row, 0) if row >= 0 else None
        if item is None:
            self.result.setText(_("Choose a place in the list first."))
            return
        name = item.text()
        try:
            register_import.remove_place(name, actor=self.staff())
        except KnownError as exc:
            self.result.setText(str(exc))
            return
        self.load()
        self.saved.emit(_("{name} is no longer a named place.").format(name=name))
