"""Go → Map: the requests on the town's own streets, filtered like the Requests list,
clustered when many share a spot, a hot-spot shade, and a click that opens a request."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPointF

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
