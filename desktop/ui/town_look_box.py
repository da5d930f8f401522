"""Settings → "Look of printed documents": the town's logo (with a preview) and the paper size.

The checks are the core's (`settings.read_logo_file`, `settings.update_settings`): a file that
is not a PNG or JPEG picture, or too large, is refused with a sentence and the old logo stays.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import N_, _
from desktop.models.errors import KnownError
from desktop.models.storage.schema import StaffUser
from desktop.models.town import settings
from desktop.ui.messages import messages

PREVIEW_WIDTH, PREVIEW_HEIGHT = 280, 110
PAPER_SIZES = (
    ("letter", N_("US Letter (8½ × 11 in)")),
    ("a4", N_("A4 (210 × 297 mm)")),
)


def _choose_logo_file(parent: QWidget) -> str:
    path, _filter = QFileDialog.getOpenFileName(
        parent, _("Choose the town's logo"), "", _("Pictures (*.png *.jpg *.jpeg)")
    )
    return str(path)


class TownLookBox(QGroupBox):
    """The logo at the top of every document, and US Letter or A4 paper."""

    #: a sentence saying what was saved, for the status bar
    saved = Signal(str)

    def __init__(
        self, staff: Callable[[], StaffUser | None], parent: QWidget | None = None
    ) -> None:
        super().__init__(_("Look of printed documents"), parent)
        #: who is signed in at this workstation: the actor of every save here
        self.staff = staff
        self.setObjectName("townLookBox")
        #: asks for the logo file; tests replace it
        self.choose_file: Callable[[QWidget], str] = _choose_logo_file
        self.preview = QLabel()
        self.preview.setObjectName("logoPreview")
        self.preview.setFixedSize(PREVIEW_WIDTH, PREVIEW_HEIGHT)
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setFrameShape(QFrame.Shape.StyledPanel)
        self.facts = QLabel()
        self.facts.setWordWrap(True)
        choose = QPushButton(_("Choose &logo…"))
        choose.clicked.connect(self.choose_logo)
        self.remove_button = QPushButton(_("Remove logo"))
        self.remove_button.clicked.connect(self.remove_logo)
        logo_buttons = QVBoxLayout()
        logo_buttons.addWidget(choose, 0, Qt.AlignmentFlag.AlignLeft)
        logo_buttons.addWidget(self.remove_button, 0, Qt.AlignmentFlag.AlignLeft)
        logo_buttons.addWidget(self.facts)
        logo_buttons.addStretch(1)
        logo_row = QHBoxLayout()
        logo_row.addWidget(self.preview)
        logo_row.addLayout(logo_buttons, 1)
        self.paper = QComboBox()
        self.paper.setObjectName("paperSize")
        for code, label in ((c, _(text)) for c, text in PAPER_SIZES):
            self.paper.addItem(label, code)
        save_paper = QPushButton(_("Save paper size"))
        save_paper.clicked.connect(self.save_paper)
        paper_row = QHBoxLayout()
        paper_row.addWidget(self.paper)
        paper_row.addWidget(save_paper)
        paper_row.addStretch(1)
        form = QFormLayout(self)
        form.addRow(_("Logo:"), logo_row)
        caption = QLabel(_("&Paper:"))
        caption.setBuddy(self.paper)
        form.addRow(caption, paper_row)
        self._versions: dict[str, int] = {}

    def load(self) -> None:
        try:
            logo = settings.get_logo()
            paper = settings.get_setting("print.page_size")
            self._versions = settings.setting_versions(["print.page_size"])
        except KnownError as exc:
            messages.error(self, exc)
            return
        self.paper.setCurrentIndex(max(self.paper.findData(paper), 0))
        self._show_logo(logo)

    def _show_logo(self, logo: bytes | None) -> None:
        self.remove_button.setEnabled(logo is not None)
        if logo is None:
            self.preview.setPixmap(QPixmap())
            self.preview.setText(_("(no logo)"))
            self.facts.setText(_("Documents carry the town's name without a logo."))
            return
        pixmap = QPixmap()
        if not pixmap.loadFromData(logo):
            self.preview.setText(_("(the saved logo cannot be shown)"))
            self.facts.setText(_("Choose the logo again: the saved one is not readable."))
            return
        self.preview.setPixmap(
            pixmap.scaled(
                PREVIEW_WIDTH - 8,
                PREVIEW_HEIGHT - 8,
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
        )
        self.facts.setText(
            _("{width} × {height} pixels, {kb:,} KB").format(
                width=pixmap.width(), height=pixmap.height(), kb=(len(logo) + 1023) // 1024
            )
        )

    def choose_logo(self) -> None:
        path = self.choose_file(self)
        if not path:
            return
        try:
            data = settings.read_logo_file(path)
            settings.set_logo(data, actor=self.staff())
        except KnownError as exc:
            messages.error(self, exc)
            return
        self._show_logo(data)
        self.saved.emit(_("The logo was saved; every document prints it from now on."))

    def remove_logo(self) -> None:
        def remove() -> None:
            try:
                settings.set_logo(None, actor=self.staff())
            except KnownError as exc:
                messages.error(self, exc)
                return
            self._show_logo(None)
            self.saved.emit(_("The logo was removed from printed documents."))

        messages.confirm(self, _("Logo"), _("Print documents without the town's logo?"), remove)

    def save_paper(self) -> None:
        try:
            settings.update_settings(
                {"print.page_size": self.paper.currentData()},
                versions=self._versions,
                actor=self.staff(),
            )
            self._versions = settings.setting_versions(["print.page_size"])
        except KnownError as exc:
            messages.error(self, exc)
            return
        self.saved.emit(
            _("Documents are printed on {paper} paper.").format(paper=self.paper.currentText())
        )
