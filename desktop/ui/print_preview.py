"""Print preview (QtPdf's view of the generated PDF), printing to a real printer, Save as PDF.

Other screens call the entry points at the bottom (`print_work_orders`, `print_receipt`, ...):
work orders, run sheets and the FAQ binder are read from the core and built in a worker thread
(a 500-order packet takes seconds), a receipt or a letter is read at once (its refusals, such as
no postal address, are said straight away) and built in the worker; the preview opens when it
is ready. A print or a save records the print in each request's history, so the next work order
says REPRINT.
"""

from __future__ import annotations

import datetime as dt
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QIODevice,
    QObject,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QGuiApplication, QKeySequence, QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QPrintDialog, QPrinter, QPrinterInfo
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop import printing
from desktop.i18n import _, ngettext
from desktop.models.documents import gather as documents
from desktop.models.errors import InputError, KnownError
from desktop.models.outbox import delivery
from desktop.models.staff import permissions
from desktop.models.storage.safe_files import write_whole
from desktop.models.storage.schema import StaffUser
from desktop.ui.background import BackgroundOp
from desktop.ui.messages import messages

log = logging.getLogger("frontcounter.ui.print")

#: (printer, parent, on_accepted, on_cancelled) -> None: the system print dialog, not blocking
AskPrinter = Callable[[QPrinter, QWidget, Callable[[], None], Callable[[], None]], None]
#: (parent, suggested name) -> the chosen path, or None when cancelled
AskSavePath = Callable[[QWidget, str], Path | None]
PRINT_DPI = 300


def system_print_dialog(
    printer: QPrinter,
    parent: QWidget,
    on_accepted: Callable[[], None],
    on_cancelled: Callable[[], None],
) -> None:
    dialog = QPrintDialog(printer, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.accepted.connect(on_accepted)
    dialog.rejected.connect(on_cancelled)
    dialog.show()  # not exec(): the window keeps running while the dialog is up


def system_save_dialog(parent: QWidget, suggested: str) -> Path | None:
    name, _filter = QFileDialog.getSaveFileName(
        parent, _("Save as PDF"), suggested, _("PDF files (*.pdf)")
    )
    return Path(name) if name else None


def printers_available() -> bool:
    return bool(QPrinterInfo.availablePrinterNames())


class PrintPreviewDialog(QDialog):
    """Shows a PDF page by page; prints it or saves it. `printed` fires after either."""

    printed = Signal()
    print_failed = Signal(str)

    def __init__(
        self,
        pdf: bytes,
        title: str,
        parent: QWidget | None = None,
        *,
        suggested_name: str = "document.pdf",
        ask_printer: AskPrinter = system_print_dialog,
        ask_save_path: AskSavePath = system_save_dialog,
        has_printer: Callable[[], bool] = printers_available,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.pdf = pdf
        self.suggested_name = suggested_name
        self.ask_printer = ask_printer
        self.ask_save_path = ask_save_path
        self.has_printer = has_printer
        self._bytes = QByteArray(pdf)
        self._buffer = QBuffer(self._bytes, self)
        self._buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.document = QPdfDocument(self)
        self.document.load(self._buffer)
        self.view = QPdfView(self)
        self.view.setDocument(self.document)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        pages = self.document.pageCount()
        self.pages_label = QLabel(ngettext("{n} page", "{n} pages", pages).format(n=pages))
        self.print_button = QPushButton(_("&Print…"))
        self.print_button.setShortcut(QKeySequence.StandardKey.Print)
        self.print_button.clicked.connect(self.print_pdf)
        self.save_button = QPushButton(_("&Save as PDF…"))
        self.save_button.setShortcut(QKeySequence.StandardKey.Save)
        self.save_button.clicked.connect(self.save_pdf)
        close = QPushButton(_("Close"))
        close.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.pages_label)
        buttons.addStretch(1)
        for button in (self.print_button, self.save_button, close):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view, 1)
        layout.addLayout(buttons)
        self.resize(_fitted(parent, 820, 960))
        self._pending: list[int] = []
        self._painter: QPainter | None = None
        self._printer: QPrinter | None = None
        self.job: QObject | None = None

    # -- printing -------------------------------------------------------------------------------

    def print_pdf(self) -> None:
        if not self.has_printer():
            self._fail(
                _(
                    "No printer is set up on this computer. Save the document as a PDF and print "
                    "it from another computer, or ask for a printer to be added."
                )
            )
            return
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setDocName(self.windowTitle())
        self.ask_printer(printer, self, lambda: self.render_to(printer), self._cancelled)

    def _cancelled(self) -> None:
        """Said beside the buttons, not in a box: the clerk chose it, nothing went wrong."""
        self.pages_label.setText(_("Printing cancelled: nothing was printed."))

    def render_to(self, printer: QPrinter) -> None:
        """Paint every page onto the printer, one page per event-loop turn (no frozen window)."""
        painter = QPainter()
        if not painter.begin(printer):
            self._fail(
                _(
                    "The printer did not accept the job. Check that it is on and has paper, "
                    "then print again (nothing was lost)."
                )
            )
            return
        count = self.document.pageCount()
        first, last = printer.fromPage(), printer.toPage()
        pages = list(range(first - 1, last)) if first > 0 and last >= first else list(range(count))
        self._pending = [p for p in pages if 0 <= p < count]
        self._painter, self._printer = painter, printer
        self.print_button.setEnabled(False)
        QTimer.singleShot(0, self._next_page)

    def _next_page(self) -> None:
        painter, printer = self._painter, self._printer
        assert painter is not None and printer is not None
        page = self._pending.pop(0)
        area = printer.pageLayout().paintRectPixels(printer.resolution())
        points = self.document.pagePointSize(page)
        dpi = min(printer.resolution(), PRINT_DPI)
        size = QSize(round(points.width() / 72 * dpi), round(points.height() / 72 * dpi))
        image = self.document.render(page, size)
        target = image.size().scaled(area.size(), Qt.AspectRatioMode.KeepAspectRatio)
        painter.drawImage(
            area.topLeft().x(),
            area.topLeft().y(),
            image.scaled(
                target,
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            ),
        )
        if self._pending:
            printer.newPage()
            QTimer.singleShot(0, self._next_page)
            return
        ok = painter.end()
        self._painter = self._printer = None
        self.print_button.setEnabled(True)
        if not ok or printer.printerState() == QPrinter.PrinterState.Error:
            self._fail(_("The print job failed. Check the printer, then print again."))
            return
        self.printed.emit()

    # -- saving -----------------------------------------------------------------------------

    def save_pdf(self) -> None:
        path = self.ask_save_path(self, self.suggested_name)
        if path is None:
            return
        try:
            write_whole(path, self.pdf)  # a failure leaves no half PDF under the chosen name
        except OSError as exc:
            self._fail(
                _("Could not save {path}: {reason}.").format(path=path, reason=exc.strerror or exc)
            )
            return
        self.printed.emit()

    def _fail(self, text: str) -> None:
        messages.error(self, KnownError(text), _("Printing"))
        self.print_failed.emit(text)


# -- building in the background ---------------------------------------------------------------


class PrintJob(QObject):
    """One document being built off the UI thread; `ready` brings its preview dialog."""

    ready = Signal(object)  # the PrintPreviewDialog
    failed = Signal(str)
    _running: set[PrintJob] = set()  # noqa: RUF012 - keeps jobs alive until they finish

    def __init__(
        self,
        parent: QWidget | None,
        title: str,
        build: Callable[[], bytes],
        on_printed: Callable[[], object],
        *,
        suggested_name: str,
        show: bool = True,
        dialog_options: dict[str, Any] | None = None,
        on_unprinted: Callable[[], object] | None = None,
    ) -> None:
        super().__init__()
        self.parent_widget = parent
        self.title = title
        self.on_printed = on_printed
        #: what to undo when the preview closes without printing (letters claimed for it)
        self.on_unprinted = on_unprinted
        self.was_printed = False
        self.suggested_name = suggested_name
        self.show = show
        self.dialog_options = dialog_options or {}
        PrintJob._running.add(self)
        # read and built off the window's thread, the one way long work is done (background.py)
        self.op = BackgroundOp(
            parent,
            title,
            _("Preparing {title}…").format(title=title.lower()),
            lambda _progress: build(),
            on_error=self._failed,
        )
        self.op.succeeded.connect(self._done)
        self.op.run()

    def _done(self, pdf: bytes) -> None:
        PrintJob._running.discard(self)
        dialog = PrintPreviewDialog(
            pdf,
            self.title,
            self.parent_widget,
            suggested_name=self.suggested_name,
            **self.dialog_options,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.printed.connect(self._printed)
        dialog.finished.connect(lambda _result: self._closed())
        dialog.job = self  # lives as long as its dialog: it records the print
        if self.show:
            dialog.open()
        self.ready.emit(dialog)

    def _printed(self) -> None:
        self.was_printed = True
        try:
            self.on_printed()
        except KnownError as exc:
            messages.error(self.parent_widget, exc, _("Printing"))

    def _closed(self) -> None:
        if self.was_printed or self.on_unprinted is None:
            return
        try:
            self.on_unprinted()
        except KnownError as exc:  # the lease runs out by itself; nothing is lost
            log.warning("could not give back what was claimed for printing: %s", exc)

    def _failed(self, exc: BaseException) -> None:
        PrintJob._running.discard(self)
        self._closed()
        if isinstance(exc, KnownError):
            messages.error(self.parent_widget, exc, _("Printing"))
            self.failed.emit(str(exc))
            return
        self.failed.emit(str(exc))
        sys.excepthook(type(exc), exc, exc.__traceback__)


def _fitted(parent: QWidget | None, width: int, height: int) -> QSize:
    """The wanted size, no larger than the screen the dialog opens on (a laptop's 768 pixels
    must still show the Print button)."""
    screen = parent.screen() if parent is not None else QGuiApplication.primaryScreen()
    if screen is None:
        return QSize(width, height)
    room = screen.availableGeometry()
    return QSize(min(width, room.width() - 40), min(height, room.height() - 80))


# -- what other screens call ------------------------------------------------------------------


def _known(parent: QWidget | None, action: Callable[[], PrintJob]) -> PrintJob | None:
    try:
        return action()
    except KnownError as exc:
        messages.error(parent, exc, _("Printing"))
        return None


def print_work_orders(
    parent: QWidget | None, request_ids: list[int], actor: StaffUser | None, **options: Any
) -> PrintJob | None:
    """Preview and print the work orders of these requests (at most MAX_SELECTED_ORDERS),
    read and built in the worker."""

    def start() -> PrintJob:
        documents.refuse_large_selection(len(request_ids))
        permissions.require(actor, permissions.REQUEST_PRINT)  # a refusal is said at once
        ids = list(request_ids)
        first = documents.tracking_numbers(ids[:1])
        return PrintJob(
            parent,
            _("Work orders"),
            lambda: printing.build_work_orders(
                documents.work_orders(ids, actor=actor), documents.page_setup()
            ),
            lambda: documents.record_printed(ids, documents.WORK_ORDER, actor=actor),
            suggested_name=f"work-order-{first[0] if first else 'work-orders'}.pdf",
            **options,
        )

    return _known(parent, start)


def print_run_sheet(
    parent: QWidget | None,
    department_code: str | None,
    day: dt.date,
    actor: StaffUser | None,
    *,
    assignee: str | None = None,
    **options: Any,
) -> PrintJob | None:
    """Preview and print a department's (or a crew member's, or both) packet for a day, read
    and built in the worker."""

    ids: list[int] = []  # the orders the worker read: the ones a print records

    def build() -> bytes:
        sheet = documents.run_sheet(department_code, day, assignee=assignee, actor=actor)
        ids[:] = [order.request_id for order in sheet.orders]
        return printing.build_run_sheet(sheet, documents.page_setup())

    def start() -> PrintJob:
        permissions.require(actor, permissions.REQUEST_PRINT)  # a refusal is said at once
        return PrintJob(
            parent,
            _("Run sheet"),
            build,
            lambda: documents.record_printed(ids, documents.WORK_ORDER, actor=actor),
            suggested_name="run-sheet-"
            + "-".join(p for p in (department_code, assignee) if p)
            + f"-{day.isoformat()}.pdf",
            **options,
        )

    return _known(parent, start)


def print_receipt(
    parent: QWidget | None, request_id: int, actor: StaffUser | None, **options: Any
) -> PrintJob | None:
    """Preview and print the resident's receipt."""

    def start() -> PrintJob:
        setup = documents.page_setup()
        receipt = documents.receipt(request_id, actor=actor)
        return PrintJob(
            parent,
            _("Receipt"),
            lambda: printing.build_receipt(receipt, setup),
            lambda: documents.record_printed([request_id], documents.RECEIPT, actor=actor),
            suggested_name=f"receipt-{receipt.tracking_number}.pdf",
            **options,
        )

    return _known(parent, start)


def print_letter(
    parent: QWidget | None, request_id: int, template: str, actor: StaffUser | None, **options: Any
) -> PrintJob | None:
    """Preview and print a letter to the resident from one of the town's templates."""

    def start() -> PrintJob:
        setup = documents.page_setup()
        letter = documents.letter(request_id, template, actor=actor)
        note = _("Letter “{name}” printed").format(name=template)
        return PrintJob(
            parent,
            _("Letter"),
            lambda: printing.build_letter(letter, setup),
            lambda: documents.record_printed(
                [request_id], documents.LETTER, actor=actor, note=note
            ),
            suggested_name=f"letter-{letter.tracking_number}.pdf",
            **options,
        )

    return _known(parent, start)


def print_letter_batch(
    parent: QWidget | None, actor: StaffUser | None, **options: Any
) -> PrintJob | None:
    """Preview and print the outbox's letters waiting for the post, one PDF for them all;
    once printed they are done."""

    def start() -> PrintJob:
        owner = delivery.sender_name()
        ids, letters = delivery.letter_batch(owner=owner)
        if not letters:
            elsewhere = delivery.letters_held_elsewhere(owner)
            if elsewhere:
                raise InputError(
                    ngettext(
                        "{n} letter is being printed at another workstation; none is left waiting.",
                        "{n:,} letters are being printed at another workstation; none is left "
                        "waiting.",
                        elsewhere,
                    ).format(n=elsewhere)
                )
            raise InputError(_("No letters are waiting for the post."))
        setup = documents.page_setup()
        return PrintJob(
            parent,
            _("Letters for the post"),
            lambda: printing.build_letters(letters, setup),
            lambda: delivery.mark_printed(ids, actor=actor, owner=owner),
            suggested_name="letters.pdf",
            on_unprinted=lambda: delivery.release_letters(ids, owner),
            **options,
        )

    return _known(parent, start)


def print_faq_binder(parent: QWidget | None, **options: Any) -> PrintJob | None:
    """Preview and print every public FAQ article by topic, with contents (for the day the
    computers are down), read and built in the worker."""

    def start() -> PrintJob:
        return PrintJob(
            parent,
            _("FAQ binder"),
            lambda: printing.build_faq_binder(documents.faq_binder(), documents.page_setup()),
            lambda: None,
            suggested_name="faq-binder.pdf",
            **options,
        )

    return _known(parent, start)
