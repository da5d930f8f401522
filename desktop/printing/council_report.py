"""The monthly service report for the council: a one-page summary with charts, a page per
department, the goals against the results, the requests most overdue, and six months of trend.

Plain data in (`desktop.models.council.MonthlyReport`), PDF bytes out. Names of types,
departments and places are the town's own text: escaped like any user text.
"""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, Rect, String
from reportlab.lib import colors
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    PageBreak,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from desktop.i18n import _
from desktop.models.citistat import GroupRow, Share
from desktop.models.council import MonthlyReport, OverdueLine
from desktop.printing.data import PageSetup
from desktop.printing.layout import PageMark, build, letterhead, make_doc
from desktop.printing.styles import FONT, FONT_BOLD, GREY, LIGHT, clip, para, style

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
        _("Open at the month's end"),
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
                    before=b.previous_period.label(), when=f"{report.made_at:%d %b %Y %H:%M}"
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


def _department_page(group: GroupRow, report: MonthlyReport, width: float) -> list[Flowable]:
    heading = style("cr-dept", 16, bold=True, space_after=6)
    rows: list[list[object]] = [
        [_("This month"), ""],
        [_("Requests received"), f"{group.received.count:,}"],
        [_("Requests resolved"), f"{group.resolved.count:,}"],
        [_("Resolved on time"), _share(group.on_time)],
        [_("Median time to resolve"), _days(group.median_days)],
        [_("Open at the month's end"), f"{group.backlog.count:,}"],
    ]
    story: list[Flowable] = [
        PageBreak(),
        Paragraph(escape(clip(group.name, 120)), heading),
        _table(rows, [width * 0.5, width * 0.5]),
        Spacer(1, 12),
    ]
    kinds = report.board.types_by_department.get(group.name, [])
    if kinds:
        story.append(
            _bar_chart(
                [clip(bar.label, 14) for bar in kinds],
                [bar.count for bar in kinds],
                width,
                160,
                title=_("The most requested types this month"),
            )
        )
        story.append(Spacer(1, 10))
    late = report.overdue_by_department.get(group.name, [])
    if late:
        story.append(Paragraph(escape(_("Most overdue")), style("cr-h3", 11, bold=True)))
        story.append(Spacer(1, 4))
        story.append(_overdue_table(late, width))
    else:
        story.append(para(_("No open request of this department is overdue."), style("x", 9)))
    return story


def _overdue_table(lines: list[OverdueLine], width: float) -> Table:
    cell = style("cr-od", 8.5)
    rows: list[list[object]] = [
        [_("Number"), _("Type"), _("Address"), _("Department"), _("Due"), _("Days over")]
    ]
    for line in lines:
        rows.append(
            [
                line.tracking_number,
                para(clip(line.service_type, 60), cell),
                para(clip(line.address, 80), cell),
                para(clip(line.department, 60), cell),
                f"{line.due_at:%d %b %Y}",
                f"{line.days_overdue:,}",
            ]
        )
    return _table(
        rows,
        [width * 0.13, width * 0.22, width * 0.25, width * 0.18, width * 0.12, width * 0.1],
    )


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
            verdict = _("nothing resolved")
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


def _trends(report: MonthlyReport, width: float) -> list[Flowable]:
    heading = style("cr-h2b", 14, bold=True, space_after=6)
    rows: list[list[object]] = [[_("Month"), _("Received"), _("Resolved"), _("Resolved on time")]]
    for point in report.trend:
        rows.append(
            [point.label, f"{point.received:,}", f"{point.resolved:,}", _percent(point.on_time)]
        )
    top = report.board.top_types
    types_chart = _bar_chart(
        [clip(bar.label, 14) for bar in top],
        [bar.count for bar in top],
        width,
        170,
        title=_("The most requested types this month"),
    )
    return [
        PageBreak(),
        Paragraph(escape(_("Trends")), heading),
        _trend_chart(report, width, 190),
        Spacer(1, 8),
        _table(rows, [width * 0.3, width * 0.2, width * 0.2, width * 0.3]),
        Spacer(1, 14),
        KeepTogether([types_chart]),
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
    for group in report.board.by_department:
        story += _department_page(group, report, width)
    story += _goals(report, width)
    heading = style("cr-h2c", 14, bold=True, space_after=6)
    story += [PageBreak(), Paragraph(escape(_("The most overdue requests")), heading)]
    if report.overdue:
        story.append(_overdue_table(report.overdue, width))
    else:
        story.append(para(_("No open request is overdue."), style("x3", 9.5)))
    story += _trends(report, width)
    return build(doc, story)
