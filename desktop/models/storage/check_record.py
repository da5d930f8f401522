"""When each database file was last checked in full, and what the check found.

The full check (`PRAGMA quick_check`) reads the whole file: two seconds and more on a town of a
million requests, growing with every year. Opening a large file does not run it (rule 8 in
docs/RELIABILITY.md): it looks here instead. A file whose last check found damage opens
read-only at once; a file not checked today is checked by the window in the background (once a
day), by `frontcounter check` and by every backup, and each of them notes its result here.

The record is this computer's (beside the audit witness, in the user data folder), so a file on
a read-only or shared drive needs no write to be checked, and a damaged file is never written
to for its own sake. Damage found is trusted only while the file is unchanged (a damaged file
is open read-only, so only a restore or a repair changes it); a sound result is trusted for a
day, through the day's saves.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

from desktop.models import clock
from desktop.models.storage.safe_files import write_whole

log = logging.getLogger("frontcounter.check")

FILE_NAME = "checks.json"
#: the files remembered (the most recently checked are kept)
MAX_FILES = 200
#: a sound check is trusted this long before the window checks again
FRESH_FOR = dt.timedelta(days=1)

_file: Path | None = None
_lock = threading.Lock()


def set_record_file(path: Path | None) -> None:
    """Where this workstation keeps the record (the window and the CLI set it at start)."""
    global _file
    _file = path


class LastCheck(NamedTuple):
    at: dt.datetime
    problems: tuple[str, ...]
    #: the file has the size and modification time it had when it was checked
    unchanged: bool

    @property
    def sound(self) -> bool:
        return not self.problems

    def fresh(self, now: dt.datetime | None = None) -> bool:
        """Checked within FRESH_FOR (the window's daily check is not due yet)."""
        return (now or clock.now()) - self.at < FRESH_FOR


def _identity(path: Path) -> tuple[str, dict[str, Any]] | None:
    """The record's key for the file, and what says it is still the same file."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return str(path.resolve()), {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def _read() -> dict[str, Any]:
    if _file is None:
        return {}
    try:
        data = json.loads(_file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:  # unreadable: as if nothing was ever checked
        log.warning("the record of checks at %s is unreadable: %s", _file, exc)
        return {}
    return data if isinstance(data, dict) else {}


def last_check(path: Path) -> LastCheck | None:
    """The last full check of the file at `path` on this computer (None: never checked here)."""
    found = _identity(path)
    if found is None:
        return None
    key, same = found
    entry = _read().get(key)
    if not isinstance(entry, dict):
        return None
    try:
        at = dt.datetime.fromisoformat(str(entry["at"]))
        problems = tuple(str(p) for p in entry.get("problems", []))
    except (KeyError, TypeError, ValueError):
        return None
    return LastCheck(at, problems, unchanged=entry.get("file") == same)


def known_damage(path: Path) -> tuple[str, ...]:
    """The problems the last check found in the file, while it is unchanged since (empty: none
    known)."""
    return damage_in(last_check(path))


def due(path: Path) -> bool:
    """Whether the file's daily full check is due (never checked here, or not today)."""
    return is_due(last_check(path))


def damage_in(last: LastCheck | None) -> tuple[str, ...]:
    """`known_damage` of a record read already (opening reads it once)."""
    return last.problems if last is not None and last.unchanged else ()


def is_due(last: LastCheck | None) -> bool:
    """`due` of a record read already."""
    return last is None or not last.fresh() or (not last.sound and not last.unchanged)


def note_check(path: Path, problems: Sequence[str]) -> None:
    """Remember that the file at `path` was checked in full just now and what was found.
    Never raises: a record that cannot be written means the next opening checks again."""
    if _file is None:
        return
    found = _identity(path)
    if found is None:
        return
    key, same = found
    with _lock:
        data = _read()
        data.pop(key, None)
        data[key] = {
            "file": same,
            "at": clock.now().isoformat(timespec="seconds"),
            "problems": list(problems)[:20],
        }
        while len(data) > MAX_FILES:
            data.pop(next(iter(data)))
        try:
            _file.parent.mkdir(parents=True, exist_ok=True)
            write_whole(_file, json.dumps(data, indent=1).encode("utf-8"))
        except OSError as exc:
            log.warning("could not note the check of %s in %s: %s", path, _file, exc)
