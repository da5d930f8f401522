"""The routing rules editor in Settings: add, edit, reorder, remove, and a mistake kept."""

from __future__ import annotations

import pytest

from desktop.models.catalog import routing
from desktop.models.staff.members import create_staff
from desktop.ui.routing_rules import RoutingRulesBox, RuleDialog

#: a message box would wait for a click that never comes: messages become log lines
pytestmark = pytest.mark.usefixtures("no_dialogs")


@pytest.fixture
def box(qtbot, db):
    create_staff("Pat Parks", "crew_lead", actor=None)
    shown = RoutingRulesBox(staff=lambda: None)
    qtbot.addWidget(shown)
    shown.load()
    return shown


def fill(name: str, *, words: str = "", department: str = "", street: str = ""):
    def run(dialog: RuleDialog) -> None:
        dialog.name.setText(name)
        dialog.words.setText(words)
        dialog.street.setText(street)
        dialog.department.setCurrentIndex(max(dialog.department.findData(department), 0))
        dialog.save()

    return run


def test_add_edit_move_and_remove_rules(box):
    box.run_dialog = fill("School zone", words="school, playground", department="PRK")
    box.add()
    box.run_dialog = fill("Elm to DPW", street="Elm Street", department="DPW")
    box.add()
    assert [r.name for r in routing.list_rules()] == ["School zone", "Elm to DPW"]
    assert "ELM ST" in box.rules.item(1).text()
    box.rules.setCurrentRow(1)
    box.move_selected(-1)
    assert [r.name for r in routing.list_rules()] == ["Elm to DPW", "School zone"]
    box.rules.setCurrentRow(1)
    box.run_dialog = fill("School zone (parks)", words="school", department="PRK")
    box.edit_selected()
    assert routing.list_rules()[1].name == "School zone (parks)"
    box.rules.setCurrentRow(0)
    box.remove_selected()  # no windows: confirmed
    assert [r.name for r in routing.list_rules()] == ["School zone (parks)"]


def test_a_rule_with_a_mistake_keeps_the_dialog_open(box):
    dialogs: list[RuleDialog] = []

    def run(dialog: RuleDialog) -> None:
        dialogs.append(dialog)
        dialog.name.setText("Nothing to match")
        dialog.department.setCurrentIndex(dialog.department.findData("DPW"))
        dialog.save()  # no condition at all

    box.run_dialog = run
    box.add()
    assert dialogs[0].error.isVisibleTo(dialogs[0]) and dialogs[0].error.text()
    assert dialogs[0].result_fields is None
    assert dialogs[0].name.text() == "Nothing to match"
    assert routing.list_rules() == []


def test_a_rule_for_a_retired_type_keeps_its_type_when_edited(qtbot, db):
    from desktop.models.storage.db import write
    from desktop.models.storage.schema import ServiceType

    write(lambda: ServiceType.update(active=False).where(ServiceType.code == "graffiti").execute())
    dialog = RuleDialog(routing.RuleFields("Graffiti downtown", service_type="graffiti"))
    qtbot.addWidget(dialog)
    assert dialog.fields().service_type == "graffiti"  # not widened to "(any type)"
    assert "no longer active" in dialog.type.currentText()
