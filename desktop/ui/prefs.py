"""This workstation's preferences (window layout, recent databases) in a QSettings INI file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings

from desktop.models.storage.db import without_password

#: every preference and its default, declared in one place
DEFAULTS: dict[str, Any] = {
    "window/geometry": None,
    "window/state": None,
    "window/page": 1,  # the Requests list
    "databases/recent": [],
    "databases/last": "",
    "databases/shared": [],  # files the clerk opened as shared (network drive) databases
    "counter/last_channel": "phone",
    "counter/staff": "",  # (before towns were told apart) who last signed in, any town
    #: who last signed in to each town at this workstation: "location<US>username" each
    "signin/last": [],
    #: when each staff member last looked at My work in each town: "location<US>user<US>ISO"
    "mywork/seen": [],
    "requests/hidden_columns": [],
    "requests/view": "",
    #: whether this workstation serves the Open311 endpoint, and where (Settings → Partners)
    "open311/serve": False,
    "open311/host": "127.0.0.1",
    "open311/port": 8311,
    #: the language of this workstation's window and command line ("": the computer's); read
    #: before Qt starts by desktop/i18n.workstation_setting, so it stays a plain INI line
    "workstation/language": "",
}
MAX_RECENT = 8
MAX_KEYED = 40
_SEP = "\x1f"  # between the parts of a keyed entry (never in a path, a URL or a user name)


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
        if isinstance(default, bool):  # the INI file keeps "true" and "false"
            return value is True or str(value).lower() in ("true", "1")
        if isinstance(default, int) and not isinstance(value, int):
            try:
                return int(str(value))
            except (TypeError, ValueError):
                return default
        return value

    def set(self, key: str, value: Any) -> None:
        """Keep `value`; a value the file already holds is not written again (every start and
        close of the window sets the same database and layout, and each write of the file is
        a locked, synced rewrite before the first paint)."""
        if key not in DEFAULTS:
            raise KeyError(key)
        if self.qsettings.contains(key) and self.get(key) == value:
            # the same as this window read; another window of this PC may have written the
            # file since: sync() reads it again if so (it writes only what is pending)
            self.qsettings.sync()
            if self.qsettings.contains(key) and self.get(key) == value:
                return
        self.qsettings.setValue(key, value)

    def remember_database(self, target: str, *, shared: bool = False) -> None:
        target = without_password(target)  # never a secret in the INI file
        recent = [target] + [t for t in self.get("databases/recent") if t != target]
        self.set("databases/recent", recent[:MAX_RECENT])
        self.set("databases/last", target)
        marked = [t for t in self.get("databases/shared") if t != target and t in recent]
        self.set("databases/shared", [*marked, target] if shared else marked)

    def _keyed(self, key: str) -> dict[tuple[str, ...], str]:
        found: dict[tuple[str, ...], str] = {}
        for entry in self.get(key):
            *where, value = entry.split(_SEP)
            found[tuple(where)] = value
        return found

    def _set_keyed(self, key: str, where: tuple[str, ...], value: str) -> None:
        found = self._keyed(key)
        found.pop(where, None)
        # the newest first, a few dozen at most: towns and people come and go
        entries = [_SEP.join((*where, value))]
        entries += [_SEP.join((*w, v)) for w, v in found.items()][: MAX_KEYED - 1]
        self.set(key, entries)

    def last_user(self, location: str) -> str:
        """Who last signed in to this town here ("" for a town nobody has): another town's
        staff member is never offered."""

        return self._keyed("signin/last").get((without_password(location),), "")

    def set_last_user(self, location: str, username: str) -> None:
        self._set_keyed("signin/last", (without_password(location),), username)

    def my_work_seen(self, location: str, username: str) -> str:
        return self._keyed("mywork/seen").get((without_password(location), username), "")

    def set_my_work_seen(self, location: str, username: str, moment: str) -> None:
        self._set_keyed("mywork/seen", (without_password(location), username), moment)

    def sync(self) -> None:
        self.qsettings.sync()
