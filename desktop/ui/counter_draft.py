"""The Counter form's unsaved state, kept in a file on this workstation as the clerk types.

A crash, a power cut or a closed window never costs the clerk a caller's story: the next start
brings the form back. The file is written whole to a temporary name and renamed into place, so
it is either the old form or the new one, never half of each.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path
from typing import Any

log = logging.getLogger("frontcounter.ui")

MAX_BYTES = 1_000_000  # a draft larger than this is damaged, not typed


class DraftStore:
    """One draft per database on this workstation."""

    def __init__(self, folder: Path, database: str) -> None:
        digest = hashlib.sha256(database.encode("utf-8")).hexdigest()[:16]
        self.path = folder / f"counter-{digest}.json"

    def save(self, state: dict[str, Any]) -> None:
        """Keep the form; a form with nothing typed removes the draft instead."""
        if not any(value not in ("", None, [], {}, False) for value in state.values()):
            self.clear()
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            temporary = self.path.with_suffix(".tmp")
            with temporary.open("w", encoding="utf-8") as handle:
                json.dump(state, handle, ensure_ascii=False)
                handle.flush()
                os.fsync(handle.fileno())
            temporary.replace(self.path)
        except OSError as exc:  # a full disk must not stop the clerk typing
            log.warning("could not keep the counter draft: %s", exc)

    def load(self) -> dict[str, Any] | None:
        """The draft left by the last session, or None (a damaged one is set aside)."""
        try:
            if not self.path.exists() or self.path.stat().st_size > MAX_BYTES:
                return None
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            log.warning("the counter draft could not be read: %s", exc)
            return None
        return data if isinstance(data, dict) else None

    def clear(self) -> None:
        try:
            self.path.unlink(missing_ok=True)
        except OSError as exc:
            log.warning("could not remove the counter draft: %s", exc)
