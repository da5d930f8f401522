"""Logging: one named logger per area, a rotating log file in the app's log folder."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from desktop.paths import AppPaths

_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
MAX_BYTES = 2_000_000
KEEP = 5
_handlers: list[logging.Handler] = []


class _LogFile(logging.FileHandler):
    """The log file. When the disk is full (or the folder goes away) a line that cannot be
    written is lost quietly: logging's own "--- Logging error ---" traceback on the terminal
    would come before, and drown, the sentence that tells the clerk what happened."""

    def handleError(self, record: logging.LogRecord) -> None:
        if isinstance(sys.exc_info()[1], OSError):
            return
        super().handleError(record)


def setup_logging(paths: AppPaths, *, verbose: bool = False) -> None:
    """Log to a file in `paths.log_dir`, rotated at start-up (and to stderr with --verbose).

    Calling it again (a test, another --basedir) replaces the handlers it added before.
    """
    root = logging.getLogger("frontcounter")
    for old in _handlers:
        root.removeHandler(old)
        old.close()
    _handlers.clear()
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    try:
        paths.log_dir.mkdir(parents=True, exist_ok=True)
        rotate(paths.log_file)
        handler: logging.Handler = _LogFile(paths.log_file, encoding="utf-8")
    except OSError:
        fallback = logging.StreamHandler()  # a read-only profile still gets its log lines
        _handlers.append(fallback)
    else:
        _handlers.append(handler)
    if verbose:
        _handlers.append(logging.StreamHandler())
    for each in _handlers:
        each.setFormatter(logging.Formatter(_FORMAT))
        root.addHandler(each)


def rotate(log_file: Path, max_bytes: int = MAX_BYTES, keep: int = KEEP) -> None:
    """Once the log passes `max_bytes`, keep it as .1 (older ones as .2 ... .keep).

    Rotating when the app starts rather than mid-run means two workstations' processes never
    rename a file the other is writing (each PC has its own log folder anyway).
    """
    try:
        if not log_file.exists() or log_file.stat().st_size < max_bytes:
            return
        for number in range(keep - 1, 0, -1):
            older = log_file.with_name(f"{log_file.name}.{number}")
            if older.exists():
                older.replace(log_file.with_name(f"{log_file.name}.{number + 1}"))
        log_file.replace(log_file.with_name(f"{log_file.name}.1"))
    except OSError:
        pass  # a log that cannot rotate keeps growing; losing the app over it would be worse
