"""The monthly council report read back from its PDF, and the CitiStat commands."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from desktop.app import main
from desktop.models import clock
from desktop.models.documents.gather import page_setup
from desktop.models.reports import citistat, goals
from desktop.models.reports.council import OverdueLine, _BusinessDays, monthly_report
from desktop.models.requests import lifecycle
from desktop.models.requests.intake import RequestDraft, create_request, log_question
from desktop.models.setup.demo import generate_demo
from desktop.models.setup.opening import open_database
from desktop.models.storage.db import close_database
from desktop.models.storage.schema import Department, FaqArticle, ServiceRequest
from desktop.models.town.business_calendar import BusinessCalendar
from desktop.models.town.settings import set_settings
from desktop.models.vocab import DONE_STATUSES, OPEN_STATUSES
from desktop.printing import page_count
from desktop.printing.council_report import build_council_report, overdue_by
from tests.conftest import TEST_NOW

#: six potholes reported then (due three business days later), half of them paused the next
#: day, waiting on the resident, and never started again
REPORTED_AT = dt.datetime(2026, 9, 28, 10, 0)
PAUSED_AT = dt.datetime(2026, 9, 29, 10, 0)


@pytest.fixture
def town(db):
    set_settings({"town.name": "Alder Falls"}, actor=None)
    generate_demo(1200, seed=9, actor=None)
    goals.set_goal("pothole", 90, 3, actor=None)
    clock.set_clock(lambda: REPORTED_AT)
    made = [
        create_request(
            RequestDraft(
                service_type="pothole",
                description="Deep hole",
                address=f"{n} Elm Street",
                answers={"size": "large", "in_lane": "yes"},
                safety_acknowledged=True,
            ),
            actor=None,
        )
        for n in range(10, 16)
    ]
    clock.set_clock(lambda: PAUSED_AT)
    for request in made[:3]:
        lifecycle.pause(request.id, "waiting on the resident", actor=None)
    clock.set_clock(lambda: dt.datetime(2026, 10, 6, 11, 0))  # questions, from an article
    article = FaqArticle.select().order_by(FaqArticle.id).first()
    for _n in range(4):
        log_question("", article_id=article.id, actor=None)
    clock.set_clock(lambda: TEST_NOW)
    assert all(r.due_at and PAUSED_AT < r.due_at < dt.datetime(2026, 10, 31) for r in made)
    return db


def texts_of(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def test_the_report_has_a_summary_a_page_per_department_goals_overdue_and_trends(town):
    report = monthly_report("2026-10", actor=None)
    assert [p.label for p in report.trend] == [
        "May 2026",
        "Jun 2026",
        "Jul 2026",
        "Aug 2026",
        "Sep 2026",
        "Oct 2026",
    ]
    assert report.trend[-1].received == report.board.received.count
    assert report.trend[-1].resolved == report.board.resolved.count
    pdf = build_council_report(report, page_setup())
    texts = texts_of(pdf)
    departments = len(report.board.by_department)
    # trends follow the goals and the most overdue, on a page of their own if they must
    assert len(texts) == page_count(pdf) in (2 + departments + 1, 2 + departments + 2)
    first = texts[0]
    assert "Alder Falls" in first and "Service report: October 2026" in first
    assert f"{report.board.received.count:,}" in first
    assert "On time means resolved by the due date" in first
    work = " ".join(texts[1].split())
    assert work.startswith("Where the work was")
    for group in report.board.by_department:  # every department's line, and its own page
        assert group.name in work
        assert any(text.startswith(group.name) for text in texts[2 : 2 + departments])
    assert f"Questions answered: {report.board.questions.count:,}" in work
    assert report.board.questions_by_article[0].label != "(no article)"
    for bar in report.board.questions_by_article:
        assert " ".join(bar.label.split()) in work
    goals_page = texts[2 + departments]
    assert "90 % of Pothole resolved within 3 business days" in goals_page
    assert "The most overdue requests" in goals_page  # on the goals' page, not one of its own
    assert report.overdue and report.overdue[0].tracking_number in goals_page
    assert "Trends" in texts[-1] and "Oct 2026" in texts[-1]
    assert all(len(text.splitlines()) >= 10 for text in texts), "no page nearly empty"


def test_a_month_not_over_says_so(town):
    report = monthly_report("2026-11", actor=None)  # the clock stands at 16 November
    first = " ".join(texts_of(build_council_report(report, page_setup()))[0].split())
    assert "The month is not over: its figures run to 16 Nov 2026 09:30." in first
    assert "Open on 16 Nov 2026 09:30" in first and "month's end" not in first
    last_week = report.board.weekly[-1].drill
    assert last_week is not None and last_week.received_to == dt.date(2026, 11, 16)


def test_type_names_are_printed_whole(town):
    Department.update(name="Department of Public Works and Municipal Infrastructure").where(
        Department.code == "DPW"
    ).execute()
    report = monthly_report("2026-10", actor=None)
    text = " ".join(texts_of(build_council_report(report, page_setup())))
    flat = " ".join(text.split())
    assert not re.search(r"\w…", text), "a name cut short"
    for bar in report.board.top_types:
        assert bar.label in flat
    for kinds in report.board.types_by_department.values():
        for bar in kinds:
            assert bar.label in flat


def test_most_overdue_lists_only_overdue_requests_and_by_how_much(town):
    report = monthly_report("2026-10", actor=None)
    moment = report.board.as_of
    assert moment == dt.datetime(2026, 11, 1)
    late = {
        r.tracking_number: r
        for r in ServiceRequest.select()
        if r.requested_at < moment
        and (r.resolved_at is None or r.resolved_at >= moment)
        and r.due_at is not None
        and r.due_at < moment
        and (r.paused_since is None or r.paused_since > moment or r.due_at < r.paused_since)
    }
    assert report.board.overdue.count == len(late)
    lines = report.overdue + [x for xs in report.overdue_by_department.values() for x in xs]
    assert lines
    for line in lines:
        assert line.tracking_number in late  # waiting since before it was due: not listed
        assert line.due_at < moment
        assert line.days_overdue or line.hours_overdue or (moment - line.due_at).days < 3
    assert [x.days_overdue for x in report.overdue] == sorted(
        (x.days_overdue for x in report.overdue), reverse=True
    )
    waiting = ServiceRequest.select().where(ServiceRequest.paused_since == PAUSED_AT)
    assert not {r.tracking_number for r in waiting} & {x.tracking_number for x in lines}
    pdf_text = " ".join(texts_of(build_council_report(report, page_setup())))
    assert "Days over" not in pdf_text and "business day" in pdf_text


def test_overdue_is_counted_in_the_offices_working_time():
    office = BusinessCalendar.weekdays(8 * 60, 16 * 60 + 30, [dt.date(2026, 10, 12)])
    due = dt.datetime(2026, 10, 8, 10, 0)  # a Thursday; Friday, then Monday is a holiday
    days = _BusinessDays(office, due.date(), dt.date(2026, 10, 31))
    assert days.late(due, dt.datetime(2026, 10, 8, 15, 0)) == 0
    assert days.late(due, dt.datetime(2026, 10, 9, 9, 59)) == 0
    assert days.late(due, dt.datetime(2026, 10, 9, 10, 0)) == 1
    assert days.late(due, dt.datetime(2026, 10, 12, 11, 0)) == 1  # the holiday does not count
    assert days.late(due, dt.datetime(2026, 10, 13, 11, 0)) == 2

    def line(days_over: int, hours: int, *, paused: bool = False) -> OverdueLine:
        return OverdueLine(
            "2026-00001", "Pothole", "12 Elm St", "DPW", due, days_over, hours, paused
        )

    assert overdue_by(line(1, 0)) == "1 business day"
    assert overdue_by(line(12, 0)) == "12 business days"
    assert overdue_by(line(0, 5)) == "5 business hours"
    assert overdue_by(line(0, 0)) == "under an hour"
    assert overdue_by(line(3, 0, paused=True)) == "3 business days (clock paused)"


def test_hostile_names_print_as_text(town):
    Department.update(name='<img src="http://127.0.0.1:9/x.png"/> & Co').where(
        Department.code == "DPW"
    ).execute()
    report = monthly_report("2026-10", actor=None)
    text = "".join(texts_of(build_council_report(report, page_setup())))
    assert '<img src="http://127.0.0.1:9/x.png"/> & Co' in text


def run(capsys, base: list[str], *argv: str) -> tuple[int, str, str]:
    code = main([*base, *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_stats_report_export_and_goals_from_the_command_line(tmp_path: Path, capsys):
    db = tmp_path / "town.db"
    base = ["--basedir", str(tmp_path), "--db", str(db)]
    assert main([*base, "init", "--town", "Alder Falls", "--demo", "600"]) == 0
    capsys.readouterr()
    code, _out, err = run(capsys, base, "goals", "set", "pothole", "0.95", "3")
    assert code == 1 and "percentage from 1 to 100" in err
    code, out, _err = run(capsys, base, "goals", "set", "pothole", "95%", "3")
    assert code == 0 and "95 % of Pothole resolved within 3 business days" in out
    code, out, _err = run(capsys, base, "stats", "--month", "2026-10", "--json")
    assert code == 0
    data = json.loads(out)
    opened = open_database(db)
    try:
        board = citistat.dashboard(
            citistat.Period.month("2026-10"), now=dt.datetime.now(), actor=None
        )
        assert data["received"] == board.as_dict()["received"]
        assert data["resolved_on_time"]["counted"] == board.resolved_on_time.counted
        assert data["goals"][0]["type"] == "Pothole"
    finally:
        close_database(opened)
    pdf = tmp_path / "october.pdf"
    code, out, _err = run(
        capsys, base, "report", "monthly", "--month", "2026-10", "--out", str(pdf)
    )
    assert code == 0 and pdf.exists() and "pages" in out
    sheet = tmp_path / "open.csv"
    code, out, _err = run(
        capsys, base, "export", "--public", "--from", "2026-10-01", "--to", "2026-10-31",
        "--out", str(sheet),
    )  # fmt: skip
    assert code == 0 and f"{data['received']['count']:,} requests" in out
    code, out, _err = run(capsys, base, "export", "--list-columns")
    assert "resolved_on_time" in out and "contact_phone" in out
    code, _out, err = run(capsys, base, "export", "--columns", "salary", "--out", str(sheet))
    assert code == 1 and "no column" in err
    code, _out, err = run(capsys, base, "stats", "--month", "October")
    assert code == 1 and "is not a month" in err
    code, out, _err = run(capsys, base, "goals", "list")
    assert "Pothole" in out
    assert run(capsys, base, "goals", "remove", "pothole")[0] == 0


def test_export_and_stats_refuse_what_would_be_an_empty_file_or_a_crash(tmp_path: Path, capsys):
    db = tmp_path / "town.db"
    base = ["--basedir", str(tmp_path), "--db", str(db)]
    assert main([*base, "init", "--town", "Alder Falls", "--demo", "300"]) == 0
    capsys.readouterr()
    sheet = tmp_path / "sheet.csv"
    for status in ("bogus", "Closed,nope"):
        code, _out, err = run(capsys, base, "export", "--status", status, "--out", str(sheet))
        assert code == 1 and "is not a status" in err and not sheet.exists()
    code, _out, err = run(
        capsys, base, "export", "--from", "2026-10-31", "--to", "2026-10-01", "--out", str(sheet)
    )
    assert code == 1 and "end before they start" in err
    code, out, _err = run(capsys, base, "export", "--status", "open", "--json", "--out", str(sheet))
    opened = open_database(db)
    try:
        still_open = ServiceRequest.select().where(ServiceRequest.status.in_(OPEN_STATUSES)).count()
        done = ServiceRequest.select().where(ServiceRequest.status.in_(DONE_STATUSES)).count()
    finally:
        close_database(opened)
    assert code == 0 and json.loads(out)["requests"] == still_open > 0
    code, out, _err = run(
        capsys, base, "export", "--status", "Resolved,closed", "--json", "--out", str(sheet)
    )
    assert code == 0 and json.loads(out)["requests"] == done > 0
    for argv in (
        ["stats", "--from", "0001-01-01", "--to", "2026-01-01"],
        ["stats", "--from", "1900-01-01", "--to", "9999-12-31"],
        ["report", "monthly", "--month", "9999-12", "--out", str(tmp_path / "r.pdf")],
        ["report", "monthly", "--month", "0001-01", "--out", str(tmp_path / "r.pdf")],
    ):
        try:
            code, _out, err = run(capsys, base, *argv)
        except SystemExit as usage:  # argparse's own exit for a malformed argument
            code, err = int(str(usage.code)), capsys.readouterr().err
        assert code in (1, 2) and "from 1900 to 2999" in err, argv
        assert "Traceback" not in err


def test_the_report_in_spanish_keeps_every_word_whole(town):
    """The council's report from a Spanish window: its own words in Spanish, none cut short."""
    from desktop.i18n import speaking

    with speaking("es"):
        report = monthly_report("2026-10", actor=None)
        texts = texts_of(build_council_report(report, page_setup()))
    first = texts[0]
    assert "octubre de 2026" in first and "Solicitudes recibidas" in first
    assert "Obras Públicas" in "\n".join(texts)  # the departments by their Spanish names
    for text in texts:
        cut = [line for line in text.splitlines() if re.search(r"\w…", line)]
        assert not cut, cut  # a word ended with "…" was cut to fit
