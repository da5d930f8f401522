"""Export the Requests list as shown (its view and filters) to CSV or Excel, with a column
chooser, or as open data. The work is the core's (`exports`); this dialog asks and shows."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import _, ngettext
from desktop.models.reports import exports
from desktop.models.requests.listing import RequestFilter
from desktop.models.staff import permissions
from desktop.models.storage.schema import StaffUser
from desktop.ui.background import BackgroundOp, Progress

AskPath = Callable[[QWidget, str, str], Path | None]


def ask_save_path(parent: QWidget, suggested: str, file_filter: str) -> Path | None:
    path, _chosen = QFileDialog.getSaveFileName(parent, _("Export to"), suggested, file_filter)
    return Path(path) if path else None


class ExportDialog(QDialog):
    """Format, columns (or open data), then where to save."""

    def __init__(
        self,
        filters: RequestFilter,
        count: int,
        staff: Callable[[], StaffUser | None],
        parent: QWidget | None = None,
        *,
        ask_path: AskPath = ask_save_path,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Export requests"))
        self.filters = filters
        self.staff = staff
        self.ask_path = ask_path
        self.written: Path | None = None
        self.count = 0
        self.job: BackgroundOp | None = None
        self.format = QComboBox()
        self.format.addItem(_("Excel workbook (.xlsx)"), "xlsx")
        self.format.addItem(_("CSV, for any spreadsheet (.csv)"), "csv")
        self.public = QCheckBox(
            _("Open data: no personal data, addresses to the block (fixed columns)")
        )
        self.public.toggled.connect(self._public_toggled)
        self.columns = QListWidget()
        self.columns.setObjectName("exportColumns")
        personal_ok = permissions.may_see_confidential(staff())
        for column in exports.available_columns(filters):
            item = QListWidgetItem(column.label)
            item.setData(Qt.ItemDataRole.UserRole, column.key)
            allowed = personal_ok or not column.personal
            flags = Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsSelectable
            item.setFlags(flags | Qt.ItemFlag.ItemIsEnabled if allowed else flags)
            item.setCheckState(
                Qt.CheckState.Checked if column.default and allowed else Qt.CheckState.Unchecked
            )
            if not allowed:
                item.setToolTip(_("Only supervisors and administrators export residents' details."))
            self.columns.addItem(item)
        every = QPushButton(_("All"))
        every.clicked.connect(lambda _c=False: self._check_all(True))
        none = QPushButton(_("None"))
        none.clicked.connect(lambda _c=False: self._check_all(False))
        self.problem = QLabel()
        self.problem.setStyleSheet("color: #b3261e")
        self.problem.setWordWrap(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Save).setText(_("Export…"))
        buttons.accepted.connect(self.export)
        buttons.rejected.connect(self.reject)
        picks = QHBoxLayout()
        picks.addWidget(QLabel(_("Columns:")))
        picks.addStretch(1)
        picks.addWidget(every)
        picks.addWidget(none)
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel(
                ngettext(
                    "{n:,} request, as the list shows it.",
                    "{n:,} requests, as the list shows them.",
                    count,
                ).format(n=count)
            )
        )
        layout.addWidget(self.format)
        layout.addWidget(self.public)
        layout.addLayout(picks)
        layout.addWidget(self.columns, 1)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)
        self.resize(460, 560)

    def _check_all(self, on: bool) -> None:
        for row in range(self.columns.count()):
            item = self.columns.item(row)
            if item.flags() & Qt.ItemFlag.ItemIsEnabled:
                item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)

    def _public_toggled(self, on: bool) -> None:
        self.columns.setEnabled(not on)

    def keys(self) -> list[str]:
        return [
            str(self.columns.item(row).data(Qt.ItemDataRole.UserRole))
            for row in range(self.columns.count())
            if self.columns.item(row).checkState() == Qt.CheckState.Checked
        ]

    def export(self) -> bool:
        keys = self.keys()
        public = self.public.isChecked()
        if not public and not keys:
            self.problem.setText(_("Choose at least one column."))
            return False
        kind = str(self.format.currentData())
        suggested = ("open-data" if public else "requests") + f".{kind}"
        file_filter = _("Excel workbook (*.xlsx)") if kind == "xlsx" else _("CSV file (*.csv)")
        path = self.ask_path(self, suggested, file_filter)
        if path is None:
            return False
        if path.suffix.lower() != f".{kind}":
            path = path.with_name(path.name + f".{kind}")
        filters, actor = self.filters, self.staff()
        columns = None if public else keys

        def work(_progress: Progress) -> int:  # a million rows to Excel: off the window's thread
            return exports.write_export(
                path, filters, columns, file_format=kind, public=public, actor=actor
            )

        def written(count: int) -> None:
            self.written = path
            self.count = count
            self.accept()

        def refused(sentence: str) -> None:
            self.setEnabled(True)
            self.problem.setText(sentence)  # the dialog stays, with the choices made

        self.setEnabled(False)
        self.problem.clear()
        self.job = BackgroundOp(
            self,
            _("Export"),
            _("Writing {name}…").format(name=path.name),
            work,
            on_success=written,
            show_errors=False,
        )
        self.job.failed.connect(refused)
        self.job.run()
        return True
