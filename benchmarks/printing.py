"""Printing: one work order (median and p95) and a 500-order crew packet, each beside a minimal
one-page reportlab document made in the same run. Data comes from a demo database, gathered the
way the app gathers it (`desktop.models.documents`)."""

from __future__ import annotations

import io
import tempfile
import time
from pathlib import Path

from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.platypus import Paragraph, SimpleDocTemplate

from benchmarks.common import median, p95, report, timed
from desktop.models import documents
from desktop.models.db import close_database, open_database
from desktop.models.demo import generate_demo
from desktop.models.schema import ServiceRequest
from desktop.printing import build_run_sheet, build_work_orders
from desktop.printing.data import RunSheetData

REPEAT = 30
PACKET = 500


def minimal_document() -> bytes:
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=LETTER)
    doc.build([Paragraph("Hello, town hall.", getSampleStyleSheet()["Normal"])])
    return out.getvalue()


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        opened = open_database(Path(folder) / "print.db")
        try:
            generate_demo(PACKET * 2, seed=5)
            ids = [r.id for r in ServiceRequest.select(ServiceRequest.id).limit(PACKET)]
            setup = documents.page_setup()
            one = ids[:1]
            build_work_orders(documents.work_orders(one), setup)  # fonts load once
            baseline = timed(minimal_document, REPEAT)
            single = timed(lambda: build_work_orders(documents.work_orders(one), setup), REPEAT)
            report("printing: one work order (median)", median(single), median(baseline), "ms",
                   "target ≤ 30 ms")  # fmt: skip
            report("printing: one work order (p95)", p95(single), p95(baseline), "ms",
                   "target ≤ 30 ms")  # fmt: skip
            started = time.perf_counter()
            orders = documents.work_orders(ids)
            sheet = RunSheetData("Public Works", "DPW", orders[0].requested_at.date(), orders)
            pdf = build_run_sheet(sheet, setup)
            packet = time.perf_counter() - started
            assert len(pdf) > 0
            report(f"printing: {PACKET}-order packet", packet, median(baseline), "s",
                   "target ≤ 10 s")  # fmt: skip
        finally:
            close_database(opened)


if __name__ == "__main__":
    main()
