"""Printed documents: work orders, crew run sheets, receipts, letters, the FAQ binder and maps.

Plain data in (`desktop.printing.data`), PDF bytes out, with reportlab. No Qt and no database
queries here: `desktop.models.documents.gather` gathers the data, the UI and the CLI hand it over
(and `desktop.models.storage.safe_files` writes the bytes to the clerk's file, whole or not at all).

Importing the package (or its data classes) does not load reportlab: each builder's module loads
when the builder is first asked for (`from desktop.printing import build_letter`), so a command or
a window that prints nothing never pays for it (start-up time).
"""

from __future__ import annotations

import importlib
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from desktop.printing.faq_binder import build_faq_binder
    from desktop.printing.letter import build_letter, build_letters
    from desktop.printing.maps import build_map_pdf, render_png
    from desktop.printing.receipt import build_receipt
    from desktop.printing.route import in_route_order
    from desktop.printing.run_sheet import build_run_sheet
    from desktop.printing.work_order import build_work_orders

#: where each builder lives
_BUILDERS = {
    "build_faq_binder": "faq_binder",
    "build_letter": "letter",
    "build_letters": "letter",
    "build_map_pdf": "maps",
    "render_png": "maps",
    "build_receipt": "receipt",
    "build_run_sheet": "run_sheet",
    "in_route_order": "route",
    "build_work_orders": "work_order",
}


def __getattr__(name: str) -> Any:
    module = _BUILDERS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


def page_count(pdf: bytes) -> int:
    """How many pages a PDF made here has (reportlab writes one /Type /Page per page)."""
    return len(re.findall(rb"/Type\s*/Page\b", pdf))


__all__ = [
    "build_faq_binder",
    "build_letter",
    "build_letters",
    "build_map_pdf",
    "build_receipt",
    "build_run_sheet",
    "build_work_orders",
    "in_route_order",
    "page_count",
    "render_png",
]
