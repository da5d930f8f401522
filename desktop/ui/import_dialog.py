"""File → Import requests…: a town's old spreadsheet or another system's export, shown before
it comes in. The clerk picks the file; the core reads it and says which column is which field,
what each of its request types and statuses becomes here; the clerk changes any of it, checks
(nothing is written), imports (a progress bar that can be cancelled), and can undo an import
from the list of earlier ones. The work is the core's (`models.imports.batches`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import N_, _
from desktop.models.catalog.types import list_types
from desktop.models.imports import batches, columns
from desktop.models.imports.batches import Plan, Result
from desktop.models.storage.schema import StaffUser
from desktop.models.vocab import OPEN_STATUSES, RESOLUTIONS, STATUSES
from desktop.ui.background import BackgroundOp, Progress
from desktop.ui.messages import messages

AskPath = Callable[[QWidget], Path | None]
FILES = N_("Requests (*.csv *.txt *.xlsx *.xls *.ods);;All files (*)")


def ask_open_path(parent: QWidget) -> Path | None:
    path, _chosen = QFileDialog.getOpenFileName(parent, _("Import requests from"), "", _(FILES))
    return Path(path) if path else None


def status_choices() -> list[tuple[str, tuple[str, str | None]]]:
    """What a source's status may become here, as the clerk reads it."""
    found: list[tuple[str, tuple[str, str | None]]] = [
        (_("Open: {status}").format(status=STATUSES[s]), (s, None)) for s in OPEN_STATUSES
    ]
    for done in ("closed", "resolved"):
        for code, label in RESOLUTIONS.items():
            found.append(
                (
                    _("{status}: {resolution}").format(status=STATUSES[done], resolution=label),
                    (done, code),
                )
            )
    return found


def matched_by() -> dict[str, str]:
    """How a type was matched, as the clerk reads it (the ones to look at say so)."""
    return {
        "name": _("the same name"),
        "code": _("the same code"),
        "similar": _("a name like it"),
        "keyword": _("one of its keywords"),
        "triage": _("triage's guess: check it"),
        "chosen": _("your choice"),
        "new": _("nothing fits"),
    }


class ImportDialog(QDialog):
    """Choose a file, look at what would happen, import, undo."""

    #: a sentence for the status bar once an import has landed or been undone
    imported = Signal(str)

    def __init__(
        self,
        staff: Callable[[], StaffUser | None],
        parent: QWidget | None = None,
        *,
        ask_path: AskPath = ask_open_path,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Import requests"))
        self.staff = staff
        self.ask_path = ask_path
        self.plan: Plan | None = None
        self.outcome: Result | None = None
        self.job: BackgroundOp | None = None

        self.file_label = QLabel(_("Choose a CSV, Excel or OpenDocument file of requests."))
        self.file_label.setWordWrap(True)
        choose = QPushButton(_("&Choose a file…"))
        choose.clicked.connect(lambda _c=False: self.choose_file())
        top = QHBoxLayout()
        top.addWidget(self.file_label, 1)
        top.addWidget(choose)

        self.fields = self._table([_("Field"), _("Column of the file")], "importFields")
        self.reread = QPushButton(_("&Read the file again with these columns"))
        self.reread.clicked.connect(lambda _c=False: self.read_again())
        fields_page = QWidget()
        fields_layout = QVBoxLayout(fields_page)
        fields_layout.addWidget(self.fields)
        fields_layout.addWidget(self.reread)
        self.types = self._table(
            [_("Their request type"), _("Rows"), _("Here"), _("Matched by")], "importTypes"
        )
        self.statuses = self._table([_("Their status"), _("Rows"), _("Here")], "importStatuses")
        self.report = QPlainTextEdit()
        self.report.setObjectName("importReport")
        self.report.setReadOnly(True)
        self.history = self._table(
            [_("Import"), _("When"), _("From"), _("File"), _("Rows"), _("Imported"), _("State")],
            "importHistory",
        )
        undo = QPushButton(_("&Undo the chosen import…"))
        undo.clicked.connect(lambda _c=False: self.undo_chosen())
        history_page = QWidget()
        history_layout = QVBoxLayout(history_page)
        history_layout.addWidget(self.history)
        history_layout.addWidget(undo)

        self.tabs = QTabWidget()
        self.tabs.addTab(fields_page, _("Columns"))
        self.tabs.addTab(self.types, _("Request types"))
        self.tabs.addTab(self.statuses, _("Statuses"))
        self.tabs.addTab(self.report, _("What happens"))
        self.tabs.addTab(history_page, _("Earlier imports"))

        self.source = QLineEdit()
        self.source.setToolTip(
            _("Their numbers are kept as SOURCE:NUMBER, so a file comes in once.")
        )
        self.profile = QLineEdit()
        self.profile.setPlaceholderText(
            _("(optional) the system's name, to read its next file alike")
        )
        form = QFormLayout()
        form.addRow(_("It comes from:"), self.source)
        form.addRow(_("Keep these choices as:"), self.profile)

        self.problem = QLabel()
        self.problem.setObjectName("importProblem")
        self.problem.setStyleSheet("color: #b3261e")
        self.problem.setWordWrap(True)
        self.check_button = QPushButton(_("C&heck (changes nothing)"))
        self.check_button.clicked.connect(lambda _c=False: self.run(dry_run=True))
        self.import_button = QPushButton(_("&Import"))
        self.import_button.clicked.connect(lambda _c=False: self.run(dry_run=False))
        close = QPushButton(_("Close"))
        close.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.check_button)
        buttons.addWidget(self.import_button)
        buttons.addWidget(close)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addLayout(buttons)
        self.resize(760, 600)
        self._enable()
        self.fill_history()

    def _table(self, headers: list[str], name: str) -> QTableWidget:
        table = QTableWidget(0, len(headers))
        table.setObjectName(name)
        table.setHorizontalHeaderLabels(headers)
        table.verticalHeader().setVisible(False)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        table.horizontalHeader().setStretchLastSection(True)
        return table

    def _enable(self) -> None:
        ready = self.plan is not None and self.job is None
        for button in (self.check_button, self.import_button, self.reread):
            button.setEnabled(ready)

    # -- reading the file ---------------------------------------------------------------------

    def choose_file(self) -> None:
        path = self.ask_path(self)
        if path is not None:
            self.read(path, fields=[], source="")

    def read_again(self) -> None:
        if self.plan is None:
            return
        self.read(self.plan.path, fields=self.field_choices(), source=self.source.text())

    def read(self, path: Path, *, fields: list[str], source: str) -> None:
        actor = self.staff()
        profile = self.profile.text().strip()

        def work(_progress: Progress) -> Plan:
            return batches.plan_import(
                path, source=source, profile=profile, fields=fields, actor=actor
            )

        self.problem.clear()
        self._start(
            BackgroundOp(
                self,
                _("Import requests"),
                _("Reading {name}…").format(name=path.name),
                work,
                on_success=self.show_plan,
                show_errors=False,
            )
        )

    def show_plan(self, plan: Plan) -> None:
        self.plan = plan
        self.outcome = None
        table = plan.table
        where = f"{table.encoding}, " if table.encoding else ""
        where += _("sheet “{sheet}”").format(sheet=table.sheet) if table.sheet else ""
        self.file_label.setText(
            _("{file}: {rows:,} rows ({where})").format(
                file=plan.path.name, rows=table.count, where=where.strip(", ") or "CSV"
            )
            + (
                "\n" + _("An import of this file stopped before its end: it carries on.")
                if plan.resume
                else ""
            )
        )
        self.source.setText(plan.source)
        self._fill_fields(plan)
        self._fill_types(plan)
        self._fill_statuses(plan)
        self.report.setPlainText(
            _("Look at the columns, types and statuses, then Check or Import.")
        )
        self.tabs.setCurrentIndex(0)

    def _fill_fields(self, plan: Plan) -> None:
        specs = columns.fields()
        self.fields.setRowCount(len(specs))
        for row, spec in enumerate(specs):
            self.fields.setItem(row, 0, QTableWidgetItem(spec.label))
            combo = QComboBox()
            combo.addItem(_("(not in the file)"), "")
            for name in plan.table.header:
                combo.addItem(name, name)
            combo.setCurrentIndex(max(0, combo.findData(plan.fields.get(spec.name, ""))))
            combo.setProperty("field", spec.name)
            self.fields.setCellWidget(row, 1, combo)

    def field_choices(self) -> list[str]:
        return [
            f"{combo.property('field')}={combo.currentData()}"
            for combo in (self.fields.cellWidget(r, 1) for r in range(self.fields.rowCount()))
            if isinstance(combo, QComboBox)
        ]

    def _fill_types(self, plan: Plan) -> None:
        here = [(f"{t.name} ({t.code})", t.code) for t in list_types(include_retired=False)]
        self.types.setRowCount(len(plan.types))
        for row, choice in enumerate(plan.types):
            self.types.setItem(row, 0, QTableWidgetItem(choice.source or _("(blank)")))
            self.types.setItem(row, 1, _number(choice.rows))
            combo = QComboBox()
            combo.addItem(_("A new type in the group Imported"), None)
            for label, code in here:
                combo.addItem(label, code)
            if choice.code is not None and combo.findData(choice.code) < 0:
                combo.addItem(choice.code, choice.code)  # an Imported type made before
            combo.setCurrentIndex(max(0, combo.findData(choice.code)))
            self.types.setCellWidget(row, 2, combo)
            how = QTableWidgetItem(matched_by().get(choice.how, choice.how))
            self.types.setItem(row, 3, how)
            combo.currentIndexChanged.connect(
                lambda _i, item=how: item.setText(matched_by()["chosen"])
            )

    def _fill_statuses(self, plan: Plan) -> None:
        options = status_choices()
        self.statuses.setRowCount(len(plan.statuses))
        for row, (word, (status, resolution, rows)) in enumerate(plan.statuses.items()):
            self.statuses.setItem(row, 0, QTableWidgetItem(word))
            self.statuses.setItem(row, 1, _number(rows))
            combo = QComboBox()
            for label, value in options:
                combo.addItem(label, value)
            combo.setCurrentIndex(
                next((i for i, (_l, v) in enumerate(options) if v == (status, resolution)), 0)
            )
            self.statuses.setCellWidget(row, 2, combo)

    def apply_choices(self) -> None:
        """The clerk's types and statuses into the plan (nothing is read again)."""
        assert self.plan is not None
        for row, choice in enumerate(self.plan.types):
            combo = self.types.cellWidget(row, 2)
            if isinstance(combo, QComboBox) and combo.currentData() != choice.code:
                choice.code = combo.currentData()
                choice.how = "chosen" if choice.code else "new"
        for row, word in enumerate(list(self.plan.statuses)):
            combo = self.statuses.cellWidget(row, 2)
            if isinstance(combo, QComboBox):
                status, resolution = combo.currentData()
                self.plan.statuses[word][:2] = [status, resolution]
        source = self.source.text().strip()
        if source and source != self.plan.source:  # their numbers are kept under this name
            self.read(self.plan.path, fields=self.field_choices(), source=source)
            raise _ReadAgain

    # -- importing ----------------------------------------------------------------------------

    def run(self, *, dry_run: bool) -> None:
        if self.plan is None:
            return
        try:
            self.apply_choices()
        except _ReadAgain:
            self.problem.setText(_("The file is read again under the new name: then go on."))
            return
        plan, actor, profile = self.plan, self.staff(), self.profile.text().strip()

        def work(progress: Progress) -> Result:
            def moved(done: int, total: int) -> None:
                progress.report(done, total)
                progress.check()  # Cancel: the chunks saved so far stay, the batch is cancelled

            result = batches.run_import(plan, dry_run=dry_run, actor=actor, progress=moved)
            if profile and not dry_run:
                batches.save_profile(profile, plan, actor=actor)
            return result

        def stopped(sentence: str) -> None:
            self.problem.setText(
                sentence
                or _(
                    "Stopped. What was saved stays, as an import of its own: import the same "
                    "file again to carry on, or undo it under Earlier imports."
                )
            )
            self.fill_history()

        self.problem.clear()
        verb = _("Checking {name}…") if dry_run else _("Importing {name}…")
        job = BackgroundOp(
            self,
            _("Import requests"),
            verb.format(name=plan.path.name),
            work,
            on_success=lambda result: self.show_result(result, plan),
            cancellable=not dry_run,
            show_errors=False,
        )
        job.failed.connect(stopped)
        self._start(job, connect_failed=False)

    def show_result(self, result: Result, plan: Plan) -> None:
        self.outcome = result
        self.report.setPlainText(
            "\n".join(batches.summary(plan, result, undo_hint=_("Earlier imports")))
        )
        self.tabs.setCurrentWidget(self.report)
        if not result.dry_run:
            self.fill_history()
            self.imported.emit(
                _("Imported {n:,} requests from {file} (import {batch}).").format(
                    n=result.imported, file=plan.path.name, batch=result.batch
                )
            )

    def _start(self, job: BackgroundOp, *, connect_failed: bool = True) -> None:
        self.job = job
        if connect_failed:
            job.failed.connect(self.problem.setText)
        job.finished.connect(self._finished)
        self._enable()
        job.run()

    def _finished(self) -> None:
        self.job = None
        self._enable()

    # -- earlier imports and undo -------------------------------------------------------------

    def fill_history(self) -> None:
        found = batches.list_batches()
        self.history.setRowCount(len(found))
        states = {
            "running": _("stopped"),
            "cancelled": _("cancelled"),
            "done": _("done"),
            "undone": _("undone"),
        }
        for row, batch in enumerate(found):
            cells = [
                str(batch["batch"]),
                batch["started_at"].replace("T", " ")[:16],
                batch["source"],
                batch["file"],
                f"{batch['rows']:,}",
                f"{batch['imported']:,}",
                states.get(batch["state"], batch["state"]),
            ]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, batch["batch"])
                self.history.setItem(row, column, item)

    def undo_chosen(self) -> None:
        row = self.history.currentRow()
        item = self.history.item(row, 0) if row >= 0 else None
        if item is None:
            self.problem.setText(_("Choose an import in the list first."))
            return
        number = int(item.data(Qt.ItemDataRole.UserRole))
        actor = self.staff()

        def work(_progress: Progress) -> dict[str, Any]:
            return batches.undo_import(number, actor=actor)

        def undone(outcome: dict[str, Any]) -> None:
            lines = batches.undo_summary(outcome)
            self.report.setPlainText("\n".join(lines))
            self.tabs.setCurrentWidget(self.report)
            self.fill_history()
            self.imported.emit(lines[0])

        def start() -> None:
            self.problem.clear()
            self._start(
                BackgroundOp(
                    self,
                    _("Undo import"),
                    _("Undoing import {n}…").format(n=number),
                    work,
                    on_success=undone,
                    show_errors=False,
                )
            )

        messages.confirm(
            self,
            _("Undo import"),
            _(
                "Undo import {n}? The requests it brought in go, unless a clerk has changed "
                "them since (those stay, and are named)."
            ).format(n=number),
            start,
        )


class _ReadAgain(Exception):
    """The source's name changed: the plan is made again before anything is saved."""


def _number(n: int) -> QTableWidgetItem:
    item = QTableWidgetItem(f"{n:,}")
    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item
