"""The Dashboard and the council report at 1,000,000 requests.

Figures (issue 8), each beside a raw sqlite3 aggregate measured in the same run on the same file:
- a dashboard refresh (every number, for the last whole month against the month before)
  ≤ 300 ms; baseline: one raw `COUNT(*)` and `SUM(...)` over the month's requests;
- the monthly council report (its data and its PDF) ≤ 5 s; baseline: the same raw aggregate
  and a one-page reportlab document.
Two service goals are set on a copy of the demo database, so the shared file stays as it was.

The refresh reads the month's requests, so its time follows the month's volume, not the
table's size. The benchmark town logs 50,000 requests a year (benchmarks.common), a month of
about 4,000; the same figures are also printed for a million requests squeezed into two years
(41,000 a month: four Bostons), to show where the time goes at that volume.
"""

from __future__ import annotations

import datetime as dt
import io
import shutil
import sqlite3
from pathlib import Path

from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.platypus import Paragraph, SimpleDocTemplate

from benchmarks.common import (
    DATA,
    SCALE,
    demo_database,
    median,
    p95,
    remove_database,
    report,
    timed,
)

REPEAT = 15


def _raw_aggregate(path: str, start: str, end: str) -> None:
    connection = sqlite3.connect(path)
    connection.execute(
        "SELECT COUNT(*), SUM(CASE WHEN resolved_at <= due_at THEN 1 ELSE 0 END) "
        "FROM service_request WHERE requested_at >= ? AND requested_at < ?",
        (start, end),
    ).fetchall()
    connection.close()


def _minimal_pdf() -> bytes:
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=LETTER).build(
        [Paragraph("Service report", getSampleStyleSheet()["Title"])]
    )
    return out.getvalue()


def main() -> None:
    _measure(demo_database(), "")
    _measure(demo_database(SCALE, years=2), ", 2 years")


def _measure(source: Path, shape: str) -> None:
    from desktop.models import clock
    from desktop.models.documents.gather import page_setup
    from desktop.models.reports import citistat, goals
    from desktop.models.reports.council import monthly_report
    from desktop.models.setup.opening import open_database
    from desktop.models.storage.db import close_database
    from desktop.printing.council_report import build_council_report

    copy = DATA / f"dashboard-{SCALE}.db"
    shutil.copyfile(source, copy)
    opened = open_database(copy)
    try:
        goals.set_goal("pothole", 95, 3, actor=None)
        goals.set_goal("street_light_out", 90, 5, actor=None)
        first = clock.today().replace(day=1) - dt.timedelta(days=1)
        month = f"{first:%Y-%m}"
        period = citistat.Period.month(month)
        start, end = str(period.begins), str(period.ends)
        volume = citistat.dashboard(period, actor=None).received.count  # and warm the page cache
        label = f"dashboard refresh, {month} ({volume:,} received{shape})"
        app = timed(lambda: citistat.dashboard(period, actor=None), REPEAT)
        base = timed(lambda: _raw_aggregate(str(copy), start, end), REPEAT)
        report(f"{label} median", median(app), median(base))
        report(f"{label} p95", p95(app), p95(base), target="≤ 300 ms" if not shape else "")

        def council() -> bytes:
            return build_council_report(monthly_report(month, actor=None), page_setup())

        app = timed(council, 3)

        def baseline() -> bytes:
            _raw_aggregate(str(copy), start, end)
            return _minimal_pdf()

        base = timed(baseline, 3)
        report(
            f"monthly council report (data + PDF{shape})", median(app), median(base), "s", "≤ 5 s"
        )
    finally:
        close_database(opened)
        remove_database(copy)


if __name__ == "__main__":
    main()
