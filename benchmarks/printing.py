"""Printing: one work order (median and p95) and a 500-order crew packet, each beside a minimal
reportlab document made in the same run (one page of one paragraph; for the packet, 500 such
pages in one document). Data comes from a demo database, gathered the way the app gathers it
(`desktop.models.documents.gather`). The machine's load is printed first: the figures are
wall-clock."""

from __future__ import annotations

import io
import os
import tempfile
import time
from pathlib import Path

from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate

from benchmarks.common import median, p95, report, timed
from desktop.models.documents import gather as documents
from desktop.models.setup.demo import generate_demo
from desktop.models.setup.opening import open_database
from desktop.models.storage.db import close_database
from desktop.models.storage.schema import ServiceRequest
from desktop.printing import build_run_sheet, build_work_orders
from desktop.printing.data import RunSheetData

REPEAT = 30
PACKET = 500


def minimal_document(pages: int = 1) -> bytes:
    """The baseline: `pages` pages of one short paragraph each, in reportlab's own font."""
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=LETTER)
    normal = getSampleStyleSheet()["Normal"]
    story = []
    for page in range(pages):
        story += [PageBreak()] if page else []
        story.append(Paragraph(f"Hello, town hall. Page {page + 1}.", normal))
    doc.build(story)
    return out.getvalue()


def main() -> None:
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"machine load (1, 5, 15 min): {load} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as folder:
        opened = open_database(Path(folder) / "print.db")
        try:
            generate_demo(PACKET * 2, seed=5, actor=None)
            ids = [r.id for r in ServiceRequest.select(ServiceRequest.id).limit(PACKET)]
            setup = documents.page_setup()
            build_work_orders(documents.work_orders(ids[-1:], actor=None), setup)  # fonts load once
            baseline = timed(minimal_document, REPEAT)
            # a different order each time, as at the counter (nothing of one is cached for the next)
            queue = iter(ids[PACKET - REPEAT - 1 : -1])
            cpu: list[float] = []

            def one_order() -> None:
                started = time.process_time()
                build_work_orders(documents.work_orders([next(queue)], actor=None), setup)
                cpu.append(time.process_time() - started)

            single = timed(one_order, REPEAT)
            report("printing: one work order (median)", median(single), median(baseline), "ms",
                   "target ≤ 30 ms")  # fmt: skip
            report("printing: one work order (p95)", p95(single), p95(baseline), "ms",
                   "target ≤ 30 ms")  # fmt: skip
            report("printing: one work order (median CPU time)", median(cpu), median(baseline),
                   "ms", "what an idle machine would take")  # fmt: skip
            started, cpu_started = time.perf_counter(), time.process_time()
            orders = documents.work_orders(ids, actor=None)
            sheet = RunSheetData("Public Works", "DPW", orders[0].requested_at.date(), orders)
            pdf = build_run_sheet(sheet, setup)
            packet = time.perf_counter() - started
            packet_cpu = time.process_time() - cpu_started
            assert len(pdf) > 0
            started = time.perf_counter()
            minimal_document(PACKET)
            pages = time.perf_counter() - started
            report(f"printing: {PACKET}-order packet", packet, pages, "s",
                   f"target ≤ 10 s (baseline: {PACKET} minimal pages)")  # fmt: skip
            report(f"printing: {PACKET}-order packet (CPU time)", packet_cpu, pages, "s",
                   "what an idle machine would take")  # fmt: skip
        finally:
            close_database(opened)


if __name__ == "__main__":
    main()
