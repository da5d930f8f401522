"""Routing rules in Settings: the ordered list supervisors keep, and the dialog to edit one.

The first active rule whose every condition matches a new request decides where it goes; the
rest keep the type's own department. The rules, their checks and their order live in the core
(`desktop.models.catalog.routing`); this is only their editor.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import _
from desktop.models.catalog import routing
from desktop.models.catalog.routing import RuleFields
from desktop.models.errors import KnownError
from desktop.models.requests.lookups import active_departments, active_staff, active_types
from desktop.models.storage.schema import StaffUser
from desktop.models.vocab import PRIORITIES
from desktop.ui.messages import messages


class RuleDialog(QDialog):
    """One rule: its conditions (when) and its outcomes (then). Errors keep what was typed."""

    def __init__(self, fields: RuleFields | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Routing rule"))
        self.result_fields: RuleFields | None = None
        self.save_rule: Callable[[RuleFields], object] | None = None
        self.name = QLineEdit()
        self.type = _combo(_("(any type)"), [(t.name, t.code) for t in active_types()])
        self.street = QLineEdit()
        self.street.setPlaceholderText(_("e.g. Elm Street"))
        self.zip = QLineEdit()
        self.words = QLineEdit()
        self.words.setPlaceholderText(_("e.g. school, playground (any of them)"))
        self.department = _combo(
            _("(the type's own)"), [(d.name, d.code) for d in active_departments()]
        )
        self.assignee = _combo(
            _("(the department's default)"), [(s.full_name, s.username) for s in active_staff()]
        )
        self.priority = _combo(_("(the type's own)"), [(v, k) for k, v in PRIORITIES.items()])
        self.active = QCheckBox(_("Active"))
        self.active.setChecked(True)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color:#8c1d18;")
        self.error.hide()
        when = QGroupBox(_("When a new request matches all of these"))
        when_form = QFormLayout(when)
        when_form.addRow(_("Request type:"), self.type)
        when_form.addRow(_("Street:"), self.street)
        when_form.addRow(_("ZIP code:"), self.zip)
        when_form.addRow(_("Words in the description:"), self.words)
        then = QGroupBox(_("Then"))
        then_form = QFormLayout(then)
        then_form.addRow(_("Send to department:"), self.department)
        then_form.addRow(_("Assign to:"), self.assignee)
        then_form.addRow(_("Priority:"), self.priority)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        top = QFormLayout()
        top.addRow(_("Name:"), self.name)
        layout = QVBoxLayout(self)
        layout.addWidget(self.error)
        layout.addLayout(top)
        layout.addWidget(when)
        layout.addWidget(then)
        layout.addWidget(self.active)
        layout.addWidget(buttons)
        if fields is not None:
            self.show_fields(fields)

    def show_fields(self, fields: RuleFields) -> None:
        self.name.setText(fields.name)
        self.street.setText(fields.street)
        self.zip.setText(fields.zip)
        self.words.setText(fields.words)
        self.active.setChecked(fields.active)
        for combo, value in (
            (self.type, fields.service_type),
            (self.department, fields.department),
            (self.assignee, fields.assignee),
            (self.priority, fields.priority),
        ):
            if value and combo.findData(value) < 0:
                # a retired type or department, or someone who left: kept as the rule has it,
                # so saving the rule does not quietly widen it to "any"
                combo.addItem(_("{code} (no longer active)").format(code=value), value)
            combo.setCurrentIndex(max(combo.findData(value), 0))

    def fields(self) -> RuleFields:
        return RuleFields(
            name=self.name.text(),
            service_type=self.type.currentData() or "",
            street=self.street.text(),
            zip=self.zip.text(),
            words=self.words.text(),
            department=self.department.currentData() or "",
            assignee=self.assignee.currentData() or "",
            priority=self.priority.currentData() or "",
            active=self.active.isChecked(),
        )

    def save(self) -> None:
        """Save through `save_rule`; a problem is shown here and the dialog stays open."""
        fields = self.fields()
        if self.save_rule is not None:
            try:
                self.save_rule(fields)
            except KnownError as exc:
                self.error.setText(str(exc))
                self.error.show()
                return
        self.result_fields = fields
        self.accept()


def _combo(first: str, items: list[tuple[str, str]]) -> QComboBox:
    combo = QComboBox()
    combo.addItem(first, "")
    for label, value in items:
        combo.addItem(label, value)
    return combo


class RoutingRulesBox(QGroupBox):
    """The ordered list of rules with Add, Edit, Remove, Up and Down."""

    #: a sentence saying what changed, for the status bar
    saved = Signal(str)

    def __init__(
        self, staff: Callable[[], StaffUser | None], parent: QWidget | None = None
    ) -> None:
        super().__init__(_("Routing rules (tried in this order; the first that matches wins)"))
        #: who is signed in at this workstation: the actor of every save here
        self.staff = staff
        self.rules = QListWidget()
        self.rules.setObjectName("routingRules")
        self.rules.itemActivated.connect(lambda _item: self.edit_selected())
        buttons = QHBoxLayout()
        for label, slot in (
            (_("Add…"), self.add),
            (_("Edit…"), self.edit_selected),
            (_("Remove"), self.remove_selected),
            (_("Up"), lambda: self.move_selected(-1)),
            (_("Down"), lambda: self.move_selected(1)),
        ):
            button = QPushButton(label)
            button.clicked.connect(lambda _c=False, s=slot: s())
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.rules)
        layout.addLayout(buttons)
        #: how a dialog is shown; tests replace it to fill and save without a modal loop
        self.run_dialog: Callable[[RuleDialog], object] = lambda dialog: dialog.exec()

    def load(self) -> None:
        selected = self.selected_id()
        self.rules.clear()
        try:
            rules = routing.list_rules()
        except KnownError as exc:
            messages.error(self, exc)
            return
        for rule in rules:
            text = f"{rule.position}. {rule.name} — {routing.describe_rule(rule)}"
            if not rule.active:
                text += " " + _("(off)")
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, (rule.id, rule.version))
            self.rules.addItem(item)
            if rule.id == selected:
                self.rules.setCurrentItem(item)

    def selected_id(self) -> int | None:
        item = self.rules.currentItem()
        return None if item is None else int(item.data(Qt.ItemDataRole.UserRole)[0])

    def _selected(self) -> tuple[int, int] | None:
        item = self.rules.currentItem()
        if item is None:
            return None
        rule_id, version = item.data(Qt.ItemDataRole.UserRole)
        return int(rule_id), int(version)

    def add(self) -> None:
        dialog = RuleDialog(parent=self)
        dialog.save_rule = lambda f: routing.add_rule(f, actor=self.staff())
        self.run_dialog(dialog)
        if dialog.result_fields is not None:
            self.load()
            self.rules.setCurrentRow(self.rules.count() - 1)
            self.saved.emit(_("Routing rule added."))

    def edit_selected(self) -> None:
        chosen = self._selected()
        if chosen is None:
            return
        rule_id, version = chosen
        try:
            fields = routing.rule_fields(routing.get_rule(rule_id))
        except KnownError as exc:
            messages.error(self, exc)
            return
        dialog = RuleDialog(fields, self)
        dialog.save_rule = lambda f: routing.update_rule(
            rule_id, f, version=version, actor=self.staff()
        )
        self.run_dialog(dialog)
        if dialog.result_fields is not None:
            self.load()
            self.saved.emit(_("Routing rule saved."))

    def remove_selected(self) -> None:
        chosen = self._selected()
        if chosen is None:
            return
        rule_id, version = chosen

        def remove() -> None:
            try:
                routing.remove_rule(rule_id, version=version, actor=self.staff())
            except KnownError as exc:
                messages.error(self, exc)
            self.load()

        messages.confirm(self, _("Routing rules"), _("Remove this routing rule?"), remove)

    def move_selected(self, step: int) -> None:
        chosen = self._selected()
        if chosen is None:
            return
        rule_id, version = chosen
        place = self.rules.currentRow() + 1 + step
        if place < 1 or place > self.rules.count():
            return
        try:
            routing.move_rule(rule_id, place, version=version, actor=self.staff())
        except KnownError as exc:
            messages.error(self, exc)
        self.load()
