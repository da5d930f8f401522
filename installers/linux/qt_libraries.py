"""The system libraries Qt's X11 window needs on Linux, for `make run` on a fresh machine.

PySide6's wheels bring Qt but not the X11 libraries its "xcb" platform plugin links to, and a
fresh desktop may lack some (libxcb-cursor0, since Qt 6.5, most often). Without them the window
does not open and Qt says only that "no Qt platform plugin could be initialized". This finds
what the plugin cannot load (`ldd`), names the Debian packages that hold it, and installs them
when this user may (root, or sudo without a password), else says in one sentence what to run.
The Debian package lists the same libraries in its Depends (installers/build.py).

    python installers/linux/qt_libraries.py        (`make run` runs it first)

Exit status: 0 when the window can open (or this is not Linux with apt), 1 when libraries are
missing and could not be installed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

#: the library files Qt's xcb plugin and Qt itself load, and the Debian package of each
PACKAGES = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xinerama.so.0": "libxcb-xinerama0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libOpenGL.so.0": "libopengl0",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libdbus-1.so.3": "libdbus-1-3",
    "libglib-2.0.so.0": "libglib2.0-0",
}


def qt_files() -> list[Path]:
    """Qt's xcb platform plugin and the libraries it is built on, in this Python's PySide6."""
    import PySide6  # noqa: PLC0415 - only where this script runs, in the app's .venv

    qt = Path(PySide6.__file__).parent / "Qt"
    files = [
        qt / "plugins" / "platforms" / "libqxcb.so",
        *sorted((qt / "lib").glob("libQt6*.so.6")),
    ]
    return [path for path in files if path.is_file()]


#: what Qt opens only when it runs (dlopen), so `ldd` never names it
LOADED_LATER = ("libxcb-cursor.so.0",)


def missing_libraries(files: list[Path]) -> set[str]:
    """The libraries `ldd` finds none of, for any of `files`, and those Qt opens later that
    cannot be opened."""
    import ctypes  # (not at module level: the project bans it there, for start-up)

    missing: set[str] = set()
    for name in LOADED_LATER:
        try:
            ctypes.CDLL(name)
        except OSError:
            missing.add(name)
    for path in files:
        found = subprocess.run(["ldd", str(path)], capture_output=True, text=True, check=False)
        for line in found.stdout.splitlines():
            name, _, where = line.strip().partition(" => ")
            if where.strip() == "not found":
                missing.add(name.strip())
    return missing


def main() -> int:
    if not sys.platform.startswith("linux") or shutil.which("ldd") is None:
        return 0
    missing = missing_libraries(qt_files())
    # libraries of Qt modules the app never loads (multimedia, 3D, web...) are not its concern
    needed = sorted({PACKAGES[name] for name in missing if name in PACKAGES})
    if not needed:
        return 0
    if shutil.which("apt-get") is not None:
        as_root: list[str] | None = None
        if os.geteuid() == 0:
            as_root = []
        elif shutil.which("sudo") is not None:
            may = subprocess.run(["sudo", "-n", "true"], capture_output=True, check=False)
            as_root = ["sudo", "-n"] if may.returncode == 0 else None
        if as_root is not None:
            print("Installing the system libraries Qt needs to open a window:", " ".join(needed))
            if _apt(as_root, "install", "-y", "-qq", *needed) == 0:
                return 0
            # a fresh machine may have no package lists yet
            _apt(as_root, "update", "-qq")
            if _apt(as_root, "install", "-y", "-qq", *needed) == 0:
                return 0
    print(
        "Front Counter's window needs system libraries this computer does not have. Install "
        f"them, then run make run again:\n    sudo apt install {' '.join(needed)}",
        file=sys.stderr,
    )
    return 1


def _apt(as_root: list[str], *arguments: str) -> int:
    command = [*as_root, "env", "DEBIAN_FRONTEND=noninteractive", "apt-get"]
    command += ["-o", "DPkg::Lock::Timeout=300", *arguments]
    return subprocess.run(command, stdout=subprocess.DEVNULL, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
