"""The Knowledge base screen: search as you type, read, edit with history, conflicts, archive,
stale list, promotion from a closed request."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt

from desktop.models.knowledge import articles as knowledge
from desktop.models.knowledge import exchange as kb_exchange
from desktop.models.requests import lifecycle
from desktop.models.requests.intake import RequestDraft, create_request
from desktop.models.storage.schema import FaqArticle
from desktop.ui.knowledge_page import KnowledgePage

#: a message box would wait for a click that never comes: messages become log lines
pytestmark = pytest.mark.usefixtures("no_dialogs")


@pytest.fixture
def page(qtbot, db):
    shown = KnowledgePage(staff=lambda: None)
    qtbot.addWidget(shown)
    return shown


def test_articles_appear_as_the_clerk_types(qtbot, page):
    qtbot.keyClicks(page.search, "garbadge pick")
    with qtbot.waitSignal(page._timer.timeout):
        pass
    assert page.model.rowCount() > 0
    first = page.model.index(0).data()
    assert "trash" in first.lower() or "garbage" in first.lower()
    assert page.current_id is not None  # the best one is shown at once
    assert "History" in page.reader.toPlainText()


def test_the_article_model_passes_the_model_tester(qtmodeltester, page):
    page.search.setText("permit")
    page.run_search()
    qtmodeltester.check(page.model)


def test_an_edit_adds_a_version_and_keeps_the_history(page):
    page.search.setText("dog licence")
    page.run_search()
    article_id = page.current_id
    assert article_id is not None
    before = FaqArticle.get_by_id(article_id).version
    page.edit(article_id)
    page.editor.body.setPlainText("Dog licences are sold at the clerk's window <b>all year</b>.")
    page.editor.note.setText("new hours")
    page.save()
    assert FaqArticle.get_by_id(article_id).version == before + 1
    assert "<b>all year</b>" in page.reader.toPlainText()  # literal, not markup
    assert "new hours" in page.reader.toPlainText()


def test_saving_over_a_newer_version_is_refused_and_the_text_kept(page, caplog):
    page.search.setText("dog licence")
    page.run_search()
    article_id = page.current_id
    assert article_id is not None
    page.edit(article_id)
    other = knowledge.ArticleDraft.of(FaqArticle.get_by_id(article_id))
    knowledge.save_article(other, article_id, note="someone else", actor=None)  # meanwhile
    page.editor.body.setPlainText("my version")
    page.save()
    assert page.right.currentIndex() == 1  # still editing: nothing lost
    assert page.editor.body.toPlainText() == "my version"
    assert FaqArticle.get_by_id(article_id).body != "my version"


def test_a_new_article_without_a_review_date_is_not_stale(page):
    page.edit(None)
    page.editor.title.setText("Where do I pay a parking ticket?")
    page.editor.body.setPlainText("At the clerk's window or by mail.")
    page.save()
    saved = FaqArticle.get_by_id(page.current_id)
    assert saved.review_by is None or saved.review_by > dt.date(2026, 11, 16)
    page.show_stale()
    titles = [page.model.index(r).data() for r in range(page.model.rowCount())]
    assert not any("parking ticket" in t for t in titles)


def test_archive_and_bring_back(page):
    page.search.setText("yard sale")
    page.run_search()
    article_id = page.current_id
    page.archive()
    assert not FaqArticle.get_by_id(article_id).active
    assert page.archive_button.text() == "Bring back"
    page.archive()
    assert FaqArticle.get_by_id(article_id).active


def test_a_closed_request_becomes_a_draft_article(page):
    request = create_request(
        RequestDraft(
            service_type="pothole",
            description="Hole by the school",
            address="12 Elm St",
            answers={"size": "large", "in_lane": "yes"},
        ),
        actor=None,
    )
    lifecycle.resolve(request.id, "fixed", note="Patched with cold mix until spring.", actor=None)
    lifecycle.close(request.id, actor=None)
    draft, source = knowledge.draft_from_request(request.tracking_number)
    page.edit(None, draft)
    page.editor.source_request = source
    page.save()
    saved = FaqArticle.get_by_id(page.current_id)
    assert saved.source_request_id == request.id
    assert "cold mix" in saved.body


@pytest.mark.parametrize("text", ['"', "NEAR(", "*", "a OR", "x" * 10_000, "\x00\x07", "ﷺ ‮"])
def test_hostile_search_text(page, text):
    page.search.setText(text)
    page.run_search()  # never raises


def test_review_dates_round_trip(page):
    page.edit(None)
    page.editor.title.setText("When is the pool open?")
    page.editor.body.setPlainText("Summer only.")
    page.editor.review_by.setDate(dt.date(2027, 5, 1))
    page.save()
    assert FaqArticle.get_by_id(page.current_id).review_by == dt.date(2027, 5, 1)


def test_a_supervisor_edits_a_call_script(qtbot, db):
    from desktop.models.storage.schema import ServiceType
    from desktop.ui.knowledge_admin import CallScriptDialog

    dialog = CallScriptDialog(lambda: None)
    qtbot.addWidget(dialog)
    dialog.type.setCurrentIndex(dialog.type.findText("Pothole"))
    before = dialog.steps.rowCount()
    dialog.steps.add_row(["Is a car damaged?", "Give the claims form"], True)
    dialog.save()
    pothole = ServiceType.get(ServiceType.code == "pothole")
    steps = knowledge.call_script(pothole.id)
    assert len(steps) == before + 1
    assert steps[-1] == {
        "ask": "Is a car damaged?",
        "if_yes": "Give the claims form",
        "urgent": True,
    }
    assert "saved" in dialog.done_text.text()


def test_a_supervisor_edits_the_words_residents_use(qtbot, db):
    from desktop.models.knowledge import search as kb_search
    from desktop.ui.knowledge_admin import SynonymsDialog

    dialog = SynonymsDialog(staff=lambda: None)
    qtbot.addWidget(dialog)
    dialog.words.add_row(["zamboni", "snow, plow"])
    dialog.save()
    assert any(r["term"] == "zamboni" for r in kb_exchange.synonym_rows())
    assert kb_search.search_articles("zamboni", 5)  # now finds the snow articles
    row = next(r for r in range(dialog.words.rowCount()) if dialog.words.text(r, 0) == "zamboni")
    dialog.words.selectRow(row)
    dialog.words.remove_selected()
    dialog.save()
    assert not any(r["term"] == "zamboni" for r in kb_exchange.synonym_rows())


def test_two_supervisors_editing_the_words_or_a_script_at_once(qtbot, db):
    from desktop.models.storage.schema import SearchSynonym, ServiceType
    from desktop.ui.knowledge_admin import CallScriptDialog, SynonymsDialog

    mine, theirs = SynonymsDialog(staff=lambda: None), SynonymsDialog(staff=lambda: None)
    qtbot.addWidget(mine)
    qtbot.addWidget(theirs)
    rows_before = SearchSynonym.select().count()
    theirs.words.add_row(["zamboni", "ice machine"])
    theirs.save()
    mine.words.add_row(["skating", "rink, ice"])
    mine.save()  # would have deleted "zamboni", which this dialog never showed
    assert "Someone else changed the words" in mine.error.text()
    assert mine.words.text(mine.words.rowCount() - 1, 0) == "skating"  # the lines are kept
    terms = {r["term"] for r in kb_exchange.synonym_rows()}
    assert "zamboni" in terms and "skating" not in terms
    assert SearchSynonym.select().count() == rows_before + 1
    untouched = SearchSynonym.get(SearchSynonym.term == "rats").version
    mine.load()
    mine.words.add_row(["skating", "rink, ice"])
    mine.save()
    assert {"zamboni", "skating"} <= {r["term"] for r in kb_exchange.synonym_rows()}
    assert SearchSynonym.get(SearchSynonym.term == "rats").version == untouched  # not re-saved

    first, second = CallScriptDialog(lambda: None), CallScriptDialog(lambda: None)
    for dialog in (first, second):
        qtbot.addWidget(dialog)
        dialog.type.setCurrentIndex(dialog.type.findText("Pothole"))
    first.steps.add_row(["Is a car damaged?", ""], False)
    first.save()
    second.steps.add_row(["Is anyone hurt?", "Call 911"], True)
    second.save()
    assert "Someone else changed this call script" in second.error.text()
    pothole = ServiceType.get(ServiceType.code == "pothole")
    asks = [step["ask"] for step in knowledge.call_script(pothole.id)]
    assert "Is a car damaged?" in asks and "Is anyone hurt?" not in asks


def test_staff_only_articles_say_so_in_the_list_and_the_reader(page):
    page.search.setText("urgent on call after hours")
    page.run_search()
    rows = [page.model.index(r).data() for r in range(page.model.rowCount())]
    staff = next(r for r in rows if r.startswith("Staff: what counts as urgent"))
    assert staff.endswith("[staff only]")
    article = FaqArticle.get(FaqArticle.title.startswith("Staff: what counts as urgent"))
    page.show_article(article.id)
    assert "STAFF ONLY" in page.reader.toPlainText()
    assert "Audience: staff only" in page.reader.toPlainText()


def test_the_counter_article_view_marks_staff_only_and_unfilled(qtbot, db):
    from desktop.ui.counter_answers import ArticleView, call_script_html

    view = ArticleView()
    qtbot.addWidget(view)
    article = FaqArticle.get(FaqArticle.title.startswith("Staff: what counts as urgent"))
    view.show_article(article.id, article.title, knowledge.render(article.body), [])
    assert "STAFF ONLY" in view.toPlainText()
    script = call_script_html([{"ask": knowledge.render("Call {on_call_phone}"), "urgent": True}])
    assert "[to fill in: on call phone]</b></span>" in script


def test_the_history_names_who_changed_an_article(qtbot, db):
    from desktop.models.staff.members import create_staff

    boss = create_staff("Sue Boss", "supervisor", actor=None)
    shown = KnowledgePage(lambda: boss)
    qtbot.addWidget(shown)
    shown.search.setText("dog licence")
    shown.run_search()
    shown.edit(shown.current_id)
    shown.editor.body.setPlainText("Dog licences are sold all year.")
    shown.save()
    assert "by Sue Boss" in shown.reader.toPlainText()
    assert "Changed: answer" in shown.reader.toPlainText()  # no note typed: it says what
    from PySide6.QtCore import QUrl

    shown.reader.anchorClicked.emit(QUrl("version:1"))  # "read it" beside version 1
    earlier = shown.reader.toPlainText()
    assert "not the current text" in earlier and "Dog licences are sold all year." not in earlier
    shown.reader.anchorClicked.emit(QUrl("current:"))
    assert "Dog licences are sold all year." in shown.reader.toPlainText()


def test_the_placeholder_editor_lists_counts_and_saves(qtbot, qtmodeltester, page):
    from desktop.models.knowledge import placeholders as kb_placeholders
    from desktop.ui.knowledge_admin import UNFILLED_BACKGROUND, PlaceholdersDialog

    assert "to fill in" in page.placeholders_button.text()
    dialog = PlaceholdersDialog(lambda: None, page)
    qtbot.addWidget(dialog)
    qtmodeltester.check(dialog.model)
    model = dialog.model
    left = model.unfilled()
    assert left > 10 and f"{left} of {model.rowCount()}" in dialog.count.text()
    names = [p.name for p in model.rows]
    row = names.index("on_call_phone")
    value = model.index(row, 1)
    assert value.data() == "(not filled in)"
    assert value.data(Qt.ItemDataRole.BackgroundRole).color().name() == UNFILLED_BACKGROUND
    assert "Call script: Water Main Break" in model.index(row, 2).data(Qt.ItemDataRole.ToolTipRole)
    town = model.index(names.index("town_phone"), 1)
    assert not model.flags(town) & Qt.ItemFlag.ItemIsEditable  # from Settings
    assert model.setData(value, "555-0199")
    assert f"{left - 1} of" in dialog.count.text()
    dialog.save()
    assert kb_placeholders.stored_values()["on_call_phone"] == "555-0199"
    assert "saved" in dialog.done_text.text()
    dialog.done(0)
    page._placeholders_changed()
    assert f"({left - 1} to fill in)" in page.placeholders_button.text()


def test_an_import_from_the_screen_is_by_the_signed_in_clerk(qtbot, db, tmp_path, caplog):
    import json

    from desktop.models.staff.members import create_staff
    from desktop.models.storage.schema import FaqRevision

    boss = create_staff("Sue Boss", "supervisor", actor=None)
    shown = KnowledgePage(lambda: boss)
    qtbot.addWidget(shown)
    path = tmp_path / "other.json"
    path.write_text(
        json.dumps([{"title": "When is the farmers market?", "department": "NOPE"}]),
        encoding="utf-8",
    )
    shown.import_from(path)
    assert "1 new" in shown.status.text() and "NOPE" in shown.status.text()
    revision = FaqRevision.select().order_by(FaqRevision.id.desc()).first()
    assert revision.actor_id == boss.id
    (tmp_path / "bad.json").write_text("[1, 2]", encoding="utf-8")
    shown.import_from(tmp_path / "bad.json")  # a clear message (a log line in tests), no crash
    assert "Nothing was imported" in caplog.text


def test_the_editor_picks_types_department_and_owner(page):
    from desktop.models.knowledge.articles import ArticleDraft
    from desktop.models.storage.schema import FaqArticle

    page.edit(None)
    editor = page.editor
    assert editor.types.count() > 40  # every active type, by name, to tick
    editor.title.setText("Why was my street not swept?")
    editor.body.setPlainText("Sweeping follows the posted schedule.")
    editor.type_filter.setText("sweep")
    shown = [
        editor.types.item(row).text()
        for row in range(editor.types.count())
        if not editor.types.item(row).isHidden()
    ]
    assert shown and all("sweep" in text.casefold() for text in shown)
    editor.choose_types(["street_sweeping"])
    editor.department.setCurrentIndex(editor.department.findData("DPW"))
    assert editor.owner.itemText(0).startswith("(nobody")
    draft = editor.draft()
    assert draft.types == ["street_sweeping"] and draft.department == "DPW"
    page.save()
    saved = FaqArticle.get(FaqArticle.title == "Why was my street not swept?")
    assert ArticleDraft.of(saved).types == ["street_sweeping"]
    assert saved.department is not None and saved.department.code == "DPW"
    assert "Owner: nobody named" in page.reader.toPlainText()
