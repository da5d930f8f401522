"""Logging: one named logger per area, a rotating log file in the app's log folder."""

from __future__ import annotations

import logging
import logging.handlers

from desktop.paths import AppPaths

_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
_handlers: list[logging.Handler] = []


def setup_logging(paths: AppPaths, *, verbose: bool = False) -> None:
    """Log to a rotating file in `paths.log_dir` (and to stderr with --verbose).

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
        handler: logging.Handler = logging.handlers.RotatingFileHandler(
            paths.log_file, maxBytes=2_000_000, backupCount=5, encoding="utf-8"
        )
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
