"""Town settings that every workstation shares, kept in the database (not in QSettings)."""

from __future__ import annotations

from typing import Any

from desktop.models import audit, clock, permissions
from desktop.models.db import write
from desktop.models.schema import Setting, StaffUser

#: every shared setting and its default, declared in one place
DEFAULTS: dict[str, Any] = {
    "town.name": "",
    "town.address": "",
    "town.phone": "",
    "town.email": "",
    "town.website": "",
    "town.state": "",
    "print.page_size": "letter",  # letter | a4
    "print.letter_templates": {},  # name -> {"subject", "body"}; documents.py has the built-in ones
    "calendar.federal_holidays": True,  # add each new year's federal holidays automatically
    "setup.done": False,
    "tracking.digits": 5,
    # personal data (privacy.py): anonymise residents' details of requests closed this long ago
    "privacy.retention_years": 0,  # 0: keep them (the town decides; see the README)
    "privacy.last_run": "",  # the day the scheduled anonymisation last ran
}


def get_setting(key: str) -> Any:
    """The setting's value, or its declared default."""
    if key not in DEFAULTS:
        raise KeyError(f"unknown setting {key!r}")
    row = Setting.get_or_none(Setting.key == key)
    return DEFAULTS[key] if row is None or row.value is None else row.value


def all_settings() -> dict[str, Any]:
    values = dict(DEFAULTS)
    for row in Setting.select(Setting.key, Setting.value).where(Setting.key.in_(list(DEFAULTS))):
        if row.value is not None:
            values[row.key] = row.value
    return values


def set_settings(values: dict[str, Any], *, actor: StaffUser | None = None) -> None:
    """Save several settings in one transaction."""
    unknown = set(values) - set(DEFAULTS)
    if unknown:
        raise KeyError(f"unknown settings {sorted(unknown)!r}")
    permissions.require(actor, permissions.SETTINGS_EDIT)

    def save() -> None:
        stamp = clock.now()
        for key, value in values.items():
            old = Setting.get_or_none(Setting.key == key)
            before = None if old is None else {"value": audit.plain(old.value)}
            if before != {"value": audit.plain(value)}:
                audit.record("setting", key, "update", before, {"value": audit.plain(value)}, actor)
            updated = (
                Setting.update(value=value, updated_at=stamp, version=Setting.version + 1)
                .where(Setting.key == key)
                .execute()
            )
            if not updated:
                Setting.insert(key=key, value=value, created_at=stamp, updated_at=stamp).execute()

    write(save)


def set_logo(image: bytes | None, *, actor: StaffUser | None = None) -> None:
    """The town's logo (PNG or JPEG bytes) for printed documents; None removes it."""
    permissions.require(actor, permissions.SETTINGS_EDIT)

    def save() -> None:
        old = Setting.get_or_none(Setting.key == "town.logo")
        audit.record(
            "setting",
            "town.logo",
            "update",
            None if old is None else {"blob": audit.plain(old.blob)},
            None if image is None else {"blob": audit.plain(image)},
            actor,
        )
        Setting.delete().where(Setting.key == "town.logo").execute()
        if image is not None:
            Setting.insert(key="town.logo", blob=image).execute()

    write(save)


def get_logo() -> bytes | None:
    row = Setting.get_or_none(Setting.key == "town.logo")
    return None if row is None or row.blob is None else bytes(row.blob)
