"""Writing a finished PDF to the file the clerk named: whole, or not at all.

The command line (`--out`) and the window's Save as PDF both write here, so a full disk or a
pulled USB stick never leaves a half PDF under the clerk's name nor a hidden temporary file.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

TEMPORARY_PREFIX = ".frontcounter-"


def _fill(handle: int, pdf: bytes) -> None:
    """Write and flush to the disk (a rename of unflushed bytes can still lose them)."""
    with os.fdopen(handle, "wb") as out:
        out.write(pdf)
        out.flush()
        os.fsync(out.fileno())


def write_pdf_file(path: Path, pdf: bytes) -> None:
    """A temporary file beside `path`, then a rename over it: on any failure the temporary
    file is removed and what was at `path` before is untouched. Raises OSError."""
    folder = path.parent
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=TEMPORARY_PREFIX, suffix=".pdf")
    try:
        _fill(handle, pdf)
        Path(temporary).chmod(0o644)  # mkstemp makes it private; a printout is not
        Path(temporary).replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            Path(temporary).unlink(missing_ok=True)
        raise
