"""Getting the town ready: what a new town fills in before its first day at the counter.

A town starts with the starter catalog and knowledge base, whose call scripts and answers name
the town's own facts as placeholders ("{gas_utility_phone}"): until they are filled in, a clerk
reads "[to fill in: gas utility phone]" to a caller who smells gas. The checklist says what is
left, each item measured from the database itself (a count of what is missing, not a box
someone ticked), except the two that have sensible defaults and only need a look: office hours
and the printer's paper. Those are confirmed once by an administrator (`confirm`).

The first run opens the checklist; Settings keeps it with a count of what is left; the command
line has `frontcounter checklist [--json]` and `frontcounter checklist confirm KEY`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from desktop.i18n import _, ngettext
from desktop.models.admin.backups import newest
from desktop.models.errors import InputError
from desktop.models.knowledge.placeholders import placeholders
from desktop.models.staff import permissions
from desktop.models.storage.schema import Department, StaffUser
from desktop.models.town.settings import get_setting, set_settings

#: where each item is put right, for the window (a Settings tab or an area) and the CLI
WHERE = {
    "town": "settings:town",
    "staff": "staff",
    "departments": "settings:departments",
    "placeholders": "knowledge:placeholders",
    "office_hours": "settings:town",
    "printer": "settings:documents",
    "backups": "settings:backups",
}
#: items with a default that is often right: an administrator looks and confirms them
CONFIRMED = ("office_hours", "printer")


@dataclass(frozen=True)
class ReadyItem:
    key: str
    title: str
    done: bool
    #: what is left, in a sentence ("3 departments have no phone: Parks, Water, Clerk.")
    left: str
    #: how to put it right, in the clerk's words (the menu path or the command)
    how: str
    #: what is left, as a number (0 when done)
    missing: int = 0

    def as_json(self) -> dict[str, object]:
        return {
            "key": self.key,
            "title": self.title,
            "done": self.done,
            "left": self.left,
            "how": self.how,
            "missing": self.missing,
            "where": WHERE[self.key],
        }


# the starter catalog's departments come with numbers and addresses that only look real:
# 555-0100 to 555-0199 are the fictional numbers, there is no area code 555, and example
# domains never deliver mail
_EXAMPLE_EMAIL = re.compile(r"@(?:[\w-]+\.)*example(?:\.[a-z]+)?$", re.IGNORECASE)


def is_example(value: str) -> bool:
    """A phone or email that is the starter's example, not the town's own."""
    text = value.strip()
    if _EXAMPLE_EMAIL.search(text):
        return True
    digits = re.sub(r"\D", "", text)
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) == 10 and digits.startswith("555"):
        return True  # no such area code
    return len(digits) in (7, 10) and digits[-7:].startswith("55501")


def _names(items: list[str], most: int = 5) -> str:
    shown = ", ".join(items[:most])
    return shown + (_(" and {n} more").format(n=len(items) - most) if len(items) > most else "")


def _town() -> ReadyItem:
    labels = {
        "town.name": _("name"),
        "town.address": _("town hall address"),
        "town.phone": _("phone"),
        "town.email": _("email"),
    }
    missing = [label for key, label in labels.items() if not str(get_setting(key) or "").strip()]
    return ReadyItem(
        "town",
        _("The town's details"),
        not missing,
        _("Missing: {fields}.").format(fields=", ".join(missing)) if missing else "",
        _("Settings → The town (they are printed on every receipt, letter and work order)."),
        len(missing),
    )


def _staff() -> ReadyItem:
    can_sign_in = (
        StaffUser.select()
        .where(
            StaffUser.active == True,  # noqa: E712
            StaffUser.password_hash.is_null(False),
            StaffUser.password_hash != "",
        )
        .count()
    )
    without = [
        user.full_name
        for user in StaffUser.select(StaffUser.full_name)
        .where(
            StaffUser.active == True,  # noqa: E712
            StaffUser.password_hash.is_null(True) | (StaffUser.password_hash == ""),
        )
        .order_by(StaffUser.full_name)
    ]
    if can_sign_in <= 1 and not without:
        left = _("Only one person can sign in: add the clerks and crew leads who use it.")
        missing = 1
    elif without:
        left = ngettext(
            "{n} staff member cannot sign in yet (no password): {names}.",
            "{n} staff members cannot sign in yet (no password): {names}.",
            len(without),
        ).format(n=len(without), names=_names(without))
        missing = len(without)
    else:
        left, missing = "", 0
    return ReadyItem(
        "staff",
        _("Staff, each with their own sign-in"),
        missing == 0,
        left,
        _("Staff and audit → Add, then Reset password… for each (their own sign-in)."),
        missing,
    )


def _departments() -> ReadyItem:
    lacking = []
    count = 0
    active = Department.select().where(Department.active == True)  # noqa: E712
    for department in active.order_by(Department.sort_order, Department.name):
        gaps = [
            what
            for what, value in ((_("phone"), department.phone), (_("email"), department.email))
            if not str(value or "").strip() or is_example(str(value))
        ]
        if gaps:
            lacking.append(f"{department.name} ({', '.join(gaps)})")
            count += len(gaps)
    return ReadyItem(
        "departments",
        _("Each department's phone and email"),
        not lacking,
        ngettext(
            "{n} department still lacks its own (empty, or the starter's example): {names}.",
            "{n} departments still lack their own (empty, or the starter's example): {names}.",
            len(lacking),
        ).format(n=len(lacking), names=_names(lacking, 4))
        if lacking
        else "",
        _("Settings → Departments (clerks transfer callers and send work to them)."),
        count,
    )


def _placeholders() -> ReadyItem:
    found = [p for p in placeholders() if p.used_in]
    empty = [p for p in found if not p.filled]
    return ReadyItem(
        "placeholders",
        _("The town's facts in answers and call scripts"),
        not empty,
        ngettext(
            "{n} of {total} is not filled in, and reads “[to fill in: …]” to callers: {names}.",
            "{n} of {total} are not filled in, and read “[to fill in: …]” to callers: {names}.",
            len(empty),
        ).format(
            n=len(empty),
            total=len(found),
            names=_names([p.name.replace("_", " ") for p in empty]),
        )
        if empty
        else "",
        _("Knowledge base → Placeholders… (pickup days, on-call numbers, the gas utility's)."),
        len(empty),
    )


def _confirmed(key: str, title: str, unconfirmed: str, how: str) -> ReadyItem:
    done = key in (get_setting("setup.checked") or [])
    return ReadyItem(key, title, done, "" if done else unconfirmed, how, 0 if done else 1)


def _office_hours() -> ReadyItem:
    return _confirmed(
        "office_hours",
        _("Office hours and holidays"),
        _(
            "Due dates count only the office's open hours and skip its holidays: check that "
            "they are the town's, then confirm."
        ),
        _("Settings → The town: Office hours and Holidays; then Confirm here."),
    )


def _printer() -> ReadyItem:
    size = "A4" if get_setting("print.page_size") == "a4" else _("US Letter")
    return _confirmed(
        "printer",
        _("The printer and its paper"),
        _(
            "Work orders print on {size}: print one to the office printer to see that it fits "
            "and the barcode scans, then confirm."
        ).format(size=size),
        _("Settings → Printed documents (paper size, logo); then Confirm here."),
    )


def _backups(backup_folder: Path | None) -> ReadyItem:
    how = _("Settings → Backups and personal data → Back up now (then one a day).")
    if backup_folder is None:
        return ReadyItem(
            "backups",
            _("Backups"),
            False,
            _("This workstation does not keep backups of this database."),
            how,
            1,
        )
    latest = newest(backup_folder) if backup_folder.exists() else None
    return ReadyItem(
        "backups",
        _("Backups"),
        latest is not None,
        "" if latest is not None else _("No backup of this database has been taken yet."),
        how,
        0 if latest is not None else 1,
    )


def checklist(backup_folder: Path | None = None) -> list[ReadyItem]:
    """Each item of getting the town ready, in the order worth doing them.

    `backup_folder` is where this workstation keeps this database's backups (None: none)."""
    return [
        _town(),
        _staff(),
        _departments(),
        _placeholders(),
        _office_hours(),
        _printer(),
        _backups(backup_folder),
    ]


def items_left(items: list[ReadyItem]) -> int:
    return sum(1 for item in items if not item.done)


def confirm(key: str, *, actor: StaffUser | None, undo: bool = False) -> None:
    """An administrator has looked at office hours or the printer and says they are right
    (`undo`: take that back)."""
    permissions.require(actor, permissions.SETTINGS_EDIT)
    if key not in CONFIRMED:
        raise InputError(
            _(
                "Only {keys} are confirmed by hand; the rest are done when they are filled in."
            ).format(keys=" and ".join(CONFIRMED)),
        )
    checked = [k for k in (get_setting("setup.checked") or []) if k in CONFIRMED and k != key]
    if not undo:
        checked.append(key)
    set_settings({"setup.checked": sorted(checked)}, actor=actor)
