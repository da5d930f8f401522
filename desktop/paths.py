"""Where Front Counter keeps its files: platformdirs folders, or all under one --basedir."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_DIR_NAME = "FrontCounter"
DEFAULT_DB_NAME = "frontcounter.db"


@dataclass(frozen=True)
class AppPaths:
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


def app_paths(basedir: Path | str | None = None) -> AppPaths:
    """The app's folders: under `basedir` when given (tests, portable installs), else the user's."""
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
