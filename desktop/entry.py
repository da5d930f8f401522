"""The program's entry point (`frontcounter`, `python -m desktop`, the bundles' launchers), and
Python's cyclic garbage collector paused while the program starts.

Start-up makes about 60,000 objects that Python's collector tracks (modules, classes, functions,
Qt's enums, the models), and nearly all of them live as long as the program. The collector runs
every few hundred new objects and walks the young ones each time: about 90 passes and 10-12 ms
of a window's start on the 1M town, none of which finds more than a few hundred unreachable
objects (issue 22). So `run` pauses it before anything is imported, and `start_up_done` (called
when the window has been built, or when a command or an upgrade begins) moves what start-up made
out of its way (`gc.freeze`) and turns it back on: later passes never walk those objects again.
The few hundred start-up objects that were already garbage then stay, a few tens of kilobytes.

Only a pause made here is ever ended here: a program embedding the core, or a test, keeps the
collector as it set it.
"""

from __future__ import annotations

import gc
from typing import NoReturn

_paused = False


def pause_collections() -> None:
    """Pause the cyclic collector for start-up (call first thing; `start_up_done` ends it)."""
    global _paused
    if gc.isenabled():
        gc.disable()
        _paused = True


def start_up_done() -> None:
    """End the pause `pause_collections` began: start-up's objects frozen, the collector on.
    Harmless when there was no pause or it has ended already."""
    global _paused
    if _paused:
        _paused = False
        gc.freeze()
        gc.enable()


def thaw() -> None:
    """Give what start-up froze back to the collector: the window it made has been replaced
    (another database opened, a sign-out), and that window's cycles are garbage now. Once:
    later windows are never frozen."""
    gc.unfreeze()


def run() -> NoReturn:
    """The program: `desktop.app.run` with the collector paused while it starts."""
    pause_collections()
    from desktop.app import run as program  # noqa: PLC0415 (after the pause: its imports are start-up's)

    program()
