"""The Settings area's own screens: request types, departments, the look of printed documents,
letter templates, and which tabs each role sees."""

from __future__ import annotations

import io
import logging

import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from desktop.models.catalog import departments, questions, types
from desktop.models.documents import letter_templates
from desktop.models.requests.intake import RequestDraft, create_request
from desktop.models.requests.lookups import find_types
from desktop.models.residents.contacts import CallerDetails
from desktop.models.setup.first_run import complete_first_run
from desktop.models.staff.members import create_staff
from desktop.models.town import settings
from desktop.ui.catalog_dialogs import NewEntryDialog, QuestionDialog
from desktop.ui.catalog_page import RequestTypesPage
from desktop.ui.departments_page import DepartmentsPage
from desktop.ui.letter_templates_box import LetterTemplatesBox
from desktop.ui.settings_page import SettingsPage
from desktop.ui.town_look_box import TownLookBox

#: a message box would wait for a click that never comes: messages become log lines
pytestmark = pytest.mark.usefixtures("no_dialogs")


@pytest.fixture
def page(qtbot, db):
    shown = RequestTypesPage(staff=lambda: None)
    qtbot.addWidget(shown)
    shown.load()
    return shown


def choose(page: RequestTypesPage, text: str) -> None:
    page.filter.setText(text)
    page._filter_entered()


# -- models ---------------------------------------------------------------------------------------


def test_the_models_pass_the_model_tester(qtmodeltester, page, qtbot):
    qtmodeltester.check(page.model)
    qtmodeltester.check(page.filtered)
    choose(page, "pothole")
    qtmodeltester.check(page.questions_model)
    listing = DepartmentsPage(staff=lambda: None)
    qtbot.addWidget(listing)
    listing.load()
    qtmodeltester.check(listing.model)


def test_the_filter_finds_types_by_any_word(page):
    page.filter.setText("hole road")
    names = {page.filtered.index(r, 0).data() for r in range(page.filtered.rowCount())}
    assert "Pothole" in names and len(names) < 5
    page.filter.setText("town clerk")  # by department
    shown = [page.filtered.index(r, 1).data() for r in range(page.filtered.rowCount())]
    assert shown and set(shown) == {"Town Clerk"}
    page.filter.setText("")
    assert page.filtered.rowCount() == page.model.rowCount()


# -- a request type -------------------------------------------------------------------------------


def test_enter_in_the_filter_opens_the_first_type_for_typing(page, qtbot):
    page.show()
    qtbot.waitExposed(page)
    page.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is page)
    page.focus_default()
    assert QApplication.focusWidget() is page.filter
    qtbot.keyClicks(page.filter, "pothole")
    qtbot.keyClick(page.filter, Qt.Key.Key_Return)
    assert page.current_code == "pothole"
    name = page.form.name
    assert QApplication.focusWidget() is name
    assert page.form.name.text() == "Pothole"
    assert [page.questions_model.code_at(r) for r in range(2)] == ["size", "in_lane"]


def test_a_type_is_edited_and_saved(page, qtbot):
    choose(page, "pothole")
    page.form.name.setText("Pothole or sinkhole")
    page.form.name.textEdited.emit("Pothole or sinkhole")
    page.form.department.setCurrentIndex(page.form.department.findData("PRK"))
    page.form.resolve.amount.setValue(3)
    assert page.dirty
    with qtbot.waitSignal(page.saved) as said:
        assert page.save()
    assert "New requests go to Parks" in said.args[0]
    saved = types.get_type("pothole")
    assert (saved.name, saved.department.code, saved.resolve_amount) == (
        "Pothole or sinkhole",
        "PRK",
        3,
    )
    assert not page.dirty and page.current_version == saved.version


def test_the_spanish_words_of_a_type_are_shown_and_saved(page, qtbot):
    from desktop.models.catalog import translations

    choose(page, "pothole")
    assert page.form.spanish_name.text() == "Bache"
    assert "días hábiles" in page.form.spanish_notice.toPlainText()
    page.form.spanish_notice.setPlainText("Lo rellenamos en cinco días hábiles.")
    assert page.dirty
    with qtbot.waitSignal(page.saved):
        assert page.save()
    saved = types.get_type("pothole")
    assert translations.type_text(saved, "service_notice", "es").startswith("Lo rellenamos")
    assert translations.type_text(saved, "name", "es") == "Bache"  # untouched words kept
    assert not page.dirty and page.current_version == saved.version


def test_a_type_left_with_unsaved_changes_is_asked_about_first(page, monkeypatch):
    from desktop.ui.messages import messages

    asked: list[str] = []
    monkeypatch.setattr(messages, "confirm", lambda _p, _t, text, _yes: asked.append(text))
    choose(page, "pothole")
    page.form.name.setText("Pothole or sinkhole")
    page.form.name.textEdited.emit("Pothole or sinkhole")
    assert page.dirty
    choose(page, "graffiti")  # "leave them?": no answer yet, so the form stays as typed
    assert asked == ["Your changes to “Pothole or sinkhole” are not saved. Leave them?"]
    assert page.current_code == "pothole" and page.dirty
    assert page.form.name.text() == "Pothole or sinkhole"
    monkeypatch.setattr(messages, "confirm", lambda _p, _t, _text, yes: yes())
    choose(page, "graffiti")  # "yes": the change goes, nothing else
    assert page.current_code == "graffiti" and not page.dirty
    assert types.get_type("pothole").name == "Pothole"


def test_bad_input_is_said_and_nothing_typed_is_lost(page, caplog):
    choose(page, "pothole")
    page.form.name.setText("")
    page.form.description.setPlainText("Holes in town roads, as the caller said")
    with caplog.at_level(logging.WARNING, logger="frontcounter.ui"):
        assert not page.save()
    assert "Give the request type a name" in caplog.text
    assert page.form.error.isVisibleTo(page) and "name" in page.form.error.text()
    assert page.form.description.toPlainText() == "Holes in town roads, as the caller said"
    assert types.get_type("pothole").name == "Pothole"


def test_a_conflict_keeps_what_was_typed_and_lets_the_clerk_choose(page, caplog):
    choose(page, "pothole")
    types.change_type(
        "pothole", name="Pothole (Ana's)", actor=None
    )  # another supervisor, meanwhile
    page.form.description.setPlainText("Mine")
    page.form.description.textChanged.emit()
    with caplog.at_level(logging.WARNING, logger="frontcounter.ui"):
        assert not page.save()
    assert "Someone else changed the request type" in caplog.text
    assert page.banner.isVisibleTo(page)
    assert page.form.description.toPlainText() == "Mine"
    assert types.get_type("pothole").description != "Mine"
    page.banner.save_mine.emit()
    assert types.get_type("pothole").description == "Mine"
    assert not page.banner.isVisibleTo(page)


def test_load_theirs_after_a_conflict(page):
    choose(page, "pothole")
    types.change_type("pothole", name="Pothole (Ana's)", actor=None)
    page.form.name.setText("Mine")
    page.save()
    page.banner.load_theirs.emit()
    assert page.form.name.text() == "Pothole (Ana's)"


def test_leaving_a_type_with_changes_asks_first(page):
    choose(page, "pothole")
    page.form.name.setText("Changed")
    page.form.name.textEdited.emit("Changed")
    page.filter.setText("graffiti")
    page.list.setCurrentIndex(page.filtered.index(0, 0))  # no windows: "leave them" is yes
    assert page.current_code == "graffiti" and page.form.name.text() == "Graffiti"
    assert types.get_type("pothole").name == "Pothole"


def test_retiring_a_type_takes_it_off_the_counter(page, qtbot):
    choose(page, "graffiti")
    page.form.active.setChecked(False)
    with qtbot.waitSignal(page.saved) as said:
        page.save()
    assert "no longer offers it" in said.args[0]
    assert "graffiti" not in {t.code for t in find_types("graffiti")}
    row = page.model.row_of("graffiti")
    assert row is not None and "(retired)" in page.model.index(row, 0).data()
    page.show_retired.setChecked(False)
    page.filter.setText("graffiti")
    assert page.filtered.rowCount() == 0


def test_a_new_type_is_added_and_shown(page):
    def fill(dialog: NewEntryDialog) -> None:
        dialog.code.setText("leaf_bags")
        dialog.name.setText("Leaf bag pickup")
        assert dialog.department is not None
        dialog.department.setCurrentIndex(dialog.department.findData("SAN"))
        dialog.save()

    page.run_dialog = fill
    page.add_type()
    assert page.current_code == "leaf_bags" and page.form.name.text() == "Leaf bag pickup"
    assert types.get_type("leaf_bags").department.code == "SAN"


def test_a_new_type_with_a_taken_code_keeps_the_dialog_open(page):
    dialogs: list[NewEntryDialog] = []

    def fill(dialog: NewEntryDialog) -> None:
        dialogs.append(dialog)
        dialog.code.setText("pothole")
        dialog.name.setText("Another hole")
        dialog.save()

    page.run_dialog = fill
    page.add_type()
    assert not dialogs[0].saved and "already the request type" in dialogs[0].error.text()
    assert dialogs[0].name.text() == "Another hole"


# -- its questions --------------------------------------------------------------------------------


def test_a_question_is_added_edited_and_moved(page):
    choose(page, "pothole")

    def add(dialog: QuestionDialog) -> None:
        dialog.code.setText("depth")
        dialog.label.setText("How deep is it?")
        dialog.kind.setCurrentIndex(dialog.kind.findData("singlevaluelist"))
        dialog.choices.setPlainText("Ankle deep\nknee = Knee deep")
        dialog.required.setChecked(True)
        dialog.save()

    page.run_dialog = add
    page.add_question()
    assert [q.code for q in questions.questions("pothole")] == ["size", "in_lane", "depth"]
    assert page.questions_model.rowCount() == 3
    assert page.question_list.currentIndex().row() == 2
    page.move_question(-1)
    assert [q.code for q in questions.questions("pothole")] == ["size", "depth", "in_lane"]

    def edit(dialog: QuestionDialog) -> None:
        assert dialog.code.isReadOnly() and dialog.choices.toPlainText().startswith("ankle_deep")
        dialog.label.setText("How deep?")
        dialog.save()

    page.run_dialog = edit
    page.edit_question()
    assert questions.get_question("pothole", "depth").label == "How deep?"


def test_an_answered_question_is_not_removed(page, caplog):
    create_request(
        RequestDraft(
            service_type="pothole",
            description="Hole",
            address="1 Elm St",
            answers={"size": "large", "in_lane": "no"},
            caller=CallerDetails("Ann", "Lee", "555 010 2233"),
        ),
        actor=None,
    )
    choose(page, "pothole")
    page.question_list.setCurrentIndex(page.questions_model.index(0, 0))
    dialogs: list[QuestionDialog] = []

    def look(dialog: QuestionDialog) -> None:
        dialogs.append(dialog)

    page.run_dialog = look
    page.edit_question()
    assert "Answered on 1 request:" in dialogs[0].note.text()
    with caplog.at_level(logging.WARNING, logger="frontcounter.ui"):
        page.remove_question()  # confirmed: no windows
    assert "so it stays" in caplog.text
    assert [q.code for q in questions.questions("pothole")] == ["size", "in_lane"]


def test_a_bad_question_keeps_the_dialog_open_with_what_was_typed(page):
    choose(page, "pothole")
    dialogs: list[QuestionDialog] = []

    def add(dialog: QuestionDialog) -> None:
        dialogs.append(dialog)
        dialog.code.setText("which")
        dialog.label.setText("Which side of the road?")
        dialog.kind.setCurrentIndex(dialog.kind.findData("singlevaluelist"))
        dialog.save()  # no choices

    page.run_dialog = add
    page.add_question()
    assert not dialogs[0].saved and "needs its choices" in dialogs[0].error.text()
    assert dialogs[0].label.text() == "Which side of the road?"


# -- departments ----------------------------------------------------------------------------------


@pytest.fixture
def departments_page(qtbot, db):
    create_staff("Pat Crew", "crew_lead", actor=None)
    shown = DepartmentsPage(staff=lambda: None)
    qtbot.addWidget(shown)
    shown.load()
    return shown


def test_a_department_gets_a_default_assignee(departments_page):
    assert departments_page.current_code == "DPW"
    departments_page.phone.setText("(555) 010-3001")
    combo = departments_page.assignee
    combo.setCurrentIndex(combo.findData("pat.crew"))
    assert departments_page.save()
    saved = departments.get_department("DPW")
    assert saved.phone == "(555) 010-3001" and departments.assignee_of(saved) is not None
    row = departments_page.model.row_of("DPW")
    assert row is not None and departments_page.model.index(row, 3).data() == "Pat Crew"


def test_a_department_saved_twice_and_left_with_changes(departments_page):
    departments_page.phone.setText("555 010 3001")
    assert departments_page.save()
    departments_page.phone.setText("555 010 3002")  # the version saved first is the one shown
    assert departments_page.save()
    assert departments.get_department("DPW").phone == "555 010 3002"
    departments_page.email.setText("roads@alderfalls.gov")
    departments_page.email.textEdited.emit("roads@alderfalls.gov")
    assert departments_page.dirty
    row = departments_page.model.row_of("SAN")
    assert row is not None
    departments_page.list.setCurrentIndex(departments_page.model.index(row, 0))  # "leave": yes
    assert departments_page.current_code == "SAN" and not departments_page.dirty
    assert departments.get_department("DPW").email == "dpw@example.town"


def test_a_department_with_work_is_not_retired(departments_page, caplog):
    departments_page.active.setChecked(False)
    departments_page.email.setText("roads@alderfalls.gov")
    with caplog.at_level(logging.WARNING, logger="frontcounter.ui"):
        assert not departments_page.save()
    assert "active request types" in departments_page.error.text()
    assert departments_page.email.text() == "roads@alderfalls.gov"
    assert not departments_page.active.isChecked()
    assert departments.get_department("DPW").active


def test_a_new_department(departments_page):
    def fill(dialog: NewEntryDialog) -> None:
        dialog.code.setText("fire")
        dialog.name.setText("Fire Department")
        dialog.save()

    departments_page.run_dialog = fill
    departments_page.add_department()
    assert departments_page.current_code == "FIRE"
    assert departments_page.name.text() == "Fire Department"


# -- printed documents ----------------------------------------------------------------------------


def png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (10, 90, 40)).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def look(qtbot, db):
    shown = TownLookBox(staff=lambda: None)
    qtbot.addWidget(shown)
    shown.load()
    return shown


def test_the_logo_is_chosen_previewed_and_removed(look, tmp_path, caplog):
    assert look.preview.text() == "(no logo)" and not look.remove_button.isEnabled()
    path = tmp_path / "seal.png"
    path.write_bytes(png(300, 120))
    look.choose_file = lambda _parent: str(path)
    look.choose_logo()
    assert settings.get_logo() == path.read_bytes()
    assert not look.preview.pixmap().isNull() and "300 × 120 pixels" in look.facts.text()
    (tmp_path / "minutes.png").write_text("not a picture", encoding="utf-8")
    look.choose_file = lambda _parent: str(tmp_path / "minutes.png")
    with caplog.at_level(logging.WARNING, logger="frontcounter.ui"):
        look.choose_logo()
    assert "not a PNG or JPEG picture" in caplog.text
    assert settings.get_logo() == path.read_bytes() and "300 × 120" in look.facts.text()
    look.remove_logo()  # confirmed: no windows
    assert settings.get_logo() is None and look.preview.text() == "(no logo)"


def test_the_paper_size(look):
    look.paper.setCurrentIndex(look.paper.findData("a4"))
    look.save_paper()
    assert settings.get_setting("print.page_size") == "a4"


@pytest.fixture
def letters(qtbot, db):
    shown = LetterTemplatesBox(staff=lambda: None)
    qtbot.addWidget(shown)
    shown.load()
    return shown


def test_a_letter_template_is_edited_with_placeholders(letters):
    found = letters.names.findItems("received", Qt.MatchFlag.MatchExactly)
    letters.names.setCurrentItem(found[0])
    assert letters.name.isReadOnly() and "{tracking_number}" in letters.subject.text()
    letters.body.setPlainText("Dear ")
    cursor = letters.body.textCursor()
    cursor.movePosition(cursor.MoveOperation.End)
    letters.body.setTextCursor(cursor)
    letters._target = letters.body
    letters.insert_placeholder(letters.placeholders.item(0))  # {resident_name}
    assert letters.body.toPlainText() == "Dear {resident_name}"
    assert letters.save()
    assert letter_templates.templates()["received"]["body"] == "Dear {resident_name}"


def test_a_misspelt_placeholder_keeps_the_letter_in_the_editor(letters):
    letters.new_template()
    letters.name.setText("pickup")
    letters.subject.setText("Your pickup")
    letters.body.setPlainText("Dear {resident},\nWe come on {expected_date}.")
    assert not letters.save()
    assert "did you mean {resident_name}" in letters.error.text()
    assert letters.body.toPlainText().startswith("Dear {resident},")
    assert "pickup" not in letter_templates.templates()
    letters.body.setPlainText("Dear {resident_name},\nWe come on {expected_date}.")
    assert letters.save()
    assert "pickup" in letter_templates.templates()


# -- the whole area, by role ----------------------------------------------------------------------


@pytest.fixture
def staff(db):
    admin = complete_first_run("Alder Falls", "Ada Admin", password="admin password 1")
    supervisor = create_staff("Sam Super", "supervisor", actor=admin)
    return admin, supervisor


def _settings(qtbot, user) -> SettingsPage:
    shown = SettingsPage(lambda: user)
    qtbot.addWidget(shown)
    shown.load()
    return shown


def test_supervisors_see_the_catalog_administrators_everything(qtbot, staff):
    admin, supervisor = staff
    seen = _settings(qtbot, supervisor)
    assert seen.tab_titles() == ["Request types", "Departments", "Routing rules"]
    assert seen.tabs.tabText(seen.tabs.currentIndex()) == "Request types"
    assert seen.request_types.model.rowCount() > 40
    everything = _settings(qtbot, admin)
    titles = everything.tab_titles()
    assert titles[0].startswith("Get the town ready (") and titles[0].endswith(" left)")
    assert titles[1:] == [
        "The town",
        "Request types",
        "Departments",
        "Routing rules",
        "Printed documents",
        "Backups and personal data",
        "Addresses and map",
        "Email and notices",
        "Partners (Open311)",
    ]


def test_a_department_renamed_shows_on_the_types_tab(qtbot, db):
    shown = _settings(qtbot, None)
    shown.show_tab("Departments")
    shown.departments.name.setText("Public Works & Roads")
    shown.departments.save()
    choose(shown.request_types, "pothole")
    assert shown.request_types.form.department.currentText() == "Public Works & Roads"


def test_town_details_saved_meanwhile_are_a_conflict(qtbot, db, caplog):
    shown = _settings(qtbot, None)
    settings.update_settings({"town.phone": "555 010 1000"}, actor=None)  # another administrator
    shown.town_edits["town.phone"].setText("555 010 2000")
    with caplog.at_level(logging.WARNING, logger="frontcounter.ui"):
        shown.save_town()
    assert "Someone else changed Phone" in caplog.text
    assert shown.town_edits["town.phone"].text() == "555 010 2000"
    shown.reload_town()
    assert shown.town_edits["town.phone"].text() == "555 010 1000"
    shown.town_edits["town.email"].setText("not an address")
    shown.save_town()
    assert settings.get_setting("town.email") == ""
    assert shown.town_edits["town.email"].text() == "not an address"
