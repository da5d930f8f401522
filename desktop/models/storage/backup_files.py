"""Backup files on disk: where a database's backups are kept, their names, and the list of
them. Kept with storage (it reads only files) so that the audit witness can look at backups
without reaching up into admin/backups, which makes, rotates and restores them."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import NamedTuple

#: a backup's name: the database's stem, when it was taken, a number, a tag ("before-restore")
STAMP = "%Y%m%d-%H%M%S"
NAME = re.compile(r"^(?P<stem>.+)-(?P<stamp>\d{8}-\d{6})(?:-(?P<n>\d+))?(?P<tag>-[a-z-]+)?\.db$")
TMP_SUFFIX = ".partial"


_root: Path | None = None


def set_backup_root(folder: Path | None) -> None:
    """Where this app keeps backups (AppPaths.backup_dir); the window's Settings box reads it."""
    global _root
    _root = folder


def backup_root() -> Path | None:
    return _root


class Backup(NamedTuple):
    """One backup file and when it was taken."""

    path: Path
    taken_at: dt.datetime
    size: int
    #: '' for an ordinary backup; 'before-restore' for the copy taken just before a restore
    tag: str = ""

    def as_dict(self) -> dict[str, object]:
        return {
            "path": str(self.path),
            "taken_at": self.taken_at.isoformat(sep=" "),
            "size": self.size,
            "tag": self.tag,
        }


def folder_for(root: Path, database: Path) -> Path:
    """The folder under `root` for backups of `database` (its name and a hash of where it is)."""
    import hashlib  # noqa: PLC0415 (OpenSSL loads with the first backup, not at start)

    digest = hashlib.sha256(str(database.expanduser().absolute()).encode()).hexdigest()[:8]
    return root / f"{database.stem}-{digest}"


def parse_name(path: Path) -> tuple[dt.datetime, str] | None:
    match = NAME.match(path.name)
    if match is None:
        return None
    try:
        taken = dt.datetime.strptime(match["stamp"], STAMP)
    except ValueError:
        return None
    return taken, (match["tag"] or "").lstrip("-")


def list_backups(folder: Path) -> list[Backup]:
    """The backups in `folder`, newest first (half-made temporary files are not backups)."""
    found: list[Backup] = []
    if not folder.is_dir():
        return found
    for path in folder.iterdir():
        parsed = parse_name(path)
        if parsed is None or not path.is_file():
            continue
        try:
            size = path.stat().st_size
        except OSError:
            continue
        found.append(Backup(path, parsed[0], size, parsed[1]))
    found.sort(key=lambda backup: (backup.taken_at, backup.path.name), reverse=True)
    return found


def newest(folder: Path) -> Backup | None:
    """The newest ordinary backup (every backup was checked before it got its name)."""
    return next((backup for backup in list_backups(folder) if not backup.tag), None)
