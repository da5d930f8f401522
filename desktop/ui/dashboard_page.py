"""The Dashboard: how the town serves in a period, against the period before (CitiStat).

Every number, bar and table cell opens the Requests list on exactly the requests behind it
(`drill_down`). The numbers are the core's (`citistat.dashboard`); this page only shows them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
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
from PySide6.QtCore import QMargins, Qt, Signal
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

from desktop.i18n import _
from desktop.models import citistat, clock, goals, permissions
from desktop.models.citistat import Bar, Dashboard, Period, Share
from desktop.models.errors import KnownError
from desktop.models.request_list import RequestFilter
from desktop.ui.messages import messages

GOOD = "#1b7a3a"
BAD = "#b3261e"
GREY = "#666666"


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

    def show_value(self, value: str, before: str, change: str, tip: str = "") -> None:
        self.value_text = value
        self.body.setText(
            f"<div style='color:{GREY}; font-size:9pt'>{self.title}</div>"
            f"<div style='font-size:20pt; font-weight:bold'>{value}</div>"
            f"<div style='font-size:8.5pt; color:{GREY}'>{before} {change}</div>"
        )
        self.setToolTip(tip)


def _bar_chart(title: str, horizontal: bool = False) -> tuple[QChartView, QChart]:
    chart = QChart()
    chart.setTitle(title)
    chart.legend().hide()
    chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
    chart.setMargins(QMargins(4, 4, 4, 4))
    view = QChartView(chart)
    view.setRenderHint(QPainter.RenderHint.Antialiasing)
    view.setMinimumHeight(230)
    view.setProperty("horizontal", horizontal)
    return view, chart


class DashboardPage(QWidget):
    """Numbers, charts and tables for a period; a click on any of them shows its requests."""

    #: the title of the requests shown, and the filter that lists exactly them
    drill_down = Signal(str, object)

    def __init__(self, staff: Callable[[], Any] = lambda: None) -> None:
        super().__init__()
        self.staff = staff
        self.board: Dashboard | None = None
        self.period_choice = QComboBox()
        self.period_choice.setObjectName("dashboardPeriod")
        self.periods = periods(clock.today())
        for label, _period in self.periods:
            self.period_choice.addItem(label)
        self.period_choice.currentIndexChanged.connect(lambda _i: self.refresh())
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
            self.tiles[key] = tile
            tiles.addWidget(tile, n // 4, n % 4)

        self.weekly_view, self.weekly_chart = _bar_chart(_("Requests received per week"))
        self.channel_view, self.channel_chart = _bar_chart(_("Received by channel"))
        self.ageing_view, self.ageing_chart = _bar_chart(_("Open requests by age"))
        self.types_view, self.types_chart = _bar_chart(_("Most requested types"), True)
        self.types_view.setMinimumHeight(300)
        charts = QGridLayout()
        charts.addWidget(self.weekly_view, 0, 0, 1, 2)
        charts.addWidget(self.channel_view, 1, 0)
        charts.addWidget(self.ageing_view, 1, 1)
        charts.addWidget(self.types_view, 2, 0, 1, 2)

        self.departments = self._table(
            "departments",
            [
                _("Department"),
                _("Received"),
                _("Resolved"),
                _("On time"),
                _("Late"),
                _("Median"),
                _("Open"),
            ],
        )
        self.types = self._table(
            "types",
            [_("Type"), _("Received"), _("Resolved"), _("On time"), _("Late"), _("Median"), _("")],
        )
        self.types.setColumnHidden(6, True)
        self.goals = self._table("goals", [_("Goal"), _("Result"), _("Met?"), _("Before")])
        self.places = self._table("places", [_("Place"), _("Requests")])
        self.clerks = self._table("clerks", [_("Logged by"), _("Requests")])
        self._drills: dict[tuple[str, int, int], tuple[str, RequestFilter]] = {}
        tables = QGridLayout()
        for n, (title, table) in enumerate(
            (
                (_("By department"), self.departments),
                (_("By type"), self.types),
                (_("Goals"), self.goals),
                (_("Repeat locations"), self.places),
                (_("Workload per clerk"), self.clerks),
            )
        ):
            box = QGroupBox(title)
            QVBoxLayout(box).addWidget(table)
            tables.addWidget(box, n // 2, n % 2)

        inner = QWidget()
        column = QVBoxLayout(inner)
        column.addWidget(self.heading)
        column.addLayout(tiles)
        column.addLayout(charts)
        column.addLayout(tables)
        scroll = QScrollArea()
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
        table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        table.setMinimumHeight(220)
        table.cellClicked.connect(lambda row, col, n=name: self.drill_cell(n, row, col))
        return table

    # -- reading ----------------------------------------------------------------------------

    @property
    def period(self) -> Period:
        return self.periods[max(self.period_choice.currentIndex(), 0)][1]

    def load(self) -> None:
        self.goals_button.setVisible(permissions.can(self.staff(), permissions.GOALS_EDIT))
        self.refresh()

    def refresh(self) -> bool:
        try:
            board = citistat.dashboard(self.period, actor=self.staff())
        except KnownError as exc:
            messages.error(self, exc)
            return False
        self.board = board
        self._show(board)
        return True

    # -- showing ----------------------------------------------------------------------------

    def _show(self, b: Dashboard) -> None:
        self.heading.setText(
            f"<b style='font-size:13pt'>{b.period.label()}</b>"
            f"<span style='color:{GREY}'>  "
            + _("against {before}; open and overdue as of {when}").format(
                before=b.previous_period.label(), when=f"{b.as_of:%d %b %Y %H:%M}"
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
                _("{on:,} of {n:,}; click for the late ones").format(on=now.on_time, n=now.counted),
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
        self._bars(self.weekly_chart, b.weekly, every=4)
        self._bars(self.channel_chart, b.by_channel)
        self._bars(self.ageing_chart, b.ageing)
        self._bars(self.types_chart, list(reversed(b.top_types)), horizontal=True)
        self._drills.clear()
        self._groups(self.departments, "departments", b.by_department)
        self._groups(self.types, "types", b.by_type)
        self._goal_rows(b)
        self._rows(self.places, "places", b.repeat_addresses + b.repeat_blocks)
        self._rows(self.clerks, "clerks", b.per_clerk)

    def _bars(
        self, chart: QChart, bars: list[Bar], *, every: int = 1, horizontal: bool = False
    ) -> None:
        chart.removeAllSeries()
        for axis in chart.axes():
            chart.removeAxis(axis)
        values = QBarSet(chart.title())
        values.setColor(QColor("#3b6ea5"))
        for bar in bars:
            values.append(bar.count)
        series: QBarSeries | QHorizontalBarSeries = (
            QHorizontalBarSeries() if horizontal else QBarSeries()
        )
        series.append(values)
        series.setBarWidth(0.8)
        chart.addSeries(series)
        categories = QBarCategoryAxis()
        categories.append(
            # every `every`-th label shown; the others are invisible but unique (the axis
            # merges equal names)
            [bar.label if i % every == 0 else "\u200b" * (i + 1) for i, bar in enumerate(bars)]
        )
        categories.setTruncateLabels(False)  # a type's whole name, not "Bulk…"
        if every > 1:
            categories.setLabelsAngle(-90)
        numbers = QValueAxis()
        numbers.setLabelFormat("%d")
        numbers.setRange(0, max([bar.count for bar in bars] + [1]))
        numbers.applyNiceNumbers()
        chart.addAxis(
            categories, Qt.AlignmentFlag.AlignLeft if horizontal else Qt.AlignmentFlag.AlignBottom
        )
        chart.addAxis(
            numbers, Qt.AlignmentFlag.AlignBottom if horizontal else Qt.AlignmentFlag.AlignLeft
        )
        series.attachAxis(categories)
        series.attachAxis(numbers)
        shown = list(bars)
        values.clicked.connect(lambda index: self._drill_bar(shown, index))
        values.hovered.connect(
            lambda state, index: chart.setToolTip(
                f"{shown[index].label}: {shown[index].count:,}" if state else ""
            )
        )

    def _cell(self, table: QTableWidget, row: int, col: int, text: str, drill: Any = None) -> None:
        item = QTableWidgetItem(text)
        if col > 0:
            item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if drill is not None:
            title, filters = drill
            self._drills[(table.objectName(), row, col)] = (title, filters)
            item.setToolTip(_("Click to list these requests"))
            item.setForeground(QColor("#1f4e8c"))
        table.setItem(row, col, item)

    def _groups(self, table: QTableWidget, name: str, groups: list[citistat.GroupRow]) -> None:
        table.setRowCount(len(groups))
        for row, g in enumerate(groups):
            self._cell(table, row, 0, g.name)
            self._cell(
                table, row, 1, f"{g.received.count:,}", (f"{g.name}: received", g.received.drill)
            )
            self._cell(
                table, row, 2, f"{g.resolved.count:,}", (f"{g.name}: resolved", g.resolved.drill)
            )
            self._cell(
                table,
                row,
                3,
                _pct(g.on_time.value),
                (f"{g.name}: resolved on time", g.on_time.drill_on_time),
            )
            self._cell(
                table,
                row,
                4,
                f"{g.on_time.late:,}",
                (f"{g.name}: resolved late", g.on_time.drill_late),
            )
            self._cell(table, row, 5, _days(g.median_days))
            drill = (f"{g.name}: open", g.backlog.drill) if g.backlog.drill is not None else None
            self._cell(table, row, 6, f"{g.backlog.count:,}", drill)
        table.resizeColumnsToContents()
        table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)

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
                (result.goal.sentence(), result.drill),
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
        self.goals.resizeColumnsToContents()
        self.goals.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)

    def _rows(self, table: QTableWidget, name: str, bars: list[Bar]) -> None:
        table.setRowCount(len(bars))
        for row, bar in enumerate(bars):
            self._cell(table, row, 0, bar.label)
            drill = (bar.label, bar.drill) if bar.drill is not None else None
            self._cell(table, row, 1, f"{bar.count:,}", drill)
        table.resizeColumnsToContents()
        table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)

    # -- drilling down ------------------------------------------------------------------------

    def _emit(self, title: str, filters: RequestFilter | None) -> bool:
        if filters is None:
            return False
        self.drill_down.emit(_("Dashboard: {what}").format(what=title), filters)
        return True

    def drill_tile(self, key: str) -> bool:
        b = self.board
        if b is None:
            return False
        chosen = {
            "received": (_("received"), b.received.drill),
            "resolved": (_("resolved"), b.resolved.drill),
            "open": (_("open"), b.backlog.drill),
            "overdue": (_("overdue"), b.overdue.drill),
            "acknowledged": (_("acknowledged late"), b.acknowledged.drill_late),
            "on_time": (_("resolved late"), b.resolved_on_time.drill_late),
            "days": (_("resolved"), b.resolved.drill),
        }.get(key)
        if chosen is None:  # questions are not requests: nothing to list
            messages.info(
                self,
                _("Questions answered"),
                _("Questions answered are not requests; the Knowledge base shows the articles."),
            )
            return False
        return self._emit(*chosen)

    def _drill_bar(self, bars: list[Bar], index: int) -> bool:
        if not 0 <= index < len(bars):
            return False
        return self._emit(bars[index].label, bars[index].drill)

    def drill_cell(self, table: str, row: int, col: int) -> bool:
        found = self._drills.get((table, row, col))
        return self._emit(*found) if found else False

    # -- goals and the council report ---------------------------------------------------------

    def edit_goals(self) -> QDialog:
        dialog = GoalsDialog(self.staff, self)
        dialog.finished.connect(lambda _r: self.refresh())
        dialog.open()
        return dialog

    def council_report(self, month: str | None = None, **options: Any) -> Any:
        """Preview (and print or save) the council report of the chosen month, or of the
        last whole month when a span is chosen."""
        from desktop.models import documents
        from desktop.models.council import monthly_report
        from desktop.printing.council_report import build_council_report
        from desktop.ui.print_preview import PrintJob

        period = self.period
        if month is None:
            if period.start.day != 1 or period.end.day < 28 or period.end >= clock.today():
                period = Period(clock.today().replace(day=1), clock.today()).previous()
            month = f"{period.start:%Y-%m}"
        try:
            report = monthly_report(month, actor=self.staff())
            setup = documents.page_setup()
        except KnownError as exc:
            messages.error(self, exc)
            return None
        return PrintJob(
            self,
            _("Council report"),
            lambda: build_council_report(report, setup),
            lambda: None,
            suggested_name=f"council-report-{month}.pdf",
            **options,
        )


class GoalsDialog(QDialog):
    """The service goals: choose a type, the share and the time; save or remove."""

    def __init__(self, staff: Callable[[], Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from desktop.models.schema import ServiceType

        self.staff = staff
        self.setWindowTitle(_("Service goals"))
        self.type = QComboBox()
        self.type.setObjectName("goalType")
        active = ServiceType.active == True  # noqa: E712 - peewee builds SQL from it
        for kind in ServiceType.select().where(active).order_by(ServiceType.name):
            self.type.addItem(kind.name, kind.code)
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
        from desktop.models.schema import ServiceType

        kind = ServiceType.get_or_none(ServiceType.code == self.type.currentData())
        goal = found.get(kind.id) if kind is not None else None
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
