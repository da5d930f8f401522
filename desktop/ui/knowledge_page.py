"""The Knowledge base screen: search as you type, read, edit with history, the stale list,
import and export, and promoting a closed request's resolution to an article.

Qt only: every rule (search, history, conflicts, import) is in desktop.models.knowledge.articles and
kb_search; this page shows their results and passes the clerk's edits back.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractListModel,
    QDate,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    QUrl,
)
from PySide6.QtGui import QBrush, QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from desktop import i18n
from desktop.i18n import _
from desktop.models.errors import KnownError
from desktop.models.knowledge import articles as knowledge
from desktop.models.knowledge import exchange as kb_exchange
from desktop.models.knowledge import placeholders as kb_placeholders
from desktop.models.knowledge import search as kb_search
from desktop.models.requests.lookups import active_types
from desktop.models.storage.schema import StaffUser
from desktop.ui.counter_answers import UNFILLED_COLOUR, mark_unfilled, staff_only_html
from desktop.ui.day_edit import DayEdit
from desktop.ui.knowledge_admin import CallScriptDialog, PlaceholdersDialog, SynonymsDialog
from desktop.ui.messages import messages
from desktop.ui.pickers import fill_departments_and_staff

if TYPE_CHECKING:
    from desktop.ui.print_preview import PrintJob

TYPING_PAUSE_MS = 150
_Index = QModelIndex | QPersistentModelIndex


class ArticleListModel(QAbstractListModel):
    """The articles found (or the stale ones): ids, titles, snippets and audiences, at most a
    page. A staff-only article says so after its title."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[tuple[int, str, str, str]] = []  # id, title, snippet (plain), audience

    def set_rows(self, rows: list[tuple[int, str, str, str]]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        article_id, title, snippet, audience = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return title + ("  " + _("[staff only]") if audience == "staff" else "")
        if role == Qt.ItemDataRole.ToolTipRole:
            return snippet or None
        if role == Qt.ItemDataRole.ForegroundRole and audience == "staff":
            return QBrush(QColor(UNFILLED_COLOUR))
        if role == Qt.ItemDataRole.UserRole:
            return article_id
        return None


class KnowledgePage(QWidget):
    """Search on the left; the article (read or edit) on the right."""

    def __init__(
        self,
        staff: Callable[[], StaffUser | None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.staff = staff
        self.current_id: int | None = None
        self.current_version: int | None = None
        self.search = QLineEdit()
        self.search.setObjectName("kbSearch")
        self.search.setPlaceholderText(
            _("What did the caller ask? (rats, garbage day, shed permit…)")
        )
        self.search.setClearButtonEnabled(True)
        self.model = ArticleListModel()
        self.results = QListView()
        self.results.setModel(self.model)
        self.results.setObjectName("kbResults")
        self.stale_button = QPushButton(_("Due for review"))
        self.new_button = QPushButton(_("New article"))
        self.promote_button = QPushButton(_("From a closed request…"))
        self.scripts_button = QPushButton(_("Call scripts…"))
        self.synonyms_button = QPushButton(_("Words residents use…"))
        self.placeholders_button = QPushButton(_("Placeholders…"))
        self.placeholders_button.setObjectName("placeholdersButton")
        self.import_button = QPushButton(_("Import…"))
        self.export_button = QPushButton(_("Export…"))
        self.binder_button = QPushButton(_("Print the FAQ &binder…"))
        self.binder_button.setObjectName("printFaqBinder")
        self.binder_button.setToolTip(
            _(
                "Every public article, by topic, with a contents page: a binder for the counter "
                "for the day the computers are down (Ctrl+P)"
            )
        )
        self.last_job: PrintJob | None = None
        self.status = QLabel()
        self.status.setWordWrap(True)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.addWidget(self.search)
        left_layout.addWidget(self.results, 1)
        left_layout.addWidget(self.status)
        for row in (
            (self.stale_button, self.new_button),
            (self.promote_button,),
            (self.scripts_button, self.synonyms_button),
            (self.placeholders_button,),
            (self.import_button, self.export_button),
            (self.binder_button,),
        ):
            line = QHBoxLayout()
            for button in row:
                line.addWidget(button)
            left_layout.addLayout(line)

        self.reader = QTextBrowser()
        self.reader.setObjectName("kbReader")
        self.reader.setOpenExternalLinks(False)
        self.reader.setOpenLinks(False)
        self.reader.anchorClicked.connect(self._reader_link)
        self.edit_button = QPushButton(_("Edit"))
        self.archive_button = QPushButton(_("Archive"))
        reader_page = QWidget()
        reader_layout = QVBoxLayout(reader_page)
        reader_layout.addWidget(self.reader, 1)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.archive_button)
        buttons.addWidget(self.edit_button)
        reader_layout.addLayout(buttons)

        self.right = QStackedWidget()
        self.editor = ArticleEditor()
        self.editor.save_button.clicked.connect(self.save)
        self.editor.cancel_button.clicked.connect(lambda: self.right.setCurrentIndex(0))
        self.right.addWidget(reader_page)
        self.right.addWidget(self.editor)

        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(self.right)
        splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(TYPING_PAUSE_MS)
        self._timer.timeout.connect(self.run_search)
        self.search.textChanged.connect(lambda _text: self._timer.start())
        self.search.returnPressed.connect(self.run_search)
        self.results.selectionModel().currentChanged.connect(self._picked)
        self.results.activated.connect(self._picked)
        self.stale_button.clicked.connect(self.show_stale)
        self.new_button.clicked.connect(lambda: self.edit(None))
        self.edit_button.clicked.connect(lambda: self.edit(self.current_id))
        self.archive_button.clicked.connect(self.archive)
        self.promote_button.clicked.connect(self.promote)
        self.import_button.clicked.connect(self.import_file)
        self.scripts_button.clicked.connect(self.edit_call_scripts)
        self.synonyms_button.clicked.connect(self.edit_synonyms)
        self.placeholders_button.clicked.connect(self.edit_placeholders)
        self.export_button.clicked.connect(self.export_file)
        self.binder_button.clicked.connect(lambda _checked=False: self.print_binder())
        print_keys = QShortcut(QKeySequence.StandardKey.Print, self)
        print_keys.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        print_keys.activated.connect(lambda: self.print_binder())
        self.edit_button.setEnabled(False)
        self.archive_button.setEnabled(False)
        self.reader.setHtml(_("<p>Type what the caller asked. Articles appear as you type.</p>"))
        self.count_placeholders()

    # -- searching and reading ----------------------------------------------------------------

    def run_search(self) -> None:
        text = self.search.text()
        try:
            hits = kb_search.search_articles(text, 50, prefix_last=True) if text.strip() else []
        except KnownError as error:
            messages.error(self, error)
            return
        self.model.set_rows([(h.id, h.title, h.snippet, h.audience) for h in hits])
        self.status.setText(_("{n} articles").format(n=len(hits)) if text.strip() else "")
        if hits:
            self.results.setCurrentIndex(self.model.index(0))

    def show_stale(self) -> None:
        try:
            stale = knowledge.stale_articles()
        except KnownError as error:
            messages.error(self, error)
            return
        self.model.set_rows([(a.id, f"{a.review_by}  {a.title}", "", a.audience) for a in stale])
        self.status.setText(_("{n} articles are due for review.").format(n=len(stale)))

    def _picked(self, index: QModelIndex) -> None:
        article_id = index.data(Qt.ItemDataRole.UserRole)
        if isinstance(article_id, int):
            self.show_article(article_id)

    def show_article(self, article_id: int) -> None:
        try:
            article = knowledge.get_article(article_id)
            draft = knowledge.ArticleDraft.of(article)
            revisions = knowledge.history(article_id)
        except KnownError as error:
            messages.error(self, error)
            return
        self.current_id, self.current_version = article.id, article.version
        authors = knowledge.author_names(revisions)
        body = mark_unfilled(html.escape(knowledge.render(draft.body)).replace("\n", "<br>"))
        audience = _("staff only") if draft.audience == "staff" else _("public")
        lines = [
            f"<h2>{html.escape(knowledge.render(draft.title))}</h2>",
            staff_only_html() if draft.audience == "staff" else "",
            f"<p>{body}</p>",
            "<hr>",
            "<p><small>"
            + html.escape(
                _("Keywords: {k}").format(k=draft.keywords or "-")
                + " · "
                + _("Request types: {t}").format(t=", ".join(draft.types) or "-")
                + " · "
                + _("Audience: {a}").format(a=audience)
                + " · "
                + _("Owner: {o}").format(
                    o=draft.owner or _("nobody named (the administrator reviews it)")
                )
                + " · "
                + _("Review by: {d}").format(d=draft.review_by or "-")
                + ("" if draft.active else " · " + _("ARCHIVED"))
            )
            + "</small></p>",
            "<h4>" + html.escape(_("History")) + "</h4><ul>",
        ]
        for revision in revisions:
            lines.append(
                "<li>"
                + html.escape(_version_line(revision, authors))
                + (
                    f" · <a href='version:{revision.version}'>{html.escape(_('read it'))}</a>"
                    if revision.version != article.version
                    else ""
                )
                + "</li>"
            )
        lines.append("</ul>")
        self.reader.setHtml("".join(lines))
        self.archive_button.setText(_("Archive") if draft.active else _("Bring back"))
        self.edit_button.setEnabled(True)
        self.archive_button.setEnabled(True)
        self.right.setCurrentIndex(0)

    def _reader_link(self, url: QUrl) -> None:
        if url.scheme() == "version" and url.path().isdigit() and self.current_id is not None:
            self.show_version(self.current_id, int(url.path()))
        elif url.scheme() == "current" and self.current_id is not None:
            self.show_article(self.current_id)

    def show_version(self, article_id: int, version: int) -> None:
        """An earlier version's question, answer and keywords, as they were saved then."""
        revisions = [r for r in knowledge.history(article_id) if r.version == version]
        if not revisions:
            return
        (revision,) = revisions
        authors = knowledge.author_names(revisions)
        body = html.escape(revision.body).replace("\n", "<br>")
        self.reader.setHtml(
            "<p style='background:#fff4ce;padding:4px'>"
            + html.escape(_version_line(revision, authors))
            + " · "
            + html.escape(_("not the current text"))
            + f" · <a href='current:'>{html.escape(_('back to the current version'))}</a></p>"
            + f"<h2>{html.escape(revision.title)}</h2><p>{body}</p><hr><p><small>"
            + html.escape(_("Keywords: {k}").format(k=revision.keywords or "-"))
            + "</small></p>"
        )

    # -- editing ------------------------------------------------------------------------------

    def edit(self, article_id: int | None, draft: knowledge.ArticleDraft | None = None) -> None:
        if draft is None:
            try:
                draft = (
                    knowledge.ArticleDraft.of(knowledge.get_article(article_id))
                    if article_id is not None
                    else knowledge.ArticleDraft(title="")
                )
            except KnownError as error:
                messages.error(self, error)
                return
        self.editor.load(draft, article_id)
        self.right.setCurrentIndex(1)
        self.editor.title.setFocus()

    def save(self) -> None:
        draft = self.editor.draft()
        article_id = self.editor.article_id
        try:
            article = knowledge.save_article(
                draft,
                article_id,
                expected_version=self.current_version if article_id is not None else None,
                note=self.editor.note.text(),
                source_request=self.editor.source_request,
                actor=self.staff(),
            )
        except KnownError as error:
            messages.error(self, error)  # the editor keeps the text
            return
        self.show_article(article.id)
        self.status.setText(_("Saved version {v}.").format(v=article.version))

    def archive(self) -> None:
        if self.current_id is None:
            return
        try:
            article = knowledge.get_article(self.current_id)
            knowledge.set_archived(self.current_id, article.active, self.staff())
        except KnownError as error:
            messages.error(self, error)
            return
        self.show_article(self.current_id)

    def promote(self) -> None:
        number, ok = QInputDialog.getText(
            self, _("From a closed request"), _("Tracking number of the closed request:")
        )
        if not ok or not number.strip():
            return
        try:
            draft, source = knowledge.draft_from_request(number)
        except KnownError as error:
            messages.error(self, error)
            return
        self.edit(None, draft)
        self.editor.source_request = source

    # -- call scripts and synonyms (supervisors) ---------------------------------------------

    def edit_call_scripts(self) -> None:

        CallScriptDialog(self.staff, self).open()

    def edit_synonyms(self) -> None:

        SynonymsDialog(self.staff, self).open()

    def edit_placeholders(self) -> None:

        dialog = PlaceholdersDialog(self.staff, self)
        dialog.finished.connect(lambda _result: self._placeholders_changed())
        dialog.open()
        self.placeholders_dialog = dialog

    def _placeholders_changed(self) -> None:
        self.count_placeholders()
        if self.current_id is not None and self.right.currentIndex() == 0:
            self.show_article(self.current_id)

    def count_placeholders(self) -> None:
        """The button says how many placeholders the town has not filled in yet."""
        try:
            left = sum(1 for p in kb_placeholders.placeholders() if not p.filled)
        except KnownError:
            return
        self.placeholders_button.setText(
            _("Placeholders ({n} to fill in)…").format(n=left) if left else _("Placeholders…")
        )
        self.placeholders_button.setStyleSheet(f"color:{UNFILLED_COLOUR};" if left else "")

    # -- the FAQ binder, import and export ----------------------------------------------------

    def print_binder(self, **options: Any) -> PrintJob | None:
        """The binder in the print preview (Print or Save as PDF): every public article, as
        residents may read it, so the counter can answer when the computers are down."""
        from desktop.ui.print_preview import print_faq_binder

        self.last_job = print_faq_binder(self, **options)
        return self.last_job

    def import_file(self) -> None:
        name, _chosen = QFileDialog.getOpenFileName(
            self, _("Import articles"), "", _("Knowledge base (*.json *.csv)")
        )
        if name:
            self.import_from(Path(name))

    def import_from(self, path: Path) -> None:
        """Import a knowledge base file as the signed-in clerk; the status line says what was
        imported and what was left out."""

        try:
            result = kb_exchange.import_articles(path, self.staff())
        except KnownError as error:
            messages.error(self, error)
            return
        self.status.setText(result.summary())
        self.count_placeholders()

    def export_file(self) -> None:
        name, _chosen = QFileDialog.getSaveFileName(
            self, _("Export articles"), "knowledge-base.json", _("JSON (*.json);;CSV (*.csv)")
        )
        if name:
            try:
                count = kb_exchange.export_articles(Path(name))
            except KnownError as error:
                messages.error(self, error)
                return
            self.status.setText(_("Wrote {n} articles.").format(n=count))


class ArticleEditor(QWidget):
    """The form for one article; `draft()` reads it back."""

    def __init__(self) -> None:
        super().__init__()
        self.article_id: int | None = None
        self.source_request: int | None = None
        self.active = True
        self.title = QLineEdit()
        self.body = QPlainTextEdit()
        self.keywords = QLineEdit()
        # pickers, not typed codes: a type or department mistyped was refused after the fact
        self.type_filter = QLineEdit()
        self.type_filter.setObjectName("articleTypeFilter")
        self.type_filter.setPlaceholderText(_("find a request type (tick the ones it answers)"))
        self.type_filter.setClearButtonEnabled(True)
        self.types = QListWidget()
        self.types.setObjectName("articleTypes")
        self.types.setMaximumHeight(130)
        self.type_filter.textChanged.connect(self._filter_types)
        self.department = QComboBox()
        self.department.setObjectName("articleDepartment")
        self.audience = QComboBox()
        self.audience.addItem(_("Public"), "public")
        self.audience.addItem(_("Staff only"), "staff")
        self.language = QComboBox()  # the language it is written in: searches find it by it
        for code, name in i18n.LANGUAGES.items():
            self.language.addItem(name, code)
        self.owner = QComboBox()
        self.owner.setObjectName("articleOwner")
        self.owner.setToolTip(_("Who keeps it up to date and is reminded on its review date"))
        self._fill_pickers()
        self.review_by = DayEdit()
        self.review_by.setMinimumDate(QDate(2000, 1, 1))
        self.review_by.setSpecialValueText(_("(no review date)"))
        self.note = QLineEdit()
        self.note.setPlaceholderText(_("What changed (kept in the history)"))
        self.save_button = QPushButton(_("Save"))
        self.cancel_button = QPushButton(_("Cancel"))
        form = QFormLayout(self)
        form.addRow(_("Question"), self.title)
        form.addRow(_("Answer"), self.body)
        form.addRow(_("Keywords"), self.keywords)
        type_column = QVBoxLayout()
        type_column.addWidget(self.type_filter)
        type_column.addWidget(self.types)
        form.addRow(_("Request types"), type_column)
        form.addRow(_("Department"), self.department)
        form.addRow(_("Audience"), self.audience)
        form.addRow(_("Written in"), self.language)
        form.addRow(_("Owner"), self.owner)
        form.addRow(_("Review by"), self.review_by)
        form.addRow(_("Change note"), self.note)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.save_button)
        form.addRow(buttons)

    def load(self, draft: knowledge.ArticleDraft, article_id: int | None) -> None:
        self.article_id = article_id
        self.source_request = None
        self.active = draft.active
        self.title.setText(draft.title)
        self.body.setPlainText(draft.body)
        self.keywords.setText(draft.keywords)
        self._fill_pickers()
        chosen = set(draft.types)
        ticked = []
        for row in reversed(range(self.types.count())):
            item = self.types.item(row)
            if item.data(Qt.ItemDataRole.UserRole) in chosen:
                ticked.append(self.types.takeItem(row))
        for item in ticked:  # the article's own types first, where they are seen
            item.setCheckState(Qt.CheckState.Checked)
            self.types.insertItem(0, item)
        self._pick(self.department, draft.department)
        self.audience.setCurrentIndex(max(0, self.audience.findData(draft.audience)))
        self.language.setCurrentIndex(max(0, self.language.findData(draft.language)))
        self._pick(self.owner, draft.owner)
        self.type_filter.clear()
        self.review_by.setDate(
            QDate(draft.review_by.year, draft.review_by.month, draft.review_by.day)
            if draft.review_by
            else self.review_by.minimumDate()
        )
        self.note.clear()

    def _fill_pickers(self) -> None:
        try:
            _editor_pickers(self)
        except KnownError as exc:
            messages.error(self, exc)

    @staticmethod
    def _pick(combo: QComboBox, code: str) -> None:
        index = combo.findData(code)
        if index < 0 and code:  # retired or inactive since: kept, not dropped on save
            combo.addItem(_("{code} (no longer active)").format(code=code), code)
            index = combo.count() - 1
        combo.setCurrentIndex(max(index, 0))

    def chosen_types(self) -> list[str]:
        return [
            str(self.types.item(row).data(Qt.ItemDataRole.UserRole))
            for row in range(self.types.count())
            if self.types.item(row).checkState() == Qt.CheckState.Checked
        ]

    def choose_types(self, codes: list[str]) -> None:
        for row in range(self.types.count()):
            item = self.types.item(row)
            wanted = item.data(Qt.ItemDataRole.UserRole) in codes
            item.setCheckState(Qt.CheckState.Checked if wanted else Qt.CheckState.Unchecked)

    def _filter_types(self, text: str) -> None:
        words = text.casefold().split()
        for row in range(self.types.count()):
            item = self.types.item(row)
            shown = all(word in item.text().casefold() for word in words)
            item.setHidden(not shown and item.checkState() != Qt.CheckState.Checked)

    def draft(self) -> knowledge.ArticleDraft:
        return knowledge.ArticleDraft(
            title=self.title.text(),
            body=self.body.toPlainText(),
            keywords=self.keywords.text(),
            department=str(self.department.currentData() or ""),
            types=self.chosen_types(),
            audience=str(self.audience.currentData()),
            language=str(self.language.currentData() or "en"),
            owner=str(self.owner.currentData() or ""),
            review_by=None
            if self.review_by.date() == self.review_by.minimumDate()
            else _as_date(self.review_by.date().toPython()),
            active=self.active,
        )


def _editor_pickers(editor: ArticleEditor) -> None:
    """The request types, departments and staff, read for the editor's pickers (a value the
    article has that is no longer active is kept, marked, so saving does not drop it)."""

    fill_departments_and_staff(
        editor.department,
        editor.owner,
        no_department=_("(no department)"),
        nobody=_("(nobody: the administrator reviews it)"),
    )
    editor.types.clear()
    for kind in active_types():
        item = QListWidgetItem(f"{kind.name} ({kind.code})")
        item.setData(Qt.ItemDataRole.UserRole, kind.code)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Unchecked)
        editor.types.addItem(item)


def _as_date(value: object) -> dt.date | None:
    return value if isinstance(value, dt.date) else None


def _version_line(revision: Any, authors: dict[int, str]) -> str:
    """ "Version 3, 2026-11-02 10:15 by Sue Boss — Changed: answer." """
    who = authors.get(revision.actor_id or 0, "")
    return _("Version {v}, {at}{by}{note}").format(
        v=revision.version,
        at=f"{revision.at:%Y-%m-%d %H:%M}",
        by=" " + _("by {name}").format(name=who) if who else "",
        note=f" — {revision.note}" if revision.note else "",
    )
