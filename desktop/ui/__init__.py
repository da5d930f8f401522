"""The window: Qt only. It calls the core in desktop.models; no SQL, no business rule."""

from __future__ import annotations

import importlib
from types import ModuleType

import PySide6.QtCore  # noqa: F401  # loaded first, so that the scan below can be told


def _name_for_pyside_scan() -> None:
    """Spare the start-up PySide6's reading of every module's source.

    Once loaded, PySide6 reads the whole source of each module imported after it (about 190 at
    start-up, peewee's 8,000 lines among them) to see whether the word "PySide6" is in it: its
    opt-in `__feature__` switches (snake_case names) are chosen per module. Front Counter uses
    none, and the window's own modules are all in this package, so a module's name answers the
    same question without opening its file: 30-40 ms of every start. Where PySide6 has no such
    scan (a later version), nothing is changed.
    """
    try:
        feature = importlib.import_module("shibokensupport.feature")
    except ImportError:
        return
    if not callable(getattr(feature, "_mod_uses_pyside", None)):
        return

    def uses_pyside(module: ModuleType) -> bool:
        name = getattr(module, "__name__", "")
        return isinstance(name, str) and name.split(".", 2)[:2] == ["desktop", "ui"]

    setattr(feature, "_mod_uses_pyside", uses_pyside)  # noqa: B010 (a private name)


_name_for_pyside_scan()
