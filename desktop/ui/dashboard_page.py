"""The Dashboard: how the town serves in a period, against the period before (CitiStat).

Every number, bar and table cell opens the Requests list on exactly the requests behind it
(`drill_down`). The numbers are the core's (`citistat.dashboard`); this page only shows them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QChartView,
    QHorizontalBarSeries,
    QValueAxis,
)
from PySide6.QtCore import QDate, QMargins, QSignalBlocker, Qt, Signal
from PySide6.QtGui import QColor, QKeySequence, QPainter, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import _, when
from desktop.models import clock
from desktop.models.documents import gather as documents
from desktop.models.errors import KnownError
from desktop.models.geo import maps
from desktop.models.reports import citistat, goals
from desktop.models.reports.citistat import Bar, Dashboard, Period, Share
from desktop.models.reports.council import monthly_report
from desktop.models.requests.listing import RequestFilter
from desktop.models.requests.lookups import active_types
from desktop.models.staff import permissions
from desktop.models.storage.schema import StaffUser
from desktop.ui.day_edit import DayEdit
from desktop.ui.html import esc as escape
from desktop.ui.map_page import MapView
from desktop.ui.messages import messages

GOOD = "#1b7a3a"
BAD = "#b3261e"
GREY = "#666666"
#: the columns of the department and type tables
GROUP_COLUMNS = (
    "name",
    "received",
    "acknowledged",
    "resolved",
    "on_time",
    "late",
    "median",
    "p90",
    "open",
)


@dataclass(frozen=True)
class Drill:
    """What a number lists: the view's title, its filter (None: no list view selects exactly
    those requests) and how many requests that is; `tip` says what the number counts."""

    title: str
    filters: RequestFilter | None
    count: int
    tip: str = ""

    @classmethod
    def of(cls, bar: Bar, title: str) -> Drill:
        return cls(title, bar.drill, bar.count)


def received_title(period: str, n: int) -> str:
    return _("received in {period}: {n:,}").format(period=period, n=n)


def resolved_title(period: str, n: int) -> str:
    return _("resolved in {period}: {n:,}").format(period=period, n=n)


def share_drill(
    share: Share, period: str, title: str, tip: str, left_out: str, name: str = ""
) -> Drill:
    """A click on a share lists the requests it is computed over. `title` and `tip` are
    formats of {period}, {n} (counted), {pct} and {on}; `left_out` says which requests the
    share does not count."""
    values = {"period": period, "n": share.counted, "pct": _pct(share.value), "on": share.on_time}
    return Drill(
        (f"{name}: " if name else "") + title.format(**values),
        share.drill_counted,
        share.counted,
        f"{tip.format(**values)}. {left_out}.",
    )


def acknowledged_drill(share: Share, period: str, name: str = "") -> Drill:
    return share_drill(
        share,
        period,
        _("received in {period}: {n:,}, of which {pct} acknowledged on time"),
        _("{on:,} of {n:,} acknowledged on time"),
        _("Requests not yet acknowledged and not yet due to be are not counted"),
        name,
    )


def on_time_drill(share: Share, period: str, name: str = "") -> Drill:
    return share_drill(
        share,
        period,
        _("resolved in {period}: {n:,}, of which {pct} on time"),
        _("{on:,} of {n:,} resolved on time"),
        _("Requests with no due date are not counted"),
        name,
    )


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.0f} %"


def _days(value: float | None) -> str:
    return "–" if value is None else _("{n:.1f} days").format(n=value)


def _change(now: float | None, before: float | None, more_is_better: bool | None) -> str:
    """ "▲ 4 % on the period before" in rich text, green or red when better or worse is clear."""
    if now is None or before is None or before == 0:
        return ""
    delta = (now - before) / before
    if abs(delta) < 0.005:
        return f"<span style='color:{GREY}'>{_('same as before')}</span>"
    arrow = "▲" if delta > 0 else "▼"
    colour = GREY if more_is_better is None else (GOOD if (delta > 0) == more_is_better else BAD)
    return f"<span style='color:{colour}'>{arrow} {abs(delta) * 100:.0f} %</span>"


def periods(today: dt.date) -> list[tuple[str, Period]]:
    """The periods offered: recent spans, then the last 24 calendar months."""
    this_month = Period(today.replace(day=1), today)
    offered = [
        (_("This month so far"), this_month),
        (_("Last 30 days"), Period.last_days(30, today)),
        (_("Last 7 days"), Period.last_days(7, today)),
        (_("This year so far"), Period(today.replace(month=1, day=1), today)),
    ]
    first = today.replace(day=1)
    for _n in range(24):
        first = (first - dt.timedelta(days=1)).replace(day=1)
        month = Period.month(f"{first:%Y-%m}")
        offered.append((month.label(), month))
    return offered


class Tile(QPushButton):
    """One headline number: big, with the period before and the change; a click drills."""

    def __init__(self, title: str) -> None:
        super().__init__()
        self.setObjectName("tile")
        self.setFlat(True)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setMinimumHeight(86)
        self.title = title
        self.body = QLabel()
        self.body.setTextFormat(Qt.TextFormat.RichText)
        self.body.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.addWidget(self.body)
        self.setStyleSheet(
            "QPushButton#tile { border: 1px solid #c8c8c8; border-radius: 4px; "
            "background: white; text-align: left; } "
            "QPushButton#tile:hover { border-color: #3b6ea5; }"
        )
        self.value_text = ""
        self.parts: list[QPushButton] = []
        self._layout = layout

    def add_parts(self, count: int) -> list[QPushButton]:
        """Small buttons on the tile for the parts of its number ("114 on time", "16 late"):
        each lists its own requests, the tile itself the whole."""
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        for _n in range(count):
            part = QPushButton()
            part.setFlat(True)
            part.setCursor(Qt.CursorShape.PointingHandCursor)
            part.setStyleSheet(
                "QPushButton { color: #1f4e8c; text-decoration: underline; border: none; "
                "padding: 0; font-size: 8.5pt; text-align: left; }"
            )
            row.addWidget(part)
            self.parts.append(part)
        row.addStretch(1)
        self._layout.addLayout(row)
        return self.parts

    def show_value(
        self, value: str, before: str, change: str, tip: str = "", parts: tuple[str, ...] = ()
    ) -> None:
        self.value_text = value
        self.body.setText(
            f"<div style='color:{GREY}; font-size:9pt'>{self.title}</div>"
            f"<div style='font-size:20pt; font-weight:bold'>{value}</div>"
            f"<div style='font-size:8.5pt; color:{GREY}'>{before} {change}</div>"
        )
        self.setToolTip(tip)
        for button, text in zip(self.parts, parts, strict=False):
            button.setText(text)
        # a button does not grow for the layout inside it: as tall as what it holds
        self.setMinimumHeight(max(86, self._layout.sizeHint().height()))


def whole_number_axis(largest: int, most_ticks: int = 6) -> tuple[int, int]:
    """The top of a count axis and the step between its labels: whole numbers only, a step of
    1, 2 or 5 times a power of ten, at most `most_ticks` labels (a town with one open request
    read "1, 0, 0, 0, 0, 0": quarters printed as whole numbers)."""
    largest = max(int(largest), 1)
    step = 1
    while True:
        for factor in (1, 2, 5):
            candidate = step * factor
            top = -(-largest // candidate) * candidate
            if top // candidate + 1 <= most_ticks:
                return top, candidate
        step *= 10


class BarChart:
    """A QtCharts bar chart whose axes are made once and refilled: axes removed and added
    again on every refresh leave their old labels drawn over the new ones."""

    def __init__(self, title: str, horizontal: bool = False) -> None:
        self.chart = QChart()
        self.chart.setTitle(title)
        self.chart.legend().hide()
        self.chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
        self.chart.setMargins(QMargins(4, 4, 4, 4))
        self.view = QChartView(self.chart)
        self.view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.view.setMinimumHeight(230)
        self.horizontal = horizontal
        self.categories = QBarCategoryAxis()
        self.categories.setTruncateLabels(False)  # a type's whole name, not "Bulk…"
        self.numbers = QValueAxis()
        self.numbers.setLabelFormat("%d")
        self.chart.addAxis(
            self.categories,
            Qt.AlignmentFlag.AlignLeft if horizontal else Qt.AlignmentFlag.AlignBottom,
        )
        self.chart.addAxis(
            self.numbers,
            Qt.AlignmentFlag.AlignBottom if horizontal else Qt.AlignmentFlag.AlignLeft,
        )
        self.shown: list[Bar] = []
        self.clicked: Callable[[list[Bar], int], object] = lambda _bars, _index: None

    def show(self, bars: list[Bar], *, every: int = 1) -> None:
        """Bars for these counts; every `every`-th label shown. A click on a bar calls
        `clicked(bars, index)`."""
        self.chart.removeAllSeries()
        values = QBarSet(self.chart.title())
        values.setColor(QColor("#3b6ea5"))
        for bar in bars:
            values.append(bar.count)
        series: QBarSeries | QHorizontalBarSeries = (
            QHorizontalBarSeries() if self.horizontal else QBarSeries()
        )
        series.append(values)
        series.setBarWidth(0.8)
        self.chart.addSeries(series)
        self.categories.clear()
        self.categories.append(
            # the other labels are invisible but unique (the axis merges equal names)
            [bar.label if i % every == 0 else "\u200b" * (i + 1) for i, bar in enumerate(bars)]
            or [""]
        )
        self.categories.setLabelsAngle(-90 if every > 1 else 0)
        top, step = whole_number_axis(max([bar.count for bar in bars] + [1]))
        self.numbers.setRange(0, top)
        self.numbers.setTickCount(top // step + 1)
        series.attachAxis(self.categories)
        series.attachAxis(self.numbers)
        self.shown = list(bars)
        values.clicked.connect(lambda index: self.clicked(self.shown, index))
        values.hovered.connect(
            lambda state, index: self.chart.setToolTip(
                f"{self.shown[index].label}: {self.shown[index].count:,}" if state else ""
            )
        )


class DashboardPage(QWidget):
    """Numbers, charts and tables for a period; a click on any of them shows its requests."""

    #: the title of the requests shown, and the filter that lists exactly them
    drill_down = Signal(str, object)
    #: a request clicked on the period's map (its tracking number)
    open_request = Signal(str)

    def __init__(self, staff: Callable[[], StaffUser | None]) -> None:
        super().__init__()
        self.staff = staff
        self.board: Dashboard | None = None
        self.period_choice = QComboBox()
        self.period_choice.setObjectName("dashboardPeriod")
        self.periods = periods(clock.today())
        for label, _period in self.periods:
            self.period_choice.addItem(label)
        self.period_choice.addItem(_("Dates of my choosing"))  # the last: From … to …
        today = clock.today()
        self.date_from, self.date_to = DayEdit(), DayEdit()
        for edit, day in (
            (self.date_from, today.replace(day=1)),
            (self.date_to, today),
        ):
            edit.setKeyboardTracking(False)  # one refresh for a typed date, not one a digit
            edit.setDateRange(QDate(clock.FIRST_YEAR, 1, 1), QDate(clock.LAST_YEAR, 12, 31))
            edit.setDate(QDate(day.year, day.month, day.day))
            edit.setVisible(False)
            edit.dateChanged.connect(lambda _d: self._dates_changed())
        self.date_from.setObjectName("dashboardFrom")
        self.date_to.setObjectName("dashboardTo")
        self.period_choice.currentIndexChanged.connect(lambda _i: self._period_chosen())
        self.compare_choice = QComboBox()
        self.compare_choice.setObjectName("dashboardCompare")
        self.compare_choice.addItem(_("as a council would"), "")
        for key, label in citistat.comparisons().items():
            self.compare_choice.addItem(label, key)
        self.compare_choice.setToolTip(
            _(
                "What the period is compared with. As a council would: a month (or the month so "
                "far) with the same days of the month before, a year so far with the same days "
                "last year."
            )
        )
        self.compare_choice.currentIndexChanged.connect(lambda _i: self.refresh())
        self.refresh_button = QPushButton(_("Refresh (F5)"))
        self.refresh_button.clicked.connect(lambda _c=False: self.refresh())
        self.goals_button = QPushButton(_("Goals…"))
        self.goals_button.clicked.connect(lambda _c=False: self.edit_goals())
        self.report_button = QPushButton(_("Council report…"))
        self.report_button.setToolTip(_("The monthly report for the council, with a preview"))
        self.report_button.clicked.connect(lambda _c=False: self.council_report())
        self.heading = QLabel()
        self.heading.setTextFormat(Qt.TextFormat.RichText)
        top = QHBoxLayout()
        top.addWidget(QLabel(_("Period:")))
        top.addWidget(self.period_choice)
        top.addWidget(self.date_from)
        self.dates_to_label = QLabel(_("to"))
        self.dates_to_label.setVisible(False)
        top.addWidget(self.dates_to_label)
        top.addWidget(self.date_to)
        top.addWidget(QLabel(_("compared with")))
        top.addWidget(self.compare_choice)
        top.addWidget(self.refresh_button)
        top.addStretch(1)
        top.addWidget(self.goals_button)
        top.addWidget(self.report_button)

        self.tiles: dict[str, Tile] = {}
        tiles = QGridLayout()
        for n, (key, title) in enumerate(
            (
                ("received", _("Requests received")),
                ("questions", _("Questions answered")),
                ("resolved", _("Requests resolved")),
                ("open", _("Open now / at the end")),
                ("overdue", _("Overdue")),
                ("acknowledged", _("Acknowledged on time")),
                ("on_time", _("Resolved on time")),
                ("days", _("Days to resolve (median, 90 %)")),
            )
        ):
            tile = Tile(title)
            tile.setObjectName(f"tile_{key}")
            tile.setStyleSheet(tile.styleSheet().replace("#tile", f"#tile_{key}"))
            tile.clicked.connect(lambda _c=False, k=key: self.drill_tile(k))
            if key in ("acknowledged", "on_time"):  # the share's two parts, each its own list
                on_time, late = tile.add_parts(2)
                on_time.clicked.connect(lambda _c=False, k=key: self.drill_tile(f"{k}:on_time"))
                late.clicked.connect(lambda _c=False, k=key: self.drill_tile(f"{k}:late"))
            self.tiles[key] = tile
            tiles.addWidget(tile, n // 4, n % 4)
        for n in range(4):
            tiles.setColumnStretch(n, 1)  # four tiles a row, as wide as each other

        self.weekly = BarChart(_("Requests received per week"))
        self.channels = BarChart(_("Received by channel"))
        self.ageing = BarChart(_("Open requests by age"))
        self.top_types = BarChart(_("Most requested types"), horizontal=True)
        self.top_types.view.setMinimumHeight(300)
        self.weekly.clicked = lambda bars, i: self._drill_bar(
            bars, i, _("received in the week from {label}: {n:,}")
        )
        self.channels.clicked = lambda bars, i: self._drill_bar(
            bars, i, _("{label}: received in {period}: {n:,}")
        )
        self.ageing.clicked = lambda bars, i: self._drill_bar(
            bars, i, _("open at {when}, {label} old: {n:,}")
        )
        self.top_types.clicked = lambda bars, i: self._drill_bar(
            bars, i, _("{label}: received in {period}: {n:,}")
        )
        self.weekly_chart, self.channel_chart = self.weekly.chart, self.channels.chart
        charts = QGridLayout()
        charts.addWidget(self.weekly.view, 0, 0, 1, 2)
        charts.addWidget(self.channels.view, 1, 0)
        charts.addWidget(self.ageing.view, 1, 1)
        charts.addWidget(self.top_types.view, 2, 0, 1, 2)
        self.map = MapView()
        self.map.setMinimumHeight(380)
        self.map.clicked_request.connect(self.open_request)
        self.map.problem.connect(lambda exc: messages.error(self, exc))
        self.map_box = QGroupBox(_("Where the period's requests were"))
        self.map_box.setObjectName("box_map")
        QVBoxLayout(self.map_box).addWidget(self.map)
        charts.addWidget(self.map_box, 3, 0, 1, 2)

        figures = [
            _("Received"),
            _("Acknowledged on time"),
            _("Resolved"),
            _("On time"),
            _("Late"),
            _("Median"),
            _("90 % within"),
            _("Open"),
        ]
        self.departments = self._table("departments", [_("Department"), *figures])
        self.types = self._table("types", [_("Type"), *figures])
        self.types.setColumnHidden(GROUP_COLUMNS.index("open"), True)  # open: per department
        self.goals = self._table("goals", [_("Goal"), _("Result"), _("Met?"), _("Before")])
        self.articles = self._table("articles", [_("Article"), _("Questions")])
        self.places = self._table("places", [_("Place"), _("Requests")])
        self.clerks = self._table("clerks", [_("Logged by"), _("Requests")])
        #: (table, row, column): the view's title, its filter and how many it lists
        self._drills: dict[tuple[str, int, int], Drill] = {}
        tables = QGridLayout()
        for n, (title, table, span) in enumerate(
            (
                (_("By department"), self.departments, 2),
                (_("By type (the most requested)"), self.types, 2),
                (_("Goals"), self.goals, 1),
                (_("Questions answered, by the article that answered them"), self.articles, 1),
                (_("Repeat locations"), self.places, 1),
                (_("Workload per clerk"), self.clerks, 1),
            )
        ):
            box = QGroupBox(title)
            box.setObjectName(f"box_{table.objectName()}")
            inside = QVBoxLayout(box)
            inside.addWidget(table)
            inside.addStretch(1)  # a short table beside a long one stays at the top
            row = (n // 2) + 1 if n >= 2 else n
            tables.addWidget(box, row, (n % 2) if span == 1 else 0, 1, span)
        tables.setRowStretch(tables.rowCount(), 1)

        inner = QWidget()
        column = QVBoxLayout(inner)
        column.addWidget(self.heading)
        column.addLayout(tiles)
        column.addLayout(charts)
        column.addLayout(tables)
        column.addStretch(1)
        scroll = QScrollArea()
        scroll.setObjectName("dashboardScroll")
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(scroll, 1)
        QShortcut(QKeySequence(Qt.Key.Key_F5), self, self.refresh)

    def _table(self, name: str, headers: list[str]) -> QTableWidget:
        table = QTableWidget(0, len(headers))
        table.setObjectName(name)
        table.setHorizontalHeaderLabels(headers)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.verticalHeader().setVisible(False)
        table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 10)
        table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        # the page scrolls, not each table: a table is as tall as its rows
        table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        table.cellClicked.connect(lambda row, col, n=name: self.drill_cell(n, row, col))
        return table

    @staticmethod
    def _fit(table: QTableWidget) -> None:
        """Columns to their contents (the name's column takes the rest), and the table exactly
        as tall as its rows."""
        table.resizeColumnsToContents()
        table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        rows = sum(table.rowHeight(row) for row in range(table.rowCount()))
        table.setFixedHeight(table.horizontalHeader().height() + rows + 2 * table.frameWidth())

    # -- reading ----------------------------------------------------------------------------

    @property
    def period(self) -> Period:
        index = max(self.period_choice.currentIndex(), 0)
        if index < len(self.periods):
            return self.periods[index][1]
        start: dt.date = self.date_from.date().toPython()  # type: ignore[assignment]
        end: dt.date = self.date_to.date().toPython()  # type: ignore[assignment]
        return Period(min(start, end), max(start, end))  # typed the wrong way round: swapped

    def choose_dates(self, start: dt.date, end: dt.date) -> None:
        """Show the dashboard for the days from `start` to `end`."""
        with QSignalBlocker(self.date_from), QSignalBlocker(self.date_to):
            self.date_from.setDate(QDate(start.year, start.month, start.day))
            self.date_to.setDate(QDate(end.year, end.month, end.day))
        if self.period_choice.currentIndex() == len(self.periods):
            self.refresh()
        else:
            self.period_choice.setCurrentIndex(len(self.periods))

    def _period_chosen(self) -> None:
        chosen = self.period_choice.currentIndex() == len(self.periods)
        for widget in (self.date_from, self.dates_to_label, self.date_to):
            widget.setVisible(chosen)
        self.refresh()

    def _dates_changed(self) -> None:
        if self.period_choice.currentIndex() == len(self.periods):
            self.refresh()

    def focus_default(self) -> None:
        """The keyboard lands on the period: Up and Down choose another."""
        self.period_choice.setFocus()

    def load(self) -> None:
        self.goals_button.setVisible(permissions.can(self.staff(), permissions.GOALS_EDIT))
        self.refresh()

    def refresh(self) -> bool:
        try:
            board = citistat.dashboard(
                self.period, actor=self.staff(), compare=self.compare_choice.currentData() or ""
            )
        except KnownError as exc:
            messages.error(self, exc)
            return False
        self.board = board
        self._show(board)
        self._show_map(board)
        return True

    # -- showing ----------------------------------------------------------------------------

    def _show_map(self, b: Dashboard) -> None:
        """The period's requests on the town's streets (hidden when there is nothing to draw)."""
        try:
            data = maps.requests_map(
                RequestFilter(received_from=b.period.start, received_to=b.period.end),
                title="",
                whole_town=True,
            )
        except KnownError:
            self.map_box.setVisible(False)
            return
        self.map_box.setVisible(bool(data.points))
        if data.points:
            self.map.tiles, _problem = maps.background()  # the Map page says a problem
            self.map.show_map(data)

    def _show(self, b: Dashboard) -> None:
        self.heading.setText(
            f"<b style='font-size:13pt'>{escape(b.period.label())}</b>"
            f"<span style='color:{GREY}'>  "
            + escape(
                _("against {before} ({which}); open and overdue as of {when}").format(
                    before=b.previous_period.label(),
                    which=citistat.comparisons().get(b.comparison, b.comparison),
                    when=when(b.as_of, "%d %b %Y %H:%M"),
                )
            )
            + "</span>"
        )
        before = _("before: {n}")

        def count(key: str, bar: Bar, more_is_better: bool | None) -> None:
            self.tiles[key].show_value(
                f"{bar.count:,}",
                before.format(n=f"{bar.previous or 0:,}") if bar.previous is not None else "",
                _change(bar.count, bar.previous, more_is_better),
            )

        count("received", b.received, None)
        count("questions", b.questions, None)
        count("resolved", b.resolved, True)
        count("open", b.backlog, False)
        count("overdue", b.overdue, False)

        def share(key: str, now: Share, then: Share) -> None:
            self.tiles[key].show_value(
                _pct(now.value),
                before.format(n=_pct(then.value)),
                _change(now.value, then.value, True),
                _("{on:,} of {n:,}").format(on=now.on_time, n=now.counted),
                parts=(
                    _("{n:,} on time").format(n=now.on_time),
                    _("{n:,} late").format(n=now.late),
                ),
            )

        share("acknowledged", b.acknowledged, b.acknowledged_before)
        share("on_time", b.resolved_on_time, b.resolved_on_time_before)
        median = "–" if b.median_days is None else f"{b.median_days:.1f}"
        p90 = "–" if b.p90_days is None else f"{b.p90_days:.1f}"
        self.tiles["days"].show_value(
            f"{median} / {p90}",
            before.format(n=_days(b.median_days_before)),
            _change(b.median_days, b.median_days_before, False),
        )
        self.weekly.show(b.weekly, every=4)
        self.channels.show(b.by_channel)
        self.ageing.show(b.ageing)
        self.top_types.show(list(reversed(b.top_types)))  # the most requested at the top
        self._drills.clear()
        self._groups(self.departments, b.by_department)
        self._groups(self.types, b.by_type)
        self._goal_rows(b)
        self._rows(self.articles, b.questions_by_article, _("No questions in this period."))
        self._rows(
            self.places,
            b.repeat_addresses + b.repeat_blocks,
            _("No repeat locations."),
            _("{label}: received in {period}: {n:,}"),
        )
        self._rows(
            self.clerks,
            b.per_clerk,
            _("No requests in this period."),
            _("logged by {label} in {period}: {n:,}"),
        )

    def _cell(
        self, table: QTableWidget, row: int, col: int, text: str, drill: Drill | None = None
    ) -> None:
        item = QTableWidgetItem(text)
        if col > 0:
            item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if drill is not None and drill.filters is not None:
            self._drills[(table.objectName(), row, col)] = drill
            item.setToolTip(drill.tip or _("Click to list these requests"))
            item.setForeground(QColor("#1f4e8c"))
        elif drill is not None and drill.tip:
            item.setToolTip(drill.tip)
        table.setItem(row, col, item)

    def _groups(self, table: QTableWidget, groups: list[citistat.GroupRow]) -> None:
        assert self.board is not None
        period = self.board.period.label()
        table.setRowCount(len(groups))
        column = GROUP_COLUMNS.index
        for row, g in enumerate(groups):
            name = g.name
            self._cell(table, row, 0, name)
            self._cell(
                table,
                row,
                column("received"),
                f"{g.received.count:,}",
                Drill.of(g.received, f"{name}: " + received_title(period, g.received.count)),
            )
            self._cell(
                table,
                row,
                column("acknowledged"),
                _pct(g.acknowledged.value),
                acknowledged_drill(g.acknowledged, period, name),
            )
            self._cell(
                table,
                row,
                column("resolved"),
                f"{g.resolved.count:,}",
                Drill.of(g.resolved, f"{name}: " + resolved_title(period, g.resolved.count)),
            )
            self._cell(
                table,
                row,
                column("on_time"),
                _pct(g.on_time.value),
                on_time_drill(g.on_time, period, name),
            )
            self._cell(
                table,
                row,
                column("late"),
                f"{g.on_time.late:,}",
                Drill(
                    f"{name}: "
                    + _("resolved late in {period}: {n:,} of {total:,}").format(
                        period=when, n=g.on_time.late, total=g.on_time.counted
                    ),
                    g.on_time.drill_late,
                    g.on_time.late,
                ),
            )
            # the times are those of the requests resolved: a click lists them
            for key, days in (("median", g.median_days), ("p90", g.p90_days)):
                self._cell(
                    table,
                    row,
                    column(key),
                    _days(days),
                    Drill.of(g.resolved, f"{name}: " + resolved_title(period, g.resolved.count)),
                )
            self._cell(
                table,
                row,
                column("open"),
                f"{g.backlog.count:,}",
                Drill.of(
                    g.backlog,
                    f"{name}: "
                    + _("open at {when}: {n:,}").format(
                        when=when(self.board.as_of, "%d %b %Y %H:%M"), n=g.backlog.count
                    ),
                ),
            )
        self._fit(table)

    def _goal_rows(self, b: Dashboard) -> None:
        self.goals.setRowCount(len(b.goals))
        for row, result in enumerate(b.goals):
            self._cell(self.goals, row, 0, result.goal.sentence())
            self._cell(
                self.goals,
                row,
                1,
                _("{pct} ({met} of {n})").format(
                    pct=_pct(result.share), met=result.met, n=result.counted
                ),
                Drill(
                    _("{goal}: resolved in {period}: {n:,}").format(
                        goal=result.goal.sentence(), period=b.period.label(), n=result.counted
                    ),
                    result.drill,
                    result.counted,
                ),
            )
            verdict = {True: _("met"), False: _("missed"), None: _("nothing resolved")}[result.ok]
            item = QTableWidgetItem(verdict)
            if result.ok is not None:
                item.setBackground(QColor("#d8efdf" if result.ok else "#f6d5d2"))
                item.setForeground(QColor(GOOD if result.ok else BAD))
            self.goals.setItem(row, 2, item)
            trend = ""
            if result.previous_share is not None and result.share is not None:
                trend = (
                    " ▲"
                    if result.share > result.previous_share
                    else (" ▼" if result.share < result.previous_share else "")
                )
            self._cell(self.goals, row, 3, _pct(result.previous_share) + trend)
        if not b.goals:
            self.goals.setRowCount(1)
            self.goals.setItem(
                0, 0, QTableWidgetItem(_("No goals yet: a supervisor sets them (Goals…)."))
            )
        self._fit(self.goals)

    def _rows(self, table: QTableWidget, bars: list[Bar], nothing: str, title: str = "") -> None:
        """Named counts; `title` says what a count's list is ("{label}: received in {period}:
        {n:,}")."""
        table.setRowCount(len(bars))
        for row, bar in enumerate(bars):
            self._cell(table, row, 0, bar.label)
            self._cell(table, row, 1, f"{bar.count:,}", Drill.of(bar, self._title(title, bar)))
        if not bars:
            table.setRowCount(1)
            table.setItem(0, 0, QTableWidgetItem(nothing))
        self._fit(table)

    # -- drilling down ------------------------------------------------------------------------

    def _emit(self, title: str, filters: RequestFilter | None) -> bool:
        if filters is None:
            return False
        self.drill_down.emit(_("Dashboard: {what}").format(what=title), filters)
        return True

    def tile_drill(self, key: str) -> Drill | None:
        """What a tile (or one of its parts, "on_time:late") lists; None for questions."""
        b = self.board
        if b is None:
            return None
        period = b.period.label()
        moment = when(b.as_of, "%d %b %Y %H:%M")
        n_resolved = b.resolved.count
        days = _("resolved in {period}: {n:,} (median {median}, 90 % within {p90})").format(
            period=period, n=n_resolved, median=_days(b.median_days), p90=_days(b.p90_days)
        )
        found = {
            "received": Drill.of(b.received, received_title(period, b.received.count)),
            "resolved": Drill.of(b.resolved, resolved_title(period, n_resolved)),
            "open": Drill.of(
                b.backlog, _("open at {when}: {n:,}").format(when=moment, n=b.backlog.count)
            ),
            "overdue": Drill.of(
                b.overdue, _("overdue at {when}: {n:,}").format(when=moment, n=b.overdue.count)
            ),
            "days": Drill.of(b.resolved, days),
            "acknowledged": acknowledged_drill(b.acknowledged, period),
            "acknowledged:on_time": Drill(
                _("acknowledged on time, received in {period}: {n:,} of {total:,}").format(
                    period=period, n=b.acknowledged.on_time, total=b.acknowledged.counted
                ),
                b.acknowledged.drill_on_time,
                b.acknowledged.on_time,
            ),
            "acknowledged:late": Drill(
                _("acknowledged late, received in {period}: {n:,} of {total:,}").format(
                    period=period, n=b.acknowledged.late, total=b.acknowledged.counted
                ),
                b.acknowledged.drill_late,
                b.acknowledged.late,
            ),
            "on_time": on_time_drill(b.resolved_on_time, period),
            "on_time:on_time": Drill(
                _("resolved on time in {period}: {n:,} of {total:,}").format(
                    period=period, n=b.resolved_on_time.on_time, total=b.resolved_on_time.counted
                ),
                b.resolved_on_time.drill_on_time,
                b.resolved_on_time.on_time,
            ),
            "on_time:late": Drill(
                _("resolved late in {period}: {n:,} of {total:,}").format(
                    period=period, n=b.resolved_on_time.late, total=b.resolved_on_time.counted
                ),
                b.resolved_on_time.drill_late,
                b.resolved_on_time.late,
            ),
        }
        return found.get(key)

    def drill_tile(self, key: str) -> bool:
        if self.board is None:
            return False
        if key == "questions":  # questions are not requests: nothing to list
            messages.info(
                self,
                _("Questions answered"),
                _(
                    "Questions answered are not requests; the table “Questions answered, by "
                    "the article that answered them” below counts them, and the Knowledge "
                    "base shows the articles."
                ),
            )
            return False
        drill = self.tile_drill(key)
        if drill is None:
            return False
        if drill.filters is None:  # no list view selects exactly these requests
            messages.info(self, self.tiles[key.partition(":")[0]].title, drill.tip)
            return False
        return self._emit(drill.title, drill.filters)

    def _title(self, title: str, bar: Bar) -> str:
        b = self.board
        if b is None:
            return bar.label
        return title.format(
            label=bar.label,
            n=bar.count,
            period=b.period.label(),
            when=when(b.as_of, "%d %b %Y %H:%M"),
        )

    def _drill_bar(self, bars: list[Bar], index: int, title: str = "{label}: {n:,}") -> bool:
        if not 0 <= index < len(bars):
            return False
        return self._emit(self._title(title, bars[index]), bars[index].drill)

    def drill_cell(self, table: str, row: int, col: int) -> bool:
        found = self._drills.get((table, row, col))
        return self._emit(found.title, found.filters) if found else False

    # -- goals and the council report ---------------------------------------------------------

    def edit_goals(self) -> QDialog:
        dialog = GoalsDialog(self.staff, self)
        dialog.finished.connect(lambda _r: self.refresh())
        dialog.open()
        return dialog

    def council_report(self, month: str | None = None, **options: Any) -> Any:
        """Preview (and print or save) the council report of the chosen month, or of the
        last whole month when a span is chosen."""
        from desktop.printing.council_report import build_council_report
        from desktop.ui.print_preview import PrintJob

        period = self.period
        if month is None:
            if period.start.day != 1 or period.end.day < 28 or period.end >= clock.today():
                period = Period(clock.today().replace(day=1), clock.today()).previous()
            month = f"{period.start:%Y-%m}"
        actor = self.staff()

        def build() -> bytes:  # a month of a big town is seconds of counting: off the window
            return build_council_report(monthly_report(month, actor=actor), documents.page_setup())

        return PrintJob(
            self,
            _("Council report"),
            build,
            lambda: None,
            suggested_name=f"council-report-{month}.pdf",
            **options,
        )


class GoalsDialog(QDialog):
    """The service goals: choose a type, the share and the time; save or remove."""

    def __init__(
        self, staff: Callable[[], StaffUser | None], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)

        self.staff = staff
        self.setWindowTitle(_("Service goals"))
        self.type = QComboBox()
        self.type.setObjectName("goalType")
        #: each active type's id by its code (the goals are kept by type id)
        self.type_ids: dict[str, int] = {}
        for kind in sorted(active_types(), key=lambda k: k.name.casefold()):
            self.type.addItem(kind.name, kind.code)
            self.type_ids[kind.code] = kind.id
        # typed, not spun: "0.95" in a whole-number spin box would silently become 95 or 1;
        # the core reads "95" or "95 %" and says plainly what else it cannot take
        self.share = QLineEdit("90 %")
        self.share.setObjectName("goalShare")
        self.share.setPlaceholderText(_("a percentage, e.g. 95 %"))
        self.share.setToolTip(_("A percentage from 1 to 100: 95 or 95 %"))
        self.within = QSpinBox()
        self.within.setRange(1, 1000)
        self.within.setValue(3)
        self.unit = QComboBox()
        self.unit.addItem(_("business days"), "business_days")
        self.unit.addItem(_("business hours"), "business_hours")
        self.listing = QLabel()
        self.listing.setWordWrap(True)
        self.problem = QLabel()
        self.problem.setStyleSheet(f"color: {BAD}")
        self.problem.setWordWrap(True)
        within = QHBoxLayout()
        within.addWidget(self.within)
        within.addWidget(self.unit)
        form = QFormLayout()
        form.addRow(_("Request type:"), self.type)
        form.addRow(_("Share resolved in time (%):"), self.share)
        form.addRow(_("Within:"), within)
        buttons = QDialogButtonBox()
        self.save_button = buttons.addButton(_("Save goal"), QDialogButtonBox.ButtonRole.ApplyRole)
        self.remove_button = buttons.addButton(
            _("Remove goal"), QDialogButtonBox.ButtonRole.DestructiveRole
        )
        close = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.save_button.clicked.connect(lambda _c=False: self.save())
        self.remove_button.clicked.connect(lambda _c=False: self.remove())
        close.clicked.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(self.listing)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)
        self.setMinimumWidth(460)
        self.type.currentIndexChanged.connect(lambda _i: self._show_goal())
        self._list()
        self._show_goal()

    def _show_goal(self) -> None:
        """The chosen type's goal in the fields, when it has one, to change it."""
        try:
            found = {goal.service_type_id: goal for goal in goals.goals()}
        except KnownError:
            return
        type_id = self.type_ids.get(str(self.type.currentData()))
        goal = found.get(type_id) if type_id is not None else None
        self.remove_button.setEnabled(goal is not None)
        if goal is not None:
            self.share.setText(f"{round(goal.share * 100, 1):g} %")
            self.within.setValue(goal.within_amount)
            self.unit.setCurrentIndex(self.unit.findData(goal.within_unit))

    def _list(self) -> None:
        try:
            found = goals.goals()
        except KnownError as exc:
            self.problem.setText(str(exc))
            return
        self.listing.setText(
            "<br>".join(goal.sentence() for goal in found) or _("No goals are set yet.")
        )

    def save(self) -> bool:
        return self._run(
            lambda: goals.set_goal(
                str(self.type.currentData()),
                self.share.text(),
                self.within.value(),
                str(self.unit.currentData()),
                actor=self.staff(),
            )
        )

    def remove(self) -> bool:
        return self._run(
            lambda: goals.remove_goal(str(self.type.currentData()), actor=self.staff())
        )

    def _run(self, action: Callable[[], object]) -> bool:
        """Do it; a refusal or a mistake is said beside the form, which keeps what was chosen."""
        try:
            action()
        except KnownError as exc:
            self.problem.setText(str(exc))
            return False
        self.problem.clear()
        self._list()
        self._show_goal()
        return True
