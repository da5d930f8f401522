"""This workstation's preferences (window layout, recent databases) in a QSettings INI file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings

#: every preference and its default, declared in one place
DEFAULTS: dict[str, Any] = {
    "window/geometry": None,
    "window/state": None,
    "window/page": 1,  # the Requests list
    "databases/recent": [],
    "databases/last": "",
    "databases/shared": [],  # files the clerk opened as shared (network drive) databases
    "counter/last_channel": "phone",
    "counter/staff": "",  # the user name of who works at this workstation
    "requests/hidden_columns": [],
    "requests/view": "",
}
MAX_RECENT = 8


class Prefs:
    """Typed access to the INI file; unknown keys are a bug."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.folder = path.parent
        self.qsettings = QSettings(str(path), QSettings.Format.IniFormat)

    def get(self, key: str) -> Any:
        default = DEFAULTS[key]
        value = self.qsettings.value(key, default)
        if isinstance(default, list):
            if value is None or value == "":
                return []
            return [str(v) for v in (value if isinstance(value, list) else [value])]
        if isinstance(default, int) and not isinstance(value, int):
            try:
                return int(str(value))
            except (TypeError, ValueError):
                return default
        return value

    def set(self, key: str, value: Any) -> None:
        if key not in DEFAULTS:
            raise KeyError(key)
        self.qsettings.setValue(key, value)

    def remember_database(self, target: str, *, shared: bool = False) -> None:
        from desktop.models.db import without_password

        target = without_password(target)  # never a secret in the INI file
        recent = [target] + [t for t in self.get("databases/recent") if t != target]
        self.set("databases/recent", recent[:MAX_RECENT])
        self.set("databases/last", target)
        marked = [t for t in self.get("databases/shared") if t != target and t in recent]
        self.set("databases/shared", [*marked, target] if shared else marked)

    def sync(self) -> None:
        self.qsettings.sync()
