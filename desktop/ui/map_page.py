"""The Map: the requests on the town's own streets, offline, filtered like the Requests list.

A QGraphicsView over the register's centerlines (one path for every street) and one item that
paints the requests. Measured, a month of a million-request town is 45,000 points: painting
each as a graphics item of its own makes a pan stutter, so the points are gathered once into
grids of several sizes, and each paint draws, of the cells in sight only, the finest grid
whose cells are at least 24 pixels wide: a cell with one request is a dot in its status's
colour, a cell with more is a cluster with its count, and the hot-spot layer shades each cell
by how many it holds (benchmarks/register.py: a frame in 6 to 30 ms). A click on a dot (or on
a cluster when zoomed all the way in) opens the request; on a cluster, it zooms in.
"""

from __future__ import annotations

import math
from collections import OrderedDict, defaultdict
from collections.abc import Callable

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPen,
    QPixmap,
    QPolygonF,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QCheckBox,
    QGraphicsItem,
    QGraphicsPathItem,
    QGraphicsScene,
    QGraphicsSimpleTextItem,
    QGraphicsView,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStyleOptionGraphicsItem,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import _, ngettext
from desktop.models.documents.gather import tracking_numbers
from desktop.models.errors import KnownError
from desktop.models.geo import maps
from desktop.models.requests.listing import RequestFilter
from desktop.models.storage.schema import StaffUser
from desktop.models.town import tiles
from desktop.printing.data import MapData
from desktop.ui.request_filters import FilterBar

#: metres a scene unit (the scene is in metres east and south of the map's corner)
METRES = 111_320.0
#: the cell sizes the points are gathered into, in metres
CELLS = (2000.0, 800.0, 320.0, 120.0, 45.0, 15.0)
#: street names are shown when the view is no wider than this (metres)
LABELS_METRES = 8000.0
#: a cell drawn at least this many pixels wide
CELL_PIXELS = 24.0


class _Points(QGraphicsItem):
    """Every request of the map, painted in one go: dots, clusters and the hot-spot shade."""

    def __init__(self, xs: list[float], ys: list[float], colours: list[str], box: QRectF) -> None:
        super().__init__()
        self.xs, self.ys, self.colours, self.box = xs, ys, colours, box
        self.hot = False
        #: cell size -> (column, row) -> indexes of the points in it
        self.grids: dict[float, dict[tuple[int, int], list[int]]] = {}
        #: cell size -> (column, row) -> the middle of its points
        self.middles: dict[float, dict[tuple[int, int], tuple[float, float]]] = {}
        for size in CELLS:
            grid: dict[tuple[int, int], list[int]] = defaultdict(list)
            for n, (x, y) in enumerate(zip(xs, ys, strict=True)):
                grid[(int(x // size), int(y // size))].append(n)
            self.grids[size] = grid
            self.middles[size] = {
                key: (
                    sum(xs[n] for n in members) / len(members),
                    sum(ys[n] for n in members) / len(members),
                )
                for key, members in grid.items()
            }
        # paint() is told the part of the map in sight, not the whole of it
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption)
        self.pens = {c: QBrush(QColor(c)) for c in set(colours)}

    def boundingRect(self) -> QRectF:
        return self.box.adjusted(-50, -50, 50, 50)

    def cell_size(self, scale: float) -> float:
        """The grid for this zoom: the finest whose cells are at least CELL_PIXELS wide (so a
        cluster never overlaps its neighbours), the coarsest when the whole county shows."""
        for size in reversed(CELLS):
            if size * scale >= CELL_PIXELS:
                return size
        return CELLS[0]

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionGraphicsItem,
        widget: QWidget | None = None,
    ) -> None:
        scale = painter.worldTransform().m11() or 1.0
        size = self.cell_size(scale)
        grid = self.grids[size]
        seen = option.exposedRect.adjusted(-size, -size, size, size)
        pixel = 1.0 / scale
        painter.setPen(Qt.PenStyle.NoPen)
        most = max((len(v) for v in grid.values()), default=1)
        font = QFont(painter.font())
        font.setPointSizeF(7.5)
        painter.setFont(font)
        # the cells in sight: looked up by their place when there are fewer of those than cells
        first_c, last_c = int(seen.left() // size), int(seen.right() // size)
        first_r, last_r = int(seen.top() // size), int(seen.bottom() // size)
        if (last_c - first_c + 1) * (last_r - first_r + 1) < len(grid):
            cells = [
                ((c, r), grid[(c, r)])
                for c in range(first_c, last_c + 1)
                for r in range(first_r, last_r + 1)
                if (c, r) in grid
            ]
        else:
            cells = [
                (key, members)
                for key, members in grid.items()
                if first_c <= key[0] <= last_c and first_r <= key[1] <= last_r
            ]
        dots: dict[str, QPolygonF] = {}
        clusters: list[tuple[float, float, int]] = []
        for (column, row), members in cells:
            if self.hot:
                painter.setBrush(QColor(220, 30, 30, int(30 + 170 * len(members) / most)))
                painter.drawRect(QRectF(column * size, row * size, size, size))
            if len(members) == 1 or (size == CELLS[-1] and len(members) < 4):
                for n in members:
                    dots.setdefault(self.colours[n], QPolygonF()).append(
                        QPointF(self.xs[n], self.ys[n])
                    )
                continue
            cx, cy = self.middles[size][(column, row)]
            clusters.append((cx, cy, len(members)))
        painter.setPen(Qt.PenStyle.NoPen)
        for colour, polygon in dots.items():  # one path a colour
            path = QPainterPath()
            for n in range(polygon.size()):
                path.addEllipse(polygon.at(n), 4 * pixel, 4 * pixel)
            painter.setBrush(QColor(colour))
            painter.drawPath(path)
        painter.setBrush(QColor(31, 95, 191, 190))
        for cx, cy, count in clusters:
            radius = (7 + 3 * math.log10(count)) * pixel
            painter.drawEllipse(QPointF(cx, cy), radius, radius)
        world = painter.worldTransform()
        painter.save()
        painter.resetTransform()  # the counts in pixels, where the clusters are on the screen
        painter.setPen(QPen(Qt.GlobalColor.white))
        for cx, cy, count in clusters:
            at = world.map(QPointF(cx, cy))
            painter.drawText(
                QRectF(at.x() - 30, at.y() - 10, 60, 20), Qt.AlignmentFlag.AlignCenter, f"{count:,}"
            )
        painter.restore()

    def near(self, x: float, y: float, within: float) -> list[int]:
        """The points within `within` of (x, y), nearest first."""
        size = CELLS[-1]
        reach = int(within // size) + 1
        column, row = int(x // size), int(y // size)
        found = []
        for dc in range(-reach, reach + 1):
            for dr in range(-reach, reach + 1):
                for n in self.grids[size].get((column + dc, row + dr), []):
                    gap = math.hypot(self.xs[n] - x, self.ys[n] - y)
                    if gap <= within:
                        found.append((gap, n))
        return [n for _gap, n in sorted(found)]


class _Tiles(QGraphicsItem):
    """The town's own background map (an MBTiles file) under the streets: the tiles of the
    part in sight, at the zoom whose pixels match the screen's, each drawn into the box its
    corners make on the map."""

    #: more tiles than this in sight: the file has no zoom coarse enough, so none is drawn
    MOST = 160

    def __init__(
        self,
        source: tiles.TileSource,
        box: QRectF,
        to_scene: Callable[[float, float], tuple[float, float]],
        to_place: Callable[[float, float], tuple[float, float]],
    ) -> None:
        super().__init__()
        self.source, self.box = source, box
        self.to_scene, self.to_place = to_scene, to_place
        self.pictures: OrderedDict[tuple[int, int, int], QPixmap | None] = OrderedDict()
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption)
        self.setZValue(-1)

    def boundingRect(self) -> QRectF:
        return self.box

    def _picture(self, zoom: int, x: int, y: int) -> QPixmap | None:
        key = (zoom, x, y)
        if key not in self.pictures:
            data = self.source.tile(zoom, x, y)
            picture = QPixmap()
            self.pictures[key] = picture if data and picture.loadFromData(data) else None
            if len(self.pictures) > 256:
                self.pictures.popitem(last=False)
        return self.pictures[key]

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionGraphicsItem,
        widget: QWidget | None = None,
    ) -> None:
        seen = option.exposedRect
        north, west = self.to_place(seen.left(), seen.top())
        south, east = self.to_place(seen.right(), seen.bottom())
        scale = painter.worldTransform().m11() or 1.0
        zoom = tiles.zoom_for(1.0 / scale, (north + south) / 2, self.source.facts)
        wanted = tiles.tiles_over((south, west, north, east), zoom)
        if len(wanted) > self.MOST:
            return
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        for x, y in wanted:
            picture = self._picture(zoom, x, y)
            if picture is None:
                continue
            left, top = self.to_scene(*tiles.corner_of(x, y, zoom))
            right, bottom = self.to_scene(*tiles.corner_of(x + 1, y + 1, zoom))
            painter.drawPixmap(
                QRectF(left, top, right - left, bottom - top), picture, QRectF(picture.rect())
            )


class MapView(QGraphicsView):
    """Pans by dragging, zooms with the wheel (about the mouse), opens a clicked request."""

    #: the tracking number of a request clicked on
    clicked_request = Signal(str)
    #: the KnownError met reading the clicked request (the database went away, say)
    problem = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mapView")
        self.setScene(QGraphicsScene(self))
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        # a map is moved by dragging it: no scroll bars over the town's edge
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setBackgroundBrush(QColor("white"))
        self.points: _Points | None = None
        self.ids: list[int] = []
        self.labels: list[QGraphicsSimpleTextItem] = []
        self._press: QPointF | None = None
        #: the town's background map, when it has one (set before show_map)
        self.tiles: tiles.TileSource | None = None
        self.background: _Tiles | None = None

    def show_map(self, data: MapData) -> None:
        scene = self.scene()
        scene.clear()
        south, west, north, east = data.box
        across = math.cos(math.radians((south + north) / 2))

        def xy(lat: float, long: float) -> tuple[float, float]:
            return (long - west) * across * METRES, (north - lat) * METRES

        def place(x: float, y: float) -> tuple[float, float]:
            return north - y / METRES, west + x / (across * METRES)

        streets = QPainterPath()
        for line in data.lines:
            if len(line) < 2:
                continue
            streets.moveTo(*xy(*line[0]))
            for lat, long in line[1:]:
                streets.lineTo(*xy(lat, long))
        drawn = QGraphicsPathItem(streets)
        pen = QPen(QColor("#9a9a9a"))
        pen.setCosmetic(True)  # a line a pixel wide at every zoom
        pen.setWidthF(1.2)
        drawn.setPen(pen)
        scene.addItem(drawn)
        font = QFont()
        font.setPointSizeF(7)
        self.labels = []
        # the longest streets first: where two names would run over each other, the main
        # road keeps its own
        for text, lat, long in data.labels[:5000]:
            label = scene.addSimpleText(text, font)
            label.setBrush(QColor("#555555"))
            label.setPos(*xy(lat, long))
            label.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
            self.labels.append(label)
        box = QRectF(0, 0, (east - west) * across * METRES, (north - south) * METRES)
        positions = [xy(p.lat, p.long) for p in data.points]
        self.points = _Points(
            [p[0] for p in positions],
            [p[1] for p in positions],
            [p.colour for p in data.points],
            box,
        )
        scene.addItem(self.points)
        self.ids = list(data.request_ids)
        # room to pan past the requests to the town's edge and beyond: a scene wider than
        # the view at every zoom, so a zoom about the mouse is never pinned to the middle
        whole = box.united(streets.boundingRect()) if data.lines else box
        margin = max(whole.width(), whole.height()) + 1000
        scene.setSceneRect(whole.adjusted(-margin, -margin, margin, margin))
        self.background = None
        if self.tiles is not None:
            self.background = _Tiles(self.tiles, scene.sceneRect(), xy, place)
            scene.addItem(self.background)
        self.fitInView(box, Qt.AspectRatioMode.KeepAspectRatio)
        self._show_labels()

    def _show_labels(self) -> None:
        """Street names only when they can be read: a view no wider than LABELS_METRES, and
        of two names that would run over each other at this zoom, only the first."""
        across = self.viewport().width() / (self.transform().m11() or 1.0)
        if across > LABELS_METRES:
            for label in self.labels:
                label.setVisible(False)
            return
        # the names' boxes in pixels, in buckets of the screen so each is compared with its
        # neighbours only (a pan moves them all alike, so only a zoom asks again)
        bucket = 120.0
        placed: dict[tuple[int, int], list[QRectF]] = defaultdict(list)
        for label in self.labels:
            at = self.mapFromScene(label.pos())
            size = label.boundingRect()
            box = QRectF(at.x(), at.y(), size.width(), size.height()).adjusted(-2, -1, 2, 1)
            keys = [
                (column, row)
                for column in range(int(box.left() // bucket), int(box.right() // bucket) + 1)
                for row in range(int(box.top() // bucket), int(box.bottom() // bucket) + 1)
            ]
            clear = not any(box.intersects(other) for key in keys for other in placed[key])
            label.setVisible(clear)
            if clear:
                for key in keys:
                    placed[key].append(box)

    def set_hot_spots(self, on: bool) -> None:
        if self.points is not None:
            self.points.hot = on
            self.points.update()

    def wheelEvent(self, event: QWheelEvent) -> None:
        """Closer or farther about the spot under the mouse, which stays under it."""
        factor = 1.25 if event.angleDelta().y() > 0 else 0.8
        under = event.position().toPoint()
        before = self.mapToScene(under)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
        self.scale(factor, factor)
        moved = self.mapToScene(under) - before
        self.translate(moved.x(), moved.y())
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self._show_labels()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self._press = event.position()
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        super().mouseReleaseEvent(event)
        start, self._press = self._press, None
        if start is None or (event.position() - start).manhattanLength() > 4:
            return  # a drag: the map was moved, nothing was clicked
        self.click_at(self.mapToScene(event.position().toPoint()))

    def click_at(self, where: QPointF) -> None:
        if self.points is None:
            return
        scale = self.transform().m11() or 1.0
        near = self.points.near(where.x(), where.y(), 8 / scale)
        if len(near) == 1 or (near and self.points.cell_size(scale) == CELLS[-1]):
            try:
                numbers = tracking_numbers([self.ids[near[0]]])
            except KnownError as exc:
                self.problem.emit(exc)
                return
            if numbers:
                self.clicked_request.emit(numbers[0])
        elif near:  # a cluster: closer
            self.centerOn(where)
            self.scale(2.5, 2.5)
            self._show_labels()


class MapPage(QWidget):
    """The filter bar, the map, its legend, and how many requests it shows."""

    open_request = Signal(str)

    def __init__(self, staff: Callable[[], StaffUser | None], parent: QWidget | None = None):
        super().__init__(parent)
        self.staff = staff
        self.filters = FilterBar()
        self.filters.changed.connect(self.load)
        self.view = MapView()
        self.view.clicked_request.connect(self.open_request)
        self.hot = QCheckBox(_("Hot spots"))
        self.hot.toggled.connect(self.view.set_hot_spots)
        self.count = QLabel()
        self.count.setObjectName("mapCount")
        self.view.problem.connect(lambda exc: self.count.setText(str(exc)))
        fit = QPushButton(_("Whole map"))
        fit.clicked.connect(lambda _c=False: self._fit())
        legend = QHBoxLayout()
        for colour, label in maps.legend():
            dot = QLabel("●")
            dot.setStyleSheet(f"color: {colour}")
            legend.addWidget(dot)
            legend.addWidget(QLabel(label))
        legend.addWidget(self.hot)
        legend.addWidget(fit)
        legend.addStretch(1)
        legend.addWidget(self.count)
        layout = QVBoxLayout(self)
        layout.addWidget(self.filters)
        layout.addWidget(self.view, 1)
        layout.addLayout(legend)
        self.data: MapData | None = None

    def load(self) -> None:
        try:
            data = maps.requests_map(
                self.filters.filters(RequestFilter()), title="", whole_town=True
            )
        except KnownError as exc:
            self.count.setText(str(exc))
            self.view.scene().clear()
            self.data = None
            return
        self.data = data
        self.view.tiles, problem = maps.background()
        self.view.show_map(data)
        self.view.set_hot_spots(self.hot.isChecked())
        counted = ngettext(
            "{n:,} request on the map", "{n:,} requests on the map", len(data.points)
        ).format(n=len(data.points))
        self.count.setText(f"{problem}  {counted}" if problem else counted)

    def _fit(self) -> None:
        if self.view.points is not None:
            self.view.fitInView(self.view.points.box, Qt.AspectRatioMode.KeepAspectRatio)
            self.view._show_labels()
