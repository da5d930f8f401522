"""The monthly council report read back from its PDF, and the CitiStat commands."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest
from pypdf import PdfReader

from desktop.app import main
from desktop.models import citistat, goals
from desktop.models.council import monthly_report
from desktop.models.db import close_database, open_database
from desktop.models.demo import generate_demo
from desktop.models.documents import page_setup
from desktop.models.schema import Department
from desktop.models.settings import set_settings
from desktop.printing import page_count
from desktop.printing.council_report import build_council_report


@pytest.fixture
def town(db):
    set_settings({"town.name": "Alder Falls"})
    generate_demo(1200, seed=9)
    goals.set_goal("pothole", 90, 3)
    return db


def test_the_report_has_a_summary_a_page_per_department_goals_overdue_and_trends(town):
    report = monthly_report("2026-10")
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
    pages = PdfReader(io.BytesIO(pdf)).pages
    departments = len(report.board.by_department)
    assert len(pages) == page_count(pdf) == 1 + departments + 3
    first = pages[0].extract_text()
    assert "Alder Falls" in first and "Service report: October 2026" in first
    assert f"{report.board.received.count:,}" in first
    assert "On time means resolved by the due date" in first
    texts = [page.extract_text() for page in pages]
    for group in report.board.by_department:
        assert any(text.startswith(group.name) for text in texts[1 : 1 + departments])
    assert "90 % of Pothole resolved within 3 business days" in texts[-3]
    assert "The most overdue requests" in texts[-2]
    if report.overdue:
        assert report.overdue[0].tracking_number in texts[-2]
    assert "Trends" in texts[-1] and "Oct 2026" in texts[-1]


def test_hostile_names_print_as_text(town):
    Department.update(name='<img src="http://127.0.0.1:9/x.png"/> & Co').where(
        Department.code == "DPW"
    ).execute()
    report = monthly_report("2026-10")
    pdf = build_council_report(report, page_setup())
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
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
    code, out, _err = run(capsys, base, "goals", "set", "pothole", "95", "3")
    assert code == 0 and "95 % of Pothole resolved within 3 business days" in out
    code, out, _err = run(capsys, base, "stats", "--month", "2026-10", "--json")
    assert code == 0
    data = json.loads(out)
    opened = open_database(db)
    try:
        board = citistat.dashboard(citistat.Period.month("2026-10"), now=dt.datetime.now())
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
