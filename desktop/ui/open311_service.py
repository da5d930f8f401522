"""The Open311 endpoint a window serves, if any: started from this workstation's preferences
when the window opens (off by default), from Settings → Partners, and stopped with the window
(it serves the town that window has open). The server itself loads only when it starts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from desktop.i18n import _
from desktop.models.errors import KnownError
from desktop.ui.prefs import DEFAULTS as PREFS_DEFAULTS
from desktop.ui.prefs import Prefs

if TYPE_CHECKING:
    from desktop.open311.server import Open311Server


class Open311Service(QObject):
    """The endpoint this window serves, if any (one per window: it serves the open town)."""

    #: the status bar's words ("" when not serving)
    changed = Signal(str)

    def __init__(self, prefs: Prefs | None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._prefs = prefs
        #: the choices when there are no preferences to keep them in (a page on its own)
        self._kept: dict[str, Any] = {}
        self._server: Open311Server | None = None
        self.url = ""

    def get(self, key: str) -> Any:
        if self._prefs is not None:
            return self._prefs.get(key)
        return self._kept.get(key, PREFS_DEFAULTS[key])

    def set(self, key: str, value: Any) -> None:
        if self._prefs is not None:
            self._prefs.set(key, value)
        else:
            self._kept[key] = value

    @property
    def serving(self) -> bool:
        return self._server is not None

    def start_from_prefs(self) -> str:
        """Serve if this workstation was set to (at start-up); the problem, or ""."""
        if not self.get("open311/serve"):
            return ""
        return self.start(str(self.get("open311/host")), int(self.get("open311/port")))

    def start(self, host: str, port: int) -> str:
        """Serve on `host`:`port`: "" when serving, else the sentence saying why not."""
        from desktop.open311.server import Open311Server  # loads waitress, the endpoint

        self.stop()
        try:
            server = Open311Server(host.strip() or "127.0.0.1", port)
        except KnownError as exc:
            self.changed.emit("")
            return str(exc)
        server.start()
        self._server = server
        self.url = server.url
        self.changed.emit(_("Open311: serving at {url}").format(url=server.url))
        return ""

    def stop(self) -> None:
        server = self._server
        self._server = None
        self.url = ""
        if server is not None:
            server.stop()
            self.changed.emit("")
