"""Go → Map: the requests on the town's own streets, filtered like the Requests list,
clustered when many share a spot, a hot-spot shade, and a click that opens a request."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPointF, Qt

from desktop.models.geo import register_import
from desktop.models.requests.intake import RequestDraft, create_request
from desktop.ui.map_page import CELLS, MapPage
from tests.test_register import town_files

pytestmark = pytest.mark.usefixtures("no_dialogs")


@pytest.fixture
def page(qtbot, db, tmp_path):
    points, lines = town_files(tmp_path)
    register_import.import_addresses(points, actor=None)
    register_import.import_streets(lines, actor=None)
    made = MapPage(lambda: None)
    qtbot.addWidget(made)
    made.resize(900, 700)
    made.show()
    qtbot.waitExposed(made)
    return made


def test_the_requests_on_the_streets_and_a_click_opens_one(qtbot, page):
    first = create_request(RequestDraft("feedback", "a", address="7 Oak Ave"), actor=None)
    for _n in range(30):  # a hot spot: thirty calls about one house
        create_request(RequestDraft("feedback", "b", address="10 N Main St"), actor=None)
    page.load()
    assert page.count.text() == "31 requests on the map"
    points = page.view.points
    assert points is not None and len(points.xs) == 31
    coarse = points.grids[CELLS[0]]
    assert max(len(members) for members in coarse.values()) >= 30  # one cluster of 30
    index = page.view.ids.index(first.id)
    with qtbot.waitSignal(page.open_request) as opened:
        page.view.scale(40, 40)  # close in: the house is a dot of its own
        page.view.click_at(QPointF(points.xs[index], points.ys[index]))
    assert opened.args == [first.tracking_number]
    page.view._show_labels()  # so close that every street's name has room
    assert page.view.labels and all(label.isVisible() for label in page.view.labels)
    page.view.scale(0.001, 0.001)  # the whole county in sight: names would only be a blur
    page.view._show_labels()
    assert not any(label.isVisible() for label in page.view.labels)
    page.hot.setChecked(True)
    assert points.hot
    page.view.viewport().repaint()  # paints dots, clusters and the shade without an error


def test_the_filters_narrow_the_map(qtbot, page):
    create_request(RequestDraft("feedback", "a", address="7 Oak Ave"), actor=None)
    page.load()
    assert page.count.text() == "1 request on the map"
    # the whole town to pan over, every street named, the longest first
    assert page.data is not None and len(page.data.lines) == 3
    assert [label[0] for label in page.data.labels] == ["Oak Ave", "N Main St", "S Main St"]
    page.filters.search.setText("nothing like this")
    page.filters.flush()
    assert page.count.text() == "0 requests on the map"


def test_a_town_without_a_register_or_places_says_so(qtbot, db):
    made = MapPage(lambda: None)
    qtbot.addWidget(made)
    made.load()
    assert "nothing to draw" in made.count.text()


def test_the_dashboard_maps_the_periods_requests(qtbot, db, tmp_path):
    from desktop.ui.dashboard_page import DashboardPage

    points, lines = town_files(tmp_path)
    register_import.import_addresses(points, actor=None)
    register_import.import_streets(lines, actor=None)
    made = DashboardPage(lambda: None)
    qtbot.addWidget(made)
    made.load()
    assert not made.map_box.isVisibleTo(made)  # nothing received yet: no map
    request = create_request(RequestDraft("feedback", "a", address="7 Oak Ave"), actor=None)
    made.refresh()
    assert made.map_box.isVisibleTo(made)
    view = made.map.points
    assert view is not None and len(view.xs) == 1
    with qtbot.waitSignal(made.open_request) as opened:
        made.map.scale(40, 40)
        made.map.click_at(QPointF(view.xs[0], view.ys[0]))
    assert opened.args == [request.tracking_number]


def test_street_names_never_run_over_each_other(qtbot):
    from desktop.printing.data import MapData
    from desktop.ui.map_page import MapView

    view = MapView()
    qtbot.addWidget(view)
    view.resize(800, 600)
    view.show()
    qtbot.waitExposed(view)
    # a dense grid: forty streets named a few metres apart, the main road (first, as the
    # core orders them) among them
    labels = [("Memorial Boulevard of the Veterans", 42.0006, -71.0)]
    labels += [(f"Street Number {n}", 42.0 + n * 0.00003, -71.0) for n in range(40)]
    view.show_map(MapData(box=(41.999, -71.001, 42.002, -70.999), labels=labels))
    shown = [label for label in view.labels if label.isVisible()]
    assert shown and len(shown) < len(labels)
    assert any(label.text() == "Memorial Boulevard of the Veterans" for label in shown)

    def clear() -> bool:
        rects = []
        for label in view.labels:
            if label.isVisible():
                at = view.mapFromScene(label.pos())
                rects.append((at.x(), at.y(), at.x() + label.boundingRect().width(), at.y() + 9))
        return not any(
            a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
            for n, a in enumerate(rects)
            for b in rects[n + 1 :]
        )

    assert clear()
    before = len(shown)
    view.scale(8, 8)  # closer: the names spread out, more of them fit
    view._show_labels()
    assert clear() and sum(label.isVisible() for label in view.labels) > before


def test_the_wheel_zooms_about_the_spot_under_the_mouse(qtbot, page):
    from PySide6.QtCore import QPoint
    from PySide6.QtGui import QWheelEvent

    view = page.view
    page.load()
    under = QPoint(view.viewport().width() * 3 // 4, view.viewport().height() // 4)
    spot, scale = view.mapToScene(under), view.transform().m11()
    for _n in range(6):
        event = QWheelEvent(
            QPointF(under),
            QPointF(view.viewport().mapToGlobal(under)),
            QPoint(0, 0),
            QPoint(0, 120),
            Qt.MouseButton.NoButton,
            Qt.KeyboardModifier.NoModifier,
            Qt.ScrollPhase.NoScrollPhase,
            False,
        )
        view.wheelEvent(event)
    assert view.transform().m11() == pytest.approx(scale * 1.25**6)  # closer
    still = view.mapToScene(under)
    assert abs(still.x() - spot.x()) < 2 and abs(still.y() - spot.y()) < 2  # metres
