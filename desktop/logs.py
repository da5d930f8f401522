"""Logging: one named logger per area, a rotating log file in the app's log folder."""

from __future__ import annotations

import logging
import logging.handlers

from desktop.paths import AppPaths

_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"


def setup_logging(paths: AppPaths, *, verbose: bool = False) -> None:
    """Log to a rotating file (and to stderr with --verbose). Safe to call more than once."""
    root = logging.getLogger("frontcounter")
    if getattr(root, "_frontcounter_ready", False):
        return
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    root.propagate = False
    try:
        paths.log_dir.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.handlers.RotatingFileHandler(
            paths.log_file, maxBytes=2_000_000, backupCount=5, encoding="utf-8"
        )
    except OSError:
        handler = logging.StreamHandler()  # a read-only profile still gets its log lines
    handler.setFormatter(logging.Formatter(_FORMAT))
    root.addHandler(handler)
    if verbose:
        stream = logging.StreamHandler()
        stream.setFormatter(logging.Formatter(_FORMAT))
        root.addHandler(stream)
    root._frontcounter_ready = True  # type: ignore[attr-defined]
