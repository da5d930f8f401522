"""Files the town keeps (exports, releases, PDFs, saved attachments) appear whole or not at all.

Each is written to a temporary file beside its name, flushed to the disk and renamed over it:
a full disk, a pulled USB stick or a crash leaves what was there before and no half file.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


#: the temporary files' names start so (a file the clerk sees beside theirs is never one of ours
#: left behind: any failure removes it)
TEMPORARY_PREFIX = ".frontcounter-"
#: what a file the clerk saves themselves would get (mkstemp makes its file private: a release
#: handed to a resident, an export for the council is not)
_MODE = 0o666 & ~_umask()


@contextlib.contextmanager
def replacing(path: Path, prefix: str = TEMPORARY_PREFIX) -> Iterator[Path]:
    """A temporary file to write, beside `path`; when the block ends it takes `path`'s place.

    On any error inside the block, or in flushing and renaming, the temporary file is removed
    and `path` is untouched. Raises OSError (the caller says it in the clerk's words).
    """
    handle, name = tempfile.mkstemp(prefix=prefix, suffix=path.suffix, dir=path.parent)
    os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
        with temporary.open("rb+") as written:
            os.fsync(written.fileno())
        temporary.chmod(_MODE)
        temporary.replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)
        raise


def _fill(temporary: Path, data: bytes) -> None:
    temporary.write_bytes(data)


def write_whole(path: Path, data: bytes) -> None:
    """`data` at `path` (a PDF the clerk asked for, an attachment saved out): the file that was
    there stays until the new one is complete. Raises OSError."""
    with replacing(path) as temporary:
        _fill(temporary, data)
