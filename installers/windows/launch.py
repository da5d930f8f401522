"""Starts Front Counter from its Windows app folder (installers/windows/build_windows.py).

This file is the program inside both launchers of the folder: `Front Counter.exe` (the window,
run by Python\\pythonw.exe, no console) and `frontcounter.exe` (the command line, run by
Python\\python.exe). Each is distlib's small launcher with this script zipped onto its end; the
launcher starts the folder's own Python with its own path as the script, so sys.argv[0] is the
launcher and the folder is where it lies. Nothing of the machine is used: the embeddable Python
reads only its own files (its ._pth), and the libraries are in pkgs\\ beside it.
"""

import os
import site
import sys
from pathlib import Path

folder = Path(sys.argv[0]).resolve().parent
site.addsitedir(str(folder / "pkgs"))  # with its .pth files (pywin32's DLLs)

if sys.stdout is None or sys.stderr is None:  # the window, under pythonw: no console at all
    devnull = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 (open while the app runs)
    sys.stdout = sys.stdout or devnull
    sys.stderr = sys.stderr or devnull

from desktop import paths  # noqa: E402 (after pkgs is on the path)

paths.program_folder = folder

from desktop.app import main  # noqa: E402

sys.exit(main())
