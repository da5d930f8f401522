"""Starts Front Counter from its Windows app folder (installers/windows/build_windows.py).

This file is the program inside both launchers of the folder: `Front Counter.exe` (the window,
run by Python\\pythonw.exe, no console) and `frontcounter.exe` (the command line, run by
Python\\python.exe). Each is distlib's small launcher with this script zipped onto its end; the
launcher starts the folder's own Python with its own path as the script, so sys.argv[0] is the
launcher and the folder is where it lies. Nothing of the machine is used: the embeddable Python
reads only its own files (its ._pth), and the libraries are in pkgs\\ beside it.
"""

import contextlib
import os
import site
import sys
import traceback
from pathlib import Path

folder = Path(sys.argv[0]).resolve().parent
site.addsitedir(str(folder / "pkgs"))  # with its .pth files (pywin32's DLLs)

devnull_out = None
if sys.stdout is None or sys.stderr is None:  # the window, under pythonw: no console at all
    devnull_out = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 (open while it runs)
    sys.stdout = sys.stdout or devnull_out
    sys.stderr = sys.stderr or devnull_out


def _cannot_start(error: BaseException) -> None:
    """The window's launcher has no console: say why it cannot start, in a message box and in
    %LOCALAPPDATA%\\FrontCounter\\start-error.txt, rather than nothing at all."""
    import ctypes  # Windows only, and only now

    text = "".join(traceback.format_exception(error))
    with contextlib.suppress(OSError):
        log = Path(os.environ.get("LOCALAPPDATA", folder)) / "FrontCounter" / "start-error.txt"
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text(text, encoding="utf-8")
    with contextlib.suppress(Exception):
        ctypes.windll.user32.MessageBoxW(  # type: ignore[attr-defined]
            None,
            "Front Counter could not start. Reinstall it, or send this to whoever looks after "
            f"the town's computers:\n\n{text[-1500:]}",
            "Front Counter",
            0x10,
        )


try:
    from desktop import entry

    entry.pause_collections()  # start-up's objects are left out of the collector's way
    from desktop import paths

    paths.program_folder = folder
    from desktop.app import run
except Exception as error:  # a broken install: no window to show anything in
    if devnull_out is None:  # the command line: Python's own message says it
        raise
    _cannot_start(error)
    sys.exit(1)

run()
