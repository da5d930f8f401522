"""The Settings group for residents' personal data: how long it is kept, and anonymising now.

The work is the core's (`privacy`); this box only asks and shows. The retention applies itself
once a day when the app starts (`privacy.run_scheduled`); "Anonymise now" does it at once.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import _, ngettext
from desktop.models.admin import privacy
from desktop.models.errors import KnownError
from desktop.models.storage.schema import StaffUser
from desktop.models.town.settings import MAX_RETENTION_YEARS
from desktop.ui.messages import messages


class PrivacyBox(QGroupBox):
    """Retention in years (0 keeps everything), what it would do now, and "Anonymise now"."""

    #: a sentence saying what was done, for the status bar
    saved = Signal(str)

    def __init__(
        self, staff: Callable[[], StaffUser | None], parent: QWidget | None = None
    ) -> None:
        super().__init__(_("Residents' personal data"), parent)
        self.setObjectName("privacyBox")
        self.staff = staff
        self.last_totals: dict[str, int] | None = None
        explain = QLabel(
            _(
                "Requests and their numbers are kept for the statistics; the names, phone "
                "numbers, emails and addresses of the residents who reported them can be removed "
                "once a request has been closed for long enough. 0 keeps them."
            )
        )
        explain.setWordWrap(True)
        self.years = QSpinBox()
        self.years.setObjectName("retentionYears")
        self.years.setRange(0, MAX_RETENTION_YEARS)
        self.years.setSpecialValueText(_("keep them"))
        self.years.setSuffix(_(" years after closing"))
        self.years.valueChanged.connect(self._show_due)
        self.save_button = QPushButton(_("Save retention"))
        self.save_button.clicked.connect(self.save)
        self.now_button = QPushButton(_("Anonymise now…"))
        self.now_button.setObjectName("anonymiseNow")
        self.now_button.clicked.connect(self.anonymise_now)
        self.due = QLabel()
        self.due.setObjectName("retentionDue")
        self.due.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(QLabel(_("Remove residents' details")))
        row.addWidget(self.years)
        row.addWidget(self.save_button)
        row.addWidget(self.now_button)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(explain)
        layout.addLayout(row)
        layout.addWidget(self.due)

    def load(self) -> None:
        try:
            self.years.setValue(privacy.retention_years())
        except KnownError as exc:
            messages.error(self, exc)
        self._show_due()

    def _show_due(self) -> None:
        years = self.years.value()
        self.now_button.setEnabled(years > 0)
        if years == 0:
            self.due.setText(_("Residents' details are kept as long as the requests."))
            return
        try:
            count = privacy.due_count(years)
        except KnownError as exc:
            self.due.setText(str(exc))
            return
        self.due.setText(
            ngettext(
                "Today that would remove the residents' details from {n:,} closed request.",
                "Today that would remove the residents' details from {n:,} closed requests.",
                count,
            ).format(n=count)
        )

    def save(self) -> bool:
        try:
            privacy.set_retention(self.years.value(), actor=self.staff())
        except KnownError as exc:
            messages.error(self, exc)
            return False
        self.saved.emit(_("The retention of residents' details was saved."))
        return True

    def anonymise_now(self) -> None:
        """Ask, then anonymise with the retention shown (saved or not)."""
        years = self.years.value()
        if years < 1:
            return
        messages.confirm(
            self,
            _("Anonymise now"),
            _(
                "Remove the residents' details from requests closed more than {years} years "
                "ago? The requests and the statistics stay; the names, phone numbers and emails "
                "cannot be brought back except from a backup."
            ).format(years=years),
            lambda: self._anonymise(years),
        )

    def _anonymise(self, years: int) -> None:
        try:
            totals = privacy.anonymise(years, actor=self.staff())
        except KnownError as exc:
            messages.error(self, exc)
            return
        self.last_totals = totals
        self.saved.emit(
            _(
                "Anonymised {requests:,} requests, {questions:,} questions and {contacts:,} "
                "residents' records."
            ).format(**totals)
        )
        self._show_due()
