"""Where Front Counter keeps its files: platformdirs folders, or all under one --basedir."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import NamedTuple

import platformdirs

APP_DIR_NAME = "FrontCounter"
DEFAULT_DB_NAME = "frontcounter.db"


class AppPaths(NamedTuple):
    """Every folder the app writes to. Created on demand, never at import."""

    data_dir: Path
    config_dir: Path
    log_dir: Path
    backup_dir: Path

    @property
    def default_db(self) -> Path:
        return self.data_dir / DEFAULT_DB_NAME

    @property
    def settings_file(self) -> Path:
        return self.config_dir / "frontcounter.ini"

    @property
    def log_file(self) -> Path:
        return self.log_dir / "frontcounter.log"

    @property
    def drafts_dir(self) -> Path:
        return self.data_dir / "drafts"

    def ensure(self) -> None:
        for folder in (self.data_dir, self.config_dir, self.log_dir):
            folder.mkdir(parents=True, exist_ok=True)


#: beside a bundled program, this file makes it a portable copy (a USB stick): its data,
#: settings, logs and backups are kept in the folder beside it, not in the user's folders
PORTABLE_FILE = "portable.ini"


#: the folder of the Windows app folder's launchers, set by them as they start
#: (installers/windows/launch.py); None otherwise
program_folder: Path | None = None


def bundle_folder() -> Path | None:
    """The folder of a bundled program: the Windows app folder, or PyInstaller's program (the
    Debian package); None for a checkout or a plain `pip install`."""
    if program_folder is not None:
        return program_folder
    if getattr(sys, "frozen", False):
        return Path(sys.executable).resolve().parent
    return None


def portable_base() -> Path | None:
    """The folder of a portable copy: where the bundled program is, when `portable.ini` lies
    beside it; None for an installed program or a checkout."""
    folder = bundle_folder()
    if folder is None:
        return None
    return folder if (folder / PORTABLE_FILE).is_file() else None


def app_paths(basedir: Path | str | None = None) -> AppPaths:
    """The app's folders: under `basedir` when given (tests), beside the program for a portable
    copy (`portable.ini`), else the user's."""
    if basedir is None:
        basedir = portable_base()
    if basedir is not None:
        base = Path(basedir).expanduser().resolve()
        return AppPaths(base / "data", base / "config", base / "logs", base / "backups")
    data = Path(platformdirs.user_data_dir(APP_DIR_NAME, appauthor=False))
    return AppPaths(
        data_dir=data,
        config_dir=Path(platformdirs.user_config_dir(APP_DIR_NAME, appauthor=False)),
        log_dir=Path(platformdirs.user_log_dir(APP_DIR_NAME, appauthor=False)),
        backup_dir=data / "backups",
    )
