"""The Counter screen driven as a clerk drives it: by keyboard, end to end."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from desktop.models.requests.intake import RequestDraft, create_request
from desktop.models.residents.contacts import CallerDetails
from desktop.models.staff.members import create_staff
from desktop.models.storage.schema import (
    Contact,
    InfoContact,
    RequestAnswer,
    RequestFollower,
    ServiceRequest,
)
from desktop.ui.counter_draft import DraftStore
from desktop.ui.counter_page import CounterPage

#: a message box would wait for a click that never comes: messages become log lines
pytestmark = pytest.mark.usefixtures("no_dialogs")


@pytest.fixture
def drafts(tmp_path: Path, db) -> DraftStore:
    return DraftStore(tmp_path / "drafts", db.location)


@pytest.fixture
def clerk(db):
    return create_staff("Carla Clerk", "clerk", actor=None)


@pytest.fixture
def counter(qtbot, drafts, clerk):
    page = CounterPage(drafts, lambda: clerk)
    qtbot.addWidget(page)
    page.resize(1200, 900)
    page.show()
    qtbot.waitExposed(page)
    page.activateWindow()
    page.focus_who()
    return page


@pytest.fixture
def maria(db):
    """A resident already on file, with one past request."""
    request = create_request(
        RequestDraft(
            service_type="missed_trash",
            description="Missed again",
            address="8 Oak Ave",
            answers={"out_by_6am": "yes"},
            caller=CallerDetails("Maria", "Núñez", "(555) 010-2233", "maria@example.com"),
        ),
        actor=None,
    )
    return request.contact


class Keyboard:
    """Sends keys to whatever has the focus, and counts them like a clerk would."""

    def __init__(self, qtbot) -> None:
        self.qtbot = qtbot
        self.count = 0

    def type(self, text: str) -> None:
        for char in text:
            self.qtbot.keyClick(QApplication.focusWidget(), char)
            self.count += 1

    def press(self, key: Qt.Key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
        self.qtbot.keyClick(QApplication.focusWidget(), key, modifier)
        self.count += 1


def test_a_known_callers_request_by_keyboard_alone(qtbot, counter, maria, clerk):
    keys = Keyboard(qtbot)
    keys.type("555.010.2233")  # typed the way the caller said it
    keys.press(Qt.Key.Key_Return)  # picks the one match
    assert counter.contact_id == maria.id
    assert "Missed again" not in counter.history.toPlainText()  # the type's name is shown
    assert "Missed Trash Pickup" in counter.history.toPlainText()
    assert QApplication.focusWidget() == counter.address
    keys.type("12 elm st")
    keys.press(Qt.Key.Key_Return)
    assert QApplication.focusWidget() == counter.description
    keys.type("big pothole by the school")
    keys.press(Qt.Key.Key_1, Qt.KeyboardModifier.AltModifier)  # the first suggestion
    assert counter.service_type is not None and counter.service_type.code == "pothole"
    keys.type("d")  # "About how big is it?" → "Dinner plate to car tire"
    keys.press(Qt.Key.Key_Tab)
    keys.type("y")  # "Is it in a traffic lane?" → Yes
    with qtbot.waitSignal(counter.request_saved) as saved:
        keys.press(Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    request = ServiceRequest.get(ServiceRequest.tracking_number == saved.args[0])
    assert request.contact_id == maria.id
    assert request.created_by_id == clerk.id
    assert request.address_normalized == "12 ELM ST"
    assert request.description == "big pothole by the school"
    answers = {
        a.attribute_code: a.value
        for a in RequestAnswer.select().where(RequestAnswer.request == request.id)
    }
    assert answers == {"size": "medium", "in_lane": "yes"}
    assert counter.banner.isVisible() and counter.banner_number.text() == saved.args[0]
    assert counter.contact_id is None
    assert counter.description.toPlainText() == ""
    assert QApplication.focusWidget() is counter.who.edit  # ready for the next caller
    assert not counter.drafts.path.exists()
    assert keys.count <= 60
    # the next caller's save refused: the red message alone, not under the last one's "Saved"
    keys.type("no type chosen for this one")
    keys.press(Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert counter.error_label.isVisible() and not counter.banner.isVisible()


def test_a_scanned_tracking_number_opens_the_request_not_a_new_caller(qtbot, counter, maria):
    number = ServiceRequest.get(ServiceRequest.contact == maria.id).tracking_number
    keys = Keyboard(qtbot)
    with qtbot.waitSignal(counter.open_request) as opened:
        keys.type(number)  # what a USB scanner types, then Enter
        keys.press(Qt.Key.Key_Return)
    assert opened.args == [number]
    assert counter.who.edit.text() == "" and counter.phone.text() == ""
    keys.type("2026-99999")
    keys.press(Qt.Key.Key_Return)
    assert "no request 2026-99999" in counter.error_label.text()
    assert counter.phone.text() == ""
    counter.who.edit.clear()
    keys.type("2025551234")  # ten digits that could be read as 2025-551234: a phone
    keys.press(Qt.Key.Key_Return)
    assert counter.phone.text() == "2025551234"


def test_a_new_caller_is_added_inline(qtbot, counter):
    keys = Keyboard(qtbot)
    keys.type("(555) 777-1212")
    keys.press(Qt.Key.Key_Return)  # nobody on file: the number goes to the new caller's phone
    assert counter.phone.text() == "(555) 777-1212"
    assert QApplication.focusWidget() == counter.first_name
    keys.type("Ravi")
    keys.press(Qt.Key.Key_Tab)
    keys.type("Shankar")
    counter.address.setFocus()
    keys.type("3 Birch Rd")
    keys.press(Qt.Key.Key_Return)
    keys.type("my trash was not picked up")
    counter.set_type("missed_trash")
    counter.questions.set_values({"out_by_6am": "yes"})
    with qtbot.waitSignal(counter.request_saved) as saved:
        counter.save()
    request = ServiceRequest.get(ServiceRequest.tracking_number == saved.args[0])
    contact = Contact.get_by_id(request.contact_id)
    assert (contact.first_name, contact.last_name) == ("Ravi", "Shankar")


def test_a_spanish_speaking_caller_is_read_the_spanish_and_remembered(qtbot, counter):
    """An English window, a caller who reads Spanish: the notices, the questions and the call
    script the clerk reads out are in Spanish, the resident is kept as reading Spanish."""
    counter.first_name.setText("Rosa")
    counter.phone.setText("(555) 777-3434")
    counter.address.setText("12 Elm St")
    counter.description.setPlainText("hay un bache enorme frente a mi casa")
    counter.set_type("pothole")
    assert "business days" in counter.notice.text()
    counter.language.setCurrentIndex(counter.language.findData("es"))
    assert "días hábiles" in counter.notice.text()  # re-read in the caller's language
    counter.set_type("pothole")
    assert "Where exactly" not in counter.script.toPlainText()
    assert counter.type_picker.edit.text() == "Pothole"  # the clerk's own language
    counter.questions.set_values({"size": "large", "in_lane": "yes"})
    with qtbot.waitSignal(counter.request_saved) as saved:
        counter.save()
    request = ServiceRequest.get(ServiceRequest.tracking_number == saved.args[0])
    assert Contact.get_by_id(request.contact_id).language == "es"
    assert counter.language.currentData() == ""  # the next caller starts at the usual one


def test_a_duplicate_is_shown_and_the_caller_follows_it(qtbot, counter, maria):
    first = create_request(
        RequestDraft(
            service_type="pothole",
            description="Hole by the school",
            address="12 Elm Street",
            answers={"size": "large", "in_lane": "yes"},
        ),
        actor=None,
    )
    counter.who.edit.setText("Núñez")
    counter.who.refresh()
    counter.who.picked.emit(counter.who.results.item(0).data(Qt.ItemDataRole.UserRole))
    counter.address.setText("14 elm st")  # two doors down
    counter.description.setPlainText("pothole again")
    counter.set_type("pothole")
    counter.questions.set_values({"size": "large", "in_lane": "yes"})
    assert counter.duplicates_box.isVisible()
    assert first.tracking_number in counter.duplicates_list.item(0).text()
    counter.save()  # the first Ctrl+Enter stops at the duplicates
    assert ServiceRequest.select().count() == 2  # maria's old one and the pothole
    assert "already be reported" in counter.error_label.text()
    with qtbot.waitSignal(counter.request_saved):
        counter.add_caller_to_selected()
    assert ServiceRequest.select().count() == 2  # no new work
    follower = RequestFollower.get(RequestFollower.request == first.id)
    assert follower.contact_id == maria.id
    assert "added" in counter.banner_text.text()


def test_saving_anyway_after_seeing_duplicates(qtbot, counter):
    create_request(
        RequestDraft(
            service_type="pothole",
            description="Hole",
            address="12 Elm Street",
            answers={"size": "large", "in_lane": "yes"},
        ),
        actor=None,
    )
    counter.anonymous.setChecked(True)
    counter.address.setText("12 Elm St")
    counter.description.setPlainText("another hole")
    counter.set_type("pothole")
    counter.questions.set_values({"size": "small", "in_lane": "no"})
    counter.save()
    assert ServiceRequest.select().count() == 1
    with qtbot.waitSignal(counter.request_saved):
        counter.save()  # the second Ctrl+Enter: a new request after all
    assert ServiceRequest.select().count() == 2


def test_a_required_question_left_empty_is_named_and_nothing_saved(qtbot, counter):
    counter.anonymous.setChecked(True)
    counter.description.setPlainText("hole in the road")
    counter.set_type("pothole")
    counter.questions.set_values({"size": "small"})
    counter.save()
    assert ServiceRequest.select().count() == 0
    assert "Is it in a traffic lane?" in counter.error_label.text()
    assert counter.description.toPlainText() == "hole in the road"  # nothing typed is lost
    # the cursor waits in the unanswered question, scrolled into view, for the next key
    lane = counter.questions.inputs["in_lane"]
    assert lane.objectName() == "question_in_lane"
    viewport = counter.form_scroll.viewport()
    corner = lane.mapTo(viewport, lane.rect().topLeft())
    assert viewport.rect().contains(corner)
    assert QApplication.focusWidget() is lane


def test_a_save_without_a_type_puts_the_cursor_in_the_type_picker(qtbot, counter):
    counter.anonymous.setChecked(True)
    counter.description.setPlainText("something odd on my street")
    counter.save()
    assert "Choose the request type" in counter.error_label.text()
    assert QApplication.focusWidget() is counter.type_picker.edit


def test_the_safety_notice_must_be_confirmed(qtbot, counter):
    counter.anonymous.setChecked(True)
    counter.address.setText("5 Main St")
    counter.description.setPlainText("the light is out and a wire is hanging")
    counter.set_type("street_light_out")
    assert counter.safety.isVisible()
    assert "wires" in counter.safety_text.text()
    assert QApplication.focusWidget() == counter.safety_ack
    counter.questions.set_values({"problem": "pole_damage"})
    counter.save()
    assert ServiceRequest.select().count() == 0
    assert "safety notice" in counter.error_label.text()
    counter.safety_ack.setChecked(True)
    with qtbot.waitSignal(counter.request_saved):
        counter.save()


def test_a_half_typed_form_survives_a_crash(qtbot, drafts, clerk, maria):
    page = CounterPage(drafts, lambda: clerk)
    qtbot.addWidget(page)
    page.pick_contact(maria.id)
    page.address.setText("99 Pine St")
    page.description.setPlainText("the hydrant is leaking <b>a lot</b>")
    page.set_type("pothole")
    page.questions.set_values({"size": "large"})
    page.confidential.setChecked(True)
    page.channel.setCurrentIndex(page.channel.findData("letter"))  # not the workstation's last
    with qtbot.waitSignal(page.draft_timer.timeout):
        pass  # the draft is written after a short pause in typing
    page.deleteLater()  # the window is gone without saving (a crash, a power cut)
    again = CounterPage(drafts, lambda: clerk)
    qtbot.addWidget(again)
    assert again.contact_id == maria.id
    assert again.address.text() == "99 Pine St"
    assert again.description.toPlainText() == "the hydrant is leaking <b>a lot</b>"
    assert again.service_type is not None and again.service_type.code == "pothole"
    assert again.questions.values() == {"size": "large"}
    assert again.confidential.isChecked()
    assert again.channel.currentData() == "letter"
    assert "brought back" in again.banner_text.text()


def test_a_damaged_draft_is_ignored(qtbot, drafts, clerk):
    drafts.path.parent.mkdir(parents=True, exist_ok=True)
    drafts.path.write_text("{not json", encoding="utf-8")
    page = CounterPage(drafts, lambda: clerk)
    qtbot.addWidget(page)
    assert page.description.toPlainText() == ""


def test_question_answered_in_one_key(qtbot, counter, maria):
    counter.pick_contact(maria.id)
    counter.description.setPlainText("When is bulk pickup?")
    counter.question_answered()
    question = InfoContact.get()
    assert question.topic == "When is bulk pickup?" and question.contact_id == maria.id
    assert counter.description.toPlainText() == ""


def test_hostile_and_huge_text_gets_a_message(qtbot, counter):
    counter.anonymous.setChecked(True)
    counter.description.setPlainText("x" * 30_000)
    counter.set_type("pothole")
    counter.questions.set_values({"size": "small", "in_lane": "no"})
    counter.save()
    assert "too long" in counter.error_label.text()
    counter.description.setPlainText("\x00\x07<script>alert(1)</script> ‮evil")
    counter.phone.setText("12")
    counter.anonymous.setChecked(False)
    counter.phone.setText("12")
    counter.save()
    assert "not a phone number" in counter.error_label.text()
    assert ServiceRequest.select().count() == 0
    counter.lat.setText("north")
    counter.save()
    assert "not a number" in counter.error_label.text()
    assert QApplication.focusWidget() is counter.lat  # where the bad word is


def test_a_type_found_by_keyword_in_the_picker(qtbot, counter):
    counter.type_picker.edit.setFocus()
    qtbot.keyClicks(counter.type_picker.edit, "rats")
    qtbot.keyClick(counter.type_picker.edit, Qt.Key.Key_Return)
    assert counter.service_type is not None
    assert "rodent" in (counter.service_type.name + counter.service_type.keywords).lower() or (
        "rat" in counter.service_type.name.lower()
    )


def test_address_completion_from_known_addresses(qtbot, counter, maria):
    counter.address.setText("8 oa")
    counter._complete_address()
    assert counter._addresses.stringList() == ["8 Oak Ave"]  # as written, not shouted
    counter.address.setText("8 oak aven")  # a word still being typed, longer than "AVE"
    counter._complete_address()
    assert counter._addresses.stringList() == ["8 Oak Ave"]


def test_two_records_of_one_resident_are_merged(qtbot, counter, maria):
    twin = create_request(
        RequestDraft(
            service_type="missed_trash",
            description="Missed",
            address="8 Oak Ave",
            answers={"out_by_6am": "yes"},
            caller=CallerDetails("Maria", "Nunez", "555 010 7777"),
        ),
        actor=None,
    ).contact
    assert twin is not None
    counter.pick_contact(maria.id)
    assert "Merge the other record" in counter.history.toPlainText()
    assert counter.merge_other_record(twin.id)
    assert ServiceRequest.select().where(ServiceRequest.contact == maria.id).count() == 2
    assert Contact.get_by_id(twin.id).merged_into_id == maria.id
    assert "(555) 010-7777" in counter.history.toPlainText()
    assert not counter.merge_other_record(twin.id)  # already merged: said, not a crash
    assert counter.error_label.text()


def test_suggestions_appear_as_the_description_is_typed(qtbot, counter):
    counter.description.setFocus()
    qtbot.keyClicks(counter.description, "my garbage wasnt picked up")
    with qtbot.waitSignal(counter.suggest_timer.timeout):
        pass  # suggestions follow a short pause in typing
    shown = [b.text() for b in counter.suggestion_buttons if not b.isHidden()]
    assert shown and "Missed Trash" in shown[0]
    articles = [b for b in counter.article_buttons if not b.isHidden()]
    assert articles
    assert counter.explanation.text()


def test_a_question_answered_from_an_article_in_one_key(qtbot, counter, maria):
    counter.pick_contact(maria.id)
    counter.description.setPlainText("when is the transfer station open")
    counter.update_suggestions()
    counter.take_article(0)
    article_id = counter.article_view.article_id
    assert article_id is not None
    assert counter.side.currentWidget() is counter.article_view
    assert "{town}" not in counter.article_view.toPlainText()
    qtbot.keyClick(counter.description, Qt.Key.Key_F9)
    question = InfoContact.get()
    assert question.article_id == article_id and question.contact_id == maria.id
    assert question.topic == "when is the transfer station open"
    assert "answered from the article" in counter.banner_text.text()
    assert counter.article_view.article_id is None  # the next caller starts afresh


def test_a_call_script_beside_a_chosen_type(qtbot, counter):
    counter.set_type("water_main_break")
    assert not counter.script_box.isHidden()
    assert counter.side.currentWidget() is counter.history  # the caller's history stays in view
    assert "Call script" in counter.script.toPlainText()
    assert "urgent" in counter.script.toPlainText().lower()
    from desktop.models.storage.db import write
    from desktop.models.storage.schema import CallScript, ServiceType

    sweeping = ServiceType.get(ServiceType.code == "street_sweeping")
    write(lambda: CallScript.delete().where(CallScript.service_type == sweeping.id).execute())
    counter.set_type("street_sweeping")  # a type with no script (a town's own, say)
    assert counter.script_box.isHidden()


def test_tab_goes_from_the_safety_notice_through_the_questions(qtbot, counter):
    keys = Keyboard(qtbot)
    counter.set_type("gas_smell")
    assert QApplication.focusWidget() == counter.safety_ack
    keys.press(Qt.Key.Key_Space)  # "I read this to the caller"
    assert counter.safety_ack.isChecked()
    questions = list(counter.questions.inputs.values())
    assert len(questions) >= 2
    for question in questions:  # each required question in turn, not the priority
        keys.press(Qt.Key.Key_Tab)
        assert QApplication.focusWidget() is question
    keys.press(Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is counter.priority
    for question in reversed(questions):  # and back
        keys.press(Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
        assert QApplication.focusWidget() is question
    keys.press(Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
    assert QApplication.focusWidget() is counter.safety_ack


def test_enter_moves_through_a_new_callers_details_to_the_address(qtbot, counter):
    keys = Keyboard(qtbot)
    keys.type("Jo Smith")
    keys.press(Qt.Key.Key_Return)  # no match: a new caller, name split
    assert (counter.first_name.text(), counter.last_name.text()) == ("Jo", "Smith")
    assert QApplication.focusWidget() is counter.phone
    keys.type("555 010 9999")
    keys.press(Qt.Key.Key_Return)
    assert QApplication.focusWidget() is counter.address
    counter.last_name.setFocus()
    keys.press(Qt.Key.Key_Return)
    assert QApplication.focusWidget() is counter.phone
    counter.first_name.setFocus()
    keys.press(Qt.Key.Key_Return)
    assert QApplication.focusWidget() is counter.last_name


def test_enter_takes_the_address_on_file(qtbot, counter, maria):
    keys = Keyboard(qtbot)
    counter.address.setFocus()
    keys.type("8 oak")
    keys.press(Qt.Key.Key_Return)  # before the completion's pause is over, even
    assert counter.address.text() == "8 Oak Ave"  # one place, not "8 oak" and "8 Oak Ave"
    assert QApplication.focusWidget() is counter.description
    # an address not on file stands as typed
    counter.address.clear()
    counter.address.setFocus()
    keys.type("99 Birch Ln")
    keys.press(Qt.Key.Key_Return)
    assert counter.address.text() == "99 Birch Ln"
    assert QApplication.focusWidget() is counter.description


def test_the_last_calls_banner_goes_when_the_next_call_begins(qtbot, counter):
    keys = Keyboard(qtbot)
    counter.description.setPlainText("when is the dump open")
    counter.question_answered()
    assert counter.banner.isVisible() and "Question logged" in counter.banner_text.text()
    keys.type("5")  # the next caller's phone
    assert not counter.banner.isVisible()


def test_a_read_only_database_is_said_before_the_call_is_typed(qtbot, drafts, clerk):
    page = CounterPage(drafts, lambda: clerk, read_only=lambda: "The file is read-only.")
    qtbot.addWidget(page)
    page.focus_default()
    assert not page.read_only_note.isHidden()
    assert "Nothing can be saved" in page.read_only_note.text()
    assert "The file is read-only." in page.read_only_note.text()
    assert not page.save_button.isEnabled() and not page.question_button.isEnabled()


@pytest.mark.sqlite_only
def test_the_window_tells_the_counter_its_database_is_read_only(qtbot, db, db_path, tmp_path):
    from desktop.models.setup.opening import open_database
    from desktop.models.storage.db import close_database
    from desktop.ui.main_window import MainWindow
    from desktop.ui.prefs import Prefs

    request = create_request(
        RequestDraft(service_type="tree_trimming", description="Branch", address="3 Oak Ave"),
        actor=None,
    )
    close_database(db)
    opened = open_database(db_path, read_only=True)
    try:
        window = MainWindow(opened, Prefs(tmp_path / "prefs.ini"), signed_in=lambda: None)
        qtbot.addWidget(window)
        window.show_page(0)
        counter = window.page(0)
        assert isinstance(counter, CounterPage)
        assert not counter.read_only_note.isHidden()
        assert not counter.save_button.isEnabled()
        # the request's actions are greyed with the reason; printing it is still offered
        assert window.open_request(request.tracking_number)
        detail = window.requests_page.detail
        assert not detail.buttons["note"].isEnabled()
        assert detail.buttons["note"].toolTip() == window.read_only_reason()
        assert detail.menu_actions["Print work order"].isEnabled()
        assert not detail.menu_actions["Reopen…"].isEnabled()
    finally:
        close_database(opened)
