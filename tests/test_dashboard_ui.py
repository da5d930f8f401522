"""The Dashboard screen: its numbers are the core's, and a click on a number, a bar or a table
cell lists exactly as many requests in the Requests area."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from pypdf import PdfReader

from desktop.models import clock
from desktop.models.reports import goals
from desktop.models.requests.intake import log_question
from desktop.models.requests.listing import RequestList
from desktop.models.setup.demo import generate_demo
from desktop.models.storage.schema import FaqArticle
from desktop.ui.dashboard_page import GROUP_COLUMNS, DashboardPage, GoalsDialog
from desktop.ui.main_window import MainWindow
from desktop.ui.prefs import Prefs
from tests.conftest import TEST_NOW

pytestmark = pytest.mark.usefixtures("no_dialogs")


@pytest.fixture
def window(qtbot, db, tmp_path):
    generate_demo(900, seed=21, actor=None)
    goals.set_goal("pothole", 90, 3, actor=None)
    clock.set_clock(lambda: dt.datetime(2026, 10, 6, 11, 0))  # two questions, from an article
    article = FaqArticle.select().order_by(FaqArticle.id).first()
    log_question("", article_id=article.id, actor=None)
    log_question("", article_id=article.id, actor=None)
    clock.set_clock(lambda: TEST_NOW)
    shown = MainWindow(db, Prefs(tmp_path / "prefs.ini"), signed_in=lambda: None)
    qtbot.addWidget(shown)
    shown.resize(1300, 850)
    shown.show_page(4)
    page = shown.page(4)
    assert isinstance(page, DashboardPage)
    return shown, page


def choose(page: DashboardPage, label: str) -> None:
    page.period_choice.setCurrentIndex(page.period_choice.findText(label))


def listed(window: MainWindow) -> int:
    return window.requests_page.model.rowCount()


def test_the_tiles_show_the_cores_numbers_and_drill_down(window):
    main, page = window
    choose(page, "October 2026")
    board = page.board
    assert board is not None and board.period.label() == "October 2026"
    assert page.tiles["received"].value_text == f"{board.received.count:,}"
    assert page.tiles["open"].value_text == f"{board.backlog.count:,}"
    on_time, late = page.tiles["on_time"].parts
    assert (on_time.text(), late.text()) == (
        f"{board.resolved_on_time.on_time:,} on time",
        f"{board.resolved_on_time.late:,} late",
    )
    share = board.resolved_on_time
    assert share.drill_counted is not None  # every demo request has a due date
    for key, expected in (
        ("received", board.received.count),
        ("resolved", board.resolved.count),
        ("open", board.backlog.count),
        ("overdue", board.overdue.count),
        ("days", board.resolved.count),
        ("on_time", share.counted),  # the share lists what it is computed over
        ("on_time:on_time", share.on_time),
        ("on_time:late", share.late),
        ("acknowledged:on_time", board.acknowledged.on_time),
        ("acknowledged:late", board.acknowledged.late),
    ):
        main.show_page(4)
        assert page.drill_tile(key), key
        assert main.stack.currentIndex() == 1
        assert listed(main) == expected, key
        view = main.requests_page.view_choice.currentText()
        assert view.startswith("Dashboard:") and f"{expected:,}" in view, view
    drill = page.tile_drill("on_time")
    assert drill is not None and drill.title == (
        f"resolved in October 2026: {share.counted:,}, of which "
        f"{share.on_time / share.counted * 100:.0f} % on time"
    )
    main.show_page(4)
    acknowledged = board.acknowledged
    assert page.drill_tile("acknowledged")
    assert listed(main) == acknowledged.counted
    assert not page.drill_tile("questions")  # questions are not requests


def test_every_cell_lists_as_many_requests_as_it_shows(window):
    _main, page = window
    choose(page, "October 2026")
    board = page.board
    assert board is not None
    counts = ("received", "resolved", "late", "open")
    checked = 0
    for (name, row, col), drill in page._drills.items():
        table = getattr(page, name)
        shown = table.item(row, col).text()
        assert RequestList(drill.filters).count() == drill.count, (name, row, col)
        assert f"{drill.count:,}" in drill.title  # the view says how many it lists
        if name in ("departments", "types") and GROUP_COLUMNS[col] in counts:
            assert shown == f"{drill.count:,}", (name, row, col)
        if name in ("places", "clerks"):
            assert shown == f"{drill.count:,}"
        checked += 1
    groups = len(board.by_department) + len(board.by_type)
    assert checked >= 7 * groups  # every figure of every department and type
    first = board.by_department[0]
    on_time = page._drills["departments", 0, GROUP_COLUMNS.index("on_time")]
    assert on_time.count == first.on_time.counted
    assert on_time.title.startswith(f"{first.name}: resolved in October 2026: ")
    assert page.departments.item(0, GROUP_COLUMNS.index("p90")).text().endswith("days")


def test_the_page_scrolls_and_its_tables_do_not(window):
    _main, page = window
    choose(page, "October 2026")
    choose(page, "September 2026")
    board = page.board
    assert board is not None
    for table in (page.departments, page.types, page.goals, page.places, page.clerks):
        assert table.verticalScrollBar().maximum() == 0, table.objectName()
        assert table.height() >= table.rowCount() * table.rowHeight(0)
    # a chart keeps its two axes, refilled: axes taken away and added again leave their old
    # labels drawn under the new ones
    chart = page.channels
    assert set(chart.chart.axes()) == {chart.categories, chart.numbers}
    assert chart.categories.categories() == [bar.label for bar in board.by_channel]
    assert page.articles.rowCount() == max(1, len(board.questions_by_article))


def test_the_questions_answered_are_shown_by_article(window):
    _main, page = window
    choose(page, "October 2026")
    board = page.board
    assert board is not None
    first = board.questions_by_article[0]
    assert first.label != "(no article)" and first.count == max(
        b.count for b in board.questions_by_article if b.label != "(no article)"
    )
    assert (page.articles.item(0, 0).text(), page.articles.item(0, 1).text()) == (
        first.label,
        f"{first.count:,}",
    )
    assert page.articles.rowCount() == len(board.questions_by_article)
    assert sum(bar.count for bar in board.questions_by_article) <= board.questions.count


def test_bars_and_table_cells_drill_to_as_many_requests(window, qtbot):
    main, page = window
    choose(page, "October 2026")
    board = page.board
    assert board is not None
    channel = board.by_channel[0]
    series = page.channel_chart.series()[0]
    bar_set = series.barSets()[0]
    assert bar_set.count() == len(board.by_channel)
    bar_set.clicked.emit(0)  # as a click on the first bar
    assert listed(main) == channel.count
    view = main.requests_page.view_choice.currentText()
    assert view == f"Dashboard: {channel.label}: received in October 2026: {channel.count:,}"
    main.show_page(4)
    first = board.by_department[0]
    assert page.departments.item(0, 0).text() == first.name
    assert page.drill_cell("departments", 0, GROUP_COLUMNS.index("open"))
    assert listed(main) == first.backlog.count
    main.show_page(4)
    assert page.drill_cell("departments", 0, GROUP_COLUMNS.index("late"))
    assert listed(main) == first.on_time.late
    main.show_page(4)
    assert page.drill_cell("goals", 0, 1)
    assert listed(main) == board.goals[0].counted
    main.show_page(4)
    week = board.weekly[-1]
    weekly = page.weekly_chart.series()[0].barSets()[0]
    weekly.clicked.emit(len(board.weekly) - 1)
    assert listed(main) == week.count
    assert page.goals.item(0, 2).text() in ("met", "missed", "nothing resolved")


def test_goals_are_set_from_the_dialog(window, qtbot):
    _main, page = window
    dialog = GoalsDialog(page.staff, page)
    qtbot.addWidget(dialog)
    dialog.type.setCurrentIndex(dialog.type.findData("pothole"))  # its goal is shown to change
    assert (dialog.share.text(), dialog.within.value()) == ("90 %", 3)
    assert dialog.remove_button.isEnabled()
    dialog.type.setCurrentIndex(dialog.type.findData("graffiti"))
    assert not dialog.remove_button.isEnabled()
    dialog.within.setValue(16)
    dialog.unit.setCurrentIndex(dialog.unit.findData("business_hours"))
    dialog.share.setText("0.75")  # 0.75 % or 75 %? neither is guessed
    assert not dialog.save()
    assert "percentage from 1 to 100" in dialog.problem.text()
    assert "Graffiti" not in dialog.listing.text()
    dialog.share.setText("75%")
    assert dialog.save()
    assert dialog.problem.text() == ""
    assert "75 % of Graffiti resolved within 16 business hours" in dialog.listing.text()
    assert dialog.remove()
    assert "Graffiti" not in dialog.listing.text()


def test_the_council_report_is_previewed(window, qtbot):
    _main, page = window
    choose(page, "October 2026")
    job = page.council_report(show=False)
    assert job is not None
    with qtbot.waitSignal(job.ready, timeout=30000) as ready:
        pass
    dialog = ready.args[0]
    qtbot.addWidget(dialog)
    assert dialog.document.pageCount() >= 5
    assert (
        "Service report: October 2026" in PdfReader(io.BytesIO(dialog.pdf)).pages[0].extract_text()
    )


def test_a_clerk_does_not_get_the_dashboard(qtbot, db, tmp_path):
    from desktop.models.setup.first_run import complete_first_run
    from desktop.models.staff.members import create_staff

    admin = complete_first_run("Alder Falls", "Ada Admin", password="admin password 1")
    clerk = create_staff("Carla Clerk", "clerk", actor=admin)
    page = DashboardPage(lambda: clerk)
    qtbot.addWidget(page)
    assert not page.refresh()  # said in a message, nothing shown
    assert page.board is None


def test_the_periods_offered():
    from desktop.ui.dashboard_page import periods

    offered = periods(dt.date(2026, 3, 10))
    labels = [label for label, _period in offered]
    assert labels[:4] == ["This month so far", "Last 30 days", "Last 7 days", "This year so far"]
    assert labels[4:7] == ["February 2026", "January 2026", "December 2025"]
    assert offered[4][1].days == 28 and len(offered) == 4 + 24


def test_a_period_of_the_supervisors_own_dates(window):
    from desktop.models.reports import citistat

    main, page = window
    assert page.date_from.isHidden()
    choose(page, "Dates of my choosing")
    assert page.date_from.isVisibleTo(page) and page.date_to.isVisibleTo(page)
    page.choose_dates(dt.date(2026, 7, 1), dt.date(2026, 9, 30))  # a quarter
    board = page.board
    assert board is not None and board.period == citistat.Period(
        dt.date(2026, 7, 1), dt.date(2026, 9, 30)
    )
    expected = citistat.dashboard(board.period, actor=None)
    assert page.tiles["received"].value_text == f"{expected.received.count:,}"
    before = board.previous_period  # a quarter: the quarter before, as a council compares
    assert before == citistat.Period(dt.date(2026, 4, 1), dt.date(2026, 6, 30))
    assert "the same days of the month before" in page.heading.text()
    page.compare_choice.setCurrentIndex(page.compare_choice.findData("year"))
    assert page.board.previous_period == citistat.Period(dt.date(2025, 7, 1), dt.date(2025, 9, 30))
    assert "the same days last year" in page.heading.text()
    page.compare_choice.setCurrentIndex(page.compare_choice.findData("days"))
    days_before = page.board.previous_period
    assert days_before.end == dt.date(2026, 6, 30) and days_before.days == board.period.days
    page.compare_choice.setCurrentIndex(0)
    page.date_to.setDate(page.date_to.date().addYears(-1))  # typed the wrong way round
    assert page.board is not None and page.board.period.start == dt.date(2025, 9, 30)
    assert page.drill_tile("received")
    assert listed(main) == page.board.received.count
    choose(page, "October 2026")
    assert page.date_from.isHidden()


@pytest.mark.parametrize(
    ("largest", "labels"),
    [(0, [0, 1]), (1, [0, 1]), (3, [0, 1, 2, 3]), (7, [0, 2, 4, 6, 8]), (45_000, None)],
)
def test_a_count_axis_has_whole_numbers(largest, labels):
    from desktop.ui.dashboard_page import whole_number_axis

    top, step = whole_number_axis(largest)
    shown = list(range(0, top + 1, step))
    assert top >= largest and top // step + 1 <= 6
    if labels is not None:
        assert shown == labels


def test_the_council_report_is_counted_off_the_window_and_a_refusal_is_a_sentence(window, qtbot):
    _main, page = window
    job = page.council_report(month="2026-13", show=False)
    assert job is not None  # the month is read in the worker, not on the window's thread
    with qtbot.waitSignal(job.failed, timeout=30000) as failed:
        pass
    assert "2026-13" in failed.args[0]
