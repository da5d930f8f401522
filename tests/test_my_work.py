"""My work: my open requests, the new ones for my department and those gone overdue since I
last looked, counted beside the Requests area and listed as its views; and the sign-in box
offers only this town's last user."""

from __future__ import annotations

import datetime as dt

import pytest

from desktop.models import clock
from desktop.models.requests import lifecycle
from desktop.models.requests.intake import RequestDraft, create_request
from desktop.models.requests.listing import RequestList
from desktop.models.requests.my_work import my_work
from desktop.models.staff.members import create_staff
from desktop.models.storage.db import write
from desktop.models.storage.schema import Department, ServiceRequest
from tests.conftest import TEST_NOW

pytestmark = pytest.mark.usefixtures("no_dialogs")


def _pothole() -> ServiceRequest:
    return create_request(
        RequestDraft(
            service_type="pothole",
            description="Hole",
            address="12 Elm St",
            answers={"size": "small", "in_lane": "no"},
        ),
        actor=None,
    )


def _due(request_id: int) -> dt.datetime:
    due = ServiceRequest.get_by_id(request_id).due_at
    assert isinstance(due, dt.datetime)
    return due


def test_the_counts_and_the_views_behind_them(db):
    pat = create_staff("Pat Crew", "crew_lead", actor=None)
    mine, theirs = _pothole(), _pothole()  # taken before Pat led Public Works
    lifecycle.assign(mine.id, pat, actor=None)
    dpw = Department.get(Department.code == "DPW")
    dpw.default_assignee = pat
    write(dpw.save)
    work = my_work(pat)
    assert (work.assigned, work.new_for_department) == (1, 1)  # the other pothole is still New
    assert work.overdue_since == 0
    late = _due(mine.id) + dt.timedelta(hours=1)
    clock.set_clock(lambda: late)
    assert my_work(pat).overdue_since == 1
    assert my_work(pat, since=late).overdue_since == 0  # looked at after it went overdue
    new_view = next(v for v in work.views if "new for my department" in v.name)
    assert [r.id for r in RequestList(new_view.filters).page(0, 10, actor=None)] == [theirs.id]
    clock.set_clock(lambda: TEST_NOW)


def test_someone_with_no_department_has_no_new_for_it(db):
    sam = create_staff("Sam Super", "supervisor", actor=None)
    _pothole()
    work = my_work(sam)
    assert (work.assigned, work.new_for_department) == (0, 0)
    assert not any("department" in v.name for v in work.views)


def test_the_side_of_the_window_counts_my_work(qtbot, db, tmp_path):
    from desktop.ui.main_window import MainWindow
    from desktop.ui.prefs import Prefs

    pat = create_staff("Pat Crew", "crew_lead", actor=None)
    request = _pothole()
    lifecycle.assign(request.id, pat, actor=None)
    try:
        window = MainWindow(db, Prefs(tmp_path / "prefs.ini"), lambda: pat)
        qtbot.addWidget(window)
        assert window.nav.item(1).text() == "Requests  (1)"
        late = _due(request.id) + dt.timedelta(hours=1)
        clock.set_clock(lambda: late)
        window.update_my_work()
        assert window.nav.item(1).text() == "Requests  (1, 1 late)"
        window.show_page(1)
        page = window.requests_page
        index = page.view_choice.findText("My work: gone overdue since I last looked")
        page.view_choice.setCurrentIndex(index)  # looked at: no longer counted as news
        assert page.model.rowCount() == 1
        assert window.nav.item(1).text() == "Requests  (1)"
    finally:
        clock.set_clock(lambda: TEST_NOW)


def test_the_sign_in_box_offers_only_this_towns_last_user(tmp_path):
    from desktop.ui.prefs import Prefs

    prefs = Prefs(tmp_path / "prefs.ini")
    prefs.set_last_user("/towns/alder.db", "ada.admin")
    prefs.set_last_user("/towns/birch.db", "bo.clerk")
    assert prefs.last_user("/towns/alder.db") == "ada.admin"
    assert prefs.last_user("/towns/birch.db") == "bo.clerk"
    assert prefs.last_user("/towns/cedar.db") == ""  # nobody from another town
    prefs.set_last_user("/towns/alder.db", "carla.clerk")
    assert prefs.last_user("/towns/alder.db") == "carla.clerk"
    assert prefs.last_user("postgresql://clerk:secret@host/town") == ""
    prefs.set_last_user("postgresql://clerk:secret@host/town", "ada.admin")
    prefs.sync()
    assert "secret" not in (tmp_path / "prefs.ini").read_text(encoding="utf-8")
