"""Printed documents: work orders, crew run sheets, receipts, letters and the FAQ binder.

Plain data in (`desktop.printing.data`), PDF bytes out, with reportlab. No Qt and no database
queries here: `desktop.models.documents.gather` gathers the data, the UI and the CLI hand it over
(and `desktop.models.storage.safe_files` writes the bytes to the clerk's file, whole or not at all).
"""

from __future__ import annotations

import re

from desktop.printing.faq_binder import build_faq_binder
from desktop.printing.letter import build_letter
from desktop.printing.receipt import build_receipt
from desktop.printing.run_sheet import build_run_sheet, in_route_order
from desktop.printing.work_order import build_work_orders


def page_count(pdf: bytes) -> int:
    """How many pages a PDF made here has (reportlab writes one /Type /Page per page)."""
    return len(re.findall(rb"/Type\s*/Page\b", pdf))


__all__ = [
    "build_faq_binder",
    "build_letter",
    "build_receipt",
    "build_run_sheet",
    "build_work_orders",
    "in_route_order",
    "page_count",
]
