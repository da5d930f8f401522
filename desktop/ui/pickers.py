"""Pickers the screens share: the town's active departments and staff, each after an entry
that means "none" (Work orders' Today, the knowledge base editor)."""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker
from PySide6.QtWidgets import QComboBox

from desktop.models.requests.lookups import active_departments, active_staff


def fill_departments_and_staff(
    departments: QComboBox, staff: QComboBox, *, no_department: str, nobody: str
) -> None:
    """The active departments (data: their code) and staff (data: their user name), read
    again; neither picker says it changed while it is refilled."""
    with QSignalBlocker(departments), QSignalBlocker(staff):
        departments.clear()
        departments.addItem(no_department, "")
        for department in active_departments():
            departments.addItem(department.name, department.code)
        staff.clear()
        staff.addItem(nobody, "")
        for person in active_staff():
            staff.addItem(person.full_name, person.username)
