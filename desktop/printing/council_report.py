"""The monthly service report for the council: a one-page summary with charts, a page on where
the work was (departments, the most requested types, the questions answered), a page per
department, the goals against the results with the requests most overdue, and six months of
trend.

Plain data in (`desktop.models.reports.council.MonthlyReport`), PDF bytes out. Names of types,
departments, articles and places are the town's own text: escaped like any user text, and
printed whole (bar charts are horizontal, their labels wrapped, never cut).
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, Line, Rect, String
from reportlab.lib import colors
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    PageBreak,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from desktop.i18n import _, ngettext, when
from desktop.printing.data import PageSetup
from desktop.printing.layout import PageMark, build, letterhead, make_doc
from desktop.printing.maps import MapFlowable
from desktop.printing.styles import FONT, FONT_BOLD, GREY, LIGHT, clip, para, plain, style

if TYPE_CHECKING:  # the report's data classes, for the type checker: it is handed the data
    from desktop.models.reports.citistat import Bar, GroupRow, Share
    from desktop.models.reports.council import MonthlyReport, OverdueLine

GOOD = colors.HexColor("#1b7a3a")
BAD = colors.HexColor("#b3261e")
BAR = colors.HexColor("#3b6ea5")
BAR_BEFORE = colors.HexColor("#a9bfd8")


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.0f} %"


def _days(value: float | None) -> str:
    return "–" if value is None else _("{n:.1f} days").format(n=value)


def _share(share: Share) -> str:
    if share.value is None:
        return "–"
    return _("{pct} ({on} of {n})").format(
        pct=_percent(share.value), on=f"{share.on_time:,}", n=f"{share.counted:,}"
    )


def _open_label(report: MonthlyReport) -> str:
    """ "Open at the month's end", or, for a month not over yet, when it was counted."""
    board = report.board
    if board.as_of >= board.period.ends:
        return _("Open at the month's end")
    return _("Open on {when}").format(when=when(board.as_of, "%d %b %Y %H:%M"))


def overdue_by(line: OverdueLine) -> str:
    """ "12 business days", "5 business hours", "under an hour"; "(clock paused)" after it when
    it waits on the resident or on parts."""
    if line.days_overdue:
        amount = ngettext("{n:,} business day", "{n:,} business days", line.days_overdue).format(
            n=line.days_overdue
        )
    elif line.hours_overdue:
        amount = ngettext("{n:,} business hour", "{n:,} business hours", line.hours_overdue).format(
            n=line.hours_overdue
        )
    else:
        amount = _("under an hour")
    return _("{amount} (clock paused)").format(amount=amount) if line.paused else amount


def _change(now: float | None, before: float | None, *, more_is_better: bool | None) -> str:
    """ "▲ 12 %" against the period before, coloured when better or worse is clear."""
    if now is None or before is None or before == 0:
        return ""
    delta = (now - before) / before
    if abs(delta) < 0.005:
        return _("same")
    arrow = "▲" if delta > 0 else "▼"
    text = f"{arrow} {abs(delta) * 100:.0f} %"
    if more_is_better is None:
        return text
    good = (delta > 0) == more_is_better
    return f'<font color="{(GOOD if good else BAD).hexval()}">{text}</font>'


def _table(rows: list[list[object]], widths: list[float], *, header: bool = True) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1 if header else 0)
    commands: list[tuple[object, ...]] = [
        ("FONT", (0, 0), (-1, -1), FONT, 9),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, LIGHT),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    if header:
        commands += [
            ("FONT", (0, 0), (-1, 0), FONT_BOLD, 8.5),
            ("TEXTCOLOR", (0, 0), (-1, 0), GREY),
            ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
        ]
    table.setStyle(TableStyle(commands))
    return table


def _bar_chart(
    labels: list[str],
    values: list[int],
    width: float,
    height: float,
    *,
    title: str,
    every: int = 1,
) -> Drawing:
    drawing = Drawing(width, height)
    chart = VerticalBarChart()
    chart.x, chart.y = 34, 26
    chart.width, chart.height = width - 44, height - 48
    chart.data = [values or [0]]
    chart.categoryAxis.categoryNames = [
        label if i % every == 0 else "" for i, label in enumerate(labels)
    ] or [""]
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = 6.5
    chart.categoryAxis.labels.angle = 0 if every > 1 or len(labels) <= 8 else 30
    chart.categoryAxis.labels.dy = -4
    chart.valueAxis.labels.fontName = FONT
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    chart.bars[0].fillColor = BAR
    chart.bars[0].strokeColor = None
    chart.barSpacing = 0.5
    drawing.add(chart)
    drawing.add(String(0, height - 12, title, fontName=FONT_BOLD, fontSize=9))
    return drawing


def _bars_across(bars: list[Bar], width: float, *, title: str) -> Drawing:
    """A horizontal bar chart: each name whole, wrapped over lines beside its bar, the count
    at the bar's end."""
    size, line_height, gap = 7.5, 9.0, 5.0
    names = [plain(bar.label) or "–" for bar in bars]
    label_width = min(width * 0.42, max([stringWidth(n, FONT, size) for n in names] + [40.0]) + 4)
    lines = [simpleSplit(name, FONT, size, label_width - 4) or [""] for name in names]
    rows = [max(len(wrapped) * line_height, 12.0) + gap for wrapped in lines]
    height = sum(rows) + 20
    drawing = Drawing(width, height)
    drawing.add(String(0, height - 10, title, fontName=FONT_BOLD, fontSize=9))
    most = max([bar.count for bar in bars] + [1])
    room = width - label_width - 40  # the count's place at the end
    y = height - 20
    for bar, wrapped, row in zip(bars, lines, rows, strict=True):
        middle = y - row / 2
        top = middle + (len(wrapped) - 1) * line_height / 2 - size / 3
        for n, piece in enumerate(wrapped):
            drawing.add(
                String(
                    label_width - 4,
                    top - n * line_height,
                    piece,
                    fontName=FONT,
                    fontSize=size,
                    textAnchor="end",
                )
            )
        length = room * bar.count / most
        drawing.add(Rect(label_width, middle - 5, length, 10, fillColor=BAR, strokeColor=None))
        drawing.add(
            String(
                label_width + length + 3,
                middle - size / 3,
                f"{bar.count:,}",
                fontName=FONT,
                fontSize=size,
            )
        )
        y -= row
    drawing.add(Line(label_width, y + gap / 2, label_width, height - 20, strokeColor=GREY))
    return drawing


def _trend_chart(report: MonthlyReport, width: float, height: float) -> Drawing:
    drawing = Drawing(width, height)
    chart = HorizontalLineChart()
    chart.x, chart.y = 40, 26
    chart.width, chart.height = width - 150, height - 48
    chart.data = [
        [point.received for point in report.trend],
        [point.resolved for point in report.trend],
    ]
    chart.categoryAxis.categoryNames = [point.label for point in report.trend]
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = 7
    chart.valueAxis.labels.fontName = FONT
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    chart.lines[0].strokeColor = BAR
    chart.lines[0].strokeWidth = 2
    chart.lines[1].strokeColor = GOOD
    chart.lines[1].strokeWidth = 2
    drawing.add(chart)
    drawing.add(String(0, height - 12, _("Requests per month"), fontName=FONT_BOLD, fontSize=9))
    legend_x = width - 100
    for n, (label, colour) in enumerate(((_("received"), BAR), (_("resolved"), GOOD))):
        y = height - 40 - 14 * n
        drawing.add(String(legend_x + 14, y, label, fontName=FONT, fontSize=8))
        drawing.add(Rect(legend_x, y, 10, 6, fillColor=colour, strokeColor=None))
    return drawing


def _summary(report: MonthlyReport, setup: PageSetup, width: float) -> list[Flowable]:
    b = report.board
    heading = style("cr-h", 20, bold=True, space_after=2)
    sub = style("cr-sub", 9.5, color=GREY, space_after=10)
    cell = style("cr-cell", 9)
    rows: list[list[object]] = [[_("This month"), b.period.label(), b.previous_period.label(), ""]]

    def line(label: str, now: object, before: object, change: str) -> None:
        rows.append([label, now, before, Paragraph(change, cell)])

    line(
        _("Requests received"),
        f"{b.received.count:,}",
        f"{b.received.previous or 0:,}",
        _change(b.received.count, b.received.previous, more_is_better=None),
    )
    line(
        _("Questions answered"),
        f"{b.questions.count:,}",
        f"{b.questions.previous or 0:,}",
        _change(b.questions.count, b.questions.previous, more_is_better=None),
    )
    line(
        _("Requests resolved"),
        f"{b.resolved.count:,}",
        f"{b.resolved.previous or 0:,}",
        _change(b.resolved.count, b.resolved.previous, more_is_better=True),
    )
    line(
        _open_label(report),
        f"{b.backlog.count:,}",
        f"{b.backlog.previous or 0:,}",
        _change(b.backlog.count, b.backlog.previous, more_is_better=False),
    )
    line(
        _("… of them overdue"),
        f"{b.overdue.count:,}",
        f"{b.overdue.previous or 0:,}",
        _change(b.overdue.count, b.overdue.previous, more_is_better=False),
    )
    line(
        _("Acknowledged on time"),
        _share(b.acknowledged),
        _percent(b.acknowledged_before.value),
        _change(b.acknowledged.value, b.acknowledged_before.value, more_is_better=True),
    )
    line(
        _("Resolved on time"),
        _share(b.resolved_on_time),
        _percent(b.resolved_on_time_before.value),
        _change(b.resolved_on_time.value, b.resolved_on_time_before.value, more_is_better=True),
    )
    line(
        _("Median time to resolve"),
        _days(b.median_days),
        _days(b.median_days_before),
        _change(b.median_days, b.median_days_before, more_is_better=False),
    )
    line(
        _("90 % resolved within"),
        _days(b.p90_days),
        _days(b.p90_days_before),
        _change(b.p90_days, b.p90_days_before, more_is_better=False),
    )
    figures = _table(rows, [width * 0.36, width * 0.24, width * 0.2, width * 0.2])
    weekly = _bar_chart(
        [bar.label for bar in b.weekly],
        [bar.count for bar in b.weekly],
        width,
        150,
        title=_("Requests received per week, the last 52 weeks"),
        every=4,
    )
    channels = _bar_chart(
        [bar.label for bar in b.by_channel],
        [bar.count for bar in b.by_channel],
        width / 2 - 6,
        140,
        title=_("Received by channel"),
    )
    ageing = _bar_chart(
        [bar.label for bar in b.ageing],
        [bar.count for bar in b.ageing],
        width / 2 - 6,
        140,
        title=_("Open requests by age"),
    )
    side_by_side = Table([[channels, ageing]], colWidths=[width / 2, width / 2])
    side_by_side.setStyle(TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    rule = _(
        "On time means resolved by the due date. Due dates count only the hours the office is "
        "open (no weekends or holidays), and time a request waited on the resident, parts or "
        "weather is added back. Duplicates are not counted."
    )
    return [
        PageMark(_("Council report")),
        letterhead(setup, size=12),
        Spacer(1, 8),
        Paragraph(escape(_("Service report: {month}").format(month=b.period.label())), heading),
        Paragraph(
            escape(
                _("Compared with {before}. Made {when}.").format(
                    before=b.previous_period.label(), when=when(report.made_at, "%d %b %Y %H:%M")
                )
                + (
                    ""
                    if b.as_of >= b.period.ends
                    else " "
                    + _("The month is not over: its figures run to {when}.").format(
                        when=when(b.as_of, "%d %b %Y %H:%M")
                    )
                )
            ),
            sub,
        ),
        figures,
        Spacer(1, 10),
        weekly,
        Spacer(1, 6),
        side_by_side,
        Spacer(1, 4),
        Paragraph(escape(rule), style("cr-rule", 7.5, color=GREY)),
    ]


def _group_table(groups: list[GroupRow], width: float, *, title: str) -> Table:
    """One line per department: the figures of its page, side by side."""
    cell = style("cr-gt", 8.5)
    rows: list[list[object]] = [
        [
            title,
            _("Received"),
            _("Acknowledged on time"),
            _("Resolved"),
            _("Resolved on time"),
            _("Median"),
            _("90 % within"),
            _("Open"),
        ]
    ]
    head = style("cr-gth", 8, bold=True, color=GREY, align="right")
    rows[0] = [
        Paragraph(escape(str(text)), head if n else style("cr-gth0", 8, bold=True, color=GREY))
        for n, text in enumerate(rows[0])
    ]
    for group in groups:
        rows.append(
            [
                para(group.name, cell),
                f"{group.received.count:,}",
                _percent(group.acknowledged.value),
                f"{group.resolved.count:,}",
                _percent(group.on_time.value),
                _days(group.median_days),
                _days(group.p90_days),
                f"{group.backlog.count:,}",
            ]
        )
    share = [0.22, 0.1, 0.16, 0.1, 0.11, 0.1, 0.12, 0.09]
    table = _table(rows, [width * part for part in share])
    table.setStyle(TableStyle([("ALIGN", (1, 1), (-1, -1), "RIGHT")]))
    return table


def _where_the_work_was(report: MonthlyReport, width: float) -> list[Flowable]:
    """The departments side by side, the most requested types and the questions answered."""
    b = report.board
    heading = style("cr-h2w", 14, bold=True, space_after=6)
    story: list[Flowable] = [
        PageBreak(),
        Paragraph(escape(_("Where the work was")), heading),
        _group_table(b.by_department, width, title=_("Department")),
        Spacer(1, 14),
    ]
    if report.map is not None and report.map.points:
        story += [
            KeepTogether(
                [
                    Paragraph(
                        escape(report.map.title + " · " + report.map.subtitle),
                        style("cr-h3m", 9, bold=True, space_after=4),
                    ),
                    MapFlowable(report.map, width, min(width * 0.62, 4.6 * 72)),
                ]
            ),
            Spacer(1, 14),
        ]
    if b.top_types:
        story += [
            _bars_across(b.top_types, width, title=_("The most requested types this month")),
            Spacer(1, 12),
        ]
    story.append(
        Paragraph(
            escape(
                _("Questions answered: {n:,}, and the articles that answered them").format(
                    n=b.questions.count
                )
            ),
            style("cr-h3q", 9, bold=True, space_after=4),
        )
    )
    if b.questions_by_article:
        cell = style("cr-q", 8.5)
        rows: list[list[object]] = [[_("Knowledge base article"), _("Questions")]]
        rows += [[para(bar.label, cell), f"{bar.count:,}"] for bar in b.questions_by_article]
        table = _table(rows, [width * 0.8, width * 0.2])
        table.setStyle(TableStyle([("ALIGN", (1, 0), (1, -1), "RIGHT")]))
        story.append(table)
    else:
        story.append(para(_("No questions were logged this month."), style("x4", 9)))
    return story


def _department_page(group: GroupRow, report: MonthlyReport, width: float) -> list[Flowable]:
    heading = style("cr-dept", 16, bold=True, space_after=6)
    rows: list[list[object]] = [
        [_("This month"), ""],
        [_("Requests received"), f"{group.received.count:,}"],
        [_("Acknowledged on time"), _share(group.acknowledged)],
        [_("Requests resolved"), f"{group.resolved.count:,}"],
        [_("Resolved on time"), _share(group.on_time)],
        [_("Median time to resolve"), _days(group.median_days)],
        [_("90 % resolved within"), _days(group.p90_days)],
        [_open_label(report), f"{group.backlog.count:,}"],
    ]
    story: list[Flowable] = [
        PageBreak(),
        para(group.name, heading),
        _table(rows, [width * 0.5, width * 0.5]),
        Spacer(1, 14),
    ]
    kinds = report.board.types_by_department.get(group.name, [])
    if kinds:
        story.append(_bars_across(kinds, width, title=_("The most requested types this month")))
        story.append(Spacer(1, 12))
    late = report.overdue_by_department.get(group.name, [])
    story.append(Paragraph(escape(_("Most overdue")), style("cr-h3", 11, bold=True)))
    story.append(Spacer(1, 4))
    if late:
        story.append(_overdue_table(late, width, department=False))
    else:
        story.append(para(_("No open request of this department is overdue."), style("x", 9)))
    return story


def _overdue_table(lines: list[OverdueLine], width: float, *, department: bool = True) -> Table:
    cell = style("cr-od", 8.5)
    header: list[object] = [_("Number"), _("Type"), _("Address")]
    shares = [0.13, 0.25, 0.27]
    if department:
        header.append(_("Department"))
        shares = [0.12, 0.2, 0.22, 0.17]
    header += [_("Due"), _("Overdue by")]
    shares += [0.12, 1 - sum(shares) - 0.12]
    rows: list[list[object]] = [header]
    for line in lines:
        row: list[object] = [
            line.tracking_number,
            para(clip(line.service_type, 80), cell),
            para(clip(line.address, 100), cell),
        ]
        if department:
            row.append(para(clip(line.department, 80), cell))
        row += [when(line.due_at, "%d %b %Y"), para(overdue_by(line), cell)]
        rows.append(row)
    return _table(rows, [width * share for share in shares])


def _goals(report: MonthlyReport, width: float) -> list[Flowable]:
    heading = style("cr-h2", 14, bold=True, space_after=6)
    cell = style("cr-g", 9)
    story: list[Flowable] = [PageBreak(), Paragraph(escape(_("Goals and results")), heading)]
    if not report.board.goals:
        story.append(
            para(
                _("No goals are set. Supervisors set them on the Dashboard (Goals…)."),
                style("x2", 9.5),
            )
        )
        return story
    rows: list[list[object]] = [[_("Goal"), _("This month"), _("Met?"), _("Month before")]]
    for result in report.board.goals:
        if result.ok is None:
            verdict = escape(_("nothing resolved"))
        elif result.ok:
            verdict = f'<font color="{GOOD.hexval()}"><b>{escape(_("met"))}</b></font>'
        else:
            verdict = f'<font color="{BAD.hexval()}"><b>{escape(_("missed"))}</b></font>'
        rows.append(
            [
                para(result.goal.sentence(), cell),
                _("{pct} ({met} of {n})").format(
                    pct=_percent(result.share), met=result.met, n=result.counted
                ),
                Paragraph(verdict, cell),
                _percent(result.previous_share),
            ]
        )
    story.append(_table(rows, [width * 0.46, width * 0.22, width * 0.14, width * 0.18]))
    return story


def _most_overdue(report: MonthlyReport, width: float) -> list[Flowable]:
    heading = style("cr-h2c", 14, bold=True, space_after=6, space_before=18)
    title = Paragraph(escape(_("The most overdue requests")), heading)
    if not report.overdue:
        return [title, para(_("No open request is overdue."), style("x3", 9.5))]
    note = para(
        _(
            "Overdue by: the office's working time since the due date (whole business days, "
            "or hours when less than a day). A request whose clock is paused has been as "
            "late since it was paused."
        ),
        style("cr-odn", 7.5, color=GREY, space_after=4),
    )
    return [title, note, _overdue_table(report.overdue, width)]


def _trends(report: MonthlyReport, width: float) -> list[Flowable]:
    heading = style("cr-h2b", 14, bold=True, space_after=6)
    rows: list[list[object]] = [[_("Month"), _("Received"), _("Resolved"), _("Resolved on time")]]
    for point in report.trend:
        rows.append(
            [point.label, f"{point.received:,}", f"{point.resolved:,}", _percent(point.on_time)]
        )
    return [
        KeepTogether(
            [
                Paragraph(escape(_("Trends")), heading),
                _trend_chart(report, width, 190),
                Spacer(1, 8),
                _table(rows, [width * 0.3, width * 0.2, width * 0.2, width * 0.3]),
            ]
        )
    ]


def build_council_report(report: MonthlyReport, setup: PageSetup) -> bytes:
    """The whole report as PDF bytes."""
    out = io.BytesIO()
    doc = make_doc(
        out,
        setup,
        title=_("Service report: {month}").format(month=report.board.period.label()),
        page_label=_("page {page}"),
    )
    width = doc.width
    story = _summary(report, setup, width)
    story += _where_the_work_was(report, width)
    for group in report.board.by_department:
        story += _department_page(group, report, width)
    story += _goals(report, width)
    story += _most_overdue(report, width)
    story += [Spacer(1, 18)]
    story += _trends(report, width)
    return build(doc, story)
